#!/usr/bin/python
# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


DOCUMENTATION = r"""
module: influx_replication_info
short_description: List InfluxDB OSS 2.x replications and their health
version_added: 0.2.0
description:
  - List the replications (C(/api/v2/replications)) of an organization, optionally filtered by exact
    O(name), by remote connection, or by local bucket, or fetch one replication by O(id).
  - Each replication comes with its live status and a health classification, so that one task
    per host tells whether replication works across a fleet.
  - Read-only. Without O(wait_for), it never fails on the health of a replication.
  - With O(wait_for), it reads the replications again and again, inside one task, until every one is drained (has sent
    everything it queued) or healthy, or O(timeout) passes; the task fails then.
author:
  - InfluxOps contributors (@influxops)
extends_documentation_fragment:
  - influxops.influxdb2._connection
  - influxops.influxdb2._attributes
  - influxops.influxdb2._attributes.INFO_MODULE
options:
  name:
    description:
      - Return only the replication with exactly this name.
      - V("") is no filter.
    type: str
  remote:
    description:
      - Return only the replications that use the remote connection with this name.
      - Mutually exclusive with O(remote_id). A name that the organization does not have returns an empty list.
      - V("") is no filter.
    type: str
  remote_id:
    description:
      - Return only the replications that use the remote connection with this ID (16 hexadecimal characters).
      - V("") is no filter.
    type: str
  local_bucket:
    description:
      - Return only the replications of the local bucket with this name.
      - Mutually exclusive with O(local_bucket_id). A name that the organization does not have returns an empty list.
      - V("") is no filter.
    type: str
  local_bucket_id:
    description:
      - Return only the replications of the local bucket with this ID (16 hexadecimal characters).
      - V("") is no filter.
    type: str
  id:
    description:
      - Return only the replication with this ID (16 hexadecimal characters).
      - With O(id), O(org) and O(org_id) are optional (unless O(remote) or O(local_bucket) is set). When an
        organization is given and the replication belongs to another one, nothing is returned.
      - An unknown ID returns an empty list, not an error. V("") is no filter.
    type: str
  backlog_threshold:
    description:
      - The share of O(influxops.influxdb2.influx_replication#module:max_queue_size_bytes) that
        data waiting to be sent must reach for a replication to be reported as V(backlog).
      - When the queue is full (V(1.0)), the server silently drops new points for that replication.
      - A number greater than V(0) and at most V(1); V(1) reports a backlog only when the queue is full.
    type: float
    default: 0.8
  wait_for:
    description:
      - Wait until every replication that the filters select is V(drained) or V(healthy), reading the replications again
        every O(poll) seconds, for at most O(timeout) seconds.
      - V(drained) holds when RV(replications[].status.remaining_bytes_to_be_synced) is V(0) for each one, that is, the
        replication has sent everything it queued to the remote, whatever its health. Stop the writers to the
        local buckets first, or new points keep the queues busy.
      - V(drained) needs InfluxDB 2.7 or later, since older servers do not report the remaining bytes; on an older
        server the task fails at the first read, without waiting. V(healthy) works there, and its verdict follows
        the remote's last answer alone.
      - V(healthy) holds when RV(replications[].health) is V(healthy) for each one. A replication to whose local
        bucket nothing was written since it was created or the server started is V(unknown), not V(healthy), until
        a point is written there.
      - Each read lists the replications that match the filters at that time, so a replication deleted meanwhile
        no longer counts. The names in the filters (O(org), O(remote), O(local_bucket)) are resolved once, before
        the first read.
      - When no replication matches, there is nothing to wait for, and the task succeeds at the first read, with a warning.
      - When O(timeout) passes first, the task fails with a message that names each replication that is not
        there yet, and why (the bytes that remain, its RV(replications[].health) and RV(replications[].health_reason));
        it still returns RV(replications) as last read, RV(waited) and RV(attempts).
      - Not set, the replications are read once.
    type: str
    choices: [drained, healthy]
  timeout:
    description:
      - Without O(wait_for), the timeout in seconds for each HTTP request, as in every module of the collection.
      - With O(wait_for), how many seconds to wait at most, counted from the start of the first read of the
        replications; the last read is made at that time. Each request then has a timeout of
        V(10) seconds, or O(timeout) when that is shorter.
      - A number greater than V(0) and at most V(3600) (one hour; to wait longer, repeat the task with C(until)).
      - Not set, V(10) for each request, and V(60) for the whole wait with O(wait_for).
    type: float
    default: null
  poll:
    description:
      - With O(wait_for), how many seconds to wait between two reads of the replications; each read is one request.
      - From V(0.1) to V(3600), and at most O(timeout).
    type: float
    default: 1
notes:
  - One request with O(org_id), and one more for each name to resolve (O(org), O(remote), O(local_bucket)).
    With O(wait_for), one more request for each further read, every O(poll) seconds.
  - Check mode makes no difference, since the module only reads; with O(wait_for), it reads and waits in check mode too.
seealso:
  - module: influxops.influxdb2.influx_replication
  - module: influxops.influxdb2.influx_remote_info
"""

EXAMPLES = r"""
- name: List every replication of the organization, with its health
  influxops.influxdb2.influx_replication_info:
    host: http://localhost:8086
    token: "{{ influx_token }}"
    org: edge
  register: replications

- name: Show why each replication that is not healthy is not
  ansible.builtin.debug:
    msg: "{{ replications.replications | rejectattr('health', 'equalto', 'healthy') | items2dict(key_name='name', value_name='health_reason') }}"

- name: List the replications of the local bucket telemetry that use the remote central
  influxops.influxdb2.influx_replication_info:
    token: "{{ influx_token }}"
    org_id: 1a2b3c4d5e6f7a8b
    remote: central
    local_bucket: telemetry
    backlog_threshold: 0.5
  register: telemetry

- name: After a change of the remote connection's token, wait until its replications are healthy again
  influxops.influxdb2.influx_replication_info:
    token: "{{ influx_token }}"
    org: edge
    remote: central
    wait_for: healthy
    timeout: 120

# Retiring an edge: once its writers are stopped (nothing new is queued), let its replications send
# everything they queued before its remote connection goes.
- name: Wait until every replication to central has sent everything it queued (at most 10 minutes)
  influxops.influxdb2.influx_replication_info:
    token: "{{ influx_token }}"
    org: edge
    remote: central
    wait_for: drained
    timeout: 600
    poll: 5

- name: Delete the remote connection to central and its replications
  influxops.influxdb2.influx_remote:
    token: "{{ influx_token }}"
    org: edge
    name: central
    state: absent
    delete_replications: true
"""

RETURN = r"""
replications:
  description:
    - The replications found, sorted by name. Always a list, empty when none matched.
    - With O(wait_for), as the last read found them, also when the task fails because O(timeout) passed.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 0c9d8e7f6a5b4c3d
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
      status:
        current_queue_size_bytes: 8
        remaining_bytes_to_be_synced: 0
        latest_response_code: 401
        latest_error_message: "401 Unauthorized: unauthorized access"
      health: failing
      health_reason: >-
        the remote refuses the token of the remote connection (401: 401 Unauthorized: unauthorized access):
        give the remote connection a valid token of the remote server (remote_api_token with
        update_remote_api_token=always)
  contains:
    id:
      description: ID of the replication.
      type: str
      returned: always
    org_id:
      description: ID of the organization that owns the replication.
      type: str
      returned: always
    name:
      description: Name of the replication.
      type: str
      returned: always
    description:
      description: Description of the replication; V(null) when it has none.
      type: str
      returned: always
    remote_id:
      description: ID of the remote connection that the replication writes through.
      type: str
      returned: always
    local_bucket_id:
      description: ID of the local bucket whose writes are replicated.
      type: str
      returned: always
    remote_bucket_id:
      description: ID of the bucket on the remote instance; V(null) for a replication created with a remote bucket name.
      type: str
      returned: always
    remote_bucket_name:
      description: Name of the bucket on the remote instance; V("") for a replication that uses the ID.
      type: str
      returned: always
    max_queue_size_bytes:
      description: The most bytes the queue may hold.
      type: int
      returned: always
    max_age_seconds:
      description: How long queued data is kept, in seconds, as the server stores it.
      type: int
      returned: always
    drop_non_retryable_data:
      description: Whether data that the remote rejects as invalid is dropped.
      type: bool
      returned: always
    status:
      description: The live status of the replication; each value V(null) where the server has none yet.
      type: dict
      returned: always
      contains:
        current_queue_size_bytes:
          description: Size of the queue on disk, in bytes.
          type: int
          returned: always
        remaining_bytes_to_be_synced:
          description: Bytes queued and not yet sent to the remote (InfluxDB 2.7 and later; V(null) on older servers).
          type: int
          returned: always
        latest_response_code:
          description: HTTP status of the remote's last answer; V(0) when no answer came; V(null) before the first write.
          type: int
          returned: always
        latest_error_message:
          description: The error of the last write to the remote, if any.
          type: str
          returned: always
    health:
      description:
        - V(failing) when the remote's last answer is not V(204);
        - else V(backlog) when the data waiting to be sent reaches O(backlog_threshold) of the queue's maximum size;
        - else V(unknown) when no write to the remote was attempted yet;
        - else V(healthy).
        - InfluxDB older than 2.7 does not report RV(replications[].status.remaining_bytes_to_be_synced), so there
          the backlog cannot be judged and the verdict follows the remote's last answer alone.
      type: str
      returned: always
      choices: [failing, backlog, unknown, healthy]
    health_reason:
      description:
        - For a replication that is not healthy, one sentence that names the cause and what to change, from the
          remote's last answer (RV(replications[].status.latest_error_message)) read as InfluxDB's write endpoint
          words it; the cause is an option of the remote connection (such as
          O(influxops.influxdb2.influx_remote#module:remote_org_id) or
          O(influxops.influxdb2.influx_remote#module:remote_api_token)), of the replication (such as
          O(influxops.influxdb2.influx_replication#module:remote_bucket)), the remote server, or the data itself.
        - It advises O(influxops.influxdb2.influx_replication#module:drop_non_retryable_data) only when the remote
          refuses the data itself (line protocol it cannot parse), since that option drops every batch the remote
          answers with 400; an answer it does not know is quoted without that advice.
        - V(null) when healthy, except on InfluxDB older than 2.7, where it says that the backlog cannot be judged.
        - The troubleshooting guide lists every answer with its cause and fix.
      type: str
      returned: always
waited:
  description:
    - With O(wait_for), the seconds from the start of the first read of the replications to the end of the last one.
  returned: when O(wait_for) is set, also when the task fails on the timeout or on a request
  type: float
  sample: 12.031
attempts:
  description:
    - With O(wait_for), how many times the replications were read, the first time included; each read is one request
      (none when a name of the filters matched nothing, so that no replication could match).
  returned: when O(wait_for) is set, also when the task fails on the timeout or on a request
  type: int
  sample: 13
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

import typing as t

from ansible_collections.influxops.influxdb2.plugins.module_utils._buckets import Buckets
from ansible_collections.influxops.influxdb2.plugins.module_utils._connection import DEFAULT_TIMEOUT, create_module, fail, resolve_connection
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxOpsError, OptionError
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import DEFAULT_WAIT_TIMEOUT, replication_info_argument_spec
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import resolve_org
from ansible_collections.influxops.influxdb2.plugins.module_utils._remotes import Remotes
from ansible_collections.influxops.influxdb2.plugins.module_utils._replications import Replications, health, not_yet, status_from_api
from ansible_collections.influxops.influxdb2.plugins.module_utils._validators import check_id
from ansible_collections.influxops.influxdb2.plugins.module_utils._version import parse_version
from ansible_collections.influxops.influxdb2.plugins.module_utils._wait import Wait

FILTERS = ('name', 'remote', 'remote_id', 'local_bucket', 'local_bucket_id', 'id')


def reader(client, org_id, given, threshold):
    """A function that reads the replications that the filters ``given`` select and returns them as the module
    does, with their status and health, sorted by name. The names of the filters are resolved to IDs here, once
    (one GET each); each read is one GET."""
    replications = Replications(client, org_id)
    remote_id, bucket_id, known = given['remote_id'], given['local_bucket_id'], True
    if given['remote'] is not None:
        remote = Remotes(client, org_id).find(given['remote'])
        remote_id, known = (remote['id'], True) if remote else (None, False)
    if known and given['local_bucket'] is not None:
        bucket = Buckets(client, org_id).find(given['local_bucket'])
        bucket_id, known = (bucket['id'], True) if bucket else (None, False)

    def find():
        if not known:
            return []
        if given['id'] is None:
            return replications.list(name=given['name'], remote_id=remote_id, local_bucket_id=bucket_id)
        replication = replications.get(given['id'])
        if replication and replications.matches(replication, org_id=org_id, name=given['name'], remote_id=remote_id,
                                                local_bucket_id=bucket_id):
            return [replication]
        return []

    def read():
        found = find()
        # the version as the answers so far tell it, the read's own included
        server_version = parse_version(client.server_version)
        listed = []
        for item in found:
            replication, status = replications.from_api(item), status_from_api(item)
            state, reason = health(replication, status, threshold, server_version=server_version)
            listed.append(dict(replication, status=status, health=state, health_reason=reason))
        listed.sort(key=lambda r: (r['name'] or '', r['id'] or ''))
        return listed
    return read


def main():
    module = create_module(replication_info_argument_spec())
    params = module.params
    condition = params['wait_for']
    wait: Wait | None = None
    try:
        # An empty filter is no filter, as in the API and the influx CLI.
        given: dict[str, t.Any] = dict((option, params[option] or None) for option in FILTERS)
        # by hand: an empty filter does not conflict with its ID form, and AnsibleModule's
        # mutually_exclusive would count it as set
        for by_name, by_id in (('remote', 'remote_id'), ('local_bucket', 'local_bucket_id')):
            if given[by_name] is not None and given[by_id] is not None:
                raise OptionError('%s and %s are mutually exclusive: set only one of them' % (by_name, by_id))
        for option in ('remote_id', 'local_bucket_id', 'id'):
            if given[option] is not None:
                given[option] = check_id(given[option], option)
        if condition is None:
            request_timeout = DEFAULT_TIMEOUT if params['timeout'] is None else params['timeout']
        else:
            # timeout bounds the whole wait; each request has the connection's default, at most that long
            wait = Wait(DEFAULT_WAIT_TIMEOUT if params['timeout'] is None else params['timeout'], params['poll'])
            request_timeout = min(DEFAULT_TIMEOUT, wait.timeout)
        conn = resolve_connection(dict(params, timeout=request_timeout),
                                  org_required=given['id'] is None or given['remote'] is not None or given['local_bucket'] is not None)
        client = conn.client(module)
        read = reader(client, resolve_org(client, conn.org, conn.org_id)[0], given, params['backlog_threshold'])
        if wait is None:
            module.exit_json(changed=False, replications=read())
        else:
            listed = wait.until(read, lambda value: not_yet(condition, value, client.server_version), 'wait_for=' + condition,
                                client.sleep)
            if not listed:
                module.warn('wait_for=%s: no replication matches the filters, so there is nothing to wait for' % condition)
            module.exit_json(changed=False, **wait.result('replications'))
    except InfluxOpsError as exc:
        fail(module, exc, **(wait.result('replications') if condition and wait else {}))


if __name__ == '__main__':
    main()
