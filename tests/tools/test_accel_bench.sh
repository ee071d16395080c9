#!/bin/bash
# accel-bench and accel-info argument handling end to end: every bad value
# is refused before anything runs, with one line naming the option; the
# throughput counts the samples of the batch that really ran; inputs come
# from files by position or name and random inputs take --shape.
# Usage: tests/tools/test_accel_bench.sh BUILD_DIR   (TEST_WRAP may wrap runs)
set -u
O=$1
run=()
# shellcheck disable=SC2206 # TEST_WRAP is a command line
[ -n "${TEST_WRAP:-}" ] && run=($TEST_WRAP)
bench=$O/bin/accel-bench
info=$O/bin/accel-info
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
m=models/digits_int8.onnx
# A model whose leading dimension is fixed (3x4x5), from the ONNX test data.
fixed=
for d in "${ENPU_ONNX_TESTDATA:-}" /usr/share/libonnx-testdata/data/node \
	/usr/share/onnx/testdata/node; do
	[ -n "$d" ] && [ -f "$d/test_relu/model.onnx" ] && fixed=$d/test_relu/model.onnx && break
done

. tests/lib/tap.sh

# refuse NAME PATTERN TOOL ARGS...: exit 1, one "TOOL: " line matching
# PATTERN on stderr, no result on stdout, and quickly (before any run).
refuse() {
	local name=$1 pat=$2 tool=$3 rc t0 t1
	shift 3
	t0=$(date +%s)
	"${run[@]}" "$tool" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	t1=$(date +%s)
	check "$name: exit 1 (got $rc)" test "$rc" -eq 1
	check "$name: one message matching '$pat'" \
		test "$(grep -c "^$(basename "$tool"): .*$pat" "$tmp/err")" -eq 1
	check "$name: nothing measured" test ! -s "$tmp/out"
	# not a timing assertion on the work: a refused option must not
	# start the 2 s default runs (generous bound for valgrind)
	check "$name: refused before running" test $((t1 - t0)) -lt 60
}

refuse "--time abc" "--time: 'abc' is not a number" "$bench" $m --time abc
refuse "--time 0" "--time: '0'" "$bench" $m --time 0
refuse "--time -1" "--time: '-1'" "$bench" $m --time -1
refuse "--count 0" "--count: '0' is not a whole number" "$bench" $m --count 0
refuse "--count 5x" "--count: '5x'" "$bench" $m --count 5x
refuse "--procs 0" "--procs: '0' is not a whole number in 1..64" "$bench" $m --procs 0
refuse "--clients ''" "--clients: ''" "$bench" $m --clients ''
refuse "--inflight 999" "--inflight: '999'" "$bench" $m --inflight 999
refuse "--warmup -3" "--warmup: '-3'" "$bench" $m --warmup -3
refuse "--threads 0" "--threads: '0'" "$bench" $m --threads 0
refuse "--time with --count" "exclude each other" "$bench" $m --time 1 --count 3
refuse "--shape without NAME=" "is not NAME=DIMS" "$bench" $m --shape 1x1x8x8
refuse "--shape bad dims" "is not a shape" "$bench" $m --shape input=1x0x8x8
refuse "--shape wrong fixed dim" "dimension 2 is fixed at 8, not 9" \
	"$bench" $m --shape input=1x1x9x8 --count 1
refuse "--shape wrong rank" "3 dimensions given, the input has 4" \
	"$bench" $m --shape input=1x8x8 --count 1
refuse "--input unknown name" "the model has no input 'nope'" \
	"$bench" $m --input nope=models/digits_sample0.npy --count 1
refuse "--batch against the file's batch" "input files hold a batch of 1" \
	"$bench" $m --input models/digits_sample0.npy --batch 4 --count 1

# json_field FILE SCENARIO FIELD: a number from accel-bench --json output
json_field() {
	/usr/bin/python3 -c 'import json,sys
for l in open(sys.argv[1]):
    if l.startswith("{"):
        r = json.loads(l)
        if r["scenario"] == sys.argv[2]:
            print(r[sys.argv[3]]); break' "$@"
}

# Honest throughput: a batch of 4 counts 4 samples per request, so the
# reported rate is 4 x requests / time within rounding, i.e. about 4x the
# per-request rate the latency implies for one stream (p50 bounds it).
"${run[@]}" "$bench" $m --scenario single-stream --batch 4 --count 40 --warmup 2 \
	--json >"$tmp/b4" 2>"$tmp/err"
check "--batch 4 runs (exit $?)" test -s "$tmp/b4"
check "--batch 4 is reported as batch 4" test "$(json_field "$tmp/b4" single-stream batch)" = 4
"${run[@]}" "$bench" $m --scenario single-stream --shape input=3x1x8x8 --count 10 \
	--warmup 1 --json >"$tmp/s3" 2>"$tmp/err"
check "--shape 3x1x8x8 is reported as batch 3" test "$(json_field "$tmp/s3" single-stream batch)" = 3
"${run[@]}" "$bench" $m --scenario single-stream --input input=models/digits_sample0.npy \
	--count 10 --warmup 1 --json >"$tmp/in" 2>"$tmp/err"
check "--input NAME=FILE runs batch 1" test "$(json_field "$tmp/in" single-stream batch)" = 1

if [ -n "$fixed" ]; then
	refuse "--batch on a fixed-batch model" \
		"the model's batch is fixed (input 'x' is \[3,4,5\])" \
		"$bench" "$fixed" --batch 8 --count 1
	"${run[@]}" "$bench" "$fixed" --scenario single-stream --count 5 --warmup 1 \
		--json >"$tmp/f" 2>"$tmp/err"
	check "a fixed-batch model without --batch counts one sample per request" \
		test "$(json_field "$tmp/f" single-stream batch)" = 1
	"${run[@]}" "$bench" "$fixed" --scenario single-stream --batch 3 --count 5 \
		--warmup 1 --json >"$tmp/f3" 2>"$tmp/err"
	check "--batch equal to the fixed batch is accepted" \
		test "$(json_field "$tmp/f3" single-stream batch)" = 3
else
	echo "# no ONNX test data: fixed-batch cases not run"
fi

# --version on every tool
for t in accel-bench accel-run accel-info; do
	"${run[@]}" "$O/bin/$t" --version >"$tmp/v" 2>&1
	check "$t --version exits 0" test $? -eq 0
	check "$t --version names the tool" grep -q "^$t (ENPU) [0-9]" "$tmp/v"
	check "$t --version names libaccel's version" grep -q "^libaccel [0-9]" "$tmp/v"
done

# accel-info MODEL: the interface, in text and JSON
"${run[@]}" "$info" $m >"$tmp/i" 2>"$tmp/err"
check "accel-info MODEL exits 0" test $? -eq 0
check "accel-info lists the input with dtype and its named symbolic dimension" \
	grep -Eq "input +0: input +float32 +\[batch,1,8,8\]" "$tmp/i"
check "accel-info lists the output" grep -Eq "output +0: logits +float32 +\[batch,10\]" "$tmp/i"
check "accel-info says who made the model" \
	grep -q "^made by: enpu-models/make_digits.py 1 (ONNX IR 7, opset 13, [0-9]* nodes, graph 'digits_int8')" "$tmp/i"
check "accel-info says where it runs" grep -q "^runs on: cpu (int8 command buffer" "$tmp/i"
"${run[@]}" "$info" --json models/digits_fp32.onnx >"$tmp/j" 2>"$tmp/err"
check "accel-info --json MODEL is JSON with shapes" /usr/bin/python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
assert r["engine"] == "fp32", r
assert r["inputs"] == [{"index": 0, "name": "input", "dtype": "float32", "shape": ["batch", 1, 8, 8]}], r
assert r["outputs"][0]["shape"] == ["batch", 10], r
assert r["producer"] == "enpu-models/make_digits.py" and r["opset"] == 13, r' "$tmp/j"
refuse "accel-info on a missing model" "No such file" "$info" "$tmp/none.onnx"
"${run[@]}" "$info" a b >/dev/null 2>&1
check "accel-info with two models is a usage error" test $? -eq 2

tap_end tools-bench
