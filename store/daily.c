/* daily.c - a report's rows of the daily rollup, computed by the store
 * while its records go by, and sent with the report (sql/012_rollup_fast.sql).
 *
 *	daily_add(st, report, record);	   per record: 1 when full, else 0
 *	daily_send(st, report, &err);	   queue the rows (report.c)
 *	daily_values(st, v, len, fmt, keep);   or make them parameters of
 *					   the report's own statement
 *	daily_clear(st);		   forget them (store_report_reset)
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
 * reporter), and per day for dmarc_daily_domain, and sends them with the
 * report: in its own statement (a fast batch's report of one chunk,
 * nearly all of them, inserting them FROM the report's row, so that a
 * duplicate inserts none), else as a statement next to the report's: the
 * same transaction, the same savepoint, so a report, message or batch
 * rolled back takes its rollup rows with it.  Rows are appended, never updated: two ingesters never wait
 * on each other's rollup rows.  The key has the reporter in it, and a
 * reporter lists an address about once a report, so this saves rows only
 * where a report lists an address several times; `mailsift db
 * rebuild-rollups` merges the rows of a key across reports.
 *
 * Bounded: a report spread over 400 days multiplies its records by 400, so
 * past DAILY_MAX_KEYS keys daily_add says "full" and report.c sends what
 * there is (after the report's row, under its savepoint) and goes on.
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"

#define DAILY_MAX_KEYS 65536
#define DAY_SECS INT64_C(86400)
#define SPREAD_MAX_SECS (400 * DAY_SECS)

enum { C_MESSAGES, C_PASS, C_FAIL, C_DKIM, C_SPF, C_QUAR, C_REJ, C_N };
/* daily_values: day, address, From and the counts; day and the counts. */
G_STATIC_ASSERT(DAILY_VALUES == (3 + C_N) + (1 + C_N));

struct daily_row {
	int32_t day;		/* days since 1970-01-01 */
	char *ip, *from;	/* NULL as in the record */
	int64_t c[C_N];
};

struct daily {
	GHashTable *keys;	/* key string -> struct daily_row * */
	GPtrArray *rows;	/* every row, in order of creation */
	GString *key;		/* scratch */
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
#define DAILY_PARAMS (2 + DAILY_VALUES)

static void
row_free(gpointer p)
{
	struct daily_row *x = p;

	g_free(x->ip);
	g_free(x->from);
	g_free(x);
}

static struct daily *
daily_get(struct store *st)
{
	if (st->daily == NULL) {
		st->daily = g_new0(struct daily, 1);
		st->daily->keys = g_hash_table_new_full(g_str_hash,
		    g_str_equal, g_free, NULL);
		st->daily->rows = g_ptr_array_new_with_free_func(row_free);
		st->daily->key = g_string_new(NULL);
	}
	return st->daily;
}

void
daily_clear(struct store *st)
{
	struct daily *d = st->daily;

	if (d == NULL || d->rows->len == 0)
		return;
	g_hash_table_remove_all(d->keys);
	g_ptr_array_set_size(d->rows, 0);
}

void
daily_free(struct store *st)
{
	struct daily *d = st->daily;

	if (d == NULL)
		return;
	daily_clear(st);
	g_hash_table_destroy(d->keys);
	g_ptr_array_free(d->rows, TRUE);
	g_string_free(d->key, TRUE);
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

/* Length-prefixed, so no value can pass for another; -1: NULL. */
static void
append_part(GString *k, const char *s)
{
	if (s == NULL)
		g_string_append(k, "-1:");
	else
		g_string_append_printf(k, "%zu:%s", strlen(s), s);
}

static void
add_share(struct daily *d, int64_t day, const struct dmarc_record *rec,
    int64_t n)
{
	struct daily_row *x;
	int64_t c[C_N] = { 0 };
	gboolean pass = is_pass(rec->policy_dkim) || is_pass(rec->policy_spf);

	c[C_MESSAGES] = n;
	c[pass ? C_PASS : C_FAIL] = n;
	c[C_DKIM] = is_pass(rec->policy_dkim) ? n : 0;
	c[C_SPF] = is_pass(rec->policy_spf) ? n : 0;
	c[C_QUAR] = rec->disposition &&
	    strcmp(rec->disposition, "quarantine") == 0 ? n : 0;
	c[C_REJ] = rec->disposition &&
	    strcmp(rec->disposition, "reject") == 0 ? n : 0;

	g_string_printf(d->key, "%" PRId64 "|", day);
	append_part(d->key, rec->source_ip);
	append_part(d->key, rec->header_from);
	x = g_hash_table_lookup(d->keys, d->key->str);
	if (x != NULL && add_counts(x->c, c))
		return;
	/* New, or its sums would overflow: a row of its own (the views sum
	 * rows of a key, and refuse a sum past bigint as before). */
	x = g_new(struct daily_row, 1);
	x->day = (int32_t)day;
	x->ip = g_strdup(rec->source_ip);
	x->from = g_strdup(rec->header_from);
	memcpy(x->c, c, sizeof(c));
	g_ptr_array_add(d->rows, x);
	/* A full one stays in rows; later shares of the key come here. */
	g_hash_table_replace(d->keys, g_strdup(d->key->str), x);
}

int
daily_add(struct store *st, const struct dmarc_report *r,
    const struct dmarc_record *rec)
{
	struct daily *d = daily_get(st);
	int64_t b = r->date_begin, e = r->date_end, c = rec->count;
	int64_t first = floor_div(b, DAY_SECS), last, day;

	if (c <= 0)
		return 0;	/* no share > 0; the record's insert checks */
	if (e <= (first + 1) * DAY_SECS || e - b > SPREAD_MAX_SECS) {
		add_share(d, first, rec, c);
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
				add_share(d, day, rec, n);
		}
	}
	return g_hash_table_size(d->keys) >= DAILY_MAX_KEYS ? 1 : 0;
}

/* The rows' columns as binary arrays into v, len and fmt. */
static void
put_arrays(struct rowbuf *rb, const char *elem, const char **v, int *len,
    int *fmt, GPtrArray *keep)
{
	GString **cols = rowbuf_arrays_bin(rb, elem);
	guint c;

	for (c = 0; c < rb->ncols; c++) {
		v[c] = cols[c]->str;
		len[c] = (int)cols[c]->len;
		fmt[c] = 1;
		g_ptr_array_add(keep, g_string_free(cols[c], FALSE));
	}
	g_free(cols);
}

/* The rows as DAILY_VALUES binary array parameters into v, len and fmt:
 * dmarc_daily's day, source IP, header From and seven counts, then
 * dmarc_daily_domain's day and seven counts; their buffers go to keep.
 * The rows are forgotten. */
void
daily_values(struct store *st, const char **v, int *len, int *fmt,
    GPtrArray *keep)
{
	struct daily *d = st->daily;
	GArray *days;		/* struct daily_row, per day, summed */
	struct rowbuf rows, sums;
	guint i, j;
	int c;

	rowbuf_init(&rows, 3 + C_N);
	rowbuf_init(&sums, 1 + C_N);
	days = g_array_new(FALSE, TRUE, sizeof(struct daily_row));
	for (i = 0; d != NULL && i < d->rows->len; i++) {
		struct daily_row *x = g_ptr_array_index(d->rows, i);

		rowbuf_add_int(&rows, x->day);
		rowbuf_add(&rows, x->ip);
		rowbuf_add(&rows, x->from);
		for (c = 0; c < C_N; c++)
			rowbuf_add_int(&rows, x->c[c]);
		/* A report covers a few days: a linear search is enough. */
		for (j = 0; j < days->len; j++) {
			struct daily_row *s = &g_array_index(days,
			    struct daily_row, j);

			if (s->day == x->day && add_counts(s->c, x->c))
				break;
		}
		if (j == days->len)
			g_array_append_val(days, *x);
	}
	for (j = 0; j < days->len; j++) {
		struct daily_row *s = &g_array_index(days, struct daily_row, j);

		rowbuf_add_int(&sums, s->day);
		for (c = 0; c < C_N; c++)
			rowbuf_add_int(&sums, s->c[c]);
	}
	put_arrays(&rows, "itt" "lllllll", v, len, fmt, keep);
	put_arrays(&sums, "i" "lllllll", v + 3 + C_N, len + 3 + C_N,
	    fmt + 3 + C_N, keep);
	g_array_free(days, TRUE);
	rowbuf_free(&rows);
	rowbuf_free(&sums);
	daily_clear(st);
}

int
daily_send(struct store *st, const struct dmarc_report *r, GError **err)
{
	struct daily *d = st->daily;
	GPtrArray *keep;
	const char *v[DAILY_PARAMS] = { NULL };
	int len[DAILY_PARAMS] = { 0 }, fmt[DAILY_PARAMS] = { 0 };
	int rc;

	if (d == NULL || d->rows->len == 0)
		return 0;
	keep = g_ptr_array_new_with_free_func(g_free);
	v[0] = r->policy.domain;
	v[1] = r->org_name;
	daily_values(st, v + 2, len + 2, fmt + 2, keep);
	rc = q_send(st, &daily_ins, DAILY_PARAMS, v, len, fmt, 0, err);
	g_ptr_array_free(keep, TRUE);
	return rc < 0 ? -1 : 0;
}
