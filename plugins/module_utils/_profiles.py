# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Read the influx CLI's connection profiles (``~/.influxdbv2/configs``), only when needed.

The file is TOML, one table per profile with ``url``, ``token``, ``org`` and ``active``.
Python 3.11 and newer read it with ``tomllib``; older Pythons read the subset of TOML that
the influx CLI writes (tables, quoted strings, booleans, integers, comments).
"""

from __future__ import annotations

import json
import os
import re
import typing as t

from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import OptionError


_TABLE_RE = re.compile(r'^\[\s*("(?:[^"\\]|\\.)*"|[A-Za-z0-9_-]+)\s*\]\s*(#.*)?$')
_PAIR_RE = re.compile(r'^("(?:[^"\\]|\\.)*"|[A-Za-z0-9_-]+)\s*=\s*(.*)$')
_BASIC_STRING_RE = re.compile(r'^"((?:[^"\\]|\\.)*)"\s*(#.*)?$')
_LITERAL_STRING_RE = re.compile(r"^'([^']*)'\s*(#.*)?$")
_SCALAR_RE = re.compile(r'^(true|false|[+-]?[0-9]+)\s*(#.*)?$')


def _basic_string(text):
    # TOML basic strings use the same escapes as JSON, but for \U########, which profiles never hold.
    return json.loads('"%s"' % text)


def _key(text):
    return _basic_string(text[1:-1]) if text.startswith('"') else text


def parse_toml_subset(text):
    """Parse the TOML that the influx CLI writes; raise ValueError on anything else."""
    data: dict[str, dict[str, t.Any]] = {}
    table: dict[str, t.Any] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        match = _TABLE_RE.match(line)
        if match:
            table = data.setdefault(_key(match.group(1)), {})
            continue
        match = _PAIR_RE.match(line)
        if not match or table is None:
            raise ValueError('line %d is not a profile table or a key = value pair inside one' % number)
        key, value = _key(match.group(1)), match.group(2).strip()
        for pattern, convert in ((_BASIC_STRING_RE, _basic_string), (_LITERAL_STRING_RE, str),
                                 (_SCALAR_RE, lambda v: v == 'true' if v in ('true', 'false') else int(v))):
            found = pattern.match(value)
            if found:
                table[key] = convert(found.group(1))
                break
        else:
            raise ValueError('line %d: a value of this kind needs Python 3.11 or newer to be read' % number)
    return data


def _tomllib():
    """``tomllib`` on Python 3.11+, else None; imported only when a profile file is read."""
    try:
        import tomllib  # pylint: disable=import-outside-toplevel
    except ImportError:  # Python < 3.11
        return None
    return tomllib


def load_toml(text):
    toml = _tomllib()
    return toml.loads(text) if toml is not None else parse_toml_subset(text)


def configs_path(environ):
    return environ.get('INFLUX_CONFIGS_PATH') or os.path.join(os.path.expanduser('~'), '.influxdbv2', 'configs')


class Profiles:
    """The profile to fall back on, read the first time a value is needed.

    ``name`` (the ``influx_config`` option, else ``INFLUX_ACTIVE_CONFIG``) selects a profile by
    name; otherwise the one marked ``active = true`` is used, if any. A missing file or profile
    is an error only when a profile was named; a broken file is an error whenever it is read.
    """

    def __init__(self, name=None, environ=None):
        environ = os.environ if environ is None else environ
        self.name = name or None
        self.path = configs_path(environ)
        self._profile = None

    def describe(self):
        if self.name:
            return 'profile %r in %s' % (self.name, self.path)
        return 'the active profile in %s' % self.path

    def _load(self):
        try:
            with open(self.path, 'rb') as handle:
                raw = handle.read()
        except (IOError, OSError) as exc:
            if self.name is None and not os.path.exists(self.path):
                return {}
            raise OptionError('cannot read the influx CLI profiles in %s: %s' % (self.path, getattr(exc, 'strerror', None) or exc))
        try:
            text = raw.decode('utf-8')
            data = load_toml(text)
        except ValueError as exc:  # tomllib.TOMLDecodeError and UnicodeDecodeError are ValueErrors
            raise OptionError('cannot read the influx CLI profiles in %s: %s' % (self.path, exc))
        profiles = dict((key, value) for key, value in data.items() if isinstance(value, dict))
        if self.name is not None:
            if self.name not in profiles:
                raise OptionError('influx CLI profile %r not found in %s (profiles there: %s)'
                                  % (self.name, self.path, ', '.join(sorted(profiles)) or 'none'))
            return profiles[self.name]
        active = [profile for key, profile in sorted(profiles.items()) if profile.get('active') is True]
        return active[0] if active else {}

    def get(self, key):
        """The profile's value for ``key`` (``url``, ``token`` or ``org``), or None."""
        if self._profile is None:
            self._profile = self._load()
        value = self._profile.get(key)
        if value is not None and not isinstance(value, str):
            raise OptionError('%s: %s must be a string' % (self.describe(), key))
        return value or None
