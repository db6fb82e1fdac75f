"""/api/v2/orgs: the organizations given with --org (read only), owned by the user admin.

Upstream: tenant/http_server_org.go, tenant/service_org.go,
tenant/error_org.go, tenant/middleware_org_auth.go (a token reads an org
with read access to it; lists leave out the others) and
kit/platform/paging.go for the list options.
"""

import re

from . import validate
from .permissions import authorize, permitted
from .wire import E_INVALID, E_NOT_FOUND, ApiError, json_response, parse_id, timestamp

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

_INTEGER = re.compile(r"^[+-]?[0-9]+$")


def new_org(name, org_id):
    """An organization as the server keeps it (created now)."""
    created = timestamp()
    return {"id": org_id, "name": name, "description": "", "createdAt": created, "updatedAt": created}


def to_api(org):
    """The API form of an organization, with upstream's links."""
    links = {
        "buckets": "/api/v2/buckets?org=%s" % org["name"],
        "dashboards": "/api/v2/dashboards?org=%s" % org["name"],
        "labels": "/api/v2/orgs/%s/labels" % org["id"],
        "logs": "/api/v2/orgs/%s/logs" % org["id"],
        "members": "/api/v2/orgs/%s/members" % org["id"],
        "owners": "/api/v2/orgs/%s/owners" % org["id"],
        "secrets": "/api/v2/orgs/%s/secrets" % org["id"],
        "self": "/api/v2/orgs/%s" % org["id"],
        "tasks": "/api/v2/tasks?org=%s" % org["name"],
    }
    return {"links": links, "id": org["id"], "name": org["name"], "description": org["description"],
            "createdAt": org["createdAt"], "updatedAt": org["updatedAt"]}


def _by_id(app, org_id):
    for org in app.orgs:
        if org["id"] == org_id:
            return org
    raise ApiError(E_NOT_FOUND, "organization not found")


def find_options(req):
    """offset, after, limit and descending, checked as upstream's paging does."""
    offset = 0
    text = req.arg("offset")
    if text:
        if not _INTEGER.match(text):
            raise ApiError(E_INVALID, "offset is invalid")
        offset = int(text)
    after = None
    text = req.arg("after")
    if text:
        try:
            after = parse_id(text)
        except ApiError as exc:
            raise ApiError(E_INVALID, "decoding after: " + exc.message) from None
    limit = DEFAULT_PAGE_SIZE
    text = req.arg("limit")
    if text:
        if not _INTEGER.match(text):
            raise ApiError(E_INVALID, "limit is invalid")
        limit = int(text)
        if limit < 1 or limit > MAX_PAGE_SIZE:
            raise ApiError(E_INVALID, "limit must be between 1 and %d" % MAX_PAGE_SIZE)
    descending = False
    text = req.arg("descending")
    if text:
        if text in ("1", "t", "T", "TRUE", "true", "True"):
            descending = True
        elif text not in ("0", "f", "F", "FALSE", "false", "False"):
            raise ApiError(E_INVALID, "descending is invalid")
    return offset, after, limit, descending


def list_orgs(app, req):
    """GET /api/v2/orgs with ?org=NAME, ?orgID=ID or ?userID=ID, or every org page by page."""
    offset, after, limit, descending = find_options(req)
    name = req.arg("org")
    org_id = validate.query_id(req, "orgID")
    user_id = validate.query_id(req, "userID")
    if org_id is not None:
        found = [_by_id(app, org_id)]
    elif name:
        found = [org for org in app.orgs if org["name"] == name][:1]
        if not found:
            raise ApiError(E_NOT_FOUND, 'organization name "%s" not found' % name)
    elif user_id is not None and app.db.row("users", "id", user_id) is None:
        found = []
    else:
        # every org; also the orgs of ?userID= of the only user, admin, who owns them all
        found = sorted(app.orgs, key=lambda org: org["id"], reverse=descending)
        if after is not None:
            found = [org for org in found if (org["id"] < after if descending else org["id"] > after)]
        found = found[max(offset, 0):][:limit]
    found = [org for org in found if permitted(req, "read", "orgs", org["id"])]
    return json_response(200, {"links": {"self": "/api/v2/orgs"}, "orgs": [to_api(org) for org in found]})


def get_org(app, req):
    """GET /api/v2/orgs/{id}: a malformed ID is 400 with the ID parser's message; the token's right to read the org is
    checked before the org is looked up."""
    org_id = validate.path_id(req)
    authorize(req, "read", "orgs", org_id)
    return json_response(200, to_api(_by_id(app, org_id)))
