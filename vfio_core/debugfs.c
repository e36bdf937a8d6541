// SPDX-License-Identifier: GPL-2.0-only
/*
 * Introspection: /sys/kernel/debug/vfio/groups lists every registered
 * group with its container, backend, viability and devices.
 *
 * The snapshot of one group is taken under its group_lock (which also
 * serializes every change of open counts) and its device_lock, so each
 * group's block is consistent; different groups may be seen at different
 * moments.  Nothing here changes state, and a failure to create the files
 * only loses the introspection.
 */
#include <linux/debugfs.h>
#include <linux/iommu.h>
#include <linux/seq_file.h>

#include "vfio_core_priv.h"

static struct dentry *vfio_debugfs_root;

static void vfio_debugfs_show_container(struct seq_file *m,
					struct vfio_group *group)
{
	struct vfio_container *container = group->container;

	lockdep_assert_held(&group->group_lock);

	if (!container) {
		seq_printf(m, "no container, %s",
			   iommu_group_dma_owner_claimed(group->iommu_group) ?
			   "not viable (a kernel driver owns DMA)" : "viable");
		return;
	}

	down_read(&container->lock);
	seq_printf(m, "container %p, backend %s", container,
		   container->backend ? container->backend->name : "none");
	up_read(&container->lock);
}

static void vfio_debugfs_show_group(struct vfio_group *group, void *data)
{
	struct seq_file *m = data;
	struct vfio_device *vdev;

	mutex_lock(&group->group_lock);
	seq_printf(m, "group %d (minor %u): file %s, ", group->id, group->minor,
		   group->opened_file ? "open" : "closed");
	vfio_debugfs_show_container(m, group);
	seq_printf(m, ", %u device files open, kvm %s\n", group->device_opens,
		   group->kvm ? "set" : "none");

	mutex_lock(&group->device_lock);
	list_for_each_entry(vdev, &group->device_list, group_entry)
		seq_printf(m, "  device %s (%s): %u opens\n",
			   dev_name(vdev->dev),
			   vdev->ops->name ? vdev->ops->name : "?",
			   vdev->open_count);
	mutex_unlock(&group->device_lock);
	mutex_unlock(&group->group_lock);
}

static int vfio_debugfs_groups_show(struct seq_file *m, void *unused)
{
	vfio_groups_for_each(vfio_debugfs_show_group, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vfio_debugfs_groups);

/**
 * vfio_debugfs_init() - create /sys/kernel/debug/vfio/
 */
void vfio_debugfs_init(void)
{
	vfio_debugfs_root = debugfs_create_dir("vfio", NULL);
	debugfs_create_file("groups", 0400, vfio_debugfs_root, NULL,
			    &vfio_debugfs_groups_fops);
}

/**
 * vfio_debugfs_exit() - remove /sys/kernel/debug/vfio/
 */
void vfio_debugfs_exit(void)
{
	debugfs_remove_recursive(vfio_debugfs_root);
}
