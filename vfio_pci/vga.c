// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: the VGA region of a VGA-class device.
 *
 * The region is 0xc0000 bytes and maps the legacy VGA ranges at their
 * own addresses: memory [0xa0000, 0xc0000) and I/O ports [0x3b0, 0x3bc)
 * and [0x3c0, 0x3e0), all open at the end; anything else is -EINVAL.
 * An access is clipped to the end of the range it starts in and runs
 * while the VGA arbiter gives us that resource.
 */
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
