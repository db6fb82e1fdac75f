# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""influx_remotes with replications under the remotes: the request floor of a no-op, the order of
the writes, moves, purge, check mode, the diff and a failure midway."""

from __future__ import annotations

import json

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils._remotes import TOKEN_AFTER, TOKEN_BEFORE
from ansible_collections.influxops.influxdb2.plugins.modules import influx_remotes
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    BUCKET_ID,
    ORG_ID,
    OTHER_BUCKET_ID,
    TOKEN,
    Call,
    api_bucket,
    api_remote,
    api_replication,
    error_body,
    warnings_of,
)

REMOTES = '/api/v2/remotes?orgID=' + ORG_ID
REPLICATIONS = '/api/v2/replications?orgID=' + ORG_ID
ORG_CHECK = Call('GET', '/api/v2/orgs/' + ORG_ID, body={'id': ORG_ID, 'name': 'edge'})
IDS = dict(alpha='000000000000000a', bravo='000000000000000b', charlie='000000000000000c')
REPLICATION_IDS = dict(('r%d' % n, '00000000000001%02x' % n) for n in range(1, 13))
SECRET = 'set-secret-token-6160'


def buckets_page(offset, buckets):
    return Call('GET', '/api/v2/buckets?orgID=%s&limit=100&offset=%d' % (ORG_ID, offset), body={'links': {}, 'buckets': buckets})


def remote(name, **kwargs):
    return api_remote(name=name, remote_id=IDS[name], remote_url='https://%s.example.com' % name, **kwargs)


def replication(name, on, **kwargs):
    return api_replication(name=name, replication_id=REPLICATION_IDS[name], remote_id=IDS[on], **kwargs)


def item(name, replications=None, **kwargs):
    result = dict(name=name, remote_url='https://%s.example.com' % name, remote_api_token=SECRET)
    if replications is not None:
        result['replications'] = replications
    result.update(kwargs)
    return result


def declared(name, **kwargs):
    result = dict(name=name, local_bucket_id=BUCKET_ID, remote_bucket='telemetry')
    result.update(kwargs)
    return result


def listed(remotes, replications):
    return [Call('GET', REMOTES, body={'remotes': remotes}), Call('GET', REPLICATIONS, body={'replications': replications or None})]


@pytest.fixture
def run(run_main):
    def run(args, calls, **kwargs):
        base_args = dict(token=TOKEN) if 'org' in args else dict(token=TOKEN, org_id=ORG_ID)
        result, server = run_main(influx_remotes, args, calls, secrets=[TOKEN, SECRET], base_args=base_args, **kwargs)
        # the diff never holds a status
        assert 'current_queue_size_bytes' not in json.dumps(result.get('diff', {}))
        return result, server
    return run


def many():
    """Three remotes with four replications each, as the server has them and as a task declares them."""
    names = sorted(REPLICATION_IDS)
    on = dict((name, ('alpha', 'bravo', 'charlie')[index // 4]) for index, name in enumerate(names))
    existing = [replication(name, on[name]) for name in names]
    items = [item(r, [declared(name) for name in names if on[name] == r]) for r in ('alpha', 'bravo', 'charlie')]
    return existing, items


def test_noop_with_replications_and_org_id_is_two_requests(run):
    existing, items = many()
    result, server = run(dict(purge=True, remotes=items),
                         listed([remote('charlie'), remote('alpha'), remote('bravo')], existing), read_only=True)
    assert result['changed'] is False
    assert len(server.seen) == 2
    assert (result['created'], result['updated'], result['deleted']) == ([], [], [])
    assert (result['replications_created'], result['replications_updated'], result['replications_deleted']) == ([], [], [])
    assert [r['name'] for r in result['remotes']] == ['alpha', 'bravo', 'charlie']
    assert [r['name'] for r in result['remotes'][0]['replications']] == ['r1', 'r10', 'r11', 'r12']
    assert result['diff']['before'] == result['diff']['after']
    assert sorted(result['diff']['after']['bravo']['replications']) == ['r2', 'r3', 'r4', 'r5']


def test_noop_with_bucket_names_adds_one_buckets_list(run):
    existing, items = many()
    for each in items:
        for options in each['replications']:
            del options['local_bucket_id']
            options['local_bucket'] = 'telemetry'
    result, server = run(dict(remotes=items), listed([remote('alpha'), remote('bravo'), remote('charlie')], existing) + [
        buckets_page(0, [api_bucket(), api_bucket(name='other', bucket_id=OTHER_BUCKET_ID)])], read_only=True)
    assert result['changed'] is False
    assert len(server.seen) == 3


def test_bucket_names_cost_one_request_per_hundred_buckets(run):
    page = [api_bucket(name='b%03d' % n, bucket_id='0b0b0b0b0b0b%04x' % n) for n in range(100)]
    options = declared('r1', local_bucket='telemetry')
    del options['local_bucket_id']
    result, server = run(dict(remotes=[item('alpha', [options])]), listed([remote('alpha')], [replication('r1', 'alpha')]) + [
        buckets_page(0, page), buckets_page(100, [api_bucket()])], read_only=True)
    assert result['changed'] is False
    assert len(server.seen) == 4


def test_noop_with_org_by_name_adds_one_request(run):
    existing, items = many()
    result, server = run(dict(org='edge', remotes=items), [
        Call('GET', '/api/v2/orgs?org=edge', body={'orgs': [{'id': ORG_ID, 'name': 'edge'}]})]
        + listed([remote('alpha'), remote('bravo'), remote('charlie')], existing), read_only=True)
    assert result['changed'] is False
    assert len(server.seen) == 3


def test_unknown_bucket_name_fails_before_any_write(run):
    options = declared('r1', local_bucket='nope')
    del options['local_bucket_id']
    result, server = run(dict(remotes=[item('alpha', [options])]), listed([], []) + [buckets_page(0, [api_bucket()])])
    assert result['failed'] is True
    assert "bucket 'nope' not found" in result['msg'] and 'remotes[0].replications[0].local_bucket' in result['msg']
    assert server.writes == []


def test_unknown_bucket_name_in_check_mode_is_predicted_with_no_id(run):
    # a fresh instance: an earlier task of the play creates the bucket and the remote
    options = declared('r1', local_bucket='nope')
    del options['local_bucket_id']
    result, server = run(dict(remotes=[item('alpha', [options])]), listed([], []) + [buckets_page(0, [api_bucket()]), ORG_CHECK],
                         check_mode=True, read_only=True)
    assert 'failed' not in result
    assert (result['created'], result['replications_created']) == (['alpha'], ['r1'])
    predicted = result['remotes'][0]['replications'][0]
    assert (predicted['id'], predicted['remote_id'], predicted['local_bucket_id']) == (None, None, None)
    assert warnings_of(result) == [
        "bucket 'nope' not found in organization %s: in check mode, remotes[0].replications[0].local_bucket is predicted with no "
        "ID (local_bucket_id null); the real run fails unless an earlier task creates the bucket" % ORG_ID]


def test_bare_instance_in_check_mode_predicts_a_remote_without_token_and_its_replications(run):
    # a bare edge whose remote token an earlier play creates at central in the real run only
    options = declared('r1', local_bucket='telemetry')
    del options['local_bucket_id']
    result, server = run(dict(remotes=[item('alpha', [options], remote_api_token=None)]), listed([], []) + [buckets_page(0, []), ORG_CHECK],
                         check_mode=True, read_only=True)
    assert (result['created'], result['replications_created']) == (['alpha'], ['r1'])
    assert [r['remote_id'] for r in result['remotes'][0]['replications']] == [None]
    assert [w.split(':')[0] for w in warnings_of(result)] == [
        "remote 'alpha' does not exist in organization %s and remote_api_token is not set" % ORG_ID,
        "bucket 'telemetry' not found in organization %s" % ORG_ID]
    assert 'remote_api_token' not in json.dumps(result['diff'])


CREATE_BODY = {'orgID': ORG_ID, 'name': 'r1', 'remoteID': IDS['alpha'], 'localBucketID': BUCKET_ID,
               'remoteBucketName': 'telemetry', 'maxQueueSizeBytes': 67108860, 'maxAgeSeconds': 604800,
               'dropNonRetryableData': False}


def test_a_new_remote_gets_its_replications_with_its_new_id(run):
    result, server = run(dict(remotes=[item('alpha', [declared('r1')])]), listed([], []) + [
        ORG_CHECK,
        Call('POST', '/api/v2/remotes', status=201, body=remote('alpha')),
        Call('POST', '/api/v2/replications', status=201, body=replication('r1', 'alpha'), sent=CREATE_BODY),
    ])
    assert result['changed'] is True
    assert result['created'] == ['alpha'] and result['replications_created'] == ['r1']
    assert result['remotes'][0]['replications'][0]['remote_id'] == IDS['alpha']
    assert result['diff']['before'] == {}
    assert result['diff']['after']['alpha']['replications']['r1']['id'] == REPLICATION_IDS['r1']


def test_a_new_remote_and_its_replications_in_check_mode(run):
    result, server = run(dict(remotes=[item('alpha', [declared('r1', validate=True)])]), listed([], []) + [ORG_CHECK],
                         check_mode=True, read_only=True)
    assert result['changed'] is True
    assert result['created'] == ['alpha'] and result['replications_created'] == ['r1']
    predicted = result['remotes'][0]
    assert predicted['id'] is None
    assert predicted['replications'][0]['id'] is None and predicted['replications'][0]['remote_id'] is None
    assert result['diff']['after']['alpha']['replications']['r1']['remote_id'] is None
    assert result['replications_validated'] == []
    assert any('cannot be validated' in w for w in warnings_of(result))


def test_a_replication_found_under_another_remote_is_moved(run):
    result, server = run(dict(remotes=[item('alpha', [declared('r1')]), item('bravo')]),
                         listed([remote('alpha'), remote('bravo')], [replication('r1', 'bravo')]) + [
        Call('PATCH', '/api/v2/replications/' + REPLICATION_IDS['r1'], body=replication('r1', 'alpha'),
             sent={'remoteID': IDS['alpha']})])
    assert result['changed'] is True
    assert result['replications_updated'] == ['r1'] and result['updated'] == []
    assert result['diff']['before']['bravo']['replications'] == {'r1': result['diff']['before']['bravo']['replications']['r1']}
    assert sorted(result['diff']['after']['alpha']['replications']) == ['r1']
    assert result['diff']['after']['bravo']['replications'] == {}


def test_purge_order_and_queue_loss(run):
    # alpha keeps r1, gains r2 and loses r3; charlie is purged with r4; r5 moves from charlie to bravo
    existing = [replication('r1', 'alpha'), replication('r3', 'alpha'), replication('r4', 'charlie', remainingBytesToBeSynced=42),
                replication('r5', 'charlie')]
    args = dict(purge=True, remotes=[item('alpha', [declared('r1'), declared('r2')]), item('bravo', [declared('r5')])])
    created = dict(CREATE_BODY, name='r2')
    calls = listed([remote('alpha'), remote('bravo'), remote('charlie')], existing) + [
        ORG_CHECK,
        Call('POST', '/api/v2/replications', status=201, body=replication('r2', 'alpha'), sent=created),
        Call('PATCH', '/api/v2/replications/' + REPLICATION_IDS['r5'], body=replication('r5', 'bravo'),
             sent={'remoteID': IDS['bravo']}),
        Call('DELETE', '/api/v2/replications/' + REPLICATION_IDS['r3'], status=204),
        Call('DELETE', '/api/v2/replications/' + REPLICATION_IDS['r4'], status=204),
        Call('DELETE', '/api/v2/remotes/' + IDS['charlie'], status=204),
    ]
    result, server = run(args, calls)
    assert result['changed'] is True
    assert (result['created'], result['updated'], result['deleted']) == ([], [], ['charlie'])
    assert result['replications_created'] == ['r2']
    assert result['replications_updated'] == ['r5']
    assert result['replications_deleted'] == ['r3', 'r4']
    warnings = warnings_of(result)
    assert any("'r3' loses the data queued" in w for w in warnings)
    assert any("'r4' loses the data queued" in w and '42 bytes' in w for w in warnings)
    assert "'r3', 'r4'" in result['diff']['after_header'] and 'lost' in result['diff']['after_header']
    assert sorted(result['diff']['after']) == ['alpha', 'bravo']
    assert sorted(result['diff']['after']['alpha']['replications']) == ['r1', 'r2']

    checked, server = run(args, calls[:3], check_mode=True, read_only=True)
    for key in ('created', 'updated', 'deleted', 'replications_created', 'replications_updated', 'replications_deleted'):
        assert checked[key] == result[key]
    assert checked['diff']['after']['alpha']['replications']['r2']['id'] is None
    assert checked['diff']['after_header'] == result['diff']['after_header']


def test_items_without_replications_keep_theirs_even_with_purge(run):
    result, server = run(dict(purge=True, remotes=[item('alpha', []), item('bravo')]),
                         listed([remote('alpha'), remote('bravo')], [replication('r1', 'alpha'), replication('r2', 'bravo')]) + [
        Call('DELETE', '/api/v2/replications/' + REPLICATION_IDS['r1'], status=204)])
    assert result['replications_deleted'] == ['r1']
    assert [r['name'] for r in result['remotes'][1]['replications']] == ['r2']


def test_without_purge_undeclared_replications_stay(run):
    result, server = run(dict(remotes=[item('alpha', [declared('r1')])]),
                         listed([remote('alpha')], [replication('r1', 'alpha'), replication('r2', 'alpha')]), read_only=True)
    assert result['changed'] is False
    assert [r['name'] for r in result['remotes'][0]['replications']] == ['r1', 'r2']


def test_an_absent_remote_with_an_empty_list_goes_with_its_replications(run):
    result, server = run(dict(remotes=[dict(name='alpha', state='absent', replications=[])]),
                         listed([remote('alpha')], [replication('r1', 'alpha')]) + [
        Call('DELETE', '/api/v2/replications/' + REPLICATION_IDS['r1'], status=204),
        Call('DELETE', '/api/v2/remotes/' + IDS['alpha'], status=204)])
    assert result['deleted'] == ['alpha'] and result['replications_deleted'] == ['r1']
    assert result['remotes'] == []


def test_a_replication_declared_absent_is_deleted(run):
    result, server = run(dict(remotes=[item('alpha', [dict(name='r1', state='absent'), dict(name='r2', state='absent')])]),
                         listed([remote('alpha')], [replication('r1', 'alpha')]) + [
        Call('DELETE', '/api/v2/replications/' + REPLICATION_IDS['r1'], status=204)])
    assert result['replications_deleted'] == ['r1']


def test_changes_are_patched_and_validated(run):
    result, server = run(dict(remotes=[item('alpha', [declared('r1', description='edge', validate=True)])]),
                         listed([remote('alpha')], [replication('r1', 'alpha')]) + [
        Call('PATCH', '/api/v2/replications/' + REPLICATION_IDS['r1'], body=replication('r1', 'alpha', description='edge'),
             sent={'description': 'edge'}),
        Call('POST', '/api/v2/replications/%s/validate' % REPLICATION_IDS['r1'], status=204)])
    assert result['replications_updated'] == ['r1'] and result['replications_validated'] == ['r1']
    assert result['remotes'][0]['replications'][0]['description'] == 'edge'


def test_a_refused_validation_fails_with_what_was_done(run):
    refused = error_body('invalid', 'replication failed validation: invalid response code 401, must be 204: unauthorized')
    result, server = run(dict(remotes=[item('alpha', [declared('r1', validate=True)])]),
                         listed([remote('alpha')], [replication('r1', 'alpha')]) + [
        Call('POST', '/api/v2/replications/%s/validate' % REPLICATION_IDS['r1'], status=400, body=refused)])
    assert result['failed'] is True
    assert result['msg'].startswith("replication 'r1': validation failed") and 'the remote answered 401' in result['msg']


def test_failure_midway_reports_remotes_and_replications(run):
    result, server = run(dict(purge=True, remotes=[item('alpha', [declared('r1'), declared('r2')])]),
                         listed([remote('bravo')], []) + [
        ORG_CHECK,
        Call('POST', '/api/v2/remotes', status=201, body=remote('alpha')),
        Call('POST', '/api/v2/replications', status=201, body=replication('r1', 'alpha')),
        Call('POST', '/api/v2/replications', status=400, body=error_body('invalid', 'bad')),
    ])
    assert result['failed'] is True and result['changed'] is True
    assert result['msg'].startswith("replication 'r2': create failed")
    assert result['created'] == ['alpha'] and result['replications_created'] == ['r1']
    assert result['not_done'] == dict(created=[], updated=[], deleted=['bravo'], replications_created=['r2'],
                                      replications_updated=[], replications_deleted=[])


def test_local_bucket_change_needs_replace(run):
    args = dict(remotes=[item('alpha', [declared('r1', local_bucket_id=OTHER_BUCKET_ID)])])
    result, server = run(args, listed([remote('alpha')], [replication('r1', 'alpha')]))
    assert result['failed'] is True and 'remotes[0].replications[0].replace=true' in result['msg']
    assert server.writes == []
    args['remotes'][0]['replications'][0]['replace'] = True
    # no check of the org, where the replication was found (as influx_replication)
    result, server = run(args, listed([remote('alpha')], [replication('r1', 'alpha')]) + [
        Call('DELETE', '/api/v2/replications/' + REPLICATION_IDS['r1'], status=204),
        Call('POST', '/api/v2/replications', status=201, body=replication('r1', 'alpha', local_bucket_id=OTHER_BUCKET_ID),
             sent=dict(CREATE_BODY, localBucketID=OTHER_BUCKET_ID))])
    assert result['replications_updated'] == ['r1']
    assert any('replace=true' in w and 'lost' in w for w in warnings_of(result))
    assert "'r1'" in result['diff']['after_header']


@pytest.mark.parametrize('remotes, fragment', [
    ([item('alpha', [declared('r1')]), item('bravo', [declared('r1')])],
     "remotes[1].replications[0].name: replication 'r1' is declared more than once"),
    ([dict(name='alpha', state='absent', replications=[declared('r1')])], 'remotes[0].replications: a remote with state=absent'),
    ([item('alpha', [declared('r1', local_bucket='telemetry')])],
     'parameters are mutually exclusive: local_bucket|local_bucket_id found in remotes -> replications'),
    ([item('alpha', [dict(name='r1', state='absent', description='x')])], 'remotes[0].replications[0].state=absent'),
])
def test_bad_replications_fail_before_any_request(run, remotes, fragment):
    result, server = run(dict(remotes=remotes), [])
    assert result['failed'] is True and fragment in result['msg'] and server.seen == []


def test_a_replication_that_cannot_be_created_stops_before_any_write(run):
    result, server = run(dict(remotes=[item('alpha', description='x', replications=[dict(name='r1', local_bucket_id=BUCKET_ID)])]),
                         listed([remote('alpha')], []))
    assert result['failed'] is True
    assert "replication 'r1' does not exist" in result['msg'] and 'remotes[0].replications[0].remote_bucket' in result['msg']
    assert server.writes == []


def test_without_replications_the_replication_lists_are_empty_and_nothing_more_is_read(run):
    result, server = run(dict(remotes=[item('alpha')]), [Call('GET', REMOTES, body={'remotes': [remote('alpha')]})])
    assert result['changed'] is False and len(server.seen) == 1
    assert (result['replications_created'], result['replications_updated'], result['replications_deleted']) == ([], [], [])
    assert 'replications' not in result['remotes'][0] and 'replications_validated' not in result


def test_a_replication_moves_to_a_remote_created_in_the_same_run(run):
    args = dict(purge=True, remotes=[item('alpha', [declared('r1')])])
    existing = listed([remote('bravo')], [replication('r1', 'bravo')])
    result, server = run(args, existing + [
        ORG_CHECK,
        Call('POST', '/api/v2/remotes', status=201, body=remote('alpha')),
        Call('PATCH', '/api/v2/replications/' + REPLICATION_IDS['r1'], body=replication('r1', 'alpha'),
             sent={'remoteID': IDS['alpha']}),
        Call('DELETE', '/api/v2/remotes/' + IDS['bravo'], status=204)])
    assert (result['created'], result['deleted']) == (['alpha'], ['bravo'])
    assert (result['replications_updated'], result['replications_deleted']) == (['r1'], [])
    assert 'after_header' not in result['diff']
    assert result['diff']['after']['alpha']['replications']['r1']['remote_id'] == IDS['alpha']

    checked, server = run(args, existing + [ORG_CHECK], check_mode=True, read_only=True)
    assert (checked['created'], checked['deleted'], checked['replications_updated']) == (['alpha'], ['bravo'], ['r1'])
    assert checked['diff']['after']['alpha']['replications']['r1']['remote_id'] is None
    assert checked['diff']['after']['alpha']['replications']['r1']['id'] == REPLICATION_IDS['r1']


def test_token_always_with_replications_shows_the_token_line_beside_the_queue_loss(run):
    args = dict(purge=True, update_remote_api_token='always', remotes=[item('alpha', [declared('r1')])])
    existing = listed([remote('alpha')], [replication('r1', 'alpha'), replication('r2', 'alpha')])
    result, server = run(args, existing + [
        Call('PATCH', '/api/v2/remotes/' + IDS['alpha'], body=remote('alpha'), sent={'remoteAPIToken': SECRET}),
        Call('DELETE', '/api/v2/replications/' + REPLICATION_IDS['r2'], status=204)])
    checked, server = run(args, existing, check_mode=True, read_only=True)
    assert checked['diff'] == result['diff']
    before, after = result['diff']['before']['alpha'], result['diff']['after']['alpha']
    assert (before['remote_api_token'], after['remote_api_token']) == (TOKEN_BEFORE, TOKEN_AFTER)
    assert sorted(before['replications']) == ['r1', 'r2'] and sorted(after['replications']) == ['r1']
    assert result['diff']['after_header'] == ("the remote_api_token of remote(s) 'alpha' is replaced with the task's; the server never "
                                              "returns a token, so whether it differs is unknown; the data queued in "
                                              "replication(s) 'r2' and not yet sent is lost")
    assert 'remote_api_token' not in result['remotes'][0]
