/* conn.c - open and close the database connection; say what an error means.
 *
 *	st = store_open(conninfo, &err);   conninfo, else $MAILSIFT_DB, else
 *					   libpq defaults (PGHOST, ...)
 *	store_close(st);
 *
 * Every failure becomes a GError in STORE_ERROR whose code tells the caller
 * what to do: TRANSIENT (retry later), CONFIG (fix the setup), DATA (the
 * database refused this content: quarantine it), INTERNAL.  The code comes
 * from the SQLSTATE when the server sent one; a connection that failed
 * without one is transient unless its message is clearly about the setup.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Text output of times must not depend on the server's setting.  The
 * ingest statements are prepared once and run thousands of times; left to
 * itself the planner keeps re-planning them (a known array makes unnest()
 * look cheaper than the generic plan), which costs more than running
 * them.  query.c asks for custom plans where values matter. */
#define SESSION_SETUP "SET TimeZone TO 'UTC';" \
	" SET plan_cache_mode TO force_generic_plan;" \
	" SET mailsift.rollup TO 'store';"	/* daily.c writes it */ \
	" SET mailsift.bounce_rollup TO 'store'"	/* bounce_daily.c */

/* Messages of a failed connection attempt that retrying will not fix. */
static int
classify_connect(const char *msg)
{
	static const char *const config[] = {
		"authentication failed", "does not exist",
		"no pg_hba.conf entry", "no password supplied",
		"password authentication", "permission denied for database",
		"invalid port number", "invalid connection option",
		"invalid sslmode", "invalid integer value",
		"Name or service not known", "not accepting connections",
	};
	size_t i;

	/* "the database system is starting up" etc. are transient; "not
	 * accepting connections" is datallowconn = false. */
	for (i = 0; i < G_N_ELEMENTS(config); i++)
		if (strstr(msg, config[i]))
			return STORE_ERROR_CONFIG;
	return STORE_ERROR_TRANSIENT;
}

/* Server NOTICEs (e.g. "already exists, skipping") are noise for a mail
 * filter; WARNINGs and worse are worth a line on stderr. */
static void
notice(void *arg, const PGresult *res)
{
	const char *sev = PQresultErrorField(res,
	    PG_DIAG_SEVERITY_NONLOCALIZED);

	(void)arg;
	if (sev && (strcmp(sev, "NOTICE") == 0 || strcmp(sev, "INFO") == 0 ||
	    strcmp(sev, "DEBUG") == 0 || strcmp(sev, "LOG") == 0))
		return;
	fprintf(stderr, "mailsift: database: %s",
	    PQresultErrorMessage(res));
}

struct store *
store_open(const char *conninfo, GError **err)
{
	const char *keys[] = { "application_name", "client_encoding",
	    "dbname", NULL };
	const char *vals[] = { "mailsift", "UTF8", NULL, NULL };
	struct store *st;
	char *perr = NULL;
	PGresult *res;

	/* libpq is loaded here, on the first connection (pq.c). */
	if (store_pq_error() != NULL) {
		store_set_error(err, STORE_ERROR_CONFIG, "%s",
		    store_pq_error());
		return NULL;
	}
	if (conninfo == NULL || *conninfo == '\0')
		conninfo = g_getenv("MAILSIFT_DB");
	if (conninfo == NULL)
		conninfo = "";
	if (*conninfo) {
		PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);

		if (opts == NULL) {
			if (perr)
				g_strchomp(perr);
			store_set_error(err, STORE_ERROR_CONFIG,
			    "bad connection string: %s",
			    perr ? perr : "out of memory");
			PQfreemem(perr);
			return NULL;
		}
		PQconninfoFree(opts);
	}

	st = g_new0(struct store, 1);
	/* Later keywords win: the conninfo given may override ours. */
	vals[2] = conninfo;
	st->conn = PQconnectdbParams(keys, vals, 1);
	if (st->conn == NULL || PQstatus(st->conn) != CONNECTION_OK) {
		char *msg = g_strdup(st->conn ? PQerrorMessage(st->conn) :
		    "out of memory");

		/* libpq's hint lines: one line reads better in a log. */
		g_strchomp(msg);
		g_strdelimit(msg, "\n\t", ' ');
		store_set_error(err, classify_connect(msg),
		    "cannot connect to the database: %s", msg);
		g_free(msg);
		PQfinish(st->conn);
		g_free(st);
		return NULL;
	}
	PQsetNoticeReceiver(st->conn, notice, NULL);
	res = PQexec(st->conn, SESSION_SETUP);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		store_set_result_error(st, res, "connect", err);
		PQclear(res);
		PQfinish(st->conn);
		g_free(st);
		return NULL;
	}
	PQclear(res);

	q_init(st);
	st->prepared = g_hash_table_new(g_str_hash, g_str_equal);
	rowbuf_init(&st->rec, REC_COLS);
	st->lit = g_string_sized_new(256);
	return st;
}

/* Before a batch: a lost connection is reopened, so a long-running
 * ingester survives a database restart (the failed batch was retried). */
int
store_check_usable(struct store *st, GError **err)
{
	PGresult *res;

	if (!st->broken && PQstatus(st->conn) == CONNECTION_OK)
		return 0;
	PQreset(st->conn);
	q_reset(st);
	g_hash_table_remove_all(st->prepared);
	st->tx = st->sp_m = st->sp_r = FALSE;
	if (PQstatus(st->conn) != CONNECTION_OK) {
		st->broken = TRUE;
		store_set_conn_error(st, "reconnect", err);
		return -1;
	}
	st->broken = FALSE;
	res = PQexec(st->conn, SESSION_SETUP);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		store_set_result_error(st, res, "reconnect", err);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	/* An open transaction is rolled back by the server on disconnect. */
	PQfinish(st->conn);
	q_free(st);
	g_hash_table_destroy(st->prepared);
	rowbuf_free(&st->rec);
	daily_free(st);
	part_free(st);
	bounce_daily_free(st);
	g_string_free(st->lit, TRUE);
	g_free(st);
}
