# SPDX-License-Identifier: MIT
# The int8 compiler, one operator pattern per case, against ONNX Runtime's
# outputs stored in tests/qcompile/data (made by make_cases.py; the test
# needs neither Python nor node); test_batch: which programs may split a
# batch across threads (compile/batch.c), on hand-built command buffers.

QCOMPILE_TESTS := $(O)/tests/qcompile/test_qcompile $(O)/tests/qcompile/test_batch
TEST_PROGS += $(QCOMPILE_TESTS)
CHECK_SUITES += qcompile

.PHONY: suite-qcompile
suite-qcompile: $(QCOMPILE_TESTS)
	@TEST_WRAP="$(TEST_WRAP)" tests/run-progs.sh qcompile $(QCOMPILE_TESTS)
