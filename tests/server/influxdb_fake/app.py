"""The server's state and the path of every request through it: fault rule, route, request log."""

import hmac
import sys
import threading
import traceback

from . import buckets, faults, hooks, routes
from .db import Database
from .replicate import DEFAULT_RETRY_FIRST, DEFAULT_RETRY_MAX, Replicator
from .wire import ACCESS_ALL, ACCESS_READ, ACCESS_WRITE, DEFAULT_VERSION, E_INTERNAL, ApiError, error_response, parse_version
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
    the database, the orgs, the tokens, the points, the replication queues, the request log and the fault rules."""

    def __init__(self, token, orgs, db=None, read_only_token=None, log_file=None, verbose=False, write_tokens=(),
                 retry_first=DEFAULT_RETRY_FIRST, retry_max=DEFAULT_RETRY_MAX, version=DEFAULT_VERSION):
        self.version = version
        self.version_info = parse_version(version)
        self.orgs = orgs
        self.tokens_lock = threading.Lock()
        self.tokens = {token: ACCESS_ALL}
        if read_only_token is not None:
            self.tokens[read_only_token] = ACCESS_READ
        for write_token in write_tokens:
            self.tokens[write_token] = ACCESS_WRITE
        self.db = Database(db, routes.SCHEMAS)
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
        """The access level the Authorization header's token gives, or None."""
        token = _get_token(header)
        if token is None:
            return None
        found = None
        with self.tokens_lock:
            for known, access in self.tokens.items():
                if hmac.compare_digest(token.encode("utf-8"), known.encode("utf-8")):
                    found = access
        return found

    def set_token(self, token, access):
        """Add a token (or change its access); access None revokes it. True when the token was known."""
        with self.tokens_lock:
            known = token in self.tokens
            if access is None:
                self.tokens.pop(token, None)
            else:
                self.tokens[token] = access
        return known

    def token_list(self):
        """(token, access) pairs."""
        with self.tokens_lock:
            return list(self.tokens.items())

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
