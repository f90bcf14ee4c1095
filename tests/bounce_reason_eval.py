#!/usr/bin/env python3
"""bounce_reason_eval.py - score the bounce classifier alone (dev tool).

Joins ../shared/corpus/bounces/expected.tsv (sisimai rows) with the 4.25
oracle (oracle-sisimai425.tsv) on (file, rcpt_index), feeds the oracle's
status, reply code, diagnostic and recipient to bounce_classify through
`bounce_reason_test --eval`, and compares the reason, status, reply code
and hard/soft flag with the expected v5 values.  Recognizers are not
involved: this measures the classifier on the texts they will hand it.

Usage:
    tests/bounce_reason_eval.py [--bin build/reason/tests/bounce_reason_test]
        [--corpus ../shared/corpus] [--hint] [--misses] [--baseline]

  --hint      pass the oracle's reason as mta_reason when the oracle's
              status is one of sisimai's own X.0.9xx codes (a reason the
              MTA layout decided, which our recognizers set likewise);
              without it the classifier sees only the text and codes.
  --misses    list every row whose reason is wrong.
  --baseline  also score the 4.25 oracle itself.
  --feed      only print the TSV fed to the classifier (for --bench:
              tests/bounce_reason_eval.py --feed |
              build/reason/tests/bounce_reason_test --bench 1000).

Expected reasons use sisimai v5 names; older names are aliased
(mesgtoobig, exceedlimit -> emailtoolarge; speeding, toomanyconn ->
ratelimited).  Rows with an alt_reason accept either.  Status is scored
only where the expected status is a real RFC 3463 code.
"""
import argparse
import collections
import csv
import os
import subprocess
import sys

ALIAS = {"mesgtoobig": "emailtoolarge", "exceedlimit": "emailtoolarge",
         "speeding": "ratelimited", "toomanyconn": "ratelimited"}


def alias(r):
    return ALIAS.get(r, r)


def internal(status):
    return len(status) == 7 and status[1:5] == ".0.9"


def read_tsv(path, skip_comment=False):
    with open(path, newline="", encoding="utf-8") as f:
        lines = [l for l in f if not (skip_comment and l.startswith("#"))]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def clean(s):
    return (s or "").replace("\t", " ").replace("\n", " ").replace("\r", " ")


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(
        top, "build/reason/tests/bounce_reason_test"))
    ap.add_argument("--corpus", default=os.environ.get(
        "CORPUS", os.path.join(top, "../shared/corpus")))
    ap.add_argument("--hint", action="store_true")
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--baseline", action="store_true")
    ap.add_argument("--feed", action="store_true")
    a = ap.parse_args()

    b = os.path.join(a.corpus, "bounces")
    if not os.path.exists(os.path.join(b, "expected.tsv")):
        sys.stderr.write("no corpus at %s (--corpus DIR or $CORPUS)\n" % b)
        return 2
    if not a.feed and not os.access(a.bin, os.X_OK):
        sys.stderr.write("no %s: make B=build/reason first\n" % a.bin)
        return 2
    expected = [r for r in read_tsv(os.path.join(b, "expected.tsv"))
                if r["taxonomy"] == "sisimai" and r["rcpt_index"] != "0"]
    oracle = {(r["file"], r["rcpt_index"]): r for r in
              read_tsv(os.path.join(b, "oracle-sisimai425.tsv"), True)}

    rows, feed = [], []
    for i, e in enumerate(expected):
        o = oracle.get((e["file"], e["rcpt_index"]))
        if o is None:
            continue
        st = o["status"] if not internal(o["status"]) else ""
        hint = o["reason"] if a.hint and internal(o["status"]) else ""
        feed.append("\t".join([str(i), st, o["replycode"],
                               clean(o["diagnosticcode"]), "", "", hint,
                               o["smtpagent"].lower(), o["recipient"], "",
                               "", o["feedbacktype"]]))
        rows.append((i, e, o))
    if a.feed:
        sys.stdout.write("\n".join(feed) + "\n")
        return 0
    out = subprocess.run([a.bin, "--eval"], input="\n".join(feed) + "\n",
                         capture_output=True, text=True, check=True).stdout
    got = {}
    for line in out.splitlines():
        f = line.split("\t")
        got[int(f[0])] = f

    tot = collections.Counter()
    per = collections.defaultdict(collections.Counter)
    misses = []
    for i, e, o in rows:
        g = got[i]
        want = {alias(e["reason"])}
        if e["alt_reason"]:
            want.add(alias(e["alt_reason"]))
        has_diag = bool(o["diagnosticcode"].strip())
        ok = g[1] in want
        base = alias(o["reason"]) in want
        keys = ["all"] + (["diag"] if has_diag else [])
        for k in keys:
            tot[k + "_n"] += 1
            tot[k + "_ok"] += ok
            tot[k + "_base"] += base
        per[e["module"]]["n"] += 1
        per[e["module"]]["ok"] += ok
        if e["status"] and not internal(e["status"]):
            tot["st_n"] += 1
            tot["st_ok"] += g[3] == e["status"]
        if e["replycode"] not in ("*",):
            tot["rc_n"] += 1
            tot["rc_ok"] += (g[4] if g[4] != "0" else "") == e["replycode"]
        if e["hardbounce"] in ("0", "1"):
            tot["hb_n"] += 1
            tot["hb_ok"] += g[2] == e["hardbounce"]
        if not ok:
            misses.append((e, o, g))

    def pct(k):
        return "%d/%d = %.1f%%" % (tot[k + "_ok"], tot[k + "_n"],
                                   100.0 * tot[k + "_ok"] / max(1, tot[k + "_n"]))

    print("sisimai rows joined with the 4.25 oracle: %d (of %d)"
          % (len(rows), len(expected)))
    print("reason, diagnostic present: " + pct("diag"))
    print("reason, all rows:           " + pct("all"))
    print("status (real codes):        " + pct("st"))
    print("reply code:                 " + pct("rc"))
    print("hard bounce:                " + pct("hb"))
    if a.baseline:
        print("4.25 oracle reason, diagnostic present: %d/%d = %.1f%%" % (
            tot["diag_base"], tot["diag_n"],
            100.0 * tot["diag_base"] / max(1, tot["diag_n"])))
    if a.misses:
        for e, o, g in misses:
            print("MISS %s #%s want=%s%s got=%s rule=%s status=%s/%s"
                  " | %s" % (
                      e["file"].split("/")[-1], e["rcpt_index"], e["reason"],
                      "|" + e["alt_reason"] if e["alt_reason"] else "",
                      g[1], g[5], o["status"], e["status"],
                      o["diagnosticcode"][:160]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
