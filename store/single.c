/* single.c - store a report that is one statement (TLS reports, ARF
 * reports): the statement, its savepoint, and whether it stored anything.
 *
 *	rc = store_single(st, &stmt, n, values, lengths, formats, &err);
 *	    1: the statement returned a row (stored), 0: none (a duplicate:
 *	    its ON CONFLICT DO NOTHING met the identity), -1: error
 *
 * The statement inserts the report row ON CONFLICT DO NOTHING and
 * everything hanging from it in data-modifying WITHs that select from the
 * row's RETURNING, so a duplicate inserts nothing at all; its first row
 * draws the message's ingest log id (see txn.c), so st->have_id is set.
 *
 * One round trip, waited for in both kinds of batch: the caller needs the
 * answer (stored or duplicate) for the ingest log, and these reports are
 * few (a TLS report a day per reporter and domain).  In a safe batch the
 * statement runs under the report savepoint r, so that when the database
 * refuses the content pipe.c rolls back to it and the message stays usable
 * (STORE_ERROR_DATA: quarantine it); the RELEASE rides with the next round
 * trip.  A pipelined batch takes no savepoint: a refusal there fails the
 * batch as TRANSIENT, and its retry runs safely (txn.c).
 */
#include "internal.h"

int
store_single(struct store *st, const struct q_stmt *s, int n,
    const char *const *values, const int *lengths, const int *formats,
    GError **err)
{
	int i;

	if (!st->fast)
		q_fixed(st, "SAVEPOINT r", EFF_SP_R);
	i = q_send(st, s, n, values, lengths, formats, 0, err);
	if (i < 0 || q_sync(st, err) < 0)
		return -1;	/* pipe.c has rolled back to r */
	st->have_id = TRUE;	/* nextval ran, even for a duplicate */
	if (!st->fast)
		q_fixed(st, "RELEASE SAVEPOINT r", EFF_REL_R);
	return PQntuples(q_result(st, i)) > 0 ? 1 : 0;
}
