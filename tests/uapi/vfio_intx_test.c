// SPDX-License-Identifier: GPL-2.0-only
/*
 * INTx masking with a device that keeps its line asserted: edu holds
 * INTx high from a write to its raise register until the matching ack,
 * so every unmask of a still-asserted line must fire again, and no mask
 * may let a signal through.  Checked from both sides: the trigger
 * eventfd, and the hardware's command and status registers read by the
 * host through sysfs (DisINTx, Interrupt Status).
 */
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define IRQ_BITS	0x1U
#define FIRE_MS		5000
#define QUIET_MS	300
#define NOINTXMASK	"/sys/module/vfio_pci/parameters/nointxmask"

FIXTURE(intx) {
	struct edu_location edu;
	struct vfio_session s;
	void *bar0;
	uint64_t bar0_size;
	int trigger;
};

FIXTURE_SETUP(intx)
{
	self->trigger = -1;
	EDU_FIXTURE_OPEN(&self->edu, &self->s, &self->bar0, &self->bar0_size);
	self->trigger = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->trigger);
	edu_write32(self->bar0, EDU_REG_IRQ_ACK, 0xffffffffU);
}

FIXTURE_TEARDOWN(intx)
{
	if (self->bar0 != MAP_FAILED)
		edu_write32(self->bar0, EDU_REG_IRQ_ACK, 0xffffffffU);
	edu_session_close(&self->s, &self->bar0, self->bar0_size);
	if (self->trigger >= 0)
		close(self->trigger);
}

/* SET_IRQS on INTx with one eventfd (or -1), no data, or one bool. */
static int intx_set_fd(int device, uint32_t action, int32_t fd)
{
	return vfio_irq_set_eventfds(device, VFIO_PCI_INTX_IRQ_INDEX, action,
				     0, 1, &fd);
}

static int intx_set_none(int device, uint32_t action, uint32_t start,
			 uint32_t count)
{
	return vfio_irq_set_none(device, VFIO_PCI_INTX_IRQ_INDEX, action,
				 start, count);
}

static int intx_set_bool(int device, uint32_t action, uint8_t val)
{
	return vfio_irq_set_bools(device, VFIO_PCI_INTX_IRQ_INDEX, action, 0,
				  1, &val);
}

/* The device's hardware config word at @off, read by the host; or -1. */
static int hw_config16(const char *bdf, unsigned int off)
{
	return pci_hw_config_read(bdf, off, 2);
}

static bool hw_intx_disabled(const char *bdf)
{
	int cmd = hw_config16(bdf, PCI_COMMAND);

	return cmd >= 0 && (cmd & PCI_COMMAND_INTX_DISABLE);
}

static bool hw_intx_asserted(const char *bdf)
{
	int status = hw_config16(bdf, PCI_STATUS);

	return status >= 0 && (status & PCI_STATUS_INTERRUPT);
}

/* The command register as the user sees it through the config region. */
static int user_command(int device, uint16_t *cmd)
{
	struct vfio_region_info info;
	int ret;

	ret = vfio_region_get_info(device, VFIO_PCI_CONFIG_REGION_INDEX,
				   &info);
	if (ret)
		return ret;
	return vfio_region_read(device, &info, PCI_COMMAND, cmd,
				sizeof(*cmd));
}

static int user_set_command(int device, uint16_t cmd)
{
	struct vfio_region_info info;
	int ret;

	ret = vfio_region_get_info(device, VFIO_PCI_CONFIG_REGION_INDEX,
				   &info);
	if (ret)
		return ret;
	return vfio_region_write(device, &info, PCI_COMMAND, &cmd,
				 sizeof(cmd));
}

/*
 * The handler masks the line (DisINTx in hardware) and signals once;
 * while edu keeps it asserted, nothing more arrives until an unmask,
 * and every unmask of the asserted line fires again.
 */
TEST_F(intx, automask_holds_asserted_line)
{
	int i;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, intx_set_fd(self->s.device, VFIO_IRQ_SET_ACTION_TRIGGER,
				 self->trigger));
	EXPECT_FALSE(hw_intx_disabled(self->edu.bdf))
		TH_LOG("DisINTx set in hardware before any interrupt");

	edu_write32(self->bar0, EDU_REG_IRQ_RAISE, IRQ_BITS);
	ASSERT_EQ(1, eventfd_wait_ms(self->trigger, FIRE_MS))
		TH_LOG("no INTx on the trigger eventfd");
	EXPECT_TRUE(hw_intx_asserted(self->edu.bdf));
	EXPECT_TRUE(hw_intx_disabled(self->edu.bdf))
		TH_LOG("the line is not masked in hardware after it fired");

	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, eventfd_wait_ms(self->trigger, QUIET_MS))
			TH_LOG("a masked, asserted line signalled (round %d)",
			       i);
		ASSERT_EQ(0, intx_set_none(self->s.device,
					   VFIO_IRQ_SET_ACTION_UNMASK, 0, 1));
		EXPECT_EQ(1, eventfd_wait_ms(self->trigger, FIRE_MS))
			TH_LOG("unmasking the asserted line did not fire (round %d)",
			       i);
	}

	/* acked: the next unmask leaves the line quiet and unmasked */
	edu_write32(self->bar0, EDU_REG_IRQ_ACK, IRQ_BITS);
	EXPECT_FALSE(hw_intx_asserted(self->edu.bdf));
	ASSERT_EQ(0, intx_set_none(self->s.device, VFIO_IRQ_SET_ACTION_UNMASK,
				   0, 1));
	EXPECT_EQ(0, eventfd_wait_ms(self->trigger, QUIET_MS));
	EXPECT_FALSE(hw_intx_disabled(self->edu.bdf));

	/* and it fires again on the next assertion */
	edu_write32(self->bar0, EDU_REG_IRQ_RAISE, IRQ_BITS);
	EXPECT_EQ(1, eventfd_wait_ms(self->trigger, FIRE_MS));
}

/*
 * ACTION_MASK before the device asserts: nothing is signalled until
 * ACTION_UNMASK, which then fires for the line still held.  DATA_BOOL
 * false is a no-op for both actions.
 */
TEST_F(intx, user_mask_blocks_until_unmask)
{
	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, intx_set_fd(self->s.device, VFIO_IRQ_SET_ACTION_TRIGGER,
				 self->trigger));
	ASSERT_EQ(0, intx_set_none(self->s.device, VFIO_IRQ_SET_ACTION_MASK,
				   0, 1));
	EXPECT_TRUE(hw_intx_disabled(self->edu.bdf));

	edu_write32(self->bar0, EDU_REG_IRQ_RAISE, IRQ_BITS);
	EXPECT_EQ(0, eventfd_wait_ms(self->trigger, QUIET_MS))
		TH_LOG("a user-masked line signalled");
	EXPECT_TRUE(hw_intx_asserted(self->edu.bdf));

	/* false: no unmask */
	ASSERT_EQ(0, intx_set_bool(self->s.device, VFIO_IRQ_SET_ACTION_UNMASK,
				   0));
	EXPECT_EQ(0, eventfd_wait_ms(self->trigger, QUIET_MS));
	/* true: unmask, and the held line fires */
	ASSERT_EQ(0, intx_set_bool(self->s.device, VFIO_IRQ_SET_ACTION_UNMASK,
				   1));
	EXPECT_EQ(1, eventfd_wait_ms(self->trigger, FIRE_MS));

	/* automasked again; a false mask then an unmask changes nothing */
	ASSERT_EQ(0, intx_set_bool(self->s.device, VFIO_IRQ_SET_ACTION_MASK,
				   0));
	EXPECT_EQ(0, eventfd_wait_ms(self->trigger, QUIET_MS));
	ASSERT_EQ(0, intx_set_bool(self->s.device, VFIO_IRQ_SET_ACTION_MASK,
				   1));
	edu_write32(self->bar0, EDU_REG_IRQ_ACK, IRQ_BITS);
	ASSERT_EQ(0, intx_set_none(self->s.device, VFIO_IRQ_SET_ACTION_UNMASK,
				   0, 1));
	EXPECT_EQ(0, eventfd_wait_ms(self->trigger, QUIET_MS));
	EXPECT_FALSE(hw_intx_disabled(self->edu.bdf));
}

/*
 * DisINTx in the command register the user sees is virtual: setting it
 * masks INTx, clearing it unmasks; the user's view never shows the
 * handler's automask.
 */
TEST_F(intx, virtual_disintx)
{
	uint16_t cmd;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, intx_set_fd(self->s.device, VFIO_IRQ_SET_ACTION_TRIGGER,
				 self->trigger));
	ASSERT_EQ(0, user_command(self->s.device, &cmd));
	EXPECT_EQ(0, cmd & PCI_COMMAND_INTX_DISABLE);

	ASSERT_EQ(0, user_set_command(self->s.device,
				      cmd | PCI_COMMAND_INTX_DISABLE));
	edu_write32(self->bar0, EDU_REG_IRQ_RAISE, IRQ_BITS);
	EXPECT_EQ(0, eventfd_wait_ms(self->trigger, QUIET_MS))
		TH_LOG("INTx fired with DisINTx set by the user");
	EXPECT_TRUE(hw_intx_disabled(self->edu.bdf));

	ASSERT_EQ(0, user_set_command(self->s.device,
				      cmd & ~PCI_COMMAND_INTX_DISABLE));
	EXPECT_EQ(1, eventfd_wait_ms(self->trigger, FIRE_MS))
		TH_LOG("clearing DisINTx did not deliver the held line");

	/* automasked in hardware, but the user's DisINTx stays clear */
	EXPECT_TRUE(hw_intx_disabled(self->edu.bdf));
	ASSERT_EQ(0, user_command(self->s.device, &cmd));
	EXPECT_EQ(0, cmd & PCI_COMMAND_INTX_DISABLE);
	edu_write32(self->bar0, EDU_REG_IRQ_ACK, IRQ_BITS);
}

/* Masking needs INTx enabled, one vector at start 0. */
TEST_F(intx, mask_bad_inputs)
{
	RETURN_IF_SETUP_SKIPPED();
	/* no trigger yet */
	EXPECT_EQ(-EINVAL, intx_set_none(self->s.device,
					 VFIO_IRQ_SET_ACTION_MASK, 0, 1));
	EXPECT_EQ(-EINVAL, intx_set_none(self->s.device,
					 VFIO_IRQ_SET_ACTION_UNMASK, 0, 1));

	ASSERT_EQ(0, intx_set_fd(self->s.device, VFIO_IRQ_SET_ACTION_TRIGGER,
				 self->trigger));
	EXPECT_EQ(-EINVAL, intx_set_none(self->s.device,
					 VFIO_IRQ_SET_ACTION_MASK, 1, 1));
	EXPECT_EQ(-EINVAL, intx_set_none(self->s.device,
					 VFIO_IRQ_SET_ACTION_MASK, 0, 2));
	EXPECT_EQ(-EINVAL, intx_set_none(self->s.device,
					 VFIO_IRQ_SET_ACTION_UNMASK, 1, 1));
	/* an unmask eventfd that is not an eventfd */
	EXPECT_EQ(-EBADF, intx_set_fd(self->s.device,
				      VFIO_IRQ_SET_ACTION_UNMASK, 1000));
}

/*
 * nointxmask=1: the line is masked at the interrupt controller, never
 * with DisINTx; masking still holds an asserted line.  Ours reads the
 * writable parameter each time a device is opened; 6.1 reads it only
 * when vfio-pci is loaded, so there a write to it changes nothing and
 * DisINTx is still used (Documentation/uapi-differences.rst).
 */
TEST_F(intx, nointxmask_masks_without_disintx)
{
	const char *step;
	char old[16];
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, sysfs_read_line(NOINTXMASK, old, sizeof(old)));
	edu_session_close(&self->s, &self->bar0, self->bar0_size);
	ASSERT_EQ(0, sysfs_write_str(NOINTXMASK, "1"));
	ret = edu_session_open(&self->s, &self->edu, &self->bar0,
			       &self->bar0_size, &step);
	if (ret) {
		sysfs_write_str(NOINTXMASK, old);
		ASSERT_EQ(0, ret) TH_LOG("reopening edu (%s): %s", step,
					 strerror(-ret));
	}

	ret = intx_set_fd(self->s.device, VFIO_IRQ_SET_ACTION_TRIGGER,
			  self->trigger);
	if (ret == -EBUSY) {
		sysfs_write_str(NOINTXMASK, old);
		SKIP(return,
		     "edu's INTx line is shared: nointxmask needs it exclusive");
	}
	ASSERT_EQ(0, ret) TH_LOG("SET_IRQS(INTx trigger): %s",
				 strerror(-ret));

	edu_write32(self->bar0, EDU_REG_IRQ_ACK, 0xffffffffU);
	edu_write32(self->bar0, EDU_REG_IRQ_RAISE, IRQ_BITS);
	EXPECT_EQ(1, eventfd_wait_ms(self->trigger, FIRE_MS));
	EXPECT_EQ(vfio_test_reference(), hw_intx_disabled(self->edu.bdf))
		TH_LOG("nointxmask written at run time: DisINTx %s",
		       vfio_test_reference() ? "not used (6.1 ignores the write)" :
		       "used to mask");
	EXPECT_EQ(0, eventfd_wait_ms(self->trigger, QUIET_MS))
		TH_LOG("the asserted line signalled while masked");
	ASSERT_EQ(0, intx_set_none(self->s.device, VFIO_IRQ_SET_ACTION_UNMASK,
				   0, 1));
	EXPECT_EQ(1, eventfd_wait_ms(self->trigger, FIRE_MS));
	edu_write32(self->bar0, EDU_REG_IRQ_ACK, IRQ_BITS);
	ASSERT_EQ(0, intx_set_none(self->s.device, VFIO_IRQ_SET_ACTION_UNMASK,
				   0, 1));
	EXPECT_EQ(0, eventfd_wait_ms(self->trigger, QUIET_MS));

	EXPECT_EQ(0, sysfs_write_str(NOINTXMASK, old));
}

TEST_HARNESS_MAIN
