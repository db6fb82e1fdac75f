#!/usr/bin/python
# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


DOCUMENTATION = r"""
module: influx_remote
short_description: Manage an InfluxDB OSS 2.x remote connection
version_added: 0.1.0
description:
  - Create, update or delete a remote connection (C(/api/v2/remotes)) of an InfluxDB OSS 2.x server,
    the connection that replications use to write to another InfluxDB instance.
  - The remote is found by O(name) within the organization, so that the task is idempotent;
    it creates the remote when it is missing, changes only the fields that differ from the options
    that are set, and does nothing when nothing differs.
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
        RV(ignore:changed), diff and predicted RV(remote).
  diff_mode:
    support: full
    details:
      - The diff never contains the remote's API token. When the task sends the token, the diff has a
        C(remote_api_token) line with a fixed text in place of the token; see O(update_remote_api_token).
  idempotent:
    support: partial
    details:
      - Idempotent, except with O(update_remote_api_token=always), which sends the token and
        reports a change on every run, because the API never returns a token that could be compared.
options:
  name:
    description:
      - Name of the remote connection, unique within the organization.
      - Must not be empty or only white space.
    type: str
    required: true
  description:
    description:
      - Description of the remote connection.
      - V("") sets an empty description. The API cannot set the description back to null once it has been set.
    type: str
  remote_url:
    description:
      - URL of the remote InfluxDB instance, an absolute C(http) or C(https) URL.
      - Required to create the remote.
    type: str
  remote_api_token:
    description:
      - API token used to write to the remote InfluxDB instance.
      - Required to create the remote. The API never returns it, so it cannot be compared;
        see O(update_remote_api_token).
    type: str
  remote_org_id:
    description:
      - ID of the organization on the remote instance (16 hexadecimal characters).
      - Compared without regard to case. The API cannot set it back to null once it has been set.
    type: str
  allow_insecure_tls:
    description:
      - Whether the server skips verification of the remote's TLS certificate when it writes to it.
      - Defaults to V(false) when the remote is created; left as it is otherwise.
    type: bool
  state:
    description:
      - V(present) creates or updates the remote; V(absent) deletes it.
      - A remote that a replication still uses cannot be deleted; the task then fails and names the
        replications that use it, unless O(delete_replications=true).
    type: str
    choices: [present, absent]
    default: present
  delete_replications:
    description:
      - With O(state=absent), delete the replications that use the remote before the remote, as
        C(influx remote delete --delete-replications) does.
      - The data queued in those replications and not yet sent is lost; the task warns and names them,
        and so does the header of the after side of the diff.
      - Only with O(state=absent).
    type: bool
    default: false
    version_added: 0.2.0
  update_remote_api_token:
    description:
      - When to send O(remote_api_token) to the server.
      - V(on_create) sends it only when the remote is created; an existing remote keeps its token.
      - V(always) sends it on every run (this is how to rotate the token), and the task then always
        reports a change. Without O(remote_api_token) it changes nothing.
      - The API never returns a token, so the module cannot know whether the token it sends differs
        from the one the remote has; with V(always) it reports a change even when they are the same.
      - Whenever the token is sent (when the remote is created, and with V(always)), the diff shows a
        C(remote_api_token) line whose value is a fixed text, never the token nor anything made from it
        (C(<not returned by the server>) before, C(<sent by this task>) after; after only when the
        remote is created). When the token of an existing remote is replaced, the header of the after
        side says so. Check mode shows the same diff.
    type: str
    choices: [on_create, always]
    default: on_create
notes:
  - InfluxDB does not check that the organization exists when it creates a remote. When O(org_id) is used,
    the module confirms it with one extra request before it creates a remote, so that a typo cannot
    create an orphan remote. With O(org), the lookup of the name already proves it.
  - Requests made by a run that changes nothing, one with O(org_id) and two with O(org).
    O(delete_replications=true) adds one to list the replications of the remote, and one for each to delete.
  - When two runs create the same remote at the same moment, the one that loses reads the remote back and
    only changes what still differs.
seealso:
  - module: influxops.influxdb2.influx_remote_info
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
    description: Central InfluxDB in the data centre
    remote_url: https://central.example.com:8086
    remote_api_token: "{{ central_write_token }}"
    remote_org_id: 0a1b2c3d4e5f6a7b

- name: Rotate the token that the remote uses (reports a change on every run)
  influxops.influxdb2.influx_remote:
    token: "{{ influx_token }}"
    org_id: 1a2b3c4d5e6f7a8b
    name: central
    remote_api_token: "{{ new_central_write_token }}"
    update_remote_api_token: always

- name: Connection options for every task of a play
  module_defaults:
    group/influxops.influxdb2.influxdb:
      host: https://edge-01.example.com:8086
      token: "{{ influx_token }}"
      org: edge
      ca_path: /etc/ssl/certs/internal-ca.pem
  block:
    - name: Point the remote at the new central URL
      influxops.influxdb2.influx_remote:
        name: central
        remote_url: https://central-2.example.com:8086

    - name: Remove a remote that is no longer used
      influxops.influxdb2.influx_remote:
        name: old-central
        state: absent

    - name: Remove a remote with the replications that use it (their queued data is lost)
      influxops.influxdb2.influx_remote:
        name: retired-central
        state: absent
        delete_replications: true
"""

RETURN = r"""
remote:
  description:
    - The remote connection after the task; the prediction in check mode.
    - An empty dict when the remote is absent.
    - Never contains the API token.
  returned: always
  type: dict
  sample:
    id: 0b5e8a6f2c4d1e3f
    org_id: 1a2b3c4d5e6f7a8b
    name: central
    description: Central InfluxDB in the data centre
    remote_url: https://central.example.com:8086
    remote_org_id: 0a1b2c3d4e5f6a7b
    allow_insecure_tls: false
  contains:
    id:
      description: ID of the remote. V(null) in check mode when the remote would be created.
      type: str
      returned: when the remote exists
    org_id:
      description: ID of the organization that owns the remote.
      type: str
      returned: when the remote exists
    name:
      description: Name of the remote.
      type: str
      returned: when the remote exists
    description:
      description: Description of the remote; V(null) when it has none.
      type: str
      returned: when the remote exists
    remote_url:
      description: URL of the remote InfluxDB instance.
      type: str
      returned: when the remote exists
    remote_org_id:
      description: ID of the organization on the remote instance; V(null) when unset.
      type: str
      returned: when the remote exists
    allow_insecure_tls:
      description: Whether TLS verification of the remote instance is skipped.
      type: bool
      returned: when the remote exists
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
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxOpsError, OptionError
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import remote_argument_spec, update_token_argument_spec
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import resolve_org
from ansible_collections.influxops.influxdb2.plugins.module_utils._remotes import Remotes, desired_remote
from ansible_collections.influxops.influxdb2.plugins.module_utils._replications import (
    Replications,
    delete_replications_of,
    queue_loss_header,
)
from ansible_collections.influxops.influxdb2.plugins.module_utils._resource import Run, converge_one


def main():
    module = create_module(remote_argument_spec().merge(update_token_argument_spec())
                           .update_argspec(delete_replications=dict(type='bool', default=False)))
    params = module.params
    try:
        conn = resolve_connection(params)
        desired = desired_remote(params)
        # by hand: required_if cannot say "only with state=absent", since state has a default
        if params['delete_replications'] and params['state'] != 'absent':
            raise OptionError('delete_replications deletes the replications of a remote that the task deletes: it needs state=absent')
        client = conn.client(module, secrets=[desired['remote_api_token']])
        org_id, org_confirmed = resolve_org(client, conn.org, conn.org_id)
        replications = Replications(client, org_id)
        remotes = Remotes(client, org_id, org_confirmed, params['update_remote_api_token'],
                          users=lambda remote_id: sorted(r['name'] for r in replications.list(remote_id=remote_id)))
        run = Run.of(module.check_mode)
        current = remotes.find(params['name'])
        deleted = []
        if params['delete_replications'] and current:
            deleted = delete_replications_of(run, replications, current['id'], params['name'])
        outcome = converge_one(run, remotes, current, desired, params['state']).outcome
    except InfluxOpsError as exc:
        fail(module, exc)
    if outcome is None:
        raise AssertionError('the engine has set outcome')
    diff = remotes.diff(outcome, [queue_loss_header(deleted)] if deleted else [])
    module.exit_json(changed=outcome.changed, remote=outcome.after, diff=diff)


if __name__ == '__main__':
    main()
