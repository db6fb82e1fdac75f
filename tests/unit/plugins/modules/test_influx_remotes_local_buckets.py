# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""influx_remotes with local_buckets: an edge's buckets, remote and replications in one run, from one
list of buckets; the bucket created first and its ID given to the replication; check mode; the diff;
and the remotes that cannot be created for want of a token, all named, before any write."""

from __future__ import annotations

import json

import pytest

from ansible_collections.influxops.influxdb2.plugins.modules import influx_remotes
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    BUCKET_ID,
    ORG_ID,
    OTHER_BUCKET_ID,
    TOKEN,
    Call,
    api_bucket,
    api_remote,
    api_replication,
    warnings_of,
)

REMOTES = '/api/v2/remotes?orgID=' + ORG_ID
REPLICATIONS = '/api/v2/replications?orgID=' + ORG_ID
BUCKETS = '/api/v2/buckets?orgID=%s&limit=100&offset=0' % ORG_ID
REMOTE_ID, REPLICATION_ID = '000000000000000a', '0000000000000101'
SECRET = 'set-secret-token-7170'
WEEK = 604800


def listed(remotes, replications, buckets):
    return [Call('GET', REMOTES, body={'remotes': remotes}), Call('GET', REPLICATIONS, body={'replications': replications or None}),
            Call('GET', BUCKETS, body={'links': {}, 'buckets': buckets})]


def remote(**kwargs):
    return api_remote(name='central', remote_id=REMOTE_ID, remote_url='https://central.example.com', **kwargs)


def replication(bucket_id=BUCKET_ID):
    return api_replication(name='telemetry-to-central', replication_id=REPLICATION_ID, remote_id=REMOTE_ID, local_bucket_id=bucket_id)


def args(token=SECRET, **kwargs):
    result = dict(local_buckets=[dict(name='telemetry', retention='7d')], remotes=[dict(
        name='central', remote_url='https://central.example.com', remote_api_token=token,
        replications=[dict(name='telemetry-to-central', local_bucket='telemetry', remote_bucket='telemetry')])])
    result.update(kwargs)
    return result


@pytest.fixture
def run(run_main):
    def run(args, calls, **kwargs):
        return run_main(influx_remotes, args, calls, secrets=[TOKEN, SECRET], base_args=dict(token=TOKEN, org_id=ORG_ID), **kwargs)
    return run


def test_noop_reads_the_buckets_once_for_both(run):
    result, server = run(args(), listed([remote()], [replication()], [api_bucket(retention=WEEK), api_bucket(
        name='_monitoring', bucket_id=OTHER_BUCKET_ID, kind='system')]), read_only=True)
    assert result['changed'] is False and len(server.seen) == 3
    assert (result['local_buckets_created'], result['local_buckets_updated']) == ([], [])
    assert [b['name'] for b in result['local_buckets']] == ['telemetry']
    assert result['diff']['before'] == result['diff']['after']
    assert sorted(result['diff']['after']) == ['local_buckets', 'remotes']
    assert result['diff']['after']['local_buckets']['telemetry']['retention_seconds'] == WEEK


def test_a_bare_edge_gets_its_bucket_then_its_remote_then_the_replication_that_reads_the_new_bucket(run):
    result, server = run(args(), listed([], [], []) + [
        Call('POST', '/api/v2/buckets', status=201, body=api_bucket(retention=WEEK),
             sent={'orgID': ORG_ID, 'name': 'telemetry', 'retentionRules': [{'type': 'expire', 'everySeconds': WEEK}]}),
        # the bucket's create confirmed the org: no read of it before the remote's
        Call('POST', '/api/v2/remotes', status=201, body=remote()),
        Call('POST', '/api/v2/replications', status=201, body=replication(), sent={
            'orgID': ORG_ID, 'name': 'telemetry-to-central', 'remoteID': REMOTE_ID, 'localBucketID': BUCKET_ID,
            'remoteBucketName': 'telemetry', 'maxQueueSizeBytes': 67108860, 'maxAgeSeconds': WEEK, 'dropNonRetryableData': False}),
    ])
    assert result['changed'] is True
    assert (result['local_buckets_created'], result['created'], result['replications_created']) == (
        ['telemetry'], ['central'], ['telemetry-to-central'])
    assert result['remotes'][0]['replications'][0]['local_bucket_id'] == BUCKET_ID
    assert result['diff']['before'] == {'local_buckets': {}, 'remotes': {}}
    assert result['diff']['after']['local_buckets']['telemetry']['id'] == BUCKET_ID


def test_check_mode_predicts_the_bucket_and_the_replication_that_reads_it(run):
    result, server = run(args(), listed([], [], []), check_mode=True, read_only=True)
    assert (result['local_buckets_created'], result['created'], result['replications_created']) == (
        ['telemetry'], ['central'], ['telemetry-to-central'])
    assert result['local_buckets'][0]['id'] is None and result['local_buckets'][0]['retention_seconds'] == WEEK
    assert result['remotes'][0]['replications'][0]['local_bucket_id'] is None
    # the bucket is created by this task: no warning that an earlier one must create it
    assert not any('not found' in w for w in warnings_of(result))


def test_a_changed_retention_is_patched_and_the_rest_left_alone(run):
    result, server = run(args(), listed([remote()], [replication()], [api_bucket(retention=2 * WEEK, shard_group=86400)]) + [
        Call('PATCH', '/api/v2/buckets/' + BUCKET_ID, body=api_bucket(retention=WEEK, shard_group=86400),
             sent={'retentionRules': [{'type': 'expire', 'everySeconds': WEEK}]})])
    assert (result['changed'], result['local_buckets_updated'], result['updated']) == (True, ['telemetry'], [])


def test_a_bad_bucket_item_fails_before_any_request_and_names_the_option(run):
    result, server = run(args(local_buckets=[dict(name='telemetry', retention='10m')]), [])
    assert result['failed'] is True and result['msg'].startswith('local_buckets[0].retention must be 0')
    assert server.seen == []


def test_every_remote_without_its_token_is_named_before_any_write(run):
    two = args(token=None)
    two['remotes'].append(dict(name='backup', remote_url='https://backup.example.com'))
    result, server = run(two, listed([], [], []))
    assert result['failed'] is True and server.writes == []
    assert result['missing_remote_api_token'] == ['central', 'backup']
    assert "remote 'central' does not exist" in result['msg'] and "remote 'backup' does not exist" in result['msg']
    assert 'remotes[1].remote_api_token' in result['msg']
    assert SECRET not in json.dumps(result)
