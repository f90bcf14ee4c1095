/* internal.h - what the files of enrich/ share; nothing outside uses it.
 *
 * dns.c reads DNS answers (its own reader, bounded, for hostile input),
 * name.c builds query names and checks host names, geoip.c reads MMDB
 * files, services.c maps a source to a named service, resolve.c runs
 * the queries, enrich.c ties them together; *_dl.c load the libraries.
 */
#ifndef MAILSIFT_ENRICH_INTERNAL_H
#define MAILSIFT_ENRICH_INTERNAL_H

#include <stdint.h>
#include <glib.h>
#include <ares.h>

#include "enrich.h"

/* *_dl.c: why a library could not be loaded, or NULL */
const char *enrich_ares_error(void);

/* A c-ares channel for cfg (resolver, timeout, tries) whose sockets are
 * kept in fds, an array of struct pollfd (channel.c); rcvbuf 0: the
 * system's socket buffer.  0, or -1 with err set and no channel. */
int enrich_channel_open(const struct enrich_config *cfg, int rcvbuf,
    GArray *fds, ares_channel *ch, GError **err);
const char *enrich_psl_error(void);
const char *enrich_mmdb_error(void);

/* ---- dns.c ---- */

#define DNS_T_A		1
#define DNS_T_CNAME	5
#define DNS_T_PTR	12
#define DNS_T_MX	15
#define DNS_T_TXT	16
#define DNS_T_AAAA	28

#define DNS_RCODE_NOERROR	0
#define DNS_RCODE_SERVFAIL	2
#define DNS_RCODE_NXDOMAIN	3
#define DNS_RCODE_REFUSED	5

#define DNS_MAX_NAME	253	/* presentation form, without the final dot */
#define DNS_MAX_TXT	1024	/* one TXT record's strings joined */
#define DNS_MAX_ITEMS	64	/* records of the asked type kept */

/* The records of the asked type at the end of the CNAME chain that
 * starts at the question's name. */
struct dns_answer {
	int rcode;
	guint n;		/* items */
	/* PTR, MX: host names (MX: the exchanges); TXT: the strings of each record joined; A and
	 * AAAA: the 4 or 16 bytes (len in lens). */
	char *items[DNS_MAX_ITEMS];
	guint lens[DNS_MAX_ITEMS];
	guint dropped;		/* beyond DNS_MAX_ITEMS, or not host names */
};
/* 0, or -1 when buf is not a DNS message (out is then empty). */
int enrich_dns_parse(const unsigned char *buf, size_t len, int qtype,
    struct dns_answer *out);
void enrich_dns_clear(struct dns_answer *a);

/* ---- name.c ---- */

/* The reverse name under suffix ("in-addr.arpa" / "ip6.arpa", or Team
 * Cymru's "origin.asn.cymru.com" / "origin6.asn.cymru.com") of an
 * address of family AF_INET (4 bytes) or AF_INET6 (16). */
char *enrich_reverse_name(int family, const unsigned char *addr,
    const char *suffix4, const char *suffix6);
/* "192.0.2.0/24": addr masked to prefix bits, or NULL when prefix is out
 * of range for the family. */
char *enrich_network_text(int family, const unsigned char *addr,
    int prefix);
/* A host name as DNS gives it made canonical (lower case, no final dot),
 * or NULL when it is not one: letters, digits, '-' and '_', labels of 1
 * to 63, at most 253 in all, not all digits and dots. */
char *enrich_host_name(const char *s);
/* The base (registrable) domain of a host name by the PSL, or NULL. */
char *enrich_base_domain(const char *host);
/* Load the PSL; NULL or why not. */
const char *enrich_psl_init(void);

/* ---- geoip.c ---- */

struct enrich_geoip;
struct enrich_geoip *enrich_geoip_open(char **files, GError **err);
void enrich_geoip_close(struct enrich_geoip *g);
/* Fill r's asn, as_org, country, network from the databases. */
void enrich_geoip_lookup(struct enrich_geoip *g, const char *ip,
    struct enrich_result *r);

/* ---- services.c ---- */

struct enrich_services;
/* file NULL: the installed table, else the one compiled in; local NULL:
 * /etc/mailsift/services.local.tsv when it exists, "": none. */
struct enrich_services *enrich_services_load(const char *file,
    const char *local, GError **err);
void enrich_services_free(struct enrich_services *s);
/* Set r->service, service_kind, service_basis (or NULL) from r's
 * confirmed name, ASN and address; TRUE when they changed. */
gboolean enrich_services_match(const struct enrich_services *s,
    struct enrich_result *r);
const char *enrich_services_sha256(const struct enrich_services *s);
const char *enrich_services_where(const struct enrich_services *s);
/* Read one table from text (tests): rows added to s, errors to err. */
gboolean enrich_services_parse(struct enrich_services *s, const char *text,
    gsize len, const char *origin, gboolean local, GError **err);
struct enrich_services *enrich_services_new(void);

/* ---- resolve.c ---- */

struct enrich_resolver;
struct enrich_resolver *enrich_resolver_new(const struct enrich_config *cfg,
    GError **err);
void enrich_resolver_free(struct enrich_resolver *res);
/* Run the DNS side for every address; finish(user, result) for each
 * result (its DNS and Cymru fields filled). */
typedef void (*enrich_finish_fn)(void *user, struct enrich_result *r);
void enrich_resolver_run(struct enrich_resolver *res, const GPtrArray *ips,
    enrich_finish_fn finish, void *user, struct enrich_stats *stats);
/* No new address from now on. */
void enrich_resolver_stop(struct enrich_resolver *res);

#endif
