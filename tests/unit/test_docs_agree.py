# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The facts that several documents state, stated the same way in each of them."""

from __future__ import annotations

import re

from pathlib import Path

import pytest
import yaml

from ansible_collections.influxops.influxdb2.plugins.module_utils._connection import ENVIRONMENT
from ansible_collections.influxops.influxdb2.plugins.module_utils._version import REMOTE_BUCKET_BY_NAME

ROOT = Path(__file__).resolve().parents[2]

# Every document that says from which release a remote bucket can be given by name.
REMOTE_BUCKET_DOCUMENTS = ('README.md', 'docs/docsite/rst/guide_replication.rst', 'plugins/modules/influx_replication.py',
                           'plugins/modules/influx_remotes.py', 'roles/remotes/meta/argument_specs.yml')


def _text(path):
    return (ROOT / path).read_text(encoding='utf-8')


@pytest.mark.parametrize('path', REMOTE_BUCKET_DOCUMENTS)
def test_a_remote_bucket_by_name_needs_the_release_the_modules_check(path):
    text = _text(path)
    assert '.'.join(map(str, REMOTE_BUCKET_BY_NAME)) in text
    assert not re.search(r'(since|from|in) 2\.4\b(?!\.)', text), 'says that a remote bucket by name works in 2.4'


def _summaries():
    galaxy = yaml.safe_load(_text('galaxy.yml'))
    role = yaml.safe_load(_text('roles/remotes/meta/argument_specs.yml'))['argument_specs']['main']
    meta = yaml.safe_load(_text('roles/remotes/meta/main.yml'))['galaxy_info']
    title = re.search(r"--title '([^']*)'", _text('docs/build-docs.sh')).group(1)
    readme = _text('README.md').split('\n\n')[1]
    role_readme = _text('roles/remotes/README.md').split('\n\n')[1]
    return [('galaxy.yml description', galaxy['description']),
            ('role short_description', role['short_description']),
            ('role description', ' '.join(role['description'])),
            ('role galaxy_info description', meta['description']),
            ('docs site title', title),
            ('README opening', readme),
            ('role README opening', role_readme)]


@pytest.mark.parametrize('where, summary', _summaries(), ids=[where for where, summary in _summaries()])
def test_every_summary_names_remote_connections_and_replications(where, summary):
    words = ' '.join(summary.replace('*', '').split())
    assert 'remote connection' in words
    assert 'replication' in words


@pytest.mark.parametrize('variable', sorted(source.variable for source in ENVIRONMENT.values()))
def test_every_environment_variable_that_the_modules_read_is_defined_in_the_docsite(variable):
    assert variable in yaml.safe_load(_text('docs/docsite/config.yml'))['envvar_directives']
    assert '.. envvar:: %s\n' % variable in _text('docs/docsite/rst/environment_variables.rst')
