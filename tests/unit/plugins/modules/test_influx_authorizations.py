# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""influx_authorizations' main(): the exact HTTP requests of a declared set of authorizations, and what it returns."""

from __future__ import annotations

import datetime
import functools

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils import _authorizations
from ansible_collections.influxops.influxdb2.plugins.modules import influx_authorizations
from ansible_collections.influxops.influxdb2.tests.unit.plugins.echoes import leaks
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    BUCKET_ID,
    ORG_ID,
    OTHER_BUCKET_ID,
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
POST = '/api/v2/authorizations'
ME = '/api/v2/me'
ORG = '/api/v2/orgs/' + ORG_ID
USERS = '/api/v2/users?name=admin'
BUCKETS = '/api/v2/buckets?orgID=%s&limit=100&offset=0' % ORG_ID
IDS = dict(('edge-%02d' % number, '0d0d0d0d0d0d0d%02x' % number) for number in range(1, 40))
TOKENS = dict(('edge-%02d' % number, 'T0ken-of-edge-%02d-created-by-the-server' % number) for number in range(1, 40))
OPERATOR = api_authorization(description="admin's Token", authorization_id='0d0d0d0d0d0d0d00',
                             permissions=[api_permission('read', resource_id=None, org_id=None),
                                          api_permission('write', resource_id=None, org_id=None)])
BY_ID = [{'action': 'write', 'resource': {'type': 'buckets', 'id': BUCKET_ID, 'org_id': ORG_ID}}]
BY_NAME = [{'action': 'write', 'resource': {'type': 'buckets', 'name': 'telemetry', 'org_id': ORG_ID}}]
ME_ANSWER = {'id': USER_ID, 'name': 'admin', 'status': 'active'}
WHEN = datetime.datetime(2026, 12, 7, 6, 32, 35, tzinfo=datetime.timezone.utc)


def item(name, **options):
    return dict(dict(description=name, user='admin', permissions=BY_ID), **options)


def existing(name, **fields):
    return api_authorization(**dict(dict(description=name, authorization_id=IDS[name]), **fields))


def listed(*authorizations):
    return {'links': {'self': '/api/v2/authorizations'}, 'authorizations': list(authorizations)}


def body(name, **fields):
    return dict({'orgID': ORG_ID, 'description': name, 'status': 'active', 'userID': USER_ID,
                 'permissions': [{'action': 'write', 'resource': {'type': 'buckets', 'id': BUCKET_ID, 'orgID': ORG_ID}}]}, **fields)


def creates(name):
    """The requests that create ``name``: the POST, and the list that reads it back."""
    return [Call('POST', POST, status=201, body=existing(name, token=TOKENS[name]), sent=body(name)),
            Call('GET', LIST, body=listed(existing(name)))]


@pytest.fixture
def run(run_main, monkeypatch):
    monkeypatch.setattr(_authorizations, 'utc_now', lambda: WHEN)
    return functools.partial(run_main, influx_authorizations, secrets=[TOKEN], base_args=dict(token=TOKEN, org_id=ORG_ID))


# Request counts of a run that changes nothing


def test_noop_of_many_with_ids_is_one_request(run):
    names = sorted(IDS)
    result, server = run(dict(authorizations=[item(name) for name in names]),
                         [Call('GET', LIST, body=listed(OPERATOR, *(existing(name) for name in names)))])
    assert result['changed'] is False
    assert len(server.seen) == 1
    assert result['tokens'] == {}
    assert result['created'] == result['updated'] == result['deleted'] == []
    assert [a['description'] for a in result['authorizations']] == ["admin's Token"] + names
    assert result['diff']['before'] == result['diff']['after'] == result['authorizations']


def test_noop_of_many_with_bucket_names_is_two_requests(run):
    names = sorted(IDS)
    result, server = run(dict(authorizations=[item(name, permissions=BY_NAME) for name in names]), [
        Call('GET', BUCKETS, body={'buckets': [api_bucket(), api_bucket('other', OTHER_BUCKET_ID)]}),
        Call('GET', LIST, body=listed(*(existing(name) for name in names))),
    ])
    assert result['changed'] is False
    assert len(server.seen) == 2


def test_noop_with_users_defaulted_is_one_request(run):
    # an authorization that exists keeps its owner when user is not set: the connecting token's user is not read
    items = [dict(item(name), user=None) for name in ('edge-01', 'edge-02')]
    items = [dict((key, value) for key, value in i.items() if value is not None) for i in items]
    result, server = run(dict(authorizations=items), [
        Call('GET', LIST, body=listed(existing('edge-01'), existing('edge-02', user='someone', user_id='0e0e0e0e0e0e0e0e'))),
    ])
    assert result['changed'] is False
    assert len(server.seen) == 1


def test_a_create_with_user_defaulted_reads_me_once_after_the_list(run):
    items = [{'description': name, 'permissions': BY_ID} for name in ('edge-01', 'edge-02', 'edge-03')]
    result, server = run(dict(authorizations=items), [
        Call('GET', LIST, body=listed(existing('edge-02'))),
        Call('GET', ME, body=ME_ANSWER),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
    ] + creates('edge-01') + creates('edge-03'))
    assert result['created'] == ['edge-01', 'edge-03']


def test_noop_with_org_name_is_one_more_request(run):
    result, server = run(dict(org='edge', org_id=None, authorizations=[item('edge-01')]), [
        Call('GET', '/api/v2/orgs?org=edge', body={'orgs': [{'id': ORG_ID, 'name': 'edge'}]}),
        Call('GET', LIST, body=listed(existing('edge-01'))),
    ])
    assert result['changed'] is False
    assert len(server.seen) == 2


# Writes


def test_creates_return_their_tokens_by_description(run):
    result, server = run(dict(authorizations=[item('edge-01'), item('edge-02'), item('edge-03')]), [
        Call('GET', LIST, body=listed(OPERATOR, existing('edge-02'))),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
    ] + creates('edge-01') + creates('edge-03'))
    assert result['changed'] is True
    assert result['created'] == ['edge-01', 'edge-03']
    assert result['tokens'] == {'edge-01': TOKENS['edge-01'], 'edge-03': TOKENS['edge-03']}
    assert [a['id'] for a in result['authorizations']] == [OPERATOR['id'], IDS['edge-01'], IDS['edge-02'], IDS['edge-03']]
    assert [a['description'] for a in result['diff']['before']] == ["admin's Token", 'edge-02']
    rest = dict((key, value) for key, value in result.items() if key != 'tokens')
    assert all(leaks(rest, token) == [] for token in TOKENS.values())


def test_check_mode_predicts_without_tokens(run):
    result, server = run(dict(authorizations=[item('edge-01')]), [
        Call('GET', LIST, body=listed(OPERATOR)),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
    ], check_mode=True, read_only=True)
    assert result['changed'] is True
    assert result['created'] == ['edge-01']
    assert result['tokens'] == {}
    assert [(a['id'], a['description']) for a in result['authorizations']] == [(OPERATOR['id'], "admin's Token"), (None, 'edge-01')]


def test_status_and_absent_items(run):
    result, server = run(dict(authorizations=[item('edge-01', status='inactive'), dict(description='edge-02', state='absent'),
                                              dict(description='edge-03', state='absent')]), [
        Call('GET', LIST, body=listed(existing('edge-01'), existing('edge-02'))),
        Call('PATCH', POST + '/' + IDS['edge-01'], body=existing('edge-01', status='inactive'), sent={'status': 'inactive'}),
        Call('DELETE', POST + '/' + IDS['edge-02'], status=204),
    ])
    assert result['updated'] == ['edge-01']
    assert result['deleted'] == ['edge-02']
    assert [a['description'] for a in result['authorizations']] == ['edge-01']


def test_rotate_keeping_the_previous_one_and_replace(run):
    other = [api_permission(resource_id=OTHER_BUCKET_ID, name='other')]
    rotated = 'edge-01 (rotated 2026-12-07T06:32:35Z)'
    new_01, new_02 = '0d0d0d0d0d0d0d71', '0d0d0d0d0d0d0d72'
    result, server = run(dict(authorizations=[item('edge-01', rotate=True, keep_previous=True), item('edge-02', replace=True)]), [
        Call('GET', LIST, body=listed(existing('edge-01'), existing('edge-02', permissions=other))),
        Call('POST', POST, status=201, body=api_authorization('edge-01', new_01, token=TOKENS['edge-01']), sent=body('edge-01')),
        Call('GET', LIST, body=listed(existing('edge-01'), api_authorization('edge-01', new_01))),
        Call('PATCH', POST + '/' + IDS['edge-01'], body=existing('edge-01', description=rotated), sent={'description': rotated}),
        Call('POST', POST, status=201, body=api_authorization('edge-02', new_02, token=TOKENS['edge-02']), sent=body('edge-02')),
        Call('GET', LIST, body=listed(existing('edge-02', permissions=other), api_authorization('edge-02', new_02))),
        Call('DELETE', POST + '/' + IDS['edge-02'], status=204),
    ])
    assert result['updated'] == ['edge-01', 'edge-02']
    assert result['tokens'] == {'edge-01': TOKENS['edge-01'], 'edge-02': TOKENS['edge-02']}
    assert result['previous_ids'] == [IDS['edge-01']]
    assert [(a['id'], a['description']) for a in result['authorizations']] == [
        (new_01, 'edge-01'), (IDS['edge-01'], rotated), (new_02, 'edge-02')]
    assert 'is rotated' in result['diff']['after_header'] and 'is replaced' in result['diff']['after_header']


def test_other_permissions_without_replace_fail_before_any_write(run):
    other = [api_permission(resource_id=OTHER_BUCKET_ID, name='other')]
    # edge-01, to create, comes first; the owner of edge-02 is the user of both, so no request reads its ID
    result, server = run(dict(authorizations=[item('edge-01'), item('edge-02')]), [
        Call('GET', LIST, body=listed(existing('edge-02', permissions=other))),
    ], read_only=True)
    assert result['failed'] is True
    assert 'set authorizations[1].replace=true' in result['msg']


# Purge


def test_purge_deletes_only_the_undeclared_ones_with_the_prefix_after_the_writes(run):
    current = [OPERATOR, existing('edge-01'), existing('edge-02'),
               api_authorization('edge-02 (rotated 2026-01-01T00:00:00Z)', '0d0d0d0d0d0d0d50'),
               api_authorization('edge-09', '0d0d0d0d0d0d0d59'), api_authorization('edge-09', '0d0d0d0d0d0d0d5a'),
               api_authorization('other-01', '0d0d0d0d0d0d0d60')]
    result, server = run(dict(purge=True, purge_prefix='edge-', authorizations=[item('edge-02'), item('edge-03')]), [
        Call('GET', LIST, body=listed(*current)),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
    ] + creates('edge-03') + [
        Call('DELETE', POST + '/' + IDS['edge-01'], status=204),
        Call('DELETE', POST + '/0d0d0d0d0d0d0d59', status=204),
        Call('DELETE', POST + '/0d0d0d0d0d0d0d5a', status=204),
    ])
    assert result['created'] == ['edge-03']
    assert result['deleted'] == ['edge-01', 'edge-09', 'edge-09']
    assert [a['description'] for a in result['authorizations']] == [
        "admin's Token", 'edge-02', 'edge-02 (rotated 2026-01-01T00:00:00Z)', 'edge-03', 'other-01']


def test_purge_in_check_mode(run):
    result, server = run(dict(purge=True, purge_prefix='edge-', authorizations=[]), [
        Call('GET', LIST, body=listed(OPERATOR, existing('edge-01')))], check_mode=True, read_only=True)
    assert result['changed'] is True
    assert result['deleted'] == ['edge-01']
    assert [a['description'] for a in result['diff']['after']] == ["admin's Token"]


@pytest.mark.parametrize('args, message', [
    (dict(purge=True), 'purge is True but all of the following are missing: purge_prefix'),
    (dict(purge=True, purge_prefix=''), 'purge_prefix must not be empty or only white space'),
    (dict(purge=True, purge_prefix='  '), 'purge_prefix must not be empty or only white space'),
    (dict(authorizations=[item('edge-01'), item('edge-01')]), "authorizations[1].description: 'edge-01' is in authorizations[0] "
                                                              'already; each description may appear once'),
    (dict(authorizations=[item('edge-01', id=IDS['edge-01']), item('edge-02', id=IDS['edge-01'].upper())]),
     'authorizations[1].id: %r is in authorizations[0] already' % IDS['edge-01']),
    (dict(authorizations=[item('edge-01', permissions=[])]), 'authorizations[0].permissions must not be empty'),
    (dict(authorizations=[item('edge-01', keep_previous=True)]), 'authorizations[0].keep_previous keeps'),
    (dict(authorizations=[dict(description='edge-01', state='absent', rotate=True)]), 'remove authorizations[0].rotate'),
    (dict(authorizations=[dict(user='admin')]), 'one of the following is required: description, id found in authorizations'),
])
def test_bad_input_fails_before_any_request(run, args, message):
    result, server = run(args, [])
    assert result['failed'] is True
    assert message in result['msg']
    assert server.seen == []


def test_declared_duplicates_fail_naming_their_ids(run):
    result, server = run(dict(authorizations=[item('edge-01')]), [
        Call('GET', LIST, body=listed(existing('edge-01'), api_authorization('edge-01', '0d0d0d0d0d0d0d77')))], read_only=True)
    assert result['failed'] is True
    assert ("authorizations[0].description: organization %s has 2 authorizations with description 'edge-01' (IDs %s, %s)"
            % (ORG_ID, IDS['edge-01'], '0d0d0d0d0d0d0d77')) in result['msg']


def test_an_item_by_id_among_duplicates(run):
    result, server = run(dict(authorizations=[dict(id=IDS['edge-01'], state='absent')]), [
        Call('GET', LIST, body=listed(existing('edge-01'), api_authorization('edge-01', '0d0d0d0d0d0d0d77'))),
        Call('DELETE', POST + '/' + IDS['edge-01'], status=204),
    ])
    assert result['deleted'] == ['edge-01']


# Bucket names


def test_an_unknown_bucket_fails_before_any_write(run):
    result, server = run(dict(authorizations=[item('edge-01', permissions=BY_NAME)]), [
        Call('GET', BUCKETS, body={'buckets': []}), Call('GET', LIST, body=listed())], read_only=True)
    assert result['failed'] is True
    assert 'check authorizations[0].permissions[0].resource.name' in result['msg']


def test_an_unknown_bucket_in_check_mode_is_predicted(run):
    result, server = run(dict(authorizations=[item('edge-01', permissions=BY_NAME)]), [
        Call('GET', BUCKETS, body={'buckets': []}),
        Call('GET', LIST, body=listed()),
        Call('GET', USERS, body={'users': [{'id': USER_ID, 'name': 'admin'}]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
    ], check_mode=True, read_only=True)
    assert result['created'] == ['edge-01']
    assert result['authorizations'][0]['permissions'][0]['resource']['id'] is None
    assert any("in check mode, authorizations[0].permissions[0].resource.name is predicted with no ID" in w for w in warnings_of(result))


# A failure midway


def test_a_failed_write_tells_what_was_done_and_returns_the_tokens_created(run):
    result, server = run(dict(authorizations=[item('edge-01'), item('edge-02')], purge=True, purge_prefix='edge-'), [
        Call('GET', LIST, body=listed(existing('edge-03'))),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
    ] + creates('edge-01') + [
        Call('POST', POST, status=500, body=error_body('internal error', 'disk full'), sent=body('edge-02')),
    ])
    assert result['failed'] is True
    assert result['msg'].startswith("authorization 'edge-02': create failed")
    assert result['created'] == ['edge-01']
    assert result['not_done'] == {'created': ['edge-02'], 'updated': [], 'deleted': ['edge-03']}
    assert result['tokens'] == {'edge-01': TOKENS['edge-01']}
