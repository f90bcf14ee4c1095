/* values.c - values the database accepts, and the normalized forms the
 * views compare; shared by the TLS and ARF writers (tls.c, arf.c).
 *
 *	v = val_utf8(s, keep);		   s, or a repaired copy kept in keep
 *	ip = val_inet("2001:0db8::1");	   "2001:db8::1", NULL if no address
 *	h = val_host(" MX: Mail.Example.COM. ", TRUE);   "mail.example.com"
 *	d = val_mail_domain("Ann <ann@Example.org>");	   "example.org"
 *	t = val_epoch(t, buf);		   epoch text, NULL when absent/absurd
 *	lit = val_text_array(strv);	   text[] literal, elements repaired
 *	val_ident_add(checksum, s);	   one field of an identity hash
 *
 * Text from a report is any bytes the parser let through; PostgreSQL
 * refuses text that is not valid UTF-8 (and a NUL, which a C string
 * cannot hold), and refusing costs the whole report, so text is repaired
 * here (invalid sequences become U+FFFD).  Normalizing in C rather than in
 * SQL keeps the rules independent of the database's locale.
 */
#include <gio/gio.h>
#include <inttypes.h>
#include <string.h>

#include "internal.h"

const char *
val_utf8(const char *s, GPtrArray *keep)
{
	char *fixed;

	if (s == NULL || g_utf8_validate(s, -1, NULL))
		return s;
	fixed = g_utf8_make_valid(s, -1);
	g_ptr_array_add(keep, fixed);
	return fixed;
}

char *
val_inet(const char *s)
{
	GInetAddress *a;
	char *t;

	/* A zone (fe80::1%eth0) is no inet value; lengths bound the parse. */
	if (s == NULL || *s == '\0' || strlen(s) > 64 || strchr(s, '%'))
		return NULL;
	if ((a = g_inet_address_new_from_string(s)) == NULL)
		return NULL;
	t = g_inet_address_to_string(a);
	g_object_unref(a);
	return t;
}

char *
val_host(const char *s, gboolean mx)
{
	char *valid, *down;
	gsize len;

	if (s == NULL)
		return NULL;
	while (g_ascii_isspace(*s))
		s++;
	/* Some reporters write an MX as the STS policy does: "mx: host". */
	if (mx && g_ascii_strncasecmp(s, "mx:", 3) == 0)
		for (s += 3; g_ascii_isspace(*s); s++)
			;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == '.' || g_ascii_isspace(s[len - 1])))
		len--;
	if (len == 0)
		return NULL;
	valid = g_utf8_make_valid(s, (gssize)len);
	down = g_utf8_strdown(valid, -1);
	g_free(valid);
	return down;
}

char *
val_mail_domain(const char *s)
{
	const char *start, *end, *at = NULL, *p, *q;
	char *dom, *norm;

	if (s == NULL)
		return NULL;
	/* The first address: inside <...> when there is one, else up to a
	 * comma; its domain is after its last @. */
	if ((start = strchr(s, '<')) != NULL) {
		start++;
		if ((end = strchr(start, '>')) == NULL)
			end = start + strlen(start);
	} else {
		start = s;
		if ((end = strchr(s, ',')) == NULL)
			end = s + strlen(s);
	}
	for (p = start; p < end; p++)
		if (*p == '@')
			at = p;
	if (at == NULL)
		return NULL;
	for (p = q = at + 1; q < end && strchr(" \t\r\n<>,;:\"()[]", *q) == NULL;
	    q++)
		;
	if (q == p)
		return NULL;
	dom = g_strndup(p, q - p);
	norm = val_host(dom, FALSE);
	g_free(dom);
	return norm;
}

/* Year 9999's last second: to_timestamp's text stays four digits, and no
 * report speaks of later. */
#define EPOCH_LAST INT64_C(253402300799)

const char *
val_epoch(int64_t t, char *buf, gsize len)
{
	if (t <= 0 || t > EPOCH_LAST)
		return NULL;
	snprintf(buf, len, "%" PRId64, t);
	return buf;
}

gboolean
val_epoch_ok(int64_t t)
{
	return t >= 0 && t <= EPOCH_LAST;
}

char *
val_text_array(const GPtrArray *strv)
{
	GPtrArray *keep, *fixed;
	char *lit;
	guint i;

	if (strv == NULL || strv->len == 0)
		return NULL;
	keep = g_ptr_array_new_with_free_func(g_free);
	fixed = g_ptr_array_sized_new(strv->len);
	for (i = 0; i < strv->len; i++)
		g_ptr_array_add(fixed, (char *)val_utf8(
		    g_ptr_array_index(strv, i), keep));
	lit = pg_array_literal(fixed);
	g_ptr_array_free(fixed, TRUE);
	g_ptr_array_free(keep, TRUE);
	return lit;
}

void
val_ident_add(GChecksum *ck, const char *s)
{
	char len[24];

	if (s == NULL) {
		g_checksum_update(ck, (const guchar *)"-", 1);
		return;
	}
	snprintf(len, sizeof(len), "+%zu:", strlen(s));
	g_checksum_update(ck, (const guchar *)len, -1);
	g_checksum_update(ck, (const guchar *)s, strlen(s));
}

void
val_ident_add_int(GChecksum *ck, int64_t n)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, n);
	val_ident_add(ck, buf);
}

void
val_ident_add_list(GChecksum *ck, const GPtrArray *strv)
{
	guint i, n = strv ? strv->len : 0;

	val_ident_add_int(ck, n);
	for (i = 0; i < n; i++)
		val_ident_add(ck, g_ptr_array_index(strv, i));
}
