# check.sh - mailsift check against a real DNS server (tests/unbound.sh):
# each check has a domain whose records trigger it and good.test, whose
# records and reports must trigger nothing.  The report evidence is
# ingested, and enriched through the same server.
. "$TOP/tests/t/lib.sh"

D=$T_TMP/dns
mkdir -p "$D"
trap '"$TOP/tests/unbound.sh" stop "$D"; t_cleanup' EXIT
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
	"$MAILSIFT" check --resolver "$R" --timeout $TO --format json "$@" \
	    >"$T_TMP/out" 2>"$T_TMP/err"
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
MAILSIFT_RESOLVER=$R "$MAILSIFT" check --no-reports good.test >"$T_TMP/out"
is "$?:$(cat "$T_TMP/out")" "0:good.test: 0 findings (DNS only, no reports)" \
    "MAILSIFT_RESOLVER, --no-reports, the table"
"$MAILSIFT" check --resolver "$R" allpass.test >"$T_TMP/out"
grep -q '^error   spf.all_pass' "$T_TMP/out"
ok $? "the table: severity, code, evidence, then the action"

"$MAILSIFT" check --all --resolver "$R" --timeout $TO --format json \
    >"$T_TMP/out" 2>"$T_TMP/err"
is "$?:$(sed 's/^{"domain":"\([^"]*\)".*/\1/' "$T_TMP/out" | sort -u | tr '\n' ' ')" \
    "1:bad.test " "--all: every policy domain of the reports (good.test has no finding)"
"$MAILSIFT" check --all good.test >/dev/null 2>&1; is $? 64 "--all with a domain: 64"
"$MAILSIFT" check >/dev/null 2>&1;                 is $? 64 "no domain: 64"
"$MAILSIFT" check 'bad domain' >/dev/null 2>&1;    is $? 64 "a bad domain: 64"
"$MAILSIFT" check --format xml a.test >/dev/null 2>&1; is $? 64 "a bad format: 64"
"$MAILSIFT" check --since never a.test >/dev/null 2>&1; is $? 64 "a bad --since: 64"
