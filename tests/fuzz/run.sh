#!/bin/sh
# run.sh - `make fuzz FUZZ_SECONDS=N`: build every libFuzzer harness in
# tests/fuzz with ASan + UBSan and run each for N seconds, seeded from the
# project's fixtures.  Crashes land in build/fuzz/NAME/crash-*; add each as
# a regression fixture under tests/data/ once fixed.  FUZZ_ONLY="fuzz_bounce"
# runs only the harnesses named; FUZZ_OUT=DIR works there, not in build/fuzz.
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
secs=${FUZZ_SECONDS:-60}
out=${FUZZ_OUT:-build/fuzz}
mkdir -p "$out"
out=$(cd "$out" && pwd)
CC=${FUZZ_CC:-clang}
flags="-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I."
pkgs="gmime-3.0 glib-2.0 libxml-2.0 zlib libzip"
cflags=$(pkg-config --cflags $pkgs)
# libxml2 and libzip are not linked: parse/dmarc/xml_dl.c and ingest/zip_dl.c
# load them on first use, as in mailsift.
libs=$(pkg-config --libs gmime-3.0 glib-2.0 zlib)

# Every parser, in its folder (parse/NAME/, parse/NAME/PART/).
PARSE_SRC=$(find parse -name "*.c" | sort)

build() {	# name, sources...
	name=$1; shift
	mkdir -p "$out/bin"
	$CC $flags $cflags -o "$out/bin/$name" "$@" $libs
}
build fuzz_dmarc tests/fuzz/fuzz_dmarc.c $PARSE_SRC
build fuzz_walk tests/fuzz/fuzz_walk.c ingest/*.c $PARSE_SRC
build fuzz_bounce tests/fuzz/fuzz_bounce.c ingest/*.c $PARSE_SRC
build fuzz_arf tests/fuzz/fuzz_arf.c ingest/*.c $PARSE_SRC
build fuzz_tlsrpt tests/fuzz/fuzz_tlsrpt.c $PARSE_SRC
# enrich/'s DNS answer reader, with the host-name check it uses.
build fuzz_dns tests/fuzz/fuzz_dns.c enrich/dns.c enrich/name.c \
    enrich/psl_dl.c parse/common/lazylib.c

seed() {	# name, seed files...
	name=$1; shift
	mkdir -p "$out/$name/corpus"
	for f in "$@"; do
		[ -f "$f" ] && cp "$f" "$out/$name/corpus/" 2>/dev/null || true
	done
}
seed fuzz_dmarc tests/data/dmarc/*
seed fuzz_walk tests/data/mail/* tests/data/maildir/*/* tests/data/fuzz/*
seed fuzz_bounce tests/data/bounces/*.eml tests/data/bounces/*/*.eml \
    tests/data/bounces/families/*/*.eml \
    tests/data/fuzz/*
seed fuzz_arf tests/data/arf/* tests/data/fuzz/* \
    "${CORPUS:-$top/../shared/corpus}"/arf/*/*
seed fuzz_tlsrpt tests/data/tlsrpt/* tests/data/fuzz/tlsrpt-*
seed fuzz_dns tests/data/dns/*

status=0
for name in ${FUZZ_ONLY:-fuzz_dmarc fuzz_walk fuzz_bounce fuzz_arf fuzz_tlsrpt fuzz_dns}; do
	echo "== $name for ${secs}s"
	(cd "$out/$name" && ASAN_OPTIONS=detect_leaks=1 "$out/bin/$name" -max_total_time="$secs" \
	    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 corpus \
	    >log 2>&1) || status=1
	tail -n 12 "$out/$name/log"
	ls "$out/$name"/crash-* "$out/$name"/leak-* "$out/$name"/timeout-* 2>/dev/null || true
done
exit $status
