"""Replication end to end between two servers: an edge that queues and sends, a central that stores.

Both servers are started with launch.py, as the integration tests and the
demo start them (under INFLUXDB_TEST_SERVER_PYTHON when it is set). Every test uses buckets and tokens of its own, so that
they do not see each other's points.
"""

import base64
import gzip
import os
import socket
import time

import pytest

from conftest import (BUCKET_ID, BUCKET_NAME, CENTRAL_ORG_ID, ORG_ID, ORG_NAME, TOKEN, Server, central_args,
                      start_server, unique)
from launch import start, stop

DEADLINE = 20


@pytest.fixture(name="pair", scope="module")
def fixture_pair(tmp_path_factory):
    """(edge, central): two servers started by launch.py."""
    directory = tmp_path_factory.mktemp("pair")
    python = os.environ.get("INFLUXDB_TEST_SERVER_PYTHON")
    central_state = start(str(directory / "central.json"), ["--token", TOKEN] + central_args(), python=python)
    edge_state = start(str(directory / "edge.json"), ["--token", TOKEN, "--org", "%s=%s" % (ORG_NAME, ORG_ID),
                                                      "--bucket", "%s=%s=%s" % (ORG_NAME, BUCKET_NAME, BUCKET_ID)], python=python)
    try:
        yield Server(None, edge_state["url"]), Server(None, central_state["url"])
    finally:
        stop(str(directory / "edge.json"))
        stop(str(directory / "central.json"))


def poll(read, done, timeout=DEADLINE):
    """Call read() until done(value) holds; return that value (or fail with the last one)."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError("not reached within %s s; last value: %r" % (timeout, value))
        time.sleep(0.05)


def dead_url():
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return "http://127.0.0.1:%d" % sock.getsockname()[1]


class Setup:
    """A replication of a new edge bucket to a new central bucket, through a remote with a write token of its own."""

    def __init__(self, edge, central, by_name=True, remote_url=None, **replication):
        self.edge = edge
        self.central = central
        self.token = unique("write-token")
        central.tokens({"add": self.token, "access": "write"})
        self.bucket = self._bucket(edge, ORG_ID)
        self.target = self._bucket(central, CENTRAL_ORG_ID)
        self.remote = edge.create_remote(ORG_ID, remoteURL=remote_url or central.url, remoteAPIToken=self.token,
                                         remoteOrgID=CENTRAL_ORG_ID)
        target = {"remoteBucketName": self.target["name"]} if by_name else {"remoteBucketID": self.target["id"]}
        target.update(replication)
        status, self.replication = edge.create_replication(ORG_ID, self.remote["id"], localBucketID=self.bucket["id"], **target)
        assert status == 201, self.replication

    @staticmethod
    def _bucket(srv, org_id):
        status, value = srv.json("POST", "/api/v2/buckets", {"orgID": org_id, "name": unique("bucket")})
        assert status == 201, value
        return value

    def write(self, body):
        status, _headers, data = self.edge.write(body, bucket=self.bucket["name"], org=ORG_NAME)
        assert status == 204, data

    def status(self):
        status, value = self.edge.json("GET", "/api/v2/replications/" + self.replication["id"])
        assert status == 200, value
        return value

    def arrived(self):
        return self.central.points(self.target["id"])

    def local(self):
        return self.edge.points(self.bucket["id"])

    def drained(self):
        return poll(self.status, lambda value: value["remainingBytesToBeSynced"] == 0 and value.get("latestResponseCode") == 204)


def lines(prefix, count, start_at=1):
    return ["%s,n=%d v=%di %d" % (prefix, index, index, index) for index in range(start_at, start_at + count)]


# -- data travels ---------------------------------------------------------------------------------

def test_points_arrive_exactly_once(pair):
    edge, central = pair
    setup = Setup(*pair)
    setup.write("\n".join(lines("a", 3)))
    setup.write("\n".join(lines("b", 6000)))  # more than one batch of 5000 points
    setup.write("c v=1 7")
    expected = lines("a", 3) + lines("b", 6000) + ["c v=1 7"]
    poll(setup.arrived, lambda got: len(got) >= len(expected))
    status = setup.drained()
    assert setup.arrived() == expected
    assert setup.local() == expected
    assert (status["latestResponseCode"], status["latestErrorMessage"]) == (204, "")
    assert status["currentQueueSizeBytes"] > 0
    writes = [entry for entry in central.log() if entry["path"] == "/api/v2/write"
              and entry["query"].get("bucket") == [setup.target["name"]]]
    assert [entry["query"]["org"] for entry in writes] == [[CENTRAL_ORG_ID]] * 4  # 3 writes, one of them in 2 batches
    assert edge.points(setup.bucket["name"]) == expected


def test_by_bucket_id_and_only_later_writes(pair):
    edge, central = pair
    bucket = Setup._bucket(edge, ORG_ID)
    assert edge.write("before v=1 1", bucket=bucket["id"], org=ORG_ID)[0] == 204
    setup = Setup(*pair, by_name=False)
    # a replication added to a bucket that has points only sends what is written after it
    status, later = edge.create_replication(ORG_ID, setup.remote["id"], localBucketID=bucket["id"], remoteBucketID=setup.target["id"])
    assert status == 201
    assert edge.write("after v=1 2", bucket=bucket["id"], org=ORG_ID)[0] == 204
    poll(setup.arrived, lambda got: got == ["after v=1 2"])
    assert central.log()[-1]["query"]["bucket"] == [setup.target["id"]]
    assert edge.json("GET", "/api/v2/replications/" + later["id"])[1]["latestResponseCode"] == 204


def test_gzip_write_on_the_edge_is_replicated(pair):
    setup = Setup(*pair)
    status, _headers, data = setup.edge.write(gzip.compress(b"z v=1 1\n"), headers={"Content-Encoding": "gzip"},
                                              bucket=setup.bucket["name"], org=ORG_NAME, precision="s")
    assert status == 204, data
    poll(setup.arrived, lambda got: got == ["z v=1 1000000000"])


# -- a central that refuses -----------------------------------------------------------------------

def test_revoked_token_then_rotated_remote_token(pair):
    edge, central = pair
    setup = Setup(*pair)
    setup.write("first v=1 1")
    poll(setup.arrived, lambda got: got == ["first v=1 1"])
    central.tokens({"revoke": setup.token})
    setup.write("second v=2 2")
    failing = poll(setup.status, lambda value: value.get("latestResponseCode") == 401)
    assert failing["latestErrorMessage"] == "invalid response code 401, must be 204: 401 Unauthorized: unauthorized access"
    assert failing["remainingBytesToBeSynced"] > 0
    assert failing["currentQueueSizeBytes"] > failing["remainingBytesToBeSynced"]
    # the edge keeps taking writes and queueing them
    setup.write("third v=3 3")
    grown = poll(setup.status, lambda value: value["remainingBytesToBeSynced"] > failing["remainingBytesToBeSynced"])
    assert grown["latestResponseCode"] == 401
    assert setup.local() == ["first v=1 1", "second v=2 2", "third v=3 3"]
    assert setup.arrived() == ["first v=1 1"]
    # a new token on central, PATCHed on the edge's remote: the backlog drains with it
    rotated = unique("rotated")
    central.tokens({"add": rotated, "access": "write"})
    assert edge.json("PATCH", "/api/v2/remotes/" + setup.remote["id"], {"remoteAPIToken": rotated})[0] == 200
    setup.drained()
    assert setup.arrived() == ["first v=1 1", "second v=2 2", "third v=3 3"]


def test_a_token_scoped_to_another_bucket_is_refused_on_each_batch(pair):
    edge, central = pair
    setup = Setup(*pair)
    # central checks the remote's token on every write: one that may write another bucket only is 403
    other = Setup._bucket(central, CENTRAL_ORG_ID)
    status, scoped = central.json("POST", "/api/v2/authorizations", {"orgID": CENTRAL_ORG_ID, "permissions": [
        {"action": "write", "resource": {"type": "buckets", "id": other["id"], "orgID": CENTRAL_ORG_ID}}]})
    assert status == 201
    assert edge.json("PATCH", "/api/v2/remotes/" + setup.remote["id"], {"remoteAPIToken": scoped["token"]})[0] == 200
    setup.write("refused v=1 1")
    failing = poll(setup.status, lambda value: value.get("latestResponseCode") == 403)
    assert failing["latestErrorMessage"] == "invalid response code 403, must be 204: 403 Forbidden: insufficient permissions for write"
    assert failing["remainingBytesToBeSynced"] > 0
    setup.write("queued v=2 2")
    assert setup.arrived() == []
    # the same token made to cover the target bucket too: the backlog drains
    status, covering = central.json("POST", "/api/v2/authorizations", {"orgID": CENTRAL_ORG_ID, "permissions": [
        {"action": "write", "resource": {"type": "buckets", "id": setup.target["id"], "orgID": CENTRAL_ORG_ID}}]})
    assert status == 201
    assert edge.json("PATCH", "/api/v2/remotes/" + setup.remote["id"], {"remoteAPIToken": covering["token"]})[0] == 200
    setup.drained()
    assert setup.arrived() == ["refused v=1 1", "queued v=2 2"]


def test_unreachable_remote_is_code_0(pair):
    url = dead_url()
    setup = Setup(*pair, remote_url=url)
    setup.write("lost v=1 1")
    status = poll(setup.status, lambda value: "latestResponseCode" in value)
    assert status["latestResponseCode"] == 0
    assert status["latestErrorMessage"] == 'Post "%s/api/v2/write?bucket=%s&org=%s": dial tcp %s: connect: connection refused' % (
        url, setup.target["name"], CENTRAL_ORG_ID, url[len("http://"):])
    assert status["remainingBytesToBeSynced"] > 0
    # pointing the remote at central delivers the queue
    assert setup.edge.json("PATCH", "/api/v2/remotes/" + setup.remote["id"], {"remoteURL": setup.central.url})[0] == 200
    setup.drained()
    assert setup.arrived() == ["lost v=1 1"]


def test_400_is_dropped_with_drop_non_retryable_data(pair):
    edge, central = pair
    setup = Setup(*pair, dropNonRetryableData=True)
    central.add_fault({"method": "POST", "path": "/api/v2/write", "status": 400, "count": 1})
    setup.write("refused v=1 1")
    dropped = poll(setup.status, lambda value: value.get("latestResponseCode") == 400)
    assert dropped["remainingBytesToBeSynced"] == 0
    assert dropped["latestErrorMessage"] == "invalid response code 400, must be 204: 400 Bad Request: injected fault: 400 Bad Request"
    setup.write("kept v=2 2")
    setup.drained()
    assert setup.arrived() == ["kept v=2 2"]
    assert edge.points(setup.bucket["id"]) == ["refused v=1 1", "kept v=2 2"]


def test_400_is_retried_without_drop_non_retryable_data(pair):
    _edge, central = pair
    setup = Setup(*pair)
    central.add_fault({"method": "POST", "path": "/api/v2/write", "status": 400, "count": 2})
    setup.write("retried v=1 1")
    setup.drained()
    assert setup.arrived() == ["retried v=1 1"]
    assert [entry["status"] for entry in central.log() if entry["path"] == "/api/v2/write"][-3:] == [400, 400, 204]


def test_first_retry_within_a_second(pair):
    _edge, central = pair
    setup = Setup(*pair)
    central.add_fault({"method": "POST", "path": "/api/v2/write", "status": 503, "count": 1})
    started = time.monotonic()
    setup.write("soon v=1 1")
    poll(setup.arrived, lambda got: got == ["soon v=1 1"])
    assert time.monotonic() - started < 1.5
    assert setup.drained()["latestResponseCode"] == 204


def test_retry_after_on_429(pair):
    _edge, central = pair
    setup = Setup(*pair)
    central.add_fault({"method": "POST", "path": "/api/v2/write", "status": 429, "headers": {"Retry-After": "1"}, "count": 1})
    started = time.monotonic()
    setup.write("later v=1 1")
    status = poll(setup.status, lambda value: "latestResponseCode" in value)
    assert status["latestResponseCode"] in (429, 204)
    poll(setup.arrived, lambda got: got == ["later v=1 1"])
    assert time.monotonic() - started >= 1


def test_retry_options_change_the_backoff():
    """Ten failures in a row: with the default backoff the retries take half a minute, with short waits well under a second."""
    central = start_server(*central_args())
    edge = start_server("--replication-retry-first", "0.02", "--replication-retry-max", "0.05")
    try:
        setup = Setup(edge, central)
        central.add_fault({"method": "POST", "path": "/api/v2/write", "status": 503, "count": 10})
        started = time.monotonic()
        setup.write("quick v=1 1")
        setup.drained()
        assert time.monotonic() - started < 5
        assert setup.arrived() == ["quick v=1 1"]
        assert len([entry for entry in central.log() if entry.get("fault")]) == 10
    finally:
        edge.stop()
        central.stop()


# -- the queue ------------------------------------------------------------------------------------

def big_point(name, random_bytes):
    """One point whose gzipped line protocol is a little larger than random_bytes."""
    return '%s s="%s" 1' % (name, base64.b64encode(os.urandom(random_bytes)).decode("ascii"))


def test_full_queue_refuses_new_points_and_the_local_write_succeeds(pair):
    edge, _central = pair
    setup = Setup(*pair, remote_url=dead_url(), maxQueueSizeBytes=33554430)
    setup.write(big_point("big1", 18 * 1000 * 1000))
    first = poll(setup.status, lambda value: value["remainingBytesToBeSynced"] > 0)
    assert 18 * 1000 * 1000 < first["remainingBytesToBeSynced"] < 33554430
    setup.write(big_point("big2", 18 * 1000 * 1000))  # does not fit: not queued, but stored locally
    assert setup.status()["remainingBytesToBeSynced"] == first["remainingBytesToBeSynced"]
    assert [line.split(" ")[0] for line in edge.points(setup.bucket["id"])] == ["big1", "big2"]
    setup.write("small v=1 1")  # still fits
    assert setup.status()["remainingBytesToBeSynced"] > first["remainingBytesToBeSynced"]
    # a larger maxQueueSizeBytes applies at once
    status, value = edge.json("PATCH", "/api/v2/replications/" + setup.replication["id"], {"maxQueueSizeBytes": 67108860})
    assert status == 200, value
    before = setup.status()["remainingBytesToBeSynced"]
    setup.write(big_point("big3", 18 * 1000 * 1000))
    assert setup.status()["remainingBytesToBeSynced"] > before + 18 * 1000 * 1000
    assert edge.request("DELETE", "/api/v2/replications/" + setup.replication["id"])[0] == 204


def test_deleting_a_replication_drops_its_queue(pair):
    edge, central = pair
    setup = Setup(*pair)
    central.tokens({"revoke": setup.token})
    setup.write("never v=1 1")
    poll(setup.status, lambda value: value.get("latestResponseCode") == 401)
    assert edge.request("DELETE", "/api/v2/replications/" + setup.replication["id"])[0] == 204
    central.tokens({"add": setup.token, "access": "write"})
    # a new replication of the same bucket starts with an empty queue and sends only what comes next
    status, again = edge.create_replication(ORG_ID, setup.remote["id"], localBucketID=setup.bucket["id"],
                                            remoteBucketName=setup.target["name"])
    assert status == 201
    assert again["remainingBytesToBeSynced"] == 0
    setup.write("marker v=2 2")
    poll(setup.arrived, lambda got: got == ["marker v=2 2"])


def test_deleting_the_local_bucket_drops_the_queue(pair):
    edge, central = pair
    setup = Setup(*pair)
    central.tokens({"revoke": setup.token})
    setup.write("gone v=1 1")
    poll(setup.status, lambda value: value.get("latestResponseCode") == 401)
    assert edge.request("DELETE", "/api/v2/buckets/" + setup.bucket["id"])[0] == 204
    assert edge.request("GET", "/api/v2/replications/" + setup.replication["id"])[0] == 404
    # the remote is no longer referenced
    assert edge.request("DELETE", "/api/v2/remotes/" + setup.remote["id"])[0] == 204


def test_a_replication_of_another_org_does_not_see_the_bucket(pair):
    edge, _central = pair
    setup = Setup(*pair)
    other = edge.create_remote(CENTRAL_ORG_ID, remoteURL=dead_url(), remoteAPIToken="x")
    status, foreign = edge.create_replication(CENTRAL_ORG_ID, other["id"], localBucketID=setup.bucket["id"], remoteBucketName="b")
    assert status == 201
    setup.write("mine v=1 1")
    poll(setup.arrived, lambda got: got == ["mine v=1 1"])
    value = edge.json("GET", "/api/v2/replications/" + foreign["id"])[1]
    assert value["remainingBytesToBeSynced"] == 0 and "latestResponseCode" not in value


def test_sigterm_stops_a_retrying_worker():
    edge = start_server()
    remote = edge.create_remote(ORG_ID, remoteURL=dead_url(), remoteAPIToken="x", remoteOrgID=CENTRAL_ORG_ID)
    status, replication = edge.create_replication(ORG_ID, remote["id"])
    assert status == 201
    assert edge.write("stuck v=1 1", bucket=BUCKET_NAME, org=ORG_NAME)[0] == 204
    poll(lambda: edge.json("GET", "/api/v2/replications/" + replication["id"])[1], lambda value: "latestResponseCode" in value)
    started = time.monotonic()
    edge.stop()
    assert edge.proc.returncode == 0
    assert time.monotonic() - started < 5


def test_default_backoff_doubles_from_half_a_second_up_to_five():
    from influxdb_fake.replicate import Replicator  # pylint: disable=import-outside-toplevel
    assert [Replicator(None).backoff(attempt) for attempt in range(1, 9)] == [0.5, 1, 2, 4, 5, 5, 5, 5]
    assert [Replicator(None, 0.1, 0.3).backoff(attempt) for attempt in range(1, 5)] == [0.1, 0.2, 0.3, 0.3]


def test_the_queues_need_only_the_database():
    """A Replicator on a bare Database queues up to the stored maxQueueSizeBytes and records the remote's answer there."""
    from influxdb_fake import db, replicate, routes  # pylint: disable=import-outside-toplevel
    database = db.Database(None, routes.SCHEMAS)
    remote_id = database.insert("remotes", {"org_id": ORG_ID, "name": "dead", "remote_url": dead_url(),
                                            "remote_api_token": "x", "allow_insecure_tls": False})
    replication_id = database.insert("replications", {
        "org_id": ORG_ID, "name": "to-dead", "remote_id": remote_id, "local_bucket_id": BUCKET_ID,
        "remote_bucket_name": "b", "max_queue_size_bytes": 100000, "max_age_seconds": 0, "drop_non_retryable_data": False})
    replicator = replicate.Replicator(database)
    try:
        replicator.open()
        replicator.enqueue(ORG_ID, BUCKET_ID, ["a v=1 1"])
        replicator.enqueue(ORG_ID, BUCKET_ID, ["big v=\"%s\" 2" % base64.b64encode(os.urandom(100000)).decode()])
        row = poll(lambda: database.row("replications", "latest_response_code, latest_error_message", replication_id),
                   lambda value: value["latest_response_code"] is not None)
        assert row["latest_response_code"] == 0 and row["latest_error_message"].startswith('Post "')
        # the segment's footer, then the one block that fitted: its length prefix and its bytes
        block = 8 + len(replicate.batches(["a v=1 1"])[0])
        assert replicator.sizes(replication_id) == (8 + block, block)
    finally:
        replicator.close()
        database.close()


def test_a_block_fits_while_the_queue_size_and_its_bytes_stay_within_the_maximum():
    """Upstream's Queue.Append refuses a block when the queue's size on disk plus the block's bytes (its length prefix
    left out) exceed the maximum (pkg/durablequeue); queued, the block takes its prefix too."""
    from influxdb_fake.replicate import Queue  # pylint: disable=import-outside-toplevel
    queue = Queue(None, "0000000000000001", ORG_ID, BUCKET_ID)
    assert not queue.append(b"x" * 10, 8 + 9)
    assert queue.sizes() == (8, 0)
    assert queue.append(b"x" * 10, 8 + 10)
    assert queue.sizes() == (8 + 8 + 10, 8 + 10)


def test_restart_with_db_keeps_replications_with_empty_queues(tmp_path, pair):
    _edge, central = pair
    db = str(tmp_path / "edge.db")
    edge = start_server("--db", db)
    token = unique("write-token")
    central.tokens({"add": token, "access": "write"})
    target = Setup._bucket(central, CENTRAL_ORG_ID)
    try:
        remote = edge.create_remote(ORG_ID, remoteURL=dead_url(), remoteAPIToken=token, remoteOrgID=CENTRAL_ORG_ID)
        status, replication = edge.create_replication(ORG_ID, remote["id"], remoteBucketName=target["name"])
        assert status == 201
        assert edge.write("queued v=1 1", bucket=BUCKET_NAME, org=ORG_NAME)[0] == 204
        poll(lambda: edge.json("GET", "/api/v2/replications/" + replication["id"])[1], lambda value: "latestResponseCode" in value)
    finally:
        edge.stop()
    edge = start_server("--db", db)
    try:
        path = "/api/v2/replications/" + replication["id"]
        value = edge.json("GET", path)[1]
        assert (value["latestResponseCode"], value["remainingBytesToBeSynced"]) == (0, 0)
        assert edge.json("PATCH", "/api/v2/remotes/" + remote["id"], {"remoteURL": central.url})[0] == 200
        assert edge.write("after-restart v=1 2", bucket=BUCKET_NAME, org=ORG_NAME)[0] == 204
        poll(lambda: central.points(target["id"]), lambda got: got == ["after-restart v=1 2"])
    finally:
        edge.stop()
