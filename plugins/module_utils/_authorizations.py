# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Authorizations (/api/v2/authorizations), the API tokens of an org, on the resource engine
(:mod:`._resource`): the field table, the check of the options, names resolved to IDs, and what is
an authorization's own:

- its identity is its description within the org, which InfluxDB does not keep unique: more than
  one authorization with a description is an error that names their IDs;
- its permissions are compared as a set (action, resource type, ID, org ID); a bucket may be given
  by name, resolved to its ID before any write. InfluxDB's PATCH changes only the description and
  the status, and ignores permissions (and the owner) silently, so another set is a replace: a new
  authorization (a new token) is created and the old one deleted, only with ``replace``;
  ``rotate`` does the same with the same permissions, and ``keep_previous`` keeps the old one,
  renamed ``<description> (rotated <UTC time>)``;
- its token is carried only by the answer to the POST that creates it (InfluxDB stores hashed
  tokens by default since 2.9): it joins the client's secrets at once and is kept in
  ``Authorizations.created``; a token in any other answer (a server that lists them) is dropped
  unread;
- a create is read back: a run that finds another authorization with the same description created
  at the same moment keeps the older one and deletes its own; one whose answer was lost deletes
  what it created (its token is lost with the answer) and creates it again.
"""

from __future__ import annotations

import datetime
import re
import typing as t

from ansible_collections.influxops.influxdb2.plugins.module_utils._buckets import Buckets, bucket_not_found
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxDBError, OptionError
from ansible_collections.influxops.influxdb2.plugins.module_utils._fields import Field, list_problem, predict, shape_problem, update_body
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import resolve_org
from ansible_collections.influxops.influxdb2.plugins.module_utils._resource import Plan, Resource, SetOutcome, Step, converge_set
from ansible_collections.influxops.influxdb2.plugins.module_utils._validators import check_id, check_name

ME_PATH = '/api/v2/me'
USERS_PATH = '/api/v2/users'

# What the code relies on in a user (/api/v2/me, /api/v2/users).
USER_FIELDS = (Field('id', 'id'), Field('name', 'name'))
# A resource of a permission as InfluxDB sends it: the type, and the rest where set.
RESOURCE_FIELDS = (Field('type', 'type'), Field('id', 'id', nullable=True), Field('org_id', 'orgID', nullable=True),
                   Field('name', 'name', nullable=True), Field('org', 'org', nullable=True))

# Every field of an authorization as the API sends it, but the token (see create_or_find).
AUTHORIZATION_FIELDS = (
    Field('id', 'id', create=False, update=False),
    Field('description', 'description'),
    Field('status', 'status'),
    Field('org_id', 'orgID', is_id=True, update=False),
    Field('user_id', 'userID', is_id=True, update=False),
    Field('user', 'user', nullable=True, create=False, update=False),
    Field('permissions', 'permissions', kind=list, update=False),
)

# The options that only a present authorization takes.
PRESENT_OPTIONS = ('permissions', 'user', 'status')
CHANGE_OPTIONS = ('replace', 'rotate', 'keep_previous')


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def rotated_description(description, when):
    """The description of an authorization kept by ``keep_previous`` when a new one replaces it at ``when``."""
    return '%s (rotated %s)' % (description, when.strftime('%Y-%m-%dT%H:%M:%SZ'))


def is_rotated_from(description, declared):
    """Whether ``description`` is that of an authorization that ``keep_previous`` kept for ``declared``."""
    return re.match(re.escape(declared) + r' \(rotated [^()]*\)$', description) is not None


def _lower(value):
    return value.lower() if value else None


def resource_problem(value):
    return shape_problem(RESOURCE_FIELDS, value, 'a resource object')


def permission_problem(value):
    if not isinstance(value, dict) or not isinstance(value.get('action'), str) or resource_problem(value.get('resource')):
        return 'a permission object with action as a string and resource as an object with type as a string'
    return None


def permission_from_api(value):
    """A permission in the module's form: ``{action, resource: {type, id, name, org_id, org}}``."""
    resource = value['resource']
    return dict(action=value['action'], resource=dict(type=resource['type'], id=_lower(resource.get('id')), name=resource.get('name'),
                                                      org_id=_lower(resource.get('orgID')), org=resource.get('org')))


def permission_key(permission):
    """What tells two permissions apart: the action, the resource type, its ID and its org ID (names are only shown)."""
    resource = permission['resource']
    return permission['action'], resource['type'], _lower(resource['id']), _lower(resource['org_id'])


def permission_text(permission):
    """A permission as InfluxDB writes it in its messages, such as ``write:orgs/<org ID>/buckets/<bucket ID>``."""
    action, kind, resource_id, org_id = permission_key(permission)
    name = permission['resource'].get('name')
    if resource_id is None and name is not None:
        resource_id = '<ID of %r>' % name
    path = 'orgs/%s/%s' % (org_id, kind) if org_id else kind
    text = '%s:%s%s' % (action, path, '/' + resource_id if resource_id else '')
    return text + (' (%s %r)' % (kind.rstrip('s'), name) if name is not None else '')


def permission_to_api(permission):
    """The permission as a request sends it, or None for a bucket name that is not resolved (check mode only)."""
    resource = permission['resource']
    if resource['id'] is None and resource['name'] is not None:
        return None
    api = dict(type=resource['type'])
    if resource['id']:
        api['id'] = resource['id']
    if resource['org_id']:
        api['orgID'] = resource['org_id']
    return dict(action=permission['action'], resource=api)


def desired_permission(item, where):
    """Check one item of ``permissions`` before any request; return it in the module's form (names not resolved)."""
    resource = item['resource']
    if resource.get('name') is not None:
        if resource['type'] != 'buckets':
            raise OptionError('%sresource.name: only a bucket (type buckets) can be given by name; give the id of the %s resource'
                              % (where, resource['type']))
        check_name(resource['name'], where + 'resource.name')
    if resource.get('org') is not None:
        check_name(resource['org'], where + 'resource.org')
    resource_id, org_id = (check_id(resource[key], where + 'resource.' + key) if resource.get(key) is not None else None
                           for key in ('id', 'org_id'))
    return dict(action=item['action'], resource=dict(type=resource['type'], id=resource_id, name=resource.get('name'), org_id=org_id,
                                                     org=resource.get('org')))


def desired_authorization(options, where=''):
    """Check the options of one authorization before any request; return them as :func:`resolve_names` wants them.

    ``where`` prefixes option names in messages, such as ``authorizations[2].``.
    """
    state = options.get('state') or 'present'
    description = options.get('description')
    if description is not None:
        check_name(description, where + 'description')
    if state == 'absent':
        extra = [option for option in PRESENT_OPTIONS if options.get(option) is not None]
        extra += [option for option in CHANGE_OPTIONS if options.get(option)]
        if extra:
            raise OptionError('%sstate=absent deletes the authorization and takes no other option than description or id; remove %s'
                              % (where, ', '.join(where + option for option in extra)))
    if options.get('keep_previous') and not (options.get('rotate') or options.get('replace')):
        raise OptionError('%skeep_previous keeps the authorization that rotate or replace supersedes; set %srotate=true or '
                          '%sreplace=true with it, or remove it' % (where, where, where))
    permissions = options.get('permissions')
    if permissions is not None:
        if not permissions:
            raise OptionError('%spermissions must not be empty: InfluxDB refuses an authorization without permissions' % where)
        permissions = [desired_permission(item, '%spermissions[%d].' % (where, index)) for index, item in enumerate(permissions)]
    if options.get('user') is not None:
        check_name(options['user'], where + 'user')
    return dict(description=description, id=check_id(options['id'], where + 'id') if options.get('id') is not None else None,
                permissions=permissions, user=options.get('user'), status=options.get('status'), state=state,
                replace=bool(options.get('replace')), rotate=bool(options.get('rotate')),
                keep_previous=bool(options.get('keep_previous')), where=where)


def find_bucket(client, org_id, name):
    """The bucket ``name`` of the org as the API sends it, or None (one request)."""
    return Buckets(client, org_id).find(name)


def bucket_ids(client, org_id):
    """``{name: ID}`` of every bucket of the org (one request per 100 buckets)."""
    return Buckets(client, org_id).ids_by_name()


def resolve_names(authorizations, run, desired, me=None, bucket_id=None):
    """What the plan wants (:meth:`Authorizations.plan`): ``desired`` with its names resolved, before any write.

    ``me`` is the user of the connecting token (``{id, name}``), the owner where ``user`` is not
    set; ``bucket_id(name)`` the ID of a bucket of the org, or None (by default, one request per
    name: :func:`find_bucket`). A bucket that does not exist
    fails in a real run and is predicted with no ID in check mode (``run.not_found``). An org given
    by name or ID in a permission must be the authorization's own: InfluxDB refuses any other.
    """
    want = dict((key, desired[key]) for key in ('description', 'status', 'user'))
    want['user_id'] = None
    if desired['state'] == 'absent':
        return want
    if want['user'] is None and me is not None:
        want.update(user=me['name'], user_id=me['id'])
    if bucket_id is None:
        found = {}

        def bucket_id(name):
            if name not in found:
                found[name] = _lower((find_bucket(authorizations.client, authorizations.org_id, name) or {}).get('id'))
            return found[name]
    want['permissions'] = None
    if desired['permissions'] is not None:
        want['permissions'] = [authorizations.resolve_permission(run, permission, '%spermissions[%d].resource.' % (desired['where'], index),
                                                                 bucket_id)
                               for index, permission in enumerate(desired['permissions'])]
    return want


class Replace(Plan):
    """The plan of a replace: ``keep_as`` is the description under which the old authorization is kept
    (``None``: it is deleted)."""

    keep_as: str | None = None


class Authorizations(Resource):
    """The authorizations of an org. ``org_name`` is the org's name where the task gave it (it names
    the org in permissions without a request); ``now`` gives the UTC time of a rotation (default: :func:`utc_now`)."""

    PATH, LIST_KEY, KIND = '/api/v2/authorizations', 'authorizations', 'authorization'
    FIELDS = AUTHORIZATION_FIELDS
    IDENTITY = 'description'
    # InfluxDB has no description filter, and its user filter fails on an unknown name: both are applied here
    FILTERS = dict(description=None, user=None)
    CREATE_REQUIRED = ('permissions',)

    def __init__(self, client, org_id, org_confirmed=False, org_name=None, now=None):
        super().__init__(client, org_id, org_confirmed)
        self.org_name = org_name
        self.now = now
        # the IDs that this run has listed or created (another one with the same description appeared since), and
        # whether it listed them
        self.seen = set()
        self.listed = False
        # ID -> (description, token) of what this run created and kept
        self.created = {}
        self.bucket_names = {}
        self._user_ids = {}

    # Answers

    def canonical(self, value):
        """An authorization without its token: a token is read only from the answer to the create (see create_or_find)."""
        if isinstance(value, dict) and 'token' in value:
            value = dict((key, item) for key, item in value.items() if key != 'token')
        return value

    def problem(self, value):
        found = shape_problem(self.FIELDS, self.canonical(value), 'an authorization object')
        if found is None and any(permission_problem(item) for item in value['permissions']):
            return 'an authorization object with permissions as a list of which each item is %s' % next(
                permission_problem(item) for item in value['permissions'] if permission_problem(item))
        return found

    def from_api(self, value):
        found = super().from_api(value)
        if found:
            found['permissions'] = [permission_from_api(item) for item in found['permissions']]
        return found

    # Reads

    def list(self, **filters):
        """The authorizations of the org that pass ``filters``. InfluxDB has none of these filters: one request lists
        them all, and what it tells is kept: their IDs (:attr:`seen`), and the ID of each owner by name."""
        everything = super().list()
        self.listed = True
        for value in everything:
            self.seen.add(value['id'].lower())
            if value.get('user'):
                self._user_ids.setdefault(value['user'], value['userID'].lower())
        return [value for value in everything if self.matches(value, **filters)]

    def get(self, object_id):
        found = super().get(object_id)
        if found is not None:
            self.seen.add(found['id'].lower())
        return found

    def find(self, name):
        """The authorization with the description ``name``, or None; more than one is an error."""
        found = self.list(description=name)
        if len(found) > 1:
            raise OptionError('organization %s has %d authorizations with description %r (IDs %s); InfluxDB does not keep '
                              'descriptions unique, so the task cannot tell which one it manages: delete the others, or '
                              'address one with id' % (self.org_id, len(found), name, ', '.join(sorted(a['id'] for a in found))))
        return found[0] if found else None

    def locate(self, desired):
        """The authorization that ``desired`` addresses: by ``id`` (it must be of the org, and exist to be present), else by
        description (see :meth:`find`)."""
        if desired['id'] is None:
            return self.find(desired['description'])
        found = self.get(desired['id'])
        if found is not None and found['orgID'].lower() != self.org_id.lower():
            raise OptionError('%sid: authorization %s belongs to organization %s, not %s'
                              % (desired['where'], desired['id'], found['orgID'], self.org_id))
        if found is None and desired['state'] == 'present':
            raise OptionError('%sid: organization %s has no authorization with ID %s' % (desired['where'], self.org_id, desired['id']))
        return found

    def token(self, object_id):
        """The token of the authorization ``object_id`` if this run created it, else None."""
        return self.created.get((object_id or '').lower(), (None, None))[1]

    def tokens(self):
        """``{description: token}`` of the authorizations that this run created and kept."""
        return dict(self.created.values())

    def me(self):
        """The user of the connecting token, ``{id, name}`` (one request)."""
        try:
            answer = self.client.get(ME_PATH, expect=lambda value: shape_problem(USER_FIELDS, value, 'a user object'))
        except InfluxDBError as exc:
            if exc.status == 401:
                raise exc.reworded('%s; the owner of an authorization defaults to the user of the connecting token, which this '
                                   'token may not read: set user' % exc)
            raise
        return dict(id=answer['id'].lower(), name=answer['name'])

    def user_id(self, name):
        """The ID of the user ``name``, to create an authorization that it owns: from the list of authorizations where
        it owns one, else one request."""
        if name not in self._user_ids:
            users_problem = list_problem('users', lambda value: shape_problem(USER_FIELDS, value, 'a user object'))
            try:
                answer = self.client.get(USERS_PATH, dict(name=name), expect=users_problem)
            except InfluxDBError as exc:
                if exc.status == 404 and exc.api_message == 'user not found':
                    raise exc.reworded('user %r not found (404 %s: %s): check user (nothing was written)' % (name, exc.code, exc.api_message))
                raise
            found = [user['id'].lower() for user in answer['users'] or [] if user['name'] == name]
            if not found:
                raise InfluxDBError('user %r not found: check user (nothing was written)' % name, method='GET',
                                    url=self.client.url(USERS_PATH, dict(name=name)))
            self._user_ids[name] = found[0]
        return self._user_ids[name]

    def org_id_of(self, name, option):
        """The ID of the org ``name`` (the task's own without a request); it must be the authorization's org."""
        org_id = self.org_id if name == self.org_name else resolve_org(self.client, name, None)[0]
        if org_id.lower() != self.org_id.lower():
            raise OptionError('%s: organization %r is not the organization of the authorization (%s); InfluxDB accepts only '
                              "permissions for the authorization's own organization, or for every organization (without "
                              'org and org_id)' % (option, name, self.org_id))
        return org_id.lower()

    def resolve_permission(self, run, permission, where, bucket_id):
        """A permission of the options with its org and bucket names resolved (see :func:`resolve_names`)."""
        resource = dict(permission['resource'])
        if resource['org'] is not None:
            resource['org_id'] = self.org_id_of(resource['org'], where + 'org')
        elif resource['org_id'] is not None:
            if resource['org_id'] != self.org_id.lower():
                raise OptionError("%sorg_id: %s is not the organization of the authorization (%s); InfluxDB accepts only "
                                  "permissions for the authorization's own organization, or for every organization (without "
                                  'org and org_id)' % (where, resource['org_id'], self.org_id))
            resource['org'] = self.org_name
        if resource['name'] is not None:
            name = resource['name']
            resource['id'] = bucket_id(name)
            if resource['id'] is None:
                run.not_found(self.client, bucket_not_found(self.client, self.org_id, name, where + 'name (nothing was written)'),
                              'bucket %r not found in organization %s: in check mode, %sname is predicted with no ID (id null); '
                              'the real run fails unless an earlier task creates the bucket' % (name, self.org_id, where))
            else:
                resource['id'] = resource['id'].lower()
                self.bucket_names[resource['id']] = name
        return dict(action=permission['action'], resource=resource)

    # Planning

    def missing(self, want, where='', **options):
        return where + 'permissions' if want.get('permissions') is None else None

    def predict(self, want, **options):
        full: dict[str, t.Any] = dict(status='active')
        full.update((key, value) for key, value in want.items() if value is not None)
        if full.get('user_id') is None and full.get('user') is not None:
            full['user_id'] = self.user_id(full['user'])
        full['permissions'] = list(dict((permission_key(p), p) for p in full['permissions']).values())
        return predict(self.FIELDS, full, id=None, org_id=self.org_id)

    def create_body(self, after, want=None):
        """The POST body; None while a bucket name is not resolved (in check mode, which sends nothing)."""
        permissions = [permission_to_api(permission) for permission in after['permissions']]
        if None in permissions:
            return None
        body = dict(orgID=self.org_id, description=after['description'], status=after['status'], permissions=permissions)
        if after['user_id']:
            body['userID'] = after['user_id']
        return body

    def differences(self, before, want):
        """What differs between an authorization and what is wanted, in what InfluxDB cannot change (permissions, owner)."""
        found = []
        if want.get('permissions') is not None:
            have = dict((permission_key(p), p) for p in before['permissions'])
            wanted = dict((permission_key(p), p) for p in want['permissions'])
            for label, keys, permissions in (('to add', [k for k in wanted if k not in have], wanted),
                                             ('to remove', [k for k in have if k not in wanted], have)):
                if keys:
                    found.append('permissions %s: %s' % (label, ', '.join(permission_text(permissions[k]) for k in keys)))
        if want.get('user_id') is not None:
            other = (before['user_id'] or '').lower() != want['user_id']
        else:
            other = want.get('user') is not None and before.get('user') != want['user']
        if other:
            found.append('owner: %r, not %r' % (before.get('user') or before['user_id'], want['user']))
        return found

    def plan_change(self, current, before, want, replace=False, rotate=False, keep_previous=False, where='', **options):
        """An update of the description or status; a replace (a new authorization, then the old one deleted or kept) for
        other permissions or another owner only with ``replace``, and always with ``rotate``."""
        body, after = update_body(self.FIELDS, before, want)
        differences = self.differences(before, want)
        if differences and not (replace or rotate):
            raise OptionError('authorization %r (ID %s) differs in what InfluxDB cannot change on an existing authorization (its '
                              'PATCH changes only description and status): %s; set %sreplace=true to create a new authorization, '
                              'with a new token, and delete this one (whoever uses its token must then get the new one)'
                              % (before['description'], before['id'], '; '.join(differences), where))
        if not (differences or rotate):
            return Plan('update' if body else 'none', current, before, after, body or None)
        kept = dict((key, after[key]) for key in ('description', 'status', 'user', 'user_id', 'permissions'))
        if want.get('permissions') is not None:
            kept['permissions'] = want['permissions']
        if want.get('user') is not None and (want.get('user_id') is not None or want['user'] != before.get('user')):
            # another owner: its ID is read (predict) unless the connecting token's user gave it
            kept.update(user=want['user'], user_id=want.get('user_id'))
        new = self.predict(kept)
        keep_as = rotated_description(before['description'], (self.now or utc_now)()) if keep_previous else None
        fate = 'kept as %r, its token valid until it is deleted (its ID is in previous_ids)' % keep_as if keep_as else 'deleted'
        warning = ('authorization %r (ID %s) is %s: a new authorization with a new token is created%s, and the old one is %s; '
                   'whoever uses the old token must get the new one'
                   % (before['description'], before['id'], 'replaced' if differences else 'rotated',
                      ' (%s)' % '; '.join(differences) if differences else '', fate))
        plan = Replace('replace', current, before, new, self.create_body(new, want), warnings=[warning])
        plan.keep_as = keep_as
        return plan

    def again(self, found, want, where='', **options):
        return self.plan(found, want, replace=True, where=where)

    def conflict(self, again):
        return OptionError('authorization %r was created by another run at the same moment (ID %s) with other permissions or '
                           'another owner, and this run deleted the one it created; run the task again (with replace=true to '
                           'replace that one)' % (again.before['description'], again.id))

    # Writes

    def write(self, plan, want, **options):
        """A replace creates the new authorization first, then deletes the old one or renames it (``keep_as``): a
        create that fails (such as a permission the connecting token may not grant) leaves the old one working."""
        if plan.action != 'replace':
            return super().write(plan, want, **options)
        outcome = self._create(plan, want, **options)
        if plan.keep_as is not None:
            self.update(plan.keep_as, plan.id, dict(description=plan.keep_as))
        else:
            self.delete(plan.id, plan.before['description'])
        outcome.changed, outcome.before = True, plan.before
        return outcome

    def create_or_find(self, body):
        """POST ``body``; keep the token of the answer; read back the description (see the module docstring)."""
        if body is None:
            raise OptionError('a bucket name of permissions is not resolved: nothing was written')
        description = body['description']
        if not self.listed:
            # addressed by ID: which authorizations have the description already is read first, so that none is taken for
            # another run's
            self.list(description=description)
        try:
            answer, _found = self.client.create(self.PATH, body, lambda: self._discard_new(
                description, 'the answer to the POST that creates authorization %r was lost' % description),
                'authorization %r' % description)
        except InfluxDBError as exc:
            raise self._refused(exc, body)
        token = answer.get('token') if isinstance(answer, dict) else None
        token = token if isinstance(token, str) and token else None
        if token:
            self.client.add_secret(token)
        created = self.canonical(answer)
        problem = self.problem(created) or (None if token else 'an authorization object with its token')
        if problem:
            error = self.client.unexpected_answer(problem)
            self._discard_new(description, str(error))
            raise error.reworded('%s; the authorization it created, if any, was deleted, since its token can be read only from '
                                 'that answer (nothing was created)' % error)
        mine = created['id'].lower()
        self.created[mine] = (description, token)
        return self._unique(created, description)

    def _unique(self, created, description):
        """``(created, 'created')``, or ``(theirs, 'raced')`` where another run created the description first (a lower ID):
        then this run's own is deleted, so that one authorization is left."""
        mine = created['id'].lower()
        seen = set(self.seen)
        others = [value for value in self.list(description=description) if value['id'].lower() not in seen | {mine}]
        first = min([mine] + [value['id'].lower() for value in others])
        if first == mine:
            return created, 'created'
        theirs = next(value for value in others if value['id'].lower() == first)
        self.client.warn('authorization %r was created by another run at the same moment (ID %s); this run deletes the one it '
                         'created (ID %s), so that the description stays unique: token is null, only the other run has its '
                         'token' % (description, theirs['id'], created['id']))
        self.delete(mine, description)
        del self.created[mine]
        return theirs, 'raced'

    def _discard_new(self, description, why):
        """Delete the authorizations with ``description`` that appeared since this run listed them: this run's create made
        them, but its answer, the only one that carries their token, did not come. Return None (to create again)."""
        seen = set(self.seen)
        for value in self.list(description=description):
            if value['id'].lower() not in seen:
                self.client.warn('%s; authorization %r (ID %s), which it created, is deleted, since its token can be read only '
                                 'from that answer' % (why, description, value['id']))
                self.delete(value['id'], description)
        return None

    def _refused(self, exc, body):
        """The error of a refused create, told in words where InfluxDB's are obscure."""
        message = exc.api_message or ''
        granted = re.match(r'permission (\S+) is not allowed', message)
        if exc.status == 403 and granted:
            name = next((self.bucket_names.get(p['resource'].get('id')) for p in body['permissions']
                         if permission_text(permission_from_api(p)) == granted.group(1)), None)
            return exc.reworded('the connecting token may not grant %s%s: InfluxDB lets a token grant only permissions that it '
                                'holds itself (403 %s: %s); connect with a token that holds it, such as the operator token, or '
                                'remove it from permissions (nothing was created)'
                                % (granted.group(1), ' (bucket %r)' % name if name else '', exc.code, message))
        if exc.status == 400 and message == 'unable to create token':
            return exc.reworded('InfluxDB could not create authorization %r (400 %s: %s): the owner (user ID %s) or the '
                                'organization (%s) does not exist; check user and org/org_id (nothing was created)'
                                % (body['description'], exc.code, message, body.get('userID', 'of the connecting token'),
                                   body['orgID']))
        return exc


def kept_previous(plan):
    """The description under which ``plan`` keeps the authorization that it replaces (``keep_previous``), or None."""
    return getattr(plan, 'keep_as', None)


class AuthorizationsOutcome(SetOutcome):
    """What converging the set did: the authorizations of the org ``before`` and ``after`` (lists in the module's
    form, by description), ``tokens`` (description -> token of each created), ``previous_ids`` (the IDs of the
    authorizations that ``keep_previous`` kept) and ``notes`` (for the diff)."""

    def __init__(self, done, before, after, tokens, previous_ids, notes):
        super().__init__(done, before, after)
        self.tokens = tokens
        self.previous_ids = previous_ids
        self.notes = notes


def by_description(values):
    return sorted(values, key=lambda value: (value['description'], value['id'] or ''))


def declared_step(authorizations, current, by_id, desired, want):
    """The step of one declared authorization, found by ``id`` or by description among ``current``."""
    where = desired['where']
    if desired['id'] is not None:
        found = by_id.get(desired['id'])
        if found is None and desired['state'] == 'present':
            raise OptionError('%sid: organization %s has no authorization with ID %s' % (where, authorizations.org_id, desired['id']))
        want['description'] = want['description'] or (found['description'] if found else None)
    else:
        same = [value for value in current if value['description'] == desired['description']]
        if len(same) > 1:
            raise OptionError('%sdescription: organization %s has %d authorizations with description %r (IDs %s); InfluxDB does '
                              'not keep descriptions unique, so the task cannot tell which one it manages: delete the others, or '
                              'address one with %sid' % (where, authorizations.org_id, len(same), desired['description'],
                                                         ', '.join(sorted(value['id'] for value in same)), where))
        found = same[0] if same else None
    return Step(authorizations, found, want, desired['state'], replace=desired['replace'], rotate=desired['rotate'],
                keep_previous=desired['keep_previous'], where=where)


def converge_authorizations(run, authorizations, desired_list, purge=False, purge_prefix=None, bucket_id=None):
    """Converge the authorizations of the org on ``desired_list`` (from :func:`desired_authorization`); with ``purge``,
    delete the others whose description starts with ``purge_prefix``, but for those that ``keep_previous`` kept for a
    declared description. One request lists them; every plan is made before the first write.

    An authorization that exists and whose ``user`` is not set keeps its owner; one to create without ``user`` is owned
    by the user of the connecting token, read once (:meth:`Authorizations.me`) only when there is such a create."""
    current = authorizations.list()
    by_id = dict((value['id'].lower(), value) for value in current)
    descriptions = set(value['description'] for value in current)
    creates = [desired for desired in desired_list if desired['state'] == 'present' and desired['user'] is None
               and desired['id'] is None and desired['description'] not in descriptions]
    me = authorizations.me() if creates else None
    wants = [resolve_names(authorizations, run, desired, me if desired in creates else None, bucket_id) for desired in desired_list]
    steps = [declared_step(authorizations, current, by_id, desired, want) for desired, want in zip(desired_list, wants)]
    addressed = set(step.plan.id.lower() for step in steps if step.plan.id)
    declared = set(step.name for step in steps)
    if purge:
        steps += [Step(authorizations, value, dict(description=value['description']), 'absent') for value in by_description(current)
                  if value['description'].startswith(purge_prefix) and value['description'] not in declared
                  and value['id'].lower() not in addressed and not any(is_rotated_from(value['description'], d) for d in declared)]
    done = converge_set(run, steps, [authorizations])

    after = dict((value['id'].lower(), authorizations.from_api(value)) for value in current)
    previous_ids = []
    for step in steps:
        plan = step.plan
        if plan.id:
            old = after.pop(plan.id.lower())
            if kept_previous(plan):
                after[plan.id.lower()] = dict(old, description=plan.keep_as)
                previous_ids.append(plan.id)
        if step.outcome.after:
            after[step.outcome.after['id'] or 'new %d' % len(after)] = step.outcome.after
    tokens = authorizations.tokens()
    notes = [warning for step in steps for warning in step.plan.warnings]
    return AuthorizationsOutcome(done, by_description(authorizations.from_api(value) for value in current),
                                 by_description(after.values()), tokens, previous_ids, notes)
