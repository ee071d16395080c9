#!/bin/sh
# SPDX-License-Identifier: MIT
# In the VM: accel-bench runs every scenario on the NPU for every submission
# path (ioctl, io_uring, io_uring+sqpoll) without errors, and the JSON
# carries the agreed keys.  The figures are printed as TAP comments.  TAP.
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; fail=1; }
T=/tmp/npu-bench
mkdir -p $T
COUNT=${NPU_BENCH_COUNT:-400}

if ./bin/accel-bench models/digits_int8.onnx --device npu --count "$COUNT" \
	--procs 4 --inflight 16 --json > $T/bench.json 2> $T/bench.err; then
	ok "accel-bench --device npu, all scenarios and paths, exit 0"
else
	nok "accel-bench exited non-zero"
fi
sed 's/^/# /' $T/bench.json $T/bench.err
for sc in single-stream offline; do
	for p in ioctl io_uring io_uring+sqpoll; do
		line=$(grep "\"submit\":\"$p\"" $T/bench.json | grep "\"scenario\":\"$sc\"")
		if [ -n "$line" ] && echo "$line" | grep -q '"device":"npu"' &&
		   echo "$line" | grep -q '"errors":0' &&
		   echo "$line" | grep -q "\"count\":$COUNT," ; then
			ok "$sc over $p: $COUNT requests, no errors"
		else
			nok "$sc over $p: missing, wrong count or errors"
		fi
	done
done
line=$(grep '"scenario":"multi-process"' $T/bench.json)
if [ -n "$line" ] && echo "$line" | grep -q '"errors":0' &&
   echo "$line" | grep -q "\"count\":$((COUNT * 4))," &&
   echo "$line" | grep -q "\"min\":$COUNT,"; then
	ok "multi-process: 4 processes x $COUNT requests, none starved, no errors"
else
	nok "multi-process: wrong count or errors"
fi
keys_ok=1
for k in model device clients cpu_threads cpu_kernels batch scenario count latency_us p50 p90 p99 max throughput_ips syscalls_per_inference; do
	grep -q "\"$k\":" $T/bench.json || { keys_ok=0; echo "# missing key $k"; }
done
[ $keys_ok = 1 ] && ok "JSON objects carry the agreed keys" || nok "JSON keys missing"
# ioctl: two ioctls (SUBMIT + WAIT) per inference; io_uring single-stream:
# one io_uring_enter; sqpoll offline: fewer than one syscall per inference.
sc_of() { grep "\"submit\":\"$1\"" $T/bench.json | grep "\"scenario\":\"$2\"" |
	sed 's/.*"syscalls_per_inference":\([0-9.]*\).*/\1/'; }
a=$(sc_of ioctl single-stream) b=$(sc_of io_uring single-stream) c=$(sc_of io_uring+sqpoll single-stream)
d=$(sc_of io_uring offline)
echo "# syscalls per inference, single-stream: ioctl $a, io_uring $b, sqpoll $c; io_uring offline $d"
if [ "$a" = "2.000" ] && [ "$b" = "1.000" ]; then
	ok "single-stream: ioctl 2 syscalls/inference, io_uring 1"
else
	nok "single-stream syscalls: ioctl $a io_uring $b"
fi
if awk "BEGIN { exit !($d < 1.0) }"; then
	ok "offline io_uring batches: $d syscalls/inference"
else
	nok "offline io_uring did not batch: $d syscalls/inference"
fi
echo "1..$n"
exit $fail
