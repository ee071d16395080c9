#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Guest side of `make suite-pci-vm` (TAP): libaccel's NPU backend on each
# PCI NPU.  accel-run runs the int8 digits model on the NPU's node
# (--npu-index) and on the CPU backend for the same inputs; the outputs
# must be byte-identical.  A PCI node missing (fewer than ENPU_NPUS) fails.
want=${ENPU_NPUS:-2}
n=0
fail=0
t() {	# description, then the command that must succeed
	n=$((n + 1))
	d=$1
	shift
	if "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; fail=1; fi
}
T=/tmp/pci-libaccel
mkdir -p $T

pci=
for d in /sys/class/accel/accel*; do
	case $(basename "$(readlink -f "$d/device")") in
	0000:*) pci="$pci ${d##*/accel}" ;;
	esac
done
set -- $pci
t "$# of $want PCI NPU nodes" [ $# -ge "$want" ]

run() {	# output name, then accel-run arguments
	out=$1
	shift
	./bin/accel-run models/digits_int8.onnx --output "$T/$out.npy" "$@" \
		>"$T/$out.txt" 2>&1
}
same() {	# npu tag, cpu tag
	if grep -q "device:  npu" "$T/$1.txt" && cmp "$T/$1.npy" "$T/$2.npy"; then
		return 0
	fi
	sed 's/^/# /' "$T/$1.txt"
	return 1
}

for idx in $pci; do
	for input in "--input models/digits_sample0.npy" "--random --seed 7"; do
		tag=$(echo "$input" | tr -dc 'a-z0-9')
		run "cpu-$tag" --device cpu $input
		run "npu$idx-$tag" --device npu --npu-index "$idx" $input
		t "accel$idx ($input): NPU output == CPU output" same "npu$idx-$tag" "cpu-$tag"
	done
done
# Figures (no assertion): median latency of one inference over 20 runs on
# the CPU backend, the soft engine (accel0) and the first PCI NPU.
set -- $pci
for spec in "cpu" "npu --npu-index 0" "npu --npu-index $1"; do
	# shellcheck disable=SC2086
	./bin/accel-run models/digits_int8.onnx --input models/digits_sample0.npy \
		--repeat 20 --device $spec >"$T/fig.txt" 2>&1
	echo "# --device $spec: $(grep -h 'latency' "$T/fig.txt")"
done
echo "1..$n"
exit $fail
