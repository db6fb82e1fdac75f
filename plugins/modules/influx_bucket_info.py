#!/usr/bin/python
# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


DOCUMENTATION = r"""
module: influx_bucket_info
short_description: List InfluxDB OSS 2.x buckets
version_added: 0.2.0
description:
  - List the buckets (C(/api/v2/buckets)) of an organization that the token can read, optionally
    filtered by exact O(name), or fetch one bucket by O(id).
  - The system buckets of the organization (V(_monitoring), V(_tasks)) are left out unless
    O(include_system=true).
author:
  - InfluxOps contributors (@influxops)
extends_documentation_fragment:
  - influxops.influxdb2._connection
  - influxops.influxdb2._attributes
  - influxops.influxdb2._attributes.INFO_MODULE
options:
  name:
    description:
      - Return only the bucket with exactly this name (compared with regard to case).
      - V("") is no filter.
    type: str
  id:
    description:
      - Return only the bucket with this ID (16 hexadecimal characters).
      - With O(id), O(org) and O(org_id) are optional. When an organization is given and the bucket
        belongs to another one, nothing is returned.
      - An unknown ID returns an empty list, not an error. V("") is no filter.
    type: str
  include_system:
    description:
      - Whether the system buckets of the organization are returned too.
    type: bool
    default: false
notes:
  - Without O(name) and O(id), the buckets are read in pages of 100, one request each; with O(name) or
    O(id), one request. O(org) adds one (its ID is looked up by name).
  - A token that may only write to a bucket sees none; the list is then empty.
seealso:
  - module: influxops.influxdb2.influx_bucket
  - module: influxops.influxdb2.influx_buckets
"""

EXAMPLES = r"""
- name: List every user bucket of the organization
  influxops.influxdb2.influx_bucket_info:
    host: http://localhost:8086
    token: "{{ influx_token }}"
    org: edge
  register: all_buckets

- name: Find a bucket by name, system buckets included
  influxops.influxdb2.influx_bucket_info:
    token: "{{ influx_token }}"
    org_id: 1a2b3c4d5e6f7a8b
    name: _monitoring
    include_system: true
  register: monitoring

- name: Show how long it keeps data
  ansible.builtin.debug:
    msg: "{{ monitoring.buckets[0].retention_seconds if monitoring.buckets else 'no such bucket' }}"
"""

RETURN = r"""
buckets:
  description:
    - The buckets found, sorted by name. Always a list, empty when none matched.
  returned: always
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
      description: The time span of each shard group, in seconds; V(null) when the server does not report one.
      type: int
      returned: always
    type:
      description: V(user) for a bucket of the organization's users, V(system) for the server's own.
      type: str
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

from ansible_collections.influxops.influxdb2.plugins.module_utils._buckets import Buckets
from ansible_collections.influxops.influxdb2.plugins.module_utils._connection import create_module, fail, resolve_connection
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxOpsError
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import ArgumentSpec
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import resolve_org
from ansible_collections.influxops.influxdb2.plugins.module_utils._validators import check_id


def main():
    module = create_module(ArgumentSpec(dict(name=dict(type='str'), id=dict(type='str'),
                                             include_system=dict(type='bool', default=False))))
    params = module.params
    try:
        # An empty filter is no filter.
        name, bucket_id = (params[option] or None for option in ('name', 'id'))
        if bucket_id is not None:
            bucket_id = check_id(bucket_id, 'id')
        conn = resolve_connection(params, org_required=bucket_id is None)
        client = conn.client(module)
        buckets = Buckets(client, resolve_org(client, conn.org, conn.org_id)[0])
        if bucket_id is None:
            found = buckets.list(name=name)
        else:
            bucket = buckets.get(bucket_id)
            found = [bucket] if bucket and buckets.matches(bucket, org_id=buckets.org_id, name=name) else []
    except InfluxOpsError as exc:
        fail(module, exc)
    listed = [buckets.from_api(b) for b in found if params['include_system'] or b['type'] != 'system']
    module.exit_json(changed=False, buckets=sorted(listed, key=lambda b: (b['name'], b['id'])))


if __name__ == '__main__':
    main()
