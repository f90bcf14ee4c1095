/* unpack.c - turn one candidate attachment into payloads: peel gzip layers
 * off by magic, open zip archives and take every entry, and hand each
 * resulting XML or JSON stream to the caller's callback.
 *
 * Usage (from walk.c):
 *	r = ingest_unpack(&walker, attachment, "r.xml.gz", "application/gzip",
 *	    &err);	   0 done (walker.count grew), -1 error or stopped
 *
 * The container string records the chain, outermost first: "xml" or
 * "json" (nothing to unpack), "gzip", "gzip+gzip", "zip", "gzip+zip",
 * "zip+gzip".  The payload's format says what the unpacked bytes are:
 * "json" when they open a JSON object (TLS reports), else "xml".  Every payload's raw is the
 * attachment as found, whatever was inside.  A zip must be in memory for
 * libzip: the attachment itself needs no copy; a zip inside gzip or zip is
 * inflated into memory, bounded by max_inflated.  Zip entry names are only
 * labels (member), never paths; a zip inside a zip gives "outer!inner".
 * Gzip and zip layers together are bounded by max_depth.
 *
 * max_zip_entries counts the entries of every zip in the message together,
 * so zips nested in zips (42.zip) cannot multiply them; and the count a zip
 * claims is checked before libzip reads its central directory, which costs
 * libzip a few hundred bytes per entry: a 64 MiB zip of empty entries would
 * otherwise take half a gigabyte before any limit is looked at.
 *
 * libzip is loaded on the first zip (zip_dl.c); without it a zip is an
 * error that names the missing library, like a corrupt one.
 */
#include <string.h>
#include <zip.h>

#include "internal.h"

struct chain {
	struct ingest_walker *w;
	GBytes *raw;
	const char *part_name;
	const char *content_type;
};

/* Bytes looked at to tell JSON from XML (past a BOM and indentation). */
#define PAYLOAD_PEEK	64

static int unpack_zip(struct chain *, GBytes *, const char *, const char *,
    guint, GError **);

/* The callback gets the stream; it is freed here whether or not the
 * callback read it to the end. */
static int
emit(struct chain *c, struct ingest_stream *s, const char *container,
    const char *member, const char *format)
{
	struct ingest_payload p = {
		.format = format,
		.part_name = c->part_name,
		.member = member,
		.content_type = c->content_type,
		.container = container,
		.raw = c->raw,
		.stream = s,
	};
	int r;

	c->w->count++;
	r = c->w->fn(c->w->user, &p);
	ingest_stream_free(s);
	return r < 0 ? -1 : 0;
}

static void
chain_add(GString *container, const char *what)
{
	if (container->len > 0)
		g_string_append_c(container, '+');
	g_string_append(container, what);
}

static gboolean
deeper(struct chain *c, guint *depth, GError **err)
{
	if (++*depth <= c->w->lim.max_depth)
		return TRUE;
	g_set_error(err, INGEST_ERROR, INGEST_ERROR_LIMIT,
	    "more than %u compression layers (max_depth)",
	    c->w->lim.max_depth);
	return FALSE;
}

/* whole: the bytes s reads when no layer is stacked on them yet, so a zip
 * attachment is opened in place.  Takes s. */
static int
unpack_stream(struct chain *c, struct ingest_stream *s, GBytes *whole,
    GString *container, const char *member, guint depth, GError **err)
{
	guchar head[PAYLOAD_PEEK];
	const char *format;
	GBytes *zip;
	gssize n;
	int r;

	/* A peek error (corrupt gzip) stays in s for the reader to see. */
	while ((n = ingest_stream_peek(s, head, sizeof head)) >= 0) {
		if (ingest_sniff_gzip(head, (gsize)n)) {
			if (!deeper(c, &depth, err))
				goto fail;
			ingest_stream_push_gzip(s);
			chain_add(container, "gzip");
			whole = NULL;
			continue;
		}
		if (!ingest_sniff_zip(head, (gsize)n))
			break;
		if (!deeper(c, &depth, err))
			goto fail;
		zip = whole != NULL ? g_bytes_ref(whole) :
		    ingest_stream_slurp(s, err);
		ingest_stream_free(s);
		if (zip == NULL)
			return -1;
		chain_add(container, "zip");
		r = unpack_zip(c, zip, container->str, member, depth, err);
		g_bytes_unref(zip);
		return r;
	}
	/* What the layers held: XML for DMARC, JSON for TLS reports.  A
	 * peek error stays in s; the reader reports it. */
	n = ingest_stream_peek(s, head, sizeof head);
	format = ingest_sniff_format(head, n > 0 ? (gsize)n : 0);
	if (container->len == 0)
		chain_add(container, format);
	return emit(c, s, container->str, member, format);
fail:
	ingest_stream_free(s);
	return -1;
}

static int
unpack_entry(struct chain *c, zip_t *za, zip_uint64_t i, gsize zip_len,
    const char *container, const char *outer, guint depth, GError **err)
{
	const char *name = zip_get_name(za, i, ZIP_FL_ENC_GUESS);
	guint64 comp = 0;
	char *label, *valid;
	struct ingest_stream *s;
	GString *chain;
	zip_stat_t st;
	int r;

	if (name == NULL)
		name = "";
	if (*name != '\0' && name[strlen(name) - 1] == '/')
		return 0;		/* a directory */
	zip_stat_init(&st);
	if (zip_stat_index(za, i, 0, &st) == 0 &&
	    (st.valid & ZIP_STAT_COMP_SIZE) != 0)
		comp = MIN(st.comp_size, (guint64)zip_len);
	valid = g_utf8_make_valid(name, -1);
	label = outer != NULL ? g_strconcat(outer, "!", valid, NULL) :
	    g_strdup(valid);
	g_free(valid);
	chain = g_string_new(container);
	s = ingest_stream_zip(za, i, comp, label, &c->w->lim);
	ingest_stream_budget(s, &c->w->inflated);
	r = unpack_stream(c, s, NULL, chain, label, depth, err);
	g_string_free(chain, TRUE);
	g_free(label);
	return r;
}

static guint64
le(const guchar *p, int n)
{
	guint64 v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/*
 * The largest entry count that an end of central directory record in the
 * zip's tail claims (zip64 included), 0 when there is none.  libzip looks
 * for the record in the same last 64 kB and may settle on any candidate
 * that passes its first checks (one disk, the directory before the
 * record), so every such candidate counts; bytes that merely look like a
 * record inside compressed data fail those checks.
 */
static guint64
zip_claimed_entries(const guchar *p, gsize n)
{
	gsize i, lo = n > 65557 + 20 ? n - 65557 - 20 : 0;
	guint64 max = 0, off, total;

	for (i = n >= 22 ? n - 22 + 1 : 0; i-- > lo;) {
		if (p[i] != 'P' || memcmp(p + i, "PK\005\006", 4) != 0)
			continue;
		/* A zip64 locator just before: the record it points at. */
		if (i >= 20 && memcmp(p + i - 20, "PK\006\007", 4) == 0) {
			off = le(p + i - 20 + 8, 8);
			if (off < i && i - off >= 56 &&
			    memcmp(p + off, "PK\006\006", 4) == 0 &&
			    le(p + off + 24, 8) == le(p + off + 32, 8) &&
			    le(p + off + 48, 8) <= off &&
			    le(p + off + 40, 8) <= off - le(p + off + 48, 8))
				max = MAX(max, le(p + off + 32, 8));
			continue;
		}
		total = le(p + i + 10, 2);
		if (le(p + i + 8, 2) == total &&
		    le(p + i + 16, 4) + le(p + i + 12, 4) <= i)
			max = MAX(max, total);
	}
	return max;
}

static int
zip_entries_error(struct chain *c, guint64 n, GError **err)
{
	if (c->w->zip_entries > 0)
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_LIMIT,
		    "zips in the message have %" G_GUINT64_FORMAT " entries "
		    "together, more than %u (max_zip_entries)",
		    n + c->w->zip_entries, c->w->lim.max_zip_entries);
	else
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_LIMIT,
		    "zip has %" G_GUINT64_FORMAT " entries, more than %u "
		    "(max_zip_entries)", n, c->w->lim.max_zip_entries);
	return -1;
}

static int
unpack_zip(struct chain *c, GBytes *zip, const char *container,
    const char *outer, guint depth, GError **err)
{
	gsize len;
	const void *data = g_bytes_get_data(zip, &len);
	zip_source_t *src;
	zip_t *za = NULL;
	zip_error_t ze;
	zip_int64_t n, i;
	guint64 claimed;
	int r = 0;

	claimed = zip_claimed_entries(data, len);
	if (claimed > c->w->lim.max_zip_entries - c->w->zip_entries)
		return zip_entries_error(c, claimed, err);
	if (ingest_zip_error() != NULL) {
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_FORMAT,
		    "cannot open zip: %s", ingest_zip_error());
		return -1;
	}
	zip_error_init(&ze);
	src = zip_source_buffer_create(data, len, 0, &ze);
	if (src != NULL && (za = zip_open_from_source(src, ZIP_RDONLY,
	    &ze)) == NULL)
		zip_source_free(src);
	if (za == NULL) {
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_FORMAT,
		    "corrupt zip: %s", zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return -1;
	}
	zip_error_fini(&ze);
	n = zip_get_num_entries(za, 0);
	if (n < 0)
		n = 0;
	if ((guint64)n > c->w->lim.max_zip_entries - c->w->zip_entries)
		r = zip_entries_error(c, (guint64)n, err);
	else
		c->w->zip_entries += (guint)n;
	for (i = 0; r == 0 && i < n; i++)
		r = unpack_entry(c, za, (zip_uint64_t)i, len, container,
		    outer, depth, err);
	zip_discard(za);
	return r;
}

int
ingest_unpack(struct ingest_walker *w, GBytes *raw, const char *part_name,
    const char *content_type, GError **err)
{
	struct chain c = { w, raw, part_name, content_type };
	gsize n;
	const guchar *p = g_bytes_get_data(raw, &n);
	struct ingest_stream *s;
	GString *container;
	int r;

	if (!ingest_sniff_payload(p, n))
		return 0;
	container = g_string_new(NULL);
	s = ingest_stream_mem(raw, &w->lim);
	ingest_stream_budget(s, &w->inflated);
	r = unpack_stream(&c, s, raw, container, NULL, 0, err);
	g_string_free(container, TRUE);
	return r;
}
