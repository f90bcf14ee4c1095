#!/usr/bin/env python3
"""check.py - the rooms of the source tree and the one-way flow of data.

Usage: check.py BUILD_DIR   (prints TAP lines; run by tests/t/layout.sh)

Checks, on the compiled objects and the sources:
  * no circle between files: no two object files of ingest/, parse/,
    store/, cli/ need symbols from each other, directly or around a loop
    (nm's defined and undefined symbols make the graph);
  * data flows one way: parse/ never calls the database (PQ*, store_*),
    store/ never parses mail (g_mime_*, dmarc_parse, bounce_parse, ...),
    ingest/ never reaches store/ or the parsers' internals, enrich/ never
    calls the database (the CLI hands its results to store/), store/
    never resolves (enrich_*, ares_*: it only reads enrich.h's struct)
    and never lays out a report; report/ never calls the database (nor
    GMime: the CLI fetches the figures and writes the mail); check/
    never calls the database either (the CLI fetches the report
    evidence through store/ and hands it to check/), nor c-ares but
    through enrich/'s door, and neither store/ nor enrich/ calls check/;
  * each room is entered through its door: a file outside parse/NAME/
    includes only parse/NAME/NAME.h of it (parse/common/ is shared).
"""
import os
import re
import subprocess
import sys

build = sys.argv[1]
top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.chdir(top)
n = 0
failed = 0


def tap(ok, what, detail=""):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print(("ok" if ok else "not ok") + " - layout: " + what)
    if not ok and detail:
        for line in detail.splitlines():
            print("#   " + line)


rooms = ("ingest", "parse", "store", "enrich", "check", "report", "cli")
objs = []
for room in rooms:
    for d, _, files in os.walk(os.path.join(build, "obj", room)):
        objs += [os.path.join(d, f) for f in files if f.endswith(".o")]
if not objs:
    tap(False, "objects found under " + build + "/obj")
    sys.exit(1)

defs, undef = {}, {}
for o in objs:
    out = subprocess.run(["nm", o], capture_output=True, text=True).stdout
    d, u = set(), set()
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "TDBRC":
            d.add(p[2])
        elif len(p) == 2 and p[0] == "U":
            u.add(p[1])
    defs[o], undef[o] = d, u
owner = {s: o for o, d in defs.items() for s in d}
graph = {o: {owner[s] for s in undef[o] if s in owner and owner[s] != o}
         for o in objs}


def short(o):
    return os.path.relpath(o, os.path.join(build, "obj"))


# Tarjan's strongly connected components, iteratively.
index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]
for root in sorted(objs):
    if root in index:
        continue
    work = [(root, iter(sorted(graph[root])))]
    index[root] = low[root] = counter[0]
    counter[0] += 1
    stack.append(root)
    on.add(root)
    while work:
        v, it = work[-1]
        w = next(it, None)
        if w is not None:
            if w not in index:
                index[w] = low[w] = counter[0]
                counter[0] += 1
                stack.append(w)
                on.add(w)
                work.append((w, iter(sorted(graph[w]))))
            elif w in on:
                low[v] = min(low[v], index[w])
            continue
        work.pop()
        if work:
            low[work[-1][0]] = min(low[work[-1][0]], low[v])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(comp)
detail = ""
for comp in comps:
    detail += "circle: " + " ".join(sorted(short(c) for c in comp)) + "\n"
    for a in sorted(comp):
        for b in sorted(graph[a] & set(comp)):
            syms = sorted(s for s in undef[a] if owner.get(s) == b)[:4]
            detail += "  %s -> %s %s\n" % (short(a), short(b), syms)
tap(not comps, "no circle between %d object files" % len(objs), detail)


def calls(room, pattern):
    bad = []
    for o in objs:
        if short(o).startswith(room + "/"):
            bad += ["%s: %s" % (short(o), s) for s in sorted(undef[o])
                    if re.match(pattern, s)]
    return bad


bad = calls("parse", r"^(PQ|store_)")
tap(not bad, "parse/ never talks to the database", "\n".join(bad))
bad = calls("store", r"^(g_mime_|dmarc_parse|bounce_parse|tlsrpt_parse|arf_parse)")
tap(not bad, "store/ never parses mail", "\n".join(bad))
bad = calls("ingest", r"^(PQ|store_)")
tap(not bad, "ingest/ never talks to the database", "\n".join(bad))
bad = calls("enrich", r"^(PQ|store_)")
tap(not bad, "enrich/ never talks to the database", "\n".join(bad))
bad = calls("report", r"^(PQ|store_|g_mime_|internet_address_)")
tap(not bad, "report/ never talks to the database (it lays out what the "
    "CLI hands it)", "\n".join(bad))
bad = calls("store", r"^(report_|enrich_|ares_|psl_|MMDB_)")
tap(not bad, "store/ never resolves nor lays out a report", "\n".join(bad))
bad = calls("check", r"^(PQ|store_)")
tap(not bad, "check/ never talks to the database", "\n".join(bad))
bad = calls("check", r"^(ares_|psl_|MMDB_)")
tap(not bad, "check/ resolves only through enrich/'s door", "\n".join(bad))
bad = calls("store", r"^check_") + calls("enrich", r"^check_") + \
    calls("parse", r"^check_") + calls("ingest", r"^check_") + \
    calls("report", r"^check_")
tap(not bad, "only the CLI calls check/", "\n".join(bad))
bad = calls("ingest", r"^(enrich_|ares_|psl_|MMDB_)") + \
    calls("parse", r"^(enrich_|ares_|psl_|MMDB_)")
tap(not bad, "ingest/ and parse/ never resolve (nothing in the ingest path "
    "waits on DNS)", "\n".join(bad))

inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
bad = []
for room in rooms + ("tests/unit",):
    for d, _, files in os.walk(room):
        for f in files:
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(d, f)
            src = open(path, encoding="utf-8", errors="replace").read()
            for h in inc.findall(src):
                target = os.path.normpath(os.path.join(d, h))
                if not target.startswith("parse/"):
                    target = os.path.normpath(h) if h.startswith("parse/") else target
                m = re.match(r"parse/([a-z]+)/", target)
                if not m or path.startswith("parse/" + m.group(1) + "/"):
                    continue
                name = m.group(1)
                door = "parse/%s/%s.h" % (name, name)
                if name == "common" or target == door:
                    continue
                if path.startswith("tests/unit/"):
                    continue	# unit tests may test a room's insides
                bad.append("%s includes %s (door: %s)" % (path, target, door))
tap(not bad, "rooms of parse/ are entered through their doors", "\n".join(bad))

# enrich/ and check/ have one door each too.
bad = []
for room in rooms:
    for d, _, files in os.walk(room):
        for f in files:
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(d, f)
            src = open(path, encoding="utf-8", errors="replace").read()
            for h in inc.findall(src):
                target = os.path.normpath(os.path.join(d, h))
                for r in ("enrich", "check"):
                    if target.startswith(r + "/") and \
                            not path.startswith(r + "/") and \
                            target != "%s/%s.h" % (r, r):
                        bad.append("%s includes %s (door: %s/%s.h)" %
                                   (path, target, r, r))
tap(not bad, "enrich/ and check/ are entered through their doors",
    "\n".join(bad))
print("# layout: %d checks, %d failed" % (n, failed))
sys.exit(1 if failed else 0)
