/* txn.c - batches, messages, and undoing them.
 *
 *	store_batch_begin(st, &err);	   BEGIN, sent with the first statement
 *	store_message_begin(st, &err);	   SAVEPOINT m, likewise
 *	... reports ... store_message_end (log.c) or store_message_abort
 *	store_batch_commit(st, &err);	   COMMIT: one round trip per batch
 *	store_batch_rollback(st);	   after any error the caller gives up on
 *
 * A batch is one transaction, a message a savepoint (m), a report a
 * savepoint (r) inside it (report.c); the names are reused, as one message
 * and one report are open at a time.  A message that writes nothing but its
 * log row needs no savepoint, and gets none (log.c).
 *
 * A message's ingest log id is drawn by nextval() in the statement that
 * first needs it (the first report's INSERT, else the log row's) and reused
 * through currval() (session-local, not undone by a rollback to
 * savepoint): reports point at their log row before it exists, which the
 * deferred foreign key allows, and the row itself is written once, at the
 * end, when its outcome is known.
 *
 * After store_message_abort the message stays open and empty: log it with
 * store_message_end (e.g. as quarantined), or call store_message_begin,
 * which simply continues it.
 *
 * Pipelined batches (store_set_pipelined, what ingest uses) take neither
 * savepoint and wait for the server once per report, not two or three
 * times per message: savepoints were about 8% of the server's work per
 * message on the benchmark, and a round trip costs both processes a sleep
 * and a wake-up.  What that gives
 * up, undoing one message when the database refuses it, happens rarely
 * enough to pay for with a retry: the batch fails TRANSIENT, and the next
 * store_batch_begin (the caller's retry) runs safely, which is how the
 * unit tests and store_bounce's callers see every batch by default.  A
 * batch that commits makes the next one fast again.
 */
#include <string.h>

#include "internal.h"

void
store_set_pipelined(struct store *st, gboolean on)
{
	st->pipelined = on;
}

int
store_batch_begin(struct store *st, GError **err)
{
	if (st->in_batch) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_batch_begin: a batch is open");
		return -1;
	}
	if (store_check_usable(st, err) < 0)
		return -1;
	daily_batch_clear(st);	/* none left from a batch given up */
	q_fixed(st, "BEGIN", EFF_BEGIN);
	st->in_batch = TRUE;
	st->fast = st->pipelined && !st->safe_next;
	return 0;
}

void
store_batch_rollback(struct store *st)
{
	store_report_reset(st);
	daily_batch_clear(st);
	q_reset(st);
	st->in_batch = st->in_message = st->msg_undone = FALSE;
	if (st->tx && !st->broken && PQstatus(st->conn) == CONNECTION_OK) {
		PGresult *res = PQexec(st->conn, "ROLLBACK");

		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			st->broken = TRUE;	/* reopened by batch_begin */
		PQclear(res);
	}
	st->tx = st->sp_m = st->sp_r = FALSE;
}

int
store_batch_commit(struct store *st, GError **err)
{
	PGresult *res;
	int i;

	if (!st->in_batch || st->in_message) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_batch_commit: %s", st->in_batch ?
		    "a message is open" : "no batch begun");
		return -1;
	}
	/* The rollup rows of the batch's reports (daily.c). */
	if (daily_flush(st, err) < 0) {
		store_batch_rollback(st);
		return -1;
	}
	if (!st->tx && st->pending->len == 1 && q_pending_has(st, EFF_BEGIN)) {
		/* Nothing happened: BEGIN was never sent. */
		q_reset(st);
		st->in_batch = FALSE;
		return 0;
	}
	/* A report stored meanwhile by another ingester is no error to the
	 * server: see it before the COMMIT, not after (pipe.c). */
	if (q_expecting(st) && q_sync(st, err) < 0) {
		store_batch_rollback(st);
		return -1;
	}
	if (bounce_daily_send(st, err) < 0) {	/* bounce_daily.c */
		store_batch_rollback(st);
		return -1;
	}
	q_fixed(st, "COMMIT", EFF_END);
	/* The COMMIT is the last pending statement, after any RELEASE. */
	i = st->items->len + st->pending->len - 1;
	if (q_sync(st, err) < 0) {
		store_batch_rollback(st);
		return -1;
	}
	st->in_batch = FALSE;
	/* COMMIT of a failed transaction "succeeds" with tag ROLLBACK. */
	res = q_result(st, i);
	if (res == NULL || strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "commit: the transaction had failed, nothing was stored");
		store_batch_rollback(st);
		return -1;
	}
	st->safe_next = FALSE;
	part_make(st);
	return 0;
}

int
store_message_begin(struct store *st, GError **err)
{
	if (!st->in_batch) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_message_begin: no batch begun");
		return -1;
	}
	if (st->in_message) {
		if (st->msg_undone) {	/* continue the aborted message */
			st->msg_undone = FALSE;
			return 0;
		}
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_message_begin: a message is open");
		return -1;
	}
	if (!st->fast)
		q_fixed(st, "SAVEPOINT m", EFF_SP_M);
	st->in_message = TRUE;
	st->msg_undone = FALSE;
	st->have_id = FALSE;
	st->msg_sent = FALSE;
	return 0;
}

int
store_message_abort(struct store *st, GError **err)
{
	GError *late = NULL;

	if (!st->in_message)
		return 0;
	if (st->fast) {
		/* Nothing to undo it to: the batch goes (see the top). */
		if (!st->msg_sent) {
			store_report_reset(st);
			st->msg_undone = TRUE;
			return 0;
		}
		store_set_retry_error(st, err, "store_message_abort: "
		    "a pipelined message cannot be undone alone");
		return -1;
	}
	store_report_reset(st);
	st->msg_undone = TRUE;
	/* A report's COPY may still run: its error no longer matters. */
	store_copy_wait(st, NULL);
	/* Statements still in flight (a report's end) belong to this
	 * message: let them run, their error no longer matters, then see
	 * which savepoint exists. */
	if (st->items->len > 0 && q_sync(st, &late) < 0 && st->broken) {
		g_propagate_error(err, late);
		return -1;
	}
	g_clear_error(&late);
	if (st->sp_m) {
		q_fixed(st, "ROLLBACK TO SAVEPOINT m", EFF_UNDO_M);
		return q_sync(st, err);
	}
	/* SAVEPOINT m not sent yet: nothing reached the server. */
	if (q_pending_has(st, EFF_SP_M))
		return 0;
	store_set_error(err, STORE_ERROR_INTERNAL,
	    "store_message_abort: the message's savepoint is gone; "
	    "roll the batch back");
	return -1;
}

/* Give up the read or single-statement transaction of a call outside a
 * batch after an error: what was queued is dropped, the server told to
 * roll back (a queued ROLLBACK was skipped with the rest). */
void
store_tx_abandon(struct store *st)
{
	q_reset(st);
	if (st->tx && !st->broken) {
		PGresult *res = PQexec(st->conn, "ROLLBACK");

		PQclear(res);
	}
	st->tx = FALSE;
}

/* A call that runs its own transaction: refused inside a batch, and the
 * connection usable with nothing pending; 0 or -1 with err set. */
int
store_outside_batch(struct store *st, const char *what, GError **err)
{
	if (st->in_batch) {
		store_set_error(err, STORE_ERROR_INTERNAL, "%s: a batch is open",
		    what);
		return -1;
	}
	return store_check_usable(st, err) < 0 || q_sync(st, err) < 0 ? -1 : 0;
}
