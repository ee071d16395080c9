#!/bin/bash
# make install: headers, shared + static library, pkg-config file, tools.
set -euo pipefail
destdir=$1 prefix=$2 O=$3 version=$4
major=${version%%.*}
root=$destdir$prefix
install -d "$root/include/drm" "$root/lib/pkgconfig" "$root/bin"
install -m 644 libaccel/include/accel.h "$root/include/"
install -m 644 uapi/drm/enpu_isa.h "$root/include/drm/"
install -m 755 "$O/lib/libaccel.so.$version" "$root/lib/"
ln -sf "libaccel.so.$version" "$root/lib/libaccel.so.$major"
ln -sf "libaccel.so.$major" "$root/lib/libaccel.so"
install -m 644 "$O/lib/libaccel.a" "$root/lib/"
install -m 644 "$O/lib/pkgconfig/libaccel.pc" "$root/lib/pkgconfig/"
for t in "$O"/bin/accel-*; do
	install -m 755 "$t" "$root/bin/"
done
echo "installed libaccel $version into $root"
