/* stream.c - the unpacked bytes of one payload, as a stack of layers: at
 * the bottom the attachment in memory or one zip entry (libzip inflates),
 * above it zero or more gzip inflaters (zlib), each reading the layer
 * below through a fixed buffer.  Nothing is inflated ahead of the reader,
 * so a 1 GB report never sits in memory.
 *
 * Usage:
 *	s = ingest_stream_mem(bytes, &lim);
 *	n = ingest_stream_peek(s, head, 4);	   look without consuming
 *	if (ingest_sniff_gzip(head, n)) ingest_stream_push_gzip(s);
 *	while ((n = ingest_stream_read(s, buf, sizeof buf, &err)) > 0) ...
 *	ingest_stream_free(s);
 *
 * Every layer counts what it produced against max_inflated and, past
 * 1 MiB, against max_ratio times the compressed bytes consumed at the
 * bottom of its chain (the attachment's gzip, or the zip entry): a nested
 * bomb passes each layer's own ratio but not the product of them.  A
 * budget shared by all payloads of one message (ingest_stream_budget)
 * bounds what every stream together hands to readers by max_inflated too,
 * so a zip of 64 entries, or entries sharing one compressed body, cannot
 * multiply the work.  The first error sticks: peek records it and every
 * later read reports it, which lets the walker hand out a payload whose
 * corruption the reader then learns about.
 *
 * Zip entries are read only when stored or deflated: deflate cannot expand
 * more than about 1032:1, while bzip2, xz or zstd can reach millions to
 * one, and no reporter uses them.
 */
#include <string.h>
#include <zip.h>
#include <zlib.h>

#include "internal.h"

#define GZ_IN_BUF	65536
#define PEEK_MAX	64	/* enough to see past a BOM and indentation */
#define RATIO_FLOOR	((guint64)1 << 20)

enum layer_kind { LAYER_MEM, LAYER_ZIP, LAYER_GZIP };

struct layer {
	enum layer_kind kind;
	struct layer *below;
	struct layer *base;	/* lowest decompressing layer of the chain */
	guint64 in, out;	/* bytes consumed (compressed) and produced */
	guchar peek[PEEK_MAX];	/* produced but not yet consumed */
	gsize npeek;

	GBytes *bytes;		/* LAYER_MEM */
	gsize off;

	zip_file_t *zf;		/* LAYER_ZIP */
	char *name;

	z_stream z;		/* LAYER_GZIP */
	guchar *zin;
	gboolean zeof;		/* the layer below is exhausted */
	gboolean zdone;		/* last member ended, the rest ignored */
};

struct ingest_stream {
	struct layer *top;
	struct ingest_limits lim;
	guint64 *used;		/* the message's budget, or NULL */
	GError *error;		/* sticky */
};

static gssize layer_read(struct layer *, guchar *, gsize,
    const struct ingest_limits *, GError **);

/* Compressed bytes the layer consumed: input buffered but not yet
 * inflated does not count. */
static guint64
consumed(const struct layer *l)
{
	return l->kind == LAYER_GZIP ? l->in - l->z.avail_in : l->in;
}

static gboolean
check_limits(struct layer *l, const struct ingest_limits *lim, GError **err)
{
	guint64 in = consumed(l->base != NULL ? l->base : l);

	if (l->out > lim->max_inflated) {
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_LIMIT,
		    "inflated size exceeds %" G_GSIZE_FORMAT " bytes",
		    lim->max_inflated);
		return FALSE;
	}
	if (lim->max_ratio != 0 && l->out > RATIO_FLOOR &&
	    (in == 0 || l->out / in > lim->max_ratio)) {
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_LIMIT,
		    "compression ratio exceeds %u:1", lim->max_ratio);
		return FALSE;
	}
	return TRUE;
}

static gssize
mem_read(struct layer *l, guchar *buf, gsize len)
{
	gsize size;
	const guchar *data = g_bytes_get_data(l->bytes, &size);
	gsize n = MIN(len, size - l->off);

	if (n > 0)
		memcpy(buf, data + l->off, n);
	l->off += n;
	return (gssize)n;
}

static gssize
zip_read(struct layer *l, guchar *buf, gsize len, GError **err)
{
	zip_int64_t n = zip_fread(l->zf, buf, len);

	if (n < 0) {
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_FORMAT,
		    "zip entry \"%s\": %s", l->name, zip_file_strerror(l->zf));
		return -1;
	}
	return (gssize)n;
}

/* Refill the gzip input buffer, keeping the avail_in bytes still unread. */
static gboolean
gz_fill(struct layer *l, const struct ingest_limits *lim, GError **err)
{
	z_stream *z = &l->z;
	gssize n;

	if (z->avail_in > 0)
		memmove(l->zin, z->next_in, z->avail_in);
	z->next_in = l->zin;
	n = layer_read(l->below, l->zin + z->avail_in,
	    GZ_IN_BUF - z->avail_in, lim, err);
	if (n < 0)
		return FALSE;
	if (n == 0)
		l->zeof = TRUE;
	z->avail_in += (uInt)n;
	l->in += (guint64)n;
	return TRUE;
}

/* A member ended.  Another one follows only if gzip magic does; anything
 * else (Mimecast pads with junk) ends the data. */
static gboolean
gz_next_member(struct layer *l, const struct ingest_limits *lim,
    GError **err)
{
	z_stream *z = &l->z;

	while (z->avail_in < 3 && !l->zeof)
		if (!gz_fill(l, lim, err))
			return FALSE;
	if (ingest_sniff_gzip(z->next_in, z->avail_in))
		inflateReset(z);
	else
		l->zdone = TRUE;
	return TRUE;
}

static gssize
gz_read(struct layer *l, guchar *buf, gsize len,
    const struct ingest_limits *lim, GError **err)
{
	z_stream *z = &l->z;
	uInt want = (uInt)MIN(len, (gsize)1 << 30);
	int r;

	if (want == 0)
		return 0;
	z->next_out = buf;
	z->avail_out = want;
	while (z->avail_out == want && !l->zdone) {
		if (z->avail_in == 0 && !l->zeof && !gz_fill(l, lim, err))
			return -1;
		r = inflate(z, Z_NO_FLUSH);
		if (r == Z_STREAM_END) {
			if (!gz_next_member(l, lim, err))
				return -1;
			continue;
		}
		if (r == Z_BUF_ERROR && z->avail_in == 0) {
			if (!l->zeof)
				continue;	/* needs more input */
			g_set_error(err, INGEST_ERROR, INGEST_ERROR_FORMAT,
			    "gzip data truncated");
			return -1;
		}
		/* Z_BUF_ERROR with input and room left cannot happen. */
		if (r != Z_OK) {
			g_set_error(err, INGEST_ERROR, INGEST_ERROR_FORMAT,
			    "corrupt gzip data: %s",
			    z->msg != NULL ? z->msg : zError(r));
			return -1;
		}
	}
	return (gssize)(want - z->avail_out);
}

/* Read what the layer produces, ignoring what was peeked. */
static gssize
layer_produce(struct layer *l, guchar *buf, gsize len,
    const struct ingest_limits *lim, GError **err)
{
	gssize n;

	switch (l->kind) {
	case LAYER_MEM:
		return mem_read(l, buf, len);
	case LAYER_ZIP:
		n = zip_read(l, buf, len, err);
		break;
	case LAYER_GZIP:
	default:
		n = gz_read(l, buf, len, lim, err);
		break;
	}
	if (n > 0) {
		l->out += (guint64)n;
		if (!check_limits(l, lim, err))
			return -1;
	}
	return n;
}

static gssize
layer_read(struct layer *l, guchar *buf, gsize len,
    const struct ingest_limits *lim, GError **err)
{
	gsize n;

	if (l->npeek == 0)
		return layer_produce(l, buf, len, lim, err);
	n = MIN(len, l->npeek);
	memcpy(buf, l->peek, n);
	memmove(l->peek, l->peek + n, l->npeek - n);
	l->npeek -= n;
	return (gssize)n;
}

static struct ingest_stream *
stream_new(struct layer *l, const struct ingest_limits *lim)
{
	struct ingest_stream *s = g_new0(struct ingest_stream, 1);

	s->top = l;
	s->lim = *lim;
	return s;
}

struct ingest_stream *
ingest_stream_mem(GBytes *bytes, const struct ingest_limits *lim)
{
	struct layer *l = g_new0(struct layer, 1);

	l->kind = LAYER_MEM;
	l->bytes = g_bytes_ref(bytes);
	return stream_new(l, lim);
}

static const char *
zip_method_name(zip_uint16_t m, char *buf, gsize len)
{
	switch (m) {
	case ZIP_CM_DEFLATE64: return "deflate64 (9)";
	case ZIP_CM_BZIP2: return "bzip2 (12)";
	case ZIP_CM_LZMA: return "lzma (14)";
	case 93: return "zstd (93)";
	case ZIP_CM_XZ: return "xz (95)";
	default:
		g_snprintf(buf, len, "%u", m);
		return buf;
	}
}

/* archive is a zip_t *; the stream must be freed before it is closed.  An
 * entry that cannot be opened (encrypted, unknown or refused method)
 * becomes a stream whose first read fails. */
struct ingest_stream *
ingest_stream_zip(void *archive, guint64 index, guint64 comp_size,
    const char *name, const struct ingest_limits *lim)
{
	struct layer *l = g_new0(struct layer, 1);
	struct ingest_stream *s;
	zip_t *za = archive;
	zip_stat_t st;
	char num[16];

	l->kind = LAYER_ZIP;
	l->base = l;
	l->name = g_strdup(name);
	l->in = comp_size;
	s = stream_new(l, lim);
	zip_stat_init(&st);
	if (zip_stat_index(za, index, 0, &st) == 0 &&
	    (st.valid & ZIP_STAT_COMP_METHOD) != 0 &&
	    st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE) {
		g_set_error(&s->error, INGEST_ERROR, INGEST_ERROR_FORMAT,
		    "zip entry \"%s\": compression method %s refused (only "
		    "stored and deflate are read)", name,
		    zip_method_name(st.comp_method, num, sizeof num));
		return s;
	}
	l->zf = zip_fopen_index(za, index, 0);
	if (l->zf == NULL)
		g_set_error(&s->error, INGEST_ERROR, INGEST_ERROR_FORMAT,
		    "zip entry \"%s\": %s", name,
		    zip_error_strerror(zip_get_error(za)));
	return s;
}

void
ingest_stream_push_gzip(struct ingest_stream *s)
{
	struct layer *l;

	if (s->error != NULL)
		return;
	l = g_new0(struct layer, 1);
	l->kind = LAYER_GZIP;
	l->below = s->top;
	/* Over a buffer the gzip is the chain's bottom; over a zip entry or
	 * another gzip, the ratio counts from where they start. */
	l->base = l->below->kind == LAYER_MEM ? l : l->below->base;
	l->zin = g_malloc(GZ_IN_BUF);
	s->top = l;
	/* 15 + 32: any window size, gzip or zlib header detected. */
	if (inflateInit2(&l->z, 15 + 32) != Z_OK) {
		g_free(l->zin);
		l->zin = NULL;
		l->zdone = TRUE;
		g_set_error(&s->error, INGEST_ERROR, INGEST_ERROR_FORMAT,
		    "gzip: %s", l->z.msg != NULL ? l->z.msg : "cannot start");
	}
}

/* Up to len (at most 16) bytes from the top without consuming them.  On
 * error the stream keeps it for the next read and -1 is returned. */
gssize
ingest_stream_peek(struct ingest_stream *s, guchar *buf, gsize len)
{
	struct layer *l = s->top;
	gssize n;

	if (s->error != NULL)
		return -1;
	len = MIN(len, PEEK_MAX);
	while (l->npeek < len) {
		n = layer_produce(l, l->peek + l->npeek, len - l->npeek,
		    &s->lim, &s->error);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		l->npeek += (gsize)n;
	}
	memcpy(buf, l->peek, l->npeek);
	return (gssize)l->npeek;
}

/* Share *used, the bytes read from every stream of one message so far,
 * with this stream: reading past max_inflated in all is an error. */
void
ingest_stream_budget(struct ingest_stream *s, guint64 *used)
{
	s->used = used;
}

gssize
ingest_stream_read(struct ingest_stream *s, char *buf, gsize len,
    GError **err)
{
	gssize n;

	if (len == 0 && s->error == NULL)
		return 0;
	if (s->error == NULL) {
		n = layer_read(s->top, (guchar *)buf, MIN(len, G_MAXSSIZE),
		    &s->lim, &s->error);
		if (n > 0 && s->used != NULL &&
		    (*s->used += (guint64)n) > s->lim.max_inflated)
			g_set_error(&s->error, INGEST_ERROR, INGEST_ERROR_LIMIT,
			    "the message's reports inflate to more than %"
			    G_GSIZE_FORMAT " bytes in all (max_inflated)",
			    s->lim.max_inflated);
		else if (n >= 0)
			return n;
	}
	if (err != NULL)
		*err = g_error_copy(s->error);
	return -1;
}

/* Everything left, in memory: only for a zip inside gzip or zip, which
 * libzip must see whole.  Bounded by the layers' own limits. */
GBytes *
ingest_stream_slurp(struct ingest_stream *s, GError **err)
{
	GByteArray *a = g_byte_array_new();
	char buf[65536];
	gssize n;

	while ((n = ingest_stream_read(s, buf, sizeof buf, err)) > 0) {
		if ((gsize)n > G_MAXUINT - a->len) {	/* GByteArray's bound */
			g_set_error(err, INGEST_ERROR, INGEST_ERROR_LIMIT,
			    "inflated size exceeds %u bytes", G_MAXUINT);
			n = -1;
			break;
		}
		g_byte_array_append(a, (guchar *)buf, (guint)n);
	}
	if (n < 0) {
		g_byte_array_unref(a);
		return NULL;
	}
	return g_byte_array_free_to_bytes(a);
}

static void
layer_free(struct layer *l)
{
	switch (l->kind) {
	case LAYER_MEM:
		g_bytes_unref(l->bytes);
		break;
	case LAYER_ZIP:
		if (l->zf != NULL)
			zip_fclose(l->zf);
		g_free(l->name);
		break;
	case LAYER_GZIP:
		if (l->zin != NULL)
			inflateEnd(&l->z);
		g_free(l->zin);
		break;
	}
	g_free(l);
}

void
ingest_stream_free(struct ingest_stream *s)
{
	struct layer *l, *below;

	if (s == NULL)
		return;
	for (l = s->top; l != NULL; l = below) {
		below = l->below;
		layer_free(l);
	}
	g_clear_error(&s->error);
	g_free(s);
}

/* The payload's read function, shaped like dmarc_read_fn. */
gssize
ingest_payload_read(void *payload, char *buf, gsize len, GError **err)
{
	struct ingest_payload *p = payload;

	if (p == NULL || p->stream == NULL)
		return 0;
	return ingest_stream_read(p->stream, buf, len, err);
}

GBytes *
ingest_payload_slurp(struct ingest_payload *p, gsize max, GError **err)
{
	GByteArray *a = g_byte_array_new();
	char buf[65536];
	gssize n;

	while ((n = ingest_payload_read(p, buf, sizeof buf, err)) > 0) {
		if (a->len + (gsize)n > max) {
			g_set_error(err, INGEST_ERROR, INGEST_ERROR_LIMIT,
			    "payload larger than %" G_GSIZE_FORMAT " bytes",
			    max);
			n = -1;
			break;
		}
		g_byte_array_append(a, (const guint8 *)buf, (guint)n);
	}
	if (n < 0) {
		g_byte_array_unref(a);
		return NULL;
	}
	return g_byte_array_free_to_bytes(a);
}
