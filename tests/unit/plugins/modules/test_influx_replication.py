# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""influx_replication's main(): the exact HTTP requests of every path, and what it returns."""

from __future__ import annotations

import functools
import socket

from urllib.error import URLError

import pytest

from ansible_collections.influxops.influxdb2.plugins.modules import influx_replication
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    BUCKET_ID,
    ORG_ID,
    OTHER_BUCKET_ID,
    REMOTE_BUCKET_ID,
    REMOTE_ID,
    REPLICATION_ID,
    TOKEN,
    Call,
    api_bucket,
    api_remote,
    api_replication,
    error_body,
    warnings_of,
)

NAME = 'telemetry-to-central'
LOOKUP = '/api/v2/replications?orgID=%s&name=%s' % (ORG_ID, NAME)
PATH = '/api/v2/replications/' + REPLICATION_ID
VALIDATE = PATH + '/validate'
ORG_CHECK = Call('GET', '/api/v2/orgs/' + ORG_ID, body={'id': ORG_ID, 'name': 'edge'})
BASE = dict(token=TOKEN, org_id=ORG_ID, name=NAME)
IDS = dict(BASE, remote_id=REMOTE_ID, local_bucket_id=BUCKET_ID, remote_bucket='telemetry')
SNAKE = dict(id=REPLICATION_ID, org_id=ORG_ID, name=NAME, description=None, remote_id=REMOTE_ID, local_bucket_id=BUCKET_ID,
             remote_bucket_id=None, remote_bucket_name='telemetry', max_queue_size_bytes=67108860, max_age_seconds=604800,
             drop_non_retryable_data=False)
STATUS = dict(current_queue_size_bytes=8, remaining_bytes_to_be_synced=0, latest_response_code=None, latest_error_message=None)
NO_STATUS = dict((key, None) for key in STATUS)
CREATE_BODY = {'orgID': ORG_ID, 'name': NAME, 'remoteID': REMOTE_ID, 'localBucketID': BUCKET_ID, 'remoteBucketName': 'telemetry',
               'maxQueueSizeBytes': 67108860, 'maxAgeSeconds': 604800, 'dropNonRetryableData': False}
UNIQUE = error_body('internal error', 'UNIQUE constraint failed: replications.org_id, replications.name')
REFUSED_401 = error_body('invalid', 'replication failed validation: invalid response code 401, must be 204: '
                                    '401 Unauthorized: unauthorized access')


def without(args, *options):
    """``args`` without ``options``, as a task leaves them out (a null value counts as set for mutually exclusive options)."""
    return dict((option, value) for option, value in args.items() if option not in options)


def found(*replications):
    return Call('GET', LOOKUP, body={'replications': list(replications) or None})


@pytest.fixture
def run(run_main):
    return functools.partial(run_main, influx_replication, secrets=[TOKEN])


def test_noop_with_ids_is_one_request(run):
    result, server = run(IDS, [found(api_replication())])
    assert result['changed'] is False
    assert result['replication'] == SNAKE
    assert result['status'] == STATUS
    assert result['validated'] is None
    assert result['diff'] == {'before': SNAKE, 'after': SNAKE}
    assert len(server.seen) == 1


def test_noop_with_every_name_adds_one_get_per_name(run):
    args = dict(BASE, org='edge', remote='central', local_bucket='telemetry', remote_bucket='telemetry')
    del args['org_id']
    result, server = run(args, [
        Call('GET', '/api/v2/orgs?org=edge', body={'links': {}, 'orgs': [{'id': ORG_ID, 'name': 'edge'}]}),
        found(api_replication()),
        Call('GET', '/api/v2/remotes?orgID=%s&name=central' % ORG_ID, body={'remotes': [api_remote()]}),
        Call('GET', '/api/v2/buckets?orgID=%s&name=telemetry' % ORG_ID, body={'links': {}, 'buckets': [api_bucket()]}),
    ], read_only=True)
    assert result['changed'] is False
    assert len(server.seen) == 4


def test_create_sends_the_queue_defaults_explicitly(run):
    result, server = run(IDS, [
        found(),
        ORG_CHECK,
        Call('POST', '/api/v2/replications', status=201, body=api_replication(), sent=CREATE_BODY),
    ])
    assert result['changed'] is True
    assert result['replication'] == SNAKE
    assert result['status'] == STATUS
    assert result['diff'] == {'before': {}, 'after': SNAKE}
    assert len(server.seen) == 3


def test_create_in_check_mode_predicts_without_writing(run):
    result, server = run(IDS, [found(), ORG_CHECK], check_mode=True, read_only=True)
    assert result['changed'] is True
    assert result['replication'] == dict(SNAKE, id=None)
    assert result['status'] == NO_STATUS
    assert result['diff'] == {'before': {}, 'after': dict(SNAKE, id=None)}


def test_create_with_remote_bucket_id_and_every_option(run):
    args = dict(IDS, remote_bucket_id=REMOTE_BUCKET_ID.upper(), description='edge', max_queue_size_bytes=33554430,
                max_age_seconds=0, drop_non_retryable_data=True)
    del args['remote_bucket']
    created = api_replication(remote_bucket_id=REMOTE_BUCKET_ID, remote_bucket_name='', description='edge',
                              max_queue_size_bytes=33554430, max_age_seconds=0, drop_non_retryable_data=True)
    body = dict(CREATE_BODY, remoteBucketID=REMOTE_BUCKET_ID, description='edge', maxQueueSizeBytes=33554430, maxAgeSeconds=0,
                dropNonRetryableData=True)
    del body['remoteBucketName']
    checked, server = run(args, [found(), ORG_CHECK], check_mode=True)
    result, server = run(args, [found(), ORG_CHECK, Call('POST', '/api/v2/replications', status=201, body=created, sent=body)])
    assert result['replication'] == dict(SNAKE, remote_bucket_id=REMOTE_BUCKET_ID, remote_bucket_name='', description='edge',
                                         max_queue_size_bytes=33554430, max_age_seconds=0, drop_non_retryable_data=True)
    assert checked['replication'] == dict(result['replication'], id=None)


def test_create_with_org_by_name_needs_no_org_check(run):
    args = dict(IDS, org='edge')
    del args['org_id']
    result, server = run(args, [
        Call('GET', '/api/v2/orgs?org=edge', body={'links': {}, 'orgs': [{'id': ORG_ID, 'name': 'edge'}]}),
        found(),
        Call('POST', '/api/v2/replications', status=201, body=api_replication(), sent=CREATE_BODY),
    ])
    assert result['changed'] is True


def test_create_without_target_fails_after_lookup(run):
    result, server = run(dict(BASE, local_bucket_id=BUCKET_ID), [found()])
    assert result['failed'] is True
    assert 'to create it, set remote or remote_id, remote_bucket or remote_bucket_id' in result['msg']
    assert server.writes == []


@pytest.mark.parametrize('args, fragment', [
    (dict(IDS, remote='central'), 'parameters are mutually exclusive: remote|remote_id'),
    (dict(IDS, local_bucket='telemetry'), 'parameters are mutually exclusive: local_bucket|local_bucket_id'),
    (dict(IDS, remote_bucket_id=REMOTE_BUCKET_ID), 'parameters are mutually exclusive: remote_bucket|remote_bucket_id'),
    (dict(IDS, remote_id='xyz'), 'remote_id must be an InfluxDB ID'),
    (dict(IDS, local_bucket_id='0000000000000000'), 'local_bucket_id must not be all zeros'),
    (dict(without(IDS, 'remote_bucket'), remote_bucket_id='12345'), 'remote_bucket_id must be an InfluxDB ID'),
    (dict(IDS, name=' '), 'name must not be empty'),
    (dict(without(IDS, 'remote_id'), remote=' '), 'remote must not be empty'),
    (dict(without(IDS, 'local_bucket_id'), local_bucket=''), 'local_bucket must not be empty'),
    (dict(IDS, remote_bucket=''), 'remote_bucket must not be empty'),
    (dict(IDS, state='absent'), 'state=absent deletes the replication'),
    (dict(BASE, state='absent', validate=True), 'remove validate'),
    (dict(BASE, state='absent', replace=True), 'remove replace'),
    (dict(IDS, org='edge'), 'mutually exclusive'),
    (dict(IDS, token=''), 'token is required'),
])
def test_bad_input_fails_before_any_request(run, args, fragment):
    result, server = run(args, [])
    assert result['failed'] is True
    assert fragment in result['msg']
    assert server.seen == []


@pytest.mark.parametrize('option, value', [('max_queue_size_bytes', 33554430), ('max_age_seconds', 0), ('max_age_seconds', 60),
                                           ('max_age_seconds', 5184000)])
def test_bounds_are_inclusive(run, option, value):
    current = api_replication(**{'maxQueueSizeBytes' if option == 'max_queue_size_bytes' else 'maxAgeSeconds': value})
    del current['maxQueueSizeBytes' if option == 'max_queue_size_bytes' else 'maxAgeSeconds']
    current[{'max_queue_size_bytes': 'maxQueueSizeBytes', 'max_age_seconds': 'maxAgeSeconds'}[option]] = value
    result, server = run(dict(IDS, **{option: value}), [found(current)])
    assert result['changed'] is False


@pytest.mark.parametrize('option, value, field', [
    ('description', 'new text', 'description'),
    ('description', '', 'description'),
    ('max_queue_size_bytes', 134217728, 'maxQueueSizeBytes'),
    ('drop_non_retryable_data', True, 'dropNonRetryableData'),
    ('remote_id', '0A0B0C0D0E0F0103', 'remoteID'),
])
def test_update_patches_only_what_differs(run, option, value, field):
    api_value = value.lower() if option == 'remote_id' else value
    patched = dict(api_replication(), **{field: api_value})
    result, server = run(dict(IDS, **{option: value}), [
        found(api_replication()),
        Call('PATCH', PATH, body=patched, sent={field: api_value}),
    ])
    after = dict(SNAKE, **{option: api_value})
    assert result['changed'] is True
    assert result['replication'] == after
    assert result['diff'] == {'before': SNAKE, 'after': after}
    assert warnings_of(result) == []


def test_update_in_check_mode_writes_nothing(run):
    result, server = run(dict(IDS, description='changed'), [found(api_replication())], check_mode=True, read_only=True)
    assert result['changed'] is True
    assert result['replication'] == dict(SNAKE, description='changed')
    assert result['status'] == STATUS


def test_ids_compare_without_case(run):
    result, server = run(dict(IDS, remote_id=REMOTE_ID.upper(), local_bucket_id=BUCKET_ID.upper()), [found(api_replication())])
    assert result['changed'] is False


def test_max_age_change_warns_that_it_applies_after_a_restart(run):
    result, server = run(dict(IDS, max_age_seconds=86400), [
        found(api_replication()),
        Call('PATCH', PATH, body=api_replication(max_age_seconds=86400), sent={'maxAgeSeconds': 86400}),
    ])
    assert result['changed'] is True
    assert any('max_age_seconds' in w and 'restart' in w for w in warnings_of(result))


def test_max_age_warning_in_check_mode_too(run):
    result, server = run(dict(IDS, max_age_seconds=86400), [found(api_replication())], check_mode=True)
    assert any('restart' in w for w in warnings_of(result))


def test_remote_bucket_name_to_id_clears_the_name(run):
    args = dict(IDS, remote_bucket_id=REMOTE_BUCKET_ID)
    del args['remote_bucket']
    moved = api_replication(remote_bucket_id=REMOTE_BUCKET_ID, remote_bucket_name='')
    result, server = run(args, [
        found(api_replication()),
        Call('PATCH', PATH, body=moved, sent={'remoteBucketID': REMOTE_BUCKET_ID, 'remoteBucketName': ''}),
    ])
    assert result['changed'] is True
    assert result['replication'] == dict(SNAKE, remote_bucket_id=REMOTE_BUCKET_ID, remote_bucket_name='')
    again, server = run(args, [found(moved)])
    assert again['changed'] is False


def test_remote_bucket_id_after_a_name_was_patched_onto_it_is_a_difference(run):
    # the server keeps the old ID beside a name, and writes to the name
    args = dict(IDS, remote_bucket_id=REMOTE_BUCKET_ID)
    del args['remote_bucket']
    both = api_replication(remote_bucket_id=REMOTE_BUCKET_ID, remote_bucket_name='telemetry')
    result, server = run(args, [
        found(both),
        Call('PATCH', PATH, body=api_replication(remote_bucket_id=REMOTE_BUCKET_ID, remote_bucket_name=''),
             sent={'remoteBucketID': REMOTE_BUCKET_ID, 'remoteBucketName': ''}),
    ])
    assert result['changed'] is True


def test_remote_bucket_id_to_name_keeps_the_stored_id_and_does_not_flap(run):
    by_id = api_replication(remote_bucket_id=REMOTE_BUCKET_ID, remote_bucket_name='')
    both = api_replication(remote_bucket_id=REMOTE_BUCKET_ID, remote_bucket_name='telemetry')
    result, server = run(IDS, [found(by_id), Call('PATCH', PATH, body=both, sent={'remoteBucketName': 'telemetry'})])
    assert result['changed'] is True
    assert result['replication'] == dict(SNAKE, remote_bucket_id=REMOTE_BUCKET_ID)
    checked, server = run(IDS, [found(by_id)], check_mode=True)
    assert checked['replication'] == result['replication']
    again, server = run(IDS, [found(both)])
    assert again['changed'] is False


def test_lower_case_remote_bucket_name_in_an_answer_is_accepted(run):
    current = api_replication()
    current['remoteBucketName'] = current.pop('RemoteBucketName')
    result, server = run(IDS, [found(current)])
    assert result['changed'] is False
    assert result['replication'] == SNAKE


def test_local_bucket_change_fails_without_replace(run):
    current = api_replication(remainingBytesToBeSynced=4096)
    result, server = run(dict(IDS, local_bucket_id=OTHER_BUCKET_ID), [found(current)])
    assert result['failed'] is True
    assert 'deleted and created again' in result['msg']
    assert 'queued' in result['msg'] and '4096 bytes' in result['msg']
    assert 'replace=true' in result['msg']
    assert server.writes == []


LOST = "the data queued in replication(s) 'telemetry-to-central' and not yet sent is lost"


def test_replace_deletes_and_creates_with_a_warning(run):
    current = api_replication(description='kept', remainingBytesToBeSynced=4096)
    new_id = '0c0d0e0f010203ff'
    created = api_replication(replication_id=new_id, local_bucket_id=OTHER_BUCKET_ID, description='kept')
    body = dict(CREATE_BODY, localBucketID=OTHER_BUCKET_ID, description='kept')
    args = dict(IDS, local_bucket_id=OTHER_BUCKET_ID, replace=True)
    result, server = run(args, [
        found(current),
        Call('DELETE', PATH, status=204),
        Call('POST', '/api/v2/replications', status=201, body=created, sent=body),
    ])
    before = dict(SNAKE, description='kept')
    after = dict(before, id=new_id, local_bucket_id=OTHER_BUCKET_ID)
    assert result['changed'] is True
    assert result['diff'] == {'before': before, 'after': after, 'after_header': LOST}
    assert any('replace=true deletes' in w and 'lost' in w and '4096 bytes' in w for w in warnings_of(result))
    checked, server = run(args, [found(current)], check_mode=True, read_only=True)
    assert checked['changed'] is True
    assert checked['diff'] == {'before': before, 'after': dict(after, id=None), 'after_header': LOST}
    assert checked['status'] == NO_STATUS
    assert any('replace=true deletes' in w for w in warnings_of(checked))


def test_replace_with_the_same_local_bucket_changes_nothing(run):
    result, server = run(dict(IDS, replace=True), [found(api_replication())])
    assert result['changed'] is False


def test_status_is_never_in_the_diff_and_never_changes_anything(run):
    failing = api_replication(latestResponseCode=401, latestErrorMessage='401 Unauthorized', remainingBytesToBeSynced=1 << 20)
    result, server = run(IDS, [found(failing)])
    assert result['changed'] is False
    assert result['status'] == dict(STATUS, latest_response_code=401, latest_error_message='401 Unauthorized',
                                    remaining_bytes_to_be_synced=1 << 20)
    assert result['diff'] == {'before': SNAKE, 'after': SNAKE}


def test_absent_deletes_with_a_warning(run):
    result, server = run(dict(BASE, state='absent'), [found(api_replication()), Call('DELETE', PATH, status=204)])
    assert result['changed'] is True
    assert result['replication'] == {} and result['status'] == {}
    assert result['diff'] == {'before': SNAKE, 'after': {}, 'after_header': LOST}
    assert any('loses the data queued' in w for w in warnings_of(result))


def test_absent_in_check_mode_and_when_missing(run):
    result, server = run(dict(BASE, state='absent'), [found(api_replication())], check_mode=True, read_only=True)
    assert result['changed'] is True
    assert result['diff'] == {'before': SNAKE, 'after': {}, 'after_header': LOST}
    result, server = run(dict(BASE, state='absent'), [found()])
    assert result['changed'] is False
    assert result['replication'] == {} and result['status'] == {}
    assert result['diff'] == {'before': {}, 'after': {}}


def test_delete_that_finds_it_gone_reports_unchanged(run):
    result, server = run(dict(BASE, state='absent'), [
        found(api_replication()),
        Call('DELETE', PATH, status=404, body=error_body('not found', 'replication not found')),
    ])
    assert result['changed'] is False
    # another run deleted it first: no queue was lost by this task
    assert 'after_header' not in result['diff']


def test_unknown_remote_name_fails_before_any_write(run):
    args = dict(IDS, remote='nowhere')
    del args['remote_id']
    result, server = run(args, [found(), Call('GET', '/api/v2/remotes?orgID=%s&name=nowhere' % ORG_ID, body={'remotes': None})])
    assert result['failed'] is True
    assert "remote 'nowhere' not found" in result['msg'] and 'check remote' in result['msg']
    assert server.writes == []


@pytest.mark.parametrize('answer', [
    dict(status=404, body=error_body('not found', 'bucket "nowhere" not found')),
    dict(body={'links': {}, 'buckets': []}),
])
def test_unknown_local_bucket_name_fails_before_any_write(run, answer):
    args = dict(IDS, local_bucket='nowhere')
    del args['local_bucket_id']
    result, server = run(args, [found(), Call('GET', '/api/v2/buckets?orgID=%s&name=nowhere' % ORG_ID, **answer)])
    assert result['failed'] is True
    assert "bucket 'nowhere' not found" in result['msg'] and 'check local_bucket' in result['msg']
    assert server.writes == []


NOT_YET = ("bucket 'nowhere' not found in organization %s: in check mode, local_bucket is predicted with no ID "
           "(local_bucket_id null); the real run fails unless an earlier task creates the bucket" % ORG_ID)


def test_unknown_local_bucket_name_in_check_mode_is_predicted_with_no_id(run):
    args = dict(without(IDS, 'local_bucket_id'), local_bucket='nowhere')
    result, server = run(args, [found(), Call('GET', '/api/v2/buckets?orgID=%s&name=nowhere' % ORG_ID, status=404,
                                              body=error_body('not found', 'bucket "nowhere" not found')), ORG_CHECK],
                         check_mode=True, read_only=True)
    assert 'failed' not in result
    assert result['changed'] is True
    assert result['replication'] == dict(SNAKE, id=None, local_bucket_id=None)
    assert result['diff'] == {'before': {}, 'after': result['replication']}
    assert warnings_of(result) == [NOT_YET]


def test_unknown_local_bucket_name_of_an_existing_replication_in_check_mode_changes_nothing_else(run):
    args = dict(without(IDS, 'local_bucket_id'), local_bucket='nowhere', validate=True)
    result, server = run(args, [found(api_replication()), Call('GET', '/api/v2/buckets?orgID=%s&name=nowhere' % ORG_ID,
                                                               body={'links': {}, 'buckets': []}),
                                Call('POST', VALIDATE, status=204)], check_mode=True)
    assert result['changed'] is False
    assert result['replication'] == SNAKE
    assert warnings_of(result) == [NOT_YET]


def test_a_create_whose_local_bucket_does_not_exist_yet_is_not_validated_in_check_mode(run):
    args = dict(without(IDS, 'local_bucket_id'), local_bucket='nowhere', validate=True)
    result, server = run(args, [found(), Call('GET', '/api/v2/buckets?orgID=%s&name=nowhere' % ORG_ID,
                                              body={'links': {}, 'buckets': []}), ORG_CHECK], check_mode=True, read_only=True)
    assert result['changed'] is True and result['validated'] is None
    assert warnings_of(result) == [NOT_YET, "validated is null: in check mode, replication %r cannot be validated, since its "
                                            "local bucket does not exist yet" % NAME]


def test_validate_on_a_noop(run):
    result, server = run(dict(IDS, validate=True), [found(api_replication()), Call('POST', VALIDATE, status=204)])
    assert result['changed'] is False
    assert result['validated'] is True
    assert len(server.seen) == 2


def test_validate_after_a_create_validates_the_stored_one(run):
    result, server = run(dict(IDS, validate=True), [
        found(), ORG_CHECK,
        Call('POST', '/api/v2/replications', status=201, body=api_replication(), sent=CREATE_BODY),
        Call('POST', VALIDATE, status=204),
    ])
    assert result['changed'] is True and result['validated'] is True


def test_validate_false_is_null_and_sends_nothing(run):
    result, server = run(dict(IDS, validate=False), [found(api_replication())])
    assert result['validated'] is None


def test_refused_validation_fails_with_the_remote_status(run):
    result, server = run(dict(IDS, validate=True), [found(api_replication()), Call('POST', VALIDATE, status=400, body=REFUSED_401)])
    assert result['failed'] is True
    assert result['validated'] is False
    assert result['remote_response_code'] == 401
    assert 'the remote answered 401' in result['msg'] and 'unauthorized access' in result['msg']
    assert result['changed'] is False
    assert result['replication'] == SNAKE


def test_refused_validation_after_an_update_reports_the_change(run):
    result, server = run(dict(IDS, validate=True, description='new'), [
        found(api_replication()),
        Call('PATCH', PATH, body=api_replication(description='new'), sent={'description': 'new'}),
        Call('POST', VALIDATE, status=400, body=error_body('invalid', 'replication failed validation: Post "https://central.example.com'
                                                                      ':8086/api/v2/write": dial tcp: connection refused')),
    ])
    assert result['failed'] is True and result['changed'] is True
    assert result['validated'] is False and result['remote_response_code'] is None
    assert 'no answer came from the remote' in result['msg']
    assert result['replication']['description'] == 'new'


def test_check_mode_validates_the_stored_replication_when_the_target_stays(run):
    result, server = run(dict(IDS, validate=True, description='new'), [found(api_replication()), Call('POST', VALIDATE, status=204)],
                         check_mode=True)
    assert result['changed'] is True and result['validated'] is True
    assert [s['method'] for s in server.seen] == ['GET', 'POST']


def test_check_mode_validates_a_create_by_remote_bucket_id(run):
    args = dict(IDS, validate=True, remote_bucket_id=REMOTE_BUCKET_ID)
    del args['remote_bucket']
    body = dict(CREATE_BODY, remoteBucketID=REMOTE_BUCKET_ID)
    del body['remoteBucketName']
    result, server = run(args, [found(), ORG_CHECK, Call('POST', '/api/v2/replications?validate=true', status=204, sent=body)],
                         check_mode=True)
    assert result['validated'] is True
    assert result['replication']['id'] is None


def test_check_mode_refused_create_validation(run):
    args = dict(IDS, validate=True, remote_bucket_id=REMOTE_BUCKET_ID)
    del args['remote_bucket']
    refused = error_body('invalid', 'replication parameters fail validation: invalid response code 404, must be 204: '
                                    '404 Not Found: bucket "x" not found')
    result, server = run(args, [found(), ORG_CHECK, Call('POST', '/api/v2/replications?validate=true', status=400, body=refused)],
                         check_mode=True)
    assert result['failed'] is True and result['validated'] is False and result['remote_response_code'] == 404


def test_check_mode_validates_a_retarget_by_id_with_patch_validate(run):
    args = dict(IDS, validate=True, remote_bucket_id=REMOTE_BUCKET_ID)
    del args['remote_bucket']
    result, server = run(args, [
        found(api_replication()),
        Call('PATCH', PATH + '?validate=true', status=204, sent={'remoteBucketID': REMOTE_BUCKET_ID}),
    ], check_mode=True)
    assert result['changed'] is True and result['validated'] is True
    assert result['replication']['remote_bucket_id'] == REMOTE_BUCKET_ID


@pytest.mark.parametrize('current', [None, api_replication(remote_id='0a0b0c0d0e0f0103')])
def test_check_mode_cannot_validate_a_remote_bucket_name_on_create_or_retarget(run, current):
    calls = [found(current)] if current else [found(), ORG_CHECK]
    result, server = run(dict(IDS, validate=True), calls, check_mode=True, read_only=True)
    assert result['changed'] is True
    assert result['validated'] is None
    assert any('validated is null' in w and 'ignores a remote bucket given by name' in w for w in warnings_of(result))


def test_unique_race_converges_on_the_other_run(run):
    theirs = api_replication(description='theirs')
    result, server = run(dict(IDS, description='ours'), [
        found(), ORG_CHECK,
        Call('POST', '/api/v2/replications', status=500, body=UNIQUE),
        found(theirs),
        Call('PATCH', PATH, body=api_replication(description='ours'), sent={'description': 'ours'}),
    ])
    assert result['changed'] is True
    assert result['replication']['description'] == 'ours'
    assert result['diff']['before'] == dict(SNAKE, description='theirs')


def test_unique_race_with_nothing_left_to_change_reports_unchanged(run):
    result, server = run(IDS, [found(), ORG_CHECK, Call('POST', '/api/v2/replications', status=500, body=UNIQUE),
                               found(api_replication())])
    assert result['changed'] is False
    assert result['replication'] == SNAKE


def test_unique_race_with_another_local_bucket_fails_without_another_write(run):
    theirs = api_replication(local_bucket_id=OTHER_BUCKET_ID)
    result, server = run(dict(IDS, replace=True), [found(), ORG_CHECK, Call('POST', '/api/v2/replications', status=500, body=UNIQUE),
                                                   found(theirs)])
    assert result['failed'] is True
    assert result['msg'] == ("replication %r was created by another run at the same moment with another local bucket (%s); "
                             'run the task again to converge on it' % (NAME, OTHER_BUCKET_ID))
    assert [call['method'] for call in server.writes] == ['POST']


def test_lost_post_answer_is_read_back_not_sent_again(run):
    result, server = run(dict(IDS, retries=1), [
        found(), ORG_CHECK,
        Call('POST', '/api/v2/replications', raises=URLError(socket.timeout('timed out'))),
        found(api_replication()),
    ])
    assert result['changed'] is True
    assert result['diff'] == {'before': {}, 'after': SNAKE}
    assert len([s for s in server.seen if s['method'] == 'POST']) == 1
    assert any('reading replication' in w for w in warnings_of(result))


def test_answer_without_a_replication_is_not_believed(run):
    result, server = run(dict(IDS, description='new'), [
        found(api_replication()),
        Call('PATCH', PATH, body={}),
        found(api_replication(description='new')),
    ])
    assert result['changed'] is True
    assert result['replication']['description'] == 'new'
    assert any('not what InfluxDB sends' in w for w in warnings_of(result))


@pytest.mark.parametrize('bad', [
    {'replications': [{'id': REPLICATION_ID, 'name': NAME}]},
    {'replications': [dict(api_replication(), maxQueueSizeBytes='big')]},
    {'replications': [dict(api_replication(), latestResponseCode='401')]},
    [],
])
def test_a_list_of_another_shape_fails(run, bad):
    result, server = run(IDS, [Call('GET', LOOKUP, body=bad)])
    assert result['failed'] is True
    assert 'not what InfluxDB sends' in result['msg']
