# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Odd tokens, hosts and answers, through the modules' main(): no secret in any result, no
request where the input is refused, and no answer believed that InfluxDB would not send."""

from __future__ import annotations

import json

import pytest

from ansible_collections.influxops.influxdb2.plugins.modules import influx_remote, influx_remote_info, influx_remotes
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    ORG_ID,
    REMOTE_ID,
    TOKEN,
    Call,
    api_remote,
    warnings_of,
)

REMOTE_TOKEN = 'remote-secret-token-5e1f'
PASSWORD = 'PaSsWoRd-77'
LOOKUP = '/api/v2/remotes?orgID=%s&name=central' % ORG_ID
CREATE = dict(org_id=ORG_ID, name='central', remote_url='https://central.example.com:8086', remote_api_token=REMOTE_TOKEN)
SNAKE = dict(id=REMOTE_ID, org_id=ORG_ID, name='central', description=None, remote_url='https://central.example.com:8086',
             remote_org_id=None, allow_insecure_tls=False)


@pytest.fixture
def run(run_main):
    def run(module, args, calls, secrets=(TOKEN, REMOTE_TOKEN, PASSWORD), **kwargs):
        return run_main(module, args, calls, secrets=secrets, **kwargs)
    return run


# 1. Tokens: surrounding white space goes, anything else that cannot be a token is refused unseen.

@pytest.mark.parametrize('how', ['task', 'environment'])
@pytest.mark.parametrize('tail', ['\n', '\r\n', ' \n'])
def test_a_token_that_ends_in_a_new_line_is_sent_without_it(run, how, tail):
    args, env = (dict(token=TOKEN + tail), None) if how == 'task' else ({}, {'INFLUX_TOKEN': TOKEN + tail})
    result, server = run(influx_remote, dict(args, org_id=ORG_ID, name='central'),
                         [Call('GET', LOOKUP, body={'remotes': [api_remote()]})], env=env)
    assert result['changed'] is False and 'failed' not in result
    assert server.seen[0]['headers']['Authorization'] == 'Token ' + TOKEN


@pytest.mark.parametrize('module, args', [
    (influx_remote, dict(name='central')),
    (influx_remotes, dict(remotes=[])),
    (influx_remote_info, dict()),
])
@pytest.mark.parametrize('bad, kind', [
    (TOKEN[:8] + ' ' + TOKEN[8:], 'white space'),
    (TOKEN[:8] + '\n' + TOKEN[8:] + '\n', 'white space'),
    (TOKEN[:8] + '\x07' + TOKEN[8:], 'a control character'),
    ('\u201c' + TOKEN + '\u201d', 'a character outside ASCII'),
])
def test_a_token_that_cannot_be_sent_fails_before_any_request(run, module, args, bad, kind):
    result, server = run(module, dict(args, token=bad, org_id=ORG_ID), [],
                         secrets=(TOKEN[:8], TOKEN[8:]))
    assert result['failed'] is True
    assert result['msg'].startswith('token holds %s inside it' % kind)
    assert server.seen == []


def test_a_remote_token_that_ends_in_a_new_line_is_stored_without_it(run):
    result, server = run(influx_remote, dict(CREATE, token=TOKEN, remote_api_token=REMOTE_TOKEN + '\n'), [
        Call('GET', LOOKUP, body={'remotes': None}),
        Call('GET', '/api/v2/orgs/' + ORG_ID, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', '/api/v2/remotes', status=201, body=api_remote()),
    ])
    assert result['changed'] is True
    assert server.writes[0]['body']['remoteAPIToken'] == REMOTE_TOKEN


def test_a_remote_token_with_white_space_inside_fails_before_any_request(run):
    bad = REMOTE_TOKEN[:10] + ' ' + REMOTE_TOKEN[10:]
    item = dict(name='central', remote_url='https://central.example.com:8086', remote_api_token=bad)
    result, server = run(influx_remotes, dict(token=TOKEN, org_id=ORG_ID, remotes=[item]), [],
                         secrets=(TOKEN, REMOTE_TOKEN[:10], REMOTE_TOKEN[10:]))
    assert result['msg'].startswith('remotes[0].remote_api_token holds white space inside it')
    assert server.seen == []


# 2. host is a base URL; user info is refused and never shown, not even in the invocation.

@pytest.mark.parametrize('module, args', [
    (influx_remote, dict(name='central')),
    (influx_remotes, dict(remotes=[])),
    (influx_remote_info, dict()),
])
@pytest.mark.parametrize('host', [
    'http://admin:%s@influx.test:8086' % PASSWORD,
    'http://admin:%s/x@influx.test:8086' % PASSWORD,
    'http://%s@influx.test:8086/' % PASSWORD,
])
def test_user_info_in_host_fails_unseen(run, module, args, host):
    result, server = run(module, dict(args, host=host, token=TOKEN, org_id=ORG_ID), [])
    assert result['msg'].startswith('host must be an absolute http:// or https:// URL with a host, the value is not shown')
    assert 'request' not in result
    assert server.seen == []


def test_user_info_in_remote_url_fails_unseen(run):
    result, server = run(influx_remote, dict(CREATE, token=TOKEN, remote_url='https://u:%s@central.test' % PASSWORD), [])
    assert result['msg'].startswith('remote_url must be an absolute http:// or https:// URL with a host, the value is not shown')
    assert server.seen == []


@pytest.mark.parametrize('host', ['http://influx.test:8086/?org=edge', 'http://influx.test:8086#x'])
def test_a_host_with_a_query_or_fragment_fails_before_any_request(run, host):
    result, server = run(influx_remote, dict(host=host, token=TOKEN, org_id=ORG_ID, name='central'), [])
    assert 'has a query string or a fragment' in result['msg']
    assert server.seen == []


def test_a_host_with_a_path_prefix_works(run):
    result, server = run(influx_remote, dict(host='http://influx.test:8086/influxdb/', token=TOKEN, org_id=ORG_ID, name='central'),
                         [Call('GET', LOOKUP, body={'remotes': [api_remote()]})])
    assert result['remote'] == SNAKE
    # the scripted server checks that every URL starts with the host, prefix included
    assert server.host == 'http://influx.test:8086/influxdb'


# 3. Answers of another shape than InfluxDB's are never believed.

@pytest.mark.parametrize('body, expected', [
    ([], 'an object with remotes as a list or null'),
    ({}, 'an object with remotes as a list or null'),
    ({'remotes': 'central'}, 'an object with remotes as a list or null'),
    ({'remotes': ['central']}, 'each item is a remote connection object'),
    ({'remotes': [dict(api_remote(), id=None)]}, 'each item is a remote connection object with id as a string'),
    ({'remotes': [dict(api_remote(), remoteOrgID=5)]}, 'with remoteOrgID as a string'),
    ({'remotes': [dict(api_remote(), allowInsecureTLS='no')]}, 'with allowInsecureTLS as a boolean'),
])
def test_a_list_of_another_shape_fails_clearly(run, body, expected):
    result, server = run(influx_remote, dict(CREATE, token=TOKEN), [Call('GET', LOOKUP, body=body)])
    assert result['msg'].startswith('GET http://influx.test:8086%s answered HTTP 200 with a body that is not what InfluxDB sends '
                                    '(expected ' % LOOKUP)
    assert expected in result['msg']
    assert json.dumps(body, indent='\t').split()[0] in result['msg']
    assert result['http_status'] == 200
    assert 'Error' not in result['msg'] and 'attribute' not in result['msg']


@pytest.mark.parametrize('answer', [b'', b'{}', b'[]', b'{"id": null}'])
def test_a_create_answered_without_a_remote_reads_it_back(run, answer):
    result, server = run(influx_remote, dict(CREATE, token=TOKEN), [
        Call('GET', LOOKUP, body={'remotes': None}),
        Call('GET', '/api/v2/orgs/' + ORG_ID, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', '/api/v2/remotes', status=201, body=answer),
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
    ])
    assert result['changed'] is True
    assert result['remote'] == SNAKE
    assert len(server.writes) == 1
    assert any("reading remote 'central' back by name" in w for w in warnings_of(result))


def test_a_create_answered_without_a_remote_that_does_not_exist_fails(run):
    result, server = run(influx_remote, dict(CREATE, token=TOKEN), [
        Call('GET', LOOKUP, body={'remotes': None}),
        Call('GET', '/api/v2/orgs/' + ORG_ID, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', '/api/v2/remotes', status=201, body={}),
        Call('GET', LOOKUP, body={'remotes': None}),
    ])
    assert result['failed'] is True
    assert result['msg'] == ('POST http://influx.test:8086/api/v2/remotes answered HTTP 201 with a body that is not what InfluxDB '
                             "sends (expected the created remote): {}; remote 'central' was read back by name and does not exist")
    assert result.get('remote') is None


def test_an_update_answered_without_a_remote_reads_it_back(run):
    result, server = run(influx_remote, dict(token=TOKEN, org_id=ORG_ID, name='central', description='hq'), [
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
        Call('PATCH', '/api/v2/remotes/' + REMOTE_ID, body=b'OK'),
    ])
    assert result['msg'].startswith('PATCH http://influx.test:8086/api/v2/remotes/%s answered HTTP 200 with a body that is not JSON'
                                    % REMOTE_ID)
    result, server = run(influx_remote, dict(token=TOKEN, org_id=ORG_ID, name='central', description='hq'), [
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
        Call('PATCH', '/api/v2/remotes/' + REMOTE_ID, body={}),
        Call('GET', LOOKUP, body={'remotes': [api_remote(description='hq')]}),
    ])
    assert result['changed'] is True and result['remote'] == dict(SNAKE, description='hq')


@pytest.mark.parametrize('body', [[], {'orgs': 'edge'}, {'orgs': [{'id': ORG_ID}]}])
def test_an_org_list_of_another_shape_fails_clearly(run, body):
    result, server = run(influx_remote_info, dict(token=TOKEN, org='edge'), [Call('GET', '/api/v2/orgs?org=edge', body=body)])
    assert result['msg'].startswith('GET http://influx.test:8086/api/v2/orgs?org=edge answered HTTP 200 with a body that is not '
                                    'what InfluxDB sends (expected an object with orgs as a list')


def test_an_org_of_another_shape_stops_a_create(run):
    result, server = run(influx_remote, dict(CREATE, token=TOKEN), [
        Call('GET', LOOKUP, body={'remotes': None}),
        Call('GET', '/api/v2/orgs/' + ORG_ID, body=[]),
    ])
    assert 'expected an organization object with id and name as strings' in result['msg']
    assert server.writes == []


def test_a_remote_by_id_of_another_shape_fails_clearly(run):
    result, server = run(influx_remote_info, dict(token=TOKEN, id=REMOTE_ID), [
        Call('GET', '/api/v2/remotes/' + REMOTE_ID, body=['x']),
    ])
    assert 'expected a remote connection object)' in result['msg']


# 5. Empty filters are no filter.

@pytest.mark.parametrize('filters', [dict(name=''), dict(remote_url=''), dict(name='', remote_url='', id='')])
def test_empty_filters_mean_no_filter(run, filters):
    result, server = run(influx_remote_info, dict(filters, token=TOKEN, org_id=ORG_ID), [
        Call('GET', '/api/v2/remotes?orgID=' + ORG_ID, body={'remotes': [api_remote()]}),
    ])
    assert result['remotes'] == [SNAKE]


# 6. org and org_id: both is refused, saying how to cancel a module_defaults value.

def test_org_and_org_id_together_fail_with_the_way_out(run):
    result, server = run(influx_remote, dict(CREATE, token=TOKEN, org='edge'), [])
    assert result['msg'].startswith('parameters are mutually exclusive: org|org_id.')
    assert 'org_id: "{{ omit }}"' in result['msg']
    assert server.seen == []
