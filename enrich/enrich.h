/* enrich.h - who each source IP is: names, networks, services.
 *
 * Never in the ingest path: `mailsift enrich` (and `ingest --enrich`
 * after a Maildir or file run) asks for the addresses store/ lists, and
 * hands the results back to store/.  enrich/ itself never touches the
 * database.  For each address:
 *   - its PTR names, by c-ares, hundreds of queries in flight (bounded),
 *     with timeouts and retries;
 *   - forward confirmation (FCrDNS): the A or AAAA records of a PTR name
 *     contain the address; the first confirmed name is the source's name;
 *   - the base domain of that name by the public suffix list (libpsl);
 *   - ASN, AS organization, country and network from MaxMind-format
 *     databases (libmaxminddb), else, with asn_dns, from Team Cymru's
 *     origin.asn.cymru.com / asn.cymru.com TXT zones;
 *   - a named service (Google, SendGrid, your own servers ...) from the
 *     services table (services.c).
 * NXDOMAIN, no data, SERVFAIL, REFUSED and timeouts are told apart; a
 * timeout is never taken for "no name".  c-ares, libpsl and libmaxminddb
 * are loaded when enrich_open() first needs them, never at exec.
 *
 * Usage:
 *	struct enrich_config cfg = { .resolver = "127.0.0.1:5353", ... };
 *	struct enrich *e = enrich_open(&cfg, &err);	NULL: err says why
 *	enrich_run(e, ips, done_fn, user, &stats, &err);
 *	    done_fn gets each address's struct enrich_result, as soon as its
 *	    lookups end, and owns it (enrich_result_free)
 *	enrich_close(e);
 */
#ifndef MAILSIFT_ENRICH_H
#define MAILSIFT_ENRICH_H

#include <glib.h>
#include <stdint.h>

#define ENRICH_ERROR (enrich_error_quark())
GQuark enrich_error_quark(void);

enum enrich_error_code {
	ENRICH_ERROR_LIBRARY,	/* c-ares, libpsl or libmaxminddb missing */
	ENRICH_ERROR_CONFIG,	/* bad resolver, database or services file */
	ENRICH_ERROR_INTERNAL,
};

/* Bounds on what one address keeps from hostile answers. */
#define ENRICH_MAX_PTR		16	/* PTR names kept */
#define ENRICH_MAX_CONFIRM	4	/* of them, forward-checked */
#define ENRICH_MAX_INFLIGHT	4096	/* --max-inflight ceiling */

/* What the PTR query of an address ended with. */
enum enrich_status {
	ENRICH_OK,		/* names */
	ENRICH_NXDOMAIN,	/* the reverse name does not exist */
	ENRICH_NODATA,		/* it exists, without a PTR record */
	ENRICH_SERVFAIL,	/* the resolver failed (also: bad answers) */
	ENRICH_REFUSED,		/* the resolver refused to answer */
	ENRICH_TIMEOUT,		/* no answer at all: says nothing */
};
/* "ok", "nxdomain", "nodata", "servfail", "refused", "timeout": inline,
 * so that store/ can name a status without calling into enrich/. */
static inline const char *
enrich_status_name(enum enrich_status s)
{
	static const char *const names[] = { "ok", "nxdomain", "nodata",
	    "servfail", "refused", "timeout" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] :
	    "timeout";
}

/* How long an answer stands before it is asked again, in seconds: names
 * a week, no name a day, a failing resolver an hour, a timeout not at all
 * (the next run asks again). */
int64_t enrich_lifetime(enum enrich_status s);

struct enrich_config {
	const char *resolver;	/* "ADDR[:PORT],..."; NULL: resolv.conf */
	int timeout_ms;		/* per try; 0: 2000 */
	int tries;		/* 0: 2 */
	int max_inflight;	/* queries at once; 0: 500 */
	char **geoip;		/* NULL-terminated .mmdb files, or NULL */
	gboolean asn_dns;	/* Team Cymru when no geoip */
	const char *services;	/* NULL: the installed or built-in table */
	const char *services_local; /* NULL: /etc/mailsift/services.local.tsv
				 * if it exists; "": none */
};

struct enrich_result {
	char *ip;		/* as given */
	enum enrich_status dns_status;
	GPtrArray *ptr_names;	/* char *: lower case, no final dot */
	char *confirmed_name;	/* first PTR name whose A/AAAA has the IP */
	int fcrdns;		/* 1 confirmed, 0 not, -1 unknown */
	char *base_domain;	/* of confirmed_name, by the PSL */
	int64_t asn;		/* 0: unknown or none */
	char *as_org, *country, *network;
	const char *asn_source;	/* "mmdb", "cymru" or NULL */
	gboolean asn_known;	/* the ASN lookup gave an answer (maybe none) */
	char *service, *service_kind, *service_basis;
	int64_t asked_at, expires_at;	/* epoch seconds */
};
void enrich_result_free(struct enrich_result *r);

/* What a run did. */
struct enrich_stats {
	guint ips;		/* addresses finished */
	guint status[ENRICH_TIMEOUT + 1];	/* per enrich_status */
	guint confirmed;	/* fcrdns = 1 */
	guint queries;		/* DNS queries sent */
	guint skipped;		/* not addresses */
	gboolean resolver_down;	/* stopped early: the resolver never answered */
};

struct enrich;

struct enrich *enrich_open(const struct enrich_config *cfg, GError **err);
void enrich_close(struct enrich *e);

/* Resolve every address of ips (char *, textual IPv4 or IPv6; others are
 * counted in stats->skipped); done(user, result) for each as it ends.
 * When the resolver stops answering altogether the run stops early
 * (stats->resolver_down) after finishing what was in flight: the
 * addresses not started get no result.  Returns 0 (err is for errors a
 * later resolver may have; none today). */
typedef void (*enrich_done_fn)(void *user, struct enrich_result *r);
int enrich_run(struct enrich *e, const GPtrArray *ips, enrich_done_fn done,
    void *user, struct enrich_stats *stats, GError **err);

/* From done(): start no new address (the run ends when those under way
 * do); for a caller that can no longer keep the results. */
void enrich_stop(struct enrich *e);

/* Fill r's service fields again from its confirmed name, ASN and address
 * (after the services table changed).  TRUE when they changed. */
gboolean enrich_service_apply(const struct enrich *e, struct enrich_result *r);
/* SHA-256 of the services table in use (built-in or file, and the site
 * file): when it differs from the last run's, every stored row is mapped
 * again. */
const char *enrich_services_digest(const struct enrich *e);
/* Where the table came from, for messages. */
const char *enrich_services_origin(const struct enrich *e);

/* ---- one name at a time (lookup.c), for `mailsift check` ----
 *
 *	struct enrich_lookup *l = enrich_lookup_open(&cfg, &err);
 *	GPtrArray *items;
 *	s = enrich_lookup(l, "example.com", ENRICH_RR_TXT, &items);
 *	    ENRICH_OK: items holds the records (free with
 *	    g_ptr_array_unref), else *items is NULL
 *	enrich_lookup_close(l);
 * Records come through enrich/dns.c's bounded reader: TXT records as
 * their strings joined (at most 1024 bytes each), MX the exchanges' host
 * names, A and AAAA the addresses as text; at most 64 of them. */
enum enrich_rr {
	ENRICH_RR_A = 1,
	ENRICH_RR_MX = 15,
	ENRICH_RR_TXT = 16,
	ENRICH_RR_AAAA = 28,
};
struct enrich_lookup;
/* cfg's resolver, timeout_ms and tries count; the rest is not used. */
struct enrich_lookup *enrich_lookup_open(const struct enrich_config *cfg,
    GError **err);
void enrich_lookup_close(struct enrich_lookup *l);
enum enrich_status enrich_lookup(struct enrich_lookup *l, const char *name,
    enum enrich_rr type, GPtrArray **items);
/* Queries asked so far. */
guint enrich_lookup_count(const struct enrich_lookup *l);

#endif
