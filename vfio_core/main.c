// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio.ko: module init and exit.
 *
 * Sets up, in order: the "vfio" class (device nodes "vfio/<name>"), the
 * chrdev region and cdev of the group nodes (/dev/vfio/<id>), and the
 * container misc device (/dev/vfio/vfio, last, so that user space can
 * only find us once everything behind it exists).  Exit undoes it in
 * reverse; it cannot run while a device driver or backend module that
 * uses our symbols is loaded, so no group or container state is left.
 */
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <uapi/linux/vfio.h>

#include "vfio_compat.h"
#include "vfio_core_priv.h"
#include "vfio_oot_version.h"

struct class *vfio_group_class;
dev_t vfio_group_devt;

static char *vfio_devnode(VFIO_COMPAT_DEVNODE_CONST struct device *dev,
			  umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "vfio/%s", dev_name(dev));
}

static int __init vfio_core_init(void)
{
	int ret;

	vfio_group_class = vfio_compat_class_create("vfio");
	if (IS_ERR(vfio_group_class))
		return PTR_ERR(vfio_group_class);
	vfio_group_class->devnode = vfio_devnode;

	ret = alloc_chrdev_region(&vfio_group_devt, 0, MINORMASK + 1, "vfio");
	if (ret)
		goto destroy_class;

	ret = vfio_group_init();
	if (ret)
		goto unregister_region;

	ret = vfio_container_init();
	if (ret)
		goto exit_groups;

	vfio_debugfs_init();
	pr_info("vfio: VFIO core (out-of-tree), API version %d\n",
		VFIO_API_VERSION);
	return 0;

exit_groups:
	vfio_group_exit();
unregister_region:
	unregister_chrdev_region(vfio_group_devt, MINORMASK + 1);
destroy_class:
	class_destroy(vfio_group_class);
	return ret;
}

static void __exit vfio_core_exit(void)
{
	vfio_debugfs_exit();
	vfio_container_exit();
	vfio_group_exit();
	unregister_chrdev_region(vfio_group_devt, MINORMASK + 1);
	class_destroy(vfio_group_class);
}

module_init(vfio_core_init);
module_exit(vfio_core_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO core: containers, groups and device files");
MODULE_VERSION(VFIO_OOT_VERSION);
MODULE_ALIAS_MISCDEV(VFIO_MINOR);
MODULE_ALIAS("devname:vfio/vfio");
MODULE_SOFTDEP("post: vfio_iommu_type1");
