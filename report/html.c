/* html.c - the report as one self-contained HTML page.
 *
 *	GString *html = report_html(&r);
 *
 * Inline CSS (style attributes, so a mail client that drops <style>
 * still shows it) and inline SVG; no script, no URL fetched.  A4 print:
 * 720 pixels wide, page breaks kept out of charts and table rows.  Every
 * string that came from outside goes through report_escape().  A row
 * whose hidden "attention" column is "t" is marked with a sign and bold
 * type, not with colour alone; a column named "action" is a sentence,
 * shown on a row of its own under its row.  The bounce chart goes above
 * the table whose id is "bounces".  The figures sit in data-k and data-*
 * attributes and table ids, which tests/t/report.sh compares with the
 * database.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define S_BODY	"font:14px/1.45 sans-serif;color:#111;background:#fff;" \
		"max-width:740px;margin:0 auto;padding:12px"
#define S_TABLE	"border-collapse:collapse;width:100%;font-size:12px;" \
		"margin:4px 0 12px 0"
#define S_TH	"text-align:left;border-bottom:2px solid #333;padding:3px 5px"
#define S_TD	"border-bottom:1px solid #ccc;padding:3px 5px;" \
		"vertical-align:top;overflow-wrap:break-word"
#define S_NUM	";text-align:right;white-space:nowrap"
#define S_ATTN	";background:#fde9c8;font-weight:bold"
#define S_H2	"font-size:17px;margin:22px 0 4px 0;border-bottom:1px solid " \
		"#999;page-break-after:avoid"
#define ATTN_MARK	"\xe2\x9a\xa0 "	/* U+26A0 warning sign */

/* HTML text or attribute value; invalid UTF-8 repaired first. */
void
report_escape(GString *out, const char *s)
{
	char *valid, *esc;

	if (s == NULL)
		return;
	valid = g_utf8_make_valid(s, -1);
	esc = g_markup_escape_text(valid, -1);
	g_string_append(out, esc);
	g_free(esc);
	g_free(valid);
}

void
report_add_day(struct report *r, const char *domain, const char *day,
    int64_t pass, int64_t fail)
{
	struct report_day d = { g_strdup(domain ? domain : ""), { 0 }, pass,
	    fail };

	if (r->days == NULL)
		r->days = g_array_new(FALSE, FALSE, sizeof(struct report_day));
	g_date_clear(&d.date, 1);
	g_date_set_parse(&d.date, day ? day : "");
	if (!g_date_valid(&d.date)) {
		g_free(d.domain);
		return;
	}
	g_array_append_val(r->days, d);
}

void
report_add_bounce_day(struct report *r, const char *day, int64_t other,
    int64_t auth)
{
	GArray *keep = r->days;

	/* report_add_day's checks, into the other array. */
	r->days = r->bounce_days;
	report_add_day(r, "", day, other, auth);
	r->bounce_days = r->days;
	r->days = keep;
}

void
report_add_table(struct report *r, const struct report_table *t)
{
	if (r->tables == NULL)
		r->tables = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(r->tables, g_memdup2(t, sizeof(*t)));
}

void
report_free(struct report *r)
{
	guint i;

	if (r->days) {
		for (i = 0; i < r->days->len; i++)
			g_free(g_array_index(r->days, struct report_day,
			    i).domain);
		g_array_unref(r->days);
		r->days = NULL;
	}
	if (r->bounce_days) {
		for (i = 0; i < r->bounce_days->len; i++)
			g_free(g_array_index(r->bounce_days, struct report_day,
			    i).domain);
		g_array_unref(r->bounce_days);
		r->bounce_days = NULL;
	}
	if (r->tables) {
		g_ptr_array_unref(r->tables);
		r->tables = NULL;
	}
}

static double
pct(int64_t part, int64_t all)
{
	return all > 0 ? 100.0 * (double)part / (double)all : 0.0;
}

static void
headline_cell(GString *out, const char *key, const char *label,
    const char *value, const char *before)
{
	g_string_append_printf(out, "<td style=\"" S_TD "\">%s</td>"
	    "<td style=\"" S_TD S_NUM "\" data-k=\"%s\">%s</td>"
	    "<td style=\"" S_TD S_NUM ";color:#444\">%s</td></tr>\n<tr>",
	    label, key, value, before);
}

static void
headline_int(GString *out, const char *key, const char *label,
    int64_t v, const struct report_figures *prev, int64_t pv)
{
	char a[32], b[48];

	snprintf(a, sizeof(a), "%" PRId64, v);
	if (prev->known)
		snprintf(b, sizeof(b), "%" PRId64 " (%+" PRId64 ")", pv, v - pv);
	else
		snprintf(b, sizeof(b), "no data");
	headline_cell(out, key, label, a, b);
}

static void
html_headline(GString *out, const struct report *r)
{
	const struct report_figures *c = &r->cur, *p = &r->prev;
	char a[32], b[48];

	g_string_append(out, "<h2 style=\"" S_H2 "\">Headline</h2>\n"
	    "<table id=\"headline\" style=\"" S_TABLE "\"><tr>"
	    "<th style=\"" S_TH "\"></th><th style=\"" S_TH S_NUM
	    "\">this period</th><th style=\"" S_TH S_NUM
	    "\">the period before (change)</th></tr>\n<tr>");
	headline_int(out, "messages", "Messages reported", c->messages, p,
	    p->messages);
	snprintf(a, sizeof(a), "%.1f %%", pct(c->dmarc_pass, c->messages));
	if (p->known)
		snprintf(b, sizeof(b), "%.1f %% (%+.1f points)",
		    pct(p->dmarc_pass, p->messages),
		    pct(c->dmarc_pass, c->messages) -
		    pct(p->dmarc_pass, p->messages));
	else
		snprintf(b, sizeof(b), "no data");
	headline_cell(out, "pass_pct", "DMARC pass rate", a, b);
	headline_int(out, "dmarc_pass", "Passed DMARC", c->dmarc_pass, p,
	    p->dmarc_pass);
	headline_int(out, "dmarc_fail", "Failed DMARC", c->dmarc_fail, p,
	    p->dmarc_fail);
	headline_int(out, "quarantined", "Quarantined by receivers",
	    c->quarantined, p, p->quarantined);
	headline_int(out, "rejected", "Rejected by receivers", c->rejected, p,
	    p->rejected);
	g_string_truncate(out, out->len - 4);	/* the last "<tr>" */
	g_string_append(out, "</table>\n");
}

/* One chart per policy domain; r->days is sorted by domain, then day. */
static void
html_charts(GString *out, const struct report *r)
{
	guint lo = 0, hi, n = 0;

	g_string_append(out, "<h2 style=\"" S_H2 "\">DMARC pass and fail per "
	    "day</h2>\n");
	if (r->days == NULL || r->days->len == 0) {
		g_string_append(out, "<p>No DMARC aggregate reports in this "
		    "period.</p>\n");
		return;
	}
	while (lo < r->days->len) {
		const char *dom = g_array_index(r->days, struct report_day,
		    lo).domain;

		for (hi = lo; hi < r->days->len && strcmp(g_array_index(r->days,
		    struct report_day, hi).domain, dom) == 0; hi++)
			;
		g_string_append(out, "<div class=\"chart\" data-domain=\"");
		report_escape(out, dom);
		g_string_append(out, "\" style=\"page-break-inside:avoid\">"
		    "<h3 style=\"font-size:14px;margin:10px 0 2px 0\">");
		report_escape(out, dom);
		g_string_append(out, "</h3>\n");
		report_chart(out, r, r->days, lo, hi, n++,
		    &report_dmarc_series);
		g_string_append(out, "</div>\n");
		lo = hi;
	}
}

static int
column_index(const struct report_table *t, const char *name)
{
	guint c;

	for (c = 0; c < t->columns->len; c++)
		if (strcmp(g_ptr_array_index(t->columns, c), name) == 0)
			return (int)c;
	return -1;
}

static gboolean
is_numeric(const struct report_table *t, guint c)
{
	return t->numeric && c < t->numeric->len &&
	    g_array_index(t->numeric, gboolean, c);
}

/* A column's name as a header: dmarc_pass as "dmarc pass", so it wraps. */
static void
html_header(GString *out, const char *name)
{
	char *h = g_strdelimit(g_strdup(name), "_", ' ');

	report_escape(out, h);
	g_free(h);
}

/* A text cell: escaped, with a chance to break after each dot of a long
 * host name (<wbr>), so that the table fits the page. */
static void
html_text(GString *out, const char *s)
{
	GString *e = g_string_new(NULL);
	gsize i;

	report_escape(e, s);
	for (i = 0; i < e->len; i++) {
		g_string_append_c(out, e->str[i]);
		if (e->str[i] == '.' && i + 1 < e->len && e->str[i + 1] != ' ')
			g_string_append(out, "<wbr>");
	}
	g_string_free(e, TRUE);
}

/* The columns shown in the row's cells: not attention, not action. */
static gboolean
shown(int c, int attn, int action)
{
	return c != attn && c != action;
}

static void
html_action(GString *out, GPtrArray *row, int action, guint span,
    gboolean mark)
{
	const char *v;

	if (action < 0 || (guint)action >= row->len ||
	    (v = g_ptr_array_index(row, action)) == NULL || *v == '\0')
		return;
	g_string_append_printf(out, "<tr class=\"action\"><td colspan=\"%u\" "
	    "style=\"" S_TD ";padding-left:24px;color:#222%s\">", span,
	    mark ? ";background:#fef6e8" : "");
	report_escape(out, v);
	g_string_append(out, "</td></tr>\n");
}

static void
html_row(GString *out, const struct report_table *t, GPtrArray *row,
    int attn, int action)
{
	gboolean mark = attn >= 0 && (guint)attn < row->len &&
	    g_strcmp0(g_ptr_array_index(row, attn), "t") == 0;
	gboolean first = TRUE;
	guint c, span = 0;

	g_string_append(out, mark ? "<tr class=\"attention\">" : "<tr>");
	for (c = 0; c < t->columns->len && c < row->len; c++) {
		if (!shown((int)c, attn, action))
			continue;
		g_string_append_printf(out, "<td style=\"" S_TD "%s%s\">",
		    is_numeric(t, c) ? S_NUM : "", mark ? S_ATTN : "");
		if (first && mark)
			g_string_append(out, ATTN_MARK);
		first = FALSE;
		span++;
		if (is_numeric(t, c))
			report_escape(out, g_ptr_array_index(row, c));
		else
			html_text(out, g_ptr_array_index(row, c));
		g_string_append(out, "</td>");
	}
	g_string_append(out, "</tr>\n");
	html_action(out, row, action, span, mark);
}

/* The bounces per day, above their table: authentication refusals
 * stacked on the others. */
static void
html_bounce_chart(GString *out, const struct report *r)
{
	if (r->bounce_days == NULL || r->bounce_days->len == 0)
		return;
	g_string_append(out, "<div class=\"bounce-chart\" "
	    "style=\"page-break-inside:avoid\">\n");
	report_chart(out, r, r->bounce_days, 0, r->bounce_days->len, 1000,
	    &report_bounce_series);
	g_string_append(out, "</div>\n");
}

static void
html_table(GString *out, const struct report *r, const struct report_table *t)
{
	int attn = column_index(t, "attention");
	int action = column_index(t, "action");
	guint c, i;

	g_string_append(out, "<h2 style=\"" S_H2 "\">");
	report_escape(out, t->title);
	g_string_append(out, "</h2>\n");
	if (t->note) {
		g_string_append(out, "<p style=\"margin:2px 0 6px 0\">");
		report_escape(out, t->note);
		g_string_append(out, "</p>\n");
	}
	if (g_strcmp0(t->id, "bounces") == 0)
		html_bounce_chart(out, r);
	if (t->rows == NULL || t->rows->len == 0) {
		g_string_append(out, "<p><i>");
		report_escape(out, t->empty ? t->empty : "Nothing.");
		g_string_append(out, "</i></p>\n");
		return;
	}
	g_string_append(out, "<table id=\"");
	report_escape(out, t->id);
	g_string_append(out, "\" style=\"" S_TABLE "\"><tr>");
	for (c = 0; c < t->columns->len; c++) {
		if (!shown((int)c, attn, action))
			continue;
		g_string_append_printf(out, "<th style=\"" S_TH "%s\">",
		    is_numeric(t, c) ? ";text-align:right" : "");
		html_header(out, g_ptr_array_index(t->columns, c));
		g_string_append(out, "</th>");
	}
	g_string_append(out, "</tr>\n");
	for (i = 0; i < t->rows->len; i++)
		html_row(out, t, g_ptr_array_index(t->rows, i), attn,
		    action);
	g_string_append(out, "</table>\n");
}

GString *
report_html(const struct report *r)
{
	GString *out = g_string_sized_new(64 * 1024);
	guint i;

	g_string_append(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width\">\n<title>mailsift report: ");
	report_escape(out, r->title);
	g_string_append(out, "</title>\n<style>@page { size: A4; margin: "
	    "12mm } tr { page-break-inside: avoid }</style>\n</head>\n"
	    "<body style=\"" S_BODY "\">\n<h1 style=\"font-size:22px;"
	    "margin:0 0 4px 0\">DMARC report: ");
	report_escape(out, r->title);
	g_string_append(out, "</h1>\n<p style=\"margin:0;color:#333\">"
	    "<span id=\"since\">");
	report_escape(out, r->since);
	g_string_append(out, "</span> to <span id=\"until\">");
	report_escape(out, r->until);
	g_string_append(out, "</span> (UTC days, both included); made by "
	    "mailsift ");
	report_escape(out, r->generated);
	g_string_append_printf(out, ". Rows marked %s need a look.</p>\n",
	    ATTN_MARK);
	html_headline(out, r);
	html_charts(out, r);
	for (i = 0; r->tables && i < r->tables->len; i++)
		html_table(out, r, g_ptr_array_index(r->tables, i));
	g_string_append(out, "</body></html>\n");
	return out;
}
