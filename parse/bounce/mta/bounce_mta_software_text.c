/* bounce_mta_software_text.c - the machinery the MTA software
 * recognizers share (declared in bounce_mta_software.h): lines of text,
 * what a diagnostic says (status, reply code, command, remote host),
 * hints and layouts.
 *
 * A scan reads the bounce's human-readable text into hints: an address
 * and the lines about it.  A struct layout says where the recipients are
 * (the marker lines around them), how a recipient line looks, and which
 * phrases state a reason in that MTA's words.  sw_hints_commit then turns
 * hints into recipients, or, when the bounce also carries a delivery-status
 * part (or pastes one into its text), merges them into the DSN's
 * recipients, adding only what the DSN lacks.
 *
 * Hostile input: every pass walks the text once, line by line, within
 * text_len; no string is searched past its length; hints are bounded by
 * BOUNCE_MAX_RECIPIENTS (the rest are counted dropped) and each one's text
 * by MAX_DIAG.
 */
#include <string.h>

#include "bounce_mta_software.h"

/* Lines and strings: every scan works on [p, p + n) slices of in->text. */


/* The next line of [*pos, end) without its line end; FALSE at the end. */
gboolean
sw_next_line(const char **pos, const char *end, struct line *l)
{
	const char *p = *pos, *nl;

	if (p == NULL || p >= end)
		return FALSE;
	nl = memchr(p, '\n', (gsize)(end - p));
	l->p = p;
	l->n = (gsize)((nl ? nl : end) - p);
	if (l->n > 0 && p[l->n - 1] == '\r')
		l->n--;
	*pos = nl ? nl + 1 : end;
	return TRUE;
}

/* l without leading and trailing blanks. */
struct line
sw_trimmed(struct line l)
{
	while (l.n > 0 && g_ascii_isspace(*l.p)) {
		l.p++;
		l.n--;
	}
	while (l.n > 0 && g_ascii_isspace(l.p[l.n - 1]))
		l.n--;
	return l;
}

/* Leading blanks of l. */
gsize
sw_indent(const struct line *l)
{
	gsize i = 0;

	while (i < l->n && (l->p[i] == ' ' || l->p[i] == '\t'))
		i++;
	return i;
}

/* First case-insensitive occurrence of needle in [s, s + n), or NULL. */
const char *
sw_ci_find(const char *s, gsize n, const char *needle)
{
	return bounce_strcasestr(s, n, needle);
}

/* Does [s, s + n) begin with prefix, ignoring case? */
gboolean
sw_ci_prefix(const char *s, gsize n, const char *prefix)
{
	gsize k = strlen(prefix);

	return k <= n && g_ascii_strncasecmp(s, prefix, k) == 0;
}

/* Index+1 of the first string of list found in [s, s + n), 0 if none. */
static int
find_any(const char *s, gsize n, const char *const *list)
{
	int i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		if (sw_ci_find(s, n, list[i]) != NULL)
			return i + 1;
	return 0;
}

/* Does the trimmed line begin with one of list? */
gboolean
sw_starts_any(struct line l, const char *const *list)
{
	int i;

	l = sw_trimmed(l);
	for (i = 0; list != NULL && list[i] != NULL; i++)
		if (sw_ci_prefix(l.p, l.n, list[i]))
			return TRUE;
	return FALSE;
}

gboolean
sw_str_has(const char *s, const char *needle)
{
	return s != NULL && sw_ci_find(s, strlen(s), needle) != NULL;
}

gboolean
sw_str_prefix(const char *s, const char *prefix)
{
	return s != NULL && sw_ci_prefix(s, strlen(s), prefix);
}

/* The text of the bounce as [*p, *end); FALSE when there is none. */
gboolean
sw_body(const struct bounce_input *in, const char **p, const char **end)
{
	if (in->text == NULL || in->text_len == 0)
		return FALSE;
	*p = in->text;
	*end = in->text + in->text_len;
	return TRUE;
}

/* The first line of the text containing one of list, or NULL. */
const char *
sw_text_line_with(const struct bounce_input *in, const char *const *list)
{
	const char *pos, *end;
	struct line l;

	if (!sw_body(in, &pos, &end))
		return NULL;
	while (sw_next_line(&pos, end, &l))
		if (find_any(l.p, l.n, list))
			return l.p;
	return NULL;
}

gboolean
sw_text_has(const struct bounce_input *in, const char *needle)
{
	const char *const list[] = { needle, NULL };

	return sw_text_line_with(in, list) != NULL;
}

/* ------------------------------------------------------------------ */
/* Addresses, codes, commands and hosts inside a line of text. */

static gboolean
addr_char(char c)
{
	return c != '\0' && !g_ascii_isspace(c) &&
	    strchr("<>()[],;:\"'", c) == NULL;
}

/* The address-like token (local@domain) starting at p, bounded by end:
 * an owned, normalised copy, or NULL.  *after points past it. */
char *
sw_addr_at(const char *p, const char *end, const char **after)
{
	const char *q = p, *at = NULL;
	char *tok, *a;

	while (q < end && addr_char(*q)) {
		if (*q == '@')
			at = q;
		q++;
	}
	while (q > p && (q[-1] == '.' || q[-1] == ':'))
		q--;
	if (after != NULL)
		*after = q;
	if (at == NULL || at == p || at + 1 >= q || q - p > 320)
		return NULL;
	tok = g_strndup(p, (gsize)(q - p));
	a = bounce_address(tok);
	g_free(tok);
	return a;
}

/* The first address anywhere in [p, end), or NULL. */
char *
sw_addr_in(const char *p, const char *end, const char **after)
{
	const char *at = p, *s;
	char *a;

	while (at < end && (at = memchr(at, '@', (gsize)(end - at))) != NULL) {
		s = at;
		while (s > p && addr_char(s[-1]))
			s--;
		if ((a = sw_addr_at(s, end, after)) != NULL)
			return a;
		at++;
	}
	return NULL;
}

/* An RFC 3463 status at s[i] ("5.1.1", "4.7.606"), not part of a longer
 * number or an IP address: its length, else 0. */
static gsize
status_len(const char *s, gsize n, gsize i)
{
	gsize j = i, d;

	if (i > 0 && (g_ascii_isalnum(s[i - 1]) || s[i - 1] == '.'))
		return 0;
	if (j >= n || (s[j] != '2' && s[j] != '4' && s[j] != '5'))
		return 0;
	j++;
	if (j >= n || s[j] != '.')
		return 0;
	j++;
	for (d = 0; j < n && g_ascii_isdigit(s[j]) && d < 4; j++)
		d++;
	if (d == 0 || d > 3 || j >= n || s[j] != '.')
		return 0;
	j++;
	for (d = 0; j < n && g_ascii_isdigit(s[j]) && d < 4; j++)
		d++;
	if (d == 0 || d > 3)
		return 0;
	if (j < n && (g_ascii_isalnum(s[j]) ||
	    (s[j] == '.' && j + 1 < n && g_ascii_isdigit(s[j + 1]))))
		return 0;
	return j - i;
}

/* The first status in s, owned, or NULL. */
char *
sw_find_status(const char *s)
{
	gsize n, i, k;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	for (i = 0; i < n; i++)
		if ((k = status_len(s, n, i)) != 0)
			return g_strndup(s + i, k);
	return NULL;
}

/* An SMTP reply code at s[i]: three digits standing alone (after start,
 * blank, '[', '(', ':', '#' or '"'; before blank, '-', end, ']' or ':')
 * and one RFC 5321 / RFC 7504 defines, so that "522" or a size is not
 * taken for one.  0 if not. */
int
sw_reply_at(const char *s, gsize n, gsize i)
{
	static const short known[] = {
		211, 214, 220, 221, 250, 251, 252, 354, 421, 450, 451, 452,
		454, 455, 500, 501, 502, 503, 504, 521, 523, 525, 530, 534,
		535, 538, 550, 551, 552, 553, 554, 555, 556,
	};
	char p, f;
	int code;
	gsize k;

	if (i + 3 > n || !g_ascii_isdigit(s[i]) ||
	    !g_ascii_isdigit(s[i + 1]) || !g_ascii_isdigit(s[i + 2]))
		return 0;
	p = i > 0 ? s[i - 1] : ' ';
	f = i + 3 < n ? s[i + 3] : ' ';
	if (!(g_ascii_isspace(p) || strchr("[(:#\"'", p) != NULL))
		return 0;
	if (!(g_ascii_isspace(f) || strchr("-]:", f) != NULL))
		return 0;
	code = (s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	for (k = 0; k < G_N_ELEMENTS(known); k++)
		if (known[k] == code)
			return code;
	return 0;
}

/* The reply code of a diagnostic: one followed by a status of the same
 * class ("550 5.1.1", "550-5.7.1") wins; else one at the start or after
 * "said:" / "]:" / "<<<" / "error message: [".  0 when none. */
int
sw_find_reply(const char *s)
{
	static const char *const lead[] = {
		"said: ", "said:", "]: ", "<<< ", "message: [", "with: ",
		"failure: ", "response: ", NULL,
	};
	gsize n, i, k;
	int code, j;
	const char *at;

	if (s == NULL)
		return 0;
	n = strlen(s);
	for (i = 0; i < n; i++) {
		if ((code = sw_reply_at(s, n, i)) == 0 || i + 4 >= n)
			continue;
		k = status_len(s, n, i + 4);
		if (k != 0 && s[i + 4] == s[i])
			return code;
	}
	if ((code = sw_reply_at(s, n, 0)) != 0)
		return code;
	for (j = 0; lead[j] != NULL; j++) {
		if ((at = sw_ci_find(s, n, lead[j])) == NULL)
			continue;
		i = (gsize)(at - s) + strlen(lead[j]);
		while (i < n && s[i] == ' ')
			i++;
		if ((code = sw_reply_at(s, n, i)) != 0)
			return code;
	}
	return 0;
}

/* A command word at s: RCPT, MAIL, DATA, HELO/EHLO, CONN, ...; NULL if
 * the text there is not one. */
const char *
sw_command_word(const char *s, gsize n)
{
	static const struct {
		const char *word;
		const char *cmd;
		gboolean exact;		/* upper case only: "data" is prose */
	} words[] = {
		{ "RCPT", "RCPT", FALSE },
		{ "MAIL FROM", "MAIL", FALSE },
		{ "MAIL", "MAIL", TRUE },
		{ "end of data", "DATA", FALSE },
		{ "final DATA", "DATA", FALSE },
		{ "DATA", "DATA", TRUE },
		{ "EHLO", "EHLO", FALSE },
		{ "HELO", "HELO", FALSE },
		{ "LHLO", "EHLO", FALSE },
		{ "initial connection", "CONN", FALSE },
		{ "initial server greeting", "CONN", FALSE },
		{ "message body", "DATA", FALSE },
		{ "greeting", "CONN", FALSE },
		{ "STARTTLS", "STARTTLS", FALSE },
		{ "AUTH", "AUTH", TRUE },
		{ "BDAT", "DATA", TRUE },
	};
	gsize i, k;

	for (i = 0; i < G_N_ELEMENTS(words); i++) {
		k = strlen(words[i].word);
		if (k > n)
			continue;
		if (words[i].exact ? strncmp(s, words[i].word, k) != 0 :
		    g_ascii_strncasecmp(s, words[i].word, k) != 0)
			continue;
		if (k < n && g_ascii_isalpha(s[k]))
			continue;
		return words[i].cmd;
	}
	return NULL;
}

/* The SMTP command a diagnostic says failed: after one of the lead-ins
 * ("in reply to RCPT TO", "after end of data", "did not like our RCPT
 * TO", ">>> DATA", "SMTP:RCPT", "(DATA)"), or named by a fixed qmail-style
 * phrase.  Static string or NULL. */
static const char *
find_command(const char *s)
{
	static const char *const lead[] = {
		"in reply to ", "error from remote mail server after ",
		"error from remote mailer after ", "LMTP error after ",
		"did not like our ", ">>> ", "most progress was ", "SMTP:",
		"your message (", "while sending ", "while receiving the ",
		"in response to ", "Sent <<< ", NULL,
	};
	static const struct {
		const char *phrase;
		const char *cmd;
	} fixed[] = {
		{ "does not like recipient", "RCPT" },
		{ "but sender was rejected", "MAIL" },
		{ "but my name was rejected", "EHLO" },
		{ "but greeting failed", "CONN" },
		{ "failed on DATA command", "DATA" },
		{ "failed after I sent the message", "DATA" },
		{ "while performing the HELO handshake", "EHLO" },
		{ "while performing the EHLO handshake", "EHLO" },
		{ "refused to talk to me", "CONN" },
	};
	const char *at, *cmd;
	gsize n, i, k, from;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	for (i = 0; lead[i] != NULL; i++) {
		k = strlen(lead[i]);
		for (from = 0; from < n &&
		    (at = sw_ci_find(s + from, n - from, lead[i])) != NULL;
		    from = (gsize)(at - s) + 1) {
			at += k;
			cmd = sw_command_word(at, n - (gsize)(at - s));
			if (cmd != NULL)
				return cmd;
		}
	}
	for (i = 0; i < G_N_ELEMENTS(fixed); i++)
		if (sw_ci_find(s, n, fixed[i].phrase) != NULL)
			return fixed[i].cmd;
	return NULL;
}

static gboolean
host_char(char c)
{
	return g_ascii_isalnum(c) || c == '.' || c == '-' || c == '_' ||
	    c == ':';
}

/* The host name (or IP) token at p: owned, trailing dots and a ":25"
 * port dropped; NULL unless it has a dot and only host characters. */
char *
sw_host_at(const char *p, const char *end)
{
	const char *q = p, *colon;

	if (q < end && *q == '[')
		p = ++q;
	while (q < end && host_char(*q))
		q++;
	while (q > p && (q[-1] == '.' || q[-1] == ':'))
		q--;
	/* one colon after a dotted name or IPv4 address is a port; IPv6
	 * has several */
	colon = memchr(p, ':', (gsize)(q - p));
	if (colon != NULL && memchr(colon + 1, ':', (gsize)(q - colon - 1))
	    == NULL && memchr(p, '.', (gsize)(colon - p)) != NULL)
		q = colon;
	if (q - p < 3 || q - p > 255 || memchr(p, '.', (gsize)(q - p)) == NULL)
		return NULL;
	return g_ascii_strdown(p, q - p);
}

/* The remote MTA a diagnostic names: "host mx.example.com[192.0.2.1]
 * said", "host mx.example.com [192.0.2.1]:", "while talking to mx.",
 * "remote host 192.0.2.1 said", "Giving up on 192.0.2.1", "SMTP Server
 * <192.0.2.1>", "mx.example.com [192.0.2.1] did not like our ...". */
char *
sw_find_host(const char *s)
{
	static const char *const lead[] = {
		"remote host ", "host ", "while talking to ", "Giving up on ",
		"Connected to ", "SMTP Server <", "Server ", "connect to ",
		"conversation with ", "connection with ", NULL,
	};
	const char *at, *end;
	char *h;
	gsize n, i, from;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	end = s + n;
	for (i = 0; lead[i] != NULL; i++)
		for (from = 0; from < n &&
		    (at = sw_ci_find(s + from, n - from, lead[i])) != NULL;
		    from = (gsize)(at - s) + 1) {
			if (at > s && g_ascii_isalpha(at[-1]))
				continue;
			h = sw_host_at(at + strlen(lead[i]), end);
			if (h != NULL)
				return h;
		}
	/* Courier: "mx.example.jp [192.0.2.45]: >>> DATA <<< 550 ..." */
	if ((at = strstr(s, " [")) != NULL && memchr(s, ' ', (gsize)(at - s))
	    == NULL && (h = sw_host_at(s, at)) != NULL)
		return h;
	if ((at = sw_ci_find(s, n, " did not like our ")) != NULL) {
		const char *b = at;

		while (b > s && b[-1] != ' ' && b[-1] != '\n')
			b--;
		if (*b == '[' && b > s + 1) {	/* "name [ip] did not ..." */
			b -= 2;
			while (b > s && b[-1] != ' ')
				b--;
		}
		return sw_host_at(b, at);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Hints: what the text says about one recipient. */



struct hint *
sw_hint_new(GPtrArray *hints, char *addr)
{
	struct hint *h;

	if (hints->len >= BOUNCE_MAX_RECIPIENTS) {
		h = g_ptr_array_index(hints, hints->len - 1);
		if (addr != NULL)
			h->dropped++;
		g_free(addr);
		return NULL;
	}
	h = g_new0(struct hint, 1);
	h->addr = addr;
	h->diag = g_string_new(NULL);
	g_ptr_array_add(hints, h);
	return h;
}

static void
hint_free(gpointer p)
{
	struct hint *h = p;

	g_free(h->addr);
	g_free(h->orig);
	g_string_free(h->diag, TRUE);
	g_free(h->status);
	g_free(h->host);
	g_free(h);
}

GPtrArray *
sw_hints_new(void)
{
	return g_ptr_array_new_with_free_func(hint_free);
}

/* Append [p, p + n), trimmed, to s, blank-separated, bounded. */
void
sw_text_add(GString *s, const char *p, gsize n)
{
	struct line l = { p, n };

	l = sw_trimmed(l);
	if (l.n == 0 || s->len >= MAX_DIAG)
		return;
	if (s->len > 0)
		g_string_append_c(s, ' ');
	g_string_append_len(s, l.p, (gssize)MIN(l.n, MAX_DIAG));
}

/* One line of a multi-line SMTP reply: "550-5.7.1 text" continues "550
 * 5.7.1 text"; after the first line the code and status repeated at the
 * start of each line are dropped, so phrases read across lines. */
void
sw_reply_add(GString *s, const char *p, gsize n)
{
	struct line l = { p, n };
	gsize k;

	l = sw_trimmed(l);
	if (s->len > 0 && sw_reply_at(l.p, l.n, 0) != 0 && l.n > 4) {
		l.p += 4, l.n -= 4;
		if ((k = status_len(l.p, l.n, 0)) != 0 && k < l.n)
			l.p += k + 1, l.n -= k + 1;
	}
	sw_text_add(s, l.p, l.n);
}

void
sw_hint_add(struct hint *h, const char *p, gsize n)
{
	if (h != NULL)
		sw_text_add(h->diag, p, n);
}

const char *
sw_phrase_lookup(const char *s, const struct phrase *table)
{
	gsize n;
	int i;

	if (s == NULL || table == NULL)
		return NULL;
	n = strlen(s);
	for (i = 0; table[i].text != NULL; i++)
		if (sw_ci_find(s, n, table[i].text) != NULL)
			return table[i].value;
	return NULL;
}

/* Fill what the hint's own text states: status, reply code, command,
 * remote host, and a reason from the MTA's phrase table. */
void
sw_hint_derive(struct hint *h, const struct phrase *reasons)
{
	const char *d = h->diag->str;

	if (h->diag->len == 0)
		return;
	if (h->status == NULL)
		h->status = sw_find_status(d);
	if (h->reply == 0)
		h->reply = sw_find_reply(d);
	if (h->cmd == NULL)
		h->cmd = find_command(d);
	if (h->host == NULL)
		h->host = sw_find_host(d);
	if (h->reason == NULL)
		h->reason = sw_phrase_lookup(d, reasons);
}

/* Is status a class-level code such as "5.0.0" or "4.0.0"? */
static gboolean
status_generic(const char *s)
{
	return s == NULL || g_str_has_suffix(s, ".0.0");
}

/* Move the hint's fields into r where r has none (r came from the DSN
 * when r->recipient is set).  prefer_text: the hint's diagnostic replaces
 * a shorter one. */
static void
hint_apply(struct hint *h, struct bounce_recipient *r, gboolean prefer_text)
{
	if (r->recipient == NULL) {
		r->recipient = h->addr;
		h->addr = NULL;
	}
	if (r->original_recipient == NULL) {
		r->original_recipient = h->orig;
		h->orig = NULL;
	}
	if (h->diag->len > 0 && (r->diagnostic_code == NULL ||
	    (prefer_text && h->diag->len > strlen(r->diagnostic_code)))) {
		g_free(r->diagnostic_code);
		r->diagnostic_code = bounce_field(h->diag->str,
		    (gssize)h->diag->len);
	}
	if (h->status != NULL && (r->status == NULL ||
	    (status_generic(r->status) && !status_generic(h->status) &&
	    r->status[0] == h->status[0]))) {
		g_free(r->status);
		r->status = h->status;
		h->status = NULL;
	}
	if (r->reply_code == 0)
		r->reply_code = h->reply;
	if (r->smtp_command == NULL && h->cmd != NULL)
		r->smtp_command = g_strdup(h->cmd);
	if (r->remote_mta == NULL) {
		r->remote_mta = h->host;
		h->host = NULL;
	}
	if (r->mta_reason == NULL && h->reason != NULL)
		r->mta_reason = g_strdup(h->reason);
}

/* The hint for address a: same address, else the only hint. */
static struct hint *
hint_for(GPtrArray *hints, const char *a, guint nrcpt)
{
	guint i;

	for (i = 0; a != NULL && i < hints->len; i++) {
		struct hint *h = g_ptr_array_index(hints, i);

		if (h->addr != NULL && g_ascii_strcasecmp(h->addr, a) == 0)
			return h;
	}
	if (hints->len == 1 && nrcpt == 1)
		return g_ptr_array_index(hints, 0);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The delivery-status part, also when an MTA pasted it into the text. */

/* Read the DSN fields into b: from in->dsn, else from the first block of
 * the text that has a Final-Recipient field (up to a MIME boundary or the
 * original message).  Returns the recipients added. */
int
sw_read_dsn(const struct bounce_input *in, struct bounce_report *b)
{
	static const char *const stop[] = {
		"--", "Content-Type:", "Return-Path:", "Received:", NULL,
	};
	const char *pos, *end, *start = NULL, *block = NULL;
	struct line l;

	if (in->dsn != NULL && in->dsn_len > 0)
		return bounce_read_input_dsn(in, b);
	if (!sw_body(in, &pos, &end))
		return 0;
	while (sw_next_line(&pos, end, &l)) {
		if (sw_ci_prefix(l.p, l.n, "Reporting-MTA:") && block == NULL)
			block = l.p;
		if (sw_ci_prefix(l.p, l.n, "Final-Recipient:")) {
			start = block != NULL ? block : l.p;
			break;
		}
	}
	if (start == NULL)
		return 0;
	while (sw_next_line(&pos, end, &l))
		if (l.n > 0 && sw_starts_any(l, stop) && l.p[0] != ' ' &&
		    l.p[0] != '\t')
			break;
	return bounce_read_dsn(start, (gsize)((pos < end ? l.p : end) - start),
	    b);
}

/* Turn hints into recipients: merged into the DSN's recipients when the
 * bounce has them, else each hint with an address becomes one.  Returns
 * the recipients added. */
int
sw_hints_commit(const struct bounce_input *in, struct bounce_report *b,
    GPtrArray *hints, const struct phrase *reasons, gboolean prefer_text)
{
	guint first = b->recipients->len, i;
	int n = 0, dsn;

	for (i = 0; i < hints->len; i++)
		sw_hint_derive(g_ptr_array_index(hints, i), reasons);
	dsn = sw_read_dsn(in, b);
	if (dsn == 0 && hints->len > 0) {
		struct hint *last = g_ptr_array_index(hints, hints->len - 1);

		b->recipients_dropped += last->dropped;
	}
	if (dsn > 0) {
		for (i = first; i < b->recipients->len; i++) {
			struct bounce_recipient *r =
			    g_ptr_array_index(b->recipients, i);
			struct hint *h = hint_for(hints, r->recipient,
			    (guint)dsn);

			if (h != NULL)
				hint_apply(h, r, prefer_text);
		}
		return dsn;
	}
	for (i = 0; i < hints->len; i++) {
		struct hint *h = g_ptr_array_index(hints, i);
		struct bounce_recipient *r;

		if (h->addr == NULL)
			continue;
		if ((r = bounce_add_recipient(b)) == NULL)
			break;
		hint_apply(h, r, TRUE);
		n++;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Layouts: where the recipients are and how a recipient line looks. */


/* RF_ANGLE: "<a@b>" then ':' (or anything with L_LOOSE); "(expanded
 * from <c@d>)" between them names the original recipient. */
static char *
rcpt_angle(const struct layout *lay, struct line t, char **orig,
    struct line *rest)
{
	const char *end = t.p + t.n, *gt, *q;
	char *a;

	if (t.n < 5 || t.p[0] != '<' ||
	    (gt = memchr(t.p, '>', t.n)) == NULL ||
	    (a = sw_addr_at(t.p + 1, gt, NULL)) == NULL)
		return NULL;
	q = gt + 1;
	if (sw_ci_prefix(q, (gsize)(end - q), " (expanded from ")) {
		const char *cp = memchr(q, ')', (gsize)(end - q));

		if (cp != NULL) {
			*orig = sw_addr_in(q, cp, NULL);
			q = cp + 1;
		}
	}
	if (q < end && *q == ':')
		q++;
	else if (!(lay->flags & L_LOOSE)) {
		g_free(a);
		g_free(*orig);
		*orig = NULL;
		return NULL;
	}
	rest->p = q;
	rest->n = (gsize)(end - q);
	return a;
}

/* RF_INDENT: Exim's "  a@b", "  a@b: text", and "  a@b <c@d>: text"
 * (a malformed address: c@d is the recipient, the line its text). */
static char *
rcpt_indent(struct line l, struct line t, struct line *rest)
{
	const char *end = t.p + t.n, *after;
	char *a, *b;

	if (t.p[0] == '<')
		return NULL;
	if ((a = sw_addr_at(t.p, end, &after)) == NULL)
		return NULL;
	if (after < end && *after != ':' && *after != ' ')
		return g_free(a), NULL;
	if (after + 2 < end && after[0] == ' ' && after[1] == '<') {
		const char *gt = memchr(after, '>', (gsize)(end - after));

		if (gt != NULL && gt + 1 < end && gt[1] == ':' &&
		    (b = sw_addr_at(after + 2, gt, NULL)) != NULL) {
			g_free(a);
			*rest = l;
			return b;
		}
	}
	while (after < end && (*after == ':' || *after == ' '))
		after++;
	rest->p = after;
	rest->n = (gsize)(end - after);
	return a;
}

/* RF_BARE: "a@b" opening the line, then end, ':', ' ' or '['. */
char *
sw_rcpt_bare(struct line t, struct line *rest)
{
	const char *end = t.p + t.n, *after;
	char *a;

	if ((a = sw_addr_at(t.p, end, &after)) == NULL)
		return NULL;
	if (after < end && *after != ':' && *after != ' ' && *after != '[')
		return g_free(a), NULL;
	while (after < end && (*after == ':' || *after == ' '))
		after++;
	rest->p = after;
	rest->n = (gsize)(end - after);
	return a;
}

/* RF_PREFIX: one of lay->prefix, then an address on the same line
 * ("There was an error delivering your mail to <a@b>."). */
static char *
rcpt_prefix(const struct layout *lay, struct line t, struct line *rest)
{
	const char *end = t.p + t.n, *after;
	char *a;
	int i;

	for (i = 0; lay->prefix[i] != NULL; i++) {
		if (!sw_ci_prefix(t.p, t.n, lay->prefix[i]))
			continue;
		a = sw_addr_in(t.p + strlen(lay->prefix[i]), end, &after);
		if (a == NULL)
			continue;
		while (after < end && strchr(">\".:,; ", *after) != NULL)
			after++;
		rest->p = after;
		rest->n = (gsize)(end - after);
		return a;
	}
	return NULL;
}

/* Does l name a recipient in this layout?  The address (owned), and in
 * *orig the original one; *rest is the text after it on the line. */
static char *
rcpt_line(const struct layout *lay, struct line l, char **orig,
    struct line *rest)
{
	struct line t = sw_trimmed(l);
	gsize ind = sw_indent(&l);

	*orig = NULL;
	rest->p = t.p;
	rest->n = 0;
	if (t.n < 3 || ind > lay->max_indent)
		return NULL;
	switch (lay->form) {
	case RF_ANGLE:
		return rcpt_angle(lay, t, orig, rest);
	case RF_INDENT:
		return ind > 0 ? rcpt_indent(l, t, rest) : NULL;
	case RF_BARE:
		return sw_rcpt_bare(t, rest);
	case RF_PREFIX:
		return rcpt_prefix(lay, t, rest);
	}
	return NULL;
}

/* The lines of the section: [*p, *end) after the first line containing
 * a begin marker, up to the first line beginning with an end marker. */
static gboolean
section(const struct bounce_input *in, const struct layout *lay,
    const char **p, const char **end)
{
	const char *pos, *stop;
	struct line l;

	if (!sw_body(in, &pos, &stop))
		return FALSE;
	if (lay->begin != NULL) {
		for (;;) {
			if (!sw_next_line(&pos, stop, &l))
				return FALSE;
			if (find_any(l.p, l.n, lay->begin))
				break;
		}
	}
	*p = pos;
	while (sw_next_line(&pos, stop, &l))
		if (lay->end != NULL && sw_starts_any(l, lay->end)) {
			stop = l.p;
			break;
		}
	*end = stop;
	return TRUE;
}

/* A banner such as "----- Transcript of session follows -----" or a
 * rule of '=' or '-': never diagnostic text. */
static gboolean
banner(struct line l)
{
	gsize i;

	l = sw_trimmed(l);
	if (l.n >= 6 && strncmp(l.p, "---", 3) == 0 &&
	    strncmp(l.p + l.n - 3, "---", 3) == 0)
		return TRUE;
	for (i = 0; i < l.n; i++)
		if (strchr("=-_*+#", l.p[i]) == NULL)
			return FALSE;
	return l.n >= 3;
}

/* Read the section into hints, one per recipient line, each followed by
 * its text.  Returns the hints added. */
guint
sw_scan_layout(const struct bounce_input *in, const struct layout *lay,
    GPtrArray *hints)
{
	const char *pos, *end;
	struct hint *cur = NULL;
	struct line l, rest;
	guint before = hints->len;
	char *a, *orig;

	if (!section(in, lay, &pos, &end))
		return 0;
	while (sw_next_line(&pos, end, &l)) {
		if (lay->hook != NULL && lay->hook(lay, l, hints, &cur))
			continue;
		a = (lay->flags & L_FIRST_ONLY) && hints->len > before ? NULL :
		    rcpt_line(lay, l, &orig, &rest);
		if (a != NULL) {
			if ((lay->flags & L_TEXT_FIRST) && cur != NULL &&
			    cur->addr == NULL) {
				cur->addr = a;
				g_free(orig);
			} else if ((cur = sw_hint_new(hints, a)) == NULL) {
				g_free(orig);	/* full: counted, skipped */
				continue;
			} else
				cur->orig = orig;
			if (lay->flags & L_LINE_IN_DIAG)
				sw_hint_add(cur, l.p, l.n);
			else
				sw_hint_add(cur, rest.p, rest.n);
			if (lay->flags & L_TEXT_FIRST)
				cur = NULL;
		} else if (sw_trimmed(l).n == 0) {
			if ((lay->flags & L_BLANK_ENDS) &&
			    !(cur != NULL && cur->sticky))
				cur = NULL;
		} else if (!banner(l)) {
			if (cur == NULL && (lay->flags & L_TEXT_FIRST))
				cur = sw_hint_new(hints, NULL);
			sw_hint_add(cur, l.p, l.n);
		}
	}
	return hints->len - before;
}

/* The usual scan: hints from the layout, then recipients from them (or
 * from the DSN, enriched by them). */
int
sw_scan_with(const struct bounce_input *in, struct bounce_report *b,
    const struct layout *lay, gboolean prefer_text)
{
	GPtrArray *hints = sw_hints_new();
	int n;

	sw_scan_layout(in, lay, hints);
	n = sw_hints_commit(in, b, hints, lay->reasons, prefer_text);
	g_ptr_array_free(hints, TRUE);
	return n;
}

/* The host named on the line with one of the markers ("This is the mail
 * system at host mx.example.com.", "... Agent v0.13 at mx.example.jp.")
 * as b->reporting_mta, when b has none: the token after the last " at "
 * or " on " or " from " past the marker, else right after the marker. */
void
sw_reporter(const struct bounce_input *in, struct bounce_report *b,
    const char *const *markers)
{
	static const char *const joins[] = { " host ", " at ", " on ",
	    " from ", NULL };
	const char *p, *end, *at, *e, *j;
	struct line l;
	int i;

	if (b->reporting_mta != NULL || !sw_body(in, &p, &end))
		return;
	if ((p = sw_text_line_with(in, markers)) == NULL)
		return;
	sw_next_line(&p, end, &l);
	for (i = 0; markers[i] != NULL; i++)
		if ((at = sw_ci_find(l.p, l.n, markers[i])) != NULL)
			break;
	if (markers[i] == NULL)
		return;
	at += strlen(markers[i]);
	e = l.p + l.n;
	for (i = 0; joins[i] != NULL; i++)
		while ((j = sw_ci_find(at, (gsize)(e - at), joins[i])) != NULL)
			at = j + strlen(joins[i]);
	while (at < e && *at == ' ')
		at++;
	b->reporting_mta = sw_host_at(at, e);
}

/* When the text names no recipient, the attached copy's To: address
 * (the one the mail did not reach) as the only one.  Returns 0 or 1. */
int
sw_rcpt_from_original(const struct bounce_input *in, struct bounce_report *b)
{
	struct bounce_recipient *r;
	char *to = bounce_original_header(in, "To"), *a;

	a = bounce_address(to);
	g_free(to);
	if (a == NULL || (r = bounce_add_recipient(b)) == NULL) {
		g_free(a);
		return 0;
	}
	r->recipient = a;
	return 1;
}

/* The lines between a line containing one of begin and the next line
 * beginning with one of end (banners skipped), joined into s. */
void
sw_section_text(const struct bounce_input *in, const char *const *begin,
    const char *const *end, GString *s)
{
	const struct layout lay = { .begin = begin, .end = end };
	const char *pos, *stop;
	struct line l;

	if (!section(in, &lay, &pos, &stop))
		return;
	while (sw_next_line(&pos, stop, &l))
		if (!banner(l))
			sw_text_add(s, l.p, l.n);
}

/* ------------------------------------------------------------------ */
/* Matching on the bounce's own headers. */

gboolean
sw_subject_starts(const struct bounce_input *in, const char *const *list)
{
	int i;

	for (i = 0; list[i] != NULL; i++)
		if (sw_str_prefix(in->subject, list[i]))
			return TRUE;
	return FALSE;
}

gboolean
sw_subject_has(const struct bounce_input *in, const char *const *list)
{
	return in->subject != NULL &&
	    find_any(in->subject, strlen(in->subject), list) != 0;
}

/* A header of the bounce; GMime files the Content-* ones under the
 * top-level MIME part, not the message. */
const char *
sw_header(const struct bounce_input *in, const char *name)
{
	const char *v = bounce_header(in, name);
	GMimeObject *part;

	if (v == NULL && in->msg != NULL &&
	    g_ascii_strncasecmp(name, "Content-", 8) == 0 &&
	    (part = g_mime_message_get_mime_part(in->msg)) != NULL)
		v = g_mime_object_get_header(part, name);
	return v;
}

gboolean
sw_header_has(const struct bounce_input *in, const char *name, const char *s)
{
	return sw_str_has(sw_header(in, name), s);
}

/* Does one of the bounce's Received: headers contain s?  GMime keeps
 * them all; bounce_header gives only the first. */
gboolean
sw_received_has(const struct bounce_input *in, const char *s)
{
	GMimeHeaderList *list;
	int i, n;

	if (in->msg == NULL)
		return FALSE;
	list = g_mime_object_get_header_list(GMIME_OBJECT(in->msg));
	n = g_mime_header_list_get_count(list);
	for (i = 0; i < n && i < 64; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(list, i);

		if (g_ascii_strcasecmp(g_mime_header_get_name(h),
		    "Received") == 0 &&
		    sw_str_has(g_mime_header_get_raw_value(h), s))
			return TRUE;
	}
	return FALSE;
}

/* Headers that only one mail provider's bounces carry (sisimai's Lhost
 * modules test the same): the provider table reads those better, so no
 * software row claims them even when the provider runs Exim or qmail. */
static const struct {
	const char *header;
	const char *has;	/* NULL: present at all */
} provider_marks[] = {
	{ "X-YMailISG", NULL }, { "X-AOL-IP", NULL },
	{ "X-SES-Outgoing", NULL },
	{ "X-Google-Smtp-Source", NULL }, { "X-Gm-Message-State", NULL },
	{ "From", "@googlemail.com" }, { "From", "mail.ru" },
	{ "X-Yandex-Uniq", NULL }, { "X-ZohoMail", NULL },
	{ "X-GMX-Antispam", NULL }, { "Return-Path", "@sendgrid.net" },
	{ "From", "postmaster@biglobe.ne.jp" },
	{ "From", "postmaster@inacatv.ne.jp" },
	{ "From", "postmaster@tmtv.ne.jp" },
	{ "From", "postmaster@ttv.ne.jp" },
	{ "X-MS-Exchange-CrossTenant-OriginalArrivalTime", NULL },
	{ "X-MS-Exchange-Message-Is-NDR", NULL },
	{ "From", "Postmaster@ezweb.ne.jp" }, { "From", "Postmaster@au.com" },
	{ "From", "@vtext.com" }, { "From", "@mx.facebook.com" },
	{ "X-Msg-Ref", NULL }, { "From", "@bigfoot.com" },
};

/* Does the From look like a mail system rather than a person?  Rows
 * whose other tests are loose (a subject anyone could write) ask it. */
gboolean
sw_daemon_sender(const struct bounce_input *in)
{
	static const char *const words[] = {
		"MAILER-DAEMON", "postmaster", "Mail Delivery", "mailer",
		"Mail Administrator", "System Administrator", NULL,
	};

	return in->from == NULL || *in->from == '\0' ||
	    strcmp(in->from, "<>") == 0 ||
	    find_any(in->from, strlen(in->from), words) != 0;
}

static gboolean
provider_marked(const struct bounce_input *in)
{
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(provider_marks); i++) {
		const char *v = sw_header(in, provider_marks[i].header);

		if (v != NULL && (provider_marks[i].has == NULL ||
		    sw_str_has(v, provider_marks[i].has)))
			return TRUE;
	}
	return FALSE;
}

/* Nearly every row asks: the answer is kept for the message. */
gboolean
sw_provider_bounce(const struct bounce_input *in)
{
	if (in->memo == NULL)
		return provider_marked(in);
	if (in->memo->provider_bounce < 0)
		in->memo->provider_bounce = provider_marked(in);
	return in->memo->provider_bounce;
}
