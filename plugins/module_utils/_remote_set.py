# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""The set of remotes of an org, each with the replications declared under it (influx_remotes).

One list of remotes; where replications are declared, one list of replications (and one list of
buckets when a local bucket is given by name, or local buckets are declared). Every plan is made
before the first write, and :func:`._resource.converge_set` writes in this order: local buckets
and remotes created or updated, replications created, updated or moved, replications deleted,
remotes deleted; so that a replication always has its remote and its local bucket, and a remote
is deleted only once nothing uses it.
"""

from __future__ import annotations

from ansible_collections.influxops.influxdb2.plugins.module_utils._buckets import Buckets
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import MissingTokens
from ansible_collections.influxops.influxdb2.plugins.module_utils._replications import Replications, resolve_names
from ansible_collections.influxops.influxdb2.plugins.module_utils._resource import SetOutcome, Step, before_after, converge_set, write_order

# What a desired remote of the set carries besides its options: its state, its replications, its place in the
# task (for messages) and its own token policy (None: the module's).
SET_KEYS = ('state', 'replications', 'where', 'update_token')

# The stand-in for the ID of a remote created in the same run, until it is created: never sent, never returned.
PENDING_ID = 'pending-remote'
# The same, for a local bucket created in the same run.
PENDING_BUCKET_ID = 'pending-bucket'


class LocalBuckets(Buckets):
    """The local buckets that influx_remotes ensures before its remotes (result keys ``local_buckets_*``)."""

    DONE = 'local_buckets_'


class RemotesOutcome(SetOutcome):
    """What converging the set did: the remotes ``before`` and ``after`` by name (each with its replications by name,
    where replications are declared), ``token_sent`` (the remotes to which the token was sent), ``validated`` and
    ``queue_lost`` (replications), the local buckets ``buckets_before`` and ``buckets_after`` by name (``None``
    without local buckets), and ``missing_tokens``: in check mode, the remotes predicted without the token that the
    real run would need to create them."""

    def __init__(self, done, before, after, token_sent, validated, queue_lost, buckets_before=None, buckets_after=None,
                 missing_tokens=()):
        super().__init__(done, before, after)
        self.missing_tokens = list(missing_tokens)
        self.token_sent = token_sent
        self.validated = validated
        self.queue_lost = queue_lost
        self.buckets_before = buckets_before
        self.buckets_after = buckets_after


def converge_remotes(run, remotes, desired_list, purge, local_buckets=None):
    """Converge every remote of the org on ``desired_list`` (and delete the others with ``purge``).

    Each desired remote has ``where``, ``update_token`` (``None``: the policy of ``remotes``), ``state``
    and ``replications``: ``None`` (its replications are left alone) or a list of desired replications (each with ``state``, ``replace``, ``validate`` and
    ``where``). With ``purge``, a declared remote's undeclared replications are deleted, and a
    remote that is deleted takes its replications along where they are declared (``[]``).

    ``local_buckets`` (``(desired, state)`` pairs of :func:`._buckets.check_buckets`), if given, are created or
    updated first, and a replication may name one that this run creates. Every remote that cannot be created
    for want of its token is named in one :class:`._errors.MissingTokens`, before any write (in check mode, in the
    outcome's ``missing_tokens``).
    """
    current = remotes.by_name()
    declared = [d for d in desired_list if d['replications'] is not None]
    replications = Replications(remotes.client, remotes.org_id, remotes.org_confirmed)
    found = replications.by_name() if declared else {}
    by_name = any(r.get('local_bucket') is not None for d in declared for r in d['replications'] if r['state'] == 'present')
    bucket_ids, bucket_steps, current_buckets = None, {}, {}
    buckets = LocalBuckets(remotes.client, remotes.org_id)
    if local_buckets:
        listed = buckets.by_name()
        bucket_steps = dict((desired['name'], Step(buckets, listed.get(desired['name']), desired, state))
                            for desired, state in local_buckets)
        current_buckets = dict((name, listed[name]) for name in bucket_steps if name in listed)
        bucket_ids = dict((name, bucket['id'].lower()) for name, bucket in listed.items())
        bucket_ids.update((name, PENDING_BUCKET_ID) for name, step in bucket_steps.items() if step.plan.id is None)
    elif by_name:
        bucket_ids = buckets.ids_by_name()

    parents, missing = {}, []
    for d in desired_list:
        try:
            parents[d['name']] = Step(remotes, current.get(d['name']), dict((key, value) for key, value in d.items()
                                                                            if key not in SET_KEYS), d['state'],
                                      run=run, where=d['where'], update_token=d['update_token'])
        except MissingTokens as exc:
            missing.append(exc)
    if missing:
        raise MissingTokens.joined(missing)
    steps = list(bucket_steps.values()) + list(parents.values())
    wanted = set(parents)
    steps += [Step(remotes, current[name], dict(name=name), 'absent') for name in sorted(current) if purge and name not in wanted]

    cleared = set(step.name for step in steps[len(bucket_steps) + len(parents):])
    cleared.update(d['name'] for d in declared if d['state'] == 'absent' or purge)
    names = set()
    for desired in declared:
        parent = parents[desired['name']]
        for options in desired['replications']:
            names.add(options['name'])
            want, needs = dict(name=options['name']), {}
            if options['state'] == 'present':
                needs = dict(remote_id=parent) if parent.plan.id is None else {}
                remote_id = parent.plan.id.lower() if parent.plan.id else PENDING_ID
                want = resolve_names(replications, options, run, remote_id=remote_id, bucket_ids=bucket_ids, where=options['where'])
                if want['local_bucket_id'] == PENDING_BUCKET_ID:
                    needs['local_bucket_id'] = bucket_steps[options['local_bucket']]
            steps.append(Step(replications, found.get(options['name']), want, options['state'], needs=needs,
                              pending='remote_id' in needs, replace=options['replace'], validate=options['validate'],
                              where=options['where']))
    remote_names = dict((remote['id'].lower(), name) for name, remote in current.items())
    steps += [Step(replications, found[name], dict(name=name), 'absent') for name in sorted(found)
              if name not in names and remote_names.get(found[name]['remoteID'].lower()) in cleared]

    done = converge_set(run, steps, ([buckets] if bucket_steps else []) + ([remotes, replications] if declared else [remotes]))
    before, after = before_after(remotes, current, steps)
    if declared:
        replications_before, replications_after = before_after(replications, found, steps)
        needs = dict((step.name, step.needs['remote_id'].name) for step in steps if 'remote_id' in step.needs)
        before, after = _grouped(before, replications_before, {}), _grouped(after, replications_after, needs)
    buckets_before = buckets_after = None
    if local_buckets is not None:
        buckets_before, buckets_after = before_after(buckets, current_buckets, steps)
    written = sorted(steps, key=write_order)
    replicated = [step for step in written if step.resource is replications]
    return RemotesOutcome(done, before, after,
                          token_sent=[step.name for step in written if step.outcome.secret_sent],
                          validated=[step.name for step in steps if step.outcome.validated],
                          queue_lost=[step.name for step in replicated if step.plan.action in ('delete', 'replace')],
                          buckets_before=buckets_before, buckets_after=buckets_after,
                          missing_tokens=[name for exc in run.unresolved if isinstance(exc, MissingTokens) for name in exc.names])


def _grouped(remotes, replications, owners):
    """The remotes, each with its ``replications`` by name: those of its ID, and those that ``owners``
    gives it (a replication's remote created in this run, by name)."""
    by_id = dict((value['id'].lower(), name) for name, value in remotes.items() if value.get('id'))
    grouped = dict((name, dict(value, replications={})) for name, value in remotes.items())
    for name, value in replications.items():
        owner = owners.get(name) or by_id.get((value.get('remote_id') or '').lower())
        if owner in grouped:
            grouped[owner]['replications'][name] = value
    return grouped
