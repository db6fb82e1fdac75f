"""The endpoints outside the resources: /health, /ping, CORS preflight, and 501 for what is not provided.

Upstream: http/check_handler.go, http/legacy/ping_handler.go and
kit/transport/http/middleware.go.
"""

from .wire import (E_NOT_IMPLEMENTED, JSON_CONTENT_TYPE, SERVER_COMMIT, ApiError, Response, compact_json,
                   method_not_allowed, no_content)


def health(app, _req):
    """/health: compact JSON with a trailing newline."""
    body = {"name": "influxdb", "status": "pass", "message": "healthy", "checks": [],
            "version": app.version, "commit": SERVER_COMMIT}
    return Response(200, compact_json(body) + b"\n", JSON_CONTENT_TYPE)


def ping(_app, _req):
    """/ping: 204 (the build headers go on every answer)."""
    return no_content()


def preflight(req):
    """OPTIONS on the API: a CORS preflight answer when there is an Origin, else 405."""
    origin = req.headers.get("Origin")
    if not origin:
        return method_not_allowed()
    return Response(204, headers=[
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE, PATCH"),
        ("Access-Control-Allow-Headers", "Accept, Content-Type, Content-Length, Accept-Encoding, Authorization, User-Agent"),
    ])


def not_implemented(_app, _req):
    """An upstream route that this test server does not provide."""
    raise ApiError(E_NOT_IMPLEMENTED, "not implemented by the test server")
