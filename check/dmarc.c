/* dmarc.c - the DMARC record (RFC 9989, RFC 7489) at _dmarc.DOMAIN.
 *
 * One record with v=DMARC1 first and a known p; p=none is named with
 * the volume that failed DMARC in the period (what quarantine or reject
 * would act on); rua destinations outside the domain need their
 * DOMAIN._report._dmarc.DEST authorization record; pct is gone in RFC
 * 9989.
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
check_rua(struct check_ctx *x, const char *rua)
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
		if (check_under(at + 1, x->domain) ||
		    check_under(x->domain, at + 1))
			continue;
		name = g_strdup_printf("%s._report._dmarc.%s", x->domain,
		    at + 1);
		recs = check_txt(x, name, "v=DMARC1");
		if (recs && recs->len == 0)
			check_add(x, "dmarc.rua_unauthorized", CHECK_WARNING,
			    "Ask the destination to publish the authorization "
			    "record, or send the reports to an address of "
			    "your own: receivers will not send them.",
			    "rua %s is outside %s and %s has no v=DMARC1 "
			    "record", u + 7, x->domain, name);
		if (recs)
			g_ptr_array_unref(recs);
		g_free(name);
	}
	g_strfreev(uris);
}

static void
check_policy(struct check_ctx *x, GHashTable *t)
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
		check_rua(x, rua);
	if (g_hash_table_contains(t, "pct"))
		check_add(x, "dmarc.pct_deprecated", CHECK_INFO,
		    "Remove pct: RFC 9989 dropped it; use t=y to test a "
		    "policy.", "pct=%s", (char *)g_hash_table_lookup(t,
		    "pct"));
}

void
check_dmarc(struct check_ctx *x)
{
	char *name = g_strconcat("_dmarc.", x->domain, NULL), *bad = NULL;
	GPtrArray *recs = check_txt(x, name, "v=DMARC1");
	GHashTable *t;
	const char *rec;

	if (recs == NULL)
		goto out;
	if (recs->len == 0) {
		check_add(x, "dmarc.missing", CHECK_ERROR,
		    "Publish a TXT record at _dmarc: \"v=DMARC1; p=none; "
		    "rua=mailto:...\" to start.", "no DMARC record at %s",
		    name);
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
		g_free(bad);
		goto out;
	}
	check_policy(x, t);
	g_hash_table_unref(t);
out:
	if (recs)
		g_ptr_array_unref(recs);
	g_free(name);
}
