#!/bin/bash
# Install the Debian packages ENPU needs, only those missing.
#   scripts/deps.sh build   compilers and libraries (make, make demo)
#   scripts/deps.sh test    build + test tools and data (make check)
#   scripts/deps.sh model   build + Python stack that regenerates models/
# README.md says why each package is there.
set -eu

build_pkgs=(gcc make binutils pkg-config libc6-dev linux-libc-dev
	libprotobuf-c-dev protobuf-c-compiler liburing-dev libdrm-dev)
test_pkgs=(libonnx-testdata valgrind clang libclang-rt-14-dev g++ perl)
model_pkgs=(python3-torch python3-onnx python3-sklearn python3-numpy)

want=("${build_pkgs[@]}")
for group in "$@"; do
	case "$group" in
	build) ;;
	test) want+=("${test_pkgs[@]}") ;;
	model) want+=("${model_pkgs[@]}") ;;
	*) echo "deps.sh: unknown group '$group' (build, test, model)" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages and not root: apt-get install ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
