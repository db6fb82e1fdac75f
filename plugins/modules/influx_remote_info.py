#!/usr/bin/python
# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


DOCUMENTATION = r"""
module: influx_remote_info
short_description: List InfluxDB OSS 2.x remote connections
version_added: 0.1.0
description:
  - List the remote connections (C(/api/v2/remotes)) of an organization, optionally filtered by
    exact O(name) or O(remote_url), or fetch one remote by O(id).
  - Read-only; API tokens are never returned by the API, nor by this module.
author:
  - InfluxOps contributors (@influxops)
extends_documentation_fragment:
  - influxops.influxdb2._connection
  - influxops.influxdb2._attributes
  - influxops.influxdb2._attributes.INFO_MODULE
options:
  name:
    description:
      - Return only the remote with exactly this name.
      - V("") is no filter, as in the API and the influx CLI.
    type: str
  remote_url:
    description:
      - Return only the remotes with exactly this URL.
      - V("") is no filter, as in the API and the influx CLI.
    type: str
  id:
    description:
      - Return only the remote with this ID (16 hexadecimal characters).
      - With O(id), O(org) and O(org_id) are optional. When an organization is given and the remote
        belongs to another one, nothing is returned.
      - An unknown ID returns an empty list, not an error. V("") is no filter.
    type: str
notes:
  - One request with O(org_id), two with O(org) (its ID is looked up by name).
seealso:
  - module: influxops.influxdb2.influx_remote
"""

EXAMPLES = r"""
- name: List every remote connection of the organization
  influxops.influxdb2.influx_remote_info:
    host: http://localhost:8086
    token: "{{ influx_token }}"
    org: edge
  register: all_remotes

- name: Find a remote by name
  influxops.influxdb2.influx_remote_info:
    token: "{{ influx_token }}"
    org_id: 1a2b3c4d5e6f7a8b
    name: central
  register: central

- name: Show its ID
  ansible.builtin.debug:
    msg: "{{ central.remotes[0].id if central.remotes else 'no such remote' }}"

- name: Fetch a remote by ID, in any organization
  influxops.influxdb2.influx_remote_info:
    token: "{{ influx_token }}"
    id: 0b5e8a6f2c4d1e3f
  register: by_id
"""

RETURN = r"""
remotes:
  description:
    - The remote connections found, sorted by name. Always a list, empty when none matched.
    - Never contains an API token.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 0b5e8a6f2c4d1e3f
      org_id: 1a2b3c4d5e6f7a8b
      name: central
      description: Central InfluxDB in the data centre
      remote_url: https://central.example.com:8086
      remote_org_id: 0a1b2c3d4e5f6a7b
      allow_insecure_tls: false
  contains:
    id:
      description: ID of the remote.
      type: str
      returned: always
    org_id:
      description: ID of the organization that owns the remote.
      type: str
      returned: always
    name:
      description: Name of the remote.
      type: str
      returned: always
    description:
      description: Description of the remote; V(null) when it has none.
      type: str
      returned: always
    remote_url:
      description: URL of the remote InfluxDB instance.
      type: str
      returned: always
    remote_org_id:
      description: ID of the organization on the remote instance; V(null) when unset.
      type: str
      returned: always
    allow_insecure_tls:
      description: Whether TLS verification of the remote instance is skipped.
      type: bool
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

from ansible_collections.influxops.influxdb2.plugins.module_utils._connection import create_module, fail, resolve_connection
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxOpsError
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import ArgumentSpec
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import resolve_org
from ansible_collections.influxops.influxdb2.plugins.module_utils._remotes import Remotes
from ansible_collections.influxops.influxdb2.plugins.module_utils._validators import check_id


def main():
    module = create_module(ArgumentSpec(dict(name=dict(type='str'), remote_url=dict(type='str'), id=dict(type='str'))))
    params = module.params
    try:
        # An empty filter is no filter, as in the API and the influx CLI.
        name, remote_url, remote_id = (params[option] or None for option in ('name', 'remote_url', 'id'))
        if remote_id is not None:
            remote_id = check_id(remote_id, 'id')
        conn = resolve_connection(params, org_required=remote_id is None)
        client = conn.client(module)
        remotes = Remotes(client, resolve_org(client, conn.org, conn.org_id)[0])
        if remote_id is None:
            found = remotes.list(name=name, remote_url=remote_url)
        else:
            remote = remotes.get(remote_id)
            found = [remote] if remote and remotes.matches(remote, org_id=remotes.org_id, name=name, remote_url=remote_url) else []
    except InfluxOpsError as exc:
        fail(module, exc)
    module.exit_json(changed=False, remotes=sorted((remotes.from_api(r) for r in found), key=lambda r: (r['name'] or '', r['id'] or '')))


if __name__ == '__main__':
    main()
