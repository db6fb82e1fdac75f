# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tokens made of every class of character, the ways a server or a proxy may echo one, and
``shows()``, which tells whether any decoding of a text still shows a token."""

from __future__ import annotations

import html
import json
import re
import string

from urllib.parse import quote, quote_plus, unquote, unquote_plus

# Tokens a module accepts (printable ASCII without the space). Each starts with A and ends with Z, so
# that where an echo of it starts and ends is plain.
MODULE_TOKENS = [
    'A' + string.punctuation + 'Z',
    'Ab<c>d&e"f\\g/h\'-tok3nZ',
    'A%41%2x+%u003c;&#60;&amp;\\u0041\\/Z',
]

# Tokens the client must hide too, although no module option takes them (user info, any source).
ANY_TOKENS = MODULE_TOKENS + [
    'A t\u00f6k\u00e9n \u65e5\u672c \U0001F600 \u2028\u2029\u00a0\ufeffZ',
    'A' + ''.join(chr(c) for c in range(0x20)) + '\x7f\x85Z',
    'A<\x00>&\u2028"\\\u00e9+ %;Z',
]


def go_json(text):
    """``text`` in a JSON string as Go's encoding/json writes it: <, >, & and U+2028/U+2029 as \\u escapes."""
    out = []
    for char in text:
        if char in '"\\':
            out.append('\\' + char)
        elif char in '\n\r\t':
            out.append(json.dumps(char)[1:-1])
        elif ord(char) < 0x20 or char in '<>&\u2028\u2029':
            out.append('\\u%04x' % ord(char))
        else:
            out.append(char)
    return ''.join(out)


def _units(char):
    """The UTF-16 code units of ``char`` (two for a character beyond the BMP)."""
    raw = char.encode('utf-16-be', 'surrogatepass')
    return [int.from_bytes(raw[i:i + 2], 'big') for i in range(0, len(raw), 2)]


def _every(text, form):
    return ''.join(form(char) for char in text)


def _u_lower(char):
    return ''.join('\\u%04x' % unit for unit in _units(char))


def _u_upper(char):
    return ''.join('\\u%04X' % unit for unit in _units(char))


def _pct_upper(char):
    return ''.join('%%%02X' % byte for byte in char.encode('utf-8'))


def _pct_lower(char):
    return ''.join('%%%02x' % byte for byte in char.encode('utf-8'))


# One character at a time, as the mixes below take them.
CHAR_FORMS = [
    lambda char: char,
    _u_lower,
    _u_upper,
    _pct_upper,
    _pct_lower,
    lambda char: '&#%d;' % ord(char),
    lambda char: '&#x%X;' % ord(char),
    lambda char: json.dumps(char)[1:-1],
    html.escape,
]


def _mix(step):
    def mixed(text):
        return ''.join(CHAR_FORMS[(i * step) % len(CHAR_FORMS)](char) for i, char in enumerate(text))
    return mixed


# How a peer may echo a text it was sent, in one layer of encoding (or a mix of them, a character at a time).
ECHOES = {
    'as sent': lambda text: text,
    'Go JSON': go_json,
    'Python json.dumps': lambda text: json.dumps(text)[1:-1],
    'Python json.dumps ensure_ascii=False': lambda text: json.dumps(text, ensure_ascii=False)[1:-1],
    'JSON with \\/': lambda text: json.dumps(text)[1:-1].replace('/', '\\/'),
    '\\uXXXX lower-case': lambda text: _every(text, _u_lower),
    '\\uXXXX upper-case': lambda text: _every(text, _u_upper),
    'Python repr': lambda text: repr(text)[1:-1],
    'Python ascii': lambda text: ascii(text)[1:-1],
    'percent-encoded': lambda text: quote(text, safe=''),
    'percent-encoded, lower-case hex': lambda text: re.sub('%[0-9A-F]{2}', lambda m: m.group().lower(), quote(text, safe='')),
    'percent-encoded as a path': quote,
    'form-encoded': lambda text: quote_plus(text, safe=''),
    'every byte percent-encoded': lambda text: _every(text, _pct_upper),
    'HTML-escaped': html.escape,
    'HTML decimal references': lambda text: _every(text, lambda char: '&#%d;' % ord(char)),
    'HTML hex references': lambda text: _every(text, lambda char: '&#x%x;' % ord(char)),
    'mix 1': _mix(1),
    'mix 2': _mix(2),
    'mix 4': _mix(4),
    'half Go JSON, half percent-encoded': lambda text: go_json(text[:len(text) // 2]) + quote(text[len(text) // 2:], safe=''),
}

# Two layers: a text that held the token, encoded again.
LAYERED = {
    'JSON in JSON': lambda text: json.dumps(json.dumps(text))[1:-1],
    'Go JSON in Go JSON': lambda text: go_json(go_json(text)),
    'percent-encoded Go JSON': lambda text: quote(go_json(text), safe=''),
    'Go JSON of HTML': lambda text: go_json(html.escape(text)),
    'HTML of Python JSON': lambda text: html.escape(json.dumps(text)[1:-1]),
    'percent-encoded twice': lambda text: quote(quote(text, safe=''), safe=''),
    'HTML-escaped twice': lambda text: html.escape(html.escape(text)),
}

EVERY_ECHO = dict(ECHOES, **LAYERED)


def all_echoes(token):
    """One text with ``token`` in every echo, layered ones included."""
    return ' | '.join('%s: %s' % (name, echo(token)) for name, echo in EVERY_ECHO.items())


_BACKSLASH = re.compile(r'\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|.)', re.DOTALL)
_SHORT = {'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v'}


def _unbackslash(text):
    def one(match):
        escape = match.group(1)
        if len(escape) > 1:
            code = int(escape[1:], 16)
            return chr(code) if code <= 0x10ffff else match.group()
        return _SHORT.get(escape, escape)
    text = _BACKSLASH.sub(one, text)
    return text.encode('utf-16-le', 'surrogatepass').decode('utf-16-le', 'surrogatepass')


_DECODINGS = [_unbackslash, unquote, unquote_plus, html.unescape]


def shows(text, token, depth=3):
    """Whether ``text``, or any text got from it by undoing up to ``depth`` encodings, holds ``token``."""
    texts = {text}
    layer = {text}
    for _layer in range(depth):
        layer = {decode(item) for item in layer for decode in _DECODINGS} - texts
        texts |= layer
    return any(token in item or token.replace(' ', '+') in item for item in texts)


def strings_in(value):
    """Every string in a result: values and keys, at any depth."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key)
            yield from strings_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings_in(item)


def leaks(value, token):
    """The strings of ``value`` in which any echo of ``token`` or any decoding of one still shows it."""
    forms = set(echo(token) for echo in EVERY_ECHO.values())
    return [text for text in strings_in(value) if shows(text, token) or any(form in text for form in forms)]
