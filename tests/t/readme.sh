#!/bin/sh
# readme.sh - the README's example outputs are what mailsift prints on the
# demo's month (issue 15): every "$ mailsift ..." block of README.md whose
# command reads the demo's data is run on that month (tests/demo.sh
# --load: generated, ingested, enriched), and each line of the README's
# output must appear, in order, in what the command prints now.  Numbers
# are masked (the month ends yesterday, so days and a few counts move);
# columns, row labels and words are compared as they are.  A "..." line
# in the README stands for lines left out.
. "$TOP/tests/t/lib.sh"
T_DB=ms_readme
T_DBS="$T_DBS $T_DB"
MAILSIFT_DB="dbname=$T_DB"; export MAILSIFT_DB
MAILSIFT_DEMO_DB=$T_DB MAILSIFT_DEMO_DIR=$T_TMP/demo \
    MAILSIFT_BUILD=$(dirname "$MAILSIFT") sh "$TOP/tests/demo.sh" --load \
    >"$T_TMP/load.log" 2>&1
rc=$?
ok $rc "the demo's month loads (tests/demo.sh --load)"
[ $rc = 0 ] || sed 's/^/#   /' "$T_TMP/load.log" | tail -n 20

# The blocks: a fenced block whose first line is "$ mailsift CMD ...".
# config's example shows a configuration file the test does not have.
python3 - "$TOP/README.md" "$T_TMP/blocks" <<'PY'
import os, sys
readme, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
lines = open(readme, encoding="utf-8").read().split("\n")
n, i = 0, 0
while i < len(lines):
    if lines[i].startswith("```") and i + 1 < len(lines) and \
            lines[i + 1].startswith("$ mailsift "):
        cmd = lines[i + 1][2:]
        body = []
        i += 2
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        if cmd.split()[1] != "config":
            n += 1
            open(f"{out}/{n}.cmd", "w").write(cmd + "\n")
            open(f"{out}/{n}.want", "w").write("\n".join(body) + "\n")
    i += 1
PY
count=$(ls "$T_TMP/blocks"/*.cmd 2>/dev/null | wc -l)
[ "$count" -ge 3 ]; ok $? "README has example blocks to compare ($count)"

for c in "$T_TMP"/blocks/*.cmd; do
	cmd=$(cat "$c")
	set -- $cmd
	shift	# "mailsift": the binary under test instead
	"$MAILSIFT" "$@" >"${c%.cmd}.got" 2>"$T_TMP/err"
	ok $? "README example runs: $cmd"
	python3 - "${c%.cmd}.want" "${c%.cmd}.got" >"$T_TMP/diff" <<'PY'
import re, sys
def shape(line):
    line = re.sub(r"\d+(\.\d+)?", "N", line)
    return " ".join(line.split())
want = [shape(l) for l in open(sys.argv[1]) if l.strip() and l.strip() != "..."]
got = [shape(l) for l in open(sys.argv[2]) if l.strip()]
j = 0
for w in want:
    while j < len(got) and got[j] != w:
        j += 1
    if j == len(got):
        print("README line not in the output (in order):", w)
        sys.exit(1)
    j += 1
PY
	rc=$?
	ok $rc "README example's shape matches: $cmd"
	[ $rc = 0 ] || sed 's/^/#   /' "$T_TMP/diff"
done
