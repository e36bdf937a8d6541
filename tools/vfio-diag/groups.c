// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-diag groups [-v]: every IOMMU group with its devices (name,
 * vendor:device, class, driver) and its viability as VFIO sees it; for a
 * group that is not viable, which devices and drivers make it so and how
 * to fix it.  -v adds each group's domain type and reserved regions,
 * each device's driver_override, and the verdict of vfio-oot's debugfs.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

#define DEBUGFS_GROUPS "/sys/kernel/debug/vfio/groups"

static bool vd_vfio_driver(const char *driver)
{
	return strstr(driver, "vfio");
}

/* -v: the lines of vfio-oot's debugfs that judge group @id. */
static void vd_debugfs_verdict(int id)
{
	char line[512], prefix[32], header[32];
	bool any = false, registered = false;
	FILE *f;

	f = fopen(DEBUGFS_GROUPS, "re");
	if (!f)
		return;
	snprintf(prefix, sizeof(prefix), "group %d: ", id);
	snprintf(header, sizeof(header), "group %d (", id);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, header, strlen(header)))
			registered = true;
		if (strncmp(line, prefix, strlen(prefix)))
			continue;
		printf("  debugfs: %s", line + strlen(prefix));
		any = true;
	}
	fclose(f);
	if (!registered)
		printf("  debugfs: no device of this group is registered with vfio\n");
	else if (!any)
		printf("  debugfs: no device keeps this group from being viable\n");
}

static void vd_verbose_group(int id)
{
	char buf[1024], *line, *save;

	if (!vd_readf(buf, sizeof(buf), IOMMU_GROUPS "/%d/type", id))
		printf("  domain type: %s\n", buf);
	if (!vd_readf(buf, sizeof(buf), IOMMU_GROUPS "/%d/reserved_regions",
		      id))
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("  reserved region: %s\n", line);
}

static void vd_show_status(int id, const struct vd_dev *devs, int n)
{
	char node[64], openers[512];
	bool vfio = false;
	int i, first = 1;

	for (i = 0; i < n; i++)
		if (vd_vfio_driver(devs[i].driver))
			vfio = true;
	snprintf(node, sizeof(node), "/dev/vfio/%d", id);

	printf("group %d: ", id);
	if (vd_group_offenders(devs, n)) {
		printf("not viable:");
		for (i = 0; i < n; i++) {
			if (vd_driver_accepted(devs[i].driver))
				continue;
			printf("%s device %s bound to driver %s", first ? "" : ";",
			       devs[i].name, devs[i].driver);
			if (devs[i].module[0])
				printf(" (module %s)", devs[i].module);
			first = 0;
		}
	} else if (vfio) {
		printf("viable");
	} else {
		printf("viable, not used by VFIO (no device bound to %s)",
		       VFIO_PCI);
	}
	if (vd_exists(node)) {
		printf(", %s", node);
		if (vd_group_openers(id, openers, sizeof(openers)))
			printf(" open by %s", openers);
		else
			printf(" not open");
	} else if (vfio) {
		printf(", %s missing", node);
	}
	putchar('\n');
}

static void vd_show_device(const struct vd_dev *d, bool verbose)
{
	char buf[128];

	printf("  %s", d->name);
	if (d->pci)
		printf(" %04x:%04x class %06x", d->vendor, d->device, d->class);
	else
		printf(" (not PCI)");
	printf(" driver %s", d->driver[0] ? d->driver : "none");
	if (!vd_driver_accepted(d->driver))
		printf("  <- keeps the group from being viable");
	if (verbose && d->pci &&
	    !vd_readf(buf, sizeof(buf), PCI_DEVICES "/%s/driver_override",
		      d->name))
		printf(" (driver_override %s)", buf);
	putchar('\n');
}

static void vd_show_fix(const struct vd_dev *devs, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (vd_driver_accepted(devs[i].driver))
			continue;
		printf("  fix: bind %s to %s as well (vfio-diag bind %s),",
		       devs[i].name, VFIO_PCI, devs[i].name);
		printf(" or unbind it from %s (echo %s > %s/%s/driver/unbind)\n",
		       devs[i].driver, devs[i].name, devs[i].pci ? PCI_DEVICES :
		       "/sys/bus/platform/devices", devs[i].name);
	}
}

int vd_groups_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vd_dev *devs;
	bool verbose = false;
	int *ids, n, i, j, c;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			verbose = true;
			break;
		case 'h':
			printf("usage: %s groups [-v]\n", vd_prog);
			return VD_OK;
		default:
			return VD_USAGE;
		}
	}
	if (optind != argc) {
		vd_err("groups: unexpected argument '%s'", argv[optind]);
		return VD_USAGE;
	}

	n = vd_list_groups(&ids);
	if (n <= 0) {
		vd_err("no IOMMU groups in %s: no IOMMU is enabled (boot with intel_iommu=on or amd_iommu=on, and enable VT-d/AMD-Vi in the firmware; see 'vfio-diag check')",
		       IOMMU_GROUPS);
		return VD_FAIL;
	}
	for (i = 0; i < n; i++) {
		int nd = vd_group_devices(ids[i], &devs);

		if (nd < 0)
			nd = 0;
		vd_show_status(ids[i], devs, nd);
		for (j = 0; j < nd; j++)
			vd_show_device(&devs[j], verbose);
		if (vd_group_offenders(devs, nd))
			vd_show_fix(devs, nd);
		if (verbose) {
			vd_verbose_group(ids[i]);
			vd_debugfs_verdict(ids[i]);
		}
		free(devs);
	}
	free(ids);
	return VD_OK;
}
