"""/api/v2/replications: shape, defaults and limits, the remote reference, constraint errors, validate."""

import json

from conftest import CENTRAL_BUCKET_ID, assert_error, central_remote, random_org


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
    assert server.json("GET", "/api/v2/replications/" + value["id"]) == (200, value)


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
