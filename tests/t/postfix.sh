# postfix.sh - the README's postfix and procmail recipes, with Debian's
# postfix and procmail, for real: a private postfix instance on the
# loopback address (its own config, queue and port), configured as the
# README says (a pipe service in master.cf, a transport map, a recipient
# limit of 1, the database in mailsift's configuration file), gets report
# and bounce mail over SMTP; mailsift stores it.
# With the database unreachable postfix defers (exit 75) and keeps the
# mail in its queue; once it is back, `postfix flush` delivers it and each
# message is stored once.  procmail's recipe (the w flag) falls through
# to the mailbox when mailsift cannot store, and nothing is lost.
#
# Runs as root (postfix's master starts as root, as in CI).  The pipe runs
# as the user that owns the private PostgreSQL (postgres): the test
# cluster trusts only local connections of its roles, and the checkout
# may sit where no other user can reach its socket or binary.  The
# "database stopped" state is the database's socket directory made
# unreachable (a symlink removed), which mailsift sees exactly as a server
# that is down: connecting fails.
. "$TOP/tests/t/lib.sh"

for cmd in postfix postmap postsuper procmail; do
	command -v "$cmd" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "not ok - postfix: $cmd not installed (tests/deps.sh installs postfix and procmail)"
		exit 1
	fi
done
if [ "$(id -u)" != 0 ]; then
	echo "not ok - postfix: must run as root (postfix's master starts as root)"
	exit 1
fi

PF=$T_TMP/pf
chmod 755 "$T_TMP"
mkdir -p "$PF/etc" "$PF/queue" "$PF/data"
chown postfix "$PF/data"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The database's socket, through a link the test can take away.
ln -s "$PGHOST" "$PF/pgsock"
fresh_db mailsift_t_postfix
conninfo="postgresql:///$T_DB?host=$PF/pgsock&port=$PGPORT&user=$PGUSER"

pf_stop() {
	postfix -c "$PF/etc" stop >/dev/null 2>&1
	t_cleanup
}
trap pf_stop EXIT

cp /etc/postfix/master.cf /etc/postfix/dynamicmaps.cf "$PF/etc/"
[ -d /etc/postfix/dynamicmaps.cf.d ] && cp -r /etc/postfix/dynamicmaps.cf.d "$PF/etc/"
cat >"$PF/etc/main.cf" <<EOT
compatibility_level = 3.6
config_directory = $PF/etc
queue_directory = $PF/queue
data_directory = $PF/data
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.test.example
mydestination =
alias_maps =
local_recipient_maps =
relay_domains = example.com
mynetworks = 127.0.0.0/8
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
# Nothing leaves the machine: notices to senders are discarded.
default_transport = discard
# The README's recipe:
transport_maps = hash:$PF/etc/transport
mailsift_destination_recipient_limit = 1
EOT
# smtpd on the test's port instead of 25; the README's pipe service.
sed -i "s/^smtp      inet  n       -       y       -       -       smtpd/127.0.0.1:$port inet n - n - - smtpd/" \
    "$PF/etc/master.cf"
# postfix and procmail run commands with an environment of their own:
# the sanitizer build's settings (leak reports off, as in check-asan) must
# be passed on by hand.
run=$MAILSIFT
[ "${MAILSIFT_ASAN:-0}" = 1 ] && run="/usr/bin/env ASAN_OPTIONS=detect_leaks=0 $MAILSIFT"
# The database in the configuration file, as the README has it (the
# file the test's own; the README's is /etc/mailsift/mailsift.conf).
printf '[common]\ndb = %s\n' "$conninfo" >"$PF/etc/mailsift.conf"
chmod 644 "$PF/etc/mailsift.conf"
cat >>"$PF/etc/master.cf" <<EOT
mailsift  unix  -       n       n       -       4       pipe
  flags=Rq user=postgres argv=$run --config $PF/etc/mailsift.conf ingest -
EOT
echo 'dmarc-reports@example.com   mailsift:' >"$PF/etc/transport"
postmap -c "$PF/etc" "$PF/etc/transport"
ok $? "postmap of the transport map"
postfix -c "$PF/etc" start >"$T_TMP/start" 2>&1
ok $? "a private postfix starts on 127.0.0.1:$port"

# send FILE...: each file to dmarc-reports@example.com over SMTP.
send() {
	python3 - "$port" "$@" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
for f in sys.argv[2:]:
    s.sendmail("reports@reporter.example", ["dmarc-reports@example.com"],
               open(f, "rb").read())
s.quit()
PY
}
# wait_rows N: until ingest_log has N rows (30 s at most).
wait_rows() {
	i=0
	while [ "$(q "SELECT count(*) FROM ingest_log")" -lt "$1" ] && [ $i -lt 60 ]; do
		sleep 0.5
		i=$((i + 1))
	done
	[ "$(q "SELECT count(*) FROM ingest_log")" -ge "$1" ]
}
queued() { find "$PF/queue/deferred" "$PF/queue/active" "$PF/queue/incoming" -type f 2>/dev/null | wc -l | tr -d ' '; }

D=$TOP/tests/data
send "$D/mail/yahoo-gzip.eml" "$D/bounce-join/postfix-userunknown.eml" \
    "$D/tlsrpt/../arf/dmarc-google-like.eml"
ok $? "a DMARC report, a bounce and a failure report sent over SMTP"
wait_rows 3
ok $? "postfix delivered all three to mailsift"
is "$(q "SELECT string_agg(outcome, ',' ORDER BY id) FROM ingest_log_v")" \
    "stored,stored,stored" "each stored"
is "$(q "SELECT count(*) FROM dmarc_report_v")|$(q "SELECT count(*) FROM bounce_v WHERE kind = 'bounce'")|$(q "SELECT count(*) FROM dmarc_failure_v")" \
    "1|1|1" "one report, one bounced recipient, one failure report"
i=0
while [ "$(grep -c 'relay=mailsift.*status=sent' "$PF/maillog")" -lt 3 ] && [ $i -lt 60 ]; do
	sleep 0.5; i=$((i + 1))
done
is "$(grep -c 'relay=mailsift.*status=sent' "$PF/maillog")" 3 \
    "postfix logs status=sent through the mailsift service, three times"
grep 'relay=mailsift' "$PF/maillog" | grep -v 'status=sent' | sed 's/^/#   /' | head -5

# --- the database unreachable: deferred, kept, then stored once --------------------------
rm "$PF/pgsock"
send "$D/mail/google-zip.eml" "$D/bounce-join/postfix-gmail-5.7.26.eml"
ok $? "two more messages sent with the database unreachable"
i=0
while ! grep -q 'status=deferred.*temporary failure' "$PF/maillog" && [ $i -lt 60 ]; do
	sleep 0.5; i=$((i + 1))
done
grep -q 'relay=mailsift.*status=deferred' "$PF/maillog"
ok $? "postfix defers them (mailsift exits 75)"
is "$(queued)" 2 "both stay in postfix's queue"
is "$(q "SELECT count(*) FROM ingest_log")" 3 "nothing half-written in the database"
ln -s "$PGHOST" "$PF/pgsock"
postfix -c "$PF/etc" flush
ok $? "database back: postfix flush"
wait_rows 5
ok $? "the deferred messages are delivered"
i=0
while [ "$(queued)" != 0 ] && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
is "$(queued)" 0 "postfix's queue is empty"
is "$(q "SELECT count(*) FROM ingest_log")|$(q "SELECT count(*) FROM dmarc_report_v")|$(q "SELECT count(*) FROM bounce_v WHERE reason = 'authfailure'")" \
    "5|2|2" "each stored exactly once"

# --- the same message again: duplicate, delivered (exit 0) ---------------------------------
send "$D/mail/google-zip.eml"
wait_rows 6
is "$(q "SELECT outcome FROM ingest_log_v ORDER BY id DESC LIMIT 1")" duplicate \
    "the same report again is logged duplicate"
is "$(queued)" 0 "and postfix does not keep it"

# --- procmail, the README's recipe ------------------------------------------------------
cat >"$T_TMP/procmailrc" <<EOT
SHELL=/bin/sh
DEFAULT=$T_TMP/fallback.mbox
LOGFILE=$T_TMP/procmail.log
:0 w
* ^TO_dmarc-reports@example\\.com
| $run --db '$conninfo' ingest -
EOT
msg() {	# FILE: as the MTA hands it to procmail: a From_ line, the report
	# address as its To:
	echo "From reports@reporter.example  Sun Dec  6 00:00:00 2026"
	sed '1,/^$/{/^To:/Id;}' "$1" | sed '1i To: dmarc-reports@example.com'
}
msg "$D/bounce-join/dmarc-google.eml" | procmail -m "$T_TMP/procmailrc"
ok $? "procmail runs the recipe"
is "$(q "SELECT outcome FROM ingest_log_v ORDER BY id DESC LIMIT 1")" stored \
    "procmail: the report is stored"
[ ! -s "$T_TMP/fallback.mbox" ]
ok $? "procmail: nothing fell through to the mailbox"
rm "$PF/pgsock"
msg "$D/bounce-join/dmarc-yahoo.eml" | procmail -m "$T_TMP/procmailrc"
ok $? "procmail with the database unreachable still delivers"
grep -qi 'yahoo' "$T_TMP/fallback.mbox"
ok $? "procmail: the message fell through to the mailbox (w saw exit 75)"
ln -s "$PGHOST" "$PF/pgsock"
"$MAILSIFT" --db "$conninfo" ingest --mbox "$T_TMP/fallback.mbox" 2>"$T_TMP/err"
ok $? "the fallback mailbox ingests once the database is back"
sed 's/^/#   /' "$T_TMP/err"
is "$(q "SELECT count(*) FROM dmarc_report_v")" 4 "procmail: nothing lost, nothing twice"
