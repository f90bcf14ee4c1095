/* bounce_mta_provider_carrier.c - recognizers for the bounces of
 * Japanese providers and mobile carriers (Biglobe, KDDI/au, EZweb) and of
 * Verizon's SMS and MMS gateways: rows of the table in
 * bounce_mta_provider.c, helpers in bounce_mta_provider_util.c.
 */
#include <string.h>

#include "bounce_mta_provider.h"

/* --- Japanese carriers and providers: Biglobe, KDDI (au), EZweb ---------- */

/*
 *	   ----- The following addresses had delivery problems -----
 *	a@b
 *	   ----- Non-delivered information -----
 *	The number of messages in recipient's mailbox exceeded the local limit.
 */
gboolean
pv_biglobe_match(const struct bounce_input *in)
{
	static const char *const hosts[] = {
		"postmaster@biglobe.ne.jp", "postmaster@inacatv.ne.jp",
		"postmaster@tmtv.ne.jp", "postmaster@ttv.ne.jp", NULL
	};
	int i;

	for (i = 0; hosts[i] != NULL; i++)
		if (pv_has(in->from, hosts[i]))
			return TRUE;
	return FALSE;
}

static const char *const biglobe_start[] = {
	"----- The following addresses had delivery problems -----", NULL
};
static const struct pv_phrase biglobe_phrases[] = {
	{ "Mail Delivery Failed... User unknown", "filtered" },
	{ "The number of messages in recipient's mailbox exceeded the local "
	    "limit", "mailboxfull" },
	{ NULL, NULL }
};

int
pv_biglobe_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *s, *e, *cur;
	struct pv_line l;
	struct pv_acc a;
	guint i;

	if (!pv_section(in, biglobe_start, NULL, &s, &e))
		return 0;
	pv_acc_init(&a, b);
	for (cur = s; pv_line_next(&cur, e, &l); ) {
		char *addr;

		if (pv_blank(l) || !g_ascii_isalnum(l.p[0]))
			continue;	/* the "-----" headings are indented */
		if ((addr = pv_line_address(l)) != NULL)
			pv_acc_add(&a, addr);
		else
			pv_acc_line(&a, l);
	}
	for (i = 0; i < pv_acc_count(&a); i++)
		pv_set_reason(pv_acc_nth(&a, i), pv_phrase_in(pv_acc_diag(&a, i),
		    strlen(pv_acc_diag(&a, i)), biglobe_phrases));
	return pv_acc_done(&a);
}

/* Reasons the Japanese carriers state in words. */
static const struct pv_phrase kddi_phrases[] = {
	{ "As their mailbox is full", "mailboxfull" },
	{ "Due to the following SMTP relay error", "norelaying" },
	{ "As the remote domain doesnt exist", "hostunknown" },
	{ NULL, NULL }
};
static const struct pv_phrase ezweb_phrases[] = {
	{ "The user(s) account is temporarily over quota", "mailboxfull" },
	{ "The user(s) account is disabled.", "suspend" },
	{ "The user(s) account is temporarily limited.", "suspend" },
	{ "Your message was not delivered within ", "expired" },
	{ NULL, NULL }
};

/* X-SPASIGN: NG - the carrier's own spam filter refused it. */
static gboolean
spasign_ng(const struct bounce_input *in)
{
	const char *v = bounce_header(in, "X-SPASIGN");

	return v != NULL && g_ascii_strncasecmp(v, "NG", 2) == 0;
}

/*
 *	Your mail sent on: Thu, 29 Apr 2013 00:00:00 +0900
 *	     Could not be delivered to: <a@b>
 *	     As their mailbox is full.
 */
gboolean
pv_kddi_match(const struct bounce_input *in)
{
	return (pv_has(in->from, "no-reply@") && pv_has(in->from, ".dion.ne.jp")) ||
	    pv_header_has(in, "Reply-To", "no-reply@app.auone-net.jp") ||
	    pv_received_has(in, "ezweb.ne.jp (") || pv_received_has(in, ".au.com (");
}

static const char *const kddi_start[] = {
	"Your mail sent on", "Your mail attempted to be delivered on", NULL
};

int
pv_kddi_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *s, *e, *cur;
	struct pv_line l;
	struct pv_acc a;
	guint i;

	if (!pv_section(in, kddi_start, NULL, &s, &e))
		return 0;
	pv_acc_init(&a, b);
	for (cur = s; pv_line_next(&cur, e, &l); ) {
		const char *p = pv_line_find(l, "Could not be delivered to:");

		if (p != NULL)
			pv_acc_add(&a, pv_text_address(p, l.n - (gsize)(p - l.p)));
		else if (pv_indented(l))
			pv_acc_line(&a, l);
	}
	for (i = 0; i < pv_acc_count(&a); i++) {
		pv_set_str(&pv_acc_nth(&a, i)->action, "failed");
		pv_set_reason(pv_acc_nth(&a, i), spasign_ng(in) ? "filtered" :
		    pv_phrase_in(pv_acc_diag(&a, i), strlen(pv_acc_diag(&a, i)),
		    kddi_phrases));
	}
	return pv_acc_done(&a);
}

/*
 * EZweb (au by KDDI), the older mobile gateway:
 *	The user(s) account is disabled.
 *	<a@b>: 550 user unknown (in reply to RCPT TO command)
 * or
 *	Each of the following recipients was rejected by a remote mail server.
 *	    Recipient: <a@b>
 *	    >>> RCPT TO:<a@b>
 *	    <<< 550 <a@b>: User unknown
 */
gboolean
pv_ezweb_match(const struct bounce_input *in)
{
	const char *id = bounce_header(in, "Message-ID");
	int score = 0;

	score += pv_has(in->from, "Postmaster@ezweb.ne.jp") ||
	    pv_has(in->from, "Postmaster@au.com");
	score += pv_has(in->subject, "Mail System Error - Returned Mail");
	score += pv_received_has(in, "ezweb.ne.jp (EZweb Mail) with") ||
	    pv_received_has(in, ".au.com (");
	score += pv_has(id, ".ezweb.ne.jp>") || pv_has(id, ".au.com>");
	return score >= 2;
}

static const char *const ezweb_start[] = {
	"The user(s) ", "Your message ", "Each of the following", "<", NULL
};
static const char *const ezweb_stop[] = {
	"--------------------------------------------------",
	"Content-Type: message/rfc822", NULL
};

int
pv_ezweb_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *s, *e, *cur, *p;
	struct pv_line l;
	struct pv_acc a;
	GString *pre = g_string_new(NULL);
	guint i;

	if (!pv_section(in, ezweb_start, ezweb_stop, &s, &e)) {
		g_string_free(pre, TRUE);
		return 0;
	}
	pv_acc_init(&a, b);
	for (cur = s; pv_line_next(&cur, e, &l); ) {
		struct pv_line t = pv_trim(l);

		if (t.n == 0)
			continue;
		if (pv_begins(t, "<<<", FALSE)) {
			t.p += 3;
			t.n -= 3;
			pv_acc_line(&a, t);
		} else if (t.p[0] == '<' && (p = memchr(t.p, '>', t.n)) != NULL &&
		    memchr(t.p, '@', (gsize)(p - t.p)) != NULL) {
			/* "<a@b>" or "<a@b>: what the server said" */
			if (pv_acc_add_once(&a, pv_text_address(t.p,
			    (gsize)(p + 1 - t.p)))) {
				pv_acc_text(&a, pre->str, pre->len);
				p++;
				if (p < t.p + t.n && *p == ':')
					p++;
				pv_acc_text(&a, p, (gsize)(t.p + t.n - p));
			}
		} else if (pv_begins(t, "Recipient: <", FALSE)) {
			if (pv_acc_add_once(&a, pv_text_address(t.p, t.n)))
				pv_acc_text(&a, pre->str, pre->len);
		} else if (pv_begins(t, ">>>", FALSE)) {
			p = t.p + 3;
			while (p < t.p + t.n && *p == ' ')
				p++;
			if (pv_acc_count(&a) > 0)
				pv_set_str(&pv_acc_cur(&a)->smtp_command,
				    pv_command_word(p, (gsize)(t.p + t.n - p)));
		} else if (pv_acc_count(&a) == 0) {
			if (pre->len)
				g_string_append_c(pre, ' ');
			g_string_append_len(pre, t.p, (gssize)t.n);
		} else {
			pv_acc_line(&a, t);
		}
	}
	g_string_free(pre, TRUE);
	for (i = 0; i < pv_acc_count(&a); i++) {
		struct bounce_recipient *r = pv_acc_nth(&a, i);
		const char *d = pv_acc_diag(&a, i);

		if (spasign_ng(in))
			pv_set_reason(r, "filtered");
		else if (r->smtp_command != NULL &&
		    strcmp(r->smtp_command, "RCPT") == 0)
			pv_set_reason(r, "userunknown");
		else
			pv_set_reason(r, pv_phrase_in(d, strlen(d), ezweb_phrases));
	}
	pv_acc_done(&a);
	for (i = a.first; i < b->recipients->len; i++)
		pv_codes_from_diag(g_ptr_array_index(b->recipients, i));
	return (int)(b->recipients->len - a.first);
}

/* --- Verizon (vtext.com SMS gateway, vzwpix.com MMS gateway) -------------- */

gboolean
pv_verizon_match(const struct bounce_input *in)
{
	return pv_has(in->from, "vzwpix.com") || pv_has(in->from, "vtext.com") ||
	    pv_received_has(in, ".vtext.com (");
}

static const struct pv_phrase verizon_phrases[] = {
	{ "550 - Requested action not taken: no such user here",
	    "userunknown" },
	{ "No valid recipients for this MM", "userunknown" },
	{ NULL, NULL }
};

/*
 * MMS:	Message could not be delivered to mobile.
 *	Error: No valid recipients for this MM
 *	... To: 0000000000@vzwpix.com (in the copy below)
 * SMS:	Error: ...
 *	     RCPT TO: a@b
 *	550 - Requested action not taken: no such user here
 */
int
pv_verizon_scan(const struct bounce_input *in, struct bounce_report *b)
{
	static const char *const mms[] = {
		"Message could not be delivered to mobile", NULL
	};
	static const char *const sms[] = { "Error:", NULL };
	gboolean is_mms = TRUE;
	const char *s, *e, *cur;
	struct pv_line l;
	struct pv_acc a;
	GString *err = g_string_new(NULL);
	guint i;

	if (!pv_section(in, mms, NULL, &s, &e)) {
		is_mms = FALSE;
		if (!pv_section(in, sms, NULL, &s, &e)) {
			g_string_free(err, TRUE);
			return 0;
		}
	}
	pv_acc_init(&a, b);
	for (cur = s; pv_line_next(&cur, e, &l); ) {
		struct pv_line t = pv_trim(l);

		if (is_mms && pv_begins(t, "To:", FALSE))
			pv_acc_add_once(&a, pv_text_address(t.p + 3, t.n - 3));
		else if (!is_mms && pv_begins(t, "RCPT TO:", FALSE))
			pv_acc_add_once(&a, pv_text_address(t.p + 8, t.n - 8));
		else if (is_mms && pv_begins(t, "Error:", FALSE) && err->len == 0)
			g_string_append_len(err, t.p + 6, (gssize)t.n - 6);
		else if (!is_mms && t.n > 6 && g_ascii_isdigit(t.p[0]) &&
		    strncmp(t.p + 3, " - ", 3) == 0)
			pv_acc_line(&a, t);
	}
	for (i = 0; i < pv_acc_count(&a); i++) {
		struct bounce_recipient *r = pv_acc_nth(&a, i);
		const char *d = pv_acc_diag(&a, i);

		if (*d == '\0')
			d = err->str;
		r->diagnostic_code = bounce_field(d, -1);
		pv_set_reason(r, pv_phrase_in(d, strlen(d), verizon_phrases));
		pv_codes_from_diag(r);
	}
	g_string_free(err, TRUE);
	return pv_acc_done(&a);
}
