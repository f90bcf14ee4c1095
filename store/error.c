/* error.c - say what a database error means.
 *
 *	store_set_error(err, STORE_ERROR_CONFIG, "bad %s", what);
 *	store_set_result_error(st, res, "dmarc_record", err);	   from a result
 *	store_set_conn_error(st, "COPY", err);	   the connection's own error
 *
 * Every failure becomes a GError in STORE_ERROR whose code tells the caller
 * what to do: TRANSIENT (retry later), CONFIG (fix the setup), DATA (the
 * database refused this content: quarantine it), INTERNAL.  The code comes
 * from the SQLSTATE when the server sent one; a connection that failed
 * without one is transient unless its message is clearly about the setup
 * (conn.c).  Every other file of store/ reports errors through these, so
 * this file depends on none of them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

G_DEFINE_QUARK(store-error-quark, store_error)

void
store_set_error(GError **err, int code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (err == NULL || *err != NULL)
		return;		/* keep the first, it is the cause */
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(err, STORE_ERROR, code, msg);
	g_free(msg);
}

static int
classify_sqlstate(const char *s)
{
	if (s == NULL || strlen(s) != 5)
		return STORE_ERROR_INTERNAL;
	if (strncmp(s, "08", 2) == 0 || strncmp(s, "53", 2) == 0 ||
	    strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0 ||
	    strcmp(s, "57P01") == 0 || strcmp(s, "57P02") == 0 ||
	    strcmp(s, "57P03") == 0 || strcmp(s, "57014") == 0)
		return STORE_ERROR_TRANSIENT;
	if (strncmp(s, "22", 2) == 0 || strncmp(s, "23", 2) == 0 ||
	    strncmp(s, "54", 2) == 0)
		return STORE_ERROR_DATA;
	/* Schema missing or older than this build; no access; no database. */
	if (strcmp(s, "42P01") == 0 || strcmp(s, "42703") == 0 ||
	    strcmp(s, "42883") == 0 || strcmp(s, "42501") == 0 ||
	    strncmp(s, "28", 2) == 0 || strcmp(s, "3D000") == 0)
		return STORE_ERROR_CONFIG;
	return STORE_ERROR_INTERNAL;
}

/* In a pipelined batch an error may belong to an earlier message than the
 * call that reads it, and no savepoint can undo just that message: the
 * batch must go, and its retry runs a message at a time, where the same
 * error is the message's own again (see txn.c).  Hence TRANSIENT. */
void
store_set_retry_error(struct store *st, GError **err, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	st->safe_next = TRUE;
	if (err == NULL || *err != NULL)
		return;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	store_set_error(err, STORE_ERROR_TRANSIENT, "%s; retrying the batch "
	    "a message at a time", msg);
	g_free(msg);
}

/* A failed result.  Without a SQLSTATE the connection itself failed. */
void
store_set_result_error(struct store *st, const PGresult *res,
    const char *what, GError **err)
{
	const char *state, *msg;
	int code;

	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state == NULL) {
		store_set_conn_error(st, what, err);
		return;
	}
	msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	code = classify_sqlstate(state);
	if (st->fast && st->in_batch && code != STORE_ERROR_TRANSIENT &&
	    code != STORE_ERROR_CONFIG)
		store_set_retry_error(st, err, "%s: %s (SQLSTATE %s)", what,
		    msg ? msg : "?", state);
	else if (strcmp(state, "42P01") == 0 || strcmp(state, "42703") == 0 ||
	    strcmp(state, "42883") == 0)	/* a function of a migration */
		store_set_error(err, code, "%s: %s (SQLSTATE %s): "
		    "run mailsift db migrate", what, msg ? msg : "?", state);
	else
		store_set_error(err, code, "%s: %s (SQLSTATE %s)", what,
		    msg ? msg : "?", state);
}

/* libpq failed without a server error: the connection is in doubt. */
void
store_set_conn_error(struct store *st, const char *what, GError **err)
{
	char *msg = g_strdup(PQerrorMessage(st->conn));

	/* libpq may not have marked the connection bad yet (a COPY cut off
	 * mid-stream reports "server closed the connection" first), and an
	 * error without a SQLSTATE never comes from the server's judgement of
	 * our data: treat the connection as lost, reconnect, retry. */
	g_strchomp(msg);
	st->broken = TRUE;
	store_set_error(err, STORE_ERROR_TRANSIENT, "%s: connection lost: %s",
	    what, msg);
	g_free(msg);
}
