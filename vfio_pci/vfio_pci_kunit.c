// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of vfio-pci.ko: the parts that need no PCI hardware.
 *
 * A fake device (struct pci_dev with only cfg_size, the capability
 * offsets and the resources set, and a vconfig prepared by the test in
 * place of the hardware's config space) drives the real code.  Only paths
 * that never touch the hardware are taken: every config access below
 * stays on bytes that are fully virtual.
 *
 * Suites:
 *   vfio_pci_config_perm  the per-byte permission tables of the header,
 *                         PM, MSI, MSI-X, PCIe and extended capabilities,
 *                         malformed chains
 *   vfio_pci_bars         virtual BAR values at open
 *   vfio_pci_uapi         the device file with user memory borrowed from
 *                         the process loading this module (vfio_kunit.h):
 *                         region offset encoding, BAR sizing through the
 *                         config region, MSI queue size rules, region
 *                         info with its capability chain, IRQ info,
 *                         SET_IRQS, IOEVENTFD and hot reset validation,
 *                         the low power device features' arguments
 *   vfio_pci_denylist     the ids probe refuses without disable_denylist
 *   vfio_pci_hot_reset    which devices a slot reset affects
 *   vfio_pci_vf_token     parsing of "<bdf> vf_token=<uuid>" strings
 */
#include <kunit/test.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <uapi/linux/vfio.h>

#include "vfio_pci_priv.h"
#include "vfio_kunit.h"

/* ---- the fake device -------------------------------------------------- */

static struct vfio_pci_dev *vpk_dev(struct kunit *test, int cfg_size)
{
	struct vfio_pci_dev *vp;

	vp = kunit_kzalloc(test, sizeof(*vp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vp);
	vp->pdev = kunit_kzalloc(test, sizeof(*vp->pdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vp->pdev);
	vp->vconfig = kunit_kzalloc(test, cfg_size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vp->vconfig);
	vp->pdev->cfg_size = cfg_size;
	/* Runtime PM disabled and active: get/put only count (power.c) */
	spin_lock_init(&vp->pdev->dev.power.lock);
#ifdef CONFIG_PM
	vp->pdev->dev.power.disable_depth = 1;
#endif
	mutex_init(&vp->igate);
	mutex_init(&vp->bar_lock);
	mutex_init(&vp->vma_lock);
	init_rwsem(&vp->memory_lock);
	spin_lock_init(&vp->irqlock);
	INIT_LIST_HEAD(&vp->vma_list);
	mutex_init(&vp->ioeventfd_lock);
	INIT_LIST_HEAD(&vp->ioeventfds);
	vp->msix_bar = -1;
	vp->irq_type = VPCI_IRQ_NONE;
	return vp;
}

static void vpk_w8(struct vfio_pci_dev *vp, int pos, u8 v)
{
	vp->vconfig[pos] = v;
}

static void vpk_w16(struct vfio_pci_dev *vp, int pos, u16 v)
{
	*(__le16 *)&vp->vconfig[pos] = cpu_to_le16(v);
}

static void vpk_w32(struct vfio_pci_dev *vp, int pos, u32 v)
{
	*(__le32 *)&vp->vconfig[pos] = cpu_to_le32(v);
}

static u16 vpk_r16(struct vfio_pci_dev *vp, int pos)
{
	return le16_to_cpup((__le16 *)&vp->vconfig[pos]);
}

static u32 vpk_r32(struct vfio_pci_dev *vp, int pos)
{
	return le32_to_cpup((__le32 *)&vp->vconfig[pos]);
}

/* Expect the virt and write masks of the @len bytes at @pos. */
static void vpk_expect_perm(struct kunit *test, struct vfio_pci_dev *vp,
			    int pos, int len, u32 virt, u32 write)
{
	int i;

	for (i = 0; i < len; i++) {
		KUNIT_EXPECT_EQ_MSG(test, vp->perm.virt[pos + i],
				    (u8)(virt >> (8 * i)), "virt of 0x%x",
				    pos + i);
		KUNIT_EXPECT_EQ_MSG(test, vp->perm.write[pos + i],
				    (u8)(write >> (8 * i)), "write of 0x%x",
				    pos + i);
	}
}

static void vpk_perm_cleanup(struct kunit_resource *res)
{
	vpci_perm_free(res->data);
}

/* Build the tables; they are freed when the test ends. */
static int vpk_perm_build(struct kunit *test, struct vfio_pci_dev *vp)
{
	int ret = vpci_perm_build(vp);

	if (!ret)
		kunit_alloc_resource(test, NULL, vpk_perm_cleanup, GFP_KERNEL,
				     vp);
	return ret;
}

/*
 * A chain as a device could have it: PM at 0x40, MSI (64-bit, per-vector
 * masking, 8 vectors, enabled with 4 by a previous owner) at 0x50, MSI-X
 * at 0x70, PCIe at 0x80.
 */
#define VPK_PM		0x40
#define VPK_MSI		0x50
#define VPK_MSIX	0x70
#define VPK_EXP		0x80
#define VPK_MSI_FLAGS	(PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | \
			 (3 << 1) | (2 << 4) | PCI_MSI_FLAGS_ENABLE)

static void vpk_caps(struct vfio_pci_dev *vp)
{
	vpk_w16(vp, PCI_VENDOR_ID, 0x1234);
	vpk_w16(vp, PCI_DEVICE_ID, 0x11e8);
	vpk_w16(vp, PCI_STATUS, PCI_STATUS_CAP_LIST);
	vpk_w8(vp, PCI_CAPABILITY_LIST, VPK_PM);

	vpk_w8(vp, VPK_PM + PCI_CAP_LIST_ID, PCI_CAP_ID_PM);
	vpk_w8(vp, VPK_PM + PCI_CAP_LIST_NEXT, VPK_MSI);
	vpk_w16(vp, VPK_PM + PCI_PM_PMC, PCI_PM_CAP_PME_MASK | 3);
	vpk_w16(vp, VPK_PM + PCI_PM_CTRL, PCI_PM_CTRL_PME_ENABLE |
		PCI_PM_CTRL_PME_STATUS | 3);

	vpk_w8(vp, VPK_MSI + PCI_CAP_LIST_ID, PCI_CAP_ID_MSI);
	vpk_w8(vp, VPK_MSI + PCI_CAP_LIST_NEXT, VPK_MSIX);
	vpk_w16(vp, VPK_MSI + PCI_MSI_FLAGS, VPK_MSI_FLAGS);

	vpk_w8(vp, VPK_MSIX + PCI_CAP_LIST_ID, PCI_CAP_ID_MSIX);
	vpk_w8(vp, VPK_MSIX + PCI_CAP_LIST_NEXT, VPK_EXP);

	vpk_w8(vp, VPK_EXP + PCI_CAP_LIST_ID, PCI_CAP_ID_EXP);
	vpk_w8(vp, VPK_EXP + PCI_CAP_LIST_NEXT, 0);
	vpk_w16(vp, VPK_EXP + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_BCR_FLR | 0x10);
}

/* The AER bits 6.1 lets the user write. */
#define VPK_AER_UNC	0x03fff031U
#define VPK_AER_COR	0x0000f1c1U

/* A chain of one PCIe endpoint capability of @version at 0x40. */
static void vpk_pcie(struct vfio_pci_dev *vp, u16 version)
{
	vpk_w16(vp, PCI_STATUS, PCI_STATUS_CAP_LIST);
	vpk_w8(vp, PCI_CAPABILITY_LIST, 0x40);
	vpk_w8(vp, 0x40 + PCI_CAP_LIST_ID, PCI_CAP_ID_EXP);
	vpk_w8(vp, 0x40 + PCI_CAP_LIST_NEXT, 0);
	vpk_w16(vp, 0x40 + PCI_EXP_FLAGS,
		version | (PCI_EXP_TYPE_ENDPOINT << 4));
}

/* ---- vfio_pci_config_perm --------------------------------------------- */

static void vpk_perm_header(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_dev(test, PCI_CFG_SPACE_SIZE);
	int bar;

	KUNIT_ASSERT_EQ(test, vpk_perm_build(test, vp), 0);

	/* IDs: virtual, read-only */
	vpk_expect_perm(test, vp, PCI_VENDOR_ID, 4, ~0U, 0);
	/* command: passed through, except DisINTx which is emulated */
	vpk_expect_perm(test, vp, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE,
			0xffff);
	/* status: read-only, the capability-list bit virtual */
	vpk_expect_perm(test, vp, PCI_STATUS, 2, PCI_STATUS_CAP_LIST, 0);
	/* revision, class, header type: hardware, read-only */
	vpk_expect_perm(test, vp, PCI_REVISION_ID, 4, 0, 0);
	vpk_expect_perm(test, vp, PCI_HEADER_TYPE, 1, 0, 0);
	vpk_expect_perm(test, vp, PCI_CACHE_LINE_SIZE, 1, 0, 0xff);
	vpk_expect_perm(test, vp, PCI_LATENCY_TIMER, 1, 0, 0xff);
	vpk_expect_perm(test, vp, PCI_BIST, 1, 0, 0xff);
	/* BARs and the ROM BAR: fully virtual and writable */
	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		vpk_expect_perm(test, vp, PCI_BASE_ADDRESS_0 + 4 * bar, 4, ~0U,
				~0U);
	vpk_expect_perm(test, vp, PCI_ROM_ADDRESS, 4, ~0U, ~0U);
	vpk_expect_perm(test, vp, PCI_SUBSYSTEM_VENDOR_ID, 4, 0, 0);
	vpk_expect_perm(test, vp, PCI_CAPABILITY_LIST, 1, 0xff, 0);
	vpk_expect_perm(test, vp, PCI_INTERRUPT_LINE, 1, 0xff, 0xff);
	vpk_expect_perm(test, vp, PCI_INTERRUPT_PIN, 1, 0xff, 0);
	/* no capability list: everything after the header is raw */
	vpk_expect_perm(test, vp, PCI_STD_HEADER_SIZEOF, 4, 0, ~0U);
	vpk_expect_perm(test, vp, PCI_CFG_SPACE_SIZE - 4, 4, 0, ~0U);
}

static void vpk_perm_caps(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_dev(test, PCI_CFG_SPACE_SIZE);
	u32 pm_ctl_virt = PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS |
			  PCI_PM_CTRL_STATE_MASK;
	int pos;

	vpk_caps(vp);
	KUNIT_ASSERT_EQ(test, vpk_perm_build(test, vp), 0);

	/* every capability header: virtual, read-only */
	for (pos = VPK_PM; pos <= VPK_EXP; pos += 0x10) {
		if (pos == 0x60)
			continue;	/* inside MSI */
		vpk_expect_perm(test, vp, pos, 2, 0xffff, 0);
	}

	/* PM: PME capability bits hidden, power state recorded only */
	vpk_expect_perm(test, vp, VPK_PM + PCI_PM_PMC, 2, PCI_PM_CAP_PME_MASK,
			0);
	vpk_expect_perm(test, vp, VPK_PM + PCI_PM_CTRL, 4, pm_ctl_virt,
			~(PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS));
	KUNIT_EXPECT_EQ(test, vpk_r16(vp, VPK_PM + PCI_PM_PMC), 3);
	KUNIT_EXPECT_EQ(test, vpk_r16(vp, VPK_PM + PCI_PM_CTRL), 3);

	/* MSI: virtual; the queue size is the only writable flag */
	vpk_expect_perm(test, vp, VPK_MSI + PCI_MSI_FLAGS, 2, 0xffff,
			PCI_MSI_FLAGS_QSIZE);
	vpk_expect_perm(test, vp, VPK_MSI + PCI_MSI_ADDRESS_LO, 4, ~0U, ~0U);
	vpk_expect_perm(test, vp, VPK_MSI + PCI_MSI_ADDRESS_HI, 4, ~0U, ~0U);
	vpk_expect_perm(test, vp, VPK_MSI + PCI_MSI_DATA_64, 2, 0xffff,
			0xffff);
	vpk_expect_perm(test, vp, VPK_MSI + PCI_MSI_DATA_64 + 2, 2, 0xffff, 0);
	/* mask bits go to the hardware, pending bits are read from it */
	vpk_expect_perm(test, vp, VPK_MSI + PCI_MSI_MASK_64, 4, 0, ~0U);
	vpk_expect_perm(test, vp, VPK_MSI + PCI_MSI_PENDING_64, 4, 0, 0);
	/* the user starts with MSI disabled and one vector */
	KUNIT_EXPECT_EQ(test, vpk_r16(vp, VPK_MSI + PCI_MSI_FLAGS),
			VPK_MSI_FLAGS & ~(PCI_MSI_FLAGS_ENABLE |
					  PCI_MSI_FLAGS_QSIZE));
	/* the byte after the 64-bit maskable MSI capability is raw */
	vpk_expect_perm(test, vp, VPK_MSI + PCI_MSI_PENDING_64 + 4, 1, 0, 0xff);

	/* MSI-X: control and table offsets from the hardware, no writes */
	vpk_expect_perm(test, vp, VPK_MSIX + PCI_MSIX_FLAGS,
			PCI_CAP_MSIX_SIZEOF - 2, 0, 0);

	/*
	 * PCIe (v2 length 0x32): FLR, MPS and MRRS virtual, all of DEVCTL
	 * but phantom functions and all of DEVCTL2 but ARI writable, the
	 * rest read-only; the raw gap starts after it
	 */
	vpk_expect_perm(test, vp, VPK_EXP + PCI_EXP_DEVCAP, 4, 0, 0);
	vpk_expect_perm(test, vp, VPK_EXP + PCI_EXP_DEVCTL, 2,
			PCI_EXP_DEVCTL_BCR_FLR | PCI_EXP_DEVCTL_PAYLOAD |
			PCI_EXP_DEVCTL_READRQ,
			0xffff & ~PCI_EXP_DEVCTL_PHANTOM);
	KUNIT_EXPECT_EQ(test, vpk_r16(vp, VPK_EXP + PCI_EXP_DEVCTL), 0x10);
	vpk_expect_perm(test, vp, VPK_EXP + PCI_EXP_DEVSTA, 2, 0, 0);
	vpk_expect_perm(test, vp, VPK_EXP + PCI_EXP_LNKCTL, 2, 0, 0);
	vpk_expect_perm(test, vp, VPK_EXP + PCI_EXP_DEVCTL2, 2, 0,
			0xffff & ~PCI_EXP_DEVCTL2_ARI);
	vpk_expect_perm(test, vp, VPK_EXP + 0x30, 2, 0, 0);
	vpk_expect_perm(test, vp, VPK_EXP + 0x32, 2, 0, 0xffff);
	KUNIT_EXPECT_EQ(test, vp->perm.exp_pos, VPK_EXP);
}

static void vpk_perm_msi32(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_dev(test, PCI_CFG_SPACE_SIZE);

	vpk_w16(vp, PCI_STATUS, PCI_STATUS_CAP_LIST);
	vpk_w8(vp, PCI_CAPABILITY_LIST, VPK_MSI);
	vpk_w8(vp, VPK_MSI + PCI_CAP_LIST_ID, PCI_CAP_ID_MSI);
	vpk_w16(vp, VPK_MSI + PCI_MSI_FLAGS, 0);
	KUNIT_ASSERT_EQ(test, vpk_perm_build(test, vp), 0);

	/* 32-bit, no masking: data at 0x08, capability ends at 0x0a */
	vpk_expect_perm(test, vp, VPK_MSI + PCI_MSI_ADDRESS_LO, 4, ~0U, ~0U);
	vpk_expect_perm(test, vp, VPK_MSI + PCI_MSI_DATA_32, 2, 0xffff,
			0xffff);
	vpk_expect_perm(test, vp, VPK_MSI + PCI_MSI_DATA_32 + 2, 2, 0, 0xffff);
}

static void vpk_perm_malformed(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_dev(test, PCI_CFG_SPACE_SIZE);

	vpk_w16(vp, PCI_STATUS, PCI_STATUS_CAP_LIST);
	/* a chain pointing at itself must terminate */
	vpk_w8(vp, PCI_CAPABILITY_LIST, 0x40);
	vpk_w8(vp, 0x40 + PCI_CAP_LIST_ID, PCI_CAP_ID_VNDR);
	vpk_w8(vp, 0x40 + PCI_CAP_FLAGS, 4);
	vpk_w8(vp, 0x40 + PCI_CAP_LIST_NEXT, 0x40);
	KUNIT_ASSERT_EQ(test, vpk_perm_build(test, vp), 0);
	vpk_expect_perm(test, vp, 0x40, 2, 0xffff, 0);
	vpk_expect_perm(test, vp, 0x42, 2, 0, 0xffff);
	vpci_perm_free(vp);
	/* a vendor capability of length 0 is hidden, the loop still ends */
	vpk_w8(vp, 0x40 + PCI_CAP_FLAGS, 0);
	KUNIT_ASSERT_EQ(test, vpci_perm_build(vp), 0);
	vpk_expect_perm(test, vp, 0x40, 4, 0, ~0U);
	KUNIT_EXPECT_FALSE(test, vpk_r16(vp, PCI_STATUS) & PCI_STATUS_CAP_LIST);
	vpci_perm_free(vp);
	vpk_w16(vp, PCI_STATUS, PCI_STATUS_CAP_LIST);
	vpk_w8(vp, 0x40 + PCI_CAP_FLAGS, 4);

	/* an MSI capability running past the standard space is left raw */
	vpk_w8(vp, 0x40 + PCI_CAP_LIST_NEXT, 0xf0);
	vpk_w8(vp, 0xf0 + PCI_CAP_LIST_ID, PCI_CAP_ID_MSI);
	vpk_w16(vp, 0xf0 + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT |
		PCI_MSI_FLAGS_MASKBIT | PCI_MSI_FLAGS_ENABLE);
	/* its next pointer leads back into the header: the walk stops */
	vpk_w8(vp, 0xf0 + PCI_CAP_LIST_NEXT, 0x3c);
	KUNIT_ASSERT_EQ(test, vpci_perm_build(vp), 0);
	vpk_expect_perm(test, vp, 0xf0, 2, 0xffff, 0);
	vpk_expect_perm(test, vp, 0xf0 + PCI_MSI_FLAGS, 2, 0, 0);
	KUNIT_EXPECT_EQ(test, vp->vconfig[0xf0 + PCI_CAP_LIST_NEXT], 0);
	KUNIT_EXPECT_TRUE(test, vpk_r16(vp, 0xf0 + PCI_MSI_FLAGS) &
			  PCI_MSI_FLAGS_ENABLE);
	/* the header's interrupt line keeps its own rules */
	vpk_expect_perm(test, vp, PCI_INTERRUPT_LINE, 1, 0xff, 0xff);

	/* no capability-list bit: the pointer is not followed */
	vpci_perm_free(vp);
	vpk_w16(vp, PCI_STATUS, 0);
	KUNIT_ASSERT_EQ(test, vpci_perm_build(vp), 0);
	vpk_expect_perm(test, vp, 0x40, 2, 0, 0xffff);
}

static void vpk_perm_ext_caps(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_dev(test, PCI_CFG_SPACE_EXP_SIZE);

	/* AER at 0x100 -> DSN at 0x140 -> back to 0x100: bounded */
	vpk_w32(vp, 0x100, PCI_EXT_CAP_ID_ERR | (1 << 16) | (0x140 << 20));
	vpk_w32(vp, 0x140, PCI_EXT_CAP_ID_DSN | (1 << 16) | (0x100 << 20));
	/* without a PCIe capability the extended space is left raw */
	KUNIT_ASSERT_EQ(test, vpci_perm_build(vp), 0);
	vpk_expect_perm(test, vp, 0x100, 4, 0, ~0U);
	vpci_perm_free(vp);

	vpk_pcie(vp, 2);
	KUNIT_ASSERT_EQ(test, vpk_perm_build(test, vp), 0);
	vpk_expect_perm(test, vp, 0x100, 4, ~0U, 0);
	/* AER: the error bits 6.1 lets through, the log read-only */
	vpk_expect_perm(test, vp, 0x100 + PCI_ERR_UNCOR_STATUS, 4, 0,
			VPK_AER_UNC);
	vpk_expect_perm(test, vp, 0x100 + PCI_ERR_UNCOR_MASK, 4, 0,
			VPK_AER_UNC);
	vpk_expect_perm(test, vp, 0x100 + PCI_ERR_UNCOR_SEVER, 4, 0,
			VPK_AER_UNC);
	vpk_expect_perm(test, vp, 0x100 + PCI_ERR_COR_STATUS, 4, 0,
			VPK_AER_COR);
	vpk_expect_perm(test, vp, 0x100 + PCI_ERR_COR_MASK, 4, 0,
			VPK_AER_COR);
	vpk_expect_perm(test, vp, 0x100 + PCI_ERR_CAP, 4, 0,
			PCI_ERR_CAP_ECRC_GENE | PCI_ERR_CAP_ECRC_CHKE);
	vpk_expect_perm(test, vp, 0x100 + PCI_ERR_HEADER_LOG, 16, 0, 0);
	/* AER ends at the root command register in 6.1: raw after */
	vpk_expect_perm(test, vp, 0x100 + PCI_ERR_ROOT_COMMAND, 4, 0, ~0U);
	/* DSN: read-only */
	vpk_expect_perm(test, vp, 0x140, 4, ~0U, 0);
	vpk_expect_perm(test, vp, 0x144, 8, 0, 0);
	vpk_expect_perm(test, vp, 0x14c, 4, 0, ~0U);
	vpk_expect_perm(test, vp, PCI_CFG_SPACE_EXP_SIZE - 4, 4, 0, ~0U);
}

/*
 * Capabilities of unknown length are skipped by the virtual chain:
 * SLOTID at 0x40 (the first), PM at 0x48, DBG at 0x50, a vendor
 * capability of 8 bytes at 0x60, EA at 0x70 (past 6.1's table, last).
 */
static void vpk_perm_hidden_caps(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_dev(test, PCI_CFG_SPACE_SIZE);

	vpk_w16(vp, PCI_STATUS, PCI_STATUS_CAP_LIST);
	vpk_w8(vp, PCI_CAPABILITY_LIST, 0x40);
	vpk_w16(vp, 0x40, PCI_CAP_ID_SLOTID | 0x48 << 8);
	vpk_w16(vp, 0x48, PCI_CAP_ID_PM | 0x50 << 8);
	vpk_w16(vp, 0x50, PCI_CAP_ID_DBG | 0x60 << 8);
	vpk_w16(vp, 0x60, PCI_CAP_ID_VNDR | 0x70 << 8);
	vpk_w8(vp, 0x60 + PCI_CAP_FLAGS, 8);
	vpk_w16(vp, 0x70, 0x14 | 0 << 8);
	KUNIT_ASSERT_EQ(test, vpk_perm_build(test, vp), 0);

	/* the virtual chain: PM -> vendor -> end */
	KUNIT_EXPECT_EQ(test, vp->vconfig[PCI_CAPABILITY_LIST], 0x48);
	KUNIT_EXPECT_EQ(test, vp->vconfig[0x48 + PCI_CAP_LIST_NEXT], 0x60);
	KUNIT_EXPECT_EQ(test, vp->vconfig[0x60 + PCI_CAP_LIST_NEXT], 0);
	KUNIT_EXPECT_TRUE(test, vpk_r16(vp, PCI_STATUS) & PCI_STATUS_CAP_LIST);
	/* hidden capabilities keep their bytes raw */
	vpk_expect_perm(test, vp, 0x40, 8, 0, ~0U);
	vpk_expect_perm(test, vp, 0x50, 16, 0, ~0U);
	vpk_expect_perm(test, vp, 0x70, 4, 0, ~0U);
	/* PM: 8 bytes */
	vpk_expect_perm(test, vp, 0x48, 2, 0xffff, 0);
	/* vendor: header virtual, body raw, 8 bytes */
	vpk_expect_perm(test, vp, 0x60, 2, 0xffff, 0);
	vpk_expect_perm(test, vp, 0x62, 6, 0, ~0U);
	vpk_expect_perm(test, vp, 0x68, 8, 0, ~0U);
	vpci_perm_free(vp);

	/* nothing visible: the capability-list bit goes */
	vpk_w16(vp, PCI_STATUS, PCI_STATUS_CAP_LIST);
	vpk_w8(vp, PCI_CAPABILITY_LIST, 0x50);
	vpk_w16(vp, 0x50, PCI_CAP_ID_DBG | 0x70 << 8);
	KUNIT_ASSERT_EQ(test, vpci_perm_build(vp), 0);
	KUNIT_EXPECT_EQ(test, vp->vconfig[PCI_CAPABILITY_LIST], 0);
	KUNIT_EXPECT_FALSE(test, vpk_r16(vp, PCI_STATUS) & PCI_STATUS_CAP_LIST);
}

#define VPK_ECAP(id, next)	((id) | (1 << 16) | ((next) << 20))

/*
 * The extended chain: PASID (hidden in 6.1) at 0x100, AER at 0x140,
 * RCLD (hidden) at 0x180, DSN at 0x1c0, a vendor capability of 16 bytes
 * at 0x200, an unknown ID at 0x300 (last).
 */
static void vpk_perm_hidden_ecaps(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_dev(test, PCI_CFG_SPACE_EXP_SIZE);

	vpk_pcie(vp, 2);
	vpk_w32(vp, 0x100, VPK_ECAP(PCI_EXT_CAP_ID_PASID, 0x140));
	vpk_w32(vp, 0x140, VPK_ECAP(PCI_EXT_CAP_ID_ERR, 0x180));
	vpk_w32(vp, 0x180, VPK_ECAP(PCI_EXT_CAP_ID_RCLD, 0x1c0));
	vpk_w32(vp, 0x1c0, VPK_ECAP(PCI_EXT_CAP_ID_DSN, 0x200));
	vpk_w32(vp, 0x200, VPK_ECAP(PCI_EXT_CAP_ID_VNDR, 0x300));
	vpk_w32(vp, 0x204, 0x10 << 20 | 0x1234);
	vpk_w32(vp, 0x300, VPK_ECAP(0x30, 0));
	KUNIT_ASSERT_EQ(test, vpk_perm_build(test, vp), 0);

	/* the first one is an anchor: only its next pointer is left */
	KUNIT_EXPECT_EQ(test, vpk_r32(vp, 0x100), 0x140U << 20);
	vpk_expect_perm(test, vp, 0x100, 4, ~0U, 0);
	vpk_expect_perm(test, vp, 0x104, 4, 0, ~0U);
	/* AER skips RCLD, the vendor capability skips the unknown one */
	KUNIT_EXPECT_EQ(test, vpk_r32(vp, 0x140),
			(u32)VPK_ECAP(PCI_EXT_CAP_ID_ERR, 0x1c0));
	KUNIT_EXPECT_EQ(test, vpk_r32(vp, 0x1c0),
			(u32)VPK_ECAP(PCI_EXT_CAP_ID_DSN, 0x200));
	KUNIT_EXPECT_EQ(test, vpk_r32(vp, 0x200),
			(u32)VPK_ECAP(PCI_EXT_CAP_ID_VNDR, 0));
	vpk_expect_perm(test, vp, 0x180, 4, 0, ~0U);
	vpk_expect_perm(test, vp, 0x300, 4, 0, ~0U);
	/* vendor: header virtual, 12 raw bytes, then the gap */
	vpk_expect_perm(test, vp, 0x200, 4, ~0U, 0);
	vpk_expect_perm(test, vp, 0x204, 12, 0, ~0U);
	vpci_perm_free(vp);

	/* only hidden ones: the dword at 0x100 reads 0 */
	vpk_w32(vp, 0x100, VPK_ECAP(PCI_EXT_CAP_ID_PASID, 0x180));
	vpk_w32(vp, 0x180, VPK_ECAP(PCI_EXT_CAP_ID_RCLD, 0));
	KUNIT_ASSERT_EQ(test, vpci_perm_build(vp), 0);
	KUNIT_EXPECT_EQ(test, vpk_r32(vp, 0x100), 0U);
	vpk_expect_perm(test, vp, 0x100, 4, ~0U, 0);
	vpk_expect_perm(test, vp, 0x180, 4, 0, ~0U);
}

/* Lengths computed from a capability's own registers, as 6.1. */
static void vpk_cap_lens(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_dev(test, PCI_CFG_SPACE_EXP_SIZE);

	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_PM, 0x40), 8);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_MSIX, 0x40), 12);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_AF, 0x40), 6);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_VPD, 0x40), 8);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_AGP, 0x40), 12);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, 0, 0x40), 0);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_SLOTID, 0x40), 0);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_SHPC, 0x40), 0);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, 0x14, 0x40), 0);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, 0xff, 0x40), 0);

	/* MSI: 10, 14, 20 or 24 bytes */
	vpk_w16(vp, 0x40 + PCI_MSI_FLAGS, 0);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_MSI, 0x40), 10);
	vpk_w16(vp, 0x40 + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_MSI, 0x40), 14);
	vpk_w16(vp, 0x40 + PCI_MSI_FLAGS, PCI_MSI_FLAGS_MASKBIT);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_MSI, 0x40), 20);
	vpk_w16(vp, 0x40 + PCI_MSI_FLAGS, PCI_MSI_FLAGS_MASKBIT |
		PCI_MSI_FLAGS_64BIT);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_MSI, 0x40), 24);

	/* PCIe: by version, and root-complex endpoints have no link */
	vpk_w16(vp, 0x40 + PCI_EXP_FLAGS, 1);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_EXP, 0x40), 0x14);
	vpk_w16(vp, 0x40 + PCI_EXP_FLAGS, 2);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_EXP, 0x40), 0x32);
	vpk_w16(vp, 0x40 + PCI_EXP_FLAGS, 1 | PCI_EXP_TYPE_RC_END << 4);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_EXP, 0x40), 0x0c);
	vpk_w16(vp, 0x40 + PCI_EXP_FLAGS, 2 | PCI_EXP_TYPE_RC_END << 4);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_EXP, 0x40), 0x2c);

	/* PCI-X: 8 bytes for version 0, else 24 */
	vpk_w16(vp, 0x40 + PCI_X_CMD, 0);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_PCIX, 0x40), 8);
	vpk_w16(vp, 0x40 + PCI_X_CMD, 2 << 12);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_PCIX, 0x40), 24);

	/* vendor: the byte after the next pointer */
	vpk_w8(vp, 0x40 + PCI_CAP_FLAGS, 0x1c);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_VNDR, 0x40), 0x1c);

	/* HyperTransport: 24 or 28 bytes by the capability type */
	vpk_w8(vp, 0x43, 0x20);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_HT, 0x40), 24);
	vpk_w8(vp, 0x43, 0);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_HT, 0x40), 28);

	/* SATA: 16 bytes with the registers inline, else 8 */
	vpk_w8(vp, 0x40 + PCI_SATA_REGS, 0xf);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_SATA, 0x40), 16);
	vpk_w8(vp, 0x40 + PCI_SATA_REGS, 0x4);
	KUNIT_EXPECT_EQ(test, vpci_cap_len(vp, PCI_CAP_ID_SATA, 0x40), 8);

	/* extended, fixed */
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, PCI_EXT_CAP_ID_ERR, 0x100),
			0x2c);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, PCI_EXT_CAP_ID_DSN, 0x100),
			12);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, PCI_EXT_CAP_ID_SRIOV, 0x100),
			0x40);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, PCI_EXT_CAP_ID_LTR, 0x100), 8);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, PCI_EXT_CAP_ID_PASID, 0x100),
			0);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, PCI_EXT_CAP_ID_RCEC, 0x100),
			0);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, 0x30, 0x100), 0);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, 0xffff, 0x100), 0);

	/* vendor: bits 31:20 of its second dword */
	vpk_w32(vp, 0x100 + PCI_VSEC_HDR, 0x38 << 20 | 0x1);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, PCI_EXT_CAP_ID_VNDR, 0x100),
			0x38);

	/* VC: 2 VCs and 32-phase arbitration: 0x28 -> 0x30 + 16 */
	vpk_w32(vp, 0x100 + PCI_VC_PORT_CAP1, 1);
	vpk_w32(vp, 0x100 + PCI_VC_PORT_CAP2, 0x2);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, PCI_EXT_CAP_ID_VC, 0x100),
			0x40);
	vpk_w32(vp, 0x100 + PCI_VC_PORT_CAP2, 0);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, PCI_EXT_CAP_ID_MFVC, 0x100),
			0x28);

	/* ACS: 8, or 8 plus the egress control vector */
	vpk_w16(vp, 0x100 + PCI_ACS_CAP, 0);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, PCI_EXT_CAP_ID_ACS, 0x100), 8);
	vpk_w16(vp, 0x100 + PCI_ACS_CAP, PCI_ACS_EC);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, PCI_EXT_CAP_ID_ACS, 0x100),
			8 + 32);
	vpk_w16(vp, 0x100 + PCI_ACS_CAP, PCI_ACS_EC | 7 << 8);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, PCI_EXT_CAP_ID_ACS, 0x100),
			8 + 4);

	/* resizable BAR: 4 + 8 per BAR */
	vpk_w32(vp, 0x100 + PCI_REBAR_CTRL, 3 << 5);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, PCI_EXT_CAP_ID_REBAR, 0x100),
			28);
	/* DPA: 16 + one byte per substate */
	vpk_w32(vp, 0x100 + PCI_DPA_CAP, 3);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, PCI_EXT_CAP_ID_DPA, 0x100),
			20);
	/* TPH: 12, plus the ST table when it lives in the capability */
	vpk_w32(vp, 0x100 + PCI_TPH_CAP, 0x200 | 4 << 16);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, PCI_EXT_CAP_ID_TPH, 0x100),
			12 + 2 + 8);
	vpk_w32(vp, 0x100 + PCI_TPH_CAP, 0x400 | 4 << 16);
	KUNIT_EXPECT_EQ(test, vpci_ecap_len(vp, PCI_EXT_CAP_ID_TPH, 0x100),
			12);
}

/* AF, VPD, PCI-X and power-budget tables; a v1 PCIe has no DEVCTL2. */
static void vpk_perm_other_caps(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_dev(test, PCI_CFG_SPACE_EXP_SIZE);

	vpk_w16(vp, PCI_STATUS, PCI_STATUS_CAP_LIST);
	vpk_w8(vp, PCI_CAPABILITY_LIST, 0x40);
	vpk_w16(vp, 0x40, PCI_CAP_ID_AF | 0x48 << 8);
	vpk_w8(vp, 0x40 + PCI_AF_CTRL, PCI_AF_CTRL_FLR);
	vpk_w16(vp, 0x48, PCI_CAP_ID_VPD | 0x50 << 8);
	vpk_w16(vp, 0x50, PCI_CAP_ID_PCIX | 0x70 << 8);
	vpk_w16(vp, 0x50 + PCI_X_CMD, 1 << 12);
	vpk_w16(vp, 0x70, PCI_CAP_ID_EXP | 0 << 8);
	vpk_w16(vp, 0x70 + PCI_EXP_FLAGS, 1);
	vpk_w32(vp, 0x100, VPK_ECAP(PCI_EXT_CAP_ID_PWR, 0));
	KUNIT_ASSERT_EQ(test, vpk_perm_build(test, vp), 0);

	/* AF: FLR virtual and reads 0; capability and status read-only */
	vpk_expect_perm(test, vp, 0x40 + PCI_AF_CAP, 1, 0, 0);
	vpk_expect_perm(test, vp, 0x40 + PCI_AF_CTRL, 1, PCI_AF_CTRL_FLR,
			PCI_AF_CTRL_FLR);
	KUNIT_EXPECT_EQ(test, vp->vconfig[0x40 + PCI_AF_CTRL], 0);
	vpk_expect_perm(test, vp, 0x40 + PCI_AF_STATUS, 1, 0, 0);
	vpk_expect_perm(test, vp, 0x46, 2, 0, 0xffff);
	KUNIT_EXPECT_EQ(test, vp->perm.af_pos, 0x40);
	/* VPD: address and data virtual */
	vpk_expect_perm(test, vp, 0x48 + PCI_VPD_ADDR, 2, 0xffff, 0xffff);
	vpk_expect_perm(test, vp, 0x48 + PCI_VPD_DATA, 4, ~0U, ~0U);
	KUNIT_EXPECT_EQ(test, vp->perm.vpd_pos, 0x48);
	/* PCI-X v1: command and ECC writable, status read-only */
	vpk_expect_perm(test, vp, 0x50 + PCI_X_CMD, 2, 0, 0xffff);
	vpk_expect_perm(test, vp, 0x50 + PCI_X_STATUS, 4, 0, 0);
	vpk_expect_perm(test, vp, 0x50 + PCI_X_ECC_CSR, 4, 0, ~0U);
	vpk_expect_perm(test, vp, 0x50 + 0x0c, 12, 0, 0);
	vpk_expect_perm(test, vp, 0x68, 8, 0, ~0U);
	/* PCIe v1: 0x14 bytes, no DEVCTL2 */
	vpk_expect_perm(test, vp, 0x70 + PCI_EXP_LNKCTL, 4, 0, 0);
	vpk_expect_perm(test, vp, 0x70 + 0x14, 4, 0, ~0U);
	/* power budget: the data register byte writable */
	vpk_expect_perm(test, vp, 0x100, 4, ~0U, 0);
	vpk_expect_perm(test, vp, 0x100 + PCI_PWR_DSR, 4, 0, 0);
	vpk_expect_perm(test, vp, 0x100 + PCI_PWR_DATA, 1, 0, 0xff);
	vpk_expect_perm(test, vp, 0x100 + PCI_PWR_DATA + 1, 7, 0, 0);
	vpk_expect_perm(test, vp, 0x110, 4, 0, ~0U);
}

static struct kunit_case vpk_perm_cases[] = {
	KUNIT_CASE(vpk_perm_header),
	KUNIT_CASE(vpk_perm_caps),
	KUNIT_CASE(vpk_perm_msi32),
	KUNIT_CASE(vpk_perm_malformed),
	KUNIT_CASE(vpk_perm_ext_caps),
	KUNIT_CASE(vpk_perm_hidden_caps),
	KUNIT_CASE(vpk_perm_hidden_ecaps),
	KUNIT_CASE(vpk_cap_lens),
	KUNIT_CASE(vpk_perm_other_caps),
	{}
};

static struct kunit_suite vpk_perm_suite = {
	.name = "vfio_pci_config_perm",
	.test_cases = vpk_perm_cases,
};

/* ---- vfio_pci_bars ---------------------------------------------------- */

#define VPK_IO_FLAGS	PCI_BASE_ADDRESS_SPACE_IO
#define VPK_M64_FLAGS	(PCI_BASE_ADDRESS_MEM_TYPE_64 | \
			 PCI_BASE_ADDRESS_MEM_PREFETCH)

static void vpk_resource(struct vfio_pci_dev *vp, int bar, u64 start,
			 u64 len, unsigned long flags)
{
	struct resource *res = &vp->pdev->resource[bar];

	res->start = start;
	res->end = start + len - 1;
	res->flags = flags;
}

/*
 * BAR0: 1 MiB memory; BAR1: 32 bytes of I/O ports; BAR2/3: 16 MiB 64-bit
 * prefetchable memory; BAR4, BAR5: none; a 64 KiB ROM.  The registers
 * hold what firmware programmed, with low bits the BAR size masks out.
 */
static void vpk_bars(struct vfio_pci_dev *vp)
{
	vpk_resource(vp, 0, 0xfe000000, SZ_1M, IORESOURCE_MEM);
	vpk_w32(vp, PCI_BASE_ADDRESS_0, 0xfe000000);
	vpk_resource(vp, 1, 0xc000, 0x20, IORESOURCE_IO);
	vpk_w32(vp, PCI_BASE_ADDRESS_1, 0xc000 | VPK_IO_FLAGS);
	vpk_resource(vp, 2, 0x800000000ULL, SZ_16M,
		     IORESOURCE_MEM | IORESOURCE_MEM_64);
	vpk_w32(vp, PCI_BASE_ADDRESS_2, 0x00000000 | VPK_M64_FLAGS);
	vpk_w32(vp, PCI_BASE_ADDRESS_3, 0x8);
	vpk_resource(vp, PCI_ROM_RESOURCE, 0xfe100000, SZ_64K,
		     IORESOURCE_MEM);
	vpk_w32(vp, PCI_ROM_ADDRESS, 0xfe100000 | 0x7fe);
}

static void vpk_bars_init(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_dev(test, PCI_CFG_SPACE_SIZE);

	vpk_bars(vp);
	/* garbage in an unimplemented BAR */
	vpk_w32(vp, PCI_BASE_ADDRESS_4, 0x1234);
	vpci_bars_init(vp);

	KUNIT_EXPECT_EQ(test, vp->bar_flags[0], 0U);
	KUNIT_EXPECT_EQ(test, vp->bar_flags[1], (u32)VPK_IO_FLAGS);
	KUNIT_EXPECT_EQ(test, vp->bar_flags[2], (u32)VPK_M64_FLAGS);
	KUNIT_EXPECT_EQ(test, vp->bar_flags[3], 0U);

	KUNIT_EXPECT_EQ(test, vpk_r32(vp, PCI_BASE_ADDRESS_0), 0xfe000000U);
	KUNIT_EXPECT_EQ(test, vpk_r32(vp, PCI_BASE_ADDRESS_1), 0xc001U);
	KUNIT_EXPECT_EQ(test, vpk_r32(vp, PCI_BASE_ADDRESS_2),
			(u32)VPK_M64_FLAGS);
	KUNIT_EXPECT_EQ(test, vpk_r32(vp, PCI_BASE_ADDRESS_3), 0x8U);
	KUNIT_EXPECT_EQ(test, vpk_r32(vp, PCI_BASE_ADDRESS_4), 0U);
	/* ROM: address bits aligned to its size, enable bit kept */
	KUNIT_EXPECT_EQ(test, vpk_r32(vp, PCI_ROM_ADDRESS), 0xfe100000U);
}

static void vpk_bars_rom_shadow(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_dev(test, PCI_CFG_SPACE_SIZE);

	/* a shadowed ROM without a resource counts as 128 KiB */
	vp->pdev->resource[PCI_ROM_RESOURCE].flags = IORESOURCE_ROM_SHADOW;
	vpk_w32(vp, PCI_ROM_ADDRESS, ~0U);
	vpci_bars_init(vp);
	KUNIT_EXPECT_EQ(test, vpk_r32(vp, PCI_ROM_ADDRESS),
			(u32)(~(SZ_128K - 1) | PCI_ROM_ADDRESS_ENABLE));

	/* no ROM at all */
	vp->pdev->resource[PCI_ROM_RESOURCE].flags = 0;
	vpk_w32(vp, PCI_ROM_ADDRESS, ~0U);
	vpci_bars_init(vp);
	KUNIT_EXPECT_EQ(test, vpk_r32(vp, PCI_ROM_ADDRESS), 0U);
}

static void vpk_bars_last_mem64(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_dev(test, PCI_CFG_SPACE_SIZE);

	/* a 64-bit type in BAR5 has no upper half to pair with */
	vpk_resource(vp, 5, 0xfd000000, SZ_4K, IORESOURCE_MEM);
	vpk_w32(vp, PCI_BASE_ADDRESS_5, 0xfd000000 | VPK_M64_FLAGS);
	vpci_bars_init(vp);
	KUNIT_EXPECT_EQ(test, vp->bar_flags[5], (u32)VPK_M64_FLAGS);
	KUNIT_EXPECT_EQ(test, vpk_r32(vp, PCI_BASE_ADDRESS_5),
			0xfd000000U | VPK_M64_FLAGS);
}

static struct kunit_case vpk_bars_cases[] = {
	KUNIT_CASE(vpk_bars_init),
	KUNIT_CASE(vpk_bars_rom_shadow),
	KUNIT_CASE(vpk_bars_last_mem64),
	{}
};

static struct kunit_suite vpk_bars_suite = {
	.name = "vfio_pci_bars",
	.test_cases = vpk_bars_cases,
};

/* ---- vfio_pci_uapi ---------------------------------------------------- */

static struct vfio_kunit_user vpk_user;

static int vpk_uapi_suite_init(struct kunit_suite *suite)
{
	return vfio_kunit_user_setup(&vpk_user, 4 * PAGE_SIZE);
}

static void vpk_uapi_suite_exit(struct kunit_suite *suite)
{
	vfio_kunit_user_teardown(&vpk_user);
}

static int vpk_uapi_init(struct kunit *test)
{
	return vfio_kunit_user_enter(&vpk_user);
}

static void vpk_uapi_exit(struct kunit *test)
{
	vfio_kunit_user_leave(&vpk_user);
}

/* An open device with the BARs and capabilities above. */
static struct vfio_pci_dev *vpk_open(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_dev(test, PCI_CFG_SPACE_SIZE);

	vpk_caps(vp);
	vpk_bars(vp);
	vpk_w8(vp, PCI_INTERRUPT_PIN, 1);
	vp->pdev->msi_cap = VPK_MSI;
	vpci_bars_init(vp);
	if (vpk_perm_build(test, vp))
		return NULL;
	return vp;
}

static ssize_t vpk_cfg_read(struct vfio_pci_dev *vp, loff_t pos, void *val,
			    size_t count)
{
	void __user *ubuf = vfio_kunit_uptr(&vpk_user, 0);
	loff_t ppos = VPCI_INDEX_TO_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX) + pos;
	ssize_t ret;

	ret = vpci_read(&vp->vdev, ubuf, count, &ppos);
	if (ret > 0 && copy_from_user(val, ubuf, ret))
		return -EFAULT;
	return ret;
}

static ssize_t vpk_cfg_write(struct vfio_pci_dev *vp, loff_t pos,
			     const void *val, size_t count)
{
	void __user *ubuf = vfio_kunit_uptr(&vpk_user, 0);
	loff_t ppos = VPCI_INDEX_TO_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX) + pos;

	if (copy_to_user(ubuf, val, count))
		return -EFAULT;
	return vpci_write(&vp->vdev, ubuf, count, &ppos);
}

static u32 vpk_cfg_size_bar(struct kunit *test, struct vfio_pci_dev *vp,
			    int reg)
{
	__le32 ones = cpu_to_le32(~0U), val = 0;

	KUNIT_EXPECT_EQ(test, vpk_cfg_write(vp, reg, &ones, 4), 4L);
	KUNIT_EXPECT_EQ(test, vpk_cfg_read(vp, reg, &val, 4), 4L);
	return le32_to_cpu(val);
}

static void vpk_region_offsets(struct kunit *test)
{
	void __user *ubuf = vfio_kunit_uptr(&vpk_user, 0);
	struct vfio_pci_dev *vp = vpk_open(test);
	u64 cfg = VPCI_INDEX_TO_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX);
	loff_t ppos;
	__le16 id;

	KUNIT_EXPECT_NOT_NULL(test, vp);
	if (!vp)
		return;
	/* the index lives above bit 40 */
	KUNIT_EXPECT_EQ(test, cfg, 7ULL << 40);
	KUNIT_EXPECT_EQ(test, VPCI_OFFSET_TO_INDEX(cfg + VPCI_OFFSET_MASK),
			7ULL);
	KUNIT_EXPECT_EQ(test, VPCI_OFFSET_MASK, (1ULL << 40) - 1);
	KUNIT_EXPECT_EQ(test, VPCI_INDEX_TO_OFFSET(VFIO_PCI_BAR0_REGION_INDEX),
			0ULL);

	/* a config read advances the file position */
	ppos = cfg + PCI_DEVICE_ID;
	KUNIT_EXPECT_EQ(test, vpci_read(&vp->vdev, ubuf, 2, &ppos), 2L);
	KUNIT_EXPECT_EQ(test, ppos, (loff_t)(cfg + PCI_DEVICE_ID + 2));
	KUNIT_EXPECT_EQ(test, copy_from_user(&id, ubuf, 2), 0UL);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(id), 0x11e8);

	/* unknown regions, a VGA region without VGA, no ROM to write */
	ppos = VPCI_INDEX_TO_OFFSET(VFIO_PCI_NUM_REGIONS);
	KUNIT_EXPECT_EQ(test, vpci_read(&vp->vdev, ubuf, 4, &ppos), -EINVAL);
	ppos = VPCI_INDEX_TO_OFFSET(VFIO_PCI_VGA_REGION_INDEX);
	KUNIT_EXPECT_EQ(test, vpci_read(&vp->vdev, ubuf, 4, &ppos), -EINVAL);
	ppos = VPCI_INDEX_TO_OFFSET(VFIO_PCI_ROM_REGION_INDEX);
	KUNIT_EXPECT_EQ(test, vpci_write(&vp->vdev, ubuf, 4, &ppos), -EINVAL);
	ppos = -1;
	KUNIT_EXPECT_EQ(test, vpci_read(&vp->vdev, ubuf, 4, &ppos), -EINVAL);
	/* nothing to do is not an error */
	ppos = VPCI_INDEX_TO_OFFSET(VFIO_PCI_NUM_REGIONS);
	KUNIT_EXPECT_EQ(test, vpci_read(&vp->vdev, ubuf, 0, &ppos), 0L);
}

static void vpk_cfg_bounds(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_open(test);
	__le32 val = 0;
	__le16 w = cpu_to_le16(0xbeef);

	KUNIT_EXPECT_NOT_NULL(test, vp);
	if (!vp)
		return;
	/* [pos, pos + count) must lie inside the config space */
	KUNIT_EXPECT_EQ(test, vpk_cfg_read(vp, PCI_CFG_SPACE_SIZE, &val, 1),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, vpk_cfg_read(vp, PCI_CFG_SPACE_SIZE - 2, &val,
					   4), -EFAULT);
	KUNIT_EXPECT_EQ(test, vpci_config_rw(vp, vfio_kunit_uptr(&vpk_user, 0),
					     1, -1, false), -EFAULT);

	/* IDs are read-only: the write succeeds and changes nothing */
	KUNIT_EXPECT_EQ(test, vpk_cfg_write(vp, PCI_VENDOR_ID, &w, 2), 2L);
	KUNIT_EXPECT_EQ(test, vpk_cfg_read(vp, PCI_VENDOR_ID, &val, 4), 4L);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(val), 0x11e81234U);
	/* an unaligned read is split and still sees the same bytes */
	KUNIT_EXPECT_EQ(test, vpk_cfg_read(vp, PCI_VENDOR_ID + 1, &val, 3),
			3L);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(val) & 0xffffff, 0x11e812U);
}

static void vpk_cfg_bar_sizing(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_open(test);
	__le32 addr = cpu_to_le32(0xfe123456), val = 0;
	__le32 rom = cpu_to_le32(PCI_ROM_ADDRESS_MASK);

	KUNIT_EXPECT_NOT_NULL(test, vp);
	if (!vp)
		return;
	/* all-ones reads back the size mask and the type bits */
	KUNIT_EXPECT_EQ(test, vpk_cfg_size_bar(test, vp, PCI_BASE_ADDRESS_0),
			(u32)~(SZ_1M - 1));
	KUNIT_EXPECT_EQ(test, vpk_cfg_size_bar(test, vp, PCI_BASE_ADDRESS_1),
			~(0x20U - 1) | VPK_IO_FLAGS);
	/* 64-bit pair: the low half keeps the type, the high half all ones */
	KUNIT_EXPECT_EQ(test, vpk_cfg_size_bar(test, vp, PCI_BASE_ADDRESS_2),
			(u32)~(SZ_16M - 1) | VPK_M64_FLAGS);
	KUNIT_EXPECT_EQ(test, vpk_cfg_size_bar(test, vp, PCI_BASE_ADDRESS_3),
			~0U);
	KUNIT_EXPECT_EQ(test, vpk_cfg_size_bar(test, vp, PCI_BASE_ADDRESS_4),
			0U);

	/* the smallest I/O BAR: 4 ports, only bits 0 and 1 are not address */
	vpk_resource(vp, 4, 0xd000, 4, IORESOURCE_IO);
	vpk_w32(vp, PCI_BASE_ADDRESS_4, 0xd000 | VPK_IO_FLAGS);
	vpci_bars_init(vp);
	KUNIT_EXPECT_EQ(test, vpk_cfg_size_bar(test, vp, PCI_BASE_ADDRESS_4),
			~3U | VPK_IO_FLAGS);

	/* ROM: sized with the address mask, enable bit not set */
	KUNIT_EXPECT_EQ(test, vpk_cfg_write(vp, PCI_ROM_ADDRESS, &rom, 4), 4L);
	KUNIT_EXPECT_EQ(test, vpk_cfg_read(vp, PCI_ROM_ADDRESS, &val, 4), 4L);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(val), (u32)~(SZ_64K - 1));

	/* an address is aligned down to the BAR size */
	KUNIT_EXPECT_EQ(test, vpk_cfg_write(vp, PCI_BASE_ADDRESS_0, &addr, 4),
			4L);
	KUNIT_EXPECT_EQ(test, vpk_cfg_read(vp, PCI_BASE_ADDRESS_0, &val, 4),
			4L);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(val), 0xfe100000U);
	/* a 2-byte write to the upper half of a BAR */
	KUNIT_EXPECT_EQ(test, vpk_cfg_write(vp, PCI_BASE_ADDRESS_0 + 2, &addr,
					    2), 2L);
	KUNIT_EXPECT_EQ(test, vpk_cfg_read(vp, PCI_BASE_ADDRESS_0, &val, 4),
			4L);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(val), 0x34500000U);
}

static void vpk_cfg_msi_qsize(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_open(test);
	__le16 flags = cpu_to_le16(PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_ENABLE);
	u16 base = VPK_MSI_FLAGS & ~(PCI_MSI_FLAGS_ENABLE |
				     PCI_MSI_FLAGS_QSIZE);
	__le16 val = 0;

	KUNIT_EXPECT_NOT_NULL(test, vp);
	if (!vp)
		return;
	/* 128 vectors asked, 8 capable: clamped; enable is not writable */
	KUNIT_EXPECT_EQ(test, vpk_cfg_write(vp, VPK_MSI + PCI_MSI_FLAGS,
					    &flags, 2), 2L);
	KUNIT_EXPECT_EQ(test, vpk_cfg_read(vp, VPK_MSI + PCI_MSI_FLAGS, &val,
					   2), 2L);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(val), base | (3 << 4));

	flags = cpu_to_le16(1 << 4);
	KUNIT_EXPECT_EQ(test, vpk_cfg_write(vp, VPK_MSI + PCI_MSI_FLAGS,
					    &flags, 2), 2L);
	KUNIT_EXPECT_EQ(test, vpk_cfg_read(vp, VPK_MSI + PCI_MSI_FLAGS, &val,
					   2), 2L);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(val), base | (1 << 4));
}

static long vpk_region_info(struct vfio_pci_dev *vp, u32 index, u32 argsz,
			    struct vfio_region_info *info)
{
	struct vfio_region_info in = { .argsz = argsz, .index = index };
	void __user *arg = vfio_kunit_uptr(&vpk_user, 0);
	long ret;

	if (copy_to_user(arg, &in, sizeof(in)))
		return -EFAULT;
	ret = vpci_ioctl(&vp->vdev, VFIO_DEVICE_GET_REGION_INFO,
			 (unsigned long)arg);
	if (copy_from_user(info, arg, sizeof(*info)))
		return -EFAULT;
	return ret;
}

static void vpk_region_info_basic(struct kunit *test)
{
	const u32 rw = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	struct vfio_pci_dev *vp = vpk_open(test);
	struct vfio_region_info info;
	const u32 sz = sizeof(info);

	KUNIT_EXPECT_NOT_NULL(test, vp);
	if (!vp)
		return;
	vp->bar_mmap_ok[0] = true;

	KUNIT_EXPECT_EQ(test, vpk_region_info(vp, VFIO_PCI_CONFIG_REGION_INDEX,
					      sz, &info), 0L);
	KUNIT_EXPECT_EQ(test, info.offset, 7ULL << 40);
	KUNIT_EXPECT_EQ(test, info.size, (u64)PCI_CFG_SPACE_SIZE);
	KUNIT_EXPECT_EQ(test, info.flags, rw);

	KUNIT_EXPECT_EQ(test, vpk_region_info(vp, VFIO_PCI_BAR0_REGION_INDEX,
					      sz, &info), 0L);
	KUNIT_EXPECT_EQ(test, info.offset, 0ULL);
	KUNIT_EXPECT_EQ(test, info.size, (u64)SZ_1M);
	KUNIT_EXPECT_EQ(test, info.flags, rw | VFIO_REGION_INFO_FLAG_MMAP);

	KUNIT_EXPECT_EQ(test, vpk_region_info(vp, VFIO_PCI_BAR1_REGION_INDEX,
					      sz, &info), 0L);
	KUNIT_EXPECT_EQ(test, info.offset, 1ULL << 40);
	KUNIT_EXPECT_EQ(test, info.size, 0x20ULL);
	KUNIT_EXPECT_EQ(test, info.flags, rw);

	KUNIT_EXPECT_EQ(test, vpk_region_info(vp, VFIO_PCI_BAR4_REGION_INDEX,
					      sz, &info), 0L);
	KUNIT_EXPECT_EQ(test, info.offset, 4ULL << 40);
	KUNIT_EXPECT_EQ(test, info.size, 0ULL);
	KUNIT_EXPECT_EQ(test, info.flags, 0U);

	KUNIT_EXPECT_EQ(test, vpk_region_info(vp, VFIO_PCI_VGA_REGION_INDEX,
					      sz, &info), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_region_info(vp, VFIO_PCI_NUM_REGIONS, sz,
					      &info), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_region_info(vp, VFIO_PCI_CONFIG_REGION_INDEX,
					      offsetofend(struct
							  vfio_region_info,
							  offset) - 1, &info),
			-EINVAL);
}

static void vpk_region_info_msix_cap(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_open(test);
	struct vfio_info_cap_header hdr;
	struct vfio_region_info info;
	u32 need;

	KUNIT_EXPECT_NOT_NULL(test, vp);
	if (!vp)
		return;
	vp->bar_mmap_ok[2] = true;
	vp->msix_bar = 2;

	/* too small for the chain: argsz grows, no cap_offset */
	KUNIT_EXPECT_EQ(test, vpk_region_info(vp, VFIO_PCI_BAR2_REGION_INDEX,
					      sizeof(info), &info), 0L);
	KUNIT_EXPECT_TRUE(test, info.flags & VFIO_REGION_INFO_FLAG_CAPS);
	KUNIT_EXPECT_TRUE(test, info.flags & VFIO_REGION_INFO_FLAG_MMAP);
	KUNIT_EXPECT_EQ(test, info.argsz, (u32)(sizeof(info) + sizeof(hdr)));
	KUNIT_EXPECT_EQ(test, info.cap_offset, 0U);
	KUNIT_EXPECT_EQ(test, info.size, (u64)SZ_16M);
	need = info.argsz;

	KUNIT_EXPECT_EQ(test, vpk_region_info(vp, VFIO_PCI_BAR2_REGION_INDEX,
					      need, &info), 0L);
	KUNIT_EXPECT_EQ(test, info.argsz, need);
	KUNIT_EXPECT_EQ(test, info.cap_offset, (u32)sizeof(info));
	KUNIT_EXPECT_EQ(test, copy_from_user(&hdr,
					     vfio_kunit_uptr(&vpk_user,
							     sizeof(info)),
					     sizeof(hdr)), 0UL);
	KUNIT_EXPECT_EQ(test, hdr.id, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
	KUNIT_EXPECT_EQ(test, hdr.version, 1);
	KUNIT_EXPECT_EQ(test, hdr.next, 0U);

	/* a BAR that cannot be mmapped gets no MSI-X capability */
	vp->bar_mmap_ok[2] = false;
	KUNIT_EXPECT_EQ(test, vpk_region_info(vp, VFIO_PCI_BAR2_REGION_INDEX,
					      need, &info), 0L);
	KUNIT_EXPECT_FALSE(test, info.flags & VFIO_REGION_INFO_FLAG_CAPS);
}

static long vpk_irq_info(struct vfio_pci_dev *vp, u32 index,
			 struct vfio_irq_info *info)
{
	struct vfio_irq_info in = { .argsz = sizeof(in), .index = index };
	void __user *arg = vfio_kunit_uptr(&vpk_user, 0);
	long ret;

	if (copy_to_user(arg, &in, sizeof(in)))
		return -EFAULT;
	ret = vpci_ioctl(&vp->vdev, VFIO_DEVICE_GET_IRQ_INFO,
			 (unsigned long)arg);
	if (copy_from_user(info, arg, sizeof(*info)))
		return -EFAULT;
	return ret;
}

static void vpk_irq_info_counts(struct kunit *test)
{
	struct vfio_pci_dev *vp = vpk_open(test);
	struct vfio_irq_info info;

	KUNIT_EXPECT_NOT_NULL(test, vp);
	if (!vp)
		return;
	vp->pdev->msi_cap = 0;	/* MSI count comes from the hardware */

	KUNIT_EXPECT_EQ(test, vpk_irq_info(vp, VFIO_PCI_INTX_IRQ_INDEX, &info),
			0L);
	KUNIT_EXPECT_EQ(test, info.count, 1U);
	KUNIT_EXPECT_EQ(test, info.flags, VFIO_IRQ_INFO_EVENTFD |
			VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED);
	KUNIT_EXPECT_EQ(test, vpk_irq_info(vp, VFIO_PCI_MSI_IRQ_INDEX, &info),
			0L);
	KUNIT_EXPECT_EQ(test, info.count, 0U);
	KUNIT_EXPECT_EQ(test, info.flags,
			VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE);
	KUNIT_EXPECT_EQ(test, vpk_irq_info(vp, VFIO_PCI_REQ_IRQ_INDEX, &info),
			0L);
	KUNIT_EXPECT_EQ(test, info.count, 1U);
	/* ERR exists on PCIe devices only */
	KUNIT_EXPECT_EQ(test, vpk_irq_info(vp, VFIO_PCI_ERR_IRQ_INDEX, &info),
			-EINVAL);
	vp->pdev->pcie_cap = VPK_EXP;
	KUNIT_EXPECT_EQ(test, vpk_irq_info(vp, VFIO_PCI_ERR_IRQ_INDEX, &info),
			0L);
	KUNIT_EXPECT_EQ(test, info.count, 1U);
	KUNIT_EXPECT_EQ(test, vpk_irq_info(vp, VFIO_PCI_NUM_IRQS, &info),
			-EINVAL);
	/* no interrupt pin: no INTx vector */
	vp->vconfig[PCI_INTERRUPT_PIN] = 0;
	KUNIT_EXPECT_EQ(test, vpk_irq_info(vp, VFIO_PCI_INTX_IRQ_INDEX, &info),
			0L);
	KUNIT_EXPECT_EQ(test, info.count, 0U);
}

static void vpk_device_info(struct kunit *test)
{
	void __user *arg = vfio_kunit_uptr(&vpk_user, 0);
	struct vfio_pci_dev *vp = vpk_open(test);
	struct vfio_device_info info = { .argsz = sizeof(info) };

	KUNIT_EXPECT_NOT_NULL(test, vp);
	if (!vp)
		return;
	vp->reset_works = true;
	KUNIT_EXPECT_EQ(test, copy_to_user(arg, &info, sizeof(info)), 0UL);
	KUNIT_EXPECT_EQ(test, vpci_ioctl(&vp->vdev, VFIO_DEVICE_GET_INFO,
					 (unsigned long)arg), 0L);
	KUNIT_EXPECT_EQ(test, copy_from_user(&info, arg, sizeof(info)), 0UL);
	KUNIT_EXPECT_EQ(test, info.flags,
			VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET);
	KUNIT_EXPECT_EQ(test, info.num_regions, (u32)VFIO_PCI_NUM_REGIONS);
	KUNIT_EXPECT_EQ(test, info.num_irqs, (u32)VFIO_PCI_NUM_IRQS);

	info.argsz = offsetofend(struct vfio_device_info, num_irqs) - 1;
	KUNIT_EXPECT_EQ(test, copy_to_user(arg, &info, sizeof(info)), 0UL);
	KUNIT_EXPECT_EQ(test, vpci_ioctl(&vp->vdev, VFIO_DEVICE_GET_INFO,
					 (unsigned long)arg), -EINVAL);
	/* an ioctl number vfio-pci does not know */
	KUNIT_EXPECT_EQ(test, vpci_ioctl(&vp->vdev,
					 _IO(VFIO_TYPE, VFIO_BASE + 60),
					 (unsigned long)arg), -ENOTTY);
}

/* SET_IRQS with a header and @payload_len bytes of @payload. */
static long vpk_set_irqs(struct vfio_pci_dev *vp, u32 argsz, u32 flags,
			 u32 index, u32 start, u32 count, const void *payload,
			 size_t payload_len)
{
	struct vfio_irq_set hdr = {
		.argsz = argsz,
		.flags = flags,
		.index = index,
		.start = start,
		.count = count,
	};
	void __user *arg = vfio_kunit_uptr(&vpk_user, 0);

	if (copy_to_user(arg, &hdr, sizeof(hdr)) ||
	    copy_to_user(arg + sizeof(hdr), payload, payload_len))
		return -EFAULT;
	return vpci_ioctl(&vp->vdev, VFIO_DEVICE_SET_IRQS, (unsigned long)arg);
}

static void vpk_set_irqs_validation(struct kunit *test)
{
	const u32 trig = VFIO_IRQ_SET_ACTION_TRIGGER;
	const u32 none = VFIO_IRQ_SET_DATA_NONE;
	const u32 efd = VFIO_IRQ_SET_DATA_EVENTFD;
	const u32 req = VFIO_PCI_REQ_IRQ_INDEX;
	const u32 minsz = sizeof(struct vfio_irq_set);
	struct vfio_pci_dev *vp = vpk_open(test);
	s32 fd = -1;
	u8 yes = 1;

	KUNIT_EXPECT_NOT_NULL(test, vp);
	if (!vp)
		return;
	vp->pdev->msi_cap = 0;

	KUNIT_EXPECT_EQ(test, vpk_set_irqs(vp, minsz - 1, none | trig, req, 0,
					   1, NULL, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_set_irqs(vp, minsz, none | trig,
					   VFIO_PCI_NUM_IRQS, 0, 1, NULL, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_set_irqs(vp, minsz, none | trig | BIT(10),
					   req, 0, 1, NULL, 0), -EINVAL);
	/* exactly one data type */
	KUNIT_EXPECT_EQ(test, vpk_set_irqs(vp, minsz, trig, req, 0, 1, NULL,
					   0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_set_irqs(vp, minsz,
					   none | VFIO_IRQ_SET_DATA_BOOL | trig,
					   req, 0, 1, NULL, 0), -EINVAL);
	/* start + count must not wrap, and must fit the index */
	KUNIT_EXPECT_EQ(test, vpk_set_irqs(vp, minsz, none | trig, req, 1,
					   U32_MAX - 1, NULL, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_set_irqs(vp, minsz, none | trig,
					   VFIO_PCI_INTX_IRQ_INDEX, 1, 1, NULL,
					   0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_set_irqs(vp, minsz, none | trig,
					   VFIO_PCI_INTX_IRQ_INDEX, 0, 2, NULL,
					   0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_set_irqs(vp, minsz, none | trig,
					   VFIO_PCI_MSI_IRQ_INDEX, 0, 1, NULL,
					   0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_set_irqs(vp, minsz, none | trig,
					   VFIO_PCI_ERR_IRQ_INDEX, 0, 1, NULL,
					   0), -EINVAL);
	/* the payload must be there for every vector */
	KUNIT_EXPECT_EQ(test, vpk_set_irqs(vp, minsz, efd | trig, req, 0, 1,
					   NULL, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_set_irqs(vp, minsz + 3, efd | trig, req, 0,
					   1, &fd, 3), -EINVAL);

	/* valid: fd -1 clears the (absent) trigger */
	KUNIT_EXPECT_EQ(test, vpk_set_irqs(vp, minsz + 4, efd | trig, req, 0,
					   1, &fd, 4), 0L);
	KUNIT_EXPECT_NULL(test, vp->req_trigger);
	KUNIT_EXPECT_EQ(test, vpk_set_irqs(vp, minsz + 1,
					   VFIO_IRQ_SET_DATA_BOOL | trig, req,
					   0, 1, &yes, 1), 0L);
	/* an action the index does not have */
	KUNIT_EXPECT_EQ(test, vpk_set_irqs(vp, minsz,
					   none | VFIO_IRQ_SET_ACTION_MASK,
					   req, 0, 1, NULL, 0), -ENOTTY);
	/* ERR on a PCIe device */
	vp->pdev->pcie_cap = VPK_EXP;
	KUNIT_EXPECT_EQ(test, vpk_set_irqs(vp, minsz + 4, efd | trig,
					   VFIO_PCI_ERR_IRQ_INDEX, 0, 1, &fd,
					   4), 0L);
	KUNIT_EXPECT_NULL(test, vp->err_trigger);
}

static long vpk_ioeventfd(struct vfio_pci_dev *vp, u32 argsz, u32 flags,
			  u64 offset, s32 fd)
{
	struct vfio_device_ioeventfd req = {
		.argsz = argsz,
		.flags = flags,
		.offset = offset,
		.data = 0x12345678,
		.fd = fd,
	};
	void __user *arg = vfio_kunit_uptr(&vpk_user, 0);

	if (copy_to_user(arg, &req, sizeof(req)))
		return -EFAULT;
	return vpci_ioctl(&vp->vdev, VFIO_DEVICE_IOEVENTFD, (unsigned long)arg);
}

/* Every refusal that comes before a BAR is mapped (no hardware needed). */
static void vpk_ioeventfd_validation(struct kunit *test)
{
	const u32 minsz = offsetofend(struct vfio_device_ioeventfd, fd);
	const u32 w1 = VFIO_DEVICE_IOEVENTFD_8;
	const u32 w4 = VFIO_DEVICE_IOEVENTFD_32;
	const u32 w8 = VFIO_DEVICE_IOEVENTFD_64;
	const u64 bar0 = VPCI_INDEX_TO_OFFSET(VFIO_PCI_BAR0_REGION_INDEX);
	const u64 bar1 = VPCI_INDEX_TO_OFFSET(VFIO_PCI_BAR1_REGION_INDEX);
	const u64 bar2 = VPCI_INDEX_TO_OFFSET(VFIO_PCI_BAR2_REGION_INDEX);
	struct vfio_pci_dev *vp = vpk_open(test);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, vp);

	/* argsz, flags: exactly one known size flag, fd >= -1 */
	KUNIT_EXPECT_EQ(test, vpk_ioeventfd(vp, minsz - 1, w4, bar0, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_ioeventfd(vp, minsz, 0, bar0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_ioeventfd(vp, minsz, w1 | w4, bar0, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_ioeventfd(vp, minsz, w4 | 0x10, bar0, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_ioeventfd(vp, minsz, w4, bar0, -2),
			-EINVAL);

	/* regions other than a BAR */
	for (i = VFIO_PCI_ROM_REGION_INDEX; i < VFIO_PCI_NUM_REGIONS; i++)
		KUNIT_EXPECT_EQ(test, vpk_ioeventfd(vp, minsz, w4,
						    VPCI_INDEX_TO_OFFSET(i),
						    0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_ioeventfd(vp, minsz, w4, ~0ULL, 0),
			-EINVAL);

	/* the range must be inside the BAR; empty BARs have none */
	KUNIT_EXPECT_EQ(test, vpk_ioeventfd(vp, minsz, w4, bar0 + SZ_1M, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_ioeventfd(vp, minsz, w4,
					    bar0 + SZ_1M - 2, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_ioeventfd(vp, minsz, w8,
					    bar0 + SZ_1M - 4, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_ioeventfd(vp, minsz, w4, bar1 + 0x1e, 0),
			-EINVAL);
	for (i = VFIO_PCI_BAR3_REGION_INDEX; i <= VFIO_PCI_BAR5_REGION_INDEX;
	     i++)
		KUNIT_EXPECT_EQ(test, vpk_ioeventfd(vp, minsz, w1,
						    VPCI_INDEX_TO_OFFSET(i),
						    0), -EINVAL);

	/* nor touch the MSI-X table, not even one byte of it */
	vp->msix_bar = 2;
	vp->msix_offset = 0x2000;
	vp->msix_size = 0x100;
	KUNIT_EXPECT_EQ(test, vpk_ioeventfd(vp, minsz, w4, bar2 + 0x1ffd, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_ioeventfd(vp, minsz, w1, bar2 + 0x2000, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_ioeventfd(vp, minsz, w8, bar2 + 0x20f8, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_ioeventfd(vp, minsz, w1, bar2 + 0x20ff, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vp->num_ioeventfds, 0U);
}

static long vpk_hot_reset_info(struct vfio_pci_dev *vp, u32 argsz)
{
	struct vfio_pci_hot_reset_info req = { .argsz = argsz };
	void __user *arg = vfio_kunit_uptr(&vpk_user, 0);

	if (copy_to_user(arg, &req, sizeof(req)))
		return -EFAULT;
	return vpci_ioctl(&vp->vdev, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
			  (unsigned long)arg);
}

static long vpk_hot_reset(struct vfio_pci_dev *vp, u32 argsz, u32 flags,
			  u32 count)
{
	struct vfio_pci_hot_reset req = {
		.argsz = argsz, .flags = flags, .count = count,
	};
	void __user *arg = vfio_kunit_uptr(&vpk_user, 0);

	if (copy_to_user(arg, &req, sizeof(req)))
		return -EFAULT;
	return vpci_ioctl(&vp->vdev, VFIO_DEVICE_PCI_HOT_RESET,
			  (unsigned long)arg);
}

/*
 * The refusals of the hot reset ioctls that need no hardware: a short
 * argsz, an unknown flag, and a device alone on a root bus (no bridge
 * above it, no slot), which has no hot reset at all.
 */
static void vpk_hot_reset_args(struct kunit *test)
{
	const u32 info_minsz = offsetofend(struct vfio_pci_hot_reset_info,
					   count);
	const u32 reset_minsz = offsetofend(struct vfio_pci_hot_reset, count);
	struct vfio_pci_dev *vp = vpk_open(test);

	KUNIT_ASSERT_NOT_NULL(test, vp);
	vp->pdev->bus = kunit_kzalloc(test, sizeof(*vp->pdev->bus),
				      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vp->pdev->bus);

	KUNIT_EXPECT_EQ(test, vpk_hot_reset_info(vp, info_minsz - 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_hot_reset(vp, reset_minsz - 1, 0, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_hot_reset(vp, reset_minsz + 4, 1, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_hot_reset_info(vp, info_minsz), -ENODEV);
	KUNIT_EXPECT_EQ(test, vpk_hot_reset(vp, reset_minsz + 4, 0, 1),
			-ENODEV);
}

/* 6.1's vfio_check_feature() rules, case by case */
static void vpk_feature_check(struct kunit *test)
{
	const u32 get = VFIO_DEVICE_FEATURE_GET, set = VFIO_DEVICE_FEATURE_SET;
	const u32 probe = VFIO_DEVICE_FEATURE_PROBE;

	/* PROBE: only the supported operations, no size needed */
	KUNIT_EXPECT_EQ(test, vpci_feature_check(probe, 0, set, 8), 0);
	KUNIT_EXPECT_EQ(test, vpci_feature_check(probe | set, 0, set, 8), 0);
	KUNIT_EXPECT_EQ(test, vpci_feature_check(probe | get, 0, set, 8),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vpci_feature_check(probe | get | set, 0,
						 get | set, 0), 0);
	/* GET or SET: supported, and with enough data */
	KUNIT_EXPECT_EQ(test, vpci_feature_check(get, 8, set, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpci_feature_check(set, 8, get, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpci_feature_check(0, 8, set, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpci_feature_check(set, 7, set, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpci_feature_check(set, 8, set, 8), 1);
	KUNIT_EXPECT_EQ(test, vpci_feature_check(set, 100, set, 8), 1);
	KUNIT_EXPECT_EQ(test, vpci_feature_check(get, 0, get | set, 0), 1);
}

static long vpk_feature(struct vfio_pci_dev *vp, u32 flags, const void *data,
			u32 size)
{
	size_t hdr = offsetofend(struct vfio_device_feature, flags);
	struct vfio_device_feature req = {
		.argsz = hdr + size, .flags = flags,
	};
	void __user *arg = vfio_kunit_uptr(&vpk_user, 0);

	if (copy_to_user(arg, &req, hdr) ||
	    (size && copy_to_user(arg + hdr, data, size)))
		return -EFAULT;
	return vpci_ioctl(&vp->vdev, VFIO_DEVICE_FEATURE, (unsigned long)arg);
}

/*
 * The low power features' argument checks, then an entry and an exit on
 * a device whose runtime PM is disabled: they only move the usage count
 * (the open's reference, 1 here) and the engaged state.
 */
static void vpk_feature_low_power(struct kunit *test)
{
	const u32 entry = VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY;
	const u32 wake = VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP;
	const u32 lp_exit = VFIO_DEVICE_FEATURE_LOW_POWER_EXIT;
	const u32 set = VFIO_DEVICE_FEATURE_SET;
	struct vfio_device_low_power_entry_with_wakeup w = {
		.wakeup_eventfd = -1,
	};
	struct vfio_pci_dev *vp = vpk_open(test);
	atomic_t *usage;

	if (!vp) {
		KUNIT_FAIL(test, "no fake device");
		return;
	}
	usage = &vp->pdev->dev.power.usage_count;
	atomic_set(usage, 1);

	KUNIT_EXPECT_EQ(test, vpk_feature(vp, entry | VFIO_DEVICE_FEATURE_PROBE |
					  set, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, vpk_feature(vp, wake | VFIO_DEVICE_FEATURE_PROBE,
					  NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, vpk_feature(vp, lp_exit |
					  VFIO_DEVICE_FEATURE_GET, NULL, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_feature(vp, entry, NULL, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_feature(vp, 0xffff | set, NULL, 0), -ENOTTY);
	KUNIT_EXPECT_EQ(test, vpk_feature(vp, wake | set, &w, sizeof(w) - 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vpk_feature(vp, wake | set, &w, sizeof(w)),
			-EINVAL);
	KUNIT_EXPECT_FALSE(test, vp->pm_runtime_engaged);
	KUNIT_EXPECT_EQ(test, atomic_read(usage), 1);

	KUNIT_EXPECT_EQ(test, vpk_feature(vp, lp_exit | set, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(usage), 1);
	KUNIT_EXPECT_EQ(test, vpk_feature(vp, entry | set, NULL, 0), 0);
	KUNIT_EXPECT_TRUE(test, vp->pm_runtime_engaged);
	KUNIT_EXPECT_EQ(test, atomic_read(usage), 0);
	KUNIT_EXPECT_EQ(test, vpk_feature(vp, entry | set, NULL, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, atomic_read(usage), 0);
	KUNIT_EXPECT_EQ(test, vpk_feature(vp, lp_exit | set, NULL, 0), 0);
	KUNIT_EXPECT_FALSE(test, vp->pm_runtime_engaged);
	KUNIT_EXPECT_EQ(test, atomic_read(usage), 1);
	KUNIT_EXPECT_EQ(test, vpk_feature(vp, lp_exit | set, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(usage), 1);
}

static struct kunit_case vpk_uapi_cases[] = {
	KUNIT_CASE(vpk_region_offsets),
	KUNIT_CASE(vpk_cfg_bounds),
	KUNIT_CASE(vpk_cfg_bar_sizing),
	KUNIT_CASE(vpk_cfg_msi_qsize),
	KUNIT_CASE(vpk_region_info_basic),
	KUNIT_CASE(vpk_region_info_msix_cap),
	KUNIT_CASE(vpk_irq_info_counts),
	KUNIT_CASE(vpk_device_info),
	KUNIT_CASE(vpk_set_irqs_validation),
	KUNIT_CASE(vpk_ioeventfd_validation),
	KUNIT_CASE(vpk_hot_reset_args),
	KUNIT_CASE(vpk_feature_check),
	KUNIT_CASE(vpk_feature_low_power),
	{}
};

static struct kunit_suite vpk_uapi_suite = {
	.name = "vfio_pci_uapi",
	.suite_init = vpk_uapi_suite_init,
	.suite_exit = vpk_uapi_suite_exit,
	.init = vpk_uapi_init,
	.exit = vpk_uapi_exit,
	.test_cases = vpk_uapi_cases,
};

/* ---- vfio_pci_denylist ------------------------------------------------ */

static void vpk_denylist_ids(struct kunit *test)
{
	static const u16 listed[] = {
		0x19e2, 0x19e3,	/* QAT C3xxx, its VF */
		0x37c8, 0x37c9,	/* QAT C62x, its VF */
		0x0435, 0x0443,	/* QAT DH895xCC, its VF */
		0x0b25,		/* DSA on Sapphire Rapids */
		0x0cfe,		/* IAX on Sapphire Rapids */
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(listed); i++) {
		KUNIT_EXPECT_TRUE_MSG(test,
				      vpci_id_in_denylist(PCI_VENDOR_ID_INTEL,
							  listed[i]),
				      "8086:%04x", listed[i]);
		/* the same device id from another vendor is fine */
		KUNIT_EXPECT_FALSE(test, vpci_id_in_denylist(0x1234,
							     listed[i]));
		KUNIT_EXPECT_FALSE(test,
				   vpci_id_in_denylist(PCI_VENDOR_ID_INTEL,
						       listed[i] + 0x1000));
	}
	/* the devices of the testbed */
	KUNIT_EXPECT_FALSE(test, vpci_id_in_denylist(0x1234, 0x11e8));
	KUNIT_EXPECT_FALSE(test, vpci_id_in_denylist(PCI_VENDOR_ID_INTEL,
						     0x100e));
	KUNIT_EXPECT_FALSE(test, vpci_id_in_denylist(PCI_VENDOR_ID_INTEL,
						     0x10d3));
	/* the end of the table is not an entry */
	KUNIT_EXPECT_FALSE(test, vpci_id_in_denylist(0, 0));
}

static struct kunit_case vpk_denylist_cases[] = {
	KUNIT_CASE(vpk_denylist_ids),
	{}
};

static struct kunit_suite vpk_denylist_suite = {
	.name = "vfio_pci_denylist",
	.test_cases = vpk_denylist_cases,
};

/* ---- vfio_pci_hot_reset ------------------------------------------------ */

/*
 * Which devices a slot reset affects: those in the slot, and everything
 * below a bridge that is in the slot.  A root bus 0 holds a bridge in
 * slot 1; bus 1 behind it holds a device and a bridge to bus 2, which
 * holds one more device; a second device on bus 0 is in no slot.
 */
static void vpk_hot_reset_below_slot(struct kunit *test)
{
	struct pci_bus *bus0, *bus1, *bus2;
	struct pci_dev *br0, *br1, *dev1, *dev2, *other;
	struct pci_slot *slot0, *slot1;

	bus0 = kunit_kzalloc(test, sizeof(*bus0), GFP_KERNEL);
	bus1 = kunit_kzalloc(test, sizeof(*bus1), GFP_KERNEL);
	bus2 = kunit_kzalloc(test, sizeof(*bus2), GFP_KERNEL);
	br0 = kunit_kzalloc(test, sizeof(*br0), GFP_KERNEL);
	br1 = kunit_kzalloc(test, sizeof(*br1), GFP_KERNEL);
	dev1 = kunit_kzalloc(test, sizeof(*dev1), GFP_KERNEL);
	dev2 = kunit_kzalloc(test, sizeof(*dev2), GFP_KERNEL);
	other = kunit_kzalloc(test, sizeof(*other), GFP_KERNEL);
	slot0 = kunit_kzalloc(test, sizeof(*slot0), GFP_KERNEL);
	slot1 = kunit_kzalloc(test, sizeof(*slot1), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, bus0 && bus1 && bus2 && br0 && br1 && dev1 &&
			  dev2 && other && slot0 && slot1);

	slot0->bus = bus0;
	slot1->bus = bus1;
	br0->bus = bus0;
	br0->slot = slot0;
	bus1->self = br0;
	dev1->bus = bus1;
	br1->bus = bus1;
	br1->slot = slot1;
	bus2->self = br1;
	dev2->bus = bus2;
	other->bus = bus0;

	KUNIT_EXPECT_TRUE(test, vpci_below_slot(br0, slot0));
	KUNIT_EXPECT_TRUE(test, vpci_below_slot(dev1, slot0));
	KUNIT_EXPECT_TRUE(test, vpci_below_slot(dev2, slot0));
	KUNIT_EXPECT_FALSE(test, vpci_below_slot(other, slot0));
	/* slot1 holds br1 only: dev1 shares its bus but not its slot */
	KUNIT_EXPECT_TRUE(test, vpci_below_slot(dev2, slot1));
	KUNIT_EXPECT_TRUE(test, vpci_below_slot(br1, slot1));
	KUNIT_EXPECT_FALSE(test, vpci_below_slot(dev1, slot1));
	KUNIT_EXPECT_FALSE(test, vpci_below_slot(br0, slot1));
	KUNIT_EXPECT_FALSE(test, vpci_below_slot(other, slot1));
}

static struct kunit_case vpk_hot_reset_cases[] = {
	KUNIT_CASE(vpk_hot_reset_below_slot),
	{}
};

static struct kunit_suite vpk_hot_reset_suite = {
	.name = "vfio_pci_hot_reset",
	.test_cases = vpk_hot_reset_cases,
};

/* ---- vfio_pci_vf_token -------------------------------------------------- */

#define VPK_VF		"0000:02:00.1"
#define VPK_UUID	"0123abcd-4567-89ef-0123-456789abcdef"

struct vpk_match_case {
	const char *buf;
	int ret;
	bool has_token;
};

/*
 * The GET_DEVICE_FD string of a vfio-pci device: its name, then spaces
 * and at most one well-formed "vf_token=<uuid>".
 */
static const struct vpk_match_case vpk_match_cases[] = {
	{ VPK_VF, 1, false },
	{ VPK_VF " ", 1, false },
	{ VPK_VF " vf_token=" VPK_UUID, 1, true },
	{ VPK_VF "   vf_token=" VPK_UUID "  ", 1, true },
	{ VPK_VF " vf_token=0123ABCD-4567-89EF-0123-456789ABCDEF", 1, true },
	/* other devices */
	{ "0000:02:00.2", 0, false },
	{ "0000:02:00.10", 0, false },
	{ "0000:02:00", 0, false },
	{ "", 0, false },
	{ VPK_VF "x vf_token=" VPK_UUID, 0, false },
	/* this device, but the options are wrong */
	{ VPK_VF " vf_token=", -EINVAL, false },
	{ VPK_VF " vf_token=0123abcd-4567-89ef-0123-456789abcde", -EINVAL,
	  false },
	{ VPK_VF " vf_token=0123abcd-4567-89ef-0123-456789abcdeg", -EINVAL,
	  false },
	{ VPK_VF " vf_token=0123abcd_4567-89ef-0123-456789abcdef", -EINVAL,
	  false },
	{ VPK_VF " vf_token=" VPK_UUID "x", -EINVAL, true },
	{ VPK_VF " vf_token=" VPK_UUID " vf_token=" VPK_UUID, -EINVAL, true },
	{ VPK_VF " vf_token" VPK_UUID, -EINVAL, false },
	{ VPK_VF " VF_TOKEN=" VPK_UUID, -EINVAL, false },
	{ VPK_VF " foo=bar", -EINVAL, false },
	{ VPK_VF "  foo", -EINVAL, false },
};

static void vpk_parse_match(struct kunit *test)
{
	static const u8 want[16] = {
		0x01, 0x23, 0xab, 0xcd, 0x45, 0x67, 0x89, 0xef,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	};
	const struct vpk_match_case *c;
	bool has_token;
	uuid_t uuid;
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(vpk_match_cases); i++) {
		c = &vpk_match_cases[i];
		memset(&uuid, 0, sizeof(uuid));
		ret = vpci_parse_match(VPK_VF, c->buf, &has_token, &uuid);
		KUNIT_EXPECT_EQ_MSG(test, c->ret, ret, "\"%s\"", c->buf);
		KUNIT_EXPECT_EQ_MSG(test, c->has_token, has_token, "\"%s\"",
				    c->buf);
		if (ret == 1 && has_token)
			KUNIT_EXPECT_EQ_MSG(test, 0,
					    memcmp(want, uuid.b, sizeof(want)),
					    "\"%s\"", c->buf);
	}
}

static struct kunit_case vpk_vf_token_cases[] = {
	KUNIT_CASE(vpk_parse_match),
	{}
};

static struct kunit_suite vpk_vf_token_suite = {
	.name = "vfio_pci_vf_token",
	.test_cases = vpk_vf_token_cases,
};

kunit_test_suites(&vpk_perm_suite, &vpk_bars_suite, &vpk_uapi_suite,
		  &vpk_denylist_suite, &vpk_hot_reset_suite,
		  &vpk_vf_token_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of vfio-pci");
