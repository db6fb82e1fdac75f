#!/usr/bin/python
# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


DOCUMENTATION = r"""
module: influx_remotes
short_description: Manage the whole set of InfluxDB OSS 2.x remote connections of an organization
version_added: 0.1.0
description:
  - Declare the remote connections (C(/api/v2/remotes)) that an organization of an InfluxDB OSS 2.x
    server must have, in one task. Each remote in O(remotes) is created, updated or deleted as
    M(influxops.influxdb2.influx_remote) would do it, and with O(purge=true) every other remote of the
    organization is deleted.
  - One request lists the organization's remotes; then only the writes that are needed are made.
    A run that changes nothing makes one request with O(org_id) and two with O(org), however many
    remotes there are.
  - Every option of every remote is checked, and every remote to create is checked to have what it
    needs, before the first write.
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
        RV(ignore:changed), diff, RV(remotes), RV(created), RV(updated) and RV(deleted).
  diff_mode:
    support: full
    details:
      - The diff shows the organization's whole set of remotes before and after, keyed by name,
        never with a token.
  idempotent:
    support: partial
    details:
      - Idempotent, except with O(update_remote_api_token=always) and a remote that has
        O(remotes[].remote_api_token), which is sent and reported as updated on every run.
options:
  remotes:
    description:
      - The remote connections of the organization, each identified by its O(remotes[].name).
      - Options that are not set in an item are left as they are on the server.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Name of the remote connection, unique within the organization and within this list.
        type: str
        required: true
      description:
        description:
          - Description of the remote. V("") sets an empty description; the API cannot set it back to null.
        type: str
      remote_url:
        description:
          - URL of the remote InfluxDB instance, an absolute C(http) or C(https) URL. Required to create the remote.
        type: str
      remote_api_token:
        description:
          - API token used to write to the remote instance. Required to create the remote.
          - Sent to an existing remote only with O(update_remote_api_token=always).
        type: str
      remote_org_id:
        description:
          - ID of the organization on the remote instance (16 hexadecimal characters), compared without regard to case.
        type: str
      allow_insecure_tls:
        description:
          - Whether the server skips verification of the remote's TLS certificate. V(false) when created without it.
        type: bool
      state:
        description:
          - V(present) creates or updates the remote; V(absent) deletes it.
        type: str
        choices: [present, absent]
        default: present
  purge:
    description:
      - Delete every remote of the organization whose name is not in O(remotes).
      - With O(purge=true) and an empty O(remotes), every remote of the organization is deleted.
    type: bool
    default: false
  update_remote_api_token:
    description:
      - When to send O(remotes[].remote_api_token) to the server.
      - V(on_create) sends it only when the remote is created.
      - V(always) sends it on every run (token rotation); each such remote is then reported as updated.
    type: str
    choices: [on_create, always]
    default: on_create
notes:
  - If a write fails midway (for example a remote to purge that a replication still uses), the task
    fails with the name of the remote and the reason. The writes made before it stay made; RV(created),
    RV(updated) and RV(deleted) list them, and RV(not_done) lists the writes that were not made. Fix
    the cause and run the task again; it carries on from where the server is.
  - A remote that a replication uses cannot be deleted; delete or re-point the replication first.
seealso:
  - module: influxops.influxdb2.influx_remote
  - module: influxops.influxdb2.influx_remote_info
"""

EXAMPLES = r"""
- name: The edge instance has exactly these remote connections
  influxops.influxdb2.influx_remotes:
    host: http://localhost:8086
    token: "{{ influx_token }}"
    org: edge
    purge: true
    remotes:
      - name: central
        description: Central InfluxDB in the data centre
        remote_url: https://central.example.com:8086
        remote_api_token: "{{ central_write_token }}"
        remote_org_id: 0a1b2c3d4e5f6a7b
      - name: backup
        remote_url: https://backup.example.com:8086
        remote_api_token: "{{ backup_write_token }}"
  register: result

- name: Summarise what changed
  ansible.builtin.debug:
    msg: "created {{ result.created }}, updated {{ result.updated }}, deleted {{ result.deleted }}"

- name: Remove one remote and leave the others alone
  influxops.influxdb2.influx_remotes:
    token: "{{ influx_token }}"
    org: edge
    remotes:
      - name: backup
        state: absent
"""

RETURN = r"""
remotes:
  description:
    - Every remote connection of the organization after the task (the prediction in check mode),
      sorted by name. Never contains a token.
    - In check mode, a remote that would be created has RV(remotes[].id=null).
  returned: success
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
created:
  description: Names of the remotes created (or that would be, in check mode), in the order they were written.
  returned: always
  type: list
  elements: str
  sample: [backup]
updated:
  description: Names of the remotes updated (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [central]
deleted:
  description: Names of the remotes deleted (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [old-central]
not_done:
  description:
    - When a write failed, the writes that were not made, including the one that failed.
  returned: failure of a write
  type: dict
  sample:
    created: []
    updated: []
    deleted: [old-central]
  contains:
    created:
      description: Names of the remotes that were not created.
      type: list
      elements: str
      returned: always
    updated:
      description: Names of the remotes that were not updated.
      type: list
      elements: str
      returned: always
    deleted:
      description: Names of the remotes that were not deleted.
      type: list
      elements: str
      returned: always
"""

from ansible_collections.influxops.influxdb2.plugins.module_utils._connection import create_module, fail, resolve_connection
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxOpsError, OptionError
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import (
    remote_argument_spec,
    replication_argument_spec,
    update_token_argument_spec,
)
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import resolve_org
from ansible_collections.influxops.influxdb2.plugins.module_utils._remote_set import converge_set_with_replications
from ansible_collections.influxops.influxdb2.plugins.module_utils._remotes import RemotesService, converge_set, desired_remote
from ansible_collections.influxops.influxdb2.plugins.module_utils._replications import desired_replication


def check_replications(item, where, seen):
    """Check the replications of one item before any request; ``None`` when the item has none."""
    if item.get('replications') is None:
        return None
    if item['state'] == 'absent' and item['replications']:
        raise OptionError('%sreplications: a remote with state=absent is deleted with its replications, so it takes none; '
                          'set replications: [] to delete its replications with it, or declare them under another remote'
                          % where)
    desired_list = []
    for index, options in enumerate(item['replications']):
        inner = '%sreplications[%d].' % (where, index)
        desired = desired_replication(options, inner)
        if desired['name'] in seen:
            raise OptionError('%sname: replication %r is declared more than once; each replication name may appear once '
                              'in the whole task' % (inner, desired['name']))
        seen.add(desired['name'])
        desired.update(state=options['state'], replace=options['replace'], validate=options['validate'], where=inner)
        desired_list.append(desired)
    return desired_list


def check_remotes(remotes):
    """Check every item before any request; return the desired remotes (with their state, and their replications)."""
    desired_list, seen, seen_replications = [], set(), set()
    for index, item in enumerate(remotes):
        where = 'remotes[%d].' % index
        desired = desired_remote(item, where)
        if desired['name'] in seen:
            raise OptionError('%sname: %r is in remotes more than once; each name may appear once' % (where, desired['name']))
        seen.add(desired['name'])
        desired['state'] = item['state']
        desired['replications'] = check_replications(item, where, seen_replications)
        desired_list.append(desired)
    return desired_list


def remotes_argument_spec():
    spec = remote_argument_spec()
    spec['replications'] = dict(type='list', elements='dict', options=replication_argument_spec(with_remote=False))
    return spec


def main():
    module = create_module(dict(
        remotes=dict(type='list', elements='dict', default=[], options=remotes_argument_spec()),
        purge=dict(type='bool', default=False),
        **update_token_argument_spec()
    ))
    params = module.params
    try:
        conn = resolve_connection(params)
        desired_list = check_remotes(params['remotes'])
        client = conn.client(module, secrets=[d['remote_api_token'] for d in desired_list])
        org_id, org_confirmed = resolve_org(client, conn.org, conn.org_id)
        with_replications = any(desired['replications'] is not None for desired in desired_list)
        if with_replications:
            outcome = converge_set_with_replications(client, org_id, org_confirmed, desired_list, params['purge'],
                                                     params['update_remote_api_token'], module.check_mode)
        else:
            for desired in desired_list:
                del desired['replications']
            outcome = converge_set(RemotesService(client), org_id, org_confirmed, desired_list, params['purge'],
                                   params['update_remote_api_token'], module.check_mode)
    except InfluxOpsError as exc:
        fail(module, exc)
    after = [dict(outcome.after[name]) for name in sorted(outcome.after)]
    diff = dict(before=outcome.before, after=outcome.after)
    result = dict(outcome.done)
    if with_replications:
        for remote in after:
            remote['replications'] = [remote['replications'][name] for name in sorted(remote['replications'])]
        result['replications_validated'] = outcome.validated
        if outcome.queue_lost:
            diff['after_header'] = ('after (the data queued in replication(s) %s and not yet sent is lost)'
                                    % ', '.join(repr(name) for name in outcome.queue_lost))
    module.exit_json(changed=outcome.changed, remotes=after, diff=diff, **result)


if __name__ == '__main__':
    main()
