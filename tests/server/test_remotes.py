"""/api/v2/remotes: list filters and null lists, the create answer, Go's JSON decoding, PATCH semantics,
constraint errors, deletes and the read-only token."""

import hashlib
import json
import re

import pytest

from conftest import JSON_TYPE, ORG_ID, ORG_NAME, RO_TOKEN, assert_error, random_org


# -- list -------------------------------------------------------------------------------------------

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
    first = server.create_remote(org, name="alpha", remoteURL="https://a.example.com")
    second = server.create_remote(org, name="beta", remoteURL="https://b.example.com")
    server.create_remote(random_org(), name="alpha")
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
    server.create_remote(org, name="Alpha")
    _status, value = server.json("GET", "/api/v2/remotes?orgID=%s&name=alpha" % org)
    assert value == {"remotes": None}


def test_list_accepts_upper_case_org_id(server):
    org = random_org()
    remote = server.create_remote(org)
    status, value = server.json("GET", "/api/v2/remotes?orgID=" + org.upper())
    assert status == 200
    assert [r["id"] for r in value["remotes"]] == [remote["id"]]


# -- create -----------------------------------------------------------------------------------------

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
    remote = server.create_remote(org, description="to central", remoteOrgID="ABCDEFABCDEF0123", allowInsecureTLS=True)
    assert remote["description"] == "to central"
    assert remote["remoteOrgID"] == "abcdefabcdef0123"
    assert remote["allowInsecureTLS"] is True
    assert "remoteAPIToken" not in remote


def test_create_empty_description_is_shown(server):
    remote = server.create_remote(random_org(), description="")
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
    server.create_remote(org, name="dup")
    response = server.request("POST", "/api/v2/remotes", {"orgID": org, "name": "dup", "remoteURL": "http://x"})
    assert_error(response, 500, "internal error", "UNIQUE constraint failed: remotes.org_id, remotes.name")
    _status, value = server.json("GET", "/api/v2/remotes?orgID=%s&name=dup" % org)
    assert len(value["remotes"]) == 1


def test_same_name_in_other_org_is_fine(server):
    server.create_remote(random_org(), name="shared")
    server.create_remote(random_org(), name="shared")


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


# -- get --------------------------------------------------------------------------------------------

def test_get_by_id(server):
    remote = server.create_remote(random_org())
    status, value = server.json("GET", "/api/v2/remotes/" + remote["id"])
    assert status == 200
    assert value == remote


def test_get_by_upper_case_id(server):
    remote = server.create_remote(random_org())
    status, value = server.json("GET", "/api/v2/remotes/" + remote["id"].upper())
    assert status == 200
    assert value["id"] == remote["id"]


def test_get_unknown(server):
    assert_error(server.request("GET", "/api/v2/remotes/" + random_org()), 404, "not found", "remote connection not found")


@pytest.mark.parametrize("bad", ["abc", "0000000000000000", "xyzxyzxyzxyzxyzx", "0123456789abcdef0"])
def test_get_bad_id(server, bad):
    assert_error(server.request("GET", "/api/v2/remotes/" + bad), 400, "invalid", "remote-connection ID is invalid")


# -- patch ------------------------------------------------------------------------------------------

def test_patch_changes_only_sent_fields(server):
    remote = server.create_remote(random_org(), description="old", remoteOrgID="1234567890abcdef")
    status, value = server.json("PATCH", "/api/v2/remotes/" + remote["id"], {"remoteURL": "https://new.example.com"})
    assert status == 200
    expected = dict(remote, remoteURL="https://new.example.com")
    assert value == expected
    assert server.json("GET", "/api/v2/remotes/" + remote["id"])[1] == expected


def test_patch_empty_object_changes_nothing(server):
    remote = server.create_remote(random_org(), description="keep")
    status, value = server.json("PATCH", "/api/v2/remotes/" + remote["id"], {})
    assert status == 200
    assert value == remote


def test_patch_empty_body_is_400(server):
    remote = server.create_remote(random_org())
    assert_error(server.request("PATCH", "/api/v2/remotes/" + remote["id"], b""), 400, "invalid", "failed to unmarshal json: EOF")


def test_patch_null_is_ignored_for_every_field(server):
    remote = server.create_remote(random_org(), description="stays", remoteOrgID="1234567890abcdef", allowInsecureTLS=True)
    before = server.token_hash(remote["id"])
    body = {"name": None, "description": None, "remoteURL": None, "remoteAPIToken": None, "remoteOrgID": None, "allowInsecureTLS": None}
    status, value = server.json("PATCH", "/api/v2/remotes/" + remote["id"], body)
    assert status == 200
    assert value == remote
    assert server.token_hash(remote["id"]) == before


def test_patch_empty_description_is_stored(server):
    remote = server.create_remote(random_org(), description="something")
    status, value = server.json("PATCH", "/api/v2/remotes/" + remote["id"], {"description": ""})
    assert status == 200
    assert value["description"] == ""


def test_patch_sets_description_and_remote_org_id_from_null(server):
    remote = server.create_remote(random_org())
    assert "description" not in remote and remote["remoteOrgID"] is None
    status, value = server.json("PATCH", "/api/v2/remotes/" + remote["id"], {"description": "d", "remoteOrgID": "AAAAAAAAAAAAAAAA"})
    assert status == 200
    assert value["description"] == "d"
    assert value["remoteOrgID"] == "aaaaaaaaaaaaaaaa"


def test_patch_empty_remote_org_id_is_400(server):
    remote = server.create_remote(random_org(), remoteOrgID="1234567890abcdef")
    response = server.request("PATCH", "/api/v2/remotes/" + remote["id"], {"remoteOrgID": ""})
    assert_error(response, 400, "invalid", "failed to unmarshal json: id must have a length of 16 bytes")
    assert server.json("GET", "/api/v2/remotes/" + remote["id"])[1] == remote


def test_patch_org_id_is_ignored(server):
    org = random_org()
    remote = server.create_remote(org)
    status, value = server.json("PATCH", "/api/v2/remotes/" + remote["id"], {"orgID": random_org(), "name": "renamed"})
    assert status == 200
    assert value["orgID"] == org
    assert value["name"] == "renamed"


def test_patch_rename_onto_existing_is_500(server):
    org = random_org()
    server.create_remote(org, name="taken")
    remote = server.create_remote(org, name="mine")
    response = server.request("PATCH", "/api/v2/remotes/" + remote["id"], {"name": "taken"})
    assert_error(response, 500, "internal error", "UNIQUE constraint failed: remotes.org_id, remotes.name")
    assert server.json("GET", "/api/v2/remotes/" + remote["id"])[1]["name"] == "mine"


def test_patch_unknown_and_bad_id(server):
    assert_error(server.request("PATCH", "/api/v2/remotes/" + random_org(), {"name": "x"}), 404, "not found",
                 "remote connection not found")
    assert_error(server.request("PATCH", "/api/v2/remotes/nope", {"name": "x"}), 400, "invalid", "remote-connection ID is invalid")


def test_patch_token_replaces_it(server):
    remote = server.create_remote(random_org(), remoteAPIToken="first-token")
    assert server.token_hash(remote["id"]) == hashlib.sha256(b"first-token").hexdigest()
    status, _headers, data = server.request("PATCH", "/api/v2/remotes/" + remote["id"], {"remoteAPIToken": "second-token"})
    assert status == 200
    assert b"second-token" not in data
    assert json.loads(data) == remote
    assert server.token_hash(remote["id"]) == hashlib.sha256(b"second-token").hexdigest()


def test_patch_body_is_decoded_before_lookup(server):
    response = server.request("PATCH", "/api/v2/remotes/" + random_org(), {"remoteOrgID": ""})
    assert_error(response, 400, "invalid", "failed to unmarshal json: id must have a length of 16 bytes")


# -- delete -----------------------------------------------------------------------------------------

def test_delete_then_again_404(server):
    remote = server.create_remote(random_org())
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
    remote = server.create_remote(org)
    status, replication = server.create_replication(org, remote["id"])
    assert status == 201, replication
    response = server.request("DELETE", "/api/v2/remotes/" + remote["id"])
    assert_error(response, 500, "internal error", "remote-connection cannot be deleted as a replication references it")
    assert server.json("GET", "/api/v2/remotes/" + remote["id"]) == (200, remote)
    status, _headers, _data = server.request("DELETE", "/api/v2/replications/" + replication["id"])
    assert status == 204
    status, _headers, _data = server.request("DELETE", "/api/v2/remotes/" + remote["id"])
    assert status == 204


# -- read-only token --------------------------------------------------------------------------------

def test_read_only_token_reads(server):
    org = random_org()
    remote = server.create_remote(org)
    assert server.json("GET", "/api/v2/remotes?orgID=" + org, token=RO_TOKEN) == (200, {"remotes": [remote]})
    assert server.json("GET", "/api/v2/remotes/" + remote["id"], token=RO_TOKEN) == (200, remote)
    assert server.json("GET", "/api/v2/orgs?org=" + ORG_NAME, token=RO_TOKEN)[0] == 200


def test_read_only_token_cannot_write(server):
    org = random_org()
    remote = server.create_remote(org)
    response = server.request("POST", "/api/v2/remotes", {"orgID": org, "name": "x", "remoteURL": "http://x"}, token=RO_TOKEN)
    assert_error(response, 401, "unauthorized", "write:orgs/%s/remotes is unauthorized" % org)
    response = server.request("PATCH", "/api/v2/remotes/" + remote["id"], {"name": "x"}, token=RO_TOKEN)
    assert_error(response, 401, "unauthorized", "write:orgs/%s/remotes/%s is unauthorized" % (org, remote["id"]))
    response = server.request("DELETE", "/api/v2/remotes/" + remote["id"], token=RO_TOKEN)
    assert_error(response, 401, "unauthorized", "write:orgs/%s/remotes/%s is unauthorized" % (org, remote["id"]))
    assert server.json("GET", "/api/v2/remotes?orgID=" + org) == (200, {"remotes": [remote]})
