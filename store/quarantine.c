/* quarantine.c - the quarantine as `mailsift quarantine` sees it.
 *
 *	id = store_quarantine_find(st, sha256, &err);	   pending entry, 0 none
 *	t = store_quarantine_list(st, &err);		   the pending entries
 *	rc = store_quarantine_get(st, id, &meta, &raw, &err);   1, 0 none, -1
 *	rc = store_quarantine_drop(st, id, &err);	   1 dropped, 0 none, -1
 *
 * An entry is named by the ingest log id of the message that holds the
 * bytes.  Its reason is the latest attempt's (a requeue that failed again
 * leaves the entry and points at its attempt, sql/010_quarantine.sql).
 * Each call is one statement in autocommit, outside a batch, except
 * find, which ingest calls inside one (like store_message_known).  The
 * size comes from octet_length, which reads the TOAST header, not the
 * bytes.  Dropping needs DELETE on quarantine: the schema owner's, never
 * mailsift_ingest's or mailsift_reader's (sql/roles.sql).
 */
#include <inttypes.h>

#include "internal.h"

#define QUAR_REASON \
	" coalesce(a.reason, l.reason) AS reason,"
#define QUAR_FROM \
	" FROM quarantine q JOIN ingest_log l ON l.id = q.ingest_id" \
	" LEFT JOIN ingest_log a ON a.id = q.last_attempt"
#define QUAR_DUPS \
	" (SELECT count(*) FROM ingest_log d" \
	"  WHERE d.duplicate_of = q.ingest_id) AS duplicates"
#define UTC(col, name) \
	" to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')" \
	" AS " name ","

static const struct q_stmt find_sql = { "ms_quar_find",
	"SELECT q.ingest_id FROM ingest_log l"
	" JOIN quarantine q ON q.ingest_id = l.id"
	" WHERE l.sha256 = $1::text AND q.requeued_at IS NULL"
	" ORDER BY q.ingest_id LIMIT 1" };

static const struct q_stmt list_sql = { "ms_quar_ls",
	"SELECT q.ingest_id AS id," UTC("l.received_at", "received")
	" l.source," QUAR_REASON " octet_length(q.raw) AS size, q.attempts,"
	QUAR_DUPS QUAR_FROM
	" WHERE q.requeued_at IS NULL ORDER BY q.ingest_id" };

static const struct q_stmt meta_sql = { "ms_quar_meta",
	"SELECT q.ingest_id AS id," UTC("l.received_at", "received")
	" l.source, l.message_id, l.sha256," QUAR_REASON
	" octet_length(q.raw) AS size, q.attempts," QUAR_DUPS ","
	UTC("q.requeued_at", "requeued_at") " l.requeued_by"
	QUAR_FROM " WHERE q.ingest_id = $1::bigint" };

static const struct q_stmt raw_sql = { "ms_quar_raw",
	"SELECT raw FROM quarantine WHERE ingest_id = $1::bigint" };

static const struct q_stmt drop_sql = { "ms_quar_drop",
	"DELETE FROM quarantine WHERE ingest_id = $1::bigint"
	" RETURNING ingest_id" };

/* One statement, its result (owned by st until the next call) or NULL. */
static PGresult *
run_one(struct store *st, const struct q_stmt *s, const char *arg,
    int result_format, GError **err)
{
	const char *v[1] = { arg };
	int i;

	if (st->in_batch) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "%s: a batch is open", s->name);
		return NULL;
	}
	if (store_check_usable(st, err) < 0 ||
	    (i = q_send(st, s, arg ? 1 : 0, v, NULL, NULL, result_format,
	    err)) < 0 || q_sync(st, err) < 0)
		return NULL;
	return q_result(st, i);
}

int64_t
store_quarantine_find(struct store *st, const char *sha256, GError **err)
{
	const char *v[1] = { sha256 };
	PGresult *res;
	int i;

	if (sha256 == NULL || *sha256 == '\0')
		return 0;
	if ((i = q_send(st, &find_sql, 1, v, NULL, NULL, 0, err)) < 0 ||
	    q_sync(st, err) < 0)
		return -1;
	res = q_result(st, i);
	if (PQntuples(res) == 0)
		return 0;
	return g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
}

struct store_table *
store_quarantine_list(struct store *st, GError **err)
{
	PGresult *res = run_one(st, &list_sql, NULL, 0, err);

	return res ? store_table_from_result(res) : NULL;
}

int
store_quarantine_get(struct store *st, int64_t id, struct store_table **meta,
    GBytes **raw, GError **err)
{
	char buf[32];
	PGresult *res;

	snprintf(buf, sizeof(buf), "%" PRId64, id);
	*meta = NULL;
	*raw = NULL;
	if ((res = run_one(st, &meta_sql, buf, 0, err)) == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return 0;
	*meta = store_table_from_result(res);
	/* Binary: the bytes themselves, NULs and all. */
	if ((res = run_one(st, &raw_sql, buf, 1, err)) == NULL) {
		store_table_free(*meta);
		*meta = NULL;
		return -1;
	}
	if (PQntuples(res) == 0) {	/* dropped meanwhile */
		store_table_free(*meta);
		*meta = NULL;
		return 0;
	}
	*raw = g_bytes_new(PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0));
	return 1;
}

int
store_quarantine_drop(struct store *st, int64_t id, GError **err)
{
	char buf[32];
	PGresult *res;

	snprintf(buf, sizeof(buf), "%" PRId64, id);
	if ((res = run_one(st, &drop_sql, buf, 0, err)) == NULL)
		return -1;
	return PQntuples(res) > 0;
}
