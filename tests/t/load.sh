# load.sh - Postfix runs many pipe processes at once: 16 concurrent
# `ingest -` over thousands of deliveries in which every report arrives
# three times; and a long Maildir run keeps constant memory.
. "$TOP/tests/t/lib.sh"

# --- 16 concurrent ingest - ---------------------------------------------------
fresh_db mailsift_t_load
asan=
ldd "$MAILSIFT" 2>/dev/null | grep -q libasan && asan=1
# 700 reports, 2,100 deliveries; fewer under the sanitizers (slower, and
# they look for memory errors, not for races).
N=${MAILSIFT_LOAD_REPORTS:-${asan:+200}}
N=${N:-700}
"$MAILSIFT_GEN" maildir "$T_TMP/src" --messages "$N" --seed 61 --days 6 \
    --max-records 8 --expected "$T_TMP/truth.tsv" >/dev/null
# Three deliveries of each report: the message, the same bytes again
# (found by their hash) and a re-sent copy with another Message-ID (found
# by the report's identity).  The three are next to each other in the
# list, so they are in flight at the same time.
ls "$T_TMP/src/new" >"$T_TMP/names"
mkdir "$T_TMP/resent"
(cd "$T_TMP/src/new" && awk -v dir="$T_TMP/resent" '
	FNR == 1 { if (out) close(out); out = dir "/" FILENAME }
	/^Message-I[Dd]: </ { sub(/^Message-I[Dd]: </, "Message-ID: <resent-") }
	{ print > out }' $(cat "$T_TMP/names"))
while read -r n; do
	echo "$T_TMP/src/new/$n"; echo "$T_TMP/resent/$n"; echo "$T_TMP/src/new/$n"
done <"$T_TMP/names" >"$T_TMP/list"
n=$(head -n 1 "$T_TMP/names")
cmp -s "$T_TMP/src/new/$n" "$T_TMP/resent/$n"
is "$?" 1 "the re-sent copies differ from the originals"
is "$(cat "$T_TMP/resent/"* | grep -c '^Message-ID: <resent-')" "$N" \
    "each has a new Message-ID"
: >"$T_TMP/fails"
start=$(date +%s)
# Like pipe(8): one process per delivery, the message on stdin, the exit
# status recorded.
xargs -P 16 -n 1 sh -c '"$0" ingest - <"$2" 2>>"$1.err" ||
    echo "$? $2" >>"$1"' "$MAILSIFT" "$T_TMP/fails" <"$T_TMP/list"
ok $? "$((N * 3)) deliveries by 16 concurrent ingest - in $(($(date +%s) - start)) s"
is "$(wc -l <"$T_TMP/fails")" 0 "no process failed"
head -n 3 "$T_TMP/fails" | sed 's/^/# /'
grep -v '^$' "$T_TMP/fails.err" | head -n 3 | sed 's/^/# /'
is "$(q "SELECT count(*) FROM dmarc_report")" "$N" "every report stored exactly once"
is "$(q "SELECT string_agg(outcome || '=' || n, ' ' ORDER BY outcome)
    FROM (SELECT outcome, count(*) n FROM ingest_log GROUP BY 1) o")" \
    "duplicate=$((N * 2)) stored=$N" \
    "one delivery of each report logged stored, the other two duplicate"
is "$(q "SELECT count(*) FROM dmarc_report r JOIN ingest_log l ON l.id = r.ingest_id
    WHERE l.outcome = 'stored'")" "$N" "each report belongs to the delivery logged stored"
want=$(tail -n +2 "$T_TMP/truth.tsv" | awk -F'\t' '{r += $3; c += $4} END {print r "/" c}')
is "$(q "SELECT count(*) FROM dmarc_record")/$(q "SELECT sum(count) FROM dmarc_record")" \
    "$want" "records and message totals equal the generator's truth"
tail -n +2 "$T_TMP/truth.tsv" | awk -F'\t' '{print $1","$2","$4","$5","$6}' |
    sort >"$T_TMP/truth.csv"
q "COPY (SELECT day, host(source_ip), sum(messages), sum(dmarc_pass), sum(dmarc_fail)
    FROM dmarc_daily_v GROUP BY 1, 2) TO STDOUT WITH (FORMAT csv)" |
    sort >"$T_TMP/daily.csv"
[ -s "$T_TMP/truth.csv" ] && cmp -s "$T_TMP/truth.csv" "$T_TMP/daily.csv"
ok $? "per day and source IP, counts and DMARC pass/fail equal the truth"
rm -rf "$T_TMP/src" "$T_TMP/resent"

# --- constant memory over a long Maildir run ---------------------------------
# Peak RSS of one process (--jobs 1) over 2,000 and over 20,000 messages.
# The file names of the Maildir are listed up front (a few hundred bytes
# each), hence the allowance beyond the ratio.
if [ -n "$asan" ]; then
	echo "ok - skip: peak RSS under AddressSanitizer measures its quarantine, not mailsift"
	exit 0
fi
if ! [ -x /usr/bin/time ]; then
	echo "ok - skip: /usr/bin/time is missing (make deps installs it)"
	exit 0
fi
fresh_db mailsift_t_memory
rss() {		# messages seed: peak RSS in KiB of one ingest --maildir, in $T_TMP/rss
	"$MAILSIFT_GEN" maildir "$T_TMP/m$1" --messages "$1" --seed "$2" \
	    --days 10 --max-records 5 >/dev/null
	start=$(date +%s)
	/usr/bin/time -f %M -o "$T_TMP/rss" "$MAILSIFT" ingest --jobs 1 \
	    --maildir "$T_TMP/m$1" 2>/dev/null
	ok $? "ingest --maildir of $1 messages ($(($(date +%s) - start)) s)"
	is "$(ls "$T_TMP/m$1/new" | wc -l)" 0 "every one of the $1 committed"
	rm -rf "$T_TMP/m$1"
}
rss 2000 71
small=$(tail -n 1 "$T_TMP/rss")
rss 20000 72
large=$(tail -n 1 "$T_TMP/rss")
limit=$((small * 3 / 2 + 8192))
[ "$large" -le "$limit" ]
ok $? "peak RSS ${large} KiB for 20,000 messages, ${small} KiB for 2,000 (limit ${limit} KiB)"
is "$(q "SELECT count(*) FROM dmarc_report")" 22000 "all 22,000 reports stored"
