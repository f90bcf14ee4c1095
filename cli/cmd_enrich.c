/* cmd_enrich.c - mailsift enrich: who each source address is.
 *
 *	mailsift enrich [--resolver ADDR[:PORT]] [--geoip FILE.mmdb]...
 *	    [--asn-dns] [--services FILE] [--services-local FILE]
 *	    [--max-inflight N] [--timeout MS] [--tries N] [--limit N] [--all]
 *
 * Lists the addresses stored that have no answer yet or an expired one
 * (store_source_pending), resolves them (enrich/), and writes the answers
 * back (store_source_write) every ENRICH_FLUSH results, each batch in its
 * own transaction, so an interrupted run keeps what it did.  When the
 * services table changed since the last run, every stored row is mapped
 * to a service again first.  `ingest --enrich` calls cli_enrich() with the
 * ingest log id the run started after.
 *
 * Exit: 0 done; 75 the resolver is down or slow (it never answered, or a
 * tenth or more of the addresses that had not failed before timed out:
 * an address in a zone that keeps timing out is asked each run without
 * failing every run), or the database is
 * unreachable: what was answered is kept, and the rest is asked again
 * next time; 69 c-ares or libpsl cannot be loaded; 78 a bad resolver,
 * MMDB or services file, or database configuration.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../enrich/enrich.h"

#define ENRICH_FLUSH	1000
#define STATE_SERVICES	"services_sha256"

static char *opt_resolver, *opt_services, *opt_services_local;
static char **opt_geoip;
static gboolean opt_asn_dns, opt_all;
static gint64 opt_max_inflight, opt_timeout, opt_tries;
static gint64 opt_limit;

/* Bounded when parsed: 0 or less is no query, no time, no try. */
static const struct cli_count count_options[] = {
	{ "max-inflight", 0, 1, 4096, &opt_max_inflight },
	{ "timeout", 0, 1, 600000, &opt_timeout },
	{ "tries", 0, 1, 10, &opt_tries },
	{ "limit", 0, 1, G_MAXINT64, &opt_limit },
};

static gboolean
set_count(const char *option, const char *value, gpointer data,
    GError **error)
{
	return cli_count_set(count_options, G_N_ELEMENTS(count_options),
	    option, value, error);
}

const GOptionEntry cli_enrich_entries[] = {
	{ "resolver", 0, 0, G_OPTION_ARG_STRING, &opt_resolver,
	    "DNS resolver to ask (else $MAILSIFT_RESOLVER, else resolv.conf); "
	    "several comma-separated, IPv6 as [ADDR]:PORT", "ADDR[:PORT]" },
	{ "geoip", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_geoip,
	    "MaxMind-format database for ASN, AS organization and country "
	    "(GeoLite2, DB-IP lite, IPinfo lite); may be given twice "
	    "(an ASN and a country file)", "FILE.mmdb" },
	{ "asn-dns", 0, 0, G_OPTION_ARG_NONE, &opt_asn_dns,
	    "without --geoip: ASN, AS name and country from Team Cymru's "
	    "DNS zones (origin.asn.cymru.com)", NULL },
	{ "services", 0, 0, G_OPTION_ARG_FILENAME, &opt_services,
	    "the named services table (default: the installed "
	    "share/mailsift/services.tsv)", "FILE" },
	{ "services-local", 0, 0, G_OPTION_ARG_FILENAME, &opt_services_local,
	    "the site's own rows, kind 'ours' by default (default: "
	    "/etc/mailsift/services.local.tsv when it exists)", "FILE" },
	{ "max-inflight", 0, 0, G_OPTION_ARG_CALLBACK, set_count,
	    "DNS queries out at once (default 500, at most 4096)", "N" },
	{ "timeout", 0, 0, G_OPTION_ARG_CALLBACK, set_count,
	    "first try's timeout, doubled at each retry (default 2000)", "MS" },
	{ "tries", 0, 0, G_OPTION_ARG_CALLBACK, set_count,
	    "tries per query and server (default 2)", "N" },
	G_OPTION_ENTRY_NULL
};

static const GOptionEntry run_entries[] = {
	{ "limit", 0, 0, G_OPTION_ARG_CALLBACK, set_count,
	    "at most N addresses this run (new ones first)", "N" },
	{ "all", 0, 0, G_OPTION_ARG_NONE, &opt_all,
	    "ask every address again, expired or not", NULL },
	G_OPTION_ENTRY_NULL
};

/* The results on their way to the database. */
struct sink {
	struct store *st;
	struct enrich *e;
	GPtrArray *pending;	/* struct enrich_result * */
	GError *err;		/* the first database error: stop writing */
	guint written;
	GHashTable *retries;	/* addresses whose last attempt failed */
	guint fresh_timeouts;	/* timeouts of the others */
};

static void
flush(struct sink *k)
{
	if (k->pending->len == 0)
		return;
	if (k->err == NULL && store_source_write(k->st,
	    (struct enrich_result *const *)k->pending->pdata,
	    k->pending->len, &k->err) == 0)
		k->written += k->pending->len;
	else if (k->e)
		enrich_stop(k->e);	/* nowhere to keep more answers */
	g_ptr_array_set_size(k->pending, 0);
}

static void
print_result(const struct enrich_result *r)
{
	fprintf(stderr, "mailsift: %s %s %s%s%s asn=%" G_GINT64_FORMAT
	    " %s %s\n", r->ip, enrich_status_name(r->dns_status),
	    r->ptr_names->len ? (char *)g_ptr_array_index(r->ptr_names, 0) :
	    "-", r->fcrdns == 1 ? " (confirmed)" : r->fcrdns == 0 ?
	    " (not confirmed)" : "", r->base_domain ? r->base_domain : "",
	    r->asn, r->country ? r->country : "-",
	    r->service ? r->service : "-");
}

static void
done(void *user, struct enrich_result *r)
{
	struct sink *k = user;

	if (cli_global.verbose)
		print_result(r);
	if (r->dns_status == ENRICH_TIMEOUT &&
	    !g_hash_table_contains(k->retries, r->ip))
		k->fresh_timeouts++;
	g_ptr_array_add(k->pending, r);
	if (k->pending->len >= ENRICH_FLUSH)
		flush(k);
}

static gboolean
remap_one(void *user, struct enrich_result *r)
{
	return enrich_service_apply(user, r);
}

/* A changed services table: every stored row mapped again. */
static int
remap_if_changed(struct store *st, struct enrich *e, GError **err)
{
	const char *digest = enrich_services_digest(e);
	char *was = store_enrich_state(st, STATE_SERVICES, err);
	int64_t n = 0;

	if (was == NULL)
		return -1;
	if (strcmp(was, digest) != 0) {
		n = store_source_remap(st, remap_one, e, err);
		if (n >= 0 && store_enrich_state_set(st, STATE_SERVICES, digest,
		    err) < 0)
			n = -1;
		if (n > 0 || cli_global.verbose)
			fprintf(stderr, "mailsift: services table %s: %"
			    G_GINT64_FORMAT " stored addresses mapped anew\n",
			    enrich_services_origin(e), n);
	}
	g_free(was);
	return n < 0 ? -1 : 0;
}

static int
open_status(const GError *err)
{
	if (err->domain == ENRICH_ERROR && err->code == ENRICH_ERROR_LIBRARY)
		return EX_UNAVAILABLE;
	return EX_CONFIG;
}

static void
report(const struct enrich_stats *s, double secs)
{
	fprintf(stderr, "mailsift: enriched %u addresses in %.1f s "
	    "(%.0f/s, %u queries): %u ok (%u confirmed), %u nxdomain, "
	    "%u nodata, %u servfail, %u refused, %u timeout\n", s->ips, secs,
	    secs > 0 ? s->ips / secs : 0.0, s->queries, s->status[ENRICH_OK],
	    s->confirmed, s->status[ENRICH_NXDOMAIN],
	    s->status[ENRICH_NODATA], s->status[ENRICH_SERVFAIL],
	    s->status[ENRICH_REFUSED], s->status[ENRICH_TIMEOUT]);
}

/* The resolver is down or slow: say so; the caller exits 75.  Slow: a
 * tenth or more of the addresses not failing before timed out (those in
 * zones that keep timing out are asked again each run, and are not the
 * resolver's fault). */
static gboolean
resolver_failed(const struct enrich_stats *s, guint asked,
    const struct sink *k)
{
	guint to = k->fresh_timeouts;
	guint fresh = s->ips - MIN(s->ips, g_hash_table_size(k->retries));

	if (s->resolver_down) {
		fprintf(stderr, "mailsift: the resolver does not answer: "
		    "stopped after %u of %u addresses; what was answered is "
		    "kept, the rest is asked at the next run\n", s->ips, asked);
		return TRUE;
	}
	if (to > 0 && (guint64)to * 10 >= fresh) {
		fprintf(stderr, "mailsift: the resolver is slow: %u of %u "
		    "lookups timed out (kept as timeouts, asked again at the "
		    "next run)\n", to, fresh);
		return TRUE;
	}
	return FALSE;
}

int
cli_enrich(struct store *st, int64_t after_ingest_id, gboolean all,
    int64_t limit)
{
	struct enrich_config cfg = { 0 };
	struct enrich_stats stats;
	struct sink k = { 0 };
	struct enrich *e;
	GPtrArray *ips;
	GError *err = NULL;
	gint64 t0;
	int status = 0;

	cfg.resolver = opt_resolver ? opt_resolver : g_getenv("MAILSIFT_RESOLVER");
	cfg.geoip = opt_geoip;
	cfg.asn_dns = opt_asn_dns;
	cfg.services = opt_services;
	cfg.services_local = opt_services_local;
	cfg.max_inflight = (int)opt_max_inflight;
	cfg.timeout_ms = (int)opt_timeout;
	cfg.tries = (int)opt_tries;
	if ((e = enrich_open(&cfg, &err)) == NULL) {
		fprintf(stderr, "mailsift: enrich: %s\n", err->message);
		status = open_status(err);
		g_error_free(err);
		return status;
	}
	k.retries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	if (remap_if_changed(st, e, &err) < 0 ||
	    (ips = store_source_pending(st, after_ingest_id, all, limit,
	    k.retries, &err)) == NULL) {
		fprintf(stderr, "mailsift: database: %s\n", err->message);
		status = cli_store_status(err);
		g_error_free(err);
		g_hash_table_unref(k.retries);
		enrich_close(e);
		return status;
	}
	k.st = st;
	k.e = e;
	k.pending = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)enrich_result_free);
	t0 = g_get_monotonic_time();
	enrich_run(e, ips, done, &k, &stats, NULL);
	flush(&k);
	report(&stats, (g_get_monotonic_time() - t0) / 1e6);
	if (k.err) {
		fprintf(stderr, "mailsift: database: %s (%u answers written)\n",
		    k.err->message, k.written);
		status = cli_store_status(k.err);
		g_error_free(k.err);
	} else if (resolver_failed(&stats, ips->len, &k)) {
		status = EX_TEMPFAIL;
	}
	g_ptr_array_unref(k.pending);
	g_hash_table_unref(k.retries);
	g_ptr_array_unref(ips);
	enrich_close(e);
	return status;
}

/* Both lists of options, for one GOptionContext. */
static GOptionEntry *
all_entries(void)
{
	GArray *a = g_array_new(TRUE, TRUE, sizeof(GOptionEntry));

	for (const GOptionEntry *o = run_entries; o->long_name; o++)
		g_array_append_val(a, *o);
	for (const GOptionEntry *o = cli_enrich_entries; o->long_name; o++)
		g_array_append_val(a, *o);
	return (GOptionEntry *)g_array_free(a, FALSE);
}

int
cli_cmd_enrich(int argc, char **argv)
{
	GOptionEntry *entries = all_entries();
	struct store *st;
	int status = 0;
	gboolean ok;

	ok = cli_options(&argc, &argv, "",
	    "Resolve the source addresses stored that are new or whose answer\n"
	    "expired: PTR names, forward confirmation, base domain, ASN, AS\n"
	    "organization, country, named service; into source_v.", entries);
	g_free(entries);
	if (!ok)
		return EX_USAGE;
	if (argc > 1) {
		fprintf(stderr, "mailsift: unexpected argument %s\n", argv[1]);
		return EX_USAGE;
	}
	if ((st = cli_store_open(&status)) == NULL)
		return status;
	status = cli_enrich(st, -1, opt_all, opt_limit);
	store_close(st);
	return status;
}
