// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtual config space of vfio-pci, as 6.1 builds it, on QEMU's
 * e1000e (PCIe: PM, MSI, MSI-X, PCIe, AER, DSN), an e1000 and edu
 * (conventional PCI), all bound to vfio-pci by the testbed.
 *
 * The hardware's view comes from the device's sysfs config file (root
 * reads and writes the real registers).  From it the test computes
 * which capabilities 6.1 shows (those whose length it knows) and checks
 * the virtual chains against that; then, per register class:
 *   read-only   a write of the inverse changes neither the virtual value
 *               nor the hardware (the bits the hardware itself would
 *               accept, probed through sysfs, are logged);
 *   virtual     the written value reads back, the hardware keeps its own;
 *   raw         the hardware takes the write and the read shows it.
 * Every register changed is restored.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define CFG_MAX		4096
#define STD_SIZE	256
#define MAX_CAPS	64

/* The AER mask bits 6.1 lets the user write. */
#define AER_UNC_WRITABLE	0x03fff031U
#define AER_COR_WRITABLE	0x0000f1c1U

/* One capability of a chain: its offset, ID and length. */
struct cap {
	int pos;
	int id;
	int len;
};

/* What the tests use of one device. */
struct cfgdev {
	struct vfio_session s;
	struct vfio_region_info ri;
	int hw;			/* sysfs config file, read-write */
	unsigned int size;
	uint8_t h[CFG_MAX];	/* hardware at setup */
	uint8_t v[CFG_MAX];	/* virtual at setup */
};

FIXTURE(cfg) {
	struct cfgdev d;
};

FIXTURE_VARIANT(cfg) {
	unsigned int vendor, device;
	const char *label;
};

FIXTURE_VARIANT_ADD(cfg, e1000e) {
	.vendor = 0x8086, .device = 0x10d3, .label = "e1000e",
};

FIXTURE_VARIANT_ADD(cfg, e1000) {
	.vendor = 0x8086, .device = 0x100e, .label = "e1000",
};

FIXTURE_VARIANT_ADD(cfg, edu) {
	.vendor = EDU_VENDOR_ID, .device = EDU_DEVICE_ID, .label = "edu",
};

static uint32_t le_get(const uint8_t *p, int len)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < len; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static void le_put(uint8_t *p, int len, uint32_t v)
{
	int i;

	for (i = 0; i < len; i++)
		p[i] = v >> (8 * i);
}

static uint32_t len_mask(int len)
{
	return len == 4 ? ~0U : (1U << (8 * len)) - 1;
}

/* Through the vfio config region. */
static int v_read(struct cfgdev *self, int off, int len, uint32_t *val)
{
	uint8_t b[4];
	int ret;

	ret = vfio_region_read(self->s.device, &self->ri, off, b, len);
	if (!ret)
		*val = le_get(b, len);
	return ret;
}

static int v_write(struct cfgdev *self, int off, int len, uint32_t val)
{
	uint8_t b[4];

	le_put(b, len, val);
	return vfio_region_write(self->s.device, &self->ri, off, b, len);
}

/* The hardware, through sysfs. */
static int h_read(struct cfgdev *self, int off, int len, uint32_t *val)
{
	uint8_t b[4];
	ssize_t n = pread(self->hw, b, len, off);

	if (n != len)
		return n < 0 ? -errno : -EIO;
	*val = le_get(b, len);
	return 0;
}

static int h_write(struct cfgdev *self, int off, int len, uint32_t val)
{
	uint8_t b[4];
	ssize_t n;

	le_put(b, len, val);
	n = pwrite(self->hw, b, len, off);
	if (n != len)
		return n < 0 ? -errno : -EIO;
	return 0;
}

/* The standard capability lengths of 6.1; 0: hidden. */
static int std_cap_len(const uint8_t *c, int id, int pos)
{
	uint16_t w;

	switch (id) {
	case PCI_CAP_ID_PM:
		return 8;
	case PCI_CAP_ID_AGP:
		return 12;
	case PCI_CAP_ID_VPD:
		return 8;
	case PCI_CAP_ID_MSIX:
		return 12;
	case PCI_CAP_ID_AF:
		return 6;
	case PCI_CAP_ID_MSI:
		w = le_get(c + pos + PCI_MSI_FLAGS, 2);
		return 10 + (w & PCI_MSI_FLAGS_64BIT ? 4 : 0) +
		       (w & PCI_MSI_FLAGS_MASKBIT ? 10 : 0);
	case PCI_CAP_ID_PCIX:
		w = le_get(c + pos + PCI_X_CMD, 2);
		return (w >> 12) & 3 ? 24 : 8;
	case PCI_CAP_ID_HT:
		return c[pos + 3] & 0xe0 ? 24 : 28;
	case PCI_CAP_ID_VNDR:
		return c[pos + 2];
	case PCI_CAP_ID_EXP:
		w = le_get(c + pos + PCI_EXP_FLAGS, 2);
		if (((w & PCI_EXP_FLAGS_TYPE) >> 4) == PCI_EXP_TYPE_RC_END)
			return (w & PCI_EXP_FLAGS_VERS) == 1 ? 0xc : 0x2c;
		return (w & PCI_EXP_FLAGS_VERS) == 1 ? 0x14 : 0x32;
	case PCI_CAP_ID_SATA:
		return (c[pos + 4] & 0xf) == 0xf ? 16 : 8;
	default:
		return 0;
	}
}

/* The extended capability lengths of 6.1 for what QEMU can offer. */
static int ext_cap_len(const uint8_t *c, int id, int pos)
{
	switch (id) {
	case PCI_EXT_CAP_ID_ERR:
		return 0x2c;
	case PCI_EXT_CAP_ID_DSN:
		return 12;
	case PCI_EXT_CAP_ID_PWR:
		return 16;
	case PCI_EXT_CAP_ID_ARI:
	case PCI_EXT_CAP_ID_ATS:
	case PCI_EXT_CAP_ID_LTR:
		return 8;
	case PCI_EXT_CAP_ID_SRIOV:
		return 0x40;
	case PCI_EXT_CAP_ID_MCAST:
		return 40;
	case PCI_EXT_CAP_ID_PRI:
		return 16;
	case PCI_EXT_CAP_ID_VNDR:
		return le_get(c + pos + 4, 4) >> 20;
	case PCI_EXT_CAP_ID_ACS:
		/* without egress control; QEMU's ACS has none */
		return c[pos + 4] & 0x20 ? -1 : 8;
	case PCI_EXT_CAP_ID_VC:
	case PCI_EXT_CAP_ID_VC9:
	case PCI_EXT_CAP_ID_MFVC:
	case PCI_EXT_CAP_ID_REBAR:
	case PCI_EXT_CAP_ID_DPA:
	case PCI_EXT_CAP_ID_TPH:
		return -1;	/* visible, length not checked here */
	default:
		return 0;
	}
}

/* The visible standard capabilities 6.1 derives from hardware @c. */
static int std_expected(const uint8_t *c, struct cap *caps)
{
	int pos = c[PCI_CAPABILITY_LIST], ttl = 48, n = 0;

	if (!(le_get(c + PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	while (pos >= PCI_STD_HEADER_SIZEOF && ttl-- > 0 && n < MAX_CAPS) {
		int len;

		pos &= ~3;
		len = std_cap_len(c, c[pos], pos);
		if (len) {
			caps[n].pos = pos;
			caps[n].id = c[pos];
			caps[n].len = len;
			n++;
		}
		pos = c[pos + PCI_CAP_LIST_NEXT];
	}
	return n;
}

/* The visible extended capabilities 6.1 derives from hardware @c. */
static int ext_expected(const uint8_t *c, unsigned int size, struct cap *caps)
{
	int pos = STD_SIZE, ttl = (size - STD_SIZE) / 4, n = 0;

	while (pos >= STD_SIZE && pos + 4 <= (int)size && ttl-- > 0 &&
	       n < MAX_CAPS) {
		uint32_t hdr = le_get(c + pos, 4);
		int len = ext_cap_len(c, hdr & 0xffff, pos);

		if (len) {
			caps[n].pos = pos;
			caps[n].id = hdr & 0xffff;
			caps[n].len = len;
			n++;
		}
		pos = hdr >> 20;
	}
	return n;
}

/* Walk a virtual standard chain: -1 on a malformed one. */
static int std_walk(const uint8_t *v, struct cap *caps)
{
	uint8_t seen[STD_SIZE] = { 0 };
	int pos = v[PCI_CAPABILITY_LIST], n = 0;

	if (!(le_get(v + PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	while (pos) {
		if (pos < PCI_STD_HEADER_SIZEOF || (pos & 3) || seen[pos] ||
		    n == MAX_CAPS)
			return -1;
		seen[pos] = 1;
		caps[n].pos = pos;
		caps[n].id = v[pos];
		n++;
		pos = v[pos + PCI_CAP_LIST_NEXT];
	}
	return n;
}

static int ext_walk(const uint8_t *v, unsigned int size, struct cap *caps)
{
	static uint8_t seen[CFG_MAX];
	int pos = STD_SIZE, n = 0;

	memset(seen, 0, sizeof(seen));
	if (size <= STD_SIZE || !le_get(v + STD_SIZE, 4))
		return 0;
	while (pos) {
		uint32_t hdr;

		if (pos < STD_SIZE || pos + 4 > (int)size || (pos & 3) ||
		    seen[pos] || n == MAX_CAPS)
			return -1;
		seen[pos] = 1;
		hdr = le_get(v + pos, 4);
		caps[n].pos = pos;
		caps[n].id = hdr & 0xffff;
		n++;
		pos = hdr >> 20;
	}
	return n;
}

/* Offset of the visible capability @id in the virtual chain, or 0. */
static int find_cap(struct cfgdev *self, int id, bool ext)
{
	struct cap caps[MAX_CAPS];
	int i, n;

	n = ext ? ext_walk(self->v, self->size, caps) : std_walk(self->v, caps);
	for (i = 0; i < n; i++)
		if (caps[i].id == id)
			return caps[i].pos;
	return 0;
}

/* The bits of [off, off + len) the hardware takes, probed and restored. */
static uint32_t hw_writable(struct cfgdev *self, int off, int len)
{
	uint32_t before, after;

	if (h_read(self, off, len, &before) ||
	    h_write(self, off, len, ~before & len_mask(len)) ||
	    h_read(self, off, len, &after))
		return 0;
	h_write(self, off, len, before);
	return (before ^ after) & len_mask(len);
}

/* Read-only: the inverse written through vfio changes nothing. */
static void check_ro(struct __test_metadata *_metadata,
		     struct cfgdev *self, const char *what, int off,
		     int len)
{
	uint32_t v0, h0, v1, h1, hwmask = hw_writable(self, off, len);

	ASSERT_EQ(0, v_read(self, off, len, &v0));
	ASSERT_EQ(0, h_read(self, off, len, &h0));
	ASSERT_EQ(0, v_write(self, off, len, ~v0 & len_mask(len)))
		TH_LOG("%s: write", what);
	ASSERT_EQ(0, v_read(self, off, len, &v1));
	ASSERT_EQ(0, h_read(self, off, len, &h1));
	EXPECT_EQ(v0, v1) TH_LOG("%s at 0x%x changed", what, off);
	EXPECT_EQ(h0, h1) TH_LOG("%s at 0x%x reached the hardware (it takes 0x%x)",
				 what, off, hwmask);
	if (h1 != h0)
		h_write(self, off, len, h0);
	fprintf(stderr, "# %s at 0x%x: read-only (hardware takes 0x%x)\n",
		what, off, hwmask);
}

/* Virtual: @mask flipped reads back, the hardware keeps its value. */
static void check_virt(struct __test_metadata *_metadata,
		       struct cfgdev *self, const char *what, int off,
		       int len, uint32_t mask)
{
	uint32_t v0, h0, v1, h1;

	ASSERT_EQ(0, v_read(self, off, len, &v0));
	ASSERT_EQ(0, h_read(self, off, len, &h0));
	ASSERT_EQ(0, v_write(self, off, len, v0 ^ mask));
	ASSERT_EQ(0, v_read(self, off, len, &v1));
	ASSERT_EQ(0, h_read(self, off, len, &h1));
	EXPECT_EQ((v0 ^ mask) & mask, v1 & mask)
		TH_LOG("%s at 0x%x: wrote 0x%x, read 0x%x", what, off,
		       v0 ^ mask, v1);
	EXPECT_EQ(h0 & mask, h1 & mask)
		TH_LOG("%s at 0x%x reached the hardware", what, off);
	ASSERT_EQ(0, v_write(self, off, len, v0));
	ASSERT_EQ(0, v_read(self, off, len, &v1));
	EXPECT_EQ(v0, v1) TH_LOG("%s at 0x%x not restored", what, off);
}

/*
 * Raw: the bits of @mask the hardware takes (probed through sysfs; none
 * is a skip of this check, logged) reach the hardware when written
 * through vfio, and read back from it.
 */
static void check_raw(struct __test_metadata *_metadata,
		      struct cfgdev *self, const char *what, int off,
		      int len, uint32_t mask)
{
	uint32_t v0, h0, v1, h1, hwmask = hw_writable(self, off, len);

	fprintf(stderr, "# %s at 0x%x: raw 0x%x, hardware takes 0x%x\n",
		what, off, mask, hwmask);
	mask &= hwmask;
	if (!mask)
		return;
	ASSERT_EQ(0, v_read(self, off, len, &v0));
	ASSERT_EQ(0, h_read(self, off, len, &h0));
	ASSERT_EQ(0, v_write(self, off, len, v0 ^ mask));
	ASSERT_EQ(0, v_read(self, off, len, &v1));
	ASSERT_EQ(0, h_read(self, off, len, &h1));
	EXPECT_EQ((h0 ^ mask) & mask, h1 & mask)
		TH_LOG("%s at 0x%x did not reach the hardware", what, off);
	EXPECT_EQ(h1 & mask, v1 & mask)
		TH_LOG("%s at 0x%x does not read the hardware", what, off);
	ASSERT_EQ(0, v_write(self, off, len, v0));
	ASSERT_EQ(0, h_read(self, off, len, &h1));
	EXPECT_EQ(h0 & mask, h1 & mask)
		TH_LOG("%s at 0x%x not restored", what, off);
}

FIXTURE_SETUP(cfg)
{
	struct edu_location loc;
	char path[512], why[512];
	const char *step;
	ssize_t n;
	int ret;

	vfio_session_init(&self->d.s);
	self->d.hw = -1;
	if (vfio_pci_find(variant->vendor, variant->device, variant->label,
			  &loc, why, sizeof(why)))
		SKIP(return, "%s", why);
	ret = vfio_session_open(&self->d.s, &loc, true, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
	ret = vfio_region_get_info(self->d.s.device,
				   VFIO_PCI_CONFIG_REGION_INDEX, &self->d.ri);
	ASSERT_EQ(0, ret) TH_LOG("config region info: %s", strerror(-ret));
	ASSERT_TRUE(self->d.ri.size == STD_SIZE || self->d.ri.size == CFG_MAX);
	self->d.size = self->d.ri.size;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", loc.bdf);
	self->d.hw = open(path, O_RDWR);
	ASSERT_LE(0, self->d.hw) TH_LOG("%s: %s", path, strerror(errno));
	n = pread(self->d.hw, self->d.h, self->d.size, 0);
	ASSERT_EQ((ssize_t)self->d.size, n) TH_LOG("%s: short read", path);
	ret = vfio_region_read(self->d.s.device, &self->d.ri, 0, self->d.v,
			       self->d.size);
	ASSERT_EQ(0, ret) TH_LOG("config region read: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(cfg)
{
	if (self->d.hw >= 0)
		close(self->d.hw);
	vfio_session_close(&self->d.s);
}

/* The standard chain: what 6.1 shows, well formed, IDs as the hardware. */
TEST_F(cfg, std_chain)
{
	struct cap want[MAX_CAPS], got[MAX_CAPS];
	int nw, ng, i;

	RETURN_IF_SETUP_SKIPPED();
	nw = std_expected(self->d.h, want);
	ng = std_walk(self->d.v, got);
	ASSERT_LE(0, ng) TH_LOG("malformed virtual capability chain");
	for (i = 0; i < nw; i++)
		fprintf(stderr, "# %s: cap 0x%02x at 0x%02x, %d bytes\n",
			variant->label, want[i].id, want[i].pos, want[i].len);
	ASSERT_EQ(nw, ng);
	for (i = 0; i < ng; i++) {
		EXPECT_EQ(want[i].pos, got[i].pos);
		EXPECT_EQ(want[i].id, got[i].id);
	}
	/* the status bit says whether there is a chain at all */
	EXPECT_EQ(nw > 0, !!(le_get(self->d.v + PCI_STATUS, 2) &
			     PCI_STATUS_CAP_LIST));
	if (!strcmp(variant->label, "e1000e")) {
		EXPECT_NE(0, find_cap(&self->d, PCI_CAP_ID_EXP, false));
		EXPECT_NE(0, find_cap(&self->d, PCI_CAP_ID_MSIX, false));
		EXPECT_NE(0, find_cap(&self->d, PCI_CAP_ID_MSI, false));
		EXPECT_NE(0, find_cap(&self->d, PCI_CAP_ID_PM, false));
	}
	if (!strcmp(variant->label, "edu"))
		EXPECT_NE(0, find_cap(&self->d, PCI_CAP_ID_MSI, false));
}

/* The extended chain, on PCIe devices. */
TEST_F(cfg, ext_chain)
{
	struct cap want[MAX_CAPS], got[MAX_CAPS];
	int nw, ng, i;

	RETURN_IF_SETUP_SKIPPED();
	if (self->d.size <= STD_SIZE || !find_cap(&self->d, PCI_CAP_ID_EXP, false))
		SKIP(return, "%s: no extended config space", variant->label);
	nw = le_get(self->d.h + STD_SIZE, 4) ?
	     ext_expected(self->d.h, self->d.size, want) : 0;
	ng = ext_walk(self->d.v, self->d.size, got);
	ASSERT_LE(0, ng) TH_LOG("malformed virtual extended chain");
	for (i = 0; i < nw; i++)
		fprintf(stderr, "# %s: ecap 0x%04x at 0x%03x, %d bytes\n",
			variant->label, want[i].id, want[i].pos, want[i].len);
	ASSERT_EQ(nw, ng);
	for (i = 0; i < ng; i++) {
		uint32_t hv = le_get(self->d.h + got[i].pos, 4);
		uint32_t vv = le_get(self->d.v + got[i].pos, 4);

		EXPECT_EQ(want[i].pos, got[i].pos);
		EXPECT_EQ(want[i].id, got[i].id);
		/* ID and version as the hardware has them */
		EXPECT_EQ(hv & 0xfffff, vv & 0xfffff);
	}
	if (!strcmp(variant->label, "e1000e"))
		EXPECT_NE(0, find_cap(&self->d, PCI_EXT_CAP_ID_ERR, true));
}

TEST_F(cfg, header)
{
	uint32_t v;

	RETURN_IF_SETUP_SKIPPED();
	check_ro(_metadata, &self->d, "vendor/device", PCI_VENDOR_ID, 4);
	check_ro(_metadata, &self->d, "revision/class", PCI_REVISION_ID, 4);
	check_ro(_metadata, &self->d, "subsystem", PCI_SUBSYSTEM_VENDOR_ID, 4);
	check_ro(_metadata, &self->d, "status", PCI_STATUS, 2);
	check_ro(_metadata, &self->d, "interrupt pin", PCI_INTERRUPT_PIN, 1);
	check_ro(_metadata, &self->d, "capability pointer", PCI_CAPABILITY_LIST,
		 1);
	check_virt(_metadata, &self->d, "interrupt line", PCI_INTERRUPT_LINE, 1,
		   0x5a);
	check_raw(_metadata, &self->d, "cache line size", PCI_CACHE_LINE_SIZE, 1,
		  0x10);
	check_raw(_metadata, &self->d, "bus master", PCI_COMMAND, 2,
		  PCI_COMMAND_MASTER);

	/* DisINTx is emulated: the user's value reads back */
	ASSERT_EQ(0, v_read(&self->d, PCI_COMMAND, 2, &v));
	ASSERT_EQ(0, v_write(&self->d, PCI_COMMAND, 2,
			     v ^ PCI_COMMAND_INTX_DISABLE));
	ASSERT_EQ(0, v_read(&self->d, PCI_COMMAND, 2, &v));
	EXPECT_EQ(!(self->d.v[PCI_COMMAND + 1] & 0x4),
		  !!(v & PCI_COMMAND_INTX_DISABLE));
	ASSERT_EQ(0, v_write(&self->d, PCI_COMMAND, 2,
			     v ^ PCI_COMMAND_INTX_DISABLE));
}

TEST_F(cfg, pm)
{
	struct vfio_region_info bar;
	uint32_t v, h = 0, w;
	int pos;

	RETURN_IF_SETUP_SKIPPED();
	pos = find_cap(&self->d, PCI_CAP_ID_PM, false);
	if (!pos)
		SKIP(return, "%s: no PM capability", variant->label);

	/* PME is not the user's: support and status/enable read 0 */
	ASSERT_EQ(0, v_read(&self->d, pos + PCI_PM_PMC, 2, &v));
	EXPECT_EQ(0, v & PCI_PM_CAP_PME_MASK);
	check_ro(_metadata, &self->d, "PM capabilities", pos + PCI_PM_PMC, 2);
	ASSERT_EQ(0, v_read(&self->d, pos + PCI_PM_CTRL, 2, &v));
	EXPECT_EQ(0, v & (PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS));
	ASSERT_EQ(0, v_write(&self->d, pos + PCI_PM_CTRL, 2,
			     v | PCI_PM_CTRL_PME_ENABLE));
	ASSERT_EQ(0, v_read(&self->d, pos + PCI_PM_CTRL, 2, &v));
	EXPECT_EQ(0, v & PCI_PM_CTRL_PME_ENABLE);

	/*
	 * The power state written moves the function there (the hardware
	 * shows it), and BAR0 is out of reach in D3hot; back to D0.
	 */
	ASSERT_EQ(0, vfio_pci_set_command(self->d.s.device, PCI_COMMAND_MEMORY));
	ASSERT_EQ(0, vfio_region_get_info(self->d.s.device,
					  VFIO_PCI_BAR0_REGION_INDEX, &bar));
	ASSERT_EQ(0, vfio_region_read(self->d.s.device, &bar, 0, &w,
				      sizeof(w)));
	EXPECT_EQ(0, v & PCI_PM_CTRL_STATE_MASK);
	ASSERT_EQ(0, v_write(&self->d, pos + PCI_PM_CTRL, 2, v | 3));
	ASSERT_EQ(0, v_read(&self->d, pos + PCI_PM_CTRL, 2, &v));
	EXPECT_EQ(3, v & PCI_PM_CTRL_STATE_MASK);
	ASSERT_EQ(0, h_read(&self->d, pos + PCI_PM_CTRL, 2, &h));
	EXPECT_EQ(3, h & PCI_PM_CTRL_STATE_MASK) TH_LOG("not in D3hot");
	EXPECT_EQ(-EIO, vfio_region_read(self->d.s.device, &bar, 0, &w,
					 sizeof(w)));
	ASSERT_EQ(0, v_write(&self->d, pos + PCI_PM_CTRL, 2,
			     v & ~PCI_PM_CTRL_STATE_MASK));
	ASSERT_EQ(0, v_read(&self->d, pos + PCI_PM_CTRL, 2, &v));
	EXPECT_EQ(0, v & PCI_PM_CTRL_STATE_MASK);
	ASSERT_EQ(0, h_read(&self->d, pos + PCI_PM_CTRL, 2, &v));
	EXPECT_EQ(0, v & PCI_PM_CTRL_STATE_MASK);
	EXPECT_EQ(0, vfio_region_read(self->d.s.device, &bar, 0, &w,
				      sizeof(w)));
}

TEST_F(cfg, msi)
{
	int pos, data;
	uint32_t flags;

	RETURN_IF_SETUP_SKIPPED();
	pos = find_cap(&self->d, PCI_CAP_ID_MSI, false);
	if (!pos)
		SKIP(return, "%s: no MSI capability", variant->label);
	ASSERT_EQ(0, v_read(&self->d, pos + PCI_MSI_FLAGS, 2, &flags));
	/* the user starts with MSI off */
	EXPECT_EQ(0, flags & PCI_MSI_FLAGS_ENABLE);
	check_ro(_metadata, &self->d, "MSI id", pos, 1);
	check_virt(_metadata, &self->d, "MSI address", pos + PCI_MSI_ADDRESS_LO,
		   4, 0x0ff00ff0);
	data = flags & PCI_MSI_FLAGS_64BIT ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
	check_virt(_metadata, &self->d, "MSI data", pos + data, 2, 0x5aa5);
	if (flags & PCI_MSI_FLAGS_64BIT)
		check_virt(_metadata, &self->d, "MSI address high",
			   pos + PCI_MSI_ADDRESS_HI, 4, 0x1);
}

TEST_F(cfg, msix)
{
	int pos;

	RETURN_IF_SETUP_SKIPPED();
	pos = find_cap(&self->d, PCI_CAP_ID_MSIX, false);
	if (!pos)
		SKIP(return, "%s: no MSI-X capability", variant->label);
	check_ro(_metadata, &self->d, "MSI-X control", pos + PCI_MSIX_FLAGS, 2);
	check_ro(_metadata, &self->d, "MSI-X table", pos + PCI_MSIX_TABLE, 4);
	check_ro(_metadata, &self->d, "MSI-X PBA", pos + PCI_MSIX_PBA, 4);
}

TEST_F(cfg, pcie)
{
	uint32_t devcap = 0, ctl, v;
	int pos, len;

	RETURN_IF_SETUP_SKIPPED();
	pos = find_cap(&self->d, PCI_CAP_ID_EXP, false);
	if (!pos)
		SKIP(return, "%s: no PCIe capability", variant->label);
	len = std_cap_len(self->d.h, PCI_CAP_ID_EXP, pos);

	check_ro(_metadata, &self->d, "PCIe flags", pos + PCI_EXP_FLAGS, 2);
	check_ro(_metadata, &self->d, "PCIe device capabilities",
		 pos + PCI_EXP_DEVCAP, 4);
	check_ro(_metadata, &self->d, "PCIe device status", pos + PCI_EXP_DEVSTA,
		 2);
	/* a root-complex integrated endpoint has no link registers */
	if (len >= PCI_EXP_LNKCTL + 2) {
		check_ro(_metadata, &self->d, "PCIe link capabilities",
			 pos + PCI_EXP_LNKCAP, 4);
		check_ro(_metadata, &self->d, "PCIe link control",
			 pos + PCI_EXP_LNKCTL, 2);
	}

	/* MPS: virtual (it must match the fabric) */
	check_virt(_metadata, &self->d, "PCIe MPS", pos + PCI_EXP_DEVCTL, 2,
		   0x0020);
	/* the rest of DEVCTL but phantom functions reaches the hardware */
	check_raw(_metadata, &self->d, "PCIe DEVCTL", pos + PCI_EXP_DEVCTL, 2,
		  0xffff & ~(PCI_EXP_DEVCTL_PHANTOM | PCI_EXP_DEVCTL_PAYLOAD |
			     PCI_EXP_DEVCTL_READRQ | PCI_EXP_DEVCTL_BCR_FLR));
	/* MRRS: the user's value reads back */
	ASSERT_EQ(0, v_read(&self->d, pos + PCI_EXP_DEVCTL, 2, &ctl));
	ASSERT_EQ(0, v_write(&self->d, pos + PCI_EXP_DEVCTL, 2,
			     ctl ^ 0x1000));
	ASSERT_EQ(0, v_read(&self->d, pos + PCI_EXP_DEVCTL, 2, &v));
	EXPECT_EQ((ctl ^ 0x1000) & PCI_EXP_DEVCTL_READRQ,
		  v & PCI_EXP_DEVCTL_READRQ);
	ASSERT_EQ(0, v_write(&self->d, pos + PCI_EXP_DEVCTL, 2, ctl));

	/* FLR reads 0; only asked for where it cannot reset the device */
	ASSERT_EQ(0, h_read(&self->d, pos + PCI_EXP_DEVCAP, 4, &devcap));
	if (!(devcap & PCI_EXP_DEVCAP_FLR)) {
		ASSERT_EQ(0, v_write(&self->d, pos + PCI_EXP_DEVCTL, 2,
				     ctl | PCI_EXP_DEVCTL_BCR_FLR));
		ASSERT_EQ(0, v_read(&self->d, pos + PCI_EXP_DEVCTL, 2, &v));
		EXPECT_EQ(0, v & PCI_EXP_DEVCTL_BCR_FLR);
		EXPECT_EQ(ctl, v);
	}
	if (len > PCI_EXP_DEVCTL2 + 2)
		check_ro(_metadata, &self->d, "PCIe device capabilities 2",
			 pos + PCI_EXP_DEVCAP2, 4);
}

TEST_F(cfg, aer_dsn)
{
	int pos;

	RETURN_IF_SETUP_SKIPPED();
	pos = find_cap(&self->d, PCI_EXT_CAP_ID_ERR, true);
	if (!pos)
		SKIP(return, "%s: no AER capability", variant->label);
	check_ro(_metadata, &self->d, "AER header", pos, 4);
	check_raw(_metadata, &self->d, "AER uncorrectable mask",
		  pos + PCI_ERR_UNCOR_MASK, 4, AER_UNC_WRITABLE);
	check_raw(_metadata, &self->d, "AER uncorrectable severity",
		  pos + PCI_ERR_UNCOR_SEVER, 4, AER_UNC_WRITABLE);
	check_raw(_metadata, &self->d, "AER correctable mask",
		  pos + PCI_ERR_COR_MASK, 4, AER_COR_WRITABLE);
	check_raw(_metadata, &self->d, "AER ECRC enables", pos + PCI_ERR_CAP,
		  4, PCI_ERR_CAP_ECRC_GENE | PCI_ERR_CAP_ECRC_CHKE);
	check_ro(_metadata, &self->d, "AER header log", pos + PCI_ERR_HEADER_LOG,
		 4);
	pos = find_cap(&self->d, PCI_EXT_CAP_ID_DSN, true);
	if (pos) {
		check_ro(_metadata, &self->d, "DSN header", pos, 4);
		check_ro(_metadata, &self->d, "DSN", pos + 4, 4);
	}
}

/* Bytes no visible capability covers read the hardware. */
TEST_F(cfg, gaps_raw)
{
	static uint8_t covered[CFG_MAX];
	struct cap caps[MAX_CAPS];
	int n, i, j, checked = 0;

	RETURN_IF_SETUP_SKIPPED();
	memset(covered, 0, sizeof(covered));
	memset(covered, 1, PCI_STD_HEADER_SIZEOF);
	n = std_expected(self->d.h, caps);
	for (i = 0; i < n; i++)
		for (j = 0; j < caps[i].len && caps[i].pos + j < STD_SIZE; j++)
			covered[caps[i].pos + j] = 1;
	if (find_cap(&self->d, PCI_CAP_ID_EXP, false) && self->d.size > STD_SIZE &&
	    le_get(self->d.h + STD_SIZE, 4)) {
		/* the chain's start: a capability, or 6.1's anchor */
		memset(covered + STD_SIZE, 1, 4);
		n = ext_expected(self->d.h, self->d.size, caps);
		for (i = 0; i < n; i++) {
			int len = caps[i].len < 0 ? (int)self->d.size : caps[i].len;

			for (j = 0; j < len && caps[i].pos + j < (int)self->d.size;
			     j++)
				covered[caps[i].pos + j] = 1;
		}
	}
	for (i = 0; i < (int)self->d.size; i++) {
		if (covered[i])
			continue;
		EXPECT_EQ(self->d.h[i], self->d.v[i])
			TH_LOG("%s: byte 0x%x: virtual 0x%x, hardware 0x%x",
			       variant->label, i, self->d.v[i], self->d.h[i]);
		checked++;
	}
	fprintf(stderr, "# %s: %d bytes outside the visible capabilities\n",
		variant->label, checked);
	EXPECT_LT(0, checked);
}

/*
 * A device that lost its BARs behind our back (a reset clears them and
 * the command register) gets them back when the user turns memory
 * decoding on again, as 6.1 does; so does one whose BAR register merely
 * changed while decoding stayed on.
 */
TEST_F(cfg, bar_restore)
{
	const int pos = PCI_BASE_ADDRESS_0;
	uint32_t bar0, hcmd = 0, vcmd = 0, v = 0;

	RETURN_IF_SETUP_SKIPPED();
	bar0 = le_get(self->d.h + pos, 4);
	ASSERT_NE(0, bar0 & PCI_BASE_ADDRESS_MEM_MASK);
	ASSERT_EQ(0, bar0 & PCI_BASE_ADDRESS_SPACE_IO)
		TH_LOG("%s: BAR0 is not a memory BAR", variant->label);
	ASSERT_EQ(0, vfio_pci_set_command(self->d.s.device,
					  PCI_COMMAND_MEMORY));
	ASSERT_EQ(0, v_read(&self->d, PCI_COMMAND, 2, &vcmd));
	ASSERT_TRUE(vcmd & PCI_COMMAND_MEMORY);
	ASSERT_EQ(0, h_read(&self->d, PCI_COMMAND, 2, &hcmd));
	ASSERT_TRUE(hcmd & PCI_COMMAND_MEMORY);

	/* as after a reset: decoding off, BAR cleared */
	ASSERT_EQ(0, h_write(&self->d, PCI_COMMAND, 2,
			     hcmd & ~PCI_COMMAND_MEMORY));
	ASSERT_EQ(0, h_write(&self->d, pos, 4, 0));
	ASSERT_EQ(0, v_write(&self->d, PCI_COMMAND, 2, vcmd));
	ASSERT_EQ(0, h_read(&self->d, pos, 4, &v));
	EXPECT_EQ(bar0, v) TH_LOG("BAR0 not restored after a reset");
	ASSERT_EQ(0, h_read(&self->d, PCI_COMMAND, 2, &v));
	EXPECT_TRUE(v & PCI_COMMAND_MEMORY);

	/* BAR moved while decoding stayed on (address 0: outside the hole) */
	ASSERT_EQ(0, h_write(&self->d, pos, 4, 0));
	ASSERT_EQ(0, v_write(&self->d, PCI_COMMAND, 2, vcmd));
	ASSERT_EQ(0, h_read(&self->d, pos, 4, &v));
	EXPECT_EQ(bar0, v) TH_LOG("a changed BAR0 was not restored");

	if (!strcmp(variant->label, "edu")) {
		struct vfio_region_info bi;
		uint32_t id = 0;

		ASSERT_EQ(0, vfio_region_get_info(self->d.s.device,
						  VFIO_PCI_BAR0_REGION_INDEX,
						  &bi));
		ASSERT_EQ(0, vfio_region_read(self->d.s.device, &bi,
					      EDU_REG_ID, &id, sizeof(id)));
		EXPECT_EQ(EDU_ID_VALUE, id);
	}

	/* whatever happened above, leave the hardware as it was */
	h_write(&self->d, pos, 4, bar0);
	h_write(&self->d, PCI_COMMAND, 2, hcmd);
}

TEST_HARNESS_MAIN
