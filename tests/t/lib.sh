# lib.sh - helpers for the integration tests (sourced by tests/t/*.sh).
#
#   ok COND-EXIT-STATUS "description"   e.g.  [ "$x" = 3 ]; ok $? "three"
#   is GOT WANT "description"
#   fresh_db NAME     create database NAME, migrate it, export MAILSIFT_DB
#   q SQL             one value from the test database
# Every test gets its own database, dropped on exit.
T_DBS=
T_TMP=$(mktemp -d)
trap 't_cleanup' EXIT
t_cleanup() {
	for d in $T_DBS; do dropdb --if-exists "$d" 2>/dev/null; done
	rm -rf "$T_TMP"
}
ok() {
	if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}
is() {
	if [ "$1" = "$2" ]; then
		echo "ok - $3"
	else
		echo "not ok - $3"
		echo "#   got:  $1" | head -c 2000; echo
		echo "#   want: $2" | head -c 2000; echo
	fi
}
fresh_db() {
	dropdb --if-exists "$1" 2>/dev/null
	createdb "$1" || return 1
	T_DBS="$T_DBS $1"
	MAILSIFT_DB="dbname=$1"; export MAILSIFT_DB
	T_DB=$1
	"$MAILSIFT" db migrate >/dev/null
}
q() {
	psql -X -qAt -v ON_ERROR_STOP=1 -d "$T_DB" -c "$1"
}
# refuse_log_rows: a trigger on $T_DB's ingest_log that refuses the log
# rows of stored messages whose source matches a pattern (SQLSTATE 22023:
# the message is quarantined, what it stored undone) and fails the first
# N inserts with a given SQLSTATE (40001: the batch is retried); refuse_set
# PATTERN N SQLSTATE sets them ('' 0 00000: nothing).
refuse_log_rows() {
	q "CREATE SEQUENCE fail_seq;
	   CREATE TABLE fail_cfg (pat text, n int, code text);
	   INSERT INTO fail_cfg VALUES ('', 0, '00000');
	   CREATE FUNCTION fail_first() RETURNS trigger LANGUAGE plpgsql AS \$\$
	   DECLARE c fail_cfg;
	   BEGIN
		SELECT * INTO c FROM fail_cfg;
		IF NEW.outcome = 'stored' AND NEW.source LIKE c.pat THEN
			RAISE EXCEPTION 'refused by the test' USING ERRCODE = '22023';
		END IF;
		IF nextval('fail_seq') <= c.n THEN
			RAISE EXCEPTION 'injected failure %', c.code USING ERRCODE = c.code;
		END IF;
		RETURN NEW;
	   END \$\$;
	   CREATE TRIGGER fail_first BEFORE INSERT ON ingest_log
		FOR EACH ROW EXECUTE FUNCTION fail_first()" >/dev/null
}
refuse_set() {	# PATTERN N SQLSTATE
	q "UPDATE fail_cfg SET pat = '$1', n = $2, code = '$3';
	   SELECT setval('fail_seq', 1, false)" >/dev/null
}
