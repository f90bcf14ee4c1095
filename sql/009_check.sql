-- 009_check.sql - what `mailsift check` keeps, and the two headers of
-- a bounced original that Gmail's and Yahoo's bulk-sender rules ask for.
--
-- Applied by `mailsift db migrate` like every sql/ file (one transaction,
-- no BEGIN/COMMIT here).
--
-- List-Unsubscribe and List-Unsubscribe-Post (RFC 2369, RFC 8058) of the
-- message that bounced, as the returned copy shows them: bounces stored
-- before this migration have NULL (not known), like a copy without them.
-- bounce_v gains them as its last columns.
--
-- check_run holds the latest `mailsift check` of each domain, and
-- check_finding its findings: a new check of a domain replaces both
-- (store/finding.c), so there is one run per domain, that of checked_at.
-- A check whose DNS did not answer stores nothing and leaves the
-- previous run in place.  `mailsift report` and `explain` read them.

ALTER TABLE bounce_message
	ADD COLUMN orig_list_unsubscribe text,
	ADD COLUMN orig_list_unsubscribe_post text;

CREATE OR REPLACE VIEW bounce_v AS
SELECT m.id AS bounce_pk, r.rcpt_no, m.ingest_id, m.kind,
    (m.kind = 'bounce'
	AND r.action IS DISTINCT FROM 'delivered'
	AND r.action IS DISTINCT FROM 'relayed'
	AND r.action IS DISTINCT FROM 'expanded'
	AND r.reason IS DISTINCT FROM 'delivered') AS bounced,
    (r.event_at AT TIME ZONE 'UTC')::date AS day, r.event_at,
    r.recipient, r.recipient_domain, r.original_recipient, r.action,
    r.status, r.reply_code, r.reason, r.hard_bounce, r.rule,
    r.rules_version, r.remote_mta, r.diagnostic_type, r.diagnostic_code,
    r.smtp_command, r.last_attempt, r.feedback_type, r.mta_reason,
    coalesce(r.auth_sending_ip, m.orig_sending_ip) AS sending_ip,
    r.auth_sending_ip, r.auth_domain, r.spf, r.dkim, r.dmarc,
    lower(coalesce(substring(m.orig_from FROM '@([A-Za-z0-9._-]+)'),
	r.auth_domain)) AS sender_domain,
    m.format, m.reporting_mta, m.queue_id, m.arrival_date,
    m.subject AS bounce_subject, m.from_addr AS bounce_from,
    m.orig_message_id, m.orig_from, m.orig_to, m.orig_subject, m.orig_date,
    m.orig_list_id, m.orig_feedback_id, m.orig_sending_ip,
    m.recipients_dropped, m.received_at,
    m.orig_list_unsubscribe, m.orig_list_unsubscribe_post
FROM bounce_recipient r
JOIN bounce_message m ON m.id = r.bounce_id;

COMMENT ON COLUMN bounce_v.orig_list_unsubscribe IS 'List-Unsubscribe of the message that bounced (RFC 2369), as its returned copy shows it; NULL: absent, or stored before mailsift knew the header.';
COMMENT ON COLUMN bounce_v.orig_list_unsubscribe_post IS 'List-Unsubscribe-Post of the message that bounced (RFC 8058: "List-Unsubscribe=One-Click" for one-click unsubscribe).';

CREATE TABLE check_run (
	domain		text PRIMARY KEY,	-- lower case
	checked_at	timestamptz NOT NULL,
	errors		int NOT NULL,
	warnings	int NOT NULL,
	infos		int NOT NULL
);

CREATE TABLE check_finding (
	id		bigserial PRIMARY KEY,
	domain		text NOT NULL REFERENCES check_run (domain)
			    ON DELETE CASCADE,
	seq		int NOT NULL,		-- check's order, from 1
	code		text NOT NULL,		-- spf.missing, ... (README)
	severity	text NOT NULL CHECK (severity IN
			    ('error', 'warning', 'info')),
	evidence	text NOT NULL,
	action		text NOT NULL,
	checked_at	timestamptz NOT NULL
);
CREATE INDEX check_finding_domain ON check_finding (domain, seq);

CREATE VIEW check_run_v AS
SELECT domain, checked_at, errors, warnings, infos FROM check_run;
COMMENT ON VIEW check_run_v IS
'The latest `mailsift check` of each domain: when, and how many findings of each severity (0 0 0: nothing to say).';

CREATE VIEW check_finding_v AS
SELECT domain, checked_at, seq, code, severity, evidence, action
FROM check_finding;
COMMENT ON VIEW check_finding_v IS
'The findings of the latest `mailsift check` of each domain, in its order: code (README lists them), severity, what was seen and what to do.';
