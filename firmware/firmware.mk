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

# Kernel variants (firmware/simd/): hosted builds only.  A file's ISA is the
# last "_" word of its name (q8_conv_avx512vnni.c); only the files of the
# target architecture are built, each with the flags its ISA needs, so the
# rest of libaccel stays baseline and runs anywhere.
FW_SIMD_ARCH := $(firstword $(subst -, ,$(shell $(CC) -dumpmachine)))
FW_ISAS_x86_64 := avx2 avxvnni avx512bw avx512vnni
FW_ISAS_aarch64 := neon neondot
FW_ISA_FLAGS_avx2 := -mavx2 -mfma -mf16c -mbmi2
FW_ISA_FLAGS_avxvnni := $(FW_ISA_FLAGS_avx2) -mavxvnni
FW_ISA_FLAGS_avx512bw := $(FW_ISA_FLAGS_avx2) -mavx512f -mavx512bw -mavx512vl -mavx512dq
FW_ISA_FLAGS_avx512vnni := $(FW_ISA_FLAGS_avx512bw) -mavx512vnni
FW_ISA_FLAGS_neon :=
FW_ISA_FLAGS_neondot := -march=armv8.2-a+dotprod
FW_SIMD_SRCS := firmware/simd/variants.c \
	$(sort $(foreach i,$(FW_ISAS_$(FW_SIMD_ARCH)),$(wildcard firmware/simd/*_$(i).c)))
fw_isa = $(lastword $(subst _, ,$(basename $(notdir $(1)))))
$(foreach f,$(filter-out firmware/simd/variants.c,$(FW_SIMD_SRCS)),\
	$(eval CFLAGS_$(basename $(notdir $(f))) := -O3 $(FW_ISA_FLAGS_$(call fw_isa,$(f)))))
FW_SRCS += $(FW_SIMD_SRCS)
