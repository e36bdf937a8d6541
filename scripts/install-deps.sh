#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install every Debian 12 package the build, the lint, the tests and the
# QEMU testbed use, for both kernels the project targets:
#   - Debian's stock kernel (linux-image-amd64 + linux-headers-amd64 from
#     bookworm: the metapackages must keep pointing at it, because
#     scripts/kernel-release.sh takes the stock release from them);
#   - the bookworm-backports kernel: the suite is enabled (same mirror as
#     the machine's Debian source, in a file of our own under
#     /etc/apt/sources.list.d/) and the release the backports
#     linux-image-amd64 depends on is installed by name, never the
#     backports metapackages;
#   - the packages to build the debug kernel (scripts/debug-kernel.sh).
# Idempotent: when everything is installed it runs only dpkg-query and
# apt-cache and returns.  Runs as root (CI); otherwise through sudo.
set -euo pipefail

packages=(
	# build the modules against Debian's stock kernel
	linux-image-amd64 linux-headers-amd64 gcc make kmod
	# checkpatch.pl, kselftest_harness.h and kunit.py come from here
	linux-source-6.1 perl python3
	# build the debug kernel from linux-source-6.1
	bc flex bison libelf-dev libssl-dev
	# lint
	sparse shellcheck
	# static test programs
	libc6-dev linux-libc-dev
	# the QEMU testbed
	qemu-system-x86 busybox-static cpio gzip xz-utils zstd file
	coreutils
	# the real clients run in the testbed (tests/clients): dpdk-testpmd,
	# dpdk-devbind.py (which runs lspci), driverctl
	dpdk dpdk-dev pciutils driverctl
	# the dkms package, tested in a scratch dkms tree (tests/dkms)
	dkms
	# the documentation (make docs: sphinx-build -W -n)
	python3-sphinx
)

BACKPORTS=bookworm-backports
OUR_SOURCE=/etc/apt/sources.list.d/vfio-oot-$BACKPORTS.sources

say() {
	echo "install-deps: $*"
}

die() {
	echo "install-deps: $*" >&2
	exit 1
}

sudo=()
as_root() {
	if [ "$(id -u)" != 0 ] && [ ${#sudo[@]} = 0 ]; then
		command -v sudo >/dev/null ||
			die "run as root (sudo not found)"
		sudo=(sudo)
	fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive "$@"
}

updated=0
apt_update() {
	[ $updated = 0 ] || return 0
	updated=1
	# Extra apt sources on the machine (vendor repositories) may fail to
	# update; that is fine as long as the Debian sources work, which the
	# installs below prove.
	if ! as_root apt-get update; then
		echo "install-deps: warning: apt-get update reported errors;" \
		     "trying the install anyway" >&2
	fi
}

installed() {
	local status
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null ||
		 true)
	case $status in
	ii*) return 0 ;;
	*) return 1 ;;
	esac
}

# The apt source lines of the machine, one "suite uri signed-by" a line,
# from both the one-line and the deb822 formats.
apt_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" {
			i = 2
			signed = ""
			if ($i ~ /^\[/) {
				while (i <= NF) {
					if ($i ~ /signed-by=/) {
						signed = $i
						sub(/.*signed-by=/, "", signed)
						sub(/\].*/, "", signed)
					}
					if ($i ~ /\]$/) { i++; break }
					i++
				}
			}
			print $(i + 1), $i, (signed == "" ? "-" : signed)
		}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
		function flush(i, n, s) {
			if (types ~ /(^| )deb( |$)/ && uris != "" && enabled != "no") {
				n = split(suites, s, " ")
				for (i = 1; i <= n; i++)
					print s[i], uris, (signed == "" ? "-" : signed)
			}
			types = uris = suites = signed = enabled = ""
		}
		/^[ \t]*$/ { flush(); next }
		/^#/ { next }
		/^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
		/^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $1 }
		/^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
		/^Signed-By:/ { sub(/^Signed-By:[ \t]*/, ""); signed = $1 }
		/^Enabled:/ { sub(/^Enabled:[ \t]*/, ""); enabled = $1 }
		END { flush() }' "$f"
	done
}

# Enable bookworm-backports unless some source already provides it.
enable_backports() {
	local line uri signed
	if apt_sources | awk -v s="$BACKPORTS" '$1 == s { f = 1 } END { exit !f }'; then
		return 0
	fi
	line=$(apt_sources | awk '$1 == "bookworm" { print; exit }')
	[ -n "$line" ] ||
		die "no Debian bookworm apt source found to take the mirror from"
	read -r _ uri signed <<<"$line"
	say "enabling $BACKPORTS from $uri in $OUR_SOURCE"
	{
		echo "# Written by vfio-oot scripts/install-deps.sh: Debian's"
		echo "# $BACKPORTS suite, for its 6.12 kernel."
		echo "Types: deb"
		echo "URIs: $uri"
		echo "Suites: $BACKPORTS"
		echo "Components: main"
		[ "$signed" = - ] || echo "Signed-By: $signed"
	} | as_root tee "$OUR_SOURCE" >/dev/null
	updated=0
	apt_update
}

# The kernel release the backports linux-image-amd64 depends on, e.g.
# 6.12.95+deb12-amd64; empty if apt does not know the suite (yet).
backports_release() {
	local ver
	ver=$(apt-cache madison linux-image-amd64 2>/dev/null |
	      awk -F'|' -v s="$BACKPORTS/" 'index($3, s) { gsub(/ /, "", $2); print $2 }' |
	      sort -V | tail -n 1)
	[ -n "$ver" ] || return 0
	apt-cache show "linux-image-amd64=$ver" 2>/dev/null |
		sed -n 's/^Depends:.*linux-image-\([^ ,]*\).*/\1/p' | head -n 1
}

# The newest linux-image-amd64 outside backports: the stock kernel.
stock_meta_version() {
	apt-cache madison linux-image-amd64 2>/dev/null |
		awk -F'|' '$3 !~ /-backports/ { gsub(/ /, "", $2); print $2 }' |
		sort -V | tail -n 1
}

# 1. The plain package list.
missing=()
for pkg in "${packages[@]}"; do
	installed "$pkg" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	apt_update
	as_root apt-get install -y --no-install-recommends "${missing[@]}"
fi

# 2. The metapackages must be the stock (non-backports) ones.
meta=$(dpkg-query -W -f='${Version}' linux-image-amd64 linux-headers-amd64 |
       tr '\n' ' ')
case $meta in
*bpo*)
	want=$(stock_meta_version)
	[ -n "$want" ] || die "apt knows no stock linux-image-amd64"
	say "linux-image/headers-amd64 point at backports; back to $want"
	as_root apt-get install -y --no-install-recommends --allow-downgrades \
		"linux-image-amd64=$want" "linux-headers-amd64=$want"
	;;
esac

# 3. The backports kernel, by name.
enable_backports
rel=$(backports_release)
if [ -z "$rel" ]; then
	updated=0
	apt_update
	rel=$(backports_release)
fi
[ -n "$rel" ] || die "apt knows no $BACKPORTS linux-image-amd64"
kpkgs=()
for pkg in "linux-image-$rel" "linux-headers-$rel"; do
	installed "$pkg" || kpkgs+=("$pkg")
done
if [ ${#kpkgs[@]} -gt 0 ]; then
	say "installing the $BACKPORTS kernel ${kpkgs[*]}"
	apt_update
	as_root apt-get install -y --no-install-recommends -t "$BACKPORTS" \
		"${kpkgs[@]}"
fi

say "all ${#packages[@]} packages and the $BACKPORTS kernel $rel are installed"
