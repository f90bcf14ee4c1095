/* arf.h - read ARF feedback reports (RFC 5965), DMARC failure reports
 * (RFC 6591, RFC 9991) and the failure reports that come without a
 * feedback-report part (Netease, Exim/cPanel plain text).
 *
 * Input is the message GMime parsed during the ingest walk.  Output is a
 * plain struct: every field of the feedback-report part under its RFC name,
 * unknown fields as name/value pairs, and the headers of the returned
 * message (its body only through arf_parse_full: a failure report may
 * carry a private message).  No database, no network.  Every string is
 * NUL-terminated valid UTF-8 owned by the report, NULL when absent.
 *
 * Bounds (each past-the-bound behaviour is part of the contract):
 *	the feedback-report part, decoded, larger than ARF_MAX_PART: refused
 *	    (ARF_ERROR_LIMIT, the message names ARF_MAX_PART);
 *	fields of that part past ARF_MAX_FIELDS: not read, counted in
 *	    fields_dropped;
 *	entries of one list (Original-Rcpt-To, Authentication-Results,
 *	    Reported-Domain, Reported-URI, other_fields) past ARF_MAX_LIST:
 *	    counted in fields_dropped;
 *	a value longer than ARF_MAX_VALUE bytes: cut on a UTF-8 boundary;
 *	the returned message's header block past ARF_MAX_HEADERS bytes: the
 *	    rest is not read, original.truncated is set; its Received and
 *	    Authentication-Results past ARF_MAX_LIST: counted in
 *	    original.fields_dropped;
 *	its body (arf_parse_full only) past ARF_MAX_BODY bytes: cut on a
 *	    UTF-8 boundary, original.body_truncated set;
 *	a text part read for a text layout: its first ARF_MAX_PART bytes.
 * So a flood of fields is refused when it makes the part larger than
 * ARF_MAX_PART and kept up to the caps otherwise; a flood of header
 * fields in the returned message (the reported mail, which its sender
 * wrote) never refuses the report.
 *
 * Values: feedback fields as written, trimmed, comments kept, unfolded
 * with each fold and the blanks around it made one space (so is every
 * header value here), except feedback_type (its first word, lower-cased),
 * source_ip (the address alone, in canonical form, when the value starts
 * with one) and the numbers.  The returned message's From, To and Subject
 * have their RFC 2047 encoded words decoded; its Message-ID and Date are
 * as written (angle brackets kept).  The report's own From and Subject
 * are decoded the same way, its Message-ID as written.
 *
 * Layouts without a feedback-report part (format other than "arf"):
 *	"microsoft"  Hotmail/Outlook JMRP: the complained-of message attached,
 *		     X-HmXmrOriginalRecipient in it or "complaint about message
 *		     from IP" as subject; feedback_type abuse;
 *	"exim"	     Exim's DMARC forensic report ("A message claiming to be
 *		     from you has failed the published DMARC policy", Sender
 *		     Domain:, Sender IP Address:, the headers quoted);
 *	"netease"    Netease/163.com ("This is a spf/dkim authentication-
 *		     failure report", the identifiers and DMARC result listed);
 *	"text"	     any report whose text opens with the RFC 5965/6591
 *		     sentence "This is an ... report for an email message
 *		     received from IP ... on ...", or that writes a block of
 *		     feedback fields (Feedback-Type: and another) at its
 *		     opening or right after that sentence.
 * What the text states goes to the same fields (reported_domain,
 * source_ip, arrival_date, feedback_type, auth_failure,
 * identity_alignment); other statements ("SPF Alignment: no") to
 * other_fields, and every statement read, under the text's own label, to
 * fields; quoted headers, or an attached message, to original.  When the
 * text states no authentication results, authentication_results are those
 * of the returned headers (the reporter's evidence); a failure report that
 * names no domain reports the returned From's domain.  A message with a
 * delivery-status part, or from a MAILER-DAEMON, is never read as a text
 * layout (it is a bounce, perhaps of a report).  Attached messages are
 * not searched for reports: a forwarded report is not one.
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
#define ARF_MAX_LIST		100	/* entries kept of one list */
#define ARF_MAX_BODY		(1024 * 1024)	/* returned body kept */

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
	/* additions */
	const char *part_type;	/* static: "message/rfc822",
				   "message/global", "text/rfc822-headers",
				   "message/global-headers", "text" (quoted
				   in the report's text); NULL: no original */
	guint fields_dropped;	/* Received/Authentication-Results past
				   ARF_MAX_LIST */
	gboolean truncated;	/* header block longer than ARF_MAX_HEADERS */
	gboolean body_truncated;	/* body longer than ARF_MAX_BODY */
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
	/* additions */
	GPtrArray *fields;	/* struct arf_field *: every field read, in
				   order, name and value as written (value
				   unfolded, trimmed), up to ARF_MAX_FIELDS */
	int source_port;	/* RFC 6692 Source-Port, -1 when absent */
	char *dkim_adsp_dns;	/* RFC 6591 DKIM-ADSP-DNS */
	char *dkim_selector_dns;	/* RFC 6591 DKIM-Selector-DNS */
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
