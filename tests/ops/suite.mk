# SPDX-License-Identifier: MIT
# Suite `ops`: the CPU operator kernels (libaccel/ops/op_*.c).
OPS_TESTS := $(patsubst %.c,$(O)/%,$(sort $(wildcard tests/ops/test_*.c)))
TEST_PROGS += $(OPS_TESTS)
CHECK_SUITES += ops

.PHONY: suite-ops
suite-ops: $(OPS_TESTS)
	@TEST_WRAP="$(TEST_WRAP)" tests/run-progs.sh ops $(OPS_TESTS)
