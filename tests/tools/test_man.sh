#!/bin/bash
# The man pages: each tool has one, it renders without a groff warning, and
# it documents every long option the tool's --help names.
# Usage: tests/tools/test_man.sh BUILD_DIR
set -u
O=$1

. tests/lib/tap.sh

for t in "$O"/bin/accel-*; do
	t=$(basename "$t")
	page=man/$t.1
	check "$t has a man page" test -f "$page" || continue
	if command -v groff >/dev/null; then
		check "$page renders without warnings" \
			test -z "$(groff -man -Tutf8 -ww -z "$page" 2>&1)"
	fi
	check "$page names the tool in NAME" grep -q "^$t \\\\- " "$page"
	for opt in $("$O/bin/$t" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
		# the page spells a dash as \-
		check "$page documents $opt" grep -q -- "${opt//-/\\\\-}" "$page"
	done
done

tap_end tools-man
