/* bounce_mta.c - the generic readers, tried after every MTA- and
 * provider-specific row: ARF complaints, RFC 3464 / RFC 6533 delivery
 * status, the plain-text fallback, RFC 3834 auto-replies.
 *
 * The fallback reads bounces that have no delivery-status part and no
 * recognizer of their own: each paragraph of the text that begins with an
 * address and says something an MTA says about a failure ("550",
 * "5.1.1", "unknown", "full", ...) is a recipient, the paragraph its
 * diagnostic.  Ordinary mail is full of addresses, so the fallback only
 * reads a message that looks like a bounce first: a delivery-status part,
 * a mailer-daemon or postmaster sender, or a delivery-failure subject.
 * Auto-replies come last: bounces too say "Auto-Submitted: auto-replied".
 */
#include <string.h>

#include "../bounce_internal.h"

#define MAX_PARAGRAPH	2048	/* bytes of a fallback diagnostic */
#define MAX_PARA_LINES	12

/* --- shared ------------------------------------------------------------ */

static gboolean
has(const char *s, const char *needle)
{
	return s != NULL && bounce_strcasestr(s, strlen(s), needle) != NULL;
}

static gboolean
any_of(const char *s, const char *const *words)
{
	for (; *words != NULL; words++)
		if (has(s, *words))
			return TRUE;
	return FALSE;
}

static gboolean
starts(const char *s, const char *prefix)
{
	return s != NULL &&
	    g_ascii_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static void
lower(char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		*s = g_ascii_tolower(*s);
}

/* The value of field name in a block of "Name: value" lines, folded lines
 * joined, a new string; the first occurrence after *from, which moves
 * past it (so that repeated fields can be read in turn). */
static char *
field_next(const char *t, gsize n, const char **from, const char *name)
{
	const char *end = t + n, *p = *from, *v, *e;
	gsize k = strlen(name);

	while (p < end) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));

		e = nl != NULL ? nl : end;
		if ((gsize)(e - p) > k && p[k] == ':' &&
		    g_ascii_strncasecmp(p, name, k) == 0) {
			v = p + k + 1;
			while (e + 1 < end && (e[1] == ' ' || e[1] == '\t')) {
				nl = memchr(e + 1, '\n', (gsize)(end - e - 1));
				e = nl != NULL ? nl : end;
			}
			*from = e < end ? e + 1 : end;
			return bounce_field(v, e - v);
		}
		p = e + 1;
	}
	*from = end;
	return NULL;
}

static char *
field(const char *t, gsize n, const char *name)
{
	const char *from = t;

	return t != NULL ? field_next(t, n, &from, name) : NULL;
}

/* --- ARF (RFC 5965) ---------------------------------------------------- */

static gboolean
arf_match(const struct bounce_input *in)
{
	GMimeContentType *ct;
	const char *rt;

	if (in->feedback != NULL)
		return TRUE;
	ct = g_mime_object_get_content_type(GMIME_OBJECT(in->msg));
	rt = ct != NULL ? g_mime_content_type_get_parameter(ct,
	    "report-type") : NULL;
	if (rt != NULL && g_ascii_strcasecmp(rt, "feedback-report") == 0)
		return TRUE;
	/* Microsoft JMRP and Amazon SES complaints: no report part. */
	return has(in->subject, "complaint about message from") &&
	    (has(in->from, "staff@hotmail.com") ||
	    has(in->from, "complaints@email-abuse.amazonses.com"));
}

/* The sentence that introduces the report, as sisimai quotes it. */
static char *
arf_diagnostic(const struct bounce_input *in, const char *auth)
{
	const char *t = in->text, *end = t + in->text_len, *nl;

	while (t < end && (*t == '\n' || *t == ' '))
		t++;
	if (auth != NULL)
		return g_strdup(auth);
	nl = memchr(t, '\n', (gsize)(end - t));
	if (t < end && (starts(t, "this is ") || starts(t, "this message")))
		return bounce_field(t, (nl != NULL ? nl : end) - t);
	return NULL;
}

static int
arf_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *fb = in->feedback, *from;
	gsize n = in->feedback_len;
	char *type, *v, *auth, *ip;
	struct bounce_recipient *r;
	int added = 0;
	guint i;

	type = field(fb, n, "Feedback-Type");
	lower(type);
	auth = field(fb, n, "Authentication-Results");
	for (from = fb; fb != NULL && from < fb + n; ) {
		if ((v = field_next(fb, n, &from, "Original-Rcpt-To")) == NULL)
			break;
		if ((r = bounce_add_recipient(b)) != NULL) {
			r->recipient = bounce_address(v);
			added++;
		}
		g_free(v);
	}
	if (added == 0) {
		/* Microsoft's own format; else whom the original was to. */
		v = bounce_original_header(in, "X-HmXmrOriginalRecipient");
		if (v == NULL)
			v = bounce_original_header(in, "To");
		if ((r = bounce_add_recipient(b)) != NULL) {
			r->recipient = bounce_address(v);
			added++;
		}
		g_free(v);
		if (type == NULL && has(in->subject,
		    "complaint about message from"))
			type = g_strdup("abuse");
	}
	b->kind = BOUNCE_KIND_FEEDBACK;
	b->reporting_mta = field(fb, n, "Reporting-MTA");
	if (b->reporting_mta != NULL && strchr(b->reporting_mta, ';')) {
		v = g_strdup(strchr(b->reporting_mta, ';') + 1);
		g_free(b->reporting_mta);
		b->reporting_mta = bounce_field(v, -1);
		g_free(v);
	}
	v = field(fb, n, "Arrival-Date");
	if (v == NULL)
		v = field(fb, n, "Received-Date");
	b->arrival_date = bounce_date(v);
	g_free(v);
	ip = field(fb, n, "Source-IP");
	if (ip != NULL && b->orig.sending_ip == NULL &&
	    strspn(ip, "0123456789abcdefABCDEF.:") == strlen(ip))
		b->orig.sending_ip = g_strdup(ip);
	v = arf_diagnostic(in, type != NULL &&
	    strcmp(type, "auth-failure") == 0 ? auth : NULL);
	for (i = 0; i < b->recipients->len; i++) {
		r = g_ptr_array_index(b->recipients, i);
		r->feedback_type = g_strdup(type);
		r->mta_reason = g_strdup("feedback");
		r->diagnostic_code = g_strdup(v);
	}
	g_free(v);
	g_free(ip);
	g_free(auth);
	g_free(type);
	return added;
}

/* --- RFC 3464 / RFC 6533 ----------------------------------------------- */

static gboolean
rfc3464_match(const struct bounce_input *in)
{
	return in->dsn != NULL && !in->dsn_global;
}

static gboolean
rfc6533_match(const struct bounce_input *in)
{
	return in->dsn != NULL && in->dsn_global;
}

/* Challenge-response systems (Boxbe, SpamArrest, ...) dress their
 * "prove you are human" notice as a DSN: nothing failed. */
static const char *const challenges[] = {
	"not pre-approved", "challenge-response", "verify that you are",
	"verify you are", "confirm that you are a human", "awaiting your",
	"sender verification request", NULL
};

static gboolean
is_challenge(const struct bounce_input *in)
{
	int i;

	for (i = 0; challenges[i] != NULL; i++)
		if (bounce_strcasestr(in->dsn, in->dsn_len, challenges[i]))
			return TRUE;
	return FALSE;
}

static int
dsn_scan(const struct bounce_input *in, struct bounce_report *b)
{
	return is_challenge(in) ? 0 : bounce_read_input_dsn(in, b);
}

/* --- Plain-text fallback ----------------------------------------------- */

static const char *const daemon_senders[] = {
	"mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon",
	"postmaster", "mail delivery", "mail-delivery", "maildelivery",
	"microsoftexchange", "mdaemon", "mail administrator",
	"double-bounce", "mail.delivery", "mailer daemon", NULL
};

static const char *const failure_subjects[] = {
	"undeliver", "delivery status notification", "delivery failure",
	"delivery failed", "failure notice", "returned mail", "return mail",
	"mail delivery failed", "delivery notification", "non remis",
	"non-remis", "unzustellbar", "nicht zustellbar", "could not be deliver",
	"not delivered", "delivery problem", "delivery has failed",
	"nondeliverable", "non-deliverable", "non deliverable",
	"mail system error", "delivery error", "permanent error",
	"delayed mail", "mail could not", "failed delivery",
	"delivery report", "message not deliver", "warning: could not",
	"delivery notice", "unable to deliver", "mail failure",
	"bounced mail", "rejected:", "error sending",
	"onbestelbaar", "non recapitato", "mancato recapito",	/* round 3: nl, it */
	"delivery delayed",	/* round 3: "[Delay] Your message to a@b has been delayed" */
	NULL
};

/* What leads an address a sentence is about ("You sent mail to a@b.
 * That's not a valid user here."). */
static const char *const sent_to[] = {
	"mail to ", "message to ", "delivered to ", "deliver to ",
	"delivering to ", "delivery to ", "sent to ",
	"addressed to ",	/* issue 14, family 2: "addressed to 'a@b'" */
	NULL
};

/* Issue 14, family 2: vendor and localised notices label the failed
 * address ("Intended recipient: a@b", "Recipient address: a@b",
 * "Empf\xc3\xa4ngeradresse: a@b", ...). */
static const char *const rcpt_labels[] = {
	"recipient: ", "recipient address: ", "recipient address : ",
	"original-recipient: ", "intended recipient: ",
	"\xd0\xbf\xd0\xbe\xd0\xbb\xd1\x83\xd1\x87\xd0\xb0\xd1\x82\xd0\xb5"
	"\xd0\xbb\xd1\x8f: ",			/* ru "(адрес) получателя: " */
	"\xd0\xbf\xd0\xbe\xd0\xbb\xd1\x83\xd1\x87\xd0\xb0\xd1\x82\xd0\xb5"
	"\xd0\xbb\xd1\x8c: ",			/* ru "получатель: " */
	/* the same capitalised: ASCII case folding leaves Cyrillic alone */
	"\xd0\x9f\xd0\xbe\xd0\xbb\xd1\x83\xd1\x87\xd0\xb0\xd1\x82\xd0\xb5\xd0\xbb\xd1\x8c: ",		/* ru "Получатель: " */
	"\xd0\x9f\xd0\xbe\xd0\xbb\xd1\x83\xd1\x87\xd0\xb0\xd1\x82\xd0\xb5\xd0\xbb\xd1\x8f: ",		/* ru "Получателя: " */
	"empf\xc3\xa4nger: ", "empf\xc3\xa4ngeradresse: ",	/* de */
	"destinataire : ", "destinataire: ",			/* fr */
	"destinatario: ", "direcci\xc3\xb3n del destinatario: ",	/* es */
	"destinat\xc3\xa1rio: ",				/* pt */
	"\xe5\xae\x9b\xe5\x85\x88: ",			/* ja "宛先: " */
	"\xe6\x94\xb6\xe4\xbb\xb6\xe4\xba\xba: ",	/* zh "收件人: " */
	NULL
};

/* Issue 14, family 2: labels that open their line, the address after
 * them ("   Address:  a@b" then "   Problem:  550 ..."): generic words,
 * so only at the line's start. */
static const char *const line_labels[] = {
	"address:", "e-mail address:", "email address:", "addressee:",
	"rcpt:", NULL
};

/* [q, ab) is one of line_labels and white space. */
static gboolean
line_labelled(const char *q, const char *ab)
{
	gsize n, k;
	int i;

	while (ab > q && (ab[-1] == ' ' || ab[-1] == '\t' || ab[-1] == '<'))
		ab--;
	n = (gsize)(ab - q);
	for (i = 0; line_labels[i] != NULL; i++) {
		k = strlen(line_labels[i]);
		if (n == k && g_ascii_strncasecmp(q, line_labels[i], k) == 0)
			return TRUE;
	}
	return FALSE;
}

/* What an MTA says about a failure; one of these must be near the
 * address before the fallback calls it a recipient. */
static const char *const failure_words[] = {
	"unknown", "does not exist", "doesn't exist", "not exist", "no such",
	"rejected", "refused", "failed", "failure", "invalid", "full",
	"quota", "not found", "disabled", "denied", "blocked", "timed out",
	"timeout", "expired", "unreachable", "unrouteable", "unroutable",
	"unavailable", "could not", "couldn't", "cannot", "can't",
	"deferred", "too many", "spam", "not allowed", "inactive",
	"suspended", "error", "not accept", "undeliverable", "no mailbox",
	"not listed", "relay", "bad ", "exceeded", "giving up", "retry",
	"said:", "host ", "smtp", "delivery to", "not a valid", "no longer",
	"not been delivered", "not responding", "postponed",	/* family 8 */
	"has been delayed",	/* round 3: "[Delay] Your message to a@b has been delayed" */
	/* issue 14, family 2: the same in the languages we know words for */
	"\xd0\xbd\xd0\xb5 \xd1\x81\xd1\x83\xd1\x89\xd0\xb5\xd1\x81\xd1\x82"
	"\xd0\xb2\xd1\x83\xd0\xb5\xd1\x82",	/* ru "не существует" */
	"\xd0\xbd\xd0\xb5 \xd0\xb4\xd0\xbe\xd1\x81\xd1\x82\xd0\xb0\xd0\xb2"
	"\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xbe",	/* ru "не доставлено" */
	"unbekannt", "nicht zugestellt", "existiert nicht", "ist voll", /* de */
	"inconnu", "n'existe pas", "introuvable", " pleine",	/* fr */
	"no existe", "desconocido", "no se ha podido", " lleno",	/* es */
	"n\xc3\xa3o existe", "desconhecido", " cheia",		/* pt */
	"inesistente", "sconosciut", "non \xc3\xa8 stato recapitato",	/* it */
	"onbekend", "niet worden bezorgd", "niet bezorgd",	/* nl */
	"\xd0\xbf\xd0\xb5\xd1\x80\xd0\xb5\xd0\xbf\xd0\xbe\xd0\xbb\xd0\xbd"
	"\xd0\xb5\xd0\xbd",				/* ru "переполнен" */
	"\xd0\xbd\xd0\xb5 \xd0\xbd\xd0\xb0\xd0\xb9\xd0\xb4\xd0\xb5\xd0\xbd",	/* ru "не найден" */
	"\xe5\xad\x98\xe5\x9c\xa8\xe3\x81\x97\xe3\x81\xbe\xe3\x81\x9b"
	"\xe3\x82\x93",				/* ja "存在しません" */
	"\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8",	/* zh "不存在" */
	"\xe5\xa4\xb1\xe6\x95\x97",	/* ja "失敗" */
	"\xe3\x81\xa7\xe3\x81\x8d\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93",	/* ja "できません" */
	"\xe3\x81\x84\xe3\x81\xa3\xe3\x81\xb1\xe3\x81\x84",	/* ja "いっぱい" */
	"\xe4\xb8\x80\xe6\x9d\xaf",	/* ja "一杯" */
	"\xe5\xa4\xb1\xe8\xb4\xa5",	/* zh "失败" */
	"\xe6\x97\xa0\xe6\xb3\x95",	/* zh "无法" */
	"\xe5\xb7\xb2\xe6\xbb\xa1",	/* zh "已满" */
	NULL
};

static gboolean
null_from(const struct bounce_input *in)
{
	const char *v = bounce_header(in, "From");

	if (v == NULL)
		return FALSE;
	while (*v == ' ' || *v == '\t')
		v++;
	return *v == '\0' || strncmp(v, "<>", 2) == 0;
}

static gboolean
dsn_pasted(const struct bounce_input *in)
{
	return bounce_strcasestr(in->text, in->text_len,
	    "\nFinal-Recipient:") != NULL &&
	    (bounce_strcasestr(in->text, in->text_len, "\nStatus:") != NULL ||
	    bounce_strcasestr(in->text, in->text_len, "\nAction:") != NULL);
}

/* Issue 14: what a delivery notice itself says, sought in the text of a
 * message that only its subject calls one (the sender is a person or an
 * unknown address, no delivery-status part): a person who writes
 * "delivery failed again?" and quotes "bob@example.org: user unknown", or
 * a newsletter about parcels, sends no bounce. */
static const char *const notice_words[] = {
	"could not be delivered",
	"couldn't be delivered",
	"could not deliver",
	"unable to deliver",
	"undeliver",
	"not delivered",
	"cannot be delivered",
	"can't be delivered",
	"delivery failed",
	"delivery problem",
	"failed recipient",
	"failed address",
	"did not reach",
	"smtp error",
	"error code",
	"wasn't delivered",
	"failed permanently",
	"permanent error",
	"permanent fatal error",
	"delivery has failed",
	"delivery to the following",
	"following address",
	"following recipient",
	"returned to sender",
	"returning message to sender",
	"mail delivery software",
	"delivery status notification",
	"nicht zugestellt",	/* de */
	"pas pu \xc3\xaatre remis",	/* fr "pas pu être remis" */
	"no se ha podido entregar",	/* es */
	"non \xc3\xa8 stato recapitato",	/* round 3: it "non è stato recapitato" */
	"niet worden bezorgd",	/* round 3: nl */
	"n\xc3\xa3o foi poss\xc3\xadvel entregar",	/* pt "não foi possível entregar" */
	"\xd0\xbd\xd0\xb5 \xd0\xb4\xd0\xbe\xd1\x81\xd1\x82\xd0\xb0\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xbe",	/* ru "не доставлено" */
	"\xe9\x85\x8d\xe9\x80\x81\xe3\x81\xab\xe5\xa4\xb1\xe6\x95\x97",	/* ja "配送に失敗" */
	"\xe9\x85\x8d\xe9\x80\x81\xe3\x81\xa7\xe3\x81\x8d\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93",	/* ja "配送できません" */
	"\xe6\x97\xa0\xe6\xb3\x95\xe6\x8a\x95\xe9\x80\x92",	/* zh "无法投递" */
	"\xe6\x9c\xaa\xe8\x83\xbd\xe9\x80\x81\xe8\xbe\xbe",	/* zh "未能送达" */
	NULL
};

/* ... and it must be about mail: "the laptops could not be delivered to
 * the following users" is no notice of a mail system ("courriel" and
 * "e-mail" contain "mail"). */
static const char *const mail_words[] = {
	"message",
	"mail",
	"smtp",
	"nachricht",	/* de */
	"mensaje",	/* es */
	"mensagem",	/* pt */
	"messaggio",	/* it */
	"bericht",	/* nl */
	"\xd1\x81\xd0\xbe\xd0\xbe\xd0\xb1\xd1\x89\xd0\xb5\xd0\xbd\xd0\xb8",	/* ru "сообщени" */
	"\xd0\xbf\xd0\xb8\xd1\x81\xd1\x8c\xd0\xbc",	/* ru "письм" */
	"\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab",	/* ja "メール" */
	"\xe9\x82\xae\xe4\xbb\xb6",	/* zh "邮件" */
	NULL
};

static gboolean
said_any(const struct bounce_input *in, const char *const *words)
{
	gsize n = MIN(in->text_len, 4096);
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (bounce_strcasestr(in->text, n, words[i]) != NULL)
			return TRUE;
	return FALSE;
}

static gboolean
notice_said(const struct bounce_input *in)
{
	return said_any(in, notice_words) && said_any(in, mail_words);
}

static gboolean
bounce_like(const struct bounce_input *in)
{
	const char *s = in->subject;

	if (in->dsn != NULL && is_challenge(in))
		return FALSE;
	if (in->dsn != NULL || any_of(in->from, daemon_senders))
		return TRUE;
	/* "From: <>": the null sender only the mail system uses; or
	 * delivery-status fields opening lines of the text (a report whose
	 * headers were lost or pasted into a body). */
	if (null_from(in) || dsn_pasted(in))
		return TRUE;
	/* A reply about a bounce is a conversation; a forwarded bounce is
	 * still one. */
	if (starts(s, "re:") || starts(s, "aw:") || starts(s, "sv:"))
		return FALSE;
	/* Mail sent to a list's subscribers is no notice of ours (issue 14:
	 * ordinary mail never becomes a bounce). */
	if (bounce_header(in, "List-Unsubscribe") != NULL)
		return FALSE;
	return any_of(s, failure_subjects) && notice_said(in);
}

static gboolean
has_code(const char *s, gsize n)
{
	gsize i;

	for (i = 0; i + 3 <= n; i++) {
		if ((s[i] != '4' && s[i] != '5') || (i > 0 &&
		    (g_ascii_isalnum(s[i - 1]) || s[i - 1] == '.')))
			continue;
		if (g_ascii_isdigit(s[i + 1]) && g_ascii_isdigit(s[i + 2]) &&
		    (i + 3 == n || s[i + 3] == ' ' || s[i + 3] == '-'))
			return TRUE;
		if (s[i + 1] == '.' && g_ascii_isdigit(s[i + 2]))
			return TRUE;
	}
	return FALSE;
}

static gboolean
failure_said(const char *s, gsize n)
{
	gsize i;

	if (has_code(s, n))
		return TRUE;
	for (i = 0; failure_words[i] != NULL; i++)
		if (bounce_strcasestr(s, n, failure_words[i]) != NULL)
			return TRUE;
	return FALSE;
}

static gboolean
addr_char(char c)
{
	switch (c) {
	case '<': case '>': case '(': case ')': case '[': case ']':
	case ',': case ';': case ':': case '"': case '\'': case '\\':
	case 0x7f:
		return FALSE;
	}
	return (guchar)c > ' ';
}

#define LOCAL_MAX	128	/* RFC 5321 allows 64 */
#define DOMAIN_MAX	255

/* The next address in [p, end): *b and *e delimit it.  The scans around
 * each '@' are bounded, so a line of a million '@' stays linear. */
static gboolean
next_address(const char *p, const char *end, const char **b, const char **e)
{
	const char *at, *s, *t, *stop;

	while (p < end && (at = memchr(p, '@', (gsize)(end - p))) != NULL) {
		stop = at - p > LOCAL_MAX ? at - LOCAL_MAX : p;
		for (s = at; s > stop && addr_char(s[-1]); s--)
			;
		if (s == stop && s > p && addr_char(s[-1])) {
			p = at + 1;	/* too long to be a local part */
			continue;
		}
		stop = end - at > DOMAIN_MAX ? at + DOMAIN_MAX : end;
		for (t = at + 1; t < stop && addr_char(*t); t++)
			;
		while (t > at && (t[-1] == '.' || t[-1] == '>'))
			t--;
		if (s < at && t > at + 3 && memchr(at + 1, '.',
		    (gsize)(t - at - 1)) != NULL &&
		    memchr(at + 1, '@', (gsize)(t - at - 1)) == NULL) {
			*b = s;
			*e = t;
			return TRUE;
		}
		p = at + 1;
	}
	return FALSE;
}

/* Addresses that are never the failed recipient: the bounce's own
 * parties, and the mail system's. */
static gboolean
excluded(const char *addr, GPtrArray *skip)
{
	static const char *const roles[] = { "postmaster@", "mailer-daemon@",
	    "abuse@", "noreply@", "no-reply@", "root@", NULL };
	guint i;

	for (i = 0; roles[i] != NULL; i++)
		if (starts(addr, roles[i]))
			return TRUE;
	for (i = 0; i < skip->len; i++)
		if (g_ascii_strcasecmp(addr, g_ptr_array_index(skip, i)) == 0)
			return TRUE;
	return FALSE;
}

static void
skip_add(GPtrArray *skip, const char *header)
{
	char *a = bounce_address(header);

	if (a != NULL)
		g_ptr_array_add(skip, a);
}

/* The paragraph from line to the next blank line, bounded. */
static const char *
paragraph_end(const char *line, const char *end)
{
	const char *p = line, *nl;
	int lines = 0;

	while (p < end && lines++ < MAX_PARA_LINES &&
	    p - line < MAX_PARAGRAPH) {
		nl = memchr(p, '\n', (gsize)(end - p));
		if (nl == NULL)
			return end;
		p = nl + 1;
		if (p < end && (*p == '\n' || (*p == '\r' && p[1] == '\n')))
			return p;
	}
	return MIN(p, end);
}

/* Issue 14, family 2: a paragraph with a line opened by a label of the
 * reason ("Reason:", "Motivo:", "Grund:", "because:", ...) is about the
 * address above it; a label alone on its line names the next paragraph
 * ("because:", then the reason). */
static const char *const reason_labels[] = {
	"reason:", "reason :", "motivo:", "raison :", "raison:", "grund:",
	"because:", "problem:", "weil:", "parce que :", "parce que:",
	"porque:",
	"\xd0\xbf\xd1\x80\xd0\xb8\xd1\x87\xd0\xb8\xd0\xbd\xd0\xb0:",	/* ru */
	"\xd0\x9f\xd1\x80\xd0\xb8\xd1\x87\xd0\xb8\xd0\xbd\xd0\xb0:",	/* ru "Причина:" */
	"\xe5\x8e\x9f\xe5\x9b\xa0:",	/* ja, zh "原因:" */
	NULL
};

/* The label of the reason opening the line at p (spaces skipped), or
 * NULL; *after points past it. */
static const char *
reason_label_at(const char *p, const char *end, const char **after)
{
	gsize k;
	int i;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (i = 0; reason_labels[i] != NULL; i++) {
		k = strlen(reason_labels[i]);
		if ((gsize)(end - p) >= k &&
		    g_ascii_strncasecmp(p, reason_labels[i], k) == 0) {
			*after = p + k;
			return reason_labels[i];
		}
	}
	return NULL;
}

/* 1 when a line of [p, end) opens with a label of the reason, 2 when that
 * label stands alone on its line, 0 when none does. */
static int
reason_labelled(const char *p, const char *end)
{
	const char *nl, *after;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (gsize)(end - p));
		if (nl == NULL)
			nl = end;
		if (reason_label_at(p, nl, &after) == NULL)
			continue;
		while (after < nl && (*after == ' ' || *after == '\t' ||
		    *after == '\r'))
			after++;
		return after == nl ? 2 : 1;
	}
	return 0;
}

/* The paragraph of the address, and when it states no code, the next
 * ones up to the first that does ("There was an error delivering your
 * mail to <a@b>." then "mx said: 550 5.1.1 ..."), unless another
 * address leads one first. */
static const char *
diagnostic_end(const char *line, const char *end)
{
	const char *pend = paragraph_end(line, end), *next, *ab, *ae, *nl;
	int more;

	for (more = 0; more < 3 && !has_code(line, (gsize)(pend - line));
	    more++) {
		next = pend;
		while (next < end && (*next == '\n' || *next == '\r' ||
		    *next == ' '))
			next++;
		if (next >= end)
			break;
		nl = memchr(next, '\n', (gsize)(end - next));
		if (nl == NULL)
			nl = end;
		if (next_address(next, nl, &ab, &ae) && strspn(next,
		    " \t<\"'*-") >= (gsize)(ab - next))
			break;
		nl = paragraph_end(next, end);
		if (has_code(next, (gsize)(nl - next)))
			return nl;
		switch (reason_labelled(next, nl)) {
		case 2:		/* "because:" alone: and the next paragraph */
			while (nl < end && (*nl == '\n' || *nl == '\r' ||
			    *nl == ' '))
				nl++;
			return nl < end ? paragraph_end(nl, end) : nl;
		case 1:
			return nl;
		}
		/* a sentence around the address goes on in lower case ("Your
		 * message to", the address, "has not been delivered yet") */
		if (g_ascii_islower(*next))
			return nl;
	}
	return pend;
}

static gboolean
is_message_id_line(const char *line, const char *at)
{
	return bounce_strcasestr(line, (gsize)(at - line), "message-id") !=
	    NULL || bounce_strcasestr(line, (gsize)(at - line), "msgid") != NULL;
}

/* [line, ab) ends with one of words, an '<' or '"' before ab aside. */
static gboolean
ends_with_any(const char *line, const char *ab, const char *const *words)
{
	gsize n, k;

	while (ab > line && (ab[-1] == '<' || ab[-1] == '"' ||
	    ab[-1] == '\''))
		ab--;
	n = (gsize)(ab - line);
	for (; *words != NULL; words++) {
		k = strlen(*words);
		if (n >= k && g_ascii_strncasecmp(ab - k, *words, k) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Exchange and X.400 gateways lead an address with its type ("'SMTP:a@b'
 * on ...", "dda:SMTP=a@b"): issue 14, family 7.  The address still leads
 * its line. */
static const char *
past_gateway(const char *q, const char *ab)
{
	static const char *const leads[] = {
		/* round 3: X.400 RFC 1327 "dda:RFC-822=a@b" */
		"dda:smtp=", "dda:rfc-822=", "dda:rfc822=", "dda:",
		"rfc-822=", "smtp:", "smtp=", NULL
	};
	gsize k;
	int i;

	for (i = 0; leads[i] != NULL; i++) {
		k = strlen(leads[i]);
		if ((gsize)(ab - q) >= k &&
		    g_ascii_strncasecmp(q, leads[i], k) == 0)
			q += k;
	}
	return q;
}

/* Headings of a list of bare addresses (issue 14, families 1 and 8):
 * legacy Exchange / Outlook plain-text NDRs and delay notices name the
 * failure once, above the list ("Delivery to the following recipients
 * failed.", "The following recipient(s) cannot be reached:", "Delivery
 * to the following recipients has been delayed.", "Your message did not
 * reach some or all of the intended recipients."), in the languages
 * Exchange localises them into. */
static const char *const list_headings[] = {
	"following recipient",			/* en */
	"intended recipient",
	/* issue 14, family 2: one-off vendors' and old MTAs' headings */
	"following user", "failed recipient", "failed addresses",
	/* round 3: Exchange 2010+ text "Delivery is delayed to these
	 * recipients or groups:" (and "has failed to these ...") */
	"these recipients or groups",
	"could not be delivered to:", "was not delivered to:",
	"did not reach the following", "not receive a copy of your message",
	"nicht zugestellt an",			/* de (Domino: "... an:") */
	"pas \xc3\xa9t\xc3\xa9 remis",			/* fr "pas été remis" */
	"folgende empf\xc3\xa4nger",			/* de */
	"folgenden empf\xc3\xa4nger",
	"destinataires suivants",		/* fr */
	"siguientes destinatarios",		/* es */
	"seguintes destinat\xc3\xa1rios",		/* pt */
	"ao destinat\xc3\xa1rio",
	"al destinatario",			/* es */
	"seguenti destinatari",		/* round 3: it */
	"volgende geadresseerden", "volgende ontvangers",	/* round 3: nl */
	"au destinataire",			/* fr */
	"an den empf\xc3\xa4nger",			/* de */
	NULL
};

#define HEADING_BACK	400	/* bytes above a list its heading may be */

/* The text above line, in the same list, is headed by list_headings. */
static const char *
list_heading(const char *start, const char *line)
{
	const char *from = line - start > HEADING_BACK ?
	    line - HEADING_BACK : start, *h;
	int i;

	for (i = 0; list_headings[i] != NULL; i++)
		if ((h = bounce_strcasestr(from, (gsize)(line - from),
		    list_headings[i])) != NULL)
			return h;
	return NULL;
}

static gboolean
list_headed(const char *start, const char *line)
{
	return list_heading(start, line) != NULL;
}

#define INTRO_BACK	1024	/* bytes of the text above a heading */

/* [p, end) opens with one of words, ASCII case ignored. */
static gboolean
any_prefix(const char *p, const char *end, const char *const *words)
{
	gsize k;

	for (; *words != NULL; words++) {
		k = strlen(*words);
		if ((gsize)(end - p) >= k &&
		    g_ascii_strncasecmp(p, *words, k) == 0)
			return TRUE;
	}
	return FALSE;
}

/*
 * Issue 14, family 2: Netscape/iPlanet and other old servers state the
 * reason once, above the list ("This Message was undeliverable due to
 * the following reason: ... not reachable within the allowed queue
 * period ... The following recipients did not receive this message:").
 * A listed address whose own paragraph says nothing gets that text,
 * from the start of the notice (at most INTRO_BACK bytes) to the
 * heading, before its paragraph.
 */
static const char *const subject_labels[] = {
	"subject:", "betreff:", "objet", "asunto:", "assunto:", "oggetto:",
	NULL
};

static char *
with_intro(const char *start, const char *line, const char *pend)
{
	const char *h = list_heading(start, line), *p, *nl, *q, *hend;
	GString *s;
	char *out;

	if (h == NULL)
		return bounce_field(line, pend - line);
	/* Round 3: the heading's sentence to its paragraph's end, as the
	 * cause often follows the heading words ("Unable to deliver message
	 * to the following recipients, due to being unable to connect ...",
	 * "... could not be delivered because they are not accepting mail
	 * from ...", "... was aborted after 2 day(s):"). */
	hend = paragraph_end(h, line);
	/* ... but not into the list: another address's line and what it
	 * says are not this one's */
	for (p = memchr(h, '\n', (gsize)(hend - h)); p != NULL && p + 1 < hend;
	    p = memchr(p + 1, '\n', (gsize)(hend - p - 1))) {
		nl = memchr(p + 1, '\n', (gsize)(hend - p - 1));
		if (memchr(p + 1, '@', (gsize)((nl != NULL ? nl : hend) -
		    p - 1)) != NULL) {
			hend = p + 1;
			break;
		}
	}
	s = g_string_new(NULL);
	/* the returned message's subject says nothing about the failure */
	for (p = h - start > INTRO_BACK ? h - INTRO_BACK : start; p < hend;
	    p = nl + 1) {
		if ((nl = memchr(p, '\n', (gsize)(hend - p))) == NULL)
			nl = hend;
		for (q = p; q < nl && (*q == ' ' || *q == '\t'); q++)
			;
		if (!any_prefix(q, nl, subject_labels))
			g_string_append_len(s, p, nl - p + (nl < hend));
	}
	g_string_append_c(s, ' ');
	g_string_append_len(s, line, pend - line);
	out = bounce_field(s->str, (gssize)s->len);
	g_string_free(s, TRUE);
	return out;
}

#define REPEAT_LOOKUPS	16	/* recipients a repeated address is sought in */

/*
 * Exchange 2007 and later (issue 14, family 1) name each recipient twice:
 * with the sentence for the user, then under "Diagnostic information for
 * administrators" with the code ("#550 5.1.1 RESOLVER.ADR.RecipNotFound").
 * A later paragraph led by a known address adds its words to that
 * recipient's diagnostic when the first one stated no code.
 */
static void
more_diagnostic(struct bounce_report *b, const char *addr, const char *line,
    const char *end)
{
	struct bounce_recipient *r;
	const char *pend;
	char *more, *both;
	guint i;

	for (i = 0; i < b->recipients->len && i < REPEAT_LOOKUPS; i++) {
		r = g_ptr_array_index(b->recipients, i);
		if (r->recipient == NULL || strcmp(r->recipient, addr) != 0)
			continue;
		if (r->diagnostic_code != NULL && has_code(r->diagnostic_code,
		    strlen(r->diagnostic_code)))
			return;
		pend = paragraph_end(line, end);
		if (!has_code(line, (gsize)(pend - line)) ||
		    (more = bounce_field(line, pend - line)) == NULL)
			return;
		both = g_strconcat(r->diagnostic_code ? r->diagnostic_code :
		    "", r->diagnostic_code ? " " : "", more, NULL);
		g_free(more);
		g_free(r->diagnostic_code);
		r->diagnostic_code = bounce_field(both, -1);
		g_free(both);
		return;
	}
}

/*
 * The address at [ab, ae) on line [line, nl) is a recipient when it leads
 * its line ("<a@b>: ...", "a@b", "  a@b (reason)") or ends a sentence
 * about a failure ("User's mailbox is full: <a@b>"), is no party of the
 * bounce itself, is new, and its paragraph says what failed, or, leading
 * its line, it is in a list a heading names as failed (list_headed).
 */
static gboolean
lead_address(struct bounce_report *b,
    GPtrArray *skip, GHashTable *seen, const char *start, const char *line,
    const char *ab, const char *ae, const char *end)
{
	const char *q = line, *pend;
	struct bounce_recipient *r;
	char *tmp, *addr;
	gboolean said;

	while (q < ab && (*q == ' ' || *q == '\t'))
		q++;
	/* '"Name" <a@b>' opening the line leads it too (family 2) */
	if (q < ab && *q == '"') {
		const char *cq = memchr(q + 1, '"', (gsize)(ab - q - 1));

		if (cq != NULL && strspn(cq + 1, " \t<") == (gsize)(ab - cq - 1))
			q = ab;
	}
	while (q < ab && (*q == ' ' || *q == '\t' || *q == '<' || *q == '"' ||
	    *q == '\'' || *q == '*' || *q == '-'))
		q++;
	q = past_gateway(q, ab);
	if (q != ab && !failure_said(line, (gsize)(ab - line)) &&
	    !ends_with_any(line, ab, sent_to) &&
	    !ends_with_any(line, ab, rcpt_labels) && !line_labelled(q, ab))
		return FALSE;
	tmp = g_strndup(ab, (gsize)(ae - ab));
	addr = bounce_address(tmp);
	g_free(tmp);
	if (addr != NULL && q == ab && g_hash_table_contains(seen, addr))
		more_diagnostic(b, addr, line, end);
	if (addr == NULL || excluded(addr, skip) ||
	    g_hash_table_contains(seen, addr)) {
		g_free(addr);
		return FALSE;
	}
	pend = diagnostic_end(line, end);
	said = failure_said(line, (gsize)(pend - line));
	if ((!said && !(q == ab && list_headed(start, line))) ||
	    (r = bounce_add_recipient(b)) == NULL) {
		g_free(addr);
		return FALSE;
	}
	r->recipient = g_strdup(addr);
	r->diagnostic_code = said ? bounce_field(line, pend - line) :
	    with_intro(start, line, pend);
	g_hash_table_add(seen, addr);
	return TRUE;
}

static int
text_recipients(const struct bounce_input *in, struct bounce_report *b,
    const char *t, const char *end)
{
	GPtrArray *skip = g_ptr_array_new_with_free_func(g_free);
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, NULL);
	const char *line, *nl, *ab, *ae;
	char *orig_from;
	int added = 0;

	skip_add(skip, in->from);
	skip_add(skip, bounce_header(in, "To"));
	skip_add(skip, bounce_header(in, "Return-Path"));
	orig_from = bounce_original_header(in, "From");
	skip_add(skip, orig_from);
	g_free(orig_from);
	for (line = t; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (gsize)(end - line));
		if (nl == NULL)
			nl = end;
		if (!next_address(line, nl, &ab, &ae) ||
		    is_message_id_line(line, ab))
			continue;
		if (lead_address(b, skip, seen, t, line, ab, ae, end))
			added++;
	}
	g_hash_table_destroy(seen);
	g_ptr_array_free(skip, TRUE);
	return added;
}

/*
 * Issue 14, family 1: legacy Exchange and Outlook NDRs may name the
 * recipient by display name only ("'Nils Berg' on 14.03.2023 10:00"
 * under "The following recipient(s) cannot be reached:").  When the
 * text names no address but has such a heading, and the attached
 * original was to one address (and no list's post, whose To is the
 * list), that address is the recipient; the text from the heading on is
 * its diagnostic.
 */
static int
named_recipient(const struct bounce_input *in, struct bounce_report *b,
    const char *t, const char *end)
{
	struct bounce_recipient *r;
	const char *h = NULL, *ab, *ae;
	char *to, *addr;
	int i;

	for (i = 0; list_headings[i] != NULL && h == NULL; i++)
		h = bounce_strcasestr(t, (gsize)(end - t), list_headings[i]);
	/* Round 3: a notice from a mail system that names nobody at all
	 * ("Your message could not be delivered. Reason: ...") and returns
	 * the message is about the message's one To; its whole text is the
	 * diagnostic.  A person's message is never read so (null or
	 * mail-system sender, and the text must say it is a notice). */
	if (h == NULL && (in->original != NULL || in->original_text != NULL) &&
	    notice_said(in) &&
	    (null_from(in) || any_of(in->from, daemon_senders)))
		h = t;
	if (h == NULL || (to = bounce_original_header(in, "To")) == NULL)
		return 0;
	/* a list's post: its To is the list, not the subscriber (family 7) */
	if ((addr = bounce_original_header(in, "List-Id")) != NULL ||
	    (addr = bounce_original_header(in, "List-Post")) != NULL) {
		g_free(addr);
		g_free(to);
		return 0;
	}
	/* exactly one address: more would leave whom it failed for open */
	if (!next_address(to, to + strlen(to), &ab, &ae) ||
	    next_address(ae, to + strlen(to), &ab, &ae) ||
	    (addr = bounce_address(to)) == NULL) {
		g_free(to);
		return 0;
	}
	g_free(to);
	if ((r = bounce_add_recipient(b)) == NULL) {
		g_free(addr);
		return 0;
	}
	while (h > t && h[-1] != '\n')
		h--;
	r->recipient = addr;
	r->diagnostic_code = bounce_field(h, MIN(end - h, MAX_PARAGRAPH));
	return 1;
}

static gboolean
fallback_match(const struct bounce_input *in)
{
	return in->text_len > 0 && bounce_like(in);
}

static int
fallback_scan(const struct bounce_input *in, struct bounce_report *b)
{
	const char *t = in->text;
	const char *end = in->original_text != NULL ? in->original_text :
	    t + in->text_len;
	int n;

	/* Delivery-status fields pasted into the text. */
	if (bounce_strcasestr(t, (gsize)(end - t), "final-recipient:") ||
	    bounce_strcasestr(t, (gsize)(end - t), "original-recipient:")) {
		n = bounce_read_dsn(t, (gsize)(end - t), b);
		if (n > 0)
			return n;
	}
	if ((n = text_recipients(in, b, t, end)) > 0)
		return n;
	return named_recipient(in, b, t, end);
}

/* --- RFC 3834 auto-replies --------------------------------------------- */

static const char *const autoreply_subjects[] = {
	"auto:", "auto response:", "automatic reply:", "out of office:",
	"out of the office:", "autoreply:", "auto-reply:", "auto reply:",
	"automatische antwort:", "réponse automatique:", "autosvar:",
	"respuesta automática:", "risposta automatica:", NULL
};

/* Words of an out-of-office note, in the first part of its text. */
static const char *const absence_words[] = {
	"out of the office", "out of office", "on vacation", "on holiday",
	"on leave", "away from the office", "away from my desk",
	"i am away", "i'm away", "abwesend", "absent", "en congés",
	"vacances", "urlaub", "vacaciones", "ferie", NULL
};

static gboolean
absence_note(const struct bounce_input *in)
{
	char *head = g_strndup(in->text, MIN(in->text_len, 1024));
	gboolean yes = any_of(head, absence_words) ||
	    any_of(in->subject, absence_words);

	g_free(head);
	return yes;
}

static gboolean
autoreply_match(const struct bounce_input *in)
{
	const char *v;
	char *to;

	/* Security notices of sudo, Exim's bounces, the mail system, and
	 * machine-made reports that say "auto-replied" too (DMARC failure
	 * reports without an ARF part). */
	if (has(in->subject, "security information for") ||
	    has(in->subject, "mail failure -") ||
	    has(in->subject, "dmarc") || has(in->subject, "forensic report") ||
	    has(in->subject, "failure report") ||
	    has(in->subject, "report domain:") ||
	    has(in->from, "root@") || has(in->from, "postmaster@") ||
	    has(in->from, "mailer-daemon@"))
		return FALSE;
	to = bounce_field(bounce_header(in, "To"), -1);
	if (has(to, "root@")) {
		g_free(to);
		return FALSE;
	}
	g_free(to);
	/* RFC 3834: "auto-replied" answers a message; "auto-generated"
	 * (calendar invitations, ticket notices, digests) and
	 * "auto-notified" do not, unless the text is an absence note. */
	if ((v = bounce_header(in, "Auto-Submitted")) != NULL &&
	    (has(v, "auto-replied") || ((has(v, "auto-generated") ||
	    has(v, "auto-notified")) && absence_note(in))))
		return TRUE;
	if ((v = bounce_header(in, "X-Auto-Response-Suppress")) != NULL &&
	    (has(v, "oof") || has(v, "autoreply")))
		return TRUE;
	if ((v = bounce_header(in, "X-Apple-Action")) != NULL &&
	    has(v, "vacation"))
		return TRUE;
	if ((v = bounce_header(in, "Precedence")) != NULL &&
	    has(v, "auto_reply"))
		return TRUE;
	if ((v = bounce_header(in, "X-Autoreply")) != NULL &&
	    g_ascii_strncasecmp(v, "no", 2) != 0)
		return TRUE;
	if (bounce_header(in, "X-Autorespond") != NULL)
		return TRUE;
	for (int i = 0; autoreply_subjects[i] != NULL; i++)
		if (starts(in->subject, autoreply_subjects[i]))
			return TRUE;
	return FALSE;
}

/* The first lines of the reply (at most five with a space in them), else
 * the subject: what the person says about being away. */
static char *
autoreply_text(const struct bounce_input *in)
{
	const char *p = in->text, *end = p + in->text_len, *nl, *start = NULL;
	int lines = 0, blanks = 0;

	for (; p < end && lines < 5; p = nl + 1) {
		nl = memchr(p, '\n', (gsize)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl == p) {
			if (start != NULL && ++blanks > 1)
				break;
			continue;
		}
		if (memchr(p, ' ', (gsize)(nl - p)) == NULL)
			continue;
		if (start == NULL)
			start = p;
		lines++;
		if (nl == end)
			break;
	}
	if (start != NULL)
		return bounce_field(start, MIN(p, end) - start);
	return bounce_field(in->subject, -1);
}

static int
autoreply_scan(const struct bounce_input *in, struct bounce_report *b)
{
	struct bounce_recipient *r;
	char *addr = bounce_address(in->from);

	if (addr == NULL)
		addr = bounce_address(bounce_header(in, "Return-Path"));
	if (addr == NULL || (r = bounce_add_recipient(b)) == NULL) {
		g_free(addr);
		return 0;
	}
	r->recipient = addr;
	r->mta_reason = g_strdup("vacation");
	r->diagnostic_code = autoreply_text(in);
	b->kind = BOUNCE_KIND_AUTOREPLY;
	return 1;
}

/*
 * The generic recognizers, tried after every MTA's and provider's own.
 * "text" covers (issue 14): an address leading its line or ending a
 * sentence about a failure; a bare list under a heading (legacy Exchange
 * and Outlook "Delivery to the following recipients failed.", "The
 * following recipient(s) cannot be reached:", their delay form, and the
 * de/fr/es/pt headings; family 1); a "SMTP:" / "dda:SMTP=" typed address
 * (family 7); a labelled one ("Intended recipient:", "Recipient
 * address:", localised labels) with a "Reason:" paragraph below (family
 * 2); Exchange 2007+'s second naming of the recipient with the code
 * (family 1); delivery-status fields pasted into the text; a recipient
 * named by display name only, then the attached original's one To
 * address (family 1); an address after a label opening its line
 * ("Address:", family 2); round 3: Exchange 2010+'s "... to these
 * recipients or groups:" lists, Italian and Dutch headings, a heading's
 * whole paragraph as the reason above a list, and a mail-system notice
 * naming nobody about the returned message's one To (family 13 of the
 * fixtures).  It reads only what bounce_like calls a notice:
 * a delivery-status part, a mail-system or the null sender, or a failure
 * subject whose text says so too (no List-Unsubscribe, no reply).
 */
const struct bounce_mta bounce_mtas_generic[] = {
	{ "arf", arf_match, arf_scan },
	{ "rfc3464", rfc3464_match, dsn_scan },
	{ "rfc6533", rfc6533_match, dsn_scan },
	{ "text", fallback_match, fallback_scan },
	{ "rfc3834", autoreply_match, autoreply_scan },
	{ NULL, NULL, NULL },
};
