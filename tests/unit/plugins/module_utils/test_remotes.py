# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The plan: what to create, PATCH or delete, and the before/after it reports."""

from __future__ import annotations

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import OptionError
from ansible_collections.influxops.influxdb2.plugins.module_utils._remotes import Remotes
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import ORG_ID, api_remote


def plan_remote(current, desired, org_id, state='present', update_token='on_create'):
    # planning makes no request: no client
    return Remotes(None, org_id, update_token=update_token).plan(current, desired, state)


def from_api(value):
    return Remotes(None, ORG_ID).from_api(value)


def desired(**kwargs):
    result = dict(name='central', description=None, remote_url=None, remote_api_token=None, remote_org_id=None, allow_insecure_tls=None)
    result.update(kwargs)
    return result


def test_from_api_is_snake_case_and_stable():
    assert from_api(api_remote()) == dict(id='0a0b0c0d0e0f0102', org_id=ORG_ID, name='central', description=None,
                                          remote_url='https://central.example.com:8086', remote_org_id=None, allow_insecure_tls=False)
    assert from_api(None) == {}
    assert from_api(api_remote(description=''))['description'] == ''


def test_create_body_and_prediction():
    plan = plan_remote(None, desired(remote_url='https://c', remote_api_token='secret', remote_org_id='AAAAAAAAAAAAAAAA'), ORG_ID)
    assert plan.action == 'create'
    assert plan.body == dict(orgID=ORG_ID, name='central', remoteURL='https://c', remoteAPIToken='secret',
                             allowInsecureTLS=False, remoteOrgID='aaaaaaaaaaaaaaaa')
    assert plan.after == dict(id=None, org_id=ORG_ID, name='central', description=None, remote_url='https://c',
                              remote_org_id='aaaaaaaaaaaaaaaa', allow_insecure_tls=False)
    assert 'secret' not in repr(plan.after) and plan.before == {}


@pytest.mark.parametrize('missing', ['remote_url', 'remote_api_token'])
def test_create_needs_url_and_token(missing):
    values = dict(remote_url='https://c', remote_api_token='secret')
    values[missing] = None
    with pytest.raises(OptionError, match=missing):
        plan_remote(None, desired(**values), ORG_ID)


def test_unset_options_are_left_alone():
    plan = plan_remote(api_remote(description='kept', allow_insecure_tls=True), desired(), ORG_ID)
    assert plan.action == 'none' and plan.body is None and plan.before == plan.after


def test_only_differences_are_patched():
    current = api_remote(description='old', remote_org_id='abcdef0123456789')
    plan = plan_remote(current, desired(description='new', remote_url='https://central.example.com:8086',
                                        remote_org_id='ABCDEF0123456789', allow_insecure_tls=False), ORG_ID)
    assert plan.action == 'update'
    assert plan.body == {'description': 'new'}
    assert plan.after == dict(plan.before, description='new')


def test_empty_description_differs_from_none():
    plan = plan_remote(api_remote(), desired(description=''), ORG_ID)
    assert plan.body == {'description': ''}


def test_token_policy():
    current = api_remote()
    assert plan_remote(current, desired(remote_api_token='t'), ORG_ID).action == 'none'
    always = plan_remote(current, desired(remote_api_token='t'), ORG_ID, update_token='always')
    assert always.action == 'update' and always.body == {'remoteAPIToken': 't'} and always.before == always.after
    assert plan_remote(current, desired(), ORG_ID, update_token='always').action == 'none'


def test_absent():
    assert plan_remote(api_remote(), desired(), ORG_ID, state='absent').action == 'delete'
    plan = plan_remote(None, desired(), ORG_ID, state='absent')
    assert plan.action == 'none' and plan.before == plan.after == {}
