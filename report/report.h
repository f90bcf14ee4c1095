/* report.h - the door of report/: one HTML page, or its plain-text twin,
 * built from plain data the caller hands over.
 *
 *	struct report r = { .title = "example.com", .since = "2026-11-06",
 *	    .until = "2026-12-06", .generated = "2026-12-06 01:00 UTC" };
 *	r.cur = ...; r.prev = ...;		   the headline's figures
 *	report_add_day(&r, "example.com", "2026-11-06", pass, fail);
 *	report_add_bounce_day(&r, "2026-11-06", other, auth);
 *	report_add_table(&r, &(struct report_table){ ... });
 *	GString *html = report_html(&r);	   self-contained: inline CSS
 *	GString *text = report_text(&r);	   and SVG, no script, no URL
 *	report_free(&r);
 *
 * report/ never talks to the database (tests/layout): the CLI fetches
 * the figures through store/ and lends them here.  Every string is
 * treated as hostile and escaped.  Tables borrow their columns and rows
 * (GPtrArray of char *, NULL for none) until report_free.
 */
#ifndef MAILSIFT_REPORT_H
#define MAILSIFT_REPORT_H

#include <glib.h>
#include <stdint.h>

struct report_figures {
	gboolean known;		/* FALSE: no data in that period */
	int64_t messages, dmarc_pass, dmarc_fail, quarantined, rejected;
};

/* One table of the page.  id: the HTML id (ASCII, ours); a column named
 * "attention" is not shown but marks its row when "t"; one named
 * "action" goes on a line of its own under its row. */
struct report_table {
	const char *id;
	const char *title;
	const char *note;	/* a sentence under the title, or NULL */
	const char *empty;	/* said when there are no rows */
	GPtrArray *columns;	/* char * */
	GPtrArray *rows;	/* GPtrArray * of char * */
	GArray *numeric;	/* gboolean per column, or NULL */
};

struct report {
	const char *title;	/* the domain, or "all domains" */
	const char *since, *until;	/* YYYY-MM-DD, both included */
	const char *generated;
	struct report_figures cur, prev;
	GArray *days;		/* struct report_day, internal */
	GArray *bounce_days;	/* the same, other and authentication bounces */
	GPtrArray *tables;	/* struct report_table *, copies */
};

void report_add_day(struct report *r, const char *domain, const char *day,
    int64_t pass, int64_t fail);
/* Bounced recipients of a day: refused for authentication, and the
 * others; drawn above the table whose id is "bounces". */
void report_add_bounce_day(struct report *r, const char *day,
    int64_t other, int64_t auth);
void report_add_table(struct report *r, const struct report_table *t);
GString *report_html(const struct report *r);
GString *report_text(const struct report *r);
void report_free(struct report *r);

#endif
