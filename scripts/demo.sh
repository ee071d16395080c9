#!/bin/bash
# SPDX-License-Identifier: MIT
# The main job (make demo): build everything, boot the QEMU VM with Debian's
# 6.12 kernel, insmod enpu.ko (soft engine), classify the digits test split
# on the NPU and on the CPU backend and print accuracy, agreement (bit-exact
# for int8), median/p99 latency and system calls per inference side by
# side, plus accel-bench figures for the ioctl, io_uring and SQPOLL paths.
# Every run is also checked against the logits computed without libaccel
# (models/digits_ref_*.npy, make_digits.py's NumPy reference): int8 bit for
# bit, fp32 within 1e-4.
#
#	scripts/demo.sh [BUILD_DIR]
#
# DEMO_VM=0 skips the VM and runs the CPU backend on the host only.
set -euo pipefail
O=${1:-build}
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
t0=$(date +%s)
say() { printf '\n== [%ss] %s\n' "$(( $(date +%s) - t0 ))" "$*"; }

n=$(od -An -j 0 -N 128 -c models/digits_test_y.npy | tr -d ' \n' | sed -E "s/.*shape':\(([0-9]+).*/\1/")
echo "== ENPU demo: scikit-learn digits, $n held-out 8x8 images, one inference per image"

say "host: the CPU backend on this machine (no NPU here)"
"$O/bin/example-digits" models/digits_fp32.onnx \
	models/digits_test_x.npy models/digits_test_y.npy --device cpu \
	--reference models/digits_ref_fp32.npy --tolerance 1e-4 | grep -v '^SUMMARY'
"$O/bin/example-digits" models/digits_int8.onnx \
	models/digits_test_x.npy models/digits_test_y.npy --device cpu \
	--reference models/digits_ref_int8.npy | grep -v '^SUMMARY'

if [ "${DEMO_VM:-1}" = 0 ]; then
	echo "DEMO_VM=0: skipping the VM"
	exit 0
fi

say "building enpu.ko against Debian's 6.12 headers (cached by make deps) and static guest binaries"
$MAKE --no-print-directory -s O="$O" module-vm npu-vm-progs

say "booting QEMU (TCG, 2 vCPUs), insmod enpu.ko, running the demo inside (about a minute)"
ko=$(find "$O/kmod/driver" -name enpu.ko | head -n 1)
args=(--module "$ko" --params "timeout_ms=5000" --test tests/npu/demo-guest.sh
      --timeout 600 --test-timeout 500 --out "$O/vm-demo" --name demo)
for b in accel-info accel-run accel-bench example-digits; do
	args+=(--file "$O/npu-vm/$b:bin/$b")
done
for f in digits_int8.onnx digits_fp32.onnx digits_test_x.npy digits_test_y.npy \
	digits_ref_int8.npy digits_ref_fp32.npy; do
	args+=(--file "models/$f:models/$f")
done
set +e
tests/vm/run-vm.sh "${args[@]}" > "$O/vm-demo.log" 2>&1
rc=$?
set -e
# The guest's own output, as it printed it (the harness's TAP view of the
# same run indents and filters it).
sed -n '/^ENPU-VM: TEST-BEGIN demo-guest.sh/,/^ENPU-VM: TEST-END demo-guest.sh/p' \
	"$O/vm-demo/results.log" | sed -e '1d' -e '$d'
grep -E 'wall time|^demo:' "$O/vm-demo.log" | sed 's/^# /   /' || true
say "done (full VM log: $O/vm-demo.log)"
exit $rc
