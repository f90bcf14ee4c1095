/* bounce.h - read bounces (delivery status notifications), auto-replies
 * and complaint (ARF) mails, and classify why each recipient failed.
 *
 * Input is a message already parsed by GMime (ingest/ parsed it to look for
 * DMARC payloads; nothing is parsed twice).  Recognizers are tried from a
 * table (bounce_mta.c): each knows one MTA's or provider's layout (Postfix,
 * Exim, Exchange, Gmail, ...); RFC 3464 / RFC 6533 delivery-status parts
 * are read by the generic recognizer.  Each recipient then goes through the
 * classifier (bounce_reason.c), which picks a reason in sisimai's v5
 * vocabulary and records which rule fired, and through bounce_auth.c, which
 * lifts the receiver's SPF / DKIM / DMARC verdicts out of the diagnostic.
 *
 * Usage:
 *	struct bounce_report *b = bounce_parse(gmime_message, &err);
 *	if (b == NULL) ... err says why (limit hit, unreadable) ...
 *	switch (b->kind) { BOUNCE_KIND_NONE: nothing to store; ... }
 *	bounce_report_free(b);
 *
 *	bounce_classify(rcpt, format);	   re-run the rules (reclassify)
 *
 * Every string is NUL-terminated valid UTF-8 owned by the report, NULL when
 * the message does not say.  Nothing is invented: a field is filled only
 * from what the message states (for status, a code in the diagnostic text
 * counts as stated), with one marked exception: when the message states no
 * status anywhere, the classifier fills the one its reason implies (the
 * RFC 3463 code of bounce_reason_status.c; 4.x.x for a delay) and sets
 * status_source to "inferred".  Held-out scoring and tools that read
 * bounces (sisimai) expect a status for every failure; the flag keeps
 * stated and inferred apart, in parse's JSON and in the database.  Reasons
 * that say nothing (onhold, undefined, ...) get none.
 */
#ifndef MAILSIFT_BOUNCE_H
#define MAILSIFT_BOUNCE_H

#include <glib.h>
#include <stdint.h>
#include <gmime/gmime.h>

#define BOUNCE_ERROR (bounce_error_quark())
GQuark bounce_error_quark(void);

enum bounce_error_code {
	BOUNCE_ERROR_LIMIT,	/* a bound below was exceeded */
	BOUNCE_ERROR_FORMAT,	/* a part that cannot be decoded */
};

/* Bounds against hostile input.  Beyond max_recipients the rest are
 * counted in recipients_dropped, not kept. */
#define BOUNCE_MAX_RECIPIENTS	1000
#define BOUNCE_MAX_TEXT		(1024 * 1024)	/* bytes of text scanned per part */
#define BOUNCE_MAX_FIELD	4096	/* bytes kept of one field value */

/* Bumped whenever a rule changes, so stored bounces classified with older
 * rules can be found and re-classified. */
#define BOUNCE_RULES_VERSION	5	/* 2: issue 14, families 1, 2, 5, 7-11;
				   3: issue 14, families 1-3, 5, 7, 9, 10,
				   12, and mail that is no bounce;
				   4: issue 14 round 3, families 13
				   (MTA layouts) and 14 (DSN robustness);
				   5: a status inferred from the reason
				   when none is stated (status_source) */

enum bounce_kind {
	BOUNCE_KIND_NONE,	/* neither a bounce nor an auto-reply */
	BOUNCE_KIND_BOUNCE,	/* delivery failed, delayed, or was relayed/delivered (DSN) */
	BOUNCE_KIND_AUTOREPLY,	/* RFC 3834 auto-reply, vacation */
	BOUNCE_KIND_FEEDBACK,	/* ARF complaint (RFC 5965); reason "feedback" */
};

/* What the receiver said about authentication, as typed fields. */
struct bounce_auth {
	char *sending_ip;	/* the IP the receiver saw our mail come from */
	char *domain;		/* the domain checked (From: / SPF / DKIM d=) */
	char *spf;		/* pass, fail, softfail, neutral, none, temperror, permerror */
	char *dkim;		/* pass, fail, none, ... */
	char *dmarc;		/* pass, fail, none, ... */
};

struct bounce_recipient {
	/* as the message states them */
	char *recipient;	/* Final-Recipient address, lower-cased domain */
	char *original_recipient;
	char *action;		/* failed, delayed, delivered, relayed, expanded */
	char *status;		/* RFC 3463 "5.7.26", or NULL */
	const char *status_source;	/* "stated", "inferred" (from the
				   reason, by bounce_classify), NULL when
				   status is NULL; static string */
	int reply_code;		/* SMTP reply code 550, or 0 */
	char *remote_mta;	/* host name or [IP] of the receiving MTA */
	char *diagnostic_type;	/* "smtp", "X-Postfix", ... */
	char *diagnostic_code;	/* folded lines joined, whitespace collapsed */
	char *smtp_command;	/* CONN, EHLO, HELO, MAIL, RCPT, DATA, "." */
	int64_t last_attempt;	/* epoch seconds, 0 when absent */
	char *feedback_type;	/* ARF: abuse, auth-failure, ... */
	char *mta_reason;	/* a reason the recognizer saw in the layout
				   itself (e.g. Exim "retry time not reached"),
				   or NULL; an input to the classifier */
	/* set by bounce_classify */
	const char *reason;	/* sisimai v5 word; static string */
	char *rule;		/* why: "status:5.1.1", "text:mailboxfull:...", ... */
	gboolean hard_bounce;
	struct bounce_auth auth;	/* set by bounce_auth_extract */
};

/* The message that bounced, from the attached copy or its headers. */
struct bounce_original {
	char *message_id, *from, *to, *subject, *list_id, *feedback_id;
	/* RFC 2369 and RFC 8058: what Gmail's and Yahoo's bulk-sender
	 * rules ask of bulk mail (`mailsift check`'s bulk.unsubscribe) */
	char *list_unsubscribe, *list_unsubscribe_post;
	int64_t date;		/* epoch seconds, 0 when absent */
	char *sending_ip;	/* the IP our MTA sent from, when the Received:
				   headers of the copy show it */
};

struct bounce_report {
	enum bounce_kind kind;
	const char *format;	/* recognizer that read it: "rfc3464",
				   "postfix", "exim", "rfc3834", "arf", ...
				   static string */
	char *reporting_mta;
	char *queue_id;		/* X-Postfix-Queue-ID or the like */
	int64_t arrival_date;	/* epoch seconds, 0 when absent */
	char *subject;		/* of the bounce itself */
	char *from;		/* of the bounce itself */
	struct bounce_original orig;
	GPtrArray *recipients;	/* struct bounce_recipient *, in the DSN's order */
	guint recipients_dropped;	/* beyond BOUNCE_MAX_RECIPIENTS */
};

/* Never returns NULL without setting *err; a message that is neither a
 * bounce nor an auto-reply gives kind BOUNCE_KIND_NONE. */
struct bounce_report *bounce_parse(GMimeMessage *msg, GError **err);
void bounce_report_free(struct bounce_report *b);

/* Fill reason, rule and hard_bounce of r from its stated fields (status,
 * reply_code, diagnostic_code, smtp_command, remote_mta, action,
 * mta_reason) and the recognizer's name.  Fills status and reply_code too
 * when they are empty but the diagnostic text carries them, and replaces a
 * vaguer stated status with the text's (5.0.0 with "550 5.1.1 ...", as
 * sisimai's status.Prefer does).  When there is still no status, fills
 * the one the reason implies and sets status_source "inferred" (an
 * inferred status is dropped again first, so calling twice is calling
 * once).  Deterministic: the same fields always give the same answer. */
void bounce_classify(struct bounce_recipient *r, const char *format);

/* Fill r->auth from the diagnostic text (Gmail 5.7.26/5.7.1/5.7.25/4.7.x,
 * Microsoft 5.7.509/5.7.515/4.7.650, Yahoo 5.7.9/4.7.0, ...). */
void bounce_auth_extract(struct bounce_recipient *r);

/* Is reason listed in the table of inferred statuses?  *code (when not
 * NULL) gets its class-5 status, NULL for a reason that implies none
 * (onhold, undefined, vacation, ...). */
gboolean bounce_status_listed(const char *reason, const char **code);

/* The reason words, for validation ("authfailure", ...), NULL-terminated. */
extern const char *const bounce_reasons[];

#endif
