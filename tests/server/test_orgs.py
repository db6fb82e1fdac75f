"""/api/v2/orgs: lookups by name and ID, the list and its paging checks."""

import json

import pytest

from conftest import JSON_TYPE, ORG_ID, ORG_NAME, OTHER_ORG_ID, assert_error, random_org


# -- orgs -------------------------------------------------------------------------------------------

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


def test_org_list_of_a_user(server):
    # the user admin owns every org; any other user ID has none
    admin = server.json("GET", "/api/v2/me")[1]["id"]
    assert [o["id"] for o in server.json("GET", "/api/v2/orgs?userID=" + admin)[1]["orgs"]] == sorted([ORG_ID, OTHER_ORG_ID])
    assert [o["id"] for o in server.json("GET", "/api/v2/orgs?limit=1&userID=" + admin)[1]["orgs"]] == [min(ORG_ID, OTHER_ORG_ID)]
    assert server.json("GET", "/api/v2/orgs?userID=" + random_org())[1]["orgs"] == []


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


@pytest.mark.parametrize("query, message", [
    ("limit=0", "limit must be between 1 and 100"),
    ("limit=x", "limit is invalid"),
    ("offset=x", "offset is invalid"),
    ("descending=maybe", "descending is invalid"),
])
def test_org_list_paging_errors(server, query, message):
    assert_error(server.request("GET", "/api/v2/orgs?" + query), 400, "invalid", message)
