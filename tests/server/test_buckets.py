"""/api/v2/buckets: the bucket JSON, list filters and paging, lookups, create, conflicts, delete, --bucket."""

import json
import subprocess
import sys

import pytest

from conftest import (BUCKET_ID, BUCKET_NAME, JSON_TYPE, ORG_ID, ORG_NAME, OTHER_ORG_ID, RO_TOKEN, SERVER, TOKEN,
                      assert_error, random_org, start_server, unique)

BUCKETS = "/api/v2/buckets"


def create_bucket(srv, name=None, org_id=ORG_ID, **fields):
    body = {"orgID": org_id, "name": name or unique("bucket")}
    body.update(fields)
    status, value = srv.json("POST", BUCKETS, body)
    assert status == 201, value
    return value


# -- create -------------------------------------------------------------------------------------

def test_create_answer_shape(server):
    body = {"orgID": ORG_ID, "name": "shape", "description": "d", "retentionRules": [{"type": "expire", "everySeconds": 86400}]}
    status, headers, data = server.request("POST", BUCKETS, body)
    assert status == 201
    assert headers["content-type"] == JSON_TYPE
    assert data.startswith(b'{\n\t"id": "') and not data.endswith(b"\n")
    value = json.loads(data)
    assert list(value) == ["id", "orgID", "type", "description", "name", "retentionRules", "createdAt", "updatedAt", "links",
                           "labels"]
    assert (value["orgID"], value["type"], value["name"], value["description"]) == (ORG_ID, "user", "shape", "d")
    assert value["retentionRules"] == [{"type": "expire", "everySeconds": 86400, "shardGroupDurationSeconds": 3600}]
    assert value["labels"] == []
    bucket_id = value["id"]
    assert value["links"] == {
        "labels": "/api/v2/buckets/%s/labels" % bucket_id, "members": "/api/v2/buckets/%s/members" % bucket_id,
        "org": "/api/v2/orgs/%s" % ORG_ID, "owners": "/api/v2/buckets/%s/owners" % bucket_id,
        "self": "/api/v2/buckets/%s" % bucket_id, "write": "/api/v2/write?org=%s&bucket=%s" % (ORG_ID, bucket_id)}
    assert server.json("GET", BUCKETS + "/" + bucket_id) == (200, value)


def test_create_defaults(server):
    value = create_bucket(server)
    assert value["retentionRules"] == [{"type": "expire", "everySeconds": 0, "shardGroupDurationSeconds": 604800}]
    assert "description" not in value


HOUR = 3600
DAY = 24 * HOUR

# Sent retentionRules (None: the key left out) and the one rule upstream answers, as measured:
# a shard-group duration sent is kept from 1 h up (below 1 h it becomes 1 h); one not sent (or 0)
# follows the retention: 7 days for infinite or from 180 days up, 1 day from 2 days up, else 1 h.
RETENTION_TABLE = [
    (None, (0, 7 * DAY)),
    ([], (0, 7 * DAY)),
    ([{"type": "expire", "everySeconds": 0}], (0, 7 * DAY)),
    ([{"everySeconds": HOUR}], (HOUR, HOUR)),
    ([{"everySeconds": 2 * HOUR}], (2 * HOUR, HOUR)),
    ([{"everySeconds": 2 * DAY - 1}], (2 * DAY - 1, HOUR)),
    ([{"everySeconds": 2 * DAY}], (2 * DAY, DAY)),
    ([{"everySeconds": 7 * DAY}], (7 * DAY, DAY)),
    ([{"everySeconds": 180 * DAY - 1}], (180 * DAY - 1, DAY)),
    ([{"everySeconds": 180 * DAY}], (180 * DAY, 7 * DAY)),
    ([{"everySeconds": 30 * DAY, "shardGroupDurationSeconds": HOUR}], (30 * DAY, HOUR)),
    ([{"everySeconds": 0, "shardGroupDurationSeconds": HOUR}], (0, HOUR)),
    ([{"everySeconds": 0, "shardGroupDurationSeconds": 1}], (0, HOUR)),
    ([{"everySeconds": HOUR, "shardGroupDurationSeconds": 1}], (HOUR, HOUR)),
    ([{"everySeconds": 0, "shardGroupDurationSeconds": 0}], (0, 7 * DAY)),
    ([{"everySeconds": 30 * DAY, "shardGroupDurationSeconds": 30 * DAY}], (30 * DAY, 30 * DAY)),
    # the rule's type is not checked
    ([{"type": "foo", "everySeconds": 2 * DAY}], (2 * DAY, DAY)),
    ([{}], (0, 7 * DAY)),
]


@pytest.mark.parametrize("rules, expected", RETENTION_TABLE, ids=[json.dumps(rules) for rules, _expected in RETENTION_TABLE])
def test_create_retention_rules(server, rules, expected):
    fields = {} if rules is None else {"retentionRules": rules}
    value = create_bucket(server, **fields)
    every, shard_group = expected
    answer = [{"type": "expire", "everySeconds": every, "shardGroupDurationSeconds": shard_group}]
    assert value["retentionRules"] == answer
    assert list(value["retentionRules"][0]) == ["type", "everySeconds", "shardGroupDurationSeconds"]
    # GET and the list answer the same bucket
    assert server.json("GET", BUCKETS + "/" + value["id"]) == (200, value)
    status, listed = server.json("GET", "%s?orgID=%s&name=%s" % (BUCKETS, ORG_ID, value["name"]))
    assert status == 200 and listed["buckets"] == [value]


@pytest.mark.parametrize("rules, status, code, message", [
    ([{"everySeconds": 0}, {"everySeconds": 0}], 422, "unprocessable entity",
     "buckets cannot have more than one retention rule at this time"),
    ([{"everySeconds": -1}], 422, "unprocessable entity", "expiration seconds cannot be negative"),
    ([{"everySeconds": 0, "shardGroupDurationSeconds": -1}], 422, "unprocessable entity",
     "shard-group duration seconds cannot be negative"),
    ([{"everySeconds": 1}], 500, "internal error", "retention policy duration must be at least 1h0m0s"),
    ([{"everySeconds": HOUR - 1}], 500, "internal error", "retention policy duration must be at least 1h0m0s"),
    ([{"everySeconds": 2 * HOUR, "shardGroupDurationSeconds": DAY}], 500, "internal error",
     "retention policy duration must be greater than the shard duration"),
])
def test_create_retention_errors(server, rules, status, code, message):
    name = unique("bucket")
    assert_error(server.request("POST", BUCKETS, {"orgID": ORG_ID, "name": name, "retentionRules": rules}), status, code, message)
    # no bucket is left behind: the name is free
    assert_error(server.request("GET", "%s?orgID=%s&name=%s" % (BUCKETS, ORG_ID, name)), 404, "not found",
                 'bucket "%s" not found' % name)
    create_bucket(server, name)


@pytest.mark.parametrize("rules, message", [
    ("x", "cannot unmarshal string into Go struct field postBucketRequest.retentionRules of type []tenant.retentionRule"),
    ({"everySeconds": 0}, "cannot unmarshal object into Go struct field postBucketRequest.retentionRules of type []tenant.retentionRule"),
    ([1], "cannot unmarshal number into Go struct field postBucketRequest.retentionRules of type tenant.retentionRule"),
    ([{"everySeconds": "x"}], "cannot unmarshal string into Go struct field retentionRule.retentionRules.everySeconds of type int64"),
    ([{"everySeconds": 1.5}], "cannot unmarshal number 1.5 into Go struct field retentionRule.retentionRules.everySeconds of type int64"),
    ([{"shardGroupDurationSeconds": True}],
     "cannot unmarshal bool into Go struct field retentionRule.retentionRules.shardGroupDurationSeconds of type int64"),
    ([{"type": 1}], "cannot unmarshal number into Go struct field retentionRule.retentionRules.type of type string"),
    # the first type error in the body wins, also over a later rule's count
    ([{"everySeconds": -1}, {"EVERYSECONDS": "x"}],
     "cannot unmarshal string into Go struct field retentionRule.retentionRules.everySeconds of type int64"),
])
def test_create_retention_rules_of_a_wrong_type(server, rules, message):
    assert_error(server.request("POST", BUCKETS, {"name": "x", "retentionRules": rules}), 400, "invalid",
                 "failed to unmarshal json: json: " + message)


def test_create_type_errors_in_body_order(server):
    # the first type error in the body wins, inside the rules as anywhere else; a number keeps its text
    for body, message in (
            (b'{"retentionRules": [{"everySeconds": "x"}], "orgID": 5}',
             "cannot unmarshal string into Go struct field retentionRule.retentionRules.everySeconds of type int64"),
            (b'{"orgID": 5, "retentionRules": [{"everySeconds": "x"}]}',
             "cannot unmarshal number into Go struct field postBucketRequest.orgID of type platform.ID"),
            (b'{"retentionRules": 1, "name": 2}',
             "cannot unmarshal number into Go struct field postBucketRequest.retentionRules of type []tenant.retentionRule"),
            (b'{"retentionRules": [{"everySeconds": 1e3}]}',
             "cannot unmarshal number 1e3 into Go struct field retentionRule.retentionRules.everySeconds of type int64"),
            (b'[]', "cannot unmarshal array into Go value of type tenant.postBucketRequest")):
        assert_error(server.request("POST", BUCKETS, body), 400, "invalid", "failed to unmarshal json: json: " + message)


def test_create_retention_rules_null(server):
    # null leaves a rule, or a field of a rule, unset
    value = create_bucket(server, retentionRules=[None])
    assert value["retentionRules"] == [{"type": "expire", "everySeconds": 0, "shardGroupDurationSeconds": 604800}]
    value = create_bucket(server, retentionRules=[{"type": None, "everySeconds": None, "shardGroupDurationSeconds": None}])
    assert value["retentionRules"] == [{"type": "expire", "everySeconds": 0, "shardGroupDurationSeconds": 604800}]


def test_create_rp(server):
    value = create_bucket(server, description="d", rp="autogen")
    assert list(value)[3:6] == ["description", "name", "rp"]
    assert value["rp"] == "autogen"
    assert server.json("GET", BUCKETS + "/" + value["id"]) == (200, value)
    assert "rp" not in create_bucket(server, rp="")


def test_create_retention_error_order(server):
    # the rules are checked before the token and the name, the retention's bounds only after the name is known free
    two = [{"everySeconds": -1}, {"everySeconds": -1}]
    assert_error(server.request("POST", BUCKETS, {"name": "_x", "retentionRules": two}), 400, "invalid",
                 "organization id must be provided")
    assert_error(server.request("POST", BUCKETS, {"orgID": ORG_ID, "name": "_x", "retentionRules": two}, token=RO_TOKEN),
                 422, "unprocessable entity", "buckets cannot have more than one retention rule at this time")
    negative = [{"everySeconds": -1, "shardGroupDurationSeconds": -1}]
    assert_error(server.request("POST", BUCKETS, {"orgID": ORG_ID, "name": "_x", "retentionRules": negative}), 422,
                 "unprocessable entity", "expiration seconds cannot be negative")
    short = [{"everySeconds": 60}]
    assert_error(server.request("POST", BUCKETS, {"orgID": ORG_ID, "name": "x", "retentionRules": short}, token=RO_TOKEN),
                 401, "unauthorized", "write:orgs/%s/buckets is unauthorized" % ORG_ID)
    assert_error(server.request("POST", BUCKETS, {"orgID": random_org(), "name": "x", "retentionRules": short}), 404,
                 "not found", "organization not found")
    assert_error(server.request("POST", BUCKETS, {"orgID": ORG_ID, "name": BUCKET_NAME, "retentionRules": short}), 422,
                 "conflict", "bucket with name %s already exists" % BUCKET_NAME)


def test_create_duplicate_name_is_conflict(server):
    name = unique("bucket")
    create_bucket(server, name)
    assert_error(server.request("POST", BUCKETS, {"orgID": ORG_ID, "name": name}), 422, "conflict",
                 "bucket with name %s already exists" % name)
    # the same name in another org is another bucket
    create_bucket(server, name, OTHER_ORG_ID)


def test_create_checks(server):
    assert_error(server.request("POST", BUCKETS, {"name": "x"}), 400, "invalid", "organization id must be provided")
    assert_error(server.request("POST", BUCKETS, {"orgID": ORG_ID, "name": "_system"}), 400, "invalid",
                 "bucket name _system is invalid. Buckets may not start with underscore")
    assert_error(server.request("POST", BUCKETS, {"orgID": ORG_ID, "name": 'a"b'}), 400, "invalid",
                 'bucket name a"b is invalid. Bucket names may not include quotation marks')
    assert_error(server.request("POST", BUCKETS, {"orgID": random_org(), "name": "x"}), 404, "not found", "organization not found")
    assert_error(server.request("POST", BUCKETS, b"{"), 400, "invalid", "failed to unmarshal json: unexpected EOF")
    assert_error(server.request("POST", BUCKETS, {"orgID": ORG_ID, "name": "x"}, token=RO_TOKEN), 401, "unauthorized",
                 "write:orgs/%s/buckets is unauthorized" % ORG_ID)


# -- list and get -------------------------------------------------------------------------------

def test_list_by_name(server):
    value = create_bucket(server)
    for query in ("orgID=" + ORG_ID, "org=" + ORG_NAME):
        status, listed = server.json("GET", "%s?%s&name=%s" % (BUCKETS, query, value["name"]))
        assert status == 200
        assert listed["buckets"] == [value]
        assert "self" in listed["links"]


def test_list_unknown_name_is_404(server):
    assert_error(server.request("GET", BUCKETS + "?orgID=%s&name=nope" % ORG_ID), 404, "not found", 'bucket "nope" not found')
    # a name is looked up within the org
    assert_error(server.request("GET", BUCKETS + "?orgID=%s&name=%s" % (OTHER_ORG_ID, BUCKET_NAME)), 404, "not found",
                 'bucket "%s" not found' % BUCKET_NAME)
    assert_error(server.request("GET", BUCKETS + "?orgID=%s&name=%s" % (random_org(), BUCKET_NAME)), 404, "not found",
                 'bucket "%s" not found' % BUCKET_NAME)


def test_list_name_without_org(server):
    # without an org, a name matches in every org, in ID order, and no match is an empty page
    name = unique("bucket")
    ids = sorted(create_bucket(server, name, org_id)["id"] for org_id in (ORG_ID, OTHER_ORG_ID))
    status, listed = server.json("GET", BUCKETS + "?name=" + name)
    assert status == 200 and [b["id"] for b in listed["buckets"]] == ids
    assert server.json("GET", BUCKETS + "?name=nope") == (200, {
        "links": {"self": BUCKETS + "?bucket=nope&descending=false&limit=20&offset=0"}, "buckets": []})


def test_list_id_wins_over_the_other_filters(server):
    value = create_bucket(server)
    for query in ("orgID=" + OTHER_ORG_ID, "orgID=" + random_org(), "org=nobody", "name=other"):
        status, listed = server.json("GET", "%s?id=%s&%s" % (BUCKETS, value["id"].upper(), query))
        assert (status, listed["buckets"]) == (200, [value]), query
    assert_error(server.request("GET", BUCKETS + "?id=%s&name=%s" % (random_org(), value["name"])), 404, "not found",
                 "bucket not found")


def test_list_by_id_and_org_errors(server):
    status, listed = server.json("GET", BUCKETS + "?id=" + BUCKET_ID)
    assert status == 200 and [b["name"] for b in listed["buckets"]] == [BUCKET_NAME]
    assert_error(server.request("GET", BUCKETS + "?id=" + random_org()), 404, "not found", "bucket not found")
    assert_error(server.request("GET", BUCKETS + "?org=nobody"), 404, "not found", 'organization name "nobody" not found')
    org_id = random_org()
    # an unknown orgID is an empty page, unlike an unknown org name
    assert server.json("GET", BUCKETS + "?orgID=" + org_id) == (200, {
        "links": {"self": BUCKETS + "?descending=false&limit=20&offset=0&orgID=" + org_id}, "buckets": []})
    assert_error(server.request("GET", BUCKETS + "?orgID=xyz"), 400, "invalid", "id must have a length of 16 bytes")


def test_list_paging(server):
    for name in ("zulu", "alpha", "Mike"):
        create_bucket(server, unique(name), org_id=OTHER_ORG_ID)
    # an org's buckets are listed in name order (byte order: upper case first)
    status, every = server.json("GET", BUCKETS + "?limit=100&orgID=" + OTHER_ORG_ID)
    assert status == 200
    names = [b["name"] for b in every["buckets"]]
    assert names == sorted(names) and len(names) >= 3
    _status, page = server.json("GET", BUCKETS + "?limit=2&offset=1&orgID=" + OTHER_ORG_ID)
    assert [b["name"] for b in page["buckets"]] == names[1:3]
    _status, default = server.json("GET", BUCKETS + "?orgID=" + OTHER_ORG_ID)
    assert len(default["buckets"]) == min(len(names), 20)
    # without an org, every bucket in ID order, with descending and after
    _status, all_orgs = server.json("GET", BUCKETS + "?limit=100")
    ids = [b["id"] for b in all_orgs["buckets"]]
    assert ids == sorted(ids)
    _status, down = server.json("GET", BUCKETS + "?limit=100&descending=true")
    assert [b["id"] for b in down["buckets"]] == ids[::-1]
    _status, later = server.json("GET", BUCKETS + "?limit=100&after=" + ids[0])
    assert [b["id"] for b in later["buckets"]] == ids[1:]
    # descending from after: that bucket and the ones before it
    _status, earlier = server.json("GET", BUCKETS + "?limit=100&descending=true&after=" + ids[1])
    assert [b["id"] for b in earlier["buckets"]] == ids[1::-1]
    assert_error(server.request("GET", BUCKETS + "?limit=101"), 400, "invalid", "limit must be between 1 and 100")
    assert_error(server.request("GET", BUCKETS + "?offset=x"), 400, "invalid", "offset is invalid")


def test_list_in_an_org(fresh):
    ids = {name: create_bucket(fresh, name)["id"] for name in ("b", "a", "c", "d")}
    names = ["_monitoring", "_tasks", "a", "b", "c", "d", BUCKET_NAME]

    def listed(query):
        status, value = fresh.json("GET", "%s?orgID=%s&%s" % (BUCKETS, ORG_ID, query))
        assert status == 200, value
        return [b["name"] for b in value["buckets"]]

    assert listed("limit=100") == names
    assert listed("descending=true") == names[::-1]
    assert listed("descending=true&offset=1&limit=2") == ["d", "c"]
    # after: the buckets that follow it in name order, once the offset has skipped its buckets (after among
    # them: none); an ID the org does not have: none
    assert listed("after=" + ids["b"]) == ["c", "d", BUCKET_NAME]
    assert listed("after=%s&offset=1&limit=2" % ids["b"]) == ["c", "d"]
    assert listed("after=%s&offset=3" % ids["b"]) == ["c", "d", BUCKET_NAME]
    assert listed("after=%s&offset=4" % ids["b"]) == []
    assert listed("after=%s&descending=true" % ids["b"]) == ["a", "_tasks", "_monitoring"]
    assert listed("after=" + random_org()) == []
    # a negative offset is the first page
    assert listed("offset=-3&limit=2") == names[:2]


def test_list_offset_without_org_counts_every_bucket(fresh):
    # without an org, the offset skips buckets in ID order before the name filter
    name = unique("bucket")
    ids = sorted(create_bucket(fresh, name, org_id)["id"] for org_id in (ORG_ID, OTHER_ORG_ID))
    _status, every = fresh.json("GET", BUCKETS + "?limit=100")
    position = [b["id"] for b in every["buckets"]].index(ids[0])
    for offset, expected in ((position, ids), (position + 1, ids[1:])):
        status, value = fresh.json("GET", "%s?name=%s&offset=%d" % (BUCKETS, name, offset))
        assert status == 200 and [b["id"] for b in value["buckets"]] == expected


@pytest.mark.parametrize("query, links", [
    ("orgID=%s&limit=2" % ORG_ID, {
        "self": "descending=false&limit=2&offset=0&orgID=" + ORG_ID,
        "next": "descending=false&limit=2&offset=2&orgID=" + ORG_ID}),
    ("orgID=%s&limit=2&offset=1" % ORG_ID.upper(), {
        "prev": "descending=false&limit=2&offset=0&orgID=" + ORG_ID,
        "self": "descending=false&limit=2&offset=1&orgID=" + ORG_ID,
        "next": "descending=false&limit=2&offset=3&orgID=" + ORG_ID}),
    # orgID wins over org (an unknown orgID: an empty page)
    ("org=%s&orgID=ABCDEFABCDEFABCD&offset=1&descending=t&sortBy=x y&foo=bar" % ORG_NAME, {
        "prev": "descending=true&limit=20&offset=0&org=%s&orgID=abcdefabcdefabcd&sortBy=x+y" % ORG_NAME,
        "self": "descending=true&limit=20&offset=1&org=%s&orgID=abcdefabcdefabcd&sortBy=x+y" % ORG_NAME}),
    ("orgID=%s&offset=-1&limit=1" % ORG_ID, {
        "self": "descending=false&limit=1&offset=-1&orgID=" + ORG_ID,
        "next": "descending=false&limit=1&offset=0&orgID=" + ORG_ID}),
    ("orgID=%s&name=%s" % (ORG_ID, BUCKET_NAME), {
        "self": "bucket=%s&descending=false&limit=20&offset=0&orgID=%s" % (BUCKET_NAME, ORG_ID)}),
    ("id=%s&after=%s&name=" % (BUCKET_ID, BUCKET_ID.upper()), {
        "self": "after=%s&descending=false&id=%s&limit=20&offset=0" % (BUCKET_ID, BUCKET_ID)}),
    ("name=a b%26c/%C3%A9&offset=100", {
        "prev": "bucket=a+b%26c%2F%C3%A9&descending=false&limit=20&offset=80",
        "self": "bucket=a+b%26c%2F%C3%A9&descending=false&limit=20&offset=100"}),
])
def test_list_links(server, query, links):
    # the links name the filters and options of the request (the name as bucket), in key order
    status, _headers, data = server.request("GET", BUCKETS + "?" + query.replace(" ", "%20"))
    assert status == 200, data
    value = json.loads(data)
    assert list(value["links"]) == list(links)
    assert value["links"] == {key: BUCKETS + "?" + link for key, link in links.items()}


def test_list_default_page_is_20(fresh):
    for _index in range(22):
        create_bucket(fresh)
    _status, listed = fresh.json("GET", BUCKETS + "?orgID=" + ORG_ID)
    assert len(listed["buckets"]) == 20
    _status, rest = fresh.json("GET", BUCKETS + "?offset=20&orgID=" + ORG_ID)
    assert len(rest["buckets"]) == 5  # 22, the --bucket one and the two system buckets


def test_system_buckets(server):
    status, listed = server.json("GET", BUCKETS + "?orgID=" + ORG_ID)
    assert status == 200
    system = [b for b in listed["buckets"] if b["type"] == "system"]
    assert [(b["name"], b["description"], b["retentionRules"]) for b in system] == [
        ("_monitoring", "System bucket for monitoring logs", [{"type": "expire", "everySeconds": 604800, "shardGroupDurationSeconds": 86400}]),
        ("_tasks", "System bucket for task logs", [{"type": "expire", "everySeconds": 259200, "shardGroupDurationSeconds": 86400}]),
    ]
    # in name order: upper case, then _, then lower case
    names = [b["name"] for b in listed["buckets"]]
    assert names == sorted(names)
    status, found = server.json("GET", BUCKETS + "?orgID=%s&name=_tasks" % OTHER_ORG_ID)
    assert status == 200 and found["buckets"][0]["orgID"] == OTHER_ORG_ID
    tasks = found["buckets"][0]
    # a system bucket keeps its name, but its description and retention may change
    assert_error(patch(server, tasks, {"name": "_tasks2", "description": "lost"}), 400, "invalid", "system buckets cannot be renamed")
    assert_error(patch(server, tasks, {"name": "tasks"}), 400, "invalid", "system buckets cannot be renamed")
    assert patched(server, tasks, {"name": "_tasks", "description": "mine"})["description"] == "mine"
    assert "description" not in patched(server, tasks, {"description": ""})
    assert patched(server, tasks, {"retentionRules": [{"everySeconds": 0}]})["retentionRules"] == rules(0, DAY)
    # DELETE is refused, but only after the storage engine dropped the bucket's points and retention:
    # from then on every PATCH fails (GET still works)
    assert server.write("m v=1 1", bucket="_tasks", org=OTHER_ORG_ID)[0] == 204
    assert server.points(tasks["id"]) == ["m v=1 1"]
    assert_error(server.request("DELETE", BUCKETS + "/" + tasks["id"]), 400, "invalid", "system buckets cannot be deleted")
    assert server.points(tasks["id"]) == []
    assert_error(server.request("DELETE", BUCKETS + "/" + tasks["id"]), 400, "invalid", "system buckets cannot be deleted")
    for body in ({}, {"description": "x"}):
        assert_error(patch(server, tasks, body), 500, "internal error", "database not found: " + tasks["id"])
    assert server.json("GET", BUCKETS + "/" + tasks["id"])[0] == 200


def test_get_errors(server):
    assert_error(server.request("GET", BUCKETS + "/" + random_org()), 404, "not found", "bucket not found")
    assert_error(server.request("GET", BUCKETS + "/xyz"), 400, "invalid", "id must have a length of 16 bytes")
    assert server.request("GET", BUCKETS + "/" + BUCKET_ID, token=None)[0] == 401


# -- update -------------------------------------------------------------------------------------

def patch(srv, bucket, body, token=TOKEN):
    """PATCH /api/v2/buckets/{id} of a bucket (its JSON): (status, headers, body bytes)."""
    return srv.request("PATCH", BUCKETS + "/" + bucket["id"], body, token=token)


def patched(srv, bucket, body):
    """PATCH that must succeed: the answer, which GET answers too."""
    status, _headers, data = patch(srv, bucket, body)
    assert status == 200, data
    value = json.loads(data)
    assert srv.json("GET", BUCKETS + "/" + bucket["id"]) == (200, value)
    return value


def rules(every, shard_group):
    return [{"type": "expire", "everySeconds": every, "shardGroupDurationSeconds": shard_group}]


def test_patch_name_and_description(server):
    bucket = create_bucket(server, description="d")
    other = create_bucket(server)
    # {} changes nothing but the update time; orgID is not read, null is not given
    for body in ({}, {"orgID": OTHER_ORG_ID, "name": None, "description": None, "retentionRules": None}, b"null"):
        value = patched(server, bucket, body)
        assert value["updatedAt"] != bucket["updatedAt"]
        assert value == dict(bucket, updatedAt=value["updatedAt"])
        bucket = value
    value = patched(server, bucket, {"description": "new <&>"})
    assert list(value) == list(bucket) and value["description"] == "new <&>"
    # an empty description clears it: the key goes
    value = patched(server, bucket, {"description": ""})
    assert "description" not in value and value["name"] == bucket["name"]
    # a rename: to its own name, to a free one (the old name is free then), to a name of another org
    assert patched(server, bucket, {"name": bucket["name"]})["name"] == bucket["name"]
    name = unique("renamed")
    assert patched(server, bucket, {"name": name})["name"] == name
    assert_error(server.request("GET", "%s?orgID=%s&name=%s" % (BUCKETS, ORG_ID, bucket["name"])), 404, "not found",
                 'bucket "%s" not found' % bucket["name"])
    create_bucket(server, bucket["name"])
    assert patched(server, bucket, {"name": BUCKET_NAME.upper()})["name"] == BUCKET_NAME.upper()
    # the names upstream refuses, with messages of their own (the conflict is not the POST one)
    for body, error in (({"name": other["name"]}, (422, "conflict", "bucket name is not unique")),
                        ({"name": BUCKET_NAME, "description": "lost"}, (422, "conflict", "bucket name is not unique")),
                        ({"name": "_x"}, (400, "invalid", "bucket name _x is invalid. Buckets may not start with underscore")),
                        ({"name": 'a"b'}, (400, "invalid", 'bucket name a"b is invalid. Bucket names may not include quotation marks'))):
        assert_error(patch(server, bucket, body), *error)
    status, value = server.json("GET", BUCKETS + "/" + bucket["id"])
    assert (status, value["name"], "description" in value) == (200, BUCKET_NAME.upper(), False)


def test_patch_retention(server):
    bucket = create_bucket(server, retentionRules=[{"everySeconds": 30 * DAY}])
    assert bucket["retentionRules"] == rules(30 * DAY, DAY)
    # no rule, an empty rule or a null rule change nothing: [] is not infinite
    for body in ({"retentionRules": []}, {"retentionRules": [{}]}, {"retentionRules": [None]},
                 {"retentionRules": [{"type": "expire", "everySeconds": None, "shardGroupDurationSeconds": None}]}):
        assert patched(server, bucket, body)["retentionRules"] == rules(30 * DAY, DAY)

    def retention(every=None, shard_group=None):
        rule = {"everySeconds": every, "shardGroupDurationSeconds": shard_group}
        return patch(server, bucket, {"retentionRules": [{key: value for key, value in rule.items() if value is not None}]})

    def answer(*expected):
        status, _headers, data = expected[0]
        assert status == 200, data
        value = json.loads(data)
        assert value["retentionRules"] == (rules(*expected[1:]) if expected[1:] else [])
        assert server.json("GET", BUCKETS + "/" + bucket["id"]) == (200, value)

    answer(retention(7 * DAY), 7 * DAY, DAY)
    # a retention below the shard-group duration needs a new one in the same request; below 1 h is a 500
    incompatible = (422, "unprocessable entity", "shard-group duration must also be updated to be smaller than new retention duration")
    too_short = (500, "internal error", "retention policy duration must be at least 1h0m0s")
    assert_error(retention(2 * HOUR), *incompatible)
    assert_error(retention(2 * HOUR, DAY), *incompatible)
    assert_error(retention(1800), *too_short)
    assert_error(retention(1, 1), *too_short)
    answer(retention(2 * HOUR, HOUR), 2 * HOUR, HOUR)
    assert_error(retention(shard_group=3 * HOUR), *incompatible)
    # infinite keeps the shard-group duration, which may then grow
    answer(retention(0), 0, HOUR)
    answer(retention(shard_group=30 * DAY), 0, 30 * DAY)
    assert_error(retention(7 * DAY), *incompatible)
    # a shard-group duration is shown as sent, the storage engine keeps at least 1 h (and for 0, the
    # one of its retention): the checks use the engine's
    answer(retention(shard_group=1), 0, 1)
    answer(retention(2 * HOUR), 2 * HOUR, 1)
    answer(retention(shard_group=0), 2 * HOUR, 0)
    answer(retention(0))  # nothing to show: no rule
    status, listed = server.json("GET", "%s?orgID=%s&name=%s" % (BUCKETS, ORG_ID, bucket["name"]))
    assert status == 200 and listed["buckets"][0]["retentionRules"] == []
    answer(retention(3 * DAY), 3 * DAY, 0)
    answer(retention(30 * DAY, 0), 30 * DAY, 0)
    assert_error(retention(2 * HOUR), *incompatible)  # the engine's shard-group duration is 1 d
    answer(retention(2 * HOUR, HOUR), 2 * HOUR, HOUR)


def test_patch_refused_after_the_retention_changed(server):
    # upstream changes the storage engine's retention before it looks at the name: a refused rename
    # leaves the bucket as it was, but the engine's retention is the new one and the next checks use it
    bucket = create_bucket(server, retentionRules=[{"everySeconds": 7 * DAY}])
    for name, error in (("_x", (400, "invalid", "bucket name _x is invalid. Buckets may not start with underscore")),
                        (BUCKET_NAME, (422, "conflict", "bucket name is not unique"))):
        assert_error(patch(server, bucket, {"name": name, "retentionRules": [{"everySeconds": 2 * HOUR, "shardGroupDurationSeconds": HOUR}]}),
                     *error)
    status, value = server.json("GET", BUCKETS + "/" + bucket["id"])
    assert (status, value["retentionRules"], value["updatedAt"]) == (200, rules(7 * DAY, DAY), bucket["updatedAt"])
    assert_error(patch(server, bucket, {"retentionRules": [{"shardGroupDurationSeconds": DAY}]}), 422, "unprocessable entity",
                 "shard-group duration must also be updated to be smaller than new retention duration")


def test_patch_errors(server):
    bucket = create_bucket(server)
    missing = {"id": random_org()}
    prefix = "failed to unmarshal json: json: cannot unmarshal "
    # the body is checked before the bucket is looked up
    for target in (bucket, missing):
        for body, error in (
                (b"{", (400, "invalid", "failed to unmarshal json: unexpected EOF")),
                (b"", (400, "invalid", "failed to unmarshal json: EOF")),
                (b"[]", (400, "invalid", prefix + "array into Go value of type tenant.bucketUpdate")),
                ({"name": 5}, (400, "invalid", prefix + "number into Go struct field bucketUpdate.name of type string")),
                ({"retentionRules": "x"}, (400, "invalid", prefix + "string into Go struct field bucketUpdate.retentionRules "
                                                                    "of type []tenant.retentionRuleUpdate")),
                (b'{"retentionRules": [{"everySeconds": "x"}], "name": 1}',
                 (400, "invalid", prefix + "string into Go struct field retentionRuleUpdate.retentionRules.everySeconds of type int64")),
                ({"retentionRules": [{"everySeconds": -1}, {}]},
                 (422, "unprocessable entity", "buckets cannot have more than one retention rule at this time")),
                ({"retentionRules": [{"everySeconds": -1, "shardGroupDurationSeconds": -1}]},
                 (422, "unprocessable entity", "expiration seconds cannot be negative")),
                ({"retentionRules": [{"shardGroupDurationSeconds": -1}]},
                 (422, "unprocessable entity", "shard-group duration seconds cannot be negative"))):
            assert_error(patch(server, target, body), *error)
    for body in ({}, {"name": "x"}, {"retentionRules": [{"everySeconds": 1}]}):
        assert_error(patch(server, missing, body), 404, "not found", "bucket not found")
    assert_error(server.request("PATCH", BUCKETS + "/xyz", {}), 400, "invalid", "id must have a length of 16 bytes")
    assert_error(patch(server, bucket, {"description": "x"}, token=RO_TOKEN), 401, "unauthorized",
                 "write:orgs/%s/buckets/%s is unauthorized" % (ORG_ID, bucket["id"]))
    assert server.json("GET", BUCKETS + "/" + bucket["id"]) == (200, bucket)


# -- delete -------------------------------------------------------------------------------------

def test_delete(server):
    value = create_bucket(server)
    assert_error(server.request("DELETE", BUCKETS + "/" + value["id"], token=RO_TOKEN), 401, "unauthorized",
                 "write:orgs/%s/buckets/%s is unauthorized" % (ORG_ID, value["id"]))
    status, _headers, data = server.request("DELETE", BUCKETS + "/" + value["id"])
    assert (status, data) == (204, b"")
    status, _headers, data = server.request("GET", BUCKETS + "/" + value["id"])
    assert status == 404 and json.loads(data)["message"] == "bucket not found"
    assert_error(server.request("DELETE", BUCKETS + "/" + value["id"]), 404, "not found", "bucket not found")


def test_delete_deletes_its_replications(server):
    bucket = create_bucket(server)
    org = random_org()
    remote = server.create_remote(org)
    status, kept = server.create_replication(org, remote["id"])
    assert status == 201
    status, gone = server.create_replication(org, remote["id"], localBucketID=bucket["id"])
    assert status == 201
    assert server.request("DELETE", BUCKETS + "/" + bucket["id"])[0] == 204
    assert_error(server.request("GET", "/api/v2/replications/" + gone["id"]), 404, "not found", "replication not found")
    assert server.json("GET", "/api/v2/replications/" + kept["id"])[0] == 200


def test_replication_needs_a_real_local_bucket(server):
    org = random_org()
    remote = server.create_remote(org)
    missing = random_org()
    for query in ("", "?validate=true"):
        assert_error(server.request("POST", "/api/v2/replications" + query, {
            "orgID": org, "name": "r", "remoteID": remote["id"], "localBucketID": missing, "remoteBucketName": "b"}),
            400, "invalid", 'local bucket "%s" not found: bucket not found' % missing)


# -- --bucket -----------------------------------------------------------------------------------

def test_bucket_option(server):
    status, value = server.json("GET", BUCKETS + "/" + BUCKET_ID)
    assert status == 200
    assert (value["orgID"], value["name"]) == (ORG_ID, BUCKET_NAME)


def test_bucket_option_without_id():
    srv = start_server("--bucket", "%s=plain" % ORG_NAME)
    try:
        status, listed = srv.json("GET", BUCKETS + "?org=%s&name=plain" % ORG_NAME)
        assert status == 200 and len(listed["buckets"]) == 1
    finally:
        srv.stop()


def test_bucket_option_survives_a_restart_with_db(tmp_path):
    db = str(tmp_path / "state.db")
    for _round in range(2):
        srv = start_server("--db", db, "--bucket", "%s=kept=2222222222222222" % ORG_NAME)
        try:
            status, listed = srv.json("GET", BUCKETS + "?org=%s&name=kept" % ORG_NAME)
            assert status == 200 and [b["id"] for b in listed["buckets"]] == ["2222222222222222"]
        finally:
            srv.stop()


@pytest.mark.parametrize("spec, message", [
    ("edge", "--bucket expects ORG_NAME=BUCKET_NAME[=ID]"),
    ("nobody=b", "no --org named nobody"),
    ("edge=b=xyz", "the ID must be 16 hexadecimal characters"),
    ("edge=_b", "may not start with an underscore"),
])
def test_bad_bucket_option(spec, message):
    proc = subprocess.run([sys.executable, SERVER, "--port", "0", "--token", TOKEN, "--org", "edge=0123456789abcdef",
                           "--bucket", spec], capture_output=True, timeout=30, check=False)
    assert proc.returncode == 2
    assert message in proc.stderr.decode()


def test_duplicate_bucket_option():
    proc = subprocess.run([sys.executable, SERVER, "--port", "0", "--token", TOKEN, "--org", "edge=0123456789abcdef",
                           "--bucket", "edge=b", "--bucket", "edge=b"], capture_output=True, timeout=30, check=False)
    assert proc.returncode == 2
    assert "duplicate bucket name or ID" in proc.stderr.decode()
