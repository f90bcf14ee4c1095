/* dmarc.c - the DMARC record (RFC 9989, RFC 7489) at _dmarc.DOMAIN.
 *
 * One record with v=DMARC1 first and a known p; p=none is named with
 * the volume that failed DMARC in the period (what quarantine or reject
 * would act on); rua destinations outside the domain need their
 * DOMAIN._report._dmarc.DEST authorization record; pct is gone in RFC
 * 9989.  A domain without a record of its own gets the one the RFC
 * 9989 tree walk finds above it (dmarc.inherited), judged by its sp.
 */
#include <string.h>

#include "internal.h"

static gboolean
policy_ok(const char *p)
{
	return p && (strcmp(p, "none") == 0 || strcmp(p, "quarantine") == 0 ||
	    strcmp(p, "reject") == 0);
}

/* Each mailto: destination of rua outside the domain needs its
 * authorization record. */
static void
check_rua(struct check_ctx *x, const char *rua, const char *owner)
{
	char **uris = g_strsplit(rua, ",", 16);

	for (guint i = 0; uris[i]; i++) {
		char *u = g_strstrip(uris[i]), *at, *bang, *name;
		GPtrArray *recs;

		if (g_ascii_strncasecmp(u, "mailto:", 7) != 0 ||
		    (at = strrchr(u, '@')) == NULL || at[1] == '\0')
			continue;
		if ((bang = strchr(at, '!')) != NULL)
			*bang = '\0';
		if (check_under(at + 1, owner) || check_under(owner, at + 1))
			continue;
		name = g_strdup_printf("%s._report._dmarc.%s", owner, at + 1);
		recs = check_txt(x, name, "v=DMARC1");
		if (recs && recs->len == 0)
			check_add(x, "dmarc.rua_unauthorized", CHECK_WARNING,
			    "Ask the destination to publish the authorization "
			    "record, or send the reports to an address of "
			    "your own: receivers will not send them.",
			    "rua %s is outside %s and %s has no v=DMARC1 "
			    "record", u + 7, owner, name);
		if (recs)
			g_ptr_array_unref(recs);
		g_free(name);
	}
	g_strfreev(uris);
}

/* The checks of a readable record found at owner. */
static void
check_policy(struct check_ctx *x, GHashTable *t, const char *owner)
{
	const char *p = g_hash_table_lookup(t, "p");
	const char *rua = g_hash_table_lookup(t, "rua");

	if (g_strcmp0(p, "none") == 0) {
		if (x->ev->have && x->ev->messages > 0)
			check_add(x, "dmarc.p_none", CHECK_WARNING,
			    "Once the reports show your own sources pass, "
			    "move to p=quarantine, then p=reject.",
			    "p=none: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
			    " messages in the period failed DMARC and would "
			    "be quarantined or rejected", x->ev->dmarc_fail,
			    x->ev->messages);
		else
			check_add(x, "dmarc.p_none", CHECK_WARNING,
			    "Once the reports show your own sources pass, "
			    "move to p=quarantine, then p=reject.",
			    "p=none: monitoring only, no reports in the "
			    "period");
	}
	if (rua == NULL || *rua == '\0')
		check_add(x, "dmarc.no_rua", CHECK_WARNING,
		    "Add rua=mailto:ADDRESS so that receivers send aggregate "
		    "reports (to mailsift).", "the DMARC record has no rua");
	else
		check_rua(x, rua, owner);
	if (g_hash_table_contains(t, "pct"))
		check_add(x, "dmarc.pct_deprecated", CHECK_INFO,
		    "Remove pct: RFC 9989 dropped it; use t=y to test a "
		    "policy.", "pct=%s", (char *)g_hash_table_lookup(t,
		    "pct"));
}

/* RFC 9989's DNS tree walk: _dmarc at the domain, then at the 7
 * rightmost labels when there are 8 or more, then one label less each
 * time, down to two labels.  The records found (an empty array when
 * none, NULL when the DNS failed); *at: the domain they were found at. */
static GPtrArray *
tree_walk(struct check_ctx *x, char **at)
{
	const char *d = x->domain;
	GPtrArray *recs = NULL;
	int labels = 1;

	for (const char *p = d; *p; p++)
		labels += *p == '.';
	for (;;) {
		char *name = g_strconcat("_dmarc.", d, NULL);

		if (recs)
			g_ptr_array_unref(recs);
		recs = check_txt(x, name, "v=DMARC1");
		g_free(name);
		if (recs == NULL || recs->len > 0 || labels <= 2)
			break;
		if (labels >= 8) {
			while (labels > 7) {
				d = strchr(d, '.') + 1;
				labels--;
			}
		} else {
			d = strchr(d, '.') + 1;
			labels--;
		}
	}
	*at = g_strdup(d);
	return recs;
}

void
check_dmarc(struct check_ctx *x)
{
	char *at = NULL, *name, *bad = NULL;
	GPtrArray *recs = tree_walk(x, &at);
	GHashTable *t;
	const char *rec;

	name = g_strconcat("_dmarc.", at, NULL);
	if (recs == NULL)
		goto out;
	if (recs->len == 0) {
		check_add(x, "dmarc.missing", CHECK_ERROR,
		    "Publish a TXT record at _dmarc: \"v=DMARC1; p=none; "
		    "rua=mailto:...\" to start.", "no DMARC record at "
		    "_dmarc.%s%s", x->domain, strcmp(at, x->domain) ?
		    " nor above it (RFC 9989 tree walk)" : "");
		goto out;
	}
	if (recs->len > 1) {
		check_add(x, "dmarc.syntax", CHECK_ERROR,
		    "Keep one DMARC record: with two, receivers apply none.",
		    "%s has %u DMARC records", name, recs->len);
		goto out;
	}
	rec = g_ptr_array_index(recs, 0);
	if ((t = check_tags(rec, &bad)) == NULL ||
	    !policy_ok(g_hash_table_lookup(t, "p")) ||
	    (g_hash_table_contains(t, "sp") &&
	    !policy_ok(g_hash_table_lookup(t, "sp")))) {
		check_add(x, "dmarc.syntax", CHECK_ERROR,
		    "Correct the record: v=DMARC1 first, then p=none, "
		    "quarantine or reject, tags separated by ';'.",
		    "%s: \"%s\"%s%s", name, rec, bad ? ": bad tag " : "",
		    bad ? bad : "");
		if (t)
			g_hash_table_unref(t);
		goto out;
	}
	if (strcmp(at, x->domain) != 0) {
		const char *sp = g_hash_table_lookup(t, "sp");

		check_add(x, "dmarc.inherited", CHECK_INFO,
		    "Publish a record at _dmarc of this name if it needs a "
		    "policy of its own.", "no record at _dmarc.%s: %s's "
		    "applies (RFC 9989 tree walk), policy %s=%s", x->domain,
		    at, sp ? "sp" : "p", sp ? sp :
		    (char *)g_hash_table_lookup(t, "p"));
		/* a subdomain is judged by its sp */
		if (sp)
			g_hash_table_insert(t, g_strdup("p"), g_strdup(sp));
	}
	check_policy(x, t, at);
	g_hash_table_unref(t);
out:
	if (recs)
		g_ptr_array_unref(recs);
	g_free(bad);
	g_free(name);
	g_free(at);
}
