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
};

struct check_ctx {
	struct check *c;
	const char *domain;
	const struct check_evidence *ev;
	GPtrArray *out;
	gboolean dns_down;
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
void check_receive(struct check_ctx *x);
void check_ptr(struct check_ctx *x);
void check_dnsbl(struct check_ctx *x);

/* Bits of the RSA modulus in a SubjectPublicKeyInfo (or PKCS#1
 * RSAPublicKey) DER; 0 when not an RSA key, -1 when not readable. */
int check_spki_rsa_bits(const unsigned char *der, gsize len);

#endif
