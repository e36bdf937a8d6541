// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: the per-byte permission tables of the config space.
 *
 * Every byte of the config space has a virt mask and a write mask
 * (struct vpci_cfg_perm).  A read takes the virt bits from vconfig and
 * the other bits from the hardware; a write stores the writable virt
 * bits in vconfig, sends the writable non-virt bits to the hardware and
 * drops the rest.  The tables are built per device at open from the
 * capability chains found in the hardware:
 *   - the standard header follows the rules of 6.1's vfio-pci (IDs and
 *     header read-only, BARs and ROM BAR fully virtual, DisINTx virtual);
 *   - every capability header (ID and next pointer, or the extended
 *     capability dword) is virtual and read-only;
 *   - MSI is fully virtual except its mask/pending bits; MSI-X control
 *     reads from the hardware and ignores writes; the PM power state and
 *     PME bits are virtual; the PCIe FLR bit is ignored;
 *   - every other byte is passed through (raw read and write).
 * A capability table added later only has to fill its own bytes here.
 * Capability ranges are [pos, pos + len): open at the end.
 */
#include <linux/pci.h>
#include <linux/slab.h>

#include "vfio_pci_priv.h"

#define VPCI_ALL	0xffffffffU
#define VPCI_NONE	0U

/* Apply little-endian masks to the @len bytes at @pos. */
static void vpci_perm_set(struct vfio_pci_dev *vp, int pos, int len,
			  u32 virt, u32 write)
{
	int i;

	if (pos < 0 || pos + len > vp->pdev->cfg_size)
		return;
	for (i = 0; i < len; i++) {
		vp->perm.virt[pos + i] = virt >> (8 * i);
		vp->perm.write[pos + i] = write >> (8 * i);
	}
}

static void vpci_perm_header(struct vfio_pci_dev *vp)
{
	int bar;

	/* Read-only from the hardware unless said otherwise below */
	vpci_perm_set(vp, 0, PCI_STD_HEADER_SIZEOF, VPCI_NONE, VPCI_NONE);

	vpci_perm_set(vp, PCI_VENDOR_ID, 2, VPCI_ALL, VPCI_NONE);
	vpci_perm_set(vp, PCI_DEVICE_ID, 2, VPCI_ALL, VPCI_NONE);
	/* DisINTx is ours: it masks INTx for the user, emulated */
	vpci_perm_set(vp, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE, VPCI_ALL);
	vpci_perm_set(vp, PCI_STATUS, 2, PCI_STATUS_CAP_LIST, VPCI_NONE);
	vpci_perm_set(vp, PCI_CACHE_LINE_SIZE, 1, VPCI_NONE, VPCI_ALL);
	vpci_perm_set(vp, PCI_LATENCY_TIMER, 1, VPCI_NONE, VPCI_ALL);
	vpci_perm_set(vp, PCI_BIST, 1, VPCI_NONE, VPCI_ALL);
	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		vpci_perm_set(vp, PCI_BASE_ADDRESS_0 + 4 * bar, 4, VPCI_ALL,
			      VPCI_ALL);
	vpci_perm_set(vp, PCI_ROM_ADDRESS, 4, VPCI_ALL, VPCI_ALL);
	vpci_perm_set(vp, PCI_CAPABILITY_LIST, 1, VPCI_ALL, VPCI_NONE);
	vpci_perm_set(vp, PCI_INTERRUPT_LINE, 1, VPCI_ALL, VPCI_ALL);
	vpci_perm_set(vp, PCI_INTERRUPT_PIN, 1, VPCI_ALL, VPCI_NONE);
}

/* Length of the MSI capability, from its flags. */
static int vpci_msi_len(u16 flags)
{
	if (flags & PCI_MSI_FLAGS_64BIT)
		return flags & PCI_MSI_FLAGS_MASKBIT ? PCI_MSI_PENDING_64 + 4 :
						       PCI_MSI_DATA_64 + 2;
	return flags & PCI_MSI_FLAGS_MASKBIT ? PCI_MSI_PENDING_32 + 4 :
					       PCI_MSI_DATA_32 + 2;
}

/*
 * MSI: the kernel programs the hardware through SET_IRQS; the user only
 * sees and changes a virtual copy.  The enable bit follows SET_IRQS.
 */
static void vpci_perm_msi(struct vfio_pci_dev *vp, int pos)
{
	__le16 *vflags = (__le16 *)&vp->vconfig[pos + PCI_MSI_FLAGS];
	u16 flags = le16_to_cpu(*vflags);
	bool is64 = flags & PCI_MSI_FLAGS_64BIT;
	int mask = is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;

	vpci_perm_set(vp, pos, vpci_msi_len(flags), VPCI_ALL, VPCI_NONE);
	vpci_perm_set(vp, pos + PCI_MSI_FLAGS, 2, VPCI_ALL,
		      PCI_MSI_FLAGS_QSIZE);
	vpci_perm_set(vp, pos + PCI_MSI_ADDRESS_LO, 4, VPCI_ALL, VPCI_ALL);
	if (is64) {
		vpci_perm_set(vp, pos + PCI_MSI_ADDRESS_HI, 4, VPCI_ALL,
			      VPCI_ALL);
		vpci_perm_set(vp, pos + PCI_MSI_DATA_64, 2, VPCI_ALL, VPCI_ALL);
	} else {
		vpci_perm_set(vp, pos + PCI_MSI_DATA_32, 2, VPCI_ALL, VPCI_ALL);
	}
	if (flags & PCI_MSI_FLAGS_MASKBIT) {
		vpci_perm_set(vp, pos + mask, 4, VPCI_NONE, VPCI_ALL);
		vpci_perm_set(vp, pos + mask + 4, 4, VPCI_NONE, VPCI_NONE);
	}

	/* The user starts with MSI disabled and one message enabled. */
	*vflags = cpu_to_le16(flags & ~(PCI_MSI_FLAGS_ENABLE |
					PCI_MSI_FLAGS_QSIZE));
}

/* MSI-X: control and table location read from the hardware, no writes. */
static void vpci_perm_msix(struct vfio_pci_dev *vp, int pos)
{
	vpci_perm_set(vp, pos + PCI_MSIX_FLAGS, PCI_CAP_MSIX_SIZEOF - 2,
		      VPCI_NONE, VPCI_NONE);
}

/*
 * PM: PME cannot be handled by the user, and power-state changes are
 * recorded but not made: the device stays in D0 while it is open.
 */
static void vpci_perm_pm(struct vfio_pci_dev *vp, int pos)
{
	__le16 *pmc = (__le16 *)&vp->vconfig[pos + PCI_PM_PMC];
	__le16 *ctrl = (__le16 *)&vp->vconfig[pos + PCI_PM_CTRL];

	vpci_perm_set(vp, pos + PCI_PM_PMC, 2, PCI_PM_CAP_PME_MASK, VPCI_NONE);
	vpci_perm_set(vp, pos + PCI_PM_CTRL, 4,
		      PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS |
		      PCI_PM_CTRL_STATE_MASK,
		      ~(PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS));

	*pmc &= ~cpu_to_le16(PCI_PM_CAP_PME_MASK);
	*ctrl &= ~cpu_to_le16(PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS);
}

/* PCIe: an FLR started by the user would bypass our reset handling. */
static void vpci_perm_exp(struct vfio_pci_dev *vp, int pos)
{
	__le16 *devctl = (__le16 *)&vp->vconfig[pos + PCI_EXP_DEVCTL];

	vpci_perm_set(vp, pos + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR,
		      0xffffU & ~PCI_EXP_DEVCTL_BCR_FLR);
	*devctl &= ~cpu_to_le16(PCI_EXP_DEVCTL_BCR_FLR);
}

/* A malformed chain must not make us look past the standard space. */
static bool vpci_cap_fits(int pos, int len)
{
	return pos + len <= PCI_CFG_SPACE_SIZE;
}

/* Walk the standard capability list as the hardware has it. */
static void vpci_perm_caps(struct vfio_pci_dev *vp)
{
	int ttl = (PCI_CFG_SPACE_SIZE - PCI_STD_HEADER_SIZEOF) / PCI_CAP_SIZEOF;
	u8 pos;

	if (!(vp->vconfig[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return;

	pos = vp->vconfig[PCI_CAPABILITY_LIST];
	while (ttl-- > 0) {
		u8 id;

		pos &= ~3;
		if (pos < PCI_STD_HEADER_SIZEOF)
			break;
		id = vp->vconfig[pos + PCI_CAP_LIST_ID];
		if (id == 0xff)
			break;

		vpci_perm_set(vp, pos, 2, VPCI_ALL, VPCI_NONE);
		switch (id) {
		case PCI_CAP_ID_MSI:
			if (vpci_cap_fits(pos, vpci_msi_len(le16_to_cpup((__le16 *)
					  &vp->vconfig[pos + PCI_MSI_FLAGS]))))
				vpci_perm_msi(vp, pos);
			break;
		case PCI_CAP_ID_MSIX:
			if (vpci_cap_fits(pos, PCI_CAP_MSIX_SIZEOF))
				vpci_perm_msix(vp, pos);
			break;
		case PCI_CAP_ID_PM:
			if (vpci_cap_fits(pos, PCI_PM_SIZEOF))
				vpci_perm_pm(vp, pos);
			break;
		case PCI_CAP_ID_EXP:
			if (vpci_cap_fits(pos, PCI_EXP_DEVCTL + 2))
				vpci_perm_exp(vp, pos);
			break;
		default:
			break;
		}
		pos = vp->vconfig[pos + PCI_CAP_LIST_NEXT];
	}
}

/* Walk the extended capability list: headers read-only. */
static void vpci_perm_ext_caps(struct vfio_pci_dev *vp)
{
	int ttl = (PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / 8;
	int pos = PCI_CFG_SPACE_SIZE;

	if (vp->pdev->cfg_size <= PCI_CFG_SPACE_SIZE)
		return;

	while (ttl-- > 0) {
		u32 header = le32_to_cpup((__le32 *)&vp->vconfig[pos]);

		if (!header || header == ~0U)
			break;
		vpci_perm_set(vp, pos, 4, VPCI_ALL, VPCI_NONE);
		pos = PCI_EXT_CAP_NEXT(header);
		if (pos < PCI_CFG_SPACE_SIZE)
			break;
	}
}

/**
 * vpci_perm_build() - build the permission tables of an open device
 * @vp: device whose vconfig holds a copy of the hardware config space
 *
 * Also adjusts the virtual values of the capabilities it virtualizes.
 *
 * Return: 0 or -ENOMEM.
 */
int vpci_perm_build(struct vfio_pci_dev *vp)
{
	int size = vp->pdev->cfg_size;

	vp->perm.virt = kzalloc(size, GFP_KERNEL);
	if (!vp->perm.virt)
		return -ENOMEM;
	vp->perm.write = kzalloc(size, GFP_KERNEL);
	if (!vp->perm.write)
		goto err_free_virt;

	/* Everything outside the header: raw pass-through by default */
	memset(vp->perm.write + PCI_STD_HEADER_SIZEOF, 0xff,
	       size - PCI_STD_HEADER_SIZEOF);
	vpci_perm_header(vp);
	vpci_perm_caps(vp);
	vpci_perm_ext_caps(vp);
	return 0;

err_free_virt:
	kfree(vp->perm.virt);
	vp->perm.virt = NULL;
	return -ENOMEM;
}
EXPORT_SYMBOL_IF_KUNIT(vpci_perm_build);

/**
 * vpci_perm_free() - free what vpci_perm_build() allocated
 * @vp: a device being closed
 */
void vpci_perm_free(struct vfio_pci_dev *vp)
{
	kfree(vp->perm.write);
	kfree(vp->perm.virt);
	vp->perm.write = NULL;
	vp->perm.virt = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vpci_perm_free);
