/* tlsrpt_scan.c - byte-level looks at a TLS report: the cheap sniff, and
 * the bounds pass that runs before json-c builds a tree.
 *
 * Why a pass of our own: json-c would happily build a tree of a million
 * failure-details (or 30 million numbers, or 20 million empty objects at
 * 700 bytes each, in an unknown member) before the walk in tlsrpt.c could
 * count them, and its depth bound gives no name to the limit.  One
 * linear pass over the bytes, tracking only whether we are inside a
 * string and which key each open array is the value of, refuses all of
 * that first, in constant memory.  Keys are compared as written: a
 * key spelled with escapes ("polic\u0069es") is not counted here, but the
 * walk counts again from the tree, so the bound holds either way.
 *
 * Usage: tlsrpt_sniff(buf, len) (public), tlsrpt_scan(buf, len, name, err)
 * (tlsrpt_internal.h).  Both read only buf[0..len).
 */
#include <string.h>

#include "tlsrpt_internal.h"

#define SNIFF_WINDOW	4096	/* bytes of the object the sniff reads */

/* What the array being filled is the value of. */
enum key_kind { K_OTHER, K_POLICIES, K_FAILURES, K_POLICY_STRING, K_MX_HOST };

struct frame {
	gboolean is_array;
	enum key_kind kind;	/* arrays: the key they are the value of */
	size_t count;		/* arrays: elements so far */
};

struct scan {
	const unsigned char *start, *p, *end;
	const char *name;
	GError **err;
	int depth;
	struct frame stack[TLSRPT_MAX_DEPTH + 1];	/* [1..depth] */
	gboolean expect_value;	/* after '[', ',' in an array, ':', at top */
	enum key_kind key;	/* the last key read, until its value starts */
	enum key_kind value_key;	/* the key of the value starting */
	size_t values, containers, policies, failures;
};

static const struct {
	const char *name;
	enum key_kind kind;
} counted_keys[] = {
	{ "policies", K_POLICIES },
	{ "failure-details", K_FAILURES },
	{ "policy-string", K_POLICY_STRING },
	{ "mx-host", K_MX_HOST },
};

/* The RFC 8460 members of the report object, for the sniff. */
static const char *const report_members[] = {
	"organization-name", "date-range", "contact-info", "report-id",
	"policies",
};

static gboolean
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void
tlsrpt_skip_bom_space(const char **buf, gsize *len)
{
	const char *p = *buf, *end = *buf + *len;

	if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end && is_space((unsigned char)*p))
		p++;
	*len = (gsize)(end - p);
	*buf = p;
}

static int
hex4(const unsigned char *p, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if (!g_ascii_isxdigit(p[i]))
			return -1;
		*v = *v * 16 + (unsigned)g_ascii_xdigit_value(p[i]);
	}
	return 0;
}

/* One \uXXXX escape at s->p (the backslash), or a surrogate pair; adds
 * the UTF-8 bytes it stands for to *bytes.  -1: a lone surrogate, which
 * json-c would quietly turn into U+FFFD. */
static int
scan_unicode_escape(struct scan *s, size_t *bytes)
{
	unsigned u, low;

	if (s->end - s->p < 6 || hex4(s->p + 2, &u) < 0) {
		s->p += 2;	/* malformed: json-c will say so */
		*bytes += 1;
		return 0;
	}
	s->p += 6;
	if (u >= 0xDC00 && u <= 0xDFFF)
		goto lone;
	if (u >= 0xD800 && u <= 0xDBFF) {
		if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
		    hex4(s->p + 2, &low) < 0 || low < 0xDC00 || low > 0xDFFF)
			goto lone;
		s->p += 6;
		*bytes += 4;
		return 0;
	}
	*bytes += u < 0x80 ? 1 : u < 0x800 ? 2 : 3;
	return 0;
lone:
	tlsrpt_fail(s->err, s->name, TLSRPT_ERROR_JSON, "a lone UTF-16 "
	    "surrogate escape at byte %td is not Unicode",
	    (const char *)s->p - (const char *)s->start);
	return -1;
}

/* The string at s->p (its opening quote); leaves s->p past the closing
 * quote, or at the end when there is none.  *kind: which counted key its
 * text is, when written without escapes. */
static int
scan_string(struct scan *s, enum key_kind *kind)
{
	const unsigned char *open = s->p++;
	size_t bytes = 0, i;
	gboolean escaped = FALSE;

	while (s->p < s->end && *s->p != '"') {
		if (*s->p == '\\' && s->end - s->p >= 2 && s->p[1] == 'u') {
			escaped = TRUE;
			if (scan_unicode_escape(s, &bytes) < 0)
				return -1;
		} else {
			escaped |= *s->p == '\\';
			s->p += *s->p == '\\' && s->end - s->p >= 2 ? 2 : 1;
			bytes++;
		}
		if (bytes > TLSRPT_MAX_STRING) {
			tlsrpt_fail(s->err, s->name, TLSRPT_ERROR_LIMIT,
			    "a string longer than %d bytes at byte %td "
			    "(TLSRPT_MAX_STRING)", TLSRPT_MAX_STRING,
			    open - s->start);
			return -1;
		}
	}
	*kind = K_OTHER;
	for (i = 0; !escaped && i < G_N_ELEMENTS(counted_keys); i++)
		if (bytes == strlen(counted_keys[i].name) &&
		    memcmp(open + 1, counted_keys[i].name, bytes) == 0)
			*kind = counted_keys[i].kind;
	if (s->p < s->end)
		s->p++;
	return 0;
}

static int
limit(struct scan *s, const char *what, long bound, const char *macro)
{
	tlsrpt_fail(s->err, s->name, TLSRPT_ERROR_LIMIT, "more than %ld %s "
	    "(%s)", bound, what, macro);
	return -1;
}

/* A value starts at s->p: count it, and count it as an element of the
 * array it is in. */
static int
count_value(struct scan *s)
{
	struct frame *f = &s->stack[s->depth];

	s->expect_value = FALSE;
	s->value_key = s->key;
	s->key = K_OTHER;
	if (++s->values > TLSRPT_MAX_VALUES)
		return limit(s, "JSON values", TLSRPT_MAX_VALUES,
		    "TLSRPT_MAX_VALUES");
	if (s->depth == 0 || !f->is_array)
		return 0;
	f->count++;
	switch (f->kind) {
	case K_POLICIES:
		if (++s->policies > TLSRPT_MAX_POLICIES)
			return limit(s, "policies", TLSRPT_MAX_POLICIES,
			    "TLSRPT_MAX_POLICIES");
		break;
	case K_FAILURES:
		if (++s->failures > TLSRPT_MAX_FAILURES)
			return limit(s, "failure-details",
			    TLSRPT_MAX_FAILURES, "TLSRPT_MAX_FAILURES");
		break;
	case K_POLICY_STRING:
	case K_MX_HOST:
		if (f->count > TLSRPT_MAX_LIST)
			return limit(s, f->kind == K_MX_HOST ? "mx-host "
			    "entries in a policy" : "policy-string entries "
			    "in a policy", TLSRPT_MAX_LIST, "TLSRPT_MAX_LIST");
		break;
	case K_OTHER:
		break;
	}
	return 0;
}

static int
open_container(struct scan *s)
{
	struct frame *f;

	if (s->depth >= TLSRPT_MAX_DEPTH) {
		tlsrpt_fail(s->err, s->name, TLSRPT_ERROR_LIMIT, "JSON nested "
		    "more than %d deep at byte %td (TLSRPT_MAX_DEPTH)",
		    TLSRPT_MAX_DEPTH, (const char *)s->p -
		    (const char *)s->start);
		return -1;
	}
	if (++s->containers > TLSRPT_MAX_CONTAINERS)
		return limit(s, "JSON objects and arrays",
		    TLSRPT_MAX_CONTAINERS, "TLSRPT_MAX_CONTAINERS");
	f = &s->stack[++s->depth];
	f->is_array = *s->p == '[';
	f->kind = f->is_array ? s->value_key : K_OTHER;
	f->count = 0;
	s->expect_value = f->is_array;
	s->p++;
	return 0;
}

/* A string, and what it turns out to be: a key when ':' follows. */
static int
string_token(struct scan *s)
{
	const unsigned char *q;
	enum key_kind kind;

	if (scan_string(s, &kind) < 0)
		return -1;
	for (q = s->p; q < s->end && is_space(*q); q++)
		;
	if (q < s->end && *q == ':')
		s->key = kind;
	return 0;
}

/* A number, true, false, null (or junk json-c will refuse): skipped,
 * and bounded, since json-c copies it and messages quote it. */
static int
scalar_token(struct scan *s)
{
	const unsigned char *start = s->p;

	while (s->p < s->end && !strchr(" \t\r\n,:[]{}\"", *s->p)) {
		if (++s->p - start > TLSRPT_MAX_NUMBER) {
			tlsrpt_fail(s->err, s->name, TLSRPT_ERROR_LIMIT,
			    "a number longer than %d bytes at byte %td "
			    "(TLSRPT_MAX_NUMBER)", TLSRPT_MAX_NUMBER,
			    start - s->start);
			return -1;
		}
	}
	return 0;
}

static int
token(struct scan *s)
{
	unsigned char c = *s->p;

	if (s->expect_value && c != ']' && c != '}' && c != ',' &&
	    count_value(s) < 0)
		return -1;
	switch (c) {
	case '"':
		return string_token(s);
	case '{':
	case '[':
		return open_container(s);
	case '}':
	case ']':
		if (s->depth > 0)
			s->depth--;
		s->expect_value = FALSE;	/* "[]": no element */
		break;
	case ':':
		s->expect_value = TRUE;
		break;
	case ',':
		s->expect_value = s->depth > 0 && s->stack[s->depth].is_array;
		break;
	default:	/* a number, true, false, null, or junk */
		return scalar_token(s);
	}
	s->p++;
	return 0;
}

int
tlsrpt_scan(const char *buf, gsize len, const char *name, GError **err)
{
	struct scan s = { 0 };
	const char *bad;

	if (!g_utf8_validate_len(buf, len, &bad)) {
		tlsrpt_fail(err, name, TLSRPT_ERROR_JSON, "not UTF-8 at byte "
		    "%td", bad - buf);
		return -1;
	}
	s.start = s.p = (const unsigned char *)buf;
	s.end = s.start + len;
	s.name = name;
	s.err = err;
	s.expect_value = TRUE;
	while (s.p < s.end) {
		if (is_space(*s.p))
			s.p++;
		else if (token(&s) < 0)
			return -1;
	}
	return 0;
}

/* ---- the sniff ---- */

/* At p, a string that is one of the report members, followed by ':'. */
static gboolean
member_key(const char *p, const char *end, const char **next)
{
	const char *q = p + 1;
	size_t i, n;

	while (q < end && *q != '"')
		q += *q == '\\' && end - q >= 2 ? 2 : 1;
	*next = q < end ? q + 1 : end;
	if (q >= end)
		return FALSE;
	n = (size_t)(q - p - 1);
	for (q = *next; q < end && is_space((unsigned char)*q); q++)
		;
	if (q >= end || *q != ':')
		return FALSE;
	for (i = 0; i < G_N_ELEMENTS(report_members); i++)
		if (strlen(report_members[i]) == n &&
		    memcmp(p + 1, report_members[i], n) == 0)
			return TRUE;
	return FALSE;
}

gboolean
tlsrpt_sniff(const char *buf, gsize len)
{
	const char *p, *end, *next;
	int depth = 0;

	if (buf == NULL)
		return FALSE;
	tlsrpt_skip_bom_space(&buf, &len);
	if (len == 0 || *buf != '{')
		return FALSE;
	end = buf + MIN(len, SNIFF_WINDOW);
	for (p = buf; p < end; p++) {
		switch (*p) {
		case '"':
			if (depth == 1 && member_key(p, end, &next))
				return TRUE;
			if (depth != 1)	/* skip it all the same */
				member_key(p, end, &next);
			p = next - 1;
			break;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth <= 0)
				return FALSE;
			break;
		}
	}
	return FALSE;
}
