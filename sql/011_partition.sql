-- 011_partition.sql - dmarc_record partitioned by month of the report's
-- begin date, so that `mailsift db prune` drops whole months at once.
--
-- Applied by `mailsift db migrate` like every sql/ file (one transaction,
-- no BEGIN/COMMIT here).
--
-- Why: pruning a year-old month was a DELETE of its records, as slow as
-- ingesting them and as much WAL; dropping a partition takes a moment
-- whatever its size.
--
-- What: dmarc_record gains begin_day, the UTC day its report began, set by
-- the writer (store/report.c: a BEFORE trigger cannot change which
-- partition a row goes to) and part of the partition key.  One partition
-- per month, dmarc_record_YYYY_MM, made on demand by
-- dmarc_record_partition_ensure(), which the store calls before the first
-- report of a month in each transaction; a DEFAULT partition takes
-- whatever has no month of its own: months outside [now - 20 years,
-- now + 1 year] (a hostile report dated 1970 or 2100 must not make a
-- partition per month it names), and a month whose partition was made in
-- a part of a transaction rolled back after.  The ensure function moves
-- such rows out of the default when it makes their month.
--
-- Still no primary key (001_core.sql says why): nothing refers to a record.
-- The foreign key to dmarc_report stays, cloned onto every partition.
--
-- The conversion: the views reading dmarc_record are kept (definitions,
-- options, comments, grants) and made again over the new table; the rows
-- move by one INSERT ... SELECT; the old table is dropped.

-- The views over dmarc_record, any depth, with everything to make them
-- again exactly.
CREATE TEMP TABLE m011_view ON COMMIT DROP AS
WITH RECURSIVE dep(oid, lvl) AS (
	SELECT 'dmarc_record'::regclass::oid, 0
	UNION
	SELECT r.ev_class, d.lvl + 1
	FROM dep d
	JOIN pg_depend pd ON pd.refobjid = d.oid
	    AND pd.classid = 'pg_rewrite'::regclass
	JOIN pg_rewrite r ON r.oid = pd.objid
	WHERE r.ev_class <> d.oid
)
SELECT c.oid, c.oid::regclass::text AS name, max(d.lvl) AS lvl,
    pg_get_viewdef(c.oid) AS def, c.reloptions, c.relacl,
    obj_description(c.oid, 'pg_class') AS comment,
    (SELECT array_agg(ARRAY[a.attname::text, col_description(c.oid, a.attnum)])
	FROM pg_attribute a
	WHERE a.attrelid = c.oid AND a.attnum > 0
	AND col_description(c.oid, a.attnum) IS NOT NULL) AS col_comments
FROM dep d
JOIN pg_class c ON c.oid = d.oid
WHERE c.relkind = 'v'
GROUP BY c.oid;

-- Privileges of a relation as GRANT statements (PUBLIC is grantee 0).
CREATE FUNCTION pg_temp.m011_grants(rel text, acl aclitem[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	g record;
BEGIN
	FOR g IN SELECT a.privilege_type, a.grantee, a.is_grantable
	    FROM aclexplode(acl) a WHERE a.grantee <> a.grantor LOOP
		EXECUTE format('GRANT %s ON %s TO %s%s', g.privilege_type, rel,
		    CASE WHEN g.grantee = 0 THEN 'PUBLIC'
		    ELSE quote_ident(pg_get_userbyid(g.grantee)) END,
		    CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION'
		    ELSE '' END);
	END LOOP;
END
$$;

CREATE TEMP TABLE m011_table_acl ON COMMIT DROP AS
SELECT relacl FROM pg_class WHERE oid = 'dmarc_record'::regclass;

DO $$
DECLARE
	v record;
BEGIN
	FOR v IN SELECT name FROM m011_view ORDER BY lvl DESC, oid DESC LOOP
		EXECUTE format('DROP VIEW %s', v.name);
	END LOOP;
END
$$;

ALTER TABLE dmarc_record RENAME TO dmarc_record_old;
ALTER INDEX dmarc_record_report RENAME TO dmarc_record_old_report;

-- As in 001_core.sql, plus begin_day.
CREATE TABLE dmarc_record (
	report_id	bigint NOT NULL REFERENCES dmarc_report (id)
			    ON DELETE CASCADE,
	begin_day	date NOT NULL,
	rec_no		int NOT NULL,
	source_ip	inet,
	count		bigint NOT NULL CHECK (count >= 0),
	disposition	text,
	policy_dkim	text,
	policy_spf	text,
	header_from	text,
	envelope_from	text,
	envelope_to	text,
	fixups		text[],
	reasons		dmarc_override_reason[],
	dkim		dmarc_dkim_result[],
	spf		dmarc_spf_result[]
) PARTITION BY RANGE (begin_day);

CREATE TABLE dmarc_record_default PARTITION OF dmarc_record DEFAULT;

COMMENT ON TABLE dmarc_record IS
'One row per <record> of an aggregate report; partitioned by month of begin_day (dmarc_record_YYYY_MM, made at ingest by dmarc_record_partition_ensure; dmarc_record_default for the rest). `mailsift db prune` drops whole months.';
COMMENT ON COLUMN dmarc_record.begin_day IS
'The UTC day its report began (dmarc_report.date_begin): the partition key, set by the writer.';

-- The month of day its own partition, unless it is outside [now - 20
-- years, now + 1 year]: then its rows stay in the default partition, and
-- so does everything when day is NULL.  Returns the partition, or NULL for
-- the default.  Cheap when the partition exists (one catalog lookup); else
-- it takes an advisory lock for the transaction, so that concurrent
-- ingests make one partition, and makes it as a table of its own that is
-- then attached: ATTACH takes a SHARE UPDATE EXCLUSIVE lock on
-- dmarc_record, which lets the other ingests go on inserting (CREATE TABLE
-- ... PARTITION OF would take an ACCESS EXCLUSIVE one and wait for their
-- batches, or deadlock with them).  Rows of that month already in the
-- default partition move over first, or ATTACH would refuse.
--
-- SECURITY DEFINER: the ingest role cannot create tables.  Anyone may call
-- it; all it can do is make the partition of a month near now.
CREATE FUNCTION dmarc_record_partition_ensure(day date) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
	m date := date_trunc('month', day)::date;
	part text := 'dmarc_record_' || to_char(m, 'YYYY_MM');
	has_part constant text := 'SELECT EXISTS (SELECT 1 FROM pg_inherits i'
	    ' JOIN pg_class c ON c.oid = i.inhrelid'
	    ' WHERE i.inhparent = ''dmarc_record''::regclass'
	    ' AND c.relname = $1)';
	found_it boolean;
BEGIN
	IF m IS NULL
	    OR m < date_trunc('month', now() - interval '20 years')
	    OR m > date_trunc('month', now() + interval '1 year') THEN
		RETURN NULL;
	END IF;
	EXECUTE has_part INTO found_it USING part;
	IF found_it THEN
		RETURN part;
	END IF;
	-- One key for all months: a new month is rare.
	PERFORM pg_advisory_xact_lock(hashtext('mailsift.dmarc_record_partition'));
	-- A new snapshot: another ingest may have made it meanwhile.
	EXECUTE has_part INTO found_it USING part;
	IF found_it THEN
		RETURN part;
	END IF;
	EXECUTE format('CREATE TABLE %I (LIKE dmarc_record INCLUDING DEFAULTS'
	    ' INCLUDING CONSTRAINTS)', part);
	-- The constraint lets ATTACH skip checking the rows.
	EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (begin_day'
	    ' >= %L AND begin_day < %L)', part, part || '_month', m,
	    (m + interval '1 month')::date);
	EXECUTE format('WITH moved AS (DELETE FROM dmarc_record_default'
	    ' WHERE begin_day >= %L AND begin_day < %L RETURNING *)'
	    ' INSERT INTO %I SELECT * FROM moved', m,
	    (m + interval '1 month')::date, part);
	EXECUTE format('ALTER TABLE dmarc_record ATTACH PARTITION %I'
	    ' FOR VALUES FROM (%L) TO (%L)', part, m,
	    (m + interval '1 month')::date);
	EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part,
	    part || '_month');
	RETURN part;
END
$$;

COMMENT ON FUNCTION dmarc_record_partition_ensure(date) IS
'Make the month partition of dmarc_record for day unless it exists or the month is outside [now - 20 years, now + 1 year] (then: NULL, the default partition). Safe to call concurrently.';

-- The months that hold data.
SELECT dmarc_record_partition_ensure(m)
FROM (SELECT DISTINCT date_trunc('month', date_begin AT TIME ZONE 'UTC')::date
    AS m FROM dmarc_report) d
ORDER BY m;

INSERT INTO dmarc_record (report_id, begin_day, rec_no, source_ip, count,
    disposition, policy_dkim, policy_spf, header_from, envelope_from,
    envelope_to, fixups, reasons, dkim, spf)
SELECT c.report_id, (r.date_begin AT TIME ZONE 'UTC')::date, c.rec_no,
    c.source_ip, c.count, c.disposition, c.policy_dkim, c.policy_spf,
    c.header_from, c.envelope_from, c.envelope_to, c.fixups, c.reasons,
    c.dkim, c.spf
FROM dmarc_record_old c
JOIN dmarc_report r ON r.id = c.report_id;

DROP TABLE dmarc_record_old;

-- After the rows: one index build per partition instead of updates.
CREATE INDEX dmarc_record_report ON dmarc_record (report_id);

DO $$
DECLARE
	v record;
	cc text[];
BEGIN
	FOR v IN SELECT * FROM m011_view ORDER BY lvl, oid LOOP
		EXECUTE format('CREATE VIEW %s%s AS %s', v.name,
		    CASE WHEN v.reloptions IS NULL THEN ''
		    ELSE ' WITH (' || array_to_string(v.reloptions, ', ') || ')'
		    END, v.def);
		IF v.comment IS NOT NULL THEN
			EXECUTE format('COMMENT ON VIEW %s IS %L', v.name,
			    v.comment);
		END IF;
		IF v.col_comments IS NOT NULL THEN
			FOREACH cc SLICE 1 IN ARRAY v.col_comments LOOP
				EXECUTE format('COMMENT ON COLUMN %s.%I IS %L',
				    v.name, cc[1], cc[2]);
			END LOOP;
		END IF;
		PERFORM pg_temp.m011_grants(v.name, v.relacl);
	END LOOP;
	PERFORM pg_temp.m011_grants('dmarc_record',
	    (SELECT relacl FROM m011_table_acl));
END
$$;

-- `mailsift db prune`: the DMARC aggregate reports that began before the
-- start of the UTC month of cutoff, whole months only (a cutoff inside a
-- month keeps that month, and says so).  Their month partitions of
-- dmarc_record are detached and dropped, which takes a moment whatever
-- their size; then the reports are deleted, which takes their raw copies
-- and whatever records the default partition held for them (ON DELETE
-- CASCADE); then, unless keep_rollups, the rollup rows of those days
-- (a DELETE by day range: see the README, "Scale and retention").  One
-- transaction: ingest waits for it (DETACH locks dmarc_record).  Returns
-- what it did, a line each, the last one the number of reports.
CREATE FUNCTION dmarc_prune(cutoff timestamptz, keep_rollups boolean)
RETURNS SETOF text
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
	m date := date_trunc('month', cutoff AT TIME ZONE 'UTC')::date;
	before timestamptz := m::timestamp AT TIME ZONE 'UTC';
	p record;
	n bigint;
BEGIN
	IF before <> cutoff THEN
		RETURN NEXT format('cutoff %s is inside a month: pruning whole '
		    'months only, before %s', to_char(cutoff AT TIME ZONE 'UTC',
		    'YYYY-MM-DD HH24:MI:SS'), m);
	END IF;
	LOCK TABLE dmarc_record IN ACCESS EXCLUSIVE MODE;
	FOR p IN SELECT c.relname,
	    pg_total_relation_size(c.oid) AS bytes
	    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
	    WHERE i.inhparent = 'dmarc_record'::regclass
	    AND c.relname ~ '^dmarc_record_[0-9]{4}_[0-9]{2}$'
	    AND to_date(substr(c.relname, 14), 'YYYY_MM') < m
	    ORDER BY c.relname LOOP
		EXECUTE format('ALTER TABLE dmarc_record DETACH PARTITION %I',
		    p.relname);
		EXECUTE format('DROP TABLE %I', p.relname);
		RETURN NEXT format('dropped partition %s (%s)', p.relname,
		    pg_size_pretty(p.bytes));
	END LOOP;
	DELETE FROM dmarc_report WHERE date_begin < before;
	GET DIAGNOSTICS n = ROW_COUNT;
	IF NOT keep_rollups THEN
		DELETE FROM dmarc_daily WHERE day < m;
		DELETE FROM dmarc_daily_domain WHERE day < m;
		RETURN NEXT format('rollup rows of the days before %s deleted',
		    m);
	ELSE
		RETURN NEXT format('rollup rows of the days before %s kept', m);
	END IF;
	RETURN NEXT n::text;
END
$$;

COMMENT ON FUNCTION dmarc_prune(timestamptz, boolean) IS
'mailsift db prune: drop the month partitions of dmarc_record before the month of cutoff, delete those reports (raw copies and default-partition records cascade) and, unless keep_rollups, the rollup rows of those days. Returns a line per step, the last the number of reports.';

-- Maintenance, for the schema owner only (it drops tables).
REVOKE EXECUTE ON FUNCTION dmarc_prune(timestamptz, boolean) FROM PUBLIC;
