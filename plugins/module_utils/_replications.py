# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Replications (/api/v2/replications): the options, names resolved to IDs, lookups, the plan,
carrying the plan out, validation, and the health of a replication.

As for remotes, one plan drives the write, ``changed``, check mode and the diff. The live status
of a replication (its queue, the last answer of the remote) is reported beside it, never as part
of it: it is not in the diff and never makes a task changed.
"""

from __future__ import annotations

import re

from ansible_collections.influxops.influxdb2.plugins.module_utils._buckets import BucketsService, bucket_not_found
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxDBError, OptionError, ValidationError
from ansible_collections.influxops.influxdb2.plugins.module_utils._fields import (
    Field,
    create_body,
    from_api as fields_from_api,
    list_problem,
    predict,
    shape_problem,
    update_body,
)
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import DEFAULT_BACKLOG_THRESHOLD
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import check_org_id
from ansible_collections.influxops.influxdb2.plugins.module_utils._remotes import REMOTES_PATH, RemotesService
from ansible_collections.influxops.influxdb2.plugins.module_utils._resource import ResourceService
from ansible_collections.influxops.influxdb2.plugins.module_utils._validators import check_id, check_name
from ansible_collections.influxops.influxdb2.plugins.module_utils._version import (
    MAX_AGE_DEFAULT,
    MAX_AGE_IN_SECONDS,
    REMAINING_BYTES,
    REMOTE_BUCKET_BY_NAME,
    is_before,
    parse_version,
)

REPLICATIONS_PATH = '/api/v2/replications'

# The server answers with a capital R; requests (and some servers' answers) spell it remoteBucketName.
NAME_KEY, NAME_KEY_IN_REQUESTS = 'RemoteBucketName', 'remoteBucketName'

# Every field of a replication as the API sends it. The remote bucket's name is written by hand
# (see _create_body and plan_replication), since an ID and a name interact.
REPLICATION_FIELDS = (
    Field('id', 'id', create=False, update=False),
    Field('org_id', 'orgID', update=False),
    Field('name', 'name'),
    Field('description', 'description', nullable=True),
    Field('remote_id', 'remoteID', is_id=True),
    Field('local_bucket_id', 'localBucketID', is_id=True, update=False),
    Field('remote_bucket_id', 'remoteBucketID', nullable=True, is_id=True, create=False, update=False),
    Field('remote_bucket_name', NAME_KEY, nullable=True, default='', create=False, update=False),
    Field('max_queue_size_bytes', 'maxQueueSizeBytes', kind=int),
    Field('max_age_seconds', 'maxAgeSeconds', kind=int),
    Field('drop_non_retryable_data', 'dropNonRetryableData', kind=bool, nullable=True, default=False),
)
# The live status, beside the replication.
STATUS_FIELDS = (
    Field('current_queue_size_bytes', 'currentQueueSizeBytes', kind=int, nullable=True),
    Field('remaining_bytes_to_be_synced', 'remainingBytesToBeSynced', kind=int, nullable=True),
    Field('latest_response_code', 'latestResponseCode', kind=int, nullable=True),
    Field('latest_error_message', 'latestErrorMessage', nullable=True),
)

DEFAULT_QUEUE_SIZE = 67108860
DEFAULT_AGE = 604800

# Options given either by name or by ID, in the module's words.
PAIRS = (('remote', 'remote_id'), ('local_bucket', 'local_bucket_id'), ('remote_bucket', 'remote_bucket_id'))
NAMED_OPTIONS = ('description', 'remote', 'remote_id', 'local_bucket', 'local_bucket_id', 'remote_bucket', 'remote_bucket_id',
                 'max_queue_size_bytes', 'max_age_seconds', 'drop_non_retryable_data')
# The fields of the resolved form of the options (names replaced by IDs) that a user can set.
SETTABLE = ('name', 'description', 'remote_id', 'local_bucket_id', 'remote_bucket_id', 'remote_bucket_name',
            'max_queue_size_bytes', 'max_age_seconds', 'drop_non_retryable_data')
CREATE_DEFAULTS = dict(max_queue_size_bytes=DEFAULT_QUEUE_SIZE, max_age_seconds=DEFAULT_AGE, drop_non_retryable_data=False)
TARGET_KEYS = ('remoteID', 'remoteBucketID', NAME_KEY_IN_REQUESTS)


def desired_replication(options, where=''):
    """Check the options of one replication before any request; return them as the plan wants them.

    ``where`` prefixes option names in messages, such as ``remotes[0].replications[1].``. Where the
    context gives the remote, ``options`` has no remote/remote_id (see :func:`resolve_names`). The
    numbers (``max_queue_size_bytes``, ``max_age_seconds``) were checked against their ranges when
    the module was created (``_options.OPTION_RANGES``).
    """
    check_name(options['name'], where + 'name')
    state = options.get('state') or 'present'
    if state == 'absent':
        extra = [option for option in NAMED_OPTIONS if options.get(option) is not None]
        extra += [option for option in ('replace', 'validate') if options.get(option)]
        if extra:
            raise OptionError('%sstate=absent deletes the replication and takes no other option than name; remove %s'
                              % (where, ', '.join(where + option for option in extra)))
    desired = dict((option, options.get(option)) for option in ('name',) + NAMED_OPTIONS)
    for by_name, by_id in PAIRS:
        if desired[by_id] is not None:
            desired[by_id] = check_id(desired[by_id], where + by_id)
        if desired[by_name] is not None:
            check_name(desired[by_name], where + by_name)
    return desired


def _canonical(replication):
    """A replication as the API sends it, with the remote bucket's name under ``RemoteBucketName`` however it was spelled."""
    if isinstance(replication, dict) and NAME_KEY not in replication and NAME_KEY_IN_REQUESTS in replication:
        replication = dict(replication)
        replication[NAME_KEY] = replication.pop(NAME_KEY_IN_REQUESTS)
    return replication


def replication_problem(replication):
    """``None`` when ``replication`` has the shape of a replication as InfluxDB sends it, else what was expected."""
    replication = _canonical(replication)
    return (shape_problem(REPLICATION_FIELDS, replication, 'a replication object')
            or shape_problem(STATUS_FIELDS, replication, 'a replication object'))


replications_list_problem = list_problem('replications', replication_problem)


def from_api(replication):
    """Convert a replication as the API returns it into the module's snake_case form, without its status."""
    return fields_from_api(REPLICATION_FIELDS, _canonical(replication))


def status_from_api(replication):
    """The live status of a replication as the API returns it (each value ``None`` until the server has one)."""
    if not replication:
        return dict((field.option, None) for field in STATUS_FIELDS)
    return fields_from_api(STATUS_FIELDS, replication)


def matches(replication, org_id=None, name=None, remote_id=None, local_bucket_id=None):
    """Whether an API replication passes the exact filters that are set (IDs compared lower-cased)."""
    def same_id(key, value):
        return value is None or (replication.get(key) or '').lower() == value.lower()
    return (same_id('orgID', org_id) and same_id('remoteID', remote_id) and same_id('localBucketID', local_bucket_id)
            and (name is None or replication['name'] == name))


def check_remote_bucket_by_name(server_version, where=''):
    """Fail before any write when the server (as far as its answers told its version) cannot replicate to a
    remote bucket given by name: before 2.4 it does not know the field, and 2.4.x stores the name but
    its replication fails to read it back and never writes."""
    version = parse_version(server_version)
    if is_before(version, REMOTE_BUCKET_BY_NAME):
        why = 'stores the name, but its replication never writes' if version >= (2, 4) else 'does not know remote bucket names'
        raise OptionError('%sremote_bucket: a remote bucket given by name needs InfluxDB %s or later, and this server is InfluxDB '
                          '%s, which %s; set %sremote_bucket_id instead (nothing was written)'
                          % (where, '.'.join(map(str, REMOTE_BUCKET_BY_NAME)), server_version, why, where))


def resolve_names(client, org_id, desired, remote_id=None, bucket_ids=None, where=''):
    """The desired replication with names replaced by IDs (:data:`SETTABLE` keys), one GET per name.

    ``remote_id`` is the remote given by the context, if any; ``bucket_ids`` maps the org's bucket
    names to IDs where they were all listed already (see :meth:`BucketsService.ids_by_name`), so that
    no request is made for a bucket name. A remote or local bucket name that the org does not have
    fails here, before any write. The remote bucket lives on the remote instance: its name is kept
    as a name; on a server too old for that, it fails here, before any lookup (see
    :func:`check_remote_bucket_by_name`). ``where`` prefixes option names in messages.
    """
    if desired.get('remote_bucket') is not None:
        check_remote_bucket_by_name(client.server_version, where)
    want = dict((key, desired.get(key)) for key in ('name', 'description', 'max_queue_size_bytes', 'max_age_seconds',
                                                    'drop_non_retryable_data'))
    want['remote_id'] = remote_id or desired.get('remote_id')
    if desired.get('remote') is not None:
        remote = RemotesService(client).find(org_id, desired['remote'])
        if remote is None:
            raise InfluxDBError('remote %r not found in organization %s: check %sremote (nothing was written)'
                                % (desired['remote'], org_id, where), method='GET',
                                url=client.url(REMOTES_PATH, dict(orgID=org_id, name=desired['remote'])))
        want['remote_id'] = remote['id'].lower()
    want['local_bucket_id'] = desired.get('local_bucket_id')
    if desired.get('local_bucket') is not None:
        if bucket_ids is not None:
            bucket_id = bucket_ids.get(desired['local_bucket'])
        else:
            bucket = BucketsService(client).find(org_id, desired['local_bucket'])
            bucket_id = bucket['id'].lower() if bucket else None
        if bucket_id is None:
            raise bucket_not_found(client, org_id, desired['local_bucket'], where + 'local_bucket (nothing was written)')
        want['local_bucket_id'] = bucket_id
    want['remote_bucket_id'] = desired.get('remote_bucket_id')
    want['remote_bucket_name'] = desired.get('remote_bucket')
    return want


class Plan:
    """What one replication needs: ``action`` is one of create, update, replace (delete then create), delete or none.

    ``before`` and ``after`` are snake_case replications without status (``{}`` for none); ``body``
    is the create body (create, replace) or the PATCH body (update). ``retarget`` tells whether
    the remote or the remote bucket changes. ``warnings`` are for the user, whatever the mode.
    ``status`` is the live status of the replication found (each value ``None`` for none).
    """

    def __init__(self, action, before, after, body=None, retarget=False, warnings=(), status=None):
        self.action = action
        self.status = status or status_from_api(None)
        self.before = before
        self.after = after
        self.body = body
        self.retarget = retarget
        self.warnings = list(warnings)

    @property
    def changed(self):
        return self.action != 'none'

    @property
    def replication_id(self):
        return self.before.get('id')


def _create_body(after):
    body = create_body(REPLICATION_FIELDS, after)
    if after['remote_bucket_id'] is not None:
        body['remoteBucketID'] = after['remote_bucket_id']
    if after['remote_bucket_name']:
        body[NAME_KEY_IN_REQUESTS] = after['remote_bucket_name']
    return body


def _queued(status):
    remaining = (status or {}).get('remaining_bytes_to_be_synced')
    return ' (%d bytes not yet sent)' % remaining if remaining is not None else ''


def _missing_to_create(want, where):
    missing = []
    if want.get('remote_id') is None:
        missing.append(('remote', 'remote_id'))
    if want.get('local_bucket_id') is None:
        missing.append(('local_bucket', 'local_bucket_id'))
    if want.get('remote_bucket_id') is None and want.get('remote_bucket_name') is None:
        missing.append(('remote_bucket', 'remote_bucket_id'))
    return ['%s%s or %s%s' % (where, by_name, where, by_id) for by_name, by_id in missing]


def max_age_meaning(value, version):
    """What a server of ``version`` (see :func:`parse_version`) does with ``max_age_seconds`` ``value``, where that
    is not keeping queued data for ``value`` seconds; ``None`` where it is, or where the version is unknown."""
    if version is None:
        return None
    if value == 0 and is_before(version, MAX_AGE_DEFAULT):
        return 'no age limit: the server never drops queued data for its age (from InfluxDB 2.9, 0 means one week)'
    if value == 0:
        return "the server's default, one week (%d seconds)" % DEFAULT_AGE
    if is_before(version, MAX_AGE_IN_SECONDS):
        return ('read as %d nanoseconds (InfluxDB before 2.6 reads max_age_seconds as nanoseconds), so the server drops, within '
                'a minute, whatever waits to be sent; set 0 (no age limit) on this server' % value)
    return None


def _max_age_warnings(name, value, server_version):
    """The warning for a replication created with ``max_age_seconds`` ``value``, when the server does not read it as seconds."""
    meaning = max_age_meaning(value, parse_version(server_version))
    return ['replication %r: max_age_seconds %d on InfluxDB %s means %s' % (name, value, server_version, meaning)] if meaning else []


def _predict(want, org_id, server_version=None):
    full = dict(CREATE_DEFAULTS)
    if is_before(parse_version(server_version), MAX_AGE_IN_SECONDS):
        # one week, read as nanoseconds, would drop whatever waits to be sent: no age limit instead
        full['max_age_seconds'] = 0
    full.update((key, value) for key, value in want.items() if value is not None)
    return predict(REPLICATION_FIELDS, full, id=None, org_id=org_id)


def plan_replication(current, want, org_id, state='present', replace=False, where='', server_version=None):
    """Plan one replication.

    ``current`` is the replication as the API returned it (or ``None``); ``want`` maps the
    :data:`SETTABLE` keys to values, ``None`` meaning "leave as it is" (names resolved to IDs).
    ``server_version`` is the server's version as its answers reported it (``None`` when unknown):
    a replication created on a server before 2.6 gets ``max_age_seconds`` 0 by default, and a
    ``max_age_seconds`` that is written and that the server does not read as seconds is warned about.
    Raises :class:`OptionError` when a replication must be created but the options to create it
    are missing, or its local bucket would change without ``replace``.
    """
    before = from_api(current)
    name = want['name']
    if state == 'absent':
        warnings = []
        if current:
            warnings.append('deleting replication %r loses the data queued for the remote%s' % (name, _queued(status_from_api(current))))
        return Plan('delete' if current else 'none', before, {}, warnings=warnings, status=status_from_api(current))

    if not current:
        missing = _missing_to_create(want, where)
        if missing:
            raise OptionError('replication %r does not exist in organization %s; to create it, set %s'
                              % (name, org_id, ', '.join(missing)))
        after = _predict(want, org_id, server_version)
        return Plan('create', {}, after, _create_body(after), warnings=_max_age_warnings(name, after['max_age_seconds'], server_version))

    if want.get('local_bucket_id') is not None and want['local_bucket_id'] != before['local_bucket_id'].lower():
        queued = _queued(status_from_api(current))
        if not replace:
            raise OptionError('replication %r replicates local bucket %s, not %s: the local bucket of a replication cannot be '
                              'changed, so the replication would have to be deleted and created again, which loses the data '
                              'queued for the remote%s; set %sreplace=true to do that'
                              % (name, before['local_bucket_id'], want['local_bucket_id'], queued, where))
        kept = dict((key, before[key]) for key in SETTABLE)
        if before['remote_bucket_name']:
            kept['remote_bucket_id'] = None
        else:
            kept['remote_bucket_name'] = None
        if want.get('remote_bucket_id') is not None or want.get('remote_bucket_name') is not None:
            kept['remote_bucket_id'] = kept['remote_bucket_name'] = None
        kept.update((key, value) for key, value in want.items() if value is not None)
        after = _predict(kept, org_id, server_version)
        warning = ('replace=true deletes replication %r and creates it again for local bucket %s: the data queued for the '
                   'remote%s is lost' % (name, want['local_bucket_id'], queued))
        return Plan('replace', before, after, _create_body(after), retarget=True,
                    warnings=[warning] + _max_age_warnings(name, after['max_age_seconds'], server_version),
                    status=status_from_api(current))

    fields = dict((key, want.get(key)) for key in ('name', 'description', 'remote_id', 'max_queue_size_bytes', 'max_age_seconds',
                                                   'drop_non_retryable_data'))
    body, after = update_body(REPLICATION_FIELDS, before, fields)
    if want.get('remote_bucket_id') is not None:
        if (before['remote_bucket_id'] or '').lower() != want['remote_bucket_id'] or before['remote_bucket_name']:
            # from a name (or another ID) to this ID: the name must be cleared, or the server keeps writing to it
            body['remoteBucketID'] = after['remote_bucket_id'] = want['remote_bucket_id']
            body[NAME_KEY_IN_REQUESTS] = after['remote_bucket_name'] = ''
    elif want.get('remote_bucket_name') is not None and want['remote_bucket_name'] != before['remote_bucket_name']:
        # the server keeps the old ID beside the name, and writes to the name
        body[NAME_KEY_IN_REQUESTS] = after['remote_bucket_name'] = want['remote_bucket_name']
    warnings = []
    if 'maxAgeSeconds' in body:
        warning = ('max_age_seconds of replication %r changes from %s to %s: the server stores it at once, but applies it to the '
                   'running queue only after it restarts' % (name, before['max_age_seconds'], body['maxAgeSeconds']))
        meaning = max_age_meaning(body['maxAgeSeconds'], parse_version(server_version))
        if meaning:
            warning += '; on InfluxDB %s, %d means %s' % (server_version, body['maxAgeSeconds'], meaning)
        warnings.append(warning)
    retarget = any(key in body for key in TARGET_KEYS)
    return Plan('update' if body else 'none', before, after, body or None, retarget=retarget, warnings=warnings,
                status=status_from_api(current))


class ReplicationsService(ResourceService):
    """The requests made for replications."""

    PATH = REPLICATIONS_PATH
    KIND = 'replication'

    def problem(self, value):
        return replication_problem(value)

    def canonical(self, value):
        return _canonical(value)

    def list(self, org_id, name=None, remote_id=None, local_bucket_id=None):
        """Replications of an org, filtered exactly; always a list (the API answers ``null`` for none)."""
        query = dict(orgID=org_id, name=name or None, remoteID=remote_id or None, localBucketID=local_bucket_id or None)
        found = self.client.get(REPLICATIONS_PATH, query, expect=replications_list_problem)['replications'] or []
        # The server filters already; filter again so that a server that ignores a filter cannot mislead us.
        return [_canonical(r) for r in found if matches(r, name=name, remote_id=remote_id, local_bucket_id=local_bucket_id)]

    def validate(self, replication_id):
        """Ask the server to validate the stored replication (an empty write to the remote)."""
        self.client.request('POST', self._path(replication_id, 'validate'))

    def validate_create(self, body):
        """Validate a replication that is not created (``?validate=true``: nothing is saved)."""
        self.client.request('POST', REPLICATIONS_PATH, query=dict(validate='true'), body=body)

    def validate_update(self, replication_id, body):
        """Validate a stored replication with the remote and remote bucket ID of ``body`` (nothing is saved)."""
        self.client.request('PATCH', self._path(replication_id), query=dict(validate='true'), body=body)


class Outcome:
    """The result of converging one replication: what the module reports."""

    def __init__(self, changed, before, after, status, validated=None):
        self.changed = changed
        self.before = before
        self.after = after
        self.status = status
        self.validated = validated
        # whether the data queued in the replication is lost (it is deleted, or replaced)
        self.queue_lost = False

    def result(self):
        """What the module returns. The status is beside the replication, never in the diff."""
        diff = dict(before=self.before, after=self.after)
        if self.queue_lost:
            diff['after_header'] = queue_loss_header([self.before['name']])
        return dict(changed=self.changed, replication=self.after, status=self.status, validated=self.validated, diff=diff)


def queue_loss_header(names):
    """The header of the after side of a diff in which the replications ``names`` are deleted or replaced."""
    return 'the data queued in replication(s) %s and not yet sent is lost' % ', '.join(repr(name) for name in names)


REMOTE_CODE_RE = re.compile(r'invalid response code (\d+)')


def _validate(outcome, name, check):
    """Run ``check()``; set ``outcome.validated``, or raise :class:`ValidationError` on the server's refusal (400)."""
    try:
        check()
    except InfluxDBError as exc:
        if exc.status != 400:
            raise
        found = REMOTE_CODE_RE.search(exc.api_message or '')
        code = int(found.group(1)) if found else None
        answered = 'the remote answered %d' % code if code is not None else 'no answer came from the remote'
        outcome.validated = False
        raise ValidationError('replication %r failed validation (%s): %s' % (name, answered, exc.api_message or exc),
                              exc, code, outcome.result())
    outcome.validated = True
    return outcome


def converge_replication(service, org_id, current, want, state='present', replace=False, validate=False, check_mode=False,
                         org_confirmed=False):
    """Plan one replication, carry the plan out (unless ``check_mode``) and validate it when asked.

    ``org_confirmed`` tells whether the org is known to exist; otherwise it is checked before a
    create, since the API does not check it.
    """
    plan = plan_replication(current, want, org_id, state, replace, server_version=service.client.server_version)
    for warning in plan.warnings:
        service.client.warn(warning)
    if plan.action == 'create' and not org_confirmed:
        check_org_id(service.client, org_id)
    if check_mode:
        status = {} if not plan.after else plan.status if plan.action in ('update', 'none') else status_from_api(None)
        outcome = Outcome(plan.changed, plan.before, plan.after, status)
        if validate and plan.after:
            _check_mode_validate(service, plan, outcome)
    else:
        outcome = execute_plan(service, org_id, plan, want, replace)
        if validate and outcome.after:
            _validate(outcome, want['name'], lambda: service.validate(outcome.after['id']))
    # a replication that another run deleted first (not changed) had no queue left to lose
    outcome.queue_lost = plan.action in ('delete', 'replace') and outcome.changed
    return outcome


def _check_mode_validate(service, plan, outcome):
    """Validate what can be validated without a write to the edge server."""
    name = plan.after['name']
    if plan.action in ('none', 'update') and not plan.retarget:
        return _validate(outcome, name, lambda: service.validate(plan.replication_id))
    if plan.after['remote_bucket_name']:
        service.client.warn('validated is null: in check mode, replication %r can only be validated with ?validate=true, which '
                            'ignores a remote bucket given by name; run without check mode (or give remote_bucket_id) to '
                            'validate it' % name)
        return outcome
    if plan.action == 'update':
        body = dict((key, plan.body[key]) for key in ('remoteID', 'remoteBucketID') if key in plan.body)
        return _validate(outcome, name, lambda: service.validate_update(plan.replication_id, body))
    return _validate(outcome, name, lambda: service.validate_create(plan.body))


def execute_plan(service, org_id, plan, want, replace=False):
    """Make the writes that ``plan`` needs, if any; return the :class:`Outcome`."""
    if plan.action == 'none':
        return Outcome(False, plan.before, plan.after, plan.status if plan.after else {})
    if plan.action == 'delete':
        deleted = service.delete(plan.replication_id)
        return Outcome(deleted, plan.before, {}, {})
    if plan.action == 'update':
        written = service.update(org_id, want['name'], plan.replication_id, plan.body)
        return Outcome(True, plan.before, from_api(written), status_from_api(written))
    if plan.action == 'replace':
        service.delete(plan.replication_id)
        outcome = _create(service, org_id, plan, want, replace)
        return Outcome(True, plan.before, outcome.after, outcome.status)
    return _create(service, org_id, plan, want, replace)


def _create(service, org_id, plan, want, replace):
    """POST a new replication and converge on what is there (see :meth:`ResourceService.create_or_find`):
    a replication found after a lost answer or a UNIQUE race is planned again, and only what still differs is changed."""
    created, how = service.create_or_find(org_id, plan.body)
    if how == 'created':
        return Outcome(True, {}, from_api(created), status_from_api(created))
    created_by_us = how == 'lost'
    again = plan_replication(created, want, org_id, 'present', replace, server_version=service.client.server_version)
    before = {} if created_by_us else again.before
    if again.action == 'none':
        return Outcome(created_by_us, before, again.after, status_from_api(created))
    if again.action != 'update':
        raise OptionError('replication %r was created by another run at the same moment with another local bucket (%s); '
                          'run the task again to converge on it' % (want['name'], again.before['local_bucket_id']))
    for warning in again.warnings:
        service.client.warn(warning)
    written = service.update(org_id, want['name'], again.replication_id, again.body)
    return Outcome(True, before, from_api(written), status_from_api(written))


def replication_names(client, org_id, remote_id):
    """The names of the replications of the org that use the remote ``remote_id``: one request."""
    return sorted(r['name'] for r in ReplicationsService(client).list(org_id, remote_id=remote_id))


def delete_replications_of(client, org_id, remote_id, remote_name, check_mode):
    """Delete the replications that use a remote (unless ``check_mode``), with a warning; return their names.

    One request to list them, then one per replication.
    """
    service = ReplicationsService(client)
    found = sorted(service.list(org_id, remote_id=remote_id), key=lambda r: (r['name'], r['id']))
    if found:
        client.warn('delete_replications=true deletes the replications that use remote %r before it: %s; the data queued in '
                    'them and not yet sent is lost' % (remote_name, ', '.join(repr(r['name']) for r in found)))
    if not check_mode:
        for replication in found:
            service.delete(replication['id'])
    return [r['name'] for r in found]


# What the remote's answer to a replicated write means, and what to change. One row per answer of
# upstream's write path (main-2.x: http/write_handler.go and what it calls, the authentication
# middleware, http/requests.go for the org, http/points for the body, models/points.go for line
# protocol, storage/points_writer.go, v1/coordinator and tsdb for partial writes):
# (HTTP status or None for any, start of the remote's own message (a regular expression) or None for
# any, the cause, the fix, whether the remote refuses the data itself with a 400, so that
# drop_non_retryable_data is a way out). The first row that matches wins; the last matches all.
# Any answer other than 204 is retried, the same batch again and again; only a 400 is dropped, and
# only with drop_non_retryable_data.
BLOCKS = 'until then the batch is retried and blocks the queue'
REMOTE_ANSWERS = (
    (0, None, 'no answer came from the remote, a network or TLS failure',
     'check that this server reaches the remote_url of the remote connection and trusts its certificate', False),
    (400, r"unable to parse '", 'the remote refuses the data: line protocol it cannot parse',
     'fix what writes these points to the local bucket', True),
    (400, r'Please provide either orgID or org',
     'the writes name no organization because the remote connection has no remote_org_id',
     'set remote_org_id of the remote connection to the ID of the organization that holds the remote bucket on the '
     'remote server', False),
    (400, r'(invalid ID|id must have a length of 16 bytes)$', 'the remote refuses the organization ID of the writes',
     'check remote_org_id of the remote connection', False),
    (400, r'invalid precision', 'the remote refuses the precision of the writes, which the replication does not set',
     'check that remote_url of the remote connection is the URL of an InfluxDB 2.x server, with no proxy in between '
     'that changes the request', False),
    (400, r'unable to read data: gzip: ', 'the remote cannot read the compressed batch: it was damaged on the way',
     'check what stands between this server and the remote (a proxy that changes request bodies)', False),
    (400, None, 'the remote refused the write request',
     'check the remote connection (remote_url, remote_org_id, remote_api_token) and remote_bucket/remote_bucket_id '
     'of the replication', False),
    (401, None, 'the remote refuses the token of the remote connection',
     'give the remote connection a valid token of the remote server (remote_api_token with '
     'update_remote_api_token=always)', False),
    (403, r'insufficient permissions for write: token is inactive', 'the token of the remote connection is inactive',
     'activate it on the remote server, or give the remote connection another token (remote_api_token with '
     'update_remote_api_token=always)', False),
    (403, r'User is inactive', 'the user that owns the token of the remote connection is inactive on the remote server',
     'activate that user, or give the remote connection a token of an active user (remote_api_token with '
     'update_remote_api_token=always)', False),
    (403, None, 'the token of the remote connection may not write to the remote bucket',
     'give the remote connection a token with write permission on that bucket (remote_api_token with '
     'update_remote_api_token=always), or check remote_bucket/remote_bucket_id of the replication', False),
    (404, r'organization (not found|name ")', 'the remote server has no organization remote_org_id',
     'set remote_org_id of the remote connection to the ID of the organization that holds the remote bucket on the '
     'remote server', False),
    (404, r'bucket not found$', 'the writes name no remote bucket',
     'set remote_bucket or remote_bucket_id of the replication', False),
    (404, r'bucket "', 'the remote server has no remote bucket of that name or ID in organization remote_org_id',
     'check remote_bucket/remote_bucket_id of the replication (a bucket of the remote server) and remote_org_id of '
     'the remote connection (the organization that holds it)', False),
    (404, r'path not found', 'the remote has no write endpoint at remote_url',
     'set remote_url of the remote connection to the base URL of the remote InfluxDB 2.x (with the path prefix of '
     'a proxy, if there is one)', False),
    (404, None, 'the remote does not know the remote bucket or organization',
     'check remote_bucket/remote_bucket_id of the replication, and remote_org_id and remote_url of the remote '
     'connection', False),
    (413, None, 'the remote, or a proxy in front of it, refuses a batch this large',
     'raise the request body size limit of the remote server or the proxy; ' + BLOCKS, False),
    (422, r'failure writing points to database: partial write: field type conflict',
     'the remote bucket holds a field of this name with another type and refuses these points',
     'write that field with one type, and delete the conflicting data on the remote server or point the replication '
     'at another remote bucket (remote_bucket/remote_bucket_id: a change keeps the queue); ' + BLOCKS, False),
    (422, r'failure writing points to database: partial write: dropped \d+ points outside retention policy',
     'the remote refuses points older than the retention period of the remote bucket',
     'lengthen the retention period of the remote bucket beyond the age of the queued points; ' + BLOCKS, False),
    (422, r'failure writing points to database: partial write: ',
     'the remote refuses some points of the batch (the message names them)',
     'fix what writes these points to the local bucket; the batch is retried and blocks the queue, which only '
     'deleting the replication (with its queue) clears', False),
    (429, None, 'the remote throttles the writes', 'the queue grows until it accepts them again', False),
    (500, r'unable to read data: ', 'the remote received an incomplete batch',
     'check the network and what stands between this server and the remote (a proxy)', False),
    (500, r'unexpected error writing points to database', 'the remote cannot store the points',
     'check the remote server (its log, disk and storage)', False),
    (500, r'An internal error has occurred', 'the remote failed with an internal error',
     'check the log of the remote server', False),
    (None, None, 'the last write to the remote failed', 'check the remote server', False),
)

# How a 400 reads, by whether it is about the data itself and whether drop_non_retryable_data is set.
# No other answer is dropped, so for them drop_non_retryable_data changes nothing.
ADVICE_400 = {
    (False, False): '{said}: {fix}; ' + BLOCKS,
    (True, False): '{said}: {fix}, or set drop_non_retryable_data to drop the batches the remote refuses; ' + BLOCKS,
    (True, True): '{said} and drop_non_retryable_data is set: data is being dropped; {fix}',
    (False, True): '{said} and drop_non_retryable_data is set: every batch is dropped until this is fixed; {fix}',
}

# The edge stores the remote's answer as "invalid response code N, must be 204: N Status: message".
REMOTE_MESSAGE_RE = re.compile(r'(?:invalid response code \d+, must be 204: )?(?:\d{3} [^:]*: )?(.*)', re.S)

BACKLOG_UNJUDGED = ('the backlog cannot be judged on InfluxDB older than 2.7, which does not report '
                    'remaining_bytes_to_be_synced')


def remote_answer(code, message):
    """``(cause, fix, drop_helps)`` for the remote's answer ``code`` and ``message`` (the row of :data:`REMOTE_ANSWERS`)."""
    own = REMOTE_MESSAGE_RE.match(message or '').group(1)
    return next((cause, fix, drop_helps) for status, pattern, cause, fix, drop_helps in REMOTE_ANSWERS
                if status in (None, code) and (pattern is None or re.match(pattern, own)))


def _failing_reason(replication, code, message):
    cause, fix, drop_helps = remote_answer(code, message)
    said = '%s (%s)' % (cause, '%s: %s' % (code, message) if message else code)
    template = ADVICE_400[drop_helps, bool(replication.get('drop_non_retryable_data'))] if code == 400 else '{said}: {fix}'
    return template.format(said=said, fix=fix)


def health(replication, status, threshold=DEFAULT_BACKLOG_THRESHOLD, server_version=None):
    """``(health, reason)`` of a replication from its status: failing, backlog, unknown or healthy.

    ``server_version`` is the server's version as :func:`parse_version` gives it, such as ``(2, 6, 1)``,
    or ``None`` when unknown. Before 2.7 the server does not report the backlog: the verdict then follows the
    remote's last answer alone, and the reason says that the backlog cannot be judged. The reason is
    ``None`` only for a healthy replication whose backlog was judged (or whose server version is unknown).
    """
    code = status.get('latest_response_code')
    if code is not None and code != 204:
        return 'failing', _failing_reason(replication, code, status.get('latest_error_message'))
    remaining, size = status.get('remaining_bytes_to_be_synced'), replication.get('max_queue_size_bytes')
    if remaining is not None and size and remaining / size >= threshold:
        return 'backlog', ('%d bytes wait to be sent, %.0f%% of max_queue_size_bytes (%d); once the queue is full the server '
                           'silently drops new points: check the link to the remote, or raise max_queue_size_bytes'
                           % (remaining, 100.0 * remaining / size, size))
    unjudged = remaining is None and is_before(server_version, REMAINING_BYTES)
    if code is None:
        reason = ('no write to the remote was attempted yet (nothing was written to the local bucket since the '
                  'replication was created or the server started): write a point to the local bucket to check it')
        return 'unknown', reason + ('; ' + BACKLOG_UNJUDGED if unjudged else '')
    return 'healthy', BACKLOG_UNJUDGED if unjudged else None
