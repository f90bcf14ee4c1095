/* check.h - a sending domain's DNS posture against what the reports show.
 *
 * `mailsift check` asks the DNS (through enrich/'s bounded lookups) for a
 * domain's SPF, DMARC, DKIM, MX, TLS-RPT and MTA-STS records and judges
 * them; the report evidence (the sources that sent as the domain, the
 * DKIM selectors seen) comes from the CLI, which fetched it through
 * store/: check/ never touches the database.
 *
 * Usage:
 *	struct check *c = check_open(&cfg, &err);	NULL: err says why
 *	GPtrArray *out = g_ptr_array_new_with_free_func(check_finding_free);
 *	rc = check_domain(c, "example.com", &ev, out);	-1: DNS unavailable
 *	... out's struct check_finding * ...
 *	check_close(c);
 */
#ifndef MAILSIFT_CHECK_H
#define MAILSIFT_CHECK_H

#include <glib.h>
#include <stdint.h>

enum check_severity { CHECK_INFO, CHECK_WARNING, CHECK_ERROR };
const char *check_severity_name(enum check_severity s);

struct check_finding {
	char *domain;
	char *code;		/* stable: "spf.missing", "dmarc.p_none" ... */
	enum check_severity severity;
	char *evidence;		/* what was seen */
	char *action;		/* one sentence: what to do */
};
void check_finding_free(gpointer f);

/* A source address that sent as the domain in the period. */
struct check_source {
	const char *ip;
	int64_t messages;
	int64_t dkim_aligned;	/* messages with aligned DKIM pass */
	int64_t dmarc_fail;
	const char *ptr;	/* first PTR name, or NULL */
	const char *dns_status;	/* source_v.dns_status, NULL: not enriched */
	int fcrdns;		/* 1 yes, 0 no, -1 unknown */
};
/* A DKIM selector of the domain seen in the reports. */
struct check_selector {
	const char *selector;
	int64_t messages;
};
struct check_evidence {
	gboolean have;		/* reports were asked for */
	int64_t messages, dmarc_fail;
	const struct check_source *sources;
	guint n_sources;
	const struct check_selector *selectors;
	guint n_selectors;
	/* Bounced originals from the domain (their headers came back),
	 * with List-Unsubscribe, and with one-click unsubscribe (RFC 8058:
	 * List-Unsubscribe-Post: List-Unsubscribe=One-Click and an https
	 * URI): Gmail's and Yahoo's rule for bulk mail. */
	int64_t originals, list_unsubscribe, one_click;
};

struct check_config {
	const char *resolver;	/* "ADDR[:PORT]"; NULL: resolv.conf */
	int timeout_ms, tries;	/* 0: 2000 ms, 2 tries */
	/* DNS blocklist zones the sending addresses are looked up in,
	 * NULL-terminated; NULL: check_dnsbl_default; { NULL }: none. */
	const char *const *dnsbl;
	/* MTA-STS policy fetch: CA file (NULL: the system store) and port
	 * (0: 443; another only for tests, see sts.c). */
	const char *ca_file;
	int sts_port;
};
/* zen.spamhaus.org, bl.spamcop.net, b.barracudacentral.org */
extern const char *const check_dnsbl_default[];

struct check;
struct check *check_open(const struct check_config *cfg, GError **err);
void check_close(struct check *c);
/* Every check for domain; findings appended to out.  0, or -1 when the
 * DNS did not answer (timeout, SERVFAIL, REFUSED): the findings then
 * say nothing about what could not be asked. */
int check_domain(struct check *c, const char *domain,
    const struct check_evidence *ev, GPtrArray *out);

/* The summary against Gmail's and Yahoo's bulk-sender rules (bulk.c):
 * one row per requirement, status "pass", "fail" or "unknown", from
 * the findings check_domain gave and the evidence.  NULL when the
 * domain sent nothing in the period (no reports: no summary).  A
 * failing requirement is also a bulk.* finding of check_domain. */
struct check_bulk_row {
	const char *code;	/* "bulk.spf" ... */
	const char *rule;	/* the requirement, in words */
	const char *status;
	char *evidence;
	const char *action;	/* when it fails */
};
GPtrArray *check_bulk(const char *domain, const struct check_evidence *ev,
    const GPtrArray *findings);

#endif
