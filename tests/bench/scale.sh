#!/bin/sh
# scale.sh - `make bench-scale`: the questions of issue 10 against a big
# generated history, read from the daily rollup next to the same questions
# computed from the records (dmarc_daily_records_v, the views' definition
# before the rollup), in the same run on the same data.
#
#   SCALE_RECORDS=1000000 tests/bench/scale.sh	   (after make)
#
# Environment:
#   SCALE_RECORDS	records to generate (10000000); about 34 a report
#   SCALE_OLDER		times as many older records added in step 5 (4;
#			0 skips the step)
#   SCALE_RUNS		warm runs per query, the median printed (5)
#   SCALE_DIR		scratch directory (build/bench-scale, wiped first)
#   SCALE_SKIP_RAW	1: leave out the queries on the records
#   SCALE_FROM		5: skip steps 1-4 and go on from step 5 with the
#			scratch directory and scale_rollup of an earlier run
#			of the same SCALE_RECORDS (10M records, then 4x as
#			many older ones, in two sittings)
#   SCALE_BOUNCES	bounces to generate over the same 90 days and ingest
#			after step 2 (0: none): into scale_bplain with the
#			bounce rollup's INSERT made a no-op (a rule), then
#			into scale_rollup, seconds and ratio printed; and the
#			bounce side of dmarc_bounce_daily_v asked for 7, 30
#			and 90 days in step 3, from the rollup
#			(bounce_sender_daily_v) and from bounce_v
#   SCALE_BASE		a mailsift without the store's rollup, for the ingest
#			without it (default: built from git SCALE_BASE_REV,
#			b01dbce, main before 012_rollup_fast.sql, into
#			build/scale-base; its rollup triggers are disabled)
#   MAILSIFT_BUILD	build directory (build)
#   MAILSIFT_PGDIR, MAILSIFT_PGPORT  the cluster (tests/pg.sh): by default
#			one of its own, build/pg-scale, stopped at the end, so
#			that its restarts (the cold runs) touch no test's
#
# What it does:
#   1. mailsift-gen maildir --scale: 100 policy domains and 50k source
#      addresses, both skewed, a quarter of the reports over two UTC days,
#      90 days ending yesterday.
#   2. Ingest with --jobs 2 into three fresh databases of the same cluster:
#      scale_plain by SCALE_BASE with its rollup triggers disabled (what
#      ingest costs without the rollup: since 012 this mailsift writes the
#      rollup rows itself), scale_unpart, whose dmarc_record is one table
#      as before sql/011_partition.sql (what partitions cost), then
#      scale_rollup.  Seconds, records/s, the ratios, WAL written per
#      million records (pg_current_wal_lsn before and after), database
#      size per million records.
#   3. Each question: cold (the first run after PostgreSQL restarted: its
#      buffers empty, the kernel's page cache not) and warm (median of
#      SCALE_RUNS), from the rollup and from the records.
#   4. trend --by ip --since 30d unfiltered: rows, peak RSS (/usr/bin/time).
#   5. SCALE_OLDER times as many records of the 360 days before the 90,
#      ingested; the questions again, warm: their time should not move.
#   6. db prune --older-than 13m --keep-rollups, then --older-than 12m
#      without: seconds, what it dropped, partitions before and after.
# Numbers go to standard output; keep them with the README's table.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
B=${MAILSIFT_BUILD:-build}
M=$top/$B/mailsift
GEN=$top/$B/mailsift-gen
N=${SCALE_RECORDS:-10000000}
OLDER=${SCALE_OLDER:-4}
RUNS=${SCALE_RUNS:-5}
DIR=${SCALE_DIR:-$top/$B/bench-scale}

BASE=${SCALE_BASE:-}
if [ -z "$BASE" ]; then
	rev=${SCALE_BASE_REV:-b01dbce}
	BASE=$top/$B/scale-base/build/mailsift
	if [ ! -x "$BASE" ]; then
		rm -rf "$top/$B/scale-base" && mkdir -p "$top/$B/scale-base" &&
		    git archive "$rev" | tar -x -C "$top/$B/scale-base" &&
		    make -C "$top/$B/scale-base" -j2 build/mailsift >/dev/null ||
		    { echo "scale.sh: cannot build $rev" >&2; exit 1; }
	fi
fi
for x in "$M" "$GEN" "$BASE"; do
	[ -x "$x" ] || { echo "scale.sh: $x missing: run make" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "scale.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
export MAILSIFT_PGDIR="${MAILSIFT_PGDIR:-$top/$B/pg-scale}"
export MAILSIFT_PGPORT="${MAILSIFT_PGPORT:-54339}"
tests/pg.sh start || exit 1
eval "$(tests/pg.sh env)"
FROM=${SCALE_FROM:-1}
if [ "$FROM" -le 1 ]; then
	rm -rf "$DIR"
	mkdir -p "$DIR"
elif [ ! -f "$DIR/times.base" ]; then
	echo "scale.sh: SCALE_FROM=$FROM needs an earlier run's $DIR" >&2
	exit 1
fi

now() { date +%s.%N; }
secs() { printf '%.3f\n' "$(echo "$2 - $1" | bc)"; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

day0=$(date -u -d 'today 00:00' +%s)
start=$((day0 - 90 * 86400))
msgs=$(((N + 33) / 34))
if [ "$FROM" -le 1 ]; then
	echo "# 1. generate: --scale, $msgs reports (about $N records), 90 days"
	t0=$(now)
	"$GEN" maildir "$DIR/src" --scale --seed 1 --messages "$msgs" --days 90 \
	    --start "$start" --expected "$DIR/src.tsv" >"$DIR/gen.out" || exit 1
	echo "generated $(sed -n 's/.* records=\([0-9]*\) .*/\1/p' "$DIR/gen.out") records in $(secs "$t0" "$(now)") s"
fi
records=$(sed -n 's/.* records=\([0-9]*\) .*/\1/p' "$DIR/gen.out")

# ingest DB LABEL MAILDIR [MAILSIFT]: prints seconds; WAL bytes to
# $DIR/wal.LABEL
ingest() {
	rm -rf "$DIR/in.$2"
	cp -al "$3" "$DIR/in.$2"
	w0=$(psql -X -qAt -d postgres -c "SELECT pg_current_wal_lsn()")
	t0=$(now)
	MAILSIFT_DB="dbname=$1" "${4:-$M}" ingest --jobs 2 --maildir "$DIR/in.$2" \
	    >"$DIR/ingest.$2" 2>&1 || { cat "$DIR/ingest.$2"; exit 1; }
	t1=$(now)
	psql -X -qAt -d postgres -c "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$w0')" \
	    >"$DIR/wal.$2"
	rm -rf "$DIR/in.$2"
	secs "$t0" "$t1"
}
fresh() {	# DB [MAILSIFT]
	dropdb --if-exists "$1" && createdb "$1" &&
	    MAILSIFT_DB="dbname=$1" "${2:-$M}" db migrate >/dev/null
}

# unpartition DB: dmarc_record one table again, as before 011 (begin_day
# kept, the store writes it), the views over it made again.
unpartition() {
	psql -X -q -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
DO $$
DECLARE
	v record;
	names text[] := '{}';
	defs text[] := '{}';
BEGIN
	FOR v IN SELECT DISTINCT r.ev_class::regclass::text AS name,
	    pg_get_viewdef(r.ev_class) AS def
	    FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
	    WHERE d.refobjid = 'dmarc_record'::regclass
	    AND d.classid = 'pg_rewrite'::regclass LOOP
		names := names || v.name;
		defs := defs || v.def;
		EXECUTE 'DROP VIEW ' || v.name;
	END LOOP;
	ALTER TABLE dmarc_record RENAME TO dmarc_record_part;
	CREATE TABLE dmarc_record (LIKE dmarc_record_part INCLUDING ALL);
	-- No foreign key since 016 (the store skips its triggers).
	DROP TABLE dmarc_record_part;
	FOR i IN 1 .. coalesce(array_length(names, 1), 0) LOOP
		EXECUTE format('CREATE VIEW %s AS %s', names[i], defs[i]);
	END LOOP;
	CREATE OR REPLACE FUNCTION dmarc_record_partition_ensure(day date)
	    RETURNS text LANGUAGE sql AS 'SELECT NULL::text';
END
$$;
SQL
}

BOUNCES=${SCALE_BOUNCES:-0}
if [ "$FROM" -le 2 ]; then
	echo "# 2. ingest --jobs 2, without and with the rollup, without and with partitions"
	fresh scale_plain "$BASE" && fresh scale_unpart && fresh scale_rollup || exit 1
	psql -X -q -d scale_plain -c "ALTER TABLE dmarc_report DISABLE TRIGGER dmarc_report_rollup; ALTER TABLE dmarc_report DISABLE TRIGGER dmarc_report_rollup_note"
	unpartition scale_unpart || exit 1
	plain=$(ingest scale_plain plain "$DIR/src" "$BASE")
	unpart=$(ingest scale_unpart unpart "$DIR/src")
	roll=$(ingest scale_rollup rollup "$DIR/src")
	mil() { echo "scale=1; $1 * 1000000 / $records / 1048576" | bc; }
	printf 'without rollup: %s s, %s records/s, WAL %s MB per million records\n' \
	    "$plain" "$(echo "$records / $plain" | bc)" "$(mil "$(cat "$DIR/wal.plain")")"
	printf 'with rollup:    %s s, %s records/s, WAL %s MB per million records\n' \
	    "$roll" "$(echo "$records / $roll" | bc)" "$(mil "$(cat "$DIR/wal.rollup")")"
	printf 'rollup, one table: %s s, %s records/s, WAL %s MB per million records\n' \
	    "$unpart" "$(echo "$records / $unpart" | bc)" "$(mil "$(cat "$DIR/wal.unpart")")"
	printf 'ingest time partitioned/one table: %s\n' \
	    "$(echo "scale=2; $roll / $unpart" | bc)"
	printf 'ingest time with/without rollup: %s (target <= 1.15)\n' \
	    "$(echo "scale=2; $roll / $plain" | bc)"
	for d in scale_plain scale_rollup; do
		printf '%s: %s MB per million records (rollup tables %s MB)\n' "$d" \
		    "$(mil "$(psql -X -qAt -d $d -c "SELECT pg_database_size(current_database())")")" \
		    "$(psql -X -qAt -d $d -c "SELECT round((pg_total_relation_size('dmarc_daily') + pg_total_relation_size('dmarc_daily_domain')) / 1048576.0, 1)")"
	done
	printf 'rollup rows: dmarc_daily %s (%s per record), dmarc_daily_domain %s\n' \
	    "$(psql -X -qAt -d scale_rollup -c "SELECT count(*) FROM dmarc_daily")" \
	    "$(psql -X -qAt -d scale_rollup -c "SELECT round(count(*)::numeric / $records, 2) FROM dmarc_daily")" \
	    "$(psql -X -qAt -d scale_rollup -c "SELECT count(*) FROM dmarc_daily_domain")"
	dropdb scale_plain
	dropdb scale_unpart
	if [ "$BOUNCES" -gt 0 ]; then
		"$GEN" bounces "$DIR/bounces" --seed 3 --messages "$BOUNCES" \
		    --days 90 --start "$start" >"$DIR/gen.bounces" || exit 1
		# Without the bounce rollup: this build, its rollup
		# statement (one INSERT .. SELECT per batch,
		# store/bounce_daily.c) made a no-op.
		fresh scale_bplain || exit 1
		psql -X -q -d scale_bplain -c "CREATE RULE no_rollup AS ON INSERT TO bounce_daily DO INSTEAD NOTHING"
		bplain=$(ingest scale_bplain bplain "$DIR/bounces")
		broll=$(ingest scale_rollup bounces "$DIR/bounces")
		echo "bounces: $(sed -n 's/.* bounce_recipients=\([0-9]*\).*/\1/p' "$DIR/gen.bounces") recipients of $BOUNCES bounces, ingested in $bplain s without the bounce rollup, $broll s with it"
		printf 'bounce ingest time with/without rollup: %s (target <= 1.15)\n' \
		    "$(echo "scale=2; $broll / $bplain" | bc)"
		dropdb scale_bplain
		rm -rf "$DIR/bounces"
	fi
	psql -X -q -d scale_rollup -c "VACUUM ANALYZE"
fi

# The questions: LABEL, then the command on the rollup and the SQL on
# the records.  --domain: a middling domain; --ip: the busiest address.
DOM=d10.example
IP=198.18.0.0
NET=198.18.100.0/24
Q_SINCE="day >= current_date - 30"
# What Grafana's $__timeFilter(day) becomes for the last 30 days (the
# README's and contrib/grafana's panels filter the date column itself, so
# the index on it serves them).
GF_FROM=$(date -u -d '30 days ago' +%FT%TZ)
GF_TO=$(date -u +%FT%TZ)
export MAILSIFT_DB="dbname=scale_rollup" PGDATABASE=scale_rollup
questions() {
	q "trend --by day --since 30d" \
	    "$M trend --by day --since 30d --format csv" \
	    "SELECT day, sum(messages), sum(dmarc_pass), sum(dmarc_fail) FROM dmarc_daily_records_v WHERE $Q_SINCE GROUP BY day ORDER BY day"
	q "trend --by ip --since 30d --domain $DOM" \
	    "$M trend --by ip --since 30d --domain $DOM --format csv" \
	    "SELECT day, source_ip, sum(messages), sum(dmarc_pass) FROM dmarc_daily_records_v WHERE $Q_SINCE AND policy_domain = '$DOM' GROUP BY 1, 2 ORDER BY 1, 2"
	q "trend --since 90d --ip $IP (one busy IP)" \
	    "$M trend --since 90d --ip $IP --format csv" \
	    "SELECT day, sum(messages), sum(dmarc_pass) FROM dmarc_daily_records_v WHERE day >= current_date - 90 AND source_ip <<= '$IP' GROUP BY 1 ORDER BY 1"
	q "trend --by ip --since 30d --ip $NET" \
	    "$M trend --since 30d --ip $NET --format csv" \
	    "SELECT day, source_ip, sum(messages), sum(dmarc_pass) FROM dmarc_daily_records_v WHERE $Q_SINCE AND source_ip <<= '$NET' GROUP BY 1, 2 ORDER BY 1, 2"
	q "sources --since 7d (records both ways)" \
	    "$M sources --since 7d --format csv" ""
	q "Grafana: dmarc_fail per IP, 30 days, one domain" \
	    "psql -X -q -c \"SELECT day::timestamptz AS time, host(source_ip) AS metric, sum(dmarc_fail) AS value FROM dmarc_daily_v WHERE day BETWEEN '$GF_FROM' AND '$GF_TO' AND policy_domain = '$DOM' GROUP BY 1, 2 ORDER BY 1\"" \
	    "SELECT day::timestamptz AS time, host(source_ip) AS metric, sum(dmarc_fail) AS value FROM dmarc_daily_records_v WHERE day BETWEEN '$GF_FROM' AND '$GF_TO' AND policy_domain = '$DOM' GROUP BY 1, 2 ORDER BY 1"
	q "dmarc_daily_v, 30 days, one domain" \
	    "psql -X -q -c \"SELECT * FROM dmarc_daily_v WHERE $Q_SINCE AND policy_domain = '$DOM'\"" \
	    "SELECT * FROM dmarc_daily_records_v WHERE $Q_SINCE AND policy_domain = '$DOM'"
	# The bounce side of dmarc_bounce_daily_v: as the view reads it
	# (the rollup, sql/013_bounce_rollup.sql), and from bounce_v.
	if [ "$BOUNCES" -gt 0 ]; then
		for n in 7 30 90; do
			q "bounce side of dmarc_bounce_daily_v, $n days" \
			    "psql -X -q -c \"SELECT * FROM bounce_sender_daily_v WHERE day >= current_date - $n\"" \
			    "SELECT day, sending_ip, sender_domain, count(*), count(*) FILTER (WHERE reason = 'authfailure') FROM bounce_v WHERE bounced AND day >= current_date - $n GROUP BY 1, 2, 3"
		done
	fi
	q "trend --by ip --since 30d (all)" \
	    "$M trend --by ip --since 30d --format csv" \
	    "SELECT day, source_ip, sum(messages), sum(dmarc_pass) FROM dmarc_daily_records_v WHERE $Q_SINCE GROUP BY 1, 2 ORDER BY 1, 2"
}
# run CMD: seconds of one run, output discarded
run() {
	t0=$(now)
	sh -c "$1" >/dev/null 2>"$DIR/err" || { echo "FAILED: $1" >&2; cat "$DIR/err" >&2; }
	secs "$t0" "$(now)"
}
restart() { tests/pg.sh stop; tests/pg.sh start >/dev/null; }
# time CMD: "cold warm" (cold after a restart; warm the median)
timed() {
	if [ "$COLD" = 1 ]; then restart; c=$(run "$1"); else c=-; fi
	w=$(i=0; while [ $i -lt "$RUNS" ]; do run "$1"; i=$((i + 1)); done | median)
	echo "$c $w"
}
q() {
	set -- "$1" "$2" "$3" "$(timed "$2")"
	if [ -n "$3" ] && [ "${SCALE_SKIP_RAW:-0}" != 1 ]; then
		r=$(timed "psql -X -q -c \"$3\"")
	else
		r="- -"
	fi
	printf '%-52s %8s %8s | %8s %8s\n' "$1" $4 $r
	echo "$1|$4" >>"$DIR/times.$PHASE"
}

if [ "$FROM" -le 3 ]; then
	echo "# 3. the questions: seconds, cold and warm (median of $RUNS)"
	printf '%-52s %8s %8s | %8s %8s\n' "" "rollup" "" "records" ""
	printf '%-52s %8s %8s | %8s %8s\n' "question" "cold" "warm" "cold" "warm"
	PHASE=base COLD=1 questions

	echo "# 4. trend --by ip --since 30d, everything, streamed"
	/usr/bin/time -v "$M" trend --by ip --since 30d --format csv \
	    >"$DIR/all.csv" 2>"$DIR/time.out"
	echo "rows $(($(wc -l <"$DIR/all.csv") - 1)), peak RSS $(awk -F': ' '/Maximum resident/ { printf "%.1f MB", $2 / 1024 }' "$DIR/time.out")"

fi
if [ "$OLDER" -gt 0 ]; then
	echo "# 5. $OLDER times as many older records (the 360 days before)"
	"$GEN" maildir "$DIR/old" --scale --seed 2 --messages $((msgs * OLDER)) \
	    --days 360 --start $((start - 360 * 86400)) \
	    --expected "$DIR/old.tsv" >"$DIR/gen.old" || exit 1
	echo "older: $(sed -n 's/.* records=\([0-9]*\) .*/\1/p' "$DIR/gen.old") records, ingested in $(ingest scale_rollup old "$DIR/old") s"
	rm -rf "$DIR/old"
	psql -X -q -c "VACUUM ANALYZE"
	printf '%-52s %8s %8s | %8s\n' "question (rollup, warm)" "before" "after" "after/before"
	SCALE_SKIP_RAW=1 PHASE=older COLD=0 questions >/dev/null
	while IFS='|' read -r label t; do
		a=$(grep -F "$label|" "$DIR/times.older" | cut -d'|' -f2 | cut -d' ' -f2)
		b=${t#* }
		printf '%-52s %8s %8s | %8s\n' "$label" "$b" "$a" \
		    "$(echo "scale=2; $a / $b" | bc)"
	done <"$DIR/times.base"
fi
parts() {
	psql -X -qAt -d scale_rollup -c "SELECT count(*) FROM pg_inherits WHERE inhparent = 'dmarc_record'::regclass"
}
echo "# 6. db prune"
echo "partitions of dmarc_record: $(parts) (the default one included)"
for how in "13m --keep-rollups" "12m"; do
	t0=$(now)
	# shellcheck disable=SC2086
	MAILSIFT_DB="dbname=scale_rollup" "$M" db prune --older-than $how \
	    >"$DIR/prune.out" 2>&1 || { cat "$DIR/prune.out"; exit 1; }
	t1=$(now)
	echo "db prune --older-than $how: $(secs "$t0" "$t1") s, partitions left $(parts)"
	sed 's/^/    /' "$DIR/prune.out"
done
tests/pg.sh stop
