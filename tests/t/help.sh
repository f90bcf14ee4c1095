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
