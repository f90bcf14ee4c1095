/* arf_input.c - the content of one MIME part as bytes, transfer-decoded
 * and bounded, or as UTF-8 text.
 *
 * Usage:
 *	r = arf_part_bytes(obj, max, &bytes);	   1 whole, 0 cut, -1 error
 *	text = arf_part_text(obj, max);	   NULL when the part has no text
 *
 * A leaf is read through its own stream with GMime's decoder driven here
 * (no filter stream), so that reading stops at max bytes whatever the
 * part's size.  An attached message that GMime parsed (a GMimeMessagePart,
 * when the caller did not register message/rfc822 as a leaf the way
 * ingest/walk.c does) is written back out, which GMime does from the bytes
 * it kept.
 */
#include <string.h>

#include "arf_internal.h"

#define CHUNK	16384

/* Append what one read gave, decoded; TRUE while under max. */
static gboolean
append_chunk(GByteArray *a, GMimeEncoding *state, gboolean transfer,
    const char *buf, gssize n, gsize max)
{
	gsize have = a->len;

	if (!transfer) {
		g_byte_array_append(a, (const guint8 *)buf, (guint)n);
	} else {
		/* Room for what the step or the flush writes. */
		g_byte_array_set_size(a, (guint)(have + 64 +
		    g_mime_encoding_outlen(state, (size_t)n)));
		g_byte_array_set_size(a, (guint)(have + (n > 0 ?
		    g_mime_encoding_step(state, buf, (size_t)n,
		    (char *)a->data + have) :
		    g_mime_encoding_flush(state, buf, 0,
		    (char *)a->data + have))));
	}
	return a->len <= max;
}

static int
leaf_bytes(GMimePart *part, gsize max, GByteArray *a)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *content;
	GMimeContentEncoding enc;
	GMimeEncoding state;
	gboolean transfer;
	char buf[CHUNK];
	gssize n;

	content = dw != NULL ? g_mime_data_wrapper_get_stream(dw) : NULL;
	if (content == NULL)
		return 1;
	enc = g_mime_data_wrapper_get_encoding(dw);
	transfer = enc == GMIME_CONTENT_ENCODING_BASE64 ||
	    enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    enc == GMIME_CONTENT_ENCODING_UUENCODE;
	if (transfer)
		g_mime_encoding_init_decode(&state, enc);
	if (g_mime_stream_reset(content) < 0)
		return -1;
	for (;;) {
		if ((n = g_mime_stream_read(content, buf, sizeof buf)) < 0)
			return -1;
		if (!append_chunk(a, &state, transfer, buf, n, max)) {
			g_byte_array_set_size(a, (guint)max);
			return 0;
		}
		if (n == 0)
			return 1;
	}
}

/* A message GMime parsed, written out again. */
static int
message_bytes(GMimeMessagePart *mp, gsize max, GByteArray *a)
{
	GMimeMessage *m = g_mime_message_part_get_message(mp);
	GMimeStream *mem;
	GByteArray *out;
	int r = 1;

	if (m == NULL)
		return 1;
	mem = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, mem) < 0) {
		g_object_unref(mem);
		return -1;
	}
	out = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (out->len > max)
		r = 0;
	g_byte_array_append(a, out->data, (guint)MIN(out->len, max));
	g_object_unref(mem);
	return r;
}

int
arf_part_bytes(GMimeObject *obj, gsize max, GByteArray **out)
{
	GByteArray *a = g_byte_array_new();
	int r = 1;

	if (GMIME_IS_PART(obj))
		r = leaf_bytes(GMIME_PART(obj), max, a);
	else if (GMIME_IS_MESSAGE_PART(obj))
		r = message_bytes(GMIME_MESSAGE_PART(obj), max, a);
	if (r < 0) {
		g_byte_array_unref(a);
		a = NULL;
	}
	*out = a;
	return r;
}

/* The part's text in UTF-8: converted from the charset it names when
 * that is not UTF-8 and the bytes are not UTF-8 either; arf_text makes
 * the rest valid.  At most max bytes of the part are read. */
char *
arf_part_text(GMimeObject *obj, gsize max)
{
	GByteArray *a;
	const char *cs;
	char *conv = NULL, *out;
	gsize len;

	if (arf_part_bytes(obj, max, &a) < 0)
		return NULL;
	if ((len = a->len) == 0) {
		g_byte_array_unref(a);
		return g_strdup("");
	}
	cs = g_mime_object_get_content_type_parameter(obj, "charset");
	if (cs != NULL && !g_utf8_validate((const char *)a->data,
	    (gssize)len, NULL)) {
		const char *iconv_name = g_mime_charset_iconv_name(cs);

		conv = g_convert_with_fallback((const char *)a->data,
		    (gssize)len, "UTF-8", iconv_name, "?", NULL, NULL, NULL);
	}
	out = conv != NULL ? arf_text(conv, (gsize)-1, max) :
	    arf_text((const char *)a->data, len, max);
	g_free(conv);
	g_byte_array_unref(a);
	return out;
}
