# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The option specs of the resources: a leaf that the domain code imports, never the other way."""

from __future__ import annotations

import ast

from pathlib import Path

from ansible_collections.influxops.influxdb2.plugins.module_utils import _options

MODULE_UTILS = 'ansible_collections.influxops.influxdb2.plugins.module_utils.'


def test_options_imports_no_domain_code():
    tree = ast.parse(Path(_options.__file__).read_text(encoding='utf-8'))
    imported = set(node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom))
    ours = set(name[len(MODULE_UTILS):] for name in imported if name.startswith(MODULE_UTILS))
    assert ours <= {'_validators'}
