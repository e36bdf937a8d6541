/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-diag: shared declarations of the subcommands (groups.c, bind.c,
 * check.c, state.c) and of the sysfs/proc helpers (util.c, pci.c).
 *
 * Exit status of every subcommand: VD_OK, VD_FAIL (the thing asked for
 * failed, or a check FAILed), VD_USAGE (bad command line), VD_NOSTATE
 * (state: the loaded VFIO modules have no vfio-oot debugfs).
 */
#ifndef VFIO_DIAG_H
#define VFIO_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define VD_OK		0
#define VD_FAIL		1
#define VD_USAGE	2
#define VD_NOSTATE	3

#define PCI_DEVICES	"/sys/bus/pci/devices"
#define PCI_DRIVERS	"/sys/bus/pci/drivers"
#define IOMMU_GROUPS	"/sys/kernel/iommu_groups"
#define VFIO_PCI	"vfio-pci"
#define STATE_DIR	"/run/vfio-diag"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

extern const char *vd_prog;

/* util.c */
void vd_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vd_read(const char *path, char *buf, size_t len);
int vd_readf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vd_write(const char *path, const char *s);
int vd_link_name(const char *path, char *buf, size_t len);
bool vd_exists(const char *path);
int vd_list_dir(const char *dir, char ***names);
void vd_free_list(char **names, int n);
int vd_run(const char *prog, const char *arg);
void vd_human(unsigned long long bytes, char *buf, size_t len);
int vd_parse_size(const char *s, unsigned long long *bytes);
bool vd_has_cap(int cap);

/* pci.c: one function as sysfs describes it */
struct vd_dev {
	char name[64];		/* sysfs name: a BDF for PCI */
	bool pci;
	unsigned int vendor, device, class;
	char driver[64];	/* "" when no driver is bound */
	char module[64];	/* the driver's module, "" if built in */
};

/* Drivers whose devices keep an IOMMU group viable (driver_managed_dma) */
bool vd_driver_accepted(const char *driver);
int vd_normalize_bdf(const char *in, char *out, size_t len);
int vd_dev_read(const char *name, struct vd_dev *d);
int vd_dev_group(const char *bdf);
int vd_group_devices(int group, struct vd_dev **devs);
int vd_list_groups(int **ids);
int vd_group_offenders(const struct vd_dev *devs, int n);
int vd_group_openers(int group, char *buf, size_t len);
bool vd_module_loaded(const char *name);

/* the subcommands */
int vd_groups_main(int argc, char **argv);
int vd_bind_main(int argc, char **argv);
int vd_unbind_main(int argc, char **argv);
int vd_check_main(int argc, char **argv);
int vd_state_main(int argc, char **argv);

#endif /* VFIO_DIAG_H */
