# SPDX-License-Identifier: MIT
# Suite `devmodel`: enpu-devmodel on the host, no VM.  test_devmodel plays
# QEMU and the guest driver (ivshmem client protocol, BAR, doorbells and
# vectors) and runs the firmware image built by make fw-image; see
# tests/devmodel/test_devmodel.c.  hw-check compiles uapi/drm/enpu_hw.h
# standalone as C and C++ first.

DEVMODEL_TESTS := $(O)/tests/devmodel/test_devmodel
TEST_PROGS += $(DEVMODEL_TESTS)
CHECK_SUITES += devmodel

$(O)/tests/devmodel/test_devmodel.o: CPPFLAGS_ALL += -I$(TOP)/firmware/image

.PHONY: suite-devmodel
suite-devmodel: $(DEVMODEL_TESTS) $(DEVMODEL) $(FW_IMAGE) hw-check
	@$(TEST_WRAP) $(O)/tests/devmodel/test_devmodel $(DEVMODEL) $(FW_IMAGE)
