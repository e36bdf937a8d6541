// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-diag-hold: the VFIO user vfio_diag_test inspects with
 * `vfio-diag state`.  Usage: vfio-diag-hold <BDF> <IOVA> <SIZE>
 *
 * Opens a container and the function's group, sets TYPE1v2, maps SIZE
 * bytes of anonymous memory (touched first, so every page exists)
 * read/write at IOVA, opens the device and routes one vector of MSI to
 * an eventfd (INTx if the function has no MSI), then prints
 * "ready <pid> <irq>" (irq: MSI, INTx or none) and waits for a signal.
 * Everything is released by the kernel when it is killed.
 *
 * vfio-diag-hold --status <GROUP> prints the kernel's own verdict on
 * /dev/vfio/<GROUP>, "viable" or "not-viable" (VFIO_GROUP_GET_STATUS),
 * and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

static int fail(const char *what)
{
	fprintf(stderr, "vfio-diag-hold: %s: %s\n", what, strerror(errno));
	return 1;
}

static int set_irq(int device, unsigned int index)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
	int efd;

	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		return -1;
	memset(buf, 0, sizeof(buf));
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = index;
	set->start = 0;
	set->count = 1;
	memcpy(set->data, &efd, sizeof(efd));
	if (ioctl(device, VFIO_DEVICE_SET_IRQS, set)) {
		close(efd);
		return -1;
	}
	return 0;
}

static int group_status(const char *id)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int group;

	snprintf(path, sizeof(path), "/dev/vfio/%s", id);
	group = open(path, O_RDWR | O_CLOEXEC);
	if (group < 0)
		return fail(path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		return fail("VFIO_GROUP_GET_STATUS");
	printf("%s\n", status.flags & VFIO_GROUP_FLAGS_VIABLE ?
	       "viable" : "not-viable");
	close(group);
	return 0;
}

int main(int argc, char **argv)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	char path[300], link[256], *slash;
	const char *irq = "none";
	int container, group, device;
	unsigned long long iova, size;
	ssize_t n;
	void *mem;

	if (argc == 3 && !strcmp(argv[1], "--status"))
		return group_status(argv[2]);
	if (argc != 4) {
		fprintf(stderr,
			"usage: vfio-diag-hold <BDF> <IOVA> <SIZE> | --status <GROUP>\n");
		return 2;
	}
	iova = strtoull(argv[2], NULL, 0);
	size = strtoull(argv[3], NULL, 0);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 argv[1]);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return fail(path);
	link[n] = '\0';
	slash = strrchr(link, '/');
	snprintf(path, sizeof(path), "/dev/vfio/%s", slash ? slash + 1 : link);

	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (container < 0)
		return fail("/dev/vfio/vfio");
	group = open(path, O_RDWR | O_CLOEXEC);
	if (group < 0)
		return fail(path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		return fail("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "vfio-diag-hold: group %s is not viable\n",
			path);
		return 1;
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		return fail("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return fail("VFIO_SET_IOMMU");

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap");
	memset(mem, 0x5a, size);
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (unsigned long)mem;
	map.iova = iova;
	map.size = size;
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map))
		return fail("VFIO_IOMMU_MAP_DMA");

	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[1]);
	if (device < 0)
		return fail("VFIO_GROUP_GET_DEVICE_FD");
	if (!set_irq(device, VFIO_PCI_MSI_IRQ_INDEX))
		irq = "MSI";
	else if (!set_irq(device, VFIO_PCI_INTX_IRQ_INDEX))
		irq = "INTx";

	printf("ready %d %s\n", getpid(), irq);
	fflush(stdout);
	for (;;)
		pause();
}
