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
 * The sending IP is where the message left our infrastructure for the
 * receiver.  Our side is the domains of the copy's From:, Sender: and
 * Return-Path: and of the host that wrote the lowest Received: header
 * (our first MTA).  Taken, in this order: the IP of the topmost Received:
 * header whose "from" part names one of our hosts and whose "by" host is
 * not ours (the receiver wrote it, about us); else, reading bottom up past
 * the headers our hosts wrote, the "from" IP of the first the receiver
 * wrote; else the topmost public "from" IP (our MTA bounced the message
 * itself); a private, loopback, link-local or CGNAT address only when no
 * header names a public one (a copy bounced inside one network).  The
 * receiver's own hops above its first (Microsoft's internal IPv6 relays)
 * are never taken for ours.
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

#define MAX_RECEIVED	64	/* Received: headers of the copy read */

struct orig_state {
	struct bounce_original *o;
	GPtrArray *received;	/* raw Received: values, top down */
	GPtrArray *ours;	/* our organisational domains */
};

/* The organisational part of a host name, lower case, a new string:
 * the last two labels, three under a country's second level ("co.jp",
 * "com.au").  NULL for an address literal or a name without a dot. */
static char *
org_domain(const char *host, gsize n)
{
	static const char *const second[] = {
		"ac", "ad", "co", "com", "ed", "edu", "go", "gov", "gr", "lg",
		"ne", "net", "or", "org", NULL
	};
	char *h, *dot[3] = { NULL, NULL, NULL }, *p, *out;
	gsize i;

	while (n > 0 && host[n - 1] == '.')
		n--;
	if (n == 0 || n > 255 || memchr(host, '.', n) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (!word_char(host[i]))
			return NULL;
	if (strspn(host, "0123456789.") >= n)	/* 192.0.2.1 */
		return NULL;
	h = g_ascii_strdown(host, (gssize)n);
	/* dot[0] the last dot, dot[1] the one before, dot[2] before that */
	for (p = h; (p = strchr(p, '.')) != NULL; p++) {
		dot[2] = dot[1];
		dot[1] = dot[0];
		dot[0] = p;
	}
	out = dot[1] != NULL ? dot[1] + 1 : h;
	if (dot[1] != NULL && strlen(dot[0] + 1) == 2)
		for (i = 0; second[i] != NULL; i++)
			if ((gsize)(dot[0] - dot[1] - 1) == strlen(second[i]) &&
			    strncmp(dot[1] + 1, second[i],
			    strlen(second[i])) == 0) {
				out = dot[2] != NULL ? dot[2] + 1 : h;
				break;
			}
	out = g_strdup(out);
	g_free(h);
	return out;
}

/* The domain of an address's "@example.com" (or a host name) counted
 * ours. */
static void
our_domain_add(struct orig_state *st, const char *at)
{
	char *d;
	guint i;

	if (at == NULL)
		return;
	if (*at == '@')
		at++;
	if ((d = org_domain(at, strlen(at))) == NULL)
		return;
	for (i = 0; i < st->ours->len; i++)
		if (strcmp(g_ptr_array_index(st->ours, i), d) == 0) {
			g_free(d);
			return;
		}
	g_ptr_array_add(st->ours, d);
}

static gboolean
our_host(const struct orig_state *st, const char *host, gsize n)
{
	char *d = org_domain(host, n);
	gboolean yes = FALSE;
	guint i;

	for (i = 0; d != NULL && i < st->ours->len && !yes; i++)
		yes = strcmp(g_ptr_array_index(st->ours, i), d) == 0;
	g_free(d);
	return yes;
}

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

/* Is s[0..n) a plain address, "local@domain" in the characters nearly
 * every one uses (no quoting, comments, encoded words or IDN)? */
static gboolean
plain_addr(const char *s, gsize n)
{
	const char *at = memchr(s, '@', n);
	gsize i;

	if (at == NULL || at == s || at == s + n - 1 ||
	    memchr(at + 1, '@', n - (gsize)(at - s) - 1) != NULL)
		return FALSE;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!g_ascii_isalnum(c) && c != '.' && c != '-' &&
		    (s + i > at || (c != '_' && c != '+')) && s + i != at)
			return FALSE;
		if (c == '.' && (i == 0 || i == n - 1 || s[i - 1] == '.' ||
		    s[i - 1] == '@' || s[i + 1] == '@'))
			return FALSE;
	}
	return bounce_strcasestr(at, n - (gsize)(at - s), "xn--") == NULL;
}

/* The address of a To: that is one plain address, bare or in angle
 * brackets, as GMime's parser gives it, without the parser's two objects
 * and address per call; NULL for anything else. */
static char *
one_plain_address(const char *raw)
{
	const char *p = raw, *e;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		e--;
	if (e - p >= 2 && *p == '<' && e[-1] == '>') {
		p++;
		e--;
	}
	return plain_addr(p, (gsize)(e - p)) ? bounce_field(p, e - p) : NULL;
}

/* "a@b, Name <c@d>" -> "a@b, c@d"; the header text when no address. */
static char *
address_list(const char *raw)
{
	InternetAddressList *l;
	GString *s;
	char *out;
	int i, n;

	if ((out = one_plain_address(raw)) != NULL)
		return out;
	l = internet_address_list_parse(NULL, raw);
	n = l != NULL ? internet_address_list_length(l) : 0;
	s = g_string_new(NULL);
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
	out = s->len > 0 ? bounce_field(s->str, (gssize)s->len) :
	    decode_text(raw);
	g_string_free(s, TRUE);
	return out;
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
			else
				our_domain_add(st, strrchr(o->from, '@'));
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
	} else if (g_ascii_strcasecmp(name, "List-Unsubscribe") == 0) {
		if (o->list_unsubscribe == NULL)
			o->list_unsubscribe = bounce_field(raw, -1);
	} else if (g_ascii_strcasecmp(name, "List-Unsubscribe-Post") == 0) {
		if (o->list_unsubscribe_post == NULL)
			o->list_unsubscribe_post = bounce_field(raw, -1);
	} else if (g_ascii_strcasecmp(name, "Received") == 0) {
		if (st->received->len < MAX_RECEIVED)
			g_ptr_array_add(st->received, g_strndup(raw, 4096));
	} else if (g_ascii_strcasecmp(name, "Sender") == 0 ||
	    g_ascii_strcasecmp(name, "Return-Path") == 0) {
		char *f = bounce_field(raw, -1), *a = bounce_address(f);

		our_domain_add(st, a != NULL ? strrchr(a, '@') : NULL);
		g_free(a);
		g_free(f);
	}
}

/* One Received: header as the rule needs it. */
struct hop {
	char *ip;		/* of its "from" part, or NULL */
	char *by;		/* the host that wrote it, or NULL */
	gboolean from_ours;	/* its "from" part names one of our hosts */
};

/* The end of the word at p: host names, addresses, "helo=" values. */
static const char *
token_end(const char *p)
{
	while (*p != '\0' && !strchr(" ()[]=;,<>\"", *p))
		p++;
	return p;
}

/* The host after "by" in a Received: value v (collapsed), a new string,
 * or NULL; *at where " by " begins. */
static char *
by_host(const char *v, const char **at)
{
	const char *by, *p, *e;

	by = g_ascii_strncasecmp(v, "by ", 3) == 0 ? v :
	    bounce_strcasestr(v, strlen(v), " by ");
	*at = by;
	if (by == NULL)
		return NULL;
	p = by + (by == v ? 3 : 4);
	e = token_end(p);
	return e > p ? g_strndup(p, (gsize)(e - p)) : NULL;
}

static void
hop_read(const struct orig_state *st, const char *raw, struct hop *h)
{
	char *v = bounce_field(raw, -1);
	const char *p, *e, *by;

	memset(h, 0, sizeof(*h));
	if (v == NULL)
		return;
	h->by = by_host(v, &by);
	if (g_ascii_strncasecmp(v, "from ", 5) == 0) {
		h->ip = received_ip(v);
		e = by != NULL ? by : v + strlen(v);
		for (p = v + 5; p < e && !h->from_ours; ) {
			const char *t = token_end(p);

			if (t > e)
				t = e;
			if (t > p && our_host(st, p, (gsize)(t - p)))
				h->from_ours = TRUE;
			p = t < e ? t + 1 : e;
		}
	}
	g_free(v);
}

/* See the header comment: the receiver's first hop, else the topmost
 * public "from" IP, else the topmost private one.  A new string or NULL. */
static char *
sending_ip(struct orig_state *st)
{
	struct hop *hops;
	char *ip = NULL, *d, *v;
	const char *at;
	guint n = st->received->len, i;

	if (n == 0)
		return NULL;
	/* The lowest header was written by our first MTA. */
	if ((v = bounce_field(g_ptr_array_index(st->received, n - 1), -1))
	    != NULL) {
		d = by_host(v, &at);
		our_domain_add(st, d);
		g_free(d);
		g_free(v);
	}
	hops = g_new0(struct hop, n);
	for (i = 0; i < n; i++)
		hop_read(st, g_ptr_array_index(st->received, i), &hops[i]);
	/* The topmost hop from one of our hosts to one that is not. */
	for (i = 0; i < n && ip == NULL; i++) {
		const char *by = hops[i].by;

		if (hops[i].from_ours && hops[i].ip != NULL &&
		    !ip_private(hops[i].ip) &&
		    (by == NULL || !our_host(st, by, strlen(by))))
			ip = g_strdup(hops[i].ip);
	}
	/* Else bottom up, past our own hops, to the receiver's first. */
	for (i = n; ip == NULL && i-- > 0; ) {
		const char *by = hops[i].by;
		gboolean named = by != NULL && (d = org_domain(by,
		    strlen(by))) != NULL;

		if (named)
			g_free(d);
		if (named && our_host(st, by, strlen(by)))
			continue;
		if (!named && !hops[i].from_ours)
			continue;
		if (hops[i].ip != NULL && !ip_private(hops[i].ip))
			ip = g_strdup(hops[i].ip);
		break;
	}
	for (i = 0; i < n && ip == NULL; i++)
		if (hops[i].ip != NULL && !ip_private(hops[i].ip))
			ip = g_strdup(hops[i].ip);
	for (i = 0; i < n && ip == NULL; i++)
		if (hops[i].ip != NULL)
			ip = g_strdup(hops[i].ip);
	for (i = 0; i < n; i++) {
		g_free(hops[i].ip);
		g_free(hops[i].by);
	}
	g_free(hops);
	return ip;
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
	char name[65];
	GString *val = g_string_sized_new(256);
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
		/* The name fits (64 bytes at most, above); the value is
		 * copied into one buffer for all fields. */
		memcpy(name, p, (gsize)(colon - p));
		name[colon - p] = '\0';
		g_string_truncate(val, 0);
		g_string_append_len(val, colon + 1, vend - colon - 1);
		go = fn(user, name, val->str);
		seen = TRUE;
		count++;
		p = vend + 1;
	}
	g_string_free(val, TRUE);
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

	st.received = g_ptr_array_new_with_free_func(g_free);
	st.ours = g_ptr_array_new_with_free_func(g_free);
	each_header(in, on_orig_header, &st);
	if (b->orig.sending_ip == NULL)
		b->orig.sending_ip = sending_ip(&st);
	g_ptr_array_free(st.received, TRUE);
	g_ptr_array_free(st.ours, TRUE);
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
