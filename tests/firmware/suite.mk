# SPDX-License-Identifier: MIT
# Firmware core tests: the firmware against the naive reference in ref.c,
# hand-computed requantization cases, validator errno checks, a bounded
# random-mutation loop, accumulators driven past the int32 range
# (test-saturate) and the yield hook's bound on the work between two calls
# (test-yield: worst-case shapes of every kernel and the validator).  The
# programs link the firmware objects directly (plus ref.o), so they do not
# depend on the rest of libaccel building.

FW_TEST_NAMES := test-requant test-ops test-validate test-saturate test-yield \
	test-eltpool
FW_TEST_PROGS := $(addprefix $(O)/tests/firmware/,$(FW_TEST_NAMES))
FW_TEST_REF := $(O)/tests/firmware/ref.o
FW_TEST_FW_OBJS := $(patsubst %.c,$(O)/%.o,$(FW_SRCS))

TEST_PROGS += $(FW_TEST_PROGS)
CHECK_SUITES += firmware

$(FW_TEST_PROGS): $(O)/tests/firmware/%: $(O)/tests/firmware/%.o \
		$(FW_TEST_REF) $(TEST_LIB_OBJS) $(FW_TEST_FW_OBJS)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $< $(FW_TEST_REF) $(TEST_LIB_OBJS) \
		$(FW_TEST_FW_OBJS) -lm

.PHONY: suite-firmware
suite-firmware: $(FW_TEST_PROGS)
	@TEST_WRAP="$(TEST_WRAP)" tests/run-progs.sh firmware $(FW_TEST_PROGS)

# The programs alone (the aarch64 cross build of suite firmware-arm64).
.PHONY: firmware-test-progs
firmware-test-progs: $(FW_TEST_PROGS)

# Kernel benchmark (not part of check): ns per call, scalar vs variants.
BENCH_KERNELS := $(O)/bench/q8-kernels
$(BENCH_KERNELS): $(O)/bench/q8-kernels.o $(FW_TEST_REF) $(TEST_LIB_OBJS) \
		$(FW_TEST_FW_OBJS) $(O)/libaccel/util/parallel.o
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ -lm -lpthread

.PHONY: bench-kernels
bench-kernels: $(BENCH_KERNELS)
	$(BENCH_KERNELS) $(BENCH_ARGS)
