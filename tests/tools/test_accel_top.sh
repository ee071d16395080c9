#!/bin/bash
# accel-top on made-up /sys, debugfs and /proc trees (--sys/--debugfs/
# --proc): which devices and clients it finds (enpu's only, one line per
# DRM client however many fds share it), the counters it reports, and the
# rates it derives from two samples, the files changing in between.
# Usage: tests/tools/test_accel_top.sh BUILD_DIR   (TEST_WRAP may wrap runs)
set -u
O=$1
run=()
# shellcheck disable=SC2206 # TEST_WRAP is a command line
[ -n "${TEST_WRAP:-}" ] && run=($TEST_WRAP)
top=$O/bin/accel-top
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. tests/lib/tap.sh

sys=$tmp/sys dbg=$tmp/debug proc=$tmp/proc
mkdir -p "$sys/devices/platform/enpu-soft.0" "$sys/devices/pci0000:00/0000:00:04.0" \
	"$sys/devices/platform/other.0" "$sys/bus/platform/drivers/enpu-soft" \
	"$sys/bus/pci/drivers/enpu" "$sys/bus/platform/drivers/other" \
	"$sys/class/accel/accel0" "$sys/class/accel/accel1" "$sys/class/accel/accel2"
ln -s ../../../devices/platform/enpu-soft.0 "$sys/class/accel/accel0/device"
ln -s ../../../devices/platform/other.0 "$sys/class/accel/accel1/device"
ln -s ../../../devices/pci0000:00/0000:00:04.0 "$sys/class/accel/accel2/device"
ln -s ../../../bus/platform/drivers/other "$sys/devices/platform/other.0/driver"
ln -s ../../../bus/pci/drivers/enpu "$sys/devices/pci0000:00/0000:00:04.0/driver"
mkdir -p "$dbg/accel/enpu-soft.0" "$dbg/accel/other.0"
counters() {	# counters DONE BUSY_NS
	printf 'jobs_in_flight: 3\njobs_done: %s\njobs_failed: 1\njobs_timedout: 2\nresets: 4\nbusy_ns: %s\nbo_count: 12\nworkers: 2\nkernels: scalar\n' \
		"$1" "$2" >"$dbg/accel/enpu-soft.0/counters.new"
	mv "$dbg/accel/enpu-soft.0/counters.new" "$dbg/accel/enpu-soft.0/counters"
}
counters 1000 5000000000
printf 'x: 1\n' >"$dbg/accel/other.0/stats"
mkdir -p "$proc/100/fdinfo" "$proc/100/fd" "$proc/200/fdinfo" "$proc/200/fd" "$proc/self"
echo appA >"$proc/100/comm"
echo appB >"$proc/200/comm"
fdinfo() {	# fdinfo PID FD CLIENT ENGINE_NS
	printf 'pos:\t0\nflags:\t02100002\ndrm-driver:\tenpu\ndrm-client-id:\t%s\ndrm-engine-npu:\t%s ns\ndrm-total-memory:\t2048 KiB\ndrm-resident-memory:\t1 MiB\n' \
		"$3" "$4" >"$proc/$1/fdinfo/$2.new"
	mv "$proc/$1/fdinfo/$2.new" "$proc/$1/fdinfo/$2"
}
fdinfo 100 3 5 0
fdinfo 100 4 5 0			# a dup() of fd 3: the same client
ln -s /dev/accel/accel0 "$proc/100/fd/3"
ln -s /dev/accel/accel0 "$proc/100/fd/4"
printf 'drm-driver:\ti915\ndrm-client-id:\t77\ndrm-engine-render:\t5 ns\n' >"$proc/100/fdinfo/5"
ln -s /dev/dri/renderD128 "$proc/100/fd/5"
fdinfo 200 7 9 100
ln -s /dev/accel/accel2 "$proc/200/fd/7"
args=(--sys "$sys" --debugfs "$dbg" --proc "$proc")

"${run[@]}" "$top" "${args[@]}" --once --interval 0.1 --json >"$tmp/j1" 2>"$tmp/err"
check "--once --json exits 0" test $? -eq 0
# j FILE EXPR: EXPR of the last JSON object (refresh) in FILE, as r
j() { /usr/bin/python3 -c "import json,sys; r=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(eval(sys.argv[2]))" "$@"; }
check "finds enpu's two devices, not the other driver's" \
	test "$(j "$tmp/j1" '[d["device"] for d in r["devices"]]')" = "['accel0', 'accel2']"
check "accel0's counters" test "$(j "$tmp/j1" '[r["devices"][0][k] for k in ("in_flight","done","failed","timedout","resets","bos","engines")]')" = "[3, 1000, 1, 2, 4, 12, 2]"
check "accel0 named after its parent device" test "$(j "$tmp/j1" 'r["devices"][0]["name"]')" = enpu-soft.0
check "the PCI device without readable counters is listed as such" \
	test "$(j "$tmp/j1" 'r["devices"][1]["counters"]')" = False
check "two clients: the dup()ed fd counted once, the i915 fd not at all" \
	test "$(j "$tmp/j1" 'sorted((c["pid"], c["client_id"], c["device"]) for c in r["clients"])')" = "[(100, 5, 'accel0'), (200, 9, 'accel2')]"
check "client memory from drm-total-*/drm-resident-*" \
	test "$(j "$tmp/j1" '[(c["memory_bytes"], c["resident_bytes"]) for c in r["clients"] if c["pid"] == 100]')" = "[(2097152, 1048576)]"
check "client command from comm" \
	test "$(j "$tmp/j1" 'sorted(c["command"] for c in r["clients"])')" = "['appA', 'appB']"
check "nothing changed: 0% busy, 0 jobs/s" \
	test "$(j "$tmp/j1" '(r["devices"][0]["busy_pct"], r["devices"][0]["jobs_per_s"])')" = "(0.0, 0.0)"

# Rates: between two samples of a 3 s interval the device does 200 jobs and
# 1 s of engine time on its 2 engines, client 5 gets 0.5 s.  The files
# change once, after accel-top printed its first refresh (so after the
# second refresh's first sample was taken) and long before the next.
"${run[@]}" "$top" "${args[@]}" --iterations 2 --interval 3 --json >"$tmp/j2" 2>"$tmp/err" &
pid=$!
for _ in $(seq 600); do
	[ -s "$tmp/j2" ] && break
	sleep 0.1
done
counters 1200 6000000000
fdinfo 100 3 5 500000000
fdinfo 100 4 5 500000000
wait $pid
check "second run exits 0" test $? -eq 0
dt=$(j "$tmp/j2" 'r["interval_s"]')
check "busy % is the engine time over interval x engines" \
	/usr/bin/python3 -c "import sys; b=$(j "$tmp/j2" 'r["devices"][0]["busy_pct"]'); e=100*1.0/($dt*2); sys.exit(not abs(b-e) < 0.5)"
check "jobs/s is the jobs done over the interval" \
	/usr/bin/python3 -c "import sys; v=$(j "$tmp/j2" 'r["devices"][0]["jobs_per_s"]'); sys.exit(not abs(v-200/$dt) < 0.5)"
check "a client's busy % is its drm-engine-npu time over interval x engines" \
	/usr/bin/python3 -c "import sys; v=$(j "$tmp/j2" '[c["busy_pct"] for c in r["clients"] if c["pid"] == 100][0]'); e=100*0.5/($dt*2); sys.exit(not abs(v-e) < 0.5)"
check "the interval measured is about the one asked" \
	/usr/bin/python3 -c "import sys; sys.exit(not 2.9 < $dt < 60)"

"${run[@]}" "$top" "${args[@]}" --once --interval 0.1 >"$tmp/text" 2>&1
check "text view: a device line" grep -Eq '^accel0 +enpu-soft\.0 +0\.0 +0\.0 +3 +1200 +1 +2 +4 +12 +2$' "$tmp/text"
check "text view: a client line" grep -Eq '^100 +appA +accel0 +5 +0\.0 +2\.0 MiB$' "$tmp/text"
check "text view: the device without counters" grep -q '^accel2 .*no debugfs counters' "$tmp/text"

"${run[@]}" "$top" --interval 0 >/dev/null 2>"$tmp/err"
check "--interval 0 is refused" test $? -eq 1 -a "$(grep -c "^accel-top: --interval: '0'" "$tmp/err")" -eq 1
"${run[@]}" "$top" --proc "$tmp/none" --once >/dev/null 2>"$tmp/err"
check "a missing --proc is refused" grep -q "^accel-top: --proc $tmp/none: No such file" "$tmp/err"
"${run[@]}" "$top" extra >/dev/null 2>&1
check "a stray argument is a usage error" test $? -eq 2

tap_end tools-top
