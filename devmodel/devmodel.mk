# SPDX-License-Identifier: MIT
# enpu-devmodel (devmodel/README.md): the ENPU PCI device behind QEMU's
# ivshmem-doorbell.  hw-check compiles the hardware contract standalone as
# C11 and C++11.

DEVMODEL := $(O)/bin/enpu-devmodel
DEVMODEL_OBJS := $(O)/devmodel/main.o $(O)/devmodel/devmodel.o $(O)/devmodel/fwload.o

$(DEVMODEL_OBJS): CPPFLAGS_ALL += -I$(TOP)/firmware/image

$(DEVMODEL): $(DEVMODEL_OBJS)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ -lpthread

ALL_TARGETS += $(DEVMODEL)

.PHONY: hw-check
hw-check:
	$(say) HW uapi/drm/enpu_hw.h
	$(Q)printf '#include <drm/enpu_hw.h>\n' | $(CC) -x c -std=c11 -pedantic \
		-Wall -Wextra -Werror -fsyntax-only -I$(TOP)/uapi -
	$(Q)printf '#include <drm/enpu_hw.h>\n' | c++ -x c++ -std=c++11 \
		-Wall -Wextra -Werror -fsyntax-only -I$(TOP)/uapi -
