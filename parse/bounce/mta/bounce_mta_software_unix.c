/* bounce_mta_software_unix.c - the Unix MTAs' bounces: Postfix (its
 * paragraphs, its DSN, the postmaster's "errors from" transcript),
 * Sendmail and V5 Sendmail (">>>"/"<<<" transcripts), Exim, qmail and
 * its look-alikes (X2, X4), the other unnamed families X1, X3, X5, X6,
 * DragonFly (DMA), OpenSMTPD and Courier.
 *
 * One match/scan pair per MTA (the rows of bounce_mtas_software[] in
 * bounce_mta_software.c), each mostly a struct layout and the phrases in
 * which that MTA states a reason; see bounce_mta_software_text.c.
 */
#include <string.h>

#include "bounce_mta_software.h"

/* Postfix: "<a@b>: host mx[192.0.2.1] said: 550 ... (in reply to RCPT TO
 * command)" paragraphs, usually with a DSN; also the "errors from"
 * transcript it sends the postmaster. */

static const char *const postfix_subjects[] = {
	"Undelivered Mail Returned to Sender",
	"Delayed Mail (still being retried)",
	"Mail Delivery Status Report",
	"Successful Mail Delivery Report",
	"Postfix SMTP server: errors from",
	NULL,
};
static const char *const postfix_end[] = {
	"--- Undelivered message follows", "--- Delivery error report",
	"Reporting-MTA:", "Final-Recipient:", "Content-Type: message/",
	"Content-Description:", NULL,
};
static const char *const postfix_reporter[] = {
	"mail system at host ", "Postfix program at host ", NULL,
};
static const struct layout postfix_layout = {
	.begin = NULL, .end = postfix_end, .form = RF_ANGLE,
	.max_indent = 1, .flags = L_BLANK_ENDS,
};

gboolean
sw_match_postfix(const struct bounce_input *in)
{
	if (sw_provider_bounce(in))
		return FALSE;
	return sw_subject_starts(in, postfix_subjects) &&
	    bounce_header(in, "X-AOL-IP") == NULL;
}

/* "Postfix SMTP server: errors from host[ip]": the recipients are the
 * RCPT TO lines of the client's session, the error the first 4xx/5xx
 * line the server sent, the command the client's line before it. */
static int
postfix_transcript(const struct bounce_input *in, struct bounce_report *b)
{
	GPtrArray *hints = sw_hints_new();
	const char *pos, *end, *cmd = NULL, *errcmd = NULL;
	struct line l, t, err = { NULL, 0 };
	guint i;
	int n;

	if (sw_body(in, &pos, &end))
		while (sw_next_line(&pos, end, &l)) {
			t = sw_trimmed(l);
			if (sw_ci_prefix(t.p, t.n, "In:")) {
				t.p += 3, t.n -= 3;
				t = sw_trimmed(t);
				cmd = sw_command_word(t.p, t.n);
				if (sw_ci_prefix(t.p, t.n, "RCPT TO:"))
					sw_hint_new(hints, sw_addr_in(t.p,
					    t.p + t.n, NULL));
			} else if (sw_ci_prefix(t.p, t.n, "Out:") &&
			    err.p == NULL) {
				t.p += 4, t.n -= 4;
				t = sw_trimmed(t);
				if (t.n > 0 &&
				    (t.p[0] == '4' || t.p[0] == '5')) {
					err = t;
					errcmd = cmd;
				}
			}
		}
	for (i = 0; i < hints->len && err.p != NULL; i++) {
		struct hint *h = g_ptr_array_index(hints, i);

		sw_hint_add(h, err.p, err.n);
		h->cmd = errcmd;
	}
	n = err.p != NULL ? sw_hints_commit(in, b, hints, NULL, FALSE) : 0;
	g_ptr_array_free(hints, TRUE);
	return n;
}

int
sw_scan_postfix(const struct bounce_input *in, struct bounce_report *b)
{
	int n;

	if (sw_str_prefix(in->subject, "Postfix SMTP server: errors from"))
		return postfix_transcript(in, b);
	n = sw_scan_with(in, b, &postfix_layout, FALSE);
	/* "--- Delivery report unavailable ---": Postfix lost the reasons;
	 * the copy's To: is all that says who did not get it. */
	if (n == 0 && sw_text_has(in, "Delivery report unavailable"))
		n = sw_rcpt_from_original(in, b);
	if (n > 0)
		sw_reporter(in, b, postfix_reporter);
	return n;
}

/* ------------------------------------------------------------------ */
/* Sendmail: "----- The following addresses had permanent fatal errors
 * -----", then "----- Transcript of session follows -----" with ">>>"
 * commands and "<<<" replies, and (nearly always) a DSN, sometimes pasted
 * into a body that has no MIME headers. */

static const char *const sendmail_subjects[] = {
	"Returned mail: ", "Warning: could not send message",
	"Postmaster warning: ", "Postmaster notify: ", NULL,
};
static const char *const sendmail_lists[] = {
	"----- The following addresses had",
	"----- The following addresses have",
	NULL,
};
static const char *const sendmail_transcript[] = {
	"----- Transcript of session follows -----", NULL,
};
static const char *const sendmail_end[] = {
	"----- Transcript of session follows", "----- Original message",
	"----- Message header", "----- Unsent message", "Content-Type:",
	"Reporting-MTA:", "Final-Recipient:", "--", NULL,
};

static gboolean
sendmail_list_hook(const struct layout *lay, struct line l,
    GPtrArray *hints, struct hint **cur)
{
	struct line t = sw_trimmed(l);
	const char *end = t.p + t.n;

	/* "    (expanded from: <alias@example.com>)" */
	if (*cur != NULL && sw_ci_prefix(t.p, t.n, "(expanded from:")) {
		if ((*cur)->orig == NULL)
			(*cur)->orig = sw_addr_in(t.p, end, NULL);
		return TRUE;
	}
	/* "    (reason: 550 5.1.1 User unknown)": keep only the reason */
	if (*cur != NULL && sw_ci_prefix(t.p, t.n, "(reason:")) {
		t.p += 8, t.n -= 8;
		if (t.n > 0 && t.p[t.n - 1] == ')')
			t.n--;
		sw_hint_add(*cur, t.p, t.n);
		return TRUE;
	}
	/* a bare "user@example.com" line opens a recipient too */
	if (sw_indent(&l) == 0 && t.n > 0 && t.p[0] != '<') {
		char *a = sw_addr_at(t.p, end, NULL);

		if (a != NULL) {
			*cur = sw_hint_new(hints, a);
			return TRUE;
		}
	}
	return FALSE;
}

static const struct layout sendmail_layout = {
	.begin = sendmail_lists, .end = sendmail_end, .form = RF_ANGLE,
	.max_indent = 0, .flags = L_LOOSE | L_BLANK_ENDS,
	.hook = sendmail_list_hook,
};

/* What the transcript says: the command of the first error, its reply
 * (continuation lines joined), the host talked to, and per-address lines
 * such as "550 5.1.1 <a@b>... User unknown" or "<a@b>... Deferred: ...". */
struct transcript {
	int code;		/* of the reply kept */
	const char *cmd;
	char *rcpt;		/* the address its RCPT named, or NULL */
	char *host;
	GString *reply;
	GPtrArray *notes;	/* struct hint, one per address line */
	GString *other;		/* "Message could not be delivered for ..." */
};

static void
transcript_read(const struct bounce_input *in, struct transcript *tr)
{
	const char *pos, *end, *last_cmd = NULL;
	char *talking = NULL, *last_rcpt = NULL;
	struct line l, t;
	gboolean in_reply = FALSE;

	memset(tr, 0, sizeof(*tr));
	tr->reply = g_string_new(NULL);
	tr->other = g_string_new(NULL);
	tr->notes = sw_hints_new();
	if ((pos = sw_text_line_with(in, sendmail_transcript)) == NULL)
		return;
	end = in->text + in->text_len;
	sw_next_line(&pos, end, &l);
	while (sw_next_line(&pos, end, &l)) {
		t = sw_trimmed(l);
		if (l.n > 0 && sw_starts_any(l, sendmail_end) &&
		    !sw_ci_prefix(t.p, t.n, "----- Transcript"))
			break;
		if (t.n == 0)
			continue;
		if (sw_ci_find(t.p, t.n, "while talking to ") != NULL) {
			char *s = g_strndup(t.p, t.n);

			g_free(talking);
			talking = sw_find_host(s);
			g_free(s);
			continue;
		}
		if (sw_ci_prefix(t.p, t.n, ">>> ")) {
			last_cmd = sw_command_word(t.p + 4, t.n - 4);
			g_clear_pointer(&last_rcpt, g_free);
			if (last_cmd != NULL && strcmp(last_cmd, "RCPT") == 0)
				last_rcpt = sw_addr_in(t.p + 4, t.p + t.n,
				    NULL);
			in_reply = FALSE;
			continue;
		}
		if (sw_ci_prefix(t.p, t.n, "<<< ")) {
			int code = sw_reply_at(t.p, t.n, 4);

			/* the first error, or a permanent one after a
			 * transient from another host ("450 busy") */
			if (!in_reply && code >= 400 && (tr->reply->len == 0 ||
			    (code >= 500 && tr->code < 500))) {
				g_string_truncate(tr->reply, 0);
				g_free(tr->host);
				tr->host = g_strdup(talking);
				tr->cmd = last_cmd;
				g_free(tr->rcpt);
				tr->rcpt = g_strdup(last_rcpt);
				tr->code = code;
				in_reply = TRUE;
			}
			if (in_reply) {
				sw_reply_add(tr->reply, t.p + 4, t.n - 4);
				/* "550-..." continues, "550 ..." ends */
				in_reply = t.n > 7 && t.p[7] == '-';
			}
			continue;
		}
		in_reply = FALSE;
		if (g_strstr_len(t.p, (gssize)t.n, "... ") != NULL) {
			const char *dots = g_strstr_len(t.p, (gssize)t.n,
			    "... ");
			struct hint *h = sw_hint_new(tr->notes,
			    sw_addr_in(t.p, dots, NULL));

			if (h != NULL) {
				sw_hint_add(h, t.p, t.n);
				h->status = sw_find_status(h->diag->str);
			}
			continue;
		}
		sw_text_add(tr->other, t.p, t.n);
	}
	g_free(talking);
	g_free(last_rcpt);
}

static void
transcript_free(struct transcript *tr)
{
	g_free(tr->host);
	g_free(tr->rcpt);
	g_string_free(tr->reply, TRUE);
	g_string_free(tr->other, TRUE);
	g_ptr_array_free(tr->notes, TRUE);
}

/* Put what the transcript says about h->addr into h: its own line, else
 * the session's failing reply; the session's command and host.  Issue 14,
 * family 12: the session is about h only when its refused RCPT named h,
 * or it named nobody (DATA) and h's own reason is empty or has the same
 * reply code, or h is the only recipient; another recipient keeps its own "(reason: ...)" and its own
 * transcript line ("<h>... Deferred: Connection refused by ..."). */
static void
transcript_apply(struct transcript *tr, struct hint *h, gboolean only)
{
	struct hint *note = NULL;
	gboolean about_h;
	guint i;

	for (i = 0; i < tr->notes->len && note == NULL; i++) {
		struct hint *x = g_ptr_array_index(tr->notes, i);

		if (x->addr != NULL && h->addr != NULL &&
		    g_ascii_strcasecmp(x->addr, h->addr) == 0)
			note = x;
	}
	if (note == NULL && only && tr->notes->len == 1)
		note = g_ptr_array_index(tr->notes, 0);
	about_h = only || (tr->rcpt != NULL ? h->addr != NULL &&
	    g_ascii_strcasecmp(tr->rcpt, h->addr) == 0 :
	    h->diag->len == 0 || sw_find_reply(h->diag->str) == tr->code);
	if (about_h && tr->reply->len > h->diag->len) {
		g_string_assign(h->diag, tr->reply->str);
		h->reply = sw_find_reply(tr->reply->str);
	} else if (note != NULL && h->diag->len == 0)
		g_string_assign(h->diag, note->diag->str);
	if (h->diag->len == 0 && tr->other->len > 0)
		g_string_assign(h->diag, tr->other->str);
	if (note != NULL && note->status != NULL && h->status == NULL)
		h->status = g_strdup(note->status);
	if (!about_h)
		return;
	if (h->cmd == NULL)
		h->cmd = tr->cmd;
	if (h->host == NULL)
		h->host = g_strdup(tr->host);
}

gboolean
sw_match_sendmail(const struct bounce_input *in)
{
	static const char *const transcript[] = { "see transcript for details",
	    NULL };

	if (sw_provider_bounce(in))
		return FALSE;
	if (bounce_header(in, "X-AOL-IP") != NULL)
		return FALSE;
	return sw_subject_has(in, transcript) ||
	    (sw_subject_starts(in, sendmail_subjects) &&
	    (in->dsn != NULL ||
	    sw_text_line_with(in, sendmail_lists) != NULL ||
	    sw_text_has(in, "Final-Recipient:")));
}

/* Sendmail's own words for a message that timed out in its queue: the
 * transcript's "Message could not be delivered for 5 days", the subject's
 * "Cannot send message for 5 days" (a delay warning, "could not send
 * message for past 4 hours", says nothing final). */
static const struct phrase sendmail_reasons[] = {
	{ "could not be delivered for", "expired" },
	{ "Cannot send message for", "expired" },
	{ NULL, NULL },
};

int
sw_scan_sendmail(const struct bounce_input *in, struct bounce_report *b)
{
	GPtrArray *hints = sw_hints_new();
	struct transcript tr;
	const char *why;
	guint i;
	int n;

	sw_scan_layout(in, &sendmail_layout, hints);
	transcript_read(in, &tr);
	why = sw_phrase_lookup(tr.other->str, sendmail_reasons);
	if (why == NULL)
		why = sw_phrase_lookup(in->subject, sendmail_reasons);
	/* no usable address line: the DSN's only recipient gets the
	 * transcript through an address-less hint */
	if (hints->len == 0)
		sw_hint_new(hints, NULL);
	for (i = 0; i < hints->len; i++) {
		struct hint *h = g_ptr_array_index(hints, i);

		transcript_apply(&tr, h, hints->len == 1);
		h->reason = why;
	}
	transcript_free(&tr);
	n = sw_hints_commit(in, b, hints, NULL, TRUE);
	g_ptr_array_free(hints, TRUE);
	return n;
}

/* V5 Sendmail: no DSN; "----- Transcript of session follows -----" with
 * "554 <a@b>... Remote protocol error" lines, then "----- Unsent message
 * follows -----" and the message itself. */

static const char *const v5sendmail_unsent[] = {
	"----- Unsent message follows -----",
	"----- No message was collected -----", NULL,
};

gboolean
sw_match_v5sendmail(const struct bounce_input *in)
{
	static const char *const subjects[] = { "Returned mail: ", NULL };

	if (sw_provider_bounce(in))
		return FALSE;
	return in->dsn == NULL && sw_subject_starts(in, subjects);
}

/* The value of header name in the message copied after one of markers
 * into the text, owned, or NULL. */
static char *
copied_header(const struct bounce_input *in, const char *const *markers,
    const char *name)
{
	const char *pos, *end;
	struct line l;
	gsize k = strlen(name);

	if ((pos = sw_text_line_with(in, markers)) == NULL)
		return NULL;
	end = in->text + in->text_len;
	sw_next_line(&pos, end, &l);
	while (sw_next_line(&pos, end, &l)) {
		if (l.n == 0)
			break;
		if (l.n > k && l.p[k] == ':' && sw_ci_prefix(l.p, l.n, name))
			return g_strndup(l.p + k + 1, l.n - k - 1);
	}
	return NULL;
}

int
sw_scan_v5sendmail(const struct bounce_input *in, struct bounce_report *b)
{
	static const struct phrase reasons[] = {
		{ "Cannot send message for", "expired" },
		{ "could not be delivered for", "expired" },
		{ NULL, NULL },
	};
	GPtrArray *hints = sw_hints_new();
	struct transcript tr;
	char *to;
	guint i;
	int n;

	if (sw_text_line_with(in, sendmail_transcript) == NULL ||
	    sw_text_line_with(in, v5sendmail_unsent) == NULL) {
		g_ptr_array_free(hints, TRUE);
		return 0;
	}
	transcript_read(in, &tr);
	for (i = 0; i < tr.notes->len; i++) {
		struct hint *x = g_ptr_array_index(tr.notes, i);

		if (x->addr != NULL)
			sw_hint_new(hints, g_strdup(x->addr));
	}
	/* "421 example.com (smtp)... Deferred": no address; the copy's To:
	 * is the recipient */
	if (hints->len == 0 && (to = copied_header(in, v5sendmail_unsent,
	    "To")) != NULL) {
		sw_hint_new(hints, bounce_address(to));
		g_free(to);
	}
	for (i = 0; i < hints->len; i++) {
		struct hint *h = g_ptr_array_index(hints, i);

		transcript_apply(&tr, h, hints->len == 1);
		if (h->reason == NULL)
			h->reason = sw_phrase_lookup(in->subject, reasons);
	}
	transcript_free(&tr);
	n = sw_hints_commit(in, b, hints, reasons, TRUE);
	g_ptr_array_free(hints, TRUE);
	return n;
}

/* ------------------------------------------------------------------ */
/* Exim: "  a@b" indented two blanks, its text indented four; "pipe to
 * |..." and "save to ..." stand for a recipient named by "generated by"
 * or X-Failed-Recipients. */

static const char *const exim_begin[] = {
	"This message was created automatically by mail delivery software",
	"A message that you sent was rejected by the local scan",
	"A message that you sent contained one or more recipient addresses",
	"A message that you sent could not be delivered to all of its",
	"has been frozen", "was frozen on arrival",
	"router encountered the following error(s)",
	NULL,
};
static const char *const exim_end[] = {
	"------ This is a copy of", "------ The body of the message",
	"Content-Type: message/", "Content-type: message/delivery-status",
	NULL,
};
static const char *const exim_subjects[] = {
	"Mail delivery failed", "Warning: message ",
	"Delivery Status Notification", "Mail failure", "Message frozen",
	"error(s) in forwarding or filtering", NULL,
};
/* Reasons in Exim's own words (deliver.c, route.c, transports/, the
 * retry logic); the first that matches wins, so "mailbox is full:
 * retry timeout exceeded" is mailboxfull. */
const struct phrase sw_exim_reasons[] = {
	{ "all host address lookups failed permanently", "hostunknown" },
	{ "all relevant MX records point to non-existent hosts",
	    "hostunknown" },
	{ "Unrouteable address", "hostunknown" },
	{ "mailbox is full", "mailboxfull" },
	{ "error: quota exceed", "mailboxfull" },
	{ "an MX or SRV record indicated no SMTP service", "notaccept" },
	{ "no host found for existing SMTP connection", "notaccept" },
	{ "angle-brackets nested too deep", "syntaxerror" },
	{ "expected word or \"<\"", "syntaxerror" },
	{ "domain missing in source-routed address", "syntaxerror" },
	{ "malformed address:", "syntaxerror" },
	{ "delivery to file forbidden", "systemerror" },
	{ "delivery to pipe forbidden", "systemerror" },
	{ "local delivery failed", "systemerror" },
	{ "LMTP error after ", "systemerror" },
	{ "Too many \"Received\" headers", "contenterror" },
	{ "retry timeout exceeded", "expired" },
	{ "retry time not reached for any host after a long failure period",
	    "expired" },
	{ "all hosts have been failing for a long time", "expired" },
	{ "has been frozen", "expired" },
	{ "was frozen on arrival", "expired" },
	{ NULL, NULL },
};

/* The end of the first word of t. */
static const char *
word_end(struct line t)
{
	const char *e = t.p;

	while (e < t.p + t.n && *e != ' ' && *e != '\t')
		e++;
	return e;
}

static gboolean
exim_hook(const struct layout *lay, struct line l, GPtrArray *hints,
    struct hint **cur)
{
	struct line t = sw_trimmed(l);
	gsize ind = sw_indent(&l);
	const char *end = t.p + t.n, *g;
	char *a;

	/* "    (generated from a@b)", "    generated by a@b" */
	if (*cur != NULL && ind > 2 &&
	    ((g = sw_ci_find(t.p, t.n, "generated from ")) != NULL ||
	    (g = sw_ci_find(t.p, t.n, "generated by ")) != NULL) &&
	    g - t.p < 16) {
		if ((a = sw_addr_in(g, end, NULL)) != NULL) {
			if ((*cur)->addr == NULL)
				(*cur)->addr = a;
			else if ((*cur)->orig == NULL &&
			    g_ascii_strcasecmp(a, (*cur)->addr) != 0)
				(*cur)->orig = a;
			else
				g_free(a);
		}
		return TRUE;
	}
	/* what the transport said, after the list: the last recipient's */
	if (sw_ci_prefix(t.p, t.n, "The following text was generated "
	    "during the delivery attempt") && hints->len > 0) {
		*cur = g_ptr_array_index(hints, hints->len - 1);
		(*cur)->sticky = TRUE;
		return TRUE;
	}
	/* "  pipe to |/usr/bin/prog", "  save to /var/mail/x", "  an
	 * undisclosed address", "  kijitora": a recipient without an address
	 * yet ("generated by" or X-Failed-Recipients names it) */
	if (ind >= 1 && ind <= 3 && t.n > 0 && t.p[0] != '(' &&
	    t.p[0] != '<' && memchr(t.p, '@', (gsize)(word_end(t) - t.p))
	    == NULL) {
		if ((*cur = sw_hint_new(hints, NULL)) != NULL) {
			sw_hint_add(*cur, t.p, t.n);
			if (sw_ci_prefix(t.p, t.n, "pipe to "))
				(*cur)->reason = "mailererror";
		}
		return TRUE;
	}
	return FALSE;
}

static const struct layout exim_layout = {
	.begin = exim_begin, .end = exim_end, .form = RF_INDENT,
	.max_indent = 3, .flags = L_BLANK_ENDS, .reasons = sw_exim_reasons,
	.hook = exim_hook,
};

/* Exim's bounce Message-ID: "<E1P1ce6-000Egt-GZ@host>" (7-6-2, and the
 * longer ids of Exim 4.97). */
static gboolean
exim_message_id(const char *id)
{
	gsize a = 0, b = 0, c = 0;

	if (id == NULL)
		return FALSE;
	if (*id == '<')
		id++;
	while (g_ascii_isalnum(*id))
		id++, a++;
	if (*id++ != '-')
		return FALSE;
	while (g_ascii_isalnum(*id))
		id++, b++;
	if (*id++ != '-')
		return FALSE;
	while (g_ascii_isalnum(*id))
		id++, c++;
	return *id == '@' && a >= 6 && a <= 8 && b >= 6 && b <= 11 &&
	    c >= 2 && c <= 4;
}

/* Two of: Exim's From, Exim's Message-ID, X-Failed-Recipients, one of
 * its subjects; the From or the Message-ID must be one of them, as Gmail
 * also sets X-Failed-Recipients. */
gboolean
sw_match_exim(const struct bounce_input *in)
{
	int own, points;

	if (sw_provider_bounce(in))
		return FALSE;
	own = sw_str_prefix(in->from, "Mail Delivery System") +
	    exim_message_id(bounce_header(in, "Message-ID"));
	points = own + (bounce_header(in, "X-Failed-Recipients") != NULL) +
	    sw_subject_starts(in, exim_subjects);
	return own > 0 && points >= 2;
}

int
sw_scan_exim(const struct bounce_input *in, struct bounce_report *b)
{
	GPtrArray *hints = sw_hints_new();
	const char *failed = bounce_header(in, "X-Failed-Recipients");
	char **list = failed ? g_strsplit(failed, ",", 64) : NULL;
	guint i, k = 0;
	int n;

	sw_scan_layout(in, &exim_layout, hints);
	/* recipients the text names without an address take the header's
	 * addresses, in order; no recipient at all: the header's alone */
	for (i = 0; list != NULL && i < hints->len; i++) {
		struct hint *h = g_ptr_array_index(hints, i);

		while (h->addr == NULL && list[k] != NULL)
			h->addr = bounce_address(list[k++]);
	}
	if (hints->len == 0)
		for (k = 0; list != NULL && list[k] != NULL; k++)
			sw_hint_new(hints, bounce_address(list[k]));
	g_strfreev(list);
	/* a delay warning: Exim will keep trying, the sender need not */
	if (sw_text_has(in, "No action is required on your part"))
		for (i = 0; i < hints->len; i++) {
			struct hint *h = g_ptr_array_index(hints, i);

			sw_hint_derive(h, sw_exim_reasons);
			if (h->reason == NULL)
				h->reason = "expired";
		}
	n = sw_hints_commit(in, b, hints, sw_exim_reasons, TRUE);
	g_ptr_array_free(hints, TRUE);
	return n;
}

/* ------------------------------------------------------------------ */
/* qmail (and the X4 family of qmail-alikes): "<a@b>:" then the text,
 * "--- Below this line is a copy of the message." */

static const char *const qmail_end[] = {
	"--- Below this line is a copy of the message",
	"--- Enclosed is a copy of the message",
	"--- Original message follows", NULL,
};
/* qmail-remote, qmail-local, qmail-send and the qmail-ldap patch */
static const struct phrase qmail_reasons[] = {
	{ "no mailbox here by that name", "userunknown" },
	{ "disk quota exceeded", "mailboxfull" },
	{ "Message size exceeds fixed maximum message size", "emailtoolarge" },
	{ "The message exeeded the maximum size the user accepts",
	    "emailtoolarge" },
	/* family 12: "by that name (#4.1.2)" is a name server that did
	 * not answer, retried until the queue gave up; "named x (#5.1.2)"
	 * the answer that x does not exist */
	{ "Sorry, I couldn't find any host by that name", "networkerror" },
	{ "Sorry, I couldn't find any host", "hostunknown" },
	{ "Requested action not taken: mailbox unavailable (not enough free "
	    "space)", "systemfull" },
	{ "Sorry, I wasn't able to establish an SMTP connection",
	    "networkerror" },
	/* Issue 14, family 12: each paragraph's own qmail-remote sentence
	 * says why, "in the queue too long" (qmail-send's closing line)
	 * only when it names no cause.  No MX and no address, or a Null MX
	 * (notqmail, #5.4.4): the domain names no host that takes mail. */
	{ "Sorry, I couldn't find a mail exchanger or IP address",
	    "notaccept" },
	/* family 12: the connection broke (#4.4.2, RFC 3463 "bad
	 * connection") */
	{ "but connection died", "networkerror" },
	{ "Although I'm listed as a best-preference MX or A for that host",
	    "networkerror" },
	{ "but my name was rejected", "blocked" },
	{ "but sender was rejected", "rejected" },
	{ "Mailaddress is administratively disabled", "suspend" },
	{ "Mailaddress is administrativley disabled", "suspend" },
	{ "Automatic homedir creator crashed", "systemerror" },
	{ "Illegal value in LDAP attribute", "systemerror" },
	{ "LDAP attribute is not given but mandatory", "systemerror" },
	{ "Timeout while performing search on LDAP server", "systemerror" },
	{ "Too many results returned but needs to be unique", "systemerror" },
	{ "error while executing qmail-forward", "systemerror" },
	{ "error in automatic homedir creation", "systemerror" },
	{ "Temporary failure in LDAP lookup", "systemerror" },
	{ "Unable to contact LDAP server", "systemerror" },
	{ "Unable to login into LDAP server", "systemerror" },
	{ "bad interpreter: No such file or directory", "systemerror" },
	{ "this message has been in the queue too long", "expired" },
	{ NULL, NULL },
};
static const struct layout qmail_layout = {
	.end = qmail_end, .form = RF_ANGLE, .max_indent = 1,
	.flags = L_BLANK_ENDS, .reasons = qmail_reasons,
};
static const char *const qmail_reporter[] = {
	"This is the qmail-send program at ", NULL,
};

gboolean
sw_match_qmail(const struct bounce_input *in)
{
	static const char *const subjects[] = {
		"failure notice", "Permanent Delivery Failure", NULL,
	};

	if (sw_provider_bounce(in))
		return FALSE;
	/* qmail-send's banner names it whatever the subject says (it is a
	 * setting: "failure notice" only by default) */
	return (sw_subject_starts(in, subjects) && (sw_daemon_sender(in) ||
	    sw_text_line_with(in, qmail_end) != NULL)) ||
	    sw_received_has(in, "invoked for bounce") ||
	    (sw_text_line_with(in, qmail_reporter) != NULL &&
	    sw_text_line_with(in, qmail_end) != NULL);
}

int
sw_scan_qmail(const struct bounce_input *in, struct bounce_report *b)
{
	GPtrArray *hints = sw_hints_new();
	guint i;
	int n;

	sw_scan_layout(in, &qmail_layout, hints);
	for (i = 0; i < hints->len; i++) {
		struct hint *h = g_ptr_array_index(hints, i);

		sw_hint_derive(h, qmail_reasons);
		/* "queue too long" after a remote reply: the reply says why */
		if (h->reason != NULL && strcmp(h->reason, "expired") == 0 &&
		    sw_ci_find(h->diag->str, h->diag->len,
		    "Remote host said:"))
			h->reason = NULL;
	}
	n = sw_hints_commit(in, b, hints, NULL, FALSE);
	g_ptr_array_free(hints, TRUE);
	if (n > 0)
		sw_reporter(in, b, qmail_reporter);
	return n;
}

/* ------------------------------------------------------------------ */
/* DragonFly Mail Agent: "There was an error delivering your mail to
 * <a@b>.", then "mx [192.0.2.1] did not like our RCPT TO:" and the
 * reply. */

static const char *const dma_begin[] = { "This is the DragonFly Mail Agent",
	NULL };
static const char *const dma_end[] = { "Original message follows.",
	"Message headers follow", NULL };
static const char *const dma_prefix[] = {
	"There was an error delivering your mail to", NULL,
};
static const struct phrase dma_reasons[] = {
	{ "Could not deliver for the last ", "expired" },
	{ "DNS lookup failure: host ", "hostunknown" },
	{ NULL, NULL },
};
static const struct layout dma_layout = {
	.begin = dma_begin, .end = dma_end, .form = RF_PREFIX,
	.prefix = dma_prefix, .flags = L_FIRST_ONLY, .reasons = dma_reasons,
};

gboolean
sw_match_dragonfly(const struct bounce_input *in)
{
	static const char *const subjects[] = { "Mail delivery failed", NULL };

	if (sw_provider_bounce(in))
		return FALSE;
	return sw_subject_has(in, subjects) &&
	    (sw_received_has(in, "DragonFly Mail Agent") ||
	    sw_text_line_with(in, dma_begin) != NULL);
}

int
sw_scan_dragonfly(const struct bounce_input *in, struct bounce_report *b)
{
	int n = sw_scan_with(in, b, &dma_layout, FALSE);

	if (n > 0)
		sw_reporter(in, b, dma_begin);
	return n;
}

/* ------------------------------------------------------------------ */
/* OpenSMTPD: "a@b: reason" lines between its indented paragraphs. */

static const char *const opensmtpd_begin[] = {
	"This is the MAILER-DAEMON, please DO NOT REPLY", NULL,
};
static const char *const opensmtpd_end[] = {
	"Below is a copy of the original message",
	"Please note that this is only a temporary failure report", NULL,
};
/* smtpd's own texts (mta.c, mta_session.c, queue) */
static const struct phrase opensmtpd_reasons[] = {
	{ "Envelope expired", "expired" },
	{ "Invalid domain name", "hostunknown" },
	{ "Domain does not exist", "hostunknown" },
	{ "Destination seem to reject all mails", "notaccept" },
	{ "No MX found for domain", "notaccept" },
	{ "No MX found for destination", "notaccept" },
	{ "Address family mismatch on destination MXs", "networkerror" },
	{ "All routes to destination blocked", "networkerror" },
	{ "bad DNS lookup error code", "networkerror" },
	{ "Could not retrieve source address", "networkerror" },
	{ "Loop detected", "networkerror" },
	{ "Network error on destination MXs", "networkerror" },
	{ "No valid route to remote MX", "networkerror" },
	{ "No valid route to destination", "networkerror" },
	{ "Temporary failure in MX lookup", "networkerror" },
	{ "Could not retrieve credentials", "securityerror" },
	{ NULL, NULL },
};
static const struct layout opensmtpd_layout = {
	.begin = opensmtpd_begin, .end = opensmtpd_end, .form = RF_BARE,
	.max_indent = 0, .flags = L_BLANK_ENDS, .reasons = opensmtpd_reasons,
};

gboolean
sw_match_opensmtpd(const struct bounce_input *in)
{
	static const char *const subjects[] = { "Delivery status notification",
	    NULL };

	if (sw_provider_bounce(in))
		return FALSE;
	return sw_subject_starts(in, subjects) &&
	    (sw_str_has(in->from, "Mailer Daemon") ||
	    sw_received_has(in, "(OpenSMTPD)"));
}

int
sw_scan_opensmtpd(const struct bounce_input *in, struct bounce_report *b)
{
	return sw_scan_with(in, b, &opensmtpd_layout, FALSE);
}

/* ------------------------------------------------------------------ */
/* sisimai's unnamed families.  X1: "a@b [reason]" after "---The following
 * addresses had delivery errors---".  X2: qmail-like "<a@b>:" paragraphs
 * after "Unable to deliver message to the following address(es)".  X3:
 * "* a@b" then "Technical details:".  X5: a DSN from a MIME-encoded
 * "Mail Delivery Subsystem".  X6: "The following recipients returned
 * permanent errors: a@b. Reason: ..." */

static const char *const x1_begin[] = {
	"The following addresses had delivery errors", NULL,
};
static const char *const x1_end[] = { "Received:", "From:", NULL };
static const struct layout x1_layout = {
	.begin = x1_begin, .end = x1_end, .form = RF_BARE,
	.max_indent = 0, .flags = L_BLANK_ENDS,
};

gboolean
sw_match_x1(const struct bounce_input *in)
{
	static const char *const subjects[] = { "Returned Mail: ", NULL };

	if (sw_provider_bounce(in))
		return FALSE;
	return sw_subject_starts(in, subjects) &&
	    sw_str_has(in->from, "Mail Deliver System");
}

int
sw_scan_x1(const struct bounce_input *in, struct bounce_report *b)
{
	return sw_scan_with(in, b, &x1_layout, FALSE);
}

static const char *const x2_begin[] = {
	"Unable to deliver message to the following address", NULL,
};
static const struct layout x2_layout = {
	.begin = x2_begin, .end = qmail_end, .form = RF_ANGLE,
	.max_indent = 0, .flags = L_BLANK_ENDS, .reasons = qmail_reasons,
};

gboolean
sw_match_x2(const struct bounce_input *in)
{
	static const char *const subjects[] = {
		"Delivery failure", "failure delivery", "failed delivery",
		NULL,
	};

	if (sw_provider_bounce(in))
		return FALSE;
	return sw_str_has(in->from, "MAILER-DAEMON@") &&
	    sw_subject_starts(in, subjects);
}

int
sw_scan_x2(const struct bounce_input *in, struct bounce_report *b)
{
	return sw_scan_with(in, b, &x2_layout, FALSE);
}

static const char *const x3_begin[] = {
	"to the following recipients failed", NULL,
};
static const char *const x3_end[] = { "Technical details", NULL };
static const char *const x3_prefix[] = { "* ", NULL };
static const char *const x3_details[] = { "Technical details:", NULL };
static const char *const x3_details_end[] = { "=====", NULL };
static const struct layout x3_layout = {
	.begin = x3_begin, .end = x3_end, .form = RF_PREFIX,
	.prefix = x3_prefix, .max_indent = 8, .flags = L_BLANK_ENDS,
};

gboolean
sw_match_x3(const struct bounce_input *in)
{
	static const char *const subjects[] = { "Delivery status notification",
	    NULL };

	if (sw_provider_bounce(in))
		return FALSE;
	return sw_str_prefix(in->from, "Mail Delivery System") &&
	    sw_subject_starts(in, subjects);
}

int
sw_scan_x3(const struct bounce_input *in, struct bounce_report *b)
{
	GPtrArray *hints = sw_hints_new();
	GString *details = g_string_new(NULL);
	int n;

	sw_scan_layout(in, &x3_layout, hints);
	sw_section_text(in, x3_details, x3_details_end, details);
	if (hints->len == 1)
		sw_hint_add(g_ptr_array_index(hints, 0), details->str,
		    details->len);
	g_string_free(details, TRUE);
	n = sw_hints_commit(in, b, hints, NULL, FALSE);
	g_ptr_array_free(hints, TRUE);
	return n;
}

gboolean
sw_match_x5(const struct bounce_input *in)
{
	if (sw_provider_bounce(in))
		return FALSE;
	return sw_header_has(in, "To", "NotificationRecipients") &&
	    (sw_str_has(in->from, "Mail Delivery Subsystem") ||
	    sw_str_has(in->subject, "Mail Delivery Subsystem"));
}

int
sw_scan_x5(const struct bounce_input *in, struct bounce_report *b)
{
	return sw_read_dsn(in, b);
}

static const char *const x6_begin[] = { "error(s):", NULL };
static const char *const x6_end[] = {
	"The attachment contains the original mail headers", NULL,
};
static const char *const x6_prefix[] = {
	"The following recipients returned permanent errors:",
	"The following recipients returned temporary errors:", NULL,
};
static const struct layout x6_layout = {
	.begin = x6_begin, .end = x6_end, .form = RF_PREFIX,
	.prefix = x6_prefix, .flags = L_BLANK_ENDS,
};

gboolean
sw_match_x6(const struct bounce_input *in)
{
	static const char *const subjects[] = {
		"There was an error sending your mail", NULL,
	};

	if (sw_provider_bounce(in))
		return FALSE;
	return sw_subject_starts(in, subjects);
}

int
sw_scan_x6(const struct bounce_input *in, struct bounce_report *b)
{
	return sw_scan_with(in, b, &x6_layout, FALSE);
}

/* ------------------------------------------------------------------ */
/* Courier: "<a@b>:" then "mx [192.0.2.1]:", ">>> DATA", "<<< 550 ...". */

static const char *const courier_begin[] = {
	"UNDELIVERABLE MAIL", "DELAYS IN DELIVERING YOUR MESSAGE", NULL,
};
static const char *const courier_end[] = {
	"--------", "If your message was also sent to additional recipients",
	NULL,
};
static const struct phrase courier_reasons[] = {
	{ "No such domain.", "hostunknown" },
	{ "This domain's DNS violates RFC 1035.", "systemerror" },
	{ "DNS lookup failed.", "networkerror" },
	{ NULL, NULL },
};
static const struct layout courier_layout = {
	.begin = courier_begin, .end = courier_end, .form = RF_ANGLE,
	.max_indent = 0, .flags = L_BLANK_ENDS, .reasons = courier_reasons,
};
static const char *const courier_reporter[] = {
	"delivery status notification from ", NULL,
};

gboolean
sw_match_courier(const struct bounce_input *in)
{
	static const char *const subjects[] = {
		"NOTICE: mail delivery status.", "WARNING: delayed mail.",
		NULL,
	};

	if (sw_provider_bounce(in))
		return FALSE;
	return sw_str_has(in->from, "Courier mail server at ") ||
	    sw_subject_starts(in, subjects) ||
	    sw_str_prefix(bounce_header(in, "Message-ID"), "<courier.");
}

int
sw_scan_courier(const struct bounce_input *in, struct bounce_report *b)
{
	int n = sw_scan_with(in, b, &courier_layout, FALSE);

	if (n > 0)
		sw_reporter(in, b, courier_reporter);
	return n;
}
