/* rollup.c - the upkeep of the daily rollups: rebuilt from the records,
 * and old reports pruned (`mailsift db rebuild-rollups`, `db prune`).
 *
 *	n = store_rebuild_rollups(st, &err);	   rows of dmarc_daily, -1
 *	n = store_prune(st, before, keep_rollups, said, &err);   reports removed
 *
 * Ingest keeps the rollups itself (daily.c, with each report, and bounce.c
 * with each bounce; triggers of sql/008_rollup.sql and 013_bounce_rollup.sql
 * for what anything else writes); these
 * are the schema owner's maintenance, each one transaction of its own,
 * outside any batch.  The rebuild is dmarc_rollup_rebuild() and
 * bounce_rollup_rebuild() (sql/013_bounce_rollup.sql), in one transaction:
 * ingest waits while it runs.  Pruning drops whole months of records
 * (partitions) and deletes their reports (raw copies go with them, ON DELETE CASCADE); the
 * rollup rows of the pruned days go too unless asked to keep them, so
 * that the trends of a year stay while the records of one month are kept.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* One statement in its own transaction; the first value of its result in
 * *out when it returns rows. */
static int
maint_exec(struct store *st, const char *sql, int n,
    const char *const *values, int64_t *out, GError **err)
{
	PGresult *res;
	ExecStatusType s;

	res = PQexecParams(st->conn, sql, n, NULL, values, NULL, NULL, 0);
	s = PQresultStatus(res);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		store_set_result_error(st, res, "maintenance", err);
		PQclear(res);
		return -1;
	}
	if (out != NULL) {
		if (s == PGRES_TUPLES_OK && PQntuples(res) > 0 &&
		    !PQgetisnull(res, 0, 0))
			*out = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		else if (s == PGRES_COMMAND_OK)
			*out = strtoll(PQcmdTuples(res), NULL, 10);
	}
	PQclear(res);
	return 0;
}

static void
maint_rollback(struct store *st)
{
	if (PQtransactionStatus(st->conn) != PQTRANS_IDLE) {
		PGresult *res = PQexec(st->conn, "ROLLBACK");

		PQclear(res);
	}
	st->tx = FALSE;
}

static int
maint_begin(struct store *st, GError **err)
{
	if (st->in_batch) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "maintenance cannot run inside a batch");
		return -1;
	}
	if (store_check_usable(st, err) < 0)
		return -1;
	if (maint_exec(st, "BEGIN", 0, NULL, NULL, err) < 0)
		return -1;
	st->tx = TRUE;
	return 0;
}

static int
maint_commit(struct store *st, GError **err)
{
	int rc = maint_exec(st, "COMMIT", 0, NULL, NULL, err);

	maint_rollback(st);
	return rc;
}

int64_t
store_rebuild_rollups(struct store *st, GError **err)
{
	int64_t n = 0;

	if (maint_begin(st, err) < 0)
		return -1;
	if (maint_exec(st, "SET LOCAL jit TO off", 0, NULL, NULL, err) < 0 ||
	    maint_exec(st, "SELECT dmarc_rollup_rebuild()", 0, NULL, &n,
	    err) < 0 ||
	    maint_exec(st, "SELECT bounce_rollup_rebuild()", 0, NULL, NULL,
	    err) < 0 || maint_commit(st, err) < 0) {
		maint_rollback(st);
		return -1;
	}
	return n;
}

/* dmarc_prune() (sql/011_partition.sql) does the work: drops the month
 * partitions of dmarc_record before the month of before, deletes those
 * reports, and the rollup rows of those days unless keep_rollups.  Its
 * lines, but the last (the number of reports), go to said. */
int64_t
store_prune(struct store *st, int64_t before, gboolean keep_rollups,
    GPtrArray *said, GError **err)
{
	char b[32];
	const char *v[2] = { b, keep_rollups ? "t" : "f" };
	PGresult *res;
	int64_t n;
	int i, rows;

	snprintf(b, sizeof(b), "%" PRId64, before);
	if (maint_begin(st, err) < 0)
		return -1;
	res = PQexecParams(st->conn, "SELECT dmarc_prune("
	    "to_timestamp($1::bigint), $2::bool)", 2, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK ||
	    (rows = PQntuples(res)) == 0) {
		store_set_result_error(st, res, "prune", err);
		PQclear(res);
		maint_rollback(st);
		return -1;
	}
	for (i = 0; i < rows - 1; i++)
		g_ptr_array_add(said, g_strdup(PQgetvalue(res, i, 0)));
	n = strtoll(PQgetvalue(res, rows - 1, 0), NULL, 10);
	PQclear(res);
	if (maint_commit(st, err) < 0) {
		maint_rollback(st);
		return -1;
	}
	return n;
}
