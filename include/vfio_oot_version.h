/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The version of the three modules, MODULE_VERSION() of each; the same as
 * PACKAGE_VERSION in dkms.conf (tests/dkms/dkms-test.sh checks that).
 *
 * dkms refuses to install a module into updates/ when the in-tree module
 * of the same name has a newer version (Debian's 6.1 and 6.12: vfio 0.3,
 * vfio_iommu_type1 0.2) or the same one; two modules without a version
 * count as the same version, so a versionless vfio-pci of ours would not
 * be installed beside the in-tree one, which has none.
 */
#ifndef VFIO_OOT_VERSION_H
#define VFIO_OOT_VERSION_H

#define VFIO_OOT_VERSION "1.0"

#endif /* VFIO_OOT_VERSION_H */
