# concurrency.sh - several ingesters racing on the same reports: every
# report stored exactly once, totals exact, nobody fails.
. "$TOP/tests/t/lib.sh"

fresh_db mailsift_t_concurrency
"$MAILSIFT_GEN" maildir "$T_TMP/src" --messages 200 --seed 11 --days 5 \
    --expected "$T_TMP/truth.tsv" >/dev/null
# Four Maildirs holding overlapping halves, in different orders, so the
# same report is in flight in several transactions at once.
for i in 1 2 3 4; do
	mkdir -p "$T_TMP/m$i/new" "$T_TMP/m$i/cur" "$T_TMP/m$i/tmp"
done
ls "$T_TMP/src/new" | sort >"$T_TMP/names"
head -n 150 "$T_TMP/names" | while read -r n; do cp "$T_TMP/src/new/$n" "$T_TMP/m1/new/a$n"; done
tail -n 150 "$T_TMP/names" | while read -r n; do cp "$T_TMP/src/new/$n" "$T_TMP/m2/new/a$n"; done
sort -r "$T_TMP/names" | head -n 150 | while read -r n; do cp "$T_TMP/src/new/$n" "$T_TMP/m3/new/$(printf %s "$n" | rev)"; done
cat "$T_TMP/names" | while read -r n; do cp "$T_TMP/src/new/$n" "$T_TMP/m4/new/b$n"; done
pids=
for i in 1 2 3 4; do
	"$MAILSIFT" ingest --batch 20 --maildir "$T_TMP/m$i" 2>"$T_TMP/err$i" &
	pids="$pids $!"
done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
is "$fails" 0 "four concurrent ingesters all exit 0"
cat "$T_TMP"/err? | grep -v 'stored\|^$' | head -n 5 | sed 's/^/# /'
is "$(q "SELECT count(*) FROM dmarc_report_v")" 200 "every report stored exactly once"
is "$(q "SELECT count(*) FROM ingest_log_v WHERE outcome = 'stored'")" 200 \
    "exactly one ingester logged each report as stored"
is "$(q "SELECT count(*) FROM ingest_log_v WHERE outcome = 'duplicate'")" 450 \
    "the other 450 copies (150+150+150+200 in all) are logged as duplicates"
want=$(tail -n +2 "$T_TMP/truth.tsv" | awk -F'\t' '{c += $4} END {print c}')
is "$(q "SELECT sum(count) FROM dmarc_record_v")" "$want" \
    "message totals equal the generator's truth"
is "$(q "SELECT count(*) FROM (SELECT * FROM dmarc_daily_v EXCEPT ALL
    SELECT * FROM dmarc_daily_records_v) a")/$(q "SELECT count(*) FROM
    (SELECT * FROM dmarc_daily_records_v EXCEPT ALL
    SELECT * FROM dmarc_daily_v) a")" "0/0" \
    "the daily rollup the racing ingesters kept equals the records"
is "$(q "SELECT sum(messages) FROM dmarc_daily_domain")" "$want" \
    "the per-domain rollup counts every message once"
