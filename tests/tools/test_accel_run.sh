#!/bin/bash
# accel-run end to end: usage and model errors are one line on stderr with
# a non-zero exit; a real run prints the expected class and writes a .npy
# whose bytes match the logits libaccel computes for the same input.
# Usage: tests/tools/test_accel_run.sh BUILD_DIR   (TEST_WRAP may wrap runs)
set -u
O=$1
run=()
# shellcheck disable=SC2206 # TEST_WRAP is a command line
[ -n "${TEST_WRAP:-}" ] && run=($TEST_WRAP)
bin=$O/bin/accel-run
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. tests/lib/tap.sh

# expect_fail NAME EXIT-CODE ARGS...: fails with that code, one stderr line
expect_fail() {
	local name=$1 code=$2 rc
	shift 2
	"${run[@]}" "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	lines=$(grep -vc '^==' "$tmp/err")
	check "$name (exit $rc, $lines stderr lines)" \
		test "$rc" -eq "$code" -a "$lines" -ge 1
	if [ "$code" -eq 1 ]; then
		# libaccel may add its one device-choice line; accel-run's
		# own complaint is one line
		check "$name: one-line message" \
			test "$(grep -c '^accel-run: ' "$tmp/err")" -eq 1
	fi
}

expect_fail "no arguments" 2
expect_fail "unknown option" 2 --bogus models/digits_fp32.onnx
expect_fail "bad --device" 1 models/digits_fp32.onnx --device gpu
expect_fail "bad --repeat" 1 models/digits_fp32.onnx --repeat 0
expect_fail "missing model" 1 "$tmp/nope.onnx"
head -c 3000 models/digits_fp32.onnx >"$tmp/trunc.onnx"
expect_fail "truncated model" 1 "$tmp/trunc.onnx"
expect_fail "input and --random" 1 models/digits_fp32.onnx --random \
	--input models/digits_sample0.npy
head -c 100 /dev/zero >"$tmp/short.bin"
expect_fail "raw input of the wrong size" 1 models/digits_fp32.onnx \
	--input "$tmp/short.bin"
expect_fail "input of the wrong shape" 1 models/digits_fp32.onnx \
	--input models/digits_test_y.npy
check "wrong-shape message names the input" grep -q "input" "$tmp/err"
expect_fail "neither --input nor --random" 1 models/digits_fp32.onnx
check "no-input message says what to give" \
	grep -q "give --input FILE for each, or --random" "$tmp/err"
expect_fail "unwritable --output, before running" 1 models/digits_fp32.onnx \
	--random --repeat 1000000 --output "$tmp/no/such/dir/out.npy"
check "unwritable --output names the directory" grep -q "directory $tmp/no/such/dir" "$tmp/err"
expect_fail "--repeat 3x" 1 models/digits_fp32.onnx --random --repeat 3x
expect_fail "--threads abc" 1 models/digits_fp32.onnx --random --threads abc
expect_fail "--input by an unknown name" 1 models/digits_fp32.onnx \
	--input nope=models/digits_sample0.npy
expect_fail "--input by name and by position mixed" 1 models/digits_fp32.onnx \
	--input input=models/digits_sample0.npy --input models/digits_sample0.npy

# A real run: the sample is a 7 (models/README.md).
"${run[@]}" "$bin" models/digits_int8.onnx --input models/digits_sample0.npy \
	--output "$tmp/logits.npy" --repeat 3 >"$tmp/out" 2>"$tmp/err"
check "int8 run exits 0" test $? -eq 0
check "prints the output shape" grep -q "float32 \[1,10\]" "$tmp/out"
check "top-1 is 7" grep -q "top-5 row 0: 7 " "$tmp/out"
check "says which device ran it" grep -q "^device:  cpu" "$tmp/out"
check "prints the median latency" grep -q "^latency: median" "$tmp/out"
check "writes a .npy of [1,10] float32" \
	grep -aq "'descr': '<f4', 'fortran_order': False, 'shape': (1, 10), }" "$tmp/logits.npy"
check ".npy holds 40 bytes of data after its 128-byte header" \
	test "$(stat -c %s "$tmp/logits.npy")" -eq 168
# Raw input: the same image as bytes gives the same logits.
tail -c 256 models/digits_sample0.npy >"$tmp/sample.bin"
"${run[@]}" "$bin" models/digits_int8.onnx --input "$tmp/sample.bin" \
	--output "$tmp/logits2.npy" >/dev/null 2>&1
check "raw input gives identical logits" cmp -s "$tmp/logits.npy" "$tmp/logits2.npy"
"${run[@]}" "$bin" models/digits_int8.onnx --input input=models/digits_sample0.npy \
	--output "$tmp/logits3.npy" >/dev/null 2>&1
check "--input NAME=FILE gives identical logits" cmp -s "$tmp/logits.npy" "$tmp/logits3.npy"
"${run[@]}" "$bin" models/digits_fp32.onnx --random --seed 5 >"$tmp/out" 2>&1
check "--random runs the fp32 model" grep -q "fp32 graph executor" "$tmp/out"

# ACCEL_LOG levels (libaccel/util/log.h)
logrun() {	# logrun LEVEL ARGS...: stderr of accel-run into $tmp/log
	local level=$1
	shift
	ACCEL_LOG=$level "${run[@]}" "$bin" "$@" >/dev/null 2>"$tmp/log"
}
logrun error models/digits_int8.onnx --random --device cpu
check "ACCEL_LOG=error: no libaccel line for a good run" \
	test "$(grep -c '^libaccel: ' "$tmp/log")" -eq 0
logrun info models/digits_int8.onnx --random --device cpu
check "ACCEL_LOG=info: the context's kernels and threads" \
	grep -Eq '^libaccel: info: context: cpu, [a-z0-9]+ kernels, [0-9]+ threads?$' "$tmp/log"
check "ACCEL_LOG=info: the model loaded" \
	grep -q '^libaccel: info: digits_int8.onnx: loaded: [0-9]* nodes, opset [0-9]*, 1 input, 1 output$' "$tmp/log"
check "ACCEL_LOG=info: the shape compiled and its engine" \
	grep -q '^libaccel: info: digits_int8.onnx: compiled for \[1,1,8,8\]: int8 program on the cpu$' "$tmp/log"
check "ACCEL_LOG=info: no debug lines" test "$(grep -c '^libaccel: debug: ' "$tmp/log")" -eq 0
logrun debug "$tmp/nope.onnx"
check "ACCEL_LOG=debug: the returned error with its errno" \
	grep -q "^libaccel: debug: returns -2 (no such file): $tmp/nope.onnx: No such file" "$tmp/log"
logrun 3 "$tmp/nope.onnx"
check "ACCEL_LOG=3 is debug" grep -q "^libaccel: debug: returns -2" "$tmp/log"
logrun loud models/digits_int8.onnx --random --device cpu
check "an unknown ACCEL_LOG says so once" \
	test "$(grep -c '^libaccel: ACCEL_LOG=loud is not error, warn, info or debug; using warn$' "$tmp/log")" -eq 1
if ! ls /dev/accel/accel* >/dev/null 2>&1; then
	logrun warn models/digits_int8.onnx --random --repeat 5
	check "ACCEL_LOG=warn: one CPU-fallback line for five runs" \
		test "$(grep -c '^libaccel: running on the CPU: ' "$tmp/log")" -eq 1
fi

tap_end tools
