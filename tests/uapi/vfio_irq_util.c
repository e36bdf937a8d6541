// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared helpers of the interrupt tests: VFIO_DEVICE_SET_IRQS with each
 * kind of data, waiting for an eventfd, and the device's real config
 * space as the host reads it through sysfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vfio_test_util.h"

int vfio_irq_set_raw(int device, uint32_t flags, uint32_t index,
		     uint32_t start, uint32_t count, const void *data,
		     size_t len)
{
	struct vfio_irq_set *set = calloc(1, sizeof(*set) + len);
	int ret;

	if (!set)
		return -ENOMEM;
	set->argsz = sizeof(*set) + len;
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	if (len)
		memcpy(set->data, data, len);
	ret = ioctl(device, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
	free(set);
	return ret;
}

int vfio_irq_set_eventfds(int device, uint32_t index, uint32_t action,
			  uint32_t start, uint32_t count, const int32_t *fds)
{
	return vfio_irq_set_raw(device, VFIO_IRQ_SET_DATA_EVENTFD | action, index,
			    start, count, fds, count * sizeof(*fds));
}

int vfio_irq_set_none(int device, uint32_t index, uint32_t action,
		      uint32_t start, uint32_t count)
{
	return vfio_irq_set_raw(device, VFIO_IRQ_SET_DATA_NONE | action, index,
			    start, count, NULL, 0);
}

int vfio_irq_set_bools(int device, uint32_t index, uint32_t action,
		       uint32_t start, uint32_t count, const uint8_t *vals)
{
	return vfio_irq_set_raw(device, VFIO_IRQ_SET_DATA_BOOL | action, index,
			    start, count, vals, count);
}

uint64_t eventfd_wait_ms(int efd, int ms)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	uint64_t count;

	if (poll(&pfd, 1, ms) != 1)
		return 0;
	if (read(efd, &count, sizeof(count)) != sizeof(count))
		return 0;
	return count;
}

long long pci_hw_config_read(const char *bdf, unsigned int pos,
			     unsigned int len)
{
	uint8_t b[4] = { 0 };
	char path[512];
	long long val = 0;
	unsigned int i;
	ssize_t n;
	int fd;

	if (len > sizeof(b))
		return -1;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, b, len, pos);
	close(fd);
	if (n != (ssize_t)len)
		return -1;
	for (i = 0; i < len; i++)
		val |= (long long)b[i] << (8 * i);
	return val;
}
