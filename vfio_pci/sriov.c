// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: SR-IOV.  sriov_configure for PFs bound to us, the capture of
 * their VFs, and the VF token that PF and VF users share.
 *
 * A PF with an SR-IOV capability bound to vfio-pci owns a vpci_vf_token:
 * a UUID drawn at probe, which the PF's user may replace with
 * VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, and a count of the open VFs that
 * depend on it.  The user of a VF whose PF is ours must name the token in
 * VFIO_GROUP_GET_DEVICE_FD ("<bdf> vf_token=<uuid>"): trusting a PF that
 * user space drives is opted into, never implied.  While VFs are open the
 * PF's own user must prove it knows the token too; while none is, a token
 * given for the PF becomes the new token.
 *
 * A VF learns its PF (vfio_pci_dev::sriov_pf) at probe, from the list of
 * PFs on which our sriov_configure enabled VFs.  The pointer stays valid
 * while the VF is bound: the PF disables its VFs, which unbinds them,
 * before it goes away itself (vpci_sriov_remove()).  A VF of a PF driven
 * by another driver has no sriov_pf and needs no token.
 *
 * Locks: vpci_sriov_lock guards the PF list and is taken alone.  A PF's
 * vf_token->lock is taken under the core's group device_lock (match) and
 * under the VF's vfio_device::open_lock (open/close), and nests nothing.
 */
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uuid.h>

#include "vfio_compat.h"
#include "vfio_pci_priv.h"

#define VPCI_VF_TOKEN_ARG	"vf_token="

/**
 * struct vpci_vf_token - the secret shared by a PF's and its VFs' users
 * @lock: guards @uuid and @users
 * @uuid: the current token
 * @users: VFs of this PF that are open (their open_device() ran)
 */
struct vpci_vf_token {
	struct mutex lock;	/* uuid, users */
	uuid_t uuid;
	int users;
};

/* PFs whose VFs our sriov_configure enabled (sriov_pfs_node) */
static DEFINE_MUTEX(vpci_sriov_lock);
static LIST_HEAD(vpci_sriov_pfs);

/**
 * vpci_parse_match() - parse a VFIO_GROUP_GET_DEVICE_FD string
 * @name: the device's PCI name ("0000:02:00.1")
 * @buf: the user's string: @name, then optional options separated by
 *       spaces; the one option known is "vf_token=<uuid>", at most once
 * @has_token: set when @buf carries a vf_token
 * @uuid: the token parsed, when @has_token
 *
 * Return: 1 if @buf names the device and its options are well formed,
 * 0 if it names another device, -EINVAL for a malformed or unknown or
 * repeated option.
 */
VISIBLE_IF_KUNIT int vpci_parse_match(const char *name, const char *buf,
				      bool *has_token, uuid_t *uuid)
{
	size_t len = strlen(name);
	size_t arg_len = strlen(VPCI_VF_TOKEN_ARG);

	*has_token = false;
	if (strncmp(buf, name, len))
		return 0;
	buf += len;
	if (*buf && *buf != ' ')
		return 0;

	while (*buf) {
		if (*buf == ' ') {
			buf++;
			continue;
		}
		if (*has_token || strncmp(buf, VPCI_VF_TOKEN_ARG, arg_len))
			return -EINVAL;
		buf += arg_len;
		if (strnlen(buf, UUID_STRING_LEN) < UUID_STRING_LEN)
			return -EINVAL;
		if (uuid_parse(buf, uuid))
			return -EINVAL;
		*has_token = true;
		buf += UUID_STRING_LEN;
	}
	return 1;
}
EXPORT_SYMBOL_IF_KUNIT(vpci_parse_match);

/* A VF whose PF is ours: the PF's token, and nothing else, opens it. */
static int vpci_check_vf(struct vfio_pci_dev *vp, bool has_token,
			 const uuid_t *uuid)
{
	struct vfio_pci_dev *pf = vp->sriov_pf;
	bool same;

	if (!pf) {
		if (!has_token)
			return 0;
		pci_info_ratelimited(vp->pdev,
				     "VF token incorrectly provided, PF not bound to vfio-pci\n");
		return -EINVAL;
	}

	if (!has_token) {
		pci_info_ratelimited(vp->pdev,
				     "VF token required to access device\n");
		return -EACCES;
	}

	mutex_lock(&pf->vf_token->lock);
	same = uuid_equal(uuid, &pf->vf_token->uuid);
	mutex_unlock(&pf->vf_token->lock);
	if (!same) {
		pci_info_ratelimited(vp->pdev,
				     "Incorrect VF token provided for device\n");
		return -EACCES;
	}
	return 0;
}

/* A PF: the token is proof while VFs are open, and a new token otherwise. */
static int vpci_check_pf(struct vfio_pci_dev *vp, bool has_token,
			 const uuid_t *uuid)
{
	struct vpci_vf_token *token = vp->vf_token;
	int ret = 0;

	mutex_lock(&token->lock);
	if (!token->users) {
		if (has_token)
			uuid_copy(&token->uuid, uuid);
	} else if (!has_token) {
		pci_info_ratelimited(vp->pdev,
				     "VF token required to access device\n");
		ret = -EACCES;
	} else if (!uuid_equal(uuid, &token->uuid)) {
		pci_info_ratelimited(vp->pdev,
				     "Incorrect VF token provided for device\n");
		ret = -EACCES;
	}
	mutex_unlock(&token->lock);
	return ret;
}

/**
 * vpci_match() - vfio_device_ops.match: the device name, and its VF token
 * @vdev: a vfio-pci device
 * @buf: the string given to VFIO_GROUP_GET_DEVICE_FD
 *
 * Return: 1 if @buf names @vdev and the token rules allow the open, 0 if
 * it names another device, -EINVAL for a malformed string or a token
 * given where none is used, -EACCES for a missing or wrong token.
 */
int vpci_match(struct vfio_device *vdev, const char *buf)
{
	struct vfio_pci_dev *vp = to_vpci(vdev);
	bool has_token;
	uuid_t uuid;
	int ret;

	ret = vpci_parse_match(pci_name(vp->pdev), buf, &has_token, &uuid);
	if (ret <= 0)
		return ret;

	if (vp->pdev->is_virtfn) {
		ret = vpci_check_vf(vp, has_token, &uuid);
	} else if (vp->vf_token) {
		ret = vpci_check_pf(vp, has_token, &uuid);
	} else if (has_token) {
		pci_info_ratelimited(vp->pdev,
				     "VF token incorrectly provided, not a PF or VF\n");
		ret = -EINVAL;
	}
	return ret ? ret : 1;
}

/**
 * vpci_vf_token_feature() - VFIO_DEVICE_FEATURE_PCI_VF_TOKEN
 * @vp: the device
 * @flags: the feature's flags (the core checked them)
 * @data: the user's payload: a 16-byte UUID
 * @size: bytes of payload the user's argsz leaves
 *
 * Only SET (and PROBE) exist: reading the token back would hand it from
 * one user of the PF to the next.
 *
 * Return: 0, -ENOTTY if @vp is not a PF with a token, -EINVAL for GET,
 * for neither GET nor SET, or for a short payload, -EFAULT.
 */
int vpci_vf_token_feature(struct vfio_pci_dev *vp, u32 flags,
			  void __user *data, size_t size)
{
	uuid_t uuid;
	int ret;

	if (!vp->vf_token)
		return -ENOTTY;
	ret = vpci_feature_check(flags, size, VFIO_DEVICE_FEATURE_SET,
				 sizeof(uuid));
	if (ret != 1)
		return ret;
	if (copy_from_user(&uuid, data, sizeof(uuid)))
		return -EFAULT;

	mutex_lock(&vp->vf_token->lock);
	uuid_copy(&vp->vf_token->uuid, &uuid);
	mutex_unlock(&vp->vf_token->lock);
	return 0;
}

/**
 * vpci_vf_token_get() - an open VF now depends on its PF's token
 * @vp: a device whose open_device() succeeded
 */
void vpci_vf_token_get(struct vfio_pci_dev *vp)
{
	struct vfio_pci_dev *pf = vp->sriov_pf;

	if (!pf)
		return;
	mutex_lock(&pf->vf_token->lock);
	pf->vf_token->users++;
	mutex_unlock(&pf->vf_token->lock);
}

/**
 * vpci_vf_token_put() - undo vpci_vf_token_get() at close_device()
 * @vp: the device being closed
 */
void vpci_vf_token_put(struct vfio_pci_dev *vp)
{
	struct vfio_pci_dev *pf = vp->sriov_pf;

	if (!pf)
		return;
	mutex_lock(&pf->vf_token->lock);
	WARN_ON(pf->vf_token->users <= 0);
	pf->vf_token->users--;
	mutex_unlock(&pf->vf_token->lock);
}

/*
 * VFs of a PF of ours are born with driver_override "vfio-pci", so that
 * no host driver grabs a function whose PF user space controls.
 */
static int vpci_bus_notifier(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct vfio_pci_dev *pf = container_of(nb, struct vfio_pci_dev,
					       sriov_nb);
	struct pci_dev *pdev = to_pci_dev(data);
	const char *ours = pf->vdev.ops->name;
	struct pci_driver *drv;

	if (!pdev->is_virtfn || pci_physfn(pdev) != pf->pdev)
		return NOTIFY_DONE;

	if (action == BUS_NOTIFY_ADD_DEVICE) {
		pci_info(pf->pdev, "Captured SR-IOV VF %s driver_override\n",
			 pci_name(pdev));
		if (vfio_compat_set_driver_override(pdev, ours))
			pci_warn(pf->pdev, "cannot set driver_override of VF %s\n",
				 pci_name(pdev));
	} else if (action == BUS_NOTIFY_BOUND_DRIVER) {
		drv = pci_dev_driver(pdev);
		if (drv && strcmp(drv->name, ours))
			pci_warn(pf->pdev,
				 "VF %s bound to driver %s while PF bound to driver %s\n",
				 pci_name(pdev), drv->name, ours);
	}
	return NOTIFY_DONE;
}

/**
 * vpci_sriov_probe() - SR-IOV state of a device being bound
 * @vp: the device, not yet registered with the core
 *
 * A VF finds its PF if the PF is ours and enabled it; a PF gets a random
 * token and starts capturing its future VFs.
 *
 * Return: 0, or a negative errno (-EBUSY for a PF whose VFs exist).
 */
int vpci_sriov_probe(struct vfio_pci_dev *vp)
{
	struct pci_dev *pdev = vp->pdev;
	struct vfio_pci_dev *cur;
	int ret;

	INIT_LIST_HEAD(&vp->sriov_pfs_node);

	if (pdev->is_virtfn) {
		mutex_lock(&vpci_sriov_lock);
		list_for_each_entry(cur, &vpci_sriov_pfs, sriov_pfs_node) {
			if (cur->pdev == pci_physfn(pdev)) {
				vp->sriov_pf = cur;
				break;
			}
		}
		mutex_unlock(&vpci_sriov_lock);
		return 0;
	}

	if (!pdev->is_physfn)
		return 0;

	/* Existing VFs may be in use by anyone: we could not track them. */
	if (pci_num_vf(pdev)) {
		pci_warn(pdev, "Cannot bind to PF with SR-IOV enabled\n");
		return -EBUSY;
	}

	vp->vf_token = kzalloc(sizeof(*vp->vf_token), GFP_KERNEL);
	if (!vp->vf_token)
		return -ENOMEM;
	mutex_init(&vp->vf_token->lock);
	uuid_gen(&vp->vf_token->uuid);

	vp->sriov_nb.notifier_call = vpci_bus_notifier;
	ret = bus_register_notifier(&pci_bus_type, &vp->sriov_nb);
	if (ret)
		goto err_free_token;
	return 0;

err_free_token:
	mutex_destroy(&vp->vf_token->lock);
	kfree(vp->vf_token);
	vp->vf_token = NULL;
	return ret;
}

/**
 * vpci_sriov_free() - undo vpci_sriov_probe()
 * @vp: a device no longer registered, whose VFs are disabled
 */
void vpci_sriov_free(struct vfio_pci_dev *vp)
{
	if (!vp->vf_token)
		return;
	bus_unregister_notifier(&pci_bus_type, &vp->sriov_nb);
	WARN_ON(vp->vf_token->users);
	mutex_destroy(&vp->vf_token->lock);
	kfree(vp->vf_token);
	vp->vf_token = NULL;
}

/**
 * vpci_sriov_configure_pf() - enable @nr VFs on a PF of ours, or disable
 * @vp: the PF; its device lock is held
 * @nr: how many VFs, 0 to disable them
 *
 * Return: @nr once enabled, 0 once disabled, -EINVAL if this PF's VFs are
 * already enabled, or the error of pci_enable_sriov().
 */
int vpci_sriov_configure_pf(struct vfio_pci_dev *vp, int nr)
{
	struct pci_dev *pdev = vp->pdev;
	int ret;

	device_lock_assert(&pdev->dev);

	if (nr) {
		/* Whoever puts the PF on the list is the one to enable. */
		mutex_lock(&vpci_sriov_lock);
		if (!list_empty(&vp->sriov_pfs_node)) {
			mutex_unlock(&vpci_sriov_lock);
			return -EINVAL;
		}
		list_add_tail(&vp->sriov_pfs_node, &vpci_sriov_pfs);
		mutex_unlock(&vpci_sriov_lock);

		/* The VFs probe in here, and find the PF on the list. */
		ret = pci_enable_sriov(pdev, nr);
		if (!ret)
			return nr;
	} else {
		if (pci_num_vf(pdev))
			pci_disable_sriov(pdev);
		ret = 0;
	}

	mutex_lock(&vpci_sriov_lock);
	list_del_init(&vp->sriov_pfs_node);
	mutex_unlock(&vpci_sriov_lock);
	return ret;
}

/**
 * vpci_sriov_configure() - pci_driver.sriov_configure (sysfs sriov_numvfs)
 * @pdev: a PF bound to vfio-pci
 * @nr: how many VFs the user wrote
 *
 * Return: as vpci_sriov_configure_pf(), or -ENOENT unless the module
 * parameter enable_sriov allows it (the errno sysfs gives for a driver
 * without sriov_configure).
 */
int vpci_sriov_configure(struct pci_dev *pdev, int nr)
{
	struct vfio_pci_dev *vp = dev_get_drvdata(&pdev->dev);

	if (!vpci_enable_sriov)
		return -ENOENT;
	return vpci_sriov_configure_pf(vp, nr);
}

/**
 * vpci_sriov_remove() - a PF leaves: its VFs go first
 * @vp: the device being removed, still registered
 */
void vpci_sriov_remove(struct vfio_pci_dev *vp)
{
	if (vp->vf_token)
		vpci_sriov_configure_pf(vp, 0);
}
