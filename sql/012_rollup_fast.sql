-- 012_rollup_fast.sql - the daily rollup written by the store with the
-- report, not read back from the records at COMMIT.
--
-- Why: the deferred trigger of 008_rollup.sql read back every record of
-- the transaction at COMMIT and spread it again: about 8 us a record on
-- the server, as much as storing the record, and the ingest with the
-- rollup took 1.2 to 1.8 times as long as without.  mailsift's store has
-- every record in memory while it writes it: store/daily.c spreads the
-- counts over the days with the arithmetic of dmarc_daily_records_v, sums
-- them per day, source IP and header From (and per day for
-- dmarc_daily_domain), and inserts those rows in the report's own
-- statements, so they are undone with the report, its message or its
-- batch exactly like the records.
--
-- Who does what: mailsift's connections say `SET mailsift.rollup TO
-- 'store'` (store/conn.c), and the triggers of 008 skip their reports.
-- Any other writer (psql, an older mailsift, a script) still gets its
-- reports rolled up at COMMIT by the triggers, as before.

DROP TRIGGER dmarc_report_rollup_note ON dmarc_report;
CREATE TRIGGER dmarc_report_rollup_note AFTER INSERT ON dmarc_report
    FOR EACH ROW
    WHEN (current_setting('mailsift.rollup', true) IS DISTINCT FROM 'store')
    EXECUTE FUNCTION dmarc_report_rollup_note();

-- The WHEN is evaluated when the row is inserted, so the store's reports
-- queue no deferred event at all.
DROP TRIGGER dmarc_report_rollup ON dmarc_report;
CREATE CONSTRAINT TRIGGER dmarc_report_rollup AFTER INSERT ON dmarc_report
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN (current_setting('mailsift.rollup', true) IS DISTINCT FROM 'store')
    EXECUTE FUNCTION dmarc_report_rollup();

-- The spreading of 002_views.sql says floor(count * cum_end / total), but
-- wrote it for counts past 2^63 / total as floor(count::numeric * cum_end
-- / total): numeric division rounds its quotient to the digits it keeps,
-- so a quotient just below an integer was rounded up before the floor
-- (a count of 4611686018427387903 over two days gave 1 message to the
-- wrong day; the shares still added up).  div() is the exact floor for
-- these non-negative values; the view of the records' definition and the
-- trigger's copy of it use it from here on, as store/daily.c does.
CREATE OR REPLACE VIEW dmarc_daily_records_v AS
WITH one_day AS (
	SELECT (r.date_begin AT TIME ZONE 'UTC')::date AS day,
	    r.policy_domain, r.org_name, c.source_ip, c.header_from,
	    c.count AS n, c.policy_dkim, c.policy_spf, c.disposition
	FROM dmarc_report r
	JOIN dmarc_record c ON c.report_id = r.id
	WHERE r.date_end <= (date_trunc('day', r.date_begin AT TIME ZONE 'UTC')
		+ interval '1 day') AT TIME ZONE 'UTC'
	    OR r.date_end - r.date_begin > interval '400 days'
), part AS (
	SELECT r.id, r.policy_domain, r.org_name, g.day, s.total,
	    g.cum_start, g.cum_end
	FROM dmarc_report r
	CROSS JOIN LATERAL (
		SELECT (extract(epoch FROM r.date_end)
		    - extract(epoch FROM r.date_begin))::bigint AS total
	) s
	CROSS JOIN LATERAL (
		SELECT d::date AS day,
		    (extract(epoch FROM greatest(r.date_begin, d AT TIME ZONE 'UTC'))
			- extract(epoch FROM r.date_begin))::bigint AS cum_start,
		    (extract(epoch FROM least(r.date_end,
			(d + interval '1 day') AT TIME ZONE 'UTC'))
			- extract(epoch FROM r.date_begin))::bigint AS cum_end
		FROM generate_series(
		    date_trunc('day', r.date_begin AT TIME ZONE 'UTC'),
		    date_trunc('day', r.date_end AT TIME ZONE 'UTC'),
		    interval '1 day') AS d
	) g
	WHERE NOT (r.date_end <= (date_trunc('day', r.date_begin AT TIME ZONE
		'UTC') + interval '1 day') AT TIME ZONE 'UTC'
	    OR r.date_end - r.date_begin > interval '400 days')
), spread AS (
	SELECT p.day, p.policy_domain, p.org_name, c.source_ip, c.header_from,
	    CASE WHEN c.count <= 9223372036854775807 / p.total
	    THEN c.count * p.cum_end / p.total
		- c.count * p.cum_start / p.total
	    ELSE (div(c.count::numeric * p.cum_end, p.total)
		- div(c.count::numeric * p.cum_start, p.total))::bigint
	    END AS n,
	    c.policy_dkim, c.policy_spf, c.disposition
	FROM part p
	JOIN dmarc_record c ON c.report_id = p.id
	WHERE p.cum_end > p.cum_start
), share AS (
	SELECT day, policy_domain, org_name, source_ip, header_from, n,
	    policy_dkim, policy_spf, disposition
	FROM one_day
	UNION ALL
	SELECT day, policy_domain, org_name, source_ip, header_from, n,
	    policy_dkim, policy_spf, disposition
	FROM spread
)
SELECT day, policy_domain, source_ip, header_from, org_name,
    sum(n)::bigint AS messages,
    coalesce(sum(n) FILTER (WHERE policy_dkim = 'pass'
	OR policy_spf = 'pass'), 0)::bigint AS dmarc_pass,
    coalesce(sum(n) FILTER (WHERE policy_dkim IS DISTINCT FROM 'pass'
	AND policy_spf IS DISTINCT FROM 'pass'), 0)::bigint AS dmarc_fail,
    coalesce(sum(n) FILTER (WHERE policy_dkim = 'pass'), 0)::bigint
	AS dkim_pass,
    coalesce(sum(n) FILTER (WHERE policy_spf = 'pass'), 0)::bigint
	AS spf_pass,
    coalesce(sum(n) FILTER (WHERE disposition = 'quarantine'), 0)::bigint
	AS quarantined,
    coalesce(sum(n) FILTER (WHERE disposition = 'reject'), 0)::bigint
	AS rejected
FROM share
WHERE n > 0
GROUP BY day, policy_domain, source_ip, header_from, org_name;

-- The trigger's copy: its source text, the two floors replaced.
DO $$
DECLARE
	src text;
BEGIN
	SELECT prosrc INTO src FROM pg_proc
	WHERE oid = 'dmarc_report_rollup'::regproc;
	src := replace(src,
	    'floor(c.count::numeric * p.cum_end / p.total)',
	    'div(c.count::numeric * p.cum_end, p.total)');
	src := replace(src,
	    'floor(c.count::numeric * p.cum_start / p.total)',
	    'div(c.count::numeric * p.cum_start, p.total)');
	IF src NOT LIKE '%div(c.count::numeric * p.cum_start, p.total)%' THEN
		RAISE EXCEPTION 'dmarc_report_rollup: spreading not found';
	END IF;
	EXECUTE format('CREATE OR REPLACE FUNCTION dmarc_report_rollup()'
	    ' RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER'
	    ' SET search_path FROM CURRENT AS %L', src);
END
$$;

-- Rows rolled up before this migration by the rounded arithmetic: only
-- reports whose count * seconds passes 2^63 (none from a real reporter);
-- `mailsift db rebuild-rollups` recomputes them.
