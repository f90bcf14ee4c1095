/* bounce_input.c - the parts of a bounce that recognizers read, found
 * and decoded once.
 *
 * Usage:
 *	struct bounce_input_store x;
 *	bounce_input_build(&x, gmime_message);	   ... x.in ...
 *	bounce_input_free(&x);
 *
 * The parts are visited depth first, nesting and count bounded, to pick
 * out the human-readable text (the first text/plain, else text/html with
 * its tags stripped), the delivery-status part, a feedback-report part and
 * the attached original.  The original is not entered: its text is not the
 * bounce's.  Each is decoded once through GMime's filters (transfer
 * encoding, charset to UTF-8, CRLF to LF) and bounded by BOUNCE_MAX_TEXT.
 * When no original is attached, a marker line in the text ("----- Original
 * message -----", Exim's "This is a copy of the message", qmail's "Below
 * this line is a copy of the message") says where its copy begins.
 */
#include <string.h>

#include "bounce_core.h"

#define MAX_DEPTH	32	/* MIME nesting visited */
#define MAX_PARTS	512	/* MIME entities visited */
#define READ_CHUNK	8192

/* --- Decoding parts ------------------------------------------------------ */

static gboolean
is_utf8_charset(const char *cs)
{
	return cs == NULL || g_ascii_strcasecmp(cs, "utf-8") == 0 ||
	    g_ascii_strcasecmp(cs, "utf8") == 0 ||
	    g_ascii_strcasecmp(cs, "us-ascii") == 0 ||
	    g_ascii_strcasecmp(cs, "ascii") == 0;
}

/*
 * A part's content as text is read: transfer-decoded, converted from its
 * charset to UTF-8, CRLF turned to LF.  For UTF-8 and ASCII (nearly every
 * part) GMime's decoder is driven directly and line ends are turned here,
 * as GMime's dos2unix filter does (every CR is held back until the next
 * byte shows it is not part of a CRLF, and a CR at the very end is
 * dropped), copying the runs between CRs whole;
 * other charsets go through a filter stream with GMime's charset filter.
 * The filter stream costs four objects per part, a third of a message's
 * parse.
 */
struct reader {
	GMimeStream *content;	/* the raw content, not owned */
	GMimeStream *fs;	/* the filter stream, or NULL */
	GMimeEncoding state;
	gboolean transfer;	/* base64, quoted-printable or uuencoded */
	gboolean held;		/* a CR was read last */
	gboolean eof;
	char raw[READ_CHUNK];
	char dec[READ_CHUNK + 128];
};

static void
reader_open(struct reader *r, GMimeStream *content, GMimeContentEncoding enc,
    const char *cs)
{
	GMimeFilter *f;

	r->content = content;
	r->fs = NULL;
	r->transfer = enc == GMIME_CONTENT_ENCODING_BASE64 ||
	    enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    enc == GMIME_CONTENT_ENCODING_UUENCODE;
	r->held = FALSE;
	r->eof = FALSE;
	g_mime_stream_reset(content);
	if (is_utf8_charset(cs)) {
		if (r->transfer)
			g_mime_encoding_init_decode(&r->state, enc);
		return;
	}
	r->fs = g_mime_stream_filter_new(content);
	if (r->transfer) {
		f = g_mime_filter_basic_new(enc, FALSE);
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(r->fs), f);
		g_object_unref(f);
	}
	if ((f = g_mime_filter_charset_new(cs, "UTF-8")) != NULL) {
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(r->fs), f);
		g_object_unref(f);
	}
	f = g_mime_filter_dos2unix_new(FALSE);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(r->fs), f);
	g_object_unref(f);
}

static void
reader_close(struct reader *r)
{
	if (r->fs != NULL)
		g_object_unref(r->fs);
}

/* Up to len bytes (len > 2 * 128) of text into buf; 0 at the end. */
static gssize
reader_read(struct reader *r, char *buf, gsize len)
{
	const char *in, *end, *cr;
	gssize n = 0;
	gsize k, run, o = 0;

	if (r->fs != NULL)
		return g_mime_stream_read(r->fs, buf, len);
	while (o == 0 && !r->eof) {
		/* Decoding never grows the text, and a held CR adds one
		 * byte: half of len is always room enough. */
		n = g_mime_stream_read(r->content, r->raw,
		    MIN(sizeof r->raw, len / 2));
		if (n < 0)
			return -1;
		r->eof = n == 0;
		in = r->raw;
		k = (gsize)n;
		if (r->transfer) {
			k = r->eof ? g_mime_encoding_flush(&r->state, r->raw, 0,
			    r->dec) : g_mime_encoding_step(&r->state, r->raw,
			    (size_t)n, r->dec);
			in = r->dec;
		}
		for (end = in + k; in < end; in = cr + 1) {
			if (r->held && *in != '\n')
				buf[o++] = '\r';
			r->held = FALSE;
			cr = memchr(in, '\r', (gsize)(end - in));
			run = (gsize)((cr != NULL ? cr : end) - in);
			memcpy(buf + o, in, run);
			o += run;
			if (cr == NULL)
				break;
			r->held = TRUE;
		}
	}
	return (gssize)o;
}

/*
 * The part's content, transfer-decoded, converted from its charset to
 * UTF-8 (text only), CRLF turned to LF, at most max bytes, valid UTF-8 and
 * NUL-free.  Text with no declared charset that is not UTF-8 is taken as
 * Windows-1252, the usual undeclared 8-bit charset.
 */
#define FIELD_RCPT	"\nfinal-recipient:"

/* Occurrences of FIELD_RCPT in the rest of the stream, read in chunks
 * and dropped: what a DSN says beyond the bound is only counted. */
static guint
count_rest(struct reader *rd, const char *have, gsize n)
{
	gsize k = strlen(FIELD_RCPT), tail;
	char buf[READ_CHUNK + 32];
	const char *p, *end;
	guint count = 0;
	gssize r;

	/* The window is the last k - 1 bytes seen, then a new chunk: no
	 * match fits in the old bytes alone, so none is counted twice. */
	tail = MIN(n, k - 1);
	memcpy(buf, have + n - tail, tail);
	for (p = have; (p = bounce_strcasestr(p, n - (gsize)(p - have),
	    FIELD_RCPT)) != NULL; p++)
		count++;
	while ((r = reader_read(rd, buf + tail, READ_CHUNK)) > 0) {
		end = buf + tail + r;
		for (p = buf; (p = bounce_strcasestr(p, (gsize)(end - p),
		    FIELD_RCPT)) != NULL; p++)
			count++;
		tail = MIN((gsize)(end - buf), k - 1);
		memmove(buf, end - tail, tail);
	}
	return count;
}

/*
 * A DSN longer than the bound is cut at the end of its last whole block
 * (no recipient half read), and the recipients after the cut are counted
 * in *more.
 */
static char *
part_text(GMimePart *part, gsize max, gsize *len, guint *more)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *content;
	struct reader rd;
	const char *cs;
	gint64 size;
	GString *s;
	char buf[READ_CHUNK];
	gssize n;
	const char *bad;
	char *out, *p;

	*len = 0;
	content = dw != NULL ? g_mime_data_wrapper_get_stream(dw) : NULL;
	if (content == NULL)
		return g_strdup("");
	cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part),
	    "charset");
	/* Sized by the raw content (decoding does not grow it, but for a
	 * charset), not by a round 4 KiB: most parts are a few hundred
	 * bytes, and a large request after the frees of the last message
	 * makes malloc sweep them all. */
	size = g_mime_stream_length(content);
	reader_open(&rd, content, g_mime_data_wrapper_get_encoding(dw), cs);
	s = g_string_sized_new(size > 0 ? (gsize)MIN(size, (gint64)max) + 8 :
	    4096);
	/* Read a little past max so that the cut lands on a character. */
	while (s->len <= max + 4 &&
	    (n = reader_read(&rd, buf, sizeof buf)) > 0)
		g_string_append_len(s, buf, n);
	if (more != NULL && s->len > max) {
		const char *cut = g_strrstr_len(s->str, (gssize)max, "\n\n");
		gsize at = cut != NULL ? (gsize)(cut - s->str) + 1 : max;

		*more = count_rest(&rd, s->str + at, s->len - at);
		g_string_truncate(s, at);
	}
	reader_close(&rd);
	for (p = memchr(s->str, '\0', s->len); p != NULL;
	    p = memchr(p, '\0', s->len - (gsize)(p - s->str)))
		*p++ = ' ';
	/* A character cut by the read is not a reason to call the text
	 * something else than UTF-8. */
	if (s->len > max && !g_utf8_validate(s->str, (gssize)s->len, &bad) &&
	    bad >= s->str + s->len - 4 && bad > s->str + max)
		g_string_truncate(s, (gsize)(bad - s->str));
	if (!bounce_utf8_valid(s->str, s->len)) {
		char *conv = NULL;

		if (cs == NULL || is_utf8_charset(cs))
			conv = g_convert(s->str, (gssize)s->len, "UTF-8",
			    "WINDOWS-1252", NULL, NULL, NULL);
		if (conv == NULL)
			conv = g_utf8_make_valid(s->str, (gssize)s->len);
		g_string_assign(s, conv);
		g_free(conv);
	}
	*len = s->len;
	out = g_string_free(s, FALSE);
	bounce_cut_utf8(out, len, max);
	return out;
}

char *
bounce_part_text(GMimePart *part, gsize max, gsize *len)
{
	return part_text(part, max, len, NULL);
}

/* --- Visiting the parts -------------------------------------------------- */

static gboolean
type_is(GMimeObject *obj, const char *type, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	return ct != NULL && g_mime_content_type_is_type(ct, type, subtype);
}

static gboolean
is_original_type(GMimeObject *obj)
{
	return type_is(obj, "message", "rfc822") ||
	    type_is(obj, "message", "global") ||
	    type_is(obj, "text", "rfc822-headers") ||
	    type_is(obj, "message", "rfc822-headers") ||
	    type_is(obj, "message", "global-headers");
}

static gboolean
is_attachment(GMimeObject *obj)
{
	GMimeContentDisposition *d = g_mime_object_get_content_disposition(obj);

	return d != NULL && g_mime_content_disposition_is_attachment(d);
}

/*
 * Remember the parts we want, depth first, the first of each kind.  The
 * original message is not entered: its text is not the bounce's.
 */
static void
visit(struct bounce_input_store *x, GMimeObject *obj, guint depth)
{
	int i, count;

	if (obj == NULL || depth > MAX_DEPTH || ++x->parts > MAX_PARTS)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		count = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < count && x->parts <= MAX_PARTS; i++)
			visit(x, g_mime_multipart_get_part(GMIME_MULTIPART(obj),
			    i), depth + 1);
		return;
	}
	if (is_original_type(obj)) {
		if (x->in.original == NULL)
			x->in.original = obj;
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj) || !GMIME_IS_PART(obj))
		return;
	if (type_is(obj, "message", "delivery-status") ||
	    type_is(obj, "message", "global-delivery-status")) {
		if (x->dsn_part == NULL) {
			x->dsn_part = GMIME_PART(obj);
			x->in.dsn_global = type_is(obj, "message",
			    "global-delivery-status");
		}
	} else if (type_is(obj, "message", "feedback-report")) {
		if (x->feedback_part == NULL)
			x->feedback_part = GMIME_PART(obj);
	} else if (type_is(obj, "text", "plain")) {
		/* A text attachment after the first text is not the text. */
		if (x->text_part == NULL && (depth == 0 || !is_attachment(obj) ||
		    x->html_part == NULL))
			x->text_part = GMIME_PART(obj);
		else if (x->text_dsn_part == NULL && x->text_part != NULL)
			x->text_dsn_part = GMIME_PART(obj);
	} else if (type_is(obj, "text", "html")) {
		if (x->html_part == NULL)
			x->html_part = GMIME_PART(obj);
	}
}

/*
 * Robustness: some gateways label the delivery-status part text/plain
 * (the second part of a multipart/report, or of a multipart/mixed).  A
 * later text/plain part whose first line is an RFC 3464 per-message or
 * per-recipient field, and which names a recipient in its first bytes,
 * is taken as the DSN.  Only the part's first bytes
 * are looked at, and only when no real delivery-status part was found.
 */
static const char *const dsn_first_fields[] = {
	"reporting-mta:", "final-recipient:", "original-recipient:",
	"original-envelope-id:", "received-from-mta:", "arrival-date:",
	"dsn-gateway:", NULL
};

static void
take_text_dsn(struct bounce_input_store *x)
{
	gsize n, k;
	char *t = bounce_part_text(x->text_dsn_part, 512, &n);
	const char *p = t;
	int i;

	while (*p == '\n' || *p == ' ' || *p == '\t')
		p++;
	for (i = 0; dsn_first_fields[i] != NULL; i++) {
		k = strlen(dsn_first_fields[i]);
		if (g_ascii_strncasecmp(p, dsn_first_fields[i], k) == 0) {
			if (bounce_strcasestr(t, n, "recipient:") != NULL)
				x->dsn_part = x->text_dsn_part;
			break;
		}
	}
	g_free(t);
}

/* Where the copy of the original begins inside a plain-text bounce. */
static const char *const original_markers[] = {
	"----- original message -----",
	"original message follows",
	"this is a copy of the message, including all the headers",
	"this is a copy of the message's headers",
	"below this line is a copy of the message",
	"unsent message follows",
	"undelivered message follows",
	"the header of the original message is following",
	"original message headers",
	"message header follows",
	"the original message headers",
	"---- the following is a copy of the message",
	"your message reads (in part)",
	"message headers follow",
	"content-type: message/rfc822",
	"content-type: text/rfc822-headers",
	NULL
};

static const char *
find_original_text(const char *text, gsize len)
{
	const char *best = NULL, *p, *nl;
	int i;

	for (i = 0; original_markers[i] != NULL; i++) {
		p = bounce_strcasestr(text, best != NULL ?
		    (gsize)(best - text) : len, original_markers[i]);
		if (p != NULL)
			best = p;
	}
	if (best == NULL)
		return NULL;
	nl = memchr(best, '\n', len - (gsize)(best - text));
	if (nl == NULL)
		return NULL;
	/* Skip blank lines between the marker and the headers. */
	for (p = nl + 1; *p == '\n' || *p == ' ' || *p == '\t'; p++)
		;
	return *p != '\0' ? p : NULL;
}

/* A crude but linear HTML to text: tags dropped, block ends become line
 * ends, script and style skipped, the common entities decoded. */
static char *
strip_html(const char *h, gsize n, gsize *len)
{
	static const struct { const char *name; const char *text; } ent[] = {
		{ "&nbsp;", " " }, { "&amp;", "&" }, { "&lt;", "<" },
		{ "&gt;", ">" }, { "&quot;", "\"" }, { "&#39;", "'" },
	};
	GString *s = g_string_sized_new(n / 2 + 1);
	const char *end = h + n, *p = h, *q;
	gsize i;

	while (p < end) {
		if (*p == '<') {
			q = memchr(p, '>', (gsize)(end - p));
			if (q == NULL)
				break;
			if (q - p > 6 && (g_ascii_strncasecmp(p, "<style", 6) == 0 ||
			    g_ascii_strncasecmp(p, "<script", 7) == 0)) {
				const char *c = bounce_strcasestr(q,
				    (gsize)(end - q), p[1] == 's' ||
				    p[1] == 'S' ? (p[2] == 't' || p[2] == 'T' ?
				    "</style" : "</script") : "</style");

				q = c != NULL ? memchr(c, '>',
				    (gsize)(end - c)) : NULL;
				if (q == NULL)
					break;
			} else if (g_ascii_strncasecmp(p, "<br", 3) == 0 ||
			    g_ascii_strncasecmp(p, "</p", 3) == 0 ||
			    g_ascii_strncasecmp(p, "</div", 5) == 0 ||
			    g_ascii_strncasecmp(p, "</tr", 4) == 0 ||
			    g_ascii_strncasecmp(p, "</li", 4) == 0 ||
			    g_ascii_strncasecmp(p, "</h", 3) == 0)
				g_string_append_c(s, '\n');
			/* issue 14, family 2: a table row's cells stay apart
			 * ("Recipient address:</td><td>a@b") */
			else if (g_ascii_strncasecmp(p, "</td", 4) == 0 ||
			    g_ascii_strncasecmp(p, "</th", 4) == 0)
				g_string_append_c(s, ' ');
			p = q + 1;
			continue;
		}
		if (*p == '&') {
			for (i = 0; i < G_N_ELEMENTS(ent); i++) {
				gsize k = strlen(ent[i].name);

				if ((gsize)(end - p) >= k &&
				    g_ascii_strncasecmp(p, ent[i].name, k) == 0) {
					g_string_append(s, ent[i].text);
					p += k;
					break;
				}
			}
			if (i < G_N_ELEMENTS(ent))
				continue;
		}
		g_string_append_c(s, *p++);
	}
	*len = s->len;
	return g_string_free(s, FALSE);
}

/* A header of the bounce, from the index, as a field. */
static char *
header_text(const struct bounce_input *in, const char *name)
{
	const char *v = bounce_header(in, name);

	return v != NULL ? bounce_field(v, -1) : NULL;
}

static guint
name_hash(gconstpointer key)
{
	const char *p;
	guint h = 5381;

	/* ASCII case folded by hand: g_ascii_tolower is a call a byte. */
	for (p = key; *p != '\0'; p++)
		h = h * 33 + ((guint)(guchar)*p | 0x20);
	return h;
}

static gboolean
name_equal(gconstpointer a, gconstpointer b)
{
	return g_ascii_strcasecmp(a, b) == 0;
}

/*
 * Recognizers ask for headers of the bounce dozens of times a message,
 * and GMime looks each up by a walk over the list: one pass builds an
 * index (the first field of each name, as GMime answers) instead.  Keys
 * and values belong to the header list, which outlives the input; a
 * value is decoded only when asked for (GMime decodes it on first use).
 */
static GHashTable *
header_index(GMimeObject *obj)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int i, n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;
	GHashTable *t = g_hash_table_new(name_hash, name_equal);

	/* Last to first, each replacing what a later field of its name
	 * left: one hash per field, and the first field wins. */
	for (i = MIN(n, MAX_PARTS) - 1; i >= 0; i--) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h);

		if (name != NULL)
			g_hash_table_insert(t, (gpointer)name, h);
	}
	return t;
}

void
bounce_input_build(struct bounce_input_store *x, GMimeMessage *msg)
{
	gsize n;

	memset(x, 0, sizeof *x);
	x->in.msg = msg;
	x->memo.provider_bounce = -1;
	x->in.memo = &x->memo;
	x->in.headers = header_index(GMIME_OBJECT(msg));
	x->from = header_text(&x->in, "From");
	x->subject = header_text(&x->in, "Subject");
	x->in.from = x->from != NULL ? x->from : "";
	x->in.subject = x->subject != NULL ? x->subject : "";
	visit(x, g_mime_message_get_mime_part(msg), 0);
	if (x->text_part != NULL) {
		x->text = bounce_part_text(x->text_part, BOUNCE_MAX_TEXT, &n);
	} else if (x->html_part != NULL) {
		char *html = bounce_part_text(x->html_part, BOUNCE_MAX_TEXT, &n);

		x->text = strip_html(html, n, &n);
		g_free(html);
	} else {
		x->text = g_strdup("");
		n = 0;
	}
	x->in.text = x->text;
	x->in.text_len = n;
	if (x->dsn_part == NULL && x->text_dsn_part != NULL)
		take_text_dsn(x);
	if (x->dsn_part != NULL) {
		x->dsn = part_text(x->dsn_part, BOUNCE_MAX_TEXT, &n,
		    &x->dsn_more);
		/* Robustness: a DSN written with bare CR line ends (old Mac
		 * gateways) is still one field a line; CRLF is already LF
		 * here, so any CR left ends a line.  No field holds a CR. */
		if (memchr(x->dsn, '\r', n) != NULL)
			g_strdelimit(x->dsn, "\r", '\n');
		x->in.dsn = x->dsn;
		x->in.dsn_len = n;
	}
	if (x->feedback_part != NULL) {
		x->feedback = bounce_part_text(x->feedback_part, BOUNCE_MAX_TEXT, &n);
		x->in.feedback = x->feedback;
		x->in.feedback_len = n;
	}
	if (x->in.original == NULL)
		x->in.original_text = find_original_text(x->in.text,
		    x->in.text_len);
}

void
bounce_input_free(struct bounce_input_store *x)
{
	g_free(x->from);
	g_free(x->subject);
	g_free(x->text);
	g_free(x->dsn);
	g_free(x->feedback);
	bounce_report_free(x->memo.dsn);
	if (x->in.headers != NULL)
		g_hash_table_destroy(x->in.headers);
}

const char *
bounce_header(const struct bounce_input *in, const char *name)
{
	if (in == NULL || in->msg == NULL)
		return NULL;
	if (in->headers != NULL) {
		GMimeHeader *h = g_hash_table_lookup(in->headers, name);

		return h != NULL ? g_mime_header_get_value(h) : NULL;
	}
	return g_mime_object_get_header(GMIME_OBJECT(in->msg), name);
}
