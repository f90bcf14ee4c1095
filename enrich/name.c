/* name.c - query names for an address, host names made canonical, and
 * the base domain of a host name by the public suffix list.
 *
 *	q = enrich_reverse_name(AF_INET, addr, "in-addr.arpa", "ip6.arpa");
 *	h = enrich_host_name("Mail.Example.CO.UK.");	   "mail.example.co.uk"
 *	b = enrich_base_domain(h);			   "example.co.uk"
 *
 * The base domain comes from libpsl (Debian's publicsuffix list, both its
 * ICANN and private sections), never from "the last two labels": the
 * base domain of mail.example.co.uk is example.co.uk, not co.uk.
 */
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <libpsl.h>

#include "internal.h"

static psl_ctx_t *psl_own;
static const psl_ctx_t *psl;

static gpointer
psl_load(gpointer unused)
{
	(void)unused;
	if (enrich_psl_error())
		return (gpointer)enrich_psl_error();
	/* The newer of Debian's list file and the copy built into libpsl. */
	psl_own = psl_latest(NULL);
	psl = psl_own ? psl_own : psl_builtin();
	/* A list that does not know co.uk is no list. */
	if (psl == NULL || g_strcmp0(psl_registrable_domain(psl,
	    "www.example.co.uk"), "example.co.uk") != 0)
		return (gpointer)"libpsl has no public suffix list "
		    "(install Debian's publicsuffix package)";
	return NULL;
}

const char *
enrich_psl_init(void)
{
	static GOnce once = G_ONCE_INIT;

	return g_once(&once, psl_load, NULL);
}

char *
enrich_reverse_name(int family, const unsigned char *addr,
    const char *suffix4, const char *suffix6)
{
	static const char hex[] = "0123456789abcdef";
	GString *s = g_string_sized_new(80);

	if (family == AF_INET) {
		g_string_printf(s, "%u.%u.%u.%u.%s", addr[3], addr[2], addr[1],
		    addr[0], suffix4);
		return g_string_free(s, FALSE);
	}
	for (int i = 15; i >= 0; i--) {
		g_string_append_c(s, hex[addr[i] & 0x0F]);
		g_string_append_c(s, '.');
		g_string_append_c(s, hex[addr[i] >> 4]);
		g_string_append_c(s, '.');
	}
	g_string_append(s, suffix6);
	return g_string_free(s, FALSE);
}

char *
enrich_network_text(int family, const unsigned char *addr, int prefix)
{
	unsigned char m[16];
	char text[INET6_ADDRSTRLEN];
	int bytes = family == AF_INET ? 4 : 16;

	if (prefix < 0 || prefix > bytes * 8)
		return NULL;
	memcpy(m, addr, (size_t)bytes);
	for (int i = 0; i < bytes; i++) {
		int keep = prefix - i * 8;

		if (keep <= 0)
			m[i] = 0;
		else if (keep < 8)
			m[i] &= (unsigned char)(0xFF << (8 - keep));
	}
	if (inet_ntop(family, m, text, sizeof(text)) == NULL)
		return NULL;
	return g_strdup_printf("%s/%d", text, prefix);
}

static gboolean
host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	    c == '_';
}

char *
enrich_host_name(const char *s)
{
	size_t len, label = 0;
	gboolean alpha = FALSE;
	char *h;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_MAX_NAME)
		return NULL;
	h = g_ascii_strdown(s, (gssize)len);
	for (size_t i = 0; i <= len; i++) {
		if (i == len || h[i] == '.') {
			if (label == 0 || label > 63 || h[i - 1] == '-' ||
			    h[i - label] == '-')
				goto bad;
			label = 0;
			continue;
		}
		if (!host_char(h[i]))
			goto bad;
		if (!g_ascii_isdigit(h[i]))
			alpha = TRUE;
		label++;
	}
	if (!alpha)
		goto bad;	/* "192.0.2.1" is an address, not a name */
	return h;
bad:
	g_free(h);
	return NULL;
}

char *
enrich_base_domain(const char *host)
{
	const char *b;

	if (host == NULL || enrich_psl_init() != NULL)
		return NULL;
	b = psl_registrable_domain(psl, host);
	return b ? g_strdup(b) : NULL;
}
