# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""influx_authorization_info's main(): one request, its filters, and never a token."""

from __future__ import annotations

import functools

import pytest

from ansible_collections.influxops.influxdb2.plugins.modules import influx_authorization_info
from ansible_collections.influxops.influxdb2.tests.unit.plugins.echoes import leaks
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    AUTHORIZATION_ID,
    ORG_ID,
    OTHER_ORG_ID,
    TOKEN,
    Call,
    api_authorization,
    error_body,
)

LIST = '/api/v2/authorizations?orgID=' + ORG_ID
ONE = '/api/v2/authorizations/' + AUTHORIZATION_ID
# tokens that a server without token hashing lists
LISTED = ['Pla1n-token-listed-by-a-2.7-server-%d' % number for number in range(3)]
ALL = [api_authorization('edge-02', '0d0d0d0d0d0d0d02', token=LISTED[0]),
       api_authorization('edge-01', '0d0d0d0d0d0d0d03', user='edge', user_id='0f0f0f0f0f0f0f02', token=LISTED[1]),
       api_authorization('edge-01', AUTHORIZATION_ID, token=LISTED[2])]


@pytest.fixture
def run(run_main):
    return functools.partial(run_main, influx_authorization_info, secrets=[TOKEN] + LISTED, read_only=True,
                             base_args=dict(token=TOKEN, org_id=ORG_ID))


def test_lists_every_authorization_sorted_in_one_request_without_tokens(run):
    result, server = run({}, [Call('GET', LIST, body={'authorizations': ALL})])
    assert result['changed'] is False
    assert [(a['description'], a['id']) for a in result['authorizations']] == [
        ('edge-01', AUTHORIZATION_ID), ('edge-01', '0d0d0d0d0d0d0d03'), ('edge-02', '0d0d0d0d0d0d0d02')]
    assert sorted(result['authorizations'][0]) == ['description', 'id', 'org_id', 'permissions', 'status', 'user', 'user_id']
    assert len(server.seen) == 1
    assert all(leaks(result, token) == [] for token in LISTED)


def test_filters_by_description_and_user_here(run):
    result, server = run(dict(description='edge-01', user='edge'), [Call('GET', LIST, body={'authorizations': ALL})])
    assert [a['id'] for a in result['authorizations']] == ['0d0d0d0d0d0d0d03']
    # InfluxDB has no description filter, and its user filter fails on an unknown name: neither is sent
    assert server.seen[0]['query'] == {'orgID': [ORG_ID]}


def test_empty_filters_are_no_filters(run):
    result, server = run(dict(description='', user='', id=''), [Call('GET', LIST, body={'authorizations': ALL})])
    assert len(result['authorizations']) == 3


def test_nothing_is_an_empty_list(run):
    result, server = run({}, [Call('GET', LIST, body={'authorizations': []})])
    assert result['authorizations'] == []


def test_by_id_is_one_request_and_needs_no_org(run):
    result, server = run(dict(id=AUTHORIZATION_ID.upper(), org_id=None), [Call('GET', ONE, body=ALL[2])])
    assert [a['id'] for a in result['authorizations']] == [AUTHORIZATION_ID]


@pytest.mark.parametrize('args', [dict(org_id=OTHER_ORG_ID), dict(description='edge-02'), dict(user='edge')])
def test_by_id_with_filters_it_does_not_pass(run, args):
    result, server = run(dict(args, id=AUTHORIZATION_ID), [Call('GET', ONE, body=ALL[2])])
    assert result['authorizations'] == []


def test_an_unknown_id_is_an_empty_list(run):
    result, server = run(dict(id=AUTHORIZATION_ID), [Call('GET', ONE, status=404, body=error_body('not found', 'authorization not found'))])
    assert result['authorizations'] == []


def test_an_answer_of_another_shape_fails_without_its_tokens(run):
    result, server = run({}, [Call('GET', LIST, body={'authorizations': [dict(ALL[0], permissions=None)] + ALL[1:]})])
    assert result['failed'] is True
    assert 'an authorization object with permissions as a list' in result['msg']
    assert all(leaks(result, token) == [] for token in LISTED)


def test_a_bad_id_fails_before_any_request(run):
    result, server = run(dict(id='nope'), [])
    assert result['failed'] is True
    assert 'id must be an InfluxDB ID' in result['msg']
