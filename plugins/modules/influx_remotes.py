#!/usr/bin/python
# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


DOCUMENTATION = r"""
module: influx_remotes
short_description: Manage the whole set of InfluxDB OSS 2.x remote connections of an organization and their replications
version_added: 0.1.0
description:
  - Declare the remote connections (C(/api/v2/remotes)) that an organization of an InfluxDB OSS 2.x
    server must have, in one task. Each remote in O(remotes) is created, updated or deleted as
    M(influxops.influxdb2.influx_remote) would do it, and with O(purge=true) every other remote of the
    organization is deleted.
  - One request lists the organization's remotes; then only the writes that are needed are made.
    A run that changes nothing makes one request with O(org_id) and two with O(org), however many
    remotes there are.
  - When any item has O(remotes[].replications), the replications declared under the remotes are
    converged in the same run. One more request lists the organization's replications, and one more
    lists its buckets (per 100 buckets) when a local bucket is given by name; a run that changes
    nothing then makes two requests with O(org_id), however many remotes and replications there are.
  - With O(local_buckets), the local buckets that the replications read are ensured in the same run, from
    the same list of buckets, so that one task converges an edge instance's whole side of the
    replication; they are never deleted here.
  - Local buckets and remotes are created or updated first, then replications are created, updated or
    moved, then replications are deleted, and remotes are deleted last.
  - Every option of every remote and replication is checked, every name is resolved, and every remote
    and replication to create is checked to have what it needs, before the first write.
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
        RV(ignore:changed), diff, RV(remotes), RV(created), RV(updated) and RV(deleted), and the
        RV(replications_created), RV(replications_updated) and RV(replications_deleted) lists.
      - A remote or replication that would be created has V(null) as its ID, and so do the
        replications of a remote that would be created as their C(remote_id).
      - A remote that would be created without O(remotes[].remote_api_token) is predicted, with a warning
        (see O(remotes[].remote_api_token)).
      - A local bucket that would be created (O(local_buckets)) has V(null) as its ID, and so do the
        replications that read it as their C(local_bucket_id).
  diff_mode:
    support: full
    details:
      - The diff shows the organization's whole set of remotes before and after, keyed by name,
        never with a token. A remote to which the task sends its token has a C(remote_api_token)
        line with a fixed text in place of the token; see O(update_remote_api_token).
      - When any item has O(remotes[].replications), each remote carries its replications, keyed by
        name (never their live status); the header of the after side names the replications whose
        queued data a delete or a replacement loses.
      - With O(local_buckets), each side has two keys, C(local_buckets) (the declared buckets, keyed by
        name) and C(remotes) (the set of remotes as above).
  idempotent:
    support: partial
    details:
      - Idempotent, except for a remote that has O(remotes[].remote_api_token) and whose token policy
        (O(remotes[].update_remote_api_token), else O(update_remote_api_token)) is V(always); its token is sent
        and it is reported as updated on every run.
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
          - In check mode, a remote to create without it is predicted, with a warning that names it (an earlier
            play, such as the one that creates the token at the remote instance, would have given it), and is
            named in RV(missing_remote_api_token); the real run fails before any write, and names every such
            remote in RV(missing_remote_api_token).
          - Sent to an existing remote only with O(remotes[].update_remote_api_token=always), or
            O(update_remote_api_token=always) when the item does not set it.
        type: str
      update_remote_api_token:
        description:
          - When to send O(remotes[].remote_api_token) to this remote, as O(update_remote_api_token) says for
            every remote; it overrides O(update_remote_api_token) for this item.
          - When it is not set, O(update_remote_api_token) applies.
          - V(always) for the one remote whose token is rotated leaves the others alone.
        type: str
        choices: [on_create, always]
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
      replications:
        description:
          - The replications that use this remote connection, each identified by its
            O(remotes[].replications[].name), with the options of M(influxops.influxdb2.influx_replication)
            except the connection options and C(remote)/C(remote_id) (this remote is the remote).
          - When it is not set, the replications of this remote are left alone, and the item behaves as
            it would without any replication.
          - When it is set, the replications are converged in the same run. A replication declared here
            and found under another remote is moved to this one with a PATCH, which keeps its queue (the
            backlog goes to this remote). With O(purge=true), the replications of this remote that are
            not declared in the task are deleted (their queued data is lost; the task warns and the diff
            says so).
          - A remote with O(remotes[].state=absent) takes none; V([]) deletes its replications before it.
          - A remote created by the task gets its replications after it is created, with its new ID.
        type: list
        elements: dict
        suboptions:
          name:
            description:
              - Name of the replication, unique within the organization and within this task.
              - Must not be empty or only white space.
            type: str
            required: true
          description:
            description:
              - Description of the replication.
              - V("") sets an empty description. The API cannot set the description back to null once it has been set.
            type: str
          local_bucket:
            description:
              - Name of the bucket of the organization whose writes are replicated.
              - Mutually exclusive with O(remotes[].replications[].local_bucket_id). One of them is required to
                create the replication.
              - It cannot be changed on an existing replication; see O(remotes[].replications[].replace).
              - The task lists the organization's buckets once (one request per 100 buckets) when any
                replication gives its local bucket by name.
              - A name that the organization does not have fails the task before any write. In check mode, where
                an earlier task of the play (such as M(influxops.influxdb2.influx_buckets)) would have created the
                bucket, the task warns, naming the bucket, and predicts the replication with
                RV(remotes[].replications[].local_bucket_id=null).
            type: str
          local_bucket_id:
            description:
              - ID of the local bucket (16 hexadecimal characters), compared without regard to case.
              - Mutually exclusive with O(remotes[].replications[].local_bucket).
            type: str
          remote_bucket:
            description:
              - Name of the bucket on the remote instance (V(db/rp) for an InfluxDB 1.x target).
              - Mutually exclusive with O(remotes[].replications[].remote_bucket_id). One of them is required to
                create the replication.
              - Compared with the name the server stores. Moving from O(remotes[].replications[].remote_bucket_id)
                to a name keeps the old ID stored beside the name (the server writes to the name); this is not a
                difference.
              - Changing it re-points the replication; its queue is kept and goes to the new bucket.
              - Needs InfluxDB 2.5.0 or later. InfluxDB 2.4.x stores the name, but its replication never
                writes (fixed in 2.5.0), and older servers do not know it. When the server's answers report
                an older version, the task fails before any write; use
                O(remotes[].replications[].remote_bucket_id) there.
            type: str
          remote_bucket_id:
            description:
              - ID of the bucket on the remote instance (16 hexadecimal characters), compared without regard to case.
              - Mutually exclusive with O(remotes[].replications[].remote_bucket). Moving from a name to an ID
                clears the stored name.
            type: str
          max_queue_size_bytes:
            description:
              - The most bytes the queue may hold on disk. When it is full, new points are not queued
                (the local write still succeeds, and those points never reach the remote).
              - From V(33554430) to V(9223372036854775807) (the largest integer the server stores). Defaults to
                V(67108860) when the replication is created.
              - Size it as the longest outage to ride out times the ingest rate of the local bucket.
            type: int
          max_age_seconds:
            description:
              - How long queued data is kept before it is dropped, in seconds.
              - V(0) or between V(60) and V(5184000). What the server does with V(0) depends on its version;
                no age limit up to InfluxDB 2.8, the server's default of one week from 2.9. Before 2.6 the
                server reads the value as nanoseconds, so that only V(0) keeps queued data for long.
              - Defaults to V(604800) (one week) when the replication is created, sent explicitly, because the
                server stores V(0) when it is left out; V(0) when the server's answers report a version before 2.6.
              - When the task writes a value that the server does not read as that many seconds, it warns
                and says what the server does with it.
              - A change on an existing replication is stored at once, but the server applies it only after a
                restart; the task warns when it changes it.
            type: int
          drop_non_retryable_data:
            description:
              - Whether data that the remote rejects as invalid (HTTP 400) is dropped instead of retried,
                which would block the queue.
              - Defaults to V(false) when the replication is created.
            type: bool
          state:
            description:
              - V(present) creates, updates or moves the replication; V(absent) deletes it, whichever remote it uses.
              - Deleting a replication deletes its queue; the data in it that was not yet sent is lost.
              - With V(absent), no option other than O(remotes[].replications[].name) may be set.
            type: str
            choices: [present, absent]
            default: present
          replace:
            description:
              - Whether a replication whose local bucket differs from O(remotes[].replications[].local_bucket)/
                O(remotes[].replications[].local_bucket_id) is deleted and created again. Its queued data is lost;
                the task warns and says so. It is reported in RV(replications_updated).
              - Options not set are taken from the replication that is replaced.
              - Without it, such a task fails before any write.
            type: bool
            default: false
          validate:
            description:
              - After every write of the task, ask the server to validate the replication; it makes an empty
                write to the remote with the remote's URL, token and organization. A refusal fails the task
                with the server's message and the status code the remote answered; the writes made stay made.
              - In check mode, the stored replication is validated when its target does not change; a create
                or a new target is validated through C(?validate=true) when the remote bucket is given by ID.
                The server ignores a remote bucket name there, and a remote that the task would create does
                not exist yet; in both cases the replication is left out of RV(replications_validated), with
                a warning that says why.
            type: bool
            default: false
  purge:
    description:
      - Delete every remote of the organization whose name is not in O(remotes).
      - With O(purge=true) and an empty O(remotes), every remote of the organization is deleted.
      - When any item has O(remotes[].replications), the replications of a remote that the purge
        deletes are deleted before it (their queued data is lost), and so are the replications of an
        item with O(remotes[].replications) that the task does not declare. Without any
        O(remotes[].replications), replications are left alone, and a remote that one uses cannot
        be purged.
    type: bool
    default: false
  local_buckets:
    description:
      - Buckets of the organization to create when missing, or update, before the remotes and replications,
        as the items of O(influxops.influxdb2.influx_buckets#module:buckets) (without C(state)), each identified
        by its O(local_buckets[].name). A bucket that is not listed is left alone; none is ever deleted.
      - A replication's O(remotes[].replications[].local_bucket) may name a bucket that the task creates; the
        replication is created after it, with its ID.
      - The task lists the organization's buckets once (per 100 buckets), for these and for the local buckets
        given by name.
      - Options that are not set in an item are left as they are on the server.
    type: list
    elements: dict
    version_added: 0.2.0
    suboptions:
      name:
        description:
          - Name of the bucket, unique within this list. Must not be empty or only white space, start with
            V(_) or hold a V(").
        type: str
        required: true
      description:
        description:
          - Description of the bucket. V("") clears it.
        type: str
      retention:
        description:
          - How long the bucket keeps data, as O(influxops.influxdb2.influx_bucket#module:retention); V(0) or
            V(infinite) is forever, otherwise at least one hour.
          - Defaults to V(infinite) when the bucket is created.
        type: raw
      shard_group_duration:
        description:
          - The time span of each shard group, as O(influxops.influxdb2.influx_bucket#module:shard_group_duration);
            unset, the server derives it. Must not be longer than the retention.
        type: raw
  update_remote_api_token:
    description:
      - When to send O(remotes[].remote_api_token) to the server.
      - V(on_create) sends it only when the remote is created.
      - V(always) sends it on every run (token rotation) to every remote that has
        O(remotes[].remote_api_token); each such remote is then reported as updated.
      - O(remotes[].update_remote_api_token) overrides it for one remote.
      - The API never returns a token, so the module cannot know whether the token it sends differs
        from the one a remote has; with V(always) it reports the remote as updated even when they are the same.
      - Each remote to which the token is sent (a remote created, and with V(always) each remote with
        O(remotes[].remote_api_token)) has a C(remote_api_token) line in the diff whose value is a fixed
        text, never the token nor anything made from it (C(<not returned by the server>) before,
        C(<sent by this task>) after; after only for a remote created). The header of the after side
        names the existing remotes whose token is replaced. Check mode shows the same diff.
    type: str
    choices: [on_create, always]
    default: on_create
notes:
  - If a write fails midway (for example a remote to purge that a replication still uses), the task
    fails with the name of the remote and the reason. The writes made before it stay made; RV(created),
    RV(updated) and RV(deleted) list them, and RV(not_done) lists the writes that were not made. Fix
    the cause and run the task again; it carries on from where the server is.
  - A remote that a replication uses cannot be deleted; delete or re-point the replication first, or
    declare the remote with O(remotes[].replications=[]) (with O(remotes[].state=absent) or O(purge=true))
    so that the task deletes its replications before it.
  - A failed write of a replication is reported as one of a remote is, with RV(not_done) listing the
    replications that were not created, updated or deleted as well.
seealso:
  - module: influxops.influxdb2.influx_remote
  - module: influxops.influxdb2.influx_remote_info
  - module: influxops.influxdb2.influx_replication
  - module: influxops.influxdb2.influx_replication_info
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

- name: The edge instance streams its buckets to central, and nothing else
  influxops.influxdb2.influx_remotes:
    token: "{{ influx_token }}"
    org: edge
    purge: true
    local_buckets:
      - name: telemetry
        retention: 7d
    remotes:
      - name: central
        remote_url: https://central.example.com:8086
        remote_api_token: "{{ central_write_token }}"
        remote_org_id: 0a1b2c3d4e5f6a7b
        replications:
          - name: telemetry-to-central
            local_bucket: telemetry
            remote_bucket: telemetry
            max_queue_size_bytes: 134217728
          - name: telemetry-to-archive
            local_bucket: telemetry
            remote_bucket: telemetry-archive
            drop_non_retryable_data: true
  register: result

- name: Summarise what changed in the local buckets and the replications
  ansible.builtin.debug:
    msg: >-
      buckets created {{ result.local_buckets_created }}, updated {{ result.local_buckets_updated }};
      replications created {{ result.replications_created }}, updated {{ result.replications_updated }},
      deleted {{ result.replications_deleted }}

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
    replications:
      description:
        - The replications that use the remote, sorted by name, as M(influxops.influxdb2.influx_replication)
          returns them (without their live status).
        - In check mode, a replication that would be created has RV(remotes[].replications[].id=null), and
          the replications of a remote that would be created have RV(remotes[].replications[].remote_id=null).
      type: list
      elements: dict
      returned: when any item has O(remotes[].replications)
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
          description:
            - ID of the local bucket whose writes are replicated.
            - V(null) in check mode when O(remotes[].replications[].local_bucket) names a bucket that does not exist yet.
          type: str
          returned: always
        remote_bucket_id:
          description:
            - ID of the bucket on the remote instance; V(null) for a replication created with a remote bucket name.
            - When RV(remotes[].replications[].remote_bucket_name) is not empty, the server writes to the name.
          type: str
          returned: always
        remote_bucket_name:
          description: Name of the bucket on the remote instance; V("") for a replication that uses a remote bucket ID.
          type: str
          returned: always
        max_queue_size_bytes:
          description: The most bytes the queue may hold.
          type: int
          returned: always
        max_age_seconds:
          description: How long queued data is kept, in seconds, as the server stores it (V(0) is no age limit up to InfluxDB 2.8 and one week from 2.9).
          type: int
          returned: always
        drop_non_retryable_data:
          description: Whether data that the remote rejects as invalid is dropped.
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
replications_created:
  description:
    - Names of the replications created (or that would be, in check mode), in the order they were written.
    - Always empty when no item has O(remotes[].replications).
  returned: always
  type: list
  elements: str
  sample: [telemetry-to-central]
replications_updated:
  description:
    - Names of the replications updated, moved to another remote, or replaced (or that would be, in check mode).
    - Always empty when no item has O(remotes[].replications).
  returned: always
  type: list
  elements: str
  sample: [telemetry-to-archive]
replications_deleted:
  description:
    - Names of the replications deleted (or that would be, in check mode); their queued data is lost.
    - Always empty when no item has O(remotes[].replications).
  returned: always
  type: list
  elements: str
  sample: [old-telemetry]
local_buckets:
  description:
    - The buckets of O(local_buckets) after the task (the prediction in check mode), sorted by name, each as
      RV(influxops.influxdb2.influx_buckets#module:buckets) holds a bucket.
    - In check mode, a bucket that would be created has C(id=null).
  returned: when O(local_buckets) is set
  type: list
  elements: dict
  sample:
    - id: 0d1e2f3a4b5c6d7e
      org_id: 1a2b3c4d5e6f7a8b
      name: telemetry
      description: null
      retention_seconds: 604800
      shard_group_duration_seconds: 86400
      type: user
local_buckets_created:
  description:
    - Names of the buckets of O(local_buckets) created (or that would be, in check mode), in the order they were written.
  returned: always
  type: list
  elements: str
  sample: [telemetry]
local_buckets_updated:
  description:
    - Names of the buckets of O(local_buckets) updated (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: []
missing_remote_api_token:
  description:
    - Names of the remotes that do not exist and that the task cannot create because they have no
      O(remotes[].remote_api_token); nothing was written. A play can make the token and run the task again
      with it, as the role P(influxops.influxdb2.remotes#role) does for an edge whose remote is gone.
    - In check mode, the remotes predicted without their token, which the real run would fail on (the role
      P(influxops.influxdb2.remotes#role) then predicts the token that it would make).
  returned: failure for want of a token; in check mode, when a remote to create has no token
  type: list
  elements: str
  sample: [central]
replications_validated:
  description:
    - Names of the replications with O(remotes[].replications[].validate=true) that the server validated.
  returned: when any item has O(remotes[].replications)
  type: list
  elements: str
  sample: [telemetry-to-central]
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
    replications_created:
      description: Names of the replications that were not created.
      type: list
      elements: str
      returned: when any item has O(remotes[].replications)
    replications_updated:
      description: Names of the replications that were not updated, moved or replaced.
      type: list
      elements: str
      returned: when any item has O(remotes[].replications)
    replications_deleted:
      description: Names of the replications that were not deleted.
      type: list
      elements: str
      returned: when any item has O(remotes[].replications)
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

from ansible_collections.influxops.influxdb2.plugins.module_utils._buckets import check_buckets
from ansible_collections.influxops.influxdb2.plugins.module_utils._connection import create_module, fail, resolve_connection
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxOpsError, OptionError
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import (
    ArgumentSpec,
    bucket_argument_spec,
    remote_argument_spec,
    replication_argument_spec,
    update_token_argument_spec,
)
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import resolve_org
from ansible_collections.influxops.influxdb2.plugins.module_utils._remote_set import converge_remotes
from ansible_collections.influxops.influxdb2.plugins.module_utils._remotes import Remotes, desired_remote
from ansible_collections.influxops.influxdb2.plugins.module_utils._replications import desired_replication, queue_loss_header
from ansible_collections.influxops.influxdb2.plugins.module_utils._resource import Run, diff


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
    desired_list: list[dict] = []
    seen: set[str] = set()
    seen_replications: set[str] = set()
    for index, item in enumerate(remotes):
        where = 'remotes[%d].' % index
        desired = desired_remote(item, where)
        if desired['name'] in seen:
            raise OptionError('%sname: %r is in remotes more than once; each name may appear once' % (where, desired['name']))
        seen.add(desired['name'])
        desired.update(state=item['state'], where=where, update_token=item['update_remote_api_token'])
        desired['replications'] = check_replications(item, where, seen_replications)
        desired_list.append(desired)
    return desired_list


def remotes_argument_spec():
    return remote_argument_spec().update_argspec(
        replications=replication_argument_spec(with_remote=False).suboptions(type='list', elements='dict'),
    ).merge(update_token_argument_spec(default=None))


def local_buckets_argument_spec():
    """The items of local_buckets: influx_buckets' items, without state (they are never deleted here)."""
    spec = bucket_argument_spec()
    del spec.argument_spec['state']
    return spec


def main():
    module = create_module(ArgumentSpec(dict(
        remotes=remotes_argument_spec().suboptions(type='list', elements='dict', default=[]),
        purge=dict(type='bool', default=False),
        local_buckets=local_buckets_argument_spec().suboptions(type='list', elements='dict'),
    )).merge(update_token_argument_spec()))
    params = module.params
    try:
        conn = resolve_connection(params)
        desired_list = check_remotes(params['remotes'])
        local_buckets = None if params['local_buckets'] is None else check_buckets(params['local_buckets'], 'local_buckets')
        client = conn.client(module, secrets=[d['remote_api_token'] for d in desired_list])
        org_id, org_confirmed = resolve_org(client, conn.org, conn.org_id)
        remotes = Remotes(client, org_id, org_confirmed, params['update_remote_api_token'])
        outcome = converge_remotes(Run.of(module.check_mode), remotes, desired_list, params['purge'], local_buckets)
    except InfluxOpsError as exc:
        fail(module, exc)
    with_replications = any(desired['replications'] is not None for desired in desired_list)
    after = [dict(outcome.after[name]) for name in sorted(outcome.after)]
    notes = [queue_loss_header(outcome.queue_lost)] if outcome.queue_lost else []
    result = dict(dict((key, []) for key in ('replications_created', 'replications_updated', 'replications_deleted')),
                  **outcome.done)
    if with_replications:
        for remote in after:
            remote['replications'] = [remote['replications'][name] for name in sorted(remote['replications'])]
        result['replications_validated'] = outcome.validated
    shown = diff(remotes, outcome.before, outcome.after, outcome.token_sent, notes)
    if outcome.buckets_after is not None:
        # the local buckets beside the remotes, on each side
        shown.update(before=dict(local_buckets=outcome.buckets_before, remotes=shown['before']),
                     after=dict(local_buckets=outcome.buckets_after, remotes=shown['after']))
        result['local_buckets'] = [outcome.buckets_after[name] for name in sorted(outcome.buckets_after)]
    for key in ('local_buckets_created', 'local_buckets_updated'):
        result.setdefault(key, [])
    result.pop('local_buckets_deleted', None)
    if outcome.missing_tokens:
        result['missing_remote_api_token'] = outcome.missing_tokens
    module.exit_json(changed=outcome.changed, remotes=after, diff=shown, **result)


if __name__ == '__main__':
    main()
