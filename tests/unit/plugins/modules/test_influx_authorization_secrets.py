# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The token that influx_authorization(s) create shows in the token (tokens) key of the result and nowhere
else: not in another key, a warning, the diff or a message, at any verbosity, whatever a server echoes, in
every encoding and on every path."""

from __future__ import annotations

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils._client import HIDDEN
from ansible_collections.influxops.influxdb2.plugins.modules import influx_authorization, influx_authorizations
from ansible_collections.influxops.influxdb2.tests.unit.plugins.echoes import MODULE_TOKENS, all_echoes, leaks, strings_in
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    AUTHORIZATION_ID,
    ORG_ID,
    TOKEN,
    USER_ID,
    Call,
    api_authorization,
    api_permission,
    error_body,
)

LIST = '/api/v2/authorizations?orgID=' + ORG_ID
ONE = '/api/v2/authorizations/' + AUTHORIZATION_ID
NEW_ID = '0d0d0d0d0d0d0d09'
NEW = '/api/v2/authorizations/' + NEW_ID
ORG = '/api/v2/orgs/' + ORG_ID
USERS = '/api/v2/users?name=admin'
PERMISSIONS = [{'action': 'write', 'resource': {'type': 'buckets', 'id': '0b0b0b0b0b0b0b01', 'org_id': ORG_ID}}]
ARGS = dict(token=TOKEN, org_id=ORG_ID, description='edge-01 writer', user='admin', permissions=PERMISSIONS, _ansible_verbosity=4)


def listed(*authorizations):
    return {'authorizations': list(authorizations)}


def echoing(echo, **fields):
    """An authorization whose every text (but the description, where given) a server filled with ``echo``."""
    fields.setdefault('description', echo)
    fields.setdefault('user', echo)
    value = api_authorization(**fields)
    value['org'] = echo
    value['permissions'] = [dict(api_permission(), resource=dict(api_permission()['resource'], name=echo, org=echo))]
    return value


def created(token, echo, **fields):
    fields.setdefault('authorization_id', NEW_ID)
    value = api_authorization(token=token, **fields)
    value['permissions'] = [dict(api_permission(), resource=dict(api_permission()['resource'], name=echo))]
    return value


def creates(token, echo, answer=None):
    return [Call('GET', LIST, body=listed()), Call('GET', USERS, body={'users': [{'id': USER_ID, 'name': 'admin'}]}),
            Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
            Call('POST', '/api/v2/authorizations', status=201, body=answer or created(token, echo))]


# Each path of influx_authorization, the server echoing the created token (``token``) in every encoding (``echo``):
# (calls, whether the task keeps what it created and returns its token)
PATHS = {
    'create answered with echoes': lambda token, echo: (
        creates(token, echo) + [Call('GET', LIST, body=listed(created('', echo)))], True),
    'create read back with echoes': lambda token, echo: (
        creates(token, echo) + [Call('GET', LIST, body=listed(echoing(echo, authorization_id=NEW_ID)))], True),
    'create read back with a race won by another run whose fields echo': lambda token, echo: (
        creates(token, echo) + [
            Call('GET', LIST, body=listed(echoing(echo, authorization_id='0d0d0d0d0d0d0d02', description='edge-01 writer', user='admin'),
                                          created('', echo))),
            Call('DELETE', NEW, status=204)], False),
    'create read back with an error that echoes': lambda token, echo: (
        creates(token, echo) + [Call('GET', LIST, status=400, body=error_body('invalid', echo))], True),
    'create read back with a body of another shape': lambda token, echo: (
        creates(token, echo) + [Call('GET', LIST, body={'authorizations': echo})], True),
    'create answered with another shape': lambda token, echo: (
        creates(token, echo, answer={'id': NEW_ID, 'token': token, 'description': echo}) + [Call('GET', LIST, body=listed())], False),
    'rotation whose old one fails to go with an echo': lambda token, echo: (
        [Call('GET', LIST, body=listed(api_authorization())),
         Call('POST', '/api/v2/authorizations', status=201, body=created(token, echo)),
         Call('GET', LIST, body=listed(api_authorization(), created('', echo))),
         Call('DELETE', ONE, status=500, body=error_body('internal error', echo))], True),
    'rotation keeping the old one answered with echoes': lambda token, echo: (
        [Call('GET', LIST, body=listed(api_authorization())),
         Call('POST', '/api/v2/authorizations', status=201, body=created(token, echo)),
         Call('GET', LIST, body=listed(api_authorization(), created('', echo))),
         Call('PATCH', ONE, body=echoing(echo))], True),
}


def _assert_only_in(result, token, key):
    rest = dict((name, value) for name, value in result.items() if name != key)
    assert leaks(rest, token) == []
    # the echo did reach the result, hidden
    assert any(HIDDEN in text for text in strings_in(rest))


@pytest.mark.parametrize('token', MODULE_TOKENS, ids=['punctuation', 'markup', 'escape-like'])
@pytest.mark.parametrize('path', list(PATHS))
def test_influx_authorization_shows_the_created_token_only_in_token(run_main, token, path):
    calls, kept = PATHS[path](token, all_echoes(token))
    args = dict(ARGS, rotate=True, keep_previous='keeping' in path)
    result, server = run_main(influx_authorization, args, calls, secrets=[TOKEN])
    if kept:
        assert result['token'] == token
    else:
        assert result.get('token') is None
    _assert_only_in(result, token, 'token')


@pytest.mark.parametrize('token', MODULE_TOKENS, ids=['punctuation', 'markup', 'escape-like'])
def test_influx_authorizations_shows_the_created_tokens_only_in_tokens(run_main, token):
    echo = all_echoes(token)
    other = 'An0ther-created-t0ken'
    purged = echoing(echo, authorization_id='0d0d0d0d0d0d0d03', description='edge-99 ' + echo)
    calls = [
        Call('GET', LIST, body=listed(purged)),
        Call('GET', USERS, body={'users': [{'id': USER_ID, 'name': 'admin'}]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', '/api/v2/authorizations', status=201, body=created(token, echo)),
        Call('GET', LIST, body=listed(created('', echo))),
        Call('POST', '/api/v2/authorizations', status=201, body=created(other, echo + other, authorization_id='0d0d0d0d0d0d0d0a',
                                                                        description='edge-02 writer')),
        Call('GET', LIST, body=listed(created('', echo, authorization_id='0d0d0d0d0d0d0d0a', description='edge-02 writer'))),
        Call('DELETE', '/api/v2/authorizations/0d0d0d0d0d0d0d03', status=500, body=error_body('internal error', echo + other)),
    ]
    items = [dict(description=description, user='admin', permissions=PERMISSIONS) for description in ('edge-01 writer', 'edge-02 writer')]
    result, server = run_main(influx_authorizations, dict(token=TOKEN, org_id=ORG_ID, authorizations=items, purge=True, purge_prefix='edge-',
                                                          _ansible_verbosity=4), calls, secrets=[TOKEN])
    assert result['failed'] is True
    assert result['tokens'] == {'edge-01 writer': token, 'edge-02 writer': other}
    rest = dict((name, value) for name, value in result.items() if name != 'tokens')
    assert leaks(rest, token) == [] and leaks(rest, other) == []
