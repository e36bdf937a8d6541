/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private state of vfio-pci.ko, shared by its files and nobody else.
 *
 * Locks of one device, in the order they nest:
 *   vfio_device::open_lock (held by the core around open/close_device)
 *   vpci_hot_reset_lock         hot_reset.c, global: the registered devices
 *                               a hot reset may take, and whether each is
 *                               open; a hot reset then trylocks the
 *                               vma_lock and memory_lock of several devices
 *   vpci_vf_token::lock         of the PF, taken by its VFs' open/close and
 *                               by match() under the core's group
 *                               device_lock; nests nothing (sriov.c)
 * sriov.c's vpci_sriov_lock (the PFs whose VFs we enabled) is taken alone.
 *   vfio_pci_dev::igate         interrupt state (irq_type, ctx, triggers)
 *                               and the virtual config space (vconfig;
 *                               written under it, read without: config.c)
 *   irqbypass.ko's global lock  taken by the producer (un)registration of
 *                               MSI/MSI-X vectors (msi.c), under igate
 *   mm->mmap_lock               of a process mapping a BAR (see mmap.c)
 *   vfio_pci_dev::vma_lock      vma_list: the BAR mappings of the device
 *   vfio_pci_dev::ioeventfd_lock  ioeventfds (ioeventfd.c); taken after
 *                               bar_lock is released, and waits for the
 *                               ioeventfd work items, which take
 *                               memory_lock for reading
 *   vfio_pci_dev::memory_lock   rwsem: readers access BARs, writers change
 *                               the memory/IO enable bits of the command
 *                               register or reset the device
 *   vfio_pci_dev::bar_lock      barmap[] setup on first use (also taken
 *                               by mmap() under mmap_lock, alone)
 *   eventfd wait queue lock     of the INTx unmask eventfd (unmask_fd.c)
 *                               or of an ioeventfd, whose wakeup only
 *                               trylocks memory_lock (ioeventfd.c)
 *   vfio_pci_dev::irqlock       spinlock, INTx mask state (hard irq context)
 * User memory is never accessed with memory_lock held (a fault on our own
 * BAR mapping would take vma_lock).
 * The runtime-PM callbacks (power.c) take memory_lock, then igate, one
 * after the other; so a synchronous runtime resume (an access's
 * vpci_pm_get(), a close) is never started with either of them, vma_lock
 * or bar_lock held.
 */
#ifndef VFIO_PCI_PRIV_H
#define VFIO_PCI_PRIV_H

#include <kunit/visibility.h>
#include <linux/eventfd.h>
#include <linux/irqbypass.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/rwsem.h>
#include <linux/wait.h>
#include <linux/spinlock.h>
#include <linux/uuid.h>
#include <uapi/linux/vfio.h>

#include "vfio_device_api.h"

/* Region offsets as user space sees them: index in the bits above 40. */
#define VPCI_OFFSET_SHIFT	40
#define VPCI_OFFSET_MASK	((1ULL << VPCI_OFFSET_SHIFT) - 1)
#define VPCI_INDEX_TO_OFFSET(i)	((u64)(i) << VPCI_OFFSET_SHIFT)
#define VPCI_OFFSET_TO_INDEX(o)	((o) >> VPCI_OFFSET_SHIFT)

/* Registrations of VFIO_DEVICE_IOEVENTFD per device, as in 6.1 */
#define VPCI_IOEVENTFD_MAX	1000

/* irq_type value while no interrupt mode is active */
#define VPCI_IRQ_NONE		VFIO_PCI_NUM_IRQS

struct vpci_unmask_fd;
struct vpci_vf_token;

/**
 * struct vpci_efd_waiter - a callback on every signal of an eventfd
 *                          (eventfd_wait.c)
 * @eventfd: the eventfd, referenced while started
 * @wait: our entry on the eventfd's wait queue
 * @pt: poll table used once to add @wait
 * @signal: called for each signal, in atomic context; must not sleep
 * @hung_up: the user closed the eventfd; @wait is off the queue
 */
struct vpci_efd_waiter {
	struct eventfd_ctx *eventfd;
	wait_queue_entry_t wait;
	poll_table pt;
	void (*signal)(struct vpci_efd_waiter *w);
	bool hung_up;
};

int vpci_efd_waiter_start(struct vpci_efd_waiter *w, int fd,
			  void (*signal)(struct vpci_efd_waiter *w));
void vpci_efd_waiter_stop(struct vpci_efd_waiter *w);

/**
 * struct vpci_irq_ctx - one interrupt vector handed to user space
 * @trigger: eventfd signalled when the vector fires, or NULL
 * @name: name given to request_irq(), owned
 * @masked: INTx only: the line is masked (by the handler or the user)
 * @producer: MSI/MSI-X only: irqbypass producer (token @trigger, the
 *            vector's host irq) while registered; token NULL otherwise
 */
struct vpci_irq_ctx {
	struct eventfd_ctx *trigger;
	char *name;
	bool masked;
	struct irq_bypass_producer producer;
};

/**
 * struct vpci_cfg_perm - per-byte access rules of the config space
 * @virt: bits of each byte read from and written to vconfig
 * @write: bits of each byte the user may change; a writable bit that is
 *         not virtual goes to the hardware, anything else is dropped
 * @exp_pos: offset of the visible PCIe capability, 0 if none
 * @af_pos: offset of the visible AF capability, 0 if none
 * @vpd_pos: offset of the visible VPD capability, 0 if none
 * @pm_pos: offset of the visible PM capability, 0 if none
 * @readrq: the DEVCTL MRRS field last given to the hardware
 * @filled: only while vpci_config_init() builds vconfig: the dwords of
 *          vconfig read from the hardware so far (NULL: all of vconfig
 *          is to be used as it is, as in KUnit)
 * @fill_err: the first config read error met while filling
 */
struct vpci_cfg_perm {
	u8 *virt;
	u8 *write;
	int exp_pos;
	int af_pos;
	int vpd_pos;
	int pm_pos;
	u16 readrq;
	unsigned long *filled;
	int fill_err;
};

/**
 * struct vfio_pci_dev - one PCI function bound to vfio-pci
 * @vdev: what the vfio core sees; must stay the first member
 * @pdev: the PCI function
 * @igate: see the lock order at the top of this file
 * @memory_lock: see the lock order at the top of this file
 * @bar_lock: see the lock order at the top of this file
 * @irqlock: see the lock order at the top of this file
 * @vma_lock: see the lock order at the top of this file
 * @vma_list: struct vpci_mmap_vma of every user mapping (vma_lock)
 * @barmap: kernel mapping of each BAR, set on first use (bar_lock)
 * @bar_mmap_ok: the BAR may be mmapped by user space
 * @bar_tail: reservation of the rest of the page of a sub-page BAR
 * @bar_tail_held: @bar_tail is reserved
 * @msix_bar: BAR that holds the MSI-X table, or -1
 * @msix_offset: offset of the MSI-X table in @msix_bar
 * @msix_size: length of the MSI-X table in bytes
 * @vconfig: virtual config space, pdev->cfg_size bytes (igate)
 * @perm: per-byte rules applied to @vconfig and the hardware
 * @bar_flags: read-only low bits of each virtual BAR register
 * @raw_bars: the hardware's six BAR registers and ROM BAR at open
 * @saved_state: config space saved at open, restored at close
 * @reset_works: a function reset succeeded at open
 * @has_vga: VGA-class device whose legacy ranges are offered
 * @pci_2_3: INTx can be masked at the device (PCI 2.3 DisINTx)
 * @virq_disabled: the user set DisINTx in the virtual command register
 * @irq_type: VFIO_PCI_*_IRQ_INDEX in use, or VPCI_IRQ_NONE (igate)
 * @ctx: one context per vector of @irq_type (igate)
 * @num_ctx: number of entries in @ctx (igate)
 * @err_trigger: eventfd for VFIO_PCI_ERR_IRQ_INDEX (igate)
 * @req_trigger: eventfd for VFIO_PCI_REQ_IRQ_INDEX (igate)
 * @unmask_fd: eventfd that unmasks INTx, in INTx mode only (igate)
 * @ioeventfd_lock: see the lock order at the top of this file
 * @ioeventfds: struct vpci_ioeventfd of every registration (ioeventfd_lock)
 * @num_ioeventfds: entries on @ioeventfds (ioeventfd_lock)
 * @hot_reset_node: link on the registered devices hot resets look up
 *                  (hot_reset.c's lock)
 * @in_use: open by a user (hot_reset.c's lock)
 * @needs_reset: closed without a successful function reset since its
 *               last open; a bus or slot reset at a last close clears it
 *               (hot_reset.c's lock)
 * @disable_idle_d3: the disable_idle_d3 parameter when the device was
 *                   probed: no runtime-PM reference is dropped while idle
 * @pm_runtime_engaged: the user asked for low power; the open's runtime-PM
 *                      reference is dropped (memory_lock)
 * @pm_suspended: between the runtime suspend and resume callbacks: the
 *                device may be in D3hot (memory_lock)
 * @pm_intx_masked: runtime suspend masked INTx; resume unmasks it (igate)
 * @pm_wake_eventfd: signalled when the device resumes from a low power
 *                   state the user asked for (memory_lock)
 * @pm_save: config space saved when the user put a function without
 *           No_Soft_Reset in D3hot, restored back in D0 (memory_lock)
 * @vf_token: a PF with SR-IOV: the token its VFs' users must name
 *            (sriov.c), else NULL
 * @sriov_nb: a PF with @vf_token: the PCI bus notifier capturing its VFs
 * @sriov_pfs_node: a PF: link on sriov.c's list of PFs whose VFs we
 *                  enabled, empty otherwise (sriov.c's lock)
 * @sriov_pf: a VF whose PF is ours and enabled it, else NULL; valid
 *            while the VF is bound
 */
struct vfio_pci_dev {
	struct vfio_device vdev;
	struct pci_dev *pdev;

	struct mutex igate;		/* irq state and vconfig */
	struct rw_semaphore memory_lock;	/* BAR access vs. decoding */
	struct mutex bar_lock;		/* barmap[] setup */
	struct mutex vma_lock;		/* vma_list */
	spinlock_t irqlock;		/* INTx mask state */

	struct list_head vma_list;
	void __iomem *barmap[PCI_STD_NUM_BARS];
	bool bar_mmap_ok[PCI_STD_NUM_BARS];
	struct resource bar_tail[PCI_STD_NUM_BARS];
	bool bar_tail_held[PCI_STD_NUM_BARS];
	int msix_bar;
	u32 msix_offset;
	u32 msix_size;

	u8 *vconfig;
	struct vpci_cfg_perm perm;
	u32 bar_flags[PCI_STD_NUM_BARS];
	u32 raw_bars[PCI_STD_NUM_BARS + 1];
	struct pci_saved_state *saved_state;
	bool reset_works;
	bool has_vga;
	bool pci_2_3;
	bool virq_disabled;

	int irq_type;
	struct vpci_irq_ctx *ctx;
	int num_ctx;
	struct eventfd_ctx *err_trigger;
	struct eventfd_ctx *req_trigger;
	struct vpci_unmask_fd *unmask_fd;

	struct mutex ioeventfd_lock;	/* ioeventfds */
	struct list_head ioeventfds;
	unsigned int num_ioeventfds;

	struct list_head hot_reset_node;
	bool in_use;
	bool needs_reset;

	bool disable_idle_d3;
	bool pm_runtime_engaged;
	bool pm_suspended;
	bool pm_intx_masked;
	struct eventfd_ctx *pm_wake_eventfd;
	struct pci_saved_state *pm_save;

	struct vpci_vf_token *vf_token;
	struct notifier_block sriov_nb;
	struct list_head sriov_pfs_node;
	struct vfio_pci_dev *sriov_pf;
};

static inline struct vfio_pci_dev *to_vpci(struct vfio_device *vdev)
{
	return container_of(vdev, struct vfio_pci_dev, vdev);
}

extern bool vpci_nointxmask;
extern bool vpci_disable_vga;
extern bool vpci_disable_denylist;
extern bool vpci_disable_idle_d3;

/* debugfs.c */
void vpci_debugfs_show(struct vfio_device *vdev, struct seq_file *m);

/* device.c */
int vpci_open_device(struct vfio_device *vdev);
void vpci_close_device(struct vfio_device *vdev);
int vpci_reset(struct vfio_pci_dev *vp);
u16 vpci_memory_lock_and_enable(struct vfio_pci_dev *vp);
void vpci_memory_unlock_and_restore(struct vfio_pci_dev *vp, u16 cmd);
bool vpci_memory_enabled(struct vfio_pci_dev *vp);

/* ioctl.c */
long vpci_ioctl(struct vfio_device *vdev, unsigned int cmd,
		unsigned long arg);
int vpci_feature_check(u32 flags, size_t size, u32 ops, size_t minsz);

/* rdwr.c */
ssize_t vpci_read(struct vfio_device *vdev, char __user *buf,
		  size_t count, loff_t *ppos);
ssize_t vpci_write(struct vfio_device *vdev, const char __user *buf,
		   size_t count, loff_t *ppos);
int vpci_bar_map(struct vfio_pci_dev *vp, int bar);
void vpci_bars_release(struct vfio_pci_dev *vp);
void vpci_bar_mmap_probe(struct vfio_pci_dev *vp);
void vpci_bar_mmap_release(struct vfio_pci_dev *vp);
ssize_t vpci_io_rw(struct vfio_pci_dev *vp, void __iomem *io,
		   char __user *buf, loff_t pos, size_t count,
		   loff_t x_start, loff_t x_end, bool test_mem, bool iswrite);

/* ioeventfd.c */
long vpci_ioeventfd_ioctl(struct vfio_pci_dev *vp, void __user *arg);
void vpci_ioeventfds_release(struct vfio_pci_dev *vp);

/* hot_reset.c */
void vpci_hot_reset_add(struct vfio_pci_dev *vp);
void vpci_hot_reset_del(struct vfio_pci_dev *vp);
void vpci_hot_reset_opened(struct vfio_pci_dev *vp);
void vpci_hot_reset_closed(struct vfio_pci_dev *vp, bool needs_reset);
long vpci_hot_reset_ioctl(struct vfio_pci_dev *vp, unsigned int cmd,
			  void __user *arg);

/* power.c */
extern const struct dev_pm_ops vpci_pm_ops;
void vpci_pm_init(struct vfio_pci_dev *vp);
void vpci_pm_uninit(struct vfio_pci_dev *vp);
int vpci_pm_open(struct vfio_pci_dev *vp);
void vpci_pm_close(struct vfio_pci_dev *vp);
void vpci_pm_close_done(struct vfio_pci_dev *vp);
int vpci_pm_get(struct vfio_pci_dev *vp);
void vpci_pm_put(struct vfio_pci_dev *vp);
long vpci_pm_feature(struct vfio_pci_dev *vp, u32 flags, void __user *data,
		     size_t size);
/* sriov.c */
extern bool vpci_enable_sriov;
int vpci_sriov_probe(struct vfio_pci_dev *vp);
void vpci_sriov_free(struct vfio_pci_dev *vp);
void vpci_sriov_remove(struct vfio_pci_dev *vp);
int vpci_sriov_configure_pf(struct vfio_pci_dev *vp, int nr);
int vpci_sriov_configure(struct pci_dev *pdev, int nr);
int vpci_match(struct vfio_device *vdev, const char *buf);
int vpci_vf_token_feature(struct vfio_pci_dev *vp, u32 flags,
			  void __user *data, size_t size);
void vpci_vf_token_get(struct vfio_pci_dev *vp);
void vpci_vf_token_put(struct vfio_pci_dev *vp);

/* denylist.c */
bool vpci_denylisted(struct pci_dev *pdev);

/* vga.c */
int vpci_vga_init(struct vfio_pci_dev *vp);
void vpci_vga_uninit(struct vfio_pci_dev *vp);
ssize_t vpci_vga_rw(struct vfio_pci_dev *vp, char __user *buf, size_t count,
		    loff_t *ppos, bool iswrite);

/* mmap.c */
int vpci_mmap(struct vfio_device *vdev, struct vm_area_struct *vma);
int vpci_vma_pfns(struct vfio_device *vdev, struct vm_area_struct *vma,
		  unsigned long addr, unsigned long *pfn,
		  unsigned long *npages);
void vpci_zap_and_lock_memory(struct vfio_pci_dev *vp);
int vpci_try_zap_and_lock_vma(struct vfio_pci_dev *vp);

/* config.c */
int vpci_config_init(struct vfio_pci_dev *vp);
void vpci_config_free(struct vfio_pci_dev *vp);
ssize_t vpci_config_rw(struct vfio_pci_dev *vp, char __user *buf,
		       size_t count, loff_t pos, bool iswrite);

/* config_perm.c */
int vpci_perm_build(struct vfio_pci_dev *vp);
void vpci_perm_fill(struct vfio_pci_dev *vp, int pos, int len);
void vpci_perm_free(struct vfio_pci_dev *vp);
void vpci_perm_write_hook(struct vfio_pci_dev *vp, int pos, int size);

/* pm_state.c */
int vpci_set_power_state_locked(struct vfio_pci_dev *vp, pci_power_t state);
void vpci_pm_state_release(struct vfio_pci_dev *vp);
void vpci_pmcsr_write(struct vfio_pci_dev *vp, int pm_pos);

/* bar_restore.c */
void vpci_bars_record(struct vfio_pci_dev *vp);
void vpci_bars_restore_if_lost(struct vfio_pci_dev *vp, u16 new_cmd);

#if IS_ENABLED(CONFIG_KUNIT)
/* Internals exported to vfio_pci_kunit.ko only (VISIBLE_IF_KUNIT) */
void vpci_bars_init(struct vfio_pci_dev *vp);
bool vpci_id_in_denylist(u16 vendor, u16 device);
int vpci_cap_len(struct vfio_pci_dev *vp, u8 id, int pos);
int vpci_ecap_len(struct vfio_pci_dev *vp, u16 id, int pos);
bool vpci_below_slot(struct pci_dev *pdev, struct pci_slot *slot);
int vpci_parse_match(const char *name, const char *buf, bool *has_token,
		     uuid_t *uuid);
#endif

/* intx.c */
void vpci_intx_signal(struct vfio_pci_dev *vp);
bool vpci_intx_unmask_hw(struct vfio_pci_dev *vp);
bool vpci_intx_mask(struct vfio_pci_dev *vp);
void vpci_intx_unmask(struct vfio_pci_dev *vp);
int vpci_set_intx_mask(struct vfio_pci_dev *vp, unsigned int start,
		       unsigned int count, u32 flags, void *data);
int vpci_set_intx_unmask(struct vfio_pci_dev *vp, unsigned int start,
			 unsigned int count, u32 flags, void *data);
int vpci_set_intx_trigger(struct vfio_pci_dev *vp, unsigned int start,
			  unsigned int count, u32 flags, void *data);
void vpci_intx_disable(struct vfio_pci_dev *vp);

/* unmask_fd.c */
int vpci_unmask_fd_enable(struct vfio_pci_dev *vp, int fd);
void vpci_unmask_fd_disable(struct vfio_pci_dev *vp);
void vpci_unmask_fd_flush(struct vfio_pci_dev *vp);

/* msi.c */
int vpci_set_msi_trigger(struct vfio_pci_dev *vp, unsigned int index,
			 unsigned int start, unsigned int count, u32 flags,
			 void *data);
void vpci_msi_disable(struct vfio_pci_dev *vp, bool msix);

/* irq_ctl.c */
int vpci_irq_count(struct vfio_pci_dev *vp, unsigned int index);
int vpci_set_irqs(struct vfio_pci_dev *vp, u32 flags, unsigned int index,
		  unsigned int start, unsigned int count, void *data);
long vpci_set_irqs_ioctl(struct vfio_pci_dev *vp, void __user *arg);
void vpci_irqs_teardown(struct vfio_pci_dev *vp);

#endif /* VFIO_PCI_PRIV_H */
