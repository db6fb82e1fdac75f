# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A server or a proxy that echoes a token, in every encoding and on every path: no form of the
token survives in any message, warning, diff or return value of a module."""

from __future__ import annotations

from urllib.error import URLError

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils._client import HIDDEN
from ansible_collections.influxops.influxdb2.plugins.modules import influx_remote, influx_replication_info
from ansible_collections.influxops.influxdb2.tests.unit.plugins.echoes import MODULE_TOKENS, all_echoes, leaks, strings_in
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    ORG_ID,
    TOKEN,
    Call,
    api_remote,
    api_replication,
    error_body,
)

LOOKUP = '/api/v2/remotes?orgID=%s&name=central' % ORG_ID
ORG = '/api/v2/orgs/' + ORG_ID
REMOTE_TOKEN = 'remote-token-of-another-shape-0e1f'
CREATE = dict(org_id=ORG_ID, name='central', remote_url='https://central.example.com:8086')
LIST = '/api/v2/replications?orgID=' + ORG_ID


def _page(echo):
    return ('<html><body><h1>502 Bad Gateway</h1><p>%s</p></body></html>' % echo).encode('utf-8')


def _refused(echo):
    return URLError(OSError(5, echo))


# What a server may answer, each with the token echoed in every encoding at once.
REMOTE_ANSWERS = {
    'lookup answered with another shape': lambda echo: [Call('GET', LOOKUP, body={'remotes': echo})],
    'lookup answered with a body that is not JSON': lambda echo: [Call('GET', LOOKUP, body=echo.encode('utf-8'))],
    'lookup refused with an error message': lambda echo: [Call('GET', LOOKUP, status=400, body=error_body('invalid', echo))],
    'lookup refused with an error code': lambda echo: [Call('GET', LOOKUP, status=401, body=error_body(echo, echo))],
    "lookup refused by a proxy's page": lambda echo: [Call('GET', LOOKUP, status=502, body=_page(echo))],
    'lookup redirected': lambda echo: [Call('GET', LOOKUP, status=307, headers={'Location': 'https://sso.test/login?next=' + echo})],
    'lookup lost below HTTP': lambda echo: [Call('GET', LOOKUP, raises=_refused(echo))],
    'lookup retried': lambda echo: [Call('GET', LOOKUP, status=503, body=error_body('unavailable', echo)),
                                    Call('GET', LOOKUP, body={'remotes': [api_remote()]})],
    'remote with echoes in its fields': lambda echo: [Call('GET', LOOKUP, body={'remotes': [api_remote(description=echo)]})],
    'create refused': lambda echo: [Call('GET', LOOKUP, body={'remotes': None}), Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
                                    Call('POST', '/api/v2/remotes', status=400, body=error_body('invalid', echo))],
    'create answered with echoes in the remote': lambda echo: [
        Call('GET', LOOKUP, body={'remotes': None}), Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', '/api/v2/remotes', status=201, body=api_remote(description=echo))],
    'create answered with another shape': lambda echo: [
        Call('GET', LOOKUP, body={'remotes': None}), Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', '/api/v2/remotes', status=201, body={'remote': echo}),
        Call('GET', LOOKUP, body={'remotes': [api_remote()]})],
}

REPLICATION_ANSWERS = {
    'list answered with another shape': lambda echo: [Call('GET', LIST, body={'replications': echo})],
    'list answered with a body that is not JSON': lambda echo: [Call('GET', LIST, body=echo.encode('utf-8'))],
    'list refused with an error message': lambda echo: [Call('GET', LIST, status=400, body=error_body(echo, echo))],
    "list refused by a proxy's page": lambda echo: [Call('GET', LIST, status=502, body=_page(echo))],
    'list redirected': lambda echo: [Call('GET', LIST, status=302, headers={'Location': 'https://sso.test/?next=' + echo})],
    'list lost below HTTP': lambda echo: [Call('GET', LIST, raises=_refused(echo))],
    'list retried': lambda echo: [Call('GET', LIST, status=503, body=error_body('unavailable', echo)),
                                  Call('GET', LIST, body={'replications': []})],
    'replication with echoes in its fields': lambda echo: [Call('GET', LIST, body={'replications': [api_replication(
        description=echo, latestResponseCode=401, latestErrorMessage='401 Unauthorized: ' + echo)]})],
    'failing replication whose error echoes': lambda echo: [Call('GET', LIST, body={'replications': [api_replication(
        latestResponseCode=400, latestErrorMessage=echo)]})],
}


def _assert_hidden(result, token):
    assert leaks(result, token) == []
    # the echo did reach the result, hidden
    assert any(HIDDEN in text for text in strings_in(result))


@pytest.mark.parametrize('token', MODULE_TOKENS, ids=['punctuation', 'markup', 'escape-like'])
@pytest.mark.parametrize('option', ['token', 'remote_api_token'])
@pytest.mark.parametrize('answers', list(REMOTE_ANSWERS))
def test_influx_remote_never_shows_an_echoed_token(run_main, token, option, answers):
    args = dict(CREATE, token=TOKEN, remote_api_token=REMOTE_TOKEN, retries=int('retried' in answers))
    args[option] = token
    result, server = run_main(influx_remote, args, REMOTE_ANSWERS[answers](all_echoes(token)))
    _assert_hidden(result, token)


@pytest.mark.parametrize('token', MODULE_TOKENS, ids=['punctuation', 'markup', 'escape-like'])
@pytest.mark.parametrize('answers', list(REPLICATION_ANSWERS))
def test_influx_replication_info_never_shows_an_echoed_token(run_main, token, answers):
    result, server = run_main(influx_replication_info, dict(token=token, org_id=ORG_ID, retries=int('retried' in answers)),
                              REPLICATION_ANSWERS[answers](all_echoes(token)))
    _assert_hidden(result, token)
