# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""influx_bucket's main(): the exact HTTP requests of every path, and what it returns."""

from __future__ import annotations

import functools
import socket

from urllib.error import URLError

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils._buckets import parse_duration
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import OptionError
from ansible_collections.influxops.influxdb2.plugins.modules import influx_bucket
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    BUCKET_ID,
    ORG_ID,
    OTHER_REPLICATION_ID,
    TOKEN,
    Call,
    api_bucket,
    api_replication,
    error_body,
    warnings_of,
)

LOOKUP = '/api/v2/buckets?orgID=%s&name=logs' % ORG_ID
PATH = '/api/v2/buckets/' + BUCKET_ID
REPLICATIONS = '/api/v2/replications?orgID=' + ORG_ID
BASE = dict(token=TOKEN, org_id=ORG_ID, name='logs')
SNAKE = dict(id=BUCKET_ID, org_id=ORG_ID, name='logs', description='', retention_seconds=7200, shard_group_duration_seconds=3600,
             type='user')
NOT_FOUND = dict(status=404, body=error_body('not found', 'bucket "logs" not found'))


def bucket(retention=7200, shard_group=3600, **kwargs):
    return api_bucket(name='logs', retention=retention, shard_group=shard_group, **kwargs)


def found(value=None):
    return Call('GET', LOOKUP, body={'links': {}, 'buckets': [value or bucket()]})


def missing():
    return Call('GET', LOOKUP, **NOT_FOUND)


def rule(every=None, shard_group=None):
    result = dict(type='expire')
    if every is not None:
        result['everySeconds'] = every
    if shard_group is not None:
        result['shardGroupDurationSeconds'] = shard_group
    return [result]


@pytest.fixture
def run(run_main):
    return functools.partial(run_main, influx_bucket, secrets=[TOKEN])


@pytest.mark.parametrize('retention', [7200, '7200', '2h', '120m', '1h60m', '7200s'])
def test_noop_is_one_request_whatever_the_form_of_the_retention(run, retention):
    # the server derived 3600 from 7200: an unset shard_group_duration is not compared
    result, server = run(dict(BASE, retention=retention), [found()], read_only=True)
    assert result['changed'] is False
    assert result['bucket'] == SNAKE
    assert result['diff'] == {'before': SNAKE, 'after': SNAKE}
    assert len(server.seen) == 1
    assert server.seen[0]['headers']['Authorization'] == 'Token ' + TOKEN


def test_noop_with_org_name_is_two_requests(run):
    args = dict(BASE, org='edge', description='', retention='2h', shard_group_duration='1h')
    del args['org_id']
    result, server = run(args, [Call('GET', '/api/v2/orgs?org=edge', body={'orgs': [{'id': ORG_ID, 'name': 'edge'}]}), found()],
                         read_only=True)
    assert result['changed'] is False
    assert len(server.seen) == 2


def test_create_is_two_requests_and_lets_the_server_derive_the_shard_group_duration(run):
    created = bucket(retention=2592000, shard_group=86400, description='app logs')
    result, server = run(dict(BASE, description='app logs', retention='30d'), [
        missing(),
        Call('POST', '/api/v2/buckets', status=201, body=created,
             sent={'orgID': ORG_ID, 'name': 'logs', 'description': 'app logs', 'retentionRules': rule(2592000)}),
    ])
    expected = dict(SNAKE, description='app logs', retention_seconds=2592000, shard_group_duration_seconds=86400)
    assert result['changed'] is True
    assert result['bucket'] == expected
    assert result['diff'] == {'before': {}, 'after': expected}
    assert len(server.seen) == 2


def test_create_with_nothing_set_is_infinite(run):
    result, server = run(BASE, [missing(), Call('POST', '/api/v2/buckets', status=201, body=bucket(0, 604800),
                                                sent={'orgID': ORG_ID, 'name': 'logs', 'retentionRules': rule(0)})])
    assert result['bucket'] == dict(SNAKE, retention_seconds=0, shard_group_duration_seconds=604800)


def test_create_sends_a_shard_group_duration_of_at_least_one_hour(run):
    result, server = run(dict(BASE, retention='1d', shard_group_duration='30m'), [
        missing(), Call('POST', '/api/v2/buckets', status=201, body=bucket(86400, 3600),
                        sent={'orgID': ORG_ID, 'name': 'logs', 'retentionRules': rule(86400, 3600)})])
    assert result['bucket']['shard_group_duration_seconds'] == 3600


@pytest.mark.parametrize('retention, derived', [(7200, 3600), (172800, 86400), (604800, 86400), (15552000, 604800), (0, 604800)])
def test_create_in_check_mode_predicts_the_derived_shard_group_duration(run, retention, derived):
    result, server = run(dict(BASE, retention=retention), [missing()], check_mode=True, read_only=True)
    expected = dict(SNAKE, id=None, retention_seconds=retention, shard_group_duration_seconds=derived)
    assert result['changed'] is True
    assert result['bucket'] == expected
    assert result['diff'] == {'before': {}, 'after': expected}


def test_create_in_an_unknown_org_names_org_id(run):
    result, server = run(BASE, [missing(), Call('POST', '/api/v2/buckets', status=404, body=error_body('not found', 'organization not found'))])
    assert result['failed'] is True
    assert 'organization with ID %s not found' % ORG_ID in result['msg'] and 'check org_id' in result['msg']


@pytest.mark.parametrize('args, sent, after', [
    (dict(description='new'), {'description': 'new'}, dict(description='new')),
    # a longer retention alone: the shard-group duration stays
    (dict(retention='30d'), {'retentionRules': rule(2592000)}, dict(retention_seconds=2592000)),
    (dict(retention='infinite'), {'retentionRules': rule(0)}, dict(retention_seconds=0)),
    (dict(shard_group_duration='2h'), {'retentionRules': rule(shard_group=7200)}, dict(shard_group_duration_seconds=7200)),
    (dict(retention='1d', shard_group_duration='2h'), {'retentionRules': rule(86400, 7200)},
     dict(retention_seconds=86400, shard_group_duration_seconds=7200)),
])
def test_update_patches_only_what_differs(run, args, sent, after):
    before = dict(SNAKE, description='old')
    expected = dict(before, **after)
    answer = bucket(retention=expected['retention_seconds'], shard_group=expected['shard_group_duration_seconds'],
                    description=expected['description'])
    result, server = run(dict(BASE, **args), [found(bucket(description='old')), Call('PATCH', PATH, body=answer, sent=sent)])
    assert result['changed'] is True
    assert result['bucket'] == expected
    assert result['diff'] == {'before': before, 'after': expected}
    assert len(server.seen) == 2


def test_a_retention_below_the_shard_group_duration_is_sent_with_the_derived_one(run):
    # upstream refuses the retention alone (422)
    current = bucket(retention=0, shard_group=604800)
    result, server = run(dict(BASE, retention='2h'), [found(current), Call('PATCH', PATH, body=bucket(), sent={'retentionRules': rule(7200, 3600)})])
    assert result['bucket'] == SNAKE


def test_a_description_is_cleared_with_an_empty_one(run):
    result, server = run(dict(BASE, description=''), [found(bucket(description='old')), Call('PATCH', PATH, body=bucket(),
                                                                                             sent={'description': ''})])
    assert result['bucket'] == SNAKE


def test_update_in_check_mode_writes_nothing(run):
    result, server = run(dict(BASE, retention='2h', shard_group_duration='2h'), [found(bucket(0, 604800))], check_mode=True,
                         read_only=True)
    assert result['changed'] is True
    assert result['bucket'] == dict(SNAKE, shard_group_duration_seconds=7200)
    assert result['diff']['before'] == dict(SNAKE, retention_seconds=0, shard_group_duration_seconds=604800)


def test_a_shard_group_duration_longer_than_the_retention_fails_before_any_write(run):
    result, server = run(dict(BASE, shard_group_duration='1d'), [found()])
    assert result['failed'] is True
    assert "shard_group_duration (86400 seconds) must not be longer than the retention of bucket 'logs' (7200 seconds)" in result['msg']
    assert server.writes == []


def test_absent_deletes_after_looking_for_replications(run):
    result, server = run(dict(BASE, state='absent'), [
        found(), Call('GET', REPLICATIONS, body={'replications': [api_replication(local_bucket_id='0b0b0b0b0b0b0b09')]}),
        Call('DELETE', PATH, status=204)])
    assert result['changed'] is True
    assert result['bucket'] == {}
    assert result['diff'] == {'before': SNAKE, 'after': {}}
    assert warnings_of(result) == []


def test_absent_fails_naming_the_replications_that_the_server_would_delete(run):
    users = [api_replication(name='metrics', local_bucket_id=BUCKET_ID.upper()),
             api_replication(name='logs-to-central', replication_id=OTHER_REPLICATION_ID)]
    result, server = run(dict(BASE, state='absent'), [found(), Call('GET', REPLICATIONS, body={'replications': users})])
    assert result['failed'] is True
    assert ("bucket 'logs' is the local bucket of replication(s) 'logs-to-central', 'metrics', which the server deletes with it"
            in result['msg'])
    assert 'delete_replications=true' in result['msg'] and 'nothing was deleted' in result['msg']
    assert server.writes == []


LOST = ("bucket 'logs' is deleted with its data and with the replication(s) that replicate it, 'metrics': the data queued in "
        "them and not yet sent is lost")


@pytest.mark.parametrize('check_mode', [False, True])
def test_absent_with_delete_replications_warns_and_says_so_in_the_diff(run, check_mode):
    calls = [found(), Call('GET', REPLICATIONS, body={'replications': [api_replication(name='metrics')]})]
    if not check_mode:
        calls.append(Call('DELETE', PATH, status=204))
    result, server = run(dict(BASE, state='absent', delete_replications=True), calls, check_mode=check_mode)
    assert result['changed'] is True
    assert warnings_of(result) == [LOST]
    assert result['diff'] == {'before': SNAKE, 'after': {}, 'after_header': LOST}


def test_absent_when_missing_is_one_request(run):
    result, server = run(dict(BASE, state='absent', delete_replications=True), [missing()], read_only=True)
    assert result['changed'] is False and result['bucket'] == {}
    assert len(server.seen) == 1


def test_delete_that_finds_it_gone_reports_unchanged(run):
    result, server = run(dict(BASE, state='absent'), [
        found(), Call('GET', REPLICATIONS, body={'replications': None}),
        Call('DELETE', PATH, status=404, body=error_body('not found', 'bucket not found'))])
    assert result['changed'] is False
    assert 'failed' not in result


def test_a_system_bucket_is_never_changed(run):
    system = dict(bucket(), type='system')
    result, server = run(dict(BASE, description='mine'), [found(system)])
    assert result['failed'] is True
    assert "bucket 'logs' is a system bucket, which is never changed or deleted" in result['msg']
    assert server.writes == []


def test_a_race_with_another_run_converges_on_its_bucket(run):
    conflict = error_body('conflict', 'bucket with name logs already exists')
    theirs = bucket(retention=0, shard_group=604800)
    result, server = run(dict(BASE, retention='2h'), [
        missing(),
        Call('POST', '/api/v2/buckets', status=422, body=conflict),
        found(theirs),
        Call('PATCH', PATH, body=bucket(), sent={'retentionRules': rule(7200, 3600)}),
    ])
    assert result['changed'] is True
    assert result['bucket'] == SNAKE
    # the other run created it: this one changed it
    assert result['diff'] == {'before': dict(SNAKE, retention_seconds=0, shard_group_duration_seconds=604800), 'after': SNAKE}


def test_a_race_with_nothing_left_to_change_is_unchanged(run):
    conflict = error_body('conflict', 'bucket with name logs already exists')
    result, server = run(dict(BASE, retention='2h'), [missing(), Call('POST', '/api/v2/buckets', status=422, body=conflict), found()])
    assert result['changed'] is False
    assert result['bucket'] == SNAKE


def test_a_lost_answer_to_the_create_is_read_back_and_never_posted_again(run):
    timeout = URLError(socket.timeout('timed out'))
    result, server = run(dict(BASE, retention='2h', retries=1), [
        missing(), Call('POST', '/api/v2/buckets', raises=timeout), found()])
    assert result['changed'] is True
    assert result['bucket'] == SNAKE
    assert result['diff'] == {'before': {}, 'after': SNAKE}
    assert len(server.writes) == 1
    assert any("reading bucket 'logs' back before creating it again" in w for w in warnings_of(result))


def test_a_lookup_answer_that_is_not_a_bucket_fails_before_any_write(run):
    broken = dict(bucket(), retentionRules={'everySeconds': 7200})
    result, server = run(dict(BASE, retention='2h'), [found(broken)])
    assert result['failed'] is True
    assert 'not what InfluxDB sends' in result['msg'] and 'retentionRules as a list of at most one rule' in result['msg']
    assert server.writes == []


def test_an_update_that_the_answer_does_not_show_fails(run):
    # a server that ignored the rule: the next run would change it again
    result, server = run(dict(BASE, retention='1d'), [found(), Call('PATCH', PATH, body=bucket(), sent={'retentionRules': rule(86400)})])
    assert result['failed'] is True
    assert "expected bucket 'logs' with retention_seconds 86400, as sent" in result['msg']


@pytest.mark.parametrize('args, fragment', [
    (dict(BASE, name=''), 'name must not be empty'),
    (dict(BASE, name='   '), 'name must not be empty'),
    (dict(BASE, name='_monitoring'), "name '_monitoring' starts with an underscore"),
    (dict(BASE, name='a"b'), 'holds a quotation mark'),
    (dict(BASE, retention='30 days'), 'retention must be an integer number of seconds or a duration'),
    (dict(BASE, retention='1.5h'), 'retention must be an integer number of seconds or a duration'),
    (dict(BASE, retention='1y'), 'retention must be an integer number of seconds or a duration'),
    (dict(BASE, retention='-1h'), 'retention must be an integer number of seconds or a duration'),
    (dict(BASE, retention=-3600), 'retention must be an integer number of seconds or a duration'),
    (dict(BASE, retention=True), 'retention must be an integer number of seconds or a duration'),
    (dict(BASE, retention=3600.5), 'retention must be an integer number of seconds or a duration'),
    (dict(BASE, retention='30m'), 'retention must be 0 (infinite) or at least 1 hour'),
    (dict(BASE, retention=3599), 'retention must be 0 (infinite) or at least 1 hour'),
    (dict(BASE, retention='300000w'), 'retention must be at most 9223372036 seconds'),
    (dict(BASE, shard_group_duration='0'), 'shard_group_duration must be longer than 0'),
    (dict(BASE, shard_group_duration='infinite'), 'shard_group_duration must be longer than 0'),
    (dict(BASE, retention='12h', shard_group_duration='1d'), 'shard_group_duration (86400 seconds) must not be longer than retention'),
    (dict(BASE, state='absent', retention='1d'), 'state=absent deletes the bucket and takes no'),
    (dict(BASE, delete_replications=True), 'delete_replications lets the server delete the replications'),
    (dict(BASE, org='edge'), 'mutually exclusive'),
    (dict(BASE, token=''), 'token is required'),
])
def test_bad_input_fails_before_any_request(run, args, fragment):
    result, server = run(args, [])
    assert result['failed'] is True
    assert fragment in result['msg']
    assert server.seen == []


@pytest.mark.parametrize('value, seconds', [
    ('30d', 2592000), ('12h', 43200), ('1w', 604800), ('90m', 5400), ('1d12h', 129600), ('1h30m15s', 5415), (' 2h ', 7200),
    (7200, 7200), ('7200', 7200), ('0', 0), (0, 0), ('0s', 0), ('infinite', 0), ('Infinite', 0),
])
def test_durations_as_the_influx_cli_writes_them(value, seconds):
    assert parse_duration(value, 'retention') == seconds


@pytest.mark.parametrize('value', ['', 'h', '1x', '1d 12h', '1H', '²', '1µs', None, 1.0, [1]])
def test_what_is_not_a_duration(value):
    with pytest.raises(OptionError, match='retention must be'):
        parse_duration(value, 'retention')
