# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""influx_remote_info's main(): requests, filters and the shape of ``remotes``."""

from __future__ import annotations

import pytest

from ansible_collections.influxops.influxdb2.plugins.modules import influx_remote_info
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    ORG_ID,
    OTHER_ORG_ID,
    REMOTE_ID,
    TOKEN,
    Call,
    api_remote,
    error_body,
)


@pytest.fixture
def run(run_main):
    return lambda args, calls, **kwargs: run_main(influx_remote_info, dict(args, token=TOKEN), calls, read_only=True, **kwargs)


def test_lists_sorted_by_name(run):
    remotes = [api_remote(name='zulu', remote_id='000000000000000c'), api_remote(name='alpha', remote_id='000000000000000a', description='')]
    result, server = run(dict(org_id=ORG_ID), [Call('GET', '/api/v2/remotes?orgID=' + ORG_ID, body={'remotes': remotes})])
    assert result['changed'] is False
    assert [r['name'] for r in result['remotes']] == ['alpha', 'zulu']
    assert result['remotes'][0] == dict(id='000000000000000a', org_id=ORG_ID, name='alpha', description='',
                                        remote_url='https://central.example.com:8086', remote_org_id=None, allow_insecure_tls=False)
    assert result['remotes'][1]['description'] is None


def test_null_list_is_an_empty_list(run):
    result, server = run(dict(org_id=ORG_ID), [Call('GET', '/api/v2/remotes?orgID=' + ORG_ID, body={'remotes': None})])
    assert result['remotes'] == []


def test_filters_are_sent_to_the_server(run):
    target = '/api/v2/remotes?orgID=%s&name=central&remoteURL=https%%3A%%2F%%2Fc.example.com' % ORG_ID
    result, server = run(dict(org_id=ORG_ID, name='central', remote_url='https://c.example.com'), [
        Call('GET', target, body={'remotes': [api_remote(remote_url='https://c.example.com')]})])
    assert len(result['remotes']) == 1


def test_org_by_name_costs_one_more_request(run):
    result, server = run(dict(org='edge'), [
        Call('GET', '/api/v2/orgs?org=edge', body={'orgs': [{'id': ORG_ID, 'name': 'edge'}]}),
        Call('GET', '/api/v2/remotes?orgID=' + ORG_ID, body={'remotes': None})])
    assert len(server.seen) == 2


def test_by_id_without_org(run):
    result, server = run(dict(id=REMOTE_ID.upper()), [Call('GET', '/api/v2/remotes/' + REMOTE_ID, body=api_remote())])
    assert [r['id'] for r in result['remotes']] == [REMOTE_ID]


def test_unknown_id_is_an_empty_list(run):
    result, server = run(dict(id=REMOTE_ID), [
        Call('GET', '/api/v2/remotes/' + REMOTE_ID, status=404, body=error_body('not found', 'remote connection not found'))])
    assert result['remotes'] == []
    assert 'failed' not in result


@pytest.mark.parametrize('args, found', [
    (dict(org_id=OTHER_ORG_ID), 0),
    (dict(org_id=ORG_ID), 1),
    (dict(org_id=ORG_ID, name='other'), 0),
    (dict(org_id=ORG_ID, remote_url='https://central.example.com:8086'), 1),
])
def test_by_id_still_honours_org_and_filters(run, args, found):
    result, server = run(dict(args, id=REMOTE_ID), [Call('GET', '/api/v2/remotes/' + REMOTE_ID, body=api_remote())])
    assert len(result['remotes']) == found


def test_check_mode_is_supported(run):
    result, server = run(dict(org_id=ORG_ID), [Call('GET', '/api/v2/remotes?orgID=' + ORG_ID, body={'remotes': None})], check_mode=True)
    assert result['remotes'] == [] and result['changed'] is False


@pytest.mark.parametrize('args, fragment', [
    (dict(), 'one of org or org_id is required'),
    (dict(id='nothex'), 'id must be an InfluxDB ID'),
    (dict(org_id='123'), 'org_id must be an InfluxDB ID'),
])
def test_bad_input_fails_before_any_request(run, args, fragment):
    result, server = run(args, [])
    assert result['failed'] is True
    assert fragment in result['msg']


def test_trace_span_is_sent_with_every_request(run):
    result, server = run(dict(org='edge', trace_span='1234:5678:0:1'), [
        Call('GET', '/api/v2/orgs?org=edge', body={'orgs': [{'id': ORG_ID, 'name': 'edge'}]}),
        Call('GET', '/api/v2/remotes?orgID=' + ORG_ID, body={'remotes': None})])
    assert [seen['headers'].get('Zap-Trace-Span') for seen in server.seen] == ['1234:5678:0:1'] * 2


def test_trace_span_from_the_environment(run):
    result, server = run(dict(org_id=ORG_ID), [Call('GET', '/api/v2/remotes?orgID=' + ORG_ID, body={'remotes': None})],
                         env=dict(INFLUX_TRACE_SPAN='abc:def:0:1'))
    assert server.seen[0]['headers']['Zap-Trace-Span'] == 'abc:def:0:1'


def test_no_trace_span_header_by_default(run):
    result, server = run(dict(org_id=ORG_ID), [Call('GET', '/api/v2/remotes?orgID=' + ORG_ID, body={'remotes': None})])
    assert 'Zap-Trace-Span' not in server.seen[0]['headers']
