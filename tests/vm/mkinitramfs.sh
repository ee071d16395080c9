#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Build the initramfs of the ENPU test VM: busybox-static, tests/vm/init.sh as
# /init, Debian's kernel modules the driver needs (with their dependencies,
# from the image's modules.dep, decompressed), the modules under test and the
# test programs (in /opt/enpu).
#
#   tests/vm/mkinitramfs.sh -o OUT.cpio.gz [options]
#
#   --module FILE.ko   module under test: copied to /opt/enpu, insmod'ed
#                      after the kernel modules, rmmod'ed after the tests;
#                      its modinfo "depends" are added to the kernel modules
#   --params 'a=1 b=2' insmod parameters of the preceding --module
#   --test FILE        test program (or *.sh script) run from /opt/enpu, in
#                      command-line order; exit 0 pass, 4 or 77 skip
#   --file SRC[:DEST]  extra file or directory, copied to /opt/enpu/DEST
#   --kmods 'a b c'    kernel modules to load (default: $ENPU_VM_KMODS or
#                      'drm drm_shmem_helper gpu-sched')
#   --test-timeout S   per-test timeout inside the guest (default 300)
#   --expect-dev PATH  a device node (e.g. /dev/accel/accel0) that must
#                      exist after the modules under test are loaded; the
#                      guest checks it as the TAP block "devices"
#   --kernel-env FILE  from scripts/kernel-deps.sh
#                      (default $ENPU_CACHE/kernel.env)
#   --firmware SRC[:NAME] a firmware file, placed at /lib/firmware/NAME
#                      (default NAME: enpu/<basename>) for request_firmware()
#
# Dynamically linked test programs get their shared libraries copied in (as
# `ldd` resolves them on the host), but statically linked tests are simpler.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ENPU_CACHE:-/var/cache/enpu}
kenv=$CACHE/kernel.env
out=
kmods=${ENPU_VM_KMODS:-drm drm_shmem_helper gpu-sched}
test_timeout=300
modules=()
params=()
tests=()
files=()
devs=()
firmwares=()

die() { echo "mkinitramfs: error: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case "$1" in
	-o) out=$2; shift ;;
	--module) modules+=("$2"); params+=(""); shift ;;
	--params)
		[ ${#modules[@]} -gt 0 ] || die "--params before any --module"
		params[${#params[@]}-1]=$2; shift ;;
	--test) tests+=("$2"); shift ;;
	--file) files+=("$2"); shift ;;
	--kmods) kmods=$2; shift ;;
	--test-timeout) test_timeout=$2; shift ;;
	--expect-dev) devs+=("$2"); shift ;;
	--kernel-env) kenv=$2; shift ;;
	--firmware) firmwares+=("$2"); shift ;;
	-h|--help) sed -n '3,30p' "$0" | sed 's/^# \?//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
	shift
done
[ -n "$out" ] || die "-o OUT.cpio.gz is required"
[ -f "$kenv" ] || die "$kenv missing: run 'make deps'"
# shellcheck disable=SC1090
. "$kenv"
[ -f "$MODDIR/modules.dep" ] || die "$MODDIR/modules.dep missing"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,root,etc/enpu,opt/enpu,lib/modules}
mkdir -p "$stage"/usr/{bin,sbin}
cp /bin/busybox "$stage/bin/busybox"
file -L /bin/busybox | grep -q 'statically linked' ||
	die "/bin/busybox is not static (make deps installs busybox-static)"
ln -s busybox "$stage/bin/sh"
install -m 0755 "$HERE/init.sh" "$stage/init"

# --- kernel modules: resolve dependencies, order them, decompress --------
norm() { local n=${1##*/}; n=${n%%.ko*}; echo "${n//-/_}"; }
own=
for m in "${modules[@]}"; do
	[ -f "$m" ] || die "module $m not found"
	own+=" $(norm "$m")"
	for d in $(modinfo -F depends "$m" | tr ',' ' '); do
		kmods+=" $d"
	done
done

# Depth-first over modules.dep: each module after its dependencies.  Prints
# the paths in load order, and "missing NAME" for names it does not know.
order=$(awk -v want="$kmods" -v own="$own" '
function norm(p) { sub(/.*\//, "", p); sub(/\.ko.*/, "", p); gsub(/-/, "_", p); return p }
function visit(n,    k, a, i) {
	if (n in seen) return
	seen[n] = 1
	if (n in mine) return
	if (!(n in path)) { print "missing " n; return }
	k = split(deps[n], a, " ")
	for (i = 1; i <= k; i++) visit(a[i])
	print path[n]
}
{
	p = $1; sub(/:$/, "", p); n = norm(p); path[n] = p; deps[n] = ""
	for (i = 2; i <= NF; i++) deps[n] = deps[n] " " norm($i)
}
END {
	k = split(own, a, " "); for (i = 1; i <= k; i++) mine[a[i]] = 1
	k = split(want, a, " "); for (i = 1; i <= k; i++) visit(norm(a[i]))
}' "$MODDIR/modules.dep")
for name in $(sed -n 's/^missing //p' <<<"$order"); do
	# Built in (e.g. when a distro config changes): nothing to load.
	sed 's#.*/##; s#\.ko.*##; s#-#_#g' "$MODDIR/modules.builtin" |
		grep -qx "$name" ||
		die "kernel module '$name' is neither in modules.dep nor built in"
done
: >"$stage/etc/enpu/kmods"
loaded=()
for rel in $(grep -v '^missing ' <<<"$order"); do
	src=$MODDIR/$rel
	loaded+=("$(norm "$rel")")
	dst=$stage/lib/modules/${src##*/}
	case "$src" in
	*.xz) xz -dc "$src" >"${dst%.xz}"; dst=${dst%.xz} ;;
	*.zst) zstd -qdc "$src" >"${dst%.zst}"; dst=${dst%.zst} ;;
	*.gz) gzip -dc "$src" >"${dst%.gz}"; dst=${dst%.gz} ;;
	*) cp "$src" "$dst" ;;
	esac
	echo "/lib/modules/${dst##*/}" >>"$stage/etc/enpu/kmods"
done

# --- modules under test, tests, files -----------------------------------
declare -A taken=()
place() {	# src dest-relative-to-/opt/enpu
	[ -e "$1" ] || die "$1 not found"
	[ -z "${taken[$2]:-}" ] || die "two inputs would both be /opt/enpu/$2"
	taken[$2]=1
	mkdir -p "$(dirname "$stage/opt/enpu/$2")"
	cp -rL "$1" "$stage/opt/enpu/$2"
	copy_libs "$1"
}
copy_libs() {	# shared libraries of a dynamically linked ELF
	[ -f "$1" ] && file -L "$1" | grep -q 'ELF.*dynamically linked' ||
		return 0
	local lib
	for lib in $(ldd "$1" 2>/dev/null |
		sed -nE 's#.*=> (/[^ ]+) .*#\1#p; s#^\s*(/[^ ]+) \(.*#\1#p'); do
		[ -e "$stage$lib" ] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
}
: >"$stage/etc/enpu/modules"
for i in "${!modules[@]}"; do
	m=${modules[$i]}
	place "$m" "${m##*/}"
	echo "/opt/enpu/${m##*/} ${params[$i]}" >>"$stage/etc/enpu/modules"
done
: >"$stage/etc/enpu/tests"
for t in "${tests[@]}"; do
	place "$t" "${t##*/}"
	chmod +x "$stage/opt/enpu/${t##*/}"
	echo "${t##*/}" >>"$stage/etc/enpu/tests"
done
for f in "${files[@]}"; do
	src=${f%%:*}
	dst=${src##*/}
	[ "$f" = "$src" ] || dst=${f#*:}
	place "$src" "$dst"
done
for f in ${firmwares[@]+"${firmwares[@]}"}; do
	src=${f%%:*}
	dst=enpu/${src##*/}
	[ "$f" = "$src" ] || dst=${f#*:}
	[ -f "$src" ] || die "firmware $src not found"
	mkdir -p "$(dirname "$stage/lib/firmware/$dst")"
	cp -L "$src" "$stage/lib/firmware/$dst"
done
[ -d "$stage/lib64" ] || ln -s lib "$stage/lib64"
echo "TEST_TIMEOUT=$test_timeout" >"$stage/etc/enpu/config"
: >"$stage/etc/enpu/devices"
for d in ${devs[@]+"${devs[@]}"}; do
	echo "$d" >>"$stage/etc/enpu/devices"
done

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -k "$out" | cut -f1) KiB;" \
	"kmods: ${loaded[*]:-none}; modules: ${#modules[@]}; tests: ${#tests[@]})" >&2
