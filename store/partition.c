/* partition.c - the month partitions of dmarc_record, made between batches
 * (sql/011_partition.sql, sql/015_partition_lock.sql).
 *
 *	part_note(st, date_begin);	   per report (report.c)
 *	part_make(st);			   after a COMMIT (txn.c)
 *	part_free(st);
 *
 * A report's records go to its month's partition when that exists, else to
 * dmarc_record_default.  part_note remembers the months this connection
 * has not seen yet; after the batch has committed, part_make asks
 * dmarc_record_partition_ensure() for each (one catalog lookup when the
 * partition exists), which makes it and moves that month's rows out of
 * the default partition.
 *
 * Why after the commit, not before the report's INSERT: attaching a
 * partition locks dmarc_report (its foreign key) against every ingest that
 * has written a report in its open transaction.  Asked from inside a
 * batch, two ingests each waited for the other (deadlock detected after a
 * second, the batch retried: a fresh 124k-record ingest with --jobs 2 took
 * 1.8 to 2.9 s where it takes 1.1 without).  Outside any transaction this
 * connection holds nothing the others wait for.  A failure leaves the rows
 * where they are, in the default partition, and the month is asked for
 * again after the next commit: nothing is lost, a month is only not yet
 * prunable by partition.
 */
#include <inttypes.h>
#include <stdio.h>

#include "internal.h"

struct part_months {
	GHashTable *seen;	/* month -> GINT_TO_POINTER(1): known */
	GArray *wanted;		/* int months to ask for after COMMIT */
};

static int
month_of(int64_t date_begin)
{
	GDateTime *t = g_date_time_new_from_unix_utc(date_begin);
	int month;

	if (t == NULL)		/* beyond year 9999: the default partition */
		return 0;
	month = g_date_time_get_year(t) * 12 + g_date_time_get_month(t) - 1;
	g_date_time_unref(t);
	return month;
}

void
part_note(struct store *st, int64_t date_begin)
{
	struct part_months *p = st->parts;
	int month = month_of(date_begin);

	if (month == 0)
		return;
	if (p == NULL) {
		p = st->parts = g_new0(struct part_months, 1);
		p->seen = g_hash_table_new(g_direct_hash, g_direct_equal);
		p->wanted = g_array_new(FALSE, FALSE, sizeof(int));
	}
	if (g_hash_table_contains(p->seen, GINT_TO_POINTER(month)))
		return;
	g_hash_table_add(p->seen, GINT_TO_POINTER(month));
	g_array_append_val(p->wanted, month);
}

/* One month: TRUE when it was made, or exists, or belongs to the default
 * partition (out of the range the function makes partitions for). */
static gboolean
ensure(struct store *st, int month)
{
	char day[32];
	const char *v[1] = { day };
	PGresult *res;
	gboolean ok;

	snprintf(day, sizeof(day), "%04d-%02d-01", month / 12, month % 12 + 1);
	res = PQexecParams(st->conn,
	    "SELECT dmarc_record_partition_ensure($1::date)", 1, NULL, v,
	    NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	PQclear(res);
	return ok;
}

void
part_make(struct store *st)
{
	struct part_months *p = st->parts;
	guint i, kept = 0;

	if (p == NULL || p->wanted->len == 0 || st->in_batch || st->broken)
		return;
	for (i = 0; i < p->wanted->len; i++) {
		int month = g_array_index(p->wanted, int, i);

		if (PQstatus(st->conn) == CONNECTION_OK && ensure(st, month))
			continue;
		g_array_index(p->wanted, int, kept++) = month;
	}
	g_array_set_size(p->wanted, kept);
}

void
part_free(struct store *st)
{
	struct part_months *p = st->parts;

	if (p == NULL)
		return;
	g_hash_table_destroy(p->seen);
	g_array_free(p->wanted, TRUE);
	g_free(p);
	st->parts = NULL;
}
