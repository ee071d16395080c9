# SPDX-License-Identifier: MIT
# libaccel: shared library with a version script, static library, pkg-config.

# One folder per layer (libaccel/README.md); every .c below libaccel/ is built.
LIBACCEL_SRCS += $(sort $(wildcard libaccel/*/*.c))
# ar keys archive members by file name: two sources with one name would
# leave one of them out of libaccel.a.
LIBACCEL_DUPS := $(strip $(foreach n,$(sort $(notdir $(LIBACCEL_SRCS) $(FW_SRCS))),\
	$(if $(word 2,$(filter %/$(n),$(LIBACCEL_SRCS) $(FW_SRCS))),$(n))))
$(if $(LIBACCEL_DUPS),$(error libaccel: source names used twice: $(LIBACCEL_DUPS)))
LIBACCEL_PROTO := libaccel/onnx/onnx-subset.proto
LIBACCEL_GEN_C := $(O)/gen/onnx-subset.pb-c.c
LIBACCEL_GEN_H := $(O)/gen/onnx-subset.pb-c.h

$(LIBACCEL_GEN_C) $(LIBACCEL_GEN_H): $(LIBACCEL_PROTO)
	@mkdir -p $(O)/gen
	$(say) PROTOC $<
	$(Q)protoc-c --proto_path=libaccel/onnx --c_out=$(O)/gen $(notdir $<)

$(O)/gen/onnx-subset.pb-c.o: $(LIBACCEL_GEN_C)
	$(say) CC $<
	$(Q)$(CC) $(CPPFLAGS_ALL) -std=gnu11 $(OPT) -fPIC -fvisibility=hidden $(SAN) -w -c $< -o $@

LIBACCEL_OBJS := $(patsubst %.c,$(O)/%.o,$(FW_SRCS) $(LIBACCEL_SRCS)) \
	$(if $(wildcard $(LIBACCEL_PROTO)),$(O)/gen/onnx-subset.pb-c.o)
# Every libaccel object may include the generated header.
$(patsubst %.c,$(O)/%.o,$(LIBACCEL_SRCS)): | $(LIBACCEL_GEN_H)

LIBACCEL_SONAME := libaccel.so.$(ACCEL_VERSION_MAJOR)
LIBACCEL_SO := $(O)/lib/libaccel.so.$(ACCEL_VERSION)
LIBACCEL_A := $(O)/lib/libaccel.a
LIBACCEL_DEPLIBS := -lprotobuf-c -luring -ldrm -lm -lpthread

$(LIBACCEL_SO): $(LIBACCEL_OBJS) libaccel/libaccel.map
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) -shared -Wl,-soname,$(LIBACCEL_SONAME) \
		-Wl,--version-script=libaccel/libaccel.map -Wl,--no-undefined \
		$(LDFLAGS_ALL) -o $@ $(LIBACCEL_OBJS) $(LIBACCEL_DEPLIBS)
	$(Q)ln -sf $(notdir $@) $(O)/lib/$(LIBACCEL_SONAME)
	$(Q)ln -sf $(LIBACCEL_SONAME) $(O)/lib/libaccel.so

$(LIBACCEL_A): $(LIBACCEL_OBJS)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@
	$(say) AR $@
	$(Q)ar rcs $@ $^

$(O)/lib/pkgconfig/libaccel.pc: libaccel/libaccel.pc.in Makefile
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(ACCEL_VERSION)|g' $< > $@

ALL_TARGETS += $(LIBACCEL_SO) $(LIBACCEL_A) $(O)/lib/pkgconfig/libaccel.pc

# The NPU backend talks to enpu.ko through libdrm and liburing.
CFLAGS_npu_dev := $(shell pkg-config --cflags libdrm 2>/dev/null || echo -I/usr/include/libdrm)
CFLAGS_npu_submit := $(CFLAGS_npu_dev)

# float32 kernels (libaccel/ops/f32k*.c): the portable file at -O3 for the
# vectorizer, the x86-64 variants with their ISA (chosen at run time, so
# the rest of libaccel stays baseline).
CFLAGS_f32k := -O3
# (and the float Conv's own loops: im2col, padding)
CFLAGS_op_conv := -O3
# (and the quantize/dequantize at a program's edges, every request)
CFLAGS_edge_io := -O3
ifeq ($(firstword $(subst -, ,$(shell $(CC) -dumpmachine))),x86_64)
CFLAGS_f32k_avx2 := -O3 -mavx2 -mfma
CFLAGS_f32k_avx512 := -O3 -mavx2 -mfma -mavx512f -mavx512vl -mavx512dq
endif
