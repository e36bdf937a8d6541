/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the VFIO UAPI tests: finding QEMU's edu device,
 * opening the container/group/device chain, reading and writing regions,
 * edu's register map and its DMA engine, and type1 DMA mappings.
 *
 * Every helper that can fail returns 0 (or a file descriptor) on success
 * and a negative errno on failure; none of them prints or exits, so the
 * tests decide whether a failure is a skip or an error.
 */
#ifndef VFIO_TEST_UTIL_H
#define VFIO_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <linux/vfio.h>

/* QEMU's edu device (hw/misc/edu.c) */
#define EDU_VENDOR_ID		0x1234
#define EDU_DEVICE_ID		0x11e8
#define EDU_BAR0_SIZE		0x100000ULL

#define EDU_REG_ID		0x00	/* reads EDU_ID_VALUE */
#define EDU_REG_LIVENESS	0x04	/* reads back ~(last value written) */
#define EDU_REG_STATUS		0x20
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_RAISE	0x60	/* sets these irq status bits, raises */
#define EDU_REG_IRQ_ACK		0x64	/* clears these irq status bits */
/*
 * The DMA registers are 64 bits wide, but edu takes 4-byte accesses to
 * them too (zero-extending writes); every address we use is below 4 GiB,
 * so 32-bit accesses are all we need, whatever access sizes the QEMU
 * build lets through.
 */
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98

#define EDU_ID_VALUE		0x010000edU

#define EDU_DMA_CMD_START	0x1	/* set to start, clears when done */
#define EDU_DMA_CMD_TO_RAM	0x2	/* direction: device buffer -> RAM */
#define EDU_DMA_CMD_IRQ		0x4	/* raise an irq when done */

/* The device-side DMA buffer, as addressed in EDU_REG_DMA_SRC/DST. */
#define EDU_DMA_BUF_ADDR	0x40000ULL
/* QEMU 7.2 aborts on a transfer that ends at the buffer's very end. */
#define EDU_DMA_MAX_LEN		2048U
/* edu's DMA mask is 28 bits: every IOVA it uses must stay below this. */
#define EDU_IOVA_LIMIT		(1ULL << 28)
/* A DMA completes on a 100 ms timer; allow for a slow (TCG) guest. */
#define EDU_DMA_TIMEOUT_MS	5000U

/*
 * The 6.1 harness runs a test body even when its FIXTURE_SETUP called
 * SKIP() (SKIP marks the test passed); each TEST_F body starts with this.
 */
#define RETURN_IF_SETUP_SKIPPED() do {		\
	if (_metadata->skip)			\
		return;				\
} while (0)

/* Where the edu device is: its PCI name and its IOMMU group number. */
struct edu_location {
	char bdf[256];	/* as a sysfs directory name */
	int group_id;
};

/* The three file descriptors of one VFIO user; -1 when not open. */
struct vfio_session {
	int container;
	int group;
	int device;
};

/*
 * edu_find() - locate an edu device bound to vfio-pci.
 * Returns 0 and fills @loc, or -ENODEV with a human readable reason in
 * @why (for SKIP()).
 */
int edu_find(struct edu_location *loc, char *why, size_t why_len);
/* The same for any PCI device; @label names it in @why. */
int vfio_pci_find(unsigned int vendor_id, unsigned int device_id,
		  const char *label, struct edu_location *loc, char *why,
		  size_t why_len);
/*
 * pci_find_any() - the first PCI device with these ids, whatever driver
 * it has (or none): its name in @bdf, 0, or -ENODEV.
 */
int pci_find_any(unsigned int vendor_id, unsigned int device_id, char *bdf,
		 size_t len);

/*
 * Small sysfs/procfs files (module parameters, nr_hugepages...) by path.
 * sysfs_read_line() stores the first line without its newline (-EIO for
 * an empty file); sysfs_read_long() parses it as strtol(.., 0) does;
 * sysfs_write_str() writes @val in one write(); sysfs_write_long() writes
 * the number in decimal.  All return 0 or a negative errno.
 */
int sysfs_read_line(const char *path, char *buf, size_t len);
int sysfs_read_long(const char *path, long *val);
int sysfs_write_str(const char *path, const char *val);
int sysfs_write_long(const char *path, long val);

/*
 * PCI devices by name ("0000:00:1f.3") in sysfs.  pci_driver_name()
 * stores "" for a device without a driver; pci_iommu_group() returns the
 * group number.  pci_bind() unbinds the device, sets its driver_override
 * to @driver, asks the bus to probe it and returns 0 only if @driver is
 * bound afterwards (-EBUSY if not).  pci_set_override(bdf, NULL) clears
 * driver_override.
 */
int pci_driver_name(const char *bdf, char *name, size_t len);
int pci_iommu_group(const char *bdf);
int pci_unbind(const char *bdf);
int pci_set_override(const char *bdf, const char *driver);
int pci_probe(const char *bdf);
int pci_bind(const char *bdf, const char *driver);

/*
 * The initramfs ships modules the tests load themselves in TESTMODS_DIR,
 * their load order in TESTMODS_DIR/order.  testmod_load() loads every
 * module listed up to @name (a file name, "i2c-i801.ko"); already loaded
 * ones are fine.  -ENOENT if @name is not shipped.
 */
#define TESTMODS_DIR	"/lib/testmods"
int testmod_load(const char *name);

/*
 * vfio_container_attach() - open /dev/vfio/vfio and @loc's group and put
 * the group into the container (VFIO_GROUP_SET_CONTAINER), no IOMMU
 * backend set yet.  On failure both stay -1, and the name of the failing
 * step is in @step.
 */
int vfio_container_attach(const struct edu_location *loc, int *container,
			  int *group, const char **step);

void vfio_session_init(struct vfio_session *s);
/*
 * vfio_session_open() - container, group, SET_CONTAINER, SET_IOMMU
 * (TYPE1v2) and, if @with_device, GET_DEVICE_FD for @loc.  On failure the
 * name of the failing step is stored in @step and everything opened so far
 * is closed again.
 */
int vfio_session_open(struct vfio_session *s, const struct edu_location *loc,
		      bool with_device, const char **step);
void vfio_session_close(struct vfio_session *s);

/*
 * edu_session_open() - vfio_session_open() with the device, then
 * edu_map_bar0(): the usual start of an edu DMA test.  *@bar0 is
 * MAP_FAILED unless it succeeds; on failure everything is closed again
 * and @step names the failing step ("edu BAR0" for the mapping).
 * edu_session_close() undoes it (and is harmless after a failed open or
 * a vfio_session_init()).
 */
int edu_session_open(struct vfio_session *s, const struct edu_location *loc,
		     void **bar0, uint64_t *bar0_size, const char **step);
void edu_session_close(struct vfio_session *s, void **bar0,
		       uint64_t bar0_size);

/*
 * EDU_FIXTURE_OPEN() - in a FIXTURE_SETUP: edu_find() into *@loc (SKIP if
 * there is no usable edu), then edu_session_open() of @s, @bar0 and
 * @bar0_size (ASSERT that it works).  @s and @bar0 are made safe for
 * edu_session_close() first; set the fixture's other fields the teardown
 * looks at before this.
 */
#define EDU_FIXTURE_OPEN(loc, s, bar0, bar0_size) do {			\
	struct edu_location *__loc = (loc);				\
	struct vfio_session *__s = (s);					\
	void **__bar0 = (bar0);						\
	const char *__step;						\
	char __why[512];						\
	int __ret;							\
									\
	vfio_session_init(__s);						\
	*__bar0 = MAP_FAILED;						\
	if (edu_find(__loc, __why, sizeof(__why)))			\
		SKIP(return, "%s", __why);				\
	__ret = edu_session_open(__s, __loc, __bar0, (bar0_size),	\
				 &__step);				\
	ASSERT_EQ(0, __ret) TH_LOG("%s: %s", __step, strerror(-__ret));	\
} while (0)

/* Fresh private anonymous read-write memory; MAP_FAILED on failure. */
void *anon_alloc(size_t len);
/*
 * Zeroed read-write memory shared with the children forked afterwards
 * (for them to report what they saw); MAP_FAILED on failure.
 */
void *shared_alloc(size_t len);

/* Regions of a vfio-pci device */
int vfio_region_get_info(int device, uint32_t index,
			 struct vfio_region_info *info);
int vfio_region_read(int device, const struct vfio_region_info *info,
		     uint64_t off, void *buf, size_t len);
int vfio_region_write(int device, const struct vfio_region_info *info,
		      uint64_t off, const void *buf, size_t len);
/* Maps the whole region; returns MAP_FAILED and sets errno on failure. */
void *vfio_region_mmap(int device, const struct vfio_region_info *info);
/* Sets @bits (PCI_COMMAND_*) in the command register, keeping the rest. */
int vfio_pci_set_command(int device, uint16_t bits);
/* Sets PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER through the config region. */
int vfio_pci_enable_master(int device);

/* edu registers (32-bit accesses), through a mapping of BAR0 */
static inline uint32_t edu_read32(volatile void *bar0, unsigned int reg)
{
	return *(volatile uint32_t *)((volatile char *)bar0 + reg);
}

static inline void edu_write32(volatile void *bar0, unsigned int reg,
			       uint32_t val)
{
	*(volatile uint32_t *)((volatile char *)bar0 + reg) = val;
}

/* Waits until no DMA runs; -ETIMEDOUT after @timeout_ms. */
int edu_dma_wait(volatile void *bar0, unsigned int timeout_ms);
/*
 * edu_dma() - run one DMA and wait for it.  @to_ram selects device buffer
 * -> RAM (@src is a device buffer address, @dst an IOVA) or RAM -> device
 * buffer (@src an IOVA, @dst a device buffer address).  Returns 0,
 * -ETIMEDOUT if the engine does not finish, or -EINVAL for a length over
 * EDU_DMA_MAX_LEN or an address edu cannot reach.
 */
int edu_dma(volatile void *bar0, uint64_t src, uint64_t dst, uint32_t len,
	    bool to_ram);

/*
 * edu_map_bar0() - enable bus mastering, mmap BAR0 of an edu device fd and
 * wait for any DMA left running; *@bar0 stays MAP_FAILED if the mmap fails.
 */
int edu_map_bar0(int device, void **bar0, uint64_t *size);
/*
 * edu_round_trip() - DMA a pattern from @buf (mapped at @iova, at least
 * 16 KiB) into edu and back to another spot of @buf, then compare.
 * 0, -EIO when the data differ, or edu_dma()'s error.
 */
int edu_round_trip(volatile void *bar0, uint8_t *buf, uint64_t iova,
		   unsigned int seed);

/* type1 DMA mappings on a container */
int vfio_dma_map(int container, void *vaddr, uint64_t iova, uint64_t size,
		 uint32_t flags);
int vfio_dma_unmap(int container, uint64_t iova, uint64_t size,
		   uint64_t *unmapped);
/* UNMAP_DMA with @flags (VFIO_DMA_UNMAP_FLAG_*); @unmapped may be NULL. */
int vfio_dma_unmap_flags(int container, uint64_t iova, uint64_t size,
			 uint32_t flags, uint64_t *unmapped);

/* A byte pattern that differs for every @seed and every offset. */
void fill_pattern(void *buf, size_t len, unsigned int seed);
/* Returns the offset of the first byte not matching, or -1. */
long check_pattern(const void *buf, size_t len, unsigned int seed);

/* True when the tests check the kernel's own VFIO stack (VFIO_TEST_MODE). */
bool vfio_test_reference(void);
/*
 * True when the tests check the kernel's own VFIO stack and the running
 * kernel (uname -r) is at least major.minor.
 * For the few answers upstream changed after 6.1: our modules keep 6.1's
 * answer (unless Documentation/ says otherwise), the in-tree stack of a
 * later kernel gives the new one; each caller cites the upstream change.
 */
bool vfio_test_reference_since(int major, int minor);

/*
 * Locked memory and pins, as userspace sees them.  proc_vmlck_kb() is the
 * VmLck line of /proc/<pid>/status in kB (-1 if it cannot be read).
 * drop_cap_ipc_lock() removes CAP_IPC_LOCK from the effective, permitted
 * and inheritable sets of the calling process (which stays uid 0); -EPERM
 * if it is still effective afterwards.  foll_pins() stores the pages
 * pinned with FOLL_PIN right now, system wide (nr_foll_pin_acquired -
 * nr_foll_pin_released of /proc/vmstat, after folding the per-cpu deltas
 * with vm.stat_refresh so that the difference is exact); -ENOENT when
 * /proc/vmstat lacks the counters.
 */
long proc_vmlck_kb(pid_t pid);
int drop_cap_ipc_lock(void);
/* Sets RLIMIT_MEMLOCK, soft and hard, to @bytes; 0 or a negative errno. */
int set_memlock_rlimit(unsigned long long bytes);
int foll_pins(long long *pins);

/*
 * Interrupts (vfio_irq_util.c).  vfio_irq_set_*() issue
 * VFIO_DEVICE_SET_IRQS on @index with @action (a VFIO_IRQ_SET_ACTION_*)
 * over [start, start + count), with @count eventfds (-1: none), no data,
 * or @count bools; 0 or a negative errno.  vfio_irq_set_raw() takes the
 * whole @flags and @len bytes of @data, for inputs the kernel refuses.
 * eventfd_wait_ms() waits up to @ms for @efd and reads it: the count
 * read, 0 if nothing came.  pci_hw_config_read() reads @len (1, 2 or 4)
 * bytes at @pos of the real config space of @bdf as the host sees it
 * (sysfs), little endian; -1 on error.
 */
int vfio_irq_set_raw(int device, uint32_t flags, uint32_t index,
		     uint32_t start, uint32_t count, const void *data,
		     size_t len);
int vfio_irq_set_eventfds(int device, uint32_t index, uint32_t action,
			  uint32_t start, uint32_t count, const int32_t *fds);
int vfio_irq_set_none(int device, uint32_t index, uint32_t action,
		      uint32_t start, uint32_t count);
int vfio_irq_set_bools(int device, uint32_t index, uint32_t action,
		       uint32_t start, uint32_t count, const uint8_t *vals);
uint64_t eventfd_wait_ms(int efd, int ms);
long long pci_hw_config_read(const char *bdf, unsigned int pos,
			     unsigned int len);

/*
 * The vfio-pci module the testbed loaded (ours or the in-tree one, both
 * named vfio-pci.ko): vfio_pci_reload() unloads it and loads it again
 * with the module parameters @params ("" for none); devices rebind by
 * their driver_override.  0, or a negative errno (-EBUSY/-EWOULDBLOCK
 * while something holds the module).
 */
#define VFIO_PCI_KO	"/lib/modules/testbed/vfio-pci.ko"
int vfio_pci_reload(const char *params);

#endif /* VFIO_TEST_UTIL_H */
