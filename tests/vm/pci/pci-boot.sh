#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Guest side of `make suite-pci-vm` (TAP): enpu.ko's PCI probe on the NPUs
# enpu-devmodel serves (ENPU_NPUS of them).  Each boots the firmware image
# at probe; then device 0 is unbound and bound again with a corrupted, a
# truncated and a foreign image, one for another machine (its CRC valid:
# the device refuses it and stays in FAULT) and none, each refused with
# one dmesg line naming the problem, and finally with the good image, which
# boots again (after a reset out of FAULT).  With ENPU_FOREIGN=N the VM
# also has N ivshmem-plain devices of no ENPU: each is left alone with one
# line.  A device that did not
# appear fails; nothing here skips.
want=${ENPU_NPUS:-2}
foreign=${ENPU_FOREIGN:-0}
fw=/lib/firmware/enpu/enpu-fw.bin
drv=/sys/bus/pci/drivers/enpu
n=0
fail=0
t() {	# description, then the command that must succeed
	n=$((n + 1))
	d=$1
	shift
	if "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; fail=1; fi
}
count() { dmesg | grep -c -- "$1"; }

booted=$(count 'enpu .*: firmware .* booted')
t "$booted of $want NPUs booted their firmware at probe" [ "$booted" -eq "$want" ]
dmesg | grep 'enpu .*: firmware .* booted' | sed 's/^/# /'

left=$(count 'not an ENPU, left alone')
t "$left of $foreign foreign ivshmem devices left alone" [ "$left" -eq "$foreign" ]
dmesg | grep 'not an ENPU' | sed 's/^/# /'

dev=$(dmesg | sed -n 's/.*enpu \(0000:[^:]*:[^:]*\): firmware .* booted.*/\1/p' | head -n 1)
t "a device bound to enpu" [ -n "$dev" ]
cp "$fw" /tmp/good.bin

# rebind device 0 with the image in $fw; expect one more line matching $1
rebind() {
	before=$(count "$1")
	echo "$dev" >"$drv/unbind"
	echo "$dev" >"$drv/bind"
	after=$(count "$1")
	[ "$after" -eq $((before + 1)) ]
}

cp /tmp/good.bin "$fw"
printf 'X' | dd of="$fw" bs=1 seek=2000 conv=notrunc 2>/dev/null
t "corrupted image refused (CRC-32)" rebind "refused: CRC-32"
head -c 1000 /tmp/good.bin >"$fw"
t "truncated image refused (size)" rebind "refused: 1000 bytes, header says"
cp /tmp/good.bin "$fw"
printf 'ELF!' | dd of="$fw" bs=1 seek=0 conv=notrunc 2>/dev/null
t "foreign image refused (magic)" rebind "refused: not an ENPU image"
cp /lib/firmware/enpu/enpu-fw-aarch64.bin "$fw"
t "image for another machine refused by the device" rebind "refused by the device"
rm -f "$fw"
t "missing image: device offline" rebind "not loaded (-2): device offline"
cp /tmp/good.bin "$fw"
t "good image boots again after the refusals" rebind 'firmware .* booted'
dmesg | grep 'enpu .*: firmware' | sed 's/^/# /'
echo "1..$n"
exit $fail
