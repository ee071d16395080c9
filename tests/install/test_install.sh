#!/bin/bash
# make install into a staging root at a non-default prefix, then use only
# what was installed: libaccel.pc names the prefix, examples/digits.c builds
# with pkg-config (shared and static) and classifies the test split bit for
# bit like the reference, the tools run, symbols carry their version nodes,
# and `import accel` works from the installed Python package.
# Usage: tests/install/test_install.sh BUILD_DIR
set -u
O=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root prefix=/opt/enpu-test

. tests/lib/tap.sh

${MAKE:-make} --no-print-directory -s install O="$O" DESTDIR="$root" PREFIX="$prefix" \
	>"$tmp/install.log" 2>&1
check "make install DESTDIR=... PREFIX=$prefix" test $? -eq 0
pc=$root$prefix/lib/pkgconfig/libaccel.pc
check "libaccel.pc installed" test -f "$pc"
check "libaccel.pc says prefix=$prefix" grep -qx "prefix=$prefix" "$pc"
check "libaccel.pc does not name the staging root" test "$(grep -c "$root" "$pc")" -eq 0

export PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$root$prefix/lib/pkgconfig
cflags=$(pkg-config --cflags libaccel) libs=$(pkg-config --libs libaccel)
check "pkg-config --cflags points into the install" \
	test "${cflags%% *}" = "-I$root$prefix/include"
# The example includes nothing but accel.h: compile it outside the tree.
cp examples/digits.c "$tmp/app.c"
(cd "$tmp" && cc -Wall -Wextra -Werror app.c $cflags $libs -lm -o app) 2>"$tmp/cc.log"
check "examples/digits.c builds against the installed package" test -x "$tmp/app"
LD_LIBRARY_PATH=$root$prefix/lib ACCEL_DEVICE=cpu "$tmp/app" models/digits_int8.onnx \
	models/digits_test_x.npy models/digits_test_y.npy \
	--reference models/digits_ref_int8.npy >"$tmp/app.out" 2>&1
check "the installed-library app matches the reference logits bit for bit" test $? -eq 0
check "it ran the shared library from the install" \
	test "$(LD_LIBRARY_PATH=$root$prefix/lib ldd "$tmp/app" | grep -c "$root$prefix/lib/libaccel.so.0")" -eq 1
# libaccel.a by name, its own dependencies from Libs.private
static_libs=$(pkg-config --static --libs libaccel | sed 's/\(^\| \)-laccel\( \|$\)/\1-l:libaccel.a\2/')
(cd "$tmp" && cc app.c $cflags $static_libs -lm -o app-static) 2>"$tmp/cc-static.log"
check "a static link with pkg-config --static works" test -x "$tmp/app-static"
check "the static app does not need libaccel.so" \
	test "$(ldd "$tmp/app-static" 2>/dev/null | grep -c libaccel)" -eq 0
ACCEL_DEVICE=cpu "$tmp/app-static" models/digits_int8.onnx models/digits_test_x.npy \
	models/digits_test_y.npy --reference models/digits_ref_int8.npy >/dev/null 2>&1
check "the static app matches the reference too" test $? -eq 0

so=$root$prefix/lib/libaccel.so.0
check "soname libaccel.so.0" test "$(objdump -p "$so" | awk '/SONAME/ {print $2}')" = libaccel.so.0
check "accel_run is versioned LIBACCEL_0.1" \
	grep -Eq 'LIBACCEL_0\.1 +accel_run$' <(objdump -T "$so")
check "accel_ctx_threads is versioned LIBACCEL_0.4" \
	grep -Eq 'LIBACCEL_0\.4 +accel_ctx_threads$' <(objdump -T "$so")
check "accel_model_metadata is versioned LIBACCEL_0.5" \
	grep -Eq 'LIBACCEL_0\.5 +accel_model_metadata$' <(objdump -T "$so")
check "no unversioned accel_ symbols" \
	test "$(objdump -T "$so" | grep ' accel_' | grep -vc 'LIBACCEL_0\.')" -eq 0

for t in accel-run accel-info accel-bench; do
	check "$t installed and runs" "$root$prefix/bin/$t" --version
	check "$t.1 installed under share/man/man1" test -f "$root$prefix/share/man/man1/$t.1"
done

pydir=$(ls -d "$root$prefix"/lib/python3*/dist-packages 2>/dev/null | head -n 1)
check "Python package installed under $prefix/lib/python3.X/dist-packages" \
	test -f "$pydir/accel/__init__.py"
PYTHONPATH=$pydir /usr/bin/python3 -c '
import numpy as np, accel, sys
assert accel.__file__.startswith(sys.argv[1]), accel.__file__
m = accel.Context(device="cpu", quiet=True).load("models/digits_int8.onnx")
(y,) = m.run(np.load("models/digits_test_x.npy"))
assert np.array_equal(y, np.load("models/digits_ref_int8.npy"))
' "$pydir" 2>"$tmp/py.log"
check "import accel from the install runs the model bit for bit" test $? -eq 0

[ "$fail" -eq 0 ] || tail -n 20 "$tmp"/*.log >&2
tap_end install
