/* bounce.h - delivery status notifications and MTA bounces, classified.
 *
 * Reads one message (already parsed by GMime) and says whether it is a
 * bounce, an auto-reply, or neither; for a bounce, one struct
 * bounce_recipient per failed (or delayed, relayed, delivered) recipient,
 * in the order the message gives them.  RFC 3464 / RFC 6533 reports are
 * read field by field; other formats (Postfix and Sendmail old style, Exim,
 * qmail, Courier, Exchange/Office 365, Gmail, Yahoo, Amazon SES, ...) are
 * recognised by a table of recognizers (parse/bounce_mta.c), one row each.
 * Every recipient is then classified (parse/bounce_reason.c): reason in
 * sisimai's v5 vocabulary, enhanced status, reply code, hard/soft, and the
 * rule that fired, so stored bounces can be re-classified when rules change.
 * Authentication failures (Gmail 5.7.26, Microsoft 5.7.509, Yahoo 5.7.9,
 * ...) also get typed fields: the sending IP, the domain checked, and the
 * SPF/DKIM/DMARC verdicts the receiver states.
 *
 * Usage:
 *	struct bounce_report *b = bounce_parse(message, &err);
 *	if (b == NULL) ... err says why (malformed beyond use)
 *	switch (b->kind) { case BOUNCE_KIND_NONE: ...; }
 *	bounce_report_free(b);
 *
 * All strings are UTF-8 (GMime decodes charsets and encoded words), trimmed,
 * NULL when absent.  Sizes are bounded (recipients, field lengths).
 */
#ifndef MAILSIFT_BOUNCE_H
#define MAILSIFT_BOUNCE_H

#include <glib.h>
#include <gmime/gmime.h>
#include <stdint.h>

#define BOUNCE_ERROR (bounce_error_quark())
GQuark bounce_error_quark(void);

enum bounce_kind {
	BOUNCE_KIND_NONE,	/* neither bounce nor auto-reply */
	BOUNCE_KIND_BOUNCE,	/* delivery status: one or more recipients */
	BOUNCE_KIND_AUTOREPLY,	/* RFC 3834 / vacation: not a bounce */
};

struct bounce_auth {
	char *sending_ip;	/* the IP the receiver saw us connect from */
	char *domain;		/* the domain whose SPF/DKIM/DMARC was checked */
	char *spf, *dkim, *dmarc;	/* "pass", "fail", "none", ... or NULL */
};

struct bounce_recipient {
	char *recipient;		/* Final-Recipient address */
	char *original_recipient;
	char *action;			/* failed, delayed, delivered, relayed, expanded */
	char *status;			/* enhanced status 5.7.26, or NULL */
	char *reply_code;		/* SMTP reply 550, or NULL */
	char *remote_mta;
	char *diagnostic_type;		/* smtp, x-unix, ... */
	char *diagnostic_code;		/* unfolded, cleaned text */
	char *smtp_command;		/* RCPT, DATA, MAIL, CONN, EHLO, ... */
	int64_t last_attempt;		/* epoch seconds, 0 unknown */
	/* classification */
	char *reason;			/* sisimai v5 word: userunknown, authfailure, ... */
	char *rule;			/* why: "status 5.1.1", "text 'user unknown'", ... */
	gboolean hard_bounce;
	struct bounce_auth auth;
};

struct bounce_report {
	enum bounce_kind kind;
	char *format;		/* recognizer: "rfc3464", "postfix", "exim", ... */
	char *reporting_mta;
	char *arrival_date;
	char *queue_id;		/* X-Postfix-Queue-ID and the like */
	char *autoreply_reason;	/* kind AUTOREPLY: which header/text said so */
	/* the original message, from message/rfc822, text/rfc822-headers,
	 * message/global-headers or quoted text */
	char *orig_message_id, *orig_from, *orig_to, *orig_subject, *orig_date,
	    *orig_list_id, *orig_feedback_id;
	char *orig_sending_ip;	/* our MTA's IP per the original's Received */
	GPtrArray *recipients;	/* struct bounce_recipient * */
};

/* NULL with *err only when the message cannot be read at all; a message
 * that is simply not a bounce gives kind BOUNCE_KIND_NONE. */
struct bounce_report *bounce_parse(GMimeMessage *msg, GError **err);
void bounce_report_free(struct bounce_report *b);

#endif
