/* xml.c - the XML of one aggregate report, in its reporter's dialect.
 *
 * RFC 7489 reports as Google, Yahoo, Microsoft and friends write them
 * (declaration, indentation, optional <version>, <np>, <fo>, Microsoft's
 * xsd/xsi namespace declarations, one reporter with no whitespace at all),
 * and RFC 9990 reports: namespace urn:ietf:params:xml:ns:dmarc-2.0,
 * <generator>, <np>, <testing>, <discovery_method>, no <pct>.
 *
 * Usage: xml_head(s, r); per record xml_record(s, r, &rec); xml_tail(s, r).
 * Each call appends to s, so a caller can flush s between records (big).
 * Values are the generator's own constants and need no escaping.
 */
#include <string.h>

#include "gen.h"

#define NS_9990	"urn:ietf:params:xml:ns:dmarc-2.0"

static void
indent(GString *s, const struct reporter *rp, int depth)
{
	if (rp->indent == NULL)
		return;
	while (depth-- > 0)
		g_string_append(s, rp->indent);
}

static void
eol(GString *s, const struct reporter *rp)
{
	if (rp->indent != NULL)
		g_string_append_c(s, '\n');
}

static void
open_el(GString *s, const struct reporter *rp, int depth, const char *name)
{
	indent(s, rp, depth);
	g_string_append_c(s, '<');
	g_string_append(s, name);
	g_string_append_c(s, '>');
	eol(s, rp);
}

static void
close_el(GString *s, const struct reporter *rp, int depth, const char *name)
{
	indent(s, rp, depth);
	g_string_append(s, "</");
	g_string_append(s, name);
	g_string_append_c(s, '>');
	eol(s, rp);
}

static void
leaf(GString *s, const struct reporter *rp, int depth, const char *name,
    const char *value)
{
	indent(s, rp, depth);
	g_string_append_c(s, '<');
	g_string_append(s, name);
	g_string_append_c(s, '>');
	g_string_append(s, value);
	g_string_append(s, "</");
	g_string_append(s, name);
	g_string_append_c(s, '>');
	eol(s, rp);
}

static void
leaf_int(GString *s, const struct reporter *rp, int depth, const char *name,
    int64_t value)
{
	char buf[24];

	g_snprintf(buf, sizeof(buf), "%" G_GINT64_FORMAT, value);
	leaf(s, rp, depth, name, buf);
}

static void
xml_metadata(GString *s, const struct report *r)
{
	const struct reporter *rp = r->rp;

	open_el(s, rp, 1, "report_metadata");
	leaf(s, rp, 2, "org_name", rp->org_name);
	leaf(s, rp, 2, "email", rp->email);
	if (rp->extra)
		leaf(s, rp, 2, "extra_contact_info", rp->extra);
	leaf(s, rp, 2, "report_id", r->id);
	open_el(s, rp, 2, "date_range");
	leaf_int(s, rp, 3, "begin", r->begin);
	leaf_int(s, rp, 3, "end", r->end);
	close_el(s, rp, 2, "date_range");
	if (rp->flavor == FLAVOR_9990)
		leaf(s, rp, 2, "generator", "receiver.example dmarc-reporter 2.1");
	close_el(s, rp, 1, "report_metadata");
}

static void
xml_policy(GString *s, const struct report *r)
{
	const struct reporter *rp = r->rp;
	const struct domain *d = &gen_domains[r->domain];
	int bis = rp->flavor == FLAVOR_9990;

	open_el(s, rp, 1, "policy_published");
	leaf(s, rp, 2, "domain", report_domain(r));
	leaf(s, rp, 2, "adkim", d->adkim);
	leaf(s, rp, 2, "aspf", d->aspf);
	leaf(s, rp, 2, "p", d->p);
	leaf(s, rp, 2, "sp", d->sp);
	if (!bis)
		leaf_int(s, rp, 2, "pct", d->pct);
	if (bis || rp->with_np)
		leaf(s, rp, 2, "np", d->np);
	if (bis) {
		leaf(s, rp, 2, "testing", "n");
		leaf(s, rp, 2, "discovery_method", "treewalk");
	}
	if (rp->with_fo)
		leaf(s, rp, 2, "fo", "0");
	close_el(s, rp, 1, "policy_published");
}

void
xml_head(GString *s, const struct report *r)
{
	const struct reporter *rp = r->rp;

	g_string_append(s, rp->xml_decl);
	g_string_append_c(s, '\n');
	if (rp->flavor == FLAVOR_9990)
		g_string_append(s, "<feedback xmlns=\"" NS_9990 "\">");
	else if (rp->layout == LAYOUT_MS)
		g_string_append(s, "<feedback xmlns:xsd=\"http://www.w3.org/"
		    "2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/"
		    "XMLSchema-instance\">");
	else
		g_string_append(s, "<feedback>");
	eol(s, rp);
	if (rp->with_version && rp->flavor == FLAVOR_7489)
		leaf(s, rp, 1, "version", "1.0");
	xml_metadata(s, r);
	xml_policy(s, r);
}

static void
xml_row(GString *s, const struct reporter *rp, const struct record *rec)
{
	open_el(s, rp, 2, "row");
	leaf(s, rp, 3, "source_ip", record_ip(rec));
	leaf_int(s, rp, 3, "count", rec->count);
	open_el(s, rp, 3, "policy_evaluated");
	leaf(s, rp, 4, "disposition", rec->disposition);
	leaf(s, rp, 4, "dkim", rec->dkim);
	leaf(s, rp, 4, "spf", rec->spf);
	if (rec->reason_type) {
		open_el(s, rp, 4, "reason");
		leaf(s, rp, 5, "type", rec->reason_type);
		if (rec->reason_comment)
			leaf(s, rp, 5, "comment", rec->reason_comment);
		close_el(s, rp, 4, "reason");
	}
	close_el(s, rp, 3, "policy_evaluated");
	close_el(s, rp, 2, "row");
}

static void
xml_auth(GString *s, const struct reporter *rp, const struct record *rec)
{
	int i;

	open_el(s, rp, 2, "auth_results");
	for (i = 0; i < rec->ndkim; i++) {
		open_el(s, rp, 3, "dkim");
		leaf(s, rp, 4, "domain", rec->dkim_res[i].domain);
		leaf(s, rp, 4, "selector", rec->dkim_res[i].selector);
		leaf(s, rp, 4, "result", rec->dkim_res[i].result);
		close_el(s, rp, 3, "dkim");
	}
	open_el(s, rp, 3, "spf");
	leaf(s, rp, 4, "domain", rec->spf_domain);
	leaf(s, rp, 4, "scope", "mfrom");
	leaf(s, rp, 4, "result", rec->spf_result);
	close_el(s, rp, 3, "spf");
	close_el(s, rp, 2, "auth_results");
}

void
xml_record(GString *s, const struct report *r, const struct record *rec)
{
	const struct reporter *rp = r->rp;

	open_el(s, rp, 1, "record");
	xml_row(s, rp, rec);
	open_el(s, rp, 2, "identifiers");
	if (rec->envelope_to)
		leaf(s, rp, 3, "envelope_to", rec->envelope_to);
	if (rp->idents != IDENT_HFROM)
		leaf(s, rp, 3, "envelope_from", rec->envelope_from);
	leaf(s, rp, 3, "header_from", rec->header_from);
	close_el(s, rp, 2, "identifiers");
	xml_auth(s, rp, rec);
	close_el(s, rp, 1, "record");
}

void
xml_tail(GString *s, const struct report *r)
{
	g_string_append(s, "</feedback>\n");
}

/* "google.com!example.com!1790812800!1790899199" + suffix */
void
report_file_name(char *buf, gsize len, const struct report *r,
    const char *suffix)
{
	g_snprintf(buf, len, "%s!%s!%" G_GINT64_FORMAT "!%" G_GINT64_FORMAT
	    "%s", r->rp->file_org, report_domain(r), r->begin,
	    r->end, suffix);
}
