"""/api/v2/authorizations and /api/v2/me: tokens, their permissions and the user that owns them.

Upstream: authorization/http_server.go (the handlers, the request and answer
JSON, the names it adds to permissions), authorization/middleware_auth.go (the
caller's rights, checked before the service: the caller must hold every
permission it grants), authorization/service.go and
authorization/storage_authorization.go (the checks of the service and the
store, the list filters), auth.go, authz.go and status.go (validation),
rand/token.go (64 random bytes, URL-safe base64), tenant/http_server_user.go
(/api/v2/me), tenant/service_onboarding.go (what `influx setup` creates: the
user and the operator token) and cmd/influxd/launcher/cmd.go
(--use-hashed-tokens, on by default since 2.9).

Tokens are stored as their SHA-256; the token itself is kept (and listed, as
a 2.7 server does) only with --plain-tokens. Otherwise only the answer that
creates a token carries it.
"""

import base64
import hashlib
import json
import secrets
import time

from . import buckets, permissions
from .decode import Slice, Struct, decode_struct
from .permissions import authorize, permitted
from .wire import E_FORBIDDEN, E_INTERNAL, E_INVALID, E_NOT_FOUND, ApiError, json_response, no_content, parse_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id VARCHAR(16) NOT NULL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS authorizations (
    id VARCHAR(16) NOT NULL PRIMARY KEY,
    token TEXT,
    token_sha256 TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    description TEXT NOT NULL,
    org_id VARCHAR(16) NOT NULL,
    user_id VARCHAR(16) NOT NULL,
    permissions TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
"""

COLUMNS = "id, token, status, description, org_id, user_id, permissions, created_at, updated_at"

OPERATOR = "admin"
OPERATOR_TOKEN_DESCRIPTION = "%s's Token" % OPERATOR

# The access levels of the tokens given on the command line and through /_test/tokens.
ACCESS_ALL = "all"
ACCESS_READ = "read"
ACCESS_WRITE = "write"
ACCESS_PERMISSIONS = {ACCESS_ALL: permissions.operator_permissions, ACCESS_READ: permissions.read_permissions,
                      ACCESS_WRITE: permissions.write_points_permissions}
ACCESS_DESCRIPTIONS = {ACCESS_ALL: "all-access token", ACCESS_READ: "read-only token", ACCESS_WRITE: "write token"}

RESOURCE = Struct("Resource", {"type": ("string", False, "influxdb.ResourceType"), "id": ("id", True),
                               "orgID": ("id", True)})
PERMISSION = Struct("Permission", {"action": ("string", False, "influxdb.Action"), "resource": (RESOURCE, False)})
CREATE = Struct("postAuthorizationRequest", {
    "status": ("string", False, "influxdb.Status"), "orgID": ("id", False), "userID": ("id", True),
    "description": ("string", False), "permissions": (Slice(PERMISSION), False)}, package="authorization")
UPDATE = Struct("AuthorizationUpdate", {"status": ("string", True, "influxdb.Status"), "description": ("string", True)})

DECODE_PREFIX = "failed to unmarshal json: "


def new_token():
    """A token as upstream's generator makes one: 64 random bytes in URL-safe base64 (88 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(64)).decode("ascii")


def token_sha256(token):
    """The hex SHA-256 of a token: what the store keeps and looks tokens up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- the store ------------------------------------------------------------------------------------

def _new_id(db):
    """An ID above every stored authorization ID: upstream's IDs grow with time, so the list (by ID) is in creation order."""
    with db.lock:
        row = db.conn.execute("SELECT max(id) AS last FROM authorizations").fetchone()
    last = int(row["last"], 16) if row["last"] else 0
    return "%016x" % max(last + 1, time.time_ns() // 1000 << 4)


def _auth(row):
    """An authorization row as a dict, its permissions decoded."""
    return dict(row, permissions=json.loads(row["permissions"]))


def operator_user(db):
    """The user that `influx setup` creates (and owns every token made here); created on first use."""
    rows = db.select("users", "id, name, status", name=OPERATOR)
    if rows:
        return dict(rows[0])
    db.insert("users", {"name": OPERATOR, "status": "active"})
    return dict(db.select("users", "id, name, status", name=OPERATOR)[0])


def _user(db, user_id):
    row = db.row("users", "id, name, status", user_id)
    return None if row is None else dict(row)


def store(app, org_id, user_id, perms, description="", status="active", token=None):
    """Store a new authorization; return (it as a dict, its token). The token is kept only with --plain-tokens."""
    token = token or new_token()
    auth_id = _new_id(app.db)
    app.db.insert("authorizations", {"token": token if app.plain_tokens else None, "token_sha256": token_sha256(token),
                                     "status": status, "description": description, "org_id": org_id, "user_id": user_id,
                                     "permissions": json.dumps(perms)}, row_id=auth_id)
    return _auth(app.db.row("authorizations", COLUMNS, auth_id)), token


def find_by_token(db, token):
    """The authorization of a token, or None."""
    rows = db.select("authorizations", COLUMNS, token_sha256=token_sha256(token))
    return _auth(rows[0]) if rows else None


def _load(db, auth_id):
    row = db.row("authorizations", COLUMNS, auth_id)
    if row is None:
        raise ApiError(E_NOT_FOUND, "authorization not found")
    return _auth(row)


# -- tokens of the command line and of /_test/tokens ---------------------------------------------------

def access_of(auth):
    """The access level whose permissions an authorization has ("custom" for any other set)."""
    for access, perms in ACCESS_PERMISSIONS.items():
        if auth["permissions"] == perms():
            return access
    return "custom"


def set_token(app, token, access, description=None):
    """Make token a token of this access level for the user admin in the first org (access None: delete it).

    A new one is active and has description (default: one that names the
    access level); a known one keeps everything but its permissions, which
    become the access level's. True when the token was known.
    """
    known = find_by_token(app.db, token)
    if access is None:
        if known is not None:
            app.db.delete("authorizations", known["id"])
    elif known is not None:
        app.db.update("authorizations", known["id"], {"permissions": json.dumps(ACCESS_PERMISSIONS[access]())})
    else:
        store(app, app.orgs[0]["id"], operator_user(app.db)["id"], ACCESS_PERMISSIONS[access](),
              description or ACCESS_DESCRIPTIONS[access], token=token)
    return known is not None


def token_view(app):
    """Every authorization as the test interface shows it: the SHA-256 of its token, never the token."""
    rows = app.db.select("authorizations", "id, status, description, permissions, token_sha256", order="id")
    return [{"sha256": row["token_sha256"], "access": access_of(_auth(row)), "id": row["id"], "status": row["status"],
             "description": row["description"]} for row in rows]


# -- the answers ------------------------------------------------------------------------------------

def _org(app, org_id):
    for org in app.orgs:
        if org["id"] == org_id:
            return org
    return None


def _resource_name(app, kind, resource_id):
    """The name of a bucket, org or user with this ID (None when there is none; "" for other types)."""
    if kind == "buckets":
        row = buckets.find(app.db, resource_id)
        return None if row is None else row["name"]
    if kind == "orgs":
        org = _org(app, resource_id)
        return None if org is None else org["name"]
    if kind == "users":
        user = _user(app.db, resource_id)
        return None if user is None else user["name"]
    return ""


def _permission_answer(app, perm):
    """A permission with the names upstream adds: name (of the resource with the ID) and org (of the org ID).

    As upstream's loop, a resource ID that names nothing leaves out both.
    """
    resource = dict(perm["resource"])
    answer = {"action": perm["action"], "resource": resource}
    if resource.get("id") is not None:
        name = _resource_name(app, resource["type"], resource["id"])
        if name is None:
            return answer
        if name:
            resource["name"] = name
    if resource.get("orgID") is not None:
        org = _org(app, resource["orgID"])
        if org is not None:
            resource["org"] = org["name"]
    return answer


def to_api(app, auth, token=None):
    """The authorization JSON; the token only when given (the create answer) or kept (--plain-tokens), else "".

    Its org and user must exist (404 otherwise: an org no longer given with --org).
    """
    org = _org(app, auth["org_id"])
    if org is None:
        raise ApiError(E_NOT_FOUND, "organization not found")
    user = _user(app.db, auth["user_id"])
    if user is None:
        raise ApiError(E_NOT_FOUND, "user not found")
    return {
        "id": auth["id"], "token": token or (auth["token"] if app.plain_tokens else None) or "", "status": auth["status"],
        "description": auth["description"], "orgID": auth["org_id"], "org": org["name"], "userID": auth["user_id"],
        "user": user["name"], "permissions": [_permission_answer(app, perm) for perm in auth["permissions"]],
        "links": {"self": "/api/v2/authorizations/%s" % auth["id"], "user": "/api/v2/users/%s" % auth["user_id"]},
        "createdAt": auth["created_at"], "updatedAt": auth["updated_at"],
    }


# -- the handlers -----------------------------------------------------------------------------------

def _decode_create(body):
    """The values of a create request and its permissions (as permissions.permission builds them); errors as
    upstream's decoder gives them, after "invalid json structure: "."""
    try:
        values = decode_struct(body, CREATE)
    except ApiError as exc:
        raise ApiError(exc.code, "invalid json structure: " + exc.message[len(DECODE_PREFIX):]) from None
    perms = []
    for perm in values.get("permissions") or []:
        resource = perm.get("resource") or {}
        perms.append(permissions.permission(perm.get("action", ""), resource.get("type", ""), resource.get("id"),
                                            resource.get("orgID")))
    return values, perms


def _check_create(values, perms):
    """The request's own checks (postAuthorizationRequest.Validate), in upstream's order."""
    if not perms:
        raise ApiError(E_INVALID, "authorization must include permissions")
    for perm in perms:
        if perm["resource"]["type"] not in permissions.RESOURCE_TYPES:
            raise ApiError(E_INVALID, "invalid resource type for permission: unknown resource type for permission")
        if perm["action"] not in permissions.ACTIONS:
            raise ApiError(E_INVALID, "invalid action type for permission: unknown action for permission")
    if values.get("orgID") is None:
        raise ApiError(E_INVALID, "org id required: invalid ID")
    if values.get("status", "") not in ("", "active", "inactive"):
        raise ApiError(E_INVALID, "invalid status: must be active or inactive")


def create_authorization(app, req):
    """POST /api/v2/authorizations: 201 and the authorization with its token.

    After the request's checks, the caller's rights (write on the org's
    authorizations and on the user; every permission granted must be one the
    caller holds: 403), then the service's (permissions of another org, an
    unknown user or org).
    """
    values, perms = _decode_create(req.body)
    _check_create(values, perms)
    org_id = values["orgID"]
    user_id = values.get("userID") or req.auth["user_id"]
    authorize(req, "write", "authorizations", org_id=org_id)
    authorize(req, "write", "users", user_id)
    for perm in perms:
        if not permissions.allowed(req.auth, perm):
            raise ApiError(E_FORBIDDEN, "permission %s is not allowed: %s is unauthorized" % (permissions.text(perm),
                                                                                              permissions.text(perm)))
    for perm in perms:
        if perm["resource"].get("orgID") not in (None, org_id):
            raise ApiError(E_INVALID, "permission %s is not for org id %s" % (permissions.text(perm), org_id))
    if _user(app.db, user_id) is None or _org(app, org_id) is None:
        raise ApiError(E_INVALID, "unable to create token")
    auth, token = store(app, org_id, user_id, perms, values.get("description", ""), values.get("status") or "active")
    return json_response(201, to_api(app, auth, token))


def _readable(req, auth):
    """Whether the caller may read an authorization: read on it in its org, and on its user."""
    return (permitted(req, "read", "authorizations", auth["id"], auth["org_id"])
            and permitted(req, "read", "users", auth["user_id"]))


def _query_id(req, name):
    text = req.arg(name)
    return parse_id(text) if text else None


def list_authorizations(app, req):
    """GET /api/v2/authorizations: filters userID, user, orgID, org and id (which wins); the caller sees only what it may read."""
    user_id = _query_id(req, "userID")
    org_id = _query_id(req, "orgID")
    auth_id = _query_id(req, "id")
    if user_id is None and req.arg("user"):
        rows = app.db.select("users", "id", name=req.arg("user"))
        if not rows:
            raise ApiError(E_NOT_FOUND, "user not found")
        user_id = rows[0]["id"]
    if org_id is None and req.arg("org"):
        found = [org for org in app.orgs if org["name"] == req.arg("org")]
        if not found:
            raise ApiError(E_NOT_FOUND, 'organization name "%s" not found' % req.arg("org"))
        org_id = found[0]["id"]
    if auth_id is not None:
        auths = [_load(app.db, auth_id)]
    else:
        auths = [_auth(row) for row in app.db.select("authorizations", COLUMNS, order="id", org_id=org_id, user_id=user_id)]
    answers = []
    for auth in auths:
        if _readable(req, auth):
            try:
                answers.append(to_api(app, auth))
            except ApiError:
                continue  # upstream leaves out an authorization whose org or user is gone
    return json_response(200, {"links": {"self": "/api/v2/authorizations"}, "authorizations": answers})


def _existing(app, req, actions):
    """The authorization of the path, once the caller may do each of actions on it and on its user."""
    auth = _load(app.db, parse_id(req.params["id"]))
    for action in actions:
        authorize(req, action, "authorizations", auth["id"], auth["org_id"])
        authorize(req, action, "users", auth["user_id"])
    return auth


def get_authorization(app, req):
    """GET /api/v2/authorizations/{id}."""
    return json_response(200, to_api(app, _existing(app, req, ("read",))))


def update_authorization(app, req):
    """PATCH /api/v2/authorizations/{id}: only status and description change.

    The body's errors are plain Go errors (500); a status other than active,
    inactive or "" (which means active) is refused by the store (400).
    """
    parse_id(req.params["id"])
    try:
        values = decode_struct(req.body, UPDATE)
    except ApiError as exc:
        raise ApiError(E_INTERNAL, exc.message[len(DECODE_PREFIX):]) from None
    # upstream's handler reads the authorization, then its update checks the right to write it
    auth = _existing(app, req, ("read", "write"))
    changes = {}
    if values.get("status") is not None:
        if values["status"] not in ("", "active", "inactive"):
            raise ApiError(E_INVALID, "encodeAuthorization: unknown authorization status")
        changes["status"] = values["status"] or "active"
    if values.get("description") is not None:
        changes["description"] = values["description"]
    app.db.update("authorizations", auth["id"], changes)
    return json_response(200, to_api(app, _load(app.db, auth["id"])))


def delete_authorization(app, req):
    """DELETE /api/v2/authorizations/{id}: 204 (needs write, not read); its token is refused from now on."""
    auth = _existing(app, req, ("write",))
    app.db.delete("authorizations", auth["id"])
    return no_content()


def me(app, req):
    """GET /api/v2/me: the user of the token, for a token that may read that user."""
    authorize(req, "read", "users", req.auth["user_id"])
    user = _user(app.db, req.auth["user_id"])
    if user is None:
        raise ApiError(E_NOT_FOUND, "user not found")
    return json_response(200, {"links": {"self": "/api/v2/users/%s" % user["id"]}, "id": user["id"], "name": user["name"],
                               "status": user["status"]})
