#!/bin/sh
# bounce_families.sh - the bounce reader per family of issue 14, on our
# own fixtures: tests/data/bounces/families/<NN-family>/.
#
# Each family folder holds fixtures written from the layouts and phrases
# the MTAs and providers document (several variants: other wording,
# languages, CRLF/LF, multipart layouts) and an expected.tsv: file, rcpt
# (1-based; 0: no bounce, then reason is the kind wanted), recipient,
# status, reason, action; '-' is null, '*' is not asserted, '~5.1.1' a status
# inferred from the reason (none stated); tab separated.
# Every fixture must yield exactly its rows' recipients.  Prints one TAP
# line per row and a score per family ("family 08-delay: 6 of 6").  No
# database.
. "$TOP/tests/t/lib.sh"
D=$TOP/tests/data/bounces/families

# Every family of the issue has its folder (06 too: ingest skips the
# blank lines, the parser must read what follows); 13 (MTA and provider
# layouts) and 14 (DSN robustness) come from round 3; 00 holds mail that is
# no bounce.
for n in 00 01 02 03 04 05 06 07 08 09 10 11 12 13 14; do
	set -- "$D/$n"-*/expected.tsv
	[ -f "$1" ]
	ok $? "family $n has fixtures and an expected.tsv"
done

for fam in "$D"/*/; do
	fam=${fam%/}
	"$MAILSIFT" parse --format json "$fam"/*.eml >"$T_TMP/out.json" \
	    2>"$T_TMP/err"
	ok $? "parse of every fixture of family ${fam##*/} exits 0"
	python3 - "$fam" "$T_TMP/out.json" <<'PY'
import collections, json, os, sys

d, out = sys.argv[1], sys.argv[2]
fam = os.path.basename(d)
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(d, "expected.tsv"))
        if l.strip() and not l.startswith("#")]
got = collections.defaultdict(dict)
for line in open(out):
    o = json.loads(line)
    f = os.path.basename(o["file"])
    i = o.get("rcpt_index", 0) if o["kind"] in ("bounce", "feedback") else 0
    got[f][i] = o

good = 0
def tap(ok, what, detail=""):
    global good
    good += ok
    print(("ok - " if ok else "not ok - ") + fam + ": " + what)
    if not ok and detail:
        print("#   " + detail)

for f, i, rcpt, status, reason, action in rows:
    o = got[f].get(int(i))
    what = "%s #%s" % (f, i)
    if int(i) == 0:
        kinds = [x["kind"] for x in got[f].values()]
        tap(o is not None and o["kind"] in reason.split("|"),
            what + ": kind " + reason, "got %s" % kinds)
        continue
    if o is None:
        tap(False, what + ": recipient " + rcpt, "no such recipient")
        continue
    # "~5.1.1": a status inferred from the reason (status_source)
    st = o["status"] or "-"
    if o.get("status_source") == "inferred":
        st = "~" + st
    have = (o["recipient"], st, o["reason"],
            o.get("action") or "-")
    want = (rcpt, status, reason, action)
    tap(all(w in ("*", h) for h, w in zip(have, want)),
        what + ": %s %s %s %s" % want,
        "got %s (rule %s)" % (have, o.get("rule")))
named = collections.Counter(r[0] for r in rows if r[1] != "0")
for f in sorted(set(r[0] for r in rows)):
    n = len([k for k in got[f] if k != 0])
    tap(n == named[f], "%s: %d recipient(s), no more" % (f, named[f]),
        "got %d" % n)
files = set(x for x in os.listdir(d) if x.endswith(".eml"))
tap(files == set(r[0] for r in rows), "every fixture has expected rows",
    "without: %s" % sorted(files - set(r[0] for r in rows)))
total = len(rows) + len(set(r[0] for r in rows)) + 1
print("# family %s: %d of %d checks right" % (fam, good, total))
PY
done
