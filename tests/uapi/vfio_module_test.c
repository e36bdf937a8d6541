// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module references: vfio_pci cannot be unloaded while one of its device
 * files is open, nor vfio_iommu_type1 while a container uses it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

static bool module_loaded(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !stat(path, &st);
}

/* Built-in modules have no refcnt attribute and cannot be unloaded. */
static bool module_unloadable(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	return !stat(path, &st);
}

/* Tries to unload @name without waiting; returns 0 or errno. */
static int try_delete_module(const char *name)
{
	if (syscall(SYS_delete_module, name, O_NONBLOCK))
		return errno;
	return 0;
}

static void expect_module_pinned(struct __test_metadata *_metadata,
				 const char *name)
{
	int err;

	err = try_delete_module(name);
	EXPECT_TRUE(err == EWOULDBLOCK || err == EBUSY)
		TH_LOG("delete_module(%s): %s", name,
		       err ? strerror(err) : "unloaded while in use");
	EXPECT_TRUE(module_loaded(name))
		TH_LOG("%s is no longer loaded", name);
}

FIXTURE(module) {
	struct vfio_session s;
};

FIXTURE_VARIANT(module) {
	const char *module;
	bool with_device;
};

/* a device fd holds vfio-pci, the driver of the device */
FIXTURE_VARIANT_ADD(module, vfio_pci_held_by_device) {
	.module = "vfio_pci",
	.with_device = true,
};

/* a container with its IOMMU set holds the type1 backend */
FIXTURE_VARIANT_ADD(module, type1_held_by_container) {
	.module = "vfio_iommu_type1",
	.with_device = false,
};

FIXTURE_SETUP(module)
{
	struct edu_location edu;
	const char *step;
	char why[512];
	int ret;

	vfio_session_init(&self->s);
	if (edu_find(&edu, why, sizeof(why)))
		SKIP(return, "%s", why);
	if (!module_loaded(variant->module))
		SKIP(return, "module %s is not loaded", variant->module);
	if (!module_unloadable(variant->module))
		SKIP(return, "%s is built in", variant->module);
	ret = vfio_session_open(&self->s, &edu, variant->with_device, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
}

FIXTURE_TEARDOWN(module)
{
	vfio_session_close(&self->s);
}

TEST_F(module, delete_while_in_use)
{
	RETURN_IF_SETUP_SKIPPED();
	expect_module_pinned(_metadata, variant->module);
}

TEST_HARNESS_MAIN
