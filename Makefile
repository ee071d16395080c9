# SPDX-License-Identifier: MIT
#
# ENPU top-level build.  Userspace is one non-recursive make: every directory
# contributes a fragment (dir/*.mk) that appends to the lists below.  The
# kernel module is built by Kbuild (see driver/ and the `module` target).
#
#   make deps            install / download what the rest needs (the only
#                        target that reaches the network but `make bench`,
#                        which fetches onnxruntime-node once; scripts/deps.sh)
#   make                 libaccel (shared + static), tools, tests
#   make check           every test suite, one summary line per suite
#   make check-asan      the suites again under ASan+UBSan, then valgrind
#   make demo            the main job
#   make fuzz            run the libFuzzer targets for longer
#   make bench           libaccel against ONNX Runtime (bench/run.sh)
#   make module          enpu.ko against KDIR= (driver/driver.mk)
#   make suite-kernel    enpu.ko and its kselftests in a QEMU VM
#   make install PREFIX=/usr/local DESTDIR= (also LIBDIR, INCLUDEDIR, BINDIR,
#                        PKGCONFIGDIR)
#
# `make deps check`, `make deps demo`: deps first, even under -j.
# O=DIR puts all build output in DIR (default: build).

TOP := $(abspath .)
O ?= build
CC ?= cc
OPT ?= -O2 -g
SAN ?=
# GNU install directories.
PREFIX ?= /usr/local
EXEC_PREFIX ?= $(PREFIX)
BINDIR ?= $(EXEC_PREFIX)/bin
LIBDIR ?= $(EXEC_PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# Empty: where /usr/bin/python3 looks for PREFIX's packages (scripts/install.sh).
PYTHONDIR ?=
MANDIR ?= $(PREFIX)/share/man
PYTHON ?= /usr/bin/python3

ACCEL_VERSION_MAJOR := 0
ACCEL_VERSION_MINOR := 5
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

.PHONY: all check check-asan check-builds demo deps fuzz install install-targets clean module FORCE
all: all-targets

# Provisioning is `make deps` alone; nothing else installs or downloads.  A
# build that lacks a tool or library stops here, naming it.
BUILD_CMDS := $(firstword $(CC)) protoc-c pkg-config
BUILD_PCS := libprotobuf-c liburing libdrm
NO_USERSPACE_GOALS := deps clean module module-vm module-check checkpatch uapi-check
ifneq ($(filter-out $(NO_USERSPACE_GOALS),$(or $(MAKECMDGOALS),all)),)
ifeq ($(filter deps,$(MAKECMDGOALS)),)
BUILD_MISSING := $(foreach c,$(BUILD_CMDS),$(if $(shell command -v $(c)),,$(c))) \
	$(foreach p,$(BUILD_PCS),$(if $(shell pkg-config --exists $(p) 2>/dev/null && echo y),,$(p).pc))
ifneq ($(strip $(BUILD_MISSING)),)
$(error missing $(strip $(BUILD_MISSING)): run 'make deps' (as root), see README.md)
endif
endif
endif
# `make deps check`: deps before the rest even with -j.
DEPS_FIRST := $(filter deps,$(MAKECMDGOALS))

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(CFLAGS_$(notdir $*)) -c $< -o $@

include firmware/firmware.mk
include firmware/image/image.mk
include devmodel/devmodel.mk
include libaccel/libaccel.mk
include tools/tools.mk
include tests/tests.mk
include examples/examples.mk
include python/python.mk
# Benchmarks: not part of check (bench/*.mk).
include $(sort $(wildcard bench/*.mk))
include driver/driver.mk
# The kernel suite boots the VM with enpu.ko; the harness's hello smoke
# test stays available as `make suite-vm-hello`.
VM_CHECK ?= 0
include tests/vm/vm.mk
ifeq ($(ENPU_SAN)$(ENPU_VALGRIND),)
CHECK_SUITES += kernel npu-vm pci-vm
endif

all-targets: $(ALL_TARGETS)

# One summary line per suite, then a total; non-zero exit on any failure.
deps:
	@scripts/deps.sh build test kernel

check: | $(DEPS_FIRST)
	@scripts/deps.sh --check build test $(if $(filter kernel,$(CHECK_SUITES)),kernel)
	@$(MAKE) --no-print-directory all
	@O=$(O) MAKE="$(MAKE)" scripts/run-suites.sh $(CHECK_SUITES)

check-asan: | $(DEPS_FIRST)
	@scripts/deps.sh --check build test
	$(MAKE) O=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" \
		ENPU_SAN=1 check
	$(MAKE) O=build-valgrind OPT="-O1 -g" ENPU_VALGRIND=1 check

# Other compilers and optimisation levels (CI): gcc -O3 -march=native and
# clang build warning-free under -Werror, and clang's build passes the
# suites whose results depend on code generation (int8 bit-exactness, the
# float tolerances, the tools and the binding).
CHECK_BUILDS_SUITES ?= firmware ops conformance models qcompile python tools
check-builds: | $(DEPS_FIRST)
	@scripts/deps.sh --check build test
	$(MAKE) O=build-o3 OPT="-O3 -march=native" all
	$(MAKE) O=build-clang CC=clang check CHECK_SUITES="$(CHECK_BUILDS_SUITES)"

demo: | $(DEPS_FIRST)
	@scripts/deps.sh --check build $(if $(filter 0,$(DEMO_VM)),,kernel)
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh $(O)

# What make install installs (also the Debian packages' build).
install-targets: $(LIBACCEL_SO) $(LIBACCEL_A) $(O)/lib/pkgconfig/libaccel.pc $(TOOLS) python

install: install-targets
	@DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" EXEC_PREFIX="$(EXEC_PREFIX)" \
		BINDIR="$(BINDIR)" LIBDIR="$(LIBDIR)" INCLUDEDIR="$(INCLUDEDIR)" \
		PKGCONFIGDIR="$(PKGCONFIGDIR)" PYTHONDIR="$(PYTHONDIR)" PYTHON="$(PYTHON)" \
		MANDIR="$(MANDIR)" \
		O="$(O)" VERSION="$(ACCEL_VERSION)" scripts/install.sh

clean:
	rm -rf build build-asan build-valgrind build-fuzz build-o3 build-clang

-include $(shell find $(O) -name '*.d' 2>/dev/null)
