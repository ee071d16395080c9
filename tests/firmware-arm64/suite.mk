# SPDX-License-Identifier: MIT
# Suite `firmware-arm64`: the firmware core tests (tests/firmware/) cross-built
# for aarch64 as static binaries in their own build directory ($(O)/arm64, by
# this Makefile with CC=aarch64-linux-gnu-gcc, so the NEON kernel variants of
# firmware/simd/ are built) and run under qemu-user, once per emulated CPU:
# "max" (ASIMD + dotprod: variants scalar, neon, neondot) and "cortex-a53"
# (ASIMD only: the runtime detection must leave neondot out).  Only the
# firmware core and its tests cross-build; libaccel is not needed.
ARM64_CC ?= aarch64-linux-gnu-gcc
ARM64_QEMU ?= qemu-aarch64-static
ARM64_O := $(O)/arm64
# (FW_TEST_NAMES comes from tests/firmware/suite.mk, included after this)
FW_ARM64_PROGS = $(addprefix $(ARM64_O)/tests/firmware/,$(FW_TEST_NAMES))

# Not in the sanitizer / valgrind passes: neither runs on qemu-user.
ifeq ($(ENPU_SAN)$(ENPU_VALGRIND),)
CHECK_SUITES += firmware-arm64
endif

.PHONY: firmware-arm64 suite-firmware-arm64
firmware-arm64:
	@$(MAKE) --no-print-directory O=$(ARM64_O) CC=$(ARM64_CC) SAN= \
		LDFLAGS_ALL=-static firmware-test-progs

suite-firmware-arm64: firmware-arm64
	@QEMU="$(ARM64_QEMU)" tests/firmware-arm64/run.sh $(FW_ARM64_PROGS)
