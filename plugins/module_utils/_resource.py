# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""What every named resource of an org (remotes, replications) does the same way: get by ID,
find by name, create without sending a POST twice blindly, believe a write's answer only when
it has the resource's shape, delete, and converge after a UNIQUE race."""

from __future__ import annotations

from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxDBError


def is_unique_violation(exc):
    """Whether ``exc`` is InfluxDB's answer to a duplicate name: a 500 ``UNIQUE constraint failed``."""
    return exc.status == 500 and 'unique constraint' in (exc.api_message or '').lower()


class ResourceService:
    """The requests made for one kind of resource, on top of :class:`InfluxDBClient`.

    A subclass sets ``PATH`` (such as ``/api/v2/remotes``) and ``KIND`` (``remote``), and
    defines ``list(org_id, name=None, ...)`` and ``problem(value)`` (the shape check of one
    object, ``None`` when it fits); ``canonical(value)`` may normalize an answer.
    """

    PATH = None
    KIND = None

    def __init__(self, client):
        self.client = client

    def problem(self, value):
        raise NotImplementedError

    def canonical(self, value):
        return value

    def _path(self, object_id, *more):
        return '/'.join((self.PATH, self.client.quote(object_id)) + more)

    def find(self, org_id, name):
        found = self.list(org_id, name=name)
        return found[0] if found else None

    def get(self, object_id):
        try:
            return self.canonical(self.client.get(self._path(object_id), expect=self.problem))
        except InfluxDBError as exc:
            if exc.status == 404:
                return None
            raise

    def create(self, org_id, body):
        """``(object, whether it was found by name after a lost answer)``."""
        name = body['name']
        answer, found = self.client.create(self.PATH, body, lambda: self.find(org_id, name), '%s %r' % (self.KIND, name))
        if found is not None:
            return found, True
        return self._written(org_id, name, answer, 'the created %s' % self.KIND), False

    def update(self, org_id, name, object_id, body):
        return self._written(org_id, name, self.client.patch(self._path(object_id), body), 'the updated %s' % self.KIND)

    def _written(self, org_id, name, answer, expected):
        """The object that a 2xx answer to a write carries; when it carries none, the object read back by name."""
        if self.problem(answer) is None:
            return self.canonical(answer)
        error = self.client.unexpected_answer(expected)
        self.client.warn('%s; reading %s %r back by name' % (error, self.KIND, name))
        current = self.find(org_id, name)
        if current is None:
            raise error.reworded('%s; %s %r was read back by name and does not exist' % (error, self.KIND, name))
        return current

    def delete(self, object_id):
        """Delete an object; return False if it was already gone."""
        try:
            self.client.delete(self._path(object_id))
        except InfluxDBError as exc:
            if exc.status == 404:
                # A 404 on a retry means that an earlier attempt deleted it, though its answer was lost.
                return exc.attempt > 0
            raise
        return True

    def create_or_find(self, org_id, body):
        """POST ``body`` and return ``(object, how)``: ``how`` is ``created``, ``lost`` (our POST most
        likely created it and its answer was lost: it was found by name) or ``raced`` (a 500 UNIQUE
        answer: another run created the name first, and it was found by name)."""
        try:
            created, found = self.create(org_id, body)
        except InfluxDBError as exc:
            if not is_unique_violation(exc):
                raise
            created = self.find(org_id, body['name'])
            if created is None:
                raise
            return created, 'raced'
        return created, 'lost' if found else 'created'
