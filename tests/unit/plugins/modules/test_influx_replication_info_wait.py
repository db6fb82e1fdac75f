# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""influx_replication_info's wait_for: one read of the selected replications per poll until every one is
drained or healthy, or timeout passes (the whole wait's, then); the exact requests, the sleeps and the clock (the scripted server's,
see ``http_fake.ScriptedServer``: nothing sleeps here)."""

from __future__ import annotations

import functools

import pytest

from ansible_collections.influxops.influxdb2.plugins.modules import influx_replication_info
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    BUCKET_ID,
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

LIST = '/api/v2/replications?orgID=' + ORG_ID
BASE = dict(token=TOKEN, org_id=ORG_ID, retries=0)
UNAUTHORIZED = dict(latestResponseCode=401, latestErrorMessage='invalid response code 401, must be 204: 401 Unauthorized: '
                                                               'unauthorized access')


@pytest.fixture
def run(run_main):
    return functools.partial(run_main, influx_replication_info, secrets=[TOKEN], read_only=True, version='v2.7.12')


def listing(*replications, **kwargs):
    return Call('GET', LIST, body={'replications': list(replications)}, **kwargs)


def queued(remaining, name='telemetry-to-central', replication_id=REPLICATION_ID, **status):
    return api_replication(name=name, replication_id=replication_id, remainingBytesToBeSynced=remaining,
                           **dict(dict(latestResponseCode=204), **status))


def test_without_wait_for_nothing_changes(run):
    result, server = run(BASE, [listing(queued(120))])
    assert result['replications'][0]['status']['remaining_bytes_to_be_synced'] == 120
    assert 'waited' not in result and 'attempts' not in result
    assert server.sleeps == []


def test_drained_at_the_first_read_is_one_request_and_no_wait(run):
    result, server = run(dict(BASE, wait_for='drained'), [listing(queued(0))])
    assert 'failed' not in result and result['changed'] is False
    assert (result['waited'], result['attempts']) == (0.0, 1)
    assert server.sleeps == []


def test_drained_reads_once_per_poll_until_nothing_remains(run):
    result, server = run(dict(BASE, wait_for='drained', poll=2), [listing(queued(300)), listing(queued(120)), listing(queued(0))])
    assert 'failed' not in result
    assert [seen['path'] for seen in server.seen] == ['/api/v2/replications'] * 3
    assert server.sleeps == [2, 2]
    assert (result['waited'], result['attempts']) == (4.0, 3)
    assert result['replications'][0]['status']['remaining_bytes_to_be_synced'] == 0


def test_drained_holds_for_a_failing_replication_with_nothing_queued(run):
    result, server = run(dict(BASE, wait_for='drained'), [listing(queued(0, **UNAUTHORIZED))])
    assert 'failed' not in result and result['attempts'] == 1
    assert result['replications'][0]['health'] == 'failing'


def test_healthy_waits_for_every_selected_replication(run):
    other = functools.partial(queued, name='logs-to-central', replication_id=OTHER_REPLICATION_ID)
    result, server = run(dict(BASE, wait_for='healthy'), [
        listing(queued(0), other(0, latestResponseCode=None)),
        listing(queued(0), other(80, **UNAUTHORIZED)),
        listing(queued(0), other(0)),
    ])
    assert 'failed' not in result
    assert server.sleeps == [1, 1]
    assert result['attempts'] == 3
    assert [r['health'] for r in result['replications']] == ['healthy', 'healthy']


def test_a_backlog_is_not_healthy(run):
    result, server = run(dict(BASE, wait_for='healthy'), [listing(queued(60000000)), listing(queued(10))])
    assert 'failed' not in result and result['attempts'] == 2


def test_timeout_fails_naming_what_is_not_drained_and_why_with_the_last_read(run):
    other = functools.partial(queued, name='logs-to-central', replication_id=OTHER_REPLICATION_ID)
    calls = [listing(queued(0), other(900 - attempt, **UNAUTHORIZED)) for attempt in range(4)]
    result, server = run(dict(BASE, wait_for='drained', timeout=3), calls)
    assert result['failed'] is True
    assert server.sleeps == [1, 1, 1]
    assert (result['waited'], result['attempts']) == (3.0, 4)
    assert result['msg'].startswith('wait_for=drained: not reached within timeout (3 s, 4 reads): ')
    assert 'logs-to-central (897 bytes remain to be synced; failing: the remote refuses the token' in result['msg']
    assert 'telemetry-to-central' not in result['msg']
    assert [r['status']['remaining_bytes_to_be_synced'] for r in result['replications']] == [897, 0]


def test_timeout_of_healthy_names_the_health_and_its_reason(run):
    never = queued(0, latestResponseCode=None)
    result, server = run(dict(BASE, wait_for='healthy', timeout=1, poll=1), [listing(never), listing(never)])
    assert result['failed'] is True
    assert result['msg'].startswith('wait_for=healthy: not reached within timeout (1 s, 2 reads): '
                                    'telemetry-to-central (unknown: no write to the remote was attempted yet')
    assert result['replications'][0]['health'] == 'unknown'


def test_the_last_sleep_is_cut_short_to_read_once_more_at_the_timeout(run):
    result, server = run(dict(BASE, wait_for='drained', timeout=2.5), [listing(queued(8))] * 4)
    assert result['failed'] is True
    assert server.sleeps == [1, 1, 0.5]
    assert (result['waited'], result['attempts']) == (2.5, 4)


def test_the_time_that_reads_take_counts(run):
    result, server = run(dict(BASE, wait_for='drained', timeout=2), [listing(queued(8), takes=1.5)] * 2)
    assert result['failed'] is True
    assert server.sleeps == [0.5]
    assert (result['waited'], result['attempts']) == (3.5, 2)


def test_names_are_resolved_once_and_only_the_replications_are_read_again(run):
    remotes = Call('GET', '/api/v2/remotes?orgID=%s&name=central' % ORG_ID, body={'remotes': [api_remote()]})
    replications = LIST + '&remoteID=%s' % REMOTE_ID
    result, server = run(dict(BASE, remote='central', wait_for='drained'), [
        remotes,
        Call('GET', replications, body={'replications': [queued(8)]}),
        Call('GET', replications, body={'replications': [queued(0)]}),
    ])
    assert 'failed' not in result and result['attempts'] == 2


def test_by_id_the_replication_is_read_again(run):
    one = '/api/v2/replications/' + REPLICATION_ID
    result, server = run(dict(token=TOKEN, id=REPLICATION_ID, wait_for='drained'),
                         [Call('GET', one, body=queued(8)), Call('GET', one, body=queued(0))])
    assert 'failed' not in result and result['attempts'] == 2


def test_no_replication_selected_holds_at_once_with_a_warning(run):
    result, server = run(dict(BASE, name='telemetry-to-centrl', wait_for='drained'),
                         [Call('GET', LIST + '&name=telemetry-to-centrl', body={'replications': None})])
    assert 'failed' not in result
    assert result['replications'] == [] and result['attempts'] == 1
    assert warnings_of(result) == ['wait_for=drained: no replication matches the filters, so there is nothing to wait for']


def test_an_unknown_remote_name_selects_nothing_without_reading_replications(run):
    result, server = run(dict(BASE, remote='nowhere', wait_for='healthy'), [
        Call('GET', '/api/v2/remotes?orgID=%s&name=nowhere' % ORG_ID, body={'remotes': None}),
    ])
    assert 'failed' not in result and result['replications'] == []
    assert result['attempts'] == 1 and len(warnings_of(result)) == 1


def test_a_replication_gone_while_waiting_is_no_longer_waited_for(run):
    result, server = run(dict(BASE, wait_for='drained'), [listing(queued(8)), listing()])
    assert 'failed' not in result and result['attempts'] == 2
    assert len(warnings_of(result)) == 1


@pytest.mark.parametrize('version', ['v2.6.1', None])
def test_drained_on_a_server_before_2_7_fails_before_waiting(run, version):
    replication = api_replication(latestResponseCode=204)
    del replication['remainingBytesToBeSynced']
    result, server = run(dict(BASE, wait_for='drained'), [listing(replication)], version=version)
    assert result['failed'] is True
    assert result['msg'].startswith('wait_for=drained needs InfluxDB 2.7 or later, which reports remaining_bytes_to_be_synced')
    assert 'wait_for=healthy' in result['msg']
    assert ('InfluxDB v2.6.1' in result['msg']) is (version is not None)
    assert server.sleeps == [] and result['attempts'] == 1
    assert result['replications'][0]['name'] == 'telemetry-to-central'


def test_drained_on_a_server_before_2_7_fails_with_no_replication_too(run):
    result, server = run(dict(BASE, wait_for='drained'), [listing()], version='v2.6.1')
    assert result['failed'] is True and 'needs InfluxDB 2.7' in result['msg']


def test_healthy_on_a_server_before_2_7_follows_the_last_answer(run):
    replication = api_replication(latestResponseCode=204)
    del replication['remainingBytesToBeSynced']
    result, server = run(dict(BASE, wait_for='healthy'), [listing(replication)], version='v2.6.1')
    assert 'failed' not in result and result['attempts'] == 1


def test_check_mode_reads_and_waits_the_same(run):
    result, server = run(dict(BASE, wait_for='drained'), [listing(queued(8)), listing(queued(0))], check_mode=True)
    assert 'failed' not in result and server.sleeps == [1] and result['attempts'] == 2


def test_a_failed_read_while_waiting_fails_with_what_was_read_before(run):
    result, server = run(dict(BASE, wait_for='drained'), [
        listing(queued(8)),
        Call('GET', LIST, status=500, body=error_body('internal error', 'boom')),
    ])
    assert result['failed'] is True and result['http_status'] == 500
    assert result['attempts'] == 2 and result['waited'] == 1.0
    assert result['replications'][0]['status']['remaining_bytes_to_be_synced'] == 8


@pytest.mark.parametrize('args, fragment', [
    (dict(wait_for='drained', timeout=5, poll=6), 'poll (6) must be at most timeout (5), the longest wait'),
    (dict(wait_for='drained', poll=90), 'poll (90) must be at most timeout (60), the longest wait'),
    (dict(wait_for='synced'), 'value of wait_for must be one of: drained, healthy'),
])
def test_bad_wait_options_fail_before_any_request(run, args, fragment):
    result, server = run(dict(BASE, **args), [])
    assert result['failed'] is True
    assert fragment in result['msg']
    assert server.seen == []


def test_the_local_bucket_filter_is_resolved_once_too(run):
    buckets = Call('GET', '/api/v2/buckets?orgID=%s&name=telemetry' % ORG_ID,
                   body={'links': {}, 'buckets': [dict(id=BUCKET_ID, orgID=ORG_ID, type='user', name='telemetry', retentionRules=[])]})
    replications = LIST + '&localBucketID=%s' % BUCKET_ID
    result, server = run(dict(BASE, local_bucket='telemetry', wait_for='healthy'), [
        buckets,
        Call('GET', replications, body={'replications': [queued(0, latestResponseCode=None)]}),
        Call('GET', replications, body={'replications': [queued(0)]}),
    ])
    assert 'failed' not in result and result['attempts'] == 2


def test_the_timeout_message_hides_a_token_that_the_remote_echoed(run):
    echoed = queued(8, latestResponseCode=401, latestErrorMessage='401 Unauthorized: token %s is unknown' % TOKEN)
    result, server = run(dict(BASE, wait_for='healthy', timeout=1), [listing(echoed), listing(echoed)])
    assert result['failed'] is True
    assert 'telemetry-to-central (failing: the remote refuses the token' in result['msg']


@pytest.mark.parametrize('args, request_timeout', [
    (dict(), 10.0),                                     # without wait_for: each request's, the default
    (dict(timeout=30), 30.0),                           # ... or the task's
    (dict(wait_for='drained'), 10.0),                   # with wait_for: the connection's default
    (dict(wait_for='drained', timeout=600), 10.0),      # the whole wait is 600 s; a request, still 10
    (dict(wait_for='drained', timeout=4, poll=1), 4.0),  # a request never outlasts the whole wait
])
def test_timeout_is_each_request_s_and_with_wait_for_the_whole_wait_s(run, args, request_timeout):
    result, server = run(dict(BASE, **args), [listing(queued(0))])
    assert 'failed' not in result
    assert [request['kwargs']['timeout'] for request in server.seen] == [request_timeout]


def test_poll_alone_is_not_checked_against_the_request_timeout(run):
    # without wait_for, poll is not used: it may be longer than the timeout of a request
    result, server = run(dict(BASE, poll=90), [listing(queued(5))])
    assert 'failed' not in result
