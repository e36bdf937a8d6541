// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-diag: devices, their drivers and IOMMU groups, from sysfs.
 *
 * Viability: VFIO lets a group into a container only when no kernel
 * driver that uses the DMA API owns a device of the group (6.1's
 * iommu_group_claim_dma_owner()).  A device keeps its group viable when
 * it is bound to no driver, or to a driver that declares
 * driver_managed_dma: the VFIO drivers themselves, pci-stub and the PCIe
 * port driver (pcieport) in 6.1, and the vendor VFIO variants of 6.1 and
 * 6.12.  Any other bound driver makes the group not viable.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"

static const char * const vd_accepted[] = {
	VFIO_PCI, "pci-stub", "pcieport",
	"vfio-platform", "vfio-amba", "vfio-fsl-mc",
	"hisi-acc-vfio-pci", "mlx5_vfio_pci", "pds-vfio-pci",
	"qat_vfio_pci", "nvgrace-gpu-vfio-pci", "virtio-vfio-pci",
};

bool vd_driver_accepted(const char *driver)
{
	size_t i;

	if (!driver[0])
		return true;
	for (i = 0; i < ARRAY_SIZE(vd_accepted); i++)
		if (!strcmp(driver, vd_accepted[i]))
			return true;
	return false;
}

/* "3:00.0", "03:00.0" and "0000:03:00.0" name the same function. */
int vd_normalize_bdf(const char *in, char *out, size_t len)
{
	unsigned int dom = 0, bus, dev, fn;
	char tail;

	if (sscanf(in, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &tail) != 4) {
		dom = 0;
		if (sscanf(in, "%x:%x.%x%c", &bus, &dev, &fn, &tail) != 3)
			return -EINVAL;
	}
	if (dom > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(out, len, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

static unsigned int vd_read_hex(const char *dir, const char *attr)
{
	char buf[32];

	if (vd_readf(buf, sizeof(buf), "%s/%s", dir, attr))
		return 0;
	return strtoul(buf, NULL, 16);
}

/* @name: an entry of a group's devices/ directory (a BDF for PCI). */
int vd_dev_read(const char *name, struct vd_dev *d)
{
	char dir[256], path[320];

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(dir, sizeof(dir), PCI_DEVICES "/%s", name);
	d->pci = vd_exists(dir);
	if (!d->pci)
		snprintf(dir, sizeof(dir), "/sys/bus/platform/devices/%s", name);
	if (!vd_exists(dir))
		return -ENOENT;
	if (d->pci) {
		d->vendor = vd_read_hex(dir, "vendor");
		d->device = vd_read_hex(dir, "device");
		d->class = vd_read_hex(dir, "class");
	}
	snprintf(path, sizeof(path), "%s/driver", dir);
	if (vd_link_name(path, d->driver, sizeof(d->driver)))
		return 0;
	snprintf(path, sizeof(path), "%s/driver/module", dir);
	vd_link_name(path, d->module, sizeof(d->module));
	return 0;
}

/* The IOMMU group of a PCI function, or a negative errno. */
int vd_dev_group(const char *bdf)
{
	char path[256], name[32];
	int err;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/iommu_group", bdf);
	err = vd_link_name(path, name, sizeof(name));
	if (err)
		return err;
	return atoi(name);
}

/* The devices of a group, in name order; how many, or a negative errno. */
int vd_group_devices(int group, struct vd_dev **devs)
{
	char dir[128], **names;
	int i, n, k = 0;

	*devs = NULL;
	snprintf(dir, sizeof(dir), IOMMU_GROUPS "/%d/devices", group);
	n = vd_list_dir(dir, &names);
	if (n <= 0)
		return n;
	*devs = calloc(n, sizeof(**devs));
	if (!*devs) {
		vd_free_list(names, n);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (!vd_dev_read(names[i], &(*devs)[k]))
			k++;
	vd_free_list(names, n);
	return k;
}

/* The IOMMU group numbers, in numeric order. */
int vd_list_groups(int **ids)
{
	char **names;
	int i, n;

	*ids = NULL;
	n = vd_list_dir(IOMMU_GROUPS, &names);
	if (n <= 0)
		return n;
	*ids = calloc(n, sizeof(**ids));
	if (!*ids) {
		vd_free_list(names, n);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		(*ids)[i] = atoi(names[i]);
	vd_free_list(names, n);
	return n;
}

/* How many devices of the group make it not viable. */
int vd_group_offenders(const struct vd_dev *devs, int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++)
		if (!vd_driver_accepted(devs[i].driver))
			bad++;
	return bad;
}

/*
 * The processes holding /dev/vfio/<group> open, as "pid (comm)" separated
 * by ", " in @buf; returns how many (0 when none, or when /proc cannot
 * tell, e.g. for another user's processes).
 */
int vd_group_openers(int group, char *buf, size_t len)
{
	char node[64], fddir[64], link[320], target[128], comm[64];
	char **pids, **fds;
	int np, nf, i, j, count = 0;
	size_t used = 0;
	ssize_t t;

	buf[0] = '\0';
	snprintf(node, sizeof(node), "/dev/vfio/%d", group);
	np = vd_list_dir("/proc", &pids);
	for (i = 0; i < np; i++) {
		if (!isdigit((unsigned char)pids[i][0]))
			continue;
		snprintf(fddir, sizeof(fddir), "/proc/%s/fd", pids[i]);
		nf = vd_list_dir(fddir, &fds);
		for (j = 0; j < nf; j++) {
			snprintf(link, sizeof(link), "%s/%s", fddir, fds[j]);
			t = readlink(link, target, sizeof(target) - 1);
			if (t < 0)
				continue;
			target[t] = '\0';
			if (strcmp(target, node))
				continue;
			if (vd_readf(comm, sizeof(comm), "/proc/%s/comm",
				     pids[i]))
				snprintf(comm, sizeof(comm), "?");
			if (used < len)
				used += snprintf(buf + used, len - used,
						 "%s%s (%s)", count ? ", " : "",
						 pids[i], comm);
			count++;
			break;
		}
		if (nf > 0)
			vd_free_list(fds, nf);
	}
	if (np > 0)
		vd_free_list(pids, np);
	return count;
}

bool vd_module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return vd_exists(path);
}
