-- 001_core.sql - tables: the ingest log, the quarantine, DMARC aggregate reports.
--
-- Applied by `mailsift db migrate` (store_migrate) inside one transaction
-- that holds the migration lock, then recorded in schema_migrations.  Never
-- edit a migration that may have been applied: add a new numbered file.  No
-- BEGIN/COMMIT in here.
--
-- Read through the views of 002_views.sql; these tables are mailsift's own
-- and may change shape.  Enumerated words (results, dispositions, policy
-- modes) are stored as the parser leaves them: lower-cased, with the raw
-- value kept in the fixups arrays, and never rejected here, since reporters
-- invent words and losing a report over one is worse than storing it.

-- One row per message looked at, whatever became of it.
CREATE TABLE ingest_log (
	id		bigserial PRIMARY KEY,
	received_at	timestamptz NOT NULL DEFAULT now(),
	source		text,
	message_id	text,
	sha256		text,
	outcome		text NOT NULL CHECK (outcome IN
			    ('stored', 'duplicate', 'not_report', 'quarantined')),
	reason		text,
	reports_stored	int NOT NULL DEFAULT 0,
	reports_duplicate int NOT NULL DEFAULT 0,
	records		bigint NOT NULL DEFAULT 0,
	-- A requeue logs a new row pointing at the quarantined one, and the
	-- quarantined one points forward at it.
	requeued_from	bigint REFERENCES ingest_log (id),
	requeued_by	bigint REFERENCES ingest_log (id)
);
-- Every index costs every message: only the duplicate check (sha256) and
-- time ranges.  Requeue links are followed by id; nothing deletes here.
CREATE INDEX ingest_log_sha256 ON ingest_log (sha256);
CREATE INDEX ingest_log_received_at ON ingest_log (received_at);

-- Messages that could not be stored, byte for byte, for `mailsift requeue`.
CREATE TABLE quarantine (
	ingest_id	bigint PRIMARY KEY REFERENCES ingest_log (id)
			    ON DELETE CASCADE,
	raw		bytea NOT NULL,
	requeued_at	timestamptz
);
CREATE INDEX quarantine_pending ON quarantine (ingest_id)
    WHERE requeued_at IS NULL;

-- One row per aggregate report.  The identity constraint is what makes
-- ingestion idempotent: INSERT ... ON CONFLICT DO NOTHING, also between
-- concurrent ingesters (the second waits on the index entry of the first).
-- NULLS NOT DISTINCT so that a report lacking a part still dedupes.
CREATE TABLE dmarc_report (
	id		bigserial PRIMARY KEY,
	-- The log row is written when the message ends, after its reports.
	ingest_id	bigint NOT NULL REFERENCES ingest_log (id)
			    DEFERRABLE INITIALLY DEFERRED,
	org_name	text,
	email		text,
	extra_contact_info text,
	report_id	text,
	policy_domain	text,
	date_begin	timestamptz NOT NULL,
	date_end	timestamptz NOT NULL,
	version		text,
	generator	text,
	errors		text[],
	p		text,
	sp		text,
	np		text,
	pct		int,
	adkim		text,
	aspf		text,
	fo		text,
	testing		text,
	discovery_method text,
	extensions	text,		-- raw XML of every <extension>
	fixups		text[],		-- "field: raw -> normalized (rule)"
	record_count	bigint NOT NULL DEFAULT 0,
	message_count	bigint NOT NULL DEFAULT 0,
	ingested_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT dmarc_report_identity UNIQUE NULLS NOT DISTINCT
	    (org_name, report_id, policy_domain, date_begin, date_end)
);
-- The `since` filters compare date_end; dashboards filter by domain.
CREATE INDEX dmarc_report_ingest ON dmarc_report (ingest_id);
CREATE INDEX dmarc_report_date_end ON dmarc_report (date_end);
CREATE INDEX dmarc_report_domain ON dmarc_report (policy_domain, date_end);

-- The report as received, compressed: gzip and zip payloads are kept as
-- they came, plain XML is gzipped by mailsift.  format says which.
CREATE TABLE dmarc_report_raw (
	report_id	bigint PRIMARY KEY REFERENCES dmarc_report (id)
			    ON DELETE CASCADE,
	container	text,		-- unpack chain: xml, gzip, zip, ...
	member		text,		-- zip entry
	part_name	text,		-- MIME file name
	format		text NOT NULL CHECK (format IN ('gzip', 'zip')),
	gz		bytea NOT NULL
);
-- Already compressed: do not let TOAST try again.
ALTER TABLE dmarc_report_raw ALTER COLUMN gz SET STORAGE EXTERNAL;

-- What a record lists inside it: its DKIM and SPF results (auth_results)
-- and its policy override reasons (policy_evaluated/reason).  Each result
-- is a value of its own with its own fields, kept in document order in an
-- array column of the record: the views dmarc_dkim_v, dmarc_spf_v and
-- dmarc_reason_v unnest them, one row per result, idx counting from 1.
CREATE TYPE dmarc_dkim_result AS (
	domain		text,
	selector	text,
	result		text,
	human_result	text
);
CREATE TYPE dmarc_spf_result AS (
	domain		text,
	scope		text,
	result		text,
	human_result	text
);
CREATE TYPE dmarc_override_reason AS (
	type		text,
	comment		text
);

-- One row per <record>; rec_no counts from 1 in document order.
--
-- Cost: reports arrive by the thousand a second, and whatever a record row
-- drags along is paid per record.  The lists are arrays in the row rather
-- than tables of their own, because every child row's foreign key check
-- is a query of its own (the check of dmarc_record's own foreign key below
-- is still a fifth of the server's work while ingesting).  An empty list
-- is NULL, never '{}', as for fixups.  No primary key: nothing refers to a
-- record, and rec_no is unique per report because the writer numbers the
-- records (store/report.c); a unique index on (report_id, rec_no) would
-- cost about 1 us more per record than the plain one on report_id, which
-- serves the joins with dmarc_report and the cascade.  No index on
-- source_ip: it cost a fifth more WAL and about 2 us per record (the
-- addresses come in random order), while the trend queries read whole
-- days of records either way; without it `sources --ip` and `reports
-- --ip` take 0.45 s instead of 0.1 s over 1.1 million records.  Create one
-- where looking up single addresses over a long history matters more.
CREATE TABLE dmarc_record (
	report_id	bigint NOT NULL REFERENCES dmarc_report (id)
			    ON DELETE CASCADE,
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
);
CREATE INDEX dmarc_record_report ON dmarc_record (report_id);
