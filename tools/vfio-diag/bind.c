// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-diag bind <BDF> / unbind <BDF> [--driver NAME]: move a PCI
 * function to vfio-pci and back with the driver_override sequence (the
 * one libvirt and driverctl use):
 *
 *   bind:   record the current driver in STATE_DIR/<BDF>, write
 *           "vfio-pci" to driver_override, unbind the current driver,
 *           write the BDF to drivers_probe, then check that vfio-pci has
 *           the function and /dev/vfio/<group> exists, and say whether
 *           the group is viable;
 *   unbind: refuse while /dev/vfio/<group> is open (the kernel would
 *           block the unbind until the user lets go), unbind vfio-pci,
 *           point driver_override at the recorded (or --driver) driver
 *           for one drivers_probe, then clear it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"

struct vd_record {
	char driver[64];	/* "" for none */
	char module[64];
};

static int vd_bdf_arg(int argc, char **argv, const char *cmd, char *bdf,
		      size_t len)
{
	if (optind + 1 != argc) {
		vd_err("%s: expected one PCI address (BDF), e.g. 0000:03:00.0",
		       cmd);
		return VD_USAGE;
	}
	if (vd_normalize_bdf(argv[optind], bdf, len)) {
		vd_err("%s: '%s' is not a PCI address (BDF) like 0000:03:00.0",
		       cmd, argv[optind]);
		return VD_USAGE;
	}
	return VD_OK;
}

static void vd_driver_of(const char *bdf, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", bdf);
	vd_link_name(path, buf, len);
}

static int vd_sysfs_write(const char *bdf, const char *attr, const char *s)
{
	char path[256];
	int err;

	snprintf(path, sizeof(path), "%s/%s/%s", PCI_DEVICES, bdf, attr);
	if (attr[0] == '/')
		snprintf(path, sizeof(path), "%s", attr);
	err = vd_write(path, s);
	if (err)
		vd_err("%s: writing '%s' to %s failed: %s", bdf, s, path,
		       strerror(-err));
	return err;
}

static void vd_record_path(const char *bdf, char *path, size_t len)
{
	snprintf(path, len, STATE_DIR "/%s", bdf);
}

static void vd_record_save(const char *bdf, const struct vd_record *r)
{
	char path[128];
	FILE *f;

	mkdir("/run", 0755);
	mkdir(STATE_DIR, 0755);
	vd_record_path(bdf, path, sizeof(path));
	f = fopen(path, "we");
	if (!f) {
		vd_err("warning: cannot record the previous driver in %s (%s): 'unbind' will need --driver %s",
		       path, strerror(errno), r->driver[0] ? r->driver : "none");
		return;
	}
	fprintf(f, "driver=%s\nmodule=%s\n", r->driver, r->module);
	fclose(f);
}

static bool vd_record_load(const char *bdf, struct vd_record *r)
{
	char path[128], line[128];
	FILE *f;

	memset(r, 0, sizeof(*r));
	vd_record_path(bdf, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "driver=", 7))
			snprintf(r->driver, sizeof(r->driver), "%.63s", line + 7);
		else if (!strncmp(line, "module=", 7))
			snprintf(r->module, sizeof(r->module), "%.63s", line + 7);
	}
	fclose(f);
	return true;
}

/* Wait up to a second for a path to appear (udev may create it). */
static bool vd_wait_for(const char *path)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int i;

	for (i = 0; i < 20; i++) {
		if (vd_exists(path))
			return true;
		nanosleep(&ts, NULL);
	}
	return vd_exists(path);
}

/* vfio-pci's driver directory, loading the module if needed. */
static int vd_need_vfio_pci(void)
{
	if (vd_exists(PCI_DRIVERS "/" VFIO_PCI))
		return 0;
	printf("loading vfio-pci: modprobe vfio-pci\n");
	if (vd_run("modprobe", VFIO_PCI))
		vd_err("modprobe vfio-pci failed");
	if (vd_exists(PCI_DRIVERS "/" VFIO_PCI))
		return 0;
	vd_err("the vfio-pci driver is not available (no %s/%s): install the modules (dkms install vfio-oot, or the kernel's own) and run 'modprobe vfio-pci'",
	       PCI_DRIVERS, VFIO_PCI);
	return -ENOENT;
}

/* After a bind: the group's node and viability; VD_OK or VD_FAIL. */
static int vd_report_group(const char *bdf, int group)
{
	struct vd_dev *devs;
	char node[64];
	int i, n, ret = VD_OK;

	snprintf(node, sizeof(node), "/dev/vfio/%d", group);
	if (!vd_wait_for(node)) {
		vd_err("%s is bound to vfio-pci but %s did not appear: is /dev a devtmpfs, and is the vfio module the one vfio-pci registered with?",
		       bdf, node);
		ret = VD_FAIL;
	}
	n = vd_group_devices(group, &devs);
	if (n > 0 && vd_group_offenders(devs, n)) {
		vd_err("%s is bound to vfio-pci, but IOMMU group %d is not viable:",
		       bdf, group);
		for (i = 0; i < n; i++)
			if (!vd_driver_accepted(devs[i].driver))
				fprintf(stderr,
					"  device %s is bound to driver %s: bind it to vfio-pci too (vfio-diag bind %s) or unbind it\n",
					devs[i].name, devs[i].driver,
					devs[i].name);
		ret = VD_FAIL;
	} else if (ret == VD_OK) {
		printf("%s: bound to vfio-pci; IOMMU group %d is viable, %s is ready\n",
		       bdf, group, node);
	}
	if (n > 0)
		free(devs);
	return ret;
}

static int vd_check_device(const char *bdf, int *group)
{
	char dir[128];

	snprintf(dir, sizeof(dir), PCI_DEVICES "/%s", bdf);
	if (!vd_exists(dir)) {
		vd_err("no PCI device %s (see lspci -D)", bdf);
		return VD_FAIL;
	}
	*group = vd_dev_group(bdf);
	if (*group < 0) {
		vd_err("%s has no IOMMU group: no IOMMU is enabled for it (boot with intel_iommu=on or amd_iommu=on; see 'vfio-diag check')",
		       bdf);
		return VD_FAIL;
	}
	return VD_OK;
}

int vd_bind_main(int argc, char **argv)
{
	struct vd_record rec;
	char bdf[32], path[256];
	int ret, group;

	if (argc > 1 && (!strcmp(argv[1], "-h") ||
			 !strcmp(argv[1], "--help"))) {
		printf("usage: %s bind <BDF>\n", vd_prog);
		return VD_OK;
	}
	optind = 1;
	ret = vd_bdf_arg(argc, argv, "bind", bdf, sizeof(bdf));
	if (ret)
		return ret;
	ret = vd_check_device(bdf, &group);
	if (ret)
		return ret;

	memset(&rec, 0, sizeof(rec));
	vd_driver_of(bdf, rec.driver, sizeof(rec.driver));
	if (!strcmp(rec.driver, VFIO_PCI)) {
		printf("%s: already bound to vfio-pci\n", bdf);
		return vd_report_group(bdf, group);
	}
	if (vd_need_vfio_pci())
		return VD_FAIL;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/module", bdf);
	vd_link_name(path, rec.module, sizeof(rec.module));
	vd_record_save(bdf, &rec);

	if (vd_sysfs_write(bdf, "driver_override", VFIO_PCI))
		return VD_FAIL;
	if (rec.driver[0]) {
		printf("%s: unbinding from %s\n", bdf, rec.driver);
		if (vd_sysfs_write(bdf, "driver/unbind", bdf))
			return VD_FAIL;
	}
	vd_sysfs_write(bdf, "/sys/bus/pci/drivers_probe", bdf);

	vd_driver_of(bdf, path, sizeof(path));
	if (strcmp(path, VFIO_PCI)) {
		vd_err("%s: vfio-pci did not take the device (driver now: %s); the kernel log (dmesg) says why, e.g. a device vfio-pci refuses or no IOMMU group",
		       bdf, path[0] ? path : "none");
		return VD_FAIL;
	}
	return vd_report_group(bdf, group);
}

int vd_unbind_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "driver", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char bdf[32], now[64], openers[512], path[256];
	struct vd_record rec;
	bool recorded;
	const char *want;
	int ret, group, c;

	memset(&rec, 0, sizeof(rec));
	want = NULL;
	while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			want = optarg;
			break;
		case 'h':
			printf("usage: %s unbind [--driver NAME] <BDF>\n",
			       vd_prog);
			return VD_OK;
		default:
			return VD_USAGE;
		}
	}
	ret = vd_bdf_arg(argc, argv, "unbind", bdf, sizeof(bdf));
	if (ret)
		return ret;
	ret = vd_check_device(bdf, &group);
	if (ret)
		return ret;

	vd_driver_of(bdf, now, sizeof(now));
	if (strcmp(now, VFIO_PCI)) {
		vd_err("%s is not bound to vfio-pci (driver: %s); nothing to do",
		       bdf, now[0] ? now : "none");
		return VD_FAIL;
	}
	if (vd_group_openers(group, openers, sizeof(openers))) {
		vd_err("%s is in use: /dev/vfio/%d is open by %s; unbinding now would block until it is closed (stop that process first)",
		       bdf, group, openers);
		return VD_FAIL;
	}

	recorded = vd_record_load(bdf, &rec);
	if (want)
		snprintf(rec.driver, sizeof(rec.driver), "%s",
			 strcmp(want, "none") ? want : "");
	else if (!recorded)
		printf("%s: %s\n", bdf,
		       "no driver recorded by 'vfio-diag bind' (and no --driver): leaving it to whichever driver matches");

	if (rec.driver[0]) {
		snprintf(path, sizeof(path), PCI_DRIVERS "/%s", rec.driver);
		if (!vd_exists(path) && rec.module[0])
			vd_run("modprobe", rec.module);
		if (!vd_exists(path))
			vd_run("modprobe", rec.driver);
		if (!vd_exists(path)) {
			vd_err("driver %s is not available (no %s; modprobe failed): device stays on vfio-pci",
			       rec.driver, path);
			return VD_FAIL;
		}
	}

	/* With driver_override naming the driver, only it can probe. */
	if (vd_sysfs_write(bdf, "driver_override",
			   rec.driver[0] ? rec.driver : "\n"))
		return VD_FAIL;
	printf("%s: unbinding from vfio-pci\n", bdf);
	if (vd_sysfs_write(bdf, "driver/unbind", bdf))
		return VD_FAIL;
	if (rec.driver[0] || (!want && !recorded))
		vd_sysfs_write(bdf, "/sys/bus/pci/drivers_probe", bdf);
	vd_sysfs_write(bdf, "driver_override", "\n");

	vd_record_path(bdf, path, sizeof(path));
	vd_driver_of(bdf, now, sizeof(now));
	if (rec.driver[0] && strcmp(now, rec.driver)) {
		vd_err("%s: %s did not take the device back (driver now: %s); see dmesg",
		       bdf, rec.driver, now[0] ? now : "none");
		return VD_FAIL;
	}
	unlink(path);
	printf("%s: now bound to %s\n", bdf, now[0] ? now : "no driver");
	return VD_OK;
}
