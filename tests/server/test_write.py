"""/api/v2/write: the order of its checks and their errors, line protocol, precision, gzip, tokens, /_test/points and /_test/tokens."""

import gzip
import hashlib
import json

import pytest

from conftest import (BUCKET_ID, BUCKET_NAME, JSON_TYPE, ORG_ID, ORG_NAME, OTHER_ORG_ID, RO_TOKEN, TOKEN, UNAUTHORIZED_BODY,
                      WRITE_TOKEN, assert_error, central_args, go_json, start_server, unique)

INTERNAL = "An internal error has occurred - check server logs"


def assert_write_error(response, status, code, message):
    """An error of the write handler: compact JSON (kit/transport/http WriteErrorResponse, json.Marshal), with the code header."""
    got_status, headers, data = response
    assert got_status == status, data
    assert headers["content-type"] == JSON_TYPE
    assert headers["x-platform-error-code"] == code
    assert data == ('{"code":%s,"message":%s}' % (go_json(code), go_json(message))).encode("utf-8")


@pytest.fixture(name="writer", scope="module")
def fixture_writer():
    """A server with a read-only token and a write-only token."""
    srv = start_server("--read-only-token", RO_TOKEN, "--write-token", WRITE_TOKEN)
    yield srv
    srv.stop()


@pytest.fixture(name="bucket")
def fixture_bucket(writer):
    """A new, empty bucket in the first org: (name, id)."""
    name = unique("bucket")
    status, value = writer.json("POST", "/api/v2/buckets", {"orgID": ORG_ID, "name": name})
    assert status == 201
    return name, value["id"]


def test_write_by_names_and_ids(writer, bucket):
    name, bucket_id = bucket
    status, headers, data = writer.write("m,t=a v=1 1", bucket=name, org=ORG_NAME)
    assert (status, data) == (204, b"")
    assert "content-type" not in headers
    assert writer.write("m v=2 2", bucket=bucket_id, org=ORG_ID)[0] == 204
    assert writer.write("m v=3 3", bucket=name, orgID=ORG_ID)[0] == 204
    assert writer.points(name) == ["m,t=a v=1 1", "m v=2 2", "m v=3 3"]
    assert writer.points(bucket_id) == writer.points(name)


def test_precision_and_write_time(writer, bucket):
    name, _bucket_id = bucket
    for precision, stamp in (("s", "1700000000"), ("ms", "1700000000000"), ("us", "1700000000000000"), ("ns", "1700000000000000000")):
        assert writer.write("p v=1 " + stamp, bucket=name, org=ORG_NAME, precision=precision)[0] == 204
    assert writer.points(name) == ["p v=1 1700000000000000000"] * 4
    assert writer.write("now v=1", bucket=name, org=ORG_NAME, precision="s")[0] == 204
    line = writer.points(name)[-1]
    assert line.startswith("now v=1 ") and line.endswith("000000000")
    assert_write_error(writer.write("p v=1", bucket=name, org=ORG_NAME, precision="h"), 400, "invalid",
                       "invalid precision; valid precision units are ns, us, ms, and s")


def test_line_protocol_values(writer, bucket):
    name, _bucket_id = bucket
    line = r'my\ m,tag\,k=v\=1 s="a \" b, c=d",i=-3i,u=4u,f=1.5e3,b=t,c=FALSE 10'
    body = "\n".join(["# a comment", "", line, "  w,x=y v=.5  ", "e v=-1 -5"])
    assert writer.write(body, bucket=name, org=ORG_NAME)[0] == 204
    stored = writer.points(name)
    assert stored[0] == line
    assert stored[1].startswith("w,x=y v=.5 ")
    assert stored[2] == "e v=-1 -5"
    assert len(stored) == 3


@pytest.mark.parametrize("line, reason", [
    ("m", "missing fields"),
    ("m ", "missing fields"),
    (",t=a v=1", "missing measurement"),
    ("m,=a v=1", "missing tag key"),
    ("m,t= v=1", "missing tag value"),
    ("m v", "invalid field format"),
    ("m =1", "missing field key"),
    ("m v=", "missing field value"),
    ("m v=abc", "invalid number"),
    ("m v=tru", "invalid boolean"),
    ('m v="open', "unbalanced quotes"),
    ("m v=1 12x", "bad timestamp"),
])
def test_unparsable_line_is_400(writer, bucket, line, reason):
    name, _bucket_id = bucket
    assert_write_error(writer.write("ok v=1 1\n" + line, bucket=name, org=ORG_NAME), 400, "invalid",
                       "unable to parse '%s': %s" % (line, reason))
    assert writer.points(name) == []  # nothing of a refused body is kept


def test_every_unparsable_line_is_named(writer, bucket):
    """models.ParsePointsWithPrecision goes on after a bad line and joins the errors with new lines; the quoted
    line keeps what follows its first character, leading spaces and tabs are skipped."""
    name, _bucket_id = bucket
    body = "a v=1 1\n m \nb v=2 2\n\tn v=\nc v=3 3"
    assert_write_error(writer.write(body, bucket=name, org=ORG_NAME), 400, "invalid",
                       "unable to parse 'm ': missing fields\nunable to parse 'n v=': missing field value")
    assert writer.points(name) == []


def test_gzip_body(writer, bucket):
    name, _bucket_id = bucket
    body = gzip.compress(b"g v=1 1\ng v=2 2\n")
    assert writer.write(body, headers={"Content-Encoding": "gzip"}, bucket=name, org=ORG_NAME)[0] == 204
    # one member after another is one body (Go's reader is multistream)
    body = gzip.compress(b"g v=3 3\n") + gzip.compress(b"g v=4 4\n")
    assert writer.write(body, headers={"Content-Encoding": "gzip"}, bucket=name, org=ORG_NAME)[0] == 204
    assert writer.write(gzip.compress(b"g v=5 5"), headers={"Content-Encoding": "x-gzip"}, bucket=name, org=ORG_NAME)[0] == 204
    assert writer.points(name) == ["g v=1 1", "g v=2 2", "g v=3 3", "g v=4 4", "g v=5 5"]


GOOD_GZIP = gzip.compress(b"g v=1 1\n", mtime=0)


@pytest.mark.parametrize("body, status, code, message", [
    # the header is read while the request is decoded (gzip.NewReader): Go's error is no platform error
    (b"not gzip", 500, "internal error", INTERNAL),
    (b"\x1f\x8b\x08", 500, "internal error", INTERNAL),
    (b"", 500, "internal error", INTERNAL),
    # the rest is read with the points (http/points parsePoints: "unable to read data")
    (GOOD_GZIP[:-8] + b"\0\0\0\0" + GOOD_GZIP[-4:], 400, "invalid", "unable to read data: gzip: invalid checksum"),
    (GOOD_GZIP[:-4] + b"\0\0\0\0", 400, "invalid", "unable to read data: gzip: invalid checksum"),
    (GOOD_GZIP[:-3], 500, "internal error", "unable to read data: unexpected EOF"),
    (GOOD_GZIP[:12], 500, "internal error", "unable to read data: unexpected EOF"),
    (GOOD_GZIP + b"trailing garbage", 400, "invalid", "unable to read data: gzip: invalid header"),
    (GOOD_GZIP + b"junk", 500, "internal error", "unable to read data: unexpected EOF"),
], ids=["not-gzip", "short-header", "empty", "bad-crc", "bad-length", "cut-in-trailer", "cut-in-data", "garbage-member",
        "short-garbage"])
def test_a_damaged_gzip_body(writer, bucket, body, status, code, message):
    name, _bucket_id = bucket
    assert_write_error(writer.write(body, headers={"Content-Encoding": "gzip"}, bucket=name, org=ORG_NAME), status, code, message)
    assert writer.points(name) == []


def test_corrupt_deflate_data_is_500(writer, bucket):
    name, _bucket_id = bucket
    body = GOOD_GZIP[:10] + b"\xff" * 8 + GOOD_GZIP[18:]
    status, headers, data = writer.write(body, headers={"Content-Encoding": "gzip"}, bucket=name, org=ORG_NAME)
    assert (status, headers["x-platform-error-code"]) == (500, "internal error")
    assert json.loads(data)["message"].startswith("unable to read data: flate: corrupt input")


def test_gzip_checks_in_upstream_order(writer, bucket):
    name, _bucket_id = bucket
    gzipped = {"Content-Encoding": "gzip"}
    # a bad header is found before the org is looked at, after precision and bucket
    assert_write_error(writer.write(b"not gzip", headers=gzipped, bucket=name), 500, "internal error", INTERNAL)
    assert_write_error(writer.write(b"not gzip", headers=gzipped, org=ORG_NAME), 404, "not found", "bucket not found")
    # a damaged body after a good header only once the bucket and the permission are checked
    damaged = GOOD_GZIP[:-8] + b"\0\0\0\0" + GOOD_GZIP[-4:]
    assert_write_error(writer.write(damaged, headers=gzipped, bucket=name), 400, "invalid", "Please provide either orgID or org")
    assert_write_error(writer.write(damaged, headers=gzipped, bucket="nope", org=ORG_NAME), 404, "not found", 'bucket "nope" not found')
    assert_write_error(writer.write(damaged, headers=gzipped, token=RO_TOKEN, bucket=name, org=ORG_NAME), 403, "forbidden",
                       "insufficient permissions for write")


def test_empty_body_is_204(writer, bucket):
    name, _bucket_id = bucket
    assert writer.write("", bucket=name, org=ORG_NAME)[0] == 204
    assert writer.points(name) == []


def test_order_of_the_checks(writer):
    # no token: the authentication middleware, before anything else
    status, _headers, data = writer.write("m v=1", token=None)
    assert (status, data) == (401, UNAUTHORIZED_BODY)
    status, _headers, data = writer.write("m v=1", token="wrong", bucket=BUCKET_NAME, org=ORG_NAME)
    assert (status, data) == (401, UNAUTHORIZED_BODY)
    # precision, then the bucket parameter, then the org, then the bucket in the org
    assert_write_error(writer.write("m v=1", precision="x"), 400, "invalid", "invalid precision; valid precision units are ns, us, ms, and s")
    assert_write_error(writer.write("m v=1", org=ORG_NAME), 404, "not found", "bucket not found")
    assert_write_error(writer.write("m v=1", bucket="", org=ORG_NAME), 404, "not found", "bucket not found")
    assert_write_error(writer.write("m v=1", bucket=BUCKET_NAME), 400, "invalid", "Please provide either orgID or org")
    assert_write_error(writer.write("m v=1", bucket=BUCKET_NAME, org=""), 400, "invalid", "Please provide either orgID or org")
    assert_write_error(writer.write("m v=1", bucket=BUCKET_NAME, org="nobody"), 404, "not found", 'organization name "nobody" not found')
    assert_write_error(writer.write("m v=1", bucket=BUCKET_NAME, org="dddddddddddddddd"), 404, "not found", "organization not found")
    assert_write_error(writer.write("m v=1", bucket="nope", org=ORG_NAME), 404, "not found", 'bucket "nope" not found')
    assert_write_error(writer.write("m v=1", bucket=BUCKET_NAME, org=OTHER_ORG_ID), 404, "not found", 'bucket "%s" not found' % BUCKET_NAME)
    assert_write_error(writer.write("m v=1", bucket=OTHER_ORG_ID, org=ORG_NAME), 404, "not found", 'bucket "%s" not found' % OTHER_ORG_ID)
    # a bad body comes last
    assert_write_error(writer.write("m", bucket="nope", org=ORG_NAME), 404, "not found", 'bucket "nope" not found')


def test_tokens_that_may_write(writer, bucket):
    name, _bucket_id = bucket
    assert_write_error(writer.write("m v=1 1", token=RO_TOKEN, bucket=name, org=ORG_NAME), 403, "forbidden",
                       "insufficient permissions for write")
    assert writer.write("m v=1 1", token=WRITE_TOKEN, bucket=name, org=ORG_NAME)[0] == 204
    assert writer.write("m v=2 2", token=TOKEN, bucket=name, org=ORG_NAME)[0] == 204
    assert writer.points(name) == ["m v=1 1", "m v=2 2"]
    # a write token may read nothing: upstream filters the list, and names the permission a read needs
    assert writer.json("GET", "/api/v2/buckets?orgID=" + ORG_ID, token=WRITE_TOKEN)[1]["buckets"] == []
    assert_error(writer.request("GET", "/api/v2/buckets/" + BUCKET_ID, token=WRITE_TOKEN), 401, "unauthorized",
                 "read:orgs/%s/buckets/%s is unauthorized" % (ORG_ID, BUCKET_ID))


def test_only_post(writer):
    # the write handler's router answers any other method itself, in compact JSON, after authentication
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        status, headers, data = writer.request(method, "/api/v2/write?bucket=%s&org=%s" % (BUCKET_NAME, ORG_NAME))
        assert (status, headers["allow"], headers["content-type"], headers["x-platform-error-code"]) == \
            (405, "OPTIONS, POST", JSON_TYPE, "method not allowed")
        assert data == b'{"code":"method not allowed","message":"allow: OPTIONS, POST"}'
    assert writer.request("GET", "/api/v2/write", token=None)[::2] == (401, UNAUTHORIZED_BODY)


# -- /_test/points --------------------------------------------------------------------------------

def test_points_hook(fresh):
    assert fresh.write("a v=1 1", bucket=BUCKET_NAME, org=ORG_NAME)[0] == 204
    status, value = fresh.json("GET", "/_test/points", token=None)
    assert status == 200
    assert [item for item in value if item["count"]] == [
        {"orgID": ORG_ID, "bucketID": BUCKET_ID, "bucket": BUCKET_NAME, "count": 1, "lines": ["a v=1 1"]}]
    # every bucket is listed, the system buckets of each org too
    assert sorted(item["bucket"] for item in value) == sorted([BUCKET_NAME] + ["_monitoring", "_tasks"] * 2)
    assert fresh.json("GET", "/_test/points?bucket=none", token=None) == (200, [])
    assert fresh.request("DELETE", "/_test/points", token=None)[0] == 204
    assert fresh.points(BUCKET_NAME) == []
    # test paths are not recorded
    assert [entry["path"] for entry in fresh.log()] == ["/api/v2/write"]


def test_deleting_a_bucket_drops_its_points(fresh):
    status, value = fresh.json("POST", "/api/v2/buckets", {"orgID": ORG_ID, "name": "short-lived"})
    assert status == 201
    assert fresh.write("a v=1 1", bucket="short-lived", org=ORG_NAME)[0] == 204
    assert fresh.request("DELETE", "/api/v2/buckets/" + value["id"])[0] == 204
    assert fresh.json("GET", "/_test/points?bucket=short-lived", token=None) == (200, [])


# -- /_test/tokens --------------------------------------------------------------------------------

def _sha(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def test_tokens_hook():
    srv = start_server(*central_args())
    try:
        status, value = srv.json("GET", "/_test/tokens", token=None)
        assert status == 200
        # every authorization in ID order: the operator token, the --write-token
        assert [(item["sha256"], item["access"], item["status"], item["description"]) for item in value] == [
            (_sha(TOKEN), "all", "active", "admin's Token"), (_sha(WRITE_TOKEN), "write", "active", "write token")]
        assert TOKEN not in json.dumps(value) and WRITE_TOKEN not in json.dumps(value)
        status, listed = srv.json("GET", "/api/v2/authorizations")
        assert [item["id"] for item in listed["authorizations"]] == [item["id"] for item in value]
        assert listed["authorizations"][1]["permissions"] == [{"action": "write", "resource": {"type": "buckets"}}]
        assert srv.write("m v=1", token=WRITE_TOKEN, bucket="telegraf", org="central")[0] == 204
        srv.tokens({"revoke": WRITE_TOKEN})
        status, _headers, data = srv.write("m v=1", token=WRITE_TOKEN, bucket="telegraf", org="central")
        assert (status, data) == (401, UNAUTHORIZED_BODY)
        listed = srv.tokens({"add": "new-write-token", "access": "write"})
        assert (_sha("new-write-token"), "write") in {(item["sha256"], item["access"]) for item in listed}
        assert srv.write("m v=1", token="new-write-token", bucket="telegraf", org="central")[0] == 204
        srv.tokens({"add": "reader", "access": "read"})
        assert srv.json("GET", "/api/v2/buckets", token="reader")[0] == 200
        srv.tokens({"add": "admin"})
        assert srv.json("POST", "/api/v2/buckets", {"orgID": "cccccccccccccccc", "name": "by-admin"}, token="admin")[0] == 201
        # adding a known token changes its permissions; an authorization made through the API is "custom"
        listed = srv.tokens({"add": "reader", "access": "write"})
        assert (_sha("reader"), "write") in {(item["sha256"], item["access"]) for item in listed}
        assert srv.json("GET", "/api/v2/buckets", token="reader")[1]["buckets"] == []
        status, made = srv.json("POST", "/api/v2/authorizations", {"orgID": "cccccccccccccccc", "permissions": [
            {"action": "read", "resource": {"type": "buckets"}}]})
        assert status == 201
        assert srv.tokens({"revoke": "never-known"})[-1] == {"sha256": _sha(made["token"]), "access": "custom", "id": made["id"],
                                                             "status": "active", "description": ""}
        # revoking an unknown token is no error (above)
    finally:
        srv.stop()


@pytest.mark.parametrize("body, message", [
    ({}, "tokens: give exactly one of add or revoke"),
    ({"add": "a", "revoke": "b"}, "tokens: give exactly one of add or revoke"),
    ({"add": "a", "access": "root"}, "tokens: access must be all, read or write"),
    ({"revoke": "a", "access": "read"}, "tokens: access goes with add"),
    ({"add": ""}, "tokens: a token must not be empty"),
    ({"add": 1}, "failed to unmarshal json: json: cannot unmarshal number into Go struct field tokenChange.add of type string"),
])
def test_tokens_hook_errors(writer, body, message):
    assert_error(writer.request("POST", "/_test/tokens", body, token=None), 400, "invalid", message)
