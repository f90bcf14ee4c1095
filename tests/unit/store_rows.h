/* store_rows.h - reading results in the store's unit tests: the first row
 * of a query, a row or the header of a table, as one string to compare.
 *
 *	garbage = g_ptr_array_new_with_free_func(g_free);
 *	TAP_IS(V(st, "SELECT count(*) FROM x"), "3", "three");
 *	TAP_IS(row(t, 0), "a|-|2", "first row");	   NULL shows as "-"
 *	g_ptr_array_free(garbage, TRUE);
 *
 * The strings live until the test frees garbage.  Shared by
 * store_tls_test.c, store_arf_test.c and store_bounce_test.c.
 */
#ifndef MAILSIFT_TESTS_STORE_ROWS_H
#define MAILSIFT_TESTS_STORE_ROWS_H

#include <inttypes.h>
#include <stdarg.h>
#include <glib.h>

#include "store/store.h"

/* Strings handed out by V(), row() and header(): the test makes the array
 * before the first and frees it, with them, at the end. */
static GPtrArray *garbage;

/* The first row's values joined by |, "<no row>" or "<error: ...>"; NULL
 * shows as "-".  Freed at the end. */
static const char *
V(struct store *st, const char *fmt, ...) G_GNUC_PRINTF(2, 3) G_GNUC_UNUSED;
static const char *
V(struct store *st, const char *fmt, ...)
{
	GError *err = NULL;
	struct store_table *t;
	GString *s = g_string_new(NULL);
	va_list ap;
	char *sql;

	va_start(ap, fmt);
	sql = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	t = store_query(st, sql, &err);
	if (t == NULL) {
		g_string_printf(s, "<error: %s>", err->message);
		g_error_free(err);
	} else if (t->rows->len == 0)
		g_string_assign(s, "<no row>");
	else {
		GPtrArray *r = g_ptr_array_index(t->rows, 0);

		for (guint c = 0; c < r->len; c++) {
			const char *v = g_ptr_array_index(r, c);

			g_string_append_printf(s, "%s%s", c ? "|" : "",
			    v ? v : "-");
		}
	}
	store_table_free(t);
	g_free(sql);
	g_ptr_array_add(garbage, s->str);
	return g_string_free(s, FALSE);
}

/* Row i of a table, values joined by |, NULL as "-". */
G_GNUC_UNUSED static const char *
row(const struct store_table *t, guint i)
{
	GString *s = g_string_new(NULL);

	if (t == NULL || i >= t->rows->len)
		g_string_assign(s, "<no row>");
	else {
		GPtrArray *r = g_ptr_array_index(t->rows, i);

		for (guint c = 0; c < r->len; c++) {
			const char *v = g_ptr_array_index(r, c);

			g_string_append_printf(s, "%s%s", c ? "|" : "",
			    v ? v : "-");
		}
	}
	g_ptr_array_add(garbage, s->str);
	return g_string_free(s, FALSE);
}

/* The column names of a table joined by ,. */
G_GNUC_UNUSED static const char *
header(const struct store_table *t)
{
	GString *s = g_string_new(NULL);

	for (guint c = 0; t && c < t->columns->len; c++)
		g_string_append_printf(s, "%s%s", c ? "," : "",
		    (char *)g_ptr_array_index(t->columns, c));
	g_ptr_array_add(garbage, s->str);
	return g_string_free(s, FALSE);
}

/* Seconds since the epoch of a UTC date and time. */
G_GNUC_UNUSED static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	GDateTime *t = g_date_time_new_utc(y, mo, d, h, mi, s);
	int64_t v = g_date_time_to_unix(t);

	g_date_time_unref(t);
	return v;
}

#endif
