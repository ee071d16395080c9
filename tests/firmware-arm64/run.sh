#!/bin/bash
# Run the aarch64 firmware test programs under qemu-user, once per emulated
# CPU, and print the suite's total "firmware-arm64: N passed, ...".  test-ops
# checks that the kernel variants this CPU runs are exactly the expected ones
# (ENPU_TEST_EXPECT_KERNELS) and that the others are refused
# (ENPU_TEST_ABSENT_KERNELS), then runs every case once per variant.
# qemu is invoked explicitly: binfmt_misc need not be set up.
# Usage: QEMU=qemu-aarch64-static tests/firmware-arm64/run.sh PROG...
set -u
qemu=${QEMU:-qemu-aarch64-static}
here=$(dirname "$0")
p=0 f=0 s=0 rc=0

if ! command -v "$qemu" >/dev/null; then
	echo "# $qemu not found: run 'make deps' (as root)"
	echo "firmware-arm64: 0 passed, 1 failed, 0 skipped"
	exit 1
fi

# cpu, the variants it must run (best last), the variants it must not
for cfg in "max:scalar neon neondot:" "cortex-a53:scalar neon:neondot"; do
	IFS=: read -r cpu expect absent <<<"$cfg"
	echo "# qemu-aarch64 -cpu $cpu"
	# test-yield's CPU-time bound between yields is for native code; the
	# same instructions emulated take many times as long (gaps of 100 ms
	# against the native 50 ms bound on a loaded box), so it is scaled
	out=$(ENPU_TEST_EXPECT_KERNELS="$expect" ENPU_TEST_ABSENT_KERNELS="$absent" \
	      ENPU_TEST_SLOWDOWN=8 \
	      TEST_WRAP="$qemu -cpu $cpu" "$here/../run-progs.sh" \
	      "firmware-arm64-$cpu" "$@") || rc=1
	echo "$out"
	line=$(tail -n 1 <<<"$out")
	read -r a b c < <(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/' <<<"$line")
	p=$((p + ${a:-0})) f=$((f + ${b:-1})) s=$((s + ${c:-0}))
done
echo "firmware-arm64: $p passed, $f failed, $s skipped"
exit $rc
