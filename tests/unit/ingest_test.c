/* ingest_test.c - unit tests for ingest/: sources, MIME walk, unpacking,
 * limits.
 *
 * Run from the repository root: the fixtures are the e-mails, zips and
 * mbox in tests/data/mail and the Maildir tests/data/maildir.  Bombs, deep
 * nesting and corrupt data are generated here; nothing is written outside
 * a temporary directory.
 */
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <zlib.h>
#include <gmime/gmime.h>

#include "ingest/ingest.h"
#include "tests/unit/tap.h"

#define MAIL	"tests/data/mail/"
#define KEEP_MAX	((gsize)1 << 20)	/* read data kept, at most */
#define LITERAL(s)	g_bytes_new_static((s), sizeof(s) - 1)

/* What one payload looked like, and what reading it gave. */
struct got {
	char *part_name, *member, *content_type, *container, *format;
	gsize raw_size;
	GByteArray *data;	/* the first KEEP_MAX bytes read */
	gsize total;		/* bytes read */
	GError *error;		/* from ingest_payload_read */
};

struct collect {
	GPtrArray *got;		/* struct got * */
	gboolean no_read;	/* leave the stream unread */
	int stop_after;		/* return -1 after this many, 0: never */
};

static void
got_free(gpointer p)
{
	struct got *g = p;

	g_free(g->part_name);
	g_free(g->member);
	g_free(g->content_type);
	g_free(g->container);
	g_free(g->format);
	g_byte_array_unref(g->data);
	g_clear_error(&g->error);
	g_free(g);
}

static int
on_payload(void *user, struct ingest_payload *p)
{
	struct collect *c = user;
	struct got *g = g_new0(struct got, 1);
	char buf[8192];
	gssize n;

	g->part_name = g_strdup(p->part_name);
	g->member = g_strdup(p->member);
	g->content_type = g_strdup(p->content_type);
	g->container = g_strdup(p->container);
	g->format = g_strdup(p->format);
	g->raw_size = g_bytes_get_size(p->raw);
	g->data = g_byte_array_new();
	g_ptr_array_add(c->got, g);
	if (!c->no_read) {
		while ((n = ingest_payload_read(p, buf, sizeof buf,
		    &g->error)) > 0) {
			if (g->total < KEEP_MAX)
				g_byte_array_append(g->data, (guchar *)buf,
				    (guint)MIN((gsize)n, KEEP_MAX - g->total));
			g->total += (gsize)n;
		}
	}
	if (c->stop_after > 0 && (int)c->got->len >= c->stop_after)
		return -1;
	return 0;
}

static void
collect_init(struct collect *c)
{
	memset(c, 0, sizeof *c);
	c->got = g_ptr_array_new_with_free_func(got_free);
}

static struct got *
got_at(struct collect *c, guint i)
{
	return i < c->got->len ? g_ptr_array_index(c->got, i) : NULL;
}

static GBytes *
slurp(const char *path)
{
	char *data = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &data, &len, NULL)) {
		printf("# cannot read %s\n", path);
		return g_bytes_new(NULL, 0);
	}
	return g_bytes_new_take(data, len);
}

static gboolean
same_bytes(GByteArray *a, GBytes *b)
{
	gsize n;
	const guchar *p = g_bytes_get_data(b, &n);

	return a != NULL && a->len == n &&
	    (n == 0 || memcmp(a->data, p, n) == 0);
}

static gboolean
is_limit(const GError *e)
{
	return g_error_matches(e, INGEST_ERROR, INGEST_ERROR_LIMIT);
}

/* Walk one message in memory; returns ingest_walk's result. */
static int
walk_bytes(GBytes *raw, const struct ingest_limits *lim, struct collect *c,
    GError **err)
{
	struct ingest_message *m = ingest_message_new(raw, "test");
	int r = ingest_walk(m, lim, on_payload, c, err);

	ingest_message_free(m);
	return r;
}

static GBytes *
gzip_bytes(const guchar *data, gsize len)
{
	GByteArray *out = g_byte_array_new();
	guchar buf[16384];
	z_stream z;
	int r;

	memset(&z, 0, sizeof z);
	deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (guchar *)data;
	z.avail_in = (uInt)len;
	do {
		z.next_out = buf;
		z.avail_out = sizeof buf;
		r = deflate(&z, Z_FINISH);
		g_byte_array_append(out, buf,
		    (guint)(sizeof buf - z.avail_out));
	} while (r == Z_OK);
	deflateEnd(&z);
	return g_byte_array_free_to_bytes(out);
}

/* size bytes of zeros, gzip-compressed without holding them. */
static GBytes *
gzip_zeros(gsize size)
{
	static const guchar zeros[65536];
	GByteArray *out = g_byte_array_new();
	guchar buf[65536];
	z_stream z;
	gsize left = size;
	int flush;

	memset(&z, 0, sizeof z);
	deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
	do {
		z.next_in = (guchar *)zeros;
		z.avail_in = (uInt)MIN(left, sizeof zeros);
		left -= z.avail_in;
		flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
		do {
			z.next_out = buf;
			z.avail_out = sizeof buf;
			deflate(&z, flush);
			g_byte_array_append(out, buf,
			    (guint)(sizeof buf - z.avail_out));
		} while (z.avail_out == 0);
	} while (flush != Z_FINISH);
	deflateEnd(&z);
	return g_byte_array_free_to_bytes(out);
}

/* The fixtures: each message's payloads and the XML they must read as. */

struct want_payload {
	const char *container, *part_name, *member, *content_type, *xml;
};

struct want_msg {
	const char *file, *message_id;
	int n;
	struct want_payload p[2];
};

static const struct want_msg fixtures[] = {
	{ "google-zip.eml", "4760321455532153651@google.com", 1, {
	    { "zip", "google.com!example.com!1700006400!1700092799.zip",
	      "google.com!example.com!1700006400!1700092799.xml",
	      "application/zip", "report-a.xml" } } },
	{ "yahoo-gzip.eml", "1700092800.371984@yahoo.com", 1, {
	    { "gzip", "yahoo.com!example.com!1700006400!1700092799.xml.gz",
	      NULL, "application/gzip", "report-b.xml" } } },
	{ "outlook-rfc2231.eml",
	  "0ab2d9c2f1e34c5b9f1c0d7c2f3e4a5b@microsoft.com", 1, {
	    { "gzip", "protection.outlook.com!example.com!1700006400!"
	      "1700092799.xml.gz", NULL, "application/gzip",
	      "report-a.xml" } } },
	{ "mimecast-trailing.eml", "8f2ba1c7.mimecast@example.net", 1, {
	    { "gzip", "mimecast.org!example.com!1700006400!1700092799.xml.gz",
	      NULL, "application/gzip", "report-a.xml" } } },
	{ "xml-qp.eml", "qp-1@reports.example.org", 1, {
	    { "xml", "example.org!example.com!1700006400!1700092799.xml",
	      NULL, "text/xml", "report-b.xml" } } },
	{ "xml-7bit.eml", "7bit-1@mail.example.biz", 1, {
	    { "xml", NULL, NULL, "text/xml", "report-a.xml" } } },
	{ "octet-stream.eml", "20231116021501.octet@isp.example", 1, {
	    { "gzip", "isp.example!example.com!1700006400!1700092799.xml.gz",
	      NULL, "application/octet-stream", "report-a.xml" } } },
	{ "x-zip-compressed.eml", "xzip-1@corp.example", 1, {
	    { "zip", "corp.example!example.com!1700006400!1700092799.zip",
	      "corp.example!example.com!1700006400!1700092799.xml",
	      "application/x-zip-compressed", "report-b.xml" } } },
	{ "toplevel-gzip.eml", "single-1@single.example", 1, {
	    { "gzip", "single.example!example.com!1700006400!1700092799.xml.gz",
	      NULL, "application/gzip", "report-a.xml" } } },
	{ "gzip-gzip.eml", "double-1@double.example", 1, {
	    { "gzip+gzip", "double.example!example.com.xml.gz.gz", NULL,
	      "application/gzip", "report-b.xml" } } },
	{ "zip-two.eml", "multi-1@multi.example", 2, {
	    { "zip", "reports.zip", "reports/a.xml", "application/zip",
	      "report-a.xml" },
	    { "zip", "reports.zip", "reports/b.xml", "application/zip",
	      "report-b.xml" } } },
	{ "forwarded-rfc822.eml", "fwd-1@example.com", 1, {
	    { "gzip", "yahoo.com!example.com!1700006400!1700092799.xml.gz",
	      NULL, "application/gzip", "report-b.xml" } } },
	{ "alternative-noreport.eml", "CAHx=lunch-1@mail.example.org", 0, {
	    { NULL, NULL, NULL, NULL, NULL } } },
	{ "report-a.xml", NULL, 1, {
	    { "xml", "report-a.xml", NULL, NULL, "report-a.xml" } } },
	{ "evil-names.zip", NULL, 2, {
	    { "zip", "evil-names.zip", "../../etc/passwd", NULL,
	      "report-a.xml" },
	    { "zip", "evil-names.zip", "", NULL, "report-b.xml" } } },
	{ "zip-gz.zip", NULL, 1, {
	    { "zip+gzip", "zip-gz.zip", "report.xml.gz", NULL,
	      "report-a.xml" } } },
};

static void
check_payload(const char *file, struct got *g, const struct want_payload *w)
{
	char *xml_path = g_strconcat(MAIL, w->xml, NULL);
	GBytes *xml = slurp(xml_path);

	TAP_IS(g->container, w->container, "%s: container %s", file,
	    w->container);
	TAP_IS(g->part_name, w->part_name, "%s: part name", file);
	TAP_IS(g->member, w->member, "%s: member", file);
	TAP_IS(g->content_type, w->content_type, "%s: content type", file);
	TAP_OK(g->error == NULL, "%s: read without error%s%s", file,
	    g->error ? ": " : "", g->error ? g->error->message : "");
	TAP_OK(same_bytes(g->data, xml), "%s: reads back %s exactly", file,
	    w->xml);
	TAP_OK(g->raw_size > 0, "%s: raw attachment kept", file);
	g_bytes_unref(xml);
	g_free(xml_path);
}

static char *
sha256_of(GBytes *b)
{
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	gsize n;
	const guchar *p = g_bytes_get_data(b, &n);
	char *hex;

	g_checksum_update(c, p, (gssize)n);
	hex = g_strdup(g_checksum_get_string(c));
	g_checksum_free(c);
	return hex;
}

/* Every fixture through the files source, as the CLI would. */
static void
test_fixtures(void)
{
	struct ingest_limits lim;
	gsize i;
	int k;

	ingest_limits_default(&lim);
	for (i = 0; i < G_N_ELEMENTS(fixtures); i++) {
		const struct want_msg *w = &fixtures[i];
		char *path = g_strconcat(MAIL, w->file, NULL);
		char *paths[] = { path };
		char *source = g_strconcat("file:", path, NULL);
		struct ingest_source *src;
		struct ingest_message *m = NULL;
		struct collect c;
		GError *err = NULL;
		GBytes *raw;
		char *hex;
		int r;

		collect_init(&c);
		src = ingest_source_files(paths, 1, &lim, &err);
		r = ingest_source_next(src, &m, &err);
		TAP_OK(r == 1 && m != NULL, "%s: read as a file", w->file);
		if (m == NULL) {
			g_clear_error(&err);
			goto next;
		}
		TAP_IS(m->source, source, "%s: source", w->file);
		raw = slurp(path);
		hex = sha256_of(raw);
		TAP_IS(ingest_message_sha256(m), hex, "%s: sha256", w->file);
		TAP_OK(g_bytes_equal(m->raw, raw), "%s: raw bytes", w->file);
		g_free(hex);
		g_bytes_unref(raw);
		r = ingest_walk(m, &lim, on_payload, &c, &err);
		TAP_OK(r == w->n, "%s: %d payloads (got %d%s%s)", w->file,
		    w->n, r, err ? ": " : "", err ? err->message : "");
		TAP_IS(m->message_id, w->message_id, "%s: message id",
		    w->file);
		for (k = 0; k < w->n && k < (int)c.got->len; k++)
			check_payload(w->file, got_at(&c, (guint)k), &w->p[k]);
		g_clear_error(&err);
		ingest_message_free(m);
		TAP_OK(ingest_source_next(src, &m, &err) == 0 && m == NULL,
		    "%s: one message only", w->file);
next:
		ingest_source_free(src);
		g_ptr_array_unref(c.got);
		g_free(source);
		g_free(path);
	}
}

/* The digest is of the bytes as received: sha256sum agrees. */
static void
test_sha256_known(void)
{
	GBytes *raw = slurp(MAIL "google-zip.eml");
	struct ingest_message *m = ingest_message_new(raw, "requeue:1");

	TAP_IS(ingest_message_sha256(m),
	    "ef4ba8bdbcb4033c33bf994433cb827dbfa158266f62fc60e0d90b0d15e84adc",
	    "sha256 matches sha256sum");
	TAP_IS(m->source, "requeue:1", "ingest_message_new keeps source");
	TAP_OK(m->raw == raw, "ingest_message_new refs the bytes");
	TAP_OK(m->path == NULL && !m->in_maildir_new, "requeued: no path");
	ingest_message_free(m);
	g_bytes_unref(raw);
}

/* Walking twice must not leak or duplicate the Message-ID. */
static void
test_walk_twice(void)
{
	struct ingest_limits lim;
	GBytes *raw = slurp(MAIL "yahoo-gzip.eml");
	struct ingest_message *m = ingest_message_new(raw, "t");
	struct collect c;
	int a, b;

	ingest_limits_default(&lim);
	collect_init(&c);
	a = ingest_walk(m, &lim, on_payload, &c, NULL);
	b = ingest_walk(m, &lim, on_payload, &c, NULL);
	TAP_OK(a == 1 && b == 1, "walking twice gives the same payloads");
	TAP_IS(m->message_id, "1700092800.371984@yahoo.com",
	    "message id after a second walk");
	ingest_message_free(m);
	g_bytes_unref(raw);
	g_ptr_array_unref(c.got);
}

/* The callback may skip reading or stop the walk. */
static void
test_callback_control(void)
{
	struct ingest_limits lim;
	GBytes *raw = slurp(MAIL "zip-two.eml");
	struct collect c;
	GError *err = NULL;
	int r;

	ingest_limits_default(&lim);
	collect_init(&c);
	c.no_read = TRUE;
	r = walk_bytes(raw, &lim, &c, &err);
	TAP_OK(r == 2 && err == NULL, "unread payloads are cleaned up");
	g_ptr_array_unref(c.got);

	collect_init(&c);
	c.stop_after = 1;
	r = walk_bytes(raw, &lim, &c, &err);
	TAP_OK(r == -1 && c.got->len == 1,
	    "callback returning -1 stops the walk");
	g_clear_error(&err);
	g_ptr_array_unref(c.got);
	g_bytes_unref(raw);
}

static void
test_gzip_bomb(void)
{
	struct ingest_limits lim;
	GBytes *bomb = gzip_zeros((gsize)50 << 20);
	struct collect c;
	GError *err = NULL;
	int r;

	printf("# 50 MiB of zeros gzip to %zu bytes\n", g_bytes_get_size(bomb));
	ingest_limits_default(&lim);
	lim.max_ratio = 100;
	collect_init(&c);
	r = walk_bytes(bomb, &lim, &c, &err);
	TAP_OK(r == 1, "bomb: handed out as a gzip payload");
	TAP_OK(got_at(&c, 0) && is_limit(got_at(&c, 0)->error) &&
	    strstr(got_at(&c, 0)->error->message,
	    "compression ratio exceeds 100:1") != NULL,
	    "bomb: read fails on the ratio limit");
	TAP_OK(got_at(&c, 0) && got_at(&c, 0)->total < ((gsize)2 << 20),
	    "bomb: stopped soon after 1 MiB");
	g_ptr_array_unref(c.got);

	ingest_limits_default(&lim);
	lim.max_inflated = (gsize)10 << 20;
	collect_init(&c);
	r = walk_bytes(bomb, &lim, &c, &err);
	TAP_OK(r == 1 && got_at(&c, 0) && is_limit(got_at(&c, 0)->error) &&
	    strstr(got_at(&c, 0)->error->message,
	    "inflated size exceeds 10485760 bytes") != NULL,
	    "bomb: read fails on max_inflated");
	g_ptr_array_unref(c.got);

	ingest_limits_default(&lim);
	collect_init(&c);
	r = walk_bytes(bomb, &lim, &c, &err);
	TAP_OK(r == 1 && got_at(&c, 0) && got_at(&c, 0)->error == NULL &&
	    got_at(&c, 0)->total == ((gsize)50 << 20),
	    "bomb within the default limits streams all 50 MiB");
	g_ptr_array_unref(c.got);
	g_bytes_unref(bomb);
}

static void
test_corrupt_gzip(void)
{
	struct ingest_limits lim;
	GBytes *xml = slurp(MAIL "report-a.xml");
	GBytes *gz = gzip_bytes(g_bytes_get_data(xml, NULL),
	    g_bytes_get_size(xml));
	gsize n = g_bytes_get_size(gz);
	guchar *bad = g_memdup2(g_bytes_get_data(gz, NULL), n);
	GBytes *b;
	struct collect c;
	GError *err = NULL;
	gsize i;
	int r;

	ingest_limits_default(&lim);
	for (i = 20; i < n - 20; i++)
		bad[i] ^= 0x5a;
	b = g_bytes_new(bad, n);
	collect_init(&c);
	r = walk_bytes(b, &lim, &c, &err);
	TAP_OK(r == 1 && got_at(&c, 0) != NULL &&
	    g_error_matches(got_at(&c, 0)->error, INGEST_ERROR,
	    INGEST_ERROR_FORMAT), "corrupt gzip: FORMAT error from read%s%s",
	    got_at(&c, 0) && got_at(&c, 0)->error ? ": " : "",
	    got_at(&c, 0) && got_at(&c, 0)->error ?
	    got_at(&c, 0)->error->message : "");
	g_ptr_array_unref(c.got);
	g_bytes_unref(b);

	b = g_bytes_new(g_bytes_get_data(gz, NULL), n / 2);
	collect_init(&c);
	r = walk_bytes(b, &lim, &c, &err);
	TAP_OK(r == 1 && got_at(&c, 0) != NULL &&
	    g_error_matches(got_at(&c, 0)->error, INGEST_ERROR,
	    INGEST_ERROR_FORMAT) &&
	    strstr(got_at(&c, 0)->error->message, "truncated") != NULL,
	    "truncated gzip: FORMAT error \"truncated\"");
	g_ptr_array_unref(c.got);
	g_bytes_unref(b);

	/* A second member with gzip magic continues the data. */
	{
		GByteArray *two = g_byte_array_new();
		GBytes *half1 = gzip_bytes(g_bytes_get_data(xml, NULL), 100);
		GBytes *half2 = gzip_bytes((const guchar *)g_bytes_get_data(xml,
		    NULL) + 100, g_bytes_get_size(xml) - 100);

		g_byte_array_append(two, g_bytes_get_data(half1, NULL),
		    (guint)g_bytes_get_size(half1));
		g_byte_array_append(two, g_bytes_get_data(half2, NULL),
		    (guint)g_bytes_get_size(half2));
		g_byte_array_append(two, (const guchar *)"\037\213", 2);
		b = g_byte_array_free_to_bytes(two);
		collect_init(&c);
		r = walk_bytes(b, &lim, &c, &err);
		TAP_OK(r == 1 && got_at(&c, 0) &&
		    same_bytes(got_at(&c, 0)->data, xml),
		    "two gzip members read as one, stray magic ignored");
		g_ptr_array_unref(c.got);
		g_bytes_unref(b);
		g_bytes_unref(half1);
		g_bytes_unref(half2);
	}
	g_free(bad);
	g_bytes_unref(gz);
	g_bytes_unref(xml);
}

/* gzip around a zip, and gzip nested past max_depth. */
static void
test_layers(void)
{
	struct ingest_limits lim;
	GBytes *zip = slurp(MAIL "evil-names.zip");
	GBytes *b = gzip_bytes(g_bytes_get_data(zip, NULL),
	    g_bytes_get_size(zip));
	GBytes *a = slurp(MAIL "report-a.xml"), *next;
	struct collect c;
	GError *err = NULL;
	int r, i;

	ingest_limits_default(&lim);
	collect_init(&c);
	r = walk_bytes(b, &lim, &c, &err);
	TAP_OK(r == 2 && got_at(&c, 0) &&
	    g_strcmp0(got_at(&c, 0)->container, "gzip+zip") == 0 &&
	    same_bytes(got_at(&c, 0)->data, a),
	    "zip inside gzip: container gzip+zip, entries read");
	g_ptr_array_unref(c.got);
	g_bytes_unref(b);

	b = g_bytes_ref(a);
	for (i = 0; i < 17; i++) {
		next = gzip_bytes(g_bytes_get_data(b, NULL),
		    g_bytes_get_size(b));
		g_bytes_unref(b);
		b = next;
		if (i == 2) {
			collect_init(&c);
			r = walk_bytes(b, &lim, &c, &err);
			TAP_OK(r == 1 && got_at(&c, 0) &&
			    g_strcmp0(got_at(&c, 0)->container,
			    "gzip+gzip+gzip") == 0 &&
			    same_bytes(got_at(&c, 0)->data, a),
			    "three gzip layers: gzip+gzip+gzip");
			g_ptr_array_unref(c.got);
		}
	}
	collect_init(&c);
	r = walk_bytes(b, &lim, &c, &err);
	TAP_OK(r == -1 && is_limit(err) && c.got->len == 0,
	    "17 gzip layers: LIMIT (%s)", err ? err->message : "no error");
	g_clear_error(&err);
	g_ptr_array_unref(c.got);
	g_bytes_unref(b);
	g_bytes_unref(a);
	g_bytes_unref(zip);
}

static void
test_zip_entries(void)
{
	struct ingest_limits lim;
	GBytes *zip = slurp(MAIL "hundred.zip");
	struct collect c;
	GError *err = NULL;
	int r;

	ingest_limits_default(&lim);
	collect_init(&c);
	r = walk_bytes(zip, &lim, &c, &err);
	TAP_OK(r == -1 && is_limit(err) && c.got->len == 0 &&
	    strstr(err->message, "max_zip_entries") != NULL,
	    "100 zip entries over max_zip_entries=64: LIMIT");
	g_clear_error(&err);
	g_ptr_array_unref(c.got);

	lim.max_zip_entries = 100;
	collect_init(&c);
	r = walk_bytes(zip, &lim, &c, &err);
	TAP_OK(r == 100 && got_at(&c, 99) &&
	    g_strcmp0(got_at(&c, 99)->member, "r099.xml") == 0,
	    "100 entries allowed when the limit says so");
	g_ptr_array_unref(c.got);
	g_bytes_unref(zip);

	/* An entry libzip cannot open (unknown compression method 17 in the
	 * first entry's local and central headers): a payload whose read
	 * fails, and the other entry still read. */
	zip = slurp(MAIL "evil-names.zip");
	{
		gsize n = g_bytes_get_size(zip), i;
		guchar *z = g_memdup2(g_bytes_get_data(zip, NULL), n);
		GBytes *bad;

		z[8] = 17;
		for (i = 0; i + 4 <= n; i++)
			if (memcmp(z + i, "PK\001\002", 4) == 0) {
				z[i + 10] = 17;
				break;
			}
		bad = g_bytes_new_take(z, n);
		collect_init(&c);
		r = walk_bytes(bad, &lim, &c, &err);
		TAP_OK(r == 2 && got_at(&c, 0) &&
		    g_error_matches(got_at(&c, 0)->error, INGEST_ERROR,
		    INGEST_ERROR_FORMAT) && got_at(&c, 1)->error == NULL &&
		    got_at(&c, 1)->total > 0,
		    "unreadable zip entry: FORMAT on read (%s), next fine",
		    got_at(&c, 0) && got_at(&c, 0)->error ?
		    got_at(&c, 0)->error->message : "no error");
		g_ptr_array_unref(c.got);
		g_bytes_unref(bad);
	}
	g_bytes_unref(zip);

	/* Not a zip after all: the central directory is missing. */
	zip = LITERAL("PK\003\004garbage that is not a zip");
	collect_init(&c);
	r = walk_bytes(zip, &lim, &c, &err);
	TAP_OK(r == -1 && g_error_matches(err, INGEST_ERROR,
	    INGEST_ERROR_FORMAT), "corrupt zip: FORMAT (%s)",
	    err ? err->message : "no error");
	g_clear_error(&err);
	g_ptr_array_unref(c.got);
	g_bytes_unref(zip);
}

static GBytes *
nested_multipart(int depth)
{
	GString *s = g_string_new("From: a@example.com\nMIME-Version: 1.0\n");
	int i;

	for (i = 0; i < depth; i++)
		g_string_append_printf(s, "Content-Type: multipart/mixed; "
		    "boundary=\"b%d\"\n\n--b%d\n", i, i);
	g_string_append(s, "Content-Type: text/xml\n\n<feedback/>\n");
	for (i = depth - 1; i >= 0; i--)
		g_string_append_printf(s, "--b%d--\n", i);
	return g_string_free_to_bytes(s);
}

static GBytes *
nested_rfc822(int depth)
{
	GString *s = g_string_new("From: a@example.com\nMIME-Version: 1.0\n");
	int i;

	for (i = 0; i < depth; i++)
		g_string_append(s, "Content-Type: message/rfc822\n\n"
		    "From: b@example.com\nMIME-Version: 1.0\n");
	g_string_append(s, "Content-Type: text/xml\n\n<feedback/>\n");
	return g_string_free_to_bytes(s);
}

static GBytes *
many_parts(int parts)
{
	GString *s = g_string_new("From: a@example.com\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"p\"\n\n");
	int i;

	for (i = 0; i < parts; i++)
		g_string_append(s, "--p\nContent-Type: text/plain\n\nhi\n");
	g_string_append(s, "--p--\n");
	return g_string_free_to_bytes(s);
}

static void
test_mime_limits(void)
{
	struct ingest_limits lim;
	struct collect c;
	GError *err = NULL;
	GBytes *b;
	int r;

	ingest_limits_default(&lim);

	b = nested_multipart(10);
	collect_init(&c);
	r = walk_bytes(b, &lim, &c, &err);
	TAP_OK(r == 1, "multipart nested 10 deep: the part is found");
	g_ptr_array_unref(c.got);
	g_bytes_unref(b);

	b = nested_multipart(200);
	collect_init(&c);
	r = walk_bytes(b, &lim, &c, &err);
	TAP_OK(r == -1 && is_limit(err) && strstr(err->message, "max_depth"),
	    "multipart nested 200 deep: LIMIT (%s)",
	    err ? err->message : "no error");
	g_clear_error(&err);
	g_ptr_array_unref(c.got);
	g_bytes_unref(b);

	b = nested_rfc822(200);
	collect_init(&c);
	r = walk_bytes(b, &lim, &c, &err);
	TAP_OK(r == -1 && is_limit(err),
	    "message/rfc822 nested 200 deep: LIMIT (%s)",
	    err ? err->message : "no error");
	g_clear_error(&err);
	g_ptr_array_unref(c.got);
	g_bytes_unref(b);

	lim.max_parts = 20;
	b = many_parts(10);
	collect_init(&c);
	r = walk_bytes(b, &lim, &c, &err);
	TAP_OK(r == 0 && err == NULL, "10 parts within max_parts=20");
	g_ptr_array_unref(c.got);
	g_bytes_unref(b);

	b = many_parts(50);
	collect_init(&c);
	r = walk_bytes(b, &lim, &c, &err);
	TAP_OK(r == -1 && is_limit(err) && strstr(err->message, "max_parts"),
	    "50 parts over max_parts=20: LIMIT (%s)",
	    err ? err->message : "no error");
	g_clear_error(&err);
	g_ptr_array_unref(c.got);
	g_bytes_unref(b);

	/* Many delimiter lines are refused before GMime builds the tree. */
	lim.max_parts = 2000;
	b = many_parts(100000);
	collect_init(&c);
	r = walk_bytes(b, &lim, &c, &err);
	TAP_OK(r == -1 && is_limit(err), "100000 parts refused up front");
	g_clear_error(&err);
	g_ptr_array_unref(c.got);
	g_bytes_unref(b);

	/* A decoded part larger than max_message. */
	ingest_limits_default(&lim);
	lim.max_message = 200;
	b = slurp(MAIL "xml-7bit.eml");
	collect_init(&c);
	r = walk_bytes(b, &lim, &c, &err);
	TAP_OK(r == -1 && is_limit(err), "part over max_message: LIMIT");
	g_clear_error(&err);
	g_ptr_array_unref(c.got);
	g_bytes_unref(b);
}

/* Some forwarders base64-encode message/rfc822, which GMime then leaves
 * unparsed; the walker parses the decoded message itself. */
static void
test_encoded_rfc822(void)
{
	struct ingest_limits lim;
	GBytes *inner = slurp(MAIL "yahoo-gzip.eml");
	char *b64 = g_base64_encode(g_bytes_get_data(inner, NULL),
	    g_bytes_get_size(inner));
	GString *s = g_string_new("From: fwd@example.com\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"f\"\n\n--f\n"
	    "Content-Type: message/rfc822\n"
	    "Content-Transfer-Encoding: base64\n\n");
	struct collect c;
	GError *err = NULL;
	GBytes *b;
	int r;

	g_string_append(s, b64);
	g_string_append(s, "\n--f--\n");
	b = g_string_free_to_bytes(s);
	ingest_limits_default(&lim);
	collect_init(&c);
	r = walk_bytes(b, &lim, &c, &err);
	TAP_OK(r == 1 && got_at(&c, 0) &&
	    g_strcmp0(got_at(&c, 0)->container, "gzip") == 0,
	    "base64-encoded message/rfc822: the report inside is found");
	g_ptr_array_unref(c.got);
	g_bytes_unref(b);
	g_free(b64);
	g_bytes_unref(inner);
}

/* An attached message that is not transfer-encoded stays a leaf; the
 * walker parses it only when a line of it could begin a payload.  A plain
 * text original holds none; a forwarded report whose XML body follows
 * blank lines and indentation is still found. */
static void
test_plain_rfc822(void)
{
	static const char mail[] =
	    "From: fwd@example.com\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"f\"\n\n--f\n"
	    "Content-Type: message/rfc822\n\n"
	    "From: a@example.org\nSubject: hello\n\nJust text.\n<b>\n"
	    "--f\n"
	    "Content-Type: message/rfc822\n\n"
	    "From: r@example.net\nSubject: Report Domain: example.com\n"
	    "Content-Type: text/plain\n\n\n   "
	    "<?xml version=\"1.0\"?>\n<feedback><report_metadata>"
	    "</report_metadata></feedback>\n"
	    "--f--\n";
	struct ingest_limits lim;
	struct collect c;
	GError *err = NULL;
	GBytes *b = g_bytes_new_static(mail, sizeof mail - 1);
	int r;

	ingest_limits_default(&lim);
	collect_init(&c);
	r = walk_bytes(b, &lim, &c, &err);
	TAP_OK(r == 1 && got_at(&c, 0) != NULL,
	    "7bit message/rfc822: the XML report inside is found, the plain "
	    "text original holds none");
	g_clear_error(&err);
	g_ptr_array_unref(c.got);
	g_bytes_unref(b);
}

static void
test_not_messages(void)
{
	struct ingest_limits lim;
	struct collect c;
	GError *err = NULL;
	GBytes *b;
	int r;

	ingest_limits_default(&lim);
	b = LITERAL("");
	collect_init(&c);
	r = walk_bytes(b, &lim, &c, &err);
	TAP_OK(r == -1 && g_error_matches(err, INGEST_ERROR,
	    INGEST_ERROR_FORMAT), "empty input: FORMAT");
	g_clear_error(&err);
	g_ptr_array_unref(c.got);
	g_bytes_unref(b);

	/* Looks like markup but is not XML worth parsing. */
	b = LITERAL("<html><body>hi</body></html>\n");
	collect_init(&c);
	r = walk_bytes(b, &lim, &c, &err);
	TAP_OK(c.got->len == 0, "bare HTML is not a payload");
	g_clear_error(&err);
	g_ptr_array_unref(c.got);
	g_bytes_unref(b);

	b = LITERAL("\357\273\277\n  <feedback>\n</feedback>\n");
	collect_init(&c);
	r = walk_bytes(b, &lim, &c, &err);
	TAP_OK(r == 1 && got_at(&c, 0) &&
	    g_strcmp0(got_at(&c, 0)->container, "xml") == 0,
	    "BOM, blank line, <feedback>: an XML payload");
	g_ptr_array_unref(c.got);
	g_bytes_unref(b);
}

/* SMTP TLS reports are JSON: found by content, whatever the label says,
 * and told from XML by the payload's format. */
#define TLS_JSON "{\"organization-name\":\"Mail Inc.\",\"policies\":[]}"

/* One message with one base64 attachment of content type type. */
static GBytes *
mail_with(const char *type, const char *name, GBytes *body)
{
	gsize n;
	const guchar *p = g_bytes_get_data(body, &n);
	char *b64 = g_base64_encode(p, n);
	char *m = g_strdup_printf("From: r@mail.example\r\n"
	    "Subject: Report Domain: example.com\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=tlsrpt; "
	    "boundary=\"b\"\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\n"
	    "This is an aggregate TLS report from mail.example\r\n"
	    "--b\r\nContent-Type: %s\r\nContent-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n"
	    "%s\r\n--b--\r\n", type, name, b64);

	g_free(b64);
	return g_bytes_new_take(m, strlen(m));
}

/* Walk raw; TRUE when it gave exactly one payload of that container and
 * format whose bytes read back as want. */
static gboolean
one_payload(GBytes *raw, const char *container, const char *format,
    const char *want)
{
	struct ingest_limits lim;
	struct collect c;
	GError *err = NULL;
	struct got *g;
	gboolean ok;
	int r;

	ingest_limits_default(&lim);
	collect_init(&c);
	r = walk_bytes(raw, &lim, &c, &err);
	g = got_at(&c, 0);
	ok = r == 1 && g != NULL && g->error == NULL &&
	    g_strcmp0(g->container, container) == 0 &&
	    g_strcmp0(g->format, format) == 0 &&
	    g->total == strlen(want) &&
	    memcmp(g->data->data, want, g->total) == 0;
	if (!ok)
		printf("# r=%d container=%s format=%s total=%zu err=%s\n", r,
		    g ? g->container : "-", g ? g->format : "-",
		    g ? g->total : 0, err ? err->message : "-");
	g_clear_error(&err);
	g_ptr_array_unref(c.got);
	return ok;
}

static int
count_payloads(GBytes *raw)
{
	struct ingest_limits lim;
	struct collect c;
	GError *err = NULL;
	int r;

	ingest_limits_default(&lim);
	collect_init(&c);
	r = walk_bytes(raw, &lim, &c, &err);
	g_clear_error(&err);
	g_ptr_array_unref(c.got);
	return r;
}

static int
slurp_payload(void *user, struct ingest_payload *p)
{
	GError **err = user;
	GBytes *b = ingest_payload_slurp(p, 10, "TEST_MAX", err);

	if (b != NULL)
		g_bytes_unref(b);
	return 0;
}

static void
test_json_payloads(void)
{
	static const char json[] = TLS_JSON;
	GBytes *plain = LITERAL(TLS_JSON), *gz, *raw;
	struct ingest_limits lim;
	struct ingest_message *m;
	GError *err = NULL;

	gz = gzip_bytes((const guchar *)json, strlen(json));
	TAP_OK(one_payload(plain, "json", "json", json),
	    "a bare .json file: one payload, container json, format json");
	TAP_OK(one_payload(gz, "gzip", "json", json),
	    "a bare .json.gz file: container gzip, format json");
	raw = LITERAL("\357\273\277\n\n   {\n    \"organization-name\": \"x\"}\n");
	TAP_OK(one_payload(raw, "json", "json",
	    "\357\273\277\n\n   {\n    \"organization-name\": \"x\"}\n"),
	    "BOM, blank lines and indentation before the object: JSON");
	g_bytes_unref(raw);

	raw = mail_with("application/tlsrpt+gzip", "mail.example!example.com!"
	    "1700006400!1700092799!001.json.gz", gz);
	TAP_OK(one_payload(raw, "gzip", "json", json),
	    "application/tlsrpt+gzip attachment: unpacked, format json");
	g_bytes_unref(raw);
	raw = mail_with("application/tlsrpt+gzip", "report.json.gz", plain);
	TAP_OK(one_payload(raw, "json", "json", json),
	    "plain JSON labelled +gzip: read as JSON, by content");
	g_bytes_unref(raw);
	raw = mail_with("application/tlsrpt+json", "report.json", gz);
	TAP_OK(one_payload(raw, "gzip", "json", json),
	    "gzip labelled +json: unpacked, by content");
	g_bytes_unref(raw);
	raw = mail_with("application/octet-stream", "x.bin", gz);
	TAP_OK(one_payload(raw, "gzip", "json", json),
	    "gzipped JSON with a label that says nothing: found");
	g_bytes_unref(raw);

	raw = LITERAL("[1, 2, 3]\n");
	TAP_OK(count_payloads(raw) <= 0, "a JSON array is no payload");
	g_bytes_unref(raw);
	raw = LITERAL("From: a@example.org\nSubject: hi\n\n"
	    "{{greeting}} friends,\n{ not json }\n");
	TAP_OK(count_payloads(raw) == 0,
	    "a text body starting with braces is no payload");
	g_bytes_unref(raw);
	raw = LITERAL("<?xml version=\"1.0\"?><feedback/>\n");
	TAP_OK(one_payload(raw, "xml", "xml",
	    "<?xml version=\"1.0\"?><feedback/>\n"),
	    "XML keeps format xml");
	g_bytes_unref(raw);

	/* Read whole, bounded. */
	ingest_limits_default(&lim);
	m = ingest_message_new(plain, "test");
	ingest_walk(m, &lim, slurp_payload, &err, NULL);
	TAP_OK(g_error_matches(err, INGEST_ERROR, INGEST_ERROR_LIMIT) &&
	    strstr(err->message, "larger than 10 bytes (TEST_MAX)") != NULL,
	    "ingest_payload_slurp past its bound: LIMIT, the bound named");
	g_clear_error(&err);
	ingest_message_free(m);
	g_bytes_unref(plain);
	g_bytes_unref(gz);
}

/* Blank and white-space-only lines before the header block: still a
 * message, its header and parts read (issue 14, family 6). */
static void
test_leading_blank_lines(void)
{
	static const char json[] = TLS_JSON;
	GBytes *gz = gzip_bytes((const guchar *)json, strlen(json));
	GBytes *mail = mail_with("application/tlsrpt+gzip", "r.json.gz", gz);
	gsize n;
	const char *m = g_bytes_get_data(mail, &n);
	char *padded = g_strconcat("\n \r\n\t\n", m, NULL);
	GBytes *raw = g_bytes_new_take(padded, strlen(padded));
	struct ingest_limits lim;
	struct ingest_message *msg;
	struct collect c;
	GError *err = NULL;
	int r;

	ingest_limits_default(&lim);
	collect_init(&c);
	msg = ingest_message_new(raw, "test");
	r = ingest_walk(msg, &lim, on_payload, &c, &err);
	TAP_OK(r == 1 && err == NULL,
	    "blank lines before the header: the attachment is found (%d%s%s)",
	    r, err ? ": " : "", err ? err->message : "");
	TAP_OK(ingest_message_mime(msg) != NULL && g_strcmp0(
	    g_mime_message_get_subject((GMimeMessage *)ingest_message_mime(msg)),
	    "Report Domain: example.com") == 0,
	    "... and the header is read as the header");
	g_clear_error(&err);
	ingest_message_free(msg);
	g_ptr_array_unref(c.got);
	g_bytes_unref(raw);
	g_bytes_unref(mail);
	g_bytes_unref(gz);
}

/* Standard input, through a pipe put on fd 0. */
static int
stdin_message(const char *data, gsize len, gsize max,
    struct ingest_message **m, GError **err)
{
	struct ingest_limits lim;
	struct ingest_source *src;
	int fds[2], saved, r;

	ingest_limits_default(&lim);
	lim.max_message = max;
	if (pipe(fds) < 0)
		return -2;
	if (write(fds[1], data, len) != (ssize_t)len)
		return -2;
	close(fds[1]);
	saved = dup(STDIN_FILENO);
	dup2(fds[0], STDIN_FILENO);
	close(fds[0]);
	src = ingest_source_stdin(&lim, err);
	r = ingest_source_next(src, m, err);
	if (r != 0) {
		struct ingest_message *again = NULL;

		if (ingest_source_next(src, &again, NULL) != 0 || again)
			r = -3;
	}
	ingest_source_free(src);
	dup2(saved, STDIN_FILENO);
	close(saved);
	return r;
}

static void
test_stdin(void)
{
	char big[2000];
	struct ingest_message *m = NULL;
	GError *err = NULL;
	int r;

	memset(big, 'x', sizeof big);
	r = stdin_message(big, 1000, 1000, &m, &err);
	TAP_OK(r == 1 && m && g_bytes_get_size(m->raw) == 1000 &&
	    g_strcmp0(m->source, "stdin") == 0,
	    "stdin: a message of exactly max_message is read");
	ingest_message_free(m);
	m = NULL;

	r = stdin_message(big, sizeof big, 1000, &m, &err);
	TAP_OK(r == -1 && m != NULL && g_bytes_get_size(m->raw) == 0 &&
	    *ingest_message_sha256(m) == '\0' &&
	    g_strcmp0(m->source, "stdin") == 0 &&
	    is_limit(err) && strstr(err->message, "max_message") != NULL,
	    "stdin: over max_message: -1, an empty message to log, LIMIT (%s)",
	    err ? err->message : "no error");
	ingest_message_free(m);
	g_clear_error(&err);
}

static void
test_files_errors(void)
{
	struct ingest_limits lim;
	char *paths[] = { "tests/data/mail/no-such-file.eml",
	    "tests/data/mail", MAIL "report-a.xml" };
	struct ingest_source *src;
	struct ingest_message *m = NULL;
	GError *err = NULL;
	int r;

	ingest_limits_default(&lim);
	lim.max_message = 1000;
	src = ingest_source_files(paths, 3, &lim, &err);
	r = ingest_source_next(src, &m, &err);
	TAP_OK(r == -1 && m == NULL && err &&
	    strstr(err->message, "no-such-file.eml") != NULL,
	    "missing file: -1 naming it");
	g_clear_error(&err);
	r = ingest_source_next(src, &m, &err);
	TAP_OK(r == -1 && m == NULL && err != NULL, "a directory: -1");
	g_clear_error(&err);
	r = ingest_source_next(src, &m, &err);
	TAP_OK(r == -1 && is_limit(err) && m != NULL &&
	    g_bytes_get_size(m->raw) == 0 &&
	    *ingest_message_sha256(m) == '\0' &&
	    g_strcmp0(m->source, "file:" MAIL "report-a.xml") == 0,
	    "file over max_message: -1, LIMIT, message with source, no bytes");
	g_clear_error(&err);
	ingest_message_free(m);
	TAP_OK(ingest_source_next(src, &m, &err) == 0, "then the end");
	ingest_source_free(src);
}

static gboolean
copy_tree(const char *from, const char *to)
{
	const char *sub[] = { "new", "cur", "tmp" };
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(sub); i++) {
		char *sf = g_build_filename(from, sub[i], NULL);
		char *st = g_build_filename(to, sub[i], NULL);
		GDir *d = g_dir_open(sf, 0, NULL);
		const char *name;

		g_mkdir(st, 0700);
		while (d && (name = g_dir_read_name(d)) != NULL) {
			char *a = g_build_filename(sf, name, NULL);
			char *b = g_build_filename(st, name, NULL);
			char *data;
			gsize len;

			if (g_file_get_contents(a, &data, &len, NULL)) {
				g_file_set_contents(b, data, (gssize)len, NULL);
				g_free(data);
			}
			g_free(a);
			g_free(b);
		}
		if (d)
			g_dir_close(d);
		g_free(sf);
		g_free(st);
	}
	return TRUE;
}

static void
remove_tree(const char *dir)
{
	const char *sub[] = { "new", "cur", "tmp" };
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(sub); i++) {
		char *s = g_build_filename(dir, sub[i], NULL);
		GDir *d = g_dir_open(s, 0, NULL);
		const char *name;

		while (d && (name = g_dir_read_name(d)) != NULL) {
			char *f = g_build_filename(s, name, NULL);

			g_unlink(f);
			g_free(f);
		}
		if (d)
			g_dir_close(d);
		g_rmdir(s);
		g_free(s);
	}
	g_rmdir(dir);
}

static void
test_maildir(void)
{
	static const char *const order[] = {
		"cur/1700100900.M1P3100.mx.example.com:2,S",
		"new/1700100901.M11P3101.mx.example.com",
		"new/1700100902.M21P3102.mx.example.com",
	};
	struct ingest_limits lim;
	struct ingest_source *src;
	struct ingest_message *m;
	GError *err = NULL;
	char *tmp = g_dir_make_tmp("ingest-test-XXXXXX", NULL);
	char *path, *want, *flagged;
	int i, r, moved = 0;

	ingest_limits_default(&lim);
	src = ingest_source_maildir("tests/data/maildir", &lim, &err);
	TAP_OK(src != NULL, "maildir opens");
	for (i = 0; src && (r = ingest_source_next(src, &m, &err)) != 0; i++) {
		want = g_strconcat("maildir:tests/data/maildir/",
		    i < 3 ? order[i] : "", NULL);
		TAP_OK(r == 1 && i < 3, "maildir message %d read", i);
		TAP_IS(m ? m->source : NULL, want, "maildir order %d", i);
		TAP_OK(m && m->in_maildir_new == (i > 0),
		    "maildir %d: in_maildir_new", i);
		g_free(want);
		ingest_message_free(m);
	}
	TAP_OK(i == 3, "maildir: 3 messages, tmp/ and dotfiles skipped");
	ingest_source_free(src);

	src = ingest_source_maildir(MAIL, &lim, &err);
	TAP_OK(src == NULL && err != NULL, "not a Maildir: error (%s)",
	    err ? err->message : "none");
	g_clear_error(&err);

	/* mark_seen on a copy, with a flagged name as well. */
	copy_tree("tests/data/maildir", tmp);
	flagged = g_build_filename(tmp, "new", "1700100999.M9P9.host:2,FT",
	    NULL);
	g_file_set_contents(flagged, "From: x@example.com\n\nhi\n", -1, NULL);
	src = ingest_source_maildir(tmp, &lim, &err);
	while (src && (r = ingest_source_next(src, &m, &err)) != 0) {
		gboolean was_new = m->in_maildir_new;
		char *before = g_strdup(m->path);

		TAP_OK(ingest_maildir_mark_seen(m, &err) == 0,
		    "mark_seen %s", before);
		if (was_new) {
			moved++;
			TAP_OK(!g_file_test(before, G_FILE_TEST_EXISTS) &&
			    g_file_test(m->path, G_FILE_TEST_EXISTS) &&
			    !m->in_maildir_new, "moved to %s", m->path);
		} else
			TAP_IS(m->path, before, "cur/ message left alone");
		g_free(before);
		ingest_message_free(m);
	}
	ingest_source_free(src);
	TAP_OK(moved == 3, "three messages moved out of new/");
	path = g_build_filename(tmp, "cur",
	    "1700100901.M11P3101.mx.example.com:2,S", NULL);
	TAP_OK(g_file_test(path, G_FILE_TEST_IS_REGULAR), "cur/NAME:2,S");
	g_free(path);
	path = g_build_filename(tmp, "cur", "1700100999.M9P9.host:2,FST",
	    NULL);
	TAP_OK(g_file_test(path, G_FILE_TEST_IS_REGULAR),
	    "flags kept, S added in order: :2,FST");
	g_free(path);
	g_free(flagged);
	remove_tree(tmp);
	g_free(tmp);
}

static const char MBOX_M1[] =
    "From: dmarc@mbox.example\nTo: dmarc@example.com\nSubject: mbox m1\n"
    "Message-ID: <m1@mbox.example>\n\n"
    "First.\nFrom the escaped line.\n>From doubly escaped.\n";
static const char MBOX_M3[] =
    "From: dmarc@mbox.example\nTo: dmarc@example.com\nSubject: mbox m3\n"
    "Message-ID: <m3@mbox.example>\n\nLast.\n";

static void
test_mbox(void)
{
	struct ingest_limits lim;
	struct ingest_source *src;
	struct ingest_message *m = NULL;
	GError *err = NULL;
	GBytes *b;
	gsize n;
	const char *p;
	int r;

	ingest_limits_default(&lim);
	src = ingest_source_mbox(MAIL "three.mbox", &lim, &err);
	r = ingest_source_next(src, &m, &err);
	b = g_bytes_new_static(MBOX_M1, sizeof MBOX_M1 - 1);
	TAP_OK(r == 1 && m && g_bytes_equal(m->raw, b),
	    "mbox 1: separator dropped, >From unescaped once, blank dropped");
	TAP_IS(m ? m->source : NULL, "mbox:" MAIL "three.mbox#1",
	    "mbox 1: source");
	g_bytes_unref(b);
	ingest_message_free(m);
	r = ingest_source_next(src, &m, &err);
	p = m ? g_bytes_get_data(m->raw, &n) : NULL;
	TAP_OK(r == 1 && p && g_strstr_len(p, (gssize)n,
	    "\nFrom not a separator.\n") != NULL && p[n - 1] == '\n' &&
	    p[n - 2] != '\n', "mbox 2: From not after a blank line stays");
	ingest_message_free(m);
	r = ingest_source_next(src, &m, &err);
	b = g_bytes_new_static(MBOX_M3, sizeof MBOX_M3 - 1);
	TAP_OK(r == 1 && m && g_bytes_equal(m->raw, b) &&
	    g_strcmp0(m->source, "mbox:" MAIL "three.mbox#3") == 0,
	    "mbox 3: last message");
	g_bytes_unref(b);
	ingest_message_free(m);
	TAP_OK(ingest_source_next(src, &m, &err) == 0 && m == NULL,
	    "mbox: then the end");
	ingest_source_free(src);

	/* The middle message is too large: reported, the next one read. */
	lim.max_message = 300;
	src = ingest_source_mbox(MAIL "three.mbox", &lim, &err);
	r = ingest_source_next(src, &m, &err);
	TAP_OK(r == 1, "mbox small limit: message 1 fits");
	ingest_message_free(m);
	r = ingest_source_next(src, &m, &err);
	TAP_OK(r == -1 && is_limit(err) && m &&
	    g_str_has_suffix(m->source, "#2"),
	    "mbox: message 2 over max_message: -1 LIMIT (%s)",
	    err ? err->message : "no error");
	g_clear_error(&err);
	ingest_message_free(m);
	r = ingest_source_next(src, &m, &err);
	TAP_OK(r == 1 && m && g_str_has_suffix(m->source, "#3"),
	    "mbox: message 3 after the oversized one");
	ingest_message_free(m);
	ingest_source_free(src);

	ingest_limits_default(&lim);
	src = ingest_source_mbox(MAIL "yahoo-gzip.eml", &lim, &err);
	r = ingest_source_next(src, &m, &err);
	TAP_OK(r == -1 && g_error_matches(err, INGEST_ERROR,
	    INGEST_ERROR_FORMAT) && m == NULL, "an e-mail is not an mbox");
	g_clear_error(&err);
	TAP_OK(ingest_source_next(src, &m, &err) == 0, "... and ends");
	ingest_source_free(src);

	src = ingest_source_mbox(MAIL "no-such.mbox", &lim, &err);
	TAP_OK(src == NULL && err != NULL, "missing mbox: error");
	g_clear_error(&err);
}

/* Lines longer than the reader's buffer, CRLF, and a long separator. */
static void
test_mbox_long_lines(void)
{
	struct ingest_limits lim;
	struct ingest_source *src;
	struct ingest_message *m = NULL;
	GError *err = NULL;
	GString *want = g_string_new("Subject: long\r\n\r\n");
	GString *file = g_string_new("From ");
	char *tmp = g_dir_make_tmp("ingest-mbox-XXXXXX", NULL);
	char *path = g_build_filename(tmp, "long.mbox", NULL);
	GBytes *b;
	int r;

	for (r = 0; r < 100000; r++)
		g_string_append_c(file, 's');	/* overlong separator */
	g_string_append(file, "\r\n");
	for (r = 0; r < 200000; r++)
		g_string_append_c(want, (char)('a' + r % 26));
	g_string_append(want, "\r\nFrom inside, no blank before\r\n");
	g_string_append(file, want->str);
	g_string_append(file, "\r\nFrom second\r\nSubject: 2\r\n\r\nbody\r\n");
	g_file_set_contents(path, file->str, (gssize)file->len, NULL);

	ingest_limits_default(&lim);
	src = ingest_source_mbox(path, &lim, &err);
	r = ingest_source_next(src, &m, &err);
	b = g_bytes_new_static(want->str, want->len);
	TAP_OK(r == 1 && m && g_bytes_equal(m->raw, b),
	    "mbox: 200 KB line and CRLF kept exactly");
	g_bytes_unref(b);
	ingest_message_free(m);
	r = ingest_source_next(src, &m, &err);
	TAP_OK(r == 1 && m && g_bytes_get_size(m->raw) == 20 &&
	    memcmp(g_bytes_get_data(m->raw, NULL), "Subject: 2\r\n", 12) == 0,
	    "mbox: CRLF separator found after the long line");
	ingest_message_free(m);
	TAP_OK(ingest_source_next(src, &m, &err) == 0, "mbox: two messages");
	ingest_source_free(src);
	g_unlink(path);
	g_rmdir(tmp);
	g_free(path);
	g_free(tmp);
	g_string_free(want, TRUE);
	g_string_free(file, TRUE);
}

int
main(void)
{
	test_fixtures();
	test_sha256_known();
	test_walk_twice();
	test_callback_control();
	test_gzip_bomb();
	test_corrupt_gzip();
	test_layers();
	test_zip_entries();
	test_mime_limits();
	test_encoded_rfc822();
	test_plain_rfc822();
	test_not_messages();
	test_json_payloads();
	test_leading_blank_lines();
	test_stdin();
	test_files_errors();
	test_maildir();
	test_mbox();
	test_mbox_long_lines();
	return tap_done();
}
