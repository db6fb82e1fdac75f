# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""A small InfluxDB 2.x HTTP API client on ansible.module_utils.urls (standard library only):
requests, retries, the policy for a POST whose answer was lost, error mapping and secret hiding."""

from __future__ import annotations

import datetime
import functools
import html
import html.entities
import json
import re
import socket
import ssl
import time
import typing as t

from email.utils import parsedate_to_datetime
from http import client as http_client

from urllib.error import HTTPError, URLError
from urllib.parse import quote, unquote, urlencode, urlsplit

from ansible.module_utils.urls import ConnectionError as UrlsConnectionError
from ansible.module_utils.urls import Request, make_context

from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxDBError
from ansible_collections.influxops.influxdb2.plugins.module_utils._version import VERSION_HEADER


def open_url(url: str, method: str, context: ssl.SSLContext | None = None, **kwargs: t.Any) -> t.Any:
    """``ansible.module_utils.urls.open_url`` with the SSL ``context`` of the client: made once per client rather
    than once per request (with the certificate authorities of the system read each time)."""
    return Request().open(method, url, context=context, **kwargs)


if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from email.message import Message

    # what a request's ``expect`` returns: None when the answer has the expected shape, else what was expected
    Expect = Callable[[t.Any], t.Optional[str]]


USER_AGENT = 'ansible-influxops.influxdb2'
SNIPPET_LENGTH = 200


# Answers after which a request may be sent again: the server did not (or may not) act on it.
RETRY_STATUSES = frozenset([429, 502, 503, 504])
# The longest wait between two attempts, whatever Retry-After says.
MAX_RETRY_DELAY = 60.0


HIDDEN = '********'

# Characters with a short backslash escape in the string literals of JSON, Go, Python or JavaScript.
_SHORT_ESCAPES = {'"': '"', '\\': '\\', '/': '/', "'": "'", '\a': 'a', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't',
                  '\v': 'v'}
_UNESCAPES = dict((escape, char) for char, escape in _SHORT_ESCAPES.items())
_BACKSLASH_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|x([0-9a-fA-F]{2})|(.))', re.DOTALL)
# A text without any of these characters holds a secret only as it is.
_ENCODED = re.compile(r'[\\%&+]')
# How many layers of encoding are undone when looking for a secret that no single form matched.
MAX_LAYERS = 3


@functools.lru_cache(maxsize=None)
def _entity_names() -> dict[str, list[str]]:
    """The names of the HTML character references of each character, such as ``['LT', 'LT;', 'lt', 'lt;']`` for ``<``."""
    names: dict[str, list[str]] = {}
    for name, value in html.entities.html5.items():
        names.setdefault(value, []).append(name)
    return names


def _hex(number: int, digits: int = 1) -> str:
    """``number`` in at least ``digits`` hexadecimal digits, in either case."""
    text = '%0*x' % (digits, number)
    return '(?i:%s)' % text if text.strip('0123456789') else text


def _char_pattern(char: str) -> str:
    """A regular expression for ``char`` as it is or escaped in any way a JSON, HTTP or HTML peer may write it."""
    code = ord(char)
    units = char.encode('utf-16-be', 'surrogatepass')
    # JSON, Go, Python, JavaScript: \u and each UTF-16 code unit (a surrogate pair beyond U+FFFF), \U, \x, \n and the like
    backslash = ['u' + r'\\u'.join(_hex(int.from_bytes(units[i:i + 2], 'big'), 4) for i in range(0, len(units), 2)),
                 'U' + _hex(code, 8)]
    if code < 0x100:
        backslash.append('x' + _hex(code, 2))
    if char in _SHORT_ESCAPES:
        backslash.append(re.escape(_SHORT_ESCAPES[char]))
    # HTML character references: by number, with or without the semicolon, and by name
    references = ['#(?:0*%d|[xX]0*%s);?' % (code, _hex(code))] + [re.escape(name) for name in _entity_names().get(char, ())]
    forms = [
        re.escape(char),
        r'\\(?:%s)' % '|'.join(backslash),
        # percent-encoded UTF-8, also percent-encoded again (%253C)
        ''.join('%(?:25)*' + _hex(byte, 2) for byte in char.encode('utf-8', 'surrogatepass')),
        '&(?:%s)' % '|'.join(references),
    ]
    if char == ' ':
        forms.append(r'\+')
    return '(?:%s)' % '|'.join(forms)


def secret_pattern(secret: str) -> str:
    """A regular expression for ``secret`` written in any mix of the forms of its characters."""
    return ''.join(_char_pattern(char) for char in secret)


def _unescape(match: re.Match[str]) -> str:
    unit, code, byte, char = match.groups()
    if char is not None:
        return _UNESCAPES.get(char, match.group())
    code = int(unit or code or byte, 16)
    return chr(code) if code <= 0x10ffff else match.group()


def _unbackslash(text: str) -> str:
    """``text`` with its backslash escapes undone (a surrogate pair joined into one character)."""
    text = _BACKSLASH_ESCAPE.sub(_unescape, text)
    return text.encode('utf-16-le', 'surrogatepass').decode('utf-16-le', 'surrogatepass')


def _decodings(text: str) -> set[str]:
    """``text`` and every text got from it by undoing up to ``MAX_LAYERS`` encodings, one at a time,
    in any order: backslash escapes, percent-encoding, HTML character references."""
    texts = layer = {text}
    for _layer in range(MAX_LAYERS):
        layer = set(decode(item) for item in layer if _ENCODED.search(item) for decode in (_unbackslash, unquote, html.unescape))
        layer -= texts
        if not layer:
            break
        texts = texts | layer
    return texts


class Secrets:
    """The secrets to hide, and :meth:`hide`, which hides them in a text in every form a JSON, HTTP
    or HTML peer may write them: as they are, with backslash escapes as JSON, Go, Python or
    JavaScript write them (``\\u003c``, ``\\U0001f600``, ``\\x3c``, ``\\"``, ``\\/``, in either
    case), percent-encoded (``%3C``, ``%3c``, ``+`` for a space, ``%253C``) or as HTML character
    references (``&lt;``, ``&#60;``, ``&#x3C;``), and any mix of these, a character at a time. A
    text in which a secret still shows once up to ``MAX_LAYERS`` layers of these encodings are
    undone (such as JSON in JSON) is hidden whole.
    """

    def __init__(self) -> None:
        self._secrets: list[str] = []
        self._pattern: re.Pattern[str] | None = None

    def add(self, secret: str | None) -> None:
        if secret and secret not in self._secrets:
            self._secrets = sorted(self._secrets + [secret], key=len, reverse=True)
            self._pattern = None

    def hide(self, text: str) -> str:
        if not self._secrets:
            return text
        if _ENCODED.search(text):
            if self._pattern is None:
                self._pattern = re.compile('|'.join(secret_pattern(secret) for secret in self._secrets))
            text = self._pattern.sub(HIDDEN, text)
        else:
            for secret in self._secrets:
                text = text.replace(secret, HIDDEN)
        try:
            return HIDDEN if any(self._shown(decoded) for decoded in _decodings(text)) else text
        except ValueError:
            # a text that cannot be decoded (such as a character reference of 5000 digits) cannot be checked
            return HIDDEN

    def _shown(self, text: str) -> bool:
        return any(secret in text or secret.replace(' ', '+') in text for secret in self._secrets)

    def hide_in(self, value: t.Any) -> t.Any:
        """``value`` with every secret hidden in each string it holds, at any depth (keys are kept)."""
        if isinstance(value, str):
            return self.hide(value)
        if isinstance(value, dict):
            return dict((key, self.hide_in(item)) for key, item in value.items())
        if isinstance(value, (list, tuple)):
            return type(value)(self.hide_in(item) for item in value)
        return value


def _without_tokens(value: t.Any) -> t.Any:
    """A decoded JSON answer with the value of every ``token`` key, at any depth, hidden."""
    if isinstance(value, dict):
        return dict((key, HIDDEN if key == 'token' and item else _without_tokens(item)) for key, item in value.items())
    if isinstance(value, list):
        return [_without_tokens(item) for item in value]
    return value


def _snippet(text: str, hide: Callable[[str], str]) -> str:
    """``text`` on one line, its secrets hidden (before and after its white space is squeezed), cut short."""
    text = hide(' '.join(hide(text).split()))
    if len(text) > SNIPPET_LENGTH:
        text = text[:SNIPPET_LENGTH] + '...'
    return text or '(empty body)'


VERIFY_HINT = ': set ca_path to the CA that signed its certificate, or validate_certs=false if you trust it'
HANDSHAKE_HINT = (': if the server (or a proxy in front of it) asks for a client certificate, set client_cert and client_key;'
                  ' also check that host speaks HTTPS on that port')


def _transport_failure(exc: BaseException) -> tuple[str, bool, bool]:
    """``(reason, maybe_applied, retryable)`` for a failure below HTTP."""
    # URLError wraps the real failure in .reason; an ssl.SSLError raised directly (as when a TLS 1.3
    # server's alert arrives while the answer is read) has a .reason too, but it is a text.
    reason = exc.reason if isinstance(exc, URLError) and isinstance(exc.reason, BaseException) else exc
    if isinstance(reason, ssl.SSLCertVerificationError):
        text = 'TLS certificate verification failed (%s)' % (getattr(reason, 'verify_message', None) or reason)
        return text + VERIFY_HINT, False, False
    if isinstance(reason, ssl.SSLError):
        return 'TLS error (%s)%s' % (reason, HANDSHAKE_HINT), False, False
    if isinstance(reason, socket.timeout):
        return 'timed out', True, True
    if isinstance(reason, socket.gaierror):
        return 'the name could not be resolved (%s)' % (reason.strerror or reason), False, True
    if isinstance(reason, (FileNotFoundError, PermissionError, IsADirectoryError)):
        return 'cannot read %s (%s)' % (reason.filename, reason.strerror), False, False
    if isinstance(reason, ConnectionRefusedError):
        return 'connection refused', False, True
    if isinstance(reason, (ConnectionError, http_client.HTTPException)):
        return 'the connection was lost before a complete answer (%s)' % (reason.__class__.__name__), True, True
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror, True, True
    return str(reason) or reason.__class__.__name__, True, True


def _retry_after(headers: Message | None) -> float | None:
    """Seconds from a Retry-After header (a number of seconds or an HTTP date), or None."""
    value = headers.get('Retry-After') if headers else None
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when: datetime.datetime | None = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds())


class InfluxDBClient:
    """Sends requests to one InfluxDB server and decodes its answers.

    Every method returns the decoded JSON body (``None`` for an empty body) or raises
    :class:`InfluxDBError`. Requests that fail in a way that may pass are sent again, up to
    ``retries`` times, waiting ``retry_backoff * 2 ** n`` seconds (or what ``Retry-After`` says,
    at most 60 s); ``warn`` is called with a line for each retry. A POST is sent again only
    when the server cannot have acted on it. ``request_count`` counts the HTTP requests sent.
    ``server_version`` is the server's version as the last answer that carried an
    ``X-Influxdb-Version`` header reported it (errors included), ``None`` until one did.

    ``expect``, where given, checks the decoded answer: it returns ``None`` when the answer has
    the shape the caller relies on, else what was expected; the request then fails with that
    and a snippet of the body. No text that comes from elsewhere (an answer, an exception)
    reaches a message before every secret (the token, and those added with
    :meth:`add_secret`) is hidden in it, whatever form it takes there.
    """

    def __init__(self, host: str, token: str, validate_certs: bool = True, ca_path: str | None = None, timeout: float = 10.0,
                 client_cert: str | None = None, client_key: str | None = None, retries: int = 0, retry_backoff: float = 1.0,
                 warn: Callable[[str], None] | None = None, sleep: Callable[[float], None] | None = None,
                 trace_span: str | None = None) -> None:
        self.base_url = host.rstrip('/')
        self.hostname = urlsplit(host).hostname
        self._token = token
        self.secrets = Secrets()
        self.add_secret(token)
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = timeout
        self.client_cert = client_cert
        self.client_key = client_key
        self.retries = retries
        self.retry_backoff = retry_backoff
        self.warn: Callable[[str], None] = warn or (lambda message: None)
        self.sleep: Callable[[float], None] = sleep or time.sleep
        self.trace_span = trace_span
        self.request_count = 0
        # (method, URL, HTTP status, body) of the last answer
        self.last_answer: tuple[str, str, int, bytes] | None = None
        self.server_version: str | None = None
        self._context: ssl.SSLContext | None = None

    def ssl_context(self) -> ssl.SSLContext:
        """The SSL context of every request, made on first use as ``open_url`` makes it (the system's certificate
        authorities, or ``ca_path``; ``validate_certs``; the client certificate). A plain ``http`` URL never uses it,
        so it gets an empty one."""
        if self._context is None:
            if urlsplit(self.base_url).scheme == 'https':
                self._context = make_context(cafile=self.ca_path, validate_certs=self.validate_certs, client_cert=self.client_cert,
                                             client_key=self.client_key)
            else:
                self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        return self._context

    def add_secret(self, secret: str | None) -> None:
        """Hide ``secret`` (such as a remote's token sent in a body) in every text this client reports."""
        self.secrets.add(secret)

    def hide_secrets(self, text: str) -> str:
        return self.secrets.hide(text)

    def _text(self, raw: bytes) -> str:
        """The snippet of a body, as a person may see it, without any secret.

        A JSON body has the secrets hidden in its decoded strings, and the value of every ``token``
        key (an authorization's token, which a server may list) hidden, before it is written again, so
        that the server's escaping cannot hide a secret from :meth:`hide_secrets`; the text, JSON or
        not, then has them hidden as a whole.
        """
        text = raw.decode('utf-8', errors='replace')
        try:
            text = json.dumps(self.secrets.hide_in(_without_tokens(json.loads(text))), ensure_ascii=False)
        except (ValueError, RecursionError):
            pass
        return _snippet(text, self.hide_secrets)

    @staticmethod
    def quote(value: str) -> str:
        """A value (such as an ID) as one path segment."""
        return quote(value, safe='')

    def url(self, path: str, query: Mapping[str, t.Any] | None = None) -> str:
        url = self.base_url + path
        if query:
            url += '?' + urlencode([(k, v) for k, v in query.items() if v is not None])
        return url

    def request(self, method: str, path: str, query: Mapping[str, t.Any] | None = None, body: t.Any = None,
                expect: Expect | None = None) -> tuple[int, t.Any]:
        """Send a request, again where that is safe; return ``(status, decoded body)`` for a 2xx answer."""
        attempt = 0
        while True:
            try:
                status, data = self._send(method, path, query, body)
                break
            except InfluxDBError as exc:
                exc.attempt = attempt
                if not self.may_retry(exc, attempt) or (method == 'POST' and exc.maybe_applied):
                    raise
                attempt += 1
                self.wait_before_retry(exc, attempt, 'retrying')
        problem = expect(data) if expect is not None else None
        if problem:
            raise self.unexpected_answer(problem)
        return status, data

    def unexpected_answer(self, expected: str) -> InfluxDBError:
        """The error for the last 2xx answer, which is not what InfluxDB sends: ``expected`` says what was."""
        method, url, status, raw = t.cast('tuple[str, str, int, bytes]', self.last_answer)
        return InfluxDBError('%s %s answered HTTP %s with a body that is not what InfluxDB sends (expected %s): %s'
                             % (method, url, status, expected, self._text(raw)), method=method, url=url, status=status)

    def may_retry(self, exc: InfluxDBError, attempt: int) -> bool:
        """Whether a request that failed with ``exc`` on attempt ``attempt`` (from 0) may be tried again."""
        return exc.retryable and attempt < self.retries

    def wait_before_retry(self, exc: InfluxDBError, retry: int, what: str) -> None:
        """Warn about retry number ``retry`` (from 1), then wait as long as the server or the backoff says."""
        delay = exc.retry_after if exc.retry_after is not None else self.retry_backoff * (2 ** (retry - 1))
        delay = min(delay, MAX_RETRY_DELAY)
        self.warn('%s; %s in %.1f s (retry %d of %d)' % (exc, what, delay, retry, self.retries))
        self.sleep(delay)

    def _send(self, method: str, path: str, query: Mapping[str, t.Any] | None, body: t.Any) -> tuple[int, t.Any]:
        url = self.url(path, query)
        headers = {'Authorization': 'Token %s' % self._token, 'Accept': 'application/json'}
        if self.trace_span:
            headers['Zap-Trace-Span'] = self.trace_span
        data = None
        if body is not None:
            data = json.dumps(body).encode('utf-8')
            headers['Content-Type'] = 'application/json; charset=utf-8'
        self.request_count += 1
        try:
            resp = open_url(url, data=data, headers=headers, method=method, validate_certs=self.validate_certs,
                            ca_path=self.ca_path, client_cert=self.client_cert, client_key=self.client_key,
                            timeout=self.timeout, follow_redirects='none', http_agent=USER_AGENT, use_netrc=False, force=True,
                            context=self.ssl_context())
            status, raw = resp.getcode(), resp.read()
            self._note_version(resp.headers)
        except HTTPError as exc:
            status = exc.code
            try:
                raw = exc.read() or b''
            except Exception:  # pylint: disable=broad-except
                raw = b''
            self._note_version(exc.headers)
            self._raise_for_status(method, url, status, raw, exc.headers)
        except (URLError, UrlsConnectionError, OSError, ssl.SSLError, http_client.HTTPException) as exc:
            reason, maybe_applied, retryable = _transport_failure(exc)
            raise InfluxDBError('cannot reach InfluxDB at %s (%s %s): %s' % (self.hostname, method, url, self.hide_secrets(reason)),
                                method=method, url=url, retryable=retryable, maybe_applied=maybe_applied)
        except (ValueError, TypeError) as exc:
            # http.client refuses a header or URL it cannot send, quoting it whole: never show that text.
            raise InfluxDBError('cannot send %s %s: the request could not be built (%s)' % (method, url, exc.__class__.__name__),
                                method=method, url=url)
        self.last_answer = (method, url, status, raw)
        return status, self._decode(method, url, status, raw)

    def _note_version(self, headers: Message | None) -> None:
        """Keep the version an answer's headers report, if they do (see ``server_version``)."""
        value = headers.get(VERSION_HEADER) if headers else None
        if value and value.strip():
            self.server_version = self.hide_secrets(value.strip())

    def _decode(self, method: str, url: str, status: int, raw: bytes) -> t.Any:
        if not raw or not raw.strip():
            return None
        try:
            return json.loads(raw.decode('utf-8'))
        except ValueError:
            raise InfluxDBError('%s %s answered HTTP %s with a body that is not JSON: %s' % (method, url, status, self._text(raw)),
                                method=method, url=url, status=status)

    def _raise_for_status(self, method: str, url: str, status: int, raw: bytes, headers: Message | None) -> t.NoReturn:
        if 300 <= status < 400:
            location = headers.get('Location') if headers else None
            raise InfluxDBError('%s %s was redirected (HTTP %s) to %s: set host to the URL of the InfluxDB API itself'
                                % (method, url, status, self.hide_secrets(location or 'another location')),
                                method=method, url=url, status=status)
        retry = dict(retryable=status in RETRY_STATUSES, maybe_applied=status in RETRY_STATUSES and status != 429,
                     retry_after=_retry_after(headers) if status in RETRY_STATUSES else None)
        try:
            payload = json.loads(raw.decode('utf-8')) if raw.strip() else {}
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise InfluxDBError('%s %s failed with HTTP %s and a body that is not InfluxDB JSON: %s'
                                % (method, url, status, self._text(raw)), method=method, url=url, status=status, **retry)
        code, message = (self.hide_secrets(value) if isinstance(value, str) else None
                         for value in (payload.get('code'), payload.get('message')))
        detail = '%s %s: %s' % (status, code or 'error', message or '(no message)')
        if status == 401:
            text = ('authentication failed (%s) for %s %s: check that token is valid and has permission on this organization'
                    % (detail, method, url))
        elif status == 403:
            text = 'permission denied (%s) for %s %s: the token is not allowed to do this' % (detail, method, url)
        else:
            text = '%s %s failed (%s)' % (method, url, detail)
        raise InfluxDBError(text, method=method, url=url, status=status, code=code, api_message=message, **retry)

    def create(self, path: str, body: t.Any, read_back: Callable[[], t.Any], what: str) -> tuple[t.Any, t.Any]:
        """POST ``body`` to ``path`` and return ``(answer, None)``; never send the POST again blindly.

        After a failure after which the server may have created the object (a timeout, a lost
        connection, a gateway error), and while retries are left, wait as for a retry and call
        ``read_back()``: when it finds the object, return ``(None, object)``; otherwise POST again.
        ``what`` names the object in the warnings, such as ``remote 'central'``.
        """
        attempt = 0
        while True:
            try:
                return self.post(path, body), None
            except InfluxDBError as exc:
                if not (exc.maybe_applied and self.may_retry(exc, attempt)):
                    raise
                attempt += 1
                self.wait_before_retry(exc, attempt, 'reading %s back before creating it again' % what)
            found = read_back()
            if found is not None:
                return None, found

    def get(self, path: str, query: Mapping[str, t.Any] | None = None, expect: Expect | None = None) -> t.Any:
        return self.request('GET', path, query=query, expect=expect)[1]

    def post(self, path: str, body: t.Any) -> t.Any:
        return self.request('POST', path, body=body)[1]

    def patch(self, path: str, body: t.Any) -> t.Any:
        return self.request('PATCH', path, body=body)[1]

    def delete(self, path: str) -> t.Any:
        return self.request('DELETE', path)[1]
