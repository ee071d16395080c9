# SPDX-License-Identifier: MIT
# Suite `core`: the public API (libaccel/core/: contexts, models, runs, async,
# zero-copy mapping, .npy) and scripts/check-layers.sh, run first: no include
# reaches up libaccel's layers.  Was suite `libaccel`; suite-libaccel remains
# an alias.
CORE_TESTS := $(O)/tests/core/test_api
TEST_PROGS += $(CORE_TESTS)
CHECK_SUITES += core

.PHONY: suite-core suite-libaccel
suite-libaccel: suite-core
suite-core: $(CORE_TESTS) uapi-check
	@scripts/check-layers.sh .
	@$(TEST_WRAP) $(O)/tests/core/test_api
