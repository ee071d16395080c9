# SPDX-License-Identifier: MIT
LIBACCEL_TESTS := $(O)/tests/libaccel/test_api $(O)/tests/libaccel/test_memplan \
	$(O)/tests/libaccel/test_noalloc
TEST_PROGS += $(LIBACCEL_TESTS)
CHECK_SUITES += libaccel

# test_noalloc counts the heap allocations libaccel's code makes: the
# allocator is wrapped at link time (works under ASan and valgrind).
NOALLOC_WRAP := malloc calloc realloc aligned_alloc posix_memalign
$(O)/tests/libaccel/test_noalloc: LDFLAGS_ALL += $(foreach f,$(NOALLOC_WRAP),-Wl,--wrap=$(f))

.PHONY: suite-libaccel
suite-libaccel: $(LIBACCEL_TESTS) uapi-check
	@TEST_WRAP="$(TEST_WRAP)" tests/run-progs.sh libaccel $(LIBACCEL_TESTS)
