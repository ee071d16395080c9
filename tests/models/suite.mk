# SPDX-License-Identifier: MIT
# End-to-end tests on the shipped digits models (links the firmware
# reference ops, tests/firmware/ref.c, for the bit-exactness check) and on
# recurrent models exported by PyTorch (tests/models/make_rnn.py), the
# control-flow models of tests/models/make_ctrlflow.py and the
# external-data models of tests/models/make_extdata.py.

MODELS_TESTS := $(O)/tests/models/test_digits $(O)/tests/models/test_rnn_models \
	$(O)/tests/models/test_ctrlflow $(O)/tests/models/test_extdata
TEST_PROGS += $(MODELS_TESTS)
CHECK_SUITES += models
CPPFLAGS_ALL += -I$(TOP)/tests/firmware

$(O)/tests/models/test_digits: $(O)/tests/models/test_digits.o \
		$(O)/tests/firmware/ref.o $(TEST_LIB_OBJS) $(LIBACCEL_A)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(LIBACCEL_A) $(LIBACCEL_DEPLIBS)

# Control flow on the models tests/models/make_ctrlflow.py generates.
$(O)/tests/models/test_ctrlflow: $(O)/tests/models/test_ctrlflow.o \
		$(TEST_LIB_OBJS) $(LIBACCEL_A)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(LIBACCEL_A) $(LIBACCEL_DEPLIBS)

.PHONY: suite-models
suite-models: $(MODELS_TESTS)
	@TEST_WRAP="$(TEST_WRAP)" tests/run-progs.sh models $(MODELS_TESTS)
