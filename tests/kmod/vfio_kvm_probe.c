// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kvm_probe: looks up, the way kvm.ko does, the symbols VFIO exports
 * for KVM (vfio_file_is_group, vfio_file_iommu_group,
 * vfio_file_enforced_coherent, vfio_file_set_kvm) with symbol_get() at
 * run time, and calls them on a file the test names.
 *
 * /sys/kernel/debug/vfio_kvm_probe/fd: write a file descriptor number of
 * the writing process; a read returns one line for the last write:
 *
 *   is_group=1 iommu_group=<id> coherent=<0|1> set_kvm=ok
 *   is_group=0 iommu_group=-1
 *
 * (6.1's vfio_file_iommu_group() answers NULL, iommu_group=-1, unless the
 * kernel has CONFIG_SPAPR_TCE_IOMMU: only SPAPR's kvm path uses it.)
 *
 * A symbol that cannot be resolved reads as "<name>=missing".  set_kvm is
 * only ever called with a NULL kvm (there is no VM here); it clears what
 * a previous call set, which is a no-op for a group no VM uses.
 *
 * Locking: probe_lock serializes writes and reads of the result buffer.
 */
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#define PROBE_RESULT_LEN 128

static struct dentry *probe_dir;
static DEFINE_MUTEX(probe_lock);
static char probe_result[PROBE_RESULT_LEN] = "none\n";

/* Appends the answers for @file to @buf; returns the new length. */
static size_t probe_file(struct file *file, char *buf, size_t len)
{
	struct iommu_group *(*iommu_group_fn)(struct file *file);
	bool (*coherent_fn)(struct file *file);
	void (*set_kvm_fn)(struct file *file, struct kvm *kvm);
	bool (*is_group_fn)(struct file *file);
	struct iommu_group *grp;
	size_t n = 0;
	bool is_group;

	is_group_fn = symbol_get(vfio_file_is_group);
	if (!is_group_fn)
		return scnprintf(buf, len, "is_group=missing\n");
	is_group = is_group_fn(file);
	symbol_put(vfio_file_is_group);
	n += scnprintf(buf + n, len - n, "is_group=%d", is_group);

	iommu_group_fn = symbol_get(vfio_file_iommu_group);
	if (iommu_group_fn) {
		/* as in 6.1, a returned group comes with a reference */
		grp = iommu_group_fn(file);
		n += scnprintf(buf + n, len - n, " iommu_group=%d",
			       grp ? iommu_group_id(grp) : -1);
		if (grp)
			iommu_group_put(grp);
		symbol_put(vfio_file_iommu_group);
	} else {
		n += scnprintf(buf + n, len - n, " iommu_group=missing");
	}
	if (!is_group)
		goto out;

	coherent_fn = symbol_get(vfio_file_enforced_coherent);
	if (coherent_fn) {
		n += scnprintf(buf + n, len - n, " coherent=%d",
			       coherent_fn(file));
		symbol_put(vfio_file_enforced_coherent);
	} else {
		n += scnprintf(buf + n, len - n, " coherent=missing");
	}

	set_kvm_fn = symbol_get(vfio_file_set_kvm);
	if (set_kvm_fn) {
		set_kvm_fn(file, NULL);
		n += scnprintf(buf + n, len - n, " set_kvm=ok");
		symbol_put(vfio_file_set_kvm);
	} else {
		n += scnprintf(buf + n, len - n, " set_kvm=missing");
	}
out:
	n += scnprintf(buf + n, len - n, "\n");
	return n;
}

static ssize_t probe_write(struct file *f, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	struct file *file;
	unsigned int fd;
	int ret;

	ret = kstrtouint_from_user(ubuf, count, 10, &fd);
	if (ret)
		return ret;
	file = fget(fd);
	if (!file)
		return -EBADF;

	mutex_lock(&probe_lock);
	probe_file(file, probe_result, sizeof(probe_result));
	mutex_unlock(&probe_lock);
	fput(file);
	return count;
}

static ssize_t probe_read(struct file *f, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&probe_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, probe_result,
				      strlen(probe_result));
	mutex_unlock(&probe_lock);
	return ret;
}

static const struct file_operations probe_fops = {
	.owner = THIS_MODULE,
	.read = probe_read,
	.write = probe_write,
	.llseek = default_llseek,
};

static int __init vfio_kvm_probe_init(void)
{
	probe_dir = debugfs_create_dir("vfio_kvm_probe", NULL);
	debugfs_create_file("fd", 0600, probe_dir, NULL, &probe_fops);
	return 0;
}

static void __exit vfio_kvm_probe_exit(void)
{
	debugfs_remove_recursive(probe_dir);
}

module_init(vfio_kvm_probe_init);
module_exit(vfio_kvm_probe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test: resolve VFIO's KVM exports with symbol_get()");
