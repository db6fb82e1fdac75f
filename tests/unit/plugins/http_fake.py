# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A scripted stand-in for ``open_url``: each test lists the exact requests it expects, in order,
with the answer to each, and the fake fails the test on any other request."""

from __future__ import annotations

import io
import json

from email.message import Message
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qs, urlsplit

import pytest

from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.influxops.influxdb2.plugins.module_utils import _client, _wait
from ansible_collections.influxops.influxdb2.plugins.module_utils._connection import ENVIRONMENT

HOST = 'http://influx.test:8086'
TOKEN = 'unit-test-token-7f3e9c'
ORG_ID = '0123456789abcdef'
OTHER_ORG_ID = 'fedcba9876543210'
REMOTE_ID = '0a0b0c0d0e0f0102'


# Every variable that the modules read: those of the connection options, and where the profiles are.
ENV_NAMES = tuple(source.variable for source in ENVIRONMENT.values()) + ('INFLUX_CONFIGS_PATH',)


def api_remote(name='central', remote_id=REMOTE_ID, org_id=ORG_ID, description=None, remote_url='https://central.example.com:8086',
               remote_org_id=None, allow_insecure_tls=False):
    """A remote as the InfluxDB API returns it."""
    remote = {'id': remote_id, 'orgID': org_id, 'name': name, 'remoteURL': remote_url,
              'remoteOrgID': remote_org_id, 'allowInsecureTLS': allow_insecure_tls}
    if description is not None:
        remote['description'] = description
    return remote


REPLICATION_ID = '0c0d0e0f01020304'
OTHER_REPLICATION_ID = '0c0d0e0f01020305'
BUCKET_ID = '0b0b0b0b0b0b0b01'
OTHER_BUCKET_ID = '0b0b0b0b0b0b0b02'
REMOTE_BUCKET_ID = '0e0e0e0e0e0e0e01'


def api_replication(name='telemetry-to-central', replication_id=REPLICATION_ID, org_id=ORG_ID, description=None,
                    remote_id=REMOTE_ID, local_bucket_id=BUCKET_ID, remote_bucket_id=None, remote_bucket_name='telemetry',
                    max_queue_size_bytes=67108860, max_age_seconds=604800, drop_non_retryable_data=False, **status):
    """A replication as the InfluxDB API returns it (with ``RemoteBucketName``, capital R); ``status`` in API keys."""
    replication = {'id': replication_id, 'orgID': org_id, 'name': name, 'remoteID': remote_id, 'localBucketID': local_bucket_id,
                   'remoteBucketID': remote_bucket_id, 'RemoteBucketName': remote_bucket_name,
                   'maxQueueSizeBytes': max_queue_size_bytes, 'maxAgeSeconds': max_age_seconds,
                   'dropNonRetryableData': drop_non_retryable_data, 'currentQueueSizeBytes': 8, 'remainingBytesToBeSynced': 0}
    if description is not None:
        replication['description'] = description
    replication.update(status)
    return replication


def api_bucket(name='telemetry', bucket_id=BUCKET_ID, org_id=ORG_ID, retention=None, shard_group=None, description=None,
               kind='user'):
    """A bucket as the InfluxDB API returns it (the fields that matter); with ``retention``, its one retention rule."""
    bucket = {'id': bucket_id, 'orgID': org_id, 'type': kind, 'name': name, 'retentionRules': []}
    if description:
        bucket['description'] = description
    if retention is not None:
        bucket['retentionRules'] = [{'type': 'expire', 'everySeconds': retention, 'shardGroupDurationSeconds': shard_group}]
    return bucket


def error_body(code, message):
    return {'code': code, 'message': message}


class Call:
    """One expected request and the answer to give.

    ``target`` is ``'/path?query'``; query order does not matter. ``body`` is the JSON to
    answer with, or bytes; ``raises`` an exception to raise instead of answering.
    ``sent`` is the JSON body the request must carry (checked when not ``None``).
    ``takes`` is how many seconds the request takes on the server's clock (see :class:`ScriptedServer`).
    """

    def __init__(self, method, target, status=200, body=None, sent=None, raises=None, headers=None, takes=0.0):
        self.method = method
        self.takes = takes
        self.target = target
        self.status = status
        self.body = body
        self.sent = sent
        self.raises = raises
        self.headers = headers or {}


def _headers(values):
    headers = Message()
    for key, value in values.items():
        headers[key] = value
    return headers


class _Response:
    def __init__(self, status, raw, headers):
        self._status = status
        self._raw = raw
        self.headers = headers

    def getcode(self):
        return self._status

    def read(self):
        return self._raw


def _split(target):
    parts = urlsplit(target)
    return parts.path, parse_qs(parts.query, keep_blank_values=True)


class ScriptedServer:
    """Answers the scripted calls in order; with ``version``, every answer carries ``X-Influxdb-Version: version``
    (unless the call's own headers set it), as every answer of InfluxDB 2.x does.

    The module's clock is the server's: it stands still but for what the requests take (``Call.takes``) and the
    sleeps, which are recorded in ``sleeps`` instead of slept.
    """

    def __init__(self, calls, host=HOST, version=None):
        self.calls = list(calls)
        self.host = host
        self.version = version
        self.seen = []
        self.sleeps = []
        self.now = 0.0

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self):
        return self.now

    def __call__(self, url, data=None, headers=None, method=None, **kwargs):
        assert url.startswith(self.host), url
        path, query = _split(url[len(self.host):])
        sent = json.loads(data.decode('utf-8')) if data is not None else None
        self.seen.append({'method': method, 'path': path, 'query': query, 'body': sent, 'headers': dict(headers or {}), 'kwargs': kwargs})
        assert self.calls, 'unexpected request %s %s (body %r)' % (method, url, sent)
        call = self.calls.pop(0)
        self.now += call.takes
        assert (method, path, query) == (call.method, ) + _split(call.target), \
            'expected %s %s, got %s %s' % (call.method, call.target, method, url)
        if call.sent is not None:
            assert sent == call.sent
        if call.raises is not None:
            raise call.raises
        if isinstance(call.body, bytes):
            raw = call.body
        elif call.body is None:
            raw = b''
        else:
            raw = json.dumps(call.body, indent='\t').encode('utf-8')
        headers = dict(call.headers)
        if self.version is not None:
            headers.setdefault('X-Influxdb-Version', self.version)
        if call.status >= 300:
            raise HTTPError(url, call.status, 'status %s' % call.status, _headers(headers), io.BytesIO(raw))
        return _Response(call.status, raw, _headers(headers))

    def assert_done(self):
        assert not self.calls, 'expected requests were not made: %s' % [(c.method, c.target) for c in self.calls]

    @property
    def writes(self):
        return [s for s in self.seen if s['method'] not in ('GET', 'HEAD')]


def warnings_of(result):
    """The warning texts of a module result (plain strings, or events on newer ansible-core)."""
    return [w['event']['msg'] if isinstance(w, dict) else w for w in result.get('warnings', [])]


def connection_refused():
    return URLError(ConnectionRefusedError(111, 'Connection refused'))


def run_module(module, args, calls, monkeypatch, capsys, check_mode=False, diff=True, env=None, version=None):
    """Run ``module.main()`` with ``args`` against a scripted server (whose answers carry ``version``, see
    :class:`ScriptedServer`); return (result, server)."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    # Never read the profiles of whoever runs the tests.
    monkeypatch.setenv('INFLUX_CONFIGS_PATH', '/nonexistent/influx-configs')
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    args = dict(args)
    args.setdefault('host', HOST)
    args['_ansible_check_mode'] = check_mode
    args['_ansible_diff'] = diff
    server = ScriptedServer(calls, host=args['host'].rstrip('/') if isinstance(args['host'], str) else HOST, version=version)
    monkeypatch.setattr(_client, 'open_url', server)
    monkeypatch.setattr(_client.time, 'sleep', server.sleep)
    monkeypatch.setattr(_wait, 'monotonic', server.monotonic)
    # Warnings are collected per process; each module run here must start with none.
    monkeypatch.setattr(ansible_warnings, '_global_warnings', type(ansible_warnings._global_warnings)())
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    out = capsys.readouterr().out
    return json.loads(out), server


AUTHORIZATION_ID = '0d0d0d0d0d0d0d01'
USER_ID = '0f0f0f0f0f0f0f01'


def api_permission(action='write', kind='buckets', resource_id=BUCKET_ID, org_id=ORG_ID, name='telemetry', org='edge'):
    """A permission as the InfluxDB API returns it: with the names that it adds where the ID and the org ID are set."""
    resource = {'type': kind}
    if resource_id is not None:
        resource['id'] = resource_id
    if org_id is not None:
        resource['orgID'] = org_id
    if resource_id is not None and name is not None:
        resource['name'] = name
    if org_id is not None and org is not None:
        resource['org'] = org
    return {'action': action, 'resource': resource}


def api_authorization(description='edge-01 writer', authorization_id=AUTHORIZATION_ID, org_id=ORG_ID, user_id=USER_ID, user='admin',
                      status='active', permissions=None, token=''):
    """An authorization as the InfluxDB API returns it; ``token`` is "" as a server with hashed tokens lists it."""
    return {'id': authorization_id, 'token': token, 'status': status, 'description': description, 'orgID': org_id, 'org': 'edge',
            'userID': user_id, 'user': user, 'permissions': [api_permission()] if permissions is None else permissions,
            'links': {'self': '/api/v2/authorizations/' + authorization_id, 'user': '/api/v2/users/' + user_id},
            'createdAt': '2026-12-07T06:32:35.452009239Z', 'updatedAt': '2026-12-07T06:32:35.452009239Z'}
