# config.sh - the configuration file: every long option from a key file
# ([common] and a group per command), the precedence flag > environment >
# file > default in every direction, and that the values really reach the
# command (ingest stores with the file's database, obeys the file's
# limit); typos, bad values and missing files exit 78 naming what is
# wrong; `mailsift config` says where each setting comes from.
. "$TOP/tests/t/lib.sh"

fresh_db mailsift_t_config
unset MAILSIFT_DB MAILSIFT_CONFIG MAILSIFT_RESOLVER
good="dbname=$T_DB"
C=$T_TMP/mailsift.conf
M() { "$MAILSIFT" "$@"; }
# `mailsift config CMD` as "option value source" lines.
cfg() { "$MAILSIFT" config --format csv "$@" | tr -d '\r' |
    awk -F, 'NR > 1 { print $2 " " $3 " " $4 }'; }
row() { cfg "$@" | grep "^$OPT "; }

# A report to ingest.
"$MAILSIFT_GEN" maildir "$T_TMP/md" --messages 3 --seed 5 >/dev/null
msg=$(ls "$T_TMP/md/new" | head -n 1)
msg=$T_TMP/md/new/$msg
stored() { q "SELECT count(*) FROM ingest_log WHERE outcome = 'stored'"; }

# --- defaults --------------------------------------------------------------------------
if [ ! -e /etc/mailsift/mailsift.conf ]; then
	OPT=db; is "$(row trend)" "db  default" "no file: --db is the default"
	OPT=config
	is "$(row trend)" "config /etc/mailsift/mailsift.conf default (absent)" \
	    "a missing default file is no error, and config says so"
else
	echo "ok - skip: /etc/mailsift/mailsift.conf exists here"
fi

# --- the file --------------------------------------------------------------------------
cat >"$C" <<EOF
# mailsift.conf for config.sh
[common]
db = $good
resolver = 127.0.0.1:5353

[ingest]
max-message-size = 50
keep-failure-bodies = true

[check]
dnsbl = a.example;b.example
timeout = 300

[enrich]
geoip = /x/asn.mmdb;/x/country.mmdb
EOF
OPT=db; is "$(row --config "$C" ingest)" "db $good file $C:3" \
    "[common] db: from the file, with its line"
OPT=max-message-size
is "$(row --config "$C" ingest)" "max-message-size 50 file $C:7" \
    "an int64 option from [ingest]"
OPT=keep-failure-bodies
is "$(row --config "$C" ingest)" "keep-failure-bodies true file $C:8" \
    "a boolean option from [ingest]"
OPT=timeout; is "$(row --config "$C" check)" "timeout 300 file $C:12" \
    "an int option from [check]"
OPT=dnsbl; is "$(row --config "$C" check)" "dnsbl a.example;b.example file $C:11" \
    "a repeatable option: the file's list"
is "$(row --config "$C" check --dnsbl c.example)" "dnsbl c.example flag" \
    "a repeatable option on the command line replaces the file's list"
OPT=geoip; is "$(row --config "$C" enrich)" \
    "geoip /x/asn.mmdb;/x/country.mmdb file $C:15" "a repeatable file option"
OPT=resolver; is "$(row --config "$C" check)" "resolver 127.0.0.1:5353 file $C:4" \
    "[common] reaches every command that has the option"

# The values reach the command: the file's database and the file's limit.
before=$(stored)
M --config "$C" ingest - <"$msg" 2>/dev/null
ok $? "ingest - with --db only in the file exits 0"
is "$(q "SELECT outcome || ' ' || (reason LIKE '%max-message-size%' OR reason LIKE '%large%')
    FROM ingest_log ORDER BY id DESC LIMIT 1")" "quarantined true" \
    "the file's database took it, and the file's max-message-size held it"
M --config "$C" ingest --max-message-size 100000000 - <"$msg" 2>/dev/null
ok $? "the flag overrides the file's limit"
is "$(stored)" $((before + 1)) "stored with the flag's limit"
MAILSIFT_CONFIG=$C M ingest --max-message-size 100000000 - \
    <"$T_TMP/md/new/$(ls "$T_TMP/md/new" | sed -n 2p)" 2>/dev/null
ok $? "MAILSIFT_CONFIG names the file too"
is "$(stored)" $((before + 2)) "and ingest stored with its database"

# --- precedence in every direction --------------------------------------------------------
cat >"$T_TMP/bad.conf" <<EOF
[common]
db = dbname=mailsift_t_config_no_such_db
[ingest]
db = dbname=mailsift_t_config_no_such_db_either
EOF
OPT=db
is "$(row --config "$T_TMP/bad.conf" ingest)" \
    "db dbname=mailsift_t_config_no_such_db_either file $T_TMP/bad.conf:4" \
    "the command's group beats [common]"
is "$(MAILSIFT_DB=$good row --config "$T_TMP/bad.conf" ingest)" \
    "db $good env MAILSIFT_DB" "the environment beats the file"
is "$(MAILSIFT_DB=dbname=nope row --config "$T_TMP/bad.conf" ingest --db "$good")" \
    "db $good flag" "a flag beats the environment and the file"
is "$(MAILSIFT_DB=dbname=nope cfg --config "$T_TMP/bad.conf" ingest --db="$good" |
    grep '^db ')" "db $good flag" "--db=VALUE is a flag too"
OPT=resolver
is "$(MAILSIFT_RESOLVER=192.0.2.1 row --config "$C" check)" \
    "resolver 192.0.2.1 env MAILSIFT_RESOLVER" "MAILSIFT_RESOLVER beats the file"
is "$(MAILSIFT_RESOLVER=192.0.2.1 row --config "$C" check --resolver 192.0.2.2)" \
    "resolver 192.0.2.2 flag" "--resolver beats MAILSIFT_RESOLVER"
# For real: which database ingest writes to.
before=$(stored)
MAILSIFT_DB=$good M --config "$T_TMP/bad.conf" ingest - \
    <"$T_TMP/md/new/$(ls "$T_TMP/md/new" | sed -n 3p)" 2>/dev/null
ok $? "MAILSIFT_DB over a file naming a missing database: ingest works"
is "$(stored)" $((before + 1)) "and stored into the environment's database"
MAILSIFT_DB=dbname=nope M --config "$T_TMP/bad.conf" --db "$good" ingest - \
    <"$msg" 2>/dev/null
ok $? "a global --db over the environment and the file: ingest works"
M --config "$T_TMP/bad.conf" ingest - <"$msg" 2>/dev/null
is "$?" 78 "the file alone names a missing database: 78 (postfix defers)"

# --- mistakes are errors, never silent -----------------------------------------------------
printf '[check]\ntimeout = 300\ndnsbll = x.example\n' >"$T_TMP/typo.conf"
M --config "$T_TMP/typo.conf" check --no-reports example.com >/dev/null 2>"$T_TMP/err"
is "$?" 78 "an unknown key exits 78"
grep -q "typo.conf:3: unknown key 'dnsbll' in \[check\] (accepted: .*dnsbl, " "$T_TMP/err"
ok $? "naming the file, line, key, group and the accepted keys"
sed 's/^/#   /' "$T_TMP/err"
MAILSIFT_DB=$good M --config "$T_TMP/typo.conf" ingest - <"$msg" 2>/dev/null
ok $? "a typo in [check] does not stop ingest (each command checks its group)"
printf '[common]\ndbb = x\n' >"$T_TMP/typo2.conf"
M --config "$T_TMP/typo2.conf" trend 2>"$T_TMP/err"
is "$?" 78 "an unknown key in [common] exits 78"
grep -q "unknown key 'dbb' in \[common\]" "$T_TMP/err"
ok $? "and names it"
printf '[ingestt]\nbatch = 5\n' >"$T_TMP/typo3.conf"
M --config "$T_TMP/typo3.conf" trend 2>"$T_TMP/err"
is "$?" 78 "an unknown group exits 78"
grep -q "unknown group \[ingestt\] (groups: common, ingest, " "$T_TMP/err"
ok $? "and lists the groups"
printf '[ingest]\nbatch = many\n' >"$T_TMP/type.conf"
M --config "$T_TMP/type.conf" ingest - <"$msg" 2>"$T_TMP/err"
is "$?" 78 "a bad int value exits 78"
grep -q "type.conf:2: \[ingest\] bad --batch 'many' (a whole number from 1 to 1000000)" "$T_TMP/err"
ok $? "naming the line, group, key and what is expected"
printf '[ingest]\nenrich = maybe\n' >"$T_TMP/type2.conf"
M --config "$T_TMP/type2.conf" config ingest >/dev/null 2>"$T_TMP/err"
is "$?" 78 "a bad boolean exits 78"
grep -q "'maybe' is not true or false" "$T_TMP/err"
ok $? "and says what is expected"
M --config "$T_TMP/no-such.conf" trend 2>"$T_TMP/err"
is "$?" 78 "a missing --config file exits 78"
grep -q "no-such.conf" "$T_TMP/err"
ok $? "naming it"
MAILSIFT_CONFIG=$T_TMP/no-such.conf M trend 2>/dev/null
is "$?" 78 "a missing MAILSIFT_CONFIG file exits 78"
M trend --config "$T_TMP/no-such.conf" 2>/dev/null
is "$?" 78 "--config after the command too"
printf 'db = x\n' >"$T_TMP/nogroup.conf"
M --config "$T_TMP/nogroup.conf" trend 2>/dev/null
is "$?" 78 "a file that is not a key file exits 78"

# --- mailsift config ------------------------------------------------------------------------
printf '[common]\ndb = dbname=x password=s3cret\n' >"$T_TMP/pw.conf"
cfg --config "$T_TMP/pw.conf" trend | grep -q s3cret
[ $? != 0 ]; ok $? "config masks the password"
OPT=db; is "$(row --config "$T_TMP/pw.conf" trend)" \
    "db dbname=x password=*** file $T_TMP/pw.conf:2" "masked, not dropped"
all=$(cfg --config "$C" | wc -l)
M --config "$C" config >"$T_TMP/all"
ok $? "config with no command exits 0"
for c in ingest check enrich trend quarantine db; do
	grep -q "^$c " "$T_TMP/all" || echo "# missing $c"
done
[ "$(awk '{print $1}' "$T_TMP/all" | sort -u | wc -l)" -ge 15 ]
ok $? "and lists every command's settings ($all rows)"
M config --config "$C" --format json check >"$T_TMP/json"
python3 - "$T_TMP/json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows and all(set(r) == {"command", "option", "value", "source"} for r in rows), rows
assert {r["option"] for r in rows} >= {"dnsbl", "timeout", "resolver", "db", "since"}
PY
ok $? "config --format json: one object per line (JSON Lines)"
M config nosuchcommand 2>/dev/null
is "$?" 64 "config of an unknown command: 64"
M config ingest --no-such-flag 2>/dev/null
is "$?" 64 "config of a bad command line: 64"
