# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Replications (/api/v2/replications) on the resource engine (:mod:`._resource`): the field table,
the check of the options, names resolved to IDs, and what is a replication's own: the remote
bucket given by name or ID, the defaults and the server versions, the local bucket that only a
replace changes (and the queue that it loses), validation, and health.

The live status of a replication (its queue, the last answer of the remote) is reported beside
it, never as part of it: it is not in the diff and never makes a task changed.
"""

from __future__ import annotations

import re
from functools import partial

from ansible_collections.influxops.influxdb2.plugins.module_utils._buckets import Buckets, bucket_not_found
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import (
    InfluxDBError,
    OptionError,
    ValidationError,
    remote_answered,
)
from ansible_collections.influxops.influxdb2.plugins.module_utils._fields import Field, from_api, predict, shape_problem, update_body
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import DEFAULT_BACKLOG_THRESHOLD
from ansible_collections.influxops.influxdb2.plugins.module_utils._remotes import Remotes
from ansible_collections.influxops.influxdb2.plugins.module_utils._resource import Plan, Resource, with_notes
from ansible_collections.influxops.influxdb2.plugins.module_utils._validators import check_id, check_name
from ansible_collections.influxops.influxdb2.plugins.module_utils._version import (
    MAX_AGE_DEFAULT,
    MAX_AGE_IN_SECONDS,
    REMAINING_BYTES,
    REMOTE_BUCKET_BY_NAME,
    is_before,
    parse_version,
)

# The server answers with a capital R; requests (and some servers' answers) spell it remoteBucketName.
NAME_KEY, NAME_KEY_IN_REQUESTS = 'RemoteBucketName', 'remoteBucketName'

# The live status, beside the replication.
STATUS_FIELDS = (
    Field('current_queue_size_bytes', 'currentQueueSizeBytes', kind=int, nullable=True),
    Field('remaining_bytes_to_be_synced', 'remainingBytesToBeSynced', kind=int, nullable=True),
    Field('latest_response_code', 'latestResponseCode', kind=int, nullable=True),
    Field('latest_error_message', 'latestErrorMessage', nullable=True),
)

DEFAULT_AGE = 604800
CREATE_DEFAULTS = dict(max_queue_size_bytes=67108860, max_age_seconds=DEFAULT_AGE, drop_non_retryable_data=False)

# Options given either by name or by ID, in the module's words.
PAIRS = (('remote', 'remote_id'), ('local_bucket', 'local_bucket_id'), ('remote_bucket', 'remote_bucket_id'))
NAMED_OPTIONS = ('description', 'remote', 'remote_id', 'local_bucket', 'local_bucket_id', 'remote_bucket', 'remote_bucket_id',
                 'max_queue_size_bytes', 'max_age_seconds', 'drop_non_retryable_data')
# The fields of the resolved form of the options (names replaced by IDs) that a user can set.
SETTABLE = ('name', 'description', 'remote_id', 'local_bucket_id', 'remote_bucket_id', 'remote_bucket_name',
            'max_queue_size_bytes', 'max_age_seconds', 'drop_non_retryable_data')
TARGET_KEYS = ('remoteID', 'remoteBucketID', NAME_KEY_IN_REQUESTS)


def desired_replication(options, where=''):
    """Check the options of one replication before any request; return them as the plan wants them.

    ``where`` prefixes option names in messages, such as ``remotes[0].replications[1].``. Where the
    context gives the remote, ``options`` has no remote/remote_id (see :func:`resolve_names`). The
    numbers (``max_queue_size_bytes``, ``max_age_seconds``) were checked against their ranges when
    the module was created (``_options.OPTION_RANGES``).
    """
    check_name(options['name'], where + 'name')
    if (options.get('state') or 'present') == 'absent':
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


def status_from_api(replication):
    """The live status of a replication as the API returns it (each value ``None`` until the server has one)."""
    if not replication:
        return dict((field.option, None) for field in STATUS_FIELDS)
    return from_api(STATUS_FIELDS, replication)


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


def resolve_names(replications, desired, run, remote_id=None, bucket_ids=None, where=''):
    """The desired replication with names replaced by IDs (:data:`SETTABLE` keys), one GET per name.

    ``remote_id`` is the remote given by the context, if any; ``bucket_ids`` maps the org's bucket
    names to IDs where they were all listed already (see :meth:`Buckets.ids_by_name`), so that
    no request is made for a bucket name. A remote name that the org does not have fails here,
    before any write; so does a local bucket name, unless ``run`` (a :class:`._resource.Run`) is a
    dry run: an earlier task would have created the bucket, so it is predicted with no ID, with a
    warning, and the desired replication has its name as ``local_bucket``. The remote bucket lives
    on the remote instance: its name is kept as a name; on a server too old for that, it fails
    here, before any lookup (see :func:`check_remote_bucket_by_name`). ``where`` prefixes option
    names in messages.
    """
    client, org_id = replications.client, replications.org_id
    if desired.get('remote_bucket') is not None:
        check_remote_bucket_by_name(client.server_version, where)
    want = dict((key, desired.get(key)) for key in ('name', 'description', 'max_queue_size_bytes', 'max_age_seconds',
                                                    'drop_non_retryable_data'))
    want['remote_id'] = remote_id or desired.get('remote_id')
    if desired.get('remote') is not None:
        remote = Remotes(client, org_id).find(desired['remote'])
        if remote is None:
            raise InfluxDBError('remote %r not found in organization %s: check %sremote (nothing was written)'
                                % (desired['remote'], org_id, where), method='GET',
                                url=client.url(Remotes.PATH, dict(orgID=org_id, name=desired['remote'])))
        want['remote_id'] = remote['id'].lower()
    want['local_bucket_id'] = desired.get('local_bucket_id')
    if desired.get('local_bucket') is not None:
        if bucket_ids is not None:
            bucket_id = bucket_ids.get(desired['local_bucket'])
        else:
            bucket = Buckets(client, org_id).find(desired['local_bucket'])
            bucket_id = bucket['id'].lower() if bucket else None
        if bucket_id is None:
            run.not_found(client, bucket_not_found(client, org_id, desired['local_bucket'], where + 'local_bucket (nothing was written)'),
                          'bucket %r not found in organization %s: in check mode, %slocal_bucket is predicted with no ID '
                          '(local_bucket_id null); the real run fails unless an earlier task creates the bucket'
                          % (desired['local_bucket'], org_id, where))
            want['local_bucket'] = desired['local_bucket']
        want['local_bucket_id'] = bucket_id
    want['remote_bucket_id'] = desired.get('remote_bucket_id')
    want['remote_bucket_name'] = desired.get('remote_bucket')
    return want


def _queued(current):
    remaining = status_from_api(current).get('remaining_bytes_to_be_synced') if current else None
    return ' (%d bytes not yet sent)' % remaining if remaining is not None else ''


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


def queue_loss_header(names):
    """The header of the after side of a diff in which the replications ``names`` are deleted or replaced."""
    return 'the data queued in replication(s) %s and not yet sent is lost' % ', '.join(repr(name) for name in names)


def retargets(plan):
    """Whether ``plan`` changes the remote or the remote bucket of the replication."""
    return plan.action == 'replace' or plan.action == 'update' and any(key in plan.body for key in TARGET_KEYS)


REMOTE_CODE_RE = re.compile(r'invalid response code (\d+)')


class Replications(Resource):
    """Replications; their names are resolved to IDs by :func:`resolve_names`."""

    PATH, LIST_KEY, KIND = '/api/v2/replications', 'replications', 'replication'
    # Every field of a replication as the API sends it. The remote bucket's name is written by hand
    # (see create_body and plan_change), since an ID and a name interact.
    FIELDS = (
        Field('id', 'id', create=False, update=False),
        Field('org_id', 'orgID', is_id=True, update=False),
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
    FILTERS = dict(name='name', remote_id='remoteID', local_bucket_id='localBucketID')
    LEVEL = 1
    DONE = 'replications_'

    def canonical(self, value):
        """The remote bucket's name under ``RemoteBucketName`` however it was spelled."""
        if isinstance(value, dict) and NAME_KEY not in value and NAME_KEY_IN_REQUESTS in value:
            value = dict(value)
            value[NAME_KEY] = value.pop(NAME_KEY_IN_REQUESTS)
        return value

    def problem(self, value):
        return super().problem(value) or shape_problem(STATUS_FIELDS, value, 'a replication object')

    def missing(self, want, where='', **options):
        # a local bucket that does not exist yet (check mode) is given by its name
        missing = [(by_name, by_id) for by_name, by_id, key in (('remote', 'remote_id', 'remote_id'),
                                                                ('local_bucket', 'local_bucket_id', 'local_bucket'),
                                                                ('remote_bucket', 'remote_bucket_id', 'remote_bucket_name'))
                   if want.get(by_id) is None and want.get(key) is None]
        return ', '.join('%s%s or %s%s' % (where, by_name, where, by_id) for by_name, by_id in missing) or None

    def predict(self, want, **options):
        full = dict(CREATE_DEFAULTS)
        if is_before(parse_version(self.client.server_version), MAX_AGE_IN_SECONDS):
            # one week, read as nanoseconds, would drop whatever waits to be sent: no age limit instead
            full['max_age_seconds'] = 0
        full.update((key, value) for key, value in want.items() if value is not None)
        return predict(self.FIELDS, full, id=None, org_id=self.org_id)

    def create_body(self, after, want=None):
        body = super().create_body(after, want)
        if after['remote_bucket_id'] is not None:
            body['remoteBucketID'] = after['remote_bucket_id']
        if after['remote_bucket_name']:
            body[NAME_KEY_IN_REQUESTS] = after['remote_bucket_name']
        return body

    def _max_age_warnings(self, name, value, change=None):
        """``change`` (if any) and what the server does with ``max_age_seconds`` ``value``, where it does not read it as seconds."""
        version = self.client.server_version
        meaning = max_age_meaning(value, parse_version(version))
        if change:
            return [change + ('; on InfluxDB %s, %d means %s' % (version, value, meaning) if meaning else '')]
        return ['replication %r: max_age_seconds %d on InfluxDB %s means %s' % (name, value, version, meaning)] if meaning else []

    def create_warnings(self, after):
        return self._max_age_warnings(after['name'], after['max_age_seconds'])

    def delete_warnings(self, current):
        return ['deleting replication %r loses the data queued for the remote%s' % (current['name'], _queued(current))]

    def plan_change(self, current, before, want, replace=False, where='', **options):
        """An update of what differs; a replace (delete, then create) for another local bucket, only with ``replace``."""
        name = want['name']
        if want.get('local_bucket_id') is not None and want['local_bucket_id'] != before['local_bucket_id'].lower():
            if not replace:
                raise OptionError('replication %r replicates local bucket %s, not %s: the local bucket of a replication cannot be '
                                  'changed, so the replication would have to be deleted and created again, which loses the data '
                                  'queued for the remote%s; set %sreplace=true to do that'
                                  % (name, before['local_bucket_id'], want['local_bucket_id'], _queued(current), where))
            kept = dict((key, before[key]) for key in SETTABLE)
            kept['remote_bucket_id' if before['remote_bucket_name'] else 'remote_bucket_name'] = None
            if want.get('remote_bucket_id') is not None or want.get('remote_bucket_name') is not None:
                kept['remote_bucket_id'] = kept['remote_bucket_name'] = None
            kept.update((key, value) for key, value in want.items() if value is not None)
            after = self.predict(kept)
            warning = ('replace=true deletes replication %r and creates it again for local bucket %s: the data queued for the '
                       'remote%s is lost' % (name, want['local_bucket_id'], _queued(current)))
            return Plan('replace', current, before, after, self.create_body(after), [warning] + self.create_warnings(after))

        fields = dict((key, want.get(key)) for key in ('name', 'description', 'remote_id', 'max_queue_size_bytes', 'max_age_seconds',
                                                       'drop_non_retryable_data'))
        body, after = update_body(self.FIELDS, before, fields)
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
            warnings = self._max_age_warnings(name, body['maxAgeSeconds'], change=(
                'max_age_seconds of replication %r changes from %s to %s: the server stores it at once, but applies it to the '
                'running queue only after it restarts' % (name, before['max_age_seconds'], body['maxAgeSeconds'])))
        return Plan('update' if body else 'none', current, before, after, body or None, warnings)

    def again(self, found, want, replace=False, **options):
        return self.plan(found, want, replace=replace)

    def conflict(self, again):
        return OptionError('replication %r was created by another run at the same moment with another local bucket (%s); '
                           'run the task again to converge on it' % (again.before['name'], again.before['local_bucket_id']))

    def validate(self, replication_id):
        """Ask the server to validate the stored replication (an empty write to the remote)."""
        self.client.request('POST', self._path(replication_id, 'validate'))

    def validate_create(self, body):
        """Validate a replication that is not created (``?validate=true``: nothing is saved)."""
        self.client.request('POST', self.PATH, query=dict(validate='true'), body=body)

    def validate_update(self, replication_id, body):
        """Validate a stored replication with the remote and remote bucket ID of ``body`` (nothing is saved)."""
        self.client.request('PATCH', self._path(replication_id), query=dict(validate='true'), body=body)

    def verify(self, outcome, plan, validate=False, **options):
        """With ``validate``, validate the replication after its write."""
        if validate and outcome.after:
            self._validated(outcome, plan, partial(self.validate, outcome.after['id']))

    def verify_predicted(self, outcome, plan, validate=False, pending=False, **options):
        """With ``validate``, in check mode, validate what can be validated without a write (not a replication whose
        remote is created in the same run, ``pending``, or whose local bucket does not exist yet)."""
        if not validate or not outcome.after:
            return
        name = outcome.after['name']
        if pending or plan.after['local_bucket_id'] is None:
            self.client.warn('validated is null: in check mode, replication %r cannot be validated, since its %s'
                             % (name, 'remote is created by this run' if pending else 'local bucket does not exist yet'))
            return
        elif plan.action in ('none', 'update') and not retargets(plan):
            check = partial(self.validate, plan.id)
        elif plan.after['remote_bucket_name']:
            self.client.warn('validated is null: in check mode, replication %r can only be validated with ?validate=true, which '
                             'ignores a remote bucket given by name; run without check mode (or give remote_bucket_id) to '
                             'validate it' % name)
            return
        elif plan.action == 'update':
            check = partial(self.validate_update, plan.id, dict((key, plan.body[key]) for key in ('remoteID', 'remoteBucketID')
                                                                if key in plan.body))
        else:
            check = partial(self.validate_create, plan.body)
        self._validated(outcome, plan, check)

    def _validated(self, outcome, plan, check):
        """Run the validation request ``check``; set ``outcome.validated``, or raise :class:`ValidationError` on a refusal."""
        name = outcome.after['name']
        try:
            check()
        except InfluxDBError as exc:
            if exc.status != 400:
                raise
            found = REMOTE_CODE_RE.search(exc.api_message or '')
            code = int(found.group(1)) if found else None
            outcome.validated = False
            raise ValidationError('replication %r failed validation (%s): %s' % (name, remote_answered(code), exc.api_message or exc),
                                  exc, code, result(outcome, plan))
        outcome.validated = True


def queue_lost(plan, outcome):
    """Whether the data queued in the replication is lost: it is deleted or replaced (not when another run deleted it first)."""
    return plan.action in ('delete', 'replace') and outcome.changed


def result(outcome, plan):
    """What influx_replication returns. The status is beside the replication, never in the diff."""
    diff = with_notes(dict(before=outcome.before, after=outcome.after),
                      [queue_loss_header([outcome.before['name']])] if queue_lost(plan, outcome) else [])
    status = status_from_api(outcome.answer) if outcome.after else {}
    return dict(changed=outcome.changed, replication=outcome.after, status=status, validated=outcome.validated, diff=diff)


def delete_replications_of(run, replications, remote_id, remote_name):
    """Delete the replications that use a remote, with a warning; return their names.

    One request to list them, then one per replication.
    """
    found = sorted(replications.list(remote_id=remote_id), key=lambda r: (r['name'], r['id']))
    if found:
        replications.client.warn('delete_replications=true deletes the replications that use remote %r before it: %s; the data '
                                 'queued in them and not yet sent is lost'
                                 % (remote_name, ', '.join(repr(r['name']) for r in found)))
    for current in found:
        want = dict(name=current['name'])
        run.execute(replications, replications.plan(current, want, 'absent'), want)
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
    match = REMOTE_MESSAGE_RE.match(message or '')
    if match is None:
        raise AssertionError("every text matches: the pattern's other parts are optional")
    own = match.group(1)
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


def not_yet(condition, listed, server_version=None):
    """``name (why)`` for each replication of ``listed`` (as influx_replication_info returns them, with their status
    and health) that is not ``condition`` yet: ``drained`` (nothing remains to be synced) or ``healthy``.

    ``drained`` cannot be judged where the server does not report the remaining bytes: before 2.7, as far as its
    version ``server_version`` (such as ``v2.6.1``) tells, or for any replication without them. That fails at once,
    with no replication at all too, since it could never hold.
    """
    if condition == 'drained':
        old = is_before(parse_version(server_version), REMAINING_BYTES)
        blind = [item['name'] for item in listed if item['status']['remaining_bytes_to_be_synced'] is None]
        if old or blind:
            server = ('this server is InfluxDB %s' % server_version if old
                      else 'the server does not report it for %s' % ', '.join(blind))
            raise OptionError('wait_for=drained needs InfluxDB %s or later, which reports remaining_bytes_to_be_synced, and %s; '
                              "use wait_for=healthy, whose verdict there follows the remote's last answer alone"
                              % ('.'.join(map(str, REMAINING_BYTES[:2])), server))
    pending = []
    for item in listed:
        remaining = item['status']['remaining_bytes_to_be_synced']
        if remaining == 0 if condition == 'drained' else item['health'] == 'healthy':
            continue
        why = '%s: %s' % (item['health'], item['health_reason']) if item['health_reason'] else item['health']
        if condition == 'drained':
            why = '%d bytes remain to be synced; %s' % (remaining, why)
        pending.append('%s (%s)' % (item['name'], why))
    return pending
