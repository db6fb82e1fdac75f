"""Conformance tests for the InfluxDB OSS 2.x-compatible test server.

Each test pins one upstream (main-2.x) behaviour the collection relies on:
status codes, exact bodies, headers, null lists, constraint errors, PATCH
semantics, authentication, and the test-only interface under /_test/.
The server runs as a subprocess, exactly as the demo and CI start it.
"""

import hashlib
import http.client
import json
import os
import re
import subprocess
import sys
import uuid

import pytest

SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "influxdb_test_server.py")
TOKEN = "conformance-operator-token"
RO_TOKEN = "conformance-read-only-token"
ORG_NAME = "edge"
ORG_ID = "0123456789abcdef"
OTHER_ORG_NAME = "other org"
OTHER_ORG_ID = "fedcba9876543210"
JSON_TYPE = "application/json; charset=utf-8"
UNAUTHORIZED_BODY = b'{"code":"unauthorized","message":"unauthorized access"}'


class Server:
    """A running test server process."""

    def __init__(self, proc, url):
        self.proc = proc
        self.url = url
        self.port = int(url.rsplit(":", 1)[1])

    def request(self, method, path, body=None, token=TOKEN, headers=None, scheme="Token"):
        """Send one request; return (status, headers dict with lower-case names, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        send_headers = dict(headers or {})
        if token is not None:
            send_headers["Authorization"] = "%s %s" % (scheme, token)
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode("utf-8")
            send_headers.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, path, body=body, headers=send_headers)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def json(self, method, path, body=None, token=TOKEN):
        """Send one request and decode a JSON answer: (status, value)."""
        status, _headers, data = self.request(method, path, body, token)
        return status, json.loads(data.decode("utf-8")) if data else None

    def stop(self):
        """Terminate the process; return what it wrote after the READY line (stdout, stderr)."""
        self.proc.terminate()
        try:
            out, err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        return out, err


def start_server(*extra, python=None):
    """Start a server on a free port and wait for its READY line."""
    python = python or os.environ.get("INFLUXDB_TEST_SERVER_PYTHON") or sys.executable
    cmd = [python, SERVER, "--port", "0", "--token", TOKEN, "--org", "%s=%s" % (ORG_NAME, ORG_ID),
           "--org", "%s=%s" % (OTHER_ORG_NAME, OTHER_ORG_ID)] + list(extra)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # pylint: disable=consider-using-with
    line = proc.stdout.readline().decode("utf-8")
    match = re.match(r"^READY (http://127\.0\.0\.1:\d+)\n$", line)
    if not match:
        proc.kill()
        raise AssertionError("no READY line: %r, stderr: %r" % (line, proc.stderr.read()))
    return Server(proc, match.group(1))


@pytest.fixture(name="server", scope="module")
def fixture_server():
    """One server (with a read-only token) shared by the module."""
    srv = start_server("--read-only-token", RO_TOKEN)
    yield srv
    srv.stop()


@pytest.fixture(name="fresh")
def fixture_fresh(tmp_path):
    """A private server for tests that look at the request log or the log file."""
    srv = start_server("--log-file", str(tmp_path / "requests.jsonl"))
    srv.log_path = tmp_path / "requests.jsonl"
    yield srv
    srv.stop()


def random_org():
    """A random valid org ID: the server does not check that the org exists."""
    return uuid.uuid4().hex[:16]


def unique(prefix="remote"):
    """A unique remote name."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def create_remote(server, org_id, **fields):
    """Create a remote and return its JSON."""
    body = {"orgID": org_id, "name": unique(), "remoteURL": "https://central.example.com:8086",
            "remoteAPIToken": "secret-remote-token", "allowInsecureTLS": False}
    body.update(fields)
    status, value = server.json("POST", "/api/v2/remotes", body)
    assert status == 201, value
    return value


def create_replication(server, org_id, remote_id, **fields):
    """Create a replication that references a remote."""
    body = {"orgID": org_id, "name": unique("repl"), "remoteID": remote_id,
            "localBucketID": "1111111111111111", "remoteBucketName": "central"}
    body.update(fields)
    return server.json("POST", "/api/v2/replications", body)


def assert_error(response, status, code, message):
    """Check an upstream error answer: status, pretty body and headers."""
    got_status, headers, data = response
    assert got_status == status, data
    assert headers["content-type"] == JSON_TYPE
    assert headers["x-platform-error-code"] == code
    assert data == ('{\n\t"code": %s,\n\t"message": %s\n}' % (json.dumps(code), json.dumps(message))).encode("utf-8")


# -- start-up, health, ping ---------------------------------------------------

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


# -- authentication -----------------------------------------------------------

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


# -- orgs -----------------------------------------------------------------------

def test_org_lookup_by_name(server):
    status, headers, data = server.request("GET", "/api/v2/orgs?org=" + ORG_NAME)
    assert status == 200
    assert headers["content-type"] == JSON_TYPE
    body = json.loads(data)
    assert [(o["id"], o["name"]) for o in body["orgs"]] == [(ORG_ID, ORG_NAME)]
    assert body["links"]["self"] == "/api/v2/orgs"
    assert body["orgs"][0]["description"] == ""
    assert body["orgs"][0]["links"]["self"] == "/api/v2/orgs/" + ORG_ID


def test_org_lookup_by_name_with_space(server):
    status, value = server.json("GET", "/api/v2/orgs?org=other%20org")
    assert status == 200
    assert value["orgs"][0]["id"] == OTHER_ORG_ID


def test_org_lookup_unknown_name(server):
    assert_error(server.request("GET", "/api/v2/orgs?org=nope"), 404, "not found", 'organization name "nope" not found')


def test_org_list_all(server):
    status, value = server.json("GET", "/api/v2/orgs")
    assert status == 200
    assert [o["id"] for o in value["orgs"]] == sorted([ORG_ID, OTHER_ORG_ID])


def test_org_by_id(server):
    status, value = server.json("GET", "/api/v2/orgs/" + ORG_ID)
    assert status == 200
    assert value["id"] == ORG_ID
    assert value["name"] == ORG_NAME


def test_org_by_id_upper_case(server):
    status, value = server.json("GET", "/api/v2/orgs/" + ORG_ID.upper())
    assert status == 200
    assert value["id"] == ORG_ID


def test_org_by_unknown_id(server):
    assert_error(server.request("GET", "/api/v2/orgs/" + random_org()), 404, "not found", "organization not found")


@pytest.mark.parametrize("bad, message", [
    ("abc", "id must have a length of 16 bytes"),
    ("zzzzzzzzzzzzzzzz", "invalid ID"),
    ("0000000000000000", "invalid ID"),
])
def test_org_by_bad_id(server, bad, message):
    assert_error(server.request("GET", "/api/v2/orgs/" + bad), 400, "invalid", message)


# -- remotes: list ----------------------------------------------------------------

@pytest.mark.parametrize("query", ["", "?orgID=", "?orgID=abc", "?orgID=0000000000000000", "?org=" + ORG_NAME])
def test_list_requires_org_id(server, query):
    assert_error(server.request("GET", "/api/v2/remotes" + query), 400, "invalid", "invalid or missing org ID")


def test_list_no_match_is_null_exact_body(server):
    status, headers, data = server.request("GET", "/api/v2/remotes?orgID=" + random_org())
    assert status == 200
    assert headers["content-type"] == JSON_TYPE
    assert data == b'{\n\t"remotes": null\n}'


def test_list_filters(server):
    org = random_org()
    first = create_remote(server, org, name="alpha", remoteURL="https://a.example.com")
    second = create_remote(server, org, name="beta", remoteURL="https://b.example.com")
    create_remote(server, random_org(), name="alpha")
    status, value = server.json("GET", "/api/v2/remotes?orgID=" + org)
    assert status == 200
    assert sorted(r["id"] for r in value["remotes"]) == sorted([first["id"], second["id"]])
    status, value = server.json("GET", "/api/v2/remotes?orgID=%s&name=alpha" % org)
    assert [r["id"] for r in value["remotes"]] == [first["id"]]
    status, value = server.json("GET", "/api/v2/remotes?orgID=%s&remoteURL=https://b.example.com" % org)
    assert [r["id"] for r in value["remotes"]] == [second["id"]]
    status, value = server.json("GET", "/api/v2/remotes?orgID=%s&name=alpha&remoteURL=https://b.example.com" % org)
    assert value == {"remotes": None}
    status, value = server.json("GET", "/api/v2/remotes?orgID=%s&name=" % org)
    assert status == 200
    assert len(value["remotes"]) == 2


def test_list_filter_is_exact(server):
    org = random_org()
    create_remote(server, org, name="Alpha")
    _status, value = server.json("GET", "/api/v2/remotes?orgID=%s&name=alpha" % org)
    assert value == {"remotes": None}


def test_list_accepts_upper_case_org_id(server):
    org = random_org()
    remote = create_remote(server, org)
    status, value = server.json("GET", "/api/v2/remotes?orgID=" + org.upper())
    assert status == 200
    assert [r["id"] for r in value["remotes"]] == [remote["id"]]


# -- remotes: create ----------------------------------------------------------------

def test_create_answer_shape_and_format(server):
    org = random_org()
    status, headers, data = server.request("POST", "/api/v2/remotes", {
        "orgID": org, "name": "central", "remoteURL": "https://central.example.com", "remoteAPIToken": "tok",
    })
    assert status == 201
    assert headers["content-type"] == JSON_TYPE
    assert not data.endswith(b"\n")
    assert data.startswith(b'{\n\t"id": "')
    value = json.loads(data)
    assert re.match(r"^[0-9a-f]{16}$", value["id"]) and value["id"] != "0" * 16
    expected = {"id": value["id"], "orgID": org, "name": "central", "remoteURL": "https://central.example.com",
                "remoteOrgID": None, "allowInsecureTLS": False}
    assert value == expected
    assert list(value) == ["id", "orgID", "name", "remoteURL", "remoteOrgID", "allowInsecureTLS"]
    assert data == json.dumps(expected, indent="\t").encode("utf-8")
    assert b"tok" not in data


def test_create_with_all_fields(server):
    org = random_org()
    remote = create_remote(server, org, description="to central", remoteOrgID="ABCDEFABCDEF0123", allowInsecureTLS=True)
    assert remote["description"] == "to central"
    assert remote["remoteOrgID"] == "abcdefabcdef0123"
    assert remote["allowInsecureTLS"] is True
    assert "remoteAPIToken" not in remote


def test_create_empty_description_is_shown(server):
    remote = create_remote(server, random_org(), description="")
    assert remote["description"] == ""


def test_create_validates_almost_nothing(server):
    org = random_org()
    status, value = server.json("POST", "/api/v2/remotes", {"orgID": org, "remoteURL": "not a url", "unknown": 1})
    assert status == 201
    assert value["name"] == ""
    assert value["remoteURL"] == "not a url"


def test_create_does_not_check_org_exists(server):
    org = random_org()
    status, value = server.json("POST", "/api/v2/remotes", {"orgID": org, "name": "orphan", "remoteURL": "http://x"})
    assert status == 201
    assert value["orgID"] == org


def test_create_duplicate_name_is_500(server):
    org = random_org()
    create_remote(server, org, name="dup")
    response = server.request("POST", "/api/v2/remotes", {"orgID": org, "name": "dup", "remoteURL": "http://x"})
    assert_error(response, 500, "internal error", "UNIQUE constraint failed: remotes.org_id, remotes.name")
    _status, value = server.json("GET", "/api/v2/remotes?orgID=%s&name=dup" % org)
    assert len(value["remotes"]) == 1


def test_same_name_in_other_org_is_fine(server):
    create_remote(server, random_org(), name="shared")
    create_remote(server, random_org(), name="shared")


@pytest.mark.parametrize("body, message", [
    ({"name": "x"}, "invalid org id for permission: invalid ID"),
    ({"orgID": None, "name": "x"}, "invalid org id for permission: invalid ID"),
    ({"orgID": "abc", "name": "x"}, "failed to unmarshal json: id must have a length of 16 bytes"),
    ({"orgID": "0000000000000000", "name": "x"}, "failed to unmarshal json: invalid ID"),
    ({"orgID": "gggggggggggggggg", "name": "x"}, "failed to unmarshal json: invalid ID"),
    ({"orgID": ORG_ID, "remoteOrgID": ""}, "failed to unmarshal json: id must have a length of 16 bytes"),
    ({"orgID": ORG_ID, "name": 5},
     "failed to unmarshal json: json: cannot unmarshal number into Go struct field CreateRemoteConnectionRequest.name of type string"),
    ({"orgID": ORG_ID, "allowInsecureTLS": "yes"},
     "failed to unmarshal json: json: cannot unmarshal string into Go struct field CreateRemoteConnectionRequest.allowInsecureTLS of type bool"),
    ([], "failed to unmarshal json: json: cannot unmarshal array into Go value of type influxdb.CreateRemoteConnectionRequest"),
])
def test_create_invalid_bodies(server, body, message):
    assert_error(server.request("POST", "/api/v2/remotes", body), 400, "invalid", message)


@pytest.mark.parametrize("raw, message", [
    (b"", "failed to unmarshal json: EOF"),
    (b"  \n", "failed to unmarshal json: EOF"),
    (b"{", "failed to unmarshal json: unexpected EOF"),
    (b'{"orgID": "0123456789abcdef",', "failed to unmarshal json: unexpected EOF"),
    (b"not json", "failed to unmarshal json: invalid character 'o' in literal null (expecting 'u')"),
    (b"{name: 1}", "failed to unmarshal json: invalid character 'n' looking for beginning of object key string"),
    (b'{"name" 1}', "failed to unmarshal json: invalid character '1' after object key"),
    (b'{"name": "a" "b"}', "failed to unmarshal json: invalid character '\"' after object key:value pair"),
    (b'[1 2]', "failed to unmarshal json: invalid character '2' after array element"),
    (b'{"name": tru}', "failed to unmarshal json: invalid character '}' in literal true (expecting 'e')"),
    (b'{"name": -x}', "failed to unmarshal json: invalid character 'x' in numeric literal"),
    (b'{"name": NaN}', "failed to unmarshal json: invalid character 'N' looking for beginning of value"),
    (b'{"name": "a\x01"}', "failed to unmarshal json: invalid character '\\x01' in string literal"),
])
def test_create_malformed_json(server, raw, message):
    assert_error(server.request("POST", "/api/v2/remotes", raw), 400, "invalid", message)


def test_create_field_names_match_case_insensitively(server):
    org = random_org()
    status, value = server.json("POST", "/api/v2/remotes", {"ORGID": org, "Name": "folded", "remoteurl": "http://x"})
    assert status == 201
    assert (value["orgID"], value["name"], value["remoteURL"]) == (org, "folded", "http://x")


def test_json_escapes_like_go(server):
    status, _headers, data = server.request("POST", "/api/v2/remotes", {
        "orgID": random_org(), "name": "a<b>&c", "remoteURL": "http://x", "description": "caf\u00e9"})
    assert status == 201
    assert b'"a\\u003cb\\u003e\\u0026c"' in data
    assert "caf\u00e9".encode("utf-8") in data


# -- remotes: get ------------------------------------------------------------------

def test_get_by_id(server):
    remote = create_remote(server, random_org())
    status, value = server.json("GET", "/api/v2/remotes/" + remote["id"])
    assert status == 200
    assert value == remote


def test_get_by_upper_case_id(server):
    remote = create_remote(server, random_org())
    status, value = server.json("GET", "/api/v2/remotes/" + remote["id"].upper())
    assert status == 200
    assert value["id"] == remote["id"]


def test_get_unknown(server):
    assert_error(server.request("GET", "/api/v2/remotes/" + random_org()), 404, "not found", "remote connection not found")


@pytest.mark.parametrize("bad", ["abc", "0000000000000000", "xyzxyzxyzxyzxyzx", "0123456789abcdef0"])
def test_get_bad_id(server, bad):
    assert_error(server.request("GET", "/api/v2/remotes/" + bad), 400, "invalid", "remote-connection ID is invalid")


def test_trailing_slashes_are_ignored(server):
    org = random_org()
    remote = create_remote(server, org)
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


# -- remotes: patch ------------------------------------------------------------------

def test_patch_changes_only_sent_fields(server):
    remote = create_remote(server, random_org(), description="old", remoteOrgID="1234567890abcdef")
    status, value = server.json("PATCH", "/api/v2/remotes/" + remote["id"], {"remoteURL": "https://new.example.com"})
    assert status == 200
    expected = dict(remote, remoteURL="https://new.example.com")
    assert value == expected
    assert server.json("GET", "/api/v2/remotes/" + remote["id"])[1] == expected


def test_patch_empty_object_changes_nothing(server):
    remote = create_remote(server, random_org(), description="keep")
    status, value = server.json("PATCH", "/api/v2/remotes/" + remote["id"], {})
    assert status == 200
    assert value == remote


def test_patch_empty_body_is_400(server):
    remote = create_remote(server, random_org())
    assert_error(server.request("PATCH", "/api/v2/remotes/" + remote["id"], b""), 400, "invalid", "failed to unmarshal json: EOF")


def test_patch_null_is_ignored_for_every_field(server):
    remote = create_remote(server, random_org(), description="stays", remoteOrgID="1234567890abcdef", allowInsecureTLS=True)
    before = _token_hash(server, remote["id"])
    body = {"name": None, "description": None, "remoteURL": None, "remoteAPIToken": None, "remoteOrgID": None, "allowInsecureTLS": None}
    status, value = server.json("PATCH", "/api/v2/remotes/" + remote["id"], body)
    assert status == 200
    assert value == remote
    assert _token_hash(server, remote["id"]) == before


def test_patch_empty_description_is_stored(server):
    remote = create_remote(server, random_org(), description="something")
    status, value = server.json("PATCH", "/api/v2/remotes/" + remote["id"], {"description": ""})
    assert status == 200
    assert value["description"] == ""


def test_patch_sets_description_and_remote_org_id_from_null(server):
    remote = create_remote(server, random_org())
    assert "description" not in remote and remote["remoteOrgID"] is None
    status, value = server.json("PATCH", "/api/v2/remotes/" + remote["id"], {"description": "d", "remoteOrgID": "AAAAAAAAAAAAAAAA"})
    assert status == 200
    assert value["description"] == "d"
    assert value["remoteOrgID"] == "aaaaaaaaaaaaaaaa"


def test_patch_empty_remote_org_id_is_400(server):
    remote = create_remote(server, random_org(), remoteOrgID="1234567890abcdef")
    response = server.request("PATCH", "/api/v2/remotes/" + remote["id"], {"remoteOrgID": ""})
    assert_error(response, 400, "invalid", "failed to unmarshal json: id must have a length of 16 bytes")
    assert server.json("GET", "/api/v2/remotes/" + remote["id"])[1] == remote


def test_patch_org_id_is_ignored(server):
    org = random_org()
    remote = create_remote(server, org)
    status, value = server.json("PATCH", "/api/v2/remotes/" + remote["id"], {"orgID": random_org(), "name": "renamed"})
    assert status == 200
    assert value["orgID"] == org
    assert value["name"] == "renamed"


def test_patch_rename_onto_existing_is_500(server):
    org = random_org()
    create_remote(server, org, name="taken")
    remote = create_remote(server, org, name="mine")
    response = server.request("PATCH", "/api/v2/remotes/" + remote["id"], {"name": "taken"})
    assert_error(response, 500, "internal error", "UNIQUE constraint failed: remotes.org_id, remotes.name")
    assert server.json("GET", "/api/v2/remotes/" + remote["id"])[1]["name"] == "mine"


def test_patch_unknown_and_bad_id(server):
    assert_error(server.request("PATCH", "/api/v2/remotes/" + random_org(), {"name": "x"}), 404, "not found",
                 "remote connection not found")
    assert_error(server.request("PATCH", "/api/v2/remotes/nope", {"name": "x"}), 400, "invalid", "remote-connection ID is invalid")


def _token_hash(server, remote_id):
    status, value = server.json("GET", "/_test/remotes", token=None)
    assert status == 200
    return [r for r in value if r["id"] == remote_id][0]["remoteAPITokenSHA256"]


def test_patch_token_replaces_it(server):
    remote = create_remote(server, random_org(), remoteAPIToken="first-token")
    assert _token_hash(server, remote["id"]) == hashlib.sha256(b"first-token").hexdigest()
    status, _headers, data = server.request("PATCH", "/api/v2/remotes/" + remote["id"], {"remoteAPIToken": "second-token"})
    assert status == 200
    assert b"second-token" not in data
    assert json.loads(data) == remote
    assert _token_hash(server, remote["id"]) == hashlib.sha256(b"second-token").hexdigest()


# -- remotes: delete ------------------------------------------------------------------

def test_delete_then_again_404(server):
    remote = create_remote(server, random_org())
    status, headers, data = server.request("DELETE", "/api/v2/remotes/" + remote["id"])
    assert status == 204
    assert data == b""
    assert "content-type" not in headers
    assert_error(server.request("DELETE", "/api/v2/remotes/" + remote["id"]), 404, "not found", "remote connection not found")
    assert_error(server.request("GET", "/api/v2/remotes/" + remote["id"]), 404, "not found", "remote connection not found")


def test_delete_bad_id(server):
    assert_error(server.request("DELETE", "/api/v2/remotes/0000000000000000"), 400, "invalid", "remote-connection ID is invalid")


def test_referenced_remote_cannot_be_deleted(server):
    org = random_org()
    remote = create_remote(server, org)
    status, replication = create_replication(server, org, remote["id"])
    assert status == 201, replication
    response = server.request("DELETE", "/api/v2/remotes/" + remote["id"])
    assert_error(response, 500, "internal error", "remote-connection cannot be deleted as a replication references it")
    assert server.json("GET", "/api/v2/remotes/" + remote["id"]) == (200, remote)
    status, _headers, _data = server.request("DELETE", "/api/v2/replications/" + replication["id"])
    assert status == 204
    status, _headers, _data = server.request("DELETE", "/api/v2/remotes/" + remote["id"])
    assert status == 204


# -- replications ------------------------------------------------------------------------

def test_replication_shape(server):
    org = random_org()
    remote = create_remote(server, org)
    status, value = create_replication(server, org, remote["id"], remoteBucketID="2222222222222222", remoteBucketName="")
    assert status == 201
    assert value["remoteID"] == remote["id"]
    assert value["remoteBucketID"] == "2222222222222222"
    assert value["RemoteBucketName"] == ""
    assert value["maxQueueSizeBytes"] == 67108860
    assert value["maxAgeSeconds"] == 0
    assert value["dropNonRetryableData"] is False
    assert "description" not in value
    status, listed = server.json("GET", "/api/v2/replications?orgID=" + org)
    assert status == 200 and [r["id"] for r in listed["replications"]] == [value["id"]]
    status, listed = server.json("GET", "/api/v2/replications?orgID=%s&remoteID=%s" % (org, remote["id"]))
    assert [r["id"] for r in listed["replications"]] == [value["id"]]
    assert server.json("GET", "/api/v2/replications/" + value["id"]) == (200, value)


def test_replication_by_bucket_name(server):
    org = random_org()
    remote = create_remote(server, org)
    status, value = create_replication(server, org, remote["id"], remoteBucketName="by-name")
    assert status == 201
    assert value["remoteBucketID"] is None
    assert value["RemoteBucketName"] == "by-name"


def test_replication_list_null(server):
    status, _headers, data = server.request("GET", "/api/v2/replications?orgID=" + random_org())
    assert status == 200
    assert data == b'{\n\t"replications": null\n}'


def test_replication_unknown_remote(server):
    org = random_org()
    missing = random_org()
    status, headers, data = server.request("POST", "/api/v2/replications", {
        "orgID": org, "name": "r", "remoteID": missing, "localBucketID": "1111111111111111", "remoteBucketName": "b"})
    assert status == 400
    assert headers["x-platform-error-code"] == "invalid"
    assert json.loads(data) == {"code": "invalid", "message": 'remote "%s" not found: FOREIGN KEY constraint failed' % missing}


def test_replication_needs_a_bucket(server):
    org = random_org()
    remote = create_remote(server, org)
    status, _headers, data = server.request("POST", "/api/v2/replications", {
        "orgID": org, "name": "r", "remoteID": remote["id"], "localBucketID": "1111111111111111"})
    assert status == 422
    assert json.loads(data)["message"] == "one of remote_bucket_id, remote_bucket_name should be provided"


def test_replication_queue_size_and_age_limits(server):
    org = random_org()
    remote = create_remote(server, org)
    status, value = create_replication(server, org, remote["id"], maxQueueSizeBytes=1)
    assert (status, value["message"]) == (400, "maxQueueSize too small, must be at least 33554430")
    status, value = create_replication(server, org, remote["id"], maxAgeSeconds=5)
    assert (status, value["message"]) == (400, "maxAgeSeconds must be 0 (use default) or between 60 and 5184000")


def test_replication_duplicate_name(server):
    org = random_org()
    remote = create_remote(server, org)
    status, value = create_replication(server, org, remote["id"], name="same")
    assert status == 201
    status, value = create_replication(server, org, remote["id"], name="same")
    assert (status, value["message"]) == (500, "UNIQUE constraint failed: replications.org_id, replications.name")


def test_replication_get_delete_errors(server):
    assert_error(server.request("GET", "/api/v2/replications/xyz"), 400, "invalid", "replication ID is invalid")
    assert_error(server.request("GET", "/api/v2/replications/" + random_org()), 404, "not found", "replication not found")
    assert_error(server.request("DELETE", "/api/v2/replications/" + random_org()), 404, "not found", "replication not found")
    assert_error(server.request("GET", "/api/v2/replications"), 400, "invalid", "invalid or missing org ID")


def test_replication_validate_saves_nothing(server):
    org = random_org()
    remote = create_remote(server, org)
    body = {"orgID": org, "name": "v", "remoteID": remote["id"], "localBucketID": "1111111111111111", "remoteBucketName": "b"}
    status, _headers, data = server.request("POST", "/api/v2/replications?validate=true", body)
    assert (status, data) == (204, b"")
    assert server.json("GET", "/api/v2/replications?orgID=" + org) == (200, {"replications": None})


# -- methods -------------------------------------------------------------------------------

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


# -- read-only token -------------------------------------------------------------------------

def test_read_only_token_reads(server):
    org = random_org()
    remote = create_remote(server, org)
    assert server.json("GET", "/api/v2/remotes?orgID=" + org, token=RO_TOKEN) == (200, {"remotes": [remote]})
    assert server.json("GET", "/api/v2/remotes/" + remote["id"], token=RO_TOKEN) == (200, remote)
    assert server.json("GET", "/api/v2/orgs?org=" + ORG_NAME, token=RO_TOKEN)[0] == 200


def test_read_only_token_cannot_write(server):
    org = random_org()
    remote = create_remote(server, org)
    response = server.request("POST", "/api/v2/remotes", {"orgID": org, "name": "x", "remoteURL": "http://x"}, token=RO_TOKEN)
    assert_error(response, 401, "unauthorized", "write:orgs/%s/remotes is unauthorized" % org)
    response = server.request("PATCH", "/api/v2/remotes/" + remote["id"], {"name": "x"}, token=RO_TOKEN)
    assert_error(response, 401, "unauthorized", "write:orgs/%s/remotes/%s is unauthorized" % (org, remote["id"]))
    response = server.request("DELETE", "/api/v2/remotes/" + remote["id"], token=RO_TOKEN)
    assert_error(response, 401, "unauthorized", "write:orgs/%s/remotes/%s is unauthorized" % (org, remote["id"]))
    assert server.json("GET", "/api/v2/remotes?orgID=" + org) == (200, {"remotes": [remote]})


# -- test-only interface ---------------------------------------------------------------------

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
    remote = create_remote(fresh, ORG_ID, remoteAPIToken="abc")
    status, value = fresh.json("GET", "/_test/remotes", token=None)
    assert status == 200
    assert value == [dict(remote, remoteAPITokenSHA256=hashlib.sha256(b"abc").hexdigest())]


# -- process-level behaviour ---------------------------------------------------------------------

def test_db_persists_across_restart(tmp_path):
    db = str(tmp_path / "influx.sqlite")
    first = start_server("--db", db)
    try:
        remote = create_remote(first, ORG_ID, name="persisted", remoteAPIToken="kept")
    finally:
        first.stop()
    second = start_server("--db", db)
    try:
        assert second.json("GET", "/api/v2/remotes/" + remote["id"]) == (200, remote)
        status, value = second.json("GET", "/_test/remotes", token=None)
        assert status == 200
        assert value[0]["remoteAPITokenSHA256"] == hashlib.sha256(b"kept").hexdigest()
        response = second.request("POST", "/api/v2/remotes", {"orgID": ORG_ID, "name": "persisted", "remoteURL": "http://x"})
        assert_error(response, 500, "internal error", "UNIQUE constraint failed: remotes.org_id, remotes.name")
    finally:
        second.stop()


def test_memory_store_starts_empty(tmp_path):
    first = start_server()
    try:
        create_remote(first, ORG_ID, name="gone")
    finally:
        first.stop()
    second = start_server()
    try:
        assert second.json("GET", "/api/v2/remotes?orgID=" + ORG_ID) == (200, {"remotes": None})
    finally:
        second.stop()
    assert not list(tmp_path.iterdir())


def test_quiet_by_default():
    srv = start_server()
    srv.request("GET", "/api/v2/remotes?orgID=" + ORG_ID)
    srv.request("GET", "/api/v2/remotes?orgID=" + ORG_ID, token=None)
    out, err = srv.stop()
    assert out == b""
    assert err == b""


def test_verbose_logs_requests_without_tokens():
    srv = start_server("--verbose")
    srv.request("GET", "/api/v2/remotes?orgID=" + ORG_ID)
    _out, err = srv.stop()
    assert b"GET /api/v2/remotes 200" in err
    assert TOKEN.encode() not in err


def test_sigterm_exits_cleanly():
    srv = start_server()
    srv.stop()
    assert srv.proc.returncode == 0


@pytest.mark.parametrize("args", [
    ["--org", "bad"],
    ["--org", "name=123"],
])
def test_bad_command_line(args):
    cmd = [sys.executable, SERVER, "--port", "0", "--token", TOKEN] + args
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, check=False)
    assert result.returncode == 2
    assert result.stdout == b""


def test_options_with_origin_is_cors_preflight(server):
    status, headers, data = server.request("OPTIONS", "/api/v2/remotes", token=None, headers={"Origin": "http://ui.example"})
    assert (status, data) == (204, b"")
    assert headers["access-control-allow-origin"] == "http://ui.example"


@pytest.mark.parametrize("query, message", [
    ("limit=0", "limit must be between 1 and 100"),
    ("limit=x", "limit is invalid"),
    ("offset=x", "offset is invalid"),
    ("descending=maybe", "descending is invalid"),
])
def test_org_list_paging_errors(server, query, message):
    assert_error(server.request("GET", "/api/v2/orgs?" + query), 400, "invalid", message)


def test_patch_body_is_decoded_before_lookup(server):
    response = server.request("PATCH", "/api/v2/remotes/" + random_org(), {"remoteOrgID": ""})
    assert_error(response, 400, "invalid", "failed to unmarshal json: id must have a length of 16 bytes")


def test_patch_replication(server):
    org = random_org()
    first = create_remote(server, org)
    second = create_remote(server, org)
    status, replication = create_replication(server, org, first["id"])
    assert status == 201
    status, value = server.json("PATCH", "/api/v2/replications/" + replication["id"], {"remoteID": second["id"], "maxAgeSeconds": 60})
    assert status == 200
    assert (value["remoteID"], value["maxAgeSeconds"], value["name"]) == (second["id"], 60, replication["name"])
    missing = random_org()
    status, value = server.json("PATCH", "/api/v2/replications/" + replication["id"], {"remoteID": missing})
    assert (status, value["message"]) == (400, 'remote "%s" not found: FOREIGN KEY constraint failed' % missing)
    assert server.request("DELETE", "/api/v2/remotes/" + first["id"])[0] == 204


def test_unknown_path_outside_api_is_plain_404(server):
    status, headers, data = server.request("GET", "/no-such-page", token=None)
    assert (status, data) == (404, b"404 page not found\n")
    assert headers["content-type"] == "text/plain; charset=utf-8"
