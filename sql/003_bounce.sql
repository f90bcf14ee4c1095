-- 003_bounce.sql - bounces, auto-replies and complaints, and their views.
--
-- Applied by `mailsift db migrate` like every sql/ file (one transaction,
-- no BEGIN/COMMIT here).  store/bounce.c writes the tables, one statement
-- per message; dashboards and `mailsift bounces` read the views.
--
-- A bounce is a message (bounce_message) that speaks about one or more
-- recipients (bounce_recipient).  A DSN delivered twice must count once,
-- and two identities see to it, both enforced by unique constraints so
-- that INSERT ... ON CONFLICT DO NOTHING stays right between concurrent
-- ingesters (the second waits for the first's index entry, then skips):
--   - the message: the SHA-256 of its bytes (the same mail again);
--   - each recipient: the reporting MTA, the queue id (else the original's
--     Message-ID), the recipient, the action, the status and the time of
--     the attempt (else the DSN's arrival date), hashed by the writer into
--     bounce_recipient.identity.  So the same bounce re-sent with other
--     headers (a second delivery path, a forward) is not counted again.
--     A bounce that names neither a queue id nor the original message
--     cannot be told from a new one: its recipients take the message hash
--     instead of the queue id, and so count once per distinct message.
-- A message whose every recipient is already stored is undone whole
-- (store/bounce.c rolls back to a savepoint) and logged as a duplicate.
--
-- Words (kind, action, reason, spf, ...) are stored as the parser leaves
-- them and never rejected here, as for DMARC reports.

-- The ingest log counts the bounce recipients a message stored.
ALTER TABLE ingest_log ADD COLUMN bounce_recipients int NOT NULL DEFAULT 0;

-- One row per stored bounce, auto-reply or complaint message.
CREATE TABLE bounce_message (
	id		bigserial PRIMARY KEY,
	-- The log row is written when the message ends, after this one.
	ingest_id	bigint NOT NULL REFERENCES ingest_log (id)
			    DEFERRABLE INITIALLY DEFERRED,
	sha256		text NOT NULL,
	kind		text NOT NULL,		-- bounce, autoreply, feedback
	format		text,			-- the recognizer: rfc3464, postfix, ...
	reporting_mta	text,
	queue_id	text,
	arrival_date	timestamptz,
	subject		text,			-- of the bounce itself
	from_addr	text,			-- of the bounce itself
	orig_message_id	text,			-- the message that bounced
	orig_from	text,
	orig_to		text,
	orig_subject	text,
	orig_date	timestamptz,
	orig_list_id	text,
	orig_feedback_id text,
	orig_sending_ip	inet,			-- from the copy's Received: headers
	recipients_dropped int NOT NULL DEFAULT 0,	-- beyond the parser's bound
	received_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT bounce_message_sha256 UNIQUE (sha256)
);
CREATE INDEX bounce_message_ingest ON bounce_message (ingest_id);

-- One row per recipient a message speaks of, in the message's order
-- (rcpt_no from 1).  The primary key serves the foreign key's cascade,
-- the joins of the views and `mailsift reclassify`.
CREATE TABLE bounce_recipient (
	bounce_id	bigint NOT NULL REFERENCES bounce_message (id)
			    ON DELETE CASCADE,
	rcpt_no		int NOT NULL,
	recipient	text,
	recipient_domain text GENERATED ALWAYS AS
			    (lower(substring(recipient FROM '@([^@]*)$'))) STORED,
	original_recipient text,
	action		text,
	status		text,
	reply_code	int,
	remote_mta	text,
	diagnostic_type	text,
	diagnostic_code	text,
	smtp_command	text,
	last_attempt	timestamptz,
	feedback_type	text,
	mta_reason	text,
	-- The classifier's verdict, and which rule of which version gave it.
	reason		text,
	rule		text,
	rules_version	int NOT NULL,
	hard_bounce	boolean NOT NULL DEFAULT false,
	-- What the receiver said about authentication.
	auth_sending_ip	inet,
	auth_domain	text,
	spf		text,
	dkim		text,
	dmarc		text,
	-- When it happened: the attempt, else the DSN's arrival date, else the
	-- original's Date:, else when the bounce was stored.  Days in the views
	-- are UTC days of this.
	event_at	timestamptz NOT NULL,
	-- Hex SHA-256 of the recipient identity (see the top of the file).
	identity	text NOT NULL,
	PRIMARY KEY (bounce_id, rcpt_no),
	CONSTRAINT bounce_recipient_identity UNIQUE (identity)
);
-- `since` filters and the daily views read a range of days; the
-- expression is bounce_v.day's, so that a filter on it can use the index.
CREATE INDEX bounce_recipient_day ON bounce_recipient
    (((event_at AT TIME ZONE 'UTC')::date));
-- reclassify looks for rows classified by older rules.
CREATE INDEX bounce_recipient_rules_version ON bounce_recipient (rules_version);

-- The views: new columns only ever at the end.

CREATE OR REPLACE VIEW ingest_log_v AS
SELECT l.id, l.received_at, l.source, l.message_id, l.sha256, l.outcome,
    l.reason, l.reports_stored, l.reports_duplicate, l.records,
    l.requeued_from, l.requeued_by, l.bounce_recipients
FROM ingest_log l;
COMMENT ON COLUMN ingest_log_v.bounce_recipients IS 'Bounce, auto-reply or complaint recipients stored from this message (bounce_v rows).';

CREATE VIEW bounce_v AS
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
    m.recipients_dropped, m.received_at
FROM bounce_recipient r
JOIN bounce_message m ON m.id = r.bounce_id;

COMMENT ON VIEW bounce_v IS
'One row per recipient of a stored bounce (delivery status notification or MTA bounce), auto-reply or complaint, with the bounce''s and the original message''s fields. A bounce delivered twice is stored once. Failures and delays only: WHERE bounced.';
COMMENT ON COLUMN bounce_v.bounce_pk IS 'mailsift''s key of the bounce message.';
COMMENT ON COLUMN bounce_v.rcpt_no IS 'Position of the recipient in the bounce, from 1.';
COMMENT ON COLUMN bounce_v.ingest_id IS 'Ingest log id of the message (ingest_log_v.id).';
COMMENT ON COLUMN bounce_v.kind IS 'bounce (a delivery status notification or MTA bounce), autoreply (RFC 3834, vacation) or feedback (ARF complaint).';
COMMENT ON COLUMN bounce_v.bounced IS 'True when delivery to this recipient failed or was delayed: a bounce whose action is not delivered, relayed or expanded. What the bounce counts of bounce_daily_v and dmarc_bounce_daily_v count.';
COMMENT ON COLUMN bounce_v.day IS 'UTC day of event_at.';
COMMENT ON COLUMN bounce_v.event_at IS 'When it happened: Last-Attempt-Date, else the Arrival-Date, else the original''s Date, else when the bounce was stored.';
COMMENT ON COLUMN bounce_v.recipient IS 'The recipient that failed (Final-Recipient), domain lower-cased.';
COMMENT ON COLUMN bounce_v.recipient_domain IS 'Domain of the recipient, lower-cased.';
COMMENT ON COLUMN bounce_v.original_recipient IS 'Original-Recipient, when stated.';
COMMENT ON COLUMN bounce_v.action IS 'failed, delayed, delivered, relayed or expanded (RFC 3464), when stated.';
COMMENT ON COLUMN bounce_v.status IS 'Enhanced status code (RFC 3463), e.g. 5.7.26, from the DSN or the diagnostic text.';
COMMENT ON COLUMN bounce_v.reply_code IS 'SMTP reply code, e.g. 550.';
COMMENT ON COLUMN bounce_v.reason IS 'Why, in sisimai''s v5 vocabulary: userunknown, mailboxfull, authfailure, blocked, ...';
COMMENT ON COLUMN bounce_v.hard_bounce IS 'True for a permanent failure the sender should stop retrying.';
COMMENT ON COLUMN bounce_v.rule IS 'Which classification rule chose the reason, e.g. status:5.1.1.';
COMMENT ON COLUMN bounce_v.rules_version IS 'Version of the rules that classified it; mailsift reclassify brings old ones up to date.';
COMMENT ON COLUMN bounce_v.remote_mta IS 'The receiving MTA that refused, host name or [IP].';
COMMENT ON COLUMN bounce_v.diagnostic_type IS 'Type of the diagnostic: smtp, X-Postfix, ...';
COMMENT ON COLUMN bounce_v.diagnostic_code IS 'The receiver''s or the MTA''s text, folded lines joined.';
COMMENT ON COLUMN bounce_v.smtp_command IS 'The SMTP command that failed: CONN, EHLO, MAIL, RCPT, DATA, ...';
COMMENT ON COLUMN bounce_v.last_attempt IS 'Last-Attempt-Date, when stated.';
COMMENT ON COLUMN bounce_v.feedback_type IS 'For complaints (ARF): abuse, auth-failure, ...';
COMMENT ON COLUMN bounce_v.mta_reason IS 'A reason the bounce''s layout itself stated, an input to the classifier.';
COMMENT ON COLUMN bounce_v.sending_ip IS 'The IP our mail was sent from: the one the receiver names in its diagnostic (auth_sending_ip), else the one the returned copy''s Received headers show (orig_sending_ip).';
COMMENT ON COLUMN bounce_v.auth_sending_ip IS 'The sending IP the receiver stated in its diagnostic (e.g. Gmail 5.7.26 "with ip: [...]").';
COMMENT ON COLUMN bounce_v.auth_domain IS 'The domain the receiver checked (From:, SPF or DKIM domain), when stated.';
COMMENT ON COLUMN bounce_v.spf IS 'SPF verdict the receiver stated: pass, fail, softfail, neutral, none, temperror, permerror.';
COMMENT ON COLUMN bounce_v.dkim IS 'DKIM verdict the receiver stated.';
COMMENT ON COLUMN bounce_v.dmarc IS 'DMARC verdict the receiver stated.';
COMMENT ON COLUMN bounce_v.sender_domain IS 'Our domain: that of the original''s From address, else auth_domain; lower-cased. Matched against policy_domain by dmarc_bounce_daily_v.';
COMMENT ON COLUMN bounce_v.format IS 'Which recognizer read the bounce: rfc3464, postfix, exim, gmail, office365, rfc3834, arf, ...';
COMMENT ON COLUMN bounce_v.reporting_mta IS 'Reporting-MTA of the DSN, or the host that wrote the bounce.';
COMMENT ON COLUMN bounce_v.queue_id IS 'Queue id of the bounced message at the reporting MTA (X-Postfix-Queue-ID, ...).';
COMMENT ON COLUMN bounce_v.arrival_date IS 'Arrival-Date of the DSN: when the reporting MTA received the original.';
COMMENT ON COLUMN bounce_v.bounce_subject IS 'Subject of the bounce itself, decoded.';
COMMENT ON COLUMN bounce_v.bounce_from IS 'From of the bounce itself, decoded.';
COMMENT ON COLUMN bounce_v.orig_message_id IS 'Message-ID of the message that bounced.';
COMMENT ON COLUMN bounce_v.orig_from IS 'From of the message that bounced.';
COMMENT ON COLUMN bounce_v.orig_to IS 'To of the message that bounced.';
COMMENT ON COLUMN bounce_v.orig_subject IS 'Subject of the message that bounced.';
COMMENT ON COLUMN bounce_v.orig_date IS 'Date of the message that bounced.';
COMMENT ON COLUMN bounce_v.orig_list_id IS 'List-Id of the message that bounced.';
COMMENT ON COLUMN bounce_v.orig_feedback_id IS 'Feedback-ID of the message that bounced.';
COMMENT ON COLUMN bounce_v.orig_sending_ip IS 'The IP our MTA sent the original from, when the returned copy''s Received headers show it.';
COMMENT ON COLUMN bounce_v.recipients_dropped IS 'Recipients of the bounce beyond the parser''s bound (1000), counted but not stored.';
COMMENT ON COLUMN bounce_v.received_at IS 'When the bounce was stored.';

CREATE VIEW bounce_daily_v AS
SELECT day, kind, bounced, reason, recipient_domain, sending_ip,
    hard_bounce, count(*)::bigint AS recipients
FROM bounce_v
GROUP BY day, kind, bounced, reason, recipient_domain, sending_ip,
    hard_bounce;

COMMENT ON VIEW bounce_daily_v IS
'Bounced recipients per UTC day, kind, reason, recipient domain, sending IP and hard/soft. Bounces per reason in Grafana (PostgreSQL data source, time series):
  SELECT day::timestamptz AS time, reason AS metric, sum(recipients) AS bounces
  FROM bounce_daily_v
  WHERE $__timeFilter(day) AND bounced
  GROUP BY 1, 2 ORDER BY 1';
COMMENT ON COLUMN bounce_daily_v.day IS 'UTC day of the bounce (bounce_v.event_at).';
COMMENT ON COLUMN bounce_daily_v.kind IS 'bounce, autoreply or feedback.';
COMMENT ON COLUMN bounce_daily_v.bounced IS 'True for failures and delays (bounce_v.bounced); false for auto-replies, complaints and success notices.';
COMMENT ON COLUMN bounce_daily_v.reason IS 'sisimai v5 reason: userunknown, mailboxfull, authfailure, ...';
COMMENT ON COLUMN bounce_daily_v.recipient_domain IS 'Domain of the recipient, lower-cased.';
COMMENT ON COLUMN bounce_daily_v.sending_ip IS 'The IP our mail was sent from (bounce_v.sending_ip), NULL when the bounce does not show it.';
COMMENT ON COLUMN bounce_daily_v.hard_bounce IS 'True for permanent failures.';
COMMENT ON COLUMN bounce_daily_v.recipients IS 'Recipients on this day with these values.';

-- The join that tells both sides: per day, source IP and domain, what the
-- DMARC reports counted (from dmarc_daily_v) next to the bounces of the
-- mail sent from that IP.  It is the full outer join of the two sides on
-- (day, source_ip, domain), so that an IP with only bounces or only
-- reports still shows, written as UNION ALL + GROUP BY rather than FULL
-- JOIN: NULL keys (a record or a bounce without an IP) meet as GROUP BY
-- groups them, and a filter on day, source_ip or domain reaches both sides
-- and, through dmarc_daily_v, its tables (a FULL JOIN's merged columns
-- stop it, and every trend would spread every report ever stored).
CREATE VIEW dmarc_bounce_daily_v AS
SELECT day, source_ip, domain,
    sum(messages)::bigint AS messages,
    sum(dmarc_pass)::bigint AS dmarc_pass,
    sum(dmarc_fail)::bigint AS dmarc_fail,
    sum(dkim_pass)::bigint AS dkim_pass,
    sum(spf_pass)::bigint AS spf_pass,
    sum(quarantined)::bigint AS quarantined,
    sum(rejected)::bigint AS rejected,
    sum(bounces)::bigint AS bounces,
    sum(auth_bounces)::bigint AS auth_bounces
FROM (
	SELECT d.day, d.source_ip, d.policy_domain AS domain, d.messages,
	    d.dmarc_pass, d.dmarc_fail, d.dkim_pass, d.spf_pass,
	    d.quarantined, d.rejected, 0 AS bounces, 0 AS auth_bounces
	FROM dmarc_daily_v d
	UNION ALL
	SELECT b.day, b.sending_ip, b.sender_domain, 0, 0, 0, 0, 0, 0, 0,
	    1, CASE WHEN b.reason = 'authfailure' THEN 1 ELSE 0 END
	FROM bounce_v b
	WHERE b.bounced
) s
GROUP BY day, source_ip, domain;

COMMENT ON VIEW dmarc_bounce_daily_v IS
'DMARC results and bounces side by side, per UTC day, source IP and domain: the full outer join of dmarc_daily_v (summed over reporters and header From) with the bounced recipients of bounce_v whose sending IP is that source IP. A row with messages = 0 had bounces but no report; one with bounces = 0, reports but no bounce. DMARC failures next to authentication bounces per IP, in Grafana:
  SELECT day::timestamptz AS time, host(source_ip) AS metric,
         sum(dmarc_fail) AS dmarc_fail, sum(auth_bounces) AS auth_bounces
  FROM dmarc_bounce_daily_v
  WHERE $__timeFilter(day)
  GROUP BY 1, 2 ORDER BY 1';
COMMENT ON COLUMN dmarc_bounce_daily_v.day IS 'UTC day.';
COMMENT ON COLUMN dmarc_bounce_daily_v.source_ip IS 'The sending IP: source_ip of the DMARC records, sending_ip of the bounces; NULL when unknown.';
COMMENT ON COLUMN dmarc_bounce_daily_v.domain IS 'policy_domain of the reports; for bounces the original''s From domain (bounce_v.sender_domain). Sum over it for per-IP figures.';
COMMENT ON COLUMN dmarc_bounce_daily_v.messages IS 'Messages the DMARC reports counted (dmarc_daily_v.messages); 0 when no report.';
COMMENT ON COLUMN dmarc_bounce_daily_v.dmarc_pass IS 'Messages where aligned DKIM or aligned SPF passed.';
COMMENT ON COLUMN dmarc_bounce_daily_v.dmarc_fail IS 'messages - dmarc_pass.';
COMMENT ON COLUMN dmarc_bounce_daily_v.dkim_pass IS 'Messages whose aligned DKIM passed.';
COMMENT ON COLUMN dmarc_bounce_daily_v.spf_pass IS 'Messages whose aligned SPF passed.';
COMMENT ON COLUMN dmarc_bounce_daily_v.quarantined IS 'Messages the receivers quarantined.';
COMMENT ON COLUMN dmarc_bounce_daily_v.rejected IS 'Messages the receivers rejected.';
COMMENT ON COLUMN dmarc_bounce_daily_v.bounces IS 'Bounced recipients (bounce_v rows with bounced) of mail from this IP; 0 when none.';
COMMENT ON COLUMN dmarc_bounce_daily_v.auth_bounces IS 'Of those, the ones whose reason is authfailure (SPF, DKIM or DMARC failed at the receiver: Gmail 5.7.26, Microsoft 5.7.509, ...).';
