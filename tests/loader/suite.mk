# SPDX-License-Identifier: MIT
# ONNX loader and CPU planner unit tests.

LOADER_TESTS := $(patsubst tests/loader/%.c,$(O)/tests/loader/%,\
	$(sort $(wildcard tests/loader/test_*.c)))
TEST_PROGS += $(LOADER_TESTS)
CHECK_SUITES += loader

# The tests include the generated protobuf header's directory and pbw.h.
$(patsubst %,%.o,$(LOADER_TESTS)): | $(LIBACCEL_GEN_H)

.PHONY: suite-loader
suite-loader: $(LOADER_TESTS)
	@st=0; for t in $(LOADER_TESTS); do \
		$(TEST_WRAP) $$t || st=1; done; exit $$st
