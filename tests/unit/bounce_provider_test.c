/* bounce_provider_test.c - the mail providers' bounce recognizers
 * (parse/bounce_mta_provider*.c) on the fixtures in
 * tests/data/bounces/provider/ (run from the repository root), through
 * the whole path: ingest_message_new, ingest_walk, ingest_message_mime,
 * bounce_parse.
 *
 * Each fixture is one layout family; the table below says what the
 * recognizer must read from it: which row, how many recipients, and for
 * each its address, action, status, reply code, command, remote MTA,
 * what the layout itself says the reason is (mta_reason), and a piece of
 * the diagnostic (the text the classifier and the auth extractor read).
 * Mails that only look like bounces must not be taken by a provider row.
 * Hostile inputs built in memory check the bounds.
 */
#include <string.h>
#include <glib.h>

#include "ingest/ingest.h"
#include "parse/bounce/bounce.h"
#include "tests/unit/tap.h"

#define DATA	"tests/data/bounces/provider/"
#include "tests/unit/bounce_fixture.h"

struct want_rcpt {
	const char *recipient, *action, *status;
	int reply;
	const char *command, *remote, *mta_reason, *diag_has;
};

struct want {
	const char *file;
	const char *format;	/* NULL: no provider row may take it */
	enum bounce_kind kind;
	guint count;
	struct want_rcpt r[3];
	const char *orig_id;	/* the original's Message-ID, or NULL */
};

/* NULL in a want_rcpt string: not checked. "" : must be NULL. */
static const struct want wants[] = {
	{ "google-5.7.26.eml", "gsuite", BOUNCE_KIND_BOUNCE, 1, {
	    { "pat.lee@example.net", "failed", "5.7.26", 550, NULL,
	      "mx1.example.net", "", "with ip: [192.0.2.25]" } },
	  "20240312091408.ABCDE1234@mail.example.com" },
	{ "gmail-legacy-two-recipients.eml", "gmail", BOUNCE_KIND_BOUNCE, 2, {
	    { "nobody@example.org", "failed", "5.1.1", 550, "RCPT",
	      "mx.example.org", "", "User unknown (state 14)" },
	    { "full@example.org", "failed", "5.2.2", 552, "RCPT", "", "",
	      "Mailbox full" } },
	  "CAF1234567890@mail.example.com" },
	{ "googlegroups-cannot-post.eml", "googlegroups", BOUNCE_KIND_BOUNCE,
	  1, {
	    { "staff-list@googlegroups.com", "failed", "~5.1.8", 0, "", NULL,
	      "rejected", "may not have permission to post" } }, NULL },
	{ "office365-5.7.509.eml", "office365", BOUNCE_KIND_BOUNCE, 1, {
	    { "accounts@example.org", "failed", "5.7.509", 550, NULL,
	      "mx.example.org", "authfailure",
	      "does not pass DMARC verification and has a DMARC policy of "
	      "reject" } }, NULL },
	{ "office365-modern-ndr.eml", "office365", BOUNCE_KIND_BOUNCE, 1, {
	    { "lee@example.org", "failed", "5.1.10", 550, NULL, NULL,
	      "userunknown", "RESOLVER.ADR.RecipientNotFound" } },
	  "20240306100507.GB1234@mail.example.com" },
	{ "outlook-no-diagnostic.eml", "outlook", BOUNCE_KIND_BOUNCE, 2, {
	    { "chris@example.org", "failed", "4.4.7", 0, NULL, NULL, "",
	      "unable to connect successfully" },
	    { "dana@example.org", "failed", "4.4.7", 0, NULL, NULL, "",
	      "unable to connect successfully" } },
	  "BAY182-W41000000000000@phx.gbl" },
	{ "yahoo-deferred-4.7.0.eml", "yahoo", BOUNCE_KIND_BOUNCE, 2, {
	    { "jo@example.org", "failed", "4.7.0", 421, "RCPT", NULL, "",
	      "[TSS04] Messages from 192.0.2.25 temporarily deferred" },
	    { "max@example.org", "failed", "5.1.1", 550, "RCPT", NULL, "",
	      "User unknown" } },
	  "D957E346-0000-4000-8000-EF76A51AFD20@example.com" },
	{ "amazonses-dsn-quoted-status.eml", "amazonses", BOUNCE_KIND_BOUNCE,
	  1, {
	    { "buyer@example.net", "failed", "5.7.1", 550, NULL, "[192.0.2.222]",
	      "", "Sender rejected: SPF fail" } }, "order-1234@example.com" },
	{ "amazonses-sns-envelope.eml", "amazonses", BOUNCE_KIND_BOUNCE, 2, {
	    { "Ada@example.org", "failed", "5.1.1", 550, NULL, "192.0.2.99", "",
	      "Recipient address rejected" },
	    { "grace@example.org", "failed", "5.7.1", 550, NULL, NULL, "",
	      "due to domain's DMARC policy \xe2\x80\x94 see" } },
	  "news-2024-03@example.com" },
	{ "amazonses-sns-complaint-folded.eml", "amazonses",
	  BOUNCE_KIND_FEEDBACK, 1, {
	    { "lou@example.net", NULL, "", 0, NULL, NULL, "feedback", NULL } },
	  NULL },
	{ "mailru-retry-timeout.eml", "mailru", BOUNCE_KIND_BOUNCE, 2, {
	    { "ivan@example.org", "failed", "~5.4.7", 0, "", "", "expired",
	      "retry timeout exceeded" },
	    { "olga@example.org", "failed", "5.2.2", 550, "RCPT",
	      "mx.example.org", "mailboxfull", "mailbox is full" } }, NULL },
	{ "zoho-invalid-address.eml", "zoho", BOUNCE_KIND_BOUNCE, 1, {
	    { "tom@example.org", "failed", "5.1.1", 550, NULL, NULL, "",
	      "Invalid Address" } }, NULL },
	{ "kddi-mailbox-full.eml", "kddi", BOUNCE_KIND_BOUNCE, 1, {
	    { "hanako@example.dion.ne.jp", "failed", "~5.2.2", 0, NULL, NULL,
	      "mailboxfull", "As their mailbox is full" } },
	  "20130429000000.1111@example.com" },
	{ "gmx-mailbox-full.eml", "gmx", BOUNCE_KIND_BOUNCE, 1, {
	    { "lena@example.org", "failed", "5.2.2", 0, "RCPT",
	      "mx.example.org", "", "Mailbox Full" } }, NULL },
	{ "not-gmail-forward.eml", NULL, 0, 0, { { NULL } }, NULL },
	{ "not-sns-notification.eml", NULL, 0, 0, { { NULL } }, NULL },
};

static const char *const provider_rows[] = {
	"amazonworkmail", "amazonses", "receivingses", "googlegroups", "gmail",
	"gsuite", "office365", "outlook", "yahoo", "aol", "sendgrid", "mailru",
	"yandex", "zoho", "gmx", "einsundeins", "biglobe", "kddi", "ezweb",
	"verizon", "facebook", "messagelabs", "bigfoot", NULL
};

static gboolean
is_provider_row(const char *format)
{
	int i;

	for (i = 0; format != NULL && provider_rows[i] != NULL; i++)
		if (strcmp(format, provider_rows[i]) == 0)
			return TRUE;
	return FALSE;
}


static void
check_rcpt(const char *file, guint i, const struct bounce_recipient *r,
    const struct want_rcpt *w)
{
	check_str(file, i, "recipient", r->recipient, w->recipient);
	check_str(file, i, "action", r->action, w->action);
	check_status(file, i, r, w->status);
	check_str(file, i, "smtp_command", r->smtp_command, w->command);
	check_str(file, i, "remote_mta", r->remote_mta, w->remote);
	check_str(file, i, "mta_reason", r->mta_reason, w->mta_reason);
	TAP_OK(r->reply_code == w->reply, "%s #%u reply_code %d (want %d)",
	    file, i + 1, r->reply_code, w->reply);
	if (w->diag_has != NULL)
		TAP_OK(r->diagnostic_code != NULL &&
		    strstr(r->diagnostic_code, w->diag_has) != NULL,
		    "%s #%u diagnostic has \"%s\" (got \"%s\")", file, i + 1,
		    w->diag_has, r->diagnostic_code ? r->diagnostic_code : "");
}

static void
check(const struct want *w)
{
	struct bounce_report *b = parse_file(w->file);
	guint i;

	if (b == NULL)
		return;
	if (w->format == NULL) {
		TAP_OK(!is_provider_row(b->format),
		    "%s: no provider row takes it (got %s)", w->file,
		    b->format ? b->format : "none");
		bounce_report_free(b);
		return;
	}
	TAP_IS(b->format, w->format, "%s: format", w->file);
	TAP_OK(b->kind == w->kind, "%s: kind %d (want %d)", w->file, b->kind,
	    w->kind);
	TAP_OK(b->recipients->len == w->count, "%s: %u recipients (want %u)",
	    w->file, b->recipients->len, w->count);
	for (i = 0; i < b->recipients->len && i < w->count &&
	    i < G_N_ELEMENTS(w->r); i++)
		check_rcpt(w->file, i, g_ptr_array_index(b->recipients, i),
		    &w->r[i]);
	if (w->orig_id != NULL)
		TAP_IS(b->orig.message_id, w->orig_id, "%s: original Message-ID",
		    w->file);
	bounce_report_free(b);
}

/* Gmail's layout naming 1500 recipients: the bound holds, the rest are
 * counted, and it is quick. */
static void
hostile_many_recipients(void)
{
	GString *s = g_string_new(
	    "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
	    "To: a@example.com\n"
	    "Subject: Delivery Status Notification (Failure)\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=us-ascii\n\n"
	    "Delivery to the following recipients failed permanently:\n\n");
	struct bounce_report *b;
	GBytes *raw;
	gint64 t0;
	int i;

	for (i = 0; i < 1500; i++)
		g_string_append_printf(s, "     u%d@example.org\n\n"
		    "Technical details of permanent failure:\n"
		    "550 5.1.1 User unknown (state 14).\n\n", i);
	raw = g_bytes_new_take(s->str, s->len);
	g_string_free(s, FALSE);
	t0 = g_get_monotonic_time();
	b = parse_bytes(raw, "many-recipients");
	g_bytes_unref(raw);
	if (b == NULL)
		return;
	TAP_IS(b->format, "gmail", "many recipients: gmail layout");
	TAP_OK(b->recipients->len == BOUNCE_MAX_RECIPIENTS,
	    "many recipients: %u kept", b->recipients->len);
	TAP_OK(b->recipients_dropped == 500, "many recipients: %u dropped",
	    b->recipients_dropped);
	TAP_OK(g_get_monotonic_time() - t0 < 2 * G_USEC_PER_SEC,
	    "many recipients: parsed in %" G_GINT64_FORMAT " ms",
	    (g_get_monotonic_time() - t0) / 1000);
	bounce_report_free(b);
}

/* An SNS notification nested 100,000 deep, and one cut short: no
 * recipient, no crash, bounded time. */
static void
hostile_json(void)
{
	static const char head[] =
	    "From: AWS Notifications <no-reply@sns.amazonaws.com>\n"
	    "To: a@example.com\n"
	    "Subject: AWS Notification Message\n"
	    "x-amz-sns-message-id: 1\n"
	    "Content-Type: text/plain; charset=UTF-8\n\n";
	static const char cut[] = "{\"notificationType\":\"Bounce\",\"bounce\":"
	    "{\"bouncedRecipients\":[{\"emailAddress\":\"x@example.org\",\"sta";
	struct bounce_report *b;
	GString *s = g_string_new(head);
	GBytes *raw;
	int i;

	g_string_append(s, "{\"notificationType\":\"Bounce\",\"bounce\":");
	for (i = 0; i < 100000; i++)
		g_string_append_c(s, '[');
	raw = g_bytes_new_take(s->str, s->len);
	g_string_free(s, FALSE);
	b = parse_bytes(raw, "deep-json");
	g_bytes_unref(raw);
	if (b != NULL) {
		TAP_OK(b->recipients->len == 0 && !is_provider_row(b->format),
		    "deep JSON: no recipient");
		bounce_report_free(b);
	}
	s = g_string_new(head);
	g_string_append(s, cut);
	raw = g_bytes_new_take(s->str, s->len);
	g_string_free(s, FALSE);
	b = parse_bytes(raw, "cut-json");
	g_bytes_unref(raw);
	if (b != NULL) {
		TAP_OK(!is_provider_row(b->format), "truncated JSON: no recipient");
		bounce_report_free(b);
	}
}

int
main(void)
{
	gsize i;

	g_mime_init();
	for (i = 0; i < G_N_ELEMENTS(wants); i++)
		check(&wants[i]);
	hostile_many_recipients();
	hostile_json();
	g_mime_shutdown();
	return tap_done();
}
