#!/bin/bash
# Provisioning: the one place that installs Debian packages or downloads
# anything (`make deps` runs it).  The build targets never do; they fail with
# a message naming `make deps` when something is missing.
#
#   scripts/deps.sh [--check] GROUP...
#     build    compilers and libraries (make, make demo)
#     test     build + test tools and data (make check)
#     kernel   the VM's host tools, Debian's 6.12 headers/kbuild/image
#              (scripts/kernel-deps.sh) and the kselftest harness +
#              checkpatch.pl (tests/kselftest/fetch-harness.sh), cached in
#              $ENPU_CACHE (default /var/cache/enpu)
#     model    build + Python stack that regenerates models/
#   --check  install and download nothing: list what is missing, exit 1 if
#            anything is
#
# README.md says why each package is there.
set -eu

build_pkgs=(gcc make binutils pkg-config libc6-dev linux-libc-dev
	libprotobuf-c-dev protobuf-c-compiler liburing-dev libdrm-dev
	python3-dev python3-numpy)
test_pkgs=(libonnx-testdata valgrind clang libclang-rt-14-dev g++ perl
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static
	debhelper dh-dkms python3-dask python3-distributed)
model_pkgs=(python3-torch python3-onnx python3-sklearn python3-numpy)
CACHE=${ENPU_CACHE:-/var/cache/enpu}
top=$(cd "$(dirname "$0")/.." && pwd)

check=0
kernel=0
want=("${build_pkgs[@]}")
for group in "$@"; do
	case "$group" in
	--check) check=1 ;;
	build) ;;
	test) want+=("${test_pkgs[@]}") ;;
	kernel) kernel=1 ;;
	model) want+=("${model_pkgs[@]}") ;;
	*) echo "deps.sh: unknown group '$group' (build, test, kernel, model)" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ $check -eq 1 ]; then
	if [ $kernel -eq 1 ]; then
		[ -f "$CACHE/kernel.env" ] || missing+=("$CACHE/kernel.env")
		[ -f "$CACHE/kselftest/.complete" ] || missing+=("$CACHE/kselftest")
		[ -f "$CACHE/checkpatch/.complete" ] || missing+=("$CACHE/checkpatch")
	fi
	[ ${#missing[@]} -eq 0 ] && exit 0
	echo "deps.sh: missing ${missing[*]}: run 'make deps' (as root) first" >&2
	exit 1
fi

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps.sh: installing ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing packages and not root: apt-get install ${missing[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ $kernel -eq 1 ]; then
	"$top/scripts/kernel-deps.sh" >/dev/null
	"$top/tests/kselftest/fetch-harness.sh" >/dev/null
fi
exit 0
