/* gzip.c - the raw report as kept: compressed, and never compressed twice.
 *
 *	kept = store_compress(raw, &format, &err);   format "gzip" or "zip"
 *	... g_bytes_unref(kept);
 *
 * Payloads that arrived as gzip or zip are kept byte for byte (the magic
 * number decides, not the label); anything else, plain XML, is gzipped
 * here.  Output grows in steps, so a big report needs no second buffer of
 * its whole size.
 */
#include <string.h>
#include <zlib.h>

#include "internal.h"

#define OUT_STEP (64 * 1024)

static const char *
compressed_format(const guint8 *p, gsize len)
{
	if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return "gzip";
	if (len >= 4 && p[0] == 'P' && p[1] == 'K' &&
	    ((p[2] == 3 && p[3] == 4) || (p[2] == 5 && p[3] == 6)))
		return "zip";
	return NULL;
}

GBytes *
store_compress(GBytes *raw, const char **format, GError **err)
{
	gsize len;
	const guint8 *p = g_bytes_get_data(raw, &len);
	GByteArray *out;
	z_stream z;
	int zr;

	if ((*format = compressed_format(p, len)) != NULL)
		return g_bytes_ref(raw);
	*format = "gzip";

	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip header, so `zcat` reads it. */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		store_set_error(err, STORE_ERROR_INTERNAL, "deflateInit2 failed");
		return NULL;
	}
	out = g_byte_array_sized_new(len / 4 + 64);
	z.next_in = (Bytef *)p;
	do {
		gsize have = out->len;

		/* avail_in is 32 bits: feed at most 1 GiB at a time. */
		if (z.avail_in == 0 && (gsize)(z.next_in - p) < len) {
			gsize left = len - (z.next_in - p);

			z.avail_in = left > (1u << 30) ? (1u << 30) : left;
		}
		g_byte_array_set_size(out, have + OUT_STEP);
		z.next_out = out->data + have;
		z.avail_out = OUT_STEP;
		zr = deflate(&z, (gsize)(z.next_in - p) + z.avail_in >= len ?
		    Z_FINISH : Z_NO_FLUSH);
		g_byte_array_set_size(out, have + OUT_STEP - z.avail_out);
	} while (zr == Z_OK || zr == Z_BUF_ERROR);
	deflateEnd(&z);
	if (zr != Z_STREAM_END) {
		g_byte_array_free(out, TRUE);
		store_set_error(err, STORE_ERROR_INTERNAL, "deflate failed: %d",
		    zr);
		return NULL;
	}
	return g_byte_array_free_to_bytes(out);
}
