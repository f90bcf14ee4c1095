# hostile.sh - input from anyone on the internet: every case ends in
# bounded time and memory with exit 0, and is either quarantined with a
# reason that names the problem or stored with exactly what it said.
#
# Small inputs are committed in tests/data/hostile/ (written by
# tests/hostile/mk.py, checked here to still match it); big ones are
# streamed from mk.py through a pipe into `mailsift ingest -`, so a 1 GB
# attribute or a report of 10 million records never touches the disk.
#
#   HOSTILE_FULL=1	the report of 10 million records (2 million without),
#			and the flat and overlapping zip bombs at the default
#			2 GiB limit (64 MiB without): several minutes
#   HOSTILE_RECORDS=N	the report of N records instead
#   MAILSIFT_ASAN=1	the binary is the sanitizer build: memory bounds are
#			skipped and time bounds are four times as long
. "$TOP/tests/t/lib.sh"

H=$TOP/tests/data/hostile
mk() { python3 "$TOP/tests/hostile/mk.py" "$@"; }
DB=mailsift_t_hostile_$$		# concurrent runs must not share it
MB=1024				# peak RSS bounds are in kilobytes
SLOW=1
[ "${MAILSIFT_ASAN:-0}" = 1 ] && SLOW=4
if [ "${HOSTILE_FULL:-0}" = 1 ]; then
	RECORDS=${HOSTILE_RECORDS:-10000000} BOMB_MIB=4096 LIMIT=
	OVERLAP_MIB=1024 BOMB_T=600
else
	RECORDS=${HOSTILE_RECORDS:-2000000} BOMB_MIB=128
	LIMIT=--max-inflated-size=67108864 OVERLAP_MIB=16 BOMB_T=120
fi

# Attacker-chosen names must never become paths: everything runs in an
# empty directory deep enough that "../" names would land in $T_TMP/a.
mkdir -p "$T_TMP/a/b/cwd" && cd "$T_TMP/a/b/cwd" || exit 1

# hostile NAME SECONDS KB [ingest options] < input
# Ingest standard input into the database of the last fresh_db and check
# the exit status, the wall time and the peak RSS.  After the SQL case all
# cases share one database: each is the last row of the ingest log, and
# the reports of each have their own report ids.
hostile() {
	_n=$1 _s=$(($2 * SLOW)) _k=$3
	shift 3
	/usr/bin/time -o "$T_TMP/time" -f '%e %M' timeout "$_s" \
	    "$MAILSIFT" ingest "$@" - >"$T_TMP/out" 2>"$T_TMP/err"
	_rc=$?
	_t=$(tail -n 1 "$T_TMP/time" | cut -d' ' -f1)
	_m=$(tail -n 1 "$T_TMP/time" | cut -d' ' -f2)
	is "$_rc" 0 "$_n: exit 0"
	[ "$_rc" = 0 ] || sed 's/^/#   /' "$T_TMP/err" | tail -n 5
	awk -v t="$_t" -v m="$_s" 'BEGIN { exit !(t + 0 <= m) }'
	ok $? "$_n: $_t s, within $_s s"
	if [ "${MAILSIFT_ASAN:-0}" = 1 ]; then
		echo "ok - $_n: skip: peak RSS ($_m KB) not bounded under ASan"
	else
		[ "$_m" -le "$_k" ] 2>/dev/null
		ok $? "$_n: peak RSS $_m KB, within $_k KB"
	fi
	echo "# $_n: $(last outcome), $_t s, $_m KB"
}

last() {
	q "SELECT $1 FROM ingest_log_v ORDER BY id DESC LIMIT 1"
}

# quarantined NAME ERE: the last message is quarantined for that reason.
quarantined() {
	_r=$(last reason)
	is "$(last outcome)" quarantined "$1: quarantined"
	printf '%s\n' "$_r" | grep -Eq "$2"
	ok $? "$1: the reason says so: $(printf '%.200s' "$_r" | tr -d '#')"
}

# stored NAME REPORTS: the last message stored that many reports.
stored() {
	is "$(last outcome)/$(last reports_stored)" "stored/$2" \
	    "$1: stored, $2 report(s)"
}

hex() {
	q "SELECT encode(convert_to($1, 'UTF8'), 'hex') $2"
}

# --- the committed fixtures are what mk.py writes ----------------------------
for f in "$H"/*.eml; do
	c=$(basename "$f" .eml)
	mk "$c" | cmp -s - "$f"
	ok $? "fixture $c.eml is what mk.py $c writes"
done

# --- report fields crafted as SQL, stored verbatim ----------------------------
fresh_db $DB
# Month partitions of dmarc_record are made by ingest (011_partition.sql).
tables="SELECT string_agg(tablename, ',' ORDER BY 1) FROM pg_tables
    WHERE schemaname = 'public'
    AND tablename !~ '^dmarc_record_[0-9]{4}_[0-9]{2}\$'"
before=$(q "$tables")
hostile "SQL in every field" 30 $((128 * MB)) <"$H/sql.eml"
stored "SQL in every field" 2
mk expect-sql >"$T_TMP/sql.tsv"
want() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$T_TMP/sql.tsv"; }
for c in org_name email policy_domain extra_contact_info; do
	is "$(hex $c "FROM dmarc_report_v GROUP BY 1")" "$(want $c)" \
	    "SQL: $c stored verbatim in both reports"
done
is "$(hex report_id "FROM dmarc_report_v ORDER BY records LIMIT 1")" \
    "$(want report_id)" "SQL: report_id stored verbatim"
for c in header_from envelope_from envelope_to; do
	is "$(hex $c "FROM dmarc_record_v GROUP BY 1")" "$(want $c)" \
	    "SQL: $c stored verbatim (INSERT and COPY)"
done
is "$(hex selector "FROM dmarc_dkim_v WHERE idx = 1 GROUP BY 1")" \
    "$(want dkim_selector)" "SQL: DKIM selector stored verbatim"
is "$(hex human_result "FROM dmarc_dkim_v WHERE idx = 1 GROUP BY 1")" \
    "$(want dkim_human)" "SQL: DKIM human_result (bidi, emoji) stored verbatim"
is "$(q "SELECT count(*) FROM dmarc_dkim_v WHERE idx = 2 AND domain = ''")" 6001 \
    "SQL: an empty DKIM domain is an empty string, not NULL"
is "$(hex selector "FROM dmarc_dkim_v WHERE idx = 2 AND selector IS NOT NULL
    GROUP BY 1")" "$(want dkim2_selector)" "SQL: a selector 'NULL' is text"
is "$(hex human_result "FROM dmarc_dkim_v WHERE idx = 2 GROUP BY 1")" \
    "$(want dkim2_human)" "SQL: array and row literal syntax stored verbatim"
is "$(hex comment "FROM dmarc_reason_v GROUP BY 1")" "$(want reason_comment)" \
    "SQL: reason comment stored verbatim"
is "$(hex message_id "FROM ingest_log_v")" "$(want message_id)" \
    "SQL: Message-ID stored verbatim"
is "$(hex part_name "FROM dmarc_report_raw GROUP BY 1")" "$(want part_name)" \
    "SQL: attachment file name stored verbatim"
is "$(q "SELECT count(*) FROM dmarc_record_v WHERE header_from IS NULL")" 0 \
    "SQL: a header_from of \\N is text, not NULL"
is "$(q "SELECT count(*) FROM dmarc_record_v")/$(q "SELECT sum(count) FROM dmarc_record_v")" \
    "6001/42007" "SQL: every record stored once, counts intact"
is "$(q "$tables")" "$before" "SQL: every table still there"

# --- XML ------------------------------------------------------------------------
fresh_db $DB
hostile "billion laughs" 30 $((128 * MB)) <"$H/laughs.eml"
quarantined "billion laughs" 'entit.*billion laughs'

# External entities, an external DTD, a parameter entity, XInclude and a
# stylesheet, pointing at a listener that records every connection.
python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True); s.settimeout(120)
while True:
    try: c, a = s.accept()
    except OSError: break
    open(sys.argv[1], "a").write("connection\n"); c.close()
' "$T_TMP/connections" >"$T_TMP/port" &
listener=$!
n=0
while [ ! -s "$T_TMP/port" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
mk xxe "$(cat "$T_TMP/port")" | hostile "XXE" 30 $((128 * MB))
stored "XXE" 1
is "$(q "SELECT org_name FROM dmarc_report_v WHERE report_id = 'xxe-1'")" \
    "XXE  Corp" "XXE: the entity is dropped, not expanded"
is "$(q "SELECT count(*) FROM dmarc_report_v r JOIN dmarc_record_v d USING
    (report_pk) WHERE concat(r.org_name, r.extensions, r.fixups::text,
    d.header_from, d.envelope_from) ~ 'root:'")" 0 \
    "XXE: /etc/passwd is read nowhere"
q "SELECT fixups::text FROM dmarc_report_v WHERE report_id = 'xxe-1'" |
    grep -q 'left unexpanded'
ok $? "XXE: a fixup says the entities were left unexpanded"
# One connection of our own, to show the listener would have seen one.
python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1",
    int(sys.argv[1]))).close()' "$(cat "$T_TMP/port")"
sleep 0.5
is "$(wc -l <"$T_TMP/connections")" 1 \
    "XXE: no network connection from mailsift (the listener saw only ours)"
kill "$listener" 2>/dev/null

hostile "XML nested 100,000 deep" 30 $((128 * MB)) <"$H/deep-xml.eml"
quarantined "XML nested 100,000 deep" 'nested deeper than 64'

mk big-attr 1024 | hostile "1 GB single-line attribute" 60 $((128 * MB))
quarantined "1 GB single-line attribute" "token .* longer than libxml2's limit"

hostile "invalid UTF-8 in the XML" 30 $((128 * MB)) <"$H/bad-utf8-xml.eml"
quarantined "invalid UTF-8 in the XML" 'not proper UTF-8'

hostile "NUL in the XML" 30 $((128 * MB)) <"$H/nul-xml.eml"
quarantined "NUL in the XML" 'Char 0x0 out of allowed range'

# --- a report of many records streams in bounded memory -----------------------
echo "# report of $RECORDS records (HOSTILE_FULL=1: 10 million)"
mk records "$RECORDS" | hostile "report of $RECORDS records" \
    $((RECORDS / 5000 + 60)) $((64 * MB))
stored "report of $RECORDS records" 1
is "$(q "SELECT records || '/' || messages FROM dmarc_report_v
    WHERE report_id = 'records-$RECORDS'")" \
    "$RECORDS/$(mk sum-counts "$RECORDS")" \
    "report of $RECORDS records: every record and count stored"

# The parser holds records only until the report's identity is known, and
# never more than a bounded size of one record.
mk pending 99999 | hostile "99,999 records before report_metadata" 60 $((128 * MB))
stored "99,999 records before report_metadata" 1
mk pending 200 1 | hostile "200 records of 0.8 MB before report_metadata" 60 $((128 * MB))
quarantined "200 records of 0.8 MB before report_metadata" \
    'records before report_metadata and policy_published hold more than'
mk fat-record | hostile "a record of 240 MB of values" 60 $((128 * MB))
quarantined "a record of 240 MB of values" 'record holds more than 1048576 bytes'

# --- compression bombs -----------------------------------------------------------
hostile "gzip bomb, nested" 30 $((128 * MB)) <"$H/gzip-bomb.eml"
quarantined "gzip bomb, nested" 'compression ratio exceeds 2000:1'

# One layer can only reach deflate's 1032:1: max_inflated stops it, after
# as long as parsing that much takes (20 to 40 MB/s of empty elements, so
# up to 100 s for the default 2 GiB).
echo "# flat gzip bomb of $BOMB_MIB MiB${LIMIT:+, $LIMIT}"
mk flat-bomb "$BOMB_MIB" | hostile "gzip bomb, flat" $BOMB_T $((128 * MB)) $LIMIT
quarantined "gzip bomb, flat" 'inflated size exceeds'

mk zip-bzip2 | hostile "zip bomb, bzip2 ratio" 30 $((128 * MB))
quarantined "zip bomb, bzip2 ratio" 'compression method bzip2 \(12\) refused'

mk zip-entries 100000 | hostile "zip of 100,000 entries" 30 $((64 * MB))
quarantined "zip of 100,000 entries" 'zip has 100000 entries, more than 64'

mk zip-nested | hostile "zip of zips of zips (42.zip)" 30 $((128 * MB))
quarantined "zip of zips of zips (42.zip)" 'more than 64 \(max_zip_entries\)'

# 64 entries sharing one compressed body: each alone passes every limit,
# the message's budget does not.
mk zip-overlap 64 "$OVERLAP_MIB" | hostile "zip bomb, overlapping entries" $BOMB_T \
    $((128 * MB)) $LIMIT
quarantined "zip bomb, overlapping entries" 'inflate to more than [0-9]+ bytes in all'

# --- names that look like paths -----------------------------------------------------
hostile "zip entries and file names with ../" 30 $((128 * MB)) <"$H/zip-names.eml"
stored "zip entries and file names with ../" 8
mk expect-names >"$T_TMP/names.tsv"
while IFS="$(printf '\t')" read -r rid h; do
	is "$(q "SELECT encode(convert_to(w.member, 'UTF8'), 'hex') FROM dmarc_report_raw w
	    JOIN dmarc_report r ON r.id = w.report_id WHERE r.report_id = '$rid'")" "$h" \
	    "zip entry of $rid kept as a label, byte for byte"
done <"$T_TMP/names.tsv"
is "$(q "SELECT part_name FROM dmarc_report_raw w JOIN dmarc_report r ON
    r.id = w.report_id WHERE r.report_id = 'names-att'")" \
    "/tmp/hostile-pwned-att2.xml.gz" "an absolute attachment name kept as a label"

# --- MIME structure ------------------------------------------------------------------
mk mime-deep 1000 | hostile "MIME nested 1,000 deep" 30 $((128 * MB))
quarantined "MIME nested 1,000 deep" 'nesting deeper than 16 levels \(max_depth\)'

mk mime-rfc822-deep 1000 | hostile "message/rfc822 nested 1,000 deep" 30 $((128 * MB))
quarantined "message/rfc822 nested 1,000 deep" 'deeper than 16 levels \(max_depth\)'

mk mime-rfc822-deep 100000 | hostile "message/rfc822 nested 100,000 deep" 30 $((128 * MB))
quarantined "message/rfc822 nested 100,000 deep" '\((max_depth|max_header)\)'

mk mime-parts 100000 | hostile "100,000 MIME parts" 30 $((128 * MB))
quarantined "100,000 MIME parts" 'more than 2000 MIME parts \(max_parts\)'

# A bounce is stored with at most BOUNCE_MAX_RECIPIENTS (1000) recipients,
# in one statement; the others are counted as dropped, not kept.
mk dsn 100000 | hostile "DSN with 100,000 recipients" 30 $((128 * MB))
is "$(last outcome)/$(last bounce_recipients)" stored/1000 \
    "DSN with 100,000 recipients: stored as a bounce, 1000 recipients kept"
is "$(q "SELECT min(recipients_dropped) > 0 FROM bounce_v WHERE ingest_id =
    (SELECT max(id) FROM ingest_log_v)")" t "DSN with 100,000 recipients: the rest counted as dropped"

for k in line folded many; do
	mk long-header $k 8192 | hostile "8 MiB of header ($k)" 30 $((128 * MB))
	quarantined "8 MiB of header ($k)" 'MIME headers larger than 1048576 bytes \(max_header\)'
done
mk long-header line 512 | hostile "a 512 KiB header line" 30 $((128 * MB))
stored "a 512 KiB header line" 1

# --- transfer encodings, bytes in headers ------------------------------------------------
hostile "base64 with junk characters" 30 $((128 * MB)) <"$H/bad-base64-junk.eml"
stored "base64 with junk characters" 1

hostile "base64 cut short" 30 $((128 * MB)) <"$H/bad-base64-cut.eml"
quarantined "base64 cut short" 'gzip data truncated'

hostile "malformed quoted-printable" 30 $((128 * MB)) <"$H/bad-qp.eml"
stored "malformed quoted-printable" 1
is "$(q "SELECT org_name FROM dmarc_report_v WHERE report_id = 'qp-1'")" \
    "QP =ZZ =4 = = Corp" \
    "malformed quoted-printable: bad escapes kept as text, good ones decoded"

hostile "invalid UTF-8 in headers" 30 $((128 * MB)) <"$H/bad-utf8-headers.eml"
stored "invalid UTF-8 in headers" 1
last message_id | grep -q '^bad-.*@hostile\.example$'
ok $? "invalid UTF-8 in headers: Message-ID kept as valid text"

hostile "NUL bytes in headers" 30 $((128 * MB)) <"$H/nul-headers.eml"
stored "NUL bytes in headers" 1

# --- a message over --max-message-size on stdin ---------------------------------------------
mk oversize 65 | hostile "65 MiB on stdin" 30 $((128 * MB))
quarantined "65 MiB on stdin" 'larger than 67108864 bytes \(max_message\)'
is "$(q "SELECT length(raw) FROM quarantine ORDER BY ingest_id DESC LIMIT 1")" 0 \
    "65 MiB on stdin: nothing of it is kept"

# --- SMTP TLS reports and failure reports -------------------------------------------
mk tls-deep 100000 | hostile "TLS report nested 100,000 deep" 30 $((128 * MB))
quarantined "TLS report nested 100,000 deep" 'TLSRPT_MAX_DEPTH'
mk tls-details 1000000 | hostile "TLS report of a million failure details" 60 $((256 * MB))
quarantined "TLS report of a million failure details" 'TLSRPT_MAX_FAILURES'
mk tls-string 1024 | hostile "TLS report with a 1 GiB string" 60 $((256 * MB))
quarantined "TLS report with a 1 GiB string" \
    'TLSRPT_MAX_STRING|larger than [0-9]+ bytes|max_ratio|max_inflated'
# A message/ part is read like an embedded message's header block, so the
# walk's bound on header bytes (1 MiB) stops the flood before the ARF
# reader's own (ARF_MAX_PART, arf_test), also in base64.
mk arf-flood 100000 | hostile "failure report with 100,000 Authentication-Results" 30 $((256 * MB))
quarantined "failure report with 100,000 Authentication-Results" 'max_header'
mk arf-flood 100000 base64 | hostile "the same, its report part in base64" 30 $((256 * MB))
quarantined "the same, its report part in base64" 'max_header'

# --- no name became a path ------------------------------------------------------------------
is "$(find "$T_TMP/a" -mindepth 1 | grep -v "^$T_TMP/a/b\$" | grep -v "^$T_TMP/a/b/cwd\$")" "" \
    "no file was created in or above the working directory"
is "$(ls -d /tmp/*pwned* /*pwned* 2>/dev/null)" "" "no file was created in /tmp or /"
# The only file system calls in ingest/ and parse/ take paths from the
# command line or a Maildir listing: a zip entry or MIME name never gets
# near one (libzip reads from memory, libxml2 loads nothing).
is "$(cd "$TOP" && grep -lE '\b(open|openat|fopen|freopen|creat|mkstemp|mkdtemp|mkdir|rename|renameat|link|symlink|unlink|truncate|g_file_[a-z_]+|g_mkdir[a-z_]*|zip_open)[[:space:]]*\(' \
    ingest/*.c $(find parse -name "*.c") | tr '\n' ' ')" \
    "ingest/maildir.c ingest/mbox.c ingest/message.c " \
    "file system calls only where the operator names the path"
