// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: the per-byte permission tables of the config space.
 *
 * Every byte of the config space has a virt mask and a write mask
 * (struct vpci_cfg_perm).  A read takes the virt bits from vconfig and
 * the other bits from the hardware; a write stores the writable virt
 * bits in vconfig, sends the writable non-virt bits to the hardware and
 * drops the rest.  The tables are built per device at open from the
 * capability chains found in vconfig (a copy of the hardware), with the
 * rules of 6.1's vfio-pci:
 *   - the standard header: IDs and header read-only, BARs and ROM BAR
 *     fully virtual, DisINTx, INTx line/pin and the capability-list bit
 *     and pointer virtual;
 *   - a capability whose length is known (a fixed size, or computed from
 *     its own registers as in vpci_cap_len()/vpci_ecap_len()) is visible:
 *     its bytes are read-only and read from the hardware, its header
 *     (ID and next pointer, or the extended header dword) is virtual,
 *     and the per-capability rules below open some of its bits;
 *   - a capability of unknown length (or ID 0, or an ID past the table)
 *     is hidden: the virtual next pointer of the one before skips it
 *     (PCI_CAPABILITY_LIST for the first standard one).  A hidden first
 *     extended capability cannot be skipped, since the chain starts at
 *     0x100: its virtual header keeps only the next pointer (ID and
 *     version 0).  With no visible extended capability at all, the
 *     dword at 0x100 reads 0.  Without any visible standard capability
 *     the virtual capability-list status bit is cleared;
 *   - bytes outside every visible capability (gaps between them, and the
 *     hidden ones) are passed through raw, read and write: some devices
 *     keep registers there;
 *   - per capability: MSI fully virtual except its mask/pending bits,
 *     MSI-X read-only, PM power state and PME bits virtual, PCIe DEVCTL
 *     (FLR, MPS, MRRS virtual; all but phantom functions writable) and
 *     DEVCTL2 (all but ARI), AF FLR virtual, VPD address/data virtual and
 *     served by pci_read_vpd()/pci_write_vpd(), PCI-X command and ECC
 *     writable, vendor-specific bodies raw-writable, AER status, mask,
 *     severity and ECRC enables writable, power-budget data writable.
 * The extended chain is only looked at when a PCIe (or PCI-X 2.0)
 * capability is visible and the dword at 0x100 is not 0, as 6.1.
 *
 * At open, vconfig is filled from the hardware as the chains are walked
 * (vpci_perm_fill()): the header, the first dwords of each capability in
 * the chains (ID, next pointer and the registers its length depends on),
 * and the whole of each visible one.  Every byte with a virtual bit lies
 * in one of those, and no other byte of vconfig is ever used: the read
 * and write paths take only virt bits from vconfig.  A dword is read at
 * most once, so a malformed chain that comes back to a capability sees
 * the virtual values already set, as with a complete copy.
 * Capability ranges are [pos, pos + len): open at the end, clipped to
 * the standard space (standard capabilities) or the config size.
 */
#include <linux/bitops.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "vfio_pci_priv.h"

#define VPCI_ALL	0xffffffffU
#define VPCI_NONE	0U

/*
 * Lengths with the values 6.1 uses (some uapi constants changed later:
 * 6.12 ends a v2 PCIe capability at 0x34, 6.1 at 0x32).
 */
#define VPCI_EXP_V1_LEN		0x14	/* v1 endpoint with a link */
#define VPCI_EXP_V2_LEN		0x32	/* v2 endpoint with a link */
#define VPCI_EXP_RCEND_V1_LEN	0x0c	/* v1 root-complex endpoint */
#define VPCI_EXP_RCEND_V2_LEN	0x2c	/* v2 root-complex endpoint */
#define VPCI_CAP_VAR		0xff	/* length computed from the registers */

/* Standard capabilities 6.1 knows; 0 (or absent) hides one. */
static const u8 vpci_cap_lens[] = {
	[PCI_CAP_ID_PM]		= PCI_PM_SIZEOF,
	[PCI_CAP_ID_AGP]	= PCI_AGP_SIZEOF,
	[PCI_CAP_ID_VPD]	= PCI_CAP_VPD_SIZEOF,
	[PCI_CAP_ID_MSI]	= VPCI_CAP_VAR,
	[PCI_CAP_ID_PCIX]	= VPCI_CAP_VAR,
	[PCI_CAP_ID_HT]		= VPCI_CAP_VAR,
	[PCI_CAP_ID_VNDR]	= VPCI_CAP_VAR,
	[PCI_CAP_ID_EXP]	= VPCI_CAP_VAR,
	[PCI_CAP_ID_MSIX]	= PCI_CAP_MSIX_SIZEOF,
	[PCI_CAP_ID_SATA]	= VPCI_CAP_VAR,
	[PCI_CAP_ID_AF]		= PCI_CAP_AF_SIZEOF,
};

/* Extended capabilities 6.1 knows; 0 (or absent) hides one. */
static const u8 vpci_ecap_lens[] = {
	[PCI_EXT_CAP_ID_ERR]	= PCI_ERR_ROOT_COMMAND,
	[PCI_EXT_CAP_ID_VC]	= VPCI_CAP_VAR,
	[PCI_EXT_CAP_ID_DSN]	= PCI_EXT_CAP_DSN_SIZEOF,
	[PCI_EXT_CAP_ID_PWR]	= PCI_EXT_CAP_PWR_SIZEOF,
	[PCI_EXT_CAP_ID_MFVC]	= VPCI_CAP_VAR,
	[PCI_EXT_CAP_ID_VC9]	= VPCI_CAP_VAR,
	[PCI_EXT_CAP_ID_VNDR]	= VPCI_CAP_VAR,
	[PCI_EXT_CAP_ID_ACS]	= VPCI_CAP_VAR,
	[PCI_EXT_CAP_ID_ARI]	= PCI_EXT_CAP_ARI_SIZEOF,
	[PCI_EXT_CAP_ID_ATS]	= PCI_EXT_CAP_ATS_SIZEOF,
	[PCI_EXT_CAP_ID_SRIOV]	= PCI_EXT_CAP_SRIOV_SIZEOF,
	[PCI_EXT_CAP_ID_MCAST]	= PCI_EXT_CAP_MCAST_ENDPOINT_SIZEOF,
	[PCI_EXT_CAP_ID_PRI]	= PCI_EXT_CAP_PRI_SIZEOF,
	[PCI_EXT_CAP_ID_REBAR]	= VPCI_CAP_VAR,
	[PCI_EXT_CAP_ID_DPA]	= VPCI_CAP_VAR,
	[PCI_EXT_CAP_ID_TPH]	= VPCI_CAP_VAR,
	[PCI_EXT_CAP_ID_LTR]	= PCI_EXT_CAP_LTR_SIZEOF,
};

/**
 * vpci_perm_fill() - copy config dwords from the hardware into vconfig
 * @vp: a device whose vconfig is being built (perm.filled set), or any
 *      other (then nothing happens)
 * @pos: first byte wanted
 * @len: bytes wanted, clipped to the config size
 *
 * Reads each dword overlapping [@pos, @pos + @len) that has not been read
 * yet.  A failed read leaves the dword 0 and is kept in perm.fill_err.
 */
void vpci_perm_fill(struct vfio_pci_dev *vp, int pos, int len)
{
	int end = min(pos + len, vp->pdev->cfg_size);
	int dw, ret;
	u32 val;

	if (!vp->perm.filled || pos < 0)
		return;
	for (dw = pos / 4; dw * 4 < end; dw++) {
		if (__test_and_set_bit(dw, vp->perm.filled))
			continue;
		ret = pci_read_config_dword(vp->pdev, dw * 4, &val);
		if (ret) {
			if (!vp->perm.fill_err)
				vp->perm.fill_err = pcibios_err_to_errno(ret);
			val = 0;
		}
		*(__le32 *)&vp->vconfig[dw * 4] = cpu_to_le32(val);
	}
}

static u8 vpci_v8(struct vfio_pci_dev *vp, int pos)
{
	return vp->vconfig[pos];
}

static u16 vpci_v16(struct vfio_pci_dev *vp, int pos)
{
	return le16_to_cpup((__le16 *)&vp->vconfig[pos]);
}

static u32 vpci_v32(struct vfio_pci_dev *vp, int pos)
{
	return le32_to_cpup((__le32 *)&vp->vconfig[pos]);
}

/* Apply little-endian masks to the @len bytes at @pos. */
static void vpci_perm_set(struct vfio_pci_dev *vp, int pos, int len,
			  u32 virt, u32 write)
{
	int i;

	if (pos < 0 || pos + len > vp->pdev->cfg_size)
		return;
	for (i = 0; i < len; i++) {
		vp->perm.virt[pos + i] = i < 4 ? virt >> (8 * i) : virt;
		vp->perm.write[pos + i] = i < 4 ? write >> (8 * i) : write;
	}
}

static void vpci_perm_header(struct vfio_pci_dev *vp)
{
	int bar;

	/* Read-only from the hardware unless said otherwise below */
	vpci_perm_set(vp, 0, PCI_STD_HEADER_SIZEOF, VPCI_NONE, VPCI_NONE);

	vpci_perm_set(vp, PCI_VENDOR_ID, 2, VPCI_ALL, VPCI_NONE);
	vpci_perm_set(vp, PCI_DEVICE_ID, 2, VPCI_ALL, VPCI_NONE);
	/* DisINTx is ours: it masks INTx for the user, emulated */
	vpci_perm_set(vp, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE, VPCI_ALL);
	vpci_perm_set(vp, PCI_STATUS, 2, PCI_STATUS_CAP_LIST, VPCI_NONE);
	vpci_perm_set(vp, PCI_CACHE_LINE_SIZE, 1, VPCI_NONE, VPCI_ALL);
	vpci_perm_set(vp, PCI_LATENCY_TIMER, 1, VPCI_NONE, VPCI_ALL);
	vpci_perm_set(vp, PCI_BIST, 1, VPCI_NONE, VPCI_ALL);
	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		vpci_perm_set(vp, PCI_BASE_ADDRESS_0 + 4 * bar, 4, VPCI_ALL,
			      VPCI_ALL);
	vpci_perm_set(vp, PCI_ROM_ADDRESS, 4, VPCI_ALL, VPCI_ALL);
	vpci_perm_set(vp, PCI_CAPABILITY_LIST, 1, VPCI_ALL, VPCI_NONE);
	vpci_perm_set(vp, PCI_INTERRUPT_LINE, 1, VPCI_ALL, VPCI_ALL);
	vpci_perm_set(vp, PCI_INTERRUPT_PIN, 1, VPCI_ALL, VPCI_NONE);
}

/* Length of the MSI capability, from its flags. */
static int vpci_msi_len(u16 flags)
{
	if (flags & PCI_MSI_FLAGS_64BIT)
		return flags & PCI_MSI_FLAGS_MASKBIT ? PCI_MSI_PENDING_64 + 4 :
						       PCI_MSI_DATA_64 + 2;
	return flags & PCI_MSI_FLAGS_MASKBIT ? PCI_MSI_PENDING_32 + 4 :
					       PCI_MSI_DATA_32 + 2;
}

/* Length of a PCIe capability, from its version and device type. */
static int vpci_exp_len(u16 flags)
{
	bool rc_end = ((flags & PCI_EXP_FLAGS_TYPE) >> 4) ==
		      PCI_EXP_TYPE_RC_END;

	if ((flags & PCI_EXP_FLAGS_VERS) == 1)
		return rc_end ? VPCI_EXP_RCEND_V1_LEN : VPCI_EXP_V1_LEN;
	return rc_end ? VPCI_EXP_RCEND_V2_LEN : VPCI_EXP_V2_LEN;
}

/**
 * vpci_cap_len() - length of a standard capability as 6.1 counts it
 * @vp: device whose vconfig holds the capability
 * @id: capability ID
 * @pos: its offset
 *
 * Return: the length in bytes, 0 for a capability to hide.
 */
VISIBLE_IF_KUNIT int vpci_cap_len(struct vfio_pci_dev *vp, u8 id, int pos)
{
	u8 len = id < ARRAY_SIZE(vpci_cap_lens) ? vpci_cap_lens[id] : 0;

	if (len != VPCI_CAP_VAR)
		return len;

	switch (id) {
	case PCI_CAP_ID_MSI:
		return vpci_msi_len(vpci_v16(vp, pos + PCI_MSI_FLAGS));
	case PCI_CAP_ID_PCIX:
		return PCI_X_CMD_VERSION(vpci_v16(vp, pos + PCI_X_CMD)) ?
		       PCI_CAP_PCIX_SIZEOF_V2 : PCI_CAP_PCIX_SIZEOF_V0;
	case PCI_CAP_ID_VNDR:
		/* the byte after the next pointer */
		return vpci_v8(vp, pos + PCI_CAP_FLAGS);
	case PCI_CAP_ID_EXP:
		return vpci_exp_len(vpci_v16(vp, pos + PCI_EXP_FLAGS));
	case PCI_CAP_ID_HT:
		return vpci_v8(vp, pos + 3) & HT_3BIT_CAP_MASK ?
		       HT_CAP_SIZEOF_SHORT : HT_CAP_SIZEOF_LONG;
	case PCI_CAP_ID_SATA:
		return (vpci_v8(vp, pos + PCI_SATA_REGS) & PCI_SATA_REGS_MASK) ==
		       PCI_SATA_REGS_INLINE ? PCI_SATA_SIZEOF_LONG :
					      PCI_SATA_SIZEOF_SHORT;
	default:
		return 0;
	}
}
EXPORT_SYMBOL_IF_KUNIT(vpci_cap_len);

/* Virtual channel (VC, VC9, MFVC): the fixed part and the per-VC part. */
static int vpci_vc_len(struct vfio_pci_dev *vp, int pos)
{
	u32 cap1 = vpci_v32(vp, pos + PCI_VC_PORT_CAP1);
	u32 cap2 = vpci_v32(vp, pos + PCI_VC_PORT_CAP2);
	int len = PCI_CAP_VC_BASE_SIZEOF;
	int phases = 0;

	if (cap2 & 0x8)				/* 128-phase arbitration */
		phases = 128;
	else if (cap2 & 0x4)			/* 64-phase */
		phases = 64;
	else if (cap2 & 0x2)			/* 32-phase */
		phases = 32;

	len += (1 + (cap1 & PCI_VC_CAP1_EVCC)) * PCI_CAP_VC_PER_VC_SIZEOF;
	/* one arbitration table entry of 4 bits per phase */
	if (phases)
		len = round_up(len, 16) + phases * 4 / 8;
	return len;
}

/**
 * vpci_ecap_len() - length of an extended capability as 6.1 counts it
 * @vp: device whose vconfig holds the capability
 * @id: extended capability ID
 * @pos: its offset
 *
 * Return: the length in bytes, 0 for a capability to hide.
 */
VISIBLE_IF_KUNIT int vpci_ecap_len(struct vfio_pci_dev *vp, u16 id, int pos)
{
	u8 len = id < ARRAY_SIZE(vpci_ecap_lens) ? vpci_ecap_lens[id] : 0;
	u32 dw;
	u8 b;

	if (len != VPCI_CAP_VAR)
		return len;

	switch (id) {
	case PCI_EXT_CAP_ID_VNDR:
		/* VSEC length: bits 31:20 of the second dword */
		return vpci_v32(vp, pos + PCI_VSEC_HDR) >> 20;
	case PCI_EXT_CAP_ID_VC:
	case PCI_EXT_CAP_ID_VC9:
	case PCI_EXT_CAP_ID_MFVC:
		return vpci_vc_len(vp, pos);
	case PCI_EXT_CAP_ID_ACS:
		if (!(vpci_v8(vp, pos + PCI_ACS_CAP) & PCI_ACS_EC))
			return 8;
		/* egress control vector, 0 meaning 256 bits */
		b = vpci_v8(vp, pos + PCI_ACS_EGRESS_BITS);
		return 8 + (b ? round_up(b, 32) : 256) / 8;
	case PCI_EXT_CAP_ID_REBAR:
		/* number of resizable BARs: bits 7:5 of the first control */
		b = vpci_v8(vp, pos + PCI_REBAR_CTRL);
		return 4 + ((b & 0xe0) >> 5) * 8;
	case PCI_EXT_CAP_ID_DPA:
		/* substate count: bits 4:0 */
		return PCI_DPA_BASE_SIZEOF +
		       (vpci_v8(vp, pos + PCI_DPA_CAP) & 0x1f) + 1;
	case PCI_EXT_CAP_ID_TPH:
		dw = vpci_v32(vp, pos + PCI_TPH_CAP);
		/* ST table in the capability (location 01b): 2 bytes each */
		if ((dw & 0x600) == 0x200)
			return PCI_TPH_BASE_SIZEOF + 2 +
			       ((dw & PCI_TPH_CAP_ST_MASK) >>
				PCI_TPH_CAP_ST_SHIFT) * 2;
		return PCI_TPH_BASE_SIZEOF;
	default:
		return 0;
	}
}
EXPORT_SYMBOL_IF_KUNIT(vpci_ecap_len);

/*
 * MSI: the kernel programs the hardware through SET_IRQS; the user only
 * sees and changes a virtual copy.  The enable bit follows SET_IRQS.
 */
static void vpci_perm_msi(struct vfio_pci_dev *vp, int pos)
{
	__le16 *vflags = (__le16 *)&vp->vconfig[pos + PCI_MSI_FLAGS];
	u16 flags = le16_to_cpu(*vflags);
	bool is64 = flags & PCI_MSI_FLAGS_64BIT;
	int mask = is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;

	vpci_perm_set(vp, pos, vpci_msi_len(flags), VPCI_ALL, VPCI_NONE);
	vpci_perm_set(vp, pos + PCI_MSI_FLAGS, 2, VPCI_ALL,
		      PCI_MSI_FLAGS_QSIZE);
	vpci_perm_set(vp, pos + PCI_MSI_ADDRESS_LO, 4, VPCI_ALL, VPCI_ALL);
	if (is64) {
		vpci_perm_set(vp, pos + PCI_MSI_ADDRESS_HI, 4, VPCI_ALL,
			      VPCI_ALL);
		vpci_perm_set(vp, pos + PCI_MSI_DATA_64, 2, VPCI_ALL, VPCI_ALL);
	} else {
		vpci_perm_set(vp, pos + PCI_MSI_DATA_32, 2, VPCI_ALL, VPCI_ALL);
	}
	if (flags & PCI_MSI_FLAGS_MASKBIT) {
		vpci_perm_set(vp, pos + mask, 4, VPCI_NONE, VPCI_ALL);
		vpci_perm_set(vp, pos + mask + 4, 4, VPCI_NONE, VPCI_NONE);
	}

	/* The user starts with MSI disabled and one message enabled. */
	*vflags = cpu_to_le16(flags & ~(PCI_MSI_FLAGS_ENABLE |
					PCI_MSI_FLAGS_QSIZE));
}

/*
 * PM: PME cannot be handled by the user; a write of the PowerState field
 * moves the function to that state (vpci_perm_write_hook()), and the
 * field reads the state it is in.
 */
static void vpci_perm_pm(struct vfio_pci_dev *vp, int pos)
{
	vp->perm.pm_pos = pos;
	__le16 *pmc = (__le16 *)&vp->vconfig[pos + PCI_PM_PMC];
	__le16 *ctrl = (__le16 *)&vp->vconfig[pos + PCI_PM_CTRL];

	vpci_perm_set(vp, pos + PCI_PM_PMC, 2, PCI_PM_CAP_PME_MASK, VPCI_NONE);
	vpci_perm_set(vp, pos + PCI_PM_CTRL, 4,
		      PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS |
		      PCI_PM_CTRL_STATE_MASK,
		      ~(PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS));

	*pmc &= ~cpu_to_le16(PCI_PM_CAP_PME_MASK);
	*ctrl &= ~cpu_to_le16(PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS);
}

/*
 * PCIe: FLR becomes a function reset (vpci_perm_write_hook()); MPS is
 * virtual because it must agree with the rest of the fabric; MRRS is
 * virtual and reaches the hardware no lower than MPS.  Phantom
 * functions (IOMMU aliasing) and ARI (set up by the PCI core) are
 * read-only; the rest of DEVCTL and DEVCTL2 is the user's.
 */
static void vpci_perm_exp(struct vfio_pci_dev *vp, int pos, int len)
{
	__le16 *devctl = (__le16 *)&vp->vconfig[pos + PCI_EXP_DEVCTL];

	vp->perm.exp_pos = pos;
	vp->perm.readrq = le16_to_cpu(*devctl) & PCI_EXP_DEVCTL_READRQ;
	if (len >= PCI_EXP_DEVCTL + 2)
		vpci_perm_set(vp, pos + PCI_EXP_DEVCTL, 2,
			      PCI_EXP_DEVCTL_BCR_FLR | PCI_EXP_DEVCTL_PAYLOAD |
			      PCI_EXP_DEVCTL_READRQ,
			      0xffffU & ~PCI_EXP_DEVCTL_PHANTOM);
	if (len >= PCI_EXP_DEVCTL2 + 2)
		vpci_perm_set(vp, pos + PCI_EXP_DEVCTL2, 2, VPCI_NONE,
			      0xffffU & ~PCI_EXP_DEVCTL2_ARI);
	*devctl &= ~cpu_to_le16(PCI_EXP_DEVCTL_BCR_FLR);
}

/* AF: the FLR bit becomes a function reset. */
static void vpci_perm_af(struct vfio_pci_dev *vp, int pos)
{
	vp->perm.af_pos = pos;
	vpci_perm_set(vp, pos + PCI_AF_CTRL, 1, PCI_AF_CTRL_FLR,
		      PCI_AF_CTRL_FLR);
	vp->vconfig[pos + PCI_AF_CTRL] &= ~PCI_AF_CTRL_FLR;
}

/* VPD: address and data are virtual, served by the PCI core's VPD access. */
static void vpci_perm_vpd(struct vfio_pci_dev *vp, int pos)
{
	vp->perm.vpd_pos = pos;
	vpci_perm_set(vp, pos + PCI_VPD_ADDR, 2, VPCI_ALL, VPCI_ALL);
	vpci_perm_set(vp, pos + PCI_VPD_DATA, 4, VPCI_ALL, VPCI_ALL);
}

/* PCI-X: command and (version 1/2) ECC control go to the hardware. */
static void vpci_perm_pcix(struct vfio_pci_dev *vp, int pos, int len)
{
	vpci_perm_set(vp, pos + PCI_X_CMD, 2, VPCI_NONE, VPCI_ALL);
	if (len >= PCI_X_ECC_CSR + 4)
		vpci_perm_set(vp, pos + PCI_X_ECC_CSR, 4, VPCI_NONE, VPCI_ALL);
}

/* Set the rules of a visible standard capability of @len bytes. */
static void vpci_perm_cap(struct vfio_pci_dev *vp, u8 id, int pos, int len)
{
	/* read-only, from the hardware; ID and next pointer virtual */
	vpci_perm_set(vp, pos, len, VPCI_NONE, VPCI_NONE);
	vpci_perm_set(vp, pos, 2, VPCI_ALL, VPCI_NONE);

	switch (id) {
	case PCI_CAP_ID_MSI:
		if (len == vpci_msi_len(vpci_v16(vp, pos + PCI_MSI_FLAGS)))
			vpci_perm_msi(vp, pos);
		break;
	case PCI_CAP_ID_PM:
		if (len == PCI_PM_SIZEOF)
			vpci_perm_pm(vp, pos);
		break;
	case PCI_CAP_ID_EXP:
		vpci_perm_exp(vp, pos, len);
		break;
	case PCI_CAP_ID_AF:
		if (len == PCI_CAP_AF_SIZEOF)
			vpci_perm_af(vp, pos);
		break;
	case PCI_CAP_ID_VPD:
		if (len == PCI_CAP_VPD_SIZEOF)
			vpci_perm_vpd(vp, pos);
		break;
	case PCI_CAP_ID_PCIX:
		vpci_perm_pcix(vp, pos, len);
		break;
	case PCI_CAP_ID_VNDR:
		/* the body is the vendor's: raw writes */
		if (len > 2)
			vpci_perm_set(vp, pos + 2, len - 2, VPCI_NONE,
				      VPCI_ALL);
		break;
	default:
		break;
	}
}

/*
 * Walk the standard capability list, hide the capabilities of unknown
 * length by rewriting the virtual next pointers, and set the rules of
 * the visible ones.  Return: whether the extended chain is to be used.
 */
static bool vpci_perm_caps(struct vfio_pci_dev *vp)
{
	int ttl = (PCI_CFG_SPACE_SIZE - PCI_STD_HEADER_SIZEOF) / PCI_CAP_SIZEOF;
	bool ext = false;
	int shown = 0;
	u8 *prev;
	u8 pos;

	if (!(vpci_v16(vp, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return false;

	prev = &vp->vconfig[PCI_CAPABILITY_LIST];
	pos = *prev;
	while (pos && ttl-- > 0) {
		u8 id, next;
		int len;

		/* a pointer into the header: malformed, stop there */
		if (pos < PCI_STD_HEADER_SIZEOF) {
			*prev = 0;
			break;
		}
		pos &= ~3;
		/* ID, next pointer and what vpci_cap_len() looks at */
		vpci_perm_fill(vp, pos, min(8, PCI_CFG_SPACE_SIZE - pos));
		id = vpci_v8(vp, pos + PCI_CAP_LIST_ID);
		next = vpci_v8(vp, pos + PCI_CAP_LIST_NEXT);
		len = vpci_cap_len(vp, id, pos);
		if (!len) {
			*prev = next;
			pos = next;
			continue;
		}

		len = min(len, PCI_CFG_SPACE_SIZE - pos);
		vpci_perm_fill(vp, pos, len);
		vpci_perm_cap(vp, id, pos, len);
		if (vp->pdev->cfg_size > PCI_CFG_SPACE_SIZE &&
		    (id == PCI_CAP_ID_EXP ||
		     (id == PCI_CAP_ID_PCIX &&
		      PCI_X_CMD_VERSION(vpci_v16(vp, pos + PCI_X_CMD))))) {
			vpci_perm_fill(vp, PCI_CFG_SPACE_SIZE, 4);
			ext = vpci_v32(vp, PCI_CFG_SPACE_SIZE) != 0;
		}
		prev = &vp->vconfig[pos + PCI_CAP_LIST_NEXT];
		pos = next;
		shown++;
	}

	if (!shown)
		*(__le16 *)&vp->vconfig[PCI_STATUS] &=
			~cpu_to_le16(PCI_STATUS_CAP_LIST);
	return ext;
}

/* AER: the status, mask and severity bits 6.1 lists, and ECRC enables. */
static void vpci_perm_err(struct vfio_pci_dev *vp, int pos)
{
	u32 unc = PCI_ERR_UNC_UND | PCI_ERR_UNC_DLP | PCI_ERR_UNC_SURPDN |
		  PCI_ERR_UNC_POISON_TLP | PCI_ERR_UNC_FCP |
		  PCI_ERR_UNC_COMP_TIME | PCI_ERR_UNC_COMP_ABORT |
		  PCI_ERR_UNC_UNX_COMP | PCI_ERR_UNC_RX_OVER |
		  PCI_ERR_UNC_MALF_TLP | PCI_ERR_UNC_ECRC | PCI_ERR_UNC_UNSUP |
		  PCI_ERR_UNC_ACSV | PCI_ERR_UNC_INTN | PCI_ERR_UNC_MCBTLP |
		  PCI_ERR_UNC_ATOMEG | PCI_ERR_UNC_TLPPRE;
	u32 cor = PCI_ERR_COR_RCVR | PCI_ERR_COR_BAD_TLP |
		  PCI_ERR_COR_BAD_DLLP | PCI_ERR_COR_REP_ROLL |
		  PCI_ERR_COR_REP_TIMER | PCI_ERR_COR_ADV_NFAT |
		  PCI_ERR_COR_INTERNAL | PCI_ERR_COR_LOG_OVER;

	vpci_perm_set(vp, pos + PCI_ERR_UNCOR_STATUS, 4, VPCI_NONE, unc);
	vpci_perm_set(vp, pos + PCI_ERR_UNCOR_MASK, 4, VPCI_NONE, unc);
	vpci_perm_set(vp, pos + PCI_ERR_UNCOR_SEVER, 4, VPCI_NONE, unc);
	vpci_perm_set(vp, pos + PCI_ERR_COR_STATUS, 4, VPCI_NONE, cor);
	vpci_perm_set(vp, pos + PCI_ERR_COR_MASK, 4, VPCI_NONE, cor);
	vpci_perm_set(vp, pos + PCI_ERR_CAP, 4, VPCI_NONE,
		      PCI_ERR_CAP_ECRC_GENE | PCI_ERR_CAP_ECRC_CHKE);
}

/* Set the rules of a visible extended capability of @len bytes. */
static void vpci_perm_ecap(struct vfio_pci_dev *vp, u16 id, int pos, int len)
{
	vpci_perm_set(vp, pos, len, VPCI_NONE, VPCI_NONE);
	vpci_perm_set(vp, pos, 4, VPCI_ALL, VPCI_NONE);

	switch (id) {
	case PCI_EXT_CAP_ID_ERR:
		if (len == PCI_ERR_ROOT_COMMAND)
			vpci_perm_err(vp, pos);
		break;
	case PCI_EXT_CAP_ID_PWR:
		/* 6.1 opens the data register byte */
		if (len == PCI_EXT_CAP_PWR_SIZEOF)
			vpci_perm_set(vp, pos + PCI_PWR_DATA, 1, VPCI_NONE,
				      VPCI_ALL);
		break;
	case PCI_EXT_CAP_ID_VNDR:
		if (len > 4)
			vpci_perm_set(vp, pos + 4, len - 4, VPCI_NONE,
				      VPCI_ALL);
		break;
	default:
		break;
	}
}

#define VPCI_ECAP_NEXT_MASK	(0xffcU << 20)

/*
 * Walk the extended capability list, skip the capabilities of unknown
 * length in the virtual chain and set the rules of the visible ones.
 */
static void vpci_perm_ext_caps(struct vfio_pci_dev *vp)
{
	int ttl = (vp->pdev->cfg_size - PCI_CFG_SPACE_SIZE) / PCI_CAP_SIZEOF;
	int pos = PCI_CFG_SPACE_SIZE;
	__le32 *prev = NULL;
	int shown = 0;

	while (ttl-- > 0 && pos >= PCI_CFG_SPACE_SIZE &&
	       pos + 4 <= vp->pdev->cfg_size) {
		u32 header;
		u16 id;
		int next, len;
		bool anchor = false;

		/* the header and what vpci_ecap_len() looks at */
		vpci_perm_fill(vp, pos, 12);
		header = vpci_v32(vp, pos);
		id = PCI_EXT_CAP_ID(header);
		next = PCI_EXT_CAP_NEXT(header);
		len = vpci_ecap_len(vp, id, pos);

		if (!len) {
			if (prev) {
				*prev &= ~cpu_to_le32(VPCI_ECAP_NEXT_MASK);
				*prev |= cpu_to_le32(next << 20);
				pos = next;
				continue;
			}
			/* the chain starts here: keep only the next pointer */
			anchor = true;
			len = PCI_CAP_SIZEOF;
		}

		len = min(len, vp->pdev->cfg_size - pos);
		vpci_perm_fill(vp, pos, len);
		vpci_perm_ecap(vp, anchor ? 0 : id, pos, len);
		prev = (__le32 *)&vp->vconfig[pos];
		if (anchor)
			*prev &= cpu_to_le32(VPCI_ECAP_NEXT_MASK);
		else
			shown++;
		pos = next;
	}

	if (!shown)
		*(__le32 *)&vp->vconfig[PCI_CFG_SPACE_SIZE] = 0;
}

/**
 * vpci_perm_build() - build the permission tables of an open device
 * @vp: device whose vconfig holds a copy of the hardware config space
 *      (or its header, see perm.filled)
 *
 * Also adjusts the virtual values of the capabilities it virtualizes
 * and rewrites the virtual capability chains to skip hidden ones.  With
 * perm.filled set, vconfig holds only the header yet: the capabilities
 * are read from the hardware as the chains are walked.
 *
 * Return: 0, -ENOMEM, or the error of a config read.
 */
int vpci_perm_build(struct vfio_pci_dev *vp)
{
	int size = vp->pdev->cfg_size;

	vp->perm.virt = kzalloc(size, GFP_KERNEL);
	if (!vp->perm.virt)
		return -ENOMEM;
	vp->perm.write = kzalloc(size, GFP_KERNEL);
	if (!vp->perm.write)
		goto err_free_virt;
	vp->perm.exp_pos = 0;
	vp->perm.af_pos = 0;
	vp->perm.vpd_pos = 0;

	/* Outside the header and the visible capabilities: raw */
	memset(vp->perm.write + PCI_STD_HEADER_SIZEOF, 0xff,
	       size - PCI_STD_HEADER_SIZEOF);
	vpci_perm_header(vp);
	if (vpci_perm_caps(vp))
		vpci_perm_ext_caps(vp);
	if (vp->perm.fill_err) {
		vpci_perm_free(vp);
		return vp->perm.fill_err;
	}
	return 0;

err_free_virt:
	kfree(vp->perm.virt);
	vp->perm.virt = NULL;
	return -ENOMEM;
}
EXPORT_SYMBOL_IF_KUNIT(vpci_perm_build);

/**
 * vpci_perm_free() - free what vpci_perm_build() allocated
 * @vp: a device being closed
 */
void vpci_perm_free(struct vfio_pci_dev *vp)
{
	kfree(vp->perm.write);
	kfree(vp->perm.virt);
	vp->perm.write = NULL;
	vp->perm.virt = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vpci_perm_free);

static bool vpci_hits(int pos, int size, int reg)
{
	return reg >= pos && reg < pos + size;
}

/* A function reset asked for through an FLR bit. */
static void vpci_perm_flr(struct vfio_pci_dev *vp)
{
	vpci_zap_and_lock_memory(vp);
	pci_try_reset_function(vp->pdev);
	up_write(&vp->memory_lock);
}

static void vpci_exp_write(struct vfio_pci_dev *vp)
{
	struct pci_dev *pdev = vp->pdev;
	int pos = vp->perm.exp_pos;
	__le16 *devctl = (__le16 *)&vp->vconfig[pos + PCI_EXP_DEVCTL];
	u16 readrq;

	if (*devctl & cpu_to_le16(PCI_EXP_DEVCTL_BCR_FLR)) {
		u32 cap;

		/* the bit always reads 0 */
		*devctl &= ~cpu_to_le16(PCI_EXP_DEVCTL_BCR_FLR);
		if (!pci_user_read_config_dword(pdev, pos + PCI_EXP_DEVCAP,
						&cap) && (cap & PCI_EXP_DEVCAP_FLR))
			vpci_perm_flr(vp);
	}

	readrq = le16_to_cpu(*devctl) & PCI_EXP_DEVCTL_READRQ;
	if (readrq != vp->perm.readrq) {
		vp->perm.readrq = readrq;
		pcie_set_readrq(pdev, max(128 << (readrq >> 12),
					  pcie_get_mps(pdev)));
	}
}

static void vpci_af_write(struct vfio_pci_dev *vp)
{
	int pos = vp->perm.af_pos;
	u8 cap;

	if (!(vp->vconfig[pos + PCI_AF_CTRL] & PCI_AF_CTRL_FLR))
		return;
	vp->vconfig[pos + PCI_AF_CTRL] &= ~PCI_AF_CTRL_FLR;
	if (!pci_user_read_config_byte(vp->pdev, pos + PCI_AF_CAP, &cap) &&
	    (cap & PCI_AF_CAP_FLR) && (cap & PCI_AF_CAP_TP))
		vpci_perm_flr(vp);
}

/*
 * VPD: writing the flag byte starts a transfer; its completion toggles
 * the flag.  A failed transfer leaves the flag as written, and the
 * user's driver times out.
 */
static void vpci_vpd_write(struct vfio_pci_dev *vp)
{
	int pos = vp->perm.vpd_pos;
	__le16 *vaddr = (__le16 *)&vp->vconfig[pos + PCI_VPD_ADDR];
	__le32 *vdata = (__le32 *)&vp->vconfig[pos + PCI_VPD_DATA];
	u16 addr = le16_to_cpu(*vaddr);
	u32 data;

	if (addr & PCI_VPD_ADDR_F) {
		data = le32_to_cpu(*vdata);
		if (pci_write_vpd(vp->pdev, addr & ~PCI_VPD_ADDR_F, 4,
				  &data) != 4)
			return;
	} else {
		data = 0;
		if (pci_read_vpd(vp->pdev, addr, 4, &data) < 0)
			return;
		*vdata = cpu_to_le32(data);
	}
	*vaddr = cpu_to_le16(addr ^ PCI_VPD_ADDR_F);
}

/**
 * vpci_perm_write_hook() - side effects of a config write
 * @vp: an open device, igate held
 * @pos: offset of the bytes written
 * @size: their number
 *
 * Called after the bytes went to vconfig and the hardware: an FLR bit
 * (PCIe or AF) resets the function, an MRRS change reaches the hardware,
 * a write of the VPD flag byte runs a VPD transfer, a write of PMCSR's
 * low byte changes the power state.
 */
void vpci_perm_write_hook(struct vfio_pci_dev *vp, int pos, int size)
{
	struct vpci_cfg_perm *perm = &vp->perm;

	lockdep_assert_held(&vp->igate);

	if (perm->exp_pos &&
	    (vpci_hits(pos, size, perm->exp_pos + PCI_EXP_DEVCTL) ||
	     vpci_hits(pos, size, perm->exp_pos + PCI_EXP_DEVCTL + 1)))
		vpci_exp_write(vp);
	if (perm->af_pos && vpci_hits(pos, size, perm->af_pos + PCI_AF_CTRL))
		vpci_af_write(vp);
	if (perm->vpd_pos &&
	    vpci_hits(pos, size, perm->vpd_pos + PCI_VPD_ADDR + 1))
		vpci_vpd_write(vp);
	if (perm->pm_pos && vpci_hits(pos, size, perm->pm_pos + PCI_PM_CTRL))
		vpci_pmcsr_write(vp, perm->pm_pos);
}
