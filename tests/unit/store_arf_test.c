/* store_arf_test.c - ARF reports in PostgreSQL: DMARC failure reports and
 * complaints stored with every field, the derived reporter and domains,
 * duplicates by content, pipelined and safe batches, rollback, refused
 * content, the views, `mailsift failures` (store_failures) and the trend's
 * failure_reports.
 *
 * Needs a server reachable through the PG* variables (tests/run.sh starts a
 * private one; by hand: tests/pg.sh start && eval "$(tests/pg.sh env)").
 * Creates store_arf_test_<pid> and drops it at the end.  Reports are built
 * by hand, as parse/arf/arf.h describes them: no parser involved.
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "parse/arf/arf.h"
#include "tap.h"
#include "store_fixture.h"
#include "store_rows.h"

/* ---- hand-made reports ---- */

static void
field_free(gpointer p)
{
	struct arf_field *f = p;

	g_free(f->name);
	g_free(f->value);
	g_free(f);
}

static GPtrArray *
strv(const char *first, ...)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	const char *s;
	va_list ap;

	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *))
		g_ptr_array_add(a, g_strdup(s));
	va_end(ap);
	return a;
}

static void
list_add(GPtrArray *list, const char *name, const char *value)
{
	struct arf_field *f = g_new0(struct arf_field, 1);

	f->name = g_strdup(name);
	f->value = g_strdup(value);
	g_ptr_array_add(list, f);
}

/* An unknown field: in other_fields, and in fields as every field read. */
static void
field_add(struct arf_report *a, const char *name, const char *value)
{
	list_add(a->other_fields, name, value);
	list_add(a->fields, name, value);
}

/* A report with its lists empty and nothing else set. */
static struct arf_report *
arf_new(const char *format, const char *feedback_type)
{
	struct arf_report *a = g_new0(struct arf_report, 1);

	a->format = format;
	a->feedback_type = g_strdup(feedback_type);
	a->incidents = -1;
	a->source_port = -1;
	a->fields = g_ptr_array_new_with_free_func(field_free);
	a->original_rcpt_to = strv(NULL);
	a->authentication_results = strv(NULL);
	a->reported_domain = strv(NULL);
	a->reported_uri = strv(NULL);
	a->other_fields = g_ptr_array_new_with_free_func(field_free);
	a->original.authentication_results = strv(NULL);
	a->original.received = strv(NULL);
	return a;
}

static void
arf_free(struct arf_report *a)
{
	struct arf_original *o = &a->original;

	g_free(a->feedback_type); g_free(a->user_agent); g_free(a->version);
	g_free(a->original_envelope_id); g_free(a->original_mail_from);
	g_ptr_array_unref(a->original_rcpt_to);
	g_free(a->arrival_date); g_free(a->reporting_mta);
	g_free(a->source_ip);
	g_ptr_array_unref(a->authentication_results);
	g_ptr_array_unref(a->reported_domain);
	g_ptr_array_unref(a->reported_uri);
	g_free(a->delivery_result); g_free(a->auth_failure);
	g_free(a->dkim_domain); g_free(a->dkim_identity);
	g_free(a->dkim_selector); g_free(a->dkim_canonicalized_header);
	g_free(a->dkim_canonicalized_body); g_free(a->spf_dns);
	g_free(a->identity_alignment);
	g_ptr_array_unref(a->other_fields);
	g_ptr_array_unref(a->fields);
	g_free(a->dkim_adsp_dns); g_free(a->dkim_selector_dns);
	g_free(o->from); g_free(o->to); g_free(o->subject);
	g_free(o->message_id); g_free(o->date);
	g_ptr_array_unref(o->authentication_results);
	g_free(o->dkim_domain); g_free(o->dkim_selector);
	g_ptr_array_unref(o->received);
	g_free(o->headers); g_free(o->body);
	g_free(a->from); g_free(a->subject); g_free(a->message_id);
	g_free(a);
}

static void
set(char **field, const char *value)
{
	g_free(*field);
	*field = g_strdup(value);
}

/* A Gmail-like DMARC failure report (RFC 6591) about mail from ip. */
static struct arf_report *
failure(const char *ip, int64_t arrival, const char *msgid)
{
	struct arf_report *a = arf_new("arf", "auth-failure");
	struct arf_original *o = &a->original;

	a->user_agent = g_strdup("Gmail/1.0");
	a->version = g_strdup("1");
	a->original_mail_from = g_strdup("bounce@example.com");
	g_ptr_array_add(a->original_rcpt_to, g_strdup("a@gmail.example"));
	a->arrival_date = g_strdup("Tue, 20 Oct 2026 09:15:00 +0000");
	a->arrival_time = arrival;
	a->reporting_mta = g_strdup("dns; Mx.Google.COM");
	a->source_ip = g_strdup(ip);
	a->incidents = 1;
	g_ptr_array_add(a->authentication_results,
	    g_strdup("mx.google.com; dmarc=fail header.from=example.com"));
	g_ptr_array_add(a->reported_domain, g_strdup("Example.COM"));
	a->delivery_result = g_strdup("reject");
	a->auth_failure = g_strdup("dmarc");
	a->dkim_domain = g_strdup("example.com");
	a->dkim_identity = g_strdup("@example.com");
	a->dkim_selector = g_strdup("s1");
	a->spf_dns = g_strdup("txt : Bounce.Example.com. : \"v=spf1 -all\"");
	a->identity_alignment = g_strdup("none");
	a->source_port = 25;
	a->dkim_selector_dns = g_strdup("s1._domainkey.example.com");
	list_add(a->fields, "Feedback-Type", "auth-failure");
	list_add(a->fields, "Source-Port", "25");
	field_add(a, "X-Extra", "1");
	field_add(a, "x-extra", "2");
	field_add(a, "X-Mailer-Id", "42");
	o->from = g_strdup("News <news@Example.COM>");
	o->to = g_strdup("a@gmail.example");
	o->subject = g_strdup("October news");
	o->message_id = g_strdup(msgid);
	o->date = g_strdup("Tue, 20 Oct 2026 09:14:00 +0000");
	o->date_time = arrival - 60;
	g_ptr_array_add(o->authentication_results,
	    g_strdup("mx.google.com; dkim=fail header.d=example.com"));
	o->dkim_domain = g_strdup("example.com");
	o->dkim_selector = g_strdup("s1");
	g_ptr_array_add(o->received, g_strdup("from a by b"));
	g_ptr_array_add(o->received, g_strdup("from c by d"));
	o->headers = g_strdup_printf("From: News <news@Example.COM>\n"
	    "Message-ID: %s\nSubject: October news\n", msgid);
	o->part_type = "text/rfc822-headers";
	o->fields_dropped = 3;
	o->truncated = TRUE;
	a->from = g_strdup("noreply-dmarc-support@google.com");
	a->subject = g_strdup("Report domain: example.com");
	a->message_id = g_strdup("<r1@google.com>");
	a->date = arrival + 3600;
	return a;
}

/* One message holding one report, in its own batch, logged as ingest would
 * log it.  Returns store_arf_report's answer, -1 on error (the batch is
 * then rolled back). */
static int
store_one(struct store *st, const struct arf_report *a, const char *sha,
    GError **err)
{
	struct store_ingest_log log = { 0 };
	int got;

	if (store_batch_begin(st, err) < 0 || store_message_begin(st, err) < 0)
		goto fail;
	if ((got = store_arf_report(st, a, sha, err)) < 0)
		goto fail;
	log.source = "test";
	log.sha256 = sha;
	log.outcome = got ? STORE_OUTCOME_STORED : STORE_OUTCOME_DUPLICATE;
	if (store_message_end(st, &log, err) < 0 ||
	    store_batch_commit(st, err) < 0)
		goto fail;
	return got;
fail:
	store_batch_rollback(st);
	return -1;
}

/* ---- tests ---- */

static int64_t t0;	/* 2026-10-20 09:15:00 UTC */

static void
test_store(struct store *st)
{
	struct arf_report *a = failure("198.51.100.25", t0, "<n1@example.com>");
	struct arf_report *c, *n;
	GError *err = NULL;

	TAP_OK(store_one(st, a, "sha-a", &err) == 1, "a DMARC failure report "
	    "is stored (%s)", err ? err->message : "");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT format, feedback_type, dmarc_failure, day,"
	    " reporter, from_domain, source_ip, source_ip_raw, arrival_date,"
	    " arrival_time, reporting_mta, user_agent, version,"
	    " original_mail_from, original_rcpt_to, incidents,"
	    " authentication_results, reported_domain, reported_uri"
	    " FROM arf_report_v"),
	    "arf|auth-failure|t|2026-10-20|mx.google.com|example.com|"
	    "198.51.100.25|198.51.100.25|Tue, 20 Oct 2026 09:15:00 +0000|"
	    "2026-10-20 09:15:00+00|dns; Mx.Google.COM|Gmail/1.0|1|"
	    "bounce@example.com|{a@gmail.example}|1|"
	    "{\"mx.google.com; dmarc=fail header.from=example.com\"}|"
	    "{Example.COM}|-",
	    "the report part's fields, the reporter and From domain derived");
	TAP_IS(V(st, "SELECT delivery_result, auth_failure, dkim_domain,"
	    " dkim_identity, dkim_selector, spf_dns, spf_domain,"
	    " identity_alignment, other_fields, other_fields->'x-extra'->>1,"
	    " fields_dropped FROM arf_report_v"),
	    "reject|dmarc|example.com|@example.com|s1|"
	    "txt : Bounce.Example.com. : \"v=spf1 -all\"|bounce.example.com|"
	    "none|{\"x-extra\": [\"1\", \"2\"], \"x-mailer-id\": [\"42\"]}|2|0",
	    "the failure fields; unknown fields by lower-cased name, in order");
	TAP_IS(V(st, "SELECT orig_from, orig_to, orig_subject,"
	    " orig_message_id, orig_date, orig_date_time,"
	    " orig_authentication_results, orig_dkim_domain,"
	    " orig_dkim_selector, orig_received, orig_body, report_from,"
	    " report_subject, report_message_id, report_date, sha256"
	    " FROM arf_report_v"),
	    "News <news@Example.COM>|a@gmail.example|October news|"
	    "<n1@example.com>|Tue, 20 Oct 2026 09:14:00 +0000|"
	    "2026-10-20 09:14:00+00|"
	    "{\"mx.google.com; dkim=fail header.d=example.com\"}|example.com|"
	    "s1|{\"from a by b\",\"from c by d\"}|-|"
	    "noreply-dmarc-support@google.com|Report domain: example.com|"
	    "<r1@google.com>|2026-10-20 10:15:00+00|sha-a",
	    "the returned message's headers and the report's own");
	TAP_IS(V(st, "SELECT fields, source_port, dkim_adsp_dns,"
	    " dkim_selector_dns, orig_part_type, orig_fields_dropped,"
	    " orig_truncated, orig_body_truncated FROM arf_report_v"),
	    "[[\"Feedback-Type\", \"auth-failure\"], [\"Source-Port\", \"25\"],"
	    " [\"X-Extra\", \"1\"], [\"x-extra\", \"2\"], [\"X-Mailer-Id\", \"42\"]]|25|-|"
	    "s1._domainkey.example.com|text/rfc822-headers|3|t|f",
	    "every field read, in order, as written; Source-Port, the DNS "
	    "fields, the returned part's kind and bounds");
	TAP_IS(V(st, "SELECT orig_headers FROM arf_report_v"),
	    "From: News <news@Example.COM>\nMessage-ID: <n1@example.com>\n"
	    "Subject: October news\n", "the header block as the parser gave it");
	TAP_IS(V(st, "SELECT l.outcome, l.sha256 FROM arf_report_v a JOIN"
	    " ingest_log_v l ON l.id = a.ingest_id"), "stored|sha-a",
	    "the report points at its message's log row");

	/* A complaint, and a failure report without a feedback-report part. */
	c = arf_new("arf", "abuse");
	c->source_ip = g_strdup("192.0.2.5");
	c->from = g_strdup("Yahoo FBL <feedback@FBL.Yahoo.com>");
	c->original.from = g_strdup("deals@shop.example");
	c->original.message_id = g_strdup("<c1@shop.example>");
	TAP_OK(store_one(st, c, "sha-c", &err) == 1, "a complaint is stored");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT dmarc_failure, reporter, from_domain,"
	    " day = (now() AT TIME ZONE 'UTC')::date, arrival_time FROM"
	    " arf_report_v WHERE feedback_type = 'abuse'"),
	    "f|fbl.yahoo.com|shop.example|t|-", "a complaint: no failure; "
	    "reporter from its From, day when stored");
	n = arf_new("netease", NULL);
	n->source_ip = g_strdup("203.0.113.9");
	n->arrival_time = t0 + 120;
	g_ptr_array_add(n->reported_domain, g_strdup("Example.ORG."));
	n->original.message_id = g_strdup("<n9@example.org>");
	TAP_OK(store_one(st, n, "sha-n", &err) == 1, "a text-only failure "
	    "report is stored");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT count(*), count(*) FILTER (WHERE dmarc_failure)"
	    " FROM arf_report_v"), "3|2", "arf_report_v: all three");
	TAP_IS(V(st, "SELECT string_agg(format || ':' || coalesce(feedback_type,"
	    " '-') || ':' || from_domain || ':' || coalesce(reporter, '-'), ','"
	    " ORDER BY arf_pk) FROM dmarc_failure_v"),
	    "arf:auth-failure:example.com:mx.google.com,"
	    "netease:-:example.org:-",
	    "dmarc_failure_v: the two failure reports, not the complaint");
	TAP_IS(V(st, "SELECT day, reporter, source_ip, from_domain,"
	    " auth_failure, identity_alignment, dkim_domain, dkim_selector,"
	    " spf_domain, delivery_result, orig_subject, orig_from,"
	    " orig_message_id FROM dmarc_failure_v WHERE format = 'arf'"),
	    "2026-10-20|mx.google.com|198.51.100.25|example.com|dmarc|none|"
	    "example.com|s1|bounce.example.com|reject|October news|"
	    "News <news@Example.COM>|<n1@example.com>",
	    "dmarc_failure_v's columns");

	/* Which are failure reports: a Microsoft complaint (no feedback part,
	 * but abuse), an ARF report that names no type but an Auth-Failure,
	 * and one that names neither (a complaint of unknown kind). */
	{
		static const char *const kind[][3] = {
			{ "microsoft", "abuse", NULL },
			{ "arf", NULL, "spf" },
			{ "arf", NULL, NULL },
			{ "exim", "auth-failure", "dmarc" },
		};
		struct arf_report *kr;
		char sha[32], id[32];

		for (guint k = 0; k < G_N_ELEMENTS(kind); k++) {
			kr = arf_new(kind[k][0], kind[k][1]);
			kr->auth_failure = g_strdup(kind[k][2]);
			kr->arrival_time = utc(2026, 10, 1, 0, 0, (int)k);
			snprintf(id, sizeof(id), "<kind%u@example.net>", k);
			kr->original.message_id = g_strdup(id);
			snprintf(sha, sizeof(sha), "sha-kind-%u", k);
			TAP_OK(store_one(st, kr, sha, &err) == 1, "%s %s %s stored",
			    kind[k][0], kind[k][1] ? kind[k][1] : "-",
			    kind[k][2] ? kind[k][2] : "-");
			g_clear_error(&err);
			arf_free(kr);
		}
		TAP_IS(V(st, "SELECT string_agg(a.format || ':' ||"
		    " a.dmarc_failure || ':' || (f.arf_pk IS NOT NULL), ','"
		    " ORDER BY a.arf_pk) FROM arf_report_v a LEFT JOIN"
		    " dmarc_failure_v f USING (arf_pk) WHERE a.day ="
		    " '2026-10-01'"), "microsoft:false:false,arf:true:true,"
		    "arf:false:false,exim:true:true",
		    "failure reports: auth-failure, or no type and an "
		    "Auth-Failure; complaints (Microsoft's too) are not");
	}

	/* Duplicates: the same content, whatever came around it. */
	TAP_OK(store_one(st, a, "sha-a2", &err) == 0, "the same report in "
	    "other bytes: duplicate (%s)", err ? err->message : "");
	g_clear_error(&err);
	set(&a->from, "dmarc@relay.example");
	set(&a->subject, "Fwd: Report domain: example.com");
	set(&a->message_id, "<other@relay.example>");
	a->date += 7200;
	TAP_OK(store_one(st, a, "sha-a3", &err) == 0, "through another path "
	    "(its own From, Subject, Message-ID, Date): duplicate");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT count(*) FROM arf_report"), "7", "no new row");
	a->arrival_time += 3600;
	set(&a->arrival_date, "Tue, 20 Oct 2026 10:15:00 +0000");
	TAP_OK(store_one(st, a, "sha-a4", &err) == 1, "another arrival: "
	    "another report");
	g_clear_error(&err);
	arf_free(a);
	arf_free(c);
	arf_free(n);

	/* Nothing identifies the message reported: the bytes decide. */
	a = arf_new("text", NULL);
	a->source_ip = g_strdup("203.0.113.10");
	TAP_OK(store_one(st, a, "sha-bare-1", &err) == 1 &&
	    store_one(st, a, "sha-bare-2", &err) == 1 &&
	    store_one(st, a, "sha-bare-1", &err) == 0,
	    "a bare report: each message counts, the same bytes once");
	g_clear_error(&err);
	arf_free(a);
}

/* Pipelined batches give the same answers; a rolled-back batch leaves no
 * trace in either kind. */
static void
test_batches(struct store *st)
{
	struct arf_report *a = failure("198.51.100.30", t0, "<p1@example.com>");
	struct store_ingest_log log = { 0 };
	GError *err = NULL;
	int ok, x, y;

	for (int fast = 0; fast <= 1; fast++) {
		store_set_pipelined(st, fast);
		ok = store_batch_begin(st, &err) == 0 &&
		    store_message_begin(st, &err) == 0 &&
		    store_arf_report(st, a, "sha-rb", &err) == 1;
		store_batch_rollback(st);
		TAP_OK(ok, "%s: stored, then the batch rolled back",
		    fast ? "pipelined" : "safe");
		TAP_IS(V(st, "SELECT count(*) FROM arf_report WHERE"
		    " orig_message_id = '<p1@example.com>'"), "0",
		    "no trace of it");
		g_clear_error(&err);
	}
	store_set_pipelined(st, TRUE);
	ok = store_batch_begin(st, &err) == 0 &&
	    store_message_begin(st, &err) == 0;
	x = store_arf_report(st, a, "sha-p1", &err);
	log.outcome = STORE_OUTCOME_STORED;
	ok &= store_message_end(st, &log, &err) >= 0 &&
	    store_message_begin(st, &err) == 0;
	y = store_arf_report(st, a, "sha-p2", &err);
	log.outcome = STORE_OUTCOME_DUPLICATE;
	ok &= store_message_end(st, &log, &err) >= 0 &&
	    store_batch_commit(st, &err) == 0;
	TAP_OK(ok && x == 1 && y == 0, "pipelined: stored, then a duplicate "
	    "in the same batch (%d %d %s)", x, y, err ? err->message : "");
	g_clear_error(&err);
	TAP_OK(store_one(st, a, "sha-p3", &err) == 0, "and in the next batch");
	g_clear_error(&err);
	store_set_pipelined(st, FALSE);
	TAP_OK(store_one(st, a, "sha-p4", &err) == 0, "and in a safe one");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT count(*), min(sha256) FROM arf_report WHERE"
	    " orig_message_id = '<p1@example.com>'"), "1|sha-p1",
	    "stored once");
	arf_free(a);
}

static void
test_hostile(struct store *st)
{
	static const char sqlish[] = "'); DROP TABLE arf_report; -- \\ \"{,}\" \t\n";
	struct arf_report *a = failure("not-an-ip", t0, "<h1@example.com>");
	struct store_ingest_log log = { 0 };
	GError *err = NULL;
	int ok, got;

	set(&a->original.subject, "bad \xff utf-8");
	set(&a->original.headers, sqlish);
	set(&a->reporting_mta, sqlish);
	field_add(a, "X-\xc3(", "v \xe2\x82");
	g_ptr_array_add(a->reported_domain, g_strdup("\xff.example"));
	a->arrival_time = INT64_C(99999999999999);
	a->date = -5;
	a->original.date_time = 0;
	a->original.body = g_strdup("the body, when kept");
	TAP_OK(store_one(st, a, "sha-h", &err) == 1, "hostile values: stored "
	    "(%s)", err ? err->message : "");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT source_ip, source_ip_raw, orig_subject,"
	    " orig_headers = %s, reporting_mta = %s, reporter,"
	    " other_fields->'x-\xef\xbf\xbd(', reported_domain[2],"
	    " arrival_time, day = (now() AT TIME ZONE 'UTC')::date,"
	    " report_date, orig_date_time, orig_body FROM arf_report_v WHERE"
	    " orig_message_id = '<h1@example.com>'",
	    "$$'); DROP TABLE arf_report; -- \\ \"{,}\" \t\n$$",
	    "$$'); DROP TABLE arf_report; -- \\ \"{,}\" \t\n$$"),
	    "-|not-an-ip|bad \xef\xbf\xbd utf-8|t|t|')|"
	    "[\"v \xef\xbf\xbd\xef\xbf\xbd\"]|\xef\xbf\xbd.example|-|t|-|-|"
	    "the body, when kept",
	    "text verbatim or repaired, a bad address and absurd times NULL");
	arf_free(a);

	/* Incidents nobody can mean: refused, the message still usable. */
	for (int bad = 0; bad < 2; bad++) {
		a = failure("198.51.100.31", t0, "<i1@example.com>");
		a->incidents = bad ? INT64_C(1) << 60 : -5;
		ok = store_batch_begin(st, &err) == 0 &&
		    store_message_begin(st, &err) == 0;
		got = store_arf_report(st, a, "sha-i", &err);
		TAP_OK(ok && got == -1 && err && err->code == STORE_ERROR_DATA,
		    "refused as data: %s", err ? err->message : "?");
		g_clear_error(&err);
		log.outcome = STORE_OUTCOME_QUARANTINED;
		log.reason = "refused";
		ok = store_message_end(st, &log, &err) > 0 &&
		    store_batch_commit(st, &err) == 0;
		TAP_OK(ok, "the message is logged after it (%s)",
		    err ? err->message : "");
		g_clear_error(&err);
		arf_free(a);
	}
	TAP_IS(V(st, "SELECT count(*) FROM arf_report WHERE orig_message_id ="
	    " '<i1@example.com>'"), "0", "nothing of them stored");
	a = failure("198.51.100.31", t0, "<i1@example.com>");
	TAP_OK(store_arf_report(st, a, "sha-x", &err) == -1 && err &&
	    err->code == STORE_ERROR_INTERNAL, "outside a message: refused");
	g_clear_error(&err);
	arf_free(a);
}

static void
test_views(struct store *st)
{
	TAP_IS(V(st, "SELECT count(*) FILTER (WHERE d.description IS NULL)"
	    " FROM information_schema.columns c"
	    " JOIN pg_class k ON k.relname = c.table_name"
	    " LEFT JOIN pg_description d ON d.objoid = k.oid"
	    "  AND d.objsubid = c.ordinal_position"
	    " WHERE c.table_name IN ('arf_report_v', 'dmarc_failure_v',"
	    " 'dmarc_bounce_daily_v')"), "0", "every column of the ARF views "
	    "and of the trend's view is commented");
	TAP_IS(V(st, "SELECT count(*) FROM pg_class k JOIN pg_description d"
	    " ON d.objoid = k.oid AND d.objsubid = 0 WHERE k.relname IN"
	    " ('arf_report_v', 'dmarc_failure_v')"), "2", "and every view");
	TAP_IS(V(st, "SELECT count(*), count(DISTINCT arf_pk) FROM"
	    " dmarc_failure_v"),
	    V(st, "SELECT count(*), count(*) FROM arf_report_v WHERE"
	    " dmarc_failure"), "dmarc_failure_v: one row per failure report");
	TAP_IS(V(st, "SELECT sum(failure_reports) FROM dmarc_bounce_daily_v"),
	    V(st, "SELECT count(*) FROM dmarc_failure_v"),
	    "the trend's view counts each failure report once");
}

/* `mailsift failures` and the trend's failure_reports column. */
static void
test_queries(struct store *st)
{
	struct store_filter f = { t0, NULL, NULL };
	struct dmarc_report r = { 0 };
	struct dmarc_record c = { 0 };
	struct store_ingest_log log = { 0 };
	struct arf_report *a;
	struct store_table *t;
	GError *err = NULL;
	int ok;

	/* Reports without an arrival date count on the day they were stored,
	 * which would put them in any window asked for below: out of the way. */
	TAP_OK(fixture_admin(fixture_dbname, "DELETE FROM arf_report WHERE"
	    " arrival_time IS NULL") == 0, "reports of today removed");

	/* One more: its From a subdomain, the policy domain reported. */
	a = failure("198.51.100.26", t0 + 86400, "<s1@sub.example.com>");
	set(&a->original.from, "x@Sub.Example.com");
	TAP_OK(store_one(st, a, "sha-s", &err) == 1, "a report about a "
	    "subdomain, the next day");
	g_clear_error(&err);
	arf_free(a);

	t = store_failures(st, &f, STORE_FAILURE_LIST, &err);
	TAP_IS(header(t), "day,reporter,source_ip,from_domain,auth_failure,"
	    "identity_alignment,dkim_domain,dkim_selector,spf_domain,"
	    "delivery_result,orig_subject", "failures: columns (%s)",
	    err ? err->message : "");
	TAP_IS(row(t, 0), "2026-10-20|mx.google.com|198.51.100.25|example.com|"
	    "dmarc|none|example.com|s1|bounce.example.com|reject|October news",
	    "in arrival order: the first");
	TAP_IS(row(t, 1), "2026-10-20|mx.google.com|198.51.100.30|example.com|"
	    "dmarc|none|example.com|s1|bounce.example.com|reject|October news",
	    "at the same time, stored later: the pipelined one");
	TAP_IS(row(t, 2), "2026-10-20|-|203.0.113.9|example.org|-|-|-|-|-|-|-",
	    "the text-only one");
	TAP_IS(row(t, 3), "2026-10-20|mx.google.com|198.51.100.25|example.com|"
	    "dmarc|none|example.com|s1|bounce.example.com|reject|October news",
	    "the second arrival");
	TAP_IS(row(t, 4), "2026-10-21|mx.google.com|198.51.100.26|"
	    "sub.example.com|dmarc|none|example.com|s1|bounce.example.com|"
	    "reject|October news", "the next day's");
	TAP_OK(t && t->rows->len == 5, "5 failure reports since 2026-10-20, "
	    "the complaint left out (%u)", t ? t->rows->len : 0);
	store_table_free(t);

	f.domain = "EXAMPLE.com";
	t = store_failures(st, &f, STORE_FAILURE_BY_IP, &err);
	TAP_IS(header(t), "source_ip,reports,incidents,source_ips,from_domains,"
	    "reporters,with_dkim,with_spf,first_day,last_day",
	    "failures --by ip: columns");
	TAP_IS(row(t, 0), "198.51.100.25|2|2|1|1|1|2|2|2026-10-20|2026-10-20",
	    "--domain example.com: the From domain's reports");
	TAP_IS(row(t, 1), "198.51.100.26|1|1|1|1|1|1|1|2026-10-21|2026-10-21",
	    "and the subdomain's, which reported example.com");
	TAP_IS(row(t, 2), "198.51.100.30|1|1|1|1|1|1|1|2026-10-20|2026-10-20",
	    "and the pipelined one's");
	TAP_OK(t && t->rows->len == 3, "three IPs, not the text-only report's");
	store_table_free(t);
	f.domain = NULL;
	f.ip = "198.51.100.0/24";
	t = store_failures(st, &f, STORE_FAILURE_BY_DOMAIN, &err);
	TAP_IS(row(t, 0), "example.com|3|3|2|1|1|3|3|2026-10-20|2026-10-20",
	    "failures --by domain --ip: most first");
	TAP_IS(row(t, 1), "sub.example.com|1|1|1|1|1|1|1|2026-10-21|2026-10-21",
	    "then the subdomain");
	store_table_free(t);
	f.ip = NULL;
	t = store_failures(st, &f, STORE_FAILURE_BY_REPORTER, &err);
	TAP_IS(row(t, 0), "mx.google.com|4|4|3|2|1|4|4|2026-10-20|2026-10-21",
	    "failures --by reporter");
	TAP_IS(row(t, 1), "-|1|1|1|1|0|0|0|2026-10-20|2026-10-20",
	    "an unknown reporter");
	store_table_free(t);
	t = store_failures(st, &f, STORE_FAILURE_BY_DAY, &err);
	TAP_IS(row(t, 0), "2026-10-20|4|4|3|2|1|3|3|2026-10-20|2026-10-20",
	    "failures --by day");
	store_table_free(t);

	/* The trend: an aggregate report for 198.51.100.25 that day. */
	r.org_name = "google.com";
	r.report_id = "agg-1";
	r.policy.domain = "example.com";
	r.policy.pct = -1;
	r.date_begin = utc(2026, 10, 20, 0, 0, 0);
	r.date_end = r.date_begin + 86399;
	c.source_ip = "198.51.100.25";
	c.count = 10;
	c.disposition = "reject";
	c.policy_dkim = "fail";
	c.policy_spf = "fail";
	c.header_from = "example.com";
	ok = store_batch_begin(st, &err) == 0 &&
	    store_message_begin(st, &err) == 0 &&
	    store_report_begin(st, &r, &err) == 1 &&
	    store_report_record(st, &r, &c, &err) == 0 &&
	    store_report_end(st, &r, NULL, &err) == 0;
	log.outcome = STORE_OUTCOME_STORED;
	ok &= store_message_end(st, &log, &err) > 0 &&
	    store_batch_commit(st, &err) == 0;
	TAP_OK(ok, "an aggregate report for 198.51.100.25 (%s)",
	    err ? err->message : "");
	g_clear_error(&err);

	f.domain = "example.com";
	t = store_trend_by_ip(st, &f, &err);
	TAP_IS(header(t), "day,source_ip,ptr,messages,dmarc_pass,dmarc_fail,"
	    "pass_pct,dkim_pass,spf_pass,quarantined,rejected,bounces,"
	    "auth_bounces,failure_reports", "trend --by ip: the columns as "
	    "they were (ptr after source_ip), then failure_reports (%s)", err ? err->message : "");
	TAP_IS(row(t, 0), "2026-10-20|198.51.100.25|-|10|0|10|0.0|0|0|0|10|0|0|2",
	    "one row: the IP's DMARC failures and its 2 failure reports");
	TAP_IS(row(t, 1), "2026-10-20|198.51.100.30|-|0|0|0|-|0|0|0|0|0|0|1",
	    "an IP with only a failure report shows");
	TAP_OK(t && t->rows->len == 2, "the subdomain's report is not "
	    "example.com's (%u rows)", t ? t->rows->len : 0);
	store_table_free(t);
	f.domain = NULL;
	f.ip = "198.51.100.26";
	t = store_trend_by_ip(st, &f, &err);
	TAP_IS(row(t, 0), "2026-10-21|198.51.100.26|-|0|0|0|-|0|0|0|0|0|0|1",
	    "--ip: that IP's day");
	store_table_free(t);
	f.ip = NULL;
	f.since = utc(2026, 10, 21, 0, 0, 0);
	t = store_trend_by_day(st, &f, &err);
	TAP_IS(row(t, 0), "2026-10-21|0|0|0|-|0|0|0|0|0|0|1",
	    "trend --by day: the day's failure reports");
	store_table_free(t);

	/* The window reaches the failure side before the join. */
	t = store_query(st, "EXPLAIN SELECT day, sum(failure_reports) FROM"
	    " dmarc_bounce_daily_v WHERE day >= '2026-10-21' GROUP BY 1", &err);
	ok = 0;
	for (guint i = 0; t && i + 1 < t->rows->len; i++) {
		const char *line = g_ptr_array_index(
		    (GPtrArray *)g_ptr_array_index(t->rows, i), 0);
		const char *next = g_ptr_array_index(
		    (GPtrArray *)g_ptr_array_index(t->rows, i + 1), 0);

		if (strstr(line, " on arf_report") &&
		    strstr(next, "day >= '2026-10-21'::date"))
			ok = 1;
	}
	TAP_OK(ok, "and its scan of arf_report is bounded by the day");
	store_table_free(t);
	g_clear_error(&err);
}

int
main(void)
{
	struct store *st;
	GError *err = NULL;

	garbage = g_ptr_array_new_with_free_func(g_free);
	t0 = utc(2026, 10, 20, 9, 15, 0);
	if (fixture_db_create("store_arf_test") < 0)
		return 1;
	st = store_open(fixture_conninfo, &err);
	TAP_OK(st != NULL, "open (%s)", err ? err->message : "");
	if (st == NULL)
		return tap_done();
	TAP_OK(store_migrate(st, &err) >= 4, "migrate (%s)",
	    err ? err->message : "");
	g_clear_error(&err);

	test_store(st);
	test_batches(st);
	test_hostile(st);
	test_queries(st);
	test_views(st);

	store_close(st);
	TAP_OK(fixture_db_drop() == 0, "drop test database");
	g_ptr_array_free(garbage, TRUE);
	return tap_done();
}
