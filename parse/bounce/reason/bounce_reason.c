/* bounce_reason.c - classify a bounced recipient: reason, rule, hard/soft.
 *
 * Usage: bounce_classify(rcpt, format) after a recognizer filled rcpt's
 * stated fields; it sets rcpt->reason (a word of bounce_reasons[]),
 * rcpt->rule (why: "status:5.1.1", "text:mailboxfull:mailbox *full",
 * "provider:google:...", "mta:exim", ...) and rcpt->hard_bounce, and
 * fills rcpt->status and rcpt->reply_code from the diagnostic when the
 * message did not state them (or stated a vaguer status than the text).
 * Calling it again re-classifies (the old rule is freed).  Same fields,
 * same answer.
 *
 * The order follows sisimai v5 (Fact, Reason, Rhost), whose vocabulary we
 * speak, so a postmaster who knows one knows the other:
 *   1. a reason the MTA layout itself stated (mta_reason) wins, unless it
 *      is one of the vague ones worth a second look, or a broad one
 *      (blocked, rejected, ...) that the text narrows (requireptr, ...);
 *   2. delivered (2.x.x, Action: delivered) and ARF feedback;
 *   3. a local delivery agent's message (procmail, maildrop, ...);
 *   4. the receiving provider's own vocabulary (Gmail, Office 365, Yahoo,
 *      iCloud, Orange, GoDaddy, ...), when the remote host, the
 *      recipient's domain or a marker in the text names the provider;
 *   5. the probes: for each reason in a fixed order (a suppression list
 *      first: nothing was even tried), its status code or
 *      its phrases, with the SMTP command deciding between look-alikes
 *      (a user unknown at RCPT is userunknown, after DATA it is filtered);
 *   6. the status code's own meaning, after a second look at the text
 *      when the code is vague; a refusal at STARTTLS; the code's class
 *      (X.7 security, X.6 content); the reply code (50x syntax, 521/556
 *      notaccept); Action: delayed (expired); a refusal at HELO (blocked);
 *   7. an out-of-office text is vacation; any other text is onhold,
 *      nothing at all is undefined.
 * The tables live in bounce_reason_text.c and bounce_reason_provider.c;
 * text is matched in one pass by bounce_reason_match.c, so the cost does
 * not grow with the tables (about 2 us a recipient).
 *
 * Hard bounce: userunknown, hostunknown, hasmoved, and notaccept that is
 * not temporary; never with a 4xx status or reply.
 *
 * Last, a recipient whose message states no status anywhere gets the one
 * its reason implies (bounce_reason_status.c), status_source "inferred",
 * and ";status-inferred:5.1.1" at the end of its rule.
 */
#include <stdio.h>
#include <string.h>

#include "bounce_reason_internal.h"

/* Sorted; enum reason below follows this order. */
const char *const bounce_reasons[] = {
	"authfailure", "badreputation", "blocked", "contenterror",
	"delivered", "emailtoolarge", "expired", "failedstarttls", "feedback",
	"filtered", "hasmoved", "hostunknown", "mailboxfull", "mailererror",
	"networkerror", "norelaying", "notaccept", "notcompliantrfc", "onhold",
	"policyviolation", "ratelimited", "rejected", "requireptr",
	"securityerror", "spamdetected", "suppressed", "suspend",
	"syntaxerror", "systemerror", "systemfull", "undefined",
	"userunknown", "vacation", "virusdetected", NULL
};

enum reason {
	NONE = -1,
	AUTHFAILURE, BADREPUTATION, BLOCKED, CONTENTERROR,
	DELIVERED, EMAILTOOLARGE, EXPIRED, FAILEDSTARTTLS, FEEDBACK,
	FILTERED, HASMOVED, HOSTUNKNOWN, MAILBOXFULL, MAILERERROR,
	NETWORKERROR, NORELAYING, NOTACCEPT, NOTCOMPLIANTRFC, ONHOLD,
	POLICYVIOLATION, RATELIMITED, REJECTED, REQUIREPTR,
	SECURITYERROR, SPAMDETECTED, SUPPRESSED, SUSPEND,
	SYNTAXERROR, SYSTEMERROR, SYSTEMFULL, UNDEFINED,
	USERUNKNOWN, VACATION, VIRUSDETECTED, NREASONS
};

#define RULE_MAX	160	/* bytes of a phrase quoted in a rule */

struct ctx {
	const struct br_text *text;	/* the diagnostic, scanned */
	char status[BR_STATUS_MAX];	/* preferred status, or "" */
	enum reason sname;		/* what the status alone says */
	int reply;			/* reply code, or 0 */
	const char *command;		/* stated or named in the text */
	const char *action;		/* lower-case, or "" */
	enum reason mta;		/* the layout's reason */
	const char *format;		/* recognizer name, or "" */
	gboolean smtp_type;		/* Diagnostic-Code: smtp; or none */
	gboolean unix_type;		/* Diagnostic-Code: X-Unix; */
	char rhost[256];		/* remote MTA host name, lower-case */
	char domain[256];		/* recipient's domain, lower-case */
	size_t rhost_len, domain_len;
	char rule[RULE_MAX + 64];	/* why, being written */
};

/* Per reason: its phrases and their exceptions (NULL: none). */
static struct br_reason_text *texts[NREASONS];

static enum reason
reason_of(const char *name)
{
	const struct br_alias *a;
	int i, lo = 0, hi = NREASONS - 1;

	if (name == NULL)
		return NONE;
	while (lo <= hi) {	/* the usual case: a word of the list */
		int mid = (lo + hi) / 2, cmp = strcmp(name, bounce_reasons[mid]);

		if (cmp == 0)
			return (enum reason)mid;
		if (cmp < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	for (a = br_aliases; a->name != NULL; a++)
		if (g_ascii_strcasecmp(name, a->name) == 0) {
			name = a->reason;
			break;
		}
	for (i = 0; i < NREASONS; i++)
		if (g_ascii_strcasecmp(name, bounce_reasons[i]) == 0)
			return (enum reason)i;
	return NONE;
}

static enum reason
checked(const char *name)
{
	enum reason r = reason_of(name);

	if (r == NONE)
		g_error("bounce_reason: table names unknown reason \"%s\"",
		    name);
	return r;
}

static void index_hosts(void);

/* Compile every table (ours and bounce_auth.c's) into the scanner, once;
 * safe to call from any thread. */
void
br_init(void)
{
	static gsize done;
	struct br_provider *p;
	struct br_provider_rule *pr;
	struct br_reason_text *t;
	struct br_lda *l;
	struct br_lda_rule *lr;
	struct br_command *c;

	if (!g_once_init_enter(&done))
		return;
	for (t = br_texts; t->reason != NULL; t++) {
		texts[checked(t->reason)] = t;
		br_compile_list(t->phrases);
		br_compile_list(t->unless);
	}
	br_compile_list(br_userunknown_anywhere);
	for (p = br_providers; p->name != NULL; p++) {
		br_compile_list(p->markers);
		for (pr = p->rules; pr->reason != NULL; pr++) {
			checked(pr->reason);
			if (pr->phrase.text != NULL)
				br_compile_phrase(&pr->phrase);
		}
	}
	for (l = br_ldas; l->name != NULL; l++) {
		br_compile_list(l->markers);
		for (lr = l->rules; lr->reason != NULL; lr++) {
			checked(lr->reason);
			br_compile_phrase(&lr->phrase);
		}
	}
	for (c = br_commands; c->command != NULL; c++)
		br_compile_phrase(&c->phrase);
	br_auth_compile();
	br_build();
	index_hosts();
	g_once_init_leave(&done, 1);
}

/* ---- the facts, gathered once --------------------------------------- */

static gboolean
in(const char *s, const char *const *list)
{
	for (; s != NULL && *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return TRUE;
	return FALSE;
}

/* "dns; mx.example.com [192.0.2.1]" -> "mx.example.com" */
static void
host_of(char out[256], const char *s)
{
	const char *semi;
	size_t n;

	out[0] = '\0';
	if (s == NULL)
		return;
	if ((semi = strchr(s, ';')) != NULL)
		s = semi + 1;
	while (*s == ' ' || *s == '[')
		s++;
	for (n = 0; s[n] != '\0' && s[n] != ' ' && s[n] != ']' &&
	    s[n] != '[' && n < 255; n++)
		out[n] = g_ascii_tolower(s[n]);
	while (n > 0 && out[n - 1] == '.')
		n--;
	out[n] = '\0';
}

/* The command the text names, earliest in the text. */
static const char *
command_in_text(const struct br_text *t)
{
	const struct br_command *c, *best = NULL;
	const char *best_at = NULL;

	for (c = br_commands; c->command != NULL; c++) {
		const char *at;

		if (!br_has(t, &c->phrase))
			continue;
		at = strstr(t->low, c->phrase.text);
		if (at != NULL && (best_at == NULL || at < best_at)) {
			best = c;
			best_at = at;
		}
	}
	return best ? best->command : NULL;
}

static const char *
command_of(const struct bounce_recipient *r, const struct br_text *t)
{
	static const char *const known[] = {
		"CONN", "EHLO", "HELO", "MAIL", "RCPT", "DATA", "STARTTLS",
		"AUTH", "QUIT", NULL
	};
	int i;

	if (r->smtp_command != NULL) {
		if (strcmp(r->smtp_command, ".") == 0)
			return "DATA";
		for (i = 0; known[i] != NULL; i++)
			if (g_ascii_strncasecmp(r->smtp_command, known[i],
			    strlen(known[i])) == 0)
				return known[i];
	}
	return command_in_text(t);
}

static void
gather(struct ctx *c, struct bounce_recipient *r, const char *format)
{
	char found[BR_STATUS_MAX];
	const char *stated = "", *at;

	c->text = br_scan_once(r->diagnostic_code);
	c->format = format ? format : "";
	c->action = r->action ? r->action : "";
	c->mta = reason_of(r->mta_reason);
	/* Postfix's own "X-Postfix;" diagnostics speak SMTP's words. */
	c->smtp_type = r->diagnostic_type == NULL ||
	    g_ascii_strcasecmp(r->diagnostic_type, "smtp") == 0 ||
	    g_ascii_strcasecmp(r->diagnostic_type, "x-postfix") == 0;
	c->unix_type = r->diagnostic_type != NULL &&
	    g_ascii_strncasecmp(r->diagnostic_type, "x-unix", 6) == 0;
	host_of(c->rhost, r->remote_mta);
	at = r->recipient ? strrchr(r->recipient, '@') : NULL;
	host_of(c->domain, at ? at + 1 : NULL);
	c->rhost_len = strlen(c->rhost);
	c->domain_len = strlen(c->domain);
	c->command = command_of(r, c->text);

	/* Status: the stated one, unless the text says more. */
	if (br_status_valid(r->status) && !br_status_internal(r->status))
		stated = r->status;
	br_status_find(c->text, found);
	g_strlcpy(c->status, br_prefer(stated, found, r->reply_code),
	    BR_STATUS_MAX);
	if (c->status[0] != '\0' && strcmp(c->status, stated) != 0) {
		g_free(r->status);
		r->status = g_strdup(c->status);
	}
	c->sname = reason_of(br_status_reason(c->status));

	/* Reply code: the stated one, else one of the status's class. */
	c->reply = r->reply_code;
	if (c->reply == 0 && !c->unix_type) {
		c->reply = br_reply_find(c->text,
		    c->status[0] ? c->status[0] : '0');
		r->reply_code = c->reply;
	}
}

/* ---- rules ----------------------------------------------------------- */

static enum reason
why(struct ctx *c, enum reason reason, const char *kind, const char *what)
{
	g_snprintf(c->rule, sizeof(c->rule), "%s:%.*s", kind, RULE_MAX,
	    what);
	return reason;
}

static enum reason
why_text(struct ctx *c, enum reason reason, const struct br_phrase *p)
{
	g_snprintf(c->rule, sizeof(c->rule), "text:%s:%.*s",
	    bounce_reasons[reason], RULE_MAX, p->text);
	return reason;
}

static enum reason
why_code(struct ctx *c, enum reason reason, const char *kind, int code)
{
	char s[16];

	g_snprintf(s, sizeof(s), "%d", code);
	return why(c, reason, kind, s);
}

static enum reason
why_mta(struct ctx *c, enum reason reason)
{
	return why(c, reason, "mta", c->format[0] ? c->format : "?");
}

/* Does the text say reason (and none of its exceptions)? */
static const struct br_phrase *
says(const struct ctx *c, enum reason reason)
{
	const struct br_reason_text *t = texts[reason];

	if (t == NULL)
		return NULL;
	if (t->unless != NULL && br_any(c->text, t->unless) != NULL)
		return NULL;
	return br_any(c->text, t->phrases);
}

static gboolean
status_matches(const char *status, const char *want)
{
	size_t n = strlen(want);

	if (want[0] == '.')		/* ".7.26": any class */
		return status[0] != '\0' && strcmp(status + 1, want) == 0;
	if (want[n - 1] == '.')		/* "5.7.": a prefix */
		return strncmp(status, want, n) == 0;
	return strcmp(status, want) == 0;
}

/* Every provider host, flat, with its length, for host_is. */
#define MAX_HOSTS	128
static struct {
	const char *name;	/* without a leading '.' */
	size_t len;
	int provider;
} hosts[MAX_HOSTS];
static int nhosts;

static void
index_hosts(void)
{
	const char *const *h;
	int p;

	for (p = 0; br_providers[p].name != NULL; p++)
		for (h = br_providers[p].hosts; *h != NULL; h++) {
			if (nhosts == MAX_HOSTS)
				g_error("bounce_reason: too many provider hosts");
			hosts[nhosts].name = **h == '.' ? *h + 1 : *h;
			hosts[nhosts].len = strlen(hosts[nhosts].name);
			hosts[nhosts++].provider = p;
		}
}

/* name is host or under it ("mx1.example.com" of ".example.com" or of
 * "example.com"). */
static gboolean
host_is(const char *name, size_t n, int i)
{
	size_t h = hosts[i].len;

	if (n < h || n == 0 || name[n - 1] != hosts[i].name[h - 1])
		return FALSE;
	return memcmp(name + n - h, hosts[i].name, h) == 0 &&
	    (n == h || name[n - h - 1] == '.');
}

static gboolean
provider_named(const struct ctx *c, int p)
{
	int i;

	if (br_any(c->text, br_providers[p].markers) != NULL)
		return TRUE;
	for (i = 0; i < nhosts; i++)
		if (hosts[i].provider == p &&
		    (host_is(c->rhost, c->rhost_len, i) ||
		    host_is(c->domain, c->domain_len, i)))
			return TRUE;
	return FALSE;
}

static enum reason
by_provider(struct ctx *c)
{
	const struct br_provider *p;
	const struct br_provider_rule *r;

	for (p = br_providers; p->name != NULL; p++) {
		if (!provider_named(c, (int)(p - br_providers)))
			continue;
		for (r = p->rules; r->reason != NULL; r++) {
			if (r->status != NULL &&
			    !status_matches(c->status, r->status))
				continue;
			if (r->phrase.text != NULL &&
			    !br_has(c->text, &r->phrase))
				continue;
			if (r->command != NULL && (c->command == NULL ||
			    strcmp(c->command, r->command) != 0))
				continue;
			g_snprintf(c->rule, sizeof(c->rule), "provider:%s:%.*s",
			    p->name, RULE_MAX, r->phrase.text ? r->phrase.text :
			    c->status);
			return reason_of(r->reason);
		}
	}
	return NONE;
}

static enum reason
by_lda(struct ctx *c)
{
	const struct br_lda *l;
	const struct br_lda_rule *r;

	if (c->command != NULL && strcmp(c->command, "DATA") != 0)
		return NONE;
	for (l = br_ldas; l->name != NULL; l++) {
		if (br_any(c->text, l->markers) == NULL)
			continue;
		for (r = l->rules; r->reason != NULL; r++)
			if (br_has(c->text, &r->phrase)) {
				g_snprintf(c->rule, sizeof(c->rule),
				    "lda:%s:%s", l->name, r->phrase.text);
				return reason_of(r->reason);
			}
		return why(c, MAILERERROR, "lda", l->name);
	}
	return NONE;
}

/* Reasons sisimai v5 split out of broader ones: a layout that says
 * "blocked" yields to a text that says why it was blocked. */
static const struct {
	enum reason broad;
	enum reason narrow[8];
} refinements[] = {
	{ BLOCKED, { REQUIREPTR, AUTHFAILURE, BADREPUTATION, RATELIMITED,
	    NONE } },
	{ REJECTED, { AUTHFAILURE, REQUIREPTR, NORELAYING, SPAMDETECTED,
	    BLOCKED, NONE } },
	{ POLICYVIOLATION, { AUTHFAILURE, NOTCOMPLIANTRFC, NONE } },
	{ SECURITYERROR, { AUTHFAILURE, NONE } },
	{ NETWORKERROR, { NOTACCEPT, NONE } },
	{ NONE, { NONE } }
};

static enum reason
by_mta(struct ctx *c)
{
	const struct br_phrase *ph;
	int i, j;

	for (i = 0; refinements[i].broad != NONE; i++) {
		if (c->mta != refinements[i].broad)
			continue;
		for (j = 0; refinements[i].narrow[j] != NONE; j++)
			if ((ph = says(c, refinements[i].narrow[j])) != NULL)
				return why_text(c, refinements[i].narrow[j],
				    ph);
	}
	return why_mta(c, c->mta);
}

/* The probes: each tells whether the recipient failed for its reason,
 * from the layout's hint, the status, the text and the command. */
typedef enum reason (*probe_fn)(struct ctx *, enum reason);

/* Commands sent before the message itself: content is not yet known. */
static const char *const before_data[] = {
	"CONN", "EHLO", "HELO", "MAIL", "RCPT", NULL
};
static const char *const greeting[] = { "CONN", "EHLO", "HELO", NULL };

static enum reason
probe_text(struct ctx *c, enum reason reason)
{
	const struct br_phrase *p;

	if (c->mta == reason)
		return why_mta(c, reason);
	if ((p = says(c, reason)) != NULL)
		return why_text(c, reason, p);
	return NONE;
}

static enum reason
probe_status_or_text(struct ctx *c, enum reason reason)
{
	if (c->sname == reason && c->mta != reason)
		return why(c, reason, "status", c->status);
	return probe_text(c, reason);
}

static enum reason
probe_suspend(struct ctx *c, enum reason reason)
{
	if (c->reply == 525)
		return why_code(c, reason, "reply", 525);
	return probe_text(c, reason);
}

static enum reason
probe_norelaying(struct ctx *c, enum reason reason)
{
	if (c->mta != reason && in(c->command, greeting))
		return NONE;
	return probe_text(c, reason);
}

/* X.1.1 is userunknown unless the text says the refusal was about
 * something else; without it, only a refusal at RCPT is, and (issue 14,
 * family 9) a sentence of the plain-text fallback ("text": a layout that
 * has no SMTP session at all, "<a@b>: no such user"), which names no
 * command because there was none to name.  Where an MTA's own layout
 * leaves the command unknown, a user unknown may have come after DATA
 * (a filter), and probe_filtered decides, as sisimai does. */
static enum reason
probe_userunknown(struct ctx *c, enum reason reason)
{
	static const enum reason other[] = {
		NORELAYING, BLOCKED, MAILBOXFULL, HASMOVED, REJECTED,
		NOTACCEPT, NONE
	};
	const struct br_phrase *p;
	int i;

	if (c->mta == reason)
		return why_mta(c, reason);
	if (c->sname == SUSPEND)
		return NONE;
	if (c->sname == reason) {
		for (i = 0; other[i] != NONE; i++)
			if (says(c, other[i]) != NULL)
				return NONE;
		return why(c, reason, "status", c->status);
	}
	if ((c->command == NULL ? strcmp(c->format, "text") == 0 :	/* family 9 */
	    strcmp(c->command, "RCPT") == 0) &&
	    (p = says(c, reason)) != NULL)
		return why_text(c, reason, p);
	if ((p = br_any(c->text, br_userunknown_anywhere)) != NULL)
		return why_text(c, reason, p);
	return NONE;
}

/* A recipient refused after the message was read (or with X.2.x) was
 * filtered: the address exists, something in the message was refused. */
static enum reason
probe_filtered(struct ctx *c, enum reason reason)
{
	const struct br_phrase *p;

	if (c->mta == reason)
		return why_mta(c, reason);
	if (c->sname == SUSPEND)
		return NONE;
	if (c->sname != reason && in(c->command, before_data))
		return NONE;
	if ((p = says(c, reason)) != NULL ||
	    (p = says(c, USERUNKNOWN)) != NULL) {
		if (c->sname == reason)
			return why(c, reason, "status", c->status);
		return why_text(c, reason, p);
	}
	return NONE;
}

static enum reason
probe_rejected(struct ctx *c, enum reason reason)
{
	gboolean look;

	if (c->mta != reason && c->sname == reason)
		return why(c, reason, "status", c->status);
	if (c->command != NULL && strcmp(c->command, "MAIL") == 0)
		look = TRUE;
	else if (c->command != NULL && strcmp(c->command, "DATA") == 0)
		look = c->sname != USERUNKNOWN;
	else
		look = c->sname == NONE || c->sname == ONHOLD ||
		    c->sname == SECURITYERROR || c->sname == SYSTEMERROR;
	if (!look && c->mta != reason)
		return NONE;
	return probe_text(c, reason);
}

static enum reason
probe_hostunknown(struct ctx *c, enum reason reason)
{
	if (c->mta != reason && c->sname == reason)
		return says(c, NETWORKERROR) ? NONE :
		    why(c, reason, "status", c->status);
	return probe_text(c, reason);
}

static enum reason
probe_spamdetected(struct ctx *c, enum reason reason)
{
	if (c->mta == reason)
		return why_mta(c, reason);
	if (c->status[0] == '\0')
		return NONE;
	if (c->sname == reason)
		return why(c, reason, "status", c->status);
	if (in(c->command, before_data))
		return NONE;
	return probe_text(c, reason);
}

static enum reason
probe_contenterror(struct ctx *c, enum reason reason)
{
	if (c->mta != reason && probe_spamdetected(c, SPAMDETECTED) != NONE)
		return NONE;
	return probe_status_or_text(c, reason);
}

static const struct {
	enum reason reason;
	probe_fn fn;
} probes[] = {
	{ SUPPRESSED, probe_text },	/* not even tried: first */
	{ MAILBOXFULL, probe_status_or_text },
	{ EMAILTOOLARGE, probe_status_or_text },
	{ SUSPEND, probe_suspend },
	{ HASMOVED, probe_text },
	{ NORELAYING, probe_norelaying },
	{ AUTHFAILURE, probe_status_or_text },
	{ USERUNKNOWN, probe_userunknown },
	{ FILTERED, probe_filtered },
	{ REQUIREPTR, probe_status_or_text },
	{ NOTCOMPLIANTRFC, probe_text },
	{ BADREPUTATION, probe_text },
	{ CONTENTERROR, probe_contenterror },
	{ REJECTED, probe_rejected },
	{ HOSTUNKNOWN, probe_hostunknown },
	{ SPAMDETECTED, probe_spamdetected },
	{ RATELIMITED, probe_status_or_text },
	{ BLOCKED, probe_status_or_text },
	{ NONE, NULL }
};

/* Reasons a status may stand for and that deserve another look. */
static const enum reason vague[] = {
	UNDEFINED, ONHOLD, SYSTEMERROR, SECURITYERROR, EXPIRED, NETWORKERROR,
	HOSTUNKNOWN, USERUNKNOWN, NONE
};

static gboolean
is_vague(enum reason r)
{
	int i;

	for (i = 0; vague[i] != NONE; i++)
		if (vague[i] == r)
			return TRUE;
	return FALSE;
}

/* When the status is vague or absent, these phrases are looked for, in
 * this order, before the status is believed. */
static const enum reason second_look[] = {
	MAILBOXFULL, EMAILTOOLARGE, AUTHFAILURE, BADREPUTATION, RATELIMITED,
	SPAMDETECTED, VIRUSDETECTED, POLICYVIOLATION, NORELAYING, SYSTEMERROR,
	NETWORKERROR, HOSTUNKNOWN, SUSPEND, CONTENTERROR, SYSTEMFULL,
	NOTACCEPT, EXPIRED, FAILEDSTARTTLS, SECURITYERROR, SUPPRESSED,
	SYNTAXERROR, MAILERERROR, NONE
};

/* Reply codes that name a reason when nothing else did. */
static const struct {
	int reply;
	enum reason reason;
} reply_names[] = {
	{ 521, NOTACCEPT }, { 556, NOTACCEPT }, { 523, FAILEDSTARTTLS },
	{ 524, FAILEDSTARTTLS }, { 538, FAILEDSTARTTLS }, { 0, NONE }
};

static enum reason
by_status(struct ctx *c)
{
	const struct br_phrase *ph;
	int i;

	if (c->sname == NONE || is_vague(c->sname) || !c->smtp_type)
		for (i = 0; second_look[i] != NONE; i++)
			if ((ph = says(c, second_look[i])) != NULL)
				return why_text(c, second_look[i], ph);
	if (c->sname != NONE)
		return why(c, c->sname, "status", c->status);
	if (in(c->command, (const char *const[]){ "STARTTLS", NULL }))
		return why(c, FAILEDSTARTTLS, "command", c->command);
	if (c->status[0] != '\0' && c->status[2] == '6')
		return why(c, CONTENTERROR, "class", c->status);
	if (c->status[0] != '\0' && c->status[2] == '7')
		return why(c, SECURITYERROR, "class", c->status);
	if (c->unix_type)
		return why(c, MAILERERROR, "type", "x-unix");
	for (i = 0; reply_names[i].reply != 0; i++)
		if (c->reply == reply_names[i].reply)
			return why_code(c, reply_names[i].reason, "reply",
			    c->reply);
	if ((c->reply > 400 && c->reply < 408) ||
	    (c->reply > 500 && c->reply < 508))
		return why_code(c, SYNTAXERROR, "reply", c->reply);
	if (g_ascii_strcasecmp(c->action, "delayed") == 0 ||
	    g_ascii_strcasecmp(c->action, "expired") == 0)
		return why(c, EXPIRED, "action", c->action);
	if (in(c->command, (const char *const[]){ "EHLO", "HELO", NULL }))
		return why(c, BLOCKED, "command", c->command);
	return NONE;
}

static enum reason
decide(struct ctx *c, const struct bounce_recipient *r)
{
	const struct br_phrase *ph;
	enum reason reason;
	int i;

	if (c->mta != NONE && !is_vague(c->mta))
		return by_mta(c);
	if (strncmp(c->status, "2.", 2) == 0)
		return why(c, DELIVERED, "status", c->status);
	if (g_ascii_strcasecmp(c->action, "delivered") == 0 ||
	    g_ascii_strcasecmp(c->action, "expanded") == 0)
		return why(c, DELIVERED, "action", c->action);
	if (r->feedback_type != NULL)
		return why(c, FEEDBACK, "feedback", r->feedback_type);
	if ((reason = by_lda(c)) != NONE || (reason = by_provider(c)) != NONE)
		return reason;
	if (c->smtp_type)
		for (i = 0; probes[i].fn != NULL; i++)
			if ((reason = probes[i].fn(c, probes[i].reason)) != NONE)
				return reason;
	/* A directory lookup names the address whatever the diagnostic's
	 * type (Domino's "X-Notes;"). */
	if (!c->smtp_type && c->mta == NONE &&
	    (ph = br_any(c->text, br_userunknown_anywhere)) != NULL)
		return why_text(c, USERUNKNOWN, ph);
	if (c->mta != NONE && c->mta != UNDEFINED && c->mta != ONHOLD)
		return by_mta(c);
	if ((reason = by_status(c)) != NONE)
		return reason;
	if ((ph = says(c, VACATION)) != NULL)
		return why_text(c, VACATION, ph);
	if (c->text->len > 0 || c->mta == ONHOLD)
		return why(c, ONHOLD, "fallback", "onhold");
	return why(c, UNDEFINED, "fallback", "undefined");
}

static gboolean
hard(const struct ctx *c, enum reason reason)
{
	char class = c->status[0] ? c->status[0] :
	    c->reply ? (char)('0' + c->reply / 100) : '0';

	if (class == '4' || class == '2')
		return FALSE;
	if (reason == USERUNKNOWN || reason == HOSTUNKNOWN ||
	    reason == HASMOVED)
		return TRUE;
	if (reason == NOTACCEPT)
		return strstr(c->text->low, " temporar") == NULL;
	return FALSE;
}

void
bounce_classify(struct bounce_recipient *r, const char *format)
{
	struct ctx c;	/* every field is set by gather */
	enum reason reason;

	char inferred[16];
	const char *code;

	br_init();
	/* An inferred status is ours, not the message's: never an input. */
	if (r->status_source != NULL &&
	    strcmp(r->status_source, "inferred") == 0) {
		g_free(r->status);
		r->status = NULL;
	}
	c.rule[0] = '\0';
	gather(&c, r, format);
	reason = decide(&c, r);
	r->reason = bounce_reasons[reason];
	r->hard_bounce = hard(&c, reason);
	g_free(r->rule);
	r->status_source = r->status != NULL ? "stated" : NULL;
	if (r->status == NULL && (code = br_status_inferred(r->reason,
	    r->action, r->reply_code, inferred, sizeof(inferred))) != NULL) {
		r->status = g_strdup(code);
		r->status_source = "inferred";
		r->rule = g_strdup_printf("%s;status-inferred:%s", c.rule,
		    code);
	} else
		r->rule = g_strdup(c.rule);
}
