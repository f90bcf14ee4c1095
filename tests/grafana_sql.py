#!/usr/bin/env python3
"""grafana_sql.py - every query of a Grafana dashboard, ready for psql.

Usage: grafana_sql.py DASHBOARD.json OUTDIR FROM TO VAR=VALUES...

Writes OUTDIR/NN.sql for each panel target's rawSql and each query
variable, with Grafana's PostgreSQL macros replaced as Grafana expands
them: $__timeFilter(x) -> x BETWEEN 'FROM' AND 'TO', $__timeFrom() and
$__timeTo() -> 'FROM' and 'TO', $__timeGroup(x, '1d') ->
floor(extract(epoch from x) / 86400) * 86400, $__timeGroupAlias(...) the
same AS "time"; $VAR, ${VAR} and [[VAR]] -> VALUES (written as SQL:
'a','b').  The first line of each file is "-- TITLE".  Exits 1 naming a
macro or variable it does not know, and when a panel has no SQL or does
not use the PostgreSQL data source.
"""
import json
import os
import re
import sys

dash = json.load(open(sys.argv[1], encoding="utf-8"))
outdir, t_from, t_to = sys.argv[2], sys.argv[3], sys.argv[4]
variables = dict(a.split("=", 1) for a in sys.argv[5:])
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
errors = []


def args_at(sql, i):
    """The argument text of the call whose "(" is at i, and the end."""
    depth, j = 0, i
    while j < len(sql):
        if sql[j] == "(":
            depth += 1
        elif sql[j] == ")":
            depth -= 1
            if depth == 0:
                return sql[i + 1:j], j + 1
        j += 1
    raise ValueError("unbalanced parentheses")


def split_args(text):
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def seconds(iv):
    m = re.fullmatch(r"'?(\d+)([smhdw])'?", iv.strip())
    if not m:
        raise ValueError("interval %r" % iv)
    return int(m.group(1)) * UNITS[m.group(2)]


def macro(name, a):
    if name == "timeFilter":
        return "%s BETWEEN '%s' AND '%s'" % (a[0], t_from, t_to)
    if name == "timeFrom":
        return "'%s'" % t_from
    if name == "timeTo":
        return "'%s'" % t_to
    if name in ("timeGroup", "timeGroupAlias"):
        s = seconds(a[1])
        g = "floor(extract(epoch from %s) / %d) * %d" % (a[0], s, s)
        return g + (' AS "time"' if name == "timeGroupAlias" else "")
    raise ValueError("unknown macro $__" + name)


def expand(sql):
    while True:
        m = re.search(r"\$__(\w+)\(", sql)
        if not m:
            break
        text, end = args_at(sql, m.end() - 1)
        sql = sql[:m.start()] + macro(m.group(1), split_args(text)) + sql[end:]
    if "$__" in sql:
        raise ValueError("macro left: " + sql[sql.index("$__"):][:30])

    def var(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name not in variables:
            raise ValueError("unknown variable $" + name)
        return ",".join("'%s'" % v.replace("'", "''")
                        for v in variables[name].split(","))
    return re.sub(r"\$\{(\w+)\}|\$(\w+)|\[\[(\w+)\]\]", var, sql)


queries = []
for v in dash.get("templating", {}).get("list", []):
    if v.get("type") == "query":
        queries.append(("variable " + v["name"], v.get("query"), v))
for p in dash["panels"]:
    for t in p.get("targets", [{}]):
        queries.append((p.get("title", "?"), t.get("rawSql"), p))
for n, (title, sql, obj) in enumerate(queries, 1):
    ds = obj.get("datasource") or {}
    if "postgres" not in ds.get("type", ""):
        errors.append("%s: data source is not PostgreSQL" % title)
        continue
    if not sql:
        errors.append("%s: no SQL" % title)
        continue
    try:
        text = expand(sql)
    except ValueError as e:
        errors.append("%s: %s" % (title, e))
        continue
    with open(os.path.join(outdir, "%02d.sql" % n), "w") as f:
        f.write("-- %s\n%s\n" % (title.replace("\n", " "), text))
for e in errors:
    print("grafana_sql.py: " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
