// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: read()/write() on the regions of a device.
 *
 * Offsets within a region are open ranges [pos, end): end is the region
 * size and pos < end is checked before any access; count is clipped to
 * end - pos, so pos + count never wraps (pos < 2^40, count <= end).
 * BAR accesses are split into naturally aligned 4/2/1-byte I/O
 * operations; the bytes of the MSI-X table, [msix_offset, msix_offset +
 * msix_size), never reach the device (reads return 0xff, writes are
 * dropped).  Memory BARs are only touched while the virtual command
 * register has memory decoding enabled (memory_lock held for reading),
 * else -EIO.  User memory is never touched with memory_lock held: data
 * goes through a bounce buffer.
 */
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/uaccess.h>

#include "vfio_pci_priv.h"

/**
 * vpci_bar_map() - claim a BAR and map it into the kernel, once
 * @vp: an open device
 * @bar: 0..5, a BAR with a non-zero size
 *
 * Return: 0 or a negative errno; the mapping stays until close.
 */
int vpci_bar_map(struct vfio_pci_dev *vp, int bar)
{
	struct pci_dev *pdev = vp->pdev;
	void __iomem *io;
	int ret = 0;

	mutex_lock(&vp->bar_lock);
	if (vp->barmap[bar])
		goto out_unlock;

	ret = pci_request_selected_regions(pdev, 1 << bar, "vfio");
	if (ret)
		goto out_unlock;

	io = pci_iomap(pdev, bar, 0);
	if (!io) {
		ret = -ENOMEM;
		goto err_release;
	}
	vp->barmap[bar] = io;
	goto out_unlock;

err_release:
	pci_release_selected_regions(pdev, 1 << bar);
out_unlock:
	mutex_unlock(&vp->bar_lock);
	return ret;
}

/**
 * vpci_bars_release() - unmap and release every BAR claimed since open
 * @vp: a device being closed; no user mapping or access is left
 */
void vpci_bars_release(struct vfio_pci_dev *vp)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		if (!vp->barmap[bar])
			continue;
		pci_iounmap(vp->pdev, vp->barmap[bar]);
		pci_release_selected_regions(vp->pdev, 1 << bar);
		vp->barmap[bar] = NULL;
	}
}

/*
 * A memory BAR smaller than a page can still be mmapped when it starts
 * on a page boundary: we reserve the rest of its page, [res->end + 1,
 * res->start + PAGE_SIZE - 1], so that no other BAR is placed there.
 */
static bool vpci_bar_reserve_page_tail(struct vfio_pci_dev *vp, int bar)
{
	struct resource *res = &vp->pdev->resource[bar];
	struct resource *tail = &vp->bar_tail[bar];

	if (res->start & ~PAGE_MASK || !res->parent)
		return false;

	memset(tail, 0, sizeof(*tail));
	tail->name = "vfio sub-page reserved";
	tail->start = res->end + 1;
	tail->end = res->start + PAGE_SIZE - 1;
	tail->flags = res->flags;
	return !request_resource(res->parent, tail);
}

/**
 * vpci_bar_mmap_probe() - decide which BARs user space may mmap
 * @vp: a device being opened
 *
 * Memory BARs of at least one page are mappable, and smaller ones that
 * start a page whose tail we could reserve.  Also records where the
 * MSI-X table lives.  vpci_bar_mmap_release() undoes the reservations.
 */
void vpci_bar_mmap_probe(struct vfio_pci_dev *vp)
{
	struct pci_dev *pdev = vp->pdev;
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		struct resource *res = &pdev->resource[bar];

		vp->bar_mmap_ok[bar] = false;
		vp->bar_tail_held[bar] = false;
		if (!(res->flags & IORESOURCE_MEM) || !resource_size(res))
			continue;
		if (resource_size(res) >= PAGE_SIZE) {
			vp->bar_mmap_ok[bar] = true;
			continue;
		}
		vp->bar_tail_held[bar] = vpci_bar_reserve_page_tail(vp, bar);
		vp->bar_mmap_ok[bar] = vp->bar_tail_held[bar];
	}

	vp->msix_bar = -1;
	if (pdev->msix_cap) {
		u32 table;
		u16 flags;

		pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS,
				     &flags);
		pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_TABLE,
				      &table);
		vp->msix_bar = table & PCI_MSIX_TABLE_BIR;
		vp->msix_offset = table & PCI_MSIX_TABLE_OFFSET;
		vp->msix_size = ((flags & PCI_MSIX_FLAGS_QSIZE) + 1) *
				PCI_MSIX_ENTRY_SIZE;
	}
}

/**
 * vpci_bar_mmap_release() - drop the sub-page reservations at close
 * @vp: a device being closed
 */
void vpci_bar_mmap_release(struct vfio_pci_dev *vp)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		if (vp->bar_tail_held[bar])
			release_resource(&vp->bar_tail[bar]);
		vp->bar_tail_held[bar] = false;
		vp->bar_mmap_ok[bar] = false;
	}
}

/* Bounce buffer size; chunks end on multiples of it. */
#define VPCI_RW_CHUNK	256

/* One aligned I/O operation of @size bytes at @io, data in @p (LE). */
static void vpci_io_one(void __iomem *io, u8 *p, size_t size, bool iswrite)
{
	__le32 v32;
	__le16 v16;

	switch (size) {
	case 4:
		if (iswrite) {
			memcpy(&v32, p, 4);
			iowrite32(le32_to_cpu(v32), io);
		} else {
			v32 = cpu_to_le32(ioread32(io));
			memcpy(p, &v32, 4);
		}
		break;
	case 2:
		if (iswrite) {
			memcpy(&v16, p, 2);
			iowrite16(le16_to_cpu(v16), io);
		} else {
			v16 = cpu_to_le16(ioread16(io));
			memcpy(p, &v16, 2);
		}
		break;
	default:
		if (iswrite)
			iowrite8(*p, io);
		else
			*p = ioread8(io);
		break;
	}
}

/*
 * Move [pos, pos + count) of a mapping to or from @kbuf in naturally
 * aligned pieces; bytes in the excluded range [x_start, x_end) read as
 * 0xff and ignore writes.
 */
static void vpci_io_xfer(void __iomem *io, u8 *kbuf, loff_t pos,
			 size_t count, loff_t x_start, loff_t x_end,
			 bool iswrite)
{
	size_t done = 0;

	while (done < count) {
		loff_t off = pos + done;
		size_t left = count - done;
		size_t size;

		if (off >= x_start && off < x_end) {
			size = min_t(size_t, left, x_end - off);
			if (!iswrite)
				memset(kbuf + done, 0xff, size);
			done += size;
			continue;
		}
		if (off < x_start)
			left = min_t(size_t, left, x_start - off);

		if (left >= 4 && !(off & 3))
			size = 4;
		else if (left >= 2 && !(off & 1))
			size = 2;
		else
			size = 1;

		vpci_io_one(io + off, kbuf + done, size, iswrite);
		done += size;
	}
}

/*
 * Copy between user space and a mapping through a bounce buffer, so
 * that no user page fault (which may be on our own BAR mmap) happens
 * while memory_lock is held.  For memory BARs (@test_mem) each chunk
 * checks that the user has memory decoding enabled, else -EIO.
 */
ssize_t vpci_io_rw(struct vfio_pci_dev *vp, void __iomem *io,
		   char __user *buf, loff_t pos, size_t count,
		   loff_t x_start, loff_t x_end, bool test_mem, bool iswrite)
{
	u8 kbuf[VPCI_RW_CHUNK];
	size_t done = 0;

	while (done < count) {
		loff_t off = pos + done;
		size_t n = min_t(size_t, count - done,
				 VPCI_RW_CHUNK - (off & (VPCI_RW_CHUNK - 1)));

		if (iswrite && copy_from_user(kbuf, buf + done, n))
			return -EFAULT;

		if (test_mem) {
			down_read(&vp->memory_lock);
			if (!vpci_memory_enabled(vp)) {
				up_read(&vp->memory_lock);
				return -EIO;
			}
		}
		vpci_io_xfer(io, kbuf, off, n, x_start, x_end, iswrite);
		if (test_mem)
			up_read(&vp->memory_lock);

		if (!iswrite && copy_to_user(buf + done, kbuf, n))
			return -EFAULT;
		done += n;
	}
	return done;
}

static ssize_t vpci_bar_rw(struct vfio_pci_dev *vp, char __user *buf,
			   size_t count, loff_t *ppos, bool iswrite)
{
	struct pci_dev *pdev = vp->pdev;
	int bar = VPCI_OFFSET_TO_INDEX(*ppos);
	loff_t pos = *ppos & VPCI_OFFSET_MASK;
	loff_t x_start = 0, x_end = 0;
	bool is_mem;
	ssize_t ret;
	u64 end;

	end = pci_resource_len(pdev, bar);
	if (!end)
		return -EINVAL;
	if (pos >= end)
		return -EINVAL;
	count = min_t(u64, count, end - pos);
	is_mem = pci_resource_flags(pdev, bar) & IORESOURCE_MEM;

	ret = vpci_bar_map(vp, bar);
	if (ret)
		return ret;

	if (bar == vp->msix_bar) {
		x_start = vp->msix_offset;
		x_end = vp->msix_offset + vp->msix_size;
	}

	ret = vpci_io_rw(vp, vp->barmap[bar], buf, pos, count, x_start, x_end,
			 is_mem, iswrite);
	if (ret > 0)
		*ppos += ret;
	return ret;
}

static ssize_t vpci_rom_read(struct vfio_pci_dev *vp, char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct pci_dev *pdev = vp->pdev;
	loff_t pos = *ppos & VPCI_OFFSET_MASK;
	void __iomem *rom;
	size_t rom_size;
	ssize_t ret;
	u64 end;

	end = pci_resource_len(pdev, PCI_ROM_RESOURCE);
	if (!end) {
		if (!(pdev->resource[PCI_ROM_RESOURCE].flags &
		      IORESOURCE_ROM_SHADOW))
			return -EINVAL;
		end = 0x20000;
	}
	if (pos >= end)
		return -EINVAL;
	count = min_t(u64, count, end - pos);

	down_read(&vp->memory_lock);
	if (!vpci_memory_enabled(vp)) {
		up_read(&vp->memory_lock);
		return -EIO;
	}
	rom = pci_map_rom(pdev, &rom_size);
	up_read(&vp->memory_lock);
	if (!rom)
		return -ENOMEM;

	/* Past the image the ROM BAR reads as 0xff. */
	ret = vpci_io_rw(vp, rom, buf, pos, count, rom_size, end, true, false);
	pci_unmap_rom(pdev, rom);
	if (ret > 0)
		*ppos += ret;
	return ret;
}

static ssize_t vpci_region_rw(struct vfio_pci_dev *vp, char __user *buf,
			      size_t count, loff_t *ppos, bool iswrite)
{
	unsigned int index = VPCI_OFFSET_TO_INDEX(*ppos);
	ssize_t ret;

	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		ret = vpci_config_rw(vp, buf, count, *ppos & VPCI_OFFSET_MASK,
				     iswrite);
		if (ret > 0)
			*ppos += ret;
		return ret;
	case VFIO_PCI_ROM_REGION_INDEX:
		if (iswrite)
			return -EINVAL;
		return vpci_rom_read(vp, buf, count, ppos);
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		return vpci_bar_rw(vp, buf, count, ppos, iswrite);
	case VFIO_PCI_VGA_REGION_INDEX:
		return vpci_vga_rw(vp, buf, count, ppos, iswrite);
	default:
		return -EINVAL;
	}
}

/* The device is resumed from any low power state for the access. */
static ssize_t vpci_rw(struct vfio_device *vdev, char __user *buf,
		       size_t count, loff_t *ppos, bool iswrite)
{
	struct vfio_pci_dev *vp = to_vpci(vdev);
	ssize_t ret;

	if (*ppos < 0 || VPCI_OFFSET_TO_INDEX(*ppos) >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;

	ret = vpci_pm_get(vp);
	if (ret)
		return ret;
	ret = vpci_region_rw(vp, buf, count, ppos, iswrite);
	vpci_pm_put(vp);
	return ret;
}

/**
 * vpci_read() - read() on a device file
 * @vdev: the device
 * @buf: user buffer
 * @count: bytes to read
 * @ppos: region index in the bits above VPCI_OFFSET_SHIFT, offset below
 *
 * Return: bytes read or a negative errno.
 */
ssize_t vpci_read(struct vfio_device *vdev, char __user *buf,
		  size_t count, loff_t *ppos)
{
	if (!count)
		return 0;
	return vpci_rw(vdev, buf, count, ppos, false);
}
EXPORT_SYMBOL_IF_KUNIT(vpci_read);

/**
 * vpci_write() - write() on a device file
 * @vdev: the device
 * @buf: user buffer
 * @count: bytes to write
 * @ppos: region index in the bits above VPCI_OFFSET_SHIFT, offset below
 *
 * Return: bytes written or a negative errno.
 */
ssize_t vpci_write(struct vfio_device *vdev, const char __user *buf,
		   size_t count, loff_t *ppos)
{
	if (!count)
		return 0;
	return vpci_rw(vdev, (char __user *)buf, count, ppos, true);
}
EXPORT_SYMBOL_IF_KUNIT(vpci_write);
