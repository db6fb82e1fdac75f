# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""influx_remotes' main(): one list request, then only the writes needed, in order."""

from __future__ import annotations

import json

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils._remotes import TOKEN_AFTER, TOKEN_BEFORE
from ansible_collections.influxops.influxdb2.plugins.modules import influx_remotes
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    ORG_ID,
    TOKEN,
    Call,
    api_remote,
    error_body,
    warnings_of,
)

LIST = '/api/v2/remotes?orgID=' + ORG_ID
ORG = '/api/v2/orgs/' + ORG_ID
IDS = dict(alpha='000000000000000a', bravo='000000000000000b', charlie='000000000000000c', delta='000000000000000d')
SECRET = 'set-secret-token-5150'
# a token that shares no four characters with any text of the module
ROTATED = 'Zq9xK2vW8pL4mN7rYb3T'


def remote(name, **kwargs):
    return api_remote(name=name, remote_id=IDS[name], remote_url='https://%s.example.com' % name, **kwargs)


def item(name, **kwargs):
    result = dict(name=name, remote_url='https://%s.example.com' % name, remote_api_token=SECRET)
    result.update(kwargs)
    return result


@pytest.fixture
def run(run_main):
    def run(args, calls, **kwargs):
        base_args = dict(token=TOKEN) if 'org' in args else dict(token=TOKEN, org_id=ORG_ID)
        return run_main(influx_remotes, args, calls, secrets=[TOKEN, SECRET, ROTATED], base_args=base_args, **kwargs)
    return run


def test_noop_over_many_remotes_is_one_request(run):
    existing = [remote(name) for name in ('delta', 'alpha', 'charlie', 'bravo')]
    result, server = run(dict(remotes=[item(name) for name in IDS], purge=True), [Call('GET', LIST, body={'remotes': existing})])
    assert result['changed'] is False
    assert [r['name'] for r in result['remotes']] == ['alpha', 'bravo', 'charlie', 'delta']
    assert (result['created'], result['updated'], result['deleted']) == ([], [], [])
    assert result['diff'] == {'before': result['diff']['before'], 'after': result['diff']['before']}
    assert len(server.seen) == 1


def test_noop_with_org_name_is_two_requests(run):
    result, server = run(dict(org='edge', remotes=[item('alpha')]), [
        Call('GET', '/api/v2/orgs?org=edge', body={'orgs': [{'id': ORG_ID, 'name': 'edge'}]}),
        Call('GET', LIST, body={'remotes': [remote('alpha')]})])
    assert result['changed'] is False and len(server.seen) == 2


MIXED = dict(purge=True, remotes=[item('alpha', description='new'), item('bravo'), item('charlie'), dict(name='delta', state='absent')])


def mixed_calls(writes=True):
    calls = [Call('GET', LIST, body={'remotes': [remote('alpha'), remote('charlie'), remote('delta'), api_remote(name='zombie')]}),
             Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'})]
    if writes:
        calls += [
            Call('PATCH', '/api/v2/remotes/' + IDS['alpha'], body=remote('alpha', description='new'), sent={'description': 'new'}),
            Call('POST', '/api/v2/remotes', status=201, body=remote('bravo')),
            Call('DELETE', '/api/v2/remotes/' + IDS['delta'], status=204),
            Call('DELETE', '/api/v2/remotes/0a0b0c0d0e0f0102', status=204),
        ]
    return calls


def test_mixed_set_writes_only_what_is_needed(run):
    result, server = run(MIXED, mixed_calls())
    assert result['changed'] is True
    assert result['created'] == ['bravo']
    assert result['updated'] == ['alpha']
    assert result['deleted'] == ['delta', 'zombie']
    assert [r['name'] for r in result['remotes']] == ['alpha', 'bravo', 'charlie']
    assert sorted(result['diff']['before']) == ['alpha', 'charlie', 'delta', 'zombie']
    assert sorted(result['diff']['after']) == ['alpha', 'bravo', 'charlie']
    assert result['diff']['after']['alpha']['description'] == 'new'


def test_mixed_set_in_check_mode_predicts_the_same_without_writes(run):
    result, server = run(MIXED, mixed_calls(writes=False), check_mode=True)
    assert server.writes == []
    assert (result['created'], result['updated'], result['deleted']) == (['bravo'], ['alpha'], ['delta', 'zombie'])
    assert [r['name'] for r in result['remotes']] == ['alpha', 'bravo', 'charlie']
    assert result['diff']['after']['bravo']['id'] is None
    assert 'missing_remote_api_token' not in result  # bravo has its token


def test_deletes_come_after_creates_and_updates_whatever_the_order_of_the_list(run):
    result, server = run(dict(remotes=[dict(name='delta', state='absent'), item('bravo')]), [
        Call('GET', LIST, body={'remotes': [remote('delta')]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', '/api/v2/remotes', status=201, body=remote('bravo')),
        Call('DELETE', '/api/v2/remotes/' + IDS['delta'], status=204)])
    assert (result['created'], result['deleted']) == (['bravo'], ['delta'])


def test_without_purge_others_are_left_alone(run):
    result, server = run(dict(remotes=[item('alpha')]), [Call('GET', LIST, body={'remotes': [remote('alpha'), remote('bravo')]})])
    assert result['changed'] is False and [r['name'] for r in result['remotes']] == ['alpha', 'bravo']


def test_purge_with_empty_list_deletes_everything(run):
    result, server = run(dict(purge=True), [
        Call('GET', LIST, body={'remotes': [remote('alpha')]}),
        Call('DELETE', '/api/v2/remotes/' + IDS['alpha'], status=204)])
    assert result['deleted'] == ['alpha'] and result['remotes'] == []


def test_duplicate_names_fail_before_any_request(run):
    result, server = run(dict(remotes=[item('alpha'), item('bravo'), item('alpha')]), [])
    assert result['failed'] is True
    assert "remotes[2].name: 'alpha' is in remotes more than once" in result['msg']
    assert server.seen == []


@pytest.mark.parametrize('bad, fragment', [
    (dict(remote_url='nope'), 'remotes[1].remote_url must be an absolute'),
    (dict(remote_org_id='12'), 'remotes[1].remote_org_id must be an InfluxDB ID'),
    (dict(name=''), 'remotes[1].name must not be empty'),
    (dict(state='absent'), 'remotes[1].state=absent'),
])
def test_bad_items_fail_before_any_request(run, bad, fragment):
    result, server = run(dict(remotes=[item('alpha'), dict(item('bravo'), **bad)]), [])
    assert result['failed'] is True and fragment in result['msg'] and server.seen == []


def test_a_remote_that_cannot_be_created_stops_before_any_write(run):
    result, server = run(dict(remotes=[item('alpha', description='x'), dict(name='bravo')]), [
        Call('GET', LIST, body={'remotes': [remote('alpha')]})])
    assert result['failed'] is True
    assert "remote 'bravo' does not exist" in result['msg']
    assert server.writes == []


def test_failure_midway_reports_what_was_and_was_not_done(run):
    in_use = error_body('internal error', 'remote-connection cannot be deleted as a replication references it')
    result, server = run(dict(purge=True, remotes=[item('alpha'), item('bravo')]), [
        Call('GET', LIST, body={'remotes': [remote('charlie'), remote('delta')]}),
        Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'}),
        Call('POST', '/api/v2/remotes', status=201, body=remote('alpha')),
        Call('POST', '/api/v2/remotes', status=201, body=remote('bravo')),
        Call('DELETE', '/api/v2/remotes/' + IDS['charlie'], status=500, body=in_use),
    ])
    assert result['failed'] is True and result['changed'] is True
    assert result['msg'].startswith("remote 'charlie': delete failed")
    assert 'a replication still uses it' in result['msg']
    assert result['created'] == ['alpha', 'bravo'] and result['deleted'] == []
    assert result['not_done'] == dict(created=[], updated=[], deleted=['charlie', 'delta'])


def test_token_always_updates_every_remote_with_a_token(run):
    result, server = run(dict(update_remote_api_token='always', remotes=[item('alpha'), dict(name='bravo')]), [
        Call('GET', LIST, body={'remotes': [remote('alpha'), remote('bravo')]}),
        Call('PATCH', '/api/v2/remotes/' + IDS['alpha'], body=remote('alpha'), sent={'remoteAPIToken': SECRET})])
    assert result['updated'] == ['alpha'] and result['changed'] is True


def test_token_always_diff_shows_which_remotes_get_the_token(run):
    # alpha has its token replaced, bravo is given none, charlie is created with its token
    args = dict(update_remote_api_token='always', remotes=[item('alpha', remote_api_token=ROTATED), dict(name='bravo'), item('charlie')])
    calls = [Call('GET', LIST, body={'remotes': [remote('alpha'), remote('bravo')]}), Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'})]
    result, server = run(args, calls + [
        Call('PATCH', '/api/v2/remotes/' + IDS['alpha'], body=remote('alpha'), sent={'remoteAPIToken': ROTATED}),
        Call('POST', '/api/v2/remotes', status=201, body=remote('charlie'))])
    checked, server = run(args, calls, check_mode=True, read_only=True)
    for diff in result['diff'], checked['diff']:
        before, after = diff['before'], diff['after']
        assert sorted(before) == ['alpha', 'bravo'] and sorted(after) == ['alpha', 'bravo', 'charlie']
        assert before['alpha'] == dict(after['alpha'], remote_api_token=TOKEN_BEFORE)
        assert after['alpha']['remote_api_token'] == TOKEN_AFTER
        assert after['charlie']['remote_api_token'] == TOKEN_AFTER
        assert 'remote_api_token' not in before['bravo'] and before['bravo'] == after['bravo']
        assert diff['after_header'] == ("the remote_api_token of remote(s) 'alpha' is replaced with the task's; the server never "
                                        "returns a token, so whether it differs is unknown")
        assert [piece for piece in (ROTATED[start:start + 4] for start in range(len(ROTATED) - 3)) if piece in json.dumps(diff)] == []
    assert checked['diff']['before'] == result['diff']['before']
    assert dict(checked['diff']['after']['charlie'], id=IDS['charlie']) == result['diff']['after']['charlie']
    assert ['remote_api_token' in r for r in result['remotes'] + checked['remotes']] == [False] * 6


def test_token_on_create_diff_has_no_token_line_for_existing_remotes(run):
    result, server = run(dict(remotes=[item('alpha', description='new'), item('bravo')]), [
        Call('GET', LIST, body={'remotes': [remote('alpha'), remote('bravo')]}),
        Call('PATCH', '/api/v2/remotes/' + IDS['alpha'], body=remote('alpha', description='new'), sent={'description': 'new'})])
    assert 'remote_api_token' not in json.dumps(result['diff'])
    assert 'after_header' not in result['diff']


def test_token_always_on_one_item_updates_only_that_remote(run):
    # the module option is on_create; the item's own option overrides it for that item only
    result, server = run(dict(remotes=[item('alpha', update_remote_api_token='always', remote_api_token=ROTATED), item('bravo')]), [
        Call('GET', LIST, body={'remotes': [remote('alpha'), remote('bravo')]}),
        Call('PATCH', '/api/v2/remotes/' + IDS['alpha'], body=remote('alpha'), sent={'remoteAPIToken': ROTATED})])
    assert (result['updated'], result['changed']) == (['alpha'], True)
    assert result['diff']['after']['alpha']['remote_api_token'] == TOKEN_AFTER
    assert 'remote_api_token' not in result['diff']['after']['bravo']


def test_token_on_create_on_one_item_overrides_always(run):
    result, server = run(dict(update_remote_api_token='always',
                              remotes=[item('alpha', update_remote_api_token='on_create'), item('bravo')]), [
        Call('GET', LIST, body={'remotes': [remote('alpha'), remote('bravo')]}),
        Call('PATCH', '/api/v2/remotes/' + IDS['bravo'], body=remote('bravo'), sent={'remoteAPIToken': SECRET})])
    assert result['updated'] == ['bravo']


def test_a_bad_item_token_policy_fails_before_any_request(run):
    result, server = run(dict(remotes=[item('alpha', update_remote_api_token='sometimes')]), [])
    assert result['failed'] is True and 'update_remote_api_token' in result['msg'] and server.seen == []


def test_check_mode_predicts_a_remote_whose_token_is_not_known_yet(run):
    args = dict(remotes=[item('alpha'), dict(item('bravo'), remote_api_token=None)])
    result, server = run(args, [Call('GET', LIST, body={'remotes': [remote('alpha')]}), Call('GET', ORG, body={'id': ORG_ID, 'name': 'edge'})],
                         check_mode=True, read_only=True)
    assert (result['changed'], result['created']) == (True, ['bravo'])
    assert result['diff']['after']['bravo'] == dict(id=None, org_id=ORG_ID, name='bravo', description=None,
                                                    remote_url='https://bravo.example.com', remote_org_id=None,
                                                    allow_insecure_tls=False)
    assert [w for w in warnings_of(result) if 'bravo' in w] == [
        "remote 'bravo' does not exist in organization %s and remote_api_token is not set: in check mode, the remote is "
        "predicted without it; the real run fails before any write unless remotes[1].remote_api_token is set (by the task, or "
        "by an earlier task or play that creates the token, as the central role does), and names it in missing_remote_api_token "
        "(the remotes role then makes the token at the central host)" % ORG_ID]
    assert result['missing_remote_api_token'] == ['bravo']


def test_a_remote_whose_token_is_not_known_fails_the_real_run_before_any_write(run):
    args = dict(remotes=[item('alpha', description='new'), dict(item('bravo'), remote_api_token=None)])
    result, server = run(args, [Call('GET', LIST, body={'remotes': [remote('alpha')]})], read_only=True)
    assert result['failed'] is True
    assert result['msg'] == "remote 'bravo' does not exist in organization %s; to create it, set remotes[1].remote_api_token" % ORG_ID
    assert result['missing_remote_api_token'] == ['bravo']


def test_check_mode_still_fails_a_remote_without_url(run):
    result, server = run(dict(remotes=[dict(name='bravo')]), [Call('GET', LIST, body={'remotes': []})], check_mode=True)
    assert result['failed'] is True and 'set remote_url and remote_api_token' in result['msg']
