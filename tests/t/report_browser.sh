#!/bin/sh
# report_browser.sh - the report as a browser shows it: a generated month's
# page opened in headless Chromium (tests/browser.py, the DevTools
# protocol on a pipe): no console error, no failed request, nothing
# fetched, text and both bar colours on the screenshot, A4 pages in
# print.  The screenshot stays in build/report-test.png (and the print in
# build/report-test.pdf) for a person to look at.  A control page with a
# console error and an image to fetch (from 127.0.0.1: nothing leaves the
# machine) shows the checks can fail.
. "$TOP/tests/t/lib.sh"
B=$TOP/${MAILSIFT_BUILD:-build}
if ! command -v chromium >/dev/null 2>&1; then
	echo "ok - skip: chromium not installed (tests/deps.sh installs it)"
	exit 0
fi
gen=${MAILSIFT_GEN:-$B/mailsift-gen}
fresh_db mailsift_t_report_browser
start=$(( $(date -u -d 'today 00:00' +%s) - 30 * 86400 ))
"$gen" maildir "$T_TMP/month" --demo --seed 1 --start "$start" >/dev/null &&
"$MAILSIFT" ingest --maildir "$T_TMP/month" >/dev/null 2>&1 &&
"$MAILSIFT" report --since 30d --output "$T_TMP/report.html"
ok $? "a month's report written"

timeout 180 python3 "$TOP/tests/browser.py" "$T_TMP/report.html" \
    "$B/report-test.png" "$B/report-test.pdf" >"$T_TMP/seen"
ok $? "chromium opened the page, took a screenshot and printed it"
sed -n 's/^# /#   /p' "$T_TMP/seen"
v() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$T_TMP/seen"; }
is "$(v console)" 0 "no console errors or warnings"
is "$(v failed)" 0 "no failed requests"
is "$(v external)" 0 "nothing fetched but the page itself"
set -- $(v pixels)
[ "${1:-0}" -gt 0 ] && [ $(($2 * 100)) -gt "$1" ]
ok $? "not blank: more than 1 % of the screenshot is ink ($2 of $1)"
[ "${3:-0}" -gt 500 ] && [ "${4:-0}" -gt 20 ]
ok $? "the chart's pass (blue, $3) and fail (vermilion, $4) bars are drawn"
set -- $(v size)
is "${1:-0}" 800 "the page fits 800 pixels: no horizontal scrolling"
[ "$(v pdf-pages)" -ge 2 ] 2>/dev/null
ok $? "the print has pages ($(v pdf-pages))"
is "$(v pdf-a4)" True "the print is A4"
[ "$(wc -c <"$B/report-test.png")" -gt 50000 ]
ok $? "the screenshot is in ${MAILSIFT_BUILD:-build}/report-test.png"

# The control: the same checks see a console error and a fetch.
printf '<!DOCTYPE html><html><body><p>control</p><img src="http://127.0.0.1:9/x.png"><script>console.error("boom")</script></body></html>\n' \
    >"$T_TMP/control.html"
timeout 180 python3 "$TOP/tests/browser.py" "$T_TMP/control.html" \
    "$T_TMP/control.png" >"$T_TMP/seen"
is "$(v console) $(v failed) $(v external)" "2 1 1" \
    "control page: its console error, its failed and its external request seen"
