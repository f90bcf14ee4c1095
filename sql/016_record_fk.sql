-- 016_record_fk.sql - dmarc_record's foreign key to dmarc_report replaced
-- by statement triggers: checked and cascaded a statement at a time.
--
-- Why: a foreign key checks every inserted row with a query of its own
-- (SELECT 1 FROM dmarc_report WHERE id = $1 FOR KEY SHARE), about a third
-- of the server's work per record at ingest (0.36 of 1.16 s of CPU for
-- 124,308 records, measured with perf), more than the daily rollup's own
-- heap rows cost.  mailsift's store writes a report's records in the
-- statement that inserts the report, from its RETURNING row, or later in
-- the same transaction by the id that returned (store/report.c): they
-- cannot point at anything else, so its connections (`SET mailsift.rollup
-- TO 'store'`, as for the rollup triggers of 012) skip the check.  Every
-- other writer's statements are checked whole, in one query.
--
-- Deleting reports deletes their records (a statement trigger, as ON
-- DELETE CASCADE did row by row); TRUNCATE of the reports truncates the
-- records.  Attaching a month partition no longer needs dmarc_report's
-- lock for the foreign key (dmarc_record_partition_ensure still takes it
-- first: it keeps report writers out while rows move).

-- Its name depends on the history (011 made it while the old table still
-- had the plain name): find it.  The partitions' copies go with it.
DO $$
DECLARE
	c text;
BEGIN
	FOR c IN SELECT conname FROM pg_constraint
	    WHERE conrelid = 'dmarc_record'::regclass AND contype = 'f'
	    AND confrelid = 'dmarc_report'::regclass AND conparentid = 0 LOOP
		EXECUTE format('ALTER TABLE dmarc_record DROP CONSTRAINT %I', c);
	END LOOP;
END
$$;

-- The statement's rows whose report does not exist: an error, as the
-- foreign key raised it.  FOR KEY SHARE, as the key check did: a report
-- being deleted meanwhile is waited for and then found missing.
CREATE FUNCTION dmarc_record_report_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
	missing bigint;
BEGIN
	PERFORM 1 FROM dmarc_report r
	    WHERE r.id = ANY (ARRAY(SELECT DISTINCT n.report_id FROM new_rows n))
	    FOR KEY SHARE;
	SELECT n.report_id INTO missing FROM new_rows n
	    WHERE NOT EXISTS (SELECT 1 FROM dmarc_report r
		WHERE r.id = n.report_id)
	    LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'insert or update on table "dmarc_record" violates its report reference'
		    USING ERRCODE = 'foreign_key_violation',
		    DETAIL = format('Key (report_id)=(%s) is not present in table "dmarc_report".', missing);
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER dmarc_record_report_ins AFTER INSERT ON dmarc_record
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    WHEN (current_setting('mailsift.rollup', true) IS DISTINCT FROM 'store')
    EXECUTE FUNCTION dmarc_record_report_check();
CREATE TRIGGER dmarc_record_report_upd AFTER UPDATE ON dmarc_record
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION dmarc_record_report_check();

-- The records of the deleted reports, found by each partition's index on
-- report_id.
CREATE FUNCTION dmarc_report_records_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
	DELETE FROM dmarc_record
	    WHERE report_id = ANY (ARRAY(SELECT o.id FROM old_rows o));
	RETURN NULL;
END
$$;

CREATE TRIGGER dmarc_report_records_del AFTER DELETE ON dmarc_report
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION dmarc_report_records_delete();

CREATE FUNCTION dmarc_report_records_truncate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
	TRUNCATE dmarc_record;
	RETURN NULL;
END
$$;

CREATE TRIGGER dmarc_report_records_trunc AFTER TRUNCATE ON dmarc_report
    FOR EACH STATEMENT
    EXECUTE FUNCTION dmarc_report_records_truncate();

COMMENT ON FUNCTION dmarc_record_report_check() IS
'dmarc_record''s reference to its report, checked per statement (016_record_fk.sql): what the foreign key did per row. mailsift''s store skips it: its records come from the report''s own INSERT.';
COMMENT ON FUNCTION dmarc_report_records_delete() IS
'Deleting reports deletes their records (was ON DELETE CASCADE).';
