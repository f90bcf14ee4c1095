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

#include "bounce_auth_table.h"

static const char *const mech_names[NMECH] = { "spf", "dkim", "dmarc" };

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
	for (p = br_auth_ip_after; p->text != NULL; p++) {
		const char *at;

		if (!br_has(t, p))
			continue;
		for (at = t->low; (at = strstr(at, p->text)) != NULL; at++)
			if ((ip = ip_at(at + strlen(p->text))) != NULL)
				return ip;
	}
	for (p = br_auth_ip_before; p->text != NULL; p++) {
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

	for (p = br_auth_domain_after; p->text != NULL; p++) {
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
	for (p = br_auth_domain_before; p->text != NULL; p++) {
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
	for (v = br_auth_verdicts; v->verdict != NULL; v++)
		if (found[v->mech] == NULL && br_has(t, &v->phrase))
			found[v->mech] = v->verdict;
	r->auth.sending_ip = find_ip(t);
	r->auth.domain = find_domain(t);
	r->auth.spf = g_strdup(found[SPF]);
	r->auth.dkim = g_strdup(found[DKIM]);
	r->auth.dmarc = g_strdup(found[DMARC]);
}
