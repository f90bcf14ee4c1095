/* tlsrpt_test.c - unit tests of parse/tlsrpt/ (the TLS report parser).
 *
 * Parses every fixture in tests/data/tlsrpt/ (run from the repository
 * root) and compares each report, policy and failure detail, flattened to
 * one line each ("~" for NULL), with the values written below; then the
 * quirks and every bound on documents built in memory (hostile ones too:
 * nesting 100,000 deep, a million failure-details, a string past the
 * bound), the sniff on reports and on what is not one, and json-c being
 * absent (a child process whose LD_LIBRARY_PATH holds a broken
 * libjson-c.so.5).  When ../shared/corpus/tlsrpt exists (or $CORPUS/tlsrpt),
 * each .json report there is parsed and compared field by field with its
 * expected file, read with json-c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-c/json_object.h>
#include <json-c/json_tokener.h>

#include "parse/tlsrpt/tlsrpt.h"
#include "tests/unit/tap.h"

#define DATA	"tests/data/tlsrpt/"

static const char *
n(const char *s)
{
	return s ? s : "~";
}

static char *
join(const GPtrArray *a, const char *sep)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < a->len; i++)
		g_string_append_printf(s, "%s%s", i ? sep : "",
		    (const char *)g_ptr_array_index(a, i));
	return g_string_free(s, FALSE);
}

static char *
report_str(const struct tlsrpt_report *r)
{
	char b1[32], b2[32];

	return g_strdup_printf("org=%s id=%s contact=%s start=%s end=%s "
	    "policies=%u", n(r->organization_name), n(r->report_id),
	    n(r->contact_info), tlsrpt_format_time(r->start_datetime, b1),
	    tlsrpt_format_time(r->end_datetime, b2), r->policies->len);
}

static const struct tlsrpt_policy *
pol(const struct tlsrpt_report *r, guint i)
{
	return i < r->policies->len ? g_ptr_array_index(r->policies, i) : NULL;
}

static char *
policy_str(const struct tlsrpt_policy *p)
{
	char *strings, *mx, *s;

	if (p == NULL)
		return g_strdup("(no policy)");
	strings = join(p->policy_string, "|");
	mx = join(p->mx_host, "|");
	s = g_strdup_printf("type=%s domain=%s strings=[%s] mx=[%s] ok=%"
	    PRId64 " fail=%" PRId64 " details=%u", n(p->policy_type),
	    n(p->policy_domain), strings, mx,
	    p->total_successful_session_count,
	    p->total_failure_session_count, p->failure_details->len);
	g_free(strings);
	g_free(mx);
	return s;
}

static char *
failure_str(const struct tlsrpt_policy *p, guint i)
{
	const struct tlsrpt_failure *f;

	if (p == NULL || i >= p->failure_details->len)
		return g_strdup("(no failure)");
	f = g_ptr_array_index(p->failure_details, i);
	return g_strdup_printf("%s smta=%s mx=%s helo=%s rip=%s count=%"
	    PRId64 " info=%s code=%s", n(f->result_type),
	    n(f->sending_mta_ip), n(f->receiving_mx_hostname),
	    n(f->receiving_mx_helo), n(f->receiving_ip),
	    f->failed_session_count, n(f->additional_information),
	    n(f->failure_reason_code));
}

/* Each check frees what it printed. */
static void
is_report(const struct tlsrpt_report *r, const char *want, const char *what)
{
	char *got = report_str(r);

	TAP_IS(got, want, "%s: report", what);
	g_free(got);
}

static void
is_policy(const struct tlsrpt_report *r, guint i, const char *want,
    const char *what)
{
	char *got = policy_str(pol(r, i));

	TAP_IS(got, want, "%s: policy %u", what, i);
	g_free(got);
}

static void
is_failure(const struct tlsrpt_report *r, guint p, guint i,
    const char *want, const char *what)
{
	char *got = failure_str(pol(r, p), i);

	TAP_IS(got, want, "%s: policy %u failure %u", what, p, i);
	g_free(got);
}

static void
is_fixups(const struct tlsrpt_report *r, const char *want, const char *what)
{
	char *got = join(r->fixups, " | ");

	TAP_IS(got, want, "%s: fixups", what);
	g_free(got);
}

static struct tlsrpt_report *
parse_file(const char *file, GError **err)
{
	char *path = g_strconcat(DATA, file, NULL);
	gchar *data = NULL;
	gsize len = 0;
	struct tlsrpt_report *r;

	if (!g_file_get_contents(path, &data, &len, NULL)) {
		TAP_OK(0, "read %s", path);
		g_free(path);
		return NULL;
	}
	r = tlsrpt_parse(data, len, file, err);
	g_free(data);
	g_free(path);
	return r;
}

/* A fixture that must parse: NULL (after a failed TAP line) if not. */
static struct tlsrpt_report *
good(const char *file)
{
	GError *err = NULL;
	struct tlsrpt_report *r = parse_file(file, &err);

	TAP_OK(r != NULL, "%s parses (%s)", file, err ? err->message : "ok");
	g_clear_error(&err);
	return r;
}

static void
test_rfc(void)
{
	struct tlsrpt_report *r;

	if ((r = good("rfc-sts-failures.json")) != NULL) {
		is_report(r, "org=Mail Sender Ltd id=9f0b7c1e-2d4a-4c55-8e61-"
		    "3a2f9d7b1c00 contact=tls-reports@sender.example "
		    "start=2024-02-11T00:00:00Z end=2024-02-11T23:59:59Z "
		    "policies=1", "rfc sts");
		is_policy(r, 0, "type=sts domain=receiver.example "
		    "strings=[version: STSv1|mode: enforce|mx: mx1.receiver."
		    "example|mx: *.backup.receiver.example|max_age: 604800] "
		    "mx=[mx1.receiver.example|*.backup.receiver.example] "
		    "ok=4210 fail=57 details=3", "rfc sts");
		is_failure(r, 0, 0, "certificate-expired smta=2001:db8:5::25 "
		    "mx=mx1.receiver.example helo=~ rip=~ count=40 info=~ "
		    "code=~", "rfc sts");
		is_failure(r, 0, 1, "starttls-not-supported smta=198.51.100.7 "
		    "mx=mx2.backup.receiver.example helo=backup2.receiver."
		    "example rip=203.0.113.22 count=15 info=https://reports."
		    "sender.example/tls?id=9f0b7c1e#starttls code=~",
		    "rfc sts");
		is_failure(r, 0, 2, "validation-failure smta=198.51.100.8 "
		    "mx=mx3.backup.receiver.example helo=~ rip=203.0.113.23 "
		    "count=2 info=~ code=X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_"
		    "LOCALLY", "rfc sts");
		is_fixups(r, "", "rfc sts");
		TAP_OK(r->start_datetime == 1707609600 &&
		    r->end_datetime == 1707696000 - 1,
		    "rfc sts: epoch seconds %" PRId64 " %" PRId64,
		    r->start_datetime, r->end_datetime);
		tlsrpt_report_free(r);
	}
	if ((r = good("rfc-tlsa.json")) != NULL) {
		is_report(r, "org=Mail Sender Ltd id=4c1d2e3f-0000-4abc-9def-"
		    "000000000002 contact=mailto:tls-reports@sender.example "
		    "start=2024-02-12T00:00:00Z end=2024-02-12T23:59:59Z "
		    "policies=1", "rfc tlsa");
		is_policy(r, 0, "type=tlsa domain=dane.receiver.example "
		    "strings=[3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7"
		    "CB23E5B514B56664C5D3D6|3 1 1 1A2B3C4D5E6F708192A3B4C5D6E7"
		    "F8091A2B3C4D5E6F708192A3B4C5D6E7F809] mx=[mail.dane."
		    "receiver.example] ok=88 fail=3 details=2", "rfc tlsa");
		is_failure(r, 0, 0, "tlsa-invalid smta=192.0.2.10 mx=mail.dane."
		    "receiver.example helo=~ rip=2001:db8:77::10 count=2 "
		    "info=~ code=~", "rfc tlsa");
		is_failure(r, 0, 1, "dnssec-invalid smta=192.0.2.11 mx=mail."
		    "dane.receiver.example helo=~ rip=~ count=1 info=~ code=~",
		    "rfc tlsa");
		tlsrpt_report_free(r);
	}
}

static void
test_google(void)
{
	struct tlsrpt_report *r;

	if ((r = good("google-sts.json")) != NULL) {
		is_report(r, "org=Google Inc. id=2024-03-20T00:00:00Z_receiver."
		    "example contact=smtp-tls-reporting@google.com start=2024-"
		    "03-20T00:00:00Z end=2024-03-20T23:59:59Z policies=1",
		    "google sts");
		is_policy(r, 0, "type=sts domain=receiver.example strings="
		    "[version: STSv1|mode: enforce|mx: mx1.receiver.example|"
		    "mx: mx2.receiver.example|max_age: 1209600] mx=[] ok=312 "
		    "fail=0 details=0", "google sts");
		tlsrpt_report_free(r);
	}
	if ((r = good("google-no-policy.json")) != NULL) {
		is_report(r, "org=Google Inc. id=2024-03-21T00:00:00Z_small."
		    "example contact=smtp-tls-reporting@google.com start=2024-"
		    "03-21T00:00:00Z end=2024-03-21T23:59:59Z policies=1",
		    "google no policy");
		is_policy(r, 0, "type=no-policy-found domain=small.example "
		    "strings=[] mx=[] ok=7 fail=0 details=0",
		    "google no policy");
		tlsrpt_report_free(r);
	}
	if ((r = good("google-failures.json")) != NULL) {
		is_policy(r, 0, "type=sts domain=receiver.example strings="
		    "[version: STSv1|mode: testing|mx: mail.receiver.example|"
		    "max_age: 86400] mx=[mail.receiver.example] ok=0 fail=9 "
		    "details=2", "google failures");
		is_failure(r, 0, 0, "certificate-host-mismatch smta=209.85.167."
		    "51 mx=mail.receiver.example helo=~ rip=192.0.2.80 count=6 "
		    "info=~ code=~", "google failures");
		is_failure(r, 0, 1, "sts-webpki-invalid smta=2607:f8b0:4864:20"
		    "::b2a mx=mail.receiver.example helo=~ rip=2001:db8:80::1 "
		    "count=3 info=~ code=~", "google failures");
		tlsrpt_report_free(r);
	}
}

static void
test_google_two(void)
{
	struct tlsrpt_report *r;

	if ((r = good("google-two-policies.json")) == NULL)
		return;
	is_report(r, "org=Google Inc. id=2024-03-23T00:00:00Z_receiver.example "
	    "contact=smtp-tls-reporting@google.com start=2024-03-23T00:00:00Z "
	    "end=2024-03-23T23:59:59Z policies=2", "google two");
	is_policy(r, 0, "type=sts domain=receiver.example strings=[version: "
	    "STSv1|mode: enforce|mx: *.receiver.example|max_age: 604800] "
	    "mx=[*.receiver.example] ok=1200 fail=0 details=0", "google two");
	is_policy(r, 1, "type=no-policy-found domain=lists.receiver.example "
	    "strings=[] mx=[] ok=40 fail=2 details=1", "google two");
	is_failure(r, 1, 0, "starttls-not-supported smta=209.85.218.43 mx=mx."
	    "lists.receiver.example helo=~ rip=192.0.2.61 count=2 info=~ "
	    "code=~", "google two");
	tlsrpt_report_free(r);
}

static void
test_microsoft(void)
{
	struct tlsrpt_report *r;

	/* Microsoft has sent date-times without a zone: UTC, with a fixup. */
	if ((r = good("microsoft-no-zone.json")) != NULL) {
		is_report(r, "org=Microsoft Corporation id=133608245693456789+"
		    "receiver.example contact=tlsrpt-noreply@microsoft.com "
		    "start=2024-05-21T00:00:00Z end=2024-05-21T23:59:59Z "
		    "policies=1", "microsoft no zone");
		is_policy(r, 0, "type=sts domain=receiver.example strings="
		    "[version: STSv1|mode: enforce|mx: mx.receiver.example|"
		    "max_age: 604800] mx=[mx.receiver.example] ok=52 fail=0 "
		    "details=0", "microsoft no zone");
		is_fixups(r, "date-range.start-datetime: \"2024-05-21T00:00:"
		    "00\" -> 2024-05-21T00:00:00Z (no time zone: UTC) | "
		    "date-range.end-datetime: \"2024-05-21T23:59:59\" -> "
		    "2024-05-21T23:59:59Z (no time zone: UTC)",
		    "microsoft no zone");
		tlsrpt_report_free(r);
	}
	if ((r = good("microsoft-fetch-error.json")) != NULL) {
		is_report(r, "org=Microsoft Corporation id=133607381692837465+"
		    "receiver.example contact=tlsrpt-noreply@microsoft.com "
		    "start=2024-05-20T00:00:00Z end=2024-05-20T23:59:59Z "
		    "policies=1", "microsoft fetch error");
		is_policy(r, 0, "type=sts domain=receiver.example strings=[] "
		    "mx=[] ok=0 fail=6 details=1", "microsoft fetch error");
		is_failure(r, 0, 0, "sts-policy-fetch-error smta=2a01:111:f400:"
		    "7e1a::700 mx=~ helo=~ rip=~ count=6 info=~ code=HTTP 404",
		    "microsoft fetch error");
		tlsrpt_report_free(r);
	}

	if ((r = good("microsoft-sts.json")) != NULL) {
		is_report(r, "org=Microsoft Corporation id=133604787689984837+"
		    "receiver.example contact=tlsrpt-noreply@microsoft.com "
		    "start=2024-05-16T00:00:00Z end=2024-05-16T23:59:59Z "
		    "policies=1", "microsoft sts");
		is_policy(r, 0, "type=sts domain=receiver.example strings="
		    "[version: STSv1|mode: enforce|mx: receiver-example.mail."
		    "protection.outlook.com|max_age: 604800] mx=[receiver-"
		    "example.mail.protection.outlook.com] ok=1045 fail=0 "
		    "details=0", "microsoft sts");
		tlsrpt_report_free(r);
	}
	if ((r = good("microsoft-datetime-id.json")) != NULL) {
		is_report(r, "org=Microsoft Corporation id=2024-05-17T00:00:0"
		    "0Z_receiver.example contact=tlsrpt-noreply@microsoft.com "
		    "start=2024-05-17T00:00:00Z end=2024-05-17T23:59:59Z "
		    "policies=1", "microsoft datetime id");
		is_failure(r, 0, 0, "certificate-not-trusted smta=40.107.22.1"
		    "01 mx=mx.receiver.example helo=~ rip=192.0.2.25 count=12 "
		    "info=https://learn.example/tlsrpt#certificate-not-trusted "
		    "code=~", "microsoft datetime id");
		tlsrpt_report_free(r);
	}
	/* A TLSA policy-string that is a JSON array inside a string: kept
	 * as written, one element, not unpacked. */
	if ((r = good("microsoft-tlsa-serialized.json")) != NULL) {
		is_policy(r, 0, "type=tlsa domain=dane.receiver.example "
		    "strings=[[\"3 1 1 6B1AE2B4A0C1C9F84AF9A0D6BB8C1E2F1C3C4D5E"
		    "6F708192A3B4C5D6E7F8091\",\"2 1 1 9D6F2AC71E3B0A4F5E6D7C8B"
		    "9A0F1E2D3C4B5A69788796A5B4C3D2E1F0A1B2C3\"]] mx=[mx1.dane."
		    "receiver.example] ok=77 fail=0 details=0",
		    "microsoft tlsa serialized");
		TAP_OK(pol(r, 0)->policy_string->len == 1, "microsoft tlsa "
		    "serialized: one policy-string element");
		is_fixups(r, "", "microsoft tlsa serialized");
		tlsrpt_report_free(r);
	}
}

static void
test_others(void)
{
	struct tlsrpt_report *r;

	/* contact-info null, mx: prefix kept, fractional seconds, a
	 * failure without any address or host. */
	if ((r = good("mailru-mx-prefix.json")) != NULL) {
		is_report(r, "org=Mail.Ru id=17172000000+receiver.example "
		    "contact=~ start=2024-06-01T00:00:00Z end=2024-06-01T23:59:"
		    "59Z policies=1", "mail.ru");
		is_policy(r, 0, "type=sts domain=receiver.example strings="
		    "[version: STSv1|mode: enforce|mx: mx.receiver.example|"
		    "max_age: 86400] mx=[mx: mx.receiver.example] ok=19 fail=1 "
		    "details=1", "mail.ru");
		is_failure(r, 0, 0, "validation-failure smta=~ mx=~ helo=~ "
		    "rip=~ count=1 info=~ code=~", "mail.ru");
		is_fixups(r, "date-range.start-datetime: \"2024-06-01T00:00:00."
		    "000Z\" -> 2024-06-01T00:00:00Z (fraction dropped) | "
		    "date-range.end-datetime: \"2024-06-01T23:59:59.999Z\" -> "
		    "2024-06-01T23:59:59Z (fraction dropped)", "mail.ru");
		tlsrpt_report_free(r);
	}
	/* Moscow time, mx: prefixes on a no-policy-found, a HELO name. */
	if ((r = good("mailru-offset-helo.json")) != NULL) {
		is_report(r, "org=Mail.Ru id=17173152000+receiver.example "
		    "contact=tlsrpt@corp.mail.example start=2024-06-02T00:00:"
		    "00Z end=2024-06-02T23:59:59Z policies=1",
		    "mail.ru offset");
		is_policy(r, 0, "type=no-policy-found domain=receiver.example "
		    "strings=[] mx=[mx: mx1.receiver.example|mx: mx2.receiver."
		    "example] ok=30 fail=4 details=1", "mail.ru offset");
		is_failure(r, 0, 0, "certificate-host-mismatch smta=94.100.180."
		    "31 mx=mx2.receiver.example helo=smtp.hosting.example "
		    "rip=192.0.2.42 count=4 info=~ code=~", "mail.ru offset");
		is_fixups(r, "date-range.start-datetime: \"2024-06-02T03:00:00+"
		    "03:00\" -> 2024-06-02T00:00:00Z (offset applied) | date-"
		    "range.end-datetime: \"2024-06-03T02:59:59+03:00\" -> 2024-"
		    "06-02T23:59:59Z (offset applied)", "mail.ru offset");
		tlsrpt_report_free(r);
	}
	/* Postfix's tlsrpt: no report-id position, no policy-domain for
	 * no-policy-found, an empty failure-details. */
	if ((r = good("postfix-no-policy-domain.json")) != NULL) {
		is_report(r, "org=relay.sender.example id=2025-01-05T00:00:00Z_"
		    "idx1_receiver.example contact=smtp-tls-reporting@relay."
		    "sender.example start=2025-01-05T00:00:00Z end=2025-01-05T"
		    "23:59:59Z policies=2", "postfix");
		is_policy(r, 0, "type=no-policy-found domain=~ strings=[] mx="
		    "[] ok=4 fail=0 details=0", "postfix");
		is_policy(r, 1, "type=tlsa domain=dane.receiver.example "
		    "strings=[3 1 1 AABBCCDDEEFF00112233445566778899AABBCCDDEEF"
		    "F00112233445566778899] mx=[mx.dane.receiver.example] ok=2 "
		    "fail=1 "
		    "details=1", "postfix");
		is_failure(r, 1, 0, "tlsa-invalid smta=192.0.2.99 mx=mx.dane."
		    "receiver.example helo=~ rip=198.51.100.99 count=1 info=~ "
		    "code=~", "postfix");
		tlsrpt_report_free(r);
	}
	if ((r = good("tlsa-policy-string-one-string.json")) != NULL) {
		is_policy(r, 0, "type=tlsa domain=dane.receiver.example "
		    "strings=[[\"3 1 1 6B1AE2B4A0C1C9F84AF9A0D6BB8C1E2F1C3C4D5E"
		    "6F708192A3B4C5D6E7F8091\"]] mx=[mx1.dane.receiver.example]"
		    " ok=5 fail=0 details=0", "one string");
		is_fixups(r, "policies[0].policy.policy-string: \"[\\\"3 1 1 "
		    "6B1AE2B4A0C1C9F84AF9A0D6BB8C1E2F1C3C4D5E6F708192A3B4C5D6E7"
		    "F8091\\\"]\" -> [\"[\\\"3 1 1 6B1AE2B4A0C1C9F84AF9A0D6BB8C"
		    "1E2F1C3C4D5E6F708192A3B4C5D6E7F8091\\\"]\"] (one string, "
		    "not a list) | policies[0].policy.mx-host: "
		    "\"mx1.dane.receiver.example\" -> [\"mx1.dane.receiver.exam"
		    "ple\"] (one string, "
		    "not a list)", "one string");
		tlsrpt_report_free(r);
	}
}

static void
test_quirks(void)
{
	struct tlsrpt_report *r;

	if ((r = good("quirk-bom-space.json")) != NULL) {
		is_report(r, "org=BOM Mailer id=bom-1 contact=ops@bom.example "
		    "start=2024-07-01T00:00:00Z end=2024-07-01T23:59:59Z "
		    "policies=0", "BOM and space");
		is_fixups(r, "", "BOM and space");
		tlsrpt_report_free(r);
	}
	if ((r = good("quirk-counts-strings.json")) != NULL) {
		is_report(r, "org=Stringly Typed id=20240702 contact=ops@"
		    "stringly.example start=2024-07-02T00:00:00Z end=2024-07-"
		    "02T23:59:59Z policies=1", "counts as strings");
		is_policy(r, 0, "type=sts domain=receiver.example strings="
		    "[version: STSv1|mode: enforce|mx: mx.receiver.example|"
		    "max_age: 86400] mx=[mx.receiver.example] ok=5 fail=2 "
		    "details=1", "counts as strings");
		is_failure(r, 0, 0, "certificate-expired smta=192.0.2.1 mx=mx."
		    "receiver.example helo=~ rip=~ count=2 info=~ code=~",
		    "counts as strings");
		is_fixups(r, "report-id: 20240702 -> \"20240702\" (a number "
		    "where a string belongs) | policies[0].policy.mx-host[1]: "
		    "null -> (dropped) (a null in a list of strings) | "
		    "policies[0].summary.total-successful-session-count: \"5\" "
		    "-> 5 (a count written as a string) | policies[0].summary."
		    "total-failure-session-count: 2.0 -> 2 (a whole number "
		    "written with a fraction) | policies[0].failure-details[0]."
		    "failed-session-count: \"0002\" -> 2 (a count written as a "
		    "string)", "counts as strings");
		tlsrpt_report_free(r);
	}
	if ((r = good("quirk-dates-offset.json")) != NULL) {
		is_report(r, "org=Offset Mail id=offset-1 contact=ops@offset."
		    "example start=2024-07-03T00:00:00Z end=2024-07-03T23:59:"
		    "59Z policies=1", "offsets");
		is_fixups(r, "date-range.start-datetime: \"2024-07-03T02:00:00+"
		    "02:00\" -> 2024-07-03T00:00:00Z (offset applied) | "
		    "date-range.end-datetime: \"2024-07-04t01:59:59.5+0200\" "
		    "-> 2024-07-03T23:59:59Z (separator, fraction dropped, "
		    "offset "
		    "applied)", "offsets");
		tlsrpt_report_free(r);
	}
	if ((r = good("quirk-dates-no-zone.json")) != NULL) {
		is_report(r, "org=No Zone id=nozone-1 contact=~ start=2024-07-"
		    "06T00:00:00Z end=2024-07-06T23:59:59Z policies=0",
		    "no zone");
		is_fixups(r, "date-range.start-datetime: \"2024-07-06\" -> "
		    "2024-07-06T00:00:00Z (date alone: its midnight, UTC) | "
		    "date-range.end-datetime: \"2024-07-06 23:59:59\" -> "
		    "2024-07-06T23:59:59Z (separator, no time zone: UTC)",
		    "no zone");
		tlsrpt_report_free(r);
	}
	if ((r = good("quirk-order-unknown.json")) != NULL) {
		is_report(r, "org=Unordered Inc. id=order-1 contact=~ start="
		    "2024-07-05T00:00:00Z end=2024-07-05T23:59:59Z policies=1",
		    "order and unknown members");
		is_policy(r, 0, "type=sts domain=receiver.example strings=[] "
		    "mx=[] ok=0 fail=3 details=1", "order and unknown members");
		is_failure(r, 0, 0, "sts-policy-fetch-error smta=~ mx=~ helo=~ "
		    "rip=~ count=3 info=~ code=~", "order and unknown members");
		is_fixups(r, "", "order and unknown members");
		tlsrpt_report_free(r);
	}
}

static void
test_many(void)
{
	struct tlsrpt_report *r;
	int64_t ok = 0, fail = 0;
	guint i, details = 0;

	if ((r = good("many-policies.json")) == NULL)
		return;
	is_report(r, "org=Bulk Sender id=2024-08-01T00:00:00Z_bulk contact="
	    "tlsrpt@bulk.example start=2024-08-01T00:00:00Z end=2024-08-01T23:"
	    "59:59Z policies=250", "many policies");
	for (i = 0; i < r->policies->len; i++) {
		ok += pol(r, i)->total_successful_session_count;
		fail += pol(r, i)->total_failure_session_count;
		details += pol(r, i)->failure_details->len;
	}
	TAP_OK(ok == 250 * 100 + 249 * 250 / 2 && fail == 50 * 10 &&
	    details == 200, "many policies: sums %" PRId64 " %" PRId64 " %u",
	    ok, fail, details);
	is_policy(r, 0, "type=sts domain=d000.receiver.example strings=[version"
	    ": STSv1|mode: enforce|mx: mx.d000.receiver.example|max_age: 86400]"
	    " mx=[mx.d000.receiver.example] ok=100 fail=0 details=0",
	    "many policies");
	is_policy(r, 2, "type=no-policy-found domain=d002.receiver.example "
	    "strings=[] mx=[] ok=102 fail=2 details=1", "many policies");
	is_failure(r, 249, 0, "starttls-not-supported smta=192.0.2.250 mx=mx."
	    "d249.receiver.example helo=~ rip=~ count=4 info=~ code=~",
	    "many policies");
	tlsrpt_report_free(r);
}

/* A fixture or document that must fail with code, its message holding
 * every word of want. */
static void
refused(const char *what, struct tlsrpt_report *r, GError *err, int code,
    const char *want)
{
	char *name = g_strescape(what, NULL);

	TAP_OK(r == NULL && err != NULL && err->domain == TLSRPT_ERROR &&
	    err->code == code && strstr(err->message, want) != NULL,
	    "%s: refused, code %d, \"%s\" (%s)", name, code, want,
	    err ? err->message : "parsed");
	g_free(name);
	tlsrpt_report_free(r);
	g_clear_error(&err);
}

static void
refused_file(const char *file, int code, const char *want)
{
	GError *err = NULL;
	struct tlsrpt_report *r = parse_file(file, &err);

	refused(file, r, err, code, want);
}

static void
refused_doc(const char *what, const char *doc, gsize len, int code,
    const char *want)
{
	GError *err = NULL;
	struct tlsrpt_report *r = tlsrpt_parse(doc, len, "doc", &err);

	refused(what, r, err, code, want);
}

static void
refused_s(const char *what, const char *doc, int code, const char *want)
{
	refused_doc(what, doc, strlen(doc), code, want);
}

static void
test_refused_files(void)
{
	refused_file("invalid-no-date-range.json", TLSRPT_ERROR_INVALID,
	    "date-range is missing");
	refused_file("invalid-no-policies.json", TLSRPT_ERROR_INVALID,
	    "policies is missing");
	refused_file("invalid-negative-count.json", TLSRPT_ERROR_INVALID,
	    "policies[0].summary.total-successful-session-count is -4");
	refused_file("invalid-bad-date.json", TLSRPT_ERROR_INVALID,
	    "\"2024-02-30T00:00:00Z\" is not an RFC 3339 date-time");
	refused_file("not-report-other.json", TLSRPT_ERROR_NOT_REPORT,
	    "without organization-name");
	refused_file("not-report-array.json", TLSRPT_ERROR_NOT_REPORT,
	    "is an array, not a report object");
	refused_file("malformed-truncated.json", TLSRPT_ERROR_JSON,
	    "unexpected end");
	refused_file("malformed-latin1.json", TLSRPT_ERROR_JSON,
	    "not UTF-8 at byte 30");
}

/* Every fixture, by its name: invalid-*, not-report-* and malformed-*
 * are refused with their code, the others parse. */
static void
test_every_fixture(void)
{
	static const struct {
		const char *prefix;
		int code;
	} refusals[] = {
		{ "invalid-", TLSRPT_ERROR_INVALID },
		{ "not-report-", TLSRPT_ERROR_NOT_REPORT },
		{ "malformed-", TLSRPT_ERROR_JSON },
	};
	GDir *dir = g_dir_open(DATA, 0, NULL);
	const char *name;
	int code, files = 0, wrong = 0;
	size_t i;

	if (dir == NULL) {
		TAP_OK(0, "open " DATA);
		return;
	}
	while ((name = g_dir_read_name(dir)) != NULL) {
		GError *err = NULL;
		struct tlsrpt_report *r = parse_file(name, &err);

		code = -1;
		for (i = 0; i < G_N_ELEMENTS(refusals); i++)
			if (g_str_has_prefix(name, refusals[i].prefix))
				code = refusals[i].code;
		files++;
		if (code >= 0 ? r != NULL || err == NULL || err->code != code :
		    r == NULL) {
			wrong++;
			printf("# %s: %s\n", name, err ? err->message :
			    "parsed");
		}
		tlsrpt_report_free(r);
		g_clear_error(&err);
	}
	g_dir_close(dir);
	TAP_OK(files > 0 && wrong == 0, "every fixture: %d files, %d read "
	    "as their names say", files, files - wrong);
}

/* A report around one policy entry (or around the policies member). */
static char *
doc_policy(const char *policy_entry)
{
	return g_strdup_printf("{\"organization-name\":\"T\",\"date-range\":"
	    "{\"start-datetime\":\"2024-01-01T00:00:00Z\",\"end-datetime\":"
	    "\"2024-01-01T23:59:59Z\"},\"report-id\":\"t\",\"policies\":[%s]}",
	    policy_entry);
}

static char *
doc_count(const char *count)
{
	char *entry = g_strdup_printf("{\"summary\":{\"total-successful-"
	    "session-count\":%s}}", count), *doc = doc_policy(entry);

	g_free(entry);
	return doc;
}

static void
count_refused(const char *count, const char *want)
{
	char *doc = doc_count(count), *what = g_strdup_printf("count %s",
	    count);

	refused_doc(what, doc, strlen(doc), TLSRPT_ERROR_INVALID, want);
	g_free(what);
	g_free(doc);
}

static void
count_read(const char *count, int64_t want, const char *fixup_want)
{
	char *doc = doc_count(count), *fx;
	GError *err = NULL;
	struct tlsrpt_report *r = tlsrpt_parse(doc, strlen(doc), "doc", &err);

	TAP_OK(r != NULL && pol(r, 0)->total_successful_session_count == want,
	    "count %s reads as %" PRId64 " (%s)", count, want,
	    err ? err->message : "ok");
	if (r != NULL && fixup_want != NULL) {
		fx = join(r->fixups, " | ");
		TAP_IS(fx, fixup_want, "count %s: fixup", count);
		g_free(fx);
	}
	tlsrpt_report_free(r);
	g_clear_error(&err);
	g_free(doc);
}

/* Integers: never UB, never a silent wrong value. */
static void
test_counts(void)
{
	char *big, *count, *doc;

	count_read("0", 0, "");
	count_read("9223372036854775807", INT64_MAX, "");
	count_read("null", -1, "");
	count_read("7.000", 7, "policies[0].summary.total-successful-session-"
	    "count: 7.000 -> 7 (a whole number written with a fraction)");
	count_read("\"42\"", 42, "policies[0].summary.total-successful-"
	    "session-count: \"42\" -> 42 (a count written as a string)");
	count_refused("-1", "is -1, not a session count");
	count_refused("9223372036854775808", "not a session count");
	count_refused("99999999999999999999", "not a session count");
	count_refused("-99999999999999999999", "not a session count");
	count_refused("1.5", "is 1.5, not a session count");
	count_refused("1e3", "is 1e3, not a session count");
	count_refused("-0.0", "not a session count");
	count_refused("\"-3\"", "is \"-3\", not a session count");
	count_refused("\"5 sessions\"", "not a session count");
	count_refused("\"9999999999999999999\"", "not a session count");
	count_refused("true", "is a boolean, not a session count");
	count_refused("[1]", "is an array, not a session count");
	big = g_strnfill(TLSRPT_MAX_NUMBER - 2, '0');
	count = g_strdup_printf("1.%s", big);
	count_read(count, 1, NULL);
	g_free(count);
	count = g_strdup_printf("1.%s0", big);
	doc = doc_count(count);
	refused_s("a number of 257 bytes", doc, TLSRPT_ERROR_LIMIT,
	    "a number longer than 256 bytes at byte 191 "
	    "(TLSRPT_MAX_NUMBER)");
	g_free(doc);
	g_free(count);
	g_free(big);
}

static void
test_types(void)
{
	static const struct {
		const char *entry, *want;
	} bad[] = {
		{ "{\"policy\":[]}", "policies[0].policy is an array, not an "
		    "object" },
		{ "{\"policy\":{\"policy-type\":true}}", "policies[0].policy."
		    "policy-type is a boolean, not a string" },
		{ "{\"policy\":{\"policy-string\":{}}}", "policies[0].policy."
		    "policy-string is an object, not a list of strings" },
		{ "{\"policy\":{\"mx-host\":[1.5]}}", "policies[0].policy."
		    "mx-host[0] is a fraction, not a string" },
		{ "{\"summary\":7}", "policies[0].summary is a number, not an "
		    "object" },
		{ "{\"failure-details\":{}}", "policies[0].failure-details is "
		    "an object, not a list" },
		{ "{\"failure-details\":[7]}", "policies[0].failure-details[0] "
		    "is a number, not an object" },
		{ "{\"failure-details\":[{\"receiving-ip\":[]}]}", "policies[0]"
		    ".failure-details[0].receiving-ip is an array" },
		{ "{\"policy\":{\"policy-domain\":\"a\\u0000b\"}}",
		    "policies[0].policy.policy-domain holds U+0000" },
		{ "3", "policies[0] is a number, not an object" },
		{ "{\"summary\":{\"total-failure-session-count\":\"5\\u00009\""
		    "}}", "policies[0].summary.total-failure-session-count "
		    "holds U+0000" },
	};
	size_t i;
	char *doc;

	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		doc = doc_policy(bad[i].entry);
		refused_doc(bad[i].entry, doc, strlen(doc),
		    TLSRPT_ERROR_INVALID, bad[i].want);
		g_free(doc);
	}
	refused_s("policies not a list", "{\"date-range\":{\"start-datetime"
	    "\":\"2024-01-01T00:00:00Z\",\"end-datetime\":\"2024-01-02T00:00:"
	    "00Z\"},\"policies\":{}}", TLSRPT_ERROR_INVALID,
	    "policies is an object, not a list");
	refused_s("date-range a string", "{\"date-range\":\"today\","
	    "\"policies\":[]}", TLSRPT_ERROR_INVALID,
	    "date-range is a string, not an object");
	refused_s("date as a number", "{\"date-range\":{\"start-datetime\":"
	    "1,\"end-datetime\":2},\"policies\":[]}",
	    TLSRPT_ERROR_INVALID, "date-range.start-datetime is a number");
	refused_s("no end", "{\"date-range\":{\"start-datetime\":\"2024-01-"
	    "01T00:00:00Z\"},\"policies\":[]}", TLSRPT_ERROR_INVALID,
	    "date-range.end-datetime is missing");
	refused_s("NUL in a date", "{\"date-range\":{\"start-datetime\":"
	    "\"2024-01-01\\u0000junk\",\"end-datetime\":\"2024-01-02\"},"
	    "\"policies\":[]}", TLSRPT_ERROR_INVALID,
	    "date-range.start-datetime holds U+0000");
	refused_s("org an object", "{\"organization-name\":{},\"policies\":"
	    "[]}", TLSRPT_ERROR_INVALID, "organization-name is an object");
}

static void
test_json_errors(void)
{
	static const struct {
		const char *doc;
		int code;
		const char *want;
	} docs[] = {
		{ "", TLSRPT_ERROR_JSON, "empty" },
		{ "\xEF\xBB\xBF  \n", TLSRPT_ERROR_JSON, "empty" },
		{ "{\"policies\":[]} x", TLSRPT_ERROR_JSON,
		    "malformed JSON at byte 16" },
		{ "{\"policies\":[],}", TLSRPT_ERROR_JSON, "malformed JSON" },
		{ "{\"policies\":[\"\\ud800\"]}", TLSRPT_ERROR_JSON,
		    "lone UTF-16 surrogate" },
		{ "{\"policies\":[\"\\udc00\\ud800\"]}", TLSRPT_ERROR_JSON,
		    "lone UTF-16 surrogate" },
		{ "{\"report-id\":\"\xC3\x28\"}", TLSRPT_ERROR_JSON,
		    "not UTF-8 at byte 14" },
		{ "{\"report-id\":\"\xF4\x90\x80\x80\"}", TLSRPT_ERROR_JSON,
		    "not UTF-8" },
		{ "5", TLSRPT_ERROR_NOT_REPORT, "is a number" },
		{ "null", TLSRPT_ERROR_NOT_REPORT, "is null" },
		{ "\"policies\"", TLSRPT_ERROR_NOT_REPORT, "is a string" },
		{ "{}", TLSRPT_ERROR_NOT_REPORT, "without organization-name" },
		{ "{\"x\":{\"policies\":[]}}", TLSRPT_ERROR_NOT_REPORT,
		    "without" },
		{ "<feedback></feedback>", TLSRPT_ERROR_JSON,
		    "malformed JSON" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(docs); i++)
		refused_doc(docs[i].doc, docs[i].doc, strlen(docs[i].doc),
		    docs[i].code, docs[i].want);
	refused_doc("embedded NUL byte", "{\"report-id\":\"a\0b\"}", 19,
	    TLSRPT_ERROR_JSON, "not UTF-8 at byte 15");
}

/* ---- bounds, on hostile documents built here ---- */

static char *
repeat(const char *head, const char *unit, const char *sep, long times,
    const char *tail, gsize *len)
{
	GString *s = g_string_new(head);
	long i;

	for (i = 0; i < times; i++) {
		if (i > 0)
			g_string_append(s, sep);
		g_string_append(s, unit);
	}
	g_string_append(s, tail);
	*len = s->len;
	return g_string_free(s, FALSE);
}

/* policies: [ {failure-details: [ times x unit ]} ] */
static char *
doc_failures(const char *unit, long times, gsize *len)
{
	char *entry = repeat("{\"failure-details\":[", unit, ",", times, "]}",
	    len), *doc = doc_policy(entry);

	g_free(entry);
	*len = strlen(doc);
	return doc;
}

static void
test_depth(void)
{
	gsize len;
	char *doc;
	GError *err = NULL;
	struct tlsrpt_report *r;
	char *inner;

	doc = repeat("", "[", "", 100000, "", &len);
	refused_doc("[ x 100,000", doc, len, TLSRPT_ERROR_LIMIT,
	    "nested more than 32 deep at byte 32 (TLSRPT_MAX_DEPTH)");
	g_free(doc);
	doc = repeat("{\"policies\":", "{\"a\":", "", 100000, "", &len);
	refused_doc("{\"a\": x 100,000", doc, len, TLSRPT_ERROR_LIMIT,
	    "(TLSRPT_MAX_DEPTH)");
	g_free(doc);
	/* An unknown member exactly at the bound is fine: the report
	 * object is 1, the policies array 2, a policy 3, then 29 more. */
	inner = repeat("", "[", "", 29, "", &len);
	doc = g_strdup_printf("{\"x\":%s", inner);
	g_free(inner);
	inner = repeat(doc, "]", "", 29, "}", &len);
	g_free(doc);
	doc = doc_policy(inner);
	g_free(inner);
	r = tlsrpt_parse(doc, strlen(doc), "doc", &err);
	TAP_OK(r != NULL, "nesting of exactly %d parses (%s)",
	    TLSRPT_MAX_DEPTH, err ? err->message : "ok");
	tlsrpt_report_free(r);
	g_clear_error(&err);
	g_free(doc);
	inner = repeat("{\"x\":", "[", "", 30, "", &len);
	doc = repeat(inner, "]", "", 30, "}", &len);
	g_free(inner);
	inner = doc_policy(doc);
	refused_doc("nesting of 33", inner, strlen(inner), TLSRPT_ERROR_LIMIT,
	    "nested more than 32 deep");
	g_free(inner);
	g_free(doc);
}

static void
test_counts_bounds(void)
{
	gsize len;
	char *doc, *entry;
	GError *err = NULL;
	struct tlsrpt_report *r;

	doc = doc_failures("{}", 1000000, &len);
	refused_doc("a million failure-details", doc, len, TLSRPT_ERROR_LIMIT,
	    "more than 100000 failure-details (TLSRPT_MAX_FAILURES)");
	g_free(doc);
	doc = doc_failures("{\"failed-session-count\":1}", TLSRPT_MAX_FAILURES,
	    &len);
	r = tlsrpt_parse(doc, len, "doc", &err);
	TAP_OK(r != NULL && pol(r, 0)->failure_details->len ==
	    TLSRPT_MAX_FAILURES, "exactly %d failure-details parse (%s)",
	    TLSRPT_MAX_FAILURES, err ? err->message : "ok");
	tlsrpt_report_free(r);
	g_clear_error(&err);
	g_free(doc);
	/* Over two policies: the bound is per report. */
	entry = repeat("{\"failure-details\":[", "{}", ",", 60000, "]}", &len);
	doc = repeat("", entry, ",", 2, "", &len);
	g_free(entry);
	entry = doc_policy(doc);
	refused_doc("60,000 failure-details twice", entry, strlen(entry),
	    TLSRPT_ERROR_LIMIT, "(TLSRPT_MAX_FAILURES)");
	g_free(entry);
	g_free(doc);
	entry = repeat("", "{}", ",", TLSRPT_MAX_POLICIES + 1, "", &len);
	doc = doc_policy(entry);
	refused_doc("10,001 policies", doc, strlen(doc), TLSRPT_ERROR_LIMIT,
	    "more than 10000 policies (TLSRPT_MAX_POLICIES)");
	g_free(doc);
	g_free(entry);
	/* The key spelled with an escape hides from the byte scan; the
	 * walk counts again. */
	entry = repeat("{\"date-range\":{\"start-datetime\":\"2024-01-01\","
	    "\"end-datetime\":\"2024-01-02\"},\"polic\\u0069es\":[", "{}", ",",
	    TLSRPT_MAX_POLICIES + 1, "]}", &len);
	refused_doc("10,001 policies behind an escaped key", entry, len,
	    TLSRPT_ERROR_LIMIT, "(TLSRPT_MAX_POLICIES)");
	g_free(entry);
	entry = repeat("{\"failure-details\":[", "{}", ",", 3, "]}", &len);
	doc = repeat("{\"policy-string\":[", "\"v\"", ",", TLSRPT_MAX_LIST + 1,
	    "]}", &len);
	g_free(entry);
	entry = g_strdup_printf("{\"policy\":%s}", doc);
	g_free(doc);
	doc = doc_policy(entry);
	refused_doc("1,001 policy-string entries", doc, strlen(doc),
	    TLSRPT_ERROR_LIMIT, "more than 1000 policy-string entries in a "
	    "policy (TLSRPT_MAX_LIST)");
	g_free(doc);
	g_free(entry);
	doc = repeat("{\"policies\":[],\"x\":[", "0", ",", TLSRPT_MAX_VALUES,
	    "]}", &len);
	refused_doc("two million numbers in an unknown member", doc, len,
	    TLSRPT_ERROR_LIMIT, "more than 2000000 JSON values "
	    "(TLSRPT_MAX_VALUES)");
	g_free(doc);
	doc = repeat("{\"policies\":[],\"x\":[", "{}", ",",
	    TLSRPT_MAX_CONTAINERS, "]}", &len);
	refused_doc("200,000 empty objects in an unknown member", doc, len,
	    TLSRPT_ERROR_LIMIT, "more than 200000 JSON objects and arrays "
	    "(TLSRPT_MAX_CONTAINERS)");
	g_free(doc);
}

/* Empty lists and lists of lists count right in the byte scan. */
static void
test_scan_counts(void)
{
	gsize len;
	char *entry = repeat("{\"x\":[[],[[]],{}],\"failure-details\":[[],",
	    "{}", ",", TLSRPT_MAX_FAILURES - 1, "]}", &len);
	char *doc = doc_policy(entry);

	/* 99,999 objects and one empty list: 100,000, not more. */
	refused_s("an empty list among failure-details", doc,
	    TLSRPT_ERROR_INVALID, "failure-details[0] is an array, not an "
	    "object");
	g_free(doc);
	g_free(entry);
}

static void
test_string_size_bounds(void)
{
	GString *s;
	char *doc, *big;
	GError *err = NULL;
	struct tlsrpt_report *r;

	big = g_malloc(TLSRPT_MAX_STRING + 2);
	memset(big, 'a', TLSRPT_MAX_STRING + 1);
	big[TLSRPT_MAX_STRING + 1] = '\0';
	doc = g_strdup_printf("{\"policies\":[],\"date-range\":{\"start-"
	    "datetime\":\"2024-01-01\",\"end-datetime\":\"2024-01-02\"},"
	    "\"report-id\":\"%s\"}", big);
	refused_doc("a string of 65,537 bytes", doc, strlen(doc),
	    TLSRPT_ERROR_LIMIT, "a string longer than 65536 bytes at byte "
	    "100 (TLSRPT_MAX_STRING)");
	g_free(doc);
	big[TLSRPT_MAX_STRING] = '\0';
	doc = g_strdup_printf("{\"policies\":[],\"date-range\":{\"start-"
	    "datetime\":\"2024-01-01\",\"end-datetime\":\"2024-01-02\"},"
	    "\"report-id\":\"%s\"}", big);
	r = tlsrpt_parse(doc, strlen(doc), "doc", &err);
	TAP_OK(r != NULL && strlen(r->report_id) == TLSRPT_MAX_STRING,
	    "a string of exactly 65,536 bytes is kept (%s)",
	    err ? err->message : "ok");
	tlsrpt_report_free(r);
	g_clear_error(&err);
	g_free(doc);
	g_free(big);
	/* Escapes count for what they decode to: 30,000 "\u00e9" are
	 * 180,000 bytes of JSON but 60,000 of UTF-8. */
	s = g_string_new("{\"policies\":[],\"date-range\":{\"start-datetime\":"
	    "\"2024-01-01\",\"end-datetime\":\"2024-01-02\"},\"report-id\":\"");
	for (int i = 0; i < 30000; i++)
		g_string_append(s, "\\u00e9");
	g_string_append(s, "\"}");
	r = tlsrpt_parse(s->str, s->len, "doc", &err);
	TAP_OK(r != NULL && strlen(r->report_id) == 60000 &&
	    g_str_has_prefix(r->report_id, "\xC3\xA9"), "30,000 escaped "
	    "e-acute read as 60,000 bytes (%s)", err ? err->message : "ok");
	tlsrpt_report_free(r);
	g_clear_error(&err);
	g_string_free(s, TRUE);
	/* Past the size bound nothing is read: the bytes are zeros. */
	big = g_malloc0((gsize)TLSRPT_MAX_SIZE + 1);
	refused_doc("64 MiB + 1", big, (gsize)TLSRPT_MAX_SIZE + 1,
	    TLSRPT_ERROR_LIMIT, "larger than 67108864 bytes "
	    "(TLSRPT_MAX_SIZE)");
	g_free(big);
}

static void
test_fixup_bound(void)
{
	gsize len;
	char *doc = doc_failures("{\"failed-session-count\":\"1\"}", 1500,
	    &len);
	GError *err = NULL;
	struct tlsrpt_report *r = tlsrpt_parse(doc, len, "doc", &err);

	TAP_OK(r != NULL && r->fixups->len == TLSRPT_MAX_FIXUPS + 1 &&
	    strcmp(g_ptr_array_index(r->fixups, TLSRPT_MAX_FIXUPS),
	    "fixups: 500 more not listed (TLSRPT_MAX_FIXUPS)") == 0,
	    "1,500 fixups: 1,000 listed and a line for the rest (%s)",
	    err ? err->message : "ok");
	tlsrpt_report_free(r);
	g_clear_error(&err);
	g_free(doc);
}

/* ---- time ---- */

static void
time_is(const char *s, const char *want, const char *what)
{
	char *doc = g_strdup_printf("{\"date-range\":{\"start-datetime\":"
	    "\"%s\",\"end-datetime\":\"%s\"},\"policies\":[]}", s, s);
	GError *err = NULL;
	struct tlsrpt_report *r = tlsrpt_parse(doc, strlen(doc), "doc", &err);
	char buf[32];

	if (want == NULL) {
		TAP_OK(r == NULL && err != NULL &&
		    err->code == TLSRPT_ERROR_INVALID, "date %s refused (%s)",
		    s, what);
	} else {
		TAP_IS(r ? tlsrpt_format_time(r->start_datetime, buf) : NULL,
		    want, "date %s (%s)", s, what);
	}
	tlsrpt_report_free(r);
	g_clear_error(&err);
	g_free(doc);
}

static void
test_time(void)
{
	char buf[32];

	TAP_IS(tlsrpt_format_time(0, buf), "1970-01-01T00:00:00Z", "epoch 0");
	TAP_IS(tlsrpt_format_time(1459468800, buf), "2016-04-01T00:00:00Z",
	    "RFC 8460's example day");
	TAP_IS(tlsrpt_format_time(-1, buf), "1969-12-31T23:59:59Z",
	    "one second before the epoch");
	TAP_IS(tlsrpt_format_time(INT64_C(253402300799), buf),
	    "9999-12-31T23:59:59Z", "the last second of year 9999");
	TAP_OK(strlen(tlsrpt_format_time(INT64_MIN, buf)) < 32 &&
	    strlen(tlsrpt_format_time(INT64_MAX, buf)) < 32,
	    "INT64_MIN and INT64_MAX fit in 32 bytes");
	time_is("2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z", "leap day");
	time_is("2023-02-29T12:00:00Z", NULL, "no leap day in 2023");
	time_is("2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "2000 leaps");
	time_is("1900-02-29T00:00:00Z", NULL, "1900 does not");
	time_is("2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z", "leap second");
	time_is("2024-01-01T00:00:00-05:30", "2024-01-01T05:30:00Z",
	    "negative offset");
	time_is("2024-01-01T00:00:00.123456789Z", "2024-01-01T00:00:00Z",
	    "nanoseconds");
	time_is("2024-01-01T24:00:00Z", NULL, "hour 24");
	time_is("2024-13-01T00:00:00Z", NULL, "month 13");
	time_is("2024-01-01T00:00:00.Z", NULL, "a dot without digits");
	time_is("2024-01-01T00:00:00+25:00", NULL, "offset past 23 hours");
	time_is("2024-01-01T00:00:00Z junk", NULL, "junk after");
	time_is("24-01-01T00:00:00Z", NULL, "two-digit year");
	time_is("1704067200", NULL, "epoch seconds as a string");
	time_is("", NULL, "empty");
}

/* ---- sniff ---- */

/* The sniff on an exact-size copy, so ASan sees a read past len. */
static gboolean
sniff(const char *buf, gsize len)
{
	char *copy = g_memdup2(buf, len);
	gboolean yes = tlsrpt_sniff(copy, len);

	g_free(copy);
	return yes;
}

static void
test_sniff(void)
{
	static const char *const no[] = {
		"", "{", "[", "{\"", "{\"policies",
		"{\"policies\"", "[{\"policies\":[]}]",
		"{\"x\":{\"policies\":[]}}", "{\"x\":\"policies\"}",
		"{\"x\":[\"report-id\", 1]}", "{\"name\":\"pkg\"}",
		"<?xml version=\"1.0\"?><feedback><report_metadata>"
		"<org_name>x</org_name></report_metadata></feedback>",
		"<!DOCTYPE html><html><body>{\"policies\":[]}</body></html>",
		"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
		"PK\x03\x04\x14\x00\x00\x00",
		"organization-name: x\n",
	};
	static const char *const yes[] = {
		"{\"policies\":", "  {\"report-id\" : \"x\"",
		"\xEF\xBB\xBF\n{\"contact-info\":null",
		"{\"x\":{\"y\":[1,{}]},\"date-range\":{}",
		"{\"a\\\"b\":1,\"organization-name\":\"x\"}",
	};
	GDir *dir;
	const char *name;
	GString *late;
	size_t i;
	gchar *data;
	gsize len;

	for (i = 0; i < G_N_ELEMENTS(no); i++) {
		char *shown = g_strescape(no[i], NULL);

		TAP_OK(!sniff(no[i], strlen(no[i])), "sniff: no for %s", shown);
		g_free(shown);
	}
	for (i = 0; i < G_N_ELEMENTS(yes); i++) {
		char *shown = g_strescape(yes[i], NULL);

		TAP_OK(sniff(yes[i], strlen(yes[i])), "sniff: yes for %s",
		    shown);
		g_free(shown);
	}
	TAP_OK(!tlsrpt_sniff(NULL, 0), "sniff: no for NULL");
	/* Every byte prefix of a report: never a read past len. */
	if (g_file_get_contents(DATA "google-sts.json", &data, &len, NULL)) {
		gsize cut, yes_from = 0;

		for (cut = 0; cut <= len; cut++)
			if (sniff(data, cut) && yes_from == 0)
				yes_from = cut;
		TAP_OK(yes_from == strlen("{\"organization-name\":"),
		    "sniff: yes from the first member's colon (%zu)",
		    yes_from);
		g_free(data);
	}
	/* A report member only after the first 4 KiB is not near the start. */
	late = g_string_new("{\"x\":\"");
	for (i = 0; i < 5000; i++)
		g_string_append_c(late, 'a');
	g_string_append(late, "\",\"policies\":[]}");
	TAP_OK(!sniff(late->str, late->len), "sniff: no for a member after "
	    "4 KiB");
	g_string_free(late, TRUE);
	/* Every TLS report fixture (even the invalid ones name members),
	 * and no DMARC report. */
	if ((dir = g_dir_open(DATA, 0, NULL)) != NULL) {
		while ((name = g_dir_read_name(dir)) != NULL) {
			char *path = g_strconcat(DATA, name, NULL);
			gboolean want = !g_str_has_prefix(name, "not-report");

			if (g_file_get_contents(path, &data, &len, NULL)) {
				TAP_OK(sniff(data, len) == want,
				    "sniff: %s for %s", want ? "yes" : "no",
				    name);
				g_free(data);
			}
			g_free(path);
		}
		g_dir_close(dir);
	}
	if ((dir = g_dir_open("tests/data/dmarc", 0, NULL)) != NULL) {
		int checked = 0, wrong = 0;

		while ((name = g_dir_read_name(dir)) != NULL) {
			char *path = g_build_filename("tests/data/dmarc", name,
			    NULL);

			if (g_file_get_contents(path, &data, &len, NULL)) {
				checked++;
				wrong += sniff(data, len);
				g_free(data);
			}
			g_free(path);
		}
		g_dir_close(dir);
		TAP_OK(checked > 0 && wrong == 0, "sniff: no for the %d DMARC "
		    "fixtures (%d said yes)", checked, wrong);
	}
}

/* ---- json-c missing ---- */

/* Run in a child whose LD_LIBRARY_PATH has a libjson-c.so.5 that is not
 * a library. */
static int
child_no_json_c(void)
{
	GError *err = NULL;
	struct tlsrpt_report *r = tlsrpt_parse("{\"policies\":[]}", 15, "doc",
	    &err);

	if (r == NULL && err != NULL && err->code == TLSRPT_ERROR_LIBRARY &&
	    strstr(err->message, "libjson-c.so.5") != NULL) {
		printf("%s\n", err->message);
		return 0;
	}
	tlsrpt_report_free(r);
	return 1;
}

static void
test_no_library(const char *self)
{
	char *tmp = g_dir_make_tmp("tlsrpt_test.XXXXXX", NULL);
	char *lib, *env, *out = NULL;
	const char *argv[] = { self, "--no-json-c", NULL };
	char **envp;
	int status = -1;

	if (tmp == NULL) {
		TAP_OK(0, "a temporary directory for the no-json-c test");
		return;
	}
	lib = g_build_filename(tmp, "libjson-c.so.5", NULL);
	g_file_set_contents(lib, "not a library\n", -1, NULL);
	envp = g_get_environ();
	env = g_strdup(tmp);
	envp = g_environ_setenv(envp, "LD_LIBRARY_PATH", env, TRUE);
	g_spawn_sync(NULL, (char **)argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
	    &out, NULL, &status, NULL);
	TAP_OK(g_spawn_check_wait_status(status, NULL) && out != NULL &&
	    strstr(out, "TLS report: json-c (libjson-c.so.5) is needed") !=
	    NULL, "json-c missing: TLSRPT_ERROR_LIBRARY naming it (%s)",
	    out ? g_strstrip(out) : "no output");
	g_unlink(lib);
	g_rmdir(tmp);
	g_free(out);
	g_strfreev(envp);
	g_free(env);
	g_free(lib);
	g_free(tmp);
}

/* ---- the shared corpus, against its expected files ---- */

static struct json_object *
read_json(const char *path)
{
	gchar *data;
	gsize len;
	struct json_tokener *tok;
	struct json_object *o;

	if (!g_file_get_contents(path, &data, &len, NULL))
		return NULL;
	tok = json_tokener_new_ex(64);
	o = json_tokener_parse_ex(tok, data, (int)len);
	json_tokener_free(tok);
	g_free(data);
	return o;
}

static struct json_object *
get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    json_object_get_type(v) == json_type_null)
		return NULL;
	return v;
}

/* The expected value as text ("~" for null), for one comparison line. */
static const char *
want_str(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v ? json_object_get_string(v) : NULL;
}

/* An expected count: null is -1; a number or a digit string. */
static int64_t
want_count(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	if (v == NULL)
		return -1;
	if (json_object_get_type(v) == json_type_string)
		return g_ascii_strtoll(json_object_get_string(v), NULL, 10);
	return json_object_get_int64(v);
}

static int64_t
want_time(struct json_object *o, const char *key)
{
	const char *s = want_str(o, key);
	GTimeZone *utc = g_time_zone_new_utc();
	GDateTime *dt = s ? g_date_time_new_from_iso8601(s, utc) : NULL;
	int64_t t = dt ? g_date_time_to_unix(dt) : INT64_MIN;

	if (dt)
		g_date_time_unref(dt);
	g_time_zone_unref(utc);
	return t;
}

/* A list: null is empty, one string is a list of one. */
static char *
want_list(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);
	GPtrArray *a = g_ptr_array_new();
	size_t i;
	char *s;

	if (v != NULL && json_object_get_type(v) == json_type_string)
		g_ptr_array_add(a, (char *)json_object_get_string(v));
	else if (v != NULL)
		for (i = 0; i < json_object_array_length(v); i++)
			g_ptr_array_add(a, (char *)json_object_get_string(
			    json_object_array_get_idx(v, i)));
	s = join(a, "|");
	g_ptr_array_free(a, TRUE);
	return s;
}

/* Tallies of one corpus comparison. */
struct cmp {
	const char *file;
	int fields, wrong;
};

static void
cmp_str(struct cmp *c, const char *what, const char *got, const char *want)
{
	c->fields++;
	if ((got == NULL) != (want == NULL) || (got && strcmp(got, want))) {
		c->wrong++;
		printf("# %s: %s: got '%s', want '%s'\n", c->file, what, n(got),
		    n(want));
	}
}

static void
cmp_int(struct cmp *c, const char *what, int64_t got, int64_t want)
{
	c->fields++;
	if (got != want) {
		c->wrong++;
		printf("# %s: %s: got %" PRId64 ", want %" PRId64 "\n", c->file,
		    what, got, want);
	}
}

static void
cmp_failure(struct cmp *c, const struct tlsrpt_failure *f,
    struct json_object *w)
{
	cmp_str(c, "result-type", f->result_type, want_str(w, "result-type"));
	cmp_str(c, "sending-mta-ip", f->sending_mta_ip,
	    want_str(w, "sending-mta-ip"));
	cmp_str(c, "receiving-mx-hostname", f->receiving_mx_hostname,
	    want_str(w, "receiving-mx-hostname"));
	cmp_str(c, "receiving-mx-helo", f->receiving_mx_helo,
	    want_str(w, "receiving-mx-helo"));
	cmp_str(c, "receiving-ip", f->receiving_ip,
	    want_str(w, "receiving-ip"));
	cmp_int(c, "failed-session-count", f->failed_session_count,
	    want_count(w, "failed-session-count"));
	cmp_str(c, "additional-information", f->additional_information,
	    want_str(w, "additional-information"));
	cmp_str(c, "failure-reason-code", f->failure_reason_code,
	    want_str(w, "failure-reason-code"));
}

static void
cmp_policy(struct cmp *c, const struct tlsrpt_policy *p,
    struct json_object *w)
{
	struct json_object *fd = get(w, "failure-details");
	size_t i, nfd = fd ? json_object_array_length(fd) : 0;
	char *got, *want;

	cmp_str(c, "policy-type", p->policy_type, want_str(w, "policy-type"));
	cmp_str(c, "policy-domain", p->policy_domain,
	    want_str(w, "policy-domain"));
	got = join(p->policy_string, "|");
	want = want_list(w, "policy-string");
	cmp_str(c, "policy-string", got, want);
	g_free(got);
	g_free(want);
	got = join(p->mx_host, "|");
	want = want_list(w, "mx-host");
	cmp_str(c, "mx-host", got, want);
	g_free(got);
	g_free(want);
	cmp_int(c, "total-successful-session-count",
	    p->total_successful_session_count,
	    want_count(w, "total-successful-session-count"));
	cmp_int(c, "total-failure-session-count",
	    p->total_failure_session_count,
	    want_count(w, "total-failure-session-count"));
	cmp_int(c, "failure-details", p->failure_details->len, (int64_t)nfd);
	for (i = 0; i < nfd && i < p->failure_details->len; i++)
		cmp_failure(c, g_ptr_array_index(p->failure_details, i),
		    json_object_array_get_idx(fd, i));
}

static void
cmp_report(struct cmp *c, const struct tlsrpt_report *r,
    struct json_object *w)
{
	struct json_object *pols = get(w, "policies");
	size_t i, np = pols ? json_object_array_length(pols) : 0;
	int64_t ok = 0, fail = 0;

	cmp_str(c, "organization-name", r->organization_name,
	    want_str(w, "organization-name"));
	cmp_str(c, "report-id", r->report_id, want_str(w, "report-id"));
	cmp_str(c, "contact-info", r->contact_info,
	    want_str(w, "contact-info"));
	cmp_int(c, "start-datetime", r->start_datetime,
	    want_time(w, "start-datetime"));
	cmp_int(c, "end-datetime", r->end_datetime,
	    want_time(w, "end-datetime"));
	cmp_int(c, "policies", r->policies->len, (int64_t)np);
	for (i = 0; i < np && i < r->policies->len; i++)
		cmp_policy(c, pol(r, (guint)i),
		    json_object_array_get_idx(pols, i));
	for (i = 0; i < r->policies->len; i++) {
		ok += MAX(pol(r, (guint)i)->total_successful_session_count, 0);
		fail += MAX(pol(r, (guint)i)->total_failure_session_count, 0);
	}
	if (get(w, "total_successful") != NULL)
		cmp_int(c, "total_successful", ok,
		    want_count(w, "total_successful"));
	if (get(w, "total_failure") != NULL)
		cmp_int(c, "total_failure", fail,
		    want_count(w, "total_failure"));
}

/* One corpus report against its expected file; TRUE when all exact. */
static gboolean
corpus_one(const char *root, const char *source, const char *file)
{
	char *path = g_build_filename(root, source, file, NULL);
	char *exp_name = g_strconcat(file, ".json", NULL);
	char *exp_path = g_build_filename(root, "expected", source, exp_name,
	    NULL);
	struct json_object *expected = read_json(exp_path), *reports;
	struct cmp c = { file, 0, 0 };
	struct tlsrpt_report *r = NULL;
	GError *err = NULL;
	gboolean want_ok;
	gchar *data = NULL;
	gsize len = 0;

	want_ok = expected != NULL && want_str(expected, "status") != NULL &&
	    strcmp(want_str(expected, "status"), "ok") == 0;
	reports = get(expected, "reports");
	if (g_file_get_contents(path, &data, &len, NULL))
		r = tlsrpt_parse(data, len, file, &err);
	if (expected == NULL)
		printf("# %s: no expected file %s\n", file, exp_path);
	else if (want_ok && r == NULL)
		printf("# %s: %s\n", file, err ? err->message : "unread");
	else if (want_ok && reports != NULL &&
	    json_object_array_length(reports) == 1)
		cmp_report(&c, r, json_object_array_get_idx(reports, 0));
	TAP_OK(expected != NULL && (want_ok ? r != NULL && c.wrong == 0 &&
	    c.fields > 0 : r == NULL), "corpus %s/%s: %d fields exact, %d "
	    "wrong", source, file, c.fields - c.wrong, c.wrong);
	json_object_put(expected);
	tlsrpt_report_free(r);
	g_clear_error(&err);
	g_free(data);
	g_free(exp_path);
	g_free(exp_name);
	g_free(path);
	return want_ok ? r != NULL && c.wrong == 0 : TRUE;
}

static void
test_corpus(void)
{
	const char *env = g_getenv("CORPUS");
	char *root = g_build_filename(env ? env : "../shared/corpus", "tlsrpt",
	    NULL);
	GDir *dir = g_dir_open(root, 0, NULL), *sub;
	const char *source, *file;
	int total = 0, exact = 0, skipped = 0;

	if (dir == NULL) {
		printf("ok - corpus # skip %s is not there\n", root);
		g_free(root);
		return;
	}
	while ((source = g_dir_read_name(dir)) != NULL) {
		char *sdir = g_build_filename(root, source, NULL);

		if (strcmp(source, "expected") == 0 ||
		    (sub = g_dir_open(sdir, 0, NULL)) == NULL) {
			g_free(sdir);
			continue;
		}
		while ((file = g_dir_read_name(sub)) != NULL) {
			if (!g_str_has_suffix(file, ".json")) {
				skipped++;
				continue;
			}
			total++;
			exact += corpus_one(root, source, file);
		}
		g_dir_close(sub);
		g_free(sdir);
	}
	g_dir_close(dir);
	printf("# corpus: %d/%d TLS reports exact; %d files not .json "
	    "(mail: ingest unpacks those) skipped\n", exact, total, skipped);
	TAP_OK(total > 0, "corpus: %d .json reports found", total);
	g_free(root);
}

int
main(int argc, char **argv)
{
	char *self;

	if (argc > 1 && strcmp(argv[1], "--no-json-c") == 0)
		return child_no_json_c();
	test_rfc();
	test_google();
	test_google_two();
	test_microsoft();
	test_others();
	test_quirks();
	test_many();
	test_refused_files();
	test_every_fixture();
	test_counts();
	test_types();
	test_json_errors();
	test_depth();
	test_counts_bounds();
	test_scan_counts();
	test_string_size_bounds();
	test_fixup_bound();
	test_time();
	test_sniff();
	self = g_file_read_link("/proc/self/exe", NULL);
	test_no_library(self != NULL ? self : argv[0]);
	g_free(self);
	test_corpus();
	return tap_done();
}
