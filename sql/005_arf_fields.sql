-- 005_arf_fields.sql - what the ARF parser reads beyond 004's columns, and
-- which reports are DMARC failure reports.
--
-- Applied by `mailsift db migrate` like every sql/ file (one transaction,
-- no BEGIN/COMMIT here); 004_tls_arf.sql may have been applied, so this
-- adds to it rather than changing it.
--
-- The parser (parse/arf/arf.h) also keeps every field it read, in order
-- and as written, the RFC 6692 Source-Port, the RFC 6591 DKIM-ADSP-DNS and
-- DKIM-Selector-DNS, what kind of part held the returned message, and
-- whether that was cut at a bound.  And besides the RFC 5965 part, it
-- reads reports without one in several layouts, among them Microsoft's
-- complaints (JMRP, format "microsoft", Feedback-Type abuse): "format not
-- arf" no longer means "a failure report".  A DMARC failure report is now
-- what the parser's arf_is_failure_report() says, with text-only reports
-- of no stated type counted in as before:
--   Feedback-Type auth-failure, or no Feedback-Type and either an
--   Auth-Failure field or a layout without a feedback-report part.

ALTER TABLE arf_report
	-- Every field read, in order, as written: [["Feedback-Type",
	-- "auth-failure"], ["Version", "1"], ...].
	ADD COLUMN fields jsonb,
	ADD COLUMN source_port int CHECK (source_port BETWEEN 0 AND 65535),
	ADD COLUMN dkim_adsp_dns text,
	ADD COLUMN dkim_selector_dns text,
	ADD COLUMN orig_part_type text,
	ADD COLUMN orig_fields_dropped int NOT NULL DEFAULT 0,
	ADD COLUMN orig_truncated boolean NOT NULL DEFAULT false,
	ADD COLUMN orig_body_truncated boolean NOT NULL DEFAULT false;

-- The same columns, the new ones at the end; dmarc_failure as above.
CREATE OR REPLACE VIEW arf_report_v AS
SELECT a.id AS arf_pk, a.ingest_id, l.source, a.day, a.received_at,
    (a.feedback_type IS NOT DISTINCT FROM 'auth-failure'
	OR (a.feedback_type IS NULL AND (a.auth_failure IS NOT NULL
	    OR a.format IS DISTINCT FROM 'arf'))) AS dmarc_failure,
    a.format, a.feedback_type, a.reporter, a.from_domain, a.source_ip,
    a.source_ip_raw, a.arrival_date, a.arrival_time, a.reporting_mta,
    a.user_agent, a.version, a.original_envelope_id, a.original_mail_from,
    a.original_rcpt_to, a.incidents, a.authentication_results,
    a.reported_domain, a.reported_uri, a.delivery_result, a.auth_failure,
    a.dkim_domain, a.dkim_identity, a.dkim_selector,
    a.dkim_canonicalized_header, a.dkim_canonicalized_body, a.spf_dns,
    a.spf_domain, a.identity_alignment, a.other_fields, a.fields_dropped,
    a.orig_from, a.orig_to, a.orig_subject, a.orig_message_id, a.orig_date,
    a.orig_date_time, a.orig_authentication_results, a.orig_dkim_domain,
    a.orig_dkim_selector, a.orig_received, a.orig_headers, a.orig_body,
    a.report_from, a.report_subject, a.report_message_id, a.report_date,
    a.sha256, a.fields, a.source_port, a.dkim_adsp_dns, a.dkim_selector_dns,
    a.orig_part_type, a.orig_fields_dropped, a.orig_truncated,
    a.orig_body_truncated
FROM arf_report a
LEFT JOIN ingest_log l ON l.id = a.ingest_id;

COMMENT ON VIEW arf_report_v IS
'One row per ARF report (RFC 5965): complaints (abuse, fraud, virus, not-spam, opt-out, other; also Microsoft''s, which come without a feedback-report part) and DMARC failure reports (auth-failure, RFC 6591/9991, also those without a feedback-report part), every field of the report and the returned message''s headers. Stored once however often it arrived; identity: its content. DMARC failure reports only: WHERE dmarc_failure, or dmarc_failure_v.';
COMMENT ON COLUMN arf_report_v.dmarc_failure IS 'True for a DMARC failure report: Feedback-Type auth-failure, or no Feedback-Type and either an Auth-Failure field or a layout without a feedback-report part (format not arf); false for complaints.';
COMMENT ON COLUMN arf_report_v.format IS 'arf (a feedback-report part), or the layout of a report without one that the parser read: microsoft (a complaint), exim, netease, text.';
COMMENT ON COLUMN arf_report_v.fields IS 'Every field the parser read, in order, as written (values unfolded and trimmed): a JSON array of [name, value] pairs. For a layout without a feedback-report part, the statements of its text under their own labels.';
COMMENT ON COLUMN arf_report_v.source_port IS 'Source-Port (RFC 6692): the port the reported message came from, NULL when not stated.';
COMMENT ON COLUMN arf_report_v.dkim_adsp_dns IS 'DKIM-ADSP-DNS (RFC 6591) as written.';
COMMENT ON COLUMN arf_report_v.dkim_selector_dns IS 'DKIM-Selector-DNS (RFC 6591) as written.';
COMMENT ON COLUMN arf_report_v.orig_part_type IS 'What held the returned message: message/rfc822, message/global, text/rfc822-headers, message/global-headers, or text (quoted in the report''s text); NULL when the report returned none.';
COMMENT ON COLUMN arf_report_v.orig_fields_dropped IS 'Received and Authentication-Results headers of the returned message beyond the parser''s bound (100 each), counted but not stored.';
COMMENT ON COLUMN arf_report_v.orig_truncated IS 'True when the returned message''s header block was longer than the parser''s bound (1 MiB) and cut there.';
COMMENT ON COLUMN arf_report_v.orig_body_truncated IS 'True when the returned message''s body was kept and cut at the parser''s bound (1 MiB).';

CREATE OR REPLACE VIEW dmarc_failure_v AS
SELECT a.id AS arf_pk, a.ingest_id, a.day, a.reporter, a.source_ip,
    a.from_domain, a.auth_failure, a.identity_alignment,
    coalesce(a.dkim_domain, a.orig_dkim_domain) AS dkim_domain,
    coalesce(a.dkim_selector, a.orig_dkim_selector) AS dkim_selector,
    a.spf_domain, a.spf_dns, a.delivery_result, a.orig_subject, a.orig_from,
    a.orig_message_id, a.feedback_type, a.format, a.arrival_time,
    a.received_at, a.incidents, a.reported_domain, a.original_mail_from,
    a.original_rcpt_to, a.dkim_identity, a.authentication_results
FROM arf_report a
WHERE a.feedback_type IS NOT DISTINCT FROM 'auth-failure'
    OR (a.feedback_type IS NULL AND (a.auth_failure IS NOT NULL
	OR a.format IS DISTINCT FROM 'arf'));

COMMENT ON VIEW dmarc_failure_v IS
'One row per DMARC failure report (RFC 6591/9991): Feedback-Type auth-failure, or no Feedback-Type and either an Auth-Failure field or a layout without a feedback-report part (exim, netease, text). Complaints are left out (arf_report_v has them). Failure reports per source IP in Grafana (PostgreSQL data source, time series):
  SELECT day::timestamptz AS time, host(source_ip) AS metric, count(*) AS failure_reports
  FROM dmarc_failure_v
  WHERE $__timeFilter(day)
  GROUP BY 1, 2 ORDER BY 1';
COMMENT ON COLUMN dmarc_failure_v.feedback_type IS 'Feedback-Type: auth-failure, or NULL for a report that states none.';
COMMENT ON COLUMN dmarc_failure_v.format IS 'arf, or the layout of a report without a feedback-report part: exim, netease, text.';
