/* bounce_mta_provider_util.c - the line and text helpers the provider
 * recognizers share (declared in bounce_mta_provider.h): searching text,
 * walking lines, finding addresses, statuses and reply codes, reading the
 * bounce's headers, and gathering each recipient's diagnostic while a
 * layout is read.
 *
 * Everything here works on the decoded text of struct bounce_input, never
 * copies a whole part, and looks at each line a bounded number of times.
 */
#include <string.h>

#include "bounce_mta_provider.h"

#define MAX_LINE	4096	/* longer lines are looked at, not copied whole */

/* --- Strings ------------------------------------------------------------- */

/* Case-insensitive search of needle in h[0..n). */
const char *
pv_find_ci(const char *h, gsize n, const char *needle)
{
	return h != NULL ? bounce_strcasestr(h, n, needle) : NULL;
}

/* Case-sensitive search of needle in h[0..n). */
const char *
pv_find(const char *h, gsize n, const char *needle)
{
	if (h == NULL)
		return NULL;
	return memmem(h, n, needle, strlen(needle));
}

/* The first of the needles found in h[0..n) (case-insensitive), its
 * index in *which; NULL if none. */
const char *
pv_find_any(const char *h, gsize n, const char *const *needles, int *which)
{
	const char *best = NULL, *p;
	int i;

	for (i = 0; needles != NULL && needles[i] != NULL; i++) {
		p = pv_find_ci(h, best != NULL ? (gsize)(best - h) +
		    strlen(needles[i]) : n, needles[i]);
		if (p != NULL && (best == NULL || p < best)) {
			best = p;
			if (which != NULL)
				*which = i;
		}
	}
	return best;
}

gboolean
pv_has(const char *s, const char *needle)
{
	return s != NULL && pv_find_ci(s, strlen(s), needle) != NULL;
}

/* --- Lines --------------------------------------------------------------- */

/* The next line of [*cur, end), without its line end. */
gboolean
pv_line_next(const char **cur, const char *end, struct pv_line *l)
{
	const char *p = *cur, *nl;

	if (p == NULL || p >= end)
		return FALSE;
	nl = memchr(p, '\n', (gsize)(end - p));
	l->p = p;
	l->n = (gsize)((nl != NULL ? nl : end) - p);
	*cur = nl != NULL ? nl + 1 : end;
	if (l->n > 0 && l->p[l->n - 1] == '\r')
		l->n--;
	return TRUE;
}

/* The line without leading and trailing white space. */
struct pv_line
pv_trim(struct pv_line l)
{
	while (l.n > 0 && (*l.p == ' ' || *l.p == '\t')) {
		l.p++;
		l.n--;
	}
	while (l.n > 0 && (l.p[l.n - 1] == ' ' || l.p[l.n - 1] == '\t'))
		l.n--;
	return l;
}

gboolean
pv_blank(struct pv_line l)
{
	return pv_trim(l).n == 0;
}

gboolean
pv_indented(struct pv_line l)
{
	return l.n > 0 && (l.p[0] == ' ' || l.p[0] == '\t');
}

/* The line begins with prefix (case-insensitive), after white space when
 * ws is set. */
gboolean
pv_begins(struct pv_line l, const char *prefix, gboolean ws)
{
	gsize k = strlen(prefix);

	if (ws)
		l = pv_trim(l);
	return l.n >= k && g_ascii_strncasecmp(l.p, prefix, k) == 0;
}

gboolean
pv_begins_any(struct pv_line l, const char *const *prefixes, gboolean ws)
{
	int i;

	for (i = 0; prefixes != NULL && prefixes[i] != NULL; i++)
		if (pv_begins(l, prefixes[i], ws))
			return TRUE;
	return FALSE;
}

const char *
pv_line_find(struct pv_line l, const char *needle)
{
	return pv_find_ci(l.p, MIN(l.n, MAX_LINE), needle);
}

/*
 * The address when the line is one address and nothing else (white space,
 * "<>", quotes and a trailing ':' allowed): "   a@b", "<a@b>:", "\"a@b\":".
 */
char *
pv_line_address(struct pv_line l)
{
	char buf[512];
	gsize i;

	l = pv_trim(l);
	if (l.n < 3 || l.n >= sizeof buf)
		return NULL;
	for (i = 0; i < l.n; i++)
		if (l.p[i] == ' ' || l.p[i] == '\t')
			return NULL;
	if (memchr(l.p, '@', l.n) == NULL)
		return NULL;
	memcpy(buf, l.p, l.n);
	buf[l.n] = '\0';
	return bounce_address(buf);
}

/* The address in the first "<a@b>" of the line, or in its first word. */
char *
pv_text_address(const char *p, gsize n)
{
	char buf[512];

	n = MIN(n, sizeof buf - 1);
	memcpy(buf, p, n);
	buf[n] = '\0';
	return bounce_address(buf);
}

/* --- Codes in text ------------------------------------------------------- */

/* The first RFC 3463 status in s[0..n). */
char *
pv_status_in(const char *s, gsize n)
{
	char *copy, *st;

	if (s == NULL || n == 0)
		return NULL;
	copy = g_strndup(s, MIN(n, BOUNCE_MAX_FIELD));
	st = bounce_status_at(copy);
	g_free(copy);
	return st;
}

/* A status of a class only, "5.0.0", "4.0.0", or none: the text may say
 * more. */
gboolean
pv_status_vague(const char *st)
{
	return st == NULL || strcmp(st + 1, ".0.0") == 0;
}

/* A status that names a cause: subject 1 to 7, detail not 0 ("5.1.1",
 * "4.7.26"); "5.7.0", "5.1.0" and "5.0.x" only give a class. */
gboolean
pv_status_specific(const char *st)
{
	return st != NULL && st[1] == '.' && st[2] >= '1' && st[2] <= '7' &&
	    st[3] == '.' && st[4] >= '1' && st[4] <= '9';
}

/* The reply codes SMTP defines (RFC 5321, 1985, 2645, 4954, 5248, 7504):
 * other three-digit numbers in a diagnostic are something else. */
static const short smtp_replies[] = {
	211, 214, 220, 221, 235, 250, 251, 252, 253,
	421, 422, 430, 432, 450, 451, 452, 453, 454, 455, 458, 459,
	500, 501, 502, 503, 504, 521, 523, 524, 525, 530, 533, 534, 535, 538,
	550, 551, 552, 553, 554, 555, 556,
};

static gboolean
smtp_reply(int code)
{
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(smtp_replies); i++)
		if (smtp_replies[i] == code)
			return TRUE;
	return FALSE;
}

/*
 * The first SMTP reply code in s[0..n): one SMTP defines, standing alone
 * ("550 ", "550-", "550:", "550,", end of text), not part of a number, an
 * IP address, a date or a status.
 */
int
pv_reply_in(const char *s, gsize n)
{
	gsize i;

	for (i = 0; i + 3 <= n; i++) {
		const char *p = s + i;
		char after = i + 3 < n ? p[3] : ' ';
		int code;

		if (p[0] != '2' && p[0] != '4' && p[0] != '5')
			continue;
		if (!g_ascii_isdigit(p[1]) || !g_ascii_isdigit(p[2]))
			continue;
		if (i > 0 && (g_ascii_isalnum(p[-1]) || p[-1] == '.' ||
		    p[-1] == '-' || p[-1] == '/' || p[-1] == '=' ||
		    p[-1] == '_' || p[-1] == '@' || p[-1] == '+' ||
		    p[-1] == '#'))
			continue;
		if (after != ' ' && after != '-' && after != ':' &&
		    after != ',' && after != '\t' && after != '\n' &&
		    after != ')' && after != ']' && after != '\'' &&
		    after != '"')
			continue;
		/* "550-5.7.26" is a code, "2014-05" a date. */
		if (after == '-' && i + 4 < n && g_ascii_isdigit(p[4]) &&
		    (i + 5 >= n || p[5] != '.'))
			continue;
		code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		if (smtp_reply(code))
			return code;
	}
	return 0;
}

/* "RCPT_TO", "RCPT TO", "MAIL FROM", "end of DATA", ... -> the command. */
const char *
pv_command_word(const char *s, gsize n)
{
	static const struct { const char *word, *cmd; } words[] = {
		{ "RCPT", "RCPT" }, { "MAIL", "MAIL" }, { "DATA", "DATA" },
		{ "EHLO", "EHLO" }, { "HELO", "HELO" }, { "AUTH", "AUTH" },
		{ "STARTTLS", "STARTTLS" }, { "CONN", "CONN" },
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(words); i++)
		if (n >= strlen(words[i].word) &&
		    g_ascii_strncasecmp(s, words[i].word,
		    strlen(words[i].word)) == 0)
			return words[i].cmd;
	if (n >= 4 && g_ascii_strncasecmp(s, "end ", 4) == 0)
		return "DATA";
	return NULL;
}

const char *
pv_phrase_in(const char *s, gsize n, const struct pv_phrase *t)
{
	for (; s != NULL && t->text != NULL; t++)
		if (pv_find_ci(s, n, t->text) != NULL)
			return t->reason;
	return NULL;
}

/* --- Headers ------------------------------------------------------------- */

gboolean
pv_header_has(const struct bounce_input *in, const char *name, const char *needle)
{
	return pv_has(bounce_header(in, name), needle);
}

gboolean
pv_header_set(const struct bounce_input *in, const char *name)
{
	return bounce_header(in, name) != NULL;
}

/* Some Received: field of the bounce holds needle. */
gboolean
pv_received_has(const struct bounce_input *in, const char *needle)
{
	GMimeHeaderList *hl;
	int i, n;

	if (in->msg == NULL)
		return FALSE;
	hl = g_mime_object_get_header_list(GMIME_OBJECT(in->msg));
	n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;
	for (i = 0; i < n && i < 200; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);

		if (g_ascii_strcasecmp(g_mime_header_get_name(h),
		    "Received") == 0 && pv_has(g_mime_header_get_value(h), needle))
			return TRUE;
	}
	return FALSE;
}

/* --- Building recipients ------------------------------------------------- */

void
pv_acc_init(struct pv_acc *a, struct bounce_report *b)
{
	a->b = b;
	a->first = b->recipients->len;
	a->diag = g_ptr_array_new();
	a->cur = 0;
	a->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

guint
pv_acc_count(const struct pv_acc *a)
{
	return a->diag->len;
}

struct bounce_recipient *
pv_acc_nth(const struct pv_acc *a, guint i)
{
	return g_ptr_array_index(a->b->recipients, a->first + i);
}

struct bounce_recipient *
pv_acc_cur(const struct pv_acc *a)
{
	return a->diag->len > 0 ? pv_acc_nth(a, a->cur) : NULL;
}

static void
pv_acc_remember(struct pv_acc *a, const char *addr, guint i)
{
	g_hash_table_replace(a->seen, g_ascii_strdown(addr, -1),
	    GUINT_TO_POINTER(i + 1));
}

/* A new recipient for addr (taken); NULL when addr is NULL or the report
 * is full (bounce_add_recipient counts it dropped). */
struct bounce_recipient *
pv_acc_add(struct pv_acc *a, char *addr)
{
	struct bounce_recipient *r;

	if (addr == NULL)
		return NULL;
	if ((r = bounce_add_recipient(a->b)) == NULL) {
		g_free(addr);
		return NULL;
	}
	r->recipient = addr;
	g_ptr_array_add(a->diag, g_string_new(NULL));
	a->cur = a->diag->len - 1;
	pv_acc_remember(a, addr, a->cur);
	return r;
}

/* The recipient already added for addr, else a new one. */
struct bounce_recipient *
pv_acc_add_once(struct pv_acc *a, char *addr)
{
	char *key;
	gpointer i;

	if (addr == NULL)
		return NULL;
	key = g_ascii_strdown(addr, -1);
	i = g_hash_table_lookup(a->seen, key);
	g_free(key);
	if (i == NULL)
		return pv_acc_add(a, addr);
	g_free(addr);
	a->cur = GPOINTER_TO_UINT(i) - 1;
	return pv_acc_nth(a, a->cur);
}

/* Append a line (or any text) to the current recipient's diagnostic. */
void
pv_acc_text(struct pv_acc *a, const char *s, gsize n)
{
	GString *d;

	if (a->diag->len == 0 || n == 0)
		return;
	d = g_ptr_array_index(a->diag, a->cur);
	if (d->len >= BOUNCE_MAX_FIELD)
		return;
	if (d->len > 0)
		g_string_append_c(d, ' ');
	g_string_append_len(d, s, (gssize)MIN(n, BOUNCE_MAX_FIELD));
}

void
pv_acc_line(struct pv_acc *a, struct pv_line l)
{
	l = pv_trim(l);
	pv_acc_text(a, l.p, l.n);
}

const char *
pv_acc_diag(const struct pv_acc *a, guint i)
{
	return ((GString *)g_ptr_array_index(a->diag, i))->str;
}

/* Set the diagnostics gathered; the number of recipients added. */
int
pv_acc_done(struct pv_acc *a)
{
	guint i, n = pv_acc_count(a);

	for (i = 0; i < n; i++) {
		struct bounce_recipient *r = pv_acc_nth(a, i);
		GString *d = g_ptr_array_index(a->diag, i);

		if (r->diagnostic_code == NULL && d->len > 0)
			r->diagnostic_code = bounce_field(d->str,
			    (gssize)d->len);
		g_string_free(d, TRUE);
	}
	g_ptr_array_free(a->diag, TRUE);
	g_hash_table_destroy(a->seen);
	a->diag = NULL;
	a->seen = NULL;
	return (int)n;
}

/* The value of field name (folded lines joined) in block[0..n), or NULL. */
static char *
pv_block_field(const char *block, gsize n, const char *name)
{
	const char *p = block, *end = block + n, *v, *e;
	gsize k = strlen(name);

	while (p < end) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));

		e = nl != NULL ? nl : end;
		if ((gsize)(e - p) > k && p[k] == ':' &&
		    g_ascii_strncasecmp(p, name, k) == 0) {
			v = p + k + 1;
			while (e < end && e + 1 < end && (e[1] == ' ' ||
			    e[1] == '\t')) {
				nl = memchr(e + 1, '\n', (gsize)(end - e - 1));
				e = nl != NULL ? nl : end;
			}
			return bounce_field(v, e - v);
		}
		p = e + 1;
	}
	return NULL;
}

/*
 * Some reports put Status and Diagnostic-Code before Final-Recipient in
 * the recipient's block (Facebook): the block, between blank lines, that
 * names r belongs to r all the same.
 */
static void
pv_dsn_block_fill(const struct bounce_input *in, struct bounce_recipient *r)
{
	const char *d = in->dsn, *at, *s, *e;
	const char *end = d != NULL ? d + in->dsn_len : NULL;
	char *v, *semi;

	if (r->recipient == NULL || (r->status != NULL &&
	    r->diagnostic_code != NULL))
		return;
	at = pv_find_ci(d, in->dsn_len, r->recipient);
	if (at == NULL)
		return;
	s = g_strrstr_len(d, at - d, "\n\n");
	s = s != NULL ? s + 2 : d;
	e = pv_find(at, (gsize)(end - at), "\n\n");
	if (e == NULL)
		e = end;
	if (r->status == NULL && (v = pv_block_field(s, (gsize)(e - s),
	    "Status")) != NULL) {
		r->status = bounce_status_at(v);
		g_free(v);
	}
	if (r->diagnostic_code == NULL && (v = pv_block_field(s, (gsize)(e - s),
	    "Diagnostic-Code")) != NULL) {
		semi = strchr(v, ';');
		if (semi != NULL && semi - v < 16 && memchr(v, ' ',
		    (gsize)(semi - v)) == NULL) {
			/* the DSN reader may have kept a type with an empty
			 * code: replace, do not leak it */
			g_free(r->diagnostic_type);
			r->diagnostic_type = g_strndup(v, (gsize)(semi - v));
			r->diagnostic_code = bounce_field(semi + 1, -1);
		} else {
			r->diagnostic_code = g_strdup(v);
		}
		g_free(v);
	}
}

/* Take on the recipients something else (bounce_read_dsn) added to the
 * report since. */
void
pv_acc_adopt(struct pv_acc *a)
{
	guint i;

	for (i = a->first + pv_acc_count(a); i < a->b->recipients->len; i++) {
		struct bounce_recipient *r = g_ptr_array_index(a->b->recipients, i);

		pv_acc_remember(a, r->recipient, pv_acc_count(a));
		g_ptr_array_add(a->diag, g_string_new(NULL));
	}
}

/* The recipients of the delivery-status part first, the text then adds to
 * them (by address) or adds more. */
void
pv_acc_init_dsn(struct pv_acc *a, const struct bounce_input *in,
    struct bounce_report *b)
{
	guint i;

	pv_acc_init(a, b);
	if (in->dsn != NULL && in->dsn_len > 0)
		bounce_read_input_dsn(in, b);
	i = pv_acc_count(a);
	pv_acc_adopt(a);
	for (; i < pv_acc_count(a); i++)
		pv_dsn_block_fill(in, pv_acc_nth(a, i));
}

void
pv_set_str(char **slot, const char *v)
{
	if (*slot == NULL && v != NULL)
		*slot = g_strdup(v);
}

/* Replace a vague status (none, X.0.0, and X.1.0 when loose) by one found
 * in the diagnostic; a status in '...' quotes (the remote server's own
 * words, as Amazon quotes them) first. */
void
pv_refine_status(struct bounce_recipient *r, gboolean loose)
{
	const char *d = r->diagnostic_code, *q, *q2;
	char *st = NULL;

	if (d == NULL || !(pv_status_vague(r->status) || (loose &&
	    strcmp(r->status + 1, ".1.0") == 0)))
		return;
	if ((q = strchr(d, '\'')) != NULL && (q2 = strchr(q + 1, '\'')) != NULL)
		st = pv_status_in(q + 1, (gsize)(q2 - q - 1));
	if (st == NULL)
		st = pv_status_in(d, strlen(d));
	if (st != NULL && (r->status == NULL || !pv_status_vague(st))) {
		g_free(r->status);
		r->status = st;
	} else {
		g_free(st);
	}
}

/* Status and reply code from the diagnostic where the layout gave none. */
void
pv_codes_from_diag(struct bounce_recipient *r)
{
	const char *d = r->diagnostic_code;

	if (d == NULL)
		return;
	pv_refine_status(r, FALSE);
	if (r->reply_code == 0)
		r->reply_code = pv_reply_in(d, strlen(d));
}

void
pv_set_reason(struct bounce_recipient *r, const char *reason)
{
	if (reason != NULL && r->mta_reason == NULL)
		r->mta_reason = g_strdup(reason);
}

/* --- Sections of the text ------------------------------------------------ */

/*
 * The part of the text a layout reads: from the line that begins with one
 * of starts (after white space; NULL: the top) to the first of stops (or
 * the end).  FALSE when a start was asked for and is not there.
 */
gboolean
pv_section(const struct bounce_input *in, const char *const *starts,
    const char *const *stops, const char **from, const char **to)
{
	const char *t = in->text, *end = in->text + in->text_len, *cur;
	const char *s = NULL, *e;
	struct pv_line l;

	if (t == NULL || in->text_len == 0)
		return FALSE;
	if (starts == NULL) {
		s = t;
	} else {
		for (cur = t; s == NULL && pv_line_next(&cur, end, &l); )
			if (pv_begins_any(l, starts, TRUE))
				s = l.p;
		if (s == NULL)
			return FALSE;
	}
	e = pv_find_any(s, (gsize)(end - s), stops, NULL);
	*from = s;
	*to = e != NULL ? e : end;
	return TRUE;
}

/* Read the delivery-status part into b; the number of recipients. */
int
pv_read_dsn(const struct bounce_input *in, struct bounce_report *b)
{
	if (in->dsn == NULL || in->dsn_len == 0)
		return 0;
	return bounce_read_input_dsn(in, b);
}

/* The address in a header of the original message. */
char *
pv_original_address(const struct bounce_input *in, const char *name)
{
	char *v = bounce_original_header(in, name), *addr;

	addr = bounce_address(v);
	g_free(v);
	return addr;
}

/* Recipients from an "a@b, c@d" header (X-Failed-Recipients). */
void
pv_rcpts_from_header(struct pv_acc *a, const char *v)
{
	char **parts;
	int i;

	if (v == NULL)
		return;
	parts = g_strsplit(v, ",", 64);
	for (i = 0; parts[i] != NULL; i++)
		pv_acc_add_once(a, bounce_address(parts[i]));
	g_strfreev(parts);
}
