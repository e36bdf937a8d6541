// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: the pci_driver, its module parameters and probe/remove.
 *
 * The driver matches nothing by itself: devices reach it through
 * driver_override, new_id or the ids= parameter.  probe() embeds a
 * struct vfio_device in a struct vfio_pci_dev and registers it with the
 * vfio core; remove() unregisters it, which waits until user space has
 * closed every file of the device.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "vfio_compat.h"
#include "vfio_pci_priv.h"
#include "vfio_oot_version.h"

static char ids[1024] __initdata;
module_param_string(ids, ids, sizeof(ids), 0);
MODULE_PARM_DESC(ids, "Devices vfio-pci binds from load on, as a comma-separated list of vendor:device[:subvendor[:subdevice[:class[:class_mask]]]] in hex (like new_id; default: none)");

bool vpci_nointxmask;
module_param_named(nointxmask, vpci_nointxmask, bool, 0644);
MODULE_PARM_DESC(nointxmask, "Never mask INTx through the command register's Interrupt Disable bit: an INTx line is then taken only when no other device shares it (a workaround for devices whose DisINTx is broken; default: no)");

bool vpci_disable_vga;
module_param_named(disable_vga, vpci_disable_vga, bool, 0444);
MODULE_PARM_DESC(disable_vga, "Offer no VGA region (legacy VGA memory and I/O ports) for VGA devices (default: no)");

/*
 * As in 6.1, the value when the module is loaded counts: vpci_init()
 * copies it, and writing the parameter later changes nothing.
 */
static bool disable_idle_d3;
module_param(disable_idle_d3, bool, 0644);
MODULE_PARM_DESC(disable_idle_d3, "Keep devices that no user has open in D0 instead of suspending them to D3hot (read at load; default: no)");
bool vpci_disable_idle_d3;

bool vpci_enable_sriov;
module_param_named(enable_sriov, vpci_enable_sriov, bool, 0644);
MODULE_PARM_DESC(enable_sriov, "Let sriov_numvfs create VFs of a PF bound to vfio-pci; the user-space PF driver must then support them, or the VFs may not work (default: no)");

bool vpci_disable_denylist;
module_param_named(disable_denylist, vpci_disable_denylist, bool, 0444);
MODULE_PARM_DESC(disable_denylist, "Allow binding the devices on the denylist: devices with known errata that an untrusted user could exploit to harm the stability or security of the host (default: no)");

/* Registrations that point into the BARs go before the BARs are unmapped. */
static void vpci_close(struct vfio_device *vdev)
{
	vpci_ioeventfds_release(to_vpci(vdev));
	vpci_close_device(vdev);
}

static void vpci_request(struct vfio_device *vdev, unsigned int count)
{
	struct vfio_pci_dev *vp = to_vpci(vdev);

	mutex_lock(&vp->igate);
	if (vp->req_trigger) {
		if (!(count % 10))
			pci_notice_ratelimited(vp->pdev,
					       "asking user space to release the device (#%u)\n",
					       count);
		vfio_compat_eventfd_signal(vp->req_trigger);
	} else if (count == 0) {
		pci_notice(vp->pdev,
			   "no request eventfd set: unbind waits until user space closes the device\n");
	}
	mutex_unlock(&vp->igate);
}

static const struct vfio_device_ops vpci_ops = {
	.name = "vfio-pci",
	.open_device = vpci_open_device,
	.close_device = vpci_close,
	.read = vpci_read,
	.write = vpci_write,
	.ioctl = vpci_ioctl,
	.mmap = vpci_mmap,
	.vma_pfns = vpci_vma_pfns,
	.request = vpci_request,
	.match = vpci_match,
	.debugfs_show = vpci_debugfs_show,
};

/* Undo what probe set up; the device is not, or no longer, registered. */
static void vpci_free(struct vfio_pci_dev *vp)
{
	dev_set_drvdata(&vp->pdev->dev, NULL);
	vfio_uninit_device(&vp->vdev);
	mutex_destroy(&vp->vma_lock);
	mutex_destroy(&vp->bar_lock);
	mutex_destroy(&vp->igate);
	mutex_destroy(&vp->ioeventfd_lock);
	kfree(vp);
}

static int vpci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vfio_pci_dev *vp;
	int ret;

	/* -EINVAL, as the in-tree 6.1 driver answers */
	if (vpci_denylisted(pdev))
		return -EINVAL;

	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL)
		return -EINVAL;

	vp = kzalloc(sizeof(*vp), GFP_KERNEL);
	if (!vp)
		return -ENOMEM;

	vp->pdev = pdev;
	vp->irq_type = VPCI_IRQ_NONE;
	vp->msix_bar = -1;
	vp->has_vga = !vpci_disable_vga &&
		      (pdev->class >> 8) == PCI_CLASS_DISPLAY_VGA;
	mutex_init(&vp->igate);
	init_rwsem(&vp->memory_lock);
	mutex_init(&vp->bar_lock);
	mutex_init(&vp->vma_lock);
	INIT_LIST_HEAD(&vp->vma_list);
	mutex_init(&vp->ioeventfd_lock);
	INIT_LIST_HEAD(&vp->ioeventfds);
	INIT_LIST_HEAD(&vp->hot_reset_node);
	spin_lock_init(&vp->irqlock);
	vfio_init_device(&vp->vdev, &pdev->dev, &vpci_ops);
	dev_set_drvdata(&pdev->dev, vp);
	ret = vpci_vga_init(vp);
	if (ret)
		goto err_free;
	vpci_pm_init(vp);

	ret = vpci_sriov_probe(vp);
	if (ret)
		goto err_pm;
	ret = vfio_register_group_dev(&vp->vdev);
	if (ret)
		goto err_sriov;
	vpci_hot_reset_add(vp);
	return 0;

err_sriov:
	vpci_sriov_free(vp);
err_pm:
	vpci_pm_uninit(vp);
	vpci_vga_uninit(vp);
err_free:
	vpci_free(vp);
	return ret;
}

static void vpci_remove(struct pci_dev *pdev)
{
	struct vfio_pci_dev *vp = dev_get_drvdata(&pdev->dev);

	/* VFs first: unbinding them waits for their users. */
	vpci_sriov_remove(vp);
	vpci_hot_reset_del(vp);
	vfio_unregister_group_dev(&vp->vdev);
	vpci_sriov_free(vp);
	vpci_pm_uninit(vp);
	vpci_vga_uninit(vp);
	vpci_free(vp);
}

static pci_ers_result_t vpci_error_detected(struct pci_dev *pdev,
					    pci_channel_state_t state)
{
	struct vfio_pci_dev *vp = dev_get_drvdata(&pdev->dev);

	mutex_lock(&vp->igate);
	if (vp->err_trigger)
		vfio_compat_eventfd_signal(vp->err_trigger);
	mutex_unlock(&vp->igate);

	return PCI_ERS_RESULT_CAN_RECOVER;
}

static const struct pci_error_handlers vpci_err_handlers = {
	.error_detected = vpci_error_detected,
};

static const struct pci_device_id vpci_table[] = {
	/* Only devices given to us with driver_override */
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(PCI_ANY_ID, PCI_ANY_ID) },
	{}
};
MODULE_DEVICE_TABLE(pci, vpci_table);

static struct pci_driver vpci_driver = {
	.name = "vfio-pci",
	.id_table = vpci_table,
	.probe = vpci_probe,
	.remove = vpci_remove,
	.sriov_configure = vpci_sriov_configure,
	.err_handler = &vpci_err_handlers,
	.driver_managed_dma = true,
	.driver.pm = &vpci_pm_ops,
};

/* Add one "vendor:device[:subvendor[:subdevice[:class[:class_mask]]]]". */
static void __init vpci_add_id(const char *id)
{
	unsigned int vendor, device, subvendor = PCI_ANY_ID,
		subdevice = PCI_ANY_ID, class = 0, class_mask = 0;
	int fields, ret;

	fields = sscanf(id, "%x:%x:%x:%x:%x:%x", &vendor, &device,
			&subvendor, &subdevice, &class, &class_mask);
	if (fields < 2) {
		pr_warn("vfio-pci: ignoring invalid id string \"%s\"\n", id);
		return;
	}

	ret = pci_add_dynid(&vpci_driver, vendor, device, subvendor,
			    subdevice, class, class_mask, 0);
	if (ret)
		pr_warn("vfio-pci: cannot add id %04x:%04x[%04x:%04x] class %#08x/%08x: %d\n",
			vendor, device, subvendor, subdevice, class,
			class_mask, ret);
	else
		pr_info("vfio-pci: added [%04x:%04x[%04x:%04x]] class %#08x/%08x\n",
			vendor, device, subvendor, subdevice, class,
			class_mask);
}

static void __init vpci_add_ids(void)
{
	char *p = ids, *id;

	while ((id = strsep(&p, ","))) {
		if (*id)
			vpci_add_id(id);
	}
}

static int __init vpci_init(void)
{
	int ret;

	vpci_disable_idle_d3 = disable_idle_d3;
	ret = pci_register_driver(&vpci_driver);
	if (ret)
		return ret;

	vpci_add_ids();
	if (vpci_disable_denylist)
		pr_warn("vfio-pci: device denylist disabled (disable_denylist=1)\n");
	return 0;
}

static void __exit vpci_exit(void)
{
	pci_unregister_driver(&vpci_driver);
}

module_init(vpci_init);
module_exit(vpci_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO driver for PCI devices (out-of-tree replacement)");
MODULE_VERSION(VFIO_OOT_VERSION);
