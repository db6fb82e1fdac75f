#!/usr/bin/python
# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


DOCUMENTATION = r"""
module: influx_authorizations
short_description: Manage the set of InfluxDB OSS 2.x API tokens (authorizations) of an organization
version_added: 0.2.0
description:
  - Declare the authorizations (C(/api/v2/authorizations)), the API tokens with their permissions, that an
    organization of an InfluxDB OSS 2.x server must have, in one task, such as one write token per edge instance.
    Each item of O(authorizations) is created, updated, replaced, rotated or deleted as
    M(influxops.influxdb2.influx_authorization) would do it, and with O(purge=true) the other authorizations whose
    description starts with O(purge_prefix) are deleted.
  - One request lists the organization's authorizations, and one more lists its buckets (per 100 buckets) when a
    bucket is given by name; then only the writes that are needed are made. A run that changes nothing makes one
    request with O(org_id) (two with buckets given by name), however many authorizations there are; one more with
    O(org). An item that does not set O(authorizations[].user) costs one more request (C(GET /api/v2/me)) only when
    the task creates an authorization for it.
  - Every option of every item is checked, every name is resolved, and every authorization to create is checked to
    have what it needs, before the first write. Creates, updates, replaces and rotations come first, deletes last.
  - The tokens of the authorizations that the task creates are returned in RV(tokens), and only there. Set
    C(no_log) to V(true) on every task that registers RV(tokens).
author:
  - InfluxOps contributors (@influxops)
extends_documentation_fragment:
  - influxops.influxdb2._connection
  - influxops.influxdb2._attributes
attributes:
  check_mode:
    support: full
    details:
      - Makes the read requests that a real run makes to plan its writes, and no write request; returns the same
        RV(ignore:changed), diff, result lists and predicted RV(authorizations). RV(tokens) is empty.
  diff_mode:
    support: full
    details:
      - The diff lists the authorizations of the organization before and after, sorted by description, and never
        contains a token. When an authorization is replaced or rotated, the header of the after side says that whoever
        uses the old token must get the new one.
  idempotent:
    support: partial
    details:
      - Idempotent, except for the items with O(authorizations[].rotate=true), which get a new token on every run.
options:
  authorizations:
    description:
      - The authorizations that the organization must have (or not have, with O(authorizations[].state=absent)).
      - Each description and each ID may appear once.
    type: list
    elements: dict
    default: []
    suboptions:
      description:
        description:
          - Description of the authorization, which identifies it within the organization; see
            O(influxops.influxdb2.influx_authorization#module:description).
          - Required unless O(authorizations[].id) is set.
        type: str
      id:
        description:
          - ID of the authorization, to address one directly; see O(influxops.influxdb2.influx_authorization#module:id).
        type: str
      permissions:
        description:
          - What the token may do; required to create the authorization. See
            O(influxops.influxdb2.influx_authorization#module:permissions).
          - A bucket given by name is resolved with the one list of the organization's buckets.
        type: list
        elements: dict
        suboptions:
          action:
            description:
              - V(read) or V(write).
            type: str
            required: true
            choices: [read, write]
          resource:
            description:
              - The resource of the permission.
            type: dict
            required: true
            suboptions:
              type:
                description:
                  - The type of the resource, as InfluxDB names it.
                type: str
                required: true
                choices: [authorizations, buckets, dashboards, orgs, sources, tasks, telegrafs, users, variables, scrapers,
                          secrets, labels, views, documents, notificationRules, notificationEndpoints, checks, dbrp, notebooks,
                          annotations, remotes, replications, instance]
              id:
                description:
                  - ID of the one resource of the permission. Without it and without a name, the permission is for every
                    resource of the type.
                type: str
              name:
                description:
                  - For a bucket only, its name; resolved to its ID before any write. A bucket that does not exist fails the
                    task before any write (in check mode it is predicted with V(null) as ID, with a warning).
                type: str
              org:
                description:
                  - Name of the organization of the resource, which can only be the organization of the authorizations.
                    Without it and without O(authorizations[].permissions[].resource.org_id), the permission is for every
                    organization.
                type: str
              org_id:
                description:
                  - ID of the organization of the resource, which can only be the organization of the authorizations.
                type: str
      user:
        description:
          - Name of the user who owns the authorization. See O(influxops.influxdb2.influx_authorization#module:user).
          - When it is not set, an authorization that exists keeps its owner (it is not compared), and one to create is
            owned by the user of the connecting token, read with one C(GET /api/v2/me) only when the task creates one.
        type: str
      status:
        description:
          - V(active) or V(inactive); V(active) when the authorization is created, left as it is otherwise.
        type: str
        choices: [active, inactive]
      state:
        description:
          - V(present) or V(absent).
        type: str
        choices: [present, absent]
        default: present
      replace:
        description:
          - Replace the authorization with a new one (a new token) when its permissions or owner differ; see
            O(influxops.influxdb2.influx_authorization#module:replace).
        type: bool
        default: false
      rotate:
        description:
          - Give the authorization a new token on every run; see O(influxops.influxdb2.influx_authorization#module:rotate).
        type: bool
        default: false
      keep_previous:
        description:
          - With O(authorizations[].rotate) or O(authorizations[].replace), keep the old authorization, renamed; see
            O(influxops.influxdb2.influx_authorization#module:keep_previous).
        type: bool
        default: false
  purge:
    description:
      - Delete the authorizations of the organization whose description starts with O(purge_prefix) and that
        O(authorizations) does not declare. Requires O(purge_prefix).
      - An authorization that O(authorizations[].keep_previous) kept for a declared description (C(<description>
        (rotated <UTC time>))) is not deleted; delete it by ID (RV(previous_ids)) once no one uses it.
    type: bool
    default: false
  purge_prefix:
    description:
      - With O(purge), only the authorizations whose description starts with this text are deleted, such as
        C(fleet:). No API tells which authorization a token belongs to, so the prefix is what keeps every other token
        safe, the connecting token and the operator's (C(<user>'s Token)) among them.
      - Must not be empty or only white space.
    type: str
notes:
  - A create confirms O(org_id) with one more request (once), and lists the authorizations again afterwards, to find
    another run that created the same description at the same moment (see M(influxops.influxdb2.influx_authorization));
    one more request reads the ID of each O(authorizations[].user) that owns no authorization of the organization.
seealso:
  - module: influxops.influxdb2.influx_authorization
  - module: influxops.influxdb2.influx_authorization_info
"""

EXAMPLES = r"""
- name: One write token per edge instance; delete the fleet tokens of edges that are gone
  influxops.influxdb2.influx_authorizations:
    host: https://central.example.com:8086
    token: "{{ influx_token }}"
    org: edge
    purge: true
    purge_prefix: "fleet: "
    authorizations:
      - description: "fleet: edge-01"
        permissions:
          - action: write
            resource: {type: buckets, name: telemetry, org: edge}
      - description: "fleet: edge-02"
        permissions:
          - action: write
            resource: {type: buckets, name: telemetry, org: edge}
  register: fleet
  no_log: true

- name: Give edge-01 its token when it was created (fleet.tokens holds the tokens created by the task above)
  influxops.influxdb2.influx_remote:
    host: https://edge-01.example.com:8086
    token: "{{ influx_token }}"
    org: edge
    name: central
    remote_url: https://central.example.com:8086
    remote_api_token: "{{ fleet.tokens['fleet: edge-01'] | default(omit) }}"
    update_remote_api_token: always

- name: Rotate the token of edge-02 on every run; revoke a token by description
  influxops.influxdb2.influx_authorizations:
    host: https://central.example.com:8086
    token: "{{ influx_token }}"
    org: edge
    authorizations:
      - description: "fleet: edge-02"
        rotate: true
      - description: "fleet: edge-03"
        state: absent
  register: rotated
  no_log: true
"""

RETURN = r"""
authorizations:
  description:
    - Every authorization of the organization after the task, sorted by description, each as
      RV(influxops.influxdb2.influx_authorization#module:authorization) returns it; the prediction in check mode
      (where an authorization to create has V(null) as its ID).
    - Never contains a token.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 0b5e8a6f2c4d1e3f
      description: "fleet: edge-01"
      status: active
      org_id: 1a2b3c4d5e6f7a8b
      user_id: 0c1d2e3f4a5b6c7d
      user: admin
      permissions:
        - action: write
          resource: {type: buckets, id: 0e0e0e0e0e0e0e01, name: telemetry, org_id: 1a2b3c4d5e6f7a8b, org: edge}
tokens:
  description:
    - The token of each authorization that the task created (also by a replace or a rotation), by description; empty
      in check mode. The server returns a token only in the answer that creates it.
    - Also returned when the task fails after it created some.
    - Shown nowhere else, at any verbosity; set C(no_log) to V(true) on a task that registers it.
  returned: always
  type: dict
  sample: {}
previous_ids:
  description:
    - The IDs of the authorizations that O(authorizations[].keep_previous) kept, renamed; the prediction in check mode.
  returned: always
  type: list
  elements: str
  sample: [0b5e8a6f2c4d1e3f]
created:
  description: Descriptions of the authorizations created (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: ["fleet: edge-02"]
updated:
  description: Descriptions of the authorizations updated, replaced or rotated (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: []
deleted:
  description:
    - Descriptions of the authorizations deleted (or that would be, in check mode); a description is listed once for
      each authorization deleted.
  returned: always
  type: list
  elements: str
  sample: ["fleet: edge-03"]
not_done:
  description:
    - When a write fails, what was not done; the failed task also returns RV(created), RV(updated) and RV(deleted) for
      what was done.
  returned: on failure after a write was planned
  type: dict
  contains:
    created:
      description: Descriptions of the authorizations that were not created.
      type: list
      elements: str
      returned: always
    updated:
      description: Descriptions of the authorizations that were not updated, replaced or rotated.
      type: list
      elements: str
      returned: always
    deleted:
      description: Descriptions of the authorizations that were not deleted.
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

import typing as t

from ansible_collections.influxops.influxdb2.plugins.module_utils._authorizations import (
    Authorizations,
    bucket_ids,
    converge_authorizations,
    desired_authorization,
)
from ansible_collections.influxops.influxdb2.plugins.module_utils._connection import create_module, fail, resolve_connection
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxOpsError, OptionError
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import ArgumentSpec, authorization_argument_spec
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import resolve_org
from ansible_collections.influxops.influxdb2.plugins.module_utils._resource import Run, with_notes


def check_authorizations(items, purge_prefix):
    """Check every item, and the prefix, before any request; return the desired authorizations."""
    if purge_prefix is not None and not purge_prefix.strip():
        raise OptionError('purge_prefix must not be empty or only white space: it is what keeps the authorizations that the task '
                          'does not declare, and the connecting token, from purge')
    desired_list: list[dict] = []
    seen: dict[tuple[str, t.Any], int] = {}
    for index, item in enumerate(items):
        desired = desired_authorization(item, 'authorizations[%d].' % index)
        for key in ('description', 'id'):
            if desired[key] is not None:
                if (key, desired[key]) in seen:
                    raise OptionError('authorizations[%d].%s: %r is in authorizations[%d] already; each %s may appear once'
                                      % (index, key, desired[key], seen[key, desired[key]], key))
                seen[key, desired[key]] = index
        desired_list.append(desired)
    return desired_list


def main():
    module = create_module(ArgumentSpec(dict(
        authorizations=authorization_argument_spec().suboptions(type='list', elements='dict', default=[]),
        purge=dict(type='bool', default=False),
        purge_prefix=dict(type='str'),
    ), required_if=[('purge', True, ['purge_prefix'])]), secret_keys=('tokens',))
    params = module.params
    authorizations = None
    try:
        conn = resolve_connection(params)
        desired_list = check_authorizations(params['authorizations'], params['purge_prefix'])
        client = conn.client(module)
        org_id, org_confirmed = resolve_org(client, conn.org, conn.org_id)
        authorizations = Authorizations(client, org_id, org_confirmed, org_name=conn.org)
        present = [desired for desired in desired_list if desired['state'] == 'present']
        named = any(p['resource']['name'] is not None for desired in present for p in desired['permissions'] or [])
        outcome = converge_authorizations(Run.of(module.check_mode), authorizations, desired_list, params['purge'],
                                          params['purge_prefix'], bucket_ids(client, org_id).get if named else None)
    except InfluxOpsError as exc:
        # the tokens created before the failure are returned, since no one can read them again
        fail(module, exc, **(dict(tokens=authorizations.tokens()) if authorizations and authorizations.created else {}))
    module.exit_json(changed=outcome.changed, authorizations=outcome.after, tokens=outcome.tokens, previous_ids=outcome.previous_ids,
                     diff=with_notes(dict(before=outcome.before, after=outcome.after), outcome.notes), **outcome.done)


if __name__ == '__main__':
    main()
