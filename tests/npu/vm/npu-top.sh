#!/bin/sh
# SPDX-License-Identifier: MIT
# In the VM: accel-top sees the soft device and accel-bench using it, from
# the real debugfs counters and DRM fdinfo: jobs per second and busy time
# on the device, the accel-bench process with engine time.  TAP.
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; fail=1; }
T=/tmp/npu-top
mkdir -p $T

./bin/accel-top --once --interval 0.2 --json > $T/idle.json 2> $T/idle.err
sed 's/^/# /' $T/idle.json $T/idle.err
if grep -q '"device":"accel0"' $T/idle.json && grep -q '"counters":true' $T/idle.json; then
	ok "accel-top finds accel0 with its debugfs counters"
else
	nok "accel-top does not list accel0 with counters"
fi
./bin/accel-bench models/digits_int8.onnx --device npu --scenario single-stream \
	--submit uring --time 8 > $T/bench.out 2>&1 &
bench=$!
sleep 2
./bin/accel-top --once --interval 2 --json > $T/busy.json 2> $T/busy.err
./bin/accel-top --once --interval 1 > $T/busy.txt 2>&1
wait $bench
brc=$?
sed 's/^/# /' $T/busy.json $T/busy.txt
[ $brc = 0 ] && ok "accel-bench ran alongside" || nok "accel-bench failed ($brc)"
# a figure of the first device (the part before the clients)
num() { sed -n "s/,\"clients\".*//; s/.*\"$1\":\([0-9.]*\).*/\1/p" $T/busy.json | head -n 1; }
jps=$(num jobs_per_s)
if awk "BEGIN { exit !(\"$jps\" + 0 > 0) }"; then
	ok "the device completes jobs while accel-bench runs: $jps jobs/s"
else
	nok "no jobs/s while accel-bench runs ($jps)"
fi
busy=$(num busy_pct)
if awk "BEGIN { exit !(\"$busy\" + 0 > 0) }"; then
	ok "the device is busy: $busy%"
else
	nok "device busy 0% under load"
fi
cli=$(sed -n 's/.*\({"pid":[0-9]*,"command":"accel-bench"[^}]*}\).*/\1/p' $T/busy.json)
echo "# client: $cli"
if [ -n "$cli" ] && echo "$cli" | grep -q '"device":"accel0"' &&
   echo "$cli" | grep -Eq '"engine_ns":[1-9]'; then
	ok "accel-bench is a client of accel0 with engine time"
else
	nok "accel-bench not listed as a client with engine time"
fi
if grep -Eq '^accel0 ' $T/busy.txt && grep -Eq '^[0-9]+ +accel-bench +accel0 ' $T/busy.txt; then
	ok "text view lists the device and the accel-bench process"
else
	nok "text view misses the device or the process"
fi
echo "1..$n"
exit $fail
