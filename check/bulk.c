/* bulk.c - the domain against Gmail's and Yahoo's rules for bulk senders
 * (February 2024: the 550 5.7.26 rejections mailsift reads in bounces).
 *
 *	rows = check_bulk(domain, ev, findings);   the summary, or NULL
 *	check_bulk_add(x);			   its failures as findings
 *
 * Six requirements, each pass, fail or unknown, judged from the
 * findings of the other checks and the reports of the period:
 *   bulk.spf		an SPF record that evaluates (no permerror: none
 *			missing, one record, syntax, at most 10 lookups and
 *			2 void ones, includes that resolve)
 *   bulk.dkim		mail signed with d=DOMAIN in the reports, with at
 *			least one selector whose key is published and sound
 *			(of those dkim.c asks for: the 32 most used)
 *   bulk.dmarc		a DMARC record, p=none at least
 *   bulk.alignment	at least 98% of the volume passed DMARC (aligned
 *			SPF or DKIM); spoofed and forwarded mail counts too,
 *			so a few percent are tolerated
 *   bulk.ptr		every address that sent mail passing DMARC has a
 *			PTR that resolves back (from `mailsift enrich`;
 *			unknown until enriched)
 *   bulk.unsubscribe	the bounced originals from the domain carry
 *			List-Unsubscribe and one-click List-Unsubscribe-Post
 *			(unknown without such bounces; transactional mail is
 *			exempt, hence a warning)
 * Only a domain that sent mail in the period is judged.
 */
#include <string.h>

#include "internal.h"

#define ALIGNED_PCT	98
#define MAX_NAMED	5

static void
row_free(gpointer p)
{
	struct check_bulk_row *r = p;

	g_free(r->evidence);
	g_free(r);
}

static void
row(GPtrArray *rows, const char *code, const char *rule, const char *status,
    const char *action, char *evidence)
{
	struct check_bulk_row *r = g_new0(struct check_bulk_row, 1);

	r->code = code;
	r->rule = rule;
	r->status = status;
	r->action = action;
	r->evidence = evidence;
	g_ptr_array_add(rows, r);
}

/* The codes among findings that are in list (NULL-terminated), joined;
 * NULL when none. */
static char *
found(const GPtrArray *findings, const char *const *list, gboolean errors)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < findings->len; i++) {
		const struct check_finding *f = g_ptr_array_index(findings, i);

		if (errors && f->severity != CHECK_ERROR)
			continue;
		for (guint k = 0; list[k]; k++)
			if (strcmp(f->code, list[k]) == 0 &&
			    !strstr(s->str, f->code))
				g_string_append_printf(s, "%s%s", s->len ?
				    ", " : "", f->code);
	}
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

static void
bulk_spf(GPtrArray *rows, const GPtrArray *findings)
{
	static const char *const permerror[] = { "spf.missing", "spf.multiple",
		"spf.syntax", "spf.too_many_lookups", "spf.void_lookups",
		"spf.include_missing", "spf.include_loop", NULL };
	char *codes = found(findings, permerror, FALSE);

	row(rows, "bulk.spf", "SPF published", codes ? "fail" : "pass",
	    "Publish one SPF record that evaluates: see the spf findings.",
	    codes ? g_strdup_printf("the SPF record fails: %s", codes) :
	    g_strdup("an SPF record that evaluates"));
	g_free(codes);
}

static void
bulk_dkim(GPtrArray *rows, const struct check_evidence *ev,
    const GPtrArray *findings)
{
	static const char *const broken[] = { "dkim.key_missing",
		"dkim.key_revoked", "dkim.syntax", "dkim.key_weak", NULL };
	const char *action = "Sign every message with DKIM for the domain "
	    "(d=DOMAIN) and publish the selector's key: see the dkim "
	    "findings.";
	int64_t aligned = 0;
	guint bad = 0, asked = MIN(ev->n_selectors, CHECK_DKIM_MAX_SELECTORS);

	for (guint i = 0; i < ev->n_sources; i++)
		aligned += ev->sources[i].dkim_aligned;
	for (guint i = 0; i < findings->len; i++) {
		const struct check_finding *f = g_ptr_array_index(findings, i);

		for (guint k = 0; broken[k]; k++)
			if (f->severity == CHECK_ERROR &&
			    strcmp(f->code, broken[k]) == 0)
				bad++;
	}
	if (ev->n_selectors == 0)
		row(rows, "bulk.dkim", "DKIM signing", "fail", action,
		    g_strdup("no DKIM signature with d= the domain in the "
		    "reports"));
	else
		row(rows, "bulk.dkim", "DKIM signing", bad >= asked ?
		    "fail" : "pass", action, g_strdup_printf("%u selector%s "
		    "seen, %u with a key error; %" G_GINT64_FORMAT " of %"
		    G_GINT64_FORMAT " messages passed aligned DKIM",
		    ev->n_selectors, ev->n_selectors == 1 ? "" : "s", bad,
		    aligned, ev->messages));
}

static void
bulk_dmarc(GPtrArray *rows, const GPtrArray *findings)
{
	static const char *const missing[] = { "dmarc.missing", "dmarc.syntax",
		NULL };
	static const char *const none[] = { "dmarc.p_none", NULL };
	char *codes = found(findings, missing, FALSE), *p_none;

	p_none = found(findings, none, FALSE);
	row(rows, "bulk.dmarc", "DMARC p=none at least",
	    codes ? "fail" : "pass", "Publish \"v=DMARC1; p=none; "
	    "rua=mailto:...\" at _dmarc (then move to quarantine).",
	    codes ? g_strdup_printf("no usable DMARC record: %s", codes) :
	    g_strdup(p_none ? "a DMARC record, p=none" :
	    "a DMARC record, p=quarantine or reject"));
	g_free(codes);
	g_free(p_none);
}

static void
bulk_alignment(GPtrArray *rows, const struct check_evidence *ev)
{
	int64_t pass = ev->messages - ev->dmarc_fail;
	gboolean ok = pass * 100 >= ev->messages * ALIGNED_PCT;

	row(rows, "bulk.alignment", "From aligned with SPF or DKIM",
	    ok ? "pass" : "fail", "Make each source that sends as the domain "
	    "pass aligned SPF or DKIM: `mailsift explain --domain DOMAIN` "
	    "names them and what to fix.",
	    g_strdup_printf("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
	    " messages (%.1f%%) passed DMARC; %d%% needed", pass,
	    ev->messages, ev->messages ? 100.0 * (double)pass /
	    (double)ev->messages : 0.0, ALIGNED_PCT));
}

static void
bulk_ptr(GPtrArray *rows, const struct check_evidence *ev)
{
	GString *bad = g_string_new(NULL);
	guint senders = 0, unknown = 0, nbad = 0;

	for (guint i = 0; i < ev->n_sources; i++) {
		const struct check_source *s = &ev->sources[i];

		if (s->messages <= s->dmarc_fail)
			continue;	/* not the domain's own mail */
		senders++;
		if (s->dns_status == NULL || s->fcrdns < 0) {
			unknown++;
		} else if (strcmp(s->dns_status, "ok") != 0 || s->fcrdns == 0) {
			if (nbad++ < MAX_NAMED)
				g_string_append_printf(bad, "%s%s", bad->len ?
				    ", " : "", s->ip);
		}
	}
	if (nbad)
		row(rows, "bulk.ptr", "PTR on every sending IP", "fail",
		    "Give each sending address a PTR name that resolves back "
		    "to it: see the ptr findings.", g_strdup_printf("%u of %u "
		    "addresses sending mail that passes DMARC lack a "
		    "confirmed PTR: %s%s", nbad, senders, bad->str,
		    nbad > MAX_NAMED ? ", ..." : ""));
	else if (senders == 0 || unknown == senders)
		row(rows, "bulk.ptr", "PTR on every sending IP", "unknown",
		    "Run `mailsift enrich`, then check again.", g_strdup(
		    senders ? "the sending addresses are not enriched yet" :
		    "no address sent mail passing DMARC"));
	else
		row(rows, "bulk.ptr", "PTR on every sending IP", "pass", NULL,
		    g_strdup_printf("%u of %u addresses sending mail that "
		    "passes DMARC have a confirmed PTR%s", senders - unknown,
		    senders, unknown ? " (the others are not enriched yet)" :
		    ""));
	g_string_free(bad, TRUE);
}

static void
bulk_unsubscribe(GPtrArray *rows, const struct check_evidence *ev)
{
	const char *rule = "One-click unsubscribe (bulk mail)";
	const char *action = "Add List-Unsubscribe: <https://...> and "
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058) "
	    "to bulk and marketing mail; transactional mail needs none.";

	if (ev->originals == 0)
		row(rows, "bulk.unsubscribe", rule, "unknown", action,
		    g_strdup("no bounced original from the domain is stored "
		    "for the period"));
	else
		row(rows, "bulk.unsubscribe", rule, ev->one_click ==
		    ev->originals ? "pass" : "fail", action,
		    g_strdup_printf("of %" G_GINT64_FORMAT " bounced originals, "
		    "%" G_GINT64_FORMAT " had List-Unsubscribe and %"
		    G_GINT64_FORMAT " one-click unsubscribe (https URI and "
		    "List-Unsubscribe-Post)", ev->originals,
		    ev->list_unsubscribe, ev->one_click));
}

GPtrArray *
check_bulk(const char *domain, const struct check_evidence *ev,
    const GPtrArray *findings)
{
	GPtrArray *rows;

	(void)domain;
	if (ev == NULL || !ev->have || ev->messages <= 0)
		return NULL;
	rows = g_ptr_array_new_with_free_func(row_free);
	bulk_spf(rows, findings);
	bulk_dkim(rows, ev, findings);
	bulk_dmarc(rows, findings);
	bulk_alignment(rows, ev);
	bulk_ptr(rows, ev);
	bulk_unsubscribe(rows, ev);
	return rows;
}

void
check_bulk_add(struct check_ctx *x)
{
	GPtrArray *rows = check_bulk(x->domain, x->ev, x->out);

	for (guint i = 0; rows && i < rows->len; i++) {
		const struct check_bulk_row *r = g_ptr_array_index(rows, i);

		if (strcmp(r->status, "fail") == 0)
			check_add(x, r->code, CHECK_WARNING, r->action,
			    "bulk senders (Gmail, Yahoo): %s: %s", r->rule,
			    r->evidence);
	}
	if (rows)
		g_ptr_array_unref(rows);
}
