#!/usr/bin/python
# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


DOCUMENTATION = r"""
module: influx_replication
short_description: Manage an InfluxDB OSS 2.x replication (Edge Data Replication)
version_added: 0.2.0
description:
  - Create, update or delete a replication (C(/api/v2/replications)) of an InfluxDB OSS 2.x server,
    the stream that queues every point written to a local bucket and sends it, through a remote
    connection (see M(influxops.influxdb2.influx_remote)), to a bucket of another InfluxDB instance.
  - The replication is found by O(name) within the organization, so that the task is idempotent;
    it creates the replication when it is missing, changes only the fields that differ from the
    options that are set, and does nothing when nothing differs.
  - Options that are not set are left as they are on the server.
  - Names (O(remote), O(local_bucket)) are resolved to IDs with one request each; a name that the
    organization does not have fails the task before any write.
  - Changing O(remote)/O(remote_id) or the remote bucket is an update that keeps the queue; the
    data queued and not yet sent goes to the new target.
  - The local bucket of a replication cannot be changed. A different local bucket fails the task,
    unless O(replace=true), which deletes the replication and creates it again (its queued data is lost).
  - Besides the replication, the task returns its live RV(status) (queue size, backlog, last
    answer of the remote). The status is never part of the diff and never makes the task changed.
author:
  - InfluxOps contributors (@influxops)
extends_documentation_fragment:
  - influxops.influxdb2._connection
  - influxops.influxdb2._attributes
attributes:
  check_mode:
    support: full
    details:
      - Makes the same read requests as a real run and no write request; returns the same
        RV(ignore:changed), diff and predicted RV(replication).
      - With O(validate=true), validates what can be validated without a write to the server; see O(validate).
  diff_mode:
    support: full
    details:
      - The diff holds the replication before and after the task, never its live status.
      - With O(replace=true), the diff shows the replication that is deleted and the one that is created.
      - When the replication is deleted or replaced, the header of the after side of the diff says that its
        queued data is lost.
  idempotent:
    support: full
options:
  name:
    description:
      - Name of the replication, unique within the organization.
      - Must not be empty or only white space.
    type: str
    required: true
  description:
    description:
      - Description of the replication.
      - V("") sets an empty description. The API cannot set the description back to null once it has been set.
    type: str
  remote:
    description:
      - Name of the remote connection, in the same organization, that the replication writes through.
      - Mutually exclusive with O(remote_id). One of them is required to create the replication.
      - Changing it re-points the replication; its queued data goes to the new remote.
    type: str
  remote_id:
    description:
      - ID of the remote connection (16 hexadecimal characters), compared without regard to case.
      - Mutually exclusive with O(remote).
    type: str
  local_bucket:
    description:
      - Name of the bucket of the organization whose writes are replicated.
      - Mutually exclusive with O(local_bucket_id). One of them is required to create the replication.
      - It cannot be changed on an existing replication; see O(replace).
      - A name that the organization does not have fails the task before any write. In check mode, where
        an earlier task of the play (such as M(influxops.influxdb2.influx_bucket)) would have created the
        bucket, the task warns, naming the bucket, and predicts the replication with RV(replication.local_bucket_id=null).
    type: str
  local_bucket_id:
    description:
      - ID of the local bucket (16 hexadecimal characters), compared without regard to case.
      - Mutually exclusive with O(local_bucket).
    type: str
  remote_bucket:
    description:
      - Name of the bucket on the remote instance (V(db/rp) for an InfluxDB 1.x target).
      - Mutually exclusive with O(remote_bucket_id). One of them is required to create the replication.
      - Compared with the name the server stores. Moving from O(remote_bucket_id) to a name keeps
        the old ID stored beside the name (the server writes to the name); this is not a difference.
      - Needs InfluxDB 2.5.0 or later. InfluxDB 2.4.x stores the name, but its replication never
        writes (fixed in 2.5.0), and older servers do not know it. When the server's answers report
        an older version, the task fails before any write; use O(remote_bucket_id) there.
    type: str
  remote_bucket_id:
    description:
      - ID of the bucket on the remote instance (16 hexadecimal characters), compared without regard to case.
      - Mutually exclusive with O(remote_bucket). Moving from a name to an ID clears the stored name.
    type: str
  max_queue_size_bytes:
    description:
      - The most bytes the queue may hold on disk. When it is full, new points are not queued
        (the local write still succeeds, and those points never reach the remote).
      - From V(33554430) to V(9223372036854775807) (the largest integer the server stores). Defaults to
        V(67108860) when the replication is created.
      - Size it as the longest outage to ride out times the ingest rate of the local bucket.
    type: int
  max_age_seconds:
    description:
      - How long queued data is kept before it is dropped, in seconds.
      - V(0) or between V(60) and V(5184000). What the server does with V(0) depends on its version;
        no age limit up to InfluxDB 2.8, the server's default of one week from 2.9. Before 2.6 the
        server reads the value as nanoseconds, so that only V(0) keeps queued data for long.
      - Defaults to V(604800) (one week) when the replication is created, sent explicitly, because the
        server stores V(0) when it is left out; V(0) when the server's answers report a version before 2.6.
      - When the task writes a value that the server does not read as that many seconds, it warns
        and says what the server does with it.
      - A change on an existing replication is stored at once, but the server applies it only after a
        restart; the task warns when it changes it.
    type: int
  drop_non_retryable_data:
    description:
      - Whether data that the remote rejects as invalid (HTTP 400) is dropped instead of retried,
        which would block the queue.
      - Defaults to V(false) when the replication is created.
    type: bool
  state:
    description:
      - V(present) creates or updates the replication; V(absent) deletes it.
      - Deleting a replication deletes its queue; the data in it that was not yet sent is lost.
      - With V(absent), no option other than O(name) (and the connection options) may be set.
    type: str
    choices: [present, absent]
    default: present
  replace:
    description:
      - Whether a replication whose local bucket differs from O(local_bucket)/O(local_bucket_id) is
        deleted and created again. Its queued data is lost; the task warns and says so.
      - Options not set are taken from the replication that is replaced.
      - Without it, such a task fails and changes nothing.
    type: bool
    default: false
  validate:
    description:
      - After the task's write (or when nothing changes), ask the server to validate the replication;
        it makes an empty write to the remote with the remote's URL, token and organization. A refusal
        fails the task with the server's message and the status code the remote answered
        (RV(ignore:remote_response_code)).
      - In check mode, the stored replication is validated when its target does not change; a create
        or a new target is validated through C(?validate=true) when the remote bucket is given by ID.
        The server ignores a remote bucket name there, so with O(remote_bucket) the task then returns
        RV(validated=null) with a warning, instead of a false answer.
    type: bool
    default: false
notes:
  - Requests made by a run that changes nothing, with IDs and O(org_id), one (the lookup of the replication by name);
    each name to resolve (O(org), O(remote), O(local_bucket)) adds one.
  - InfluxDB does not check that the organization exists when it creates a replication. When O(org_id) is used,
    the module confirms it with one extra request before it creates a replication.
  - When two runs create the same replication at the same moment, the one that loses reads it back and
    only changes what still differs.
  - Always set the O(influxops.influxdb2.influx_remote#module:remote_org_id) of the remote connection for an
    InfluxDB 2.x target; without it, the remote answers every write with 400.
seealso:
  - module: influxops.influxdb2.influx_replication_info
  - module: influxops.influxdb2.influx_remote
  - name: InfluxDB replication documentation
    description: Replicate data from InfluxDB OSS to another instance.
    link: https://docs.influxdata.com/influxdb/v2/write-data/replication/
"""

EXAMPLES = r"""
- name: Ensure the edge instance has a remote connection to the central instance
  influxops.influxdb2.influx_remote:
    host: http://localhost:8086
    token: "{{ influx_token }}"
    org: edge
    name: central
    remote_url: https://central.example.com:8086
    remote_api_token: "{{ central_write_token }}"
    remote_org_id: 0a1b2c3d4e5f6a7b

- name: Replicate the local bucket telemetry to the bucket telemetry of the central instance
  influxops.influxdb2.influx_replication:
    host: http://localhost:8086
    token: "{{ influx_token }}"
    org: edge
    name: telemetry-to-central
    description: Edge telemetry, streamed to the data centre
    remote: central
    local_bucket: telemetry
    remote_bucket: telemetry
  register: replication

- name: Show how much data waits to be sent
  ansible.builtin.debug:
    msg: "{{ replication.status.remaining_bytes_to_be_synced }} bytes queued"

- name: Connection options for every task of a play
  module_defaults:
    group/influxops.influxdb2.influxdb:
      host: http://localhost:8086
      token: "{{ influx_token }}"
      org: edge
  block:
    - name: Ride out a longer outage with a bigger queue, and drop what the central instance rejects
      influxops.influxdb2.influx_replication:
        name: telemetry-to-central
        max_queue_size_bytes: 268435456
        drop_non_retryable_data: true

    - name: Remove a replication that is no longer needed (its queued data is lost)
      influxops.influxdb2.influx_replication:
        name: old-telemetry-to-central
        state: absent
"""

RETURN = r"""
replication:
  description:
    - The replication after the task; the prediction in check mode.
    - An empty dict when the replication is absent.
  returned: always
  type: dict
  sample:
    id: 0c9d8e7f6a5b4c3d
    org_id: 1a2b3c4d5e6f7a8b
    name: telemetry-to-central
    description: Edge telemetry, streamed to the data centre
    remote_id: 0b5e8a6f2c4d1e3f
    local_bucket_id: 0d1e2f3a4b5c6d7e
    remote_bucket_id: null
    remote_bucket_name: telemetry
    max_queue_size_bytes: 67108860
    max_age_seconds: 604800
    drop_non_retryable_data: false
  contains:
    id:
      description: ID of the replication. V(null) in check mode when the replication would be created.
      type: str
      returned: when the replication exists
    org_id:
      description: ID of the organization that owns the replication.
      type: str
      returned: when the replication exists
    name:
      description: Name of the replication.
      type: str
      returned: when the replication exists
    description:
      description: Description of the replication; V(null) when it has none.
      type: str
      returned: when the replication exists
    remote_id:
      description: ID of the remote connection that the replication writes through.
      type: str
      returned: when the replication exists
    local_bucket_id:
      description:
        - ID of the local bucket whose writes are replicated.
        - V(null) in check mode when O(local_bucket) names a bucket that does not exist yet.
      type: str
      returned: when the replication exists
    remote_bucket_id:
      description:
        - ID of the bucket on the remote instance; V(null) for a replication created with a remote bucket name.
        - When RV(replication.remote_bucket_name) is not empty, the server writes to the name, not to this ID.
      type: str
      returned: when the replication exists
    remote_bucket_name:
      description: Name of the bucket on the remote instance; V("") for a replication that uses RV(replication.remote_bucket_id).
      type: str
      returned: when the replication exists
    max_queue_size_bytes:
      description: The most bytes the queue may hold.
      type: int
      returned: when the replication exists
    max_age_seconds:
      description: How long queued data is kept, in seconds, as the server stores it (V(0) is no age limit up to InfluxDB 2.8 and one week from 2.9).
      type: int
      returned: when the replication exists
    drop_non_retryable_data:
      description: Whether data that the remote rejects as invalid is dropped.
      type: bool
      returned: when the replication exists
status:
  description:
    - The live status of the replication, as the last answer of the server gave it; each value V(null)
      where the server has none yet (and all of them in check mode when the replication would be created).
    - The answer to a create gives the queue sizes as V(0) and no latest response, and the answer to an update
      gives no latest response (InfluxDB reads them back only on a GET); M(influxops.influxdb2.influx_replication_info)
      reports the live status.
    - An empty dict when the replication is absent. Never part of the diff; never makes the task changed.
  returned: always
  type: dict
  sample:
    current_queue_size_bytes: 8
    remaining_bytes_to_be_synced: 0
    latest_response_code: 204
    latest_error_message: null
  contains:
    current_queue_size_bytes:
      description: Size of the queue on disk, in bytes (never 0 once the queue exists, except in the answer to a create).
      type: int
      returned: when the replication exists
    remaining_bytes_to_be_synced:
      description: Bytes queued and not yet sent to the remote (InfluxDB 2.7 and later; V(null) on older servers).
      type: int
      returned: when the replication exists
    latest_response_code:
      description:
        - HTTP status of the remote's last answer to a write; V(0) when no answer came;
          V(null) until the first write to the remote.
      type: int
      returned: when the replication exists
    latest_error_message:
      description: The error of the last write to the remote, if any.
      type: str
      returned: when the replication exists
validated:
  description:
    - V(true) when O(validate=true) and the server validated the replication; V(null) when it was not validated
      (O(validate=false), or in check mode with a remote bucket name, see O(validate)).
    - When the validation fails, the task fails with RV(validated=false) and RV(ignore:remote_response_code), the
      status the remote answered (V(null) when no answer came).
  returned: always
  type: bool
  sample: true
server_version:
  description:
    - The version of the InfluxDB server, as its answers report it in their C(X-Influxdb-Version) header
      (read from the answers the task gets anyway, without a request of its own).
    - V(null) when no answer carried it, such as behind a proxy that drops the header, or when the task
      failed before the server answered.
  returned: always
  type: str
  sample: v2.7.12
"""

from ansible_collections.influxops.influxdb2.plugins.module_utils._connection import create_module, fail, resolve_connection
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxOpsError
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import replication_argument_spec
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import resolve_org
from ansible_collections.influxops.influxdb2.plugins.module_utils._replications import (
    Replications,
    desired_replication,
    resolve_names,
    result,
)
from ansible_collections.influxops.influxdb2.plugins.module_utils._resource import Run, converge_one


def main():
    module = create_module(replication_argument_spec())
    params = module.params
    try:
        conn = resolve_connection(params)
        desired = desired_replication(params)
        client = conn.client(module)
        org_id, org_confirmed = resolve_org(client, conn.org, conn.org_id)
        replications = Replications(client, org_id, org_confirmed)
        run = Run.of(module.check_mode)
        current = replications.find(params['name'])
        want = resolve_names(replications, desired, run) if params['state'] == 'present' else dict(name=params['name'])
        step = converge_one(run, replications, current, want, params['state'], replace=params['replace'], validate=params['validate'])
    except InfluxOpsError as exc:
        fail(module, exc)
    module.exit_json(**result(step.outcome, step.plan))


if __name__ == '__main__':
    main()
