// SPDX-License-Identifier: GPL-2.0-only
/*
 * Introspection: /sys/kernel/debug/vfio/groups lists every registered
 * group with its opener's pid, container, backend, viability and
 * devices (driver, open count), then, for each group, the devices that
 * keep it from being viable: the device and driver the kernel log names
 * when SET_CONTAINER is refused
 * ("group <id>: not viable: device <name> bound to driver <driver>
 * (module <module>)").  /sys/kernel/debug/vfio/containers lists each
 * container in use with its backend and attached groups.  A backend
 * or device driver with a debugfs_show callback adds its own lines below
 * its container (mappings, pinned memory) or device (interrupts).
 *
 * The snapshot of one group is taken under its group_lock (which also
 * serializes every change of open counts) and its device_lock, so each
 * group's block is consistent; different groups may be seen at different
 * moments.  Nothing here changes state, and a failure to create the files
 * only loses the introspection.
 */
#include <linux/debugfs.h>
#include <linux/iommu.h>
#include <linux/pid.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

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

/* How many groups get the viability walk in one read of the file. */
#define VFIO_DEBUGFS_MAX_WALKS 64

struct vfio_debugfs_walk {
	struct seq_file *m;
	unsigned int count;
	unsigned int skipped;
	int ids[VFIO_DEBUGFS_MAX_WALKS];
	struct iommu_group *iommu_groups[VFIO_DEBUGFS_MAX_WALKS];
	int id;		/* the group being walked */
};

static void vfio_debugfs_show_group(struct vfio_group *group, void *data)
{
	struct vfio_debugfs_walk *walk = data;
	struct seq_file *m = walk->m;
	struct vfio_device *vdev;

	mutex_lock(&group->group_lock);
	seq_printf(m, "group %d (minor %u): ", group->id, group->minor);
	if (group->opened_file)
		seq_printf(m, "file open by pid %d, ", pid_nr(group->opener));
	else
		seq_puts(m, "file closed, ");
	vfio_debugfs_show_container(m, group);
	seq_printf(m, ", %u device files open, kvm %s\n", group->device_opens,
		   group->kvm ? "set" : "none");

	mutex_lock(&group->device_lock);
	list_for_each_entry(vdev, &group->device_list, group_entry) {
		seq_printf(m, "  device %s (%s): %u opens\n",
			   dev_name(vdev->dev),
			   vdev->ops->name ? vdev->ops->name : "?",
			   vdev->open_count);
		if (vdev->ops->debugfs_show)
			vdev->ops->debugfs_show(vdev, m);
	}
	mutex_unlock(&group->device_lock);

	/* The walk itself runs later, under none of our locks. */
	if (group->iommu_group) {
		if (walk->count < VFIO_DEBUGFS_MAX_WALKS) {
			walk->ids[walk->count] = group->id;
			walk->iommu_groups[walk->count++] =
				iommu_group_ref_get(group->iommu_group);
		} else {
			walk->skipped++;
		}
	}
	mutex_unlock(&group->group_lock);
}

static void vfio_debugfs_show_owner(struct device *dev, const char *driver,
				    const char *module, void *data)
{
	struct vfio_debugfs_walk *walk = data;

	if (!driver)
		seq_printf(walk->m, "group %d: device %s busy binding, not checked\n",
			   walk->id, dev_name(dev));
	else
		seq_printf(walk->m, "group %d: not viable: device %s bound to driver %s (module %s)\n",
			   walk->id, dev_name(dev), driver, module);
}

static int vfio_debugfs_groups_show(struct seq_file *m, void *unused)
{
	struct vfio_debugfs_walk *walk;
	unsigned int i;

	walk = kzalloc(sizeof(*walk), GFP_KERNEL);
	if (!walk)
		return -ENOMEM;
	walk->m = m;
	vfio_groups_for_each(vfio_debugfs_show_group, walk);
	for (i = 0; i < walk->count; i++) {
		walk->id = walk->ids[i];
		vfio_dma_owners_walk(walk->iommu_groups[i],
				     vfio_debugfs_show_owner, walk);
		iommu_group_put(walk->iommu_groups[i]);
	}
	if (walk->skipped)
		seq_printf(m, "%u more groups not checked for viability\n",
			   walk->skipped);
	kfree(walk);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vfio_debugfs_groups);

/*
 * One line per container with at least one group: printed from the group
 * first on its list, so each container once.  Containers with no group
 * hold no state worth showing.
 */
static void vfio_debugfs_show_container_groups(struct vfio_group *group,
					       void *data)
{
	struct vfio_container *container;
	struct seq_file *m = data;
	struct vfio_group *g;

	mutex_lock(&group->group_lock);
	container = group->container;
	if (!container)
		goto out;
	down_read(&container->lock);
	if (list_first_entry(&container->group_list, struct vfio_group,
			     container_entry) == group) {
		seq_printf(m, "container %p: backend %s, groups", container,
			   container->backend ? container->backend->name :
			   "none");
		list_for_each_entry(g, &container->group_list, container_entry)
			seq_printf(m, " %d", g->id);
		seq_putc(m, '\n');
		if (container->backend && container->backend->debugfs_show)
			container->backend->debugfs_show(container->iommu_data,
							 m);
	}
	up_read(&container->lock);
out:
	mutex_unlock(&group->group_lock);
}

static int vfio_debugfs_containers_show(struct seq_file *m, void *unused)
{
	vfio_groups_for_each(vfio_debugfs_show_container_groups, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vfio_debugfs_containers);

/**
 * vfio_debugfs_init() - create /sys/kernel/debug/vfio/
 */
void vfio_debugfs_init(void)
{
	vfio_debugfs_root = debugfs_create_dir("vfio", NULL);
	debugfs_create_file("groups", 0400, vfio_debugfs_root, NULL,
			    &vfio_debugfs_groups_fops);
	debugfs_create_file("containers", 0400, vfio_debugfs_root, NULL,
			    &vfio_debugfs_containers_fops);
}

/**
 * vfio_debugfs_exit() - remove /sys/kernel/debug/vfio/
 */
void vfio_debugfs_exit(void)
{
	debugfs_remove_recursive(vfio_debugfs_root);
}
