-- 008_rollup.sql - the daily rollup: dmarc_daily_v read from tables kept at
-- ingest, not recomputed from every record at every query.
--
-- Applied by `mailsift db migrate` like every sql/ file (one transaction,
-- no BEGIN/COMMIT here).
--
-- Why: dmarc_daily_v (002_views.sql) joined every record with its report
-- and spread the multi-day reports at each query; a trend cost the whole
-- table, not the days asked for (21.9 s for 30 days of 10M records).
--
-- What: dmarc_daily holds the shares of dmarc_daily_v's old definition,
-- one row per record and day; dmarc_daily_domain their sums per
-- transaction, policy_domain and day, what `trend --by day` reads; the
-- views sum the rows of a key.  Both are written at the COMMIT of the
-- transaction that stored the records (a deferred trigger, below), so a
-- rolled-back batch or message leaves nothing behind and the rollup never
-- disagrees with the records; COPY, the one-statement report and the
-- pipelined batch all pass there.
--
-- Append-only: each transaction adds its own rows and never updates one, so
-- two ingesters never wait on a rollup row nor deadlock over two (an
-- upsert keyed by day would make every ingest of a busy domain wait on the
-- same rows).  `mailsift db rebuild-rollups` (dmarc_rollup_rebuild())
-- recomputes both tables from the records, one row per key.
--
-- Keys lead with policy_domain where an index has one, so the schema can be
-- distributed by domain (Citus style) later.
--
-- Deleting records by hand leaves the rollup as it was: run
-- `mailsift db rebuild-rollups` after.  `mailsift db prune` does it right.

-- The old definition, kept under another name: what the rollup is
-- checked against (tests/t/rollup.sh, dmarc_rollup_rebuild()) and what the
-- benchmark compares with (tests/bench/scale.sh).  Not for dashboards: it
-- reads every record.
DO $$
BEGIN
	EXECUTE 'CREATE VIEW dmarc_daily_records_v AS '
	    || pg_get_viewdef('dmarc_daily_v'::regclass);
END
$$;

COMMENT ON VIEW dmarc_daily_records_v IS
'dmarc_daily_v computed from the records at every query, as before the rollup (008_rollup.sql): for checking the rollup and for comparison. Slow: reads every record.';

CREATE TABLE dmarc_daily (
	policy_domain	text,
	day		date NOT NULL,
	source_ip	inet,
	header_from	text,
	org_name	text,
	messages	bigint NOT NULL,
	dmarc_pass	bigint NOT NULL,
	dmarc_fail	bigint NOT NULL,
	dkim_pass	bigint NOT NULL,
	spf_pass	bigint NOT NULL,
	quarantined	bigint NOT NULL,
	rejected	bigint NOT NULL
);
-- Lean: every index costs each record at ingest.  Rows arrive roughly in
-- day order, so a BRIN index on day serves the `since` ranges for almost
-- nothing; the domain's days and one address or network (inet <<= uses a
-- btree on the address) are the other questions asked.  The day in the
-- address's index keeps its days outside the window out of the heap: with
-- the address alone, 4 times as much older data made a /24's month 2.1
-- times slower.
CREATE INDEX dmarc_daily_day ON dmarc_daily USING brin (day);
CREATE INDEX dmarc_daily_domain_day ON dmarc_daily (policy_domain, day);
CREATE INDEX dmarc_daily_ip_day ON dmarc_daily (source_ip, day);

CREATE TABLE dmarc_daily_domain (
	policy_domain	text,
	day		date NOT NULL,
	messages	bigint NOT NULL,
	dmarc_pass	bigint NOT NULL,
	dmarc_fail	bigint NOT NULL,
	dkim_pass	bigint NOT NULL,
	spf_pass	bigint NOT NULL,
	quarantined	bigint NOT NULL,
	rejected	bigint NOT NULL
);
CREATE INDEX dmarc_daily_domain_brin ON dmarc_daily_domain USING brin (day);

-- When: once per transaction, at its commit, for every report it stored.
-- A row trigger on dmarc_report notes each new report's id in a
-- transaction-local setting (mailsift.rollup_reports), and a deferred
-- constraint trigger, fired at COMMIT, rolls up the records of the noted
-- reports in one statement and clears the note.  The setting follows the
-- savepoints: a message rolled back takes its ids with it.  One statement
-- per transaction (an ingest batch: 500 messages) rather than one per
-- report: the statement trigger this replaced cost 0.4 ms a report, more
-- than its rows.  Records added to a report stored by an earlier
-- transaction are not rolled up (mailsift never does that; after editing
-- by hand run `mailsift db rebuild-rollups`).
CREATE FUNCTION dmarc_report_rollup_note() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('mailsift.rollup_reports',
	    coalesce(current_setting('mailsift.rollup_reports', true), '')
	    || NEW.id || ',', true);
	RETURN NULL;
END
$$;

CREATE TRIGGER dmarc_report_rollup_note AFTER INSERT ON dmarc_report
    FOR EACH ROW EXECUTE FUNCTION dmarc_report_rollup_note();

-- The shares of the noted reports' records, exactly as
-- dmarc_daily_records_v computes them (see 002_views.sql for the
-- arithmetic): reports within one UTC day copy count; the others spread it
-- by cumulative floors.  One dmarc_daily row per share, not summed (a
-- reporter lists an address once a report: summing saved 6 % of the rows
-- and cost a hash aggregate); dmarc_daily_domain the sums per day and
-- domain.  Both tables are written by one statement.  The
-- first firing at COMMIT does the work; the others find the note empty.
--
-- It runs as the schema owner (SECURITY DEFINER): the ingest role may
-- insert reports and records but not read records back nor write the
-- rollup.  Planned at each run (EXECUTE), for the number of reports the
-- transaction has: a plan made once for the first batch could be a
-- sequential scan of every record at the next.
CREATE FUNCTION dmarc_report_rollup() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
	ids bigint[];
BEGIN
	ids := string_to_array(rtrim(nullif(current_setting(
	    'mailsift.rollup_reports', true), ''), ','), ',')::bigint[];
	IF ids IS NULL THEN
		RETURN NULL;
	END IF;
	PERFORM set_config('mailsift.rollup_reports', '', true);
	EXECUTE $q$
	WITH new_rows AS (
		SELECT c.report_id, c.source_ip, c.header_from, c.count,
		    c.policy_dkim, c.policy_spf, c.disposition
		FROM dmarc_record c
		WHERE c.report_id = ANY ($1)
	), rep AS (
		SELECT r.id, r.policy_domain, r.org_name, r.date_begin,
		    r.date_end,
		    (r.date_end <= (date_trunc('day', r.date_begin AT TIME ZONE
			'UTC') + interval '1 day') AT TIME ZONE 'UTC'
			OR r.date_end - r.date_begin > interval '400 days')
			AS one_day
		FROM dmarc_report r
		WHERE r.id = ANY ($1)
	), one_day AS (
		SELECT (r.date_begin AT TIME ZONE 'UTC')::date AS day,
		    r.policy_domain, r.org_name, c.source_ip, c.header_from,
		    c.count AS n, c.policy_dkim, c.policy_spf, c.disposition
		FROM rep r
		JOIN new_rows c ON c.report_id = r.id
		WHERE r.one_day
	), part AS (
		SELECT r.id, r.policy_domain, r.org_name, g.day, s.total,
		    g.cum_start, g.cum_end
		FROM rep r
		CROSS JOIN LATERAL (
			SELECT (extract(epoch FROM r.date_end)
			    - extract(epoch FROM r.date_begin))::bigint AS total
		) s
		CROSS JOIN LATERAL (
			SELECT d::date AS day,
			    (extract(epoch FROM greatest(r.date_begin,
				d AT TIME ZONE 'UTC'))
				- extract(epoch FROM r.date_begin))::bigint
				AS cum_start,
			    (extract(epoch FROM least(r.date_end,
				(d + interval '1 day') AT TIME ZONE 'UTC'))
				- extract(epoch FROM r.date_begin))::bigint
				AS cum_end
			FROM generate_series(
			    date_trunc('day', r.date_begin AT TIME ZONE 'UTC'),
			    date_trunc('day', r.date_end AT TIME ZONE 'UTC'),
			    interval '1 day') AS d
		) g
		WHERE NOT r.one_day
	), spread AS (
		SELECT p.day, p.policy_domain, p.org_name, c.source_ip,
		    c.header_from,
		    CASE WHEN c.count <= 9223372036854775807 / p.total
		    THEN c.count * p.cum_end / p.total
			- c.count * p.cum_start / p.total
		    ELSE (floor(c.count::numeric * p.cum_end / p.total)
			- floor(c.count::numeric * p.cum_start / p.total))::bigint
		    END AS n,
		    c.policy_dkim, c.policy_spf, c.disposition
		FROM part p
		JOIN new_rows c ON c.report_id = p.id
		WHERE p.cum_end > p.cum_start
	), share AS (
		SELECT day, policy_domain, org_name, source_ip, header_from, n,
		    policy_dkim, policy_spf, disposition
		FROM one_day
		UNION ALL
		SELECT day, policy_domain, org_name, source_ip, header_from, n,
		    policy_dkim, policy_spf, disposition
		FROM spread
	), g AS (
		SELECT policy_domain, day, source_ip, header_from, org_name,
		    n AS messages,
		    CASE WHEN policy_dkim = 'pass' OR policy_spf = 'pass'
			THEN n ELSE 0 END AS dmarc_pass,
		    CASE WHEN policy_dkim IS DISTINCT FROM 'pass'
			AND policy_spf IS DISTINCT FROM 'pass'
			THEN n ELSE 0 END AS dmarc_fail,
		    CASE WHEN policy_dkim = 'pass' THEN n ELSE 0 END
			AS dkim_pass,
		    CASE WHEN policy_spf = 'pass' THEN n ELSE 0 END
			AS spf_pass,
		    CASE WHEN disposition = 'quarantine' THEN n ELSE 0 END
			AS quarantined,
		    CASE WHEN disposition = 'reject' THEN n ELSE 0 END
			AS rejected
		FROM share
		WHERE n > 0
	), ins AS (
		INSERT INTO dmarc_daily (policy_domain, day, source_ip,
		    header_from, org_name, messages, dmarc_pass, dmarc_fail,
		    dkim_pass, spf_pass, quarantined, rejected)
		SELECT policy_domain, day, source_ip, header_from, org_name,
		    messages, dmarc_pass, dmarc_fail, dkim_pass, spf_pass,
		    quarantined, rejected
		FROM g
	)
	INSERT INTO dmarc_daily_domain (policy_domain, day, messages,
	    dmarc_pass, dmarc_fail, dkim_pass, spf_pass, quarantined, rejected)
	SELECT policy_domain, day, sum(messages), sum(dmarc_pass),
	    sum(dmarc_fail), sum(dkim_pass), sum(spf_pass), sum(quarantined),
	    sum(rejected)
	FROM g
	GROUP BY policy_domain, day
	$q$ USING ids;
	RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER dmarc_report_rollup AFTER INSERT ON dmarc_report
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION dmarc_report_rollup();

-- Recompute both tables from the records, one row per key.  Ingest waits
-- meanwhile (SHARE lock on dmarc_record), so no batch is counted twice or
-- not at all.  Returns the rows of dmarc_daily.
CREATE FUNCTION dmarc_rollup_rebuild() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	LOCK TABLE dmarc_record IN SHARE MODE;
	LOCK TABLE dmarc_daily, dmarc_daily_domain IN ACCESS EXCLUSIVE MODE;
	TRUNCATE dmarc_daily, dmarc_daily_domain;
	INSERT INTO dmarc_daily (policy_domain, day, source_ip, header_from,
	    org_name, messages, dmarc_pass, dmarc_fail, dkim_pass, spf_pass,
	    quarantined, rejected)
	SELECT policy_domain, day, source_ip, header_from, org_name,
	    messages, dmarc_pass, dmarc_fail, dkim_pass, spf_pass,
	    quarantined, rejected
	FROM dmarc_daily_records_v
	ORDER BY day, policy_domain;
	GET DIAGNOSTICS n = ROW_COUNT;
	INSERT INTO dmarc_daily_domain (policy_domain, day, messages,
	    dmarc_pass, dmarc_fail, dkim_pass, spf_pass, quarantined, rejected)
	SELECT policy_domain, day, sum(messages), sum(dmarc_pass),
	    sum(dmarc_fail), sum(dkim_pass), sum(spf_pass), sum(quarantined),
	    sum(rejected)
	FROM dmarc_daily
	GROUP BY day, policy_domain
	ORDER BY day, policy_domain;
	RETURN n;
END
$$;

-- An existing database: its records, rolled up once.
SELECT dmarc_rollup_rebuild();

-- The view keeps its name and columns; it sums the rollup's rows of a key
-- (a filter on day, policy_domain or source_ip reaches the table's
-- indexes).
CREATE OR REPLACE VIEW dmarc_daily_v AS
SELECT day, policy_domain, source_ip, header_from, org_name,
    sum(messages)::bigint AS messages,
    sum(dmarc_pass)::bigint AS dmarc_pass,
    sum(dmarc_fail)::bigint AS dmarc_fail,
    sum(dkim_pass)::bigint AS dkim_pass,
    sum(spf_pass)::bigint AS spf_pass,
    sum(quarantined)::bigint AS quarantined,
    sum(rejected)::bigint AS rejected
FROM dmarc_daily
GROUP BY day, policy_domain, source_ip, header_from, org_name;

-- Per day and policy domain: what `trend --by day` sums.
CREATE VIEW dmarc_domain_daily_v AS
SELECT day, policy_domain,
    sum(messages)::bigint AS messages,
    sum(dmarc_pass)::bigint AS dmarc_pass,
    sum(dmarc_fail)::bigint AS dmarc_fail,
    sum(dkim_pass)::bigint AS dkim_pass,
    sum(spf_pass)::bigint AS spf_pass,
    sum(quarantined)::bigint AS quarantined,
    sum(rejected)::bigint AS rejected
FROM dmarc_daily_domain
GROUP BY day, policy_domain;

COMMENT ON VIEW dmarc_domain_daily_v IS
'Messages per UTC day and policy domain: dmarc_daily_v summed over source IP, header From and reporter, read from a small table kept at ingest. Pass rate per domain in Grafana:
  SELECT day::timestamptz AS time, policy_domain AS metric,
         round(100.0 * sum(dmarc_pass) / nullif(sum(messages), 0), 1) AS pass_pct
  FROM dmarc_domain_daily_v
  WHERE $__timeFilter(day)
  GROUP BY 1, 2 ORDER BY 1';
COMMENT ON COLUMN dmarc_domain_daily_v.day IS 'UTC day.';
COMMENT ON COLUMN dmarc_domain_daily_v.policy_domain IS 'The domain whose policy was evaluated.';
COMMENT ON COLUMN dmarc_domain_daily_v.messages IS 'Messages on this day.';
COMMENT ON COLUMN dmarc_domain_daily_v.dmarc_pass IS 'Messages where aligned DKIM or aligned SPF passed.';
COMMENT ON COLUMN dmarc_domain_daily_v.dmarc_fail IS 'messages - dmarc_pass.';
COMMENT ON COLUMN dmarc_domain_daily_v.dkim_pass IS 'Messages whose aligned DKIM passed.';
COMMENT ON COLUMN dmarc_domain_daily_v.spf_pass IS 'Messages whose aligned SPF passed.';
COMMENT ON COLUMN dmarc_domain_daily_v.quarantined IS 'Messages the receiver quarantined.';
COMMENT ON COLUMN dmarc_domain_daily_v.rejected IS 'Messages the receiver rejected.';

-- JIT compiled the daily view's plans for longer than they ran (2.9 s
-- against 176 ms); mailsift's own queries turn it off per transaction,
-- this does it for Grafana and psql too.  ALTER DATABASE needs the
-- database's owner, which the migrating role is in a normal setup; when
-- it is not, the setting is left to the administrator.
DO $$
BEGIN
	EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
	RAISE NOTICE 'jit left on: not the owner of the database';
END
$$;
