/* bounce_core.h - what the files of the bounce reader's spine share:
 * bounce.c (the driver), bounce_input.c (the parts of the message),
 * bounce_field.c (field helpers), bounce_dsn.c (RFC 3464 fields) and
 * bounce_orig.c (the original message).  Recognizers include only
 * bounce_internal.h.
 */
#ifndef MAILSIFT_BOUNCE_CORE_H
#define MAILSIFT_BOUNCE_CORE_H

#include "bounce_internal.h"

/* The input and the buffers it points into. */
struct bounce_input_store {
	struct bounce_input in;
	struct bounce_memo memo;
	char *from, *subject, *text, *dsn, *feedback;
	GMimePart *text_part, *html_part, *dsn_part, *feedback_part;
	GMimePart *text_dsn_part;	/* a later text/plain that may be the
					 * DSN mislabelled (robustness) */
	guint parts;		/* MIME entities visited */
	guint dsn_more;		/* recipients of the DSN past BOUNCE_MAX_TEXT */
};

/* bounce_input.c */
void bounce_input_build(struct bounce_input_store *x, GMimeMessage *msg);
void bounce_input_free(struct bounce_input_store *x);
/* The part's content decoded to UTF-8 text, LF line ends, at most max
 * bytes; *len its length. */
char *bounce_part_text(GMimePart *part, gsize max, gsize *len);

/* bounce_field.c */
void bounce_cut_utf8(char *s, gsize *n, gsize max);
/* g_utf8_validate(s, n, NULL), quicker on ASCII. */
gboolean bounce_utf8_valid(const char *s, gsize n);
gsize bounce_digits(const char *s, gsize max);

/* bounce_report.c */
void bounce_recipient_free(gpointer p);
/* A deep copy: every field bounce_recipient_free frees, and the rest. */
struct bounce_recipient *bounce_recipient_copy(
    const struct bounce_recipient *r);

/* bounce_dsn.c */
/* Gaps a text recognizer left, filled from the delivery-status part. */
void bounce_fill_from_dsn(const struct bounce_input *in,
    struct bounce_report *b);
/* The SMTP command the diagnostic or the text names for r, or NULL. */
const char *bounce_command(const struct bounce_input *in,
    const struct bounce_recipient *r);

/* The paragraph of the text (not of the copy of the original) that names
 * r's address, or NULL: the diagnostic of a DSN that gives none. */
char *bounce_text_diagnostic(const struct bounce_input *in,
    const struct bounce_recipient *r);

/* bounce_orig.c */
void bounce_fill_original(const struct bounce_input *in,
    struct bounce_report *b);

#endif
