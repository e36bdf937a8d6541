# SPDX-License-Identifier: GPL-2.0-only
#
# Out-of-tree build of vfio.ko, vfio_iommu_type1.ko and vfio-pci.ko.
#   make                  build the modules for Debian's stock kernel
#   make KVER=<release>   build for another installed kernel
#   make KDIR=<dir>       build against any kernel build tree
# The kbuild side of the build is in ./Kbuild.

KVER ?= $(shell $(CURDIR)/scripts/kernel-release.sh)
KDIR ?= /usr/src/linux-headers-$(KVER)
W ?= 1

.PHONY: all modules clean

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
