# Nudge build entry point. `scripts/test` and `scripts/demo` install what
# is needed on Debian 12 and then call the targets below.

SWIFT      ?= swift
PREFIX     ?= /usr/local
CC         ?= cc
CFLAGS     ?= -O2 -g -Wall -Wextra -Werror -std=c11
BUILD      := .build/release
LIB        := $(BUILD)/libnudge.so
OUT        := out
SWIFT_LIB_FLAGS := -c release --product nudge -Xswiftc -static-stdlib

.PHONY: all lib test swift-test c-test py-test check-ldd lua-test erl-test demo demo-c bench bench-apns bench-webpush install clean

all: lib

# The Swift runtime is linked in statically, so hosts that dlopen the
# library need no Swift toolchain.
lib:
	$(SWIFT) build $(SWIFT_LIB_FLAGS)

$(LIB): lib

# libnudge.so may need only libc, libm, libstdc++, libgcc_s and the system
# libraries of DESIGN.md (LMDB, expat, libcrypto, libcurl): anything else
# would have to be installed on every server that loads Nudge. Its own
# NEEDED entries are what it links; ldd would add libcurl's dependencies,
# which Debian installs with libcurl. (libpthread, libdl and librt are
# glibc's own, empty stubs of libc since 2.34.)
check-ldd: lib
	@bad=$$(readelf -d $(LIB) | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -vE '^(ld-linux-x86-64\.so|libc\.so|libpthread\.so|libdl\.so|librt\.so|libm\.so|libstdc\+\+\.so|libgcc_s\.so|liblmdb\.so|libexpat\.so|libcrypto\.so|libssl\.so|libcurl\.so)' || true); \
	if [ -n "$$bad" ]; then echo "libnudge.so links unexpected libraries: $$bad"; exit 1; fi; \
	ldd $(LIB) | grep -q 'not found' && { echo "libnudge.so has unresolved libraries:"; ldd $(LIB); exit 1; } || true; \
	echo "libnudge.so links only: $$(readelf -d $(LIB) | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"

swift-test:
	$(SWIFT) test

C_TESTS := $(OUT)/test_abi $(OUT)/test_bad_input $(OUT)/test_crash $(OUT)/test_disk_full
C_LINK  := -L$(BUILD) -Wl,-rpath,$(abspath $(BUILD)) -lnudge

$(OUT)/%: bindings/c/tests/%.c bindings/c/tests/harness.c bindings/c/tests/harness.h include/nudge.h $(LIB)
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) -Iinclude -Ibindings/c/tests $< bindings/c/tests/harness.c -o $@ $(C_LINK) -lexpat

$(OUT)/example_host: bindings/c/example_host.c include/nudge.h $(LIB)
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) -Iinclude $< -o $@ $(C_LINK)

c-test: lib $(C_TESTS)
	@for t in $(C_TESTS); do echo "== $$t"; $$t || exit 1; done

# The vendor mocks, the ctypes host and the end-to-end tests (through the C
# ABI, through real Prosody and ejabberd, and through nudge-component next
# to both), in .venv (scripts/test makes it). NUDGE_REQUIRE_PROSODY and
# NUDGE_REQUIRE_EJABBERD make a missing server an error instead of a skip.
py-test: lib
	$(MAKE) -C bindings/prosody
	$(MAKE) -C bindings/ejabberd
	$(MAKE) -C bindings/component
	NUDGE_REQUIRE_PROSODY=1 NUDGE_REQUIRE_EJABBERD=1 .venv/bin/python -m pytest -q -p no:cacheprovider \
		tests/mocks tests/host tests/e2e tests/prosody tests/ejabberd tests/component

# The Prosody binding's Lua C module, against the built library.
lua-test: lib
	$(MAKE) -C bindings/prosody test

# The ejabberd binding's NIF and option checks (eunit), against the built library.
erl-test: lib
	$(MAKE) -C bindings/ejabberd test

test: swift-test check-ldd c-test lua-test erl-test py-test fuzz-smoke

include fuzz/fuzz.mk

# Real Prosody with mod_nudge, slixmpp clients and the APNs mock (needs the
# .venv that scripts/demo makes).
demo: lib
	$(MAKE) -C bindings/prosody
	.venv/bin/python demo/prosody_demo.py

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

# Needs nginx and h2load: apt-get install nginx-light nghttp2-client bc
bench-apns: lib $(OUT)/bench_delivery
	bench/run_apns.sh

# Needs nginx and openssl: apt-get install nginx-light openssl bc util-linux
bench-webpush: lib $(OUT)/bench_delivery
	bench/run_webpush.sh

install: lib
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 0755 $(LIB) $(DESTDIR)$(PREFIX)/lib/libnudge.so
	install -m 0644 include/nudge.h $(DESTDIR)$(PREFIX)/include/nudge.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/^#define NUDGE_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)/\2/p' include/nudge.h | paste -sd.)|g' \
		bindings/c/nudge.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/nudge.pc

clean:
	rm -rf .build $(FUZZ_SCRATCH) $(OUT)
	$(MAKE) -C bindings/prosody clean
	$(MAKE) -C bindings/ejabberd clean
	$(MAKE) -C bindings/component clean
