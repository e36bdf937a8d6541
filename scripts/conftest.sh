#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# scripts/conftest.sh <KDIR> <OUTFILE>
#
# Build-time feature probes for the kernel-API differences between the
# kernels we support (Debian 12's stock 6.1 and bookworm-backports' 6.12)
# and the ones after them.  Every probe is a tiny C file compiled with the
# target kernel's own flags (plus -Werror) by one kbuild run over all of
# them at once (make -k, one .o target per probe); a probe whose .o gets
# built means the feature is there.  OUTFILE receives one
# `#define VFIO_COMPAT_HAVE_<X> 1` line per feature found (and a comment
# for each one missing); include/vfio_compat.h turns those into wrappers.
# Documentation/compat.rst lists the probes and the kernel changes behind
# them.
#
# Some differences are probed from both sides (the new form and the old
# one): if neither compiles, the probe itself or the kernel tree is broken,
# and the script fails instead of writing a header that silently picks a
# wrong branch.  The compiler output of every probe is kept in
# <OUTFILE without .h>.log.  OUTFILE is only rewritten when its content
# changes, so an unchanged kernel does not trigger a rebuild.
set -euo pipefail

usage() {
	echo "usage: $0 <KDIR> <OUTFILE>" >&2
	exit 2
}

[ $# -eq 2 ] || usage
kdir=$1
outfile=$2
[ -f "$kdir/Makefile" ] ||
	{ echo "conftest: $kdir is not a kernel build tree" >&2; exit 1; }
kdir=$(cd "$kdir" && pwd)
release=$(cat "$kdir/include/config/kernel.release" 2>/dev/null || echo unknown)

outdir=$(dirname "$outfile")
mkdir -p "$outdir"
logfile=${outfile%.h}.log

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfio-conftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

probes=()

# probe <name> <body>: <body> (C, read from stdin by the caller's heredoc)
# is written to conftest_<name>.c after the common includes.  It must
# compile warning-free with the kernel's default flags, so it declares the
# prototype of every function it defines.
probe() {
	local name=$1

	{
		echo '#include <linux/module.h>'
		cat
	} >"$tmp/conftest_$name.c"
	probes+=("$name")
}

# --- the probes --------------------------------------------------------

# Sanity check: must always compile, or the tree (or the compiler) is broken.
probe baseline <<'EOF'
int vfio_conftest(void);
int vfio_conftest(void) { return 0; }
EOF

# 6.3, "iommu: Add a gfp parameter to iommu_map()"
probe iommu_map_gfp <<'EOF'
#include <linux/iommu.h>
int vfio_conftest(struct iommu_domain *d);
int vfio_conftest(struct iommu_domain *d)
{
	return iommu_map(d, 0, 0, PAGE_SIZE, IOMMU_READ, GFP_KERNEL);
}
EOF
probe old_iommu_map <<'EOF'
#include <linux/iommu.h>
int vfio_conftest(struct iommu_domain *d);
int vfio_conftest(struct iommu_domain *d)
{
	return iommu_map(d, 0, 0, PAGE_SIZE, IOMMU_READ);
}
EOF

# 6.3, "mm: introduce vma->vm_flags wrapper functions"
probe vm_flags_set <<'EOF'
#include <linux/mm.h>
void vfio_conftest(struct vm_area_struct *vma);
void vfio_conftest(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_IO);
}
EOF
probe old_vm_flags_write <<'EOF'
#include <linux/mm.h>
void vfio_conftest(struct vm_area_struct *vma);
void vfio_conftest(struct vm_area_struct *vma)
{
	vma->vm_flags |= VM_IO;
}
EOF

# 6.4, "driver core: class: remove module * from class_create()"
probe class_create_no_owner <<'EOF'
#include <linux/device.h>
struct class *vfio_conftest(void);
struct class *vfio_conftest(void) { return class_create("vfio_conftest"); }
EOF
probe old_class_create <<'EOF'
#include <linux/device.h>
struct class *vfio_conftest(void);
struct class *vfio_conftest(void)
{
	return class_create(THIS_MODULE, "vfio_conftest");
}
EOF

# 6.2, "driver core: make struct class.devnode() take a const *"
probe class_devnode_const <<'EOF'
#include <linux/device.h>
char *vfio_conftest_devnode(const struct device *dev, umode_t *mode);
void vfio_conftest(struct class *c);
void vfio_conftest(struct class *c) { c->devnode = vfio_conftest_devnode; }
EOF
probe old_class_devnode <<'EOF'
#include <linux/device.h>
char *vfio_conftest_devnode(struct device *dev, umode_t *mode);
void vfio_conftest(struct class *c);
void vfio_conftest(struct class *c) { c->devnode = vfio_conftest_devnode; }
EOF

# 6.8, "eventfd: simplify eventfd_signal()"
probe eventfd_signal_no_count <<'EOF'
#include <linux/eventfd.h>
void vfio_conftest(struct eventfd_ctx *ctx);
void vfio_conftest(struct eventfd_ctx *ctx) { eventfd_signal(ctx); }
EOF
probe old_eventfd_signal <<'EOF'
#include <linux/eventfd.h>
void vfio_conftest(struct eventfd_ctx *ctx);
void vfio_conftest(struct eventfd_ctx *ctx) { eventfd_signal(ctx, 1); }
EOF

# 6.12, "mm: new follow_pfnmap API" (and "mm: remove follow_pte()")
probe follow_pfnmap_start <<'EOF'
#include <linux/mm.h>
unsigned long vfio_conftest(struct vm_area_struct *vma);
unsigned long vfio_conftest(struct vm_area_struct *vma)
{
	struct follow_pfnmap_args args = { .vma = vma, .address = 0 };

	if (follow_pfnmap_start(&args))
		return 0;
	follow_pfnmap_end(&args);
	return args.pfn + args.writable;
}
EOF
# 6.10, "mm: pass VMA instead of MM to follow_pte()"
probe follow_pte_vma <<'EOF'
#include <linux/mm.h>
int vfio_conftest(struct vm_area_struct *vma, pte_t **ptep, spinlock_t **ptl);
int vfio_conftest(struct vm_area_struct *vma, pte_t **ptep, spinlock_t **ptl)
{
	return follow_pte(vma, 0, ptep, ptl);
}
EOF
probe old_follow_pte_mm <<'EOF'
#include <linux/mm.h>
int vfio_conftest(struct mm_struct *mm, pte_t **ptep, spinlock_t **ptl);
int vfio_conftest(struct mm_struct *mm, pte_t **ptep, spinlock_t **ptl)
{
	return follow_pte(mm, 0, ptep, ptl);
}
EOF

# 6.3, "genirq/msi: Add msi_device_has_isolated_msi()" (with "iommu: Remove
# IOMMU_CAP_INTR_REMAP" and "irq: Remove unused
# irq_domain_check_msi_remap() code")
probe msi_device_has_isolated_msi <<'EOF'
#include <linux/msi.h>
bool vfio_conftest(struct device *dev);
bool vfio_conftest(struct device *dev)
{
	return msi_device_has_isolated_msi(dev);
}
EOF
probe old_iommu_cap_intr_remap <<'EOF'
#include <linux/iommu.h>
#include <linux/irqdomain.h>
bool vfio_conftest(struct device *dev);
bool vfio_conftest(struct device *dev)
{
	return irq_domain_check_msi_remap() ||
	       device_iommu_capable(dev, IOMMU_CAP_INTR_REMAP);
}
EOF

# 6.11, "iommu: Add iommu_paging_domain_alloc() interface"
probe iommu_paging_domain_alloc <<'EOF'
#include <linux/iommu.h>
struct iommu_domain *vfio_conftest(struct device *dev);
struct iommu_domain *vfio_conftest(struct device *dev)
{
	return iommu_paging_domain_alloc(dev);
}
EOF
# Removed in 6.13 ("iommu: Remove iommu_domain_alloc()").
probe iommu_domain_alloc <<'EOF'
#include <linux/iommu.h>
struct iommu_domain *vfio_conftest(struct device *dev);
struct iommu_domain *vfio_conftest(struct device *dev)
{
	return iommu_domain_alloc(dev->bus);
}
EOF

# Removed in 6.13 ("iommu/vfio: Remove VFIO_TYPE1_NESTING_IOMMU").
probe iommu_enable_nesting <<'EOF'
#include <linux/iommu.h>
int vfio_conftest(struct iommu_domain *d);
int vfio_conftest(struct iommu_domain *d) { return iommu_enable_nesting(d); }
EOF

# 6.12, "introduce fd_file(), convert all accessors to it"
probe fd_file <<'EOF'
#include <linux/file.h>
struct file *vfio_conftest(unsigned int fd);
struct file *vfio_conftest(unsigned int fd)
{
	struct fd f = fdget(fd);
	struct file *file = fd_file(f);

	fdput(f);
	return file;
}
EOF
probe old_fd_file_member <<'EOF'
#include <linux/file.h>
struct file *vfio_conftest(unsigned int fd);
struct file *vfio_conftest(unsigned int fd)
{
	struct fd f = fdget(fd);
	struct file *file = f.file;

	fdput(f);
	return file;
}
EOF

# Removed in 6.12, "fs: remove no_llseek"
probe no_llseek <<'EOF'
#include <linux/fs.h>
const struct file_operations vfio_conftest_fops = { .llseek = no_llseek };
EOF

# 6.13, "module: Convert symbol namespace to string literal": probed from
# the old side only (a string also compiles with the old macro, as a
# wrongly quoted name), so VFIO_COMPAT_HAVE_MODULE_IMPORT_NS_STRING is
# defined when the bare identifier no longer compiles.
probe old_module_import_ns_ident <<'EOF'
MODULE_IMPORT_NS(VFIO_CONFTEST);
EOF

# driver core, "generic driver_override infrastructure" (in Debian's
# 6.12.y): struct pci_dev lost its own driver_override string.
probe device_set_driver_override <<'EOF'
#include <linux/device.h>
int vfio_conftest(struct device *dev);
int vfio_conftest(struct device *dev)
{
	return device_set_driver_override(dev, "vfio-pci");
}
EOF
probe old_pci_driver_override <<'EOF'
#include <linux/pci.h>
int vfio_conftest(struct pci_dev *pdev);
int vfio_conftest(struct pci_dev *pdev)
{
	return driver_set_override(&pdev->dev, &pdev->driver_override,
				   "vfio-pci", 8);
}
EOF

# --- the build ---------------------------------------------------------

{
	echo 'ccflags-y += -Werror'
	for p in "${probes[@]}"; do
		echo "obj-m += conftest_$p.o"
	done
} >"$tmp/Kbuild"

targets=()
for p in "${probes[@]}"; do
	targets+=("conftest_$p.o")
done

# A parent make's command-line variables (W=1, C=1, M=...) and jobserver
# travel in MAKEFLAGS: the probes need a clean kbuild of their own.
jobs=$(nproc 2>/dev/null || echo 2)
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u KBUILD_EXTMOD \
	-u KBUILD_OUTPUT -u W -u C -u V \
	make -k -j"$jobs" -C "$kdir" M="$tmp" "${targets[@]}" \
	>"$logfile" 2>&1 || true

have() {
	[ -f "$tmp/conftest_$1.o" ]
}

if ! have baseline; then
	echo "conftest: even the baseline probe fails against $kdir; see $logfile" >&2
	exit 1
fi

defines=()
missing=()

# result <feature> <0|1>
result() {
	if [ "$2" = 1 ]; then
		defines+=("#define VFIO_COMPAT_HAVE_$1 1")
	else
		defines+=("/* VFIO_COMPAT_HAVE_$1 is not set */")
	fi
}

# pair <new probe> <old probe>: exactly one must compile.
pair() {
	local feature=${1^^}

	if have "$1"; then
		result "$feature" 1
	elif have "$2"; then
		result "$feature" 0
	else
		missing+=("$1/$2")
	fi
}

pair iommu_map_gfp old_iommu_map
pair vm_flags_set old_vm_flags_write
pair class_create_no_owner old_class_create
pair class_devnode_const old_class_devnode
pair eventfd_signal_no_count old_eventfd_signal
pair msi_device_has_isolated_msi old_iommu_cap_intr_remap
pair fd_file old_fd_file_member
pair device_set_driver_override old_pci_driver_override

if have follow_pfnmap_start; then
	result FOLLOW_PFNMAP_START 1
	result FOLLOW_PTE_VMA 0
elif have follow_pte_vma; then
	result FOLLOW_PFNMAP_START 0
	result FOLLOW_PTE_VMA 1
elif have old_follow_pte_mm; then
	result FOLLOW_PFNMAP_START 0
	result FOLLOW_PTE_VMA 0
else
	missing+=("follow_pfnmap_start/follow_pte_vma/old_follow_pte_mm")
fi

if have iommu_paging_domain_alloc; then
	result IOMMU_PAGING_DOMAIN_ALLOC 1
elif have iommu_domain_alloc; then
	result IOMMU_PAGING_DOMAIN_ALLOC 0
else
	missing+=("iommu_paging_domain_alloc/iommu_domain_alloc")
fi

for p in iommu_enable_nesting no_llseek; do
	if have "$p"; then
		result "${p^^}" 1
	else
		result "${p^^}" 0
	fi
done

if have old_module_import_ns_ident; then
	result MODULE_IMPORT_NS_STRING 0
else
	result MODULE_IMPORT_NS_STRING 1
fi

if [ ${#missing[@]} -gt 0 ]; then
	echo "conftest: no variant compiles against $kdir for: ${missing[*]}" >&2
	echo "conftest: a kernel API changed again (or a probe is broken); see $logfile" >&2
	exit 1
fi

new=$tmp/vfio_compat_conftest.h
{
	echo '/* SPDX-License-Identifier: GPL-2.0-only */'
	echo '/*'
	echo ' * Generated by scripts/conftest.sh: do not edit.'
	echo " * Kernel: $release ($kdir)"
	echo ' */'
	echo '#ifndef VFIO_COMPAT_CONFTEST_H'
	echo '#define VFIO_COMPAT_CONFTEST_H'
	echo
	printf '%s\n' "${defines[@]}"
	echo
	echo '#endif /* VFIO_COMPAT_CONFTEST_H */'
} >"$new"

if ! cmp -s "$new" "$outfile"; then
	cp "$new" "$outfile.tmp"
	mv -f "$outfile.tmp" "$outfile"
fi
