# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filters of Edge Data Replication: edr_central, edr_tokens and edr_remotes."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.influxops.influxdb2.plugins.filter.edr import (
    FilterModule,
    edr_authorizations,
    edr_central,
    edr_remotes,
    edr_tokens,
)

ORG_ID = '0a1b2c3d4e5f6a7b'


def edge_remotes(edge, central='central-1', **item):
    return [dict(dict(name='central', central=central, remote_url='http://central:8086', replications=[
        dict(name='telemetry-to-central', local_bucket='telemetry', remote_bucket='telemetry-' + edge),
        dict(name='logs-to-central', local_bucket='logs', remote_bucket='logs'),
    ]), **item)]


def test_the_filters_are_registered():
    assert sorted(FilterModule().filters()) == ['edr_authorizations', 'edr_central', 'edr_remotes', 'edr_tokens']


def test_central_takes_the_edges_that_send_to_it_and_their_buckets():
    remotes = {'edge-2': edge_remotes('edge-2'), 'edge-1': edge_remotes('edge-1'), 'edge-3': edge_remotes('edge-3', central='other'),
               'edge-4': None, 'edge-5': [dict(name='backup', remote_url='http://b:8086')]}
    assert edr_central(remotes, 'central-1') == [
        dict(edge='edge-1', remote='central', buckets=['logs', 'telemetry-edge-1']),
        dict(edge='edge-2', remote='central', buckets=['logs', 'telemetry-edge-2'])]


def test_central_leaves_out_what_is_absent():
    remotes = edge_remotes('edge-1')
    remotes[0]['replications'][1]['state'] = 'absent'
    assert edr_central({'edge-1': remotes, 'edge-2': edge_remotes('edge-2', state='absent')}, 'central-1') == [
        dict(edge='edge-1', remote='central', buckets=['telemetry-edge-1'])]


def test_central_takes_an_edge_without_replications_with_no_bucket():
    assert edr_central({'edge-1': [dict(name='central', central='central-1')]}, 'central-1') == [
        dict(edge='edge-1', remote='central', buckets=[])]


@pytest.mark.parametrize('remotes, fragment', [
    ({'edge-1': edge_remotes('edge-1') + [dict(name='again', central='central-1')]}, 'edge-1: influx_remotes has 2 remotes with central'),
    ({'edge-1': [dict(name='central', central='central-1', replications=[dict(name='r', remote_bucket_id='0' * 16)])]},
     "edge-1: replication 'r' of remote 'central' gives no remote_bucket"),
    ({'edge-1': 'central'}, 'influx_remotes of edge-1 must be a list'),
    (['edge-1'], 'edr_central takes a dict'),
])
def test_central_refuses_what_it_cannot_grant(remotes, fragment):
    with pytest.raises(AnsibleFilterError, match=fragment):
        edr_central(remotes, 'central-1')


EDGES = [dict(edge='edge-1', remote='central', buckets=['logs', 'telemetry-edge-1']),
         dict(edge='edge-2', remote='central', buckets=['logs', 'telemetry-edge-2'])]
BUCKETS = [dict(name='logs', id='000000000000001a', org_id=ORG_ID), dict(name='telemetry-edge-1', id='000000000000001b', org_id=ORG_ID),
           dict(name='telemetry-edge-2', id=None, org_id=ORG_ID), dict(name='_monitoring', id='000000000000001c', org_id=ORG_ID)]


def test_one_token_per_edge_write_on_exactly_its_buckets_by_id_or_predicted_name():
    assert edr_authorizations(EDGES, BUCKETS, 'edr:') == [
        dict(description='edr:edge-1', permissions=[
            dict(action='write', resource=dict(type='buckets', id='000000000000001a', org_id=ORG_ID)),
            dict(action='write', resource=dict(type='buckets', id='000000000000001b', org_id=ORG_ID))]),
        dict(description='edr:edge-2', permissions=[
            dict(action='write', resource=dict(type='buckets', id='000000000000001a', org_id=ORG_ID)),
            dict(action='write', resource=dict(type='buckets', name='telemetry-edge-2', org_id=ORG_ID))])]


@pytest.mark.parametrize('rotate, renewed', [
    (False, []), ('false', []), (True, ['edr:edge-1', 'edr:edge-2']), ('true', ['edr:edge-1', 'edr:edge-2']),
    (['edge-2'], ['edr:edge-2']), ('edge-2,edge-9', ['edr:edge-2']),
])
def test_rotated_edges_get_a_new_token_and_keep_the_old_one(rotate, renewed):
    items = edr_authorizations(EDGES, BUCKETS, 'edr:', rotate)
    assert [i['description'] for i in items if i.get('rotate') and i.get('keep_previous')] == renewed
    assert [i for i in items if 'rotate' in i and i['description'] not in renewed] == []


def test_a_bad_rotate_is_refused():
    with pytest.raises(AnsibleFilterError, match='influx_edr_rotate must be true, false or a list'):
        edr_authorizations(EDGES, BUCKETS, 'edr:', {'edge-1': True})


def test_tokens_by_edge_and_the_ids_kept_by_edge():
    result = dict(tokens={'edr:edge-1': 'token-1', 'edr:edge-2': 'token-2', 'other': 'x'}, previous_ids=['000000000000000A'],
                  authorizations=[
                      dict(id='000000000000000a', description='edr:edge-1 (rotated 2026-12-07T06:32:35Z)'),
                      dict(id='000000000000000b', description='edr:edge-2 (rotated 2026-12-01T06:32:35Z)'),
                      dict(id='000000000000000c', description='edr:edge-1')])
    assert edr_tokens(result, 'edr:') == dict(tokens={'edge-1': 'token-1', 'edge-2': 'token-2'},
                                              previous_ids={'edge-1': ['000000000000000a']},
                                              new_token_edges=['edge-1', 'edge-2'])


def test_tokens_of_a_dry_run_are_empty():
    result = dict(tokens={}, previous_ids=[], authorizations=[])
    assert edr_tokens(result, 'edr:') == dict(tokens={}, previous_ids={}, new_token_edges=[])


def test_a_dry_run_names_the_edges_whose_token_it_would_make():
    # edge-1's authorization is predicted (no ID yet), edge-2's exists, and other's is not of an edge
    result = dict(tokens={}, previous_ids=[], authorizations=[
        dict(id=None, description='edr:edge-1'), dict(id='000000000000000b', description='edr:edge-2'),
        dict(id=None, description='other')])
    assert edr_tokens(result, 'edr:') == dict(tokens={}, previous_ids={}, new_token_edges=['edge-1'])


def test_remotes_take_the_token_created_at_central_and_its_org():
    hostvars = {'central-1': dict(influx_central_edge_tokens={'edge-1': 'new-token'}, influx_central_org_id=ORG_ID,
                                  influx_central_previous_ids={})}
    converted = edr_remotes(edge_remotes('edge-1'), hostvars, 'edge-1')
    item = converted['remotes'][0]
    assert 'central' not in item
    assert (item['remote_api_token'], item['update_remote_api_token'], item['remote_org_id']) == ('new-token', 'always', ORG_ID)
    assert [r.get('validate') for r in item['replications']] == [None, None]
    assert converted['rotations'] == []
    assert converted['buckets'] == [dict(name='telemetry'), dict(name='logs')]


def test_a_rerun_gives_no_token_and_keeps_what_the_inventory_sets():
    hostvars = {'central-1': dict(influx_central_edge_tokens={}, influx_central_org_id=ORG_ID)}
    given = edge_remotes('edge-1', remote_org_id='1111111111111111')
    item = edr_remotes(given, hostvars, 'edge-1')['remotes'][0]
    assert 'remote_api_token' not in item and 'update_remote_api_token' not in item
    assert item['remote_org_id'] == '1111111111111111'
    assert given[0]['central'] == 'central-1'
    # the remote must exist already: if it is gone, the role asks central for a token
    assert edr_remotes(given, hostvars, 'edge-1')['tokenless'] == [dict(central='central-1', remote='central')]


def test_a_dry_run_in_which_central_would_make_the_token_leaves_no_remote_tokenless():
    # check mode: central predicts edge-1's token (which no one knows yet), not edge-2's
    hostvars = {'central-1': dict(influx_central_edge_tokens={}, influx_central_org_id=ORG_ID,
                                  influx_central_new_token_edges=['edge-1'])}
    converted = edr_remotes(edge_remotes('edge-1'), hostvars, 'edge-1')
    assert 'remote_api_token' not in converted['remotes'][0]
    assert converted['tokenless'] == []
    assert edr_remotes(edge_remotes('edge-2'), hostvars, 'edge-2')['tokenless'] == [dict(central='central-1', remote='central')]


def test_a_token_that_the_edge_play_made_at_central_wins_over_the_central_play():
    hostvars = {'central-1': dict(influx_central_edge_tokens={}, influx_central_org_id=ORG_ID)}
    converted = edr_remotes(edge_remotes('edge-1'), hostvars, 'edge-1', [], {'central-1': 'rebuilt-token'})
    item = converted['remotes'][0]
    assert (item['remote_api_token'], item['update_remote_api_token']) == ('rebuilt-token', 'always')
    assert [r.get('validate') for r in item['replications']] == [True, True]
    assert (converted['tokenless'], converted['rotations']) == ([], [])


def test_a_token_of_the_inventory_wins():
    hostvars = {'central-1': dict(influx_central_edge_tokens={'edge-1': 'new-token'}, influx_central_previous_ids={'edge-1': ['a']})}
    converted = edr_remotes(edge_remotes('edge-1', remote_api_token='vaulted'), hostvars, 'edge-1')
    assert converted['remotes'][0]['remote_api_token'] == 'vaulted' and 'update_remote_api_token' not in converted['remotes'][0]
    assert converted['rotations'] == []


def test_a_rotated_token_validates_the_replications_and_names_the_ids_to_delete():
    hostvars = {'central-1': dict(influx_central_edge_tokens={'edge-1': 'new-token'},
                                  influx_central_previous_ids={'edge-1': ['000000000000000a']})}
    remotes = edge_remotes('edge-1')
    remotes[0]['replications'][1]['state'] = 'absent'
    converted = edr_remotes(remotes, hostvars, 'edge-1')
    assert [r.get('validate') for r in converted['remotes'][0]['replications']] == [True, None]
    assert converted['rotations'] == [dict(central='central-1', remote='central', previous_ids=['000000000000000a'])]
    assert converted['buckets'] == [dict(name='telemetry')]


def test_listed_buckets_keep_their_settings_and_come_first():
    converted = edr_remotes(edge_remotes('edge-1'), {'central-1': {}}, 'edge-1', [dict(name='logs', retention='7d'), dict(name='extra')])
    assert converted['buckets'] == [dict(name='logs', retention='7d'), dict(name='extra'), dict(name='telemetry')]


def test_remotes_without_central_are_left_as_they_are():
    item = dict(name='backup', remote_url='http://b:8086', remote_api_token='t')
    assert edr_remotes([item], {}, 'edge-1') == dict(remotes=[item], buckets=[], rotations=[], tokenless=[])


def test_a_central_that_is_not_in_the_inventory_is_refused():
    with pytest.raises(AnsibleFilterError, match="edge-1: remote 'central' names central: central-1, which is not a host"):
        edr_remotes(edge_remotes('edge-1'), {}, 'edge-1')
