# SPDX-License-Identifier: MIT
# Command-line tools, end to end.
CHECK_SUITES += tools

.PHONY: suite-tools
suite-tools: $(TOOLS)
	@TEST_WRAP="$(TEST_WRAP)" tests/tools/test_accel_run.sh $(O)
