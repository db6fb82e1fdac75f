# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""The set of remotes of an org together with the replications that use them.

One list of remotes, one list of replications (and one list of buckets when a local bucket is
given by name), then every plan is made before the first write. The writes are made in this
order: remotes created or updated, replications created, updated or moved, replications deleted,
remotes deleted; so that a replication always has its remote, and a remote is deleted only once
nothing uses it.
"""

from __future__ import annotations

from ansible_collections.influxops.influxdb2.plugins.module_utils._buckets import BucketsService
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxDBError, SetError, ValidationError
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import check_org_id
from ansible_collections.influxops.influxdb2.plugins.module_utils._remotes import (
    ACTION_LISTS,
    RemotesService,
    SetOutcome,
    execute_plan as execute_remote_plan,
    from_api as remote_from_api,
    plan_remote,
)
from ansible_collections.influxops.influxdb2.plugins.module_utils._replications import (
    Outcome as ReplicationOutcome,
    ReplicationsService,
    _check_mode_validate,
    _validate,
    execute_plan as execute_replication_plan,
    from_api as replication_from_api,
    plan_replication,
    resolve_names,
)

REPLICATION_LISTS = (('created', 'replications_created'), ('updated', 'replications_updated'),
                     ('deleted', 'replications_deleted'))


class ReplicationSetOutcome(SetOutcome):
    """A :class:`SetOutcome` whose remotes carry their replications (``{name: replication}``);
    ``validated`` lists the replications validated, ``queue_lost`` those deleted or replaced, whose
    queued data is lost."""

    def __init__(self, before, after, done, token_sent, validated, queue_lost):
        super().__init__(before, after, done, token_sent)
        self.validated = validated
        self.queue_lost = queue_lost


def _pending_id(index):
    """The stand-in for the ID of the remote of item ``index`` until it is created: never sent, never returned."""
    return 'pending-remote-%d' % index


def _is_pending(remote_id):
    return isinstance(remote_id, str) and remote_id.startswith('pending-remote-')


class _Step:
    """One write of the run (or none): which resource, its name, its plan, and what it needs to be carried out."""

    def __init__(self, kind, name, plan, desired=None, replace=False, validate=False, item=None, pending_id=None):
        self.kind = kind
        self.name = name
        self.plan = plan
        self.desired = desired
        self.replace = replace
        self.validate = validate
        self.item = item
        self.pending_id = pending_id
        self.pending = False
        self.outcome = None

    @property
    def key(self):
        return '%s%s' % ('replications_' if self.kind == 'replication' else '', self.plan_key)

    @property
    def plan_key(self):
        action = 'update' if self.plan.action == 'replace' else self.plan.action
        return dict(ACTION_LISTS).get(action)


def _not_done(steps, index, keys):
    not_done = dict((key, []) for key in keys)
    for step in steps[index:]:
        if step.plan.changed:
            not_done[step.key].append(step.name)
    return not_done


def converge_set_with_replications(client, org_id, org_confirmed, desired_list, purge, update_token, check_mode):
    """Converge the remotes of an org and the replications declared under them.

    ``desired_list`` holds the desired remotes as :func:`converge_set` takes them, each with
    ``replications``: ``None`` (the remote's replications are left alone) or a list of desired
    replications (each with ``state``, ``replace``, ``validate`` and ``where``). Returns a
    :class:`SetOutcome` whose before/after remotes carry their replications, whose ``done`` has the
    ``replications_*`` lists as well, and whose ``validated`` lists the replications validated.
    """
    remotes, replications = RemotesService(client), ReplicationsService(client)
    current = dict((r['name'], r) for r in remotes.list(org_id))
    found = dict((r['name'], r) for r in replications.list(org_id))
    wants_names = any(r.get('local_bucket') is not None for d in desired_list for r in d['replications'] or ()
                      if r['state'] == 'present')
    bucket_ids = BucketsService(client).ids_by_name(org_id) if wants_names else None

    # The remotes: one plan each, as converge_set makes them.
    first, last = [], []
    remote_ids = {}
    for index, desired in enumerate(dict(d) for d in desired_list):
        declared = desired.pop('replications')
        state = desired.pop('state')
        plan = plan_remote(current.get(desired['name']), desired, org_id, state, update_token)
        step = _Step('remote', desired['name'], plan, desired, item=declared, pending_id=_pending_id(index))
        (last if plan.action == 'delete' else first).append(step)
        if state == 'present':
            remote_ids[desired['name']] = plan.remote_id.lower() if plan.remote_id else step.pending_id
    wanted = set(d['name'] for d in desired_list)
    purged = [_Step('remote', name, plan_remote(current[name], dict(name=name), org_id, 'absent'), dict(name=name), item=[])
              for name in sorted(current) if purge and name not in wanted]
    last += purged

    # The replications declared: created, updated or moved; or deleted when declared absent.
    moves, deletes = [], []
    declared_names = set()
    for desired in desired_list:
        for options in desired['replications'] or ():
            declared_names.add(options['name'])
            where = options['where']
            if options['state'] == 'present':
                want = resolve_names(client, org_id, options, remote_id=remote_ids[desired['name']], bucket_ids=bucket_ids,
                                     where=where)
            else:
                want = dict(name=options['name'])
            plan = plan_replication(found.get(options['name']), want, org_id, options['state'], options['replace'], where,
                                    server_version=client.server_version)
            step = _Step('replication', options['name'], plan, want, options['replace'], options['validate'])
            (deletes if plan.action == 'delete' else moves).append(step)

    # The replications no longer wanted: those of a declared remote with purge, and those of a remote deleted
    # with its replications (purged, or absent with replications: []).
    ids = dict((remote['id'].lower(), name) for name, remote in current.items())
    cleared = set(step.name for step in last if step.plan.action == 'delete' and step.item is not None)
    if purge:
        cleared.update(d['name'] for d in desired_list if d['replications'] is not None and d['state'] == 'present')
    for name in sorted(found):
        replication = found[name]
        if name not in declared_names and ids.get(replication['remoteID'].lower()) in cleared:
            deletes.append(_Step('replication', name, plan_replication(replication, dict(name=name), org_id, 'absent')))

    steps = first + moves + deletes + last
    for step in moves + deletes:
        for warning in step.plan.warnings:
            client.warn(warning)
    creates = any(step.plan.action in ('create', 'replace') for step in steps)
    if not org_confirmed and creates:
        check_org_id(client, org_id)

    keys = [key for action, key in ACTION_LISTS] + [key for plain, key in REPLICATION_LISTS]
    done = dict((key, []) for key in keys)
    new_ids = {}
    for index, step in enumerate(steps):
        if step.kind == 'replication':
            _fill_remote_id(step, new_ids, check_mode)
        try:
            step.outcome = _carry_out(remotes, replications, org_id, step, update_token, check_mode)
        except InfluxDBError as exc:
            raise SetError(step.name, step.plan.action, exc, done, _not_done(steps, index, keys), kind=step.kind)
        if step.kind == 'remote' and step.plan.action == 'create':
            new_ids[step.pending_id] = step.outcome.after.get('id')
        if step.outcome.changed:
            kind = 'created' if not step.outcome.before else 'deleted' if not step.outcome.after else 'updated'
            done[kind if step.kind == 'remote' else 'replications_' + kind].append(step.name)

    validated = []
    for step in moves:
        if step.validate and step.outcome.after:
            try:
                _validate_step(replications, step, check_mode)
            except ValidationError as exc:
                answered = ('the remote answered %d' % exc.remote_code if exc.remote_code is not None
                            else 'no answer came from the remote')
                raise SetError(step.name, 'validation', exc.error, done, dict((key, []) for key in keys), kind='replication',
                               message='%s (%s)' % (answered, exc.error.api_message or exc.error))
            except InfluxDBError as exc:
                raise SetError(step.name, 'validation', exc, done, dict((key, []) for key in keys), kind='replication')
            if step.outcome.validated:
                validated.append(step.name)

    queue_lost = [step.name for step in moves + deletes if step.plan.action in ('delete', 'replace') and step.plan.before]
    token_sent = [step.name for step in steps if step.kind == 'remote' and step.outcome.token_sent]
    before, after = _before_after(current, found, steps)
    return ReplicationSetOutcome(before, after, done, token_sent, validated, queue_lost)


def _fill_remote_id(step, new_ids, check_mode):
    """Put the ID of a remote created in this run where its stand-in is (``None`` in check mode)."""
    plan, want = step.plan, step.desired
    if want is None or not _is_pending(want.get('remote_id')):
        return
    remote_id = None if check_mode else new_ids.get(want['remote_id'])
    step.pending = True
    if not check_mode:
        want['remote_id'] = remote_id
        if plan.body and 'remoteID' in plan.body:
            plan.body['remoteID'] = remote_id
    if plan.after:
        plan.after['remote_id'] = remote_id


def _carry_out(remotes, replications, org_id, step, update_token, check_mode):
    plan = step.plan
    if step.kind == 'remote':
        if check_mode:
            return plan.predicted()
        return execute_remote_plan(remotes, org_id, plan, step.desired, update_token)
    if check_mode:
        status = plan.status if plan.action in ('update', 'none') else {}
        return ReplicationOutcome(plan.changed, plan.before, plan.after, status)
    return execute_replication_plan(replications, org_id, plan, step.desired, step.replace)


def _validate_step(service, step, check_mode):
    outcome = step.outcome
    if not check_mode:
        return _validate(outcome, step.name, lambda: service.validate(outcome.after['id']))
    if step.pending:
        service.client.warn('validated is null: in check mode, replication %r cannot be validated, since its remote is '
                            'created by this run' % step.name)
        return outcome
    return _check_mode_validate(service, step.plan, outcome)


def _before_after(current, found, steps):
    """The remotes before and after, keyed by name, each with its replications keyed by name (never a token or a status)."""
    before_remotes = dict((name, remote_from_api(remote)) for name, remote in current.items())
    after_remotes = dict(before_remotes)
    before_replications = dict((name, replication_from_api(r)) for name, r in found.items())
    after_replications = dict(before_replications)
    pending_names = {}
    for step in steps:
        target = after_remotes if step.kind == 'remote' else after_replications
        if step.outcome.after:
            target[step.name] = step.outcome.after
        else:
            target.pop(step.name, None)
        if step.kind == 'replication' and step.pending:
            pending_names[step.name] = _owner(steps, step)

    def grouped(remotes, replications, pending):
        by_id = dict(((remote.get('id') or '').lower(), name) for name, remote in remotes.items() if remote.get('id'))
        result = dict((name, dict(remote, replications={})) for name, remote in remotes.items())
        for name, replication in replications.items():
            owner = pending.get(name) or by_id.get((replication.get('remote_id') or '').lower())
            if owner in result:
                result[owner]['replications'][name] = replication
        return result

    return grouped(before_remotes, before_replications, {}), grouped(after_remotes, after_replications, pending_names)


def _owner(steps, replication_step):
    """The name of the remote (created in this run) that a replication step belongs to."""
    for step in steps:
        if step.kind == 'remote' and step.item is not None and any(r['name'] == replication_step.name for r in step.item):
            return step.name
    return None
