# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""influx_bucket_info's main(): the exact requests of each filter, pages of 100, system buckets, sorting."""

from __future__ import annotations

import functools

import pytest

from ansible_collections.influxops.influxdb2.plugins.modules import influx_bucket_info
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    BUCKET_ID,
    ORG_ID,
    OTHER_ORG_ID,
    TOKEN,
    Call,
    api_bucket,
    error_body,
)

PAGE = '/api/v2/buckets?orgID=%s&limit=100&offset=%d'
BASE = dict(token=TOKEN, org_id=ORG_ID)
MONITORING = api_bucket(name='_monitoring', bucket_id='0b00000000000001', retention=604800, shard_group=86400, kind='system',
                        description='System bucket for monitoring logs')
LOGS = api_bucket(name='logs', retention=2592000, shard_group=86400, description='app logs')
SNAKE_LOGS = dict(id=BUCKET_ID, org_id=ORG_ID, name='logs', description='app logs', retention_seconds=2592000,
                  shard_group_duration_seconds=86400, type='user')
SNAKE_MONITORING = dict(id='0b00000000000001', org_id=ORG_ID, name='_monitoring', description='System bucket for monitoring logs',
                        retention_seconds=604800, shard_group_duration_seconds=86400, type='system')


@pytest.fixture
def run(run_main):
    return functools.partial(run_main, influx_bucket_info, secrets=[TOKEN], read_only=True)


def page(buckets, offset=0):
    return Call('GET', PAGE % (ORG_ID, offset), body={'links': {}, 'buckets': buckets})


def test_every_user_bucket_sorted_by_name_with_one_request(run):
    other = api_bucket(name='alpha', bucket_id='0b0000000000000a', retention=0, shard_group=604800)
    result, server = run(BASE, [page([MONITORING, LOGS, other])])
    assert result['changed'] is False
    assert [b['name'] for b in result['buckets']] == ['alpha', 'logs']
    assert result['buckets'][1] == SNAKE_LOGS
    assert len(server.seen) == 1


def test_system_buckets_on_request(run):
    result, server = run(dict(BASE, include_system=True), [page([MONITORING, LOGS])])
    assert result['buckets'] == [SNAKE_MONITORING, SNAKE_LOGS]


@pytest.mark.parametrize('total, pages', [(0, 1), (100, 2), (250, 3)])
def test_pages_of_100(run, total, pages):
    many = [api_bucket(name='b%03d' % n, bucket_id='0b0b0b0b0b0b%04x' % n) for n in range(total)]
    result, server = run(BASE, [page(many[100 * n:100 * (n + 1)], 100 * n) for n in range(pages)])
    assert len(result['buckets']) == total
    assert len(server.seen) == pages


def test_empty_filters_are_no_filter(run):
    result, server = run(dict(BASE, name='', id=''), [page([LOGS])])
    assert result['buckets'] == [SNAKE_LOGS]


def test_by_name_is_one_request(run):
    result, server = run(dict(BASE, name='logs'), [Call('GET', '/api/v2/buckets?orgID=%s&name=logs' % ORG_ID, body={'buckets': [LOGS]})])
    assert result['buckets'] == [SNAKE_LOGS]


def test_an_unknown_name_is_an_empty_list(run):
    result, server = run(dict(BASE, name='nope'), [Call('GET', '/api/v2/buckets?orgID=%s&name=nope' % ORG_ID, status=404,
                                                        body=error_body('not found', 'bucket "nope" not found'))])
    assert result['buckets'] == []


def test_a_system_bucket_by_name_only_with_include_system(run):
    lookup = Call('GET', '/api/v2/buckets?orgID=%s&name=_monitoring' % ORG_ID, body={'buckets': [MONITORING]})
    assert run(dict(BASE, name='_monitoring'), [lookup])[0]['buckets'] == []
    assert run(dict(BASE, name='_monitoring', include_system=True), [lookup])[0]['buckets'] == [SNAKE_MONITORING]


def test_by_id_without_an_org(run):
    result, server = run(dict(token=TOKEN, id=BUCKET_ID.upper()), [Call('GET', '/api/v2/buckets/' + BUCKET_ID, body=LOGS)])
    assert result['buckets'] == [SNAKE_LOGS]


@pytest.mark.parametrize('args, answer', [
    (dict(token=TOKEN, id=BUCKET_ID), dict(status=404, body=error_body('not found', 'bucket not found'))),
    (dict(BASE, id=BUCKET_ID), dict(body=api_bucket(org_id=OTHER_ORG_ID))),
    (dict(BASE, id=BUCKET_ID, name='other'), dict(body=LOGS)),
])
def test_by_id_nothing_when_unknown_or_not_matching(run, args, answer):
    result, server = run(args, [Call('GET', '/api/v2/buckets/' + BUCKET_ID, **answer)])
    assert result['buckets'] == []


def test_an_answer_that_is_not_a_bucket_list_fails(run):
    result, server = run(BASE, [page([dict(LOGS, retentionRules=None)])])
    assert result['failed'] is True
    assert 'not what InfluxDB sends' in result['msg']


@pytest.mark.parametrize('args, fragment', [
    (dict(BASE, id='xyz'), 'id must be an InfluxDB ID'),
    (dict(token=TOKEN), 'org'),
])
def test_bad_input_fails_before_any_request(run, args, fragment):
    result, server = run(args, [])
    assert result['failed'] is True and fragment in result['msg']
    assert server.seen == []
