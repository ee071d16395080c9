#!/bin/bash
# SPDX-License-Identifier: MIT
# libaccel's folders are layers: a file may include headers of its own folder
# and of the folders listed before it, never after, so no include cycle can
# form between folders (libaccel/README.md).  Usage: check-layers.sh [ROOT]
# (ROOT defaults to the repository; libaccel/ is under it).  Prints one line
# per violation and the summary "layers: N passed, N failed, 0 skipped".
set -u
root=${1:-$(dirname "$0")/..}
cd "$root/libaccel" || exit 2

# Lowest first.  include/ (accel.h) is the public API, usable by all.
order=(util ir onnx ops memplan exec compile backend core)

rank() {
	local i
	for i in "${!order[@]}"; do
		[ "${order[$i]}" = "$1" ] && { echo "$i"; return; }
	done
	echo -1
}

pass=0 fail=0
for dir in */; do
	dir=${dir%/}
	[ "$dir" = include ] && continue
	r=$(rank "$dir")
	if [ "$r" -lt 0 ]; then
		echo "layers: libaccel/$dir/ is not in scripts/check-layers.sh's order"
		fail=$((fail + 1))
		continue
	fi
	ok=1
	while IFS=: read -r file line inc; do
		to=${inc#*\"}
		to=${to%%/*}
		t=$(rank "$to")
		[ "$t" -lt 0 ] && continue	# not a libaccel folder
		if [ "$t" -gt "$r" ]; then
			echo "layers: libaccel/$file:$line includes $to/ (above $dir/)"
			ok=0
		fi
	done < <(grep -rnoE '^#include "[A-Za-z0-9_]+/[^"]+"' "$dir" \
		 --include='*.c' --include='*.h')
	if [ "$ok" = 1 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "layers: $pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
