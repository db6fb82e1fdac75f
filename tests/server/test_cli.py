"""The process: --db across restarts, the in-memory default, quiet and --verbose output, SIGTERM, bad command lines."""

import hashlib
import subprocess
import sys

import pytest

from conftest import ORG_ID, SERVER, TOKEN, assert_error, start_server


# -- process-level behaviour ------------------------------------------------------------------------

def test_db_persists_across_restart(tmp_path):
    db = str(tmp_path / "influx.sqlite")
    first = start_server("--db", db)
    try:
        remote = first.create_remote(ORG_ID, name="persisted", remoteAPIToken="kept")
        me = first.json("GET", "/api/v2/me")[1]
        status, made = first.json("POST", "/api/v2/authorizations", {"orgID": ORG_ID, "permissions": [
            {"action": "read", "resource": {"type": "remotes", "orgID": ORG_ID}}]})
        assert status == 201
    finally:
        first.stop()
    second = start_server("--db", db)
    try:
        assert second.json("GET", "/api/v2/remotes/" + remote["id"]) == (200, remote)
        # the user, the operator token and the tokens made through the API are kept (the token is not)
        assert second.json("GET", "/api/v2/me") == (200, me)
        assert second.json("GET", "/api/v2/remotes/" + remote["id"], token=made["token"]) == (200, remote)
        assert [item["id"] for item in second.json("GET", "/api/v2/authorizations")[1]["authorizations"]][-1] == made["id"]
        assert len(second.json("GET", "/_test/tokens", token=None)[1]) == 2
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
        first.create_remote(ORG_ID, name="gone")
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
