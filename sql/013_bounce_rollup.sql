-- 013_bounce_rollup.sql - the bounces per day kept at ingest, like the
-- DMARC side (008_rollup.sql, 012_rollup_fast.sql): bounce_daily_v, the
-- bounce side of dmarc_bounce_daily_v and `trend --by day` read it.
--
-- Applied by `mailsift db migrate` like every sql/ file (one transaction,
-- no BEGIN/COMMIT here).
--
-- Why: those views counted bounce_v, the join of every bounce recipient
-- of the window with its bounce_message, at every query; the planner read
-- every bounce message ever stored (100,000 generated bounces: 42 ms for 7
-- days, 180 ms for 90, growing with the history, not the window).
--
-- What: bounce_daily holds the recipients of bounce_v counted per UTC day,
-- sender domain, sending IP and the columns of bounce_daily_v (kind,
-- bounced, reason, recipient domain, hard/soft).  Several rows may share a
-- key, and a row may be negative (a reclassified recipient leaves its old
-- key and joins its new one): the views sum the rows of a key and leave
-- out keys that sum to 0.  Append-only: two ingesters never wait on each
-- other's rollup rows.
--
-- Who writes it: mailsift's store, once per batch just before its COMMIT
-- (store/bounce_daily.c): one INSERT .. SELECT of the recipients of the
-- bounces the batch stored, summed per key.  A recipient already stored
-- (ON CONFLICT DO NOTHING) is not among them, a message rolled back took
-- its bounce with it, a batch rolled back takes the rows with it.  And
-- `mailsift reclassify`, in the statement that changes the verdicts.
-- mailsift's connections say so with `SET mailsift.bounce_rollup TO
-- 'store'` (store/conn.c) and the triggers below skip them.  Not
-- mailsift.rollup (012): a mailsift of 012 or 014 sets that one and knows
-- nothing of this table, so its bounces must still pass the triggers.
-- Anything else (psql, an older mailsift) is rolled up by the triggers,
-- one row per recipient inserted or updated.  Recipients or messages
-- deleted, or messages updated, by hand are not followed: run `mailsift db
-- rebuild-rollups` after (`db prune` does not delete bounces).

-- The old definition, kept under another name: what the rollup is checked
-- against (tests/t/bounce_rollup.sh) and rebuilt from.  Slow: reads every
-- bounce.
CREATE VIEW bounce_daily_records_v AS
SELECT day, kind, bounced, reason, recipient_domain, sending_ip,
    hard_bounce, count(*)::bigint AS recipients
FROM bounce_v
GROUP BY day, kind, bounced, reason, recipient_domain, sending_ip,
    hard_bounce;
COMMENT ON VIEW bounce_daily_records_v IS
'bounce_daily_v computed from bounce_v at every query, as before the bounce rollup (013_bounce_rollup.sql): for checking the rollup. Slow: reads every bounce.';

CREATE TABLE bounce_daily (
	sender_domain	text,
	day		date NOT NULL,
	sending_ip	inet,
	kind		text NOT NULL,
	bounced		boolean NOT NULL,
	reason		text,
	recipient_domain text,
	hard_bounce	boolean NOT NULL,
	recipients	bigint NOT NULL
);
-- Lean, as dmarc_daily: rows arrive about in day order, so BRIN serves
-- the `since` ranges; the domain's days are what dmarc_bounce_daily_v and
-- the trends filter on.
CREATE INDEX bounce_daily_day ON bounce_daily USING brin (day);
CREATE INDEX bounce_daily_domain_day ON bounce_daily (sender_domain, day);
COMMENT ON TABLE bounce_daily IS
'Recipients of bounce_v per UTC day, sender domain, sending IP, kind, bounced, reason, recipient domain and hard_bounce, kept at ingest (013_bounce_rollup.sql). Several rows may share a key, some negative: sum them.';

-- The triggers' rows: OLD counted -1, NEW +1, as bounce_v computes day,
-- sending_ip, sender_domain and bounced.  As the schema owner: the ingest
-- role may not read bounce_message's other writers' rows nor needs to.
CREATE FUNCTION bounce_daily_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
	INSERT INTO bounce_daily (sender_domain, day, sending_ip, kind,
	    bounced, reason, recipient_domain, hard_bounce, recipients)
	SELECT lower(coalesce(substring(m.orig_from
		FROM '@([A-Za-z0-9._-]+)'), r.auth_domain)),
	    (r.event_at AT TIME ZONE 'UTC')::date,
	    coalesce(r.auth_sending_ip, m.orig_sending_ip), m.kind,
	    (m.kind = 'bounce'
		AND r.action IS DISTINCT FROM 'delivered'
		AND r.action IS DISTINCT FROM 'relayed'
		AND r.action IS DISTINCT FROM 'expanded'
		AND r.reason IS DISTINCT FROM 'delivered'),
	    r.reason, r.recipient_domain, r.hard_bounce, r.rollup_sign
	FROM (SELECT (OLD::bounce_recipient).*, -1 AS rollup_sign
		WHERE TG_OP = 'UPDATE'
	    UNION ALL
	    SELECT (NEW::bounce_recipient).*, 1) r
	JOIN bounce_message m ON m.id = r.bounce_id;
	RETURN NULL;
END
$$;

-- Row triggers whose WHEN is evaluated as the row is written: the store's
-- rows queue no event at all (a statement trigger with a transition table
-- would capture every row of the store's statements anyway).
CREATE TRIGGER bounce_daily_insert AFTER INSERT ON bounce_recipient
    FOR EACH ROW
    WHEN (current_setting('mailsift.bounce_rollup', true)
	IS DISTINCT FROM 'store')
    EXECUTE FUNCTION bounce_daily_row();
CREATE TRIGGER bounce_daily_update AFTER UPDATE ON bounce_recipient
    FOR EACH ROW
    WHEN (current_setting('mailsift.bounce_rollup', true)
	IS DISTINCT FROM 'store')
    EXECUTE FUNCTION bounce_daily_row();

-- Recomputed from bounce_v, one row per key; returns the rows.  Ingest
-- waits meanwhile (SHARE lock on bounce_recipient), so no bounce is
-- counted twice or not at all.
CREATE FUNCTION bounce_rollup_rebuild() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	LOCK TABLE bounce_recipient IN SHARE MODE;
	LOCK TABLE bounce_daily IN ACCESS EXCLUSIVE MODE;
	TRUNCATE bounce_daily;
	INSERT INTO bounce_daily (sender_domain, day, sending_ip, kind,
	    bounced, reason, recipient_domain, hard_bounce, recipients)
	SELECT sender_domain, day, sending_ip, kind, bounced, reason,
	    recipient_domain, hard_bounce, count(*)
	FROM bounce_v
	GROUP BY day, sender_domain, sending_ip, kind, bounced, reason,
	    recipient_domain, hard_bounce
	ORDER BY day, sender_domain;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;

-- An existing database: its bounces, rolled up once.
SELECT bounce_rollup_rebuild();

-- The views keep their names and columns.
CREATE OR REPLACE VIEW bounce_daily_v AS
SELECT day, kind, bounced, reason, recipient_domain, sending_ip,
    hard_bounce, sum(recipients)::bigint AS recipients
FROM bounce_daily
GROUP BY day, kind, bounced, reason, recipient_domain, sending_ip,
    hard_bounce
HAVING sum(recipients) <> 0;

-- The bounce side per day, sending IP and sender domain (what
-- dmarc_bounce_daily_v and `trend --by day` join): a filter on day,
-- sending_ip or domain reaches the table.
CREATE VIEW bounce_sender_daily_v AS
SELECT day, sending_ip, sender_domain AS domain,
    sum(recipients)::bigint AS bounces,
    coalesce(sum(recipients) FILTER (WHERE reason = 'authfailure'), 0)
	::bigint AS auth_bounces
FROM bounce_daily
WHERE bounced
GROUP BY day, sending_ip, sender_domain
HAVING sum(recipients) <> 0;
COMMENT ON VIEW bounce_sender_daily_v IS
'Bounced recipients (bounce_v WHERE bounced) per UTC day, sending IP and sender domain, and those refused for authentication (reason authfailure): the bounce side of dmarc_bounce_daily_v, read from the rollup.';

-- The DMARC side sums the rollup's rows directly: through dmarc_daily_v
-- it was grouped twice, once per (day, domain, address, header From,
-- reporter) and again per (day, address, domain), and on 12.3 million
-- records one domain's 30 days (70,111 rollup rows) spent 160 of 465 ms
-- in the first grouping alone.  The sums are the same.
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
	FROM dmarc_daily d
	UNION ALL
	SELECT b.day, b.sending_ip, b.domain, 0, 0, 0, 0, 0, 0, 0,
	    b.bounces, b.auth_bounces, 0
	FROM bounce_sender_daily_v b
	UNION ALL
	SELECT f.day, f.source_ip, f.from_domain, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 1
	FROM dmarc_failure_v f
) s
GROUP BY day, source_ip, domain;

-- The roles of sql/roles.sql, where `mailsift db roles` made them: the
-- ingest role must append to the rollup from the first batch after the
-- upgrade (else every batch of bounces would fail until `db roles` ran
-- again), readers read the new views.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mailsift_ingest') THEN
		GRANT INSERT ON bounce_daily TO mailsift_ingest;
		GRANT SELECT ON bounce_sender_daily_v, bounce_daily_records_v
			TO mailsift_ingest;
	END IF;
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mailsift_reader') THEN
		GRANT SELECT ON bounce_sender_daily_v, bounce_daily_records_v
			TO mailsift_reader;
	END IF;
END
$$;
