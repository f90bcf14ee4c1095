/* bounce_mta_provider.c - recognizers for the bounces of mail providers,
 * and their table bounce_mtas_provider[] (the end of this file).
 *
 * One row per provider: a cheap match on the bounce's own headers (From,
 * Subject, X-... fields), and a scan that reads the provider's
 * human-readable layout, or its delivery-status part which it then
 * completes from the text.  Layout knowledge is data: per provider, arrays
 * of the markers where its error section starts and stops and of the
 * phrases that name a reason the text alone would not, read by the shared
 * helpers of bounce_mta_provider_util.c.  This file holds Google (Gmail,
 * Google Workspace, Google Groups) and Microsoft (Office 365, Outlook.com);
 * the other providers are in bounce_mta_provider_mail.c and
 * bounce_mta_provider_carrier.c (see bounce_mta_provider.h).
 *
 * A scan fills only what the bounce states; what it leaves NULL the
 * driver fills from the delivery-status part, and bounce_classify turns
 * the stated fields (and mta_reason, a reason the layout itself states)
 * into the reason.
 */
#include <stdlib.h>
#include <string.h>

#include "bounce_mta_provider.h"

/* --- Google: Gmail, Google Workspace (G Suite), Google Groups ------------ */

static gboolean
from_google(const struct bounce_input *in)
{
	return (pv_has(in->from, "mailer-daemon@googlemail.com") ||
	    pv_has(in->from, "mailer-daemon@google.com")) &&
	    pv_has(in->subject, "Delivery Status Notification");
}

/* Issue 14, family 3: Gmail's older layout also comes from Google
 * Workspace (G Suite) domains, whose MAILER-DAEMON is the customer's own
 * address: the layout itself names Google's software, its opening
 * sentence at the start of a line near the top and the "Technical details
 * of permanent (or temporary) failure:" heading below it, in a
 * single-part message or the first part of a multipart/mixed one.  Both
 * are Google's fixed English, so a case-sensitive search of the first few
 * KiB does.  The sender must still be a mailer daemon, or the subject a
 * delivery notification's: a person who pastes such a bounce into a
 * message (quoted or not) sends no bounce. */
static gboolean
gmail_layout(const struct bounce_input *in)
{
	static const char opening[] = "Delivery to the following recipient";
	static const char details[] = "Technical details of ";
	gsize head = MIN(in->text_len, 1024), n = MIN(in->text_len, 8192);
	const char *at = memmem(in->text, head, opening, sizeof(opening) - 1);

	if (at == NULL || (at > in->text && at[-1] != '\n') ||
	    memmem(at, n - (gsize)(at - in->text), details,
	    sizeof(details) - 1) == NULL)
		return FALSE;
	/* a reply about one; one forwarded by a person is Google's layout
	 * no more, the generic fallback reads it */
	if (g_ascii_strncasecmp(in->subject, "re:", 3) == 0 ||
	    g_ascii_strncasecmp(in->subject, "aw:", 3) == 0 ||
	    g_ascii_strncasecmp(in->subject, "fw", 2) == 0)
		return FALSE;
	return pv_has(in->subject, "Delivery Status Notification") ||
	    pv_has(in->from, "mailer-daemon") ||
	    pv_has(in->from, "Mail Delivery Subsystem");
}

static gboolean
from_google_or_layout(const struct bounce_input *in)
{
	return from_google(in) || gmail_layout(in);
}

/*
 * Gmail's older layout:
 *	Delivery to the following recipient failed permanently:
 *	     kijitora@example.jp
 *	Technical details of permanent failure:
 *	Google tried to deliver your message, but it was rejected by the
 *	server for the recipient domain example.jp by mx.example.jp.
 *	[192.0.2.59]. The error that the other server returned was:
 *	550 550 5.1.1 <kijitora@example.jp>... User unknown (state 14).
 */
static const char *const gmail_start[] = {
	"Delivery to the following recipient", NULL
};
static const char *const google_stop[] = {
	"----- Original message -----", "----- Message header follows -----",
	NULL
};

/* "(state N)": where the SMTP session stopped and what that means. */
static const struct {
	int state;
	const char *command, *reason;
} gmail_states[] = {
	{ 6, "MAIL", "failedstarttls" },	/* remote does not support TLS */
	{ 8, "AUTH", "systemerror" },	/* SMTP AUTH failed */
	{ 9, "AUTH", "failedstarttls" },	/* TLS certificate trouble */
	{ 12, "AUTH", "norelaying" },	/* no authenticated relay */
	{ 13, "EHLO", "blocked" },
	{ 14, "RCPT", "userunknown" },
	{ 15, "DATA", "filtered" },
	{ 17, "DATA", "filtered" },
	{ 18, "DATA", "filtered" },
};

static const struct pv_phrase gmail_phrases[] = {
	{ "DNS Error: Could not contact DNS servers", "expired" },
	{ "Delivery to the following recipient has been delayed", "expired" },
	{ "The recipient server did not accept our requests to connect",
	    "expired" },
	{ "DNS Error: Domain name not found", "hostunknown" },
	{ "DNS Error: DNS server returned answer with no data", "hostunknown" },
	{ NULL, NULL }
};

/* "... by mx.example.jp. [192.0.2.59]." -> "mx.example.jp" */
static char *
gmail_remote(const char *d)
{
	const char *p = d, *h, *e;

	while ((p = strstr(p, " by ")) != NULL) {
		h = p + 4;
		e = strchr(h, ' ');
		p = h;
		if (e == NULL || e - h < 4 || e[-1] != '.' ||
		    strncmp(e, " [", 2) != 0 || !g_ascii_isxdigit(e[2]))
			continue;
		return g_strndup(h, (gsize)(e - 1 - h));
	}
	return NULL;
}

static void
gmail_state(struct bounce_recipient *r, const char *d)
{
	const char *p = strstr(d, "(state ");
	gsize i;
	int n;

	if (p == NULL)
		return;
	n = atoi(p + 7);
	for (i = 0; i < G_N_ELEMENTS(gmail_states); i++)
		if (gmail_states[i].state == n) {
			pv_set_str(&r->smtp_command, gmail_states[i].command);
			pv_set_reason(r, gmail_states[i].reason);
			return;
		}
}

static int
gmail_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *s, *e, *cur;
	struct pv_line l;
	struct pv_acc a;
	GString *pre = g_string_new(NULL);
	guint i;

	if (!pv_section(in, gmail_start, google_stop, &s, &e)) {
		g_string_free(pre, TRUE);
		return 0;
	}
	pv_acc_init(&a, b);
	for (cur = s; pv_line_next(&cur, e, &l); ) {
		char *addr;

		if (pv_blank(l))
			continue;
		if (pv_indented(l) && (addr = pv_line_address(l)) != NULL)
			pv_acc_add(&a, addr);
		else if (pv_acc_count(&a) == 0)
			g_string_append_len(pre, l.p, (gssize)l.n);
		else
			pv_acc_line(&a, l);
	}
	pv_acc_done(&a);
	/* "Delivery to the following recipients failed permanently:" lists
	 * them all, then one technical detail for all of them. */
	for (i = b->recipients->len; i-- > a.first + 1; ) {
		struct bounce_recipient *r = g_ptr_array_index(b->recipients,
		    i - 1), *next = g_ptr_array_index(b->recipients, i);

		if (r->diagnostic_code == NULL && next->diagnostic_code != NULL)
			r->diagnostic_code = g_strdup(next->diagnostic_code);
	}
	for (i = a.first; i < b->recipients->len; i++) {
		struct bounce_recipient *r = g_ptr_array_index(b->recipients, i);
		const char *d = r->diagnostic_code != NULL ?
		    r->diagnostic_code : "";

		pv_set_str(&r->action, pv_has(pre->str, "has been delayed") ||
		    pv_has(d, "temporary failure") ? "delayed" : "failed");
		r->remote_mta = gmail_remote(d);
		gmail_state(r, d);
		if (r->mta_reason == NULL) {
			pv_set_reason(r, pv_phrase_in(pre->str, pre->len,
			    gmail_phrases));
			pv_set_reason(r, pv_phrase_in(d, strlen(d), gmail_phrases));
		}
		pv_codes_from_diag(r);
		/* A status that names the cause outweighs the state code. */
		if (pv_status_specific(r->status))
			g_clear_pointer(&r->mta_reason, g_free);
	}
	g_string_free(pre, TRUE);
	return (int)(b->recipients->len - a.first);
}

/*
 * Google's newer layout, text plus delivery-status part:
 *	** Address not found **
 *	Your message wasn't delivered to a@b because the domain b couldn't
 *	be found. ...
 *	The response was:
 *	DNS Error: ... returned Null MX
 */
static const char *const google_start[] = { "** ", NULL };
static const char *const google_response[] = {
	"The response was:", "The response from the remote server was:", NULL
};

static const struct pv_phrase google_phrases[] = {
	{ "Null MX", "notaccept" },
	{ "because the address couldn't be found. Check for typos or "
	    "unnecessary spaces and try again.", "userunknown" },
	{ " had no relevant answers", "networkerror" },
	{ "responded with code NXDOMAIN", "hostunknown" },
	{ "Domain name not found", "hostunknown" },
	/* Gmail would not send as an address whose SMTP settings are
	 * wrong ("CustomFromDenied"). */
	{ "using the 'Send mail as' feature", "rejected" },
	{ NULL, NULL }
};

/* A DNS lookup that failed: the domain is unknown when the error is
 * permanent, a network error when Google will try again. */
static const char *
google_reason(const struct bounce_recipient *r, const char *text)
{
	const char *why = pv_phrase_in(text, strlen(text), google_phrases);
	gboolean permanent = (r->status != NULL && r->status[0] == '5') ||
	    r->reply_code / 100 == 5;

	if (why == NULL)
		return NULL;
	if (strcmp(why, "hostunknown") == 0 && !permanent)
		return "networkerror";
	if (strcmp(why, "networkerror") == 0 && permanent)
		return NULL;
	return why;
}

/* How the text names the recipient, the address following. */
static const char *const google_rcpt_said[] = {
	"wasn't delivered to ", "couldn't be delivered to ",
	"problem delivering your message to ", "Your message to ", NULL
};

/* After "The response was:", up to the end of the text part. */
static char *
google_response_text(const char *s, const char *e)
{
	const char *p = pv_find_any(s, (gsize)(e - s), google_response, NULL);
	const char *nl;

	if (p == NULL || (nl = memchr(p, '\n', (gsize)(e - p))) == NULL)
		return NULL;
	return bounce_field(nl + 1, e - nl - 1);
}

/* Does the text (naming one recipient, as Google's does) speak of r?
 * Yes when r is the only one, or the text names r's address. */
static gboolean
google_text_is_about(const char *all, const struct bounce_recipient *r,
    guint count)
{
	if (count <= 1)
		return TRUE;
	return all != NULL && r->recipient != NULL &&
	    pv_find_ci(all, strlen(all), r->recipient) != NULL;
}

static int
google_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *s, *e, *p;
	char *all, *resp;
	guint first = b->recipients->len, i;
	struct pv_acc a;
	int k = 0;

	if (!pv_section(in, google_start, google_stop, &s, &e))
		return 0;
	all = bounce_field(s, e - s);
	resp = google_response_text(s, e);
	if (pv_read_dsn(in, b) == 0) {
		/* No delivery-status part: the header and the text name the
		 * recipient. */
		pv_acc_init(&a, b);
		pv_rcpts_from_header(&a, bounce_header(in, "X-Failed-Recipients"));
		if (pv_acc_count(&a) == 0 && (p = pv_find_any(s, (gsize)(e - s),
		    google_rcpt_said, &k)) != NULL) {
			p += strlen(google_rcpt_said[k]);
			pv_acc_add(&a, pv_text_address(p, (gsize)(e - p)));
		}
		if (pv_acc_count(&a) == 0)
			pv_acc_add(&a, pv_original_address(in, "To"));
		pv_acc_done(&a);
	}
	for (i = first; i < b->recipients->len; i++) {
		struct bounce_recipient *r = g_ptr_array_index(b->recipients, i);
		/* The text tells of one recipient: another one's codes and
		 * words are not this one's. */
		gboolean mine = google_text_is_about(all, r,
		    b->recipients->len - first);
		const char *text = !mine ? NULL : resp != NULL ? resp : all;
		gboolean digits_only = r->diagnostic_code != NULL &&
		    strspn(r->diagnostic_code, "0123456789") ==
		    strlen(r->diagnostic_code);

		if ((r->diagnostic_code == NULL || digits_only) && text != NULL) {
			g_free(r->diagnostic_code);
			r->diagnostic_code = g_strdup(text);
		}
		/* The text may hold the remote server's words when the
		 * delivery-status part only has a class. */
		if (text != NULL && pv_status_vague(r->status)) {
			char *st = pv_status_in(text, strlen(text));

			if (st != NULL && !pv_status_vague(st)) {
				g_free(r->status);
				r->status = st;
			} else {
				g_free(st);
			}
		}
		if (text != NULL && (r->reply_code == 0 ||
		    r->reply_code % 100 == 0)) {
			int rc = pv_reply_in(text, strlen(text));

			if (rc != 0 && rc % 100 != 0)
				r->reply_code = rc;
		}
		/* "mx.b. (192.0.2.1, the server for the domain b.)" */
		if (r->remote_mta != NULL && (p = strchr(r->remote_mta, ' ')) != NULL) {
			char *host = g_strndup(r->remote_mta,
			    (gsize)(p - r->remote_mta));

			g_free(r->remote_mta);
			r->remote_mta = host;
		}
		if (r->remote_mta != NULL && *r->remote_mta != '\0' &&
		    r->remote_mta[strlen(r->remote_mta) - 1] == '.')
			r->remote_mta[strlen(r->remote_mta) - 1] = '\0';
		if (all != NULL && mine)
			pv_set_reason(r, google_reason(r, all));
		if (r->diagnostic_code != NULL)
			pv_set_reason(r, google_reason(r, r->diagnostic_code));
	}
	g_free(all);
	g_free(resp);
	return (int)(b->recipients->len - first);
}

/*
 * Google Groups: the group does not exist or does not let the sender post.
 * The recipient is in X-Failed-Recipients; the text explains in the
 * sender's language, with four bullets when posting was refused.
 */
static gboolean
googlegroups_match(const struct bounce_input *in)
{
	return from_google(in) && pv_header_set(in, "X-Failed-Recipients") &&
	    (pv_find(in->text, in->text_len, "Google Groups") != NULL ||
	    pv_find(in->text, in->text_len, "groups.google.com") != NULL);
}

static int
googlegroups_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *s, *e, *cur;
	struct pv_line l;
	struct pv_acc a;
	GString *d = g_string_new(NULL);
	int paragraphs = 0, bullets = 0;
	gboolean inpara = FALSE;
	guint i;

	if (!pv_section(in, NULL, google_stop, &s, &e)) {
		g_string_free(d, TRUE);
		return 0;
	}
	for (cur = s; pv_line_next(&cur, e, &l); ) {
		struct pv_line t = pv_trim(l);

		if (t.n == 0) {
			inpara = FALSE;
			continue;
		}
		if (!inpara && ++paragraphs > 4)
			break;
		inpara = TRUE;
		if (t.p[0] == '*')
			bullets++;
		if (d->len > 0)
			g_string_append_c(d, ' ');
		g_string_append_len(d, t.p, (gssize)t.n);
	}
	pv_acc_init(&a, b);
	pv_rcpts_from_header(&a, bounce_header(in, "X-Failed-Recipients"));
	for (i = 0; i < pv_acc_count(&a); i++) {
		struct bounce_recipient *r = pv_acc_nth(&a, i);

		r->diagnostic_code = bounce_field(d->str, (gssize)d->len);
		pv_set_str(&r->action, "failed");
		/* The four reasons one may not post: posting refused. */
		if (bullets == 4)
			pv_set_reason(r, "rejected");
	}
	g_string_free(d, TRUE);
	return pv_acc_done(&a);
}

/* --- Microsoft: Office 365 / Exchange Online, Outlook.com / Hotmail ------ */

static const char *const o365_subjects[] = {
	"Undeliverable:", "Onbestelbaar:", "Não entregue:", "Non remis :",
	"Unzustellbar:", "No se puede entregar:", NULL
};
static const char *const o365_headers[] = {
	"X-MS-Exchange-Message-Is-Ndr", "X-Microsoft-Antispam-PRVS",
	"X-Exchange-Antispam-Report-Test",
	"X-Exchange-Antispam-Report-CFA-Test",
	"X-MS-Exchange-CrossTenant-OriginalArrivalTime",
	"X-MS-Exchange-CrossTenant-FromEntityHeader",
	"X-MS-Exchange-Transport-CrossTenantHeadersStamped", NULL
};

/* Exchange Online's relays and mailbox servers. */
static gboolean
o365_host(const char *s)
{
	return pv_has(s, ".outbound.protection.outlook.com") ||
	    pv_has(s, ".prod.outlook.com") || pv_has(s, ".prod.exchangelabs.com");
}

/* Two signs at least: one alone is common to every Exchange. */
static gboolean
office365_match(const struct bounce_input *in)
{
	int score = 0, i;

	for (i = 0; o365_subjects[i] != NULL; i++)
		if (pv_has(in->subject, o365_subjects[i]))
			score++;
	for (i = 0; o365_headers[i] != NULL; i++)
		if (pv_header_set(in, o365_headers[i]))
			score++;
	if (o365_host(bounce_header(in, "Message-ID")))
		score++;
	if (score < 2 && (pv_received_has(in, ".outbound.protection.outlook.com") ||
	    pv_received_has(in, ".prod.outlook.com")))
		score++;
	return score >= 2;
}

/* Where the list of recipients starts, in the languages seen. */
static const char *const o365_start[] = {
	"Delivery has failed to these recipients or groups:",
	"Original Message Details",
	"Falha na entrega a estes destinatários ou grupos:",
	"Uw bericht kan niet worden bezorgd bij de volgende geadresseerden",
	"La remise a échoué pour ces destinataires ou groupes",
	"Die Nachricht konnte nicht an folgende Empfänger",
	"Your message to ", NULL
};
static const char *const o365_error[] = {
	"Diagnostic information for administrators:", "Error Details",
	"Diagnostische gegevens voor beheerders:",
	"Informações de diagnóstico para administradores:",
	"Informations de diagnostic pour les administrateurs",
	"Diagnoseinformationen für Administratoren", NULL
};
/* Issue 14, family 11: lines of the modern NDR (text and HTML-only) that
 * state the code wherever they stand, under "More Info for Email Admins"
 * or outside any heading. */
static const char *const o365_code_lines[] = {
	"Status code:", "Remote Server returned", "Reported error:", NULL
};
static const char *const o365_end[] = {
	"Original message headers", "Original Message Headers", "Message Hops",
	"Cabeçalhos originais da mensagem", "Oorspronkelijke berichtkoppen",
	"En-têtes de message d'origine", "Ursprüngliche Nachrichtenkopfzeilen",
	"Content-Type: message/delivery-status", NULL
};
static const char *const o365_lhost[] = {
	"Generating server:", "DSN generated by:", "Bronserver:",
	"Servidor de origem:",
	"Serveur de génération", "Generierender Server:", NULL
};
static const char *const o365_rhost[] = {
	"Receiving server:", "Servidor receptor:", "Ontvangende server:", NULL
};

/*
 * Exchange Online's own status codes (its NDR reference) that say more
 * than their RFC 3463 class.
 */
static const struct {
	const char *prefix;	/* the status, or its first digits */
	gsize len;		/* 0: exactly prefix; else this length */
	const char *reason;
} o365_statuses[] = {
	{ "4.4.7", 0, "expired" },
	{ "4.4.312", 0, "networkerror" },
	{ "4.4.316", 0, "expired" },
	{ "4.7.26", 0, "authfailure" },
	{ "4.7.5", 7, "blocked" },	/* 4.7.5xx */
	{ "4.7.6", 7, "blocked" },	/* 4.7.6xx */
	{ "4.7.85", 7, "blocked" },
	{ "4.7.86", 7, "blocked" },
	{ "4.7.87", 7, "blocked" },
	{ "4.7.88", 7, "blocked" },
	{ "4.7.89", 7, "blocked" },
	{ "5.0.350", 0, "contenterror" },
	{ "5.1.10", 0, "userunknown" },
	{ "5.4.1", 0, "norelaying" },
	{ "5.4.6", 0, "networkerror" },
	{ "5.4.312", 0, "networkerror" },
	{ "5.4.316", 0, "expired" },
	{ "5.6.11", 0, "contenterror" },
	{ "5.7.1", 0, "rejected" },
	{ "5.7.12", 0, "rejected" },
	{ "5.7.13", 0, "rejected" },
	{ "5.7.124", 0, "rejected" },
	{ "5.7.133", 0, "rejected" },
	{ "5.7.134", 0, "rejected" },
	{ "5.7.135", 0, "rejected" },
	{ "5.7.136", 0, "rejected" },
	{ "5.7.23", 0, "blocked" },
	{ "5.7.25", 0, "requireptr" },
	{ "5.7.501", 0, "spamdetected" },
	{ "5.7.502", 0, "spamdetected" },
	{ "5.7.503", 0, "spamdetected" },
	{ "5.7.504", 0, "filtered" },
	{ "5.7.505", 0, "filtered" },
	{ "5.7.506", 0, "blocked" },
	{ "5.7.507", 0, "blocked" },
	{ "5.7.508", 0, "ratelimited" },
	{ "5.7.509", 0, "authfailure" },
	{ "5.7.510", 0, "notaccept" },
	{ "5.7.511", 0, "rejected" },
	{ "5.7.512", 0, "policyviolation" },
	{ "5.7.515", 0, "authfailure" },
	{ "5.7.57", 0, "securityerror" },
	{ "5.7.606", 0, "blocked" },
	{ "5.7.607", 0, "blocked" },
	{ "5.7.608", 0, "blocked" },
	{ "5.7.609", 0, "blocked" },
	{ "5.7.61", 7, "blocked" },	/* 5.7.61x .. 5.7.64x */
	{ "5.7.62", 7, "blocked" },
	{ "5.7.63", 7, "blocked" },
	{ "5.7.64", 7, "blocked" },
	{ "5.7.70", 7, "ratelimited" },	/* 5.7.70x .. 5.7.74x */
	{ "5.7.71", 7, "ratelimited" },
	{ "5.7.72", 7, "ratelimited" },
	{ "5.7.73", 7, "ratelimited" },
	{ "5.7.74", 7, "ratelimited" },
};

static const char *
o365_status_reason(const char *st)
{
	gsize i, n;

	if (st == NULL)
		return NULL;
	n = strlen(st);
	for (i = 0; i < G_N_ELEMENTS(o365_statuses); i++) {
		const char *p = o365_statuses[i].prefix;

		if (o365_statuses[i].len == 0 ? strcmp(st, p) == 0 :
		    n == o365_statuses[i].len && strncmp(st, p, strlen(p)) == 0)
			return o365_statuses[i].reason;
	}
	return NULL;
}

/* "a@b<mailto:a@b>", "a@b (a@b)<mailto:a@b>", "Recipient Address: a@b" */
static char *
o365_recipient(struct pv_line l)
{
	const char *m = pv_line_find(l, "<mailto:");
	struct pv_line t = pv_trim(l);

	if (m != NULL && memchr(l.p, '@', (gsize)(m - l.p)) != NULL)
		return pv_text_address(m, l.n - (gsize)(m - l.p));
	if (pv_begins(t, "Recipient Address:", FALSE))
		return pv_text_address(t.p + 18, t.n - 18);
	/* "Your message to a@b couldn't be delivered." */
	if (pv_begins(t, "Your message to ", FALSE) &&
	    pv_line_find(t, " couldn't be delivered") != NULL)
		return pv_text_address(t.p + 16, t.n - 16);
	return NULL;
}

/* A host name alone on its line (the remote server, in the diagnostic
 * section, under the recipient). */
static gboolean
host_line(struct pv_line l)
{
	gsize i;

	l = pv_trim(l);
	if (l.n < 4 || l.n > 255 || memchr(l.p, '.', l.n) == NULL)
		return FALSE;
	for (i = 0; i < l.n; i++)
		if (!g_ascii_isalnum(l.p[i]) && l.p[i] != '.' && l.p[i] != '-')
			return FALSE;
	return TRUE;
}

static int
office365_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *cur = in->text, *end = in->text + in->text_len;
	struct pv_line l;
	struct pv_acc a;
	gboolean reading = FALSE, inerror = FALSE;
	char *lhost = NULL, *rhost = NULL;
	guint i;

	pv_acc_init_dsn(&a, in, b);
	while (pv_line_next(&cur, end, &l)) {
		struct pv_line t = pv_trim(l);
		char *addr;

		if (!reading) {
			reading = pv_begins_any(l, o365_start, TRUE) ||
			    pv_line_find(l, " rejected your message to the following") != NULL;
			/* "Your message to a@b couldn't be delivered." */
			if (reading && (addr = o365_recipient(l)) != NULL)
				pv_acc_add_once(&a, addr);
			continue;
		}
		if (t.n == 0)
			continue;
		if (pv_begins_any(l, o365_end, TRUE))
			break;
		if ((addr = o365_recipient(l)) != NULL) {
			pv_acc_add_once(&a, addr);
			continue;
		}
		if (pv_begins_any(l, o365_lhost, TRUE)) {
			if (lhost == NULL)
				lhost = bounce_field(strchr(t.p, ':') + 1,
				    t.p + t.n - strchr(t.p, ':') - 1);
			continue;
		}
		if (pv_begins_any(l, o365_rhost, TRUE)) {
			if (rhost == NULL)
				rhost = bounce_field(strchr(t.p, ':') + 1,
				    t.p + t.n - strchr(t.p, ':') - 1);
			continue;
		}
		if (pv_begins_any(l, o365_error, TRUE)) {
			inerror = TRUE;
			continue;
		}
		if (!inerror && pv_begins_any(l, o365_code_lines, TRUE) &&
		    pv_acc_count(&a) > 0) {
			pv_acc_line(&a, l);
			continue;
		}
		if (!inerror)
			continue;
		/* Under the diagnostic heading each recipient is named again,
		 * then maybe its domain's server, then the error. */
		if ((addr = pv_line_address(l)) != NULL) {
			pv_acc_add_once(&a, addr);
			continue;
		}
		if (host_line(l) && pv_acc_count(&a) > 0) {
			if (pv_acc_cur(&a)->remote_mta == NULL)
				pv_acc_cur(&a)->remote_mta = bounce_field(t.p,
				    (gssize)t.n);
			continue;
		}
		pv_acc_line(&a, l);
	}
	pv_acc_done(&a);
	for (i = a.first; i < b->recipients->len; i++) {
		struct bounce_recipient *r = g_ptr_array_index(b->recipients, i);
		const char *d = r->diagnostic_code;

		if (rhost != NULL)
			pv_set_str(&r->remote_mta, rhost);
		pv_set_str(&r->action, "failed");
		pv_refine_status(r, FALSE);
		if (d != NULL && r->reply_code == 0)
			r->reply_code = pv_reply_in(d, strlen(d));
		if (d != NULL && pv_find_ci(d, strlen(d),
		    "unknown recipient or mailbox unavailable ->") != NULL)
			pv_set_str(&r->smtp_command, "RCPT");
		pv_set_reason(r, o365_status_reason(r->status));
	}
	if (lhost != NULL && b->reporting_mta == NULL) {
		b->reporting_mta = lhost;
		lhost = NULL;
	}
	g_free(lhost);
	g_free(rhost);
	return (int)(b->recipients->len - a.first);
}

/*
 * Outlook.com / Hotmail: a delivery-status part whose Diagnostic-Code is
 * often missing; the text then says what happened.
 */
static gboolean
outlook_match(const struct bounce_input *in)
{
	int score = 0;

	score += pv_has(in->subject, "Delivery Status Notification");
	score += pv_header_set(in, "X-Message-Delivery");
	score += pv_header_set(in, "X-Message-Info");
	score += pv_has(in->from, "postmaster@") && (pv_has(in->from, "hotmail.") ||
	    pv_has(in->from, "outlook.") || pv_has(in->from, "live.com") ||
	    pv_has(in->from, "msn.com"));
	if (score < 2)
		score += pv_received_has(in, ".hotmail.com");
	return score >= 2;
}

static const char *const outlook_start[] = {
	"This is an automatically generated Delivery Status Notification", NULL
};
static const char *const outlook_skip[] = {
	"THIS IS A WARNING MESSAGE ONLY", "YOU DO NOT NEED TO RESEND",
	NULL
};
static const char *const dsn_stop[] = {
	"Content-Type: message/delivery-status", "Reporting-MTA:",
	"Final-Recipient:", NULL
};
static const struct pv_phrase outlook_phrases[] = {
	{ "The mail could not be delivered to the recipient because the "
	    "domain is not reachable", "hostunknown" },
	{ "Requested action not taken: mailbox unavailable", "userunknown" },
	{ NULL, NULL }
};

static int
outlook_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *s = NULL, *e = NULL, *cur;
	struct pv_line l;
	struct pv_acc a;
	GString *says = g_string_new(NULL);
	guint i;

	pv_acc_init_dsn(&a, in, b);
	if (pv_section(in, outlook_start, dsn_stop, &s, &e)) {
		pv_line_next(&s, e, &l);	/* the heading itself */
		for (cur = s; pv_line_next(&cur, e, &l); ) {
			char *addr;

			if (pv_blank(l) || pv_begins_any(l, outlook_skip, TRUE))
				continue;
			if ((addr = pv_line_address(l)) != NULL) {
				/* No delivery-status part: the text names
				 * the recipients. */
				if (in->dsn == NULL)
					pv_acc_add_once(&a, addr);
				else
					g_free(addr);
				continue;
			}
			if (says->len > 0)
				g_string_append_c(says, ' ');
			g_string_append_len(says, l.p, (gssize)l.n);
		}
	}
	for (i = 0; i < pv_acc_count(&a); i++) {
		struct bounce_recipient *r = pv_acc_nth(&a, i);

		if (r->diagnostic_code == NULL && says->len > 0)
			r->diagnostic_code = bounce_field(says->str,
			    (gssize)says->len);
		if (r->diagnostic_code != NULL)
			pv_set_reason(r, pv_phrase_in(r->diagnostic_code,
			    strlen(r->diagnostic_code), outlook_phrases));
	}
	g_string_free(says, TRUE);
	return pv_acc_done(&a);
}

/* --- The table ----------------------------------------------------------- */

/*
 * More specific layouts first: a scan that finds nothing lets the next row
 * try, so the order only matters where two rows could both read a bounce.
 */
const struct bounce_mta bounce_mtas_provider[] = {
	{ "amazonworkmail", pv_amazonworkmail_match, pv_amazonworkmail_scan },
	{ "amazonses", pv_amazonses_match, pv_amazonses_scan },
	{ "receivingses", pv_receivingses_match, pv_receivingses_scan },
	{ "googlegroups", googlegroups_match, googlegroups_scan },
	/* Gmail's older text, also from Google Workspace domains (issue 14,
	 * family 3): single-part or the first part of multipart/mixed */
	{ "gmail", from_google_or_layout, gmail_scan },
	{ "gsuite", from_google, google_scan },
	{ "office365", office365_match, office365_scan },
	{ "outlook", outlook_match, outlook_scan },
	{ "yahoo", pv_yahoo_match, pv_yahoo_scan },
	{ "aol", pv_aol_match, pv_aol_scan },
	{ "sendgrid", pv_sendgrid_match, pv_sendgrid_scan },
	{ "mailru", pv_mailru_match, pv_exim_like_scan },
	{ "yandex", pv_yandex_match, pv_yandex_scan },
	{ "zoho", pv_zoho_match, pv_zoho_scan },
	{ "mimecast", pv_mimecast_match, pv_mimecast_scan },
	{ "gmx", pv_gmx_match, pv_ui_scan },
	{ "einsundeins", pv_einsundeins_match, pv_ui_scan },
	{ "biglobe", pv_biglobe_match, pv_biglobe_scan },
	{ "kddi", pv_kddi_match, pv_kddi_scan },
	{ "ezweb", pv_ezweb_match, pv_ezweb_scan },
	{ "verizon", pv_verizon_match, pv_verizon_scan },
	{ "facebook", pv_facebook_match, pv_facebook_scan },
	{ "messagelabs", pv_messagelabs_match, pv_messagelabs_scan },
	{ "bigfoot", pv_bigfoot_match, pv_bigfoot_scan },
	{ NULL, NULL, NULL },
};
