# SPDX-License-Identifier: MIT
# Test suites.  Each tests/<suite>/suite.mk adds its programs to TEST_PROGS,
# its name to CHECK_SUITES and a `suite-<name>` target that runs it and ends
# with a line "<name>: N passed, N failed, N skipped".
#
# TEST_WRAP runs a test binary under valgrind in `make check-asan`'s second
# pass; ASan/UBSan builds need no wrapper.

ifeq ($(ENPU_VALGRIND),1)
TEST_WRAP := valgrind -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --track-origins=yes
else
TEST_WRAP :=
endif

# Common test helpers (tests/lib/*.c) linked into every test program.
TEST_LIB_SRCS := $(sort $(wildcard tests/lib/*.c))
TEST_LIB_OBJS := $(patsubst %.c,$(O)/%.o,$(TEST_LIB_SRCS))
CPPFLAGS_ALL += -I$(TOP)/tests/lib

# A test program tests/<suite>/<name>.c becomes $(O)/tests/<suite>/<name>.
$(O)/tests/%: $(O)/tests/%.o $(TEST_LIB_OBJS) $(LIBACCEL_A)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $< $(TEST_LIB_OBJS) $(LIBACCEL_A) $(LIBACCEL_DEPLIBS)

include $(sort $(wildcard tests/*/suite.mk))

ALL_TARGETS += $(TEST_PROGS)
