# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""influx_authorization's main(): the exact HTTP requests of every path, and what it returns."""

from __future__ import annotations

import datetime
import functools
import socket

from urllib.error import URLError

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils import _authorizations
from ansible_collections.influxops.influxdb2.plugins.modules import influx_authorization
from ansible_collections.influxops.influxdb2.tests.unit.plugins.echoes import leaks
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    AUTHORIZATION_ID,
    BUCKET_ID,
    ORG_ID,
    OTHER_BUCKET_ID,
    OTHER_ORG_ID,
    TOKEN,
    USER_ID,
    Call,
    api_authorization,
    api_bucket,
    api_permission,
    error_body,
    warnings_of,
)

LIST = '/api/v2/authorizations?orgID=' + ORG_ID
ONE = '/api/v2/authorizations/' + AUTHORIZATION_ID
POST = '/api/v2/authorizations'
ME = '/api/v2/me'
ORG = '/api/v2/orgs/' + ORG_ID
BUCKET = '/api/v2/buckets?orgID=%s&name=telemetry' % ORG_ID
NEW_ID = '0d0d0d0d0d0d0d09'
OTHER_ID = '0d0d0d0d0d0d0d05'
# the token that the server creates: it must show in the token key only
CREATED = 'Cr3ated-T0ken_of-the-authorization-8f1e=='
WRITE_TELEMETRY = [{'action': 'write', 'resource': {'type': 'buckets', 'id': BUCKET_ID, 'org_id': ORG_ID}}]
BASE = dict(token=TOKEN, org_id=ORG_ID, description='edge-01 writer', user='admin', permissions=WRITE_TELEMETRY)
SNAKE_PERMISSION = {'action': 'write', 'resource': {'type': 'buckets', 'id': BUCKET_ID, 'name': 'telemetry', 'org_id': ORG_ID,
                                                    'org': 'edge'}}
SNAKE = dict(id=AUTHORIZATION_ID, description='edge-01 writer', status='active', org_id=ORG_ID, user_id=USER_ID, user='admin',
             permissions=[SNAKE_PERMISSION])
ME_ANSWER = {'links': {'self': '/api/v2/users/' + USER_ID}, 'id': USER_ID, 'name': 'admin', 'status': 'active'}
CREATE_BODY = {'orgID': ORG_ID, 'description': 'edge-01 writer', 'status': 'active', 'userID': USER_ID,
               'permissions': [{'action': 'write', 'resource': {'type': 'buckets', 'id': BUCKET_ID, 'orgID': ORG_ID}}]}
WHEN = datetime.datetime(2026, 12, 7, 6, 32, 35, 452009, tzinfo=datetime.timezone.utc)
ROTATED = 'edge-01 writer (rotated 2026-12-07T06:32:35Z)'


def listed(*authorizations):
    return {'links': {'self': '/api/v2/authorizations'}, 'authorizations': list(authorizations)}


def created(authorization_id=NEW_ID, **fields):
    return api_authorization(authorization_id=authorization_id, token=CREATED, **fields)


@pytest.fixture
def run(run_main, monkeypatch):
    monkeypatch.setattr(_authorizations, 'utc_now', lambda: WHEN)
    return functools.partial(run_main, influx_authorization, secrets=[TOKEN])


def no_created_token_but_in_token(result):
    """The created token shows in the token key, and nowhere else in the result, in any form."""
    rest = dict((key, value) for key, value in result.items() if key != 'token')
    assert leaks(rest, CREATED) == []


# No-ops: one request with IDs; one more for each name the task resolves


def test_noop_with_ids_is_one_request(run):
    result, server = run(BASE, [Call('GET', LIST, body=listed(api_authorization()))])
    assert result['changed'] is False
    assert result['authorization'] == SNAKE
    assert result['token'] is None
    assert result['previous_ids'] == []
    assert result['diff'] == {'before': SNAKE, 'after': SNAKE}
    assert len(server.seen) == 1


def test_noop_with_org_name_is_two_requests(run):
    args = dict(BASE, org='edge')
    del args['org_id']
    result, server = run(args, [
        Call('GET', '/api/v2/orgs?org=edge', body={'orgs': [{'id': ORG_ID, 'name': 'edge'}]}),
        Call('GET', LIST, body=listed(api_authorization())),
    ])
    assert result['changed'] is False
    assert len(server.seen) == 2


def test_noop_with_the_user_defaulted_reads_me(run):
    args = dict(BASE)
    del args['user']
    result, server = run(args, [Call('GET', ME, body=ME_ANSWER), Call('GET', LIST, body=listed(api_authorization()))])
    assert result['changed'] is False
    assert len(server.seen) == 2


def test_noop_with_a_bucket_by_name_reads_the_bucket(run):
    args = dict(BASE, permissions=[{'action': 'write', 'resource': {'type': 'buckets', 'name': 'telemetry', 'org': 'edge'}}],
                org='edge')
    del args['org_id']
    result, server = run(args, [
        Call('GET', '/api/v2/orgs?org=edge', body={'orgs': [{'id': ORG_ID, 'name': 'edge'}]}),
        Call('GET', BUCKET, body={'buckets': [api_bucket()]}),
        Call('GET', LIST, body=listed(api_authorization())),
    ])
    assert result['changed'] is False
    assert result['authorization'] == SNAKE
    assert len(server.seen) == 3


def test_permissions_compare_as_a_set_whatever_their_order_case_and_repeats(run):
    read_all = api_permission('read', resource_id=None)
    current = api_authorization(permissions=[read_all, api_permission()])
    permissions = [{'action': 'write', 'resource': {'type': 'buckets', 'id': BUCKET_ID.upper(), 'org_id': ORG_ID.upper()}},
                   {'action': 'read', 'resource': {'type': 'buckets', 'org_id': ORG_ID}}] + WRITE_TELEMETRY
    result, server = run(dict(BASE, permissions=permissions), [Call('GET', LIST, body=listed(current))])
    assert result['changed'] is False
    # the server's order, with the names it adds
    assert [p['action'] for p in result['authorization']['permissions']] == ['read', 'write']


def test_other_authorizations_of_the_org_are_not_this_one(run):
    others = [api_authorization(description='edge-01 writer (rotated 2026-01-01T00:00:00Z)', authorization_id=OTHER_ID),
              api_authorization(description="admin's Token", authorization_id='0d0d0d0d0d0d0d00')]
    result, server = run(BASE, [Call('GET', LIST, body=listed(others[0], api_authorization(), others[1]))])
    assert result['changed'] is False
    assert result['authorization']['id'] == AUTHORIZATION_ID


# Creates


def test_create_posts_then_reads_back_and_returns_the_token_once(run):
    args = dict(BASE)
    del args['user']
    result, server = run(args, [
        Call('GET', ME, body=ME_ANSWER),
        Call('GET', LIST, body=listed()),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', POST, status=201, body=created(), sent=CREATE_BODY),
        Call('GET', LIST, body=listed(api_authorization(authorization_id=NEW_ID))),
    ])
    assert result['changed'] is True
    assert result['token'] == CREATED
    assert result['authorization'] == dict(SNAKE, id=NEW_ID)
    assert result['diff'] == {'before': {}, 'after': dict(SNAKE, id=NEW_ID)}
    no_created_token_but_in_token(result)
    assert len(server.writes) == 1


def test_create_in_check_mode_predicts_without_token(run):
    args = dict(BASE)
    del args['user']
    result, server = run(args, [
        Call('GET', ME, body=ME_ANSWER),
        Call('GET', LIST, body=listed()),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
    ], check_mode=True, read_only=True)
    predicted = dict(SNAKE, id=None, permissions=[{'action': 'write', 'resource': {'type': 'buckets', 'id': BUCKET_ID, 'name': None,
                                                                                   'org_id': ORG_ID, 'org': None}}])
    assert result['changed'] is True
    assert result['token'] is None
    assert result['authorization'] == predicted
    assert result['diff'] == {'before': {}, 'after': predicted}


def test_create_of_a_named_user_reads_its_id(run):
    result, server = run(dict(BASE, user='edge'), [
        Call('GET', LIST, body=listed()),
        Call('GET', '/api/v2/users?name=edge', body={'users': [{'id': '0f0f0f0f0f0f0f02', 'name': 'edge', 'status': 'active'}]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', POST, status=201, body=created(user='edge', user_id='0f0f0f0f0f0f0f02'),
             sent=dict(CREATE_BODY, userID='0f0f0f0f0f0f0f02')),
        Call('GET', LIST, body=listed(api_authorization(authorization_id=NEW_ID, user='edge', user_id='0f0f0f0f0f0f0f02'))),
    ])
    assert result['changed'] is True
    assert result['authorization']['user'] == 'edge'
    assert result['token'] == CREATED


def test_create_of_an_unknown_user_fails_before_any_write(run):
    result, server = run(dict(BASE, user='nobody'), [
        Call('GET', LIST, body=listed()),
        Call('GET', '/api/v2/users?name=nobody', status=404, body=error_body('not found', 'user not found')),
    ], read_only=True)
    assert result['failed'] is True
    assert "user 'nobody' not found" in result['msg']
    assert 'check user' in result['msg']


def test_create_without_permissions_fails_after_the_lookup(run):
    args = dict(BASE)
    del args['permissions']
    result, server = run(args, [Call('GET', LIST, body=listed())], read_only=True)
    assert result['failed'] is True
    assert "authorization 'edge-01 writer' does not exist in organization %s; to create it, set permissions" % ORG_ID == result['msg']


def test_create_with_status_inactive(run):
    result, server = run(dict(BASE, status='inactive'), [
        Call('GET', LIST, body=listed()),
        Call('GET', '/api/v2/users?name=admin', body={'users': [{'id': USER_ID, 'name': 'admin'}]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', POST, status=201, body=created(status='inactive'), sent=dict(CREATE_BODY, status='inactive')),
        Call('GET', LIST, body=listed(created(status='inactive'))),
    ])
    assert result['authorization']['status'] == 'inactive'


# Updates: status and description only


def test_status_is_patched_alone(run):
    result, server = run(dict(BASE, status='inactive'), [
        Call('GET', LIST, body=listed(api_authorization())),
        Call('PATCH', ONE, body=api_authorization(status='inactive'), sent={'status': 'inactive'}),
    ])
    assert result['changed'] is True
    assert result['token'] is None
    assert result['diff'] == {'before': SNAKE, 'after': dict(SNAKE, status='inactive')}


def test_status_in_check_mode_writes_nothing(run):
    result, server = run(dict(BASE, status='inactive'), [Call('GET', LIST, body=listed(api_authorization()))],
                         check_mode=True, read_only=True)
    assert result['changed'] is True
    assert result['authorization'] == dict(SNAKE, status='inactive')


def test_id_with_another_description_renames(run):
    args = dict(BASE, id=AUTHORIZATION_ID.upper(), description='edge-01 writer v2')
    result, server = run(args, [
        Call('GET', ONE, body=api_authorization()),
        Call('PATCH', ONE, body=api_authorization(description='edge-01 writer v2'), sent={'description': 'edge-01 writer v2'}),
    ])
    assert result['changed'] is True
    assert result['authorization']['description'] == 'edge-01 writer v2'


def test_id_without_description_keeps_it(run):
    args = dict(BASE, id=AUTHORIZATION_ID)
    del args['description']
    result, server = run(args, [Call('GET', ONE, body=api_authorization())])
    assert result['changed'] is False
    assert result['authorization'] == SNAKE


def test_unknown_id_fails_for_present(run):
    result, server = run(dict(BASE, id=AUTHORIZATION_ID), [
        Call('GET', ONE, status=404, body=error_body('not found', 'authorization not found'))], read_only=True)
    assert result['failed'] is True
    assert 'id: organization %s has no authorization with ID %s' % (ORG_ID, AUTHORIZATION_ID) in result['msg']


def test_id_of_another_org_fails(run):
    result, server = run(dict(BASE, id=AUTHORIZATION_ID), [
        Call('GET', ONE, body=api_authorization(org_id=OTHER_ORG_ID))], read_only=True)
    assert result['failed'] is True
    assert 'belongs to organization %s, not %s' % (OTHER_ORG_ID, ORG_ID) in result['msg']


# What InfluxDB cannot change: permissions and owner


def test_other_permissions_fail_without_replace_naming_the_difference(run):
    current = api_authorization(permissions=[api_permission(resource_id=OTHER_BUCKET_ID, name='other')])
    result, server = run(BASE, [Call('GET', LIST, body=listed(current))], read_only=True)
    assert result['failed'] is True
    assert 'permissions to add: write:orgs/%s/buckets/%s' % (ORG_ID, BUCKET_ID) in result['msg']
    assert "permissions to remove: write:orgs/%s/buckets/%s (bucket 'other')" % (ORG_ID, OTHER_BUCKET_ID) in result['msg']
    assert 'set replace=true' in result['msg']


def test_another_owner_fails_without_replace(run):
    result, server = run(dict(BASE, user='edge'), [Call('GET', LIST, body=listed(api_authorization()))], read_only=True)
    assert result['failed'] is True
    assert "owner: 'admin', not 'edge'" in result['msg']


def test_the_defaulted_owner_is_compared_by_id(run):
    args = dict(BASE)
    del args['user']
    me = dict(ME_ANSWER, id='0f0f0f0f0f0f0f02', name='operator')
    result, server = run(args, [Call('GET', ME, body=me), Call('GET', LIST, body=listed(api_authorization()))], read_only=True)
    assert result['failed'] is True
    assert "owner: 'admin', not 'operator'" in result['msg']


def test_replace_creates_the_new_one_first_then_deletes_the_old_one(run):
    current = api_authorization(permissions=[api_permission(resource_id=OTHER_BUCKET_ID, name='other')])
    result, server = run(dict(BASE, replace=True), [
        Call('GET', LIST, body=listed(current)),
        Call('POST', POST, status=201, body=created(), sent=CREATE_BODY),
        Call('GET', LIST, body=listed(current, api_authorization(authorization_id=NEW_ID))),
        Call('DELETE', ONE, status=204),
    ])
    assert result['changed'] is True
    assert result['token'] == CREATED
    assert result['authorization'] == dict(SNAKE, id=NEW_ID)
    assert result['previous_ids'] == []
    assert result['diff']['before']['id'] == AUTHORIZATION_ID
    assert 'whoever uses the old token must get the new one' in result['diff']['after_header']
    assert any('is replaced' in warning and 'whoever uses the old token must get the new one' in warning
               for warning in warnings_of(result))
    no_created_token_but_in_token(result)


def test_replace_in_check_mode_predicts_it(run):
    current = api_authorization(permissions=[api_permission(resource_id=OTHER_BUCKET_ID, name='other')])
    result, server = run(dict(BASE, replace=True), [
        Call('GET', LIST, body=listed(current)),
    ], check_mode=True, read_only=True)
    assert result['changed'] is True
    assert result['token'] is None
    assert result['authorization']['id'] is None
    assert 'is replaced' in result['diff']['after_header']


def test_a_failed_create_leaves_the_old_one(run):
    current = api_authorization(permissions=[api_permission(resource_id=OTHER_BUCKET_ID, name='other')])
    message = 'permission write:orgs/%s/buckets/%s is not allowed: write:orgs/%s/buckets/%s is unauthorized' % (
        ORG_ID, BUCKET_ID, ORG_ID, BUCKET_ID)
    result, server = run(dict(BASE, replace=True), [
        Call('GET', LIST, body=listed(current)),
        Call('POST', POST, status=403, body=error_body('forbidden', message)),
    ])
    assert result['failed'] is True
    assert [call['method'] for call in server.writes] == ['POST']


# Rotate


def test_rotate_keeps_the_previous_one_renamed(run):
    result, server = run(dict(BASE, rotate=True, keep_previous=True), [
        Call('GET', LIST, body=listed(api_authorization())),
        Call('POST', POST, status=201, body=created(), sent=CREATE_BODY),
        Call('GET', LIST, body=listed(api_authorization(), api_authorization(authorization_id=NEW_ID))),
        Call('PATCH', ONE, body=api_authorization(description=ROTATED), sent={'description': ROTATED}),
    ])
    assert result['changed'] is True
    assert result['token'] == CREATED
    assert result['authorization'] == dict(SNAKE, id=NEW_ID)
    assert result['previous_ids'] == [AUTHORIZATION_ID]
    assert "kept as %r" % ROTATED in result['diff']['after_header']
    assert 'is rotated' in result['diff']['after_header']
    no_created_token_but_in_token(result)


def test_rotate_deletes_the_previous_one(run):
    result, server = run(dict(BASE, rotate=True), [
        Call('GET', LIST, body=listed(api_authorization())),
        Call('POST', POST, status=201, body=created(), sent=CREATE_BODY),
        Call('GET', LIST, body=listed(api_authorization(), api_authorization(authorization_id=NEW_ID))),
        Call('DELETE', ONE, status=204),
    ])
    assert result['changed'] is True
    assert result['previous_ids'] == []
    assert result['token'] == CREATED


def test_rotate_in_check_mode_predicts_the_previous_id(run):
    result, server = run(dict(BASE, rotate=True, keep_previous=True), [
        Call('GET', LIST, body=listed(api_authorization())),
    ], check_mode=True, read_only=True)
    assert result['changed'] is True
    assert result['token'] is None
    assert result['previous_ids'] == [AUTHORIZATION_ID]


def test_rotate_of_a_missing_authorization_creates_it(run):
    result, server = run(dict(BASE, rotate=True), [
        Call('GET', LIST, body=listed()),
        Call('GET', '/api/v2/users?name=admin', body={'users': [{'id': USER_ID, 'name': 'admin'}]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', POST, status=201, body=created(), sent=CREATE_BODY),
        Call('GET', LIST, body=listed(api_authorization(authorization_id=NEW_ID))),
    ])
    assert result['changed'] is True
    assert result['token'] == CREATED


def test_the_previous_one_fails_to_go_the_token_is_still_returned(run):
    result, server = run(dict(BASE, rotate=True), [
        Call('GET', LIST, body=listed(api_authorization())),
        Call('POST', POST, status=201, body=created(), sent=CREATE_BODY),
        Call('GET', LIST, body=listed(api_authorization(), api_authorization(authorization_id=NEW_ID))),
        Call('DELETE', ONE, status=500, body=error_body('internal error', 'disk full')),
    ])
    assert result['failed'] is True
    assert result['token'] == CREATED
    no_created_token_but_in_token(result)


# Duplicates


@pytest.mark.parametrize('state', ['present', 'absent'])
def test_duplicates_fail_naming_their_ids(run, state):
    args = dict(BASE, state=state)
    if state == 'absent':
        for option in ('permissions', 'user'):
            del args[option]
    result, server = run(args, [Call('GET', LIST, body=listed(api_authorization(), api_authorization(authorization_id=OTHER_ID)))],
                         read_only=True)
    assert result['failed'] is True
    assert "2 authorizations with description 'edge-01 writer' (IDs %s, %s)" % (AUTHORIZATION_ID, OTHER_ID) in result['msg']
    assert 'address one with id' in result['msg']


def test_absent_by_id_among_duplicates(run):
    result, server = run(dict(token=TOKEN, org_id=ORG_ID, id=AUTHORIZATION_ID, state='absent'), [
        Call('GET', ONE, body=api_authorization()),
        Call('DELETE', ONE, status=204),
    ])
    assert result['changed'] is True
    assert result['authorization'] == {}
    assert result['diff'] == {'before': SNAKE, 'after': {}}


# Deletes


def test_absent_deletes(run):
    result, server = run(dict(token=TOKEN, org_id=ORG_ID, description='edge-01 writer', state='absent'), [
        Call('GET', LIST, body=listed(api_authorization())),
        Call('DELETE', ONE, status=204),
    ])
    assert result['changed'] is True
    assert result['token'] is None


def test_absent_when_missing_is_one_request(run):
    result, server = run(dict(token=TOKEN, org_id=ORG_ID, description='edge-01 writer', state='absent'),
                         [Call('GET', LIST, body=listed())], read_only=True)
    assert result['changed'] is False
    assert result['authorization'] == {}


def test_absent_by_unknown_id_changes_nothing(run):
    result, server = run(dict(token=TOKEN, org_id=ORG_ID, id=AUTHORIZATION_ID, state='absent'), [
        Call('GET', ONE, status=404, body=error_body('not found', 'authorization not found'))], read_only=True)
    assert result['changed'] is False


# Bucket names


def test_unknown_bucket_fails_before_any_write(run):
    args = dict(BASE, permissions=[{'action': 'write', 'resource': {'type': 'buckets', 'name': 'telemetry'}}])
    result, server = run(args, [Call('GET', BUCKET, status=404, body=error_body('not found', 'bucket "telemetry" not found'))],
                         read_only=True)
    assert result['failed'] is True
    assert "bucket 'telemetry' not found in organization %s" % ORG_ID in result['msg']
    assert 'check permissions[0].resource.name' in result['msg']


def test_unknown_bucket_in_check_mode_is_predicted_with_no_id(run):
    args = dict(BASE, permissions=[{'action': 'write', 'resource': {'type': 'buckets', 'name': 'telemetry'}}])
    result, server = run(args, [
        Call('GET', BUCKET, status=404, body=error_body('not found', 'bucket "telemetry" not found')),
        Call('GET', LIST, body=listed()),
        Call('GET', '/api/v2/users?name=admin', body={'users': [{'id': USER_ID, 'name': 'admin'}]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
    ], check_mode=True, read_only=True)
    assert result['changed'] is True
    assert result['authorization']['permissions'] == [{'action': 'write', 'resource': {'type': 'buckets', 'id': None,
                                                                                       'name': 'telemetry', 'org_id': None,
                                                                                       'org': None}}]
    assert ("bucket 'telemetry' not found in organization %s: in check mode, permissions[0].resource.name is predicted with no "
            'ID (id null); the real run fails unless an earlier task creates the bucket' % ORG_ID) in warnings_of(result)


# The refusals of InfluxDB, in words


def test_a_permission_the_connecting_token_lacks_is_named(run):
    args = dict(BASE, permissions=[{'action': 'write', 'resource': {'type': 'buckets', 'name': 'telemetry', 'org_id': ORG_ID}}])
    message = 'permission write:orgs/%s/buckets/%s is not allowed: write:orgs/%s/buckets/%s is unauthorized' % (
        ORG_ID, BUCKET_ID, ORG_ID, BUCKET_ID)
    result, server = run(args, [
        Call('GET', BUCKET, body={'buckets': [api_bucket()]}),
        Call('GET', LIST, body=listed()),
        Call('GET', '/api/v2/users?name=admin', body={'users': [{'id': USER_ID, 'name': 'admin'}]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', POST, status=403, body=error_body('forbidden', message)),
    ])
    assert result['failed'] is True
    assert result['msg'].startswith("the connecting token may not grant write:orgs/%s/buckets/%s (bucket 'telemetry'): InfluxDB "
                                    'lets a token grant only permissions that it holds itself' % (ORG_ID, BUCKET_ID))
    assert 'nothing was created' in result['msg']
    assert result['http_status'] == 403
    assert 'token' not in result


def test_unable_to_create_token_is_told(run):
    result, server = run(BASE, [
        Call('GET', LIST, body=listed()),
        Call('GET', '/api/v2/users?name=admin', body={'users': [{'id': USER_ID, 'name': 'admin'}]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', POST, status=400, body=error_body('invalid', 'unable to create token')),
    ])
    assert result['failed'] is True
    assert 'the owner (user ID %s) or the organization (%s) does not exist' % (USER_ID, ORG_ID) in result['msg']


def test_me_refused_says_to_set_user(run):
    args = dict(BASE)
    del args['user']
    result, server = run(args, [Call('GET', ME, status=401, body=error_body('unauthorized', 'read:users/%s is unauthorized' % USER_ID))],
                         read_only=True)
    assert result['failed'] is True
    assert result['msg'].endswith('which this token may not read: set user')


# Races and lost answers


def test_a_race_that_another_run_won_deletes_its_own(run):
    other = api_authorization(authorization_id=OTHER_ID)
    result, server = run(BASE, [
        Call('GET', LIST, body=listed()),
        Call('GET', '/api/v2/users?name=admin', body={'users': [{'id': USER_ID, 'name': 'admin'}]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', POST, status=201, body=created(), sent=CREATE_BODY),
        Call('GET', LIST, body=listed(other, api_authorization(authorization_id=NEW_ID))),
        Call('DELETE', '/api/v2/authorizations/' + NEW_ID, status=204),
    ])
    assert result['changed'] is False
    assert result['token'] is None
    assert result['authorization'] == dict(SNAKE, id=OTHER_ID)
    assert any('created by another run at the same moment (ID %s)' % OTHER_ID in w and 'token is null' in w
               for w in warnings_of(result))
    assert leaks(result, CREATED) == []


def test_a_race_that_this_run_won_keeps_its_own(run):
    result, server = run(BASE, [
        Call('GET', LIST, body=listed()),
        Call('GET', '/api/v2/users?name=admin', body={'users': [{'id': USER_ID, 'name': 'admin'}]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', POST, status=201, body=created(), sent=CREATE_BODY),
        Call('GET', LIST, body=listed(api_authorization(authorization_id=NEW_ID), api_authorization(authorization_id='0d0d0d0d0d0d0d0f'))),
    ])
    assert result['changed'] is True
    assert result['token'] == CREATED


def test_a_race_with_other_permissions_fails(run):
    other = api_authorization(authorization_id=OTHER_ID, permissions=[api_permission('read')])
    result, server = run(BASE, [
        Call('GET', LIST, body=listed()),
        Call('GET', '/api/v2/users?name=admin', body={'users': [{'id': USER_ID, 'name': 'admin'}]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', POST, status=201, body=created(), sent=CREATE_BODY),
        Call('GET', LIST, body=listed(other, api_authorization(authorization_id=NEW_ID))),
        Call('DELETE', '/api/v2/authorizations/' + NEW_ID, status=204),
    ])
    assert result['failed'] is True
    assert 'created by another run at the same moment (ID %s) with other permissions' % OTHER_ID in result['msg']
    assert 'token' not in result


def _timed_out():
    return URLError(socket.timeout('timed out'))


def test_a_lost_answer_deletes_what_it_created_and_creates_again(run):
    lost = api_authorization(authorization_id='0d0d0d0d0d0d0d08')
    result, server = run(dict(BASE, retries=1), [
        Call('GET', LIST, body=listed()),
        Call('GET', '/api/v2/users?name=admin', body={'users': [{'id': USER_ID, 'name': 'admin'}]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', POST, raises=_timed_out(), sent=CREATE_BODY),
        Call('GET', LIST, body=listed(lost)),
        Call('DELETE', '/api/v2/authorizations/0d0d0d0d0d0d0d08', status=204),
        Call('POST', POST, status=201, body=created(), sent=CREATE_BODY),
        Call('GET', LIST, body=listed(api_authorization(authorization_id=NEW_ID))),
    ])
    assert result['changed'] is True
    assert result['token'] == CREATED
    assert result['authorization']['id'] == NEW_ID
    assert any('was lost' in w and 'ID 0d0d0d0d0d0d0d08' in w and 'its token can be read only from that answer' in w
               for w in warnings_of(result))


def test_a_lost_answer_that_created_nothing_creates_again(run):
    result, server = run(dict(BASE, retries=1), [
        Call('GET', LIST, body=listed()),
        Call('GET', '/api/v2/users?name=admin', body={'users': [{'id': USER_ID, 'name': 'admin'}]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', POST, raises=_timed_out()),
        Call('GET', LIST, body=listed()),
        Call('POST', POST, status=201, body=created(), sent=CREATE_BODY),
        Call('GET', LIST, body=listed(api_authorization(authorization_id=NEW_ID))),
    ])
    assert result['token'] == CREATED


def test_a_create_answer_without_token_deletes_it_and_fails(run):
    result, server = run(BASE, [
        Call('GET', LIST, body=listed()),
        Call('GET', '/api/v2/users?name=admin', body={'users': [{'id': USER_ID, 'name': 'admin'}]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', POST, status=201, body=api_authorization(authorization_id=NEW_ID)),
        Call('GET', LIST, body=listed(api_authorization(authorization_id=NEW_ID))),
        Call('DELETE', '/api/v2/authorizations/' + NEW_ID, status=204),
    ])
    assert result['failed'] is True
    assert 'expected an authorization object with its token' in result['msg']
    assert 'nothing was created' in result['msg']


def test_a_create_answer_of_another_shape_hides_its_token(run):
    result, server = run(BASE, [
        Call('GET', LIST, body=listed()),
        Call('GET', '/api/v2/users?name=admin', body={'users': [{'id': USER_ID, 'name': 'admin'}]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', POST, status=201, body={'id': NEW_ID, 'token': CREATED, 'permissions': 'all'}),
        Call('GET', LIST, body=listed()),
    ])
    assert result['failed'] is True
    assert leaks(result, CREATED) == []


# Answers checked before believed


def test_a_list_of_another_shape_fails(run):
    result, server = run(BASE, [Call('GET', LIST, body=listed(dict(api_authorization(), permissions=[{'action': 'write'}])))])
    assert result['failed'] is True
    assert 'permissions as a list of which each item is a permission object' in result['msg']


def test_a_listed_token_is_never_read_nor_shown(run):
    listed_token = 'L1sted-plain-token-of-a-2.7-server'
    result, server = run(BASE, [Call('GET', LIST, body=listed(api_authorization(token=listed_token)))])
    assert result['changed'] is False
    assert result['token'] is None
    assert leaks(result, listed_token) == []


def test_a_listed_token_is_not_in_the_snippet_of_a_bad_answer(run):
    listed_token = 'L1sted-plain-token-of-a-2.7-server'
    result, server = run(BASE, [Call('GET', LIST, body=listed(dict(api_authorization(token=listed_token), status=None)))])
    assert result['failed'] is True
    assert leaks(result, listed_token) == []


# Bad input, before any request


@pytest.mark.parametrize('args, message', [
    (dict(description=' '), 'description must not be empty or only white space'),
    (dict(id='xyz'), 'id must be an InfluxDB ID of 16 hexadecimal characters'),
    (dict(permissions=[]), 'permissions must not be empty'),
    (dict(keep_previous=True), 'keep_previous keeps the authorization that rotate or replace supersedes'),
    (dict(state='absent'), 'state=absent deletes the authorization and takes no other option than description or id; remove '
                           'permissions, user'),
    (dict(state='absent', permissions=None, user=None, rotate=True), 'remove rotate'),
    (dict(permissions=[{'action': 'read', 'resource': {'type': 'orgs', 'name': 'edge'}}]),
     'permissions[0].resource.name: only a bucket (type buckets) can be given by name'),
    (dict(permissions=[{'action': 'read', 'resource': {'type': 'buckets', 'id': '00000000000000000'}}]),
     'permissions[0].resource.id must be an InfluxDB ID'),
    (dict(permissions=[{'action': 'read', 'resource': {'type': 'buckets', 'org_id': OTHER_ORG_ID}}]),
     'permissions[0].resource.org_id: %s is not the organization of the authorization (%s)' % (OTHER_ORG_ID, ORG_ID)),
    (dict(permissions=[{'action': 'read', 'resource': {'type': 'bucket'}}]), 'value of type must be one of'),
    (dict(permissions=[{'action': 'delete', 'resource': {'type': 'buckets'}}]), 'value of action must be one of'),
    (dict(permissions=[{'action': 'read', 'resource': {'type': 'buckets', 'id': BUCKET_ID, 'name': 'telemetry'}}]),
     'parameters are mutually exclusive: id|name'),
    (dict(user=''), 'user must not be empty'),
    (dict(status='off'), 'value of status must be one of'),
])
def test_bad_input_fails_before_any_request(run, args, message):
    args = dict(BASE, **args)
    args = dict((key, value) for key, value in args.items() if value is not None)
    result, server = run(args, [])
    assert result['failed'] is True
    assert message in result['msg']
    assert server.seen == []


def test_description_or_id_is_required(run):
    args = dict(BASE)
    del args['description']
    result, server = run(args, [])
    assert result['failed'] is True
    assert 'one of the following is required: description, id' in result['msg']


def test_rotate_by_id_among_duplicates_lists_them_before_it_creates(run):
    # the other authorization with the description existed before: it is no other run's, and stays
    duplicate = api_authorization(authorization_id=OTHER_ID)
    result, server = run(dict(BASE, id=AUTHORIZATION_ID, rotate=True), [
        Call('GET', ONE, body=api_authorization()),
        Call('GET', LIST, body=listed(duplicate, api_authorization())),
        Call('POST', POST, status=201, body=created(), sent=CREATE_BODY),
        Call('GET', LIST, body=listed(duplicate, api_authorization(), api_authorization(authorization_id=NEW_ID))),
        Call('DELETE', ONE, status=204),
    ])
    assert result['changed'] is True
    assert result['token'] == CREATED
    assert result['authorization']['id'] == NEW_ID


@pytest.mark.parametrize('path, answer', [
    (ME, {'id': USER_ID}),
    ('/api/v2/users?name=admin', {'users': [{'id': USER_ID}]}),
])
def test_a_user_answer_of_another_shape_fails_before_any_write(run, path, answer):
    args = dict(BASE)
    if path == ME:
        del args['user']
    calls = [Call('GET', ME, body=answer)] if path == ME else [
        Call('GET', LIST, body=listed()), Call('GET', path, body=answer)]
    result, server = run(args, calls, read_only=True)
    assert result['failed'] is True
    assert 'expected' in result['msg'] and 'a user object with name as a string' in result['msg']


def test_the_owner_of_a_listed_authorization_needs_no_user_request(run):
    other = api_authorization(description='another', authorization_id=OTHER_ID, user='edge', user_id='0f0f0f0f0f0f0f02')
    result, server = run(dict(BASE, user='edge'), [
        Call('GET', LIST, body=listed(other)),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', POST, status=201, body=created(user='edge', user_id='0f0f0f0f0f0f0f02'),
             sent=dict(CREATE_BODY, userID='0f0f0f0f0f0f0f02')),
        Call('GET', LIST, body=listed(other, api_authorization(authorization_id=NEW_ID, user='edge', user_id='0f0f0f0f0f0f0f02'))),
    ])
    assert result['token'] == CREATED


def test_a_server_without_the_users_endpoint_is_not_told_as_an_unknown_user(run):
    result, server = run(dict(BASE, user='nobody'), [
        Call('GET', LIST, body=listed()),
        Call('GET', '/api/v2/users?name=nobody', status=404, body=error_body('not found', 'path not found')),
    ], read_only=True)
    assert result['failed'] is True
    assert 'not found' not in result['msg'].split('(')[0]
    assert '404 not found: path not found' in result['msg']
