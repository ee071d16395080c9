#!/bin/bash
# make install: headers, shared + static library, pkg-config file, tools,
# into the GNU install directories the Makefile passes in the environment
# (PREFIX, EXEC_PREFIX, BINDIR, LIBDIR, INCLUDEDIR, PKGCONFIGDIR, PYTHONDIR,
# MANDIR;
# DESTDIR is prepended to each, not written into libaccel.pc).  The Python
# package goes to PYTHONDIR, by default where Debian's python3 looks for
# PREFIX's packages (/usr/lib/python3/dist-packages for /usr,
# PREFIX/lib/python3.X/dist-packages otherwise).  Installs from the build
# tree $O only: nothing is built or downloaded here.
set -euo pipefail
: "${O:?}" "${VERSION:?}" "${PREFIX:?}"
DESTDIR=${DESTDIR:-}
EXEC_PREFIX=${EXEC_PREFIX:-$PREFIX}
BINDIR=${BINDIR:-$EXEC_PREFIX/bin}
LIBDIR=${LIBDIR:-$EXEC_PREFIX/lib}
INCLUDEDIR=${INCLUDEDIR:-$PREFIX/include}
PKGCONFIGDIR=${PKGCONFIGDIR:-$LIBDIR/pkgconfig}
MANDIR=${MANDIR:-$PREFIX/share/man}
PYTHON=${PYTHON:-/usr/bin/python3}
if [ -z "${PYTHONDIR:-}" ]; then
	if [ "$PREFIX" = /usr ]; then
		PYTHONDIR=/usr/lib/python3/dist-packages
	else
		PYTHONDIR=$PREFIX/lib/$("$PYTHON" -c 'import sys; print("python%d.%d" % sys.version_info[:2])')/dist-packages
	fi
fi
major=${VERSION%%.*}

for f in "$O/lib/libaccel.so.$VERSION" "$O/lib/libaccel.a"; do
	[ -f "$f" ] || { echo "install.sh: $f missing: run make first" >&2; exit 1; }
done
for d in "$PREFIX" "$EXEC_PREFIX" "$BINDIR" "$LIBDIR" "$INCLUDEDIR" "$PKGCONFIGDIR" \
	"$PYTHONDIR" "$MANDIR"; do
	case "$d" in
	/*) ;;
	*) echo "install.sh: '$d' is not an absolute directory" >&2; exit 1 ;;
	esac
done

install -d "$DESTDIR$INCLUDEDIR/drm" "$DESTDIR$LIBDIR" "$DESTDIR$PKGCONFIGDIR" \
	"$DESTDIR$BINDIR"
install -m 644 libaccel/include/accel.h "$DESTDIR$INCLUDEDIR/"
install -m 644 uapi/drm/enpu_isa.h "$DESTDIR$INCLUDEDIR/drm/"
install -m 755 "$O/lib/libaccel.so.$VERSION" "$DESTDIR$LIBDIR/"
ln -sf "libaccel.so.$VERSION" "$DESTDIR$LIBDIR/libaccel.so.$major"
ln -sf "libaccel.so.$major" "$DESTDIR$LIBDIR/libaccel.so"
install -m 644 "$O/lib/libaccel.a" "$DESTDIR$LIBDIR/"
# The build tree's libaccel.pc with the directories of this install.
sed -e "s|^prefix=.*|prefix=$PREFIX|" \
	-e "s|^exec_prefix=.*|exec_prefix=$EXEC_PREFIX|" \
	-e "s|^libdir=.*|libdir=$LIBDIR|" \
	-e "s|^includedir=.*|includedir=$INCLUDEDIR|" \
	"$O/lib/pkgconfig/libaccel.pc" >"$DESTDIR$PKGCONFIGDIR/libaccel.pc"
chmod 644 "$DESTDIR$PKGCONFIGDIR/libaccel.pc"
for t in "$O"/bin/accel-*; do
	install -m 755 "$t" "$DESTDIR$BINDIR/"
done
install -d "$DESTDIR$MANDIR/man1"
install -m 644 man/*.1 "$DESTDIR$MANDIR/man1/"
pymod=("$O"/python/accel/_accel*.so)
if [ -f "${pymod[0]}" ]; then
	install -d "$DESTDIR$PYTHONDIR/accel"
	install -m 644 "$O"/python/accel/*.py "$DESTDIR$PYTHONDIR/accel/"
	install -m 644 "${pymod[0]}" "$DESTDIR$PYTHONDIR/accel/"
fi
echo "installed libaccel $VERSION: $DESTDIR$LIBDIR, $DESTDIR$INCLUDEDIR, $DESTDIR$BINDIR, $DESTDIR$PYTHONDIR/accel"
