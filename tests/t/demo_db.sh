# demo_db.sh - `make demo` never drops a database it did not create: it
# uses its own (mailsift_demo, here a name of the test's), marks it, drops
# and re-creates only a marked one, adopts an empty unmarked one, and
# refuses one that holds tables it did not write, leaving it as it was.
# Runs only the demo's database step (tests/demo.sh --prepare-db).
. "$TOP/tests/t/lib.sh"

db=mailsift_t_demo_$$
T_DBS="$T_DBS $db"
export MAILSIFT_DEMO_DB=$db
demo() { sh "$TOP/tests/demo.sh" --prepare-db; }
tables() { psql -X -qAt -d "$db" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"; }

demo >"$T_TMP/out" 2>&1
ok $? "the demo's database step exits 0"
grep -q "the demo's own database: $db" "$T_TMP/out"
ok $? "and says which database it uses"
is "$(psql -X -qAt -d postgres -c "SELECT shobj_description(oid, 'pg_database')
    FROM pg_database WHERE datname = '$db'")" \
    "mailsift demo: written by tests/demo.sh (make demo), which drops and re-creates it" \
    "the database is marked as the demo's"
[ "$(tables)" -gt 5 ]; ok $? "and migrated"

psql -X -q -d "$db" -c "INSERT INTO ingest_log (source, outcome) VALUES ('demo-t', 'stored')"
demo >/dev/null 2>&1
ok $? "a second run exits 0"
is "$(psql -X -qAt -d "$db" -c "SELECT count(*) FROM ingest_log")" 0 \
    "its own marked database is dropped and re-created"

# Somebody else's database under the demo's name.
dropdb "$db"
createdb "$db"
psql -X -q -d "$db" -c "CREATE TABLE precious (v text); INSERT INTO precious VALUES ('keep me')"
demo >"$T_TMP/out" 2>&1
[ $? != 0 ]; ok $? "an unmarked database holding tables: the demo refuses"
grep -q "refusing to touch it" "$T_TMP/out" && grep -q "MAILSIFT_DEMO_DB" "$T_TMP/out"
ok $? "saying why and what to do"
sed 's/^/#   /' "$T_TMP/out"
is "$(psql -X -qAt -d "$db" -c "SELECT v FROM precious")" "keep me" "its data is untouched"
is "$(psql -X -qAt -d postgres -c "SELECT coalesce(shobj_description(oid, 'pg_database'), 'none')
    FROM pg_database WHERE datname = '$db'")" none "and it is not marked"
is "$(tables)" 1 "and nothing was migrated into it"

# An empty unmarked database (made for the demo by hand) is adopted.
dropdb "$db"
createdb "$db"
demo >/dev/null 2>&1
ok $? "an empty unmarked database is used"
[ "$(tables)" -gt 5 ]; ok $? "migrated and marked"
MAILSIFT_DEMO_DB="x; DROP" demo >/dev/null 2>&1
[ $? != 0 ]; ok $? "a database name that is not a plain name is refused"
