/* query.c - questions about stored reports, answered as tables of text.
 *
 *	struct store_filter f = { since, "example.com", "192.0.2.0/24" };
 *	t = store_trend_by_ip(st, &f, &err);   or _by_day, store_sources,
 *					       store_reports, store_query
 *	t = store_bounces(st, &bf, STORE_BOUNCE_BY_REASON, &err);
 *	t = store_tls(st, &f, STORE_TLS_BY_MX, &err);
 *	t = store_failures(st, &f, STORE_FAILURE_LIST, &err);
 *	t = store_explain(st, &f, &err);
 *	... t->columns, t->rows ...
 *	store_table_free(t);
 *
 * Values are PostgreSQL's text output (numbers plain, days YYYY-MM-DD,
 * times in UTC, NULL as a NULL pointer).  The fixed queries read the views
 * of sql/002_views.sql, 003_bounce.sql, 004_tls_arf.sql and 006_enrich.sql
 * only.  Filters are parameters; an absent one is a
 * NULL parameter, and each statement is planned with its values, so an
 * unused filter costs nothing.  The ip filter is an address or a network
 * (inet, so host bits are allowed: 192.0.2.1/24).  Queries run in their own
 * read-only transaction: not inside a batch.
 */
#include <inttypes.h>

#include "internal.h"

#define FILTER_WHERE(date_col) \
	" WHERE ($1::bigint IS NULL OR " date_col ")" \
	" AND ($2::text IS NULL OR policy_domain = $2::text)"

#define PASS_PCT(pass, all) \
	"round(100.0 * " pass " / nullif(" all ", 0), 1)"

/* The trends read the join of the DMARC, the bounce and the failure
 * report side (dmarc_bounce_daily_v, sql/003_bounce.sql and
 * sql/004_tls_arf.sql): the DMARC columns as dmarc_daily_v has them, then
 * the bounces of mail from that IP, all and those refused for
 * authentication, then the DMARC failure reports about mail from it (new
 * columns go last: scripts read them by position).  Its domain is the
 * policy domain of the reports and the original's From domain of the
 * bounces and failure reports.  The filters reach each side before they
 * are joined, so a trend costs the days it asks for. */
#define TREND_COLS \
	" sum(messages) AS messages," \
	" sum(dmarc_pass) AS dmarc_pass, sum(dmarc_fail) AS dmarc_fail," \
	" " PASS_PCT("sum(dmarc_pass)", "sum(messages)") " AS pass_pct," \
	" sum(dkim_pass) AS dkim_pass, sum(spf_pass) AS spf_pass," \
	" sum(quarantined) AS quarantined, sum(rejected) AS rejected," \
	" sum(bounces) AS bounces, sum(auth_bounces) AS auth_bounces," \
	" sum(failure_reports) AS failure_reports" \
	" FROM dmarc_bounce_daily_v" \
	" WHERE ($1::bigint IS NULL OR" \
	"  day >= (to_timestamp($1::bigint) AT TIME ZONE 'UTC')::date)" \
	" AND ($2::text IS NULL OR domain = $2::text)" \
	" AND ($3::inet IS NULL OR source_ip <<= $3::inet)"

/* The name of an address, from what `mailsift enrich` stored
 * (sql/006_enrich.sql): the first PTR name, NULL when not known. */
#define PTR_OF(ip) \
	"(SELECT v.ptr FROM source_v v WHERE v.source_ip = " ip ") AS ptr"

static const struct q_stmt trend_ip = { NULL,
	"SELECT day, source_ip, " PTR_OF("dmarc_bounce_daily_v.source_ip") ","
	TREND_COLS
	" GROUP BY day, source_ip ORDER BY day, source_ip" };

static const struct q_stmt trend_day_ip = { NULL,
	"SELECT day," TREND_COLS
	" GROUP BY day ORDER BY day" };

/* Without an ip filter the DMARC side is the small table per day and
 * domain (dmarc_domain_daily_v, sql/008_rollup.sql), next to the bounces
 * (the bounce rollup, sql/013_bounce_rollup.sql) and failure reports as
 * dmarc_bounce_daily_v has them; the sums are those of trend_day_ip. */
static const struct q_stmt trend_day = { NULL,
	"SELECT day,"
	" sum(messages)::bigint AS messages,"
	" sum(dmarc_pass)::bigint AS dmarc_pass,"
	" sum(dmarc_fail)::bigint AS dmarc_fail,"
	" " PASS_PCT("sum(dmarc_pass)", "sum(messages)") " AS pass_pct,"
	" sum(dkim_pass)::bigint AS dkim_pass,"
	" sum(spf_pass)::bigint AS spf_pass,"
	" sum(quarantined)::bigint AS quarantined,"
	" sum(rejected)::bigint AS rejected,"
	" sum(bounces)::bigint AS bounces,"
	" sum(auth_bounces)::bigint AS auth_bounces,"
	" sum(failure_reports)::bigint AS failure_reports"
	" FROM ("
	"SELECT d.day, d.policy_domain AS domain, d.messages, d.dmarc_pass,"
	" d.dmarc_fail, d.dkim_pass, d.spf_pass, d.quarantined, d.rejected,"
	" 0 AS bounces, 0 AS auth_bounces, 0 AS failure_reports"
	" FROM dmarc_domain_daily_v d"
	" UNION ALL"
	" SELECT b.day, b.domain, 0, 0, 0, 0, 0, 0, 0, b.bounces,"
	" b.auth_bounces, 0"
	" FROM bounce_sender_daily_v b"
	" UNION ALL"
	" SELECT f.day, f.from_domain, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1"
	" FROM dmarc_failure_v f) s"
	" WHERE ($1::bigint IS NULL OR"
	"  day >= (to_timestamp($1::bigint) AT TIME ZONE 'UTC')::date)"
	" AND ($2::text IS NULL OR domain = $2::text)"
	" AND $3::inet IS NULL"
	" GROUP BY day ORDER BY day" };

/* A report's last day is that of its last second: an end of 00:00:00
 * belongs to the day before, as in dmarc_daily_v.  What enrichment knows
 * of each address comes after (source_v, sql/006_enrich.sql). */
static const struct q_stmt sources = { NULL,
	"SELECT s.*, v.ptr, v.fcrdns, v.base_domain, v.asn, v.as_org,"
	" v.country, v.service, v.service_kind FROM ("
	"SELECT source_ip, sum(count) AS messages,"
	" coalesce(sum(count) FILTER (WHERE dmarc_pass), 0) AS dmarc_pass,"
	" coalesce(sum(count) FILTER (WHERE NOT dmarc_pass), 0) AS dmarc_fail,"
	" " PASS_PCT("coalesce(sum(count) FILTER (WHERE dmarc_pass), 0)",
	    "sum(count)") " AS pass_pct,"
	" count(DISTINCT report_pk) AS reports,"
	" count(DISTINCT org_name) AS reporters,"
	" min((date_begin AT TIME ZONE 'UTC')::date) AS first_day,"
	" max((greatest(date_begin, date_end - interval '1 second')"
	"  AT TIME ZONE 'UTC')::date) AS last_day"
	" FROM dmarc_record_v"
	FILTER_WHERE("date_end >= to_timestamp($1::bigint)")
	" AND ($3::inet IS NULL OR source_ip <<= $3::inet)"
	/* The reports of the window first, by their index on date_end,
	 * then their records by report: the planner, left to join, read
	 * every record ever stored (0.41 s for a week of 1.2 million). */
	" AND ($1::bigint IS NULL OR report_pk = ANY (ARRAY("
	"  SELECT report_pk FROM dmarc_report_v"
	"  WHERE date_end >= to_timestamp($1::bigint)"
	"  AND ($2::text IS NULL OR policy_domain = $2::text))))"
	" GROUP BY source_ip) s"
	" LEFT JOIN source_v v ON v.source_ip = s.source_ip"
	" ORDER BY s.messages DESC, s.source_ip" };

static const struct q_stmt reports = { NULL,
	"SELECT org_name, email, report_id, policy_domain, date_begin,"
	" date_end, records, messages, ingested_at"
	" FROM dmarc_report_v r"
	FILTER_WHERE("date_end >= to_timestamp($1::bigint)")
	" AND ($3::inet IS NULL OR EXISTS (SELECT 1 FROM dmarc_record_v c"
	"  WHERE c.report_pk = r.report_pk AND c.source_ip <<= $3::inet))"
	" ORDER BY date_begin DESC, report_pk DESC" };

/* One statement (the extended protocol refuses several) in a read-only
 * transaction that is rolled back: whatever it is, it changes nothing.
 * Custom plans, since the session prefers generic ones (conn.c) and an
 * absent filter should cost nothing.  One round trip. */
static struct store_table *
run_readonly(struct store *st, const struct q_stmt *s, int n,
    const char *const *values, GError **err)
{
	int i;

	if (st->in_batch) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "queries cannot run inside a batch");
		return NULL;
	}
	if (store_check_usable(st, err) < 0)
		return NULL;
	q_fixed(st, "BEGIN READ ONLY", EFF_BEGIN);
	q_fixed(st, "SET LOCAL plan_cache_mode TO force_custom_plan",
	    EFF_NONE);
	/* The daily view looks expensive to the planner, and compiling it
	 * took longer than running it (2.8 of 5.8 s on 1.2M records). */
	q_fixed(st, "SET LOCAL jit TO off", EFF_NONE);
	i = q_send(st, s, n, values, NULL, NULL, 0, err);
	q_fixed(st, "ROLLBACK", EFF_END);
	if (i >= 0 && q_sync(st, err) == 0)
		return store_table_from_result(q_result(st, i));
	store_tx_abandon(st);	/* after an error the ROLLBACK was skipped */
	return NULL;
}

static struct store_table *
run_filtered(struct store *st, const struct q_stmt *s,
    const struct store_filter *f, GError **err)
{
	char since[32];
	const char *v[3] = { NULL, NULL, NULL };

	if (f) {
		snprintf(since, sizeof(since), "%" PRId64, f->since);
		v[0] = f->since > 0 ? since : NULL;
		v[1] = f->domain && *f->domain ? f->domain : NULL;
		v[2] = f->ip && *f->ip ? f->ip : NULL;
	}
	return run_readonly(st, s, 3, v, err);
}

struct store_table *
store_trend_by_ip(struct store *st, const struct store_filter *f,
    GError **err)
{
	return run_filtered(st, &trend_ip, f, err);
}

struct store_table *
store_trend_by_day(struct store *st, const struct store_filter *f,
    GError **err)
{
	return run_filtered(st, f && f->ip && *f->ip ? &trend_day_ip :
	    &trend_day, f, err);
}

/* The questions of the CLI, streamed (stream.c), each with a row limit
 * ($4, NULL: all) after its ORDER BY. */
int
store_ask(struct store *st, enum store_question q,
    const struct store_filter *f, int64_t limit, store_rows_fn fn,
    void *user, GError **err)
{
	const struct q_stmt *s;
	char since[32], lim[32];
	const char *v[4] = { NULL, NULL, NULL, NULL };
	char *sql;
	int rc;

	switch (q) {
	case STORE_Q_TREND_IP: s = &trend_ip; break;
	case STORE_Q_TREND_DAY:
		s = f && f->ip && *f->ip ? &trend_day_ip : &trend_day;
		break;
	case STORE_Q_SOURCES: s = &sources; break;
	case STORE_Q_REPORTS: s = &reports; break;
	default:
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_ask: no such question");
		return -1;
	}
	if (f) {
		snprintf(since, sizeof(since), "%" PRId64, f->since);
		v[0] = f->since > 0 ? since : NULL;
		v[1] = f->domain && *f->domain ? f->domain : NULL;
		v[2] = f->ip && *f->ip ? f->ip : NULL;
	}
	snprintf(lim, sizeof(lim), "%" PRId64, limit);
	v[3] = limit > 0 ? lim : NULL;
	sql = g_strconcat(s->sql, " LIMIT $4::bigint", NULL);
	rc = store_stream_sql(st, sql, 4, v, fn, user, err);
	g_free(sql);
	return rc;
}

struct store_table *
store_sources(struct store *st, const struct store_filter *f, GError **err)
{
	return run_filtered(st, &sources, f, err);
}

struct store_table *
store_reports(struct store *st, const struct store_filter *f, GError **err)
{
	return run_filtered(st, &reports, f, err);
}

/* ---- the evidence of `mailsift check` ---- */

#define CHECK_WHERE \
	" WHERE ($1::bigint IS NULL OR c.date_end >= to_timestamp($1::bigint))" \
	" AND c.policy_domain = lower($2::text)" \
	" AND ($3::inet IS NULL OR c.source_ip <<= $3::inet)"

static const struct q_stmt check_sources = { NULL,
	"SELECT host(c.source_ip) AS source_ip, sum(c.count) AS messages,"
	" coalesce(sum(c.count) FILTER (WHERE c.policy_dkim = 'pass'), 0)"
	"  AS dkim_aligned,"
	" coalesce(sum(c.count) FILTER (WHERE NOT c.dmarc_pass), 0)"
	"  AS dmarc_fail,"
	" s.ptr, CASE WHEN s.fcrdns THEN 1 WHEN NOT s.fcrdns THEN 0"
	"  ELSE -1 END AS fcrdns, s.dns_status"
	" FROM dmarc_record_v c LEFT JOIN source_v s"
	"  ON s.source_ip = c.source_ip" CHECK_WHERE
	" AND c.source_ip IS NOT NULL"
	" GROUP BY c.source_ip, s.ptr, s.fcrdns, s.dns_status"
	" ORDER BY messages DESC, c.source_ip LIMIT 5000" };

static const struct q_stmt check_selectors = { NULL,
	"SELECT d.selector, sum(c.count) AS messages"
	" FROM dmarc_record_v c JOIN dmarc_dkim_v d"
	"  ON d.report_pk = c.report_pk AND d.rec_no = c.rec_no" CHECK_WHERE
	" AND lower(d.domain) = lower($2::text)"
	" AND coalesce(d.selector, '') <> ''"
	" GROUP BY d.selector ORDER BY messages DESC, d.selector LIMIT 100" };

/* Only names check can ask about: what a reporter wrote may be anything. */
static const struct q_stmt check_domains = { NULL,
	"SELECT DISTINCT lower(policy_domain) AS domain FROM dmarc_report_v"
	" WHERE ($1::bigint IS NULL OR date_end >= to_timestamp($1::bigint))"
	" AND policy_domain ~ '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)+$'"
	" AND length(policy_domain) <= 253"
	" ORDER BY 1 LIMIT 10000" };

struct store_table *
store_check_domains(struct store *st, const struct store_filter *f,
    GError **err)
{
	char since[32];
	const char *v[1] = { NULL };

	snprintf(since, sizeof(since), "%" PRId64, f->since);
	v[0] = f->since > 0 ? since : NULL;
	return run_readonly(st, &check_domains, 1, v, err);
}

struct store_table *
store_check_sources(struct store *st, const struct store_filter *f,
    GError **err)
{
	return run_filtered(st, &check_sources, f, err);
}

struct store_table *
store_check_selectors(struct store *st, const struct store_filter *f,
    GError **err)
{
	return run_filtered(st, &check_selectors, f, err);
}

struct store_table *
store_query(struct store *st, const char *sql, GError **err)
{
	struct q_stmt s = { NULL, sql };

	return run_readonly(st, &s, 0, NULL, err);
}

/* ---- bounces ---- */

#define BOUNCE_WHERE \
	" WHERE ($1::bigint IS NULL OR" \
	"  day >= (to_timestamp($1::bigint) AT TIME ZONE 'UTC')::date)" \
	" AND ($2::text IS NULL OR reason = $2::text)" \
	" AND ($3::text IS NULL OR recipient_domain = lower($3::text))" \
	" AND ($4::inet IS NULL OR sending_ip <<= $4::inet)" \
	" AND ($5::bool OR bounced)"

static const struct q_stmt bounce_list = { NULL,
	"SELECT day, recipient, reason,"
	" CASE WHEN hard_bounce THEN 'hard' ELSE 'soft' END AS severity,"
	" status, reply_code, sending_ip, remote_mta, kind, format,"
	" diagnostic_code"
	" FROM bounce_v" BOUNCE_WHERE
	" ORDER BY event_at, bounce_pk, rcpt_no" };

/* Counts per value of one column of bounce_v. */
#define BOUNCE_GROUP(col, name, order) { NULL, \
	"SELECT " col " AS " name ", count(*) AS bounces," \
	" count(*) FILTER (WHERE hard_bounce) AS hard," \
	" count(*) FILTER (WHERE NOT hard_bounce) AS soft," \
	" count(*) FILTER (WHERE reason = 'authfailure') AS auth," \
	" count(DISTINCT recipient) AS recipients," \
	" min(day) AS first_day, max(day) AS last_day" \
	" FROM bounce_v" BOUNCE_WHERE \
	" GROUP BY 1 ORDER BY " order }

static const struct q_stmt bounce_by[] = {
	BOUNCE_GROUP("reason", "reason", "bounces DESC, 1"),
	BOUNCE_GROUP("recipient_domain", "domain", "bounces DESC, 1"),
	BOUNCE_GROUP("sending_ip", "sending_ip, "
	    PTR_OF("bounce_v.sending_ip"), "bounces DESC, 1"),
	BOUNCE_GROUP("day", "day", "1"),
};

struct store_table *
store_bounces(struct store *st, const struct store_bounce_filter *f,
    enum store_bounce_by by, GError **err)
{
	const struct q_stmt *s;
	char since[32];
	const char *v[5];

	switch (by) {
	case STORE_BOUNCE_BY_REASON: s = &bounce_by[0]; break;
	case STORE_BOUNCE_BY_DOMAIN: s = &bounce_by[1]; break;
	case STORE_BOUNCE_BY_IP: s = &bounce_by[2]; break;
	case STORE_BOUNCE_BY_DAY: s = &bounce_by[3]; break;
	default: s = &bounce_list; break;
	}
	snprintf(since, sizeof(since), "%" PRId64, f->since);
	v[0] = f->since > 0 ? since : NULL;
	v[1] = f->reason && *f->reason ? f->reason : NULL;
	v[2] = f->domain && *f->domain ? f->domain : NULL;
	v[3] = f->ip && *f->ip ? f->ip : NULL;
	v[4] = f->all_kinds ? "t" : "f";
	return run_readonly(st, s, 5, v, err);
}

/* ---- SMTP TLS reports ---- */

/* tls_daily_v summed by one of its columns.  With an ip filter only
 * failure details name addresses: the successful sessions (never per
 * address in a TLS report) and so the failure rate are NULL, not 0 and
 * 100%.  The domain is the policy domain, compared normalized. */
#define TLS_WHERE \
	" WHERE ($1::bigint IS NULL OR" \
	"  day >= (to_timestamp($1::bigint) AT TIME ZONE 'UTC')::date)" \
	" AND ($2::text IS NULL OR policy_domain = lower(rtrim($2::text, '.')))" \
	" AND ($3::inet IS NULL OR sending_mta_ip <<= $3::inet" \
	"  OR receiving_ip <<= $3::inet)"

#define TLS_GROUP(col, name, order) { NULL, \
	"SELECT " col " AS " name "," \
	" CASE WHEN $3::inet IS NULL THEN sum(successful_sessions)" \
	"  END::bigint AS successful_sessions," \
	" sum(failed_sessions)::bigint AS failed_sessions," \
	" CASE WHEN $3::inet IS NULL THEN round(100.0 * sum(failed_sessions)" \
	"  / nullif(sum(successful_sessions) + sum(failed_sessions), 0), 2)" \
	"  END AS failure_pct" \
	" FROM tls_daily_v" TLS_WHERE \
	" GROUP BY 1 ORDER BY " order }

static const struct q_stmt tls_by[] = {
	TLS_GROUP("day", "day", "1"),
	TLS_GROUP("receiving_mx", "receiving_mx",
	    "failed_sessions DESC, 1"),
	TLS_GROUP("result_type", "result_type",
	    "failed_sessions DESC, 1"),
	TLS_GROUP("organization_name", "reporter",
	    "sum(successful_sessions) + sum(failed_sessions) DESC,"
	    " failed_sessions DESC, 1"),
	TLS_GROUP("policy_domain", "policy_domain",
	    "sum(successful_sessions) + sum(failed_sessions) DESC,"
	    " failed_sessions DESC, 1"),
};

struct store_table *
store_tls(struct store *st, const struct store_filter *f,
    enum store_tls_by by, GError **err)
{
	const struct q_stmt *s;

	switch (by) {
	case STORE_TLS_BY_MX: s = &tls_by[1]; break;
	case STORE_TLS_BY_RESULT: s = &tls_by[2]; break;
	case STORE_TLS_BY_REPORTER: s = &tls_by[3]; break;
	case STORE_TLS_BY_DOMAIN: s = &tls_by[4]; break;
	default: s = &tls_by[0]; break;
	}
	return run_filtered(st, s, f, err);
}

/* ---- DMARC failure reports ---- */

/* The domain matches the From domain the report is about, or any of its
 * Reported-Domain values. */
#define FAILURE_WHERE \
	" WHERE ($1::bigint IS NULL OR" \
	"  day >= (to_timestamp($1::bigint) AT TIME ZONE 'UTC')::date)" \
	" AND ($2::text IS NULL OR from_domain = lower(rtrim($2::text, '.'))" \
	"  OR EXISTS (SELECT 1 FROM unnest(reported_domain) AS d" \
	"  WHERE lower(rtrim(d, '.')) = lower(rtrim($2::text, '.'))))" \
	" AND ($3::inet IS NULL OR source_ip <<= $3::inet)"

static const struct q_stmt failure_list = { NULL,
	"SELECT day, reporter, source_ip, from_domain, auth_failure,"
	" identity_alignment, dkim_domain, dkim_selector, spf_domain,"
	" delivery_result, orig_subject"
	" FROM dmarc_failure_v" FAILURE_WHERE
	" ORDER BY day, coalesce(arrival_time, received_at), arf_pk" };

/* Counts per value of one column of dmarc_failure_v.  incidents: the
 * messages the reports stand for (Incidents, 1 when not stated). */
#define FAILURE_GROUP(col, name, order) { NULL, \
	"SELECT " col " AS " name ", count(*) AS reports," \
	" sum(coalesce(incidents, 1))::bigint AS incidents," \
	" count(DISTINCT source_ip) AS source_ips," \
	" count(DISTINCT from_domain) AS from_domains," \
	" count(DISTINCT reporter) AS reporters," \
	" count(*) FILTER (WHERE dkim_domain IS NOT NULL) AS with_dkim," \
	" count(*) FILTER (WHERE spf_domain IS NOT NULL) AS with_spf," \
	" min(day) AS first_day, max(day) AS last_day" \
	" FROM dmarc_failure_v" FAILURE_WHERE \
	" GROUP BY 1 ORDER BY " order }

static const struct q_stmt failure_by[] = {
	FAILURE_GROUP("day", "day", "1"),
	FAILURE_GROUP("source_ip", "source_ip", "reports DESC, 1"),
	FAILURE_GROUP("from_domain", "from_domain", "reports DESC, 1"),
	FAILURE_GROUP("reporter", "reporter", "reports DESC, 1"),
};

struct store_table *
store_failures(struct store *st, const struct store_filter *f,
    enum store_failure_by by, GError **err)
{
	const struct q_stmt *s;

	switch (by) {
	case STORE_FAILURE_BY_DAY: s = &failure_by[0]; break;
	case STORE_FAILURE_BY_IP: s = &failure_by[1]; break;
	case STORE_FAILURE_BY_DOMAIN: s = &failure_by[2]; break;
	case STORE_FAILURE_BY_REPORTER: s = &failure_by[3]; break;
	default: s = &failure_list; break;
	}
	return run_filtered(st, s, f, err);
}

/* ---- the diagnosis of a domain's sources ---- */

/* source_diagnosis() (sql/007_diagnosis.sql) from the since day on, one
 * row per source; the lists as text.  The problems first: the categories
 * with something to fix, the one with the most messages failing first,
 * then forwarded and compliant; within a category the most affected
 * messages first. */
static const struct q_stmt explain = { NULL,
	"SELECT category, source_ip, service, service_kind, ptr, messages,"
	" dmarc_pass, dmarc_fail, affected, forwarded, days, first_day,"
	" last_day, change_day,"
	" array_to_string(header_from, ' ') AS header_from,"
	" array_to_string(dkim_signatures, ', ') AS dkim,"
	" array_to_string(spf_domains, ', ') AS spf,"
	" array_to_string(override_reasons, ', ') AS override_reasons,"
	" array_to_string(reporters, ', ') AS reporters, action"
	" FROM source_diagnosis($2::text, CASE WHEN $1::bigint IS NOT NULL"
	"  THEN (to_timestamp($1::bigint) AT TIME ZONE 'UTC')::date END, NULL)"
	" WHERE $3::inet IS NULL OR source_ip <<= $3::inet"
	" ORDER BY category IN ('forwarded', 'compliant'),"
	" sum(affected) OVER (PARTITION BY category) DESC,"
	" array_position(ARRAY['unauthorized', 'esp_unaligned', 'partial',"
	"  'forwarded', 'compliant'], category),"
	" affected DESC, messages DESC, source_ip" };

struct store_table *
store_explain(struct store *st, const struct store_filter *f, GError **err)
{
	return run_filtered(st, &explain, f, err);
}

/* ---- the digest: what `mailsift report` prints ---- */

/* The period is the since day to today (UTC); the previous period the
 * same number of days before it.  $1 since (epoch seconds, required),
 * $2 policy domain or NULL.  Every figure is read from a documented view:
 * dmarc_daily_v, source_diagnosis(), bounce_daily_v,
 * dmarc_bounce_daily_v, dmarc_report_v. */
#define D_SINCE "(to_timestamp($1::bigint) AT TIME ZONE 'UTC')::date"
#define D_TODAY "(now() AT TIME ZONE 'UTC')::date"
#define D_DOMAIN " AND ($2::text IS NULL OR policy_domain = $2::text)"
/* Every parameter is referenced, so that PostgreSQL knows its type; the
 * digest has no ip filter. */
#define D_NOIP " AND ($3::inet IS NULL OR TRUE)"

static const struct q_stmt digest[] = {
	[STORE_DIGEST_TOTALS] = { NULL,
	"SELECT CASE WHEN day >= " D_SINCE " THEN 'current' ELSE 'previous'"
	"  END AS period,"
	" sum(messages) AS messages, sum(dmarc_pass) AS dmarc_pass,"
	" sum(dmarc_fail) AS dmarc_fail, sum(quarantined) AS quarantined,"
	" sum(rejected) AS rejected"
	" FROM dmarc_daily_v"
	" WHERE day >= " D_SINCE " - (" D_TODAY " + 1 - " D_SINCE ")"
	" AND day <= " D_TODAY D_DOMAIN D_NOIP
	" GROUP BY 1 ORDER BY 1" },
	[STORE_DIGEST_DAILY] = { NULL,
	"SELECT policy_domain, day, sum(dmarc_pass) AS dmarc_pass,"
	" sum(dmarc_fail) AS dmarc_fail"
	" FROM dmarc_daily_v WHERE day >= " D_SINCE D_DOMAIN D_NOIP
	" GROUP BY 1, 2 ORDER BY 1, 2" },
	/* The failing sources first; attention: a category with something
	 * to fix. */
	[STORE_DIGEST_SOURCES] = { NULL,
	"SELECT policy_domain AS domain, source_ip,"
	" concat_ws(', ', service, ptr) AS name, category,"
	" messages, dmarc_pass, dmarc_fail,"
	" " PASS_PCT("dmarc_pass", "messages") " AS pass_pct, action,"
	" category NOT IN ('compliant', 'forwarded') AS attention"
	" FROM source_diagnosis($2::text, " D_SINCE ", NULL)"
	" WHERE TRUE" D_NOIP
	" ORDER BY affected DESC, dmarc_fail DESC, messages DESC, 1, 2"
	" LIMIT 100" },
	/* Bounces have no policy domain: all of them. */
	[STORE_DIGEST_BOUNCES] = { NULL,
	"SELECT reason, sum(recipients)::bigint AS bounces,"
	" coalesce(sum(recipients) FILTER (WHERE hard_bounce), 0)::bigint"
	"  AS hard,"
	" coalesce(sum(recipients) FILTER (WHERE NOT hard_bounce), 0)::bigint"
	"  AS soft,"
	" count(DISTINCT day) AS days, min(day) AS first_day,"
	" max(day) AS last_day, reason = 'authfailure' AS attention"
	" FROM bounce_daily_v WHERE bounced AND day >= " D_SINCE
	" AND ($2::text IS NULL OR TRUE)" D_NOIP
	" GROUP BY 1 ORDER BY 2 DESC, 1" },
	[STORE_DIGEST_COINCIDE] = { NULL,
	"SELECT day, source_ip, " PTR_OF("d.source_ip") ","
	" sum(dmarc_fail) AS dmarc_fail, sum(auth_bounces) AS auth_bounces"
	" FROM dmarc_bounce_daily_v d WHERE day >= " D_SINCE
	" AND ($2::text IS NULL OR domain = $2::text)" D_NOIP
	" GROUP BY 1, 2 HAVING sum(dmarc_fail) > 0 AND sum(auth_bounces) > 0"
	" ORDER BY 1, 2" },
	[STORE_DIGEST_BOUNCE_DAILY] = { NULL,
	"SELECT day,"
	" coalesce(sum(recipients) FILTER (WHERE reason IS DISTINCT FROM"
	"  'authfailure'), 0)::bigint AS other,"
	" coalesce(sum(recipients) FILTER (WHERE reason = 'authfailure'), 0)"
	"  ::bigint AS auth"
	" FROM bounce_daily_v WHERE bounced AND day >= " D_SINCE
	" AND ($2::text IS NULL OR TRUE)" D_NOIP
	" GROUP BY 1 ORDER BY 1" },
	/* A reporter's missing days: days of the period since its first
	 * report that no report of it covers. */
	[STORE_DIGEST_REPORTERS] = { NULL,
	"SELECT org_name AS reporter, count(*) AS reports,"
	" count(DISTINCT policy_domain) AS domains,"
	" sum(messages)::bigint AS messages,"
	" count(DISTINCT (date_begin AT TIME ZONE 'UTC')::date) AS days,"
	" (" D_TODAY " - greatest(" D_SINCE ","
	"  min((date_begin AT TIME ZONE 'UTC')::date)))"
	"  - count(DISTINCT (date_begin AT TIME ZONE 'UTC')::date) AS missing_days,"
	" min((date_begin AT TIME ZONE 'UTC')::date) AS first_day,"
	" max((date_begin AT TIME ZONE 'UTC')::date) AS last_day,"
	" (" D_TODAY " - greatest(" D_SINCE ","
	"  min((date_begin AT TIME ZONE 'UTC')::date)))"
	"  - count(DISTINCT (date_begin AT TIME ZONE 'UTC')::date) > 0"
	"  AS attention"
	" FROM dmarc_report_v WHERE (date_begin AT TIME ZONE 'UTC')::date >= "
	D_SINCE D_DOMAIN D_NOIP
	" GROUP BY 1 ORDER BY 2 DESC, 1" },
};

struct store_table *
store_digest(struct store *st, const struct store_filter *f,
    enum store_digest_part part, GError **err)
{
	if ((int)part < 0 || part >= G_N_ELEMENTS(digest) || f->since <= 0) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_digest: bad part or no since");
		return NULL;
	}
	return run_filtered(st, &digest[part], f, err);
}
