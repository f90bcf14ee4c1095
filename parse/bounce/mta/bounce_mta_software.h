/* bounce_mta_software.h - what the MTA software recognizers share; only
 * parse/bounce_mta_software*.c include it.
 *
 * bounce_mta_software_text.c has the machinery: line helpers, the
 * extraction of status, reply code, command and host from a diagnostic,
 * hints (an address and the text about it) and layouts (where an MTA puts
 * its recipients).  bounce_mta_software_unix.c and _other.c hold one
 * match/scan pair per MTA, bounce_mta_software.c the table.
 */
#ifndef MAILSIFT_BOUNCE_MTA_SOFTWARE_H
#define MAILSIFT_BOUNCE_MTA_SOFTWARE_H

#include "../bounce_internal.h"

#define MAX_DIAG	BOUNCE_MAX_FIELD	/* bytes of one hint's text */

/* One line of the text: [p, p + n), without its line end. */
struct line {
	const char *p;
	gsize n;
};

/* A phrase an MTA writes and the reason it states. */
struct phrase {
	const char *text;	/* matched case-insensitively */
	const char *value;	/* a reason word (static) */
};

/* What the text says about one recipient. */
struct hint {
	char *addr;		/* normalised address, or NULL (not yet
				   known) */
	char *orig;		/* the "expanded from" / "generated from"
				   address */
	GString *diag;		/* the lines about it, joined */
	char *status;
	int reply;
	const char *cmd;
	char *host;
	const char *reason;	/* mta_reason */
	gboolean sticky;	/* blank lines do not end its text */
	guint dropped;		/* hints refused after it, the list full */
};

/* How a recipient line looks. */
enum rcpt_form {
	RF_ANGLE,	/* "<a@b>: text",
			   "<a@b> (expanded from <c@d>): text" */
	RF_INDENT,	/* Exim: "  a@b", "  a@b: text", "  x <a@b>: text" */
	RF_BARE,	/* "a@b: text", "a@b [text]", "a@b" opening the line */
	RF_PREFIX,	/* an address right after one of layout.prefix */
};

#define L_BLANK_ENDS	0x01	/* a blank line ends a recipient's text */
#define L_LOOSE		0x02	/* RF_ANGLE: no ':' needed after "<a@b>" */
#define L_LINE_IN_DIAG	0x04	/* the whole recipient line is diagnostic
				   ("Unknown user: a@b") */
#define L_FIRST_ONLY	0x08	/* the section names one recipient; later
				   address lines are text (DMA, MailFoundry) */
#define L_TEXT_FIRST	0x10	/* a recipient's text comes before its
				   address (Notes) */

struct layout;
/* A layout's own treatment of a line; TRUE when it consumed the line.
 * cur is the hint being filled, or NULL. */
typedef gboolean (*line_hook)(const struct layout *lay, struct line l,
    GPtrArray *hints, struct hint **cur);

/* Where an MTA puts its recipients and how it words their failure. */
struct layout {
	const char *const *begin;	/* a line containing one opens the
					   section (NULL: the text's top) */
	const char *const *end;		/* a line beginning with one (blanks
					   skipped) closes it */
	enum rcpt_form form;
	const char *const *prefix;	/* RF_PREFIX lead-ins */
	guint max_indent;		/* of a recipient line */
	unsigned flags;
	const struct phrase *reasons;	/* text -> mta_reason */
	line_hook hook;
};

/* Lines of text and case-blind search (bounded, no NUL needed). */
gboolean sw_next_line(const char **pos, const char *end, struct line *l);
struct line sw_trimmed(struct line l);
gsize sw_indent(const struct line *l);
const char *sw_ci_find(const char *s, gsize n, const char *needle);
gboolean sw_ci_prefix(const char *s, gsize n, const char *prefix);
gboolean sw_starts_any(struct line l, const char *const *list);
gboolean sw_str_has(const char *s, const char *needle);
gboolean sw_str_prefix(const char *s, const char *prefix);
gboolean sw_body(const struct bounce_input *in, const char **p,
    const char **end);
const char *sw_text_line_with(const struct bounce_input *in,
    const char *const *list);
gboolean sw_text_has(const struct bounce_input *in, const char *needle);

/* What a line of diagnostic says: an address, a status, a reply code
 * (RFC 5321 codes only), an SMTP command, the remote host. */
char *sw_addr_at(const char *p, const char *end, const char **after);
char *sw_addr_in(const char *p, const char *end, const char **after);
char *sw_find_status(const char *s);
int sw_reply_at(const char *s, gsize n, gsize i);
int sw_find_reply(const char *s);
const char *sw_command_word(const char *s, gsize n);
char *sw_host_at(const char *p, const char *end);
char *sw_find_host(const char *s);

/* Hints: what the text says about one recipient; then recipients from
 * them, merged into the delivery-status part's when there is one. */
GPtrArray *sw_hints_new(void);
struct hint *sw_hint_new(GPtrArray *hints, char *addr);
void sw_text_add(GString *s, const char *p, gsize n);
void sw_reply_add(GString *s, const char *p, gsize n);
void sw_hint_add(struct hint *h, const char *p, gsize n);
const char *sw_phrase_lookup(const char *s, const struct phrase *table);
void sw_hint_derive(struct hint *h, const struct phrase *reasons);
int sw_read_dsn(const struct bounce_input *in, struct bounce_report *b);
int sw_hints_commit(const struct bounce_input *in, struct bounce_report *b,
    GPtrArray *hints, const struct phrase *reasons, gboolean prefer_text);

/* Layouts. */
char *sw_rcpt_bare(struct line t, struct line *rest);
guint sw_scan_layout(const struct bounce_input *in, const struct layout *lay,
    GPtrArray *hints);
int sw_scan_with(const struct bounce_input *in, struct bounce_report *b,
    const struct layout *lay, gboolean prefer_text);
void sw_reporter(const struct bounce_input *in, struct bounce_report *b,
    const char *const *markers);
int sw_rcpt_from_original(const struct bounce_input *in,
    struct bounce_report *b);
void sw_section_text(const struct bounce_input *in, const char *const *begin,
    const char *const *end, GString *s);

/* The bounce's own headers. */
const char *sw_header(const struct bounce_input *in, const char *name);
gboolean sw_header_has(const struct bounce_input *in, const char *name,
    const char *s);
gboolean sw_subject_starts(const struct bounce_input *in,
    const char *const *list);
gboolean sw_subject_has(const struct bounce_input *in,
    const char *const *list);
gboolean sw_received_has(const struct bounce_input *in, const char *s);
gboolean sw_daemon_sender(const struct bounce_input *in);
gboolean sw_provider_bounce(const struct bounce_input *in);

/* Exim's own words for a reason; MXLogic writes the same. */
extern const struct phrase sw_exim_reasons[];

/* One row of the table: sw_match_NAME and sw_scan_NAME. */
#define SW_ROW(name) \
	gboolean sw_match_##name(const struct bounce_input *in); \
	int sw_scan_##name(const struct bounce_input *in, \
	    struct bounce_report *b);

SW_ROW(postfix)
SW_ROW(sendmail)
SW_ROW(mfilter)
SW_ROW(x2)
SW_ROW(qmail)
SW_ROW(dragonfly)
SW_ROW(mxlogic)
SW_ROW(exim)
SW_ROW(opensmtpd)
SW_ROW(messagingserver)
SW_ROW(courier)
SW_ROW(v5sendmail)
SW_ROW(x1)
SW_ROW(x3)
SW_ROW(x5)
SW_ROW(x6)
SW_ROW(domino)
SW_ROW(notes)
SW_ROW(imailserver)
SW_ROW(fml)
SW_ROW(activehunter)
SW_ROW(mailfoundry)
SW_ROW(interscanmss)
SW_ROW(surfcontrol)
SW_ROW(mcafee)
SW_ROW(barracuda)
SW_ROW(amavis)
SW_ROW(powermta)
SW_ROW(apachejames)
SW_ROW(mailmarshalsmtp)
SW_ROW(exchange2003)
SW_ROW(exchange2007)

#endif
