/* bounce_software_test.c - the MTA software recognizers
 * (parse/bounce_mta_software*.c) on the fixtures in
 * tests/data/bounces/software/ (run from the repository root), through
 * the path ingest takes: ingest_message_new, ingest_walk,
 * ingest_message_mime, bounce_parse.
 *
 * One fixture per layout family.  The table says which row must read it,
 * how many recipients it names, and for each the address, the original
 * address, status, reply code, SMTP command, remote MTA, the reason the
 * layout itself states (mta_reason) and a piece of the diagnostic.  A
 * mail that only looks like a bounce must not be taken by a software row.
 * Messages built in memory check the bounds: many recipients, endless
 * lines, a transcript with no end.
 */
#include <string.h>
#include <glib.h>

#include "ingest/ingest.h"
#include "parse/bounce/bounce.h"
#include "tests/unit/tap.h"

#define DATA	"tests/data/bounces/software/"
#include "tests/unit/bounce_fixture.h"

/* NULL: not checked; "": must be NULL. */
struct want_rcpt {
	const char *recipient, *original, *status;
	int reply;
	const char *command, *remote, *mta_reason, *diag_has;
};

struct want {
	const char *file;
	const char *format;	/* NULL: no software row may take it */
	guint count;
	struct want_rcpt r[3];
};

static const struct want wants[] = {
	{ "postfix-two-recipients.eml", "postfix", 2, {
	    { "pat@example.net", "pat@example.net", "5.1.1", 550, "RCPT",
	      "mx1.example.net", "", "User unknown in virtual mailbox table" },
	    { "lee@example.org", "team@example.com", "5.7.26", 550, "DATA",
	      "mx.example.org", "", "DMARC policy" } } },
	{ "postfix-plain-expanded.eml", "postfix", 2, {
	    { "bob@example.net", "sales@example.com", "4.2.2", 452, "RCPT",
	      "mx.example.net", "", "Mailbox full" },
	    { "carol@example.org", "", "~5.4.7", 0, "", "mx.example.org", "",
	      "Connection timed out" } } },
	{ "postfix-smtpd-transcript.eml", "postfix", 1, {
	    { "dana@example.com", NULL, "4.3.1", 452, "DATA", NULL, "",
	      "Insufficient system storage" } } },
	{ "sendmail-transcript.eml", "sendmail", 1, {
	    { "kim@example.net", NULL, "5.7.1", 550, "DATA", "mx.example.net",
	      "", "fails to pass authentication checks (SPF or DKIM)" } } },
	{ "sendmail-pasted-dsn-expired.eml", "sendmail", 1, {
	    { "ops@example.org", NULL, "4.4.7", 0, NULL, NULL, "expired",
	      "Deferred: Connection refused" } } },
	{ "v5sendmail-relay.eml", "v5sendmail", 1, {
	    { "suzuki@example.edu", NULL, "~5.7.1", 550, "RCPT", "mx.example.edu", "",
	      "Relaying denied" } } },
	{ "exim-two-recipients.eml", "exim", 2, {
	    { "sam@example.net", "", "5.2.1", 550, "RCPT", "mx.example.net", "",
	      "account that you tried to reach is disabled" },
	    { "ann@example.org", "info@example.com", "~5.4.7", 0, "", "", "expired",
	      "retry timeout exceeded" } } },
	{ "exim-pipe-failed.eml", "exim", 1, {
	    { "robot@lists.example.com", "", "~5.3.0", 0, "", "", "mailererror",
	      "Permission denied" } } },
	{ "qmail-two-recipients.eml", "qmail", 3, {
	    { "nobody@example.net", NULL, "5.1.1", 550, "RCPT", "192.0.2.71", "",
	      "does not like recipient" },
	    { "full@example.org", NULL, "5.2.2", 552, "RCPT", "198.51.100.9", "",
	      "mailbox is full" },
	    { "gone@example.com", NULL, "5.1.2", 0, "", "", "hostunknown",
	      "couldn't find any host" } } },
	{ "dragonfly-rcpt.eml", "dragonfly", 1, {
	    { "owner@example.net", NULL, "5.2.2", 552, "RCPT", "mx.example.net",
	      "", "Mailbox full" } } },
	{ "opensmtpd-delayed.eml", "opensmtpd", 2, {
	    { "friend@example.net", NULL, "~5.3.2", 0, "", "", "notaccept",
	      "No MX found for domain" },
	    { "boss@example.org", NULL, "4.7.0", 421, "", "", "",
	      "Try again later" } } },
	{ "courier-data.eml", "courier", 1, {
	    { "bruno@example.net", NULL, "5.7.1", 554, "DATA", NULL, "",
	      "content restrictions" } } },
	{ "exchange2007-recipnotfound.eml", "exchange2007", 1, {
	    { "jo@corp.example.com", NULL, "5.1.1", 550, NULL, NULL,
	      "userunknown", "RESOLVER.ADR.RecipNotFound" } } },
	{ "domino-not-listed.eml", "domino", 1, {
	    { "taro@notes.example.com", NULL, "~5.1.1", 0, NULL, NULL, "userunknown",
	      "not listed in Domino Directory" } } },
	{ "not-bounce-failure-notice.eml", NULL, 0, { { NULL } } },
};

static const char *const software_rows[] = {
	"postfix", "sendmail", "mfilter", "x2", "qmail", "dragonfly", "mxlogic",
	"exim", "opensmtpd", "messagingserver", "courier", "v5sendmail", "x1",
	"x3", "x5", "x6", "domino", "notes", "imailserver", "fml",
	"activehunter", "mailfoundry", "interscanmss", "surfcontrol", "mcafee",
	"barracuda", "amavis", "powermta", "apachejames", "mailmarshalsmtp",
	"exchange2003", "exchange2007", NULL
};

static gboolean
software_row(const char *format)
{
	int i;

	for (i = 0; format != NULL && software_rows[i] != NULL; i++)
		if (strcmp(format, software_rows[i]) == 0)
			return TRUE;
	return FALSE;
}


static void
check_rcpt(const char *file, guint i, const struct bounce_recipient *r,
    const struct want_rcpt *w)
{
	check_str(file, i, "recipient", r->recipient, w->recipient);
	check_str(file, i, "original_recipient", r->original_recipient,
	    w->original);
	check_status(file, i, r, w->status);
	check_str(file, i, "smtp_command", r->smtp_command, w->command);
	check_str(file, i, "remote_mta", r->remote_mta, w->remote);
	check_str(file, i, "mta_reason", r->mta_reason, w->mta_reason);
	TAP_OK(r->reply_code == w->reply, "%s #%u reply_code %d (want %d)",
	    file, i + 1, r->reply_code, w->reply);
	if (w->diag_has != NULL)
		TAP_OK(r->diagnostic_code != NULL &&
		    strstr(r->diagnostic_code, w->diag_has) != NULL,
		    "%s #%u diagnostic has '%s' (got '%s')", file, i + 1,
		    w->diag_has, r->diagnostic_code ? r->diagnostic_code : "");
	TAP_OK(r->reason != NULL && r->rule != NULL,
	    "%s #%u classified (%s)", file, i + 1,
	    r->reason ? r->reason : "-");
}

static void
check_fixture(const struct want *w)
{
	struct bounce_report *b = parse_file(w->file);
	guint i;

	if (b == NULL)
		return;
	if (w->format == NULL) {
		TAP_OK(!software_row(b->format), "%s: no software row (got %s)",
		    w->file, b->format ? b->format : "none");
		bounce_report_free(b);
		return;
	}
	TAP_IS(b->format, w->format, "%s: format", w->file);
	TAP_OK(b->kind == BOUNCE_KIND_BOUNCE, "%s: kind bounce", w->file);
	TAP_OK(b->recipients->len == w->count, "%s: %u recipients (want %u)",
	    w->file, b->recipients->len, w->count);
	for (i = 0; i < b->recipients->len && i < w->count && i < 3; i++)
		check_rcpt(w->file, i, g_ptr_array_index(b->recipients, i),
		    &w->r[i]);
	bounce_report_free(b);
}

/* A message from text built in memory. */
static struct bounce_report *
parse_string(GString *s, const char *name)
{
	GBytes *raw = g_bytes_new(s->str, s->len);
	struct bounce_report *b = parse_bytes(raw, name);

	g_bytes_unref(raw);
	return b;
}

/* A qmail bounce naming more recipients than a report keeps: the rest are
 * counted, not stored, and nothing is read past the bound. */
static void
many_recipients(void)
{
	GString *s = g_string_new("From: MAILER-DAEMON@mx.example.com\n"
	    "Subject: failure notice\n\n"
	    "Hi. This is the qmail-send program at mx.example.com.\n\n");
	struct bounce_report *b;
	guint i, n = BOUNCE_MAX_RECIPIENTS + 500;

	for (i = 0; i < n; i++)
		g_string_append_printf(s, "<user%u@example.net>:\n"
		    "Remote host said: 550 5.1.1 unknown\n\n", i);
	b = parse_string(s, "many-recipients");
	if (b != NULL) {
		TAP_IS(b->format, "qmail", "many recipients: format");
		TAP_OK(b->recipients->len == BOUNCE_MAX_RECIPIENTS,
		    "many recipients: %u kept", b->recipients->len);
		TAP_OK(b->recipients_dropped == n - BOUNCE_MAX_RECIPIENTS,
		    "many recipients: %u dropped", b->recipients_dropped);
		bounce_report_free(b);
	}
	g_string_free(s, TRUE);
}

/* One Exim recipient whose text is megabytes long, in one line and in
 * many: the diagnostic stays within BOUNCE_MAX_FIELD. */
static void
endless_text(void)
{
	GString *s = g_string_new("From: Mail Delivery System "
	    "<Mailer-Daemon@mx.example.com>\n"
	    "Subject: Mail delivery failed: returning message to sender\n\n"
	    "This message was created automatically by mail delivery "
	    "software.\n\n  big@example.net\n    ");
	struct bounce_report *b;
	guint i;

	for (i = 0; i < 200000; i++)
		g_string_append(s, "550 5.7.1 no ");
	g_string_append(s, "\n");
	for (i = 0; i < 50000; i++)
		g_string_append(s, "    550 5.7.1 more text\n");
	b = parse_string(s, "endless-text");
	if (b != NULL) {
		struct bounce_recipient *r = b->recipients->len ?
		    g_ptr_array_index(b->recipients, 0) : NULL;

		TAP_OK(r != NULL && r->recipient != NULL &&
		    strcmp(r->recipient, "big@example.net") == 0,
		    "endless text: recipient");
		TAP_OK(r != NULL && r->diagnostic_code != NULL &&
		    strlen(r->diagnostic_code) <= BOUNCE_MAX_FIELD,
		    "endless text: diagnostic bounded");
		bounce_report_free(b);
	}
	g_string_free(s, TRUE);
}

/* A Sendmail transcript of nothing but continued replies and commands,
 * no address anywhere: no recipient is invented. */
static void
transcript_without_addresses(void)
{
	GString *s = g_string_new("From: Mail Delivery Subsystem "
	    "<MAILER-DAEMON@mx.example.com>\n"
	    "Subject: Returned mail: see transcript for details\n\n"
	    "   ----- Transcript of session follows -----\n");
	struct bounce_report *b;
	guint i;

	for (i = 0; i < 20000; i++)
		g_string_append(s, ">>> DATA\n<<< 550-5.7.1 still going\n");
	b = parse_string(s, "transcript-only");
	if (b != NULL) {
		TAP_OK(!software_row(b->format),
		    "transcript without addresses: no software row (%s)",
		    b->format ? b->format : "none");
		bounce_report_free(b);
	}
	g_string_free(s, TRUE);
}

int
main(void)
{
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(wants); i++)
		check_fixture(&wants[i]);
	many_recipients();
	endless_text();
	transcript_without_addresses();
	return tap_done();
}
