/* sts.c - the MTA-STS policy (RFC 8461) of a domain, fetched over HTTPS
 * and judged against its live MX hosts.
 *
 *	check_sts_policy(x);	after check_mx (x->mx) and a valid
 *				_mta-sts record (receive.c)
 *
 * The policy host mta-sts.DOMAIN is resolved through the check's own
 * resolver (--resolver), and the fetch is pinned to those addresses
 * (CURLOPT_RESOLVE): what the sender's resolver would answer is what is
 * judged, and a test zone needs no system resolver.  The port is 443;
 * MAILSIFT_MTA_STS_PORT (tests only: a test server cannot count on
 * binding 443) changes it.  The body is read to CHECK_STS_MAX_BYTES,
 * within 5 x --timeout, without redirects (§3.3), and must be
 * text/plain; then parsed strictly (§3.2): version: STSv1, mode:
 * enforce|testing|none, max_age: 0 to 31557600, at least one mx: unless
 * mode is none; other fields are extensions and ignored.  No policy is
 * cached here, so the record's id has nothing to be compared with.
 */
#include <string.h>

#include "internal.h"

#define STS_AGE_SHORT	(7 * 86400)	/* under a week: senders forget */

void
check_sts_policy_clear(struct check_sts_policy *p)
{
	g_free(p->mode);
	if (p->mx)
		g_ptr_array_unref(p->mx);
	if (p->bad)
		g_string_free(p->bad, TRUE);
	memset(p, 0, sizeof(*p));
}

static void
bad(struct check_sts_policy *p, const char *what, const char *line)
{
	if (p->bad->len > 300)
		return;
	g_string_append_printf(p->bad, "%s%s", p->bad->len ? "; " : "",
	    what);
	if (line)
		g_string_append_printf(p->bad, " \"%.80s\"", line);
}

/* A domain name of letters, digits, '-' (RFC 5321 Domain), labels of 1
 * to 63, at most 253 in all, optionally "*." first. */
static gboolean
mx_pattern_ok(const char *v)
{
	size_t label = 0, len;

	if (g_str_has_prefix(v, "*."))
		v += 2;
	len = strlen(v);
	if (len == 0 || len > 253)
		return FALSE;
	for (const char *c = v; *c; c++) {
		if (*c == '.') {
			if (label == 0)
				return FALSE;
			label = 0;
		} else if (g_ascii_isalnum(*c) || *c == '-') {
			if (++label > 63)
				return FALSE;
		} else {
			return FALSE;
		}
	}
	return label > 0;
}

/* sts-ext-name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".") */
static gboolean
ext_name_ok(const char *n)
{
	size_t len = strlen(n);

	return len >= 1 && len <= 32 && g_ascii_isalnum(n[0]) &&
	    strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-.") == len;
}

static void
field(struct check_sts_policy *p, const char *line, const char *name,
    const char *v, guint *seen_mode, guint *seen_age, guint *seen_version)
{
	if (g_ascii_strcasecmp(name, "version") == 0) {
		if ((*seen_version)++)
			bad(p, "version twice", line);
		else if (g_ascii_strcasecmp(v, "STSv1") != 0)
			bad(p, "version is not STSv1", line);
		else
			p->version = TRUE;
	} else if (g_ascii_strcasecmp(name, "mode") == 0) {
		if ((*seen_mode)++)
			bad(p, "mode twice", line);
		else if (g_ascii_strcasecmp(v, "enforce") != 0 &&
		    g_ascii_strcasecmp(v, "testing") != 0 &&
		    g_ascii_strcasecmp(v, "none") != 0)
			bad(p, "mode is not enforce, testing or none", line);
		else
			p->mode = g_ascii_strdown(v, -1);
	} else if (g_ascii_strcasecmp(name, "max_age") == 0) {
		size_t n = strlen(v);

		if ((*seen_age)++)
			bad(p, "max_age twice", line);
		else if (n == 0 || n > 10 || strspn(v, "0123456789") != n ||
		    g_ascii_strtoll(v, NULL, 10) > CHECK_STS_MAX_AGE)
			bad(p, "max_age is not 0 to 31557600 seconds", line);
		else
			p->max_age = g_ascii_strtoll(v, NULL, 10);
	} else if (g_ascii_strcasecmp(name, "mx") == 0) {
		if (!mx_pattern_ok(v))
			bad(p, "mx is not a host name or *.domain", line);
		else if (p->mx->len < CHECK_STS_MAX_MX)
			g_ptr_array_add(p->mx, g_ascii_strdown(v, -1));
	} else if (!ext_name_ok(name) || *v == '\0') {
		bad(p, "not a field", line);
	}
}

gboolean
check_sts_parse(const char *body, gsize len, struct check_sts_policy *p)
{
	guint seen_mode = 0, seen_age = 0, seen_version = 0, n;
	char *text, **lines;

	memset(p, 0, sizeof(*p));
	p->max_age = -1;
	p->mx = g_ptr_array_new_with_free_func(g_free);
	p->bad = g_string_new(NULL);
	if (len > CHECK_STS_MAX_BYTES)
		bad(p, "larger than 64 KiB", NULL);
	else if (memchr(body, '\0', len) != NULL)
		bad(p, "a NUL byte", NULL);
	if (p->bad->len)
		return FALSE;
	text = g_strndup(body, len);
	lines = g_strsplit(text, "\n", -1);
	n = g_strv_length(lines);
	/* the grammar allows one final delimiter; trailing blank lines are
	 * forgiven, blank lines inside are not */
	while (n > 0 && (*lines[n - 1] == '\0' ||
	    strcmp(lines[n - 1], "\r") == 0))
		n--;
	for (guint i = 0; i < n; i++) {
		char *line = lines[i], *whole, *colon, *v;
		size_t l = strlen(line);
		gboolean clean = TRUE;

		if (l > 0 && line[l - 1] == '\r')
			line[--l] = '\0';
		for (const char *c = line; *c && clean; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t') {
				bad(p, "a control byte", NULL);
				clean = FALSE;
			} else if ((unsigned char)*c > 0x7E) {
				bad(p, "a byte outside ASCII", NULL);
				clean = FALSE;
			}
		if (!clean || p->bad->len > 300)
			continue;
		if ((colon = strchr(line, ':')) == NULL) {
			bad(p, *line ? "a line without ':'" : "a blank line",
			    line);
			continue;
		}
		whole = g_strdup(line);
		*colon = '\0';
		/* *WSP after the ':' and at the end; none before it */
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		g_strchomp(v);
		if (strpbrk(v, " \t"))
			bad(p, "a blank inside a value", whole);
		else
			field(p, whole, line, v, &seen_mode, &seen_age,
			    &seen_version);
		g_free(whole);
	}
	if (!p->version && seen_version == 0)
		bad(p, "no version field", NULL);
	if (p->mode == NULL && seen_mode == 0)
		bad(p, "no mode field", NULL);
	if (p->max_age < 0 && seen_age == 0)
		bad(p, "no max_age field", NULL);
	if (p->mx->len == 0 && g_strcmp0(p->mode, "none") != 0)
		bad(p, "no mx field", NULL);
	g_strfreev(lines);
	g_free(text);
	return p->bad->len == 0;
}

gboolean
check_sts_mx_match(const char *pattern, const char *host)
{
	char *h = g_ascii_strdown(host, -1), *dot;
	size_t n = strlen(h);
	gboolean ok;

	if (n > 0 && h[n - 1] == '.')
		h[n - 1] = '\0';
	if (g_str_has_prefix(pattern, "*.")) {
		/* one label, the leftmost, and only one (§4.1) */
		dot = strchr(h, '.');
		ok = dot != NULL && dot != h &&
		    g_ascii_strcasecmp(dot + 1, pattern + 2) == 0;
	} else {
		ok = g_ascii_strcasecmp(h, pattern) == 0;
	}
	g_free(h);
	return ok;
}

/* "HOST:PORT:ADDR,ADDR" from the A and AAAA of host; NULL when it has
 * none (*why says so) or the DNS failed. */
static char *
pin(struct check_ctx *x, const char *host, int port, const char **why)
{
	static const enum enrich_rr types[] = { ENRICH_RR_A, ENRICH_RR_AAAA };
	GString *s = g_string_new(NULL);
	guint addrs = 0;

	g_string_printf(s, "%s:%d:", host, port);
	for (guint t = 0; t < G_N_ELEMENTS(types); t++) {
		GPtrArray *items = NULL;
		enum enrich_status st = check_query(x, host, types[t], &items);

		if (st != ENRICH_OK && st != ENRICH_NXDOMAIN &&
		    st != ENRICH_NODATA) {
			g_string_free(s, TRUE);
			*why = NULL;
			return NULL;
		}
		for (guint i = 0; items && i < items->len && addrs < 8; i++) {
			const char *a = g_ptr_array_index(items, i);

			g_string_append_printf(s, addrs++ ? ",%s%s%s" :
			    "%s%s%s", types[t] == ENRICH_RR_AAAA ? "[" : "", a,
			    types[t] == ENRICH_RR_AAAA ? "]" : "");
		}
		if (items)
			g_ptr_array_unref(items);
	}
	if (addrs == 0) {
		*why = "has no A or AAAA record";
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

static gboolean
text_plain(const char *ct)
{
	return ct && g_ascii_strncasecmp(ct, "text/plain", 10) == 0 &&
	    (ct[10] == '\0' || ct[10] == ';' || ct[10] == ' ');
}

static void
unreachable(struct check_ctx *x, const char *url, const char *fmt,
    const char *detail)
{
	char *why = g_strdup_printf(fmt, detail);

	check_add(x, "mta_sts.policy_unreachable", CHECK_ERROR,
	    "Serve the policy at that URL over HTTPS with a certificate for "
	    "mta-sts.DOMAIN, status 200, no redirect: senders that cannot "
	    "fetch it act as if there were no MTA-STS.", "%s: %s", url, why);
	g_free(why);
}

/* The policy against the live MX hosts. */
static void
judge(struct check_ctx *x, const char *url, struct check_sts_policy *p)
{
	gboolean enforce = strcmp(p->mode, "enforce") == 0;

	if (strcmp(p->mode, "testing") == 0)
		check_add(x, "mta_sts.mode_testing", CHECK_WARNING,
		    "Once the TLS reports show every MX passing, set mode: "
		    "enforce: in testing, senders deliver without TLS anyway.",
		    "%s: mode: testing", url);
	else if (strcmp(p->mode, "none") == 0) {
		check_add(x, "mta_sts.mode_none", CHECK_WARNING,
		    "Set mode: testing, then enforce, unless MTA-STS is being "
		    "withdrawn on purpose (mode: none does that).",
		    "%s: mode: none (no policy applies)", url);
		return;
	}
	if (p->max_age < STS_AGE_SHORT)
		check_add(x, "mta_sts.max_age_short", CHECK_WARNING,
		    "Raise max_age to at least 604800 (a week; RFC 8461 "
		    "suggests weeks or more): senders forget a shorter policy "
		    "and an attacker gets another chance.",
		    "%s: max_age: %" G_GINT64_FORMAT " seconds", url,
		    p->max_age);
	for (guint i = 0; x->mx && i < x->mx->len; i++) {
		const char *host = g_ptr_array_index(x->mx, i);
		gboolean ok = FALSE;

		if (*host == '\0' || strcmp(host, ".") == 0)
			continue;	/* a null MX (RFC 7505) */
		for (guint k = 0; k < p->mx->len && !ok; k++)
			ok = check_sts_mx_match(g_ptr_array_index(p->mx, k),
			    host);
		if (!ok)
			check_add(x, "mta_sts.mx_not_covered", enforce ?
			    CHECK_ERROR : CHECK_WARNING,
			    "Add an mx: line matching this host (a *. pattern "
			    "covers one label only), change the policy's id, "
			    "or remove the MX: senders enforcing the policy "
			    "will not deliver to it.",
			    "MX %s matches no mx: pattern of %s", host, url);
	}
}

void
check_sts_policy(struct check_ctx *x)
{
	struct check_https req = { 0 };
	struct check_https_reply rep;
	struct check_sts_policy p;
	char *host = g_strconcat("mta-sts.", x->domain, NULL), *url, *resolve;
	const char *why = NULL;

	if (x->c->sts_port == 443)
		url = g_strdup_printf("https://%s/.well-known/mta-sts.txt",
		    host);
	else
		url = g_strdup_printf("https://%s:%d/.well-known/mta-sts.txt",
		    host, x->c->sts_port);
	if ((resolve = pin(x, host, x->c->sts_port, &why)) == NULL) {
		if (why) {
			char *s = g_strdup_printf("%s %s", host, why);

			unreachable(x, url, "%s", s);
			g_free(s);
		}
		goto out;
	}
	req.url = url;
	req.resolve = resolve;
	req.ca_file = x->c->ca_file;
	req.timeout_ms = x->c->https_ms;
	req.max_bytes = CHECK_STS_MAX_BYTES;
	if (check_https_get(&req, &rep) < 0) {
		if (rep.no_library)
			check_add(x, "mta_sts.policy_unchecked", CHECK_INFO,
			    "Install libcurl (Debian: libcurl4) to have the "
			    "policy fetched and checked.", "%s was not "
			    "fetched: %s", url, rep.error);
		else
			unreachable(x, url, "%s", rep.error);
	} else if (rep.status >= 300 && rep.status < 400) {
		char *s = g_strdup_printf("HTTP %ld, a redirect to %.200s, "
		    "which senders must not follow (RFC 8461 §3.3)",
		    rep.status, rep.location ? rep.location : "?");

		unreachable(x, url, "%s", s);
		g_free(s);
	} else if (rep.status != 200) {
		char *s = g_strdup_printf("HTTP %ld", rep.status);

		unreachable(x, url, "%s", s);
		g_free(s);
	} else if (!text_plain(rep.content_type)) {
		check_add(x, "mta_sts.policy_content_type", CHECK_ERROR,
		    "Serve the policy as Content-Type: text/plain (RFC 8461 "
		    "§3.3); senders may refuse anything else.",
		    "%s is served as %.100s", url, rep.content_type ?
		    rep.content_type : "no Content-Type");
	} else if (!check_sts_parse(rep.body->str, rep.body->len, &p)) {
		check_add(x, "mta_sts.policy_syntax", CHECK_ERROR,
		    "Correct the policy: lines \"version: STSv1\", \"mode: "
		    "enforce\", \"max_age: 604800\" and one \"mx: HOST\" per "
		    "MX (RFC 8461 §3.2); senders ignore a policy they cannot "
		    "read.", "%s: %s", url, p.bad->str);
		check_sts_policy_clear(&p);
	} else {
		judge(x, url, &p);
		check_sts_policy_clear(&p);
	}
	check_https_reply_clear(&rep);
out:
	g_free(resolve);
	g_free(url);
	g_free(host);
}
