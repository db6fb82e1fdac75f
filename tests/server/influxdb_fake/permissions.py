"""Permissions: what the token of a request may do, checked as upstream's authorizer checks it.

Upstream: authz.go (Permission, Resource and its text, Matches, the resource
types, OperPermissions), auth.go (an inactive authorization has no permission
set: every check fails with "token is inactive"), authorizer/authorize.go (the
permission each kind of check asks for, and the 401 "<permission> is
unauthorized"), authorizer/authorize_find.go (lists leave out what the token
may not read, silently).

A permission is kept in its JSON form: {"action": "read" | "write",
"resource": {"type": ..., "id"?: ..., "orgID"?: ...}}. An authorization (the
token of a request, req.auth) is a dict with at least "status" and
"permissions".
"""

from .wire import E_UNAUTHORIZED, ApiError

ACTIONS = ("read", "write")

# Every resource type, in upstream's order (AllResourceTypes).
RESOURCE_TYPES = ("authorizations", "buckets", "dashboards", "orgs", "sources", "tasks", "telegrafs", "users", "variables",
                  "scrapers", "secrets", "labels", "views", "documents", "notificationRules", "notificationEndpoints", "checks",
                  "dbrp", "notebooks", "annotations", "remotes", "replications", "instance")


def permission(action, kind, resource_id=None, org_id=None):
    """A permission in its JSON form."""
    resource = {"type": kind}
    if resource_id is not None:
        resource["id"] = resource_id
    if org_id is not None:
        resource["orgID"] = org_id
    return {"action": action, "resource": resource}


def operator_permissions():
    """What `influx setup` gives the operator token: read and write on every type but instance (OperPermissions)."""
    return [permission(action, kind) for kind in RESOURCE_TYPES if kind != "instance" for action in ACTIONS]


def read_permissions():
    """Read on every type but instance (ReadAllPermissions): a token that may read everything."""
    return [permission("read", kind) for kind in RESOURCE_TYPES if kind != "instance"]


def write_points_permissions():
    """Write on every bucket: a token that may write points and nothing else."""
    return [permission("write", "buckets")]


def text(perm):
    """The permission as upstream writes it in messages: write:orgs/<orgID>/buckets/<id>."""
    resource = perm["resource"]
    parts = []
    if resource.get("orgID") is not None:
        parts += ["orgs", resource["orgID"]]
    parts.append(resource["type"])
    if resource.get("id") is not None:
        parts.append(resource["id"])
    return "%s:%s" % (perm["action"], "/".join(parts))


def matches(held, wanted):
    """Whether a permission that a token holds allows the wanted one (Permission.Matches).

    instance allows everything; a permission with neither ID nor org covers the
    whole type; one with an org (and no ID) the type within that org; one with
    an ID that ID, whatever the org.
    """
    if held["action"] != wanted["action"]:
        return False
    have, want = held["resource"], wanted["resource"]
    if have["type"] == "instance":
        return True
    if have["type"] != want["type"]:
        return False
    if have.get("orgID") is None and have.get("id") is None:
        return True
    if have.get("id") is None:
        return want.get("orgID") is not None and want["orgID"] == have["orgID"]
    return want.get("id") is not None and want["id"] == have["id"]


def allowed(auth, wanted):
    """Whether an active authorization holds a permission that allows wanted."""
    return auth["status"] == "active" and any(matches(held, wanted) for held in auth["permissions"])


def authorize(req, action, kind, resource_id=None, org_id=None):
    """Check that the request's token may do action on the resource; 401 "<permission> is unauthorized" if not.

    An inactive token fails every check with 401 "token is inactive".
    """
    wanted = permission(action, kind, resource_id, org_id)
    if req.auth["status"] != "active":
        raise ApiError(E_UNAUTHORIZED, "token is inactive")
    if not allowed(req.auth, wanted):
        raise ApiError(E_UNAUTHORIZED, "%s is unauthorized" % text(wanted))


def permitted(req, action, kind, resource_id=None, org_id=None):
    """Whether the request's token may do action on the resource (what a list keeps)."""
    return allowed(req.auth, permission(action, kind, resource_id, org_id))


def bucket_read(bucket_type, bucket_id, org_id):
    """The (action, type, id, orgID) that reading a bucket needs (AuthorizeReadBucket): a system bucket is read with
    read access to its org, any other with read access to the bucket."""
    if bucket_type == "system":
        return "read", "orgs", org_id, None
    return "read", "buckets", bucket_id, org_id
