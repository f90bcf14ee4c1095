# lazylibs.sh - libpq, libzip, libxml2 and json-c are loaded on first use,
# not at exec (store/pq.c, ingest/zip_dl.c, parse/dmarc/xml_dl.c,
# parse/tlsrpt/json_dl.c), and c-ares, libpsl and libmaxminddb by
# `mailsift enrich` only (enrich/*_dl.c), libcurl by `mailsift check`
# only (check/curl_dl.c; tests/t/check.sh runs it without): the binary does not
# need them; a message that needs a library that cannot be loaded is an
# error naming it (quarantined, never a crash); other messages are not
# affected; requeue stores it once the library is back.
. "$TOP/tests/t/lib.sh"

zipmail=$TOP/tests/data/mail/google-zip.eml
gzmail=$TOP/tests/data/mail/yahoo-gzip.eml
bounce=$TOP/tests/data/bounces/variants/gmail-legacy-dns-error.eml

# Under valgrind $MAILSIFT is a wrapper script: no ELF to look at.
if [ "${MAILSIFT_VALGRIND:-0}" != 1 ]; then
	needed=$(readelf -d "$MAILSIFT" | grep NEEDED)
	[ -n "$needed" ]
	ok $? "readelf lists the libraries the binary needs"
	echo "$needed" | grep -qE 'lib(pq|zip|xml2|json-c)\.so'
	ok $((! $?)) "libpq, libzip, libxml2 and json-c are not among them"
	echo "$needed" | grep -qE 'lib(cares|psl|maxminddb)\.so'
	ok $((! $?)) "nor c-ares, libpsl and libmaxminddb"
	echo "$needed" | grep -qE 'libcurl'
	ok $((! $?)) "nor libcurl (check/curl_dl.c: mailsift check's MTA-STS fetch)"
fi

# A file by the library's name that is not a library: dlopen finds it
# first on LD_LIBRARY_PATH and fails, as on a machine without it.
mkdir -p "$T_TMP/nozip" "$T_TMP/noxml"
echo "not a library" >"$T_TMP/nozip/libzip.so.4"
echo "not a library" >"$T_TMP/noxml/libxml2.so.2"

out=$(LD_LIBRARY_PATH=$T_TMP/nozip "$MAILSIFT" parse - <"$zipmail")
rc=$?
is "$rc" 65 "no libzip: a zip report exits 65 (EX_DATAERR), no crash"
echo "$out" | grep -q '"kind":"error".*libzip\.so\.4'
ok $? "no libzip: the error names libzip.so.4"
LD_LIBRARY_PATH=$T_TMP/nozip "$MAILSIFT" parse - <"$gzmail" |
    grep -q '"kind":"dmarc_report"'
ok $? "no libzip: a gzipped report still parses"

out=$(LD_LIBRARY_PATH=$T_TMP/noxml "$MAILSIFT" parse - <"$gzmail")
rc=$?
is "$rc" 65 "no libxml2: a report exits 65 (EX_DATAERR), no crash"
echo "$out" | grep -q '"kind":"error".*cannot load libxml2\.so\.2'
ok $? "no libxml2: the error names libxml2.so.2"
LD_LIBRARY_PATH=$T_TMP/noxml "$MAILSIFT" parse - <"$bounce" |
    grep -q '"kind":"bounce"'
ok $? "no libxml2: a bounce still parses"

"$MAILSIFT" parse - <"$zipmail" | grep -q '"container":"zip"'
ok $? "with the libraries: the zip report parses"

# Ingest: quarantined with the reason, stored by requeue afterwards.
fresh_db mailsift_t_lazylibs || exit 1
LD_LIBRARY_PATH=$T_TMP/nozip "$MAILSIFT" ingest - <"$zipmail" 2>/dev/null
ok $? "no libzip: ingest exits 0 (quarantined)"
is "$(q "SELECT outcome FROM ingest_log_v ORDER BY id DESC LIMIT 1")" \
    quarantined "no libzip: the zip report is quarantined"
q "SELECT reason FROM ingest_log_v ORDER BY id DESC LIMIT 1" |
    grep -q 'libzip\.so\.4'
ok $? "no libzip: the reason names libzip.so.4"
"$MAILSIFT" requeue 2>/dev/null
ok $? "requeue with libzip exits 0"
is "$(q "SELECT outcome FROM ingest_log WHERE requeued_from IS NOT NULL")" \
    stored "requeue with libzip: the report is stored"

# Without json-c a TLS report cannot be read: the same, for JSON.
tls=$TOP/tests/data/tlsrpt/google-sts.json
mkdir -p "$T_TMP/nojson"
echo "not a library" >"$T_TMP/nojson/libjson-c.so.5"
out=$(LD_LIBRARY_PATH=$T_TMP/nojson "$MAILSIFT" parse "$tls")
is "$?" 65 "no json-c: a TLS report exits 65 (EX_DATAERR), no crash"
echo "$out" | grep -q '"kind":"error".*libjson-c\.so\.5'
ok $? "no json-c: the error names libjson-c.so.5"
LD_LIBRARY_PATH=$T_TMP/nojson "$MAILSIFT" parse - <"$gzmail" |
    grep -q '"kind":"dmarc_report"'
ok $? "no json-c: a DMARC report still parses"
LD_LIBRARY_PATH=$T_TMP/nojson "$MAILSIFT" ingest "$tls" 2>/dev/null
ok $? "no json-c: ingest exits 0 (quarantined)"
q "SELECT outcome || ' ' || reason FROM ingest_log_v ORDER BY id DESC LIMIT 1" |
    grep -q '^quarantined .*libjson-c\.so\.5'
ok $? "no json-c: quarantined, the reason names libjson-c.so.5"
"$MAILSIFT" requeue 2>/dev/null
ok $? "requeue with json-c exits 0"
is "$(q "SELECT count(*) FROM tls_report_v")" 1 \
    "requeue with json-c: the TLS report is stored"

# Without libpq nothing can be stored: a configuration error (78, which
# postfix defers) that names the library, the message left to the retry.
mkdir -p "$T_TMP/nopq"
echo "not a library" >"$T_TMP/nopq/libpq.so.5"
before=$(q "SELECT count(*) FROM ingest_log")
LD_LIBRARY_PATH=$T_TMP/nopq "$MAILSIFT" ingest - <"$gzmail" 2>"$T_TMP/err"
is "$?" 78 "no libpq: ingest exits 78 (EX_CONFIG)"
grep -q 'cannot load libpq\.so\.5' "$T_TMP/err"
ok $? "no libpq: the error names libpq.so.5"
is "$(q "SELECT count(*) FROM ingest_log")" "$before" "no libpq: nothing written"

# enrich without c-ares, libpsl or libmaxminddb: exit 69 (EX_UNAVAILABLE)
# naming the library, before anything is asked or written.
for lib in libcares.so.2 libpsl.so.5 libmaxminddb.so.0; do
	mkdir -p "$T_TMP/no-$lib"
	echo "not a library" >"$T_TMP/no-$lib/$lib"
	geo=
	[ "$lib" = libmaxminddb.so.0 ] && geo="--geoip /dev/null"
	LD_LIBRARY_PATH=$T_TMP/no-$lib "$MAILSIFT" enrich --resolver 127.0.0.1:9 \
	    $geo 2>"$T_TMP/err"
	is "$?" 69 "no $lib: enrich exits 69"
	grep -q "cannot load $lib" "$T_TMP/err"
	ok $? "no $lib: the error names it"
done
