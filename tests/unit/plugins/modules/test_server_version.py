# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The server's version, read from the X-Influxdb-Version header of the answers the modules get anyway:
returned by every module, and used where InfluxDB behaves differently by version. Without the header
(a proxy that drops it), every module behaves as it always did."""

from __future__ import annotations

import pytest

from ansible_collections.influxops.influxdb2.plugins.modules import (
    influx_remote,
    influx_remote_info,
    influx_remotes,
    influx_replication,
    influx_replication_info,
)
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    BUCKET_ID,
    ORG_ID,
    REMOTE_BUCKET_ID,
    REMOTE_ID,
    REPLICATION_ID,
    TOKEN,
    Call,
    api_remote,
    api_replication,
    error_body,
    warnings_of,
)

NAME = 'telemetry-to-central'
REMOTES = '/api/v2/remotes?orgID=' + ORG_ID
REPLICATIONS = '/api/v2/replications?orgID=' + ORG_ID
LOOKUP = '/api/v2/replications?orgID=%s&name=%s' % (ORG_ID, NAME)
PATH = '/api/v2/replications/' + REPLICATION_ID
ORG_CHECK = Call('GET', '/api/v2/orgs/' + ORG_ID, body={'id': ORG_ID, 'name': 'edge'})
BASE = dict(token=TOKEN, org_id=ORG_ID)
BY_NAME = dict(BASE, name=NAME, remote_id=REMOTE_ID, local_bucket_id=BUCKET_ID, remote_bucket='telemetry')
BY_ID = dict(BASE, name=NAME, remote_id=REMOTE_ID, local_bucket_id=BUCKET_ID, remote_bucket_id=REMOTE_BUCKET_ID)
CREATE_BODY = {'orgID': ORG_ID, 'name': NAME, 'remoteID': REMOTE_ID, 'localBucketID': BUCKET_ID, 'remoteBucketName': 'telemetry',
               'maxQueueSizeBytes': 67108860, 'maxAgeSeconds': 604800, 'dropNonRetryableData': False}
REMOTE_TOKEN = 'version-test-remote-token'


def found(*replications):
    return Call('GET', LOOKUP, body={'replications': list(replications) or None})


def created(body):
    return Call('POST', '/api/v2/replications', status=201, sent=body,
                body=api_replication(max_age_seconds=body['maxAgeSeconds'],
                                     remote_bucket_id=body.get('remoteBucketID'), remote_bucket_name=body.get('remoteBucketName', '')))


# -- every module returns server_version, at no request cost ---------------------------------------

NOOPS = {
    'influx_remote': (influx_remote, dict(BASE, name='central'), [Call('GET', REMOTES + '&name=central', body={'remotes': [api_remote()]})]),
    'influx_remotes': (influx_remotes, dict(BASE, remotes=[dict(name='central')]), [Call('GET', REMOTES, body={'remotes': [api_remote()]})]),
    'influx_remote_info': (influx_remote_info, BASE, [Call('GET', REMOTES, body={'remotes': [api_remote()]})]),
    'influx_replication': (influx_replication, BY_ID, [found(api_replication(remote_bucket_id=REMOTE_BUCKET_ID, remote_bucket_name=''))]),
    'influx_replication_info': (influx_replication_info, BASE, [Call('GET', REPLICATIONS, body={'replications': [api_replication()]})]),
}


@pytest.mark.parametrize('name', sorted(NOOPS))
@pytest.mark.parametrize('version', ['v2.7.12', '2.1.1', 'v2.3.0+SNAPSHOT.090f681737'])
def test_every_module_returns_the_version_its_answers_report(run_main, name, version):
    module, args, calls = NOOPS[name]
    result, server = run_main(module, args, calls, version=version, read_only=True)
    assert result['changed'] is False
    assert result['server_version'] == version
    assert len(server.seen) == len(calls)


@pytest.mark.parametrize('name', sorted(NOOPS))
def test_without_the_header_the_version_is_null(run_main, name):
    module, args, calls = NOOPS[name]
    result, server = run_main(module, args, calls, read_only=True)
    assert result['server_version'] is None
    assert len(server.seen) == len(calls)


@pytest.mark.parametrize('name', sorted(NOOPS))
def test_a_failure_after_an_answer_returns_the_version_too(run_main, name):
    module, args, calls = NOOPS[name]
    refused = Call(calls[0].method, calls[0].target, status=401, body=error_body('unauthorized', 'unauthorized access'))
    result, server = run_main(module, args, [refused], version='v2.8.0')
    assert result['failed'] is True and 'authentication failed' in result['msg']
    assert result['server_version'] == 'v2.8.0'


@pytest.mark.parametrize('name', sorted(NOOPS))
def test_a_failure_before_any_request_returns_a_null_version(run_main, name):
    module, args, calls = NOOPS[name]
    result, server = run_main(module, dict(args, timeout=0), [], version='v2.8.0')
    assert result['failed'] is True and result['msg'].startswith('timeout must be')
    assert result['server_version'] is None


def test_an_argument_spec_failure_returns_a_null_version(run_main):
    result, server = run_main(influx_remote, dict(BASE, name='central', state='gone'), [], version='v2.8.0')
    assert result['failed'] is True and 'state' in result['msg']
    assert result['server_version'] is None


# -- a remote bucket by name needs 2.5: an older server fails the task before any write ------------

@pytest.mark.parametrize('version, why', [
    ('v2.4.0', 'stores the name, but its replication never writes'),
    ('v2.4.3', 'stores the name, but its replication never writes'),
    ('v2.3.0', 'does not know remote bucket names'),
    ('2.2.1', 'does not know remote bucket names'),
])
@pytest.mark.parametrize('check_mode', [False, True])
def test_a_remote_bucket_by_name_on_a_server_before_2_5_fails_before_any_write(run_main, version, why, check_mode):
    result, server = run_main(influx_replication, BY_NAME, [found()], version=version, check_mode=check_mode)
    assert result['failed'] is True
    assert result['msg'] == ('remote_bucket: a remote bucket given by name needs InfluxDB 2.5.0 or later, and this server is '
                             'InfluxDB %s, which %s; set remote_bucket_id instead (nothing was written)' % (version, why))
    assert server.writes == [] and len(server.seen) == 1
    assert result['server_version'] == version


def test_a_remote_bucket_by_name_on_an_existing_replication_fails_on_2_4_too(run_main):
    result, server = run_main(influx_replication, BY_NAME, [found(api_replication())], version='v2.4.3')
    assert result['failed'] is True and result['msg'].startswith('remote_bucket: a remote bucket given by name needs')
    assert server.writes == []


@pytest.mark.parametrize('version, max_age', [('v2.5.0', 0), ('v2.9.1', 604800), (None, 604800), ('dev', 604800)])
def test_a_remote_bucket_by_name_from_2_5_or_on_an_unknown_version_is_created(run_main, version, max_age):
    result, server = run_main(influx_replication, BY_NAME, [found(), ORG_CHECK, created(dict(CREATE_BODY, maxAgeSeconds=max_age))],
                              version=version)
    assert result['changed'] is True
    assert not any('remote_bucket' in w for w in warnings_of(result))


def test_a_remote_bucket_by_id_works_on_2_4(run_main):
    body = dict(CREATE_BODY, remoteBucketID=REMOTE_BUCKET_ID, maxAgeSeconds=0)
    del body['remoteBucketName']
    result, server = run_main(influx_replication, BY_ID, [found(), ORG_CHECK, created(body)], version='v2.4.3')
    assert result['changed'] is True


def test_a_remote_bucket_by_name_under_a_remote_fails_before_any_write_on_2_4(run_main):
    remotes = [dict(name='central', replications=[dict(name='a', local_bucket_id=BUCKET_ID, remote_bucket_id=REMOTE_BUCKET_ID),
                                                  dict(name=NAME, local_bucket_id=BUCKET_ID, remote_bucket='telemetry')])]
    result, server = run_main(influx_remotes, dict(BASE, remotes=remotes), [
        Call('GET', REMOTES, body={'remotes': [api_remote()]}),
        Call('GET', REPLICATIONS, body={'replications': None}),
    ], version='v2.4.3')
    assert result['failed'] is True
    assert result['msg'].startswith('remotes[0].replications[1].remote_bucket: a remote bucket given by name needs InfluxDB 2.5.0 '
                                    'or later, and this server is InfluxDB v2.4.3')
    assert result['msg'].endswith('; set remotes[0].replications[1].remote_bucket_id instead (nothing was written)')
    assert server.writes == []


# -- max_age_seconds: what the server does with the value depends on its version -------------------

@pytest.mark.parametrize('version, sent', [('v2.2.0', 0), ('v2.5.1', 0), ('v2.6.0', 604800), ('v2.9.1', 604800), (None, 604800)])
def test_the_max_age_sent_on_create_is_one_week_unless_the_server_reads_nanoseconds(run_main, version, sent):
    body = dict(CREATE_BODY, maxAgeSeconds=sent, remoteBucketID=REMOTE_BUCKET_ID)
    del body['remoteBucketName']
    checked, server = run_main(influx_replication, BY_ID, [found(), ORG_CHECK], version=version, check_mode=True)
    result, server = run_main(influx_replication, BY_ID, [found(), ORG_CHECK, created(body)], version=version)
    assert result['replication']['max_age_seconds'] == sent
    assert checked['replication'] == dict(result['replication'], id=None)
    warnings = [w for w in warnings_of(result) if 'max_age_seconds' in w]
    if sent == 0:
        assert warnings == ["replication %r: max_age_seconds 0 on InfluxDB %s means no age limit: the server never drops "
                            "queued data for its age (from InfluxDB 2.9, 0 means one week)" % (NAME, version)]
    else:
        assert warnings == []
    assert warnings_of(checked) == warnings_of(result)


@pytest.mark.parametrize('version, value, meaning', [
    ('v2.5.1', 3600, 'read as 3600 nanoseconds (InfluxDB before 2.6 reads max_age_seconds as nanoseconds), so the server '
                     'drops, within a minute, whatever waits to be sent; set 0 (no age limit) on this server'),
    ('v2.5.1', 0, 'no age limit: the server never drops queued data for its age (from InfluxDB 2.9, 0 means one week)'),
    ('v2.6.1', 0, 'no age limit: the server never drops queued data for its age (from InfluxDB 2.9, 0 means one week)'),
    ('v2.8.0', 0, 'no age limit: the server never drops queued data for its age (from InfluxDB 2.9, 0 means one week)'),
    ('v2.9.1', 0, "the server's default, one week (604800 seconds)"),
])
def test_a_max_age_the_server_does_not_read_as_seconds_warns_on_create(run_main, version, value, meaning):
    body = dict(CREATE_BODY, maxAgeSeconds=value)
    result, server = run_main(influx_replication, dict(BY_NAME, max_age_seconds=value), [found(), ORG_CHECK, created(body)],
                              version=version)
    assert warnings_of(result) == ['replication %r: max_age_seconds %d on InfluxDB %s means %s' % (NAME, value, version, meaning)]


@pytest.mark.parametrize('version', ['v2.6.1', 'v2.8.0', 'v2.9.1', None])
def test_a_max_age_read_as_seconds_does_not_warn_on_create(run_main, version):
    body = dict(CREATE_BODY, maxAgeSeconds=3600)
    result, server = run_main(influx_replication, dict(BY_NAME, max_age_seconds=3600), [found(), ORG_CHECK, created(body)],
                              version=version)
    assert warnings_of(result) == []


def test_a_max_age_update_names_what_the_new_value_means_on_the_server(run_main):
    result, server = run_main(influx_replication, dict(BY_NAME, max_age_seconds=0), [
        found(api_replication()),
        Call('PATCH', PATH, body=api_replication(max_age_seconds=0), sent={'maxAgeSeconds': 0}),
    ], version='v2.7.12')
    assert warnings_of(result) == [
        "max_age_seconds of replication %r changes from 604800 to 0: the server stores it at once, but applies it to the running "
        "queue only after it restarts; on InfluxDB v2.7.12, 0 means no age limit: the server never drops queued data for its age "
        "(from InfluxDB 2.9, 0 means one week)" % NAME]


def test_without_the_header_a_max_age_update_warns_as_before(run_main):
    result, server = run_main(influx_replication, dict(BY_NAME, max_age_seconds=0), [
        found(api_replication()),
        Call('PATCH', PATH, body=api_replication(max_age_seconds=0), sent={'maxAgeSeconds': 0}),
    ])
    assert warnings_of(result) == [
        "max_age_seconds of replication %r changes from 604800 to 0: the server stores it at once, but applies it to the running "
        "queue only after it restarts" % NAME]


@pytest.mark.parametrize('version', ['v2.5.1', 'v2.8.0', 'v2.9.1'])
def test_a_max_age_that_is_not_written_does_not_warn(run_main, version):
    result, server = run_main(influx_replication, dict(BY_ID, max_age_seconds=0),
                              [found(api_replication(max_age_seconds=0, remote_bucket_id=REMOTE_BUCKET_ID, remote_bucket_name=''))],
                              version=version, read_only=True)
    assert result['changed'] is False
    assert warnings_of(result) == []


def test_a_replication_created_under_a_remote_on_2_5_gets_no_age_limit(run_main):
    remotes = [dict(name='central', replications=[dict(name=NAME, local_bucket_id=BUCKET_ID, remote_bucket_id=REMOTE_BUCKET_ID)])]
    body = dict(CREATE_BODY, maxAgeSeconds=0, remoteBucketID=REMOTE_BUCKET_ID)
    del body['remoteBucketName']
    result, server = run_main(influx_remotes, dict(BASE, remotes=remotes), [
        Call('GET', REMOTES, body={'remotes': [api_remote()]}),
        Call('GET', REPLICATIONS, body={'replications': None}),
        ORG_CHECK,
        created(body),
    ], version='v2.5.1')
    assert result['replications_created'] == [NAME]
    assert result['remotes'][0]['replications'][0]['max_age_seconds'] == 0
    assert any('max_age_seconds 0 on InfluxDB v2.5.1 means no age limit' in w for w in warnings_of(result))


# -- health is judged with the server's version ------------------------------------------------------

@pytest.mark.parametrize('version, parsed', [('v2.6.1', (2, 6, 1)), ('v2.9.1', (2, 9, 1)), (None, None), ('dev', None)])
def test_the_info_module_gives_health_the_server_version(run_main, monkeypatch, version, parsed):
    seen = []

    def health(replication, status, threshold=0.8, server_version=None):
        seen.append(server_version)
        return 'healthy', None
    monkeypatch.setattr(influx_replication_info, 'health', health)
    result, server = run_main(influx_replication_info, BASE,
                              [Call('GET', REPLICATIONS, body={'replications': [api_replication()]})], version=version)
    assert seen == [parsed]
    assert result['server_version'] == version
