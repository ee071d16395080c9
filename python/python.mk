# SPDX-License-Identifier: MIT
# The Python binding (import accel): a CPython extension linked against the
# static libaccel, plus its pure-Python package file.  Built for Debian's
# /usr/bin/python3 (python3-dev, python3-numpy); `make install` puts it in
# $(PYTHONDIR).

PYTHON ?= /usr/bin/python3
PY_CFG = $(shell $(PYTHON) -c 'import sysconfig, numpy; print(sysconfig.get_config_var("EXT_SUFFIX"), sysconfig.get_paths()["include"], numpy.get_include())' 2>/dev/null)
PY_EXT = $(word 1,$(PY_CFG))
PY_INC = $(word 2,$(PY_CFG))
PY_NUMPY_INC = $(word 3,$(PY_CFG))
PY_PKG := $(O)/python/accel
PY_MOD = $(PY_PKG)/_accel$(PY_EXT)
PY_FILES := $(PY_PKG)/__init__.py

PY_OBJ := $(O)/python/_accel.o

# The headers of Python and NumPy are not ours to warn about.
$(PY_OBJ): CPPFLAGS_ALL += -isystem $(PY_INC) -isystem $(PY_NUMPY_INC)
$(PY_OBJ): python/accel/_accel.c
	@test -n "$(PY_EXT)" || { echo "python: $(PYTHON) with numpy and python3-dev is needed: run 'make deps'" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c $< -o $@

$(PY_MOD): $(PY_OBJ) $(LIBACCEL_A)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) -shared $(LDFLAGS_ALL) -o $@ $< $(LIBACCEL_A) $(LIBACCEL_DEPLIBS)

$(PY_PKG)/%.py: python/accel/%.py
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

.PHONY: python
python: $(PY_MOD) $(PY_FILES)
ALL_TARGETS += python
