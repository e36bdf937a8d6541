// SPDX-License-Identifier: GPL-2.0-only
/*
 * Binding devices to the pci_driver "vfio-pci", as 6.1 allows it:
 *   driver_override  to vfio-pci and back to a host driver (ICH9's SMBus
 *                    function and i2c-i801, shipped in /lib/testmods);
 *                    vfio-pci manages DMA ownership itself
 *                    (driver_managed_dma), so its probe succeeds on a
 *                    function whose group has a host driver too;
 *   new_id/remove_id vfio-pci takes an unbound e1000 once its id is added
 *                    (no driver_override), and no longer once removed;
 *   header types     a PCIe root port (type 1 header) is refused;
 *   parameters       the module parameters' sysfs modes as 6.1's (ids=
 *                    is not in sysfs; disable_denylist is read-only).
 * Loading vfio-pci with ids= or disable_denylist=1 needs a module reload
 * that would take the devices of every other test away: not tested here.
 * Every binding changed is put back as the testbed made it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define VFIO_DRV	"/sys/bus/pci/drivers/vfio-pci"
#define PARAMS		"/sys/module/vfio_pci/parameters"

#define ICH9_LPC	"0000:00:1f.0"
#define ICH9_SMBUS	"0000:00:1f.3"
#define I801_DRIVER	"i801_smbus"
#define I801_KO		"i2c-i801.ko"

/* QEMU's pcie-root-port */
#define RP_VENDOR	0x1b36
#define RP_DEVICE	0x000c

/* Writes @val to @path; 0 or the errno of the write. */
static int write_attr(const char *path, const char *val)
{
	return -sysfs_write_str(path, val);
}

static bool bound_to(const char *bdf, const char *driver)
{
	char now[64];

	return !pci_driver_name(bdf, now, sizeof(now)) && !strcmp(now, driver);
}

/* Puts @bdf back on @driver ("" for none), driver_override cleared. */
static void restore_driver(const char *bdf, const char *driver)
{
	pci_unbind(bdf);
	pci_set_override(bdf, NULL);
	if (driver[0])
		pci_probe(bdf);
}

/* Whether the group of @bdf (bound to vfio-pci) can be used at all. */
static int group_open_close(const char *bdf)
{
	struct edu_location loc;
	struct vfio_session s;
	const char *step;
	int ret;

	snprintf(loc.bdf, sizeof(loc.bdf), "%s", bdf);
	loc.group_id = pci_iommu_group(bdf);
	if (loc.group_id < 0)
		return loc.group_id;
	ret = vfio_session_open(&s, &loc, true, &step);
	vfio_session_close(&s);
	return ret;
}

FIXTURE(smbus) {
	char orig_smbus[64], orig_lpc[64];
	bool touched;
};

FIXTURE_SETUP(smbus)
{
	int ret;

	self->touched = false;
	if (pci_driver_name(ICH9_SMBUS, self->orig_smbus,
			    sizeof(self->orig_smbus)) ||
	    pci_driver_name(ICH9_LPC, self->orig_lpc, sizeof(self->orig_lpc)))
		SKIP(return, "no ICH9 functions (not a q35 guest?)");
	ret = testmod_load(I801_KO);
	if (ret)
		SKIP(return, "cannot load %s: %s", I801_KO, strerror(-ret));
	self->touched = true;
	ret = pci_bind(ICH9_SMBUS, I801_DRIVER);
	ASSERT_EQ(0, ret) TH_LOG("bind %s to %s: %s", ICH9_SMBUS, I801_DRIVER,
				 strerror(-ret));
}

FIXTURE_TEARDOWN(smbus)
{
	if (!self->touched)
		return;
	restore_driver(ICH9_SMBUS, self->orig_smbus);
	restore_driver(ICH9_LPC, self->orig_lpc);
}

/* i801_smbus -> vfio-pci -> i801_smbus, by driver_override alone. */
TEST_F(smbus, override_round_trip)
{
	char path[256];

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, pci_bind(ICH9_SMBUS, "vfio-pci"));
	snprintf(path, sizeof(path), VFIO_DRV "/%s", ICH9_SMBUS);
	EXPECT_EQ(0, access(path, F_OK));
	/* the override keeps the host driver off at the next probe */
	ASSERT_EQ(0, pci_unbind(ICH9_SMBUS));
	pci_probe(ICH9_SMBUS);
	EXPECT_TRUE(bound_to(ICH9_SMBUS, "vfio-pci"));

	ASSERT_EQ(0, pci_bind(ICH9_SMBUS, I801_DRIVER));
	EXPECT_NE(0, access(path, F_OK));
	ASSERT_EQ(0, pci_bind(ICH9_SMBUS, "vfio-pci"));
	ASSERT_EQ(0, pci_bind(ICH9_SMBUS, I801_DRIVER));
}

/*
 * driver_managed_dma: vfio-pci binds 00:1f.0 while i2c-i801 drives
 * 00:1f.3 of the same group (only using the group needs every function
 * free: EPERM, as vfio_viability_test checks in depth).
 */
TEST_F(smbus, bind_beside_host_driver)
{
	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(pci_iommu_group(ICH9_LPC), pci_iommu_group(ICH9_SMBUS));
	ASSERT_TRUE(bound_to(ICH9_SMBUS, I801_DRIVER));
	ASSERT_EQ(0, pci_bind(ICH9_LPC, "vfio-pci"));
	EXPECT_TRUE(bound_to(ICH9_SMBUS, I801_DRIVER));
	EXPECT_EQ(-EPERM, group_open_close(ICH9_LPC));
}

/* An e1000 taken off vfio-pci, override cleared: unbound. */
FIXTURE(newid) {
	struct edu_location nic;
	bool id_added;
};

FIXTURE_SETUP(newid)
{
	char why[512];

	self->id_added = false;
	self->nic.bdf[0] = '\0';
	if (vfio_pci_find(0x8086, 0x100e, "e1000", &self->nic, why,
			  sizeof(why)))
		SKIP(return, "%s", why);
	ASSERT_EQ(0, pci_unbind(self->nic.bdf));
	ASSERT_EQ(0, pci_set_override(self->nic.bdf, NULL));
	pci_probe(self->nic.bdf);
	/* with no e1000 driver in the guest, nothing takes it */
	ASSERT_TRUE(bound_to(self->nic.bdf, ""));
}

FIXTURE_TEARDOWN(newid)
{
	if (self->id_added)
		sysfs_write_str(VFIO_DRV "/remove_id", "8086 100e");
	if (self->nic.bdf[0])
		pci_bind(self->nic.bdf, "vfio-pci");
}

TEST_F(newid, new_id_then_remove_id)
{
	RETURN_IF_SETUP_SKIPPED();
	/* adding the id binds every unbound device with it at once */
	ASSERT_EQ(0, write_attr(VFIO_DRV "/new_id", "8086 100e"));
	self->id_added = true;
	EXPECT_TRUE(bound_to(self->nic.bdf, "vfio-pci"));
	EXPECT_EQ(0, group_open_close(self->nic.bdf));
	EXPECT_EQ(EEXIST, write_attr(VFIO_DRV "/new_id", "8086 100e"));

	/* removing it unbinds nothing, but the next probe no longer matches */
	ASSERT_EQ(0, write_attr(VFIO_DRV "/remove_id", "8086 100e"));
	self->id_added = false;
	EXPECT_TRUE(bound_to(self->nic.bdf, "vfio-pci"));
	EXPECT_EQ(ENODEV, write_attr(VFIO_DRV "/remove_id", "8086 100e"));
	ASSERT_EQ(0, pci_unbind(self->nic.bdf));
	pci_probe(self->nic.bdf);
	EXPECT_TRUE(bound_to(self->nic.bdf, ""));
}

/*
 * The ids= parameter (read when vfio-pci loads) binds every unbound
 * device with one of the IDs, as new_id does; reloaded without it, the
 * e1000 stays unbound.  The teardown puts it back on vfio-pci.
 */
TEST_F(newid, ids_parameter)
{
	struct stat st;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	if (stat(VFIO_PCI_KO, &st))
		SKIP(return, "no %s to reload", VFIO_PCI_KO);
	ret = vfio_pci_reload("ids=8086:100e");
	if (ret == -EBUSY || ret == -EWOULDBLOCK)
		SKIP(return, "vfio-pci is in use: %s", strerror(-ret));
	ASSERT_EQ(0, ret) TH_LOG("load with ids=: %s", strerror(-ret));
	EXPECT_TRUE(bound_to(self->nic.bdf, "vfio-pci"));
	EXPECT_EQ(0, group_open_close(self->nic.bdf));

	ret = vfio_pci_reload("");
	ASSERT_EQ(0, ret) TH_LOG("reload: %s", strerror(-ret));
	EXPECT_TRUE(bound_to(self->nic.bdf, ""));
}

TEST_F(newid, bad_ids)
{
	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(EINVAL, write_attr(VFIO_DRV "/new_id", "zzzz"));
	EXPECT_EQ(EINVAL, write_attr(VFIO_DRV "/remove_id", "zzzz"));
	EXPECT_TRUE(bound_to(self->nic.bdf, ""));
}

/* The PCIe root port above the nvme, its driver at setup (pcieport). */
FIXTURE(bridge) {
	char bdf[64], orig[64], nvme[64];
	bool touched;
};

FIXTURE_SETUP(bridge)
{
	uint8_t hdr;
	char path[256];
	int fd;

	self->touched = false;
	if (pci_find_any(RP_VENDOR, RP_DEVICE, self->bdf, sizeof(self->bdf)))
		SKIP(return, "no pcie-root-port (%04x:%04x)", RP_VENDOR,
		     RP_DEVICE);
	ASSERT_EQ(0, pci_driver_name(self->bdf, self->orig,
				     sizeof(self->orig)));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config",
		 self->bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, pread(fd, &hdr, 1, 0x0e));
	close(fd);
	ASSERT_EQ(1, hdr & 0x7f) TH_LOG("%s header type %u", self->bdf, hdr);
	if (pci_find_any(0x1b36, 0x0010, self->nvme, sizeof(self->nvme)))
		self->nvme[0] = '\0';
	self->touched = true;
}

FIXTURE_TEARDOWN(bridge)
{
	if (self->touched)
		restore_driver(self->bdf, self->orig);
}

/*
 * vfio-pci's probe refuses a type 1 header with EINVAL, which the
 * driver's bind file returns; the port goes back to its own driver and
 * the nvme behind it still answers.
 */
TEST_F(bridge, type1_header_refused)
{
	char bind[] = VFIO_DRV "/bind";
	char path[256];
	long vendor;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, pci_unbind(self->bdf));
	ASSERT_EQ(0, pci_set_override(self->bdf, "vfio-pci"));
	EXPECT_EQ(EINVAL, write_attr(bind, self->bdf));
	pci_probe(self->bdf);
	EXPECT_TRUE(bound_to(self->bdf, ""));

	restore_driver(self->bdf, self->orig);
	EXPECT_TRUE(bound_to(self->bdf, self->orig));
	if (!self->nvme[0])
		return;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
		 self->nvme);
	ASSERT_EQ(0, sysfs_read_long(path, &vendor));
	EXPECT_EQ(0x1b36, vendor);
	if (bound_to(self->nvme, "vfio-pci"))
		EXPECT_EQ(0, group_open_close(self->nvme));
}

/* Parameters and their sysfs modes in 6.1; -1: not in sysfs. */
static const struct {
	const char *name;
	int mode;
} vfio_pci_params[] = {
	{ "ids", -1 },
	{ "nointxmask", 0644 },
	{ "disable_vga", 0444 },
	{ "disable_idle_d3", 0644 },
	{ "disable_denylist", 0444 },
};

TEST(parameters)
{
	char path[256];
	struct stat st;
	unsigned int i;

	if (access(PARAMS, F_OK))
		SKIP(return, "vfio_pci has no parameters in sysfs");
	for (i = 0; i < ARRAY_SIZE(vfio_pci_params); i++) {
		snprintf(path, sizeof(path), PARAMS "/%s",
			 vfio_pci_params[i].name);
		if (vfio_pci_params[i].mode < 0) {
			EXPECT_NE(0, stat(path, &st)) TH_LOG("%s", path);
			continue;
		}
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
		EXPECT_EQ(vfio_pci_params[i].mode, (int)(st.st_mode & 0777))
			TH_LOG("%s: mode 0%o", path, st.st_mode & 0777);
	}
}

/* 6.1 has enable_sriov=0644 (SR-IOV VFs of a vfio-pci PF). */
TEST(parameter_enable_sriov)
{
	struct stat st;

	ASSERT_EQ(0, stat(PARAMS "/enable_sriov", &st))
		TH_LOG("vfio_pci has no enable_sriov parameter");
	EXPECT_EQ(0644, st.st_mode & 0777);
}

/* disable_denylist: off, and not to be changed at run time. */
TEST(denylist_parameter)
{
	char val[16];

	ASSERT_EQ(0, sysfs_read_line(PARAMS "/disable_denylist", val,
				     sizeof(val)));
	EXPECT_STREQ("N", val);
	EXPECT_EQ(EACCES, write_attr(PARAMS "/disable_denylist", "Y"));
	ASSERT_EQ(0, sysfs_read_line(PARAMS "/disable_denylist", val,
				     sizeof(val)));
	EXPECT_STREQ("N", val);
}

TEST_HARNESS_MAIN
