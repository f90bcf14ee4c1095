/* log.c - the ingest log and the quarantine.
 *
 *	if (store_message_known(st, sha256, &err) == 1) skip it;
 *	id = store_message_end(st, &log, &err);	   log row, closes the message
 *	store_quarantine_each(st, 0, fn, user, &err);	   for requeue
 *
 * Every message gets exactly one log row, written when it ends and its
 * outcome is known (see txn.c for the id).  A quarantined message keeps its
 * raw bytes, sent as a binary parameter so that NULs and 8-bit bytes come
 * back exactly.  The log must never be what fails, so its text fields are
 * made valid UTF-8 first (a Message-ID or a file name may be anything).
 *
 * Requeue: the new attempt's row points back with requeued_from.  When it
 * ends stored, duplicate or not a report, the old row points forward with
 * requeued_by and the quarantine entry is marked requeued_at, so it is
 * offered only once.  When it ends quarantined again, the entry stays
 * pending, its bytes where they are: attempts counts the attempt and
 * last_attempt points at it (whose reason is the latest).  So a requeue
 * adds one log row per message retried and never a quarantine row.
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"

static const struct q_stmt known_sql = { "ms_known",
	"SELECT 1 FROM ingest_log WHERE sha256 = $1::text"
	" AND outcome IN ('stored', 'duplicate', 'not_report')"
	" AND duplicate_of IS NULL LIMIT 1" };

static const struct q_stmt log_ins = { "ms_log_ins",
	"INSERT INTO ingest_log (id, source, message_id, sha256, outcome,"
	" reason, reports_stored, reports_duplicate, records, requeued_from,"
	" bounce_recipients, duplicate_of)"
	" VALUES (CASE WHEN $10::bool THEN currval('ingest_log_id_seq')"
	"  ELSE nextval('ingest_log_id_seq') END,"
	" $1::text, $2::text, $3::text, $4::text, $5::text, $6::int, $7::int,"
	" $8::bigint, $9::bigint, $11::int, $12::bigint)"
	" RETURNING id" };

static const struct q_stmt quar_ins = { "ms_quar_ins",
	"INSERT INTO quarantine (ingest_id, raw)"
	" VALUES (currval('ingest_log_id_seq'), $1::bytea)" };

static const struct q_stmt requeued = { "ms_requeued",
	"WITH q AS (UPDATE quarantine SET requeued_at = now()"
	"  WHERE ingest_id = $1::bigint AND requeued_at IS NULL)"
	" UPDATE ingest_log SET requeued_by = currval('ingest_log_id_seq')"
	" WHERE id = $1::bigint" };

static const struct q_stmt quar_retry = { "ms_quar_retry",
	"UPDATE quarantine SET attempts = attempts + 1,"
	" last_attempt = currval('ingest_log_id_seq')"
	" WHERE ingest_id = $1::bigint" };

static const struct q_stmt quar_list = { "ms_quar_list",
	"SELECT ingest_id FROM quarantine WHERE requeued_at IS NULL"
	" AND ($1::bigint = 0 OR ingest_id = $1::bigint) ORDER BY ingest_id" };

static const struct q_stmt quar_get = { "ms_quar_get",
	"SELECT l.source, coalesce(a.reason, l.reason), q.raw FROM quarantine q"
	" JOIN ingest_log l ON l.id = q.ingest_id"
	" LEFT JOIN ingest_log a ON a.id = q.last_attempt"
	" WHERE q.ingest_id = $1::bigint AND q.requeued_at IS NULL" };

int
store_message_known(struct store *st, const char *sha256, GError **err)
{
	const char *v[1] = { sha256 };
	int i;

	if (sha256 == NULL || *sha256 == '\0')
		return 0;
	if ((i = q_send(st, &known_sql, 1, v, NULL, NULL, 0, err)) < 0 ||
	    q_sync(st, err) < 0)
		return -1;
	return PQntuples(q_result(st, i)) > 0;
}

static const char *
outcome_word(enum store_outcome o)
{
	switch (o) {
	case STORE_OUTCOME_STORED: return "stored";
	case STORE_OUTCOME_DUPLICATE: return "duplicate";
	case STORE_OUTCOME_NOT_REPORT: return "not_report";
	case STORE_OUTCOME_QUARANTINED: return "quarantined";
	}
	return NULL;
}

/* s itself when valid UTF-8, else a repaired copy added to keep. */
static const char *
utf8(const char *s, GPtrArray *keep)
{
	char *fixed;

	if (s == NULL || g_utf8_validate(s, -1, NULL))
		return s;
	fixed = g_utf8_make_valid(s, -1);
	g_ptr_array_add(keep, fixed);
	return fixed;
}

/* Queue the quarantine copy of the raw message. */
static int
send_quarantine(struct store *st, GBytes *raw, GError **err)
{
	const char *v[1];
	int len[1], fmt[1] = { 1 };
	gsize n;

	v[0] = g_bytes_get_data(raw, &n);
	if (v[0] == NULL)
		v[0] = "";
	if (n > G_MAXINT) {
		store_set_error(err, STORE_ERROR_DATA,
		    "message too big to quarantine (%zu bytes)", (size_t)n);
		return -1;
	}
	len[0] = (int)n;
	return q_send(st, &quar_ins, 1, v, len, fmt, 0, err) < 0 ? -1 : 0;
}

int64_t
store_message_end(struct store *st, const struct store_ingest_log *log,
    GError **err)
{
	char stored[16], dup[16], records[32], from[32], bounces[16], dupof[32];
	GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
	const char *v[12];
	gboolean quarantine, savepoint;
	int i;

	if (!st->in_message || st->in_report || outcome_word(log->outcome) ==
	    NULL) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_message_end: %s", !st->in_message ?
		    "no message begun" : st->in_report ?
		    "a report is open" : "bad outcome");
		g_ptr_array_free(keep, TRUE);
		return -1;
	}
	snprintf(stored, sizeof(stored), "%d", log->reports_stored);
	snprintf(dup, sizeof(dup), "%d", log->reports_duplicate);
	snprintf(records, sizeof(records), "%" PRId64, log->records);
	snprintf(from, sizeof(from), "%" PRId64, log->requeued_from);
	v[0] = utf8(log->source, keep);
	v[1] = utf8(log->message_id, keep);
	v[2] = utf8(log->sha256, keep);
	v[3] = outcome_word(log->outcome);
	v[4] = utf8(log->reason, keep);
	v[5] = stored; v[6] = dup; v[7] = records;
	v[8] = log->requeued_from > 0 ? from : NULL;
	v[9] = st->have_id ? "t" : "f";
	snprintf(bounces, sizeof(bounces), "%d", log->bounce_recipients);
	v[10] = bounces;
	snprintf(dupof, sizeof(dupof), "%" PRId64, log->duplicate_of);
	v[11] = log->duplicate_of > 0 ? dupof : NULL;

	/* A requeue that quarantines again keeps the entry it retried. */
	quarantine = log->outcome == STORE_OUTCOME_QUARANTINED && log->raw &&
	    log->requeued_from <= 0;
	/* A message that wrote nothing yet needs no savepoint for a plain
	 * log row, which cannot be refused (text made valid, numbers
	 * formatted here).  A quarantine copy or a requeue link can be:
	 * keep the savepoint, so that a refusal costs this message only. */
	savepoint = !q_pending_has(st, EFF_SP_M);
	if (st->fast)
		savepoint = FALSE;	/* none in a pipelined batch (txn.c) */
	else if (!savepoint && !quarantine && log->requeued_from <= 0)
		q_pending_drop(st, EFF_SP_M);
	else
		savepoint = TRUE;
	i = q_send(st, &log_ins, 12, v, NULL, NULL, 0, err);
	g_ptr_array_free(keep, TRUE);
	if (i < 0 || (quarantine && send_quarantine(st, log->raw, err) < 0))
		return -1;
	if (log->requeued_from > 0) {
		const char *w[1] = { from };

		if (q_send(st, log->outcome == STORE_OUTCOME_QUARANTINED ?
		    &quar_retry : &requeued, 1, w, NULL, NULL, 0, err) < 0)
			return -1;
	}
	if (savepoint)
		q_fixed(st, "RELEASE SAVEPOINT m", EFF_REL_M);
	if (st->fast) {
		/* Its results come with the next round trip. */
		if (q_defer(st, err) < 0)
			return -1;
		st->in_message = st->msg_undone = FALSE;
		return 0;
	}
	if (q_sync(st, err) < 0)
		return -1;	/* still open: the caller may abort and retry */
	st->in_message = st->msg_undone = FALSE;
	return g_ascii_strtoll(PQgetvalue(q_result(st, i), 0, 0), NULL, 10);
}

int
store_quarantine_each(struct store *st, int64_t only_id,
    store_quarantine_fn fn, void *user, GError **err)
{
	char buf[32];
	const char *v[1] = { buf };
	GArray *ids;
	PGresult *res;
	guint k;
	int i, n = 0;

	if (!st->in_batch && store_check_usable(st, err) < 0)
		return -1;
	snprintf(buf, sizeof(buf), "%" PRId64, only_id > 0 ? only_id : 0);
	if ((i = q_send(st, &quar_list, 1, v, NULL, NULL, 0, err)) < 0 ||
	    q_sync(st, err) < 0)
		return -1;
	res = q_result(st, i);
	ids = g_array_sized_new(FALSE, FALSE, sizeof(int64_t), PQntuples(res));
	for (i = 0; i < PQntuples(res); i++) {
		int64_t id = g_ascii_strtoll(PQgetvalue(res, i, 0), NULL, 10);

		g_array_append_val(ids, id);
	}

	/* One message at a time, fetched afresh, so fn may use the store
	 * (requeue does) and memory holds one message only. */
	for (k = 0; k < ids->len; k++) {
		int64_t id = g_array_index(ids, int64_t, k);
		char *source, *reason;
		GBytes *raw;
		int r;

		snprintf(buf, sizeof(buf), "%" PRId64, id);
		/* Binary results: raw arrives as its bytes. */
		if ((i = q_send(st, &quar_get, 1, v, NULL, NULL, 1, err)) < 0 ||
		    q_sync(st, err) < 0) {
			g_array_free(ids, TRUE);
			return -1;
		}
		res = q_result(st, i);
		if (PQntuples(res) == 0)
			continue;	/* requeued meanwhile */
		source = PQgetisnull(res, 0, 0) ? NULL :
		    g_strdup(PQgetvalue(res, 0, 0));
		reason = PQgetisnull(res, 0, 1) ? NULL :
		    g_strdup(PQgetvalue(res, 0, 1));
		raw = g_bytes_new(PQgetvalue(res, 0, 2), PQgetlength(res, 0, 2));
		n++;
		r = fn(user, id, source, reason, raw);
		g_free(source);
		g_free(reason);
		g_bytes_unref(raw);
		if (r < 0)
			break;
	}
	g_array_free(ids, TRUE);
	return n;
}
