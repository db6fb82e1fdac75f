# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""influx_remote with delete_replications: the replications that use a remote go first."""

from __future__ import annotations

import functools

import pytest

from ansible_collections.influxops.influxdb2.plugins.modules import influx_remote
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    ORG_ID,
    OTHER_REPLICATION_ID,
    REMOTE_ID,
    REPLICATION_ID,
    TOKEN,
    Call,
    api_remote,
    api_replication,
    error_body,
    warnings_of,
)

LOOKUP = '/api/v2/remotes?orgID=%s&name=central' % ORG_ID
USERS = '/api/v2/replications?orgID=%s&remoteID=%s' % (ORG_ID, REMOTE_ID)
ABSENT = dict(token=TOKEN, org_id=ORG_ID, name='central', state='absent', delete_replications=True)
LOST = "the data queued in replication(s) 'logs', 'metrics' and not yet sent is lost"
TWO = {'replications': [api_replication(name='metrics'), api_replication(name='logs', replication_id=OTHER_REPLICATION_ID)]}


@pytest.fixture
def run(run_main):
    return functools.partial(run_main, influx_remote, secrets=[TOKEN])


def test_replications_are_deleted_before_the_remote_with_a_warning(run):
    result, server = run(ABSENT, [
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
        Call('GET', USERS, body=TWO),
        Call('DELETE', '/api/v2/replications/' + OTHER_REPLICATION_ID, status=204),
        Call('DELETE', '/api/v2/replications/' + REPLICATION_ID, status=204),
        Call('DELETE', '/api/v2/remotes/' + REMOTE_ID, status=204),
    ])
    assert result['changed'] is True
    assert result['remote'] == {}
    warnings = warnings_of(result)
    assert any("'logs', 'metrics'" in w and 'lost' in w for w in warnings)
    assert result['diff']['after_header'] == LOST
    assert result['diff']['after'] == {} and result['diff']['before']['name'] == 'central'


def test_in_check_mode_nothing_is_deleted(run):
    result, server = run(ABSENT, [Call('GET', LOOKUP, body={'remotes': [api_remote()]}), Call('GET', USERS, body=TWO)],
                         check_mode=True, read_only=True)
    assert result['changed'] is True
    assert any("'logs', 'metrics'" in w for w in warnings_of(result))
    assert result['diff']['after_header'] == LOST


def test_a_remote_without_replications_is_deleted_without_a_warning(run):
    result, server = run(ABSENT, [
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
        Call('GET', USERS, body={'replications': None}),
        Call('DELETE', '/api/v2/remotes/' + REMOTE_ID, status=204),
    ])
    assert result['changed'] is True
    assert warnings_of(result) == []
    assert 'after_header' not in result['diff']


def test_a_missing_remote_needs_no_replication_request(run):
    result, server = run(ABSENT, [Call('GET', LOOKUP, body={'remotes': None})])
    assert result['changed'] is False


def test_a_replication_created_meanwhile_is_named(run):
    in_use = error_body('internal error', 'remote-connection cannot be deleted as a replication references it')
    result, server = run(ABSENT, [
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
        Call('GET', USERS, body={'replications': None}),
        Call('DELETE', '/api/v2/remotes/' + REMOTE_ID, status=500, body=in_use),
        Call('GET', USERS, body={'replications': [api_replication(name='late')]}),
    ])
    assert result['failed'] is True
    assert "replications using it: 'late'" in result['msg']


def test_delete_replications_needs_state_absent(run):
    result, server = run(dict(ABSENT, state='present'), [])
    assert result['failed'] is True
    assert 'delete_replications' in result['msg'] and 'state=absent' in result['msg']
    assert server.seen == []
