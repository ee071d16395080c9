# SPDX-License-Identifier: MIT
# Every tools/accel-*.c is one command, linked statically against libaccel
# so that the build tree's tools run without installation.

TOOLS_COMMON_SRCS := $(sort $(wildcard tools/common/*.c))
TOOLS_COMMON_OBJS := $(patsubst %.c,$(O)/%.o,$(TOOLS_COMMON_SRCS))
TOOLS := $(patsubst tools/%.c,$(O)/bin/%,$(sort $(wildcard tools/accel-*.c)))

$(O)/bin/%: $(O)/tools/%.o $(TOOLS_COMMON_OBJS) $(LIBACCEL_A)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $< $(TOOLS_COMMON_OBJS) $(LIBACCEL_A) $(LIBACCEL_DEPLIBS)

ALL_TARGETS += $(TOOLS)
