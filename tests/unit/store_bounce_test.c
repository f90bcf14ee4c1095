/* store_bounce_test.c - bounces in PostgreSQL: storing, duplicates, races,
 * the views and their join with DMARC, reclassify.
 *
 * Needs a server reachable through the PG* variables (tests/run.sh starts a
 * private one; by hand: tests/pg.sh start && eval "$(tests/pg.sh env)").
 * Creates store_bounce_test_<pid> and drops it at the end.  Bounces are
 * built by hand, as parse/bounce/bounce.h describes them: no parser involved,
 * except for reclassify, which must agree with bounce_classify whatever
 * its rules are.
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "parse/bounce/bounce.h"
#include "tap.h"
#include "store_fixture.h"
#include "store_rows.h"

static const char *
cell(const struct store_table *t, guint row, guint col)
{
	GPtrArray *r = g_ptr_array_index(t->rows, row);

	return col < r->len ? g_ptr_array_index(r, col) : NULL;
}

/* ---- hand-made bounces ---- */

static void
rcpt_free(gpointer p)
{
	struct bounce_recipient *r = p;

	g_free(r->recipient); g_free(r->original_recipient);
	g_free(r->action); g_free(r->status); g_free(r->remote_mta);
	g_free(r->diagnostic_type); g_free(r->diagnostic_code);
	g_free(r->smtp_command); g_free(r->feedback_type);
	g_free(r->mta_reason); g_free(r->rule);
	g_free(r->auth.sending_ip); g_free(r->auth.domain);
	g_free(r->auth.spf); g_free(r->auth.dkim); g_free(r->auth.dmarc);
	g_free(r);
}

static struct bounce_report *
bounce_new(enum bounce_kind kind, const char *mta, const char *queue_id,
    const char *orig_id, int64_t arrival)
{
	struct bounce_report *b = g_new0(struct bounce_report, 1);

	b->kind = kind;
	b->format = "rfc3464";
	b->reporting_mta = g_strdup(mta);
	b->queue_id = g_strdup(queue_id);
	b->arrival_date = arrival;
	b->subject = g_strdup("Undelivered Mail Returned to Sender");
	b->from = g_strdup("MAILER-DAEMON@mx.example.com (Mail Delivery System)");
	b->orig.message_id = g_strdup(orig_id);
	b->orig.from = g_strdup("Newsletter <news@example.com>");
	b->orig.to = g_strdup("someone@gmail.example");
	b->orig.subject = g_strdup("October news");
	b->orig.date = arrival ? arrival - 60 : 0;
	b->recipients = g_ptr_array_new_with_free_func(rcpt_free);
	return b;
}

static struct bounce_recipient *
rcpt_add(struct bounce_report *b, const char *rcpt, const char *status,
    int code, const char *diag, const char *reason, const char *auth_ip)
{
	struct bounce_recipient *r = g_new0(struct bounce_recipient, 1);

	r->recipient = g_strdup(rcpt);
	r->action = g_strdup(*status == '4' ? "delayed" : "failed");
	r->status = g_strdup(status);
	r->reply_code = code;
	r->remote_mta = g_strdup("gmail-smtp-in.l.google.com");
	r->diagnostic_type = g_strdup("smtp");
	r->diagnostic_code = g_strdup(diag);
	r->smtp_command = g_strdup("DATA");
	r->reason = reason;
	r->rule = g_strdup_printf("status:%s", status);
	r->hard_bounce = *status == '5';
	r->auth.sending_ip = g_strdup(auth_ip);
	if (auth_ip) {
		r->auth.domain = g_strdup("example.com");
		r->auth.spf = g_strdup("fail");
		r->auth.dkim = g_strdup("fail");
	}
	g_ptr_array_add(b->recipients, r);
	return r;
}

static void
bounce_free(struct bounce_report *b)
{
	g_free(b->reporting_mta); g_free(b->queue_id); g_free(b->subject);
	g_free(b->from);
	g_free(b->orig.message_id); g_free(b->orig.from); g_free(b->orig.to);
	g_free(b->orig.subject); g_free(b->orig.list_id);
	g_free(b->orig.feedback_id); g_free(b->orig.sending_ip);
	g_ptr_array_unref(b->recipients);
	g_free(b);
}

#define GMAIL_DIAG(ip) "550-5.7.26 This mail is unauthenticated, which poses" \
	" a security risk to the sender and Gmail users, and has been blocked." \
	" The sender must authenticate with at least one of SPF or DKIM. For" \
	" this message, DKIM checks did not pass and SPF check for" \
	" [example.com] did not pass with ip: [" ip "]. 550 5.7.26 To best" \
	" protect our users from spam, the message has been blocked."

/* One message holding one bounce, in its own batch, logged as ingest
 * would log it.  Returns store_bounce's answer, -1 on error. */
static int
store_one(struct store *st, const struct bounce_report *b, const char *sha,
    int *nrcpt, GError **err)
{
	struct store_ingest_log log = { 0 };
	int got, n = 0;

	if (store_batch_begin(st, err) < 0 || store_message_begin(st, err) < 0)
		goto fail;
	if ((got = store_bounce(st, b, sha, &n, err)) < 0)
		goto fail;
	log.source = "test";
	log.sha256 = sha;
	log.outcome = got ? STORE_OUTCOME_STORED : STORE_OUTCOME_DUPLICATE;
	log.bounce_recipients = n;
	if (store_message_end(st, &log, err) < 0 ||
	    store_batch_commit(st, err) < 0)
		goto fail;
	if (nrcpt)
		*nrcpt = n;
	return got;
fail:
	store_batch_rollback(st);
	return -1;
}

/* ---- tests ---- */

static void
test_store(struct store *st)
{
	int64_t t = utc(2026, 10, 20, 9, 15, 0);
	struct bounce_report *b = bounce_new(BOUNCE_KIND_BOUNCE,
	    "mx.example.com", "4QxYz1AbcdZ", "<n1@example.com>", t);
	struct bounce_recipient *r;
	GError *err = NULL;
	int n = -1;

	r = rcpt_add(b, "a@gmail.example", "5.7.26", 550,
	    GMAIL_DIAG("198.51.100.25"), "authfailure", "198.51.100.25");
	r->last_attempt = t + 5;
	rcpt_add(b, "b@Gmail.Example", "5.1.1", 550, "550 5.1.1 no such user",
	    "userunknown", NULL);
	b->orig.sending_ip = g_strdup("192.0.2.9");
	b->orig.list_id = g_strdup("<news.example.com>");
	TAP_OK(store_one(st, b, "sha-1", &n, &err) == 1 && n == 2,
	    "a bounce of 2 recipients is stored (%s)", err ? err->message : "");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT count(*) FROM bounce_v"), "2", "two bounce_v rows");
	TAP_IS(V(st, "SELECT kind, bounced, day, recipient_domain, status,"
	    " reply_code, reason, hard_bounce, sending_ip, spf, dkim, dmarc,"
	    " sender_domain, event_at FROM bounce_v WHERE rcpt_no = 1"),
	    "bounce|t|2026-10-20|gmail.example|5.7.26|550|authfailure|t|"
	    "198.51.100.25|fail|fail|-|example.com|2026-10-20 09:15:05+00",
	    "recipient 1: auth IP, verdicts, the attempt's time");
	TAP_IS(V(st, "SELECT recipient_domain, sending_ip, auth_sending_ip,"
	    " event_at, orig_list_id, queue_id, reporting_mta, format"
	    " FROM bounce_v WHERE rcpt_no = 2"),
	    "gmail.example|192.0.2.9|-|2026-10-20 09:15:00+00|"
	    "<news.example.com>|4QxYz1AbcdZ|mx.example.com|rfc3464",
	    "recipient 2: domain lower-cased, the copy's IP, the arrival time");
	TAP_IS(V(st, "SELECT outcome, bounce_recipients FROM ingest_log_v l"
	    " JOIN bounce_v b ON b.ingest_id = l.id LIMIT 1"), "stored|2",
	    "the ingest log row is the bounce's, counting its recipients");

	TAP_OK(store_one(st, b, "sha-1", &n, &err) == 0,
	    "the same bytes again: duplicate (%s)", err ? err->message : "");
	g_clear_error(&err);
	TAP_OK(store_one(st, b, "sha-2", &n, &err) == 0 && n == 0,
	    "the same bounce with other headers: duplicate (%s)",
	    err ? err->message : "");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT count(*), count(DISTINCT sha256) FROM bounce_message"),
	    "1|1", "no second message row is left behind");

	/* The same queue id, a third recipient: only it is new. */
	rcpt_add(b, "c@gmail.example", "5.2.2", 552, "552 5.2.2 mailbox full",
	    "mailboxfull", NULL);
	TAP_OK(store_one(st, b, "sha-3", &n, &err) == 1 && n == 1,
	    "a resent bounce with one more recipient stores that one (%d)", n);
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT count(*) FROM bounce_v"), "3", "three rows now");

	/* Another attempt (delay, then failure) is another event. */
	g_free(r->action);
	r->action = g_strdup("delayed");
	TAP_OK(store_one(st, b, "sha-4", &n, &err) == 1 && n == 1,
	    "the same recipient with another action is new (%d)", n);
	g_clear_error(&err);
	bounce_free(b);

	/* Without queue id or Message-ID only the bytes tell bounces apart. */
	b = bounce_new(BOUNCE_KIND_BOUNCE, NULL, NULL, NULL, 0);
	rcpt_add(b, "x@example.net", "5.1.1", 550, "user unknown",
	    "userunknown", NULL);
	TAP_OK(store_one(st, b, "sha-5", NULL, &err) == 1 &&
	    store_one(st, b, "sha-6", NULL, &err) == 1 &&
	    store_one(st, b, "sha-6", NULL, &err) == 0,
	    "no queue id, no Message-ID: each message counts, bytes dedupe");
	TAP_IS(V(st, "SELECT count(*), bool_and(event_at >= now() - interval"
	    " '1 hour') FROM bounce_v WHERE recipient = 'x@example.net'"),
	    "2|t", "no time stated: the time it was stored");
	bounce_free(b);

	/* Auto-reply without recipients: stored, dedupes by bytes. */
	b = bounce_new(BOUNCE_KIND_AUTOREPLY, NULL, NULL, "<n9@example.com>", t);
	b->format = "rfc3834";
	TAP_OK(store_one(st, b, "sha-7", &n, &err) == 1 && n == 0 &&
	    store_one(st, b, "sha-7", NULL, &err) == 0,
	    "an auto-reply without recipients: stored once");
	rcpt_add(b, "away@example.org", "2.0.0", 0, "I am on holiday",
	    "vacation", NULL);
	TAP_OK(store_one(st, b, "sha-8", &n, &err) == 1 && n == 1,
	    "an auto-reply with its sender");
	TAP_IS(V(st, "SELECT kind, bounced FROM bounce_v WHERE reason ="
	    " 'vacation'"), "autoreply|f", "an auto-reply is not bounced");
	bounce_free(b);
	g_clear_error(&err);
}

/* Values the database would refuse are dropped, text kept verbatim. */
static void
test_hostile(struct store *st)
{
	static const char sqlish[] = "'); DROP TABLE bounce_message; -- \\ \"{,}\" \t\n";
	struct bounce_report *b = bounce_new(BOUNCE_KIND_BOUNCE, sqlish, sqlish,
	    "<h1@example.com>", INT64_C(99999999999999));
	struct bounce_recipient *r;
	GError *err = NULL;
	int n = 0;

	b->orig.sending_ip = g_strdup("999.1.1.1");
	b->orig.date = -5;
	b->subject = (g_free(b->subject), g_strdup("bad \xff\xfe utf-8"));
	r = rcpt_add(b, sqlish, "5.0.0", 55555, sqlish, "undefined",
	    "not-an-ip");
	r->last_attempt = INT64_C(-99999999999);
	rcpt_add(b, "v6@example.net", "5.7.1", 550, "NULL", "blocked",
	    "2001:DB8::25");
	TAP_OK(store_one(st, b, "sha-h", &n, &err) == 1 && n == 2,
	    "hostile values: stored (%s)", err ? err->message : "");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT reporting_mta = %s, diagnostic_code = %s,"
	    " reply_code, auth_sending_ip, orig_sending_ip, arrival_date,"
	    " last_attempt, orig_date, bounce_subject FROM bounce_v WHERE"
	    " orig_message_id = '<h1@example.com>' AND rcpt_no = 1",
	    "$$'); DROP TABLE bounce_message; -- \\ \"{,}\" \t\n$$",
	    "$$'); DROP TABLE bounce_message; -- \\ \"{,}\" \t\n$$"),
	    "t|t|-|-|-|-|-|-|bad \xef\xbf\xbd\xef\xbf\xbd utf-8",
	    "text verbatim; bad IPs, codes and times are NULL; UTF-8 repaired");
	TAP_IS(V(st, "SELECT sending_ip FROM bounce_v WHERE recipient ="
	    " 'v6@example.net'"), "2001:db8::25", "an IPv6 auth IP");
	bounce_free(b);

	/* A thousand recipients: one statement. */
	b = bounce_new(BOUNCE_KIND_BOUNCE, "mx.example.com", "BIG1",
	    "<big@example.com>", utc(2026, 10, 21, 0, 0, 0));
	for (int i = 0; i < BOUNCE_MAX_RECIPIENTS; i++) {
		char a[64];

		snprintf(a, sizeof(a), "user%d@example.org", i);
		rcpt_add(b, a, "5.1.1", 550, "user unknown", "userunknown", NULL);
	}
	b->recipients_dropped = 99000;
	TAP_OK(store_one(st, b, "sha-big", &n, &err) == 1 &&
	    n == BOUNCE_MAX_RECIPIENTS, "1000 recipients stored (%d)", n);
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT count(*), max(rcpt_no), min(recipients_dropped)"
	    " FROM bounce_v WHERE queue_id = 'BIG1'"), "1000|1000|99000",
	    "every recipient in order, the dropped ones counted");
	bounce_free(b);
}

/* ---- two ingesters race ---- */

struct race {
	const struct bounce_report *b;
	const char *sha;
	volatile gint done;
};

static gpointer
ingester_b(gpointer p)
{
	struct race *rc = p;
	struct store *b = store_open(fixture_conninfo, NULL);
	int got = -1;

	if (b) {
		got = store_one(b, rc->b, rc->sha, NULL, NULL);
		store_close(b);
	}
	g_atomic_int_set(&rc->done, 1);
	return GINT_TO_POINTER(got + 10);
}

/* A stores and holds its transaction open; B, on another connection,
 * stores the same bounce (same bytes, or same recipients in other
 * bytes), must wait for A, then find it a duplicate when A commits, or
 * store it when A rolls back. */
static void
test_race(struct store *st, gboolean same_bytes, gboolean commit_first)
{
	char qid[32], sha_a[64], sha_b[64];
	struct bounce_report *b;
	struct store_ingest_log log = { 0 };
	struct race rc = { 0 };
	struct store *c;
	GError *err = NULL;
	int i, got, waiting = 0, n = 0;
	GThread *th;

	snprintf(qid, sizeof(qid), "RACE%d%d", same_bytes, commit_first);
	snprintf(sha_a, sizeof(sha_a), "race-a-%s", qid);
	snprintf(sha_b, sizeof(sha_b), "race-%s-%s", same_bytes ? "a" : "b",
	    qid);
	b = bounce_new(BOUNCE_KIND_BOUNCE, "mx.example.com", qid,
	    "<race@example.com>", utc(2026, 10, 22, 0, 0, 0));
	rcpt_add(b, "r1@example.org", "5.1.1", 550, "unknown", "userunknown",
	    NULL);
	rcpt_add(b, "r2@example.org", "5.1.1", 550, "unknown", "userunknown",
	    NULL);

	store_batch_begin(st, &err);
	store_message_begin(st, &err);
	TAP_OK(store_bounce(st, b, sha_a, &n, &err) == 1,
	    "%s: A stores uncommitted", qid);
	rc.b = b;
	rc.sha = sha_b;
	th = g_thread_new("ingester-b", ingester_b, &rc);
	c = store_open(fixture_conninfo, NULL);
	for (i = 0; i < 200 && !waiting; i++) {
		waiting = atoi(V(c, "SELECT count(*) FROM pg_stat_activity"
		    " WHERE datname = '%s' AND wait_event_type = 'Lock'",
		    fixture_dbname)) > 0;
		if (!waiting)
			g_usleep(50000);
	}
	store_close(c);
	TAP_OK(waiting && !g_atomic_int_get(&rc.done),
	    "%s: B waits for A (%s bytes)", qid, same_bytes ? "same" : "other");
	if (commit_first) {
		log.outcome = STORE_OUTCOME_STORED;
		log.bounce_recipients = n;
		store_message_end(st, &log, &err);
		store_batch_commit(st, &err);
	} else
		store_batch_rollback(st);
	got = GPOINTER_TO_INT(g_thread_join(th)) - 10;
	if (commit_first)
		TAP_OK(got == 0, "%s: A commits, B finds a duplicate (%d)",
		    qid, got);
	else
		TAP_OK(got == 1, "%s: A rolls back, B stores it (%d)", qid, got);
	TAP_IS(V(st, "SELECT count(DISTINCT m.id), count(*) FROM bounce_message m"
	    " JOIN bounce_recipient r ON r.bounce_id = m.id WHERE queue_id = '%s'",
	    qid), "1|2", "one message, two recipients stored");
	TAP_IS(V(st, "SELECT count(*) FROM bounce_message WHERE queue_id = '%s'",
	    qid), "1", "and no empty message row");
	g_clear_error(&err);
	bounce_free(b);
}

/* ---- the join with DMARC, and the query of `mailsift bounces` ---- */

static struct dmarc_record *
record(const char *ip, int64_t count, const char *dkim, const char *spf)
{
	struct dmarc_record *c = g_new0(struct dmarc_record, 1);

	c->source_ip = g_strdup(ip);
	c->count = count;
	c->disposition = g_strdup("none");
	c->policy_dkim = g_strdup(dkim);
	c->policy_spf = g_strdup(spf);
	c->header_from = g_strdup("join.example");
	return c;
}

static void
record_free(struct dmarc_record *c)
{
	g_free(c->source_ip); g_free(c->disposition); g_free(c->policy_dkim);
	g_free(c->policy_spf); g_free(c->header_from); g_free(c);
}

static void
test_join(struct store *st)
{
	int64_t day = utc(2026, 9, 5, 0, 0, 0);
	struct dmarc_report r = { 0 };
	struct dmarc_record *c[2];
	struct store_ingest_log log = { 0 };
	struct store_filter f = { day, "join.example", NULL };
	struct store_bounce_filter bf = { 0 };
	struct bounce_report *b;
	struct store_table *t;
	GError *err = NULL;
	char *row;
	int ok = 1;

	r.org_name = "google.com";
	r.report_id = "join-1";
	r.policy.domain = "join.example";
	r.policy.pct = -1;
	r.date_begin = day;
	r.date_end = day + 86399;
	c[0] = record("203.0.113.7", 40, "fail", "pass");
	c[1] = record("203.0.113.7", 12, "fail", "fail");
	ok &= store_batch_begin(st, &err) == 0 &&
	    store_message_begin(st, &err) == 0 &&
	    store_report_begin(st, &r, &err) == 1 &&
	    store_report_record(st, &r, c[0], &err) == 0 &&
	    store_report_record(st, &r, c[1], &err) == 0 &&
	    store_report_end(st, &r, NULL, &err) == 0;
	log.outcome = STORE_OUTCOME_STORED;
	ok &= store_message_end(st, &log, &err) > 0 &&
	    store_batch_commit(st, &err) == 0;
	TAP_OK(ok, "a DMARC report for 203.0.113.7 (%s)", err ? err->message : "");
	g_clear_error(&err);
	record_free(c[0]);
	record_free(c[1]);

	/* Three auth bounces and a mailbox full from that IP that day, one
	 * bounce from an IP no report mentions, one from the day after. */
	b = bounce_new(BOUNCE_KIND_BOUNCE, "mx.join.example", "J1",
	    "<j1@join.example>", day + 3600);
	g_free(b->orig.from);
	b->orig.from = g_strdup("\"Join\" <news@JOIN.example>");
	rcpt_add(b, "j1@gmail.example", "5.7.26", 550, GMAIL_DIAG("203.0.113.7"),
	    "authfailure", "203.0.113.7");
	rcpt_add(b, "j2@gmail.example", "5.7.26", 550, GMAIL_DIAG("203.0.113.7"),
	    "authfailure", "203.0.113.7");
	rcpt_add(b, "j3@gmail.example", "5.7.26", 550, GMAIL_DIAG("203.0.113.7"),
	    "authfailure", "203.0.113.7");
	rcpt_add(b, "j4@yahoo.example", "5.2.2", 552, "mailbox full",
	    "mailboxfull", NULL);
	b->orig.sending_ip = g_strdup("203.0.113.7");
	TAP_OK(store_one(st, b, "sha-j1", NULL, &err) == 1, "join bounces stored");
	bounce_free(b);
	b = bounce_new(BOUNCE_KIND_BOUNCE, "mx.join.example", "J2",
	    "<j2@join.example>", day + 7200);
	g_free(b->orig.from);
	b->orig.from = g_strdup("news@join.example");
	rcpt_add(b, "k@gmail.example", "5.7.26", 550, GMAIL_DIAG("203.0.113.99"),
	    "authfailure", "203.0.113.99");
	rcpt_add(b, "k2@gmail.example", "5.7.26", 550, GMAIL_DIAG("203.0.113.7"),
	    "authfailure", "203.0.113.7");
	((struct bounce_recipient *)g_ptr_array_index(b->recipients, 1))
	    ->last_attempt = day + 86400 + 60;
	TAP_OK(store_one(st, b, "sha-j2", NULL, &err) == 1, "more bounces");
	bounce_free(b);
	g_clear_error(&err);

	t = store_trend_by_ip(st, &f, &err);
	TAP_OK(t && t->rows->len == 3, "trend: 3 rows (%s)",
	    err ? err->message : "");
	for (guint i = 0; t && i < t->rows->len; i++) {
		GPtrArray *rw = g_ptr_array_index(t->rows, i);
		GString *s = g_string_new(NULL);

		for (guint k = 0; k < rw->len; k++)
			g_string_append_printf(s, "%s%s", k ? "|" : "",
			    g_ptr_array_index(rw, k) ? (char *)
			    g_ptr_array_index(rw, k) : "-");
		row = g_string_free(s, FALSE);
		if (i == 0)
			TAP_IS(row, "2026-09-05|203.0.113.7|-|52|40|12|76.9|0|40|"
			    "0|0|4|3|0", "one row: the IP's DMARC side and its "
			    "bounces, 3 of them authfailure");
		else if (i == 1)
			TAP_IS(row, "2026-09-05|203.0.113.99|-|0|0|0|-|0|0|0|0|1|1|0",
			    "an IP with only bounces shows");
		else
			TAP_IS(row, "2026-09-06|203.0.113.7|-|0|0|0|-|0|0|0|0|1|1|0",
			    "the next day's bounce on its own day");
		g_free(row);
	}
	TAP_IS(t && t->columns->len == 14 ? (char *)g_ptr_array_index(
	    t->columns, 11) : NULL, "bounces", "column 12 is bounces");
	store_table_free(t);
	g_clear_error(&err);

	f.domain = "other.example";
	t = store_trend_by_ip(st, &f, &err);
	TAP_OK(t && t->rows->len == 0, "another domain: neither side");
	store_table_free(t);

	bf.since = day;
	bf.ip = "203.0.113.0/24";
	t = store_bounces(st, &bf, STORE_BOUNCE_BY_REASON, &err);
	TAP_OK(t && t->rows->len == 2, "bounces --by reason: 2 reasons (%s)",
	    err ? err->message : "");
	if (t && t->rows->len == 2) {
		GPtrArray *rw = g_ptr_array_index(t->rows, 0);

		TAP_IS(g_ptr_array_index(rw, 0), "authfailure", "most first");
		TAP_IS(g_ptr_array_index(rw, 1), "5", "5 authfailure bounces");
	}
	store_table_free(t);
	bf.reason = "mailboxfull";
	t = store_bounces(st, &bf, STORE_BOUNCE_LIST, &err);
	TAP_OK(t && t->rows->len == 1 && g_strcmp0(cell(t, 0, 1),
	    "j4@yahoo.example") == 0,
	    "bounces --reason mailboxfull: the one recipient");
	store_table_free(t);
	bf.reason = NULL;
	bf.domain = "GMAIL.example";
	t = store_bounces(st, &bf, STORE_BOUNCE_BY_DOMAIN, &err);
	TAP_OK(t && t->rows->len == 1, "bounces --domain: one recipient domain");
	store_table_free(t);
	bf.domain = NULL;
	bf.ip = "not an ip";
	t = store_bounces(st, &bf, STORE_BOUNCE_BY_IP, &err);
	TAP_OK(t == NULL && err && err->code == STORE_ERROR_DATA,
	    "a bad --ip is refused as data");
	g_clear_error(&err);
}

/* ---- reclassify ---- */

static int classify_calls, classify_dirty;

/* A stand-in for new rules: a fixed verdict that tells it ran. */
static void
fake_rules(void *user, struct bounce_recipient *r, const char *format)
{
	(void)user;
	classify_calls++;
	if (r->reason != NULL || r->rule != NULL || r->auth.spf != NULL ||
	    r->recipient == NULL || r->diagnostic_code == NULL)
		classify_dirty++;
	if (r->diagnostic_code && strstr(r->diagnostic_code, "5.7.26")) {
		r->reason = "authfailure";
		r->rule = g_strdup_printf("test:%s", format ? format : "-");
		r->hard_bounce = TRUE;
		r->auth.sending_ip = g_strdup("198.51.100.77");
		r->auth.spf = g_strdup("softfail");
	} else {
		r->reason = "userunknown";
		r->rule = g_strdup("status:5.1.1");
		r->hard_bounce = TRUE;
	}
}

static void
real_rules(void *user, struct bounce_recipient *r, const char *format)
{
	(void)user;
	bounce_classify(r, format);
	bounce_auth_extract(r);
}

static void
test_reclassify(struct store *st)
{
	struct bounce_report *b = bounce_new(BOUNCE_KIND_BOUNCE, "mx.example.com",
	    "RC1", "<rc@example.com>", utc(2026, 10, 23, 0, 0, 0));
	struct bounce_recipient *r, copy;
	GError *err = NULL;
	int64_t changed, seen, before;
	int n = 0;

	rcpt_add(b, "rc1@gmail.example", "5.7.26", 550,
	    GMAIL_DIAG("198.51.100.77"), "blocked", NULL);
	rcpt_add(b, "rc2@gmail.example", "5.1.1", 550, "550 5.1.1 unknown",
	    "userunknown", NULL);
	store_one(st, b, "sha-rc", &n, &err);
	g_clear_error(&err);
	before = g_ascii_strtoll(V(st, "SELECT count(*) FROM bounce_recipient"),
	    NULL, 10);

	changed = store_bounce_reclassify(st, BOUNCE_RULES_VERSION, FALSE,
	    fake_rules, NULL, &seen, &err);
	TAP_OK(changed == 0 && seen == 0, "nothing older than the rules: "
	    "nothing seen (%" PRId64 "/%" PRId64 ")", changed, seen);
	/* Rules version bump: what is stored now was classified by v-1. */
	TAP_OK(fixture_admin(fixture_dbname, "UPDATE bounce_recipient"
	    " SET rules_version = rules_version - 1 WHERE bounce_id = (SELECT id FROM bounce_message"
	    " WHERE queue_id = 'RC1')") == 0, "simulate older rules");
	classify_calls = 0;
	changed = store_bounce_reclassify(st, BOUNCE_RULES_VERSION, FALSE,
	    fake_rules, NULL, &seen, &err);
	TAP_OK(changed == 1 && seen == 2 && classify_calls == 2,
	    "after a rules bump: 2 seen, 1 changed (%" PRId64 "/%" PRId64 " %s)",
	    changed, seen, err ? err->message : "");
	TAP_OK(classify_dirty == 0, "the rules get the stated fields, not the "
	    "old verdict");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT reason, rule, hard_bounce, auth_sending_ip, spf,"
	    " sending_ip, rules_version = %d FROM bounce_v WHERE queue_id ="
	    " 'RC1' AND rcpt_no = 1", BOUNCE_RULES_VERSION),
	    "authfailure|test:rfc3464|t|198.51.100.77|softfail|198.51.100.77|t",
	    "the stored reason, rule and auth changed; version brought up");
	TAP_IS(V(st, "SELECT reason, rule FROM bounce_v WHERE queue_id = 'RC1'"
	    " AND rcpt_no = 2"), "userunknown|status:5.1.1",
	    "the unchanged one is as it was");
	changed = store_bounce_reclassify(st, BOUNCE_RULES_VERSION, FALSE,
	    fake_rules, NULL, &seen, &err);
	TAP_OK(changed == 0 && seen == 0, "run again: nothing left");
	changed = store_bounce_reclassify(st, BOUNCE_RULES_VERSION, TRUE,
	    fake_rules, NULL, &seen, &err);
	TAP_OK(changed >= 0 && seen == before, "--all sees every recipient "
	    "(%" PRId64 " of %" PRId64 "), in pages", seen, before);

	/* With the real rules, stored equals what bounce_classify says. */
	changed = store_bounce_reclassify(st, BOUNCE_RULES_VERSION, TRUE,
	    real_rules, NULL, &seen, &err);
	TAP_OK(changed >= 0 && seen == before, "--all with the build's rules "
	    "(%" PRId64 " changed)", changed);
	r = g_ptr_array_index(b->recipients, 0);
	memset(&copy, 0, sizeof(copy));
	copy.recipient = r->recipient; copy.action = r->action;
	copy.status = g_strdup(r->status); copy.reply_code = r->reply_code;
	copy.remote_mta = r->remote_mta;
	copy.diagnostic_type = r->diagnostic_type;
	copy.diagnostic_code = r->diagnostic_code;
	copy.smtp_command = r->smtp_command;
	bounce_classify(&copy, "rfc3464");
	bounce_auth_extract(&copy);
	TAP_IS(V(st, "SELECT reason FROM bounce_v WHERE queue_id = 'RC1' AND"
	    " rcpt_no = 1"), copy.reason, "stored reason = bounce_classify's");
	TAP_IS(V(st, "SELECT coalesce(rule, '-') FROM bounce_v WHERE queue_id ="
	    " 'RC1' AND rcpt_no = 1"), copy.rule ? copy.rule : "-",
	    "stored rule = bounce_classify's");
	changed = store_bounce_reclassify(st, BOUNCE_RULES_VERSION, TRUE,
	    real_rules, NULL, &seen, &err);
	TAP_OK(changed == 0, "deterministic: a second --all changes nothing "
	    "(%" PRId64 ")", changed);
	g_free(copy.status); g_free(copy.rule);
	g_free(copy.auth.sending_ip); g_free(copy.auth.domain);
	g_free(copy.auth.spf); g_free(copy.auth.dkim); g_free(copy.auth.dmarc);
	g_clear_error(&err);
	bounce_free(b);
}

/* A status inferred from the reason is stored with status_source
 * 'inferred', a stated one with 'stated'; reclassify keeps them apart
 * (never reads an inferred status back as stated) and fills rows stored
 * before the inference (status_source NULL). */
static void
test_status_source(struct store *st)
{
	struct bounce_report *b = bounce_new(BOUNCE_KIND_BOUNCE, "mx.example.com",
	    "SS1", "<ss@example.com>", utc(2026, 10, 24, 0, 0, 0));
	struct bounce_recipient *r;
	GError *err = NULL;
	int64_t changed, seen;
	int n = 0;

	r = rcpt_add(b, "ss1@example.net", "5.1.1", 550,
	    "550 5.1.1 user unknown", "userunknown", NULL);
	r = g_new0(struct bounce_recipient, 1);
	r->recipient = g_strdup("ss2@example.net");
	r->action = g_strdup("failed");
	r->diagnostic_type = g_strdup("smtp");
	r->diagnostic_code = g_strdup("user unknown");
	r->smtp_command = g_strdup("RCPT");
	g_ptr_array_add(b->recipients, r);
	for (guint k = 0; k < b->recipients->len; k++)
		real_rules(NULL, g_ptr_array_index(b->recipients, k), "rfc3464");
	TAP_IS(r->status_source, "inferred", "no code stated: inferred");
	TAP_OK(store_one(st, b, "sha-ss", &n, &err) == 1 && n == 2,
	    "a bounce with a stated and an inferred status is stored (%s)",
	    err ? err->message : "");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT string_agg(status || ' ' || status_source, ','"
	    " ORDER BY rcpt_no) FROM bounce_v WHERE queue_id = 'SS1'"),
	    "5.1.1 stated,5.1.1 inferred",
	    "bounce_v: status and status_source per recipient");
	TAP_IS(V(st, "SELECT column_name FROM information_schema.columns"
	    " WHERE table_name = 'bounce_v' ORDER BY ordinal_position DESC"
	    " LIMIT 1"), "status_source", "status_source is bounce_v's last "
	    "column");
	/* The same bounce again is the same: identity ignores inferred. */
	TAP_OK(store_one(st, b, "sha-ss2", &n, &err) == 0,
	    "stored again under another hash: nothing new (%s)",
	    err ? err->message : "");
	g_clear_error(&err);
	changed = store_bounce_reclassify(st, BOUNCE_RULES_VERSION, TRUE,
	    real_rules, NULL, &seen, &err);
	TAP_IS(V(st, "SELECT string_agg(status || ' ' || status_source, ','"
	    " ORDER BY rcpt_no) FROM bounce_v WHERE queue_id = 'SS1'"),
	    "5.1.1 stated,5.1.1 inferred", "reclassify keeps them apart");
	/* As a row stored before rules 5 and migration 014 looks. */
	TAP_OK(fixture_admin(fixture_dbname, "UPDATE bounce_recipient SET"
	    " status = NULL, status_source = NULL, rules_version = 4"
	    " WHERE recipient = 'ss2@example.net'") == 0,
	    "simulate a row of rules 4");
	changed = store_bounce_reclassify(st, BOUNCE_RULES_VERSION, FALSE,
	    real_rules, NULL, &seen, &err);
	TAP_OK(changed == 1 && seen == 1, "reclassify re-derives it (%"
	    PRId64 "/%" PRId64 " %s)", changed, seen, err ? err->message : "");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT status, status_source, rule LIKE"
	    " '%%;status-inferred:5.1.1' FROM bounce_v"
	    " WHERE recipient = 'ss2@example.net'"), "5.1.1|inferred|t",
	    "reclassify fills status and status_source; the rule says so");
	changed = store_bounce_reclassify(st, BOUNCE_RULES_VERSION, TRUE,
	    real_rules, NULL, &seen, &err);
	TAP_OK(changed == 0, "an inferred status is not read back as stated: "
	    "--all changes nothing (%" PRId64 ")", changed);
	g_clear_error(&err);
	bounce_free(b);
}

static void
test_views(struct store *st)
{
	TAP_IS(V(st, "SELECT count(*) FILTER (WHERE d.description IS NULL)"
	    " FROM information_schema.columns c"
	    " JOIN pg_class k ON k.relname = c.table_name"
	    " LEFT JOIN pg_description d ON d.objoid = k.oid"
	    "  AND d.objsubid = c.ordinal_position"
	    " WHERE c.table_name IN ('bounce_v', 'bounce_daily_v',"
	    " 'dmarc_bounce_daily_v') OR (c.table_name = 'ingest_log_v' AND"
	    " c.column_name = 'bounce_recipients')"), "0",
	    "every column of the bounce views is commented");
	TAP_IS(V(st, "SELECT count(*) FROM pg_class k JOIN pg_description d"
	    " ON d.objoid = k.oid AND d.objsubid = 0 WHERE k.relname IN"
	    " ('bounce_v', 'bounce_daily_v', 'dmarc_bounce_daily_v')"), "3",
	    "and every view");
	TAP_IS(V(st, "SELECT sum(recipients) FROM bounce_daily_v"),
	    V(st, "SELECT count(*) FROM bounce_v"),
	    "bounce_daily_v counts every bounce_v row once");
	TAP_IS(V(st, "SELECT sum(bounces), sum(auth_bounces) FROM"
	    " dmarc_bounce_daily_v"),
	    V(st, "SELECT count(*) FILTER (WHERE bounced), count(*) FILTER"
	    " (WHERE bounced AND reason = 'authfailure') FROM bounce_v"),
	    "the join counts every bounced recipient once");
	TAP_IS(V(st, "SELECT sum(messages) FROM dmarc_bounce_daily_v"),
	    V(st, "SELECT sum(messages) FROM dmarc_daily_v"),
	    "and every DMARC message once");
}

int
main(void)
{
	struct store *st;
	GError *err = NULL;

	garbage = g_ptr_array_new_with_free_func(g_free);
	if (fixture_db_create("store_bounce_test") < 0)
		return 1;
	st = store_open(fixture_conninfo, &err);
	TAP_OK(st != NULL, "open (%s)", err ? err->message : "");
	if (st == NULL)
		return tap_done();
	TAP_OK(store_migrate(st, &err) >= 3, "migrate (%s)",
	    err ? err->message : "");
	g_clear_error(&err);

	test_store(st);
	test_hostile(st);
	test_race(st, TRUE, TRUE);
	test_race(st, FALSE, TRUE);
	test_race(st, TRUE, FALSE);
	test_race(st, FALSE, FALSE);
	test_join(st);
	test_reclassify(st);
	test_status_source(st);
	test_views(st);

	store_close(st);
	TAP_OK(fixture_db_drop() == 0, "drop test database");
	g_ptr_array_free(garbage, TRUE);
	return tap_done();
}
