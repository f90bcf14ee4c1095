/* bounce_render.c - one drawn bounce as the MTA that returned it writes it.
 *
 *	bounce_render(out, &msg);
 *
 *	postfix	   our Postfix: multipart/report, RFC 3464 delivery-status
 *		   with X-Postfix-Queue-ID, text/rfc822-headers; also its
 *		   "Delayed Mail" warnings and its local failures (no MX,
 *		   connection timed out)
 *	gmail	   mailer-daemon@googlemail.com: multipart/report with a
 *		   related/alternative human part, delivery-status,
 *		   message/rfc822 (mail sent through Google Workspace)
 *	office365  an Exchange Online NDR: "Undeliverable:", text and HTML,
 *		   delivery-status, message/rfc822
 *	exim	   Exim's plain-text "Mail delivery failed", X-Failed-Recipients
 *	qmail	   qmail-send's "failure notice", plain text
 *
 * Nothing here draws random numbers: what looks random (boundaries, ids)
 * comes from the message's noise (bounce.c).  Lines end in LF.
 */
#include <string.h>
#include <time.h>

#include "bounce.h"

static void
date_text(char *buf, gsize len, int64_t when)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)when;
	struct tm tm;

	gmtime_r(&t, &tm);
	g_snprintf(buf, len, "%s, %d %s %d %02d:%02d:%02d +0000",
	    wd[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The case's text with its placeholders filled. */
static char *
diag(const struct bmsg *m, const struct brcpt *r)
{
	GString *s = g_string_new(NULL);
	const char *p = r->c->text, *q;
	char *up = g_ascii_strup(m->o->domain, -1), id[32];

	g_snprintf(id, sizeof(id), "%.10s%.12s", m->hex + 20, m->hex + 40);
	while ((q = strchr(p, '{')) != NULL) {
		const char *e = strchr(q, '}'), *v = NULL;
		gsize n;

		g_string_append_len(s, p, q - p);
		if (e == NULL)
			break;
		n = e - q - 1;
		if (n == 4 && strncmp(q + 1, "rcpt", n) == 0) v = r->addr;
		else if (n == 2 && strncmp(q + 1, "ip", n) == 0) v = m->ip;
		else if (n == 2 && strncmp(q + 1, "mx", n) == 0) v = m->mx;
		else if (n == 4 && strncmp(q + 1, "mxip", n) == 0) v = m->mx_ip;
		else if (n == 3 && strncmp(q + 1, "dom", n) == 0) v = m->rdom;
		else if (n == 3 && strncmp(q + 1, "DOM", n) == 0) v = up;
		else if (n == 8 && strncmp(q + 1, "dom_from", n) == 0)
			v = m->o->domain;
		else if (n == 2 && strncmp(q + 1, "id", n) == 0) v = id;
		g_string_append(s, v ? v : "");
		p = e + 1;
	}
	g_string_append(s, p);
	g_free(up);
	return g_string_free(s, FALSE);
}

/* Words of text folded at 76 columns: first line after lead (already in
 * out), the others indented. */
static void
fold(GString *out, gsize lead, const char *text, const char *indent)
{
	char **w = g_strsplit(text, " ", -1);
	gsize col = lead, i;

	for (i = 0; w[i]; i++) {
		gsize n = strlen(w[i]);

		if (n == 0)
			continue;
		if (col > strlen(indent) && col + 1 + n > 76) {
			g_string_append_printf(out, "\n%s", indent);
			col = strlen(indent);
		} else if (col > lead || i > 0) {
			g_string_append_c(out, ' ');
			col++;
		}
		g_string_append(out, w[i]);
		col += n;
	}
	g_string_append_c(out, '\n');
	g_strfreev(w);
}

/* ---- the original message, as returned ---- */

static void
orig_headers(GString *out, const struct bmsg *m, int with_received)
{
	char date[64];

	date_text(date, sizeof(date), m->when - 2);
	g_string_append_printf(out, "Return-Path: <%s@%s>\n", m->from_local,
	    m->o->domain);
	if (with_received)
		g_string_append_printf(out, "Received: by %s (Postfix, from "
		    "userid 1001)\n\tid %.12s; %s (UTC)\n", m->o->host,
		    m->hex + 40, date);
	g_string_append_printf(out, "From: \"Example\" <%s@%s>\n"
	    "To: %s\nSubject: %s\nDate: %s\nMessage-ID: <%s>\n"
	    "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n",
	    m->from_local, m->o->domain, m->nrcpt == 1 ? m->r[0].addr :
	    "undisclosed-recipients:;", m->subject, date, m->mid);
}

static void
orig_body(GString *out)
{
	g_string_append(out, "\nHello,\n\nplease find this month's news "
	    "below.\n\nKind regards\n");
}

/* ---- the layouts ---- */

static void
render_postfix(GString *out, const struct bmsg *m)
{
	int delayed = m->r[0].c->delayed, i;
	char date[64], arrival[64], bnd[96];

	date_text(date, sizeof(date), m->when + 2);
	date_text(arrival, sizeof(arrival), m->when);
	g_snprintf(bnd, sizeof(bnd), "%s.%" G_GINT64_FORMAT "/%s", m->qid,
	    m->when, m->o->host);
	g_string_append_printf(out, "Return-Path: <>\nX-Original-To: %s@%s\n"
	    "Delivered-To: %s@%s\nReceived: by %s (Postfix)\n\tid %.15s; %s "
	    "(UTC)\nDate: %s (UTC)\nFrom: MAILER-DAEMON@%s (Mail Delivery "
	    "System)\nSubject: %s\nTo: %s@%s\nAuto-Submitted: auto-replied\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/report; "
	    "report-type=delivery-status;\n\tboundary=\"%s\"\n"
	    "Content-Transfer-Encoding: 8bit\nMessage-Id: <%.14s.%s@%s>\n\n"
	    "This is a MIME-encapsulated message.\n\n--%s\n"
	    "Content-Description: Notification\nContent-Type: text/plain; "
	    "charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n",
	    m->from_local, m->o->domain, m->from_local, m->o->domain,
	    m->o->host, m->hex + 10, date, date, m->o->host,
	    delayed ? "Delayed Mail (still being retried)" :
	    "Undelivered Mail Returned to Sender", m->from_local,
	    m->o->domain, bnd, m->hex + 30, m->qid, m->o->host, bnd);
	if (delayed)
		g_string_append(out, "####################################"
		    "#####################################\n"
		    "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR "
		    "MESSAGE. #\n#########################################"
		    "################################\n\n");
	g_string_append_printf(out, "This is the mail system at host %s.\n\n",
	    m->o->host);
	if (delayed)
		g_string_append(out, "Your message could not be delivered for "
		    "more than 4 hour(s).\nIt will be retried until it is 5 "
		    "day(s) old.\n\n");
	else
		g_string_append(out, "I'm sorry to have to inform you that "
		    "your message could not\nbe delivered to one or more "
		    "recipients. It's attached below.\n\n");
	g_string_append(out, "For further assistance, please send mail to "
	    "postmaster.\n\nIf you do so, please include this problem report. "
	    "You can\ndelete your own text from the attached returned "
	    "message.\n\n                   The mail system\n\n");
	for (i = 0; i < m->nrcpt; i++) {
		const struct brcpt *r = &m->r[i];
		char *d = diag(m, r);
		GString *line = g_string_new(NULL);

		if (r->c->code)
			g_string_printf(line, "<%s>: host %s[%s] said: %s (in "
			    "reply to %s command)", r->addr, m->mx, m->mx_ip, d,
			    r->c->data ? "end of DATA" : "RCPT TO");
		else
			g_string_printf(line, "<%s>: %s%s", r->addr,
			    strcmp(r->c->reason, "expired") == 0 ?
			    "delivery temporarily suspended: " : "", d);
		fold(out, 0, line->str, "    ");
		g_string_append_c(out, '\n');
		g_string_free(line, TRUE);
		g_free(d);
	}
	g_string_append_printf(out, "--%s\nContent-Description: Delivery "
	    "report\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; %s\nX-Postfix-Queue-ID: %s\n"
	    "X-Postfix-Sender: rfc822; %s@%s\nArrival-Date: %s (UTC)\n", bnd,
	    m->o->host, m->qid, m->from_local, m->o->domain, arrival);
	for (i = 0; i < m->nrcpt; i++) {
		const struct brcpt *r = &m->r[i];
		char *d = diag(m, r);
		GString *dc = g_string_new(NULL);

		g_string_append_printf(out, "\nFinal-Recipient: rfc822; %s\n"
		    "Original-Recipient: rfc822;%s\nAction: %s\nStatus: %s\n",
		    r->addr, r->addr, delayed ? "delayed" : "failed",
		    r->c->status);
		if (r->c->code)
			g_string_append_printf(out, "Remote-MTA: dns; %s\n",
			    m->mx);
		g_string_printf(dc, "Diagnostic-Code: %s; %s", r->c->code ?
		    "smtp" : "X-Postfix", d);
		fold(out, 0, dc->str, "    ");
		if (delayed)
			g_string_append_printf(out, "Will-Retry-Until: %s "
			    "(UTC)\n", arrival);
		g_string_free(dc, TRUE);
		g_free(d);
	}
	g_string_append_printf(out, "\n--%s\nContent-Description: Undelivered "
	    "Message Headers\nContent-Type: text/rfc822-headers\n"
	    "Content-Transfer-Encoding: 8bit\n\n", bnd);
	orig_headers(out, m, 1);
	g_string_append_printf(out, "\n--%s--\n", bnd);
}

static const char *
gmail_headline(const struct bcase *c)
{
	if (strcmp(c->reason, "userunknown") == 0)
		return "Address not found";
	if (strcmp(c->reason, "blocked") == 0 ||
	    strcmp(c->reason, "spamdetected") == 0 ||
	    strcmp(c->reason, "norelaying") == 0)
		return "Message blocked";
	return "Message not delivered";
}

static void
render_gmail(GString *out, const struct bmsg *m)
{
	const struct brcpt *r = &m->r[0];
	char date[64], arrival[64], *d = diag(m, r);
	int i;

	date_text(date, sizeof(date), m->when + 1);
	date_text(arrival, sizeof(arrival), m->when);
	g_string_append_printf(out, "Return-Path: <>\nReceived: by "
	    "2002:a05:7300:%.4s::%.4s with SMTP id %.20s;\n\t%s\n"
	    "X-Failed-Recipients: ", m->hex, m->hex + 4, m->hex + 8, date);
	for (i = 0; i < m->nrcpt; i++)
		g_string_append_printf(out, "%s%s", i ? ", " : "",
		    m->r[i].addr);
	g_string_append_printf(out, "\nAuto-Submitted: auto-replied\n"
	    "MIME-Version: 1.0\nFrom: Mail Delivery Subsystem "
	    "<mailer-daemon@googlemail.com>\nDate: %s\nTo: %s@%s\n"
	    "Subject: Delivery Status Notification (Failure)\n"
	    "Message-ID: <%.24s.%.8s@mx.google.com>\n"
	    "Content-Type: multipart/report; boundary=\"000000000000%.12s\"; "
	    "report-type=delivery-status\n\n--000000000000%.12s\n"
	    "Content-Type: multipart/related; boundary=\"000000000000%.12s\"\n"
	    "\n--000000000000%.12s\nContent-Type: multipart/alternative; "
	    "boundary=\"000000000000%.12s\"\n\n--000000000000%.12s\n"
	    "Content-Type: text/plain; charset=\"UTF-8\"\n\n\n** %s **\n\n"
	    "Your message wasn't delivered to %s because the address couldn't "
	    "be found, or is unable to receive mail.\n\nThe response from the "
	    "remote server was:\n\n", date, m->from_local, m->o->domain,
	    m->hex + 12, m->hex + 36, m->hex + 20, m->hex + 20, m->hex + 32,
	    m->hex + 32, m->hex + 44, m->hex + 44, gmail_headline(r->c),
	    r->addr);
	g_string_append_printf(out, "%s\n\n--000000000000%.12s\n"
	    "Content-Type: text/html; charset=\"UTF-8\"\n\n<html><body><h2>%s"
	    "</h2><p>Your message wasn't delivered to <b>%s</b>.</p>"
	    "<p>The response was:</p><p>%s</p></body></html>\n\n"
	    "--000000000000%.12s--\n\n--000000000000%.12s--\n",
	    d, m->hex + 44, gmail_headline(r->c), r->addr, d, m->hex + 44,
	    m->hex + 32);
	g_string_append_printf(out, "--000000000000%.12s\nContent-Type: "
	    "message/delivery-status\n\nReporting-MTA: dns; googlemail.com\n"
	    "Received-From-MTA: dns; %s@%s\nArrival-Date: %s\n"
	    "X-Original-Message-ID: <%s>\n", m->hex + 20, m->from_local,
	    m->o->domain, arrival, m->mid);
	g_free(d);
	for (i = 0; i < m->nrcpt; i++) {
		GString *dc = g_string_new(NULL);

		r = &m->r[i];
		d = diag(m, r);
		g_string_append_printf(out, "\nFinal-Recipient: rfc822; %s\n"
		    "Action: failed\nStatus: %s\nRemote-MTA: dns; %s. (%s, the "
		    "server for the domain %s.)\n", r->addr, r->c->status,
		    m->mx, m->mx_ip, m->rdom);
		g_string_printf(dc, "Diagnostic-Code: smtp; %s", d);
		fold(out, 0, dc->str, " ");
		g_string_append_printf(out, "Last-Attempt-Date: %s\n", date);
		g_string_free(dc, TRUE);
		g_free(d);
	}
	g_string_append_printf(out, "\n--000000000000%.12s\nContent-Type: "
	    "message/rfc822\n\n", m->hex + 20);
	orig_headers(out, m, 0);
	orig_body(out);
	g_string_append_printf(out, "\n--000000000000%.12s--\n", m->hex + 20);
}

static void
render_o365(GString *out, const struct bmsg *m)
{
	char date[64], arrival[64], srv[64];
	int i;

	date_text(date, sizeof(date), m->when + 1);
	date_text(arrival, sizeof(arrival), m->when);
	g_snprintf(srv, sizeof(srv), "AM6PR04MB%.4s.eurprd04.prod.outlook.com",
	    m->hex + 4);
	for (i = 0; i < 4; i++)
		srv[9 + i] = g_ascii_toupper(srv[9 + i]);
	g_string_append_printf(out, "Received: from %s ([::1]) by %s with "
	    "mapi id 15.20.8093.014; %s\nMIME-Version: 1.0\n"
	    "From: Microsoft Outlook\n\t<MicrosoftExchange329e71ec88ae4615bbc36"
	    "ab6ce41109e@%s>\nTo: <%s@%s>\nDate: %s\nContent-Type: "
	    "multipart/report; report-type=delivery-status;\n\tboundary=\""
	    "%.8s-%.4s-%.4s-%.4s-%.12s\"\nX-MS-Exchange-Message-Is-Ndr:\n"
	    "Content-Language: en-US\nMessage-ID:\n\t<%.32s@%s>\n"
	    "In-Reply-To: <%s>\nReferences: <%s>\nThread-Topic: %s\n"
	    "Subject: Undeliverable: %s\nAuto-Submitted: auto-replied\n\n",
	    srv, srv, date, m->o->domain, m->from_local, m->o->domain, date,
	    m->hex, m->hex + 8, m->hex + 12, m->hex + 16, m->hex + 20,
	    m->hex + 32, srv, m->mid, m->mid, m->subject, m->subject);
	g_string_append_printf(out, "--%.8s-%.4s-%.4s-%.4s-%.12s\n"
	    "Content-Type: multipart/alternative; differences=Content-Type;\n"
	    "\tboundary=\"%.8s-%.4s-%.4s-%.4s-%.12s\"\n\n"
	    "--%.8s-%.4s-%.4s-%.4s-%.12s\nContent-Type: text/plain; "
	    "charset=\"us-ascii\"\nContent-Transfer-Encoding: 7bit\n\n",
	    m->hex, m->hex + 8, m->hex + 12, m->hex + 16, m->hex + 20,
	    m->hex + 1, m->hex + 9, m->hex + 13, m->hex + 17, m->hex + 21,
	    m->hex + 1, m->hex + 9, m->hex + 13, m->hex + 17, m->hex + 21);
	for (i = 0; i < m->nrcpt; i++)
		g_string_append_printf(out, "Your message to %s couldn't be "
		    "delivered.\n\n", m->r[i].addr);
	g_string_append_printf(out, "Action Required\n\nHow to Fix It\nThe "
	    "address may be misspelled or may not exist. Try one or more of "
	    "the following:\n\nMore Info for Email Admins\nStatus code: %s\n\n"
	    "Diagnostic information for administrators:\n\nGenerating server: "
	    "%s\n\n", m->r[0].c->status, srv);
	for (i = 0; i < m->nrcpt; i++) {
		char *d = diag(m, &m->r[i]);

		g_string_append_printf(out, "%s\nRemote server returned '%s'\n\n",
		    m->r[i].addr, d);
		g_free(d);
	}
	g_string_append_printf(out, "--%.8s-%.4s-%.4s-%.4s-%.12s\n"
	    "Content-Type: text/html; charset=\"us-ascii\"\n\n<html><body>"
	    "<p>Your message to %s couldn't be delivered.</p></body></html>\n\n"
	    "--%.8s-%.4s-%.4s-%.4s-%.12s--\n\n", m->hex + 1, m->hex + 9,
	    m->hex + 13, m->hex + 17, m->hex + 21, m->r[0].addr, m->hex + 1,
	    m->hex + 9, m->hex + 13, m->hex + 17, m->hex + 21);
	g_string_append_printf(out, "--%.8s-%.4s-%.4s-%.4s-%.12s\n"
	    "Content-Type: message/delivery-status\n\nReporting-MTA: dns;%s\n"
	    "Received-From-MTA: dns;%s\nArrival-Date: %s\n", m->hex,
	    m->hex + 8, m->hex + 12, m->hex + 16, m->hex + 20, srv, srv,
	    arrival);
	for (i = 0; i < m->nrcpt; i++) {
		char *d = diag(m, &m->r[i]);

		g_string_append_printf(out, "\nOriginal-Recipient: rfc822;%s\n"
		    "Final-Recipient: rfc822;%s\nAction: failed\nStatus: %s\n"
		    "Remote-MTA: dns;%s\nDiagnostic-Code: smtp;%s\n",
		    m->r[i].addr, m->r[i].addr, m->r[i].c->status, m->mx, d);
		g_free(d);
	}
	g_string_append_printf(out, "\n--%.8s-%.4s-%.4s-%.4s-%.12s\n"
	    "Content-Type: message/rfc822\n\n", m->hex, m->hex + 8,
	    m->hex + 12, m->hex + 16, m->hex + 20);
	orig_headers(out, m, 0);
	orig_body(out);
	g_string_append_printf(out, "\n--%.8s-%.4s-%.4s-%.4s-%.12s--\n",
	    m->hex, m->hex + 8, m->hex + 12, m->hex + 16, m->hex + 20);
}

static void
render_exim(GString *out, const struct bmsg *m)
{
	char date[64], id[32];
	int i;

	date_text(date, sizeof(date), m->when + 1);
	g_snprintf(id, sizeof(id), "1t%.4s-00%.4s-%.2s", m->qid, m->qid + 4,
	    m->qid + 8);
	g_string_append_printf(out, "Return-path: <>\nEnvelope-to: %s@%s\n"
	    "Delivery-date: %s\nReceived: from Debian-exim by %s with local "
	    "(Exim 4.96)\n\tid %s\n\tfor %s@%s; %s\nX-Failed-Recipients: ",
	    m->from_local, m->o->domain, date, m->o->host, id, m->from_local,
	    m->o->domain, date);
	for (i = 0; i < m->nrcpt; i++)
		g_string_append_printf(out, "%s%s", i ? ", " : "",
		    m->r[i].addr);
	g_string_append_printf(out, "\nAuto-Submitted: auto-replied\n"
	    "From: Mail Delivery System <Mailer-Daemon@%s>\nTo: %s@%s\n"
	    "Content-Type: text/plain; charset=us-ascii\nSubject: Mail "
	    "delivery failed: returning message to sender\nMessage-Id: "
	    "<E%s@%s>\nDate: %s\n\nThis message was created automatically by "
	    "mail delivery software.\n\nA message that you sent could not be "
	    "delivered to one or more of its\nrecipients. This is a permanent "
	    "error. The following address(es) failed:\n\n", m->o->host,
	    m->from_local, m->o->domain, id, m->o->host, date);
	for (i = 0; i < m->nrcpt; i++) {
		const struct brcpt *r = &m->r[i];
		char *d = diag(m, r);

		g_string_append_printf(out, "  %s\n    host %s [%s]\n    SMTP "
		    "error from remote mail server after %s%s%s:\n    ", r->addr,
		    m->mx, m->mx_ip, r->c->data ? "end of data" : "RCPT TO:<",
		    r->c->data ? "" : r->addr, r->c->data ? "" : ">");
		fold(out, 4, d, "    ");
		g_string_append_c(out, '\n');
		g_free(d);
	}
	g_string_append(out, "------ This is a copy of the message, including "
	    "all the headers. ------\n\n");
	orig_headers(out, m, 1);
	orig_body(out);
}

static void
render_qmail(GString *out, const struct bmsg *m)
{
	char date[64];
	int i;

	date_text(date, sizeof(date), m->when + 1);
	g_string_append_printf(out, "Return-Path: <>\nReceived: (qmail %u "
	    "invoked for bounce); %s\nDate: %s\nFrom: MAILER-DAEMON@%s\n"
	    "To: %s@%s\nSubject: failure notice\n\nHi. This is the qmail-send "
	    "program at %s.\nI'm afraid I wasn't able to deliver your message "
	    "to the following addresses.\nThis is a permanent error; I've "
	    "given up. Sorry it didn't work out.\n\n", 10000 + m->hex[0] * 37u,
	    date, date, m->o->host, m->from_local, m->o->domain, m->o->host);
	for (i = 0; i < m->nrcpt; i++) {
		const struct brcpt *r = &m->r[i];
		char *d = diag(m, r);

		g_string_append_printf(out, "<%s>:\n%s %s\nRemote host said: %s\n"
		    "Giving up on %s.\n\n", r->addr, m->mx_ip, r->c->data ?
		    "failed after I sent the message." :
		    "does not like recipient.", d, m->mx_ip);
		g_free(d);
	}
	g_string_append(out, "--- Below this line is a copy of the message."
	    "\n\n");
	orig_headers(out, m, 1);
	orig_body(out);
}

void
bounce_render(GString *out, const struct bmsg *m)
{
	switch (m->fmt) {
	case BF_POSTFIX: render_postfix(out, m); break;
	case BF_GMAIL: render_gmail(out, m); break;
	case BF_O365: render_o365(out, m); break;
	case BF_EXIM: render_exim(out, m); break;
	case BF_QMAIL: render_qmail(out, m); break;
	}
}
