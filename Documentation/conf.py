# SPDX-License-Identifier: GPL-2.0-only
#
# Sphinx configuration of the documentation: `make docs` runs
# sphinx-build -W -n (every warning, and every unresolved reference, is
# an error) into build/docs/html.  Plain reStructuredText, no extension,
# so Debian's python3-sphinx is all it needs.

import os
import re

project = 'vfio-oot'
copyright = 'the vfio-oot authors; GPL-2.0-only'
author = 'the vfio-oot authors'


def _package_version():
    """PACKAGE_VERSION of ../dkms.conf: the modules' MODULE_VERSION."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        '..', 'dkms.conf')
    with open(path, encoding='utf-8') as conf:
        for line in conf:
            match = re.match(r'PACKAGE_VERSION="(.*)"$', line.strip())
            if match:
                return match.group(1)
    return 'unknown'


version = _package_version()
release = version

root_doc = 'index'
exclude_patterns = []
templates_path = []
language = 'en'

# The files are written for people and for the kernel's own tooling:
# ``literal`` is the default role (as in the kernel's Documentation/).
default_role = 'literal'
highlight_language = 'none'

html_theme = 'alabaster'
html_static_path = []
html_title = 'vfio-oot documentation'
html_show_sourcelink = False
