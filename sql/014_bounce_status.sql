-- 014_bounce_status.sql - where a bounce recipient's status came from.
--
-- Applied by `mailsift db migrate` like every sql/ file (one transaction,
-- no BEGIN/COMMIT here).
--
-- When a bounce states no status anywhere (plain-text bounces often give
-- none), the classifier fills the RFC 3463 code its reason implies
-- (parse/bounce/reason/bounce_reason_status.c), as sisimai does, and says
-- so: status_source is 'stated' (the DSN or the diagnostic text gave it)
-- or 'inferred' (derived from the reason); NULL when status is NULL.
-- Rows stored before hold only stated statuses; rules version 5 brought
-- the inference, so `mailsift reclassify` fills the rest.  bounce_v gains
-- the column as its last one: dashboards keep theirs.

ALTER TABLE bounce_recipient
	ADD COLUMN status_source text
	    CHECK (status_source IN ('stated', 'inferred'));
UPDATE bounce_recipient SET status_source = 'stated'
WHERE status IS NOT NULL;

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
    m.orig_list_unsubscribe, m.orig_list_unsubscribe_post,
    r.status_source
FROM bounce_recipient r
JOIN bounce_message m ON m.id = r.bounce_id;

COMMENT ON COLUMN bounce_v.status IS 'Enhanced status code (RFC 3463), e.g. 5.7.26: from the DSN or the diagnostic text, or, when the bounce states none, the one its reason implies (status_source = inferred).';
COMMENT ON COLUMN bounce_v.status_source IS 'stated: the bounce gave the status (DSN field or diagnostic text); inferred: it gave none and mailsift derived it from the reason (userunknown 5.1.1, mailboxfull 5.2.2, expired 5.4.7 or 4.4.7 when delayed, ...); NULL when there is no status (onhold, undefined, ...).';
