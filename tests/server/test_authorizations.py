"""/api/v2/authorizations, /api/v2/me and the permissions every endpoint enforces.

Pins the operator token as `influx setup` makes it, the authorization JSON and
the token only in the create answer (hashed tokens) or in every answer
(--plain-tokens), the order of the create checks (the caller must hold every
permission it grants), list filters, PATCH and DELETE, inactive tokens, and
what a token limited to one bucket gets from every endpoint the collection
calls: 401, 403 or a list with what it may read (null and [] for remotes and
replications as upstream tells them apart).
"""

import hashlib
import json
import re
import urllib.parse

from conftest import (BUCKET_ID, BUCKET_NAME, JSON_TYPE, ORG_ID, ORG_NAME, OTHER_ORG_ID, OTHER_ORG_NAME, RO_TOKEN, TOKEN,
                      UNAUTHORIZED_BODY, assert_error, start_server, unique)

AUTHS = "/api/v2/authorizations"
UNKNOWN_ID = "0000000000abcdef"
TYPES = ("authorizations", "buckets", "dashboards", "orgs", "sources", "tasks", "telegrafs", "users", "variables", "scrapers",
         "secrets", "labels", "views", "documents", "notificationRules", "notificationEndpoints", "checks", "dbrp", "notebooks",
         "annotations", "remotes", "replications")
AUTH_KEYS = ["id", "token", "status", "description", "orgID", "org", "userID", "user", "permissions", "links", "createdAt",
             "updatedAt"]
NEW_TOKEN = re.compile(r"^[A-Za-z0-9_-]{86}==$")


def perm(action, kind, resource_id=None, org_id=None):
    resource = {"type": kind}
    if resource_id is not None:
        resource["id"] = resource_id
    if org_id is not None:
        resource["orgID"] = org_id
    return {"action": action, "resource": resource}


def create(srv, perms, org_id=ORG_ID, token=TOKEN, **fields):
    """POST an authorization; return (its token, its JSON)."""
    body = {"orgID": org_id, "description": unique("auth"), "permissions": perms}
    body.update(fields)
    status, value = srv.json("POST", AUTHS, body, token=token)
    assert status == 201, value
    return value["token"], value


def user_id(srv):
    status, value = srv.json("GET", "/api/v2/me")
    assert status == 200
    return value["id"]


def new_bucket(srv, org_id=ORG_ID):
    status, value = srv.json("POST", "/api/v2/buckets", {"orgID": org_id, "name": unique("bucket")})
    assert status == 201, value
    return value


def denied(response, permission):
    assert_error(response, 401, "unauthorized", "%s is unauthorized" % permission)


def write_error(response, status, code, message):
    """The write handler's compact error body."""
    got_status, headers, data = response
    assert (got_status, headers["x-platform-error-code"]) == (status, code), data
    assert data == json.dumps({"code": code, "message": message}, separators=(",", ":")).encode("utf-8")


# -- the operator token, /api/v2/me ---------------------------------------------------------------

def test_the_operator_token_is_the_one_influx_setup_makes(server):
    status, value = server.json("GET", AUTHS)
    assert status == 200 and list(value) == ["links", "authorizations"] and value["links"] == {"self": AUTHS}
    operator, read_only = value["authorizations"][:2]
    me = user_id(server)
    assert list(operator) == AUTH_KEYS
    assert operator == {
        "id": operator["id"], "token": "", "status": "active", "description": "admin's Token", "orgID": ORG_ID,
        "org": ORG_NAME, "userID": me, "user": "admin",
        "permissions": [perm(action, kind) for kind in TYPES for action in ("read", "write")],
        "links": {"self": "%s/%s" % (AUTHS, operator["id"]), "user": "/api/v2/users/" + me},
        "createdAt": operator["createdAt"], "updatedAt": operator["createdAt"]}
    assert len(operator["permissions"]) == 44
    # the read-only token reads every type
    assert read_only["permissions"] == [perm("read", kind) for kind in TYPES] and read_only["token"] == ""
    status, headers, data = server.request("GET", "/api/v2/me")
    assert (status, headers["content-type"]) == (200, JSON_TYPE)
    assert data == ('{\n\t"links": {\n\t\t"self": "/api/v2/users/%s"\n\t},\n\t"id": "%s",\n\t"name": "admin",\n\t'
                    '"status": "active"\n}' % (me, me)).encode("utf-8")
    assert server.json("GET", "/api/v2/me", token=RO_TOKEN) == (200, json.loads(data))
    # only a token authenticates, never what the server keeps of it
    stored = hashlib.sha256(TOKEN.encode("utf-8")).hexdigest()
    for presented in (stored, "$influxdb2-sha256$v=1$" + stored, TOKEN.upper()):
        assert server.request("GET", "/api/v2/me", token=presented)[::2] == (401, UNAUTHORIZED_BODY)


# -- create ---------------------------------------------------------------------------------------

def test_create_answers_the_token_once(server):
    me = user_id(server)
    perms = [{"action": "read", "resource": {"type": "buckets", "id": BUCKET_ID, "orgID": ORG_ID, "name": "x", "org": "y"}},
             perm("write", "buckets", UNKNOWN_ID, ORG_ID), perm("read", "orgs", ORG_ID), perm("read", "users", me),
             perm("read", "remotes", None, ORG_ID), perm("read", "dashboards", UNKNOWN_ID)]
    status, headers, data = server.request("POST", AUTHS, {"orgID": ORG_ID, "description": "scoped", "permissions": perms,
                                                          "token": "a-token-of-my-choice", "unknown": 1})
    assert (status, headers["content-type"]) == (201, JSON_TYPE)
    assert data.startswith(b'{\n\t"id": "')
    created = json.loads(data)
    token = created["token"]
    assert list(created) == AUTH_KEYS and NEW_TOKEN.match(token)
    assert created == {
        "id": created["id"], "token": token, "status": "active", "description": "scoped", "orgID": ORG_ID, "org": ORG_NAME,
        "userID": me, "user": "admin",
        "permissions": [
            # request names are ignored; the answer names the bucket, org and user it finds
            {"action": "read", "resource": {"type": "buckets", "id": BUCKET_ID, "orgID": ORG_ID, "name": BUCKET_NAME, "org": ORG_NAME}},
            # an ID that names nothing: neither name nor org
            perm("write", "buckets", UNKNOWN_ID, ORG_ID),
            {"action": "read", "resource": {"type": "orgs", "id": ORG_ID, "name": ORG_NAME}},
            {"action": "read", "resource": {"type": "users", "id": me, "name": "admin"}},
            {"action": "read", "resource": {"type": "remotes", "orgID": ORG_ID, "org": ORG_NAME}},
            perm("read", "dashboards", UNKNOWN_ID)],
        "links": {"self": "%s/%s" % (AUTHS, created["id"]), "user": "/api/v2/users/" + me},
        "createdAt": created["createdAt"], "updatedAt": created["createdAt"]}
    # from now on the token is never shown again: GET, list, PATCH
    shown = dict(created, token="")
    assert server.json("GET", "%s/%s" % (AUTHS, created["id"])) == (200, shown)
    assert server.json("GET", "%s?id=%s" % (AUTHS, created["id"]))[1]["authorizations"] == [shown]
    assert token not in server.request("GET", AUTHS)[2].decode("utf-8")
    status, patched = server.json("PATCH", "%s/%s" % (AUTHS, created["id"]), {"description": "renamed"})
    assert status == 200 and patched["token"] == "" and patched["description"] == "renamed"
    # the token works, with its permissions only
    assert server.json("GET", "/api/v2/buckets/" + BUCKET_ID, token=token)[0] == 200
    denied(server.request("POST", AUTHS, {"orgID": ORG_ID, "permissions": perms[:1]}, token=token),
           "write:orgs/%s/authorizations" % ORG_ID)
    # upstream checks neither a made-up bucket ID nor a bucket of another org given without orgID
    other = new_bucket(server, OTHER_ORG_ID)
    assert create(server, [perm("read", "buckets", UNKNOWN_ID, ORG_ID), perm("read", "buckets", other["id"])])[1]["permissions"][1] == \
        {"action": "read", "resource": {"type": "buckets", "id": other["id"], "name": other["name"]}}
    # created inactive, keys in any case, null for a pointer
    status, value = server.json("POST", AUTHS, {"ORGID": ORG_ID, "Status": "inactive", "userID": None, "Permissions": [
        {"ACTION": "read", "Resource": {"TYPE": "buckets", "id": None}}]})
    assert status == 201 and (value["status"], value["description"], value["permissions"]) == ("inactive", "", [perm("read", "buckets")])


def test_create_checks_in_upstream_order(server):
    bad_json = "invalid json structure: "
    cases = [
        (b"{", 400, bad_json + "unexpected EOF"),
        (b"", 400, bad_json + "EOF"),
        (b"[]", 400, bad_json + "json: cannot unmarshal array into Go value of type authorization.postAuthorizationRequest"),
        ({"description": 5, "orgID": "x"}, 400, bad_json + "id must have a length of 16 bytes"),
        ({"orgID": "0000000000000000"}, 400, bad_json + "invalid ID"),
        ({"status": 5}, 400, bad_json + "json: cannot unmarshal number into Go struct field postAuthorizationRequest.status of type "
                                        "influxdb.Status"),
        ({"permissions": {}}, 400, bad_json + "json: cannot unmarshal object into Go struct field postAuthorizationRequest.permissions"
                                              " of type []influxdb.Permission"),
        ({"permissions": [5]}, 400, bad_json + "json: cannot unmarshal number into Go struct field postAuthorizationRequest.permissions"
                                               " of type influxdb.Permission"),
        ({"permissions": [{"action": 5}]}, 400, bad_json + "json: cannot unmarshal number into Go struct field "
                                                           "Permission.permissions.action of type influxdb.Action"),
        ({"permissions": [{"resource": {"type": 5}}]}, 400, bad_json + "json: cannot unmarshal number into Go struct field "
                                                                       "Resource.permissions.resource.type of type influxdb.ResourceType"),
        ({"permissions": [perm("read", "buckets", "x")]}, 400, bad_json + "id must have a length of 16 bytes"),
        ({"orgID": ORG_ID}, 400, "authorization must include permissions"),
        ({"orgID": ORG_ID, "permissions": []}, 400, "authorization must include permissions"),
        ({"permissions": [perm("x", "buckets"), perm("read", "nope")]}, 400,
         "invalid action type for permission: unknown action for permission"),
        ({"permissions": [perm("read", "nope"), perm("x", "buckets")]}, 400,
         "invalid resource type for permission: unknown resource type for permission"),
        ({"orgID": ORG_ID, "permissions": [None]}, 400, "invalid resource type for permission: unknown resource type for permission"),
        ({"status": "x", "permissions": [perm("read", "buckets")]}, 400, "org id required: invalid ID"),
        ({"org": ORG_NAME, "permissions": [perm("read", "buckets")]}, 400, "org id required: invalid ID"),
        ({"orgID": ORG_ID, "status": "x", "permissions": [perm("read", "buckets")]}, 400, "invalid status: must be active or inactive"),
        ({"orgID": ORG_ID, "permissions": [perm("read", "instance")]}, 403,
         "permission read:instance is not allowed: read:instance is unauthorized"),
        ({"orgID": ORG_ID, "permissions": [perm("read", "buckets", BUCKET_ID, OTHER_ORG_ID)]}, 400,
         "permission read:orgs/%s/buckets/%s is not for org id %s" % (OTHER_ORG_ID, BUCKET_ID, ORG_ID)),
        ({"orgID": ORG_ID, "userID": UNKNOWN_ID, "permissions": [perm("read", "buckets")]}, 400, "unable to create token"),
        ({"orgID": UNKNOWN_ID, "permissions": [perm("read", "buckets")]}, 400, "unable to create token"),
    ]
    codes = {400: "invalid", 403: "forbidden"}
    for body, status, message in cases:
        assert_error(server.request("POST", AUTHS, body), status, codes[status], message)


def test_the_caller_must_hold_every_permission_it_grants(server):
    me = user_id(server)
    bucket = new_bucket(server)
    delegate, _value = create(server, [perm("write", "authorizations", None, ORG_ID), perm("write", "users"),
                                       perm("read", "buckets", None, ORG_ID)])
    granted = perm("read", "buckets", bucket["id"], ORG_ID)
    assert create(server, [granted], token=delegate)[1]["permissions"][0]["resource"]["name"] == bucket["name"]
    # the first permission it does not hold is named
    for asked, named in (([granted, perm("write", "buckets", None, ORG_ID)], "write:orgs/%s/buckets" % ORG_ID),
                         ([perm("read", "buckets")], "read:buckets"),
                         ([perm("read", "buckets", bucket["id"])], "read:buckets/" + bucket["id"]),
                         ([perm("read", "buckets", None, OTHER_ORG_ID)], "read:orgs/%s/buckets" % OTHER_ORG_ID)):
        assert_error(server.request("POST", AUTHS, {"orgID": ORG_ID, "permissions": asked}, token=delegate), 403, "forbidden",
                     "permission %s is not allowed: %s is unauthorized" % (named, named))
    # 401 before 403: write on the org's authorizations, then on the user
    denied(server.request("POST", AUTHS, {"orgID": OTHER_ORG_ID, "permissions": [perm("write", "dashboards")]}, token=delegate),
           "write:orgs/%s/authorizations" % OTHER_ORG_ID)
    no_users, _value = create(server, [perm("write", "authorizations", None, ORG_ID)])
    denied(server.request("POST", AUTHS, {"orgID": ORG_ID, "permissions": [perm("write", "dashboards")]}, token=no_users),
           "write:users/" + me)
    denied(server.request("POST", AUTHS, {"orgID": ORG_ID, "userID": UNKNOWN_ID, "permissions": [granted]}, token=no_users),
           "write:users/" + UNKNOWN_ID)


# -- list, get, patch, delete -----------------------------------------------------------------------

def test_list_filters(server):
    me = user_id(server)
    _token, mine = create(server, [perm("read", "buckets", None, OTHER_ORG_ID)], org_id=OTHER_ORG_ID)
    _token, later = create(server, [perm("read", "buckets", None, OTHER_ORG_ID)], org_id=OTHER_ORG_ID)

    def ids(query):
        status, value = server.json("GET", AUTHS + "?" + query)
        assert status == 200, value
        return [item["id"] for item in value["authorizations"]]

    everything = ids("")
    assert everything == sorted(everything) and everything[-2:] == [mine["id"], later["id"]]
    assert ids("orgID=" + OTHER_ORG_ID)[-2:] == ids("org=" + urllib.parse.quote(OTHER_ORG_NAME))[-2:] == [mine["id"], later["id"]]
    assert mine["id"] not in ids("orgID=" + ORG_ID)
    assert ids("userID=" + me) == ids("user=admin") == everything
    assert ids("orgID=%s&userID=%s" % (OTHER_ORG_ID, me)) == ids("orgID=" + OTHER_ORG_ID)
    # id wins over the other filters; token, limit, offset and descending are ignored
    assert ids("id=%s&orgID=%s" % (mine["id"], ORG_ID)) == [mine["id"]]
    assert ids("limit=1&offset=1&descending=true&token=" + TOKEN) == everything
    assert ids("orgID=" + UNKNOWN_ID) == ids("userID=" + UNKNOWN_ID) == []
    assert_error(server.request("GET", AUTHS + "?id=" + UNKNOWN_ID), 404, "not found", "authorization not found")
    assert_error(server.request("GET", AUTHS + "?org=nobody"), 404, "not found", 'organization name "nobody" not found')
    assert_error(server.request("GET", AUTHS + "?user=nobody&id=" + UNKNOWN_ID), 404, "not found", "user not found")
    for name in ("orgID", "userID", "id"):
        assert_error(server.request("GET", "%s?%s=xyz" % (AUTHS, name)), 400, "invalid", "id must have a length of 16 bytes")
    assert_error(server.request("GET", AUTHS + "/xyz"), 400, "invalid", "id must have a length of 16 bytes")
    assert_error(server.request("GET", "%s/%s" % (AUTHS, UNKNOWN_ID)), 404, "not found", "authorization not found")


def test_reading_an_authorization_needs_read_on_it_and_on_its_user(server):
    me = user_id(server)
    _token, target = create(server, [perm("read", "buckets", None, ORG_ID)])
    writer, _value = create(server, [perm("write", "buckets", BUCKET_ID, ORG_ID)])
    no_users, _value = create(server, [perm("read", "authorizations", None, ORG_ID), perm("write", "authorizations")])
    for token in (writer, no_users):
        assert server.json("GET", AUTHS, token=token) == (200, {"links": {"self": AUTHS}, "authorizations": []})
    path = "%s/%s" % (AUTHS, target["id"])
    denied(server.request("GET", path, token=writer), "read:orgs/%s/authorizations/%s" % (ORG_ID, target["id"]))
    denied(server.request("GET", path, token=no_users), "read:users/" + me)
    # a 404 comes before the permission check
    assert_error(server.request("GET", "%s/%s" % (AUTHS, UNKNOWN_ID), token=writer), 404, "not found", "authorization not found")
    assert server.json("GET", path, token=RO_TOKEN)[0] == 200
    denied(server.request("PATCH", path, {}, token=RO_TOKEN), "write:orgs/%s/authorizations/%s" % (ORG_ID, target["id"]))
    denied(server.request("DELETE", path, token=RO_TOKEN), "write:orgs/%s/authorizations/%s" % (ORG_ID, target["id"]))
    denied(server.request("PATCH", path, {}, token=no_users), "read:users/" + me)
    # DELETE needs write, not read
    deleter, _value = create(server, [perm("write", "authorizations"), perm("write", "users")])
    assert server.request("DELETE", path, token=deleter)[0] == 204


def test_patch_changes_status_and_description_only(server):
    token, created = create(server, [perm("read", "buckets", BUCKET_ID, ORG_ID)], description="before")
    path = "%s/%s" % (AUTHS, created["id"])

    def patch(body):
        status, value = server.json("PATCH", path, body)
        assert status == 200, value
        return value

    value = patch({"description": "after", "status": "inactive", "permissions": [], "orgID": OTHER_ORG_ID, "token": "x"})
    assert (value["description"], value["status"], value["orgID"], value["token"]) == ("after", "inactive", ORG_ID, "")
    assert value["permissions"] == created["permissions"] and value["updatedAt"] > value["createdAt"]
    assert patch({})["updatedAt"] > value["updatedAt"]
    assert patch({"status": "", "description": None})["status"] == "active"
    assert patch({"description": ""})["description"] == ""
    assert_error(server.request("PATCH", path, {"status": "x", "description": "never"}), 400, "invalid",
                 "encodeAuthorization: unknown authorization status")
    for body, message in ((b"", "EOF"), (b"{", "unexpected EOF"),
                          ({"status": 5}, "json: cannot unmarshal number into Go struct field AuthorizationUpdate.status of type "
                                          "influxdb.Status"),
                          (b"[]", "json: cannot unmarshal array into Go value of type influxdb.AuthorizationUpdate")):
        assert_error(server.request("PATCH", path, body), 500, "internal error", message)
    assert server.json("GET", path)[1]["description"] == ""
    assert server.json("GET", "/api/v2/buckets/" + BUCKET_ID, token=token)[0] == 200
    assert_error(server.request("PATCH", "%s/%s" % (AUTHS, UNKNOWN_ID), {}), 404, "not found", "authorization not found")
    # the body is read before the authorization is looked up
    assert_error(server.request("PATCH", "%s/%s" % (AUTHS, UNKNOWN_ID), b"{"), 500, "internal error", "unexpected EOF")
    assert_error(server.request("PATCH", AUTHS + "/xyz", b"{"), 400, "invalid", "id must have a length of 16 bytes")


def test_delete_refuses_the_token_at_once(server):
    token, created = create(server, [perm("read", "buckets", BUCKET_ID, ORG_ID)])
    assert server.json("GET", "/api/v2/buckets/" + BUCKET_ID, token=token)[0] == 200
    path = "%s/%s" % (AUTHS, created["id"])
    status, headers, data = server.request("DELETE", path)
    assert (status, data) == (204, b"") and "content-type" not in headers
    assert server.request("GET", "/api/v2/buckets/" + BUCKET_ID, token=token)[::2] == (401, UNAUTHORIZED_BODY)
    assert_error(server.request("DELETE", path), 404, "not found", "authorization not found")
    assert_error(server.request("DELETE", AUTHS + "/xyz"), 400, "invalid", "id must have a length of 16 bytes")


# -- what tokens may do ---------------------------------------------------------------------------

def test_an_inactive_token_authenticates_but_every_check_fails(server):
    me = user_id(server)
    token, created = create(server, [perm("write", "buckets", BUCKET_ID, ORG_ID), perm("read", "buckets", None, ORG_ID),
                                     perm("read", "orgs", ORG_ID), perm("read", "users", me), perm("read", "remotes"),
                                     perm("read", "authorizations")], status="inactive")
    server.create_remote(ORG_ID)
    inactive = "token is inactive"
    write = "/api/v2/write?org=%s&bucket=%s" % (ORG_NAME, BUCKET_NAME)
    write_error(server.request("POST", write, b"m v=1", token=token), 403, "forbidden",
                "insufficient permissions for write: token is inactive")
    write_error(server.request("POST", "/api/v2/write?org=%s&bucket=nope" % ORG_NAME, b"m v=1", token=token), 404, "not found",
                'bucket "nope" not found')
    for path in ("/api/v2/buckets/" + BUCKET_ID, "/api/v2/me", "/api/v2/orgs/" + ORG_ID, "%s/%s" % (AUTHS, created["id"])):
        assert_error(server.request("GET", path, token=token), 401, "unauthorized", inactive)
    assert_error(server.request("POST", "/api/v2/buckets", {"orgID": ORG_ID, "name": "x"}, token=token), 401, "unauthorized", inactive)
    assert_error(server.request("POST", AUTHS, {"orgID": ORG_ID, "permissions": [perm("read", "buckets")]}, token=token),
                 401, "unauthorized", inactive)
    for path, key in (("/api/v2/buckets?orgID=" + ORG_ID, "buckets"), ("/api/v2/orgs", "orgs"), (AUTHS, "authorizations"),
                      ("/api/v2/remotes?orgID=" + ORG_ID, "remotes")):
        assert server.json("GET", path, token=token)[1][key] == []
    assert server.request("GET", "/api/v2/nothing", token=token)[0] == 404
    assert server.json("PATCH", "%s/%s" % (AUTHS, created["id"]), {"status": "active"})[0] == 200
    assert server.request("POST", write, b"m v=1", token=token)[0] == 204
    assert server.json("GET", "/api/v2/me", token=token)[0] == 200


def test_a_token_that_may_write_one_bucket(server):
    org = ORG_ID
    other = new_bucket(server)
    token, _value = create(server, [perm("write", "buckets", BUCKET_ID, org)])
    remote = server.create_remote(org)
    status, replication = server.create_replication(org, remote["id"])
    assert status == 201, replication
    for bucket, org_ref in ((BUCKET_ID, org), (BUCKET_NAME, ORG_NAME), (BUCKET_ID, ORG_NAME)):
        assert server.request("POST", "/api/v2/write?org=%s&bucket=%s" % (org_ref, bucket), b"m v=1", token=token)[0] == 204
    assert server.request("POST", "/api/v2/write?orgID=%s&bucket=%s" % (org, BUCKET_NAME), b"m v=1", token=token)[0] == 204
    for query in ("org=%s&bucket=%s" % (ORG_NAME, other["name"]), "org=%s&bucket=_tasks" % ORG_NAME,
                  "org=%s&bucket=_tasks" % OTHER_ORG_ID):
        write_error(server.request("POST", "/api/v2/write?" + query, b"m v=1", token=token), 403, "forbidden",
                    "insufficient permissions for write")
    # the bucket's existence comes before the permission, the body after it
    write_error(server.request("POST", "/api/v2/write?org=%s&bucket=nope" % ORG_NAME, b"m v=1", token=token), 404, "not found",
                'bucket "nope" not found')
    write_error(server.request("POST", "/api/v2/write?org=%s&bucket=%s" % (ORG_NAME, other["name"]), b"garbage", token=token),
                403, "forbidden", "insufficient permissions for write")
    write_error(server.request("POST", "/api/v2/write?org=%s&bucket=%s" % (ORG_NAME, BUCKET_NAME), b"garbage line", token=token),
                400, "invalid", "unable to parse 'garbage line': invalid field format")
    # it may read nothing: lists are empty (remotes and replications: [] when some exist, null when none do)
    for query in ("", "?orgID=" + org, "?orgID=%s&name=%s" % (org, BUCKET_NAME), "?id=" + BUCKET_ID):
        assert server.json("GET", "/api/v2/buckets" + query, token=token)[1]["buckets"] == []
    assert_error(server.request("GET", "/api/v2/buckets?orgID=%s&name=nope" % org, token=token), 404, "not found",
                 'bucket "nope" not found')
    assert server.json("GET", "/api/v2/remotes?orgID=" + org, token=token) == (200, {"remotes": []})
    assert server.json("GET", "/api/v2/remotes?orgID=" + UNKNOWN_ID, token=token) == (200, {"remotes": None})
    assert server.json("GET", "/api/v2/replications?orgID=" + org, token=token) == (200, {"replications": []})
    assert server.json("GET", "/api/v2/replications?orgID=" + UNKNOWN_ID, token=token) == (200, {"replications": None})
    assert server.json("GET", "/api/v2/orgs", token=token)[1]["orgs"] == []
    assert server.json("GET", "/api/v2/orgs?org=" + ORG_NAME, token=token)[1]["orgs"] == []
    assert server.json("GET", AUTHS, token=token)[1]["authorizations"] == []
    for path, permission in (("/api/v2/buckets/" + BUCKET_ID, "read:orgs/%s/buckets/%s" % (org, BUCKET_ID)),
                             ("/api/v2/remotes/" + remote["id"], "read:orgs/%s/remotes/%s" % (org, remote["id"])),
                             ("/api/v2/replications/" + replication["id"], "read:orgs/%s/replications/%s" % (org, replication["id"])),
                             ("/api/v2/orgs/" + org, "read:orgs/" + org), ("/api/v2/orgs/" + UNKNOWN_ID, "read:orgs/" + UNKNOWN_ID),
                             ("/api/v2/me", "read:users/" + user_id(server))):
        denied(server.request("GET", path, token=token), permission)
    for path, body, permission in (
            ("/api/v2/buckets", {"orgID": org, "name": "x"}, "write:orgs/%s/buckets" % org),
            ("/api/v2/remotes", {"orgID": org, "name": "x", "remoteURL": "http://x"}, "write:orgs/%s/remotes" % org),
            ("/api/v2/replications", {"orgID": org, "name": "x", "remoteID": remote["id"], "localBucketID": BUCKET_ID,
                                      "remoteBucketName": "x"}, "write:orgs/%s/replications" % org),
            (AUTHS, {"orgID": org, "permissions": [perm("write", "buckets", BUCKET_ID, org)]}, "write:orgs/%s/authorizations" % org)):
        denied(server.request("POST", path, body, token=token), permission)
    denied(server.request("DELETE", "/api/v2/buckets/" + other["id"], token=token), "write:orgs/%s/buckets/%s" % (org, other["id"]))
    # a PATCH of its bucket needs write; a rename needs read too (upstream's handler reads the bucket first)
    assert server.json("PATCH", "/api/v2/buckets/" + BUCKET_ID, {"description": ""}, token=token)[0] == 200
    denied(server.request("PATCH", "/api/v2/buckets/" + BUCKET_ID, {"name": "renamed"}, token=token),
           "read:orgs/%s/buckets/%s" % (org, BUCKET_ID))
    # 404 before 401 on an ID, and an unknown API path is still 404
    assert_error(server.request("GET", "/api/v2/buckets/" + UNKNOWN_ID, token=token), 404, "not found", "bucket not found")
    assert_error(server.request("GET", "/api/v2/nothing", token=token), 404, "not found", "path not found")


def test_a_token_that_may_read_one_bucket(server):
    bucket = new_bucket(server)
    other = new_bucket(server)
    token, _value = create(server, [perm("read", "buckets", bucket["id"], ORG_ID)])
    for name in (bucket["name"], other["name"]):
        write_error(server.request("POST", "/api/v2/write?org=%s&bucket=%s" % (ORG_NAME, name), b"m v=1", token=token), 403,
                    "forbidden", "insufficient permissions for write")
    assert [item["id"] for item in server.json("GET", "/api/v2/buckets?limit=100&orgID=" + ORG_ID, token=token)[1]["buckets"]] == \
        [bucket["id"]]
    assert server.json("GET", "/api/v2/buckets?orgID=%s&name=%s" % (ORG_ID, other["name"]), token=token)[1]["buckets"] == []
    assert server.json("GET", "/api/v2/buckets/" + bucket["id"], token=token)[0] == 200
    denied(server.request("PATCH", "/api/v2/buckets/" + bucket["id"], {"name": "renamed"}, token=token),
           "write:orgs/%s/buckets/%s" % (ORG_ID, bucket["id"]))
    # a system bucket is read with read access to its org
    status, listed = server.json("GET", "/api/v2/buckets?orgID=%s&name=_tasks" % ORG_ID)
    tasks = listed["buckets"][0]
    denied(server.request("GET", "/api/v2/buckets/" + tasks["id"], token=token), "read:orgs/" + ORG_ID)
    org_reader, _value = create(server, [perm("read", "orgs", ORG_ID)])
    assert server.json("GET", "/api/v2/buckets/" + tasks["id"], token=org_reader)[0] == 200
    assert [item["name"] for item in server.json("GET", "/api/v2/buckets?orgID=" + ORG_ID, token=org_reader)[1]["buckets"]] == \
        ["_monitoring", "_tasks"]
    assert [item["id"] for item in server.json("GET", "/api/v2/orgs", token=org_reader)[1]["orgs"]] == [ORG_ID]


def test_a_bucket_goes_with_its_replications_without_rights_on_them(server):
    bucket = new_bucket(server)
    remote = server.create_remote(ORG_ID)
    status, replication = server.create_replication(ORG_ID, remote["id"], localBucketID=bucket["id"])
    assert status == 201
    token, _value = create(server, [perm("read", "buckets", None, ORG_ID), perm("write", "buckets", None, ORG_ID)])
    _token, naming = create(server, [perm("write", "buckets", bucket["id"], ORG_ID)])
    assert naming["permissions"][0]["resource"]["name"] == bucket["name"]
    denied(server.request("POST", "/api/v2/replications", {"orgID": ORG_ID, "name": "x", "remoteID": remote["id"],
                                                           "localBucketID": bucket["id"], "remoteBucketName": "x"}, token=token),
           "write:orgs/%s/replications" % ORG_ID)
    assert server.request("DELETE", "/api/v2/buckets/" + bucket["id"], token=token)[0] == 204
    assert_error(server.request("GET", "/api/v2/replications/" + replication["id"]), 404, "not found", "replication not found")
    # an authorization that names the bucket stays, its permission without name and org
    assert server.json("GET", "%s/%s" % (AUTHS, naming["id"]))[1]["permissions"] == [perm("write", "buckets", bucket["id"], ORG_ID)]


def test_a_replication_needs_read_on_its_bucket_and_remote(server):
    remote = server.create_remote(ORG_ID)
    body = {"orgID": ORG_ID, "name": unique("repl"), "remoteID": remote["id"], "localBucketID": BUCKET_ID, "remoteBucketName": "x"}
    replications_only, _value = create(server, [perm("write", "replications", None, ORG_ID)])
    no_remotes, _value = create(server, [perm("write", "replications", None, ORG_ID), perm("read", "buckets", None, ORG_ID),
                                         perm("read", "replications")])
    denied(server.request("POST", "/api/v2/replications", body, token=replications_only),
           "read:orgs/%s/buckets/%s" % (ORG_ID, BUCKET_ID))
    denied(server.request("POST", "/api/v2/replications?validate=true", body, token=no_remotes),
           "read:orgs/%s/remotes/%s" % (ORG_ID, remote["id"]))
    without = dict(body)
    del without["remoteID"]
    assert_error(server.request("POST", "/api/v2/replications", without, token=no_remotes), 400, "invalid",
                 "invalid id for permission: invalid ID")
    status, replication = server.create_replication(ORG_ID, remote["id"])
    assert status == 201
    path = "/api/v2/replications/" + replication["id"]
    assert server.json("PATCH", path, {"name": unique("renamed")}, token=no_remotes)[0] == 200
    denied(server.request("PATCH", path, {"remoteID": remote["id"]}, token=no_remotes),
           "read:orgs/%s/remotes/%s" % (ORG_ID, remote["id"]))


# -- --plain-tokens -----------------------------------------------------------------------------------

def test_plain_tokens_are_listed_as_a_2_7_server_lists_them():
    srv = start_server("--plain-tokens")
    try:
        token, created = create(srv, [perm("read", "buckets", BUCKET_ID, ORG_ID)])
        listed = {item["description"]: item["token"] for item in srv.json("GET", AUTHS)[1]["authorizations"]}
        assert listed == {"admin's Token": TOKEN, created["description"]: token}
        path = "%s/%s" % (AUTHS, created["id"])
        assert srv.json("GET", path)[1]["token"] == token
        assert srv.json("PATCH", path, {"status": "inactive"})[1]["token"] == token
        assert server_tokens(srv) == [(hashlib.sha256(TOKEN.encode("utf-8")).hexdigest(), "all"),
                                      (hashlib.sha256(token.encode("utf-8")).hexdigest(), "custom")]
    finally:
        srv.stop()


def server_tokens(srv):
    status, value = srv.json("GET", "/_test/tokens", token=None)
    assert status == 200
    return [(item["sha256"], item["access"]) for item in value]
