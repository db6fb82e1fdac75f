# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Remote connections (/api/v2/remotes): lookups, the plan, and carrying the plan out.

One plan drives the write, ``changed``, check mode and the diff, so that a dry run
predicts exactly what a real run does.
"""

from __future__ import annotations

from ansible_collections.influxops.influxdb2.plugins.module_utils._argspec import (
    OptionError,
    check_http_url,
    check_id,
    check_name,
    check_token,
)
from ansible_collections.influxops.influxdb2.plugins.module_utils._client import InfluxDBError, quote_id


ORGS_PATH = '/api/v2/orgs'
REMOTES_PATH = '/api/v2/remotes'

# (module option, API field) for every field that the module compares and writes.
FIELDS = (
    ('name', 'name'),
    ('description', 'description'),
    ('remote_url', 'remoteURL'),
    ('remote_org_id', 'remoteOrgID'),
    ('allow_insecure_tls', 'allowInsecureTLS'),
)
TOKEN_OPTION, TOKEN_FIELD = 'remote_api_token', 'remoteAPIToken'
ID_OPTIONS = frozenset(['remote_org_id'])
CREATE_REQUIRED = ('remote_url', TOKEN_OPTION)
# The options that describe a remote, besides its name.
CREATE_OPTIONS = ('description', 'remote_url', TOKEN_OPTION, 'remote_org_id', 'allow_insecure_tls')

UPDATE_TOKEN_ON_CREATE = 'on_create'
UPDATE_TOKEN_ALWAYS = 'always'


def remote_argument_spec():
    """The options that describe one remote (influx_remote's, and each item of influx_remotes' remotes)."""
    return dict(
        name=dict(type='str', required=True),
        description=dict(type='str'),
        remote_url=dict(type='str'),
        remote_api_token=dict(type='str', no_log=True),
        remote_org_id=dict(type='str'),
        allow_insecure_tls=dict(type='bool'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )


def update_token_argument_spec():
    return dict(update_remote_api_token=dict(type='str', default=UPDATE_TOKEN_ON_CREATE, no_log=False,
                                             choices=[UPDATE_TOKEN_ON_CREATE, UPDATE_TOKEN_ALWAYS]))


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


# (API field, accepted types, whether null or absent is allowed): what the code relies on in a remote.
REMOTE_SHAPE = (
    ('id', str, False),
    ('orgID', str, False),
    ('name', str, False),
    ('remoteURL', str, False),
    ('description', str, True),
    ('remoteOrgID', str, True),
    ('allowInsecureTLS', bool, True),
)


def remote_problem(remote):
    """``None`` when ``remote`` has the shape of a remote as InfluxDB sends it, else what was expected."""
    if not isinstance(remote, dict):
        return 'a remote connection object'
    for field, kind, optional in REMOTE_SHAPE:
        value = remote.get(field)
        if value is None and optional:
            continue
        if not isinstance(value, kind) or (field == 'id' and not value):
            return 'a remote connection object with %s as %s' % (field, 'a boolean' if kind is bool else 'a string')
    return None


def _list_problem(key, item_problem):
    def problem(answer):
        if not isinstance(answer, dict) or key not in answer or not isinstance(answer[key], (list, type(None))):
            return 'an object with %s as a list or null' % key
        for item in answer[key] or []:
            found = item_problem(item)
            if found:
                return 'an object with %s as a list of which each item is %s' % (key, found)
        return None
    return problem


def org_problem(org):
    if not isinstance(org, dict) or not all(isinstance(org.get(field), str) and org[field] for field in ('id', 'name')):
        return 'an organization object with id and name as strings'
    return None


remotes_list_problem = _list_problem('remotes', remote_problem)
orgs_list_problem = _list_problem('orgs', org_problem)


def from_api(remote):
    """Convert a remote as the API returns it into the module's snake_case form (never a token)."""
    if not remote:
        return {}
    return dict(
        id=remote.get('id'),
        org_id=remote.get('orgID'),
        name=remote.get('name'),
        description=remote.get('description'),
        remote_url=remote.get('remoteURL'),
        remote_org_id=remote.get('remoteOrgID'),
        allow_insecure_tls=bool(remote.get('allowInsecureTLS', False)),
    )


def matches(remote, org_id=None, name=None, remote_url=None):
    """Whether an API remote passes the exact filters that are set (org IDs compared lower-cased)."""
    return ((org_id is None or (remote.get('orgID') or '').lower() == org_id.lower())
            and (name is None or remote.get('name') == name)
            and (remote_url is None or remote.get('remoteURL') == remote_url))


def _same(option, have, want):
    if option in ID_OPTIONS and have is not None:
        return have.lower() == want.lower()
    return have == want


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
        after = dict(id=None, org_id=org_id, name=desired['name'], description=desired.get('description'),
                     remote_url=desired['remote_url'], remote_org_id=desired.get('remote_org_id'),
                     allow_insecure_tls=bool(desired.get('allow_insecure_tls')))
        if after['remote_org_id'] is not None:
            after['remote_org_id'] = after['remote_org_id'].lower()
        body = dict(orgID=org_id, name=after['name'], remoteURL=after['remote_url'],
                    remoteAPIToken=desired[TOKEN_OPTION], allowInsecureTLS=after['allow_insecure_tls'])
        if after['description'] is not None:
            body['description'] = after['description']
        if after['remote_org_id'] is not None:
            body['remoteOrgID'] = after['remote_org_id']
        return Plan('create', {}, after, body)

    after = dict(before)
    body = {}
    for option, field in FIELDS:
        want = desired.get(option)
        if want is None or _same(option, before.get(option), want):
            continue
        if option in ID_OPTIONS:
            want = want.lower()
        body[field] = after[option] = want
    if update_token == UPDATE_TOKEN_ALWAYS and desired.get(TOKEN_OPTION) is not None:
        body[TOKEN_FIELD] = desired[TOKEN_OPTION]
    return Plan('update' if body else 'none', before, after, body or None)


class RemotesService:
    """The requests this collection makes, on top of :class:`InfluxDBClient`."""

    def __init__(self, client):
        self.client = client

    def resolve_org(self, org, org_id):
        """``(org ID, whether the org is known to exist)``: an org name is looked up (which proves it)."""
        if org_id is not None or org is None:
            return org_id, False
        return self.org_id_for_name(org), True

    def org_id_for_name(self, org):
        try:
            result = self.client.get(ORGS_PATH, dict(org=org), expect=orgs_list_problem)
        except InfluxDBError as exc:
            if exc.status == 404 and exc.code is not None:
                exc.args = ('organization %r not found (404 %s: %s): check org' % (org, exc.code, exc.api_message),)
            raise
        orgs = result['orgs'] or []
        for item in orgs:
            if item.get('name') == org:
                return item['id']
        raise InfluxDBError('organization %r not found: check org' % org, method='GET', url=self.client.url(ORGS_PATH, dict(org=org)))

    def check_org_id(self, org_id):
        try:
            self.client.get('%s/%s' % (ORGS_PATH, quote_id(org_id)), expect=org_problem)
        except InfluxDBError as exc:
            if exc.status == 404 and exc.code is not None:
                exc.args = ('organization with ID %s not found (404 %s: %s): check org_id; nothing was created'
                            % (org_id, exc.code, exc.api_message),)
            raise

    def list(self, org_id, name=None, remote_url=None):
        """Remotes of an org, filtered exactly; always a list (the API answers ``null`` for none)."""
        query = dict(orgID=org_id, name=name or None, remoteURL=remote_url or None)
        remotes = self.client.get(REMOTES_PATH, query, expect=remotes_list_problem)['remotes'] or []
        # The server filters already; filter again so that a server that ignores a filter cannot mislead us.
        return [r for r in remotes if matches(r, name=name, remote_url=remote_url)]

    def find(self, org_id, name):
        remotes = self.list(org_id, name=name)
        return remotes[0] if remotes else None

    def get(self, remote_id):
        try:
            return self.client.get('%s/%s' % (REMOTES_PATH, quote_id(remote_id)), expect=remote_problem)
        except InfluxDBError as exc:
            if exc.status == 404:
                return None
            raise

    def create(self, org_id, body):
        return self._written(org_id, body['name'], self.client.post(REMOTES_PATH, body), 'the created remote')

    def update(self, org_id, name, remote_id, body):
        return self._written(org_id, name, self.client.patch('%s/%s' % (REMOTES_PATH, quote_id(remote_id)), body),
                             'the updated remote')

    def _written(self, org_id, name, answer, expected):
        """The remote that a 2xx answer to a write carries; when it carries none, the remote read back by name."""
        if remote_problem(answer) is None:
            return answer
        error = self.client.unexpected_answer(expected)
        self.client.warn('%s; reading remote %r back by name' % (error, name))
        current = self.find(org_id, name)
        if current is None:
            error.args = ('%s; remote %r was read back by name and does not exist' % (error, name),)
            raise error
        return current

    def delete(self, remote_id, name):
        """Delete a remote; return False if it was already gone."""
        try:
            self.client.delete('%s/%s' % (REMOTES_PATH, quote_id(remote_id)))
        except InfluxDBError as exc:
            if exc.status == 404:
                # A 404 on a retry means that an earlier attempt deleted it, though its answer was lost.
                return exc.attempt > 0
            if exc.status == 500 and 'replication' in (exc.api_message or '').lower():
                exc.args = ('remote %r (ID %s) cannot be deleted because a replication still uses it (500 %s: %s): '
                            'delete or re-point that replication first' % (name, remote_id, exc.code, exc.api_message),)
            raise
        return True


def is_unique_violation(exc):
    return exc.status == 500 and 'unique constraint' in (exc.api_message or '').lower()


class Outcome:
    """The result of converging one remote: what the module reports."""

    def __init__(self, changed, before, after):
        self.changed = changed
        self.before = before
        self.after = after


def converge_remote(service, org_id, current, desired, state, update_token, check_mode, org_confirmed):
    """Plan one remote and carry the plan out (unless ``check_mode``).

    ``org_confirmed`` tells whether the org is known to exist (looked up by name);
    otherwise it is checked before a create, since the API does not check it.
    """
    plan = plan_remote(current, desired, org_id, state, update_token)
    if plan.action == 'create' and not org_confirmed:
        service.check_org_id(org_id)
    if check_mode:
        return Outcome(plan.changed, plan.before, plan.after)
    return execute_plan(service, org_id, plan, desired, update_token)


def execute_plan(service, org_id, plan, desired, update_token):
    """Make the write that ``plan`` needs, if any; return the :class:`Outcome`."""
    if not plan.changed:
        return Outcome(False, plan.before, plan.after)
    if plan.action == 'delete':
        deleted = service.delete(plan.remote_id, plan.before['name'])
        return Outcome(deleted, plan.before, {})
    if plan.action == 'update':
        return Outcome(True, plan.before, from_api(service.update(org_id, plan.before['name'], plan.remote_id, plan.body)))
    return _create(service, org_id, plan, desired, update_token)


def _create(service, org_id, plan, desired, update_token):
    """POST a new remote; never send the POST again blindly.

    After a 500 UNIQUE answer (another run created the name first), or a failure after which
    the server may have created the remote (timeout, lost connection, gateway error), read the
    remote back by name: converge on it if it is there, and POST again only if it is not.
    """
    attempt = 0
    while True:
        try:
            return Outcome(True, {}, from_api(service.create(org_id, plan.body)))
        except InfluxDBError as exc:
            unique = is_unique_violation(exc)
            if not unique and not (exc.maybe_applied and service.client.may_retry(exc, attempt)):
                raise
            if not unique:
                attempt += 1
                service.client.wait_before_retry(exc, attempt, 'reading remote %r back before creating it again' % desired['name'])
            current = service.find(org_id, desired['name'])
            if current is None:
                if unique:
                    raise
                continue
        break
    # ``unique``: another run created it. Otherwise our POST most likely did, and its answer was lost.
    created_by_us = not unique
    if update_token == UPDATE_TOKEN_ON_CREATE:
        desired = dict(desired)
        desired[TOKEN_OPTION] = None
    plan = plan_remote(current, desired, org_id, 'present', update_token)
    before = {} if created_by_us else plan.before
    if not plan.changed:
        return Outcome(created_by_us, before, plan.after)
    return Outcome(True, before, from_api(service.update(org_id, desired['name'], plan.remote_id, plan.body)))


class SetError(Exception):
    """A write failed while converging a set of remotes; carries what was and was not done."""

    def __init__(self, name, action, error, done, not_done):
        super().__init__('remote %r: %s failed, %s' % (name, action, error))
        self.error = error
        self.done = done
        self.not_done = not_done


class SetOutcome:
    """The result of converging a set: ``done`` maps created/updated/deleted to lists of names."""

    def __init__(self, before, after, done):
        self.before = before
        self.after = after
        self.done = done

    @property
    def changed(self):
        return any(self.done.values())


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
        service.check_org_id(org_id)

    before = dict((name, from_api(remote)) for name, remote in current.items())
    after = dict(before)
    done = dict((key, []) for action, key in ACTION_LISTS)
    for index, (desired, plan) in enumerate(plans):
        if check_mode:
            outcome = Outcome(plan.changed, plan.before, plan.after)
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
    return SetOutcome(before, after, done)
