# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""influx_remote's main(): the exact HTTP requests of every path, and what it returns."""

from __future__ import annotations

import functools
import json

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils._remotes import TOKEN_AFTER, TOKEN_BEFORE
from ansible_collections.influxops.influxdb2.plugins.modules import influx_remote
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    ORG_ID,
    REMOTE_ID,
    TOKEN,
    OTHER_REPLICATION_ID,
    Call,
    api_remote,
    api_replication,
    connection_refused,
    error_body,
)

REMOTE_TOKEN = 'remote-secret-token-41d8'
LOOKUP = '/api/v2/remotes?orgID=%s&name=central' % ORG_ID
BASE = dict(token=TOKEN, org_id=ORG_ID, name='central')
FULL = dict(BASE, remote_url='https://central.example.com:8086', remote_api_token=REMOTE_TOKEN)
SNAKE = dict(id=REMOTE_ID, org_id=ORG_ID, name='central', description=None, remote_url='https://central.example.com:8086',
             remote_org_id=None, allow_insecure_tls=False)
# a token that shares no four characters with any text of the module
ROTATED = 'Zq9xK2vW8pL4mN7rYb3T'
REPLACED_HEADER = ("the remote_api_token of remote(s) 'central' is replaced with the task's; the server never returns a token, "
                   "so whether it differs is unknown")


def pieces(secret, size=4):
    """Every run of ``size`` characters of ``secret``."""
    return set(secret[start:start + size] for start in range(len(secret) - size + 1))


@pytest.fixture
def run(run_main):
    return functools.partial(run_main, influx_remote, secrets=[TOKEN, REMOTE_TOKEN])


def test_noop_is_one_request(run):
    result, server = run(FULL, [Call('GET', LOOKUP, body={'remotes': [api_remote()]})])
    assert result['changed'] is False
    assert result['remote'] == SNAKE
    assert result['diff'] == {'before': SNAKE, 'after': SNAKE}
    assert len(server.seen) == 1
    assert server.seen[0]['headers']['Authorization'] == 'Token ' + TOKEN


def test_noop_with_org_name_is_two_requests(run):
    args = dict(FULL, org='edge')
    del args['org_id']
    result, server = run(args, [
        Call('GET', '/api/v2/orgs?org=edge', body={'links': {}, 'orgs': [{'id': ORG_ID, 'name': 'edge'}]}),
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
    ])
    assert result['changed'] is False
    assert len(server.seen) == 2


def test_create_confirms_org_then_posts(run):
    created = api_remote(description='hq', remote_org_id='00000000000000aa')
    args = dict(FULL, description='hq', remote_org_id='00000000000000AA')
    result, server = run(args, [
        Call('GET', LOOKUP, body={'remotes': None}),
        Call('GET', '/api/v2/orgs/' + ORG_ID, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', '/api/v2/remotes', status=201, body=created,
             sent={'orgID': ORG_ID, 'name': 'central', 'description': 'hq', 'remoteURL': 'https://central.example.com:8086',
                   'remoteAPIToken': REMOTE_TOKEN, 'remoteOrgID': '00000000000000aa', 'allowInsecureTLS': False}),
    ])
    assert result['changed'] is True
    assert result['remote'] == dict(SNAKE, description='hq', remote_org_id='00000000000000aa')
    # the token is set on create: the diff shows it sent, as a placeholder, with no header (nothing is replaced)
    assert result['diff'] == {'before': {}, 'after': dict(result['remote'], remote_api_token=TOKEN_AFTER)}
    assert len(server.writes) == 1


def test_create_in_check_mode_predicts_without_writing(run):
    result, server = run(FULL, [
        Call('GET', LOOKUP, body={'remotes': None}),
        Call('GET', '/api/v2/orgs/' + ORG_ID, body={'id': ORG_ID, 'name': 'edge'}),
    ], check_mode=True)
    assert result['changed'] is True
    assert result['remote'] == dict(SNAKE, id=None)
    assert result['diff'] == {'before': {}, 'after': dict(SNAKE, id=None, remote_api_token=TOKEN_AFTER)}
    assert server.writes == []


def test_create_with_unknown_org_id_fails_before_writing(run):
    result, server = run(FULL, [
        Call('GET', LOOKUP, body={'remotes': None}),
        Call('GET', '/api/v2/orgs/' + ORG_ID, status=404, body=error_body('not found', 'organization not found')),
    ])
    assert result['failed'] is True
    assert 'organization with ID %s not found' % ORG_ID in result['msg']
    assert 'org_id' in result['msg']
    assert server.writes == []


def test_create_without_url_and_token_fails_after_lookup(run):
    result, server = run(BASE, [Call('GET', LOOKUP, body={'remotes': None})])
    assert result['failed'] is True
    assert 'remote_url and remote_api_token' in result['msg']
    assert server.writes == []


@pytest.mark.parametrize('option, value, field, api_value', [
    ('description', 'new text', 'description', 'new text'),
    ('description', '', 'description', ''),
    ('remote_url', 'https://other.example.com', 'remoteURL', 'https://other.example.com'),
    ('remote_org_id', 'ABCDEF0123456789', 'remoteOrgID', 'abcdef0123456789'),
    ('allow_insecure_tls', True, 'allowInsecureTLS', True),
])
def test_update_patches_only_what_differs(run, option, value, field, api_value):
    after = dict(SNAKE)
    after[option] = api_value
    patched = api_remote()
    patched[field] = api_value
    result, server = run(dict(FULL, **{option: value}), [
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
        Call('PATCH', '/api/v2/remotes/' + REMOTE_ID, body=patched, sent={field: api_value}),
    ])
    assert result['changed'] is True
    assert result['remote'] == after
    assert result['diff'] == {'before': SNAKE, 'after': after}


def test_update_in_check_mode_writes_nothing(run):
    result, server = run(dict(FULL, description='changed'), [Call('GET', LOOKUP, body={'remotes': [api_remote()]})], check_mode=True)
    assert result['changed'] is True
    assert result['diff']['after']['description'] == 'changed'
    assert result['remote']['description'] == 'changed'
    assert server.writes == []


def test_ids_compare_without_case(run):
    current = api_remote(remote_org_id='abcdef0123456789')
    result, server = run(dict(FULL, remote_org_id='ABCDEF0123456789'), [Call('GET', LOOKUP, body={'remotes': [current]})])
    assert result['changed'] is False


def test_token_on_create_is_not_sent_to_an_existing_remote(run):
    result, server = run(dict(FULL, remote_api_token='another-token'), [Call('GET', LOOKUP, body={'remotes': [api_remote()]})])
    assert result['changed'] is False
    assert result['diff'] == {'before': SNAKE, 'after': SNAKE}
    assert server.writes == []


def test_token_always_is_sent_and_shown_in_the_diff_without_any_part_of_it(run_main):
    args = dict(FULL, remote_api_token=ROTATED, update_remote_api_token='always')
    lookup = Call('GET', LOOKUP, body={'remotes': [api_remote()]})
    result, server = run_main(influx_remote, args, [
        lookup, Call('PATCH', '/api/v2/remotes/' + REMOTE_ID, body=api_remote(), sent={'remoteAPIToken': ROTATED})],
        secrets=[TOKEN, ROTATED])
    assert result['changed'] is True
    assert result['remote'] == SNAKE
    # before and after differ only by the placeholders, so that the line shows in the diff
    assert result['diff'] == {'before': dict(SNAKE, remote_api_token=TOKEN_BEFORE), 'after': dict(SNAKE, remote_api_token=TOKEN_AFTER),
                              'after_header': REPLACED_HEADER}
    text = json.dumps(result)
    assert [piece for piece in pieces(ROTATED) if piece in text] == []

    checked, server = run_main(influx_remote, args, [lookup], secrets=[TOKEN, ROTATED], check_mode=True, read_only=True)
    assert checked['changed'] is True
    assert checked['diff'] == result['diff']


def test_token_always_with_a_field_change_shows_both(run):
    result, server = run(dict(FULL, description='new', update_remote_api_token='always'), [
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
        Call('PATCH', '/api/v2/remotes/' + REMOTE_ID, body=api_remote(description='new'),
             sent={'description': 'new', 'remoteAPIToken': REMOTE_TOKEN}),
    ])
    assert result['diff']['before'] == dict(SNAKE, remote_api_token=TOKEN_BEFORE)
    assert result['diff']['after'] == dict(SNAKE, description='new', remote_api_token=TOKEN_AFTER)
    assert result['diff']['after_header'] == REPLACED_HEADER


def test_the_token_placeholders_do_not_depend_on_the_token(run_main):
    diffs = []
    for secret in ('7' * 8, ROTATED * 5):
        result, server = run_main(influx_remote, dict(FULL, remote_api_token=secret, update_remote_api_token='always'),
                                  [Call('GET', LOOKUP, body={'remotes': [api_remote()]})], secrets=[TOKEN, secret],
                                  check_mode=True)
        diffs.append(result['diff'])
    assert diffs[0] == diffs[1]


def test_token_always_without_token_changes_nothing(run):
    result, server = run(dict(BASE, update_remote_api_token='always'), [Call('GET', LOOKUP, body={'remotes': [api_remote()]})])
    assert result['changed'] is False


def test_absent_deletes(run):
    result, server = run(dict(BASE, state='absent'), [
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
        Call('DELETE', '/api/v2/remotes/' + REMOTE_ID, status=204),
    ])
    assert result['changed'] is True
    assert result['remote'] == {}
    assert result['diff'] == {'before': SNAKE, 'after': {}}


def test_absent_in_check_mode_writes_nothing(run):
    result, server = run(dict(BASE, state='absent'), [Call('GET', LOOKUP, body={'remotes': [api_remote()]})], check_mode=True)
    assert result['changed'] is True
    assert server.writes == []


def test_absent_when_missing_is_unchanged(run):
    result, server = run(dict(BASE, state='absent'), [Call('GET', LOOKUP, body={'remotes': None})])
    assert result == dict(result, changed=False, remote={})


def test_delete_that_finds_it_gone_reports_unchanged(run):
    result, server = run(dict(BASE, state='absent'), [
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
        Call('DELETE', '/api/v2/remotes/' + REMOTE_ID, status=404, body=error_body('not found', 'remote connection not found')),
    ])
    assert result['changed'] is False
    assert 'failed' not in result


def test_delete_of_a_remote_in_use_fails_clearly(run):
    result, server = run(dict(BASE, state='absent'), [
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
        Call('DELETE', '/api/v2/remotes/' + REMOTE_ID, status=500,
             body=error_body('internal error', 'remote-connection cannot be deleted as a replication references it')),
        Call('GET', '/api/v2/replications?orgID=%s&remoteID=%s' % (ORG_ID, REMOTE_ID),
             body={'replications': [api_replication(name='metrics'), api_replication(name='logs', replication_id=OTHER_REPLICATION_ID)]}),
    ])
    assert result['failed'] is True
    assert 'a replication still uses it' in result['msg']
    assert "replications using it: 'logs', 'metrics'" in result['msg']
    assert 'delete_replications=true' in result['msg']
    assert result['http_status'] == 500
    assert result['influxdb_code'] == 'internal error'
    assert len(server.writes) == 1


def test_unique_race_converges_on_the_other_run(run):
    unique = error_body('internal error', 'UNIQUE constraint failed: remotes.org_id, remotes.name')
    theirs = api_remote(description='theirs')
    result, server = run(dict(FULL, description='ours'), [
        Call('GET', LOOKUP, body={'remotes': None}),
        Call('GET', '/api/v2/orgs/' + ORG_ID, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', '/api/v2/remotes', status=500, body=unique),
        Call('GET', LOOKUP, body={'remotes': [theirs]}),
        Call('PATCH', '/api/v2/remotes/' + REMOTE_ID, body=api_remote(description='ours'), sent={'description': 'ours'}),
    ])
    assert result['changed'] is True
    assert result['remote']['description'] == 'ours'
    # the other run created the remote with its token; ours is not sent under on_create
    assert result['diff'] == {'before': dict(SNAKE, description='theirs'), 'after': dict(SNAKE, description='ours')}


def test_unique_race_with_nothing_left_to_change_reports_unchanged(run):
    unique = error_body('internal error', 'UNIQUE constraint failed: remotes.org_id, remotes.name')
    result, server = run(FULL, [
        Call('GET', LOOKUP, body={'remotes': None}),
        Call('GET', '/api/v2/orgs/' + ORG_ID, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', '/api/v2/remotes', status=500, body=unique),
        Call('GET', LOOKUP, body={'remotes': [api_remote()]}),
    ])
    assert result['changed'] is False
    assert result['remote'] == SNAKE


def test_unauthorized_names_the_token(run):
    result, server = run(FULL, [Call('GET', LOOKUP, status=401, body=error_body('unauthorized', 'unauthorized access'))])
    assert result['failed'] is True
    assert 'authentication failed' in result['msg'] and 'token' in result['msg']
    assert result['http_status'] == 401


def test_unknown_org_name(run):
    args = dict(FULL, org='nope')
    del args['org_id']
    not_found = error_body('not found', 'organization name "nope" not found')
    result, server = run(args, [Call('GET', '/api/v2/orgs?org=nope', status=404, body=not_found)])
    assert result['failed'] is True
    assert "organization 'nope' not found" in result['msg']


def test_404_without_influxdb_json_is_not_taken_for_an_unknown_org(run):
    args = dict(FULL, org='edge', retries=0)
    del args['org_id']
    result, server = run(args, [Call('GET', '/api/v2/orgs?org=edge', status=404, body=b'404 page not found')])
    assert result['failed'] is True
    assert 'organization' not in result['msg']
    assert 'HTTP 404 and a body that is not InfluxDB JSON: 404 page not found' in result['msg']


def test_connection_refused_names_the_host(run):
    result, server = run(dict(FULL, retries=0), [Call('GET', LOOKUP, raises=connection_refused())])
    assert result['failed'] is True
    assert 'influx.test' in result['msg'] and 'connection refused' in result['msg']


def test_non_json_error_body_shows_status_and_snippet(run):
    result, server = run(dict(FULL, retries=0), [Call('GET', LOOKUP, status=502, body=b'<html><body><h1>502 Bad Gateway</h1></body></html>')])
    assert result['failed'] is True
    assert '502' in result['msg'] and 'Bad Gateway' in result['msg']


@pytest.mark.parametrize('args, fragment', [
    (dict(FULL, name='  '), 'name must not be empty'),
    (dict(FULL, remote_url='ftp://central'), 'remote_url must be an absolute http'),
    (dict(FULL, remote_url='central:8086'), 'remote_url must be an absolute http'),
    (dict(FULL, remote_org_id='xyz'), 'remote_org_id must be an InfluxDB ID'),
    (dict(FULL, org_id='0000000000000000'), 'org_id must not be all zeros'),
    (dict(FULL, host='localhost:8086'), 'host must be an absolute http'),
    (dict(FULL, token=''), 'token is required'),
    (dict(FULL, state='absent'), 'state=absent'),
    (dict(FULL, org='edge'), 'mutually exclusive'),
    (dict(FULL, remote_api_token=''), 'remote_api_token must not be empty'),
])
def test_bad_input_fails_before_any_request(run, args, fragment):
    result, server = run(args, [])
    assert result['failed'] is True
    assert fragment in result['msg']
    assert server.seen == []


def test_environment_fills_unset_options(run):
    env = dict(INFLUX_TOKEN=TOKEN, INFLUX_ORG_ID=ORG_ID, INFLUX_ORG='ignored', INFLUX_SKIP_VERIFY='true')
    result, server = run(dict(name='central'), [Call('GET', LOOKUP, body={'remotes': [api_remote()]})], env=env)
    assert result['changed'] is False
    assert server.seen[0]['kwargs']['validate_certs'] is False
    assert server.seen[0]['headers']['Authorization'] == 'Token ' + TOKEN


def test_task_validate_certs_wins_over_environment(run):
    result, server = run(dict(FULL, validate_certs=True), [Call('GET', LOOKUP, body={'remotes': [api_remote()]})],
                         env=dict(INFLUX_SKIP_VERIFY='1'))
    assert server.seen[0]['kwargs']['validate_certs'] is True
