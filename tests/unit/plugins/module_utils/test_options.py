# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The option specs of the resources and the rules between their options; a leaf that the domain code imports,
never the other way."""

from __future__ import annotations

import ast

from pathlib import Path

from ansible_collections.influxops.influxdb2.plugins.module_utils import _options
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import ArgumentSpec, replication_argument_spec

MODULE_UTILS = 'ansible_collections.influxops.influxdb2.plugins.module_utils.'


def test_options_imports_no_domain_code():
    tree = ast.parse(Path(_options.__file__).read_text(encoding='utf-8'))
    imported = set(node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom))
    ours = set(name[len(MODULE_UTILS):] for name in imported if name.startswith(MODULE_UTILS))
    assert ours <= {'_validators'}


def test_merge_keeps_the_options_and_rules_of_both():
    spec = ArgumentSpec(dict(a=dict(type='str')), mutually_exclusive=[['a', 'c']], required_by=dict(a=['b']))
    spec.merge(ArgumentSpec(dict(b=dict(type='str')), required_by=dict(a=['d'])))
    kwargs = spec.module_kwargs()
    assert sorted(kwargs['argument_spec']) == ['a', 'b']
    assert kwargs['mutually_exclusive'] == [['a', 'c']]
    assert kwargs['required_by'] == dict(a=['b', 'd'])


def test_suboptions_carry_their_rules():
    entry = replication_argument_spec(with_remote=False).suboptions(type='list', elements='dict')
    assert entry['type'] == 'list' and 'remote' not in entry['options']
    assert entry['mutually_exclusive'] == [['local_bucket', 'local_bucket_id'], ['remote_bucket', 'remote_bucket_id']]
    assert 'required_by' not in entry
