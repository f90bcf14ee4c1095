/* sniff.c - decide by content what a byte string is.
 *
 * Usage:
 *	if (ingest_sniff_payload(p, n))	   gzip, zip, XML or JSON: a candidate
 *	fmt = ingest_sniff_format(p, n);   "json" or "xml", once unpacked
 *
 * Labels (Content-Type, file names) lie too often to be trusted, so only
 * the first bytes count.  XML means: an optional byte order mark, white
 * space, then '<' opening an XML declaration, a comment, a DOCTYPE or an
 * element.  HTML is not a candidate even when it looks like XML (root
 * element html, div, p, ...): every text/html body would otherwise become a
 * "report" the parser must refuse.  JSON (SMTP TLS reports, RFC 8460)
 * means: an optional byte order mark, white space, then an object whose
 * first member name starts ("{" white space '"'), or an empty object.
 * Which JSON is a TLS report is the parser's call, not ours.
 */
#include <string.h>

#include "internal.h"

gboolean
ingest_sniff_gzip(const guchar *p, gsize n)
{
	/* ID1 ID2 and CM = 8 (deflate, the only method RFC 1952 defines). */
	return n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 0x08;
}

gboolean
ingest_sniff_zip(const guchar *p, gsize n)
{
	return n >= 4 && memcmp(p, "PK\003\004", 4) == 0;
}

static gboolean
is_space(guchar c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static gboolean
name_start(guchar c)
{
	return g_ascii_isalpha(c) || c == '_' || c >= 0x80;
}

static gboolean
name_char(guchar c)
{
	return name_start(c) || g_ascii_isdigit(c) || c == '-' || c == '.';
}

/* Length of an NCName at p, 0 when there is none. */
static gsize
ncname(const guchar *p, gsize n)
{
	gsize i = 0;

	if (n == 0 || !name_start(p[0]))
		return 0;
	while (i < n && name_char(p[i]))
		i++;
	return i;
}

/* Elements an HTML body starts with (Gmail's starts with <div dir="ltr">). */
static gboolean
is_html(const guchar *p, gsize n)
{
	static const char *const tags[] = { "html", "head", "body", "div",
	    "p", "span", "table", "meta", "br", "font", "style", "title",
	    "center", "pre", "a", "b", "i", "u", "img", "base", "link",
	    "script", "blockquote", "h1", "h2", "h3", "hr", "ul", "ol" };
	gsize k;

	for (k = 0; k < G_N_ELEMENTS(tags); k++)
		if (strlen(tags[k]) == n &&
		    g_ascii_strncasecmp((const char *)p, tags[k], n) == 0)
			return TRUE;
	return FALSE;
}

/* An element start: QName then white space, '>' or '/'.  Rules out
 * "<http://...>" and "<user@example.com>" at the top of a text body. */
static gboolean
element(const guchar *p, gsize n)
{
	gsize a = ncname(p, n), b = 0, i;

	if (a == 0)
		return FALSE;
	i = a;
	if (i < n && p[i] == ':') {
		b = ncname(p + i + 1, n - i - 1);
		if (b == 0)
			return FALSE;
		i += 1 + b;
	}
	if (is_html(b ? p + a + 1 : p, b ? b : a))
		return FALSE;
	return i < n && (is_space(p[i]) || p[i] == '>' || p[i] == '/');
}

static gboolean
markup(const guchar *p, gsize n)
{
	gsize i, len;

	if (n >= 5 && memcmp(p, "?xml", 4) == 0 && is_space(p[4]))
		return TRUE;
	if (n >= 3 && memcmp(p, "!--", 3) == 0)
		return TRUE;
	if (n >= 8 &&
	    g_ascii_strncasecmp((const char *)p, "!DOCTYPE", 8) == 0) {
		for (i = 8; i < n && is_space(p[i]); i++)
			;
		len = ncname(p + i, n - i);
		return len > 0 && !is_html(p + i, len);
	}
	return element(p, n);
}

gboolean
ingest_sniff_xml(const guchar *p, gsize n)
{
	gsize i = 0;

	/* UTF-16 with a byte order mark: trust the '<' and let libxml2 cope. */
	if (n >= 4 && ((p[0] == 0xff && p[1] == 0xfe && p[2] == '<' &&
	    p[3] == 0) || (p[0] == 0xfe && p[1] == 0xff && p[2] == 0 &&
	    p[3] == '<')))
		return TRUE;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && is_space(p[i]))
		i++;
	return i < n && p[i] == '<' && markup(p + i + 1, n - i - 1);
}

/* Offset of the first byte after a UTF-8 byte order mark and white
 * space. */
static gsize
skip_bom_space(const guchar *p, gsize n)
{
	gsize i = 0;

	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && is_space(p[i]))
		i++;
	return i;
}

gboolean
ingest_sniff_json(const guchar *p, gsize n)
{
	gsize i = skip_bom_space(p, n);

	if (i >= n || p[i] != '{')
		return FALSE;
	for (i++; i < n && is_space(p[i]); i++)
		;
	return i < n && (p[i] == '"' || p[i] == '}');
}

const char *
ingest_sniff_format(const guchar *p, gsize n)
{
	gsize i = skip_bom_space(p, n);

	return i < n && p[i] == '{' ? "json" : "xml";
}

/* TRUE when no byte string that begins with p[0..n) passes
 * ingest_sniff_payload: the first four bytes are no magic, and the first
 * byte after a byte order mark and white space is there and is neither
 * '<' nor '{'.
 * Lets a caller stop decoding a text part after its first bytes. */
gboolean
ingest_sniff_never(const guchar *p, gsize n)
{
	gsize i = 0;

	if (n < 4 || ingest_sniff_gzip(p, n) || ingest_sniff_zip(p, n) ||
	    (p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff))
		return FALSE;
	if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && is_space(p[i]))
		i++;
	return i < n && p[i] != '<' && p[i] != '{';
}

gboolean
ingest_sniff_payload(const guchar *p, gsize n)
{
	return ingest_sniff_gzip(p, n) || ingest_sniff_zip(p, n) ||
	    ingest_sniff_xml(p, n) || ingest_sniff_json(p, n);
}
