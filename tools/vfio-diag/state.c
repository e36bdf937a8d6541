// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-diag state [-r]: vfio-oot's debugfs (/sys/kernel/debug/vfio,
 * mounted here for the time of the call when debugfs is not mounted)
 * shown readably: each container with its backend, groups, mappings
 * and pinned and locked memory, the totals, then each group with its
 * opener, container, devices, their open counts and interrupts.  -r
 * prints the two files as they are.
 *
 * The kernel's in-tree modules have no such files: state then says so
 * and exits VD_NOSTATE, a status of its own.
 *
 * The formats parsed here are those written by vfio_core/debugfs.c,
 * vfio_iommu_type1/debugfs.c and vfio_pci/debugfs.c; a line this
 * program does not know is shown as it is.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "diag.h"

#define DEBUGFS		"/sys/kernel/debug"
#define VFIO_DEBUGFS	DEBUGFS "/vfio"
#define MAX_CONTAINERS	256

struct vd_state {
	char ids[MAX_CONTAINERS][32];	/* the containers' %p, in order */
	int count;
	unsigned long long pinned, locked, mmio;
	long page;
};

/* The number of the container printed as @ptr, 0 if unknown. */
static int vd_container_no(struct vd_state *st, const char *ptr, bool add)
{
	int i;

	for (i = 0; i < st->count; i++)
		if (!strcmp(st->ids[i], ptr))
			return i + 1;
	if (!add || st->count == MAX_CONTAINERS)
		return 0;
	snprintf(st->ids[st->count], sizeof(st->ids[0]), "%s", ptr);
	return ++st->count;
}

static const char *vd_pages(struct vd_state *st, unsigned long long pages,
			    char *buf, size_t len)
{
	vd_human(pages * st->page, buf, len);
	return buf;
}

static void vd_show_type1(struct vd_state *st, const char *line)
{
	unsigned long long pinned, mmio, locked;
	unsigned int domains, count, pending, avail;
	char v2[8], a[32], b[32];

	if (sscanf(line,
		   "  type1: v2 %7[a-z], domains %u, mappings %u (%u pending), dma_avail %u, pinned %llu pages (%llu MMIO), locked %llu pages",
		   v2, &domains, &count, &pending, &avail, &pinned, &mmio,
		   &locked) != 8) {
		printf("  %s", line);
		return;
	}
	printf("    type %s, %u IOMMU domain%s, %u mapping%s", strcmp(v2, "yes") ?
	       "TYPE1" : "TYPE1v2", domains, domains == 1 ? "" : "s", count,
	       count == 1 ? "" : "s");
	if (pending)
		printf(" (%u being mapped)", pending);
	printf(", %u more allowed\n", avail);
	printf("    pinned %llu pages = %s (%llu of them MMIO), locked %llu pages = %s\n",
	       pinned, vd_pages(st, pinned, a, sizeof(a)), mmio, locked,
	       vd_pages(st, locked, b, sizeof(b)));
	st->pinned += pinned;
	st->mmio += mmio;
	st->locked += locked;
}

static void vd_show_mapping(struct vd_state *st, const char *line)
{
	unsigned long long first, last, size, pinned, locked, mmio;
	char prot[4], rest[64] = "", a[32], b[32], c[32];
	int n;

	n = sscanf(line,
		   "    mapping iova 0x%llx-0x%llx size 0x%llx prot %3s pinned %llu locked %llu mmio %llu%63[^\n]",
		   &first, &last, &size, prot, &pinned, &locked, &mmio, rest);
	if (n >= 7) {
		vd_human(size, c, sizeof(c));
		printf("    IOVA 0x%llx-0x%llx  %s  %s  ", first, last, c, prot);
		printf("pinned %llu pages = %s, locked %llu pages = %s%s\n",
		       pinned, vd_pages(st, pinned, a, sizeof(a)), locked,
		       vd_pages(st, locked, b, sizeof(b)), rest);
		return;
	}
	if (sscanf(line, "    mapping iova 0x%llx-0x%llx size 0x%llx prot %3s",
		   &first, &last, &size, prot) == 4 && strstr(line, "pending")) {
		vd_human(size, a, sizeof(a));
		printf("    IOVA 0x%llx-0x%llx  %s  %s  being mapped\n", first,
		       last, a, prot);
		return;
	}
	printf("  %s", line);
}

static int vd_show_containers(struct vd_state *st, FILE *f)
{
	char line[512], ptr[32], backend[64], groups[256], a[32], b[32];

	printf("containers:\n");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "container %31[^:]: backend %63[^,], groups%255[^\n]",
			   ptr, backend, groups) == 3)
			printf("  container #%d [%s]: backend %s, groups%s\n",
			       vd_container_no(st, ptr, true), ptr, backend,
			       groups);
		else if (!strncmp(line, "  type1: ", 9))
			vd_show_type1(st, line);
		else if (!strncmp(line, "    mapping ", 12))
			vd_show_mapping(st, line);
		else
			printf("  %s", line);
	}
	if (!st->count)
		printf("  none in use\n");
	printf("total: %d container%s, ", st->count, st->count == 1 ? "" : "s");
	printf("pinned %llu pages = %s (%llu MMIO), locked %llu pages = %s\n",
	       st->pinned,
	       vd_pages(st, st->pinned, a, sizeof(a)), st->mmio, st->locked,
	       vd_pages(st, st->locked, b, sizeof(b)));
	return 0;
}

static void vd_show_group(struct vd_state *st, const char *line)
{
	char rest[400], ptr[32], comm[64] = "?", *p;
	int id, pid, no;
	unsigned int minor;

	if (sscanf(line, "group %d (minor %u): %399[^\n]", &id, &minor,
		   rest) != 3) {
		printf("  %s", line);
		return;
	}
	printf("  group %d (/dev/vfio/%d): ", id, id);
	p = strstr(rest, "file open by pid ");
	if (p && sscanf(p, "file open by pid %d", &pid) == 1) {
		vd_readf(comm, sizeof(comm), "/proc/%d/comm", pid);
		printf("open by pid %d (%s)", pid, comm);
	} else {
		printf("not open");
	}
	p = strstr(rest, "container ");
	if (p && sscanf(p, "container %31[^,]", ptr) == 1) {
		no = vd_container_no(st, ptr, false);
		if (no)
			printf(", container #%d", no);
		else
			printf(", container [%s]", ptr);
	} else if (strstr(rest, "not viable")) {
		printf(", no container, not viable (a kernel driver owns DMA)");
	} else {
		printf(", no container");
	}
	p = strstr(rest, " device files open");
	if (p) {
		while (p > rest && p[-1] != ' ')
			p--;
		printf(", device files open: %d", atoi(p));
	}
	p = strstr(rest, "kvm set");
	if (p)
		printf(", KVM set");
	putchar('\n');
}

static void vd_show_device_line(const char *line)
{
	char name[64], driver[64];
	unsigned int opens;

	if (sscanf(line, "  device %63s (%63[^)]): %u opens", name, driver,
		   &opens) == 3)
		printf("    device %s (%s): %u open file%s\n", name, driver,
		       opens, opens == 1 ? "" : "s");
	else
		printf("  %s", line);
}

static void vd_show_irqs(const char *line)
{
	char type[16], err[8], req[8];
	int vectors, eventfds, masked;

	if (sscanf(line,
		   "    irqs: type %15[^,], vectors %d, eventfds %d, masked %d, err eventfd %7[a-z], req eventfd %7[a-z]",
		   type, &vectors, &eventfds, &masked, err, req) != 6) {
		printf("  %s", line);
		return;
	}
	printf("      interrupts: %s", type);
	if (strcmp(type, "none"))
		printf(", %d vector%s, %d with an eventfd", vectors,
		       vectors == 1 ? "" : "s", eventfds);
	if (masked)
		printf(", %d masked", masked);
	printf("; error eventfd %s, request eventfd %s\n", err, req);
}

static void vd_show_groups(struct vd_state *st, FILE *f)
{
	char line[512];
	int any = 0, id;

	printf("groups:\n");
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "group ", 6) && strstr(line, "(minor ")) {
			vd_show_group(st, line);
			any++;
		} else if (!strncmp(line, "  device ", 9)) {
			vd_show_device_line(line);
		} else if (!strncmp(line, "    irqs: ", 10)) {
			vd_show_irqs(line);
		} else if (sscanf(line, "group %d: not viable: ", &id) == 1) {
			printf("  group %d is not viable: %s", id,
			       strstr(line, "device"));
		} else {
			printf("  %s", line);
		}
	}
	if (!any)
		printf("  no device is registered with vfio\n");
}

static bool vd_debugfs_mounted(void)
{
	char line[512], dev[128], dir[256], type[64];
	bool found = false;
	FILE *f;

	f = fopen("/proc/mounts", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%127s %255s %63s", dev, dir, type) == 3 &&
			!strcmp(dir, DEBUGFS) && !strcmp(type, "debugfs");
	fclose(f);
	return found;
}

static int vd_cat(const char *path)
{
	char buf[4096];
	size_t n;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	printf("==> %s <==\n", path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}

static int vd_state_show(bool raw)
{
	struct vd_state *st;
	FILE *cf, *gf;

	if (raw)
		return vd_cat(VFIO_DEBUGFS "/containers") ||
		       vd_cat(VFIO_DEBUGFS "/groups") ? VD_FAIL : VD_OK;

	cf = fopen(VFIO_DEBUGFS "/containers", "re");
	gf = fopen(VFIO_DEBUGFS "/groups", "re");
	st = calloc(1, sizeof(*st));
	if (!cf || !gf || !st) {
		vd_err("cannot read %s: %s", VFIO_DEBUGFS, strerror(errno));
		if (cf)
			fclose(cf);
		if (gf)
			fclose(gf);
		free(st);
		return VD_FAIL;
	}
	st->page = sysconf(_SC_PAGESIZE);
	vd_show_containers(st, cf);
	vd_show_groups(st, gf);
	fclose(cf);
	fclose(gf);
	free(st);
	return VD_OK;
}

int vd_state_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "raw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool raw = false, mounted = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "rh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			raw = true;
			break;
		case 'h':
			printf("usage: %s state [-r]\n", vd_prog);
			return VD_OK;
		default:
			return VD_USAGE;
		}
	}
	if (optind != argc) {
		vd_err("state: unexpected argument '%s'", argv[optind]);
		return VD_USAGE;
	}

	if (!vd_debugfs_mounted()) {
		if (mount("debugfs", DEBUGFS, "debugfs", 0, NULL)) {
			vd_err("debugfs is not mounted at %s and mounting it failed (%s): run as root, or mount -t debugfs none %s",
			       DEBUGFS, strerror(errno), DEBUGFS);
			return VD_FAIL;
		}
		mounted = true;
	}
	if (!vd_exists(VFIO_DEBUGFS "/containers") ||
	    !vd_exists(VFIO_DEBUGFS "/groups")) {
		if (vd_module_loaded("vfio"))
			printf("no vfio-oot state: %s/%s %s\n", VFIO_DEBUGFS,
			       "containers and groups are missing",
			       "(the loaded vfio module is the kernel's in-tree one, which keeps no such debugfs); 'vfio-diag groups' and 'check' still work");
		else
			printf("%s\n",
			       "no vfio-oot state: the vfio module is not loaded (modprobe vfio-pci)");
		ret = VD_NOSTATE;
	} else {
		ret = vd_state_show(raw);
	}
	if (mounted)
		umount(DEBUGFS);
	return ret;
}
