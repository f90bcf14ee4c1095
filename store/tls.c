/* tls.c - store one SMTP TLS report (RFC 8460): report, policies, failure
 * details and the raw payload, in one statement.
 *
 *	store_message_begin(st, &err);
 *	rc = store_tls_report(st, report, &raw, &err);	   1 new, 0 duplicate
 *	store_message_end(st, &log, &err);
 *
 * The report row is inserted ON CONFLICT DO NOTHING on its identity (a
 * hex SHA-256 of organization-name, report-id, the date range and the
 * sorted, normalized policy domains; sql/004_tls_arf.sql), the policies
 * and failure details from one array parameter per column (unnest) in
 * data-modifying WITHs hanging from the row's RETURNING, so a duplicate
 * inserts nothing and costs nothing to undo.  One round trip (single.c).
 *
 * Values: text is made valid UTF-8; addresses are stored as inet when they
 * are addresses (NULL otherwise) beside the text as written; the policy
 * domain and the receiving MX are normalized (lower-cased, no trailing dot,
 * no "mx:" prefix) beside the text as written.  Counts are the report's
 * substance, and one that is negative or absurd (over 10^12 sessions) is
 * not guessed at: the report is refused with STORE_ERROR_DATA before
 * anything is sent, so the message is quarantined whole and can be
 * requeued once the parser or this bound changes.  So are dates outside
 * 1970..9999.  Parameters only, never SQL text.
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"
#include "../parse/tlsrpt/tlsrpt.h"

/* More sessions than this in one count is an error, not a report: a
 * trillion, while the biggest receivers see billions a day. */
#define TLS_MAX_COUNT INT64_C(1000000000000)

/* Per policy: the columns of the policies' unnest, in its order. */
enum {
	PC_NO, PC_TYPE, PC_DOMAIN, PC_DOMAIN_RAW, PC_STRING, PC_MX, PC_OK,
	PC_FAIL, PC_NDET, PC_DETFAIL, PC_COLS
};
static const char pc_types[] = "itttttllil";

/* Per failure detail, likewise. */
enum {
	FC_POLICY, FC_NO, FC_RESULT, FC_SIP, FC_SIP_RAW, FC_MX, FC_MX_RAW,
	FC_HELO, FC_RIP, FC_RIP_RAW, FC_COUNT, FC_INFO, FC_CODE, FC_COLS
};
static const char fc_types[] = "iittttttttltt";

#define HDR_PARAMS 8		/* $1..$8 */
#define RAW_PARAMS 5
#define TLS_PARAMS (HDR_PARAMS + PC_COLS + FC_COLS + RAW_PARAMS)
#define PC_FIRST HDR_PARAMS	/* v[] index of the first policy array */
#define FC_FIRST (PC_FIRST + PC_COLS)
#define RAW_FIRST (FC_FIRST + FC_COLS)

/* $8: did the message draw its ingest log id already (txn.c)?  The day is
 * that of the range's middle (sql/004_tls_arf.sql). */
static const struct q_stmt ins_tls = { "ms_tls_ins",
	"WITH r AS (INSERT INTO tls_report (ingest_id, organization_name,"
	"  report_id, contact_info, date_begin, date_end, day, fixups,"
	"  identity)"
	"  VALUES (CASE WHEN $8::bool THEN currval('ingest_log_id_seq')"
	"  ELSE nextval('ingest_log_id_seq') END, $1::text, $2::text,"
	"  $3::text, to_timestamp($4::bigint), to_timestamp($5::bigint),"
	"  (to_timestamp(($4::bigint + greatest($4::bigint, $5::bigint)) / 2)"
	"  AT TIME ZONE 'UTC')::date, $6::text[], $7::text)"
	"  ON CONFLICT ON CONSTRAINT tls_report_identity DO NOTHING"
	"  RETURNING id),"
	" p AS (INSERT INTO tls_policy (report_id, policy_no, policy_type,"
	"  policy_domain, policy_domain_raw, policy_string, mx_host,"
	"  total_successful_session_count, total_failure_session_count,"
	"  failure_details, detail_failed_sessions)"
	"  SELECT r.id, u.no, u.type, u.domain, u.domain_raw, u.ps::text[],"
	"  u.mx::text[], u.ok, u.fail, u.ndet, u.detfail"
	"  FROM r CROSS JOIN unnest($9::int[], $10::text[], $11::text[],"
	"  $12::text[], $13::text[], $14::text[], $15::bigint[],"
	"  $16::bigint[], $17::int[], $18::bigint[])"
	"  AS u(no, type, domain, domain_raw, ps, mx, ok, fail, ndet,"
	"  detfail)),"
	" f AS (INSERT INTO tls_failure (report_id, policy_no, failure_no,"
	"  result_type, sending_mta_ip, sending_mta_ip_raw, receiving_mx,"
	"  receiving_mx_hostname, receiving_mx_helo, receiving_ip,"
	"  receiving_ip_raw, failed_session_count, additional_information,"
	"  failure_reason_code)"
	"  SELECT r.id, u.pno, u.no, u.result, u.sip::inet, u.sip_raw, u.mx,"
	"  u.mx_raw, u.helo, u.rip::inet, u.rip_raw, u.n, u.info, u.code"
	"  FROM r CROSS JOIN unnest($19::int[], $20::int[], $21::text[],"
	"  $22::text[], $23::text[], $24::text[], $25::text[], $26::text[],"
	"  $27::text[], $28::text[], $29::bigint[], $30::text[], $31::text[])"
	"  AS u(pno, no, result, sip, sip_raw, mx, mx_raw, helo, rip, rip_raw,"
	"  n, info, code)),"
	" raw AS (INSERT INTO tls_report_raw (report_id, container, member,"
	"  part_name, format, gz)"
	"  SELECT r.id, $32::text, $33::text, $34::text, $35::text,"
	"  $36::bytea FROM r WHERE $36::bytea IS NOT NULL)"
	" SELECT id FROM r" };

/* ---- what the database would refuse ---- */

static int
check_count(int64_t n, const char *what, guint policy, GError **err)
{
	if (n == -1 || (n >= 0 && n <= TLS_MAX_COUNT))
		return 0;	/* -1: absent */
	store_set_error(err, STORE_ERROR_DATA, "TLS report policy %u: %s "
	    "out of range (%" PRId64 ")", policy, what, n);
	return -1;
}

/* Dates, counts: refused before anything is sent (see the top). */
static int
check_report(const struct tlsrpt_report *r, GError **err)
{
	guint i, k;

	if (!val_epoch_ok(r->start_datetime) || !val_epoch_ok(r->end_datetime)) {
		store_set_error(err, STORE_ERROR_DATA, "TLS report date out of "
		    "range (start %" PRId64 ", end %" PRId64 ")",
		    r->start_datetime, r->end_datetime);
		return -1;
	}
	for (i = 0; r->policies && i < r->policies->len; i++) {
		const struct tlsrpt_policy *p = g_ptr_array_index(r->policies, i);

		if (check_count(p->total_successful_session_count,
		    "total-successful-session-count", i + 1, err) < 0 ||
		    check_count(p->total_failure_session_count,
		    "total-failure-session-count", i + 1, err) < 0)
			return -1;
		for (k = 0; p->failure_details && k < p->failure_details->len;
		    k++) {
			const struct tlsrpt_failure *f =
			    g_ptr_array_index(p->failure_details, k);

			if (check_count(f->failed_session_count,
			    "failed-session-count", i + 1, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- the identity ---- */

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	if (x == NULL || y == NULL)
		return (x != NULL) - (y != NULL);
	return strcmp(x, y);
}

/* Hex SHA-256 of the identity fields; see the top of the file. */
static char *
identity(const struct tlsrpt_report *r)
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	GPtrArray *doms = g_ptr_array_new_with_free_func(g_free);
	const char *last = NULL;
	char *hex;
	guint i;

	val_ident_add(ck, "tlsrpt");
	val_ident_add(ck, r->organization_name);
	val_ident_add(ck, r->report_id);
	val_ident_add_int(ck, r->start_datetime);
	val_ident_add_int(ck, r->end_datetime);
	for (i = 0; r->policies && i < r->policies->len; i++) {
		const struct tlsrpt_policy *p = g_ptr_array_index(r->policies, i);

		g_ptr_array_add(doms, val_host(p->policy_domain, FALSE));
	}
	g_ptr_array_sort(doms, cmp_str);
	for (i = 0; i < doms->len; i++) {
		const char *d = g_ptr_array_index(doms, i);

		/* Each domain once: a report may list one with two types. */
		if (i > 0 && (d == last || (d && last && strcmp(d, last) == 0)))
			continue;
		val_ident_add(ck, d);
		last = d;
	}
	hex = g_strdup(g_checksum_get_string(ck));
	g_checksum_free(ck);
	g_ptr_array_free(doms, TRUE);
	return hex;
}

/* ---- rows ---- */

static void
add_text(struct rowbuf *rb, const char *s, GPtrArray *keep)
{
	rowbuf_add(rb, val_utf8(s, keep));
}

/* A string the row holds a copy of: freed here. */
static void
add_owned(struct rowbuf *rb, char *s)
{
	rowbuf_add(rb, s);
	g_free(s);
}

static void
add_count(struct rowbuf *rb, int64_t n)
{
	if (n < 0)
		rowbuf_add(rb, NULL);
	else
		rowbuf_add_int(rb, n);
}

static void
add_failure(struct rowbuf *rb, int pno, int no,
    const struct tlsrpt_failure *f, GPtrArray *keep)
{
	rowbuf_add_int(rb, pno);
	rowbuf_add_int(rb, no);
	add_text(rb, f->result_type, keep);
	add_owned(rb, val_inet(f->sending_mta_ip));
	add_text(rb, f->sending_mta_ip, keep);
	add_owned(rb, val_host(f->receiving_mx_hostname, TRUE));
	add_text(rb, f->receiving_mx_hostname, keep);
	add_text(rb, f->receiving_mx_helo, keep);
	add_owned(rb, val_inet(f->receiving_ip));
	add_text(rb, f->receiving_ip, keep);
	add_count(rb, f->failed_session_count);
	add_text(rb, f->additional_information, keep);
	add_text(rb, f->failure_reason_code, keep);
}

/* One policy's row into pol, its failure details into fail. */
static void
add_policy(struct rowbuf *pol, struct rowbuf *fail, int no,
    const struct tlsrpt_policy *p, GPtrArray *keep)
{
	int64_t detail_sum = 0;
	guint k, n = p->failure_details ? p->failure_details->len : 0;

	for (k = 0; k < n; k++) {
		const struct tlsrpt_failure *f =
		    g_ptr_array_index(p->failure_details, k);

		/* Bounded by check_report: 10^5 details of 10^12 fit. */
		if (f->failed_session_count > 0)
			detail_sum += f->failed_session_count;
		add_failure(fail, no, (int)k + 1, f, keep);
	}
	rowbuf_add_int(pol, no);
	add_text(pol, p->policy_type, keep);
	add_owned(pol, val_host(p->policy_domain, FALSE));
	add_text(pol, p->policy_domain, keep);
	add_owned(pol, val_text_array(p->policy_string));
	add_owned(pol, val_text_array(p->mx_host));
	add_count(pol, p->total_successful_session_count);
	add_count(pol, p->total_failure_session_count);
	rowbuf_add_int(pol, n);
	rowbuf_add_int(pol, detail_sum);
}

/* The rows of rb as binary array parameters into v, len, fmt. */
static void
add_arrays(const struct rowbuf *rb, const char *types, const char **v,
    int *len, int *fmt, GPtrArray *keep)
{
	GString **cols = rowbuf_arrays_bin(rb, types);
	guint c;

	for (c = 0; c < rb->ncols; c++) {
		v[c] = cols[c]->str;
		len[c] = (int)cols[c]->len;
		fmt[c] = 1;
		g_ptr_array_add(keep, g_string_free(cols[c], FALSE));
	}
	g_free(cols);
}

/* The raw copy's values, compressed (gzip.c), or none; -1 when it cannot
 * be kept. */
static int
raw_values(const struct store_raw *raw, const char **v, int *len, int *fmt,
    GPtrArray *keep, GError **err)
{
	const char *format;
	GBytes *kept;
	gsize n;

	if (raw == NULL || raw->bytes == NULL)
		return 0;
	if ((kept = store_compress(raw->bytes, &format, err)) == NULL)
		return -1;
	if (g_bytes_get_size(kept) > G_MAXINT) {
		g_bytes_unref(kept);
		store_set_error(err, STORE_ERROR_DATA,
		    "raw TLS report too big to keep");
		return -1;
	}
	v[0] = val_utf8(raw->container, keep);
	v[1] = val_utf8(raw->member, keep);
	v[2] = val_utf8(raw->part_name, keep);
	v[3] = format;
	g_ptr_array_add(keep, g_bytes_unref_to_data(kept, &n));
	v[4] = g_ptr_array_index(keep, keep->len - 1);
	if (v[4] == NULL)
		v[4] = "";	/* empty, not NULL */
	len[4] = (int)n;
	fmt[4] = 1;	/* binary: the bytes as they are */
	return 0;
}

int
store_tls_report(struct store *st, const struct tlsrpt_report *r,
    const struct store_raw *raw, GError **err)
{
	GPtrArray *keep;
	const char *v[TLS_PARAMS] = { NULL };
	int len[TLS_PARAMS] = { 0 }, fmt[TLS_PARAMS] = { 0 };
	char begin[32], end[32];
	struct rowbuf pol, fail;
	guint i;
	int rc;

	if (!st->in_message || st->in_report) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_tls_report: %s", st->in_report ?
		    "a report is open" : "no message begun");
		return -1;
	}
	if (check_report(r, err) < 0)
		return -1;
	keep = g_ptr_array_new_with_free_func(g_free);
	if (raw_values(raw, v + RAW_FIRST, len + RAW_FIRST, fmt + RAW_FIRST,
	    keep, err) < 0) {
		g_ptr_array_free(keep, TRUE);
		return -1;
	}
	snprintf(begin, sizeof(begin), "%" PRId64, r->start_datetime);
	snprintf(end, sizeof(end), "%" PRId64, r->end_datetime);
	v[0] = val_utf8(r->organization_name, keep);
	v[1] = val_utf8(r->report_id, keep);
	v[2] = val_utf8(r->contact_info, keep);
	v[3] = begin;
	v[4] = end;
	g_ptr_array_add(keep, (char *)(v[5] = val_text_array(r->fixups)));
	g_ptr_array_add(keep, (char *)(v[6] = identity(r)));
	v[7] = st->have_id ? "t" : "f";

	rowbuf_init(&pol, PC_COLS);
	rowbuf_init(&fail, FC_COLS);
	for (i = 0; r->policies && i < r->policies->len; i++)
		add_policy(&pol, &fail, (int)i + 1,
		    g_ptr_array_index(r->policies, i), keep);
	add_arrays(&pol, pc_types, v + PC_FIRST, len + PC_FIRST,
	    fmt + PC_FIRST, keep);
	add_arrays(&fail, fc_types, v + FC_FIRST, len + FC_FIRST,
	    fmt + FC_FIRST, keep);
	rowbuf_free(&pol);
	rowbuf_free(&fail);

	rc = store_single(st, &ins_tls, TLS_PARAMS, v, len, fmt, err);
	g_ptr_array_free(keep, TRUE);
	return rc;
}
