/* dnsbl.c - the sending addresses of the period against DNS blocklists.
 *
 * For each of the first DNSBL_MAX_SOURCES addresses (the most messages
 * first) and each zone: the A record of the reversed address under the
 * zone (nibbles for IPv6); an answer in 127.0.0.0/8 is a listing, named
 * with its return codes and the zone's TXT.  An answer in
 * 127.255.255.0/24 is the list refusing the resolver (Spamhaus does so
 * for public resolvers): said once, and that zone is not asked again.
 * A zone that fails or times out is said once and skipped too: a
 * blocklist's trouble is not the domain's (no dns.unavailable).
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

#define DNSBL_MAX_SOURCES	50

const char *const check_dnsbl_default[] = { "zen.spamhaus.org",
	"bl.spamcop.net", "b.barracudacentral.org", NULL };

/* The name to ask for ip under zone, or NULL for a bad address. */
static char *
dnsbl_name(const char *ip, const char *zone)
{
	unsigned char a[16];
	GString *s = g_string_new(NULL);

	if (inet_pton(AF_INET, ip, a) == 1) {
		g_string_printf(s, "%u.%u.%u.%u.%s", a[3], a[2], a[1], a[0],
		    zone);
	} else if (inet_pton(AF_INET6, ip, a) == 1) {
		for (int i = 15; i >= 0; i--)
			g_string_append_printf(s, "%x.%x.", a[i] & 0xF,
			    a[i] >> 4);
		g_string_append(s, zone);
	} else {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

/* 1 listed, 0 not, -1 the zone is unusable (said why). */
static int
ask(struct check_ctx *x, const struct check_source *src, const char *zone)
{
	char *name = dnsbl_name(src->ip, zone);
	GPtrArray *codes = NULL, *txt = NULL;
	enum enrich_status s;
	GString *got;
	int rc = 0;

	if (name == NULL)
		return 0;
	s = enrich_lookup(x->c->dns, name, ENRICH_RR_A, &codes);
	if (s != ENRICH_OK && s != ENRICH_NXDOMAIN && s != ENRICH_NODATA) {
		check_add(x, "dnsbl.unavailable", CHECK_INFO,
		    "Ask the list through a resolver it answers (not a public "
		    "one), or drop it with --dnsbl.", "%s did not answer (%s)",
		    zone, enrich_status_name(s));
		g_free(name);
		return -1;
	}
	if (s != ENRICH_OK) {
		g_free(name);
		return 0;
	}
	got = g_string_new(NULL);
	for (guint i = 0; i < codes->len; i++) {
		const char *c = g_ptr_array_index(codes, i);

		if (g_str_has_prefix(c, "127.255.255.")) {
			check_add(x, "dnsbl.refused", CHECK_INFO,
			    "Ask the list through a resolver of your own: it "
			    "refuses public resolvers.", "%s answered %s (it "
			    "refuses this resolver)", zone, c);
			rc = -1;
			goto out;
		}
		if (g_str_has_prefix(c, "127."))
			g_string_append_printf(got, "%s%s", got->len ? " " : "",
			    c);
	}
	if (got->len == 0)
		goto out;
	if (enrich_lookup(x->c->dns, name, ENRICH_RR_TXT, &txt) != ENRICH_OK)
		txt = NULL;
	check_add(x, "dnsbl.listed", CHECK_ERROR,
	    "Find why the address is listed (the list's page says), fix "
	    "it, then ask the list to remove it.",
	    "%s (%" G_GINT64_FORMAT " messages) is listed by %s: %s%s%.300s",
	    src->ip, src->messages, zone, got->str, txt ? ", " : "",
	    txt ? (char *)g_ptr_array_index(txt, 0) : "");
	rc = 1;
out:
	g_string_free(got, TRUE);
	if (codes)
		g_ptr_array_unref(codes);
	if (txt)
		g_ptr_array_unref(txt);
	g_free(name);
	return rc;
}

void
check_dnsbl(struct check_ctx *x)
{
	char **zones = x->c->dnsbl;

	for (guint z = 0; zones && zones[z]; z++)
		for (guint i = 0; i < x->ev->n_sources &&
		    i < DNSBL_MAX_SOURCES; i++)
			if (ask(x, &x->ev->sources[i], zones[z]) < 0)
				break;
}
