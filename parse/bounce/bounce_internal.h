/* bounce_internal.h - what the bounce files share; nothing outside parse/
 * may include it.
 *
 * bounce.c builds a struct bounce_input once per message (the headers that
 * recognizers test, the text of the human-readable part decoded to UTF-8,
 * the delivery-status part, the attached original), then tries the table of
 * recognizers in bounce_mta.c in order.  A recognizer is one row: a cheap
 * match on headers, and a scan that adds recipients.  The first row whose
 * scan adds a recipient wins; the generic RFC 3464 reader and the plain
 * text fallback come last.  Adding an MTA is adding a row.
 */
#ifndef MAILSIFT_BOUNCE_INTERNAL_H
#define MAILSIFT_BOUNCE_INTERNAL_H

#include "bounce.h"

struct bounce_input {
	GMimeMessage *msg;
	const char *from;	/* the bounce's From:, decoded, or "" */
	const char *subject;	/* decoded, or "" */
	const char *text;	/* the first text/plain (else text/html with
				   tags stripped) part, or the whole body of a
				   single-part message, decoded to UTF-8, CRLF
				   turned to LF, at most BOUNCE_MAX_TEXT bytes;
				   "" when none */
	gsize text_len;
	const char *dsn;	/* message/delivery-status (or global-) part,
				   decoded, or NULL */
	gsize dsn_len;
	GMimeObject *original;	/* message/rfc822, text/rfc822-headers or
				   message/global-headers part, or NULL */
	const char *original_text;	/* the original's headers as text when it
				   was found inside the plain text instead
				   ("----- Original message -----"), or NULL;
				   points into text (ends at text + text_len) */
	const char *feedback;	/* message/feedback-report part (ARF),
				   decoded, or NULL */
	gsize feedback_len;
	gboolean dsn_global;	/* dsn is message/global-delivery-status */
	GHashTable *headers;	/* private: bounce_header's index */
	struct bounce_memo *memo;	/* private: see below */
};

/* Answers that many recognizers ask for, computed once per message (the
 * input is const to them). */
struct bounce_memo {
	gint8 provider_bounce;	/* sw_provider_bounce; -1 until asked */
	struct bounce_report *dsn;	/* the delivery-status part read on
				   its own; NULL until asked */
};

/* A header of the bounce itself, decoded, or NULL. */
const char *bounce_header(const struct bounce_input *in, const char *name);
/* The first header called name of the original message (the attached
 * message or headers part, else original_text), unfolded, a new string;
 * NULL when there is no such header. */
char *bounce_original_header(const struct bounce_input *in, const char *name);

struct bounce_mta {
	const char *name;	/* goes into bounce_report.format */
	/* Cheap test on From/Subject/headers; NULL means always try scan. */
	gboolean (*match)(const struct bounce_input *in);
	/* Add recipients (and report fields) to b; return how many were
	 * added, 0 when the layout is not this MTA's after all. */
	int (*scan)(const struct bounce_input *in, struct bounce_report *b);
};

/* The tables, tried in this order: MTA software layouts
 * (bounce_mta_software.c: Sendmail, Exim, qmail, Courier, Notes, ...),
 * providers (bounce_mta_provider.c: Gmail, Office 365, Yahoo, Amazon SES,
 * Japanese carriers, ...), then the generic readers (bounce_mta.c: ARF,
 * RFC 3464 / RFC 6533, RFC 3834 auto-replies, plain-text fallback).  Each
 * table ends with a row whose name is NULL. */
extern const struct bounce_mta bounce_mtas_software[];
extern const struct bounce_mta bounce_mtas_provider[];
extern const struct bounce_mta bounce_mtas_generic[];

/* bounce.c: helpers for recognizers. */
/* A new recipient appended to b (NULL once BOUNCE_MAX_RECIPIENTS is
 * reached: count it dropped and stop adding). */
struct bounce_recipient *bounce_add_recipient(struct bounce_report *b);
/* A copy of s[0..n) as valid UTF-8, whitespace runs collapsed to one
 * space, trimmed, at most BOUNCE_MAX_FIELD bytes; NULL when empty. */
char *bounce_field(const char *s, gssize n);
/* An address from "<a@b>", "rfc822; a@b", "a@b (comment)"; NULL if none. */
char *bounce_address(const char *s);
/* The first place in hay[0..n) where needle occurs, ASCII case ignored,
 * or NULL.  needle is short; hay need not be NUL-terminated. */
const char *bounce_strcasestr(const char *hay, gsize n, const char *needle);
/* The notice is a warning that delivery is still being retried (its
 * words or subject say so, none says it failed for good): bounce_delay.c. */
gboolean bounce_is_delay_warning(const struct bounce_input *in);
/* The first RFC 3463 status "5.7.26" in s (not part of an IP address or a
 * longer dotted number), a new string; NULL if there is none. */
char *bounce_status_at(const char *s);
/* An RFC 5322 date as epoch seconds, 0 when it cannot be read. */
int64_t bounce_date(const char *text);
/* Read RFC 3464 fields from a delivery-status body into b (per-message
 * fields) and new recipients; returns recipients added. */
int bounce_read_dsn(const char *dsn, gsize len, struct bounce_report *b);
/* The same for in->dsn, read once per message and copied into b when b
 * is still empty (as every recognizer's is when it starts). */
int bounce_read_input_dsn(const struct bounce_input *in,
    struct bounce_report *b);

/* In the bounce_mta*.c files: one static match/scan pair per MTA, listed
 * in that file's table. */

#endif
