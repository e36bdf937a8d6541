#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install every Debian 12 package the build, the lint, the tests and the
# QEMU testbed use.  Idempotent: when everything is already installed it
# only runs dpkg-query and returns.  Runs as root (CI); otherwise through
# sudo.
set -euo pipefail

packages=(
	# build the modules against Debian's stock kernel
	linux-image-amd64 linux-headers-amd64 gcc make kmod
	# checkpatch.pl, kselftest_harness.h and kunit.py come from here
	linux-source-6.1 perl python3
	# lint
	sparse shellcheck
	# static test programs
	libc6-dev linux-libc-dev
	# the QEMU testbed
	qemu-system-x86 busybox-static cpio gzip xz-utils zstd file
	coreutils
)

missing=()
for pkg in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
	case $status in
	ii*) ;;
	*) missing+=("$pkg") ;;
	esac
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages are installed"
	exit 0
fi

sudo=()
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null ||
		{ echo "install-deps: run as root (sudo not found)" >&2; exit 1; }
	sudo=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Extra apt sources on the machine (vendor repositories) may fail to
# update; that is fine as long as the Debian sources work, which the
# install below proves.
if ! "${sudo[@]}" apt-get update; then
	echo "install-deps: warning: apt-get update reported errors;" \
	     "trying the install anyway" >&2
fi
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-deps: done"
