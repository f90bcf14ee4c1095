/* internal.h - what the files of report/ share (not a door). */
#ifndef MAILSIFT_REPORT_INTERNAL_H
#define MAILSIFT_REPORT_INTERNAL_H

#include "report.h"

struct report_day {
	char *domain;
	GDate date;
	int64_t pass, fail;
};

/* What a chart's two stacked series are called. */
struct report_series {
	const char *good, *bad;	/* legend: solid blue, hatched vermilion */
	const char *unit;	/* the y axis: "messages per day" */
};
extern const struct report_series report_dmarc_series, report_bounce_series;

/* chart.c: a daily chart as inline SVG, one stacked bar per day of the
 * period, from days[lo, hi) (struct report_day: pass is the good series,
 * fail the bad one). */
void report_chart(GString *out, const struct report *r, const GArray *days,
    guint lo, guint hi, guint chart_no, const struct report_series *ser);
/* html.c */
void report_escape(GString *out, const char *s);
/* period.c: the period's first day and its number of days. */
gboolean report_period(const struct report *r, GDate *first, guint *ndays);

#endif
