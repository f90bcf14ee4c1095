#!/bin/sh
# bounce_variants.sh - the bounce reader on layouts the corpus does not
# show, and on mails that are no bounce.
#
# tests/data/bounces/variants/ holds our own fixtures (anonymised, written
# from the layouts and phrases sisimai's modules document): other
# subjects, boundaries and languages, CRLF line ends, quoted-printable and
# base64 text parts, ISO-2022-JP, windows-1252, two or more recipients
# where the corpus has one; and ordinary or automated mails (newsletters
# that say "delivery", a human reply quoting a bounce, a ticket notice, a
# calendar invitation, a DMARC report, ...) that must not be bounces.
# expected.tsv next to them says, per recipient, the address, status,
# reason and sending IP wanted (its header says how; "~5.1.1" is a status
# inferred from the reason, none stated); every fixture must
# have rows there and yield exactly those recipients.
#
# Then the generator's bounces (tests/gen), whose truth it writes itself:
# every recipient's address, status and reason as drawn.  No database.
. "$TOP/tests/t/lib.sh"
D=$TOP/tests/data/bounces/variants

"$MAILSIFT" parse --format json "$D"/*.eml >"$T_TMP/out.json" 2>"$T_TMP/err"
ok $? "parse of every variant fixture exits 0"

python3 - "$D" "$T_TMP/out.json" <<'PY'
import collections, json, os, sys

d, out = sys.argv[1], sys.argv[2]
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(d, "expected.tsv"))
        if l.strip() and not l.startswith("#")]
got = collections.defaultdict(dict)
for line in open(out):
    o = json.loads(line)
    f = os.path.basename(o["file"])
    i = o.get("rcpt_index", 0) if o["kind"] in ("bounce", "feedback") else 0
    got[f][i] = o

def tap(good, what, detail=""):
    print(("ok - " if good else "not ok - ") + what)
    if not good and detail:
        print("#   " + detail)

for f, i, rcpt, status, reason, ip in rows:
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
            o["sending_ip"] or "-")
    want = (rcpt, status, reason, ip)
    tap(all(w in ("*", h) for h, w in zip(have, want)),
        what + ": %s %s %s" % (rcpt, status, reason),
        "got %s (rule %s)" % (have, o.get("rule")))

named = collections.Counter(r[0] for r in rows if r[1] != "0")
for f in sorted(set(r[0] for r in rows)):
    n = len([k for k in got[f] if k != 0])
    tap(n == named[f], "%s: %d recipient(s), no more" % (f, named[f]),
        "got %d" % n)
files = set(x for x in os.listdir(d) if x.endswith(".eml"))
tap(files == set(r[0] for r in rows), "every fixture has expected rows",
    "without: %s" % sorted(files - set(r[0] for r in rows)))
PY

# --- the generator's bounces, checked against the truth it wrote ----------
if [ ! -x "${MAILSIFT_GEN:-}" ]; then
	echo "ok - skip: generator bounces: no mailsift-gen"
	exit 0
fi
"$MAILSIFT_GEN" bounces "$T_TMP/gen" --messages 400 --seed 7 >/dev/null
ok $? "mailsift-gen bounces writes a Maildir and its truth"
"$MAILSIFT" parse --format json --maildir "$T_TMP/gen" >"$T_TMP/gen.json"
ok $? "parse of the generated Maildir exits 0"
python3 - "$T_TMP/gen.bounces.tsv" "$T_TMP/gen.json" <<'PY'
import collections, json, sys

truth = {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if f[0] != "file":
        truth[(f[0], int(f[2]))] = f
got = {}
for line in open(sys.argv[2]):
    o = json.loads(line)
    if o["kind"] == "bounce":
        got[(o["file"].rsplit("/", 1)[-1], o["rcpt_index"])] = o
per = collections.defaultdict(lambda: [0, 0])
bad = collections.defaultdict(list)
for k, t in truth.items():
    o = got.get(k)
    fields = (t[3], t[7], t[8], t[5])
    # the truth's "-": the bounce states no status; one inferred from
    # the reason (status_source) is ours, not the bounce's
    st = "-" if o and o.get("status_source") == "inferred" else \
        (o["status"] or "-") if o else None
    have = (o["recipient"], st, o["reason"],
            o["sending_ip"] or "-") if o else None
    per[t[1]][0] += 1
    if have == fields:
        per[t[1]][1] += 1
    else:
        bad[t[1]].append("%s #%d want %s got %s" % (k[0], k[1], fields, have))
for fmt in sorted(per):
    n, good = per[fmt]
    print(("ok - " if n == good else "not ok - ") +
          "generated %s bounces: %d of %d recipients right (address, "
          "status, reason, IP named)" % (fmt, good, n))
    for b in bad[fmt][:3]:
        print("#   " + b)
PY
