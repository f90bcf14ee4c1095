/* walk.c - find the report payloads of one message.
 *
 * Usage:
 *	n = ingest_walk(msg, &lim, on_payload, user, &err);
 *
 * A message whose bytes are themselves gzip, zip or XML (a bare report
 * file) is one payload.  Anything else is parsed with GMime, in place: the
 * parser reads the message's own bytes, and parts are substreams of them.
 * Every entity is visited depth first (multipart children, message/rfc822
 * and message/global bodies, also when wrongly base64-encoded: GMime keeps
 * an attached message a leaf, and it is parsed only when some line of it
 * could begin a payload or it names a transfer encoding); each leaf
 * is decoded through GMime's decoding filter and handed to unpack.c, which
 * keeps it only if its content is gzip, zip or XML.  Labels never decide.
 *
 * max_depth bounds nesting, max_parts the entities visited, max_message the
 * decoded size of a part.  GMime builds the whole tree before we see it and
 * spends about 1 KiB per entity, so a message made of millions of empty
 * parts is refused before parsing: more lines starting with "--" than four
 * times max_parts cannot be a message we want.  Headers cost GMime even
 * more, up to 30 times their size (an object and copies per field, a
 * folded field reassembled line by line), so max_header bounds them, also
 * before parsing, by an estimate that can only err upwards.
 *
 * The top-level message stays parsed on the ingest_message (with the byte
 * view its streams read, which must outlive them), so that the bounce
 * reader works on the same tree: ingest_message_mime().  Embedded messages
 * that had to be parsed from decoded bytes are dropped after their walk.
 *
 * Blank or white-space-only lines before the top-level header block are
 * skipped (walk_top): the message is what follows them.
 *
 * The Message-ID kept is valid UTF-8 and at most 998 bytes, the longest
 * line RFC 5322 allows: anything longer is not an identifier anyone will
 * look up.
 */
#include <string.h>
#include <gmime/gmime.h>

#include "internal.h"

#define DECODE_CHUNK	65536
#define MAX_MESSAGE_ID	998

static int walk_object(struct ingest_walker *, GMimeObject *, guint,
    GError **);
static int walk_bytes(struct ingest_walker *, GBytes *, guint,
    struct ingest_message *, GError **);

static void
gmime_setup(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		g_mime_init();
		/* An attached message stays a leaf: GMime would build a
		 * second message, a third of the objects of a bounce,
		 * whether or not anyone reads it.  walk_leaf parses it when
		 * it may hold a payload; the bounce reader reads its header
		 * as text. */
		g_mime_object_register_type("message", "rfc822",
		    GMIME_TYPE_PART);
		g_mime_object_register_type("message", "global",
		    GMIME_TYPE_PART);
		g_once_init_leave(&once, 1);
	}
}

/*
 * One parser per thread, set to each message's stream in turn: a new
 * parser costs an object and a 4 KiB buffer, 6% of parsing a bounce.
 * Once the tree is built the parser is set to an empty stream, so that it
 * holds on to nothing of the message (its bytes may go away) and the walk
 * of an embedded message can use it again.
 */
static GMimeParser *
parser_take(GMimeStream *stream)
{
	static GPrivate key = G_PRIVATE_INIT(g_object_unref);
	GMimeParser *parser = g_private_get(&key);

	if (parser == NULL) {
		parser = g_mime_parser_new();
		g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
		g_mime_parser_set_persist_stream(parser, TRUE);
		g_private_set(&key, parser);
	}
	g_mime_parser_init_with_stream(parser, stream);
	return parser;
}

static void
parser_release(GMimeParser *parser)
{
	static GPrivate key = G_PRIVATE_INIT(g_object_unref);
	GMimeStream *idle = g_private_get(&key);

	if (idle == NULL) {
		idle = g_mime_stream_null_new();
		g_private_set(&key, idle);
	}
	g_mime_parser_init_with_stream(parser, idle);
}

/* Does the line name a message/ type?  Then the block after its header
 * block is the header of an embedded message. */
static gboolean
names_message(const guchar *s, gsize n)
{
	const guchar *p = s, *end = s + n, *slash;

	/* Every header byte passes here: look for the rare '/' with
	 * memchr, then at the seven bytes before it. */
	while ((slash = memchr(p, '/', (gsize)(end - p))) != NULL) {
		if (slash - s >= 7 && g_ascii_strncasecmp((const char *)slash - 7,
		    "message", 7) == 0)
			return TRUE;
		p = slash + 1;
	}
	return FALSE;
}

/*
 * The bytes GMime would parse as headers, without parsing: the message's
 * own header block, the block after every line starting with "--" (a
 * boundary, or maybe not), and the block after a header block that names a
 * message/ type (an embedded message), each up to its empty line.  Body
 * lines that follow a "--" line count too: real messages stay far below
 * the limit all the same.  *dashes counts every line that starts with
 * "--", in the same pass.
 */
static guint64
header_bytes(const guchar *p, gsize n, guint64 *dashes)
{
	const guchar *end, *q, *nl;
	gboolean in_header = TRUE, embedded = FALSE;
	guint64 count = 0;
	gsize len;

	/* An empty part may come with no buffer at all: NULL + 0 is UB. */
	if (p == NULL || n == 0)
		return 0;
	end = p + n;
	q = p;
	while (q < end) {
		/* Outside a header only lines that start with "--" matter:
		 * jump from one to the next (a body is mostly base64). */
		if (!in_header && !(end - q >= 2 && q[0] == '-' && q[1] == '-')) {
			nl = memmem(q, (gsize)(end - q), "\n--", 3);
			if (nl == NULL)
				break;
			q = nl + 1;
		}
		nl = memchr(q, '\n', (gsize)(end - q));
		len = nl != NULL ? (gsize)(nl - q) + 1 : (gsize)(end - q);
		if (len >= 2 && q[0] == '-' && q[1] == '-')
			(*dashes)++;
		if (in_header) {
			if (len == 1 || (len == 2 && q[0] == '\r')) {
				in_header = embedded;
				embedded = FALSE;
			} else {
				count += len;
				if (!embedded && names_message(q, len))
					embedded = TRUE;
			}
		} else if (len >= 2 && q[0] == '-' && q[1] == '-') {
			in_header = TRUE;
			embedded = FALSE;
		}
		q += len;
	}
	return count;
}

/* The Message-ID as kept: valid UTF-8, cut at a character boundary. */
static char *
message_id_text(const char *id)
{
	char *v = g_utf8_make_valid(id, -1);
	gsize n = strlen(v);

	if (n > MAX_MESSAGE_ID) {
		n = MAX_MESSAGE_ID;
		while (n > 0 && ((guchar)v[n] & 0xc0) == 0x80)
			n--;
		v[n] = '\0';
	}
	return v;
}

static int
parts_error(struct ingest_walker *w, GError **err)
{
	g_set_error(err, INGEST_ERROR, INGEST_ERROR_LIMIT,
	    "more than %u MIME parts (max_parts)", w->lim.max_parts);
	return -1;
}

/*
 * The part's content, transfer-decoded, bounded by max_message, into
 * *out: 1.  With sniff, decoding stops as soon as the first bytes show
 * that the part cannot be a payload (most text parts): 0.  -1 with *err
 * set on a limit or a read error.  GMime's decoder is driven directly,
 * without the two filter objects a filter stream costs per part.
 */
static int
decode(struct ingest_walker *w, GMimePart *part, gboolean sniff,
    GBytes **out, GError **err)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeContentEncoding enc;
	GMimeEncoding state;
	GMimeStream *content;
	GByteArray *a;
	gboolean transfer;
	char buf[DECODE_CHUNK];
	gssize n;
	gsize have;

	*out = NULL;
	content = dw != NULL ? g_mime_data_wrapper_get_stream(dw) : NULL;
	if (content == NULL) {
		*out = g_bytes_new(NULL, 0);
		return 1;
	}
	enc = g_mime_data_wrapper_get_encoding(dw);
	transfer = enc == GMIME_CONTENT_ENCODING_BASE64 ||
	    enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    enc == GMIME_CONTENT_ENCODING_UUENCODE;
	if (transfer)
		g_mime_encoding_init_decode(&state, enc);
	g_mime_stream_reset(content);
	a = g_byte_array_new();
	for (;;) {
		n = g_mime_stream_read(content, buf, sizeof buf);
		if (n < 0) {
			g_set_error(err, INGEST_ERROR, INGEST_ERROR_FORMAT,
			    "cannot decode a MIME part");
			break;
		}
		have = a->len;
		if (!transfer) {
			g_byte_array_append(a, (guchar *)buf, (guint)n);
		} else {
			/* Room for what the step or the flush writes. */
			g_byte_array_set_size(a, (guint)(have + 64 +
			    g_mime_encoding_outlen(&state, (size_t)n)));
			g_byte_array_set_size(a, (guint)(have + (n > 0 ?
			    g_mime_encoding_step(&state, buf, (size_t)n,
			    (char *)a->data + have) :
			    g_mime_encoding_flush(&state, buf, 0,
			    (char *)a->data + have))));
		}
		if (a->len > w->lim.max_message) {
			g_set_error(err, INGEST_ERROR, INGEST_ERROR_LIMIT,
			    "decoded MIME part larger than %" G_GSIZE_FORMAT
			    " bytes (max_message)", w->lim.max_message);
			break;
		}
		if (n == 0) {
			*out = g_byte_array_free_to_bytes(a);
			return 1;
		}
		if (sniff && ingest_sniff_never(a->data, a->len)) {
			g_byte_array_unref(a);
			return 0;
		}
	}
	g_byte_array_unref(a);
	return -1;
}

/* Case-insensitive: is needle (lower case) in p[0..n)? */
static gboolean
has_word(const guchar *p, gsize n, const char *needle)
{
	gsize k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if ((p[i] | 0x20) == (guchar)needle[0] &&
		    g_ascii_strncasecmp((const char *)p + i, needle, k) == 0)
			return TRUE;
	return FALSE;
}

/*
 * Must the message in p[0..n) be parsed, or can it hold nothing a walk
 * looks for?  A part's content begins at a line start, and it is the raw
 * bytes unless a transfer encoding is named.  So it need not be when no
 * encoding word appears and no line start passes ingest_sniff_payload
 * (which skips white space, blank lines included).  A message naming a
 * multipart or message type is parsed all the same, so that nesting and
 * part counts meet their limits as before.  Most returned originals are
 * a plain text part and need no parse.
 */
static gboolean
may_hold_payload(const guchar *p, gsize n)
{
	static const char *const words[] = { "base64", "quoted-printable",
	    "uue", "multipart/", "message/" };
	const guchar *q = p, *end, *nl;
	gsize i;

	/* An empty part may come with no buffer at all: NULL + 0 is UB. */
	if (p == NULL || n == 0)
		return FALSE;
	end = p + n;
	for (i = 0; i < G_N_ELEMENTS(words); i++)
		if (has_word(p, n, words[i]))
			return TRUE;
	for (;;) {
		if (ingest_sniff_payload(q, (gsize)(end - q)))
			return TRUE;
		nl = memchr(q, '\n', (gsize)(end - q));
		if (nl == NULL)
			return FALSE;
		q = nl + 1;
	}
}

static gboolean
is_message_type(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	return ct != NULL && g_mime_content_type_is_type(ct, "message", "*") &&
	    (g_mime_content_type_is_type(ct, "*", "rfc822") ||
	    g_mime_content_type_is_type(ct, "*", "global"));
}

static int
walk_leaf(struct ingest_walker *w, GMimePart *part, guint depth,
    GError **err)
{
	gboolean message = is_message_type(GMIME_OBJECT(part));
	GBytes *body;
	const char *filename;
	char *name, *type;
	int r;

	/* A message is walked whatever its first bytes. */
	if ((r = decode(w, part, !message, &body, err)) <= 0)
		return r;
	/* An attached message is a leaf (gmime_setup): parsed here, when
	 * it may hold a payload at all. */
	if (message && !ingest_sniff_payload(g_bytes_get_data(body, NULL),
	    g_bytes_get_size(body))) {
		r = may_hold_payload(g_bytes_get_data(body, NULL),
		    g_bytes_get_size(body)) ?
		    walk_bytes(w, body, depth + 1, NULL, err) : 0;
		g_bytes_unref(body);
		return r;
	}
	filename = g_mime_part_get_filename(part);
	name = filename != NULL ? g_utf8_make_valid(filename, -1) : NULL;
	type = g_mime_content_type_get_mime_type(
	    g_mime_object_get_content_type(GMIME_OBJECT(part)));
	r = ingest_unpack(w, body, name, type, err);
	g_free(type);
	g_free(name);
	g_bytes_unref(body);
	return r;
}

static int
walk_object(struct ingest_walker *w, GMimeObject *obj, guint depth,
    GError **err)
{
	GMimeMessage *inner;
	GMimeObject *body;
	int i, count;

	if (++w->parts > w->lim.max_parts)
		return parts_error(w, err);
	if (depth > w->lim.max_depth) {
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_LIMIT,
		    "MIME nesting deeper than %u levels (max_depth)",
		    w->lim.max_depth);
		return -1;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		count = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < count; i++)
			if (walk_object(w, g_mime_multipart_get_part(
			    GMIME_MULTIPART(obj), i), depth + 1, err) < 0)
				return -1;
		return 0;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));
		body = inner != NULL ? g_mime_message_get_mime_part(inner) :
		    NULL;
		return body != NULL ? walk_object(w, body, depth + 1, err) : 0;
	}
	if (GMIME_IS_PART(obj))
		return walk_leaf(w, GMIME_PART(obj), depth, err);
	return 0;
}

/* Parse bytes as a message and walk it.  top: the message whose bytes
 * these are (it keeps the tree and its Message-ID), NULL for embedded
 * messages.  An embedded message GMime cannot parse is skipped; a
 * top-level one is an error. */
static int
walk_bytes(struct ingest_walker *w, GBytes *bytes, guint depth,
    struct ingest_message *top, GError **err)
{
	gsize n;
	const guchar *p = g_bytes_get_data(bytes, &n);
	GByteArray local, *view = &local;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *m;
	GMimeObject *body;
	guint64 hbytes, dashes = 0;
	int r = 0;

	hbytes = header_bytes(p, n, &dashes);
	if (dashes > (guint64)w->lim.max_parts * 4)
		return parts_error(w, err);
	w->header_bytes += hbytes;
	if (w->header_bytes > w->lim.max_header) {
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_LIMIT,
		    "MIME headers larger than %" G_GSIZE_FORMAT " bytes "
		    "(max_header)", w->lim.max_header);
		return -1;
	}
	if (n > G_MAXUINT) {
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_LIMIT,
		    "message larger than %u bytes", G_MAXUINT);
		return -1;
	}
	/*
	 * A borrowed view of the bytes: a GMimeStreamMem that does not own
	 * its array only reads ->data and ->len, so nothing is copied.  For
	 * an embedded message every GMime object referring to it is gone
	 * before we return; the top-level tree is kept, so its view lives on
	 * the heap with it (top->raw holds the bytes until both are freed).
	 */
	if (top != NULL) {
		ingest_message_drop_mime(top);
		view = g_new0(GByteArray, 1);
		top->mime_view = view;
	}
	view->data = (guint8 *)p;
	view->len = (guint)n;
	stream = g_mime_stream_mem_new_with_byte_array(view);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	parser = parser_take(stream);
	m = g_mime_parser_construct_message(parser, NULL);
	parser_release(parser);
	g_object_unref(stream);
	if (m == NULL && top != NULL) {
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_FORMAT,
		    "not a MIME message (no header)");
		r = -1;
	}
	if (m != NULL) {
		if (top != NULL &&
		    g_mime_message_get_message_id(m) != NULL) {
			g_free(top->message_id);
			top->message_id = message_id_text(
			    g_mime_message_get_message_id(m));
		}
		body = g_mime_message_get_mime_part(m);
		if (body != NULL)
			r = walk_object(w, body, depth, err);
		if (top != NULL)
			top->mime = (struct _GMimeMessage *)m;
		else
			g_object_unref(m);
	}
	return r;
}

/* Bytes of blank or white-space-only lines at p: some MTAs and scripts
 * write a message with an empty line or two before its header block,
 * which GMime would take for an empty header and a body. */
static gsize
leading_blank_lines(const guchar *p, gsize n)
{
	gsize i = 0, line = 0;

	while (i < n) {
		if (p[i] == '\n')
			line = i + 1;
		else if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			break;
		i++;
	}
	return line;
}

/* The top-level message, blank lines before its header skipped.  The
 * view GMime reads stays inside msg->raw, which outlives the tree. */
static int
walk_top(struct ingest_walker *w, struct ingest_message *msg,
    const guchar *p, gsize n, GError **err)
{
	gsize skip = leading_blank_lines(p, n);
	GBytes *rest;
	int r;

	if (skip == 0 || skip >= n)
		return walk_bytes(w, msg->raw, 0, msg, err);
	rest = g_bytes_new_from_bytes(msg->raw, skip, n - skip);
	r = walk_bytes(w, rest, 0, msg, err);
	g_bytes_unref(rest);
	return r;
}

int
ingest_walk(struct ingest_message *msg, const struct ingest_limits *lim,
    ingest_payload_fn fn, void *user, GError **err)
{
	struct ingest_walker w = { .lim = *lim, .fn = fn, .user = user };
	gsize n;
	const guchar *p = g_bytes_get_data(msg->raw, &n);
	char *base;
	int r;

	if (n == 0) {
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_FORMAT,
		    "empty message");
		return -1;
	}
	if (ingest_sniff_payload(p, n)) {
		base = msg->path != NULL ? g_path_get_basename(msg->path) :
		    NULL;
		if (base != NULL) {
			char *valid = g_utf8_make_valid(base, -1);

			g_free(base);
			base = valid;
		}
		r = ingest_unpack(&w, msg->raw, base, NULL, err);
		g_free(base);
	} else {
		gmime_setup();
		r = walk_top(&w, msg, p, n, err);
	}
	return r < 0 ? -1 : w.count;
}

struct _GMimeMessage *
ingest_message_mime(struct ingest_message *msg)
{
	return msg != NULL ? msg->mime : NULL;
}
