/* report.c - store one DMARC aggregate report: header, records, raw copy.
 *
 *	r = store_report_begin(st, report, &err);   1 new, 0 already stored
 *	store_report_record(st, report, record, &err);   per record
 *	store_report_end(st, report, &raw, &err);	   or store_report_abort
 *
 * Records are buffered, one row each: a record's DKIM and SPF results and
 * override reasons are arrays of composites in its row (sql/001_core.sql),
 * so a record costs one insert and one foreign key check.  Every 5,000
 * records or 4 MiB they go out with COPY, so memory stays flat however big
 * the report, and the server stores one chunk while the next is read
 * (copy.c).  What is left at the end goes as arrays, one per column, of one
 * data-modifying WITH over unnest(), together with the compressed raw
 * report, queued for the message's next round trip.
 *
 * A safe batch (txn.c): begin inserts the report row with ON CONFLICT DO
 * NOTHING on the report identity: no row back means a duplicate, also when
 * another ingester holds the same report uncommitted (our insert waits for
 * its transaction, then conflicts).  The end's statement adds the records,
 * the raw copy and the final counts; from 50 records on the records go by
 * COPY instead, whose rows the server stores for a little less.  Each
 * report has a savepoint (r) inside its message's (m), so abort undoes just
 * that report and the transaction stays usable, also after the database
 * refused something.  When the refused statement is a report's deferred
 * end, the report is closed already; then the next round trip's error is
 * returned by whichever call made it, and pipe.c rolls back to r first, so
 * the message can go on (to be quarantined, as DATA says).  Round trips:
 * begin 1, end 0 (1 from 50 records), plus 1 per full chunk.
 *
 * Each report's rows of the daily rollup (daily.c) go in a statement of
 * their own right after the report's last one, under the same savepoint;
 * a fast batch's reports of one chunk leave theirs to one statement of
 * the batch's, sent before its COMMIT (txn.c).
 *
 * A fast batch: a report that fits one chunk, nearly all of them, is
 * written by one statement at its end: report row with its final counts,
 * records, raw copy, not waited for.  A parse error before the end leaves
 * nothing to undo, so no savepoint is needed.  Begin takes the report for
 * new without asking the server, as long as this connection has met no
 * duplicate: new mail is new, and the question cost a round trip per
 * report.  Should the report be stored already after all (twice in one
 * batch, or by another ingester), its statement inserts nothing, which
 * pipe.c turns into a retry of the batch; the retry is safe (and waits for
 * another ingester as above), and from then on begin looks the identity up
 * first (seen()), which tells a duplicate apart without writing anything,
 * in the same round trip as the statements before it.  A report too big
 * for one chunk has its row inserted before the first chunk, as a safe
 * batch does at begin, under a savepoint, so that its abort can undo the
 * chunks.  Round trips: none per report until a duplicate, then 1 at
 * begin; a big report 1 for its row and 1 per full chunk.  A report of
 * fewer than 5,000 records goes by unnest() whole, also from 50 records
 * on: COPY's cheaper rows did not show against the two round trips it
 * would cost here.
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"

#define CHUNK_RECORDS 5000
#define CHUNK_BYTES (4 * 1024 * 1024)
#define COPY_MIN_RECORDS 50

/* The first report of a message draws the message's ingest log id (see
 * txn.c); $22 says whether that happened already. */
static const struct q_stmt ins_report = { "ms_report_ins",
	"INSERT INTO dmarc_report (ingest_id, org_name, email,"
	" extra_contact_info, report_id, policy_domain, date_begin, date_end,"
	" version, generator, errors, p, sp, np, pct, adkim, aspf, fo,"
	" testing, discovery_method, extensions, fixups)"
	" VALUES (CASE WHEN $22::bool THEN currval('ingest_log_id_seq')"
	"  ELSE nextval('ingest_log_id_seq') END,"
	" $1::text, $2::text, $3::text, $4::text, $5::text,"
	" to_timestamp($6::bigint), to_timestamp($7::bigint), $8::text,"
	" $9::text, $10::text[], $11::text, $12::text, $13::text, $14::int,"
	" $15::text, $16::text, $17::text, $18::text, $19::text, $20::text,"
	" $21::text[])"
	" ON CONFLICT ON CONSTRAINT dmarc_report_identity DO NOTHING"
	" RETURNING id" };

/* Everything after begin in one statement.  The records travel as one
 * binary array per column (rowbuf.c).  A record's lists are one text[]
 * each, an element per record holding the literal of its composite array
 * (NULL when the list is empty), cast on the server; so is its address,
 * which the server checks as it casts.  The arrays are unnested in the
 * select list, where they advance in step row by row; unnest() of several
 * arrays in FROM first copies every row into a tuplestore, which cost 3 us
 * a record more (a third of the server's time per record). */
static const struct q_stmt end_report = { "ms_report_end",
	"WITH rec AS (INSERT INTO dmarc_record (report_id, begin_day, rec_no,"
	"  source_ip, count, disposition, policy_dkim, policy_spf, header_from,"
	"  envelope_from, envelope_to, fixups, reasons, dkim, spf)"
	"  SELECT $1::bigint, $26::date, unnest($2::int[]),"
	"  unnest($3::text[])::inet, unnest($4::bigint[]), unnest($5::text[]),"
	"  unnest($6::text[]),"
	"  unnest($7::text[]), unnest($8::text[]), unnest($9::text[]),"
	"  unnest($10::text[]), unnest($11::text[])::text[],"
	"  unnest($12::text[])::dmarc_override_reason[],"
	"  unnest($13::text[])::dmarc_dkim_result[],"
	"  unnest($14::text[])::dmarc_spf_result[]),"
	" raw AS (INSERT INTO dmarc_report_raw (report_id, container, member,"
	"  part_name, format, gz)"
	"  SELECT $1::bigint, $15::text, $16::text, $17::text, $18::text,"
	"  $19::bytea WHERE $19::bytea IS NOT NULL)"
	" UPDATE dmarc_report SET record_count = $20::bigint,"
	" message_count = $21::bigint, extensions = $22::text,"
	" generator = coalesce($23::text, generator),"
	" errors = coalesce($24::text[], errors),"
	" fixups = coalesce($25::text[], fixups)"
	" WHERE id = $1::bigint" };
#define END_PARAMS 26
#define END_DAY 25		/* v[] index of $26, the begin_day */
#define END_RAW 14		/* v[] index of $15, the first raw column */

/* A fast batch's report of one chunk, all of it in one statement.  $1-$21
 * as in ins_report, $22 whether the message drew its id already. */
static const struct q_stmt new_report = { "ms_report_new",
	"WITH r AS (INSERT INTO dmarc_report (ingest_id, org_name, email,"
	"  extra_contact_info, report_id, policy_domain, date_begin, date_end,"
	"  version, generator, errors, p, sp, np, pct, adkim, aspf, fo,"
	"  testing, discovery_method, extensions, fixups, record_count,"
	"  message_count)"
	"  VALUES (CASE WHEN $22::bool THEN currval('ingest_log_id_seq')"
	"  ELSE nextval('ingest_log_id_seq') END,"
	"  $1::text, $2::text, $3::text, $4::text, $5::text,"
	"  to_timestamp($6::bigint), to_timestamp($7::bigint), $8::text,"
	"  $9::text, $10::text[], $11::text, $12::text, $13::text, $14::int,"
	"  $15::text, $16::text, $17::text, $18::text, $19::text, $20::text,"
	"  $21::text[], $23::bigint, $24::bigint)"
	"  ON CONFLICT ON CONSTRAINT dmarc_report_identity DO NOTHING"
	"  RETURNING id),"
	" rec AS (INSERT INTO dmarc_record (report_id, begin_day, rec_no,"
	"  source_ip, count, disposition, policy_dkim, policy_spf, header_from,"
	"  envelope_from, envelope_to, fixups, reasons, dkim, spf)"
	"  SELECT r.id, $43::date, unnest($25::int[]),"
	"  unnest($26::text[])::inet, unnest($27::bigint[]), unnest($28::text[]),"
	"  unnest($29::text[]),"
	"  unnest($30::text[]), unnest($31::text[]), unnest($32::text[]),"
	"  unnest($33::text[]), unnest($34::text[])::text[],"
	"  unnest($35::text[])::dmarc_override_reason[],"
	"  unnest($36::text[])::dmarc_dkim_result[],"
	"  unnest($37::text[])::dmarc_spf_result[] FROM r),"
	" raw AS (INSERT INTO dmarc_report_raw (report_id, container, member,"
	"  part_name, format, gz)"
	"  SELECT r.id, $38::text, $39::text, $40::text, $41::text,"
	"  $42::bytea FROM r WHERE $42::bytea IS NOT NULL)"
	" SELECT id FROM r" };
#define HDR_PARAMS 21
#define NEW_PARAMS 43
#define NEW_DAY 42		/* v[] index of $43, the begin_day */
#define NEW_RECS 24		/* v[] index of $25, the first record array */
#define NEW_RAW 37		/* v[] index of $38, the first raw column */

/* A fast batch's duplicate check: the identity's columns, compared the way
 * the NULLS NOT DISTINCT constraint does, "IS NULL" where a value is
 * missing, so the unique index answers.  One statement per pattern of
 * missing values (org_name, report_id, policy domain), made on first use;
 * the present values are the parameters, in order, then the two dates. */
#define SEEN_NULLABLE 3
static const char *const seen_cols[SEEN_NULLABLE] = {
	"org_name", "report_id", "policy_domain",
};

/* The same columns, in the order of the buffer, for the big reports. */
static const char copy_records[] =
	"COPY dmarc_record (report_id, begin_day, rec_no, source_ip, count,"
	" disposition, policy_dkim, policy_spf, header_from, envelope_from,"
	" envelope_to, fixups, reasons, dkim, spf) FROM STDIN";

/* dmarc_record's partition key, begin_day: the UTC day the report began
 * (sql/011_partition.sql), as a Julian day number ("J2461000"), which
 * PostgreSQL reads as a date over all of to_timestamp's range, BC
 * included.  Set here because a trigger cannot change the partition a row
 * goes to. */
#define UNIX_EPOCH_JDN INT64_C(2440588)

static void
begin_day(const struct dmarc_report *r, char *buf, gsize len)
{
	int64_t d = r->date_begin / 86400;

	if (r->date_begin % 86400 < 0)
		d--;		/* floor, not toward zero */
	snprintf(buf, len, "J%" PRId64, d + UNIX_EPOCH_JDN);
}

void
store_report_reset(struct store *st)
{
	rowbuf_clear(&st->rec);
	st->in_report = FALSE;
	st->report_pk = 0;
	st->rec_no = 0;
	st->messages = 0;
	daily_clear(st);
}

/* to_timestamp's range: PostgreSQL would refuse the report anyway, and a
 * refusal costs a fast batch its retry. */
#define EPOCH_MIN INT64_C(-210866803200)	/* 4714-11-24 BC */
#define EPOCH_END INT64_C(9224318016000)	/* 294277 AD */

static int
check_dates(const struct dmarc_report *r, GError **err)
{
	if (r->date_begin >= EPOCH_MIN && r->date_begin < EPOCH_END &&
	    r->date_end >= EPOCH_MIN && r->date_end < EPOCH_END)
		return 0;
	store_set_error(err, STORE_ERROR_DATA, "report date out of range "
	    "(begin %" PRId64 ", end %" PRId64 ")", r->date_begin, r->date_end);
	return -1;
}

/* The header's values, $1-$21 of ins_report and new_report, into v.  The
 * text[] literals are added to keep. */
static void
header_values(const struct dmarc_report *r, const char **v, char *begin,
    char *end, char *pct, GPtrArray *keep)
{
	const struct dmarc_policy *po = &r->policy;

	snprintf(begin, 32, "%" PRId64, r->date_begin);
	snprintf(end, 32, "%" PRId64, r->date_end);
	snprintf(pct, 16, "%d", po->pct);
	v[0] = r->org_name; v[1] = r->email; v[2] = r->extra_contact_info;
	v[3] = r->report_id; v[4] = po->domain; v[5] = begin; v[6] = end;
	v[7] = r->version; v[8] = r->generator;
	g_ptr_array_add(keep, (char *)(v[9] = pg_array_literal(r->errors)));
	v[10] = po->p; v[11] = po->sp; v[12] = po->np;
	v[13] = po->pct < 0 ? NULL : pct;
	v[14] = po->adkim; v[15] = po->aspf; v[16] = po->fo;
	v[17] = po->testing; v[18] = po->discovery_method;
	v[19] = r->extensions ? r->extensions->str : NULL;
	g_ptr_array_add(keep, (char *)(v[20] = pg_array_literal(r->fixups)));
}

/* Insert the report row under a savepoint r: 1 new (st->report_pk set),
 * 0 already stored, -1 error (pipe.c has rolled back to r). */
static int
insert_header(struct store *st, const struct dmarc_report *r, GError **err)
{
	GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
	char begin[32], end[32], pct[16];
	const char *v[HDR_PARAMS + 1];
	PGresult *res;
	int i;

	part_note(st, r->date_begin);
	header_values(r, v, begin, end, pct, keep);
	v[HDR_PARAMS] = st->have_id ? "t" : "f";
	q_fixed(st, "SAVEPOINT r", EFF_SP_R);
	i = q_send(st, &ins_report, HDR_PARAMS + 1, v, NULL, NULL, 0, err);
	g_ptr_array_free(keep, TRUE);
	if (i < 0 || q_sync(st, err) < 0)
		return -1;
	st->have_id = TRUE;	/* nextval ran, even for a duplicate */
	res = q_result(st, i);
	if (PQntuples(res) == 0) {
		q_fixed(st, "RELEASE SAVEPOINT r", EFF_REL_R);
		return 0;
	}
	st->report_pk = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	return 1;
}

static struct q_stmt seen_stmts[1 << SEEN_NULLABLE];

/* All patterns at once, so that threads (the tests have some) never race
 * to make one. */
static gpointer
make_seen_stmts(gpointer unused)
{
	static char names[1 << SEEN_NULLABLE][16];
	guint mask, c, n;

	(void)unused;
	for (mask = 0; mask < G_N_ELEMENTS(seen_stmts); mask++) {
		GString *sql = g_string_new("SELECT 1 FROM dmarc_report WHERE ");

		for (c = 0, n = 0; c < SEEN_NULLABLE; c++) {
			if (mask & (1u << c))
				g_string_append_printf(sql, "%s IS NULL AND ",
				    seen_cols[c]);
			else
				g_string_append_printf(sql,
				    "%s = $%u::text AND ", seen_cols[c], ++n);
		}
		g_string_append_printf(sql, "date_begin ="
		    " to_timestamp($%u::bigint) AND date_end ="
		    " to_timestamp($%u::bigint)", n + 1, n + 2);
		snprintf(names[mask], sizeof(names[mask]), "ms_report_seen%u",
		    mask);
		seen_stmts[mask].name = names[mask];
		seen_stmts[mask].sql = g_string_free(sql, FALSE); /* kept */
	}
	return NULL;
}

/* The statement of seen_cols' pattern mask (bit set: value missing). */
static const struct q_stmt *
seen_stmt(guint mask)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, make_seen_stmts, NULL);
	return &seen_stmts[mask];
}

/* A fast batch's begin: 1 new, 0 already stored (committed, or earlier in
 * this transaction: the statements before it ran first), -1 error. */
static int
seen(struct store *st, const struct dmarc_report *r, GError **err)
{
	const char *ident[SEEN_NULLABLE] = { r->org_name, r->report_id,
	    r->policy.domain };
	const char *v[SEEN_NULLABLE + 2];
	char begin[32], end[32];
	guint c, mask = 0, n = 0;
	int i;

	for (c = 0; c < SEEN_NULLABLE; c++) {
		if (ident[c] == NULL)
			mask |= 1u << c;
		else
			v[n++] = ident[c];
	}
	snprintf(begin, sizeof(begin), "%" PRId64, r->date_begin);
	snprintf(end, sizeof(end), "%" PRId64, r->date_end);
	v[n++] = begin;
	v[n++] = end;
	if ((i = q_send(st, seen_stmt(mask), (int)n, v, NULL, NULL, 0,
	    err)) < 0 || q_sync(st, err) < 0)
		return -1;
	return PQntuples(q_result(st, i)) > 0 ? 0 : 1;
}

int
store_report_begin(struct store *st, const struct dmarc_report *r,
    GError **err)
{
	int rc;

	if (!st->in_message || st->in_report) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_report_begin: %s", st->in_report ?
		    "a report is open" : "no message begun");
		return -1;
	}
	if (check_dates(r, err) < 0)
		return -1;
	store_report_reset(st);
	if (!st->fast)
		rc = insert_header(st, r, err);
	else if (!st->dup_seen)
		rc = 1;		/* taken for new: see the top of the file */
	else
		rc = seen(st, r, err);
	if (rc == 1)
		st->in_report = TRUE;
	return rc;
}

/* Send the buffered records with COPY; the server stores them while the
 * caller goes on (copy.c).  In a fast batch the first chunk of a report
 * needs its row first. */
static int
flush_copy(struct store *st, const struct dmarc_report *r, GError **err)
{
	char day[32], prefix[64];

	if (st->report_pk == 0) {
		int rc = insert_header(st, r, err);

		if (rc < 0)
			return -1;
		if (rc == 0) {
			st->dup_seen = TRUE;
			store_set_retry_error(st, err, "report %s: taken for "
			    "new, but stored already", r->report_id ?
			    r->report_id : "(no id)");
			return -1;
		}
	}
	begin_day(r, day, sizeof(day));
	snprintf(prefix, sizeof(prefix), "%" PRId64 "\t%s\t", st->report_pk,
	    day);
	if (store_copy_rows(st, "dmarc_record", copy_records, &st->rec,
	    prefix, err) < 0)
		return -1;
	rowbuf_clear(&st->rec);
	return 0;
}

/* Fields of one list element, for composite_array. */
typedef void (*fields_fn)(const void *elem, const char **f);

static void
dkim_fields(const void *p, const char **f)
{
	const struct dmarc_dkim *x = p;

	f[0] = x->domain; f[1] = x->selector; f[2] = x->result;
	f[3] = x->human_result;
}

static void
spf_fields(const void *p, const char **f)
{
	const struct dmarc_spf *x = p;

	f[0] = x->domain; f[1] = x->scope; f[2] = x->result;
	f[3] = x->human_result;
}

static void
reason_fields(const void *p, const char **f)
{
	const struct dmarc_reason *x = p;

	f[0] = x->type; f[1] = x->comment;
}

/* Buffer a list as the literal of an array of nf-field composites, or
 * NULL when it is empty: {"(\"d\",\"s\",\"pass\",)",...}. */
static void
add_composite_array(struct store *st, const GPtrArray *list, guint nf,
    fields_fn fn)
{
	const char *f[4];
	guint i;

	if (list == NULL || list->len == 0) {
		rowbuf_add(&st->rec, NULL);
		return;
	}
	g_string_truncate(st->lit, 0);
	for (i = 0; i < list->len; i++) {
		fn(g_ptr_array_index(list, i), f);
		g_string_append_c(st->lit, i > 0 ? ',' : '{');
		pg_composite_elem(st->lit, f, nf);
	}
	g_string_append_c(st->lit, '}');
	rowbuf_add(&st->rec, st->lit->str);
}

int
store_report_record(struct store *st, const struct dmarc_report *r,
    const struct dmarc_record *rec, GError **err)
{
	char *fixups;
	int n;

	if (!st->in_report) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_report_record: no report begun");
		return -1;
	}
	n = ++st->rec_no;
	st->messages += rec->count;

	rowbuf_add_int(&st->rec, n);
	rowbuf_add(&st->rec, rec->source_ip);
	rowbuf_add_int(&st->rec, rec->count);
	rowbuf_add(&st->rec, rec->disposition);
	rowbuf_add(&st->rec, rec->policy_dkim);
	rowbuf_add(&st->rec, rec->policy_spf);
	rowbuf_add(&st->rec, rec->header_from);
	rowbuf_add(&st->rec, rec->envelope_from);
	rowbuf_add(&st->rec, rec->envelope_to);
	fixups = pg_array_literal(rec->fixups);
	rowbuf_add(&st->rec, fixups);
	g_free(fixups);
	add_composite_array(st, rec->reasons, 2, reason_fields);
	add_composite_array(st, rec->dkim, 4, dkim_fields);
	add_composite_array(st, rec->spf, 4, spf_fields);

	/* The record's shares of the daily rollup (daily.c); past its bound
	 * they go out now, after the report's row, under its savepoint. */
	if (daily_add(st, r, rec) == 1 &&
	    (flush_copy(st, r, err) < 0 || daily_send(st, r, err) < 0))
		return -1;

	if (rowbuf_rows(&st->rec) >= CHUNK_RECORDS ||
	    st->rec.data->len >= CHUNK_BYTES)
		return flush_copy(st, r, err);
	return 0;
}

/* The buffered records as binary array parameters, one per column, into
 * v, len and fmt; element types in the order of store_report_record. */
static void
add_arrays(const struct rowbuf *rb, const char **v, int *len, int *fmt,
    GPtrArray *keep)
{
	GString **cols = rowbuf_arrays_bin(rb, "itltttttttttt");
	guint c;

	for (c = 0; c < rb->ncols; c++) {
		v[c] = cols[c]->str;
		len[c] = (int)cols[c]->len;
		fmt[c] = 1;
		g_ptr_array_add(keep, g_string_free(cols[c], FALSE));
	}
	g_free(cols);
}

/* Labels of the raw copy come from MIME and zip headers: any bytes. */
static const char *
utf8_label(const char *s, GPtrArray *keep)
{
	char *fixed;

	if (s == NULL || g_utf8_validate(s, -1, NULL))
		return s;
	fixed = g_utf8_make_valid(s, -1);
	g_ptr_array_add(keep, fixed);
	return fixed;
}

/* The raw copy's five values into v (v[4] binary, length in *len), or
 * nothing when there is no raw copy. */
static void
raw_values(const struct store_raw *raw, GBytes *kept, const char *format,
    const char **v, int *len, int *fmt, GPtrArray *keep)
{
	gsize n;

	if (kept == NULL)
		return;
	v[0] = utf8_label(raw->container, keep);
	v[1] = utf8_label(raw->member, keep);
	v[2] = utf8_label(raw->part_name, keep);
	v[3] = format;
	v[4] = g_bytes_get_data(kept, &n);
	if (v[4] == NULL)
		v[4] = "";	/* empty, not NULL */
	*len = (int)n;
	*fmt = 1;	/* binary: the bytes as they are */
}

/* A fast batch's report of one chunk: everything in one statement, not
 * waited for.  Its row comes back at the next round trip, or none when the
 * report was stored meanwhile (q_expect_row). */
static int
send_new(struct store *st, const struct dmarc_report *r,
    const struct store_raw *raw, GBytes *kept, const char *format,
    GError **err)
{
	GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
	const char *v[NEW_PARAMS] = { NULL };
	int len[NEW_PARAMS] = { 0 }, fmt[NEW_PARAMS] = { 0 };
	char begin[32], end[32], pct[16], records[32], messages[32], day[32];
	int i;

	part_note(st, r->date_begin);
	header_values(r, v, begin, end, pct, keep);
	begin_day(r, day, sizeof(day));
	v[NEW_DAY] = day;
	snprintf(records, sizeof(records), "%d", st->rec_no);
	snprintf(messages, sizeof(messages), "%" PRId64, st->messages);
	v[HDR_PARAMS] = st->have_id ? "t" : "f";
	v[HDR_PARAMS + 1] = records;
	v[HDR_PARAMS + 2] = messages;
	add_arrays(&st->rec, v + NEW_RECS, len + NEW_RECS, fmt + NEW_RECS,
	    keep);
	raw_values(raw, kept, format, v + NEW_RAW, len + NEW_RAW + 4,
	    fmt + NEW_RAW + 4, keep);
	i = q_send(st, &new_report, NEW_PARAMS, v, len, fmt, 0, err);
	g_ptr_array_free(keep, TRUE);
	if (i < 0)
		return -1;
	q_expect_row(st, i);
	st->have_id = TRUE;
	/* Its rollup rows go with the batch's (daily.c): a duplicate, or
	 * anything refused, makes the batch retry, so they never outlive
	 * the report. */
	if (daily_defer(st, r, err) < 0)
		return -1;
	return q_defer(st, err);
}

/* The rest of a report whose row is in: the last records, the raw copy,
 * the final counts.  No sync: see the top of the file, and store.h. */
static int
send_end(struct store *st, const struct dmarc_report *r,
    const struct store_raw *raw, GBytes *kept, const char *format,
    GError **err)
{
	GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
	const char *v[END_PARAMS] = { NULL };
	int len[END_PARAMS] = { 0 }, fmt[END_PARAMS] = { 0 };
	char pk[32], records[32], messages[32], day[32];
	int i;

	/* Enough records left that COPY's cheaper rows pay for its round
	 * trip: they go first, the rest of the report as below. */
	if (rowbuf_rows(&st->rec) >= COPY_MIN_RECORDS &&
	    flush_copy(st, r, err) < 0) {
		g_ptr_array_free(keep, TRUE);
		return -1;
	}
	snprintf(pk, sizeof(pk), "%" PRId64, st->report_pk);
	snprintf(records, sizeof(records), "%d", st->rec_no);
	snprintf(messages, sizeof(messages), "%" PRId64, st->messages);
	v[0] = pk;
	add_arrays(&st->rec, v + 1, len + 1, fmt + 1, keep);
	raw_values(raw, kept, format, v + END_RAW, len + END_RAW + 4,
	    fmt + END_RAW + 4, keep);
	v[19] = records; v[20] = messages;
	begin_day(r, day, sizeof(day));
	v[END_DAY] = day;
	v[21] = r->extensions ? r->extensions->str : NULL;
	v[22] = r->generator;
	g_ptr_array_add(keep, (char *)(v[23] = pg_array_literal(r->errors)));
	g_ptr_array_add(keep, (char *)(v[24] = pg_array_literal(r->fixups)));

	/* libpq copies the parameters into its buffer here. */
	i = q_send(st, &end_report, END_PARAMS, v, len, fmt, 0, err);
	g_ptr_array_free(keep, TRUE);
	if (i < 0 || daily_send(st, r, err) < 0)	/* under savepoint r */
		return -1;
	q_fixed(st, "RELEASE SAVEPOINT r", EFF_REL_R);
	return st->fast ? q_defer(st, err) : 0;
}

int
store_report_end(struct store *st, const struct dmarc_report *r,
    const struct store_raw *raw, GError **err)
{
	const char *format = NULL;
	GBytes *kept = NULL;
	int rc;

	if (!st->in_report) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_report_end: no report begun");
		return -1;
	}
	if (raw && raw->bytes) {
		if ((kept = store_compress(raw->bytes, &format, err)) == NULL)
			return -1;
		if (g_bytes_get_size(kept) > G_MAXINT) {
			g_bytes_unref(kept);
			store_set_error(err, STORE_ERROR_DATA,
			    "raw report too big to keep");
			return -1;
		}
	}
	if (st->report_pk == 0)
		rc = send_new(st, r, raw, kept, format, err);
	else
		rc = send_end(st, r, raw, kept, format, err);
	if (kept)
		g_bytes_unref(kept);
	if (rc < 0)
		return -1;
	store_report_reset(st);
	return 0;
}

int
store_report_abort(struct store *st, GError **err)
{
	if (!st->in_report)
		return 0;
	store_report_reset(st);
	/* A chunk still being stored is undone with the rest: whatever it
	 * says, only a lost connection matters (st->broken, then q_sync). */
	store_copy_wait(st, NULL);
	/* No savepoint: nothing of the report was sent (a fast batch's
	 * report of one chunk), or nothing was stored (its begin failed). */
	if (!st->sp_r)
		return 0;
	q_fixed(st, "ROLLBACK TO SAVEPOINT r", EFF_NONE);
	q_fixed(st, "RELEASE SAVEPOINT r", EFF_REL_R);
	return q_sync(st, err);
}
