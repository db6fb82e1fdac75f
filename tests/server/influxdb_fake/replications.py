"""/api/v2/replications: enough of replications to reference a remote.

Upstream: replications/transport/http.go, replications/internal/store.go,
replication.go and the migrations 0005 to 0008. There are no buckets and no
queue here: any local bucket ID is accepted, queue sizes are always 0, and
validating only checks that the remote exists.
"""

from . import remotes, validate
from .validate import Field
from .wire import E_INVALID, E_NOT_FOUND, E_UNPROCESSABLE, ApiError, json_response, no_content

SCHEMA = """
CREATE TABLE IF NOT EXISTS replications (
    id VARCHAR(16) NOT NULL PRIMARY KEY,
    org_id VARCHAR(16) NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    remote_id VARCHAR(16) NOT NULL,
    local_bucket_id VARCHAR(16) NOT NULL,
    remote_bucket_id VARCHAR(16),
    remote_bucket_name TEXT DEFAULT '',
    max_queue_size_bytes INTEGER NOT NULL,
    max_age_seconds INTEGER NOT NULL,
    latest_response_code INTEGER,
    latest_error_message TEXT,
    drop_non_retryable_data BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT replications_uniq_orgid_name UNIQUE (org_id, name),
    CONSTRAINT replications_one_of_id_name CHECK (remote_bucket_id IS NOT NULL OR remote_bucket_name != ''),
    FOREIGN KEY (remote_id) REFERENCES remotes (id)
);
CREATE INDEX IF NOT EXISTS idx_local_bucket_id_per_org ON replications (org_id, local_bucket_id);
CREATE INDEX IF NOT EXISTS idx_remote_id_per_org ON replications (org_id, remote_id);
"""

COLUMNS = ("id, org_id, name, description, remote_id, local_bucket_id, remote_bucket_id, remote_bucket_name, "
           "max_queue_size_bytes, latest_response_code, latest_error_message, drop_non_retryable_data, max_age_seconds")

MIN_QUEUE_SIZE_BYTES = 33554430
DEFAULT_QUEUE_SIZE_BYTES = 2 * MIN_QUEUE_SIZE_BYTES
MIN_MAX_AGE_SECONDS = 60
MAX_MAX_AGE_SECONDS = 5184000


def _check_queue_size(value):
    if value < MIN_QUEUE_SIZE_BYTES:
        raise ApiError(E_INVALID, "maxQueueSize too small, must be at least %d" % MIN_QUEUE_SIZE_BYTES)


def _check_max_age(value):
    if value != 0 and not MIN_MAX_AGE_SECONDS <= value <= MAX_MAX_AGE_SECONDS:
        raise ApiError(E_INVALID, "maxAgeSeconds must be 0 (use default) or between %d and %d"
                       % (MIN_MAX_AGE_SECONDS, MAX_MAX_AGE_SECONDS))


def to_api(row):
    """The API form of a replications row."""
    result = {"id": row["id"], "orgID": row["org_id"], "name": row["name"]}
    if row["description"] is not None:
        result["description"] = row["description"]
    result["remoteID"] = row["remote_id"]
    result["localBucketID"] = row["local_bucket_id"]
    result["remoteBucketID"] = row["remote_bucket_id"]
    result["RemoteBucketName"] = row["remote_bucket_name"] or ""
    result["maxQueueSizeBytes"] = row["max_queue_size_bytes"]
    result["currentQueueSizeBytes"] = 0
    result["remainingBytesToBeSynced"] = 0
    if row["latest_response_code"] is not None:
        result["latestResponseCode"] = row["latest_response_code"]
    if row["latest_error_message"] is not None:
        result["latestErrorMessage"] = row["latest_error_message"]
    result["dropNonRetryableData"] = bool(row["drop_non_retryable_data"])
    result["maxAgeSeconds"] = row["max_age_seconds"]
    return result


def load(db, replication_id):
    """One replication in API form; ApiError 404 when unknown."""
    row = db.row("replications", COLUMNS, replication_id)
    if row is None:
        raise ApiError(E_NOT_FOUND, "replication not found")
    return to_api(row)


RESOURCE = validate.Resource("replications", "Replication", (
    Field("orgID", "id", "org_id", fixed=True),
    Field("name", "string", "name", default=""),
    Field("description", "string", "description", nullable=True),
    Field("remoteID", "id", "remote_id"),
    Field("localBucketID", "id", "local_bucket_id", fixed=True),
    Field("remoteBucketID", "id", "remote_bucket_id"),
    Field("remoteBucketName", "string", "remote_bucket_name"),
    Field("maxQueueSizeBytes", "int64", "max_queue_size_bytes", default=DEFAULT_QUEUE_SIZE_BYTES, check=_check_queue_size),
    Field("dropNonRetryableData", "bool", "drop_non_retryable_data", default=False),
    Field("maxAgeSeconds", "int64", "max_age_seconds", default=0, check=_check_max_age),
), load=load, id_error="replication ID is invalid")


def _remote_not_found(remote_id):
    """The 400 for a replication whose remote does not exist (with SQLite's reason after a write)."""
    def error(exc=None):
        return ApiError(E_INVALID, 'remote "%s" not found' % remote_id + ("" if exc is None else ": %s" % exc))
    return error


def list_replications(app, req):
    """GET /api/v2/replications?orgID=...[&name=][&remoteID=][&localBucketID=]: null when nothing matches."""
    org_id = validate.query_id(req, "orgID", "invalid or missing org ID", required=True)
    remote_id = validate.query_id(req, "remoteID", "invalid remote ID")
    bucket_id = validate.query_id(req, "localBucketID", "invalid local bucket ID")
    rows = app.db.select("replications", COLUMNS, org_id=org_id, name=req.arg("name") or None, remote_id=remote_id,
                         local_bucket_id=bucket_id)
    return json_response(200, {"replications": [to_api(row) for row in rows] or None})


def create_replication(app, req):
    """POST /api/v2/replications[?validate=true]."""
    values = validate.creation(req, RESOURCE)
    if values.get("localBucketID") is None or values.get("remoteID") is None:
        raise ApiError(E_INVALID, "invalid id for permission: invalid ID")
    remote_not_found = _remote_not_found(values["remoteID"])
    if req.arg("validate") == "true":
        if not remotes.exists(app.db, values["remoteID"]):
            raise remote_not_found()
        return no_content()
    if values.get("remoteBucketID"):
        values["remoteBucketName"] = ""
    elif values.get("remoteBucketName"):
        values["remoteBucketID"] = None
    else:
        raise ApiError(E_UNPROCESSABLE, "one of remote_bucket_id, remote_bucket_name should be provided")
    replication_id = app.db.insert("replications", RESOURCE.columns(values), foreign_key=remote_not_found)
    return json_response(201, load(app.db, replication_id))


def get_replication(app, req):
    """GET /api/v2/replications/{id}."""
    replication, _values = validate.existing(app.db, req, RESOURCE)
    return json_response(200, replication)


def update_replication(app, req):
    """PATCH /api/v2/replications/{id}[?validate=true]: null and absent fields are left alone."""
    replication, values = validate.existing(app.db, req, RESOURCE, body=True, write=True)
    remote_id = values.get("remoteID")
    remote_not_found = None if remote_id is None else _remote_not_found(remote_id)
    if req.arg("validate") == "true":
        if remote_id is not None and not remotes.exists(app.db, remote_id):
            raise remote_not_found()
        return no_content()
    if not app.db.update("replications", replication["id"], RESOURCE.columns(values), foreign_key=remote_not_found):
        raise ApiError(E_NOT_FOUND, "replication not found")
    return json_response(200, load(app.db, replication["id"]))


def delete_replication(app, req):
    """DELETE /api/v2/replications/{id}."""
    replication, _values = validate.existing(app.db, req, RESOURCE, write=True)
    if not app.db.delete("replications", replication["id"]):
        raise ApiError(E_NOT_FOUND, "replication not found")
    return no_content()


def validate_replication(app, req):
    """POST /api/v2/replications/{id}/validate: 204 when the replication exists."""
    validate.existing(app.db, req, RESOURCE)
    return no_content()
