/* bounce_reason_test.c - unit tests of parse/bounce_reason*.c (the
 * classifier) and parse/bounce/reason/bounce_auth.c (the authentication verdicts).
 *
 * Run without arguments: TAP lines.  Each case is a recipient as a
 * recognizer would fill it, written from real providers' texts (addresses
 * and IPs anonymised), and the reason, rule kind, hard/soft, status and
 * reply code the classifier must give, or the typed auth fields.
 *
 * Run with --eval: read recipients as TSV on stdin, one per line,
 *	id status reply diagnostic command action mta_reason format
 *	recipient remote_mta diagnostic_type feedback_type
 * (empty field = NULL) and print "id reason hard status reply rule
 * sending_ip domain spf dkim dmarc" per line.  tests/bounce_reason_eval.py
 * drives it to score the classifier alone against the corpus.  With
 * --bench N, classify every input line N times and print the CPU time
 * per bounce_classify call, then per bounce_classify and
 * bounce_auth_extract (what the parser calls for each recipient).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse/bounce/bounce.h"
#include "tests/unit/tap.h"

static char *
field(char **line)
{
	char *s = *line, *tab;

	if (s == NULL)
		return NULL;
	if ((tab = strchr(s, '\t')) != NULL) {
		*tab = '\0';
		*line = tab + 1;
	} else
		*line = NULL;
	return s[0] ? g_strdup(s) : NULL;
}

static void
rcpt_clear(struct bounce_recipient *r)
{
	g_free(r->recipient);
	g_free(r->action);
	g_free(r->status);
	g_free(r->remote_mta);
	g_free(r->diagnostic_type);
	g_free(r->diagnostic_code);
	g_free(r->smtp_command);
	g_free(r->mta_reason);
	g_free(r->feedback_type);
	g_free(r->rule);
	g_free(r->auth.sending_ip);
	g_free(r->auth.domain);
	g_free(r->auth.spf);
	g_free(r->auth.dkim);
	g_free(r->auth.dmarc);
	memset(r, 0, sizeof(*r));
}

static const char *
n(const char *s)
{
	return s ? s : "";
}

/* One TSV line into a recipient; returns the id and the format. */
static void
parse_line(char *line, struct bounce_recipient *r, char **id, char **format)
{
	char *reply;

	memset(r, 0, sizeof(*r));
	*id = field(&line);
	r->status = field(&line);
	reply = field(&line);
	r->reply_code = reply ? atoi(reply) : 0;
	r->diagnostic_code = field(&line);
	r->smtp_command = field(&line);
	r->action = field(&line);
	r->mta_reason = field(&line);
	*format = field(&line);
	r->recipient = field(&line);
	r->remote_mta = field(&line);
	r->diagnostic_type = field(&line);
	r->feedback_type = field(&line);
	g_free(reply);
}

static int
eval(void)
{
	char buf[65536];

	while (fgets(buf, sizeof(buf), stdin) != NULL) {
		struct bounce_recipient r;
		char *id, *format;

		buf[strcspn(buf, "\r\n")] = '\0';
		parse_line(buf, &r, &id, &format);
		bounce_classify(&r, format);
		bounce_auth_extract(&r);
		printf("%s\t%s\t%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n",
		    n(id), r.reason, r.hard_bounce, n(r.status), r.reply_code,
		    n(r.rule), n(r.auth.sending_ip), n(r.auth.domain),
		    n(r.auth.spf), n(r.auth.dkim), n(r.auth.dmarc));
		rcpt_clear(&r);
		g_free(id);
		g_free(format);
	}
	return 0;
}

/* CPU time of bounce_classify alone (re-classifying is allowed). */
static int
bench(int rounds)
{
	GArray *rs = g_array_new(FALSE, TRUE, sizeof(struct bounce_recipient));
	GPtrArray *formats = g_ptr_array_new_with_free_func(g_free);
	struct timespec t0, t1;
	char buf[65536];
	guint i;
	int k, both;

	while (fgets(buf, sizeof(buf), stdin) != NULL) {
		struct bounce_recipient r;
		char *id, *format;

		buf[strcspn(buf, "\r\n")] = '\0';
		parse_line(buf, &r, &id, &format);
		g_array_append_val(rs, r);
		g_ptr_array_add(formats, format);
		g_free(id);
	}
	for (both = 0; both < 2; both++) {
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		for (k = 0; k < rounds; k++)
			for (i = 0; i < rs->len; i++) {
				struct bounce_recipient *r = &g_array_index(rs,
				    struct bounce_recipient, i);

				bounce_classify(r, g_ptr_array_index(formats,
				    i));
				if (both)
					bounce_auth_extract(r);
			}
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		printf("%u recipients x %d: %.2f us CPU per %s\n", rs->len,
		    rounds, ((t1.tv_sec - t0.tv_sec) * 1e9 +
		    (t1.tv_nsec - t0.tv_nsec)) / 1e3 / rs->len / rounds,
		    both ? "bounce_classify + bounce_auth_extract" :
		    "bounce_classify");
	}
	for (i = 0; i < rs->len; i++)
		rcpt_clear(&g_array_index(rs, struct bounce_recipient, i));
	g_array_free(rs, TRUE);
	g_ptr_array_free(formats, TRUE);
	return 0;
}

/* ---- classification cases ------------------------------------------- */

struct ccase {
	const char *what;
	/* the recipient as a recognizer fills it */
	const char *diag, *status, *command, *action, *mta, *format;
	const char *rcpt, *rhost, *dtype, *ftype;
	int reply;
	/* what the classifier must say */
	const char *reason, *rule;	/* rule: its prefix */
	int hard;
	const char *status_after;	/* NULL: not checked */
	int reply_after;		/* -1: not checked */
};

static const struct ccase ccases[] = {
	{ "Postfix user unknown at RCPT, status stated",
	    "host mx.example.com[192.0.2.10] said: 550 5.1.1 <bob@example.com>:"
	    " Recipient address rejected: User unknown in local recipient"
	    " table (in reply to RCPT TO command)", "5.1.1", "RCPT", "failed",
	    NULL, "postfix", "bob@example.com", "dns; mx.example.com", "smtp",
	    NULL, 0, "userunknown", "status:5.1.1", 1, "5.1.1", 550 },
	{ "the same text, no status stated: filled from the text",
	    "host mx.example.com[192.0.2.10] said: 550 5.1.1 <bob@example.com>:"
	    " Recipient address rejected: User unknown in local recipient"
	    " table (in reply to RCPT TO command)", NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL, 0, "userunknown", "status:5.1.1", 1,
	    "5.1.1", 550 },
	{ "a vague stated status gives way to the text's",
	    "550 5.1.1 <bob@example.net>... User unknown", "5.0.0", NULL,
	    "failed", NULL, "sendmail", NULL, NULL, NULL, NULL, 550,
	    "userunknown", "status:5.1.1", 1, "5.1.1", 550 },
	{ "user unknown after the message was sent is filtered",
	    "host mx.example.ne.jp[192.0.2.20] said: 550 Unknown user"
	    " bob@example.ne.jp (in reply to end of DATA command)", NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, "filtered",
	    "text:filtered:", 0, NULL, 550 },
	{ "Gmail 5.7.26 unauthenticated",
	    "550-5.7.26 This mail is unauthenticated, which poses a security"
	    " risk to the sender and Gmail users, and has been blocked. The"
	    " sender must authenticate with at least one of SPF or DKIM. For"
	    " this message, DKIM checks did not pass and SPF check for"
	    " [example.com] did not pass with ip: [198.51.100.25]. To best"
	    " protect our users from spam, the message has been blocked."
	    " https://support.google.com/mail/answer/81126#authentication"
	    " d2e1a72fcca58-73cd0bd66e1si123456b3a.2 - gsmtp", "5.7.26", "DATA",
	    "failed", NULL, "rfc3464", "carol@gmail.com",
	    "dns; gmail-smtp-in.l.google.com", "smtp", NULL, 550,
	    "authfailure", "status:5.7.26", 0, "5.7.26", 550 },
	{ "Gmail DMARC rejection names the policy, not the code",
	    "550-5.7.26 Unauthenticated email from example.com is not accepted"
	    " due to domain's DMARC policy. Please contact the administrator"
	    " of example.com domain if this was a legitimate mail. - gsmtp",
	    "5.7.26", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	    "authfailure", NULL, 0, "5.7.26", 550 },
	{ "Gmail 5.7.25 no PTR record",
	    "550-5.7.25 [198.51.100.25] The IP address sending this message"
	    " does not have a PTR record setup, or the corresponding forward"
	    " DNS entry does not point to the sending IP. As a policy, Gmail"
	    " does not accept messages from IPs with missing PTR records.",
	    NULL, NULL, NULL, NULL, NULL, "dave@gmail.com", NULL, NULL, NULL, 0,
	    "requireptr", NULL, 0, "5.7.25", 550 },
	{ "Gmail 5.7.1 very low reputation",
	    "550-5.7.1 [198.51.100.25      12] Our system has detected that"
	    " this message is likely suspicious due to the very low reputation"
	    " of the sending IP address. - gsmtp", "5.7.1", NULL, NULL, NULL,
	    NULL, NULL, "gmail-smtp-in.l.google.com", NULL, NULL, 0,
	    "badreputation", "provider:google:", 0, "5.7.1", 550 },
	{ "Gmail inbox over quota, temporary",
	    "452-4.2.2 The email account that you tried to reach is over quota."
	    " Please direct the recipient to https://support.google.com/mail/"
	    "?p=OverQuotaTemp - gsmtp", NULL, "RCPT", "delayed", NULL, NULL,
	    NULL, NULL, NULL, NULL, 0, "mailboxfull", NULL, 0, "4.2.2", 452 },
	{ "Microsoft 5.7.509 DMARC",
	    "550 5.7.509 Access denied, sending domain example.com does not"
	    " pass DMARC verification and has a DMARC policy of reject."
	    " [BN1NAM02FT012.eop-nam02.prod.protection.outlook.com]", NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, "authfailure",
	    NULL, 0, "5.7.509", 550 },
	{ "Microsoft 4.7.650 IP reputation, soft",
	    "451 4.7.650 The mail server [198.51.100.25] has been temporarily"
	    " rate limited due to IP reputation. For e-mail delivery"
	    " information, see https://postmaster.live.com (S775)", NULL,
	    "MAIL", "delayed", NULL, NULL, "erin@outlook.com",
	    "outlook-com.olc.protection.outlook.com", NULL, NULL, 0,
	    "badreputation", "provider:microsoft:", 0, "4.7.650", 451 },
	{ "Microsoft 5.7.606 banned sending IP",
	    "550 5.7.606 Access denied, banned sending IP [198.51.100.25]. To"
	    " request removal from this list please visit"
	    " https://sender.office.com/", NULL, "RCPT", NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, 0, "blocked", NULL, 0, "5.7.606", 550 },
	{ "Office 365 recipient not found",
	    "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound;"
	    " Recipient not found by SMTP address lookup'", NULL, NULL, NULL,
	    NULL, "office365", NULL, NULL, NULL, NULL, 0, "userunknown", NULL,
	    1, "5.1.10", 550 },
	{ "Yahoo TSS04 deferral",
	    "host mta6.am0.yahoodns.net[67.195.204.72] said: 421 4.7.0 [TSS04]"
	    " Messages from 198.51.100.25 temporarily deferred due to"
	    " unexpected volume or user complaints - 4.16.55.1; see"
	    " https://postmaster.yahooinc.com/error-codes (in reply to MAIL"
	    " FROM command)", NULL, NULL, "delayed", NULL, "postfix", NULL,
	    NULL, NULL, NULL, 0, "rejected", "provider:yahoo:", 0, "4.7.0",
	    421 },
	{ "Yahoo 5.7.9 policy",
	    "554 5.7.9 Message not accepted for policy reasons.  See"
	    " https://senders.yahooinc.com/error-codes", NULL, NULL, NULL,
	    NULL, NULL, "frank@yahoo.com", NULL, NULL, NULL, 0,
	    "policyviolation", NULL, 0, "5.7.9", 554 },
	{ "iCloud DMARC policy",
	    "host mx01.mail.icloud.com[17.57.152.9] said: 554 5.7.1 Your"
	    " message was rejected due to example.org's DMARC policy. See"
	    " https://support.apple.com/en-us/HT204137 for info (in reply to"
	    " end of DATA command)", NULL, NULL, NULL, "policyviolation",
	    "postfix", NULL, NULL, NULL, NULL, 0, "authfailure",
	    "text:authfailure:", 0, "5.7.1", 554 },
	{ "mailbox full",
	    "552 5.2.2 <gina@example.org>... Mailbox Full", "5.2.2", "RCPT",
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, "mailboxfull",
	    "status:5.2.2", 0, "5.2.2", 552 },
	{ "message too large",
	    "552 5.3.4 Message size exceeds fixed maximum message size", NULL,
	    "DATA", NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	    "emailtoolarge", NULL, 0, "5.3.4", 552 },
	{ "relay access denied",
	    "554 5.7.1 <henry@example.org>: Relay access denied", "5.7.1",
	    "RCPT", NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, "norelaying",
	    "text:norelaying:", 0, NULL, 554 },
	{ "Spamhaus listing",
	    "554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked"
	    " using zen.spamhaus.org; https://www.spamhaus.org/query/ip/"
	    "198.51.100.7", "5.7.1", "RCPT", NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, 0, "blocked", "text:blocked:", 0, NULL, 554 },
	{ "too many connections, soft",
	    "421 4.7.0 mx.example.net Error: too many connections from"
	    " 198.51.100.7", NULL, "CONN", NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, 0, "ratelimited", NULL, 0, "4.7.0", 421 },
	{ "null MX is notaccept, hard",
	    "556 5.1.10 <ivy@example.invalid>: Recipient address rejected:"
	    " Domain example.invalid does not accept mail (nullMX)", NULL,
	    "RCPT", NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, "notaccept",
	    NULL, 1, "5.1.10", 556 },
	{ "a delivery time-out with nothing else said",
	    "retry timeout exceeded", NULL, NULL, "failed", NULL, "exim", NULL,
	    NULL, NULL, NULL, 0, "expired", "text:expired:", 0, NULL, -1 },
	{ "a bare 503 is a syntax error",
	    "503 Improper sequence of commands", NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, 0, "syntaxerror", "reply:503", 0, NULL,
	    503 },
	{ "Action: delayed with no text is expired",
	    NULL, "4.4.0", NULL, "delayed", NULL, NULL, NULL, NULL, NULL, NULL,
	    0, "expired", "action:delayed", 0, "4.4.0", 0 },
	{ "procmail's failure is the mailer's",
	    "procmail: Couldn't create \"/var/mail/nobody\"", NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, "x-unix", NULL, 0, "mailererror", "lda:",
	    0, NULL, 0 },
	{ "the layout's reason wins",
	    "As their mailbox is full.", NULL, NULL, NULL, "mailboxfull", "kddi",
	    NULL, NULL, NULL, NULL, 0, "mailboxfull", "mta:kddi", 0, NULL, -1 },
	{ "an old name for a layout reason",
	    "Mail size limit exceeded.", NULL, NULL, NULL, "mesgtoobig",
	    "einsundeins", NULL, NULL, NULL, NULL, 0, "emailtoolarge",
	    "mta:einsundeins", 0, NULL, -1 },
	{ "a broad layout reason narrowed by the text",
	    "host mx1.example.net [192.0.2.222] SMTP error from remote mail"
	    " server after initial connection: 554 mx1.example.net example"
	    " 203.0.113.2 Example requires that all mail servers must have a"
	    " PTR record with a valid Reverse DNS entry.", NULL, NULL, NULL,
	    "blocked", "exim", NULL, NULL, NULL, NULL, 0, "requireptr",
	    "text:requireptr:", 0, NULL, 554 },
	{ "a vague layout reason is looked at again",
	    "550 5.1.1 <jack@example.com>... User Unknown", "5.1.1", "RCPT",
	    NULL, "onhold", "x1", NULL, NULL, NULL, NULL, 0, "userunknown",
	    "status:5.1.1", 1, NULL, 550 },
	{ "vacation", "I am out of the office until Monday.", NULL, NULL,
	    NULL, "vacation", "rfc3834", NULL, NULL, NULL, NULL, 0, "vacation",
	    "mta:", 0, NULL, -1 },
	{ "delivered", "250 2.0.0 OK", "2.0.0", NULL, "delivered", NULL,
	    NULL, NULL, NULL, NULL, NULL, 0, "delivered", "status:2.0.0", 0,
	    NULL, 250 },
	{ "ARF complaint", NULL, NULL, NULL, NULL, NULL, "arf", NULL, NULL,
	    NULL, "abuse", 0, "feedback", "feedback:abuse", 0, NULL, -1 },
	{ "nothing at all", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, 0, "undefined", "fallback:undefined", 0, NULL, 0 },
	{ "text that says nothing known", "Something went wrong, sorry.",
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, "onhold",
	    "fallback:onhold", 0, NULL, 0 },
	{ "user unknown with a 4xx code is not a hard bounce",
	    "450 4.1.1 <kim@example.com>: Recipient address rejected: User"
	    " unknown", NULL, "RCPT", NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	    0, "userunknown", NULL, 0, "4.1.1", 450 },
	{ "Orange codes", "550 5.5.0 Le compte du destinataire est bloque. The"
	    " recipient account is blocked. LPN007_426 (in reply to RCPT TO"
	    " command)", "5.5.0", NULL, NULL, NULL, NULL, NULL,
	    "smtpz4.laposte.net", NULL, NULL, 0, "suspend",
	    "provider:franceptt:", 0, NULL, 550 },
	{ "a multi-line reply joined: repeated codes do not cut phrases",
	    "550-5.7.26 The MAIL FROM domain [example.com] has an SPF record"
	    " with a 550-5.7.26 hard fail policy (-all) but it fails to pass"
	    " SPF checks with the ip: 550-5.7.26 [192.0.2.24]. To best protect"
	    " our users from spam and phishing, the message has been blocked."
	    " 550 5.7.26 https://support.google.com/mail/answer/81126 - gsmtp",
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	    "authfailure", "provider:google:has an spf record", 0, "5.7.26",
	    550 },
	{ "continuation lines without a status (MessageLabs)",
	    "SMTP error from remote mail server after end of data: 553-SPF"
	    " (Sender Policy Framework) domain authentication 553-fail. Refer"
	    " to the Troubleshooting page at 553-http://www.symanteccloud.com/"
	    "troubleshooting for more 553 information. (#5.7.1)", NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, "authfailure", NULL,
	    0, "5.7.1", 553 },
	{ "Amazon SES suppression list",
	    "Amazon SES did not send the message to this address because it"
	    " is on the suppression list for your account.", "5.1.1", NULL,
	    NULL, NULL, "amazonses", NULL, NULL, NULL, NULL, 0, "suppressed",
	    "text:suppressed:", 0, "5.1.1", -1 },
	{ "a refusal at STARTTLS",
	    "454 4.7.0 Try again later", NULL,
	    "STARTTLS", NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	    "failedstarttls", "command:STARTTLS", 0, "4.7.0", 454 },
	{ "qmail's (#5.1.1) is a status",
	    "Sorry, no mailbox here by that name. (#5.1.1)", NULL, "RCPT",
	    NULL, NULL, "qmail", NULL, NULL, NULL, NULL, 0, "userunknown",
	    "status:5.1.1", 1, "5.1.1", 0 },
	{ "a code inside an address or a version is no status",
	    "delivery to 192.0.2.5.1 via v2.0.1 failed", NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL, 0, "onhold", NULL, 0, NULL, 0 },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	    NULL, NULL, 0, NULL, 0 }
};

static void
fill(struct bounce_recipient *r, const struct ccase *c)
{
	memset(r, 0, sizeof(*r));
	r->diagnostic_code = g_strdup(c->diag);
	r->status = g_strdup(c->status);
	r->smtp_command = g_strdup(c->command);
	r->action = g_strdup(c->action);
	r->mta_reason = g_strdup(c->mta);
	r->recipient = g_strdup(c->rcpt);
	r->remote_mta = g_strdup(c->rhost);
	r->diagnostic_type = g_strdup(c->dtype);
	r->feedback_type = g_strdup(c->ftype);
	r->reply_code = c->reply;
}

static void
test_classify(void)
{
	const struct ccase *c;

	for (c = ccases; c->what != NULL; c++) {
		struct bounce_recipient r;

		fill(&r, c);
		bounce_classify(&r, c->format);
		TAP_IS(r.reason, c->reason, "%s: reason", c->what);
		if (c->rule != NULL)
			TAP_OK(r.rule != NULL && g_str_has_prefix(r.rule,
			    c->rule), "%s: rule %s starts with %s", c->what,
			    n(r.rule), c->rule);
		TAP_OK(r.hard_bounce == c->hard, "%s: hard bounce %d",
		    c->what, c->hard);
		if (c->status_after != NULL)
			TAP_IS(r.status, c->status_after, "%s: status",
			    c->what);
		if (c->reply_after >= 0)
			TAP_OK(r.reply_code == c->reply_after,
			    "%s: reply code %d (got %d)", c->what,
			    c->reply_after, r.reply_code);
		rcpt_clear(&r);
	}
}

/* Re-classifying replaces the rule, gives the same answer, and every
 * reason is a word of bounce_reasons[]. */
static void
test_reclassify(void)
{
	struct bounce_recipient r;
	char *first;
	gboolean listed = FALSE;
	int i;

	fill(&r, &ccases[0]);
	bounce_classify(&r, "postfix");
	first = g_strdup(r.rule);
	bounce_classify(&r, "postfix");
	TAP_IS(r.rule, first, "reclassify: same rule");
	TAP_IS(r.reason, "userunknown", "reclassify: same reason");
	for (i = 0; bounce_reasons[i] != NULL; i++)
		listed |= r.reason == bounce_reasons[i];
	TAP_OK(listed, "reason is a static word of bounce_reasons[]");
	g_free(first);
	rcpt_clear(&r);

	for (i = 0; bounce_reasons[i + 1] != NULL; i++)
		if (strcmp(bounce_reasons[i], bounce_reasons[i + 1]) >= 0)
			break;
	TAP_OK(bounce_reasons[i + 1] == NULL && i == 33,
	    "bounce_reasons[] has the 34 words, sorted");
}

/* The status a reason implies (bounce_reason_status.c): every reason of
 * bounce_reasons[] is listed, with a code or excluded on purpose, so a
 * reason added without a decision fails here. */
static void
test_inferred_table(void)
{
	static const char *const excluded[] = { "delivered", "feedback",
	    "onhold", "suppressed", "undefined", "vacation", NULL };
	const char *code;
	int i, j, coded = 0;

	for (i = 0; bounce_reasons[i] != NULL; i++) {
		gboolean want_none = FALSE;

		for (j = 0; excluded[j] != NULL; j++)
			want_none |= strcmp(excluded[j], bounce_reasons[i]) == 0;
		code = "unset";
		TAP_OK(bounce_status_listed(bounce_reasons[i], &code),
		    "inferred status: %s is listed (decide its code or "
		    "exclude it)", bounce_reasons[i]);
		if (want_none) {
			TAP_OK(code == NULL, "inferred status: %s gets none "
			    "(got %s)", bounce_reasons[i], n(code));
			continue;
		}
		coded++;
		TAP_OK(code != NULL && g_regex_match_simple(
		    "^5\\.[1-7]\\.[0-9]{1,3}$", code, 0, 0),
		    "inferred status: %s gets a class-5 RFC 3463 code (%s)",
		    bounce_reasons[i], n(code));
	}
	TAP_OK(coded == i - 6, "inferred status: %d reasons coded, 6 "
	    "excluded", coded);
	TAP_OK(!bounce_status_listed("nosuchreason", NULL) &&
	    !bounce_status_listed(NULL, NULL),
	    "inferred status: an unknown word is not listed");
}

struct icase {
	const char *what, *diag, *status, *action;
	int reply;
	const char *reason, *status_after, *source;
};

/* When a status is stated, inferred, or neither. */
static void
test_inferred(void)
{
	static const struct icase cases[] = {
		{ "no code, user unknown at RCPT", "user unknown", NULL,
		    "failed", 0, "userunknown", "5.1.1", "inferred" },
		{ "no code, a 550 reply is no status", "user unknown", NULL,
		    "failed", 550, "userunknown", "5.1.1", "inferred" },
		{ "no code, Exim retry timeout", "retry timeout exceeded",
		    NULL, "failed", 0, "expired", "5.4.7", "inferred" },
		{ "no code, a delay keeps class 4", "retry timeout exceeded",
		    NULL, "delayed", 0, "expired", "4.4.7", "inferred" },
		{ "no code, a 4xx reply keeps class 4", "mailbox is full",
		    NULL, NULL, 452, "mailboxfull", "4.2.2", "inferred" },
		{ "a stated status is stated", "user unknown", "5.1.1",
		    "failed", 550, "userunknown", "5.1.1", "stated" },
		{ "a code in the text is stated", "550 5.1.1 user unknown",
		    NULL, "failed", 0, "userunknown", "5.1.1", "stated" },
		{ "onhold gets none", "something odd happened here", NULL,
		    "failed", 0, "onhold", NULL, NULL },
		{ "undefined gets none", NULL, NULL, NULL, 0, "undefined",
		    NULL, NULL },
		{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL }
	};
	const struct icase *c;

	for (c = cases; c->what != NULL; c++) {
		struct bounce_recipient r;
		char *rule;

		memset(&r, 0, sizeof(r));
		r.diagnostic_code = g_strdup(c->diag);
		r.status = g_strdup(c->status);
		r.action = g_strdup(c->action);
		r.reply_code = c->reply;
		r.diagnostic_type = g_strdup("smtp");
		r.smtp_command = g_strdup("RCPT");
		bounce_classify(&r, "rfc3464");
		TAP_IS(r.reason, c->reason, "inferred: %s: reason", c->what);
		TAP_IS(r.status, c->status_after, "inferred: %s: status",
		    c->what);
		TAP_IS(r.status_source, c->source, "inferred: %s: source",
		    c->what);
		TAP_OK((strstr(n(r.rule), ";status-inferred:") != NULL) ==
		    (c->source != NULL && strcmp(c->source, "inferred") == 0),
		    "inferred: %s: the rule says so (%s)", c->what, n(r.rule));
		/* Again: the inferred status is not read back as stated. */
		rule = g_strdup(r.rule);
		bounce_classify(&r, "rfc3464");
		TAP_IS(r.status, c->status_after, "inferred: %s: status again",
		    c->what);
		TAP_IS(r.status_source, c->source, "inferred: %s: source again",
		    c->what);
		TAP_IS(r.rule, rule, "inferred: %s: rule again", c->what);
		g_free(rule);
		rcpt_clear(&r);
	}
}

/* Hostile input: huge, binary, unterminated-looking texts. */
static void
test_hostile(void)
{
	struct bounce_recipient r;
	GString *big = g_string_new(NULL);
	int i;

	for (i = 0; i < 200000; i++)
		g_string_append(big, "5.5.5.5 [ ");
	g_string_append(big, "user unknown");
	memset(&r, 0, sizeof(r));
	r.diagnostic_code = g_string_free(big, FALSE);
	r.status = g_strdup("9.9.9");
	r.smtp_command = g_strdup("RCPT TO:<x@example.com>");
	r.mta_reason = g_strdup("no such reason");
	bounce_classify(&r, NULL);
	bounce_auth_extract(&r);
	TAP_OK(r.reason != NULL && r.rule != NULL,
	    "2 MB of junk: classified (%s, %s)", r.reason, r.rule);
	TAP_OK(r.auth.sending_ip == NULL, "2 MB of junk: no IP invented");
	rcpt_clear(&r);

	memset(&r, 0, sizeof(r));
	r.diagnostic_code = g_strdup("\x01\xff\xfe 550 \x80\x80 5.1.1 ]]]] [[[[");
	bounce_classify(&r, "");
	TAP_IS(r.status, "5.1.1", "binary bytes around a code: status read");
	rcpt_clear(&r);
}

/* ---- authentication verdicts ------------------------------------------ */

struct acase {
	const char *what, *diag;
	const char *ip, *domain, *spf, *dkim, *dmarc;
};

static const struct acase acases[] = {
	{ "Gmail 5.7.26, 2024 wording",
	    "550-5.7.26 This mail is unauthenticated, which poses a security"
	    " risk to the sender and Gmail users, and has been blocked. The"
	    " sender must authenticate with at least one of SPF or DKIM. For"
	    " this message, DKIM checks did not pass and SPF check for"
	    " [example.com] did not pass with ip: [198.51.100.25]. To best"
	    " protect our users from spam, the message has been blocked.",
	    "198.51.100.25", "example.com", "fail", "fail", NULL },
	{ "Gmail 5.7.26, authentication results",
	    "550-5.7.26 This mail has been blocked because the sender is"
	    " unauthenticated. Gmail requires all senders to authenticate with"
	    " either SPF or DKIM. Authentication results: DKIM = did not pass"
	    " SPF [example.com] with ip: [198.51.100.25] = did not pass",
	    "198.51.100.25", "example.com", "fail", "fail", NULL },
	{ "Gmail DMARC policy",
	    "550-5.7.26 Unauthenticated email from example.com is not accepted"
	    " due to domain's DMARC policy. Please contact the administrator"
	    " of example.com domain if this was a legitimate mail.",
	    NULL, "example.com", NULL, NULL, "fail" },
	{ "Gmail DMARC, DNS trouble",
	    "451-4.7.26 Unauthenticated email from example.com is not accepted"
	    " due to domain's DMARC policy, but temporary DNS failures prevent"
	    " authentication.", NULL, "example.com", NULL, NULL, "temperror" },
	{ "Gmail SPF hard fail",
	    "550-5.7.26 The MAIL FROM domain [mail.example.com] has an SPF"
	    " record with a hard fail policy (-all) but it fails to pass SPF"
	    " checks with the ip: [198.51.100.24]. To best protect our users"
	    " from spam and phishing, the message has been blocked.",
	    "198.51.100.24", "mail.example.com", "fail", NULL, NULL },
	{ "Gmail SPF hard fail, lines joined with their codes",
	    "550-5.7.26 The MAIL FROM domain [mail.example.com] has an SPF"
	    " record with a 550-5.7.26 hard fail policy (-all) but it fails to"
	    " pass SPF checks with the ip: 550-5.7.26 [198.51.100.24]. To best"
	    " protect 550 5.7.26 our users - gsmtp",
	    "198.51.100.24", "mail.example.com", "fail", NULL, NULL },
	{ "Gmail 5.7.25, IP in brackets after the code",
	    "550-5.7.25 [198.51.100.25] The IP address sending this message"
	    " does not have a PTR record setup, or the corresponding forward"
	    " DNS entry does not point to the sending IP.",
	    "198.51.100.25", NULL, NULL, NULL, NULL },
	{ "Gmail PTR, IP in the sentence",
	    "The IP address sending this message 198.51.100.25 does not have a"
	    " PTR record", "198.51.100.25", NULL, NULL, NULL, NULL },
	{ "Gmail reputation, padded brackets",
	    "421-4.7.0 [198.51.100.25      15] Our system has detected that"
	    " this message is suspicious due to the very low reputation of the"
	    " sending IP address.", "198.51.100.25", NULL, NULL, NULL, NULL },
	{ "Microsoft 5.7.509",
	    "550 5.7.509 Access denied, sending domain example.com does not"
	    " pass DMARC verification and has a DMARC policy of reject.",
	    NULL, "example.com", NULL, NULL, "fail" },
	{ "Microsoft 5.7.509, bracketed upper-case domain",
	    "550 5.7.509 Access denied, sending domain [EXAMPLE.JP] does not"
	    " pass DMARC verification and has a DMARC policy of reject.",
	    NULL, "example.jp", NULL, NULL, "fail" },
	{ "Microsoft 5.7.515 with results",
	    "550 5.7.515 Access denied, sending domain EXAMPLE.COM doesn't meet"
	    " the required authentication level. Spf= Fail , Dkim= Pass ,"
	    " DMARC= Fail", NULL, "example.com", "fail", "pass", "fail" },
	{ "Microsoft 4.7.650",
	    "451 4.7.650 The mail server [198.51.100.25] has been temporarily"
	    " rate limited due to IP reputation. (S775)",
	    "198.51.100.25", NULL, NULL, NULL, NULL },
	{ "Microsoft over IPv6, unsigned",
	    "450 4.7.26 Access denied, a message sent over IPv6"
	    " [2001:DB8:0:0::25] must pass either SPF or DKIM validation, this"
	    " message is not signed", "2001:db8::25", NULL, NULL, "none", NULL },
	{ "Microsoft banned sending IP",
	    "550 5.7.606 Access denied, banned sending IP [192.0.2.225].",
	    "192.0.2.225", NULL, NULL, NULL, NULL },
	{ "Yahoo TSS04",
	    "421 4.7.0 [TSS04] Messages from 198.51.100.25 temporarily deferred"
	    " due to unexpected volume or user complaints - 4.16.55.1;",
	    "198.51.100.25", NULL, NULL, NULL, NULL },
	{ "Yahoo 5.7.9 says nothing about authentication",
	    "554 5.7.9 Message not accepted for policy reasons. See"
	    " https://senders.yahooinc.com/error-codes",
	    NULL, NULL, NULL, NULL, NULL },
	{ "iCloud DMARC policy",
	    "554 5.7.1 Your message was rejected due to example.org's DMARC"
	    " policy. See https://support.apple.com/en-us/HT204137",
	    NULL, "example.org", NULL, NULL, "fail" },
	{ "mail.ru DMARC policy (corpus)",
	    "host mxs.mail.ru[94.100.180.31] said: 550 5.7.1 This message was"
	    " not accepted due to domain (libsisimai.org) owner DMARC policy"
	    " (RFC 7489) https://help.mail.ru/mail-help/postmaster/dmarc (in"
	    " reply to end of DATA command)",
	    NULL, "libsisimai.org", NULL, NULL, "fail" },
	{ "ARF results (corpus)",
	    "This is a spf/dkim authentication-failure report for an email"
	    " message received from IP 192.0.2.127 on Thu, 29 Apr 2015 23:34:45"
	    " +0900. 126.example.com; dkim=fail (signature error: RSA verify"
	    " failed) header.d=ietf.org; dkim=permerror (signature verify"
	    " error) header.d=example.net; spf=pass smtp.mailfrom=a@example.com",
	    "192.0.2.127", NULL, "pass", "fail", NULL },
	{ "Comcast PTR (corpus)",
	    "host mx1.comcast.net [192.0.2.222] SMTP error from remote mail"
	    " server after initial connection: 554 mta1.comcast.net comcast"
	    " 203.0.113.2 Comcast requires that all mail servers must have a"
	    " PTR record with a valid Reverse DNS entry.",
	    "203.0.113.2", NULL, NULL, NULL, NULL },
	{ "Exim DNSBL, the IP before the listing",
	    "550 rejected because 198.51.100.77 is in a black list at"
	    " zen.spamhaus.org", "198.51.100.77", NULL, NULL, NULL, NULL },
	{ "AT&T DNSBL",
	    "553 5.3.0 flpd574 - DNSBL:RBL 521< 198.51.100.78 >_is_blocked."
	    " For assistance forward this error to abuse_rbl@abuse-att.net",
	    "198.51.100.78", NULL, NULL, NULL, NULL },
	{ "Proofpoint link",
	    "550 5.7.0 Local Policy Violation - see"
	    " https://ipcheck.proofpoint.com/?ip=198.51.100.79",
	    "198.51.100.79", NULL, NULL, NULL, NULL },
	{ "T-Online IP=",
	    "554 IP=198.51.100.80 - A problem occurred. (Ask your postmaster"
	    " for help or to contact tosa@rx.t-online.de to clarify.) (BL)",
	    "198.51.100.80", NULL, NULL, NULL, NULL },
	{ "DMARC policy for a domain",
	    "550 5.7.1 Email rejected per DMARC policy for example.org",
	    NULL, "example.org", NULL, NULL, "fail" },
	{ "La Poste SPF",
	    "550 5.5.0 SPF: example.net is not allowed to send mail."
	    " LPN004_401", NULL, "example.net", "fail", NULL, NULL },
	{ "the receiving host's address is not the sender's",
	    "host mx.example.com[192.0.2.10] said: 550 5.1.1 <a@example.com>:"
	    " Recipient address rejected: User unknown (in reply to RCPT TO"
	    " command)", NULL, NULL, NULL, NULL, NULL },
	{ "an impossible address is no address",
	    "550 5.7.26 SPF [example.com] with ip: [999.1.2.3] = did not pass",
	    NULL, "example.com", "fail", NULL, NULL },
	{ "DKIM-Signature named in a header error is no verdict",
	    "554 Transaction failed: Duplicate header 'DKIM-Signature'.",
	    NULL, NULL, NULL, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};

static void
test_auth(void)
{
	const struct acase *a;
	struct bounce_recipient r;

	for (a = acases; a->what != NULL; a++) {
		memset(&r, 0, sizeof(r));
		r.diagnostic_code = g_strdup(a->diag);
		bounce_auth_extract(&r);
		TAP_IS(r.auth.sending_ip, a->ip, "%s: sending_ip", a->what);
		TAP_IS(r.auth.domain, a->domain, "%s: domain", a->what);
		TAP_IS(r.auth.spf, a->spf, "%s: spf", a->what);
		TAP_IS(r.auth.dkim, a->dkim, "%s: dkim", a->what);
		TAP_IS(r.auth.dmarc, a->dmarc, "%s: dmarc", a->what);
		rcpt_clear(&r);
	}

	/* Called again on other text: the old verdicts are gone. */
	memset(&r, 0, sizeof(r));
	r.diagnostic_code = g_strdup(acases[0].diag);
	bounce_auth_extract(&r);
	g_free(r.diagnostic_code);
	r.diagnostic_code = g_strdup("550 5.1.1 user unknown");
	bounce_auth_extract(&r);
	TAP_OK(r.auth.sending_ip == NULL && r.auth.spf == NULL &&
	    r.auth.domain == NULL, "extract again: old fields cleared");
	rcpt_clear(&r);
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--eval") == 0)
		return eval();
	if (argc > 2 && strcmp(argv[1], "--bench") == 0)
		return bench(atoi(argv[2]) > 0 ? atoi(argv[2]) : 1);
	test_classify();
	test_reclassify();
	test_inferred_table();
	test_inferred();
	test_hostile();
	test_auth();
	return tap_done();
}
