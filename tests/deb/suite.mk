# SPDX-License-Identifier: MIT
# The Debian packages (debian/), built by dpkg-buildpackage from a copy of
# the tree into $(O)/deb and used from there.  Not under the sanitizers.
ifeq ($(ENPU_SAN)$(ENPU_VALGRIND),)
CHECK_SUITES += deb
endif

.PHONY: suite-deb
suite-deb:
	@tests/deb/test_deb.sh $(O) $(ACCEL_VERSION)
