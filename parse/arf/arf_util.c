/* arf_util.c - the small pieces the ARF reader is made of: a header-block
 * reader that never fails, and the string helpers through which every
 * value of a report passes, so that each is valid UTF-8 and bounded.
 *
 * Usage:
 *	arf_hreader_init(&r, bytes, len);
 *	while (arf_hreader_next(&r, &h)) { ... h.name, h.raw ... }
 *	arf_hline_clear(&h);
 *	v = arf_value(h.raw);	   valid UTF-8, at most ARF_MAX_VALUE bytes
 *	v = arf_decoded(h.raw);	   the same after RFC 2047 decoding
 */
#include <string.h>
#include <gio/gio.h>

#include "arf_internal.h"

void
arf_hreader_init(struct arf_hreader *r, const char *p, gsize n)
{
	if (p == NULL) {	/* an empty part has no buffer at all */
		p = "";
		n = 0;
	}
	r->p = p;
	r->end = p + n;
	r->started = FALSE;
	r->done = FALSE;
}

const char *
arf_hreader_rest(const struct arf_hreader *r)
{
	return r->p;
}

/* One line: its start, its length without the line end; *next set past
 * the line end. */
static gsize
line_at(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (gsize)(end - p));
	gsize len;

	if (nl == NULL) {
		*next = end;
		len = (gsize)(end - p);
	} else {
		*next = nl + 1;
		len = (gsize)(nl - p);
	}
	if (len > 0 && p[len - 1] == '\r')
		len--;
	return len;
}

static gboolean
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The length of the field name at the start of the line, or 0 when the
 * line is no field.  Blank space before the colon is allowed (RFC 5322
 * obsolete syntax) and not part of the name. */
static gsize
field_name_len(const char *line, gsize len, gsize *colon)
{
	gsize i, n;

	for (i = 0; i < len && line[i] != ':'; i++)
		if ((guchar)line[i] < 33 || (guchar)line[i] > 126)
			break;
	n = i;
	while (i < len && is_blank(line[i]))
		i++;
	if (n == 0 || i >= len || line[i] != ':')
		return 0;
	*colon = i;
	return n;
}

/* Append a piece of a value: NUL bytes become spaces, so the value stays
 * one C string. */
static void
append_raw(GString *s, const char *p, gsize n)
{
	gsize i, from = 0;

	for (i = 0; i < n; i++)
		if (p[i] == '\0') {
			g_string_append_len(s, p + from, (gssize)(i - from));
			g_string_append_c(s, ' ');
			from = i + 1;
		}
	g_string_append_len(s, p + from, (gssize)(n - from));
}

static char *
trimmed(GString *s)
{
	gsize a = 0, b = s->len;

	while (a < b && g_ascii_isspace(s->str[a]))
		a++;
	while (b > a && g_ascii_isspace(s->str[b - 1]))
		b--;
	g_string_truncate(s, b);
	g_string_erase(s, 0, (gssize)a);
	return g_string_free(s, FALSE);
}

gboolean
arf_hreader_next(struct arf_hreader *r, struct arf_hline *h)
{
	const char *line, *next;
	gsize len, colon = 0, namelen;
	GString *v;

	h->name = h->raw = NULL;
	while (r->p < r->end) {
		line = r->p;
		len = line_at(line, r->end, &next);
		r->p = next;
		if (len == 0) {
			if (r->started) {
				r->end = r->p;	/* the block is over */
				r->done = TRUE;
				return FALSE;
			}
			continue;	/* blank lines before the first field */
		}
		if (is_blank(line[0]))
			continue;	/* continues a line that was no field */
		if ((namelen = field_name_len(line, len, &colon)) == 0)
			continue;
		r->started = TRUE;
		h->name = g_strndup(line, namelen);
		v = g_string_sized_new(len - colon + 16);
		append_raw(v, line + colon + 1, len - colon - 1);
		/* A fold and the blank space around it become one space:
		 * RFC 5322 unfolding keeps the blanks, but a value read
		 * back should not depend on how a reporter wrapped it. */
		while (r->p < r->end && is_blank(r->p[0])) {
			line = r->p;
			len = line_at(line, r->end, &next);
			r->p = next;
			while (len > 0 && is_blank(*line)) {
				line++;
				len--;
			}
			if (len == 0)
				continue;
			while (v->len > 0 && is_blank(v->str[v->len - 1]))
				g_string_truncate(v, v->len - 1);
			if (v->len > 0)
				g_string_append_c(v, ' ');
			append_raw(v, line, len);
		}
		h->raw = trimmed(v);
		return TRUE;
	}
	return FALSE;
}

void
arf_hline_clear(struct arf_hline *h)
{
	g_clear_pointer(&h->name, g_free);
	g_clear_pointer(&h->raw, g_free);
}

/* Cut a valid UTF-8 string to at most max bytes, on a character
 * boundary. */
static void
cut_utf8(char *s, gsize max)
{
	gsize n = strlen(s);

	if (n <= max)
		return;
	while (max > 0 && ((guchar)s[max] & 0xC0) == 0x80)
		max--;
	s[max] = '\0';
}

/* Valid UTF-8 of at most max bytes.  Bytes that are not UTF-8 are read
 * in the charset GMime finds converts most of them (its fallback list:
 * UTF-8, then ISO-8859-1 and the locale's), and what is still invalid is
 * replaced. */
char *
arf_text(const char *s, gsize len, gsize max)
{
	char *out, *valid;

	if (s == NULL)
		return NULL;
	if (len == (gsize)-1)
		len = strlen(s);
	if (memchr(s, '\0', len) != NULL)
		len = strlen(s);
	if (g_utf8_validate(s, (gssize)len, NULL)) {
		out = g_strndup(s, len);
	} else {
		out = g_mime_utils_decode_8bit(NULL, s, len);
		if (out == NULL || !g_utf8_validate(out, -1, NULL)) {
			valid = g_utf8_make_valid(out != NULL ? out : s,
			    out != NULL ? -1 : (gssize)len);
			g_free(out);
			out = valid;
		}
	}
	cut_utf8(out, max);
	return out;
}

char *
arf_value(const char *s)
{
	return arf_text(s, (gsize)-1, ARF_MAX_VALUE);
}

/* RFC 2047 encoded words decoded, raw 8-bit text converted: GMime does
 * both. */
char *
arf_decoded(const char *s)
{
	char *d, *v;

	if (s == NULL)
		return NULL;
	d = g_mime_utils_header_decode_text(NULL, s);
	v = arf_value(d != NULL ? d : s);
	g_free(d);
	return v;
}

/* The same unfolding as arf_hreader_next, for a value read elsewhere. */
char *
arf_unfold(const char *s, gsize n)
{
	GString *v = g_string_sized_new(n + 1);
	gsize i = 0;

	while (i < n) {
		if (s[i] != '\r' && s[i] != '\n') {
			g_string_append_c(v, s[i] == '\0' ? ' ' : s[i]);
			i++;
			continue;
		}
		while (i < n && (s[i] == '\r' || s[i] == '\n' ||
		    is_blank(s[i])))
			i++;
		while (v->len > 0 && is_blank(v->str[v->len - 1]))
			g_string_truncate(v, v->len - 1);
		if (v->len > 0 && i < n)
			g_string_append_c(v, ' ');
	}
	return trimmed(v);
}

/* The address a value starts with, in the form GIO writes it:
 * "192.0.2.1 (host.example)", "[192.0.2.1]", "IPv6:2001:DB8::1" all
 * give the address alone. */
char *
arf_canonical_ip(const char *s)
{
	GInetAddress *a;
	char *tok, *out = NULL;
	gsize n;

	if (s == NULL)
		return NULL;
	while (g_ascii_isspace(*s) || *s == '[')
		s++;
	if (arf_has_prefix_ci(s, "IPv6:"))
		s += 5;
	n = strcspn(s, " \t[]();,<>\"'");
	if (n == 0 || n > 64)
		return NULL;
	tok = g_strndup(s, n);
	if ((a = g_inet_address_new_from_string(tok)) != NULL) {
		out = g_inet_address_to_string(a);
		g_object_unref(a);
	}
	g_free(tok);
	return out;
}

int64_t
arf_date(const char *s)
{
	GDateTime *dt;
	int64_t t;

	if (s == NULL || *s == '\0')
		return 0;
	if ((dt = g_mime_utils_header_decode_date(s)) == NULL)
		return 0;
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

/* Takes s; FALSE (and s freed, *dropped counted) when the list is full. */
gboolean
arf_list_add(GPtrArray *list, char *s, guint *dropped)
{
	if (list->len >= ARF_MAX_LIST) {
		g_free(s);
		(*dropped)++;
		return FALSE;
	}
	g_ptr_array_add(list, s);
	return TRUE;
}

/* "Abuse (user clicked)" gives "abuse": the first word, a comment before
 * it skipped. */
char *
arf_first_word_lower(const char *s)
{
	gsize n;

	if (s == NULL)
		return NULL;
	while (g_ascii_isspace(*s))
		s++;
	if (*s == '(') {
		const char *close = strchr(s, ')');

		if (close != NULL)
			for (s = close + 1; g_ascii_isspace(*s); s++)
				;
	}
	n = strcspn(s, " \t;,()");
	return g_ascii_strdown(s, (gssize)n);
}

gboolean
arf_has_prefix_ci(const char *s, const char *prefix)
{
	return s != NULL &&
	    g_ascii_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* The first place needle occurs in hay[0..n), ignoring ASCII case. */
const char *
arf_find_ci(const char *hay, gsize n, const char *needle)
{
	gsize k = strlen(needle), i;
	char first = g_ascii_tolower(needle[0]);

	if (hay == NULL || k == 0 || n < k)
		return NULL;
	for (i = 0; i + k <= n; i++)
		if (g_ascii_tolower(hay[i]) == first &&
		    g_ascii_strncasecmp(hay + i, needle, k) == 0)
			return hay + i;
	return NULL;
}
