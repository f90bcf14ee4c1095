#!/bin/sh
# help.sh - every command's --help lists what the command accepts, and only
# that (issue 15).  For an option whose help names its values (--by=ip|day),
# each value runs without a usage error and any other value is refused
# (exit 64) with a message naming every accepted one; an unknown --format
# names the formats.  Commands that never open a database do not offer --db.
. "$TOP/tests/t/lib.sh"
fresh_db ms_help || exit 1

commands=$("$MAILSIFT" --help | awk '/^Commands:/ { f = 1; next }
    f && /^  [a-z]/ { print $1 }')
[ "$(echo "$commands" | wc -w)" -ge 15 ]; ok $? "mailsift --help lists the commands"

for c in $commands; do
	"$MAILSIFT" "$c" --help >"$T_TMP/help" 2>&1
	ok $? "$c --help exits 0"
	# --by=ip|day and its kin: the values the help promises.
	grep -oE -- '--[a-z-]+=[a-z0-9_-]+(\|[a-z0-9_-]+)+' "$T_TMP/help" |
	    sort -u >"$T_TMP/enums"
	while IFS= read -r spec; do
		opt=${spec%%=*}
		values=$(echo "${spec#*=}" | tr '|' ' ')
		for v in $values; do
			"$MAILSIFT" "$c" "$opt=$v" >/dev/null 2>"$T_TMP/err"
			rc=$?
			[ "$rc" != 64 ]
			ok $? "$c $opt=$v is accepted as its help says (exit $rc: $(head -c 120 "$T_TMP/err"))"
		done
		"$MAILSIFT" "$c" "$opt=banana" >/dev/null 2>"$T_TMP/err"
		is "$?" 64 "$c $opt=banana is a usage error"
		missing=
		for v in $values; do
			grep -qw -- "$v" "$T_TMP/err" || missing="$missing $v"
		done
		is "$missing" "" "$c $opt=banana names every accepted value"
	done <"$T_TMP/enums"
	if grep -q -- '--format=' "$T_TMP/help"; then
		"$MAILSIFT" "$c" --format=banana >/dev/null 2>"$T_TMP/err"
		is "$?" 64 "$c --format=banana is a usage error"
		grep -q 'json' "$T_TMP/err"
		ok $? "$c --format=banana names the formats"
	fi
done

# parse never opens a database: it must not offer --db.
"$MAILSIFT" parse --help >"$T_TMP/help" 2>&1
grep -q -- '--db' "$T_TMP/help"
ok $((!$?)) "parse --help does not list --db"
"$MAILSIFT" parse --db=dbname=x /dev/null >/dev/null 2>&1
is "$?" 64 "parse --db is refused"

# Values checked before any query: a bad --ip or --since is a usage error
# that says what is expected, never SQL text (issue 15).
for c in $commands; do
	"$MAILSIFT" "$c" --help >"$T_TMP/help" 2>&1
	for o in ip since; do
		grep -q -- "--$o=" "$T_TMP/help" || continue
		args=
		[ "$c" = explain ] && args="--domain example.com"
		[ "$c" = check ] && args="example.com"
		"$MAILSIFT" "$c" $args "--$o=banana" >/dev/null 2>"$T_TMP/err"
		is "$?" 64 "$c --$o=banana is a usage error"
		grep -qiE 'select|where|sqlstate' "$T_TMP/err"
		ok $((!$?)) "$c --$o=banana: no SQL in the message ($(head -c 100 "$T_TMP/err"))"
	done
done

# Numbers of things: 0 or less is no size, no batch, no process.
for a in "ingest --jobs=0" "ingest -j -3" "ingest --batch=-1" \
    "ingest --max-ratio=-5" "ingest --max-message-size=1k" \
    "ingest --max-zip-entries=0" "parse --jobs=0" "enrich --timeout=-5" \
    "enrich --tries=0" "enrich --max-inflight=5000" "enrich --limit=-1" \
    "ingest --enrich --tries=0"; do
	"$MAILSIFT" $a /dev/null >/dev/null 2>"$T_TMP/err"
	is "$?" 64 "$a is a usage error"
	grep -q 'a whole number' "$T_TMP/err"
	ok $? "$a: the message says what is expected"
done
"$MAILSIFT" parse --jobs=2 "$TOP/tests/data/bounces/families/03-gmail-legacy/"*.eml >/dev/null 2>&1
is "$?" 0 "parse --jobs=2 is accepted"
printf '[ingest]\njobs = 0\n' >"$T_TMP/bad.conf"
"$MAILSIFT" --config "$T_TMP/bad.conf" ingest /dev/null >/dev/null 2>"$T_TMP/err"
is "$?" 78 "jobs = 0 in the configuration file is refused (78)"
grep -q "bad.conf:2" "$T_TMP/err"
ok $? "and the message names the file and line"
"$MAILSIFT" config ingest --jobs 3 >"$T_TMP/out" 2>&1
grep -qE '^ingest +jobs +3 +flag' "$T_TMP/out"
ok $? "mailsift config shows a numeric option's value and origin"
