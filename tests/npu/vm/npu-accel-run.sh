#!/bin/sh
# SPDX-License-Identifier: MIT
# In the VM: accel-info sees the soft ENPU device; accel-run --device npu
# gives outputs byte-identical to the CPU backend for the digits models
# (int8: every submission path) and, on the whole test split, to the NumPy
# reference; the float model falls back to the CPU under auto and is
# refused by --device npu.  TAP.
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; fail=1; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else nok "$desc"; fi; }
T=/tmp/npu-run
mkdir -p $T

./bin/accel-info > $T/info.txt 2>&1
sed 's/^/# /' $T/info.txt
check "accel-info lists a usable enpu NPU" \
	grep -q "Driver:            enpu" $T/info.txt
check "accel-info says libaccel can use it" \
	sh -c "grep -A12 '^Device 1: NPU' $T/info.txt | grep -q 'Usable by libaccel: yes'"

run() {	# tag device [env] -- extra args
	tag=$1 dev=$2; shift 2
	./bin/accel-run models/digits_int8.onnx --device "$dev" --output "$T/$tag.npy" "$@" \
		> "$T/$tag.txt" 2>&1
}

i=0
for input in "--input models/digits_sample0.npy" "--random --seed 1" \
	     "--random --seed 2" "--random --seed 3"; do
	i=$((i + 1))
	run cpu$i cpu $input
	for path in uring ioctl sqpoll; do
		if ACCEL_NPU_SUBMIT=$path run npu$i-$path npu $input &&
		   grep -q "device:  npu" "$T/npu$i-$path.txt"; then
			check "int8 input $i ($input), $path: npu output == cpu output" \
				cmp "$T/npu$i-$path.npy" "$T/cpu$i.npy"
		else
			sed 's/^/# /' "$T/npu$i-$path.txt"
			nok "int8 input $i, $path: accel-run --device npu failed"
		fi
	done
done
sed 's/^/# /' "$T/npu1-uring.txt"

# The CPU and NPU runs above share libaccel's compiler and firmware, so
# their agreement only tests the transport.  The whole test split, as one
# batch, must also reproduce bit for bit the logits computed without
# libaccel (models/digits_ref_int8.npy, the NumPy QDQ reference).
payload() {	# the data of .npy file $1 (after its header) into $2
	hl=$(od -An -tu2 -j8 -N2 "$1" | tr -d ' ')
	tail -c $(($(wc -c < "$1") - 10 - hl)) "$1" > "$2"
}
payload models/digits_ref_int8.npy $T/ref.bin
for dev in cpu npu; do
	if ./bin/accel-run models/digits_int8.onnx --device $dev \
		--input models/digits_test_x.npy --output $T/split-$dev.npy \
		> $T/split-$dev.txt 2>&1 && grep -q "device:  $dev" $T/split-$dev.txt; then
		payload $T/split-$dev.npy $T/split-$dev.bin
		check "int8 test split on the $dev == NumPy reference logits, bit for bit" \
			cmp $T/split-$dev.bin $T/ref.bin
	else
		sed 's/^/# /' $T/split-$dev.txt
		nok "int8 test split: accel-run --device $dev failed"
	fi
done

./bin/accel-run models/digits_fp32.onnx --input models/digits_sample0.npy --device cpu \
	--output $T/f-cpu.npy > $T/f-cpu.txt 2>&1
./bin/accel-run models/digits_fp32.onnx --input models/digits_sample0.npy --device auto \
	--output $T/f-auto.npy > $T/f-auto.txt 2>&1
sed 's/^/# /' $T/f-auto.txt
check "fp32 under auto runs on the cpu" grep -q "device:  cpu" $T/f-auto.txt
check "fp32 under auto logs one line why" \
	sh -c "[ \$(grep -c 'runs on the CPU' $T/f-auto.txt) -eq 1 ]"
check "fp32 under auto == fp32 on cpu" cmp $T/f-auto.npy $T/f-cpu.npy
if ./bin/accel-run models/digits_fp32.onnx --random --device npu > $T/f-npu.txt 2>&1; then
	nok "fp32 with --device npu should fail"
else
	sed 's/^/# /' $T/f-npu.txt
	check "fp32 with --device npu is refused with a reason" \
		grep -q "cannot run on the NPU" $T/f-npu.txt
fi
echo "1..$n"
exit $fail
