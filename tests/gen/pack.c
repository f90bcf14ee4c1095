/* pack.c - gzip, zip and base64 as reporters send them, made with zlib.
 *
 *	pack_gzip(out, xml, len, level, name, mtime)   gzip member, with FNAME
 *	pack_zip(out, name, xml, len, mtime)	    one deflated entry
 *	pack_base64(out, bytes, len, 76)	    MIME base64, LF line ends
 *	w = gzw_open(path, level); gzw_write(w, buf, n)...; gzw_close(w);
 *
 * Every output appends to a GString.  Headers carry the given mtime, never
 * the clock, so output is reproducible.  The zip is written by hand (local
 * header, data, central directory, end record): one entry needs no library
 * and no temporary files.  gzw streams a gzip file of any size in constant
 * memory.
 */
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "gen.h"

static void
put16(GString *s, guint v)
{
	char b[2] = { (char)(v & 0xff), (char)((v >> 8) & 0xff) };

	g_string_append_len(s, b, 2);
}

static void
put32(GString *s, guint32 v)
{
	put16(s, v & 0xffff);
	put16(s, v >> 16);
}

/* Deflate data to the end of out; wbits picks raw (-15) or gzip (31). */
static void
deflate_into(GString *out, const char *data, gsize len, int level,
    int wbits, gz_header *head)
{
	z_stream z;
	gsize start = out->len;
	uLong bound;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, level, Z_DEFLATED, wbits, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2 failed");
	if (head != NULL && deflateSetHeader(&z, head) != Z_OK)
		die("deflateSetHeader failed");
	bound = deflateBound(&z, len) + 512;
	g_string_set_size(out, start + bound);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out->str + start;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		die("deflate did not finish");
	g_string_set_size(out, start + z.total_out);
	deflateEnd(&z);
}

void
pack_gzip(GString *out, const char *data, gsize len, int level,
    const char *name, int64_t mtime)
{
	gz_header head;

	memset(&head, 0, sizeof(head));
	head.time = (uLong)mtime;
	head.os = 3;
	head.name = (Bytef *)name;
	deflate_into(out, data, len, level, 31, name ? &head : NULL);
}

static void
dos_time(int64_t mtime, guint *dtime, guint *ddate)
{
	time_t t = (time_t)mtime;
	struct tm tm;

	gmtime_r(&t, &tm);
	*dtime = (guint)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
	*ddate = (guint)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 |
	    tm.tm_mday);
}

/* The fields local and central headers share, from "version needed". */
static void
zip_common(GString *s, guint dtime, guint ddate, guint32 crc, gsize clen,
    gsize len, gsize nlen)
{
	put16(s, 20);		/* version needed: deflate */
	put16(s, 0);		/* flags */
	put16(s, 8);		/* method: deflate */
	put16(s, dtime);
	put16(s, ddate);
	put32(s, crc);
	put32(s, (guint32)clen);
	put32(s, (guint32)len);
	put16(s, (guint)nlen);
	put16(s, 0);		/* extra field length */
}

void
pack_zip(GString *out, const char *name, const char *data, gsize len,
    int64_t mtime)
{
	GString *body = g_string_sized_new(len / 4 + 64);
	guint32 crc = (guint32)crc32(0, (const Bytef *)data, (uInt)len);
	gsize nlen = strlen(name), local = out->len, central, cdsize;
	guint dtime, ddate;

	dos_time(mtime, &dtime, &ddate);
	deflate_into(body, data, len, Z_DEFAULT_COMPRESSION, -15, NULL);
	put32(out, 0x04034b50);
	zip_common(out, dtime, ddate, crc, body->len, len, nlen);
	g_string_append_len(out, name, nlen);
	g_string_append_len(out, body->str, body->len);
	central = out->len;
	put32(out, 0x02014b50);
	put16(out, 20);		/* version made by: MS-DOS */
	zip_common(out, dtime, ddate, crc, body->len, len, nlen);
	put16(out, 0);		/* comment length */
	put16(out, 0);		/* disk number */
	put16(out, 0);		/* internal attributes */
	put32(out, 0);		/* external attributes */
	put32(out, 0);		/* offset of the local header */
	g_string_append_len(out, name, nlen);
	cdsize = out->len - central;
	put32(out, 0x06054b50);
	put16(out, 0);		/* this disk */
	put16(out, 0);		/* disk with the central directory */
	put16(out, 1);		/* entries on this disk */
	put16(out, 1);		/* entries */
	put32(out, (guint32)cdsize);
	put32(out, (guint32)(central - local));
	put16(out, 0);		/* comment length */
	g_string_free(body, TRUE);
}

void
pack_base64(GString *out, const char *data, gsize len, guint width)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)data;
	gsize lines = (len + 2) / 3 * 4 / width + 2;
	gsize start = out->len, i;
	char *o;
	guint col = 0;

	g_string_set_size(out, start + (len + 2) / 3 * 4 + lines);
	o = out->str + start;
	for (i = 0; i < len; i += 3) {
		guint32 v = (guint32)p[i] << 16;

		if (i + 1 < len)
			v |= (guint32)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? tab[v & 63] : '=';
		if ((col += 4) >= width) {
			*o++ = '\n';
			col = 0;
		}
	}
	if (col > 0)
		*o++ = '\n';
	g_string_set_size(out, (gsize)(o - out->str));
}

struct gzw {
	FILE *fp;
	char *path;
	z_stream z;
	unsigned char buf[1 << 16];
};

struct gzw *
gzw_open(const char *path, int level)
{
	struct gzw *w = g_new0(struct gzw, 1);

	w->fp = xfopen(path, "wb");
	w->path = g_strdup(path);
	if (deflateInit2(&w->z, level, Z_DEFLATED, 31, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2 failed");
	return w;
}

static void
gzw_run(struct gzw *w, int flush)
{
	int rc;

	do {
		w->z.next_out = w->buf;
		w->z.avail_out = sizeof(w->buf);
		rc = deflate(&w->z, flush);
		if (rc == Z_STREAM_ERROR)
			die("deflate failed");
		xfwrite(w->fp, (const char *)w->buf,
		    sizeof(w->buf) - w->z.avail_out, w->path);
	} while (w->z.avail_out == 0 || (flush == Z_FINISH &&
	    rc != Z_STREAM_END));
}

void
gzw_write(struct gzw *w, const char *data, gsize len)
{
	w->z.next_in = (Bytef *)data;
	w->z.avail_in = (uInt)len;
	gzw_run(w, Z_NO_FLUSH);
}

void
gzw_close(struct gzw *w)
{
	gzw_run(w, Z_FINISH);
	deflateEnd(&w->z);
	xfclose(w->fp, w->path);
	g_free(w->path);
	g_free(w);
}
