/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User memory for KUnit suites that call ioctl handlers.
 *
 * KUnit runs each test case in a kernel thread, which has no address
 * space, but our ioctl handlers read and write user memory.  A suite that
 * needs some borrows the address space of the process loading the test
 * module (insmod or modprobe: suite_init and suite_exit run in its
 * context), maps an anonymous read-write area there, and each test case
 * adopts that address space with kthread_use_mm() for its duration.
 *
 * Rules for such suites:
 *   - suite_init/suite_exit call vfio_kunit_user_setup()/_teardown();
 *   - init/exit of each case call vfio_kunit_user_enter()/_leave();
 *   - a case never leaves through KUNIT_ASSERT_*() once it has entered:
 *     the aborted thread would exit with the borrowed mm still set.  Use
 *     KUNIT_EXPECT_*() and return instead.
 */
#ifndef VFIO_KUNIT_H
#define VFIO_KUNIT_H

#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/**
 * struct vfio_kunit_user - a borrowed address space and an area in it
 * @mm: the loading process's mm, mmget()ed
 * @base: first address of the area
 * @size: bytes of the area, a multiple of PAGE_SIZE
 */
struct vfio_kunit_user {
	struct mm_struct *mm;
	unsigned long base;
	size_t size;
};

/* In suite_init: map @size bytes in the loading process. */
static inline int vfio_kunit_user_setup(struct vfio_kunit_user *u,
					size_t size)
{
	unsigned long addr;

	if (!current->mm)
		return -ENODEV;
	size = PAGE_ALIGN(size);
	addr = vm_mmap(NULL, 0, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	mmget(current->mm);
	u->mm = current->mm;
	u->base = addr;
	u->size = size;
	return 0;
}

/* In suite_exit: unmap the area and give the mm back. */
static inline void vfio_kunit_user_teardown(struct vfio_kunit_user *u)
{
	if (!u->mm)
		return;
	if (current->mm == u->mm)
		vm_munmap(u->base, u->size);
	mmput(u->mm);
	u->mm = NULL;
}

/* In a case's init: adopt the address space and clear the area. */
static inline int vfio_kunit_user_enter(struct vfio_kunit_user *u)
{
	if (!u->mm || !(current->flags & PF_KTHREAD) || current->mm)
		return -EINVAL;
	mmget(u->mm);
	kthread_use_mm(u->mm);
	if (clear_user((void __user *)u->base, u->size)) {
		kthread_unuse_mm(u->mm);
		mmput(u->mm);
		return -EFAULT;
	}
	return 0;
}

/* In a case's exit: drop the address space again. */
static inline void vfio_kunit_user_leave(struct vfio_kunit_user *u)
{
	if (!(current->flags & PF_KTHREAD) || current->mm != u->mm)
		return;
	kthread_unuse_mm(u->mm);
	mmput(u->mm);
}

/* User address @off bytes into the area. */
static inline void __user *vfio_kunit_uptr(struct vfio_kunit_user *u,
					   size_t off)
{
	return (void __user *)(u->base + off);
}

#endif /* VFIO_KUNIT_H */
