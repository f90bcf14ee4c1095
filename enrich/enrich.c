/* enrich.c - enrichment as a whole: the resolver, the MMDB files and the
 * services table put together; see enrich.h.
 *
 * enrich_open() loads what the configuration asks for (c-ares and libpsl
 * always, libmaxminddb with --geoip) and fails early, naming the library
 * or file, before anything is asked.  enrich_run() hands each address the
 * resolver finished to the geoip lookup, the PSL and the services table,
 * sets when the answer expires, then passes it on.
 */
#include <string.h>

#include "internal.h"

#define DAY	(24 * 3600)

struct enrich {
	struct enrich_resolver *res;
	struct enrich_geoip *geoip;
	struct enrich_services *services;
	enrich_done_fn done;
	void *user;
};


int64_t
enrich_lifetime(enum enrich_status s)
{
	switch (s) {
	case ENRICH_OK: return 7 * DAY;
	case ENRICH_NXDOMAIN:
	case ENRICH_NODATA: return DAY;
	case ENRICH_SERVFAIL:
	case ENRICH_REFUSED: return 3600;
	default: return 0;
	}
}

void
enrich_result_free(struct enrich_result *r)
{
	if (r == NULL)
		return;
	g_free(r->ip);
	if (r->ptr_names)
		g_ptr_array_unref(r->ptr_names);
	g_free(r->confirmed_name);
	g_free(r->base_domain);
	g_free(r->as_org);
	g_free(r->country);
	g_free(r->network);
	g_free(r->service);
	g_free(r->service_kind);
	g_free(r->service_basis);
	g_free(r);
}

struct enrich *
enrich_open(const struct enrich_config *cfg, GError **err)
{
	struct enrich *e = g_new0(struct enrich, 1);
	struct enrich_config c;
	const char *why;

	if ((why = enrich_psl_init()) != NULL) {
		g_set_error(err, ENRICH_ERROR, ENRICH_ERROR_LIBRARY, "%s", why);
		goto fail;
	}
	if (cfg->geoip && cfg->geoip[0] &&
	    (e->geoip = enrich_geoip_open(cfg->geoip, err)) == NULL)
		goto fail;
	if ((e->services = enrich_services_load(cfg->services,
	    cfg->services_local, err)) == NULL)
		goto fail;
	/* An MMDB answers what Team Cymru would, without a query. */
	c = *cfg;
	if (e->geoip)
		c.asn_dns = FALSE;
	if ((e->res = enrich_resolver_new(&c, err)) == NULL)
		goto fail;
	return e;
fail:
	enrich_close(e);
	return NULL;
}

void
enrich_close(struct enrich *e)
{
	if (e == NULL)
		return;
	enrich_resolver_free(e->res);
	enrich_geoip_close(e->geoip);
	enrich_services_free(e->services);
	g_free(e);
}

/* The resolver is done with r: the rest is local. */
static void
complete(void *user, struct enrich_result *r)
{
	struct enrich *e = user;

	if (e->geoip)
		enrich_geoip_lookup(e->geoip, r->ip, r);
	if (r->confirmed_name)
		r->base_domain = enrich_base_domain(r->confirmed_name);
	enrich_services_match(e->services, r);
	r->expires_at = r->asked_at + enrich_lifetime(r->dns_status);
	e->done(e->user, r);
}

int
enrich_run(struct enrich *e, const GPtrArray *ips, enrich_done_fn done,
    void *user, struct enrich_stats *stats, GError **err)
{
	(void)err;
	memset(stats, 0, sizeof(*stats));
	e->done = done;
	e->user = user;
	enrich_resolver_run(e->res, ips, complete, e, stats);
	return 0;
}

void
enrich_stop(struct enrich *e)
{
	enrich_resolver_stop(e->res);
}

gboolean
enrich_service_apply(const struct enrich *e, struct enrich_result *r)
{
	return enrich_services_match(e->services, r);
}

const char *
enrich_services_digest(const struct enrich *e)
{
	return enrich_services_sha256(e->services);
}

const char *
enrich_services_origin(const struct enrich *e)
{
	return enrich_services_where(e->services);
}
