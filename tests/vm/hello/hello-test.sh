#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Guest side of the VM harness smoke test: load hello.ko with a parameter,
# check the kernel saw it (sysfs, parameter, printk), unload it, check it is
# gone.  TAP on stdout; exit 1 on any failure.
n=0
fail=0
check() {	# description, command...
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		fail=1
	fi
}
param_is() { [ "$(cat /sys/module/hello/parameters/greeting 2>/dev/null)" = "$1" ]; }
in_dmesg() { dmesg | grep -q "$1"; }

echo "TAP version 13"
check "insmod hello.ko greeting=7" insmod /opt/enpu/hello.ko greeting=7
check "/sys/module/hello exists" test -d /sys/module/hello
check "greeting parameter reads back 7" param_is 7
check "init message in dmesg" in_dmesg 'hello: loaded, greeting=7'
check "rmmod hello" rmmod hello
check "/sys/module/hello gone" test ! -e /sys/module/hello
check "exit message in dmesg" in_dmesg 'hello: unloaded'
echo "1..$n"
exit $fail
