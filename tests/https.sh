#!/bin/sh
# https.sh - a private HTTPS server for the tests: MTA-STS policies
# (tests/t/check.sh) served by python3 on 127.0.0.1 and a free port, with
# a certificate of a test CA made here by openssl.
#
#   tests/https.sh start DIR	DIR/names: the host names the certificate
#				covers, one a line; DIR/site/HOST/ what HOST
#				answers (below); prints the port; the CA to
#				trust is DIR/ca.pem
#   tests/https.sh stop DIR
#
# DIR/site/HOST/ holds body (the response's body), and optionally status
# (a number, 200 by default), type (the Content-Type, text/plain by
# default), location (a Location header) and sleep (seconds to wait
# before answering: a server too slow).  A host without a directory gets
# 404.  Only GET /.well-known/mta-sts.txt is served; anything else, 404.
set -e
cmd=$1 dir=$2
[ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 64; }
dir=$(cd "$dir" && pwd)

case $cmd in
start)
	command -v openssl >/dev/null ||
		{ echo "https.sh: openssl is not installed (tests/deps.sh)" >&2; exit 69; }
	san=$(sed 's/^/DNS:/' "$dir/names" | paste -sd, -)
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mailsift test CA" \
	    -keyout "$dir/ca.key" -out "$dir/ca.pem" >/dev/null 2>&1
	openssl req -newkey rsa:2048 -nodes -subj "/CN=mailsift test server" \
	    -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
	    "$san" >"$dir/ext.cnf"
	openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
	    -CAcreateserial -days 2 -extfile "$dir/ext.cnf" -out "$dir/server.pem" \
	    >/dev/null 2>&1
	rm -f "$dir/port"
	python3 - "$dir" >"$dir/server.log" 2>&1 <<'EOF' &
import http.server, os, socket, ssl, sys, threading, time
top = sys.argv[1]

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        site = os.path.join(top, "site", host)
        def get(name, default=None):
            try:
                with open(os.path.join(site, name), "rb") as f:
                    return f.read()
            except OSError:
                return default
        if self.path != "/.well-known/mta-sts.txt" or "/" in host or \
                not os.path.isdir(site):
            self.send_error(404)
            return
        time.sleep(float(get("sleep", b"0")))
        body = get("body", b"")
        self.send_response(int(get("status", b"200")))
        self.send_header("Content-Type", get("type", b"text/plain").decode().strip())
        if get("location"):
            self.send_header("Location", get("location").decode().strip())
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, fmt, *args):
        sys.stderr.write(fmt % args + "\n")

class S(http.server.ThreadingHTTPServer):
    daemon_threads = True

srv = S(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(os.path.join(top, "server.pem"), os.path.join(top, "server.key"))
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(os.path.join(top, "port.tmp"), "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(os.path.join(top, "port.tmp"), os.path.join(top, "port"))
# never outlives a forgotten stop
threading.Timer(1800, lambda: os._exit(0)).start()
srv.serve_forever()
EOF
	echo $! >"$dir/https.pid"
	i=0
	while [ ! -f "$dir/port" ]; do
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "https.sh: the server did not start" >&2
			cat "$dir/server.log" >&2; exit 1; }
		sleep 0.05
	done
	cat "$dir/port"
	;;
stop)
	[ -f "$dir/https.pid" ] && kill "$(cat "$dir/https.pid")" 2>/dev/null || true
	rm -f "$dir/https.pid"
	;;
*)
	echo "usage: $0 start|stop DIR" >&2; exit 64 ;;
esac
