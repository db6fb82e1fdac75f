"""/api/v2/buckets: the buckets that writes and replications use.

Upstream: tenant/http_server_bucket.go (the handlers, the bucket JSON and its
links), tenant/service_bucket.go, tenant/storage_bucket.go (lookups, list
order, the name index that makes names unique per org) and
tenant/error_bucket.go (errors), kit/platform/paging.go (limit and offset),
storage/bucket_service.go and v1/services/meta (the shard-group duration and
the retention checks of the storage engine). Deleting a bucket deletes
the replications whose local bucket it is, and their queues, as
replications/service.go DeleteBucketReplications does.

The storage engine keeps a copy of each bucket's retention (its retention
policy): it takes a change first and keeps it when the bucket's own update
is refused next, it keeps at least 1 h as shard-group duration where the
bucket shows what was sent, and its checks use its copy. A refused DELETE
of a system bucket has dropped that copy already.
"""

from urllib.parse import urlencode

from . import orgs
from .decode import Slice, Struct, decode_struct
from .permissions import authorize, bucket_read, permitted
from .wire import E_CONFLICT, E_INTERNAL, E_INVALID, E_NOT_FOUND, E_UNPROCESSABLE, ApiError, json_response, no_content, parse_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets (
    id VARCHAR(16) NOT NULL PRIMARY KEY,
    org_id VARCHAR(16) NOT NULL,
    type TEXT NOT NULL DEFAULT 'user',
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    rp TEXT NOT NULL DEFAULT '',
    retention_seconds INTEGER NOT NULL DEFAULT 0,
    shard_group_seconds INTEGER NOT NULL,
    engine_retention_seconds INTEGER,
    engine_shard_group_seconds INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT buckets_uniq_orgid_name UNIQUE (org_id, name)
);
"""

BUCKETS_PATH = "/api/v2/buckets"

COLUMNS = ("id, org_id, type, name, description, rp, retention_seconds, shard_group_seconds, engine_retention_seconds, "
           "engine_shard_group_seconds, created_at, updated_at")

RULE = Struct("retentionRule", {"type": ("string", False), "everySeconds": ("int64", False),
                                "shardGroupDurationSeconds": ("int64", False)}, "tenant")

CREATE = Struct("postBucketRequest", {"orgID": ("id", False), "name": ("string", False), "description": ("string", False),
                                      "rp": ("string", False), "retentionRules": (Slice(RULE), False)}, "tenant")

RULE_UPDATE = Struct("retentionRuleUpdate", {"type": ("string", False), "everySeconds": ("int64", True),
                                             "shardGroupDurationSeconds": ("int64", True)}, "tenant")

UPDATE = Struct("bucketUpdate", {"name": ("string", True), "description": ("string", True),
                                 "retentionRules": (Slice(RULE_UPDATE), False)}, "tenant")

HOUR = 3600
DAY = 24 * HOUR

TOO_SHORT = "retention policy duration must be at least 1h0m0s"

# The system buckets every org has, in the order upstream creates them (tenant/service_onboarding.go,
# tenant/service_org.go).
SYSTEM_BUCKETS = (("_tasks", 3 * DAY, "System bucket for task logs"), ("_monitoring", 7 * DAY, "System bucket for monitoring logs"))


def _shard_group_duration(retention, sent=0):
    """The shard-group duration the storage engine keeps for a retention period (0 is infinite).

    One sent (above 0) is kept from 1 h up, and is 1 h below that; none follows the retention.
    """
    if sent > 0:
        return max(sent, HOUR)
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
    if row["rp"]:
        result["rp"] = row["rp"]
    # one rule, infinite retention included (everySeconds 0), unless both are 0 (after a PATCH)
    result["retentionRules"] = []
    if row["retention_seconds"] or row["shard_group_seconds"]:
        result["retentionRules"].append({"type": "expire", "everySeconds": row["retention_seconds"],
                                         "shardGroupDurationSeconds": row["shard_group_seconds"]})
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


def _rule(rules):
    """The one retention rule of decoded rules ({} for none), checked as the request's own check does.

    Its everySeconds and shardGroupDurationSeconds are absent or None when not given.
    """
    if len(rules) > 1:
        raise ApiError(E_UNPROCESSABLE, "buckets cannot have more than one retention rule at this time")
    rule = rules[0] if rules else {}
    if (rule.get("everySeconds") or 0) < 0:
        raise ApiError(E_UNPROCESSABLE, "expiration seconds cannot be negative")
    if (rule.get("shardGroupDurationSeconds") or 0) < 0:
        raise ApiError(E_UNPROCESSABLE, "shard-group duration seconds cannot be negative")
    return rule


def _check_name(name):
    """The names upstream refuses for a user bucket (400)."""
    if name.startswith("_"):
        raise ApiError(E_INVALID, "bucket name %s is invalid. Buckets may not start with underscore" % name)
    if '"' in name:
        raise ApiError(E_INVALID, "bucket name %s is invalid. Bucket names may not include quotation marks" % name)


def create(app, org_id, name, description="", retention=0, bucket_id=None, kind="user", shard_group=0, rp=""):
    """Store a new bucket and return its row.

    A taken name is 422 conflict; then the storage engine's checks (500): a
    retention below 1 h, or below the shard-group duration.
    """
    shard_group = _shard_group_duration(retention, shard_group)
    values = {"org_id": org_id, "type": kind, "name": name, "description": description, "rp": rp,
              "retention_seconds": retention, "shard_group_seconds": shard_group,
              "engine_retention_seconds": retention, "engine_shard_group_seconds": shard_group}
    if app.db.select("buckets", "id", org_id=org_id, name=name):
        raise ApiError(E_CONFLICT, "bucket with name %s already exists" % name)
    if 0 < retention < HOUR:
        raise ApiError(E_INTERNAL, TOO_SHORT)
    if 0 < retention < shard_group:
        raise ApiError(E_INTERNAL, "retention policy duration must be greater than the shard duration")
    return find(app.db, app.db.insert("buckets", values, row_id=bucket_id))


def create_system_buckets(app, org_id):
    """Create the system buckets of an org that does not have them yet."""
    for name, retention, description in SYSTEM_BUCKETS:
        if not app.db.select("buckets", "id", org_id=org_id, name=name):
            create(app, org_id, name, description, retention, kind="system")


def create_bucket(app, req):
    """POST /api/v2/buckets: 201 and the bucket; a name already taken in the org is 422."""
    values = decode_struct(req.body, CREATE)
    rules = values.get("retentionRules", [])
    org_id = values.get("orgID")
    if org_id is None:
        raise ApiError(E_INVALID, "organization id must be provided")
    rule = _rule(rules)
    authorize(req, "write", "buckets", org_id=org_id)
    name = values.get("name", "")
    _check_name(name)
    _org(app, org_id)
    row = create(app, org_id, name, values.get("description", ""), rule.get("everySeconds", 0),
                 shard_group=rule.get("shardGroupDurationSeconds", 0), rp=values.get("rp", ""))
    return json_response(201, to_api(row))


def _query_id(req, name):
    """An ID of the query string (lower case), or None; a malformed one is 400."""
    text = req.arg(name)
    return parse_id(text) if text else None


def _org_buckets(app, req, org_id, name, after, offset, descending):
    """The buckets of the org given by orgID (which wins, and may be unknown) or org (a name that must exist).

    A name is looked up (404 when the org has no such bucket). Else every bucket of the org, in
    name order as upstream reads them from its name index: the offset skips buckets first, then
    after skips to the bucket after that one (none when those left do not have it).
    """
    if org_id is None:
        found = [org for org in app.orgs if org["name"] == req.arg("org")]
        if not found:
            raise ApiError(E_NOT_FOUND, 'organization name "%s" not found' % req.arg("org"))
        org_id = found[0]["id"]
    if name:
        rows = app.db.select("buckets", COLUMNS, org_id=org_id, name=name)
        if not rows:
            raise ApiError(E_NOT_FOUND, 'bucket "%s" not found' % name)
        return rows
    rows = app.db.select("buckets", COLUMNS, order="name" + (" DESC" if descending else ""), org_id=org_id)[max(offset, 0):]
    if after is None:
        return rows
    ids = [row["id"] for row in rows]
    return rows[ids.index(after) + 1:] if after in ids else []


def _all_buckets(app, name, after, offset, descending):
    """Every bucket in ID order, as upstream scans them: after seeks to the ID after it (going down: that
    bucket and the ones before it), then the offset skips buckets before the name filter."""
    rows = app.db.select("buckets", COLUMNS, order="id" + (" DESC" if descending else ""))
    if after is not None:
        rows = [row for row in rows if (row["id"] <= after if descending else row["id"] > after)]
    return [row for row in rows[max(offset, 0):] if not name or row["name"] == name]


def list_buckets(app, req):
    """GET /api/v2/buckets: a page of buckets, with links that repeat the request's filters and options.

    Filters: id (wins over the others; unknown is 404), orgID or org (an org's buckets, or the one
    named name), name (without an org: that name in every org).
    """
    offset, after, limit, descending = orgs.find_options(req)
    org_id = _query_id(req, "orgID")
    bucket_id = _query_id(req, "id")
    name = req.arg("name")
    if bucket_id is not None:
        row = find(app.db, bucket_id)
        if row is None:
            raise ApiError(E_NOT_FOUND, "bucket not found")
        rows = [row]
    elif org_id is not None or req.arg("org"):
        rows = _org_buckets(app, req, org_id, name, after, offset, descending)
    else:
        rows = _all_buckets(app, name, after, offset, descending)
    page = [row for row in rows[:limit] if permitted(req, *bucket_read(row["type"], row["id"], row["org_id"]))]
    # kit/platform/paging.go: the query of each link, its keys sorted, without the empty ones
    query = {"after": after, "bucket": name, "descending": "true" if descending else "false", "id": bucket_id,
             "limit": limit, "org": req.arg("org"), "orgID": org_id, "sortBy": req.arg("sortBy")}

    def link(at):
        return BUCKETS_PATH + "?" + urlencode(sorted((key, value) for key, value in dict(query, offset=at).items()
                                                     if value not in (None, "")))

    links = {}
    if offset > 0:
        links["prev"] = link(max(offset - limit, 0))
    links["self"] = link(offset)
    if len(page) == limit:
        links["next"] = link(offset + limit)
    return json_response(200, {"links": links, "buckets": [to_api(row) for row in page]})


def _existing(app, req):
    row = find(app.db, parse_id(req.params["id"]))
    if row is None:
        raise ApiError(E_NOT_FOUND, "bucket not found")
    return row


def get_bucket(app, req):
    """GET /api/v2/buckets/{id}: 404 bucket not found."""
    row = _existing(app, req)
    authorize(req, *bucket_read(row["type"], row["id"], row["org_id"]))
    return json_response(200, to_api(row))


def _update_engine(app, row, retention, shard_group):
    """The storage engine's part of a PATCH (meta Data.UpdateRetentionPolicy): its checks of the retention
    and shard-group duration sent (None: not sent) against its copy, then the change of its copy."""
    if row["engine_retention_seconds"] is None:
        raise ApiError(E_INTERNAL, "database not found: " + row["id"])
    if retention is not None and 0 < retention < HOUR:
        raise ApiError(E_INTERNAL, TOO_SHORT)
    new_retention = row["engine_retention_seconds"] if retention is None else retention
    bound = row["engine_shard_group_seconds"] if shard_group is None else shard_group
    if (retention, shard_group) != (None, None) and 0 < new_retention < bound:
        raise ApiError(E_UNPROCESSABLE, "shard-group duration must also be updated to be smaller than new retention duration")
    values = {"engine_retention_seconds": new_retention}
    if shard_group is not None:
        values["engine_shard_group_seconds"] = _shard_group_duration(new_retention, shard_group)
    app.db.update("buckets", row["id"], values, touch=False)


def update_bucket(app, req):
    """PATCH /api/v2/buckets/{id}: name, description (empty clears it) and the retention rule; 200 and the bucket.

    In upstream's order: the ID, the body (400, 422), the bucket (404) and the token, the storage
    engine (a retention below 1 h 500, one below the shard-group duration 422), then the bucket: a
    system bucket keeps its name (400), a name upstream refuses (400), a taken name (422). The
    rule's fields change only when given: [] changes nothing, infinite is everySeconds 0.
    """
    parse_id(req.params["id"])  # a malformed ID before the body
    values = decode_struct(req.body, UPDATE)
    rule = _rule(values.get("retentionRules", []))
    row = _existing(app, req)
    if values.get("name") is not None:
        authorize(req, *bucket_read(row["type"], row["id"], row["org_id"]))  # the handler reads the bucket to rename it
    authorize(req, "write", "buckets", row["id"], row["org_id"])
    retention, shard_group = rule.get("everySeconds"), rule.get("shardGroupDurationSeconds")
    _update_engine(app, row, retention, shard_group)
    changes = {}
    name = values.get("name")
    if name is not None and name != row["name"]:
        if row["type"] == "system":
            raise ApiError(E_INVALID, "system buckets cannot be renamed")
        _check_name(name)
        if app.db.select("buckets", "id", org_id=row["org_id"], name=name):
            raise ApiError(E_CONFLICT, "bucket name is not unique")
        changes["name"] = name
    for column, value in (("description", values.get("description")), ("retention_seconds", retention),
                          ("shard_group_seconds", shard_group)):
        if value is not None:
            changes[column] = value
    app.db.update("buckets", row["id"], changes)
    return json_response(200, to_api(find(app.db, row["id"])))


def delete_bucket(app, req):
    """DELETE /api/v2/buckets/{id}: 204; the bucket's points, replications and their queues go with it.

    The storage engine drops the bucket's points and its copy first, of a system bucket too, whose
    deletion is refused next (400).
    """
    row = _existing(app, req)
    authorize(req, "write", "buckets", row["id"], row["org_id"])
    app.points.drop(row["id"])
    if row["type"] == "system":
        app.db.update("buckets", row["id"], {"engine_retention_seconds": None, "engine_shard_group_seconds": None}, touch=False)
        raise ApiError(E_INVALID, "system buckets cannot be deleted")
    for replication_id in app.db.delete_where("replications", "local_bucket_id", row["id"]):
        app.replicator.remove(replication_id)
    app.db.delete("buckets", row["id"])
    return no_content()
