// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers shared by the VFIO UAPI tests; see vfio_test_util.h.
 *
 * Only <linux/vfio.h> and libc are used, so that the same binaries check
 * both our modules and the kernel's own VFIO stack.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/pci_regs.h>

#include "vfio_test_util.h"

#define PCI_DEVICES_DIR "/sys/bus/pci/devices"

int sysfs_read_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	if (!n)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int sysfs_read_long(const char *path, long *val)
{
	char buf[64];
	int ret;

	ret = sysfs_read_line(path, buf, sizeof(buf));
	if (ret)
		return ret;
	*val = strtol(buf, NULL, 0);
	return 0;
}

int sysfs_write_str(const char *path, const char *val)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

int sysfs_write_long(const char *path, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", val);
	return sysfs_write_str(path, buf);
}

/* Reads a sysfs attribute holding one number (e.g. "0x1234"). */
static int sysfs_read_ulong(const char *dir, const char *attr,
			    unsigned long *val)
{
	char path[PATH_MAX], buf[64];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	ret = sysfs_read_line(path, buf, sizeof(buf));
	if (ret)
		return ret;
	*val = strtoul(buf, NULL, 0);
	return 0;
}

/* Stores the last component of the symlink @dir/@link in @name. */
static int sysfs_link_name(const char *dir, const char *link, char *name,
			   size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	snprintf(name, len, "%s", basename(target));
	return 0;
}

static int pci_check_bound(const char *dir, const char *bdf,
			   const char *label, struct edu_location *loc,
			   char *why, size_t why_len)
{
	char driver[64], group[64];
	int ret;

	ret = sysfs_link_name(dir, "driver", driver, sizeof(driver));
	if (ret) {
		snprintf(why, why_len, "%s %s is not bound to any driver",
			 label, bdf);
		return -ENODEV;
	}
	if (strcmp(driver, "vfio-pci")) {
		snprintf(why, why_len, "%s %s is bound to %s, not vfio-pci",
			 label, bdf, driver);
		return -ENODEV;
	}
	ret = sysfs_link_name(dir, "iommu_group", group, sizeof(group));
	if (ret) {
		snprintf(why, why_len, "%s %s has no iommu_group (IOMMU off?)",
			 label, bdf);
		return -ENODEV;
	}
	snprintf(loc->bdf, sizeof(loc->bdf), "%s", bdf);
	loc->group_id = atoi(group);
	return 0;
}

/*
 * The next entry of @d (PCI_DEVICES_DIR) with these ids: its sysfs
 * directory in @dir and its name returned, or NULL at the end.
 */
static const char *pci_next_by_id(DIR *d, unsigned int vendor_id,
				  unsigned int device_id, char *dir,
				  size_t dir_len)
{
	unsigned long vendor, device;
	struct dirent *de;

	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, dir_len, "%s/%s", PCI_DEVICES_DIR, de->d_name);
		if (sysfs_read_ulong(dir, "vendor", &vendor) ||
		    sysfs_read_ulong(dir, "device", &device))
			continue;
		if (vendor == vendor_id && device == device_id)
			return de->d_name;
	}
	return NULL;
}

int vfio_pci_find(unsigned int vendor_id, unsigned int device_id,
		  const char *label, struct edu_location *loc, char *why,
		  size_t why_len)
{
	char dir[PATH_MAX];
	const char *name;
	int ret = -ENODEV;
	DIR *d;

	snprintf(why, why_len, "no %s device (%04x:%04x) in %s", label,
		 vendor_id, device_id, PCI_DEVICES_DIR);
	d = opendir(PCI_DEVICES_DIR);
	if (!d)
		return -ENODEV;
	while ((name = pci_next_by_id(d, vendor_id, device_id, dir,
				      sizeof(dir)))) {
		ret = pci_check_bound(dir, name, label, loc, why, why_len);
		if (!ret)
			break;
	}
	closedir(d);
	return ret;
}

int pci_find_any(unsigned int vendor_id, unsigned int device_id, char *bdf,
		 size_t len)
{
	char dir[PATH_MAX];
	const char *name;
	DIR *d;

	d = opendir(PCI_DEVICES_DIR);
	if (!d)
		return -ENODEV;
	name = pci_next_by_id(d, vendor_id, device_id, dir, sizeof(dir));
	if (name)
		snprintf(bdf, len, "%s", name);
	closedir(d);
	return name ? 0 : -ENODEV;
}

int edu_find(struct edu_location *loc, char *why, size_t why_len)
{
	return vfio_pci_find(EDU_VENDOR_ID, EDU_DEVICE_ID, "edu", loc, why,
			     why_len);
}

int pci_driver_name(const char *bdf, char *name, size_t len)
{
	char dir[PATH_MAX];
	int ret;

	snprintf(dir, sizeof(dir), "%s/%s", PCI_DEVICES_DIR, bdf);
	if (access(dir, F_OK))
		return -errno;
	ret = sysfs_link_name(dir, "driver", name, len);
	if (ret == -ENOENT) {
		name[0] = '\0';
		ret = 0;
	}
	return ret;
}

int pci_iommu_group(const char *bdf)
{
	char dir[PATH_MAX], group[64];
	int ret;

	snprintf(dir, sizeof(dir), "%s/%s", PCI_DEVICES_DIR, bdf);
	ret = sysfs_link_name(dir, "iommu_group", group, sizeof(group));
	return ret ? ret : atoi(group);
}

int pci_unbind(const char *bdf)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/%s/driver/unbind", PCI_DEVICES_DIR,
		 bdf);
	ret = sysfs_write_str(path, bdf);
	return ret == -ENOENT ? 0 : ret;
}

int pci_set_override(const char *bdf, const char *driver)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/driver_override",
		 PCI_DEVICES_DIR, bdf);
	return sysfs_write_str(path, driver ? driver : "\n");
}

int pci_probe(const char *bdf)
{
	return sysfs_write_str("/sys/bus/pci/drivers_probe", bdf);
}

int pci_bind(const char *bdf, const char *driver)
{
	char now[64];
	int ret;

	ret = pci_unbind(bdf);
	if (ret)
		return ret;
	ret = pci_set_override(bdf, driver);
	if (ret)
		return ret;
	/* A refused probe may or may not fail the write: look. */
	pci_probe(bdf);
	ret = pci_driver_name(bdf, now, sizeof(now));
	if (ret)
		return ret;
	return strcmp(now, driver) ? -EBUSY : 0;
}

int testmod_load(const char *name)
{
	char line[256], path[PATH_MAX];
	bool found = false;
	FILE *order;
	int fd, ret = 0;

	order = fopen(TESTMODS_DIR "/order", "re");
	if (!order)
		return -ENOENT;
	while (!found && fgets(line, sizeof(line), order)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		found = !strcmp(line, name);
		snprintf(path, sizeof(path), "%s/%s", TESTMODS_DIR, line);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			break;
		}
		if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST)
			ret = -errno;
		close(fd);
		if (ret)
			break;
	}
	fclose(order);
	if (!ret && !found)
		ret = -ENOENT;
	return ret;
}

void vfio_session_init(struct vfio_session *s)
{
	s->container = -1;
	s->group = -1;
	s->device = -1;
}

int vfio_container_attach(const struct edu_location *loc, int *container,
			  int *group, const char **step)
{
	char path[64];
	int ret;

	*group = -1;
	*step = "open /dev/vfio/vfio";
	*container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (*container < 0)
		return -errno;

	*step = "open the group";
	snprintf(path, sizeof(path), "/dev/vfio/%d", loc->group_id);
	*group = open(path, O_RDWR | O_CLOEXEC);
	if (*group < 0)
		goto fail;

	*step = "VFIO_GROUP_SET_CONTAINER";
	if (ioctl(*group, VFIO_GROUP_SET_CONTAINER, container))
		goto fail;
	return 0;

fail:
	ret = -errno;
	if (*group >= 0)
		close(*group);
	close(*container);
	*group = -1;
	*container = -1;
	return ret;
}

int vfio_session_open(struct vfio_session *s, const struct edu_location *loc,
		      bool with_device, const char **step)
{
	int ret;

	vfio_session_init(s);
	ret = vfio_container_attach(loc, &s->container, &s->group, step);
	if (ret)
		return ret;

	*step = "VFIO_SET_IOMMU(VFIO_TYPE1v2_IOMMU)";
	if (ioctl(s->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		goto fail;

	if (with_device) {
		*step = "VFIO_GROUP_GET_DEVICE_FD";
		s->device = ioctl(s->group, VFIO_GROUP_GET_DEVICE_FD,
				  loc->bdf);
		if (s->device < 0)
			goto fail;
	}
	return 0;

fail:
	ret = -errno;
	vfio_session_close(s);
	return ret;
}

void vfio_session_close(struct vfio_session *s)
{
	if (s->device >= 0)
		close(s->device);
	if (s->group >= 0)
		close(s->group);
	if (s->container >= 0)
		close(s->container);
	vfio_session_init(s);
}

int edu_session_open(struct vfio_session *s, const struct edu_location *loc,
		     void **bar0, uint64_t *bar0_size, const char **step)
{
	int ret;

	*bar0 = MAP_FAILED;
	ret = vfio_session_open(s, loc, true, step);
	if (ret)
		return ret;
	*step = "edu BAR0";
	ret = edu_map_bar0(s->device, bar0, bar0_size);
	if (ret)
		edu_session_close(s, bar0, *bar0_size);
	return ret;
}

void edu_session_close(struct vfio_session *s, void **bar0,
		       uint64_t bar0_size)
{
	if (*bar0 != MAP_FAILED)
		munmap(*bar0, bar0_size);
	*bar0 = MAP_FAILED;
	vfio_session_close(s);
}

void *anon_alloc(size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

void *shared_alloc(size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
}

int vfio_region_get_info(int device, uint32_t index,
			 struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, info))
		return -errno;
	return 0;
}

int vfio_region_read(int device, const struct vfio_region_info *info,
		     uint64_t off, void *buf, size_t len)
{
	ssize_t n;

	if (off + len > info->size)
		return -EINVAL;
	n = pread(device, buf, len, (off_t)(info->offset + off));
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int vfio_region_write(int device, const struct vfio_region_info *info,
		      uint64_t off, const void *buf, size_t len)
{
	ssize_t n;

	if (off + len > info->size)
		return -EINVAL;
	n = pwrite(device, buf, len, (off_t)(info->offset + off));
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

void *vfio_region_mmap(int device, const struct vfio_region_info *info)
{
	return mmap(NULL, info->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    device, (off_t)info->offset);
}

int vfio_pci_set_command(int device, uint16_t bits)
{
	struct vfio_region_info cfg;
	uint16_t cmd;
	int ret;

	ret = vfio_region_get_info(device, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	if (ret)
		return ret;
	ret = vfio_region_read(device, &cfg, PCI_COMMAND, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	cmd |= bits;
	return vfio_region_write(device, &cfg, PCI_COMMAND, &cmd, sizeof(cmd));
}

int vfio_pci_enable_master(int device)
{
	return vfio_pci_set_command(device,
				    PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int edu_dma_wait(volatile void *bar0, unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		if (!(edu_read32(bar0, EDU_REG_DMA_CMD) & EDU_DMA_CMD_START))
			return 0;
		if (now_ms() > deadline)
			return -ETIMEDOUT;
		usleep(1000);
	}
}

int edu_dma(volatile void *bar0, uint64_t src, uint64_t dst, uint32_t len,
	    bool to_ram)
{
	uint32_t cmd = EDU_DMA_CMD_START;
	int ret;

	if (len > EDU_DMA_MAX_LEN || src >= EDU_IOVA_LIMIT ||
	    dst >= EDU_IOVA_LIMIT)
		return -EINVAL;
	/* edu ignores register writes while a transfer runs */
	ret = edu_dma_wait(bar0, EDU_DMA_TIMEOUT_MS);
	if (ret)
		return ret;
	if (to_ram)
		cmd |= EDU_DMA_CMD_TO_RAM;
	edu_write32(bar0, EDU_REG_DMA_SRC, (uint32_t)src);
	edu_write32(bar0, EDU_REG_DMA_DST, (uint32_t)dst);
	edu_write32(bar0, EDU_REG_DMA_COUNT, len);
	edu_write32(bar0, EDU_REG_DMA_CMD, cmd);
	return edu_dma_wait(bar0, EDU_DMA_TIMEOUT_MS);
}

int vfio_dma_map(int container, void *vaddr, uint64_t iova, uint64_t size,
		 uint32_t flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map))
		return -errno;
	return 0;
}

int vfio_dma_unmap_flags(int container, uint64_t iova, uint64_t size,
			 uint32_t flags, uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.iova = iova,
		.size = size,
	};

	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -errno;
	if (unmapped)
		*unmapped = unmap.size;
	return 0;
}

int vfio_dma_unmap(int container, uint64_t iova, uint64_t size,
		   uint64_t *unmapped)
{
	return vfio_dma_unmap_flags(container, iova, size, 0, unmapped);
}

static uint8_t pattern_byte(size_t i, unsigned int seed)
{
	return (uint8_t)((i * 31 + (i >> 8) + seed * 101 + 7) ^ (seed >> 8));
}

void fill_pattern(void *buf, size_t len, unsigned int seed)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pattern_byte(i, seed);
}

long check_pattern(const void *buf, size_t len, unsigned int seed)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != pattern_byte(i, seed))
			return (long)i;
	return -1;
}

bool vfio_test_reference(void)
{
	const char *mode = getenv("VFIO_TEST_MODE");

	return mode && !strcmp(mode, "reference");
}

bool vfio_test_reference_since(int major, int minor)
{
	struct utsname uts;
	int kmajor, kminor;

	if (!vfio_test_reference())
		return false;
	if (uname(&uts) || sscanf(uts.release, "%d.%d", &kmajor, &kminor) != 2)
		return false;
	return kmajor > major || (kmajor == major && kminor >= minor);
}

int edu_map_bar0(int device, void **bar0, uint64_t *size)
{
	struct vfio_region_info info;
	int ret;

	ret = vfio_pci_enable_master(device);
	if (ret)
		return ret;
	ret = vfio_region_get_info(device, VFIO_PCI_BAR0_REGION_INDEX, &info);
	if (ret)
		return ret;
	*bar0 = vfio_region_mmap(device, &info);
	if (*bar0 == MAP_FAILED)
		return -errno;
	*size = info.size;
	/* a transfer left over from an earlier user must not interfere */
	return edu_dma_wait(*bar0, EDU_DMA_TIMEOUT_MS);
}

int edu_round_trip(volatile void *bar0, uint8_t *buf, uint64_t iova,
		   unsigned int seed)
{
	const uint64_t src = 0x100, dst = 0x1e00;
	int ret;

	fill_pattern(buf + src, EDU_DMA_MAX_LEN, seed);
	fill_pattern(buf + dst, EDU_DMA_MAX_LEN, seed + 1);
	ret = edu_dma(bar0, iova + src, EDU_DMA_BUF_ADDR, EDU_DMA_MAX_LEN,
		      false);
	if (ret)
		return ret;
	ret = edu_dma(bar0, EDU_DMA_BUF_ADDR, iova + dst, EDU_DMA_MAX_LEN,
		      true);
	if (ret)
		return ret;
	return check_pattern(buf + dst, EDU_DMA_MAX_LEN, seed) == -1 ?
	       0 : -EIO;
}

long proc_vmlck_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

int drop_cap_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	unsigned int i = CAP_TO_INDEX(CAP_IPC_LOCK);
	uint32_t bit = CAP_TO_MASK(CAP_IPC_LOCK);

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[i].effective &= ~bit;
	data[i].permitted &= ~bit;
	data[i].inheritable &= ~bit;
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	return data[i].effective & bit ? -EPERM : 0;
}

int set_memlock_rlimit(unsigned long long bytes)
{
	struct rlimit rl = { .rlim_cur = bytes, .rlim_max = bytes };

	return setrlimit(RLIMIT_MEMLOCK, &rl) ? -errno : 0;
}

int foll_pins(long long *pins)
{
	long long acq = -1, rel = -1, v;
	char name[64];
	FILE *f;

	/* without stat_refresh, vmstat_update folds the deltas each second */
	if (sysfs_write_str("/proc/sys/vm/stat_refresh", "1"))
		usleep(1500 * 1000);
	f = fopen("/proc/vmstat", "re");
	if (!f)
		return -ENOENT;
	while (fscanf(f, "%63s %lld", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acq = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			rel = v;
	}
	fclose(f);
	if (acq < 0 || rel < 0)
		return -ENOENT;
	*pins = acq - rel;
	return 0;
}

int vfio_pci_reload(const char *params)
{
	int fd, ret = 0;

	if (syscall(SYS_delete_module, "vfio_pci", O_NONBLOCK))
		return -errno;
	fd = open(VFIO_PCI_KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		ret = -errno;
	close(fd);
	return ret;
}
