# prune.sh - dmarc_record partitioned by month (sql/011_partition.sql) and
# `mailsift db prune`: a partition per month of the data ingested, the
# records in their month's partition; prune drops exactly the months
# before the cutoff's month, deletes their reports and raw copies, keeps
# or deletes the rollups as asked, and the rollup still agrees with the
# records; two ingests racing into a new month both succeed with one
# partition; hostile dates go to the default partition; a database at
# migration 010 upgrades with its records, views, comments and grants.
. "$TOP/tests/t/lib.sh"

fresh_db mailsift_t_prune
ok $? "db migrate"

# Month starts, UTC: 17 months ago and 3 months ago; 90 and 80 days from
# each, so six months hold data, three older than 13 months.
m17=$(date -u -d "$(date -u +%Y-%m-01) -17 months" +%s)
m3=$(date -u -d "$(date -u +%Y-%m-01) -3 months" +%s)
"$MAILSIFT_GEN" maildir "$T_TMP/old" --messages 300 --seed 21 --days 90 \
    --start "$m17" >/dev/null
"$MAILSIFT_GEN" maildir "$T_TMP/new" --messages 300 --seed 22 --days 80 \
    --start "$m3" >/dev/null
"$MAILSIFT" ingest --batch 40 --maildir "$T_TMP/old" 2>/dev/null &&
    "$MAILSIFT" ingest --batch 40 --maildir "$T_TMP/new" 2>/dev/null
ok $? "two generated sets ingested, 17 and 3 months ago"

parts() {	# the month partitions, one per line
	q "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
	    WHERE i.inhparent = 'dmarc_record'::regclass
	    AND c.relname <> 'dmarc_record_default' ORDER BY 1"
}
months() {	# the months the reports began in, as partition names
	q "SELECT DISTINCT 'dmarc_record_' || to_char(date_begin AT TIME ZONE 'UTC',
	    'YYYY_MM') FROM dmarc_report ORDER BY 1"
}
is "$(parts)" "$(months)" "one partition per month that holds reports"
is "$(parts | wc -l)" 6 "six months of data, six partitions"
is "$(q "SELECT count(*) FROM dmarc_record_default")" 0 \
    "the default partition is empty"
is "$(q "SELECT count(*) FROM dmarc_record c JOIN dmarc_report r ON r.id = c.report_id
    WHERE c.tableoid::regclass::text <> 'dmarc_record_' || to_char(r.date_begin AT TIME ZONE 'UTC', 'YYYY_MM')
    OR c.begin_day <> (r.date_begin AT TIME ZONE 'UTC')::date")" 0 \
    "every record in the partition of its report's begin month"
is "$(q "SELECT sum(count) FROM dmarc_record")" \
    "$(q "SELECT sum(message_count) FROM dmarc_report")" "no record lost"

# The months before the start of the month 13 months ago; --keep-rollups
# first.
cut=$(date -u -d "$(date -u +%Y-%m-01) -13 months" +%Y-%m-%d)
want_gone=$(q "SELECT string_agg(n, ' ' ORDER BY n) FROM (SELECT DISTINCT
    'dmarc_record_' || to_char(date_begin AT TIME ZONE 'UTC', 'YYYY_MM') AS n
    FROM dmarc_report WHERE date_begin < '$cut'::timestamp AT TIME ZONE 'UTC') a")
want_reports=$(q "SELECT count(*) FROM dmarc_report WHERE date_begin < '$cut'::timestamp AT TIME ZONE 'UTC'")
want_left=$(q "SELECT count(*) FROM dmarc_report WHERE date_begin >= '$cut'::timestamp AT TIME ZONE 'UTC'")
old_rollup=$(q "SELECT sum(messages) FROM dmarc_daily WHERE day < '$cut'")
is "$(echo "$want_gone" | wc -w)" 3 "three months before the cutoff month"
"$MAILSIFT" db prune --older-than 13m --keep-rollups >"$T_TMP/out"
ok $? "db prune --older-than 13m --keep-rollups"
sed 's/^/# /' "$T_TMP/out"
is "$(grep -o 'dropped partition dmarc_record_[0-9_]*' "$T_TMP/out" | cut -d' ' -f3 | tr '\n' ' ' | sed 's/ $//')" \
    "$want_gone" "it says which partitions it dropped"
grep -q "^mailsift: $want_reports reports pruned, rollups kept" "$T_TMP/out"
ok $? "it says how many reports ($want_reports)"
is "$(parts | tr '\n' ' ' | sed 's/ $//')" \
    "$(q "SELECT string_agg(n, ' ' ORDER BY n) FROM (SELECT DISTINCT
    'dmarc_record_' || to_char(date_begin AT TIME ZONE 'UTC', 'YYYY_MM') AS n
    FROM dmarc_report) a")" "the partitions left are exactly the months kept"
is "$(parts | awk -v c="dmarc_record_$(echo "$cut" | cut -c1-7 | tr - _)" '$1 < c' | wc -l)" 0 \
    "no partition before the cutoff month is left (pg_inherits)"
is "$(q "SELECT count(*) FROM dmarc_report WHERE date_begin < '$cut'::timestamp AT TIME ZONE 'UTC'")/$(q "SELECT count(*) FROM dmarc_report")" \
    "0/$want_left" "the old reports are gone, the others stay"
is "$(q "SELECT count(*) FROM dmarc_report_raw WHERE report_id NOT IN (SELECT id FROM dmarc_report)")" 0 \
    "raw copies went with their reports"
is "$(q "SELECT sum(messages) FROM dmarc_daily WHERE day < '$cut'")" "$old_rollup" \
    "--keep-rollups: the rollup of the pruned days is all there"

# The days kept still agree, record for rollup, whether the rollup of the
# pruned days is kept or not.  The cutoff's first day is left out: a
# report that began the day before (noon to noon) was pruned with its
# month, its share of that day stays in the rollup.
same_after() {	# what
	is "$(q "SELECT count(*) FROM (SELECT * FROM dmarc_daily_v WHERE day > '$cut'
	    EXCEPT ALL SELECT * FROM dmarc_daily_records_v WHERE day > '$cut') a")/$(q "SELECT count(*) FROM
	    (SELECT * FROM dmarc_daily_records_v WHERE day > '$cut'
	    EXCEPT ALL SELECT * FROM dmarc_daily_v WHERE day > '$cut') a")" "0/0" \
	    "$1: the rollup equals the records' definition after the cutoff"
}
same_after "--keep-rollups"

# A day cutoff inside a month: whole months only, and it says so.  Now
# without --keep-rollups.
"$MAILSIFT" db prune --older-than "$(( ( $(date -u +%s) - $(date -u -d "$cut" +%s) ) / 86400 - 5 ))d" \
    >"$T_TMP/out"
ok $? "db prune --older-than <days inside the month after the cutoff's>"
sed 's/^/# /' "$T_TMP/out"
grep -q "inside a month: pruning whole months only, before $cut" "$T_TMP/out"
ok $? "it says it prunes whole months only, before $cut"
is "$(q "SELECT count(*) FROM dmarc_report WHERE date_begin >= '$cut'::timestamp AT TIME ZONE 'UTC'")" \
    "$want_left" "the month holding the cutoff is kept whole"
is "$(q "SELECT count(*) FROM dmarc_daily WHERE day < '$cut'")/$(q "SELECT count(*) FROM dmarc_daily_domain WHERE day < '$cut'")" \
    "0/0" "without --keep-rollups the rollup rows of the pruned days go"
is "$(q "SELECT count(*) > 0 FROM dmarc_daily WHERE day >= '$cut'")" t \
    "the rollup of the days kept stays"
same_after "without --keep-rollups"
"$MAILSIFT" db rebuild-rollups >/dev/null
is "$(q "SELECT count(*) FROM (SELECT * FROM dmarc_daily_v EXCEPT ALL SELECT * FROM dmarc_daily_records_v) a")" \
    0 "after a rebuild every day agrees"

# Two ingests racing into months that have no partition yet (two years
# ago, three months' worth, each batch holding reports of several): both
# succeed, one partition a month, nothing in the default partition.
m24=$(date -u -d "$(date -u +%Y-%m-01) -24 months" +%s)
name24=dmarc_record_$(date -u -d "@$m24" +%Y_%m)
for i in 1 2; do
	"$MAILSIFT_GEN" maildir "$T_TMP/race$i" --messages 120 --seed $((30 + i)) \
	    --days 80 --start "$m24" >/dev/null
done
before=$(q "SELECT count(*) FROM dmarc_report")
deadlocks=$(q "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
"$MAILSIFT" ingest --batch 10 --maildir "$T_TMP/race1" 2>"$T_TMP/race1.err" &
p1=$!
"$MAILSIFT" ingest --batch 10 --maildir "$T_TMP/race2" 2>"$T_TMP/race2.err" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
is "$r1/$r2" "0/0" "two concurrent ingests into a new month both exit 0"
grep -v 'stored' "$T_TMP"/race?.err | head -n 5 | sed 's/^/# /'
is "$(q "SELECT count(*) FROM dmarc_report") - $before" "$(( before + 240 )) - $before" \
    "all 240 reports stored"
is "$(parts | grep -c "^$name24\$")" 1 "one partition for the first new month ($name24)"
is "$(q "SELECT count(DISTINCT date_trunc('month', begin_day)) FROM dmarc_record
    WHERE begin_day >= to_timestamp($m24)::date AND begin_day < to_timestamp($m24)::date + 85")" 3 \
    "the race's records cover three months"
is "$(q "SELECT count(*) FROM ingest_log WHERE outcome = 'quarantined'")" 0 \
    "nothing quarantined"
is "$(q "SELECT count(*) FROM dmarc_record_default")/$(q "SELECT count(*) > 0 FROM $name24")" \
    "0/t" "their records are in it, none in the default partition"
# The partition is made after a batch's COMMIT (store/partition.c): asked
# for inside the batches, the two ingests deadlocked and one retried.
is "$(q "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")" \
    "$deadlocks" "no deadlock between them"

# Hostile dates: 1970 and 2100 make no partition; their records go to the
# default partition.
hostile() {	# N BEGIN
	cat >"$T_TMP/h$1.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>hostile.example</org_name><email>d@hostile.example</email>
    <report_id>h-$1</report_id>
    <date_range><begin>$2</begin><end>$(( $2 + 86399 ))</end></date_range>
  </report_metadata>
  <policy_published><domain>example.org</domain><p>reject</p></policy_published>
  <record><row><source_ip>192.0.2.$1</source_ip><count>3</count>
    <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>example.org</header_from></identifiers></record>
</feedback>
XML
}
nparts=$(parts | wc -l)
hostile 1 0			# 1970-01-01
hostile 2 4102444800		# 2100-01-01
hostile 3 157766400	# 1975-01-01
"$MAILSIFT" ingest "$T_TMP"/h?.xml 2>/dev/null
ok $? "reports dated 1970, 1975 and 2100 ingested"
is "$(parts | wc -l)" "$nparts" "no partition made for them"
is "$(q "SELECT string_agg(begin_day::text, ' ' ORDER BY begin_day) FROM dmarc_record_default")" \
    "1970-01-01 1975-01-01 2100-01-01" "their records are in the default partition, begin_day exact"
is "$(q "SELECT dmarc_record_partition_ensure('1970-01-01')")" "" \
    "dmarc_record_partition_ensure refuses a month 20 years back"
is "$(q "SELECT dmarc_record_partition_ensure(current_date + 400)")" "" \
    "... and one over a year ahead"
# A month whose records sit in the default partition (its partition made
# and rolled back), then made: its rows move over.
q "INSERT INTO dmarc_record (report_id, begin_day, rec_no, count)
    SELECT id, (current_date - 365 * 3), 99, 1 FROM dmarc_report LIMIT 1" >/dev/null
p3=$(q "SELECT dmarc_record_partition_ensure(current_date - 365 * 3)")
is "$(q "SELECT count(*) FROM dmarc_record_default WHERE rec_no = 99")/$(q "SELECT count(*) FROM $p3 WHERE rec_no = 99")" \
    "0/1" "ensure moves a month's rows out of the default partition"
# The hostile months are pruned by DELETE (cascade into the default).
"$MAILSIFT" db prune --older-than 13m >/dev/null
ok $? "db prune again"
is "$(q "SELECT string_agg(begin_day::text, ' ') FROM dmarc_record_default")" \
    "2100-01-01" "the old hostile records went with their reports; 2100 stays"
is "$(q "SELECT count(*) FROM dmarc_record WHERE report_id NOT IN (SELECT id FROM dmarc_report)")" 0 \
    "no record left without its report"

# Upgrade: a database at migration 010 with records of three months (one
# of them 1970, one 2100) takes 011 with its rows, views, comments and
# grants intact.
fresh_db mailsift_t_prune_up || exit 1
q "DROP SCHEMA public CASCADE; CREATE SCHEMA public;
    CREATE TABLE schema_migrations (version int PRIMARY KEY, name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now())" >/dev/null 2>&1
for f in "$TOP"/sql/0*.sql; do
	v=$(basename "$f" | cut -c1-3)
	[ "$v" -le 10 ] || continue
	psql -X -q -1 -v ON_ERROR_STOP=1 -d "$T_DB" -f "$f" >/dev/null 2>&1 &&
	    q "INSERT INTO schema_migrations VALUES ($(expr "$v" + 0), '$(basename "$f")')" >/dev/null ||
	    echo "not ok - applying $f failed"
done
# this build's schema is its highest migration number (numbers are
# assigned per task, so there may be gaps until every branch is merged)
last=$(basename "$(ls "$TOP"/sql/0*.sql | tail -n 1)")
is "$("$MAILSIFT" db version)" "database schema 10, this build $(expr "${last%%_*}" + 0)" \
    "a database at migration 010"
"$MAILSIFT" db roles >/dev/null
ok $? "db roles at 010"
q "INSERT INTO ingest_log (id, outcome) VALUES (1, 'stored');
   INSERT INTO dmarc_report (id, ingest_id, org_name, report_id, policy_domain, date_begin, date_end)
   SELECT i, 1, 'up', 'up' || i, 'example.org', b, b + interval '1 day'
   FROM (VALUES (1, now() - interval '40 days'), (2, now() - interval '70 days'),
       (3, timestamptz '1970-01-01 12:00Z'), (4, timestamptz '2100-01-01Z')) v(i, b);
   INSERT INTO dmarc_record (report_id, rec_no, source_ip, count, policy_dkim)
   SELECT r, n, ('192.0.2.' || n)::inet, n * r, 'pass'
   FROM generate_series(1, 4) r, generate_series(1, 50) n" >/dev/null
ok $? "records of four reports stored at 010"
views="SELECT string_agg(c.relname || ':' || md5(pg_get_viewdef(c.oid)) || ':'
    || coalesce(c.relacl::text, '') || ':' || coalesce(obj_description(c.oid, 'pg_class'), '')
    || ':' || (SELECT coalesce(string_agg(a.attname || '=' || format_type(a.atttypid, a.atttypmod)
	|| '=' || coalesce(col_description(c.oid, a.attnum), ''), ',' ORDER BY a.attnum), '')
	FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0), E'\n' ORDER BY c.relname)
    FROM pg_class c WHERE c.relkind = 'v' AND c.relnamespace = 'public'::regnamespace"
records="SELECT md5(string_agg(c::text, ',' ORDER BY report_id, rec_no)) FROM
    (SELECT report_id, rec_no, source_ip, count, disposition, policy_dkim, policy_spf,
    header_from, envelope_from, envelope_to, fixups, reasons, dkim, spf FROM dmarc_record) c"
v_before=$(q "$views")
r_before=$(q "$records")
d_before=$(q "SELECT md5(string_agg(d::text, ',' ORDER BY d::text)) FROM dmarc_daily_v d")
acl_before=$(q "SELECT relacl FROM pg_class WHERE oid = 'dmarc_record'::regclass")
is "$(echo "$v_before" | grep -c '^dmarc_record_v:[0-9a-f]*:{.*mailsift_reader=r')" 1 \
    "the comparison has the views, with their grants"
is "$(q "SELECT count(*) FROM dmarc_record")" 200 "the comparison has the records"
# 011 alone, as db migrate applies each file (one transaction), so that
# what later migrations change is not mistaken for 011's doing.
psql -X -q -1 -v ON_ERROR_STOP=1 -d "$T_DB" -f "$TOP/sql/011_partition.sql" \
    >"$T_TMP/out" 2>&1 &&
    q "INSERT INTO schema_migrations VALUES (11, '011_partition.sql')" >/dev/null
ok $? "011 applied to the database at 010"
is "$(q "$views")" "$v_before" \
    "every view: same definition, columns, comments and grants"
is "$(q "$records")" "$r_before" "every record moved, every field the same"
is "$(q "SELECT md5(string_agg(d::text, ',' ORDER BY d::text)) FROM dmarc_daily_v d")" "$d_before" \
    "dmarc_daily_v the same"
is "$(q "SELECT relacl FROM pg_class WHERE oid = 'dmarc_record'::regclass")" "$acl_before" \
    "dmarc_record's grants kept"
is "$(q "SELECT relkind FROM pg_class WHERE oid = 'dmarc_record'::regclass")" p \
    "dmarc_record is partitioned"
is "$(q "SELECT string_agg(c.tableoid::regclass::text || '=' || c.begin_day, ' ' ORDER BY c.begin_day)
    FROM (SELECT DISTINCT tableoid, begin_day FROM dmarc_record) c")" \
    "$(q "SELECT string_agg(p || '=' || d, ' ' ORDER BY d) FROM (SELECT
	CASE WHEN date_begin < '2000-01-01' OR date_begin > '2099-01-01' THEN 'dmarc_record_default'
	ELSE 'dmarc_record_' || to_char(date_begin AT TIME ZONE 'UTC', 'YYYY_MM') END AS p,
	(date_begin AT TIME ZONE 'UTC')::date AS d FROM dmarc_report) a")" \
    "each report's records in its month's partition, 1970 and 2100 in the default"
"$MAILSIFT" db migrate >/dev/null
ok $? "db migrate takes the migrations after 011 on the upgraded database"
is "$(q "SELECT count(*) FROM dmarc_record")" 200 "with every record"

# 016: no foreign key, statement triggers instead.  A writer other than
# mailsift still cannot store a record of a report that does not exist,
# in an INSERT or an UPDATE; deleting reports deletes their records;
# mailsift's own connections skip the check (their records come from the
# report's INSERT).
is "$(q "SELECT count(*) FROM pg_constraint WHERE conrelid = 'dmarc_record'::regclass AND contype = 'f'")" 0 \
    "016: dmarc_record has no foreign key"
psql -X -q -v ON_ERROR_STOP=1 -d "$T_DB" -c "INSERT INTO dmarc_record (report_id, begin_day, rec_no, count)
    SELECT max(id) + 1, current_date, 1, 1 FROM dmarc_report" >/dev/null 2>"$T_TMP/err"
is "$?/$(grep -c 'violates its report reference' "$T_TMP/err")" "1/1" \
    "a record of no report is refused"
psql -X -q -v ON_ERROR_STOP=1 -d "$T_DB" -c "UPDATE dmarc_record SET report_id = report_id + 1000000
    WHERE report_id = (SELECT min(report_id) FROM dmarc_record)" >/dev/null 2>"$T_TMP/err"
is "$?/$(grep -c 'violates its report reference' "$T_TMP/err")" "1/1" \
    "moving records to no report is refused"
psql -X -q -v ON_ERROR_STOP=1 -d "$T_DB" -c "INSERT INTO dmarc_record (report_id, begin_day, rec_no, count)
    SELECT id, (date_begin AT TIME ZONE 'UTC')::date, 900, 1 FROM dmarc_report ORDER BY id LIMIT 3" >/dev/null
ok $? "records of existing reports are taken"
gone=$(q "SELECT string_agg(id::text, ',') FROM (SELECT id FROM dmarc_report ORDER BY id LIMIT 5) a")
n_gone=$(q "SELECT count(*) FROM dmarc_record WHERE report_id IN ($gone)")
n_all=$(q "SELECT count(*) FROM dmarc_record")
q "DELETE FROM dmarc_report WHERE id IN ($gone)" >/dev/null
is "$(q "SELECT count(*) FROM dmarc_record")/$(q "SELECT count(*) FROM dmarc_record WHERE report_id IN ($gone)")" \
    "$((n_all - n_gone))/0" "deleting reports deletes their records ($n_gone), and only theirs"
is "$(psql -X -qAt -v ON_ERROR_STOP=1 -d "$T_DB" -c "SET mailsift.rollup TO 'store'" \
    -c "BEGIN" -c "INSERT INTO dmarc_record (report_id, begin_day, rec_no, count) VALUES (-1, current_date, 1, 1)" \
    -c "ROLLBACK" 2>&1)" "" "mailsift's own connections are not checked"
