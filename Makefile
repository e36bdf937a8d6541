# SPDX-License-Identifier: GPL-2.0-only
#
# Out-of-tree build of vfio.ko, vfio_iommu_type1.ko and vfio-pci.ko.
#   make                  build the modules for Debian's stock kernel
#   make KVER=<release>   build for another installed Debian kernel
#                         (/usr/src/linux-headers-<release>); KVER=debug is
#                         the cached debug kernel (scripts/debug-kernel.sh)
#   make KDIR=<dir>       build against any kernel build tree
#   make all-kernels      build for every installed Debian kernel with
#                         headers, and for the debug kernel if it is cached
#   make tests            build the test programs into build/tests
#   make tools            build the diagnostic tool, build/vfio-diag/vfio-diag
#                         (tools/vfio-diag; its own `make install` installs
#                         it and its man page)
#   make check            the whole suite, every tier: stock 6.1 and the
#                         backports kernels (ours + reference), then the
#                         debug kernel (ours + KUnit, KASAN, lockdep,
#                         kmemleak); builds the debug kernel if needed
#   make check-quick      the Debian-kernel tiers only (no debug kernel)
#   make demo             boot the testbed and run the edu DMA example
#   make bench            type1 benchmark, ours against the in-tree modules
#                         in one guest boot (tests/bench/run-bench.sh;
#                         BENCH_ARGS= passes options); not a test
#   make install          install the modules into /lib/modules/<release>/
#                         updates/ and modprobe.d/vfio-oot.conf into
#                         /etc/modprobe.d, then depmod (DESTDIR= for a
#                         staging root; KVER=/KDIR= as for the build)
#   make dkms-source      copy the sources dkms builds from (no build
#                         output) to /usr/src/vfio-oot-<version>, for
#                         `dkms install vfio-oot/<version>`
#                         (DKMS_SOURCETREE= for another source tree)
#   make docs             the HTML documentation, Documentation/ built by
#                         sphinx-build -W -n (warnings are errors) into
#                         build/docs/html
#   make lint             checkpatch.pl --strict, sparse, shellcheck
#   make clean            remove build output, including build/
#
# kbuild writes its objects next to the sources of M=, so each kernel gets
# its own copy of the module sources: build/kernel-<release>/ (BUILDDIR).
# Only changed files are copied, so rebuilds stay incremental.  When
# BUILDDIR is this tree itself (dkms builds in its own copy) nothing is
# copied.  scripts/conftest.sh, when present, probes the kernel's API and
# writes <BUILDDIR>/include/generated/vfio_compat_conftest.h before kbuild
# runs.  The kbuild side is ./Kbuild; the testbed is described in
# Documentation/testing.rst.

SRC := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

ifeq ($(KVER),debug)
KDIR := $(shell $(SRC)/scripts/debug-kernel.sh)
endif
ifeq ($(origin KDIR),undefined)
KVER ?= $(shell $(SRC)/scripts/kernel-release.sh)
KDIR := /usr/src/linux-headers-$(KVER)
endif

# The release the modules are built for, as their vermagic will say it:
# UTS_RELEASE of the tree.  (Debian's 6.1 headers answer `make
# kernelrelease` with the upstream 6.1.x, not 6.1.0-N-amd64.)  Computed on
# first use only, so that `make clean` or `make tests` need no kernel.
UTS_SED := s/.*UTS_RELEASE "\(.*\)".*/\1/p
KREL = $(eval KREL := $$(shell sed -n '$$(UTS_SED)' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null))$(KREL)
BUILDDIR ?= $(SRC)/build/kernel-$(KREL)
W ?= 1
TESTS_OUT := $(SRC)/build/tests
# The fuzzer boots on its own (run-guest.sh --fuzz): not in TESTS_OUT.
FUZZ_OUT := $(SRC)/build/fuzz
CONFTEST := $(wildcard $(SRC)/scripts/conftest.sh)
COMPAT_H = $(BUILDDIR)/include/generated/vfio_compat_conftest.h

# What is copied into BUILDDIR: kbuild files and C sources of the modules.
SYNC_DIRS := include vfio_core vfio_iommu_type1 vfio_pci tests/kmod

.PHONY: all modules sync conftest all-kernels tests tools examples check \
	check-quick demo bench lint clean install dkms-source docs

all: modules

sync:
	@test -f $(KDIR)/include/generated/utsrelease.h || { \
		echo "no kernel build tree at '$(KDIR)' (install" \
		     "linux-headers-$(KVER), or give KDIR=)" >&2; exit 1; }
ifneq ($(realpath $(BUILDDIR)),$(realpath $(SRC)))
	@set -e; mkdir -p $(BUILDDIR); cd $(SRC); \
	files=$$(find $(SYNC_DIRS) -type f \( -name Kbuild -o \
		-name Makefile -o -name '*.c' -o -name '*.h' \) \
		! -name '*.mod.c' | sort); \
	for f in Kbuild $$files; do \
		cmp -s "$$f" "$(BUILDDIR)/$$f" || \
			install -D -m 0644 "$$f" "$(BUILDDIR)/$$f"; \
	done; \
	cd $(BUILDDIR); \
	find $(SYNC_DIRS) -type f \( -name Kbuild -o -name Makefile -o \
		-name '*.c' -o -name '*.h' \) ! -name '*.mod.c' \
		! -path 'include/generated/*' | while read -r f; do \
		test -f "$(SRC)/$$f" || { echo "  RM      $$f"; \
			rm -f "$$f" "$${f%.c}.o" "$${f%.c}.ko"; }; \
	done
endif

ifneq ($(CONFTEST),)
$(COMPAT_H): $(CONFTEST) $(KDIR)/include/generated/autoconf.h | sync
	@mkdir -p $(dir $@)
	$(CONFTEST) $(KDIR) $@
conftest: $(COMPAT_H)
else
conftest: sync
endif

# The test modules (tests/kmod, loaded by the tests themselves) build on
# their own into $(BUILDDIR)/tests/kmod; not in a build inside this tree
# (dkms), which ships only the three modules.
modules: sync conftest
	$(MAKE) -C $(KDIR) M=$(abspath $(BUILDDIR)) W=$(W) \
		$(if $(C),C=$(C)) modules
	@if [ "$(realpath $(BUILDDIR))" != "$(realpath $(SRC))" ]; then \
		$(MAKE) -C $(KDIR) M=$(abspath $(BUILDDIR))/tests/kmod \
			W=$(W) $(if $(C),C=$(C)) modules; \
	fi

all-kernels:
	@set -e; for kdir in $$($(SRC)/tests/testbed/kernels.sh --kdirs); do \
		echo "==== modules for $$kdir ===="; \
		$(MAKE) -C $(SRC) --no-print-directory KDIR=$$kdir \
			modules; \
	done

tests:
	$(MAKE) -C tests/uapi O=$(TESTS_OUT)
	$(MAKE) -C tests/examples O=$(TESTS_OUT)
	$(MAKE) -C tests/clients O=$(TESTS_OUT)
	$(MAKE) -C tests/fuzz O=$(FUZZ_OUT)

examples:
	$(MAKE) -C tests/examples O=$(TESTS_OUT)

tools:
	$(MAKE) -C tools/vfio-diag O=$(SRC)/build/vfio-diag

check:
	tests/run-suite.sh

check-quick:
	tests/run-suite.sh --quick

demo: modules examples
	tests/testbed/run-guest.sh --mode demo --kernel $(KREL) \
		--tests $(TESTS_OUT)

bench:
	tests/bench/run-bench.sh --kernel $(KREL) $(BENCH_ARGS)

lint:
	KDIR=$(KDIR) scripts/lint.sh

# KERNELRELEASE is given: Debian's 6.1 headers would name the upstream
# 6.1.x as the directory under /lib/modules (see KREL).
install: modules
	$(MAKE) -C $(KDIR) M=$(abspath $(BUILDDIR)) KERNELRELEASE=$(KREL) \
		INSTALL_MOD_DIR=updates $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) \
		DEPMOD=true modules_install
	install -D -m 0644 $(SRC)/modprobe.d/vfio-oot.conf \
		$(DESTDIR)/etc/modprobe.d/vfio-oot.conf
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KREL)

# What dkms builds from: dkms.conf, the kbuild and C files of the three
# modules and include/, and the scripts dkms.conf runs.
DKMS_VERSION = $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' \
	$(SRC)/dkms.conf)
DKMS_SOURCETREE ?= /usr/src
DKMS_DEST = $(DESTDIR)$(DKMS_SOURCETREE)/vfio-oot-$(DKMS_VERSION)
dkms-source:
	@set -e; rm -rf $(DKMS_DEST); cd $(SRC); \
	files=$$(find include vfio_core vfio_iommu_type1 vfio_pci -type f \
		\( -name Kbuild -o -name Makefile -o -name '*.c' -o \
		-name '*.h' \) ! -name '*.mod.c' \
		! -path 'include/generated/*' | sort); \
	for f in Makefile Kbuild dkms.conf scripts/conftest.sh \
		scripts/dkms-hook.sh modprobe.d/vfio-oot.conf $$files; do \
		install -D -m $$(test -x "$$f" && echo 0755 || echo 0644) \
			"$$f" "$(DKMS_DEST)/$$f"; \
	done; \
	echo "dkms-source: $(DKMS_DEST)"

docs:
	sphinx-build -W -n -q -b html -d $(SRC)/build/docs/doctrees \
		$(SRC)/Documentation $(SRC)/build/docs/html

# Also undoes an in-place build (BUILDDIR = this tree, as dkms does).
clean:
	rm -rf $(SRC)/build $(SRC)/include/generated
	@if [ -f $(KDIR)/Makefile ]; then \
		$(MAKE) -C $(KDIR) M=$(SRC) clean; fi
