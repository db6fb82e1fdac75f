"""A small InfluxDB OSS 2.x-compatible HTTP server for tests.

It reproduces, on the wire, the parts of the InfluxDB 2.x API that the
influxops.influxdb2 collection uses: /health, /ping, /api/v2/orgs,
/api/v2/remotes and enough of /api/v2/replications to reference a remote.
Data lives in SQLite (in memory unless --db is given), with tables modelled
on the upstream migrations, so constraint errors carry the same SQLite
messages that a real server returns.

Besides the API it offers a test-only interface under /_test/ (no token
needed, never recorded): the request log, a view of the stored remotes
that shows a SHA-256 of each token instead of the token, and fault rules
that make chosen requests fail (an error status, a delay, a dropped
connection, or an answer lost after the request took effect).

With --tls-cert and --tls-key it serves HTTPS; --client-ca then requires
a client certificate signed by that CA (mutual TLS).

Only the Python standard library is used; Python 3.8 or later.

Usage::

    python3 influxdb_test_server.py --port 0 --token TOKEN --org NAME=ID \\
        [--org NAME=ID ...] [--db PATH] [--read-only-token TOKEN] \\
        [--log-file PATH] [--verbose] \\
        [--tls-cert PATH --tls-key PATH [--client-ca PATH]]

Once listening it prints exactly one line, ``READY http://127.0.0.1:<port>``
(``https://`` with TLS).
"""

import argparse
import datetime
import hashlib
import hmac
import json
import re
import secrets
import signal
import socket
import sqlite3
import ssl
import sys
import threading
import time
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

SERVER_VERSION = "v2.7.12"
SERVER_COMMIT = "test-server"

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"

# InfluxDB error codes and the HTTP status each one maps to.
E_INTERNAL = "internal error"
E_NOT_IMPLEMENTED = "not implemented"
E_NOT_FOUND = "not found"
E_CONFLICT = "conflict"
E_INVALID = "invalid"
E_UNPROCESSABLE = "unprocessable entity"
E_EMPTY_VALUE = "empty value"
E_UNAVAILABLE = "unavailable"
E_FORBIDDEN = "forbidden"
E_TOO_MANY_REQUESTS = "too many requests"
E_UNAUTHORIZED = "unauthorized"
E_METHOD_NOT_ALLOWED = "method not allowed"
E_TOO_LARGE = "request too large"

STATUS_BY_CODE = {
    E_INTERNAL: 500,
    E_NOT_IMPLEMENTED: 501,
    E_NOT_FOUND: 404,
    E_CONFLICT: 422,
    E_INVALID: 400,
    E_UNPROCESSABLE: 422,
    E_EMPTY_VALUE: 400,
    E_UNAVAILABLE: 503,
    E_FORBIDDEN: 403,
    E_TOO_MANY_REQUESTS: 429,
    E_UNAUTHORIZED: 401,
    E_METHOD_NOT_ALLOWED: 405,
    E_TOO_LARGE: 413,
}

MIN_QUEUE_SIZE_BYTES = 33554430
DEFAULT_QUEUE_SIZE_BYTES = 2 * MIN_QUEUE_SIZE_BYTES
MIN_MAX_AGE_SECONDS = 60
MAX_MAX_AGE_SECONDS = 5184000

MAX_ORG_PAGE_SIZE = 100
DEFAULT_ORG_PAGE_SIZE = 20

HANDSHAKE_TIMEOUT = 10

ACCESS_ALL = "all"
ACCESS_READ = "read"

SCHEMA = """
CREATE TABLE IF NOT EXISTS remotes (
    id VARCHAR(16) NOT NULL PRIMARY KEY,
    org_id VARCHAR(16) NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    remote_url TEXT NOT NULL,
    remote_api_token TEXT NOT NULL,
    remote_org_id VARCHAR(16),
    allow_insecure_tls BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT remotes_uniq_orgid_name UNIQUE (org_id, name)
);
CREATE INDEX IF NOT EXISTS idx_remote_url_per_org ON remotes (org_id, remote_url);
CREATE TABLE IF NOT EXISTS replications (
    id VARCHAR(16) NOT NULL PRIMARY KEY,
    org_id VARCHAR(16) NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    remote_id VARCHAR(16) NOT NULL,
    local_bucket_id VARCHAR(16) NOT NULL,
    remote_bucket_id VARCHAR(16),
    remote_bucket_name TEXT DEFAULT '',
    max_queue_size_bytes INTEGER NOT NULL,
    max_age_seconds INTEGER NOT NULL,
    latest_response_code INTEGER,
    latest_error_message TEXT,
    drop_non_retryable_data BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT replications_uniq_orgid_name UNIQUE (org_id, name),
    CONSTRAINT replications_one_of_id_name CHECK (remote_bucket_id IS NOT NULL OR remote_bucket_name != ''),
    FOREIGN KEY (remote_id) REFERENCES remotes (id)
);
CREATE INDEX IF NOT EXISTS idx_local_bucket_id_per_org ON replications (org_id, local_bucket_id);
CREATE INDEX IF NOT EXISTS idx_remote_id_per_org ON replications (org_id, remote_id);
"""

REMOTE_COLUMNS = "id, org_id, name, description, remote_url, remote_org_id, allow_insecure_tls"
REPLICATION_COLUMNS = (
    "id, org_id, name, description, remote_id, local_bucket_id, remote_bucket_id, remote_bucket_name, "
    "max_queue_size_bytes, latest_response_code, latest_error_message, drop_non_retryable_data, max_age_seconds"
)

_HEX_ID = re.compile(r"^[0-9a-fA-F]{16}$")


class ApiError(Exception):
    """An InfluxDB platform error: a code (which selects the status) and a message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def parse_id(value):
    """Decode a 16-hex-character ID the way upstream does; return it lower-cased.

    Raises ApiError with the upstream messages: a wrong length, a character
    that is not hexadecimal and the all-zero ID are rejected.
    """
    if len(value.encode("utf-8")) != 16:
        raise ApiError(E_INVALID, "id must have a length of 16 bytes")
    if not _HEX_ID.match(value) or int(value, 16) == 0:
        raise ApiError(E_INVALID, "invalid ID")
    return value.lower()


def try_parse_id(value):
    """Return the lower-cased ID, or None when the value is not a valid ID."""
    try:
        return parse_id(value)
    except ApiError:
        return None


def new_id():
    """A random non-zero 16-hex-character ID."""
    while True:
        value = secrets.token_hex(8)
        if int(value, 16) != 0:
            return value


def now_utc():
    """The current time, timezone-aware, in UTC."""
    return datetime.datetime.now(datetime.timezone.utc)


def rfc3339(moment):
    """Format a UTC datetime like Go's time.RFC3339Nano."""
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = ("%06d" % moment.microsecond).rstrip("0")
    if fraction:
        text += "." + fraction
    return text + "Z"


# ---------------------------------------------------------------------------
# JSON in the style of Go's encoding/json
# ---------------------------------------------------------------------------

def _go_escape(text):
    """Apply the HTML-safe escapes that Go's encoder adds to its output."""
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def pretty_json(value):
    """Indent with tabs and no trailing newline, like json.MarshalIndent(v, "", "\\t")."""
    return _go_escape(json.dumps(value, indent="\t", separators=(",", ": "), ensure_ascii=False)).encode("utf-8")


def compact_json(value):
    """Compact form, like json.Marshal."""
    return _go_escape(json.dumps(value, separators=(",", ":"), ensure_ascii=False)).encode("utf-8")


class _JSONObject(list):
    """A decoded JSON object, kept as an ordered list of (key, value) pairs."""


class _FloatLiteral:
    """A JSON number that is not an integer, with its source text."""

    def __init__(self, text):
        self.text = text


class _BadConstant(ValueError):
    """Raised for NaN / Infinity, which Go's decoder does not accept."""

    def __init__(self, text):
        super().__init__(text)
        self.text = text


def _raise_bad_constant(text):
    raise _BadConstant(text)


_DECODER = json.JSONDecoder(object_pairs_hook=_JSONObject, parse_float=_FloatLiteral,
                            parse_constant=_raise_bad_constant)


def _quote_char(char):
    """Render one offending character the way Go's JSON syntax errors do."""
    if char == "'":
        return "'\\''"
    if char == '"':
        return "'\"'"
    specials = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", "\\": "\\\\"}
    if char in specials:
        return "'" + specials[char] + "'"
    code = ord(char)
    if code < 0x20 or code == 0x7f:
        return "'\\x%02x'" % code
    if code > 0x7f:
        return "'\\x%02x'" % char.encode("utf-8", "surrogatepass")[0]
    return "'" + char + "'"


def _innermost_container(text, pos):
    """Return '{' or '[' for the innermost container open at pos (or None)."""
    stack = []
    in_string = False
    escaped = False
    for char in text[:pos]:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append(char)
        elif char in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else None


def _syntax_message(text, error):
    """Translate a Python JSON syntax error into Go's wording."""
    pos = error.pos
    if error.msg.startswith("Unterminated string") or pos >= len(text):
        return "unexpected EOF"
    char = _quote_char(text[pos])
    if error.msg.startswith("Invalid control character"):
        return "invalid character %s in string literal" % char
    if error.msg.startswith("Invalid \\escape") or error.msg.startswith("Invalid \\u"):
        return "invalid character %s in string escape code" % char
    if error.msg.startswith("Expecting property name"):
        return "invalid character %s looking for beginning of object key string" % char
    if error.msg.startswith("Expecting ':'"):
        return "invalid character %s after object key" % char
    if error.msg.startswith("Expecting ','"):
        if _innermost_container(text, pos) == "[":
            return "invalid character %s after array element" % char
        return "invalid character %s after object key:value pair" % char
    literal = {"t": "true", "f": "false", "n": "null"}.get(text[pos])
    if literal is not None:
        for offset, expected in enumerate(literal):
            if pos + offset >= len(text):
                return "unexpected EOF"
            if text[pos + offset] != expected:
                return "invalid character %s in literal %s (expecting '%s')" % (_quote_char(text[pos + offset]), literal, expected)
    if text[pos] == "-":
        if pos + 1 >= len(text):
            return "unexpected EOF"
        return "invalid character %s in numeric literal" % _quote_char(text[pos + 1])
    return "invalid character %s looking for beginning of value" % char


def _json_kind(value):
    """The JSON type name Go uses in UnmarshalTypeError.Value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, _FloatLiteral)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, _JSONObject):
        return "object"
    return "array"


GO_TYPE_NAMES = {"string": "string", "bool": "bool", "int64": "int64", "id": "platform.ID"}


def _convert_field(kind, value):
    """Convert one decoded value for a struct field of the given kind.

    Returns (ok, converted, type_error_value). Invalid IDs raise ApiError
    immediately, as Go's decoder aborts on an UnmarshalText error.
    """
    if kind == "string":
        if isinstance(value, str):
            return True, value, None
        return False, None, _json_kind(value)
    if kind == "bool":
        if isinstance(value, bool):
            return True, value, None
        return False, None, _json_kind(value)
    if kind == "int64":
        if isinstance(value, bool) or not isinstance(value, (int, _FloatLiteral)):
            return False, None, _json_kind(value)
        if isinstance(value, _FloatLiteral):
            return False, None, "number " + value.text
        if -(2 ** 63) <= value < 2 ** 63:
            return True, value, None
        return False, None, "number %d" % value
    # kind == "id"
    if isinstance(value, str):
        try:
            return True, parse_id(value), None
        except ApiError as exc:
            raise ApiError(E_INVALID, "failed to unmarshal json: " + exc.message) from None
    return False, None, _json_kind(value)


def decode_request(body, struct_name, fields):
    """Decode a request body like upstream's kithttp.API.DecodeJSON into a Go struct.

    fields maps each JSON name to (kind, is_pointer). The result holds only the
    keys that were set: for a pointer field an explicit null is kept as None;
    for a plain field a null is ignored (Go leaves the zero value). Keys match
    case-insensitively (an exact match wins), unknown keys are ignored, and
    anything after the first JSON value is not read.
    """
    text = body.decode("utf-8", "replace")
    start = len(text) - len(text.lstrip(" \t\r\n"))
    if start >= len(text):
        raise ApiError(E_INVALID, "failed to unmarshal json: EOF")
    try:
        value, _end = _DECODER.raw_decode(text, start)
    except _BadConstant as exc:
        if exc.text.startswith("-"):
            reason = "invalid character 'I' in numeric literal"
        else:
            reason = "invalid character %s looking for beginning of value" % _quote_char(exc.text[0])
        raise ApiError(E_INVALID, "failed to unmarshal json: " + reason) from None
    except json.JSONDecodeError as exc:
        raise ApiError(E_INVALID, "failed to unmarshal json: " + _syntax_message(text, exc)) from None
    if value is None:
        return {}
    if not isinstance(value, _JSONObject):
        raise ApiError(E_INVALID, "failed to unmarshal json: json: cannot unmarshal %s into Go value of type influxdb.%s"
                       % (_json_kind(value), struct_name))
    lowered = {name.lower(): name for name in fields}
    result = {}
    first_type_error = None
    for key, item in value:
        name = key if key in fields else lowered.get(key.lower())
        if name is None:
            continue
        kind, pointer = fields[name]
        if item is None:
            if pointer:
                result[name] = None
            continue
        ok, converted, bad_value = _convert_field(kind, item)
        if ok:
            result[name] = converted
        elif first_type_error is None:
            go_type = GO_TYPE_NAMES[kind]
            if pointer and kind == "id":
                go_type = "*" + go_type
            first_type_error = "json: cannot unmarshal %s into Go struct field %s.%s of type %s" % (bad_value, struct_name, name, go_type)
    if first_type_error is not None:
        raise ApiError(E_INVALID, "failed to unmarshal json: " + first_type_error)
    return result


CREATE_REMOTE_FIELDS = {
    "orgID": ("id", False),
    "name": ("string", False),
    "description": ("string", True),
    "remoteURL": ("string", False),
    "remoteAPIToken": ("string", False),
    "remoteOrgID": ("id", True),
    "allowInsecureTLS": ("bool", False),
}

UPDATE_REMOTE_FIELDS = {
    "name": ("string", True),
    "description": ("string", True),
    "remoteURL": ("string", True),
    "remoteAPIToken": ("string", True),
    "remoteOrgID": ("id", True),
    "allowInsecureTLS": ("bool", True),
}

CREATE_REPLICATION_FIELDS = {
    "orgID": ("id", False),
    "name": ("string", False),
    "description": ("string", True),
    "remoteID": ("id", False),
    "localBucketID": ("id", False),
    "remoteBucketID": ("id", False),
    "remoteBucketName": ("string", False),
    "maxQueueSizeBytes": ("int64", False),
    "dropNonRetryableData": ("bool", False),
    "maxAgeSeconds": ("int64", False),
}

UPDATE_REPLICATION_FIELDS = {
    "name": ("string", True),
    "description": ("string", True),
    "remoteID": ("id", True),
    "remoteBucketID": ("id", True),
    "remoteBucketName": ("string", True),
    "maxQueueSizeBytes": ("int64", True),
    "dropNonRetryableData": ("bool", True),
    "maxAgeSeconds": ("int64", True),
}


def _check_max_age(value):
    if value != 0 and not MIN_MAX_AGE_SECONDS <= value <= MAX_MAX_AGE_SECONDS:
        raise ApiError(E_INVALID, "maxAgeSeconds must be 0 (use default) or between %d and %d"
                       % (MIN_MAX_AGE_SECONDS, MAX_MAX_AGE_SECONDS))


def _check_queue_size(value):
    if value < MIN_QUEUE_SIZE_BYTES:
        raise ApiError(E_INVALID, "maxQueueSize too small, must be at least %d" % MIN_QUEUE_SIZE_BYTES)


# ---------------------------------------------------------------------------
# Storage
# ---------------------------------------------------------------------------

def remote_to_api(row):
    """The API form of a remotes row (the token is never part of it)."""
    result = {"id": row["id"], "orgID": row["org_id"], "name": row["name"]}
    if row["description"] is not None:
        result["description"] = row["description"]
    result["remoteURL"] = row["remote_url"]
    result["remoteOrgID"] = row["remote_org_id"]
    result["allowInsecureTLS"] = bool(row["allow_insecure_tls"])
    return result


def replication_to_api(row):
    """The API form of a replications row (queue sizes are always 0 here)."""
    result = {"id": row["id"], "orgID": row["org_id"], "name": row["name"]}
    if row["description"] is not None:
        result["description"] = row["description"]
    result["remoteID"] = row["remote_id"]
    result["localBucketID"] = row["local_bucket_id"]
    result["remoteBucketID"] = row["remote_bucket_id"]
    result["RemoteBucketName"] = row["remote_bucket_name"] or ""
    result["maxQueueSizeBytes"] = row["max_queue_size_bytes"]
    result["currentQueueSizeBytes"] = 0
    result["remainingBytesToBeSynced"] = 0
    if row["latest_response_code"] is not None:
        result["latestResponseCode"] = row["latest_response_code"]
    if row["latest_error_message"] is not None:
        result["latestErrorMessage"] = row["latest_error_message"]
    result["dropNonRetryableData"] = bool(row["drop_non_retryable_data"])
    result["maxAgeSeconds"] = row["max_age_seconds"]
    return result


class Store:
    """SQLite storage for remotes and replications; one connection behind one lock."""

    def __init__(self, path):
        self.lock = threading.Lock()
        self.conn = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.conn.executescript(SCHEMA)

    def close(self):
        """Close the database."""
        with self.lock:
            self.conn.close()

    def _one(self, query, args):
        return self.conn.execute(query, args).fetchone()

    def _unused_id(self, table):
        while True:
            candidate = new_id()
            if self._one("SELECT 1 FROM %s WHERE id = ?" % table, (candidate,)) is None:
                return candidate

    # -- remotes ------------------------------------------------------------

    def list_remotes(self, org_id, name=None, remote_url=None):
        """Remotes of one org, optionally filtered by exact name and URL."""
        query = "SELECT %s FROM remotes WHERE org_id = ?" % REMOTE_COLUMNS
        args = [org_id]
        if name is not None:
            query += " AND name = ?"
            args.append(name)
        if remote_url is not None:
            query += " AND remote_url = ?"
            args.append(remote_url)
        with self.lock:
            return [remote_to_api(row) for row in self.conn.execute(query, args)]

    def get_remote(self, remote_id):
        """One remote in API form; ApiError 404 when unknown."""
        with self.lock:
            row = self._one("SELECT %s FROM remotes WHERE id = ?" % REMOTE_COLUMNS, (remote_id,))
        if row is None:
            raise ApiError(E_NOT_FOUND, "remote connection not found")
        return remote_to_api(row)

    def create_remote(self, req):
        """Insert a remote; SQLite constraint errors become 500s with SQLite's message."""
        stamp = rfc3339(now_utc())
        with self.lock:
            remote_id = self._unused_id("remotes")
            try:
                self.conn.execute(
                    "INSERT INTO remotes (id, org_id, name, description, remote_url, remote_api_token, remote_org_id,"
                    " allow_insecure_tls, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (remote_id, req["orgID"], req.get("name", ""), req.get("description"), req.get("remoteURL", ""),
                     req.get("remoteAPIToken", ""), req.get("remoteOrgID"), bool(req.get("allowInsecureTLS", False)),
                     stamp, stamp))
            except sqlite3.Error as exc:
                raise ApiError(E_INTERNAL, str(exc)) from None
            row = self._one("SELECT %s FROM remotes WHERE id = ?" % REMOTE_COLUMNS, (remote_id,))
        return remote_to_api(row)

    def update_remote(self, remote_id, req):
        """Change only the fields that were sent with a non-null value."""
        columns = {"name": "name", "description": "description", "remoteURL": "remote_url",
                   "remoteAPIToken": "remote_api_token", "remoteOrgID": "remote_org_id",
                   "allowInsecureTLS": "allow_insecure_tls"}
        sets = ["updated_at = ?"]
        args = [rfc3339(now_utc())]
        for field, column in columns.items():
            if req.get(field) is not None:
                sets.append("%s = ?" % column)
                args.append(req[field])
        args.append(remote_id)
        with self.lock:
            try:
                cursor = self.conn.execute("UPDATE remotes SET %s WHERE id = ?" % ", ".join(sets), args)
            except sqlite3.Error as exc:
                raise ApiError(E_INTERNAL, str(exc)) from None
            if cursor.rowcount == 0:
                raise ApiError(E_NOT_FOUND, "remote connection not found")
            row = self._one("SELECT %s FROM remotes WHERE id = ?" % REMOTE_COLUMNS, (remote_id,))
        return remote_to_api(row)

    def delete_remote(self, remote_id):
        """Delete a remote; a replication that references it makes this fail."""
        with self.lock:
            try:
                cursor = self.conn.execute("DELETE FROM remotes WHERE id = ?", (remote_id,))
            except sqlite3.Error as exc:
                if "foreign key constraint failed" in str(exc).lower():
                    raise ApiError(E_INTERNAL, "remote-connection cannot be deleted as a replication references it") from None
                raise ApiError(E_INTERNAL, str(exc)) from None
            if cursor.rowcount == 0:
                raise ApiError(E_NOT_FOUND, "remote connection not found")

    def remote_exists(self, remote_id):
        """True when a remote with this ID is stored."""
        with self.lock:
            return self._one("SELECT 1 FROM remotes WHERE id = ?", (remote_id,)) is not None

    def all_remotes_with_token_hash(self):
        """Every remote in API form plus the SHA-256 of its stored token (test interface)."""
        with self.lock:
            rows = self.conn.execute("SELECT %s, remote_api_token FROM remotes ORDER BY rowid" % REMOTE_COLUMNS).fetchall()
        result = []
        for row in rows:
            item = remote_to_api(row)
            token = row["remote_api_token"]
            item["remoteAPITokenSHA256"] = None if token is None else hashlib.sha256(token.encode("utf-8")).hexdigest()
            result.append(item)
        return result

    # -- replications -------------------------------------------------------

    def list_replications(self, org_id, name=None, remote_id=None, local_bucket_id=None):
        """Replications of one org with the upstream optional filters."""
        query = "SELECT %s FROM replications WHERE org_id = ?" % REPLICATION_COLUMNS
        args = [org_id]
        for column, value in (("name", name), ("remote_id", remote_id), ("local_bucket_id", local_bucket_id)):
            if value is not None:
                query += " AND %s = ?" % column
                args.append(value)
        with self.lock:
            return [replication_to_api(row) for row in self.conn.execute(query, args)]

    def get_replication(self, replication_id):
        """One replication in API form; ApiError 404 when unknown."""
        with self.lock:
            row = self._one("SELECT %s FROM replications WHERE id = ?" % REPLICATION_COLUMNS, (replication_id,))
        if row is None:
            raise ApiError(E_NOT_FOUND, "replication not found")
        return replication_to_api(row)

    def create_replication(self, req):
        """Insert a replication; an unknown remote fails on the foreign key."""
        if req.get("remoteBucketID"):
            bucket_id, bucket_name = req["remoteBucketID"], ""
        elif req.get("remoteBucketName"):
            bucket_id, bucket_name = None, req["remoteBucketName"]
        else:
            raise ApiError(E_UNPROCESSABLE, "one of remote_bucket_id, remote_bucket_name should be provided")
        stamp = rfc3339(now_utc())
        with self.lock:
            replication_id = self._unused_id("replications")
            try:
                self.conn.execute(
                    "INSERT INTO replications (id, org_id, name, description, remote_id, local_bucket_id, remote_bucket_id,"
                    " remote_bucket_name, max_queue_size_bytes, max_age_seconds, drop_non_retryable_data, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (replication_id, req["orgID"], req.get("name", ""), req.get("description"), req["remoteID"],
                     req["localBucketID"], bucket_id, bucket_name, req["maxQueueSizeBytes"], req.get("maxAgeSeconds", 0),
                     bool(req.get("dropNonRetryableData", False)), stamp, stamp))
            except sqlite3.Error as exc:
                if "foreign key constraint failed" in str(exc).lower():
                    raise ApiError(E_INVALID, 'remote "%s" not found: %s' % (req["remoteID"], exc)) from None
                raise ApiError(E_INTERNAL, str(exc)) from None
            row = self._one("SELECT %s FROM replications WHERE id = ?" % REPLICATION_COLUMNS, (replication_id,))
        return replication_to_api(row)

    def update_replication(self, replication_id, req):
        """Change only the fields that were sent with a non-null value."""
        columns = {"name": "name", "description": "description", "remoteID": "remote_id",
                   "remoteBucketID": "remote_bucket_id", "remoteBucketName": "remote_bucket_name",
                   "maxQueueSizeBytes": "max_queue_size_bytes", "dropNonRetryableData": "drop_non_retryable_data",
                   "maxAgeSeconds": "max_age_seconds"}
        sets = ["updated_at = ?"]
        args = [rfc3339(now_utc())]
        for field, column in columns.items():
            if req.get(field) is not None:
                sets.append("%s = ?" % column)
                args.append(req[field])
        args.append(replication_id)
        with self.lock:
            try:
                cursor = self.conn.execute("UPDATE replications SET %s WHERE id = ?" % ", ".join(sets), args)
            except sqlite3.Error as exc:
                if req.get("remoteID") is not None and "foreign key constraint failed" in str(exc).lower():
                    raise ApiError(E_INVALID, 'remote "%s" not found: %s' % (req["remoteID"], exc)) from None
                raise ApiError(E_INTERNAL, str(exc)) from None
            if cursor.rowcount == 0:
                raise ApiError(E_NOT_FOUND, "replication not found")
            row = self._one("SELECT %s FROM replications WHERE id = ?" % REPLICATION_COLUMNS, (replication_id,))
        return replication_to_api(row)

    def delete_replication(self, replication_id):
        """Delete a replication; ApiError 404 when unknown."""
        with self.lock:
            cursor = self.conn.execute("DELETE FROM replications WHERE id = ?", (replication_id,))
            if cursor.rowcount == 0:
                raise ApiError(E_NOT_FOUND, "replication not found")


# ---------------------------------------------------------------------------
# HTTP application
# ---------------------------------------------------------------------------

class Response:
    """A response to send: status, headers and an optional body."""

    def __init__(self, status, body=None, content_type=None, headers=None):
        self.status = status
        self.body = body
        self.headers = list(headers or [])
        if content_type is not None:
            self.headers.append(("Content-Type", content_type))


def json_response(status, value):
    """Pretty JSON, as upstream's kithttp.API.Respond writes it."""
    return Response(status, pretty_json(value), JSON_CONTENT_TYPE)


def error_response(error):
    """An error as upstream's kithttp.API.Err writes it (pretty JSON plus the code header)."""
    return Response(STATUS_BY_CODE.get(error.code, 500), pretty_json({"code": error.code, "message": error.message}),
                    JSON_CONTENT_TYPE, [("X-Platform-Error-Code", error.code)])


def unauthorized_response():
    """The compact 401 body written by the authentication middleware."""
    return Response(401, compact_json({"code": E_UNAUTHORIZED, "message": "unauthorized access"}), JSON_CONTENT_TYPE,
                    [("X-Platform-Error-Code", E_UNAUTHORIZED)])


def no_content():
    """204: no body and no Content-Type."""
    return Response(204)


def method_not_allowed():
    """405 with an empty body, as the resource routers answer."""
    return Response(405, b"")


def text_not_found():
    """The plain 404 of Go's http.NotFound."""
    return Response(404, b"404 page not found\n", TEXT_CONTENT_TYPE, [("X-Content-Type-Options", "nosniff")])


def path_not_found():
    """The JSON 404 of the API router for an unknown /api/v2 path."""
    return error_response(ApiError(E_NOT_FOUND, "path not found"))


def not_implemented():
    """An upstream route that this test server does not provide."""
    return error_response(ApiError(E_NOT_IMPLEMENTED, "not implemented by the test server"))


def unauthorized(action, resource):
    """The authorizer's 401 for a permission the token does not have."""
    return ApiError(E_UNAUTHORIZED, "%s:%s is unauthorized" % (action, resource))


def _first(query, key):
    values = query.get(key)
    return values[0] if values else ""


def _get_token(header):
    """Extract the token like upstream GetToken: "Token " or "Bearer ", any case."""
    if header is None or header == "":
        return None
    if len(header) >= 6 and header[:6].lower() == "token ":
        return header[6:]
    if len(header) > 7 and header[:7].lower() == "bearer ":
        return header[7:]
    return None


# ---------------------------------------------------------------------------
# Fault injection (test interface)
# ---------------------------------------------------------------------------

FAULT_FIELDS = ("method", "path", "count", "status", "body", "content_type", "headers", "delay", "drop", "after")
MAX_FAULT_DELAY = 300
_METHOD_NAME = re.compile(r"^[A-Za-z]+$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_RESERVED_HEADERS = ("content-length", "content-type", "transfer-encoding", "connection")

# The InfluxDB error code a fault answer carries for a status.
FAULT_CODES = {
    400: E_INVALID, 401: E_UNAUTHORIZED, 403: E_FORBIDDEN, 404: E_NOT_FOUND, 405: E_METHOD_NOT_ALLOWED,
    409: E_CONFLICT, 413: E_TOO_LARGE, 422: E_UNPROCESSABLE, 429: E_TOO_MANY_REQUESTS, 500: E_INTERNAL,
    501: E_NOT_IMPLEMENTED, 502: E_UNAVAILABLE, 503: E_UNAVAILABLE, 504: E_UNAVAILABLE,
}


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_text(name, value):
    """A string without line breaks (it may end up in a header), or None."""
    if value is None:
        return None
    if not isinstance(value, str) or "\r" in value or "\n" in value:
        raise ApiError(E_INVALID, "fault rule: %s must be a string without line breaks" % name)
    return value


def _check_headers(value):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ApiError(E_INVALID, "fault rule: headers must be an object of header names to strings")
    for name, item in value.items():
        if not _HEADER_NAME.match(name):
            raise ApiError(E_INVALID, "fault rule: %r is not a valid header name" % name)
        if name.lower() in _RESERVED_HEADERS:
            raise ApiError(E_INVALID, "fault rule: the %s header cannot be set (use content_type for the type)" % name)
        _check_text("the value of header %s" % name, item)
        if item is None:
            raise ApiError(E_INVALID, "fault rule: the value of header %s must be a string" % name)
    return dict(value)


def parse_fault_rule(value):
    """Check one fault rule (decoded JSON) and return it with every field set.

    Raises ApiError (400) with a message naming the field at fault.
    """
    if not isinstance(value, dict):
        raise ApiError(E_INVALID, "fault rule: expected a JSON object")
    unknown = sorted(set(value) - set(FAULT_FIELDS))
    if unknown:
        raise ApiError(E_INVALID, "fault rule: unknown field(s) %s; known: %s" % (", ".join(unknown), ", ".join(FAULT_FIELDS)))
    method = value.get("method")
    if method is not None:
        if not isinstance(method, str) or not _METHOD_NAME.match(method):
            raise ApiError(E_INVALID, "fault rule: method must be an HTTP method name or null (any)")
        method = method.upper()
    path = value.get("path")
    if path is not None and (not isinstance(path, str) or not path.startswith("/")):
        raise ApiError(E_INVALID, "fault rule: path must be a string that starts with / or null (any)")
    count = value.get("count")
    if count is None:
        count = 1
    if not _is_int(count) or count < 1:
        raise ApiError(E_INVALID, "fault rule: count must be a positive integer")
    status = value.get("status")
    if status is not None and (not _is_int(status) or not 200 <= status <= 599):
        raise ApiError(E_INVALID, "fault rule: status must be an integer from 200 to 599")
    body = value.get("body")
    if body is not None and not isinstance(body, str):
        raise ApiError(E_INVALID, "fault rule: body must be a string")
    content_type = _check_text("content_type", value.get("content_type"))
    headers = _check_headers(value.get("headers"))
    delay = value.get("delay")
    if delay is None:
        delay = 0
    if not _is_number(delay) or not 0 <= delay <= MAX_FAULT_DELAY:
        raise ApiError(E_INVALID, "fault rule: delay must be a number of seconds from 0 to %d" % MAX_FAULT_DELAY)
    rule = {"method": method, "path": path, "count": count, "status": status, "body": body,
            "content_type": content_type, "headers": headers, "delay": delay}
    for flag in ("drop", "after"):
        rule[flag] = value.get(flag)
        if rule[flag] is None:
            rule[flag] = False
        if not isinstance(rule[flag], bool):
            raise ApiError(E_INVALID, "fault rule: %s must be true or false" % flag)
    if rule["drop"] and (status is not None or body is not None or content_type is not None or headers):
        raise ApiError(E_INVALID, "fault rule: drop sends no answer, so status, body, content_type and headers cannot be set")
    if status is None and (body is not None or content_type is not None):
        raise ApiError(E_INVALID, "fault rule: body and content_type need a status")
    if status is None and not rule["drop"] and not delay and not headers:
        raise ApiError(E_INVALID, "fault rule: set at least one of status, drop, delay or headers")
    return rule


def _path_matches(pattern, path):
    """Exact match ignoring trailing slashes, or a prefix match when pattern ends with *."""
    if pattern is None:
        return True
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return (pattern.rstrip("/") or "/") == (path.rstrip("/") or "/")


def fault_response(rule):
    """The answer a fault rule with a status sends instead of the real one."""
    status = rule["status"]
    headers = list(rule["headers"].items())
    if rule["body"] is not None:
        body = rule["body"].encode("utf-8")
        content_type = rule["content_type"]
        if content_type is None:
            try:
                json.loads(rule["body"])
                content_type = JSON_CONTENT_TYPE
            except ValueError:
                content_type = TEXT_CONTENT_TYPE
        return Response(status, body, content_type, headers)
    if status < 400:
        return Response(status, None if status == 204 else b"", rule["content_type"], headers)
    code = FAULT_CODES.get(status, E_INTERNAL if status >= 500 else E_INVALID)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "status %d" % status
    body = pretty_json({"code": code, "message": "injected fault: %d %s" % (status, phrase)})
    return Response(status, body, rule["content_type"] or JSON_CONTENT_TYPE, [("X-Platform-Error-Code", code)] + headers)


class FaultRules:
    """The active fault rules, in order; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []

    def add(self, rules):
        """Append checked rules (all or none)."""
        with self.lock:
            self.rules.extend(dict(rule) for rule in rules)

    def snapshot(self):
        """Copies of the active rules with their remaining counts."""
        with self.lock:
            return [dict(rule, headers=dict(rule["headers"])) for rule in self.rules]

    def clear(self):
        """Remove every rule."""
        with self.lock:
            self.rules = []

    def take(self, method, path):
        """Return (a copy of) the first rule matching the request and use up one of its count, or None."""
        with self.lock:
            for index, rule in enumerate(self.rules):
                if rule["method"] not in (None, method) or not _path_matches(rule["path"], path):
                    continue
                rule["count"] -= 1
                if rule["count"] <= 0:
                    del self.rules[index]
                return dict(rule)
        return None


class App:
    """Routing and the behaviour of every endpoint."""

    def __init__(self, store, token, read_only_token, orgs, log_file=None, verbose=False):
        self.store = store
        self.token = token
        self.read_only_token = read_only_token
        self.orgs = orgs
        self.log_file = log_file
        self.verbose = verbose
        self.requests = []
        self.log_lock = threading.Lock()
        self.faults = FaultRules()

    # -- request log --------------------------------------------------------

    def record(self, method, path, query, status, fault=False, trace_span=None):
        """Append one request to the log (and to the log file).

        A request hit by a fault rule carries "fault": true; its status is
        the one sent, or None when the connection was dropped. A request with
        a Zap-Trace-Span header (the only header recorded: it holds no secret)
        carries its value as "trace_span".
        """
        entry = {"method": method, "path": path, "query": query, "status": status}
        if fault:
            entry["fault"] = True
        if trace_span is not None:
            entry["trace_span"] = trace_span
        with self.log_lock:
            self.requests.append(entry)
            if self.log_file:
                with open(self.log_file, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry, sort_keys=True) + "\n")
        if self.verbose:
            sys.stderr.write("%s %s %s%s\n" % (method, path, "dropped" if status is None else status, " (fault)" if fault else ""))
            sys.stderr.flush()

    def test_interface(self, method, path, _query, body=b""):
        """The /_test/ endpoints: request log, stored remotes and fault rules."""
        path = path.rstrip("/")
        if path == "/_test/faults":
            return self.fault_interface(method, body)
        if path == "/_test/requests":
            if method == "GET":
                with self.log_lock:
                    snapshot = list(self.requests)
                return json_response(200, snapshot)
            if method == "DELETE":
                with self.log_lock:
                    self.requests = []
                return no_content()
            return method_not_allowed()
        if path == "/_test/remotes":
            if method == "GET":
                return json_response(200, self.store.all_remotes_with_token_hash())
            return method_not_allowed()
        return path_not_found()

    def fault_interface(self, method, body):
        """GET lists the active rules, POST adds one rule (or a list), DELETE clears them all."""
        if method == "GET":
            return json_response(200, self.faults.snapshot())
        if method == "DELETE":
            self.faults.clear()
            return no_content()
        if method != "POST":
            return method_not_allowed()
        try:
            value = json.loads(body.decode("utf-8"))
        except ValueError:
            return error_response(ApiError(E_INVALID, "fault rule: the body must be a JSON object or a list of them"))
        many = isinstance(value, list)
        try:
            rules = [parse_fault_rule(item) for item in (value if many else [value])]
        except ApiError as exc:
            return error_response(exc)
        answer = [dict(rule) for rule in rules]
        self.faults.add(rules)
        return json_response(201, answer if many else answer[0])

    # -- dispatch -----------------------------------------------------------

    def authenticate(self, header):
        """Return the access level of the request's token, or None."""
        token = _get_token(header)
        if token is None:
            return None
        if hmac.compare_digest(token.encode("utf-8"), self.token.encode("utf-8")):
            return ACCESS_ALL
        if self.read_only_token is not None and hmac.compare_digest(token.encode("utf-8"), self.read_only_token.encode("utf-8")):
            return ACCESS_READ
        return None

    def dispatch(self, method, path, query, headers, body):
        """Answer one request (everything except /_test/)."""
        if path in ("/health", "/health/"):
            return self.health()
        if path == "/ping":
            if method in ("GET", "HEAD"):
                return no_content()
            return method_not_allowed()
        if not (path.startswith("/api/v2") or path.startswith("/v1") or path.startswith("/private/")):
            return text_not_found()
        if method == "OPTIONS":
            origin = headers.get("Origin")
            if not origin:
                return method_not_allowed()
            return Response(204, headers=[
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE, PATCH"),
                ("Access-Control-Allow-Headers", "Accept, Content-Type, Content-Length, Accept-Encoding, Authorization, User-Agent"),
            ])
        access = self.authenticate(headers.get("Authorization"))
        if access is None:
            return unauthorized_response()
        try:
            return self.route(method, path.rstrip("/") or "/", query, body, access)
        except ApiError as exc:
            return error_response(exc)

    def route(self, method, path, query, body, access):
        """Route an authenticated API request."""
        parts = path.split("/")[1:]
        if len(parts) < 3 or parts[0] != "api" or parts[1] != "v2":
            return path_not_found()
        resource, rest = parts[2], parts[3:]
        handlers = {
            "orgs": self.route_orgs,
            "remotes": self.route_remotes,
            "replications": self.route_replications,
        }
        handler = handlers.get(resource)
        if handler is None:
            return path_not_found()
        return handler(method, rest, query, body, access)

    def health(self):
        """The /health answer (compact JSON with a trailing newline)."""
        body = {"name": "influxdb", "status": "pass", "message": "healthy", "checks": [],
                "version": SERVER_VERSION, "commit": SERVER_COMMIT}
        return Response(200, compact_json(body) + b"\n", JSON_CONTENT_TYPE)

    # -- orgs ---------------------------------------------------------------

    def _org_api(self, org):
        links = {
            "buckets": "/api/v2/buckets?org=%s" % org["name"],
            "dashboards": "/api/v2/dashboards?org=%s" % org["name"],
            "labels": "/api/v2/orgs/%s/labels" % org["id"],
            "logs": "/api/v2/orgs/%s/logs" % org["id"],
            "members": "/api/v2/orgs/%s/members" % org["id"],
            "owners": "/api/v2/orgs/%s/owners" % org["id"],
            "secrets": "/api/v2/orgs/%s/secrets" % org["id"],
            "self": "/api/v2/orgs/%s" % org["id"],
            "tasks": "/api/v2/tasks?org=%s" % org["name"],
        }
        return {"links": links, "id": org["id"], "name": org["name"], "description": org["description"],
                "createdAt": org["createdAt"], "updatedAt": org["updatedAt"]}

    def _find_org_by_id(self, org_id):
        for org in self.orgs:
            if org["id"] == org_id:
                return org
        raise ApiError(E_NOT_FOUND, "organization not found")

    def route_orgs(self, method, rest, query, _body, _access):
        """/api/v2/orgs and /api/v2/orgs/{id}."""
        if not rest:
            if method == "GET":
                return self.list_orgs(query)
            if method == "POST":
                return not_implemented()
            return method_not_allowed()
        if len(rest) == 1:
            if method == "GET":
                org_id = parse_id(rest[0])
                return json_response(200, self._org_api(self._find_org_by_id(org_id)))
            if method in ("PATCH", "DELETE"):
                return not_implemented()
            return method_not_allowed()
        return text_not_found()

    @staticmethod
    def _find_options(query):
        offset = 0
        text = _first(query, "offset")
        if text:
            if not re.match(r"^[+-]?[0-9]+$", text):
                raise ApiError(E_INVALID, "offset is invalid")
            offset = int(text)
        after = None
        text = _first(query, "after")
        if text:
            try:
                after = parse_id(text)
            except ApiError as exc:
                raise ApiError(E_INVALID, "decoding after: " + exc.message) from None
        limit = DEFAULT_ORG_PAGE_SIZE
        text = _first(query, "limit")
        if text:
            if not re.match(r"^[+-]?[0-9]+$", text):
                raise ApiError(E_INVALID, "limit is invalid")
            limit = int(text)
            if limit < 1 or limit > MAX_ORG_PAGE_SIZE:
                raise ApiError(E_INVALID, "limit must be between 1 and %d" % MAX_ORG_PAGE_SIZE)
        descending = False
        text = _first(query, "descending")
        if text:
            if text in ("1", "t", "T", "TRUE", "true", "True"):
                descending = True
            elif text not in ("0", "f", "F", "FALSE", "false", "False"):
                raise ApiError(E_INVALID, "descending is invalid")
        return offset, after, limit, descending

    def list_orgs(self, query):
        """GET /api/v2/orgs with ?org=NAME, ?orgID=ID or ?userID=ID."""
        offset, after, limit, descending = self._find_options(query)
        name = _first(query, "org")
        org_id = try_parse_id(_first(query, "orgID"))
        user_id = try_parse_id(_first(query, "userID"))
        if org_id is not None:
            found = [self._find_org_by_id(org_id)]
        elif name:
            matches = [org for org in self.orgs if org["name"] == name]
            if not matches:
                raise ApiError(E_NOT_FOUND, 'organization name "%s" not found' % name)
            found = matches[:1]
        elif user_id is not None:
            found = []
        else:
            found = sorted(self.orgs, key=lambda org: org["id"], reverse=descending)
            if after is not None:
                found = [org for org in found if (org["id"] < after if descending else org["id"] > after)]
            found = found[max(offset, 0):][:limit]
        return json_response(200, {"links": {"self": "/api/v2/orgs"}, "orgs": [self._org_api(org) for org in found]})

    # -- remotes ------------------------------------------------------------

    def route_remotes(self, method, rest, query, body, access):
        """/api/v2/remotes and /api/v2/remotes/{id}."""
        if not rest:
            if method == "GET":
                return self.list_remotes(query)
            if method == "POST":
                return self.create_remote(body, access)
            return method_not_allowed()
        if len(rest) == 1:
            handlers = {"GET": self.get_remote, "PATCH": self.patch_remote, "DELETE": self.delete_remote}
            handler = handlers.get(method)
            if handler is None:
                return method_not_allowed()
            return handler(rest[0], body, access)
        return text_not_found()

    @staticmethod
    def _remote_id(text):
        remote_id = try_parse_id(text)
        if remote_id is None:
            raise ApiError(E_INVALID, "remote-connection ID is invalid")
        return remote_id

    def list_remotes(self, query):
        """GET /api/v2/remotes?orgID=...[&name=...][&remoteURL=...]."""
        org_id = try_parse_id(_first(query, "orgID"))
        if org_id is None:
            raise ApiError(E_INVALID, "invalid or missing org ID")
        name = _first(query, "name") or None
        remote_url = _first(query, "remoteURL") or None
        remotes = self.store.list_remotes(org_id, name, remote_url)
        return json_response(200, {"remotes": remotes or None})

    def create_remote(self, body, access):
        """POST /api/v2/remotes."""
        req = decode_request(body, "CreateRemoteConnectionRequest", CREATE_REMOTE_FIELDS)
        org_id = req.get("orgID")
        if org_id is None:
            raise ApiError(E_INVALID, "invalid org id for permission: invalid ID")
        if access != ACCESS_ALL:
            raise unauthorized("write", "orgs/%s/remotes" % org_id)
        return json_response(201, self.store.create_remote(req))

    def get_remote(self, text, _body, _access):
        """GET /api/v2/remotes/{id}."""
        return json_response(200, self.store.get_remote(self._remote_id(text)))

    def patch_remote(self, text, body, access):
        """PATCH /api/v2/remotes/{id}: null and absent fields are left alone."""
        remote_id = self._remote_id(text)
        req = decode_request(body, "UpdateRemoteConnectionRequest", UPDATE_REMOTE_FIELDS)
        remote = self.store.get_remote(remote_id)
        if access != ACCESS_ALL:
            raise unauthorized("write", "orgs/%s/remotes/%s" % (remote["orgID"], remote_id))
        return json_response(200, self.store.update_remote(remote_id, req))

    def delete_remote(self, text, _body, access):
        """DELETE /api/v2/remotes/{id}."""
        remote_id = self._remote_id(text)
        remote = self.store.get_remote(remote_id)
        if access != ACCESS_ALL:
            raise unauthorized("write", "orgs/%s/remotes/%s" % (remote["orgID"], remote_id))
        self.store.delete_remote(remote_id)
        return no_content()

    # -- replications -------------------------------------------------------

    def route_replications(self, method, rest, query, body, access):
        """/api/v2/replications, /{id} and /{id}/validate."""
        if not rest:
            if method == "GET":
                return self.list_replications(query)
            if method == "POST":
                return self.create_replication(query, body, access)
            return method_not_allowed()
        if len(rest) == 1:
            if method == "GET":
                return json_response(200, self.store.get_replication(self._replication_id(rest[0])))
            if method == "PATCH":
                return self.patch_replication(rest[0], query, body, access)
            if method == "DELETE":
                return self.delete_replication(rest[0], access)
            return method_not_allowed()
        if len(rest) == 2 and rest[1] == "validate":
            if method != "POST":
                return method_not_allowed()
            self.store.get_replication(self._replication_id(rest[0]))
            return no_content()
        return text_not_found()

    @staticmethod
    def _replication_id(text):
        replication_id = try_parse_id(text)
        if replication_id is None:
            raise ApiError(E_INVALID, "replication ID is invalid")
        return replication_id

    def list_replications(self, query):
        """GET /api/v2/replications?orgID=...[&name=][&remoteID=][&localBucketID=]."""
        org_id = try_parse_id(_first(query, "orgID"))
        if org_id is None:
            raise ApiError(E_INVALID, "invalid or missing org ID")
        name = _first(query, "name") or None
        remote_id = _first(query, "remoteID") or None
        if remote_id is not None:
            remote_id = try_parse_id(remote_id)
            if remote_id is None:
                raise ApiError(E_INVALID, "invalid remote ID")
        bucket_id = _first(query, "localBucketID") or None
        if bucket_id is not None:
            bucket_id = try_parse_id(bucket_id)
            if bucket_id is None:
                raise ApiError(E_INVALID, "invalid local bucket ID")
        replications = self.store.list_replications(org_id, name, remote_id, bucket_id)
        return json_response(200, {"replications": replications or None})

    def create_replication(self, query, body, access):
        """POST /api/v2/replications[?validate=true]."""
        req = decode_request(body, "CreateReplicationRequest", CREATE_REPLICATION_FIELDS)
        req.setdefault("maxQueueSizeBytes", DEFAULT_QUEUE_SIZE_BYTES)
        _check_queue_size(req["maxQueueSizeBytes"])
        _check_max_age(req.get("maxAgeSeconds", 0))
        org_id = req.get("orgID")
        if org_id is None:
            raise ApiError(E_INVALID, "invalid org id for permission: invalid ID")
        if access != ACCESS_ALL:
            raise unauthorized("write", "orgs/%s/replications" % org_id)
        if req.get("localBucketID") is None or req.get("remoteID") is None:
            raise ApiError(E_INVALID, "invalid id for permission: invalid ID")
        if _first(query, "validate") == "true":
            if not self.store.remote_exists(req["remoteID"]):
                raise ApiError(E_INVALID, 'remote "%s" not found' % req["remoteID"])
            return no_content()
        return json_response(201, self.store.create_replication(req))

    def patch_replication(self, text, query, body, access):
        """PATCH /api/v2/replications/{id}[?validate=true]."""
        replication_id = self._replication_id(text)
        req = decode_request(body, "UpdateReplicationRequest", UPDATE_REPLICATION_FIELDS)
        if req.get("maxQueueSizeBytes") is not None:
            _check_queue_size(req["maxQueueSizeBytes"])
        if req.get("maxAgeSeconds") is not None:
            _check_max_age(req["maxAgeSeconds"])
        replication = self.store.get_replication(replication_id)
        if access != ACCESS_ALL:
            raise unauthorized("write", "orgs/%s/replications/%s" % (replication["orgID"], replication_id))
        if _first(query, "validate") == "true":
            remote_id = req.get("remoteID")
            if remote_id is not None and not self.store.remote_exists(remote_id):
                raise ApiError(E_INVALID, 'remote "%s" not found' % remote_id)
            return no_content()
        return json_response(200, self.store.update_replication(replication_id, req))

    def delete_replication(self, text, access):
        """DELETE /api/v2/replications/{id}."""
        replication_id = self._replication_id(text)
        replication = self.store.get_replication(replication_id)
        if access != ACCESS_ALL:
            raise unauthorized("write", "orgs/%s/replications/%s" % (replication["orgID"], replication_id))
        self.store.delete_replication(replication_id)
        return no_content()


class RequestHandler(BaseHTTPRequestHandler):
    """Turns http.server requests into App calls; HTTP/1.1 with keep-alive."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Stay quiet: the App's request log (and --verbose) replace the default log."""

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self):
        app = self.server.app
        method = self.command
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, "bad request body")
            return
        split = urlsplit(self.path)
        path = unquote(split.path)
        query = parse_qs(split.query, keep_blank_values=True)
        if path == "/_test" or path.startswith("/_test/"):
            self._send(app.test_interface(method, path, query, body), method == "HEAD")
            return
        rule = app.faults.take(method, path)
        if rule is not None:
            self._handle_fault(rule, method, path, query, body)
            return
        response = self._dispatch(method, path, query, body)
        app.record(method, path, query, response.status, trace_span=self.headers.get("Zap-Trace-Span"))
        self._send(response, method == "HEAD")

    def _dispatch(self, method, path, query, body):
        try:
            return self.server.app.dispatch(method, path, query, self.headers, body)
        except Exception:  # pylint: disable=broad-except
            traceback.print_exc(file=sys.stderr)
            return error_response(ApiError(E_INTERNAL, "a panic has occurred"))

    def _handle_fault(self, rule, method, path, query, body):
        """Apply a fault rule: delay, then drop, a made-up answer or the real one.

        With "after" the request is handled first (its effect is committed)
        and the fault then replaces the answer.
        """
        app = self.server.app
        if rule["delay"] and not rule["after"]:
            time.sleep(rule["delay"])
        response = None
        if rule["after"] or (rule["status"] is None and not rule["drop"]):
            response = self._dispatch(method, path, query, body)
            if rule["delay"] and rule["after"]:
                time.sleep(rule["delay"])
        if rule["drop"]:
            app.record(method, path, query, None, fault=True, trace_span=self.headers.get("Zap-Trace-Span"))
            self.close_connection = True
            return
        if rule["status"] is not None:
            response = fault_response(rule)
        else:
            response.headers.extend(rule["headers"].items())
        app.record(method, path, query, response.status, fault=True, trace_span=self.headers.get("Zap-Trace-Span"))
        self._send(response, method == "HEAD")

    def _send(self, response, head_only):
        self.send_response_only(response.status)
        self.send_header("Date", self.date_time_string())
        self.send_header("X-Influxdb-Build", "OSS")
        self.send_header("X-Influxdb-Version", SERVER_VERSION)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.body is not None:
            self.send_header("Content-Length", str(len(response.body)))
        elif response.status != 204:
            self.send_header("Content-Length", "0")
        self.end_headers()
        if response.body and not head_only:
            self.wfile.write(response.body)

    def do_GET(self):  # pylint: disable=invalid-name
        """GET."""
        self._handle()

    def do_HEAD(self):  # pylint: disable=invalid-name
        """HEAD."""
        self._handle()

    def do_POST(self):  # pylint: disable=invalid-name
        """POST."""
        self._handle()

    def do_PUT(self):  # pylint: disable=invalid-name
        """PUT."""
        self._handle()

    def do_PATCH(self):  # pylint: disable=invalid-name
        """PATCH."""
        self._handle()

    def do_DELETE(self):  # pylint: disable=invalid-name
        """DELETE."""
        self._handle()

    def do_OPTIONS(self):  # pylint: disable=invalid-name
        """OPTIONS."""
        self._handle()


class TestServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that carries the App and, for HTTPS, the TLS context."""

    daemon_threads = True

    def __init__(self, address, app, ssl_context=None):
        super().__init__(address, RequestHandler)
        self.app = app
        self.ssl_context = ssl_context

    def finish_request(self, request, client_address):
        """Run the TLS handshake (in the connection's own thread), then serve the connection."""
        if self.ssl_context is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            connection = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ValueError) as exc:
            if self.app.verbose:
                sys.stderr.write("TLS handshake with %s failed: %s\n" % (client_address[0], exc))
                sys.stderr.flush()
            return
        try:
            connection.settimeout(None)
            super().finish_request(connection, client_address)
        finally:
            self.shutdown_request(connection)

    def handle_error(self, request, client_address):
        """Stay quiet when a client goes away (timeouts, dropped TLS); report anything else."""
        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, socket.timeout)):
            return
        super().handle_error(request, client_address)


def make_ssl_context(cert, key, client_ca=None):
    """A server-side TLS context (TLS 1.2 or later); with client_ca clients must present a certificate it signed."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    if client_ca:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=client_ca)
    return context


def parse_args(argv):
    """Parse and check the command line."""
    parser = argparse.ArgumentParser(description="InfluxDB OSS 2.x-compatible test server")
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--token", required=True, help="operator token (all access)")
    parser.add_argument("--org", action="append", required=True, metavar="NAME=ID", help="an organization (repeatable)")
    parser.add_argument("--db", help="SQLite file (default: in memory)")
    parser.add_argument("--read-only-token", help="a token that may read everything and write nothing")
    parser.add_argument("--log-file", help="append each recorded request to this file as a JSON line")
    parser.add_argument("--verbose", action="store_true", help="print method, path and status of each request on stderr")
    parser.add_argument("--tls-cert", metavar="PATH", help="serve HTTPS with this PEM certificate (chain); needs --tls-key")
    parser.add_argument("--tls-key", metavar="PATH", help="the PEM private key of --tls-cert")
    parser.add_argument("--client-ca", metavar="PATH", help="with HTTPS, require a client certificate signed by this PEM CA")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token must not be empty")
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if args.client_ca and not args.tls_cert:
        parser.error("--client-ca needs --tls-cert and --tls-key")
    args.ssl_context = None
    if args.tls_cert:
        try:
            args.ssl_context = make_ssl_context(args.tls_cert, args.tls_key, args.client_ca)
        except (OSError, ssl.SSLError) as exc:
            parser.error("cannot load the TLS certificate, key or client CA: %s" % exc)
    created = rfc3339(now_utc())
    orgs = []
    for spec in args.org:
        name, sep, org_id = spec.rpartition("=")
        if not sep or not name:
            parser.error("--org expects NAME=ID, got %r" % spec)
        parsed = try_parse_id(org_id)
        if parsed is None:
            parser.error("--org %s: the ID must be 16 hexadecimal characters, not all zero" % name)
        if any(org["name"] == name or org["id"] == parsed for org in orgs):
            parser.error("--org %s: duplicate organization name or ID" % name)
        orgs.append({"id": parsed, "name": name, "description": "", "createdAt": created, "updatedAt": created})
    args.orgs = orgs
    return args


def _stop(_signum, _frame):
    raise KeyboardInterrupt


def main(argv=None):
    """Run the server until interrupted."""
    args = parse_args(argv)
    store = Store(args.db)
    app = App(store, args.token, args.read_only_token, args.orgs, args.log_file, args.verbose)
    server = TestServer(("127.0.0.1", args.port), app, args.ssl_context)
    try:
        signal.signal(signal.SIGTERM, _stop)
        scheme = "http" if args.ssl_context is None else "https"
        sys.stdout.write("READY %s://127.0.0.1:%d\n" % (scheme, server.server_address[1]))
        sys.stdout.flush()
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
