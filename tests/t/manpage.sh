# manpage.sh - mailsift(1) is clean for mandoc and agrees with the binary:
# every command `mailsift --help` lists has its section, and every long
# option `mailsift COMMAND --help` lists is described.
. "$TOP/tests/t/lib.sh"
MAN=$TOP/docs/mailsift.1

if ! command -v mandoc >/dev/null 2>&1; then
	echo "not ok - manpage: mandoc not installed (tests/deps.sh installs it)"
	exit 1
fi
mandoc -T lint -W warning "$MAN" >"$T_TMP/lint" 2>&1
ok $? "mandoc -T lint: no warning"
sed 's/^/#   /' "$T_TMP/lint"
mandoc -T ascii "$MAN" >"$T_TMP/man.txt" 2>/dev/null
ok $? "mandoc renders it"

commands=$("$MAILSIFT" --help | awk '/^Commands:/ { on = 1; next }
    on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
[ -n "$commands" ]
ok $? "mailsift --help lists commands"
missing=
for c in $commands; do
	grep -q "^\.Ss $c\b" "$MAN" || missing="$missing $c"
done
is "$missing" "" "every command has its section in the manual"

# Long options as the manual writes them: .Fl \-max\-ratio
manopts=$(grep -o 'Fl \\-[a-z\\-]*' "$MAN" | sed 's/^Fl /-/; s/\\//g' | sort -u)
missing=
for c in $commands; do
	for o in $("$MAILSIFT" "$c" --help 2>/dev/null |
	    grep -oE '^  +(-[a-z], )?--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+'); do
		echo "$manopts" | grep -qx -- "$o" || missing="$missing $c:$o"
	done
done
is "$missing" "" "every option of every command's --help is in the manual"
