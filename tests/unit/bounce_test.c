/* bounce_test.c - the bounce reader's spine on our own fixtures.
 *
 * Each message in tests/data/bounces/ goes the way ingest takes it:
 * ingest_walk parses it once, ingest_message_mime hands the tree to
 * bounce_parse.  The fixtures cover an RFC 3464 Postfix DSN with two
 * recipients, a Gmail 5.7.26 rejection naming the sending IP, an RFC 6533
 * DSN with a UTF-8 recipient, an ARF complaint, an RFC 3834 vacation
 * reply, a Diagnostic-Code folded over three lines, an ISO-8859-1
 * plain-text bounce with CRLF line ends, and two mails that are no bounce
 * (a person writing about a failed delivery, a list digest quoting one).
 * Then the helpers recognizers use, and the recipient bound.
 */
#include <string.h>

#include "ingest/ingest.h"
#include "parse/bounce/bounce.h"
#include "parse/bounce/bounce_internal.h"
#include "tap.h"

#define DIR "tests/data/bounces/"

/* Time bounds in microseconds, four times as long under the sanitizers
 * (tests/run.sh sets MAILSIFT_ASAN for that build). */
static gint64
bound(gint64 usec)
{
	return g_getenv("MAILSIFT_ASAN") != NULL ? 4 * usec : usec;
}

static int
no_payload(void *user, struct ingest_payload *p)
{
	return 0;
}

/* Parse one fixture; *msg must be freed after the report. */
static struct bounce_report *
parse(const char *name, struct ingest_message **msg)
{
	struct ingest_limits lim;
	struct bounce_report *b;
	GError *err = NULL;
	gchar *data;
	gsize len;
	GBytes *raw;

	*msg = NULL;
	if (!g_file_get_contents(name, &data, &len, &err)) {
		TAP_OK(0, "%s: readable (%s)", name, err->message);
		g_error_free(err);
		return NULL;
	}
	raw = g_bytes_new_take(data, len);
	*msg = ingest_message_new(raw, name);
	g_bytes_unref(raw);
	ingest_limits_default(&lim);
	TAP_OK(ingest_walk(*msg, &lim, no_payload, NULL, &err) >= 0,
	    "%s: walked", name);
	g_clear_error(&err);
	TAP_OK(ingest_message_mime(*msg) != NULL, "%s: tree kept", name);
	b = bounce_parse((GMimeMessage *)ingest_message_mime(*msg), &err);
	TAP_OK(b != NULL, "%s: parsed", name);
	g_clear_error(&err);
	return b;
}

static struct bounce_recipient *
rcpt(struct bounce_report *b, guint i)
{
	return b != NULL && i < b->recipients->len ?
	    g_ptr_array_index(b->recipients, i) : NULL;
}

static void
done(struct bounce_report *b, struct ingest_message *m)
{
	bounce_report_free(b);
	ingest_message_free(m);
}

static void
test_postfix(void)
{
	struct ingest_message *m;
	struct bounce_report *b = parse(DIR "postfix-two-recipients.eml", &m);
	struct bounce_recipient *r;

	if (b == NULL)
		return done(b, m);
	TAP_OK(b->kind == BOUNCE_KIND_BOUNCE, "postfix: a bounce");
	TAP_OK(b->recipients->len == 2, "postfix: two recipients (%u)",
	    b->recipients->len);
	TAP_IS(b->reporting_mta, "mail.example.com", "postfix: Reporting-MTA");
	TAP_IS(b->queue_id, "4F1A2B3C4D", "postfix: X-Postfix-Queue-ID");
	TAP_OK(b->arrival_date == 1715677958, "postfix: Arrival-Date");
	if ((r = rcpt(b, 0)) != NULL) {
		TAP_IS(r->recipient, "alice@example.net", "postfix #1: recipient");
		TAP_IS(r->action, "failed", "postfix #1: action");
		TAP_IS(r->status, "5.1.1", "postfix #1: status");
		TAP_OK(r->reply_code == 550, "postfix #1: reply code 550");
		TAP_IS(r->remote_mta, "mx1.example.net", "postfix #1: Remote-MTA");
		TAP_IS(r->diagnostic_type, "smtp", "postfix #1: diagnostic type");
		TAP_IS(r->diagnostic_code, "550 5.1.1 <alice@example.net>: "
		    "Recipient address rejected: User unknown in virtual "
		    "mailbox table", "postfix #1: folded diagnostic joined");
		TAP_IS(r->smtp_command, "RCPT", "postfix #1: RCPT from the text");
		TAP_IS(r->reason, "userunknown", "postfix #1: userunknown");
		TAP_OK(r->hard_bounce, "postfix #1: hard");
	}
	if ((r = rcpt(b, 1)) != NULL) {
		TAP_IS(r->recipient, "bob@example.org",
		    "postfix #2: domain lower-cased");
		TAP_IS(r->status, "5.2.2", "postfix #2: status");
		TAP_OK(r->reply_code == 552, "postfix #2: reply code 552");
		TAP_IS(r->smtp_command, "DATA", "postfix #2: end of DATA");
		TAP_OK(r->last_attempt == 1715677960, "postfix #2: Last-Attempt-Date");
		TAP_IS(r->reason, "mailboxfull", "postfix #2: mailboxfull");
	}
	TAP_IS(b->orig.message_id, "news-2024-05.8812@example.com",
	    "postfix: original Message-ID");
	TAP_IS(b->orig.from, "newsletter@example.com", "postfix: original From");
	TAP_IS(b->orig.to, "alice@example.net, bob@example.org",
	    "postfix: original To");
	TAP_IS(b->orig.subject, "May news \xe2\x80\x94 what's new",
	    "postfix: original Subject decoded");
	TAP_OK(b->orig.date == 1715677956, "postfix: original Date");
	TAP_IS(b->orig.list_id, "Example News <news.example.com>",
	    "postfix: List-Id");
	TAP_IS(b->orig.feedback_id, "may24:news:example-esp",
	    "postfix: Feedback-ID");
	TAP_IS(b->orig.sending_ip, "198.51.100.77",
	    "postfix: sending IP from the topmost Received, not localhost");
	done(b, m);
}

static void
test_gmail(void)
{
	struct ingest_message *m;
	struct bounce_report *b = parse(DIR "gmail-unauthenticated.eml", &m);
	struct bounce_recipient *r = rcpt(b, 0);

	if (r == NULL) {
		TAP_OK(0, "gmail: a recipient");
		return done(b, m);
	}
	TAP_OK(b->recipients->len == 1, "gmail: one recipient");
	TAP_IS(r->recipient, "carol@gmail.example", "gmail: recipient");
	TAP_IS(r->status, "5.7.26", "gmail: status 5.7.26");
	TAP_OK(r->reply_code == 550, "gmail: reply code 550");
	TAP_IS(r->reason, "authfailure", "gmail: authfailure");
	TAP_OK(r->diagnostic_code != NULL &&
	    strstr(r->diagnostic_code, "ip: [192.0.2.55]") != NULL,
	    "gmail: the diagnostic names the sending IP");
	TAP_IS(b->orig.sending_ip, "192.0.2.55",
	    "gmail: sending IP: public hop before the private one");
	TAP_IS(b->orig.message_id, "inv-20240603-0042@example.com",
	    "gmail: original Message-ID");
	TAP_OK(r->last_attempt == 1717426931, "gmail: Last-Attempt-Date, PDT");
	done(b, m);
}

static void
test_global(void)
{
	struct ingest_message *m;
	struct bounce_report *b = parse(DIR "global-utf8.eml", &m);
	struct bounce_recipient *r = rcpt(b, 0);

	if (r == NULL) {
		TAP_OK(0, "rfc6533: a recipient");
		return done(b, m);
	}
	TAP_IS(r->recipient, "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90"
	    ".example", "rfc6533: UTF-8 Final-Recipient");
	TAP_IS(r->original_recipient, r->recipient,
	    "rfc6533: \\x{HHHH} Original-Recipient decoded");
	TAP_IS(r->status, "5.1.1", "rfc6533: status");
	TAP_IS(b->orig.subject, "\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81"
	    "\xa1\xe3\x81\xaf", "rfc6533: UTF-8 subject of global headers");
	TAP_IS(b->orig.sending_ip, "198.51.100.200", "rfc6533: sending IP");
	done(b, m);
}

static void
test_arf(void)
{
	struct ingest_message *m;
	struct bounce_report *b = parse(DIR "arf-abuse.eml", &m);
	struct bounce_recipient *r = rcpt(b, 0);

	if (r == NULL) {
		TAP_OK(0, "arf: a recipient");
		return done(b, m);
	}
	TAP_OK(b->kind == BOUNCE_KIND_FEEDBACK, "arf: kind feedback");
	TAP_IS(b->format, "arf", "arf: read by the ARF reader");
	TAP_IS(r->recipient, "dave@example.net", "arf: Original-Rcpt-To");
	TAP_IS(r->feedback_type, "abuse", "arf: Feedback-Type");
	TAP_IS(r->reason, "feedback", "arf: reason feedback");
	TAP_IS(b->orig.sending_ip, "198.51.100.33", "arf: Source-IP");
	TAP_IS(b->orig.feedback_id, "spring24:offers:example-esp",
	    "arf: Feedback-ID of the original");
	done(b, m);
}

static void
test_vacation(void)
{
	struct ingest_message *m;
	struct bounce_report *b = parse(DIR "vacation.eml", &m);
	struct bounce_recipient *r = rcpt(b, 0);

	if (r == NULL) {
		TAP_OK(0, "vacation: a recipient");
		return done(b, m);
	}
	TAP_OK(b->kind == BOUNCE_KIND_AUTOREPLY, "vacation: kind autoreply");
	TAP_IS(r->recipient, "erin@example.org", "vacation: who is away");
	TAP_IS(r->reason, "vacation", "vacation: reason");
	TAP_IS(b->orig.message_id, "ticket-4711-update-3@example.com",
	    "vacation: In-Reply-To names our message");
	done(b, m);
}

static void
test_folded(void)
{
	struct ingest_message *m;
	struct bounce_report *b = parse(DIR "folded-diagnostic.eml", &m);
	struct bounce_recipient *r = rcpt(b, 0);

	if (r == NULL) {
		TAP_OK(0, "folded: a recipient");
		return done(b, m);
	}
	TAP_IS(r->recipient, "mike@example.org", "folded: RFC822;<addr>");
	TAP_IS(r->action, "failed", "folded: Action lower-cased");
	TAP_IS(r->status, "5.7.1", "folded: status without its comment");
	TAP_IS(r->diagnostic_code, "550-5.7.1 [203.0.113.5] Our system has "
	    "detected that this message is likely unsolicited mail. To reduce "
	    "the amount of spam sent to us, this message has been blocked.",
	    "folded: three lines joined, whitespace collapsed");
	TAP_OK(r->reply_code == 550, "folded: reply code from 550-");
	TAP_IS(b->orig.sending_ip, "203.0.113.5", "folded: Exim Received");
	done(b, m);
}

static void
test_latin1(void)
{
	struct ingest_message *m;
	struct bounce_report *b = parse(DIR "latin1-text.eml", &m);
	struct bounce_recipient *r = rcpt(b, 0);

	if (r == NULL) {
		TAP_OK(0, "latin1: a recipient");
		return done(b, m);
	}
	TAP_OK(b->recipients->len == 1, "latin1: one recipient");
	TAP_IS(r->recipient, "n.mueller@example.de", "latin1: recipient");
	TAP_OK(r->diagnostic_code != NULL &&
	    strstr(r->diagnostic_code, "Empf\xc3\xa4nger unbekannt") != NULL,
	    "latin1: diagnostic converted to UTF-8");
	TAP_OK(r->diagnostic_code != NULL &&
	    strchr(r->diagnostic_code, '\r') == NULL, "latin1: no CR left");
	TAP_IS(r->status, "5.1.1", "latin1: status from the text");
	TAP_IS(b->orig.message_id, "offer-june-17@example.com",
	    "latin1: original found after Exim's copy marker");
	TAP_IS(b->orig.sending_ip, "198.51.100.61", "latin1: sending IP");
	done(b, m);
}

static void
test_not_bounces(void)
{
	static const char *const names[] = { DIR "ordinary.eml",
	    DIR "digest.eml" };

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		struct ingest_message *m;
		struct bounce_report *b = parse(names[i], &m);

		TAP_OK(b != NULL && b->kind == BOUNCE_KIND_NONE &&
		    b->recipients->len == 0, "%s: no bounce", names[i]);
		done(b, m);
	}
}

static void
test_helpers(void)
{
	char *s;

	s = bounce_field("  a \t b\r\n   c  ", -1);
	TAP_IS(s, "a b c", "bounce_field: whitespace collapsed, trimmed");
	g_free(s);
	TAP_OK(bounce_field(" \t\n", -1) == NULL, "bounce_field: empty is NULL");
	s = bounce_field("caf\xe9", -1);
	TAP_OK(s != NULL && g_utf8_validate(s, -1, NULL),
	    "bounce_field: invalid UTF-8 made valid");
	g_free(s);
	{
		GString *big = g_string_new(NULL);

		for (int i = 0; i < 3000; i++)
			g_string_append(big, "\xc3\xa9 ");
		s = bounce_field(big->str, (gssize)big->len);
		TAP_OK(s != NULL && strlen(s) <= BOUNCE_MAX_FIELD &&
		    g_utf8_validate(s, -1, NULL),
		    "bounce_field: bounded on a character boundary");
		g_free(s);
		g_string_free(big, TRUE);
	}
	s = bounce_address("rfc822; Alice@Example.NET");
	TAP_IS(s, "Alice@example.net", "bounce_address: rfc822; domain lowered");
	g_free(s);
	s = bounce_address("Bob Example <bob@example.org> (comment)");
	TAP_IS(s, "bob@example.org", "bounce_address: <...> wins");
	g_free(s);
	s = bounce_address("<@relay.example:carol@example.com>");
	TAP_IS(s, "carol@example.com", "bounce_address: source route dropped");
	g_free(s);
	TAP_OK(bounce_address("no address here") == NULL,
	    "bounce_address: none");
	/* issue 14, family 7: gateway forms */
	s = bounce_address("rfc822;dda:SMTP=kim@Partner.Example");
	TAP_IS(s, "kim@partner.example", "bounce_address: dda:SMTP= dropped");
	g_free(s);
	s = bounce_address("<SMTP:Max@partner.example>");
	TAP_IS(s, "Max@partner.example", "bounce_address: <SMTP:...> dropped");
	g_free(s);
	s = bounce_address("IMCEASMTP-jo+2Eb+40partner+2Eexample@ex.example");
	TAP_IS(s, "jo.b@partner.example", "bounce_address: IMCEASMTP decoded");
	g_free(s);
	s = bounce_address("IMCEASMTP-nobody+2Eat+2Eall@ex.example");
	TAP_IS(s, "IMCEASMTP-nobody+2Eat+2Eall@ex.example",
	    "bounce_address: IMCEASMTP without an address inside kept");
	g_free(s);
	s = bounce_address("IMCEASMTP-a+40b+4@ex.example");
	TAP_OK(s != NULL, "bounce_address: IMCEASMTP cut escape survives");
	g_free(s);
	s = bounce_status_at("host [192.0.2.5] said: 550 5.7.26 blocked");
	TAP_IS(s, "5.7.26", "bounce_status_at: not the IP, the status");
	g_free(s);
	TAP_OK(bounce_status_at("version 5.1.10.2 of the daemon") == NULL,
	    "bounce_status_at: a longer dotted number is no status");
	TAP_OK(bounce_date("Tue, 14 May 2024 09:12:40 +0000") == 1715677960,
	    "bounce_date: RFC 5322");
	TAP_OK(bounce_date("yesterday") == 0, "bounce_date: unreadable is 0");
	/* The common form is read without GMime; the others by GMime:
	 * both must give the same instant. */
	TAP_OK(bounce_date("14 May 2024 11:12 +0200 (CEST)") == 1715677920,
	    "bounce_date: no day name, no seconds, a comment");
	TAP_OK(bounce_date("Wed, 28 Feb 2024 23:59:59 -0830") == 1709195399,
	    "bounce_date: a negative zone across midnight");
	TAP_OK(bounce_date("Thu, 29 Feb 2024 00:00:00 +0000") == 1709164800,
	    "bounce_date: a leap day");
	TAP_OK(bounce_date("Tue, 14 May 2024 09:12:40 GMT") == 1715677960,
	    "bounce_date: a named zone (GMime)");
	TAP_OK(bounce_date("Tue, 14 May 24 09:12:40 +0000") == 1715677960,
	    "bounce_date: a two-digit year (GMime)");
}

/* A DSN with more recipients than the bound: the first are kept, the
 * rest counted (once each, though each names two addresses), in linear
 * time. */
static void
test_bound(void)
{
	struct bounce_report b = { 0 };
	GString *dsn = g_string_new("Reporting-MTA: dns; mx.example.com\n\n");
	guint n = BOUNCE_MAX_RECIPIENTS + 1500, i;
	gint64 t0;
	int added;

	for (i = 0; i < n; i++)
		g_string_append_printf(dsn, "Original-Recipient: rfc822; "
		    "u%u@example.net\nFinal-Recipient: rfc822; u%u@example"
		    ".net\nAction: failed\nStatus: 5.1.1\n\n", i, i);
	b.recipients = g_ptr_array_new();
	t0 = g_get_monotonic_time();
	added = bounce_read_dsn(dsn->str, dsn->len, &b);
	TAP_OK(added == BOUNCE_MAX_RECIPIENTS &&
	    b.recipients->len == BOUNCE_MAX_RECIPIENTS,
	    "bound: %d recipients kept", added);
	TAP_OK(b.recipients_dropped == 1500, "bound: %u counted as dropped",
	    b.recipients_dropped);
	TAP_OK(g_get_monotonic_time() - t0 < bound(2000000),
	    "bound: in linear time");
	for (i = 0; i < b.recipients->len; i++) {
		struct bounce_recipient *r = g_ptr_array_index(b.recipients, i);

		g_free(r->recipient);
		g_free(r->original_recipient);
		g_free(r->action);
		g_free(r->status);
		g_free(r);
	}
	g_ptr_array_free(b.recipients, TRUE);
	g_free(b.reporting_mta);
	g_string_free(dsn, TRUE);
}

/* Parse a message made in memory. */
static struct bounce_report *
parse_bytes(GString *text, struct ingest_message **msg)
{
	struct ingest_limits lim;
	GError *err = NULL;
	GBytes *raw = g_bytes_new(text->str, text->len);
	struct bounce_report *b = NULL;

	*msg = ingest_message_new(raw, "memory");
	g_bytes_unref(raw);
	ingest_limits_default(&lim);
	ingest_walk(*msg, &lim, no_payload, NULL, &err);
	g_clear_error(&err);
	if (ingest_message_mime(*msg) != NULL)
		b = bounce_parse((GMimeMessage *)ingest_message_mime(*msg), &err);
	g_clear_error(&err);
	return b;
}

/* Inputs built to make a naive scan quadratic finish at once. */
static void
test_hostile(void)
{
	GString *t = g_string_new(NULL);
	struct ingest_message *m;
	struct bounce_report *b;
	gint64 t0;
	char *s;
	int i;

	for (i = 0; i < 4000; i++)
		g_string_append_c(t, '<');
	g_string_append(t, "a@b.example>");
	t0 = g_get_monotonic_time();
	for (i = 0; i < 200; i++)
		g_free(bounce_address(t->str));
	s = bounce_address(t->str);
	TAP_IS(s, "a@b.example", "hostile: 4000 '<' before the address");
	g_free(s);
	TAP_OK(g_get_monotonic_time() - t0 < bound(1000000),
	    "hostile: bounce_address stays linear");
	g_string_assign(t, "From: MAILER-DAEMON@example.com\n"
	    "Subject: Returned mail\n\n");
	for (i = 0; i < 900000; i++)
		g_string_append_c(t, '@');
	g_string_append(t, "\n<c@d.example>: 550 5.1.1 user unknown\n");
	t0 = g_get_monotonic_time();
	b = parse_bytes(t, &m);
	TAP_OK(g_get_monotonic_time() - t0 < bound(2000000),
	    "hostile: a line of 900,000 '@' in a text bounce");
	TAP_OK(b != NULL && b->recipients->len == 1,
	    "hostile: the one real recipient after it");
	done(b, m);
	g_string_free(t, TRUE);
}

int
main(void)
{
	test_postfix();
	test_gmail();
	test_global();
	test_arf();
	test_vacation();
	test_folded();
	test_latin1();
	test_not_bounces();
	test_helpers();
	test_bound();
	test_hostile();
	return tap_done();
}
