-- 004_tls_arf.sql - SMTP TLS reports (RFC 8460) and ARF reports: DMARC
-- failure reports (RFC 6591, RFC 9991) and complaints (RFC 5965).
--
-- Applied by `mailsift db migrate` like every sql/ file (one transaction,
-- no BEGIN/COMMIT here).  store/tls.c and store/arf.c write the tables,
-- one statement per report; `mailsift tls`, `mailsift failures`, the trend
-- and dashboards read the views.
--
-- Values are kept as the parsers leave them (as the reporter wrote them),
-- and where a query needs a comparable form a normalized column stands
-- next to the one as written: an address as inet when it is one (NULL
-- otherwise), a host or domain lower-cased without a trailing dot (and an
-- MX host without the "mx:" prefix some reporters add).  The writer
-- normalizes, so the rules are the same for every row whatever the
-- database's locale.
--
-- Duplicates: each report has an identity enforced by a unique constraint,
-- so INSERT ... ON CONFLICT DO NOTHING stores a report once, also between
-- concurrent ingesters (the second waits for the first's index entry, then
-- skips).  The identity is a hex SHA-256 computed by the writer over
-- length-prefixed fields, so that no two lists of fields hash alike and a
-- long list (10,000 policy domains) never exceeds an index row:
--   - a TLS report: organization-name, report-id, start and end of the
--     date range, and its policy domains (normalized, sorted, each once);
--   - an ARF report: its content, i.e. every field of the feedback-report
--     part and the returned message's identifying headers (Message-ID,
--     From, To, Subject, Date, the whole header block), not the envelope
--     of the report itself (its own From, Subject, Message-ID, Date), so
--     the same report delivered through two paths is stored once.  A report
--     that names neither the original's headers nor an arrival date cannot
--     be told from another: the message's SHA-256 goes into its identity.
--
-- Days are UTC days.  A TLS report's day is the UTC day of the middle of
-- its date range (the day holding most of it: reporters send one report
-- per day, some from local midnight to local midnight).  An ARF report's
-- day is that of its Arrival-Date, else of when it was stored.  Both are
-- stored columns, indexed, so a `since` filter reads only its days.

-- ---- SMTP TLS reports ----

-- One row per TLS report.
CREATE TABLE tls_report (
	id		bigserial PRIMARY KEY,
	-- The log row is written when the message ends, after this one.
	ingest_id	bigint NOT NULL REFERENCES ingest_log (id)
			    DEFERRABLE INITIALLY DEFERRED,
	organization_name text,
	report_id	text,
	contact_info	text,
	date_begin	timestamptz NOT NULL,	-- date-range start-datetime
	date_end	timestamptz NOT NULL,	-- date-range end-datetime
	day		date NOT NULL,		-- UTC day of the range's middle
	fixups		text[],		-- the parser's "field: raw -> value (rule)"
	-- Hex SHA-256 of the identity (see the top of the file).
	identity	text NOT NULL,
	ingested_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT tls_report_identity UNIQUE (identity)
);
CREATE INDEX tls_report_day ON tls_report (day);

-- The report as received, compressed like dmarc_report_raw: gzip and zip
-- payloads as they came, plain JSON gzipped by mailsift.
CREATE TABLE tls_report_raw (
	report_id	bigint PRIMARY KEY REFERENCES tls_report (id)
			    ON DELETE CASCADE,
	container	text,		-- unpack chain: json, gzip, zip, ...
	member		text,		-- zip entry
	part_name	text,		-- MIME file name
	format		text NOT NULL CHECK (format IN ('gzip', 'zip')),
	gz		bytea NOT NULL
);
ALTER TABLE tls_report_raw ALTER COLUMN gz SET STORAGE EXTERNAL;

-- One row per policy of a report (policy_no from 1, in the report's
-- order).  A count the report lacks is NULL; detail_failed_sessions is the
-- sum of the failure details' failed-session-count, kept by the writer so
-- that tls_daily_v need not add them up again.
CREATE TABLE tls_policy (
	report_id	bigint NOT NULL REFERENCES tls_report (id)
			    ON DELETE CASCADE,
	policy_no	int NOT NULL,
	policy_type	text,
	policy_domain	text,		-- normalized
	policy_domain_raw text,		-- as written
	policy_string	text[],
	mx_host		text[],
	total_successful_session_count bigint
			    CHECK (total_successful_session_count >= 0),
	total_failure_session_count bigint
			    CHECK (total_failure_session_count >= 0),
	failure_details	int NOT NULL DEFAULT 0,
	detail_failed_sessions bigint NOT NULL DEFAULT 0
			    CHECK (detail_failed_sessions >= 0),
	PRIMARY KEY (report_id, policy_no)
);

-- One row per failure-details entry of a policy (failure_no from 1).
CREATE TABLE tls_failure (
	report_id	bigint NOT NULL,
	policy_no	int NOT NULL,
	failure_no	int NOT NULL,
	result_type	text,
	sending_mta_ip	inet,		-- NULL when not an address
	sending_mta_ip_raw text,	-- as written
	receiving_mx	text,		-- normalized receiving-mx-hostname
	receiving_mx_hostname text,	-- as written
	receiving_mx_helo text,
	receiving_ip	inet,		-- NULL when not an address
	receiving_ip_raw text,		-- as written
	failed_session_count bigint CHECK (failed_session_count >= 0),
	additional_information text,
	failure_reason_code text,
	PRIMARY KEY (report_id, policy_no, failure_no),
	FOREIGN KEY (report_id, policy_no)
	    REFERENCES tls_policy (report_id, policy_no) ON DELETE CASCADE
);

-- ---- ARF reports: DMARC failure reports and complaints ----

-- One row per feedback report, every field of it under its RFC name, the
-- returned message's headers (orig_*), the report message's own headers
-- (report_*), and three derived columns the views and queries use.
CREATE TABLE arf_report (
	id		bigserial PRIMARY KEY,
	ingest_id	bigint NOT NULL REFERENCES ingest_log (id)
			    DEFERRABLE INITIALLY DEFERRED,
	sha256		text NOT NULL,		-- of the message that brought it
	format		text NOT NULL,		-- arf, or the text layout read
	feedback_type	text,
	user_agent	text,
	version		text,
	original_envelope_id text,
	original_mail_from text,
	original_rcpt_to text[],
	arrival_date	text,			-- as written
	arrival_time	timestamptz,		-- when readable
	reporting_mta	text,
	source_ip	inet,			-- NULL when not an address
	source_ip_raw	text,			-- as the parser read it
	incidents	bigint CHECK (incidents >= 0),
	authentication_results text[],
	reported_domain	text[],
	reported_uri	text[],
	delivery_result	text,
	auth_failure	text,
	dkim_domain	text,
	dkim_identity	text,
	dkim_selector	text,
	dkim_canonicalized_header text,
	dkim_canonicalized_body text,
	spf_dns		text,
	identity_alignment text,
	-- Fields the parser does not know, by lower-cased name, each an
	-- array of its values in order: {"x-foo": ["a", "b"]}.
	other_fields	jsonb,
	fields_dropped	int NOT NULL DEFAULT 0,
	orig_from	text,
	orig_to		text,
	orig_subject	text,
	orig_message_id	text,
	orig_date	text,			-- as written
	orig_date_time	timestamptz,		-- when readable
	orig_authentication_results text[],
	orig_dkim_domain text,
	orig_dkim_selector text,
	orig_received	text[],			-- top first
	orig_headers	text,
	orig_body	text,			-- only when the parser kept it
	report_from	text,
	report_subject	text,
	report_message_id text,
	report_date	timestamptz,
	-- Derived by the writer (store/arf.c):
	reporter	text,	-- Reporting-MTA's name, else the report's From domain
	from_domain	text,	-- the original's From domain, else the first reported domain
	spf_domain	text,	-- the domain of SPF-DNS
	day		date NOT NULL,	-- UTC day of arrival_time, else of received_at
	identity	text NOT NULL,	-- hex SHA-256 (see the top of the file)
	received_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT arf_report_identity UNIQUE (identity)
);
CREATE INDEX arf_report_day ON arf_report (day);
-- `failures --ip` over a long history; the trend's IP filter.
CREATE INDEX arf_report_source_ip ON arf_report USING gist (source_ip inet_ops);

-- ---- views: new columns only ever at the end ----

CREATE VIEW tls_report_v AS
SELECT r.id AS report_pk, p.policy_no, r.ingest_id, l.source,
    r.organization_name, r.report_id, r.contact_info, r.date_begin,
    r.date_end, r.day, p.policy_type, p.policy_domain, p.policy_domain_raw,
    p.policy_string, p.mx_host,
    p.total_successful_session_count AS successful_sessions,
    p.total_failure_session_count AS failed_sessions,
    p.failure_details, p.detail_failed_sessions, r.fixups, r.ingested_at
FROM tls_report r
LEFT JOIN tls_policy p ON p.report_id = r.id
LEFT JOIN ingest_log l ON l.id = r.ingest_id;

COMMENT ON VIEW tls_report_v IS
'One row per SMTP TLS report (RFC 8460) and policy, stored once however often it arrived. Identity: (organization_name, report_id, date_begin, date_end, the set of policy domains). A report without policies has one row with NULL policy columns.';
COMMENT ON COLUMN tls_report_v.report_pk IS 'mailsift''s key of the report; report_pk in tls_failure_v.';
COMMENT ON COLUMN tls_report_v.policy_no IS 'Position of the policy in the report, from 1.';
COMMENT ON COLUMN tls_report_v.ingest_id IS 'Ingest log id of the message that brought the report (ingest_log_v.id).';
COMMENT ON COLUMN tls_report_v.source IS 'Where that message came from (ingest_log_v.source).';
COMMENT ON COLUMN tls_report_v.organization_name IS 'Reporting organisation (organization-name).';
COMMENT ON COLUMN tls_report_v.report_id IS 'The reporter''s id for the report (report-id).';
COMMENT ON COLUMN tls_report_v.contact_info IS 'Reporter contact (contact-info).';
COMMENT ON COLUMN tls_report_v.date_begin IS 'Start of the reporting period (date-range start-datetime).';
COMMENT ON COLUMN tls_report_v.date_end IS 'End of the reporting period (date-range end-datetime).';
COMMENT ON COLUMN tls_report_v.day IS 'UTC day of the middle of the reporting period: the day the report counts on in tls_daily_v.';
COMMENT ON COLUMN tls_report_v.policy_type IS 'tlsa, sts or no-policy-found, as written.';
COMMENT ON COLUMN tls_report_v.policy_domain IS 'The policy domain, lower-cased, without a trailing dot.';
COMMENT ON COLUMN tls_report_v.policy_domain_raw IS 'The policy domain as written.';
COMMENT ON COLUMN tls_report_v.policy_string IS 'The policy the sender applied (policy-string), one element per line or record, as written.';
COMMENT ON COLUMN tls_report_v.mx_host IS 'MX host patterns of the policy (mx-host), as written.';
COMMENT ON COLUMN tls_report_v.successful_sessions IS 'total-successful-session-count, NULL when the report lacks it.';
COMMENT ON COLUMN tls_report_v.failed_sessions IS 'total-failure-session-count, NULL when the report lacks it.';
COMMENT ON COLUMN tls_report_v.failure_details IS 'Number of failure-details entries of the policy (tls_failure_v rows).';
COMMENT ON COLUMN tls_report_v.detail_failed_sessions IS 'Sum of the failure details'' failed-session-count; may differ from failed_sessions in a report that does not add up.';
COMMENT ON COLUMN tls_report_v.fixups IS 'Normalisations the parser applied to report fields, "field: raw -> normalized (rule)".';
COMMENT ON COLUMN tls_report_v.ingested_at IS 'When the report was stored.';

CREATE VIEW tls_failure_v AS
SELECT f.report_id AS report_pk, f.policy_no, f.failure_no,
    r.organization_name, r.report_id, r.date_begin, r.date_end, r.day,
    p.policy_type, p.policy_domain, f.result_type, f.sending_mta_ip,
    f.sending_mta_ip_raw, f.receiving_mx, f.receiving_mx_hostname,
    f.receiving_mx_helo, f.receiving_ip, f.receiving_ip_raw,
    f.failed_session_count, f.additional_information, f.failure_reason_code
FROM tls_failure f
JOIN tls_policy p ON p.report_id = f.report_id AND p.policy_no = f.policy_no
JOIN tls_report r ON r.id = f.report_id;

COMMENT ON VIEW tls_failure_v IS
'One row per failure-details entry of a TLS report policy, with the report''s reporter, period and policy.';
COMMENT ON COLUMN tls_failure_v.report_pk IS 'The report (tls_report_v.report_pk).';
COMMENT ON COLUMN tls_failure_v.policy_no IS 'The policy (tls_report_v.policy_no).';
COMMENT ON COLUMN tls_failure_v.failure_no IS 'Position of the entry in the policy''s failure-details, from 1.';
COMMENT ON COLUMN tls_failure_v.organization_name IS 'Reporting organisation.';
COMMENT ON COLUMN tls_failure_v.report_id IS 'The reporter''s id for the report.';
COMMENT ON COLUMN tls_failure_v.date_begin IS 'Start of the reporting period.';
COMMENT ON COLUMN tls_failure_v.date_end IS 'End of the reporting period.';
COMMENT ON COLUMN tls_failure_v.day IS 'UTC day the report counts on (tls_report_v.day).';
COMMENT ON COLUMN tls_failure_v.policy_type IS 'tlsa, sts or no-policy-found, as written.';
COMMENT ON COLUMN tls_failure_v.policy_domain IS 'The policy domain, lower-cased, without a trailing dot.';
COMMENT ON COLUMN tls_failure_v.result_type IS 'What failed (result-type): starttls-not-supported, certificate-expired, validation-failure, sts-policy-fetch-error, ...';
COMMENT ON COLUMN tls_failure_v.sending_mta_ip IS 'The sending MTA''s address (sending-mta-ip), NULL when the report''s value is not an address.';
COMMENT ON COLUMN tls_failure_v.sending_mta_ip_raw IS 'sending-mta-ip as written.';
COMMENT ON COLUMN tls_failure_v.receiving_mx IS 'The receiving MX (receiving-mx-hostname) lower-cased, without an "mx:" prefix or a trailing dot.';
COMMENT ON COLUMN tls_failure_v.receiving_mx_hostname IS 'receiving-mx-hostname as written.';
COMMENT ON COLUMN tls_failure_v.receiving_mx_helo IS 'receiving-mx-helo as written.';
COMMENT ON COLUMN tls_failure_v.receiving_ip IS 'The receiving MX''s address (receiving-ip), NULL when the report''s value is not an address.';
COMMENT ON COLUMN tls_failure_v.receiving_ip_raw IS 'receiving-ip as written.';
COMMENT ON COLUMN tls_failure_v.failed_session_count IS 'Sessions that failed this way (failed-session-count), NULL when absent.';
COMMENT ON COLUMN tls_failure_v.additional_information IS 'additional-information (usually a URI).';
COMMENT ON COLUMN tls_failure_v.failure_reason_code IS 'failure-reason-code, free text from the reporter.';

-- Sessions per day.  Every policy of a report gives exactly one "totals"
-- row and each of its failure details one "detail" row:
--   - a detail row: its receiving MX, result type and addresses, 0
--     successful sessions, and its failed-session-count as failed sessions;
--   - the totals row: receiving_mx, result_type and the addresses NULL,
--     the policy's total-successful-session-count as successful sessions,
--     and as failed sessions the failures its details do not account for:
--     total-failure-session-count minus the details' sum, never below 0.
-- So a policy's failed sessions add up to its total-failure-session-count
-- (to the details' sum when that is larger: a report that does not add
-- up), each session counts once, and a missing count counts 0.  Then rows
-- are summed per day, policy domain, policy type, reporter, receiving MX,
-- result type and addresses.  Filters on any of these reach the tables
-- (the day's through its index).
CREATE VIEW tls_daily_v AS
SELECT day, policy_domain, policy_type, organization_name, receiving_mx,
    result_type, sending_mta_ip, receiving_ip,
    sum(successful)::bigint AS successful_sessions,
    sum(failed)::bigint AS failed_sessions
FROM (
	SELECT r.day, p.policy_domain, p.policy_type, r.organization_name,
	    NULL::text AS receiving_mx, NULL::text AS result_type,
	    NULL::inet AS sending_mta_ip, NULL::inet AS receiving_ip,
	    coalesce(p.total_successful_session_count, 0) AS successful,
	    greatest(coalesce(p.total_failure_session_count, 0)
		- p.detail_failed_sessions, 0) AS failed
	FROM tls_report r
	JOIN tls_policy p ON p.report_id = r.id
	UNION ALL
	SELECT r.day, p.policy_domain, p.policy_type, r.organization_name,
	    f.receiving_mx, f.result_type, f.sending_mta_ip, f.receiving_ip,
	    0, coalesce(f.failed_session_count, 0)
	FROM tls_report r
	JOIN tls_policy p ON p.report_id = r.id
	JOIN tls_failure f ON f.report_id = p.report_id
	    AND f.policy_no = p.policy_no
) s
GROUP BY day, policy_domain, policy_type, organization_name, receiving_mx,
    result_type, sending_mta_ip, receiving_ip;

COMMENT ON VIEW tls_daily_v IS
'SMTP TLS sessions per UTC day (tls_report_v.day), policy domain, policy type, reporter, receiving MX, result type and addresses. Each policy of a report gives one row of totals (receiving_mx, result_type and the addresses NULL): its total-successful-session-count, and the failed sessions its failure details do not account for (total-failure-session-count minus their sum, at least 0); and each failure detail one row with its failed-session-count. So summed over a policy, successful_sessions is its total-successful-session-count and failed_sessions its total-failure-session-count (or the details'' sum when that is larger), and no session counts twice. Successful sessions are never per MX, result or address: grouped by those, they all fall on the NULL group. Failure rate per policy domain in Grafana (PostgreSQL data source, time series):
  SELECT day::timestamptz AS time, policy_domain AS metric,
         round(100.0 * sum(failed_sessions)
           / nullif(sum(successful_sessions) + sum(failed_sessions), 0), 2) AS failure_pct
  FROM tls_daily_v
  WHERE $__timeFilter(day)
  GROUP BY 1, 2 ORDER BY 1';
COMMENT ON COLUMN tls_daily_v.day IS 'UTC day the reports count on (the middle of their period).';
COMMENT ON COLUMN tls_daily_v.policy_domain IS 'The policy domain, lower-cased, without a trailing dot.';
COMMENT ON COLUMN tls_daily_v.policy_type IS 'tlsa, sts or no-policy-found, as written.';
COMMENT ON COLUMN tls_daily_v.organization_name IS 'Reporting organisation.';
COMMENT ON COLUMN tls_daily_v.receiving_mx IS 'Receiving MX of the failures (normalized receiving-mx-hostname); NULL on the policies'' totals rows.';
COMMENT ON COLUMN tls_daily_v.result_type IS 'result-type of the failures; NULL on the policies'' totals rows (their successes and unexplained failures).';
COMMENT ON COLUMN tls_daily_v.sending_mta_ip IS 'Sending MTA address of the failures; NULL on the totals rows or when not an address.';
COMMENT ON COLUMN tls_daily_v.receiving_ip IS 'Receiving MX address of the failures; NULL on the totals rows or when not an address.';
COMMENT ON COLUMN tls_daily_v.successful_sessions IS 'Successful sessions (total-successful-session-count), on the totals rows only.';
COMMENT ON COLUMN tls_daily_v.failed_sessions IS 'Failed sessions: failed-session-count of the failure details, and on the totals rows the failures the details do not account for.';

CREATE VIEW arf_report_v AS
SELECT a.id AS arf_pk, a.ingest_id, l.source, a.day, a.received_at,
    (a.feedback_type IS NOT DISTINCT FROM 'auth-failure'
	OR a.format IS DISTINCT FROM 'arf') AS dmarc_failure,
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
    a.sha256
FROM arf_report a
LEFT JOIN ingest_log l ON l.id = a.ingest_id;

COMMENT ON VIEW arf_report_v IS
'One row per ARF report (RFC 5965): complaints (abuse, fraud, virus, not-spam, opt-out, other) and DMARC failure reports (auth-failure, RFC 6591/9991, and failure reports without a feedback-report part), every field of the report and the returned message''s headers. Stored once however often it arrived; identity: its content. DMARC failure reports only: WHERE dmarc_failure, or dmarc_failure_v.';
COMMENT ON COLUMN arf_report_v.arf_pk IS 'mailsift''s key of the report; arf_pk in dmarc_failure_v.';
COMMENT ON COLUMN arf_report_v.ingest_id IS 'Ingest log id of the message that brought the report (ingest_log_v.id).';
COMMENT ON COLUMN arf_report_v.source IS 'Where that message came from (ingest_log_v.source).';
COMMENT ON COLUMN arf_report_v.day IS 'UTC day of arrival_time, else of received_at.';
COMMENT ON COLUMN arf_report_v.received_at IS 'When the report was stored.';
COMMENT ON COLUMN arf_report_v.dmarc_failure IS 'True for a DMARC failure report: Feedback-Type auth-failure, or a failure report without a feedback-report part (format not arf); false for complaints.';
COMMENT ON COLUMN arf_report_v.format IS 'arf (a feedback-report part), or the layout of a text-only failure report the parser read: text, netease, ...';
COMMENT ON COLUMN arf_report_v.feedback_type IS 'Feedback-Type, lower-cased: abuse, auth-failure, fraud, not-spam, other, virus, opt-out, ...';
COMMENT ON COLUMN arf_report_v.reporter IS 'Who reported: the Reporting-MTA''s name (without its "dns;" type), else the domain of the report''s From; lower-cased.';
COMMENT ON COLUMN arf_report_v.from_domain IS 'The domain the report is about: that of the returned message''s From, else the first Reported-Domain; lower-cased.';
COMMENT ON COLUMN arf_report_v.source_ip IS 'Source-IP: the address the reported message came from; NULL when not an address.';
COMMENT ON COLUMN arf_report_v.source_ip_raw IS 'Source-IP as the parser read it.';
COMMENT ON COLUMN arf_report_v.arrival_date IS 'Arrival-Date (or Received-Date) as written.';
COMMENT ON COLUMN arf_report_v.arrival_time IS 'Arrival-Date as a time, NULL when absent or unreadable.';
COMMENT ON COLUMN arf_report_v.reporting_mta IS 'Reporting-MTA as written.';
COMMENT ON COLUMN arf_report_v.user_agent IS 'User-Agent of the report.';
COMMENT ON COLUMN arf_report_v.version IS 'Version of the report.';
COMMENT ON COLUMN arf_report_v.original_envelope_id IS 'Original-Envelope-Id.';
COMMENT ON COLUMN arf_report_v.original_mail_from IS 'Original-Mail-From: the reported message''s envelope sender.';
COMMENT ON COLUMN arf_report_v.original_rcpt_to IS 'Original-Rcpt-To values, in order.';
COMMENT ON COLUMN arf_report_v.incidents IS 'Incidents: how many messages the report stands for, NULL when not stated.';
COMMENT ON COLUMN arf_report_v.authentication_results IS 'Authentication-Results fields of the report part, in order.';
COMMENT ON COLUMN arf_report_v.reported_domain IS 'Reported-Domain values, in order.';
COMMENT ON COLUMN arf_report_v.reported_uri IS 'Reported-URI values, in order.';
COMMENT ON COLUMN arf_report_v.delivery_result IS 'Delivery-Result: delivered, spam, policy, reject, other.';
COMMENT ON COLUMN arf_report_v.auth_failure IS 'Auth-Failure (RFC 6591): adsp, bodyhash, revoked, signature, spf, dmarc.';
COMMENT ON COLUMN arf_report_v.dkim_domain IS 'DKIM-Domain of the failed signature.';
COMMENT ON COLUMN arf_report_v.dkim_identity IS 'DKIM-Identity of the failed signature.';
COMMENT ON COLUMN arf_report_v.dkim_selector IS 'DKIM-Selector of the failed signature.';
COMMENT ON COLUMN arf_report_v.dkim_canonicalized_header IS 'DKIM-Canonicalized-Header (base64), as written.';
COMMENT ON COLUMN arf_report_v.dkim_canonicalized_body IS 'DKIM-Canonicalized-Body (base64), as written.';
COMMENT ON COLUMN arf_report_v.spf_dns IS 'SPF-DNS as written: type, domain and the record the receiver saw.';
COMMENT ON COLUMN arf_report_v.spf_domain IS 'The domain of SPF-DNS, lower-cased.';
COMMENT ON COLUMN arf_report_v.identity_alignment IS 'Identity-Alignment (RFC 6591/9991): none, or which of dkim and spf aligned.';
COMMENT ON COLUMN arf_report_v.other_fields IS 'Fields of the report part the parser does not know, by lower-cased name, each an array of its values in order: other_fields->''x-foo''->>0.';
COMMENT ON COLUMN arf_report_v.fields_dropped IS 'Fields beyond the parser''s bound (1000), counted but not stored.';
COMMENT ON COLUMN arf_report_v.orig_from IS 'From of the returned message.';
COMMENT ON COLUMN arf_report_v.orig_to IS 'To of the returned message.';
COMMENT ON COLUMN arf_report_v.orig_subject IS 'Subject of the returned message.';
COMMENT ON COLUMN arf_report_v.orig_message_id IS 'Message-ID of the returned message.';
COMMENT ON COLUMN arf_report_v.orig_date IS 'Date of the returned message as written.';
COMMENT ON COLUMN arf_report_v.orig_date_time IS 'Date of the returned message as a time, NULL when unreadable.';
COMMENT ON COLUMN arf_report_v.orig_authentication_results IS 'Authentication-Results headers of the returned message, in order.';
COMMENT ON COLUMN arf_report_v.orig_dkim_domain IS 'd= of the returned message''s first DKIM-Signature.';
COMMENT ON COLUMN arf_report_v.orig_dkim_selector IS 's= of the returned message''s first DKIM-Signature.';
COMMENT ON COLUMN arf_report_v.orig_received IS 'Received headers of the returned message, top first.';
COMMENT ON COLUMN arf_report_v.orig_headers IS 'The returned message''s whole header block, lines unfolded.';
COMMENT ON COLUMN arf_report_v.orig_body IS 'The returned message''s body, NULL unless the parser was asked to keep it.';
COMMENT ON COLUMN arf_report_v.report_from IS 'From of the report message itself.';
COMMENT ON COLUMN arf_report_v.report_subject IS 'Subject of the report message itself.';
COMMENT ON COLUMN arf_report_v.report_message_id IS 'Message-ID of the report message itself.';
COMMENT ON COLUMN arf_report_v.report_date IS 'Date of the report message itself, NULL when unreadable.';
COMMENT ON COLUMN arf_report_v.sha256 IS 'Hex SHA-256 of the message that brought the report (ingest_log_v.sha256).';

CREATE VIEW dmarc_failure_v AS
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
    OR a.format IS DISTINCT FROM 'arf';

COMMENT ON VIEW dmarc_failure_v IS
'One row per DMARC failure report (RFC 6591/9991): Feedback-Type auth-failure, or a failure report that came without a feedback-report part (format not arf). Complaints are left out (arf_report_v has them). Failure reports per source IP in Grafana (PostgreSQL data source, time series):
  SELECT day::timestamptz AS time, host(source_ip) AS metric, count(*) AS failure_reports
  FROM dmarc_failure_v
  WHERE $__timeFilter(day)
  GROUP BY 1, 2 ORDER BY 1';
COMMENT ON COLUMN dmarc_failure_v.arf_pk IS 'The report (arf_report_v.arf_pk).';
COMMENT ON COLUMN dmarc_failure_v.ingest_id IS 'Ingest log id of the message that brought the report (ingest_log_v.id).';
COMMENT ON COLUMN dmarc_failure_v.day IS 'UTC day of the Arrival-Date, else of when the report was stored.';
COMMENT ON COLUMN dmarc_failure_v.reporter IS 'Who reported: the Reporting-MTA''s name, else the domain of the report''s From; lower-cased.';
COMMENT ON COLUMN dmarc_failure_v.source_ip IS 'The address the failing message came from (Source-IP); NULL when unknown.';
COMMENT ON COLUMN dmarc_failure_v.from_domain IS 'The domain that failed: that of the returned message''s From, else the first Reported-Domain; lower-cased.';
COMMENT ON COLUMN dmarc_failure_v.auth_failure IS 'Auth-Failure: adsp, bodyhash, revoked, signature, spf, dmarc.';
COMMENT ON COLUMN dmarc_failure_v.identity_alignment IS 'Identity-Alignment: none, or which of dkim and spf aligned.';
COMMENT ON COLUMN dmarc_failure_v.dkim_domain IS 'DKIM-Domain of the report, else d= of the returned message''s first DKIM-Signature.';
COMMENT ON COLUMN dmarc_failure_v.dkim_selector IS 'DKIM-Selector of the report, else s= of the returned message''s first DKIM-Signature.';
COMMENT ON COLUMN dmarc_failure_v.spf_domain IS 'The domain SPF checked (from SPF-DNS), lower-cased.';
COMMENT ON COLUMN dmarc_failure_v.spf_dns IS 'SPF-DNS as written.';
COMMENT ON COLUMN dmarc_failure_v.delivery_result IS 'Delivery-Result: delivered, spam, policy, reject, other.';
COMMENT ON COLUMN dmarc_failure_v.orig_subject IS 'Subject of the failing message.';
COMMENT ON COLUMN dmarc_failure_v.orig_from IS 'From of the failing message.';
COMMENT ON COLUMN dmarc_failure_v.orig_message_id IS 'Message-ID of the failing message.';
COMMENT ON COLUMN dmarc_failure_v.feedback_type IS 'Feedback-Type: auth-failure, or NULL for a report without a feedback-report part.';
COMMENT ON COLUMN dmarc_failure_v.format IS 'arf, or the layout of a text-only report: text, netease, ...';
COMMENT ON COLUMN dmarc_failure_v.arrival_time IS 'Arrival-Date as a time, NULL when absent or unreadable.';
COMMENT ON COLUMN dmarc_failure_v.received_at IS 'When the report was stored.';
COMMENT ON COLUMN dmarc_failure_v.incidents IS 'Incidents: how many messages the report stands for, NULL when not stated.';
COMMENT ON COLUMN dmarc_failure_v.reported_domain IS 'Reported-Domain values, in order.';
COMMENT ON COLUMN dmarc_failure_v.original_mail_from IS 'Original-Mail-From: the failing message''s envelope sender.';
COMMENT ON COLUMN dmarc_failure_v.original_rcpt_to IS 'Original-Rcpt-To values, in order.';
COMMENT ON COLUMN dmarc_failure_v.dkim_identity IS 'DKIM-Identity of the failed signature.';
COMMENT ON COLUMN dmarc_failure_v.authentication_results IS 'Authentication-Results fields of the report part, in order.';

-- The trend's join (003_bounce.sql) gains the DMARC failure reports as a
-- third side, on (day, source IP, domain) like the bounces, the domain
-- being the failure's from_domain.  Still UNION ALL + GROUP BY, so a
-- filter on day, source_ip or domain reaches all three sides before they
-- meet: a trend costs the days it asks for, whatever is stored.
CREATE OR REPLACE VIEW dmarc_bounce_daily_v AS
SELECT day, source_ip, domain,
    sum(messages)::bigint AS messages,
    sum(dmarc_pass)::bigint AS dmarc_pass,
    sum(dmarc_fail)::bigint AS dmarc_fail,
    sum(dkim_pass)::bigint AS dkim_pass,
    sum(spf_pass)::bigint AS spf_pass,
    sum(quarantined)::bigint AS quarantined,
    sum(rejected)::bigint AS rejected,
    sum(bounces)::bigint AS bounces,
    sum(auth_bounces)::bigint AS auth_bounces,
    sum(failure_reports)::bigint AS failure_reports
FROM (
	SELECT d.day, d.source_ip, d.policy_domain AS domain, d.messages,
	    d.dmarc_pass, d.dmarc_fail, d.dkim_pass, d.spf_pass,
	    d.quarantined, d.rejected, 0 AS bounces, 0 AS auth_bounces,
	    0 AS failure_reports
	FROM dmarc_daily_v d
	UNION ALL
	SELECT b.day, b.sending_ip, b.sender_domain, 0, 0, 0, 0, 0, 0, 0,
	    1, CASE WHEN b.reason = 'authfailure' THEN 1 ELSE 0 END, 0
	FROM bounce_v b
	WHERE b.bounced
	UNION ALL
	SELECT f.day, f.source_ip, f.from_domain, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 1
	FROM dmarc_failure_v f
) s
GROUP BY day, source_ip, domain;

COMMENT ON COLUMN dmarc_bounce_daily_v.failure_reports IS 'DMARC failure reports (dmarc_failure_v rows) about mail from this IP on this day whose From domain is this domain; 0 when none.';
COMMENT ON COLUMN dmarc_bounce_daily_v.domain IS 'policy_domain of the reports; for bounces the original''s From domain (bounce_v.sender_domain); for failure reports dmarc_failure_v.from_domain. Sum over it for per-IP figures.';
COMMENT ON VIEW dmarc_bounce_daily_v IS
'DMARC results, bounces and DMARC failure reports side by side, per UTC day, source IP and domain: the full outer join of dmarc_daily_v (summed over reporters and header From), the bounced recipients of bounce_v whose sending IP is that source IP, and the failure reports of dmarc_failure_v whose Source-IP it is. A row with messages = 0 had bounces or failure reports but no aggregate report; one with bounces = 0, no bounce. DMARC failures next to authentication bounces and failure reports per IP, in Grafana:
  SELECT day::timestamptz AS time, host(source_ip) AS metric,
         sum(dmarc_fail) AS dmarc_fail, sum(auth_bounces) AS auth_bounces,
         sum(failure_reports) AS failure_reports
  FROM dmarc_bounce_daily_v
  WHERE $__timeFilter(day)
  GROUP BY 1, 2 ORDER BY 1';
