# check.sh - mailsift check against a real DNS server (tests/unbound.sh):
# each check has a domain whose records trigger it and good.test, whose
# records and reports must trigger nothing.  The report evidence is
# ingested, and enriched through the same server.  MTA-STS policies come
# from a real HTTPS server (tests/https.sh) with a test CA, on a free
# port of 127.0.0.1 (MAILSIFT_MTA_STS_PORT) that the zones give as the
# address of each mta-sts.DOMAIN.
. "$TOP/tests/t/lib.sh"

D=$T_TMP/dns
H=$T_TMP/https
mkdir -p "$D" "$H/site"
trap '"$TOP/tests/unbound.sh" stop "$D"; "$TOP/tests/https.sh" stop "$H"; t_cleanup' EXIT
hole=$("$TOP/tests/unbound.sh" blackhole "$D")
K=$TOP/tests/data/check

# A TXT record's data for unbound: quoted strings of at most 200 bytes.
txt() {
	printf '%s' "$1" | fold -w 200 | sed 's/.*/"&"/' | tr '\n' ' '
}
key() {	# file: "v=DKIM1; k=rsa; p=..."
	txt "v=DKIM1; k=rsa; p=$(cat "$K/$1")"
}
spf() { echo "	local-data: '$1. 3600 IN TXT \"$2\"'"; }
a() { echo "	local-data: '$1. 3600 IN A $2'"; }

{
	# good.test: everything right, nothing to say
	spf good.test "v=spf1 ip4:192.0.2.10 include:_spf.esp.test -all"
	spf _spf.esp.test "v=spf1 ip4:198.51.100.0/24 -all"
	spf _dmarc.good.test "v=DMARC1; p=reject; rua=mailto:d@good.test,mailto:x@reports.test"
	spf good.test._report._dmarc.reports.test "v=DMARC1"
	echo "	local-data: 'good.test. 3600 IN MX 10 mx.good.test.'"
	a mx.good.test 192.0.2.53
	spf _smtp._tls.good.test "v=TLSRPTv1; rua=mailto:tls@good.test"
	spf _mta-sts.good.test "v=STSv1; id=20260101"
	a mta-sts.good.test 127.0.0.1
	spf default._bimi.good.test "v=BIMI1; l=https://good.test/logo.svg; a="
	echo "	local-data: 's1._domainkey.good.test. 3600 IN TXT $(key rsa2048.b64)'"
	echo "	local-data: 's2._domainkey.good.test. 3600 IN TXT $(txt "v=DKIM1; p=$(cat "$K/pkcs1_2048.b64")")'"
	echo "	local-data: '10.2.0.192.in-addr.arpa. 3600 IN PTR mail.good.test.'"
	a mail.good.test 192.0.2.10
	echo "	local-data: '5.100.51.198.in-addr.arpa. 3600 IN PTR out.esp.test.'"
	a out.esp.test 198.51.100.5

	# bad.test: SPF missing an address, an include nobody uses, p=none,
	# pct, an unauthorized rua, the DKIM keys of every kind, no MX, bad
	# TLS-RPT and MTA-STS records, a source without a PTR, one whose PTR
	# does not confirm
	spf bad.test "v=spf1 ip4:192.0.2.30 include:_spf.unused.test ~all"
	spf _spf.unused.test "v=spf1 ip4:203.0.113.0/24 -all"
	spf _dmarc.bad.test "v=DMARC1; p=none; pct=50; rua=mailto:d@reports.test"
	echo "	local-data: 'revoked._domainkey.bad.test. 3600 IN TXT \"v=DKIM1; k=rsa; p=\"'"
	echo "	local-data: 'weak._domainkey.bad.test. 3600 IN TXT $(key rsa512.b64)'"
	echo "	local-data: 'mid._domainkey.bad.test. 3600 IN TXT $(key rsa1024.b64)'"
	echo "	local-data: 'testing._domainkey.bad.test. 3600 IN TXT $(txt "v=DKIM1; t=y; p=$(cat "$K/rsa2048.b64")")'"
	echo "	local-data: 'broken._domainkey.bad.test. 3600 IN TXT \"v=DKIM1; p=bm90IGEga2V5\"'"
	spf _smtp._tls.bad.test "v=TLSRPTv1; ruf=x"
	spf _mta-sts.bad.test "v=STSv1; id=not-valid!"
	spf default._bimi.bad.test "v=BIMI1; l=http://bad.test/logo.svg"
	echo "	local-data: '31.2.0.192.in-addr.arpa. 3600 IN PTR liar.test.'"
	a liar.test 192.0.2.99

	# one SPF fault each
	spf multi.test "v=spf1 -all"
	spf multi.test "v=spf1 ip4:192.0.2.1 -all"
	spf syntax.test "v=spf1 ip4:300.1.1.1 foo:bar -all"
	spf lookups.test "v=spf1 include:big.lookups.test -all"
	spf big.lookups.test "v=spf1 a:h1.lookups.test a:h2.lookups.test a:h3.lookups.test a:h4.lookups.test a:h5.lookups.test a:h6.lookups.test a:h7.lookups.test a:h8.lookups.test a:h9.lookups.test a:h10.lookups.test -all"
	for i in 1 2 3 4 5 6 7 8 9 10; do a h$i.lookups.test 192.0.2.$i; done
	spf ten.test "v=spf1 a:h1.lookups.test a:h2.lookups.test a:h3.lookups.test a:h4.lookups.test a:h5.lookups.test a:h6.lookups.test a:h7.lookups.test a:h8.lookups.test a:h9.lookups.test a:h10.lookups.test -all"
	spf void.test "v=spf1 a:n1.void.test a:n2.void.test mx:n3.void.test -all"
	spf twovoid.test "v=spf1 a:n1.void.test a:n2.void.test -all"
	spf allpass.test "v=spf1 +all"
	spf esc.test 'v=spf1 x\\027[2J\\007 -all'
	spf qall.test "v=spf1 ip4:192.0.2.1 ?all"
	spf ptr.test "v=spf1 ptr -all"
	spf incmiss.test "v=spf1 include:nothing.incmiss.test -all"
	spf loop.test "v=spf1 include:loop2.test -all"
	spf loop2.test "v=spf1 include:loop.test -all"
	# bounds: an include chain 20 deep, a record of 45 a terms
	spf deep.test "v=spf1 include:d1.deep.test -all"
	for i in $(seq 1 19); do spf d$i.deep.test "v=spf1 include:d$((i + 1)).deep.test -all"; done
	spf d20.deep.test "v=spf1 -all"
	echo "	local-data: 'fan.test. 3600 IN TXT $(txt "v=spf1 $(for i in $(seq 1 45); do printf 'a:h1.lookups.test '; done)-all")'"
	# DMARC faults
	spf _dmarc.norua.test "v=DMARC1; p=reject"
	spf _dmarc.dsyntax.test "v=DMARC1; p=maybe"
	# the RFC 9989 tree walk
	spf _dmarc.inherit.test "v=DMARC1; p=reject; sp=none; rua=mailto:d@inherit.test"
	spf _dmarc.walk.test "v=DMARC1; p=reject; rua=mailto:d@walk.test"
	# a blocklist listing 192.0.2.30 of bad.test, one refusing us
	a 30.2.0.192.bl.test 127.0.0.2
	spf 30.2.0.192.bl.test "listed for spam, see https://bl.test/"
	a 10.2.0.192.refusing.test 127.255.255.254
	a 30.2.0.192.refusing.test 127.255.255.254
	# MTA-STS: a valid record each, mta-sts.D at the test server, and one
	# MX, mx.D (stsmx.test: two)
	for d in stsnoaddr sts404 stsredir stscert stsslow stsbig ststype \
	    stssyntax ststesting stsnone stsshort stsmx; do
		spf _mta-sts.$d.test "v=STSv1; id=1"
		echo "	local-data: '$d.test. 3600 IN MX 10 mx.$d.test.'"
		[ $d = stsnoaddr ] || a mta-sts.$d.test 127.0.0.1
	done
	echo "	local-data: 'stsmx.test. 3600 IN MX 20 a.b.stsmx.test.'"
	# bulk.test: fails every bulk-sender rule
	spf bulk.test "v=spf1 ip4:192.0.2.40 include:gone.bulk.test -all"
	# DNS that fails
	echo '	local-zone: "down.test." refuse'
	echo '	local-zone: "slow.test." transparent'
	echo 'stub-zone:'
	echo '	name: "slow.test."'
	echo "	stub-addr: 127.0.0.1@$hole"
} >"$D/zones.conf"
# unbound keeps the local-data of a name under its zone: declare them
sed -i '1i\	local-zone: "test." static' "$D/zones.conf"
port=$("$TOP/tests/unbound.sh" start "$D")
[ -n "$port" ]
ok $? "unbound answers on 127.0.0.1:$port"

# The policies.  stscert.test is not in the certificate; stsnoaddr.test
# has no address, sts404.test no site.
policy() {	# domain mode max_age mx...
	dom=$1 mode=$2 age=$3; shift 3
	mkdir -p "$H/site/mta-sts.$dom"
	{
		printf 'version: STSv1\r\nmode: %s\r\n' "$mode"
		for m in "$@"; do printf 'mx: %s\r\n' "$m"; done
		printf 'max_age: %s\r\n' "$age"
	} >"$H/site/mta-sts.$dom/body"
}
for d in good stsnoaddr sts404 stsredir stsslow stsbig ststype stssyntax \
    ststesting stsnone stsshort stsmx; do
	echo "mta-sts.$d.test"
done >"$H/names"
policy good.test enforce 1209600 '*.good.test'
policy stsredir.test enforce 1209600 mx.stsredir.test
echo 301 >"$H/site/mta-sts.stsredir.test/status"
echo https://elsewhere.test/policy >"$H/site/mta-sts.stsredir.test/location"
policy stscert.test enforce 1209600 mx.stscert.test
policy stsslow.test enforce 1209600 mx.stsslow.test
echo 30 >"$H/site/mta-sts.stsslow.test/sleep"
policy stsbig.test enforce 1209600 mx.stsbig.test
head -c 70000 /dev/zero | tr '\0' '#' >>"$H/site/mta-sts.stsbig.test/body"
policy ststype.test enforce 1209600 mx.ststype.test
echo 'text/html; charset=utf-8' >"$H/site/mta-sts.ststype.test/type"
mkdir -p "$H/site/mta-sts.stssyntax.test"
printf 'version: STSv1\nmode: enforce\nmx: mx.stssyntax.test\nmax_age: soon\n' \
    >"$H/site/mta-sts.stssyntax.test/body"
policy ststesting.test testing 1209600 mx.ststesting.test
policy stsnone.test none 1209600
policy stsshort.test enforce 3600 mx.stsshort.test
policy stsmx.test enforce 1209600 '*.stsmx.test'
hport=$("$TOP/tests/https.sh" start "$H")
[ -n "$hport" ]
ok $? "the HTTPS server answers on 127.0.0.1:$hport"
MAILSIFT_MTA_STS_PORT=$hport; export MAILSIFT_MTA_STS_PORT
CA=$H/ca.pem
R=127.0.0.1:$port
TO=500
[ "${MAILSIFT_ASAN:-0}" = 1 ] && TO=2000

# The reports: per domain, records "ip count dkim_result selector".
report() {	# file domain id records...
	f=$1 dom=$2 id=$3; shift 3
	{
		echo '<?xml version="1.0"?><feedback><report_metadata>'
		echo "<org_name>rcv.example</org_name><email>r@rcv.example</email>"
		echo "<report_id>$id</report_id><date_range><begin>$(($(date +%s) - 86400))</begin>"
		echo "<end>$(date +%s)</end></date_range></report_metadata>"
		echo "<policy_published><domain>$dom</domain><p>none</p>"
		echo '</policy_published>'
		for r in "$@"; do
			set -- $(echo "$r" | tr , ' ')
			echo "<record><row><source_ip>$1</source_ip><count>$2</count>"
			echo "<policy_evaluated><disposition>none</disposition>"
			echo "<dkim>$3</dkim><spf>fail</spf></policy_evaluated></row>"
			echo "<identifiers><header_from>$dom</header_from></identifiers>"
			echo "<auth_results><dkim><domain>$dom</domain><selector>$4</selector>"
			echo "<result>$3</result></dkim><spf><domain>$dom</domain>"
			echo '<result>fail</result></spf></auth_results></record>'
		done
		echo '</feedback>'
	} >"$f"
}
report "$T_TMP/good.xml" good.test g1 192.0.2.10,20,pass,s1 \
    198.51.100.5,3,pass,s2
report "$T_TMP/bad.xml" bad.test b1 192.0.2.30,4,pass,gone \
    192.0.2.31,7,pass,revoked 192.0.2.30,1,pass,weak \
    192.0.2.30,1,pass,mid 192.0.2.30,1,pass,testing \
    192.0.2.30,1,pass,broken 192.0.2.32,2,fail,none
fresh_db mailsift_t_check || exit 1
"$MAILSIFT" ingest "$T_TMP/good.xml" "$T_TMP/bad.xml" 2>"$T_TMP/err"
ok $? "the reports are stored"
"$MAILSIFT" enrich --resolver "$R" --timeout $TO 2>"$T_TMP/err"
ok $? "their sources are enriched"

chk() {	# domain...: json findings into $T_TMP/out, exit status in $rc
	"$MAILSIFT" check --resolver "$R" --timeout $TO --ca-file "$CA" \
	    --format json "$@" >"$T_TMP/out" 2>"$T_TMP/err"
	rc=$?
}
codes() {	# the codes found, sorted, one line
	sed 's/.*"code":"\([^"]*\)".*/\1/' "$T_TMP/out" | sort -u | tr '\n' ' '
}
has() {	# code [text] "description"
	grep "\"code\":\"$1\"" "$T_TMP/out" | grep -q -- "$2"
	ok $? "$3"
}
hasnt() {	# code "description"
	! grep -q "\"code\":\"$1\"" "$T_TMP/out"
	ok $? "$2"
}

chk good.test
is "$rc" 0 "good.test: exit 0"
is "$(cat "$T_TMP/out")" "" "good.test: no finding at all (SPF with include, DMARC with an authorized external rua, DKIM keys of 2048 bits in SPKI and PKCS#1, MX, TLS-RPT, MTA-STS, confirmed PTRs)"

chk bad.test
is "$rc" 1 "bad.test: exit 1 (error findings)"
python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert all(o[k] for k in ("domain", "code", "severity", "evidence", "action")), o
    assert o["severity"] in ("error", "warning", "info")
    n += 1
assert n > 5
' "$T_TMP/out"
ok $? "json: one object per line with domain, code, severity, evidence, action"
has spf.unauthorized_source '192.0.2.31 sent 7 messages (7 with aligned DKIM)' \
    "spf.unauthorized_source names the DKIM-aligned address outside SPF and its volume"
hasnt '"spf.unauthorized_source.*192.0.2.30' "not the address SPF authorizes"
! grep spf.unauthorized_source "$T_TMP/out" | grep -q 192.0.2.32
ok $? "nor one without aligned DKIM"
has spf.unused_include '_spf.unused.test' "spf.unused_include names the include nothing came from"
has dmarc.p_none '2 of 17 messages' "dmarc.p_none with the volume failing DMARC"
has dmarc.pct_deprecated 'pct=50' "dmarc.pct_deprecated"
has dmarc.rua_unauthorized 'bad.test._report._dmarc.reports.test' \
    "dmarc.rua_unauthorized names the missing authorization record"
has dkim.key_missing 'gone._domainkey.bad.test' "dkim.key_missing for a selector without key"
has dkim.key_revoked 'revoked._domainkey.bad.test.*7 messages' "dkim.key_revoked: empty p= while signing"
has dkim.key_weak '"severity":"error".*512-bit' "dkim.key_weak: 512 bits is an error"
has dkim.key_weak '"severity":"warning".*1024-bit' "dkim.key_weak: 1024 bits a warning"
has dkim.testing 'testing._domainkey' "dkim.testing: t=y"
has dkim.syntax 'broken._domainkey' "dkim.syntax: p= not a key"
has mx.missing 'bad.test' "mx.missing"
has tlsrpt.syntax '_smtp._tls.bad.test' "tlsrpt.syntax: no rua"
has mta_sts.syntax '_mta-sts.bad.test' "mta_sts.syntax: a bad id"
has bimi.syntax 'default._bimi.bad.test.*http://' "bimi.syntax: l= not https"
has ptr.missing '192.0.2.30' "ptr.missing from the enrichment"
has ptr.not_confirmed '192.0.2.31.*liar.test' "ptr.not_confirmed from the enrichment"
hasnt spf.missing "bad.test has SPF"
hasnt dmarc.no_rua "bad.test has rua"

chk nospf.test
is "$rc" 1 "nospf.test: exit 1"
is "$(codes)" "dmarc.missing mta_sts.missing mx.missing spf.missing tlsrpt.missing " \
    "no records: spf.missing, dmarc.missing, mx.missing, tlsrpt.missing, mta_sts.missing (no BIMI record: nothing said)"

chk multi.test;    has spf.multiple '2 SPF records' "spf.multiple"
chk syntax.test;   has spf.syntax "ip4:300.1.1.1.*foo:bar" "spf.syntax names the bad terms"
chk lookups.test;  has spf.too_many_lookups '11 DNS lookups.*include:big.lookups.test 11' \
    "spf.too_many_lookups: 11, shown per include"
chk esc.test;     has spf.syntax "'x?\\[2J?'" "control bytes of a TXT record never reach the output"
! grep -q "$(printf '\033')" "$T_TMP/out"
ok $? "no escape byte in it"
chk ten.test;      hasnt spf.too_many_lookups "10 lookups are within the limit"
hasnt spf.syntax "ten.test: no syntax error"
chk void.test;     has spf.void_lookups '3 lookups' "spf.void_lookups: 3"
chk twovoid.test;  hasnt spf.void_lookups "2 void lookups are within the limit"
chk allpass.test;  has spf.all_pass '"severity":"error".*+all' "spf.all_pass: +all is an error"
chk qall.test;     has spf.all_pass '"severity":"warning".*?all' "spf.all_pass: ?all a warning"
chk ptr.test;      has spf.ptr "'ptr'" "spf.ptr"
hasnt spf.all_pass "ptr.test: -all is fine"
chk incmiss.test;  has spf.include_missing 'nothing.incmiss.test' "spf.include_missing"
chk loop.test;     has spf.include_loop 'loop.test' "an include loop is found, and ends"
chk norua.test;    has dmarc.no_rua 'no rua' "dmarc.no_rua"
hasnt dmarc.p_none "p=reject is not p=none"
chk dsyntax.test;  has dmarc.syntax 'p=maybe' "dmarc.syntax: an unknown policy"

chk --dnsbl bl.test --dnsbl refusing.test bad.test
has dnsbl.listed '192.0.2.30 (8 messages) is listed by bl.test: 127.0.0.2, listed for spam' \
    "dnsbl.listed: the address, its volume, the return code and the TXT"
n=$(grep -c '"code":"dnsbl.refused"' "$T_TMP/out")
is "$n" 1 "dnsbl.refused: a list refusing the resolver is said once"
! grep dnsbl.listed "$T_TMP/out" | grep -q -v 192.0.2.30
ok $? "only the listed address is named"
chk --dnsbl bl.test good.test
is "$rc:$(cat "$T_TMP/out")" "0:" "good.test's addresses are not listed"
chk --dnsbl 'bad zone' good.test
is "$rc" 64 "a bad --dnsbl: 64"

chk deep.test;     has spf.too_many_lookups 'at least 13 DNS lookups' \
    "an include chain 20 deep: the walk stops 12 levels down, and says so"
chk fan.test;      has spf.too_many_lookups 'at least 40 DNS lookups' \
    "45 a terms: the walk stops at 40 lookups, and says so"
chk sub.inherit.test
has dmarc.inherited 'no record at _dmarc.sub.inherit.test: inherit.test.s applies.*sp=none' \
    "dmarc.inherited: the record the tree walk found above, and its sp"
has dmarc.p_none 'p=none' "a subdomain is judged by sp"
hasnt dmarc.missing "an inherited record is not missing"
hasnt dmarc.rua_unauthorized "rua under the record's own domain needs no authorization"
chk x1.x2.x3.x4.x5.x6.walk.test
has dmarc.inherited 'walk.test.s applies.*p=reject' \
    "8 labels: the walk jumps to 7, then climbs to walk.test"
hasnt dmarc.p_none "p=reject found by the walk"
chk inherit.test;  hasnt dmarc.inherited "a record of its own is not inherited"

chk down.test
is "$rc" 75 "REFUSED: exit 75 (DNS unavailable)"
has dns.unavailable 'down.test' "and a dns.unavailable finding"
chk slow.test
is "$rc" 75 "a zone that times out: exit 75"
"$MAILSIFT" check --resolver 127.0.0.1:$hole --timeout 200 --no-reports \
    good.test >/dev/null 2>&1
is $? 75 "a resolver that never answers: exit 75"
MAILSIFT_RESOLVER=$R "$MAILSIFT" check --ca-file "$CA" --no-reports good.test >"$T_TMP/out"
is "$?:$(cat "$T_TMP/out")" "0:good.test: 0 findings (DNS only, no reports)" \
    "MAILSIFT_RESOLVER, --no-reports, the table"
"$MAILSIFT" check --resolver "$R" allpass.test >"$T_TMP/out"
grep -q '^error   spf.all_pass' "$T_TMP/out"
ok $? "the table: severity, code, evidence, then the action"

"$MAILSIFT" check --all --resolver "$R" --timeout $TO --ca-file "$CA" \
    --format json >"$T_TMP/out" 2>"$T_TMP/err"
is "$?:$(sed 's/^{"domain":"\([^"]*\)".*/\1/' "$T_TMP/out" | sort -u | tr '\n' ' ')" \
    "1:bad.test " "--all: every policy domain of the reports (good.test has no finding)"
"$MAILSIFT" check --all good.test >/dev/null 2>&1; is $? 64 "--all with a domain: 64"
"$MAILSIFT" check >/dev/null 2>&1;                 is $? 64 "no domain: 64"
"$MAILSIFT" check 'bad domain' >/dev/null 2>&1;    is $? 64 "a bad domain: 64"
"$MAILSIFT" check --format xml a.test >/dev/null 2>&1; is $? 64 "a bad format: 64"
"$MAILSIFT" check --since never a.test >/dev/null 2>&1; is $? 64 "a bad --since: 64"

# ---- MTA-STS: the policy over HTTPS ----
chk good.test
! grep -q '"code":"mta_sts\.' "$T_TMP/out"
ok $? "good.test: the policy (mx: *.good.test covers mx.good.test) is fetched, read and says nothing"
"$MAILSIFT" check --resolver "$R" --timeout $TO --format json --no-reports \
    good.test >"$T_TMP/out" 2>&1
has mta_sts.policy_unreachable 'certificate' \
    "without --ca-file the system store is used: the test CA is not trusted"
chk stsnoaddr.test
has mta_sts.policy_unreachable 'mta-sts.stsnoaddr.test has no A or AAAA record' \
    "policy_unreachable: mta-sts.D has no address"
chk sts404.test;   has mta_sts.policy_unreachable 'HTTP 404' "policy_unreachable: HTTP 404"
chk stsredir.test
has mta_sts.policy_unreachable 'HTTP 301, a redirect to https://elsewhere.test/policy' \
    "policy_unreachable: a redirect is named, not followed"
hasnt mta_sts.policy_syntax "the redirect's target is not read"
chk stscert.test
has mta_sts.policy_unreachable 'stscert.test.*\(certificate\|SSL\|subject\)' \
    "policy_unreachable: a certificate for another name"
t0=$(date +%s)
chk stsslow.test
has mta_sts.policy_unreachable 'imeout\|timed out' "policy_unreachable: a server that does not answer in time"
[ $(($(date +%s) - t0)) -lt 25 ]
ok $? "the fetch gives up (5 x --timeout), it does not wait for the server"
chk stsbig.test;   has mta_sts.policy_unreachable 'larger than 65536' \
    "a body over 64 KiB is not read"
chk ststype.test;  has mta_sts.policy_content_type 'text/html' \
    "policy_content_type: text/html"
chk stssyntax.test
has mta_sts.policy_syntax '"severity":"error".*max_age' "policy_syntax names the bad field"
hasnt mta_sts.mx_not_covered "an unreadable policy is not judged further"
chk ststesting.test
has mta_sts.mode_testing 'mode: testing' "mode_testing"
is "$(codes)" "dmarc.missing mta_sts.mode_testing spf.missing tlsrpt.missing " \
    "nothing else on ststesting.test's policy (it has no SPF, DMARC, TLS-RPT)"
chk stsnone.test;  has mta_sts.mode_none 'mode: none' "mode_none"
hasnt mta_sts.policy_syntax "mode none needs no mx"
chk stsshort.test; has mta_sts.max_age_short 'max_age: 3600' "max_age_short"
chk stsmx.test
has mta_sts.mx_not_covered '"severity":"error".*MX a.b.stsmx.test matches no mx' \
    "mx_not_covered: *.stsmx.test covers one label, not a.b.stsmx.test (enforce: an error)"
! grep mx_not_covered "$T_TMP/out" | grep -q 'MX mx.stsmx.test'
ok $? "mx.stsmx.test is covered by *.stsmx.test"
chk bad.test
! grep -q '"code":"mta_sts\.policy' "$T_TMP/out"
ok $? "an invalid _mta-sts record: no policy fetched"
mkdir -p "$T_TMP/nocurl"
echo "not a library" >"$T_TMP/nocurl/libcurl.so.4"
echo "not a library" >"$T_TMP/nocurl/libcurl-gnutls.so.4"
LD_LIBRARY_PATH=$T_TMP/nocurl "$MAILSIFT" check --resolver "$R" --timeout $TO \
    --ca-file "$CA" --format json --no-reports good.test >"$T_TMP/out" 2>&1
is "$?" 0 "no libcurl: the other checks run, exit 0"
has mta_sts.policy_unchecked '"severity":"info".*libcurl.so.4' \
    "no libcurl: mta_sts.policy_unchecked names the library"
MAILSIFT_MTA_STS_PORT=0 "$MAILSIFT" check --no-reports a.test >/dev/null 2>&1
is $? 64 "a bad MAILSIFT_MTA_STS_PORT: 64"
"$MAILSIFT" check --ca-file "$T_TMP/none.pem" --no-reports a.test >/dev/null 2>&1
is $? 64 "a --ca-file that does not exist: 64"

# ---- the bulk-sender summary ----
# Bounced originals: good.test's with one-click unsubscribe, bulk.test's
# with List-Unsubscribe only.
bounce() {	# file from-domain id headers
	{
		printf 'From: Mail Delivery Subsystem <mailer-daemon@rcv.example>\n'
		printf 'To: news@%s\nSubject: Delivery Status Notification (Failure)\n' "$2"
		printf 'Message-ID: <b-%s@rcv.example>\nMIME-Version: 1.0\n' "$3"
		printf 'Content-Type: multipart/report; boundary="BB"; report-type=delivery-status\n\n'
		printf -- '--BB\nContent-Type: text/plain\n\nUndeliverable.\n\n'
		printf -- '--BB\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; rcv.example\n\n'
		printf 'Final-Recipient: rfc822; u%s@rcv.example\nAction: failed\nStatus: 5.1.1\n' "$3"
		printf 'Diagnostic-Code: smtp; 550 5.1.1 no such user\n\n'
		printf -- '--BB\nContent-Type: text/rfc822-headers\n\n'
		printf 'From: News <news@%s>\nTo: u%s@rcv.example\nSubject: news\n' "$2" "$3"
		printf 'Message-ID: <o-%s@%s>\n%b' "$3" "$2" "$4"
		printf '\n--BB--\n'
	} >"$1"
}
bounce "$T_TMP/b1.eml" good.test 1 'List-Unsubscribe: <https://good.test/u/1>, <mailto:u@good.test>\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n'
bounce "$T_TMP/b2.eml" bulk.test 2 'List-Unsubscribe: <mailto:u@bulk.test>\n'
report "$T_TMP/bulk.xml" bulk.test k1 192.0.2.40,10,fail,gone 192.0.2.41,1,pass,gone
"$MAILSIFT" ingest "$T_TMP/b1.eml" "$T_TMP/b2.eml" "$T_TMP/bulk.xml" 2>"$T_TMP/err"
ok $? "two bounces and bulk.test's report are stored"
is "$(q "SELECT orig_list_unsubscribe_post FROM bounce_v WHERE sender_domain = 'good.test'")" \
    "List-Unsubscribe=One-Click" "List-Unsubscribe-Post of the bounced original is stored"
is "$(q "SELECT orig_list_unsubscribe || '|' || coalesce(orig_list_unsubscribe_post, 'none') FROM bounce_v WHERE sender_domain = 'bulk.test'")" \
    "<mailto:u@bulk.test>|none" "List-Unsubscribe alone is stored as it is"
"$MAILSIFT" parse "$T_TMP/b1.eml" | grep -q '"list_unsubscribe_post":"List-Unsubscribe=One-Click"'
ok $? "parse --format json shows them under original"
"$MAILSIFT" enrich --resolver "$R" --timeout $TO 2>"$T_TMP/err"
chk good.test
is "$rc:$(cat "$T_TMP/out")" "0:" "good.test passes every bulk-sender rule: no bulk finding"
"$MAILSIFT" check --resolver "$R" --timeout $TO --ca-file "$CA" good.test >"$T_TMP/out"
for c in spf dkim dmarc alignment ptr unsubscribe; do
	grep -q "^pass    bulk.$c " "$T_TMP/out" || echo "bulk.$c"
done >"$T_TMP/failed"
is "$(cat "$T_TMP/failed")" "" "the table's summary: good.test passes all six"
grep -q '^pass    bulk.unsubscribe .*of 1 bounced originals, 1 had List-Unsubscribe and 1 one-click' "$T_TMP/out"
ok $? "bulk.unsubscribe: the evidence counts the bounced originals"
chk bulk.test
for c in spf dkim dmarc alignment ptr unsubscribe; do
	grep -q "\"code\":\"bulk.$c\",\"severity\":\"warning\"" "$T_TMP/out" || echo "bulk.$c"
done >"$T_TMP/failed"
is "$(cat "$T_TMP/failed")" "" "bulk.test fails all six, each a warning finding"
has bulk.alignment '1 of 11 messages (9.1%) passed DMARC' "bulk.alignment: the aligned share"
has bulk.ptr '1 of 1 addresses.*: 192.0.2.41"' \
    "bulk.ptr names the address that sends the domain's mail without a PTR (not the spoofer's)"
has bulk.unsubscribe '1 had List-Unsubscribe and 0 one-click' "bulk.unsubscribe: List-Unsubscribe without -Post fails"
has bulk.spf 'spf.include_missing' "bulk.spf names the SPF finding"
has bulk.dmarc 'dmarc.missing' "bulk.dmarc names the DMARC finding"
has bulk.dkim 'with a key error' "bulk.dkim: the only selector has no key"
chk bad.test
hasnt bulk.spf "bad.test's SPF evaluates"
hasnt bulk.dmarc "bad.test has p=none: enough for the bulk rule"
has bulk.alignment '15 of 17' "bad.test: 2 of 17 messages failed DMARC"
hasnt bulk.unsubscribe "no bounce of bad.test: unknown, no finding"

# ---- stored findings: report and explain ----
is "$(q "SELECT count(*) FROM check_finding_v WHERE domain = 'bad.test' AND code = 'bulk.alignment'")" 1 \
    "the latest run of bad.test is stored"
n1=$(q "SELECT count(*) FROM check_finding WHERE domain = 'bad.test'")
chk bad.test
is "$(q "SELECT count(*) FROM check_finding WHERE domain = 'bad.test'")" "$n1" \
    "a new run replaces the previous one"
is "$(q "SELECT errors > 0 FROM check_run_v WHERE domain = 'bad.test'")" t "check_run_v counts the errors"
is "$(q "SELECT errors + warnings + infos FROM check_run_v WHERE domain = 'good.test'")" 0 \
    "good.test's run is stored with nothing to say"
chk down.test
is "$(q "SELECT count(*) FROM check_run WHERE domain = 'down.test'")" 0 \
    "a run whose DNS failed is not stored"
"$MAILSIFT" report --domain bad.test | sed 's/<wbr>//g' >"$T_TMP/r.html"
grep -q 'id="checks"' "$T_TMP/r.html" && grep -q 'dkim.key_revoked' "$T_TMP/r.html" &&
    grep -q "$(q "SELECT to_char(checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')  FROM check_run WHERE domain = 'bad.test'")" "$T_TMP/r.html"
ok $? "report: the stored findings of the domain, with the check time"
"$MAILSIFT" report | sed 's/<wbr>//g' >"$T_TMP/r.html"
grep -q 'nothing to say' "$T_TMP/r.html" && grep -q 'bulk.test' "$T_TMP/r.html"
ok $? "report of every domain: good.test checked with nothing to say, bulk.test's findings"
"$MAILSIFT" explain --domain bad.test >"$T_TMP/e.txt"
grep -q '^checks (mailsift check, [0-9-]* [0-9:]* UTC): ' "$T_TMP/e.txt" &&
    grep -q '  error   dkim.key_revoked' "$T_TMP/e.txt"
ok $? "explain: the stored findings, with the check time"
fresh_db mailsift_t_check2 || exit 1
"$MAILSIFT" ingest "$T_TMP/good.xml" 2>/dev/null
"$MAILSIFT" explain --domain good.test >"$T_TMP/e.txt"
grep -q 'not checked: run mailsift check good.test' "$T_TMP/e.txt"
ok $? "explain without a stored check: says to run mailsift check"
"$MAILSIFT" report --domain good.test | sed 's/<wbr>//g' >"$T_TMP/r.html"
grep -q 'not checked: run mailsift check good.test' "$T_TMP/r.html"
ok $? "report without a stored check: says to run mailsift check"
