# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Field tables: one per resource, from which its API <-> module mapping, the check of an answer's
shape, the predicted state, the create body and the PATCH body are all derived."""

from __future__ import annotations


class Field:
    """One field of a resource.

    ``option`` is the module's snake_case name, ``api`` the API's key, ``kind`` its JSON type
    (``str``, ``bool``, ``int`` or ``list``). ``nullable``: null or absent in an answer is fine (``default`` is then
    returned, if set). ``is_id``: an InfluxDB ID, compared and written lower-cased. ``create`` /
    ``update``: sent in a create / PATCH body.
    """

    def __init__(self, option, api, kind=str, nullable=False, is_id=False, default=None, create=True, update=True):
        self.option = option
        self.api = api
        self.kind = kind
        self.nullable = nullable
        self.is_id = is_id
        self.default = default
        self.create = create
        self.update = update

    def normalize(self, value):
        """A value as the server stores it."""
        if value is None:
            return self.default
        return value.lower() if self.is_id else value

    def same(self, have, want):
        if self.is_id and have is not None:
            return have.lower() == want.lower()
        return have == want


KIND_NAMES = {bool: 'a boolean', int: 'an integer', list: 'a list'}


def shape_problem(fields, value, what):
    """``None`` when ``value`` is an object with every field of ``fields`` as InfluxDB sends it, else what was expected."""
    if not isinstance(value, dict):
        return what
    for field in fields:
        have = value.get(field.api)
        if have is None and field.nullable:
            continue
        if not isinstance(have, field.kind) or (field.kind is int and isinstance(have, bool)) or (field.option == 'id' and not have):
            return '%s with %s as %s' % (what, field.api, KIND_NAMES.get(field.kind, 'a string'))
    return None


def from_api(fields, value):
    """The module's form of an API object (``{}`` for none)."""
    if not value:
        return {}
    return dict((field.option, field.default if value.get(field.api) is None else value[field.api]) for field in fields)


def predict(fields, desired, **known):
    """The object a create makes from ``desired`` options; ``known`` gives what the server decides (``id``, ...)."""
    return dict((field.option, known[field.option] if field.option in known else field.normalize(desired.get(field.option)))
                for field in fields)


def create_body(fields, after):
    """The API body that creates ``after`` (a predicted object): every field to create that has a value."""
    return dict((field.api, after[field.option]) for field in fields if field.create and after[field.option] is not None)


def update_body(fields, before, desired):
    """``(body, after)``: the PATCH body with the fields of ``desired`` that differ from ``before`` (``None`` = leave)."""
    after = dict(before)
    body = {}
    for field in fields:
        want = desired.get(field.option)
        if not field.update or want is None or field.same(before.get(field.option), want):
            continue
        body[field.api] = after[field.option] = field.normalize(want)
    return body, after


def list_problem(key, item_problem):
    """A shape check for an answer ``{key: [item, ...] or null}`` whose items ``item_problem`` checks."""
    def problem(answer):
        if not isinstance(answer, dict) or key not in answer or not isinstance(answer[key], (list, type(None))):
            return 'an object with %s as a list or null' % key
        for item in answer[key] or []:
            found = item_problem(item)
            if found:
                return 'an object with %s as a list of which each item is %s' % (key, found)
        return None
    return problem
