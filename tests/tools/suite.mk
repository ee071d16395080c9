# SPDX-License-Identifier: MIT
# Command-line tools, end to end (every tests/tools/test_*.sh).
CHECK_SUITES += tools

.PHONY: suite-tools
suite-tools: $(TOOLS)
	@TEST_WRAP="$(TEST_WRAP)" tests/tools/run.sh $(O)
