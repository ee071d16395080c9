#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Self-test of the VM harness: the failures it exists to catch must fail the
# run, with the right counts.  Three boots:
#  1. hello.ko loaded with warn=1 (a WARNING splat in dmesg) and the programs
#     in tests/vm/selftest/: a failing TAP point, a crash before the plan is
#     complete, a skip, a hang past --test-timeout, and a pass;
#  2. a test that hangs past the whole VM's --timeout;
#  3. only passing tests, but a device node named by --expect-dev that the
#     module never creates (next to one that exists);
#  4. a guest that never reaches /init (the kernel is pointed at a missing
#     one): booted a second time, then failed.
# Each run-vm.sh must exit non-zero with the expected summary and reasons.
#
#   tests/vm/selftest.sh HELLO_KO OUTDIR
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ko=$1
out=$2
st=$HERE/selftest
mkdir -p "$out"
fails=0 n=0

expect() {	# log, description, fixed string that must be in the log
	n=$((n + 1))
	if grep -qF -- "$3" "$1"; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2 (no '$3' in $1)"
		fails=$((fails + 1))
	fi
}
expect_rc() {	# rc, description
	n=$((n + 1))
	if [ "$1" -ne 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2 (run-vm.sh exited 0)"
		fails=$((fails + 1))
	fi
}

echo "TAP version 13"
log1=$out/run1.txt
"$HERE/run-vm.sh" --name selftest --out "$out/run1" --timeout 300 \
	--module "$ko" --params 'warn=1' --test-timeout 5 \
	--test "$st/fail-tap.sh" --test "$st/crash.sh" --test "$st/skip.sh" \
	--test "$st/hang.sh" --test "$st/pass.sh" >"$log1" 2>&1
expect_rc $? "run 1 fails"
# kmods 4 + insmod 1 + fail-tap 1 + crash 1 + pass 1 + rmmod 1 passed;
# fail-tap 1 + crash 1 + hang 1 + splat 1 failed; skip 1 skipped.
expect "$log1" "run 1 counts" "selftest: 9 passed, 4 failed, 1 skipped"
expect "$log1" "failing TAP point reported" "fail-tap.sh: 1 failed"
expect "$log1" "incomplete plan reported" "crash.sh: plan 1..3 but 1 test points"
expect "$log1" "guest timeout reported" "hang.sh: timed out in the guest"
expect "$log1" "dmesg splat reported" "kernel splat line(s) in dmesg"
expect "$log1" "the WARN itself quoted" "hello_init+"
expect "$out/run1/dmesg.txt" "dmesg saved on the host" "hello: warning requested"

log2=$out/run2.txt
"$HERE/run-vm.sh" --name selftest --out "$out/run2" --timeout 20 \
	--test-timeout 1000 --test "$st/hang.sh" >"$log2" 2>&1
expect_rc $? "run 2 fails"
expect "$log2" "VM timeout reported" "VM timed out after 20s"
expect "$log2" "missing END reported" "no END marker"

log3=$out/run3.txt
"$HERE/run-vm.sh" --name selftest --out "$out/run3" --timeout 300 \
	--module "$ko" --expect-dev /dev/null \
	--expect-dev /dev/accel/enpu-selftest-missing \
	--test "$st/pass.sh" >"$log3" 2>&1
expect_rc $? "run 3 fails"
# kmods 4 + insmod 1 + /dev/null 1 + pass 1 + rmmod 1 passed; the missing
# node failed.
expect "$log3" "run 3 counts" "selftest: 8 passed, 1 failed, 0 skipped"
expect "$log3" "present node passes" "ok 1 - /dev/null present"
expect "$log3" "missing node reported" \
	"not ok 2 - /dev/accel/enpu-selftest-missing did not appear"
expect "$log3" "missing node fails the run" "devices: 1 failed"

log4=$out/run4.txt
"$HERE/run-vm.sh" --name selftest --out "$out/run4" --timeout 120 \
	--append "rdinit=/enpu-selftest-no-init" \
	--test "$st/pass.sh" >"$log4" 2>&1
expect_rc $? "run 4 fails"
expect "$log4" "boot failure retried once" "never reached /init"
expect "$log4" "still no /init reported" "no BEGIN marker"

echo "1..$n"
echo "vm-selftest: $((n - fails)) passed, $fails failed, 0 skipped"
[ $fails -eq 0 ]
