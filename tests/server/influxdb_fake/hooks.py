"""The request log and the /_test/ hooks that let tests look inside the server and change its tokens.

Under /_test/ no token is needed and nothing is recorded or faulted.
"""

import hashlib
import json
import sys
import threading

from . import authorizations, buckets, remotes
from .authorizations import ACCESS_ALL, ACCESS_READ, ACCESS_WRITE
from .decode import Struct, decode_struct
from .wire import E_INVALID, ApiError, json_response, no_content

TOKEN_CHANGE = Struct("tokenChange", {"add": ("string", False), "revoke": ("string", False), "access": ("string", False)})


class RequestLog:
    """The requests answered so far, oldest first; also written to --log-file and, with --verbose, stderr.

    An entry holds method, path, the parse_qs form of the query and the
    status sent. A request hit by a fault rule carries "fault": true (its
    status is None when the connection was dropped). Bodies and headers are
    never recorded, except a Zap-Trace-Span header (a tracing span context,
    no secret) as "trace_span".
    """

    def __init__(self, log_file=None, verbose=False):
        self.lock = threading.Lock()
        self.entries = []
        self.log_file = log_file
        self.verbose = verbose

    def record(self, req, status, fault=False):
        """Append one request."""
        entry = {"method": req.method, "path": req.path, "query": req.query, "status": status}
        if fault:
            entry["fault"] = True
        trace_span = req.headers.get("Zap-Trace-Span")
        if trace_span is not None:
            entry["trace_span"] = trace_span
        with self.lock:
            self.entries.append(entry)
            if self.log_file:
                with open(self.log_file, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry, sort_keys=True) + "\n")
        if self.verbose:
            sys.stderr.write("%s %s %s%s\n" % (req.method, req.path, "dropped" if status is None else status, " (fault)" if fault else ""))
            sys.stderr.flush()

    def snapshot(self):
        """A copy of the entries."""
        with self.lock:
            return list(self.entries)

    def clear(self):
        """Forget every entry (the log file keeps them)."""
        with self.lock:
            self.entries = []


def list_requests(app, _req):
    """GET /_test/requests: the request log."""
    return json_response(200, app.log.snapshot())


def clear_requests(app, _req):
    """DELETE /_test/requests: clear the request log."""
    app.log.clear()
    return no_content()


def stored_remotes(app, _req):
    """GET /_test/remotes: every remote in API form plus the SHA-256 of its stored token, never the token."""
    result = []
    for row in app.db.select("remotes", remotes.COLUMNS + ", remote_api_token", order="rowid"):
        item = remotes.to_api(row)
        item["remoteAPITokenSHA256"] = hashlib.sha256(row["remote_api_token"].encode("utf-8")).hexdigest()
        result.append(item)
    return json_response(200, result)


def stored_points(app, req):
    """GET /_test/points[?bucket=NAME_OR_ID]: per bucket, the points written to it (count and lines, oldest first)."""
    wanted = req.arg("bucket")
    result = []
    for row in app.db.select("buckets", buckets.COLUMNS, order="rowid"):
        if wanted and wanted not in (row["id"], row["name"]):
            continue
        lines = app.points.get(row["id"])
        result.append({"orgID": row["org_id"], "bucketID": row["id"], "bucket": row["name"], "count": len(lines), "lines": lines})
    return json_response(200, result)


def clear_points(app, _req):
    """DELETE /_test/points: forget every point (the buckets stay)."""
    app.points.drop()
    return no_content()


def list_tokens(app, _req):
    """GET /_test/tokens: every authorization (ID order) with the SHA-256 of its token and its access, never a token."""
    return json_response(200, authorizations.token_view(app))


def change_tokens(app, req):
    """POST /_test/tokens {"revoke": T} or {"add": T[, "access": "all"|"read"|"write"]}: 200 and the tokens (hashed)."""
    values = decode_struct(req.body, TOKEN_CHANGE)
    if ("add" in values) == ("revoke" in values):
        raise ApiError(E_INVALID, "tokens: give exactly one of add or revoke")
    if "revoke" in values:
        if "access" in values:
            raise ApiError(E_INVALID, "tokens: access goes with add")
        authorizations.set_token(app, values["revoke"], None)
    else:
        access = values.get("access", ACCESS_ALL)
        if access not in (ACCESS_ALL, ACCESS_READ, ACCESS_WRITE):
            raise ApiError(E_INVALID, "tokens: access must be all, read or write")
        if not values["add"]:
            raise ApiError(E_INVALID, "tokens: a token must not be empty")
        authorizations.set_token(app, values["add"], access)
    return json_response(200, authorizations.token_view(app))
