/* text.c - the report in words: the plain-text part of the digest mail.
 *
 *	GString *text = report_text(&r);
 *
 * The same figures as report_html(), as sentences and short lists (the
 * first rows of each table), for a mail client that shows no HTML.
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"

#define TEXT_ROWS	15

static double
pct(int64_t part, int64_t all)
{
	return all > 0 ? 100.0 * (double)part / (double)all : 0.0;
}

static void
text_valid(GString *out, const char *s)
{
	char *v = g_utf8_make_valid(s ? s : "", -1);

	g_string_append(out, v);
	g_free(v);
}

static void
text_headline(GString *out, const struct report *r)
{
	const struct report_figures *c = &r->cur, *p = &r->prev;

	g_string_append_printf(out, "%" PRId64 " messages were reported; "
	    "%" PRId64 " passed DMARC (%.1f %%) and %" PRId64 " failed. "
	    "Receivers quarantined %" PRId64 " and rejected %" PRId64 ".\n",
	    c->messages, c->dmarc_pass, pct(c->dmarc_pass, c->messages),
	    c->dmarc_fail, c->quarantined, c->rejected);
	if (p->known)
		g_string_append_printf(out, "In the period before: %" PRId64
		    " messages, %.1f %% passed (%+.1f points now).\n",
		    p->messages, pct(p->dmarc_pass, p->messages),
		    pct(c->dmarc_pass, c->messages) -
		    pct(p->dmarc_pass, p->messages));
	else
		g_string_append(out, "No reports for the period before.\n");
}

static void
text_row(GString *out, const struct report_table *t, GPtrArray *row)
{
	gboolean first = TRUE;
	guint c;

	for (c = 0; c < t->columns->len && c < row->len; c++) {
		const char *name = g_ptr_array_index(t->columns, c);
		const char *v = g_ptr_array_index(row, c);

		if (strcmp(name, "attention") == 0) {
			if (g_strcmp0(v, "t") == 0)
				g_string_append(out, " [needs a look]");
			continue;
		}
		if (v == NULL || *v == '\0')
			continue;
		g_string_append(out, first ? "  - " : ", ");
		if (!first) {
			g_string_append(out, name);
			g_string_append(out, " ");
		}
		text_valid(out, v);
		first = FALSE;
	}
	g_string_append(out, "\n");
}

static void
text_table(GString *out, const struct report_table *t)
{
	guint i;

	g_string_append(out, "\n");
	text_valid(out, t->title);
	g_string_append(out, "\n");
	if (t->note) {
		text_valid(out, t->note);
		g_string_append(out, "\n");
	}
	if (t->rows == NULL || t->rows->len == 0) {
		g_string_append(out, "  ");
		text_valid(out, t->empty ? t->empty : "Nothing.");
		g_string_append(out, "\n");
		return;
	}
	for (i = 0; i < t->rows->len && i < TEXT_ROWS; i++)
		text_row(out, t, g_ptr_array_index(t->rows, i));
	if (t->rows->len > TEXT_ROWS)
		g_string_append_printf(out, "  ... and %u more in the HTML "
		    "part.\n", t->rows->len - TEXT_ROWS);
}

GString *
report_text(const struct report *r)
{
	GString *out = g_string_new("DMARC report: ");
	guint i;

	text_valid(out, r->title);
	g_string_append(out, ", ");
	text_valid(out, r->since);
	g_string_append(out, " to ");
	text_valid(out, r->until);
	g_string_append(out, " (UTC)\n\n");
	text_headline(out, r);
	for (i = 0; r->tables && i < r->tables->len; i++)
		text_table(out, g_ptr_array_index(r->tables, i));
	g_string_append(out, "\nThe charts are in the HTML part.\n");
	return out;
}
