-- 002_views.sql - the stable read interface: what dashboards and reports use.
--
-- Grafana, psql users and mailsift's own queries read these views, never the
-- tables, so the tables may change while the views keep their columns
-- (new columns are only ever added at the end).  All times are timestamptz;
-- days are UTC days.  Applied by store_migrate like every sql/ file; no
-- BEGIN/COMMIT in here.

CREATE VIEW ingest_log_v AS
SELECT l.id, l.received_at, l.source, l.message_id, l.sha256, l.outcome,
    l.reason, l.reports_stored, l.reports_duplicate, l.records,
    l.requeued_from, l.requeued_by
FROM ingest_log l;

COMMENT ON VIEW ingest_log_v IS
'One row per message mailsift looked at and what became of it. The raw bytes of quarantined messages are not exposed here.';
COMMENT ON COLUMN ingest_log_v.id IS 'Ingest log id; dmarc_report_v.ingest_id points here.';
COMMENT ON COLUMN ingest_log_v.received_at IS 'When the transaction that stored the message began.';
COMMENT ON COLUMN ingest_log_v.source IS 'Where the message came from: stdin, maildir:PATH, mbox:PATH#N, file:PATH.';
COMMENT ON COLUMN ingest_log_v.message_id IS 'Message-ID header, when present.';
COMMENT ON COLUMN ingest_log_v.sha256 IS 'Hex SHA-256 of the message as received; used to skip messages seen before.';
COMMENT ON COLUMN ingest_log_v.outcome IS 'stored (at least one new report), duplicate (only reports already stored), not_report, or quarantined (kept for requeue).';
COMMENT ON COLUMN ingest_log_v.reason IS 'Why, for anything but stored: the duplicate, what was not a report, the error.';
COMMENT ON COLUMN ingest_log_v.reports_stored IS 'Reports from this message that were new.';
COMMENT ON COLUMN ingest_log_v.reports_duplicate IS 'Reports from this message that were already stored.';
COMMENT ON COLUMN ingest_log_v.records IS 'Records stored from this message.';
COMMENT ON COLUMN ingest_log_v.requeued_from IS 'For a requeue: the ingest log id of the quarantined attempt this retried.';
COMMENT ON COLUMN ingest_log_v.requeued_by IS 'For a quarantined message: the ingest log id of the requeue attempt that took it over.';

CREATE VIEW dmarc_report_v AS
SELECT r.id AS report_pk, r.ingest_id, l.source, r.org_name, r.email,
    r.report_id, r.policy_domain, r.date_begin, r.date_end, r.p, r.sp, r.np,
    r.pct, r.adkim, r.aspf, r.fo, r.testing, r.discovery_method, r.errors,
    r.generator, r.version, r.record_count AS records,
    r.message_count AS messages, r.ingested_at, r.extra_contact_info,
    r.fixups, r.extensions
FROM dmarc_report r
LEFT JOIN ingest_log l ON l.id = r.ingest_id;

COMMENT ON VIEW dmarc_report_v IS
'One row per DMARC aggregate report, stored once however often it arrived. Identity: (org_name, report_id, policy_domain, date_begin, date_end).';
COMMENT ON COLUMN dmarc_report_v.report_pk IS 'mailsift''s key of the report; report_pk in the record views.';
COMMENT ON COLUMN dmarc_report_v.ingest_id IS 'Ingest log id of the message that brought the report (ingest_log_v.id).';
COMMENT ON COLUMN dmarc_report_v.source IS 'Where that message came from (ingest_log_v.source).';
COMMENT ON COLUMN dmarc_report_v.org_name IS 'Reporting organisation (report_metadata/org_name).';
COMMENT ON COLUMN dmarc_report_v.email IS 'Reporter contact address (report_metadata/email).';
COMMENT ON COLUMN dmarc_report_v.report_id IS 'The reporter''s id for the report (report_metadata/report_id).';
COMMENT ON COLUMN dmarc_report_v.policy_domain IS 'The domain whose policy was evaluated (policy_published/domain).';
COMMENT ON COLUMN dmarc_report_v.date_begin IS 'Start of the reporting period.';
COMMENT ON COLUMN dmarc_report_v.date_end IS 'End of the reporting period.';
COMMENT ON COLUMN dmarc_report_v.p IS 'Published policy: none, quarantine or reject.';
COMMENT ON COLUMN dmarc_report_v.sp IS 'Published subdomain policy.';
COMMENT ON COLUMN dmarc_report_v.np IS 'Published policy for non-existent subdomains (DMARCbis).';
COMMENT ON COLUMN dmarc_report_v.pct IS 'Published pct, NULL when absent.';
COMMENT ON COLUMN dmarc_report_v.adkim IS 'DKIM alignment mode: r or s.';
COMMENT ON COLUMN dmarc_report_v.aspf IS 'SPF alignment mode: r or s.';
COMMENT ON COLUMN dmarc_report_v.fo IS 'Failure reporting options.';
COMMENT ON COLUMN dmarc_report_v.testing IS 'DMARCbis t= flag as reported.';
COMMENT ON COLUMN dmarc_report_v.discovery_method IS 'DMARCbis policy discovery method (psl or treewalk).';
COMMENT ON COLUMN dmarc_report_v.errors IS 'report_metadata/error texts, NULL when none.';
COMMENT ON COLUMN dmarc_report_v.generator IS 'Software that wrote the report, when stated.';
COMMENT ON COLUMN dmarc_report_v.version IS 'Report format version, when stated.';
COMMENT ON COLUMN dmarc_report_v.records IS 'Number of records stored for the report.';
COMMENT ON COLUMN dmarc_report_v.messages IS 'Sum of the record counts: messages the report covers.';
COMMENT ON COLUMN dmarc_report_v.ingested_at IS 'When the report was stored.';
COMMENT ON COLUMN dmarc_report_v.extra_contact_info IS 'report_metadata/extra_contact_info.';
COMMENT ON COLUMN dmarc_report_v.fixups IS 'Normalisations the parser applied to report fields, "field: raw -> normalized (rule)".';
COMMENT ON COLUMN dmarc_report_v.extensions IS 'Raw XML of the report''s <extension> elements, NULL when none.';

CREATE VIEW dmarc_record_v AS
SELECT c.report_id AS report_pk, c.rec_no, r.org_name, r.report_id,
    r.policy_domain, r.date_begin, r.date_end, c.source_ip, c.count,
    c.disposition, c.policy_dkim, c.policy_spf,
    (c.policy_dkim IS NOT DISTINCT FROM 'pass'
	OR c.policy_spf IS NOT DISTINCT FROM 'pass') AS dmarc_pass,
    c.header_from, c.envelope_from, c.envelope_to, c.fixups
FROM dmarc_record c
JOIN dmarc_report r ON r.id = c.report_id;

COMMENT ON VIEW dmarc_record_v IS
'One row per report record: a source IP and identifiers with the DMARC evaluation the reporter applied to count messages. Times are those of the whole report; see dmarc_daily_v for per-day figures.';
COMMENT ON COLUMN dmarc_record_v.report_pk IS 'The report (dmarc_report_v.report_pk).';
COMMENT ON COLUMN dmarc_record_v.rec_no IS 'Position of the record in the report, from 1.';
COMMENT ON COLUMN dmarc_record_v.org_name IS 'Reporting organisation.';
COMMENT ON COLUMN dmarc_record_v.report_id IS 'The reporter''s id for the report.';
COMMENT ON COLUMN dmarc_record_v.policy_domain IS 'The domain whose policy was evaluated.';
COMMENT ON COLUMN dmarc_record_v.date_begin IS 'Start of the report period.';
COMMENT ON COLUMN dmarc_record_v.date_end IS 'End of the report period.';
COMMENT ON COLUMN dmarc_record_v.source_ip IS 'Sending IP address, NULL when missing or invalid in the report.';
COMMENT ON COLUMN dmarc_record_v.count IS 'Messages this record covers.';
COMMENT ON COLUMN dmarc_record_v.disposition IS 'Policy applied: none, quarantine or reject.';
COMMENT ON COLUMN dmarc_record_v.policy_dkim IS 'DMARC-aligned DKIM result: pass or fail.';
COMMENT ON COLUMN dmarc_record_v.policy_spf IS 'DMARC-aligned SPF result: pass or fail.';
COMMENT ON COLUMN dmarc_record_v.dmarc_pass IS 'True when aligned DKIM or aligned SPF passed; never NULL.';
COMMENT ON COLUMN dmarc_record_v.header_from IS 'RFC5322.From domain.';
COMMENT ON COLUMN dmarc_record_v.envelope_from IS 'RFC5321.MailFrom domain, when reported.';
COMMENT ON COLUMN dmarc_record_v.envelope_to IS 'RFC5321.RcptTo domain, when reported.';
COMMENT ON COLUMN dmarc_record_v.fixups IS 'Normalisations the parser applied to this record, "field: raw -> normalized (rule)".';

-- The lists of a record are arrays in dmarc_record (001_core.sql); these
-- views give each element a row, as the tables they replace did.  A filter
-- on report_pk reaches the scan of dmarc_record.
CREATE VIEW dmarc_dkim_v AS
SELECT c.report_id AS report_pk, c.rec_no, d.idx::int AS idx, d.domain,
    d.selector, d.result, d.human_result
FROM dmarc_record c
CROSS JOIN LATERAL unnest(c.dkim) WITH ORDINALITY
    AS d(domain, selector, result, human_result, idx);

COMMENT ON VIEW dmarc_dkim_v IS
'DKIM signatures checked for a record (auth_results/dkim), unaligned raw results: one row per result, in the order of the report. Stored as the array dmarc_record.dkim of dmarc_dkim_result values.';
COMMENT ON COLUMN dmarc_dkim_v.report_pk IS 'The report (dmarc_report_v.report_pk).';
COMMENT ON COLUMN dmarc_dkim_v.rec_no IS 'The record (dmarc_record_v.rec_no).';
COMMENT ON COLUMN dmarc_dkim_v.idx IS 'Position within the record, from 1.';
COMMENT ON COLUMN dmarc_dkim_v.domain IS 'Signing domain (d=).';
COMMENT ON COLUMN dmarc_dkim_v.selector IS 'Selector (s=), when reported.';
COMMENT ON COLUMN dmarc_dkim_v.result IS 'none, pass, fail, policy, neutral, temperror or permerror.';
COMMENT ON COLUMN dmarc_dkim_v.human_result IS 'Free text from the reporter.';

CREATE VIEW dmarc_spf_v AS
SELECT c.report_id AS report_pk, c.rec_no, s.idx::int AS idx, s.domain,
    s.scope, s.result, s.human_result
FROM dmarc_record c
CROSS JOIN LATERAL unnest(c.spf) WITH ORDINALITY
    AS s(domain, scope, result, human_result, idx);

COMMENT ON VIEW dmarc_spf_v IS
'SPF checks for a record (auth_results/spf), unaligned raw results: one row per result, in the order of the report. Stored as the array dmarc_record.spf of dmarc_spf_result values.';
COMMENT ON COLUMN dmarc_spf_v.report_pk IS 'The report (dmarc_report_v.report_pk).';
COMMENT ON COLUMN dmarc_spf_v.rec_no IS 'The record (dmarc_record_v.rec_no).';
COMMENT ON COLUMN dmarc_spf_v.idx IS 'Position within the record, from 1.';
COMMENT ON COLUMN dmarc_spf_v.domain IS 'Domain checked.';
COMMENT ON COLUMN dmarc_spf_v.scope IS 'helo or mfrom, when reported.';
COMMENT ON COLUMN dmarc_spf_v.result IS 'none, neutral, pass, fail, softfail, temperror or permerror.';
COMMENT ON COLUMN dmarc_spf_v.human_result IS 'Free text from the reporter.';

CREATE VIEW dmarc_reason_v AS
SELECT c.report_id AS report_pk, c.rec_no, e.idx::int AS idx, e.type,
    e.comment
FROM dmarc_record c
CROSS JOIN LATERAL unnest(c.reasons) WITH ORDINALITY
    AS e(type, comment, idx);

COMMENT ON VIEW dmarc_reason_v IS
'Policy override reasons of a record (policy_evaluated/reason): one row per reason, in the order of the report. Stored as the array dmarc_record.reasons of dmarc_override_reason values.';
COMMENT ON COLUMN dmarc_reason_v.report_pk IS 'The report (dmarc_report_v.report_pk).';
COMMENT ON COLUMN dmarc_reason_v.rec_no IS 'The record (dmarc_record_v.rec_no).';
COMMENT ON COLUMN dmarc_reason_v.idx IS 'Position within the record, from 1.';
COMMENT ON COLUMN dmarc_reason_v.type IS 'forwarded, sampled_out, trusted_forwarder, mailing_list, local_policy or other.';
COMMENT ON COLUMN dmarc_reason_v.comment IS 'Free text from the reporter.';

-- Reports cover a period, usually one UTC day.  One covering several days is
-- spread over them in proportion to the seconds of [date_begin, date_end)
-- falling on each day, by cumulative floors:
--	share(day) = floor(count * cum_end / total) - floor(count * cum_start / total)
-- where cum_start and cum_end are the seconds from date_begin to the start
-- and end of the day's part.  The shares are integers that sum to count
-- exactly (the sum telescopes to floor(count * total / total)).  A report
-- of 00:00:00 to 23:59:59 (or to the next 00:00:00) falls on its day only;
-- one whose end is not after its begin, or that claims to span more than
-- 400 days (a broken report must not make every dashboard query generate
-- thousands of days), falls on the day of its begin.  Shares of 0 are left
-- out.
--
-- Cost: the planner flattens the view into the caller's query and would
-- evaluate the spreading expressions once per record and per aggregate.
-- So reports within one day (nearly all) take a branch that just copies
-- count, and only the others pay for the arithmetic (bigint unless
-- count * total could overflow it).  Filters on policy_domain, org_name
-- and day reach both branches.
CREATE VIEW dmarc_daily_v AS
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
	    ELSE (floor(c.count::numeric * p.cum_end / p.total)
		- floor(c.count::numeric * p.cum_start / p.total))::bigint
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

COMMENT ON VIEW dmarc_daily_v IS
'Messages per UTC day, policy domain, source IP, header From domain and reporter, with DMARC, DKIM and SPF pass counts and dispositions. A report spanning several days is spread over them in proportion to its time on each day, in whole messages that add up to the reported counts (cumulative floors); the stored records are not changed. Pass/fail per source IP in Grafana (PostgreSQL data source, time series):
  SELECT day::timestamptz AS time, host(source_ip) AS metric,
         sum(dmarc_fail) AS dmarc_fail
  FROM dmarc_daily_v
  WHERE $__timeFilter(day) AND policy_domain = ''example.com''
  GROUP BY 1, 2 ORDER BY 1
(sum(dmarc_pass) likewise; pass rate: round(100.0 * sum(dmarc_pass) / nullif(sum(messages), 0), 1)).';
COMMENT ON COLUMN dmarc_daily_v.day IS 'UTC day.';
COMMENT ON COLUMN dmarc_daily_v.policy_domain IS 'The domain whose policy was evaluated.';
COMMENT ON COLUMN dmarc_daily_v.source_ip IS 'Sending IP address (NULL when the report had none).';
COMMENT ON COLUMN dmarc_daily_v.header_from IS 'RFC5322.From domain.';
COMMENT ON COLUMN dmarc_daily_v.org_name IS 'Reporting organisation.';
COMMENT ON COLUMN dmarc_daily_v.messages IS 'Messages on this day.';
COMMENT ON COLUMN dmarc_daily_v.dmarc_pass IS 'Messages where aligned DKIM or aligned SPF passed.';
COMMENT ON COLUMN dmarc_daily_v.dmarc_fail IS 'messages - dmarc_pass.';
COMMENT ON COLUMN dmarc_daily_v.dkim_pass IS 'Messages whose aligned DKIM passed.';
COMMENT ON COLUMN dmarc_daily_v.spf_pass IS 'Messages whose aligned SPF passed.';
COMMENT ON COLUMN dmarc_daily_v.quarantined IS 'Messages the receiver quarantined (disposition quarantine).';
COMMENT ON COLUMN dmarc_daily_v.rejected IS 'Messages the receiver rejected (disposition reject).';
