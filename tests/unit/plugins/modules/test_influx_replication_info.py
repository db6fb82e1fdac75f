# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""influx_replication_info's main(): filters, the exact requests, and the health of each replication."""

from __future__ import annotations

import functools

import pytest

from ansible_collections.influxops.influxdb2.plugins.modules import influx_replication_info
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    BUCKET_ID,
    ORG_ID,
    OTHER_ORG_ID,
    OTHER_REPLICATION_ID,
    REMOTE_ID,
    REPLICATION_ID,
    TOKEN,
    Call,
    api_bucket,
    api_remote,
    api_replication,
    error_body,
)

LIST = '/api/v2/replications?orgID=' + ORG_ID
BASE = dict(token=TOKEN, org_id=ORG_ID)


@pytest.fixture
def run(run_main):
    return functools.partial(run_main, influx_replication_info, secrets=[TOKEN], read_only=True)


def test_lists_every_replication_sorted_by_name_in_one_request(run):
    result, server = run(BASE, [Call('GET', LIST, body={'replications': [
        api_replication(name='zeta', latestResponseCode=204),
        api_replication(name='alpha', replication_id=OTHER_REPLICATION_ID, latestResponseCode=204),
    ]})])
    assert result['changed'] is False
    assert [r['name'] for r in result['replications']] == ['alpha', 'zeta']
    first = result['replications'][0]
    assert first['id'] == OTHER_REPLICATION_ID
    assert first['status'] == dict(current_queue_size_bytes=8, remaining_bytes_to_be_synced=0, latest_response_code=204,
                                   latest_error_message=None)
    assert first['health'] == 'healthy' and first['health_reason'] is None
    assert first['remote_bucket_name'] == 'telemetry'
    assert len(server.seen) == 1


def test_no_match_is_an_empty_list(run):
    result, server = run(BASE, [Call('GET', LIST, body={'replications': None})])
    assert result['replications'] == []


def test_id_filters_are_sent_and_applied(run):
    target = LIST + '&name=metrics&remoteID=%s&localBucketID=%s' % (REMOTE_ID, BUCKET_ID)
    result, server = run(dict(BASE, name='metrics', remote_id=REMOTE_ID.upper(), local_bucket_id=BUCKET_ID), [
        Call('GET', target, body={'replications': [api_replication(name='metrics'), api_replication(name='other')]}),
    ])
    # a server that ignores a filter cannot mislead the module
    assert [r['name'] for r in result['replications']] == ['metrics']


def test_empty_filters_are_no_filter(run):
    result, server = run(dict(BASE, name='', remote='', remote_id='', local_bucket='', local_bucket_id='', id=''),
                         [Call('GET', LIST, body={'replications': [api_replication()]})])
    assert len(result['replications']) == 1


def test_names_are_resolved_with_one_get_each(run):
    result, server = run(dict(BASE, remote='central', local_bucket='telemetry'), [
        Call('GET', '/api/v2/remotes?orgID=%s&name=central' % ORG_ID, body={'remotes': [api_remote()]}),
        Call('GET', '/api/v2/buckets?orgID=%s&name=telemetry' % ORG_ID, body={'links': {}, 'buckets': [api_bucket()]}),
        Call('GET', LIST + '&remoteID=%s&localBucketID=%s' % (REMOTE_ID, BUCKET_ID), body={'replications': [api_replication()]}),
    ])
    assert len(result['replications']) == 1
    assert len(server.seen) == 3


def test_unknown_remote_name_is_an_empty_list(run):
    result, server = run(dict(BASE, remote='nowhere', local_bucket='telemetry'), [
        Call('GET', '/api/v2/remotes?orgID=%s&name=nowhere' % ORG_ID, body={'remotes': None}),
    ])
    assert result['replications'] == []


def test_unknown_bucket_name_is_an_empty_list(run):
    result, server = run(dict(BASE, local_bucket='nowhere'), [
        Call('GET', '/api/v2/buckets?orgID=%s&name=nowhere' % ORG_ID, status=404, body=error_body('not found', 'bucket "nowhere" not found')),
    ])
    assert result['replications'] == []


def test_by_id_needs_no_org(run):
    result, server = run(dict(token=TOKEN, id=REPLICATION_ID.upper()),
                         [Call('GET', '/api/v2/replications/' + REPLICATION_ID, body=api_replication())])
    assert [r['id'] for r in result['replications']] == [REPLICATION_ID]


@pytest.mark.parametrize('args', [dict(org_id=OTHER_ORG_ID), dict(org_id=ORG_ID, name='other')])
def test_by_id_with_filters_that_do_not_match(run, args):
    result, server = run(dict(args, token=TOKEN, id=REPLICATION_ID),
                         [Call('GET', '/api/v2/replications/' + REPLICATION_ID, body=api_replication())])
    assert result['replications'] == []


def test_unknown_id_is_an_empty_list(run):
    result, server = run(dict(token=TOKEN, id=REPLICATION_ID), [
        Call('GET', '/api/v2/replications/' + REPLICATION_ID, status=404, body=error_body('not found', 'replication not found')),
    ])
    assert result['replications'] == []


@pytest.mark.parametrize('status, drop, health, words', [
    (dict(latestResponseCode=401, latestErrorMessage='401 Unauthorized: unauthorized access'), False, 'failing', ['token']),
    (dict(latestResponseCode=403, latestErrorMessage='insufficient permissions for write'), False, 'failing', ['token']),
    (dict(latestResponseCode=404, latestErrorMessage='bucket "telemetry" not found'), False, 'failing',
     ['remote bucket', 'remote_org_id']),
    (dict(latestResponseCode=0, latestErrorMessage='Post "https://central": dial tcp: connection refused'), False, 'failing',
     ['network or TLS', 'connection refused']),
    (dict(latestResponseCode=400, latestErrorMessage="400 Bad Request: unable to parse 'x': missing fields"), True, 'failing', ['data is being dropped']),
    (dict(latestResponseCode=400, latestErrorMessage="400 Bad Request: unable to parse 'x': missing fields"), False, 'failing', ['drop_non_retryable_data']),
    (dict(latestResponseCode=503), False, 'failing', ['503']),
    (dict(latestResponseCode=204, remainingBytesToBeSynced=53687088), False, 'backlog', ['80%', 'max_queue_size_bytes']),
    (dict(remainingBytesToBeSynced=67108860), False, 'backlog', ['100%']),
    (dict(latestResponseCode=204, remainingBytesToBeSynced=53687087), False, 'healthy', []),
    (dict(), False, 'unknown', ['no write to the remote was attempted yet']),
    (dict(remainingBytesToBeSynced=None), False, 'unknown', ['attempted']),
])
def test_health(run, status, drop, health, words):
    replication = api_replication(drop_non_retryable_data=drop, **status)
    if replication['remainingBytesToBeSynced'] is None:
        del replication['remainingBytesToBeSynced']
    result, server = run(BASE, [Call('GET', LIST, body={'replications': [replication]})])
    found = result['replications'][0]
    assert 'failed' not in result
    assert found['health'] == health
    if health == 'healthy':
        assert found['health_reason'] is None
    else:
        for word in words:
            assert word in found['health_reason']


def test_failing_wins_over_backlog(run):
    replication = api_replication(latestResponseCode=401, remainingBytesToBeSynced=67108860)
    result, server = run(BASE, [Call('GET', LIST, body={'replications': [replication]})])
    assert result['replications'][0]['health'] == 'failing'


def test_backlog_threshold_option(run):
    replication = api_replication(latestResponseCode=204, remainingBytesToBeSynced=33554430)
    result, server = run(dict(BASE, backlog_threshold=0.5), [Call('GET', LIST, body={'replications': [replication]})])
    assert result['replications'][0]['health'] == 'backlog'
    result, server = run(BASE, [Call('GET', LIST, body={'replications': [replication]})])
    assert result['replications'][0]['health'] == 'healthy'


@pytest.mark.parametrize('args, fragment', [
    (dict(BASE, remote='central', remote_id=REMOTE_ID), 'remote and remote_id are mutually exclusive'),
    (dict(BASE, local_bucket='telemetry', local_bucket_id=BUCKET_ID), 'local_bucket and local_bucket_id are mutually exclusive'),
    (dict(BASE, id='nope'), 'id must be an InfluxDB ID'),
    (dict(BASE, remote_id='nope'), 'remote_id must be an InfluxDB ID'),
    (dict(token=TOKEN), 'one of org or org_id is required'),
    (dict(token=TOKEN, id=REPLICATION_ID, remote='central'), 'one of org or org_id is required'),
])
def test_bad_input_fails_before_any_request(run, args, fragment):
    result, server = run(args, [])
    assert result['failed'] is True
    assert fragment in result['msg']
    assert server.seen == []
