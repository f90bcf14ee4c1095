/* roles.c - create the least-privilege roles and grant them.
 *
 *	if (store_roles(st, &err) < 0) ...
 *
 * Runs sql/roles.sql (compiled in, like the migrations) in one
 * transaction.  Needs CREATEROLE and ownership of the schema; see the
 * file for what each role may do.
 */
#include <gio/gio.h>

#include "internal.h"

#define ROLES_SQL "/mailsift/sql/roles.sql"

int
store_roles(struct store *st, GError **err)
{
	GBytes *sql;
	GError *gerr = NULL;
	GString *text;
	PGresult *res;
	int rc = 0;

	if (store_check_usable(st, err) < 0 || q_sync(st, err) < 0)
		return -1;
	sql = g_resources_lookup_data(ROLES_SQL, 0, &gerr);
	if (sql == NULL) {
		store_set_error(err, STORE_ERROR_INTERNAL, "%s: %s", ROLES_SQL,
		    gerr->message);
		g_error_free(gerr);
		return -1;
	}
	/* One simple-protocol round trip runs the file as one transaction. */
	text = g_string_new("BEGIN;\n");
	g_string_append_len(text, g_bytes_get_data(sql, NULL),
	    (gssize)g_bytes_get_size(sql));
	g_string_append(text, "\n;COMMIT;");
	g_bytes_unref(sql);
	res = PQexec(st->conn, text->str);
	g_string_free(text, TRUE);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		store_set_result_error(st, res, "db roles", err);
		rc = -1;
		PQclear(PQexec(st->conn, "ROLLBACK"));
	}
	PQclear(res);
	return rc;
}
