/* report.c - store one DMARC aggregate report: header, records, raw copy.
 *
 *	r = store_report_begin(st, report, &err);   1 new, 0 already stored
 *	store_report_record(st, report, record, &err);   per record
 *	store_report_end(st, report, &raw, &err);	   or store_report_abort
 *
 * begin inserts the report row with ON CONFLICT DO NOTHING on the report
 * identity: no row back means a duplicate, also when another ingester holds
 * the same report uncommitted (our insert waits for its transaction, then
 * conflicts).  Records are buffered, one row each: a record's DKIM and
 * SPF results and override reasons are arrays of composites in its row
 * (sql/001_core.sql), so a record costs one insert and one foreign key
 * check.  Every 5,000 records or 4 MiB they go out with COPY, so memory
 * stays flat however big the report, and the server stores one chunk while
 * the next is read (copy.c).  end sends the rest, the final counts and the
 * compressed raw report as one statement (data-modifying WITH over unnest()
 * of one array per column), queued for the message's next round trip,
 * store_message_end's: most reports have a handful of records, and a COPY
 * costs a round trip of its own.  From 50 records on, the rest goes by
 * COPY all the same: the server stores COPY's rows for less (rows inserted
 * a page at a time, about a tenth less WAL and CPU on the benchmark's
 * reports), which pays for the round trip.  Round trips: begin 1, end 0
 * (1 from 50 records), plus 1 per full chunk of records.
 *
 * Each report has a savepoint (r) inside its message's (m), so abort
 * undoes just that report and the transaction stays usable, also after the
 * database refused something.  When the refused statement is a report's
 * deferred end, the report is closed already; then the next round trip's
 * error is returned by whichever call made it, and pipe.c rolls back to r
 * first, so the message can go on (to be quarantined, as DATA says).
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

/* Everything after begin in one statement.  A record's lists travel as
 * one text[] each, an element per record holding the literal of its
 * composite array (NULL when the list is empty), cast on the server. */
static const struct q_stmt end_report = { "ms_report_end",
	"WITH rec AS (INSERT INTO dmarc_record (report_id, rec_no, source_ip,"
	"  count, disposition, policy_dkim, policy_spf, header_from,"
	"  envelope_from, envelope_to, fixups, reasons, dkim, spf)"
	"  SELECT $1::bigint, u.a, u.b, u.c, u.d, u.e, u.f, u.g, u.h, u.i,"
	"  u.j::text[], u.k::dmarc_override_reason[], u.l::dmarc_dkim_result[],"
	"  u.m::dmarc_spf_result[]"
	"  FROM unnest($2::int[], $3::inet[], $4::bigint[], $5::text[],"
	"  $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],"
	"  $11::text[], $12::text[], $13::text[], $14::text[])"
	"  AS u(a, b, c, d, e, f, g, h, i, j, k, l, m)),"
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
#define END_PARAMS 25
#define END_RAW 14		/* v[] index of $15, the first raw column */

/* The same columns, in the order of the buffer, for the big reports. */
static const char copy_records[] =
	"COPY dmarc_record (report_id, rec_no, source_ip, count, disposition,"
	" policy_dkim, policy_spf, header_from, envelope_from, envelope_to,"
	" fixups, reasons, dkim, spf) FROM STDIN";

void
store_report_reset(struct store *st)
{
	rowbuf_clear(&st->rec);
	st->in_report = FALSE;
	st->report_pk = 0;
	st->rec_no = 0;
	st->messages = 0;
}

int
store_report_begin(struct store *st, const struct dmarc_report *r,
    GError **err)
{
	const struct dmarc_policy *po = &r->policy;
	char begin[32], end[32], pct[16];
	char *errors, *fixups;
	const char *v[22];
	PGresult *res;
	int i;

	if (!st->in_message || st->in_report) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_report_begin: %s", st->in_report ?
		    "a report is open" : "no message begun");
		return -1;
	}
	snprintf(begin, sizeof(begin), "%" PRId64, r->date_begin);
	snprintf(end, sizeof(end), "%" PRId64, r->date_end);
	snprintf(pct, sizeof(pct), "%d", po->pct);
	errors = pg_array_literal(r->errors);
	fixups = pg_array_literal(r->fixups);
	v[0] = r->org_name; v[1] = r->email; v[2] = r->extra_contact_info;
	v[3] = r->report_id; v[4] = po->domain; v[5] = begin; v[6] = end;
	v[7] = r->version; v[8] = r->generator; v[9] = errors;
	v[10] = po->p; v[11] = po->sp; v[12] = po->np;
	v[13] = po->pct < 0 ? NULL : pct;
	v[14] = po->adkim; v[15] = po->aspf; v[16] = po->fo;
	v[17] = po->testing; v[18] = po->discovery_method;
	v[19] = r->extensions ? r->extensions->str : NULL;
	v[20] = fixups;
	v[21] = st->have_id ? "t" : "f";

	store_report_reset(st);
	q_fixed(st, "SAVEPOINT r", EFF_SP_R);
	i = q_send(st, &ins_report, 22, v, NULL, NULL, 0, err);
	g_free(errors);
	g_free(fixups);
	if (i < 0 || q_sync(st, err) < 0)
		return -1;	/* pipe.c has rolled back to r */
	st->have_id = TRUE;	/* nextval ran, even for a duplicate */
	res = q_result(st, i);
	if (PQntuples(res) == 0) {
		q_fixed(st, "RELEASE SAVEPOINT r", EFF_REL_R);
		return 0;
	}
	st->report_pk = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	st->in_report = TRUE;
	return 1;
}

/* Send the buffered records with COPY; the server stores them while the
 * caller goes on (copy.c). */
static int
flush_copy(struct store *st, GError **err)
{
	if (store_copy_rows(st, "dmarc_record", copy_records, &st->rec,
	    st->report_pk, err) < 0)
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

	(void)r;	/* the report's state is ours: st */
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

	if (rowbuf_rows(&st->rec) >= CHUNK_RECORDS ||
	    st->rec.data->len >= CHUNK_BYTES)
		return flush_copy(st, err);
	return 0;
}

/* The buffered records as array parameters, one per column, into v. */
static void
add_arrays(const struct rowbuf *rb, const char **v, GPtrArray *keep)
{
	GString **cols = rowbuf_arrays(rb);
	guint c;

	for (c = 0; c < rb->ncols; c++) {
		v[c] = cols[c]->str;
		g_ptr_array_add(keep, g_string_free(cols[c], FALSE));
	}
	g_free(cols);
}

int
store_report_end(struct store *st, const struct dmarc_report *r,
    const struct store_raw *raw, GError **err)
{
	char pk[32], records[32], messages[32];
	GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
	const char *v[END_PARAMS] = { NULL }, *format = NULL;
	int len[END_PARAMS] = { 0 }, fmt[END_PARAMS] = { 0 };
	GBytes *kept = NULL;
	gsize n;
	int i;

	if (!st->in_report) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_report_end: no report begun");
		g_ptr_array_free(keep, TRUE);
		return -1;
	}
	/* Enough records left that COPY's cheaper rows pay for its round
	 * trip: they go first, the rest of the report as below. */
	if (rowbuf_rows(&st->rec) >= COPY_MIN_RECORDS &&
	    flush_copy(st, err) < 0) {
		g_ptr_array_free(keep, TRUE);
		return -1;
	}
	if (raw && raw->bytes) {
		if ((kept = store_compress(raw->bytes, &format, err)) == NULL) {
			g_ptr_array_free(keep, TRUE);
			return -1;
		}
		if (g_bytes_get_size(kept) > G_MAXINT) {
			g_bytes_unref(kept);
			g_ptr_array_free(keep, TRUE);
			store_set_error(err, STORE_ERROR_DATA,
			    "raw report too big to keep");
			return -1;
		}
	}
	snprintf(pk, sizeof(pk), "%" PRId64, st->report_pk);
	snprintf(records, sizeof(records), "%d", st->rec_no);
	snprintf(messages, sizeof(messages), "%" PRId64, st->messages);
	v[0] = pk;
	add_arrays(&st->rec, v + 1, keep);
	if (kept) {
		const int b = END_RAW + 4;

		v[END_RAW] = raw->container; v[END_RAW + 1] = raw->member;
		v[END_RAW + 2] = raw->part_name; v[END_RAW + 3] = format;
		v[b] = g_bytes_get_data(kept, &n);
		if (v[b] == NULL)
			v[b] = "";	/* empty, not NULL */
		len[b] = (int)n;
		fmt[b] = 1;	/* binary: the bytes as they are */
	}
	v[19] = records; v[20] = messages;
	v[21] = r->extensions ? r->extensions->str : NULL;
	v[22] = r->generator;
	g_ptr_array_add(keep, (char *)(v[23] = pg_array_literal(r->errors)));
	g_ptr_array_add(keep, (char *)(v[24] = pg_array_literal(r->fixups)));

	/* libpq copies the parameters into its buffer here.  No sync: see
	 * the top of the file, and store.h. */
	i = q_send(st, &end_report, END_PARAMS, v, len, fmt, 0, err);
	g_ptr_array_free(keep, TRUE);
	if (kept)
		g_bytes_unref(kept);
	if (i < 0)
		return -1;
	q_fixed(st, "RELEASE SAVEPOINT r", EFF_REL_R);
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
	if (!st->sp_r)
		return 0;
	q_fixed(st, "ROLLBACK TO SAVEPOINT r", EFF_NONE);
	q_fixed(st, "RELEASE SAVEPOINT r", EFF_REL_R);
	return q_sync(st, err);
}
