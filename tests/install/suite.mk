# SPDX-License-Identifier: MIT
# make install and an app built against the installed package only.  Not
# under the sanitizers: it checks packaging, and an app outside the build
# would need their runtimes.
ifeq ($(ENPU_SAN)$(ENPU_VALGRIND),)
CHECK_SUITES += install
endif

.PHONY: suite-install
suite-install: all
	@MAKE="$(MAKE)" tests/install/test_install.sh $(O)
