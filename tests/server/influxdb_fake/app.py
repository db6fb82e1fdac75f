"""The server's state and the path of every request through it: fault rule, route, request log."""

import hmac
import sys
import traceback

from . import faults, hooks, routes
from .db import Database
from .wire import ACCESS_ALL, ACCESS_READ, E_INTERNAL, ApiError, error_response


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
    """What handlers see as app: the database, the orgs, the request log and the fault rules."""

    def __init__(self, token, orgs, db=None, read_only_token=None, log_file=None, verbose=False):
        self.token = token
        self.read_only_token = read_only_token
        self.orgs = orgs
        self.db = Database(db, routes.SCHEMAS)
        self.log = hooks.RequestLog(log_file, verbose)
        self.faults = faults.FaultRules()
        self.verbose = verbose

    def close(self):
        """Close the database."""
        self.db.close()

    def authenticate(self, header):
        """The access level the Authorization header's token gives, or None."""
        token = _get_token(header)
        if token is None:
            return None
        if hmac.compare_digest(token.encode("utf-8"), self.token.encode("utf-8")):
            return ACCESS_ALL
        if self.read_only_token is not None and hmac.compare_digest(token.encode("utf-8"), self.read_only_token.encode("utf-8")):
            return ACCESS_READ
        return None

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
