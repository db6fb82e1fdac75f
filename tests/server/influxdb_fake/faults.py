"""Fault rules (test interface): make chosen requests fail as networks, proxies and busy servers do.

Everything about faults is here: the rule checks, the thread-safe list of
active rules, how a rule changes the handling of a request (apply), and the
/_test/faults endpoints. The request pipeline (app.App.handle) only asks
take() for a rule and hands the request to apply().
"""

import json
import re
import threading
import time
from http import HTTPStatus

from .wire import (E_CONFLICT, E_FORBIDDEN, E_INTERNAL, E_INVALID, E_METHOD_NOT_ALLOWED, E_NOT_FOUND, E_NOT_IMPLEMENTED,
                   E_TOO_LARGE, E_TOO_MANY_REQUESTS, E_UNAUTHORIZED, E_UNAVAILABLE, E_UNPROCESSABLE, JSON_CONTENT_TYPE,
                   TEXT_CONTENT_TYPE, ApiError, Response, json_response, no_content, pretty_json)

FIELDS = ("method", "path", "count", "status", "body", "content_type", "headers", "delay", "drop", "after")
MAX_DELAY = 300
_METHOD_NAME = re.compile(r"^[A-Za-z]+$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_RESERVED_HEADERS = ("content-length", "content-type", "transfer-encoding", "connection")

# The InfluxDB error code a fault answer carries for a status.
CODES = {
    400: E_INVALID, 401: E_UNAUTHORIZED, 403: E_FORBIDDEN, 404: E_NOT_FOUND, 405: E_METHOD_NOT_ALLOWED,
    409: E_CONFLICT, 413: E_TOO_LARGE, 422: E_UNPROCESSABLE, 429: E_TOO_MANY_REQUESTS, 500: E_INTERNAL,
    501: E_NOT_IMPLEMENTED, 502: E_UNAVAILABLE, 503: E_UNAVAILABLE, 504: E_UNAVAILABLE,
}


def _invalid(message):
    return ApiError(E_INVALID, "fault rule: " + message)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_text(name, value):
    """A string without line breaks (it may end up in a header), or None."""
    if value is None:
        return None
    if not isinstance(value, str) or "\r" in value or "\n" in value:
        raise _invalid("%s must be a string without line breaks" % name)
    return value


def _check_headers(value):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid("headers must be an object of header names to strings")
    for name, item in value.items():
        if not _HEADER_NAME.match(name):
            raise _invalid("%r is not a valid header name" % name)
        if name.lower() in _RESERVED_HEADERS:
            raise _invalid("the %s header cannot be set (use content_type for the type)" % name)
        _check_text("the value of header %s" % name, item)
        if item is None:
            raise _invalid("the value of header %s must be a string" % name)
    return dict(value)


def parse_rule(value):
    """Check one fault rule (decoded JSON) and return it with every field set.

    Raises ApiError (400) with a message naming the field at fault.
    """
    if not isinstance(value, dict):
        raise _invalid("expected a JSON object")
    unknown = sorted(set(value) - set(FIELDS))
    if unknown:
        raise _invalid("unknown field(s) %s; known: %s" % (", ".join(unknown), ", ".join(FIELDS)))
    method = value.get("method")
    if method is not None:
        if not isinstance(method, str) or not _METHOD_NAME.match(method):
            raise _invalid("method must be an HTTP method name or null (any)")
        method = method.upper()
    path = value.get("path")
    if path is not None and (not isinstance(path, str) or not path.startswith("/")):
        raise _invalid("path must be a string that starts with / or null (any)")
    count = value.get("count")
    if count is None:
        count = 1
    if not _is_int(count) or count < 1:
        raise _invalid("count must be a positive integer")
    status = value.get("status")
    if status is not None and (not _is_int(status) or not 200 <= status <= 599):
        raise _invalid("status must be an integer from 200 to 599")
    body = value.get("body")
    if body is not None and not isinstance(body, str):
        raise _invalid("body must be a string")
    content_type = _check_text("content_type", value.get("content_type"))
    headers = _check_headers(value.get("headers"))
    delay = value.get("delay")
    if delay is None:
        delay = 0
    if not _is_number(delay) or not 0 <= delay <= MAX_DELAY:
        raise _invalid("delay must be a number of seconds from 0 to %d" % MAX_DELAY)
    rule = {"method": method, "path": path, "count": count, "status": status, "body": body,
            "content_type": content_type, "headers": headers, "delay": delay}
    for flag in ("drop", "after"):
        rule[flag] = value.get(flag)
        if rule[flag] is None:
            rule[flag] = False
        if not isinstance(rule[flag], bool):
            raise _invalid("%s must be true or false" % flag)
    if rule["drop"] and (status is not None or body is not None or content_type is not None or headers):
        raise _invalid("drop sends no answer, so status, body, content_type and headers cannot be set")
    if status is None and (body is not None or content_type is not None):
        raise _invalid("body and content_type need a status")
    if status is None and not rule["drop"] and not delay and not headers:
        raise _invalid("set at least one of status, drop, delay or headers")
    return rule


def _path_matches(pattern, path):
    """Exact match ignoring trailing slashes, or a prefix match when pattern ends with *."""
    if pattern is None:
        return True
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return (pattern.rstrip("/") or "/") == (path.rstrip("/") or "/")


class FaultRules:
    """The active fault rules, in order; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []

    def add(self, rules):
        """Append checked rules (all or none)."""
        with self.lock:
            self.rules.extend(dict(rule) for rule in rules)

    def snapshot(self):
        """Copies of the active rules with their remaining counts."""
        with self.lock:
            return [dict(rule, headers=dict(rule["headers"])) for rule in self.rules]

    def clear(self):
        """Remove every rule."""
        with self.lock:
            self.rules = []

    def take(self, method, path):
        """Return (a copy of) the first rule matching the request and use up one of its count, or None."""
        with self.lock:
            for index, rule in enumerate(self.rules):
                if rule["method"] not in (None, method) or not _path_matches(rule["path"], path):
                    continue
                rule["count"] -= 1
                if rule["count"] <= 0:
                    del self.rules[index]
                return dict(rule)
        return None


def _made_up_answer(rule):
    """The answer a rule with a status sends instead of the real one."""
    status = rule["status"]
    headers = list(rule["headers"].items())
    if rule["body"] is not None:
        content_type = rule["content_type"]
        if content_type is None:
            try:
                json.loads(rule["body"])
                content_type = JSON_CONTENT_TYPE
            except ValueError:
                content_type = TEXT_CONTENT_TYPE
        return Response(status, rule["body"].encode("utf-8"), content_type, headers)
    if status < 400:
        return Response(status, None if status == 204 else b"", rule["content_type"], headers)
    code = CODES.get(status, E_INTERNAL if status >= 500 else E_INVALID)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "status %d" % status
    body = pretty_json({"code": code, "message": "injected fault: %d %s" % (status, phrase)})
    return Response(status, body, rule["content_type"] or JSON_CONTENT_TYPE, [("X-Platform-Error-Code", code)] + headers)


def apply(rule, answer):
    """Handle a request hit by rule; answer() gives the real answer. Returns the Response to send.

    The delay comes first; with "after" the request is handled first (its
    effect is committed) and the delay and the fault follow. "drop" gives a
    Response with status None (close without answering), a status a made-up
    answer, and headers alone are added to the real answer.
    """
    if rule["delay"] and not rule["after"]:
        time.sleep(rule["delay"])
    response = None
    if rule["after"] or (rule["status"] is None and not rule["drop"]):
        response = answer()
        if rule["delay"] and rule["after"]:
            time.sleep(rule["delay"])
    if rule["drop"]:
        return Response(None)
    if rule["status"] is not None:
        return _made_up_answer(rule)
    response.headers.extend(rule["headers"].items())
    return response


# -- /_test/faults ------------------------------------------------------------------------------

def list_faults(app, _req):
    """GET /_test/faults: the active rules in order, with their remaining counts."""
    return json_response(200, app.faults.snapshot())


def add_faults(app, req):
    """POST /_test/faults: one rule or a list of them; nothing is added unless every rule is valid."""
    try:
        value = json.loads(req.body.decode("utf-8"))
    except ValueError:
        raise _invalid("the body must be a JSON object or a list of them") from None
    many = isinstance(value, list)
    rules = [parse_rule(item) for item in (value if many else [value])]
    answer = [dict(rule) for rule in rules]
    app.faults.add(rules)
    return json_response(201, answer if many else answer[0])


def clear_faults(app, _req):
    """DELETE /_test/faults: remove every rule."""
    app.faults.clear()
    return no_content()
