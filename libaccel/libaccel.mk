# SPDX-License-Identifier: MIT
# libaccel: shared library with a version script, static library, pkg-config.

LIBACCEL_SRCS += $(sort $(wildcard libaccel/*.c libaccel/cpu/*.c libaccel/ir/*.c \
	libaccel/memplan/*.c libaccel/onnx/*.c))
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
CFLAGS_npu := $(shell pkg-config --cflags libdrm 2>/dev/null || echo -I/usr/include/libdrm)
