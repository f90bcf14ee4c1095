/* daily.c - a report's rows of the daily rollup, computed by the store
 * while its records go by, and sent with the report (sql/012_rollup_fast.sql).
 *
 *	daily_add(st, report, record);	   per record: 1 when full, else 0
 *	daily_send(st, report, &err);	   queue the rows (report.c)
 *	daily_defer(st, report, &err);	   or keep them for the batch's
 *	daily_flush(st, &err);		   one statement (txn.c: COMMIT)
 *	daily_clear(st);		   forget the report's (report reset)
 *	daily_batch_clear(st);		   forget the batch's (rollback)
 *	daily_free(st);
 *
 * Why here: the rollup used to be computed at COMMIT by reading back every
 * record of the transaction (8 us a record on the server, as much as
 * storing it).  The store holds every record in memory anyway, so it
 * spreads each record's count over the report's UTC days with exactly the
 * arithmetic of dmarc_daily_records_v (sql/002_views.sql):
 *	share(day) = floor(count * cum_end / total)
 *		   - floor(count * cum_start / total)
 * (reports within one UTC day, or claiming more than 400 days, fall on the
 * day of their begin; shares of 0 are left out), sums the shares per day,
 * source IP and header From (the report gives the policy domain and the
 * reporter), and per day for dmarc_daily_domain, and sends them as a
 * statement next to the report's: the same transaction, the same
 * savepoint, so a report, message or batch rolled back takes its rollup
 * rows with it.  A fast batch (txn.c) has no savepoints: whatever the
 * database refuses in it, a duplicate report included, rolls the whole
 * batch back and retries it.  So its reports' rows (of those sent whole,
 * nearly all) wait for its COMMIT and go in one statement before it:
 * the rollup's inserts cost the server some 20 us per statement whatever
 * its rows (the executor opens dmarc_daily and its three indexes): one
 * statement per batch saved 0 to 0.15 s of server CPU per 3,000 reports
 * (more when the machine is busy), and a batch is all or nothing anyway.  Rows are appended, never
 * updated: two ingesters never wait on each other's rollup rows.  The key
 * has the reporter in it, and a reporter lists an address about once a
 * report, so this saves rows only where a report lists an address several
 * times; `mailsift db rebuild-rollups` merges the rows of a key across
 * reports.
 *
 * Cheap, as it runs for every record: a row is its own key (day, address
 * and From, the strings copied into a GStringChunk once per new row),
 * looked up in a set with its own hash and equality, so a share costs a
 * hash of the record's two strings and no allocation unless its row is
 * new; rows live in blocks that outlast a report; the arrays sent are
 * written in binary straight from the rows.  (A printf'd key string per
 * share, hashed as a string, and two g_strdup per row cost the client
 * about 0.15 s per 124,000 records, a seventh of its whole time.)
 *
 * Bounded: a report spread over 400 days multiplies its records by 400, so
 * past DAILY_MAX_ROWS rows daily_add says "full" and report.c sends what
 * there is (after the report's row, under its savepoint) and goes on; a
 * fast batch sends the rows it holds once they are as many.
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"

#define DAILY_MAX_ROWS 65536
#define BLOCK_ROWS 1024		/* rows per block */
#define DAY_SECS INT64_C(86400)
#define SPREAD_MAX_SECS (400 * DAY_SECS)

enum { C_MESSAGES, C_PASS, C_FAIL, C_DKIM, C_SPF, C_QUAR, C_REJ, C_N };

struct daily_row {
	int32_t day;		/* days since 1970-01-01 */
	const char *ip, *from;	/* in strings; NULL as in the record */
	int64_t c[C_N];
};

/* A fast batch's rows of the reports it sent (daily_defer), as binary
 * arrays, each led by room for its header: dmarc_daily's policy domain,
 * reporter, day, address, From and counts, then dmarc_daily_domain's
 * policy domain, day and counts. */
#define BATCH_ROW_COLS (5 + C_N)
#define BATCH_PARAMS (BATCH_ROW_COLS + 2 + C_N)
static const char batch_elem[BATCH_PARAMS + 1] =
    "ttitt" "lllllll" "ti" "lllllll";
G_STATIC_ASSERT(sizeof(batch_elem) == BATCH_PARAMS + 1);

struct daily {
	/* The row taking each key's shares, as key and value; a row of the
	 * same key made when a sum would overflow takes its place. */
	GHashTable *keys;
	GPtrArray *blocks;	/* BLOCK_ROWS struct daily_row each */
	guint nrows;		/* rows in use, in order of creation */
	GStringChunk *strings;

	GString *batch[BATCH_PARAMS];	/* NULL until the first */
	guint batch_rows, batch_days;
};

/* $1 policy domain, $2 reporter, $3-$12 the rows, $13-$20 the days. */
static const struct q_stmt daily_ins = { "ms_daily_ins",
	"WITH d AS (INSERT INTO dmarc_daily (policy_domain, day, source_ip,"
	"  header_from, org_name, messages, dmarc_pass, dmarc_fail, dkim_pass,"
	"  spf_pass, quarantined, rejected)"
	"  SELECT $1::text, date '1970-01-01' + unnest($3::int[]),"
	"  unnest($4::text[])::inet, unnest($5::text[]), $2::text,"
	"  unnest($6::bigint[]), unnest($7::bigint[]), unnest($8::bigint[]),"
	"  unnest($9::bigint[]), unnest($10::bigint[]), unnest($11::bigint[]),"
	"  unnest($12::bigint[]))"
	" INSERT INTO dmarc_daily_domain (policy_domain, day, messages,"
	" dmarc_pass, dmarc_fail, dkim_pass, spf_pass, quarantined, rejected)"
	" SELECT $1::text, date '1970-01-01' + unnest($13::int[]),"
	" unnest($14::bigint[]), unnest($15::bigint[]), unnest($16::bigint[]),"
	" unnest($17::bigint[]), unnest($18::bigint[]), unnest($19::bigint[]),"
	" unnest($20::bigint[])" };
#define DAILY_VALUES ((3 + C_N) + (1 + C_N))
#define DAILY_PARAMS (2 + DAILY_VALUES)

/* The batch's rows: the columns of batch_elem. */
static const struct q_stmt daily_batch_ins = { "ms_daily_batch",
	"WITH d AS (INSERT INTO dmarc_daily (policy_domain, org_name, day,"
	"  source_ip, header_from, messages, dmarc_pass, dmarc_fail,"
	"  dkim_pass, spf_pass, quarantined, rejected)"
	"  SELECT unnest($1::text[]), unnest($2::text[]),"
	"  date '1970-01-01' + unnest($3::int[]), unnest($4::text[])::inet,"
	"  unnest($5::text[]), unnest($6::bigint[]), unnest($7::bigint[]),"
	"  unnest($8::bigint[]), unnest($9::bigint[]), unnest($10::bigint[]),"
	"  unnest($11::bigint[]), unnest($12::bigint[]))"
	" INSERT INTO dmarc_daily_domain (policy_domain, day, messages,"
	" dmarc_pass, dmarc_fail, dkim_pass, spf_pass, quarantined, rejected)"
	" SELECT unnest($13::text[]), date '1970-01-01' + unnest($14::int[]),"
	" unnest($15::bigint[]), unnest($16::bigint[]), unnest($17::bigint[]),"
	" unnest($18::bigint[]), unnest($19::bigint[]), unnest($20::bigint[]),"
	" unnest($21::bigint[])" };

static guint
str_hash0(const char *s)
{
	return s == NULL ? 0x9e3779b9u : g_str_hash(s);
}

static guint
row_hash(gconstpointer p)
{
	const struct daily_row *x = p;

	return ((guint)x->day * 31u + str_hash0(x->ip)) * 31u +
	    str_hash0(x->from);
}

/* g_strcmp0 tells NULL from "", as the key must. */
static gboolean
row_equal(gconstpointer a, gconstpointer b)
{
	const struct daily_row *x = a, *y = b;

	return x->day == y->day && g_strcmp0(x->ip, y->ip) == 0 &&
	    g_strcmp0(x->from, y->from) == 0;
}

static struct daily *
daily_get(struct store *st)
{
	if (st->daily == NULL) {
		st->daily = g_new0(struct daily, 1);
		st->daily->keys = g_hash_table_new(row_hash, row_equal);
		st->daily->blocks = g_ptr_array_new_with_free_func(g_free);
		st->daily->strings = g_string_chunk_new(4096);
	}
	return st->daily;
}

static struct daily_row *
row_at(const struct daily *d, guint i)
{
	struct daily_row *b = g_ptr_array_index(d->blocks, i / BLOCK_ROWS);

	return b + i % BLOCK_ROWS;
}

void
daily_clear(struct store *st)
{
	struct daily *d = st->daily;

	if (d == NULL || d->nrows == 0)
		return;
	g_hash_table_remove_all(d->keys);
	d->nrows = 0;
	/* One block stays for the next report; a wide report's go. */
	g_ptr_array_set_size(d->blocks, 1);
	g_string_chunk_clear(d->strings);
}

void
daily_free(struct store *st)
{
	struct daily *d = st->daily;
	int c;

	if (d == NULL)
		return;
	for (c = 0; c < BATCH_PARAMS; c++)
		if (d->batch[c] != NULL)
			g_string_free(d->batch[c], TRUE);
	g_hash_table_destroy(d->keys);
	g_ptr_array_free(d->blocks, TRUE);
	g_string_chunk_free(d->strings);
	g_free(d);
	st->daily = NULL;
}

/* floor(a / b) for b > 0, also for negative a (days before 1970). */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* floor(c * a / t) for c >= 0, 0 <= a <= t, 0 < t <= SPREAD_MAX_SECS:
 * exact without a wider type, since (c % t) * a < t * t < 2^51. */
static int64_t
mul_div(int64_t c, int64_t a, int64_t t)
{
	return (c / t) * a + (c % t) * a / t;
}

static gboolean
is_pass(const char *s)
{
	return s != NULL && strcmp(s, "pass") == 0;
}

/* dst += src, or FALSE (dst unchanged) when a sum would not fit. */
static gboolean
add_counts(int64_t *dst, const int64_t *src)
{
	int i;

	for (i = 0; i < C_N; i++)
		if (src[i] > 0 && dst[i] > INT64_MAX - src[i])
			return FALSE;
	for (i = 0; i < C_N; i++)
		dst[i] += src[i];
	return TRUE;
}

static const char *
keep_str(struct daily *d, const char *s)
{
	return s == NULL ? NULL : g_string_chunk_insert(d->strings, s);
}

/* Add n messages of the record to day; which counts they go to is in
 * is[] (1 or 0 per count). */
static void
add_share(struct daily *d, int64_t day, const struct dmarc_record *rec,
    const int64_t *is, int64_t n)
{
	struct daily_row key, *x;
	int64_t c[C_N];
	int i;

	for (i = 0; i < C_N; i++)
		c[i] = is[i] * n;
	key.day = (int32_t)day;
	key.ip = rec->source_ip;
	key.from = rec->header_from;
	x = g_hash_table_lookup(d->keys, &key);
	if (x != NULL && add_counts(x->c, c))
		return;
	/* New, or its sums would overflow: a row of its own (the views sum
	 * rows of a key, and refuse a sum past bigint as before). */
	if (d->nrows / BLOCK_ROWS == d->blocks->len)
		g_ptr_array_add(d->blocks, g_new(struct daily_row,
		    BLOCK_ROWS));
	x = row_at(d, d->nrows++);
	x->day = key.day;
	x->ip = keep_str(d, rec->source_ip);
	x->from = keep_str(d, rec->header_from);
	memcpy(x->c, c, sizeof(c));
	/* A full one stays in the rows; later shares of the key come here. */
	g_hash_table_add(d->keys, x);
}

int
daily_add(struct store *st, const struct dmarc_report *r,
    const struct dmarc_record *rec)
{
	struct daily *d = daily_get(st);
	int64_t b = r->date_begin, e = r->date_end, c = rec->count;
	int64_t first = floor_div(b, DAY_SECS), last, day;
	int64_t is[C_N];
	gboolean dkim = is_pass(rec->policy_dkim);
	gboolean spf = is_pass(rec->policy_spf);

	if (c <= 0)
		return 0;	/* no share > 0; the record's insert checks */
	is[C_MESSAGES] = 1;
	is[C_PASS] = dkim || spf;
	is[C_FAIL] = !(dkim || spf);
	is[C_DKIM] = dkim;
	is[C_SPF] = spf;
	is[C_QUAR] = rec->disposition &&
	    strcmp(rec->disposition, "quarantine") == 0;
	is[C_REJ] = rec->disposition &&
	    strcmp(rec->disposition, "reject") == 0;
	if (e <= (first + 1) * DAY_SECS || e - b > SPREAD_MAX_SECS) {
		add_share(d, first, rec, is, c);
	} else {
		int64_t total = e - b;

		last = floor_div(e, DAY_SECS);
		for (day = first; day <= last; day++) {
			int64_t cs = MAX(b, day * DAY_SECS) - b;
			int64_t ce = MIN(e, (day + 1) * DAY_SECS) - b;
			int64_t n;

			if (ce <= cs)
				continue;
			n = mul_div(c, ce, total) - mul_div(c, cs, total);
			if (n > 0)
				add_share(d, day, rec, is, n);
		}
	}
	return d->nrows >= DAILY_MAX_ROWS ? 1 : 0;
}

/* The rows' sums per day, for dmarc_daily_domain (struct daily_row,
 * without strings); a sum that would overflow starts a row of its own. */
static GArray *
day_sums(const struct daily *d)
{
	GArray *days = g_array_new(FALSE, FALSE, sizeof(struct daily_row));
	guint i, j, last = 0;

	for (i = 0; i < d->nrows; i++) {
		const struct daily_row *x = row_at(d, i);
		struct daily_row *s;

		/* A report covers a few days, its rows mostly in order of
		 * day: the day of the last row, else a linear search. */
		if (last < days->len) {
			s = &g_array_index(days, struct daily_row, last);
			if (s->day == x->day && add_counts(s->c, x->c))
				continue;
		}
		for (j = 0; j < days->len; j++) {
			s = &g_array_index(days, struct daily_row, j);
			if (s->day == x->day && add_counts(s->c, x->c))
				break;
		}
		if (j == days->len)
			g_array_append_val(days, *x);
		last = j;
	}
	return days;
}

/* The rows as DAILY_VALUES binary array parameters into v, len and fmt:
 * dmarc_daily's day, source IP, header From and seven counts, then
 * dmarc_daily_domain's day and seven counts; their buffers go to keep.
 * The rows are forgotten. */
static void
daily_values(struct store *st, const char **v, int *len, int *fmt,
    GPtrArray *keep)
{
	struct daily *d = st->daily;
	GArray *days = day_sums(d);
	GString *col[DAILY_VALUES];
	guint i;
	int c;

	/* dmarc_daily: day, address, From, counts; sized for the numbers. */
	for (c = 0; c < 3 + C_N; c++) {
		col[c] = g_string_sized_new(32 + d->nrows * (c == 0 ? 8 : 12));
		pg_bin_begin(col[c], c == 0 ? 'i' : c < 3 ? 't' : 'l',
		    d->nrows);
	}
	for (i = 0; i < d->nrows; i++) {
		const struct daily_row *x = row_at(d, i);

		pg_bin_int4(col[0], x->day);
		pg_bin_text(col[1], x->ip);
		pg_bin_text(col[2], x->from);
		for (c = 0; c < C_N; c++)
			pg_bin_int8(col[3 + c], x->c[c]);
	}
	/* dmarc_daily_domain: day, counts. */
	for (c = 0; c < 1 + C_N; c++) {
		col[3 + C_N + c] = g_string_sized_new(32 + days->len * 12);
		pg_bin_begin(col[3 + C_N + c], c == 0 ? 'i' : 'l', days->len);
	}
	for (i = 0; i < days->len; i++) {
		const struct daily_row *s = &g_array_index(days,
		    struct daily_row, i);

		pg_bin_int4(col[3 + C_N], s->day);
		for (c = 0; c < C_N; c++)
			pg_bin_int8(col[4 + C_N + c], s->c[c]);
	}
	for (c = 0; c < DAILY_VALUES; c++) {
		len[c] = (int)col[c]->len;
		fmt[c] = 1;
		v[c] = g_string_free(col[c], FALSE);
		g_ptr_array_add(keep, (char *)v[c]);
	}
	g_array_free(days, TRUE);
	daily_clear(st);
}

/* Keep the report's rows for the batch's statement (daily_flush), sent
 * when the batch commits or holds DAILY_MAX_ROWS rows.  Only for a fast
 * batch: nothing in it can be undone alone. */
int
daily_defer(struct store *st, const struct dmarc_report *r, GError **err)
{
	struct daily *d = st->daily;
	GString **b;
	GArray *days;
	guint i;
	int c;

	if (!st->fast)		/* a savepoint could undo the report alone */
		return daily_send(st, r, err);
	if (d == NULL || d->nrows == 0)
		return 0;
	b = d->batch;
	if (b[0] == NULL)
		for (c = 0; c < BATCH_PARAMS; c++) {
			b[c] = g_string_sized_new(16384);
			g_string_set_size(b[c], PG_BIN_HEAD);
		}
	for (i = 0; i < d->nrows; i++) {
		const struct daily_row *x = row_at(d, i);

		pg_bin_text(b[0], r->policy.domain);
		pg_bin_text(b[1], r->org_name);
		pg_bin_int4(b[2], x->day);
		pg_bin_text(b[3], x->ip);
		pg_bin_text(b[4], x->from);
		for (c = 0; c < C_N; c++)
			pg_bin_int8(b[5 + c], x->c[c]);
	}
	days = day_sums(d);
	for (i = 0; i < days->len; i++) {
		const struct daily_row *s = &g_array_index(days,
		    struct daily_row, i);

		pg_bin_text(b[BATCH_ROW_COLS], r->policy.domain);
		pg_bin_int4(b[BATCH_ROW_COLS + 1], s->day);
		for (c = 0; c < C_N; c++)
			pg_bin_int8(b[BATCH_ROW_COLS + 2 + c], s->c[c]);
	}
	d->batch_rows += d->nrows;
	d->batch_days += days->len;
	g_array_free(days, TRUE);
	daily_clear(st);
	return d->batch_rows >= DAILY_MAX_ROWS ? daily_flush(st, err) : 0;
}

/* Send the batch's rows, if any, in one statement. */
int
daily_flush(struct store *st, GError **err)
{
	struct daily *d = st->daily;
	const char *v[BATCH_PARAMS];
	int len[BATCH_PARAMS], fmt[BATCH_PARAMS];
	int c, rc;

	if (d == NULL || d->batch_rows == 0)
		return 0;
	for (c = 0; c < BATCH_PARAMS; c++) {
		pg_bin_head(d->batch[c]->str, batch_elem[c],
		    c < BATCH_ROW_COLS ? d->batch_rows : d->batch_days);
		v[c] = d->batch[c]->str;
		len[c] = (int)d->batch[c]->len;
		fmt[c] = 1;
	}
	/* libpq copies the parameters into its buffer here. */
	rc = q_send(st, &daily_batch_ins, BATCH_PARAMS, v, len, fmt, 0, err);
	daily_batch_clear(st);
	return rc < 0 ? -1 : 0;
}

void
daily_batch_clear(struct store *st)
{
	struct daily *d = st->daily;
	int c;

	if (d == NULL || d->batch[0] == NULL)
		return;
	for (c = 0; c < BATCH_PARAMS; c++) {
		/* A big batch's buffers go; a usual one's are reused. */
		if (d->batch[c]->allocated_len > 1024 * 1024) {
			g_string_free(d->batch[c], TRUE);
			d->batch[c] = g_string_sized_new(16384);
		}
		g_string_set_size(d->batch[c], PG_BIN_HEAD);
	}
	d->batch_rows = d->batch_days = 0;
}

int
daily_send(struct store *st, const struct dmarc_report *r, GError **err)
{
	struct daily *d = st->daily;
	GPtrArray *keep;
	const char *v[DAILY_PARAMS] = { NULL };
	int len[DAILY_PARAMS] = { 0 }, fmt[DAILY_PARAMS] = { 0 };
	int rc;

	if (d == NULL || d->nrows == 0)
		return 0;
	keep = g_ptr_array_new_with_free_func(g_free);
	v[0] = r->policy.domain;
	v[1] = r->org_name;
	daily_values(st, v + 2, len + 2, fmt + 2, keep);
	rc = q_send(st, &daily_ins, DAILY_PARAMS, v, len, fmt, 0, err);
	g_ptr_array_free(keep, TRUE);
	return rc < 0 ? -1 : 0;
}
