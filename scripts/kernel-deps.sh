#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Fetch what building and booting enpu.ko needs, without installing a kernel:
# Debian's Linux 6.12 headers, kbuild tools and kernel image are downloaded
# with `apt-get download` and unpacked with `dpkg -x` into a cache outside the
# build tree; the host tools (qemu, busybox-static, ...) are apt-get installed
# when missing.  Run by `make deps` (scripts/deps.sh kernel); the build
# targets only read the cache it leaves (kernel.env).  Idempotent: a
# populated cache is reused in well under a second.
#
#   scripts/kernel-deps.sh            fetch (if needed), print the env file
#   scripts/kernel-deps.sh --refresh  look for a newer 6.12 kernel first
#
# Environment:
#   ENPU_CACHE  cache directory (default /var/cache/enpu); shared by clones
#   ENPU_KVER   pin a kernel ABI name, e.g. 6.12.117+deb12 (default: newest
#               6.12 in the apt lists; once cached, the cached one)
#
# Output: $ENPU_CACHE/kernel.env, a shell fragment (also printed) with
#   KVER     ABI name as `uname -r` reports it, e.g. 6.12.117+deb12-amd64
#   KROOT    the unpacked packages (usr/src, lib/modules, boot)
#   KDIR     kernel build tree for `make -C $KDIR M=...`
#   VMLINUZ  bootable kernel image
#   MODDIR   lib/modules/$KVER inside KROOT, with modules.dep
set -euo pipefail

CACHE=${ENPU_CACHE:-/var/cache/enpu}
refresh=0
for arg in "$@"; do
	case "$arg" in
	--refresh) refresh=1 ;;
	-h|--help) sed -n '3,25p' "$0" | sed 's/^# \?//'; exit 0 ;;
	*) echo "kernel-deps.sh: unknown argument '$arg'" >&2; exit 2 ;;
	esac
done

say() { echo "kernel-deps: $*" >&2; }
die() { echo "kernel-deps: error: $*" >&2; exit 1; }

# --- host tools -------------------------------------------------------------
tools=(qemu-system-x86 busybox-static xz-utils cpio kmod gcc-12 make binutils file
	dwarves sparse)
missing=()
for p in "${tools[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] ||
		die "missing ${missing[*]} and not root: apt-get install ${missing[*]}"
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends "${missing[@]}" \
		>/dev/null 2>&1 || {
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}" \
			>/dev/null
	}
fi

envfile=$CACHE/kernel.env

# Cache already populated (the pinned kernel, if any): print it and stop.
cached() {
	[ $refresh -eq 0 ] && [ -f "$envfile" ] || return 1
	local abi
	abi=$(sed -n 's/^KABI=//p' "$envfile")
	[ -n "$abi" ] && [ -f "$CACHE/kernel-$abi/.complete" ] || return 1
	[ -z "${ENPU_KVER:-}" ] || [ "$ENPU_KVER" = "$abi" ] || return 1
	cat "$envfile"
}
cached && exit 0

mkdir -p "$CACHE" || die "cannot create $CACHE (set ENPU_CACHE)"
exec 9>"$CACHE/.lock"
flock 9		# one fetcher at a time; the others then find the cache full
cached && exit 0

# --- pick the kernel --------------------------------------------------------
# ABI names look like 6.12.117+deb12 (security) or 6.12.12+bpo (backports);
# the flavour is -amd64.  Take the newest whose four packages all exist.
candidates() {
	apt-cache pkgnames linux-headers-6.12 |
		sed -nE 's/^linux-headers-(6\.12\.[^-]+(-[0-9][^-]*)?)-amd64$/\1/p' |
		sort -Vr
}
has_pkg() {
	apt-cache show "$1" >/dev/null 2>&1
}
image_pkg() {
	if has_pkg "linux-image-$1-amd64-unsigned"; then
		echo "linux-image-$1-amd64-unsigned"
	elif has_pkg "linux-image-$1-amd64"; then
		echo "linux-image-$1-amd64"
	fi
}

abi=${ENPU_KVER:-}
if [ -z "$abi" ]; then
	list=$(candidates)
	if [ -z "$list" ]; then
		[ "$(id -u)" -eq 0 ] || die "no linux-headers-6.12 in apt lists"
		say "apt-get update"
		apt-get update -qq
		list=$(candidates)
	fi
	for c in $list; do
		if has_pkg "linux-headers-$c-common" &&
			{ has_pkg "linux-kbuild-$c" ||
				has_pkg "linux-kbuild-${c%%-*}"; } &&
			[ -n "$(image_pkg "$c")" ]; then
			abi=$c
			break
		fi
	done
	[ -n "$abi" ] || die "no complete Debian 6.12 kernel package set found"
fi
kver=$abi-amd64
dest=$CACHE/kernel-$abi

if [ ! -f "$dest/.complete" ]; then
	kbuild=linux-kbuild-$abi
	has_pkg "$kbuild" || kbuild=linux-kbuild-${abi%%-*}
	image=$(image_pkg "$abi")
	[ -n "$image" ] || die "no kernel image package for $abi"
	pkgs=("linux-headers-$abi-amd64" "linux-headers-$abi-common" "$kbuild"
		"$image")
	for p in "${pkgs[@]}"; do
		has_pkg "$p" || die "package $p not found (apt-get update?)"
	done

	debs=$CACHE/debs
	mkdir -p "$debs"
	tmp=$(mktemp -d "$CACHE/.fetch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# Reuse .debs already downloaded (a previous interrupted run).
	need=()
	for p in "${pkgs[@]}"; do
		ls "$debs/${p}_"*.deb >/dev/null 2>&1 || need+=("$p")
	done
	if [ ${#need[@]} -gt 0 ]; then
		say "downloading ${need[*]}"
		# _apt cannot write into a root-only mktemp dir: fetch as root.
		if ! (cd "$tmp" && apt-get download -q \
			-o APT::Sandbox::User=root "${need[@]}" >/dev/null); then
			# The security archive keeps only the newest build: stale
			# lists name files that are gone.  Update, choose again.
			[ -z "${ENPU_KDEPS_RETRY:-}" ] && [ "$(id -u)" -eq 0 ] ||
				die "apt-get download ${need[*]} failed"
			say "download failed: apt-get update and retry"
			apt-get update -qq
			rm -rf "$tmp"
			exec 9>&-
			ENPU_KDEPS_RETRY=1 exec "$0" --refresh
		fi
		mv "$tmp"/*.deb "$debs"/
	fi

	say "unpacking into $dest"
	root=$tmp/root
	mkdir -p "$root"
	for p in "${pkgs[@]}"; do
		deb=$(ls "$debs/${p}_"*.deb | sort -V | tail -n 1)
		dpkg -x "$deb" "$root"
	done

	# The flavour tree points at the common tree and the kbuild tools with
	# absolute paths (/usr/src/..., /usr/lib/linux-kbuild-...): make them
	# relative so the cache can live anywhere.
	kdir_rel=usr/src/linux-headers-$kver
	[ -f "$root/$kdir_rel/Makefile" ] || die "$kdir_rel/Makefile missing"
	sed -i -E 's#^include /usr/src/([^ ]+)#include $(dir $(lastword $(MAKEFILE_LIST)))../\1#' \
		"$root/$kdir_rel/Makefile"
	grep -q '^include /' "$root/$kdir_rel/Makefile" &&
		die "unexpected absolute include left in $kdir_rel/Makefile"
	find "$root" -type l | while read -r link; do
		target=$(readlink "$link")
		case "$target" in
		/*)
			# Links into the unpacked tree become relative; links
			# outside it (lib/modules/build) are dropped.
			if [ -e "$root$target" ] || [ -L "$root$target" ]; then
				ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" \
					"$root$target")" "$link"
			else
				rm -f "$link"
			fi
			;;
		esac
	done

	vmlinuz=$root/boot/vmlinuz-$kver
	[ -f "$vmlinuz" ] || die "boot/vmlinuz-$kver missing from $image"
	say "depmod $kver"
	/sbin/depmod -b "$root" "$kver"

	rm -rf "$dest"
	mkdir -p "$dest"
	mv "$root"/* "$dest"/
	touch "$dest/.complete"
fi

cat >"$envfile.tmp" <<EOF
# Generated by scripts/kernel-deps.sh
KABI=$abi
KVER=$kver
KROOT=$dest
KDIR=$dest/usr/src/linux-headers-$kver
VMLINUZ=$dest/boot/vmlinuz-$kver
MODDIR=$dest/lib/modules/$kver
EOF
mv "$envfile.tmp" "$envfile"
cat "$envfile"
