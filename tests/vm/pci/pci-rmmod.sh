#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Guest side of `make suite-pci-vm` (TAP): rmmod enpu while jobs run on the
# PCI NPUs.  enpu_pci_jobs --submit-and-exit queues long jobs on every NPU
# and exits without waiting; the module is removed at once: the devices
# are reset, the jobs fail, nothing is left pending (the harness fails the
# run on any splat).  Then the module is loaded again, every NPU boots
# again and runs a job.  Last, NPU 0 is unbound under an open file with
# jobs queued and a BO mapped (enpu_pci_jobs --unbind-open), then bound
# again.
want=${ENPU_NPUS:-2}
n=0
fail=0
t() {	# description, then the command that must succeed
	n=$((n + 1))
	d=$1
	shift
	if "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; fail=1; fi
}
count() { dmesg | grep -c -- "$1"; }

line=$(grep '/enpu\.ko' /etc/enpu/modules | head -n 1)
path=${line%% *}
params=${line#"$path"}
t "enpu.ko found in /etc/enpu/modules" [ -f "$path" ]
t "jobs queued, submitter exited" ./enpu_pci_jobs --submit-and-exit
inflight=0
for f in /sys/kernel/debug/accel/*/hw_debug; do
	j=$(cat "${f%/hw_debug}/jobs")
	inflight=$((inflight + j))
done
echo "# $inflight jobs not yet freed when rmmod starts"
t "rmmod enpu with jobs in flight" rmmod enpu
t "no job left pending" [ "$(count 'jobs still pending')" -eq 0 ]
before=$(count 'enpu .*: firmware .* booted')
# shellcheck disable=SC2086
t "insmod enpu again" insmod "$path" $params
after=$(count 'enpu .*: firmware .* booted')
t "$((after - before)) of $want NPUs booted again" [ $((after - before)) -eq "$want" ]
lut() { ./enpu_pci_jobs -t lut_each_npu >/tmp/lut.log 2>&1; }
t "a job runs on every NPU after the reload" lut
sed 's/^/# /' /tmp/lut.log
t "unbind NPU 0 with a file open, jobs queued, a BO mapped; bind again" \
	./enpu_pci_jobs --unbind-open
t "a job runs on every NPU after the rebind" lut
sed 's/^/# /' /tmp/lut.log
t "no job left pending after the unbind" [ "$(count 'jobs still pending')" -eq 0 ]
echo "1..$n"
exit $fail
