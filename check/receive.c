/* receive.c - the receiving side: MX, TLS-RPT (RFC 8460) and the
 * MTA-STS record (RFC 8461), and the policy it announces (sts.c); and
 * the BIMI record when there is one.  The MX hosts stay in x->mx for
 * the policy's mx patterns.
 */
#include <string.h>

#include "internal.h"

static void
check_mx(struct check_ctx *x)
{
	GPtrArray *mx;
	enum enrich_status s = check_query(x, x->domain, ENRICH_RR_MX, &mx);

	if (s == ENRICH_NXDOMAIN || s == ENRICH_NODATA)
		check_add(x, "mx.missing", CHECK_WARNING,
		    "Publish an MX record: bounces and replies to the domain "
		    "have nowhere to go, and some receivers refuse such "
		    "senders.", "%s has no MX record", x->domain);
	x->mx = mx;
}

static void
check_tlsrpt(struct check_ctx *x)
{
	char *name = g_strconcat("_smtp._tls.", x->domain, NULL), *bad = NULL;
	GPtrArray *recs = check_txt(x, name, "v=TLSRPTv1");
	GHashTable *t = NULL;

	if (recs && recs->len == 0)
		check_add(x, "tlsrpt.missing", CHECK_INFO,
		    "Publish \"v=TLSRPTv1; rua=mailto:...\" at _smtp._tls to "
		    "receive SMTP TLS reports (mailsift reads them).",
		    "no TLS-RPT record at %s", name);
	else if (recs && (recs->len > 1 ||
	    (t = check_tags(g_ptr_array_index(recs, 0), &bad)) == NULL ||
	    !g_hash_table_contains(t, "rua")))
		check_add(x, "tlsrpt.syntax", CHECK_WARNING,
		    "Publish one record \"v=TLSRPTv1; rua=mailto:...\".",
		    "%s: %u record(s), first \"%s\"", name, recs->len,
		    (char *)g_ptr_array_index(recs, 0));
	if (t)
		g_hash_table_unref(t);
	if (recs)
		g_ptr_array_unref(recs);
	g_free(bad);
	g_free(name);
}

static gboolean
sts_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	return n >= 1 && n <= 32 && strspn(id, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n;
}

static void
check_mta_sts(struct check_ctx *x)
{
	char *name = g_strconcat("_mta-sts.", x->domain, NULL), *bad = NULL;
	GPtrArray *recs = check_txt(x, name, "v=STSv1");
	GHashTable *t = NULL;

	if (recs && recs->len == 0)
		check_add(x, "mta_sts.missing", CHECK_INFO,
		    "Publish MTA-STS (the _mta-sts TXT record and the policy "
		    "at https://mta-sts.DOMAIN/.well-known/mta-sts.txt) so "
		    "senders insist on TLS.", "no MTA-STS record at %s", name);
	else if (recs && (recs->len > 1 ||
	    (t = check_tags(g_ptr_array_index(recs, 0), &bad)) == NULL ||
	    !sts_id_ok(g_hash_table_lookup(t, "id"))))
		check_add(x, "mta_sts.syntax", CHECK_ERROR,
		    "Publish one record \"v=STSv1; id=ID\" (ID: 1 to 32 "
		    "letters and digits, changed with each policy).",
		    "%s: %u record(s), first \"%s\"", name, recs->len,
		    (char *)g_ptr_array_index(recs, 0));
	else if (recs)
		check_sts_policy(x);	/* one valid record: the policy */
	if (t)
		g_hash_table_unref(t);
	if (recs)
		g_ptr_array_unref(recs);
	g_free(bad);
	g_free(name);
}

static gboolean
https_or_empty(const char *v)
{
	return v == NULL || *v == '\0' ||
	    (g_ascii_strncasecmp(v, "https://", 8) == 0 && v[8] != '\0' &&
	    strpbrk(v, " \t,") == NULL);
}

/* BIMI (draft-brand-indicators-for-message-identification), judged only
 * when a record exists at default._bimi: one record, v=BIMI1 first, l=
 * and a= empty or one https URL each. */
static void
check_bimi(struct check_ctx *x)
{
	char *name = g_strconcat("default._bimi.", x->domain, NULL);
	char *bad = NULL;
	GPtrArray *recs = check_txt(x, name, "v=BIMI1");
	GHashTable *t = NULL;

	if (recs && recs->len > 0 && (recs->len > 1 ||
	    (t = check_tags(g_ptr_array_index(recs, 0), &bad)) == NULL ||
	    !https_or_empty(g_hash_table_lookup(t, "l")) ||
	    !https_or_empty(g_hash_table_lookup(t, "a"))))
		check_add(x, "bimi.syntax", CHECK_WARNING,
		    "Publish one record \"v=BIMI1; l=https://...svg; "
		    "a=https://...pem\" (l= and a= one https URL or empty).",
		    "%s: %u record(s), first \"%.200s\"", name, recs->len,
		    (char *)g_ptr_array_index(recs, 0));
	if (t)
		g_hash_table_unref(t);
	if (recs)
		g_ptr_array_unref(recs);
	g_free(bad);
	g_free(name);
}

void
check_receive(struct check_ctx *x)
{
	check_mx(x);
	check_tlsrpt(x);
	check_mta_sts(x);
	check_bimi(x);
}
