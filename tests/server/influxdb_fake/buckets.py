"""/api/v2/buckets: the buckets that writes and replications use.

Upstream: tenant/http_server_bucket.go (the handlers, the bucket JSON and its
links), tenant/service_bucket.go, tenant/storage_bucket.go (lookups, list
order, the name index that makes names unique per org) and
tenant/error_bucket.go (errors), kit/platform/paging.go (limit and offset). Deleting a bucket deletes
the replications whose local bucket it is, and their queues, as
replications/service.go DeleteBucketReplications does.
"""

from . import orgs, validate
from .decode import Struct, decode_struct
from .wire import E_CONFLICT, E_INVALID, E_NOT_FOUND, E_UNPROCESSABLE, ApiError, json_response, no_content, parse_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets (
    id VARCHAR(16) NOT NULL PRIMARY KEY,
    org_id VARCHAR(16) NOT NULL,
    type TEXT NOT NULL DEFAULT 'user',
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    retention_seconds INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT buckets_uniq_orgid_name UNIQUE (org_id, name)
);
"""

COLUMNS = "id, org_id, type, name, description, retention_seconds, created_at, updated_at"

CREATE = Struct("postBucketRequest", {"orgID": ("id", False), "name": ("string", False), "description": ("string", False),
                                      "rp": ("string", False), "retentionRules": ("json", False)})

HOUR = 3600
DAY = 24 * HOUR

# The system buckets every org has, in the order upstream creates them (tenant/service_onboarding.go,
# tenant/service_org.go).
SYSTEM_BUCKETS = (("_tasks", 3 * DAY, "System bucket for task logs"), ("_monitoring", 7 * DAY, "System bucket for monitoring logs"))


def _shard_group_duration(retention):
    """Upstream's default shard group duration for a retention period (0 is infinite)."""
    if retention == 0 or retention >= 180 * DAY:
        return 7 * DAY
    if retention < 2 * DAY:
        return HOUR
    return DAY


def to_api(row):
    """The bucket JSON of tenant/http_server_bucket.go: the bucket, its links and its labels."""
    result = {"id": row["id"], "orgID": row["org_id"], "type": row["type"]}
    if row["description"]:
        result["description"] = row["description"]
    result["name"] = row["name"]
    rules = []
    if row["retention_seconds"] > 0:
        rules.append({"type": "expire", "everySeconds": row["retention_seconds"],
                      "shardGroupDurationSeconds": _shard_group_duration(row["retention_seconds"])})
    result["retentionRules"] = rules
    result["createdAt"] = row["created_at"]
    result["updatedAt"] = row["updated_at"]
    result["links"] = {
        "labels": "/api/v2/buckets/%s/labels" % row["id"],
        "members": "/api/v2/buckets/%s/members" % row["id"],
        "org": "/api/v2/orgs/%s" % row["org_id"],
        "owners": "/api/v2/buckets/%s/owners" % row["id"],
        "self": "/api/v2/buckets/%s" % row["id"],
        "write": "/api/v2/write?org=%s&bucket=%s" % (row["org_id"], row["id"]),
    }
    result["labels"] = []
    return result


def find(db, bucket_id):
    """The bucket row with this ID, or None."""
    return db.row("buckets", COLUMNS, bucket_id)


def find_in_org(db, org_id, name_or_id):
    """The bucket of an org named name_or_id, or (when it parses as an ID) with that ID; None when there is none.

    As upstream's write handler, a value that parses as an ID is only looked up as an ID.
    """
    try:
        bucket_id = parse_id(name_or_id)
    except ApiError:
        rows = db.select("buckets", COLUMNS, org_id=org_id, name=name_or_id)
    else:
        rows = db.select("buckets", COLUMNS, org_id=org_id, id=bucket_id)
    return rows[0] if rows else None


def _org(app, org_id):
    for org in app.orgs:
        if org["id"] == org_id:
            return org
    raise ApiError(E_NOT_FOUND, "organization not found")


def _retention(rules):
    """everySeconds of the first retention rule (0: keep forever), checked as upstream does."""
    if rules is None:
        return 0
    if not isinstance(rules, list) or any(not isinstance(rule, dict) for rule in rules):
        raise ApiError(E_INVALID, "failed to unmarshal json: json: cannot unmarshal %s into Go struct field "
                       "postBucketRequest.retentionRules of type []tenant.retentionRule" % type(rules).__name__)
    if not rules:
        return 0
    seconds = rules[0].get("everySeconds", 0)
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise ApiError(E_INVALID, "failed to unmarshal json: json: cannot unmarshal value into Go struct field "
                       "retentionRule.retentionRules.everySeconds of type int64")
    if seconds < 0:
        raise ApiError(E_UNPROCESSABLE, "expiration seconds must be greater than or equal to one second")
    return seconds


def create(app, org_id, name, description="", retention=0, bucket_id=None, kind="user"):
    """Store a new bucket and return its row; a taken name is 422 conflict."""
    if app.db.select("buckets", "id", org_id=org_id, name=name):
        raise ApiError(E_CONFLICT, "bucket with name %s already exists" % name)
    values = {"org_id": org_id, "type": kind, "name": name, "description": description, "retention_seconds": retention}
    if bucket_id is None:
        bucket_id = app.db.insert("buckets", values)
    else:
        app.db.insert("buckets", values, row_id=bucket_id)
    return find(app.db, bucket_id)


def create_system_buckets(app, org_id):
    """Create the system buckets of an org that does not have them yet."""
    for name, retention, description in SYSTEM_BUCKETS:
        if not app.db.select("buckets", "id", org_id=org_id, name=name):
            create(app, org_id, name, description, retention, kind="system")


def create_bucket(app, req):
    """POST /api/v2/buckets: 201 and the bucket; a name already taken in the org is 422."""
    values = decode_struct(req.body, CREATE)
    org_id = values.get("orgID")
    if org_id is None:
        raise ApiError(E_INVALID, "organization id must be provided")
    retention = _retention(values.get("retentionRules"))
    name = values.get("name", "")
    if name.startswith("_"):
        raise ApiError(E_UNPROCESSABLE, "bucket name %s is invalid. Buckets may not start with underscore" % name)
    validate.may_write(req, "orgs/%s/buckets" % org_id)
    _org(app, org_id)
    row = create(app, org_id, name, values.get("description", ""), retention)
    return json_response(201, to_api(row))


def list_buckets(app, req):
    """GET /api/v2/buckets[?orgID=|org=][&name=][&id=][&limit=][&offset=]: an unknown name is 404."""
    offset, after, limit, descending = orgs.find_options(req)
    org_id = None
    text = req.arg("orgID")
    if text:
        org_id = parse_id(text)
    org_name = req.arg("org")
    if org_name and org_id is None:
        found = [org for org in app.orgs if org["name"] == org_name]
        if not found:
            raise ApiError(E_NOT_FOUND, 'organization name "%s" not found' % org_name)
        org_id = found[0]["id"]
    elif org_id is not None:
        _org(app, org_id)
    name = req.arg("name") or None
    bucket_id = None
    text = req.arg("id")
    if text:
        bucket_id = parse_id(text)
    if org_id is not None:
        # tenant/storage_bucket.go: an org's buckets come from its name index, in name order
        # (descending and after do not apply there)
        order = "name"
    else:
        order = "id" + (" DESC" if descending else "")
    rows = app.db.select("buckets", COLUMNS, order=order, org_id=org_id, name=name, id=bucket_id)
    if name is not None and not rows:
        raise ApiError(E_NOT_FOUND, 'bucket "%s" not found' % name)
    if bucket_id is not None and not rows:
        raise ApiError(E_NOT_FOUND, "bucket not found")
    if after is not None and org_id is None:
        rows = [row for row in rows if (row["id"] < after if descending else row["id"] > after)]
    page = rows[max(offset, 0):][:limit]

    def link(at):
        return "/api/v2/buckets?descending=%s&limit=%d&offset=%d" % ("true" if descending else "false", limit, at)

    links = {"self": link(offset)}
    if offset > 0:
        links["prev"] = link(max(offset - limit, 0))
    if len(page) == limit:
        links["next"] = link(offset + limit)
    return json_response(200, {"links": links, "buckets": [to_api(row) for row in page]})


def _existing(app, req):
    bucket_id = parse_id(req.params["id"])
    row = find(app.db, bucket_id)
    if row is None:
        raise ApiError(E_NOT_FOUND, "bucket not found")
    return row


def get_bucket(app, req):
    """GET /api/v2/buckets/{id}: 404 bucket not found."""
    return json_response(200, to_api(_existing(app, req)))


def delete_bucket(app, req):
    """DELETE /api/v2/buckets/{id}: 204; the bucket's points, replications and their queues go with it (not for a system bucket)."""
    row = _existing(app, req)
    validate.may_write(req, "orgs/%s/buckets/%s" % (row["org_id"], row["id"]))
    if row["type"] == "system":
        raise ApiError(E_INVALID, "system buckets cannot be deleted")
    app.delete_bucket(row["id"])
    return no_content()
