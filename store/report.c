/* report.c - store one DMARC aggregate report: header, records, raw copy.
 *
 *	r = store_report_begin(st, report, &err);   1 new, 0 already stored
 *	store_report_record(st, report, record, &err);   per record
 *	store_report_end(st, report, &raw, &err);	   or store_report_abort
 *
 * begin inserts the report row inside savepoint r with ON CONFLICT DO
 * NOTHING on the report identity: no row back means a duplicate, also when
 * another ingester holds the same report uncommitted (our insert waits for
 * its transaction and then conflicts).  Records are buffered; every 5,000
 * records or 4 MiB they go out with COPY, so memory stays flat however big
 * the report.  end queues the rest as INSERT ... SELECT FROM unnest(...),
 * with the final counts and the compressed raw report, for the next round
 * trip (store_message_end's), since most reports have a handful of records
 * and COPY would cost two round trips per table.  Round trips: begin 1,
 * end 0, plus 8 per full chunk of records.
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"

#define CHUNK_RECORDS 5000
#define CHUNK_BYTES (4 * 1024 * 1024)

static const struct q_stmt ins_report = { "ms_report_ins",
	"INSERT INTO dmarc_report (ingest_id, org_name, email,"
	" extra_contact_info, report_id, policy_domain, date_begin, date_end,"
	" version, generator, errors, p, sp, np, pct, adkim, aspf, fo,"
	" testing, discovery_method, extensions, fixups)"
	" VALUES (currval('ingest_log_id_seq'), $1, $2, $3, $4, $5,"
	" to_timestamp($6::bigint), to_timestamp($7::bigint), $8, $9,"
	" $10::text[], $11, $12, $13, $14::int, $15, $16, $17, $18, $19, $20,"
	" $21::text[])"
	" ON CONFLICT ON CONSTRAINT dmarc_report_identity DO NOTHING"
	" RETURNING id" };

/* Elements after the records (extensions) and late metadata. */
static const struct q_stmt upd_report = { "ms_report_upd",
	"UPDATE dmarc_report SET record_count = $2::bigint,"
	" message_count = $3::bigint, extensions = $4::text,"
	" generator = coalesce($5::text, generator),"
	" errors = coalesce($6::text[], errors),"
	" fixups = coalesce($7::text[], fixups)"
	" WHERE id = $1::bigint" };

static const struct q_stmt ins_raw = { "ms_report_raw",
	"INSERT INTO dmarc_report_raw (report_id, container, member,"
	" part_name, format, gz)"
	" VALUES ($1::bigint, $2::text, $3::text, $4::text, $5::text,"
	" $6::bytea)" };

/* The four record tables, in foreign key order.  unnest() turns one array
 * parameter per column into rows; fixups arrive as array literals inside a
 * text array (arrays of arrays must be rectangular) and are cast per row. */
struct rec_table {
	const char *name;
	const char *copy_sql;
	struct q_stmt ins;
	size_t off;		/* of the struct rowbuf in struct store */
};

static const struct rec_table rec_tables[] = {
	{ "dmarc_record",
	  "COPY dmarc_record (report_id, rec_no, source_ip, count, disposition,"
	  " policy_dkim, policy_spf, header_from, envelope_from, envelope_to,"
	  " fixups) FROM STDIN",
	  { "ms_record_ins",
	    "INSERT INTO dmarc_record (report_id, rec_no, source_ip, count,"
	    " disposition, policy_dkim, policy_spf, header_from, envelope_from,"
	    " envelope_to, fixups)"
	    " SELECT $1::bigint, u.a, u.b, u.c, u.d, u.e, u.f, u.g, u.h, u.i,"
	    " u.j::text[]"
	    " FROM unnest($2::int[], $3::inet[], $4::bigint[], $5::text[],"
	    " $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],"
	    " $11::text[]) AS u(a, b, c, d, e, f, g, h, i, j)" },
	  G_STRUCT_OFFSET(struct store, rec) },
	{ "dmarc_record_reason",
	  "COPY dmarc_record_reason (report_id, rec_no, idx, type, comment)"
	  " FROM STDIN",
	  { "ms_reason_ins",
	    "INSERT INTO dmarc_record_reason (report_id, rec_no, idx, type,"
	    " comment)"
	    " SELECT $1::bigint, u.a, u.b, u.c, u.d"
	    " FROM unnest($2::int[], $3::int[], $4::text[], $5::text[])"
	    " AS u(a, b, c, d)" },
	  G_STRUCT_OFFSET(struct store, reason) },
	{ "dmarc_record_dkim",
	  "COPY dmarc_record_dkim (report_id, rec_no, idx, domain, selector,"
	  " result, human_result) FROM STDIN",
	  { "ms_dkim_ins",
	    "INSERT INTO dmarc_record_dkim (report_id, rec_no, idx, domain,"
	    " selector, result, human_result)"
	    " SELECT $1::bigint, u.a, u.b, u.c, u.d, u.e, u.f"
	    " FROM unnest($2::int[], $3::int[], $4::text[], $5::text[],"
	    " $6::text[], $7::text[]) AS u(a, b, c, d, e, f)" },
	  G_STRUCT_OFFSET(struct store, dkim) },
	{ "dmarc_record_spf",
	  "COPY dmarc_record_spf (report_id, rec_no, idx, domain, scope,"
	  " result, human_result) FROM STDIN",
	  { "ms_spf_ins",
	    "INSERT INTO dmarc_record_spf (report_id, rec_no, idx, domain,"
	    " scope, result, human_result)"
	    " SELECT $1::bigint, u.a, u.b, u.c, u.d, u.e, u.f"
	    " FROM unnest($2::int[], $3::int[], $4::text[], $5::text[],"
	    " $6::text[], $7::text[]) AS u(a, b, c, d, e, f)" },
	  G_STRUCT_OFFSET(struct store, spf) },
};

#define RB(st, t) ((struct rowbuf *)((char *)(st) + (t)->off))

void
store_report_reset(struct store *st)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(rec_tables); i++)
		rowbuf_clear(RB(st, &rec_tables[i]));
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
	const char *v[21];
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

	store_report_reset(st);
	q_fixed(st, "SAVEPOINT r", EFF_SP_R);
	i = q_send(st, &ins_report, 21, v, NULL, NULL, 0, err);
	g_free(errors);
	g_free(fixups);
	if (i < 0 || q_sync(st, err) < 0) {
		/* Leave the report open if its savepoint exists, so that
		 * store_report_abort cleans up as the contract says. */
		st->in_report = st->sp_r;
		return -1;
	}
	res = q_result(st, i);
	if (PQntuples(res) == 0) {
		q_fixed(st, "RELEASE SAVEPOINT r", EFF_REL_R);
		return 0;
	}
	st->report_pk = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	st->in_report = TRUE;
	return 1;
}

/* Send all buffered rows with COPY, parents before children. */
static int
flush_copy(struct store *st, GError **err)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(rec_tables); i++) {
		const struct rec_table *t = &rec_tables[i];

		if (store_copy_rows(st, t->name, t->copy_sql, RB(st, t),
		    st->report_pk, err) < 0)
			return -1;
		rowbuf_clear(RB(st, t));
	}
	return 0;
}

static gsize
buffered_bytes(struct store *st)
{
	return st->rec.data->len + st->reason.data->len + st->dkim.data->len +
	    st->spf.data->len;
}

int
store_report_record(struct store *st, const struct dmarc_report *r,
    const struct dmarc_record *rec, GError **err)
{
	char *fixups;
	guint i;
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

	for (i = 0; rec->reasons && i < rec->reasons->len; i++) {
		const struct dmarc_reason *x = g_ptr_array_index(rec->reasons, i);

		rowbuf_add_int(&st->reason, n);
		rowbuf_add_int(&st->reason, i + 1);
		rowbuf_add(&st->reason, x->type);
		rowbuf_add(&st->reason, x->comment);
	}
	for (i = 0; rec->dkim && i < rec->dkim->len; i++) {
		const struct dmarc_dkim *x = g_ptr_array_index(rec->dkim, i);

		rowbuf_add_int(&st->dkim, n);
		rowbuf_add_int(&st->dkim, i + 1);
		rowbuf_add(&st->dkim, x->domain);
		rowbuf_add(&st->dkim, x->selector);
		rowbuf_add(&st->dkim, x->result);
		rowbuf_add(&st->dkim, x->human_result);
	}
	for (i = 0; rec->spf && i < rec->spf->len; i++) {
		const struct dmarc_spf *x = g_ptr_array_index(rec->spf, i);

		rowbuf_add_int(&st->spf, n);
		rowbuf_add_int(&st->spf, i + 1);
		rowbuf_add(&st->spf, x->domain);
		rowbuf_add(&st->spf, x->scope);
		rowbuf_add(&st->spf, x->result);
		rowbuf_add(&st->spf, x->human_result);
	}
	if (rowbuf_rows(&st->rec) >= CHUNK_RECORDS ||
	    buffered_bytes(st) >= CHUNK_BYTES)
		return flush_copy(st, err);
	return 0;
}

/* Queue the buffered rows of one table as INSERT ... unnest. */
static int
send_unnest(struct store *st, const struct rec_table *t, const char *pk,
    GError **err)
{
	const struct rowbuf *rb = RB(st, t);
	const char *v[16];
	GString **cols;
	guint c;
	int i;

	if (rb->nvals == 0)
		return 0;
	g_assert(rb->ncols < G_N_ELEMENTS(v));
	cols = rowbuf_arrays(rb);
	v[0] = pk;
	for (c = 0; c < rb->ncols; c++)
		v[c + 1] = cols[c]->str;
	/* libpq copies the parameters into its buffer here. */
	i = q_send(st, &t->ins, rb->ncols + 1, v, NULL, NULL, 0, err);
	for (c = 0; c < rb->ncols; c++)
		g_string_free(cols[c], TRUE);
	g_free(cols);
	return i < 0 ? -1 : 0;
}

/* Queue the raw report, compressed beforehand (kept, format). */
static int
send_raw(struct store *st, const char *pk, const struct store_raw *raw,
    GBytes *kept, const char *format, GError **err)
{
	const char *v[6];
	int len[6] = { 0 }, fmt[6] = { 0 };
	gsize n;

	v[0] = pk; v[1] = raw->container; v[2] = raw->member;
	v[3] = raw->part_name; v[4] = format;
	v[5] = g_bytes_get_data(kept, &n);
	if (v[5] == NULL)
		v[5] = "";	/* empty, not NULL */
	len[5] = (int)n;
	fmt[5] = 1;		/* binary: the bytes as they are */
	return q_send(st, &ins_raw, 6, v, len, fmt, 0, err) < 0 ? -1 : 0;
}

int
store_report_end(struct store *st, const struct dmarc_report *r,
    const struct store_raw *raw, GError **err)
{
	char pk[32], records[32], messages[32];
	char *errors, *fixups;
	const char *v[7], *format = NULL;
	GBytes *kept = NULL;
	size_t t;
	int i;

	if (!st->in_report) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_report_end: no report begun");
		return -1;
	}
	/* Compress first: nothing is sent unless everything can be. */
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
	snprintf(pk, sizeof(pk), "%" PRId64, st->report_pk);
	for (t = 0; t < G_N_ELEMENTS(rec_tables); t++)
		if (send_unnest(st, &rec_tables[t], pk, err) < 0)
			goto fail;

	snprintf(records, sizeof(records), "%d", st->rec_no);
	snprintf(messages, sizeof(messages), "%" PRId64, st->messages);
	errors = pg_array_literal(r->errors);
	fixups = pg_array_literal(r->fixups);
	v[0] = pk; v[1] = records; v[2] = messages;
	v[3] = r->extensions ? r->extensions->str : NULL;
	v[4] = r->generator; v[5] = errors; v[6] = fixups;
	i = q_send(st, &upd_report, 7, v, NULL, NULL, 0, err);
	g_free(errors);
	g_free(fixups);
	if (i < 0 || (kept && send_raw(st, pk, raw, kept, format, err) < 0))
		goto fail;
	if (kept)
		g_bytes_unref(kept);
	/* No sync: these ride with the message's next round trip, normally
	 * store_message_end.  An error they cause is reported there, and
	 * means what any DATA error inside a message means: abort the
	 * message and quarantine it (savepoint m undoes this report too). */
	q_fixed(st, "RELEASE SAVEPOINT r", EFF_REL_R);
	store_report_reset(st);
	return 0;
fail:
	if (kept)
		g_bytes_unref(kept);
	return -1;
}

int
store_report_abort(struct store *st, GError **err)
{
	int was_open = st->in_report;

	store_report_reset(st);
	if (!was_open || !st->sp_r)
		return 0;
	q_fixed(st, "ROLLBACK TO SAVEPOINT r", EFF_NONE);
	q_fixed(st, "RELEASE SAVEPOINT r", EFF_REL_R);
	return q_sync(st, err);
}
