/* bounce_mta_provider.h - what the provider recognizer files share; only
 * parse/bounce_mta_provider*.c include it.
 *
 * The table bounce_mtas_provider[] (bounce_mta_provider.c) is all the rest
 * of the program sees.  Its rows live in bounce_mta_provider.c (Google,
 * Microsoft), bounce_mta_provider_mail.c (Yahoo, AOL, Amazon, SendGrid,
 * Mail.ru, Yandex, Zoho, Mimecast, GMX, 1&1, Facebook, MessageLabs,
 * Bigfoot) and bounce_mta_provider_carrier.c (Biglobe, KDDI, EZweb,
 * Verizon); Amazon SES's JSON is read by bounce_mta_provider_json.c.  The
 * line and text helpers they all use are in bounce_mta_provider_util.c,
 * named pv_*.
 */
#ifndef MAILSIFT_BOUNCE_MTA_PROVIDER_H
#define MAILSIFT_BOUNCE_MTA_PROVIDER_H

#include "../bounce_internal.h"

/* --- Text (bounce_mta_provider_util.c) ---------------------------------- */

/* Searches of needle in h[0..n): ASCII case ignored (_ci) or exact; NULL
 * if absent or h is NULL. */
const char *pv_find_ci(const char *h, gsize n, const char *needle);
const char *pv_find(const char *h, gsize n, const char *needle);
/* The earliest of needles in h[0..n) (case ignored), its index in *which. */
const char *pv_find_any(const char *h, gsize n, const char *const *needles,
    int *which);
/* s holds needle, case ignored; FALSE for NULL s. */
gboolean pv_has(const char *s, const char *needle);

/* One line of a text, without its line end. */
struct pv_line {
	const char *p;
	gsize n;
};

/* The next line of [*cur, end); FALSE at the end. */
gboolean pv_line_next(const char **cur, const char *end, struct pv_line *l);
struct pv_line pv_trim(struct pv_line l);
gboolean pv_blank(struct pv_line l);
gboolean pv_indented(struct pv_line l);
/* The line begins with prefix (case ignored), after white space if ws. */
gboolean pv_begins(struct pv_line l, const char *prefix, gboolean ws);
gboolean pv_begins_any(struct pv_line l, const char *const *prefixes,
    gboolean ws);
const char *pv_line_find(struct pv_line l, const char *needle);
/* The address when the line is one address alone ("  a@b", "<a@b>:"). */
char *pv_line_address(struct pv_line l);
/* The address in the first "<a@b>" of p[0..n), else its first word. */
char *pv_text_address(const char *p, gsize n);

/* --- Codes ---------------------------------------------------------------- */

/* The first RFC 3463 status in s[0..n), a new string. */
char *pv_status_in(const char *s, gsize n);
/* No status, or only a class ("5.0.0"). */
gboolean pv_status_vague(const char *st);
/* A status naming a cause: subject 1-7, detail not 0 ("5.1.1"). */
gboolean pv_status_specific(const char *st);
/* The first SMTP reply code standing alone in s[0..n), or 0. */
int pv_reply_in(const char *s, gsize n);
/* "RCPT TO", "MAIL FROM", "end of data", ... -> "RCPT", "MAIL", "DATA". */
const char *pv_command_word(const char *s, gsize n);

/* A phrase a layout uses, and the reason it names. */
struct pv_phrase {
	const char *text;
	const char *reason;
};

/* The reason of the first row of t (ended by a NULL text) whose phrase
 * s[0..n) holds, case ignored; NULL if none. */
const char *pv_phrase_in(const char *s, gsize n, const struct pv_phrase *t);

/* --- The bounce's own headers -------------------------------------------- */

gboolean pv_header_has(const struct bounce_input *in, const char *name,
    const char *needle);
gboolean pv_header_set(const struct bounce_input *in, const char *name);
/* Some Received: field of the bounce holds needle. */
gboolean pv_received_has(const struct bounce_input *in, const char *needle);
/* The address in a header of the original message, a new string. */
char *pv_original_address(const struct bounce_input *in, const char *name);

/* --- Building recipients -------------------------------------------------- */

/*
 * The recipients one scan adds, each with the text of its diagnostic
 * gathered line by line; pv_acc_done() turns the text into
 * diagnostic_code (joined, white space collapsed) where none was set.
 */
struct pv_acc {
	struct bounce_report *b;
	guint first;		/* index of our first recipient in b */
	GPtrArray *diag;	/* GString per recipient */
	guint cur;		/* the recipient text goes to */
	GHashTable *seen;	/* lower-cased address -> index + 1 */
};

void pv_acc_init(struct pv_acc *a, struct bounce_report *b);
/* pv_acc_init, then the delivery-status part's recipients taken on. */
void pv_acc_init_dsn(struct pv_acc *a, const struct bounce_input *in,
    struct bounce_report *b);
/* Take on recipients bounce_read_dsn added to the report meanwhile. */
void pv_acc_adopt(struct pv_acc *a);
guint pv_acc_count(const struct pv_acc *a);
struct bounce_recipient *pv_acc_nth(const struct pv_acc *a, guint i);
/* The recipient text now goes to, NULL when there is none yet. */
struct bounce_recipient *pv_acc_cur(const struct pv_acc *a);
/* A new recipient for addr (taken); NULL when addr is NULL or the report
 * is full. */
struct bounce_recipient *pv_acc_add(struct pv_acc *a, char *addr);
/* The one already there for addr (case ignored), else a new one. */
struct bounce_recipient *pv_acc_add_once(struct pv_acc *a, char *addr);
/* Text for the current recipient's diagnostic. */
void pv_acc_text(struct pv_acc *a, const char *s, gsize n);
void pv_acc_line(struct pv_acc *a, struct pv_line l);
/* The text gathered for recipient i so far. */
const char *pv_acc_diag(const struct pv_acc *a, guint i);
/* Diagnostics set, buffers freed; the number of recipients. */
int pv_acc_done(struct pv_acc *a);
/* Recipients from an "a@b, c@d" header value. */
void pv_rcpts_from_header(struct pv_acc *a, const char *v);

/* Fill *slot with a copy of v when it is empty. */
void pv_set_str(char **slot, const char *v);
/* mta_reason, when the layout names one and none is set. */
void pv_set_reason(struct bounce_recipient *r, const char *reason);
/* A vague status (none, X.0.0; X.1.0 too when loose) replaced by one in the
 * diagnostic, a quoted one first. */
void pv_refine_status(struct bounce_recipient *r, gboolean loose);
/* Status and reply code from the diagnostic where none was stated. */
void pv_codes_from_diag(struct bounce_recipient *r);

/* The text a layout reads: from the line beginning with one of starts
 * (NULL: the top) to the first of stops or the end; FALSE without start. */
gboolean pv_section(const struct bounce_input *in, const char *const *starts,
    const char *const *stops, const char **from, const char **to);
/* bounce_read_dsn on the delivery-status part, if any. */
int pv_read_dsn(const struct bounce_input *in, struct bounce_report *b);

/* --- Rows ----------------------------------------------------------------- */

/* bounce_mta_provider_mail.c */
gboolean pv_yahoo_match(const struct bounce_input *in);
int pv_yahoo_scan(const struct bounce_input *in, struct bounce_report *b);
gboolean pv_aol_match(const struct bounce_input *in);
int pv_aol_scan(const struct bounce_input *in, struct bounce_report *b);
gboolean pv_amazonses_match(const struct bounce_input *in);
int pv_amazonses_scan(const struct bounce_input *in, struct bounce_report *b);
gboolean pv_receivingses_match(const struct bounce_input *in);
int pv_receivingses_scan(const struct bounce_input *in,
    struct bounce_report *b);
gboolean pv_amazonworkmail_match(const struct bounce_input *in);
int pv_amazonworkmail_scan(const struct bounce_input *in,
    struct bounce_report *b);
gboolean pv_sendgrid_match(const struct bounce_input *in);
int pv_sendgrid_scan(const struct bounce_input *in, struct bounce_report *b);
gboolean pv_mailru_match(const struct bounce_input *in);
int pv_exim_like_scan(const struct bounce_input *in, struct bounce_report *b);
gboolean pv_yandex_match(const struct bounce_input *in);
int pv_yandex_scan(const struct bounce_input *in, struct bounce_report *b);
gboolean pv_zoho_match(const struct bounce_input *in);
int pv_zoho_scan(const struct bounce_input *in, struct bounce_report *b);
gboolean pv_mimecast_match(const struct bounce_input *in);
int pv_mimecast_scan(const struct bounce_input *in, struct bounce_report *b);
gboolean pv_gmx_match(const struct bounce_input *in);
gboolean pv_einsundeins_match(const struct bounce_input *in);
int pv_ui_scan(const struct bounce_input *in, struct bounce_report *b);
gboolean pv_facebook_match(const struct bounce_input *in);
int pv_facebook_scan(const struct bounce_input *in, struct bounce_report *b);
gboolean pv_messagelabs_match(const struct bounce_input *in);
int pv_messagelabs_scan(const struct bounce_input *in,
    struct bounce_report *b);
gboolean pv_bigfoot_match(const struct bounce_input *in);
int pv_bigfoot_scan(const struct bounce_input *in, struct bounce_report *b);

/* bounce_mta_provider_carrier.c */
gboolean pv_biglobe_match(const struct bounce_input *in);
int pv_biglobe_scan(const struct bounce_input *in, struct bounce_report *b);
gboolean pv_kddi_match(const struct bounce_input *in);
int pv_kddi_scan(const struct bounce_input *in, struct bounce_report *b);
gboolean pv_ezweb_match(const struct bounce_input *in);
int pv_ezweb_scan(const struct bounce_input *in, struct bounce_report *b);
gboolean pv_verizon_match(const struct bounce_input *in);
int pv_verizon_scan(const struct bounce_input *in, struct bounce_report *b);

/* bounce_mta_provider_json.c: Amazon SES notifications in JSON. */
int pv_ses_json_scan(const struct bounce_input *in, struct bounce_report *b);

#endif
