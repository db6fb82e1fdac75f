"""The server's state and the path of every request through it: fault rule, route, request log."""

import sys
import traceback

from . import authorizations, buckets, faults, hooks, routes
from .authorizations import ACCESS_ALL, ACCESS_READ, ACCESS_WRITE
from .db import Database
from .replicate import DEFAULT_RETRY_FIRST, DEFAULT_RETRY_MAX, Replicator
from .wire import DEFAULT_VERSION, E_INTERNAL, ApiError, error_response, parse_version
from .write import Points


def _get_token(header):
    """Extract the token like upstream's GetToken: "Token " or "Bearer ", any case."""
    if not header:
        return None
    if len(header) >= 6 and header[:6].lower() == "token ":
        return header[6:]
    if len(header) > 7 and header[:7].lower() == "bearer ":
        return header[7:]
    return None


class App:
    """What handlers see as app: the version it plays (version as given, version_info as (major, minor, patch)),
    whether it keeps tokens (plain_tokens, as before 2.8) or only their hashes, the database, the orgs, the points,
    the replication queues, the request log and the fault rules.

    The tokens of the command line are authorizations of the user admin in
    the first org: the operator token (what `influx setup` makes), the
    read-only token and the write tokens. With --db, those already stored
    stay as they are.
    """

    def __init__(self, token, orgs, db=None, read_only_token=None, log_file=None, verbose=False, write_tokens=(),
                 retry_first=DEFAULT_RETRY_FIRST, retry_max=DEFAULT_RETRY_MAX, version=DEFAULT_VERSION, plain_tokens=False):
        self.version = version
        self.version_info = parse_version(version)
        self.plain_tokens = plain_tokens
        self.orgs = orgs
        self.db = Database(db, routes.SCHEMAS)
        given = [(token, ACCESS_ALL, authorizations.OPERATOR_TOKEN_DESCRIPTION), (read_only_token, ACCESS_READ, None)]
        for known, access, description in given + [(write, ACCESS_WRITE, None) for write in write_tokens]:
            if known is not None and authorizations.find_by_token(self.db, known) is None:
                authorizations.set_token(self, known, access, description)
        self.log = hooks.RequestLog(log_file, verbose)
        self.faults = faults.FaultRules()
        self.points = Points()
        self.replicator = Replicator(self.db, retry_first, retry_max, version)
        self.replicator.open()
        for org in orgs:
            buckets.create_system_buckets(self, org["id"])
        self.verbose = verbose

    def close(self):
        """Stop the replication workers, then close the database."""
        self.replicator.close()
        self.db.close()

    def authenticate(self, header):
        """The authorization of the Authorization header's token, or None."""
        token = _get_token(header)
        return None if token is None else authorizations.find_by_token(self.db, token)

    def handle(self, req):
        """Answer one request; a Response with status None means: close the connection without answering.

        The test interface is answered directly. Any other request first
        meets the fault rules (before authentication), is then routed and is
        finally recorded in the request log.
        """
        if routes.is_test_path(req.path):
            return self._answer(req)
        rule = self.faults.take(req.method, req.path)
        if rule is None:
            response = self._answer(req)
        else:
            response = faults.apply(rule, lambda: self._answer(req))
        self.log.record(req, response.status, fault=rule is not None)
        return response

    def _answer(self, req):
        try:
            return routes.dispatch(self, req)
        except ApiError as exc:
            return error_response(exc)
        except Exception:  # pylint: disable=broad-except
            traceback.print_exc(file=sys.stderr)
            return error_response(ApiError(E_INTERNAL, "a panic has occurred"))
