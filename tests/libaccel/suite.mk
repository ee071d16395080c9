# SPDX-License-Identifier: MIT
LIBACCEL_TESTS := $(O)/tests/libaccel/test_api
TEST_PROGS += $(LIBACCEL_TESTS)
CHECK_SUITES += libaccel

.PHONY: suite-libaccel
suite-libaccel: $(LIBACCEL_TESTS) uapi-check
	@$(TEST_WRAP) $(O)/tests/libaccel/test_api
