/* internal.h - what the files of check/ share; nothing outside uses it.
 *
 * check.c runs the checks, util.c holds the helpers (findings, DNS, tag
 * lists); spf.c, dmarc.c, dkim.c, receive.c, ptr.c and dnsbl.c are one
 * family of checks each; spki.c measures an RSA key.
 */
#ifndef MAILSIFT_CHECK_INTERNAL_H
#define MAILSIFT_CHECK_INTERNAL_H

#include "check.h"
#include "../enrich/enrich.h"

struct check {
	struct enrich_lookup *dns;
	char **dnsbl;		/* the zones, NULL-terminated, or NULL */
	char *ca_file;		/* MTA-STS: NULL, the system store */
	int sts_port;		/* MTA-STS: 443, another for tests */
	int https_ms;		/* MTA-STS: the whole fetch */
};

struct check_ctx {
	struct check *c;
	const char *domain;
	const struct check_evidence *ev;
	GPtrArray *out;
	gboolean dns_down;
	GPtrArray *mx;		/* the MX hosts (receive.c), or NULL */
};

/* ---- util.c ---- */
void check_add(struct check_ctx *x, const char *code,
    enum check_severity sev, const char *action, const char *fmt, ...)
    G_GNUC_PRINTF(5, 6);
/* A DNS query; a failure (timeout, SERVFAIL, REFUSED) marks x down. */
enum enrich_status check_query(struct check_ctx *x, const char *name,
    enum enrich_rr type, GPtrArray **items);
/* The TXT records of name whose first word is tag (case-insensitive,
 * "v=spf1"); an empty array when none; NULL when the DNS failed. */
GPtrArray *check_txt(struct check_ctx *x, const char *name, const char *tag);
/* "a=b; c=d" into a table of lower-case names to trimmed values; NULL
 * and *bad (the offending part) on a syntax error or a repeated tag. */
GHashTable *check_tags(const char *rec, char **bad);
/* name is domain or under it. */
gboolean check_under(const char *name, const char *domain);

/* ---- one file each ---- */
void check_spf(struct check_ctx *x);
void check_dmarc(struct check_ctx *x);
void check_dkim(struct check_ctx *x);
#define CHECK_DKIM_MAX_SELECTORS 32	/* the most used, asked for */
void check_receive(struct check_ctx *x);
void check_ptr(struct check_ctx *x);
void check_dnsbl(struct check_ctx *x);
void check_bulk_add(struct check_ctx *x);	/* bulk.c: last */

/* ---- sts.c: the MTA-STS policy (RFC 8461) of a domain whose
 * _mta-sts record is valid, fetched and judged ---- */
void check_sts_policy(struct check_ctx *x);
#define CHECK_STS_MAX_BYTES	65536	/* the policy's body */
#define CHECK_STS_MAX_MX	256	/* mx patterns kept */
#define CHECK_STS_MAX_AGE	31557600	/* RFC 8461 §3.2 */
struct check_sts_policy {
	char *mode;		/* "enforce", "testing", "none" */
	int64_t max_age;	/* -1: absent */
	gboolean version;	/* version: STSv1 seen */
	GPtrArray *mx;		/* patterns, lower case */
	GString *bad;		/* what broke the syntax; empty: nothing */
};
/* Read a policy body strictly by RFC 8461 §3.2's grammar; FALSE with
 * p->bad saying why when it is not a valid policy. */
gboolean check_sts_parse(const char *body, gsize len,
    struct check_sts_policy *p);
void check_sts_policy_clear(struct check_sts_policy *p);
/* RFC 8461 §4.1: host (an MX name) matches the mx pattern. */
gboolean check_sts_mx_match(const char *pattern, const char *host);

/* ---- curl_dl.c: one HTTPS GET through libcurl, loaded lazily ---- */
struct check_https {
	const char *url;
	const char *resolve;	/* "HOST:PORT:ADDR[,ADDR]" pinned, or NULL */
	const char *ca_file;	/* NULL: the system store */
	int timeout_ms;		/* connect and whole transfer */
	gsize max_bytes;	/* a longer body is an error */
};
struct check_https_reply {
	long status;		/* HTTP status */
	GString *body;
	char *content_type, *location;	/* or NULL */
	char *error;		/* NULL: a response came */
	gboolean no_library, timed_out, too_big;
};
/* NULL when libcurl can be loaded, else why not. */
const char *check_curl_error(void);
int check_https_get(const struct check_https *req,
    struct check_https_reply *rep);
void check_https_reply_clear(struct check_https_reply *rep);

/* Bits of the RSA modulus in a SubjectPublicKeyInfo (or PKCS#1
 * RSAPublicKey) DER; 0 when not an RSA key, -1 when not readable. */
int check_spki_rsa_bits(const unsigned char *der, gsize len);

#endif
