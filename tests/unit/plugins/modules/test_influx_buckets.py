# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""influx_buckets' main(): the request floor of a no-op, the order of the writes, purge, system buckets,
replications deleted with a bucket, check mode, the diff and a failure midway."""

from __future__ import annotations

import pytest

from ansible_collections.influxops.influxdb2.plugins.modules import influx_buckets
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    ORG_ID,
    TOKEN,
    Call,
    api_bucket,
    api_replication,
    error_body,
    warnings_of,
)

PAGE = '/api/v2/buckets?orgID=%s&limit=100&offset=%d'
REPLICATIONS = '/api/v2/replications?orgID=' + ORG_ID
IDS = dict(alpha='0b0000000000000a', bravo='0b0000000000000b', charlie='0b0000000000000c', zulu='0b0000000000000f')
SYSTEM = [api_bucket(name='_monitoring', bucket_id='0b00000000000001', retention=604800, shard_group=86400, kind='system',
                     description='System bucket for monitoring logs'),
          api_bucket(name='_tasks', bucket_id='0b00000000000002', retention=259200, shard_group=86400, kind='system',
                     description='System bucket for task logs')]


def bucket(name, retention=0, shard_group=604800, **kwargs):
    return api_bucket(name=name, bucket_id=IDS[name], retention=retention, shard_group=shard_group, **kwargs)


def snake(name, retention=0, shard_group=604800, description='', bucket_id=False):
    return dict(id=IDS[name] if bucket_id is False else bucket_id, org_id=ORG_ID, name=name, description=description,
                retention_seconds=retention, shard_group_duration_seconds=shard_group, type='user')


def page(buckets, offset=0):
    # in name order, as the API lists the buckets of an org: the system buckets among them
    return Call('GET', PAGE % (ORG_ID, offset), body={'links': {}, 'buckets': sorted(buckets, key=lambda b: b['name'])})


@pytest.fixture
def run(run_main):
    def run(args, calls, **kwargs):
        base_args = dict(token=TOKEN) if 'org' in args else dict(token=TOKEN, org_id=ORG_ID)
        return run_main(influx_buckets, args, calls, secrets=[TOKEN], base_args=base_args, **kwargs)
    return run


def test_noop_is_one_request_whatever_the_number_of_buckets(run):
    existing = [bucket('alpha', 7200, 3600), bucket('bravo'), bucket('charlie', 2592000, 86400, description='c')]
    declared = [dict(name='alpha', retention='2h'), dict(name='bravo', retention='infinite'),
                dict(name='charlie', retention='30d', shard_group_duration='1d', description='c')]
    result, server = run(dict(purge=True, buckets=declared), [page(existing + SYSTEM)], read_only=True)
    assert result['changed'] is False
    assert len(server.seen) == 1
    assert (result['created'], result['updated'], result['deleted']) == ([], [], [])
    # system buckets are never part of the set
    assert result['buckets'] == [snake('alpha', 7200, 3600), snake('bravo'), snake('charlie', 2592000, 86400, 'c')]
    assert result['diff'] == {'before': dict((b['name'], b) for b in result['buckets']),
                              'after': dict((b['name'], b) for b in result['buckets'])}


def test_noop_with_org_by_name_adds_one_request(run):
    result, server = run(dict(org='edge', buckets=[dict(name='alpha')]), [
        Call('GET', '/api/v2/orgs?org=edge', body={'orgs': [{'id': ORG_ID, 'name': 'edge'}]}), page([bucket('alpha')])],
        read_only=True)
    assert result['changed'] is False
    assert len(server.seen) == 2


def test_the_list_is_read_in_pages_of_100(run):
    many = [api_bucket(name='b%03d' % n, bucket_id='0b0b0b0b0b0b%04x' % n) for n in range(150)]
    result, server = run(dict(buckets=[dict(name='b149')]), [page(many[:100]), page(many[100:], 100)], read_only=True)
    assert result['changed'] is False
    assert len(result['buckets']) == 150
    assert len(server.seen) == 2


def test_creates_updates_then_deletes_in_one_run(run):
    existing = [bucket('bravo', 7200, 3600), bucket('zulu'), bucket('charlie')]
    declared = [dict(name='charlie', state='absent'), dict(name='alpha', retention='1d'), dict(name='bravo', description='b')]
    result, server = run(dict(buckets=declared, purge=True), [
        page(existing + SYSTEM),
        # every plan before the first write: one request for the replications of the org, for every bucket to delete
        Call('GET', REPLICATIONS, body={'replications': None}),
        Call('POST', '/api/v2/buckets', status=201, body=bucket('alpha', 86400, 3600),
             sent={'orgID': ORG_ID, 'name': 'alpha', 'retentionRules': [{'type': 'expire', 'everySeconds': 86400}]}),
        Call('PATCH', '/api/v2/buckets/' + IDS['bravo'], body=bucket('bravo', 7200, 3600, description='b'), sent={'description': 'b'}),
        Call('DELETE', '/api/v2/buckets/' + IDS['charlie'], status=204),
        Call('DELETE', '/api/v2/buckets/' + IDS['zulu'], status=204),
    ])
    assert result['changed'] is True
    assert (result['created'], result['updated'], result['deleted']) == (['alpha'], ['bravo'], ['charlie', 'zulu'])
    assert result['buckets'] == [snake('alpha', 86400, 3600), snake('bravo', 7200, 3600, 'b')]
    assert result['diff']['before'] == dict(bravo=snake('bravo', 7200, 3600), charlie=snake('charlie'), zulu=snake('zulu'))
    assert result['diff']['after'] == dict(alpha=snake('alpha', 86400, 3600), bravo=snake('bravo', 7200, 3600, 'b'))
    assert warnings_of(result) == []


def test_check_mode_predicts_the_same_without_writing(run):
    existing = [bucket('bravo', 7200, 3600), bucket('zulu')]
    result, server = run(dict(buckets=[dict(name='alpha', retention='1d'), dict(name='bravo', retention='2d')], purge=True),
                         [page(existing + SYSTEM), Call('GET', REPLICATIONS, body={'replications': None})],
                         check_mode=True, read_only=True)
    assert (result['created'], result['updated'], result['deleted']) == (['alpha'], ['bravo'], ['zulu'])
    assert result['buckets'] == [snake('alpha', 86400, 3600, bucket_id=None), snake('bravo', 172800, 3600)]


def test_purge_never_touches_system_buckets(run):
    result, server = run(dict(buckets=[], purge=True), [page(SYSTEM)], read_only=True)
    assert result['changed'] is False and result['buckets'] == []


def test_a_delete_that_replications_block_fails_before_any_write(run):
    users = [api_replication(name='zulu-to-central', local_bucket_id=IDS['zulu'])]
    result, server = run(dict(buckets=[dict(name='alpha')], purge=True),
                         [page([bucket('zulu')]), Call('GET', REPLICATIONS, body={'replications': users})])
    assert result['failed'] is True
    assert "bucket 'zulu' is the local bucket of replication(s) 'zulu-to-central'" in result['msg']
    assert 'delete_replications=true' in result['msg']
    assert server.writes == []


def test_delete_replications_lets_them_go_with_their_buckets(run):
    users = [api_replication(name='zulu-to-central', local_bucket_id=IDS['zulu'])]
    lost = ("bucket 'zulu' is deleted with its data and with the replication(s) that replicate it, 'zulu-to-central': the data "
            "queued in them and not yet sent is lost")
    result, server = run(dict(buckets=[dict(name='zulu', state='absent')], delete_replications=True), [
        page([bucket('zulu'), bucket('alpha')]), Call('GET', REPLICATIONS, body={'replications': users}),
        Call('DELETE', '/api/v2/buckets/' + IDS['zulu'], status=204)])
    assert result['deleted'] == ['zulu']
    assert warnings_of(result) == [lost]
    assert result['diff']['after_header'] == lost
    assert result['buckets'] == [snake('alpha')]


def test_a_failure_midway_says_what_was_done_and_what_was_not(run):
    result, server = run(dict(buckets=[dict(name='alpha'), dict(name='bravo')]), [
        page([]),
        Call('POST', '/api/v2/buckets', status=201, body=bucket('alpha')),
        Call('POST', '/api/v2/buckets', status=403, body=error_body('forbidden', 'insufficient permissions')),
    ])
    assert result['failed'] is True
    assert result['msg'].startswith("bucket 'bravo': create failed")
    assert result['created'] == ['alpha'] and result['changed'] is True
    assert result['not_done'] == dict(created=['bravo'], updated=[], deleted=[])


@pytest.mark.parametrize('buckets, fragment', [
    ([dict(name='a'), dict(name='a')], "buckets[1].name: 'a' is in buckets more than once"),
    ([dict(name='a'), dict(name='_b')], "buckets[1].name '_b' starts with an underscore"),
    ([dict(name='a', retention='10m')], 'buckets[0].retention must be 0 (infinite) or at least 1 hour'),
    ([dict(name='a', retention='1d', shard_group_duration='1w')], 'buckets[0].shard_group_duration (604800 seconds) must not be'),
    ([dict(name='a', state='absent', description='x')], 'buckets[0].state=absent deletes the bucket and takes no'),
    ([dict(name='a', colour='red')], 'colour'),
])
def test_bad_input_fails_before_any_request(run, buckets, fragment):
    result, server = run(dict(buckets=buckets), [])
    assert result['failed'] is True
    assert fragment in result['msg']
    assert server.seen == []
