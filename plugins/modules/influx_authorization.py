#!/usr/bin/python
# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


DOCUMENTATION = r"""
module: influx_authorization
short_description: Manage an InfluxDB OSS 2.x API token (authorization)
version_added: 0.2.0
description:
  - Create, update, replace, rotate or delete an authorization (C(/api/v2/authorizations)) of an InfluxDB OSS
    2.x server (an API token with its permissions), such as the token that the remote connection of an edge
    instance presents to the central instance, with write permission on one bucket only.
  - The authorization is found by O(description) within the organization, so that the task is idempotent;
    or by O(id).
  - InfluxDB can change only the description and the status of an authorization. Other permissions or
    another owner need a new authorization, with a new token (O(replace)).
  - The token is returned only by the task that creates it (RV(token)). InfluxDB 2.9 and later store tokens
    hashed and return a token only once, in the answer that creates it; the module never reads a token back,
    on any server. Set C(no_log) to V(true) on every task that registers RV(token).
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
        RV(ignore:changed), diff and predicted RV(authorization). RV(token) is V(null).
  diff_mode:
    support: full
    details:
      - The diff never contains a token. When the authorization is replaced or rotated, the header of the
        after side says that whoever uses the old token must get the new one.
  idempotent:
    support: partial
    details:
      - Idempotent, except with O(rotate=true), which creates a new token on every run.
options:
  description:
    description:
      - Description of the authorization, which identifies it within the organization.
      - InfluxDB does not keep descriptions unique. When more than one authorization of the organization has
        this description, the task fails and names their IDs, unless O(id) is set.
      - With O(id), the authorization is renamed to this description when it has another one.
      - Must not be empty or only white space. Required unless O(id) is set.
    type: str
  id:
    description:
      - ID of the authorization (16 hexadecimal characters), to address one authorization directly, such as
        one of RV(previous_ids) or one of several with the same description.
      - With O(state=present) it must exist in the organization; the module cannot create an authorization
        with a given ID.
    type: str
  permissions:
    description:
      - What the token may do. Required to create the authorization.
      - Compared as a set with the permissions of the authorization (the order and repeats do not matter).
        InfluxDB cannot change the permissions of an authorization; when they differ, the task fails and names
        the difference, unless O(replace=true).
      - The connecting token must hold every permission that it grants (InfluxDB refuses it otherwise; the
        task then names the permission that it lacks).
      - Must not be empty.
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
              - ID of the one resource of the permission (16 hexadecimal characters). Without O(permissions[].resource.id)
                and O(permissions[].resource.name), the permission is for every resource of the type.
              - InfluxDB does not check that it exists.
            type: str
          name:
            description:
              - For a bucket only, its name, in the organization of the authorization; resolved to its ID before any
                write. A bucket that does not exist fails the task before any write (in check mode it is predicted
                with V(null) as ID, with a warning, since an earlier task may create it).
            type: str
          org:
            description:
              - Name of the organization of the resource, which can only be the organization of the authorization.
              - Without O(permissions[].resource.org) and O(permissions[].resource.org_id), the permission is for
                every organization, as in the InfluxDB API.
            type: str
          org_id:
            description:
              - ID of the organization of the resource, which can only be the organization of the authorization.
            type: str
  user:
    description:
      - Name of the user who owns the authorization.
      - Defaults to the user of the connecting token (read with C(GET /api/v2/me)).
      - InfluxDB cannot change the owner of an authorization; when it differs, the task fails, unless
        O(replace=true).
    type: str
  status:
    description:
      - V(active) or V(inactive). An inactive token still authenticates, but every permission check fails.
      - Defaults to V(active) when the authorization is created; left as it is otherwise.
    type: str
    choices: [active, inactive]
  state:
    description:
      - V(present) creates or updates the authorization; V(absent) deletes it, and its token stops working at once.
    type: str
    choices: [present, absent]
    default: present
  replace:
    description:
      - When the permissions or the owner of the authorization differ from O(permissions) and O(user), create a new
        authorization with them (a new token, returned in RV(token)) and delete the old one; whoever uses the old
        token must then get the new one, as the warning and the header of the diff say.
      - The new authorization is created first, so that the old one stays when the create fails.
    type: bool
    default: false
  rotate:
    description:
      - Create a new authorization with the same description, permissions and owner (a new token, returned in
        RV(token)), and delete the old one, or keep it with O(keep_previous). This happens on every run.
      - With O(permissions) or O(user) that differ, the new authorization has those.
      - When the authorization does not exist, it is created.
    type: bool
    default: false
  keep_previous:
    description:
      - With O(rotate) or O(replace), keep the old authorization instead of deleting it, with its token still
        valid, renamed C(<description> (rotated <UTC time>)), such as C(edge-01 (rotated 2026-12-07T06:32:35Z)), so
        that the description stays unique. Its ID is returned in RV(previous_ids), to delete it by O(id) once no one
        uses it.
    type: bool
    default: false
notes:
  - Requests made by a run that changes nothing, one with O(org_id) and two with O(org); one more when O(user) is
    not set (C(GET /api/v2/me)), one for each bucket given by name, and one for each O(permissions[].resource.org)
    that is not the O(org) of the task.
  - A create confirms O(org_id) with one more request, and lists the authorizations again afterwards; when O(user)
    names a user who owns no authorization of the organization, one more request reads its ID
    (C(GET /api/v2/users)). A replace or a rotation of an authorization addressed by O(id) lists the authorizations
    first. When two runs create the same description at the same moment, the run whose
    authorization is the newer one deletes its own and returns V(null) as RV(token) with a warning, so that one is
    left. When the answer to a create is lost, the token is lost with it; the module deletes what it created and
    creates it again.
  - No API tells which authorization the connecting token belongs to. O(rotate) or O(state=absent) on that
    authorization revokes the token that the play connects with.
seealso:
  - module: influxops.influxdb2.influx_authorizations
  - module: influxops.influxdb2.influx_authorization_info
  - name: Manage API tokens (InfluxData documentation)
    description: Tokens, permissions and token hashing in InfluxDB OSS 2.x.
    link: https://docs.influxdata.com/influxdb/v2/admin/tokens/
"""

EXAMPLES = r"""
- name: Create a token that may only write to the bucket telemetry
  influxops.influxdb2.influx_authorization:
    host: https://central.example.com:8086
    token: "{{ influx_token }}"
    org: edge
    description: edge-01 telemetry writer
    permissions:
      - action: write
        resource:
          type: buckets
          name: telemetry
          org: edge
  register: telemetry_writer
  no_log: true

- name: Give it to the remote connection of edge-01 (the token is set only when the task above created it)
  influxops.influxdb2.influx_remote:
    host: https://edge-01.example.com:8086
    token: "{{ influx_token }}"
    org: edge
    name: central
    remote_url: https://central.example.com:8086
    remote_api_token: "{{ telemetry_writer.token or omit }}"
    update_remote_api_token: always

- name: Rotate the token, keeping the previous one until the remote connection has the new one
  influxops.influxdb2.influx_authorization:
    host: https://central.example.com:8086
    token: "{{ influx_token }}"
    org: edge
    description: edge-01 telemetry writer
    rotate: true
    keep_previous: true
  register: rotated
  no_log: true

- name: Give the new token to the remote connection
  influxops.influxdb2.influx_remote:
    host: https://edge-01.example.com:8086
    token: "{{ influx_token }}"
    org: edge
    name: central
    remote_api_token: "{{ rotated.token or omit }}"
    update_remote_api_token: always

- name: Delete the previous token, which no one uses any more, by its ID
  influxops.influxdb2.influx_authorization:
    host: https://central.example.com:8086
    token: "{{ influx_token }}"
    org: edge
    id: "{{ rotated.previous_ids[0] }}"
    state: absent

- name: A token that reads telemetry; replaced by a new token whenever its permissions change
  influxops.influxdb2.influx_authorization:
    host: https://central.example.com:8086
    token: "{{ influx_token }}"
    org: edge
    description: dashboard reader
    permissions:
      - action: read
        resource: {type: buckets, name: telemetry}
    replace: true
  register: dashboard_reader
  no_log: true

- name: Keep the token of the CI pipeline, inactive
  influxops.influxdb2.influx_authorization:
    host: https://central.example.com:8086
    token: "{{ influx_token }}"
    org: edge
    description: ci pipeline
    permissions:
      - action: write
        resource: {type: buckets, name: telemetry}
    status: inactive
"""

RETURN = r"""
authorization:
  description:
    - The authorization after the task; the prediction in check mode.
    - An empty dict when the authorization is absent.
    - Never contains the token.
  returned: always
  type: dict
  sample:
    id: 0b5e8a6f2c4d1e3f
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
      description: ID of the authorization. V(null) in check mode when it would be created.
      type: str
      returned: when the authorization exists
    description:
      description: Description of the authorization.
      type: str
      returned: when the authorization exists
    status:
      description: V(active) or V(inactive).
      type: str
      returned: when the authorization exists
    org_id:
      description: ID of the organization of the authorization.
      type: str
      returned: when the authorization exists
    user_id:
      description: ID of the user who owns the authorization.
      type: str
      returned: when the authorization exists
    user:
      description: Name of the user who owns the authorization; V(null) when the server does not say.
      type: str
      returned: when the authorization exists
    permissions:
      description: The permissions, in the order of the server.
      type: list
      elements: dict
      returned: when the authorization exists
      contains:
        action:
          description: V(read) or V(write).
          type: str
          returned: always
        resource:
          description: The resource.
          type: dict
          returned: always
          sample: {type: buckets, id: 0e0e0e0e0e0e0e01, name: telemetry, org_id: 1a2b3c4d5e6f7a8b, org: edge}
          contains:
            type:
              description: The type of the resource.
              type: str
              returned: always
            id:
              description:
                - ID of the one resource of the permission; V(null) for every resource of the type.
                - In check mode, a bucket given by name that does not exist yet has V(null) as its ID.
              type: str
              returned: always
            name:
              description: Name of the resource, as the server adds it (the name the task gave, in check mode); V(null) when unknown.
              type: str
              returned: always
            org_id:
              description: ID of the organization of the resource; V(null) for every organization.
              type: str
              returned: always
            org:
              description: Name of that organization, as the server adds it; V(null) when unknown.
              type: str
              returned: always
token:
  description:
    - The token of the authorization, only when this task created it (also when it replaced or rotated one);
      V(null) otherwise, and in check mode. The server returns a token only in the answer that creates it.
    - Also returned when the task fails after it created the authorization.
    - Shown nowhere else, at any verbosity; set C(no_log) to V(true) on a task that registers it.
  returned: always
  type: str
  sample: null
previous_ids:
  description:
    - The ID of the authorization that O(keep_previous) kept, renamed; the prediction in check mode. Empty otherwise.
  returned: always
  type: list
  elements: str
  sample: [0b5e8a6f2c4d1e3f]
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

from ansible_collections.influxops.influxdb2.plugins.module_utils._authorizations import (
    Authorizations,
    desired_authorization,
    kept_previous,
    resolve_names,
)
from ansible_collections.influxops.influxdb2.plugins.module_utils._connection import create_module, fail, resolve_connection
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxOpsError
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import authorization_argument_spec
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import resolve_org
from ansible_collections.influxops.influxdb2.plugins.module_utils._resource import Run, converge_one


def main():
    module = create_module(authorization_argument_spec(), secret_keys=('token',))
    params = module.params
    authorizations = None
    try:
        conn = resolve_connection(params)
        desired = desired_authorization(params)
        client = conn.client(module)
        org_id, org_confirmed = resolve_org(client, conn.org, conn.org_id)
        authorizations = Authorizations(client, org_id, org_confirmed, org_name=conn.org)
        run = Run.of(module.check_mode)
        me = authorizations.me() if desired['state'] == 'present' and desired['user'] is None else None
        want = resolve_names(authorizations, run, desired, me)
        current = authorizations.locate(desired)
        want['description'] = want['description'] or (current or {}).get('description')
        step = converge_one(run, authorizations, current, want, desired['state'], replace=desired['replace'],
                            rotate=desired['rotate'], keep_previous=desired['keep_previous'])
    except InfluxOpsError as exc:
        # a token created before the failure is returned, since no one can read it again
        fail(module, exc, **(dict(token=next(iter(authorizations.tokens().values()))) if authorizations and authorizations.created else {}))
    outcome = step.outcome
    if outcome is None or authorizations is None:
        raise AssertionError('the engine has set outcome and authorizations')
    previous = kept_previous(step.plan)
    module.exit_json(changed=outcome.changed, authorization=outcome.after, token=authorizations.token(outcome.after.get('id')),
                     previous_ids=[step.plan.id] if previous else [], diff=authorizations.diff(outcome, step.plan.warnings))


if __name__ == '__main__':
    main()
