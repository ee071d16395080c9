# SPDX-License-Identifier: MIT
#
# Kernel-side tests in a QEMU virtual machine (see tests/vm/README.md).
# Included by the top-level Makefile.
#
# Targets:
#   vm-kernel        check that `make deps` cached Debian's 6.12 headers,
#                    kbuild and kernel image and installed qemu (nothing
#                    here installs or downloads)
#   vm-initramfs     build $(VM_OUT)/initramfs.cpio.gz from the variables below
#   suite-vm         boot it and run the tests; last line
#                    "vm: N passed, N failed, N skipped".  With VM_MODULE
#                    empty it runs the hello smoke test instead.
#   suite-vm-hello   build tests/vm/hello/hello.ko (W=1, -Werror) and check
#                    insmod / sysfs / rmmod in the VM
#   vm-selftest      check the harness itself fails on failing tests,
#                    crashes, hangs, VM timeouts and dmesg splats
#
# Variables (set them on the command line or in a fragment included first):
#   ENPU_CACHE       kernel cache, shared by clones (default /var/cache/enpu)
#   VM_MODULE        module under test, e.g. $(O)/driver/enpu.ko (a file
#                    some other rule builds; empty: run hello instead)
#   VM_MODULE_PARAMS insmod parameters of VM_MODULE, e.g. 'soft_devices=2'
#   VM_TESTS         test programs run in order inside the guest (static ELF
#                    or *.sh; exit 0 pass, 4/77 skip; TAP points counted)
#   VM_FILES         extra files/dirs copied to the guest's /opt/enpu
#                    (SRC or SRC:DEST)
#   VM_DEPS          extra prerequisites of vm-initramfs (e.g. `module`)
#   VM_TIMEOUT       hard limit of the whole VM run in seconds (default 600)
#   VM_TEST_TIMEOUT  limit per test program inside the guest (default 300)
#   VM_CHECK         0 keeps suite-vm out of `make check` (default 1)
#   ENPU_KDIR        (read-only) the kernel build dir, for
#                    `$(MAKE) -C $(ENPU_KDIR) M=...`; valid once vm-kernel ran
#                    (make it a prerequisite)

ENPU_CACHE ?= /var/cache/enpu
export ENPU_CACHE
VM_TIMEOUT ?= 600
VM_TEST_TIMEOUT ?= 300
VM_CHECK ?= 1
VM_OUT := $(O)/vm
VM_KENV := $(ENPU_CACHE)/kernel.env
VM_HELLO_DIR := $(abspath $(O))/vm/hello-build
VM_HELLO_KO := $(VM_HELLO_DIR)/hello.ko

# Kbuild must not inherit this build's command-line variables (O=, CC=,
# OPT=... reach sub-makes through MAKEFLAGS; Kbuild reads O= as its output
# directory).  Use it in front of every `$(MAKE) -C $(ENPU_KDIR)`.
VM_KBUILD_ENV := env -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES -u MAKELEVEL

# Recursively expanded on purpose: read when a recipe runs, after vm-kernel.
ENPU_KDIR = $(shell sed -n 's/^KDIR=//p' $(VM_KENV) 2>/dev/null)

VM_ARGS = $(foreach m,$(VM_MODULE),--module $(m)) \
	$(if $(VM_MODULE_PARAMS),--params '$(VM_MODULE_PARAMS)') \
	$(foreach t,$(VM_TESTS),--test $(t)) \
	$(foreach f,$(VM_FILES),--file $(f)) \
	--test-timeout $(VM_TEST_TIMEOUT)

# Not under ASan/valgrind: the guest runs the plain build's static programs.
ifeq ($(VM_CHECK)$(ENPU_SAN)$(ENPU_VALGRIND),1)
CHECK_SUITES += vm
endif

.PHONY: vm-kernel vm-initramfs vm-hello suite-vm suite-vm-hello vm-selftest

vm-kernel:
	@[ -f $(VM_KENV) ] || { echo "$@: $(VM_KENV) missing: run 'make deps'" >&2; exit 1; }
	@command -v qemu-system-x86_64 >/dev/null || { \
		echo "$@: qemu-system-x86_64 missing: run 'make deps'" >&2; exit 1; }

vm-hello: vm-kernel
	$(say) KMOD $(VM_HELLO_KO)
	$(Q)$(VM_KBUILD_ENV) $(MAKE) --no-print-directory -s -C tests/vm/hello \
		KDIR=$(ENPU_KDIR) OUT=$(VM_HELLO_DIR)

vm-initramfs: vm-kernel $(VM_DEPS) $(VM_MODULE) $(VM_TESTS)
	$(say) CPIO $(VM_OUT)/initramfs.cpio.gz
	$(Q)tests/vm/mkinitramfs.sh -o $(VM_OUT)/initramfs.cpio.gz $(VM_ARGS)

# The suites build through a sub-make so that a build failure still ends
# with a summary line for scripts/run-suites.sh.
vm_build = $(MAKE) --no-print-directory $(1) || \
	{ echo "$(2): FAIL: could not build $(1)"; \
	  echo "$(2): 0 passed, 1 failed, 0 skipped"; exit 1; }

ifneq ($(strip $(VM_MODULE)),)
suite-vm:
	@$(call vm_build,vm-initramfs,vm)
	@tests/vm/run-vm.sh --name vm --out $(VM_OUT) \
		--initrd $(VM_OUT)/initramfs.cpio.gz --timeout $(VM_TIMEOUT)
else
suite-vm:
	@$(call vm_build,vm-hello,vm)
	@echo "# vm: VM_MODULE not set: running the hello smoke test"
	@tests/vm/run-vm.sh --name vm --out $(VM_OUT)/hello \
		--file $(VM_HELLO_KO) --test tests/vm/hello/hello-test.sh \
		--timeout $(VM_TIMEOUT) --test-timeout $(VM_TEST_TIMEOUT)
endif

suite-vm-hello:
	@$(call vm_build,vm-hello,vm-hello)
	@tests/vm/run-vm.sh --name vm-hello --out $(VM_OUT)/hello \
		--file $(VM_HELLO_KO) --test tests/vm/hello/hello-test.sh \
		--timeout $(VM_TIMEOUT) --test-timeout $(VM_TEST_TIMEOUT)

vm-selftest: vm-hello
	@tests/vm/selftest.sh $(VM_HELLO_KO) $(VM_OUT)/selftest

# The PCI NPU harness (issue 10): enpu-devmodel started on the host with two
# NPUs, two ivshmem-doorbell devices in the guest, the firmware image in the
# guest's /lib/firmware/enpu/.  The guest checks that both devices appeared
# (a missing device fails, never skips).  Not part of `make check` until
# enpu.ko's PCI engine drives the devices (its suites then replace this one).
VM_PCI_TIMEOUT ?= 300
.PHONY: suite-pci-vm-harness
suite-pci-vm-harness: vm-kernel $(DEVMODEL) $(FW_IMAGE)
	@tests/vm/run-vm.sh --name pci-vm-harness --out $(VM_OUT)/pci-harness \
		--devmodel $(DEVMODEL) --npus 2 --firmware $(FW_IMAGE) \
		--append 'ENPU_NPUS=2' --test tests/vm/pci/pci-devices.sh \
		--timeout $(VM_PCI_TIMEOUT) --test-timeout 60
