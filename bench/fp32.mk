# SPDX-License-Identifier: MIT
# `make bench-fp32`: per-layer times of the float Conv/Gemm kernels on the
# MLPerf Tiny shapes (bench/fp32-kernels.c), once per kernel variant.  Not
# part of `make check`: it prints figures, it asserts nothing.
BENCH_FP32 := $(O)/bench/fp32-kernels

$(BENCH_FP32): $(O)/bench/fp32-kernels.o $(LIBACCEL_A)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $< $(LIBACCEL_A) $(LIBACCEL_DEPLIBS)

.PHONY: bench-fp32
bench-fp32: $(BENCH_FP32)
	@for k in scalar avx2 avx512; do ACCEL_CPU_KERNELS=$$k $(BENCH_FP32); done
