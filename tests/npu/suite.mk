# SPDX-License-Identifier: MIT
#
# libaccel's NPU backend.
#
#   suite-npu      host: the 0.2 API on the CPU backend; the device points
#                  SKIP loudly when there is no /dev/accel (part of make check)
#   suite-npu-vm   the same program plus accel-run/accel-bench/multi-process
#                  checks inside the QEMU VM with enpu.ko loaded (soft
#                  engine); last line "npu-vm: N passed, N failed, N skipped".
#                  Not in CHECK_SUITES: the lead wires it into make check.
#   npu-vm-progs   the static binaries the VM runs ($(O)/npu-vm/)

NPU_TESTS := $(O)/tests/npu/test_npu
TEST_PROGS += $(NPU_TESTS)
CHECK_SUITES += npu

.PHONY: suite-npu suite-npu-vm npu-vm-progs
suite-npu: $(NPU_TESTS)
	@$(TEST_WRAP) $(O)/tests/npu/test_npu

# Static binaries for the guest (no shared libraries there): libaccel.a plus
# Debian's liburing.a, libdrm.a and libprotobuf-c.a.
NPU_VM_DIR := $(O)/npu-vm
NPU_VM_BINS := $(NPU_VM_DIR)/accel-run $(NPU_VM_DIR)/accel-bench \
	$(NPU_VM_DIR)/accel-info $(NPU_VM_DIR)/accel-top $(NPU_VM_DIR)/example-digits
NPU_VM_PROGS := $(NPU_VM_DIR)/test_npu $(NPU_VM_BINS)
NPU_VM_SCRIPTS := $(sort $(wildcard tests/npu/vm/npu-*.sh))
NPU_VM_MODELS := digits_int8.onnx digits_fp32.onnx digits_test_x.npy \
	digits_test_y.npy digits_ref_int8.npy digits_sample0.npy
NPU_VM_TIMEOUT ?= 900
NPU_VM_PARAMS ?= timeout_ms=5000

$(NPU_VM_DIR)/test_npu: $(O)/tests/npu/test_npu.o $(TEST_LIB_OBJS) $(LIBACCEL_A)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) -static -o $@ $< $(TEST_LIB_OBJS) $(LIBACCEL_A) $(LIBACCEL_DEPLIBS)

$(NPU_VM_DIR)/accel-%: $(O)/tools/accel-%.o $(TOOLS_COMMON_OBJS) $(LIBACCEL_A)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) -static -o $@ $< $(TOOLS_COMMON_OBJS) $(LIBACCEL_A) $(LIBACCEL_DEPLIBS)

$(NPU_VM_DIR)/example-%: $(O)/examples/%.o $(LIBACCEL_A)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) -static -o $@ $< $(LIBACCEL_A) $(LIBACCEL_DEPLIBS)

npu-vm-progs: $(NPU_VM_PROGS)

# Guest layout (/opt/enpu): bin/<tools>, models/<data>, the tests at the top.
NPU_VM_ARGS = --module $(ENPU_KO) --params '$(NPU_VM_PARAMS)' \
	--expect-dev /dev/accel/accel0 \
	$(foreach b,$(NPU_VM_BINS),--file $(b):bin/$(notdir $(b))) \
	$(foreach f,$(NPU_VM_MODELS),--file models/$(f):models/$(f)) \
	--test $(NPU_VM_DIR)/test_npu \
	$(foreach s,$(NPU_VM_SCRIPTS),--test $(s)) \
	--timeout $(NPU_VM_TIMEOUT) --test-timeout 600

suite-npu-vm: module npu-vm-progs
	@tests/vm/run-vm.sh $(NPU_VM_ARGS) --out $(O)/vm-npu --name npu-vm
