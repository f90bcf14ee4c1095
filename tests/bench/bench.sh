#!/bin/sh
# bench.sh - `make bench`: mailsift against its floors and against
# dmarcts-report-parser, all measured in the same run on the same data.
#
#   tests/bench/bench.sh		(after make; run from anywhere)
#
# Environment:
#   BENCH_MESSAGES	report e-mails in the Maildir (10000)
#   BENCH_BIG_RECORDS	records in the one big report (1000000)
#   BENCH_DMARCTS_MESSAGES  messages given to dmarcts-report-parser (500);
#			it is slow, so its rate is measured on this subset
#   BENCH_SEED		generator seed (1)
#   BENCH_DIR		scratch directory (build/bench, wiped first)
#   BENCH_BOUNCES	bounce e-mails in the bounce Maildir (10000)
#   BENCH_PIPE_RUNS	piped messages timed one by one (30)
#   BENCH_TLS		TLS report e-mails in the TLS Maildir (BENCH_MESSAGES)
#   BENCH_ENRICH	distinct source addresses enriched (50000)
#   BENCH_SKIP		words: mailsift tls dmarcts big bounces sisimai enrich
#			(parts to leave out)
#   MAILSIFT_BUILD	build directory (build)
#
# What it measures:
#   1. mailsift-gen writes the Maildir, the same reports as bare XML and as
#      \copy rows, and the big report (gzip) with its rows.
#   2. Floors: xmllint --stream --noout over the bare XML (parsing alone),
#      and psql \copy of the rows into a plain table without indexes
#      (storing alone), in database mailsift_bench_floor.
#   3. mailsift: db migrate, then ingest --maildir and ingest of the big
#      report into a fresh database mailsift_bench; seconds, reports/s,
#      records/s, peak RSS (/usr/bin/time).  Ratio: mailsift's time over the
#      sum of the two floors.
#   3b. SMTP TLS reports: tests/gen_reports.py writes a Maildir of
#      BENCH_TLS TLS report e-mails; mailsift parse --maildir over it, then
#      ingest --maildir into a fresh database: TLS reports/s, and the
#      ratio to the DMARC reports/s of step 3.
#   4. dmarcts-report-parser (Debian package) with -e over the first
#      BENCH_DMARCTS_MESSAGES messages of the same Maildir, into database
#      mailsift_dmarcts_bench; its messages/s against mailsift's.
#   5. Bounces: mailsift-gen bounces writes a Maildir of BENCH_BOUNCES
#      bounce e-mails; mailsift parse --maildir over it (no database),
#      bounces/s against the 20,000/s target; Debian's sisimai
#      (libsisimai-perl, Sisimai->make) over the same files, and the
#      ratio.  Then the postfix pipe case: BENCH_PIPE_RUNS bounces piped
#      one per process into `ingest -` (database mailsift_bench_pipe), the
#      fastest start to exit, next to `parse -` of the same messages (no
#      database at all).  The database's share: the same messages piped
#      again, which ingest logs as duplicates of their bytes without
#      reading them (loading libpq, connecting, one transaction with a
#      lookup, an insert and a commit), minus `--version` (the same start
#      and exit, nothing else); target: ingest - minus that share under
#      5 ms.  /bin/true shows what any exec costs on this machine, an
#      empty main linked with GMime what any GMime program costs.
#      Skipped, saying so, when this build's mailsift or mailsift-gen
#      cannot do it yet.
#   6. Enrichment: tests/bench/enrich_data.py writes BENCH_ENRICH
#      addresses, each with a PTR name whose A record confirms it, as
#      unbound local-data (tests/unbound.sh, 127.0.0.1 and a free port),
#      and a DMARC report naming them all, ingested into a fresh database
#      mailsift_bench_enrich; then `mailsift enrich` against that unbound:
#      addresses/s (target 5,000/s), DNS queries/s and peak RSS.  The floor:
#      dnsperf (Debian's package) sending the same PTR and A queries to the
#      same server with as many in flight (500); ratio: mailsift's
#      queries/s over dnsperf's.
# Prints a table at the end.  Exits non-zero when a measured step failed.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
B=${MAILSIFT_BUILD:-build}
case $B in /*) ;; *) B=$top/$B ;; esac
M=${BENCH_MESSAGES:-10000}
BIG=${BENCH_BIG_RECORDS:-1000000}
DM=${BENCH_DMARCTS_MESSAGES:-500}
SEED=${BENCH_SEED:-1}
dir=${BENCH_DIR:-$B/bench}
case $dir in /*) ;; *) dir=$top/$dir ;; esac
gen=$B/mailsift-gen
mailsift=$B/mailsift
failed=0
rows=

say() { printf '%s\n' "$*"; }
skip() { case " ${BENCH_SKIP:-} " in *" $1 "*) return 0 ;; esac; return 1; }
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.1f}" \
    'BEGIN { if (b > 0) printf f, a / b; else printf "-" }'; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" "$2"; }
row() { rows="$rows$(printf '%-44s %10s %14s %14s %9s' "$@")
"; }

# timed LOG CMD...: run, leave "seconds peak_kb" in $secs and $kb.
timed() {
	log=$1; shift
	/usr/bin/time -f '%e %M' -o "$dir/time.out" "$@" >"$log" 2>&1
	rc=$?
	secs=$(tail -n 1 "$dir/time.out" | cut -d' ' -f1)
	kb=$(tail -n 1 "$dir/time.out" | cut -d' ' -f2)
	return $rc
}

# need PKG...: install missing Debian packages (as root), else fail.
need() {
	missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	say "bench: installing$missing"
	[ "$(id -u)" = 0 ] || { say "bench: not root, cannot install"; return 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null 2>&1 || {
		apt-get update -qq >/dev/null 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    --no-install-recommends $missing >/dev/null
	}
}

freshdb() {
	dropdb --if-exists "$1" 2>/dev/null
	createdb "$1"
}

need time libxml2-utils postgresql-client || exit 1
tests/pg.sh start || exit 1
eval "$(tests/pg.sh env)"
rm -rf "$dir"
mkdir -p "$dir"
say "bench: $M messages, big report of $BIG records, seed $SEED, in $dir"

# 1. Data
g="--messages $M --seed $SEED"
timed "$dir/gen-maildir.out" "$gen" maildir "$dir/Maildir" $g ||
    { cat "$dir/gen-maildir.out"; exit 1; }
gen_secs=$secs
cat "$dir/gen-maildir.out"
"$gen" xml "$dir/xml" $g >/dev/null || exit 1
"$gen" copy "$dir/rows.tsv" $g >/dev/null || exit 1
records=$(field records "$dir/gen-maildir.out")
reports=$(field reports "$dir/gen-maildir.out")
say "bench: Maildir $(du -sh "$dir/Maildir" | cut -f1), generated in ${gen_secs}s"
# dmarcts gets its own copy: mailsift moves what it ingests to cur/.
mkdir -p "$dir/dmarcts-mail"
ls "$dir/Maildir/new" | LC_ALL=C sort | head -n "$DM" |
    sed "s|^|$dir/Maildir/new/|" | xargs cp -t "$dir/dmarcts-mail"
DM=$(ls "$dir/dmarcts-mail" | wc -l)
if ! skip big; then
	timed "$dir/gen-big.out" "$gen" big "$dir/big.xml.gz" --records "$BIG" \
	    --seed "$SEED" || { cat "$dir/gen-big.out"; exit 1; }
	say "bench: big.xml.gz $(du -h "$dir/big.xml.gz" | cut -f1)" \
	    "($(gzip -dc "$dir/big.xml.gz" | wc -c) bytes of XML)," \
	    "generated in ${secs}s, peak $((kb / 1024)) MB"
	"$gen" copy "$dir/bigrows.tsv" --big "$BIG" --seed "$SEED" >/dev/null ||
	    exit 1
fi

# 2. Floors
find "$dir/xml" -name '*.xml' | LC_ALL=C sort >"$dir/xml.list"
timed "$dir/xmllint.out" sh -c "xargs xmllint --stream --noout <'$dir/xml.list'" ||
    { failed=1; say "bench: xmllint failed"; }
xml_floor=$secs
freshdb mailsift_bench_floor || exit 1
cat >"$dir/floor.sql" <<'EOF'
CREATE TABLE floor_rows (report_id text, org_name text, domain text,
    date_begin bigint, date_end bigint, source_ip inet, count bigint,
    disposition text, policy_dkim text, policy_spf text, envelope_to text,
    envelope_from text, header_from text, dkim_domain text,
    dkim_selector text, dkim_result text, spf_domain text, spf_scope text,
    spf_result text);
EOF
psql -X -q -v ON_ERROR_STOP=1 -d mailsift_bench_floor -f "$dir/floor.sql" ||
    exit 1
timed "$dir/copy.out" psql -X -q -v ON_ERROR_STOP=1 -d mailsift_bench_floor \
    -c "\\copy floor_rows FROM '$dir/rows.tsv'" ||
    { failed=1; cat "$dir/copy.out"; }
copy_floor=$secs
floor=$(add "$xml_floor" "$copy_floor")
row "xmllint --stream (Maildir's XML, $reports files)" "${xml_floor}s" \
    "$(div "$reports" "$xml_floor" "%.0f") rep/s" \
    "$(div "$records" "$xml_floor" "%.0f") rec/s" ""
row "psql \\copy ($records rows)" "${copy_floor}s" "" \
    "$(div "$records" "$copy_floor" "%.0f") rec/s" ""
if ! skip big; then
	timed "$dir/bigxmllint.out" sh -c \
	    "gzip -dc '$dir/big.xml.gz' | xmllint --stream --noout -" ||
	    { failed=1; say "bench: xmllint (big) failed"; }
	big_xml_floor=$secs
	psql -X -q -d mailsift_bench_floor -c "TRUNCATE floor_rows"
	timed "$dir/bigcopy.out" psql -X -q -v ON_ERROR_STOP=1 \
	    -d mailsift_bench_floor -c "\\copy floor_rows FROM '$dir/bigrows.tsv'" ||
	    { failed=1; cat "$dir/bigcopy.out"; }
	big_copy_floor=$secs
	big_floor=$(add "$big_xml_floor" "$big_copy_floor")
	row "gzip -dc | xmllint --stream (big)" "${big_xml_floor}s" "" \
	    "$(div "$BIG" "$big_xml_floor" "%.0f") rec/s" ""
	row "psql \\copy (big, $BIG rows)" "${big_copy_floor}s" "" \
	    "$(div "$BIG" "$big_copy_floor" "%.0f") rec/s" ""
fi
dropdb --if-exists mailsift_bench_floor

# 3. mailsift
# What the database holds against the generator's summary line.
check_stored() {
	want="$reports|$records|$(field count "$dir/gen-maildir.out")"
	got=$(psql -X -qAt -d mailsift_bench -c "SELECT count(*),
	    coalesce(sum(records), 0), coalesce(sum(messages), 0)
	    FROM dmarc_report_v" 2>&1)
	if [ "$got" = "$want" ]; then
		say "bench: mailsift stored what was generated" \
		    "(reports|records|count $got)"
	else
		failed=1
		say "bench: MISMATCH: stored reports|records|count $got," \
		    "generated $want"
	fi
}

ms_secs=
if ! skip mailsift; then
	db="dbname=mailsift_bench"
	freshdb mailsift_bench || exit 1
	if ! "$mailsift" --db "$db" db migrate >"$dir/migrate.out" 2>&1; then
		failed=1
		say "bench: mailsift db migrate failed:"; cat "$dir/migrate.out"
	elif timed "$dir/ingest.out" "$mailsift" --db "$db" ingest \
	    --maildir "$dir/Maildir"; then
		ms_secs=$secs
		row "mailsift ingest --maildir" "${secs}s" \
		    "$(div "$reports" "$secs" "%.0f") rep/s" \
		    "$(div "$records" "$secs" "%.0f") rec/s" \
		    "$((kb / 1024)) MB"
		row "  ratio to the floors (xml + copy = ${floor}s)" \
		    "$(div "$secs" "$floor" "%.2fx")" "" "" ""
		check_stored
	else
		failed=1
		say "bench: mailsift ingest --maildir failed:"
		tail -n 20 "$dir/ingest.out"
	fi
	if skip big; then
		:
	elif timed "$dir/ingest-big.out" "$mailsift" --db "$db" ingest \
	    "$dir/big.xml.gz"; then
		row "mailsift ingest big.xml.gz (< 64 MB RSS)" "${secs}s" "" \
		    "$(div "$BIG" "$secs" "%.0f") rec/s" "$((kb / 1024)) MB"
		row "  ratio to the floors (xml + copy = ${big_floor}s)" \
		    "$(div "$secs" "$big_floor" "%.2fx")" "" "" ""
		[ "$kb" -lt 65536 ] || say "bench: big ingest peak RSS" \
		    "$((kb / 1024)) MB is over the 64 MB target"
	else
		failed=1
		say "bench: mailsift ingest big.xml.gz failed:"
		tail -n 20 "$dir/ingest-big.out"
	fi
fi

# 3b. SMTP TLS reports: the same kind of Maildir, gzipped JSON instead of
# XML (tests/gen_reports.py), parsed without a database and ingested into
# a fresh one; reports/s next to the DMARC reports/s of this run.
T=${BENCH_TLS:-$M}
if ! skip tls; then
	timed "$dir/gen-tls.out" python3 tests/gen_reports.py tls \
	    "$dir/TLSMaildir" --messages "$T" --seed "$SEED" ||
	    { failed=1; cat "$dir/gen-tls.out"; }
	cp -r "$dir/TLSMaildir" "$dir/TLSMaildir.parse"
	if timed "$dir/parse-tls.out" "$mailsift" parse --maildir \
	    "$dir/TLSMaildir.parse" --jobs 2; then
		got=$(grep -c '"kind":"tls_report"' "$dir/parse-tls.out")
		row "mailsift parse --maildir (TLS reports)" "${secs}s" \
		    "$(div "$got" "$secs" "%.0f") rep/s" "" "$((kb / 1024)) MB"
		[ "$got" = "$T" ] || { failed=1; say "bench: TLS parse read" \
		    "$got reports of $T"; }
	else
		failed=1; say "bench: mailsift parse (TLS) failed"
	fi
	freshdb mailsift_bench_tls || exit 1
	"$mailsift" --db dbname=mailsift_bench_tls db migrate >/dev/null 2>&1
	if timed "$dir/ingest-tls.out" "$mailsift" --db dbname=mailsift_bench_tls \
	    ingest --maildir "$dir/TLSMaildir"; then
		tls_rate=$(div "$T" "$secs" "%.0f")
		row "mailsift ingest --maildir (TLS reports)" "${secs}s" \
		    "$tls_rate rep/s" "" "$((kb / 1024)) MB"
		[ -n "$ms_secs" ] && row "  TLS reports/s over DMARC reports/s" \
		    "$(div "$tls_rate" "$(div "$reports" "$ms_secs" "%f")" \
		    "%.2fx")" "" "" ""
		got=$(psql -X -qAt -d mailsift_bench_tls -c \
		    "SELECT count(DISTINCT report_pk) FROM tls_report_v" 2>&1)
		[ "$got" = "$T" ] || { failed=1; say "bench: MISMATCH: stored" \
		    "$got TLS reports of $T"; }
	else
		failed=1
		say "bench: mailsift ingest (TLS) failed:"
		tail -n 20 "$dir/ingest-tls.out"
	fi
	dropdb --if-exists mailsift_bench_tls
fi

# 4. dmarcts-report-parser, on the first $DM messages
if ! skip dmarcts && need dmarcts-report-parser libdbd-pg-perl unzip; then
	freshdb mailsift_dmarcts_bench || exit 1
	mkdir -p "$dir/dmarcts"
	# It reads dmarcts-report-parser.conf (Perl) from the current directory.
	cat >"$dir/dmarcts/dmarcts-report-parser.conf" <<EOF
\$debug = 0;
\$delete_reports = 0;
\$delete_failed = 0;
\$dbtype = 'Pg';
\$dbname = 'mailsift_dmarcts_bench';
\$dbuser = '${PGUSER:-postgres}';
\$dbpass = '';
\$dbhost = '$PGHOST';
\$dbport = '$PGPORT';
\$db_tx_support = 1;
\$imapreadfolder = 'INBOX';
\$maxsize_xml = 50000;
\$compress_xml = 0;
1;
EOF
	cd "$dir/dmarcts" || exit 1
	timed "$dir/dmarcts.out" /usr/sbin/dmarcts-report-parser -e --info \
	    "$dir/dmarcts-mail/*"
	rc=$?
	cd "$top" || exit 1
	if [ "$rc" = 0 ]; then
		dm_secs=$secs
		dm_rep=$(psql -X -qAt -d mailsift_dmarcts_bench -c \
		    "SELECT count(*) FROM report")
		dm_rec=$(psql -X -qAt -d mailsift_dmarcts_bench -c \
		    "SELECT count(*) FROM rptrecord")
		dm_skip=$(grep -c 'does not seem to contain a valid DMARC' \
		    "$dir/dmarcts.out")
		dm_rate=$(div "$DM" "$dm_secs" "%.1f")
		row "dmarcts-report-parser -e ($DM messages)" "${dm_secs}s" \
		    "$dm_rate msg/s" "$(div "$dm_rec" "$dm_secs" "%.0f") rec/s" \
		    "$((kb / 1024)) MB"
		say "bench: dmarcts-report-parser stored $dm_rep reports," \
		    "$dm_rec records of $DM messages; skipped $dm_skip" \
		    "(it reads zip/gzip attachments only, not text/xml)"
		if [ -n "$ms_secs" ]; then
			ms_rate=$(div "$M" "$ms_secs" "%.1f")
			row "  mailsift speed-up, msg/s ($ms_rate vs $dm_rate)" \
			    "$(div "$ms_rate" "$dm_rate" "%.1fx")" "" "" ""
			row "  mailsift speed-up, records/s" "$(div \
			    "$(div "$records" "$ms_secs" "%f")" \
			    "$(div "$dm_rec" "$dm_secs" "%f")" "%.1fx")" "" "" ""
		fi
	else
		failed=1
		say "bench: dmarcts-report-parser failed:"
		tail -n 20 "$dir/dmarcts.out"
	fi
fi

# 5. Bounces
# fastest N LIST CMD...: the fastest of N runs of CMD, each with the next
# file of LIST on stdin, in ms (bash: $EPOCHREALTIME, no process to time
# the process); "-" when a run failed.
fastest() {
	LC_ALL=C bash -c '
		n=$1; list=$2; shift 2; best=
		while read -r f; do
			s=$EPOCHREALTIME
			"$@" <"$f" >/dev/null 2>&1 || { echo -; exit; }
			e=$EPOCHREALTIME
			t=$(( ${e/./} - ${s/./} ))
			if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
		done < <(head -n "$n" "$list")
		awk -v t="$best" "BEGIN { printf \"%.1f\", t / 1000 }"' _ "$@"
}

BM=${BENCH_BOUNCES:-10000}
PR=${BENCH_PIPE_RUNS:-30}
if skip bounces; then
	:
elif ! "$gen" --help 2>&1 | grep -q 'bounces DIR'; then
	say "bench: bounces skipped: this mailsift-gen cannot write bounces"
elif ! "$mailsift" parse --help 2>&1 | grep -q -- '--maildir'; then
	say "bench: bounces skipped: this mailsift has no parse --maildir"
elif ! "$gen" bounces "$dir/bounces" --messages "$BM" --seed "$SEED" \
    >"$dir/gen-bounces.out" 2>&1; then
	failed=1
	say "bench: mailsift-gen bounces failed:"; tail -n 5 "$dir/gen-bounces.out"
else
	rcpts=$(field bounce_recipients "$dir/gen-bounces.out")
	say "bench: bounce Maildir $(du -sh "$dir/bounces" | cut -f1)," \
	    "$BM messages, $rcpts recipients"
	bp_rate=
	if timed "$dir/bparse.out" "$mailsift" parse --maildir "$dir/bounces"
	then
		got=$(grep -c '"kind":"bounce"' "$dir/bparse.out")
		bp_rate=$(div "$BM" "$secs" "%.0f")
		row "mailsift parse --maildir (bounces)" "${secs}s" \
		    "$bp_rate bnc/s" "$got rcpt" "$((kb / 1024)) MB"
		row "  target 20,000 bounces/s" "$(div "$bp_rate" 20000 \
		    "%.2fx")" "" "" ""
	else
		failed=1
		say "bench: mailsift parse --maildir failed:"
		tail -n 5 "$dir/bparse.out"
	fi
	if skip sisimai; then
		:
	elif ! need libsisimai-perl; then
		say "bench: sisimai skipped: libsisimai-perl is not installed"
	elif timed "$dir/sisimai.out" perl -MSisimai -e '
	    my $v = Sisimai->make($ARGV[0]) // [];
	    printf "results=%d\n", scalar @$v' "$dir/bounces/new"; then
		sm_rate=$(div "$BM" "$secs" "%.0f")
		sv=$(perl -MSisimai -e 'print $Sisimai::VERSION')
		row "sisimai $sv Sisimai->make, same Maildir" "${secs}s" \
		    "$sm_rate bnc/s" \
		    "$(field results "$dir/sisimai.out") rcpt" \
		    "$((kb / 1024)) MB"
		[ -n "$bp_rate" ] && row "  mailsift speed-up over sisimai" \
		    "$(div "$bp_rate" "$sm_rate" "%.1fx")" "" "" ""
	else
		failed=1
		say "bench: sisimai failed:"; tail -n 5 "$dir/sisimai.out"
	fi

	# The postfix pipe: one process per message.
	ls "$dir/bounces/new" | LC_ALL=C sort | head -n "$PR" |
	    sed "s|^|$dir/bounces/new/|" >"$dir/pipe.list"
	freshdb mailsift_bench_pipe || exit 1
	pdb="dbname=mailsift_bench_pipe"
	"$mailsift" --db "$pdb" db migrate >/dev/null 2>&1 || failed=1
	t_true=$(fastest "$PR" "$dir/pipe.list" /bin/true)
	# The floor for any GMime program: an empty main linked with it.
	echo 'int main(void) { return 0; }' >"$dir/empty.c"
	t_gmime=-
	if ${CC:-cc} -o "$dir/empty-gmime" "$dir/empty.c" -Wl,--no-as-needed \
	    $(pkg-config --libs gmime-3.0) 2>/dev/null; then
		t_gmime=$(fastest "$PR" "$dir/pipe.list" "$dir/empty-gmime")
	fi
	t_version=$(fastest "$PR" "$dir/pipe.list" "$mailsift" --version)
	t_parse=$(fastest "$PR" "$dir/pipe.list" "$mailsift" parse -)
	t_ingest=$(fastest "$PR" "$dir/pipe.list" "$mailsift" --db "$pdb" ingest -)
	t_db=$(fastest "$PR" "$dir/pipe.list" "$mailsift" --db "$pdb" ingest -)
	stored=$(psql -X -qAt -d mailsift_bench_pipe -c "SELECT
	    count(*) FILTER (WHERE outcome = 'stored') || ' stored, ' ||
	    count(*) FILTER (WHERE outcome = 'duplicate') || ' duplicate'
	    FROM ingest_log" 2>&1)
	case "$t_version$t_parse$t_db$t_ingest" in *-*)
		failed=1; say "bench: a piped run failed" ;;
	esac
	say "bench: ingest - of $PR bounces, twice: $stored"
	t_share=$(awk -v a="$t_db" -v b="$t_version" 'BEGIN {
	    if (a == "-" || b == "-") print "-"; else printf "%.1f", a - b }')
	row "exec of /bin/true (any process, fastest)" "${t_true}ms" "" "" ""
	row "exec of an empty main linked with GMime" "${t_gmime}ms" "" "" ""
	row "mailsift --version (start and exit)" "${t_version}ms" "" "" ""
	row "parse - of one bounce (no database)" "${t_parse}ms" "" "" ""
	row "ingest - of one bounce, start to exit" "${t_ingest}ms" "" "" ""
	row "ingest - of it again (duplicate, unread)" "${t_db}ms" "" "" ""
	row "  the database's share (minus --version)" "${t_share}ms" "" "" ""
	row "  minus the database's share (< 5 ms)" "$(awk -v a="$t_ingest" \
	    -v b="$t_share" 'BEGIN { if (a == "-" || b == "-") print "-";
	    else printf "%.1fms", a - b }')" "" "" ""
	dropdb --if-exists mailsift_bench_pipe
fi

# 6. Enrichment against a local unbound, dnsperf as the floor.
EN=${BENCH_ENRICH:-50000}
if ! skip enrich && need unbound dnsperf; then
	ed=$dir/enrich
	mkdir -p "$ed"
	python3 tests/bench/enrich_data.py "$ed" "$EN" || exit 1
	if ! eport=$(tests/unbound.sh start "$ed"); then
		failed=1; say "bench: unbound did not start"
	else
		freshdb mailsift_bench_enrich || exit 1
		edb="dbname=mailsift_bench_enrich"
		"$mailsift" --db "$edb" db migrate >/dev/null 2>&1 &&
		    "$mailsift" --db "$edb" ingest "$ed/report.xml" \
		    >"$ed/ingest.out" 2>&1 || { failed=1; cat "$ed/ingest.out"; }
		if timed "$ed/dnsperf.out" dnsperf -s 127.0.0.1 -p "$eport" \
		    -d "$ed/queries.txt" -q 500 -n 1; then
			dq=$(sed -n 's/.*Queries per second: *\([0-9]*\).*/\1/p' \
			    "$ed/dnsperf.out")
			# Its run time, not its wait for the queries lost.
			dt=$(sed -n 's/.*Run time (s): *\([0-9.]*\).*/\1/p' \
			    "$ed/dnsperf.out")
			row "dnsperf, same PTR + A queries (floor)" "${dt}s" "" \
			    "$dq q/s" "$((kb / 1024)) MB"
		else
			failed=1; say "bench: dnsperf failed"; tail -n 5 "$ed/dnsperf.out"
		fi
		if timed "$ed/enrich.out" "$mailsift" --db "$edb" enrich \
		    --resolver "127.0.0.1:$eport"; then
			eq=$(sed -n 's/.* s (.*, \([0-9]*\) queries).*/\1/p' \
			    "$ed/enrich.out")
			erate=$(div "$EN" "$secs" "%.0f")
			row "mailsift enrich ($EN addresses, PTR + A)" "${secs}s" \
			    "$erate addr/s" "$(div "$eq" "$secs" "%.0f") q/s" \
			    "$((kb / 1024)) MB"
			row "  target 5,000 addresses/s" \
			    "$(div "$erate" 5000 "%.2fx")" "" "" ""
			[ -n "$dq" ] && row "  queries/s over dnsperf's" "$(div \
			    "$(div "$eq" "$secs" "%f")" "$dq" "%.2fx")" "" "" ""
			got=$(psql -X -qAt -d mailsift_bench_enrich -c \
			    "SELECT count(*) FROM source_v WHERE fcrdns" 2>&1)
			[ "$got" = "$EN" ] || { failed=1; say "bench: MISMATCH:" \
			    "$got of $EN addresses confirmed"; }
		else
			failed=1; say "bench: mailsift enrich failed:"
			tail -n 5 "$ed/enrich.out"
		fi
		tests/unbound.sh stop "$ed"
		dropdb --if-exists mailsift_bench_enrich
	fi
fi

say ""
printf '%-44s %10s %14s %14s %9s\n' "step" "time" "reports" "records" "peak RSS"
printf '%s' "$rows"
[ "$failed" = 0 ]
