#!/usr/bin/python
# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


DOCUMENTATION = r"""
module: influx_authorization_info
short_description: List InfluxDB OSS 2.x API tokens (authorizations) and their permissions
version_added: 0.2.0
description:
  - List the authorizations (C(/api/v2/authorizations)) of an organization with their permissions, optionally
    filtered by exact O(description) or O(user), or fetch one authorization by O(id).
  - Read-only. Never returns a token, not even from a server that lists them (InfluxDB before 2.9, or without token
    hashing).
  - The server lists only the authorizations that the connecting token may read (those of its organization and of
    users it may read); a token without that permission gets an empty list, not an error.
author:
  - InfluxOps contributors (@influxops)
extends_documentation_fragment:
  - influxops.influxdb2._connection
  - influxops.influxdb2._attributes
  - influxops.influxdb2._attributes.INFO_MODULE
options:
  description:
    description:
      - Return only the authorizations with exactly this description (there may be several).
      - V("") is no filter.
    type: str
  user:
    description:
      - Return only the authorizations owned by the user of this name.
      - V("") is no filter.
    type: str
  id:
    description:
      - Return only the authorization with this ID (16 hexadecimal characters).
      - With O(id), O(org) and O(org_id) are optional. When an organization is given and the authorization belongs to
        another one, nothing is returned.
      - An unknown ID returns an empty list, not an error. V("") is no filter.
    type: str
notes:
  - One request with O(org_id), two with O(org) (its ID is looked up by name). The server ignores paging on this list
    and always answers with every authorization.
seealso:
  - module: influxops.influxdb2.influx_authorization
  - module: influxops.influxdb2.influx_authorizations
"""

EXAMPLES = r"""
- name: List every authorization of the organization
  influxops.influxdb2.influx_authorization_info:
    host: https://central.example.com:8086
    token: "{{ influx_token }}"
    org: edge
  register: all_tokens

- name: Find the authorizations with one description
  influxops.influxdb2.influx_authorization_info:
    host: https://central.example.com:8086
    token: "{{ influx_token }}"
    org: edge
    description: edge-01 telemetry writer
  register: writer

- name: Fetch an authorization by ID, in any organization
  influxops.influxdb2.influx_authorization_info:
    host: https://central.example.com:8086
    token: "{{ influx_token }}"
    id: "{{ all_tokens.authorizations[0].id }}"
  register: by_id

- name: Show which buckets the first one may write to
  ansible.builtin.debug:
    msg: >-
      {{ by_id.authorizations[0].permissions | selectattr('action', '==', 'write')
         | selectattr('resource.type', '==', 'buckets') | map(attribute='resource.name') | list }}
"""

RETURN = r"""
authorizations:
  description:
    - The authorizations found, sorted by description, then ID; each as
      RV(influxops.influxdb2.influx_authorization#module:authorization) returns it. Always a list, empty when none
      matched.
    - Never contains a token.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 0b5e8a6f2c4d1e3f
      description: edge-01 telemetry writer
      status: active
      org_id: 1a2b3c4d5e6f7a8b
      user_id: 0c1d2e3f4a5b6c7d
      user: admin
      permissions:
        - action: write
          resource: {type: buckets, id: 0e0e0e0e0e0e0e01, name: telemetry, org_id: 1a2b3c4d5e6f7a8b, org: edge}
  contains:
    id:
      description: ID of the authorization.
      type: str
      returned: always
    description:
      description: Description of the authorization.
      type: str
      returned: always
    status:
      description: V(active) or V(inactive).
      type: str
      returned: always
    org_id:
      description: ID of the organization of the authorization.
      type: str
      returned: always
    user_id:
      description: ID of the user who owns the authorization.
      type: str
      returned: always
    user:
      description: Name of the user who owns the authorization; V(null) when the server does not say.
      type: str
      returned: always
    permissions:
      description:
        - The permissions, in the order of the server, each C({action, resource}) with the resource as C({type, id, name,
          org_id, org}); V(null) for what is not set or not known (the server adds C(name) and C(org)).
        - Without C(id), the permission is for every resource of the type; without C(org_id), in every organization.
      type: list
      elements: dict
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

from ansible_collections.influxops.influxdb2.plugins.module_utils._authorizations import Authorizations
from ansible_collections.influxops.influxdb2.plugins.module_utils._connection import create_module, fail, resolve_connection
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxOpsError
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import ArgumentSpec
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import resolve_org
from ansible_collections.influxops.influxdb2.plugins.module_utils._validators import check_id


def main():
    module = create_module(ArgumentSpec(dict(description=dict(type='str'), user=dict(type='str'), id=dict(type='str'))))
    params = module.params
    try:
        # An empty filter is no filter.
        description, user, authorization_id = (params[option] or None for option in ('description', 'user', 'id'))
        if authorization_id is not None:
            authorization_id = check_id(authorization_id, 'id')
        conn = resolve_connection(params, org_required=authorization_id is None)
        client = conn.client(module)
        authorizations = Authorizations(client, resolve_org(client, conn.org, conn.org_id)[0])
        if authorization_id is None:
            found = authorizations.list(description=description, user=user)
        else:
            one = authorizations.get(authorization_id)
            found = [one] if one and authorizations.matches(one, org_id=authorizations.org_id, description=description, user=user) else []
    except InfluxOpsError as exc:
        fail(module, exc)
    module.exit_json(changed=False, authorizations=sorted((authorizations.from_api(a) for a in found),
                                                          key=lambda a: (a['description'], a['id'])))


if __name__ == '__main__':
    main()
