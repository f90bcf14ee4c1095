/* arf_original.c - the returned message of a report: the message/rfc822
 * (or message/global) part, the text/rfc822-headers part, or the headers
 * a text report quotes.
 *
 * Usage:
 *	arf_original_from_part(&a->original, part, "message/rfc822", FALSE);
 *	arf_original_read(&a->original, bytes, len, complete, keep_body);
 *	arf_original_init(&o); ... arf_original_clear(&o);
 *
 * The part is read as bytes and its header block walked here, not parsed
 * by GMime: ingest registers message/rfc822 as a leaf, and a header block
 * of a million Received lines must cost no more than its bytes.  At most
 * ARF_MAX_HEADERS bytes of the block are read, cut at a line end; the
 * body only when asked for, at most ARF_MAX_BODY bytes.
 *
 * From, To and Subject are decoded (RFC 2047); Message-ID and Date are
 * kept as written, angle brackets and comments included, since that is
 * what one looks a message up by.  The first DKIM-Signature gives d= and
 * s=.  Received fields are kept top first, as they appear.
 */
#include <string.h>

#include "arf_internal.h"

/* DKIM tag values may be folded anywhere (RFC 6376 3.2): whitespace is no
 * part of them. */
static char *
tag_value(const char *p, gsize n)
{
	GString *v = g_string_sized_new(n);
	char *out;
	gsize i;

	for (i = 0; i < n; i++)
		if (!g_ascii_isspace(p[i]))
			g_string_append_c(v, p[i]);
	out = arf_value(v->str);
	g_string_free(v, TRUE);
	return out;
}

/* The value of one tag ("d", "s") of a DKIM-Signature, or NULL. */
static char *
dkim_tag(const char *sig, const char *tag)
{
	const char *p = sig, *semi, *eq, *name;
	gsize namelen;

	while (*p != '\0') {
		semi = strchr(p, ';');
		if (semi == NULL)
			semi = p + strlen(p);
		eq = memchr(p, '=', (gsize)(semi - p));
		if (eq != NULL) {
			for (name = p; name < eq && g_ascii_isspace(*name);
			    name++)
				;
			for (namelen = (gsize)(eq - name); namelen > 0 &&
			    g_ascii_isspace(name[namelen - 1]); namelen--)
				;
			if (namelen == strlen(tag) &&
			    g_ascii_strncasecmp(name, tag, namelen) == 0)
				return tag_value(eq + 1,
				    (gsize)(semi - eq - 1));
		}
		p = *semi == ';' ? semi + 1 : semi;
	}
	return NULL;
}

static void
set_once(char **slot, char *v)
{
	if (*slot == NULL)
		*slot = v;
	else
		g_free(v);
}

/* One header field of the returned message. */
static void
take_field(struct arf_original *o, const struct arf_hline *h)
{
	const char *n = h->name;

	if (g_ascii_strcasecmp(n, "From") == 0)
		set_once(&o->from, arf_decoded(h->raw));
	else if (g_ascii_strcasecmp(n, "To") == 0)
		set_once(&o->to, arf_decoded(h->raw));
	else if (g_ascii_strcasecmp(n, "Subject") == 0)
		set_once(&o->subject, arf_decoded(h->raw));
	else if (g_ascii_strcasecmp(n, "Message-ID") == 0)
		set_once(&o->message_id, arf_value(h->raw));
	else if (g_ascii_strcasecmp(n, "Date") == 0 && o->date == NULL) {
		o->date = arf_value(h->raw);
		o->date_time = arf_date(o->date);
	} else if (g_ascii_strcasecmp(n, "Authentication-Results") == 0)
		arf_list_add(o->authentication_results, arf_value(h->raw),
		    &o->fields_dropped);
	else if (g_ascii_strcasecmp(n, "Received") == 0)
		arf_list_add(o->received, arf_value(h->raw),
		    &o->fields_dropped);
	else if (g_ascii_strcasecmp(n, "DKIM-Signature") == 0 &&
	    o->dkim_domain == NULL && o->dkim_selector == NULL) {
		o->dkim_domain = dkim_tag(h->raw, "d");
		o->dkim_selector = dkim_tag(h->raw, "s");
	}
}

/* The header block may be cut at ARF_MAX_HEADERS: at the last line end
 * before it, so that no field is read half. */
static gsize
header_window(const char *p, gsize n)
{
	const char *nl;

	if (n <= ARF_MAX_HEADERS)
		return n;
	nl = memrchr(p, '\n', ARF_MAX_HEADERS);
	return nl != NULL ? (gsize)(nl - p) + 1 : ARF_MAX_HEADERS;
}

void
arf_original_read(struct arf_original *o, const char *p, gsize n,
    gboolean complete, gboolean keep_body)
{
	struct arf_hreader r;
	struct arf_hline h;
	GString *block;
	gsize window;
	const char *body;
	char *v;

	if (p == NULL)
		p = "";
	block = g_string_new(NULL);
	window = header_window(p, n);
	arf_hreader_init(&r, p, window);
	while (arf_hreader_next(&r, &h)) {
		take_field(o, &h);
		v = arf_value(h.raw);
		if (block->len + strlen(h.name) + strlen(v) + 3 <=
		    ARF_MAX_HEADERS)
			g_string_append_printf(block, "%s: %s\n", h.name, v);
		else
			o->truncated = TRUE;
		g_free(v);
		arf_hline_clear(&h);
	}
	if (!r.done && (window < n || !complete))
		o->truncated = TRUE;
	g_free(o->headers);
	o->headers = g_string_free(block, FALSE);
	if (keep_body && r.done) {
		body = arf_hreader_rest(&r);
		o->body = arf_text(body, (gsize)(p + n - body), ARF_MAX_BODY);
		o->body_truncated = !complete ||
		    (gsize)(p + n - body) > ARF_MAX_BODY;
	}
}

void
arf_original_from_part(struct arf_original *o, GMimeObject *part,
    const char *type, gboolean keep_body)
{
	GByteArray *a;
	gsize max = ARF_MAX_HEADERS + (keep_body ? ARF_MAX_BODY : 0) + 1;
	int r;

	if ((r = arf_part_bytes(part, max, &a)) < 0)
		return;
	o->part_type = type;
	arf_original_read(o, (const char *)a->data, a->len, r == 1,
	    keep_body);
	g_byte_array_unref(a);
}

void
arf_original_init(struct arf_original *o)
{
	memset(o, 0, sizeof *o);
	o->authentication_results = g_ptr_array_new_with_free_func(g_free);
	o->received = g_ptr_array_new_with_free_func(g_free);
}

void
arf_original_clear(struct arf_original *o)
{
	g_free(o->from);
	g_free(o->to);
	g_free(o->subject);
	g_free(o->message_id);
	g_free(o->date);
	if (o->authentication_results != NULL)
		g_ptr_array_unref(o->authentication_results);
	g_free(o->dkim_domain);
	g_free(o->dkim_selector);
	if (o->received != NULL)
		g_ptr_array_unref(o->received);
	g_free(o->headers);
	g_free(o->body);
	memset(o, 0, sizeof *o);
}
