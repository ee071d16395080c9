# SPDX-License-Identifier: MIT
# Suite `memplan`: libaccel/memplan/, the one arena planner (fixed layouts,
# best fit against first fit, bad input, random buffer sets checked for
# overlap of live buffers).
MEMPLAN_TESTS := $(O)/tests/memplan/test_memplan
TEST_PROGS += $(MEMPLAN_TESTS)
CHECK_SUITES += memplan

.PHONY: suite-memplan
suite-memplan: $(MEMPLAN_TESTS)
	@TEST_WRAP="$(TEST_WRAP)" tests/run-progs.sh memplan $(MEMPLAN_TESTS)
