// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: the VGA region of a VGA-class device.
 *
 * The region is 0xc0000 bytes and maps the legacy VGA ranges at their
 * own addresses: memory [0xa0000, 0xc0000) and I/O ports [0x3b0, 0x3bc)
 * and [0x3c0, 0x3e0), all open at the end; anything else is -EINVAL.
 * An access is clipped to the end of the range it starts in and runs
 * while the VGA arbiter gives us that resource.
 *
 * Every VGA-class device bound to vfio-pci (has_vga or not) is a client
 * of the VGA arbiter from probe to remove, and takes the device from any
 * firmware framebuffer or VGA console first, as 6.1 does.
 */
#include <linux/aperture.h>
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/vgaarb.h>

#include "vfio_pci_priv.h"

#define VPCI_VGA_MEM_START	0xa0000
#define VPCI_VGA_MEM_END	0xc0000
#define VPCI_VGA_IO_LO_START	0x3b0
#define VPCI_VGA_IO_LO_END	0x3bc
#define VPCI_VGA_IO_HI_START	0x3c0
#define VPCI_VGA_IO_HI_END	0x3e0

/**
 * vpci_vga_rw() - read or write the VGA region
 * @vp: an open device with has_vga
 * @buf: user buffer
 * @count: bytes to access
 * @ppos: region-encoded offset, advanced by what was done
 * @iswrite: direction
 *
 * Return: bytes done or a negative errno.
 */
ssize_t vpci_vga_rw(struct vfio_pci_dev *vp, char __user *buf, size_t count,
		    loff_t *ppos, bool iswrite)
{
	loff_t pos = *ppos & VPCI_OFFSET_MASK;
	void __iomem *io;
	unsigned int rsrc;
	bool is_ioport;
	loff_t start;
	ssize_t ret;

	if (!vp->has_vga)
		return -EINVAL;

	if (pos >= VPCI_VGA_MEM_START && pos < VPCI_VGA_MEM_END) {
		start = VPCI_VGA_MEM_START;
		count = min_t(u64, count, VPCI_VGA_MEM_END - pos);
		io = ioremap(start, VPCI_VGA_MEM_END - start);
		rsrc = VGA_RSRC_LEGACY_MEM;
		is_ioport = false;
	} else if (pos >= VPCI_VGA_IO_LO_START && pos < VPCI_VGA_IO_LO_END) {
		start = VPCI_VGA_IO_LO_START;
		count = min_t(u64, count, VPCI_VGA_IO_LO_END - pos);
		io = ioport_map(start, VPCI_VGA_IO_LO_END - start);
		rsrc = VGA_RSRC_LEGACY_IO;
		is_ioport = true;
	} else if (pos >= VPCI_VGA_IO_HI_START && pos < VPCI_VGA_IO_HI_END) {
		start = VPCI_VGA_IO_HI_START;
		count = min_t(u64, count, VPCI_VGA_IO_HI_END - pos);
		io = ioport_map(start, VPCI_VGA_IO_HI_END - start);
		rsrc = VGA_RSRC_LEGACY_IO;
		is_ioport = true;
	} else {
		return -EINVAL;
	}
	if (!io)
		return -ENOMEM;

	ret = vga_get_interruptible(vp->pdev, rsrc);
	if (ret)
		goto out_unmap;

	ret = vpci_io_rw(vp, io, buf, pos - start, count, 0, 0, false,
			 iswrite);
	vga_put(vp->pdev, rsrc);
	if (ret > 0)
		*ppos += ret;

out_unmap:
	if (is_ioport)
		ioport_unmap(io);
	else
		iounmap(io);
	return ret;
}

static bool vpci_is_vga(struct pci_dev *pdev)
{
	return (pdev->class >> 8) == PCI_CLASS_DISPLAY_VGA;
}

/*
 * The arbiter's set_decode callback.  The device keeps its legacy ranges
 * unless disable_vga hides them from the user and nothing else can need
 * them from this device: it is not the only VGA device, not on a root bus,
 * and no bridge sits on its bus or below (the upstream bridge's VGA Enable
 * can then route the legacy ranges elsewhere).
 */
static unsigned int vpci_vga_set_decode(struct pci_dev *pdev, bool single_vga)
{
	const unsigned int all = VGA_RSRC_NORMAL_IO | VGA_RSRC_NORMAL_MEM |
				 VGA_RSRC_LEGACY_IO | VGA_RSRC_LEGACY_MEM;
	struct pci_dev *bridge = NULL;
	unsigned char first, last;

	if (single_vga || !vpci_disable_vga || pci_is_root_bus(pdev->bus))
		return all;

	first = pdev->bus->number;
	last = pci_bus_max_busnr(pdev->bus);
	while ((bridge = pci_get_class(PCI_CLASS_BRIDGE_PCI << 8, bridge))) {
		if (pci_domain_nr(bridge->bus) != pci_domain_nr(pdev->bus) ||
		    pci_is_root_bus(bridge->bus))
			continue;
		if (bridge->bus->number >= first &&
		    bridge->bus->number <= last) {
			pci_dev_put(bridge);
			return all;
		}
	}
	return VGA_RSRC_NORMAL_IO | VGA_RSRC_NORMAL_MEM;
}

/**
 * vpci_vga_init() - make a VGA-class device an arbiter client
 * @vp: the device being probed
 *
 * Removes firmware framebuffers and the VGA console that use the device,
 * registers vpci_vga_set_decode() and tells the arbiter what the device
 * decodes.  Nothing for a device of another class.
 *
 * Return: 0 or a negative errno.
 */
int vpci_vga_init(struct vfio_pci_dev *vp)
{
	struct pci_dev *pdev = vp->pdev;
	int ret;

	if (!vpci_is_vga(pdev))
		return 0;

	ret = aperture_remove_conflicting_pci_devices(pdev, "vfio-pci");
	if (ret)
		return ret;
	ret = vga_client_register(pdev, vpci_vga_set_decode);
	if (ret)
		return ret;
	vga_set_legacy_decoding(pdev, vpci_vga_set_decode(pdev, false));
	return 0;
}

/**
 * vpci_vga_uninit() - undo vpci_vga_init()
 * @vp: the device being removed
 *
 * The device decodes everything again, as before it was bound.
 */
void vpci_vga_uninit(struct vfio_pci_dev *vp)
{
	struct pci_dev *pdev = vp->pdev;

	if (!vpci_is_vga(pdev))
		return;

	vga_client_unregister(pdev);
	vga_set_legacy_decoding(pdev, VGA_RSRC_NORMAL_IO | VGA_RSRC_NORMAL_MEM |
				VGA_RSRC_LEGACY_IO | VGA_RSRC_LEGACY_MEM);
}
