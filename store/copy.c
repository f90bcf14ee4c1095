/* copy.c - send buffered rows of one table with COPY ... FROM STDIN.
 *
 *	store_copy_rows(st, "dmarc_record", "COPY dmarc_record (...) FROM STDIN",
 *	    &rb, report_pk, &err);
 *
 * The bulk path for big reports: COPY is the cheapest way into PostgreSQL
 * per row, but costs two round trips (the server must answer the COPY
 * before data may follow), so small reports go by INSERT ... unnest in the
 * pipeline instead (report.c).  Rows are encoded into 256 KiB pieces as
 * they are sent, so the COPY text never exists whole.  The report's key
 * leads every row.
 */
#include <inttypes.h>

#include "internal.h"

#define COPY_PIECE (256 * 1024)

static int
copy_finish(struct store *st, const char *what, GError **err)
{
	PGresult *res;
	int failed = 0;

	while ((res = PQgetResult(st->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && !failed) {
			store_set_result_error(st, res, what, err);
			failed = 1;
		}
		PQclear(res);
		if (PQstatus(st->conn) == CONNECTION_BAD)
			break;
	}
	return failed ? -1 : 0;
}

int
store_copy_rows(struct store *st, const char *what, const char *copy_sql,
    const struct rowbuf *rb, int64_t report_pk, GError **err)
{
	char prefix[32];
	GString *out;
	PGresult *res;
	gsize off = 0;

	if (rb->nvals == 0)
		return 0;
	/* COPY cannot run in a pipeline: finish whatever is queued first. */
	if (q_sync(st, err) < 0)
		return -1;
	if (st->broken) {
		store_set_error(err, STORE_ERROR_TRANSIENT,
		    "database connection lost; roll back and retry");
		return -1;
	}
	res = PQexec(st->conn, copy_sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		store_set_result_error(st, res, what, err);
		PQclear(res);
		return -1;
	}
	PQclear(res);

	snprintf(prefix, sizeof(prefix), "%" PRId64 "\t", report_pk);
	out = g_string_sized_new(COPY_PIECE + 4096);
	while (off < rb->data->len) {
		g_string_truncate(out, 0);
		off = rowbuf_copy_text(rb, off, prefix, out, COPY_PIECE);
		if (PQputCopyData(st->conn, out->str, out->len) != 1) {
			g_string_free(out, TRUE);
			store_set_conn_error(st, what, err);
			st->broken = TRUE;
			return -1;
		}
	}
	g_string_free(out, TRUE);
	if (PQputCopyEnd(st->conn, NULL) != 1) {
		store_set_conn_error(st, what, err);
		st->broken = TRUE;
		return -1;
	}
	return copy_finish(st, what, err);
}
