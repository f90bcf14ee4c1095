/* table.c - a query's result as a table of text (struct store_table).
 *
 *	t = store_table_from_result(res);	   columns, rows, numeric flags
 *	store_table_free(t);
 *
 * Values are PostgreSQL's text output, NULL as a NULL pointer; a column is
 * marked numeric when its SQL type is, so that output formats print it as
 * a number.  Shared by the whole-result queries (query.c) and the
 * streamed ones (stream.c), one batch at a time.
 */
#include "internal.h"

void
store_table_free(struct store_table *t)
{
	if (t == NULL)
		return;
	g_ptr_array_unref(t->columns);
	g_ptr_array_unref(t->rows);
	if (t->numeric)
		g_array_unref(t->numeric);
	g_free(t);
}

/* Built-in type OIDs (pg_type.h): int2, int4, int8, float4, float8,
 * numeric.  Output formats use them to print numbers as numbers. */
static gboolean
type_is_numeric(Oid type)
{
	return type == 21 || type == 23 || type == 20 || type == 700 ||
	    type == 701 || type == 1700;
}

struct store_table *
store_table_from_result(const PGresult *res)
{
	struct store_table *t = g_new(struct store_table, 1);
	int r, c, nc = PQnfields(res);

	t->columns = g_ptr_array_new_with_free_func(g_free);
	t->rows = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)g_ptr_array_unref);
	t->numeric = g_array_sized_new(FALSE, FALSE, sizeof(gboolean), nc);
	for (c = 0; c < nc; c++) {
		gboolean num = type_is_numeric(PQftype(res, c));

		g_ptr_array_add(t->columns, g_strdup(PQfname(res, c)));
		g_array_append_val(t->numeric, num);
	}
	for (r = 0; r < PQntuples(res); r++) {
		GPtrArray *row = g_ptr_array_new_full(nc, g_free);

		for (c = 0; c < nc; c++)
			g_ptr_array_add(row, PQgetisnull(res, r, c) ? NULL :
			    g_strdup(PQgetvalue(res, r, c)));
		g_ptr_array_add(t->rows, row);
	}
	return t;
}

