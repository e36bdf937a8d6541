// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: VFIO_DEVICE_GET_PCI_HOT_RESET_INFO and VFIO_DEVICE_PCI_HOT_RESET.
 *
 * A hot reset resets a whole slot when the slot can be reset on its own,
 * otherwise the whole bus below the device's upstream bridge.  The
 * "affected" devices are every function pci_walk_bus() finds there
 * (subordinate buses included), restricted to the slot for a slot reset.
 * A device on the root bus has neither: -ENODEV.
 *
 * The reset itself is only done when every affected device is bound to
 * vfio-pci (so no other driver loses its device underneath) and the
 * caller passed a group file for the group of every one of them, as
 * proof that it owns them all.  Errnos follow the in-tree 6.1 driver:
 * -EINVAL for both of those refusals.
 *
 * Registered devices are on vpci_hot_reset_devs, under vpci_hot_reset_lock;
 * probe adds a device once it is registered, remove takes it off before
 * unregistering, so a device found on the list stays allocated while the
 * lock is held.  Probe and remove take it under the device lock; a
 * reset holding it only trylocks device locks (pci_reset_bus() fails
 * with -EAGAIN instead), so the two never wait on each other.
 *
 * Every affected device is runtime-resumed for the reset (one that nobody
 * has open is otherwise in D3hot).
 *
 * Lock order during a reset: vpci_hot_reset_lock, then the vma_lock of
 * every affected device (each after zapping its mappings), then their
 * memory_locks; all of those are taken with trylocks (-EBUSY), since
 * several devices' locks of one class are held together.
 */
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vfio_pci_priv.h"

static DEFINE_MUTEX(vpci_hot_reset_lock);
static LIST_HEAD(vpci_hot_reset_devs);

/**
 * vpci_hot_reset_add() - make a registered device known to hot resets
 * @vp: a device whose vfio_device is registered
 */
void vpci_hot_reset_add(struct vfio_pci_dev *vp)
{
	mutex_lock(&vpci_hot_reset_lock);
	list_add_tail(&vp->hot_reset_node, &vpci_hot_reset_devs);
	mutex_unlock(&vpci_hot_reset_lock);
}

/**
 * vpci_hot_reset_del() - forget a device before it is unregistered
 * @vp: a device vpci_hot_reset_add() added; waits for a running reset
 */
void vpci_hot_reset_del(struct vfio_pci_dev *vp)
{
	mutex_lock(&vpci_hot_reset_lock);
	list_del_init(&vp->hot_reset_node);
	mutex_unlock(&vpci_hot_reset_lock);
}

/* Our device for @pdev, or NULL; caller holds vpci_hot_reset_lock. */
static struct vfio_pci_dev *vpci_hot_reset_find(struct pci_dev *pdev)
{
	struct vfio_pci_dev *vp;

	lockdep_assert_held(&vpci_hot_reset_lock);
	list_for_each_entry(vp, &vpci_hot_reset_devs, hot_reset_node)
		if (vp->pdev == pdev)
			return vp;
	return NULL;
}

/* Is @pdev, or the bridge it is below on @slot's bus, in @slot? */
VISIBLE_IF_KUNIT bool vpci_below_slot(struct pci_dev *pdev,
				      struct pci_slot *slot)
{
	while (pdev) {
		if (pdev->bus == slot->bus)
			return pdev->slot == slot;
		pdev = pdev->bus->self;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(vpci_below_slot);

/**
 * struct vpci_walk - one walk over the devices a hot reset affects
 * @slot: the slot reset, or NULL for a bus reset
 * @fn: called for each affected device; nonzero stops the walk
 * @data: passed to @fn
 * @ret: what @fn returned last
 */
struct vpci_walk {
	struct pci_slot *slot;
	int (*fn)(struct pci_dev *pdev, void *data);
	void *data;
	int ret;
};

static int vpci_walk_one(struct pci_dev *pdev, void *data)
{
	struct vpci_walk *walk = data;

	if (walk->slot && !vpci_below_slot(pdev, walk->slot))
		return 0;
	walk->ret = walk->fn(pdev, walk->data);
	return walk->ret;
}

/*
 * Which reset a hot reset of @pdev would be: *@slot is the slot for a
 * slot reset, NULL for a bus reset.  -ENODEV when neither exists.
 */
static int vpci_hot_reset_kind(struct pci_dev *pdev, struct pci_slot **slot)
{
	if (pdev->slot && !pci_probe_reset_slot(pdev->slot)) {
		*slot = pdev->slot;
		return 0;
	}
	*slot = NULL;
	return pci_probe_reset_bus(pdev->bus) ? -ENODEV : 0;
}

/* Calls walk->fn for each device a hot reset of @pdev affects. */
static int vpci_walk_affected(struct pci_dev *pdev, struct vpci_walk *walk)
{
	walk->ret = 0;
	pci_walk_bus(pdev->bus, vpci_walk_one, walk);
	return walk->ret;
}

static int vpci_count_one(struct pci_dev *pdev, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

/**
 * struct vpci_fill - the dependent devices being listed
 * @devs: room for @max entries
 * @max: the number counted before
 * @cur: entries filled
 */
struct vpci_fill {
	struct vfio_pci_dependent_device *devs;
	unsigned int max;
	unsigned int cur;
};

static int vpci_fill_one(struct pci_dev *pdev, void *data)
{
	struct vpci_fill *fill = data;
	struct vfio_pci_dependent_device *dep;
	struct iommu_group *group;

	/* A device appeared since the count: let user space ask again */
	if (fill->cur == fill->max)
		return -EAGAIN;
	/* A device without an IOMMU group cannot be isolated: no reset */
	group = iommu_group_get(&pdev->dev);
	if (!group)
		return -EPERM;

	dep = &fill->devs[fill->cur++];
	dep->group_id = iommu_group_id(group);
	dep->segment = pci_domain_nr(pdev->bus);
	dep->bus = pdev->bus->number;
	dep->devfn = pdev->devfn;
	iommu_group_put(group);
	return 0;
}

static long vpci_hot_reset_info(struct vfio_pci_dev *vp,
				struct vfio_pci_hot_reset_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_pci_hot_reset_info,
					  count);
	struct vfio_pci_hot_reset_info hdr;
	struct vpci_fill fill = { };
	struct vpci_walk walk = { };
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz)
		return -EINVAL;
	hdr.flags = 0;

	ret = vpci_hot_reset_kind(vp->pdev, &walk.slot);
	if (ret)
		return ret;

	walk.fn = vpci_count_one;
	walk.data = &fill.max;
	vpci_walk_affected(vp->pdev, &walk);
	if (WARN_ON(!fill.max))
		return -ENODEV;

	/* Too small: say how many entries are needed */
	if (hdr.argsz < sizeof(hdr) + (size_t)fill.max * sizeof(*fill.devs)) {
		hdr.count = fill.max;
		return copy_to_user(arg, &hdr, minsz) ? -EFAULT : -ENOSPC;
	}

	fill.devs = kcalloc(fill.max, sizeof(*fill.devs), GFP_KERNEL);
	if (!fill.devs)
		return -ENOMEM;

	walk.fn = vpci_fill_one;
	walk.data = &fill;
	ret = vpci_walk_affected(vp->pdev, &walk);
	if (ret)
		goto out_free;

	/* A device may have gone since the count: report what was found */
	hdr.count = fill.cur;
	if (copy_to_user(arg, &hdr, minsz) ||
	    copy_to_user(arg->devices, fill.devs,
			 (size_t)fill.cur * sizeof(*fill.devs)))
		ret = -EFAULT;
out_free:
	kfree(fill.devs);
	return ret;
}

/**
 * struct vpci_reset_set - the affected devices of one hot reset
 * @files: the group files user space passed
 * @nr_files: entries in @files
 * @devs: our device for each affected function
 * @nr_devs: entries filled in @devs
 * @max: room in @devs
 */
struct vpci_reset_set {
	struct file **files;
	unsigned int nr_files;
	struct vfio_pci_dev **devs;
	unsigned int nr_devs;
	unsigned int max;
};

/* Collects @pdev's vfio-pci device; -EINVAL if it is not ours or unowned. */
static int vpci_collect_one(struct pci_dev *pdev, void *data)
{
	struct vpci_reset_set *set = data;
	struct vfio_pci_dev *vp;
	unsigned int i;

	if (set->nr_devs == set->max)
		return -EAGAIN;

	vp = vpci_hot_reset_find(pdev);
	if (!vp) {
		pci_dbg(pdev, "hot reset refused: not bound to vfio-pci\n");
		return -EINVAL;
	}
	for (i = 0; i < set->nr_files; i++)
		if (vfio_file_has_dev(set->files[i], &vp->vdev))
			break;
	if (i == set->nr_files) {
		pci_dbg(pdev, "hot reset refused: no file of its group given\n");
		return -EINVAL;
	}
	set->devs[set->nr_devs++] = vp;
	return 0;
}

/*
 * Resets every affected device once all of them are collected, with
 * their BAR mappings zapped and their memory_lock held for writing.
 * Several devices' locks are held at once, so every one is only tried
 * (as 6.1 does): -EBUSY rather than an order inversion with a fault
 * (mmap_lock, vma_lock, memory_lock) or a wait on a busy device.
 * pci_reset_bus() saves each function's config space, resets the slot
 * or bus and restores it.
 */
static int vpci_do_hot_reset(struct vfio_pci_dev *vp, struct pci_slot *slot,
			     struct vpci_reset_set *set)
{
	struct vpci_walk walk = { .slot = slot };
	unsigned int vma_locked = 0, mem_locked = 0, resumed = 0, i;
	int ret;

	mutex_lock(&vpci_hot_reset_lock);
	walk.fn = vpci_collect_one;
	walk.data = set;
	ret = vpci_walk_affected(vp->pdev, &walk);
	if (ret)
		goto out_unlock;

	/* Idle or low power devices go to D0: a D3hot one would not reset. */
	for (; resumed < set->nr_devs; resumed++) {
		ret = vpci_pm_get(set->devs[resumed]);
		if (ret)
			goto out_undo;
	}

	/* First every vma_lock with the mappings zapped... */
	for (; vma_locked < set->nr_devs; vma_locked++) {
		ret = vpci_try_zap_and_lock_vma(set->devs[vma_locked]);
		if (ret)
			goto out_undo;
	}
	/* ...then every memory_lock, which lets the vma_locks go */
	for (; mem_locked < set->nr_devs; mem_locked++) {
		struct vfio_pci_dev *cur = set->devs[mem_locked];

		if (!down_write_trylock(&cur->memory_lock)) {
			ret = -EBUSY;
			goto out_undo;
		}
		mutex_unlock(&cur->vma_lock);
	}

	/* A function the user put in D3hot would not reset */
	for (i = 0; i < set->nr_devs; i++)
		vpci_set_power_state_locked(set->devs[i], PCI_D0);
	ret = pci_reset_bus(vp->pdev);

out_undo:
	for (i = 0; i < vma_locked; i++) {
		if (i < mem_locked)
			up_write(&set->devs[i]->memory_lock);
		else
			mutex_unlock(&set->devs[i]->vma_lock);
	}
	for (i = 0; i < resumed; i++)
		vpci_pm_put(set->devs[i]);
out_unlock:
	mutex_unlock(&vpci_hot_reset_lock);
	return ret;
}

static long vpci_hot_reset(struct vfio_pci_dev *vp,
			   struct vfio_pci_hot_reset __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_pci_hot_reset, count);
	struct vpci_reset_set set = { };
	struct vfio_pci_hot_reset hdr;
	unsigned int affected = 0, i;
	struct vpci_walk walk = { };
	s32 *fds;
	long ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz || hdr.flags)
		return -EINVAL;

	ret = vpci_hot_reset_kind(vp->pdev, &walk.slot);
	if (ret)
		return ret;

	/* One group per affected device at most */
	walk.fn = vpci_count_one;
	walk.data = &affected;
	vpci_walk_affected(vp->pdev, &walk);
	if (!hdr.count || hdr.count > affected)
		return -EINVAL;

	fds = memdup_user(arg->group_fds, (size_t)hdr.count * sizeof(*fds));
	if (IS_ERR(fds))
		return PTR_ERR(fds);

	set.files = kcalloc(hdr.count, sizeof(*set.files), GFP_KERNEL);
	set.devs = kcalloc(affected, sizeof(*set.devs), GFP_KERNEL);
	if (!set.files || !set.devs) {
		ret = -ENOMEM;
		goto out_free;
	}
	set.max = affected;

	for (i = 0; i < hdr.count; i++) {
		struct file *file = fget(fds[i]);

		if (!file) {
			ret = -EBADF;
			goto out_put;
		}
		set.files[set.nr_files++] = file;
		if (!vfio_file_is_group(file)) {
			ret = -EINVAL;
			goto out_put;
		}
	}

	ret = vpci_do_hot_reset(vp, walk.slot, &set);
out_put:
	while (set.nr_files)
		fput(set.files[--set.nr_files]);
out_free:
	kfree(set.devs);
	kfree(set.files);
	kfree(fds);
	return ret;
}

/**
 * vpci_hot_reset_opened() - note that a user opened a device
 * @vp: a device being opened (its open_lock held)
 *
 * Waits for a reset at another device's last close to finish, so that a
 * device is never reset under a user who has just opened it.
 */
void vpci_hot_reset_opened(struct vfio_pci_dev *vp)
{
	mutex_lock(&vpci_hot_reset_lock);
	vp->in_use = true;
	mutex_unlock(&vpci_hot_reset_lock);
}

/* What one walk over the devices a reset at close affects does. */
enum vpci_idle_op {
	VPCI_IDLE_CHECK,	/* all ours and closed; does one need it? */
	VPCI_IDLE_RESUME,	/* runtime-resume each, counting them */
	VPCI_IDLE_RELEASE,	/* let the resumed ones go idle again */
};

/* A walk over the devices a reset at close would affect. */
struct vpci_idle_pass {
	enum vpci_idle_op op;
	bool needs_reset;	/* CHECK: one of them needs it */
	bool reset_done;	/* RELEASE: clear their needs_reset */
	unsigned int resumed;	/* RESUME counts up, RELEASE down */
};

/* -EBUSY for a device that is not ours or is open (CHECK). */
static int vpci_idle_one(struct pci_dev *pdev, void *data)
{
	struct vfio_pci_dev *cur = vpci_hot_reset_find(pdev);
	struct vpci_idle_pass *pass = data;

	switch (pass->op) {
	case VPCI_IDLE_CHECK:
		if (!cur || cur->in_use)
			return -EBUSY;
		pass->needs_reset |= cur->needs_reset;
		return 0;
	case VPCI_IDLE_RESUME:
		if (vpci_pm_get(cur))
			return -EIO;
		pass->resumed++;
		return 0;
	case VPCI_IDLE_RELEASE:
		if (!pass->resumed)
			return 1;
		pass->resumed--;
		if (pass->reset_done)
			cur->needs_reset = false;
		vpci_pm_put(cur);
		return 0;
	}
	return -EINVAL;
}

/**
 * vpci_hot_reset_closed() - note a close; reset the slot or bus after the last
 * @vp: a device being closed (its open_lock held), its function reset
 *      already tried
 * @needs_reset: that function reset failed or was not possible
 *
 * As 6.1 does: when a slot or bus reset of @vp exists, every device it
 * would affect is bound to vfio-pci and none of them is open any more,
 * and one of them was closed without a function reset since its last
 * open, the slot or bus is reset, which clears that for all of them.
 * Idle devices are runtime-resumed for the reset.
 */
void vpci_hot_reset_closed(struct vfio_pci_dev *vp, bool needs_reset)
{
	struct vpci_idle_pass pass = { .op = VPCI_IDLE_CHECK };
	struct vpci_walk walk = { .fn = vpci_idle_one, .data = &pass };
	int ret;

	mutex_lock(&vpci_hot_reset_lock);
	vp->in_use = false;
	vp->needs_reset = needs_reset;
	if (vpci_hot_reset_kind(vp->pdev, &walk.slot))
		goto out_unlock;
	if (vpci_walk_affected(vp->pdev, &walk) || !pass.needs_reset)
		goto out_unlock;

	pass.op = VPCI_IDLE_RESUME;
	ret = vpci_walk_affected(vp->pdev, &walk);
	if (!ret)
		ret = pci_reset_bus(vp->pdev);
	if (ret)
		pci_dbg(vp->pdev, "%s reset after the last close failed: %d\n",
			walk.slot ? "slot" : "bus", ret);
	else
		pci_dbg(vp->pdev, "%s reset after the last close\n",
			walk.slot ? "slot" : "bus");
	pass.op = VPCI_IDLE_RELEASE;
	pass.reset_done = !ret;
	vpci_walk_affected(vp->pdev, &walk);
out_unlock:
	mutex_unlock(&vpci_hot_reset_lock);
}

/**
 * vpci_hot_reset_ioctl() - the two hot reset ioctls of a device file
 * @vp: an open device
 * @cmd: VFIO_DEVICE_GET_PCI_HOT_RESET_INFO or VFIO_DEVICE_PCI_HOT_RESET
 * @arg: the user argument
 *
 * Return: 0 or a negative errno (see the top of this file).
 */
long vpci_hot_reset_ioctl(struct vfio_pci_dev *vp, unsigned int cmd,
			  void __user *arg)
{
	if (cmd == VFIO_DEVICE_GET_PCI_HOT_RESET_INFO)
		return vpci_hot_reset_info(vp, arg);
	return vpci_hot_reset(vp, arg);
}
