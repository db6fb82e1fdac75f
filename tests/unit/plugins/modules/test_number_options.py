# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every number option of every module, suboptions included: a value out of its range fails the task
before any request, with a message that names the option (as ``remotes[0].replications[0].name`` in a
list) and its range; the documentation of the option states the same range.

The options are found in the argument spec that each module gives ``AnsibleModule``, so an option
added later is covered here without a new test.
"""

from __future__ import annotations

from unittest import mock

import pytest
import yaml

from ansible_collections.influxops.influxdb2.plugins.doc_fragments._connection import ModuleDocFragment
from ansible_collections.influxops.influxdb2.plugins.module_utils import _connection
from ansible_collections.influxops.influxdb2.plugins.modules import (
    influx_remote,
    influx_remote_info,
    influx_remotes,
    influx_replication,
    influx_replication_info,
)
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import ORG_ID, TOKEN

MODULES = (influx_remote, influx_remote_info, influx_remotes, influx_replication, influx_replication_info)
NUMBER_TYPES = ('int', 'float')
INT64_MAX = 2 ** 63 - 1

# The range of each number option: the words of the message, values out of it, and the bounds its
# documentation names (as V(...)).
RANGES = {
    'timeout': ('a number greater than 0 and at most 3600', [0, -1.5, 3600.5, '1e400'], ['0', '3600']),
    'retries': ('an integer from 0 to 20', [-1, 21, 2 ** 63], ['0', '20']),
    'retry_backoff': ('a number from 0 to 60', [-0.5, 60.5, 1e308], ['0', '60']),
    'max_queue_size_bytes': ('an integer from 33554430 to %d' % INT64_MAX, [33554429, 0, -1, INT64_MAX + 1, 2 ** 64],
                             ['33554430', str(INT64_MAX)]),
    'max_age_seconds': ('0 or an integer from 60 to 5184000', [-1, 59, 5184001, INT64_MAX + 1], ['0', '60', '5184000']),
    'backlog_threshold': ('a number greater than 0 and at most 1', [0, -0.5, 1.01, 1e308], ['0', '1']),
    'poll': ('a number from 0.1 to 3600', [0, 0.05, 3600.5], ['0.1', '3600']),
}
# Out of the range of any option of its type: what the API cannot store (int64), and what is no number.
OUT_OF_ANY_RANGE = {'int': [INT64_MAX + 1, -2 ** 63 - 1], 'float': ['nan', 'inf', '-inf']}


class _Captured(Exception):
    pass


def argument_spec(module):
    """The whole argument spec that ``module.main()`` gives ``AnsibleModule``."""
    captured = {}

    def capture(argument_spec, **kwargs):
        captured.update(argument_spec)
        raise _Captured()
    with mock.patch.object(_connection, 'InfluxModule', capture), pytest.raises(_Captured):
        module.main()
    return captured


def number_options(spec, path=()):
    """``(path, type)`` of every number option of ``spec``, suboptions included (a path is a tuple of names)."""
    for option, entry in sorted(spec.items()):
        if entry.get('type') in NUMBER_TYPES:
            yield path + (option,), entry['type']
        elif entry.get('options'):
            yield from number_options(entry['options'], path + (option,))


def args_at(spec, path, value):
    """Arguments that set the option at ``path`` to ``value``, with every required option on the way set too."""
    args = dict((option, 'x') for option, entry in spec.items() if entry.get('required'))
    head, rest = path[0], path[1:]
    if rest:
        inner = args_at(spec[head]['options'], rest, value)
        args[head] = [inner] if spec[head]['type'] == 'list' else inner
    else:
        args[head] = value
    return args


def option_name(spec, path):
    """How a message names the option at ``path``: ``remotes[0].replications[0].max_queue_size_bytes``."""
    parts = []
    for name in path[:-1]:
        parts.append(name + ('[0]' if spec[name]['type'] == 'list' else ''))
        spec = spec[name]['options']
    return '.'.join(parts + [path[-1]])


SPECS = dict((module, argument_spec(module)) for module in MODULES)
OPTIONS = [(module, path, kind) for module in MODULES for path, kind in number_options(SPECS[module])]


def cases(values_of):
    """One test case for each number option of each module and each of the values ``values_of(path, kind)``."""
    return [pytest.param(module, path, value, id='%s-%s-%r' % (module.__name__.rpartition('.')[2], '.'.join(path), value))
            for module, path, kind in OPTIONS for value in values_of(path, kind)]


def run_with(run_main, module, path, value):
    args = dict(args_at(SPECS[module], path, value), token=TOKEN, org_id=ORG_ID)
    result, server = run_main(module, args, [])
    assert server.seen == []
    return result


def test_the_options_are_found():
    assert ('remotes', 'replications', 'max_queue_size_bytes') in [path for module, path, kind in OPTIONS]
    assert len([path for module, path, kind in OPTIONS if path == ('timeout',)]) == len(MODULES)


def test_every_number_option_has_its_range_here():
    assert set(path[-1] for module, path, kind in OPTIONS) == set(RANGES)


@pytest.mark.parametrize('module, path, value', cases(lambda path, kind: OUT_OF_ANY_RANGE[kind]))
def test_a_value_out_of_any_range_fails_before_any_request(run_main, module, path, value):
    result = run_with(run_main, module, path, value)
    assert result['failed'] is True
    assert result['msg'].startswith('%s must be ' % option_name(SPECS[module], path)), result['msg']


@pytest.mark.parametrize('module, path, value', cases(lambda path, kind: RANGES[path[-1]][1]))
def test_a_value_out_of_the_range_of_the_option_fails_before_any_request(run_main, module, path, value):
    result = run_with(run_main, module, path, value)
    assert result['failed'] is True
    assert result['msg'].startswith('%s must be %s' % (option_name(SPECS[module], path), RANGES[path[-1]][0])), result['msg']


def documentation(module, path):
    """The description of the option at ``path`` in the documentation of ``module`` (or the connection fragment)."""
    options = yaml.safe_load(module.DOCUMENTATION)['options']
    if path[0] not in options:
        options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    for name in path[:-1]:
        options = options[name]['suboptions']
    description = options[path[-1]]['description']
    return ' '.join(description) if isinstance(description, list) else description


@pytest.mark.parametrize('module, path, bound', cases(lambda path, kind: RANGES[path[-1]][2]))
def test_the_documentation_states_the_range(module, path, bound):
    assert 'V(%s)' % bound in documentation(module, path)
