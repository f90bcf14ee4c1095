/* tlsrpt.h - parser for SMTP TLS reports (RFC 8460).
 *
 * Reads one JSON document (already unpacked from gzip by ingest/) into a
 * plain struct.  No network, no database.  Every string is NUL-terminated
 * valid UTF-8 owned by the report, NULL when the report does not have the
 * field (JSON null counts as absent).  Values are kept as the reporter
 * wrote them (an "mx:" prefix, a policy-string that is a JSON array
 * serialized inside a string, IPv6 spelled with leading zeros): the store
 * normalizes what it indexes, so parse output stays faithful.
 *
 * Usage:
 *	if (tlsrpt_sniff(buf, len)) ...		   looks like a TLS report
 *	struct tlsrpt_report *r = tlsrpt_parse(buf, len, "name.json", &err);
 *	if (r == NULL) ... err->code says why (TLSRPT_ERROR_*) ...
 *	tlsrpt_report_free(r);
 *
 * Hostile input is bounded (TLSRPT_MAX_*): past a bound the report is
 * refused with TLSRPT_ERROR_LIMIT and a message naming the bound, e.g.
 * "x.json: TLS report: more than 100000 failure-details
 * (TLSRPT_MAX_FAILURES)".
 *
 * What is required (else TLSRPT_ERROR_INVALID): a top-level object with
 * "date-range" holding "start-datetime" and "end-datetime" (RFC 3339), and
 * "policies", an array (possibly empty) of objects.  Everything else may
 * be absent or null: organization-name, contact-info, report-id (NULL),
 * "policy" and its members (Postfix's tlsrpt library leaves
 * policy-domain out of no-policy-found), "summary" (counts -1),
 * failure-details (none).  A member of the wrong JSON type is INVALID,
 * except for the unambiguous cases kept with a fixup: a count written as
 * "5" or 5.0, a string field written as an integer, a policy-string or
 * mx-host that is one string instead of a list (one element), a null in
 * such a list (dropped), a date-time with a fraction, an offset, a
 * lower-case t/z, no zone (UTC) or a date alone (midnight UTC).  A count
 * that is negative, fractional or past INT64_MAX is INVALID.  Unknown
 * members are ignored.  Valid JSON that is not an object, or an object
 * with none of organization-name, date-range, contact-info, report-id and
 * policies, is TLSRPT_ERROR_NOT_REPORT.  A UTF-8 BOM and white space
 * before the JSON are skipped; a lone UTF-16 surrogate escape (json-c
 * would turn it into U+FFFD) and a string holding U+0000 are
 * TLSRPT_ERROR_JSON and TLSRPT_ERROR_INVALID.
 *
 * The JSON library is json-c, loaded on the first report (json_dl.c);
 * when it is missing, TLSRPT_ERROR_LIBRARY names it.
 */
#ifndef MAILSIFT_TLSRPT_H
#define MAILSIFT_TLSRPT_H

#include <glib.h>
#include <stdint.h>

#define TLSRPT_ERROR (tlsrpt_error_quark())
GQuark tlsrpt_error_quark(void);

enum tlsrpt_error_code {
	TLSRPT_ERROR_NOT_REPORT,	/* well-formed JSON, not a TLS report */
	TLSRPT_ERROR_JSON,	/* malformed JSON or not UTF-8 */
	TLSRPT_ERROR_INVALID,	/* a TLS report lacking what it needs */
	TLSRPT_ERROR_LIMIT,	/* a TLSRPT_MAX_* bound was exceeded */
	TLSRPT_ERROR_LIBRARY,	/* the JSON library could not be loaded */
};

#define TLSRPT_MAX_SIZE		(64 * 1024 * 1024)	/* bytes of JSON */
#define TLSRPT_MAX_DEPTH	32	/* JSON nesting */
#define TLSRPT_MAX_POLICIES	10000
#define TLSRPT_MAX_FAILURES	100000	/* failure-details over the report */
#define TLSRPT_MAX_STRING	(64 * 1024)	/* bytes of one string value */
#define TLSRPT_MAX_LIST		1000	/* policy-string / mx-host entries */
#define TLSRPT_MAX_NUMBER	256	/* bytes of one number (or true, ...):
					 * a count has at most 19 digits */
#define TLSRPT_MAX_VALUES	2000000	/* JSON values of any kind: bounds
					 * the tree json-c builds (~200 B a
					 * value); a report at the other
					 * bounds has about 1.1 million */
#define TLSRPT_MAX_CONTAINERS	200000	/* JSON objects and arrays: json-c
					 * spends ~700 B on an empty object,
					 * so 2 million "{}" would take 1.5
					 * GB; a report at the other bounds
					 * has about 160,000 */
#define TLSRPT_MAX_FIXUPS	1000	/* fixup lines listed; past it one
					 * line says how many more there were */

struct tlsrpt_failure {
	char *result_type;
	char *sending_mta_ip;
	char *receiving_mx_hostname;
	char *receiving_mx_helo;
	char *receiving_ip;
	int64_t failed_session_count;	/* -1 when absent */
	char *additional_information;
	char *failure_reason_code;
};

struct tlsrpt_policy {
	char *policy_type;	/* tlsa, sts, no-policy-found (as written) */
	char *policy_domain;
	GPtrArray *policy_string;	/* char *, never NULL (may be empty) */
	GPtrArray *mx_host;	/* char *, never NULL (may be empty) */
	int64_t total_successful_session_count;	/* -1 when absent */
	int64_t total_failure_session_count;	/* -1 when absent */
	GPtrArray *failure_details;	/* struct tlsrpt_failure * */
};

struct tlsrpt_report {
	char *organization_name;
	char *report_id;
	char *contact_info;
	int64_t start_datetime, end_datetime;	/* epoch seconds, UTC */
	GPtrArray *policies;	/* struct tlsrpt_policy * */
	GPtrArray *fixups;	/* char *: "field: raw -> value (rule)" */
};

/* TRUE when buf (after an optional BOM and white space) is a JSON object
 * whose first bytes name a TLS report member ("organization-name",
 * "date-range", "policies", "report-id", "contact-info") within the first
 * few KiB.  Cheap: no parse. */
gboolean tlsrpt_sniff(const char *buf, gsize len);

/* Parse one report.  NULL with *err set on failure. */
struct tlsrpt_report *tlsrpt_parse(const char *buf, gsize len,
    const char *name, GError **err);
void tlsrpt_report_free(struct tlsrpt_report *r);

/* "2016-04-01T00:00:00Z" for epoch seconds; into buf of 32 bytes. */
const char *tlsrpt_format_time(int64_t t, char buf[32]);

#endif
