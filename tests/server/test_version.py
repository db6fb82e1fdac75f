"""--version: the InfluxDB OSS release the server plays, in every answer's X-Influxdb-Version header, /health and
the replication User-Agent, and in what differs by release (replication.go, replications/ on the release tags)."""

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from conftest import BUCKET_ID, ORG_ID, SERVER, TOKEN, assert_error, random_org, start_server

NEWEST = "v2.9.1"


@pytest.fixture(name="versioned", scope="module")
def fixture_versioned():
    """One server per release that changes the replications API."""
    servers = {version: start_server("--version", version) for version in ("v2.3.0", "v2.4.0", "v2.6.1", "v2.8.0")}
    yield servers
    for server in servers.values():
        server.stop()


def versions_seen(server):
    """The X-Influxdb-Version of /health, /ping, an API answer, the 401 of the middleware and an API error."""
    return [server.request(method, path, token=token)[1].get("x-influxdb-version") for method, path, token in (
        ("GET", "/health", None), ("GET", "/ping", None), ("GET", "/api/v2/remotes?orgID=" + ORG_ID, TOKEN),
        ("GET", "/api/v2/remotes?orgID=" + ORG_ID, "wrong"), ("GET", "/api/v2/remotes/" + random_org(), TOKEN))]


def test_the_default_is_the_newest_release(server):
    assert versions_seen(server) == [NEWEST] * 5
    assert json.loads(server.request("GET", "/health", token=None)[2])["version"] == NEWEST


@pytest.mark.parametrize("version", ["2.6.1", "v2.3.0+SNAPSHOT.090f681737"])
def test_every_answer_and_health_tell_the_version_as_given(version):
    srv = start_server("--version", version)
    try:
        assert versions_seen(srv) == [version] * 5
        assert json.loads(srv.request("GET", "/health", token=None)[2])["version"] == version
    finally:
        srv.stop()


@pytest.mark.parametrize("version", ["1.8.10", "2.1.0", "v3.0.0", "dev", "", "2.7", "v2.7.12 beta"])
def test_a_version_that_is_no_2x_release_with_replications_is_refused(version):
    cmd = [sys.executable, SERVER, "--port", "0", "--token", TOKEN, "--org", "edge=%s" % ORG_ID, "--version", version]
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, check=False)
    assert result.returncode == 2
    assert b"--version must be an InfluxDB OSS 2.x release from 2.2.0 on" in result.stderr


class _Capture(BaseHTTPRequestHandler):
    agents = []

    def do_POST(self):  # pylint: disable=invalid-name
        _Capture.agents.append(self.headers.get("User-Agent"))
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


def test_the_replication_user_agent_names_the_version(versioned):
    capture = HTTPServer(("127.0.0.1", 0), _Capture)
    thread = threading.Thread(target=capture.serve_forever, daemon=True)
    thread.start()
    try:
        edge = versioned["v2.6.1"]
        org = random_org()
        remote = edge.create_remote(org, remoteURL="http://127.0.0.1:%d" % capture.server_address[1])
        status, replication = edge.create_replication(org, remote["id"], remoteBucketID="2222222222222222")
        assert status == 201
        assert edge.request("POST", "/api/v2/replications/%s/validate" % replication["id"])[0] == 204
        assert _Capture.agents == ["influxdb-oss-replication/v2.6.1 (linux) Sha/test-server Date/"]
    finally:
        capture.shutdown()
        capture.server_close()


# -- remainingBytesToBeSynced from 2.7 ----------------------------------------------------------------

def _every_answer(srv, org, remote_id, **fields):
    """The replication as POST, GET, the list and PATCH answer it."""
    status, created = srv.create_replication(org, remote_id, **fields)
    assert status == 201, created
    path = "/api/v2/replications/" + created["id"]
    listed = srv.json("GET", "/api/v2/replications?orgID=" + org)[1]["replications"]
    return [created, srv.json("GET", path)[1], listed[0], srv.json("PATCH", path, {"description": "d"})[1]]


def test_remaining_bytes_only_from_2_7(server, versioned):
    for srv, expected in ((versioned["v2.6.1"], False), (versioned["v2.8.0"], True), (server, True)):
        org = random_org()
        answers = _every_answer(srv, org, srv.create_remote(org)["id"], remoteBucketID="2222222222222222")
        assert ["remainingBytesToBeSynced" in answer for answer in answers] == [expected] * 4
        assert all("currentQueueSizeBytes" in answer for answer in answers)


# -- maxAgeSeconds bounds from 2.9 ----------------------------------------------------------------------

@pytest.mark.parametrize("age", [1, 59, 5184001, -1])
def test_max_age_bounds_only_from_2_9(server, versioned, age):
    old = versioned["v2.8.0"]
    org = random_org()
    remote = old.create_remote(org)
    status, created = old.create_replication(org, remote["id"], remoteBucketID="2222222222222222", maxAgeSeconds=age)
    assert (status, created["maxAgeSeconds"]) == (201, age)
    path = "/api/v2/replications/" + created["id"]
    assert old.json("PATCH", path, {"maxAgeSeconds": age + 1})[1]["maxAgeSeconds"] == age + 1
    org = random_org()
    remote = server.create_remote(org)
    response = server.request("POST", "/api/v2/replications", {
        "orgID": org, "name": "r", "remoteID": remote["id"], "localBucketID": BUCKET_ID, "remoteBucketID": "2222222222222222",
        "maxAgeSeconds": age})
    assert_error(response, 400, "invalid", "maxAgeSeconds must be 0 (use default) or between 60 and 5184000")


# -- remote bucket names from 2.4 -------------------------------------------------------------------------

def test_before_2_4_a_remote_bucket_name_is_an_unknown_field(versioned):
    old = versioned["v2.3.0"]
    org = random_org()
    remote = old.create_remote(org)
    response = old.request("POST", "/api/v2/replications", {
        "orgID": org, "name": "by-name", "remoteID": remote["id"], "localBucketID": BUCKET_ID, "remoteBucketName": "central"})
    assert_error(response, 500, "internal error",
                 'sql: Scan error on column index 6, name "remote_bucket_id": id must have a length of 16 bytes')
    assert old.json("GET", "/api/v2/replications?orgID=" + org) == (200, {"replications": None})
    answers = _every_answer(old, org, remote["id"], remoteBucketID="2222222222222222", remoteBucketName="ignored")
    assert all("RemoteBucketName" not in answer and answer["remoteBucketID"] == "2222222222222222" for answer in answers)
    path = "/api/v2/replications/" + answers[0]["id"]
    assert old.json("PATCH", path, {"remoteBucketName": "other"})[1]["remoteBucketID"] == "2222222222222222"


def test_from_2_4_a_remote_bucket_name_is_stored(versioned):
    srv = versioned["v2.4.0"]
    org = random_org()
    answers = _every_answer(srv, org, srv.create_remote(org)["id"], remoteBucketName="central")
    assert [(answer["remoteBucketID"], answer["RemoteBucketName"]) for answer in answers] == [(None, "central")] * 4
