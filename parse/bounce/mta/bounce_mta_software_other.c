/* bounce_mta_software_other.c - bounces of the other MTA software:
 * Oracle Messaging Server, Lotus Domino and Notes, Ipswitch IMail,
 * m-FILTER, fml, the filtering appliances and gateways (Activehunter,
 * MailFoundry, InterScan MSS, SurfControl, McAfee, MXLogic, Barracuda,
 * amavisd-new, PowerMTA, Apache James, MailMarshal) and Microsoft
 * Exchange 2003 and 2007.
 *
 * One match/scan pair per MTA (rows of bounce_mtas_software[] in
 * bounce_mta_software.c); see bounce_mta_software_text.c for layouts.
 */
#include <string.h>

#include "bounce_mta_software.h"

/* Oracle (Sun) Messaging Server: a DSN; "Recipient address:" blocks in
 * the text repeat it.  A source-routed Final-recipient
 * ("@relay:user@host") is not where the mail was sent: the
 * Original-recipient is. */

gboolean
sw_match_messagingserver(const struct bounce_input *in)
{
	static const char *const subjects[] = { "Delivery Notification: ",
	    NULL };

	if (sw_provider_bounce(in))
		return FALSE;
	return sw_subject_starts(in, subjects) ||
	    sw_header_has(in, "Content-Type", "Boundary_(ID_");
}

int
sw_scan_messagingserver(const struct bounce_input *in, struct bounce_report *b)
{
	static const struct phrase reasons[] = {
		{ "Illegal host/domain name found", "hostunknown" },
		{ NULL, NULL },
	};
	guint first = b->recipients->len, i;
	int n = sw_read_dsn(in, b);

	for (i = first; i < b->recipients->len; i++) {
		struct bounce_recipient *r =
		    g_ptr_array_index(b->recipients, i);
		const char *at = r->recipient ? strrchr(r->recipient, '@') :
		    NULL, *why;

		if (r->original_recipient != NULL && (at == NULL ||
		    strchr(at, '.') == NULL || strchr(r->recipient, ':'))) {
			g_free(r->recipient);
			r->recipient = g_strdup(r->original_recipient);
		}
		why = sw_phrase_lookup(r->diagnostic_code, reasons);
		if (r->mta_reason == NULL && why != NULL)
			r->mta_reason = g_strdup(why);
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Lotus Domino: "was not delivered to:", "  a@b", "because:", "  text".
 * Notes: "------- Failure Reasons --------", the text, then the address. */

static const char *const domino_begin[] = { "was not delivered to:", NULL };
static const char *const domino_end[] = { "Content-Type: message/", NULL };
static const struct phrase domino_reasons[] = {
	{ "not listed in Domino Directory", "userunknown" },
	{ "not listed in public Name & Address Book", "userunknown" },
	{ "non répertorié dans l'annuaire Domino", "userunknown" },
	{ "Domino ディレクトリには見つかりません", "userunknown" },
	{ "Cannot route mail to user", "filtered" },
	{ "Several matches found in Domino Directory", "systemerror" },
	{ NULL, NULL },
};

/* "Final-Recipient: ...", "Status: 5.1.1": a field of a DSN pasted into
 * the text, a name without blanks at the line's start and a colon. */
static gboolean
field_line(struct line l)
{
	const char *colon = memchr(l.p, ':', l.n);

	return l.n > 0 && colon != NULL && colon > l.p && sw_indent(&l) == 0 &&
	    memchr(l.p, ' ', (gsize)(colon - l.p)) == NULL;
}

static gboolean
domino_hook(const struct layout *lay, struct line l, GPtrArray *hints,
    struct hint **cur)
{
	struct line t = sw_trimmed(l);

	return sw_ci_prefix(t.p, t.n, "because:") ||
	    sw_ci_prefix(t.p, t.n, "was not delivered to:") || field_line(l);
}

static const struct layout domino_layout = {
	.begin = domino_begin, .end = domino_end, .form = RF_BARE,
	.max_indent = 4, .reasons = domino_reasons, .hook = domino_hook,
};

gboolean
sw_match_domino(const struct bounce_input *in)
{
	static const char *const subjects[] = { "DELIVERY FAILURE:",
	    "DELIVERY_FAILURE:", NULL };

	if (sw_provider_bounce(in))
		return FALSE;
	return sw_subject_starts(in, subjects);
}

int
sw_scan_domino(const struct bounce_input *in, struct bounce_report *b)
{
	guint first = b->recipients->len, i;
	int n = sw_scan_with(in, b, &domino_layout, FALSE);

	if (n > 0)
		return n;
	/* A text in another language: the delivery-status part names the
	 * recipients, its diagnostic Domino's reason. */
	n = sw_read_dsn(in, b);
	for (i = first; i < b->recipients->len; i++) {
		struct bounce_recipient *r =
		    g_ptr_array_index(b->recipients, i);
		const char *why = sw_phrase_lookup(r->diagnostic_code,
		    domino_reasons);

		if (r->mta_reason == NULL && why != NULL)
			r->mta_reason = g_strdup(why);
	}
	return n;
}

static const char *const notes_begin[] = { "------- Failure Reasons", NULL };
static const char *const notes_end[] = { "------- Returned Message", NULL };
static const struct phrase notes_reasons[] = {
	{ "not listed in public Name & Address Book", "userunknown" },
	{ "ディレクトリのリストにありません", "userunknown" },
	{ "Message has exceeded maximum hop count", "networkerror" },
	{ NULL, NULL },
};
static const struct layout notes_layout = {
	.begin = notes_begin, .end = notes_end, .form = RF_BARE,
	.max_indent = 0, .flags = L_TEXT_FIRST, .reasons = notes_reasons,
};

gboolean
sw_match_notes(const struct bounce_input *in)
{
	static const char *const subjects[] = { "Undeliverable message",
	    NULL };

	if (sw_provider_bounce(in))
		return FALSE;
	return sw_subject_starts(in, subjects);
}

int
sw_scan_notes(const struct bounce_input *in, struct bounce_report *b)
{
	int n = sw_scan_with(in, b, &notes_layout, FALSE);

	/* the reasons without an address: the copy's To: did not get it */
	return n > 0 ? n : sw_rcpt_from_original(in, b);
}

/* ------------------------------------------------------------------ */
/* Ipswitch IMail: "Unknown user: a@b", "undeliverable to a@b", then
 * "Body of message generated response:" and the remote's reply. */

static const char *const imail_end[] = { "Original message follows.", NULL };
static const char *const imail_prefix[] = {
	"Unknown user:", "Invalid final delivery userid:",
	"User mailbox exceeds allowed size:", "Unknown host:",
	"undeliverable to", "Delivery failed", "Mailbox full:", NULL,
};
static const struct phrase imail_reasons[] = {
	{ "Unknown user", "userunknown" },
	{ "Invalid final delivery userid", "userunknown" },
	{ "User mailbox exceeds allowed size", "mailboxfull" },
	{ "Requested action not taken: virus detected", "virusdetected" },
	{ "Unknown host", "hostunknown" },
	{ NULL, NULL },
};
static const struct layout imail_layout = {
	.end = imail_end, .form = RF_PREFIX, .prefix = imail_prefix,
	.flags = L_LINE_IN_DIAG, .reasons = imail_reasons,
};

gboolean
sw_match_imailserver(const struct bounce_input *in)
{
	if (sw_provider_bounce(in))
		return FALSE;
	struct line s = { in->subject, in->subject ? strlen(in->subject) : 0 };

	s = sw_trimmed(s);
	return (s.n == 18 && sw_ci_prefix(s.p, s.n, "Undeliverable Mail")) ||
	    sw_str_prefix(bounce_header(in, "X-Mailer"), "<SMTP32 v");
}

int
sw_scan_imailserver(const struct bounce_input *in, struct bounce_report *b)
{
	return sw_scan_with(in, b, &imail_layout, FALSE);
}

/* ------------------------------------------------------------------ */
/* m-FILTER: the address alone on a line, then "-------server message"
 * and "-------SMTP command" sections. */

static const char *const mfilter_end[] = { "-------", NULL };
static const char *const mfilter_server[] = { "-------server message", NULL };
static const char *const mfilter_command[] = { "-------SMTP command", NULL };
static const char *const mfilter_stop[] = { "-------original", NULL };
static const struct layout mfilter_layout = {
	.end = mfilter_end, .form = RF_BARE, .max_indent = 0,
	.flags = L_BLANK_ENDS,
};

gboolean
sw_match_mfilter(const struct bounce_input *in)
{
	if (sw_provider_bounce(in))
		return FALSE;
	return sw_header_has(in, "X-Mailer", "m-FILTER");
}

int
sw_scan_mfilter(const struct bounce_input *in, struct bounce_report *b)
{
	GPtrArray *hints = sw_hints_new();
	GString *server = g_string_new(NULL), *cmd = g_string_new(NULL);
	guint i;
	int n;

	sw_scan_layout(in, &mfilter_layout, hints);
	sw_section_text(in, mfilter_server, mfilter_end, server);
	sw_section_text(in, mfilter_command, mfilter_stop, cmd);
	for (i = 0; i < hints->len; i++) {
		struct hint *h = g_ptr_array_index(hints, i);

		sw_hint_add(h, server->str, server->len);
		h->cmd = sw_command_word(cmd->str, cmd->len);
	}
	g_string_free(server, TRUE);
	g_string_free(cmd, TRUE);
	n = sw_hints_commit(in, b, hints, NULL, FALSE);
	g_ptr_array_free(hints, TRUE);
	return n;
}

/* ------------------------------------------------------------------ */
/* fml mailing list manager: "... <a@b>." names the recipient; the
 * Subject and the text say what the list server refused. */

static const char *const fml_end[] = { "Original mail as follows:", NULL };
static const struct phrase fml_reasons[] = {
	{ "NOT MEMBER article from", "rejected" },
	{ "reject mail from", "rejected" },
	{ "header may cause mail loop", "rejected" },
	{ "reject spammers:", "rejected" },
	{ "You are not a member of this mailing list", "rejected" },
	{ "Spam mail from a spammer is rejected", "rejected" },
	{ "Duplicated Message-ID", "systemerror" },
	{ "has detected a loop condition so that", "systemerror" },
	{ "Loop Back Warning:", "systemerror" },
	{ "Loop Alert:", "systemerror" },
	{ "fml system error message", "systemerror" },
	{ "UNIX FROM Loop", "systemerror" },
	{ "Security alert:", "securityerror" },
	{ NULL, NULL },
};

static gboolean
fml_hook(const struct layout *lay, struct line l, GPtrArray *hints,
    struct hint **cur)
{
	struct line t = sw_trimmed(l);
	const char *lt;
	char *a;

	/* "Duplicated Message-ID in <a@b>." */
	if (t.n > 4 && t.p[t.n - 1] == '.' && t.p[t.n - 2] == '>' &&
	    (lt = memrchr(t.p, '<', t.n)) != NULL &&
	    (a = sw_addr_at(lt + 1, t.p + t.n - 2, NULL)) != NULL) {
		if ((*cur = sw_hint_new(hints, a)) != NULL)
			sw_hint_add(*cur, t.p, t.n);
		return TRUE;
	}
	return FALSE;
}

static const char *const fml_prefix[] = { NULL };	/* the hook finds them */
static const struct layout fml_layout = {
	.end = fml_end, .form = RF_PREFIX, .prefix = fml_prefix,
	.reasons = fml_reasons, .hook = fml_hook,
};

gboolean
sw_match_fml(const struct bounce_input *in)
{
	if (sw_provider_bounce(in))
		return FALSE;
	return bounce_header(in, "X-MLServer") != NULL &&
	    sw_str_has(in->from, "-admin@") &&
	    sw_str_has(bounce_header(in, "Message-ID"), ".FML");
}

int
sw_scan_fml(const struct bounce_input *in, struct bounce_report *b)
{
	GPtrArray *hints = sw_hints_new();
	guint i;
	int n;

	sw_scan_layout(in, &fml_layout, hints);
	for (i = 0; i < hints->len; i++) {
		struct hint *h = g_ptr_array_index(hints, i);

		h->reason = sw_phrase_lookup(h->diag->str, fml_reasons);
		if (h->reason == NULL)
			h->reason = sw_phrase_lookup(in->subject, fml_reasons);
	}
	n = sw_hints_commit(in, b, hints, NULL, FALSE);
	g_ptr_array_free(hints, TRUE);
	return n;
}

/* ------------------------------------------------------------------ */
/* Filtering appliances and gateways. */

/* Activehunter: ">>> a@b <a@b>" after Sendmail's fatal-errors banner. */
static const char *const ah_begin[] = {
	"----- The following addresses had permanent fatal errors -----", NULL,
};
static const char *const ah_prefix[] = { ">>>", NULL };
static const struct layout ah_layout = {
	.begin = ah_begin, .end = (const char *const[]){ "Content-Type:",
	NULL }, .form = RF_PREFIX, .prefix = ah_prefix, .max_indent = 2,
};

gboolean
sw_match_activehunter(const struct bounce_input *in)
{
	if (sw_provider_bounce(in))
		return FALSE;
	return bounce_header(in, "X-AHMailID") != NULL;
}

int
sw_scan_activehunter(const struct bounce_input *in, struct bounce_report *b)
{
	return sw_scan_with(in, b, &ah_layout, FALSE);
}

/* MailFoundry: "Unable to deliver message to: <a@b>", "Delivery failed
 * for the following reason:" and the reply. */
static const char *const mf_prefix[] = { "Unable to deliver message to:",
	NULL };
static const struct layout mf_layout = {
	.end = (const char *const[]){ "This has been a", NULL },
	.form = RF_PREFIX, .prefix = mf_prefix, .flags = L_FIRST_ONLY,
};

gboolean
sw_match_mailfoundry(const struct bounce_input *in)
{
	static const char *const subjects[] = { "Message delivery has failed",
	    NULL };

	if (sw_provider_bounce(in))
		return FALSE;
	return sw_subject_starts(in, subjects) &&
	    (sw_received_has(in, "(MAILFOUNDRY) id") ||
	    sw_text_line_with(in, mf_prefix) != NULL);
}

int
sw_scan_mailfoundry(const struct bounce_input *in, struct bounce_report *b)
{
	return sw_scan_with(in, b, &mf_layout, FALSE);
}

/* Trend Micro InterScan MSS: "Reason: Unable to deliver message to <a@b>",
 * or a transcript "Sent <<< RCPT TO:<a@b>" / "Received >>> 550 ...". */
static const char *const imss_prefix[] = {
	"Reason:", "Unable to deliver message to", NULL,
};
static const char *const imss_subjects[] = {
	"Mail could not be delivered",
	"メッセージを配信できません。",
	"メール配信に失敗しました",
	NULL,
};
static const struct phrase imss_reasons[] = {
	{ "Unable to deliver message to", "userunknown" },
	{ NULL, NULL },
};
/* The hint already made for addr, or NULL. */
static struct hint *
hint_for(GPtrArray *hints, const char *addr)
{
	guint i;

	for (i = 0; addr != NULL && i < hints->len; i++) {
		struct hint *h = g_ptr_array_index(hints, i);

		if (h->addr != NULL && g_ascii_strcasecmp(h->addr, addr) == 0)
			return h;
	}
	return NULL;
}

/* The transcript, in any language: "<word> <<< RCPT TO:<a@b>" opens a
 * recipient, "<word> >>> 550 ..." is its reply, another command line
 * ("<<< DATA") the command refused.  An address named again ("Unable to
 * deliver message to <a@b>" after its transcript) is the same recipient. */
static gboolean
imss_hook(const struct layout *lay, struct line l, GPtrArray *hints,
    struct hint **cur)
{
	struct line t = sw_trimmed(l);
	const char *e = t.p + t.n, *p = sw_ci_find(t.p, t.n, "<<< "),
	    *q = sw_ci_find(t.p, t.n, ">>> ");
	struct hint *h;
	char *a;

	if (p == NULL || (q != NULL && q < p))
		p = q;
	if (p != NULL) {
		for (p += 4; p < e && *p == ' '; p++)
			;
		if (sw_ci_prefix(p, (gsize)(e - p), "RCPT TO:")) {
			a = sw_addr_in(p, e, NULL);
			if ((h = hint_for(hints, a)) != NULL)
				g_free(a);
			else
				h = sw_hint_new(hints, a);
			if ((*cur = h) != NULL)
				h->cmd = "RCPT";
		} else if (*cur != NULL && e - p >= 3 && g_ascii_isdigit(*p)) {
			sw_hint_add(*cur, p, (gsize)(e - p));
		} else if (*cur != NULL && sw_command_word(p,
		    (gsize)(e - p)) != NULL) {
			(*cur)->cmd = sw_command_word(p, (gsize)(e - p));
		}
		return TRUE;
	}
	if ((p = sw_ci_find(t.p, t.n, "Unable to deliver message to")) !=
	    NULL && (a = sw_addr_in(p, e, NULL)) != NULL) {
		h = hint_for(hints, a);
		g_free(a);
		if (h != NULL) {
			*cur = h;
			sw_hint_add(h, t.p, t.n);
			return TRUE;
		}
	}
	return FALSE;
}

static const struct layout imss_layout = {
	.form = RF_PREFIX,
	.prefix = imss_prefix, .flags = L_LINE_IN_DIAG | L_BLANK_ENDS,
	.hook = imss_hook,
};

gboolean
sw_match_interscanmss(const struct bounce_input *in)
{
	if (sw_provider_bounce(in))
		return FALSE;
	/* "InterScan MSS", "InterScan Notification", the later products'
	 * names; their MIME boundary or text names the product too */
	return sw_str_has(in->from, "InterScan") ||
	    sw_subject_starts(in, imss_subjects) ||
	    sw_header_has(in, "Content-Type", "InterScan") ||
	    sw_text_has(in, " InterScan ");
}

int
sw_scan_interscanmss(const struct bounce_input *in, struct bounce_report *b)
{
	GPtrArray *hints = sw_hints_new();
	guint i;
	int n;

	sw_scan_layout(in, &imss_layout, hints);
	for (i = 0; i < hints->len; i++) {
		struct hint *h = g_ptr_array_index(hints, i);

		/* only IMSS's own sentence says userunknown; a transcript
		 * carries the remote's reply */
		sw_hint_derive(h, NULL);
		if (h->reply == 0)
			h->reason = sw_phrase_lookup(h->diag->str,
			    imss_reasons);
	}
	n = sw_hints_commit(in, b, hints, NULL, FALSE);
	g_ptr_array_free(hints, TRUE);
	return n;
}

/* SurfControl: "Addressed To: a@b", then "a@b: [192.0.2.5], 550 ...". */
static const char *const sc_begin[] = { "Your message could not be sent.",
	NULL };
static const char *const sc_prefix[] = { "Addressed To:", NULL };

static gboolean
sc_hook(const struct layout *lay, struct line l, GPtrArray *hints,
    struct hint **cur)
{
	struct line t = sw_trimmed(l), rest;
	const char *rb;
	char *a;

	if (*cur == NULL || (a = sw_rcpt_bare(t, &rest)) == NULL)
		return FALSE;
	g_free(a);
	if (rest.n > 2 && rest.p[0] == '[' &&
	    (rb = memchr(rest.p, ']', rest.n)) != NULL) {
		g_free((*cur)->host);
		(*cur)->host = sw_host_at(rest.p, rb);
		rest.n -= (gsize)(rb + 1 - rest.p);
		rest.p = rb + 1;
		while (rest.n > 0 && (*rest.p == ',' || *rest.p == ' '))
			rest.p++, rest.n--;
	}
	g_string_truncate((*cur)->diag, 0);
	sw_hint_add(*cur, rest.p, rest.n);
	return TRUE;
}

static const struct layout sc_layout = {
	.begin = sc_begin, .end = (const char *const[]){ "---", NULL },
	.form = RF_PREFIX, .prefix = sc_prefix, .flags = L_FIRST_ONLY,
	.hook = sc_hook,
};

gboolean
sw_match_surfcontrol(const struct bounce_input *in)
{
	if (sw_provider_bounce(in))
		return FALSE;
	return sw_header_has(in, "X-Mailer", "SurfControl") ||
	    (bounce_header(in, "X-SEF-Processed") != NULL &&
	    sw_text_line_with(in, sc_begin) != NULL);
}

int
sw_scan_surfcontrol(const struct bounce_input *in, struct bounce_report *b)
{
	return sw_scan_with(in, b, &sc_layout, TRUE);
}

/* McAfee: "<a@b>   (5.1.1 <a@b>... User unknown)". */
static const char *const mcafee_begin[] = {
	"--- The following addresses had delivery problems ---", NULL,
};
static const struct layout mcafee_layout = {
	.begin = mcafee_begin, .end = (const char *const[]){ "Content-Type:",
	NULL }, .form = RF_ANGLE, .max_indent = 0,
	.flags = L_LOOSE | L_BLANK_ENDS,
};

gboolean
sw_match_mcafee(const struct bounce_input *in)
{
	if (sw_provider_bounce(in))
		return FALSE;
	return sw_header_has(in, "X-NAI-Header", "Modified by McAfee") ||
	    (sw_str_prefix(in->subject, "Delivery Status") &&
	    sw_text_line_with(in, mcafee_begin) != NULL);
}

int
sw_scan_mcafee(const struct bounce_input *in, struct bounce_report *b)
{
	GPtrArray *hints = sw_hints_new();
	guint i;
	int n;

	sw_scan_layout(in, &mcafee_layout, hints);
	for (i = 0; i < hints->len; i++) {
		struct hint *h = g_ptr_array_index(hints, i);
		GString *d = h->diag;

		/* "(5.1.1 <a@b>... User unknown)" */
		if (d->len > 1 && d->str[0] == '(' &&
		    d->str[d->len - 1] == ')') {
			g_string_erase(d, 0, 1);
			g_string_truncate(d, d->len - 1);
		}
	}
	n = sw_hints_commit(in, b, hints, NULL, FALSE);
	g_ptr_array_free(hints, TRUE);
	return n;
}

/* MXLogic (McAfee SaaS): Exim's words, "  <a@b>: 550 ..." lines. */
static const char *const mxl_begin[] = {
	"This message was created automatically by mail delivery software",
	NULL,
};
static const char *const mxl_end[] = {
	"Included is a copy of the message header", NULL,
};
static const struct layout mxl_layout = {
	.begin = mxl_begin, .end = mxl_end, .form = RF_ANGLE, .max_indent = 2,
	.reasons = sw_exim_reasons,
};

gboolean
sw_match_mxlogic(const struct bounce_input *in)
{
	if (sw_provider_bounce(in))
		return FALSE;
	return bounce_header(in, "X-MX-Bounce") != NULL ||
	    bounce_header(in, "X-MXL-Hash") != NULL ||
	    bounce_header(in, "X-MXL-NoteHash") != NULL ||
	    (sw_str_prefix(in->from, "Mail Delivery System") &&
	    sw_text_line_with(in, mxl_end) != NULL);
}

int
sw_scan_mxlogic(const struct bounce_input *in, struct bounce_report *b)
{
	return sw_scan_with(in, b, &mxl_layout, FALSE);
}

/* Barracuda: "Your message to: a@b" / "was blocked by our Spam Firewall",
 * and a DSN. */
static const char *const bc_prefix[] = { "Your message to:", NULL };
static const struct phrase bc_reasons[] = {
	{ "blocked by our Spam Firewall", "spamdetected" },
	{ NULL, NULL },
};
static const struct layout bc_layout = {
	.form = RF_PREFIX, .prefix = bc_prefix, .flags = L_BLANK_ENDS,
	.reasons = bc_reasons,
};

gboolean
sw_match_barracuda(const struct bounce_input *in)
{
	static const char *const subjects[] = { "our bulk email filter",
	    NULL };

	if (sw_provider_bounce(in))
		return FALSE;
	return sw_subject_has(in, subjects);
}

int
sw_scan_barracuda(const struct bounce_input *in, struct bounce_report *b)
{
	return sw_scan_with(in, b, &bc_layout, FALSE);
}

/* amavisd-new: "The message WAS NOT relayed to:", "  <a@b>: [127.0.0.1]
 * said:", the reply; and a DSN whose text says " - spam", " - infected". */
static const char *const amavis_begin[] = { "The message ", NULL };
static const char *const amavis_end[] = {
	"This nondelivery report was generated", NULL,
};
static const struct phrase amavis_reasons[] = {
	{ " - spam", "spamdetected" },
	{ " - infected", "virusdetected" },
	{ " - banned", "filtered" },
	{ " - bad header:", "contenterror" },
	{ " - message size exceeds recipient", "emailtoolarge" },
	{ " - temporary mta failure on relaying", "systemerror" },
	{ " - rejected by next-hop mta on relaying", "systemerror" },
	{ " - unable to relay message back to mta", "systemerror" },
	{ NULL, NULL },
};
static const struct layout amavis_layout = {
	.begin = amavis_begin, .end = amavis_end, .form = RF_ANGLE,
	.max_indent = 2, .flags = L_BLANK_ENDS, .reasons = amavis_reasons,
};

gboolean
sw_match_amavis(const struct bounce_input *in)
{
	if (sw_provider_bounce(in))
		return FALSE;
	return sw_str_has(in->from, "Content-filter at ");
}

int
sw_scan_amavis(const struct bounce_input *in, struct bounce_report *b)
{
	guint first = b->recipients->len, i;
	int n = sw_scan_with(in, b, &amavis_layout, FALSE);

	for (i = first; i < b->recipients->len; i++) {
		struct bounce_recipient *r =
		    g_ptr_array_index(b->recipients, i);
		const char *why = sw_phrase_lookup(r->diagnostic_code,
		    amavis_reasons);

		if (r->mta_reason == NULL && why != NULL)
			r->mta_reason = g_strdup(why);
	}
	return n;
}

/* PowerMTA: a DSN with X-PowerMTA-BounceCategory per recipient; the text
 * lists "  <a@b>  delivery failed; will not continue trying". */
static const char *const pmta_begin[] = { "this is the mail server on ",
	NULL };
static const struct layout pmta_layout = {
	.begin = pmta_begin, .form = RF_ANGLE, .max_indent = 4,
	.flags = L_LOOSE | L_BLANK_ENDS,
};
static const struct phrase pmta_categories[] = {
	{ "bad-domain", "hostunknown" },
	{ "bad-mailbox", "userunknown" },
	{ "inactive-mailbox", "suspend" },
	{ "message-expired", "expired" },
	{ "no-answer-from-host", "networkerror" },
	{ "policy-related", "policyviolation" },
	{ "quota-issues", "mailboxfull" },
	{ "routing-errors", "systemerror" },
	{ "spam-related", "spamdetected" },
	{ NULL, NULL },
};

gboolean
sw_match_powermta(const struct bounce_input *in)
{
	static const char *const subjects[] = { "Delivery report", NULL };

	if (sw_provider_bounce(in))
		return FALSE;
	return sw_subject_has(in, subjects) && (in->dsn != NULL ?
	    g_strstr_len(in->dsn, (gssize)in->dsn_len, "X-PowerMTA") != NULL :
	    sw_text_line_with(in, pmta_begin) != NULL);
}

int
sw_scan_powermta(const struct bounce_input *in, struct bounce_report *b)
{
	guint first = b->recipients->len;
	int n = sw_scan_with(in, b, &pmta_layout, FALSE), k = -1;
	/* no NULL + 0: undefined behaviour even when nothing is read */
	const char *pos = in->dsn;
	const char *end = pos != NULL ? pos + in->dsn_len : NULL;
	struct line l;

	/* the k-th recipient block's category */
	while (in->dsn != NULL && sw_next_line(&pos, end, &l)) {
		struct bounce_recipient *r;
		const char *why;
		char *v;

		if (sw_ci_prefix(l.p, l.n, "Final-Recipient:"))
			k++;
		if (!sw_ci_prefix(l.p, l.n, "X-PowerMTA-BounceCategory:") ||
		    k < 0 || first + (guint)k >= b->recipients->len)
			continue;
		r = g_ptr_array_index(b->recipients, first + (guint)k);
		v = g_strndup(l.p, l.n);
		why = sw_phrase_lookup(v + 26, pmta_categories);
		g_free(v);
		if (r->mta_reason == NULL && why != NULL)
			r->mta_reason = g_strdup(why);
	}
	return n;
}

/* Apache James: "  RCPT TO: a@b", "Error message below:" and the text,
 * up to "Message details:". */
static const char *const james_prefix[] = { "RCPT TO:", NULL };

static gboolean
james_hook(const struct layout *lay, struct line l, GPtrArray *hints,
    struct hint **cur)
{
	struct line t = sw_trimmed(l);

	return sw_ci_prefix(t.p, t.n, "Sent date:") ||
	    sw_ci_prefix(t.p, t.n, "Subject:") ||
	    sw_ci_prefix(t.p, t.n, "Error message below:");
}

static const struct layout james_layout = {
	.end = (const char *const[]){ "Message details:", NULL },
	.form = RF_PREFIX, .prefix = james_prefix, .max_indent = 2,
	.hook = james_hook,
};

gboolean
sw_match_apachejames(const struct bounce_input *in)
{
	if (sw_provider_bounce(in))
		return FALSE;
	struct line s = { in->subject, in->subject ? strlen(in->subject) : 0 };

	s = sw_trimmed(s);
	return (s.n == 8 && strncmp(s.p, "[BOUNCE]", 8) == 0) ||
	    sw_received_has(in, "JAMES SMTP Server") ||
	    (sw_str_has(bounce_header(in, "Message-ID"), ".JavaMail.") &&
	    sw_text_has(in, "Error message below:"));
}

int
sw_scan_apachejames(const struct bounce_input *in, struct bounce_report *b)
{
	return sw_scan_with(in, b, &james_layout, FALSE);
}

/* MailMarshal: "The following recipients were affected:" and the
 * addresses indented four blanks; "Could not be delivered because of"
 * and the reason before them. */
static const char *const mm_rcpts[] = {
	"The following recipients were affected:", NULL,
};
static const char *const mm_error[] = { "Could not be delivered because of",
	NULL };
static const struct layout mm_layout = {
	.begin = mm_rcpts, .end = (const char *const[]){ "+++",
	"Message details", "Original Sender:", NULL }, .form = RF_BARE,
	.max_indent = 8,
	.flags = L_BLANK_ENDS,
};

gboolean
sw_match_mailmarshalsmtp(const struct bounce_input *in)
{
	static const char *const subjects[] = { "Undeliverable Mail: \"",
	    NULL };

	if (sw_provider_bounce(in))
		return FALSE;
	return sw_subject_starts(in, subjects);
}

int
sw_scan_mailmarshalsmtp(const struct bounce_input *in, struct bounce_report *b)
{
	GPtrArray *hints = sw_hints_new();
	GString *why = g_string_new(NULL);
	guint i;
	int n;

	sw_scan_layout(in, &mm_layout, hints);
	sw_section_text(in, mm_error, mm_rcpts, why);
	for (i = 0; i < hints->len; i++)
		sw_hint_add(g_ptr_array_index(hints, i), why->str, why->len);
	g_string_free(why, TRUE);
	n = sw_hints_commit(in, b, hints, NULL, FALSE);
	g_ptr_array_free(hints, TRUE);
	return n;
}

/* ------------------------------------------------------------------ */
/* Microsoft Exchange 2003: "did not reach the following recipient(s):",
 * "a@b on <date>", the text and "MSEXCH:IMS:...(000C05A6)"; the code in
 * parentheses says why.  Exchange 2007/2010: "Diagnostic information for
 * administrators:" (localised), the address alone, "Remote Server
 * returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'". */

static const char *const ex3_begin[] = {
	"did not reach the following recipient(s):", NULL,
};
static const struct phrase ex3_codes[] = {
	{ "(000C05A6)", "userunknown" },
	{ "(000C0595)", "filtered" },
	{ "(00010256)", "systemerror" },
	{ "(000D06B5)", "systemerror" },
	{ "(00120270)", "networkerror" },
	{ "(00050311)", "contenterror" },
	{ "(000502CC)", "contenterror" },
	{ "(000B0981)", "securityerror" },
	{ NULL, NULL },
};

static gboolean
ex3_hook(const struct layout *lay, struct line l, GPtrArray *hints,
    struct hint **cur)
{
	struct line t = sw_trimmed(l);
	const char *on = sw_ci_find(t.p, t.n, " on ");
	char *a;

	/* "a@b on Thu, 29 Apr 2010 ...", "Name (SMTP=a@b) on ..." */
	if (on == NULL || (a = sw_addr_in(t.p, on, NULL)) == NULL)
		return FALSE;
	*cur = sw_hint_new(hints, a);
	return TRUE;
}

static const struct layout ex3_layout = {
	.begin = ex3_begin, .end = (const char *const[]){ "Content-Type:",
	NULL }, .form = RF_BARE, .max_indent = 0, .reasons = ex3_codes,
	.hook = ex3_hook,
};

gboolean
sw_match_exchange2003(const struct bounce_input *in)
{
	if (sw_provider_bounce(in))
		return FALSE;
	return bounce_header(in, "X-MS-Embedded-Report") != NULL ||
	    sw_str_prefix(bounce_header(in, "X-Mailer"),
	    "Internet Mail Service (") ||
	    sw_str_prefix(bounce_header(in, "X-Mailer"),
	    "Microsoft Exchange Server Internet Mail Connector") ||
	    sw_str_prefix(bounce_header(in, "X-MimeOLE"),
	    "Produced By Microsoft Exchange") ||
	    sw_received_has(in, " with Internet Mail Service (") ||
	    (sw_text_line_with(in, ex3_begin) != NULL &&
	    sw_text_has(in, "MSEXCH:"));
}

int
sw_scan_exchange2003(const struct bounce_input *in, struct bounce_report *b)
{
	return sw_scan_with(in, b, &ex3_layout, FALSE);
}

static const char *const ex7_begin[] = {
	"Diagnostic information for administrators",
	"Informations de diagnostic pour les administrateurs",
	"Informazioni di diagnostica per gli amministratori",
	"Diagnoseinformationen für Administratoren",
	"Información de diagnóstico para administradores",
	NULL,
};
static const char *const ex7_end[] = {
	"Original message headers", "En-têtes de message d'origine",
	"Intestazioni originali del messaggio",
	"Ursprüngliche Nachrichtenkopfzeilen",
	"Encabezados del mensaje original", NULL,
};
static const char *const ex7_reporter[] = {
	"Generating server:", "Serveur de génération",
	"Server di generazione:", "Generierender Server:",
	"Servidor de generación:", NULL,
};
static const struct phrase ex7_reasons[] = {
	{ "SMTPSEND.DNS.NonExistentDomain", "hostunknown" },
	{ "SMTPSEND.DNS.MxLoopback", "networkerror" },
	{ "RESOLVER.ADR.BadPrimary", "systemerror" },
	{ "RESOLVER.ADR.RecipNotFound", "userunknown" },
	{ "RESOLVER.ADR.ExRecipNotFound", "userunknown" },
	{ "RESOLVER.ADR.RecipLimit", "ratelimited" },
	{ "RESOLVER.ADR.InvalidInSmtp", "systemerror" },
	{ "RESOLVER.ADR.Ambiguous", "systemerror" },
	{ "RESOLVER.RST.AuthRequired", "securityerror" },
	{ "RESOLVER.RST.NotAuthorized", "rejected" },
	{ "RESOLVER.RST.RecipSizeLimit", "emailtoolarge" },
	{ "QUEUE.Expired", "expired" },
	{ NULL, NULL },
};
static const struct layout ex7_layout = {
	.begin = ex7_begin, .end = ex7_end, .form = RF_BARE, .max_indent = 0,
	.reasons = ex7_reasons,
};

gboolean
sw_match_exchange2007(const struct bounce_input *in)
{
	static const char *const subjects[] = {
		"Undeliverable:", "Non remis :", "Non_remis_", "Non remis:",
		"Non recapitabile:", "Unzustellbar:", "No se puede entregar:",
		NULL,
	};

	if (sw_provider_bounce(in))
		return FALSE;
	/* Office 365 writes the same layout; its tenant headers leave it
	 * to the provider table */
	if (bounce_header(in, "X-MS-Exchange-CrossTenant-OriginalArrivalTime")
	    != NULL || bounce_header(in,
	    "X-MS-Exchange-CrossTenant-FromEntityHeader") != NULL)
		return FALSE;
	return sw_subject_starts(in, subjects) &&
	    sw_header(in, "Content-Language") != NULL;
}

int
sw_scan_exchange2007(const struct bounce_input *in, struct bounce_report *b)
{
	int n = sw_scan_with(in, b, &ex7_layout, FALSE);

	if (n > 0)
		sw_reporter(in, b, ex7_reporter);
	return n;
}
