-- roles.sql - least-privilege roles, applied by `mailsift db roles`.
--
-- Not a numbered migration: roles belong to the whole PostgreSQL cluster and
-- creating them needs CREATEROLE, which the schema owner need not have.
-- Run it as a superuser (or a role with CREATEROLE that owns the schema)
-- after `mailsift db migrate`; it is idempotent and re-grants after every
-- upgrade.  Both roles are NOLOGIN groups: grant them to login users,
--   CREATE ROLE postfix_dmarc LOGIN IN ROLE mailsift_ingest;
--   CREATE ROLE grafana LOGIN PASSWORD '...' IN ROLE mailsift_reader;
--
-- mailsift_ingest may insert what ingest writes and read what it must read
-- back (duplicate checks, requeue), nothing else: no DELETE, no DDL, no
-- UPDATE beyond the columns ingest maintains.
-- mailsift_reader may SELECT the documented views and nothing else; in
-- particular not the quarantined raw messages (a mail can hold anything).
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mailsift_ingest') THEN
		CREATE ROLE mailsift_ingest NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mailsift_reader') THEN
		CREATE ROLE mailsift_reader NOLOGIN;
	END IF;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM mailsift_ingest, mailsift_reader;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM mailsift_ingest, mailsift_reader;
GRANT USAGE ON SCHEMA public TO mailsift_ingest, mailsift_reader;

GRANT SELECT ON schema_migrations TO mailsift_ingest, mailsift_reader;
-- The diagnosis (007_diagnosis.sql: source_diagnosis() runs with the
-- caller's rights and reads the DMARC views below and source_v) and the
-- enrichment view it reads (006_enrich.sql).
GRANT SELECT ON source_v, source_diagnosis_v TO mailsift_reader;
GRANT SELECT, INSERT ON ingest_log TO mailsift_ingest;
GRANT UPDATE (requeued_by) ON ingest_log TO mailsift_ingest;
GRANT SELECT, INSERT ON quarantine TO mailsift_ingest;
GRANT UPDATE (requeued_at, attempts, last_attempt) ON quarantine
	TO mailsift_ingest;
GRANT SELECT, INSERT ON dmarc_report TO mailsift_ingest;
GRANT UPDATE (record_count, message_count, extensions, generator, errors, fixups)
	ON dmarc_report TO mailsift_ingest;
GRANT INSERT ON dmarc_report_raw, dmarc_record TO mailsift_ingest;
-- The daily rollups: mailsift's store appends the rows of each report it
-- stores (012_rollup_fast.sql); other writers' reports are rolled up at
-- commit by a trigger that runs as the schema owner.
GRANT INSERT ON dmarc_daily, dmarc_daily_domain TO mailsift_ingest;
-- Bounces: inserted once (ON CONFLICT DO NOTHING reads the identities
-- back), never updated by ingest; `mailsift reclassify` rewrites verdicts
-- and is the schema owner's job.
GRANT SELECT, INSERT ON bounce_message, bounce_recipient TO mailsift_ingest;
-- TLS and ARF reports: inserted once, ON CONFLICT DO NOTHING on their
-- identity, RETURNING the new id (which needs SELECT); their policies,
-- failure details and raw copies are written, never read back.
GRANT SELECT, INSERT ON tls_report, arf_report TO mailsift_ingest;
GRANT INSERT ON tls_report_raw, tls_policy, tls_failure TO mailsift_ingest;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO mailsift_ingest;
-- Enrichment (`mailsift enrich`, `ingest --enrich`) runs as the ingest
-- role: it reads the addresses seen (source_seen_v, a view: not the
-- tables' other columns), and writes what it learns of them.
GRANT SELECT ON source_seen_v TO mailsift_ingest;
GRANT SELECT, INSERT, UPDATE ON source_info, enrich_state TO mailsift_ingest;

GRANT SELECT ON ingest_log_v, dmarc_report_v, dmarc_record_v, dmarc_dkim_v,
	dmarc_spf_v, dmarc_reason_v, dmarc_daily_v, bounce_v, bounce_daily_v,
	dmarc_bounce_daily_v, tls_report_v, tls_failure_v, tls_daily_v,
	arf_report_v, dmarc_failure_v, source_v, source_seen_v,
	dmarc_domain_daily_v, dmarc_daily_records_v
	TO mailsift_reader, mailsift_ingest;
-- The bounce rollup (013_bounce_rollup.sql): the store appends the rows
-- of each batch's bounces; readers read its views.  Only once the
-- database has it: roles may be granted before `db migrate` gets there.
DO $$
BEGIN
	IF to_regclass('bounce_daily') IS NOT NULL THEN
		GRANT INSERT ON bounce_daily TO mailsift_ingest;
		GRANT SELECT ON bounce_sender_daily_v, bounce_daily_records_v
			TO mailsift_reader, mailsift_ingest;
	END IF;
END
$$;
-- `mailsift check` (009_check.sql) replaces a domain's stored findings
-- at each run: the one DELETE the ingest role has, on rows that hold
-- check's own verdicts, never anything that came by mail.
GRANT SELECT, INSERT, UPDATE, DELETE ON check_run, check_finding
	TO mailsift_ingest;
GRANT SELECT ON check_run_v, check_finding_v TO mailsift_reader,
	mailsift_ingest;
