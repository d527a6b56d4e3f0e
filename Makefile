# Nudge build entry point. `scripts/test` and `scripts/demo` install what
# is needed on Debian 12 and then call the targets below.

SWIFT      ?= swift
PREFIX     ?= /usr/local
CC         ?= cc
CFLAGS     ?= -O2 -g -Wall -Wextra -Werror -std=c11
BUILD      := .build/release
LIB        := $(BUILD)/libnudge.so
OUT        := out
# No $ORIGIN RUNPATH (SwiftPM's default): the library needs nothing beside
# it, and an installed one must search only the system's paths.
SWIFT_LIB_FLAGS := -c release --product nudge --disable-local-rpath -Xswiftc -static-stdlib -Xswiftc -use-ld=lld
VERSION    := $(shell sed -n 's/^\#define NUDGE_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)/\2/p' include/nudge.h | paste -sd.)
ABI_MAJOR  := 0

.PHONY: all lib test swift-test c-test py-test check-ldd check-exports lua-test erl-test demo demo-c bench bench-postgresql bench-apns bench-webpush install print-version clean

all: lib

# The Swift runtime is linked in statically, so hosts that dlopen the
# library need no Swift toolchain. Its SONAME is libnudge.so.0, so what
# links -lnudge here loads libnudge.so.0: the link beside it makes the
# build tree look like an installed library.
lib:
	$(SWIFT) build $(SWIFT_LIB_FLAGS)
	ln -sf libnudge.so $(BUILD)/libnudge.so.0

$(LIB): lib

# libnudge.so may need only libc, libm, libstdc++, libgcc_s and the system
# libraries of DESIGN.md (LMDB, expat, libcrypto, libcurl, libpq for the
# PostgreSQL store): anything else
# would have to be installed on every server that loads Nudge. Its own
# NEEDED entries are what it links; ldd would add libcurl's dependencies,
# which Debian installs with libcurl. (libpthread, libdl and librt are
# glibc's own, empty stubs of libc since 2.34.)
check-ldd: lib
	@bad=$$(readelf -d $(LIB) | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -vE '^(ld-linux-x86-64\.so|libc\.so|libpthread\.so|libdl\.so|librt\.so|libm\.so|libstdc\+\+\.so|libgcc_s\.so|liblmdb\.so|libexpat\.so|libcrypto\.so|libssl\.so|libcurl\.so|libpq\.so)' || true); \
	if [ -n "$$bad" ]; then echo "libnudge.so links unexpected libraries: $$bad"; exit 1; fi; \
	ldd $(LIB) | grep -q 'not found' && { echo "libnudge.so has unresolved libraries:"; ldd $(LIB); exit 1; } || true; \
	echo "libnudge.so links only: $$(readelf -d $(LIB) | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"

# The library as lmdb ships one: SONAME libnudge.so.0, and in its dynamic
# symbol table only the functions of include/nudge.h (Sources/ABI/exports.map),
# each of which the header declares.
check-exports: lib
	@soname=$$(readelf -d $(LIB) | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p'); \
	[ "$$soname" = "libnudge.so.$(ABI_MAJOR)" ] || { echo "libnudge.so's SONAME is '$$soname', not libnudge.so.$(ABI_MAJOR)"; exit 1; }; \
	exported=$$(nm -D --defined-only $(LIB) | awk '{print $$3}' | sed 's/@.*//' | sort -u); \
	stray=$$(echo "$$exported" | grep -v '^nudge_' || true); \
	[ -z "$$stray" ] || { echo "libnudge.so exports more than nudge_*: $$(echo "$$stray" | head -20 | tr '\n' ' ')"; exit 1; }; \
	declared=$$(grep -oE '^[a-z][^;()]*\bnudge_[a-z0-9_]+\(' include/nudge.h | grep -oE 'nudge_[a-z0-9_]+' | sort -u); \
	extra=$$(for f in $$exported; do echo "$$declared" | grep -qx $$f || echo $$f; done); \
	missing=$$(for f in $$declared; do echo "$$exported" | grep -qx $$f || echo $$f; done); \
	[ -z "$$extra$$missing" ] || { echo "libnudge.so exports, but nudge.h does not declare: $$extra"; \
		echo "nudge.h declares, but libnudge.so does not export: $$missing"; exit 1; }; \
	echo "libnudge.so: SONAME $$soname, $$(echo "$$exported" | wc -l) symbols, exactly the functions of nudge.h"

# The store tests run on PostgreSQL too, against a server that
# tests/support/postgres.py starts for them (initdb in a temporary folder)
# and stops; NUDGE_REQUIRE_POSTGRESQL=1 makes a missing server an error
# instead of a skip.
swift-test:
	NUDGE_REQUIRE_POSTGRESQL=1 python3 tests/support/postgres.py run $(SWIFT) test

C_TESTS := $(OUT)/test_abi $(OUT)/test_bad_input $(OUT)/test_crash $(OUT)/test_disk_full $(OUT)/test_fork
C_LINK  := -L$(BUILD) -Wl,-rpath,$(abspath $(BUILD)) -lnudge

$(OUT)/%: bindings/c/tests/%.c bindings/c/tests/harness.c bindings/c/tests/harness.h include/nudge.h $(LIB)
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) -Iinclude -Ibindings/c/tests $< bindings/c/tests/harness.c -o $@ $(C_LINK) -lexpat

$(OUT)/example_host: bindings/c/example_host.c include/nudge.h $(LIB)
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) -Iinclude $< -o $@ $(C_LINK)

# A store damaged every way (truncated, corrupted, emptied) never crashes the host.
C_TESTS += $(OUT)/test_damaged_store

c-test: lib $(C_TESTS)
	@for t in $(C_TESTS); do echo "== $$t"; $$t || exit 1; done

# The vendor mocks, the ctypes host and the end-to-end tests (through the C
# ABI, through real Prosody and ejabberd, and through nudge-component next
# to both), in .venv (scripts/test makes it). NUDGE_REQUIRE_PROSODY and
# NUDGE_REQUIRE_EJABBERD make a missing server an error instead of a skip,
# as NUDGE_REQUIRE_POSTGRESQL does for the PostgreSQL store's tests.
# tests/packages builds the Debian packages (debian/) in a copy of the
# tracked files, installs them into this machine and purges them (as root:
# NUDGE_REQUIRE_PACKAGES makes anything missing an error).
py-test: lib
	$(MAKE) -C bindings/prosody
	$(MAKE) -C bindings/ejabberd
	$(MAKE) -C bindings/component
	NUDGE_REQUIRE_PROSODY=1 NUDGE_REQUIRE_EJABBERD=1 NUDGE_REQUIRE_PACKAGES=1 NUDGE_REQUIRE_DOCS=1 NUDGE_REQUIRE_POSTGRESQL=1 .venv/bin/python -m pytest -q -p no:cacheprovider \
		tests/mocks tests/host tests/e2e tests/postgresql tests/servers tests/prosody tests/ejabberd tests/component tests/packages tests/docs

# The Prosody binding's Lua C module, against the built library.
lua-test: lib
	$(MAKE) -C bindings/prosody test

# The ejabberd binding's NIF and option checks (eunit), against the built library.
erl-test: lib
	$(MAKE) -C bindings/ejabberd test

test: swift-test check-ldd check-exports c-test lua-test erl-test py-test fuzz-smoke

include fuzz/fuzz.mk

# Real Prosody with mod_nudge, slixmpp clients and the APNs mock (needs the
# .venv that scripts/demo makes).
demo: lib
	$(MAKE) -C bindings/prosody
	.venv/bin/python -m demo.prosody_demo

# The C example host alone: what a C server does with nudge.h.
demo-c: lib $(OUT)/example_host
	$(OUT)/example_host

$(OUT)/bench_held: bench/bench_held.c include/nudge.h $(LIB)
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) -Iinclude $< -o $@ $(C_LINK) -lpthread -lm

$(OUT)/bench_delivery: bench/bench_delivery.c include/nudge.h $(LIB)
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) -Iinclude $< -o $@ $(C_LINK)

bench: lib $(OUT)/bench_held
	$(OUT)/bench_held

# The same on a PostgreSQL store, on a private server on this machine
# (tests/support/postgres.py: initdb in /tmp, fsync on).
bench-postgresql: lib $(OUT)/bench_held
	python3 tests/support/postgres.py run sh -c 'NUDGE_BENCH_POSTGRESQL_URL="$$NUDGE_TEST_POSTGRESQL_URL" $(OUT)/bench_held $(BENCH_ARGS)'

# Needs nginx and h2load: apt-get install nginx-light nghttp2-client bc
bench-apns: lib $(OUT)/bench_delivery
	bench/run_apns.sh

# Needs nginx and openssl: apt-get install nginx-light openssl bc util-linux
bench-webpush: lib $(OUT)/bench_delivery
	bench/run_webpush.sh

# LIBDIR and INCLUDEDIR as GNU's libdir and includedir (debian/rules
# passes the multiarch LIBDIR); nudge.pc names them relative to ${prefix}.
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PC_PATH     = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

install: lib
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 0755 $(LIB) $(DESTDIR)$(LIBDIR)/libnudge.so.$(VERSION)
	ln -sf libnudge.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libnudge.so.$(ABI_MAJOR)
	ln -sf libnudge.so.$(ABI_MAJOR) $(DESTDIR)$(LIBDIR)/libnudge.so
	install -m 0644 include/nudge.h $(DESTDIR)$(INCLUDEDIR)/nudge.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
		-e 's|@LIBDIR@|$(call PC_PATH,$(LIBDIR))|g' -e 's|@INCLUDEDIR@|$(call PC_PATH,$(INCLUDEDIR))|g' \
		bindings/c/nudge.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/nudge.pc

# For debian/rules, which checks that debian/changelog names this version.
print-version:
	@echo $(VERSION)

clean:
	rm -rf .build $(FUZZ_SCRATCH) $(OUT)
	$(MAKE) -C bindings/prosody clean
	$(MAKE) -C bindings/ejabberd clean
	$(MAKE) -C bindings/component clean
