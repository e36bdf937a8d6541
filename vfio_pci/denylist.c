// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: devices the driver refuses to bind unless told otherwise.
 *
 * These functions have errata that let whoever drives them hurt the
 * host's stability or security, so handing them to an untrusted user is
 * refused by default, as the in-tree 6.1 driver does.  The list is the
 * 6.1 one.  The module parameter disable_denylist=1 (main.c) lifts the
 * refusal; probe then only warns.
 */
#include <linux/pci.h>

#include "vfio_pci_priv.h"

static const struct pci_device_id vpci_denylist[] = {
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_C3XXX) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_C3XXX_VF) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_C62X) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_C62X_VF) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_DH895XCC) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_DH895XCC_VF) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_DSA_SPR0) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_IAX_SPR0) },
	{}
};

/**
 * vpci_id_in_denylist() - is vendor:device on the denylist
 * @vendor: PCI vendor id
 * @device: PCI device id
 *
 * Return: true for a listed id, whatever disable_denylist says.
 */
VISIBLE_IF_KUNIT bool vpci_id_in_denylist(u16 vendor, u16 device)
{
	const struct pci_device_id *id;

	for (id = vpci_denylist; id->vendor; id++) {
		if (id->vendor == vendor && id->device == device)
			return true;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(vpci_id_in_denylist);

/**
 * vpci_denylisted() - must probe refuse @pdev
 * @pdev: a device offered to the driver
 *
 * Warns for a listed device, naming the parameter that decides.
 *
 * Return: true if @pdev is listed and disable_denylist is not set.
 */
bool vpci_denylisted(struct pci_dev *pdev)
{
	if (!vpci_id_in_denylist(pdev->vendor, pdev->device))
		return false;

	if (vpci_disable_denylist) {
		pci_warn(pdev,
			 "%04x:%04x is on the vfio-pci denylist (known errata), allowed because disable_denylist=1\n",
			 pdev->vendor, pdev->device);
		return false;
	}

	pci_warn(pdev,
		 "%04x:%04x is on the vfio-pci denylist (known errata that an untrusted user could exploit): not binding; load vfio-pci with disable_denylist=1 to allow it\n",
		 pdev->vendor, pdev->device);
	return true;
}
