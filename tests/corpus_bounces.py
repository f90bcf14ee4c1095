#!/usr/bin/env python3
"""corpus_bounces.py - score `mailsift parse` on the bounce corpus.

    tests/corpus_bounces.py [--mailsift BIN] [--corpus DIR] [--floor FILE]
                            [--show-misses N] [--module NAME]

Reads CORPUS/bounces/expected.tsv as the corpus README says (plain TSV,
quoting disabled, matched by file and rcpt_index), runs one `mailsift parse
--format json` over every bounce file, and prints, per source and per
sisimai module: rows, recipient found %, reason %, status %, reply code %.
The same scores for oracle-sisimai425.tsv (Sisimai 4.25) are printed as the
baseline.  With --floor, exits 1 when a sisimai-rows score falls below the
floor (reason, status) or a not-bounce mail yields a bounce.

Scoring rules:
  - status is scored only where the expectation is a real RFC 3463 code
    (not empty, not sisimai's internal X.0.9xx);
  - old reason names are aliased to the v5 words (mesgtoobig and
    exceedlimit -> emailtoolarge, toomanyconn and speeding -> ratelimited);
  - a row whose alt_* column (p5-sisimai v5.1) disagrees with the main one
    is ambiguous: either answer is accepted;
  - bounceparser rows score std_reason through a mapping from our reasons;
  - not/ files and is_bounce=0 rows must yield no bounce (an auto-reply
    is not a bounce);
  - dos/ files without a row of their own score recipients only, against
    the 4.25 oracle.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys

ALIASES = {
    "mesgtoobig": "emailtoolarge", "exceedlimit": "emailtoolarge",
    "toomanyconn": "ratelimited", "speeding": "ratelimited",
}

# Our v5 reasons in BounceParser's std_reason words.
BOUNCEPARSER = {
    "userunknown": "user_unknown", "hasmoved": "user_unknown",
    "mailboxfull": "over_quota", "systemfull": "over_quota",
    "suspend": "user_disabled",
    "hostunknown": "domain_error", "norelaying": "domain_error",
    "spamdetected": "spam", "blocked": "spam", "filtered": "spam",
    "policyviolation": "spam", "badreputation": "spam",
    "virusdetected": "spam", "contenterror": "spam",
    "emailtoolarge": "message_too_large",
}

REAL_STATUS = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")


def alias(reason):
    return ALIASES.get(reason, reason) if reason else reason


def real_status(s):
    if not s or not REAL_STATUS.match(s):
        return False
    parts = s.split(".")
    return not (parts[1] == "0" and len(parts[2]) == 3 and parts[2][0] == "9")


def read_expected(path):
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        head = None
        for line in f:
            cells = line.rstrip("\n").split("\t")
            if head is None:
                head = cells
                continue
            row = dict(zip(head, cells))
            rows.append(row)
    return rows


def read_oracle(path):
    """{(file, index): {recipient, reason, status, replycode}}; files with
    rcpt_index 0 map to an empty dict entry under (file, 0)."""
    out = {}
    with open(path, encoding="utf-8", newline="") as f:
        head = None
        for line in f:
            if line.startswith("#"):
                continue
            cells = line.rstrip("\n").split("\t")
            if head is None:
                head = cells
                continue
            row = dict(zip(head, cells))
            out[(row["file"], int(row["rcpt_index"] or 0))] = row
    return out


def run_mailsift(binary, corpus, files):
    """{(file, index): line object}, {file: [kinds]}"""
    lines, kinds = {}, collections.defaultdict(list)
    proc = subprocess.run([binary, "parse", "--format", "json"] + files,
                          cwd=corpus, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False)
    for raw in proc.stdout.decode("utf-8").splitlines():
        o = json.loads(raw)
        f = o.get("file")
        kinds[f].append(o["kind"])
        if o["kind"] in ("bounce", "feedback", "autoreply"):
            lines[(f, o.get("rcpt_index", 1))] = {
                "recipient": o.get("recipient"),
                "reason": o.get("reason"),
                "status": o.get("status"),
                "replycode": "" if o.get("reply_code") is None
                else str(o.get("reply_code")),
                "kind": o["kind"],
                "format": o.get("format"),
                "rule": o.get("rule"),
                "diagnostic": o.get("diagnostic_code"),
            }
    return lines, kinds


class Score:
    def __init__(self):
        self.rows = self.rcpt = 0
        self.reason_n = self.reason = 0
        self.status_n = self.status = 0
        self.code_n = self.code = 0

    def pct(self, a, n):
        return "%5.1f" % (100.0 * a / n) if n else "    -"

    def cells(self):
        return "%5d %s %s(%3d) %s(%3d) %s(%3d)" % (
            self.rows, self.pct(self.rcpt, self.rows),
            self.pct(self.reason, self.reason_n), self.reason_n,
            self.pct(self.status, self.status_n), self.status_n,
            self.pct(self.code, self.code_n), self.code_n)


HEAD = "%-28s %5s %5s %11s %11s %11s" % (
    "", "rows", "rcpt%", "reason%(n)", "status%(n)", "code%(n)")


def score_sisimai(row, got, s, misses):
    """One sisimai row with rcpt_index >= 1 against got (or None)."""
    s.rows += 1
    if got and got.get("recipient"):
        s.rcpt += 1
    want = alias(row["reason"])
    alt = alias(row.get("alt_reason") or "")
    if want != "*":
        s.reason_n += 1
        ours = alias(got.get("reason")) if got else None
        ok = ours == want or bool(alt and alt != "*" and ours == alt)
        s.reason += ok
        if not ok:
            misses.append(("reason", row, got))
    st = row["status"]
    if real_status(st):
        s.status_n += 1
        ours = got.get("status") if got else None
        alt = row.get("alt_status") or ""
        ok = ours == st or (real_status(alt) and ours == alt)
        s.status += ok
        if not ok:
            misses.append(("status", row, got))
    if row["replycode"] != "*":
        s.code_n += 1
        ours = got.get("replycode") if got else None
        alt = row.get("alt_replycode") or ""
        s.code += ours == row["replycode"] or (alt not in ("", "*") and
                                               ours == alt)


def score_bounceparser(row, got, s):
    s.rows += 1
    want_rcpt = row["recipients"]
    if got and got.get("recipient") and (
            want_rcpt in ("*", "") or
            got["recipient"].lower() in want_rcpt.lower().split(",")):
        s.rcpt += 1
    if row["reason"] not in ("*",):
        s.reason_n += 1
        ours = BOUNCEPARSER.get(alias(got.get("reason")), "unknown") \
            if got else None
        s.reason += ours == row["reason"]
    if row["replycode"] != "*":
        s.code_n += 1
        s.code += (got.get("replycode") if got else None) == row["replycode"]


def evaluate(lines, kinds, expected, oracle, show, module_filter):
    """Returns (scores by source, by module, sisimai total, false
    positives list, misses)."""
    by_source = collections.defaultdict(Score)
    by_module = collections.defaultdict(Score)
    total = Score()
    fps, misses = [], []
    have_rows = set()
    for row in expected:
        f = row["file"]
        if row["taxonomy"] == "none" and row.get("is_bounce") != "0":
            continue    # no expectation: scored against the oracle below
        have_rows.add(f)
        idx = int(row["rcpt_index"]) if row["rcpt_index"].isdigit() else None
        src = row["source"]
        if row.get("is_bounce") == "0" or "/not/" in f or idx == 0:
            bounce = "bounce" in kinds.get(f, []) or (
                "/not/" in f and any(k != "none" for k in kinds.get(f, [])))
            if bounce:
                fps.append(f)
            by_source[src + " not-bounce"].rows += 1
            by_source[src + " not-bounce"].rcpt += not bounce
            continue
        if idx is None:
            continue
        got = lines.get((f, idx))
        if src == "sisimai" and row["taxonomy"] == "sisimai":
            if module_filter and row["module"] != module_filter:
                continue
            score_sisimai(row, got, by_module[row["module"]], [])
            score_sisimai(row, got, by_source[src], misses)
            score_sisimai(row, got, total, [])
        elif src == "bounceparser" and row["taxonomy"] == "bounceparser":
            score_bounceparser(row, got, by_source[src])
    # Files with no upstream expectation (dos/, flanker, PHP-Bounce-
    # Handler): recipients against the 4.25 oracle.
    for (f, idx), o in sorted(oracle.items()):
        if f in have_rows or idx == 0 or not o.get("recipient"):
            continue
        got = lines.get((f, idx))
        src = f.split("/")[1]
        src = "sisimai" if src == "go-sisimai" else src
        s = by_source[src + " (oracle rcpt)"]
        s.rows += 1
        s.rcpt += bool(got and got.get("recipient") and
                       got["recipient"].lower() == o["recipient"].lower())
    return by_source, by_module, total, fps, misses


def oracle_lines(oracle):
    out = {}
    for key, o in oracle.items():
        if key[1] == 0:
            continue
        out[key] = {"recipient": o.get("recipient"), "reason":
                    o.get("reason"), "status": o.get("status"),
                    "replycode": o.get("replycode", "")}
    return out


def oracle_kinds(oracle):
    kinds = collections.defaultdict(list)
    for (f, idx), o in oracle.items():
        kinds[f].append("none" if idx == 0 else (
            "autoreply" if o.get("reason") == "vacation" else "bounce"))
    return kinds


def print_table(title, table):
    print("# " + title)
    print("# " + HEAD)
    for name in sorted(table):
        print("# %-28s %s" % (name[:28], table[name].cells()))


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser()
    ap.add_argument("--mailsift", default=os.environ.get(
        "MAILSIFT", os.path.join(top, "build", "mailsift")))
    ap.add_argument("--corpus", default=os.environ.get(
        "CORPUS", os.path.join(top, "..", "shared", "corpus")))
    ap.add_argument("--floor")
    ap.add_argument("--show-misses", type=int, default=0)
    ap.add_argument("--module")
    args = ap.parse_args()

    corpus = os.path.abspath(args.corpus)
    expected = read_expected(os.path.join(corpus, "bounces", "expected.tsv"))
    oracle = read_oracle(os.path.join(corpus, "bounces",
                                      "oracle-sisimai425.tsv"))
    files = sorted({r["file"] for r in expected} | {k[0] for k in oracle})
    files = [f for f in files if os.path.isfile(os.path.join(corpus, f))]
    lines, kinds = run_mailsift(os.path.abspath(args.mailsift), corpus, files)

    src, mod, total, fps, misses = evaluate(lines, kinds, expected, oracle,
                                            args.show_misses, args.module)
    print_table("mailsift, per source", src)
    print_table("mailsift, per sisimai module", mod)
    print("# mailsift sisimai rows: " + total.cells())
    print("# not-bounce false positives: %d %s" % (len(fps), " ".join(fps)))

    osrc, _, ototal, ofps, _ = evaluate(oracle_lines(oracle),
                                        oracle_kinds(oracle), expected,
                                        oracle, 0, args.module)
    print("# baseline sisimai 4.25 sisimai rows: " + ototal.cells())
    for m in misses[:args.show_misses]:
        what, row, got = m
        print("# miss %s %s #%s want %s/%s got %s" % (
            what, row["file"], row["rcpt_index"], row["reason"],
            row["status"], json.dumps(got)))

    reason = 100.0 * total.reason / total.reason_n if total.reason_n else 0
    status = 100.0 * total.status / total.status_n if total.status_n else 0
    print("# sisimai_reason %.1f" % reason)
    print("# sisimai_status %.1f" % status)
    print("# not_bounce_false_positives %d" % len(fps))
    if not args.floor:
        return 0
    floors = {}
    with open(args.floor, encoding="utf-8") as f:
        for line in f:
            line = line.split("#")[0].split()
            if len(line) == 2:
                floors[line[0]] = float(line[1])
    failed = 0
    checks = [("reason", reason, ">="), ("status", status, ">="),
              ("not_bounce_false_positives", len(fps), "<=")]
    for name, value, op in checks:
        if name not in floors:
            continue
        ok = value >= floors[name] if op == ">=" else value <= floors[name]
        print("%s - %s %.1f %s %.1f" % ("ok" if ok else "not ok", name,
                                         value, op, floors[name]))
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
