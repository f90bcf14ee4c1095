/* bounce_reason_internal.h - what the classifier's files share; nothing
 * outside parse/bounce_reason*.c and parse/bounce_auth.c may include it.
 *
 * The classifier is these files (bounce_auth.c uses the same scanner):
 *	bounce_reason.c		the decision: which rule fires, hard or soft
 *	bounce_reason_code.c	SMTP status and reply codes
 *	bounce_reason_text.c	the data: phrases per reason, status codes,
 *				local delivery agents, SMTP commands, aliases
 *	bounce_reason_provider.c  the data: each mail provider's vocabulary
 *	bounce_reason_match.c	one multi-pattern scanner over all phrases
 *	bounce_reason_status.c	the status a reason implies, when none is stated
 *
 * A phrase is lower-case text; a '*' in it separates fragments that must
 * appear in that order with anything between them ("user * does not
 * exist").  Every phrase of every table is compiled once (br_init) into
 * one Aho-Corasick automaton, so a diagnostic is read once, byte by byte,
 * whatever the number of phrases, and testing a phrase is testing bits.
 */
#ifndef MAILSIFT_BOUNCE_REASON_INTERNAL_H
#define MAILSIFT_BOUNCE_REASON_INTERNAL_H

#include <stdint.h>

#include "../bounce.h"

#define BR_TEXT_MAX	4096	/* bytes of a diagnostic that are read */
#define BR_MAX_FRAGS	4096	/* distinct fragments over all tables */
#define BR_MAX_PHRASES	4096	/* phrases over all tables */
#define BR_MAX_PARTS	4	/* fragments in one phrase */

struct br_phrase {
	const char *text;	/* NULL ends a list */
	int id;			/* set by br_compile_phrase */
};

/* One diagnostic prepared for testing: lower-cased (ASCII), white space
 * runs collapsed to one space, framed by one space on each side (" user
 * unknown "; "" when there is no text), the set of fragments found in it,
 * and the phrases whose first fragment was found (the only ones worth a
 * test). */
struct br_text {
	char low[BR_TEXT_MAX + 1];
	size_t len;
	uint64_t hits[BR_MAX_FRAGS / 64];
	uint64_t cand[BR_MAX_PHRASES / 64];
};

/* bounce_reason_match.c.  Building happens once, before any scan, under
 * the caller's lock: compile every phrase, then br_build.  The phrases of
 * one br_compile_list get consecutive ids, so the first phrase of a list
 * found in a text is the lowest candidate id of that list. */
void br_compile_phrase(struct br_phrase *p);
void br_compile_list(struct br_phrase *list);
void br_build(void);
void br_scan(struct br_text *t, const char *s);
/* The same, into a per-thread buffer, reused when s was the last text. */
const struct br_text *br_scan_once(const char *s);
gboolean br_has(const struct br_text *t, const struct br_phrase *p);
/* The first phrase of list found in t, or NULL. */
const struct br_phrase *br_any(const struct br_text *t,
    const struct br_phrase *list);

/* bounce_reason.c: build every table once (thread-safe). */
void br_init(void);

/* bounce_auth_table.c: compile its phrase tables (called by br_init). */
void br_auth_compile(void);

/* bounce_reason_code.c: status and reply codes. */
#define BR_STATUS_MAX	12	/* "5.7.123" and some room */
gboolean br_status_valid(const char *s);
gboolean br_status_internal(const char *s);
/* The status reason implies (bounce_reason_status.c), class 4 for a delay
 * or a 4xx reply; NULL when the reason implies none.  Written to buf. */
const char *br_status_inferred(const char *reason, const char *action,
    int reply, char *buf, gsize len);
/* The reason word a standard status names by itself, or NULL. */
const char *br_status_reason(const char *status);
/* Of a stated status, one found in the text, and the reply code, the
 * one that says most; "" when both are "". */
const char *br_prefer(const char *stated, const char *found, int reply);
void br_status_find(const struct br_text *t, char out[BR_STATUS_MAX]);
/* A reply code in the text, of class '2', '4', '5' or any ('0'). */
int br_reply_find(const struct br_text *t, char class);

/* bounce_reason_text.c: the tables. */

/* Text lists, one per reason word that has one (classorder below). */
struct br_reason_text {
	const char *reason;
	struct br_phrase *phrases;
	struct br_phrase *unless;	/* none of these may be present */
};
extern struct br_reason_text br_texts[];	/* ends with reason NULL */
extern struct br_phrase br_userunknown_anywhere[];

/* Standard RFC 3463 codes that name a reason by themselves. */
struct br_status_name {
	const char *status;
	const char *reason;
};
extern const struct br_status_name br_status_names[];

/* A mail provider's own vocabulary, applied when the remote MTA or the
 * recipient's domain is one of its hosts, or a marker is in the text. */
struct br_provider_rule {
	const char *reason;
	const char *status;	/* exact "5.7.26", class prefix "5.7.", or NULL */
	struct br_phrase phrase;
	const char *command;	/* the SMTP command refused ("RCPT"), or
				   NULL: any */
};
struct br_provider {
	const char *name;
	const char *const *hosts;	/* suffixes of remote MTA or domain */
	struct br_phrase *markers;	/* text that names the provider */
	struct br_provider_rule *rules;	/* ends with reason NULL */
};
extern struct br_provider br_providers[];	/* ends with name NULL;
						   bounce_reason_provider.c */

/* Local delivery agents (procmail, maildrop, ...): their marker, then
 * their messages per reason; none matching means mailererror. */
struct br_lda_rule {
	const char *reason;
	struct br_phrase phrase;
};
struct br_lda {
	const char *name;
	struct br_phrase *markers;
	struct br_lda_rule *rules;
};
extern struct br_lda br_ldas[];

/* The SMTP command a diagnostic names ("in reply to RCPT TO command"). */
struct br_command {
	const char *command;
	struct br_phrase phrase;
};
extern struct br_command br_commands[];

/* Old or alternative reason names that mean a v5 reason. */
struct br_alias {
	const char *name, *reason;
};
extern const struct br_alias br_aliases[];

#endif
