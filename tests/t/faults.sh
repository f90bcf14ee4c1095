# faults.sh - what happens when things break: the database down, refusing,
# lost mid-transaction or failing transiently; the ingester killed with
# SIGKILL, or the server crashing, in the middle of a Maildir; Maildir
# files that cannot be read or moved.
#
# The server is stopped, restarted and its backends killed here, so this
# test runs its own cluster (tests/pg.sh with MAILSIFT_PGDIR/PGPORT) in a
# world-readable temporary directory: the permission tests run mailsift as
# "nobody", which must reach the socket.  Read and disk-full errors that
# cannot be caused for real come from tests/faults/failio.c (LD_PRELOAD).
. "$TOP/tests/t/lib.sh"

FDIR=$(mktemp -d "${TMPDIR:-/tmp}/mailsift-faults.XXXXXX")
FPORT=${MAILSIFT_FAULTS_PGPORT:-54330}
WDIR=$(mktemp -d "${TMPDIR:-/tmp}/mailsift-work.XXXXXX")
chmod 755 "$FDIR" "$WDIR"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
f_pg() {	# start|stop, through tests/pg.sh
	MAILSIFT_PGDIR=$FDIR MAILSIFT_PGPORT=$FPORT "$TOP/tests/pg.sh" "$@"
}
f_kill() {	# stop the server at once, as a crash would
	as_pg "$bindir/pg_ctl" -D "$FDIR/data" -m immediate -w stop \
	    >/dev/null 2>&1
}
f_cleanup() {
	[ -n "$bg" ] && kill -9 "$bg" 2>/dev/null
	[ -f "$FDIR/data/PG_VERSION" ] && f_kill
	rm -rf "$FDIR" "$WDIR" "$T_TMP"
}
trap f_cleanup EXIT
trap 'exit 1' INT TERM
bg=

if ! f_pg start; then
	echo "not ok - a private PostgreSQL cluster for the fault tests starts"
	exit 1
fi
PGHOST=$FDIR PGPORT=$FPORT; export PGHOST PGPORT
fresh_db mailsift_f
ok $? "a private cluster for the fault tests, database migrated"
DB="host=$FDIR port=$FPORT dbname=mailsift_f user=postgres"

counts() {	# reports/records/log rows
	echo "$(q "SELECT count(*) FROM dmarc_report")/$(q "SELECT count(*) FROM dmarc_record")/$(q "SELECT count(*) FROM ingest_log")"
}
# Wait until SQL (run in database postgres) returns a row; print it.
wait_for() {	# SQL, seconds
	n=0
	while [ "$n" -lt $(($2 * 20)) ]; do
		v=$(psql -X -qAt -d postgres -c "$1" 2>/dev/null | head -n 1)
		[ -n "$v" ] && { echo "$v"; return 0; }
		sleep 0.05
		n=$((n + 1))
	done
	return 1
}
# The mailsift backend once it has written inside its transaction, and is
# not committing it yet.
WRITING="SELECT pid FROM pg_stat_activity WHERE datname = 'mailsift_f'
    AND application_name = 'mailsift' AND backend_xid IS NOT NULL
    AND query NOT LIKE 'COMMIT%'"

"$MAILSIFT_GEN" maildir "$T_TMP/src" --messages 40 --seed 21 --days 3 \
    --max-records 4 >/dev/null
set -- $(ls "$T_TMP/src/new")
m1=$T_TMP/src/new/$1 m2=$T_TMP/src/new/$2 m3=$T_TMP/src/new/$3
m4=$T_TMP/src/new/$4 m5=$T_TMP/src/new/$5

# --- database down: 75, nothing written; once back, stored exactly once -----
f_pg stop
"$MAILSIFT" --db "$DB connect_timeout=5" ingest - <"$m1" 2>"$T_TMP/err"
is "$?" 75 "database stopped: ingest - exits 75 (EX_TEMPFAIL)"
grep -q 'cannot connect' "$T_TMP/err"
ok $? "and says it cannot connect"
f_pg start
is "$(counts)" "0/0/0" "nothing was written while the database was down"
"$MAILSIFT" --db "$DB" ingest - <"$m1" 2>/dev/null
ok $? "the MTA's retry once the database is back exits 0"
"$MAILSIFT" --db "$DB" ingest - <"$m1" 2>/dev/null
ok $? "a second retry (the MTA saw no status) exits 0"
is "$(q "SELECT count(*) FROM dmarc_report")/$(q "SELECT string_agg(outcome, ',' ORDER BY id) FROM ingest_log")" \
    "1/stored,duplicate" "the retried message is stored exactly once"

# --- database up but refusing this user's connections ------------------------
q "CREATE ROLE mailsift_f_limited LOGIN CONNECTION LIMIT 0;
   GRANT ALL ON ALL TABLES IN SCHEMA public TO mailsift_f_limited;
   GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO mailsift_f_limited" >/dev/null
before=$(counts)
LDB="host=$FDIR port=$FPORT dbname=mailsift_f user=mailsift_f_limited"
"$MAILSIFT" --db "$LDB" ingest - <"$m2" 2>"$T_TMP/err"
is "$?" 75 "connections refused (too many connections for role): exit 75"
is "$(counts)" "$before" "and nothing was written"
q "ALTER ROLE mailsift_f_limited CONNECTION LIMIT -1" >/dev/null
"$MAILSIFT" --db "$LDB" ingest - <"$m2" 2>/dev/null
ok $? "connections accepted again: the retry exits 0"
is "$(q "SELECT count(*) FROM ingest_log WHERE sha256 = '$(sha256sum <"$m2" | cut -d' ' -f1)'")" 1 \
    "and stores the message once"

# --- transient errors inside the transaction: retried, bounded ---------------
# A trigger fails the first N inserts into a table with a given SQLSTATE;
# the counter is a sequence, which a rollback does not undo.
q "CREATE SEQUENCE fail_seq;
   CREATE TABLE fail_cfg (tbl text, n int, code text);
   INSERT INTO fail_cfg VALUES (NULL, 0, NULL);
   CREATE FUNCTION fail_first() RETURNS trigger LANGUAGE plpgsql AS \$\$
   DECLARE c fail_cfg;
   BEGIN
	SELECT * INTO c FROM fail_cfg;
	IF c.tbl = TG_TABLE_NAME AND nextval('fail_seq') <= c.n THEN
		RAISE EXCEPTION 'injected failure %', c.code USING ERRCODE = c.code;
	END IF;
	RETURN NEW;
   END \$\$;
   CREATE TRIGGER fail_first BEFORE INSERT ON ingest_log
	FOR EACH ROW EXECUTE FUNCTION fail_first();
   CREATE TRIGGER fail_first BEFORE INSERT ON dmarc_report
	FOR EACH ROW EXECUTE FUNCTION fail_first()" >/dev/null
inject() {	# table, N, SQLSTATE
	q "UPDATE fail_cfg SET tbl = '$1', n = $2, code = '$3';
	   SELECT setval('fail_seq', 1, false)" >/dev/null
}
attempts() {
	q "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM fail_seq"
}
n_sha() {	# file: ingest log rows and reports of that message
	s=$(sha256sum <"$1" | cut -d' ' -f1)
	echo "$(q "SELECT count(*) FROM ingest_log WHERE sha256 = '$s'")/$(q "SELECT count(*) FROM dmarc_report r JOIN ingest_log l ON l.id = r.ingest_id WHERE l.sha256 = '$s'")"
}
inject ingest_log 2 40001
"$MAILSIFT" --db "$DB" -v ingest - <"$m3" 2>"$T_TMP/err"
ok $? "two serialization failures (40001): retried, exit 0"
is "$(attempts)/$(n_sha "$m3")" "3/1/1" "three attempts, the report stored once"
grep -q 'retrying' "$T_TMP/err"
ok $? "the retries are logged with -v"

inject dmarc_report 2 40P01
"$MAILSIFT" --db "$DB" ingest - <"$m4" 2>/dev/null
ok $? "two deadlocks (40P01): retried, exit 0"
is "$(attempts)/$(n_sha "$m4")" "3/1/1" "three attempts, the report stored once"

before=$(counts)
inject ingest_log 100 40001
"$MAILSIFT" --db "$DB" ingest - <"$m5" 2>"$T_TMP/err"
is "$?" 75 "serialization failures that do not stop: exit 75"
n=$(attempts)
[ "$n" -ge 2 ] && [ "$n" -le 10 ]
ok $? "after a bounded number of attempts ($n)"
is "$(counts)" "$before" "nothing of the message was written"
grep -q '40001' "$T_TMP/err"
ok $? "the error is reported with its SQLSTATE"

inject dmarc_report 100 53100
"$MAILSIFT" --db "$DB" ingest - <"$m5" 2>/dev/null
is "$?" 75 "the database's disk full (53100): exit 75"
is "$(counts)" "$before" "nothing of the message was written"
inject none 0 00000
"$MAILSIFT" --db "$DB" ingest - <"$m5" 2>/dev/null
ok $? "the MTA's retry once the fault is gone exits 0"
is "$(n_sha "$m5")" "1/1" "and stores the message once"

# --- database lost in the middle of a big report --------------------------
# One report of 60,000 records is one transaction of a few seconds.
big() {		# seed: a bare gzipped report
	"$MAILSIFT_GEN" big "$T_TMP/big$1.xml.gz" --records 60000 --seed "$1" \
	    >/dev/null
	echo "$T_TMP/big$1.xml.gz"
}
# Server stopped, not restarted, mid-transaction: retries fail, exit 75.
f=$(big 31)
before=$(counts)
"$MAILSIFT" --db "$DB" ingest - <"$f" 2>"$T_TMP/err" & bg=$!
if wait_for "$WRITING" 60 >/dev/null; then
	f_kill
	wait "$bg"
	rc=$?
	bg=
	is "$rc" 75 "server stopped mid-transaction: exit 75"
	[ "$rc" = 75 ] || sed 's/^/#   /' "$T_TMP/err" | tail -n 20
	f_pg start
	is "$(counts)" "$before" "no partial report, the ingest log unchanged"
	"$MAILSIFT" --db "$DB" ingest - <"$f" 2>/dev/null
	ok $? "the retry once the server is back exits 0"
	is "$(counts)" "$(echo "$before" | awk -F/ '{print $1+1"/"$2+60000"/"$3+1}')" \
	    "and stores the whole report (60000 records) once"
else
	echo "not ok - the ingester was seen writing its transaction"
	kill -9 "$bg"; wait "$bg"; bg=
fi

# Backend killed, or the server restarted, mid-transaction: mailsift may
# reconnect and retry (bounded); either exit 75 with nothing written, or
# exit 0 with exactly one complete copy.
check_either() {	# rc, before, what
	after=$(counts)
	want=$(echo "$2" | awk -F/ '{print $1+1"/"$2+60000"/"$3+1}')
	if [ "$1" = 0 ] && [ "$after" = "$want" ]; then
		echo "ok - $3: reconnected, retried, exit 0, one complete copy"
	elif [ "$1" = 75 ] && [ "$after" = "$2" ]; then
		echo "ok - $3: exit 75, nothing written"
		"$MAILSIFT" --db "$DB" ingest - <"$f" 2>/dev/null
		rc=$?
		is "$rc/$(counts)" "0/$want" "$3: the retry stores one complete copy"
	else
		echo "not ok - $3: exit $1, reports/records/log $2 -> $after"
		sed 's/^/#   /' "$T_TMP/err" | tail -n 20
	fi
}
for how in terminate restart; do
	case $how in
	terminate) f=$(big 32); what="backend terminated mid-transaction" ;;
	restart) f=$(big 33); what="server restarted (immediate) mid-transaction" ;;
	esac
	before=$(counts)
	"$MAILSIFT" --db "$DB" ingest - <"$f" 2>"$T_TMP/err" & bg=$!
	if pid=$(wait_for "$WRITING" 60); then
		if [ "$how" = terminate ]; then
			q "SELECT pg_terminate_backend($pid)" >/dev/null
		else
			f_kill
			f_pg start
		fi
		wait "$bg"
		rc=$?
		bg=
		check_either "$rc" "$before" "$what"
	else
		echo "not ok - $what: the ingester was seen writing"
		kill -9 "$bg"; wait "$bg"; bg=
	fi
done

# --- SIGKILL in the middle of a Maildir -------------------------------------
fresh_db mailsift_f_kill
DBK="host=$FDIR port=$FPORT dbname=mailsift_f_kill user=postgres"
N=3000
"$MAILSIFT_GEN" maildir "$T_TMP/kill" --messages $N --seed 41 --days 4 \
    --max-records 4 --expected "$T_TMP/kill.tsv" >/dev/null
# Its own session, so that one kill reaches the parent and its jobs.
setsid "$MAILSIFT" --db "$DBK" ingest --maildir "$T_TMP/kill" --batch 50 \
    --jobs 2 2>/dev/null & bg=$!
logged=
for i in $(seq 1 600); do
	logged=$(q "SELECT count(*) FROM ingest_log")
	[ "$logged" -gt 0 ] && break
	sleep 0.05
done
kill -9 "-$bg"
wait "$bg"
rc=$?
pg=$bg bg=
is "$rc" 137 "the ingester was killed with SIGKILL mid-run"
in_group() {	# how many processes are left in process group $1
	sed 's/.*) //' /proc/[0-9]*/stat 2>/dev/null | awk -v g="$1" '$3 == g' |
	    wc -l
}
for i in $(seq 1 100); do
	[ "$(in_group "$pg")" = 0 ] && break
	sleep 0.05
done
is "$(in_group "$pg")" 0 "and its jobs with it"
logged=$(q "SELECT count(*) FROM ingest_log")
[ "$logged" -gt 0 ] && [ "$logged" -lt $N ]
ok $? "after committing some messages but not all ($logged of $N)"
is "$(($(ls "$T_TMP/kill/new" | wc -l) + $(ls "$T_TMP/kill/cur" | wc -l)))" $N \
    "no message lost from the Maildir"
# Every message that left new/ was committed first.
q "SELECT sha256 FROM ingest_log" | sort -u >"$T_TMP/kill.logged"
(cd "$T_TMP/kill/cur" && ls | xargs -r sha256sum) | cut -d' ' -f1 | sort -u \
    >"$T_TMP/kill.cur"
is "$(comm -23 "$T_TMP/kill.cur" "$T_TMP/kill.logged" | wc -l)" 0 \
    "every message in cur/ ($(wc -l <"$T_TMP/kill.cur")) has its committed ingest log row"
"$MAILSIFT" --db "$DBK" ingest --maildir "$T_TMP/kill" --batch 50 --jobs 2 \
    2>"$T_TMP/err"
ok $? "the rerun exits 0"
is "$(ls "$T_TMP/kill/new" | wc -l)/$(ls "$T_TMP/kill/cur" | wc -l)" "0/$N" \
    "new/ is empty, every message in cur/"
is "$(q "SELECT count(*) FROM dmarc_report")/$(q "SELECT count(*) FROM ingest_log WHERE outcome = 'stored'")/$(q "SELECT count(DISTINCT sha256) FROM ingest_log")" \
    "$N/$N/$N" "every message stored exactly once ($N reports)"
is "$(q "SELECT count(*) FROM ingest_log WHERE outcome NOT IN ('stored', 'duplicate')")" 0 \
    "nothing quarantined"
want=$(tail -n +2 "$T_TMP/kill.tsv" | awk -F'\t' '{c += $4} END {print c}')
is "$(q "SELECT sum(count) FROM dmarc_record")" "$want" \
    "message totals equal the generator's truth"

# --- the server crashes in the middle of a Maildir ----------------------------
fresh_db mailsift_f_crash
DBC="host=$FDIR port=$FPORT dbname=mailsift_f_crash user=postgres"
N=1000
"$MAILSIFT_GEN" maildir "$T_TMP/crash" --messages $N --seed 43 --days 4 \
    --max-records 4 >/dev/null
"$MAILSIFT" --db "$DBC" ingest --maildir "$T_TMP/crash" --batch 50 --jobs 2 \
    2>"$T_TMP/err" & bg=$!
for i in $(seq 1 600); do
	[ "$(q "SELECT count(*) FROM ingest_log")" -gt 0 ] && break
	sleep 0.05
done
f_kill
f_pg start
wait "$bg"
rc=$?
bg=
[ "$rc" = 0 ] || [ "$rc" = 75 ]
ok $? "server restarted (immediate) mid-Maildir: exit 0 or 75 (exit $rc)"
q "SELECT sha256 FROM ingest_log" | sort -u >"$T_TMP/crash.logged"
(cd "$T_TMP/crash/cur" && ls | xargs -r sha256sum) | cut -d' ' -f1 | sort -u \
    >"$T_TMP/crash.cur"
is "$(comm -23 "$T_TMP/crash.cur" "$T_TMP/crash.logged" | wc -l)" 0 \
    "every message in cur/ ($(wc -l <"$T_TMP/crash.cur")) survived the crash in the ingest log"
"$MAILSIFT" --db "$DBC" ingest --maildir "$T_TMP/crash" 2>/dev/null
ok $? "the rerun exits 0"
is "$(ls "$T_TMP/crash/new" | wc -l)/$(q "SELECT count(*) FROM dmarc_report")/$(q "SELECT count(*) FROM ingest_log WHERE outcome = 'stored'")" \
    "0/$N/$N" "new/ is empty, every message stored exactly once"

# --- Maildir files that cannot be read or moved -------------------------------
fresh_db mailsift_f_io
DBI="host=$FDIR port=$FPORT dbname=mailsift_f_io user=postgres"
mkmd() {	# dir seed: a Maildir of 6 messages
	"$MAILSIFT_GEN" maildir "$1" --messages 6 --seed "$2" --days 2 \
	    --max-records 3 >/dev/null
}
stored() {
	q "SELECT count(*) FROM ingest_log WHERE outcome = 'stored'"
}

# Permission denied, for real: mailsift runs as an unprivileged user.
if [ "$(id -u)" = 0 ]; then
	as_user() { runuser -u nobody -- "$@"; }
	user=nobody
else
	as_user() { "$@"; }
	user=$(id -un)
fi
cp "$MAILSIFT" "$WDIR/mailsift"
md=$WDIR/perm
mkmd "$md" 51
bad=$(ls "$md/new" | sed -n 3p)
[ "$(id -u)" = 0 ] && chown -R nobody "$md"
chmod 000 "$md/new/$bad"
[ "$(id -u)" = 0 ] && chown root "$md/new/$bad"
as_user "$WDIR/mailsift" --db "$DBI" ingest --maildir "$md" 2>"$T_TMP/err"
is "$?" 74 "an unreadable message ($user): exit 74 (EX_IOERR)"
grep "$bad" "$T_TMP/err" | grep -q 'Permission denied'
ok $? "the error names the file: $(grep "$bad" "$T_TMP/err" | head -n 1)"
is "$(stored)/$(ls "$md/new")" "5/$bad" \
    "the other 5 messages are stored; the unreadable one stays in new/"
chmod 644 "$md/new/$bad"
as_user "$WDIR/mailsift" --db "$DBI" ingest --maildir "$md" 2>/dev/null
ok $? "readable again: the rerun exits 0"
is "$(stored)/$(ls "$md/new" | wc -l)" "6/0" "and stores it"

# cur/ not writable: committed, but cannot leave new/.
md=$WDIR/perm2
mkmd "$md" 52
if [ "$(id -u)" = 0 ]; then
	chown -R nobody "$md"
	chown root "$md/cur"
else
	chmod 555 "$md/cur"
fi
as_user "$WDIR/mailsift" --db "$DBI" ingest --maildir "$md" 2>"$T_TMP/err"
is "$?" 74 "cur/ not writable: exit 74, the Maildir cannot be emptied"
grep -q "cannot move $md/new/.*Permission denied" "$T_TMP/err"
ok $? "the error names the file: $(grep 'cannot move' "$T_TMP/err" | head -n 1)"
is "$(stored)/$(ls "$md/new" | wc -l)" "12/6" \
    "the messages are committed and stay in new/"
[ "$(id -u)" = 0 ] && chown nobody "$md/cur" || chmod 755 "$md/cur"
as_user "$WDIR/mailsift" --db "$DBI" ingest --maildir "$md" 2>/dev/null
ok $? "writable again: the rerun exits 0"
is "$(stored)/$(ls "$md/new" | wc -l)/$(ls "$md/cur" | wc -l)" "12/0/6" \
    "they leave new/, stored once (logged as duplicates)"

# Read errors (EIO) and a full disk (ENOSPC moving to cur/), from the shim.
shim=$T_TMP/failio.so
if cc -shared -fPIC -o "$shim" "$TOP/tests/faults/failio.c" -ldl 2>"$T_TMP/cc"; then
	md=$T_TMP/eio
	mkmd "$md" 53
	bad=$(ls "$md/new" | sed -n 2p)
	full=$(ls "$md/new" | sed -n 5p)
	FAILIO_READ=$bad FAILIO_RENAME=$full LD_PRELOAD=$shim \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    "$MAILSIFT" --db "$DBI" ingest --maildir "$md" 2>"$T_TMP/err"
	is "$?" 74 "a read error (EIO) and a full disk (ENOSPC): exit 74"
	grep "$bad" "$T_TMP/err" | grep -q 'Input/output error'
	ok $? "the read error names the file"
	grep "$full" "$T_TMP/err" | grep -q 'No space left on device'
	ok $? "the disk-full error names the file"
	is "$(stored)/$(ls "$md/new" | sort | tr '\n' ' ')" \
	    "17/$(printf '%s\n' "$bad" "$full" | sort | tr '\n' ' ')" \
	    "the other messages are processed; both files stay in new/"
	"$MAILSIFT" --db "$DBI" ingest --maildir "$md" 2>/dev/null
	ok $? "without the faults the rerun exits 0"
	is "$(stored)/$(ls "$md/new" | wc -l)" "18/0" \
	    "the unread message is stored, the unmoved one not twice"
else
	echo "not ok - the fault shim tests/faults/failio.c compiles"
	sed 's/^/# /' "$T_TMP/cc"
fi

# Entries of new/ that are no messages: mailsift must not block on a FIFO.
md=$T_TMP/odd
mkmd "$md" 54
mkfifo "$md/new/1790000000.fifo.example.org"
mkdir "$md/new/1790000001.dir.example.org"
timeout 60 "$MAILSIFT" --db "$DBI" ingest --maildir "$md" 2>"$T_TMP/err"
rc=$?
is "$rc" 74 "a FIFO and a directory in new/ do not block the ingest; exit 74 says some entries were unreadable"
grep -q "1790000000.fifo.example.org: not a regular file" "$T_TMP/err"
ok $? "the FIFO is named on stderr"
grep -q "1790000001.dir.example.org: not a regular file" "$T_TMP/err"
ok $? "the directory is named on stderr"
is "$(stored)/$(ls "$md/new" | wc -l)" "24/2" \
    "the messages beside them are stored, the odd entries left alone"
