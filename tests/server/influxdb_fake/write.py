"""/api/v2/write: line protocol into a bucket, kept in memory; what a central server answers an edge.

Upstream: http/write_handler.go (the order of the checks and their errors),
http/requests.go and influxdb.ErrInvalidOrgFilter (the org), http/points (the
body, gzip), models/points.go (line protocol and its parse errors). Its errors
go through kit/transport/http ErrorHandler, which writes compact JSON. A write
to a bucket that replications use is queued for each of them
(replications/service.go WritePoints), see replicate.py.
"""

import re
import threading
import time
import zlib

from . import buckets, permissions
from .wire import (E_FORBIDDEN, E_INTERNAL, E_INVALID, E_METHOD_NOT_ALLOWED, E_NOT_FOUND, JSON_CONTENT_TYPE, STATUS_BY_CODE, ApiError, Response,
                   compact_json, no_content, parse_id)

PRECISIONS = {"ns": 1, "us": 1000, "ms": 1000 * 1000, "s": 1000 * 1000 * 1000}

_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_INTEGER = re.compile(r"^[+-]?[0-9]+i$")
_UNSIGNED = re.compile(r"^[0-9]+u$")
_BOOLEANS = ("t", "T", "true", "True", "TRUE", "f", "F", "false", "False", "FALSE")
_TIMESTAMP = re.compile(r"^-?[0-9]+$")


class LineError(ValueError):
    """A line that is not valid line protocol; the message is upstream's reason."""


def _unescaped(text, start, stops):
    """The index of the first character of stops at or after start that no backslash escapes (len(text) if none)."""
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char in stops:
            return index
        index += 1
    return len(text)


def _closing_quote(text, start):
    """The index of the double quote that ends the string opened at start."""
    index = start + 1
    while True:
        index = text.find('"', index)
        if index < 0:
            raise LineError("unbalanced quotes")
        backslashes = 0
        while text[index - 1 - backslashes] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return index
        index += 1


def _check_value(value):
    if not value:
        raise LineError("missing field value")
    if value in _BOOLEANS:
        return
    if value[0] in "tTfF":
        raise LineError("invalid boolean")
    if not (_NUMBER.match(value) or _INTEGER.match(value) or _UNSIGNED.match(value)):
        raise LineError("invalid number")


def parse_line(line, precision, now_ns):
    """Check one line of line protocol; return it with its timestamp in nanoseconds (the write time when it has none)."""
    key_end = _unescaped(line, 0, " ")
    series = line[:key_end]
    if not series or series.startswith(","):
        raise LineError("missing measurement")
    tag_start = _unescaped(series, 0, ",")
    while tag_start < len(series):
        tag_end = _unescaped(series, tag_start + 1, ",")
        tag = series[tag_start + 1:tag_end]
        equals = _unescaped(tag, 0, "=")
        if equals == 0:
            raise LineError("missing tag key")
        if equals >= len(tag) - 1:
            raise LineError("missing tag value")
        tag_start = tag_end
    index = key_end + 1
    if index >= len(line) or not line[index:].strip():
        raise LineError("missing fields")
    while True:
        equals = _unescaped(line, index, "= ,")
        if equals >= len(line) or line[equals] != "=":
            raise LineError("missing fields" if equals == index else "invalid field format")
        if equals == index:
            raise LineError("missing field key")
        start = equals + 1
        if start < len(line) and line[start] == '"':
            end = _closing_quote(line, start) + 1
            if end < len(line) and line[end] not in ", ":
                raise LineError("invalid field format")
        else:
            end = start
            while end < len(line) and line[end] not in ", ":
                end += 1
            _check_value(line[start:end])
        if end >= len(line) or line[end] == " ":
            break
        index = end + 1
    fields_end = end
    stamp = line[fields_end + 1:].strip() if fields_end < len(line) else ""
    if not stamp:
        return "%s %d" % (line[:fields_end], now_ns // PRECISIONS[precision] * PRECISIONS[precision])
    if not _TIMESTAMP.match(stamp):
        raise LineError("bad timestamp")
    return "%s %d" % (line[:fields_end], int(stamp) * PRECISIONS[precision])


def parse(text, precision, now_ns=None):
    """Every point of a line protocol body, each with a nanosecond timestamp.

    LineError names every bad line, one a line, quoted from its first character that is not a space,
    a tab or NUL, as models.ParsePointsWithPrecision does.
    """
    if now_ns is None:
        now_ns = time.time_ns()
    points = []
    failed = []
    for raw in text.split("\n"):
        line = raw.strip(" \t\r")
        if not line or line.startswith("#"):
            continue
        try:
            points.append(parse_line(line, precision, now_ns))
        except LineError as exc:
            failed.append("unable to parse '%s': %s" % (raw.lstrip(" \t\0"), exc))
    if failed:
        raise LineError("\n".join(failed))
    return points


class Points:
    """The points written to each bucket (by bucket ID), oldest first, in memory."""

    def __init__(self):
        self.lock = threading.Lock()
        self.lines = {}

    def add(self, bucket_id, lines):
        """Keep these lines for a bucket."""
        with self.lock:
            self.lines.setdefault(bucket_id, []).extend(lines)

    def get(self, bucket_id):
        """A copy of a bucket's lines."""
        with self.lock:
            return list(self.lines.get(bucket_id, ()))

    def drop(self, bucket_id=None):
        """Forget a bucket's points (every bucket's without an ID)."""
        with self.lock:
            if bucket_id is None:
                self.lines.clear()
            else:
                self.lines.pop(bucket_id, None)


def _org(app, text):
    """The org named by ?org= or ?orgID= as http/requests.go queryOrganization finds it."""
    org_id = None
    org_name = None
    if text["org"]:
        try:
            org_id = parse_id(text["org"])
        except ApiError:
            org_name = text["org"]
    if text["orgID"]:
        org_id = parse_id(text["orgID"])
    if org_id is not None:
        for org in app.orgs:
            if org["id"] == org_id:
                return org
        raise ApiError(E_NOT_FOUND, "organization not found")
    if org_name is not None:
        for org in app.orgs:
            if org["name"] == org_name:
                return org
        raise ApiError(E_NOT_FOUND, 'organization name "%s" not found' % org_name)
    raise ApiError(E_INVALID, "Please provide either orgID or org")


_GZIP_MAGIC = b"\x1f\x8b\x08"  # ID1, ID2 and the only method (deflate), as Go's gzip.Reader checks them


def _gzipped(req):
    """Whether the body is gzip; a header Go's gzip.NewReader refuses is a plain Go error, so upstream answers 500."""
    if req.headers.get("Content-Encoding") not in ("gzip", "x-gzip"):
        return False
    if len(req.body) < 10 or not req.body.startswith(_GZIP_MAGIC):
        raise ApiError(E_INTERNAL, "An internal error has occurred - check server logs")
    return True


def _unread(reason):
    """The error of http/points parsePoints for a body it could not read: 400 for gzip's own errors, 500 else."""
    return ApiError(E_INVALID if reason.startswith("gzip: ") else E_INTERNAL, "unable to read data: " + reason)


def _gunzip(data):
    """The body of one or more gzip members, read as Go's gzip.Reader reads them (multistream)."""
    text = []
    while True:
        member = zlib.decompressobj(31)
        try:
            text.append(member.decompress(data))
        except zlib.error as exc:
            if "incorrect data check" in str(exc) or "incorrect length check" in str(exc):
                raise _unread("gzip: invalid checksum") from None
            # Go names the offset in the compressed data, which zlib does not tell
            raise _unread("flate: corrupt input") from None
        if not member.eof:
            raise _unread("unexpected EOF")
        data = member.unused_data
        if not data:
            return b"".join(text)
        if len(data) < 10:
            raise _unread("unexpected EOF")
        if not data.startswith(_GZIP_MAGIC):
            raise _unread("gzip: invalid header")


def _compact_error(exc, headers=()):
    """An error as the write handler's error handler writes it: compact JSON."""
    return Response(STATUS_BY_CODE.get(exc.code, 500), compact_json({"code": exc.code, "message": exc.message}),
                    JSON_CONTENT_TYPE, list(headers) + [("X-Platform-Error-Code", exc.code)])


def method_not_allowed(_app, _req):
    """Any method but POST (and OPTIONS, a CORS preflight): the write router's own 405 (httprouter's), with Allow."""
    return _compact_error(ApiError(E_METHOD_NOT_ALLOWED, "allow: OPTIONS, POST"), [("Allow", "OPTIONS, POST")])


def write(app, req):
    """POST /api/v2/write?bucket=&org=[&precision=]: 204 once every point is stored (and queued for replication).

    Errors are written as the write handler's error handler writes them: compact JSON.
    """
    try:
        return _write(app, req)
    except ApiError as exc:
        return _compact_error(exc)


def _write(app, req):
    precision = req.arg("precision") or "ns"
    if precision not in PRECISIONS:
        raise ApiError(E_INVALID, "invalid precision; valid precision units are ns, us, ms, and s")
    bucket_text = req.arg("bucket")
    if not bucket_text:
        raise ApiError(E_NOT_FOUND, "bucket not found")
    gzipped = _gzipped(req)
    org = _org(app, {"org": req.arg("org"), "orgID": req.arg("orgID")})
    bucket = buckets.find_in_org(app.db, org["id"], bucket_text)
    if bucket is None:
        raise ApiError(E_NOT_FOUND, 'bucket "%s" not found' % bucket_text)
    if not permissions.permitted(req, "write", "buckets", bucket["id"], org["id"]):
        raise ApiError(E_FORBIDDEN, "insufficient permissions for write" + ("" if req.auth["status"] == "active" else ": token is inactive"))
    body = _gunzip(req.body) if gzipped else req.body
    try:
        points = parse(body.decode("utf-8", "replace"), precision)
    except LineError as exc:
        raise ApiError(E_INVALID, str(exc)) from None
    if points:
        app.points.add(bucket["id"], points)
        app.replicator.enqueue(org["id"], bucket["id"], points)
    return no_content()
