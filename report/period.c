/* period.c - the report's days: the period's first day and its length.
 *
 *	if (report_period(r, &first, &ndays)) ...
 *
 * Shared by the chart (one bar per day) and the page (chart.c, html.c).
 */
#include "internal.h"

gboolean
report_period(const struct report *r, GDate *first, guint *ndays)
{
	GDate last;

	g_date_clear(first, 1);
	g_date_clear(&last, 1);
	if (r->since == NULL || r->until == NULL)
		return FALSE;
	g_date_set_parse(first, r->since);
	g_date_set_parse(&last, r->until);
	if (!g_date_valid(first) || !g_date_valid(&last) ||
	    g_date_compare(first, &last) > 0)
		return FALSE;
	*ndays = (guint)g_date_days_between(first, &last) + 1;
	return TRUE;
}
