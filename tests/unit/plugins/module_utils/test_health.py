# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""health(): what the remote's answer to a replicated write means and what to change, and the backlog by server version.

The messages are upstream's (main-2.x): the write handler (http/write_handler.go), the org lookup
(http/requests.go, organization.go, tenant), the body (http/points), line protocol (models/points.go),
the storage (storage/points_writer.go, v1/coordinator, tsdb), the authentication middleware, stored by
the edge's replication writer (replications/remotewrite/writer.go) as
``invalid response code N, must be 204: N Status: message``.
"""

from __future__ import annotations

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils._replications import health

QUEUE = 67108860


def stored(code, status_text, message):
    """latestErrorMessage as the edge stores the remote's answer."""
    return 'invalid response code %d, must be 204: %d %s: %s' % (code, code, status_text, message)


def replication(drop=False):
    return dict(max_queue_size_bytes=QUEUE, drop_non_retryable_data=drop)


def status(code=204, message=None, remaining=0):
    return dict(current_queue_size_bytes=8, remaining_bytes_to_be_synced=remaining, latest_response_code=code,
                latest_error_message=message)


RETENTION = ('failure writing points to database: partial write: dropped 2 points outside retention policy of duration '
             '1h0m0s - oldest point m at 2024-01-01T00:00:00Z dropped because it violates a Retention Policy Lower Bound '
             'at 2024-06-01T11:00:00Z, newest point m at 2024-01-01T00:00:01Z dropped because it violates a Retention '
             'Policy Lower Bound at 2024-06-01T11:00:00Z dropped=2 for database: 0a0b0c0d0e0f0104 for retention policy: autogen')

# (code, status text, the remote's message, words the reason must hold); the reason quotes the message too.
ANSWERS = [
    # the request names no org, or one the remote does not have: the remote connection's remote_org_id
    (400, 'Bad Request', 'Please provide either orgID or org', ['no remote_org_id', 'set remote_org_id']),
    (400, 'Bad Request', 'invalid ID', ['remote_org_id']),
    (400, 'Bad Request', 'id must have a length of 16 bytes', ['remote_org_id']),
    (404, 'Not Found', 'organization not found', ['remote_org_id']),
    (404, 'Not Found', 'organization name "central" not found', ['remote_org_id']),
    # the bucket
    (404, 'Not Found', 'bucket "telemetry" not found', ['remote_bucket', 'remote_bucket_id', 'remote_org_id']),
    (404, 'Not Found', 'bucket not found', ['remote_bucket', 'remote_bucket_id']),
    # the token
    (401, 'Unauthorized', 'unauthorized access', ['remote_api_token']),
    (403, 'Forbidden', 'insufficient permissions for write', ['remote_api_token', 'may not write', 'remote_bucket']),
    (403, 'Forbidden', 'insufficient permissions for write: token is inactive', ['inactive', 'remote_api_token']),
    (403, 'Forbidden', 'User is inactive', ['user', 'inactive', 'remote_api_token']),
    # the URL, and what stands between
    (404, 'Not Found', 'path not found', ['remote_url']),
    (400, 'Bad Request', 'invalid precision; valid precision units are ns, us, ms, and s', ['remote_url']),
    (400, 'Bad Request', 'unable to read data: gzip: invalid checksum', ['proxy']),
    (400, 'Bad Request', 'unable to read data: gzip: invalid header', ['proxy']),
    (500, 'Internal Server Error', 'unable to read data: unexpected EOF', ['proxy']),
    (413, 'Request Entity Too Large', 'unable to read data: points batch is too large', ['body size']),
    # the data, refused with a 400: the only answer drop_non_retryable_data is for
    (400, 'Bad Request', "unable to parse 'garbage line': invalid field format",
     ['line protocol', 'local bucket', 'set drop_non_retryable_data']),
    (400, 'Bad Request', "unable to parse 'm v=1 12x': bad timestamp\nunable to parse 'n': missing fields",
     ['line protocol', 'set drop_non_retryable_data']),
    # the data, refused in part (422): retried, never dropped
    (422, 'Unprocessable Entity', 'failure writing points to database: partial write: field type conflict: input field "v" '
     'on measurement "m" is type string, already exists as type float dropped=1', ['another type', 'blocks the queue']),
    (422, 'Unprocessable Entity', RETENTION, ['retention', 'remote bucket']),
    (422, 'Unprocessable Entity', 'failure writing points to database: partial write: input field "s" on measurement "m" '
     'is too long, 1048577 > 1048576 dropped=1', ['local bucket', 'blocks the queue']),
    # the remote itself
    (500, 'Internal Server Error', 'unexpected error writing points to database: engine is closed', ['remote server']),
    (500, 'Internal Server Error', 'An internal error has occurred - check server logs', ['log']),
    (429, 'Too Many Requests', 'too many requests', ['throttles']),
    (503, 'Service Unavailable', 'unavailable', ['check the remote server']),
    # a 400 that upstream's write path does not send: quoted, and no advice to drop anything
    (400, 'Bad Request', 'request blocked by policy', ['refused the write request']),
]


@pytest.mark.parametrize('code, status_text, message, words', ANSWERS)
def test_a_failing_answer_names_its_cause(code, status_text, message, words):
    text = stored(code, status_text, message)
    verdict, reason = health(replication(), status(code, text))
    assert verdict == 'failing'
    for word in words:
        assert word in reason
    assert text in reason
    # only a 400 about the line protocol itself may send the operator to drop_non_retryable_data
    assert ('drop_non_retryable_data' in reason) == message.startswith('unable to parse')


@pytest.mark.parametrize('code, status_text, message, words', ANSWERS)
def test_the_message_as_the_remote_sent_it_is_understood_too(code, status_text, message, words):
    """Without the writer's prefix (another server, an older format), the remote's own message still decides."""
    verdict, reason = health(replication(), status(code, '%d %s: %s' % (code, status_text, message)))
    assert verdict == 'failing' and all(word in reason for word in words)
    verdict, reason = health(replication(), status(code, message))
    assert verdict == 'failing' and all(word in reason for word in words)


def test_no_answer_is_the_network_or_tls():
    message = 'Post "https://central:8086/api/v2/write?bucket=telemetry&org=": dial tcp 10.0.0.2:8086: connect: connection refused'
    verdict, reason = health(replication(), status(0, message))
    assert verdict == 'failing'
    assert 'network or TLS' in reason and 'remote_url' in reason and 'connection refused' in reason
    assert 'drop_non_retryable_data' not in reason


def test_refused_data_with_drop_set_is_being_dropped():
    verdict, reason = health(replication(drop=True), status(400, stored(400, 'Bad Request', "unable to parse 'x': missing fields")))
    assert verdict == 'failing'
    assert 'drop_non_retryable_data is set: data is being dropped' in reason


@pytest.mark.parametrize('message, fix', [('Please provide either orgID or org', 'set remote_org_id'),
                                          ('request blocked by policy', 'remote_url')])
def test_a_refused_request_with_drop_set_says_every_batch_is_lost(message, fix):
    verdict, reason = health(replication(drop=True), status(400, stored(400, 'Bad Request', message)))
    assert verdict == 'failing'
    assert 'drop_non_retryable_data is set: every batch is dropped' in reason
    assert fix in reason
    assert 'retried' not in reason


@pytest.mark.parametrize('message', ['Please provide either orgID or org', 'unable to read data: gzip: invalid checksum',
                                     'request blocked by policy', "unable to parse 'x': missing fields"])
def test_a_refused_request_without_drop_keeps_the_batch_queued(message):
    verdict, reason = health(replication(), status(400, stored(400, 'Bad Request', message)))
    assert reason.endswith('until then the batch is retried and blocks the queue')


def test_drop_set_changes_nothing_for_answers_other_than_400():
    # only a 400 is dropped; a 422 is retried whatever drop_non_retryable_data says
    message = stored(422, 'Unprocessable Entity', 'failure writing points to database: partial write: field type conflict: '
                     'input field "v" on measurement "m" is type string, already exists as type float dropped=1')
    assert health(replication(drop=True), status(422, message)) == health(replication(), status(422, message))


def test_a_missing_message_still_gives_a_reason():
    verdict, reason = health(replication(), status(400, None))
    assert verdict == 'failing' and 'refused the write request' in reason and 'drop_non_retryable_data' not in reason


# -- the backlog and the server's version ----------------------------------------------------------

OLD = dict(current_queue_size_bytes=8, remaining_bytes_to_be_synced=None, latest_response_code=204, latest_error_message=None)


@pytest.mark.parametrize('version', [(2, 6, 1), (2, 2, 0), (2, 6)])
def test_before_2_7_the_backlog_cannot_be_judged_and_the_reason_says_so(version):
    verdict, reason = health(replication(), OLD, server_version=version)
    assert verdict == 'healthy'
    assert 'backlog cannot be judged' in reason and '2.7' in reason and 'remaining_bytes_to_be_synced' in reason


def test_before_2_7_the_verdict_follows_the_latest_code():
    failing = dict(OLD, latest_response_code=401, latest_error_message=stored(401, 'Unauthorized', 'unauthorized access'))
    assert health(replication(), failing, server_version=(2, 6, 1))[0] == 'failing'
    verdict, reason = health(replication(), dict(OLD, latest_response_code=None), server_version=(2, 6, 1))
    assert verdict == 'unknown'
    assert 'no write to the remote was attempted yet' in reason and 'backlog cannot be judged' in reason


@pytest.mark.parametrize('version', [None, (2, 7, 0), (2, 7, 12), (3, 0, 0)])
def test_an_unknown_or_recent_version_behaves_as_before(version):
    assert health(replication(), OLD, server_version=version) == ('healthy', None)
    full = status(204, None, remaining=QUEUE)
    assert health(replication(), full, server_version=version)[0] == 'backlog'


def test_an_old_server_that_reports_remaining_bytes_is_judged_by_them():
    assert health(replication(), status(204, None, remaining=QUEUE), server_version=(2, 6, 1))[0] == 'backlog'
