/* store_test.c - the store against a real PostgreSQL, in a database of its own.
 *
 * Needs a server reachable through the PG* variables (tests/run.sh starts a
 * private one; by hand: tests/pg.sh start && eval "$(tests/pg.sh env)").
 * Creates store_test_<pid>, drops it at the end, so it runs beside other
 * tests.  Reports are filled in by hand: no parser involved.
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "store/internal.h"	/* pg_composite_elem */
#include "tap.h"
#include "store_fixture.h"

static GPtrArray *garbage;	/* strings handed out by V() */

/* ---- helpers: admin connection, one-value queries ---- */


/* First value of the first row, "<no row>" or "<error: ...>"; NULL for
 * SQL NULL.  Freed at the end. */
static const char *
V(struct store *st, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static const char *
V(struct store *st, const char *fmt, ...)
{
	GError *err = NULL;
	struct store_table *t;
	va_list ap;
	char *sql, *out;

	va_start(ap, fmt);
	sql = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	t = store_query(st, sql, &err);
	if (t == NULL) {
		out = g_strdup_printf("<error: %s>", err->message);
		g_error_free(err);
	} else if (t->rows->len == 0)
		out = g_strdup("<no row>");
	else {
		GPtrArray *row = g_ptr_array_index(t->rows, 0);
		const char *v = g_ptr_array_index(row, 0);

		out = v ? g_strdup(v) : NULL;
	}
	store_table_free(t);
	g_free(sql);
	if (out)
		g_ptr_array_add(garbage, out);
	return out;
}

static int64_t
N(struct store *st, const char *fmt, const char *arg)
{
	const char *v = V(st, fmt, arg);

	return v ? g_ascii_strtoll(v, NULL, 10) : -1;
}

static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	GDateTime *t = g_date_time_new_utc(y, mo, d, h, mi, s);
	int64_t v = g_date_time_to_unix(t);

	g_date_time_unref(t);
	return v;
}

/* ---- hand-made reports ---- */

static GPtrArray *
strv(const char *first, ...)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	const char *s;
	va_list ap;

	va_start(ap, first);
	for (s = first; s; s = va_arg(ap, const char *))
		g_ptr_array_add(a, g_strdup(s));
	va_end(ap);
	return a;
}

static struct dmarc_report *
report_new(const char *org, const char *id, const char *domain, int64_t b,
    int64_t e)
{
	struct dmarc_report *r = g_new0(struct dmarc_report, 1);

	r->org_name = g_strdup(org);
	r->report_id = g_strdup(id);
	r->policy.domain = g_strdup(domain);
	r->policy.p = g_strdup("reject");
	r->policy.pct = -1;
	r->date_begin = b;
	r->date_end = e;
	return r;
}

static void
report_free(struct dmarc_report *r)
{
	struct dmarc_policy *p = &r->policy;

	g_free(r->version); g_free(r->org_name); g_free(r->email);
	g_free(r->extra_contact_info); g_free(r->report_id);
	g_free(r->generator);
	g_free(p->domain); g_free(p->adkim); g_free(p->aspf); g_free(p->p);
	g_free(p->sp); g_free(p->np); g_free(p->fo); g_free(p->testing);
	g_free(p->discovery_method);
	if (r->errors) g_ptr_array_unref(r->errors);
	if (r->fixups) g_ptr_array_unref(r->fixups);
	if (r->extensions) g_string_free(r->extensions, TRUE);
	g_free(r);
}

static void
dkim_free(gpointer p)
{
	struct dmarc_dkim *d = p;

	g_free(d->domain); g_free(d->selector); g_free(d->result);
	g_free(d->human_result); g_free(d);
}

static void
spf_free(gpointer p)
{
	struct dmarc_spf *d = p;

	g_free(d->domain); g_free(d->scope); g_free(d->result);
	g_free(d->human_result); g_free(d);
}

static void
reason_free(gpointer p)
{
	struct dmarc_reason *d = p;

	g_free(d->type); g_free(d->comment); g_free(d);
}

static struct dmarc_record *
rec_new(const char *ip, int64_t count, const char *disp, const char *dkim,
    const char *spf, const char *from)
{
	struct dmarc_record *c = g_new0(struct dmarc_record, 1);

	c->source_ip = g_strdup(ip);
	c->count = count;
	c->disposition = g_strdup(disp);
	c->policy_dkim = g_strdup(dkim);
	c->policy_spf = g_strdup(spf);
	c->header_from = g_strdup(from);
	c->reasons = g_ptr_array_new_with_free_func(reason_free);
	c->dkim = g_ptr_array_new_with_free_func(dkim_free);
	c->spf = g_ptr_array_new_with_free_func(spf_free);
	return c;
}

static void
rec_free(struct dmarc_record *c)
{
	g_free(c->source_ip); g_free(c->disposition); g_free(c->policy_dkim);
	g_free(c->policy_spf); g_free(c->header_from);
	g_free(c->envelope_from); g_free(c->envelope_to);
	g_ptr_array_unref(c->reasons); g_ptr_array_unref(c->dkim);
	g_ptr_array_unref(c->spf);
	if (c->fixups) g_ptr_array_unref(c->fixups);
	g_free(c);
}

static void
add_dkim(struct dmarc_record *c, const char *d, const char *s, const char *r,
    const char *h)
{
	struct dmarc_dkim *x = g_new0(struct dmarc_dkim, 1);

	x->domain = g_strdup(d); x->selector = g_strdup(s);
	x->result = g_strdup(r); x->human_result = g_strdup(h);
	g_ptr_array_add(c->dkim, x);
}

static void
add_spf(struct dmarc_record *c, const char *d, const char *s, const char *r,
    const char *h)
{
	struct dmarc_spf *x = g_new0(struct dmarc_spf, 1);

	x->domain = g_strdup(d); x->scope = g_strdup(s);
	x->result = g_strdup(r); x->human_result = g_strdup(h);
	g_ptr_array_add(c->spf, x);
}

static void
add_reason(struct dmarc_record *c, const char *t, const char *m)
{
	struct dmarc_reason *x = g_new0(struct dmarc_reason, 1);

	x->type = g_strdup(t); x->comment = g_strdup(m);
	g_ptr_array_add(c->reasons, x);
}

static void
clear_err(GError **err)
{
	g_clear_error(err);
}

/* A whole message holding one report, in its own batch.  Returns what
 * store_report_begin returned, or -1. */
static int
store_one(struct store *st, struct dmarc_report *r,
    struct dmarc_record **recs, int n, const char *sha, GError **err)
{
	struct store_ingest_log log = { 0 };
	int i, got;

	if (store_batch_begin(st, err) < 0 || store_message_begin(st, err) < 0)
		goto fail;
	if ((got = store_report_begin(st, r, err)) < 0)
		goto fail;
	for (i = 0; got == 1 && i < n; i++)
		if (store_report_record(st, r, recs[i], err) < 0)
			goto fail;
	if (got == 1 && store_report_end(st, r, NULL, err) < 0)
		goto fail;
	log.source = "test";
	log.sha256 = sha;
	log.outcome = got ? STORE_OUTCOME_STORED : STORE_OUTCOME_DUPLICATE;
	log.reports_stored = got;
	log.reports_duplicate = !got;
	log.records = got ? n : 0;
	if (store_message_end(st, &log, err) < 0 ||
	    store_batch_commit(st, err) < 0)
		goto fail;
	return got;
fail:
	store_batch_rollback(st);
	return -1;
}

static char *
gunzip_hex(const char *hex)
{
	GString *out = g_string_new(NULL);
	gsize n = strlen(hex) / 2, i;
	guint8 *in = g_malloc(n), buf[4096];
	z_stream z;
	int zr;

	for (i = 0; i < n; i++)
		in[i] = g_ascii_xdigit_value(hex[2 * i]) * 16 +
		    g_ascii_xdigit_value(hex[2 * i + 1]);
	memset(&z, 0, sizeof(z));
	inflateInit2(&z, 31);
	z.next_in = in;
	z.avail_in = n;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		zr = inflate(&z, Z_NO_FLUSH);
		g_string_append_len(out, (char *)buf, sizeof(buf) - z.avail_out);
	} while (zr == Z_OK);
	inflateEnd(&z);
	g_free(in);
	if (zr != Z_STREAM_END) {
		g_string_free(out, TRUE);
		return g_strdup("<bad gzip>");
	}
	return g_string_free(out, FALSE);
}

/* ---- the tests ---- */

static void
test_connect_errors(void)
{
	GError *err = NULL;
	struct store *st;

	st = store_open("host=127.0.0.1 port=1 connect_timeout=5", &err);
	TAP_OK(st == NULL && err && err->code == STORE_ERROR_TRANSIENT,
	    "closed TCP port: transient (%s)", err ? err->message : "?");
	clear_err(&err);
	st = store_open("host=/nonexistent/socketdir port=5432", &err);
	TAP_OK(st == NULL && err && err->code == STORE_ERROR_TRANSIENT,
	    "missing socket: transient");
	clear_err(&err);
	st = store_open("this is = = not a conninfo '", &err);
	TAP_OK(st == NULL && err && err->code == STORE_ERROR_CONFIG,
	    "garbage conninfo: config (%s)", err ? err->message : "?");
	clear_err(&err);
	st = store_open("dbname=store_test_no_such_db", &err);
	TAP_OK(st == NULL && err && err->code == STORE_ERROR_CONFIG,
	    "missing database: config (%s)", err ? err->message : "?");
	clear_err(&err);
}

static void
test_unmigrated(struct store *st)
{
	struct dmarc_report *r = report_new("o", "1", "d", 0, 1);
	GError *err = NULL;
	int latest = -1;

	TAP_OK(store_schema_version(st, &latest, &err) == 0 && latest > 0,
	    "fresh database: version 0, latest %d", latest);
	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	TAP_OK(store_report_begin(st, r, &err) < 0 && err &&
	    err->code == STORE_ERROR_CONFIG &&
	    strstr(err->message, "run mailsift db migrate"),
	    "write without schema: config, says migrate (%s)",
	    err ? err->message : "?");
	clear_err(&err);
	store_batch_rollback(st);
	report_free(r);
}

/* The migrations compiled in: versions need not be contiguous (a branch
 * may add 006 before 005 lands). */
static int migrations_applied;

static void
test_migrate(struct store *st)
{
	GError *err = NULL;
	int latest = 0, n;

	n = store_migrate(st, &err);
	store_schema_version(st, &latest, NULL);
	migrations_applied = n;
	TAP_OK(n >= 2 && n <= latest, "migrate applies all %d (%s)", n,
	    err ? err->message : "");
	clear_err(&err);
	TAP_OK(store_migrate(st, &err) == 0, "second migrate applies none");
	TAP_OK(store_schema_version(st, NULL, &err) == latest,
	    "schema version is the latest");
	TAP_IS(V(st, "SELECT count(*) FROM schema_migrations"),
	    V(st, "SELECT %d", n), "schema_migrations rows");
	TAP_IS(V(st, "SELECT current_setting('application_name')"),
	    "mailsift", "application_name");
}

/* Several migrators at once on a fresh database: one applies each file. */
static gpointer
migrator(gpointer ci)
{
	struct store *st = store_open(ci, NULL);
	int n = st ? store_migrate(st, NULL) : -1;

	store_close(st);
	return GINT_TO_POINTER(n);
}

static void
test_migrate_concurrent(void)
{
	char db[80], ci[160];
	int i, total = 0, bad = 0, latest = 0;
	GThread *th[4];
	struct store *st;
	char *sql;

	snprintf(db, sizeof(db), "%s_m", fixture_dbname);
	snprintf(ci, sizeof(ci), "dbname=%s", db);
	sql = g_strdup_printf("CREATE DATABASE %s", db);
	fixture_admin(NULL, sql);
	g_free(sql);
	for (i = 0; i < 4; i++)
		th[i] = g_thread_new("migrator", migrator, ci);
	for (i = 0; i < 4; i++) {
		int n = GPOINTER_TO_INT(g_thread_join(th[i]));

		if (n < 0)
			bad++;
		else
			total += n;
	}
	st = store_open(ci, NULL);
	store_schema_version(st, &latest, NULL);
	TAP_OK(bad == 0 && total == migrations_applied && latest > 0,
	    "4 concurrent migrators: no error, %d applied in all", total);
	store_close(st);
	sql = g_strdup_printf("DROP DATABASE %s WITH (FORCE)", db);
	fixture_admin(NULL, sql);
	g_free(sql);
}

static const char *EVIL = "'); DROP TABLE dmarc_report; --";
static const char *SPECIAL = "tab\there\nnew\\line\r \"q\" 'a' {b,c} NULL \\N";

static void
test_roundtrip(struct store *st)
{
	struct dmarc_report *r = report_new(SPECIAL, EVIL, "example.com",
	    utc(2024, 3, 1, 0, 0, 0), utc(2024, 3, 1, 23, 59, 59));
	struct dmarc_record *c[3];
	struct store_ingest_log log = { 0 };
	const char *xml = "<feedback>\n\t<x>\\ '\"</x>\n</feedback>\n";
	struct store_raw raw;
	GError *err = NULL;
	int64_t id;
	char *pk, *hex, *plain;
	int got;

	r->email = g_strdup("noreply@reporter.example");
	r->extra_contact_info = g_strdup("http://x/?a=1&b=2");
	r->version = g_strdup("1.0");
	r->generator = g_strdup("gen 1.2");
	r->errors = strv("err,1", "{brace}", "NULL", "back\\slash \"q\"",
	    "", NULL);
	r->fixups = strv("adkim: R -> r (lower-case)", NULL);
	r->policy.adkim = g_strdup("r");
	r->policy.aspf = g_strdup("s");
	r->policy.sp = g_strdup("quarantine");
	r->policy.np = g_strdup("none");
	r->policy.pct = 100;
	r->policy.fo = g_strdup("1:d");
	r->policy.testing = g_strdup("n");
	r->policy.discovery_method = g_strdup("treewalk");

	c[0] = rec_new("192.0.2.10", 7, "none", "pass", "fail", "example.com");
	c[0]->envelope_from = g_strdup("bounce.example.com");
	c[0]->envelope_to = g_strdup("rcpt.example");
	c[0]->fixups = strv("disposition: None -> none (lower-case)", SPECIAL,
	    NULL);
	add_dkim(c[0], "example.com", "s1", "pass", NULL);
	add_dkim(c[0], "other.example", NULL, "fail", SPECIAL);
	add_spf(c[0], "bounce.example.com", "mfrom", "softfail", "hr");
	add_reason(c[0], "forwarded", "via list\nline 2\ttab");
	add_reason(c[0], "other", NULL);
	c[1] = rec_new("2001:db8::1", 3, "reject", "fail", "fail",
	    "example.com");
	add_spf(c[1], "example.com", NULL, "fail", NULL);
	c[2] = rec_new(NULL, 0, NULL, NULL, NULL, NULL);

	raw.bytes = g_bytes_new_static(xml, strlen(xml));
	raw.container = "xml";
	raw.member = NULL;
	raw.part_name = "report\t.xml";

	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	got = store_report_begin(st, r, &err);
	TAP_OK(got == 1, "new report: 1 (%s)", err ? err->message : "");
	store_report_record(st, r, c[0], &err);
	store_report_record(st, r, c[1], &err);
	store_report_record(st, r, c[2], &err);
	/* The extension only comes after the records. */
	r->extensions = g_string_new("<extension><x a=\"1\">y&amp;</x>"
	    "</extension>");
	TAP_OK(store_report_end(st, r, &raw, &err) == 0, "report end (%s)",
	    err ? err->message : "");
	log.source = "maildir:/tmp/\xff\xfe-not-utf8";
	log.message_id = "<m1@example>";
	log.sha256 = "aaaa";
	log.outcome = STORE_OUTCOME_STORED;
	log.reports_stored = 1;
	log.records = 3;
	id = store_message_end(st, &log, &err);
	TAP_OK(id > 0, "message end gives log id %" PRId64 " (%s)", id,
	    err ? err->message : "");
	TAP_OK(store_batch_commit(st, &err) == 0, "commit (%s)",
	    err ? err->message : "");
	clear_err(&err);

	pk = g_strdup(V(st, "SELECT report_pk FROM dmarc_report_v"
	    " WHERE report_id = $$%s$$", EVIL));
	TAP_OK(pk && g_ascii_isdigit(*pk), "report found by evil id");
	TAP_IS(V(st, "SELECT count(*) FROM dmarc_report"), "1",
	    "dmarc_report table still there, one row");
#define RV(col) V(st, "SELECT " col " FROM dmarc_report_v WHERE report_pk = %s", pk)
	TAP_IS(RV("org_name"), SPECIAL, "org_name verbatim (tab, newline, \\, quotes)");
	TAP_IS(RV("report_id"), EVIL, "report_id verbatim");
	TAP_IS(RV("ingest_id"), V(st, "SELECT %" PRId64, id), "ingest_id");
	TAP_IS(RV("source"), "maildir:/tmp/\xef\xbf\xbd\xef\xbf\xbd-not-utf8",
	    "source from ingest_log, made valid UTF-8");
	TAP_IS(RV("email"), "noreply@reporter.example", "email");
	TAP_IS(RV("extra_contact_info"), "http://x/?a=1&b=2", "extra_contact_info");
	TAP_IS(RV("policy_domain"), "example.com", "policy_domain");
	TAP_IS(RV("date_begin"), "2024-03-01 00:00:00+00", "date_begin");
	TAP_IS(RV("date_end"), "2024-03-01 23:59:59+00", "date_end");
	TAP_IS(RV("p || sp || np || pct || adkim || aspf || fo || testing || discovery_method"),
	    "rejectquarantinenone100rs1:dntreewalk", "policy fields");
	TAP_IS(RV("array_length(errors, 1)"), "5", "errors: 5 elements");
	TAP_IS(RV("errors[1]"), "err,1", "errors[1] comma");
	TAP_IS(RV("errors[2]"), "{brace}", "errors[2] braces");
	TAP_IS(RV("errors[3]"), "NULL", "errors[3] the word NULL, not null");
	TAP_IS(RV("errors[4]"), "back\\slash \"q\"", "errors[4] backslash, quote");
	TAP_IS(RV("errors[5]"), "", "errors[5] empty");
	TAP_IS(RV("generator || '|' || version"), "gen 1.2|1.0", "generator, version");
	TAP_IS(RV("records || '/' || messages"), "3/10", "records, messages");
	TAP_IS(RV("extensions"), "<extension><x a=\"1\">y&amp;</x></extension>",
	    "extensions (late) raw XML");
	TAP_IS(RV("fixups[1]"), "adkim: R -> r (lower-case)", "report fixups");

#define CV(col, n) V(st, "SELECT " col " FROM dmarc_record_v WHERE report_pk = %s AND rec_no = " #n, pk)
	TAP_IS(CV("source_ip", 1), "192.0.2.10", "rec 1 IPv4");
	TAP_IS(CV("count", 1), "7", "rec 1 count");
	TAP_IS(CV("disposition || policy_dkim || policy_spf", 1), "nonepassfail",
	    "rec 1 policy_evaluated");
	TAP_IS(CV("dmarc_pass", 1), "t", "rec 1 dmarc_pass");
	TAP_IS(CV("envelope_from || '|' || envelope_to", 1),
	    "bounce.example.com|rcpt.example", "rec 1 envelope");
	TAP_IS(CV("fixups[2]", 1), SPECIAL, "rec 1 fixups special chars");
	TAP_IS(CV("org_name", 1), SPECIAL, "record view joins report");
	TAP_IS(CV("source_ip", 2), "2001:db8::1", "rec 2 IPv6");
	TAP_IS(CV("family(source_ip)", 2), "6", "rec 2 is inet family 6");
	TAP_IS(CV("dmarc_pass", 2), "f", "rec 2 dmarc fail");
	TAP_IS(CV("envelope_from", 2), NULL, "rec 2 missing envelope_from is NULL");
	TAP_IS(CV("fixups", 2), NULL, "rec 2 no fixups: NULL");
	TAP_IS(CV("source_ip", 3), NULL, "rec 3 NULL source_ip");
	TAP_IS(CV("dmarc_pass", 3), "f", "rec 3 NULL policies: dmarc_pass false");
	TAP_IS(CV("coalesce(disposition, 'null')", 3), "null", "rec 3 NULL disposition");

	TAP_IS(V(st, "SELECT string_agg(idx || ':' || domain || ':' || coalesce(selector, '-') || ':' || result, ',' ORDER BY idx) FROM dmarc_dkim_v WHERE report_pk = %s AND rec_no = 1", pk),
	    "1:example.com:s1:pass,2:other.example:-:fail", "dkim results, in order");
	TAP_IS(V(st, "SELECT human_result FROM dmarc_dkim_v WHERE report_pk = %s AND rec_no = 1 AND idx = 2", pk),
	    SPECIAL, "dkim human_result special chars");
	TAP_IS(V(st, "SELECT string_agg(rec_no || ':' || domain || ':' || coalesce(scope, '-') || ':' || result || ':' || coalesce(human_result, '-'), ',' ORDER BY rec_no, idx) FROM dmarc_spf_v WHERE report_pk = %s", pk),
	    "1:bounce.example.com:mfrom:softfail:hr,2:example.com:-:fail:-", "spf results");
	TAP_IS(V(st, "SELECT comment FROM dmarc_reason_v WHERE report_pk = %s AND rec_no = 1 AND idx = 1", pk),
	    "via list\nline 2\ttab", "reason comment with newline, tab");
	TAP_IS(V(st, "SELECT coalesce(comment, 'null') || type FROM dmarc_reason_v WHERE report_pk = %s AND rec_no = 1 AND idx = 2", pk),
	    "nullother", "reason without comment");

	TAP_IS(V(st, "SELECT format || container || coalesce(member, '-') || part_name FROM dmarc_report_raw WHERE report_id = %s", pk),
	    "gzipxml-report\t.xml", "raw: plain XML gzipped, labels kept");
	hex = g_strdup(V(st, "SELECT encode(gz, 'hex') FROM dmarc_report_raw WHERE report_id = %s", pk));
	TAP_OK(hex && strncmp(hex, "1f8b", 4) == 0, "raw is gzip");
	plain = gunzip_hex(hex ? hex : "");
	TAP_IS(plain, xml, "raw gunzips to the original XML");
	g_free(plain);
	g_free(hex);

	TAP_IS(V(st, "SELECT outcome || reports_stored || '/' || reports_duplicate || '/' || records || message_id || sha256 FROM ingest_log_v WHERE id = %" PRId64, id),
	    "stored1/0/3<m1@example>aaaa", "ingest log row");
	TAP_IS(V(st, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'ingest_log_v' AND column_name = 'raw'"),
	    "0", "ingest_log_v does not expose raw");
#undef RV
#undef CV
	g_free(pk);
	g_bytes_unref(raw.bytes);
	report_free(r);
	rec_free(c[0]); rec_free(c[1]); rec_free(c[2]);
}

static void
test_gzip_kept(struct store *st)
{
	struct dmarc_report *r = report_new("gz", "gz-1", "gz.example", 100, 200);
	static const guint8 gz[] = { 0x1f, 0x8b, 0x08, 0x00, 0x00, 0xff, 0x10 };
	struct store_raw raw = { NULL, "gzip", NULL, "r.xml.gz" };
	struct store_ingest_log log = { 0 };
	GError *err = NULL;

	raw.bytes = g_bytes_new_static(gz, sizeof(gz));
	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	store_report_begin(st, r, &err);
	store_report_end(st, r, &raw, &err);
	log.outcome = STORE_OUTCOME_STORED;
	store_message_end(st, &log, &err);
	TAP_OK(store_batch_commit(st, &err) == 0, "gzip payload stored (%s)",
	    err ? err->message : "");
	clear_err(&err);
	TAP_IS(V(st, "SELECT format || ':' || encode(gz, 'hex') FROM dmarc_report_raw w JOIN dmarc_report r ON r.id = w.report_id WHERE r.report_id = 'gz-1'"),
	    "gzip:1f8b080000ff10", "gzip payload kept byte for byte");
	TAP_IS(V(st, "SELECT records || '/' || messages FROM dmarc_report_v WHERE report_id = 'gz-1'"),
	    "0/0", "report without records");
	g_bytes_unref(raw.bytes);
	report_free(r);
}

static void
test_duplicates(struct store *st)
{
	struct dmarc_report *r = report_new(SPECIAL, EVIL, "example.com",
	    utc(2024, 3, 1, 0, 0, 0), utc(2024, 3, 1, 23, 59, 59));
	struct dmarc_report *a = report_new(NULL, NULL, "nulls.example", 10, 20);
	struct dmarc_record *c = rec_new("192.0.2.1", 1, "none", "pass",
	    "pass", "x");
	struct store_ingest_log log = { 0 };
	GError *err = NULL;
	int g1, g2;

	TAP_OK(store_one(st, r, &c, 1, "bbbb", &err) == 0,
	    "same report again: 0 (duplicate)");
	TAP_IS(V(st, "SELECT count(*) || '/' || sum(records) FROM dmarc_report_v WHERE report_id = $$%s$$", EVIL),
	    "1/3", "nothing doubled");
	TAP_IS(V(st, "SELECT count(*) FROM dmarc_record_v WHERE report_id = $$%s$$", EVIL),
	    "3", "records not doubled");
	TAP_IS(V(st, "SELECT outcome FROM ingest_log_v WHERE sha256 = 'bbbb'"),
	    "duplicate", "duplicate logged");

	TAP_OK(store_one(st, a, &c, 1, NULL, &err) == 1, "report with NULL org and id: new");
	TAP_OK(store_one(st, a, &c, 1, NULL, &err) == 0, "same with NULLs: duplicate");

	/* Two messages of one batch carrying the same new report. */
	g_free(a->report_id);
	a->report_id = g_strdup("in-batch");
	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	g1 = store_report_begin(st, a, &err);
	store_report_record(st, a, c, &err);
	store_report_end(st, a, NULL, &err);
	log.outcome = STORE_OUTCOME_STORED;
	store_message_end(st, &log, &err);
	store_message_begin(st, &err);
	g2 = store_report_begin(st, a, &err);
	log.outcome = STORE_OUTCOME_DUPLICATE;
	store_message_end(st, &log, &err);
	TAP_OK(store_batch_commit(st, &err) == 0 && g1 == 1 && g2 == 0,
	    "same report twice in one batch: 1 then 0");
	TAP_IS(V(st, "SELECT count(*) FROM dmarc_report WHERE report_id = 'in-batch'"),
	    "1", "stored once");
	clear_err(&err);
	report_free(r);
	report_free(a);
	rec_free(c);
}

static void
test_aborts(struct store *st)
{
	struct dmarc_report *r = report_new("abort", "ab-1", "abort.example", 0, 86399);
	struct dmarc_report *k = report_new("abort", "ab-keep", "abort.example", 0, 86399);
	struct dmarc_record *c = rec_new("198.51.100.7", 2, "none", "fail",
	    "pass", "x");
	struct store_ingest_log log = { 0 };
	GError *err = NULL;
	int i, ok = 1;

	add_dkim(c, "d", "s", "pass", NULL);
	add_spf(c, "d", "mfrom", "pass", NULL);

	/* Report abort: a kept report before, an aborted one after. */
	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	store_report_begin(st, k, &err);
	store_report_record(st, k, c, &err);
	store_report_end(st, k, NULL, &err);
	TAP_OK(store_report_begin(st, r, &err) == 1, "report to abort begun");
	for (i = 0; i < 6000; i++)	/* past one COPY chunk */
		ok &= store_report_record(st, r, c, &err) == 0;
	TAP_OK(ok, "6000 records buffered/copied (%s)", err ? err->message : "");
	TAP_OK(store_report_abort(st, &err) == 0, "report abort");
	log.outcome = STORE_OUTCOME_STORED;
	log.sha256 = "cccc";
	TAP_OK(store_message_end(st, &log, &err) > 0, "message end after report abort");
	TAP_OK(store_batch_commit(st, &err) == 0, "commit (%s)", err ? err->message : "");
	clear_err(&err);
	TAP_IS(V(st, "SELECT count(*) FROM dmarc_report WHERE report_id = 'ab-1'"), "0",
	    "aborted report: no row");
	TAP_IS(V(st, "SELECT count(*) FROM dmarc_record c JOIN dmarc_report r ON r.id = c.report_id WHERE r.org_name = 'abort'"),
	    "1", "aborted report: no records (copied chunk undone), kept report's one stays");
	TAP_IS(V(st, "SELECT count(*) FROM dmarc_dkim_v d JOIN dmarc_report r ON r.id = d.report_pk WHERE r.org_name = 'abort'"),
	    "1", "aborted report: no dkim rows");

	/* Message abort, then log it quarantined with bytes that must
	 * survive exactly. */
	g_free(r->report_id);
	r->report_id = g_strdup("ab-2");
	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	store_report_begin(st, r, &err);
	store_report_record(st, r, c, &err);
	store_report_end(st, r, NULL, &err);
	TAP_OK(store_message_abort(st, &err) == 0, "message abort");
	{
		static const char bytes[] = "From: x\r\n\r\n\0\x01\xff\xfe\x80 body\\ \0";
		int64_t id;

		log.outcome = STORE_OUTCOME_QUARANTINED;
		log.reason = "parse error: \xc3\x28 broken";
		log.sha256 = "dddd";
		log.raw = g_bytes_new_static(bytes, sizeof(bytes));
		id = store_message_end(st, &log, &err);
		TAP_OK(id > 0, "quarantined log row after abort (%s)",
		    err ? err->message : "");
		TAP_OK(store_batch_commit(st, &err) == 0, "commit");
		g_bytes_unref(log.raw);
		log.raw = NULL;
		log.reason = NULL;
	}
	TAP_IS(V(st, "SELECT count(*) FROM dmarc_report WHERE report_id = 'ab-2'"), "0",
	    "message abort: its report is gone");
	clear_err(&err);
	report_free(r);
	report_free(k);
	rec_free(c);
}

struct qseen {
	int n;
	int64_t id;
	GBytes *raw;
	char *source, *reason;
};

static int
on_quarantined(void *user, int64_t id, const char *source, const char *reason,
    GBytes *raw)
{
	struct qseen *q = user;

	q->n++;
	q->id = id;
	if (q->raw)
		g_bytes_unref(q->raw);
	q->raw = g_bytes_ref(raw);
	g_free(q->source);
	g_free(q->reason);
	q->source = g_strdup(source);
	q->reason = g_strdup(reason);
	return 0;
}

static void
test_quarantine(struct store *st)
{
	static const char bytes[] = "From: x\r\n\r\n\0\x01\xff\xfe\x80 body\\ \0";
	GBytes *want = g_bytes_new_static(bytes, sizeof(bytes));
	struct store_ingest_log log = { 0 };
	struct qseen q = { 0 };
	GError *err = NULL;
	int64_t qid, nid;

	TAP_OK(store_quarantine_each(st, 0, on_quarantined, &q, &err) == 1 &&
	    q.n == 1, "one quarantined message");
	TAP_OK(q.raw && g_bytes_equal(q.raw, want),
	    "quarantined raw bytes round-trip exactly (NUL, 8-bit)");
	TAP_IS(q.reason, "parse error: \xef\xbf\xbd( broken", "reason, made valid UTF-8");
	qid = q.id;
	TAP_IS(V(st, "SELECT outcome FROM ingest_log_v WHERE id = %" PRId64, qid),
	    "quarantined", "log says quarantined");

	TAP_OK(store_message_known(st, "cccc", &err) == 1, "known: stored message");
	TAP_OK(store_message_known(st, "bbbb", &err) == 1, "known: duplicate message");
	TAP_OK(store_message_known(st, "dddd", &err) == 0, "not known: quarantined message");
	TAP_OK(store_message_known(st, "ffff", &err) == 0, "not known: never seen");

	/* Requeue that quarantines again: the entry stays, its bytes are not
	 * copied, the attempt is counted and its reason is the entry's. */
	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	log.outcome = STORE_OUTCOME_QUARANTINED;
	log.requeued_from = qid;
	log.raw = q.raw;
	log.reason = "still broken";
	nid = store_message_end(st, &log, &err);
	store_batch_commit(st, &err);
	g_bytes_unref(q.raw);
	q.raw = NULL;
	q.n = 0;
	TAP_OK(nid > qid, "the attempt is logged");
	TAP_OK(store_quarantine_each(st, 0, on_quarantined, &q, &err) == 1 &&
	    q.id == qid, "requeued again into quarantine: the same entry pending");
	TAP_IS(q.reason, "still broken", "the latest attempt's reason");
	TAP_OK(q.raw && g_bytes_equal(q.raw, want), "raw kept in the entry");
	TAP_IS(V(st, "SELECT count(*) || ' ' || sum(attempts) || ' ' || "
	    "bool_and(last_attempt = %" PRId64 ") FROM quarantine", nid),
	    "1 1 true", "no quarantine row added, the attempt counted");
	nid = qid;

	/* Requeue that succeeds: nothing left. */
	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	log.outcome = STORE_OUTCOME_NOT_REPORT;
	log.requeued_from = nid;
	log.raw = NULL;
	log.reason = "not a report";
	log.sha256 = "eeee";
	TAP_OK(store_message_end(st, &log, &err) > 0, "requeue logged (%s)",
	    err ? err->message : "");
	TAP_OK(store_batch_commit(st, &err) == 0, "commit");
	q.n = 0;
	TAP_OK(store_quarantine_each(st, 0, on_quarantined, &q, &err) == 0 &&
	    q.n == 0, "requeued: quarantine empty");
	TAP_IS(V(st, "SELECT (requeued_at IS NOT NULL)::text FROM quarantine WHERE ingest_id = %" PRId64, nid),
	    "true", "quarantine requeued_at set");
	TAP_IS(V(st, "SELECT requeued_by = (SELECT id FROM ingest_log WHERE sha256 = 'eeee') FROM ingest_log WHERE id = %" PRId64, nid),
	    "t", "requeued_by points at the new attempt");
	TAP_IS(V(st, "SELECT requeued_from FROM ingest_log WHERE sha256 = 'eeee'"),
	    V(st, "SELECT %" PRId64, nid), "requeued_from points back");
	TAP_OK(store_message_known(st, "eeee", &err) == 1, "known: not_report");
	clear_err(&err);
	if (q.raw)
		g_bytes_unref(q.raw);
	g_free(q.source);
	g_free(q.reason);
	g_bytes_unref(want);
}

static void
test_data_errors(struct store *st)
{
	struct dmarc_report *r = report_new("bad", "bad-1", "bad.example", 0, 10);
	struct dmarc_record *good = rec_new("192.0.2.1", 1, "none", "pass", "pass", "x");
	struct dmarc_record *bad = rec_new("999.1.2.3", 1, "none", "pass", "pass", "x");
	struct store_ingest_log log = { 0 };
	GError *err = NULL;
	int i, rc = 0;

	/* Small report: its rows go with the message's next round trip, so
	 * the bad IP shows at store_message_end. */
	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	store_report_begin(st, r, &err);
	store_report_record(st, r, bad, &err);
	TAP_OK(store_report_end(st, r, NULL, &err) == 0, "report end queues");
	log.outcome = STORE_OUTCOME_STORED;
	TAP_OK(store_message_end(st, &log, &err) < 0 && err &&
	    err->code == STORE_ERROR_DATA, "invalid inet: DATA at message end (%s)",
	    err ? err->message : "?");
	clear_err(&err);
	TAP_OK(store_report_abort(st, &err) == 0, "abort after DATA error");
	TAP_OK(store_message_abort(st, &err) == 0, "message abort after DATA error");
	log.outcome = STORE_OUTCOME_QUARANTINED;
	log.reason = "bad";
	TAP_OK(store_message_end(st, &log, &err) > 0, "quarantine logged");
	TAP_OK(store_batch_commit(st, &err) == 0, "batch commits after the error (%s)",
	    err ? err->message : "");
	clear_err(&err);

	/* Two reports, the first bad: its error shows at the second's begin;
	 * the message is quarantined whole. */
	g_free(r->report_id);
	r->report_id = g_strdup("bad-3");
	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	store_report_begin(st, r, &err);
	store_report_record(st, r, bad, &err);
	store_report_end(st, r, NULL, &err);
	g_free(r->report_id);
	r->report_id = g_strdup("bad-4");
	TAP_OK(store_report_begin(st, r, &err) < 0 && err &&
	    err->code == STORE_ERROR_DATA, "first report's error at second begin");
	clear_err(&err);
	store_report_abort(st, &err);
	/* As the CLI does: carry on with the message without aborting it;
	 * the first report was rolled back, the transaction is usable. */
	g_free(r->report_id);
	r->report_id = g_strdup("good-5");
	TAP_OK(store_report_begin(st, r, &err) == 1 &&
	    store_report_record(st, r, good, &err) == 0 &&
	    store_report_end(st, r, NULL, &err) == 0,
	    "the message goes on after the refused report (%s)",
	    err ? err->message : "");
	clear_err(&err);
	log.outcome = STORE_OUTCOME_QUARANTINED;
	TAP_OK(store_message_end(st, &log, &err) > 0 &&
	    store_batch_commit(st, &err) == 0, "quarantined, committed (%s)",
	    err ? err->message : "");
	clear_err(&err);
	TAP_IS(V(st, "SELECT string_agg(report_id, ',' ORDER BY report_id) FROM dmarc_report WHERE org_name = 'bad'"),
	    "good-5", "refused report gone, later one stored");
	TAP_IS(V(st, "SELECT count(*) FROM dmarc_record c JOIN dmarc_report r ON r.id = c.report_id WHERE r.report_id = 'good-5'"),
	    "1", "its record stored");

	/* Big report: the bad IP is in a COPY chunk.  The server stores a
	 * chunk while the next is read, so its error shows at the report's
	 * next call that needs the connection: here the report's end. */
	g_free(r->report_id);
	r->report_id = g_strdup("bad-2");
	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	store_report_begin(st, r, &err);
	for (i = 0; i < 5000 && rc == 0; i++)
		rc = store_report_record(st, r, i == 4000 ? bad : good, &err);
	TAP_OK(rc == 0, "bad COPY chunk sent (%s)", err ? err->message : "");
	rc = store_report_end(st, r, NULL, &err);
	TAP_OK(rc < 0 && err && err->code == STORE_ERROR_DATA,
	    "invalid inet in COPY chunk: DATA at report end (%s)",
	    err ? err->message : "?");
	clear_err(&err);
	TAP_OK(store_report_abort(st, &err) == 0, "report abort after COPY error");
	store_message_end(st, &log, &err);
	TAP_OK(store_batch_commit(st, &err) == 0, "commit after COPY error (%s)",
	    err ? err->message : "");
	clear_err(&err);

	/* The bad chunk followed by another: the error shows when the next
	 * chunk is sent, and the message goes on. */
	g_free(r->report_id);
	r->report_id = g_strdup("bad-6");
	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	store_report_begin(st, r, &err);
	for (rc = 0, i = 0; i < 12000 && rc == 0; i++)
		rc = store_report_record(st, r, i == 10 ? bad : good, &err);
	TAP_OK(rc < 0 && i == 10000 && err && err->code == STORE_ERROR_DATA,
	    "invalid inet in the first chunk: DATA at the second's flush,"
	    " record %d (%s)", i, err ? err->message : "?");
	clear_err(&err);
	TAP_OK(store_report_abort(st, &err) == 0, "report abort after COPY error");
	TAP_OK(store_report_begin(st, r, &err) == 1,
	    "the same report again in the same message: new (%s)",
	    err ? err->message : "");
	clear_err(&err);
	for (rc = 0, i = 0; i < 6000 && rc == 0; i++)
		rc = store_report_record(st, r, good, &err);
	/* The message is aborted with a chunk in flight. */
	TAP_OK(rc == 0 && store_message_abort(st, &err) == 0,
	    "message abort with a COPY in flight (%s)", err ? err->message : "");
	clear_err(&err);
	TAP_OK(store_message_end(st, &log, &err) > 0 &&
	    store_batch_commit(st, &err) == 0, "logged and committed (%s)",
	    err ? err->message : "");
	clear_err(&err);
	TAP_IS(V(st, "SELECT count(*) FROM dmarc_report WHERE org_name = 'bad' AND report_id <> 'good-5'"), "0",
	    "nothing of the bad reports stored");

	/* Timestamps out of range: DATA at report begin. */
	r->date_begin = INT64_C(999999999999999);
	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	TAP_OK(store_report_begin(st, r, &err) < 0 && err &&
	    err->code == STORE_ERROR_DATA, "absurd date: DATA (%s)",
	    err ? err->message : "?");
	clear_err(&err);
	store_report_abort(st, &err);
	store_message_abort(st, &err);
	TAP_OK(store_message_end(st, &log, &err) > 0 &&
	    store_batch_commit(st, &err) == 0, "and the batch goes on");
	clear_err(&err);

	/* Read-only queries. */
	TAP_OK(store_query(st, "DELETE FROM ingest_log", &err) == NULL && err,
	    "store_query refuses writes (%s)", err ? err->message : "");
	clear_err(&err);
	TAP_OK(store_query(st, "SELECT 1; DELETE FROM ingest_log", &err) == NULL,
	    "store_query refuses several statements");
	clear_err(&err);
	TAP_OK(store_query(st, "SELECT * FROM no_such_table", &err) == NULL &&
	    err && err->code == STORE_ERROR_CONFIG, "undefined table: CONFIG");
	clear_err(&err);
	TAP_IS(V(st, "SELECT 'still works'"), "still works", "store usable after errors");
	report_free(r);
	rec_free(good);
	rec_free(bad);
}

static void
test_daily_spread(struct store *st)
{
	struct dmarc_report *r3 = report_new("spread", "s3", "spread.example",
	    utc(2024, 5, 1, 0, 0, 0), utc(2024, 5, 3, 23, 59, 59));
	struct dmarc_report *r1 = report_new("spread", "s1", "spread.example",
	    utc(2024, 5, 10, 0, 0, 0), utc(2024, 5, 10, 23, 59, 59));
	struct dmarc_report *rm = report_new("spread", "sm", "spread.example",
	    utc(2024, 5, 20, 0, 0, 0), utc(2024, 5, 21, 0, 0, 0));
	struct dmarc_record *c = rec_new("203.0.113.5", 10, "quarantine",
	    "pass", "fail", "spread.example");
	GError *err = NULL;

	store_one(st, r3, &c, 1, NULL, &err);
	store_one(st, r1, &c, 1, NULL, &err);
	store_one(st, rm, &c, 1, NULL, &err);
	TAP_IS(V(st, "SELECT string_agg(day || '=' || messages, ' ' ORDER BY day) FROM dmarc_daily_v WHERE policy_domain = 'spread.example' AND day < '2024-05-05'"),
	    "2024-05-01=3 2024-05-02=3 2024-05-03=4", "3-day report: 10 spread 3+3+4");
	TAP_IS(V(st, "SELECT sum(messages) || '/' || sum(dmarc_pass) || '/' || sum(quarantined) || '/' || sum(spf_pass) FROM dmarc_daily_v WHERE policy_domain = 'spread.example' AND day < '2024-05-05'"),
	    "10/10/10/0", "spread sums exactly, per column");
	TAP_IS(V(st, "SELECT string_agg(day || '=' || messages, ' ') FROM dmarc_daily_v WHERE policy_domain = 'spread.example' AND day BETWEEN '2024-05-09' AND '2024-05-11'"),
	    "2024-05-10=10", "00:00:00-23:59:59 report stays on its day");
	TAP_IS(V(st, "SELECT string_agg(day || '=' || messages, ' ') FROM dmarc_daily_v WHERE policy_domain = 'spread.example' AND day BETWEEN '2024-05-19' AND '2024-05-22'"),
	    "2024-05-20=10", "report ending at next midnight stays on its day");
	TAP_IS(V(st, "SELECT count(*) FROM dmarc_record c JOIN dmarc_report r ON r.id = c.report_id WHERE r.report_id = 's3' AND c.count = 10"),
	    "1", "stored record untouched");

	/* Noon to noon: half and half, floors add up. */
	r1->date_begin = utc(2024, 5, 12, 12, 0, 0);
	r1->date_end = utc(2024, 5, 13, 12, 0, 0);
	c->count = 7;
	store_one(st, r1, &c, 1, NULL, &err);
	TAP_IS(V(st, "SELECT string_agg(day || '=' || messages, ' ' ORDER BY day) FROM dmarc_daily_v WHERE policy_domain = 'spread.example' AND day BETWEEN '2024-05-12' AND '2024-05-13'"),
	    "2024-05-12=3 2024-05-13=4", "noon to noon: 7 as 3+4");
	/* A huge count takes the numeric path and still adds up. */
	rm->date_begin = utc(2024, 5, 25, 6, 0, 0);
	rm->date_end = utc(2024, 5, 27, 18, 0, 0);
	c->count = INT64_C(9000000000000000000);
	store_one(st, rm, &c, 1, NULL, &err);
	TAP_IS(V(st, "SELECT sum(messages) || '/' || count(*) FROM dmarc_daily_v WHERE policy_domain = 'spread.example' AND day BETWEEN '2024-05-25' AND '2024-05-27'"),
	    "9000000000000000000/3", "count near 2^63 spreads exactly over 3 days");
	/* A report claiming ten years stays on its first day. */
	r3->date_begin = utc(2020, 1, 1, 0, 0, 0);
	r3->date_end = utc(2030, 1, 1, 0, 0, 0);
	c->count = 5;
	store_one(st, r3, &c, 1, NULL, &err);
	TAP_IS(V(st, "SELECT string_agg(day || '=' || messages, ' ') FROM dmarc_daily_v WHERE policy_domain = 'spread.example' AND day < '2024-01-01'"),
	    "2020-01-01=5", "10-year report: on its first day, not spread");
	report_free(r3);
	report_free(r1);
	report_free(rm);
	rec_free(c);
}

static const char *
cell(struct store_table *t, guint row, guint col)
{
	if (t == NULL || row >= t->rows->len)
		return "<none>";
	return g_ptr_array_index((GPtrArray *)g_ptr_array_index(t->rows, row), col);
}

static char *
row_text(struct store_table *t, guint row)
{
	GString *s = g_string_new(NULL);
	guint c;

	if (t == NULL || row >= t->rows->len)
		return g_string_free(s, FALSE);
	for (c = 0; c < t->columns->len; c++) {
		const char *v = cell(t, row, c);

		g_string_append_printf(s, "%s%s", c ? "|" : "", v ? v : "-");
	}
	return g_string_free(s, FALSE);
}

#define ROW_IS(t, i, want, what) do { char *r_ = row_text(t, i); \
	TAP_IS(r_, want, what); g_free(r_); } while (0)

static void
test_queries(struct store *st)
{
	struct dmarc_report *d1 = report_new("Rep A", "q1", "trend.example",
	    utc(2024, 6, 1, 0, 0, 0), utc(2024, 6, 1, 23, 59, 59));
	struct dmarc_report *d2 = report_new("Rep B", "q2", "trend.example",
	    utc(2024, 6, 2, 0, 0, 0), utc(2024, 6, 2, 23, 59, 59));
	struct dmarc_record *a[2], *b[2];
	struct store_filter f = { 0, "trend.example", NULL };
	struct store_table *t;
	GError *err = NULL;

	a[0] = rec_new("192.0.2.1", 10, "none", "pass", "fail", "trend.example");
	a[1] = rec_new("198.51.100.2", 5, "reject", "fail", "fail", "trend.example");
	b[0] = rec_new("192.0.2.1", 4, "none", "fail", "pass", "trend.example");
	b[1] = rec_new("192.0.2.1", 2, "quarantine", "fail", "fail", "trend.example");
	store_one(st, d1, a, 2, NULL, &err);
	store_one(st, d2, b, 2, NULL, &err);

	t = store_trend_by_ip(st, &f, &err);
	TAP_OK(t && t->rows->len == 3, "trend by ip: 3 rows (%s)", err ? err->message : "");
	TAP_IS(t ? (char *)g_ptr_array_index(t->columns, 6) : NULL, "pass_pct", "column 7 is pass_pct");
	ROW_IS(t, 0, "2024-06-01|192.0.2.1|-|10|10|0|100.0|10|0|0|0|0|0|0", "2024-06-01 192.0.2.1");
	ROW_IS(t, 1, "2024-06-01|198.51.100.2|-|5|0|5|0.0|0|0|0|5|0|0|0", "2024-06-01 198.51.100.2");
	ROW_IS(t, 2, "2024-06-02|192.0.2.1|-|6|4|2|66.7|0|4|2|0|0|0|0", "2024-06-02 192.0.2.1");
	store_table_free(t);

	f.ip = "192.0.2.0/24";
	t = store_trend_by_ip(st, &f, &err);
	TAP_OK(t && t->rows->len == 2, "ip filter by network: 2 rows");
	store_table_free(t);
	f.ip = "198.51.100.2";
	t = store_trend_by_ip(st, &f, &err);
	TAP_OK(t && t->rows->len == 1, "ip filter by address: 1 row");
	store_table_free(t);
	f.ip = NULL;
	f.since = utc(2024, 6, 2, 12, 0, 0);
	t = store_trend_by_ip(st, &f, &err);
	TAP_OK(t && t->rows->len == 1, "since filter: from that day");
	store_table_free(t);
	f.since = 0;

	t = store_trend_by_day(st, &f, &err);
	ROW_IS(t, 0, "2024-06-01|15|10|5|66.7|10|0|0|5|0|0|0", "trend by day 1");
	ROW_IS(t, 1, "2024-06-02|6|4|2|66.7|0|4|2|0|0|0|0", "trend by day 2");
	TAP_OK(t && t->rows->len == 2, "trend by day: 2 rows");
	store_table_free(t);

	t = store_sources(st, &f, &err);
	ROW_IS(t, 0, "192.0.2.1|16|14|2|87.5|2|2|2024-06-01|2024-06-02"
	    "|-|-|-|-|-|-|-|-", "sources: top, nothing enriched yet");
	ROW_IS(t, 1, "198.51.100.2|5|0|5|0.0|1|1|2024-06-01|2024-06-01"
	    "|-|-|-|-|-|-|-|-", "sources: second");
	store_table_free(t);

	f.since = utc(2024, 6, 2, 0, 0, 0);
	t = store_reports(st, &f, &err);
	TAP_OK(t && t->rows->len == 1, "reports since: 1 (date_end >= since)");
	store_table_free(t);
	f.since = 0;
	t = store_reports(st, &f, &err);
	{
		char *want = g_strdup_printf("Rep B|-|q2|trend.example|"
		    "2024-06-02 00:00:00+00|2024-06-02 23:59:59+00|2|6|%s",
		    cell(t, 0, 8));

		ROW_IS(t, 0, want, "reports: newest first");
		g_free(want);
	}
	TAP_IS(t ? (char *)g_ptr_array_index(t->columns, 0) : NULL, "org_name", "reports columns");
	TAP_OK(t && t->rows->len == 2, "reports: 2");
	store_table_free(t);
	f.ip = "198.51.100.0/24";
	t = store_reports(st, &f, &err);
	TAP_OK(t && t->rows->len == 1 && strcmp(cell(t, 0, 2), "q1") == 0,
	    "reports with a record from the ip");
	store_table_free(t);

	f.ip = "not an ip";
	t = store_trend_by_ip(st, &f, &err);
	TAP_OK(t == NULL && err && err->code == STORE_ERROR_DATA,
	    "bad ip filter: DATA error (%s)", err ? err->message : "");
	clear_err(&err);

	report_free(d1);
	report_free(d2);
	rec_free(a[0]); rec_free(a[1]); rec_free(b[0]); rec_free(b[1]);
}

/* Two ingesters, the same report: the second waits, then sees it.  B runs
 * in a thread with its own connection. */
static gpointer
ingester_b(gpointer r)
{
	struct store *b = store_open(fixture_conninfo, NULL);
	int got = -1;

	if (b && store_batch_begin(b, NULL) == 0 &&
	    store_message_begin(b, NULL) == 0)
		got = store_report_begin(b, r, NULL);
	store_close(b);
	return GINT_TO_POINTER(got + 10);
}

static void
test_race(struct store *st, gboolean commit_first)
{
	const char *rid = commit_first ? "race-commit" : "race-rollback";
	struct dmarc_report *r = report_new("race", rid, "race.example", 0, 100);
	struct store_ingest_log log = { 0 };
	struct store *c;
	GError *err = NULL;
	int i, got, waiting = 0;
	GThread *th;

	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	TAP_OK(store_report_begin(st, r, &err) == 1, "A inserts %s uncommitted", rid);
	th = g_thread_new("ingester-b", ingester_b, r);
	c = store_open(fixture_conninfo, NULL);
	for (i = 0; i < 200 && !waiting; i++) {
		waiting = N(c, "SELECT count(*) FROM pg_stat_activity"
		    " WHERE datname = '%s' AND wait_event_type = 'Lock'",
		    fixture_dbname) > 0;
		if (!waiting)
			g_usleep(50000);
	}
	store_close(c);
	TAP_OK(waiting, "B waits on A's uncommitted report");
	if (commit_first) {
		store_report_end(st, r, NULL, &err);
		log.outcome = STORE_OUTCOME_STORED;
		store_message_end(st, &log, &err);
		store_batch_commit(st, &err);
	} else
		store_batch_rollback(st);
	got = GPOINTER_TO_INT(g_thread_join(th)) - 10;
	if (commit_first)
		TAP_OK(got == 0, "A commits: B gets duplicate (0), got %d", got);
	else
		TAP_OK(got == 1, "A rolls back: B gets new (1), got %d", got);
	clear_err(&err);
	report_free(r);
}

/* ---- quoting of the lists of a record ----
 *
 * A DKIM or SPF result or an override reason is a composite value in an
 * array column (sql/001_core.sql).  On its way it is quoted as a composite
 * field, then as an array element, then either as an element of a text[]
 * parameter (small reports) or as COPY text (big ones).  Each string below
 * means something to one of those layers, or to SQL. */
static const char *const HOSTILE[] = {
	NULL, "", " ", "\"", "\\", "\\\"", "\"\"", "\\\\", ",", "(", ")",
	"()", "{", "}", "{a,\"b\"}", "a,b)(c", "\t", "\n", "\r\n", "\\N",
	"\\.", "NULL", "  spaced  ", "'); DROP TABLE x; --", "$$", "E'\\x41'",
	"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7 \xe6\x97\xa5\xe6\x9c\xac",
	"all: \"q\" \\b, (p) {c} \t\n\r 'a' \xc3\xa9 \\\\N",
};
#define NH G_N_ELEMENTS(HOSTILE)
#define H(i) HOSTILE[(i) % NH]

/* Field f of element e of record k's DKIM list; SPF and reasons likewise
 * with their own offsets, so every field sees every string. */
#define DKIM_F(k, e, f) H((k) + 4 * (e) + (f))
#define SPF_F(k, f) H((k) + 7 + (f))
#define REASON_F(k, f) H((k) + 13 + (f))

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* How many fields of res (rows of n fields) differ from want; the first
 * differences are shown. */
static int
diff_row(const char *what, int row, const char *const *got,
    const char *const *want, int n, int *shown)
{
	int f, bad = 0;

	for (f = 0; f < n; f++) {
		if (same(got[f], want[f]))
			continue;
		bad++;
		if ((*shown)++ < 5)
			printf("#   %s row %d field %d: got %s%s%s, want %s%s%s\n",
			    what, row, f, got[f] ? "'" : "", got[f] ? got[f] :
			    "NULL", got[f] ? "'" : "", want[f] ? "'" : "",
			    want[f] ? want[f] : "NULL", want[f] ? "'" : "");
	}
	return bad;
}

/* The encoder alone against PostgreSQL's own parser: the literal goes as
 * a parameter, and the server takes it apart again. */
static void
test_quoting_literal(void)
{
	PGconn *c = PQconnectdb(fixture_conninfo);
	GString *lit = g_string_new(NULL);
	const char *v[1];
	PGresult *res;
	guint k;
	int f, bad = 0, shown = 0;

	for (k = 0; k < NH; k++) {
		const char *fl[4] = { H(k), H(k + 1), H(k + 2), H(k + 3) };

		g_string_append_c(lit, k > 0 ? ',' : '{');
		pg_composite_elem(lit, fl, 4);
	}
	g_string_append_c(lit, '}');
	v[0] = lit->str;
	res = PQexecParams(c, "SELECT d.domain, d.selector, d.result,"
	    " d.human_result FROM unnest($1::dmarc_dkim_result[])"
	    " WITH ORDINALITY AS d(domain, selector, result, human_result, n)"
	    " ORDER BY n", 1, NULL, v, NULL, NULL, 0);
	TAP_OK(PQresultStatus(res) == PGRES_TUPLES_OK &&
	    PQntuples(res) == (int)NH, "composite array literal of %u hostile"
	    " elements parsed by PostgreSQL (%s)", (unsigned)NH,
	    PQresultErrorMessage(res));
	for (k = 0; PQresultStatus(res) == PGRES_TUPLES_OK &&
	    k < (guint)PQntuples(res); k++) {
		const char *got[4], *want[4] = { H(k), H(k + 1), H(k + 2),
		    H(k + 3) };

		for (f = 0; f < 4; f++)
			got[f] = PQgetisnull(res, k, f) ? NULL :
			    PQgetvalue(res, k, f);
		bad += diff_row("literal", k, got, want, 4, &shown);
	}
	TAP_OK(bad == 0, "every field back verbatim, NULL as NULL, '' as ''"
	    " (%d differ)", bad);
	PQclear(res);

	/* NULL and the empty string stay apart in the literal itself. */
	{
		const char *fl[2] = { NULL, "" };

		g_string_truncate(lit, 0);
		pg_composite_elem(lit, fl, 2);
		TAP_IS(lit->str, "\"(,\\\"\\\")\"",
		    "NULL field empty, empty string quoted");
	}
	g_string_free(lit, TRUE);
	PQfinish(c);
}

static struct dmarc_record *
hostile_record(guint k)
{
	struct dmarc_record *c = rec_new("192.0.2.77", 1, "none", "pass",
	    "fail", H(k));

	add_dkim(c, DKIM_F(k, 0, 0), DKIM_F(k, 0, 1), DKIM_F(k, 0, 2),
	    DKIM_F(k, 0, 3));
	add_dkim(c, DKIM_F(k, 1, 0), DKIM_F(k, 1, 1), DKIM_F(k, 1, 2),
	    DKIM_F(k, 1, 3));
	add_spf(c, SPF_F(k, 0), SPF_F(k, 1), SPF_F(k, 2), SPF_F(k, 3));
	add_reason(c, REASON_F(k, 0), REASON_F(k, 1));
	return c;
}

/* Records first..first+NH-1 of report pk hold hostile_record(0..NH-1):
 * compare them through the three views.  Returns the differences. */
static int
check_hostile(struct store *st, const char *pk, int first,
    const char *what)
{
	static const struct {
		const char *sql;
		int nf, per;	/* fields, elements per record */
	} views[] = {
		{ "SELECT rec_no, idx, domain, selector, result, human_result"
		  " FROM dmarc_dkim_v", 4, 2 },
		{ "SELECT rec_no, idx, domain, scope, result, human_result"
		  " FROM dmarc_spf_v", 4, 1 },
		{ "SELECT rec_no, idx, type, comment FROM dmarc_reason_v", 2, 1 },
	};
	GError *err = NULL;
	int bad = 0, shown = 0;
	size_t w;

	for (w = 0; w < G_N_ELEMENTS(views); w++) {
		char *sql = g_strdup_printf("%s WHERE report_pk = %s AND rec_no"
		    " BETWEEN %d AND %d ORDER BY rec_no, idx", views[w].sql, pk,
		    first, first + (int)NH - 1);
		struct store_table *t = store_query(st, sql, &err);
		guint r;

		g_free(sql);
		if (t == NULL || t->rows->len != NH * views[w].per) {
			printf("#   %s view %zu: %u rows (%s)\n", what, w,
			    t ? t->rows->len : 0, err ? err->message : "");
			clear_err(&err);
			store_table_free(t);
			bad++;
			continue;
		}
		for (r = 0; r < t->rows->len; r++) {
			GPtrArray *row = g_ptr_array_index(t->rows, r);
			guint k = r / views[w].per, e = r % views[w].per;
			const char *got[4], *want[4];
			char pos[32], wpos[32];
			int f;

			for (f = 0; f < views[w].nf; f++) {
				got[f] = g_ptr_array_index(row, 2 + f);
				want[f] = w == 0 ? DKIM_F(k, e, f) :
				    w == 1 ? SPF_F(k, f) : REASON_F(k, f);
			}
			snprintf(pos, sizeof(pos), "%s/%s",
			    (char *)g_ptr_array_index(row, 0),
			    (char *)g_ptr_array_index(row, 1));
			snprintf(wpos, sizeof(wpos), "%d/%u", first + (int)k,
			    e + 1);
			if (strcmp(pos, wpos) != 0) {
				printf("#   %s view %zu: at %s, want %s\n", what,
				    w, pos, wpos);
				bad++;
			}
			bad += diff_row(what, (int)r, got, want, views[w].nf,
			    &shown);
		}
		store_table_free(t);
	}
	return bad;
}

static void
test_quoting(struct store *st)
{
	struct dmarc_report *r = report_new("quote", "small", "quote.example",
	    utc(2024, 8, 1, 0, 0, 0), utc(2024, 8, 1, 23, 59, 59));
	struct dmarc_record *c[NH], *plain;
	struct store_ingest_log log = { 0 };
	GError *err = NULL;
	const char *pk;
	guint k;
	int i, ok = 1, n = 5000 + (int)NH;

	test_quoting_literal();
	for (k = 0; k < NH; k++)
		c[k] = hostile_record(k);

	/* Small: the rows go as text[] parameters of the report's end. */
	TAP_OK(store_one(st, r, c, NH, NULL, &err) == 1, "small report with"
	    " hostile lists stored (%s)", err ? err->message : "");
	clear_err(&err);
	pk = V(st, "SELECT report_pk FROM dmarc_report_v WHERE report_id = 'small' AND org_name = 'quote'");
	TAP_OK(check_hostile(st, pk, 1, "small") == 0,
	    "small report: every DKIM, SPF and reason field verbatim");

	/* Middling: from 50 records on, the report's end sends them by COPY
	 * too (report.c). */
	{
		struct dmarc_record *twice[2 * NH];

		for (k = 0; k < 2 * NH; k++)
			twice[k] = c[k % NH];
		g_free(r->report_id);
		r->report_id = g_strdup("middling");
		TAP_OK(2 * NH >= 50 && store_one(st, r, twice, 2 * NH, NULL,
		    &err) == 1, "report of %u records with hostile lists stored"
		    " (%s)", (unsigned)(2 * NH), err ? err->message : "");
		clear_err(&err);
		pk = V(st, "SELECT report_pk FROM dmarc_report_v WHERE report_id = 'middling' AND org_name = 'quote'");
		TAP_OK(check_hostile(st, pk, 1, "end COPY") == 0 &&
		    check_hostile(st, pk, NH + 1, "end COPY") == 0,
		    "records sent by COPY at the end: every field verbatim");
	}

	/* Big: the first NH records go in the first COPY chunk, the last NH
	 * with the report's end. */
	plain = rec_new("192.0.2.78", 1, "none", "pass", "pass", "q.example");
	add_dkim(plain, "q.example", "s", "pass", NULL);
	g_free(r->report_id);
	r->report_id = g_strdup("big");
	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	TAP_OK(store_report_begin(st, r, &err) == 1, "big quoting report begun");
	for (i = 0; i < n && ok; i++)
		ok = store_report_record(st, r, i < (int)NH ? c[i] :
		    i >= 5000 ? c[i - 5000] : plain, &err) == 0;
	ok = ok && store_report_end(st, r, NULL, &err) == 0;
	log.outcome = STORE_OUTCOME_STORED;
	ok = ok && store_message_end(st, &log, &err) > 0;
	ok = ok && store_batch_commit(st, &err) == 0;
	TAP_OK(ok, "big report with hostile lists stored (%s)",
	    err ? err->message : "");
	if (!ok)
		store_batch_rollback(st);
	clear_err(&err);
	pk = V(st, "SELECT report_pk FROM dmarc_report_v WHERE report_id = 'big' AND org_name = 'quote'");
	TAP_OK(check_hostile(st, pk, 1, "COPY") == 0,
	    "big report, COPY chunk: every field verbatim");
	TAP_OK(check_hostile(st, pk, 5001, "tail") == 0,
	    "big report, rows sent with the end: every field verbatim");
	TAP_IS(V(st, "SELECT count(*) || '/' || count(dkim) || '/' || count(spf) || '/' || count(reasons) FROM dmarc_record WHERE report_id = %s", pk),
	    V(st, "SELECT '%d/%d/%d/%d'", n, n, 2 * (int)NH, 2 * (int)NH),
	    "empty lists are NULL, not '{}'");
	TAP_IS(V(st, "SELECT count(*) FROM dmarc_record WHERE dkim = '{}' OR spf = '{}' OR reasons = '{}'"),
	    "0", "no empty arrays stored");
	/* dmarc_record's month partitions are tables too, not counted. */
	TAP_IS(V(st, "SELECT count(*) FROM pg_class WHERE relkind IN ('r', 'p') AND NOT relispartition AND (relname = 'x' OR relname LIKE 'dmarc%%')"),
	    "5", "tables intact: dmarc_report, dmarc_report_raw, dmarc_record,"
	    " dmarc_daily, dmarc_daily_domain");

	for (k = 0; k < NH; k++)
		rec_free(c[k]);
	rec_free(plain);
	report_free(r);
}

/* Deleting a report takes its records, lists and all. */
static void
test_cascade(struct store *st)
{
	PGconn *c = PQconnectdb(fixture_conninfo);
	PGresult *res = PQexec(c, "DELETE FROM dmarc_report"
	    " WHERE org_name = 'quote' AND report_id = 'big'");

	TAP_OK(PQresultStatus(res) == PGRES_COMMAND_OK &&
	    strcmp(PQcmdTuples(res), "1") == 0, "delete a report (%s)",
	    PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(c);
	TAP_IS(V(st, "SELECT count(*) FROM dmarc_record c LEFT JOIN dmarc_report r ON r.id = c.report_id WHERE r.id IS NULL"),
	    "0", "its records went with it (ON DELETE CASCADE)");
	TAP_IS(V(st, "SELECT count(*) FROM dmarc_dkim_v WHERE report_pk NOT IN (SELECT id FROM dmarc_report)"),
	    "0", "and its DKIM results");
}

/* The views keep the columns and types they had as tables. */
static void
test_view_shape(struct store *st)
{
	const char *q = "SELECT string_agg(column_name || ':' || data_type, ','"
	    " ORDER BY ordinal_position) FROM information_schema.columns"
	    " WHERE table_name = '%s'";

	TAP_IS(V(st, q, "dmarc_dkim_v"), "report_pk:bigint,rec_no:integer,"
	    "idx:integer,domain:text,selector:text,result:text,"
	    "human_result:text", "dmarc_dkim_v columns");
	TAP_IS(V(st, q, "dmarc_spf_v"), "report_pk:bigint,rec_no:integer,"
	    "idx:integer,domain:text,scope:text,result:text,"
	    "human_result:text", "dmarc_spf_v columns");
	TAP_IS(V(st, q, "dmarc_reason_v"), "report_pk:bigint,rec_no:integer,"
	    "idx:integer,type:text,comment:text", "dmarc_reason_v columns");
	TAP_IS(V(st, "SELECT count(*) FROM pg_description d JOIN pg_class c ON c.oid = d.objoid WHERE c.relname IN ('dmarc_dkim_v', 'dmarc_spf_v', 'dmarc_reason_v')"),
	    "22", "every view and column commented");
}

static void
test_big(struct store *st)
{
	struct dmarc_report *r = report_new("big", "big-1", "big.example",
	    utc(2024, 7, 1, 0, 0, 0), utc(2024, 7, 1, 23, 59, 59));
	struct dmarc_record *c = rec_new("192.0.2.200", 1, "none", "pass",
	    "pass", "big.example");
	struct dmarc_record *s = rec_new("2001:db8::7", 2, "none", "fail",
	    "fail", SPECIAL);
	struct store_ingest_log log = { 0 };
	GError *err = NULL;
	int i, ok = 1, n = 200000;

	add_dkim(c, "big.example", "sel", "pass", NULL);
	add_spf(c, "big.example", "mfrom", "pass", NULL);
	add_dkim(s, SPECIAL, "sel", "fail", SPECIAL);
	s->fixups = strv(SPECIAL, "x", NULL);
	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	TAP_OK(store_report_begin(st, r, &err) == 1, "big report begun");
	for (i = 1; i <= n && ok; i++)
		ok = store_report_record(st, r, i == 1 || i == 123457 ? s : c,
		    &err) == 0;
	TAP_OK(ok, "200000 records through chunked COPY (%s)",
	    err ? err->message : "");
	TAP_OK(store_report_end(st, r, NULL, &err) == 0, "big report end");
	log.outcome = STORE_OUTCOME_STORED;
	log.records = n;
	store_message_end(st, &log, &err);
	TAP_OK(store_batch_commit(st, &err) == 0, "big commit (%s)",
	    err ? err->message : "");
	clear_err(&err);
	TAP_IS(V(st, "SELECT records || '/' || messages FROM dmarc_report_v WHERE report_id = 'big-1'"),
	    "200000/200002", "record and message counts");
	TAP_IS(V(st, "SELECT count(*) || '/' || sum(count) FROM dmarc_record_v WHERE report_id = 'big-1'"),
	    "200000/200002", "all records stored");
	TAP_IS(V(st, "SELECT count(*) FROM dmarc_dkim_v d JOIN dmarc_report r ON r.id = d.report_pk WHERE r.report_id = 'big-1'"),
	    "200000", "all dkim rows stored");
	TAP_IS(V(st, "SELECT string_agg(rec_no::text, ',' ORDER BY rec_no) FROM dmarc_record_v WHERE report_id = 'big-1' AND header_from = $$%s$$", SPECIAL),
	    "1,123457", "special chars via COPY: found verbatim at the right rec_no");
	TAP_IS(V(st, "SELECT fixups[1] FROM dmarc_record_v WHERE report_id = 'big-1' AND rec_no = 123457"),
	    SPECIAL, "array through COPY verbatim");
	TAP_IS(V(st, "SELECT human_result FROM dmarc_dkim_v d JOIN dmarc_report r ON r.id = d.report_pk WHERE r.report_id = 'big-1' AND d.rec_no = 1"),
	    SPECIAL, "dkim special chars via COPY");
	TAP_IS(V(st, "SELECT source_ip FROM dmarc_record_v WHERE report_id = 'big-1' AND rec_no = 123457"),
	    "2001:db8::7", "IPv6 via COPY");
	TAP_IS(V(st, "SELECT max(rec_no) FROM dmarc_record_v WHERE report_id = 'big-1'"),
	    "200000", "rec_no runs 1..200000");
	report_free(r);
	rec_free(c);
	rec_free(s);
}

/* The server drops us mid-batch: TRANSIENT, then the next batch works. */
static void
test_connection_lost(struct store *st)
{
	struct dmarc_report *r = report_new("lost", "lost-1", "lost.example", 0, 100);
	const char *pid = V(st, "SELECT pg_backend_pid()");
	GError *err = NULL;
	char *sql;

	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	sql = g_strdup_printf("SELECT pg_terminate_backend(%s)", pid);
	fixture_admin(NULL, sql);
	g_free(sql);
	g_usleep(100000);
	TAP_OK(store_report_begin(st, r, &err) < 0 && err &&
	    err->code == STORE_ERROR_TRANSIENT, "killed connection: TRANSIENT (%s)",
	    err ? err->message : "?");
	clear_err(&err);
	store_batch_rollback(st);
	TAP_OK(store_one(st, r, NULL, 0, NULL, &err) == 1,
	    "next batch reconnects and stores (%s)", err ? err->message : "");
	clear_err(&err);
	report_free(r);
}

int
main(void)
{
	struct store *st;
	GError *err = NULL;

	garbage = g_ptr_array_new_with_free_func(g_free);
	if (fixture_db_create("store_test") < 0)
		return 1;

	test_connect_errors();

	g_setenv("MAILSIFT_DB", fixture_conninfo, TRUE);
	st = store_open(NULL, &err);
	g_unsetenv("MAILSIFT_DB");
	TAP_OK(st != NULL, "open via MAILSIFT_DB (%s)", err ? err->message : "");
	if (st == NULL)
		return tap_done();
	TAP_IS(V(st, "SELECT current_database()"), fixture_dbname, "connected to the test database");

	test_unmigrated(st);
	test_migrate(st);
	test_migrate_concurrent();
	test_roundtrip(st);
	test_gzip_kept(st);
	test_duplicates(st);
	test_aborts(st);
	test_quarantine(st);
	test_data_errors(st);
	test_daily_spread(st);
	test_queries(st);
	test_race(st, TRUE);
	test_race(st, FALSE);
	test_big(st);
	test_quoting(st);
	test_view_shape(st);
	test_cascade(st);
	test_connection_lost(st);

	store_close(st);
	TAP_OK(fixture_db_drop() == 0, "drop test database");
	g_ptr_array_free(garbage, TRUE);
	return tap_done();
}
