// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-diag: diagnostics of a host's VFIO setup, for the vfio-oot
 * modules and the kernel's in-tree ones alike (state needs vfio-oot).
 * Subcommands: groups, bind, unbind, check, state; see vfio-diag(8).
 */
#include <stdio.h>
#include <string.h>

#include "diag.h"

const char *vd_prog = "vfio-diag";

static const struct {
	const char *name;
	int (*main)(int argc, char **argv);
} vd_commands[] = {
	{ "groups", vd_groups_main },
	{ "bind", vd_bind_main },
	{ "unbind", vd_unbind_main },
	{ "check", vd_check_main },
	{ "state", vd_state_main },
};

static void vd_usage(FILE *f)
{
	fprintf(f,
		"usage: %s <command> [options]\n"
		"\n"
		"commands:\n"
		"  groups [-v]                  IOMMU groups, their devices, drivers and viability\n"
		"  bind <BDF>                   bind a PCI function to vfio-pci (driver_override)\n"
		"  unbind [--driver NAME] <BDF> give it back to its previous driver\n"
		"  check [--memory SIZE]        is this host ready for VFIO (PASS/WARN/FAIL)\n"
		"  state [-r]                   containers, mappings, pinned memory, devices and\n"
		"                               interrupts from vfio-oot's debugfs\n"
		"\n"
		"exit status: 0 success, 1 failure (or a FAIL in check), 2 usage error,\n"
		"3 state: no vfio-oot debugfs (in-tree modules).  See vfio-diag(8).\n",
		vd_prog);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		vd_usage(stderr);
		return VD_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		vd_usage(stdout);
		return VD_OK;
	}
	for (i = 0; i < ARRAY_SIZE(vd_commands); i++)
		if (!strcmp(argv[1], vd_commands[i].name))
			return vd_commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", vd_prog, argv[1]);
	vd_usage(stderr);
	return VD_USAGE;
}
