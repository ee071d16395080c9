# SPDX-License-Identifier: MIT
# Suite `onnx`: the ONNX loader (libaccel/onnx/) and the float plan built from
# what it loads (libaccel/exec/).  Was suite `loader`; suite-loader remains an
# alias.

ONNX_TESTS := $(patsubst tests/onnx/%.c,$(O)/tests/onnx/%,\
	$(sort $(wildcard tests/onnx/test_*.c)))
TEST_PROGS += $(ONNX_TESTS)
CHECK_SUITES += onnx

# The tests include the generated protobuf header's directory and pbw.h.
$(patsubst %,%.o,$(ONNX_TESTS)): | $(LIBACCEL_GEN_H)

.PHONY: suite-onnx suite-loader
suite-loader: suite-onnx
suite-onnx: $(ONNX_TESTS)
	@st=0; for t in $(ONNX_TESTS); do \
		$(TEST_WRAP) $$t || st=1; done; exit $$st
