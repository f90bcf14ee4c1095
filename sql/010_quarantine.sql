-- 010_quarantine.sql - the quarantine as something to look at: duplicates
-- point at the entry that holds their bytes, and a requeue that fails again
-- keeps the one entry instead of copying the bytes.
--
-- The same bytes quarantined again (a sender retrying, a Maildir read
-- twice) are logged as a duplicate whose duplicate_of is the pending
-- quarantine entry: one copy of the bytes, one row to look at.  A requeue
-- that ends quarantined again logs its attempt (requeued_from, the new
-- reason) and leaves the entry pending, counting the attempt in attempts
-- and pointing at it with last_attempt: each requeue adds one log row per
-- message retried and no quarantine row.

ALTER TABLE ingest_log ADD COLUMN duplicate_of bigint REFERENCES ingest_log (id);
-- `mailsift quarantine show` counts an entry's duplicates.
CREATE INDEX ingest_log_duplicate_of ON ingest_log (duplicate_of)
    WHERE duplicate_of IS NOT NULL;

ALTER TABLE quarantine ADD COLUMN attempts int NOT NULL DEFAULT 0;
ALTER TABLE quarantine ADD COLUMN last_attempt bigint REFERENCES ingest_log (id);

CREATE OR REPLACE VIEW ingest_log_v AS
SELECT l.id, l.received_at, l.source, l.message_id, l.sha256, l.outcome,
    l.reason, l.reports_stored, l.reports_duplicate, l.records,
    l.requeued_from, l.requeued_by, l.bounce_recipients, l.duplicate_of
FROM ingest_log l;
COMMENT ON COLUMN ingest_log_v.duplicate_of IS 'For a duplicate of quarantined bytes: the ingest log id of the quarantined message that holds them.';
