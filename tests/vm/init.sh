#!/bin/sh
# SPDX-License-Identifier: MIT
#
# PID 1 of the ENPU test VM (copied to /init by tests/vm/mkinitramfs.sh).
#
# Loads the kernel modules listed in /etc/enpu/kmods (Debian's drm,
# drm_shmem_helper, gpu-sched and their dependencies, in dependency order),
# then the modules under test from /etc/enpu/modules, checks that the device
# nodes in /etc/enpu/devices appeared (TAP block "devices"), runs every
# program in /etc/enpu/tests from /opt/enpu, unloads the modules under test,
# dumps dmesg and powers off.  Everything the host needs goes to the second serial port
# (/dev/ttyS1) between "ENPU-VM: ..." marker lines, parsed by run-vm.sh:
#
#   ENPU-VM: BEGIN kernel=<uname -r>
#   ENPU-VM: TEST-BEGIN <name>
#   ...TAP output of the test (stdout and stderr)...
#   ENPU-VM: TEST-END <name> rc=<exit status> secs=<wall seconds>
#   ENPU-VM: DMESG-BEGIN
#   ...dmesg...
#   ENPU-VM: DMESG-END hits=<lines matching the splat patterns>
#   ENPU-VM: END status=<pass|fail>
#
# The kernel console stays on /dev/ttyS0.  Exit: isa-debug-exit at port 0xf4
# (QEMU exits with (code << 1) | 1: 1 = pass, 3 = fail), else poweroff -f.

/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root ENPU_VM=1

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
ln -sf /proc/self/fd /dev/fd

TEST_TIMEOUT=300
DMESG_RE='WARNING:|BUG:|Oops|lockdep|refcount_t|KASAN|UBSAN|general protection'
. /etc/enpu/config

stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
say() { echo "ENPU-VM: $*" >&3; }

status=pass
say "BEGIN kernel=$(uname -r)"

# One block of TAP per phase; $1 is the block name, the rest the command.
block() {
	name=$1
	shift
	say "TEST-BEGIN $name"
	t0=$(date +%s)
	"$@" >&3 2>&3 </dev/null
	rc=$?
	secs=$(( $(date +%s) - t0 ))
	# busybox timeout reports the signal (143), not 124 as coreutils does
	if [ $rc -ge 124 ] && [ $secs -ge "$TEST_TIMEOUT" ]; then
		echo "# $name: killed after ${TEST_TIMEOUT}s (--test-timeout)" >&3
		rc=124
	fi
	say "TEST-END $name rc=$rc secs=$secs"
	case $rc in
	0|4|77) ;;
	*) status=fail ;;
	esac
	return $rc
}

# TAP for insmod of each line of $1 ("path [params...]").
load_list() {
	n=0
	bad=0
	while read -r path params; do
		[ -n "$path" ] || continue
		n=$((n + 1))
		# shellcheck disable=SC2086
		if insmod "$path" $params 2>&1; then
			echo "ok $n - insmod ${path##*/}${params:+ $params}"
		else
			echo "not ok $n - insmod ${path##*/}${params:+ $params}"
			bad=1
		fi
	done < "$1"
	echo "1..$n"
	return $bad
}

# TAP for rmmod of each module under test, last loaded first.
unload_list() {
	n=0
	bad=0
	for path in $(awk '{ print $1 }' "$1" | sed -n '1!G;h;$p'); do
		mod=${path##*/}
		mod=${mod%.ko}
		n=$((n + 1))
		if [ ! -d "/sys/module/$(echo "$mod" | tr - _)" ]; then
			echo "ok $n - rmmod $mod # SKIP not loaded"
		elif rmmod "$mod" 2>&1; then
			echo "ok $n - rmmod $mod"
		else
			echo "not ok $n - rmmod $mod"
			bad=1
		fi
	done
	echo "1..$n"
	return $bad
}

# TAP for each device node of $1 that must exist once the modules are
# loaded (devtmpfs creates them; allow up to 10 s).
check_devices() {
	n=0
	bad=0
	while read -r dev; do
		[ -n "$dev" ] || continue
		n=$((n + 1))
		i=0
		while [ ! -e "$dev" ] && [ $i -lt 10 ]; do
			sleep 1
			i=$((i + 1))
		done
		if [ -e "$dev" ]; then
			echo "ok $n - $dev present"
		else
			echo "not ok $n - $dev did not appear after insmod"
			bad=1
		fi
	done < "$1"
	echo "1..$n"
	return $bad
}

run_test() {
	cd /opt/enpu || return 1
	case $1 in
	*.sh) timeout "$TEST_TIMEOUT" sh "./$1" ;;
	*) timeout "$TEST_TIMEOUT" "./$1" ;;
	esac
}

block kmods load_list /etc/enpu/kmods
if [ -s /etc/enpu/modules ]; then
	block insmod load_list /etc/enpu/modules
fi
if [ -s /etc/enpu/devices ]; then
	block devices check_devices /etc/enpu/devices
fi
while read -r t; do
	[ -n "$t" ] && block "$t" run_test "$t"
done < /etc/enpu/tests
cd /
if [ -s /etc/enpu/modules ]; then
	block rmmod unload_list /etc/enpu/modules
fi

say "DMESG-BEGIN"
dmesg >&3
hits=$(dmesg | grep -cE "$DMESG_RE")
say "DMESG-END hits=$hits"
[ "$hits" -eq 0 ] || status=fail
say "END status=$status"
exec 3>&-	# last close of the port waits for its output to drain
sleep 1

code='\000'
[ $status = pass ] || code='\001'
printf "$code" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
poweroff -f
