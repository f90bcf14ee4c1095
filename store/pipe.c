/* pipe.c - send statements in few round trips with libpq's pipeline mode.
 *
 *	q_fixed(st, "SAVEPOINT m", EFF_SP_M);	   queued, not sent
 *	i = q_send(st, &stmt, n, vals, lens, fmts, 0, &err);
 *	if (q_sync(st, &err) < 0) ...		   one round trip for all
 *	res = q_result(st, i);			   valid until the next q_sync
 *
 * Without pipeline mode libpq allows one statement in flight, so a
 * SAVEPOINT, an INSERT and a RELEASE cost three round trips; here they cost
 * one.  Parameterless statements wait in st->pending until something else
 * has to go out, and go first, in order.  Named statements are prepared on
 * first use on the connection, in the same round trip.
 *
 * The first failing statement decides the error; the server skips the rest
 * up to the sync (PGRES_PIPELINE_ABORTED), and their effects (see
 * internal.h) are not applied, so the savepoint flags stay true.  A report
 * savepoint that nobody will roll back any more (its report was refused at
 * begin, or at its deferred end) is rolled back here, so the transaction
 * stays usable for the rest of the message.
 *
 * q_defer marks a point where the caller wants no result: what is queued
 * waits for the next round trip (a fast batch's report and message ends
 * ride with the next report's duplicate check), unless too much is in
 * flight.  Sending it at once instead would let the server start earlier,
 * but costs both processes a wake-up per statement, and on two cores with
 * a job per core there is nothing to overlap with.  A statement marked
 * with q_expect_row must return a row; when it returns none (a report
 * taken for new was stored already: earlier in the batch, or by another
 * ingester meanwhile), the batch is retried (conn.c).
 */
#include <string.h>

#include "internal.h"

struct q_pending {
	const struct q_stmt *stmt;	/* prepared, or NULL: sql */
	const char *sql;
	enum q_effect eff;
};

struct q_item {
	enum q_effect eff;
	const char *what;	/* for error messages */
	const char *prep;	/* EFF_PREPARE: the statement name */
	gboolean expect_row;	/* no row back: retry the batch */
};

void
q_init(struct store *st)
{
	st->pending = g_array_new(FALSE, FALSE, sizeof(struct q_pending));
	st->items = g_array_new(FALSE, FALSE, sizeof(struct q_item));
	st->results = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)PQclear);
}

void
q_free(struct store *st)
{
	g_array_free(st->pending, TRUE);
	g_array_free(st->items, TRUE);
	g_ptr_array_free(st->results, TRUE);
}

/* Forget everything queued.  Statements already sent are finished first
 * (the caller is about to roll them back), so that libpq leaves pipeline
 * mode in a known state. */
void
q_reset(struct store *st)
{
	store_copy_wait(st, NULL);
	g_array_set_size(st->pending, 0);
	if (st->items->len > 0 && !st->broken)
		q_sync(st, NULL);
	g_ptr_array_set_size(st->results, 0);
	if (st->items->len > 0)
		st->broken = TRUE;
	g_array_set_size(st->items, 0);
	if (PQpipelineStatus(st->conn) != PQ_PIPELINE_OFF &&
	    !PQexitPipelineMode(st->conn))
		st->broken = TRUE;
}

void
q_fixed(struct store *st, const char *sql, enum q_effect eff)
{
	struct q_pending p = { NULL, sql, eff };

	g_array_append_val(st->pending, p);
}

/* Like q_fixed, for a parameterless statement worth preparing. */
void
q_fixed_stmt(struct store *st, const struct q_stmt *s, enum q_effect eff)
{
	struct q_pending p = { s, s->sql, eff };

	g_array_append_val(st->pending, p);
}

gboolean
q_pending_has(struct store *st, enum q_effect eff)
{
	guint i;

	for (i = 0; i < st->pending->len; i++)
		if (g_array_index(st->pending, struct q_pending, i).eff == eff)
			return TRUE;
	return FALSE;
}

/* Unqueue what was never sent. */
void
q_pending_drop(struct store *st, enum q_effect eff)
{
	guint i;

	for (i = st->pending->len; i-- > 0;)
		if (g_array_index(st->pending, struct q_pending, i).eff == eff)
			g_array_remove_index(st->pending, i);
}

static int
q_push(struct store *st, enum q_effect eff, const char *what,
    const char *prep)
{
	struct q_item it = { eff, what, prep, FALSE };

	g_array_append_val(st->items, it);
	return st->items->len - 1;
}

static int
q_failed_send(struct store *st, const char *what, GError **err)
{
	store_set_conn_error(st, what, err);
	st->broken = TRUE;	/* part of a pipeline may be out */
	return -1;
}

/* Send one statement, preparing it first when named and new. */
static int
send_one(struct store *st, const struct q_stmt *s, int n,
    const char *const *values, const int *lengths, const int *formats,
    int result_format, enum q_effect eff, GError **err)
{
	/* An unnamed statement is named "query" in errors: its SQL text is
	 * no message for a user (a bad --ip printed 600 characters of it). */
	const char *what = s->name ? s->name : "query";
	int ok;

	if (s->name && !g_hash_table_contains(st->prepared, s->name)) {
		/* Counted as prepared now so that a second use in this round
		 * does not prepare again; q_sync undoes it on failure. */
		if (!PQsendPrepare(st->conn, s->name, s->sql, 0, NULL))
			return q_failed_send(st, what, err);
		g_hash_table_add(st->prepared, (gpointer)s->name);
		q_push(st, EFF_PREPARE, what, s->name);
	}
	if (s->name)
		ok = PQsendQueryPrepared(st->conn, s->name, n, values,
		    lengths, formats, result_format);
	else
		ok = PQsendQueryParams(st->conn, s->sql, n, NULL, values,
		    lengths, formats, result_format);
	if (!ok)
		return q_failed_send(st, what, err);
	return q_push(st, eff, what, NULL);
}

/* Enter pipeline mode and send what is pending.  A COPY still running
 * (copy.c) is finished first: its error is the caller's. */
static int
q_enter(struct store *st, GError **err)
{
	guint i;

	if (store_copy_wait(st, err) < 0)
		return -1;
	if (st->broken) {
		store_set_error(err, STORE_ERROR_TRANSIENT,
		    "database connection lost; roll back and retry");
		return -1;
	}
	if (PQpipelineStatus(st->conn) == PQ_PIPELINE_OFF &&
	    !PQenterPipelineMode(st->conn))
		return q_failed_send(st, "pipeline", err);
	for (i = 0; i < st->pending->len; i++) {
		struct q_pending *p = &g_array_index(st->pending,
		    struct q_pending, i);
		struct q_stmt unnamed = { NULL, p->sql };

		if (send_one(st, p->stmt ? p->stmt : &unnamed, 0, NULL, NULL,
		    NULL, 0, p->eff, err) < 0)
			return -1;
	}
	g_array_set_size(st->pending, 0);
	return 0;
}

/* Send one statement; returns its index for q_result, or -1. */
int
q_send(struct store *st, const struct q_stmt *s, int n,
    const char *const *values, const int *lengths, const int *formats,
    int result_format, GError **err)
{
	if (q_enter(st, err) < 0)
		return -1;
	if (st->in_message)
		st->msg_sent = TRUE;
	return send_one(st, s, n, values, lengths, formats, result_format,
	    EFF_NONE, err);
}

void
q_expect_row(struct store *st, int idx)
{
	if (idx >= 0 && (guint)idx < st->items->len)
		g_array_index(st->items, struct q_item, idx).expect_row = TRUE;
}

/* Is a q_expect_row statement in flight?  Its check is ours, not the
 * server's: a COMMIT sent behind it would commit regardless. */
gboolean
q_expecting(struct store *st)
{
	guint i;

	for (i = 0; i < st->items->len; i++)
		if (g_array_index(st->items, struct q_item, i).expect_row)
			return TRUE;
	return FALSE;
}

/* Statements whose results are not read yet.  Bounded: the server writes
 * every result as it goes, and once its socket buffer is full it stops
 * reading ours, so unread results must stay well below that (a result is
 * about 50 bytes; a socket buffer holds over 100 kB). */
#define Q_MAX_INFLIGHT 256

int
q_defer(struct store *st, GError **err)
{
	if (st->items->len + st->pending->len < Q_MAX_INFLIGHT)
		return 0;
	return q_sync(st, err);
}

static void
q_apply(struct store *st, enum q_effect eff)
{
	switch (eff) {
	case EFF_BEGIN:
		st->tx = TRUE;
		break;
	case EFF_END:
		st->tx = st->sp_m = st->sp_r = FALSE;
		break;
	case EFF_SP_M:
		st->sp_m = TRUE;
		break;
	case EFF_REL_M:
		st->sp_m = st->sp_r = FALSE;
		break;
	case EFF_UNDO_M:
		st->sp_r = FALSE;	/* m stays */
		break;
	case EFF_SP_R:
		st->sp_r = TRUE;
		break;
	case EFF_REL_R:
		st->sp_r = FALSE;
		break;
	case EFF_NONE:
	case EFF_PREPARE:
		break;
	}
}

/* A report's deferred end was refused, or its begin: no call will undo
 * the report, so roll back to its savepoint here, leaving the transaction
 * usable and the caller with the error (see report.c). */
static void
q_heal(struct store *st)
{
	PGresult *res;

	if (st->broken || !st->sp_r || st->in_report)
		return;
	res = PQexec(st->conn,
	    "ROLLBACK TO SAVEPOINT r; RELEASE SAVEPOINT r");
	if (PQresultStatus(res) == PGRES_COMMAND_OK)
		st->sp_r = FALSE;
	PQclear(res);
}

/* End the round trip: read every result, apply effects, report the first
 * error.  Returns 0 or -1. */
int
q_sync(struct store *st, GError **err)
{
	GError *first = NULL;
	guint i = 0, n;

	g_ptr_array_set_size(st->results, 0);
	if (st->items->len == 0 && st->pending->len == 0)
		return store_copy_wait(st, err);
	if (q_enter(st, err) < 0)
		return -1;
	if (!PQpipelineSync(st->conn))
		return q_failed_send(st, "sync", err);
	n = st->items->len;
	g_ptr_array_set_size(st->results, n);

	for (;;) {
		PGresult *res = PQgetResult(st->conn);
		struct q_item *it;
		ExecStatusType rs;

		if (res == NULL) {
			/* NULL ends one statement's results. */
			if (PQstatus(st->conn) == CONNECTION_BAD || ++i > n) {
				store_set_conn_error(st, "sync", &first);
				st->broken = TRUE;
				break;
			}
			continue;
		}
		rs = PQresultStatus(res);
		if (rs == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			break;
		}
		if (i >= n || g_ptr_array_index(st->results, i) != NULL) {
			PQclear(res);
			continue;
		}
		g_ptr_array_index(st->results, i) = res;
		it = &g_array_index(st->items, struct q_item, i);
		if (rs == PGRES_TUPLES_OK && it->expect_row &&
		    PQntuples(res) == 0) {
			st->dup_seen = TRUE;
			store_set_retry_error(st, &first, "%s: a report taken "
			    "for new was stored already", it->what);
		}
		if (rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK) {
			q_apply(st, it->eff);
			continue;
		}
		if (it->prep)
			g_hash_table_remove(st->prepared, it->prep);
		if (rs != PGRES_PIPELINE_ABORTED)
			store_set_result_error(st, res, it->what, &first);
	}
	g_array_set_size(st->items, 0);
	if (!st->broken && !PQexitPipelineMode(st->conn)) {
		store_set_conn_error(st, "pipeline", &first);
		st->broken = TRUE;
	}
	if (first == NULL)
		return 0;
	if (first->code != STORE_ERROR_TRANSIENT)
		q_heal(st);
	g_propagate_error(err, first);
	return -1;
}

PGresult *
q_result(struct store *st, int idx)
{
	if (idx < 0 || (guint)idx >= st->results->len)
		return NULL;
	return g_ptr_array_index(st->results, idx);
}

/* Read the results of the COPY sent last; 0, or -1 with its error.  With
 * err NULL (undoing anyway) the error only leaves its mark on st->broken. */
int
store_copy_wait(struct store *st, GError **err)
{
	PGresult *res;
	int failed = 0;

	if (!st->copy_busy)
		return 0;
	st->copy_busy = FALSE;
	if (st->broken) {
		store_set_error(err, STORE_ERROR_TRANSIENT,
		    "database connection lost; roll back and retry");
		return -1;
	}
	while ((res = PQgetResult(st->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && !failed) {
			store_set_result_error(st, res, st->copy_what, err);
			failed = 1;
		}
		PQclear(res);
		if (PQstatus(st->conn) == CONNECTION_BAD) {
			st->broken = TRUE;
			failed = 1;
			break;
		}
	}
	return failed ? -1 : 0;
}
