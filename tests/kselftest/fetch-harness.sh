#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Extract the kselftest harness (tools/testing/selftests/kselftest_harness.h
# and kselftest.h) and checkpatch (scripts/checkpatch.pl with its data
# files) from Debian's linux-source-6.12 package, once, into a cache outside
# the tree; nothing is installed and the 150 MB .deb is not kept.  Prints the
# harness include directory; checkpatch lands in $ENPU_CACHE/checkpatch.
# Run by `make deps` (scripts/deps.sh kernel) only; the build targets just
# read the cache.  No smaller Debian 12 package ships these files: the
# linux-headers-*, linux-kbuild-*, linux-support-*, linux-config-6.12,
# linux-doc-6.12 and linux-perf packages were checked (the doc package has
# only checkpatch's and kselftest's documentation).
#
#   tests/kselftest/fetch-harness.sh
#
# Environment: ENPU_CACHE (default /var/cache/enpu).
set -euo pipefail

CACHE=${ENPU_CACHE:-/var/cache/enpu}
dest=$CACHE/kselftest
cpdest=$CACHE/checkpatch
if [ -f "$dest/.complete" ] && [ -f "$cpdest/.complete" ]; then
	echo "$dest"
	exit 0
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.kselftest.lock"
flock 9
if [ -f "$dest/.complete" ] && [ -f "$cpdest/.complete" ]; then
	echo "$dest"
	exit 0
fi

tmp=$(mktemp -d "$CACHE/.ksft.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "fetch-harness: downloading linux-source-6.12" >&2
(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root \
	linux-source-6.12 >/dev/null)
deb=$(ls "$tmp"/linux-source-6.12_*.deb)
mkdir -p "$tmp/src" "$tmp/out"
dpkg-deb --fsys-tarfile "$deb" |
	tar -x -O --wildcards './usr/src/linux-source-6.12.tar.*' |
	tar -xJ -C "$tmp/src" \
		linux-source-6.12/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.12/tools/testing/selftests/kselftest.h \
		linux-source-6.12/scripts/checkpatch.pl \
		linux-source-6.12/scripts/spelling.txt \
		linux-source-6.12/scripts/const_structs.checkpatch
mv "$tmp"/src/linux-source-6.12/tools/testing/selftests/*.h \
	"$tmp"/src/linux-source-6.12/scripts/* "$tmp/out/"
for f in kselftest_harness.h kselftest.h checkpatch.pl spelling.txt \
	const_structs.checkpatch; do
	[ -s "$tmp/out/$f" ] || { echo "fetch-harness: $f missing" >&2; exit 1; }
done
rm -rf "$dest" "$cpdest"
mkdir -p "$dest" "$cpdest"
mv "$tmp/out/kselftest_harness.h" "$tmp/out/kselftest.h" "$dest/"
mv "$tmp/out/checkpatch.pl" "$tmp/out/spelling.txt" \
	"$tmp/out/const_structs.checkpatch" "$cpdest/"
touch "$dest/.complete" "$cpdest/.complete"
echo "$dest"
