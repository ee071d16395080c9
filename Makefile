# SPDX-License-Identifier: MIT
#
# ENPU top-level build.  Userspace is one non-recursive make: every directory
# contributes a fragment (dir/*.mk) that appends to the lists below.  The
# kernel module is built by Kbuild (see driver/ and the `module` target).
#
#   make                 libaccel (shared + static), tools, tests
#   make check           every test suite, one summary line per suite
#   make check-asan      the suites again under ASan+UBSan, then valgrind
#   make demo            the main job
#   make fuzz            run the libFuzzer targets for longer
#   make module          enpu.ko against Debian's 6.12 headers (driver/driver.mk)
#   make suite-kernel    enpu.ko and its kselftests in a QEMU VM
#   make install PREFIX=/usr/local DESTDIR=
#
# O=DIR puts all build output in DIR (default: build).

TOP := $(abspath .)
O ?= build
CC ?= cc
OPT ?= -O2 -g
SAN ?=
PREFIX ?= /usr/local
PYTHON ?= /usr/bin/python3

ACCEL_VERSION_MAJOR := 0
ACCEL_VERSION_MINOR := 3
ACCEL_VERSION_PATCH := 0
ACCEL_VERSION := $(ACCEL_VERSION_MAJOR).$(ACCEL_VERSION_MINOR).$(ACCEL_VERSION_PATCH)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wvla
CPPFLAGS_ALL := -I$(TOP)/uapi -I$(TOP)/firmware/include -I$(TOP)/libaccel/include \
	-I$(TOP)/libaccel -I$(O)/gen -D_GNU_SOURCE \
	-DACCEL_VERSION_STRING='"$(ACCEL_VERSION)"'
CFLAGS_ALL := -std=gnu11 $(OPT) $(WARN) -fPIC -fvisibility=hidden $(SAN) -MMD -MP
LDFLAGS_ALL := $(SAN)
LDLIBS_ALL := -lm -lpthread

# V=1 shows full commands.
ifeq ($(V),1)
Q :=
say := @true
else
Q := @
say := @printf '  %-7s %s\n'
endif

# Filled in by the fragments.
FW_SRCS :=
LIBACCEL_SRCS :=
LIBACCEL_GEN :=
LIBACCEL_LIBS :=
TOOLS :=
TEST_PROGS :=
CHECK_SUITES :=
FUZZERS :=
ALL_TARGETS :=

.PHONY: all check check-asan demo fuzz install clean module FORCE
all: all-targets

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(CFLAGS_$(notdir $*)) -c $< -o $@

include firmware/firmware.mk
include libaccel/libaccel.mk
include tools/tools.mk
include tests/tests.mk
include examples/examples.mk
include driver/driver.mk
# The kernel suite boots the VM with enpu.ko; the harness's hello smoke
# test stays available as `make suite-vm-hello`.
VM_CHECK ?= 0
include tests/vm/vm.mk
ifeq ($(ENPU_SAN)$(ENPU_VALGRIND),)
CHECK_SUITES += kernel npu-vm
endif

all-targets: $(ALL_TARGETS)

# One summary line per suite, then a total; non-zero exit on any failure.
check:
	@scripts/deps.sh build test
	@$(MAKE) --no-print-directory all
	@O=$(O) MAKE="$(MAKE)" scripts/run-suites.sh $(CHECK_SUITES)

check-asan:
	@scripts/deps.sh build test
	$(MAKE) O=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" \
		ENPU_SAN=1 check
	$(MAKE) O=build-valgrind OPT="-O1 -g" ENPU_VALGRIND=1 check

demo:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh $(O)

install: all
	scripts/install.sh "$(DESTDIR)" "$(PREFIX)" "$(O)" "$(ACCEL_VERSION)"

clean:
	rm -rf build build-asan build-valgrind build-fuzz

-include $(shell find $(O) -name '*.d' 2>/dev/null)
