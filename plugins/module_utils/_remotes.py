# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Remote connections (/api/v2/remotes) on the resource engine (:mod:`._resource`): the field
table, the check of the options, and what is a remote's own: its write-only token, sent on create
and, by policy, on every run, and the message of a delete that a replication blocks."""

from __future__ import annotations

from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxDBError, MissingTokens, OptionError
from ansible_collections.influxops.influxdb2.plugins.module_utils._fields import Field
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import UPDATE_TOKEN_ALWAYS, UPDATE_TOKEN_ON_CREATE
from ansible_collections.influxops.influxdb2.plugins.module_utils._resource import (
    SECRET_AFTER as TOKEN_AFTER,
    SECRET_BEFORE as TOKEN_BEFORE,
    Resource,
)
from ansible_collections.influxops.influxdb2.plugins.module_utils._validators import (
    check_http_url,
    check_id,
    check_name,
    check_token,
)

__all__ = ['Remotes', 'TOKEN_AFTER', 'TOKEN_BEFORE', 'desired_remote']

TOKEN_OPTION = 'remote_api_token'
# The options that describe a remote, besides its name.
CREATE_OPTIONS = ('description', 'remote_url', TOKEN_OPTION, 'remote_org_id', 'allow_insecure_tls')


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


class Remotes(Resource):
    """Remote connections. ``update_token`` is the policy for the token of a remote that exists:
    sent on create only, or always (a plan's ``update_token`` option overrides it for one remote);
    ``users(remote_id)``, if given, names the replications that use a remote, for the message of a delete that they block."""

    PATH, LIST_KEY, KIND, NOUN = '/api/v2/remotes', 'remotes', 'remote', 'remote connection'
    # Every field of a remote as the API sends it; the token is written but never returned.
    FIELDS = (
        Field('id', 'id', create=False, update=False),
        Field('org_id', 'orgID', is_id=True, update=False),
        Field('name', 'name'),
        Field('description', 'description', nullable=True),
        Field('remote_url', 'remoteURL'),
        Field('remote_org_id', 'remoteOrgID', nullable=True, is_id=True),
        Field('allow_insecure_tls', 'allowInsecureTLS', kind=bool, nullable=True, default=False),
    )
    SECRET = (TOKEN_OPTION, 'remoteAPIToken')
    FILTERS = dict(name='name', remote_url='remoteURL')
    CREATE_REQUIRED = ('remote_url', TOKEN_OPTION)

    def __init__(self, client, org_id, org_confirmed=False, update_token=UPDATE_TOKEN_ON_CREATE, users=None):
        super().__init__(client, org_id, org_confirmed)
        self.update_token = update_token
        self.users = users

    def missing(self, want, run=None, where='', **options):
        """With ``run`` (a set), a remote that lacks only its token is :meth:`._resource.Run.not_found`: in check
        mode it is predicted without it (an earlier play may make the token), with a warning."""
        missing = super().missing(want)
        if missing != TOKEN_OPTION or run is None:
            return missing
        absent = '%s %r does not exist in organization %s' % (self.KIND, want['name'], self.org_id)
        run.not_found(self.client, MissingTokens('%s; to create it, set %s%s' % (absent, where, TOKEN_OPTION), [want['name']]),
                      '%s and %s is not set: in check mode, the remote is predicted without it; the real run fails before '
                      'any write unless %s%s is set (by the task, or by an earlier task or play that creates the token, as the '
                      'central role does), and names it in missing_remote_api_token (the remotes role then makes the token '
                      'at the central host)' % (absent, TOKEN_OPTION, where, TOKEN_OPTION))
        return None

    def create_body(self, after, want):
        body = super().create_body(after, want)
        if body[self.SECRET[1]] is None:
            del body[self.SECRET[1]]
        return body

    def plan_change(self, current, before, want, update_token=None, **options):
        plan = super().plan_change(current, before, want)
        if (update_token or self.update_token) == UPDATE_TOKEN_ALWAYS and want.get(TOKEN_OPTION) is not None:
            plan.body = dict(plan.body or {}, **{self.SECRET[1]: want[TOKEN_OPTION]})
            plan.action = 'update'
        return plan

    def again(self, found, want, update_token=None, **options):
        # the token that created it is the one it has, unless another run created it first: that one is kept
        # unless the policy is to send it always
        if (update_token or self.update_token) == UPDATE_TOKEN_ON_CREATE:
            want = dict(want, **{TOKEN_OPTION: None})
        return self.plan(found, want, update_token=update_token)

    def delete(self, object_id, name):
        try:
            return super().delete(object_id, name)
        except InfluxDBError as exc:
            if exc.status == 500 and 'replication' in (exc.api_message or '').lower():
                if self.users is None:
                    raise exc.reworded('remote %r (ID %s) cannot be deleted because a replication still uses it (500 %s: %s): '
                                       'delete or re-point that replication first' % (name, object_id, exc.code, exc.api_message))
                names = self.users(object_id)
                raise exc.reworded('remote %r (ID %s) cannot be deleted because a replication still uses it (500 %s: %s): '
                                   'replications using it: %s; delete or re-point them first, or set delete_replications=true '
                                   'to delete them with the remote (their queued data is lost)'
                                   % (name, object_id, exc.code, exc.api_message, ', '.join(repr(n) for n in names) or 'none found'))
            raise
