# SPDX-License-Identifier: MIT
# Example applications, built like the tools (static libaccel).
EXAMPLES := $(patsubst examples/%.c,$(O)/bin/example-%,$(sort $(wildcard examples/*.c)))

$(O)/bin/example-%: $(O)/examples/%.o $(LIBACCEL_A)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $< $(LIBACCEL_A) $(LIBACCEL_DEPLIBS)

ALL_TARGETS += $(EXAMPLES)
