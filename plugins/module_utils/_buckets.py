# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Buckets (/api/v2/buckets) on the resource engine (:mod:`._resource`): the field table, the check
of the options (durations as the influx CLI writes them), and what is a bucket's own: its one
retention rule and the shard-group duration that the server derives from it, the names the server
refuses, system buckets, which are never changed, the replications that the server deletes with a
bucket, and the list read in pages of 100 (a name that the org does not have is a 404)."""

from __future__ import annotations

import re
import typing as t

from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxDBError, OptionError
from ansible_collections.influxops.influxdb2.plugins.module_utils._fields import Field, list_problem, predict
from ansible_collections.influxops.influxdb2.plugins.module_utils._resource import Plan, Resource, SetOutcome, Step, before_after, converge_set
from ansible_collections.influxops.influxdb2.plugins.module_utils._validators import check_name

__all__ = ['Buckets', 'BucketsOutcome', 'bucket_not_found', 'check_buckets', 'converge_buckets', 'desired_bucket', 'loss_notes',
           'parse_duration', 'shard_group_duration']

# The most buckets the API returns in one page.
PAGE_SIZE = 100

HOUR, DAY, WEEK = 3600, 86400, 604800
# The seconds of each unit of a duration as the influx CLI writes it (m is minutes).
UNITS = dict(w=WEEK, d=DAY, h=HOUR, m=60, s=1)
DURATION_RE = re.compile(r'(?:[0-9]+[wdhms])+')
PART_RE = re.compile(r'([0-9]+)([wdhms])')
# The longest duration the server stores: Go's time.Duration, nanoseconds in a 64-bit integer.
MAX_SECONDS = (2 ** 63 - 1) // 10 ** 9
DURATION_FORMS = ('an integer number of seconds or a duration as the influx CLI writes it, such as 30d, 12h, 1w, 90m or '
                  '1d12h (units w, d, h, m for minutes, s)')

# The keys under which canonical() lifts the fields of the one retention rule to the bucket itself.
EVERY, SHARD_GROUP = 'everySeconds', 'shardGroupDurationSeconds'
RULES_SHAPE = 'a bucket object with retentionRules as a list of at most one rule object'


def parse_duration(value, option):
    """The seconds of ``value``: an integer, a string of digits, or a duration such as ``1d12h``
    (``0`` and ``infinite``, in any case, are 0). Raises :class:`OptionError` naming ``option``."""
    seconds = None
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    elif isinstance(value, str):
        text = value.strip()
        if text.lower() == 'infinite':
            return 0
        if text.isascii() and text.isdigit():
            seconds = int(text)
        elif DURATION_RE.fullmatch(text):
            seconds = sum(int(count) * UNITS[unit] for count, unit in PART_RE.findall(text))
    if seconds is None or seconds < 0:
        raise OptionError('%s must be %s, or 0 or infinite; got %r' % (option, DURATION_FORMS, value))
    if seconds > MAX_SECONDS:
        raise OptionError('%s must be at most %d seconds (about 292 years), the longest duration the server stores; got %r'
                          % (option, MAX_SECONDS, value))
    return seconds


def shard_group_duration(retention):
    """The shard-group duration that the server derives from a retention (0 is infinite) when none is given."""
    if retention == 0 or retention >= 180 * DAY:
        return WEEK
    return DAY if retention >= 2 * DAY else HOUR


def desired_bucket(options, where=''):
    """Check the options of one bucket before any request; return them as the plan wants them
    (``name``, ``description``, ``retention_seconds``, ``shard_group_duration_seconds``).

    What the server refuses is refused here: a name that starts with ``_`` (the server's own
    system buckets do) or holds a ``"``, a retention under one hour (the server answers 500 after it
    has half created the bucket), a shard-group duration above the retention. ``where`` prefixes
    option names in messages, such as ``buckets[2].``.
    """
    name = check_name(options['name'], where + 'name')
    if name.startswith('_'):
        raise OptionError('%sname %r starts with an underscore, which the server refuses for a bucket it does not create '
                          'itself; _monitoring and _tasks are its system buckets, which are never changed or deleted'
                          % (where, name))
    if '"' in name:
        raise OptionError('%sname %r holds a quotation mark ("), which the server refuses in a bucket name' % (where, name))
    if options.get('state') == 'absent':
        extra = [option for option in ('description', 'retention', 'shard_group_duration') if options.get(option) is not None]
        if extra:
            raise OptionError('%sstate=absent deletes the bucket and takes no description/retention/shard_group_duration; '
                              'remove %s' % (where, ', '.join(where + option for option in extra)))
    retention = shard_group = None
    if options.get('retention') is not None:
        retention = parse_duration(options['retention'], where + 'retention')
        if 0 < retention < HOUR:
            raise OptionError('%sretention must be 0 (infinite) or at least 1 hour (3600 seconds), the shortest the server '
                              'keeps; got %r (%d seconds)' % (where, options['retention'], retention))
    if options.get('shard_group_duration') is not None:
        shard_group = parse_duration(options['shard_group_duration'], where + 'shard_group_duration')
        if shard_group == 0:
            raise OptionError('%sshard_group_duration must be longer than 0; leave it unset to let the server derive it from '
                              'the retention' % where)
        # the server keeps at least one hour
        shard_group = max(shard_group, HOUR)
        if retention and shard_group > retention:
            raise OptionError('%sshard_group_duration (%d seconds) must not be longer than %sretention (%d seconds)'
                              % (where, shard_group, where, retention))
    return dict(name=name, description=options.get('description'), retention_seconds=retention,
                shard_group_duration_seconds=shard_group)


def bucket_not_found(client, org_id, name, option):
    """The error for a bucket name that the org does not have (or that the token cannot read)."""
    return InfluxDBError('bucket %r not found in organization %s (or the token cannot read it): check %s'
                         % (name, org_id, option), method='GET', url=client.url(Buckets.PATH, dict(orgID=org_id, name=name)))


def _rule(rules):
    """The one retention rule of an answer's ``retentionRules`` (none is infinite retention), or ``None`` when that is
    not a list of at most one object."""
    if not isinstance(rules, list) or len(rules) > 1 or (rules and not isinstance(rules[0], dict)):
        return None
    return rules[0] if rules else {EVERY: 0}


class Buckets(Resource):
    """Buckets. ``delete_replications`` allows a delete of a bucket that replications use (the server deletes
    them with it); ``users(bucket_id)``, if given, names those replications.

    The server checks the org of a new bucket itself, so no request confirms it.
    """

    PATH, LIST_KEY, KIND = '/api/v2/buckets', 'buckets', 'bucket'
    # Every field of a bucket as the module returns it; the retention rule's fields are lifted to the bucket by canonical().
    FIELDS = (
        Field('id', 'id', create=False, update=False),
        Field('org_id', 'orgID', is_id=True, update=False),
        Field('name', 'name'),
        # the API leaves an empty description out
        Field('description', 'description', nullable=True, default=''),
        Field('retention_seconds', EVERY, kind=int, create=False, update=False),
        Field('shard_group_duration_seconds', SHARD_GROUP, kind=int, nullable=True, create=False, update=False),
        Field('type', 'type', create=False, update=False),
    )
    FILTERS = dict(name='name')

    def __init__(self, client, org_id, *, delete_replications=False, users=None):
        super().__init__(client, org_id, org_confirmed=True)
        self.delete_replications = delete_replications
        self.users = users

    # Answers

    def canonical(self, value):
        """The bucket with the fields of its retention rule beside the others."""
        rule = _rule(value.get('retentionRules')) if isinstance(value, dict) else None
        if rule is None:
            return value
        return dict(value, **{EVERY: rule.get(EVERY), SHARD_GROUP: rule.get(SHARD_GROUP)})

    def problem(self, value):
        if isinstance(value, dict) and _rule(value.get('retentionRules')) is None:
            return RULES_SHAPE
        return super().problem(value)

    # Reads

    # Buckets are filtered by name only: the API has no other exact filter, and the pages are read here.
    def list(self, name: str | None = None) -> t.List[dict]:  # type: ignore[override]
        """The buckets of the org that the token can read, in pages of :data:`PAGE_SIZE` (one request each), or the
        one named ``name`` (one request; the API answers 404 for a name that the org does not have)."""
        if name is not None:
            try:
                found = super().list(name=name)
            except InfluxDBError as exc:
                if exc.status == 404 and exc.code is not None:
                    return []
                raise
        else:
            found = []
            while True:
                query = dict(orgID=self.org_id, limit=str(PAGE_SIZE), offset=str(len(found)))
                page = self.client.get(self.PATH, query, expect=list_problem(self.LIST_KEY, self.problem))[self.LIST_KEY] or []
                found.extend(self.canonical(value) for value in page)
                if len(page) < PAGE_SIZE:
                    break
        return [value for value in found if self.matches(value, org_id=self.org_id)]

    def ids_by_name(self):
        """``{name: ID}`` of every bucket of the org (see :meth:`list`)."""
        return dict((name, bucket['id'].lower()) for name, bucket in self.by_name().items())

    # Writes

    def duplicate(self, exc):
        # a name taken in the org: 422 conflict
        return exc.status == 422 and exc.code == 'conflict'

    def create_or_find(self, body):
        try:
            return super().create_or_find(body)
        except InfluxDBError as exc:
            if exc.status == 404 and exc.code is not None and 'organization' in (exc.api_message or ''):
                raise exc.reworded('organization with ID %s not found (404 %s: %s): check org_id; nothing was created'
                                   % (self.org_id, exc.code, exc.api_message))
            raise

    # Planning

    def predict(self, want, **options):
        retention = want.get('retention_seconds') or 0
        shard_group = want.get('shard_group_duration_seconds') or shard_group_duration(retention)
        return predict(self.FIELDS, dict(want, retention_seconds=retention, shard_group_duration_seconds=shard_group, type='user'),
                       id=None, org_id=self.org_id)

    def create_body(self, after, want):
        body = super().create_body(after, want)
        if not body.get('description'):
            body.pop('description', None)
        rule = dict(type='expire', everySeconds=after['retention_seconds'])
        if want.get('shard_group_duration_seconds') is not None:
            rule[SHARD_GROUP] = after['shard_group_duration_seconds']
        body['retentionRules'] = [rule]
        return body

    def plan_change(self, current, before, want, **options):
        """An update of what differs. A new retention below the current shard-group duration takes the one the
        server would derive for it, in the same PATCH, unless one is set (the server refuses it alone)."""
        plan = super().plan_change(current, before, want)
        retention, shard_group = want.get('retention_seconds'), want.get('shard_group_duration_seconds')
        new_retention = before['retention_seconds'] if retention is None else retention
        if shard_group is not None and 0 < new_retention < shard_group:
            raise OptionError('shard_group_duration (%d seconds) must not be longer than the retention of bucket %r (%d seconds); '
                              'set retention too' % (shard_group, before['name'], new_retention))
        rule = {}
        if retention is not None and retention != before['retention_seconds']:
            rule[EVERY] = retention
            if shard_group is None and 0 < retention < (before['shard_group_duration_seconds'] or 0):
                shard_group = shard_group_duration(retention)
        if shard_group is not None and shard_group != before['shard_group_duration_seconds']:
            rule[SHARD_GROUP] = shard_group
        if not rule:
            return plan
        after = dict(plan.after, retention_seconds=new_retention)
        if SHARD_GROUP in rule:
            after['shard_group_duration_seconds'] = shard_group
        body = dict(plan.body or {}, retentionRules=[dict(type='expire', **rule)])
        return Plan('update', current, before, after, body)

    def plan(self, current, want, state='present', **options):
        """The engine's plan, refused for a system bucket, and for a bucket that replications use unless
        ``delete_replications``: the server deletes them with it, and the data queued in them."""
        plan = super().plan(current, want, state, **options)
        if plan.changed and plan.before.get('type') == 'system':
            raise OptionError('bucket %r is a system bucket, which is never changed or deleted' % plan.before['name'])
        users = self.users(plan.id) if plan.action == 'delete' and self.users else []
        if users and not self.delete_replications:
            raise OptionError('bucket %r is the local bucket of replication(s) %s, which the server deletes with it, with the '
                              'data queued in them and not yet sent; delete them first, or set delete_replications=true to '
                              'delete them with the bucket (nothing was deleted)' % (plan.before['name'], _names(users)))
        if users:
            plan.warnings.append(replications_lost(plan.before['name'], users))
        return plan

    def verify(self, outcome, plan, **options):
        """After a write, the answer must show each field as it was sent (else the next run would change it again)."""
        if not outcome.after or not plan.body:
            return
        rule = (plan.body.get('retentionRules') or [{}])[0]
        sent = dict(name=plan.body.get('name'), description=plan.body.get('description'),
                    retention_seconds=rule.get(EVERY), shard_group_duration_seconds=rule.get(SHARD_GROUP))
        differ = ['%s %r' % (option, value) for option, value in sent.items() if value is not None and outcome.after[option] != value]
        if differ:
            raise self.client.unexpected_answer('bucket %r with %s, as sent' % (outcome.after['name'], ' and '.join(differ)))


def _names(names):
    return ', '.join(repr(name) for name in names)


def bucket_users(replications: Resource) -> t.Callable[[str], list[str]]:
    """``users(bucket_id)``: the names of the replications whose local bucket that is, sorted; the org's replications
    are listed once, with one request, when it is first called."""
    listed: list[list[dict]] = []

    def users(bucket_id: str) -> list[str]:
        if not listed:
            listed.append(replications.list())
        return sorted(r['name'] for r in listed[0] if r['localBucketID'].lower() == bucket_id.lower())
    return users


def replications_lost(name, users):
    """What deleting bucket ``name`` loses when the replications ``users`` replicate it (a warning, and a diff header)."""
    return ('bucket %r is deleted with its data and with the replication(s) that replicate it, %s: the data queued in them '
            'and not yet sent is lost' % (name, _names(users)))


def loss_notes(buckets, steps):
    """What the deletes of ``steps`` lose with the replications that the server deletes with the buckets (diff headers)."""
    notes = []
    for step in steps:
        users = buckets.users(step.plan.id) if step.plan.action == 'delete' and step.outcome.changed and buckets.users else []
        if users:
            notes.append(replications_lost(step.name, users))
    return notes


def check_buckets(items, option='buckets'):
    """Check every item of a list of buckets (influx_buckets' ``buckets``, or the ``option`` of another module)
    before any request; return them as :func:`converge_buckets` wants them: ``(desired, state)`` pairs."""
    desired_list, seen = [], set()
    for index, item in enumerate(items):
        where = '%s[%d].' % (option, index)
        desired = desired_bucket(item, where)
        if desired['name'] in seen:
            raise OptionError('%sname: %r is in %s more than once; each name may appear once' % (where, desired['name'], option))
        seen.add(desired['name'])
        desired_list.append((desired, item.get('state', 'present')))
    return desired_list


class BucketsOutcome(SetOutcome):
    """What converging the set did: the user buckets ``before`` and ``after`` by name, and the ``notes`` of the diff
    (what deletes lose)."""

    def __init__(self, done, before, after, notes):
        super().__init__(done, before, after)
        self.notes = notes


def converge_buckets(run, buckets, desired_list, purge):
    """Converge the user buckets of the org on ``desired_list`` (see :func:`check_buckets`), and with ``purge``
    delete the others; system buckets are left out. One request lists the buckets (per 100)."""
    current = dict((name, bucket) for name, bucket in buckets.by_name().items() if bucket['type'] != 'system')
    steps = [Step(buckets, current.get(desired['name']), desired, state) for desired, state in desired_list]
    declared = set(step.name for step in steps)
    steps += [Step(buckets, current[name], dict(name=name), 'absent') for name in sorted(current) if purge and name not in declared]
    done = converge_set(run, steps, [buckets])
    before, after = before_after(buckets, current, steps)
    return BucketsOutcome(done, before, after, loss_notes(buckets, steps))
