// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: runtime power management, and the LOW_POWER_ENTRY,
 * LOW_POWER_ENTRY_WITH_WAKEUP and LOW_POWER_EXIT device features.
 *
 * Idle D3hot: the PCI core holds one runtime-PM usage reference on a
 * device from probe to remove.  Unless disable_idle_d3 was set when the
 * module was loaded, probe drops it, so a device nobody has open
 * runtime-suspends: the PCI core saves its config space and puts it in
 * D3hot if it has a PM capability (without one it stays in D0 and only
 * its runtime status says "suspended").  The first open takes the
 * reference back, resuming the device to D0, and the last close drops
 * it.  remove() takes it back without resuming: the PCI core resumed
 * the device before calling remove().
 *
 * Low power on request: LOW_POWER_ENTRY[_WITH_WAKEUP] drops the open's
 * reference (pm_runtime_engaged), so the device suspends as soon as the
 * reference the vfio core holds around the ioctl goes.  BAR mappings are
 * zapped on entry and their faults get SIGBUS until the request ends.
 * A region read/write and every ioctl hold a reference, so the device
 * resumes for them.  A resume while a wakeup eventfd is set signals it
 * and ends the request (the open's reference comes back): the device
 * then stays in D0.  LOW_POWER_EXIT and the last close end a request
 * too.
 *
 * Usage count of a bound device: 1 (the PCI core's), minus 1 for idle
 * D3hot, plus 1 per open while idle D3hot is used, minus 1 while a low
 * power request is engaged; with disable_idle_d3 the count is 1 while
 * idle, and a low power request still lets the device suspend.
 *
 * Locking: pm_runtime_engaged and pm_wake_eventfd change with
 * memory_lock held for writing; pm_suspended is set by the suspend
 * callback before the PCI core moves the device to D3hot and cleared by
 * the resume callback after it is back in D0, both with memory_lock
 * held for writing, so that a BAR access that holds memory_lock for
 * reading and checks vpci_memory_enabled() never reaches a device in
 * D3hot.  Nothing calls into runtime PM with memory_lock held: the
 * resume callback takes it.
 */
#include <linux/eventfd.h>
#include <linux/pci.h>
#include <linux/pm_runtime.h>
#include <linux/uaccess.h>

#include "vfio_compat.h"
#include "vfio_pci_priv.h"

/**
 * vpci_pm_init() - enable runtime PM of a device being probed
 * @vp: the device, its drvdata set
 *
 * The PCI core leaves the power state unknown when a device is probed
 * after another driver let it go, and allows only D0 from there: move
 * to D0 before runtime PM may suspend the device.
 */
void vpci_pm_init(struct vfio_pci_dev *vp)
{
	struct device *dev = &vp->pdev->dev;

	vp->disable_idle_d3 = vpci_disable_idle_d3;
	pci_set_power_state(vp->pdev, PCI_D0);
	pm_runtime_allow(dev);
	if (!vp->disable_idle_d3)
		pm_runtime_put(dev);
}

/**
 * vpci_pm_uninit() - undo vpci_pm_init()
 * @vp: a device no longer registered, or whose registration failed
 */
void vpci_pm_uninit(struct vfio_pci_dev *vp)
{
	struct device *dev = &vp->pdev->dev;

	if (!vp->disable_idle_d3)
		pm_runtime_get_noresume(dev);
	pm_runtime_forbid(dev);
}

/**
 * vpci_pm_open() - first open: the device goes to D0 and stays there
 * @vp: the device being opened
 *
 * Return: 0, or the negative errno of the runtime resume.
 */
int vpci_pm_open(struct vfio_pci_dev *vp)
{
	int ret;

	if (vp->disable_idle_d3)
		return 0;
	ret = pm_runtime_resume_and_get(&vp->pdev->dev);
	return ret < 0 ? ret : 0;
}

/**
 * vpci_pm_close_done() - let a closed device go idle again
 * @vp: a device vpci_pm_open() succeeded on, now closed
 */
void vpci_pm_close_done(struct vfio_pci_dev *vp)
{
	if (!vp->disable_idle_d3)
		pm_runtime_put(&vp->pdev->dev);
}

/**
 * vpci_pm_get() - keep the device in D0 for one access
 * @vp: a bound device
 *
 * Return: 0, or -EIO if the device cannot be resumed.
 */
int vpci_pm_get(struct vfio_pci_dev *vp)
{
	int ret;

	ret = pm_runtime_resume_and_get(&vp->pdev->dev);
	if (ret) {
		pci_info_ratelimited(vp->pdev, "runtime resume failed %d\n",
				     ret);
		return -EIO;
	}
	return 0;
}

/**
 * vpci_pm_put() - end an access vpci_pm_get() started
 * @vp: a bound device
 */
void vpci_pm_put(struct vfio_pci_dev *vp)
{
	pm_runtime_put(&vp->pdev->dev);
}

/* End a low power request: the open's reference comes back. */
static void __vpci_pm_exit(struct vfio_pci_dev *vp)
{
	lockdep_assert_held_write(&vp->memory_lock);
	if (!vp->pm_runtime_engaged)
		return;
	vp->pm_runtime_engaged = false;
	pm_runtime_get_noresume(&vp->pdev->dev);
	if (vp->pm_wake_eventfd) {
		eventfd_ctx_put(vp->pm_wake_eventfd);
		vp->pm_wake_eventfd = NULL;
	}
}

static void vpci_pm_exit(struct vfio_pci_dev *vp)
{
	down_write(&vp->memory_lock);
	__vpci_pm_exit(vp);
	up_write(&vp->memory_lock);
}

/**
 * vpci_pm_close() - the last close starts: back to D0 for the teardown
 * @vp: an open device, possibly in a low power state
 */
void vpci_pm_close(struct vfio_pci_dev *vp)
{
	vpci_pm_exit(vp);
	pm_runtime_resume(&vp->pdev->dev);
}

/* A low power request; takes @wake (may be NULL) unless it fails. */
static int vpci_pm_entry(struct vfio_pci_dev *vp, struct eventfd_ctx *wake)
{
	vpci_zap_and_lock_memory(vp);
	if (vp->pm_runtime_engaged) {
		up_write(&vp->memory_lock);
		return -EINVAL;
	}
	vp->pm_runtime_engaged = true;
	vp->pm_wake_eventfd = wake;
	/* The core's reference around this ioctl is the last one now. */
	pm_runtime_put_noidle(&vp->pdev->dev);
	up_write(&vp->memory_lock);
	return 0;
}

static int vpci_feature_entry_wakeup(struct vfio_pci_dev *vp, u32 flags,
				     void __user *data, size_t size)
{
	struct vfio_device_low_power_entry_with_wakeup entry;
	struct eventfd_ctx *wake;
	int ret;

	ret = vpci_feature_check(flags, size, VFIO_DEVICE_FEATURE_SET,
				 sizeof(entry));
	if (ret != 1)
		return ret;
	if (copy_from_user(&entry, data, sizeof(entry)))
		return -EFAULT;
	/* As in 6.1, reserved is not looked at. */
	if (entry.wakeup_eventfd < 0)
		return -EINVAL;

	wake = eventfd_ctx_fdget(entry.wakeup_eventfd);
	if (IS_ERR(wake))
		return PTR_ERR(wake);
	ret = vpci_pm_entry(vp, wake);
	if (ret)
		eventfd_ctx_put(wake);
	return ret;
}

/**
 * vpci_pm_feature() - the LOW_POWER_* device features
 * @vp: an open device, resumed by the vfio core for the ioctl
 * @flags: vfio_device_feature::flags, checked by the vfio core
 * @data: the user's payload after the header
 * @size: bytes of payload the user's argsz leaves
 *
 * Return: 0 (or a PROBE's 0), -EINVAL for a bad operation, size or
 * eventfd number, or an entry while a request is engaged, -EBADF or
 * -EINVAL for a file that is not an eventfd, -EFAULT, or -ENOTTY for a
 * feature that is not a low power one.
 */
long vpci_pm_feature(struct vfio_pci_dev *vp, u32 flags, void __user *data,
		     size_t size)
{
	int ret;

	switch (flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
		ret = vpci_feature_check(flags, size,
					 VFIO_DEVICE_FEATURE_SET, 0);
		if (ret != 1)
			return ret;
		return vpci_pm_entry(vp, NULL);
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP:
		return vpci_feature_entry_wakeup(vp, flags, data, size);
	case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
		ret = vpci_feature_check(flags, size,
					 VFIO_DEVICE_FEATURE_SET, 0);
		if (ret != 1)
			return ret;
		/*
		 * The ioctl resumed the device: with a wakeup eventfd the
		 * resume has already signalled it and ended the request.
		 */
		vpci_pm_exit(vp);
		return 0;
	default:
		return -ENOTTY;
	}
}

#ifdef CONFIG_PM
static int vpci_runtime_suspend(struct device *dev)
{
	struct vfio_pci_dev *vp = dev_get_drvdata(dev);

	down_write(&vp->memory_lock);
	vp->pm_suspended = true;
	up_write(&vp->memory_lock);

	/* Mask INTx in use, unless the user masked it already. */
	mutex_lock(&vp->igate);
	vp->pm_intx_masked = vp->irq_type == VFIO_PCI_INTX_IRQ_INDEX &&
			     vpci_intx_mask(vp);
	mutex_unlock(&vp->igate);
	return 0;
}

static int vpci_runtime_resume(struct device *dev)
{
	struct vfio_pci_dev *vp = dev_get_drvdata(dev);

	down_write(&vp->memory_lock);
	vp->pm_suspended = false;
	if (vp->pm_wake_eventfd) {
		vfio_compat_eventfd_signal(vp->pm_wake_eventfd);
		__vpci_pm_exit(vp);
	}
	up_write(&vp->memory_lock);

	mutex_lock(&vp->igate);
	if (vp->pm_intx_masked) {
		vp->pm_intx_masked = false;
		vpci_intx_unmask(vp);
	}
	mutex_unlock(&vp->igate);
	return 0;
}
#endif

/*
 * The PCI core saves the config space before it suspends the device and
 * restores it on resume, so the callbacks need not.
 */
const struct dev_pm_ops vpci_pm_ops = {
	SET_RUNTIME_PM_OPS(vpci_runtime_suspend, vpci_runtime_resume, NULL)
};
