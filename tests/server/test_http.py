"""The wire format, routing and authentication every endpoint shares.

Pins upstream's build headers, /health and /ping without a token, the
authentication middleware (token schemes, the compact 401, authentication
before routing), 404 and 405 answers, CORS preflight and trailing slashes.
"""

import json

import pytest

from conftest import JSON_TYPE, ORG_ID, ORG_NAME, TOKEN, UNAUTHORIZED_BODY, assert_error, random_org


# -- start-up, health, ping -------------------------------------------------------------------------

def test_ready_line_and_health_without_token(server):
    status, headers, data = server.request("GET", "/health", token=None)
    assert status == 200
    assert headers["content-type"] == JSON_TYPE
    body = json.loads(data)
    assert body["status"] == "pass"
    assert body["name"] == "influxdb"
    assert body["version"]


def test_health_trailing_slash(server):
    status, _headers, data = server.request("GET", "/health/", token=None)
    assert status == 200
    assert json.loads(data)["status"] == "pass"


def test_ping_without_token(server):
    status, headers, data = server.request("GET", "/ping", token=None)
    assert status == 204
    assert data == b""
    assert "content-type" not in headers
    assert headers["x-influxdb-build"] == "OSS"
    assert headers["x-influxdb-version"]


def test_build_headers_on_api_answers(server):
    status, headers, _data = server.request("GET", "/api/v2/orgs?org=" + ORG_NAME)
    assert status == 200
    assert headers["x-influxdb-build"] == "OSS"
    assert headers["x-influxdb-version"]


# -- authentication ---------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "Token wrong-token", "Basic " + TOKEN, "Token", "Token" + TOKEN, "Bearer "])
def test_unauthorized_compact_body(server, header):
    headers = {"Authorization": header} if header is not None else {}
    status, got, data = server.request("GET", "/api/v2/remotes?orgID=" + ORG_ID, token=None, headers=headers)
    assert status == 401
    assert data == UNAUTHORIZED_BODY
    assert got["content-type"] == JSON_TYPE
    assert got["x-platform-error-code"] == "unauthorized"


@pytest.mark.parametrize("scheme", ["Token", "token", "TOKEN", "Bearer", "bearer", "BeArEr"])
def test_auth_scheme_is_case_insensitive(server, scheme):
    status, _headers, _data = server.request("GET", "/api/v2/remotes?orgID=" + ORG_ID, scheme=scheme)
    assert status == 200


def test_auth_runs_before_routing(server):
    status, _headers, data = server.request("GET", "/api/v2/no-such-thing", token=None)
    assert status == 401
    assert data == UNAUTHORIZED_BODY
    status, _headers, data = server.request("PUT", "/api/v2/remotes", token=None)
    assert status == 401
    assert data == UNAUTHORIZED_BODY


def test_unknown_api_path_with_token(server):
    assert_error(server.request("GET", "/api/v2/no-such-thing"), 404, "not found", "path not found")


# -- routing: methods, unknown paths, trailing slashes ----------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("PUT", "/api/v2/remotes"),
    ("DELETE", "/api/v2/remotes"),
    ("PATCH", "/api/v2/remotes"),
    ("PUT", "/api/v2/remotes/0123456789abcdef"),
    ("POST", "/api/v2/remotes/0123456789abcdef"),
    ("HEAD", "/api/v2/remotes"),
    ("PUT", "/api/v2/orgs"),
    ("PUT", "/api/v2/replications"),
    ("POST", "/ping"),
])
def test_unsupported_method_is_405_empty(server, method, path):
    status, headers, data = server.request(method, path, b"{}")
    assert status == 405
    assert data == b""
    assert "content-type" not in headers


def test_options_without_origin_is_405(server):
    status, _headers, data = server.request("OPTIONS", "/api/v2/remotes", token=None)
    assert (status, data) == (405, b"")


def test_options_with_origin_is_cors_preflight(server):
    status, headers, data = server.request("OPTIONS", "/api/v2/remotes", token=None, headers={"Origin": "http://ui.example"})
    assert (status, data) == (204, b"")
    assert headers["access-control-allow-origin"] == "http://ui.example"


def test_unknown_path_outside_api_is_plain_404(server):
    status, headers, data = server.request("GET", "/no-such-page", token=None)
    assert (status, data) == (404, b"404 page not found\n")
    assert headers["content-type"] == "text/plain; charset=utf-8"


def test_trailing_slashes_are_ignored(server):
    org = random_org()
    remote = server.create_remote(org)
    status, value = server.json("GET", "/api/v2/remotes/?orgID=" + org)
    assert status == 200 and value["remotes"][0]["id"] == remote["id"]
    status, value = server.json("GET", "/api/v2/remotes/%s/" % remote["id"])
    assert status == 200 and value["id"] == remote["id"]
    status, value = server.json("PATCH", "/api/v2/remotes/%s/" % remote["id"], {"description": "slash"})
    assert status == 200 and value["description"] == "slash"
    status, value = server.json("GET", "/api/v2/orgs/?org=" + ORG_NAME)
    assert status == 200 and value["orgs"][0]["id"] == ORG_ID
    status, value = server.json("GET", "/api/v2/orgs/%s/" % ORG_ID)
    assert status == 200 and value["id"] == ORG_ID
    status, _headers, data = server.request("DELETE", "/api/v2/remotes/%s/" % remote["id"])
    assert status == 204 and data == b""
