/* store_tls_test.c - SMTP TLS reports in PostgreSQL: storing, normalized
 * values, the raw copy, duplicates, pipelined and safe batches, rollback,
 * refused content, tls_daily_v's sums and `mailsift tls` (store_tls).
 *
 * Needs a server reachable through the PG* variables (tests/run.sh starts a
 * private one; by hand: tests/pg.sh start && eval "$(tests/pg.sh env)").
 * Creates store_tls_test_<pid> and drops it at the end.  Reports are built
 * by hand, as parse/tlsrpt/tlsrpt.h describes them: no parser involved.
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "store/store.h"
#include "parse/tlsrpt/tlsrpt.h"
#include "tap.h"
#include "store_fixture.h"
#include "store_rows.h"

/* ---- hand-made reports ---- */

static void
failure_free(gpointer p)
{
	struct tlsrpt_failure *f = p;

	g_free(f->result_type); g_free(f->sending_mta_ip);
	g_free(f->receiving_mx_hostname); g_free(f->receiving_mx_helo);
	g_free(f->receiving_ip); g_free(f->additional_information);
	g_free(f->failure_reason_code);
	g_free(f);
}

static void
policy_free(gpointer p)
{
	struct tlsrpt_policy *x = p;

	g_free(x->policy_type); g_free(x->policy_domain);
	g_ptr_array_unref(x->policy_string);
	g_ptr_array_unref(x->mx_host);
	g_ptr_array_unref(x->failure_details);
	g_free(x);
}

static struct tlsrpt_report *
tls_new(const char *org, const char *id, int64_t begin, int64_t end)
{
	struct tlsrpt_report *r = g_new0(struct tlsrpt_report, 1);

	r->organization_name = g_strdup(org);
	r->report_id = g_strdup(id);
	r->contact_info = g_strdup("smtp-tls-reporting@example.org");
	r->start_datetime = begin;
	r->end_datetime = end;
	r->policies = g_ptr_array_new_with_free_func(policy_free);
	r->fixups = g_ptr_array_new_with_free_func(g_free);
	return r;
}

static void
tls_free(struct tlsrpt_report *r)
{
	g_free(r->organization_name); g_free(r->report_id);
	g_free(r->contact_info);
	g_ptr_array_unref(r->policies);
	g_ptr_array_unref(r->fixups);
	g_free(r);
}

static struct tlsrpt_policy *
policy_add(struct tlsrpt_report *r, const char *type, const char *domain,
    int64_t ok, int64_t fail)
{
	struct tlsrpt_policy *p = g_new0(struct tlsrpt_policy, 1);

	p->policy_type = g_strdup(type);
	p->policy_domain = g_strdup(domain);
	p->policy_string = g_ptr_array_new_with_free_func(g_free);
	p->mx_host = g_ptr_array_new_with_free_func(g_free);
	p->total_successful_session_count = ok;
	p->total_failure_session_count = fail;
	p->failure_details = g_ptr_array_new_with_free_func(failure_free);
	g_ptr_array_add(r->policies, p);
	return p;
}

static struct tlsrpt_failure *
failure_add(struct tlsrpt_policy *p, const char *result, const char *sip,
    const char *mx, const char *rip, int64_t n)
{
	struct tlsrpt_failure *f = g_new0(struct tlsrpt_failure, 1);

	f->result_type = g_strdup(result);
	f->sending_mta_ip = g_strdup(sip);
	f->receiving_mx_hostname = g_strdup(mx);
	f->receiving_ip = g_strdup(rip);
	f->failed_session_count = n;
	g_ptr_array_add(p->failure_details, f);
	return f;
}

/* The RFC 8460 example's shape: an STS policy with two kinds of failure,
 * a TLSA policy without. */
static struct tlsrpt_report *
sample(const char *id, int64_t day)
{
	struct tlsrpt_report *r = tls_new("Company-X", id, day,
	    day + 86399);
	struct tlsrpt_policy *p;
	struct tlsrpt_failure *f;

	g_ptr_array_add(r->fixups, g_strdup("report-id: <x> -> x (brackets)"));
	p = policy_add(r, "sts", "Example.COM.", 5326, 303);
	g_ptr_array_add(p->policy_string, g_strdup("version: STSv1"));
	g_ptr_array_add(p->policy_string, g_strdup("mode: testing"));
	g_ptr_array_add(p->policy_string, g_strdup("mx: *.mail.example.com"));
	g_ptr_array_add(p->mx_host, g_strdup("*.mail.example.com"));
	f = failure_add(p, "certificate-expired", "2001:db8:abcd:0012::1",
	    "MX: Mx1.Mail.Example.COM.", "203.0.113.56", 200);
	f->receiving_mx_helo = g_strdup("mx1.mail.example.com");
	f->additional_information = g_strdup("https://reports.example/x");
	f->failure_reason_code = g_strdup("X509_V_ERR_CERT_HAS_EXPIRED");
	failure_add(p, "starttls-not-supported", "2001:db8:abcd:0013::1",
	    "mx2.mail.example.com", "203.0.113.57", 100);
	p = policy_add(r, "tlsa", "example.net", 1000, 0);
	g_ptr_array_add(p->policy_string, g_strdup("3 0 1 1F85..."));
	return r;
}

/* One message holding one report, in its own batch, logged as ingest would
 * log it.  Returns store_tls_report's answer, -1 on error (the batch is
 * then rolled back). */
static int
store_one(struct store *st, const struct tlsrpt_report *r,
    const struct store_raw *raw, GError **err)
{
	struct store_ingest_log log = { 0 };
	int got;

	if (store_batch_begin(st, err) < 0 || store_message_begin(st, err) < 0)
		goto fail;
	if ((got = store_tls_report(st, r, raw, err)) < 0)
		goto fail;
	log.source = "test";
	log.outcome = got ? STORE_OUTCOME_STORED : STORE_OUTCOME_DUPLICATE;
	if (store_message_end(st, &log, err) < 0 ||
	    store_batch_commit(st, err) < 0)
		goto fail;
	return got;
fail:
	store_batch_rollback(st);
	return -1;
}

/* The gzip bytes of a bytea in PostgreSQL's hex output, inflated. */
static char *
gunzip_hex(const char *hex, gsize *out_len)
{
	gsize n, i;
	guchar *bin;
	GByteArray *out = g_byte_array_new();
	z_stream z;
	guchar buf[4096];
	int zr;

	if (hex == NULL || strncmp(hex, "\\x", 2) != 0)
		return NULL;
	hex += 2;
	n = strlen(hex) / 2;
	bin = g_malloc(n + 1);
	for (i = 0; i < n; i++)
		bin[i] = (guchar)(g_ascii_xdigit_value(hex[2 * i]) * 16 +
		    g_ascii_xdigit_value(hex[2 * i + 1]));
	memset(&z, 0, sizeof(z));
	inflateInit2(&z, 15 + 16);
	z.next_in = bin;
	z.avail_in = (uInt)n;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		zr = inflate(&z, Z_NO_FLUSH);
		g_byte_array_append(out, buf, sizeof(buf) - z.avail_out);
	} while (zr == Z_OK);
	inflateEnd(&z);
	g_free(bin);
	if (zr != Z_STREAM_END) {
		g_byte_array_free(out, TRUE);
		return NULL;
	}
	*out_len = out->len;
	g_byte_array_append(out, (const guchar *)"", 1);
	return (char *)g_byte_array_free(out, FALSE);
}

/* ---- tests ---- */

static const char json[] = "{\"organization-name\":\"Company-X\","
	"\"report-id\":\"2016-04-01T00:00:00Z_mail.example.com\"}";

static void
test_store(struct store *st)
{
	int64_t day = utc(2026, 4, 1, 0, 0, 0);
	struct tlsrpt_report *r = sample("tls-1", day);
	GBytes *bytes = g_bytes_new_static(json, sizeof(json) - 1);
	struct store_raw raw = { bytes, "gzip", NULL, "report.json.gz" };
	GError *err = NULL;
	char *plain;
	gsize n = 0;

	TAP_OK(store_one(st, r, &raw, &err) == 1, "a TLS report is stored (%s)",
	    err ? err->message : "");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT count(*), count(DISTINCT report_pk) FROM"
	    " tls_report_v"), "2|1", "one report, two policy rows");
	TAP_IS(V(st, "SELECT organization_name, report_id, contact_info,"
	    " date_begin, date_end, day, policy_type, policy_domain,"
	    " policy_domain_raw, policy_string, mx_host, successful_sessions,"
	    " failed_sessions, failure_details, detail_failed_sessions, fixups"
	    " FROM tls_report_v WHERE policy_no = 1"),
	    "Company-X|tls-1|smtp-tls-reporting@example.org|"
	    "2026-04-01 00:00:00+00|2026-04-01 23:59:59+00|2026-04-01|sts|"
	    "example.com|Example.COM.|{\"version: STSv1\",\"mode: testing\","
	    "\"mx: *.mail.example.com\"}|{*.mail.example.com}|5326|303|2|300|"
	    "{\"report-id: <x> -> x (brackets)\"}",
	    "policy 1: domain normalized beside its raw form, lists, counts");
	TAP_IS(V(st, "SELECT policy_domain, policy_string, mx_host,"
	    " failure_details FROM tls_report_v WHERE policy_no = 2"),
	    "example.net|{\"3 0 1 1F85...\"}|-|0",
	    "policy 2: an empty list is NULL");
	TAP_IS(V(st, "SELECT result_type, sending_mta_ip, sending_mta_ip_raw,"
	    " receiving_mx, receiving_mx_hostname, receiving_mx_helo,"
	    " receiving_ip, receiving_ip_raw, failed_session_count,"
	    " additional_information, failure_reason_code, policy_domain, day"
	    " FROM tls_failure_v WHERE failure_no = 1"),
	    "certificate-expired|2001:db8:abcd:12::1|2001:db8:abcd:0012::1|"
	    "mx1.mail.example.com|MX: Mx1.Mail.Example.COM.|"
	    "mx1.mail.example.com|203.0.113.56|203.0.113.56|200|"
	    "https://reports.example/x|X509_V_ERR_CERT_HAS_EXPIRED|"
	    "example.com|2026-04-01",
	    "failure 1: inet and MX normalized, raw text kept");
	TAP_IS(V(st, "SELECT l.outcome, l.source FROM tls_report_v r JOIN"
	    " ingest_log_v l ON l.id = r.ingest_id LIMIT 1"), "stored|test",
	    "the report points at its message's log row");

	/* The raw copy: plain JSON gzipped here, readable back. */
	TAP_IS(V(st, "SELECT container, member, part_name, format FROM"
	    " tls_report_raw"), "gzip|-|report.json.gz|gzip",
	    "raw copy labelled");
	plain = gunzip_hex(V(st, "SELECT gz FROM tls_report_raw"), &n);
	TAP_OK(plain && n == sizeof(json) - 1 && memcmp(plain, json, n) == 0,
	    "the raw copy inflates to the report as received");
	g_free(plain);

	/* The same report again: in a new batch, then with its policies in
	 * another order and its domains spelled otherwise. */
	TAP_OK(store_one(st, r, &raw, &err) == 0, "the same report again: "
	    "duplicate (%s)", err ? err->message : "");
	g_clear_error(&err);
	g_ptr_array_add(r->policies, g_ptr_array_steal_index(r->policies, 0));
	g_free(((struct tlsrpt_policy *)g_ptr_array_index(r->policies, 0))
	    ->policy_domain);
	((struct tlsrpt_policy *)g_ptr_array_index(r->policies, 0))
	    ->policy_domain = g_strdup("EXAMPLE.net.");
	TAP_OK(store_one(st, r, NULL, &err) == 0, "policies reordered, "
	    "domains in other case: duplicate");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT (SELECT count(*) FROM tls_report),"
	    " (SELECT count(*) FROM tls_policy), (SELECT count(*) FROM"
	    " tls_failure), (SELECT count(*) FROM tls_report_raw)"), "1|2|2|1",
	    "no new rows");
	TAP_IS(V(st, "SELECT string_agg(outcome, ',' ORDER BY id) FROM"
	    " ingest_log_v"), "stored,duplicate,duplicate",
	    "the duplicates are logged as such");

	/* The same id for another set of domains is another report. */
	policy_add(r, "no-policy-found", "example.org", 10, 0);
	TAP_OK(store_one(st, r, NULL, &err) == 1, "another set of policy "
	    "domains: a new report");
	g_clear_error(&err);
	tls_free(r);
	g_bytes_unref(bytes);

	/* A report over local days counts on the day of its middle. */
	r = tls_new("Company-Y", "tz-1", utc(2026, 4, 1, 22, 0, 0),
	    utc(2026, 4, 2, 22, 0, 0));
	policy_add(r, "sts", "example.com", 1, 0);
	TAP_OK(store_one(st, r, NULL, &err) == 1, "a report from 22:00 to "
	    "22:00");
	TAP_IS(V(st, "SELECT day FROM tls_report WHERE report_id = 'tz-1'"),
	    "2026-04-02", "counts on the day holding most of it");
	tls_free(r);
}

/* Pipelined batches: no savepoint, the same answers. */
static void
test_pipelined(struct store *st)
{
	struct tlsrpt_report *r = sample("pipe-1", utc(2026, 4, 3, 0, 0, 0));
	struct store_ingest_log log = { 0 };
	GError *err = NULL;
	int a, b, ok;

	store_set_pipelined(st, TRUE);
	ok = store_batch_begin(st, &err) == 0 &&
	    store_message_begin(st, &err) == 0;
	a = store_tls_report(st, r, NULL, &err);
	log.outcome = STORE_OUTCOME_STORED;
	ok &= store_message_end(st, &log, &err) >= 0 &&
	    store_message_begin(st, &err) == 0;
	b = store_tls_report(st, r, NULL, &err);
	log.outcome = STORE_OUTCOME_DUPLICATE;
	ok &= store_message_end(st, &log, &err) >= 0 &&
	    store_batch_commit(st, &err) == 0;
	TAP_OK(ok && a == 1 && b == 0, "pipelined: stored, then a duplicate "
	    "in the same batch (%d %d %s)", a, b, err ? err->message : "");
	g_clear_error(&err);
	TAP_OK(store_one(st, r, NULL, &err) == 0, "pipelined: a duplicate in "
	    "the next batch");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT count(*), sum(failure_details) FROM tls_report_v"
	    " WHERE report_id = 'pipe-1'"), "2|2", "stored once, whole");
	tls_free(r);

	/* Refused before anything is sent: the batch goes on. */
	r = sample("pipe-bad", utc(2026, 4, 3, 0, 0, 0));
	((struct tlsrpt_policy *)g_ptr_array_index(r->policies, 1))
	    ->total_successful_session_count = -7;
	ok = store_batch_begin(st, &err) == 0 &&
	    store_message_begin(st, &err) == 0;
	a = store_tls_report(st, r, NULL, &err);
	TAP_OK(ok && a == -1 && err && err->code == STORE_ERROR_DATA,
	    "pipelined: a negative count is refused as data (%s)",
	    err ? err->message : "");
	g_clear_error(&err);
	log.outcome = STORE_OUTCOME_QUARANTINED;
	log.reason = "refused";
	ok = store_message_end(st, &log, &err) >= 0 &&
	    store_batch_commit(st, &err) == 0;
	TAP_OK(ok, "and the message is logged quarantined (%s)",
	    err ? err->message : "");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT count(*) FROM tls_report WHERE report_id ="
	    " 'pipe-bad'"), "0", "nothing of it stored");
	store_set_pipelined(st, FALSE);
	tls_free(r);
}

/* A rolled-back batch leaves no trace; the report stores afterwards. */
static void
test_rollback(struct store *st)
{
	struct tlsrpt_report *r = sample("rb-1", utc(2026, 4, 4, 0, 0, 0));
	GBytes *bytes = g_bytes_new_static(json, sizeof(json) - 1);
	struct store_raw raw = { bytes, "json", NULL, "x.json" };
	GError *err = NULL;
	int ok;

	for (int fast = 0; fast <= 1; fast++) {
		store_set_pipelined(st, fast);
		ok = store_batch_begin(st, &err) == 0 &&
		    store_message_begin(st, &err) == 0 &&
		    store_tls_report(st, r, &raw, &err) == 1;
		store_batch_rollback(st);
		TAP_OK(ok, "%s: stored, then the batch rolled back",
		    fast ? "pipelined" : "safe");
		TAP_IS(V(st, "SELECT (SELECT count(*) FROM tls_report WHERE"
		    " report_id = 'rb-1'), (SELECT count(*) FROM tls_policy p"
		    " JOIN tls_report r ON r.id = p.report_id WHERE"
		    " r.report_id = 'rb-1')"), "0|0", "no trace of it");
		g_clear_error(&err);
	}
	store_set_pipelined(st, FALSE);
	TAP_OK(store_one(st, r, &raw, &err) == 1, "after the rollbacks it is "
	    "new (%s)", err ? err->message : "");
	g_clear_error(&err);
	tls_free(r);
	g_bytes_unref(bytes);
}

/* Bad text is repaired, bad addresses NULL, bad counts and dates refused
 * with the message still usable. */
static void
test_hostile(struct store *st)
{
	static const char sqlish[] = "'); DROP TABLE tls_report; -- \\ \"{,}\" \t\n";
	struct tlsrpt_report *r = tls_new("bad \xff\xfe utf-8", sqlish,
	    utc(2026, 4, 5, 0, 0, 0), utc(2026, 4, 6, 0, 0, 0));
	struct tlsrpt_policy *p = policy_add(r, "sts", "hostile.example",
	    -1, -1);
	struct store_ingest_log log = { 0 };
	struct tlsrpt_failure *f;
	GError *err = NULL;
	int ok, got;

	g_ptr_array_add(p->policy_string, g_strdup(sqlish));
	g_ptr_array_add(p->policy_string, g_strdup("\xc3("));
	f = failure_add(p, "validation-failure", "999.1.1.1", "mx:", "fe80::1%eth0",
	    -1);
	f->additional_information = g_strdup("x \xe2\x82 y");
	TAP_OK(store_one(st, r, NULL, &err) == 1, "hostile values: stored "
	    "(%s)", err ? err->message : "");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT organization_name, report_id = %s,"
	    " policy_string[1] = %s, policy_string[2], successful_sessions,"
	    " failed_sessions FROM tls_report_v WHERE policy_domain ="
	    " 'hostile.example'",
	    "$$'); DROP TABLE tls_report; -- \\ \"{,}\" \t\n$$",
	    "$$'); DROP TABLE tls_report; -- \\ \"{,}\" \t\n$$"),
	    "bad \xef\xbf\xbd\xef\xbf\xbd utf-8|t|t|\xef\xbf\xbd(|-|-",
	    "text verbatim or repaired; absent counts NULL");
	TAP_IS(V(st, "SELECT sending_mta_ip, sending_mta_ip_raw, receiving_mx,"
	    " receiving_ip, receiving_ip_raw, failed_session_count,"
	    " additional_information FROM tls_failure_v WHERE policy_domain ="
	    " 'hostile.example'"),
	    "-|999.1.1.1|-|-|fe80::1%eth0|-|x \xef\xbf\xbd\xef\xbf\xbd y",
	    "bad addresses NULL beside their text, an empty MX NULL");
	tls_free(r);

	/* Refused content, in a safe batch: the message is still usable. */
	for (int bad = 0; bad < 4; bad++) {
		r = sample("refused", utc(2026, 4, 7, 0, 0, 0));
		p = g_ptr_array_index(r->policies, 0);
		if (bad == 0)
			p->total_failure_session_count = INT64_C(1) << 62;
		else if (bad == 1)
			((struct tlsrpt_failure *)g_ptr_array_index(
			    p->failure_details, 1))->failed_session_count = -2;
		else if (bad == 2)
			r->end_datetime = INT64_C(99999999999999);
		else
			r->start_datetime = -1;
		ok = store_batch_begin(st, &err) == 0 &&
		    store_message_begin(st, &err) == 0;
		got = store_tls_report(st, r, NULL, &err);
		TAP_OK(ok && got == -1 && err && err->code == STORE_ERROR_DATA,
		    "refused as data: %s", err ? err->message : "?");
		g_clear_error(&err);
		log.outcome = STORE_OUTCOME_QUARANTINED;
		log.reason = "refused";
		log.raw = NULL;
		ok = store_message_end(st, &log, &err) > 0 &&
		    store_batch_commit(st, &err) == 0;
		TAP_OK(ok, "the message is logged after it (%s)",
		    err ? err->message : "");
		g_clear_error(&err);
		tls_free(r);
	}
	TAP_IS(V(st, "SELECT count(*) FROM tls_report WHERE report_id ="
	    " 'refused'"), "0", "nothing of the refused reports stored");

	/* Outside a message: an internal error, nothing sent. */
	r = sample("nomsg", utc(2026, 4, 7, 0, 0, 0));
	TAP_OK(store_tls_report(st, r, NULL, &err) == -1 && err &&
	    err->code == STORE_ERROR_INTERNAL, "outside a message: refused");
	g_clear_error(&err);
	tls_free(r);
}

/* The database itself refuses a report (a trigger stands in for whatever
 * it might refuse): in a safe batch the message goes on, the batch's
 * other reports stay; in a pipelined one the batch fails TRANSIENT and its
 * retry, safe, sees the refusal as DATA. */
static void
test_refused_by_server(struct store *st)
{
	struct tlsrpt_report *good = sample("srv-good", utc(2026, 4, 12, 0, 0, 0));
	struct tlsrpt_report *boom = sample("srv-boom", utc(2026, 4, 12, 0, 0, 0));
	struct store_ingest_log log = { 0 };
	GError *err = NULL;
	int ok, a, b;

	TAP_OK(fixture_admin(fixture_dbname, "CREATE FUNCTION boom() RETURNS"
	    " trigger LANGUAGE plpgsql AS $$BEGIN IF NEW.report_id ="
	    " 'srv-boom' THEN RAISE EXCEPTION 'boom' USING ERRCODE = '22023';"
	    " END IF; RETURN NEW; END$$; CREATE TRIGGER boom BEFORE INSERT ON"
	    " tls_report FOR EACH ROW EXECUTE FUNCTION boom()") == 0,
	    "a trigger that refuses srv-boom");

	ok = store_batch_begin(st, &err) == 0 &&
	    store_message_begin(st, &err) == 0;
	a = store_tls_report(st, good, NULL, &err);
	log.outcome = STORE_OUTCOME_STORED;
	ok &= store_message_end(st, &log, &err) > 0 &&
	    store_message_begin(st, &err) == 0;
	b = store_tls_report(st, boom, NULL, &err);
	TAP_OK(ok && a == 1 && b == -1 && err && err->code == STORE_ERROR_DATA,
	    "safe batch: the refusal is the message's, as data (%s)",
	    err ? err->message : "");
	g_clear_error(&err);
	log.outcome = STORE_OUTCOME_QUARANTINED;
	log.reason = "refused";
	ok = store_message_end(st, &log, &err) > 0 &&
	    store_batch_commit(st, &err) == 0;
	TAP_OK(ok, "the message is logged and the batch commits (%s)",
	    err ? err->message : "");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT string_agg(report_id, ',') FROM tls_report WHERE"
	    " report_id LIKE 'srv-%%'"), "srv-good",
	    "the other report of the batch is stored");

	store_set_pipelined(st, TRUE);
	ok = store_batch_begin(st, &err) == 0 &&
	    store_message_begin(st, &err) == 0;
	b = store_tls_report(st, boom, NULL, &err);
	TAP_OK(ok && b == -1 && err && err->code == STORE_ERROR_TRANSIENT,
	    "pipelined: the batch fails to be retried (%s)",
	    err ? err->message : "");
	g_clear_error(&err);
	store_batch_rollback(st);
	ok = store_batch_begin(st, &err) == 0 &&
	    store_message_begin(st, &err) == 0;
	b = store_tls_report(st, boom, NULL, &err);
	TAP_OK(ok && b == -1 && err && err->code == STORE_ERROR_DATA,
	    "its retry is safe: data (%s)", err ? err->message : "");
	g_clear_error(&err);
	ok = store_message_end(st, &log, &err) >= 0 &&
	    store_batch_commit(st, &err) == 0;
	TAP_OK(ok, "and commits with the message logged (%s)",
	    err ? err->message : "");
	g_clear_error(&err);
	store_set_pipelined(st, FALSE);
	TAP_IS(V(st, "SELECT count(*) FROM tls_report WHERE report_id ="
	    " 'srv-boom'"), "0", "nothing of the refused report");
	fixture_admin(fixture_dbname, "DROP TRIGGER boom ON tls_report");
	tls_free(good);
	tls_free(boom);
}

/* A report of 2,000 failure details: one statement. */
static void
test_big(struct store *st)
{
	struct tlsrpt_report *r = tls_new("Big", "big-1",
	    utc(2026, 4, 8, 0, 0, 0), utc(2026, 4, 9, 0, 0, 0));
	struct tlsrpt_policy *p = policy_add(r, "sts", "big.example",
	    1000000, 4000);
	GError *err = NULL;

	for (int i = 0; i < 2000; i++) {
		char ip[32], mx[32];

		snprintf(ip, sizeof(ip), "198.51.100.%d", i % 250);
		snprintf(mx, sizeof(mx), "mx%d.big.example", i % 7);
		failure_add(p, i % 2 ? "certificate-expired" :
		    "validation-failure", ip, mx, "192.0.2.1", 2);
	}
	TAP_OK(store_one(st, r, NULL, &err) == 1, "2,000 failure details "
	    "stored (%s)", err ? err->message : "");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT count(*), max(failure_no), sum(failed_session_count)"
	    " FROM tls_failure_v WHERE report_id = 'big-1'"), "2000|2000|4000",
	    "every detail in order");
	tls_free(r);
}

static void
test_views(struct store *st)
{
	TAP_IS(V(st, "SELECT count(*) FILTER (WHERE d.description IS NULL)"
	    " FROM information_schema.columns c"
	    " JOIN pg_class k ON k.relname = c.table_name"
	    " LEFT JOIN pg_description d ON d.objoid = k.oid"
	    "  AND d.objsubid = c.ordinal_position"
	    " WHERE c.table_name IN ('tls_report_v', 'tls_failure_v',"
	    " 'tls_daily_v')"), "0", "every column of the TLS views is "
	    "commented");
	TAP_IS(V(st, "SELECT count(*) FROM pg_class k JOIN pg_description d"
	    " ON d.objoid = k.oid AND d.objsubid = 0 WHERE k.relname IN"
	    " ('tls_report_v', 'tls_failure_v', 'tls_daily_v')"), "3",
	    "and every view");
	/* Summed over everything, the daily view gives the policies'
	 * totals: every report stored so far adds up. */
	TAP_IS(V(st, "SELECT sum(successful_sessions), sum(failed_sessions)"
	    " FROM tls_daily_v"),
	    V(st, "SELECT sum(coalesce(total_successful_session_count, 0)),"
	    " sum(greatest(coalesce(total_failure_session_count, 0),"
	    " detail_failed_sessions)) FROM tls_policy"),
	    "tls_daily_v adds up to the policies' totals");
	TAP_IS(V(st, "SELECT sum(failed_sessions) FROM tls_daily_v WHERE"
	    " result_type IS NOT NULL"),
	    V(st, "SELECT sum(failed_session_count) FROM tls_failure_v"),
	    "its detail rows to the failure details");
	TAP_IS(V(st, "SELECT successful_sessions, failed_sessions FROM"
	    " tls_daily_v WHERE day = '2026-04-01' AND policy_domain ="
	    " 'example.com' AND organization_name = 'Company-X' AND"
	    " result_type IS NULL"), "10652|6",
	    "the totals row: successes and the 3 failures no detail explains");
	TAP_IS(V(st, "SELECT failed_sessions, sending_mta_ip, receiving_ip"
	    " FROM tls_daily_v WHERE day = '2026-04-01' AND receiving_mx ="
	    " 'mx2.mail.example.com'"), "200|2001:db8:abcd:13::1|203.0.113.57",
	    "a detail row");
}

/* A report whose details add up to more than its total. */
static void
test_uneven(struct store *st)
{
	struct tlsrpt_report *r = tls_new("Uneven", "u-1",
	    utc(2026, 4, 10, 0, 0, 0), utc(2026, 4, 11, 0, 0, 0));
	struct tlsrpt_policy *p = policy_add(r, "sts", "uneven.example", 90, 5);
	GError *err = NULL;

	failure_add(p, "validation-failure", "192.0.2.7", "mx.uneven.example",
	    NULL, 8);
	failure_add(p, "validation-failure", "192.0.2.8", "mx.uneven.example",
	    NULL, -1);
	TAP_OK(store_one(st, r, NULL, &err) == 1, "a report that does not add "
	    "up");
	g_clear_error(&err);
	TAP_IS(V(st, "SELECT sum(successful_sessions), sum(failed_sessions),"
	    " count(*) FROM tls_daily_v WHERE policy_domain = 'uneven.example'"),
	    "90|8|3", "failures: the details' 8, not 5 + 8; a detail without a "
	    "count counts 0");
	tls_free(r);
}

static void
test_queries(struct store *st)
{
	struct store_filter f = { utc(2026, 4, 1, 12, 0, 0), NULL, NULL };
	struct store_table *t;
	GError *err = NULL;

	f.domain = "EXAMPLE.com";
	t = store_tls(st, &f, STORE_TLS_BY_DAY, &err);
	TAP_IS(header(t), "day,successful_sessions,failed_sessions,failure_pct",
	    "tls --by day: columns (%s)", err ? err->message : "");
	TAP_IS(row(t, 0), "2026-04-01|10652|606|5.38", "2026-04-01: the sample "
	    "and its copy for another set of domains");
	TAP_IS(row(t, 1), "2026-04-02|1|0|0.00", "2026-04-02: Company-Y");
	TAP_IS(row(t, 2), "2026-04-03|5326|303|5.38", "2026-04-03: pipe-1");
	TAP_OK(t && t->rows->len == 4, "4 days of example.com (%u)",
	    t ? t->rows->len : 0);
	store_table_free(t);

	f.domain = "uneven.example";
	f.since = utc(2026, 4, 8, 0, 0, 0);
	t = store_tls(st, &f, STORE_TLS_BY_MX, &err);
	TAP_IS(header(t), "receiving_mx,successful_sessions,failed_sessions,"
	    "failure_pct", "tls --by mx: columns");
	TAP_IS(row(t, 0), "mx.uneven.example|0|8|100.00",
	    "most failures first");
	TAP_IS(row(t, 1), "-|90|0|0.00", "successes fall on the NULL MX");
	TAP_OK(t && t->rows->len == 2, "two rows");
	store_table_free(t);

	f.since = utc(2026, 4, 1, 0, 0, 0);
	f.domain = "example.com";
	t = store_tls(st, &f, STORE_TLS_BY_RESULT, &err);
	TAP_IS(row(t, 0), "certificate-expired|0|800|100.00",
	    "tls --by result: 4 x 200 certificate-expired");
	TAP_IS(row(t, 1), "starttls-not-supported|0|400|100.00",
	    "4 x 100 starttls-not-supported");
	TAP_IS(row(t, 2), "-|21305|12|0.06", "the totals rows");
	store_table_free(t);

	f.domain = NULL;
	f.since = 0;
	t = store_tls(st, &f, STORE_TLS_BY_REPORTER, &err);
	TAP_IS(header(t), "reporter,successful_sessions,failed_sessions,"
	    "failure_pct", "tls --by reporter: columns");
	TAP_IS(row(t, 0), "Big|1000000|4000|0.40", "the busiest first");
	store_table_free(t);
	t = store_tls(st, &f, STORE_TLS_BY_DOMAIN, &err);
	TAP_IS(row(t, 0), "big.example|1000000|4000|0.40",
	    "tls --by domain: big.example first");
	TAP_IS(row(t, 1), "example.com|21305|1212|5.38", "then example.com");
	store_table_free(t);

	/* Addresses are only known for failures. */
	f.ip = "203.0.113.0/24";
	t = store_tls(st, &f, STORE_TLS_BY_DOMAIN, &err);
	TAP_IS(row(t, 0), "example.com|-|1200|-", "tls --ip: the failures "
	    "to or from the net; successes and rate unknown");
	TAP_OK(t && t->rows->len == 1, "only that domain");
	store_table_free(t);
	f.ip = "2001:db8:abcd:12::1";
	t = store_tls(st, &f, STORE_TLS_BY_RESULT, &err);
	TAP_IS(row(t, 0), "certificate-expired|-|800|-",
	    "tls --ip a sending MTA");
	store_table_free(t);
	f.ip = "not an ip";
	t = store_tls(st, &f, STORE_TLS_BY_DAY, &err);
	TAP_OK(t == NULL && err && err->code == STORE_ERROR_DATA,
	    "a bad --ip is refused as data");
	g_clear_error(&err);
}

int
main(void)
{
	struct store *st;
	GError *err = NULL;

	garbage = g_ptr_array_new_with_free_func(g_free);
	if (fixture_db_create("store_tls_test") < 0)
		return 1;
	st = store_open(fixture_conninfo, &err);
	TAP_OK(st != NULL, "open (%s)", err ? err->message : "");
	if (st == NULL)
		return tap_done();
	TAP_OK(store_migrate(st, &err) >= 4, "migrate (%s)",
	    err ? err->message : "");
	g_clear_error(&err);

	test_store(st);
	test_pipelined(st);
	test_rollback(st);
	test_hostile(st);
	test_big(st);
	test_uneven(st);
	test_views(st);
	test_queries(st);
	test_refused_by_server(st);

	store_close(st);
	TAP_OK(fixture_db_drop() == 0, "drop test database");
	g_ptr_array_free(garbage, TRUE);
	return tap_done();
}
