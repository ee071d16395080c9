# SPDX-License-Identifier: MIT
# ONNX backend conformance (node tests of Debian's libonnx-testdata).
# ENPU_CONFORMANCE_FILTER (an fnmatch pattern of test names) narrows the run;
# the whole set takes seconds, also under valgrind.

CONFORMANCE_PROG := $(O)/tests/conformance/onnx_conformance
TEST_PROGS += $(CONFORMANCE_PROG)
CHECK_SUITES += conformance

$(CONFORMANCE_PROG).o: | $(LIBACCEL_GEN_H)

.PHONY: suite-conformance
suite-conformance: $(CONFORMANCE_PROG)
	@$(TEST_WRAP) $(CONFORMANCE_PROG)
