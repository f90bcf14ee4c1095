/* source.c - what enrichment knows about source addresses (source_info,
 * sql/006_enrich.sql): which addresses to ask, and the answers.
 *
 *	ips = store_source_pending(st, after_id, all, limit, &err);
 *	store_source_write(st, results, n, &err);     one transaction
 *	v = store_enrich_state(st, "services_sha256", &err);
 *	store_enrich_state_set(st, "services_sha256", digest, &err);
 *	n = store_source_remap(st, fn, user, &err);   services mapped again
 *
 * enrich/ never reaches the database: the CLI asks this file for the
 * addresses, hands them to enrich_run(), and brings the results back.
 * The results go in one statement per call (one array parameter per
 * column, unnest), upserted on the address: a failure (timeout,
 * servfail, refused) after an answer keeps the answer and only moves
 * expires_at (see the top of sql/006_enrich.sql); ASN fields are kept
 * when this run did not look them up (asn_source NULL).
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"
#include "../enrich/enrich.h"

/* The address's row of the pending list: new ones first, then the
 * longest expired. */
static const struct q_stmt pending = { NULL,
	"SELECT host(s.ip), coalesce(i.failures > 0, false)"
	" FROM (SELECT DISTINCT source_ip AS ip"
	"  FROM source_seen_v"
	"  WHERE $1::bigint IS NULL OR ingest_id > $1::bigint) s"
	" LEFT JOIN source_info i ON i.source_ip = s.ip"
	" WHERE $2::bool OR i.source_ip IS NULL OR i.expires_at <= now()"
	" ORDER BY i.expires_at NULLS FIRST, s.ip"
	" LIMIT $3::bigint" };

/* Keep what is stored: a timeout replaces nothing, a failure of the
 * resolver no answer. */
#define KEEP \
	" ((excluded.dns_status = 'timeout' AND s.dns_status <> 'timeout')" \
	" OR (excluded.dns_status IN ('servfail', 'refused')" \
	" AND s.dns_status IN ('ok', 'nxdomain', 'nodata')))"
#define KEEP_OR(col) \
	" " col " = CASE WHEN" KEEP " THEN s." col " ELSE excluded." col " END"
#define ASN_OR(col) \
	" " col " = CASE WHEN excluded.asn_source IS NULL THEN s." col \
	" ELSE excluded." col " END"

enum { C_IP, C_NAMES, C_CNAME, C_FCRDNS, C_BASE, C_STATUS, C_FAIL, C_ASN,
	C_ORG, C_CC, C_NET, C_SRC, C_SVC, C_KIND, C_BASIS, C_ASKED, C_EXPIRES,
	C_COLS };

static const struct q_stmt upsert = { "ms_source_upsert",
	"INSERT INTO source_info AS s (source_ip, ptr_names, confirmed_name,"
	"  fcrdns, base_domain, dns_status, last_status, failures, asn, as_org,"
	"  country, network, asn_source, service, service_kind, service_basis,"
	"  asked_at, answered_at, expires_at)"
	" SELECT u.ip, string_to_array(u.names, ' '), u.cname, u.fcrdns,"
	"  u.base, u.status, u.status, u.fail, u.asn, u.org, u.cc, u.net,"
	"  u.src, u.svc, u.kind, u.basis, to_timestamp(u.asked),"
	"  CASE WHEN u.fail = 0 THEN to_timestamp(u.asked) END,"
	"  to_timestamp(u.expires)"
	" FROM unnest($1::inet[], $2::text[], $3::text[], $4::bool[],"
	"  $5::text[], $6::text[], $7::int[], $8::bigint[], $9::text[],"
	"  $10::text[], $11::cidr[], $12::text[], $13::text[], $14::text[],"
	"  $15::text[], $16::bigint[], $17::bigint[])"
	"  AS u(ip, names, cname, fcrdns, base, status, fail, asn, org, cc, net,"
	"  src, svc, kind, basis, asked, expires)"
	" ON CONFLICT (source_ip) DO UPDATE SET"
	KEEP_OR("ptr_names") "," KEEP_OR("confirmed_name") ","
	KEEP_OR("fcrdns") "," KEEP_OR("base_domain") ","
	KEEP_OR("dns_status") "," KEEP_OR("answered_at") ","
	KEEP_OR("service") "," KEEP_OR("service_kind") ","
	KEEP_OR("service_basis") ","
	" last_status = excluded.last_status,"
	" failures = CASE WHEN excluded.failures > 0 THEN s.failures + 1"
	"  ELSE 0 END,"
	ASN_OR("asn") "," ASN_OR("as_org") "," ASN_OR("country") ","
	ASN_OR("network") "," ASN_OR("asn_source") ","
	" asked_at = excluded.asked_at, expires_at = excluded.expires_at" };

static const struct q_stmt state_get = { NULL,
	"SELECT value FROM enrich_state WHERE key = $1::text" };
static const struct q_stmt state_set = { NULL,
	"INSERT INTO enrich_state (key, value) VALUES ($1::text, $2::text)"
	" ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
	" updated_at = now()" };

/* Remapping services reads the rows a page at a time, by address. */
#define PAGE_ROWS 5000
static const struct q_stmt remap_page = { NULL,
	"SELECT host(source_ip), confirmed_name, asn, service, service_kind,"
	" service_basis FROM source_info"
	" WHERE $1::inet IS NULL OR source_ip > $1::inet"
	" ORDER BY source_ip LIMIT $2::int" };
static const struct q_stmt remap_update = { NULL,
	"UPDATE source_info s SET service = u.svc, service_kind = u.kind,"
	" service_basis = u.basis"
	" FROM unnest($1::inet[], $2::text[], $3::text[], $4::text[])"
	"  AS u(ip, svc, kind, basis)"
	" WHERE s.source_ip = u.ip" };

/* Run s in a transaction of its own (read-only or not); its result, or
 * NULL.  The caller PQclear()s nothing: results belong to the queue. */
static PGresult *
run_one(struct store *st, const struct q_stmt *s, int n,
    const char *const *v, gboolean write, GError **err)
{
	int i;

	q_fixed(st, write ? "BEGIN" : "BEGIN READ ONLY", EFF_BEGIN);
	i = q_send(st, s, n, v, NULL, NULL, 0, err);
	q_fixed(st, write ? "COMMIT" : "ROLLBACK", EFF_END);
	if (i < 0 || q_sync(st, err) < 0) {
		store_tx_abandon(st);
		return NULL;
	}
	return q_result(st, i);
}

GPtrArray *
store_source_pending(struct store *st, int64_t after_ingest_id,
    gboolean all, int64_t limit, GHashTable *retries, GError **err)
{
	char after[32], lim[32];
	const char *v[3];
	GPtrArray *ips;
	PGresult *res;

	if (store_outside_batch(st, "store_source_pending", err) < 0)
		return NULL;
	snprintf(after, sizeof(after), "%" PRId64, after_ingest_id);
	snprintf(lim, sizeof(lim), "%" PRId64, limit > 0 ? limit : INT64_MAX);
	v[0] = after_ingest_id >= 0 ? after : NULL;
	v[1] = all ? "t" : "f";
	v[2] = lim;
	if ((res = run_one(st, &pending, 3, v, FALSE, err)) == NULL)
		return NULL;
	ips = g_ptr_array_new_full((guint)PQntuples(res), g_free);
	for (int r = 0; r < PQntuples(res); r++) {
		g_ptr_array_add(ips, g_strdup(PQgetvalue(res, r, 0)));
		if (retries && *PQgetvalue(res, r, 1) == 't')
			g_hash_table_add(retries, g_strdup(PQgetvalue(res, r,
			    0)));
	}
	return ips;
}

int64_t
store_last_ingest_id(struct store *st, GError **err)
{
	struct store_table *t;
	int64_t id = -1;

	t = store_query(st, "SELECT coalesce(max(id), 0) FROM ingest_log", err);
	if (t && t->rows->len == 1)
		id = g_ascii_strtoll(g_ptr_array_index(
		    (GPtrArray *)g_ptr_array_index(t->rows, 0), 0), NULL, 10);
	store_table_free(t);
	return id;
}

static void
add_opt_int(struct rowbuf *rb, int64_t v)
{
	if (v > 0)
		rowbuf_add_int(rb, v);
	else
		rowbuf_add(rb, NULL);
}

/* One result as a row of the unnest. */
static void
add_result(struct rowbuf *rb, const struct enrich_result *r)
{
	gboolean failed = r->dns_status == ENRICH_TIMEOUT ||
	    r->dns_status == ENRICH_SERVFAIL || r->dns_status == ENRICH_REFUSED;
	char *names = NULL;

	if (r->ptr_names && r->ptr_names->len > 0) {
		g_ptr_array_add(r->ptr_names, NULL);
		names = g_strjoinv(" ", (char **)r->ptr_names->pdata);
		g_ptr_array_remove_index(r->ptr_names, r->ptr_names->len - 1);
	}
	rowbuf_add(rb, r->ip);
	rowbuf_add(rb, names);
	rowbuf_add(rb, r->confirmed_name);
	rowbuf_add(rb, r->fcrdns < 0 ? NULL : r->fcrdns ? "t" : "f");
	rowbuf_add(rb, r->base_domain);
	rowbuf_add(rb, enrich_status_name(r->dns_status));
	rowbuf_add(rb, failed ? "1" : "0");
	add_opt_int(rb, r->asn);
	rowbuf_add(rb, r->as_org);
	rowbuf_add(rb, r->country);
	rowbuf_add(rb, r->network);
	rowbuf_add(rb, r->asn_known ? r->asn_source : NULL);
	rowbuf_add(rb, r->service);
	rowbuf_add(rb, r->service_kind);
	rowbuf_add(rb, r->service_basis);
	rowbuf_add_int(rb, r->asked_at);
	rowbuf_add_int(rb, r->expires_at);
	g_free(names);
}

int
store_source_write(struct store *st, struct enrich_result *const *results,
    guint n, GError **err)
{
	const char *v[C_COLS];
	struct rowbuf rb;
	GString **cols;
	PGresult *res;

	if (n == 0)
		return 0;
	if (store_outside_batch(st, "store_source_write", err) < 0)
		return -1;
	rowbuf_init(&rb, C_COLS);
	for (guint i = 0; i < n; i++)
		add_result(&rb, results[i]);
	cols = rowbuf_arrays(&rb);
	rowbuf_free(&rb);
	for (int c = 0; c < C_COLS; c++)
		v[c] = cols[c]->str;
	res = run_one(st, &upsert, C_COLS, v, TRUE, err);
	for (int c = 0; c < C_COLS; c++)
		g_string_free(cols[c], TRUE);
	g_free(cols);
	return res ? 0 : -1;
}

char *
store_enrich_state(struct store *st, const char *key, GError **err)
{
	const char *v[1] = { key };
	PGresult *res;

	if (store_outside_batch(st, "store_enrich_state", err) < 0 ||
	    (res = run_one(st, &state_get, 1, v, FALSE, err)) == NULL)
		return NULL;
	return g_strdup(PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
}

int
store_enrich_state_set(struct store *st, const char *key, const char *value,
    GError **err)
{
	const char *v[2] = { key, value };

	if (store_outside_batch(st, "store_enrich_state_set", err) < 0)
		return -1;
	return run_one(st, &state_set, 2, v, TRUE, err) ? 0 : -1;
}

static char *
cell(const PGresult *res, int r, int c)
{
	return PQgetisnull(res, r, c) ? NULL : g_strdup(PQgetvalue(res, r, c));
}

/* One page: map each row again, update those that changed.  Returns the
 * rows read, -1 on error; last is the address to go on from. */
static int
remap_one_page(struct store *st, store_remap_fn fn, void *user,
    char **last, int64_t *changed, GError **err)
{
	char lim[16];
	const char *v[4] = { *last, lim, NULL, NULL };
	struct rowbuf up;
	PGresult *res;
	GString **cols;
	int n;

	snprintf(lim, sizeof(lim), "%d", PAGE_ROWS);
	if ((res = run_one(st, &remap_page, 2, v, FALSE, err)) == NULL)
		return -1;
	if ((n = PQntuples(res)) == 0)
		return 0;
	rowbuf_init(&up, 4);
	for (int r = 0; r < n; r++) {
		struct enrich_result e = { 0 };

		e.ip = cell(res, r, 0);
		e.confirmed_name = cell(res, r, 1);
		e.asn = PQgetisnull(res, r, 2) ? 0 :
		    g_ascii_strtoll(PQgetvalue(res, r, 2), NULL, 10);
		e.service = cell(res, r, 3);
		e.service_kind = cell(res, r, 4);
		e.service_basis = cell(res, r, 5);
		if (fn(user, &e)) {
			rowbuf_add(&up, e.ip);
			rowbuf_add(&up, e.service);
			rowbuf_add(&up, e.service_kind);
			rowbuf_add(&up, e.service_basis);
			(*changed)++;
		}
		g_free(*last);
		*last = g_strdup(e.ip);
		g_free(e.ip); g_free(e.confirmed_name); g_free(e.service);
		g_free(e.service_kind); g_free(e.service_basis);
	}
	if (rowbuf_rows(&up) > 0) {
		cols = rowbuf_arrays(&up);
		for (int c = 0; c < 4; c++)
			v[c] = cols[c]->str;
		res = run_one(st, &remap_update, 4, v, TRUE, err);
		for (int c = 0; c < 4; c++)
			g_string_free(cols[c], TRUE);
		g_free(cols);
		if (res == NULL)
			n = -1;
	}
	rowbuf_free(&up);
	return n;
}

int64_t
store_source_remap(struct store *st, store_remap_fn fn, void *user,
    GError **err)
{
	char *last = NULL;
	int64_t changed = 0;
	int n;

	if (store_outside_batch(st, "store_source_remap", err) < 0)
		return -1;
	while ((n = remap_one_page(st, fn, user, &last, &changed, err)) > 0)
		;
	g_free(last);
	return n < 0 ? -1 : changed;
}
