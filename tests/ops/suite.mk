# SPDX-License-Identifier: MIT
# Suite `ops`: the CPU operator kernels (libaccel/cpu/op_*.c).
OPS_TESTS := $(patsubst %.c,$(O)/%,$(sort $(wildcard tests/ops/test_*.c)))
TEST_PROGS += $(OPS_TESTS)
CHECK_SUITES += ops

.PHONY: suite-ops
suite-ops: $(OPS_TESTS)
	@rc=0; p=0; f=0; s=0; \
	for t in $(OPS_TESTS); do \
		$(TEST_WRAP) $$t > $$t.log 2>&1 || rc=1; \
		cat $$t.log; \
		line=$$(grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed' $$t.log | tail -n 1); \
		if [ -z "$$line" ]; then rc=1; f=$$((f + 1)); continue; fi; \
		set -- $$line; p=$$((p + $$2)); f=$$((f + $$4)); s=$$((s + $$6)); \
	done; \
	echo "ops: $$p passed, $$f failed, $$s skipped"; \
	exit $$rc
