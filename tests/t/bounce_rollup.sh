# bounce_rollup.sh - the bounce rollup kept at ingest (sql/013_bounce_rollup.sql):
# bounce_daily_v, the bounce side of dmarc_bounce_daily_v and `trend --by
# day` read bounce_daily, which must equal what bounce_v counts, exactly:
# after a generated ingest, the same bounces again (whole or re-sent with
# other headers), a message refused after its bounce, a batch retried,
# rows written and rewritten by plain SQL (the triggers), `mailsift
# reclassify`, `db rebuild-rollups`; and a database at 012/014 with
# bounces takes 013 with its bounces rolled up.
. "$TOP/tests/t/lib.sh"

fresh_db mailsift_t_brollup
ok $? "db migrate"

# same WHAT: the rollup's views equal bounce_v's counts, row for row.
same() {
	is "$(q "SELECT count(*) FROM (SELECT * FROM bounce_daily_v EXCEPT ALL
	    SELECT * FROM bounce_daily_records_v) a")/$(q "SELECT count(*) FROM
	    (SELECT * FROM bounce_daily_records_v EXCEPT ALL
	    SELECT * FROM bounce_daily_v) a")" "0/0" \
	    "$1: bounce_daily_v equals bounce_v's counts, row for row"
	is "$(q "SELECT count(*) FROM (SELECT day, sending_ip, domain, bounces,
	    auth_bounces FROM bounce_sender_daily_v EXCEPT ALL
	    SELECT day, sending_ip, sender_domain, count(*),
	    count(*) FILTER (WHERE reason = 'authfailure') FROM bounce_v
	    WHERE bounced GROUP BY 1, 2, 3) a")/$(q "SELECT count(*) FROM (
	    SELECT day, sending_ip, sender_domain, count(*),
	    count(*) FILTER (WHERE reason = 'authfailure') FROM bounce_v
	    WHERE bounced GROUP BY 1, 2, 3 EXCEPT ALL
	    SELECT day, source_ip, domain, bounces, auth_bounces
	    FROM dmarc_bounce_daily_v WHERE bounces <> 0) a")" "0/0" \
	    "$1: the bounce side of dmarc_bounce_daily_v equals bounce_v's"
}

"$MAILSIFT_GEN" bounces "$T_TMP/b" --messages 400 --seed 21 --days 30 \
    >"$T_TMP/gen"
"$MAILSIFT" ingest --batch 50 --maildir "$T_TMP/b" 2>"$T_TMP/err"
ok $? "400 generated bounces ingested"
is "$(q "SELECT count(*) FROM bounce_v")" \
    "$(sed -n 's/.* bounce_recipients=\([0-9]*\).*/\1/p' "$T_TMP/gen")" \
    "every recipient stored"
is "$(q "SELECT count(DISTINCT reason) > 5 AND count(DISTINCT sending_ip) > 3
    AND bool_or(reason = 'authfailure') FROM bounce_v")" t \
    "the comparison has reasons, addresses and authfailures"
is "$(q "SELECT sum(recipients) FROM bounce_daily")" "$(q "SELECT count(*) FROM bounce_v")" \
    "the rollup counts every recipient"
same "kept at ingest"

# The same bounces again: nothing new, nothing counted.  One re-sent with
# another Subject (other bytes, the same recipient identities) is rolled
# back to its savepoint by store_bounce, its rollup rows with it.
before=$(q "SELECT count(*) || '/' || sum(recipients) FROM bounce_daily")
dups=$(q "SELECT count(*) FROM ingest_log WHERE outcome = 'duplicate'")
"$MAILSIFT" ingest --maildir "$T_TMP/b" 2>"$T_TMP/err"
ok $? "the same 400 again"
mkdir -p "$T_TMP/again/new" "$T_TMP/again/cur" "$T_TMP/again/tmp"
for f in $(ls "$T_TMP/b/cur" | head -n 5); do	# ingest moved them there
	sed '1,/^Subject:/s/^Subject: /Subject: Fwd: /' "$T_TMP/b/cur/$f" \
	    >"$T_TMP/again/new/$f"
done
"$MAILSIFT" ingest --maildir "$T_TMP/again" 2>"$T_TMP/err"
ok $? "five re-sent with another Subject"
is "$(q "SELECT count(*) FROM ingest_log WHERE outcome = 'duplicate'")" $((dups + 405)) \
    "all 405 are duplicates"
is "$(q "SELECT count(*) || '/' || sum(recipients) FROM bounce_daily")" "$before" \
    "the rollup is as before"

# A message refused after its bounce was stored (at its log row, written
# last) is quarantined: its bounce and rollup rows go with its savepoint;
# a batch retried after serialization failures counts once.
refuse_log_rows
"$MAILSIFT_GEN" bounces "$T_TMP/refused" --messages 6 --seed 22 --days 3 >/dev/null
victim=$(ls "$T_TMP/refused/new" | sed -n 3p)
refuse_set "%$victim" 0 00000
"$MAILSIFT" ingest --maildir "$T_TMP/refused" 2>"$T_TMP/err"
is "$(q "SELECT count(*) FROM ingest_log WHERE outcome = 'quarantined' AND source LIKE '%$victim'")/$(q "SELECT count(*) FROM ingest_log WHERE outcome = 'stored' AND source LIKE '%refused%'")" \
    "1/5" "a bounce refused at its log row: quarantined, the 5 others stored"
is "$(q "SELECT count(*) FROM bounce_message m JOIN ingest_log l ON l.id = m.ingest_id WHERE l.source LIKE '%$victim'")" \
    0 "the refused message's bounce is gone"
same "a message refused after its bounce"
"$MAILSIFT_GEN" bounces "$T_TMP/retried" --messages 6 --seed 23 --days 3 >/dev/null
refuse_set '' 2 40001
"$MAILSIFT" ingest --maildir "$T_TMP/retried" 2>"$T_TMP/err"
ok $? "two serialization failures: the batch retried, exit 0"
is "$(q "SELECT count(*) FROM ingest_log WHERE outcome = 'stored' AND source LIKE '%retried%'")" \
    6 "all six stored"
same "a batch retried"
refuse_set '' 0 00000
is "$(q "SELECT sum(recipients) FROM bounce_daily")" "$(q "SELECT count(*) FROM bounce_v")" \
    "the rollup still counts every recipient once"

# Written by plain SQL (psql, an older mailsift): the triggers roll it up,
# and a savepoint rolled back takes its rows with them.
bmsg() {	# ID FROM KIND
	echo "INSERT INTO ingest_log (id, outcome) VALUES ($1, 'stored');
	INSERT INTO bounce_message (id, ingest_id, sha256, kind, orig_from,
	    orig_sending_ip, arrival_date)
	    VALUES ($1, $1, 'sql$1', '$3', $2, '203.0.113.$(($1 % 200))',
	    now() - interval '3 days');"
}
brcpt() {	# ID NO ACTION REASON AUTH_IP AUTH_DOMAIN
	echo "INSERT INTO bounce_recipient (bounce_id, rcpt_no, recipient, action,
	    reason, rules_version, hard_bounce, auth_sending_ip, auth_domain,
	    event_at, identity)
	    VALUES ($1, $2, 'u$2@Rcpt.Example', $3, $4, 5, coalesce($4 = 'userunknown', false),
	    $5, $6, now() - interval '3 days', 'sql-$1-$2');"
}
{ echo "BEGIN;"
  bmsg 990001 "'Sender <a@Mixed.EXAMPLE.org>'" bounce
  brcpt 990001 1 "'failed'" "'authfailure'" "'192.0.2.55'" NULL
  brcpt 990001 2 "'delayed'" "'mailboxfull'" NULL NULL
  brcpt 990001 3 "'delivered'" "'authfailure'" NULL NULL
  brcpt 990001 4 NULL "'delivered'" NULL NULL
  brcpt 990001 5 NULL NULL NULL NULL
  bmsg 990002 NULL bounce
  brcpt 990002 1 "'failed'" "'authfailure'" NULL "'Auth.Example'"
  brcpt 990002 2 "'relayed'" "'userunknown'" "'192.0.2.56'" "'auth.example'"
  echo "SAVEPOINT m;"
  bmsg 990003 "'x@gone.example'" bounce
  brcpt 990003 1 "'failed'" "'userunknown'" NULL NULL
  echo "ROLLBACK TO SAVEPOINT m;"
  bmsg 990004 "'no domain'" autoreply
  brcpt 990004 1 "'failed'" "'vacation'" NULL NULL
  echo "COMMIT;"; } | psql -X -q -d "$T_DB" -v ON_ERROR_STOP=1 >"$T_TMP/out" 2>&1
ok $? "bounces inserted by plain SQL, one message rolled back to its savepoint"
is "$(q "SELECT count(*) FROM bounce_daily WHERE sender_domain = 'gone.example'")" 0 \
    "the message rolled back left no rollup row"
is "$(q "SELECT string_agg(concat_ws(':', domain, sending_ip, bounces, auth_bounces), ' '
    ORDER BY domain, sending_ip) FROM bounce_sender_daily_v
    WHERE day = (now() - interval '3 days')::date
    AND domain IN ('auth.example', 'mixed.example.org')")" \
    "auth.example:203.0.113.2:1:1 mixed.example.org:192.0.2.55:1:1 mixed.example.org:203.0.113.1:2:0" \
    "their bounce side: From domain lower-cased else auth_domain, the stated IP else the copy's, delivered and relayed left out"
same "rows inserted by plain SQL"

# Rewritten by plain SQL: verdicts changed the way an older reclassify
# would (the update trigger); then `mailsift reclassify` puts them right
# (its own deltas, in its UPDATE statement).
q "UPDATE bounce_recipient SET reason = CASE WHEN reason = 'authfailure'
    THEN 'blocked' ELSE 'authfailure' END, hard_bounce = NOT hard_bounce,
    auth_sending_ip = CASE WHEN rcpt_no = 1 THEN inet '198.51.100.9' END,
    rules_version = 1
    WHERE bounce_id % 3 = 0 AND bounce_id < 990000" >/dev/null
ok $? "a third of the verdicts rewritten by plain SQL"
same "verdicts rewritten by plain SQL"
"$MAILSIFT" reclassify >"$T_TMP/out" 2>&1
ok $? "mailsift reclassify"
n=$(sed -n 's/^mailsift: \([0-9]*\) of .*/\1/p' "$T_TMP/out")
[ "${n:-0}" -gt 50 ]
ok $? "it changed them back ($n)"
is "$(q "SELECT count(*) FROM bounce_recipient WHERE rules_version = 1")" 0 \
    "no recipient left at rules version 1"
same "after reclassify"
is "$(q "SELECT count(*) > 0 FROM bounce_daily WHERE recipients < 0")" t \
    "a reclassified recipient left its old key by a negative row"

# The trend per day reads the rollup: the same bounces as bounce_v.
"$MAILSIFT" trend --by day --since 60d --format csv >"$T_TMP/t_day" 2>&1
ok $? "trend --by day"
head -n 1 "$T_TMP/t_day" | cut -d, -f1,10,11 >"$T_TMP/got"
tail -n +2 "$T_TMP/t_day" | cut -d, -f1,10,11 >>"$T_TMP/got"
{ echo "day,bounces,auth_bounces"
  q "COPY (SELECT day, count(*), count(*) FILTER (WHERE reason = 'authfailure')
    FROM bounce_v WHERE bounced AND day >= current_date - 60
    GROUP BY day ORDER BY day) TO STDOUT (FORMAT csv)"; } >"$T_TMP/want"
cmp -s "$T_TMP/got" "$T_TMP/want"
ok $? "trend --by day: bounces and auth_bounces per day = bounce_v's"
[ "$(wc -l <"$T_TMP/want")" -gt 20 ]
ok $? "... over more than 20 days"
"$MAILSIFT" trend --by day --domain mixed.example.org --since 60d --format csv |
    tail -n +2 | cut -d, -f10,11 >"$T_TMP/got"
is "$(cat "$T_TMP/got")" "3,1" "trend --by day --domain: that sender domain's bounces"

# Rebuilt: the same views, one row per key.
"$MAILSIFT" db rebuild-rollups >"$T_TMP/out"
ok $? "db rebuild-rollups"
same "rebuilt"
is "$(q "SELECT count(*) FROM bounce_daily")" \
    "$(q "SELECT count(*) FROM (SELECT DISTINCT day, sender_domain, sending_ip, kind,
	bounced, reason, recipient_domain, hard_bounce FROM bounce_v) a")" \
    "rebuilt: one row per key, none negative"

# Upgrade: a database at every migration but 013 (012 and 014 with it),
# its bounces written by plain SQL, takes 013 with them rolled up.
fresh_db mailsift_t_brollup_up || exit 1
q "DROP SCHEMA public CASCADE; CREATE SCHEMA public;
    CREATE TABLE schema_migrations (version int PRIMARY KEY, name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now())" >/dev/null 2>&1
for f in "$TOP"/sql/0*.sql; do
	v=$(basename "$f" | cut -c1-3)
	[ "$v" != 013 ] || continue
	psql -X -q -1 -v ON_ERROR_STOP=1 -d "$T_DB" -f "$f" >/dev/null 2>&1 &&
	    q "INSERT INTO schema_migrations VALUES ($(expr "$v" + 0), '$(basename "$f")')" >/dev/null ||
	    echo "not ok - applying $f failed"
done
is "$(q "SELECT to_regclass('bounce_daily') IS NULL AND
    to_regclass('bounce_recipient') IS NOT NULL")" t "a database without 013"
{ echo "BEGIN;"
  bmsg 990001 "'Sender <a@Mixed.EXAMPLE.org>'" bounce
  brcpt 990001 1 "'failed'" "'authfailure'" "'192.0.2.55'" NULL
  brcpt 990001 2 "'delayed'" "'mailboxfull'" NULL NULL
  brcpt 990001 3 "'delivered'" "'authfailure'" NULL NULL
  bmsg 990002 NULL feedback
  brcpt 990002 1 NULL NULL NULL "'auth.example'"
  echo "COMMIT;"; } | psql -X -q -d "$T_DB" -v ON_ERROR_STOP=1 >"$T_TMP/out" 2>&1
ok $? "bounces stored before 013"
want=$(q "SELECT string_agg(b::text, ' ' ORDER BY b::text) FROM bounce_daily_v b")
"$MAILSIFT" db roles >/dev/null
ok $? "db roles before 013"
"$MAILSIFT" db migrate >/dev/null
ok $? "db migrate applies 013"
is "$(q "SELECT has_table_privilege('mailsift_ingest', 'bounce_daily', 'INSERT')
    AND has_table_privilege('mailsift_reader', 'bounce_sender_daily_v', 'SELECT')
    AND NOT has_table_privilege('mailsift_reader', 'bounce_daily', 'SELECT')")" t \
    "013 grants the ingest role its INSERT and the reader the new views, no more"
is "$(q "SELECT count(*) FROM schema_migrations WHERE version = 13")" 1 "013 recorded"
is "$(q "SELECT sum(recipients) FROM bounce_daily")" 4 "the rollup has the 4 recipients"
is "$(q "SELECT string_agg(b::text, ' ' ORDER BY b::text) FROM bounce_daily_v b")" "$want" \
    "bounce_daily_v as before the upgrade"
same "upgraded"
