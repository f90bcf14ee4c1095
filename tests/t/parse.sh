# parse.sh - `mailsift parse --format json`: the shape users pipe into jq,
# on a report given as bare XML, gzip, zip and e-mail, a non-report and
# a broken file.  No database.
. "$TOP/tests/t/lib.sh"

cat >"$T_TMP/r.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata>
    <org_name>Example Reporter</org_name>
    <email>dmarc@reporter.example</email>
    <report_id>r-42</report_id>
    <date_range><begin>1760000000</begin><end>1760086399</end></date_range>
  </report_metadata>
  <policy_published>
    <domain>example.com</domain><adkim>r</adkim><aspf>s</aspf>
    <p>reject</p><sp>none</sp><pct>100</pct>
  </policy_published>
  <record>
    <row>
      <source_ip>2001:DB8::1</source_ip><count>3</count>
      <policy_evaluated><disposition>none</disposition><dkim>Pass</dkim><spf>fail</spf></policy_evaluated>
    </row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results>
      <dkim><domain>example.com</domain><selector>s1</selector><result>pass</result></dkim>
      <dkim><domain>esp.example</domain><selector>s2</selector><result>fail</result></dkim>
      <spf><domain>bounce.example.com</domain><scope>mfrom</scope><result>hardfail</result></spf>
    </auth_results>
  </record>
  <record>
    <row>
      <source_ip>192.0.2.7</source_ip><count>5</count>
      <policy_evaluated><disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf>
        <reason><type>local_policy</type><comment>arc</comment></reason></policy_evaluated>
    </row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results><spf><domain>example.com</domain><result>fail</result></spf></auth_results>
  </record>
</feedback>
XML
gzip -c "$T_TMP/r.xml" >"$T_TMP/r.xml.gz"
(cd "$T_TMP" && cp r.xml 'example!r-42.xml' && python3 -c '
import zipfile; z=zipfile.ZipFile("r.zip","w",zipfile.ZIP_DEFLATED); z.write("example!r-42.xml"); z.close()')
python3 - "$T_TMP/r.xml.gz" >"$T_TMP/r.eml" <<'PY'
import base64, sys
data = base64.encodebytes(open(sys.argv[1], "rb").read()).decode()
print("From: dmarc@reporter.example\nTo: rua@example.com\nSubject: Report Domain: example.com\n"
      "Message-ID: <r-42@reporter.example>\nMIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\nreport attached\n"
      "--b1\nContent-Type: application/gzip; name=\"r.xml.gz\"\nContent-Transfer-Encoding: base64\n"
      "Content-Disposition: attachment; filename=\"r.xml.gz\"\n\n" + data + "--b1--")
PY

for f in r.xml r.xml.gz r.zip r.eml; do
	"$MAILSIFT" parse --format json "$T_TMP/$f" >"$T_TMP/$f.json"
	ok $? "parse $f exits 0"
	python3 - "$T_TMP/$f.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 1, lines
r = lines[0]
assert r["kind"] == "dmarc_report" and r["file"].endswith(sys.argv[1].split("/")[-1][:-5])
assert (r["org_name"], r["email"], r["report_id"]) == ("Example Reporter", "dmarc@reporter.example", "r-42")
assert (r["date_begin"], r["date_end"]) == (1760000000, 1760086399)
p = r["policy_published"]
assert (p["domain"], p["adkim"], p["aspf"], p["p"], p["sp"], p["pct"], p["np"]) == \
    ("example.com", "r", "s", "reject", "none", 100, None), p
a, b = r["records"]
assert (a["source_ip"], a["count"], a["disposition"], a["policy_dkim"], a["policy_spf"]) == \
    ("2001:db8::1", 3, "none", "pass", "fail"), a
assert [(d["domain"], d["selector"], d["result"]) for d in a["dkim"]] == \
    [("example.com", "s1", "pass"), ("esp.example", "s2", "fail")], a["dkim"]
assert [(s["domain"], s["scope"], s["result"]) for s in a["spf"]] == \
    [("bounce.example.com", "mfrom", "fail")], a["spf"]
assert any("Pass" in x for x in a["fixups"]) and any("hardfail" in x for x in a["fixups"]), a["fixups"]
assert a["reasons"] == [] and a["envelope_from"] is None
assert b["reasons"] == [{"type": "local_policy", "comment": "arc"}], b["reasons"]
assert b["spf"][0]["scope"] is None
PY
	ok $? "parse $f: every field as in the XML, words normalized with fix-ups recorded"
done

printf 'From: a@example.org\nSubject: hello\n\njust text\n' >"$T_TMP/plain.eml"
"$MAILSIFT" parse "$T_TMP/plain.eml" >"$T_TMP/plain.json"
ok $? "parse of a plain e-mail exits 0"
python3 -c '
import json,sys; r=json.loads(open(sys.argv[1]).read())
assert r["kind"]=="none" and r["reason"], r' "$T_TMP/plain.json"
ok $? "a plain e-mail is kind none with a reason"

printf '<feedback><report_metadata><org_name>x</org_name>' >"$T_TMP/broken.xml"
"$MAILSIFT" parse "$T_TMP/broken.xml" >"$T_TMP/broken.json"
[ $? != 0 ] && python3 -c '
import json,sys; r=json.loads(open(sys.argv[1]).read())
assert r["kind"]=="error" and r["error"], r' "$T_TMP/broken.json"
ok $? "a truncated report is kind error with the message, non-zero exit"

printf '<?xml version="1.0"?>\n<invoice><total>3</total></invoice>\n' >"$T_TMP/other.xml"
"$MAILSIFT" parse "$T_TMP/other.xml" >"$T_TMP/other.json"
python3 -c '
import json,sys; r=json.loads(open(sys.argv[1]).read())
assert r["kind"]=="none" and "feedback" in r["reason"] and "invoice" in r["reason"], r' "$T_TMP/other.json"
ok $? "XML that is not a report: kind none, the reason names its root and <feedback>"

printf 'From: a@example.org\nSubject: hi\nContent-Type: text/html\n\n<html><body><p>hi</p></body></html>\n' >"$T_TMP/page.eml"
"$MAILSIFT" parse "$T_TMP/page.eml" >"$T_TMP/page.json"
python3 -c '
import json,sys; r=json.loads(open(sys.argv[1]).read())
assert r["kind"]=="none" and r["reason"], r' "$T_TMP/page.json"
ok $? "an HTML e-mail is kind none"

printf 'neither mail nor report\n' >"$T_TMP/junk.bin"
"$MAILSIFT" parse "$T_TMP/junk.bin" >"$T_TMP/junk.json"
python3 -c '
import json,sys; r=json.loads(open(sys.argv[1]).read())
assert r["kind"] in ("none","error") and r.get("reason") or r.get("error"), r' "$T_TMP/junk.json"
ok $? "a file that is neither an e-mail nor a report gets a clear reason"

# A file that is not there: parse says so as ingest does (74, EX_IOERR),
# and still reads the other files.
"$MAILSIFT" parse "$T_TMP/no-such-file.eml" "$TOP/tests/data/mail/yahoo-gzip.eml" \
    >"$T_TMP/missing.out" 2>/dev/null
is "$?" 74 "parse of a missing file exits 74, like ingest"
grep -q '"kind":"dmarc_report"' "$T_TMP/missing.out"
ok $? "... the other file is still parsed"
fresh_db mailsift_t_parse_missing
"$MAILSIFT" ingest "$T_TMP/no-such-file.eml" 2>/dev/null
is "$?" 74 "ingest of a missing file exits 74"
