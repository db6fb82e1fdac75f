# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Remote connections (/api/v2/remotes): lookups, the plan, and carrying the plan out.

One plan drives the write, ``changed``, check mode and the diff, so that a dry run
predicts exactly what a real run does.
"""

from __future__ import annotations

from ansible_collections.influxops.influxdb2.plugins.module_utils._argspec import OptionError
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

    def org_id_for_name(self, org):
        try:
            result = self.client.get(ORGS_PATH, dict(org=org))
        except InfluxDBError as exc:
            if exc.status == 404:
                exc.args = ('organization %r not found (404 %s: %s): check org' % (org, exc.code, exc.api_message),)
            raise
        orgs = (result or {}).get('orgs') or []
        for item in orgs:
            if item.get('name') == org:
                return item['id']
        raise InfluxDBError('organization %r not found: check org' % org, method='GET', url=self.client.url(ORGS_PATH, dict(org=org)))

    def check_org_id(self, org_id):
        try:
            self.client.get('%s/%s' % (ORGS_PATH, quote_id(org_id)))
        except InfluxDBError as exc:
            if exc.status == 404:
                exc.args = ('organization with ID %s not found (404 %s: %s): check org_id; nothing was created'
                            % (org_id, exc.code, exc.api_message),)
            raise

    def list(self, org_id, name=None, remote_url=None):
        """Remotes of an org, filtered exactly; always a list (the API answers ``null`` for none)."""
        query = dict(orgID=org_id, name=name or None, remoteURL=remote_url or None)
        result = self.client.get(REMOTES_PATH, query) or {}
        remotes = result.get('remotes') or []
        # The server filters already; filter again so that a server that ignores a filter cannot mislead us.
        return [r for r in remotes if matches(r, name=name, remote_url=remote_url)]

    def find(self, org_id, name):
        remotes = self.list(org_id, name=name)
        return remotes[0] if remotes else None

    def get(self, remote_id):
        try:
            return self.client.get('%s/%s' % (REMOTES_PATH, quote_id(remote_id)))
        except InfluxDBError as exc:
            if exc.status == 404:
                return None
            raise

    def create(self, body):
        return self.client.post(REMOTES_PATH, body)

    def update(self, remote_id, body):
        return self.client.patch('%s/%s' % (REMOTES_PATH, quote_id(remote_id)), body)

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
    if check_mode or not plan.changed:
        return Outcome(plan.changed, plan.before, plan.after)

    if plan.action == 'delete':
        deleted = service.delete(plan.remote_id, desired['name'])
        return Outcome(deleted, plan.before, {})
    if plan.action == 'update':
        return Outcome(True, plan.before, from_api(service.update(plan.remote_id, plan.body)))
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
            return Outcome(True, {}, from_api(service.create(plan.body)))
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
    return Outcome(True, before, from_api(service.update(plan.remote_id, plan.body)))
