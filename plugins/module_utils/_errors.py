# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Every error of the collection, and how each becomes the arguments of ``fail_json``.

A module catches :class:`InfluxOpsError` once and fails with ``exc.fail_kwargs()``, after adding
``exc.secrets`` to the values it hides. No message holds a secret.
"""

from __future__ import annotations

import typing as t


class InfluxOpsError(Exception):
    """The base of every error a module reports.

    ``secrets`` are texts that the module must hide wherever it reports anything (its
    invocation included), such as the user info of a URL that was refused.
    """

    def __init__(self, message, secrets=()):
        super().__init__(message)
        self.secrets = tuple(secret for secret in secrets if secret)

    def fail_kwargs(self):
        """Keyword arguments for ``module.fail_json``."""
        return dict(msg=str(self))


class OptionError(InfluxOpsError, ValueError):
    """A module option has a value that cannot be used. Raised before any write, mostly before any request."""


class MissingTokens(OptionError):
    """Remotes that do not exist and cannot be created without their token: ``names``, returned on failure as
    ``missing_remote_api_token`` so that a play can fetch the tokens and run the task again."""

    def __init__(self, message, names):
        super().__init__(message)
        self.names = list(names)

    @classmethod
    def joined(cls, errors):
        """One error for all of ``errors``."""
        return errors[0] if len(errors) == 1 else cls('; '.join(str(exc) for exc in errors), [name for exc in errors for name in exc.names])

    def fail_kwargs(self):
        return dict(msg=str(self), missing_remote_api_token=self.names)


class InfluxDBError(InfluxOpsError):
    """Any failure to talk to InfluxDB, with what a person needs to act on it.

    ``status`` is the HTTP status (``None`` when no answer came), ``code`` and
    ``api_message`` are InfluxDB's error ``code`` and ``message`` when the body had them.
    The message never holds a token: requests carry it only in a header, which is never shown,
    and the client hides tokens in every text it takes from elsewhere.

    ``retryable`` tells whether sending the request again may succeed; ``maybe_applied``
    whether the server may have acted on the request although no success came back (a
    timeout, a dropped connection, a gateway error): such a POST must not be sent blindly again.
    ``retry_after`` is the server's ``Retry-After`` in seconds, if it sent one. ``attempt`` is
    the number of the attempt that failed, from 0.
    """

    def __init__(self, message, method=None, url=None, status=None, code=None, api_message=None,
                 retryable=False, maybe_applied=False, retry_after=None):
        super().__init__(message)
        self.method = method
        self.url = url
        self.status = status
        self.code = code
        self.api_message = api_message
        self.retryable = retryable
        self.maybe_applied = maybe_applied
        self.retry_after = retry_after
        self.attempt = 0

    def reworded(self, message):
        """The same failure, told as ``message`` for a person who knows what the request was for."""
        error = InfluxDBError(message, self.method, self.url, self.status, self.code, self.api_message,
                              self.retryable, self.maybe_applied, self.retry_after)
        error.attempt = self.attempt
        return error

    def fail_kwargs(self):
        result: dict[str, t.Any] = dict(msg=str(self))
        if self.method:
            result['request'] = dict(method=self.method, url=self.url)
        if self.status is not None:
            result['http_status'] = self.status
        if self.code is not None:
            result['influxdb_code'] = self.code
        if self.api_message is not None:
            result['influxdb_message'] = self.api_message
        return result


class SetError(InfluxOpsError):
    """A write failed while converging a set; carries what was and was not done.

    ``done`` and ``not_done`` map ``created``/``updated``/``deleted`` (remotes), and
    ``replications_created``/``replications_updated``/``replications_deleted`` where the set has
    replications, to lists of names. ``kind`` is the kind of the resource whose write failed;
    ``message``, if given, tells the failure instead of ``error``.
    """

    def __init__(self, name, action, error, done, not_done, kind='remote', message=None):
        super().__init__('%s %r: %s failed, %s' % (kind, name, action, message or error))
        self.error = error
        self.done = done
        self.not_done = not_done

    def fail_kwargs(self):
        result = self.error.fail_kwargs()
        result.update(self.done)
        result.update(msg=str(self), not_done=self.not_done, changed=any(self.done.values()))
        return result


def remote_answered(code):
    """What the remote answered to a validation (the status ``code``, ``None`` when no answer came), in words."""
    return 'the remote answered %d' % code if code is not None else 'no answer came from the remote'


class ValidationError(InfluxOpsError):
    """The server refused to validate a replication: the remote did not accept an empty write.

    ``error`` is the :class:`InfluxDBError` of the validation request, ``remote_code`` the status
    the remote answered (``None`` when no answer came), ``result`` what the module returns besides
    (changed, the replication, its status and the diff: a write may have been made before).
    """

    def __init__(self, message, error, remote_code, result):
        super().__init__(message)
        self.error = error
        self.remote_code = remote_code
        self.result = result

    @property
    def answered(self):
        return remote_answered(self.remote_code)

    def fail_kwargs(self):
        result = self.error.fail_kwargs()
        result.update(self.result)
        result.update(msg=str(self), validated=False, remote_response_code=self.remote_code)
        return result
