/* bounce_mta_provider_mail.c - recognizers for the bounces of Yahoo, AOL,
 * Amazon (SES sending and receiving, WorkMail), SendGrid, Mail.ru, Yandex,
 * Zoho, Mimecast, GMX, 1&1, Facebook, MessageLabs and Bigfoot: rows of the
 * table in bounce_mta_provider.c, helpers in bounce_mta_provider_util.c.
 */
#include <string.h>

#include "bounce_mta_provider.h"

/* --- Yahoo, AOL ---------------------------------------------------------- */

/*
 * Yahoo (and AOL since it runs on Yahoo's servers):
 *	Sorry, we were unable to deliver your message to the following address.
 *
 *	<a@b>:
 *	Remote host said: 550 5.1.1 <a@b>... User Unknown [RCPT_TO]
 *
 *	--- Below this line is a copy of the message.
 */
gboolean
pv_yahoo_match(const struct bounce_input *in)
{
	return pv_header_set(in, "X-YMailISG") ||
	    pv_has(in->from, "mailer-daemon@yahoo") ||
	    pv_has(in->subject, "Failure Notice");
}

static const char *const yahoo_start[] = {
	"Sorry, we were unable to deliver your message", NULL
};
static const char *const yahoo_stop[] = {
	"--- Below this line is a copy of the message", NULL
};

/* The command in a trailing "[RCPT_TO]", "[MAIL_FROM]", "[DATA]". */
static const char *
bracket_command(const char *d)
{
	const char *p = strrchr(d, '[');

	if (p == NULL || strchr(p, ']') == NULL || strchr(p, ']')[1] != '\0')
		return NULL;
	return pv_command_word(p + 1, strlen(p + 1));
}

int
pv_yahoo_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *s, *e, *cur;
	struct pv_line l;
	struct pv_acc a;
	guint i;

	if (!pv_section(in, yahoo_start, yahoo_stop, &s, &e))
		return 0;
	pv_line_next(&s, e, &l);
	pv_acc_init(&a, b);
	for (cur = s; pv_line_next(&cur, e, &l); ) {
		struct pv_line t = pv_trim(l);
		char *addr;

		if (t.n == 0)
			continue;
		if (t.p[0] == '<' && t.p[t.n - 1] == ':' &&
		    (addr = pv_line_address(t)) != NULL) {
			pv_acc_add(&a, addr);
			continue;
		}
		if (pv_begins(t, "Remote host said:", FALSE)) {
			t.p += 17;
			t.n -= 17;
		}
		pv_acc_line(&a, t);
	}
	pv_acc_done(&a);
	for (i = a.first; i < b->recipients->len; i++) {
		struct bounce_recipient *r = g_ptr_array_index(b->recipients, i);
		const char *d = r->diagnostic_code;

		pv_set_str(&r->action, "failed");
		if (d == NULL)
			continue;
		pv_set_str(&r->smtp_command, bracket_command(d));
		/* An address quoted back is what RCPT TO was refused for. */
		if (r->smtp_command == NULL && strchr(d, '<') != NULL &&
		    strchr(d, '@') != NULL && strchr(d, '>') != NULL)
			pv_set_str(&r->smtp_command, "RCPT");
		pv_codes_from_diag(r);
	}
	return (int)(b->recipients->len - a.first);
}

/* AOL's own MTA: an RFC 3464 report. */
gboolean
pv_aol_match(const struct bounce_input *in)
{
	return pv_header_set(in, "X-AOL-IP") || pv_has(in->from, "@aol.com");
}

static const struct pv_phrase aol_phrases[] = {
	{ "Host or domain name not found", "hostunknown" },
	{ "type=MX: Malformed or unexpected name server reply", "notaccept" },
	{ NULL, NULL }
};

int
pv_aol_scan(const struct bounce_input *in, struct bounce_report *b)
{
	struct pv_acc a;
	guint i;

	pv_acc_init_dsn(&a, in, b);
	for (i = 0; i < pv_acc_count(&a); i++) {
		struct bounce_recipient *r = pv_acc_nth(&a, i);

		if (r->diagnostic_code != NULL)
			pv_set_reason(r, pv_phrase_in(r->diagnostic_code,
			    strlen(r->diagnostic_code), aol_phrases));
	}
	return pv_acc_done(&a);
}

/* --- Amazon: SES (sending and receiving), WorkMail ----------------------- */

static gboolean
workmail(const struct bounce_input *in)
{
	return pv_header_has(in, "X-Mailer", "Amazon WorkMail") ||
	    pv_header_has(in, "X-Original-Mailer", "Amazon WorkMail");
}

static gboolean
ses_outgoing(const struct bounce_input *in)
{
	return pv_header_set(in, "X-SES-Outgoing") ||
	    pv_header_set(in, "X-AWS-Outgoing");
}

/* SNS notifications (JSON) and SES's own delivery-status reports. */
gboolean
pv_amazonses_match(const struct bounce_input *in)
{
	return pv_header_set(in, "X-Amz-Sns-Message-Id") ||
	    pv_has(in->from, "@sns.amazonaws.com") ||
	    ((ses_outgoing(in) || pv_has(in->from, "amazonses.com")) &&
	    !workmail(in));
}

static const char *const ses_start[] = {
	"The following message to <",
	"An error occurred while trying to deliver the mail ", NULL
};
static const struct pv_phrase ses_phrases[] = {
	{ "Delivery expired", "expired" },
	{ NULL, NULL }
};

/* Status "5.0.0" / "5.1.0" with the remote server's words in quotes:
 * "5.1.0 - Unknown address error 550-'5.7.1 <a@b>... Access denied'". */
/*
 * No delivery-status part: the text alone.
 *	The following message to <a@b> was undeliverable.
 *	The reason for the problem:
 *	5.1.0 - Unknown address error 550-'...'
 * or
 *	An error occurred while trying to deliver the mail to the following
 *	recipients:
 *	a@b
 */
static void
ses_text(struct pv_acc *a, const char *s, const char *e)
{
	const char *cur = s;
	struct pv_line l;
	gboolean reason = FALSE;

	while (pv_line_next(&cur, e, &l)) {
		struct pv_line t = pv_trim(l);
		char *addr;

		if (t.n == 0 || pv_begins(t, "Content-", FALSE) ||
		    pv_begins(t, "Reporting-MTA:", FALSE))
			break;
		if (pv_begins(t, "The following message to <", FALSE)) {
			pv_acc_add_once(a, pv_text_address(t.p, t.n));
		} else if (pv_begins(t, "The reason for the problem:", FALSE)) {
			reason = TRUE;
		} else if (reason) {
			pv_acc_line(a, t);
		} else if ((addr = pv_line_address(t)) != NULL) {
			pv_acc_add_once(a, addr);
		}
	}
}

static void
ses_complete(struct pv_acc *a, const struct pv_phrase *phrases)
{
	guint i;

	for (i = 0; i < pv_acc_count(a); i++) {
		struct bounce_recipient *r = pv_acc_nth(a, i);
		const char *d;

		if (r->diagnostic_code == NULL)
			r->diagnostic_code = bounce_field(pv_acc_diag(a, i), -1);
		d = r->diagnostic_code;
		pv_refine_status(r, TRUE);
		if (d == NULL)
			continue;
		if (r->reply_code == 0)
			r->reply_code = pv_reply_in(d, strlen(d));
		pv_set_reason(r, pv_phrase_in(d, strlen(d), phrases));
	}
}

int
pv_amazonses_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *s, *e;
	struct pv_acc a;

	if (in->text_len > 0 && in->text[strspn(in->text, " \t\n")] == '{')
		return pv_ses_json_scan(in, b);
	if (!pv_section(in, ses_start, NULL, &s, &e))
		return 0;
	pv_acc_init_dsn(&a, in, b);
	if (pv_acc_count(&a) == 0)
		ses_text(&a, s, e);
	ses_complete(&a, ses_phrases);
	return pv_acc_done(&a);
}

/* Amazon SES receiving: "This message could not be delivered." */
gboolean
pv_receivingses_match(const struct bounce_input *in)
{
	return ses_outgoing(in) && !workmail(in);
}

static const char *const receivingses_start[] = {
	"This message could not be delivered.", NULL
};
static const struct pv_phrase receivingses_phrases[] = {
	{ "Mailbox does not exist", "filtered" },
	{ "Message too large", "emailtoolarge" },
	{ "Mailbox full", "mailboxfull" },
	{ "Message content rejected", "contenterror" },
	{ NULL, NULL }
};

int
pv_receivingses_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *s, *e;
	struct pv_acc a;

	if (!pv_section(in, receivingses_start, NULL, &s, &e))
		return 0;
	pv_acc_init_dsn(&a, in, b);
	ses_complete(&a, receivingses_phrases);
	return pv_acc_done(&a);
}

/*
 * Amazon WorkMail: the delivery-status fields are written into the text
 * part, after "Technical report:".
 */
gboolean
pv_amazonworkmail_match(const struct bounce_input *in)
{
	return workmail(in);
}

static const char *const workmail_start[] = { "Technical report:", NULL };
static const char *const workmail_stop[] = { "<!DOCTYPE HTML>", NULL };

int
pv_amazonworkmail_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *s, *e;
	struct pv_acc a;

	if (!pv_section(in, workmail_start, workmail_stop, &s, &e))
		return 0;
	pv_acc_init(&a, b);
	bounce_read_dsn(s, (gsize)(e - s), b);
	pv_acc_adopt(&a);
	ses_complete(&a, ses_phrases);
	return pv_acc_done(&a);
}

/* SendGrid: an RFC 3464 report; "Action: expired" when it gave up. */
gboolean
pv_sendgrid_match(const struct bounce_input *in)
{
	return pv_header_has(in, "Return-Path", "@sendgrid.net") ||
	    pv_find(in->text, in->text_len, "from SendGrid.") != NULL;
}

int
pv_sendgrid_scan(const struct bounce_input *in, struct bounce_report *b)
{
	struct pv_acc a;
	guint i;

	if (pv_find(in->text, in->text_len, "message from SendGrid") == NULL &&
	    !pv_header_has(in, "Return-Path", "@sendgrid.net"))
		return 0;
	pv_acc_init_dsn(&a, in, b);
	for (i = 0; i < pv_acc_count(&a); i++) {
		struct bounce_recipient *r = pv_acc_nth(&a, i);

		if (r->action != NULL && strcmp(r->action, "expired") == 0) {
			g_free(r->action);
			r->action = g_strdup("failed");
			pv_set_reason(r, "expired");
		}
		pv_codes_from_diag(r);
	}
	return pv_acc_done(&a);
}

/* --- Exim-based providers: Mail.ru ---------------------------------------- */

/*
 *	This message was created automatically by mail delivery software.
 *	...
 *	  a@b
 *	    SMTP error from remote mail server after RCPT TO:<a@b>:
 *	    host mx.b [192.0.2.1]: 550 5.1.1 <a@b>... User Unknown
 */
static const struct pv_phrase exim_phrases[] = {
	{ "retry timeout exceeded", "expired" },
	{ "No action is required on your part", "expired" },
	{ "user not found", "userunknown" },
	{ "all host address lookups failed permanently", "hostunknown" },
	{ "all relevant MX records point to non-existent hosts",
	    "hostunknown" },
	{ "Unrouteable address", "hostunknown" },
	{ "mailbox is full", "mailboxfull" },
	{ "error: quota exceed", "mailboxfull" },
	{ "an MX or SRV record indicated no SMTP service", "notaccept" },
	{ "no host found for existing SMTP connection", "notaccept" },
	{ "delivery to file forbidden", "systemerror" },
	{ "delivery to pipe forbidden", "systemerror" },
	{ "local delivery failed", "systemerror" },
	{ "Too many \"Received\" headers", "contenterror" },
	{ NULL, NULL }
};
static const char *const exim_start[] = {
	"This message was created automatically by mail delivery software",
	NULL
};
static const char *const exim_start_ru[] = {
	"К сожалению, Ваше письмо не может быть доставлено", NULL
};
static const char *const exim_stop[] = {
	"------ This is a copy of the message", "------ This is a copy of the body",
	NULL
};

/* "SMTP error from remote mail server after RCPT TO:<a@b>:" */
static const char *
exim_command(const char *d)
{
	const char *p = strstr(d, " after ");

	if (p == NULL || (pv_find_ci(d, (gsize)(p - d), "SMTP error") == NULL &&
	    pv_find_ci(d, (gsize)(p - d), "error from remote") == NULL))
		return NULL;
	p += 7;
	if (g_ascii_strncasecmp(p, "end of ", 7) == 0)
		return "DATA";
	if (g_ascii_strncasecmp(p, "initial connection", 18) == 0 ||
	    g_ascii_strncasecmp(p, "pipelined ", 10) == 0)
		return g_ascii_strncasecmp(p, "pipelined ", 10) == 0 ?
		    pv_command_word(p + 10, strlen(p + 10)) : "CONN";
	return pv_command_word(p, strlen(p));
}

/* "host mx.example.jp [192.0.2.1]:" -> "mx.example.jp" */
static char *
exim_host(const char *d)
{
	const char *p = strstr(d, "host "), *e;

	if (p == NULL || (p > d && p[-1] != ' '))
		return NULL;
	p += 5;
	e = strchr(p, ' ');
	if (e == NULL || e[1] != '[' || e - p < 3)
		return NULL;
	return g_strndup(p, (gsize)(e - p));
}

int
pv_exim_like_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *s, *e, *cur;
	struct pv_line l;
	struct pv_acc a;
	guint i;

	pv_acc_init(&a, b);
	/* The English copy when there is one: Mail.ru writes Russian first,
	 * then the same again in English. */
	if (pv_section(in, exim_start, exim_stop, &s, &e) ||
	    pv_section(in, exim_start_ru, exim_stop, &s, &e))
		for (cur = s; pv_line_next(&cur, e, &l); ) {
			char *addr;

			if (pv_blank(l))
				continue;
			if (pv_indented(l) && (addr = pv_line_address(l)) != NULL)
				pv_acc_add_once(&a, addr);
			else if (pv_indented(l))
				pv_acc_line(&a, l);
		}
	if (pv_acc_count(&a) == 0)
		pv_rcpts_from_header(&a, bounce_header(in, "X-Failed-Recipients"));
	pv_acc_done(&a);
	for (i = a.first; i < b->recipients->len; i++) {
		struct bounce_recipient *r = g_ptr_array_index(b->recipients, i);
		const char *d = r->diagnostic_code;
		const char *cmd;

		pv_set_str(&r->action, "failed");
		if (d == NULL)
			continue;
		r->remote_mta = exim_host(d);
		cmd = exim_command(d);
		pv_set_str(&r->smtp_command, cmd);
		if (cmd != NULL && strcmp(cmd, "MAIL") == 0)
			pv_set_reason(r, "rejected");
		else if (cmd != NULL && (strcmp(cmd, "HELO") == 0 ||
		    strcmp(cmd, "EHLO") == 0))
			pv_set_reason(r, "blocked");
		else
			pv_set_reason(r, pv_phrase_in(d, strlen(d), exim_phrases));
		pv_codes_from_diag(r);
	}
	return (int)(b->recipients->len - a.first);
}

gboolean
pv_mailru_match(const struct bounce_input *in)
{
	return pv_has(in->from, "mailer-daemon@") && (pv_has(in->from, "mail.ru") ||
	    pv_has(in->from, "smailru.net"));
}

/* --- Yandex, Zoho, GMX, 1&1 ---------------------------------------------- */

/* Yandex runs Postfix: an RFC 3464 report; the text names the command. */
gboolean
pv_yandex_match(const struct bounce_input *in)
{
	return pv_has(in->from, "mailer-daemon@yandex.");
}

int
pv_yandex_scan(const struct bounce_input *in, struct bounce_report *b)
{
	struct pv_acc a;

	pv_acc_init_dsn(&a, in, b);
	return pv_acc_done(&a);
}

/*
 * Zoho Mail:
 *	a@b Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <a@b>... ...
 *	[Status: Error, Address: <a@b>, ResponseCode 421, , Host not reachable.]
 */
gboolean
pv_zoho_match(const struct bounce_input *in)
{
	return pv_header_set(in, "X-ZohoMail") || pv_has(in->from, "@mail.zoho.");
}

static const char *const zoho_start[] = {
	"This message was created automatically by mail delivery", NULL
};
static const char *const zoho_stop[] = {
	"Received:from mail.zoho.com by mx.zohomail.com",
	"Received: from mail.zoho.com by mx.zohomail.com", NULL
};
static const struct pv_phrase zoho_phrases[] = {
	{ "Host not reachable", "expired" },
	{ NULL, NULL }
};

int
pv_zoho_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *s, *e, *cur;
	struct pv_line l;
	struct pv_acc a;
	guint i;

	if (!pv_section(in, zoho_start, zoho_stop, &s, &e))
		return 0;
	pv_acc_init(&a, b);
	for (cur = s; pv_line_next(&cur, e, &l); ) {
		struct pv_line t = pv_trim(l);
		const char *sp = memchr(t.p, ' ', t.n);

		if (pv_begins(t, "[Status:", FALSE) && pv_line_find(t, "Address:")) {
			const char *p = pv_line_find(t, "Address:");

			if (pv_acc_add(&a, pv_text_address(p, t.n - (gsize)(p - t.p))))
				pv_acc_line(&a, t);
		} else if (sp != NULL && memchr(t.p, '@', (gsize)(sp - t.p)) &&
		    t.p[0] != '<' && t.p[0] != '[') {
			if (pv_acc_add(&a, pv_text_address(t.p, (gsize)(sp - t.p))))
				pv_acc_text(&a, sp + 1, (gsize)(t.p + t.n - sp - 1));
		}
	}
	pv_acc_done(&a);
	for (i = a.first; i < b->recipients->len; i++) {
		struct bounce_recipient *r = g_ptr_array_index(b->recipients, i);

		pv_set_str(&r->action, pv_has(in->subject, "(Delay)") ? "delayed" :
		    "failed");
		pv_codes_from_diag(r);
		if (r->diagnostic_code != NULL)
			pv_set_reason(r, pv_phrase_in(r->diagnostic_code,
			    strlen(r->diagnostic_code), zoho_phrases));
	}
	return (int)(b->recipients->len - a.first);
}

/*
 * Mimecast, its own notice (not the remote's text relayed):
 *	Subject: [Postmaster] Email Delivery Failure
 *	An email that you attempted to send to the following address could
 *	not be delivered:
 *	-- a@b
 *	The problem appears to be :
 *	-- Recipient email address is possibly incorrect
 *	Additional information follows :
 *	-- 5.4.1 Recipient address rejected: Access denied.
 * A "-- " line holding one word with an '@' names a recipient; the other
 * "-- " lines are what Mimecast says about it.
 */
gboolean
pv_mimecast_match(const struct bounce_input *in)
{
	const char *id = bounce_header(in, "Message-ID");

	return pv_has(in->subject, "Email Delivery Failure") ||
	    (id != NULL && pv_has(id, ".mimecast.lan>"));
}

int
pv_mimecast_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *cur = in->text, *end = in->text + in->text_len;
	struct pv_line l;
	struct pv_acc a;
	guint i;

	if (in->original_text != NULL)
		end = in->original_text;
	pv_acc_init_dsn(&a, in, b);
	while (pv_line_next(&cur, end, &l)) {
		struct pv_line t = pv_trim(l);

		if (!pv_begins(t, "-- ", FALSE))
			continue;
		t.p += 3;
		t.n -= 3;
		t = pv_trim(t);
		if (t.n > 0 && memchr(t.p, ' ', t.n) == NULL &&
		    memchr(t.p, '@', t.n) != NULL)
			pv_acc_add_once(&a, pv_text_address(t.p, t.n));
		else if (pv_acc_count(&a) > 0)
			pv_acc_line(&a, t);
	}
	pv_acc_done(&a);
	for (i = a.first; i < b->recipients->len; i++) {
		struct bounce_recipient *r = g_ptr_array_index(b->recipients, i);

		pv_set_str(&r->action, "failed");
		pv_codes_from_diag(r);
	}
	return (int)(b->recipients->len - a.first);
}

/*
 * GMX and 1&1 (same house):
 *	"a@b":
 *	SMTP error from remote server after RCPT command:
 *	host: mx.b
 *	5.2.2 <a@b>... Mailbox Full
 *
 *	--- The header of the original message is following. ---
 */
static const char *const ui_start[] = {
	"This message was created automatically by mail delivery software",
	NULL
};
static const char *const ui_stop[] = {
	"--- The header of the original message is following. ---", NULL
};
static const struct pv_phrase ui_phrases[] = {
	{ "delivery retry timeout exceeded", "expired" },
	{ "Mail size limit exceeded", "emailtoolarge" },
	{ NULL, NULL }
};

gboolean
pv_gmx_match(const struct bounce_input *in)
{
	return pv_header_set(in, "X-GMX-Antispam") ||
	    (pv_has(in->from, "mailer-daemon@") && pv_has(in->from, "gmx."));
}

gboolean
pv_einsundeins_match(const struct bounce_input *in)
{
	return pv_has(in->from, "kundenserver.") || pv_has(in->from, "1and1.") ||
	    pv_has(in->from, "ionos.") || pv_has(in->from, "1und1.") ||
	    g_str_has_prefix(in->from, "\"Mail Delivery System\"");
}

/* "SMTP error from remote server after RCPT command:" */
static const char *
ui_command(struct pv_line t)
{
	const char *p = pv_line_find(t, " after ");

	if (!pv_begins(t, "SMTP error", FALSE) || p == NULL)
		return NULL;
	if (pv_line_find(t, "for TEXT command") != NULL)
		return "DATA";
	return pv_command_word(p + 7, t.n - (gsize)(p + 7 - t.p));
}

int
pv_ui_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *s, *e, *cur, *cmd;
	struct pv_line l;
	struct pv_acc a;
	guint i;

	/* Their own marker before the original's header, never Exim's. */
	if (!pv_section(in, ui_start, ui_stop, &s, &e) ||
	    e == in->text + in->text_len)
		return 0;
	pv_acc_init(&a, b);
	for (cur = s; pv_line_next(&cur, e, &l); ) {
		struct pv_line t = pv_trim(l);
		char *addr;

		if (t.n == 0 || pv_begins(t, "For the following reason:", FALSE) ||
		    pv_begins(t, "Reason:", FALSE))
			continue;
		if ((addr = pv_line_address(t)) != NULL) {
			pv_acc_add(&a, addr);
		} else if ((cmd = ui_command(t)) != NULL && pv_acc_count(&a)) {
			pv_set_str(&pv_acc_cur(&a)->smtp_command, cmd);
		} else if (pv_begins(t, "host:", FALSE) && pv_acc_count(&a)) {
			if (pv_acc_cur(&a)->remote_mta == NULL)
				pv_acc_cur(&a)->remote_mta = bounce_field(t.p + 5,
				    (gssize)t.n - 5);
		} else {
			pv_acc_line(&a, t);
		}
	}
	pv_acc_done(&a);
	for (i = a.first; i < b->recipients->len; i++) {
		struct bounce_recipient *r = g_ptr_array_index(b->recipients, i);

		pv_set_str(&r->action, "failed");
		pv_codes_from_diag(r);
		if (r->diagnostic_code != NULL)
			pv_set_reason(r, pv_phrase_in(r->diagnostic_code,
			    strlen(r->diagnostic_code), ui_phrases));
	}
	return (int)(b->recipients->len - a.first);
}

/* --- Facebook, MessageLabs, Bigfoot --------------------------------------- */

/* Facebook's response codes "RCP-P2" (see postmaster.facebook.com). */
static const struct pv_phrase facebook_codes[] = {
	{ "RCP-P1", "userunknown" }, { "INT-P1", "userunknown" },
	{ "INT-P3", "userunknown" }, { "INT-P4", "userunknown" },
	{ "RCP-P2", "filtered" }, { "RCP-P3", "filtered" },
	{ "POL-P1", "blocked" }, { "POL-P2", "blocked" },
	{ "MSG-P1", "emailtoolarge" }, { "INT-P2", "emailtoolarge" },
	{ "MSG-P2", "contenterror" }, { "MSG-P3", "contenterror" },
	{ "POL-P6", "contenterror" }, { "POL-P7", "contenterror" },
	{ "POL-P3", "notaccept" }, { "POL-P4", "notaccept" },
	{ "POL-T1", "notaccept" }, { "POL-T2", "notaccept" },
	{ "POL-T3", "notaccept" },
	{ "DNS-P1", "rejected" }, { "DNS-P2", "rejected" },
	{ "DNS-T1", "rejected" }, { "DNS-P3", "requireptr" },
	{ "DNS-T2", "requireptr" },
	{ "CON-T1", "systemerror" }, { "RCP-T1", "systemerror" },
	{ "INT-T", "systemerror" },
	{ "CON-T2", "ratelimited" }, { "CON-T3", "ratelimited" },
	{ "POL-P5", "virusdetected" },
	{ "RCP-T4", "suspend" },
	{ NULL, NULL }
};

gboolean
pv_facebook_match(const struct bounce_input *in)
{
	return pv_has(in->from, "mailer-daemon@") && pv_has(in->from, "facebook.com");
}

int
pv_facebook_scan(const struct bounce_input *in, struct bounce_report *b)
{
	struct pv_acc a;
	guint i;

	if (pv_find(in->text, in->text_len, "created automatically by Facebook") ==
	    NULL && !pv_has(in->subject, "your message could not be delivered"))
		return 0;
	pv_acc_init_dsn(&a, in, b);
	for (i = 0; i < pv_acc_count(&a); i++) {
		struct bounce_recipient *r = pv_acc_nth(&a, i);

		if (r->diagnostic_code != NULL)
			pv_set_reason(r, pv_phrase_in(r->diagnostic_code,
			    strlen(r->diagnostic_code), facebook_codes));
	}
	return pv_acc_done(&a);
}

/*
 * MessageLabs (Symantec Email Security.cloud):
 *	I was unable to deliver your message to the following addresses:
 *	a@b
 *	Reason: 542 a@b Rejected
 */
gboolean
pv_messagelabs_match(const struct bounce_input *in)
{
	return pv_has(in->from, "@messagelabs.com") || pv_header_set(in, "X-Msg-Ref");
}

static const char *const messagelabs_start[] = {
	"I was unable to deliver your message to the following addresses", NULL
};
static const char *const messagelabs_stop[] = {
	"The message subject was:", NULL
};
static const struct pv_phrase messagelabs_phrases[] = {
	{ "No such user", "userunknown" },
	{ "Please turn on SMTP Authentication in your mail client",
	    "securityerror" },
	{ NULL, NULL }
};

int
pv_messagelabs_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *s, *e, *cur;
	struct pv_line l;
	struct pv_acc a;
	guint i;

	pv_acc_init_dsn(&a, in, b);
	if (pv_section(in, messagelabs_start, messagelabs_stop, &s, &e))
		for (cur = s; pv_line_next(&cur, e, &l); ) {
			struct pv_line t = pv_trim(l);
			char *addr;

			if ((addr = pv_line_address(t)) != NULL)
				pv_acc_add_once(&a, addr);
			else if (pv_begins(t, "Reason:", FALSE))
				pv_acc_text(&a, t.p + 7, t.n - 7);
		}
	for (i = 0; i < pv_acc_count(&a); i++) {
		struct bounce_recipient *r = pv_acc_nth(&a, i);
		const char *d = r->diagnostic_code != NULL ?
		    r->diagnostic_code : pv_acc_diag(&a, i);

		pv_set_reason(r, pv_phrase_in(d, strlen(d), messagelabs_phrases));
		/* "542 a@b Rejected": the recipient was refused. */
		if (strncmp(d, "542 ", 4) == 0 && strstr(d, " Rejected") != NULL)
			pv_set_reason(r, "userunknown");
	}
	return pv_acc_done(&a);
}

/* Bigfoot: a delivery-status report inside the text, after the session
 * transcript ">>> RCPT TO:<a@b>" / "<<< 550 ...". */
gboolean
pv_bigfoot_match(const struct bounce_input *in)
{
	return pv_has(in->from, "@bigfoot.com") || pv_received_has(in, ".bigfoot.com ");
}

int
pv_bigfoot_scan(const struct bounce_input *in, struct bounce_report *b)
{
	static const char *const start[] = { "Transcript of session follows",
		NULL };
	const char *s = NULL, *e = NULL, *cur, *cmd = NULL;
	gboolean replied = FALSE;
	struct pv_line l;
	struct pv_acc a;
	guint i;

	pv_acc_init_dsn(&a, in, b);
	if (!pv_section(in, start, NULL, &s, &e) &&
	    (s = pv_find_ci(in->text, in->text_len, "Transcript of session")) != NULL)
		e = in->text + in->text_len;
	if (s != NULL) {
		if (pv_acc_count(&a) == 0) {
			bounce_read_dsn(s, (gsize)(e - s), b);
			pv_acc_adopt(&a);
		}
		for (cur = s; pv_line_next(&cur, e, &l); ) {
			if (pv_begins(l, ">>>", FALSE))
				cmd = pv_command_word(pv_trim((struct pv_line){ l.p + 3,
				    l.n - 3 }).p, l.n > 3 ? l.n - 3 : 0);
			else if (pv_begins(l, "<<<", FALSE))
				replied = TRUE;
		}
	}
	for (i = 0; i < pv_acc_count(&a); i++)
		pv_set_str(&pv_acc_nth(&a, i)->smtp_command, cmd != NULL ? cmd :
		    replied ? "EHLO" : NULL);
	return pv_acc_done(&a);
}
