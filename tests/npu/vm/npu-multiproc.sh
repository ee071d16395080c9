#!/bin/sh
# SPDX-License-Identifier: MIT
# In the VM: four processes share the device; one of them (with 64 jobs in
# flight) is killed with SIGKILL mid-run; the other three finish all their
# requests without errors, the device keeps working, and the driver's
# debugfs job and BO counts return to zero.  TAP.
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; fail=1; }
T=/tmp/npu-mp
mkdir -p $T
COUNT=${NPU_MP_COUNT:-600}

for i in 1 2 3; do
	./bin/accel-bench models/digits_int8.onnx --device npu --submit uring \
		--scenario single-stream --count $COUNT --warmup 2 --json \
		> $T/c$i.json 2> $T/c$i.err &
	eval pid$i=$!
done
./bin/accel-bench models/digits_int8.onnx --device npu --submit uring \
	--scenario offline --inflight 64 --count 1000000 --warmup 2 --json \
	> $T/victim.json 2> $T/victim.err &
victim=$!
sleep 2
kill -9 $victim
wait $victim
vrc=$?
[ $vrc -eq 137 ] && ok "victim killed mid-run (rc $vrc)" || nok "victim exit $vrc (not killed mid-run?)"
for i in 1 2 3; do
	eval pid=\$pid$i
	wait $pid
	rc=$?
	sed 's/^/# /' $T/c$i.json $T/c$i.err
	if [ $rc -eq 0 ] && grep -q "\"count\":$COUNT," $T/c$i.json &&
	   grep -q '"errors":0' $T/c$i.json; then
		ok "client $i: $COUNT requests, no errors, while another client was killed"
	else
		nok "client $i: rc $rc"
	fi
done
if ./bin/accel-run models/digits_int8.onnx --input models/digits_sample0.npy \
	--device npu > $T/after.txt 2>&1 && grep -q "device:  npu" $T/after.txt; then
	ok "device still serves new clients"
else
	sed 's/^/# /' $T/after.txt
	nok "device broken after the kill"
fi
dir=$(ls -d /sys/kernel/debug/accel/*/ 2>/dev/null | head -n 1)
if [ -n "$dir" ] && [ -r "$dir/jobs" ]; then
	i=0
	while [ $i -lt 50 ] && { [ "$(cat $dir/jobs)" != 0 ] || [ "$(cat $dir/bo_count)" != 0 ]; }; do
		sleep 0.2
		i=$((i + 1))
	done
	j=$(cat $dir/jobs) b=$(cat $dir/bo_count)
	[ "$j" = 0 ] && [ "$b" = 0 ] && ok "debugfs: no jobs or BOs left" ||
		nok "debugfs: $j jobs, $b BOs left"
else
	echo "# no debugfs counters found"
fi
echo "1..$n"
exit $fail
