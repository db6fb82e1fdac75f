"""/api/v2/replications: shape, defaults and limits, the order of the checks, constraint errors, validation writes."""

import json
import socket

from conftest import (BUCKET_ID, CENTRAL_BUCKET_ID, CENTRAL_BUCKET_NAME, CENTRAL_ORG_ID, ORG_ID, ORG_NAME, TOKEN, assert_error,
                      central_remote, random_org, unique, wait_for)


# -- replications -----------------------------------------------------------------------------------

def test_replication_shape(server):
    org = random_org()
    remote = server.create_remote(org)
    status, value = server.create_replication(org, remote["id"], remoteBucketID="2222222222222222", remoteBucketName="")
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
    assert server.json("GET", "/api/v2/replications/" + value["id"]) == (200, dict(value, currentQueueSizeBytes=8))


def test_replication_by_bucket_name(server):
    org = random_org()
    remote = server.create_remote(org)
    status, value = server.create_replication(org, remote["id"], remoteBucketName="by-name")
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
    remote = server.create_remote(org)
    status, _headers, data = server.request("POST", "/api/v2/replications", {
        "orgID": org, "name": "r", "remoteID": remote["id"], "localBucketID": "1111111111111111"})
    assert status == 422
    assert json.loads(data)["message"] == "one of remote_bucket_id, remote_bucket_name should be provided"


def test_replication_queue_size_and_age_limits(server):
    org = random_org()
    remote = server.create_remote(org)
    status, value = server.create_replication(org, remote["id"], maxQueueSizeBytes=1)
    assert (status, value["message"]) == (400, "maxQueueSize too small, must be at least 33554430")
    status, value = server.create_replication(org, remote["id"], maxAgeSeconds=5)
    assert (status, value["message"]) == (400, "maxAgeSeconds must be 0 (use default) or between 60 and 5184000")


def test_replication_duplicate_name(server):
    org = random_org()
    remote = server.create_remote(org)
    status, value = server.create_replication(org, remote["id"], name="same")
    assert status == 201
    status, value = server.create_replication(org, remote["id"], name="same")
    assert (status, value["message"]) == (500, "UNIQUE constraint failed: replications.org_id, replications.name")


def test_replication_get_delete_errors(server):
    assert_error(server.request("GET", "/api/v2/replications/xyz"), 400, "invalid", "replication ID is invalid")
    assert_error(server.request("GET", "/api/v2/replications/" + random_org()), 404, "not found", "replication not found")
    assert_error(server.request("DELETE", "/api/v2/replications/" + random_org()), 404, "not found", "replication not found")
    assert_error(server.request("GET", "/api/v2/replications"), 400, "invalid", "invalid or missing org ID")


def test_replication_validate_saves_nothing(server, central):
    org = random_org()
    remote = central_remote(server, central, org)
    body = {"orgID": org, "name": "v", "remoteID": remote["id"], "localBucketID": "1111111111111111",
            "remoteBucketID": CENTRAL_BUCKET_ID}
    status, _headers, data = server.request("POST", "/api/v2/replications?validate=true", body)
    assert (status, data) == (204, b"")
    assert server.json("GET", "/api/v2/replications?orgID=" + org) == (200, {"replications": None})


def test_patch_replication(server):
    org = random_org()
    first = server.create_remote(org)
    second = server.create_remote(org)
    status, replication = server.create_replication(org, first["id"])
    assert status == 201
    status, value = server.json("PATCH", "/api/v2/replications/" + replication["id"], {"remoteID": second["id"], "maxAgeSeconds": 60})
    assert status == 200
    assert (value["remoteID"], value["maxAgeSeconds"], value["name"]) == (second["id"], 60, replication["name"])
    missing = random_org()
    status, value = server.json("PATCH", "/api/v2/replications/" + replication["id"], {"remoteID": missing})
    assert (status, value["message"]) == (400, 'remote "%s" not found: FOREIGN KEY constraint failed' % missing)
    assert server.request("DELETE", "/api/v2/remotes/" + first["id"])[0] == 204


# -- the order of the checks on create --------------------------------------------------------------

def test_create_checks_in_upstream_order(server):
    org = random_org()
    remote = server.create_remote(org)
    missing_bucket = random_org()
    missing_remote = random_org()
    status, taken = server.create_replication(org, remote["id"])
    assert status == 201
    # everything wrong at once, then one fault less at each step
    body = {"name": taken["name"], "remoteID": missing_remote, "localBucketID": missing_bucket,
            "maxQueueSizeBytes": 0, "maxAgeSeconds": 1}
    steps = [
        ({}, 400, "invalid", "maxQueueSize too small, must be at least 33554430"),
        ({"maxQueueSizeBytes": 33554430}, 400, "invalid", "maxAgeSeconds must be 0 (use default) or between 60 and 5184000"),
        ({"maxAgeSeconds": 0}, 400, "invalid", "invalid org id for permission: invalid ID"),
        ({"orgID": org}, 400, "invalid", 'local bucket "%s" not found: bucket not found' % missing_bucket),
        ({"localBucketID": BUCKET_ID}, 422, "unprocessable entity", "one of remote_bucket_id, remote_bucket_name should be provided"),
        # SQLite checks the name before the remote: both wrong is the UNIQUE error
        ({"remoteBucketName": "b"}, 500, "internal error", "UNIQUE constraint failed: replications.org_id, replications.name"),
        ({"name": "other-" + taken["name"]}, 400, "invalid", 'remote "%s" not found: FOREIGN KEY constraint failed' % missing_remote),
        ({"name": taken["name"], "remoteID": remote["id"]}, 500, "internal error",
         "UNIQUE constraint failed: replications.org_id, replications.name"),
    ]
    assert_error(server.request("POST", "/api/v2/replications", b'{"orgID": 1'), 400, "invalid", "failed to unmarshal json: unexpected EOF")
    for change, status, code, message in steps:
        body.update(change)
        assert_error(server.request("POST", "/api/v2/replications", body), status, code, message)
    body["name"] = "fresh-" + taken["name"]
    body["remoteBucketID"] = "2222222222222222"
    status, value = server.json("POST", "/api/v2/replications", body)
    assert status == 201
    assert (value["remoteBucketID"], value["RemoteBucketName"], value["maxAgeSeconds"]) == ("2222222222222222", "", 0)


def test_create_answers_the_row_before_the_queue_sizes(server):
    """POST answers the row of the store's INSERT ... RETURNING before the service fills in the queue sizes
    (replications/service.go CreateReplication): both 0; a GET then shows the new queue's empty segment, its 8-byte footer."""
    org = random_org()
    remote = server.create_remote(org)
    status, value = server.create_replication(org, remote["id"])
    assert status == 201
    assert (value["currentQueueSizeBytes"], value["remainingBytesToBeSynced"]) == (0, 0)
    assert "latestResponseCode" not in value and "latestErrorMessage" not in value
    assert server.json("GET", "/api/v2/replications/" + value["id"]) == (200, dict(value, currentQueueSizeBytes=8))


def _queued_and_failing(server):
    """A new bucket of ORG_ID, replicated to a remote that does not answer, after one write: (bucket, path of the
    replication, its GET answer once the first remote write failed)."""
    status, bucket = server.json("POST", "/api/v2/buckets", {"orgID": ORG_ID, "name": unique("bucket")})
    assert status == 201, bucket
    remote = server.create_remote(ORG_ID, remoteURL=_dead_url(), remoteOrgID=CENTRAL_ORG_ID)
    status, replication = server.create_replication(ORG_ID, remote["id"], localBucketID=bucket["id"])
    assert status == 201
    path = "/api/v2/replications/" + replication["id"]
    assert server.write("m v=1", bucket=bucket["name"], org=ORG_NAME)[0] == 204
    wait_for(lambda: "latestResponseCode" in server.json("GET", path)[1])
    status, value = server.json("GET", path)
    assert status == 200
    assert value["latestResponseCode"] == 0 and value["latestErrorMessage"].startswith('Post "%s/api/v2/write?' % remote["remoteURL"])
    return bucket, path, value


def test_patch_answers_the_queue_sizes_without_the_latest_response(server):
    """PATCH answers the row of the store's UPDATE ... RETURNING, which has no latest_response_code and
    latest_error_message, with the queue sizes filled in (replications/internal/store.go and service.go
    UpdateReplication); GET and the list have all of them."""
    bucket, path, value = _queued_and_failing(server)
    try:
        assert value["remainingBytesToBeSynced"] > 0
        status, patched = server.json("PATCH", path, {})
        assert status == 200
        assert patched == dict((key, item) for key, item in value.items() if key not in ("latestResponseCode", "latestErrorMessage"))
    finally:
        assert server.request("DELETE", "/api/v2/buckets/" + bucket["id"])[0] == 204


def test_queue_sizes_count_the_length_prefix_of_every_block(server):
    """A queued block takes its 8-byte length prefix and its gzipped bytes in the segment; both count in
    remainingBytesToBeSynced, which leaves out only the segment's 8-byte footer (pkg/durablequeue segment.append,
    totalBytes and diskUsage)."""
    bucket, _path, value = _queued_and_failing(server)
    try:
        assert value["remainingBytesToBeSynced"] > 8
        assert value["currentQueueSizeBytes"] - value["remainingBytesToBeSynced"] == 8
    finally:
        assert server.request("DELETE", "/api/v2/buckets/" + bucket["id"])[0] == 204


# -- validation: a real empty write to the remote ---------------------------------------------------

def _dead_url():
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return "http://127.0.0.1:%d" % port


def _body(org, remote_id, **fields):
    body = {"orgID": org, "name": "validated", "remoteID": remote_id, "localBucketID": BUCKET_ID}
    body.update(fields)
    return body


def test_validate_on_create_writes_to_the_remote(server, central):
    org = random_org()
    remote = central_remote(server, central, org)
    assert central.request("DELETE", "/_test/requests", token=None)[0] == 204
    status, _headers, data = server.request("POST", "/api/v2/replications?validate=true",
                                            _body(org, remote["id"], remoteBucketID=CENTRAL_BUCKET_ID))
    assert (status, data) == (204, b"")
    assert [(e["method"], e["path"], e["query"], e["status"]) for e in central.log()] == [
        ("POST", "/api/v2/write", {"bucket": [CENTRAL_BUCKET_ID], "org": [CENTRAL_ORG_ID]}, 204)]
    assert server.json("GET", "/api/v2/replications?orgID=" + org) == (200, {"replications": None})


def test_validate_on_create_ignores_the_bucket_name(server, central):
    org = random_org()
    remote = central_remote(server, central, org)
    assert_error(server.request("POST", "/api/v2/replications?validate=true", _body(org, remote["id"], remoteBucketName=CENTRAL_BUCKET_NAME)),
                 400, "invalid", "replication parameters fail validation: invalid response code 404, must be 204: 404 Not Found: bucket not found")


def test_validate_on_create_failures(server, central):
    org = random_org()
    wrong_token = central_remote(server, central, org, remoteAPIToken="not-a-central-token")
    assert_error(server.request("POST", "/api/v2/replications?validate=true", _body(org, wrong_token["id"], remoteBucketID=CENTRAL_BUCKET_ID)),
                 400, "invalid", "replication parameters fail validation: invalid response code 401, must be 204: 401 Unauthorized: "
                 "unauthorized access")
    no_org = central_remote(server, central, org, remoteOrgID=None)
    assert_error(server.request("POST", "/api/v2/replications?validate=true", _body(org, no_org["id"], remoteBucketID=CENTRAL_BUCKET_ID)),
                 400, "invalid", "replication parameters fail validation: invalid response code 400, must be 204: 400 Bad Request: "
                 "Please provide either orgID or org")
    dead = _dead_url()
    down = central_remote(server, central, org, remoteURL=dead)
    assert_error(server.request("POST", "/api/v2/replications?validate=true", _body(org, down["id"], remoteBucketID=CENTRAL_BUCKET_ID)),
                 400, "invalid", 'replication parameters fail validation: Post "%s/api/v2/write?bucket=%s&org=%s": dial tcp %s: connect: '
                 "connection refused" % (dead, CENTRAL_BUCKET_ID, CENTRAL_ORG_ID, dead[len("http://"):]))
    missing = random_org()
    assert_error(server.request("POST", "/api/v2/replications?validate=true", _body(org, missing, remoteBucketID=CENTRAL_BUCKET_ID)),
                 400, "invalid", 'remote "%s" not found' % missing)
    assert_error(server.request("POST", "/api/v2/replications?validate=true", _body(org, missing, localBucketID=missing)),
                 400, "invalid", 'local bucket "%s" not found: bucket not found' % missing)
    assert server.json("GET", "/api/v2/replications?orgID=" + org) == (200, {"replications": None})


def test_validate_on_update(server, central):
    org = random_org()
    good = central_remote(server, central, org)
    down = central_remote(server, central, org, remoteURL=_dead_url())
    status, replication = server.create_replication(org, down["id"], remoteBucketID=CENTRAL_BUCKET_ID, remoteBucketName="")
    assert status == 201
    path = "/api/v2/replications/%s?validate=true" % replication["id"]
    status, _headers, data = server.request("PATCH", path, {"remoteID": good["id"], "name": "not-saved"})
    assert (status, data) == (204, b"")
    assert server.json("GET", "/api/v2/replications/" + replication["id"])[1]["remoteID"] == down["id"]
    status, _headers, data = server.request("PATCH", path, {})
    assert status == 400
    assert json.loads(data)["message"].startswith('validation fails after applying update: Post "%s/api/v2/write?' % down["remoteURL"])
    assert_error(server.request("PATCH", path, {"remoteID": good["id"], "remoteBucketID": "2222222222222222"}), 400, "invalid",
                 'validation fails after applying update: invalid response code 404, must be 204: 404 Not Found: bucket "2222222222222222" not found')
    missing = random_org()
    assert_error(server.request("PATCH", path, {"remoteID": missing}), 400, "invalid", 'remote "%s" not found' % missing)
    assert_error(server.request("PATCH", "/api/v2/replications/%s?validate=true" % missing, {}), 404, "not found", "replication not found")


def test_validate_stored_replication(server, central):
    org = random_org()
    remote = central_remote(server, central, org)
    # the stored config includes the bucket name
    status, by_name = server.create_replication(org, remote["id"], remoteBucketName=CENTRAL_BUCKET_NAME)
    assert status == 201
    status, _headers, data = server.request("POST", "/api/v2/replications/%s/validate" % by_name["id"])
    assert (status, data) == (204, b"")
    assert server.json("PATCH", "/api/v2/remotes/" + remote["id"], {"remoteAPIToken": "rotated-away"})[0] == 200
    assert_error(server.request("POST", "/api/v2/replications/%s/validate" % by_name["id"]), 400, "invalid",
                 "replication failed validation: invalid response code 401, must be 204: 401 Unauthorized: unauthorized access")
    assert_error(server.request("POST", "/api/v2/replications/%s/validate" % random_org()), 404, "not found", "replication not found")
    assert_error(server.request("POST", "/api/v2/replications/xyz/validate"), 400, "invalid", "replication ID is invalid")


def test_validate_honours_allow_insecure_tls(server, selfsigned):
    org = random_org()
    strict = server.create_remote(org, remoteURL=selfsigned.url, remoteAPIToken=TOKEN, remoteOrgID=ORG_ID)
    lax = server.create_remote(org, remoteURL=selfsigned.url, remoteAPIToken=TOKEN, remoteOrgID=ORG_ID, allowInsecureTLS=True)
    assert_error(server.request("POST", "/api/v2/replications?validate=true", _body(org, strict["id"], remoteBucketID=BUCKET_ID)),
                 400, "invalid", 'replication parameters fail validation: Post "%s/api/v2/write?bucket=%s&org=%s": tls: failed to verify '
                 "certificate: x509: certificate signed by unknown authority" % (selfsigned.url, BUCKET_ID, ORG_ID))
    status, _headers, data = server.request("POST", "/api/v2/replications?validate=true", _body(org, lax["id"], remoteBucketID=BUCKET_ID))
    assert (status, data) == (204, b"")


def test_patch_replication_fields(server):
    org = random_org()
    remote = server.create_remote(org)
    status, by_id = server.create_replication(org, remote["id"], remoteBucketID="2222222222222222", remoteBucketName="")
    assert status == 201
    path = "/api/v2/replications/" + by_id["id"]
    assert server.json("PATCH", path, {}) == server.json("GET", path)
    # a name PATCHed onto an ID-based replication keeps the ID stored
    status, value = server.json("PATCH", path, {"remoteBucketName": "by-name"})
    assert (status, value["remoteBucketID"], value["RemoteBucketName"]) == (200, "2222222222222222", "by-name")
    # and back to the ID: an empty name with the ID
    status, value = server.json("PATCH", path, {"remoteBucketName": "", "remoteBucketID": "3333333333333333"})
    assert (status, value["remoteBucketID"], value["RemoteBucketName"]) == (200, "3333333333333333", "")
    status, value = server.json("PATCH", path, {"description": "", "maxQueueSizeBytes": 40000000, "dropNonRetryableData": True,
                                                "localBucketID": "4444444444444444", "orgID": random_org()})
    assert status == 200
    assert (value["description"], value["maxQueueSizeBytes"], value["dropNonRetryableData"]) == ("", 40000000, True)
    assert (value["localBucketID"], value["orgID"]) == (BUCKET_ID, org)
    assert_error(server.request("PATCH", path, {"maxQueueSizeBytes": 1}), 400, "invalid", "maxQueueSize too small, must be at least 33554430")
    assert_error(server.request("PATCH", path, {"maxAgeSeconds": 59}), 400, "invalid",
                 "maxAgeSeconds must be 0 (use default) or between 60 and 5184000")
    status, other = server.create_replication(org, remote["id"])
    assert status == 201
    assert_error(server.request("PATCH", path, {"name": other["name"]}), 500, "internal error",
                 "UNIQUE constraint failed: replications.org_id, replications.name")
    assert_error(server.request("PATCH", "/api/v2/replications/" + random_org(), {}), 404, "not found", "replication not found")
    assert_error(server.request("PATCH", path, b""), 400, "invalid", "failed to unmarshal json: EOF")
