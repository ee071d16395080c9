# SPDX-License-Identifier: MIT
# The device firmware image (firmware/image/README.md): the firmware core
# plus the command processor (fw_main.c) and memcpy/memset/memmove
# (fw_libc.c), compiled freestanding and position independent, linked with
# ld -pie into an ELF whose entry point is the entry table, then packed by
# enpu-mkfw into $(FW_IMAGE) (installed as /lib/firmware/enpu/enpu-fw.bin).
#
#   make fw-image        build it

FW_IMAGE := $(O)/firmware/enpu/enpu-fw.bin
FW_MKFW := $(O)/bin/enpu-mkfw
FW_IMAGE_SRCS := $(sort $(wildcard firmware/*.c)) firmware/image/fw_main.c \
	firmware/image/fw_libc.c
FW_IMAGE_OBJS := $(patsubst %.c,$(O)/fwimage/%.o,$(FW_IMAGE_SRCS))
FW_IMAGE_CFLAGS := $(FW_FREESTANDING_CFLAGS) -fPIE -fvisibility=hidden \
	-fno-stack-protector -fno-strict-aliasing -I$(TOP)/firmware/image
FW_IMAGE_LDFLAGS := -pie --no-dynamic-linker -z norelro -z noexecstack \
	-z noseparate-code --hash-style=gnu --build-id=none -e enpu_fw_entry_table
FW_IMAGE_BUILD_ID ?= $(shell git -C $(TOP) rev-parse --short=11 HEAD 2>/dev/null)

# gcc would turn memset's own loop into a call to memset; clang does not
# for a function of that name (and lacks the option).
CFLAGS_fwimage_fw_libc := $(shell $(CC) -fno-tree-loop-distribute-patterns -x c -c \
	-o /dev/null /dev/null 2>/dev/null && echo -fno-tree-loop-distribute-patterns)

$(O)/fwimage/%.o: %.c
	@mkdir -p $(dir $@)
	$(say) CC-FW $<
	$(Q)$(CC) $(FW_IMAGE_CFLAGS) $(CFLAGS_fwimage_$(notdir $*)) -c $< -o $@

$(O)/fwimage/enpu-fw.elf: $(FW_IMAGE_OBJS)
	$(say) LD $@
	$(Q)$(LD) $(FW_IMAGE_LDFLAGS) -o $@ $^

$(FW_MKFW): $(O)/firmware/image/mkfw.o
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^

$(O)/firmware/image/mkfw.o: CPPFLAGS_ALL += -I$(TOP)/firmware/image

$(FW_IMAGE): $(O)/fwimage/enpu-fw.elf $(FW_MKFW)
	@mkdir -p $(dir $@)
	$(say) MKFW $@
	$(Q)$(FW_MKFW) $< $@ $(FW_IMAGE_BUILD_ID)

.PHONY: fw-image
fw-image: $(FW_IMAGE)
ALL_TARGETS += $(FW_IMAGE)
