#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Boot Debian's 6.12 kernel in QEMU (TCG) with an initramfs holding the
# modules under test and the test programs, run them, and report on the host.
#
#   tests/vm/run-vm.sh --module build/driver/enpu.ko --params 'soft_devices=1' \
#           --test build/tests/kselftest/enpu_basic --test ... --timeout 900
#
# Options (all mkinitramfs.sh options are passed through: --module, --params,
# --test, --file, --kmods, --test-timeout, --expect-dev, --kernel-env):
#   --timeout S     hard limit for the whole VM run (default $VM_TIMEOUT or 600)
#   --out DIR       logs and initramfs go here (default build/vm)
#   --initrd FILE   boot this initramfs instead of building one
#   --name NAME     suite name on the summary line (default vm)
#   --mem M --smp N guest memory and CPUs (default 2G, 2)
#   --append ARGS   extra kernel command line
#   --cpu MODEL     QEMU's -cpu (default $ENPU_VM_CPU, else QEMU's default,
#                   which has no AVX; "max" gives TCG's AVX2 to the guest)
#   --devmodel BIN  start BIN (enpu-devmodel) on the host before the VM, one
#                   --socket DIR/npuN.sock per NPU (stale sockets removed),
#                   and attach each as -device ivshmem-doorbell,vectors=2;
#                   the run fails if it does not print "ready" within 20 s.
#                   It runs under the VM's hard timeout and is killed (by
#                   its pid) when the run ends; its log is DIR/devmodel.log
#   --npus N        NPUs the device model serves (default 1 with --devmodel)
#   --devmodel-args ARGS  extra arguments of the device model (e.g. --faults)
#   --firmware SRC[:NAME] passed to mkinitramfs.sh: /lib/firmware/NAME
#   --qemu ARGS     extra QEMU arguments (split at blanks)
#   -v              copy the kernel console to stdout as well
#
# Output: each test program's output as an indented TAP subtest followed by
# "ok N - program" / "not ok N - program", the wall time, and last
#   vm: N passed, N failed, N skipped
# counting the TAP test points inside the guest (a program without TAP counts
# as one point by its exit status: 0 pass, 4 or 77 skip).  Exit status 1 on
# any failed point, a test that did not finish, a VM timeout, missing
# markers, or a kernel splat in dmesg (WARNING:, BUG:, Oops, lockdep,
# refcount_t, KASAN, UBSAN, general protection, Call Trace:; lines matching
# $ENPU_VM_DMESG_IGNORE, an extended regex, are exempt).
#
# Logs: DIR/console.log (kernel console, ttyS0, messages below KERN_WARNING),
# DIR/results.log (markers, TAP and dmesg from ttyS1), DIR/dmesg.txt.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
CACHE=${ENPU_CACHE:-/var/cache/enpu}
kenv=$CACHE/kernel.env
timeout_s=${VM_TIMEOUT:-600}
out=build/vm
initrd=
name=vm
mem=2G
smp=2
cpu=${ENPU_VM_CPU:-}
append=
verbose=0
mkargs=()
devmodel=
npus=1
devmodel_args=
qemu_extra=

while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) timeout_s=$2; shift ;;
	--out) out=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	--name) name=$2; shift ;;
	--mem) mem=$2; shift ;;
	--smp) smp=$2; shift ;;
	--append) append=$2; shift ;;
	--cpu) cpu=$2; shift ;;
	--kernel-env) kenv=$2; mkargs+=("$1" "$2"); shift ;;
	--devmodel) devmodel=$2; shift ;;
	--npus) npus=$2; shift ;;
	--devmodel-args) devmodel_args=$2; shift ;;
	--qemu) qemu_extra=$2; shift ;;
	-v) verbose=1 ;;
	-h|--help) sed -n '3,41p' "$0" | sed 's/^# \?//'; exit 0 ;;
	--module|--params|--test|--file|--kmods|--test-timeout|--expect-dev|--firmware)
		mkargs+=("$1" "$2"); shift ;;
	*) echo "run-vm: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

fail() {
	echo "$name: FAIL: $*"
	echo "$name: 0 passed, 1 failed, 0 skipped"
	exit 1
}

[ -f "$kenv" ] || fail "$kenv missing: run 'make deps'"
# shellcheck disable=SC1090
. "$kenv"
command -v qemu-system-x86_64 >/dev/null ||
	fail "qemu-system-x86_64 missing: run 'make deps'"

mkdir -p "$out"
if [ -z "$initrd" ]; then
	initrd=$out/initramfs.cpio.gz
	"$HERE/mkinitramfs.sh" -o "$initrd" "${mkargs[@]}" ||
		fail "could not build the initramfs"
fi
console=$out/console.log
results=$out/results.log
rm -f "$console" "$results" "$out/dmesg.txt"

# The device model: the PCI NPUs' silicon, a host process the guest's
# ivshmem-doorbell devices connect to.
dm_pid=
npu_args=()
stop_devmodel() {
	if [ -n "$dm_pid" ]; then
		kill "$dm_pid" 2>/dev/null || true
		wait "$dm_pid" 2>/dev/null || true
		dm_pid=
	fi
	rm -f "$out"/npu*.sock
}
if [ -n "$devmodel" ]; then
	[ -x "$devmodel" ] || fail "device model $devmodel not found"
	case $npus in
	[1-9]|1[0-6]) ;;
	*) fail "--npus $npus: 1..16" ;;
	esac
	dm_socks=()
	for i in $(seq 0 $((npus - 1))); do
		sock=$(cd "$out" && pwd)/npu$i.sock
		rm -f "$sock"
		dm_socks+=(--socket "$sock")
		npu_args+=(-chardev "socket,path=$sock,id=npu$i"
			-device "ivshmem-doorbell,chardev=npu$i,vectors=2")
	done
	trap stop_devmodel EXIT
	# shellcheck disable=SC2086
	timeout --kill-after=5 $((timeout_s * 2 + 60)) "$devmodel" -v \
		$devmodel_args "${dm_socks[@]}" >"$out/devmodel.log" 2>&1 </dev/null &
	dm_pid=$!
	for _ in $(seq 1 200); do
		grep -q '^enpu-devmodel: ready' "$out/devmodel.log" && break
		kill -0 "$dm_pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^enpu-devmodel: ready' "$out/devmodel.log" || {
		sed 's/^/# devmodel: /' "$out/devmodel.log"
		fail "the device model did not get ready (see $out/devmodel.log)"
	}
	echo "# $name: device model ready, $npus NPU(s)"
fi

boot() {
	rm -f "$console" "$results"
	echo "# $name: booting $KVER (timeout ${timeout_s}s)"
	t0=$(date +%s.%N)
	set +e
	timeout --kill-after=10 "$timeout_s" qemu-system-x86_64 \
		-machine q35 -accel tcg ${cpu:+-cpu "$cpu"} -smp "$smp" -m "$mem" \
		-nodefaults -no-user-config -display none -monitor none -no-reboot \
		-kernel "$VMLINUZ" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 loglevel=4 rdinit=/init $append" \
		-serial "file:$console" -serial "file:$results" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		${npu_args[@]+"${npu_args[@]}"} $qemu_extra </dev/null
	qrc=$?
	set -e
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
}

boot
# A guest that died before /init ran (no BEGIN marker, not a timeout) never
# loaded a module under test: that is the emulated boot failing, not a
# test.  Boot once more, keeping the first console log; a second such
# failure is reported as usual.
if [ "$qrc" != 124 ] && [ "$qrc" != 137 ] &&
	! grep -q '^ENPU-VM: BEGIN' "$results" 2>/dev/null; then
	mv "$console" "$out/console.boot1.log"
	echo "# $name: the guest never reached /init (see $out/console.boot1.log): booting again"
	boot
fi
[ $verbose -eq 0 ] || cat "$console"
stop_devmodel

# QEMU: 1 = debug-exit code 0 (pass), 3 = code 1 (fail), 0 = poweroff,
# 124/137 = timeout killed it.
case $qrc in
0|1|3) qemu_note= ;;
124|137) qemu_note="VM timed out after ${timeout_s}s" ;;
*) qemu_note="qemu exited with status $qrc" ;;
esac

touch "$results"
set +e
tr -d '\r' <"$results" | awk -v name="$name" -v qemu_note="$qemu_note" \
	-v qrc="$qrc" -v dmesgfile="$out/dmesg.txt" -v ignore="${ENPU_VM_DMESG_IGNORE:-}" \
	-v splat='WARNING:|BUG:|Oops|lockdep|refcount_t|KASAN|UBSAN|general protection|Call Trace:' '
function problem(msg) { problems[++np] = msg }
function finish_block(rc, bsecs,    p, f, s, i, line, d, bad) {
	p = f = s = 0
	for (i = 1; i <= nl; i++) {
		line = blk[i]
		if (line ~ /^(not )?ok( |$)/) {
			d = tolower(line)
			if (d ~ /#[ \t]*skip/ || (line ~ /^not ok/ && d ~ /#[ \t]*todo/))
				s++
			else if (line ~ /^not ok/)
				f++
			else
				p++
		}
	}
	bad = 0
	if (p + f + s == 0) {
		if (rc == 0) p = 1
		else if (rc == 4 || rc == 77) s = 1
		else { f = 1; bad = 1 }
	} else if (plan != "" && plan + 0 > p + f + s) {
		problem(sprintf("%s: plan 1..%d but %d test points", cur, plan, p + f + s))
		f++; bad = 1
	} else if (rc != 0 && rc != 4 && rc != 77 && f == 0) {
		f++; bad = 1
	}
	if (rc == 124)
		problem(sprintf("%s: timed out in the guest", cur))
	else if (bad || f)
		problem(sprintf("%s: %d failed (exit status %d)", cur, f, rc))
	npass += p; nfail += f; nskip += s
	nblk++
	printf "%s %d - %s # rc=%d %ss: %d passed, %d failed, %d skipped\n", \
		(f ? "not ok" : "ok"), nblk, cur, rc, bsecs, p, f, s
}
BEGIN { cur = ""; indmesg = 0; print "TAP version 13" }
/^ENPU-VM: BEGIN/ { begun = 1; sub(/^ENPU-VM: /, "# "); print; next }
/^ENPU-VM: TEST-BEGIN / {
	if (cur != "") { problem(cur ": no TEST-END"); finish_block(-1, "?") }
	cur = $3; nl = 0; plan = ""
	printf "# Subtest: %s\n", cur
	next
}
/^ENPU-VM: TEST-END / {
	rc = $4; sub(/^rc=/, "", rc); bs = $5; sub(/^secs=/, "", bs)
	if (cur != "") finish_block(rc + 0, bs)
	cur = ""
	next
}
/^ENPU-VM: DMESG-BEGIN/ { indmesg = 1; next }
/^ENPU-VM: DMESG-END/ { indmesg = 0; dmesg_done = 1; next }
/^ENPU-VM: END / { ended = 1; endline = $0; next }
indmesg {
	print > dmesgfile
	if ($0 ~ splat && (ignore == "" || $0 !~ ignore))
		splats[++ns] = $0
	next
}
cur != "" {
	blk[++nl] = $0
	if ($0 ~ /^1\.\.[0-9]+/) { plan = $0; sub(/^1\.\./, "", plan); sub(/[^0-9].*/, "", plan) }
	print "    " $0
	next
}
END {
	if (cur != "") {
		problem(cur ": did not finish (no TEST-END)")
		finish_block(-1, "?")
	}
	# Each problem of the run as a whole is one more failed point.
	np0 = np
	if (!begun) problem("no BEGIN marker: the guest never reached /init (see console.log)")
	else if (!dmesg_done || !ended) problem("no END marker: the guest died before finishing")
	if (qemu_note != "") problem(qemu_note)
	if (ended && endline ~ /status=fail/ && nfail == 0 && ns == 0)
		problem("guest reported status=fail")
	if (ended && endline ~ /status=pass/ && qrc == 3)
		problem("guest exit code disagrees with its END marker")
	if (ns) problem(sprintf("%d kernel splat line(s) in dmesg (all of it: %s):", ns, dmesgfile))
	nfail += np - np0
	for (i = 1; i <= ns && i <= 40; i++) problems[++np] = "    " splats[i]
	print "1.." nblk
	for (i = 1; i <= np; i++) printf "# %s: FAIL: %s\n", name, problems[i]
	printf "%s: %d passed, %d failed, %d skipped\n", name, npass, nfail, nskip > "/dev/stderr"
	exit (np || nfail) ? 1 : 0
}' 2>"$out/summary.txt"
rc=${PIPESTATUS[1]}
set -e
if [ $rc -ne 0 ] && [ $verbose -eq 0 ] && [ -s "$console" ]; then
	echo "# ---- last lines of the kernel console ($console)"
	tail -n 40 "$console" 2>/dev/null | tr -d '\r' | sed 's/^/# /'
fi
echo "# $name: boot+tests wall time ${secs}s (qemu exit $qrc); logs in $out"
cat "$out/summary.txt"
[ -s "$out/summary.txt" ] || { echo "$name: 0 passed, 1 failed, 0 skipped"; exit 1; }
exit $rc
