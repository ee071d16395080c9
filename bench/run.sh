#!/bin/bash
# SPDX-License-Identifier: MIT
# The benchmark, `make bench`: libaccel against ONNX Runtime on the zoo.
#
#   bench/run.sh [BUILD_DIR]        (default build; BENCH_QUICK=1: ~1 minute)
#
# Prepares what is missing, then runs bench/bench.py:
#   - the tools (make), bench/peak (cc), the zoo (bench/make_zoo.py, with
#     $PYTHON, default /usr/bin/python3: torch, onnx, numpy)
#   - onnxruntime-node in $BENCH_ORT_DIR (default BUILD_DIR/bench/ort), once:
#     npm install --ignore-scripts (its install script only fetches CUDA
#     parts); the benchmark is the only user of the network here
set -eu
O=${1:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
CC=${CC:-cc}
ORT_DIR=${BENCH_ORT_DIR:-$O/bench/ort}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mkdir -p "$O/bench"

# $PYTHON imports every module named, or the benchmark stops naming the fix.
py_needs() {
	local m missing=
	for m in "$@"; do
		"$PYTHON" -c "import $m" >/dev/null 2>&1 || missing="$missing $m"
	done
	[ -z "$missing" ] && return 0
	echo "bench: $PYTHON cannot import:$missing; install them with" \
		"'scripts/deps.sh model' (as root), or set PYTHON to a python3 that has" \
		"torch, onnx and numpy" >&2
	exit 1
}
# Checked first, before anything is built: a fresh machine lacks them.
need_zoo=0
if [ ! -f "$O/bench/zoo/zoo.json" ] || [ bench/make_zoo.py -nt "$O/bench/zoo/zoo.json" ]; then
	need_zoo=1
	py_needs torch onnx numpy	# bench/make_zoo.py
fi
py_needs numpy			# bench/bench.py

if [ ! -x "$O/bin/accel-bench" ] || [ ! -x "$O/bin/accel-run" ]; then
	${MAKE:-make} --no-print-directory O="$O" "$O/bin/accel-bench" "$O/bin/accel-run"
fi
if [ ! -x "$O/bench/peak" ] || [ bench/peak.c -nt "$O/bench/peak" ]; then
	echo "  CC      $O/bench/peak" >&2
	$CC -std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -pthread bench/peak.c -o "$O/bench/peak" -lm
fi
if [ "$need_zoo" = 1 ]; then
	echo "  ZOO     $O/bench/zoo" >&2
	"$PYTHON" bench/make_zoo.py "$O/bench/zoo" >&2
fi
if [ ! -f "$ORT_DIR/node_modules/onnxruntime-node/package.json" ]; then
	command -v npm >/dev/null || { echo "bench: needs node and npm (onnxruntime-node)" >&2; exit 1; }
	echo "  NPM     onnxruntime-node into $ORT_DIR" >&2
	mkdir -p "$ORT_DIR"
	(cd "$ORT_DIR" && ONNXRUNTIME_NODE_INSTALL=skip npm install --ignore-scripts \
		--no-audit --no-fund --loglevel=error onnxruntime-node >&2)
fi
exec nice -n "${BENCH_NICE:-0}" "$PYTHON" bench/bench.py --build "$O" --ort-dir "$ORT_DIR"
