# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Retries: what is sent again, when, how long it waits, and that a POST is never repeated blindly."""

from __future__ import annotations

import functools

import socket

from urllib.error import URLError

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils._remotes import TOKEN_AFTER
from ansible_collections.influxops.influxdb2.plugins.modules import influx_remote
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    ORG_ID,
    REMOTE_ID,
    TOKEN,
    Call,
    api_remote,
    connection_refused,
    error_body,
    warnings_of,
)

REMOTE_TOKEN = 'remote-secret-token-99ab'
LOOKUP = '/api/v2/remotes?orgID=%s&name=central' % ORG_ID
ORG = '/api/v2/orgs/' + ORG_ID
FULL = dict(token=TOKEN, org_id=ORG_ID, name='central', remote_url='https://central.example.com:8086', remote_api_token=REMOTE_TOKEN)
UNAVAILABLE = error_body('unavailable', 'service unavailable')
PROXY_PAGE = b'<html><body><h1>502 Bad Gateway</h1></body></html>'


def timeout():
    return URLError(socket.timeout('timed out'))


@pytest.fixture
def run(run_main):
    return functools.partial(run_main, influx_remote, secrets=[TOKEN, REMOTE_TOKEN])


def test_503_twice_then_success_converges_with_warnings(run):
    result, server = run(FULL, [
        Call('GET', LOOKUP, status=503, body=UNAVAILABLE),
        Call('GET', LOOKUP, status=503, body=UNAVAILABLE),
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
    ])
    assert result['changed'] is False
    assert server.sleeps == [1.0, 2.0]
    warnings = warnings_of(result)
    assert len(warnings) == 2
    assert 'retry 1 of 3' in warnings[0] and '503' in warnings[0] and 'retry 2 of 3' in warnings[1]


@pytest.mark.parametrize('header, expected', [('1', 1.0), ('0', 0.0), ('600', 60.0), ('Thu, 01 Jan 1970 00:00:00 GMT', 0.0)])
def test_retry_after_is_honoured_and_capped(run, header, expected):
    result, server = run(dict(FULL, retry_backoff=7.0), [
        Call('GET', LOOKUP, status=429, body=error_body('too many requests', 'slow down'), headers={'Retry-After': header}),
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
    ])
    assert server.sleeps == [expected]


def test_gives_up_after_the_last_retry(run):
    result, server = run(dict(FULL, retries=2, retry_backoff=0.5), [Call('GET', LOOKUP, status=504, body=b'gateway timeout')] * 3)
    assert result['failed'] is True
    assert '504' in result['msg'] and 'gateway timeout' in result['msg']
    assert server.sleeps == [0.5, 1.0]


def test_no_retry_for_client_errors(run):
    result, server = run(FULL, [Call('GET', LOOKUP, status=401, body=error_body('unauthorized', 'unauthorized access'))])
    assert result['failed'] is True and server.sleeps == []


def test_connection_refused_is_retried(run):
    result, server = run(FULL, [Call('GET', LOOKUP, raises=connection_refused()), Call('GET', LOOKUP, body={'remotes': [api_remote()]})])
    assert result['changed'] is False and len(server.sleeps) == 1


def test_post_lost_after_success_is_not_repeated(run):
    result, server = run(FULL, [
        Call('GET', LOOKUP, body={'remotes': None}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', '/api/v2/remotes', raises=timeout()),
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
    ])
    assert result['changed'] is True
    assert result['remote']['id'] == REMOTE_ID
    # the POST that sent the token is taken to have created the remote, as in check mode
    assert result['diff'] == {'before': {}, 'after': dict(result['remote'], remote_api_token=TOKEN_AFTER)}
    assert [s['method'] for s in server.seen].count('POST') == 1
    assert ["reading remote 'central' back" in w for w in warnings_of(result)] == [True]


def test_post_that_created_nothing_is_sent_again(run):
    result, server = run(FULL, [
        Call('GET', LOOKUP, body={'remotes': None}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', '/api/v2/remotes', status=502, body=PROXY_PAGE),
        Call('GET', LOOKUP, body={'remotes': None}),
        Call('POST', '/api/v2/remotes', status=201, body=api_remote()),
    ])
    assert result['changed'] is True
    assert result['remote']['id'] == REMOTE_ID


def test_post_429_is_sent_again_directly(run):
    result, server = run(FULL, [
        Call('GET', LOOKUP, body={'remotes': None}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', '/api/v2/remotes', status=429, body=error_body('too many requests', 'slow down')),
        Call('POST', '/api/v2/remotes', status=201, body=api_remote()),
    ])
    assert result['changed'] is True


def test_post_with_retries_off_fails(run):
    result, server = run(dict(FULL, retries=0), [
        Call('GET', LOOKUP, body={'remotes': None}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', '/api/v2/remotes', raises=timeout()),
    ])
    assert result['failed'] is True and 'timed out' in result['msg']


def test_lost_post_found_with_other_values_is_patched(run):
    result, server = run(dict(FULL, description='ours'), [
        Call('GET', LOOKUP, body={'remotes': None}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', '/api/v2/remotes', raises=timeout()),
        Call('GET', LOOKUP, body={'remotes': [api_remote(description='theirs')]}),
        Call('PATCH', '/api/v2/remotes/' + REMOTE_ID, body=api_remote(description='ours'), sent={'description': 'ours'}),
    ])
    assert result['changed'] is True and result['remote']['description'] == 'ours'


def test_delete_retried_then_404_counts_as_done(run):
    result, server = run(dict(token=TOKEN, org_id=ORG_ID, name='central', state='absent'), [
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
        Call('DELETE', '/api/v2/remotes/' + REMOTE_ID, raises=timeout()),
        Call('DELETE', '/api/v2/remotes/' + REMOTE_ID, status=404, body=error_body('not found', 'remote connection not found')),
    ])
    assert result['changed'] is True
    assert result['remote'] == {}


def test_patch_is_retried_as_it_is(run):
    patch = Call('PATCH', '/api/v2/remotes/' + REMOTE_ID, status=503, body=UNAVAILABLE, sent={'description': 'x'})
    result, server = run(dict(FULL, description='x'), [
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
        patch,
        Call('PATCH', '/api/v2/remotes/' + REMOTE_ID, body=api_remote(description='x'), sent={'description': 'x'}),
    ])
    assert result['changed'] is True


def test_client_key_needs_client_cert(run):
    result, server = run(dict(FULL, client_key='/tmp/key.pem'), [])
    assert result['failed'] is True and "missing parameter(s) required by 'client_key': client_cert" in result['msg'] and server.seen == []
