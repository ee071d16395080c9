# SPDX-License-Identifier: MIT
# TAP for the bash test scripts (sourced, from the top of the tree):
# check NAME COMMAND... runs COMMAND and prints "ok N - NAME" or
# "not ok N - NAME", counting into $n and $fail; tap_end SUITE [SKIPPED]
# prints the plan and the summary line and fails when a check did.
n=0 fail=0

check() {	# check NAME CONDITION-COMMAND...
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		fail=$((fail + 1))
	fi
}

tap_end() {	# tap_end SUITE [SKIPPED]
	local skipped=${2:-0}
	echo "1..$n"
	echo "$1: $((n - fail - skipped)) passed, $fail failed, $skipped skipped"
	[ "$fail" -eq 0 ]
}
