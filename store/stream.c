/* stream.c - a read-only query whose rows come in batches, in flat memory.
 *
 *	rc = store_stream_sql(st, sql, n, values, fn, user, &err);
 *	    fn(user, batch) gets the rows 1000 at a time as a store_table
 *	    (freed after the call); it returns < 0 to stop early.
 *	    rc: 0 done, -1 error (err set).
 *
 * A cursor in a read-only transaction that is rolled back, fetched 1000
 * rows at a time: the client holds one batch, however many rows the query
 * has (`trend --by ip` of a month may have 600 thousand).  A cursor rather
 * than libpq's single-row mode because a batch is a PGresult like any
 * other (table_from), and the server keeps the plan a plain query gets
 * (cursor_tuple_fraction 1: every row is wanted).  Plain libpq calls, one
 * round trip per batch, outside any batch of the writer's (pipe.c).
 */
#include "internal.h"

#define STREAM_FETCH "FETCH 1000 FROM mailsift_rows"

/* Statement setup, as run_readonly's (query.c). */
static const char *const stream_setup[] = {
	"BEGIN READ ONLY",
	"SET LOCAL plan_cache_mode TO force_custom_plan",
	"SET LOCAL jit TO off",
	"SET LOCAL cursor_tuple_fraction TO 1",
};

static int
stream_exec(struct store *st, const char *sql, GError **err)
{
	PGresult *res = PQexec(st->conn, sql);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		store_set_result_error(st, res, "query", err);
	PQclear(res);
	return ok ? 0 : -1;
}

int
store_stream_sql(struct store *st, const char *sql, int n,
    const char *const *values, store_rows_fn fn, void *user, GError **err)
{
	char *declare;
	PGresult *res;
	int rc = -1, stop = 0;
	guint i;

	if (st->in_batch) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "queries cannot run inside a batch");
		return -1;
	}
	if (store_check_usable(st, err) < 0)
		return -1;
	for (i = 0; i < G_N_ELEMENTS(stream_setup); i++)
		if (stream_exec(st, stream_setup[i], err) < 0)
			goto out;
	st->tx = TRUE;
	declare = g_strconcat("DECLARE mailsift_rows NO SCROLL CURSOR FOR ",
	    sql, NULL);
	res = PQexecParams(st->conn, declare, n, NULL, values, NULL, NULL, 0);
	g_free(declare);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		store_set_result_error(st, res, "query", err);
		PQclear(res);
		goto out;
	}
	PQclear(res);
	while (!stop) {
		struct store_table *t;

		res = PQexec(st->conn, STREAM_FETCH);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			store_set_result_error(st, res, "query", err);
			PQclear(res);
			goto out;
		}
		/* The first batch goes out even when empty: it names the
		 * columns. */
		stop = PQntuples(res) < 1000;
		t = store_table_from_result(res);
		PQclear(res);
		if (fn(user, t) < 0)
			stop = 1;
		store_table_free(t);
	}
	rc = 0;
out:
	if (PQtransactionStatus(st->conn) != PQTRANS_IDLE) {
		res = PQexec(st->conn, "ROLLBACK");
		PQclear(res);
	}
	st->tx = FALSE;
	return rc;
}
