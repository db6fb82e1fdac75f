# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Buckets read: one request per name, or one per 100 buckets of the org; answers checked before they are believed."""

from __future__ import annotations

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils import _client
from ansible_collections.influxops.influxdb2.plugins.module_utils._buckets import Buckets
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxDBError
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    HOST,
    ORG_ID,
    OTHER_ORG_ID,
    TOKEN,
    Call,
    ScriptedServer,
    api_bucket,
    error_body,
)

PAGE = '/api/v2/buckets?orgID=%s&limit=100&offset=%d'


@pytest.fixture
def service(monkeypatch):
    def make(calls):
        server = ScriptedServer(calls)
        monkeypatch.setattr(_client, 'open_url', server)
        return Buckets(_client.InfluxDBClient(HOST, TOKEN), ORG_ID), server
    return make


def many(count, start=0):
    return [api_bucket(name='b%03d' % n, bucket_id='%016x' % (n + 1)) for n in range(start, start + count)]


@pytest.mark.parametrize('total, pages', [(0, 1), (99, 1), (100, 2), (250, 3)])
def test_one_list_request_per_100_buckets(service, total, pages):
    all_buckets = many(total)
    calls = [Call('GET', PAGE % (ORG_ID, 100 * n), body={'links': {}, 'buckets': all_buckets[100 * n:100 * (n + 1)]})
             for n in range(pages)]
    resource, server = service(calls)
    found = resource.ids_by_name()
    server.assert_done()
    assert len(found) == total
    assert len(server.seen) == pages
    if total:
        assert found['b000'] == '0000000000000001'


def test_list_keeps_only_the_org(service):
    resource, server = service([Call('GET', PAGE % (ORG_ID, 0), body={'buckets': [api_bucket(), api_bucket(
        name='other', org_id=OTHER_ORG_ID)]})])
    assert [b['name'] for b in resource.list()] == ['telemetry']


def test_find_by_name(service):
    resource, server = service([Call('GET', '/api/v2/buckets?orgID=%s&name=telemetry' % ORG_ID,
                                     body={'links': {}, 'buckets': [api_bucket()]})])
    assert resource.find('telemetry')['id'] == api_bucket()['id']


@pytest.mark.parametrize('answer', [dict(status=404, body=error_body('not found', 'bucket "x" not found')),
                                    dict(body={'links': {}, 'buckets': []})])
def test_unknown_or_unreadable_name_is_none(service, answer):
    resource, server = service([Call('GET', '/api/v2/buckets?orgID=%s&name=x' % ORG_ID, **answer)])
    assert resource.find('x') is None


def test_a_404_that_is_not_influxdb_is_an_error(service):
    resource, server = service([Call('GET', '/api/v2/buckets?orgID=%s&name=x' % ORG_ID, status=404, body=b'not found')])
    with pytest.raises(InfluxDBError):
        resource.find('x')


def test_a_page_of_another_shape_is_an_error(service):
    resource, server = service([Call('GET', PAGE % (ORG_ID, 0), body={'buckets': [{'name': 'x'}]})])
    with pytest.raises(InfluxDBError, match='not what InfluxDB sends'):
        resource.list()


def test_the_retention_rule_is_read_beside_the_other_fields(service):
    resource, server = service([])
    assert resource.from_api(api_bucket(retention=7200, shard_group=3600, description='hot')) == dict(
        id=api_bucket()['id'], org_id=ORG_ID, name='telemetry', description='hot', retention_seconds=7200,
        shard_group_duration_seconds=3600, type='user')
    # no rule is infinite retention (the server shows none only after a PATCH of both to 0); no description is ''
    assert resource.from_api(api_bucket()) == dict(id=api_bucket()['id'], org_id=ORG_ID, name='telemetry', description='',
                                                   retention_seconds=0, shard_group_duration_seconds=None, type='user')


@pytest.mark.parametrize('rules, expected', [
    (None, 'retentionRules as a list of at most one rule object'),
    ({'everySeconds': 0}, 'retentionRules as a list of at most one rule object'),
    ([{'everySeconds': 0}, {'everySeconds': 3600}], 'retentionRules as a list of at most one rule object'),
    (['expire'], 'retentionRules as a list of at most one rule object'),
    ([{'everySeconds': '3600'}], 'everySeconds as an integer'),
    ([{'shardGroupDurationSeconds': 3600}], 'everySeconds as an integer'),
    ([{'everySeconds': 3600, 'shardGroupDurationSeconds': True}], 'shardGroupDurationSeconds as an integer'),
])
def test_a_bucket_whose_retention_rules_are_not_what_influxdb_sends_is_an_error(service, rules, expected):
    bucket = api_bucket()
    bucket['retentionRules'] = rules
    resource, server = service([Call('GET', '/api/v2/buckets?orgID=%s&name=telemetry' % ORG_ID, body={'buckets': [bucket]})])
    with pytest.raises(InfluxDBError, match=expected):
        resource.find('telemetry')
