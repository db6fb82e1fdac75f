#!/usr/bin/python
# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


DOCUMENTATION = r"""
module: influx_bucket
short_description: Manage an InfluxDB OSS 2.x bucket
version_added: 0.2.0
description:
  - Create, update or delete a bucket (C(/api/v2/buckets)) of an InfluxDB OSS 2.x server, such as the
    local bucket that a replication streams on an edge instance, or its target bucket on the central one.
  - The bucket is found by O(name) within the organization, so that the task is idempotent; it creates
    the bucket when it is missing, changes only what differs from the options that are set, and does
    nothing when nothing differs.
  - Options that are not set are left as they are on the server.
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
        RV(ignore:changed), diff and predicted RV(bucket).
  diff_mode:
    support: full
    details:
      - The bucket before and after. When O(delete_replications=true) deletes replications with the
        bucket, the header of the after side says that their queued data and the bucket's data are lost.
  idempotent:
    support: full
options:
  name:
    description:
      - Name of the bucket, unique within the organization (compared with regard to case).
      - Must not be empty or only white space, start with V(_) or hold a V(") (the server refuses such
        names; its system buckets V(_monitoring) and V(_tasks) are never changed or deleted).
    type: str
    required: true
  description:
    description:
      - Description of the bucket. V("") clears it.
    type: str
  retention:
    description:
      - How long the bucket keeps data.
      - An integer number of seconds, or a duration as the C(influx) CLI writes it, such as V(30d),
        V(12h), V(1w), V(90m) or V(1d12h) (units V(w), V(d), V(h), V(m) for minutes, V(s)).
      - V(0) or V(infinite) keeps data forever. Otherwise at least one hour; the task fails before any
        request on a shorter one (the server would answer with an error after half creating the bucket).
      - Defaults to V(infinite) when the bucket is created; left as it is otherwise.
      - A retention below the shard-group duration of an existing bucket is sent with the shard-group
        duration that the server derives for it (see O(shard_group_duration)), unless that is set.
    type: raw
  shard_group_duration:
    description:
      - The time span of each shard group of the bucket, in the format of O(retention); not V(0).
      - Unset, the server derives it from the retention when the bucket is created (one hour for a
        retention under two days, one day under 180 days, one week for a longer or infinite one) and
        keeps it when the retention changes; a value under one hour is one hour, as the server keeps it.
      - Must not be longer than the retention; the task fails before any write otherwise.
    type: raw
  state:
    description:
      - V(present) creates or updates the bucket; V(absent) deletes it, with all its data.
      - The server deletes the replications whose local bucket it is with it, and the data queued in
        them; the task fails instead and names them, unless O(delete_replications=true).
    type: str
    choices: [present, absent]
    default: present
  delete_replications:
    description:
      - With O(state=absent), let the server delete the replications whose local bucket the bucket
        is with it. The data queued in them and not yet sent is lost; the task warns and names them,
        and so does the header of the after side of the diff.
      - Only with O(state=absent).
    type: bool
    default: false
notes:
  - Requests made by a run that changes nothing, one with O(org_id) and two with O(org). A create or an
    update adds one; a delete adds one to list the replications of the organization, and the delete.
  - When two runs create the same bucket at the same moment, the one that loses reads the bucket back
    and only changes what still differs.
  - Retention and shard-group duration are compared as the server stores them, in seconds, so that
    V(2h), V(120m) and V(7200) are the same and a shard-group duration that the server derived is not a
    difference on the next run.
seealso:
  - module: influxops.influxdb2.influx_buckets
  - module: influxops.influxdb2.influx_bucket_info
  - module: influxops.influxdb2.influx_replication
  - name: InfluxDB bucket documentation
    description: Manage buckets of InfluxDB OSS 2.x.
    link: https://docs.influxdata.com/influxdb/v2/admin/buckets/
"""

EXAMPLES = r"""
- name: Ensure the edge instance has a bucket that keeps data for 30 days
  influxops.influxdb2.influx_bucket:
    host: http://localhost:8086
    token: "{{ influx_token }}"
    org: edge
    name: logs
    description: Application logs, replicated to central
    retention: 30d

- name: Keep data forever, in shard groups of one day
  influxops.influxdb2.influx_bucket:
    token: "{{ influx_token }}"
    org_id: 1a2b3c4d5e6f7a8b
    name: archive
    retention: infinite
    shard_group_duration: 1d

- name: Connection options for every task of a play
  module_defaults:
    group/influxops.influxdb2.influxdb:
      host: https://edge-01.example.com:8086
      token: "{{ influx_token }}"
      org: edge
      ca_path: /etc/ssl/certs/internal-ca.pem
  block:
    - name: Shorten the retention of a bucket to 12 hours
      influxops.influxdb2.influx_bucket:
        name: logs
        retention: 12h

    - name: Remove a bucket that is no longer used, with its data
      influxops.influxdb2.influx_bucket:
        name: archive
        state: absent

    - name: Remove a bucket with the replications that replicate it (their queued data is lost)
      influxops.influxdb2.influx_bucket:
        name: logs
        state: absent
        delete_replications: true
"""

RETURN = r"""
bucket:
  description:
    - The bucket after the task; the prediction in check mode.
    - An empty dict when the bucket is absent.
  returned: always
  type: dict
  sample:
    id: 0d1e2f3a4b5c6d7e
    org_id: 1a2b3c4d5e6f7a8b
    name: logs
    description: Application logs, replicated to central
    retention_seconds: 2592000
    shard_group_duration_seconds: 86400
    type: user
  contains:
    id:
      description: ID of the bucket. V(null) in check mode when the bucket would be created.
      type: str
      returned: when the bucket exists
    org_id:
      description: ID of the organization that owns the bucket.
      type: str
      returned: when the bucket exists
    name:
      description: Name of the bucket.
      type: str
      returned: when the bucket exists
    description:
      description: Description of the bucket; V("") when it has none.
      type: str
      returned: when the bucket exists
    retention_seconds:
      description: How long the bucket keeps data, in seconds; V(0) is forever.
      type: int
      returned: when the bucket exists
    shard_group_duration_seconds:
      description:
        - The time span of each shard group, in seconds, as the server reports it.
        - In check mode, for a bucket that would be created without O(shard_group_duration), the one the
          server derives from the retention.
        - V(null) when the server does not report one.
      type: int
      returned: when the bucket exists
    type:
      description: V(user) for a bucket of the organization's users, V(system) for the server's own.
      type: str
      returned: when the bucket exists
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


from ansible_collections.influxops.influxdb2.plugins.module_utils._buckets import Buckets, bucket_users, desired_bucket, loss_notes
from ansible_collections.influxops.influxdb2.plugins.module_utils._connection import create_module, fail, resolve_connection
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxOpsError, OptionError
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import bucket_argument_spec
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import resolve_org
from ansible_collections.influxops.influxdb2.plugins.module_utils._replications import Replications
from ansible_collections.influxops.influxdb2.plugins.module_utils._resource import Run, converge_one


def main():
    module = create_module(bucket_argument_spec().update_argspec(delete_replications=dict(type='bool', default=False)))
    params = module.params
    try:
        conn = resolve_connection(params)
        desired = desired_bucket(params)
        # by hand: required_if cannot say "only with state=absent", since state has a default
        if params['delete_replications'] and params['state'] != 'absent':
            raise OptionError('delete_replications lets the server delete the replications of a bucket that the task deletes: '
                              'it needs state=absent')
        client = conn.client(module)
        org_id = resolve_org(client, conn.org, conn.org_id)[0]
        buckets = Buckets(client, org_id, delete_replications=params['delete_replications'],
                          users=bucket_users(Replications(client, org_id)))
        step = converge_one(Run.of(module.check_mode), buckets, buckets.find(params['name']), desired, params['state'])
    except InfluxOpsError as exc:
        fail(module, exc)
    outcome = step.outcome
    if outcome is None:
        raise AssertionError('the engine has set outcome')
    module.exit_json(changed=outcome.changed, bucket=outcome.after, diff=buckets.diff(outcome, loss_notes(buckets, [step])))


if __name__ == '__main__':
    main()
