"""Fault rules (/_test/faults).

Fault rules let the collection's tests reproduce what happens between a
client and InfluxDB in the field: error statuses with or without a
Retry-After, proxy error pages, slow answers and timeouts, dropped
connections, and answers lost after the write was committed.
"""

import hashlib
import json
import socket
import threading
import time

import pytest

from conftest import CONNECTION_FAILURES, JSON_TYPE, ORG_ID, REMOTES, TOKEN, remote_body, start_server, wait_for


# -- the /_test/faults interface --------------------------------------------------------------------

def test_add_list_and_clear_rules(srv):
    assert srv.json("GET", "/_test/faults", token=None) == (200, [])
    echo = srv.add_fault({"path": REMOTES, "status": 503})
    assert echo == {"method": None, "path": REMOTES, "count": 1, "status": 503, "body": None, "content_type": None,
                    "headers": {}, "delay": 0, "drop": False, "after": False}
    echo = srv.add_fault([{"method": "post", "path": "/api/*", "drop": True, "count": 3},
                          {"path": "/health", "delay": 0.1, "headers": {"X-Test": "1"}}])
    assert [(rule["method"], rule["path"], rule["count"], rule["drop"]) for rule in echo] == [
        ("POST", "/api/*", 3, True), (None, "/health", 1, False)]
    status, rules = srv.json("GET", "/_test/faults", token=None)
    assert status == 200
    assert [rule["path"] for rule in rules] == [REMOTES, "/api/*", "/health"]
    assert srv.request("DELETE", "/_test/faults", token=None)[0] == 204
    assert srv.json("GET", "/_test/faults", token=None) == (200, [])
    assert srv.request("PUT", "/_test/faults", token=None)[:1] == (405,)
    assert srv.log() == []


def test_trailing_slash_on_fault_endpoint(srv):
    assert srv.json("GET", "/_test/faults/", token=None) == (200, [])


@pytest.mark.parametrize("rule, word", [
    ({"path": REMOTES, "status": 503, "colour": "red"}, "colour"),
    ({"method": 5, "status": 503}, "method"),
    ({"method": "GET POST", "status": 503}, "method"),
    ({"path": "api/v2/remotes", "status": 503}, "path"),
    ({"path": 7, "status": 503}, "path"),
    ({"status": 503, "count": 0}, "count"),
    ({"status": 503, "count": "2"}, "count"),
    ({"status": 503, "count": True}, "count"),
    ({"status": 503, "count": 1.5}, "count"),
    ({"status": 99}, "status"),
    ({"status": 600}, "status"),
    ({"status": "503"}, "status"),
    ({"status": 503, "body": {"code": "x"}}, "body"),
    ({"status": 503, "content_type": "text/html\r\nX-Evil: 1"}, "content_type"),
    ({"status": 503, "headers": ["Retry-After", "1"]}, "headers"),
    ({"status": 503, "headers": {"Retry After": "1"}}, "header name"),
    ({"status": 503, "headers": {"Content-Length": "1"}}, "Content-Length"),
    ({"status": 503, "headers": {"Retry-After": 1}}, "Retry-After"),
    ({"status": 503, "headers": {"X-A": "1\n2"}}, "X-A"),
    ({"delay": -1}, "delay"),
    ({"delay": 301}, "delay"),
    ({"delay": "1"}, "delay"),
    ({"delay": True}, "delay"),
    ({"drop": "yes"}, "drop"),
    ({"status": 503, "after": 1}, "after"),
    ({"drop": True, "status": 503}, "drop"),
    ({"drop": True, "headers": {"Retry-After": "1"}}, "drop"),
    ({"body": "oops"}, "need a status"),
    ({"content_type": "text/html"}, "need a status"),
    ({"path": REMOTES}, "at least one of"),
    ({"path": REMOTES, "after": True}, "at least one of"),
    ([{"status": 503}, "not a rule"], "JSON object"),
    ("just text", "JSON object"),
])
def test_invalid_rules_are_400_and_nothing_is_added(srv, rule, word):
    status, headers, data = srv.request("POST", "/_test/faults", rule, token=None)
    assert status == 400, data
    assert headers["content-type"] == JSON_TYPE
    value = json.loads(data.decode("utf-8"))
    assert value["code"] == "invalid"
    assert value["message"].startswith("fault rule: ")
    assert word in value["message"]
    assert srv.json("GET", "/_test/faults", token=None) == (200, [])


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff"])
def test_malformed_rule_body(srv, raw):
    status, value = srv.json("POST", "/_test/faults", raw, token=None)
    assert status == 400
    assert value["message"] == "fault rule: the body must be a JSON object or a list of them"


def test_fault_endpoints_are_never_faulted_or_recorded(srv):
    srv.add_fault({"path": "/*", "status": 500, "count": 100})
    assert srv.json("GET", "/_test/requests", token=None) == (200, [])
    assert srv.request("GET", "/_test/remotes", token=None)[0] == 200
    assert srv.request("GET", "/health", token=None)[0] == 500
    status, rules = srv.json("GET", "/_test/faults", token=None)
    assert status == 200 and rules[0]["count"] == 99


# -- status, body, content_type, headers ------------------------------------------------------------

def test_status_with_default_influxdb_error_body(srv):
    srv.add_fault({"method": "GET", "path": REMOTES, "status": 503})
    status, headers, data = srv.request("GET", REMOTES + "?orgID=" + ORG_ID)
    assert status == 503
    assert headers["content-type"] == JSON_TYPE
    assert headers["x-platform-error-code"] == "unavailable"
    assert headers["x-influxdb-build"] == "OSS"
    assert data == b'{\n\t"code": "unavailable",\n\t"message": "injected fault: 503 Service Unavailable"\n}'
    assert srv.request("GET", REMOTES + "?orgID=" + ORG_ID)[0] == 200
    assert srv.log() == [
        {"method": "GET", "path": REMOTES, "query": {"orgID": [ORG_ID]}, "status": 503, "fault": True},
        {"method": "GET", "path": REMOTES, "query": {"orgID": [ORG_ID]}, "status": 200},
    ]


@pytest.mark.parametrize("status, code", [
    (400, "invalid"), (401, "unauthorized"), (404, "not found"), (422, "unprocessable entity"),
    (429, "too many requests"), (500, "internal error"), (502, "unavailable"), (504, "unavailable"),
    (418, "invalid"), (507, "internal error"),
])
def test_default_error_code_per_status(srv, status, code):
    srv.add_fault({"path": REMOTES, "status": status})
    got_status, headers, data = srv.request("GET", REMOTES + "?orgID=" + ORG_ID)
    assert got_status == status
    assert headers["x-platform-error-code"] == code
    assert json.loads(data.decode("utf-8"))["code"] == code


def test_retry_after_header(srv):
    srv.add_fault({"path": REMOTES, "status": 429, "headers": {"Retry-After": "1"}})
    status, headers, _data = srv.request("GET", REMOTES + "?orgID=" + ORG_ID)
    assert (status, headers["retry-after"]) == (429, "1")
    assert "retry-after" not in srv.request("GET", REMOTES + "?orgID=" + ORG_ID)[1]


def test_html_proxy_page_with_content_type(srv):
    page = "<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>\n"
    srv.add_fault({"path": REMOTES, "status": 502, "body": page, "content_type": "text/html"})
    status, headers, data = srv.request("GET", REMOTES + "?orgID=" + ORG_ID)
    assert (status, headers["content-type"], data) == (502, "text/html", page.encode("utf-8"))
    assert "x-platform-error-code" not in headers


@pytest.mark.parametrize("body, content_type", [
    ('{"code": "internal error", "message": "UNIQUE constraint failed: remotes.org_id, remotes.name"}', JSON_TYPE),
    ("upstream connect error", "text/plain; charset=utf-8"),
    ("", "text/plain; charset=utf-8"),
])
def test_custom_body_default_content_type(srv, body, content_type):
    srv.add_fault({"method": "POST", "path": REMOTES, "status": 500, "body": body})
    status, headers, data = srv.request("POST", REMOTES, remote_body())
    assert (status, headers["content-type"], data) == (500, content_type, body.encode("utf-8"))
    assert headers["content-length"] == str(len(data))


def test_success_status_without_body(srv):
    srv.add_fault([{"path": "/health", "status": 200}, {"path": "/health", "status": 204}])
    status, headers, data = srv.request("GET", "/health", token=None)
    assert (status, headers["content-length"], data) == (200, "0", b"")
    status, headers, data = srv.request("GET", "/health", token=None)
    assert (status, data) == (204, b"")
    assert "content-type" not in headers


def test_status_without_after_does_not_commit(srv):
    srv.add_fault({"method": "POST", "path": REMOTES, "status": 503})
    body = remote_body()
    assert srv.request("POST", REMOTES, body)[0] == 503
    assert srv.stored(body["name"]) == []


def test_headers_only_rule_adds_to_real_answer(srv):
    srv.add_fault({"path": "/health", "headers": {"X-Injected": "yes"}})
    status, headers, data = srv.request("GET", "/health", token=None)
    assert (status, headers["x-injected"]) == (200, "yes")
    assert b'"status":"pass"' in data
    assert srv.log() == [{"method": "GET", "path": "/health", "query": {}, "status": 200, "fault": True}]


def test_fault_applies_before_authentication(srv):
    srv.add_fault({"path": REMOTES, "status": 503})
    assert srv.request("GET", REMOTES, token=None)[0] == 503
    assert srv.request("GET", REMOTES, token=None)[0] == 401


# -- matching: method, path, count, order -----------------------------------------------------------

def test_method_filter(srv):
    srv.add_fault({"method": "POST", "path": REMOTES, "status": 500})
    assert srv.request("GET", REMOTES + "?orgID=" + ORG_ID)[0] == 200
    assert srv.request("POST", REMOTES, remote_body())[0] == 500
    assert srv.request("POST", REMOTES, remote_body())[0] == 201


def test_any_method_and_any_path(srv):
    srv.add_fault({"status": 503, "count": 3})
    assert srv.request("GET", "/health", token=None)[0] == 503
    assert srv.request("DELETE", REMOTES + "/0123456789abcdef")[0] == 503
    assert srv.request("HEAD", "/ping", token=None)[0] == 503
    assert srv.request("GET", "/ping", token=None)[0] == 204


@pytest.mark.parametrize("pattern, path, hit", [
    (REMOTES, REMOTES, True),
    (REMOTES, REMOTES + "/", True),
    (REMOTES + "/", REMOTES, True),
    (REMOTES, REMOTES + "/0123456789abcdef", False),
    (REMOTES, "/api/v2/remotesx", False),
    (REMOTES + "/*", REMOTES + "/0123456789abcdef", True),
    (REMOTES + "/*", REMOTES, False),
    (REMOTES + "*", REMOTES, True),
    (REMOTES + "*", REMOTES + "/0123456789abcdef", True),
    ("/api/*", "/api/v2/orgs", True),
    ("/api/*", "/health", False),
])
def test_path_matching(srv, pattern, path, hit):
    srv.add_fault({"method": "GET", "path": pattern, "status": 418})
    status = srv.request("GET", path + "?orgID=" + ORG_ID)[0]
    assert (status == 418) is hit


def test_path_matching_ignores_query_string(srv):
    srv.add_fault({"path": REMOTES, "status": 503})
    assert srv.request("GET", REMOTES + "?orgID=%s&name=x" % ORG_ID)[0] == 503


def test_count_decrements_and_rule_disappears(srv):
    srv.add_fault({"path": REMOTES, "status": 503, "count": 2})
    assert srv.request("GET", REMOTES + "?orgID=" + ORG_ID)[0] == 503
    assert [rule["count"] for rule in srv.json("GET", "/_test/faults", token=None)[1]] == [1]
    assert srv.request("GET", REMOTES + "?orgID=" + ORG_ID)[0] == 503
    assert srv.json("GET", "/_test/faults", token=None) == (200, [])
    assert srv.request("GET", REMOTES + "?orgID=" + ORG_ID)[0] == 200
    assert [entry["status"] for entry in srv.log()] == [503, 503, 200]


def test_rules_apply_in_order(srv):
    srv.add_fault([
        {"method": "POST", "path": REMOTES, "status": 500},
        {"path": REMOTES, "status": 503, "count": 2},
        {"path": "/api/*", "status": 502},
    ])
    statuses = [srv.request("GET", REMOTES + "?orgID=" + ORG_ID)[0] for _attempt in range(4)]
    assert statuses == [503, 503, 502, 200]
    status, rules = srv.json("GET", "/_test/faults", token=None)
    assert (status, [(rule["method"], rule["status"]) for rule in rules]) == (200, [("POST", 500)])


def test_counts_are_exact_under_concurrency(srv):
    srv.add_fault({"path": "/health", "status": 503, "count": 7})
    results = []
    lock = threading.Lock()

    def hit():
        status = srv.request("GET", "/health", token=None)[0]
        with lock:
            results.append(status)

    threads = [threading.Thread(target=hit) for _thread in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [200] * 18 + [503] * 7
    assert len(srv.fault_entries()) == 7
    assert srv.json("GET", "/_test/faults", token=None) == (200, [])


# -- drop, after, delay -----------------------------------------------------------------------------

def test_drop_closes_without_answer_and_commits_nothing(srv):
    srv.add_fault({"method": "POST", "path": REMOTES, "drop": True})
    body = remote_body()
    with pytest.raises(CONNECTION_FAILURES):
        srv.request("POST", REMOTES, body)
    assert srv.stored(body["name"]) == []
    assert srv.log() == [{"method": "POST", "path": REMOTES, "query": {}, "status": None, "fault": True}]
    assert srv.request("POST", REMOTES, remote_body())[0] == 201


def test_drop_seen_by_requests_as_connection_error(srv):
    requests = pytest.importorskip("requests")
    srv.add_fault({"method": "GET", "path": "/health", "drop": True})
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(srv.url + "/health", timeout=10)
    assert requests.get(srv.url + "/health", timeout=10).status_code == 200


def test_after_with_status_commits_the_write(srv):
    srv.add_fault({"method": "POST", "path": REMOTES, "status": 500, "after": True})
    body = remote_body()
    status, value = srv.json("POST", REMOTES, body)
    assert status == 500
    assert value == {"code": "internal error", "message": "injected fault: 500 Internal Server Error"}
    assert [(remote["name"], remote["remoteAPITokenSHA256"]) for remote in srv.stored(body["name"])] == [
        (body["name"], hashlib.sha256(b"secret-remote-token").hexdigest())]
    assert srv.log() == [{"method": "POST", "path": REMOTES, "query": {}, "status": 500, "fault": True}]
    # The name is now taken: a blind retry of the POST hits the unique constraint.
    status, value = srv.json("POST", REMOTES, body)
    assert (status, value["message"]) == (500, "UNIQUE constraint failed: remotes.org_id, remotes.name")


def test_after_with_drop_loses_the_answer_of_a_successful_post(srv):
    srv.add_fault({"method": "POST", "path": REMOTES, "drop": True, "after": True})
    body = remote_body()
    with pytest.raises(CONNECTION_FAILURES):
        srv.request("POST", REMOTES, body)
    assert len(srv.stored(body["name"])) == 1
    status, value = srv.json("GET", REMOTES + "?orgID=%s&name=%s" % (ORG_ID, body["name"]))
    assert status == 200 and len(value["remotes"]) == 1
    assert srv.log()[0] == {"method": "POST", "path": REMOTES, "query": {}, "status": None, "fault": True}


def test_after_commits_patch_and_delete(srv):
    status, remote = srv.json("POST", REMOTES, remote_body())
    assert status == 201
    path = REMOTES + "/" + remote["id"]
    srv.add_fault([{"method": "PATCH", "path": REMOTES + "/*", "status": 504, "after": True},
                   {"method": "DELETE", "path": REMOTES + "/*", "drop": True, "after": True}])
    assert srv.request("PATCH", path, {"description": "changed"})[0] == 504
    assert srv.stored(remote["name"])[0]["description"] == "changed"
    with pytest.raises(CONNECTION_FAILURES):
        srv.request("DELETE", path)
    assert srv.stored(remote["name"]) == []
    assert srv.request("DELETE", path)[0] == 404


def test_delay_then_normal_answer(srv):
    srv.add_fault({"method": "GET", "path": "/health", "delay": 0.6})
    start = time.monotonic()
    status = srv.request("GET", "/health", token=None)[0]
    assert status == 200
    assert time.monotonic() - start >= 0.55
    start = time.monotonic()
    assert srv.request("GET", "/health", token=None)[0] == 200
    assert time.monotonic() - start < 0.5
    assert srv.log()[0] == {"method": "GET", "path": "/health", "query": {}, "status": 200, "fault": True}
    assert "fault" not in srv.log()[1]


def test_delay_with_status(srv):
    srv.add_fault({"path": "/health", "delay": 0.3, "status": 503})
    start = time.monotonic()
    assert srv.request("GET", "/health", token=None)[0] == 503
    assert time.monotonic() - start >= 0.25


def test_delay_longer_than_client_timeout_is_a_timeout():
    server = start_server()
    try:
        server.add_fault({"method": "POST", "path": REMOTES, "delay": 1.5})
        with pytest.raises(socket.timeout):
            server.request("POST", REMOTES, remote_body(), timeout=0.4)
        # Without "after" the request is handled only once the delay is over.
        assert server.remotes() == []
        wait_for(lambda: len(server.log()) == 1)
        assert server.log()[0]["fault"] is True
        assert len(server.remotes()) == 1
        assert server.request("GET", "/health", token=None)[0] == 200
    finally:
        out, err = server.stop()
    assert (out, err) == (b"", b"")


def test_after_with_delay_commits_before_the_client_times_out():
    server = start_server()
    try:
        server.add_fault({"method": "POST", "path": REMOTES, "delay": 1.5, "after": True})
        body = remote_body()
        with pytest.raises(socket.timeout):
            server.request("POST", REMOTES, body, timeout=0.4)
        assert [remote["name"] for remote in server.remotes()] == [body["name"]]
        wait_for(lambda: len(server.log()) == 1)
        assert server.log() == [{"method": "POST", "path": REMOTES, "query": {}, "status": 201, "fault": True}]
    finally:
        out, err = server.stop()
    assert (out, err) == (b"", b"")


def test_faults_in_log_file_and_verbose_output(tmp_path):
    log_path = tmp_path / "requests.jsonl"
    server = start_server("--log-file", str(log_path), "--verbose")
    try:
        server.add_fault([{"path": "/health", "drop": True}, {"path": "/health", "status": 503}])
        with pytest.raises(CONNECTION_FAILURES):
            server.request("GET", "/health", token=None)
        assert server.request("GET", "/health", token=None)[0] == 503
        assert server.request("GET", "/health", token=None)[0] == 200
    finally:
        _out, err = server.stop()
    lines = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()]
    assert [(line["status"], line.get("fault")) for line in lines] == [(None, True), (503, True), (200, None)]
    assert b"GET /health dropped (fault)\n" in err
    assert b"GET /health 503 (fault)\n" in err
    assert b"GET /health 200\n" in err
    assert TOKEN.encode() not in err
