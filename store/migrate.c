/* migrate.c - bring the schema up to date from the compiled-in sql/ files.
 *
 *	n = store_migrate(st, &err);		   migrations applied, 0: none
 *	v = store_schema_version(st, &latest, &err);
 *
 * The Makefile compiles sql/NNN_name.sql into the binary as GResources
 * under /mailsift/sql/; NNN is the version.  They are applied in order,
 * each in its own transaction together with its schema_migrations row, so
 * a failed migration leaves the previous version intact.  Every
 * transaction first takes a transaction-level advisory lock, so concurrent
 * `mailsift db migrate` runs queue up, and the second finds the work done.
 */
#include <gio/gio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SQL_DIR "/mailsift/sql/"
/* "mailsift" in ASCII: the advisory lock of schema changes. */
#define LOCK_SQL "SELECT pg_advisory_xact_lock(7881702640085952884)"

struct migration {
	int version;
	char *name;
};

static gint
by_version(gconstpointer a, gconstpointer b)
{
	const struct migration *x = a, *y = b;

	return (x->version > y->version) - (x->version < y->version);
}

static void
migration_clear(gpointer p)
{
	g_free(((struct migration *)p)->name);
}

/* The compiled-in migrations, by version; NULL with *err on failure. */
static GArray *
migrations(GError **err)
{
	GError *gerr = NULL;
	char **names;
	GArray *list;
	int i;

	names = g_resources_enumerate_children(SQL_DIR, 0, &gerr);
	if (names == NULL) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "no migrations compiled in: %s", gerr->message);
		g_error_free(gerr);
		return NULL;
	}
	list = g_array_new(FALSE, FALSE, sizeof(struct migration));
	g_array_set_clear_func(list, migration_clear);
	for (i = 0; names[i]; i++) {
		struct migration m;
		char *end;

		m.version = (int)strtol(names[i], &end, 10);
		if (end == names[i] || *end != '_' ||
		    !g_str_has_suffix(names[i], ".sql"))
			continue;	/* not NNN_name.sql */
		m.name = g_strdup(names[i]);
		g_array_append_val(list, m);
	}
	g_strfreev(names);
	g_array_sort(list, by_version);
	return list;
}

/* Run sql (one or several statements); 0 or -1. */
static int
exec(struct store *st, const char *sql, const char *what, GError **err)
{
	PGresult *res = PQexec(st->conn, sql);
	ExecStatusType rs = PQresultStatus(res);
	int ok = rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK;

	if (!ok)
		store_set_result_error(st, res, what, err);
	PQclear(res);
	return ok ? 0 : -1;
}

static void
rollback(struct store *st)
{
	PGresult *res = PQexec(st->conn, "ROLLBACK");

	PQclear(res);
}

/* Versions already applied, as a set; NULL with *err on failure. */
static GHashTable *
applied(struct store *st, GError **err)
{
	GHashTable *set;
	PGresult *res;
	int i;

	res = PQexec(st->conn, "SELECT version FROM schema_migrations");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		store_set_result_error(st, res, "schema_migrations", err);
		PQclear(res);
		return NULL;
	}
	set = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (i = 0; i < PQntuples(res); i++)
		g_hash_table_add(set,
		    GINT_TO_POINTER(atoi(PQgetvalue(res, i, 0))));
	PQclear(res);
	return set;
}

static int
apply(struct store *st, const struct migration *m, GError **err)
{
	char *path = g_strconcat(SQL_DIR, m->name, NULL);
	char *what = g_strconcat("sql/", m->name, NULL);
	char version[16];
	const char *v[2] = { version, m->name };
	GError *gerr = NULL;
	GBytes *text;
	char *sql;
	PGresult *res;
	int r = -1, done;

	text = g_resources_lookup_data(path, 0, &gerr);
	g_free(path);
	if (text == NULL) {
		store_set_error(err, STORE_ERROR_INTERNAL, "%s: %s", what,
		    gerr->message);
		g_error_free(gerr);
		g_free(what);
		return -1;
	}
	sql = g_strndup(g_bytes_get_data(text, NULL), g_bytes_get_size(text));
	g_bytes_unref(text);
	snprintf(version, sizeof(version), "%d", m->version);

	if (exec(st, "BEGIN; " LOCK_SQL, what, err) < 0)
		goto out;
	/* Under the lock: another migrator may have just applied it. */
	res = PQexecParams(st->conn, "SELECT 1 FROM schema_migrations"
	    " WHERE version = $1::int", 1, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		store_set_result_error(st, res, what, err);
		PQclear(res);
		goto fail;
	}
	done = PQntuples(res) > 0;
	PQclear(res);
	if (!done) {
		if (exec(st, sql, what, err) < 0)
			goto fail;
		res = PQexecParams(st->conn, "INSERT INTO schema_migrations"
		    " (version, name) VALUES ($1::int, $2::text)", 2, NULL, v,
		    NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			store_set_result_error(st, res, what, err);
			PQclear(res);
			goto fail;
		}
		PQclear(res);
	}
	if (exec(st, "COMMIT", what, err) < 0)
		goto fail;
	r = done ? 0 : 1;
	goto out;
fail:
	rollback(st);
out:
	g_free(sql);
	g_free(what);
	return r;
}

int
store_migrate(struct store *st, GError **err)
{
	GHashTable *have;
	GArray *list;
	guint i;
	int n = 0, r;

	if (st->in_batch) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_migrate: a batch is open");
		return -1;
	}
	if (store_check_usable(st, err) < 0 || q_sync(st, err) < 0)
		return -1;
	if ((list = migrations(err)) == NULL)
		return -1;
	/* Concurrent CREATE TABLE IF NOT EXISTS can still collide: lock. */
	if (exec(st, "BEGIN; " LOCK_SQL "; "
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    " version int PRIMARY KEY,"
	    " name text NOT NULL,"
	    " applied_at timestamptz NOT NULL DEFAULT now()); "
	    "COMMIT", "schema_migrations", err) < 0) {
		rollback(st);
		g_array_free(list, TRUE);
		return -1;
	}
	if ((have = applied(st, err)) == NULL) {
		g_array_free(list, TRUE);
		return -1;
	}
	for (i = 0; i < list->len; i++) {
		const struct migration *m = &g_array_index(list,
		    struct migration, i);

		if (g_hash_table_contains(have, GINT_TO_POINTER(m->version)))
			continue;
		if ((r = apply(st, m, err)) < 0) {
			n = -1;
			break;
		}
		n += r;
	}
	g_hash_table_destroy(have);
	g_array_free(list, TRUE);
	return n;
}

int
store_schema_version(struct store *st, int *latest, GError **err)
{
	GArray *list;
	PGresult *res;
	const char *state;
	int v;

	if (st->in_batch) {
		/* Inside a batch a failed query would abort the batch. */
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_schema_version: a batch is open");
		return -1;
	}
	if (latest) {
		if ((list = migrations(err)) == NULL)
			return -1;
		*latest = list->len ? g_array_index(list, struct migration,
		    list->len - 1).version : 0;
		g_array_free(list, TRUE);
	}
	if (store_check_usable(st, err) < 0 || q_sync(st, err) < 0)
		return -1;
	res = PQexec(st->conn,
	    "SELECT coalesce(max(version), 0) FROM schema_migrations");
	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		v = atoi(PQgetvalue(res, 0, 0));
		PQclear(res);
		return v;
	}
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (state && strcmp(state, "42P01") == 0) {
		PQclear(res);
		return 0;	/* never migrated */
	}
	store_set_result_error(st, res, "schema version", err);
	PQclear(res);
	return -1;
}
