/* internal.h - what the ingest/ files share; nothing outside ingest/ may
 * include it.
 *
 * Sources (source.c, maildir.c, mbox.c) embed struct ingest_source first and
 * fill in next/free.  The walker (walk.c) finds candidate payloads and gives
 * them to unpack.c, which stacks decompressors (stream.c) and enumerates zip
 * archives.  sniff.c decides by content what a byte string is.
 */
#ifndef MAILSIFT_INGEST_INTERNAL_H
#define MAILSIFT_INGEST_INTERNAL_H

#include "ingest.h"

struct ingest_source {
	int (*next)(struct ingest_source *, struct ingest_message **,
	    GError **);
	void (*free)(struct ingest_source *);
	struct ingest_limits lim;
	gboolean shardable;	/* messages are files: they can be split */
	guint shard, nshards;	/* take only index % nshards == shard */
};

/* TRUE when the index-th message belongs to this source's shard. */
static inline gboolean
ingest_in_shard(const struct ingest_source *src, guint index)
{
	return src->nshards <= 1 || index % src->nshards == src->shard;
}

/* message.c */
struct ingest_message *ingest_message_take(GBytes *raw, char *source,
    char *path);
struct ingest_message *ingest_message_oversize(const char *source,
    const char *path);
char *ingest_label(const char *prefix, const char *text);
void ingest_message_drop_mime(struct ingest_message *msg);

enum ingest_read {
	INGEST_READ_OK,
	INGEST_READ_SKIP,	/* vanished or not a regular file (Maildir) */
	INGEST_READ_FAIL,	/* *err set */
};
enum ingest_read ingest_read_fd(int fd, gsize max, const char *name,
    GBytes **out, GError **err);
enum ingest_read ingest_read_file_at(int dirfd, const char *name,
    const char *path, gsize max, gboolean maildir, GBytes **out,
    GError **err);
enum ingest_read ingest_read_file(const char *path, gsize max,
    gboolean maildir, GBytes **out, GError **err);

/* sniff.c */
gboolean ingest_sniff_gzip(const guchar *p, gsize n);
gboolean ingest_sniff_zip(const guchar *p, gsize n);
gboolean ingest_sniff_xml(const guchar *p, gsize n);
gboolean ingest_sniff_json(const guchar *p, gsize n);
/* What unpacked payload bytes are: "json" when they open an object,
 * else "xml" (the DMARC parser says what is wrong with them). */
const char *ingest_sniff_format(const guchar *p, gsize n);
gboolean ingest_sniff_payload(const guchar *p, gsize n);
gboolean ingest_sniff_never(const guchar *p, gsize n);

/* stream.c: a stack of byte sources, the top one read by the caller.
 * Errors met while reading are sticky and reported by every later read. */
struct ingest_stream;
struct ingest_stream *ingest_stream_mem(GBytes *bytes,
    const struct ingest_limits *lim);
struct ingest_stream *ingest_stream_zip(void *archive, guint64 index,
    guint64 comp_size, const char *name, const struct ingest_limits *lim);
void ingest_stream_push_gzip(struct ingest_stream *s);
void ingest_stream_budget(struct ingest_stream *s, guint64 *used);
gssize ingest_stream_peek(struct ingest_stream *s, guchar *buf, gsize len);
gssize ingest_stream_read(struct ingest_stream *s, char *buf, gsize len,
    GError **err);
GBytes *ingest_stream_slurp(struct ingest_stream *s, GError **err);
void ingest_stream_free(struct ingest_stream *s);

/* unpack.c */
struct ingest_walker {
	struct ingest_limits lim;
	ingest_payload_fn fn;
	void *user;
	int count;		/* payloads handed to fn */
	guint parts;		/* MIME entities seen */
	guint zip_entries;	/* zip entries opened, all zips together */
	guint64 inflated;	/* bytes read from every payload (max_inflated) */
	guint64 header_bytes;	/* MIME header bytes seen (max_header) */
};
int ingest_unpack(struct ingest_walker *w, GBytes *raw,
    const char *part_name, const char *content_type, GError **err);

/* zip_dl.c: libzip is loaded on first use; NULL when it is there, else
 * why not. */
const char *ingest_zip_error(void);

#endif
