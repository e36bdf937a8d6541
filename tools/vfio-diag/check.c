// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-diag check [--memory SIZE]: is this host ready for VFIO?  One
 * line per check, "PASS", "WARN", "FAIL" or "INFO", a colon, what was
 * found, and for WARN and FAIL an indented "fix:" line.  Exits VD_FAIL
 * when any check FAILs.
 *
 * Interrupt remapping is taken as enabled when the kernel log says so
 * (Intel: "Enabled IRQ remapping", AMD: "Interrupt remapping enabled")
 * or when /proc/interrupts shows a remapped chip ("IR-PCI-MSI" and
 * the like); the log may have wrapped, the chip names only show once a
 * device uses MSI.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "diag.h"

#define CAP_IPC_LOCK 14
#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_SIZE_BUFFER 10

struct vd_check {
	int fails, warns;
};

static void vd_line(struct vd_check *c, const char *level, const char *fix,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void vd_line(struct vd_check *c, const char *level, const char *fix,
		    const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", level);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (fix)
		printf("      fix: %s\n", fix);
	if (!strcmp(level, "FAIL"))
		c->fails++;
	else if (!strcmp(level, "WARN"))
		c->warns++;
}

/* Whether @word is one of the space-separated words of the cmdline. */
static bool vd_cmdline_has(const char *cmdline, const char *word)
{
	size_t len = strlen(word);
	const char *p = cmdline;

	while ((p = strstr(p, word))) {
		if ((p == cmdline || p[-1] == ' ') &&
		    (p[len] == ' ' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

static void vd_check_iommu(struct vd_check *c, const char *cmdline)
{
	char **names, first[64] = "";
	int n, groups, *ids;

	n = vd_list_dir("/sys/class/iommu", &names);
	if (n > 0) {
		snprintf(first, sizeof(first), "%s", names[0]);
		vd_free_list(names, n);
	}
	groups = vd_list_groups(&ids);
	if (groups > 0)
		free(ids);
	if (n > 0) {
		vd_line(c, "PASS", NULL, "IOMMU: %d unit%s (%s%s), %d IOMMU groups",
			n, n > 1 ? "s" : "", first, n > 1 ? ", ..." : "",
			groups > 0 ? groups : 0);
	} else if (vd_cmdline_has(cmdline, "intel_iommu=off") ||
		   vd_cmdline_has(cmdline, "amd_iommu=off") ||
		   vd_cmdline_has(cmdline, "iommu=off")) {
		vd_line(c, "FAIL",
			"remove the iommu=off / intel_iommu=off / amd_iommu=off option from the kernel command line",
			"IOMMU: none, and the kernel command line turns it off");
	} else {
		vd_line(c, "FAIL",
			"enable VT-d (Intel) or AMD-Vi / IOMMU in the firmware setup, and boot with intel_iommu=on (Intel) or amd_iommu=on",
			"IOMMU: no unit in /sys/class/iommu, so no IOMMU groups and no VFIO (other than noiommu)");
	}
	if (vd_cmdline_has(cmdline, "iommu=pt"))
		vd_line(c, "INFO", NULL,
			"kernel command line has iommu=pt: host drivers bypass translation, VFIO devices still get their own domains");
	if (n > 0 && strstr(first, "dmar") &&
	    !vd_cmdline_has(cmdline, "intel_iommu=on"))
		vd_line(c, "INFO", NULL,
			"intel_iommu=on is not on the kernel command line: the IOMMU is on through the kernel's default");
}

/* The kernel log (all of it that the ring buffer still holds), or NULL. */
static char *vd_kernel_log(void)
{
	int size, n;
	char *buf;

	size = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
	if (size <= 0)
		return NULL;
	buf = malloc(size + 1);
	if (!buf)
		return NULL;
	n = klogctl(SYSLOG_ACTION_READ_ALL, buf, size);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static bool vd_interrupts_remapped(void)
{
	char line[1024];
	bool found = false;
	FILE *f;

	f = fopen("/proc/interrupts", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " IR-");
	fclose(f);
	return found;
}

static void vd_check_intremap(struct vd_check *c)
{
	char unsafe[16] = "";
	bool log_says, chips, have_log;
	char *log;

	log = vd_kernel_log();
	have_log = log;
	log_says = log && (strstr(log, "Enabled IRQ remapping") ||
			   strstr(log, "Interrupt remapping enabled"));
	free(log);
	chips = vd_interrupts_remapped();
	vd_readf(unsafe, sizeof(unsafe),
		 "/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts");

	if (log_says || chips) {
		vd_line(c, "PASS", NULL, "interrupt remapping: enabled (%s)",
			log_says ? "kernel log" : "remapped chips in /proc/interrupts");
	} else if (unsafe[0] == 'Y') {
		vd_line(c, "WARN",
			"enable interrupt remapping (x2APIC/IR in the firmware, no intremap=off) and set allow_unsafe_interrupts back to N",
			"interrupt remapping: not seen, and vfio_iommu_type1 allow_unsafe_interrupts=Y: a device can inject arbitrary host interrupts");
	} else {
		vd_line(c, "FAIL",
			"enable interrupt remapping (VT-d/AMD-Vi with x2APIC in the firmware, no intremap=off on the command line); only on a trusted host: modprobe vfio_iommu_type1 allow_unsafe_interrupts=1",
			"interrupt remapping: not enabled%s; VFIO_SET_IOMMU then fails with EPERM",
			have_log ? "" : " (the kernel log was not readable: run as root)");
	}
}

/* Whether a loaded module was built out of tree (taint flag O). */
static bool vd_out_of_tree(const char *mod)
{
	char taint[32];

	if (vd_readf(taint, sizeof(taint), "/sys/module/%s/taint", mod))
		return false;
	return strchr(taint, 'O');
}

static void vd_check_modules(struct vd_check *c)
{
	static const char * const mods[] = {
		"vfio", "vfio_iommu_type1", "vfio_pci",
	};
	int i, loaded = 0, ours = 0;
	char list[128] = "";

	for (i = 0; i < 3; i++) {
		if (!vd_module_loaded(mods[i]))
			continue;
		loaded++;
		if (vd_out_of_tree(mods[i]))
			ours++;
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", loaded > 1 ? " " : "", mods[i]);
	}
	if (!loaded) {
		vd_line(c, "WARN", "modprobe vfio-pci (loads all three)",
			"modules: vfio, vfio_iommu_type1 and vfio_pci are not loaded");
		return;
	}
	if (ours && ours != loaded)
		vd_line(c, "FAIL",
			"unload them all (modprobe -r vfio-pci vfio_iommu_type1 vfio) and modprobe vfio-pci again; dkms status shows what is installed",
			"modules: %s loaded, a mix of out-of-tree (vfio-oot) and in-tree ones",
			list);
	else if (loaded < 3)
		vd_line(c, "WARN", "modprobe vfio-pci",
			"modules: only %s loaded, from %s", list,
			ours ? "vfio-oot (out of tree)" : "the kernel (in-tree)");
	else
		vd_line(c, "PASS", NULL, "modules: %s loaded, %s", list,
			ours ? "vfio-oot's (out of tree, tainted O)" :
			"the kernel's own (in-tree)");
}

static void vd_check_node(struct vd_check *c)
{
	struct stat st;

	if (!stat("/dev/vfio/vfio", &st) && S_ISCHR(st.st_mode))
		vd_line(c, "PASS", NULL, "/dev/vfio/vfio: present");
	else
		vd_line(c, "FAIL", "modprobe vfio (or vfio-pci); udev or devtmpfs creates the node",
			"/dev/vfio/vfio: missing, no container can be opened");
}

static void vd_check_memlock(struct vd_check *c, unsigned long long want)
{
	char cur[32], need[32], fix[256];
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl)) {
		vd_line(c, "WARN", NULL, "memlock: getrlimit failed");
		return;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		snprintf(cur, sizeof(cur), "unlimited");
	else
		vd_human(rl.rlim_cur, cur, sizeof(cur));
	vd_human(want, need, sizeof(need));
	snprintf(fix, sizeof(fix),
		 "raise the limit of the VFIO user: ulimit -l, 'memlock' in /etc/security/limits.conf, LimitMEMLOCK= for a systemd service (at least %s)",
		 want ? need : "the guest RAM size");

	if (vd_has_cap(CAP_IPC_LOCK))
		vd_line(c, "PASS", NULL,
			"memlock: limit %s, but this process has CAP_IPC_LOCK: type1 does not enforce it",
			cur);
	else if (rl.rlim_cur == RLIM_INFINITY)
		vd_line(c, "PASS", NULL, "memlock: unlimited");
	else if (want && rl.rlim_cur < want)
		vd_line(c, "FAIL", fix,
			"memlock: limit %s, below the %s to be mapped (MAP_DMA would fail with ENOMEM)",
			cur, need);
	else if (want)
		vd_line(c, "PASS", NULL, "memlock: limit %s, enough for %s",
			cur, need);
	else
		vd_line(c, "INFO", NULL,
			"memlock: limit %s; DMA mappings beyond it fail with ENOMEM (--memory SIZE checks a size)",
			cur);
}

static unsigned long long vd_meminfo(const char *key)
{
	unsigned long long v = 0;
	char line[256];
	size_t len = strlen(key);
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':') {
			v = strtoull(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static void vd_check_hugepages(struct vd_check *c, unsigned long long want)
{
	unsigned long long total, free_pages, size_kb;
	char thp[128] = "", *sel, *end, buf[32];

	total = vd_meminfo("HugePages_Total");
	free_pages = vd_meminfo("HugePages_Free");
	size_kb = vd_meminfo("Hugepagesize");
	vd_human(free_pages * size_kb * 1024, buf, sizeof(buf));
	if (!total)
		vd_line(c, "INFO", NULL,
			"hugepages: none reserved (HugePages_Total 0); optional, they speed up MAP_DMA");
	else if (want && free_pages * size_kb * 1024 < want)
		vd_line(c, "INFO", NULL,
			"hugepages: %llu of %llu free (%llu kB each, %s), less than the %llu bytes asked for: reserve more in /proc/sys/vm/nr_hugepages to back them all",
			free_pages, total, size_kb, buf, want);
	else
		vd_line(c, "PASS", NULL,
			"hugepages: %llu of %llu free (%llu kB each, %s)",
			free_pages, total, size_kb, buf);

	vd_read("/sys/kernel/mm/transparent_hugepage/enabled", thp,
		sizeof(thp));
	sel = strchr(thp, '[');
	end = sel ? strchr(sel, ']') : NULL;
	if (sel && end) {
		*end = '\0';
		vd_line(c, "INFO", NULL, "transparent hugepages: %s", sel + 1);
	}
}

static void vd_check_groups(struct vd_check *c)
{
	int *ids, n, i, j, nd, bad = 0, used = 0;
	struct vd_dev *devs;

	n = vd_list_groups(&ids);
	for (i = 0; i < n; i++) {
		bool vfio = false;

		nd = vd_group_devices(ids[i], &devs);
		for (j = 0; j < nd; j++)
			if (!strcmp(devs[j].driver, VFIO_PCI))
				vfio = true;
		if (vfio) {
			used++;
			if (vd_group_offenders(devs, nd)) {
				bad++;
				vd_line(c, "FAIL",
					"vfio-diag groups names the devices and drivers; bind them to vfio-pci or unbind them",
					"group %d: has a device on vfio-pci but is not viable",
					ids[i]);
			}
		}
		if (nd > 0)
			free(devs);
	}
	if (n > 0)
		free(ids);
	if (used && !bad)
		vd_line(c, "PASS", NULL,
			"groups: %d with a device on vfio-pci, all viable", used);
	else if (!used)
		vd_line(c, "INFO", NULL,
			"groups: no device is bound to vfio-pci (vfio-diag bind <BDF>)");
}

int vd_check_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "memory", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long want = 0;
	struct vd_check c = { 0, 0 };
	char cmdline[4096] = "";
	int opt;

	while ((opt = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (vd_parse_size(optarg, &want)) {
				vd_err("check: --memory '%s' is not a size (e.g. 4G, 512M)",
				       optarg);
				return VD_USAGE;
			}
			break;
		case 'h':
			printf("usage: %s check [--memory SIZE]\n", vd_prog);
			return VD_OK;
		default:
			return VD_USAGE;
		}
	}
	if (optind != argc) {
		vd_err("check: unexpected argument '%s'", argv[optind]);
		return VD_USAGE;
	}

	vd_read("/proc/cmdline", cmdline, sizeof(cmdline));
	vd_check_iommu(&c, cmdline);
	vd_check_intremap(&c);
	vd_check_modules(&c);
	vd_check_node(&c);
	vd_check_groups(&c);
	vd_check_memlock(&c, want);
	vd_check_hugepages(&c, want);
	printf("%d FAIL, %d WARN\n", c.fails, c.warns);
	return c.fails ? VD_FAIL : VD_OK;
}
