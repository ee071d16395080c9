# SPDX-License-Identifier: MIT
# The firmware core: freestanding C shared by the CPU backend, enpu.ko's soft
# engine and the device firmware.  Built here into libaccel, and once more
# freestanding (no libc headers, no FPU/SIMD registers) to prove it stays so.

FW_SRCS += $(sort $(wildcard firmware/*.c))

FW_FREESTANDING_OBJS := $(patsubst %.c,$(O)/freestanding/%.o,$(FW_SRCS))
FW_FREESTANDING_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -Wvla \
	-ffreestanding -fno-builtin -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) \
	-I$(TOP)/firmware/shim -I$(TOP)/uapi -I$(TOP)/firmware/include \
	-mgeneral-regs-only -fno-asynchronous-unwind-tables

$(O)/freestanding/%.o: %.c
	@mkdir -p $(dir $@)
	$(say) CC-FREE $<
	$(Q)$(CC) $(FW_FREESTANDING_CFLAGS) -c $< -o $@

$(O)/freestanding/firmware.o: $(FW_FREESTANDING_OBJS)
	$(say) LD $@
	$(Q)$(LD) -r -o $@ $^
	@if nm -u $@ | grep -v -E ' (memcpy|memset|memmove)$$' | grep -q .; then \
		echo "firmware references symbols outside itself:"; nm -u $@; exit 1; fi

ALL_TARGETS += $(if $(FW_SRCS),$(O)/freestanding/firmware.o)

# The int8 kernels are written as plain loops for the compiler to vectorize;
# in userspace let it (the kernel module builds them at -O2 without SIMD).
$(foreach f,$(filter firmware/q8_%.c,$(FW_SRCS)),$(eval CFLAGS_$(basename $(notdir $(f))) := -O3))
