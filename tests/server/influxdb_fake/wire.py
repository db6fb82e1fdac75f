"""The wire format shared by every endpoint: errors, IDs, times, requests and responses.

Errors follow upstream's kit/platform/errors (a code that selects the status)
and are written as kithttp.API.Err writes them; JSON is encoded the way Go's
encoding/json encodes it.
"""

import datetime
import json
import re
import secrets

# The newest InfluxDB OSS 2.x release (tag v2.9.1 of influxdata/influxdb): the default of --version.
DEFAULT_VERSION = "v2.9.1"
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
    E_UNAVAILABLE: 503,
    E_FORBIDDEN: 403,
    E_TOO_MANY_REQUESTS: 429,
    E_UNAUTHORIZED: 401,
    E_METHOD_NOT_ALLOWED: 405,
    E_TOO_LARGE: 413,
}

class ApiError(Exception):
    """An InfluxDB platform error: a code (which selects the status) and a message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


# -- versions as a build reports them (v2.7.12; 2.1.1 in 2.0 and 2.1; v2.3.0+SNAPSHOT.<commit>) -----

_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.+-]*)?$")


def parse_version(text):
    """(major, minor, patch) of a version such as v2.7.12, or None when the text is no such version."""
    found = _VERSION.match(text)
    return None if found is None else tuple(int(part) for part in found.groups())


# -- IDs and times (kit/platform/id.go, Go's time.RFC3339Nano) ------------------------------------

_HEX_ID = re.compile(r"^[0-9a-fA-F]{16}$")


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


def timestamp():
    """The current UTC time formatted like Go's time.RFC3339Nano."""
    moment = datetime.datetime.now(datetime.timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = ("%06d" % moment.microsecond).rstrip("0")
    if fraction:
        text += "." + fraction
    return text + "Z"


# -- JSON as Go's encoding/json writes it ---------------------------------------------------------

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


# -- requests and responses -----------------------------------------------------------------------

class Request:
    """One request as every handler sees it.

    path is the decoded path as sent (the request log shows it so); routing
    fills params (the {name} segments of the matched route) and, for the
    API, auth (the authorization of the request's token, see authorizations.py).
    """

    def __init__(self, method, path, query, headers, body):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.params = {}
        self.auth = None

    def arg(self, name):
        """The first value of a query parameter, or ""."""
        values = self.query.get(name)
        return values[0] if values else ""


class Response:
    """A response to send: status, headers and an optional body.

    A status of None means no answer at all: the connection is closed.
    """

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
