/* bounce_auth.c - the receiver's SPF / DKIM / DMARC verdicts, typed.
 *
 * Usage: bounce_auth_extract(rcpt) after bounce_classify; it fills
 * rcpt->auth (sending_ip, domain, spf, dkim, dmarc) from what the
 * diagnostic text says, and leaves NULL what it does not say:
 *
 *	"550-5.7.26 ... SPF [example.com] with ip: [198.51.100.25] = did not
 *	 pass ... DKIM [example.com] = did not pass"	(Gmail)
 *	"550 5.7.509 Access denied, sending domain [EXAMPLE.COM] does not
 *	 pass DMARC verification"			(Microsoft)
 *	"451 4.7.650 The mail server [198.51.100.25] has been temporarily
 *	 rate limited due to IP reputation"		(Microsoft)
 *	"421 4.7.0 [TSS04] Messages from 198.51.100.25 temporarily
 *	 deferred"					(Yahoo)
 *	"Spf= Fail , Dkim= Pass , DMARC= Pass", "dkim=fail (...)"
 *
 * Nothing is guessed: an IP is taken only where the text names it as the
 * sender's ("with ip:", "Messages from", "sending IP", Gmail's "[IP]" after
 * the status code, ...), never the receiving host's "host mx[IP] said";
 * it must parse as IPv4 or IPv6 (inet_pton) and is stored in canonical
 * form.  A domain must look like one.  Verdicts are the words of RFC 8601
 * (pass, fail, softfail, neutral, none, temperror, permerror), from
 * "mech=word" pairs first, then from the tables below, first match wins.
 * The phrases are matched with the classifier's scanner
 * (bounce_reason_match.c): one pass over the text.
 */
#include <arpa/inet.h>
#include <string.h>

#include "bounce_reason_internal.h"

enum mech { SPF, DKIM, DMARC, NMECH };

static const char *const mech_names[NMECH] = { "spf", "dkim", "dmarc" };

struct verdict_rule {
	enum mech mech;
	const char *verdict;
	struct br_phrase phrase;
};

#define V(mech, verdict, text)	{ mech, verdict, { text, 0 } }

/* In order: the first rule that holds for a mechanism decides it. */
static struct verdict_rule verdicts[] = {
	V(SPF, "fail", "spf * = did not pass"),
	V(SPF, "fail", "spf check for * did not pass"),
	V(SPF, "fail", "spf = did not pass"),
	V(SPF, "fail", "fails to pass spf checks"),
	V(SPF, "fail", "has an spf record with a hard fail policy"),
	V(SPF, "fail", "spf authentication didn't pass"),
	V(SPF, "fail", "spf check failed"),
	V(SPF, "fail", "spf validation failed"),
	V(SPF, "fail", "sender policy framework violation"),
	V(SPF, "fail", "sender policy framework (spf) fail"),
	V(SPF, "fail", "spf (sender policy framework) domain authentication fail"),
	V(SPF, "fail", "spf sender invalid"),
	V(SPF, "fail", "failing both spf and dkim"),
	V(SPF, "fail", "spf: * is not allowed to send mail"),
	V(SPF, "fail", "per it's spf record"),
	V(SPF, "fail", "not authorized by the spf"),
	V(SPF, "fail", "does not designate * as permitted sender"),
	V(SPF, "fail", "failed spf"),
	V(SPF, "softfail", "spf softfail"),
	V(SPF, "fail", "spf hardfail"),
	V(SPF, "fail", "spf fail"),
	V(DKIM, "fail", "dkim * = did not pass"),
	V(DKIM, "fail", "dkim checks did not pass"),
	V(DKIM, "fail", "dkim = did not pass"),
	V(DKIM, "fail", "dkim authentication didn't pass"),
	V(DKIM, "fail", "dkim does not pass"),
	V(DKIM, "fail", "dkim signature * fail"),
	V(DKIM, "fail", "dkim verification fail"),
	V(DKIM, "fail", "dkim check fail"),
	V(DKIM, "fail", "dkim sender invalid"),
	V(DKIM, "fail", "failing both spf and dkim"),
	V(DKIM, "fail", "no passing dkim signature"),
	V(DKIM, "fail", "failed dkim"),
	V(DKIM, "none", "this message is not signed"),
	V(DKIM, "none", "no dkim signature"),
	V(DMARC, "temperror", "temporary dns failures prevent authentication"),
	V(DMARC, "none", "doesn't have a dmarc record"),
	V(DMARC, "none", "does not have a dmarc record"),
	V(DMARC, "fail", "does not pass dmarc"),
	V(DMARC, "fail", "dmarc check failed"),
	V(DMARC, "fail", "dmarc verification fail"),
	V(DMARC, "fail", "verification dmarc en echec"),
	V(DMARC, "fail", "dmarc sender invalid"),
	V(DMARC, "fail", "dmarc domain authentication fail"),
	V(DMARC, "fail", "violates the dmarc policy"),
	V(DMARC, "fail", "failed dmarc"),
	V(DMARC, "fail", "dmarc policy"),
	{ NMECH, NULL, { NULL, 0 } }
};

/* Where the text names the sender's IP (after these words) ... */
static struct br_phrase ip_after[] = {
	{ "with ip: ", 0 }, { "with the ip: ", 0 }, { "with ip ", 0 },
	{ "sending this message ", 0 },
	{ "mail server [", 0 }, { "sending ip [", 0 }, { "sending ip ", 0 },
	{ "sending ip address ", 0 }, { "sending ipv6 address [", 0 },
	{ "sent over ipv6 [", 0 }, { "client host [", 0 },
	{ "client [", 0 }, { "messages from ", 0 },
	{ "will not be accepted from ", 0 },
	{ "connections not accepted from ", 0 }, { "from ip address ", 0 },
	{ "from ip ", 0 }, { "your ip address ", 0 }, { "your ip ", 0 },
	{ "ip address ", 0 }, { "blocked ip ", 0 }, { "sender ip ", 0 },
	{ "source ip ", 0 }, { "fix reverse dns for ", 0 },
	{ "hostname, [", 0 }, { "said: [", 0 }, { "?ip=", 0 }, { "&ip=", 0 },
	{ " ip=", 0 }, { "i=ip&v=", 0 }, { " ip ", 0 }, { NULL, 0 }
};

/* ... or before these. */
static struct br_phrase ip_before[] = {
	{ " has sent to too many recipients", 0 },
	{ " comcast requires", 0 }, { " is listed", 0 },
	{ " is in a black list", 0 }, { " listed at ", 0 },
	{ " found on one or more dnsbls", 0 }, { " >_is_blocked", 0 },
	{ NULL, 0 }
};

/* Where the text names the domain that was checked. */
static struct br_phrase domain_after[] = {
	{ "unauthenticated email from ", 0 }, { "sending domain [", 0 },
	{ "sending domain ", 0 }, { "the mail from domain [", 0 },
	{ "due to domain (", 0 }, { "dmarc policy for ", 0 },
	{ "dmarc policy of ", 0 }, { "spf check for [", 0 },
	{ "spf check failed for ", 0 }, { "spf: ", 0 }, { "spf [", 0 },
	{ "dkim [", 0 },
	{ NULL, 0 }
};
static struct br_phrase domain_before[] = {
	{ "'s dmarc policy", 0 }, { NULL, 0 }
};

void
br_auth_compile(void)
{
	struct verdict_rule *v;

	for (v = verdicts; v->verdict != NULL; v++)
		br_compile_phrase(&v->phrase);
	br_compile_list(ip_after);
	br_compile_list(ip_before);
	br_compile_list(domain_after);
	br_compile_list(domain_before);
}

static void
set(char **field, char *value)
{
	g_free(*field);
	*field = value;
}

/* ---- IP addresses ---------------------------------------------------- */

static gboolean
ip_char(char c)
{
	return g_ascii_isxdigit(c) || c == '.' || c == ':';
}

/* The canonical text of the address at s ("[2001:DB8::1]", "[IPv6:..]",
 * "192.0.2.1:25", "192.0.2.1." are read too), or NULL. */
static char *
ip_at(const char *s)
{
	char tok[64], buf[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	size_t n = 0;

	while (*s == ' ' || *s == '[' || *s == '(' || *s == '<')
		s++;
	if (g_ascii_strncasecmp(s, "ipv6:", 5) == 0)
		s += 5;
	while (ip_char(s[n]) && n < sizeof(tok) - 1) {
		tok[n] = s[n];
		n++;
	}
	while (n > 0 && (tok[n - 1] == '.' || tok[n - 1] == ':'))
		n--;
	tok[n] = '\0';
	if (strchr(tok, '.') != NULL) {
		char *colon = strchr(tok, ':');

		if (colon != NULL && strchr(colon, '.') == NULL)
			*colon = '\0';	/* IPv4 and a port */
		if (inet_pton(AF_INET, tok, bin) == 1 &&
		    inet_ntop(AF_INET, bin, buf, sizeof(buf)) != NULL)
			return g_strdup(buf);
	}
	if (strchr(tok, ':') != NULL && inet_pton(AF_INET6, tok, bin) == 1 &&
	    inet_ntop(AF_INET6, bin, buf, sizeof(buf)) != NULL)
		return g_strdup(buf);
	return NULL;
}

/* The address that ends right before s ("198.51.100.25 has sent"). */
static char *
ip_ending_at(const char *text, const char *s)
{
	const char *b = s;

	while (b > text && (b[-1] == ']' || b[-1] == ')'))
		b--;
	while (b > text && ip_char(b[-1]))
		b--;
	if (b < s && (*b == '[' || *b == '('))
		b++;
	return b < s ? ip_at(b) : NULL;
}

/* Gmail and others put the sender's IP in brackets after the status
 * code: "550-5.7.1 [198.51.100.25      12] Our system ...". */
static char *
ip_after_status(const char *low)
{
	const char *s;

	for (s = low; (s = strstr(s, " [")) != NULL; s++) {
		const char *b = s;
		int dots = 0;

		while (b > low && (g_ascii_isdigit(b[-1]) || b[-1] == '.')) {
			dots += b[-1] == '.';
			b--;
		}
		if (dots == 2 && b < s && (b[0] == '2' || b[0] == '4' ||
		    b[0] == '5') && b[1] == '.') {
			char *ip = ip_at(s + 2);

			if (ip != NULL)
				return ip;
		}
	}
	return NULL;
}

static char *
find_ip(const struct br_text *t)
{
	const struct br_phrase *p;
	char *ip;

	if ((ip = ip_after_status(t->low)) != NULL)
		return ip;
	if (strncmp(t->low, " [", 2) == 0 && (ip = ip_at(t->low + 2)) != NULL)
		return ip;
	for (p = ip_after; p->text != NULL; p++) {
		const char *at;

		if (!br_has(t, p))
			continue;
		for (at = t->low; (at = strstr(at, p->text)) != NULL; at++)
			if ((ip = ip_at(at + strlen(p->text))) != NULL)
				return ip;
	}
	for (p = ip_before; p->text != NULL; p++) {
		const char *at;

		if (br_has(t, p) && (at = strstr(t->low, p->text)) != NULL &&
		    (ip = ip_ending_at(t->low, at)) != NULL)
			return ip;
	}
	return NULL;
}

/* ---- domains ---------------------------------------------------------- */

static gboolean
domain_char(char c)
{
	return g_ascii_isalnum(c) || c == '.' || c == '-' || c == '_';
}

/* A host name of two labels or more, not an address literal. */
static char *
domain_of(const char *s, size_t n)
{
	char *d;
	size_t i;

	while (n > 0 && s[n - 1] == '.')
		n--;
	if (n < 3 || n > 253 || s[0] == '.' || s[0] == '-')
		return NULL;
	d = g_ascii_strdown(s, (gssize)n);
	if (strchr(d, '.') == NULL || strstr(d, "..") != NULL ||
	    strspn(d, "0123456789.") == n) {
		g_free(d);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (!domain_char(d[i])) {
			g_free(d);
			return NULL;
		}
	return d;
}

static char *
find_domain(const struct br_text *t)
{
	const struct br_phrase *p;
	char *d;

	for (p = domain_after; p->text != NULL; p++) {
		const char *at;
		size_t n;

		if (!br_has(t, p) || (at = strstr(t->low, p->text)) == NULL)
			continue;
		at += strlen(p->text);
		while (*at == '[' || *at == '(' || *at == '<' || *at == ' ')
			at++;
		for (n = 0; domain_char(at[n]); n++)
			;
		if ((d = domain_of(at, n)) != NULL)
			return d;
	}
	for (p = domain_before; p->text != NULL; p++) {
		const char *at, *b;

		if (!br_has(t, p) || (at = strstr(t->low, p->text)) == NULL)
			continue;
		for (b = at; b > t->low && domain_char(b[-1]); b--)
			;
		if ((d = domain_of(b, (size_t)(at - b))) != NULL)
			return d;
	}
	return NULL;
}

/* ---- verdicts --------------------------------------------------------- */

static const char *
result_word(const char *s)
{
	static const struct {
		const char *word, *result;
	} words[] = {
		{ "pass", "pass" }, { "fail", "fail" },
		{ "hardfail", "fail" }, { "softfail", "softfail" },
		{ "neutral", "neutral" }, { "none", "none" },
		{ "temperror", "temperror" }, { "permerror", "permerror" },
		{ "policy", NULL }, { NULL, NULL }
	};
	size_t n;
	int i;

	while (*s == ' ')
		s++;
	for (n = 0; g_ascii_isalpha(s[n]); n++)
		;
	for (i = 0; words[i].word != NULL; i++)
		if (strlen(words[i].word) == n &&
		    strncmp(s, words[i].word, n) == 0)
			return words[i].result;
	return NULL;
}

/* "spf=pass", "Dkim= Fail", "dmarc = none": the first one of each. */
static void
kv_verdicts(const char *low, const char *found[NMECH])
{
	int m;

	for (m = 0; m < NMECH; m++) {
		const char *at;
		size_t n = strlen(mech_names[m]);

		for (at = low; (at = strstr(at, mech_names[m])) != NULL;
		    at += n) {
			const char *s = at + n;

			if (at > low && g_ascii_isalnum(at[-1]))
				continue;
			while (*s == ' ')
				s++;
			if (*s != '=')
				continue;
			if ((found[m] = result_word(s + 1)) != NULL)
				break;
		}
	}
}

void
bounce_auth_extract(struct bounce_recipient *r)
{
	const char *found[NMECH] = { NULL, NULL, NULL };
	const struct verdict_rule *v;
	const struct br_text *t;

	set(&r->auth.sending_ip, NULL);
	set(&r->auth.domain, NULL);
	set(&r->auth.spf, NULL);
	set(&r->auth.dkim, NULL);
	set(&r->auth.dmarc, NULL);
	if (r->diagnostic_code == NULL || r->diagnostic_code[0] == '\0')
		return;
	br_init();
	t = br_scan_once(r->diagnostic_code);
	kv_verdicts(t->low, found);
	for (v = verdicts; v->verdict != NULL; v++)
		if (found[v->mech] == NULL && br_has(t, &v->phrase))
			found[v->mech] = v->verdict;
	r->auth.sending_ip = find_ip(t);
	r->auth.domain = find_domain(t);
	r->auth.spf = g_strdup(found[SPF]);
	r->auth.dkim = g_strdup(found[DKIM]);
	r->auth.dmarc = g_strdup(found[DMARC]);
}
