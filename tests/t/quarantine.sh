# quarantine.sh - the quarantine, seen and counted: the same bytes
# quarantined again are a duplicate of the pending entry (one row to look
# at, one copy of the bytes); each requeue adds exactly one log row per
# message retried and no quarantine row; list, show, raw (byte for byte)
# and drop (the schema owner only).
. "$TOP/tests/t/lib.sh"

fresh_db mailsift_t_quarantine
log_rows() { q "SELECT count(*) FROM ingest_log"; }
quar_rows() { q "SELECT count(*) FROM quarantine"; }
pending() { q "SELECT count(*) FROM quarantine WHERE requeued_at IS NULL"; }

# --- five ingests of one empty file ---------------------------------------------------------
: >"$T_TMP/empty.eml"
for i in 1 2 3; do "$MAILSIFT" ingest "$T_TMP/empty.eml" 2>/dev/null; done
for i in 1 2; do "$MAILSIFT" ingest - <"$T_TMP/empty.eml" 2>/dev/null; done
ok $? "an empty message exits 0"
is "$(quar_rows)" 1 "five ingests of one empty file: one quarantine row"
is "$(log_rows)" 5 "and five log rows"
first=$(q "SELECT ingest_id FROM quarantine")
is "$(q "SELECT string_agg(outcome || ':' || coalesce(duplicate_of::text, '-'), ' ' ORDER BY id)
    FROM ingest_log")" \
    "quarantined:- duplicate:$first duplicate:$first duplicate:$first duplicate:$first" \
    "the other four are duplicates pointing at it"

# --- 13 messages, one sent three times, one twice: 16 in one Maildir run ------------------------
md=$T_TMP/md
mkdir -p "$md/new" "$md/cur" "$md/tmp"
broken() {	# n -> a report e-mail whose XML breaks off
	printf 'From: reporter%d@example.net\nTo: dmarc@example.com\nSubject: Report %d\nDate: Sun, 6 Dec 2026 01:0%d:00 +0000\nMessage-ID: <q%d@example.net>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\nreport\n--XX\nContent-Type: text/xml; name=r%d.xml\nContent-Disposition: attachment; filename=r%d.xml\n\n<?xml version="1.0"?><feedback><report_metadata><org_name>o%d</org_name>\n--XX--\n' \
	    "$1" "$1" "$(($1 % 10))" "$1" "$1" "$1" "$1"
}
for i in $(seq 1 10); do broken "$i" >"$md/new/m$i"; done
broken 11 >"$md/new/m11a"; broken 11 >"$md/new/m11b"; broken 11 >"$md/new/m11c"
broken 12 >"$md/new/m12a"; broken 12 >"$md/new/m12b"
# One with NUL and 8-bit bytes: a gzip that breaks off.
printf '\037\213\010\000\000\000\000\000\000\003\001\000\377\376binary\000tail\200' >"$md/new/m13"
"$MAILSIFT" ingest --maildir "$md" --jobs 1 2>/dev/null
ok $? "ingest --maildir of 16 broken messages exits 0"
is "$(log_rows)" $((5 + 16)) "16 more log rows"
is "$(quar_rows)" $((1 + 13)) "13 more quarantine rows: the copies are duplicates"
is "$(q "SELECT count(*) FROM ingest_log WHERE duplicate_of IS NOT NULL")" $((4 + 3)) \
    "the extra copies point at their entries"
# The same Maildir again (now in cur/): duplicates, nothing new held.
"$MAILSIFT" ingest --maildir "$md" 2>/dev/null
is "$(log_rows)" $((21 + 16)) "ingesting them again logs 16 rows"
is "$(quar_rows)" 14 "and adds no quarantine row"

# --- requeue: one log row per message retried, per run -------------------------------------------
n=$(pending)
is "$n" 14 "14 entries pending"
for run in 1 2 3; do
	before=$(log_rows)
	"$MAILSIFT" requeue 2>/dev/null
	ok $? "requeue run $run exits 0"
	is "$(( $(log_rows) - before ))" "$n" "requeue run $run: $n log rows, one per message"
	is "$(quar_rows)" 14 "requeue run $run: no quarantine row added"
done
is "$(q "SELECT min(attempts) || ' ' || max(attempts) FROM quarantine")" "3 3" \
    "each entry counts its three attempts"
id13=$(q "SELECT q.ingest_id FROM quarantine q JOIN ingest_log l ON l.id = q.ingest_id
    WHERE l.source LIKE '%/m13%'")
before=$(log_rows)
"$MAILSIFT" quarantine requeue --id "$id13" 2>/dev/null
ok $? "quarantine requeue --id N exits 0"
is "$(( $(log_rows) - before ))" 1 "and retries that one message only"

# A message quarantined by a limit is stored by requeue: the entry is done.
"$MAILSIFT_GEN" maildir "$T_TMP/good" --messages 1 --seed 11 >/dev/null
good=$(ls "$T_TMP/good/new/"*)
"$MAILSIFT" ingest --max-inflated-size 100 - <"$good" 2>/dev/null
is "$(pending)" 15 "a message over a limit is held"
"$MAILSIFT" quarantine requeue 2>/dev/null
is "$(pending)" 14 "requeue stores it and the entry is done"
is "$(q "SELECT outcome FROM ingest_log ORDER BY id DESC LIMIT 1")" stored \
    "logged stored"

# --- list, show, raw ------------------------------------------------------------------------------
"$MAILSIFT" quarantine list >"$T_TMP/list"
ok $? "quarantine list exits 0"
is "$(head -n 1 "$T_TMP/list" | tr -s ' ')" \
    "id received source reason size attempts duplicates" "list columns"
is "$(($(wc -l <"$T_TMP/list") - 1))" 14 "one line per pending entry"
"$MAILSIFT" quarantine >"$T_TMP/list2"
cmp -s "$T_TMP/list" "$T_TMP/list2"
ok $? "list is the default"
"$MAILSIFT" quarantine list --format json >"$T_TMP/list.json"
python3 - "$T_TMP/list.json" "$first" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 14, len(rows)
for r in rows:
    assert set(r) == {"id", "received", "source", "reason", "size", "attempts",
                      "duplicates"}, r
    assert isinstance(r["id"], int) and isinstance(r["size"], int) and r["reason"]
e = [r for r in rows if r["id"] == int(sys.argv[2])][0]
assert e["size"] == 0 and e["duplicates"] == 4 and e["reason"] == "empty message", e
PY
ok $? "list --format json: JSON Lines, numbers as numbers, the empty file's entry"

id11=$(q "SELECT q.ingest_id FROM quarantine q JOIN ingest_log l ON l.id = q.ingest_id
    WHERE l.source LIKE '%/m11%'")
"$MAILSIFT" quarantine show "$id11" >"$T_TMP/show"
ok $? "quarantine show exits 0"
grep -q "^reason .*r11.xml" "$T_TMP/show" && grep -q "^from  *reporter11@example.net" "$T_TMP/show" &&
    grep -q "^subject  *Report 11" "$T_TMP/show" && grep -q "^date  *Sun, 6 Dec 2026" "$T_TMP/show" &&
    grep -q "^duplicates  *5" "$T_TMP/show" && grep -q "^attempts  *4" "$T_TMP/show"
ok $? "show: the reason, From, Subject, Date, duplicates and attempts"
is "$(sed -n '/^mime/,$p' "$T_TMP/show")" "$(printf 'mime\n  multipart/mixed\n    text/plain (6 bytes)\n    text/xml "r11.xml" (72 bytes)')" \
    "show: the MIME structure"
sed 's/^/#   /' "$T_TMP/show"
"$MAILSIFT" quarantine show "$id11" --format json >"$T_TMP/show.json"
python3 - "$T_TMP/show.json" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1
r = json.loads(lines[0])
assert r["subject"] == "Report 11" and r["duplicates"] == 5, r
assert [p["content_type"] for p in r["mime"]] == ["multipart/mixed", "text/plain", "text/xml"], r
assert r["mime"][2]["filename"] == "r11.xml" and r["mime"][2]["depth"] == 1, r
PY
ok $? "show --format json: one object with the MIME parts"
"$MAILSIFT" quarantine show "$id13" >"$T_TMP/show13"
ok $? "show of a broken gzip file (no MIME message) exits 0"
grep -q "^mime  *(not a MIME message)" "$T_TMP/show13"
ok $? "and says there is no MIME structure"
is "$("$MAILSIFT" quarantine show "$first" | grep '^mime')" "mime         (empty message)" \
    "show of the empty message says so"
# Hostile bytes: show stays within the walk's limits and says so.
python3 "$TOP/tests/hostile/mk.py" mime-parts 100000 >"$T_TMP/parts.eml"
"$MAILSIFT" ingest - <"$T_TMP/parts.eml" 2>/dev/null
idp=$(q "SELECT max(ingest_id) FROM quarantine")
"$MAILSIFT" quarantine show "$idp" >"$T_TMP/showp"
ok $? "show of a message with 100,000 MIME parts exits 0"
grep -q "^mime  *(not read: more than 2000 MIME parts (max_parts))" "$T_TMP/showp"
ok $? "and names the limit instead of a tree"
python3 "$TOP/tests/hostile/mk.py" mime-parts 3000 >"$T_TMP/parts3.eml"
"$MAILSIFT" ingest - <"$T_TMP/parts3.eml" 2>/dev/null
idp3=$(q "SELECT max(ingest_id) FROM quarantine")
"$MAILSIFT" quarantine show "$idp3" >"$T_TMP/showp3"
ok $? "show of a message with 3,000 MIME parts exits 0"
[ "$(sed -n '/^mime/,$p' "$T_TMP/showp3" | wc -l)" = 202 ] &&
    [ "$(tail -n 1 "$T_TMP/showp3")" = "  ... (more parts)" ]
ok $? "and prints the first 200 parts, saying there are more"
python3 "$TOP/tests/hostile/mk.py" mime-deep 100 >"$T_TMP/deep.eml"
"$MAILSIFT" ingest - <"$T_TMP/deep.eml" 2>/dev/null
idd=$(q "SELECT max(ingest_id) FROM quarantine")
"$MAILSIFT" quarantine show "$idd" >"$T_TMP/showd"
ok $? "show of MIME nested 100 deep exits 0"
[ "$(sed -n '/^mime/,$p' "$T_TMP/showd" | wc -l)" -le 40 ]
ok $? "and prints a bounded tree"
"$MAILSIFT" quarantine drop "$idp" 2>/dev/null && "$MAILSIFT" quarantine drop "$idd" 2>/dev/null &&
    "$MAILSIFT" quarantine drop "$idp3" 2>/dev/null
ok $? "all three dropped again"

"$MAILSIFT" quarantine raw "$id11" >"$T_TMP/raw11"
ok $? "quarantine raw exits 0"
cmp -s "$T_TMP/raw11" "$md/cur/$(ls "$md/cur" | grep '^m11a')"
ok $? "raw: the exact bytes"
"$MAILSIFT" quarantine raw "$id13" >"$T_TMP/raw13"
cmp -s "$T_TMP/raw13" "$md/cur/$(ls "$md/cur" | grep '^m13')"
ok $? "raw: NUL and 8-bit bytes exactly"
"$MAILSIFT" quarantine raw "$first" >"$T_TMP/raw0"
ok $? "raw of the empty message exits 0"
is "$(wc -c <"$T_TMP/raw0")" 0 "and writes nothing"

# --- drop: the schema owner only -------------------------------------------------------------------
"$MAILSIFT" db roles >/dev/null
in_user=ms_t_qin_$$ rd_user=ms_t_qrd_$$
psql -X -q -d "$T_DB" -c "CREATE ROLE $in_user LOGIN IN ROLE mailsift_ingest;
    CREATE ROLE $rd_user LOGIN IN ROLE mailsift_reader;" 2>&1
trap 'psql -X -q -d postgres -c "DROP ROLE IF EXISTS $in_user, $rd_user" 2>/dev/null; t_cleanup' EXIT
"$MAILSIFT" --db "dbname=$T_DB user=$rd_user" quarantine drop "$id11" 2>"$T_TMP/err"
is "$?" 78 "the reader cannot drop (78)"
grep -q "permission denied" "$T_TMP/err"
ok $? "saying why"
"$MAILSIFT" --db "dbname=$T_DB user=$rd_user" quarantine list >/dev/null 2>&1
[ $? != 0 ]; ok $? "the reader cannot list the quarantine"
"$MAILSIFT" --db "dbname=$T_DB user=$in_user" quarantine drop "$id11" 2>/dev/null
is "$?" 78 "the ingest role cannot drop (78)"
"$MAILSIFT" --db "dbname=$T_DB user=$in_user" quarantine list >/dev/null
ok $? "the ingest role can list"
is "$(quar_rows)" 15 "nothing dropped by them"
"$MAILSIFT" quarantine drop "$id11" 2>/dev/null
ok $? "the owner drops it"
is "$(q "SELECT count(*) FROM quarantine WHERE ingest_id = $id11")" 0 "gone"
is "$(q "SELECT outcome FROM ingest_log WHERE id = $id11")" quarantined "its log row stays"
"$MAILSIFT" quarantine drop "$id11" 2>/dev/null
is "$?" 66 "dropping it again: 66, no such entry"
"$MAILSIFT" quarantine show "$id11" 2>/dev/null
is "$?" 66 "show of a dropped entry: 66"
"$MAILSIFT" quarantine raw 999999 2>/dev/null
is "$?" 66 "raw of no entry: 66"
"$MAILSIFT" quarantine show banana 2>"$T_TMP/err"
is "$?" 64 "a bad ID: 64"
grep -q "bad ID 'banana'" "$T_TMP/err"
ok $? "saying what is expected"
"$MAILSIFT" quarantine frobnicate 2>/dev/null
is "$?" 64 "an unknown action: 64"
"$MAILSIFT" quarantine show 2>/dev/null
is "$?" 64 "show without an ID: 64"
# Once dropped, the same bytes are held again.
"$MAILSIFT" ingest - <"$md/cur/$(ls "$md/cur" | grep '^m11a')" 2>/dev/null
is "$(q "SELECT outcome FROM ingest_log ORDER BY id DESC LIMIT 1")" quarantined \
    "after a drop the same bytes are quarantined anew"
