/* bounce_orig.c - the message that bounced: its identity (Message-ID,
 * From, To, Subject, Date, List-Id, Feedback-ID) and the IP it was sent
 * from, read from the attached copy or its headers.
 *
 * Usage:
 *	bounce_fill_original(in, b);	   fills b->orig
 *	v = bounce_original_header(in, "X-Mailer");	   or NULL
 *
 * The copy is the message/rfc822 part GMime parsed (its header list is
 * read), a headers-only part or a message GMime left unparsed because it
 * was transfer-encoded (its text is read), or the lines after a marker in
 * the text of the bounce.
 *
 * The sending IP follows one rule: the Received: headers of the copy are
 * read top down, and the first one whose "from" clause (before "by") names
 * an IP address gives it: the hop nearest the receiver, where our MTA
 * handed the message over.  A private, loopback or link-local address is
 * taken only when no Received: header of the copy names a public one (a
 * copy bounced inside one network).
 */
#include <string.h>
#include <arpa/inet.h>

#include "bounce_core.h"

#define MAX_HEADERS	1000	/* header fields of the original read */
#define ORIG_HEAD_MAX	65536	/* bytes of an unparsed original read */

static gboolean
ip_private(const char *ip)
{
	guchar a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return a[0] == 10 || a[0] == 127 || a[0] == 0 ||
		    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 169 && a[1] == 254) ||
		    (a[0] == 100 && (a[1] & 0xc0) == 64);
	if (inet_pton(AF_INET6, ip, a) == 1) {
		static const guchar loop[16] = { [15] = 1 };

		return memcmp(a, loop, 16) == 0 || (a[0] & 0xfe) == 0xfc ||
		    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
	}
	return TRUE;
}

static gboolean
ip_char(char c)
{
	return g_ascii_isxdigit(c) || c == '.' || c == ':';
}

/* inet_pton on s[0..n), canonical text out, or NULL. */
static char *
ip_text(const char *s, gsize n)
{
	char buf[64], out[INET6_ADDRSTRLEN];
	guchar a[16];
	char *colon;

	while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ':'))
		n--;
	if (n < 3 || n >= sizeof buf)
		return NULL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, a) == 1)
		return g_strdup(inet_ntop(AF_INET6, a, out, sizeof out));
	if ((colon = strchr(buf, ':')) != NULL)	/* "192.0.2.1:25" */
		*colon = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		return g_strdup(inet_ntop(AF_INET, a, out, sizeof out));
	return NULL;
}

static gboolean
word_char(char c)
{
	return g_ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
}

/*
 * The first IP address in the "from" clause of a Received: value (before
 * " by "): "[192.0.2.1]", "(192.0.2.1)", "[IPv6:2001:db8::1]", or a bare
 * address, checked with inet_pton.  Canonical text, or NULL.
 */
static char *
received_ip(const char *v)
{
	const char *p, *by, *end, *s;
	char *ip;
	gsize n;

	while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
		v++;
	if (g_ascii_strncasecmp(v, "from", 4) != 0)
		return NULL;
	n = strnlen(v, 4096);
	by = bounce_strcasestr(v, n, " by ");
	if (by == NULL)
		by = bounce_strcasestr(v, n, "\tby ");
	end = by != NULL ? by : v + n;
	for (p = v + 4; p < end; p = s) {
		if (!ip_char(*p)) {
			s = p + 1;
			continue;
		}
		if (p - v >= 3 && g_ascii_strncasecmp(p - 3, "IPv6:", 5) == 0)
			p += 2;
		for (s = p; s < end && ip_char(*s); s++)
			;
		/* Next to letters it is part of a host name. */
		if (word_char(p[-1]) || (s < end && word_char(*s) &&
		    *s != '.'))
			continue;
		if (memchr(p, '.', (gsize)(s - p)) == NULL &&
		    memchr(p, ':', (gsize)(s - p)) == NULL)
			continue;
		if ((ip = ip_text(p, (gsize)(s - p))) != NULL)
			return ip;
	}
	return NULL;
}

struct orig_state {
	struct bounce_original *o;
	char *private_ip;	/* the first private one, kept in reserve */
	guint received;
};

static char *
decode_text(const char *raw)
{
	char *f = bounce_field(raw, -1), *d;

	if (f == NULL || strstr(f, "=?") == NULL)
		return f;
	d = g_mime_utils_header_decode_text(NULL, f);
	g_free(f);
	f = bounce_field(d, -1);
	g_free(d);
	return f;
}

/* "a@b, Name <c@d>" -> "a@b, c@d"; the header text when no address. */
static char *
address_list(const char *raw)
{
	InternetAddressList *l = internet_address_list_parse(NULL, raw);
	GString *s = g_string_new(NULL);
	int i, n = l != NULL ? internet_address_list_length(l) : 0;

	for (i = 0; i < n && s->len < BOUNCE_MAX_FIELD; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);

		if (!INTERNET_ADDRESS_IS_MAILBOX(a))
			continue;
		if (s->len)
			g_string_append(s, ", ");
		g_string_append(s, internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(a)));
	}
	if (l != NULL)
		g_object_unref(l);
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return decode_text(raw);
	}
	{
		char *out = bounce_field(s->str, (gssize)s->len);

		g_string_free(s, TRUE);
		return out;
	}
}

static void
orig_header(struct orig_state *st, const char *name, const char *raw)
{
	struct bounce_original *o = st->o;

	if (g_ascii_strcasecmp(name, "Message-ID") == 0) {
		if (o->message_id == NULL) {
			char *id = g_mime_utils_decode_message_id(raw);

			o->message_id = bounce_field(id != NULL ? id : raw, -1);
			g_free(id);
		}
	} else if (g_ascii_strcasecmp(name, "From") == 0) {
		if (o->from == NULL) {
			char *f = bounce_field(raw, -1);

			o->from = bounce_address(f);
			if (o->from == NULL)
				o->from = decode_text(raw);
			g_free(f);
		}
	} else if (g_ascii_strcasecmp(name, "To") == 0) {
		if (o->to == NULL)
			o->to = address_list(raw);
	} else if (g_ascii_strcasecmp(name, "Subject") == 0) {
		if (o->subject == NULL)
			o->subject = decode_text(raw);
	} else if (g_ascii_strcasecmp(name, "Date") == 0) {
		if (o->date == 0)
			o->date = bounce_date(raw);
	} else if (g_ascii_strcasecmp(name, "List-Id") == 0) {
		if (o->list_id == NULL)
			o->list_id = decode_text(raw);
	} else if (g_ascii_strcasecmp(name, "Feedback-ID") == 0) {
		if (o->feedback_id == NULL)
			o->feedback_id = bounce_field(raw, -1);
	} else if (g_ascii_strcasecmp(name, "Received") == 0) {
		char *ip;

		if (o->sending_ip != NULL || st->received++ > 64)
			return;
		ip = received_ip(raw);
		if (ip == NULL)
			return;
		if (!ip_private(ip))
			o->sending_ip = ip;
		else if (st->private_ip == NULL)
			st->private_ip = ip;
		else
			g_free(ip);
	}
}

typedef gboolean (*header_fn)(void *user, const char *name,
    const char *raw);

/* Header fields of text (the original's headers as text): from the first
 * line that looks like one, up to the blank line that ends them.  fn
 * returns FALSE to stop. */
static void
each_in_text(const char *t, gsize n, header_fn fn, void *user)
{
	const char *end = t + n, *p = t, *nl, *colon, *vend;
	guint count = 0;
	gboolean seen = FALSE, go = TRUE;

	while (go && p < end && count < MAX_HEADERS) {
		nl = memchr(p, '\n', (gsize)(end - p));
		vend = nl != NULL ? nl : end;
		if (vend == p || (vend == p + 1 && *p == '\r')) {
			if (seen)
				break;
			p = vend + 1;
			continue;
		}
		colon = memchr(p, ':', (gsize)(vend - p));
		if (colon == NULL || colon == p || colon - p > 64 ||
		    memchr(p, ' ', (gsize)(colon - p)) != NULL ||
		    *p == '\t') {
			p = vend + 1;
			continue;
		}
		while (vend + 1 < end && (vend[1] == ' ' || vend[1] == '\t')) {
			nl = memchr(vend + 1, '\n', (gsize)(end - vend - 1));
			vend = nl != NULL ? nl : end;
		}
		{
			char *name = g_strndup(p, (gsize)(colon - p));
			char *val = g_strndup(colon + 1,
			    (gsize)(vend - colon - 1));

			go = fn(user, name, val);
			g_free(name);
			g_free(val);
		}
		seen = TRUE;
		count++;
		p = vend + 1;
	}
}

static void
each_in_list(GMimeObject *obj, header_fn fn, void *user)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int i, n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;

	for (i = 0; i < n && i < MAX_HEADERS; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *raw = g_mime_header_get_raw_value(h);

		if (raw == NULL)
			raw = g_mime_header_get_value(h);
		if (raw != NULL && !fn(user, g_mime_header_get_name(h), raw))
			return;
	}
}

/* Every header field of the original, in order, until fn says stop. */
static void
each_header(const struct bounce_input *in, header_fn fn, void *user)
{
	GMimeObject *orig = in->original;

	if (orig != NULL && GMIME_IS_MESSAGE_PART(orig)) {
		GMimeMessage *m = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(orig));

		if (m != NULL)
			each_in_list(GMIME_OBJECT(m), fn, user);
	} else if (orig != NULL && GMIME_IS_PART(orig)) {
		gsize n;
		/* Headers only, or a message/rfc822 GMime did not parse
		 * (transfer-encoded): its beginning holds the header. */
		char *t = bounce_part_text(GMIME_PART(orig), ORIG_HEAD_MAX, &n);

		each_in_text(t, n, fn, user);
		g_free(t);
	} else if (in->original_text != NULL) {
		each_in_text(in->original_text, in->text_len -
		    (gsize)(in->original_text - in->text), fn, user);
	}
}

static gboolean
on_orig_header(void *user, const char *name, const char *raw)
{
	orig_header(user, name, raw);
	return TRUE;
}

void
bounce_fill_original(const struct bounce_input *in, struct bounce_report *b)
{
	struct orig_state st = { .o = &b->orig };

	each_header(in, on_orig_header, &st);
	if (b->orig.sending_ip == NULL) {
		b->orig.sending_ip = st.private_ip;
		st.private_ip = NULL;
	}
	g_free(st.private_ip);
	/* An auto-reply names the message it answers. */
	if (b->orig.message_id == NULL && b->kind == BOUNCE_KIND_AUTOREPLY) {
		const char *irt = bounce_header(in, "In-Reply-To");

		if (irt != NULL) {
			char *id = g_mime_utils_decode_message_id(irt);

			b->orig.message_id = bounce_field(id, -1);
			g_free(id);
		}
	}
}

struct find {
	const char *name;
	char *value;
};

static gboolean
on_find(void *user, const char *name, const char *raw)
{
	struct find *f = user;

	if (g_ascii_strcasecmp(name, f->name) != 0)
		return TRUE;
	f->value = bounce_field(raw, -1);
	return f->value == NULL;
}

char *
bounce_original_header(const struct bounce_input *in, const char *name)
{
	struct find f = { name, NULL };

	each_header(in, on_find, &f);
	return f.value;
}
