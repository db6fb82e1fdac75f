"""Every method and path the server answers, and how a request finds its handler.

Each handler is handler(app, req) -> wire.Response and may raise
wire.ApiError. A {name} segment matches any one segment; its value is in
req.params. Adding a resource means one module (with its SCHEMA) plus its
rows here.

Where a path lives decides the rest (upstream: http/router.go,
http/authentication_middleware.go):

- /_test/... is the test interface: no token, never faulted or recorded;
  an unknown path there is the JSON 404.
- Paths outside the API prefixes (/health, /ping) need no token; any other
  path there is Go's plain 404.
- In the API an OPTIONS request is a CORS preflight and authentication
  comes before routing (an unknown path without a token is 401). Then an
  unknown path below a resource is the resource router's plain 404, any
  other unknown path the API's JSON 404.

A path matched with a method it does not list is 405 with an empty body.
Trailing slashes are ignored.
"""

from . import authorizations, buckets, faults, hooks, orgs, remotes, replications, system, write
from .wire import method_not_allowed, path_not_found, text_not_found, unauthorized_response

ROUTES = (
    # "METHOD PATH" (* is any method), handler
    ("* /health", system.health),
    ("GET /ping", system.ping),
    ("HEAD /ping", system.ping),

    ("GET /api/v2/me", authorizations.me),

    ("GET /api/v2/orgs", orgs.list_orgs),
    ("POST /api/v2/orgs", system.not_implemented),
    ("GET /api/v2/orgs/{id}", orgs.get_org),
    ("PATCH /api/v2/orgs/{id}", system.not_implemented),
    ("DELETE /api/v2/orgs/{id}", system.not_implemented),

    ("GET /api/v2/buckets", buckets.list_buckets),
    ("POST /api/v2/buckets", buckets.create_bucket),
    ("GET /api/v2/buckets/{id}", buckets.get_bucket),
    ("PATCH /api/v2/buckets/{id}", buckets.update_bucket),
    ("DELETE /api/v2/buckets/{id}", buckets.delete_bucket),

    ("POST /api/v2/write", write.write),
    ("* /api/v2/write", write.method_not_allowed),

    ("GET /api/v2/authorizations", authorizations.list_authorizations),
    ("POST /api/v2/authorizations", authorizations.create_authorization),
    ("GET /api/v2/authorizations/{id}", authorizations.get_authorization),
    ("PATCH /api/v2/authorizations/{id}", authorizations.update_authorization),
    ("DELETE /api/v2/authorizations/{id}", authorizations.delete_authorization),

    ("GET /api/v2/remotes", remotes.list_remotes),
    ("POST /api/v2/remotes", remotes.create_remote),
    ("GET /api/v2/remotes/{id}", remotes.get_remote),
    ("PATCH /api/v2/remotes/{id}", remotes.update_remote),
    ("DELETE /api/v2/remotes/{id}", remotes.delete_remote),

    ("GET /api/v2/replications", replications.list_replications),
    ("POST /api/v2/replications", replications.create_replication),
    ("GET /api/v2/replications/{id}", replications.get_replication),
    ("PATCH /api/v2/replications/{id}", replications.update_replication),
    ("DELETE /api/v2/replications/{id}", replications.delete_replication),
    ("POST /api/v2/replications/{id}/validate", replications.validate_replication),

    ("GET /_test/requests", hooks.list_requests),
    ("DELETE /_test/requests", hooks.clear_requests),
    ("GET /_test/remotes", hooks.stored_remotes),
    ("GET /_test/points", hooks.stored_points),
    ("DELETE /_test/points", hooks.clear_points),
    ("GET /_test/tokens", hooks.list_tokens),
    ("POST /_test/tokens", hooks.change_tokens),
    ("GET /_test/faults", faults.list_faults),
    ("POST /_test/faults", faults.add_faults),
    ("DELETE /_test/faults", faults.clear_faults),
)

# The SQLite tables of the resources, created in this order.
SCHEMAS = (buckets.SCHEMA, remotes.SCHEMA, replications.SCHEMA, authorizations.SCHEMA)

TEST_PREFIX = "/_test"
API_PREFIXES = ("/api/v2", "/v1", "/private/")

# (method, path segments, handler) per route.
_TABLE = [(spec.split(" ")[0], spec.split(" ")[1].split("/"), handler) for spec, handler in ROUTES]
# The resource routers (/api/v2/<resource>/): a path below one that no route matches is a plain 404.
_RESOURCES = tuple(sorted({"/".join(segments[:4]) + "/" for _method, segments, _handler in _TABLE if segments[1:3] == ["api", "v2"]}))


def is_test_path(path):
    """True for the test interface under /_test/."""
    return path == TEST_PREFIX or path.startswith(TEST_PREFIX + "/")


def _match(pattern, segments):
    if len(pattern) != len(segments):
        return None
    params = {}
    for index, want in enumerate(pattern):
        if want.startswith("{"):
            params[want[1:-1]] = segments[index]
        elif want != segments[index]:
            return None
    return params


def _find(req):
    """The handler of the route for the request's method and path (None if there is none) and whether any route has the path.

    Fills req.params from the {name} segments.
    """
    segments = (req.path.rstrip("/") or "/").split("/")
    known = False
    for method, pattern, handler in _TABLE:
        params = _match(pattern, segments)
        if params is None:
            continue
        req.params = params
        if method in ("*", req.method):
            return handler, True
        known = True
    return None, known


def dispatch(app, req):
    """Answer one request: the route's handler, or the 401, 404 or 405 its place calls for."""
    handler, known = _find(req)
    if is_test_path(req.path) or not req.path.startswith(API_PREFIXES):
        if not known:
            return path_not_found() if is_test_path(req.path) else text_not_found()
    else:
        if req.method == "OPTIONS":
            return system.preflight(req)
        req.auth = app.authenticate(req.headers.get("Authorization"))
        if req.auth is None:
            return unauthorized_response()
        if not known:
            return text_not_found() if req.path.rstrip("/").startswith(_RESOURCES) else path_not_found()
    return handler(app, req) if handler else method_not_allowed()
