#!/bin/sh
# demo.sh - `make demo`: a month of generated reports and bounces into a
# private PostgreSQL, then the trend that shows the story: one sending IP
# starts failing DKIM alignment half way through the month, the DMARC
# reports say so, and Gmail starts refusing its mail (5.7.26), which the
# bounces say, on the same row of `mailsift trend`.  The senders get their
# names from a private unbound (tests/data/demo/zones.conf, tests/unbound.sh)
# and their networks from a small MMDB file, through `mailsift enrich`
# (tests/demo_sources.sql names the two the zones do not know).  Then
# `mailsift explain` says what each of example.com's sources is and what
# to fix: the failing server, an ESP sending with its own DKIM and
# Return-Path, a new server of ours missing from SPF, forwarders, spoofers.
# Last, `mailsift report` writes the month's page to build/report.html.
#
# The demo has a database of its own, mailsift_demo (MAILSIFT_DEMO_DB),
# marked as the demo's with a COMMENT ON DATABASE: each run drops and
# re-creates it, so the numbers are the month's and nothing else.  It
# never drops a database it did not mark: an existing one without the
# mark is used only when it holds no table, else the demo refuses
# (exit 1) and says why.  `tests/demo.sh --prepare-db` does only that
# part (tests/t/demo_db.sh).
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=${MAILSIFT_BUILD:-build}
db=${MAILSIFT_DEMO_DB:-mailsift_demo}
mark="mailsift demo: written by tests/demo.sh (make demo), which drops and re-creates it"
tests/pg.sh start
eval "$(tests/pg.sh env)"

# The demo's database: fresh when it is ours, refused when it is not.
prepare_db() {
	case $db in
	*[!a-z0-9_]* | "")
		echo "make demo: bad database name '$db' (letters, digits, _)" >&2
		exit 1 ;;
	esac
	exists=$(psql -X -qAt -d postgres -c "SELECT count(*) FROM pg_database
	    WHERE datname = '$db'")
	if [ "$exists" = 1 ]; then
		comment=$(psql -X -qAt -d postgres -c "SELECT
		    coalesce(shobj_description(oid, 'pg_database'), '')
		    FROM pg_database WHERE datname = '$db'")
		tables=$(psql -X -qAt -d "$db" -c "SELECT count(*) FROM pg_class c
		    JOIN pg_namespace n ON n.oid = c.relnamespace
		    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN
		    ('pg_catalog', 'information_schema', 'pg_toast')")
		if [ "$comment" = "$mark" ]; then
			dropdb "$db"
		elif [ "$tables" != 0 ]; then
			echo "make demo: database '$db' exists, holds $tables table(s) and" \
			    "was not created by the demo (no demo mark): refusing to" \
			    "touch it.  Drop it yourself, or run the demo with" \
			    "MAILSIFT_DEMO_DB=another_name." >&2
			exit 1
		fi
	fi
	psql -X -qAt -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'" |
	    grep -q 1 || createdb "$db"
	psql -X -q -d postgres -c "COMMENT ON DATABASE $db IS '$mark'"
	MAILSIFT_DB="dbname=$db"; PGDATABASE=$db
	export MAILSIFT_DB PGDATABASE
	"$B/mailsift" db migrate
}

echo "== the demo's own database: $db, in the private PostgreSQL under $B/pg"
echo "   (marked as the demo's; every make demo drops and re-creates it)"
prepare_db
[ "$1" = --prepare-db ] && exit 0
demo=$B/demo
rm -rf "$demo"
mkdir -p "$demo"
# The month ends yesterday, so `--since 30d` shows all of it.
start=$(( $(date -u -d 'today 00:00' +%s) - 30 * 86400 ))
"$B/mailsift-gen" maildir "$demo/Maildir" --demo --seed 1 --start "$start"
echo
echo "== mailsift ingest --maildir $demo/Maildir"
"$B/mailsift" -v ingest --maildir "$demo/Maildir" 2>&1 | tail -n 1
psql -X -q -v ON_ERROR_STOP=1 -f tests/demo_sources.sql
echo
echo "== mailsift enrich (a private unbound, an ASN database, the demo's site file)"
mkdir -p "$demo/dns"
cp tests/data/demo/zones.conf "$demo/dns/"
port=$(tests/unbound.sh start "$demo/dns")
python3 tests/mmdb_write.py "$demo/asn.mmdb" GeoLite2-ASN '{
  "192.0.2.0/24": {"autonomous_system_number": 64500,
    "autonomous_system_organization": "EXAMPLE-ESP Example Sending Networks",
    "country": {"iso_code": "US"}},
  "198.51.100.0/24": {"autonomous_system_number": 64496,
    "autonomous_system_organization": "EXAMPLE-HOSTING Example Hosting GmbH",
    "country": {"iso_code": "DE"}},
  "203.0.113.0/24": {"autonomous_system_number": 64511,
    "autonomous_system_organization": "BULK-HOST Bulk Hosting Ltd",
    "country": {"iso_code": "NL"}},
  "2001:db8::/32": {"autonomous_system_number": 64499,
    "autonomous_system_organization": "EXAMPLE-V6 Example IPv6 Networks",
    "country": {"iso_code": "FR"}}}'
"$B/mailsift" enrich --resolver "127.0.0.1:$port" --geoip "$demo/asn.mmdb" \
    --services-local tests/data/demo/services.local.tsv || true
tests/unbound.sh stop "$demo/dns"
echo
echo "== mailsift sources --since 30d (top 12)"
"$B/mailsift" sources --since 30d | head -n 13
echo
echo "== mailsift trend --by ip --since 30d --ip 198.51.100.25"
echo "   (the DMARC reports' counts, then the bounces of its mail: all, and"
echo "   those refused for authentication)"
"$B/mailsift" trend --by ip --since 30d --ip 198.51.100.25
echo
echo "== mailsift bounces --since 30d --by reason"
"$B/mailsift" bounces --since 30d --by reason
echo
echo "== mailsift explain --domain example.com --since 30d"
"$B/mailsift" explain --domain example.com --since 30d
echo
echo "== mailsift report --since 30d --output $B/report.html"
"$B/mailsift" report --since 30d --output "$B/report.html"
echo "The month on one page (inline CSS and SVG, nothing fetched): open"
echo "  $top/$B/report.html"
echo "in a browser; as a digest mail: $B/mailsift report --mail --to ADDR | sendmail -t"
echo
echo "The database keeps running: eval \"\$(tests/pg.sh env)\";"
echo "export PGDATABASE=$db MAILSIFT_DB=dbname=$db and try"
echo "  $B/mailsift trend --by day --since 30d"
echo "  $B/mailsift bounces --since 7d --reason authfailure"
echo "  $B/mailsift explain --domain example.org --format json"
echo "  psql -c 'SELECT * FROM dmarc_daily_v LIMIT 10'"
echo "  psql -c 'SELECT source_ip, ptr, fcrdns, service, service_kind FROM source_v'"
echo "  psql -c 'SELECT category, source_ip, action FROM source_diagnosis_v'"
echo "Stop it with: make pg-stop"
