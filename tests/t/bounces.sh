# bounces.sh - bounces end to end: ingest, duplicates, `mailsift bounces`,
# `reclassify`, and the DMARC<->bounce join in `mailsift trend`.
#
# The fixtures (tests/data/bounce-join/) tell one story on 2026-10-20: the
# reporters say 198.51.100.25 fails DKIM for example.com (Google: 40 fail
# DKIM and SPF, 8 pass SPF; Yahoo: 12 fail both; another IP passes), and
# our Postfix returns three Gmail 5.7.26 rejections whose diagnostics name
# 198.51.100.25 (two in one DSN, which also arrives a second time through
# another path, one in the "unauthenticated" wording), one unknown user
# without an IP, and an out-of-office reply.
. "$TOP/tests/t/lib.sh"
D=$TOP/tests/data/bounce-join
IP=198.51.100.25

fresh_db mailsift_t_bounces

for f in dmarc-google dmarc-yahoo postfix-gmail-5.7.26 \
    postfix-gmail-unauthenticated postfix-userunknown vacation; do
	"$MAILSIFT" ingest - <"$D/$f.eml" 2>"$T_TMP/err"
	ok $? "ingest - of $f exits 0"
done
is "$(q "SELECT string_agg(outcome || ':' || bounce_recipients, ','
    ORDER BY id) FROM ingest_log_v")" \
    "stored:0,stored:0,stored:2,stored:1,stored:1,stored:1" \
    "reports and bounces stored, the log counting bounce recipients"

# --- duplicates ------------------------------------------------------------
"$MAILSIFT" ingest - <"$D/postfix-gmail-5.7.26.eml"
ok $? "the same DSN piped again exits 0"
"$MAILSIFT" ingest - <"$D/postfix-gmail-5.7.26-resent.eml"
ok $? "the DSN delivered by another path exits 0"
is "$(q "SELECT string_agg(outcome, ',' ORDER BY id) FROM (SELECT * FROM
    ingest_log_v ORDER BY id DESC LIMIT 2) l")" "duplicate,duplicate" \
    "both logged as duplicates"
is "$(q "SELECT count(*), count(DISTINCT bounce_pk) FROM bounce_v")" "5|4" \
    "each bounce stored once: 5 recipients in 4 messages"
mkdir -p "$T_TMP/md/new" "$T_TMP/md/cur" "$T_TMP/md/tmp"
for f in postfix-gmail-5.7.26 postfix-gmail-5.7.26-resent postfix-userunknown; do
	cp "$D/$f.eml" "$T_TMP/md/new/$f"
done
"$MAILSIFT" ingest --maildir "$T_TMP/md" 2>/dev/null
ok $? "a Maildir of the same bounces"
is "$(q "SELECT count(*) FROM bounce_v")" 5 "still stored once"

# --- what was stored -------------------------------------------------------
is "$(q "SELECT string_agg(recipient || ' ' || reason || ' ' ||
    coalesce(host(sending_ip), '-'), ',' ORDER BY recipient)
    FROM bounce_v WHERE bounced")" \
    "ana.lima@gmail.com authfailure $IP,j.okafor@gmail.com authfailure $IP,lars.berg@googlemail.com authfailure $IP,m.rossi@example.org userunknown $(q "SELECT coalesce(host(sending_ip), '-') FROM bounce_v WHERE recipient = 'm.rossi@example.org'")" \
    "the 5.7.26 rejections name $IP and are authfailure"
is "$(q "SELECT status, reply_code, kind, sender_domain, queue_id,
    orig_message_id, day FROM bounce_v WHERE recipient = 'ana.lima@gmail.com'")" \
    "5.7.26|550|bounce|example.com|4YJ8Ql6W7Kz1xqG|newsletter-2026-10-20.8812@example.com|2026-10-20" \
    "status, reply code, sender domain, queue id, original, day"
is "$(q "SELECT kind || ':' || reason || ':' || bounced FROM bounce_v
    WHERE recipient = 'p.souza@example.org'")" "autoreply:vacation:false" \
    "the out-of-office reply is stored as an auto-reply, not a bounce"

# --- the join: one trend row with both sides ----------------------------------
"$MAILSIFT" trend --by ip --since 3650d --format csv >"$T_TMP/trend.csv"
ok $? "trend --by ip --format csv"
is "$(head -n 1 "$T_TMP/trend.csv" | tr -d '\r')" \
    "day,source_ip,ptr,messages,dmarc_pass,dmarc_fail,pass_pct,dkim_pass,spf_pass,quarantined,rejected,bounces,auth_bounces,failure_reports" \
    "the existing columns with ptr after source_ip, then bounces and auth_bounces, then failure_reports"
is "$(grep -c "^2026-10-20,$IP," "$T_TMP/trend.csv")" 1 "one row for $IP on 2026-10-20"
is "$(grep "^2026-10-20,$IP," "$T_TMP/trend.csv" | tr -d '\r')" \
    "2026-10-20,$IP,,60,8,52,13.3,0,8,0,0,3,3,0" \
    "it holds the DMARC failures (52 of 60) and the 3 auth bounces"
is "$(grep "^2026-10-20,192.0.2.10," "$T_TMP/trend.csv" | tr -d '\r')" \
    "2026-10-20,192.0.2.10,,100,100,0,100.0,100,100,0,0,0,0,0" \
    "an IP with reports only: no bounces"
"$MAILSIFT" trend --by ip --since 3650d --ip "$IP" --format json >"$T_TMP/trend.json"
python3 - "$T_TMP/trend.json" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 1, rows
r = rows[0]
assert r["dmarc_fail"] == 52 and r["bounces"] == 3 and r["auth_bounces"] == 3, r
EOF
ok $? "trend --format json has the bounce columns as numbers"
is "$(q "SELECT dmarc_fail, auth_bounces FROM dmarc_bounce_daily_v
    WHERE source_ip = '$IP' AND day = '2026-10-20'")" "52|3" \
    "dmarc_bounce_daily_v: the same row for dashboards"
"$MAILSIFT" trend --by day --since 3650d --format csv | tr -d '\r' >"$T_TMP/day.csv"
is "$(grep '^2026-10-20,' "$T_TMP/day.csv")" "2026-10-20,160,108,52,67.5,100,108,0,0,4,3,0" \
    "trend --by day: all IPs, with the bounces"

# --- mailsift bounces ----------------------------------------------------------
"$MAILSIFT" bounces --since 3650d --by reason --format csv | tr -d '\r' >"$T_TMP/by.csv"
ok $? "bounces --by reason"
is "$(cut -d, -f1,2 "$T_TMP/by.csv" | tr '\n' ' ')" \
    "reason,bounces authfailure,3 userunknown,1 " "3 authfailure, 1 userunknown"
is "$("$MAILSIFT" bounces --since 3650d --by reason --all-kinds --format csv |
    grep -c '^vacation,1,')" 1 "--all-kinds adds the auto-reply"
is "$("$MAILSIFT" bounces --since 3650d --reason authfailure --ip 198.51.100.0/24 \
    --format csv | tail -n +2 | cut -d, -f2 | sort | tr '\n' ' ')" \
    "ana.lima@gmail.com j.okafor@gmail.com lars.berg@googlemail.com " \
    "--reason authfailure --ip: the three recipients"
is "$("$MAILSIFT" bounces --since 3650d --domain gmail.com --by domain --format csv |
    tail -n +2 | cut -d, -f1,2)" "gmail.com,2" "--domain: by recipient domain"
is "$("$MAILSIFT" bounces --since 3650d --by ip --format json | python3 -c '
import json, sys
print(" ".join("%s=%d/%d" % (o["sending_ip"], o["bounces"], o["auth"])
    for o in map(json.loads, sys.stdin) if o["sending_ip"] == "'$IP'"))')" \
    "$IP=3/3" "--by ip --format json"
"$MAILSIFT" bounces --since 3650d --by day >/dev/null
ok $? "--by day, table"
"$MAILSIFT" bounces --reason nosuchreason >/dev/null 2>&1
is $? 64 "an unknown reason is a usage error"
"$MAILSIFT" bounces --by nothing >/dev/null 2>&1
is $? 64 "a bad --by is a usage error"
"$MAILSIFT" bounces --ip 'x; DROP TABLE bounce_message' >/dev/null 2>&1
is $? 64 "a bad --ip is a usage error"
"$MAILSIFT" bounces --since 7d --format csv | tr -d '\r' >"$T_TMP/recent.csv"
is "$(wc -l <"$T_TMP/recent.csv" | tr -d ' ')" 1 "--since 7d: October's bounces are older"

# --- reclassify -------------------------------------------------------------
out=$("$MAILSIFT" reclassify)
ok $? "reclassify exits 0"
is "$out" "mailsift: 0 of 0 recipients changed (rules version $(q "SELECT max(rules_version) FROM bounce_v"))" \
    "nothing classified by older rules"
q "UPDATE bounce_recipient SET rules_version = rules_version - 1,
    reason = 'undefined', rule = 'old' WHERE recipient = 'ana.lima@gmail.com'" >/dev/null
out=$("$MAILSIFT" reclassify)
is "$(echo "$out" | sed 's/ (rules.*//')" "mailsift: 1 of 1 recipients changed" \
    "after a rules bump, the old row is classified again"
is "$(q "SELECT reason FROM bounce_v WHERE recipient = 'ana.lima@gmail.com'")" \
    authfailure "and gets the reason the current rules give"
"$MAILSIFT" reclassify --all | grep -q '^mailsift: 0 of 5 recipients changed'
ok $? "reclassify --all: all 5 seen, none changed"

# --- not a report, not a bounce ---------------------------------------------------
printf 'From: a@example.org\nTo: b@example.org\nSubject: hi\nMessage-ID: <nb1@example.org>\nMIME-Version: 1.0\nContent-Type: text/plain\n\nhello\n' |
    "$MAILSIFT" ingest -
ok $? "a plain e-mail exits 0"
is "$(q "SELECT outcome || ': ' || reason FROM ingest_log_v ORDER BY id DESC LIMIT 1")" \
    "not_report: no report, bounce, auto-reply or complaint found in the message" \
    "a plain e-mail: not a report, and the reason says what was looked for"

# --- ingesters racing on the same bounce -------------------------------------------
fresh_db mailsift_t_bounces_race
pids=
for i in 1 2 3 4 5 6; do
	for f in postfix-gmail-5.7.26 postfix-gmail-5.7.26-resent; do
		"$MAILSIFT" ingest - <"$D/$f.eml" 2>>"$T_TMP/race.err" &
		pids="$pids $!"
	done
done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
is "$fails" 0 "12 concurrent ingest - of one bounce by two paths: all exit 0"
is "$(q "SELECT count(*), count(DISTINCT bounce_pk) FROM bounce_v")" "2|1" \
    "stored once: one message, its two recipients"
is "$(q "SELECT count(*) FILTER (WHERE outcome = 'stored'), count(*) FILTER
    (WHERE outcome = 'duplicate') FROM ingest_log_v")" "1|11" \
    "one ingester stored it, the other 11 logged a duplicate"

# --- the demo month, against the generator's truth ----------------------------------
fresh_db mailsift_t_bounces_demo
"$MAILSIFT_GEN" maildir "$T_TMP/demo/Maildir" --demo --seed 1 >"$T_TMP/demo.out"
"$MAILSIFT" ingest --maildir "$T_TMP/demo/Maildir" 2>"$T_TMP/err"
ok $? "ingest of the demo month (reports and bounces)"
dm="$T_TMP/demo/Maildir.bounces.tsv"
is "$(q "SELECT count(*) FROM bounce_v")" "$(tail -n +2 "$dm" | wc -l | tr -d ' ')" \
    "every generated bounce recipient stored"
tail -n +2 "$dm" | cut -f5 | sort | uniq -c | awk '{ print $2 "|" $1 }' >"$T_TMP/want.days"
q "SELECT day, count(*) FROM bounce_v GROUP BY 1 ORDER BY 1" >"$T_TMP/got.days"
cmp -s "$T_TMP/want.days" "$T_TMP/got.days"
ok $? "on the days the generator sent them"
# The story: per day, 198.51.100.25's DMARC failures (the reports' truth)
# and its Gmail 5.7.26 bounces (the bounces' truth) on one trend row.
awk -F '\t' '$2 == "198.51.100.25" { f[$1] = $6 }
    FILENAME == ARGV[2] && FNR > 1 && $9 == "authfailure" { a[$5]++ }
    END { for (d in f) print d "," f[d] "," (a[d] + 0) }' \
    "$T_TMP/demo/Maildir.expected.tsv" "$dm" | sort >"$T_TMP/want.story"
"$MAILSIFT" trend --by ip --since 3650d --ip 198.51.100.25 --format csv |
    tr -d '\r' | tail -n +2 | cut -d, -f1,6,13 | sort >"$T_TMP/got.story"
cmp -s "$T_TMP/want.story" "$T_TMP/got.story"
ok $? "trend: 198.51.100.25's DMARC failures and auth bounces, one row a day, as generated"
diff "$T_TMP/want.story" "$T_TMP/got.story" | head -n 5 | sed 's/^/# /'
is "$(awk -F, '$3 > 0' "$T_TMP/got.story" | wc -l | tr -d ' ')" 12 \
    "auth bounces on the 12 days from the break on"
