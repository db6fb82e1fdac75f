# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""The resource engine: what every named object of an org (a remote, a replication, ...) does the
same way, written once.

A kind of object is a subclass of :class:`Resource` that describes it by data (``PATH``,
``LIST_KEY``, ``KIND``, ``IDENTITY``, the :class:`Field` table ``FIELDS``, the write-only
``SECRET``, the list filters ``FILTERS``, ``LEVEL`` for the order of writes in a set, ``DONE`` for
its result lists) and overrides a hook only where it differs: ``missing`` (what a create lacks),
``predict`` and ``create_body``, ``plan_change`` (an update, or a replace), ``again`` (the plan
after a lost answer or a race), ``duplicate`` (the API's answer to a name taken already),
``verify`` (a check after the write) and ``verify_predicted`` (its counterpart in check mode).
From that, the engine finds an object by name, plans it (create, update, replace, delete or
none), predicts the outcome and the diff (a secret is never in it), and carries the plan out:
the create that never sends a POST twice blindly, the read-back of a lost answer, the race of
two creates of one name, the delete that was already done.

:class:`Run` carries plans out and verifies them; ``Run.of(check_mode)`` is the only code that
knows whether writes happen: in check mode it gives a :class:`DryRun`, which returns each plan's
prediction and calls ``verify_predicted``. :func:`converge_set` converges a declared set, of one
kind or of parents and children (remotes and their replications), every plan made before the
first write.

Adding a kind (a label, say) takes one file, with its table and only the hooks that are its own
(``_remotes.py`` and ``_buckets.py`` are complete examples)::

    class Labels(Resource):
        PATH, LIST_KEY, KIND = '/api/v2/labels', 'labels', 'label'
        FIELDS = (Field('id', 'id', create=False, update=False), Field('org_id', 'orgID', is_id=True, update=False),
                  Field('name', 'name'))
        FILTERS = dict(name='name')

and a module that builds ``Labels(client, org_id)`` and ``Run.of(module.check_mode)``, and calls
:func:`converge_one` (or :func:`converge_set` with one :class:`Step` per declared label).
"""

from __future__ import annotations

import typing as t

from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxDBError, OptionError, SetError, ValidationError
from ansible_collections.influxops.influxdb2.plugins.module_utils._fields import (
    Field,
    create_body,
    from_api,
    list_problem,
    predict,
    shape_problem,
    update_body,
)
from ansible_collections.influxops.influxdb2.plugins.module_utils._orgs import check_org_id

if t.TYPE_CHECKING:
    from ansible_collections.influxops.influxdb2.plugins.module_utils._client import InfluxDBClient

# The values of a secret's line of a diff, on each side, for an object to which the secret is sent.
# Fixed texts, never derived from a secret; they differ, so that the line shows in the diff.
SECRET_BEFORE = '<not returned by the server>'
SECRET_AFTER = '<sent by this task>'

# The result lists of a set, by the action that fills them.
DONE_KEYS = (('create', 'created'), ('update', 'updated'), ('replace', 'updated'), ('delete', 'deleted'))


def is_unique_violation(exc: InfluxDBError) -> bool:
    """Whether ``exc`` is InfluxDB's answer to a duplicate name: a 500 ``UNIQUE constraint failed``."""
    return exc.status == 500 and 'unique constraint' in (exc.api_message or '').lower()


class Plan:
    """What one object needs: ``action`` is create, update, replace (delete, then create), delete or none.

    ``current`` is the object as the API sent it (``None`` for none); ``before`` and ``after`` are
    its module form before and after (``{}`` for none, never a secret); ``body`` is the create or
    PATCH body (it may hold a secret: never return or log it); ``warnings`` are for the user,
    whatever the mode.
    """

    def __init__(self, action: str, current: dict | None, before: dict, after: dict, body: dict | None = None,
                 warnings: t.Iterable[str] = ()) -> None:
        self.action = action
        self.current = current
        self.before = before
        self.after = after
        self.body = body
        self.warnings = list(warnings)

    @property
    def changed(self) -> bool:
        return self.action != 'none'

    @property
    def id(self) -> str | None:
        return self.before.get('id')


class Outcome:
    """What converging one object did (or, in check mode, would do).

    ``answer`` is the object as the server last sent it (the prediction's: the object found, for
    an update or none; ``None`` for a create); ``secret_sent`` tells whether the write-only secret
    was sent to it; ``validated`` is what :meth:`Resource.verify` found.
    """

    def __init__(self, changed: bool, before: dict, after: dict, answer: dict | None = None, secret_sent: bool = False) -> None:
        self.changed = changed
        self.before = before
        self.after = after
        self.answer = answer
        self.secret_sent = secret_sent
        self.validated: bool | None = None


class Resource:
    """One kind of named object of an org, and the requests made for it (see the module docstring).

    ``client`` is the :class:`InfluxDBClient`; ``org_id`` the org; ``org_confirmed`` whether the
    org is known to exist (looked up by name): otherwise it is checked before a create, since the
    API does not check it.
    """

    PATH: t.ClassVar[str] = ''
    LIST_KEY: t.ClassVar[str] = ''
    KIND: t.ClassVar[str] = ''
    # what the object is called in a message about an answer's shape, if not KIND
    NOUN: t.ClassVar[str] = ''
    FIELDS: t.ClassVar[tuple[Field, ...]] = ()
    # the option that names an object within the org (the API filters it, or FILTERS maps it to None)
    IDENTITY: t.ClassVar[str] = 'name'
    # the write-only secret: (option, API key), or None
    SECRET: t.ClassVar[tuple[str, str] | None] = None
    # the exact filters of list(): option -> API query key (None: filtered here only)
    FILTERS: t.ClassVar[dict[str, str | None]] = {}
    # the options that a create needs
    CREATE_REQUIRED: t.ClassVar[tuple[str, ...]] = ()
    # parents (0) are created before and deleted after their children (1)
    LEVEL: t.ClassVar[int] = 0
    # the prefix of the names of this kind's result lists in a set (created, updated, deleted)
    DONE: t.ClassVar[str] = ''

    def __init__(self, client: InfluxDBClient, org_id: str, org_confirmed: bool = False) -> None:
        self.client = client
        self.org_id = org_id
        self.org_confirmed = org_confirmed

    # Answers

    def problem(self, value: t.Any) -> str | None:
        """``None`` when ``value`` has the shape of this kind as InfluxDB sends it, else what was expected."""
        return shape_problem(self.FIELDS, self.canonical(value), 'a %s object' % (self.NOUN or self.KIND))

    def canonical(self, value: t.Any) -> t.Any:
        """An answer in the one form the code reads (the API may spell a key two ways)."""
        return value

    def from_api(self, value: dict | None) -> dict:
        """The module's form of an API object (``{}`` for none; never a secret)."""
        return from_api(self.FIELDS, self.canonical(value))

    def field(self, option: str) -> Field:
        return next(field for field in self.FIELDS if field.option == option)

    def matches(self, value: dict, **filters: t.Any) -> bool:
        """Whether an API object passes the exact filters that are set (IDs compared lower-cased)."""
        def passes(field: Field, want: t.Any) -> bool:
            return want is None or value.get(field.api) is not None and field.same(value[field.api], want)
        return all(passes(self.field(option), want) for option, want in filters.items())

    # Reads

    def _path(self, object_id: str, *more: str) -> str:
        return '/'.join((self.PATH, self.client.quote(object_id)) + more)

    # t.List in this class: here ``list`` names this method, not the builtin
    def list(self, **filters: t.Any) -> t.List[dict]:
        """The objects of the org, filtered exactly by ``filters`` (:data:`FILTERS`); always a list."""
        query = dict(orgID=self.org_id, **dict((key, filters.get(option) or None) for option, key in self.FILTERS.items() if key))
        found = self.client.get(self.PATH, query, expect=list_problem(self.LIST_KEY, self.problem))[self.LIST_KEY] or []
        # The server filters already; filter again so that a server that ignores a filter cannot mislead us.
        return [self.canonical(value) for value in found if self.matches(self.canonical(value), **filters)]

    def by_name(self) -> dict[str, dict]:
        """Every object of the org, by name: one request."""
        key = self.field(self.IDENTITY).api
        return dict((value[key], value) for value in self.list())

    def find(self, name: str) -> dict | None:
        found = self.list(**{self.IDENTITY: name})
        return found[0] if found else None

    def get(self, object_id: str) -> dict | None:
        try:
            return self.canonical(self.client.get(self._path(object_id), expect=self.problem))
        except InfluxDBError as exc:
            if exc.status == 404:
                return None
            raise

    # Writes

    def _written(self, name: str, answer: t.Any, expected: str) -> dict:
        """The object that a 2xx answer to a write carries; when it carries none, the object read back by name."""
        if self.problem(answer) is None:
            return self.canonical(answer)
        error = self.client.unexpected_answer(expected)
        self.client.warn('%s; reading %s %r back by name' % (error, self.KIND, name))
        current = self.find(name)
        if current is None:
            raise error.reworded('%s; %s %r was read back by name and does not exist' % (error, self.KIND, name))
        return current

    def update(self, name: str, object_id: str, body: dict) -> dict:
        return self._written(name, self.client.patch(self._path(object_id), body), 'the updated %s' % self.KIND)

    def delete(self, object_id: str, name: str) -> bool:
        """Delete an object; return False if it was already gone."""
        try:
            self.client.delete(self._path(object_id))
        except InfluxDBError as exc:
            if exc.status == 404:
                # A 404 on a retry means that an earlier attempt deleted it, though its answer was lost.
                return exc.attempt > 0
            raise
        return True

    def duplicate(self, exc: InfluxDBError) -> bool:
        """Whether ``exc`` is the API's answer to a create of a name that the org has already (a 500 UNIQUE)."""
        return is_unique_violation(exc)

    def create_or_find(self, body: dict) -> tuple[dict, str]:
        """POST ``body`` and return ``(object, how)``: ``how`` is ``created``, ``lost`` (our POST most
        likely created it and its answer was lost: it was found by name) or ``raced`` (the answer to
        a duplicate name, :meth:`duplicate`: another run created the name first, and it was found
        by name)."""
        name = body[self.field(self.IDENTITY).api]
        try:
            answer, found = self.client.create(self.PATH, body, lambda: self.find(name), '%s %r' % (self.KIND, name))
        except InfluxDBError as exc:
            if not self.duplicate(exc):
                raise
            raced = self.find(name)
            if raced is None:
                raise
            return raced, 'raced'
        if found is not None:
            return found, 'lost'
        return self._written(name, answer, 'the created %s' % self.KIND), 'created'

    # Planning: the hooks

    def missing(self, want: dict, **options: t.Any) -> str | None:
        """What a create lacks, as the end of a message (``None`` when nothing)."""
        missing = [option for option in self.CREATE_REQUIRED if want.get(option) is None]
        return ' and '.join(missing) or None

    def predict(self, want: dict, **options: t.Any) -> dict:
        """The object that a create makes from ``want``."""
        return predict(self.FIELDS, want, id=None, org_id=self.org_id)

    def create_body(self, after: dict, want: dict) -> dict:
        body = create_body(self.FIELDS, after)
        if self.SECRET:
            body[self.SECRET[1]] = want[self.SECRET[0]]
        return body

    def create_warnings(self, after: dict) -> t.List[str]:
        return []

    def delete_warnings(self, current: dict) -> t.List[str]:
        return []

    def plan_change(self, current: dict, before: dict, want: dict, **options: t.Any) -> Plan:
        """The plan for an object that exists: an update of what differs, or none."""
        body, after = update_body(self.FIELDS, before, want)
        return Plan('update' if body else 'none', current, before, after, body or None)

    def again(self, found: dict, want: dict, **options: t.Any) -> Plan:
        """The plan for the object found by name after a lost answer or a race (see :meth:`write`)."""
        return self.plan(found, want, **options)

    def conflict(self, again: Plan) -> OptionError:
        """The error for an object that another run created at the same moment, and that differs in what cannot be updated."""
        return OptionError('%s %r was created by another run at the same moment and differs in what cannot be updated; run '
                           'the task again to converge on it' % (self.KIND, again.before[self.IDENTITY]))

    def verify(self, outcome: Outcome, plan: Plan, **options: t.Any) -> None:
        """A check of the object after its write (or after nothing was to write); may set ``outcome.validated``."""

    def verify_predicted(self, outcome: Outcome, plan: Plan, **options: t.Any) -> None:
        """The check of :meth:`verify` in check mode, where nothing was written."""

    # Planning

    def plan(self, current: dict | None, want: dict, state: str = 'present', **options: t.Any) -> Plan:
        """Plan one object. ``current`` is the object as the API sent it (or ``None``); ``want`` maps
        options to values, ``None`` meaning "leave as it is". Raises :class:`OptionError` when the
        object must be created but the options to create it are missing."""
        before = self.from_api(current)
        if state == 'absent':
            return Plan('delete' if current else 'none', current, before, {},
                        warnings=self.delete_warnings(current) if current else ())
        if current:
            return self.plan_change(current, before, want, **options)
        missing = self.missing(want, **options)
        if missing:
            raise OptionError('%s %r does not exist in organization %s; to create it, set %s'
                              % (self.KIND, want[self.IDENTITY], self.org_id, missing))
        after = self.predict(want, **options)
        return Plan('create', None, {}, after, self.create_body(after, want), warnings=self.create_warnings(after))

    def secret_header(self, names: t.Iterable[str]) -> str:
        """The header of the after side of a diff in which the secret of the existing objects ``names`` is replaced."""
        if self.SECRET is None:
            raise AssertionError('only a resource with a SECRET field sends a secret')
        return ("the %s of %s(s) %s is replaced with the task's; the server never returns a token, so whether it differs "
                'is unknown' % (self.SECRET[0], self.KIND, ', '.join(repr(name) for name in names)))

    def diff(self, outcome: Outcome, notes: t.Iterable[str] = ()) -> dict:
        """The diff of one object (see :func:`secret_lines`); ``notes`` go to the header of the after side."""
        before, after = secret_lines(self, outcome.before, outcome.after, outcome.secret_sent)
        replaced = [self.secret_header([outcome.before[self.IDENTITY]])] if outcome.secret_sent and outcome.before else []
        return with_notes(dict(before=before, after=after), replaced + list(notes))

    def sends_secret(self, body: dict | None) -> bool:
        return self.SECRET is not None and self.SECRET[1] in (body or {})

    def predicted(self, plan: Plan) -> Outcome:
        """The outcome that check mode reports for ``plan``."""
        answer = plan.current if plan.action in ('none', 'update') else None
        return Outcome(plan.changed, plan.before, plan.after, answer, self.sends_secret(plan.body))

    def write(self, plan: Plan, want: dict, **options: t.Any) -> Outcome:
        """Make the writes that ``plan`` needs, if any."""
        if plan.action == 'none':
            return Outcome(False, plan.before, plan.after, plan.current)
        if plan.action == 'delete':
            if plan.id is None:
                raise AssertionError('the engine has set plan.id')
            return Outcome(self.delete(plan.id, plan.before[self.IDENTITY]), plan.before, {})
        if plan.action == 'update':
            if plan.id is None or plan.body is None:
                raise AssertionError('the engine has set plan.id and plan.body')
            written = self.update(want[self.IDENTITY], plan.id, plan.body)
            return Outcome(True, plan.before, self.from_api(written), written, self.sends_secret(plan.body))
        if plan.action == 'replace':
            if plan.id is None:
                raise AssertionError('the engine has set plan.id')
            self.delete(plan.id, plan.before[self.IDENTITY])
            outcome = self._create(plan, want, **options)
            outcome.changed, outcome.before = True, plan.before
            return outcome
        return self._create(plan, want, **options)

    def _create(self, plan: Plan, want: dict, **options: t.Any) -> Outcome:
        """POST a new object (the client never sends it twice blindly), and converge on what is there.

        After the answer to a duplicate name (another run created the name first), or a lost answer after
        which the object was found by name, the object found is planned again (:meth:`again`) and
        only what still differs is changed.
        """
        if plan.body is None:
            raise AssertionError('the engine has set plan.body')
        created, how = self.create_or_find(plan.body)
        secret_sent = self.sends_secret(plan.body)
        if how == 'created':
            return Outcome(True, {}, self.from_api(created), created, secret_sent)
        by_us = how == 'lost'
        again = self.again(created, want, **options)
        if again.action not in ('none', 'update'):
            raise self.conflict(again)
        for warning in again.warnings:
            self.client.warn(warning)
        before = {} if by_us else again.before
        secret_sent = (by_us and secret_sent) or self.sends_secret(again.body)
        if not again.changed:
            return Outcome(by_us, before, again.after, created, secret_sent)
        if again.id is None or again.body is None:
            raise AssertionError('the engine has set again.id and again.body')
        written = self.update(want[self.IDENTITY], again.id, again.body)
        return Outcome(True, before, self.from_api(written), written, secret_sent)


class Run:
    """Carries plans out, with writes. ``Run.of(check_mode)`` is the one place that knows whether writes
    happen: in check mode it gives a :class:`DryRun`."""

    #: The errors that :meth:`not_found` put off to the real run (none: this run raises them).
    unresolved: t.Sequence[Exception] = ()

    @staticmethod
    def of(check_mode: bool) -> Run:
        return DryRun() if check_mode else Run()

    def execute(self, resource: Resource, plan: Plan, want: dict, **options: t.Any) -> Outcome:
        return resource.write(plan, want, **options)

    def verify(self, resource: Resource, outcome: Outcome, plan: Plan, **options: t.Any) -> None:
        resource.verify(outcome, plan, **options)

    def not_found(self, client: InfluxDBClient, error: Exception, warning: str) -> None:
        """A name that the task needs does not exist: ``error`` is raised, before any write."""
        raise error


class DryRun(Run):
    """Check mode: each plan's prediction is its outcome, and a name that does not exist yet is
    predicted with no ID, with ``warning`` (an earlier task of the play would have created it);
    ``unresolved`` keeps the error that the real run would raise for it."""

    def __init__(self) -> None:
        self.unresolved: list[Exception] = []

    def execute(self, resource: Resource, plan: Plan, want: dict, **options: t.Any) -> Outcome:
        return resource.predicted(plan)

    def verify(self, resource: Resource, outcome: Outcome, plan: Plan, **options: t.Any) -> None:
        resource.verify_predicted(outcome, plan, **options)

    def not_found(self, client: InfluxDBClient, error: Exception, warning: str) -> None:
        client.warn(warning)
        self.unresolved.append(error)


class Step:
    """One object of a set: its resource, what is wanted, its plan (made at once) and its outcome.

    ``needs`` maps an option of ``want`` to the step of the parent created in the same run whose
    ID it takes, once that step is carried out (in check mode, ``None``: the ID is not known).
    """

    def __init__(self, resource: Resource, current: dict | None, want: dict, state: str = 'present',
                 needs: dict[str, Step] | None = None, **options: t.Any) -> None:
        self.resource = resource
        self.want = want
        self.options = options
        self.needs = needs or {}
        self.plan = resource.plan(current, want, state, **options)
        self.outcome: Outcome | None = None

    @property
    def name(self) -> str:
        return self.want[self.resource.IDENTITY]

    def done_key(self, action: str) -> str:
        return self.resource.DONE + dict(DONE_KEYS)[action]

    def take_ids(self) -> None:
        """Put the IDs of the parents created in this run where this step needs them."""
        for option, parent in self.needs.items():
            # a parent is carried out before its children (write_order)
            if parent.outcome is None:
                raise AssertionError('the engine has set parent.outcome')
            value, key = parent.outcome.after.get('id'), self.resource.field(option).api
            self.want[option] = value
            if self.plan.body and key in self.plan.body:
                self.plan.body[key] = value
            if self.plan.after:
                self.plan.after[option] = value


def prepare(steps: t.Sequence[Step]) -> None:
    """What every run does once its plans are made, before the first write: tell their warnings, and
    confirm the org before a create where it is not known to exist (the API does not check it)."""
    for step in steps:
        for warning in step.plan.warnings:
            step.resource.client.warn(warning)
    # a replace creates the object again in the org where it was found
    creates = [step.resource for step in steps if step.plan.action == 'create']
    if creates and not creates[0].org_confirmed:
        check_org_id(creates[0].client, creates[0].org_id)


def converge_one(run: Run, resource: Resource, current: dict | None, want: dict, state: str = 'present', **options: t.Any) -> Step:
    """Plan one object, carry the plan out and verify it (:meth:`Run.verify`); the step has the
    plan and its outcome."""
    step = Step(resource, current, want, state, **options)
    prepare([step])
    step.outcome = run.execute(resource, step.plan, want, **options)
    run.verify(resource, step.outcome, step.plan, **options)
    return step


def write_order(step: Step) -> tuple[int, int]:
    """Parents created or updated, then children; then children deleted, then parents."""
    level = step.resource.LEVEL
    return (1, -level) if step.plan.action == 'delete' else (0, level)


def result_lists(resources: t.Iterable[Resource]) -> dict[str, list[str]]:
    """The empty result lists of a set of these kinds: created, updated, deleted of each."""
    return dict((resource.DONE + key, []) for resource in resources for key in ('created', 'updated', 'deleted'))


def converge_set(run: Run, steps: list[Step], resources: t.Sequence[Resource]) -> dict[str, list[str]]:
    """Carry out the plans of a set (every plan is made already) in the order of :func:`write_order`, then
    verify each object; return the result lists (``created``, ..., of each of ``resources``).

    A failed write or check raises :class:`SetError` with the writes made and those not made.
    """
    prepare(steps)
    ordered = sorted(steps, key=write_order)
    done = result_lists(resources)
    for index, step in enumerate(ordered):
        step.take_ids()
        try:
            step.outcome = run.execute(step.resource, step.plan, step.want, **step.options)
        except InfluxDBError as exc:
            not_done = result_lists(resources)
            for later in ordered[index:]:
                if later.plan.changed:
                    not_done[later.done_key(later.plan.action)].append(later.name)
            raise SetError(step.name, step.plan.action, exc, done, not_done, kind=step.resource.KIND)
        outcome = step.outcome
        if outcome.changed:
            done[step.done_key('create' if not outcome.before else 'delete' if not outcome.after else 'update')].append(step.name)
    for step in steps:
        if step.outcome is None:
            raise AssertionError('the engine has set step.outcome')
        if step.outcome.after:
            try:
                run.verify(step.resource, step.outcome, step.plan, **step.options)
            except ValidationError as exc:
                raise SetError(step.name, 'validation', exc.error, done, result_lists(resources), kind=step.resource.KIND,
                               message='%s (%s)' % (exc.answered, exc.error.api_message or exc.error))
            except InfluxDBError as exc:
                raise SetError(step.name, 'validation', exc, done, result_lists(resources), kind=step.resource.KIND)
    return done


class SetOutcome:
    """What converging a set did: ``done`` (the result lists of :func:`converge_set`) and the objects ``before``
    and ``after``; each kind of set adds what its module returns besides."""

    def __init__(self, done: dict[str, list[str]], before: t.Any, after: t.Any) -> None:
        self.done = done
        self.before = before
        self.after = after

    @property
    def changed(self) -> bool:
        return any(self.done.values())


def before_after(resource: Resource, current: dict[str, dict], steps: t.Iterable[Step]) -> tuple[dict, dict]:
    """The objects of one kind before and after a set, by name (never a secret)."""
    before = dict((name, resource.from_api(value)) for name, value in current.items())
    after = dict(before)
    for step in steps:
        if step.resource is not resource:
            continue
        if step.outcome is None:
            raise AssertionError('the engine has set step.outcome')
        if step.outcome.after:
            after[step.name] = step.outcome.after
        else:
            after.pop(step.name, None)
    return before, after


def secret_lines(resource: Resource, before: dict, after: dict, sent: bool) -> tuple[dict, dict]:
    """``before`` and ``after`` of an object, each with a line for the secret if it is ``sent`` to it.

    The secret is never shown, nor anything made from it: the line holds :data:`SECRET_BEFORE` on
    the before side (if the object exists) and :data:`SECRET_AFTER` on the after side.
    """
    if not sent:
        return before, after
    if resource.SECRET is None:
        raise AssertionError('only a resource with a SECRET field sends a secret')
    option = resource.SECRET[0]
    return dict(before, **{option: SECRET_BEFORE}) if before else before, dict(after, **{option: SECRET_AFTER})


def diff(resource: Resource, before: dict, after: dict, secret_sent: t.Iterable[str], notes: t.Iterable[str] = ()) -> dict:
    """The diff of a set of one kind (by name) whose secret is sent to the objects ``secret_sent``;
    ``notes`` go to the header of the after side, after the one that names the secrets replaced."""
    secret_sent = list(secret_sent)
    shown_before, shown_after = dict(before), {}
    for name, value in after.items():
        old, shown_after[name] = secret_lines(resource, before.get(name, {}), value, name in secret_sent)
        if old:
            shown_before[name] = old
    replaced = [name for name in secret_sent if name in before]
    return with_notes(dict(before=shown_before, after=shown_after), ([resource.secret_header(replaced)] if replaced else []) + list(notes))


def with_notes(diff: dict, notes: t.Iterable[str]) -> dict:
    """``diff`` with ``notes`` in the header of its after side."""
    notes = [note for note in notes if note]
    if notes:
        diff['after_header'] = '; '.join(notes)
    return diff
