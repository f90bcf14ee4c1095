# enrich.sh - mailsift enrich against a real DNS server: Debian's unbound
# on 127.0.0.1 and a private port, answering from zones written here
# (tests/unbound.sh), a black hole that never answers, MMDB files written
# by tests/mmdb_write.py, the services table and a site file.
. "$TOP/tests/t/lib.sh"

D=$T_TMP/dns
mkdir -p "$D"
trap '"$TOP/tests/unbound.sh" stop "$D"; t_cleanup' EXIT
hole=$("$TOP/tests/unbound.sh" blackhole "$D")
[ -n "$hole" ]
ok $? "a black hole on 127.0.0.1:$hole (reads, never answers)"

# The zones.  192.0.2.0/24, 2001:db8::/32 and AS 64500-64511 are the
# documentation ranges.
cat >"$D/zones.conf" <<EOF
	# confirms
	local-data: "1.2.0.192.in-addr.arpa. 3600 IN PTR mail.example.test."
	local-data: "mail.example.test. 3600 IN A 192.0.2.1"
	# a PTR name whose A is another address: not confirmed
	local-data: "2.2.0.192.in-addr.arpa. 3600 IN PTR mail-a.google.com."
	local-data: "mail-a.google.com. 3600 IN A 192.0.2.99"
	# the PSL: example.co.uk, not co.uk
	local-data: "3.2.0.192.in-addr.arpa. 3600 IN PTR mail.example.co.uk."
	local-data: "mail.example.co.uk. 3600 IN A 192.0.2.3"
	# 4: nothing at all (NXDOMAIN); 5: the name, no PTR (NODATA)
	local-data: "5.2.0.192.in-addr.arpa. 3600 IN TXT \"no ptr here\""
	# 6: SERVFAIL (a stub unbound may not ask); 7: REFUSED
	local-zone: "6.2.0.192.in-addr.arpa." transparent
	local-zone: "7.2.0.192.in-addr.arpa." refuse
	# 8: times out (a stub pointing at the black hole)
	local-zone: "8.2.0.192.in-addr.arpa." transparent
	# a known ESP by its confirmed PTR base domain
	local-data: "9.2.0.192.in-addr.arpa. 3600 IN PTR o1.ptr1234.sendgrid.net."
	local-data: "o1.ptr1234.sendgrid.net. 3600 IN A 192.0.2.9"
	# two names: the first does not confirm, the second does
	local-data: "11.2.0.192.in-addr.arpa. 3600 IN PTR x.spoof.test."
	local-data: "11.2.0.192.in-addr.arpa. 3600 IN PTR out.mail.example.org."
	local-data: "x.spoof.test. 3600 IN A 192.0.2.200"
	local-data: "out.mail.example.org. 3600 IN A 192.0.2.11"
	# IPv4 in a PTR name's AAAA only: not confirmed
	local-data: "12.2.0.192.in-addr.arpa. 3600 IN PTR relay.example.net."
	local-data: "relay.example.net. 3600 IN AAAA 2001:db8::12"
	# a PTR that is not a host name
	local-data: "13.2.0.192.in-addr.arpa. 3600 IN PTR bad\\\\032name.example.test."
	# IPv6: one confirms, one does not
	local-data: "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 3600 IN PTR v6mail.example.net."
	local-data: "v6mail.example.net. 3600 IN AAAA 2001:db8::25"
	local-data: "6.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 3600 IN PTR v6other.example.net."
	local-data: "v6other.example.net. 3600 IN AAAA 2001:db8::99"
	# the sending IP of a bounce (tests/data/bounce-join)
	local-data: "25.100.51.198.in-addr.arpa. 3600 IN PTR out1.example.com."
	local-data: "out1.example.com. 3600 IN A 198.51.100.25"
	# Team Cymru's zones
	local-data: '1.2.0.192.origin.asn.cymru.com. 3600 IN TXT "64500 | 192.0.2.0/24 | NL | ripencc | 2000-01-01"'
	local-data: '9.2.0.192.origin.asn.cymru.com. 3600 IN TXT "64500 | 192.0.2.0/24 | NL | ripencc | 2000-01-01"'
	local-data: '9.2.0.192.origin.asn.cymru.com. 3600 IN TXT "64501 | 192.0.2.0/28 | US | arin | 2001-01-01"'
	local-data: '3.2.0.192.origin.asn.cymru.com. 3600 IN TXT "99999999999 | 192.0.2.0/99 | XYZ | bogus"'
	local-data: '3.2.0.192.origin.asn.cymru.com. 3600 IN TXT "64503 | 192.0.2.1/4294967320 | NL"'
	local-data: 'AS64500.asn.cymru.com. 3600 IN TXT "64500 | NL | ripencc | 2000-01-01 | EXAMPLE-NET Example Networks B.V., NL"'
	local-data: 'AS64501.asn.cymru.com. 3600 IN TXT "64501 | US | arin | 2001-01-01 | SENDER-AS Example Sender Inc., US"'
	local-data: '5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.origin6.asn.cymru.com. 3600 IN TXT "64502 | 2001:db8::/32 | FR | ripencc | 2005-01-01"'
	local-data: 'AS64502.asn.cymru.com. 3600 IN TXT "64502 | FR | ripencc | 2005-01-01 | V6NET, FR"'
stub-zone:
	name: "6.2.0.192.in-addr.arpa."
	stub-addr: 127.0.0.254
stub-zone:
	name: "8.2.0.192.in-addr.arpa."
	stub-addr: 127.0.0.1@$hole
EOF
port=$("$TOP/tests/unbound.sh" start "$D")
[ -n "$port" ]
ok $? "unbound answers on 127.0.0.1:$port"
R=127.0.0.1:$port
# unbound answers in well under a millisecond; the timeout only matters
# for the black-holed zone (3 x TO per run), and must never expire for
# the others, also on a loaded machine or under the sanitizers.
TO=500
[ "${MAILSIFT_ASAN:-0}" = 1 ] && TO=2000

# A DMARC report naming each address, and a bounce, a TLS report and an
# ARF report naming one more each.
ips="192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5 192.0.2.6 192.0.2.7
192.0.2.8 192.0.2.9 192.0.2.11 192.0.2.12 192.0.2.13 2001:db8::25 2001:db8::26"
report() {	# file report_id ip...
	f=$1 id=$2; shift 2
	{
		echo '<?xml version="1.0"?><feedback><report_metadata>'
		echo "<org_name>test.example</org_name><email>r@test.example</email>"
		echo "<report_id>$id</report_id><date_range><begin>1760000000</begin>"
		echo '<end>1760086399</end></date_range></report_metadata>'
		echo '<policy_published><domain>example.com</domain><p>none</p>'
		echo '</policy_published>'
		for ip in "$@"; do
			echo "<record><row><source_ip>$ip</source_ip><count>5</count>"
			echo '<policy_evaluated><disposition>none</disposition>'
			echo '<dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>'
			echo '<identifiers><header_from>example.com</header_from>'
			echo '</identifiers><auth_results><spf><domain>example.com</domain>'
			echo '<result>pass</result></spf></auth_results></record>'
		done
		echo '</feedback>'
	} >"$f"
}
report "$T_TMP/r1.xml" r1 $ips
fresh_db mailsift_t_enrich || exit 1

# Ingest never touches DNS: the resolver points at the black hole.
before=$(cat "$D/blackhole.count")
MAILSIFT_RESOLVER=127.0.0.1:$hole "$MAILSIFT" ingest "$T_TMP/r1.xml" \
    2>"$T_TMP/err"
ok $? "ingest with the resolver pointing nowhere exits 0"
is "$(cat "$D/blackhole.count")" "$before" "ingest sent no DNS query"
"$MAILSIFT" ingest --enrich - <"$T_TMP/r1.xml" 2>"$T_TMP/err"
is $? 64 "ingest --enrich of stdin is refused (the pipe never waits)"
grep -q 'not for stdin' "$T_TMP/err"
ok $? "and says why"

is "$(q "SELECT count(DISTINCT source_ip) FROM source_seen_v")" 14 \
    "source_seen_v lists the 14 addresses"
is "$(q "SELECT count(*) FROM source_v")" 0 "nothing is known before enrich"

# The first run, with Team Cymru.
"$MAILSIFT" enrich --resolver "$R" --asn-dns --timeout $TO --tries 2 \
    2>"$T_TMP/err"
is $? 0 "enrich exits 0 (one timeout in 14 is not a slow resolver)"
grep -q 'enriched 14 addresses' "$T_TMP/err"
ok $? "it says what it did: $(tail -n 1 "$T_TMP/err")"
is "$(q "SELECT count(*) FROM source_v")" 14 "14 rows in source_v"

row() {	# ip columns
	q "SELECT $2 FROM source_v WHERE source_ip = '$1'"
}
is "$(row 192.0.2.1 "ptr, fcrdns, base_domain, dns_status")" \
    "mail.example.test|t|example.test|ok" "a name that confirms"
is "$(row 192.0.2.1 "asn, as_org, country, network, asn_source")" \
    "64500|EXAMPLE-NET Example Networks B.V., NL|NL|192.0.2.0/24|cymru" \
    "Team Cymru: ASN, AS name, country, prefix"
is "$(row 192.0.2.2 "ptr, fcrdns, base_domain, service")" \
    "mail-a.google.com|f||" \
    "a name that does not confirm: no base domain, no service (a spoof)"
is "$(row 192.0.2.3 "base_domain")" "example.co.uk" \
    "the PSL: mail.example.co.uk -> example.co.uk"
is "$(row 192.0.2.3 "asn IS NULL, network IS NULL, country IS NULL")" \
    "t|t|t" "hostile Team Cymru answers (ASN too big, /99, /2^32+24) are not kept"
is "$(row 192.0.2.4 "dns_status, ptr, fcrdns")" "nxdomain||f" "NXDOMAIN"
is "$(row 192.0.2.5 "dns_status, ptr, fcrdns")" "nodata||f" \
    "NODATA (the name exists without a PTR)"
is "$(row 192.0.2.6 "dns_status, fcrdns IS NULL")" "servfail|t" "SERVFAIL"
is "$(row 192.0.2.7 "dns_status, fcrdns IS NULL")" "refused|t" "REFUSED"
is "$(row 192.0.2.8 "dns_status, ptr IS NULL, fcrdns IS NULL")" \
    "timeout|t|t" "a timeout is stored as a timeout, fcrdns unknown"
is "$(row 192.0.2.9 "ptr, fcrdns, base_domain, service, service_kind")" \
    "o1.ptr1234.sendgrid.net|t|sendgrid.net|SendGrid|esp" \
    "a confirmed sendgrid.net name: SendGrid, esp"
is "$(row 192.0.2.9 "asn, country, network")" "64501|US|192.0.2.0/28" \
    "Team Cymru: of two announcements the most specific"
is "$(row 192.0.2.11 "cardinality(ptr_names),
    ptr_names @> '{x.spoof.test,out.mail.example.org}', confirmed_name,
    base_domain")" "2|t|out.mail.example.org|example.org" \
    "two names, one confirms: that one is the name (DNS gives no order)"
is "$(row 192.0.2.12 "ptr, fcrdns")" "relay.example.net|f" \
    "an IPv4 address is confirmed by A records, not AAAA"
is "$(row 192.0.2.13 "dns_status, ptr")" "nodata|" \
    "a PTR that is not a host name is not kept"
is "$(row 2001:db8::25 "ptr, fcrdns, base_domain, asn, country")" \
    "v6mail.example.net|t|example.net|64502|FR" "IPv6: PTR, AAAA, origin6"
is "$(row 2001:db8::26 "ptr, fcrdns")" "v6other.example.net|f" \
    "IPv6: a name that does not confirm"

# How long each answer stands.
life() { row "$1" "extract(epoch FROM expires_at - asked_at)::int"; }
is "$(life 192.0.2.1)" 604800 "ok expires in 7 days"
is "$(life 192.0.2.4)" 86400 "nxdomain expires sooner: 1 day"
is "$(life 192.0.2.5)" 86400 "nodata: 1 day"
is "$(life 192.0.2.6)" 3600 "servfail: 1 hour"
is "$(life 192.0.2.8)" 0 "timeout: due at the next run"

# The next run asks only the timeout again (still a timeout), then
# what expired.
"$MAILSIFT" enrich --resolver "$R" --timeout $TO --tries 2 2>"$T_TMP/err"
is $? 0 "a zone that keeps timing out is not the resolver's fault: exit 0"
grep -q 'enriched 1 addresses' "$T_TMP/err"
ok $? "the next run asks only the timeout again: $(tail -n 1 "$T_TMP/err")"
is "$(row 192.0.2.8 "dns_status, failures")" "timeout|2" \
    "still a timeout, two failures"
q "UPDATE source_info SET expires_at = now() - interval '1 second'
    WHERE source_ip = '192.0.2.4'" >/dev/null
"$MAILSIFT" enrich --resolver "$R" --timeout $TO --tries 2 2>"$T_TMP/err"
grep -q 'enriched 2 addresses' "$T_TMP/err"
ok $? "an expired negative answer is asked again"
is "$(row 192.0.2.1 "asn")" 64500 \
    "a run without --asn-dns keeps the ASN it knew"

# The resolver is down: exit 75, what was known is kept.
"$MAILSIFT" enrich --resolver "127.0.0.1:$hole" --all --timeout 100 \
    --tries 1 2>"$T_TMP/err"
is $? 75 "the resolver down: enrich exits 75"
grep -q 'resolver does not answer' "$T_TMP/err"
ok $? "and says so: $(grep resolver "$T_TMP/err" | head -n 1)"
is "$(row 192.0.2.1 "dns_status, ptr, fcrdns, last_status, failures")" \
    "ok|mail.example.test|t|timeout|1" \
    "a timeout after an answer keeps the answer (last_status timeout)"
is "$(row 192.0.2.1 "expires_at <= now()")" t "and asks again next run"
is "$(row 192.0.2.4 "dns_status")" nxdomain "a kept NXDOMAIN stays NXDOMAIN"
is "$(q "SELECT count(*) FROM source_v WHERE dns_status = 'timeout'")" 1 \
    "no answer was replaced by a timeout"
"$MAILSIFT" enrich --resolver "$R" --timeout $TO 2>"$T_TMP/err"
is "$(row 192.0.2.1 "last_status, failures")" "ok|0" \
    "the resolver back: answered again"

# MMDB files: an ASN database (GeoLite2 / DB-IP names) and IPinfo lite's.
python3 "$TOP/tests/mmdb_write.py" "$T_TMP/asn.mmdb" GeoLite2-ASN '{
  "192.0.2.0/25": {"autonomous_system_number": 64510,
    "autonomous_system_organization": "MMDB Org"}}' &&
python3 "$TOP/tests/mmdb_write.py" "$T_TMP/country.mmdb" GeoLite2-Country '{
  "192.0.2.0/24": {"country": {"iso_code": "DE"}}}' &&
python3 "$TOP/tests/mmdb_write.py" "$T_TMP/ipinfo.mmdb" ipinfo_lite '{
  "2001:db8::/32": {"asn": "AS64511", "as_name": "IPinfo Org",
    "country_code": "se"}}'
ok $? "three MMDB files written"
"$MAILSIFT" enrich --resolver "$R" --all --geoip "$T_TMP/asn.mmdb" \
    --geoip "$T_TMP/country.mmdb" --geoip "$T_TMP/ipinfo.mmdb" \
    --timeout $TO 2>"$T_TMP/err"
ok $? "enrich --geoip (three files)"
is "$(row 192.0.2.1 "asn, as_org, country, network, asn_source")" \
    "64510|MMDB Org|DE|192.0.2.0/25|mmdb" \
    "GeoLite2 layout: ASN file and country file"
is "$(row 2001:db8::25 "asn, as_org, country")" "64511|IPinfo Org|SE" \
    "IPinfo lite layout"
"$MAILSIFT" enrich --resolver "$R" --geoip "$T_TMP/nonexistent.mmdb" \
    2>"$T_TMP/err"
is $? 78 "a missing MMDB file: exit 78"

# The site file: our own servers, and a row that overrides the table.
printf 'net\t192.0.2.1/32\tOur MX\n' >"$T_TMP/local.tsv"
printf 'ptr\tsendgrid.net\tSendGrid (our account)\tesp\tsite\n' \
    >>"$T_TMP/local.tsv"
"$MAILSIFT" enrich --resolver "$R" --services-local "$T_TMP/local.tsv" \
    2>"$T_TMP/err"
ok $? "enrich with a site file"
grep -q 'mapped anew' "$T_TMP/err"
ok $? "a changed services table maps the stored rows again"
is "$(row 192.0.2.1 "service, service_kind, service_basis")" \
    "Our MX|ours|local net 192.0.2.1/32" "a site row: kind ours"
is "$(row 192.0.2.9 "service, service_basis")" \
    "SendGrid (our account)|local ptr sendgrid.net" "a site row overrides"
printf 'bogus\tline\n' >"$T_TMP/bad.tsv"
"$MAILSIFT" enrich --resolver "$R" --services-local "$T_TMP/bad.tsv" \
    2>"$T_TMP/err"
is $? 78 "a bad services file: exit 78"
grep -q 'bad.tsv, line 1' "$T_TMP/err"
ok $? "naming the file and line"
"$MAILSIFT" enrich --resolver "not an address" 2>"$T_TMP/err"
is $? 78 "a bad --resolver: exit 78"

# ingest --enrich: only what that run stored.
report "$T_TMP/r2.xml" r2 192.0.2.1 192.0.2.3 198.51.100.7
"$MAILSIFT" ingest --enrich --resolver "$R" --timeout $TO "$T_TMP/r2.xml" \
    2>"$T_TMP/err"
ok $? "ingest --enrich FILE exits 0"
grep -q 'enriched 1 addresses' "$T_TMP/err"
ok $? "it enriched the one new address of that run"
is "$(row 198.51.100.7 "dns_status")" nxdomain "the new address has its row"
report "$T_TMP/r3.xml" r3 198.51.100.8
"$MAILSIFT" ingest --enrich --resolver "127.0.0.1:$hole" --timeout 100 \
    --tries 1 "$T_TMP/r3.xml" 2>"$T_TMP/err"
is $? 0 "ingest --enrich with the resolver down still exits 0"
grep -q 'enrichment is not' "$T_TMP/err"
ok $? "and says enrichment is not done"
is "$(q "SELECT count(*) FROM dmarc_record_v WHERE source_ip = '198.51.100.8'")" \
    1 "the report is stored"

# sources, trend --by ip and bounces --by ip show the names.
"$MAILSIFT" sources --since 3650d --format csv >"$T_TMP/src.csv"
is "$(head -n 1 "$T_TMP/src.csv" | tr -d '\r')" \
    "source_ip,messages,dmarc_pass,dmarc_fail,pass_pct,reports,reporters,first_day,last_day,ptr,fcrdns,base_domain,asn,as_org,country,service,service_kind" \
    "sources: the enrichment columns after the others"
grep -q '^192.0.2.9,.*o1.ptr1234.sendgrid.net,t,sendgrid.net,' "$T_TMP/src.csv"
ok $? "sources: SendGrid's row has its name"
"$MAILSIFT" trend --by ip --since 3650d --format csv >"$T_TMP/trend.csv"
is "$(head -n 1 "$T_TMP/trend.csv" | cut -d, -f1-3 | tr -d '\r')" \
    "day,source_ip,ptr" "trend --by ip: ptr right after source_ip"
grep -q ',192.0.2.1,mail.example.test,' "$T_TMP/trend.csv"
ok $? "trend --by ip: the name next to the IP"

# A bounce's sending IP is a source too.
"$MAILSIFT" ingest --enrich --resolver "$R" \
    "$TOP/tests/data/bounce-join/postfix-gmail-5.7.26.eml" 2>"$T_TMP/err"
rc=$?
ok $rc "ingest --enrich of a bounce"
[ $rc = 0 ] || sed 's/^/#   /' "$T_TMP/err" | tail -n 5
is "$(q "SELECT seen_in FROM source_seen_v WHERE source_ip = '198.51.100.25'
    LIMIT 1")" bounce "source_seen_v: the bounce's sending IP"
"$MAILSIFT" bounces --since 3650d --by ip --format csv >"$T_TMP/bip.csv"
is "$(head -n 1 "$T_TMP/bip.csv" | cut -d, -f1-3 | tr -d '\r')" \
    "sending_ip,ptr,bounces" "bounces --by ip: ptr right after sending_ip"
grep -q '^198.51.100.25,out1.example.com,' "$T_TMP/bip.csv"
ok $? "bounces --by ip: the sending IP's name"

# TLS failure details and ARF reports name sources too.
"$MAILSIFT" ingest --enrich --resolver "$R" \
    "$TOP/tests/data/tlsrpt/google-failures.json" \
    "$TOP/tests/data/arf/authfail-dkim.eml" 2>"$T_TMP/err"
ok $? "ingest --enrich of a TLS report and an ARF report"
is "$(q "SELECT string_agg(DISTINCT seen_in, ',') FROM source_seen_v
    WHERE source_ip IN ('209.85.167.51', '2607:f8b0:4864:20::b2a',
    '192.0.2.1')")" "arf,bounce,dmarc,tls" \
    "source_seen_v: DMARC records, bounces, sending-mta-ip, Source-IP"
is "$(row 2607:f8b0:4864:20::b2a "dns_status, service, service_basis")" \
    "nxdomain|Google|net 2607:f8b0:4000::/36" \
    "a TLS report's sending MTA: no name here, Google by its SPF network"
