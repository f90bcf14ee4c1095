/* arf_test.c - the ARF reader (parse/arf/) on its fixtures, on hostile
 * input built in memory, and on the shared corpus.
 *
 * Each fixture in tests/data/arf/ goes the way ingest takes it:
 * ingest_walk parses it once (message/rfc822 a leaf), arf_parse reads the
 * tree it kept; every field that matters is compared with its real value.
 * Then the same report with the attached message parsed by GMime (a
 * GMimeMessagePart), the bounds (a 10 MB field, 100,000 fields of every
 * kind, a flood of Received lines, invalid UTF-8), the negatives (bounces,
 * aggregate reports, ordinary mail) and the fuzzers' regression inputs
 * named arf-* in tests/data/fuzz/.
 *
 * When ../shared/corpus/arf exists (or $CORPUS/arf), each report there is
 * compared field by field with its expected JSON: an "ok" file must give
 * format "arf" and every feedback field, other_fields (the names outside
 * the oracle's list, sorted), and the original's From, To, Subject,
 * Message-ID and Date exactly; an "error" file must not give "arf".  The
 * oracle writes values raw: folded lines are unfolded and encoded words
 * decoded before the comparison, feedback-type compared by its first word
 * lower-cased and source-ip by its address, as arf.h documents.
 *
 *	arf_test		run the tests (TAP)
 *	arf_test --dump FILE...	print what arf_parse reads of each file
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "ingest/ingest.h"
#include "parse/arf/arf.h"
#include "tap.h"

#define DATA	"tests/data/arf/"
#define FUZZ	"tests/data/fuzz/"

static int
no_payload(void *user, struct ingest_payload *p)
{
	(void)user;
	(void)p;
	return 0;
}

/* The report for raw bytes, through the same path as ingest.  *err gets
 * a refusal. */
static struct arf_report *
parse_bytes(GBytes *raw, const char *name, gboolean keep_body,
    GError **err)
{
	struct ingest_limits lim;
	struct ingest_message *m = ingest_message_new(raw, name);
	struct arf_report *a = NULL;
	GError *werr = NULL;

	ingest_limits_default(&lim);
	if (ingest_walk(m, &lim, no_payload, NULL, &werr) < 0) {
		printf("# %s: walk: %s\n", name, werr ? werr->message : "?");
		g_clear_error(&werr);
	}
	if (ingest_message_mime(m) != NULL)
		a = arf_parse_full((GMimeMessage *)ingest_message_mime(m),
		    keep_body, err);
	ingest_message_free(m);
	return a;
}

static struct arf_report *
parse_path(const char *path, gboolean keep_body, GError **err)
{
	struct arf_report *a = NULL;
	char *data;
	gsize len;
	GBytes *raw;

	if (!g_file_get_contents(path, &data, &len, NULL)) {
		TAP_OK(0, "read %s", path);
		return NULL;
	}
	raw = g_bytes_new_take(data, len);
	a = parse_bytes(raw, path, keep_body, err);
	g_bytes_unref(raw);
	return a;
}

/* A fixture that must be a report. */
static struct arf_report *
fixture(const char *file)
{
	char *path = g_strconcat(DATA, file, NULL);
	GError *err = NULL;
	struct arf_report *a = parse_path(path, FALSE, &err);

	TAP_OK(a != NULL, "%s: read as a report%s%s", file,
	    err ? ": " : "", err ? err->message : "");
	g_clear_error(&err);
	g_free(path);
	return a;
}

static const char *
at(const GPtrArray *list, guint i)
{
	return list != NULL && i < list->len ?
	    g_ptr_array_index(list, i) : NULL;
}

static const char *
other(const struct arf_report *a, const char *name)
{
	guint i;

	for (i = 0; a != NULL && i < a->other_fields->len; i++) {
		const struct arf_field *f = g_ptr_array_index(a->other_fields,
		    i);

		if (g_ascii_strcasecmp(f->name, name) == 0)
			return f->value;
	}
	return NULL;
}

static void
dump_list(const char *what, const GPtrArray *l)
{
	guint i;

	for (i = 0; l != NULL && i < l->len; i++)
		printf("  %s[%u] = %s\n", what, i,
		    (const char *)g_ptr_array_index(l, i));
}

#define S(x) ((x) != NULL ? (x) : "~")

static void
dump(const struct arf_report *a)
{
	guint i;

	printf("  format = %s\n  feedback_type = %s\n  user_agent = %s\n"
	    "  version = %s\n  original_envelope_id = %s\n"
	    "  original_mail_from = %s\n", S(a->format), S(a->feedback_type),
	    S(a->user_agent), S(a->version), S(a->original_envelope_id),
	    S(a->original_mail_from));
	dump_list("original_rcpt_to", a->original_rcpt_to);
	printf("  arrival_date = %s (%lld)\n  reporting_mta = %s\n"
	    "  source_ip = %s port %d\n  incidents = %lld\n",
	    S(a->arrival_date), (long long)a->arrival_time,
	    S(a->reporting_mta), S(a->source_ip), a->source_port,
	    (long long)a->incidents);
	dump_list("authentication_results", a->authentication_results);
	dump_list("reported_domain", a->reported_domain);
	dump_list("reported_uri", a->reported_uri);
	printf("  delivery_result = %s\n  auth_failure = %s\n"
	    "  dkim = %s / %s / %s\n  spf_dns = %s\n"
	    "  identity_alignment = %s\n", S(a->delivery_result),
	    S(a->auth_failure), S(a->dkim_domain), S(a->dkim_identity),
	    S(a->dkim_selector), S(a->spf_dns), S(a->identity_alignment));
	for (i = 0; i < a->other_fields->len; i++) {
		const struct arf_field *f = g_ptr_array_index(a->other_fields,
		    i);

		printf("  other %s = %s\n", f->name, f->value);
	}
	printf("  fields %u, dropped %u\n", a->fields->len, a->fields_dropped);
	printf("  report: from %s | subject %s | id %s | date %lld\n",
	    S(a->from), S(a->subject), S(a->message_id), (long long)a->date);
	printf("  original (%s): from %s | to %s | subject %s | id %s | "
	    "date %s (%lld) | dkim %s %s\n", S(a->original.part_type),
	    S(a->original.from), S(a->original.to), S(a->original.subject),
	    S(a->original.message_id), S(a->original.date),
	    (long long)a->original.date_time, S(a->original.dkim_domain),
	    S(a->original.dkim_selector));
	dump_list("original.authentication_results",
	    a->original.authentication_results);
	dump_list("original.received", a->original.received);
}

static int
dump_files(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		GError *err = NULL;
		struct arf_report *a = parse_path(argv[i], FALSE, &err);

		printf("%s: %s\n", argv[i], a != NULL ? "report" :
		    err != NULL ? err->message : "not a feedback report");
		if (a != NULL)
			dump(a);
		g_clear_error(&err);
		arf_report_free(a);
	}
	return 0;
}


/* ---- the fixtures ---- */

static const char *cur;		/* the fixture being checked */

#define IS(got, want) TAP_IS((got), (want), "%s: %s", cur, #got)
#define OK(cond) TAP_OK((cond), "%s: %s", cur, #cond)
#define NUM(got, want) TAP_OK((int64_t)(got) == (int64_t)(want), \
    "%s: %s == %lld (got %lld)", cur, #got, (long long)(want), \
    (long long)(got))

static struct arf_report *
open_fixture(const char *file)
{
	cur = file;
	return fixture(file);
}

static void
test_rfc5965(void)
{
	struct arf_report *a = open_fixture("abuse-rfc5965.eml");

	if (a == NULL)
		return;
	IS(a->format, "arf");
	IS(a->feedback_type, "abuse");
	OK(!arf_is_failure_report(a));
	IS(a->user_agent, "SomeGenerator/1.0");
	IS(a->version, "1");
	IS(a->original_mail_from, "<somespammer@example.net>");
	NUM(a->original_rcpt_to->len, 1);
	IS(at(a->original_rcpt_to, 0), "<user@example.com>");
	IS(a->arrival_date, "Thu, 8 Mar 2005 14:00:00 EDT");
	NUM(a->arrival_time, 1110304800);
	IS(a->reporting_mta, "dns; mail.example.com");
	IS(a->source_ip, "192.0.2.1");
	NUM(a->incidents, -1);
	NUM(a->authentication_results->len, 1);
	IS(at(a->authentication_results, 0),
	    "mail.example.com; spf=fail smtp.mail=somespammer@example.com");
	IS(at(a->reported_domain, 0), "example.net");
	NUM(a->reported_uri->len, 2);
	IS(at(a->reported_uri, 0), "http://example.net/earn_money.html");
	IS(at(a->reported_uri, 1), "mailto:user@example.com");
	NUM(a->other_fields->len, 1);
	IS(other(a, "Removal-Recipient"), "user@example.com");
	NUM(a->fields->len, 13);
	NUM(a->fields_dropped, 0);
	IS(a->from, "<abusedesk@example.com>");
	IS(a->subject, "FW: Earn money");
	IS(a->message_id, "<report-5965@abusedesk.example.com>");
	NUM(a->date, 1110318036);
	IS(a->original.part_type, "message/rfc822");
	IS(a->original.from, "<somespammer@example.net>");
	IS(a->original.to, "<Undisclosed Recipients>");
	IS(a->original.subject, "Earn money");
	IS(a->original.message_id, "8787KJKJ3K4J3K4J3K4J3.mail@example.net");
	IS(a->original.date, "Thu, 02 Sep 2004 12:31:03 -0500");
	NUM(a->original.date_time, 1094146263);
	NUM(a->original.received->len, 1);
	IS(at(a->original.received, 0), "from mailserver.example.net "
	    "(mailserver.example.net [192.0.2.1]) by example.com with ESMTP "
	    "id M63d4137594e46; Thu, 08 Mar 2005 14:00:00 -0400");
	OK(a->original.headers != NULL && strstr(a->original.headers,
	    "\nSubject: Earn money\nMIME-Version: 1.0\n") != NULL);
	IS(a->original.body, NULL);
	OK(!a->original.truncated);
	arf_report_free(a);
}

static void
test_body_kept(void)
{
	GError *err = NULL;
	struct arf_report *a = parse_path(DATA "abuse-rfc5965.eml", TRUE,
	    &err);

	cur = "abuse-rfc5965.eml (keep_body)";
	OK(a != NULL);
	if (a != NULL) {
		IS(a->original.body, "Spam Spam Spam\nSpam Spam Spam\n");
		OK(!a->original.body_truncated);
	}
	arf_report_free(a);
	g_clear_error(&err);
}

static void
test_minimal_crlf(void)
{
	struct arf_report *a = open_fixture("abuse-minimal-crlf.eml");

	if (a == NULL)
		return;
	IS(a->format, "arf");
	IS(a->feedback_type, "abuse");
	IS(a->user_agent, "ISP-FBL/2.1");
	NUM(a->incidents, 3);
	IS(a->source_ip, NULL);
	IS(a->arrival_date, NULL);
	NUM(a->arrival_time, 0);
	NUM(a->fields->len, 4);
	IS(a->original.part_type, "text/rfc822-headers");
	IS(a->original.from, "Example News <news@example.org>");
	IS(a->original.message_id, "<news-2024-23@example.org>");
	OK(a->original.headers != NULL &&
	    strchr(a->original.headers, '\r') == NULL);
	arf_report_free(a);
}

static void
test_authfail_dkim(void)
{
	struct arf_report *a = open_fixture("authfail-dkim.eml");

	if (a == NULL)
		return;
	IS(a->feedback_type, "auth-failure");
	OK(arf_is_failure_report(a));
	IS(a->original_envelope_id, "o3F52gxO029144");
	IS(a->auth_failure, "bodyhash");
	IS(a->dkim_domain, "example.net");
	IS(a->dkim_identity, "@example.net");
	IS(a->dkim_selector, "news");
	IS(a->dkim_canonicalized_body, "VGhpcyBpcyBhIG1lc3NhZ2UgYm9keSB0aGF0"
	    "IGdvdCBtb2RpZm llZCBpbiB0cmFuc2l0Lg==");
	IS(a->dkim_canonicalized_header,
	    "ZnJvbTpyYW5kb211c2VyQGV4YW1wbGUubmV0DQo=");
	IS(a->dkim_selector_dns,
	    "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ");
	IS(a->dkim_adsp_dns, "dkim=all");
	IS(a->delivery_result, "spam");
	IS(a->arrival_date, "8 Feb 2011 20:22:19 -0800");
	NUM(a->arrival_time, 1297225339);
	IS(at(a->authentication_results, 0), "mta1011.mail.tp2.example.com; "
	    "dkim=fail (bodyhash) header.d=example.net");
	NUM(a->other_fields->len, 0);
	IS(a->original.dkim_domain, "example.net");
	IS(a->original.dkim_selector, "news");
	NUM(a->original.authentication_results->len, 1);
	IS(a->original.message_id, "<4D5216B6.3040801@example.net>");
	arf_report_free(a);
}

static void
test_authfail_spf(void)
{
	struct arf_report *a = open_fixture("authfail-spf.eml");

	if (a == NULL)
		return;
	IS(a->auth_failure, "spf");
	IS(a->spf_dns,
	    "txt : example.org : \"v=spf1 ip4:203.0.113.0/24 -all\"");
	NUM(a->source_port, 49152);
	IS(a->source_ip, "198.51.100.23");
	IS(a->delivery_result, "reject");
	IS(at(a->original_rcpt_to, 0), "<alice@mx.example.com>");
	NUM(a->fields->len, 14);
	/* The second SPF-DNS is kept among the fields, as written. */
	IS(((struct arf_field *)g_ptr_array_index(a->fields, 12))->value,
	    "txt : _spf.example.org : \"v=spf1 -all\"");
	IS(a->from, "\"SPF Reports\" <spf-reports@mx.example.com>");
	IS(a->original.from, "Billing <billing@example.org>");
	IS(a->original.subject, "Your invoice");
	arf_report_free(a);
}

static void
test_google_like(void)
{
	struct arf_report *a = open_fixture("dmarc-google-like.eml");

	if (a == NULL)
		return;
	IS(a->source_ip, "2001:db8::25");
	NUM(a->incidents, 1);
	IS(a->identity_alignment, "none");
	IS(a->auth_failure, "dmarc");
	IS(at(a->authentication_results, 0), "mx.google.example; dkim=none; "
	    "spf=fail smtp.mailfrom=example.com; dmarc=fail (p=REJECT "
	    "sp=REJECT dis=REJECT) header.from=example.com");
	IS(a->original.dkim_domain, "attacker.example");
	IS(a->original.dkim_selector, "sel2024");
	IS(a->original.from, "\"Example Support\" <support@example.com>");
	NUM(a->original.date_time, 1717667998);
	arf_report_free(a);
}

static void
test_yahoo_base64(void)
{
	struct arf_report *a = open_fixture("dmarc-yahoo-like-base64.eml");

	if (a == NULL)
		return;
	IS(a->format, "arf");
	IS(a->version, "0.1");
	NUM(a->original_rcpt_to->len, 2);
	IS(at(a->original_rcpt_to, 1), "second@yahoo.example");
	/* Received-Date, the older name. */
	IS(a->arrival_date, "Fri, 07 Jun 2024 10:11:12 PST");
	NUM(a->arrival_time, 1717783872);
	IS(a->source_ip, NULL);
	IS(a->from, "Yahoo! Mail AntiSpam Feedback "
	    "<feedback@arf.mail.yahoo.example>");
	IS(a->original.subject, "Big sale");
	arf_report_free(a);
}

static void
test_microsoft_qp(void)
{
	struct arf_report *a = open_fixture("dmarc-microsoft-like-qp.eml");

	if (a == NULL)
		return;
	/* Names in any case, the type lower-cased. */
	IS(a->feedback_type, "auth-failure");
	IS(a->user_agent, "Microsoft DMARC Reporter/1.0");
	IS(a->source_ip, "203.0.113.45");
	/* Arrival-Date wins over the Received-Date before it. */
	IS(a->arrival_date, "Sat, 8 Jun 2024 01:02:04 +0000");
	IS(at(a->authentication_results, 0), "outlook.example; dmarc=fail "
	    "action=quarantine header.from=contoso.example; compauth=fail "
	    "reason=000");
	IS(other(a, "X-Microsoft-Antispam"), "BCL:0;");
	IS(a->subject, "DMARC failure report for contoso.example");
	IS(a->original.from,
	    "Jos\xc3\xa9 Garc\xc3\xad" "a <jose@contoso.example>");
	IS(a->original.to, "Andr\xc3\xa9 <andre@outlook.example>");
	IS(a->original.subject, "R\xc3\xa9union de mardi");
	IS(a->original.message_id, "<CAF=abc123@mail.contoso.example>");
	arf_report_free(a);
}

static void
test_linkedin_crlf(void)
{
	struct arf_report *a = open_fixture("dmarc-linkedin-like-crlf.eml");

	if (a == NULL)
		return;
	IS(a->original_mail_from, "");
	IS(a->version, "1.0");
	IS(a->delivery_result, "delivered");
	IS(other(a, "Message-ID"), "<0101@EXCH01.example.org>");
	IS(a->message_id,
	    "<CC.91.26019.C3EA7CC5@mail516.prod.linkedin.example>");
	IS(a->original.to, "LinkedIn <recipient@linkedin.example>");
	IS(at(a->original.received, 0), "from [198.51.100.10] "
	    "([198.51.100.10:4227] helo=mail02.example.org) by "
	    "mail516.prod.linkedin.example (envelope-from <>) with ESMTPS "
	    "id CA/91-26019-ABCDECC5; Sun, 9 Jun 2024 02:09:00 +0000");
	arf_report_free(a);
}

static void
test_mailru(void)
{
	struct arf_report *a = open_fixture("dmarc-mailru-like.eml");

	if (a == NULL)
		return;
	IS(a->user_agent, "Mail.Ru DMARC Reporter");
	IS(a->reporting_mta, "dns; mx.mail.ru.example");
	NUM(a->authentication_results->len, 2);
	IS(at(a->authentication_results, 1),
	    "mx.mail.ru.example; dkim=fail header.d=shop.example");
	/* The attached message was base64-encoded. */
	IS(a->original.from, "\xd0\x9c\xd0\xb0\xd0\xb3\xd0\xb0\xd0\xb7\xd0\xb8"
	    "\xd0\xbd <news@shop.example>");
	IS(a->original.subject,
	    "\xd0\xa1\xd0\xba\xd0\xb8\xd0\xb4\xd0\xba\xd0\xb8"
	    " \xd0\xbd\xd0\xb5\xd0\xb4\xd0\xb5\xd0\xbb\xd0\xb8");
	IS(a->original.dkim_domain, "shop.example");
	IS(a->original.dkim_selector, "mailru");
	arf_report_free(a);
}

static void
test_fastmail(void)
{
	struct arf_report *a = open_fixture("dmarc-fastmail-like.eml");

	if (a == NULL)
		return;
	NUM(a->original_rcpt_to->len, 3);
	IS(at(a->original_rcpt_to, 2), "<c@fastmail.example>");
	NUM(a->authentication_results->len, 2);
	IS(at(a->authentication_results, 1), "mx.fastmail.example; dkim=fail "
	    "header.d=example.org header.s=fm1");
	NUM(a->reported_domain->len, 2);
	IS(at(a->reported_domain, 1), "lists.example.org");
	IS(at(a->reported_uri, 0), "https://lists.example.org/unsubscribe");
	IS(a->source_ip, "192.0.2.200");
	IS(a->identity_alignment, "dkim");
	NUM(a->other_fields->len, 2);
	IS(other(a, "X-Fastmail-Policy"), "p=quarantine");
	NUM(a->original.received->len, 3);
	IS(at(a->original.received, 2),
	    "from author.example.org by list-exploder; "
	    "Tue, 11 Jun 2024 03:58:58 +0000");
	NUM(a->original.authentication_results->len, 2);
	/* The first signature, its d= folded. */
	IS(a->original.dkim_domain, "example.org");
	IS(a->original.dkim_selector, "fm1");
	arf_report_free(a);
}

static void
test_complaint_types(void)
{
	static const struct {
		const char *file, *type, *other;
	} t[] = {
		{ "optout.eml", "opt-out", "Removal-Recipient" },
		{ "fraud.eml", "fraud", NULL },
		{ "virus.eml", "virus", NULL },
		{ "not-spam.eml", "not-spam", NULL },
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(t); i++) {
		struct arf_report *a = open_fixture(t[i].file);

		if (a == NULL)
			continue;
		IS(a->feedback_type, t[i].type);
		OK(!arf_is_failure_report(a));
		IS(a->original.subject, "Hello");
		if (t[i].other != NULL)
			IS(other(a, t[i].other), "user@isp.example");
		arf_report_free(a);
	}
}

static void
test_netease_text(void)
{
	struct arf_report *a = open_fixture("netease-text.eml");

	if (a == NULL)
		return;
	IS(a->format, "netease");
	IS(a->feedback_type, "auth-failure");
	OK(arf_is_failure_report(a));
	IS(a->auth_failure, "dmarc");
	IS(a->source_ip, "192.0.2.127");
	IS(a->arrival_date, "Thu, 13 Jun 2024 23:34:45 +0800");
	NUM(a->arrival_time, 1718292885);
	/* No domain stated: the From domain of the returned headers. */
	IS(at(a->reported_domain, 0), "example.net");
	IS(other(a, "SPF-authenticated Identifiers"), "bulk.example.net;");
	IS(other(a, "DMARC Mechanism Check Result"), "Identifier non-aligned, "
	    "DMARC mechanism check failures;");
	IS(a->original.part_type, "text/rfc822-headers");
	IS(a->original.message_id, "<promo-613@bulk.example.net>");
	arf_report_free(a);
}

static void
test_exim(void)
{
	struct arf_report *a = open_fixture("exim-forensic.eml");

	if (a == NULL)
		return;
	IS(a->format, "exim");
	IS(a->feedback_type, "auth-failure");
	IS(a->auth_failure, "dmarc");
	IS(at(a->reported_domain, 0), "example.org");
	IS(a->source_ip, "198.51.100.99");
	IS(a->arrival_date, "Fri, 14 Jun 2024 09:59:58 +0200");
	IS(a->identity_alignment, "spf");
	IS(other(a, "DKIM Alignment"), "no");
	IS(other(a, "DMARC Results"), "Reject");
	IS(a->original.part_type, "text");
	IS(a->original.from, "\"Example Org\" <ceo@example.org>");
	IS(a->original.subject, "Urgent wire transfer");
	NUM(a->original.received->len, 1);
	/* The reporter's verdict is the quoted Authentication-Results. */
	IS(at(a->authentication_results, 0), "mx.hosting.example; spf=pass "
	    "smtp.mailfrom=example.org; dkim=none; dmarc=fail "
	    "header.from=example.org");
	arf_report_free(a);
}

static void
test_cpanel_text(void)
{
	struct arf_report *a = open_fixture("cpanel-text.eml");

	if (a == NULL)
		return;
	IS(a->format, "text");
	IS(a->feedback_type, "auth-failure");
	IS(a->user_agent, "cPanel-DMARC/1.0");
	IS(a->auth_failure, "dmarc");
	IS(a->source_ip, "203.0.113.77");
	IS(a->arrival_date, "Sat, 15 Jun 2024 05:59:00 -0500");
	IS(at(a->reported_domain, 0), "example.com");
	NUM(a->authentication_results->len, 1);
	IS(at(a->authentication_results, 0),
	    "server.hosting.example; dmarc=fail header.from=example.com");
	NUM(a->fields->len, 7);
	IS(a->original.part_type, "text");
	IS(a->original.from, "Example Billing <billing@example.com>");
	IS(a->original.message_id, "<overdue-1@spammer.example>");
	arf_report_free(a);
}

static void
test_jmrp(void)
{
	struct arf_report *a = open_fixture("jmrp-hotmail.eml");

	if (a != NULL) {
		IS(a->format, "microsoft");
		IS(a->feedback_type, "abuse");
		OK(!arf_is_failure_report(a));
		IS(a->source_ip, "203.0.113.245");
		IS(at(a->original_rcpt_to, 0), "reader@hotmail.example");
		IS(a->original.subject, "Summer sale");
		IS(a->original.message_id, "<summer-1@sender.example>");
		arf_report_free(a);
	}
	if ((a = open_fixture("jmrp-subject-only.eml")) != NULL) {
		IS(a->format, "microsoft");
		NUM(a->original_rcpt_to->len, 0);
		IS(a->source_ip, "203.0.113.245");
		arf_report_free(a);
	}
	if ((a = open_fixture("jmrp-header-only.eml")) != NULL) {
		IS(a->format, "microsoft");
		IS(at(a->original_rcpt_to, 0), "other@hotmail.example");
		IS(a->source_ip, NULL);
		arf_report_free(a);
	}
}

static void
test_text_fbl(void)
{
	struct arf_report *a = open_fixture("text-fbl.eml");

	if (a == NULL)
		return;
	IS(a->format, "text");
	IS(a->feedback_type, "abuse");
	IS(a->source_ip, "192.0.2.77");
	IS(a->arrival_date, "Mon, 17 Jun 2024 08:00:00 -0400");
	NUM(a->reported_domain->len, 0);
	IS(a->original.part_type, "text");
	IS(a->original.from, "Sender List <list@sender.example>");
	IS(a->original.message_id, "<nl-617@sender.example>");
	arf_report_free(a);
}

static void
test_mislabelled(void)
{
	struct arf_report *a = open_fixture("text-mislabelled-part.eml");

	if (a == NULL)
		return;
	IS(a->format, "text");
	IS(a->feedback_type, "abuse");
	IS(a->user_agent, "MTA-Report/0.9");
	IS(a->source_ip, "198.51.100.200");
	IS(at(a->original_rcpt_to, 0), "<user@mta.example>");
	NUM(a->fields->len, 5);
	IS(a->original.part_type, "text/rfc822-headers");
	IS(a->original.message_id, "<deals-1@example.org>");
	arf_report_free(a);
}

/* Mail that is no feedback report must not be read as one. */
static void
test_negatives(void)
{
	static const char *const files[] = {
		"neg-bounce-of-report.eml", "neg-bounce-plain.eml",
		"neg-aggregate.eml", "neg-plain.eml", "neg-newsletter.eml",
		"neg-forwarded-message.eml",
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(files); i++) {
		char *path = g_strconcat(DATA, files[i], NULL);
		GError *err = NULL;
		struct arf_report *a = parse_path(path, FALSE, &err);

		TAP_OK(a == NULL && err == NULL, "%s: no feedback report (%s)",
		    files[i], a != NULL ? a->format : "none");
		arf_report_free(a);
		g_clear_error(&err);
		g_free(path);
	}
	TAP_OK(arf_parse(NULL, NULL) == NULL, "NULL message: no report");
	TAP_OK(!arf_is_failure_report(NULL), "NULL report: no failure");
}


/* The project's other mail (bounces, aggregate reports): none is a
 * feedback report but the bounce reader's own ARF fixtures. */
static void
walk_negatives(const char *dir, guint *n, guint *wrong)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, name, NULL);
		struct arf_report *a;
		GError *err = NULL;

		if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
			walk_negatives(path, n, wrong);
		} else if (!g_str_has_prefix(name, "arf")) {
			a = parse_path(path, FALSE, &err);
			if (a != NULL) {
				printf("# %s read as %s\n", path, a->format);
				(*wrong)++;
			}
			(*n)++;
			arf_report_free(a);
			g_clear_error(&err);
		}
		g_free(path);
	}
	if (d != NULL)
		g_dir_close(d);
}

static void
test_project_mail(void)
{
	guint n = 0, wrong = 0;

	walk_negatives("tests/data/bounces", &n, &wrong);
	walk_negatives("tests/data/mail", &n, &wrong);
	TAP_OK(n > 50 && wrong == 0, "%u bounces and report mails of "
	    "tests/data: no feedback report among them (%u read as one)", n,
	    wrong);
}

/* ---- bounds, built in memory ---- */

/* Time bounds in microseconds, four times as long under the sanitizers
 * and valgrind (tests/run.sh sets MAILSIFT_ASAN for those). */
static gint64
bound(gint64 usec)
{
	return g_getenv("MAILSIFT_ASAN") != NULL ? 20 * usec : usec;
}

/* A report: the feedback part's fields and, when not NULL, an attached
 * message. */
static GBytes *
build_report(const char *fields, gsize flen, const char *orig, gsize olen)
{
	GString *m = g_string_new("From: fbl@isp.example\n"
	    "To: fbl@example.org\nSubject: built\n"
	    "Date: Wed, 26 Jun 2024 10:00:00 +0000\n"
	    "Message-ID: <built@isp.example>\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=feedback-report;\n"
	    " boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nreport\n\n"
	    "--B\nContent-Type: message/feedback-report\n\n");

	g_string_append_len(m, fields, (gssize)flen);
	if (orig != NULL) {
		g_string_append(m, "\n--B\nContent-Type: message/rfc822\n\n");
		g_string_append_len(m, orig, (gssize)olen);
	}
	g_string_append(m, "\n--B--\n");
	return g_string_free_to_bytes(m);
}

/* Parsed by GMime directly, message/rfc822 a leaf as ingest registers it
 * (the first fixture's walk did), whatever ingest's own limits. */
static struct arf_report *
parse_direct(GBytes *raw, gboolean keep_body, GError **err)
{
	gsize len;
	const char *data = g_bytes_get_data(raw, &len);
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
	struct arf_report *a = NULL;

	if (m != NULL)
		a = arf_parse_full(m, keep_body, err);
	if (m != NULL)
		g_object_unref(m);
	g_object_unref(p);
	g_object_unref(st);
	return a;
}

static gboolean
valid(const char *s, gsize max)
{
	return s == NULL || (g_utf8_validate(s, -1, NULL) && strlen(s) <= max);
}

static gboolean
valid_list(const GPtrArray *l)
{
	guint i;

	for (i = 0; i < l->len; i++)
		if (!valid(g_ptr_array_index(l, i), ARF_MAX_VALUE))
			return FALSE;
	return l->len <= ARF_MAX_LIST;
}

static gboolean
valid_fields(const GPtrArray *l, guint max)
{
	guint i;

	for (i = 0; i < l->len; i++) {
		const struct arf_field *f = g_ptr_array_index(l, i);

		if (!valid(f->name, ARF_MAX_VALUE) ||
		    !valid(f->value, ARF_MAX_VALUE))
			return FALSE;
	}
	return l->len <= max;
}

/* Every string of a report valid UTF-8 within its bound. */
static gboolean
report_valid(const struct arf_report *a)
{
	const struct arf_original *o = &a->original;
	const char *one[] = {
		a->feedback_type, a->user_agent, a->version,
		a->original_envelope_id, a->original_mail_from,
		a->arrival_date, a->reporting_mta, a->source_ip,
		a->delivery_result, a->auth_failure, a->dkim_domain,
		a->dkim_identity, a->dkim_selector,
		a->dkim_canonicalized_header, a->dkim_canonicalized_body,
		a->dkim_adsp_dns, a->dkim_selector_dns, a->spf_dns,
		a->identity_alignment, a->from, a->subject, a->message_id,
		o->from, o->to, o->subject, o->message_id, o->date,
		o->dkim_domain, o->dkim_selector,
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(one); i++)
		if (!valid(one[i], ARF_MAX_VALUE))
			return FALSE;
	return valid_list(a->original_rcpt_to) &&
	    valid_list(a->authentication_results) &&
	    valid_list(a->reported_domain) && valid_list(a->reported_uri) &&
	    valid_list(o->authentication_results) &&
	    valid_list(o->received) &&
	    valid_fields(a->other_fields, ARF_MAX_LIST) &&
	    valid_fields(a->fields, ARF_MAX_FIELDS) &&
	    valid(o->headers, ARF_MAX_HEADERS) && valid(o->body, ARF_MAX_BODY);
}

static const char head[] = "Feedback-Type: abuse\nUser-Agent: t/1\n"
    "Version: 1\n";

/* A flood of one line after the three required fields. */
static GBytes *
flood(const char *line, guint n, const char *orig)
{
	GString *f = g_string_new(head);
	GBytes *b;
	guint i;

	for (i = 0; i < n; i++)
		g_string_append(f, line);
	b = build_report(f->str, f->len, orig, orig ? strlen(orig) : 0);
	g_string_free(f, TRUE);
	return b;
}

/* A report refused: NULL, ARF_ERROR_LIMIT naming the bound. */
static void
refused(const char *what, GBytes *raw, const char *bound_name)
{
	GError *err = NULL;
	gint64 t0 = g_get_monotonic_time();
	struct arf_report *a = parse_direct(raw, FALSE, &err);

	TAP_OK(a == NULL && err != NULL && err->domain == ARF_ERROR &&
	    err->code == ARF_ERROR_LIMIT &&
	    strstr(err->message, bound_name) != NULL,
	    "%s: refused naming %s (%s)", what, bound_name,
	    err ? err->message : "no error");
	TAP_OK(g_get_monotonic_time() - t0 < bound(2000000),
	    "%s: refused in time", what);
	arf_report_free(a);
	g_clear_error(&err);
	g_bytes_unref(raw);
}

static void
test_bound_part(void)
{
	GString *f = g_string_new(head);
	GBytes *raw;

	g_string_append(f, "X-Big: ");
	while (f->len < 10 * 1024 * 1024)
		g_string_append(f, "0123456789abcdef");
	g_string_append_c(f, '\n');
	raw = build_report(f->str, f->len, NULL, 0);
	g_string_free(f, TRUE);
	refused("a 10 MB field", raw, "ARF_MAX_PART");
	refused("100,000 Authentication-Results",
	    flood("Authentication-Results: mx.example.org; spf=fail "
	    "smtp.mailfrom=example.com\n", 100000, NULL), "ARF_MAX_PART");
	refused("100,000 Original-Rcpt-To",
	    flood("Original-Rcpt-To: <someone@example.net>\n", 100000, NULL),
	    "ARF_MAX_PART");
}

static void
test_bound_value(void)
{
	GString *f = g_string_new(head);
	struct arf_report *a;
	GError *err = NULL;
	GBytes *raw;
	guint i;

	/* Three-byte characters: ARF_MAX_VALUE falls inside one. */
	g_string_append(f, "X-Big: ");
	for (i = 0; i < 300000; i++)
		g_string_append(f, "\xe2\x82\xac");
	g_string_append(f, "\nReported-Domain: after.example\n");
	raw = build_report(f->str, f->len, NULL, 0);
	g_string_free(f, TRUE);
	a = parse_direct(raw, FALSE, &err);
	cur = "a 900 KB value";
	OK(a != NULL);
	if (a != NULL) {
		const char *v = other(a, "X-Big");

		OK(v != NULL && strlen(v) == ARF_MAX_VALUE / 3 * 3);
		OK(v != NULL && g_utf8_validate(v, -1, NULL));
		IS(at(a->reported_domain, 0), "after.example");
		OK(report_valid(a));
	}
	arf_report_free(a);
	g_clear_error(&err);
	g_bytes_unref(raw);
}

static void
test_bound_fields(void)
{
	GError *err = NULL;
	gint64 t0 = g_get_monotonic_time();
	guint n = 30000;
	GBytes *raw = flood("Reported-Domain: d.example\n", n, NULL);
	struct arf_report *a = parse_direct(raw, FALSE, &err);

	cur = "30,000 Reported-Domain";
	OK(a != NULL);
	if (a != NULL) {
		NUM(a->fields->len, ARF_MAX_FIELDS);
		NUM(a->reported_domain->len, ARF_MAX_LIST);
		/* Past ARF_MAX_FIELDS not read; past ARF_MAX_LIST not kept. */
		NUM(a->fields_dropped, (n + 3 - ARF_MAX_FIELDS) +
		    (ARF_MAX_FIELDS - 3 - ARF_MAX_LIST));
		IS(a->feedback_type, "abuse");
		OK(report_valid(a));
	}
	OK(g_get_monotonic_time() - t0 < bound(2000000));
	arf_report_free(a);
	g_bytes_unref(raw);
	raw = flood("X-Unknown: v\n", 5000, NULL);
	a = parse_direct(raw, FALSE, &err);
	cur = "5,000 unknown fields";
	OK(a != NULL);
	if (a != NULL) {
		NUM(a->other_fields->len, ARF_MAX_LIST);
		NUM(a->fields_dropped, (5003 - ARF_MAX_FIELDS) +
		    (ARF_MAX_FIELDS - 3 - ARF_MAX_LIST));
	}
	arf_report_free(a);
	g_bytes_unref(raw);
	g_clear_error(&err);
}

/* The returned message: a flood of one header between From and Subject. */
static void
original_flood(const char *what, const char *line, guint n,
    GPtrArray *(*list)(struct arf_original *))
{
	GString *o = g_string_new("From: <spam@example.com>\n");
	GError *err = NULL;
	gint64 t0 = g_get_monotonic_time();
	struct arf_report *a;
	GBytes *raw;
	guint i;

	for (i = 0; i < n; i++)
		g_string_append(o, line);
	g_string_append(o, "Subject: past the bound\n\nbody\n");
	raw = build_report(head, strlen(head), o->str, o->len);
	g_string_free(o, TRUE);
	a = parse_direct(raw, FALSE, &err);
	cur = what;
	OK(a != NULL && err == NULL);
	if (a != NULL) {
		IS(a->feedback_type, "abuse");
		IS(a->original.from, "<spam@example.com>");
		IS(a->original.subject, NULL);
		OK(a->original.truncated);
		NUM(list(&a->original)->len, ARF_MAX_LIST);
		OK(a->original.fields_dropped > 1000);
		OK(strlen(a->original.headers) <= ARF_MAX_HEADERS);
		OK(report_valid(a));
	}
	OK(g_get_monotonic_time() - t0 < bound(3000000));
	arf_report_free(a);
	g_bytes_unref(raw);
	g_clear_error(&err);
}

static GPtrArray *
received_of(struct arf_original *o)
{
	return o->received;
}

static GPtrArray *
auth_of(struct arf_original *o)
{
	return o->authentication_results;
}

static void
test_bound_original(void)
{
	original_flood("100,000 Received in the returned message",
	    "Received: from h.example.net by mx.example.org; "
	    "Wed, 26 Jun 2024 10:00:00 +0000\n", 100000, received_of);
	original_flood("100,000 Authentication-Results in the returned "
	    "message", "Authentication-Results: mx.example.org; dkim=fail\n",
	    100000, auth_of);
}

static void
test_bound_body(void)
{
	GString *o = g_string_new("From: <a@example.com>\nSubject: big\n\n");
	GError *err = NULL;
	struct arf_report *a;
	GBytes *raw;

	while (o->len < 3 * 1024 * 1024)
		g_string_append(o,
		    "caf\xc3\xa9 \xe2\x82\xac line of the body\n");
	raw = build_report(head, strlen(head), o->str, o->len);
	g_string_free(o, TRUE);
	a = parse_direct(raw, TRUE, &err);
	cur = "a 3 MB body kept";
	OK(a != NULL);
	if (a != NULL) {
		OK(a->original.body != NULL &&
		    strlen(a->original.body) <= ARF_MAX_BODY &&
		    strlen(a->original.body) > ARF_MAX_BODY - 8);
		OK(a->original.body_truncated);
		IS(a->original.subject, "big");
		OK(report_valid(a));
	}
	arf_report_free(a);
	g_bytes_unref(raw);
	g_clear_error(&err);
}

static void
test_bound_text(void)
{
	GString *m = g_string_new("From: fbl@isp.example\nSubject: t\n"
	    "Content-Type: text/plain\n\nThis is an email abuse report for "
	    "an email message received from IP 192.0.2.9 on Wed, 26 Jun "
	    "2024 10:00:00 +0000.\n\n");
	gint64 t0 = g_get_monotonic_time();
	GError *err = NULL;
	struct arf_report *a;
	GBytes *raw;

	while (m->len < 10 * 1024 * 1024)
		g_string_append(m,
		    "Lorem ipsum dolor sit amet, consectetur.\n");
	raw = g_string_free_to_bytes(m);
	a = parse_direct(raw, FALSE, &err);
	cur = "a 10 MB text report";
	OK(a != NULL);
	if (a != NULL) {
		IS(a->format, "text");
		IS(a->source_ip, "192.0.2.9");
	}
	OK(g_get_monotonic_time() - t0 < bound(2000000));
	arf_report_free(a);
	g_bytes_unref(raw);
	g_clear_error(&err);
}

/* Bytes that are not UTF-8 (Latin-1, stray continuation bytes, a NUL)
 * come out valid. */
static void
test_invalid_utf8(void)
{
	static const char fields[] = "Feedback-Type: abuse\n"
	    "User-Agent: caf\xe9 \xff\xfe agent\nVersion: 1\n"
	    "Reported-Domain: ex\x80\x80mple.com\nX-Nul: a\0b\n";
	static const char orig[] = "From: J\xf6rg <j@example.org>\n"
	    "Subject: \xc3\x28 bad =?utf-8?q?=C3=28?=\n"
	    "Message-ID: <\xff@example.org>\n\nx\n";
	GError *err = NULL;
	GBytes *raw = build_report(fields, sizeof fields - 1, orig,
	    sizeof orig - 1);
	struct arf_report *a = parse_direct(raw, FALSE, &err);

	cur = "invalid UTF-8";
	OK(a != NULL);
	if (a != NULL) {
		OK(report_valid(a));
		IS(a->user_agent, "caf\xc3\xa9 \xc3\xbf\xc3\xbe agent");
		IS(other(a, "X-Nul"), "a b");
		OK(a->original.from != NULL &&
		    strstr(a->original.from, "<j@example.org>") != NULL);
	}
	arf_report_free(a);
	g_bytes_unref(raw);
	g_clear_error(&err);
}

/* Without ingest's registration the attached message is a
 * GMimeMessagePart: read the same. */
static void
test_message_part(void)
{
	static const char inner_src[] = "From: Inner <inner@example.com>\n"
	    "To: someone@example.net\nSubject: =?utf-8?q?caf=C3=A9?=\n"
	    "Message-ID: <inner-1@example.com>\n"
	    "Date: Wed, 26 Jun 2024 09:00:00 +0000\n\ninner body\n";
	static const char fb_src[] = "Feedback-Type: auth-failure\n"
	    "User-Agent: built/1\nVersion: 1\nSource-IP: 192.0.2.44\n";
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(inner_src,
	    sizeof inner_src - 1);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *inner = g_mime_parser_construct_message(p, NULL);
	GMimeMessagePart *mp = g_mime_message_part_new_with_message("rfc822",
	    inner);
	GMimeMultipart *mr = g_mime_multipart_new_with_subtype("report");
	GMimePart *fb = g_mime_part_new_with_type("message",
	    "feedback-report");
	GMimeStream *fst = g_mime_stream_mem_new_with_buffer(fb_src,
	    sizeof fb_src - 1);
	GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(fst,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	GMimeMessage *outer = g_mime_message_new(TRUE);
	struct arf_report *a;
	GError *err = NULL;

	g_mime_part_set_content(fb, dw);
	g_mime_multipart_add(mr, GMIME_OBJECT(fb));
	g_mime_multipart_add(mr, GMIME_OBJECT(mp));
	g_mime_message_set_mime_part(outer, GMIME_OBJECT(mr));
	g_mime_message_set_subject(outer, "built in memory", NULL);
	a = arf_parse_full(outer, TRUE, &err);
	cur = "GMimeMessagePart";
	OK(a != NULL);
	if (a != NULL) {
		IS(a->format, "arf");
		IS(a->feedback_type, "auth-failure");
		IS(a->source_ip, "192.0.2.44");
		IS(a->subject, "built in memory");
		IS(a->original.part_type, "message/rfc822");
		IS(a->original.from, "Inner <inner@example.com>");
		IS(a->original.subject, "caf\xc3\xa9");
		IS(a->original.message_id, "<inner-1@example.com>");
		OK(a->original.body != NULL &&
		    strstr(a->original.body, "inner body") != NULL);
	}
	arf_report_free(a);
	g_clear_error(&err);
	g_object_unref(outer);
	g_object_unref(dw);
	g_object_unref(fst);
	g_object_unref(fb);
	g_object_unref(mr);
	g_object_unref(mp);
	g_object_unref(inner);
	g_object_unref(p);
	g_object_unref(st);
}

/* A reporter that leaves the type out: a failure report by its
 * Auth-Failure field. */
static void
test_untyped_failure(void)
{
	static const char fields[] = "User-Agent: x/1\nVersion: 1\n"
	    "Auth-Failure: dmarc\n";
	GError *err = NULL;
	GBytes *raw = build_report(fields, sizeof fields - 1, NULL, 0);
	struct arf_report *a = parse_direct(raw, FALSE, &err);

	cur = "no Feedback-Type";
	OK(a != NULL);
	if (a != NULL) {
		IS(a->feedback_type, NULL);
		OK(arf_is_failure_report(a));
		IS(a->original.part_type, NULL);
		IS(a->original.headers, NULL);
	}
	arf_report_free(a);
	g_bytes_unref(raw);
	g_clear_error(&err);
}

/* The fuzzers' finds for this reader, replayed through ingest. */
static void
test_fuzz_regressions(void)
{
	GDir *d = g_dir_open(FUZZ, 0, NULL);
	const char *name;
	guint n = 0;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		char *path;
		GError *err = NULL;
		struct arf_report *a;

		if (!g_str_has_prefix(name, "arf-"))
			continue;
		path = g_build_filename(FUZZ, name, NULL);
		a = parse_path(path, TRUE, &err);
		TAP_OK(a == NULL || report_valid(a), "fuzz %s: %s", name,
		    a != NULL ? a->format : err ? err->message : "no report");
		arf_report_free(a);
		g_clear_error(&err);
		g_free(path);
		n++;
	}
	if (d != NULL)
		g_dir_close(d);
	printf("# %u fuzz regression inputs\n", n);
}

/* ---- the corpus ---- */

/* A fold and the blanks around it become one space, as arf.h says. */
static char *
unfolded(const char *s)
{
	GString *v = g_string_new(NULL);

	while (*s != '\0') {
		if (*s != '\r' && *s != '\n') {
			g_string_append_c(v, *s++);
			continue;
		}
		while (*s == '\r' || *s == '\n' || *s == ' ' || *s == '\t')
			s++;
		while (v->len > 0 && (v->str[v->len - 1] == ' ' ||
		    v->str[v->len - 1] == '\t'))
			g_string_truncate(v, v->len - 1);
		if (v->len > 0 && *s != '\0')
			g_string_append_c(v, ' ');
	}
	return g_strstrip(g_string_free(v, FALSE));
}

static char *
decoded(const char *s)
{
	char *u = unfolded(s), *d = g_mime_utils_header_decode_text(NULL, u);

	g_free(u);
	return d;
}

static const char *
jstr(JsonObject *o, const char *key)
{
	JsonNode *n = o != NULL && json_object_has_member(o, key) ?
	    json_object_get_member(o, key) : NULL;

	return n != NULL && JSON_NODE_HOLDS_VALUE(n) &&
	    json_node_get_value_type(n) == G_TYPE_STRING ?
	    json_node_get_string(n) : NULL;
}

/* The feedback keys the oracle reads; any other name is in its
 * other_fields. */
static const char *const oracle_known[] = {
	"feedback-type", "user-agent", "version", "original-envelope-id",
	"original-mail-from", "original-rcpt-to", "arrival-date",
	"received-date", "reporting-mta", "source-ip", "incidents",
	"authentication-results", "reported-domain", "reported-uri",
	"delivery-result", "auth-failure", "dkim-domain", "dkim-identity",
	"dkim-selector", "spf-dns", "identity-alignment",
};

static gboolean
oracle_knows(const char *name)
{
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(oracle_known); i++)
		if (g_ascii_strcasecmp(name, oracle_known[i]) == 0)
			return TRUE;
	return FALSE;
}

/* g_ptr_array_sort passes pointers to the elements. */
static gint
compare_strings(gconstpointer x, gconstpointer y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Our other_fields the oracle's way: names outside its list (and not
 * written as keys of its own), lower-cased, sorted, once each, joined by
 * commas. */
static char *
our_other_names(const struct arf_report *a, JsonObject *fb)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < a->fields->len; i++) {
		const struct arf_field *f = g_ptr_array_index(a->fields, i);

		char *lower = g_ascii_strdown(f->name, -1);

		if (!oracle_knows(f->name) &&
		    !json_object_has_member(fb, lower))
			g_ptr_array_add(names, lower);
		else
			g_free(lower);
	}
	g_ptr_array_sort(names, compare_strings);
	for (i = 0; i < names->len; i++) {
		const char *n = g_ptr_array_index(names, i);

		if (i > 0 && strcmp(n, g_ptr_array_index(names, i - 1)) == 0)
			continue;
		g_string_append_printf(s, "%s%s", s->len ? "," : "", n);
	}
	g_ptr_array_unref(names);
	return g_string_free(s, FALSE);
}

static char *
json_names(JsonArray *arr)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; arr != NULL && i < json_array_get_length(arr); i++)
		g_string_append_printf(s, "%s%s", s->len ? "," : "",
		    json_array_get_string_element(arr, i));
	return g_string_free(s, FALSE);
}

static const char *
our_single(const struct arf_report *a, const char *key)
{
	static const struct {
		const char *key;
		size_t offset;
	} map[] = {
#define M(k, f) { k, offsetof(struct arf_report, f) }
		M("user-agent", user_agent), M("version", version),
		M("original-envelope-id", original_envelope_id),
		M("original-mail-from", original_mail_from),
		M("arrival-date", arrival_date),
		M("received-date", arrival_date),
		M("reporting-mta", reporting_mta),
		M("delivery-result", delivery_result),
		M("auth-failure", auth_failure),
		M("dkim-domain", dkim_domain),
		M("dkim-identity", dkim_identity),
		M("dkim-selector", dkim_selector), M("spf-dns", spf_dns),
		M("identity-alignment", identity_alignment),
		M("dkim-canonicalized-header", dkim_canonicalized_header),
		M("dkim-canonicalized-body", dkim_canonicalized_body),
		M("dkim-adsp-dns", dkim_adsp_dns),
		M("dkim-selector-dns", dkim_selector_dns),
#undef M
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(map); i++)
		if (strcmp(map[i].key, key) == 0)
			return *(char *const *)((const char *)a +
			    map[i].offset);
	return NULL;
}

static const GPtrArray *
our_list(const struct arf_report *a, const char *key)
{
	if (strcmp(key, "original-rcpt-to") == 0)
		return a->original_rcpt_to;
	if (strcmp(key, "authentication-results") == 0)
		return a->authentication_results;
	if (strcmp(key, "reported-domain") == 0)
		return a->reported_domain;
	if (strcmp(key, "reported-uri") == 0)
		return a->reported_uri;
	return NULL;
}

static void
compare_list(const char *file, const char *key, JsonArray *want,
    const GPtrArray *got)
{
	guint i, n = json_array_get_length(want);
	char *w;

	TAP_OK(got != NULL && got->len == n, "%s %s: %u values", file, key,
	    n);
	for (i = 0; got != NULL && i < n && i < got->len; i++) {
		w = unfolded(json_array_get_string_element(want, i));
		TAP_IS(at(got, i), w, "%s %s[%u]", file, key, i);
		g_free(w);
	}
}

static void
compare_single(const char *file, const char *key, const char *want,
    const struct arf_report *a)
{
	char *w = want != NULL ? unfolded(want) : NULL, *x = NULL;
	char buf[32];

	if (strcmp(key, "feedback-type") == 0) {
		x = w != NULL ? g_ascii_strdown(w, (gssize)strcspn(w,
		    " \t;,(")) : NULL;
		TAP_IS(a->feedback_type, x, "%s feedback-type", file);
	} else if (strcmp(key, "source-ip") == 0) {
		GInetAddress *ip;

		x = w != NULL ? g_strndup(w, strcspn(w, " \t(")) : NULL;
		if (x != NULL &&
		    (ip = g_inet_address_new_from_string(x)) != NULL) {
			g_free(x);
			x = g_inet_address_to_string(ip);
			g_object_unref(ip);
		} else {
			g_free(x);
			x = g_strdup(w);
		}
		TAP_IS(a->source_ip, x, "%s source-ip", file);
	} else if (strcmp(key, "incidents") == 0) {
		g_snprintf(buf, sizeof buf, "%lld", (long long)a->incidents);
		TAP_IS(a->incidents >= 0 ? buf : NULL, w, "%s incidents",
		    file);
	} else if (strcmp(key, "source-port") == 0) {
		g_snprintf(buf, sizeof buf, "%d", a->source_port);
		TAP_IS(a->source_port >= 0 ? buf : NULL, w, "%s source-port",
		    file);
	} else {
		TAP_IS(our_single(a, key), w, "%s %s", file, key);
	}
	g_free(x);
	g_free(w);
}

static void
compare_feedback(const char *file, JsonObject *fb,
    const struct arf_report *a)
{
	GList *keys = json_object_get_members(fb), *k;
	char *want, *got;
	gsize i;

	for (k = keys; k != NULL; k = k->next) {
		const char *key = k->data;
		JsonNode *n = json_object_get_member(fb, key);

		if (strcmp(key, "other_fields") == 0) {
			want = json_names(json_node_get_array(n));
			got = our_other_names(a, fb);
			TAP_IS(got, want, "%s other_fields", file);
			g_free(want);
			g_free(got);
		} else if (JSON_NODE_HOLDS_ARRAY(n)) {
			compare_list(file, key, json_node_get_array(n),
			    our_list(a, key));
		} else if (JSON_NODE_HOLDS_NULL(n) ||
		    JSON_NODE_HOLDS_VALUE(n)) {
			compare_single(file, key, JSON_NODE_HOLDS_NULL(n) ?
			    NULL : json_node_get_string(n), a);
		}
	}
	/* What we read, the oracle must have read too. */
	for (i = 0; i < G_N_ELEMENTS(oracle_known); i++) {
		const char *key = oracle_known[i];
		const GPtrArray *l = our_list(a, key);
		gboolean have = l != NULL ? l->len > 0 :
		    strcmp(key, "feedback-type") == 0 ?
		    a->feedback_type != NULL :
		    strcmp(key, "source-ip") == 0 ? a->source_ip != NULL :
		    strcmp(key, "incidents") == 0 ? a->incidents >= 0 :
		    our_single(a, key) != NULL;

		if (strcmp(key, "arrival-date") == 0 ||
		    strcmp(key, "received-date") == 0)
			have = a->arrival_date != NULL &&
			    !json_object_has_member(fb, "arrival-date") &&
			    !json_object_has_member(fb, "received-date");
		else if (json_object_has_member(fb, key))
			continue;
		TAP_OK(!have, "%s %s: absent as the oracle has it", file, key);
	}
	g_list_free(keys);
}

static void
compare_original(const char *file, JsonObject *o, const struct arf_report *a)
{
	static const char *const keys[] = {
		"from", "to", "subject", "message_id", "date",
	};
	const char *got[] = {
		a->original.from, a->original.to, a->original.subject,
		a->original.message_id, a->original.date,
	};
	gsize i;

	if (o == NULL) {
		TAP_OK(a->original.part_type == NULL,
		    "%s: no original, as the oracle has it", file);
		return;
	}
	for (i = 0; i < G_N_ELEMENTS(keys); i++) {
		const char *w = jstr(o, keys[i]);
		char *want = w == NULL ? NULL : i < 3 ? decoded(w) :
		    unfolded(w);

		TAP_IS(got[i], want, "%s original %s", file, keys[i]);
		g_free(want);
	}
}

static void
compare_message(const char *file, JsonObject *m, const struct arf_report *a)
{
	const char *w;
	char *want;

	if (m == NULL)
		return;
	if ((w = jstr(m, "from")) != NULL) {
		want = decoded(w);
		TAP_IS(a->from, want, "%s report from", file);
		g_free(want);
	}
	if ((w = jstr(m, "subject")) != NULL) {
		want = decoded(w);
		TAP_IS(a->subject, want, "%s report subject", file);
		g_free(want);
	}
	if ((w = jstr(m, "date")) != NULL) {
		GDateTime *dt = g_mime_utils_header_decode_date(w);

		TAP_OK(dt != NULL && a->date == g_date_time_to_unix(dt),
		    "%s report date", file);
		if (dt != NULL)
			g_date_time_unref(dt);
	}
}

static JsonObject *
member_object(JsonObject *o, const char *key)
{
	JsonNode *n = json_object_has_member(o, key) ?
	    json_object_get_member(o, key) : NULL;

	return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ?
	    json_node_get_object(n) : NULL;
}

static void
corpus_file(const char *dir, const char *source, const char *name,
    guint *ok, guint *exact, guint *errors)
{
	char *path = g_build_filename(dir, source, name, NULL);
	char *jpath = g_strdup_printf("%s/expected/%s/%s.json", dir, source,
	    name);
	char *label = g_strdup_printf("corpus %s/%s", source, name);
	JsonParser *p = json_parser_new();
	JsonObject *root;
	struct arf_report *a;
	GError *err = NULL;
	const char *status;
	int before = tap_failed;

	if (!json_parser_load_from_file(p, jpath, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
		printf("# %s: no expected JSON\n", label);
		goto out;
	}
	root = json_node_get_object(json_parser_get_root(p));
	status = jstr(root, "status");
	a = parse_path(path, FALSE, &err);
	if (status != NULL && strcmp(status, "ok") == 0) {
		(*ok)++;
		TAP_OK(a != NULL && a->format != NULL &&
		    strcmp(a->format, "arf") == 0, "%s: format arf%s%s", label,
		    err ? ": " : "", err ? err->message : "");
		if (a != NULL && member_object(root, "feedback") != NULL)
			compare_feedback(label, member_object(root,
			    "feedback"), a);
		if (a != NULL) {
			compare_original(label, member_object(root,
			    "original"), a);
			compare_message(label, member_object(root, "message"),
			    a);
		}
		if (tap_failed == before)
			(*exact)++;
	} else {
		(*errors)++;
		TAP_OK(a == NULL || a->format == NULL ||
		    strcmp(a->format, "arf") != 0,
		    "%s: not an ARF report (oracle: %s)", label,
		    S(jstr(root, "error")));
		printf("# %s: read as %s\n", label, a != NULL ?
		    a->format : "no report");
	}
	g_clear_error(&err);
	arf_report_free(a);
out:
	g_object_unref(p);
	g_free(label);
	g_free(jpath);
	g_free(path);
}

static void
test_corpus(void)
{
	const char *env = g_getenv("CORPUS");
	char *dir = g_build_filename(env != NULL ? env : "../shared/corpus",
	    "arf", NULL);
	GDir *d = g_dir_open(dir, 0, NULL), *sd;
	const char *source, *name;
	guint ok = 0, exact = 0, errors = 0;
	GPtrArray *sources, *names;
	guint i, j;

	if (d == NULL) {
		printf("# skip corpus: %s not found\n", dir);
		TAP_OK(1, "corpus skipped (no %s)", dir);
		g_free(dir);
		return;
	}
	sources = g_ptr_array_new_with_free_func(g_free);
	while ((source = g_dir_read_name(d)) != NULL)
		if (strcmp(source, "expected") != 0)
			g_ptr_array_add(sources, g_strdup(source));
	g_dir_close(d);
	g_ptr_array_sort(sources, compare_strings);
	for (i = 0; i < sources->len; i++) {
		char *sdir = g_build_filename(dir,
		    (char *)g_ptr_array_index(sources, i), NULL);

		if ((sd = g_dir_open(sdir, 0, NULL)) == NULL) {
			g_free(sdir);
			continue;
		}
		names = g_ptr_array_new_with_free_func(g_free);
		while ((name = g_dir_read_name(sd)) != NULL)
			g_ptr_array_add(names, g_strdup(name));
		g_dir_close(sd);
		g_ptr_array_sort(names, compare_strings);
		for (j = 0; j < names->len; j++)
			corpus_file(dir, g_ptr_array_index(sources, i),
			    g_ptr_array_index(names, j), &ok, &exact, &errors);
		g_ptr_array_unref(names);
		g_free(sdir);
	}
	printf("# corpus: %u/%u ok files exact, %u error files\n", exact, ok,
	    errors);
	TAP_OK(ok + errors > 0, "corpus: %u files read", ok + errors);
	g_ptr_array_unref(sources);
	g_free(dir);
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--dump") == 0)
		return dump_files(argc - 2, argv + 2);
	test_rfc5965();
	test_body_kept();
	test_minimal_crlf();
	test_authfail_dkim();
	test_authfail_spf();
	test_google_like();
	test_yahoo_base64();
	test_microsoft_qp();
	test_linkedin_crlf();
	test_mailru();
	test_fastmail();
	test_complaint_types();
	test_netease_text();
	test_exim();
	test_cpanel_text();
	test_jmrp();
	test_text_fbl();
	test_mislabelled();
	test_negatives();
	test_project_mail();
	test_bound_part();
	test_bound_value();
	test_bound_fields();
	test_bound_original();
	test_bound_body();
	test_bound_text();
	test_invalid_utf8();
	test_message_part();
	test_untyped_failure();
	test_fuzz_regressions();
	test_corpus();
	return tap_done();
}
