# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The replication plan and name resolution, as a set of replications uses them."""

from __future__ import annotations

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils import _client
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxDBError, OptionError
from ansible_collections.influxops.influxdb2.plugins.module_utils._replications import (
    Replications,
    desired_replication,
    health,
    resolve_names,
    retargets,
    status_from_api,
)
from ansible_collections.influxops.influxdb2.plugins.module_utils._resource import DryRun, Run
from ansible_collections.influxops.influxdb2.tests.unit.plugins.http_fake import (
    BUCKET_ID,
    HOST,
    ORG_ID,
    REMOTE_ID,
    TOKEN,
    ScriptedServer,
    api_replication,
)


@pytest.fixture
def client(monkeypatch):
    server = ScriptedServer([])
    monkeypatch.setattr(_client, 'open_url', server)
    return _client.InfluxDBClient(HOST, TOKEN)


def plan_replication(current, want, org_id, where=''):
    return Replications(_client.InfluxDBClient(HOST, TOKEN), org_id).plan(current, want, where=where)


def from_api(value):
    return Replications(None, ORG_ID).from_api(value)


def options(**kwargs):
    result = dict(name='metrics', local_bucket='telemetry', remote_bucket='telemetry')
    result.update(kwargs)
    return result


def test_names_from_a_bucket_list_and_a_remote_from_the_context_make_no_request(client):
    want = resolve_names(Replications(client, ORG_ID), desired_replication(options()), Run(), remote_id=REMOTE_ID,
                         bucket_ids={'telemetry': BUCKET_ID})
    assert want['remote_id'] == REMOTE_ID and want['local_bucket_id'] == BUCKET_ID
    assert want['remote_bucket_name'] == 'telemetry' and want['remote_bucket_id'] is None
    assert client.request_count == 0


def test_a_bucket_missing_from_the_list_names_the_option_with_its_place(client):
    with pytest.raises(InfluxDBError, match=r"bucket 'telemetry' not found .*check remotes\[0\]\.replications\[1\]\.local_bucket"):
        resolve_names(Replications(client, ORG_ID), desired_replication(options()), Run(), remote_id=REMOTE_ID, bucket_ids={},
                      where='remotes[0].replications[1].')


def test_in_a_dry_run_a_bucket_missing_from_the_list_is_predicted_with_no_id(client):
    warnings = []
    client.warn = warnings.append
    replications = Replications(client, ORG_ID)
    want = resolve_names(replications, desired_replication(options()), DryRun(), remote_id=REMOTE_ID, bucket_ids={},
                         where='remotes[0].replications[1].')
    assert want['local_bucket_id'] is None and want['local_bucket'] == 'telemetry'
    assert warnings == ["bucket 'telemetry' not found in organization %s: in check mode, remotes[0].replications[1].local_bucket "
                        "is predicted with no ID (local_bucket_id null); the real run fails unless an earlier task creates the "
                        "bucket" % ORG_ID]
    # the name stands for the bucket: the replication can be created
    plan = replications.plan(None, want)
    assert plan.action == 'create' and plan.after['local_bucket_id'] is None and 'localBucketID' not in plan.body


def test_messages_carry_the_place_of_the_item():
    with pytest.raises(OptionError, match=r'remotes\[2\]\.replications\[0\]\.remote_bucket must not be empty'):
        desired_replication(options(remote_bucket=' '), where='remotes[2].replications[0].')
    with pytest.raises(OptionError, match=r'set r\.remote_bucket or r\.remote_bucket_id'):
        plan_replication(None, dict(name='metrics', remote_id=REMOTE_ID, local_bucket_id=BUCKET_ID), ORG_ID, where='r.')


def test_from_api_and_status_keep_apart():
    replication = api_replication(latestResponseCode=204)
    assert 'latest_response_code' not in from_api(replication)
    assert status_from_api(replication)['latest_response_code'] == 204
    assert status_from_api(None) == dict(current_queue_size_bytes=None, remaining_bytes_to_be_synced=None,
                                         latest_response_code=None, latest_error_message=None)
    assert from_api(None) == {}


def test_a_move_to_another_remote_is_a_retarget_that_keeps_the_queue():
    plan = plan_replication(api_replication(), dict(name='telemetry-to-central', remote_id='0a0b0c0d0e0f0103'), ORG_ID)
    assert plan.action == 'update' and retargets(plan)
    assert plan.body == {'remoteID': '0a0b0c0d0e0f0103'}


def test_health_without_a_queue_size_is_not_a_backlog():
    assert health(dict(max_queue_size_bytes=0), dict(remaining_bytes_to_be_synced=5, latest_response_code=204)) == ('healthy', None)
