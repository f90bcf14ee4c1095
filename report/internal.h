/* internal.h - what the files of report/ share (not a door). */
#ifndef MAILSIFT_REPORT_INTERNAL_H
#define MAILSIFT_REPORT_INTERNAL_H

#include "report.h"

struct report_day {
	char *domain;
	GDate date;
	int64_t pass, fail;
};

/* chart.c: the daily pass/fail chart of one domain as inline SVG, days
 * [first, first + n) of r->days from index lo to hi (one domain). */
void report_chart(GString *out, const struct report *r, guint lo, guint hi,
    guint chart_no);
/* html.c */
void report_escape(GString *out, const char *s);
/* period.c: the period's first day and its number of days. */
gboolean report_period(const struct report *r, GDate *first, guint *ndays);

#endif
