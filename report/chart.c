/* chart.c - the daily charts (DMARC pass/fail, bounces), drawn as SVG text.
 *
 *	report_chart(out, r, r->days, lo, hi, n, &report_dmarc_series);
 *					   days[lo, hi): one domain
 *
 * Written here rather than with a chart library: the page needs one
 * kind of chart (stacked bars per day, an axis, a legend), a few dozen
 * lines of SVG that any browser and most mail clients draw, and no
 * library in Debian writes SVG without pulling in a toolkit or a
 * JavaScript runtime.  So: no dependency, nothing fetched, and every
 * number in the picture is a number in the database.
 *
 * Colours are the Okabe-Ito palette (blue #0072B2 for pass, vermilion
 * #D55E00 for fail), told apart by people with any colour blindness; the
 * failures are also hatched, so a grey print tells them apart too.
 * Every bar carries a <title> (the day's figures as a tooltip) and
 * data-* attributes (tests/t/report.sh reads them back).
 */
#include <inttypes.h>
#include <stdio.h>

#include "internal.h"

#define W	720	/* the picture, in CSS pixels: fits A4 at 96 dpi */
#define H	250
#define ML	64	/* margins: left (the axis' numbers), right, top, bottom */
#define MR	12
#define MT	30
#define MB	40
#define PASS_COLOUR	"#0072B2"
#define FAIL_COLOUR	"#D55E00"

const struct report_series report_dmarc_series = {
	"DMARC pass", "DMARC fail", "messages per day"
};
const struct report_series report_bounce_series = {
	"other bounces", "refused for authentication", "bounced recipients per day"
};

/* The smallest 1, 2 or 5 times a power of ten that, times 4, holds max. */
static int64_t
nice_step(int64_t max)
{
	int64_t p = 1;

	for (;;) {
		if (4 * p >= max)
			return p;
		if (8 * p >= max)
			return 2 * p;
		if (20 * p >= max)
			return 5 * p;
		if (p > INT64_MAX / 100)
			return p * 10;
		p *= 10;
	}
}

static void
chart_legend(GString *out, guint chart_no, const struct report_series *ser)
{
	g_string_append_printf(out,
	    "<rect x=\"%d\" y=\"6\" width=\"14\" height=\"14\" fill=\""
	    PASS_COLOUR "\"/><text x=\"%d\" y=\"18\">%s</text>"
	    "<rect x=\"%d\" y=\"6\" width=\"14\" height=\"14\" "
	    "fill=\"url(#hatch%u)\" stroke=\"" FAIL_COLOUR "\"/>"
	    "<text x=\"%d\" y=\"18\">%s</text>\n",
	    ML, ML + 20, ser->good, ML + 150, chart_no, ML + 170, ser->bad);
}

static void
chart_axes(GString *out, int64_t step, guint chart_no,
    const struct report_series *ser)
{
	int i;

	g_string_append_printf(out,
	    "<defs><pattern id=\"hatch%u\" width=\"6\" height=\"6\" "
	    "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	    "<rect width=\"6\" height=\"6\" fill=\"" FAIL_COLOUR "\"/>"
	    "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#fff\" "
	    "stroke-width=\"2\"/></pattern></defs>\n", chart_no);
	for (i = 0; i <= 4; i++) {
		int y = MT + (H - MT - MB) * (4 - i) / 4;

		g_string_append_printf(out,
		    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		    "stroke=\"%s\" stroke-width=\"1\"/>"
		    "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%" PRId64
		    "</text>\n", ML, y, W - MR, y, i ? "#ddd" : "#333",
		    ML - 6, y + 4, step * i);
	}
	g_string_append_printf(out,
	    "<text transform=\"translate(14 %d) rotate(-90)\" "
	    "text-anchor=\"middle\">%s</text>\n",
	    MT + (H - MT - MB) / 2, ser->unit);
	chart_legend(out, chart_no, ser);
}

static void
chart_bar(GString *out, const GDate *d, double x, double bw, int64_t pass,
    int64_t fail, int64_t top, guint chart_no)
{
	double ph = (double)(H - MT - MB);
	double hp = top ? ph * (double)pass / (double)top : 0;
	double hf = top ? ph * (double)fail / (double)top : 0;
	double base = (double)(H - MB);
	char day[16], label[32];

	g_date_strftime(day, sizeof(day), "%Y-%m-%d", d);
	g_date_strftime(label, sizeof(label), "%e %b %Y", d);
	g_string_append_printf(out, "<g class=\"day\" data-day=\"%s\" "
	    "data-pass=\"%" PRId64 "\" data-fail=\"%" PRId64 "\"><title>%s: %"
	    PRId64 " pass, %" PRId64 " fail</title>", day, pass, fail,
	    g_strstrip(label), pass, fail);
	if (pass)
		g_string_append_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.1f\" fill=\"" PASS_COLOUR "\"/>",
		    x, base - hp, bw, hp);
	if (fail)
		g_string_append_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.1f\" fill=\"url(#hatch%u)\" "
		    "stroke=\"" FAIL_COLOUR "\" stroke-width=\"0.5\"/>", x,
		    base - hp - hf, bw, hf, chart_no);
	g_string_append(out, "</g>\n");
}

/* Date labels under the axis: at most 8, the first day of each stretch. */
static void
chart_dates(GString *out, const GDate *first, guint ndays, double slot)
{
	guint every = (ndays + 7) / 8, i;

	for (i = 0; i < ndays; i += every) {
		GDate d = *first;
		char label[16];

		g_date_add_days(&d, i);
		g_date_strftime(label, sizeof(label), "%e %b", &d);
		g_string_append_printf(out, "<text x=\"%.1f\" y=\"%d\" "
		    "text-anchor=\"middle\">%s</text>", ML + slot * (i + 0.5),
		    H - MB + 16, g_strstrip(label));
	}
	g_string_append_printf(out, "<text x=\"%d\" y=\"%d\" "
	    "text-anchor=\"middle\">day (UTC)</text>\n", ML + (W - ML - MR) / 2,
	    H - 6);
}

void
report_chart(GString *out, const struct report *r, const GArray *days,
    guint lo, guint hi, guint chart_no, const struct report_series *ser)
{
	GDate first;
	guint ndays, i;
	int64_t *pass, *fail, max = 1, step;
	double slot;

	if (!report_period(r, &first, &ndays) || ndays == 0)
		return;
	pass = g_new0(int64_t, ndays);
	fail = g_new0(int64_t, ndays);
	for (i = lo; i < hi; i++) {
		const struct report_day *d =
		    &g_array_index(days, struct report_day, i);
		int k = g_date_days_between(&first, &d->date);

		if (k < 0 || (guint)k >= ndays)
			continue;
		pass[k] += d->pass;
		fail[k] += d->fail;
		if (pass[k] + fail[k] > max)
			max = pass[k] + fail[k];
	}
	step = nice_step(max);
	slot = (double)(W - ML - MR) / ndays;
	g_string_append_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "style=\"max-width:100%%;height:auto;font:12px sans-serif\">\n",
	    W, H, W, H);
	chart_axes(out, step, chart_no, ser);
	for (i = 0; i < ndays; i++) {
		GDate d = first;

		g_date_add_days(&d, i);
		chart_bar(out, &d, ML + slot * i + slot * 0.1, slot * 0.8,
		    pass[i], fail[i], step * 4, chart_no);
	}
	chart_dates(out, &first, ndays, slot);
	g_string_append(out, "</svg>\n");
	g_free(pass);
	g_free(fail);
}
