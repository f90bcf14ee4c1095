#!/usr/bin/env python3
"""corpus_reports.py - TLS report and ARF corpus conformance of `mailsift parse`.

  corpus_reports.py --kind tlsrpt|arf --mailsift BIN --corpus DIR
  corpus_reports.py --kind tlsrpt|arf --corpus DIR --self-test

Runs `mailsift parse --format json` on every file of CORPUS/<kind>/<source>/
and compares its objects with the oracle's CORPUS/<kind>/expected/<source>/
<file>.json, field by field:

  tlsrpt, status ok    one "tls_report" object per expected report, in
                       order, every RFC 8460 field exact (times compared as
                       instants, IP addresses as addresses, an absent list
                       as an empty one);
  arf, status ok       a "feedback" object whose ARF fields equal every
                       field of the expected "feedback" (names as in RFC
                       5965 with '-' written '_'; Received-Date is
                       Arrival-Date's older name; Source-IP compared as the
                       address it names), the names of the unknown fields,
                       and the returned message's From, To, Subject,
                       Message-ID and Date (folding white space unfolded);
  arf, status error    ("not an ARF report") no object read from a
                       feedback-report part: the reader may still take a
                       plain-text report for what it states;
  every file           parse exits 0 or 65 and prints only JSON lines.

--self-test feeds the comparator objects built from the expected files,
expects no mismatch, then mutates them and expects each mutation caught.
Prints TAP lines; exits 1 on any failure.  Python standard library only.
"""

import argparse
import copy
import datetime
import ipaddress
import json
import os
import re
import subprocess
import sys

MAX_DIFF_LINES = 12


def ws(v):
    """Header text: folding white space unfolded, ends trimmed."""
    if isinstance(v, str):
        return re.sub(r"\s+", " ", v).strip()
    return v


def instant(v):
    if not isinstance(v, str):
        return v
    try:
        return datetime.datetime.fromisoformat(
            v.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return v


def address(v):
    """An IP address as itself; a value that names one with a comment
    ("192.0.2.1 (host.example)") as the address it names."""
    if not isinstance(v, str):
        return v
    m = re.match(r"\s*\[?([0-9A-Fa-f:.]+)\]?", v)
    try:
        return ipaddress.ip_address(m.group(1) if m else v)
    except ValueError:
        return v


def as_list(v):
    return [] if v is None else v


def diff(path, want, got, out):
    if want != got:
        out.append("%s: want %r, got %r" % (path, want, got))


# ---------------------------------------------------------------------------
# TLS reports

FAILURE_FIELDS = [("result-type", None), ("sending-mta-ip", address),
                  ("receiving-mx-hostname", None),
                  ("receiving-mx-helo", None), ("receiving-ip", address),
                  ("failed-session-count", None),
                  ("additional-information", None),
                  ("failure-reason-code", None)]


def key(name):
    return name.replace("-", "_")


def compare_tls(want, got, path, out):
    for f in ("organization-name", "report-id", "contact-info"):
        diff(path + f, want.get(f), got.get(key(f)), out)
    for f in ("start-datetime", "end-datetime"):
        diff(path + f, instant(want.get(f)), instant(got.get(key(f))), out)
    wp, gp = want.get("policies", []), got.get("policies") or []
    diff(path + "policies", len(wp), len(gp), out)
    for i, (w, g) in enumerate(zip(wp, gp)):
        p = "%spolicies[%d]." % (path, i)
        for f in ("policy-type", "policy-domain",
                  "total-successful-session-count",
                  "total-failure-session-count"):
            diff(p + f, w.get(f), g.get(key(f)), out)
        for f in ("policy-string", "mx-host"):
            diff(p + f, as_list(w.get(f)), as_list(g.get(key(f))), out)
        wf, gf = w.get("failure-details") or [], g.get("failure_details") or []
        diff(p + "failure-details", len(wf), len(gf), out)
        for j, (a, b) in enumerate(zip(wf, gf)):
            for f, conv in FAILURE_FIELDS:
                conv = conv or (lambda x: x)
                diff("%sfailure-details[%d].%s" % (p, j, f),
                     conv(a.get(f)), conv(b.get(key(f))), out)


def check_tls(expected, objs, out):
    reports = [o for o in objs if o.get("kind") == "tls_report"]
    if expected["status"] != "ok":
        if reports:
            out.append("want no report (%s), got %d" %
                       (expected.get("error"), len(reports)))
        return
    want = expected.get("reports", [])
    diff("reports", len(want), len(reports), out)
    for i, (w, g) in enumerate(zip(want, reports)):
        compare_tls(w, g, "reports[%d]." % i, out)


def tls_object(report):
    """What mailsift should print for an expected report (self-test)."""
    o = {"kind": "tls_report"}
    for f in ("organization-name", "report-id", "contact-info",
              "start-datetime", "end-datetime"):
        o[key(f)] = report.get(f)
    o["policies"] = []
    for p in report.get("policies", []):
        q = {key(f): v for f, v in p.items() if f != "failure-details"}
        q["failure_details"] = [{key(f): v for f, v in d.items()}
                                for d in p.get("failure-details") or []]
        o["policies"].append(q)
    return o


# ---------------------------------------------------------------------------
# ARF reports

LIST_FIELDS = {"original-rcpt-to", "authentication-results",
               "reported-domain", "reported-uri"}
ORIGINAL_FIELDS = ("from", "to", "subject", "message_id", "date")


def arf_key(name):
    return "arrival_date" if name == "received-date" else key(name)


def compare_arf(want, got, out):
    fb = want.get("feedback") or {}
    for f, v in fb.items():
        if f == "other_fields":
            # The oracle lists each unknown field's name once; a field
            # given twice (Redacted-Address) is two pairs for us.
            names = sorted({x.get("name", "").lower()
                            for x in got.get("other_fields") or []})
            diff("other_fields", sorted({n.lower() for n in v}), names, out)
        elif f == "feedback-type":
            g = got.get("feedback_type")
            diff(f, v.lower(), g.lower() if isinstance(g, str) else g, out)
        elif f == "source-ip":
            diff(f, address(v), address(got.get("source_ip")), out)
        elif f == "incidents":
            diff(f, int(v), got.get("incidents"), out)
        elif f in LIST_FIELDS:
            diff(f, as_list(v), as_list(got.get(key(f))), out)
        else:
            diff(f, ws(v), ws(got.get(arf_key(f))), out)
    orig = want.get("original")
    if orig is not None:
        g = got.get("original") or {}
        for f in ORIGINAL_FIELDS:
            diff("original." + f, ws(orig.get(f)), ws(g.get(f)), out)


def check_arf(expected, objs, out):
    feedback = [o for o in objs if o.get("kind") == "feedback"]
    from_part = [o for o in feedback if o.get("arf_format") == "arf"]
    if expected["status"] != "ok":
        if from_part:
            out.append("want no feedback-report part read (%s), got %s" %
                       (expected.get("error"), from_part[0].get("arf_format")))
        return
    if not from_part:
        out.append("no feedback object read from a feedback-report part "
                   "(got kinds %s)" % sorted({o.get("kind") for o in objs}))
        return
    for o in from_part:
        compare_arf(expected, o, out)


def arf_object(expected):
    o = {"kind": "feedback", "arf_format": "arf", "other_fields": []}
    for f, v in (expected.get("feedback") or {}).items():
        if f == "other_fields":
            o["other_fields"] = [{"name": n, "value": "x"} for n in v]
        elif f == "incidents":
            o["incidents"] = int(v)
        else:
            o[arf_key(f)] = v
    o["original"] = dict(expected.get("original") or {})
    return o


# ---------------------------------------------------------------------------

def run_parse(mailsift, path):
    p = subprocess.run([mailsift, "parse", "--format", "json", path],
                       capture_output=True, timeout=120)
    objs, bad = [], []
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        try:
            objs.append(json.loads(line))
        except ValueError:
            bad.append(line[:200])
    return p.returncode, objs, bad


def files(corpus, kind):
    base = os.path.join(corpus, kind)
    for source in sorted(os.listdir(base)):
        if source == "expected":
            continue
        for name in sorted(os.listdir(os.path.join(base, source))):
            path = os.path.join(base, source, name)
            exp = os.path.join(base, "expected", source, name + ".json")
            if os.path.isfile(path) and os.path.isfile(exp):
                yield "%s/%s" % (source, name), path, exp


def self_test(corpus, kind):
    check = check_tls if kind == "tlsrpt" else check_arf
    failed = n = 0
    for label, _, exp in files(corpus, kind):
        expected = json.load(open(exp, encoding="utf-8"))
        if expected["status"] != "ok":
            continue
        if kind == "tlsrpt":
            objs = [tls_object(r) for r in expected.get("reports", [])]
        else:
            objs = [arf_object(expected)]
        out = []
        check(expected, objs, out)
        n += 1
        if out:
            failed += 1
            print("not ok - self-test %s: %s: the exact objects mismatch: %s"
                  % (kind, label, out[0]))
            continue
        # Every mutation of one value must be caught.
        mutated = caught = 0
        for i, o in enumerate(objs):
            for k, v in o.items():
                if k in ("kind", "arf_format") or v == {}:
                    continue	# {}: no original expected, none compared
                m = copy.deepcopy(objs)
                m[i][k] = ("9" + v if isinstance(v, str) else
                           v + 1 if isinstance(v, int) else
                           (v + [{"name": "zz"}] if k == "other_fields"
                            else v + ["zz"]) if isinstance(v, list) else
                           {**v, "subject": "zz"} if isinstance(v, dict) else
                           "zz")
                out = []
                check(expected, m, out)
                mutated += 1
                caught += bool(out)
        ok = caught == mutated
        failed += not ok
        print("%s - self-test %s: %s: %d of %d mutations caught"
              % ("ok" if ok else "not ok", kind, label, caught, mutated))
    print("# self-test %s: %d files, %d failed" % (kind, n, failed))
    return failed == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", choices=("tlsrpt", "arf"), required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--mailsift")
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    if a.self_test:
        return 0 if self_test(a.corpus, a.kind) else 1
    check = check_tls if a.kind == "tlsrpt" else check_arf
    total = exact = errors = failed = 0
    for label, path, exp in files(a.corpus, a.kind):
        expected = json.load(open(exp, encoding="utf-8"))
        rc, objs, bad = run_parse(a.mailsift, path)
        out = []
        if rc not in (0, 65):
            out.append("parse exited %d" % rc)
        if bad:
            out.append("not JSON: %s" % bad[0])
        check(expected, objs, out)
        total += 1
        what = ("exact" if expected["status"] == "ok"
                else "not read as ARF (%s)" % expected.get("error"))
        if out:
            failed += 1
            print("not ok - corpus_%s: %s" % (a.kind, label))
            for line in out[:MAX_DIFF_LINES]:
                print("#   " + line)
        else:
            exact += expected["status"] == "ok"
            errors += expected["status"] != "ok"
            print("ok - corpus_%s: %s: %s" % (a.kind, label, what))
    print("# corpus_%s: %d files, %d ok-exact, %d error-handled, %d failed"
          % (a.kind, total, exact, errors, failed))
    return 1 if failed or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
