# SPDX-License-Identifier: MIT
# libFuzzer targets (Debian clang): the ONNX loader, the ISA validator,
# structured command buffers run against the reference (fuzz_cmdbuf), and
# fuzz_exec, which builds small hostile models from its input and runs them
# on the CPU executor and the int8 program path (ENPU_FUZZ_DUMP=FILE writes
# the model an input builds, for triage).
# `make check` replays the corpus and the crash regressions and fuzzes each
# target for FUZZ_SECONDS; `make fuzz` fuzzes for FUZZ_LONG_SECONDS each.
# Built separately with clang into build-fuzz/ (instrumented libaccel).

FUZZ_CC ?= clang
FUZZ_O := build-fuzz
FUZZ_SECONDS ?= 20
# make check fuzzes from a fixed seed (see run.sh); make fuzz from a random one.
FUZZ_SEED ?= 1
FUZZ_LONG_SECONDS ?= 600
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link -Wall -Wextra -DENPU_FUZZING
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(FUZZ_O)/%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_O)/%.o,$(FW_SRCS) $(LIBACCEL_SRCS)) \
	$(FUZZ_O)/gen/onnx-subset.pb-c.o

# The float SIMD kernels (libaccel/ops/f32k_*.c) are built without the
# sanitizers here: clang instruments their fully unrolled register tiles
# for longer than the whole suite may take (over 15 minutes a file).  They
# keep the fuzzer's coverage, the scalar f32k.c stays sanitized, and
# `make check-asan` runs them under gcc's ASan/UBSan against the scalar
# kernels (tests/ops/test_f32k.c).
FUZZ_NOSAN := f32k_avx2 f32k_avx512

$(FUZZ_O)/%.o: %.c | $(LIBACCEL_GEN_H)
	@mkdir -p $(dir $@)
	$(say) CC-FUZZ $<
	$(Q)$(FUZZ_CC) $(CPPFLAGS_ALL) \
		$(if $(filter $(notdir $*),$(FUZZ_NOSAN)),$(filter-out $(FUZZ_SAN),$(FUZZ_CFLAGS)),$(FUZZ_CFLAGS)) \
		$(CFLAGS_$(notdir $*)) -c $< -o $@

$(FUZZ_O)/gen/onnx-subset.pb-c.o: $(LIBACCEL_GEN_C)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(CPPFLAGS_ALL) $(FUZZ_CFLAGS) -w -c $< -o $@

# The structured cmdbuf target compares with the naive reference; it is
# sanitized but not coverage-instrumented, so the fuzzer steers by the
# firmware and the reference's loops do not slow every comparison.
FUZZ_REF_OBJ := $(FUZZ_O)/tests/firmware/ref-uninstrumented.o
FUZZ_EXTRA_fuzz_cmdbuf := $(FUZZ_REF_OBJ) -lm

$(FUZZ_REF_OBJ): tests/firmware/ref.c
	@mkdir -p $(dir $@)
	$(say) CC-FUZZ $<
	$(Q)$(FUZZ_CC) $(CPPFLAGS_ALL) -std=gnu11 -g -O1 $(FUZZ_SAN) -Wall -Wextra \
		-c $< -o $@

$(FUZZ_O)/fuzz_cmdbuf: $(FUZZ_REF_OBJ)

$(FUZZ_O)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	$(say) LD $@
	$(Q)$(FUZZ_CC) $(CPPFLAGS_ALL) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(FUZZ_LIB_OBJS) $(FUZZ_EXTRA_$(notdir $@)) $(LIBACCEL_DEPLIBS)

# Not in the sanitized/valgrind passes of check-asan: the targets are
# sanitized already (there it would only be a skip).
ifeq ($(ENPU_SAN)$(ENPU_VALGRIND),)
CHECK_SUITES += fuzz
endif

.PHONY: suite-fuzz fuzz fuzz-build
fuzz-build: $(FUZZ_TARGETS)

ifeq ($(ENPU_SAN)$(ENPU_VALGRIND),)
suite-fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED=$(FUZZ_SEED) tests/fuzz/run.sh $(FUZZ_O) $(FUZZ_TARGETS)
else
suite-fuzz:
	@echo "ok 1 - fuzz # SKIP already sanitized; runs in the plain 'make check' pass"
	@echo "fuzz: 0 passed, 0 failed, 1 skipped"
endif

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) tests/fuzz/run.sh $(FUZZ_O) $(FUZZ_TARGETS)
