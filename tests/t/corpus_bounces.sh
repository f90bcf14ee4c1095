#!/bin/sh
# corpus_bounces.sh - bounce corpus scores, whenever ../shared/corpus exists.
#
# One `mailsift parse --format json` over every bounce file, scored against
# $CORPUS/bounces/expected.tsv by tests/corpus_bounces.py (the rules are in
# its header): a table per source and per sisimai module, the same scores
# for Sisimai 4.25 as the baseline, and a failure when a sisimai-rows score
# falls below tests/data/bounce_floor.txt or a mail that is no bounce
# yields one.  The floors only ever rise.  No database is used.
#
# Run by tests/run.sh (MAILSIFT, TOP, CORPUS set), or by hand:
#   sh tests/t/corpus_bounces.sh
top=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
corpus=${CORPUS:-$top/../shared/corpus}
mailsift=${MAILSIFT:-$top/build/mailsift}

if [ ! -f "$corpus/bounces/expected.tsv" ]; then
	echo "ok - skip: corpus_bounces: ../shared/corpus/bounces absent"
	exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "not ok - corpus_bounces: python3 not found"
	exit 1
fi
if [ ! -x "$mailsift" ]; then
	echo "not ok - corpus_bounces: no mailsift binary at $mailsift"
	exit 1
fi
python3 "$top/tests/corpus_bounces.py" --mailsift "$mailsift" \
    --corpus "$corpus" --floor "$top/tests/data/bounce_floor.txt"
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || echo "not ok - corpus_bounces.py exited $rc"
exit 0
