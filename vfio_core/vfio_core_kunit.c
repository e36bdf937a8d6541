// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of vfio.ko: the parts that need no IOMMU group.
 *
 * Suites:
 *   vfio_core_backends  backend selection with fake backends registered
 *                       beside the real ones: the CHECK_EXTENSION polling
 *                       order and the SET_IOMMU choice, attach failure
 *                       unwinding, errnos; noiommu and IOMMU groups
 *                       never mixed in one container
 *   vfio_core_devices   finding the device a GET_DEVICE_FD string names:
 *                       exact names, "name vf_token=..." strings, the
 *                       driver's match() and its veto, devices going away
 *   vfio_core_uapi      with user memory borrowed from the process
 *                       loading this module (vfio_kunit.h): the core's
 *                       VFIO_DEVICE_FEATURE header checks, and the group
 *                       ioctls' argument checks and state errnos
 *
 * Extension and IOMMU type numbers of the fake backends are far above any
 * real one, so a real backend registered at the same time (type1) answers
 * 0 for them and is skipped.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/linux/vfio.h>

#include "vfio_core_priv.h"
#include "vfio_kunit.h"

/* ---- vfio_core_backends ----------------------------------------------- */

#define VCK_EXT_NONE	0x7f000001UL	/* nobody claims it */
#define VCK_EXT_B	0x7f000002UL	/* only B: 5 */
#define VCK_EXT_BOTH	0x7f000003UL	/* A: 2, B: 5 */
#define VCK_EXT_NEG	0x7f000004UL	/* A: -EINVAL, B: 0 */
#define VCK_EXT_A	0x7f000005UL	/* only A: 1 */
#define VCK_GROUPS	3

/* What the fake backends do and saw. */
struct vck_state {
	char log[256];
	struct iommu_group *groups[VCK_GROUPS];
	int a_fail_attach;	/* group index A refuses, or -1 */
	int a_open_err;		/* errno A's open() returns, or 0 */
	int opened;		/* states alive */
};

static struct vck_state *vck;

static __printf(1, 2) void vck_log(const char *fmt, ...)
{
	size_t len = strlen(vck->log);
	va_list args;

	va_start(args, fmt);
	vsnprintf(vck->log + len, sizeof(vck->log) - len, fmt, args);
	va_end(args);
}

static int vck_group_index(struct iommu_group *group)
{
	int i;

	for (i = 0; i < VCK_GROUPS; i++)
		if (vck->groups[i] == group)
			return i;
	return -1;
}

/* A backend's per-container state: which backend opened it. */
struct vck_data {
	char name;
};

static void *vck_open(char name, unsigned long type)
{
	struct vck_data *data;

	vck_log("%c.open ", name);
	if (name == 'A' && vck->a_open_err)
		return ERR_PTR(vck->a_open_err);
	data = kzalloc(sizeof(*data), GFP_KERNEL);
	if (!data)
		return ERR_PTR(-ENOMEM);
	data->name = name;
	vck->opened++;
	return data;
}

static void vck_release(void *iommu_data)
{
	struct vck_data *data = iommu_data;

	vck_log("%c.release ", data->name);
	vck->opened--;
	kfree(data);
}

static long vck_ioctl(char name, void *iommu_data, unsigned int cmd,
		      unsigned long arg)
{
	if (cmd != VFIO_CHECK_EXTENSION)
		return -ENOTTY;
	vck_log("%c.check ", name);
	switch (arg) {
	case VCK_EXT_B:
		return name == 'B' ? 5 : 0;
	case VCK_EXT_BOTH:
		return name == 'A' ? 2 : 5;
	case VCK_EXT_NEG:
		return name == 'A' ? -EINVAL : 0;
	case VCK_EXT_A:
		return name == 'A';
	default:
		return 0;
	}
}

static int vck_attach(void *iommu_data, struct iommu_group *group)
{
	struct vck_data *data = iommu_data;
	int i = vck_group_index(group);

	vck_log("%c.attach%d ", data->name, i);
	if (data->name == 'A' && i == vck->a_fail_attach)
		return -EBUSY;
	return 0;
}

static void vck_detach(void *iommu_data, struct iommu_group *group)
{
	struct vck_data *data = iommu_data;

	vck_log("%c.detach%d ", data->name, vck_group_index(group));
}

static void *vck_a_open(unsigned long type)
{
	return vck_open('A', type);
}

static void *vck_b_open(unsigned long type)
{
	return vck_open('B', type);
}

static long vck_a_ioctl(void *iommu_data, unsigned int cmd,
			unsigned long arg)
{
	return vck_ioctl('A', iommu_data, cmd, arg);
}

static long vck_b_ioctl(void *iommu_data, unsigned int cmd,
			unsigned long arg)
{
	return vck_ioctl('B', iommu_data, cmd, arg);
}

static const struct vfio_iommu_backend_ops vck_a_ops = {
	.name = "kunit-a",
	.owner = THIS_MODULE,
	.open = vck_a_open,
	.release = vck_release,
	.ioctl = vck_a_ioctl,
	.attach_group = vck_attach,
	.detach_group = vck_detach,
};

static const struct vfio_iommu_backend_ops vck_b_ops = {
	.name = "kunit-b",
	.owner = THIS_MODULE,
	.open = vck_b_open,
	.release = vck_release,
	.ioctl = vck_b_ioctl,
	.attach_group = vck_attach,
	.detach_group = vck_detach,
};

static int vck_backends_init(struct kunit *test)
{
	int ret;

	vck = kunit_kzalloc(test, sizeof(*vck), GFP_KERNEL);
	if (!vck)
		return -ENOMEM;
	vck->a_fail_attach = -1;
	ret = vfio_register_iommu_backend(&vck_a_ops);
	if (ret)
		return ret;
	ret = vfio_register_iommu_backend(&vck_b_ops);
	if (ret)
		vfio_unregister_iommu_backend(&vck_a_ops);
	return ret;
}

static void vck_backends_exit(struct kunit *test)
{
	if (!vck)
		return;
	vfio_unregister_iommu_backend(&vck_b_ops);
	vfio_unregister_iommu_backend(&vck_a_ops);
	vck = NULL;
}

/* A container with VCK_GROUPS attached groups and no backend. */
static struct vfio_container *vck_container(struct kunit *test)
{
	struct vfio_container *container;
	struct vfio_group *group;
	int i;

	container = kunit_kzalloc(test, sizeof(*container), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, container);
	kref_init(&container->kref);
	init_rwsem(&container->lock);
	INIT_LIST_HEAD(&container->group_list);
	for (i = 0; i < VCK_GROUPS; i++) {
		group = kunit_kzalloc(test, sizeof(*group), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, group);
		/* never dereferenced: only compared by the fake backends */
		vck->groups[i] = kunit_kzalloc(test, 1, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, vck->groups[i]);
		group->iommu_group = vck->groups[i];
		group->container = container;
		list_add_tail(&group->container_entry, &container->group_list);
	}
	return container;
}

static int vck_select(struct vfio_container *container, unsigned long type)
{
	int ret;

	vck->log[0] = '\0';
	down_write(&container->lock);
	ret = vfio_backends_select(container, type);
	up_write(&container->lock);
	return ret;
}

/* Undo a successful selection as the last group's detach would. */
static void vck_unset(struct vfio_container *container)
{
	const struct vfio_iommu_backend_ops *ops = container->backend;

	container->backend->release(container->iommu_data);
	container->backend = NULL;
	container->iommu_data = NULL;
	module_put(ops->owner);
}

static void vck_check_extension_order(struct kunit *test)
{
	vck->log[0] = '\0';
	KUNIT_EXPECT_EQ(test, vfio_backends_check_extension(VCK_EXT_NONE), 0L);
	/* every backend is asked, in registration order */
	KUNIT_EXPECT_STREQ(test, vck->log, "A.check B.check ");

	vck->log[0] = '\0';
	KUNIT_EXPECT_EQ(test, vfio_backends_check_extension(VCK_EXT_B), 5L);
	KUNIT_EXPECT_STREQ(test, vck->log, "A.check B.check ");

	/* the first positive answer wins, later backends are not asked */
	vck->log[0] = '\0';
	KUNIT_EXPECT_EQ(test, vfio_backends_check_extension(VCK_EXT_BOTH), 2L);
	KUNIT_EXPECT_STREQ(test, vck->log, "A.check ");

	/* an error from a backend is not an answer */
	KUNIT_EXPECT_EQ(test, vfio_backends_check_extension(VCK_EXT_NEG), 0L);
	KUNIT_EXPECT_EQ(test, vck->opened, 0);
}

static void vck_select_none(struct kunit *test)
{
	struct vfio_container *container = vck_container(test);

	KUNIT_EXPECT_EQ(test, vck_select(container, VCK_EXT_NONE), -ENODEV);
	KUNIT_EXPECT_STREQ(test, vck->log, "A.check B.check ");
	KUNIT_EXPECT_NULL(test, container->backend);
	KUNIT_EXPECT_EQ(test, vck->opened, 0);
}

static void vck_select_second(struct kunit *test)
{
	struct vfio_container *container = vck_container(test);

	KUNIT_EXPECT_EQ(test, vck_select(container, VCK_EXT_B), 0);
	KUNIT_EXPECT_STREQ(test, vck->log,
			   "A.check B.check B.open B.attach0 B.attach1 B.attach2 ");
	KUNIT_EXPECT_PTR_EQ(test, container->backend, &vck_b_ops);
	KUNIT_EXPECT_NOT_NULL(test, container->iommu_data);
	KUNIT_EXPECT_EQ(test, vck->opened, 1);
	if (container->backend)
		vck_unset(container);
}

static void vck_select_first(struct kunit *test)
{
	struct vfio_container *container = vck_container(test);

	KUNIT_EXPECT_EQ(test, vck_select(container, VCK_EXT_BOTH), 0);
	/* A claims the type and accepts every group: B is never asked */
	KUNIT_EXPECT_STREQ(test, vck->log,
			   "A.check A.open A.attach0 A.attach1 A.attach2 ");
	KUNIT_EXPECT_PTR_EQ(test, container->backend, &vck_a_ops);
	if (container->backend)
		vck_unset(container);
}

static void vck_select_attach_fails(struct kunit *test)
{
	struct vfio_container *container = vck_container(test);

	vck->a_fail_attach = 2;
	KUNIT_EXPECT_EQ(test, vck_select(container, VCK_EXT_BOTH), 0);
	/* A's attached groups are detached in reverse, then B is tried */
	KUNIT_EXPECT_STREQ(test, vck->log,
			   "A.check A.open A.attach0 A.attach1 A.attach2 A.detach1 A.detach0 A.release B.check B.open B.attach0 B.attach1 B.attach2 ");
	KUNIT_EXPECT_PTR_EQ(test, container->backend, &vck_b_ops);
	KUNIT_EXPECT_EQ(test, vck->opened, 1);
	if (container->backend)
		vck_unset(container);

	/* if nobody else claims the type, A's error is returned */
	vck->a_fail_attach = 0;
	KUNIT_EXPECT_EQ(test, vck_select(container, VCK_EXT_A), -EBUSY);
	KUNIT_EXPECT_STREQ(test, vck->log,
			   "A.check A.open A.attach0 A.release B.check ");
	KUNIT_EXPECT_NULL(test, container->backend);
	KUNIT_EXPECT_EQ(test, vck->opened, 0);
}

static long vck_a_only_ioctl(void *iommu_data, unsigned int cmd,
			     unsigned long arg)
{
	if (cmd == VFIO_CHECK_EXTENSION && arg == VCK_EXT_NONE)
		return 1;
	return 0;
}

static void vck_select_open_fails(struct kunit *test)
{
	static const struct vfio_iommu_backend_ops c_ops = {
		.name = "kunit-c",
		.owner = THIS_MODULE,
		.open = vck_a_open,
		.release = vck_release,
		.ioctl = vck_a_only_ioctl,
		.attach_group = vck_attach,
		.detach_group = vck_detach,
	};
	struct vfio_container *container = vck_container(test);

	/* registering twice is refused */
	KUNIT_EXPECT_EQ(test, vfio_register_iommu_backend(&vck_a_ops), -EBUSY);

	KUNIT_EXPECT_EQ(test, vfio_register_iommu_backend(&c_ops), 0);
	vck->a_open_err = -ENOMEM;
	KUNIT_EXPECT_EQ(test, vck_select(container, VCK_EXT_NONE), -ENOMEM);
	KUNIT_EXPECT_STREQ(test, vck->log, "A.check B.check A.open ");
	KUNIT_EXPECT_NULL(test, container->backend);
	vfio_unregister_iommu_backend(&c_ops);
	KUNIT_EXPECT_EQ(test, vck->opened, 0);
}

/* A fresh group of the given kind, with its (never dereferenced) IOMMU group. */
static struct vfio_group *vck_kind_group(struct kunit *test, bool noiommu)
{
	struct vfio_group *group;

	group = kunit_kzalloc(test, sizeof(*group), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, group);
	mutex_init(&group->group_lock);
	group->iommu_group = kunit_kzalloc(test, 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, group->iommu_group);
	group->noiommu = noiommu;
	return group;
}

static int vck_attach_kind(struct vfio_container *container,
			   struct vfio_group *group)
{
	int ret;

	mutex_lock(&group->group_lock);
	ret = vfio_container_attach_group(container, group);
	mutex_unlock(&group->group_lock);
	return ret;
}

static void vck_container_keep(struct kref *kref)
{
	/* the container is KUnit memory: nothing to free */
}

/* Take @group out of @container again without freeing anything. */
static void vck_detach_kind(struct vfio_container *container,
			    struct vfio_group *group)
{
	list_del(&group->container_entry);
	group->container = NULL;
	kref_put(&container->kref, vck_container_keep);
}

/*
 * noiommu groups and IOMMU groups never share a container, whichever kind
 * came first; once the container is empty again either kind may join.
 * The module is loaded by root, so CAP_SYS_RAWIO is there.
 */
static void vck_noiommu_mixing(struct kunit *test)
{
	struct vfio_group *noiommu = vck_kind_group(test, true);
	struct vfio_group *noiommu2 = vck_kind_group(test, true);
	struct vfio_group *iommu = vck_kind_group(test, false);
	struct vfio_group *iommu2 = vck_kind_group(test, false);
	struct vfio_container *container;

	container = kunit_kzalloc(test, sizeof(*container), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, container);
	kref_init(&container->kref);
	init_rwsem(&container->lock);
	INIT_LIST_HEAD(&container->group_list);

	/* noiommu first: an IOMMU group is refused, another noiommu joins */
	KUNIT_EXPECT_EQ(test, vck_attach_kind(container, noiommu), 0);
	if (!noiommu->container)
		return;
	KUNIT_EXPECT_TRUE(test, container->noiommu);
	KUNIT_EXPECT_EQ(test, vck_attach_kind(container, iommu), -EPERM);
	KUNIT_EXPECT_NULL(test, iommu->container);
	KUNIT_EXPECT_EQ(test, vck_attach_kind(container, noiommu2), 0);
	KUNIT_EXPECT_EQ(test, kref_read(&container->kref), 3U);
	vck_detach_kind(container, noiommu2);
	vck_detach_kind(container, noiommu);

	/* IOMMU first: a noiommu group is refused, another IOMMU one joins */
	KUNIT_EXPECT_EQ(test, vck_attach_kind(container, iommu), 0);
	KUNIT_EXPECT_FALSE(test, container->noiommu);
	KUNIT_EXPECT_EQ(test, vck_attach_kind(container, noiommu), -EPERM);
	KUNIT_EXPECT_NULL(test, noiommu->container);
	KUNIT_EXPECT_EQ(test, vck_attach_kind(container, iommu2), 0);
	KUNIT_EXPECT_EQ(test, kref_read(&container->kref), 3U);
	if (iommu2->container)
		vck_detach_kind(container, iommu2);
	if (iommu->container)
		vck_detach_kind(container, iommu);
	KUNIT_EXPECT_TRUE(test, list_empty(&container->group_list));
}

static struct kunit_case vck_backends_cases[] = {
	KUNIT_CASE(vck_check_extension_order),
	KUNIT_CASE(vck_select_none),
	KUNIT_CASE(vck_select_second),
	KUNIT_CASE(vck_select_first),
	KUNIT_CASE(vck_select_attach_fails),
	KUNIT_CASE(vck_select_open_fails),
	KUNIT_CASE(vck_noiommu_mixing),
	{}
};

static struct kunit_suite vck_backends_suite = {
	.name = "vfio_core_backends",
	.init = vck_backends_init,
	.exit = vck_backends_exit,
	.test_cases = vck_backends_cases,
};

/* ---- vfio_core_devices ------------------------------------------------ */

struct vck_dev {
	struct vfio_device vdev;
	struct device dev;
};

static struct vfio_group *vck_group(struct kunit *test)
{
	struct vfio_group *group;

	group = kunit_kzalloc(test, sizeof(*group), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, group);
	mutex_init(&group->device_lock);
	INIT_LIST_HEAD(&group->device_list);
	return group;
}

static struct vfio_device *vck_device(struct kunit *test,
				      struct vfio_group *group,
				      const char *name,
				      const struct vfio_device_ops *ops)
{
	struct vck_dev *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, d);
	d->dev.init_name = name;
	d->vdev.dev = &d->dev;
	d->vdev.ops = ops;
	d->vdev.group = group;
	refcount_set(&d->vdev.users, 1);
	list_add_tail(&d->vdev.group_entry, &group->device_list);
	return &d->vdev;
}

static const struct vfio_device_ops vck_plain_ops = {
	.name = "kunit-plain",
};

/*
 * A driver that wants "<name> vf_token=ok": the bare name is refused
 * with -EACCES, anything else is not its device.
 */
static int vck_token_match(struct vfio_device *vdev, const char *buf)
{
	const char *name = dev_name(vdev->dev);
	size_t len = strlen(name);

	if (strncmp(buf, name, len))
		return 0;
	if (!buf[len])
		return -EACCES;
	return !strcmp(buf + len, " vf_token=ok");
}

static const struct vfio_device_ops vck_token_ops = {
	.name = "kunit-token",
	.match = vck_token_match,
};

static void vck_find_by_name(struct kunit *test)
{
	struct vfio_group *group = vck_group(test);
	struct vfio_device *a, *b, *found;

	a = vck_device(test, group, "0000:00:03.0", &vck_plain_ops);
	b = vck_device(test, group, "0000:00:04.0", &vck_plain_ops);

	found = vfio_group_find_device(group, "0000:00:04.0");
	KUNIT_EXPECT_PTR_EQ(test, found, b);
	/* the caller gets a users reference */
	KUNIT_EXPECT_EQ(test, refcount_read(&b->users), 2U);
	KUNIT_EXPECT_EQ(test, refcount_read(&a->users), 1U);

	/* without a match(), the whole string must be the name */
	KUNIT_EXPECT_PTR_EQ(test, vfio_group_find_device(group,
							 "0000:00:03.0 vf_token=ok"),
			    ERR_PTR(-ENODEV));
	KUNIT_EXPECT_PTR_EQ(test, vfio_group_find_device(group, "0000:00:03"),
			    ERR_PTR(-ENODEV));
	KUNIT_EXPECT_PTR_EQ(test, vfio_group_find_device(group, ""),
			    ERR_PTR(-ENODEV));
	KUNIT_EXPECT_EQ(test, refcount_read(&a->users), 1U);
}

static void vck_find_going_away(struct kunit *test)
{
	struct vfio_group *group = vck_group(test);
	struct vfio_device *a;

	a = vck_device(test, group, "0000:00:03.0", &vck_plain_ops);
	/* unregistration dropped the last reference: not handed out */
	refcount_set(&a->users, 0);
	KUNIT_EXPECT_PTR_EQ(test, vfio_group_find_device(group, "0000:00:03.0"),
			    ERR_PTR(-ENODEV));
	KUNIT_EXPECT_EQ(test, refcount_read(&a->users), 0U);
}

static void vck_find_match_op(struct kunit *test)
{
	struct vfio_group *group = vck_group(test);
	struct vfio_device *plain, *vf;

	vf = vck_device(test, group, "0000:00:05.1", &vck_token_ops);
	plain = vck_device(test, group, "0000:00:03.0", &vck_plain_ops);

	KUNIT_EXPECT_PTR_EQ(test, vfio_group_find_device(group,
							 "0000:00:05.1 vf_token=ok"),
			    vf);
	KUNIT_EXPECT_EQ(test, refcount_read(&vf->users), 2U);
	/* the driver vetoes the whole lookup */
	KUNIT_EXPECT_PTR_EQ(test, vfio_group_find_device(group, "0000:00:05.1"),
			    ERR_PTR(-EACCES));
	KUNIT_EXPECT_PTR_EQ(test, vfio_group_find_device(group,
							 "0000:00:05.1 vf_token=bad"),
			    ERR_PTR(-ENODEV));
	/* a match() saying "not mine" lets the others be tried */
	KUNIT_EXPECT_PTR_EQ(test, vfio_group_find_device(group, "0000:00:03.0"),
			    plain);
	KUNIT_EXPECT_EQ(test, refcount_read(&plain->users), 2U);
}

static struct kunit_case vck_devices_cases[] = {
	KUNIT_CASE(vck_find_by_name),
	KUNIT_CASE(vck_find_going_away),
	KUNIT_CASE(vck_find_match_op),
	{}
};

static struct kunit_suite vck_devices_suite = {
	.name = "vfio_core_devices",
	.test_cases = vck_devices_cases,
};

/* ---- vfio_core_uapi --------------------------------------------------- */

static struct vfio_kunit_user vck_user;

static int vck_feature_suite_init(struct kunit_suite *suite)
{
	return vfio_kunit_user_setup(&vck_user, 2 * PAGE_SIZE);
}

static void vck_feature_suite_exit(struct kunit_suite *suite)
{
	vfio_kunit_user_teardown(&vck_user);
}

static int vck_feature_init(struct kunit *test)
{
	return vfio_kunit_user_enter(&vck_user);
}

static void vck_feature_exit(struct kunit *test)
{
	vfio_kunit_user_leave(&vck_user);
}

static int vck_feature(u32 argsz, u32 flags)
{
	struct vfio_device_feature f = { .argsz = argsz, .flags = flags };
	void __user *arg = vfio_kunit_uptr(&vck_user, 0);

	if (copy_to_user(arg, &f, sizeof(f)))
		return -EFAULT;
	return vfio_device_feature_check((unsigned long)arg);
}

static void vck_feature_checks(struct kunit *test)
{
	const u32 get = VFIO_DEVICE_FEATURE_GET, set = VFIO_DEVICE_FEATURE_SET;
	const u32 probe = VFIO_DEVICE_FEATURE_PROBE;
	const u32 sz = sizeof(struct vfio_device_feature);

	KUNIT_EXPECT_EQ(test, vck_feature(sz - 1, get | 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, vck_feature(sz, get | 1), 0);
	KUNIT_EXPECT_EQ(test, vck_feature(sz, set | 0xffff), 0);
	/* GET and SET together only to probe */
	KUNIT_EXPECT_EQ(test, vck_feature(sz, get | set | 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, vck_feature(sz, probe | get | set | 1), 0);
	KUNIT_EXPECT_EQ(test, vck_feature(sz, probe | 1), 0);
	/* unknown flag bits */
	KUNIT_EXPECT_EQ(test, vck_feature(sz, BIT(19) | get | 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, vck_feature(sz, BIT(31)), -EINVAL);
	/* a bigger argsz is fine: the payload belongs to the driver */
	KUNIT_EXPECT_EQ(test, vck_feature(PAGE_SIZE, get | 1), 0);
	/* a bad pointer */
	KUNIT_EXPECT_EQ(test, vfio_device_feature_check(-4096UL), -EFAULT);
}

/* A group file as the core creates it: only private_data is used. */
static struct file *vck_group_file(struct kunit *test,
				   struct vfio_group *group)
{
	struct file *file = kunit_kzalloc(test, sizeof(*file), GFP_KERNEL);

	KUNIT_EXPECT_NOT_NULL(test, file);
	if (file)
		file->private_data = group;
	return file;
}

static long vck_group_status(struct file *file, u32 argsz, u32 *flags)
{
	struct vfio_group_status status = { .argsz = argsz, .flags = ~0U };
	void __user *arg = vfio_kunit_uptr(&vck_user, 0);
	long ret;

	if (copy_to_user(arg, &status, sizeof(status)))
		return -EFAULT;
	ret = vfio_group_ioctl(file, VFIO_GROUP_GET_STATUS,
			       (unsigned long)arg);
	if (copy_from_user(&status, arg, sizeof(status)))
		return -EFAULT;
	*flags = status.flags;
	return ret;
}

static void vck_group_status_checks(struct kunit *test)
{
	struct vfio_group *group = vck_group(test);
	struct vfio_container *container;
	struct file *file;
	u32 flags = 0;

	file = vck_group_file(test, group);
	container = kunit_kzalloc(test, sizeof(*container), GFP_KERNEL);
	if (!file || !container)
		return;
	mutex_init(&group->group_lock);

	KUNIT_EXPECT_EQ(test, vck_group_status(file, sizeof(u32), &flags),
			-EINVAL);
	/* the last device left: the group is gone */
	KUNIT_EXPECT_EQ(test, vck_group_status(file, 8, &flags), -ENODEV);
	/* never dereferenced while a container is set */
	group->iommu_group = (struct iommu_group *)container;
	group->container = container;
	KUNIT_EXPECT_EQ(test, vck_group_status(file, 8, &flags), 0L);
	/* flags is output only: what user space passed in is ignored */
	KUNIT_EXPECT_EQ(test, flags, VFIO_GROUP_FLAGS_VIABLE |
			VFIO_GROUP_FLAGS_CONTAINER_SET);

	KUNIT_EXPECT_EQ(test, vfio_group_ioctl(file, VFIO_GET_API_VERSION, 0),
			-ENOTTY);
}

static void vck_group_container_checks(struct kunit *test)
{
	struct vfio_group *group = vck_group(test);
	void __user *arg = vfio_kunit_uptr(&vck_user, 0);
	struct vfio_container *container;
	struct file *file;
	int fd = -1;

	file = vck_group_file(test, group);
	container = kunit_kzalloc(test, sizeof(*container), GFP_KERNEL);
	if (!file || !container)
		return;
	mutex_init(&group->group_lock);

	KUNIT_EXPECT_EQ(test, vfio_group_ioctl(file, VFIO_GROUP_UNSET_CONTAINER,
					       0), -EINVAL);
	KUNIT_EXPECT_EQ(test, copy_to_user(arg, &fd, sizeof(fd)), 0UL);
	KUNIT_EXPECT_EQ(test, vfio_group_ioctl(file, VFIO_GROUP_SET_CONTAINER,
					       (unsigned long)arg), -EBADF);
	KUNIT_EXPECT_EQ(test, vfio_group_ioctl(file, VFIO_GROUP_SET_CONTAINER,
					       -4096UL), -EFAULT);
	/* an open device file pins the container */
	group->container = container;
	group->device_opens = 1;
	KUNIT_EXPECT_EQ(test, vfio_group_ioctl(file, VFIO_GROUP_UNSET_CONTAINER,
					       0), -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, group->container, container);
}

static void vck_group_device_fd_checks(struct kunit *test)
{
	struct vfio_group *group = vck_group(test);
	void __user *arg = vfio_kunit_uptr(&vck_user, 0);
	struct file *file = vck_group_file(test, group);
	static const char name[] = "0000:00:09.0";
	u8 *fill;

	fill = kunit_kmalloc(test, PAGE_SIZE + 1, GFP_KERNEL);
	if (!file || !fill)
		return;
	vck_device(test, group, "0000:00:03.0", &vck_plain_ops);

	KUNIT_EXPECT_EQ(test, copy_to_user(arg, name, sizeof(name)), 0UL);
	KUNIT_EXPECT_EQ(test, vfio_group_ioctl(file, VFIO_GROUP_GET_DEVICE_FD,
					       (unsigned long)arg), -ENODEV);
	/* the name is bounded: PAGE_SIZE bytes with its NUL */
	memset(fill, 'a', PAGE_SIZE + 1);
	KUNIT_EXPECT_EQ(test, copy_to_user(arg, fill, PAGE_SIZE + 1), 0UL);
	KUNIT_EXPECT_EQ(test, vfio_group_ioctl(file, VFIO_GROUP_GET_DEVICE_FD,
					       (unsigned long)arg), -EINVAL);
	KUNIT_EXPECT_EQ(test, vfio_group_ioctl(file, VFIO_GROUP_GET_DEVICE_FD,
					       -4096UL), -EFAULT);
}

static struct kunit_case vck_uapi_cases[] = {
	KUNIT_CASE(vck_feature_checks),
	KUNIT_CASE(vck_group_status_checks),
	KUNIT_CASE(vck_group_container_checks),
	KUNIT_CASE(vck_group_device_fd_checks),
	{}
};

static struct kunit_suite vck_uapi_suite = {
	.name = "vfio_core_uapi",
	.suite_init = vck_feature_suite_init,
	.suite_exit = vck_feature_suite_exit,
	.init = vck_feature_init,
	.exit = vck_feature_exit,
	.test_cases = vck_uapi_cases,
};

kunit_test_suites(&vck_backends_suite, &vck_devices_suite, &vck_uapi_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of the vfio core");
