# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Checks of single values (IDs, names, URLs, tokens, numbers), shared by the connection options and
the resources. Each returns the value as it is to be used, or raises :class:`OptionError` naming the
option; none shows a value that may be a secret.
"""

from __future__ import annotations

import math
import re

from urllib.parse import urlsplit

from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import OptionError


ID_RE = re.compile(r'^[0-9a-fA-F]{16}$')


def check_id(value, option):
    """Check that ``value`` is an InfluxDB ID; return it lower-cased (as the server stores it)."""
    if not isinstance(value, str) or not ID_RE.match(value):
        raise OptionError('%s must be an InfluxDB ID of 16 hexadecimal characters, got %r' % (option, value))
    if int(value, 16) == 0:
        raise OptionError('%s must not be all zeros: %r is not a valid InfluxDB ID' % (option, value))
    return value.lower()


# Printable ASCII without the space: what an InfluxDB token is made of, and what an HTTP header
# value can carry without being rejected or re-encoded.
_TOKEN_CHARACTERS = frozenset(chr(c) for c in range(0x21, 0x7f))
NOT_SHOWN = 'the value is not shown'


def check_token(value, option):
    """Return ``value`` without surrounding white space (a vaulted or block-scalar token ends in a
    new line); raise :class:`OptionError` when what is left cannot be a token.

    InfluxDB tokens never contain white space, and a header value cannot hold a control
    character. The message names ``option`` and never shows the value.
    """
    token = value.strip() if isinstance(value, str) else ''
    if not token:
        raise OptionError('%s must not be empty' % option)
    bad = [c for c in token if c not in _TOKEN_CHARACTERS]
    if bad:
        kinds = sorted(set('white space' if c.isspace() else 'a control character' if ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0
                           else 'a character outside ASCII' for c in bad))
        raise OptionError('%s holds %s inside it, which no InfluxDB token does and no HTTP header can carry; '
                          'check how it is stored (%s)' % (option, ' and '.join(kinds), NOT_SHOWN))
    return token


def _url_problem(value, base):
    if '@' in value:
        return 'it contains @: user info (user:password@) is not supported, InfluxDB authenticates with a token'
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7f for c in value):
        return 'it contains white space or a control character'
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        # Python's own reason (such as "Port out of range 0-65535"); a value with user info never gets here
        return str(exc)
    if parts.scheme.lower() not in ('http', 'https'):
        return 'the scheme must be http or https'
    if not parts.hostname:
        return 'it has no host'
    if port is not None and not 0 < port < 65536:
        return 'the port is out of range'
    if base and ('?' in value or '#' in value):
        return ('it has a query string or a fragment; a base URL is scheme, host, optional port and path prefix '
                '(such as https://proxy.example.com/influxdb)')
    return None


def check_http_url(value, option, base=False):
    """Check that ``value`` is an absolute http(s) URL with a host and no user info; return it unchanged.

    With ``base``, ``value`` is where the API lives (``host``): it may have a path prefix but no
    query string or fragment. A value that holds ``@`` is never shown, as it may hold a password.
    """
    problem = _url_problem(value, base) if isinstance(value, str) else 'it is not a string'
    if problem:
        hidden = isinstance(value, str) and '@' in value
        shown = NOT_SHOWN if hidden else 'got %r' % (value,)
        # what may be user info: all between the scheme and the last @
        secrets = [value.partition('://')[2].rpartition('@')[0] or value.rpartition('@')[0]] if hidden else []
        raise OptionError('%s must be an absolute http:// or https:// URL with a host, %s: %s' % (option, shown, problem),
                          secrets=secrets)
    return value


def check_name(value, option='name'):
    if value is None or not value.strip():
        raise OptionError('%s must not be empty or only white space' % option)
    return value


class Range:
    """The numbers an option takes: from ``low`` to ``high`` (``None``: no bound), ``low`` itself
    excluded with ``above``, and the numbers of ``also`` besides. ``note`` says what the bounds mean.
    NaN and the infinities are in no range, and a boolean is no number.
    """

    def __init__(self, low=None, high=None, above=False, also=(), note=None):
        self.low = low
        self.high = high
        self.above = above
        self.also = tuple(also)
        self.note = note

    def __contains__(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if value in self.also:
            return True
        if isinstance(value, float) and not math.isfinite(value):
            return False
        return ((self.low is None or (value > self.low if self.above else value >= self.low))
                and (self.high is None or value <= self.high))

    def describe(self, kind):
        """The range in words, for an option of type ``kind`` (``int`` or ``float``)."""
        if self.low is not None and self.high is not None and not self.above:
            ends = 'from %s to %s' % (self.low, self.high)
        else:
            ends = ' and '.join(([] if self.low is None else ['%s %s' % ('greater than' if self.above else 'at least', self.low)])
                                + ([] if self.high is None else ['at most %s' % self.high]))
        noun = 'an integer' if kind == 'int' else 'a number' if ends else 'a finite number'
        text = ''.join('%s or ' % value for value in self.also) + noun + (' ' + ends if ends else '')
        return text + (' (%s)' % self.note if self.note else '')


INT64_MIN, INT64_MAX = -2 ** 63, 2 ** 63 - 1
# What an integer option takes unless its range is narrower: the API stores integers as int64.
INT64 = Range(INT64_MIN, INT64_MAX, note='a 64-bit integer, as the server stores it')
# What a float option takes unless its range is narrower.
FINITE = Range()
NUMBER_TYPES = dict(int=INT64, float=FINITE)


def check_number(value, option, allowed, kind):
    """Check that ``value`` (of an option of type ``kind``) is in the :class:`Range` ``allowed``; return it."""
    if value not in allowed:
        raise OptionError('%s must be %s, got %r' % (option, allowed.describe(kind), value))
    return value


def check_numbers(params, spec, ranges, where=''):
    """Check every number that ``params`` holds for an option of the argument spec ``spec``, suboptions and list
    elements included, against its :class:`Range` in ``ranges`` (by option name; an integer without one against
    :data:`INT64`, a float against :data:`FINITE`).

    The message names the option as ``where`` + its name, an item of a list with its index
    (``remotes[0].replications[1].max_queue_size_bytes``).
    """
    for option, entry in spec.items():
        _check_value(params.get(option), entry.get('type', 'str'), option, entry, ranges, where + option)


def _check_value(value, kind, option, entry, ranges, name):
    if value is None:
        return
    if kind == 'list':
        for index, item in enumerate(value):
            _check_value(item, entry.get('elements', 'str'), option, entry, ranges, '%s[%d]' % (name, index))
    elif kind == 'dict' and entry.get('options'):
        check_numbers(value, entry['options'], ranges, name + '.')
    elif kind in NUMBER_TYPES:
        check_number(value, name, ranges.get(option, NUMBER_TYPES[kind]), kind)
