# SPDX-License-Identifier: MIT
"""Run tests/python/test_*.py with unittest; print the suite's summary line."""
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py")
result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
skipped = len(result.skipped)
passed = result.testsRun - failed - skipped
for test, why in result.skipped:
    print("SKIP %s: %s" % (test.id(), why))
print("python: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
sys.exit(1 if failed or not result.testsRun else 0)
