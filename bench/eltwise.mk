# SPDX-License-Identifier: MIT
# Kernel benchmarks: not built by `make` nor run by `make check`.
#   make bench-eltwise   ns per call of ADD/MUL/pools, scalar vs variants

BENCH_ELTWISE := $(O)/bench/q8-eltwise-pool

$(BENCH_ELTWISE): $(O)/bench/q8-eltwise-pool.o $(FW_TEST_REF) $(FW_TEST_FW_OBJS) \
		$(O)/libaccel/util/parallel.o
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ -lm -lpthread

$(O)/bench/q8-eltwise-pool.o: CPPFLAGS_ALL += -I$(TOP)/tests/firmware

.PHONY: bench-eltwise
bench-eltwise: $(BENCH_ELTWISE)
	$(BENCH_ELTWISE)
