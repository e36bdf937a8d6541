/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vfio core's API for device drivers (vfio-pci and any later one).
 *
 * A driver embeds a struct vfio_device in its per-device state, fills it
 * with vfio_init_device() and publishes it with vfio_register_group_dev().
 * From then on the core owns the user-visible side: it creates the
 * /dev/vfio/<iommu group id> node when the first device of an IOMMU group
 * registers, hands out device file descriptors through
 * VFIO_GROUP_GET_DEVICE_FD, and forwards read/write/mmap/ioctl on those
 * file descriptors to the driver's vfio_device_ops.
 *
 * Lifetime: vfio_unregister_group_dev() removes the device from its group
 * and then waits until every device file descriptor is closed, calling
 * ops->request() periodically to ask user space to give the device back.
 * When it returns, the core holds no reference to the device and the
 * driver may free it.
 *
 * Open/close: ops->open_device() is called when the first file descriptor
 * of the device is opened and ops->close_device() when the last one is
 * released; the two never run concurrently for one device and are
 * serialized against each other by the core (vfio_device::open_lock).
 */
#ifndef VFIO_DEVICE_API_H
#define VFIO_DEVICE_API_H

#include <linux/completion.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/types.h>

struct vfio_device;
struct vfio_group;
struct kvm;
struct file;
struct iommu_group;
struct seq_file;

/**
 * struct vfio_device_ops - what a vfio device driver implements
 * @name: short driver name, used in diagnostics
 * @open_device: first open of the device; may fail with a negative errno
 * @close_device: last close of the device; must not fail
 * @read: read from a region; *ppos carries the region-encoded offset
 * @write: write to a region; *ppos carries the region-encoded offset
 * @ioctl: VFIO_DEVICE_* ioctls on the device file descriptor
 * @mmap: map a region; vma->vm_pgoff carries the region-encoded offset
 * @request: the host wants the device back (unbind in progress); @count
 *           is how many times it asked so far, starting from 0
 * @match: optional; decides whether the string given to
 *         VFIO_GROUP_GET_DEVICE_FD names this device.  Returns 1 for a
 *         match, 0 for no match, or a negative errno to fail the lookup
 *         (for instance a missing or wrong "vf_token=").  Without it the
 *         core compares the string with dev_name(vdev->dev).
 * @vma_pfns: optional; for a vma made by @mmap and an address @addr in it,
 *            the frame that backs @addr and how many frames from there to
 *            the end of the vma are physically contiguous, computed without
 *            faulting anything in.  Called with the vma's mmap_lock held.
 *            Returns 0, or -EFAULT where an access would fault (device
 *            memory disabled, for instance).  IOMMU backends reach it
 *            through vfio_device_vma_pfns() to map a peer device's BAR.
 * @debugfs_show: optional; describe the device's state (interrupts) in
 *                the core's debugfs groups file, as lines indented by
 *                four spaces.  Called with the group's locks held (they
 *                come before the driver's own locks, which it should only
 *                trylock); must not change any state.
 *
 * Every callback is optional except @open_device and @close_device may be
 * NULL too; a missing @read/@write/@mmap/@ioctl makes the syscall fail
 * with -EINVAL.
 */
struct vfio_device_ops {
	const char *name;
	int (*open_device)(struct vfio_device *vdev);
	void (*close_device)(struct vfio_device *vdev);
	ssize_t (*read)(struct vfio_device *vdev, char __user *buf,
			size_t count, loff_t *ppos);
	ssize_t (*write)(struct vfio_device *vdev, const char __user *buf,
			 size_t count, loff_t *ppos);
	long (*ioctl)(struct vfio_device *vdev, unsigned int cmd,
		      unsigned long arg);
	int (*mmap)(struct vfio_device *vdev, struct vm_area_struct *vma);
	void (*request)(struct vfio_device *vdev, unsigned int count);
	int (*match)(struct vfio_device *vdev, const char *buf);
	int (*vma_pfns)(struct vfio_device *vdev, struct vm_area_struct *vma,
			unsigned long addr, unsigned long *pfn,
			unsigned long *npages);
	void (*debugfs_show)(struct vfio_device *vdev, struct seq_file *m);
};

/**
 * struct vfio_device - one device as the vfio core sees it
 * @dev: the physical device (for PCI, &pdev->dev); must have an IOMMU group
 * @ops: the driver's callbacks
 *
 * The remaining members are private to the core:
 * @group: the vfio group the device belongs to, set at registration
 * @group_entry: link on the group's device list (group->device_lock)
 * @users: 1 for the registration plus 1 per open device file
 * @users_gone: completed when @users drops to zero during unregistration
 * @open_lock: serializes open_device/close_device and protects @open_count
 *             and @kvm.  Lock order: group->group_lock, then
 *             vfio_device::open_lock.
 * @open_count: number of open device files
 * @kvm: the kvm attached to the group when the device was first opened
 */
struct vfio_device {
	struct device *dev;
	const struct vfio_device_ops *ops;

	struct vfio_group *group;
	struct list_head group_entry;
	refcount_t users;
	struct completion users_gone;
	struct mutex open_lock;	/* open_count, kvm; after group_lock */
	unsigned int open_count;
	struct kvm *kvm;
};

/**
 * vfio_init_device() - prepare an embedded struct vfio_device
 * @vdev: the device to initialize; any previous content is overwritten
 * @dev: the physical device
 * @ops: the driver's callbacks; must outlive the device
 */
void vfio_init_device(struct vfio_device *vdev, struct device *dev,
		      const struct vfio_device_ops *ops);

/**
 * vfio_uninit_device() - release what vfio_init_device() set up
 * @vdev: a device that is not (or no longer) registered
 */
void vfio_uninit_device(struct vfio_device *vdev);

/**
 * vfio_register_group_dev() - make a device available to user space
 * @vdev: an initialized device whose @dev is in an IOMMU group
 *
 * Return: 0, -EINVAL if the device has no IOMMU group, -EBUSY if the same
 * struct device is already registered, or another negative errno.
 */
int vfio_register_group_dev(struct vfio_device *vdev);

/**
 * vfio_unregister_group_dev() - withdraw a device and wait for its users
 * @vdev: a registered device
 *
 * Sleeps until every device file is closed, calling ops->request() while it
 * waits.  Never fails.
 */
void vfio_unregister_group_dev(struct vfio_device *vdev);

/**
 * vfio_device_get_group_id() - the IOMMU group id of a registered device
 * @vdev: a registered device
 *
 * Return: the number in /dev/vfio/<id>.
 */
int vfio_device_get_group_id(struct vfio_device *vdev);

/**
 * vfio_file_is_group() - is @file a /dev/vfio/<id> group file of ours
 * @file: any file
 *
 * Exported with the 6.1 signature because kvm.ko looks it up by name.
 */
bool vfio_file_is_group(struct file *file);

/**
 * vfio_file_iommu_group() - the IOMMU group behind a group file
 * @file: a file; NULL is returned unless it is a vfio group file
 */
struct iommu_group *vfio_file_iommu_group(struct file *file);

/**
 * vfio_file_enforced_coherent() - do all devices' DMA snoop the CPU caches
 * @file: a vfio group file
 *
 * Return: true if every device of the group is behind an IOMMU that
 * enforces cache coherency (IOMMU_CAP_CACHE_COHERENCY).
 */
bool vfio_file_enforced_coherent(struct file *file);

/**
 * vfio_file_set_kvm() - remember the kvm that uses a group file
 * @file: a vfio group file
 * @kvm: the kvm, or NULL to forget it
 */
void vfio_file_set_kvm(struct file *file, struct kvm *kvm);

/**
 * vfio_file_has_dev() - is @vdev a device of the group behind @file
 * @file: a vfio group file
 * @vdev: a registered device
 *
 * Used by drivers to check that user space proved ownership of every
 * affected group (for instance for a PCI hot reset).
 */
bool vfio_file_has_dev(struct file *file, struct vfio_device *vdev);

#endif /* VFIO_DEVICE_API_H */
