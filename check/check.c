/* check.c - run the checks of one domain.
 *
 * check_domain() runs SPF, DMARC, DKIM, the receiving side, the
 * sending addresses' names and blocklists in that order, each appending
 * findings, then the bulk-sender summary (bulk.c) from what they found;
 * the helpers they share are in util.c.
 */
#include "internal.h"

struct check *
check_open(const struct check_config *cfg, GError **err)
{
	struct enrich_config ec = { 0 };
	struct check *c;
	struct enrich_lookup *l;

	ec.resolver = cfg->resolver;
	ec.timeout_ms = cfg->timeout_ms;
	ec.tries = cfg->tries;
	if ((l = enrich_lookup_open(&ec, err)) == NULL)
		return NULL;
	c = g_new0(struct check, 1);
	c->dns = l;
	c->dnsbl = g_strdupv((char **)(cfg->dnsbl ? cfg->dnsbl :
	    check_dnsbl_default));
	c->ca_file = g_strdup(cfg->ca_file);
	c->sts_port = cfg->sts_port > 0 ? cfg->sts_port : 443;
	c->https_ms = 5 * (cfg->timeout_ms > 0 ? cfg->timeout_ms : 2000);
	return c;
}

void
check_close(struct check *c)
{
	if (c == NULL)
		return;
	enrich_lookup_close(c->dns);
	g_strfreev(c->dnsbl);
	g_free(c->ca_file);
	g_free(c);
}

int
check_domain(struct check *c, const char *domain,
    const struct check_evidence *ev, GPtrArray *out)
{
	static const struct check_evidence none = { 0 };
	struct check_ctx x = { c, domain, ev ? ev : &none, out, FALSE, NULL };

	check_spf(&x);
	check_dmarc(&x);
	check_dkim(&x);
	check_receive(&x);
	check_ptr(&x);
	check_dnsbl(&x);
	if (!x.dns_down)
		check_bulk_add(&x);	/* from the findings above */
	if (x.mx)
		g_ptr_array_unref(x.mx);
	if (x.dns_down)
		check_add(&x, "dns.unavailable", CHECK_ERROR,
		    "Check the resolver (--resolver) and the domain's name "
		    "servers, then run the check again.",
		    "a DNS query for %s timed out or failed (SERVFAIL or "
		    "REFUSED)", domain);
	return x.dns_down ? -1 : 0;
}

