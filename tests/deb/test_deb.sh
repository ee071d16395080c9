#!/bin/bash
# The Debian packages: dpkg-buildpackage builds libaccel0, libaccel-dev,
# accel-tools, python3-accel and enpu-dkms from a copy of the tree; then
# only what the packages hold (unpacked into a staging root) is used: an app
# built with pkg-config and bit-exact against the reference logits, the
# tools and their man pages, import accel, and enpu.ko built from the DKMS
# source with dkms.conf's own MAKE line against Debian's 6.12 headers.
# Usage: tests/deb/test_deb.sh BUILD_DIR VERSION
set -u
O=$1 VERSION=$2
# dpkg-buildpackage and DKMS run from a clean make environment: the
# calling make's command-line variables (O=build) would reach debian/rules
# and the kernel's build through MAKEFLAGS
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
top=$(pwd)
out=$top/$O/deb
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. tests/lib/tap.sh

rm -rf "$out"
src=$out/enpu-$VERSION
mkdir -p "$src"
# The tree as checked out plus what is not committed yet, no build output.
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -co --exclude-standard -z | tar --null -cf - -T - | tar -xf - -C "$src"
else
	tar --exclude='./build*' --exclude=./debian/build -cf - . | tar -xf - -C "$src"
fi
(cd "$src" && dpkg-buildpackage -b -uc -us -j2) >"$out/build.log" 2>&1
check "dpkg-buildpackage -b builds" test $? -eq 0
arch=$(dpkg --print-architecture)
multi=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for p in libaccel0 libaccel-dev accel-tools python3-accel; do
	check "${p}_${VERSION}_${arch}.deb built" test -f "$out/${p}_${VERSION}_$arch.deb"
done
check "enpu-dkms_${VERSION}_all.deb built" test -f "$out/enpu-dkms_${VERSION}_all.deb"
check "changelog version is the Makefile's" \
	test "$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)" = "$VERSION"
check "libaccel0 depends on the libraries libaccel links" \
	grep -q 'liburing2' <(dpkg-deb -f "$out/libaccel0_${VERSION}_$arch.deb" Depends)
check "libaccel-dev depends on this libaccel0" \
	grep -q "libaccel0 (= $VERSION)" <(dpkg-deb -f "$out/libaccel-dev_${VERSION}_$arch.deb" Depends)
check "enpu-dkms depends on dkms" \
	grep -q 'dkms' <(dpkg-deb -f "$out/enpu-dkms_${VERSION}_all.deb" Depends)

root=$tmp/root
for d in "$out"/*_"$VERSION"_*.deb; do
	case "$d" in *-dbgsym_*) continue ;; esac
	dpkg-deb -x "$d" "$root"
done
check "libaccel.so.0 under /usr/lib/$multi" test -f "$root/usr/lib/$multi/libaccel.so.0"
check "libaccel.pc says prefix=/usr" grep -qx "prefix=/usr" "$root/usr/lib/$multi/pkgconfig/libaccel.pc"
export PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$root/usr/lib/$multi/pkgconfig
cp examples/digits.c "$tmp/app.c"
(cd "$tmp" && cc -Wall -Wextra -Werror app.c $(pkg-config --cflags --libs libaccel) -lm -o app) \
	>"$tmp/cc.log" 2>&1
check "an app builds against libaccel-dev" test -x "$tmp/app"
LD_LIBRARY_PATH=$root/usr/lib/$multi ACCEL_DEVICE=cpu "$tmp/app" models/digits_int8.onnx \
	models/digits_test_x.npy models/digits_test_y.npy \
	--reference models/digits_ref_int8.npy >"$tmp/app.out" 2>&1
check "it runs on libaccel0, bit-exact against the reference logits" test $? -eq 0
for t in accel-run accel-info accel-bench accel-top; do
	check "accel-tools: $t runs" "$root/usr/bin/$t" --version
	check "accel-tools: $t.1.gz" test -f "$root/usr/share/man/man1/$t.1.gz"
done
PYTHONPATH=$root/usr/lib/python3/dist-packages /usr/bin/python3 -c '
import numpy as np, accel, sys
assert accel.__file__.startswith(sys.argv[1]), accel.__file__
m = accel.Context(device="cpu", quiet=True).load("models/digits_int8.onnx")
(y,) = m.run(np.load("models/digits_test_x.npy"))
assert np.array_equal(y, np.load("models/digits_ref_int8.npy"))
' "$root/usr/lib/python3/dist-packages" >"$tmp/py.log" 2>&1
check "python3-accel: import accel runs the model bit for bit" test $? -eq 0

dkms=$root/usr/src/enpu-$VERSION
check "enpu-dkms: dkms.conf has this version" \
	grep -q "^PACKAGE_VERSION=\"$VERSION\"" "$dkms/dkms.conf"
check "enpu-dkms: dkms.conf builds the module enpu" \
	grep -q '^BUILT_MODULE_NAME\[0\]="enpu"' "$dkms/dkms.conf"
kdir=$(sed -n 's/^KDIR=//p' "${ENPU_CACHE:-/var/cache/enpu}/kernel.env" 2>/dev/null)
if [ -n "$kdir" ] && [ -d "$kdir" ]; then
	# what dkms build does: copy the source, run MAKE[0] with its variables
	b=$tmp/dkms/enpu/$VERSION/build
	mkdir -p "$b"
	cp -a "$dkms/." "$b/"
	make_line=$(sed -n 's/^MAKE\[0\]="\(.*\)"$/\1/p' "$dkms/dkms.conf")
	make_line=${make_line//'${kernel_source_dir}'/$kdir}
	make_line=${make_line//'${dkms_tree}'/$tmp/dkms}
	make_line=${make_line//'${PACKAGE_NAME}'/enpu}
	make_line=${make_line//'${PACKAGE_VERSION}'/$VERSION}
	(cd "$b" && eval "$make_line -j2") >"$tmp/dkms.log" 2>&1
	check "enpu-dkms: dkms.conf's MAKE builds driver/enpu.ko for $(basename "$kdir")" \
		test -f "$b/driver/enpu.ko"
	check "the module's vermagic is that kernel's" \
		test "$(modinfo -F vermagic "$b/driver/enpu.ko" 2>/dev/null | cut -d' ' -f1)" = "${kdir##*linux-headers-}"
else
	echo "ok $((n + 1)) - enpu-dkms module build # SKIP no cached kernel headers (make deps)"
	n=$((n + 1))
	skipped=1
fi

[ "$fail" -eq 0 ] || tail -n 30 "$out/build.log" "$tmp"/*.log >&2
tap_end deb "${skipped:-0}"
