# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The client over a real HTTP exchange with a tiny local server: statuses, bodies and errors."""

from __future__ import annotations

import json
import socket
import ssl
import threading

from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.error import URLError

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils import _client
from ansible_collections.influxops.influxdb2.plugins.module_utils._client import InfluxDBClient
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxDBError

TOKEN = 'client-test-token-c0ffee'

# path -> (status, headers, body bytes)
ANSWERS = {
    '/ok': (200, {'Content-Type': 'application/json; charset=utf-8'}, b'{\n\t"remotes": null\n}'),
    '/empty': (204, {}, b''),
    '/unauthorized': (401, {'X-Platform-Error-Code': 'unauthorized'}, b'{"code":"unauthorized","message":"unauthorized access"}'),
    '/forbidden': (403, {}, b'{"code":"forbidden","message":"no"}'),
    '/conflict': (422, {}, b'{"code":"conflict","message":"already there"}'),
    '/proxy': (502, {'Content-Type': 'text/html'}, b'<html><body>' + b'Bad Gateway ' * 40 + b'</body></html>'),
    '/garbage': (200, {}, b'not json at all'),
    '/redirect': (301, {'Location': 'http://elsewhere.example/api'}, b''),
    # a proxy that echoes what it was sent, in every form a token can take in a text
    '/echo': (400, {}, json.dumps({'code': 'invalid', 'message': 'bad header Token %s; %r; %s' % (
        TOKEN + '"x', TOKEN + '"x', 'client-test-token-c0ffee%22x')}).encode('utf-8')),
    '/echo-ok': (200, {}, ('{"remotes": "Token %s"}' % TOKEN).encode('utf-8')),
    '/list': (200, {}, b'[]'),
    # a server that lists tokens (InfluxDB before 2.9, or without token hashing), in an answer of another shape
    '/tokens': (200, {}, b'{"authorizations": [{"id": "0d0d0d0d0d0d0d01", "token": "Listed-t0ken-of-a-2.7-server", '
                         b'"user": {"token": "Nested-t0ken"}}, {"token": ""}]}'),
    # every answer of InfluxDB 2.x carries its version, errors included (http/handler.go)
    '/v2.7': (200, {'X-Influxdb-Version': 'v2.7.12'}, b'{"remotes": null}'),
    '/v2.9-error': (404, {'X-Influxdb-Version': 'v2.9.1', 'X-Platform-Error-Code': 'not found'},
                    b'{"code":"not found","message":"remote connection not found"}'),
    '/v-echo': (200, {'X-Influxdb-Version': 'v2.7.12 ' + TOKEN}, b'{}'),
}


class Handler(BaseHTTPRequestHandler):
    seen = []

    def _answer(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        Handler.seen.append((self.command, self.path, dict(self.headers), body))
        status, headers, raw = ANSWERS[self.path.split('?')[0]]
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if status != 204:
            self.send_header('Content-Length', str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = do_PATCH = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope='module')
def base_url():
    server = HTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d/' % server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(base_url):
    Handler.seen = []
    return InfluxDBClient(base_url, TOKEN, timeout=5)


# A token that http.client refuses; the module never lets one through (check_token), and the
# client never repeats the refusal, which quotes the whole header.

@pytest.mark.parametrize('bad', ['\n', '\r\n', '\nX-Injected: 1', '\u201c'])
def test_a_header_that_cannot_be_sent_is_never_quoted(base_url, bad):
    client = InfluxDBClient(base_url, TOKEN + bad, timeout=5)
    with pytest.raises(InfluxDBError) as info:
        client.get('/ok')
    message = str(info.value)
    assert message.startswith('cannot send GET %sok: the request could not be built (' % base_url)
    assert TOKEN not in message and TOKEN not in json.dumps(info.value.fail_kwargs())


def test_secrets_are_hidden_in_every_form_an_answer_holds_them(base_url):
    client = InfluxDBClient(base_url, TOKEN + '"x', timeout=5)
    with pytest.raises(InfluxDBError) as info:
        client.get('/echo')
    text = json.dumps(info.value.fail_kwargs())
    assert 'c0ffee' not in text
    assert info.value.api_message == "bad header Token ********; '********'; ********"


def test_added_secrets_are_hidden_in_snippets(base_url):
    client = InfluxDBClient(base_url, 'another-token', timeout=5)
    client.add_secret(TOKEN)
    with pytest.raises(InfluxDBError) as info:
        client.get('/echo-ok', expect=lambda answer: None if isinstance(answer.get('remotes'), list) else 'a list')
    assert str(info.value) == ('GET %secho-ok answered HTTP 200 with a body that is not what InfluxDB sends (expected a list): '
                               '{"remotes": "Token ********"}' % base_url)


def test_a_snippet_never_quotes_the_value_of_a_token_key(client, base_url):
    with pytest.raises(InfluxDBError) as info:
        client.get('/tokens', expect=lambda answer: 'a list')
    assert str(info.value) == ('GET %stokens answered HTTP 200 with a body that is not what InfluxDB sends (expected a list): '
                               '{"authorizations": [{"id": "0d0d0d0d0d0d0d01", "token": "********", "user": {"token": "********"}}, '
                               '{"token": ""}]}' % base_url)


def test_an_answer_of_another_shape_names_the_request_and_the_body(client, base_url):
    with pytest.raises(InfluxDBError) as info:
        client.get('/list', expect=lambda answer: None if isinstance(answer, dict) else 'an object')
    assert str(info.value) == 'GET %slist answered HTTP 200 with a body that is not what InfluxDB sends (expected an object): []' % base_url
    assert info.value.status == 200


def test_a_transport_error_never_repeats_a_secret(monkeypatch):
    def refuse(url, **kwargs):
        raise URLError(OSError(5, 'header Token %s rejected' % TOKEN))
    monkeypatch.setattr(_client, 'open_url', refuse)
    client = InfluxDBClient('http://influx.test:8086', TOKEN, timeout=5)
    with pytest.raises(InfluxDBError) as info:
        client.get('/ok')
    assert TOKEN not in str(info.value) and 'header Token ******** rejected' in str(info.value)


def test_json_body_and_headers(client):
    assert client.get('/ok', dict(orgID='0123456789abcdef', name='a b', remoteURL=None)) == {'remotes': None}
    method, path, headers, body = Handler.seen[0]
    assert (method, path) == ('GET', '/ok?orgID=0123456789abcdef&name=a+b')
    assert headers['Authorization'] == 'Token ' + TOKEN
    assert client.request_count == 1


def test_json_request_body(client):
    client.post('/ok', {'name': 'x'})
    method, path, headers, body = Handler.seen[0]
    assert method == 'POST' and json.loads(body) == {'name': 'x'}
    assert headers['Content-Type'].startswith('application/json')


def test_the_server_version_comes_from_the_last_answer_that_carries_it(client):
    assert client.server_version is None
    client.get('/v2.7')
    assert client.server_version == 'v2.7.12'
    with pytest.raises(InfluxDBError):
        client.get('/v2.9-error')
    assert client.server_version == 'v2.9.1'
    # an answer without the header (a proxy's) leaves what an earlier answer said
    client.get('/ok')
    assert client.server_version == 'v2.9.1'
    assert client.request_count == 3


def test_a_version_header_never_repeats_a_secret(client):
    client.get('/v-echo')
    assert client.server_version == 'v2.7.12 ********'


def test_no_content(client):
    assert client.delete('/empty') is None


@pytest.mark.parametrize('path, status, fragment', [
    ('/unauthorized', 401, 'authentication failed (401 unauthorized: unauthorized access)'),
    ('/forbidden', 403, 'permission denied (403 forbidden: no)'),
    ('/conflict', 422, 'failed (422 conflict: already there)'),
    ('/proxy', 502, 'HTTP 502 and a body that is not InfluxDB JSON: <html><body>Bad Gateway'),
    ('/garbage', 200, 'HTTP 200 with a body that is not JSON: not json at all'),
    ('/redirect', 301, 'was redirected (HTTP 301) to http://elsewhere.example/api'),
])
def test_errors_carry_status_and_message(client, path, status, fragment):
    with pytest.raises(InfluxDBError) as info:
        client.get(path)
    assert info.value.status == status
    assert fragment in str(info.value)
    assert TOKEN not in str(info.value)
    assert len(str(info.value)) < 500


def test_error_fields_for_fail_json(client):
    with pytest.raises(InfluxDBError) as info:
        client.get('/unauthorized')
    kwargs = info.value.fail_kwargs()
    assert kwargs['http_status'] == 401
    assert kwargs['influxdb_code'] == 'unauthorized'
    assert kwargs['influxdb_message'] == 'unauthorized access'
    assert kwargs['request']['method'] == 'GET'


def test_redirects_are_not_followed(client):
    with pytest.raises(InfluxDBError):
        client.get('/redirect')
    assert len(Handler.seen) == 1


def test_connection_refused_names_the_host():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(InfluxDBError, match=r'cannot reach InfluxDB at 127\.0\.0\.1 .*connection refused'):
        InfluxDBClient('http://127.0.0.1:%d' % port, TOKEN, timeout=5).get('/ok')


@pytest.mark.parametrize('reason, fragment', [
    (ssl.SSLCertVerificationError(1, 'certificate verify failed'), 'TLS certificate verification failed'),
    (socket.gaierror(-2, 'Name or service not known'), 'the name could not be resolved'),
    (ssl.SSLEOFError(8, 'EOF occurred in violation of protocol'), 'set client_cert and client_key'),
    (socket.timeout('timed out'), 'timed out'),
])
def test_transport_failures(monkeypatch, reason, fragment):
    def fail(*args, **kwargs):
        raise URLError(reason)
    monkeypatch.setattr(_client, 'open_url', fail)
    with pytest.raises(InfluxDBError) as info:
        InfluxDBClient('https://influx.example.com:8086', TOKEN).get('/ok')
    assert fragment in str(info.value)
    assert 'influx.example.com' in str(info.value)
    if 'verification' in fragment:
        assert 'ca_path' in str(info.value) and 'validate_certs' in str(info.value)
    if 'client_cert' in fragment:
        assert 'ca_path' not in str(info.value)


def test_tls_alert_raised_directly_points_at_client_certificates(monkeypatch):
    def fail(*args, **kwargs):
        error = ssl.SSLError(1, '[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required')
        error.reason = 'TLSV13_ALERT_CERTIFICATE_REQUIRED'
        raise error
    monkeypatch.setattr(_client, 'open_url', fail)
    client = InfluxDBClient('https://influx.example.com', TOKEN, retries=3, sleep=lambda delay: None)
    with pytest.raises(InfluxDBError, match='TLS error .*certificate required.*set client_cert and client_key') as info:
        client.get('/ok')
    assert info.value.retryable is False and client.request_count == 1


def test_local_file_errors_are_not_retried(monkeypatch):
    def fail(*args, **kwargs):
        raise URLError(FileNotFoundError(2, 'No such file or directory', '/x/ca.pem'))
    monkeypatch.setattr(_client, 'open_url', fail)
    client = InfluxDBClient('https://influx.example.com', TOKEN, retries=3, sleep=lambda delay: None)
    with pytest.raises(InfluxDBError, match=r'cannot read /x/ca\.pem \(No such file or directory\)') as info:
        client.get('/ok')
    assert info.value.retryable is False
    assert client.request_count == 1


def test_timeout_raised_directly(monkeypatch):
    def fail(*args, **kwargs):
        raise socket.timeout('timed out')
    monkeypatch.setattr(_client, 'open_url', fail)
    with pytest.raises(InfluxDBError, match='timed out'):
        InfluxDBClient('https://influx.example.com', TOKEN).get('/ok')


def test_one_ssl_context_per_client_made_as_open_url_makes_it(monkeypatch):
    made, contexts = [], []

    def make_context(**kwargs):
        made.append(kwargs)
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)

    def answer(url, method, context=None, **kwargs):
        contexts.append(context)
        raise URLError('refused')

    monkeypatch.setattr(_client, 'make_context', make_context)
    monkeypatch.setattr(_client, 'open_url', answer)
    client = InfluxDBClient('https://influx.example.com:8086', TOKEN, validate_certs=False, ca_path='/ca.pem',
                            client_cert='/c.pem', client_key='/k.pem')
    for attempt in range(3):
        with pytest.raises(InfluxDBError):
            client.get('/ok%d' % attempt)
    assert made == [dict(cafile='/ca.pem', validate_certs=False, client_cert='/c.pem', client_key='/k.pem')]
    assert len(contexts) == 3 and contexts[0] is not None and all(context is contexts[0] for context in contexts)


def test_a_plain_http_client_reads_no_certificate_authority(monkeypatch, base_url):
    monkeypatch.setattr(_client, 'make_context', None)
    client = InfluxDBClient(base_url, TOKEN)
    assert client.get('/ok') == {'remotes': None} and client.get('/ok') == {'remotes': None}
