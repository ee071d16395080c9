#!/bin/bash
# Run each named test suite (make target suite-NAME), keep its log, check
# its skips against its list of expected skips (scripts/check-skips.sh: an
# unexpected skip or a stale entry fails the suite), print one summary line
# per suite and a total; exit non-zero if any suite failed.
set -u
O=${O:-build}
MAKE=${MAKE:-make}
mkdir -p "$O/logs"
fail=0 tp=0 tf=0 ts=0
summary=()
for s in "$@"; do
	log="$O/logs/$s.log"
	echo "=== suite $s"
	start=$(date +%s)
	$MAKE --no-print-directory -s "suite-$s" O="$O" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	secs=$(( $(date +%s) - start ))
	line=$(grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=0 f=1 k=0
	if [ -z "$line" ]; then
		line="$s: no summary line"
		[ "$rc" -eq 0 ] && rc=1
	else
		p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
		f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
		k=$(grep -oE '[0-9]+ skipped' <<<"$line" | cut -d' ' -f1)
	fi
	tp=$((tp + ${p:-0})) tf=$((tf + ${f:-0})) ts=$((ts + ${k:-0}))
	scripts/check-skips.sh "$s" "$log" >"$log.skips"
	skrc=$?
	tee -a "$log" <"$log.skips"
	if [ "$skrc" -ne 0 ]; then
		fail=1
		summary+=("FAIL  $line ($(grep -c 'SKIP CHECK:' "$log.skips") unexpected skip(s) or stale expected-skips entries; exit $rc, ${secs}s, log $log)")
	elif [ "$rc" -ne 0 ]; then
		fail=1
		summary+=("FAIL  $line (exit $rc, ${secs}s, log $log)")
	else
		summary+=("ok    $line (${secs}s)")
	fi
done
echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
echo "total: $tp passed, $tf failed, $ts skipped"
exit $fail
