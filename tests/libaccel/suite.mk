# SPDX-License-Identifier: MIT
LIBACCEL_TESTS := $(O)/tests/libaccel/test_api
TEST_PROGS += $(LIBACCEL_TESTS)
CHECK_SUITES += libaccel

.PHONY: suite-libaccel
# scripts/check-layers.sh first: no include reaches up libaccel's layers.
suite-libaccel: $(LIBACCEL_TESTS) uapi-check
	@scripts/check-layers.sh .
	@$(TEST_WRAP) $(O)/tests/libaccel/test_api
