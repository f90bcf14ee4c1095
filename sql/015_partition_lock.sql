-- 015_partition_lock.sql - month partitions made without deadlocks.
--
-- dmarc_record_partition_ensure() (011_partition.sql) was called by the
-- store inside an ingest batch, before a report of a new month.  Its
-- ATTACH PARTITION locks dmarc_report (the foreign key of the partition)
-- in SHARE ROW EXCLUSIVE mode, which waits for every other batch that has
-- written a report; when such a batch then asked for a month of its own
-- it waited on this one's advisory lock: a deadlock, found by the server
-- after deadlock_timeout, and a batch retried (seen in most fresh ingests
-- with --jobs 2 over several months).  Since 015 the store calls it after
-- its COMMIT, holding nothing (store/partition.c), and the function takes
-- the locks ATTACH needs first and in a fixed order, so the rows it moves
-- out of the default partition are all there are.

CREATE OR REPLACE FUNCTION dmarc_record_partition_ensure(day date) RETURNS text
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
	-- Every lock ATTACH needs, first, in one order: dmarc_report (for
	-- the foreign key) waits for the batches that wrote reports to end,
	-- and keeps new ones out until this transaction ends; then no one
	-- holds rows of the default partition uncommitted, and the move
	-- below sees them all (else ATTACH refused a row committed between
	-- the move and its check).
	LOCK TABLE dmarc_report IN SHARE ROW EXCLUSIVE MODE;
	LOCK TABLE dmarc_record_default IN ACCESS EXCLUSIVE MODE;
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
