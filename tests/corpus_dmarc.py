#!/usr/bin/env python3
"""corpus_dmarc.py - DMARC corpus conformance test for mailsift.

Ingests every file under CORPUS/dmarc/ (except expected/) one at a time,
then compares what the database holds with the oracle's expected JSON
(CORPUS/dmarc/expected/<source>/<file>.json):

  status "ok"     every report exact: metadata, policy, records in order with
                  their dkim/spf/reason rows, and per-source-IP sums.
  status "error"  rejected (quarantined / not_report with a reason), or
                  stored and then exactly the oracle's lenient_reports.
  every file      mailsift exits 0 and writes an ingest_log row.
  at the end      re-ingesting the whole corpus stores nothing new.

Prints TAP lines ("ok - ...", "not ok - ...", "# ..."); exits 1 on any
failure.  Python standard library only: PostgreSQL is queried by running
psql and parsing the JSON it prints.

  corpus_dmarc.py --mailsift BIN --corpus DIR --db DBNAME   (the real test)
  corpus_dmarc.py --corpus DIR --self-test                   (no DB, no binary)

--self-test checks the comparator: it builds the rows mailsift should store
from each expected file (a fake database snapshot), expects no mismatch, then
mutates the snapshot in many ways and expects each mutation to be caught.
"""

import argparse
import copy
import datetime
import ipaddress
import json
import math
import os
import subprocess
import sys

INGEST_TIMEOUT = 300		# seconds for one `mailsift ingest`
MAX_DIFF_LINES = 12		# mismatches printed per file
EXIT_NAMES = {64: "usage", 75: "db unavailable", 78: "config"}

# What the test reads from each view; a missing one is reported up front.
REQUIRED_COLUMNS = {
    "ingest_log_v": ["id", "source", "outcome", "reason", "reports_stored",
                     "reports_duplicate"],
    "dmarc_report_v": ["report_pk", "ingest_id", "org_name", "email",
                       "report_id", "policy_domain", "date_begin", "date_end",
                       "p", "sp", "np", "pct", "adkim", "aspf", "fo",
                       "testing", "discovery_method", "errors", "generator",
                       "version", "records", "messages"],
    "dmarc_record_v": ["report_pk", "rec_no", "source_ip", "count",
                       "disposition", "policy_dkim", "policy_spf",
                       "dmarc_pass", "header_from", "envelope_from",
                       "envelope_to"],
    "dmarc_dkim_v": ["report_pk", "rec_no", "idx", "domain", "selector",
                     "result", "human_result"],
    "dmarc_spf_v": ["report_pk", "rec_no", "idx", "domain", "scope",
                    "result", "human_result"],
    "dmarc_reason_v": ["report_pk", "rec_no", "idx", "type", "comment"],
}

NO_COLUMN = "<no such column>"


# ---------------------------------------------------------------------------
# Value normalization.  Both sides (expected JSON and database rows) go
# through the same functions, so equal meaning gives equal values.

def norm_text(v):
    """Free text: exact, except that a non-string is shown as a string."""
    if v is None or v == NO_COLUMN:
        return v
    if isinstance(v, str):
        return v
    return str(v)


def norm_word(v):
    """Result, disposition, alignment and policy words: case-insensitive."""
    v = norm_text(v)
    if v is None or v == NO_COLUMN:
        return v
    return v.strip().lower()


def norm_spf_result(v):
    """SPF result word; mailsift may store "hardfail" as "fail"."""
    v = norm_word(v)
    if v == "hardfail":
        return "fail"
    return v


def norm_ip(v):
    """Canonical IP text; missing, empty or invalid is None (SQL NULL)."""
    if v is None or v == NO_COLUMN:
        return v
    s = str(v).strip()
    if s == "":
        return None
    try:
        return str(ipaddress.ip_address(s))
    except ValueError:
        pass
    try:
        # inet with a netmask, e.g. "192.0.2.0/24": keep it, it will differ
        return str(ipaddress.ip_interface(s))
    except ValueError:
        return None


def norm_int(v):
    """Integers (pct, count); a non-numeric value is kept as text."""
    if v is None or v == NO_COLUMN or isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    try:
        return int(str(v).strip())
    except ValueError:
        return str(v)


def norm_epoch(v):
    """Timestamps as whole epoch seconds.

    Expected values are numbers (possibly fractional); database values are
    timestamptz as JSON text ("2018-02-09T00:00:00+00:00")."""
    if v is None or v == NO_COLUMN or isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return math.floor(v)
    s = str(v).strip()
    try:
        return math.floor(float(s))
    except ValueError:
        pass
    try:
        dt = datetime.datetime.fromisoformat(s)
    except ValueError:
        return s
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return math.floor(dt.timestamp())


def norm_errors(v):
    """<error> texts; no errors may be stored as NULL or as {}."""
    if v == NO_COLUMN:
        return v
    if v is None:
        return []
    return [norm_text(x) for x in v]


def ip_key(ip):
    """Key for per_source_ip: the canonical IP, or "(null)"."""
    return "(null)" if ip is None else ip


# ---------------------------------------------------------------------------
# Canonical form of one report: a nested dict that is equal for the expected
# JSON and the database exactly when mailsift is right.

def canon_policy(get):
    return {
        "domain": norm_text(get("domain")),
        "adkim": norm_word(get("adkim")),
        "aspf": norm_word(get("aspf")),
        "p": norm_word(get("p")),
        "sp": norm_word(get("sp")),
        "pct": norm_int(get("pct")),
        "fo": norm_text(get("fo")),
        "np": norm_word(get("np")),
        "testing": norm_word(get("testing")),
        "discovery_method": norm_word(get("discovery_method")),
    }


def canon_dkim(d):
    return {"domain": norm_text(d.get("domain")),
            "selector": norm_text(d.get("selector")),
            "result": norm_word(d.get("result")),
            "human_result": norm_text(d.get("human_result"))}


def canon_spf(d):
    return {"domain": norm_text(d.get("domain")),
            "scope": norm_word(d.get("scope")),
            "result": norm_spf_result(d.get("result")),
            "human_result": norm_text(d.get("human_result"))}


def canon_reason(d):
    return {"type": norm_word(d.get("type")),
            "comment": norm_text(d.get("comment"))}


def canon_record(rec):
    """rec uses the expected JSON's names; the DB side is renamed first."""
    return {
        "source_ip": norm_ip(rec.get("source_ip")),
        "count": norm_int(rec.get("count")),
        "disposition": norm_word(rec.get("disposition")),
        "policy_dkim": norm_word(rec.get("policy_dkim")),
        "policy_spf": norm_word(rec.get("policy_spf")),
        "reasons": [canon_reason(x) for x in rec.get("reasons") or []],
        "header_from": norm_text(rec.get("header_from")),
        "envelope_from": norm_text(rec.get("envelope_from")),
        "envelope_to": norm_text(rec.get("envelope_to")),
        "dkim": [canon_dkim(x) for x in rec.get("dkim") or []],
        "spf": [canon_spf(x) for x in rec.get("spf") or []],
    }


def canon_expected_report(r, with_extra):
    """Canonical form of one report of the expected JSON."""
    pp = r.get("policy_published") or {}
    c = {
        "org_name": norm_text(r.get("org_name")),
        "email": norm_text(r.get("email")),
        "report_id": norm_text(r.get("report_id")),
        "date_begin": norm_epoch(r.get("date_begin")),
        "date_end": norm_epoch(r.get("date_end")),
        "errors": norm_errors(r.get("errors")),
        "generator": norm_text(r.get("generator")),
        "version": norm_text(r.get("version")),
        "policy_published": canon_policy(pp.get),
        "record_count": norm_int(r.get("record_count")),
        "count_sum": norm_int(r.get("count_sum")),
        "records": [canon_record(x) for x in r.get("records") or []],
    }
    if with_extra:
        c["extra_contact_info"] = norm_text(r.get("extra_contact_info"))
    psi = {}
    for ip, sums in (r.get("per_source_ip") or {}).items():
        k = ip_key(norm_ip(ip))
        acc = psi.setdefault(k, {"count": 0, "dmarc_pass": 0, "dmarc_fail": 0})
        for name in acc:
            acc[name] += norm_int(sums.get(name)) or 0
    c["per_source_ip"] = psi
    return c


def canon_db_report(rep, records, with_extra):
    """Canonical form of one stored report.

    rep is a dmarc_report_v row; records are its dmarc_record_v rows, each
    with "dkim", "spf" and "reasons" lists attached (see assemble)."""
    def col(name):
        return rep.get(name, NO_COLUMN)

    c = {
        "org_name": norm_text(col("org_name")),
        "email": norm_text(col("email")),
        "report_id": norm_text(col("report_id")),
        "date_begin": norm_epoch(col("date_begin")),
        "date_end": norm_epoch(col("date_end")),
        "errors": norm_errors(col("errors")),
        "generator": norm_text(col("generator")),
        "version": norm_text(col("version")),
        "policy_published": canon_policy(
            lambda k: col("policy_domain" if k == "domain" else k)),
        "record_count": norm_int(col("records")),
        "count_sum": norm_int(col("messages")),
        "records": [canon_record(x) for x in records],
    }
    if with_extra:
        c["extra_contact_info"] = norm_text(col("extra_contact_info"))
    psi = {}
    for rec in records:
        k = ip_key(norm_ip(rec.get("source_ip")))
        acc = psi.setdefault(k, {"count": 0, "dmarc_pass": 0, "dmarc_fail": 0})
        n = norm_int(rec.get("count"))
        n = n if isinstance(n, int) else 0
        acc["count"] += n
        # as SQL would sum it: NULL dmarc_pass counts neither way
        if rec.get("dmarc_pass") is True:
            acc["dmarc_pass"] += n
        elif rec.get("dmarc_pass") is False:
            acc["dmarc_fail"] += n
    c["per_source_ip"] = psi
    return c


def db_consistency(c):
    """Checks inside one stored report: the counters in dmarc_report_v agree
    with its records.  Returns mismatches like diff()."""
    out = []
    n = len(c["records"])
    if c["record_count"] != n:
        out.append(("records (view column) vs rows in dmarc_record_v",
                    c["record_count"], n))
    total = sum(r["count"] for r in c["records"] if isinstance(r["count"], int))
    if c["count_sum"] != total:
        out.append(("messages (view column) vs sum(count) of records",
                    c["count_sum"], total))
    return out


# ---------------------------------------------------------------------------
# Generic comparison: a list of (path, got, expected).

def diff(expected, got, path, out):
    if isinstance(expected, dict) and isinstance(got, dict):
        keys = list(expected) + [k for k in got if k not in expected]
        for k in keys:
            sub = "%s.%s" % (path, k) if path else str(k)
            if k not in got:
                out.append((sub, "<absent>", expected[k]))
            elif k not in expected:
                out.append((sub, got[k], "<absent>"))
            else:
                diff(expected[k], got[k], sub, out)
    elif isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            out.append((path + " (length)", len(got), len(expected)))
        for i in range(min(len(expected), len(got))):
            diff(expected[i], got[i], "%s[%d]" % (path, i), out)
    elif expected != got or isinstance(expected, bool) != isinstance(got, bool):
        out.append((path, got, expected))	# (True == 1 in Python)
    return out


def show(v):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 120 else s[:117] + "..."


# ---------------------------------------------------------------------------
# Database snapshot: the rows one ingest produced, as plain dicts.

def assemble(snap):
    """Attach records (with dkim/spf/reasons) to reports.

    Returns {report_pk: [record, ...]} with records in rec_no order and each
    record's sub-rows in idx order, renamed to the expected JSON's names."""
    subs = {}
    for kind in ("dkim", "spf", "reasons"):
        for row in sorted(snap.get(kind) or [],
                          key=lambda x: (x.get("idx") is None, x.get("idx"))):
            key = (row.get("report_pk"), row.get("rec_no"), kind)
            subs.setdefault(key, []).append(row)
    by_report = {}
    rows = sorted(snap.get("records") or [],
                  key=lambda x: (x.get("rec_no") is None, x.get("rec_no")))
    for row in rows:
        rec = dict(row)
        for kind in ("dkim", "spf", "reasons"):
            rec[kind] = subs.get((row.get("report_pk"), row.get("rec_no"),
                                  kind), [])
        by_report.setdefault(row.get("report_pk"), []).append(rec)
    extra = {}
    for row in snap.get("extra") or []:
        extra[row.get("report_pk")] = row.get("extra_contact_info")
    for rep in snap.get("reports") or []:
        if "extra_contact_info" not in rep and rep.get("report_pk") in extra:
            rep["extra_contact_info"] = extra[rep.get("report_pk")]
    return by_report


def identity_of_expected(r):
    pp = r.get("policy_published") or {}
    return (norm_text(r.get("org_name")), norm_text(r.get("report_id")),
            norm_text(pp.get("domain")), norm_epoch(r.get("date_begin")),
            norm_epoch(r.get("date_end")))


def identity_of_db(rep):
    return (norm_text(rep.get("org_name")), norm_text(rep.get("report_id")),
            norm_text(rep.get("policy_domain")), norm_epoch(rep.get("date_begin")),
            norm_epoch(rep.get("date_end")))


def match_reports(expected, snap, ingest_ids, allow_identity):
    """Pair expected reports with stored ones.

    The reports this ingest stored are matched by report_id + org_name, then
    by report_id alone (so a wrong org_name shows as a field mismatch).  When
    the ingest logged duplicates, an expected report not found among them is
    looked up among all fetched reports (those with its report_id) by its
    identity, then by report_id + org_name.
    Returns (pairs, missing_expected, unexpected_db)."""
    own = own_reports(snap, ingest_ids)
    every = list(snap.get("reports") or [])
    pool = list(own)
    pairs = [None] * len(expected)

    def take(i, pred):
        for r in pool:
            if pred(r):
                pool.remove(r)
                pairs[i] = (expected[i], r)
                return True
        return False

    for i, e in enumerate(expected):
        take(i, lambda r: norm_text(r.get("report_id")) == norm_text(e.get("report_id"))
             and norm_text(r.get("org_name")) == norm_text(e.get("org_name")))
    for i, e in enumerate(expected):
        if pairs[i] is None:
            take(i, lambda r: norm_text(r.get("report_id")) == norm_text(e.get("report_id")))
    if allow_identity:
        # the earlier copy: same identity, else (so that its wrong fields
        # show) the same report_id and org_name
        for i, e in enumerate(expected):
            same_id = [r for r in every
                       if norm_text(r.get("report_id")) == norm_text(e.get("report_id"))]
            for r in same_id:
                if pairs[i] is None and identity_of_db(r) == identity_of_expected(e):
                    pairs[i] = (e, r)
            for r in same_id:
                if pairs[i] is None and \
                        norm_text(r.get("org_name")) == norm_text(e.get("org_name")):
                    pairs[i] = (e, r)
    missing = [expected[i] for i in range(len(expected)) if pairs[i] is None]
    return [p for p in pairs if p is not None], missing, pool


def own_reports(snap, ingest_ids):
    """The stored reports linked to these ingest_log ids."""
    return [r for r in snap.get("reports") or [] if r.get("ingest_id") in ingest_ids]


def compare_reports(expected, snap, ingest_ids, n_stored, n_duplicate,
                    with_extra):
    """All mismatches between a list of expected reports and the snapshot.
    n_stored, n_duplicate: the ingest_log counters."""
    out = []
    own = own_reports(snap, ingest_ids)
    if n_stored != len(own):
        out.append(("ingest_log.reports_stored vs reports linked to the ingest",
                    n_stored, len(own)))
    if len(own) + n_duplicate != len(expected):
        out.append(("report_count (stored by this ingest + duplicates)",
                    "%d + %d" % (len(own), n_duplicate), len(expected)))
    by_report = assemble(snap)
    pairs, missing, extra = match_reports(expected, snap, ingest_ids,
                                          n_duplicate > 0)
    for e in missing:
        out.append(("report %s/%s" % (e.get("org_name"), e.get("report_id")),
                    "<not in database>", "present"))
    for r in extra:
        out.append(("report %s/%s" % (r.get("org_name"), r.get("report_id")),
                    "stored", "<not expected>"))
    for e, r in pairs:
        label = "report[%s/%s]" % (e.get("org_name"), e.get("report_id"))
        want = canon_expected_report(e, with_extra)
        got = canon_db_report(r, by_report.get(r.get("report_pk"), []),
                              with_extra)
        diff(want, got, label, out)
        for path, g, w in db_consistency(got):
            out.append(("%s.%s" % (label, path), g, w))
    return out


# ---------------------------------------------------------------------------
# One file: judge the ingest and the stored content.

class Verdict:
    def __init__(self):
        self.ingest_ok = True		# first TAP line: exit 0 and logged
        self.ingest_desc = ""
        self.content_ok = True		# second TAP line: content
        self.content_desc = ""
        self.kind = "fail"		# ok-exact, error-rejected, error-recovered, fail, no-expected
        self.ingest_diag = []		# "# " lines after the first
        self.diag = []			# "# " lines after the second


def summarize_log(rows):
    """Outcome, reason and counters over the ingest_log rows of one file."""
    outcomes = [r.get("outcome") for r in rows]
    reasons = [r.get("reason") for r in rows if r.get("reason")]
    stored = sum(norm_int(r.get("reports_stored")) or 0 for r in rows)
    dup = sum(norm_int(r.get("reports_duplicate")) or 0 for r in rows)
    ids = set(r.get("id") for r in rows)
    return outcomes, reasons, stored, dup, ids


def add_mismatches(v, mismatches):
    for path, got, want in mismatches[:MAX_DIFF_LINES]:
        v.diag.append("  %s: got %s, expected %s" % (path, show(got), show(want)))
    if len(mismatches) > MAX_DIFF_LINES:
        v.diag.append("  ... %d more mismatches" % (len(mismatches) - MAX_DIFF_LINES))


def judge(exp, run, snap, source, with_extra):
    """Verdict for one corpus file.

    exp: the expected JSON (None when absent); run: {"rc", "stderr"};
    snap: rows fetched after the ingest; source: the expected log source."""
    v = Verdict()
    rc = run["rc"]
    rows = snap.get("ingest") or []
    outcomes = [r.get("outcome") for r in rows]

    problems = []
    if rc != 0:
        if rc >= 128:
            problems.append("crashed (exit %d = signal %d)" % (rc, rc - 128))
        else:
            problems.append("exit %d%s" % (rc, " (%s)" % EXIT_NAMES[rc]
                                           if rc in EXIT_NAMES else ""))
    if not rows:
        problems.append("no ingest_log row")
    for r in rows:
        if r.get("source") != source:
            problems.append("ingest_log source %s, expected %s"
                            % (show(r.get("source")), show(source)))
    if problems:
        v.ingest_ok = False
        v.ingest_desc = "ingest: " + "; ".join(problems)
    else:
        v.ingest_desc = "ingest exit 0, logged %s" % ",".join(outcomes)
    stderr = ["  stderr: " + line
              for line in (run.get("stderr") or "").splitlines()[:6]]
    if rc != 0:
        v.ingest_diag += stderr

    v = judge_content(v, exp, rows, snap, with_extra)
    if not v.content_ok and rc == 0:
        v.diag += stderr
    return v


def judge_content(v, exp, rows, snap, with_extra):
    """The second half of judge(): the stored content."""
    outcomes, reasons, n_stored, n_dup, ids = summarize_log(rows)
    if exp is None:
        v.kind = "no-expected"
        v.content_desc = "no expected JSON, content not compared # SKIP"
        return v
    if not rows:
        v.content_ok = False
        v.content_desc = "nothing logged, content not compared"
        return v

    status = exp.get("status")
    reason = "; ".join(reasons)
    if status == "ok":
        want = exp.get("reports") or []
        if any(o not in ("stored", "duplicate") for o in outcomes):
            v.content_ok = False
            v.content_desc = "ok file not stored: %s (%s)" % (
                ",".join(map(str, outcomes)), reason or "no reason")
            return v
        mism = compare_reports(want, snap, ids, n_stored, n_dup, with_extra)
        nrec = sum(len(r.get("records") or []) for r in want)
        if mism:
            v.content_ok = False
            v.content_desc = "content differs from expected (%d mismatches)" % len(mism)
            add_mismatches(v, mism)
        else:
            v.kind = "ok-exact"
            v.content_desc = "%d report(s), %d record(s) exact%s" % (
                len(want), nrec, " (duplicate of an earlier file)" if n_dup else "")
        return v

    # status "error": rejected with a reason, or recovered as lenient_reports
    if all(o in ("quarantined", "not_report") for o in outcomes):
        own = own_reports(snap, ids)
        if own:
            v.content_ok = False
            v.content_desc = "rejected (%s) but %d report(s) linked to it" % (
                ",".join(outcomes), len(own))
        elif not reason.strip():
            v.content_ok = False
            v.content_desc = "rejected (%s) without a reason" % ",".join(outcomes)
        else:
            v.kind = "error-rejected"
            v.content_desc = "error file rejected (%s: %s)" % (
                ",".join(outcomes), reason.splitlines()[0][:100])
        return v
    if "lenient_reports" not in exp:
        v.content_ok = False
        v.content_desc = "error file (%s) was %s, but nothing is recoverable from it" % (
            exp.get("error"), ",".join(outcomes))
        add_mismatches(v, [("reports", "%d stored + %d duplicate" % (n_stored, n_dup), 0)])
        return v
    want = exp.get("lenient_reports") or []
    mism = compare_reports(want, snap, ids, n_stored, n_dup, with_extra)
    if mism:
        v.content_ok = False
        v.content_desc = "error file %s but differs from lenient_reports (%d mismatches)" % (
            ",".join(outcomes), len(mism))
        add_mismatches(v, mism)
    else:
        v.kind = "error-recovered"
        v.content_desc = "error file recovered exactly as lenient_reports"
    return v


# ---------------------------------------------------------------------------
# PostgreSQL through psql.

class Psql:
    def __init__(self, dbname):
        self.dbname = dbname

    def run(self, sql):
        p = subprocess.run(
            ["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-d", self.dbname,
             "-f", "-"],
            input=sql, capture_output=True, text=True, encoding="utf-8",
            errors="replace")
        if p.returncode != 0:
            raise RuntimeError("psql failed: " + p.stderr.strip())
        return p.stdout

    def json(self, sql):
        out = self.run("SET TimeZone = 'UTC';\n" + sql)
        return json.loads(out) if out.strip() else None


def lit(v):
    """SQL literal (standard_conforming_strings)."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def view_columns(db):
    rows = db.json("""SELECT coalesce(json_agg(json_build_object(
        'rel', table_name, 'col', column_name)), '[]')
        FROM information_schema.columns
        WHERE table_schema = ANY (current_schemas(false))""")
    cols = {}
    for r in rows:
        cols.setdefault(r["rel"], set()).add(r["col"])
    return cols


def extra_contact_source(cols):
    """Where extra_contact_info can be read: ("view", None), ("table", pk
    column of dmarc_report) or (None, None)."""
    if "extra_contact_info" in cols.get("dmarc_report_v", set()):
        return "view", None
    table = cols.get("dmarc_report", set())
    if "extra_contact_info" in table:
        for pk in ("report_pk", "id"):
            if pk in table:
                return "table", pk
    return None, None


def snapshot_sql(last_id, report_ids, extra):
    """One query returning every row the test compares, as one JSON value:
    the ingest_log rows after last_id, the reports they stored, and every
    report with one of report_ids (an earlier copy of a duplicate)."""
    ids = sorted(set(lit(x) for x in report_ids if x is not None))
    ident = (" OR report_id IN (%s)" % ", ".join(ids)) if ids else ""

    def rows(view, order):
        return ("(SELECT coalesce(json_agg(to_json(x) ORDER BY %s), '[]'::json)"
                " FROM %s x WHERE x.report_pk IN (SELECT report_pk FROM rep))"
                % (order, view))

    extra_sql = "'[]'::json"
    if extra[0] == "table":
        extra_sql = ("(SELECT coalesce(json_agg(json_build_object('report_pk', t.%s,"
                     " 'extra_contact_info', t.extra_contact_info)), '[]'::json)"
                     " FROM dmarc_report t WHERE t.%s IN (SELECT report_pk FROM rep))"
                     % (extra[1], extra[1]))
    return """
WITH ing AS (SELECT * FROM ingest_log_v WHERE id > %d),
rep AS (SELECT * FROM dmarc_report_v
        WHERE ingest_id IN (SELECT id FROM ing)%s)
SELECT json_build_object(
  'ingest', (SELECT coalesce(json_agg(to_json(ing) ORDER BY ing.id), '[]'::json) FROM ing),
  'reports', (SELECT coalesce(json_agg(to_json(rep) ORDER BY rep.report_pk), '[]'::json) FROM rep),
  'records', %s,
  'dkim', %s,
  'spf', %s,
  'reasons', %s,
  'extra', %s);
""" % (last_id, ident,
       rows("dmarc_record_v", "x.report_pk, x.rec_no"),
       rows("dmarc_dkim_v", "x.report_pk, x.rec_no, x.idx"),
       rows("dmarc_spf_v", "x.report_pk, x.rec_no, x.idx"),
       rows("dmarc_reason_v", "x.report_pk, x.rec_no, x.idx"),
       extra_sql)


def count_rows(db):
    """Rows in dmarc_report and dmarc_record (the views when no such table)."""
    for a, b in (("dmarc_report", "dmarc_record"),
                 ("dmarc_report_v", "dmarc_record_v")):
        try:
            out = db.run("SELECT (SELECT count(*) FROM %s) || ' ' || "
                         "(SELECT count(*) FROM %s);" % (a, b))
            n_rep, n_rec = out.split()
            return int(n_rep), int(n_rec)
        except RuntimeError:
            continue
    raise RuntimeError("cannot count dmarc_report / dmarc_record rows")


# ---------------------------------------------------------------------------
# The corpus.

def corpus_files(corpus):
    """Every file under CORPUS/dmarc except expected/, as paths relative to
    CORPUS/dmarc, sorted."""
    top = os.path.join(corpus, "dmarc")
    found = []
    for dirpath, dirnames, filenames in os.walk(top):
        rel_dir = os.path.relpath(dirpath, top)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if d != "expected"]
        dirnames.sort()
        for f in filenames:
            found.append(os.path.normpath(os.path.join(rel_dir, f)))
    return sorted(found)


def load_expected(corpus, rel):
    path = os.path.join(corpus, "dmarc", "expected", rel + ".json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def run_ingest(mailsift, dbname, path):
    try:
        p = subprocess.run([mailsift, "--db", "dbname=" + dbname, "ingest", path],
                           capture_output=True, timeout=INGEST_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"rc": 124, "stderr": "timed out after %d s" % INGEST_TIMEOUT}
    rc = p.returncode
    if rc < 0:
        rc = 128 - rc		# killed by a signal: shell convention
    return {"rc": rc, "stderr": p.stderr.decode("utf-8", "replace")}


def tap(ok, desc, diag=()):
    print("%s - corpus_dmarc: %s" % ("ok" if ok else "not ok", desc))
    for line in diag:
        print("# " + line)
    sys.stdout.flush()


def check_schema(cols):
    missing = []
    for view, names in REQUIRED_COLUMNS.items():
        if view not in cols:
            missing.append(view + " (view missing)")
            continue
        missing += ["%s.%s" % (view, c) for c in names if c not in cols[view]]
    return missing


def real_run(args):
    db = Psql(args.db)
    failures = 0
    cols = view_columns(db)
    missing = check_schema(cols)
    tap(not missing, "schema has the views and columns the test reads",
        ["missing: " + ", ".join(missing)] if missing else [])
    if any(m.endswith("(view missing)") for m in missing):
        return 1
    failures += bool(missing)
    extra = extra_contact_source(cols)
    if extra[0] is None:
        print("# extra_contact_info: no such column on dmarc_report_v or "
              "dmarc_report, not compared")
    with_extra = extra[0] is not None

    files = corpus_files(args.corpus)
    if args.only:
        files = [f for f in files if args.only in f]
    counts = {"ok-exact": 0, "error-rejected": 0, "error-recovered": 0,
              "fail": 0, "no-expected": 0}
    for rel in files:
        path = os.path.join(args.corpus, "dmarc", rel)
        exp = load_expected(args.corpus, rel)
        last_id = db.json("SELECT coalesce(max(id), 0) FROM ingest_log_v;")
        run = run_ingest(args.mailsift, args.db, path)
        report_ids = []
        if exp is not None:
            for r in (exp.get("reports") or []) + (exp.get("lenient_reports") or []):
                report_ids.append(norm_text(r.get("report_id")))
        try:
            snap = db.json(snapshot_sql(last_id, report_ids, extra))
        except RuntimeError as e:
            tap(False, "%s: cannot read back: %s" % (rel, e))
            failures += 1
            counts["fail"] += 1
            continue
        v = judge(exp, run, snap, "file:" + path, with_extra)
        tap(v.ingest_ok, "%s: %s" % (rel, v.ingest_desc), v.ingest_diag)
        tap(v.content_ok, "%s: %s" % (rel, v.content_desc), v.diag)
        if not v.ingest_ok or not v.content_ok:
            failures += 1
            counts["fail"] += 1
        else:
            counts[v.kind] += 1

    # Re-ingest of the whole corpus stores nothing new.
    before = count_rows(db)
    bad = []
    for rel in files:
        run = run_ingest(args.mailsift, args.db, os.path.join(args.corpus, "dmarc", rel))
        if run["rc"] != 0:
            first = (run["stderr"].strip().splitlines() or [""])[0]
            bad.append("%s: exit %d %s" % (rel, run["rc"], first))
    after = count_rows(db)
    diag = bad[:MAX_DIFF_LINES]
    if after != before:
        diag.append("dmarc_report %d -> %d, dmarc_record %d -> %d"
                    % (before[0], after[0], before[1], after[1]))
    ok = after == before and not bad
    tap(ok, "re-ingest of the whole corpus stores nothing new "
        "(%d reports, %d records)" % before, diag)
    failures += not ok

    print("# corpus_dmarc: %d files, %d ok-exact, %d error-rejected, "
          "%d error-recovered, %d failed%s" % (
              len(files), counts["ok-exact"], counts["error-rejected"],
              counts["error-recovered"], counts["fail"],
              ", %d without expected JSON" % counts["no-expected"]
              if counts["no-expected"] else ""))
    return 1 if failures else 0


# ---------------------------------------------------------------------------
# Self-test: a fake database built from the expected files.

def fake_snapshot(reports, ingest_id=1, first_pk=1, outcome="stored"):
    """The rows a correct mailsift would store for these expected reports,
    shaped like the snapshot query's result."""
    snap = {"ingest": [{"id": ingest_id, "source": "file:x", "outcome": outcome,
                        "reason": None, "reports_stored": len(reports),
                        "reports_duplicate": 0}],
            "reports": [], "records": [], "dkim": [], "spf": [], "reasons": [],
            "extra": []}
    for n, r in enumerate(reports):
        pk = first_pk + n
        pp = r.get("policy_published") or {}

        def ts(v):
            if v is None:
                return None
            t = datetime.datetime.fromtimestamp(math.floor(v), datetime.timezone.utc)
            return t.isoformat()

        def lower(v):
            return v.strip().lower() if isinstance(v, str) else v

        snap["reports"].append({
            "report_pk": pk, "ingest_id": ingest_id, "source": "file:x",
            "org_name": r.get("org_name"), "email": r.get("email"),
            "extra_contact_info": r.get("extra_contact_info"),
            "report_id": r.get("report_id"), "policy_domain": pp.get("domain"),
            "date_begin": ts(r.get("date_begin")), "date_end": ts(r.get("date_end")),
            "p": lower(pp.get("p")), "sp": lower(pp.get("sp")),
            "np": lower(pp.get("np")), "pct": pp.get("pct"),
            "adkim": lower(pp.get("adkim")), "aspf": lower(pp.get("aspf")),
            "fo": pp.get("fo"), "testing": lower(pp.get("testing")),
            "discovery_method": pp.get("discovery_method"),
            "errors": r.get("errors") or None, "generator": r.get("generator"),
            "version": r.get("version"), "records": len(r.get("records") or []),
            "messages": sum(x.get("count") or 0 for x in r.get("records") or []),
        })
        for i, rec in enumerate(r.get("records") or []):
            ip = norm_ip(rec.get("source_ip"))
            if ip is not None and ":" in ip:
                ip = ip.upper()		# the comparator must not care
            words = [lower(rec.get("policy_dkim")), lower(rec.get("policy_spf"))]
            snap["records"].append({
                "report_pk": pk, "rec_no": i + 1, "source_ip": ip,
                "count": rec.get("count"),
                "disposition": lower(rec.get("disposition")),
                "policy_dkim": words[0], "policy_spf": words[1],
                "dmarc_pass": "pass" in words,
                "header_from": rec.get("header_from"),
                "envelope_from": rec.get("envelope_from"),
                "envelope_to": rec.get("envelope_to")})
            for j, d in enumerate(rec.get("dkim") or []):
                snap["dkim"].append({"report_pk": pk, "rec_no": i + 1, "idx": j + 1,
                                     "domain": d.get("domain"),
                                     "selector": d.get("selector"),
                                     "result": lower(d.get("result")),
                                     "human_result": d.get("human_result")})
            for j, s in enumerate(rec.get("spf") or []):
                res = lower(s.get("result"))
                snap["spf"].append({"report_pk": pk, "rec_no": i + 1, "idx": j + 1,
                                    "domain": s.get("domain"),
                                    "scope": lower(s.get("scope")),
                                    "result": "fail" if res == "hardfail" else res,
                                    "human_result": s.get("human_result")})
            for j, x in enumerate(rec.get("reasons") or []):
                snap["reasons"].append({"report_pk": pk, "rec_no": i + 1, "idx": j + 1,
                                        "type": lower(x.get("type")),
                                        "comment": x.get("comment")})
    # shuffle row order: the comparator must sort by rec_no / idx
    for k in ("records", "dkim", "spf", "reasons"):
        snap[k].reverse()
    return snap


def mutations(snap):
    """(name, mutated snapshot) pairs, each of which must be caught."""
    out = []

    def mut(name, fn):
        s = copy.deepcopy(snap)
        if fn(s) is not False:
            out.append((name, s))

    def first(rows, pred=lambda x: True):
        for r in rows:
            if pred(r):
                return r
        return None

    def set_field(rows, field, value, pred=lambda x: True):
        def fn(s):
            r = first(s[rows], lambda x: pred(x) and x.get(field) != value)
            if r is None:
                return False
            r[field] = value
        return fn

    def shift_date(s):
        r = s["reports"][0]
        t = norm_epoch(r["date_begin"]) + 1
        r["date_begin"] = datetime.datetime.fromtimestamp(
            t, datetime.timezone.utc).isoformat()

    def bump_count(s):
        r = first(s["records"], lambda x: isinstance(x.get("count"), int))
        if r is None:
            return False
        r["count"] += 1

    def drop(kind):
        def fn(s):
            if not s[kind]:
                return False
            s[kind].pop()
        return fn

    def swap_records(s):
        recs = sorted([r for r in s["records"] if r["report_pk"] == s["reports"][0]["report_pk"]],
                      key=lambda x: x["rec_no"])
        if len(recs) < 2:
            return False
        a, b = recs[0], recs[1]
        sa = {k: v for k, v in a.items() if k != "rec_no"}
        sb = {k: v for k, v in b.items() if k != "rec_no"}
        if sa == sb:
            return False
        pk = a["report_pk"]
        na, nb = a["rec_no"], b["rec_no"]
        for kind in ("records", "dkim", "spf", "reasons"):
            for row in s[kind]:
                if row["report_pk"] == pk and row["rec_no"] == na:
                    row["rec_no"] = nb
                elif row["report_pk"] == pk and row["rec_no"] == nb:
                    row["rec_no"] = na

    def flip_pass(s):
        r = first(s["records"], lambda x: isinstance(x.get("count"), int) and x["count"] > 0)
        if r is None:
            return False
        r["dmarc_pass"] = not r["dmarc_pass"]

    def null_pass(s):
        r = first(s["records"], lambda x: isinstance(x.get("count"), int) and x["count"] > 0)
        if r is None:
            return False
        r["dmarc_pass"] = None

    def add_error(s):
        s["reports"][0]["errors"] = (s["reports"][0]["errors"] or []) + ["bogus"]

    def drop_report(s):
        pk = s["reports"].pop()["report_pk"]
        for kind in ("records", "dkim", "spf", "reasons"):
            s[kind] = [r for r in s[kind] if r["report_pk"] != pk]

    def extra_report(s):
        r = copy.deepcopy(s["reports"][0])
        r["report_pk"] = 999999
        r["report_id"] = "other"
        s["reports"].append(r)

    def reported_as_dup(s):
        # a report this ingest claims to have stored turns out to belong to
        # an earlier ingest, and the log does not say duplicate
        s["reports"][0]["ingest_id"] = 0

    mut("org_name changed", set_field("reports", "org_name", "Other Org"))
    mut("email changed", set_field("reports", "email", "x@example.invalid"))
    mut("report_id changed", set_field("reports", "report_id", "other-id"))
    mut("date_begin +1s", shift_date)
    mut("policy domain changed", set_field("reports", "policy_domain", "other.example"))
    mut("p changed", set_field("reports", "p", "quarantine"))
    mut("pct changed", set_field("reports", "pct", 42))
    mut("pct absent", set_field("reports", "pct", None))
    mut("adkim changed", set_field("reports", "adkim", "x"))
    mut("version changed", set_field("reports", "version", "9.9"))
    mut("generator changed", set_field("reports", "generator", "gen 1"))
    mut("errors added", add_error)
    mut("records column wrong", set_field("reports", "records", 123456))
    mut("messages column wrong", set_field("reports", "messages", 123456))
    mut("report missing", drop_report)
    mut("report unexpected", extra_report)
    mut("report from another ingest", reported_as_dup)
    mut("count +1", bump_count)
    mut("record missing", drop("records"))
    mut("records swapped", swap_records)
    mut("source_ip changed", set_field("records", "source_ip", "192.0.2.254"))
    mut("source_ip null", set_field("records", "source_ip", None))
    mut("disposition changed", set_field("records", "disposition", "reject"))
    mut("policy_spf changed", set_field("records", "policy_spf", "neutral"))
    mut("header_from changed", set_field("records", "header_from", "other.example"))
    mut("envelope_from changed", set_field("records", "envelope_from", "env.example"))
    mut("envelope_from empty vs null", set_field(
        "records", "envelope_from", "", lambda x: x.get("envelope_from") is None))
    mut("dmarc_pass flipped", flip_pass)
    mut("dmarc_pass null", null_pass)
    mut("dkim row missing", drop("dkim"))
    mut("dkim selector changed", set_field("dkim", "selector", "sel-x"))
    mut("dkim result changed", set_field("dkim", "result", "temperror"))
    mut("spf row missing", drop("spf"))
    mut("spf scope changed", set_field("spf", "scope", "helo"))
    mut("spf result changed", set_field("spf", "result", "softfail"))
    mut("spf domain null vs empty", set_field(
        "spf", "domain", None, lambda x: x.get("domain") == ""))
    mut("reason missing", drop("reasons"))
    mut("reason comment changed", set_field("reasons", "comment", "zzz"))
    mut("extra_contact_info changed", set_field("reports", "extra_contact_info", "http://x"))
    return out


def self_test_normalizers():
    """The normalization rules of the spec, one case each."""
    cases = [
        ("IPv6 case", norm_ip("2001:DB8::1"), norm_ip("2001:db8::1")),
        ("IPv6 zeros", norm_ip("2001:0db8:0:0::1"), "2001:db8::1"),
        ("IPv4-mapped", norm_ip("::ffff:1.2.3.4"), norm_ip("::ffff:102:304")),
        ("IP spaces", norm_ip(" 192.0.2.1 "), "192.0.2.1"),
        ("IP empty is NULL", norm_ip(""), None),
        ("IP invalid is NULL", norm_ip("not-an-ip"), None),
        ("IP with mask kept", norm_ip("192.0.2.0/24") is None, False),
        ("word case", norm_word("PASS"), norm_word("pass")),
        ("hardfail is fail", norm_spf_result("HardFail"), "fail"),
        ("empty word stays empty", norm_word(""), ""),
        ("epoch fraction", norm_epoch(1518134400.9), 1518134400),
        ("epoch from timestamptz", norm_epoch("2018-02-09T00:00:00+00:00"), 1518134400),
        ("epoch other zone", norm_epoch("2018-02-09T01:00:00+01:00"), 1518134400),
        ("epoch fractional timestamptz", norm_epoch("2018-02-09T00:00:00.75+00:00"),
         1518134400),
        ("no errors NULL", norm_errors(None), []),
        ("pct text", norm_int("100"), 100),
        ("pct absent", norm_int(None), None),
        ("empty is not NULL", diff({"a": ""}, {"a": None}, "", []) != [], True),
        ("0 is not false", diff({"a": 0}, {"a": False}, "", []) != [], True),
    ]
    bad = [(name, got, want) for name, got, want in cases if got != want]
    tap(not bad, "self-test: %d normalization rules" % len(cases),
        ["  %s: got %s, expected %s" % (n, show(g), show(w)) for n, g, w in bad])
    return len(bad)


def self_test(args):
    files = corpus_files(args.corpus)
    failures = self_test_normalizers()
    tests = 0
    caught = 0
    for rel in files:
        exp = load_expected(args.corpus, rel)
        if exp is None:
            print("# %s: no expected JSON" % rel)
            continue
        sets = [("reports", exp.get("reports") or [])]
        if "lenient_reports" in exp:
            sets.append(("lenient_reports", exp["lenient_reports"]))
        for label, reports in sets:
            if not reports:
                continue
            snap = fake_snapshot(reports)
            # round-trip through JSON, as psql output would be
            snap = json.loads(json.dumps(snap))
            mism = compare_reports(reports, snap, {1}, len(reports), 0, True)
            tests += 1
            if mism:
                failures += 1
                tap(False, "self-test: %s %s: expected vs faithful fake" % (rel, label))
                for path, g, w in mism[:MAX_DIFF_LINES]:
                    print("#   %s: got %s, expected %s" % (path, show(g), show(w)))
            for name, bad in mutations(snap):
                tests += 1
                if compare_reports(reports, bad, {1}, len(reports), 0, True):
                    caught += 1
                else:
                    failures += 1
                    tap(False, "self-test: %s %s: mutation not caught: %s"
                        % (rel, label, name))
    tap(failures == 0, "self-test: comparator on %d cases (%d mutations caught)"
        % (tests, caught))
    failures += self_test_judge(args.corpus, files)
    return 1 if failures else 0


def self_test_judge(corpus, files):
    """The per-file verdicts for made-up ingests."""
    failures = 0
    ok_file = err_file = None
    for rel in files:
        exp = load_expected(corpus, rel)
        if exp is None:
            continue
        if exp.get("status") == "ok" and exp.get("reports") and ok_file is None:
            ok_file = (rel, exp)
        if exp.get("status") == "error" and "lenient_reports" in exp and err_file is None:
            err_file = (rel, exp)
    src = "file:x"
    cases = []
    if ok_file:
        rel, exp = ok_file
        good = fake_snapshot(exp["reports"])
        cases.append(("ok file stored", exp, 0, good, True, "ok-exact"))
        cases.append(("ok file, exit 139", exp, 139, good, False, None))
        cases.append(("ok file, nothing logged", exp, 0,
                      dict(good, ingest=[]), False, None))
        wrong_src = copy.deepcopy(good)
        wrong_src["ingest"][0]["source"] = "file:/elsewhere"
        cases.append(("ok file, wrong source", exp, 0, wrong_src, False, None))
        # duplicate of an earlier ingest: report rows belong to ingest 0
        dup = copy.deepcopy(good)
        for r in dup["reports"]:
            r["ingest_id"] = 0
        dup["ingest"][0].update(outcome="duplicate", reports_stored=0,
                                reports_duplicate=len(exp["reports"]))
        cases.append(("ok file duplicate", exp, 0, dup, True, "ok-exact"))
        dup_bad = copy.deepcopy(dup)
        dup_bad["reports"][0]["org_name"] = "zzz"
        cases.append(("ok file duplicate of a different report", exp, 0,
                      dup_bad, False, None))
        quar = fake_snapshot([], outcome="quarantined")
        quar["ingest"][0]["reason"] = "bad"
        cases.append(("ok file quarantined", exp, 0, quar, False, None))
    if err_file:
        rel, exp = err_file
        rej = fake_snapshot([], outcome="quarantined")
        rej["ingest"][0]["reason"] = "XML parse error: line 5"
        cases.append(("error file rejected", exp, 0, rej, True, "error-rejected"))
        rej2 = fake_snapshot([], outcome="not_report")
        rej2["ingest"][0]["reason"] = ""
        cases.append(("error file rejected without reason", exp, 0, rej2, False, None))
        rec = fake_snapshot(exp["lenient_reports"])
        cases.append(("error file recovered", exp, 0, rec, True, "error-recovered"))
        rec_bad = copy.deepcopy(rec)
        rec_bad["records"][0]["header_from"] = "invented.example"
        cases.append(("error file recovered wrongly", exp, 0, rec_bad, False, None))
        noexp = dict(exp)
        del noexp["lenient_reports"]
        cases.append(("error file stored, nothing recoverable", noexp, 0, rec,
                      False, None))
    for name, exp, rc, snap, want_ok, want_kind in cases:
        snap = json.loads(json.dumps(snap))
        for r in snap["ingest"]:
            r["source"] = r["source"] if r["source"] != "file:x" else src
        v = judge(exp, {"rc": rc, "stderr": ""}, snap, src, True)
        got_ok = v.ingest_ok and v.content_ok
        good = got_ok == want_ok and (want_kind is None or v.kind == want_kind)
        if not good:
            failures += 1
        tap(good, "self-test: verdict for %s: %s" % (
            name, v.content_desc if v.ingest_ok else v.ingest_desc),
            v.diag if not good else [])
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True, help="the corpus folder")
    ap.add_argument("--mailsift", help="the mailsift binary")
    ap.add_argument("--db", help="database name (already migrated)")
    ap.add_argument("--only", help="only files whose path contains this")
    ap.add_argument("--self-test", action="store_true",
                    help="check the comparator against the expected files")
    args = ap.parse_args()
    if args.self_test:
        return self_test(args)
    if not args.mailsift or not args.db:
        ap.error("--mailsift and --db are required unless --self-test")
    try:
        return real_run(args)
    except (RuntimeError, OSError, ValueError) as e:
        tap(False, "stopped: %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
