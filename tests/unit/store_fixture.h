/* store_fixture.h - shared by the unit tests that need a real PostgreSQL:
 * a database of the test's own, created at start and dropped at the end,
 * and statements run outside the store on an admin connection.
 *
 *	if (fixture_db_create("store_test") < 0) return 1;
 *	... store_open(fixture_conninfo, &err) ...
 *	fixture_db_drop();
 *
 * The server comes from the PG* variables (tests/run.sh starts a private
 * one; by hand: tests/pg.sh start && eval "$(tests/pg.sh env)").  The
 * name carries the pid, so the tests run beside each other.
 */
#ifndef MAILSIFT_TESTS_STORE_FIXTURE_H
#define MAILSIFT_TESTS_STORE_FIXTURE_H

#include <libpq-fe.h>
#include <stdio.h>
#include <unistd.h>

static char fixture_dbname[64], fixture_conninfo[128];

/* Run sql in database db (NULL: libpq's default); 0 or -1, said why. */
static int
fixture_admin(const char *db, const char *sql)
{
	char ci[160];
	PGconn *c;
	PGresult *res;
	int ok;

	snprintf(ci, sizeof(ci), "dbname=%s", db ? db : "postgres");
	c = PQconnectdb(db ? ci : "");
	if (PQstatus(c) != CONNECTION_OK) {
		printf("# admin connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	res = PQexec(c, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		printf("# admin %s: %s", sql, PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);
	return ok ? 0 : -1;
}

/* Create database PREFIX_<pid> and name it in fixture_dbname and
 * fixture_conninfo; -1, with a "not ok" line saying why, when no server
 * takes it. */
static int
fixture_db_create(const char *prefix)
{
	char sql[128];

	snprintf(fixture_dbname, sizeof(fixture_dbname), "%s_%ld", prefix,
	    (long)getpid());
	snprintf(fixture_conninfo, sizeof(fixture_conninfo), "dbname=%s",
	    fixture_dbname);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", fixture_dbname);
	if (fixture_admin(NULL, sql) < 0) {
		printf("not ok - create test database (is PostgreSQL running? "
		    "tests/pg.sh start && eval \"$(tests/pg.sh env)\")\n");
		return -1;
	}
	return 0;
}

/* Drop the test database, connections and all; 0 or -1. */
static int
fixture_db_drop(void)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)",
	    fixture_dbname);
	return fixture_admin(NULL, sql);
}

#endif
