/* finding.c - what `mailsift check` keeps (sql/009_check.sql) and the
 * bounce evidence it asks for.
 *
 *	store_check_save(st, "example.com", findings, n, &err);
 *	t = store_check_findings(st, &filter, &err);	report, explain
 *	t = store_check_unsubscribe(st, &filter, &err);	bulk.unsubscribe
 *
 * A save replaces the domain's previous run in one transaction: the run
 * row is upserted, its findings deleted and the new ones inserted from
 * one array parameter per column; three statements, one round trip.
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"

static const struct q_stmt run_upsert = { NULL,
	"INSERT INTO check_run (domain, checked_at, errors, warnings, infos)"
	" SELECT lower($1::text), now(),"
	"  count(*) FILTER (WHERE s = 'error'),"
	"  count(*) FILTER (WHERE s = 'warning'),"
	"  count(*) FILTER (WHERE s = 'info')"
	" FROM unnest($2::text[]) AS u(s)"
	" ON CONFLICT (domain) DO UPDATE SET checked_at = excluded.checked_at,"
	"  errors = excluded.errors, warnings = excluded.warnings,"
	"  infos = excluded.infos" };
static const struct q_stmt finding_delete = { NULL,
	"DELETE FROM check_finding WHERE domain = lower($1::text)" };
static const struct q_stmt finding_insert = { NULL,
	"INSERT INTO check_finding (domain, seq, code, severity, evidence,"
	" action, checked_at)"
	" SELECT lower($1::text), u.n, u.code, u.sev, u.ev, u.act, now()"
	" FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])"
	"  WITH ORDINALITY AS u(sev, code, ev, act, n)" };

/* The findings of the domains a report or explain covers: the policy
 * domains of the reports ending on or after $1 (and $2 itself when
 * given), each with its latest run (the views: mailsift_reader may read
 * them); a domain never checked gets one row
 * saying so, one checked without findings one saying that. */
static const struct q_stmt findings = { NULL,
	"WITH d AS (SELECT DISTINCT lower(policy_domain) AS domain"
	"  FROM dmarc_report_v"
	"  WHERE ($1::bigint IS NULL OR date_end >= to_timestamp($1::bigint))"
	"  AND ($2::text IS NULL OR lower(policy_domain) = lower($2::text))"
	"  UNION SELECT lower($2::text) WHERE $2::text IS NOT NULL)"
	" SELECT d.domain,"
	"  to_char(r.checked_at AT TIME ZONE 'UTC',"
	"   'YYYY-MM-DD HH24:MI \"UTC\"') AS checked_at,"
	"  f.severity, f.code,"
	"  coalesce(f.evidence, CASE WHEN r.domain IS NULL"
	"   THEN 'not checked: run mailsift check ' || d.domain"
	"   ELSE 'nothing to say' END) AS evidence,"
	"  f.action, coalesce(f.severity = 'error', false) AS attention"
	" FROM d LEFT JOIN check_run_v r ON r.domain = d.domain"
	" LEFT JOIN check_finding_v f ON f.domain = d.domain"
	" ORDER BY d.domain, CASE f.severity WHEN 'error' THEN 0"
	"  WHEN 'warning' THEN 1 ELSE 2 END, f.seq LIMIT 2000" };

/* Bounced originals whose From is under $2, from $1's UTC day on. */
static const struct q_stmt unsubscribe = { NULL,
	"SELECT count(DISTINCT bounce_pk) AS originals,"
	" count(DISTINCT bounce_pk) FILTER (WHERE orig_list_unsubscribe"
	"  IS NOT NULL) AS list_unsubscribe,"
	" count(DISTINCT bounce_pk) FILTER (WHERE"
	"  orig_list_unsubscribe ~* '<https://'"
	"  AND orig_list_unsubscribe_post"
	"  ~* '^\\s*List-Unsubscribe\\s*=\\s*One-Click\\s*$') AS one_click"
	" FROM bounce_v"
	" WHERE kind = 'bounce' AND orig_from IS NOT NULL"
	" AND sender_domain = lower($2::text)"
	" AND ($1::bigint IS NULL OR"
	"  day >= (to_timestamp($1::bigint) AT TIME ZONE 'UTC')::date)" };

int
store_check_save(struct store *st, const char *domain,
    const struct store_check_finding *f, guint n, GError **err)
{
	GPtrArray *cols[4], *keep = g_ptr_array_new_with_free_func(g_free);
	const char *v[5];
	int rc = 0;

	if (store_outside_batch(st, "store_check_save", err) < 0) {
		g_ptr_array_free(keep, TRUE);
		return -1;
	}
	for (guint c = 0; c < 4; c++)
		cols[c] = g_ptr_array_new();
	for (guint i = 0; i < n; i++) {
		g_ptr_array_add(cols[0], (char *)f[i].severity);
		g_ptr_array_add(cols[1], (char *)f[i].code);
		g_ptr_array_add(cols[2], (char *)val_utf8(f[i].evidence, keep));
		g_ptr_array_add(cols[3], (char *)val_utf8(f[i].action, keep));
	}
	v[0] = domain;
	for (guint c = 0; c < 4; c++) {
		char *lit = pg_array_literal(cols[c]);

		g_ptr_array_add(keep, lit);
		v[c + 1] = lit;
		g_ptr_array_free(cols[c], TRUE);
	}
	q_fixed(st, "BEGIN", EFF_BEGIN);
	if (q_send(st, &run_upsert, 2, v, NULL, NULL, 0, err) < 0 ||
	    q_send(st, &finding_delete, 1, v, NULL, NULL, 0, err) < 0 ||
	    q_send(st, &finding_insert, 5, v, NULL, NULL, 0, err) < 0)
		rc = -1;
	if (rc == 0) {
		q_fixed(st, "COMMIT", EFF_END);
		rc = q_sync(st, err);
	}
	if (rc < 0)
		store_tx_abandon(st);
	g_ptr_array_free(keep, TRUE);
	return rc;
}

/* One read-only statement with the filter's since and domain. */
static struct store_table *
read_table(struct store *st, const struct q_stmt *s,
    const struct store_filter *f, GError **err)
{
	char since[32];
	const char *v[2];
	int i;

	if (store_outside_batch(st, "store_check_findings", err) < 0)
		return NULL;
	snprintf(since, sizeof(since), "%" PRId64, f->since);
	v[0] = f->since > 0 ? since : NULL;
	v[1] = f->domain && *f->domain ? f->domain : NULL;
	q_fixed(st, "BEGIN READ ONLY", EFF_BEGIN);
	i = q_send(st, s, 2, v, NULL, NULL, 0, err);
	q_fixed(st, "ROLLBACK", EFF_END);
	if (i < 0 || q_sync(st, err) < 0) {
		store_tx_abandon(st);
		return NULL;
	}
	return store_table_from_result(q_result(st, i));
}

struct store_table *
store_check_findings(struct store *st, const struct store_filter *f,
    GError **err)
{
	return read_table(st, &findings, f, err);
}

struct store_table *
store_check_unsubscribe(struct store *st, const struct store_filter *f,
    GError **err)
{
	return read_table(st, &unsubscribe, f, err);
}
