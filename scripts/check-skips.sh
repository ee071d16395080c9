#!/bin/bash
# Check the skips a suite reported against its list of expected skips.
# Usage: scripts/check-skips.sh SUITE LOG [LIST]
#
# LIST (default tests/SUITE/expected-skips; a suite without one must not
# skip) has one entry a line, "ID -- REASON": ID is a test id or a pattern
# of them (`*` any text, `?` one character), REASON says why that test
# cannot run here; `#` starts a comment line.
#
# A skip is a TAP point with a SKIP directive (or `not ok ... # TODO`):
#     ok 12 - test_adagrad # SKIP operator Adagrad not supported
# Its id is the description ("test_adagrad"); a point indented under a
# "# Subtest: PROG" line (the VM suites) has the id "PROG/description".
#
# The check fails when a skip matches no entry, when an entry matches no
# skip (stale: the test runs now, or is gone), when an entry is malformed,
# and when the suite's summary line "SUITE: N passed, N failed, N skipped"
# counts more skips than the log identifies.  Exit status 0 when all agree.
set -u
suite=$1
log=$2
list=${3:-tests/$suite/expected-skips}
[ -f "$list" ] || list=/dev/null

awk -v suite="$suite" -v listname="$list" '
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
# A glob (* and ?) as an anchored regular expression.
function glob_re(g,    i, c, re) {
	re = "^"
	for (i = 1; i <= length(g); i++) {
		c = substr(g, i, 1)
		if (c == "*") re = re ".*"
		else if (c == "?") re = re "."
		else if (index("\\^$.[]|()+{}", c)) re = re "\\" c
		else re = re c
	}
	return re "$"
}
function problem(msg) { problems[++np] = msg }
BEGIN {
	while ((r = (getline line < listname)) > 0) {
		nr++
		if (line ~ /^[ \t]*(#|$)/) continue
		k = index(line, " -- ")
		id = k ? trim(substr(line, 1, k - 1)) : ""
		why = k ? trim(substr(line, k + 4)) : ""
		if (id == "" || why == "") {
			problem(sprintf("%s:%d: not \"ID -- REASON\": %s", listname, nr, line))
			continue
		}
		ne++
		pat[ne] = id; used[ne] = 0; where[ne] = nr
		if (id ~ /[*?]/) { wild[++nw] = ne; re[ne] = glob_re(id) }
		else exact[id] = ne
	}
	if (r < 0) problem("cannot read " listname)
}
/^[ \t]*# Subtest: / { sub(/^[ \t]*# Subtest: /, ""); subtest = trim($0); next }
/^[ \t]*(not )?ok( |$)/ {
	line = $0
	indented = line ~ /^[ \t]/
	line = trim(line)
	notok = line ~ /^not /
	sub(/^(not )?ok[ \t]*/, "", line)
	sub(/^[0-9]+[ \t]*/, "", line)
	sub(/^-[ \t]*/, "", line)
	h = index(line, "#")
	if (!h) next
	d = tolower(trim(substr(line, h + 1)))
	if (d !~ /^skip/ && !(notok && d ~ /^todo/)) next
	id = trim(substr(line, 1, h - 1))
	if (indented && subtest != "") id = subtest "/" id
	nskip++
	if (id == "") {
		problem("a skip without a test id: " $0)
		next
	}
	e = (id in exact) ? exact[id] : 0
	for (i = 1; !e && i <= nw; i++)
		if (id ~ re[wild[i]]) e = wild[i]
	if (e) { used[e]++; next }
	why = trim(substr(line, h + 1)); sub(/^[A-Za-z]+[ \t]*/, "", why)
	problem("unexpected skip: " id (why != "" ? " (" why ")" : ""))
	next
}
$0 ~ ("^" suite ": [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped") {
	s = $0
	sub(/ skipped.*/, "", s); sub(/.* /, "", s)
	counted = s + 0; have_summary = 1
}
END {
	for (i = 1; i <= ne; i++)
		if (!used[i])
			problem(sprintf("stale entry (no test skips as %s; remove it from %s:%d)", \
				pat[i], listname, where[i]))
	if (have_summary && counted > nskip)
		problem(sprintf("the summary counts %d skips, the log shows %d with a test id", \
			counted, nskip))
	for (i = 1; i <= np; i++) printf "# %s: SKIP CHECK: %s\n", suite, problems[i]
	printf "# %s: %d skips, %d expected (%s): %s\n", suite, nskip, ne, \
		listname == "/dev/null" ? "no expected-skips list" : listname, \
		np ? "FAIL" : "ok"
	exit np ? 1 : 0
}' "$log"
