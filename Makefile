# mailsift - DMARC aggregate reports and bounces into PostgreSQL.
#
#   make demo     fresh Debian: packages, build, private PostgreSQL, sample ingest, trend
#   make check    fresh Debian: packages, build, private PostgreSQL, every test
#   make          build build/mailsift (needs the -dev packages: make deps)
#   make bench    benchmark against the parsing/storage floors and dmarcts-report-parser
#   make bench-scale  the queries over a big generated history (SCALE_RECORDS)
#   make check-asan   the test suite under ASan + UBSan
#   make check-valgrind   unit and functional tests under valgrind memcheck
#   make fuzz FUZZ_SECONDS=N   every libFuzzer harness for N seconds

PKGS     = gmime-3.0 glib-2.0 libxml-2.0 zlib libzip libpq json-c libcares \
    libpsl libmaxminddb libcurl
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -std=c11 -Wall -Wextra -Wshadow -Wno-unused-parameter
B       ?= build
FUZZ_SECONDS ?= 60
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
# libpq, libzip and libxml2 are not linked: store/pq.c, ingest/zip_dl.c and
# parse/dmarc/xml_dl.c (and parse/tlsrpt/json_dl.c for json-c) load them
# on first use, so a command starts without their 30-odd libraries until it
# needs a database, a zip, XML or JSON; c-ares, libpsl and libmaxminddb
# the same (enrich/*_dl.c): only `mailsift enrich` uses them; libcurl
# (check/curl_dl.c) only `mailsift check`'s MTA-STS fetch.  -O1 and
# --as-needed: fewer, faster-resolved dependencies at every exec (the
# postfix pipe runs one per message).
PKG_LIBS   = $(filter-out -lpq -lzip -lxml2 -ljson-c -lcares -lpsl -lmaxminddb -lcurl,\
    $(shell pkg-config --libs $(PKGS)))
# make STATIC_GMIME=1: GMime, GIO, GObject, GModule, GLib, libffi and PCRE2
# linked from their .a archives (in Debian's -dev packages): half the
# relocations and 7 fewer libraries at exec, about 2 ms less per message
# on the test VM; but the stripped binary grows from 0.6 to 4.5 MB and a
# GLib or GMime security update needs a rebuild, so not the default.
# Debian has no libgpgme.so link without libgpgme-dev: name the soname.
GMIME_STATIC = -lgmime-3.0 -lgio-2.0 -lgobject-2.0 -lgmodule-2.0 \
    -lglib-2.0 -lffi -lpcre2-8
ifeq ($(STATIC_GMIME),1)
PKG_LIBS   = -Wl,-Bstatic $(GMIME_STATIC) -Wl,-Bdynamic -l:libgpgme.so.11 \
    -lgpg-error -lidn2 -lmount -lselinux -lz -lm -pthread
endif
LINK_FLAGS = -Wl,-O1 -Wl,--as-needed
ALL_CFLAGS = $(WARN) -D_GNU_SOURCE $(CFLAGS) $(PKG_CFLAGS) -I.

LIB_SRC  = $(wildcard ingest/*.c parse/*.c parse/*/*.c parse/*/*/*.c store/*.c report/*.c \
    enrich/*.c check/*.c)
CLI_SRC  = $(wildcard cli/*.c)
TEST_SRC = $(wildcard tests/unit/*_test.c)
GEN_SRC  = $(wildcard tests/gen/*.c)
SQL      = $(sort $(wildcard sql/*.sql))
# Compiled in with the migrations: the named services' table, used when no
# installed copy is found (enrich/services.c).
DATA     = share/mailsift/services.tsv

LIB_OBJ  = $(LIB_SRC:%.c=$(B)/obj/%.o) $(B)/obj/sql_resources.o
CLI_OBJ  = $(CLI_SRC:%.c=$(B)/obj/%.o)
TEST_BIN = $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
GEN_BIN  = $(if $(GEN_SRC),$(B)/mailsift-gen)

.PHONY: FORCE all deps check check-asan check-valgrind demo bench bench-scale clean pg-start pg-stop fuzz install
all: $(B)/mailsift $(TEST_BIN) $(GEN_BIN)

$(B)/mailsift: $(CLI_OBJ) $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) $(LINK_FLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $(LINK_FLAGS) -o $@ $^ $(PKG_LIBS)

# arf_test reads the corpus's expected JSON with json-glib (a test-only
# dependency: mailsift itself reads JSON with json-c, parse/tlsrpt).
$(B)/tests/arf_test: PKG_LIBS += -ljson-glib-1.0
$(B)/obj/tests/unit/arf_test.o: PKG_CFLAGS += $(shell pkg-config --cflags json-glib-1.0)

$(B)/mailsift-gen: $(GEN_SRC:%.c=$(B)/obj/%.o)
	$(CC) $(CFLAGS) $(LDFLAGS) $(LINK_FLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# The migrations are compiled into the binary as GResources, so an installed
# mailsift needs no data directory.  The list is written at every make and
# replaces the old one only when it differs: a migration removed (or a
# branch switched) changes no file's time, yet must leave the binary.
$(B)/sql.gresource.xml: FORCE
	@mkdir -p $(@D)
	@{ echo '<?xml version="1.0" encoding="UTF-8"?><gresources><gresource prefix="/mailsift">'; \
	  for f in $(SQL) $(DATA); do echo "<file>$$f</file>"; done; \
	  echo '</gresource></gresources>'; } > $@.new
	@cmp -s $@.new $@ && rm -f $@.new || mv $@.new $@
FORCE:
$(B)/sql_resources.c: $(B)/sql.gresource.xml $(SQL) $(DATA)
	glib-compile-resources --sourcedir=. --generate-source --target=$@ $<
$(B)/obj/sql_resources.o: $(B)/sql_resources.c
	$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -c -o $@ $<

deps:
	@tests/deps.sh

# Sub-makes run after deps so pkg-config sees freshly installed packages.
check: deps
	@$(MAKE) --no-print-directory all
	@tests/run.sh

check-asan: deps
	@$(MAKE) --no-print-directory B=build/asan \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    LDFLAGS="-fsanitize=address,undefined" all
	@MAILSIFT_BUILD=build/asan ASAN_OPTIONS=detect_leaks=0 tests/run.sh

# Unit tests and the functional shell tests with every process under
# valgrind memcheck (slow: not part of check).
check-valgrind:
	@MAILSIFT_EXTRA_PKGS=valgrind tests/deps.sh
	@$(MAKE) --no-print-directory B=build/vg CFLAGS="-O1 -g" all
	@MAILSIFT_BUILD=build/vg tests/valgrind.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/bench.sh

# Not in bench or check: hours at 10M records (SCALE_RECORDS, README).
bench-scale: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/scale.sh

fuzz:
	@MAILSIFT_EXTRA_PKGS="clang libclang-rt-14-dev" tests/deps.sh
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

pg-start:
	@tests/pg.sh start
pg-stop:
	@tests/pg.sh stop

clean:
	@tests/pg.sh stop >/dev/null 2>&1 || true
	rm -rf $(B) build

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

PREFIX ?= /usr/local
install: $(B)/mailsift
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(B)/mailsift $(DESTDIR)$(PREFIX)/bin/mailsift
	install -d $(DESTDIR)$(PREFIX)/share/mailsift
	install -m 644 share/mailsift/services.tsv \
	    $(DESTDIR)$(PREFIX)/share/mailsift/services.tsv
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 docs/mailsift.1 $(DESTDIR)$(PREFIX)/share/man/man1/mailsift.1
