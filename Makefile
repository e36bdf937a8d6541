# SPDX-License-Identifier: GPL-2.0-only
#
# Out-of-tree build of vfio.ko, vfio_iommu_type1.ko and vfio-pci.ko.
#   make                  build the modules for Debian's stock kernel
#   make KVER=<release>   build for another installed kernel
#   make KDIR=<dir>       build against any kernel build tree
#   make tests            build the test programs into build/tests
#   make check            the whole suite: build, then boot the QEMU
#                         testbed with our modules and with the in-tree ones
#   make check-quick      the same, for now
#   make demo             boot the testbed and run the edu DMA example
#   make lint             checkpatch.pl --strict, sparse, shellcheck
#   make clean            remove build output, including build/
# The kbuild side of the build is in ./Kbuild; the testbed is described in
# Documentation/testing.rst.

KVER ?= $(shell $(CURDIR)/scripts/kernel-release.sh)
KDIR ?= /usr/src/linux-headers-$(KVER)
W ?= 1
TESTS_OUT := $(CURDIR)/build/tests

.PHONY: all modules tests examples check check-quick demo lint clean

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) modules

tests:
	$(MAKE) -C tests/uapi O=$(TESTS_OUT)
	$(MAKE) -C tests/examples O=$(TESTS_OUT)

examples:
	$(MAKE) -C tests/examples O=$(TESTS_OUT)

check:
	KVER=$(KVER) tests/run-suite.sh

check-quick:
	KVER=$(KVER) tests/run-suite.sh

demo: modules examples
	tests/testbed/run-guest.sh --mode demo --kernel $(KVER) \
		--tests $(TESTS_OUT)

lint:
	KDIR=$(KDIR) scripts/lint.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(CURDIR)/build
