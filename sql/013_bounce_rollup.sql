-- 013_bounce_rollup.sql - the bounce side of dmarc_bounce_daily_v kept
-- per day, sending IP and domain at ingest, like the DMARC side (008).
--
-- Why: dmarc_bounce_daily_v summed bounce_v, which joins each bounced
-- recipient of the window to its bounce_message; the planner did that by
-- reading every bounce message ever stored (100,000 generated bounces: 19
-- of the 49 ms of a 7-day window, growing with the history, not the
-- window).  bounce_daily holds the view's two counts per key instead, a
-- few rows a day.
--
-- How: statement triggers with transition tables on bounce_recipient, so
-- the rows come from the same statement as the recipients (the store's
-- INSERT or COPY, under the message's savepoint: rolled back with it) in
-- one INSERT per statement, not one per recipient.  Append-only: two
-- ingesters never wait on each other's rollup rows.  An UPDATE of
-- recipients (`mailsift reclassify` changes reasons, so auth_bounces)
-- appends the old rows' counts negated and the new ones'.  Recipients
-- deleted (mailsift never does; by hand) are not followed:
-- `mailsift db rebuild-rollups` recomputes the table (bounce_rollup_rebuild).

CREATE TABLE bounce_daily (
	domain		text,
	day		date NOT NULL,
	sending_ip	inet,
	bounces		bigint NOT NULL,
	auth_bounces	bigint NOT NULL
);
CREATE INDEX bounce_daily_day ON bounce_daily USING brin (day);
CREATE INDEX bounce_daily_domain_day ON bounce_daily (domain, day);
COMMENT ON TABLE bounce_daily IS
'Bounced recipients (bounce_v WHERE bounced) per UTC day, sending IP and sender domain, kept at ingest; several rows may share a key (sum them). What dmarc_bounce_daily_v reads.';

-- The rows of the statement's recipients, as bounce_v computes day,
-- sending_ip, sender_domain and bounced: the new rows counted, on an
-- UPDATE the old ones too, negated.
CREATE FUNCTION bounce_daily_note() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		INSERT INTO bounce_daily
		SELECT lower(coalesce(substring(m.orig_from
			FROM '@([A-Za-z0-9._-]+)'), r.auth_domain)),
		    (r.event_at AT TIME ZONE 'UTC')::date,
		    coalesce(r.auth_sending_ip, m.orig_sending_ip),
		    -count(*),
		    -count(*) FILTER (WHERE r.reason = 'authfailure')
		FROM old_rows r
		JOIN bounce_message m ON m.id = r.bounce_id
		WHERE m.kind = 'bounce'
		    AND r.action IS DISTINCT FROM 'delivered'
		    AND r.action IS DISTINCT FROM 'relayed'
		    AND r.action IS DISTINCT FROM 'expanded'
		    AND r.reason IS DISTINCT FROM 'delivered'
		GROUP BY 1, 2, 3;
	END IF;
	INSERT INTO bounce_daily
	SELECT lower(coalesce(substring(m.orig_from
		FROM '@([A-Za-z0-9._-]+)'), r.auth_domain)),
	    (r.event_at AT TIME ZONE 'UTC')::date,
	    coalesce(r.auth_sending_ip, m.orig_sending_ip),
	    count(*),
	    count(*) FILTER (WHERE r.reason = 'authfailure')
	FROM new_rows r
	JOIN bounce_message m ON m.id = r.bounce_id
	WHERE m.kind = 'bounce'
	    AND r.action IS DISTINCT FROM 'delivered'
	    AND r.action IS DISTINCT FROM 'relayed'
	    AND r.action IS DISTINCT FROM 'expanded'
	    AND r.reason IS DISTINCT FROM 'delivered'
	GROUP BY 1, 2, 3;
	RETURN NULL;
END
$$;

CREATE TRIGGER bounce_daily_insert AFTER INSERT ON bounce_recipient
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bounce_daily_note();
CREATE TRIGGER bounce_daily_update AFTER UPDATE ON bounce_recipient
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bounce_daily_note();

-- Recomputed from bounce_v, one row per key; the number of rows.
CREATE FUNCTION bounce_rollup_rebuild() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
	n bigint;
BEGIN
	LOCK TABLE bounce_daily IN EXCLUSIVE MODE;
	DELETE FROM bounce_daily;
	INSERT INTO bounce_daily
	SELECT sender_domain, day, sending_ip, count(*),
	    count(*) FILTER (WHERE reason = 'authfailure')
	FROM bounce_v WHERE bounced
	GROUP BY 1, 2, 3;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
SELECT bounce_rollup_rebuild();

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
	SELECT b.day, b.sending_ip, b.domain, 0, 0, 0, 0, 0, 0, 0,
	    b.bounces, b.auth_bounces, 0
	FROM (
		-- A key whose recipients were all reclassified away sums to
		-- 0: no row, as before.
		SELECT day, sending_ip, domain, sum(bounces) AS bounces,
		    sum(auth_bounces) AS auth_bounces
		FROM bounce_daily
		GROUP BY day, sending_ip, domain
		HAVING sum(bounces) <> 0 OR sum(auth_bounces) <> 0
	) b
	UNION ALL
	SELECT f.day, f.source_ip, f.from_domain, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 1
	FROM dmarc_failure_v f
) s
GROUP BY day, source_ip, domain;
