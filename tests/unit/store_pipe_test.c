/* store_pipe_test.c - pipelined batches (store_set_pipelined) against a real
 * PostgreSQL, in a database of its own.
 *
 * What ingest relies on: duplicates are still told at store_report_begin,
 * within a batch too; a report that fails half way leaves nothing; a
 * refusal shows as TRANSIENT at some later call, and the retry of the
 * batch runs safely (errors where they belong, as store_test checks), the
 * batch after it pipelined again; a report stored by another ingester
 * between our begin and our commit makes the batch retry, and the retry
 * sees the duplicate; big reports stream in chunks; a long batch of
 * messages without reports does not block both ends.
 *
 * Needs a server reachable through the PG* variables, like store_test.
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "tap.h"
#include "store_fixture.h"



/* First value of a query on a connection of its own, as a number (-1 on
 * error or no row). */
static int64_t
N(const char *sql)
{
	PGconn *c = PQconnectdb(fixture_conninfo);
	PGresult *res = PQexec(c, sql);
	int64_t v = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 &&
	    !PQgetisnull(res, 0, 0))
		v = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	else if (PQresultStatus(res) != PGRES_TUPLES_OK)
		printf("# %s: %s", sql, PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);
	return v;
}

static struct dmarc_report *
report_new(const char *org, const char *id, int64_t b, int64_t e)
{
	struct dmarc_report *r = g_new0(struct dmarc_report, 1);

	r->org_name = g_strdup(org);
	r->report_id = g_strdup(id);
	r->policy.domain = g_strdup("pipe.example");
	r->policy.p = g_strdup("none");
	r->policy.pct = -1;
	r->date_begin = b;
	r->date_end = e;
	return r;
}

static void
report_free(struct dmarc_report *r)
{
	g_free(r->org_name); g_free(r->report_id); g_free(r->generator);
	g_free(r->policy.domain); g_free(r->policy.p);
	g_free(r);
}

static struct dmarc_record *
rec_new(const char *ip, int64_t count)
{
	struct dmarc_record *c = g_new0(struct dmarc_record, 1);

	c->source_ip = g_strdup(ip);
	c->count = count;
	c->disposition = g_strdup("none");
	c->header_from = g_strdup("pipe.example");
	return c;
}

static void
rec_free(struct dmarc_record *c)
{
	g_free(c->source_ip); g_free(c->disposition); g_free(c->header_from);
	g_free(c);
}

static void
clear_err(GError **err)
{
	if (*err)
		printf("# error: %s\n", (*err)->message);
	g_clear_error(err);
}

/* One message with report r of n records (all good, or the k-th with a
 * bad address) inside the open batch.  Returns what store_report_begin
 * returned, or -1. */
static int
message(struct store *st, struct dmarc_report *r, int n, int bad,
    GError **err)
{
	struct store_ingest_log log = { .source = "pipe" };
	struct dmarc_record *good = rec_new("192.0.2.1", 2);
	struct dmarc_record *wrong = rec_new("192.0.2.300", 1);
	int i, got = -1;

	if (store_message_begin(st, err) < 0)
		goto out;
	if (r == NULL)
		got = 0;
	else if ((got = store_report_begin(st, r, err)) < 0)
		goto out;
	for (i = 0; got == 1 && i < n; i++)
		if (store_report_record(st, r, i == bad ? wrong : good,
		    err) < 0) {
			got = -1;
			goto out;
		}
	if (got == 1 && store_report_end(st, r, NULL, err) < 0) {
		got = -1;
		goto out;
	}
	log.outcome = r == NULL ? STORE_OUTCOME_NOT_REPORT : got ?
	    STORE_OUTCOME_STORED : STORE_OUTCOME_DUPLICATE;
	log.reports_stored = got == 1;
	log.reports_duplicate = got == 0 && r != NULL;
	log.records = got == 1 ? n : 0;
	if (store_message_end(st, &log, err) < 0)
		got = -1;
out:
	rec_free(good);
	rec_free(wrong);
	return got;
}

/* The four messages of test_batch: a, a again, b (no org), b again. */
static int
four(struct store *st, struct dmarc_report *a, struct dmarc_report *b,
    int *got, GError **err)
{
	got[0] = message(st, a, 3, -1, err);
	got[1] = message(st, a, 3, -1, err);
	got[2] = message(st, b, 1, -1, err);
	got[3] = message(st, b, 1, -1, err);
	return store_batch_commit(st, err);
}

static void
test_batch(struct store *st)
{
	struct dmarc_report *a = report_new("pipe", "a", 0, 86400);
	struct dmarc_report *b = report_new(NULL, "b", 0, 86400);
	struct dmarc_report *c = report_new("pipe", "c", 0, 86400);
	struct store_ingest_log log = { .source = "pipe",
	    .outcome = STORE_OUTCOME_NOT_REPORT };
	GError *err = NULL;
	int got[4], rc;

	/* Until a duplicate shows, reports are taken for new unasked: the
	 * second copy of a in the same batch makes the batch fail. */
	TAP_OK(store_batch_begin(st, &err) == 0, "pipelined batch begins");
	rc = four(st, a, b, got, &err);
	TAP_OK(rc < 0 && err && err->code == STORE_ERROR_TRANSIENT &&
	    got[0] == 1 && got[1] == 1, "a duplicate taken for new: "
	    "TRANSIENT at commit (%s)", err ? err->message : "");
	g_clear_error(&err);
	store_batch_rollback(st);
	TAP_OK(N("SELECT count(*) FROM dmarc_report") == 0 &&
	    N("SELECT count(*) FROM ingest_log") == 0, "nothing of it stored");

	/* The retry, safe. */
	TAP_OK(store_batch_begin(st, &err) == 0 && four(st, a, b, got,
	    &err) == 0, "the retry commits (%s)", err ? err->message : "");
	clear_err(&err);
	TAP_OK(got[0] == 1 && got[1] == 0 && got[2] == 1 && got[3] == 0,
	    "retry: new, duplicate within the batch, NULL org new, duplicate "
	    "(%d %d %d %d)", got[0], got[1], got[2], got[3]);
	TAP_OK(N("SELECT count(*) FROM dmarc_report WHERE org_name = 'pipe'"
	    " OR report_id = 'b'") == 2 &&
	    N("SELECT sum(record_count) FROM dmarc_report") == 4 &&
	    N("SELECT sum(message_count) FROM dmarc_report") == 8 &&
	    N("SELECT count(*) FROM dmarc_record") == 4,
	    "two reports, their counts, four records");
	TAP_OK(N("SELECT count(*) FROM ingest_log") == 4 &&
	    N("SELECT count(*) FROM ingest_log l JOIN dmarc_report r"
	    " ON r.ingest_id = l.id WHERE l.outcome = 'stored'") == 2,
	    "four log rows, the stored ones own their reports");

	/* Pipelined again, and now duplicates are looked up at begin, also
	 * the ones earlier in the same batch. */
	TAP_OK(store_batch_begin(st, &err) == 0 &&
	    message(st, a, 3, -1, &err) == 0 &&
	    message(st, c, 2, -1, &err) == 1 &&
	    message(st, c, 2, -1, &err) == 0 &&
	    store_message_begin(st, &err) == 0 &&
	    store_message_end(st, &log, &err) == 0 &&
	    store_batch_commit(st, &err) == 0, "then pipelined with lookups: "
	    "committed duplicate, new, duplicate in the batch; message end "
	    "returns 0, not the id (%s)", err ? err->message : "");
	clear_err(&err);
	TAP_OK(N("SELECT count(*) FROM dmarc_report") == 3 &&
	    N("SELECT count(*) FROM ingest_log") == 8, "three reports, eight "
	    "log rows");
	report_free(a);
	report_free(b);
	report_free(c);
}

static void
test_abort(struct store *st)
{
	struct dmarc_report *r = report_new("pipe", "aborted", 0, 86400);
	struct dmarc_report *k = report_new("pipe", "kept", 0, 86400);
	struct dmarc_record *c = rec_new("2001:db8::1", 5);
	struct store_ingest_log log = { .source = "pipe",
	    .outcome = STORE_OUTCOME_QUARANTINED, .reason = "parse error" };
	GError *err = NULL;
	int ok;

	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	ok = store_report_begin(st, k, &err) == 1 &&
	    store_report_record(st, k, c, &err) == 0 &&
	    store_report_end(st, k, NULL, &err) == 0 &&
	    store_report_begin(st, r, &err) == 1 &&
	    store_report_record(st, r, c, &err) == 0 &&
	    store_report_abort(st, &err) == 0;
	TAP_OK(ok, "report aborted half way after a good one");
	log.raw = g_bytes_new_static("raw", 3);
	TAP_OK(store_message_end(st, &log, &err) == 0 &&
	    store_batch_commit(st, &err) == 0, "quarantined, committed (%s)",
	    err ? err->message : "");
	g_bytes_unref(log.raw);
	clear_err(&err);
	TAP_OK(N("SELECT count(*) FROM dmarc_report WHERE report_id ="
	    " 'aborted'") == 0 && N("SELECT count(*) FROM dmarc_report"
	    " WHERE report_id = 'kept'") == 1 &&
	    N("SELECT count(*) FROM quarantine") == 1,
	    "nothing of the aborted report, the good one kept, raw kept");
	rec_free(c);
	report_free(r);
	report_free(k);
}

static void
test_refusal(struct store *st)
{
	struct dmarc_report *r = report_new("pipe", "refused", 0, 86400);
	struct dmarc_report *x = report_new("pipe", "absurd", 0, 86400);
	struct dmarc_report *o = report_new("pipe", "other", 0, 86400);
	struct store_ingest_log log = { .source = "pipe" };
	GError *err = NULL;
	int rc;

	/* A bad address: the server refuses the report's statement, which
	 * is read with a later round trip (here the commit). */
	store_batch_begin(st, &err);
	rc = message(st, o, 1, -1, &err);
	if (rc == 1)
		rc = message(st, r, 3, 1, &err);
	if (rc == 1)
		rc = store_batch_commit(st, &err);
	TAP_OK(rc < 0 && err && err->code == STORE_ERROR_TRANSIENT &&
	    strstr(err->message, "retrying") != NULL,
	    "refusal: TRANSIENT, retry (%s)", err ? err->message : "");
	clear_err(&err);
	store_batch_rollback(st);

	/* The retry is safe: the refusal is the message's own again. */
	store_batch_begin(st, &err);
	TAP_OK(message(st, o, 1, -1, &err) == 1, "retry: other report new");
	TAP_OK(store_message_begin(st, &err) == 0 &&
	    store_report_begin(st, r, &err) == 1, "retry: refused report begun");
	{
		struct dmarc_record *bad = rec_new("192.0.2.300", 1);

		store_report_record(st, r, bad, &err);
		rec_free(bad);
	}
	store_report_end(st, r, NULL, &err);
	log.outcome = STORE_OUTCOME_STORED;
	TAP_OK(store_message_end(st, &log, &err) < 0 && err &&
	    err->code == STORE_ERROR_DATA, "retry: DATA at its message end (%s)",
	    err ? err->message : "");
	clear_err(&err);
	log.outcome = STORE_OUTCOME_QUARANTINED;
	log.reason = "refused";
	log.raw = g_bytes_new_static("raw", 3);
	TAP_OK(store_message_abort(st, &err) == 0 &&
	    store_message_end(st, &log, &err) > 0 &&
	    store_batch_commit(st, &err) == 0, "retry: quarantined, committed");
	g_bytes_unref(log.raw);
	clear_err(&err);
	TAP_OK(N("SELECT count(*) FROM dmarc_report WHERE report_id ="
	    " 'refused'") == 0 && N("SELECT count(*) FROM dmarc_report"
	    " WHERE report_id = 'other'") == 1, "refused report absent, other "
	    "stored once");

	/* Pipelined again; a date the server cannot hold is told at begin
	 * without the server, and costs only its report. */
	store_batch_begin(st, &err);
	x->date_end = INT64_C(9999999999999);
	TAP_OK(store_message_begin(st, &err) == 0 &&
	    store_report_begin(st, x, &err) < 0 && err &&
	    err->code == STORE_ERROR_DATA, "absurd date: DATA at begin (%s)",
	    err ? err->message : "");
	clear_err(&err);
	log.raw = NULL;
	TAP_OK(store_message_end(st, &log, &err) == 0 &&
	    store_batch_commit(st, &err) == 0,
	    "pipelined again, the batch goes on (%s)", err ? err->message : "");
	clear_err(&err);
	report_free(r);
	report_free(x);
	report_free(o);
}

struct racer {
	struct dmarc_report *r;
	int begun, commit, retry;
};

static gpointer
racer_b(gpointer p)
{
	struct racer *x = p;
	struct store *b = store_open(fixture_conninfo, NULL);
	GError *err = NULL;

	store_set_pipelined(b, TRUE);
	store_batch_begin(b, &err);
	x->begun = message(b, x->r, 2, -1, &err);
	x->commit = store_batch_commit(b, &err) == 0 ? 0 :
	    err && err->code == STORE_ERROR_TRANSIENT ? 75 : -1;
	clear_err(&err);
	store_batch_rollback(b);
	store_batch_begin(b, &err);
	x->retry = message(b, x->r, 2, -1, &err);
	store_batch_commit(b, &err);
	clear_err(&err);
	store_close(b);
	return NULL;
}

static void
test_race(struct store *st)
{
	struct racer x = { report_new("pipe", "race", 0, 86400), -1, -1, -1 };
	struct store *a = store_open(fixture_conninfo, NULL);
	GError *err = NULL;
	GThread *th;
	int i, waiting = 0;

	/* A (safe) holds the report uncommitted; B (pipelined) looks it up,
	 * sees nothing yet, and its insert waits for A. */
	store_batch_begin(a, &err);
	TAP_OK(message(a, x.r, 1, -1, &err) == 1, "A stores the report, "
	    "uncommitted");
	th = g_thread_new("racer-b", racer_b, &x);
	for (i = 0; i < 200 && !waiting; i++) {
		waiting = N("SELECT count(*) FROM pg_stat_activity WHERE"
		    " wait_event_type = 'Lock' AND datname = current_database()")
		    > 0;
		if (!waiting)
			g_usleep(50000);
	}
	TAP_OK(waiting, "B waits on A");
	TAP_OK(store_batch_commit(a, &err) == 0, "A commits");
	clear_err(&err);
	g_thread_join(th);
	TAP_OK(x.begun == 1 && x.commit == 75 && x.retry == 0,
	    "B: new at begin, TRANSIENT at commit, duplicate on retry "
	    "(%d %d %d)", x.begun, x.commit, x.retry);
	TAP_OK(N("SELECT count(*) FROM dmarc_report WHERE report_id ="
	    " 'race'") == 1 && N("SELECT record_count FROM dmarc_report"
	    " WHERE report_id = 'race'") == 1, "stored once, A's copy");
	/* The check that made B retry is the client's: had B's COMMIT gone
	 * out behind it, B's first log row would be there too. */
	TAP_OK(N("SELECT count(*) FROM ingest_log l WHERE outcome = 'stored'"
	    " AND NOT EXISTS (SELECT 1 FROM dmarc_report r"
	    " WHERE r.ingest_id = l.id)") == 0, "no log row of B's first "
	    "attempt");
	store_close(a);
	report_free(x.r);
	(void)st;
}

static void
test_big(struct store *st)
{
	struct dmarc_report *r = report_new("pipe", "big", 0, 86400);
	struct dmarc_report *k = report_new("pipe", "big-aborted", 0, 86400);
	struct dmarc_record *c = rec_new("198.51.100.7", 1);
	struct store_ingest_log log = { .source = "pipe",
	    .outcome = STORE_OUTCOME_STORED };
	GError *err = NULL;
	int i, ok;

	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	ok = store_report_begin(st, k, &err) == 1;
	for (i = 0; ok && i < 7000; i++)
		ok = store_report_record(st, k, c, &err) == 0;
	ok = ok && store_report_abort(st, &err) == 0;
	TAP_OK(ok, "big report aborted after a chunk went out (%s)",
	    err ? err->message : "");
	clear_err(&err);
	ok = store_report_begin(st, r, &err) == 1;
	for (i = 0; ok && i < 12345; i++)
		ok = store_report_record(st, r, c, &err) == 0;
	r->generator = g_strdup("late generator");
	ok = ok && store_report_end(st, r, NULL, &err) == 0 &&
	    store_message_end(st, &log, &err) == 0 &&
	    store_batch_commit(st, &err) == 0;
	TAP_OK(ok, "big report streamed and committed (%s)",
	    err ? err->message : "");
	clear_err(&err);
	TAP_OK(N("SELECT count(*) FROM dmarc_report WHERE report_id ="
	    " 'big-aborted'") == 0 && N("SELECT count(*) FROM dmarc_record d"
	    " JOIN dmarc_report r ON r.id = d.report_id WHERE r.report_id ="
	    " 'big'") == 12345 && N("SELECT record_count FROM dmarc_report"
	    " WHERE report_id = 'big' AND generator = 'late generator'") ==
	    12345 && N("SELECT count(DISTINCT rec_no) FROM dmarc_record d"
	    " JOIN dmarc_report r ON r.id = d.report_id WHERE r.report_id ="
	    " 'big'") == 12345, "aborted one absent; big one whole, numbered, "
	    "late header fields kept");
	rec_free(c);
	report_free(r);
	report_free(k);
}

static void
test_many(struct store *st)
{
	GError *err = NULL;
	int i, ok;

	/* More results than may wait unread: q_defer syncs on the way. */
	ok = store_batch_begin(st, &err) == 0;
	for (i = 0; ok && i < 2000; i++)
		ok = message(st, NULL, 0, -1, &err) == 0;
	ok = ok && store_batch_commit(st, &err) == 0;
	TAP_OK(ok, "2,000 messages without reports in one batch (%s)",
	    err ? err->message : "");
	clear_err(&err);
	TAP_OK(N("SELECT count(*) FROM ingest_log WHERE outcome ="
	    " 'not_report'") == 2001, "all logged");
}

int
main(void)
{
	struct store *st;
	GError *err = NULL;

	if (fixture_db_create("store_pipe_test") < 0)
		return 1;
	st = store_open(fixture_conninfo, &err);
	TAP_OK(st != NULL && store_migrate(st, &err) > 0, "open and migrate "
	    "(%s)", err ? err->message : "");
	if (st == NULL)
		return tap_done();
	store_set_pipelined(st, TRUE);

	test_batch(st);
	test_abort(st);
	test_refusal(st);
	test_race(st);
	test_big(st);
	test_many(st);

	store_close(st);
	TAP_OK(fixture_db_drop() == 0, "drop test database");
	return tap_done();
}
