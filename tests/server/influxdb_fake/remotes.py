"""/api/v2/remotes: remote connections.

Upstream: remotes/transport/http.go, remotes/service.go,
remotes/transport/middleware_auth.go, remote_connection.go and the
migrations 0004_create_remotes_table and 0008_migrate_remotes_null_remote_org.
"""

from . import validate
from .validate import Field
from .wire import E_INTERNAL, E_NOT_FOUND, ApiError, json_response, no_content

SCHEMA = """
CREATE TABLE IF NOT EXISTS remotes (
    id VARCHAR(16) NOT NULL PRIMARY KEY,
    org_id VARCHAR(16) NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    remote_url TEXT NOT NULL,
    remote_api_token TEXT NOT NULL,
    remote_org_id VARCHAR(16),
    allow_insecure_tls BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT remotes_uniq_orgid_name UNIQUE (org_id, name)
);
CREATE INDEX IF NOT EXISTS idx_remote_url_per_org ON remotes (org_id, remote_url);
"""

# Every column of the API form; the token is stored but never shown.
COLUMNS = "id, org_id, name, description, remote_url, remote_org_id, allow_insecure_tls"


def to_api(row):
    """The API form of a remotes row."""
    result = {"id": row["id"], "orgID": row["org_id"], "name": row["name"]}
    if row["description"] is not None:
        result["description"] = row["description"]
    result["remoteURL"] = row["remote_url"]
    result["remoteOrgID"] = row["remote_org_id"]
    result["allowInsecureTLS"] = bool(row["allow_insecure_tls"])
    return result


def load(db, remote_id):
    """One remote in API form; ApiError 404 when unknown."""
    row = db.row("remotes", COLUMNS, remote_id)
    if row is None:
        raise ApiError(E_NOT_FOUND, "remote connection not found")
    return to_api(row)


def exists(db, remote_id):
    """True when a remote with this ID is stored."""
    return db.row("remotes", "id", remote_id) is not None


RESOURCE = validate.Resource("remotes", "RemoteConnection", (
    Field("orgID", "id", "org_id", fixed=True),
    Field("name", "string", "name", default=""),
    Field("description", "string", "description", nullable=True),
    Field("remoteURL", "string", "remote_url", default=""),
    Field("remoteAPIToken", "string", "remote_api_token", default=""),
    Field("remoteOrgID", "id", "remote_org_id", nullable=True),
    Field("allowInsecureTLS", "bool", "allow_insecure_tls", default=False),
), load=load, id_error="remote-connection ID is invalid")


def _still_referenced(_exc):
    return ApiError(E_INTERNAL, "remote-connection cannot be deleted as a replication references it")


def list_remotes(app, req):
    """GET /api/v2/remotes?orgID=...[&name=...][&remoteURL=...]: exact filters, null when nothing matches, [] when the
    token may read none of the matches."""
    org_id = validate.query_id(req, "orgID", "invalid or missing org ID", required=True)
    rows = app.db.select("remotes", COLUMNS, org_id=org_id, name=req.arg("name") or None, remote_url=req.arg("remoteURL") or None)
    return json_response(200, {"remotes": validate.list_readable(req, RESOURCE, [to_api(row) for row in rows])})


def create_remote(app, req):
    """POST /api/v2/remotes: nothing is checked beyond the JSON types and IDs."""
    values = validate.creation(req, RESOURCE)
    remote_id = app.db.insert("remotes", RESOURCE.columns(values))
    return json_response(201, load(app.db, remote_id))


def get_remote(app, req):
    """GET /api/v2/remotes/{id}."""
    remote, _values = validate.existing(app.db, req, RESOURCE)
    return json_response(200, remote)


def update_remote(app, req):
    """PATCH /api/v2/remotes/{id}: null and absent fields are left alone."""
    remote, values = validate.existing(app.db, req, RESOURCE, body=True, write=True)
    if not app.db.update("remotes", remote["id"], RESOURCE.columns(values)):
        raise ApiError(E_NOT_FOUND, "remote connection not found")
    return json_response(200, load(app.db, remote["id"]))


def delete_remote(app, req):
    """DELETE /api/v2/remotes/{id}: a remote that a replication references stays."""
    remote, _values = validate.existing(app.db, req, RESOURCE, write=True)
    if not app.db.delete("remotes", remote["id"], foreign_key=_still_referenced):
        raise ApiError(E_NOT_FOUND, "remote connection not found")
    return no_content()
