# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Remote connections (/api/v2/remotes): lookups, the plan, and carrying the plan out.

One plan drives the write, ``changed``, check mode and the diff, so that a dry run
predicts exactly what a real run does.
"""

from __future__ import annotations

from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxDBError, OptionError, SetError
from ansible_collections.influxops.influxdb2.plugins.module_utils._fields import (
    Field,
    create_body,
    from_api as fields_from_api,
    list_problem,
    predict,
    shape_problem,
    update_body,
)
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import UPDATE_TOKEN_ALWAYS, UPDATE_TOKEN_ON_CREATE
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import check_org_id
from ansible_collections.influxops.influxdb2.plugins.module_utils._resource import ResourceService
from ansible_collections.influxops.influxdb2.plugins.module_utils._validators import (
    check_http_url,
    check_id,
    check_name,
    check_token,
)

REMOTES_PATH = '/api/v2/remotes'

# Every field of a remote as the API sends it; the token is written but never returned.
REMOTE_FIELDS = (
    Field('id', 'id', create=False, update=False),
    Field('org_id', 'orgID', update=False),
    Field('name', 'name'),
    Field('description', 'description', nullable=True),
    Field('remote_url', 'remoteURL'),
    Field('remote_org_id', 'remoteOrgID', nullable=True, is_id=True),
    Field('allow_insecure_tls', 'allowInsecureTLS', kind=bool, nullable=True, default=False),
)
TOKEN_OPTION, TOKEN_FIELD = 'remote_api_token', 'remoteAPIToken'
CREATE_REQUIRED = ('remote_url', TOKEN_OPTION)
# The options that describe a remote, besides its name.
CREATE_OPTIONS = ('description', 'remote_url', TOKEN_OPTION, 'remote_org_id', 'allow_insecure_tls')

# The values of the remote_api_token line of a diff, on each side, for a remote to which the token is
# sent. Fixed texts, never derived from a token; they differ, so that the line shows in the diff.
TOKEN_BEFORE = '<not returned by the server>'
TOKEN_AFTER = '<sent by this task>'


def desired_remote(options, where=''):
    """Check the options of one remote before any request; return them as the plan wants them.

    ``where`` prefixes option names in messages, such as ``remotes[2].``.
    """
    check_name(options['name'], where + 'name')
    if options.get('state') == 'absent':
        extra = [option for option in CREATE_OPTIONS if options.get(option) is not None]
        if extra:
            raise OptionError('%sstate=absent deletes the remote and takes no %s; remove %s'
                              % (where, '/'.join(CREATE_OPTIONS), ', '.join(where + option for option in extra)))
    if options.get('remote_url') is not None:
        check_http_url(options['remote_url'], where + 'remote_url')
    if options.get('remote_org_id') is not None:
        check_id(options['remote_org_id'], where + 'remote_org_id')
    desired = dict((option, options.get(option)) for option in ('name',) + CREATE_OPTIONS)
    if desired[TOKEN_OPTION] is not None:
        desired[TOKEN_OPTION] = check_token(desired[TOKEN_OPTION], where + TOKEN_OPTION)
    return desired


def remote_problem(remote):
    """``None`` when ``remote`` has the shape of a remote as InfluxDB sends it, else what was expected."""
    return shape_problem(REMOTE_FIELDS, remote, 'a remote connection object')


remotes_list_problem = list_problem('remotes', remote_problem)


def from_api(remote):
    """Convert a remote as the API returns it into the module's snake_case form (never a token)."""
    return fields_from_api(REMOTE_FIELDS, remote)


def matches(remote, org_id=None, name=None, remote_url=None):
    """Whether an API remote passes the exact filters that are set (org IDs compared lower-cased)."""
    return ((org_id is None or remote['orgID'].lower() == org_id.lower())
            and (name is None or remote['name'] == name)
            and (remote_url is None or remote['remoteURL'] == remote_url))


class Plan:
    """What one remote needs: ``action`` is one of create, update, delete or none.

    ``body`` is the API request body (it may hold the token: never return or log it);
    ``before`` and ``after`` are snake_case remotes without a token (``{}`` for none).
    """

    def __init__(self, action, before, after, body=None):
        self.action = action
        self.before = before
        self.after = after
        self.body = body

    @property
    def changed(self):
        return self.action != 'none'

    @property
    def remote_id(self):
        return self.before.get('id')

    @property
    def sends_token(self):
        return TOKEN_FIELD in (self.body or {})

    def predicted(self):
        """The :class:`Outcome` that check mode reports."""
        return Outcome(self.changed, self.before, self.after, self.sends_token)


def plan_remote(current, desired, org_id, state='present', update_token=UPDATE_TOKEN_ON_CREATE):
    """Plan one remote.

    ``current`` is the remote as the API returned it (or ``None``); ``desired`` maps module
    options to values, ``None`` meaning "leave as it is". Raises :class:`OptionError` when a
    remote must be created but the options to create it are missing.
    """
    before = from_api(current)
    if state == 'absent':
        return Plan('delete' if current else 'none', before, {})

    if not current:
        missing = [option for option in CREATE_REQUIRED if desired.get(option) is None]
        if missing:
            raise OptionError('remote %r does not exist in organization %s; to create it, set %s'
                              % (desired['name'], org_id, ' and '.join(missing)))
        after = predict(REMOTE_FIELDS, desired, id=None, org_id=org_id)
        body = create_body(REMOTE_FIELDS, after)
        body[TOKEN_FIELD] = desired[TOKEN_OPTION]
        return Plan('create', {}, after, body)

    body, after = update_body(REMOTE_FIELDS, before, desired)
    if update_token == UPDATE_TOKEN_ALWAYS and desired.get(TOKEN_OPTION) is not None:
        body[TOKEN_FIELD] = desired[TOKEN_OPTION]
    return Plan('update' if body else 'none', before, after, body or None)


class RemotesService(ResourceService):
    """The requests made for remotes. ``users(remote_id)``, if given, names the replications that
    use a remote, for the message of a delete that they block."""

    PATH = REMOTES_PATH
    KIND = 'remote'

    def __init__(self, client, users=None):
        super().__init__(client)
        self.users = users

    def problem(self, value):
        return remote_problem(value)

    def list(self, org_id, name=None, remote_url=None):
        """Remotes of an org, filtered exactly; always a list (the API answers ``null`` for none)."""
        query = dict(orgID=org_id, name=name or None, remoteURL=remote_url or None)
        remotes = self.client.get(REMOTES_PATH, query, expect=remotes_list_problem)['remotes'] or []
        # The server filters already; filter again so that a server that ignores a filter cannot mislead us.
        return [r for r in remotes if matches(r, name=name, remote_url=remote_url)]

    def delete(self, remote_id, name):
        """Delete a remote; return False if it was already gone."""
        try:
            return super().delete(remote_id)
        except InfluxDBError as exc:
            if exc.status == 500 and 'replication' in (exc.api_message or '').lower():
                if self.users is None:
                    raise exc.reworded('remote %r (ID %s) cannot be deleted because a replication still uses it (500 %s: %s): '
                                       'delete or re-point that replication first' % (name, remote_id, exc.code, exc.api_message))
                names = self.users(remote_id)
                raise exc.reworded('remote %r (ID %s) cannot be deleted because a replication still uses it (500 %s: %s): '
                                   'replications using it: %s; delete or re-point them first, or set delete_replications=true '
                                   'to delete them with the remote (their queued data is lost)'
                                   % (name, remote_id, exc.code, exc.api_message, ', '.join(repr(n) for n in names) or 'none found'))
            raise


class Outcome:
    """The result of converging one remote: what the module reports; ``token_sent`` tells whether
    the token was sent (or would be, in check mode)."""

    def __init__(self, changed, before, after, token_sent=False):
        self.changed = changed
        self.before = before
        self.after = after
        self.token_sent = token_sent

    def diff(self, header=None):
        """The diff (see :func:`_token_lines`); ``header`` is one more note for the header of the after side."""
        before, after = _token_lines(self.before, self.after, self.token_sent)
        return _diff(before, after, [self.before['name']] if self.token_sent and self.before else [], header)


def _token_lines(before, after, sent):
    """``before`` and ``after`` of a remote, each with a remote_api_token line if the token is ``sent`` to it.

    The token is never shown, nor anything made from it: the line holds :data:`TOKEN_BEFORE` on the
    before side (if the remote exists) and :data:`TOKEN_AFTER` on the after side.
    """
    if not sent:
        return before, after
    return dict(before, remote_api_token=TOKEN_BEFORE) if before else before, dict(after, remote_api_token=TOKEN_AFTER)


def _token_header(names):
    """The header of the after side of a diff in which the token of the existing remotes ``names`` is replaced."""
    return ("the remote_api_token of remote(s) %s is replaced with the task's; the server never returns a token, "
            'so whether it differs is unknown' % ', '.join(repr(name) for name in names))


def _diff(before, after, replaced, header):
    """A diff whose after side's header names the remotes ``replaced`` (their token) and says ``header``."""
    diff = dict(before=before, after=after)
    notes = ([_token_header(replaced)] if replaced else []) + ([header] if header else [])
    if notes:
        diff['after_header'] = '; '.join(notes)
    return diff


def converge_remote(service, org_id, current, desired, state, update_token, check_mode, org_confirmed):
    """Plan one remote and carry the plan out (unless ``check_mode``).

    ``org_confirmed`` tells whether the org is known to exist (looked up by name);
    otherwise it is checked before a create, since the API does not check it.
    """
    plan = plan_remote(current, desired, org_id, state, update_token)
    if plan.action == 'create' and not org_confirmed:
        check_org_id(service.client, org_id)
    if check_mode:
        return plan.predicted()
    return execute_plan(service, org_id, plan, desired, update_token)


def execute_plan(service, org_id, plan, desired, update_token):
    """Make the write that ``plan`` needs, if any; return the :class:`Outcome`."""
    if not plan.changed:
        return Outcome(False, plan.before, plan.after)
    if plan.action == 'delete':
        deleted = service.delete(plan.remote_id, plan.before['name'])
        return Outcome(deleted, plan.before, {})
    if plan.action == 'update':
        return Outcome(True, plan.before, from_api(service.update(org_id, plan.before['name'], plan.remote_id, plan.body)),
                       plan.sends_token)
    return _create(service, org_id, plan, desired, update_token)


def _create(service, org_id, plan, desired, update_token):
    """POST a new remote (the client never sends it twice blindly), and converge on what is there.

    After a 500 UNIQUE answer (another run created the name first), or a lost answer after which
    the remote was found by name, the remote that exists is planned again and only what still
    differs is changed.
    """
    created, how = service.create_or_find(org_id, plan.body)
    if how == 'created':
        return Outcome(True, {}, from_api(created), True)
    # 'lost': our POST most likely created it, and its answer was lost; 'raced': another run did
    created_by_us = how == 'lost'
    if update_token == UPDATE_TOKEN_ON_CREATE:
        desired = dict(desired)
        desired[TOKEN_OPTION] = None
    plan = plan_remote(created, desired, org_id, 'present', update_token)
    before = {} if created_by_us else plan.before
    token_sent = created_by_us or plan.sends_token
    if not plan.changed:
        return Outcome(created_by_us, before, plan.after, token_sent)
    return Outcome(True, before, from_api(service.update(org_id, desired['name'], plan.remote_id, plan.body)), token_sent)


class SetOutcome:
    """The result of converging a set: ``done`` maps created/updated/deleted to lists of names;
    ``token_sent`` lists the remotes to which the token was sent (or would be, in check mode)."""

    def __init__(self, before, after, done, token_sent=()):
        self.before = before
        self.after = after
        self.done = done
        self.token_sent = token_sent

    @property
    def changed(self):
        return any(self.done.values())

    def diff(self, header=None):
        """The diff of the whole set (see :func:`_token_lines`); ``header`` is one more note for the header of the after side."""
        before, after = dict(self.before), {}
        for name, remote in self.after.items():
            old, after[name] = _token_lines(self.before.get(name, {}), remote, name in self.token_sent)
            if old:
                before[name] = old
        return _diff(before, after, [name for name in self.token_sent if name in self.before], header)


ACTION_LISTS = (('create', 'created'), ('update', 'updated'), ('delete', 'deleted'))


def converge_set(service, org_id, org_confirmed, desired_list, purge, update_token, check_mode):
    """Converge every remote of an org on ``desired_list`` (and delete the others with ``purge``).

    One list request, then every plan is made before the first write, so that a remote that
    cannot be created stops the run before anything is written. A failed write raises
    :class:`SetError` with the writes made and those not made.
    """
    current = dict((r['name'], r) for r in service.list(org_id))
    plans = [(desired, plan_remote(current.get(desired['name']), desired, org_id, desired.pop('state'), update_token))
             for desired in (dict(d) for d in desired_list)]
    if purge:
        wanted = set(desired['name'] for desired, plan in plans)
        plans += [(dict(name=name), plan_remote(current[name], dict(name=name), org_id, 'absent'))
                  for name in sorted(current) if name not in wanted]
    if not org_confirmed and any(plan.action == 'create' for desired, plan in plans):
        check_org_id(service.client, org_id)

    before = dict((name, from_api(remote)) for name, remote in current.items())
    after = dict(before)
    done = dict((key, []) for action, key in ACTION_LISTS)
    token_sent = []
    for index, (desired, plan) in enumerate(plans):
        if check_mode:
            outcome = plan.predicted()
        else:
            try:
                outcome = execute_plan(service, org_id, plan, desired, update_token)
            except InfluxDBError as exc:
                not_done = dict((key, [d['name'] for d, p in plans[index:] if p.action == action]) for action, key in ACTION_LISTS)
                raise SetError(desired['name'], plan.action, exc, done, not_done)
        if outcome.after:
            after[desired['name']] = outcome.after
        else:
            after.pop(desired['name'], None)
        if outcome.changed:
            kind = 'created' if not outcome.before else 'deleted' if not outcome.after else 'updated'
            done[kind].append(desired['name'])
        if outcome.token_sent:
            token_sent.append(desired['name'])
    return SetOutcome(before, after, done, token_sent)
