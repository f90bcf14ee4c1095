#!/bin/sh
# unbound.sh - a private DNS server for the tests and the bench: Debian's
# unbound on 127.0.0.1 and a free port, answering only from the zones the
# caller writes, never asking anyone else.
#
#   tests/unbound.sh start DIR	DIR/zones.conf holds unbound "server:"
#				lines (local-zone, local-data) and may hold
#				stub-zone clauses after them; prints the port
#   tests/unbound.sh stop DIR
#   tests/unbound.sh blackhole DIR	a UDP socket on 127.0.0.1 that reads
#				and counts datagrams, never answers (a
#				resolver that is down, a zone that times
#				out); prints its port; DIR/blackhole.count
#				holds the count; stopped by stop
#
# Everything not in zones.conf is NXDOMAIN (local-zone "." static), so no
# query ever leaves the machine.  Two answers a zone file cannot give:
#   REFUSED:	local-zone: "NAME." refuse
#   SERVFAIL:	a stub zone whose server unbound may not query:
#		local-zone: "NAME." transparent, then
#		stub-zone: name: "NAME." stub-addr: 127.0.0.254
#		(do-not-query-address below: answered at once, no traffic).
#   A timeout:	a stub zone pointing at the blackhole's port.
set -e
cmd=$1 dir=$2
[ -n "$dir" ] || { echo "usage: $0 start|stop|blackhole DIR" >&2; exit 64; }
dir=$(cd "$dir" && pwd)	# unbound reads its include from anywhere

free_port() {
	python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

case $cmd in
start)
	command -v unbound >/dev/null ||
		{ echo "unbound.sh: unbound is not installed (tests/deps.sh)" >&2; exit 69; }
	port=$(free_port)
	cat >"$dir/unbound.conf" <<EOF
server:
	interface: 127.0.0.1@$port
	port: $port
	do-ip6: no
	username: ""
	chroot: ""
	directory: "$dir"
	pidfile: "$dir/unbound.pid"
	use-syslog: no
	logfile: "$dir/unbound.log"
	verbosity: 0
	module-config: "iterator"
	num-threads: 1
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	do-not-query-address: 127.0.0.254
	num-queries-per-thread: 4096
	outgoing-range: 8192
	so-rcvbuf: 4m
	local-zone: "." static
include: "$dir/zones.conf"
remote-control:
	control-enable: no
EOF
	unbound-checkconf "$dir/unbound.conf" >"$dir/checkconf.out" 2>&1 ||
		{ cat "$dir/checkconf.out" >&2; exit 78; }
	unbound -c "$dir/unbound.conf"
	# Up when it answers (the root is a static zone: NXDOMAIN at once).
	i=0
	until python3 - "$port" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
q = bytes.fromhex("12340100000100000000000004746573740000010001")
s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
try:
    s.recv(512)
except OSError:
    sys.exit(1)
EOF
	do
		i=$((i + 1))
		[ $i -lt 150 ] || { echo "unbound.sh: unbound did not answer" >&2
			cat "$dir/unbound.log" >&2; exit 1; }
		sleep 0.1
	done
	echo "$port"
	;;
blackhole)
	port=$(free_port)
	python3 - "$port" "$dir/blackhole.count" >/dev/null 2>&1 <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(1)
n, end = 0, time.time() + 1800      # never outlives a forgotten stop
open(sys.argv[2], "w").write("0\n")
while time.time() < end:
    try:
        s.recv(4096)
    except socket.timeout:
        continue
    n += 1
    open(sys.argv[2], "w").write("%d\n" % n)
EOF
	echo $! >"$dir/blackhole.pid"
	# Bound when the count file exists.
	i=0
	while [ ! -f "$dir/blackhole.count" ] && [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
	echo "$port"
	;;
stop)
	for f in "$dir/unbound.pid" "$dir/blackhole.pid"; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
		rm -f "$f"
	done
	;;
*)
	echo "usage: $0 start|stop|blackhole DIR" >&2; exit 64 ;;
esac
