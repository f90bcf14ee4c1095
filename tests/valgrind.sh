#!/bin/sh
# valgrind.sh - `make check-valgrind`: the test suite with every mailsift
# process and unit test binary run under valgrind's memcheck.
#
# Each process writes its own log (build/vg/logs/*.log); the run fails when
# any log reports an error (invalid read/write, use of uninitialised memory,
# invalid free) or a definitely-lost block.  Possibly-lost blocks are GLib's
# type system and GMime's charset tables, allocated once per process by
# design, and are not counted.  Tests whose point is time or load bounds
# (load, faults, concurrency, hostile) are left to check and check-asan:
# under valgrind they measure valgrind.
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
B=${MAILSIFT_BUILD:-build/vg}
logs=$top/$B/logs
rm -rf "$logs"
mkdir -p "$logs"
wrap=$top/$B/wrap
mkdir -p "$wrap"
vg="valgrind -q --error-exitcode=0 --leak-check=full --show-leak-kinds=definite \
 --errors-for-leak-kinds=definite --num-callers=30 --log-file=$logs/%p.log \
 --suppressions=$top/tests/valgrind.supp"
for prog in mailsift $(cd "$top/$B" && ls -d tests/* 2>/dev/null); do
	[ -f "$top/$B/$prog" ] && [ -x "$top/$B/$prog" ] || continue
	mkdir -p "$wrap/$(dirname "$prog")"
	printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$vg" "$top/$B/$prog" \
	    >"$wrap/$prog"
	chmod +x "$wrap/$prog"
done
cp "$top/$B/mailsift-gen" "$wrap/" 2>/dev/null

MAILSIFT_BUILD=${B#$top/}/wrap MAILSIFT_VALGRIND=1 \
    MAILSIFT_TESTS="${MAILSIFT_TESTS:-dmarc_test ingest_test store_test tlsrpt_test arf_test fuzz_regress_test parse ingest corpus_dmarc corpus_reports roles gen config quarantine}" \
    tests/run.sh
status=$?
bad=$(grep -lE 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|Invalid (read|write|free)|uninitialised' "$logs"/*.log 2>/dev/null)
n=$(ls "$logs" | wc -l)
if [ -n "$bad" ]; then
	for f in $bad; do
		echo "# $f"
		sed 's/^/#   /' "$f" | head -n 60
	done
	echo "not ok - valgrind found errors in $(echo "$bad" | wc -w) of $n processes"
	exit 1
fi
echo "ok - valgrind: $n processes, no memory errors, nothing definitely lost"
exit $status
