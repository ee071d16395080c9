#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Guest side of `make suite-pci-vm-harness` (TAP): the harness attached
# ENPU_NPUS ivshmem-doorbell devices (PCI 1af4:1110) backed by the host's
# enpu-devmodel, each with a BAR2 (the device's memory) of at least 16 MiB,
# and put the firmware image where request_firmware() looks.
# A device that did not appear fails; nothing here skips.
want=${ENPU_NPUS:-2}
n=0
fail=0
t() {	# description, then the command that must succeed
	n=$((n + 1))
	d=$1
	shift
	if "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; fail=1; fi
}

found=0
for dev in /sys/bus/pci/devices/*; do
	[ "$(cat "$dev/vendor")" = 0x1af4 ] && [ "$(cat "$dev/device")" = 0x1110 ] ||
		continue
	found=$((found + 1))
	# resource: one "start end flags" line per BAR; BAR2 is the third
	bar2=$(sed -n 3p "$dev/resource")
	size=$(( $(echo "$bar2" | awk '{ print $2 }') - $(echo "$bar2" | awk '{ print $1 }') + 1 ))
	t "${dev##*/}: BAR2 of $size bytes >= 16 MiB" [ "$size" -ge 16777216 ]
done
t "$found ivshmem-doorbell device(s), $want wanted" [ "$found" -eq "$want" ]
t "/lib/firmware/enpu/enpu-fw.bin starts with ENFW" \
	sh -c '[ "$(head -c 4 /lib/firmware/enpu/enpu-fw.bin)" = ENFW ]'
echo "1..$n"
exit $fail
