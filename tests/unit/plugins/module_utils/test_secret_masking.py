# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The client hides a secret in every form a JSON, HTTP or HTML peer may echo it in, whatever its characters."""

from __future__ import annotations

import json

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils._client import HIDDEN, InfluxDBClient
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxDBError
from ansible_collections.influxops.influxdb2.tests.unit.plugins.echoes import ANY_TOKENS, ECHOES, LAYERED, all_echoes, leaks, shows
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import HOST, Call, ScriptedServer

from ansible_collections.influxops.influxdb2.plugins.module_utils import _client

TOKEN_IDS = ['punctuation', 'markup', 'escape-like', 'non-ASCII', 'control', 'mixed']


def client_for(token):
    return InfluxDBClient(HOST, 'a-token-of-another-shape-%d' % len(token), retries=0)


@pytest.mark.parametrize('token', ANY_TOKENS, ids=TOKEN_IDS)
@pytest.mark.parametrize('echo', ECHOES.values(), ids=list(ECHOES))
def test_an_echo_is_hidden_in_place(token, echo):
    client = client_for(token)
    client.add_secret(token)
    assert client.hide_secrets('said: [%s] ok' % echo(token)) == 'said: [%s] ok' % HIDDEN


@pytest.mark.parametrize('token', ANY_TOKENS, ids=TOKEN_IDS)
@pytest.mark.parametrize('echo', LAYERED.values(), ids=list(LAYERED))
def test_an_echo_in_two_layers_never_shows(token, echo):
    client = client_for(token)
    client.add_secret(token)
    hidden = client.hide_secrets('said: [%s] ok' % echo(token))
    assert not shows(hidden, token) and echo(token) not in hidden


@pytest.mark.parametrize('token', ANY_TOKENS, ids=TOKEN_IDS)
def test_text_around_the_echoes_is_kept(token):
    client = client_for(token)
    client.add_secret(token)
    text = ' | '.join('%s: %s' % (name, echo(token)) for name, echo in ECHOES.items())
    assert client.hide_secrets(text) == ' | '.join('%s: %s' % (name, HIDDEN) for name in ECHOES)


def test_a_text_without_secrets_is_kept_whole():
    client = InfluxDBClient(HOST, 'Ab<c>d&e"f-tokenZ')
    text = 'a < b &amp; c %3C \\u003c "d" \\\\ e &#60; + f'
    assert client.hide_secrets(text) == text


def test_the_longest_secret_goes_first():
    client = InfluxDBClient(HOST, 'Ab<c')
    client.add_secret('xAb<cy')
    assert client.hide_secrets('xAb\\u003ccy, Ab&lt;c') == '%s, %s' % (HIDDEN, HIDDEN)


def test_a_text_that_cannot_be_decoded_is_hidden_whole():
    client = InfluxDBClient(HOST, 'Ab<c>d-tokenZ')
    assert client.hide_secrets('Ab&#%s;c>d-tokenZ' % ('0' * 5000 + '1' * 5000)) == HIDDEN


# Through the client: each path that quotes what a server sent.

def _fail(monkeypatch, token, call, expect=None):
    server = ScriptedServer([call])
    monkeypatch.setattr(_client, 'open_url', server)
    client = client_for(token)
    client.add_secret(token)
    with pytest.raises(InfluxDBError) as info:
        client.get('/api/v2/remotes', expect=expect)
    return info.value


def _json_echo(token):
    return {'code': all_echoes(token), 'message': all_echoes(token), all_echoes(token): [all_echoes(token)]}


@pytest.mark.parametrize('token', ANY_TOKENS, ids=TOKEN_IDS)
@pytest.mark.parametrize('call, expect', [
    (lambda token: Call('GET', '/api/v2/remotes', status=200, body=_json_echo(token)), lambda answer: 'a list'),
    (lambda token: Call('GET', '/api/v2/remotes', status=200, body=json.dumps(_json_echo(token)).encode('utf-8')),
     lambda answer: 'a list'),
    (lambda token: Call('GET', '/api/v2/remotes', status=200, body=all_echoes(token).encode('utf-8')), None),
    (lambda token: Call('GET', '/api/v2/remotes', status=400, body=_json_echo(token)), None),
    (lambda token: Call('GET', '/api/v2/remotes', status=400, body=[all_echoes(token)]), None),
    (lambda token: Call('GET', '/api/v2/remotes', status=502, body=('<p>%s</p>' % all_echoes(token)).encode('utf-8')), None),
    (lambda token: Call('GET', '/api/v2/remotes', status=307, headers={'Location': 'https://x.test/?' + all_echoes(token)}), None),
    (lambda token: Call('GET', '/api/v2/remotes', raises=OSError(5, all_echoes(token))), None),
], ids=['2xx of another shape', '2xx compact JSON', '2xx not JSON', 'error JSON', 'error JSON of another shape',
        'proxy page', 'redirect', 'transport error'])
def test_no_path_of_the_client_quotes_a_secret(monkeypatch, token, call, expect):
    error = _fail(monkeypatch, token, call(token), expect)
    result = error.fail_kwargs()
    assert HIDDEN in result['msg']
    assert leaks(result, token) == []


def test_a_snippet_never_joins_a_secret_by_squeezing_white_space(monkeypatch):
    error = _fail(monkeypatch, 'A b Z', Call('GET', '/api/v2/remotes', status=200, body=b'x A\n\t b Z y'))
    assert error.fail_kwargs()['msg'].endswith('body that is not JSON: x %s y' % HIDDEN)
