#!/bin/sh
# SPDX-License-Identifier: MIT
# The demo's guest half (run by scripts/demo.sh inside the QEMU VM, enpu.ko
# loaded): classify the digits test split on the CPU backend and on the NPU
# (soft engine), compare them bit for bit with each other and with the
# logits computed without libaccel (models/digits_ref_int8.npy, the NumPy QDQ
# reference: the CPU and NPU runs share libaccel's compiler and firmware, so
# only the reference can tell that both are right), then measure the three
# submission paths with accel-bench.  Exit non-zero when the NPU disagrees
# with the CPU or either disagrees with the reference.
set -u
D="models/digits_test_x.npy models/digits_test_y.npy"
R="--reference models/digits_ref_int8.npy"
T=/tmp/demo
mkdir -p $T
step() { echo "---- $*"; }

step "devices (accel-info)"
./bin/accel-info | grep -E '^Device|Driver:|ISA|Engines|Usable'

step "digits test split, one image per inference, int8 model on the CPU backend"
./bin/example-digits models/digits_int8.onnx $D --device cpu $R \
	--save-logits $T/cpu.npy > $T/cpu.txt 2>&1
crc=$?
cat $T/cpu.txt
[ -s $T/cpu.npy ] || exit 1
step "the same on the NPU (/dev/accel/accel0, io_uring submission), compared with the CPU and the reference"
./bin/example-digits models/digits_int8.onnx $D --device npu $R \
	--compare $T/cpu.npy > $T/npu.txt 2>&1
rc=$?
cat $T/npu.txt
step "float model (auto: runs on the CPU, says why)"
./bin/example-digits models/digits_fp32.onnx $D --device auto \
	--reference models/digits_ref_fp32.npy --tolerance 1e-4 2>&1 | grep -v '^SUMMARY'

step "accel-bench single-stream, 300 requests per submission path"
./bin/accel-bench models/digits_int8.onnx --device npu --scenario single-stream \
	--count 300 --warmup 20 --json > $T/bench.json 2>&1
./bin/accel-bench models/digits_int8.onnx --device npu --submit uring \
	--scenario offline --inflight 32 --count 600 --json >> $T/bench.json 2>&1
./bin/accel-bench models/digits_int8.onnx --device npu --submit sqpoll \
	--scenario offline --inflight 32 --count 600 --json >> $T/bench.json 2>&1

echo
echo "================ ENPU demo: NPU vs CPU on the digits test split ================"
awk '
/^SUMMARY/ {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	printf "  %-4s %-16s accuracy %6s%%   latency p50 %8s us  p99 %8s us   syscalls/inference %s\n",
		v["device"], v["path"], v["accuracy"], v["p50_us"], v["p99_us"], v["syscalls"]
}
/^SUMMARY/ { dev = v["device"] }
/^AGREEMENT/ { agree = $0 }
/^REFERENCE/ { r = $0; sub(/^REFERENCE /, "", r); ref[dev] = r }
END {
	sub(/^AGREEMENT /, "", agree)
	printf "  %-38s%s\n", "agreement NPU vs CPU:", agree
	printf "  %-38s%s\n", "CPU vs NumPy reference (no libaccel):", ref["cpu"]
	printf "  %-38s%s\n", "NPU vs NumPy reference (no libaccel):", ref["npu"]
}
' $T/cpu.txt $T/npu.txt
echo
echo "  accel-bench (digits int8, NPU soft engine in the VM):"
awk '
/^\{/ {
	line = $0
	sc = line; sub(/.*"scenario":"/, "", sc); sub(/".*/, "", sc)
	p = line; sub(/.*"submit":"/, "", p); sub(/".*/, "", p)
	p50 = line; sub(/.*"p50":/, "", p50); sub(/,.*/, "", p50)
	p99 = line; sub(/.*"p99":/, "", p99); sub(/,.*/, "", p99)
	ips = line; sub(/.*"throughput_ips":/, "", ips); sub(/[,}].*/, "", ips)
	sys = line; sub(/.*"syscalls_per_inference":/, "", sys); sub(/,.*/, "", sys)
	printf "  %-14s %-16s p50 %8s us  p99 %8s us  %8s inf/s  %s syscalls/inference\n",
		sc, p, p50, p99, ips, sys
}
!/^\{/ { print "  # " $0 }
' $T/bench.json
echo "================================================================================="
if [ $crc -ne 0 ]; then
	echo "FAIL: the CPU backend's logits are not bit-identical to the NumPy reference"
	exit 1
fi
if [ $rc -ne 0 ]; then
	echo "FAIL: the NPU's logits are not bit-identical to the CPU backend's and the NumPy reference"
	exit 1
fi
echo "ok: NPU, CPU and the NumPy reference agree exactly"
exit 0
