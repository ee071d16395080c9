# SPDX-License-Identifier: MIT
# The Python binding (python/), with Debian's /usr/bin/python3 and NumPy.
# Under ASan the sanitizer runtimes are preloaded into the interpreter
# (leak checking off: CPython keeps its objects until exit); valgrind's
# pass skips the suite, which would mostly check CPython itself.
ifneq ($(ENPU_VALGRIND),1)
CHECK_SUITES += python
endif

ifeq ($(ENPU_SAN),1)
PY_TEST_ENV = LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0
endif

.PHONY: suite-python
suite-python: python
	@PYTHONPATH=$(O)/python $(PY_TEST_ENV) $(PYTHON) tests/python/run.py
