#!/bin/bash
# Run every tests/tools/test_*.sh (TAP-style "ok N"/"not ok N" lines) and
# print the suite's one summary line over all of them.
# Usage: tests/tools/run.sh BUILD_DIR   (TEST_WRAP may wrap runs)
set -u
O=$1
pass=0 fail=0
for t in tests/tools/test_*.sh; do
	out=$("$t" "$O")
	rc=$?
	printf '%s\n' "$out" | grep -v ': [0-9]* passed, [0-9]* failed'
	p=$(grep -c '^ok ' <<<"$out")
	f=$(grep -c '^not ok ' <<<"$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $t exited $rc"
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f))
done
echo "tools: $pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
