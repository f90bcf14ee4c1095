#!/bin/sh
# gen.sh - mailsift-gen, the test-data generator, tells the truth.
#
# Checks that one seed gives byte-identical output, that the message and
# report counts are right, that every generated XML is well-formed, that
# each e-mail carries exactly the report the xml mode writes, and that the
# manifest (NAME.expected.tsv) equals sums computed independently from the
# XML (awk) and from the \copy rows.  Needs MAILSIFT_GEN and TOP (run.sh
# sets both); not the mailsift binary.
. "${TOP:-.}/tests/t/lib.sh"
gen=${MAILSIFT_GEN:-${TOP:-.}/build/mailsift-gen}
t=$T_TMP
N=300

# sums_xml FILE...: the manifest recomputed from XML, tags split by awk.
sums_xml() {
	awk '
	function civil(t,   z, era, doe, yoe, y, doy, mp, d, m) {
		z = int(t / 86400) + 719468
		era = int(z / 146097)
		doe = z - era * 146097
		yoe = int((doe - int(doe / 1460) + int(doe / 36524) - \
		    int(doe / 146096)) / 365)
		y = yoe + era * 400
		doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
		mp = int((5 * doy + 2) / 153)
		d = doy - int((153 * mp + 2) / 5) + 1
		m = mp < 10 ? mp + 3 : mp - 9
		if (m <= 2)
			y++
		return sprintf("%04d-%02d-%02d", y, m, d)
	}
	BEGIN { RS = "<" }
	{
		i = index($0, ">")
		if (i == 0)
			next
		tag = substr($0, 1, i - 1)
		val = substr($0, i + 1)
		gsub(/[ \t\r\n]+/, "", val)
		if (tag == "begin") begin = val
		else if (tag == "source_ip") ip = val
		else if (tag == "count") cnt = val
		else if (tag == "policy_evaluated") pe = 1
		else if (tag == "/policy_evaluated") pe = 0
		else if (pe && tag == "dkim") dk = val
		else if (pe && tag == "spf") sp = val
		else if (tag == "/record") {
			k = civil(begin) "\t" ip
			r[k]++
			c[k] += cnt
			if (dk == "pass" || sp == "pass") p[k] += cnt
			else f[k] += cnt
		}
	}
	END {
		for (k in r)
			printf "%s\t%.0f\t%.0f\t%.0f\t%.0f\n", k, r[k], c[k], \
			    p[k], f[k]
	}' "$@" | LC_ALL=C sort
}

# sums_copy FILE: the manifest recomputed from \copy rows (sink.c order).
sums_copy() {
	awk -F '\t' '
	{
		k = $4 "\t" $6
		r[k]++
		c[k] += $7
		if ($9 == "pass" || $10 == "pass") p[k] += $7
		else f[k] += $7
	}
	END {
		for (k in r)
			printf "%s\t%.0f\t%.0f\t%.0f\t%.0f\n", k, r[k], c[k], \
			    p[k], f[k]
	}' "$1" | LC_ALL=C sort
}

# The manifest with epoch days, to compare with sums_copy.
manifest_epoch() {
	tail -n +2 "$1" | while IFS='	' read -r day ip rest; do
		printf '%s\t%s\t%s\n' "$(date -u -d "$day" +%s)" "$ip" "$rest"
	done | LC_ALL=C sort
}

tree_sum() {
	(cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum)
}

# Determinism
"$gen" maildir "$t/a/Maildir" --messages $N --seed 42 >"$t/a.out"
ok $? "maildir run 1"
"$gen" maildir "$t/b/Maildir" --messages $N --seed 42 >"$t/b.out"
ok $? "maildir run 2"
tree_sum "$t/a" >"$t/a.sum"
tree_sum "$t/b" >"$t/b.sum"
cmp -s "$t/a.sum" "$t/b.sum"
ok $? "same seed: byte-identical Maildir and manifest"
"$gen" maildir "$t/c/Maildir" --messages $N --seed 43 >/dev/null
tree_sum "$t/c" >"$t/c.sum"
! cmp -s "$t/c.sum" "$t/a.sum"; ok $? "another seed: different output"
! "$gen" maildir "$t/a/Maildir" --messages 1 >/dev/null 2>&1; ok $? "refuses to write into a non-empty Maildir"

# Counts
is "$(ls "$t/a/Maildir/new" | wc -l | tr -d ' ')" "$N" "$N messages in new/"
is "$(find "$t/a/Maildir/cur" "$t/a/Maildir/tmp" -type f | wc -l | tr -d ' ')" 0 \
    "cur/ and tmp/ exist, empty"
grep -q "^messages=$N reports=$N records=" "$t/a.out"
ok $? "summary line: $(cat "$t/a.out")"
is "$(cat "$t"/a/Maildir/new/* | grep -c '^Message-ID: ')" "$N" \
    "one Message-ID per message"
is "$(cat "$t"/a/Maildir/new/* | grep '^Message-ID: ' | sort -u | wc -l |
    tr -d ' ')" "$N" "Message-IDs unique"

# Layouts
new="$t/a/Maildir/new"
for pat in 'application/zip' 'application/gzip' 'application/octet-stream' \
    'Content-Type: text/xml' 'filename\*0="protection\.outlook\.com!' \
    'name="google\.com!example\.[a-z]*![0-9]*![0-9]*\.zip"' \
    'yahoo\.com!example\.[a-z]*![0-9]*![0-9]*\.xml\.gz' \
    '^From: noreply-dmarc-support@google\.com$' \
    '^Subject: Report Domain: example\.[a-z]* Submitter: [a-z.]* Report-ID: <'
do
	grep -lq -e "$pat" "$new"/*
	ok $? "some message has $pat"
done

# XML: well-formed, same reports as the Maildir, manifest = awk sums
"$gen" xml "$t/x" --messages $N --seed 42 >"$t/x.out"
ok $? "xml run"
is "$(ls "$t/x" | wc -l | tr -d ' ')" "$N" "$N XML files"
cmp -s "$t/a/Maildir.expected.tsv" "$t/x.expected.tsv"
ok $? "xml and maildir manifests identical"
cmp -s "$t/a.out" "$t/x.out"
ok $? "xml and maildir summaries identical"
xmllint --noout "$t"/x/*.xml 2>"$t/xmllint.err"
ok $? "xmllint --noout accepts every XML"
is "$(grep -l 'xmlns="urn:ietf:params:xml:ns:dmarc-2.0"' "$t"/x/*.xml |
    xargs grep -l '<pct>' | wc -l | tr -d ' ')" 0 "RFC 9990 reports have no <pct>"
grep -lq 'xmlns="urn:ietf:params:xml:ns:dmarc-2.0"' "$t"/x/*.xml
ok $? "some RFC 9990 reports"
sums_xml "$t"/x/*.xml >"$t/x.sums"
tail -n +2 "$t/x.expected.tsv" | LC_ALL=C sort >"$t/x.want"
cmp -s "$t/x.sums" "$t/x.want"
ok $? "manifest equals the sums over the XML ($(wc -l <"$t/x.want") rows)"
if command -v python3 >/dev/null; then
	python3 - "$new" "$t/x" <<'EOF' >"$t/py.out" 2>&1
import email, email.policy, gzip, hashlib, io, os, sys, zipfile
new, xdir = sys.argv[1], sys.argv[2]
got = []
for f in sorted(os.listdir(new)):
    m = email.message_from_binary_file(open(os.path.join(new, f), 'rb'),
        policy=email.policy.default)
    for p in m.walk():
        fn = p.get_filename()
        if p.is_multipart() or not fn:
            continue
        data = p.get_payload(decode=True)
        if fn.endswith('.zip'):
            z = zipfile.ZipFile(io.BytesIO(data))
            if z.testzip() is not None:
                sys.exit('bad zip in ' + f)
            data = z.read(z.namelist()[0])
        elif fn.endswith('.gz'):
            data = gzip.decompress(data)
        got.append(hashlib.sha256(data).hexdigest())
want = [hashlib.sha256(open(os.path.join(xdir, f), 'rb').read()).hexdigest()
        for f in os.listdir(xdir)]
sys.exit(0 if sorted(got) == sorted(want) else 'reports differ')
EOF
	ok $? "every message holds exactly its report, as the xml mode writes it"
	sed 's/^/# /' "$t/py.out"
fi

# \copy rows
"$gen" copy "$t/rows.tsv" --messages $N --seed 42 >"$t/copy.out"
ok $? "copy run"
cmp -s "$t/a.out" "$t/copy.out"
ok $? "copy summary identical"
awk -F '\t' 'NF != 19 { bad = 1 } END { exit bad }' "$t/rows.tsv"
ok $? "19 columns in every row"
records=$(sed 's/.* records=\([0-9]*\).*/\1/' "$t/a.out")
is "$(wc -l <"$t/rows.tsv" | tr -d ' ')" "$records" "one row per record"
sums_copy "$t/rows.tsv" >"$t/copy.sums"
manifest_epoch "$t/rows.tsv.expected.tsv" >"$t/copy.want"
cmp -s "$t/copy.sums" "$t/copy.want"
ok $? "manifest equals the sums over the rows"

# big: streamed gzip
"$gen" big "$t/big.xml.gz" --records 20000 --seed 5 >"$t/big.out"
ok $? "big run"
gzip -t "$t/big.xml.gz"
ok $? "big is valid gzip"
gzip -dc "$t/big.xml.gz" | xmllint --stream --noout - 2>/dev/null
ok $? "big is well-formed (xmllint --stream)"
is "$(gzip -dc "$t/big.xml.gz" | grep -c '<record>')" 20000 "big has 20000 records"
gzip -dc "$t/big.xml.gz" >"$t/big.xml"
sums_xml "$t/big.xml" >"$t/big.sums"
tail -n +2 "$t/big.xml.gz.expected.tsv" | LC_ALL=C sort >"$t/big.want"
cmp -s "$t/big.sums" "$t/big.want"
ok $? "big manifest equals the sums over its XML"
"$gen" copy "$t/bigrows.tsv" --big 20000 --seed 5 >/dev/null
cmp -s "$t/big.xml.gz.expected.tsv" "$t/bigrows.tsv.expected.tsv"
ok $? "copy --big describes the same report"

# demo: the story
"$gen" maildir "$t/demo/Maildir" --demo --seed 1 >"$t/demo.out"
ok $? "demo run"
n=$(ls "$t/demo/Maildir/new" | wc -l)
[ "$n" -ge 150 ] && [ "$n" -le 500 ]; ok $? "demo: a few hundred messages ($n)"
grep -q "^messages=$n " "$t/demo.out"; ok $? "demo summary: $(cat "$t/demo.out")"
m="$t/demo/Maildir.expected.tsv"
is "$(cut -f1 "$m" | tail -n +2 | sort -u | wc -l | tr -d ' ')" 30 "demo: 30 days"
awk -F '\t' '$2 == "198.51.100.25" { d++; if (d <= 18 && $6 > 0) bad = 1;
    if (d > 18) { late++; if ($6 > 0) failing++ } }
    END { exit !(d == 30 && !bad && failing >= late - 3) }' "$m"
ok $? "demo: 198.51.100.25 passes 18 days, then fails DKIM alignment"
awk -F '\t' '$2 == "198.51.100.25" { d++; if (d > 18 && $5 > 0) p = 1 }
    END { exit !p }' "$m"
ok $? "demo: 198.51.100.25 still passes SPF for some mail"
awk -F '\t' '$2 == "203.0.113.66" { d++; if ($5 > 0) bad = 1 }
    END { exit !(d >= 20 && !bad) }' "$m"
ok $? "demo: 203.0.113.66 forges and always fails"

# --- bounces -------------------------------------------------------------------
NB=300
"$gen" bounces "$t/ba/Maildir" --messages $NB --seed 7 >"$t/ba.out"
ok $? "bounces run 1"
"$gen" bounces "$t/bb/Maildir" --messages $NB --seed 7 >/dev/null
tree_sum "$t/ba" >"$t/ba.sum"
tree_sum "$t/bb" >"$t/bb.sum"
cmp -s "$t/ba.sum" "$t/bb.sum" && cmp -s "$t/ba/Maildir.bounces.tsv" "$t/bb/Maildir.bounces.tsv"
ok $? "bounces: same seed, byte-identical Maildir and manifest"
is "$(ls "$t/ba/Maildir/new" | wc -l | tr -d ' ')" $NB "bounces: $NB messages in new/"
grep -q "^messages=$NB reports=0 .* bounces=$NB bounce_recipients=" "$t/ba.out"
ok $? "bounces summary: $(cat "$t/ba.out")"
bm="$t/ba/Maildir.bounces.tsv"
is "$(tail -n +2 "$bm" | wc -l | tr -d ' ')" \
    "$(sed 's/.*bounce_recipients=\([0-9]*\).*/\1/' "$t/ba.out")" \
    "bounces manifest: one line per recipient"
awk -F '\t' 'NF != 9 { bad = 1 } END { exit bad }' "$bm"
ok $? "bounces manifest: 9 columns"
is "$(tail -n +2 "$bm" | cut -f1 | sort -u | wc -l | tr -d ' ')" $NB \
    "bounces manifest: every message"
for f in postfix gmail office365 exim qmail; do
	n=$(awk -F '\t' -v f=$f '$2 == f && $3 == 1' "$bm" | wc -l)
	[ "$n" -ge $((NB / 20)) ]; ok $? "bounces: layout $f ($n messages)"
done
for pat in '^X-Postfix-Queue-ID: ' '^From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>' \
    '^X-MS-Exchange-Message-Is-Ndr:' '^X-Failed-Recipients: ' 'This is the qmail-send program' \
    '550-5.7.26 ' 'Status: 5.1.1'
do
	grep -lq -e "$pat" "$t/ba/Maildir/new"/*
	ok $? "some bounce has $pat"
done
for r in userunknown mailboxfull authfailure blocked hostunknown; do
	cut -f9 "$bm" | grep -qx "$r"; ok $? "bounces: reason $r drawn"
done
if command -v python3 >/dev/null; then
	python3 - "$t/ba/Maildir/new" "$bm" <<'PY' >"$t/bpy.out" 2>&1
import email, email.policy, os, sys
new, man = sys.argv[1], sys.argv[2]
want = {}
for line in list(open(man))[1:]:
    f = line.rstrip('\n').split('\t')
    want.setdefault(f[0], []).append(f[3])
bad = 0
for name in os.listdir(new):
    m = email.message_from_binary_file(open(os.path.join(new, name), 'rb'),
        policy=email.policy.default)
    dsn = [p for p in m.walk() if p.get_content_type() == 'message/delivery-status']
    if m.get_content_type() == 'multipart/report':
        got = []
        for p in dsn:
            for blk in p.get_payload():
                v = blk.get('Final-Recipient')
                if v:
                    got.append(str(v).split(';', 1)[1].strip())
    else:
        body = m.get_payload(decode=True).decode()
        got = [a for a in want[name] if a in body]
    if got != want[name]:
        bad += 1
        print(name, got, want[name])
sys.exit(1 if bad else 0)
PY
	ok $? "every bounce names exactly the manifest's recipients, in order"
	sed 's/^/# /' "$t/bpy.out" | head -n 5
fi

# The demo month's bounces: the story, and a background every day.
dm="$t/demo/Maildir.bounces.tsv"
[ -s "$dm" ]; ok $? "demo: a bounces manifest"
is "$(grep -c '' "$dm")" "$(($(sed 's/.*bounce_recipients=\([0-9]*\).*/\1/' "$t/demo.out") + 1))" \
    "demo: its lines are the summary's recipients"
first=$(tail -n +2 "$m" | cut -f1 | sort -u | sed -n 19p)
awk -F '\t' -v first="$first" '$9 == "authfailure" { n++;
    if ($5 < first || $6 != "198.51.100.25" || $2 != "postfix") bad = 1 }
    END { exit !(n >= 30 && !bad) }' "$dm"
ok $? "demo: Gmail 5.7.26 bounces name 198.51.100.25, from day 19 ($first) on only"
is "$(tail -n +2 "$dm" | cut -f5 | sort -u | wc -l | tr -d ' ')" 30 "demo: bounces every day"
is "$(awk -F '\t' '$9 != "authfailure"' "$dm" | cut -f9 | sort -u | grep -c -e userunknown -e mailboxfull)" 2 \
    "demo: a background of unknown users and full mailboxes"
"$gen" xml "$t/demo-xml" --demo --seed 1 >/dev/null
cmp -s "$t/demo/Maildir.expected.tsv" "$t/demo-xml.expected.tsv"
ok $? "demo: the bounces leave the reports as they were"
