/* copy.c - send buffered rows of one table with COPY ... FROM STDIN.
 *
 *	store_copy_rows(st, "dmarc_record", "COPY dmarc_record (...) FROM STDIN",
 *	    &rb, "42\t2026-12-01\t", &err);   sends the rows, does not wait
 *	store_copy_wait(st, &err);	   the server's answer (pipe.c)
 *
 * The bulk path for big reports: COPY is the cheapest way into PostgreSQL
 * per row, but cannot be pipelined and costs a round trip of its own (the
 * server must answer the COPY before data may follow), so small reports go
 * by INSERT ... unnest in the pipeline instead (report.c).  Rows are
 * encoded into 256 KiB pieces as they are sent, so the COPY text never
 * exists whole.  The same leading
 * columns (the report's key, the partition key) lead every row: prefix.
 *
 * store_copy_rows returns once the rows and the end of the COPY are sent:
 * the server stores them (and checks their foreign keys, which it does at
 * the end of the statement) while the caller reads the next chunk of the
 * report, so on two cores parsing and storing overlap instead of taking
 * turns.  The answer, and any error in the rows, is read by
 * store_copy_wait, which the next use of the connection calls first
 * (pipe.c), so a refused chunk shows at the next call of the report.
 */
#include <inttypes.h>

#include "internal.h"

#define COPY_PIECE (256 * 1024)

static int
copy_lost(struct store *st, const char *what, GError **err)
{
	store_set_conn_error(st, what, err);
	st->broken = TRUE;
	return -1;
}

int
store_copy_rows(struct store *st, const char *what, const char *copy_sql,
    const struct rowbuf *rb, const char *prefix, GError **err)
{
	GString *out;
	PGresult *res;
	gsize off = 0;

	if (rb->nvals == 0)
		return 0;
	/* COPY cannot run in a pipeline: finish whatever is queued first,
	 * the previous COPY included. */
	if (store_copy_wait(st, err) < 0 || q_sync(st, err) < 0)
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

	out = g_string_sized_new(COPY_PIECE + 4096);
	while (off < rb->data->len) {
		g_string_truncate(out, 0);
		off = rowbuf_copy_text(rb, off, prefix, out, COPY_PIECE);
		if (PQputCopyData(st->conn, out->str, out->len) != 1) {
			g_string_free(out, TRUE);
			return copy_lost(st, what, err);
		}
	}
	g_string_free(out, TRUE);
	/* PQputCopyEnd flushes, in blocking mode: everything is out. */
	if (PQputCopyEnd(st->conn, NULL) != 1)
		return copy_lost(st, what, err);
	st->copy_busy = TRUE;
	st->copy_what = what;
	return 0;
}
