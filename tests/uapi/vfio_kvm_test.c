// SPDX-License-Identifier: GPL-2.0-only
/*
 * The symbols VFIO exports for KVM, resolved at run time with
 * symbol_get() as kvm.ko does, by the test module vfio_kvm_probe.ko
 * (tests/kmod, shipped in /lib/testmods): for the group fd of QEMU's edu
 * device they answer is_group=1, no IOMMU group (6.1 gives it to SPAPR
 * only) and a coherency flag, and set_kvm(NULL) is accepted; for the
 * container fd or an unrelated file is_group=0 and no IOMMU group.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define PROBE_KO	"vfio_kvm_probe.ko"
#define PROBE_FILE	"/sys/kernel/debug/vfio_kvm_probe/fd"

/* Hands @fd to the probe module and reads its answer into @out. */
static int probe(int fd, char *out, size_t len)
{
	char num[16];
	ssize_t n;
	int pf, err = 0;

	pf = open(PROBE_FILE, O_RDWR | O_CLOEXEC);
	if (pf < 0)
		return -errno;
	snprintf(num, sizeof(num), "%d\n", fd);
	if (write(pf, num, strlen(num)) < 0)
		err = -errno;
	if (!err) {
		n = pread(pf, out, len - 1, 0);
		if (n < 0)
			err = -errno;
		else
			out[n] = '\0';
	}
	close(pf);
	return err;
}

FIXTURE(kvm) {
	struct edu_location edu;
	struct vfio_session s;
};

FIXTURE_SETUP(kvm)
{
	const char *step;
	char why[512];
	int ret;

	vfio_session_init(&self->s);
	if (edu_find(&self->edu, why, sizeof(why)))
		SKIP(return, "%s", why);
	ret = testmod_load(PROBE_KO);
	if (ret)
		SKIP(return, "cannot load %s/%s: %s", TESTMODS_DIR, PROBE_KO,
		     strerror(-ret));
	ret = vfio_session_open(&self->s, &self->edu, false, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
}

FIXTURE_TEARDOWN(kvm)
{
	vfio_session_close(&self->s);
	syscall(SYS_delete_module, "vfio_kvm_probe", O_NONBLOCK);
}

TEST_F(kvm, group_file)
{
	int is_group = -1, id = -2, coherent = -1, n;
	char out[256];

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, probe(self->s.group, out, sizeof(out)));
	TH_LOG("group fd: %s", out);
	n = sscanf(out, "is_group=%d iommu_group=%d coherent=%d", &is_group,
		   &id, &coherent);
	ASSERT_EQ(3, n) TH_LOG("unexpected answer '%s'", out);
	EXPECT_EQ(1, is_group);
	/*
	 * 6.1 (and later) answer vfio_file_iommu_group() with NULL unless
	 * CONFIG_SPAPR_TCE_IOMMU, which x86 never has: -1 here, in both modes.
	 */
	EXPECT_EQ(-1, id);
	EXPECT_TRUE(coherent == 0 || coherent == 1);
	EXPECT_NE(NULL, strstr(out, "set_kvm=ok"));
}

TEST_F(kvm, other_files)
{
	char out[256];
	int null;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, probe(self->s.container, out, sizeof(out)));
	EXPECT_STREQ("is_group=0 iommu_group=-1\n", out);

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, null);
	ASSERT_EQ(0, probe(null, out, sizeof(out)));
	EXPECT_STREQ("is_group=0 iommu_group=-1\n", out);
	close(null);

	EXPECT_EQ(-EBADF, probe(9999, out, sizeof(out)));
}

TEST_HARNESS_MAIN
