# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Bucket names resolved to IDs: one request per name, or one per 100 buckets of the org."""

from __future__ import annotations

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils import _client
from ansible_collections.influxops.influxdb2.plugins.module_utils._buckets import BucketsService
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
        return BucketsService(_client.InfluxDBClient(HOST, TOKEN)), server
    return make


def buckets(count, start=0):
    return [api_bucket(name='b%03d' % n, bucket_id='%016x' % (n + 1)) for n in range(start, start + count)]


@pytest.mark.parametrize('total, pages', [(0, 1), (99, 1), (100, 2), (250, 3)])
def test_one_list_request_per_100_buckets(service, total, pages):
    all_buckets = buckets(total)
    calls = [Call('GET', PAGE % (ORG_ID, 100 * n), body={'links': {}, 'buckets': all_buckets[100 * n:100 * (n + 1)]})
             for n in range(pages)]
    buckets_service, server = service(calls)
    found = buckets_service.ids_by_name(ORG_ID)
    server.assert_done()
    assert len(found) == total
    assert len(server.seen) == pages
    if total:
        assert found['b000'] == '0000000000000001'


def test_list_keeps_only_the_org(service):
    buckets_service, server = service([Call('GET', PAGE % (ORG_ID, 0), body={'buckets': [api_bucket(), api_bucket(
        name='other', org_id=OTHER_ORG_ID)]})])
    assert [b['name'] for b in buckets_service.list(ORG_ID)] == ['telemetry']


def test_find_by_name(service):
    buckets_service, server = service([Call('GET', '/api/v2/buckets?orgID=%s&name=telemetry' % ORG_ID,
                                            body={'links': {}, 'buckets': [api_bucket()]})])
    assert buckets_service.find(ORG_ID, 'telemetry')['id'] == api_bucket()['id']


@pytest.mark.parametrize('answer', [dict(status=404, body=error_body('not found', 'bucket "x" not found')),
                                    dict(body={'links': {}, 'buckets': []})])
def test_unknown_or_unreadable_name_is_none(service, answer):
    buckets_service, server = service([Call('GET', '/api/v2/buckets?orgID=%s&name=x' % ORG_ID, **answer)])
    assert buckets_service.find(ORG_ID, 'x') is None


def test_a_404_that_is_not_influxdb_is_an_error(service):
    buckets_service, server = service([Call('GET', '/api/v2/buckets?orgID=%s&name=x' % ORG_ID, status=404, body=b'not found')])
    with pytest.raises(InfluxDBError):
        buckets_service.find(ORG_ID, 'x')


def test_a_page_of_another_shape_is_an_error(service):
    buckets_service, server = service([Call('GET', PAGE % (ORG_ID, 0), body={'buckets': [{'name': 'x'}]})])
    with pytest.raises(InfluxDBError, match='not what InfluxDB sends'):
        buckets_service.list(ORG_ID)
