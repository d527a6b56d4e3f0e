# libFuzzer targets (fuzz/README.md). Included by the top-level Makefile;
# paths are relative to the repository root.
#
# The library is built a second time, with the release build's flags, in
# its own scratch path, adding coverage (inline 8-bit counters, PC table,
# comparisons) and ASan to the Swift code, and coverage, ASan and UBSan to
# its C code, so the fuzzer is guided by the engine's branches, not only
# the harness's. The harness is
# built by Debian's clang-14 with -fsanitize=fuzzer,address,undefined: its
# libFuzzer and sanitizer runtimes (linked into the executable) serve the
# library's instrumentation too.

FUZZ_CC      ?= clang-14
FUZZ_TIME    ?= 60
FUZZ_SCRATCH := .build-fuzz
FUZZ_LIBDIR  := $(FUZZ_SCRATCH)/release
FUZZ_OUT     := $(OUT)/fuzz
FUZZ_TARGETS := fuzz_handle_stanza fuzz_stanza_held fuzz_config
FUZZ_BINS    := $(addprefix $(FUZZ_OUT)/,$(FUZZ_TARGETS))
FUZZ_SWIFT_FLAGS := $(SWIFT_LIB_FLAGS) --scratch-path $(FUZZ_SCRATCH) \
	-Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
	-Xcc -fsanitize=fuzzer-no-link,address,undefined
FUZZ_CFLAGS  := -g -O1 -Wall -Wextra -Werror -std=c11 -Iinclude \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_LINK    := -L$(FUZZ_LIBDIR) -Wl,-rpath,$(abspath $(FUZZ_LIBDIR)) -lnudge
# Per-target options of the runs: stanzas past a few KiB only find the
# size limit again.
FUZZ_OPTS_fuzz_handle_stanza := -max_len=4096
FUZZ_OPTS_fuzz_stanza_held   := -max_len=4096
FUZZ_OPTS_fuzz_config        := -max_len=2048
# Leaks are findings: the stanza targets close their engine at exit, and
# the Swift runtime needed no suppression (its one-time allocations stay
# reachable).
export ASAN_OPTIONS  ?= detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1

.PHONY: fuzz fuzz-lib fuzz-smoke

# swiftc skips code generation for a file whose IR is unchanged since the
# last build, and coverage is added after that check: a change of these
# flags alone would keep the old instrumentation. So a change of flags
# starts the scratch path afresh.
fuzz-lib:
	@if [ "$$(cat $(FUZZ_SCRATCH)/fuzz-flags 2>/dev/null)" != "$(FUZZ_SWIFT_FLAGS)" ]; then rm -rf $(FUZZ_SCRATCH); fi
	$(SWIFT) build $(FUZZ_SWIFT_FLAGS)
	@echo "$(FUZZ_SWIFT_FLAGS)" > $(FUZZ_SCRATCH)/fuzz-flags
	@# What links -lnudge loads the library by its SONAME, if it has one.
	@soname=$$(readelf -d $(FUZZ_LIBDIR)/libnudge.so | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p'); \
	if [ -n "$$soname" ] && [ "$$soname" != libnudge.so ]; then ln -sf libnudge.so $(FUZZ_LIBDIR)/$$soname; fi

$(FUZZ_OUT)/%: fuzz/%.c fuzz/support.c fuzz/support.h include/nudge.h | fuzz-lib
	@mkdir -p $(FUZZ_OUT)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $< fuzz/support.c -o $@ $(FUZZ_LINK)

fuzz: fuzz-lib $(FUZZ_BINS)

# Each target for FUZZ_TIME seconds on its seed corpus (read only) plus a
# working corpus under out/fuzz/corpus. A crash, leak, timeout or UB report
# fails the target, and its input is kept as out/fuzz/artifacts/<target>-*.
# `make fuzz-smoke FUZZ_TIME=3600` is the long run.
fuzz-smoke: $(addprefix fuzz-run-,$(FUZZ_TARGETS))

fuzz-run-%: fuzz
	@mkdir -p $(FUZZ_OUT)/artifacts $(FUZZ_OUT)/corpus/$*
	@echo "== $* ($(FUZZ_TIME) s)"
	@$(FUZZ_OUT)/$* -max_total_time=$(FUZZ_TIME) -timeout=20 -print_final_stats=1 -dict=fuzz/xmpp.dict \
		-artifact_prefix=$(FUZZ_OUT)/artifacts/$*- $(FUZZ_OPTS_$*) \
		$(FUZZ_OUT)/corpus/$* fuzz/corpus/$* > $(FUZZ_OUT)/$*.log 2>&1; rc=$$?; \
	grep -E '^(#[0-9]+ +(INITED|DONE)|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' $(FUZZ_OUT)/$*.log; \
	if [ $$rc -ne 0 ]; then tail -80 $(FUZZ_OUT)/$*.log; echo "$* failed (rc $$rc); log: $(FUZZ_OUT)/$*.log"; exit 1; fi
