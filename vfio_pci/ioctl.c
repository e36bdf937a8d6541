// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: the VFIO_DEVICE_* ioctls on a device file.
 *
 * Every ioctl copies in the fixed part of its struct (minsz, the end of
 * the last field 6.1 defines), rejects argsz < minsz with -EINVAL and
 * copies back only minsz bytes; capability chains go after the struct
 * and are only written when argsz leaves room for all of them,
 * otherwise argsz returns the size needed.
 */
#include <linux/pci.h>
#include <linux/uaccess.h>

#include "vfio_pci_priv.h"

static long vpci_get_info(struct vfio_pci_dev *vp, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	info.flags = VFIO_DEVICE_FLAGS_PCI;
	if (vp->reset_works)
		info.flags |= VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/* Is the option ROM really there?  Fills size/flags of the ROM region. */
static void vpci_rom_info(struct vfio_pci_dev *vp,
			  struct vfio_region_info *info)
{
	struct pci_dev *pdev = vp->pdev;
	void __iomem *rom;
	size_t size;
	u16 cmd;

	info->flags = 0;
	info->size = pci_resource_len(pdev, PCI_ROM_RESOURCE);
	if (!info->size) {
		if (!(pdev->resource[PCI_ROM_RESOURCE].flags &
		      IORESOURCE_ROM_SHADOW))
			return;
		info->size = 0x20000;
	}

	cmd = vpci_memory_lock_and_enable(vp);
	rom = pci_map_rom(pdev, &size);
	if (rom) {
		info->flags = VFIO_REGION_INFO_FLAG_READ;
		pci_unmap_rom(pdev, rom);
	} else {
		info->size = 0;
	}
	vpci_memory_unlock_and_restore(vp, cmd);
}

static long vpci_get_region_info(struct vfio_pci_dev *vp, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_info_cap_header msix_cap = {
		.id = VFIO_REGION_INFO_CAP_MSIX_MAPPABLE,
		.version = 1,
		.next = 0,
	};
	struct pci_dev *pdev = vp->pdev;
	struct vfio_region_info info;
	bool add_msix_cap = false;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	switch (info.index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.offset = VPCI_INDEX_TO_OFFSET(info.index);
		info.size = pdev->cfg_size;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		info.offset = VPCI_INDEX_TO_OFFSET(info.index);
		info.size = pci_resource_len(pdev, info.index);
		if (!info.size) {
			info.flags = 0;
			break;
		}
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		if (vp->bar_mmap_ok[info.index]) {
			info.flags |= VFIO_REGION_INFO_FLAG_MMAP;
			add_msix_cap = info.index == vp->msix_bar;
		}
		break;
	case VFIO_PCI_ROM_REGION_INDEX:
		info.offset = VPCI_INDEX_TO_OFFSET(info.index);
		vpci_rom_info(vp, &info);
		break;
	case VFIO_PCI_VGA_REGION_INDEX:
		if (!vp->has_vga)
			return -EINVAL;
		info.offset = VPCI_INDEX_TO_OFFSET(info.index);
		info.size = 0xc0000;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		break;
	default:
		return -EINVAL;
	}

	if (add_msix_cap) {
		info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		if (info.argsz < sizeof(info) + sizeof(msix_cap)) {
			info.argsz = sizeof(info) + sizeof(msix_cap);
			info.cap_offset = 0;
		} else {
			if (copy_to_user(arg + sizeof(info), &msix_cap,
					 sizeof(msix_cap)))
				return -EFAULT;
			info.cap_offset = sizeof(info);
		}
	}

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long vpci_get_irq_info(struct vfio_pci_dev *vp, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;

	switch (info.index) {
	case VFIO_PCI_INTX_IRQ_INDEX ... VFIO_PCI_MSIX_IRQ_INDEX:
	case VFIO_PCI_REQ_IRQ_INDEX:
		break;
	case VFIO_PCI_ERR_IRQ_INDEX:
		if (pci_is_pcie(vp->pdev))
			break;
		fallthrough;
	default:
		return -EINVAL;
	}

	info.flags = VFIO_IRQ_INFO_EVENTFD;
	info.count = vpci_irq_count(vp, info.index);
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE |
			      VFIO_IRQ_INFO_AUTOMASKED;
	else
		info.flags |= VFIO_IRQ_INFO_NORESIZE;

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/**
 * vpci_feature_check() - the generic checks of one device feature
 * @flags: vfio_device_feature::flags, already checked by the vfio core
 * @size: bytes of data after the header (argsz minus the header)
 * @ops: VFIO_DEVICE_FEATURE_GET and/or _SET, what the feature supports
 * @minsz: data the feature needs for GET or SET
 *
 * The rules of 6.1's vfio_check_feature().
 *
 * Return: 1 to carry out the GET or SET, 0 for a successful PROBE,
 * -EINVAL for an unsupported operation, no operation or too little data.
 */
int vpci_feature_check(u32 flags, size_t size, u32 ops, size_t minsz)
{
	if (flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET) & ~ops)
		return -EINVAL;
	if (flags & VFIO_DEVICE_FEATURE_PROBE)
		return 0;
	if (!(flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)))
		return -EINVAL;
	if (size < minsz)
		return -EINVAL;
	return 1;
}
EXPORT_SYMBOL_IF_KUNIT(vpci_feature_check);

/* The core checked the header: argsz, known flags, not GET with SET. */
static long vpci_feature(struct vfio_pci_dev *vp, void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_device_feature, flags);
	struct vfio_device_feature feature;

	if (copy_from_user(&feature, arg, minsz))
		return -EFAULT;
	/* The user may have changed it since the core looked. */
	if (feature.argsz < minsz)
		return -EINVAL;

	switch (feature.flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_PCI_VF_TOKEN:
		return vpci_vf_token_feature(vp, feature.flags, arg + minsz,
					     feature.argsz - minsz);
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP:
	case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
		return vpci_pm_feature(vp, feature.flags, arg + minsz,
				       feature.argsz - minsz);
	default:
		return -ENOTTY;
	}
}

/**
 * vpci_ioctl() - the VFIO_DEVICE_* ioctls of a vfio-pci device file
 * @vdev: the device
 * @cmd: the ioctl
 * @arg: its user argument
 *
 * Return: 0 or a negative errno; -ENOTTY for an ioctl not provided.
 */
long vpci_ioctl(struct vfio_device *vdev, unsigned int cmd,
		unsigned long arg)
{
	struct vfio_pci_dev *vp = to_vpci(vdev);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vpci_get_info(vp, uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vpci_get_region_info(vp, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vpci_get_irq_info(vp, uarg);
	case VFIO_DEVICE_SET_IRQS:
		return vpci_set_irqs_ioctl(vp, uarg);
	case VFIO_DEVICE_RESET:
		return vpci_reset(vp);
	case VFIO_DEVICE_IOEVENTFD:
		return vpci_ioeventfd_ioctl(vp, uarg);
	case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO:
	case VFIO_DEVICE_PCI_HOT_RESET:
		return vpci_hot_reset_ioctl(vp, cmd, uarg);
	case VFIO_DEVICE_FEATURE:
		return vpci_feature(vp, uarg);
	default:
		return -ENOTTY;
	}
}
EXPORT_SYMBOL_IF_KUNIT(vpci_ioctl);
