#!/bin/bash
# Run several test programs as one suite: each prints TAP and a closing line
# "<name>: N passed, N failed, N skipped"; print their output and the
# suite's total as "<suite>: N passed, N failed, N skipped".  A program that
# crashes or prints no closing line counts as one failure.
# Usage: TEST_WRAP="valgrind ..." tests/run-progs.sh SUITE PROG...
set -u
suite=$1
shift
p=0 f=0 s=0 rc=0
for t in "$@"; do
	# shellcheck disable=SC2086 # TEST_WRAP is a command line
	${TEST_WRAP:-} "$t" >"$t.out" 2>&1 || rc=1
	cat "$t.out"
	line=$(grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$t.out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "# $t: crashed or printed no summary"
		f=$((f + 1)) rc=1
		continue
	fi
	read -r a b c < <(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/' <<<"$line")
	p=$((p + a)) f=$((f + b)) s=$((s + c))
done
echo "$suite: $p passed, $f failed, $s skipped"
exit $rc
