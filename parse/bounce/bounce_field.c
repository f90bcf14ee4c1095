/* bounce_field.c - small helpers for recognizers: recipients, field
 * values, addresses, status codes, dates, case-blind search.
 *
 * Usage: see bounce_internal.h.  Every string made here is valid UTF-8,
 * bounded by BOUNCE_MAX_FIELD, owned by the caller.
 */
#include <string.h>

#include "bounce_core.h"

/* Cut s (length *n) back to a UTF-8 character boundary at most max. */
void
bounce_cut_utf8(char *s, gsize *n, gsize max)
{
	gsize k;

	if (*n <= max)
		return;
	k = max;
	while (k > 0 && ((guchar)s[k] & 0xc0) == 0x80)
		k--;
	s[k] = '\0';
	*n = k;
}

/*
 * g_utf8_validate of s[0..n) (a NUL byte is invalid), eight bytes at a
 * time while they are ASCII, which nearly all text is: GLib's loop costs
 * a few instructions a byte, and every part and field passes here.
 */
gboolean
bounce_utf8_valid(const char *s, gsize n)
{
	const guint64 high = UINT64_C(0x8080808080808080),
	    ones = UINT64_C(0x0101010101010101);
	guint64 w;
	gsize i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		/* A byte with the high bit set, or a zero byte. */
		if (((w | ((w - ones) & ~w)) & high) != 0)
			break;
	}
	return g_utf8_validate_len(s + i, n - i, NULL);
}

/*
 * Hot: recognizers ask it of every message.  The candidates for the first
 * byte are found with memchr (vectorized in libc), in both cases at once
 * for a letter, and only they are compared further.
 */
const char *
bounce_strcasestr(const char *hay, gsize n, const char *needle)
{
	gsize k = strlen(needle);
	const char *p, *last, *lo, *up;
	char l, u;

	if (k == 0)
		return hay;
	if (hay == NULL || n < k)
		return NULL;
	l = g_ascii_tolower(needle[0]);
	u = g_ascii_toupper(needle[0]);
	last = hay + (n - k);
	lo = memchr(hay, l, (gsize)(last - hay) + 1);
	up = l == u ? NULL : memchr(hay, u, (gsize)(last - hay) + 1);
	while (lo != NULL || up != NULL) {
		if (up == NULL || (lo != NULL && lo < up)) {
			p = lo;
			lo = p < last ? memchr(p + 1, l, (gsize)(last - p)) :
			    NULL;
		} else {
			p = up;
			up = p < last ? memchr(p + 1, u, (gsize)(last - p)) :
			    NULL;
		}
		if (g_ascii_strncasecmp(p + 1, needle + 1, k - 1) == 0)
			return p;
	}
	return NULL;
}

struct bounce_recipient *
bounce_add_recipient(struct bounce_report *b)
{
	struct bounce_recipient *r;

	if (b->recipients->len >= BOUNCE_MAX_RECIPIENTS) {
		b->recipients_dropped++;
		return NULL;
	}
	r = g_new0(struct bounce_recipient, 1);
	g_ptr_array_add(b->recipients, r);
	return r;
}

char *
bounce_field(const char *s, gssize n)
{
	char *valid = NULL, *out;
	const guchar *p, *end;
	gsize k = 0, len;
	gboolean space = FALSE;

	if (s == NULL)
		return NULL;
	len = n < 0 ? strlen(s) : (gsize)n;
	if (!bounce_utf8_valid(s, len)) {
		valid = g_utf8_make_valid(s, (gssize)len);
		s = valid;
		len = strlen(s);
	}
	/* Collapsing never lengthens; past the bound two bytes may be
	 * written at once (a space and a byte). */
	out = g_malloc(MIN(len, BOUNCE_MAX_FIELD + 8) + 1);
	p = (const guchar *)s;
	end = p + len;
	for (; p < end && k < BOUNCE_MAX_FIELD + 4; p++) {
		if (*p <= ' ' || *p == 0x7f) {
			space = k > 0;
			continue;
		}
		if (space)
			out[k++] = ' ';
		space = FALSE;
		out[k++] = (char)*p;
	}
	out[k] = '\0';
	bounce_cut_utf8(out, &k, BOUNCE_MAX_FIELD);
	g_free(valid);
	if (k == 0) {
		g_free(out);
		return NULL;
	}
	return out;
}

/*
 * RFC 6533 utf-8-addr-xtext / unitext: "\x{HHHH}" stands for a character.
 * Decoded in place (the UTF-8 form is never longer than the escape).
 */
static void
unescape_unitext(char *s)
{
	char *w = s, *r = s, *close;
	gunichar c;

	while (*r != '\0') {
		if (r[0] == '\\' && r[1] == 'x' && r[2] == '{' &&
		    (close = strchr(r + 3, '}')) != NULL && close - r <= 11) {
			c = (gunichar)g_ascii_strtoull(r + 3, NULL, 16);
			if (c > 0 && g_unichar_validate(c)) {
				w += g_unichar_to_utf8(c, w);
				r = close + 1;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
}

static gboolean
addr_char(guchar c)
{
	return c > ' ' && c != '<' && c != '>' && c != '(' && c != ')' &&
	    c != ',' && c != ';' && c != '"' && c != '\'' && c != '[' &&
	    c != ']' && c != '\\' && c != 0x7f;
}

/*
 * An address from "<a@b>", "rfc822; a@b", "a@b (comment)", "Name <a@b>":
 * the first "<...>" holding an '@', else the first word holding one.  The
 * domain is lower-cased (the local part is the recipient's business),
 * trailing dots and colons dropped.
 */
static char *address_in(const char *s);

char *
bounce_address(const char *s)
{
	char *plain, *addr;

	if (s == NULL || strstr(s, "\\x{") == NULL)
		return address_in(s);
	/* RFC 6533 "utf-8; \x{7528}@..." spelled out first. */
	plain = g_strndup(s, BOUNCE_MAX_FIELD);
	unescape_unitext(plain);
	addr = address_in(plain);
	g_free(plain);
	return addr;
}

/*
 * Issue 14, family 7: Exchange and X.400 gateways write the SMTP address
 * behind a prefix ("SMTP:a@b", "dda:SMTP=a@b", "smtp=a@b") or wrapped in
 * their own domain ("IMCEASMTP-a+40b+2Ecom@gateway": '+' and two hex
 * digits stand for a character).  The address inside is what failed.
 */
static const char *const gateway_prefixes[] = {
	"dda:smtp=", "smtp:", "smtp=", "rfc822=", "x-smtp:",
	"dda:rfc-822=", "dda:rfc822=", "rfc-822=",	/* round 3: X.400 */
	NULL
};

static const char *
past_prefix(const char *b, const char *at)
{
	gsize k;
	int i;

	for (i = 0; gateway_prefixes[i] != NULL; i++) {
		k = strlen(gateway_prefixes[i]);
		if ((gsize)(at - b) > k &&
		    g_ascii_strncasecmp(b, gateway_prefixes[i], k) == 0)
			return b + k;
	}
	return b;
}

#define IMCEA	"imceasmtp-"

/* The address an "IMCEASMTP-" local part [b, at) encodes, or NULL. */
static char *
imcea_address(const char *b, const char *at)
{
	GString *g;
	char *addr;

	if ((gsize)(at - b) <= strlen(IMCEA) ||
	    g_ascii_strncasecmp(b, IMCEA, strlen(IMCEA)) != 0)
		return NULL;
	g = g_string_sized_new((gsize)(at - b));
	for (b += strlen(IMCEA); b < at; b++) {
		if (*b == '+' && at - b > 2 && g_ascii_isxdigit(b[1]) &&
		    g_ascii_isxdigit(b[2])) {
			char c = (char)(g_ascii_xdigit_value(b[1]) * 16 +
			    g_ascii_xdigit_value(b[2]));

			if (c > ' ' && c != 0x7f)
				g_string_append_c(g, c);
			b += 2;
		} else
			g_string_append_c(g, *b);
	}
	addr = strchr(g->str, '@') != NULL ? address_in(g->str) : NULL;
	g_string_free(g, TRUE);
	return addr;
}

static char *
address_in(const char *s)
{
	const char *at, *b, *e, *lt, *gt;
	char *addr, *dom;
	gsize n;

	if (s == NULL)
		return NULL;
	n = strnlen(s, BOUNCE_MAX_FIELD);
	b = NULL;
	/* Each "<...>" once, the innermost '<' before each '>': linear. */
	for (lt = memchr(s, '<', n); lt != NULL; lt = gt + 1 < s + n ?
	    memchr(gt + 1, '<', n - (gsize)(gt + 1 - s)) : NULL) {
		gt = memchr(lt, '>', n - (gsize)(lt - s));
		if (gt == NULL)
			break;
		lt = memrchr(lt, '<', (gsize)(gt - lt));
		at = memchr(lt, '@', (gsize)(gt - lt));
		if (at != NULL) {
			b = lt + 1;
			e = gt;
			while (b < e && *b == ' ')
				b++;
			while (e > b && e[-1] == ' ')
				e--;
			/* "<mailto:a@b>" and source routes "<@x:a@b>" */
			if (e - b > 7 && g_ascii_strncasecmp(b, "mailto:", 7) == 0)
				b += 7;
			if (*b == '@' && (lt = memchr(b, ':',
			    (gsize)(e - b))) != NULL)
				b = lt + 1;
			break;
		}
	}
	if (b == NULL) {
		at = memchr(s, '@', n);
		while (at != NULL && (at == s || !addr_char((guchar)at[-1])))
			at = memchr(at + 1, '@', n - (gsize)(at + 1 - s));
		if (at == NULL)
			return NULL;
		for (b = at; b > s && addr_char((guchar)b[-1]); b--)
			;
		for (e = at; e < s + n && addr_char((guchar)*e); e++)
			;
		/* "rfc822;a@b" without the space */
		if (memchr(b, ':', (gsize)(at - b)) != NULL &&
		    g_ascii_strncasecmp(b, "mailto:", 7) == 0)
			b += 7;
	}
	while (e > b && (e[-1] == '.' || e[-1] == ':'))
		e--;
	if (e - b < 3 || (at = memchr(b, '@', (gsize)(e - b))) == NULL)
		return NULL;
	b = past_prefix(b, at);
	if ((addr = imcea_address(b, at)) != NULL)
		return addr;
	addr = bounce_field(b, e - b);
	if (addr == NULL || strchr(addr, ' ') != NULL) {
		g_free(addr);
		return NULL;
	}
	dom = strrchr(addr, '@');
	if (dom == addr || dom[1] == '\0') {
		g_free(addr);
		return NULL;
	}
	for (dom++; *dom != '\0'; dom++)
		*dom = g_ascii_tolower(*dom);
	return addr;
}

gsize
bounce_digits(const char *s, gsize max)
{
	gsize i = 0;

	while (i < max && g_ascii_isdigit(s[i]))
		i++;
	return i;
}

/* A status "C.S.D" starting exactly at s (C one of 2, 4, 5; S and D one to
 * three digits), not part of a longer dotted number: its length, or 0. */
static gsize
status_len(const char *s)
{
	gsize a, b;

	if ((s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	a = bounce_digits(s + 2, 4);
	if (a == 0 || a > 3 || s[2 + a] != '.')
		return 0;
	b = bounce_digits(s + 3 + a, 4);
	if (b == 0 || b > 3)
		return 0;
	if (s[3 + a + b] == '.' && g_ascii_isdigit(s[4 + a + b]))
		return 0;
	return 3 + a + b;
}

/* The first status in s, not preceded by a digit or dot (an IP). */
char *
bounce_status_at(const char *s)
{
	const char *p;
	gsize n;

	if (s == NULL)
		return NULL;
	for (p = s; *p != '\0'; p++) {
		if (p > s && (g_ascii_isalnum(p[-1]) || p[-1] == '.'))
			continue;
		if ((n = status_len(p)) > 0)
			return g_strndup(p, n);
	}
	return NULL;
}

/* Digits at *p, exactly min to max of them, as a number; -1 if not. */
static int
date_num(const char **p, int min, int max)
{
	int v = 0, n = 0;

	while (n < max && g_ascii_isdigit(**p)) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n >= min && !g_ascii_isdigit(**p) ? v : -1;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/*
 * The form nearly every date has, "[Tue, ]14 May 2024 09:12:40 +0000"
 * (seconds optional, a comment after the zone allowed), read here: a
 * date goes through GMime's parser and a GDateTime otherwise, twenty
 * times the work, and a bounce has several.  Anything else (two-digit
 * years, named zones, odd spacing, a value out of range) is left to GMime,
 * so both always agree.  1 with *t set, 0 when not this form.
 */
static gboolean
date_fast(const char *p, int64_t *t)
{
	static const char days[] = "montuewedthufrisatsun";
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int day, mon, year, hh, mm, ss = 0, zh, zm, sign;
	const char *m;

	while (*p == ' ' || *p == '\t')
		p++;
	if (g_ascii_isalpha(*p)) {	/* the day of the week */
		for (m = days; *m != '\0'; m += 3)
			if (g_ascii_strncasecmp(p, m, 3) == 0)
				break;
		if (*m == '\0' || p[3] != ',' || p[4] != ' ')
			return FALSE;
		p += 5;
	}
	if ((day = date_num(&p, 1, 2)) < 1 || *p++ != ' ')
		return FALSE;
	for (m = months, mon = 0; mon < 12; mon++, m += 3)
		if (g_ascii_strncasecmp(p, m, 3) == 0)
			break;
	if (mon == 12 || p[3] != ' ')
		return FALSE;
	p += 4;
	if ((year = date_num(&p, 4, 4)) < 1970 || *p++ != ' ' ||
	    (hh = date_num(&p, 2, 2)) < 0 || hh > 23 || *p++ != ':' ||
	    (mm = date_num(&p, 2, 2)) < 0 || mm > 59)
		return FALSE;
	if (*p == ':' && (p++, (ss = date_num(&p, 2, 2)) < 0 || ss > 59))
		return FALSE;
	if (*p++ != ' ' || (*p != '+' && *p != '-'))
		return FALSE;
	sign = *p++ == '-' ? -1 : 1;
	if ((zh = date_num(&p, 4, 4)) < 0)
		return FALSE;
	zm = zh % 100;
	zh /= 100;
	if (zh > 23 || zm > 59 || day > mdays[mon] || (mon == 1 && day == 29 &&
	    (year % 4 != 0 || (year % 100 == 0 && year % 400 != 0))))
		return FALSE;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0' && *p != '(')
		return FALSE;
	*t = days_from_civil(year, mon + 1, day) * 86400 + hh * 3600 +
	    mm * 60 + ss - sign * (zh * 3600 + zm * 60);
	return TRUE;
}

/* An RFC 5322 date as epoch seconds, 0 when it cannot be read. */
int64_t
bounce_date(const char *v)
{
	GDateTime *dt;
	int64_t t;

	if (v == NULL)
		return 0;
	if (date_fast(v, &t))
		return t;
	dt = g_mime_utils_header_decode_date(v);
	if (dt == NULL)
		return 0;
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}
