#!/bin/bash
# Run each libFuzzer target: first replay its seed corpus and recorded crash
# regressions (tests/fuzz/corpus/<name>/, tests/fuzz/crashes/<name>/), then
# fuzz for $FUZZ_SECONDS from a scratch copy of the corpus.  New crashes are
# saved under <build>/fuzz-artifacts/ to be added to crashes/ once fixed.
# FUZZ_SEED (make check: a fixed one, so a run explores the same inputs on
# every machine of the same speed and a red CI is a reproducible finding;
# `make fuzz`: unset, a new random seed each run).
set -u
out=$1
shift
pass=0 fail=0
for bin in "$@"; do
	name=$(basename "$bin")
	name=${name#fuzz_}
	corpus=tests/fuzz/corpus/$name
	crashes=tests/fuzz/crashes/$name
	work=$out/fuzz-work/$name
	art=$out/fuzz-artifacts/$name/
	rm -rf "$work"
	mkdir -p "$work" "$art" "$corpus"
	cp -r "$corpus"/. "$work"/ 2>/dev/null || true
	echo "# $name: replaying corpus and regressions"
	reg=()
	[ -d "$crashes" ] && reg=("$crashes"/*)
	# libFuzzer takes either corpus directories or single inputs, not both.
	if ! { "$bin" -runs=0 "$corpus" &&
	       { [ ${#reg[@]} -eq 0 ] || "$bin" -timeout=10 "${reg[@]}"; }; } \
		>"$out/fuzz-$name-replay.log" 2>&1; then
		echo "not ok - $name replay (see $out/fuzz-$name-replay.log)"
		tail -n 30 "$out/fuzz-$name-replay.log"
		fail=$((fail + 1))
		continue
	fi
	echo "# $name: fuzzing for ${FUZZ_SECONDS}s"
	seed=()
	[ -n "${FUZZ_SEED:-}" ] && seed=(-seed="$FUZZ_SEED")
	if "$bin" "${seed[@]}" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -artifact_prefix="$art" -print_final_stats=1 \
		"$work" >"$out/fuzz-$name.log" 2>&1; then
		echo "ok - $name ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/fuzz-$name.log" | grep -o '[0-9]*$') executions)"
		pass=$((pass + 1))
	else
		echo "not ok - $name (artifacts in $art)"
		tail -n 40 "$out/fuzz-$name.log"
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
