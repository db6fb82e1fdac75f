"""/api/v2/replications: replications of a local bucket to a remote, with their live queue status.

Upstream: replications/transport/http.go (handlers, ?validate=true),
replications/service.go (the local bucket check, validation, the queue of
each replication), replications/internal/store.go (SQL, errors),
replication.go (JSON) and the migrations 0005 to 0008. The queues, the
remote writes and the stored config they use are in replicate.py.

What differs by the release the server plays (--version; replication.go on
the release tags): remoteBucketName from 2.4 (before, an unknown field, and
the answers have no RemoteBucketName), remainingBytesToBeSynced from 2.7,
the maxAgeSeconds bounds from 2.9.
"""

from . import buckets, replicate, validate
from .permissions import authorize
from .validate import Field
from .wire import E_INTERNAL, E_INVALID, E_NOT_FOUND, E_UNPROCESSABLE, ApiError, json_response, no_content

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


def _resource(bucket_names, max_age_bounds):
    """The request structs of a release: with remoteBucketName (2.4 on), with the maxAgeSeconds bounds (2.9 on)."""
    fields = (
        Field("orgID", "id", "org_id", fixed=True),
        Field("name", "string", "name", default=""),
        Field("description", "string", "description", nullable=True),
        Field("remoteID", "id", "remote_id"),
        Field("localBucketID", "id", "local_bucket_id", fixed=True),
        Field("remoteBucketID", "id", "remote_bucket_id"),
        Field("remoteBucketName", "string", "remote_bucket_name"),
        Field("maxQueueSizeBytes", "int64", "max_queue_size_bytes", default=DEFAULT_QUEUE_SIZE_BYTES, check=_check_queue_size),
        Field("dropNonRetryableData", "bool", "drop_non_retryable_data", default=False),
        Field("maxAgeSeconds", "int64", "max_age_seconds", default=0, check=_check_max_age if max_age_bounds else None),
    )
    return validate.Resource("replications", "Replication", tuple(f for f in fields if bucket_names or f.name != "remoteBucketName"),
                             load=load, id_error="replication ID is invalid")


RESOURCES = {(names, bounds): _resource(names, bounds) for names in (False, True) for bounds in (False, True)}


def resource(app):
    """The request structs of the release that app plays."""
    return RESOURCES[(app.version_info >= (2, 4), app.version_info >= (2, 9))]


def with_status(app, item, sizes=True):
    """A replication in API form with the live sizes of its queue (0 and 0 unless sizes), as the release that app plays
    answers it."""
    current, remaining = app.replicator.sizes(item["id"]) if sizes else (0, 0)
    item["currentQueueSizeBytes"] = current
    item["remainingBytesToBeSynced"] = remaining
    if app.version_info < (2, 7):
        del item["remainingBytesToBeSynced"]
    if app.version_info < (2, 4):
        del item["RemoteBucketName"]
    return item


def _written(app, replication_id, sizes):
    """The answer to a create or an update: the row that the store's INSERT/UPDATE ... RETURNING reads back, which has
    no latest response (replications/internal/store.go); the service fills in the queue sizes after an update, not
    after a create (replications/service.go)."""
    item = load(app.db, replication_id)
    item.pop("latestResponseCode", None)
    item.pop("latestErrorMessage", None)
    return with_status(app, item, sizes)


def _remote_config(db, remote_id, bucket_id=None, bucket_name="", base=None):
    """A remote's URL, token, org and TLS setting (PopulateRemoteHTTPConfig); 400 when the remote is unknown."""
    row = db.row("remotes", "remote_url, remote_api_token, remote_org_id, allow_insecure_tls", remote_id)
    if row is None:
        raise _remote_not_found(remote_id)()
    if base is not None:
        bucket_id, bucket_name = base.bucket_id, base.bucket_name
    return replicate.HTTPConfig(row["remote_url"], row["remote_api_token"], row["remote_org_id"], row["allow_insecure_tls"],
                                bucket_id, bucket_name)


def _validate_write(app, config, message):
    """An empty write to the remote; anything but 204 is 400 with message and the remote write's error."""
    status, error, _retry_after = replicate.post_write(config, b"", replicate.user_agent(app.version))
    if status != 204:
        raise ApiError(E_INVALID, "%s: %s" % (message, error))


def _local_bucket(app, bucket_id):
    """400 local bucket "<id>" not found: bucket not found, when no bucket has this ID (in any org)."""
    if buckets.find(app.db, bucket_id) is None:
        raise ApiError(E_INVALID, 'local bucket "%s" not found: bucket not found' % bucket_id)


def _remote_not_found(remote_id):
    """The 400 for a replication whose remote does not exist (with SQLite's reason after a write)."""
    def error(exc=None):
        return ApiError(E_INVALID, 'remote "%s" not found' % remote_id + ("" if exc is None else ": %s" % exc))
    return error


def list_replications(app, req):
    """GET /api/v2/replications?orgID=...[&name=][&remoteID=][&localBucketID=]: null when nothing matches, [] when
    the token may read none of the matches."""
    org_id = validate.query_id(req, "orgID", "invalid or missing org ID", required=True)
    remote_id = validate.query_id(req, "remoteID", "invalid remote ID")
    bucket_id = validate.query_id(req, "localBucketID", "invalid local bucket ID")
    rows = app.db.select("replications", COLUMNS, org_id=org_id, name=req.arg("name") or None, remote_id=remote_id,
                         local_bucket_id=bucket_id)
    items = validate.list_readable(req, resource(app), [to_api(row) for row in rows])
    return json_response(200, {"replications": None if items is None else [with_status(app, item) for item in items]})


def create_replication(app, req):
    """POST /api/v2/replications[?validate=true]."""
    values = validate.creation(req, resource(app))
    # the token must also read the local bucket and the remote; an ID left out fails as the permission is made
    for name, kind in (("localBucketID", "buckets"), ("remoteID", "remotes")):
        if values.get(name) is None:
            raise ApiError(E_INVALID, "invalid id for permission: invalid ID")
        authorize(req, "read", kind, values[name], values["orgID"])
    remote_not_found = _remote_not_found(values["remoteID"])
    _local_bucket(app, values["localBucketID"])
    if req.arg("validate") == "true":
        # ValidateNewReplication: the remote bucket ID only (a remote bucket name is not used).
        config = _remote_config(app.db, values["remoteID"], values.get("remoteBucketID"))
        _validate_write(app, config, "replication parameters fail validation")
        return no_content()
    if values.get("remoteBucketID"):
        values["remoteBucketName"] = ""
    elif values.get("remoteBucketName"):
        values["remoteBucketID"] = None
    elif app.version_info < (2, 4):
        # before 2.4 the ID is required: the store writes "" and fails to read it back (store.go)
        raise ApiError(E_INTERNAL, 'sql: Scan error on column index 6, name "remote_bucket_id": id must have a length of 16 bytes')
    else:
        raise ApiError(E_UNPROCESSABLE, "one of remote_bucket_id, remote_bucket_name should be provided")
    replication_id = app.db.insert("replications", resource(app).columns(values), foreign_key=remote_not_found)
    app.replicator.add(replication_id, values["orgID"], values["localBucketID"])
    return json_response(201, _written(app, replication_id, sizes=False))


def get_replication(app, req):
    """GET /api/v2/replications/{id}."""
    replication, _values = validate.existing(app.db, req, resource(app))
    return json_response(200, with_status(app, replication))


def update_replication(app, req):
    """PATCH /api/v2/replications/{id}[?validate=true]: null and absent fields are left alone."""
    replication, values = validate.existing(app.db, req, resource(app), body=True, write=True)
    remote_id = values.get("remoteID")
    if remote_id is not None:
        authorize(req, "read", "remotes", remote_id, replication["orgID"])
    remote_not_found = None if remote_id is None else _remote_not_found(remote_id)
    if req.arg("validate") == "true":
        # ValidateUpdatedReplication: the stored config with the body's remote bucket ID and remote applied.
        config = replicate.http_config(app.db, replication["id"])
        if config is None:
            raise ApiError(E_NOT_FOUND, "replication not found")
        if values.get("remoteBucketID") is not None:
            config.bucket_id = values["remoteBucketID"]
        if remote_id is not None:
            config = _remote_config(app.db, remote_id, base=config)
        _validate_write(app, config, "validation fails after applying update")
        return no_content()
    if not app.db.update("replications", replication["id"], resource(app).columns(values), foreign_key=remote_not_found):
        raise ApiError(E_NOT_FOUND, "replication not found")
    return json_response(200, _written(app, replication["id"], sizes=True))


def delete_replication(app, req):
    """DELETE /api/v2/replications/{id}."""
    replication, _values = validate.existing(app.db, req, resource(app), write=True)
    if not app.db.delete("replications", replication["id"]):
        raise ApiError(E_NOT_FOUND, "replication not found")
    app.replicator.remove(replication["id"])
    return no_content()


def validate_replication(app, req):
    """POST /api/v2/replications/{id}/validate: an empty write to the remote with the stored config; 204 when it answers 204."""
    validate.existing(app.db, req, resource(app))
    config = replicate.http_config(app.db, validate.path_id(req, resource(app).id_error))
    if config is None:
        raise ApiError(E_NOT_FOUND, "replication not found")
    _validate_write(app, config, "replication failed validation")
    return no_content()
