#!/bin/bash
# The main job: classify the digits test split with the fp32 and the int8
# model on the CPU backend and print accuracy and latency side by side.
set -euo pipefail
O=${1:-build}
cd "$(dirname "$0")/.."
run=$O/bin/example-digits
n=$(od -An -j 0 -N 128 -c models/digits_test_y.npy | tr -d ' \n' | sed -E "s/.*shape':\(([0-9]+).*/\1/")
echo "== ENPU demo: scikit-learn digits, $n held-out 8x8 images, one inference per image"
echo "== CPU backend (the NPU backend arrives with enpu.ko; ACCEL_DEVICE=npu says so)"
$run models/digits_fp32.onnx models/digits_test_x.npy models/digits_test_y.npy --device cpu
$run models/digits_int8.onnx models/digits_test_x.npy models/digits_test_y.npy --device cpu
echo
echo "== one image through accel-run (int8 model, 200 repeats)"
$O/bin/accel-run models/digits_int8.onnx --input models/digits_sample0.npy --repeat 200
