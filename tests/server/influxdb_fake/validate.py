"""The request checks every API resource uses, in upstream's order.

A resource describes its fields once (a Field table in a Resource); from it
come the Go request structs for create and update, the defaults, the value
checks and the mapping to SQLite columns. The helpers below then run the
checks as upstream's handlers and authorizer do:

- creation (POST): decode the body, fill in defaults, check values, then
  the org ID and the write permission on the org's collection;
- existing (GET, PATCH, DELETE of /{id}): parse the ID, decode and check
  the body (PATCH), load the item (404), then the permission to read (or
  write) the item.

Lists keep what the token may read (list_readable).
"""

from .decode import Struct, decode_struct
from .permissions import authorize, permitted
from .wire import E_INVALID, ApiError, parse_id, try_parse_id


class Field:
    """One field of a resource's request structs.

    kind is "string", "bool", "int64" or "id"; column is its SQLite column.
    fixed fields are set at creation only (not in the update struct);
    nullable ones are pointers in the create struct too (in the update
    struct every field is a pointer). default is stored when a create
    request leaves the field out; check(value) raises ApiError for a value
    upstream refuses.
    """

    def __init__(self, name, kind, column, fixed=False, nullable=False, default=None, check=None):
        self.name = name
        self.kind = kind
        self.column = column
        self.fixed = fixed
        self.nullable = nullable
        self.default = default
        self.check = check


class Resource:
    """What the checks need to know about one API resource.

    name is its path segment and permission type ("remotes"); struct names
    the Go structs (Create<struct>Request, Update<struct>Request); load(db,
    id) returns an item in API form or raises the resource's 404; id_error
    is the message for a malformed ID in the path.
    """

    def __init__(self, name, struct, fields, load, id_error):
        self.name = name
        self.fields = fields
        self.load = load
        self.id_error = id_error
        self.create = Struct("Create%sRequest" % struct, {field.name: (field.kind, field.nullable) for field in fields})
        self.update = Struct("Update%sRequest" % struct, {field.name: (field.kind, True) for field in fields if not field.fixed})

    def columns(self, values):
        """Map decoded request values to SQLite columns; None (null or unset) is left out."""
        return {field.column: values[field.name] for field in self.fields if values.get(field.name) is not None}

    def check_values(self, values):
        """Run the value checks of the fields that are set."""
        for field in self.fields:
            if field.check is not None and values.get(field.name) is not None:
                field.check(values[field.name])


def list_readable(req, resource, items):
    """The items (API form) the token may read; None when there were none at all, [] when it may read none of them
    (Go's filter of a nil slice stays nil, of any other an empty slice)."""
    if not items:
        return None
    return [item for item in items if permitted(req, "read", resource.name, item["id"], item["orgID"])]


def path_id(req, error=None):
    """The {id} of the path; a malformed one is 400 with error (or the ID parser's own message)."""
    if error is None:
        return parse_id(req.params["id"])
    value = try_parse_id(req.params["id"])
    if value is None:
        raise ApiError(E_INVALID, error)
    return value


def query_id(req, name, error=None, required=False):
    """An ID from the query string, or None when it is absent (or, without error, malformed)."""
    text = req.arg(name)
    if not text and not required:
        return None
    value = try_parse_id(text)
    if value is None and error is not None:
        raise ApiError(E_INVALID, error)
    return value


def creation(req, resource):
    """Check a POST that creates an item; return the decoded values with defaults filled in."""
    values = decode_struct(req.body, resource.create)
    for field in resource.fields:
        if field.default is not None:
            values.setdefault(field.name, field.default)
    resource.check_values(values)
    org_id = values.get("orgID")
    if org_id is None:
        raise ApiError(E_INVALID, "invalid org id for permission: invalid ID")
    authorize(req, "write", resource.name, org_id=org_id)
    return values


def existing(db, req, resource, body=False, write=False):
    """Check a request on /{id}; return (the item in API form, the decoded body or None).

    The item is loaded before the token's right to read (or write) it is checked, so a token learns that an ID
    does not exist (404) before that it may not read it (401).
    """
    item_id = path_id(req, resource.id_error)
    values = None
    if body:
        values = decode_struct(req.body, resource.update)
        resource.check_values(values)
    item = resource.load(db, item_id)
    authorize(req, "write" if write else "read", resource.name, item_id, item["orgID"])
    return item, values
