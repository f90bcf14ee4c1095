/* arf.h - read ARF feedback reports (RFC 5965), DMARC failure reports
 * (RFC 6591, RFC 9991) and the failure reports that come without a
 * feedback-report part (Netease, Exim/cPanel plain text).
 *
 * Input is the message GMime parsed during the ingest walk.  Output is a
 * plain struct: every field of the feedback-report part under its RFC name,
 * unknown fields as name/value pairs, and the headers of the returned
 * message (never its body).  No database, no network.  Every string is
 * NUL-terminated valid UTF-8 owned by the report, NULL when absent.
 *
 * Usage:
 *	struct arf_report *a = arf_parse(gmime_message, &err);
 *	if (a == NULL && err != NULL) ... a bound hit, err says which ...
 *	if (a == NULL) ... not a feedback report ...
 *	arf_report_free(a);
 */
#ifndef MAILSIFT_ARF_H
#define MAILSIFT_ARF_H

#include <glib.h>
#include <stdint.h>
#include <gmime/gmime.h>

#define ARF_ERROR (arf_error_quark())
GQuark arf_error_quark(void);

enum arf_error_code {
	ARF_ERROR_LIMIT,	/* an ARF_MAX_* bound was exceeded */
	ARF_ERROR_FORMAT,	/* a part that cannot be decoded */
};

#define ARF_MAX_FIELDS		1000	/* fields of the feedback-report part */
#define ARF_MAX_VALUE		8192	/* bytes kept of one field value */
#define ARF_MAX_PART		(1024 * 1024)	/* bytes of the report part */
#define ARF_MAX_HEADERS		(1024 * 1024)	/* bytes of returned headers */

struct arf_field {
	char *name, *value;
};

/* The returned message (message/rfc822 or text/rfc822-headers part, or
 * what a text-only report quotes). */
struct arf_original {
	char *from, *to, *subject, *message_id, *date;
	int64_t date_time;	/* epoch seconds, 0 when absent/unreadable */
	GPtrArray *authentication_results;	/* char * */
	char *dkim_domain, *dkim_selector;	/* first DKIM-Signature d= s= */
	GPtrArray *received;	/* char *, top first */
	char *headers;		/* the whole header block, unfolded lines */
	char *body;		/* only when arf_parse_full(keep_body) */
};

struct arf_report {
	const char *format;	/* "arf" (feedback-report part), or the
				   text layout read: "text", "netease", ...
				   static string */
	char *feedback_type;	/* lower-cased: abuse, auth-failure, ... */
	char *user_agent;
	char *version;
	char *original_envelope_id;
	char *original_mail_from;
	GPtrArray *original_rcpt_to;	/* char * */
	char *arrival_date;	/* as written (Arrival-Date or Received-Date) */
	int64_t arrival_time;	/* epoch seconds, 0 when absent/unreadable */
	char *reporting_mta;
	char *source_ip;	/* canonical text form when it is an IP */
	int64_t incidents;	/* -1 when absent */
	GPtrArray *authentication_results;	/* char * */
	GPtrArray *reported_domain;	/* char * */
	GPtrArray *reported_uri;	/* char * */
	char *delivery_result;
	char *auth_failure;
	char *dkim_domain;
	char *dkim_identity;
	char *dkim_selector;
	char *dkim_canonicalized_header;
	char *dkim_canonicalized_body;
	char *spf_dns;
	char *identity_alignment;
	GPtrArray *other_fields;	/* struct arf_field * */
	guint fields_dropped;	/* beyond ARF_MAX_FIELDS */
	struct arf_original original;
	/* the report's own headers */
	char *from, *subject, *message_id;
	int64_t date;
};

/* NULL and *err unset: not a feedback report.  NULL with *err: refused. */
struct arf_report *arf_parse(GMimeMessage *msg, GError **err);
/* The same, keeping the returned message's body when keep_body. */
struct arf_report *arf_parse_full(GMimeMessage *msg, gboolean keep_body,
    GError **err);
void arf_report_free(struct arf_report *a);

/* TRUE for a DMARC/authentication failure report (auth-failure), as
 * opposed to a complaint (abuse, fraud, opt-out, virus, not-spam, other). */
gboolean arf_is_failure_report(const struct arf_report *a);

#endif
