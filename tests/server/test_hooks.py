"""The test interface: the request log (and --log-file) and the /_test/remotes view, which never show a token."""

import hashlib
import json

from conftest import ORG_ID, ORG_NAME, TOKEN


# -- request log and stored remotes -----------------------------------------------------------------

def test_request_log_records_and_clears(fresh):
    status, _headers, _data = fresh.request("DELETE", "/_test/requests", token=None)
    assert status == 204
    fresh.request("GET", "/health", token=None)
    fresh.request("GET", "/api/v2/remotes?orgID=%s&name=a%%20b" % ORG_ID)
    fresh.request("GET", "/api/v2/remotes?orgID=" + ORG_ID, token="wrong")
    fresh.request("POST", "/api/v2/remotes", {"orgID": ORG_ID, "name": "n", "remoteURL": "http://x", "remoteAPIToken": "hidden"})
    fresh.request("GET", "/api/v2/nothing")
    status, log = fresh.json("GET", "/_test/requests", token=None)
    assert status == 200
    assert log == [
        {"method": "GET", "path": "/health", "query": {}, "status": 200},
        {"method": "GET", "path": "/api/v2/remotes", "query": {"orgID": [ORG_ID], "name": ["a b"]}, "status": 200},
        {"method": "GET", "path": "/api/v2/remotes", "query": {"orgID": [ORG_ID]}, "status": 401},
        {"method": "POST", "path": "/api/v2/remotes", "query": {}, "status": 201},
        {"method": "GET", "path": "/api/v2/nothing", "query": {}, "status": 404},
    ]
    assert fresh.request("DELETE", "/_test/requests", token=None)[0] == 204
    assert fresh.json("GET", "/_test/requests", token=None) == (200, [])


def test_request_log_records_the_trace_span_header(fresh):
    fresh.request("DELETE", "/_test/requests", token=None)
    fresh.request("GET", "/api/v2/remotes?orgID=" + ORG_ID, headers={"Zap-Trace-Span": "0123:4567:0:1"})
    fresh.request("GET", "/api/v2/remotes?orgID=" + ORG_ID)
    _status, log = fresh.json("GET", "/_test/requests", token=None)
    assert [entry.get("trace_span") for entry in log] == ["0123:4567:0:1", None]
    assert "trace_span" not in log[1]
    assert '"trace_span": "0123:4567:0:1"' in fresh.log_path.read_text(encoding="utf-8")


def test_request_log_never_holds_tokens(fresh):
    fresh.request("POST", "/api/v2/remotes", {"orgID": ORG_ID, "name": "n", "remoteURL": "http://x", "remoteAPIToken": "hidden-token"})
    _status, _headers, data = fresh.request("GET", "/_test/requests", token=None)
    assert TOKEN.encode() not in data
    assert b"hidden-token" not in data
    file_text = fresh.log_path.read_text(encoding="utf-8")
    assert TOKEN not in file_text and "hidden-token" not in file_text


def test_log_file_gets_one_line_per_request(fresh):
    fresh.request("GET", "/ping", token=None)
    fresh.request("GET", "/api/v2/orgs?org=" + ORG_NAME)
    fresh.request("GET", "/_test/requests", token=None)
    lines = [json.loads(line) for line in fresh.log_path.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        {"method": "GET", "path": "/ping", "query": {}, "status": 204},
        {"method": "GET", "path": "/api/v2/orgs", "query": {"org": [ORG_NAME]}, "status": 200},
    ]


def test_test_remotes_shows_token_hash(fresh):
    status, value = fresh.json("GET", "/_test/remotes", token=None)
    assert (status, value) == (200, [])
    remote = fresh.create_remote(ORG_ID, remoteAPIToken="abc")
    status, value = fresh.json("GET", "/_test/remotes", token=None)
    assert status == 200
    assert value == [dict(remote, remoteAPITokenSHA256=hashlib.sha256(b"abc").hexdigest())]
