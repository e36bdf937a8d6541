// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: the virtual config space (read/write dispatch).
 *
 * vconfig is pdev->cfg_size bytes holding the header and the capabilities
 * as the hardware had them at open (only those are read: see
 * vpci_config_init()); config_perm.c says, per byte, which bits come from
 * it and which from the hardware.  An access [pos, pos + count) must lie
 * inside [0, cfg_size) (else -EFAULT, as 6.1) and is split into naturally
 * aligned 4/2/1-byte pieces.  Side effects of a write (BAR sizing,
 * memory/IO enable tracking, DisINTx emulation, the MSI enable and
 * queue-size rules, and vpci_perm_write_hook(): FLR, MRRS, VPD) are
 * applied per piece.  Writes run under igate.  Reads take no lock, as
 * 6.1's do: vconfig lives as long as the device is open, a read changes
 * no state, and the per-byte tables are fixed at open, so the worst a
 * read racing a write of the same bytes by the same user can see is a
 * mix of the old and the new value.  (The mutex was the one step the
 * in-tree read path does not have: Documentation/benchmarks.rst.)
 *
 * Invariant: the BAR and ROM registers in vconfig always hold a value
 * the real BAR could hold (address bits aligned to the BAR size, type
 * bits from the hardware), so sizing with all-ones reads back the size
 * mask.
 */
#include <linux/bitmap.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vfio_pci_priv.h"

static __le32 *vpci_vbar(struct vfio_pci_dev *vp, int bar)
{
	return (__le32 *)&vp->vconfig[PCI_BASE_ADDRESS_0 + 4 * bar];
}

static bool vpci_bar_is_mem64(u32 flags)
{
	return !(flags & PCI_BASE_ADDRESS_SPACE_IO) &&
	       (flags & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
	       PCI_BASE_ADDRESS_MEM_TYPE_64;
}

/* Make every virtual BAR and the ROM BAR a value the hardware could hold. */
static void vpci_bars_fixup(struct vfio_pci_dev *vp)
{
	struct pci_dev *pdev = vp->pdev;
	__le32 *vrom;
	u64 len, mask;
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		__le32 *vbar = vpci_vbar(vp, bar);
		u32 flags = vp->bar_flags[bar];
		bool mem64 = vpci_bar_is_mem64(flags) &&
			     bar < PCI_STD_NUM_BARS - 1;
		u32 lo;

		len = pci_resource_len(pdev, bar);
		if (!len) {
			*vbar = 0;
			if (mem64)
				vpci_vbar(vp, ++bar)[0] = 0;
			continue;
		}

		mask = ~(len - 1);
		lo = le32_to_cpu(*vbar) & (u32)mask;
		if (flags & PCI_BASE_ADDRESS_SPACE_IO)
			lo &= (u32)PCI_BASE_ADDRESS_IO_MASK;
		else
			lo &= (u32)PCI_BASE_ADDRESS_MEM_MASK;
		*vbar = cpu_to_le32(lo | flags);

		if (mem64) {
			__le32 *vhi = vpci_vbar(vp, ++bar);

			*vhi = cpu_to_le32(le32_to_cpu(*vhi) & (u32)(mask >> 32));
		}
	}

	vrom = (__le32 *)&vp->vconfig[PCI_ROM_ADDRESS];
	len = pci_resource_len(pdev, PCI_ROM_RESOURCE);
	if (!len && (pdev->resource[PCI_ROM_RESOURCE].flags &
		     IORESOURCE_ROM_SHADOW))
		len = 0x20000;
	if (len) {
		u32 rom = le32_to_cpu(*vrom);

		mask = ~(len - 1);
		rom = (rom & (u32)mask & (u32)PCI_ROM_ADDRESS_MASK) |
		      (rom & PCI_ROM_ADDRESS_ENABLE);
		*vrom = cpu_to_le32(rom);
	} else {
		*vrom = 0;
	}
}

/**
 * vpci_bars_init() - virtualize the BAR registers of a fresh vconfig
 * @vp: a device whose vconfig holds the hardware's config space
 *
 * Records the read-only type bits of each BAR as the hardware has them
 * (the upper half of a 64-bit BAR has none) and makes every virtual BAR
 * and the ROM BAR a value the hardware could hold.
 */
VISIBLE_IF_KUNIT void vpci_bars_init(struct vfio_pci_dev *vp)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		u32 reg = le32_to_cpup(vpci_vbar(vp, bar));

		if (reg & PCI_BASE_ADDRESS_SPACE_IO)
			vp->bar_flags[bar] = reg & ~PCI_BASE_ADDRESS_IO_MASK;
		else
			vp->bar_flags[bar] = reg & ~PCI_BASE_ADDRESS_MEM_MASK;
		if (vpci_bar_is_mem64(vp->bar_flags[bar]) &&
		    bar < PCI_STD_NUM_BARS - 1)
			vp->bar_flags[++bar] = 0;
	}
	vpci_bars_fixup(vp);
}
EXPORT_SYMBOL_IF_KUNIT(vpci_bars_init);

/**
 * vpci_config_init() - build the virtual config space at open
 * @vp: a device being opened, enabled and with INTx set up
 *
 * Reads from the hardware only what the virtualization uses, as 6.1
 * does: the header here, the capabilities in vpci_perm_build() as it
 * walks their chains (config_perm.c).  The other bytes of vconfig stay
 * 0 and are never used: they have no virtual bit, so the user reads and
 * writes them on the hardware.
 *
 * Return: 0 or -ENOMEM / the error of a config read.
 */
int vpci_config_init(struct vfio_pci_dev *vp)
{
	DECLARE_BITMAP(filled, PCI_CFG_SPACE_EXP_SIZE / 4);
	struct pci_dev *pdev = vp->pdev;
	int ret;

	if (WARN_ON_ONCE(pdev->cfg_size > PCI_CFG_SPACE_EXP_SIZE))
		return -EINVAL;
	vp->vconfig = kzalloc(pdev->cfg_size, GFP_KERNEL);
	if (!vp->vconfig)
		return -ENOMEM;

	bitmap_zero(filled, PCI_CFG_SPACE_EXP_SIZE / 4);
	vp->perm.filled = filled;
	vp->perm.fill_err = 0;
	vpci_perm_fill(vp, 0, PCI_STD_HEADER_SIZEOF);
	ret = vp->perm.fill_err;
	if (ret)
		goto err_free_vconfig;
	vpci_bars_record(vp);
	vpci_bars_init(vp);

	/* A VF reads 0xffff IDs; its pin is 0 by the SR-IOV spec */
	if (pdev->is_virtfn) {
		*(__le16 *)&vp->vconfig[PCI_VENDOR_ID] =
			cpu_to_le16(pdev->vendor);
		*(__le16 *)&vp->vconfig[PCI_DEVICE_ID] =
			cpu_to_le16(pdev->device);
		vp->vconfig[PCI_INTERRUPT_PIN] = 0;
	}
	/* No memory enable bit in the hardware: the user gets one */
	if (pdev->no_command_memory)
		*(__le16 *)&vp->vconfig[PCI_COMMAND] |=
			cpu_to_le16(PCI_COMMAND_MEMORY);

	/* No usable INTx line: hide the pin */
	if (!pdev->irq || pdev->irq == IRQ_NOTCONNECTED)
		vp->vconfig[PCI_INTERRUPT_PIN] = 0;

	ret = vpci_perm_build(vp);
	if (ret)
		goto err_free_vconfig;
	vp->perm.filled = NULL;
	return 0;

err_free_vconfig:
	vp->perm.filled = NULL;
	kfree(vp->vconfig);
	vp->vconfig = NULL;
	return ret;
}

/**
 * vpci_config_free() - free the virtual config space at close
 * @vp: a device being closed
 */
void vpci_config_free(struct vfio_pci_dev *vp)
{
	vpci_perm_free(vp);
	kfree(vp->vconfig);
	vp->vconfig = NULL;
}

/* Little-endian value of the @size bytes at @pos of a byte array. */
static u32 vpci_bytes(const u8 *p, int pos, int size)
{
	u32 v = 0;
	int i;

	for (i = 0; i < size; i++)
		v |= (u32)p[pos + i] << (8 * i);
	return v;
}

static void vpci_store_bytes(u8 *p, int pos, int size, u32 v)
{
	int i;

	for (i = 0; i < size; i++)
		p[pos + i] = v >> (8 * i);
}

static int vpci_hw_read(struct pci_dev *pdev, int pos, int size, u32 *val)
{
	u16 w;
	u8 b;
	int ret;

	switch (size) {
	case 4:
		return pci_user_read_config_dword(pdev, pos, val);
	case 2:
		ret = pci_user_read_config_word(pdev, pos, &w);
		*val = w;
		return ret;
	default:
		ret = pci_user_read_config_byte(pdev, pos, &b);
		*val = b;
		return ret;
	}
}

static int vpci_hw_write(struct pci_dev *pdev, int pos, int size, u32 val)
{
	switch (size) {
	case 4:
		return pci_user_write_config_dword(pdev, pos, val);
	case 2:
		return pci_user_write_config_word(pdev, pos, val);
	default:
		return pci_user_write_config_byte(pdev, pos, val);
	}
}

static bool vpci_overlaps(int pos, int size, int start, int len)
{
	return pos < start + len && start < pos + size;
}

static int vpci_cfg_read_piece(struct vfio_pci_dev *vp, int pos, int size,
			       char __user *buf)
{
	u32 full = size == 4 ? ~0U : (1U << (8 * size)) - 1;
	u32 virt = vpci_bytes(vp->perm.virt, pos, size);
	u32 val = vpci_bytes(vp->vconfig, pos, size);
	__le32 out;

	if (virt != full) {
		u32 phys;
		int ret = vpci_hw_read(vp->pdev, pos, size, &phys);

		if (ret)
			return ret;
		val = (val & virt) | (phys & ~virt);
	}
	/* Without a memory enable bit in the hardware, the user's one shows */
	if (vp->pdev->no_command_memory && pos == PCI_COMMAND)
		val |= vp->vconfig[PCI_COMMAND] & PCI_COMMAND_MEMORY;

	out = cpu_to_le32(val);
	return copy_to_user(buf, &out, size) ? -EFAULT : 0;
}

/* The MSI flags as the rules want them after a user write. */
static void vpci_msi_flags_fixup(struct vfio_pci_dev *vp)
{
	__le16 *vflags = (__le16 *)&vp->vconfig[vp->pdev->msi_cap +
						 PCI_MSI_FLAGS];
	u16 flags = le16_to_cpu(*vflags);
	u16 qmax = (flags & PCI_MSI_FLAGS_QMASK) >> 1;

	if (((flags & PCI_MSI_FLAGS_QSIZE) >> 4) > qmax) {
		flags &= ~PCI_MSI_FLAGS_QSIZE;
		flags |= qmax << 4;
	}
	*vflags = cpu_to_le16(flags);
}

/* DisINTx in the virtual command register masks INTx for the user. */
static void vpci_intx_disable_emulate(struct vfio_pci_dev *vp)
{
	bool disable = le16_to_cpup((__le16 *)&vp->vconfig[PCI_COMMAND]) &
		       PCI_COMMAND_INTX_DISABLE;

	if (disable && !vp->virq_disabled) {
		vp->virq_disabled = true;
		vpci_intx_mask(vp);
	} else if (!disable && vp->virq_disabled) {
		vp->virq_disabled = false;
		vpci_intx_unmask(vp);
	}
}

static int vpci_cfg_write_piece(struct vfio_pci_dev *vp, int pos, int size,
				const char __user *buf)
{
	u32 virt = vpci_bytes(vp->perm.virt, pos, size);
	u32 write = vpci_bytes(vp->perm.write, pos, size);
	bool cmd = vpci_overlaps(pos, size, PCI_COMMAND, 1);
	__le32 in = 0;
	u32 val;
	int ret = 0;

	if (copy_from_user(&in, buf, size))
		return -EFAULT;
	val = le32_to_cpu(in);

	if (write & virt) {
		u32 v = vpci_bytes(vp->vconfig, pos, size);

		v = (v & ~(write & virt)) | (val & write & virt);
		vpci_store_bytes(vp->vconfig, pos, size, v);
	}

	/*
	 * Memory/IO enable changes exclude BAR accesses; turning memory
	 * decoding off also unmaps the BARs from user space.
	 */
	if (cmd) {
		u16 new_cmd = val >> (8 * (PCI_COMMAND - pos));

		if (new_cmd & PCI_COMMAND_MEMORY)
			down_write(&vp->memory_lock);
		else
			vpci_zap_and_lock_memory(vp);
		if (new_cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_IO))
			vpci_bars_restore_if_lost(vp, new_cmd);
	}
	if (write & ~virt) {
		u32 phys;

		ret = vpci_hw_read(vp->pdev, pos, size, &phys);
		if (!ret) {
			phys = (phys & ~(write & ~virt)) | (val & write & ~virt);
			ret = vpci_hw_write(vp->pdev, pos, size, phys);
		}
	}
	if (cmd) {
		/* Remember what the user asked for memory/IO decoding */
		u8 *vcmd = &vp->vconfig[PCI_COMMAND];
		u8 mask = PCI_COMMAND_IO | PCI_COMMAND_MEMORY;

		if (!ret)
			*vcmd = (*vcmd & ~mask) |
				((val >> (8 * (PCI_COMMAND - pos))) & mask);
		up_write(&vp->memory_lock);
	}
	if (ret)
		return ret;

	if (vpci_overlaps(pos, size, PCI_COMMAND + 1, 1))
		vpci_intx_disable_emulate(vp);
	if (vpci_overlaps(pos, size, PCI_BASE_ADDRESS_0,
			  PCI_BASE_ADDRESS_5 + 4 - PCI_BASE_ADDRESS_0) ||
	    vpci_overlaps(pos, size, PCI_ROM_ADDRESS, 4))
		vpci_bars_fixup(vp);
	if (vp->pdev->msi_cap &&
	    vpci_overlaps(pos, size, vp->pdev->msi_cap + PCI_MSI_FLAGS, 1))
		vpci_msi_flags_fixup(vp);
	vpci_perm_write_hook(vp, pos, size);
	return 0;
}

/**
 * vpci_config_rw() - read or write the config space region
 * @vp: an open device
 * @buf: user buffer
 * @count: bytes to access
 * @pos: offset in the config space (region offset bits removed)
 * @iswrite: direction
 *
 * Return: @count, or a negative errno (-EFAULT for a range outside the
 * config space, as 6.1).
 */
ssize_t vpci_config_rw(struct vfio_pci_dev *vp, char __user *buf,
		       size_t count, loff_t pos, bool iswrite)
{
	int cfg_size = vp->pdev->cfg_size;
	size_t done = 0;
	int ret = 0;

	if (pos < 0 || pos >= cfg_size || count > cfg_size - pos)
		return -EFAULT;

	if (iswrite)
		mutex_lock(&vp->igate);
	while (done < count) {
		int p = pos + done;
		size_t left = count - done;
		int size;

		if (left >= 4 && !(p & 3))
			size = 4;
		else if (left >= 2 && !(p & 1))
			size = 2;
		else
			size = 1;

		if (iswrite)
			ret = vpci_cfg_write_piece(vp, p, size, buf + done);
		else
			ret = vpci_cfg_read_piece(vp, p, size, buf + done);
		if (ret)
			break;
		done += size;
	}
	if (iswrite)
		mutex_unlock(&vp->igate);

	if (ret)
		return ret;
	return done;
}
EXPORT_SYMBOL_IF_KUNIT(vpci_config_rw);
