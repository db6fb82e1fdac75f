#!/usr/bin/python
# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


DOCUMENTATION = r"""
module: influx_buckets
short_description: Manage the whole set of InfluxDB OSS 2.x buckets of an organization
version_added: 0.2.0
description:
  - Declare the buckets (C(/api/v2/buckets)) that an organization of an InfluxDB OSS 2.x server must
    have, in one task. Each bucket in O(buckets) is created, updated or deleted as
    M(influxops.influxdb2.influx_bucket) would do it, and with O(purge=true) every other user bucket of
    the organization is deleted.
  - One request lists the organization's buckets (one per 100 buckets); then only the writes that are
    needed are made. A run that changes nothing makes one request with O(org_id) and two with O(org)
    for up to 100 buckets, however many buckets the task declares.
  - The system buckets of the organization (V(_monitoring), V(_tasks)) are never changed or deleted,
    and are not in the results.
  - Every option of every bucket is checked, and every plan is made, before the first write. Buckets
    are created and updated first, then deleted.
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
        RV(ignore:changed), diff, RV(buckets), RV(created), RV(updated) and RV(deleted).
      - A bucket that would be created has V(null) as its ID.
  diff_mode:
    support: full
    details:
      - The organization's whole set of user buckets before and after, keyed by name. The header of the
        after side names the replications that the server deletes with a bucket, whose queued data is lost.
  idempotent:
    support: full
options:
  buckets:
    description:
      - The buckets of the organization, each identified by its O(buckets[].name).
      - Options that are not set in an item are left as they are on the server.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Name of the bucket, unique within the organization and within this list.
          - Must not be empty or only white space, start with V(_) or hold a V(").
        type: str
        required: true
      description:
        description:
          - Description of the bucket. V("") clears it.
        type: str
      retention:
        description:
          - How long the bucket keeps data, as O(influxops.influxdb2.influx_bucket#module:retention), an integer
            number of seconds or a duration such as V(30d), V(12h), V(1w), V(90m) or V(1d12h); V(0) or V(infinite)
            is forever, otherwise at least one hour.
          - Defaults to V(infinite) when the bucket is created.
        type: raw
      shard_group_duration:
        description:
          - The time span of each shard group, as
            O(influxops.influxdb2.influx_bucket#module:shard_group_duration); unset, the server derives it.
          - Must not be longer than the retention.
        type: raw
      state:
        description:
          - V(present) creates or updates the bucket; V(absent) deletes it, with all its data.
          - With V(absent), no option other than O(buckets[].name) may be set.
        type: str
        choices: [present, absent]
        default: present
  purge:
    description:
      - Delete every user bucket of the organization whose name is not in O(buckets), with its data.
      - With O(purge=true) and an empty O(buckets), every user bucket of the organization is deleted.
      - System buckets are never deleted.
    type: bool
    default: false
  delete_replications:
    description:
      - The server deletes the replications whose local bucket a deleted bucket is, and the data queued
        in them. Without O(delete_replications=true), a task that would delete such a bucket fails
        before any write and names the replications.
      - With O(delete_replications=true), they go with their buckets; the task warns and names them,
        and so does the header of the after side of the diff.
    type: bool
    default: false
notes:
  - If a write fails midway, the task fails with the name of the bucket and the reason. The writes made
    before it stay made; RV(created), RV(updated) and RV(deleted) list them, and RV(not_done) lists the
    writes that were not made. Fix the cause and run the task again; it carries on from where the server is.
  - A task that deletes a bucket makes one more request, to list the replications of the organization.
seealso:
  - module: influxops.influxdb2.influx_bucket
  - module: influxops.influxdb2.influx_bucket_info
  - module: influxops.influxdb2.influx_remotes
"""

EXAMPLES = r"""
- name: The edge instance has exactly these buckets
  influxops.influxdb2.influx_buckets:
    host: http://localhost:8086
    token: "{{ influx_token }}"
    org: edge
    purge: true
    buckets:
      - name: telemetry
        retention: 7d
      - name: logs
        description: Application logs, replicated to central
        retention: 30d
      - name: archive
        retention: infinite
        shard_group_duration: 1w
  register: result

- name: Summarise what changed
  ansible.builtin.debug:
    msg: "created {{ result.created }}, updated {{ result.updated }}, deleted {{ result.deleted }}"

- name: Remove one bucket, with the replications that replicate it, and leave the others alone
  influxops.influxdb2.influx_buckets:
    token: "{{ influx_token }}"
    org: edge
    delete_replications: true
    buckets:
      - name: archive
        state: absent
"""

RETURN = r"""
buckets:
  description:
    - Every user bucket of the organization after the task (the prediction in check mode), sorted by name.
    - In check mode, a bucket that would be created has RV(buckets[].id=null).
  returned: success
  type: list
  elements: dict
  sample:
    - id: 0d1e2f3a4b5c6d7e
      org_id: 1a2b3c4d5e6f7a8b
      name: logs
      description: Application logs, replicated to central
      retention_seconds: 2592000
      shard_group_duration_seconds: 86400
      type: user
  contains:
    id:
      description: ID of the bucket.
      type: str
      returned: always
    org_id:
      description: ID of the organization that owns the bucket.
      type: str
      returned: always
    name:
      description: Name of the bucket.
      type: str
      returned: always
    description:
      description: Description of the bucket; V("") when it has none.
      type: str
      returned: always
    retention_seconds:
      description: How long the bucket keeps data, in seconds; V(0) is forever.
      type: int
      returned: always
    shard_group_duration_seconds:
      description:
        - The time span of each shard group, in seconds, as the server reports it (V(null) when it does not).
        - In check mode, for a bucket that would be created without O(buckets[].shard_group_duration), the one
          the server derives from the retention.
      type: int
      returned: always
    type:
      description: Always V(user).
      type: str
      returned: always
created:
  description: Names of the buckets created (or that would be, in check mode), in the order they were written.
  returned: always
  type: list
  elements: str
  sample: [logs]
updated:
  description: Names of the buckets updated (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [telemetry]
deleted:
  description: Names of the buckets deleted (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [old-logs]
not_done:
  description:
    - When a write failed, the writes that were not made, including the one that failed.
  returned: failure of a write
  type: dict
  sample:
    created: []
    updated: []
    deleted: [old-logs]
  contains:
    created:
      description: Names of the buckets that were not created.
      type: list
      elements: str
      returned: always
    updated:
      description: Names of the buckets that were not updated.
      type: list
      elements: str
      returned: always
    deleted:
      description: Names of the buckets that were not deleted.
      type: list
      elements: str
      returned: always
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

from ansible_collections.influxops.influxdb2.plugins.module_utils._buckets import Buckets, bucket_users, check_buckets, converge_buckets
from ansible_collections.influxops.influxdb2.plugins.module_utils._connection import create_module, fail, resolve_connection
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxOpsError
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import ArgumentSpec, bucket_argument_spec
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import resolve_org
from ansible_collections.influxops.influxdb2.plugins.module_utils._replications import Replications
from ansible_collections.influxops.influxdb2.plugins.module_utils._resource import Run, diff


def main():
    module = create_module(ArgumentSpec(dict(
        buckets=bucket_argument_spec().suboptions(type='list', elements='dict', default=[]),
        purge=dict(type='bool', default=False),
        delete_replications=dict(type='bool', default=False),
    )))
    params = module.params
    try:
        conn = resolve_connection(params)
        desired_list = check_buckets(params['buckets'])
        client = conn.client(module)
        org_id = resolve_org(client, conn.org, conn.org_id)[0]
        buckets = Buckets(client, org_id, delete_replications=params['delete_replications'],
                          users=bucket_users(Replications(client, org_id)))
        outcome = converge_buckets(Run.of(module.check_mode), buckets, desired_list, params['purge'])
    except InfluxOpsError as exc:
        fail(module, exc)
    module.exit_json(changed=outcome.changed, buckets=[outcome.after[name] for name in sorted(outcome.after)],
                     diff=diff(buckets, outcome.before, outcome.after, [], outcome.notes), **outcome.done)


if __name__ == '__main__':
    main()
