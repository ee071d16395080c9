# SPDX-License-Identifier: MIT
# enpu.ko and its kselftests; included by the top-level Makefile.
#
#   make module          build $(O)/kmod/driver/enpu.ko against KDIR, W=1,
#                        warnings are errors.  KDIR defaults to the running
#                        kernel's /lib/modules/$(uname -r)/build when it
#                        exists, else to Debian's 6.12 headers that
#                        `make deps` unpacked into $(ENPU_CACHE)
#   make module-check    the same under sparse (C=2); fails on any warning
#   make uapi-check      uapi headers compile standalone as C11 and C++11
#   make kselftests      static kselftest binaries in $(O)/kselftest/
#   make checkpatch      checkpatch.pl over driver/, firmware/ and uapi/
#   make module-vm       make module against the cached 6.12 headers (the VM's kernel)
#   make suite-kernel    module (always against the cached 6.12 headers, the
#                        kernel the VM boots), sparse, checkpatch and
#                        kselftests, boot the QEMU VM, insmod, run,
#                        rmmod; last line "kernel: N passed, N failed, N skipped"
#
# Kbuild cannot put an external module's objects outside its source
# directory on 6.12, so the module is built in a shadow tree of symlinks
# ($(O)/kmod) to the one copy of the sources: the top-level Kbuild,
# driver/*, firmware/*.[ch] (the firmware core compiled into the module),
# firmware/include and uapi.
#
# Nothing here installs or downloads: `make deps` fills $(ENPU_CACHE) (kernel
# headers, kselftest harness, checkpatch.pl) and installs sparse, qemu, ...;
# a missing piece fails with a message that says so.

ENPU_CACHE ?= /var/cache/enpu
ENPU_CACHE_KDIR = $(shell sed -n 's/^KDIR=//p' $(ENPU_CACHE)/kernel.env 2>/dev/null)
ENPU_RUNNING_KDIR := $(wildcard /lib/modules/$(shell uname -r)/build)
KDIR ?= $(or $(ENPU_RUNNING_KDIR),$(ENPU_CACHE_KDIR))
KMOD_DIR := $(abspath $(O))/kmod
ENPU_KO := $(KMOD_DIR)/driver/enpu.ko
KSFT_OUT := $(O)/kselftest
KSFT_SRCS := $(sort $(wildcard tests/kselftest/enpu_*.c))
KSFT_PROGS := $(patsubst tests/kselftest/%.c,$(KSFT_OUT)/%,$(KSFT_SRCS))
KSFT_CFLAGS := -std=gnu11 -O2 -g -Wall -Werror -static \
	-I$(ENPU_CACHE)/kselftest -I$(TOP)/uapi -I/usr/include/libdrm
KSFT_LDLIBS := -luring -lpthread
VM_TIMEOUT ?= 600
# enpu_timeout.c fails unless timeout_ms <= 2000.
ENPU_MODULE_PARAMS ?= timeout_ms=2000
# Debian's modules for the guest: vgem provides the fences that gate jobs
# in the kselftests (enpu_test.h, struct enpu_gate).
KSFT_VM_KMODS ?= drm drm_shmem_helper gpu-sched vgem

.PHONY: module module-check kselftests suite-kernel enpu-kmod-tree uapi-check \
	checkpatch

# The uapi headers compile standalone as C and C++ (their static asserts
# pin the struct sizes).
uapi-check:
	$(say) UAPI uapi/drm/enpu_accel.h
	$(Q)printf '#include <drm/enpu_accel.h>\n#include <drm/enpu_isa.h>\n' | \
		$(CC) -x c -std=c11 -Wall -Wextra -Werror -fsyntax-only \
		-I$(TOP)/uapi -I/usr/include/libdrm -
	$(Q)printf '#include <drm/enpu_accel.h>\n#include <drm/enpu_isa.h>\n' | \
		c++ -x c++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only \
		-I$(TOP)/uapi -I/usr/include/libdrm -

# Recreated every time (cheap): picks up new and removed source files.
enpu-kmod-tree:
	@rm -rf $(KMOD_DIR)/driver/*.[ch] $(KMOD_DIR)/driver/Kbuild \
		$(KMOD_DIR)/firmware/*.[ch] $(KMOD_DIR)/firmware/simd/*.[ch]
	@mkdir -p $(KMOD_DIR)/driver $(KMOD_DIR)/firmware/simd
	@ln -sfn $(TOP)/Kbuild $(KMOD_DIR)/Kbuild
	@ln -sfn $(TOP)/uapi $(KMOD_DIR)/uapi
	@ln -sfn $(TOP)/firmware/include $(KMOD_DIR)/firmware/include
	@for f in $(TOP)/driver/Kbuild $(TOP)/driver/*.[ch]; do \
		ln -sfn $$f $(KMOD_DIR)/driver/; done
	@for f in $(TOP)/firmware/*.[ch]; do \
		[ -e "$$f" ] && ln -sfn $$f $(KMOD_DIR)/firmware/; done; true
	@for f in $(TOP)/firmware/simd/*.[ch]; do \
		[ -e "$$f" ] && ln -sfn $$f $(KMOD_DIR)/firmware/simd/; done; true

# Kbuild must not inherit our command-line variables (O= above all).
KBUILD_MAKE = unset MAKEFLAGS MFLAGS MAKEOVERRIDES; \
	make --no-print-directory -j2 -C $(KDIR) M=$(KMOD_DIR) W=1 KCFLAGS=-Werror \
	$(if $(filter 1,$(V)),V=1)

# A kernel build tree, or the reason why not.
kdir_check = @[ -n "$(KDIR)" ] && [ -f "$(KDIR)/Makefile" ] || { \
	echo "$@: KDIR='$(KDIR)' is not a kernel build tree (default:" \
		"/lib/modules/$$(uname -r)/build, else the Debian 6.12 headers" \
		"that 'make deps' caches in $(ENPU_CACHE)): run 'make deps'" \
		"or pass KDIR=/path/to/kernel/build" >&2; exit 1; }
# A file of the cache that `make deps` fills, or the reason why not.
cache_check = @[ -f "$(1)" ] || { echo "$(1) missing (kernel cache): run 'make deps'" >&2; exit 1; }

module: enpu-kmod-tree
	$(kdir_check)
	@$(KBUILD_MAKE) modules
	@echo "  MODULE  $(ENPU_KO)"

# Sparse cannot parse the compiler's own <immintrin.h> (GCC's vector types
# and __builtin_ia32_*) that firmware/simd/'s kernels include: what it says
# inside those headers is not counted; everything else is.
SPARSE_SKIP_DIR := $(shell $(CC) -print-file-name=include)
module-check: enpu-kmod-tree
	$(kdir_check)
	@command -v sparse >/dev/null || { \
		echo "$@: sparse missing: run 'make deps'" >&2; exit 1; }
	@($(KBUILD_MAKE) C=2 modules) >$(KMOD_DIR)/check.log 2>&1; rc=$$?; \
		cat $(KMOD_DIR)/check.log; [ $$rc -eq 0 ]
	@if grep -E 'warning:|error:' $(KMOD_DIR)/check.log | \
		grep -v -F '$(SPARSE_SKIP_DIR)/'; then \
		echo "module-check: warnings above"; exit 1; fi
	@echo "module-check: W=1 and sparse clean"

$(ENPU_CACHE)/kselftest/.complete:
	$(call cache_check,$@)

$(KSFT_OUT)/%: tests/kselftest/%.c tests/kselftest/enpu_test.h tests/kselftest/enpu_uring_test.h \
		uapi/drm/enpu_accel.h uapi/drm/enpu_isa.h \
		$(ENPU_CACHE)/kselftest/.complete
	@mkdir -p $(dir $@)
	$(say) KSFT $@
	$(Q)$(CC) $(KSFT_CFLAGS) -o $@ $< $(KSFT_LDLIBS)

kselftests: uapi-check $(KSFT_PROGS)

# Kernel coding style of everything that is built into the module, with
# checkpatch.pl from Debian's linux-source-6.12 (`make deps` extracts it
# with the harness).
# firmware/simd/: the x86 files the module builds (driver/Kbuild), not the
# userspace-only conv/pool variants nor the arm64 ones.
CHECKPATCH_SIMD_USER := $(wildcard firmware/simd/q8_conv_* firmware/simd/q8_pool_* \
	firmware/simd/*neon* firmware/simd/q8_gemm_neon.h)
CHECKPATCH_FILES = $(wildcard driver/*.[ch] firmware/*.[ch] firmware/include/*.h \
	uapi/drm/*.h) \
	$(filter-out $(CHECKPATCH_SIMD_USER),$(wildcard firmware/simd/*.[ch]))
checkpatch:
	$(call cache_check,$(ENPU_CACHE)/checkpatch/.complete)
	$(say) CHECKPATCH driver firmware uapi
	@mkdir -p $(O)
	$(Q)perl $(ENPU_CACHE)/checkpatch/checkpatch.pl --no-tree --terse \
		--show-types -f $(CHECKPATCH_FILES) >$(O)/checkpatch.log 2>&1; \
	if grep -qE '(ERROR|WARNING):' $(O)/checkpatch.log; then \
		grep -E '(ERROR|WARNING):' $(O)/checkpatch.log; exit 1; fi

# The VM harness fails the run on any kernel splat in dmesg, and when the
# The module booted in the VM must match the VM's kernel: the cached 6.12
# headers, whatever KDIR `make module` would pick (the running kernel's).
# module-vm is `make module` for it (scripts/demo.sh); the VM suites'
# prerequisite `module` inherits the KDIR below.
VM_MODULE_GOALS := module-vm suite-kernel suite-npu-vm suite-pci-vm
$(VM_MODULE_GOALS): KDIR = $(ENPU_CACHE_KDIR)
.PHONY: module-vm
module-vm: module

# The VM harness fails the run on any kernel splat in dmesg, and when the
# device node did not appear after insmod.
suite-kernel: module module-check checkpatch kselftests
	@tests/vm/run-vm.sh --module $(ENPU_KO) \
		$(if $(ENPU_MODULE_PARAMS),--params '$(ENPU_MODULE_PARAMS)') \
		--kmods '$(KSFT_VM_KMODS)' --expect-dev /dev/accel/accel0 \
		$(foreach t,$(KSFT_PROGS),--test $(t)) \
		--timeout $(VM_TIMEOUT) --out $(O)/vm-kernel --name kernel

# The PCI NPU (issue 10): enpu-devmodel serves two NPUs to the VM, enpu.ko
# probes both and boots the firmware image; tests/vm/pci/pci-boot.sh checks
# the boot and that bad images are refused; an ivshmem-plain device of no
# ENPU is left alone.  A missing device fails.
# (suite-kernel checks the module W=1, sparse and checkpatch clean.)
.PHONY: suite-pci-vm
$(O)/vm-pci/enpu-fw-aarch64.bin: $(FW_IMAGE) tests/vm/pci/mkbadfw.py
	@mkdir -p $(dir $@)
	$(Q)python3 tests/vm/pci/mkbadfw.py $< $@
# Then enpu_pci_jobs runs jobs on both NPUs (devmodel --faults: the hang
# and corrupted-completion cases), pci-libaccel.sh compares libaccel's NPU
# backend on each PCI node with its CPU backend, and pci-rmmod.sh unloads
# the module with jobs in flight.
PCI_JOBS := $(O)/vm-pci/enpu_pci_jobs
$(PCI_JOBS): tests/vm/pci/enpu_pci_jobs.c tests/kselftest/enpu_test.h \
		uapi/drm/enpu_accel.h uapi/drm/enpu_isa.h uapi/drm/enpu_hw.h \
		$(ENPU_CACHE)/kselftest/.complete
	@mkdir -p $(dir $@)
	$(say) KSFT $@
	$(Q)$(CC) $(KSFT_CFLAGS) -I$(TOP)/tests/kselftest -o $@ $< $(KSFT_LDLIBS)
suite-pci-vm: module $(DEVMODEL) $(FW_IMAGE) $(O)/vm-pci/enpu-fw-aarch64.bin $(PCI_JOBS) \
		$(NPU_VM_DIR)/accel-run kselftests
	@tests/vm/run-vm.sh --module $(ENPU_KO) --params 'soft_devices=1 timeout_ms=2000' \
		--kmods '$(KSFT_VM_KMODS)' --expect-dev /dev/accel/accel0 \
		--devmodel $(DEVMODEL) --npus 2 --devmodel-args --faults \
		--firmware $(FW_IMAGE) \
		--firmware $(O)/vm-pci/enpu-fw-aarch64.bin \
		--qemu '-object memory-backend-memfd,id=plainmem,size=16M,share=on -device ivshmem-plain,memdev=plainmem' \
		--append 'ENPU_NPUS=2 ENPU_FOREIGN=1' --test tests/vm/pci/pci-boot.sh \
		--file $(NPU_VM_DIR)/accel-run:bin/accel-run \
		--file models/digits_int8.onnx:models/digits_int8.onnx \
		--file models/digits_sample0.npy:models/digits_sample0.npy \
		--test $(PCI_JOBS) --test tests/vm/pci/pci-libaccel.sh \
		$(foreach t,$(KSFT_PROGS),--file $(t):ksft/$(notdir $(t))) \
		--test tests/vm/pci/pci-kselftests.sh \
		--test tests/vm/pci/pci-rmmod.sh \
		--timeout 600 --test-timeout 300 --out $(O)/vm-pci --name pci-vm
