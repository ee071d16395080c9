# SPDX-License-Identifier: MIT
# Suite `core`: the public API (libaccel/core/: contexts, models, runs, async,
# zero-copy mapping, .npy), test_parallel (the thread pool), test_noalloc (no heap allocation during
# accel_run() after the first run at a shape) and scripts/check-layers.sh,
# run first: no include reaches up libaccel's layers.  Was suite `libaccel`;
# suite-libaccel remains an alias.
CORE_TESTS := $(O)/tests/core/test_api $(O)/tests/core/test_noalloc \
	$(O)/tests/core/test_cpu_exec $(O)/tests/core/test_parallel
TEST_PROGS += $(CORE_TESTS)
CHECK_SUITES += core

# test_noalloc counts the heap allocations libaccel's code makes: the
# allocator is wrapped at link time (works under ASan and valgrind).
NOALLOC_WRAP := malloc calloc realloc aligned_alloc posix_memalign
$(O)/tests/core/test_noalloc: LDFLAGS_ALL += $(foreach f,$(NOALLOC_WRAP),-Wl,--wrap=$(f))

.PHONY: suite-core suite-libaccel
suite-libaccel: suite-core
suite-core: $(CORE_TESTS) uapi-check
	@scripts/check-layers.sh .
	@TEST_WRAP="$(TEST_WRAP)" tests/run-progs.sh core $(CORE_TESTS)
