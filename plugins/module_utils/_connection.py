# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""The connection layer: the common connection options of every module, how they are resolved
(task, environment, influx CLI profile, default; the environment variables in one table,
:data:`ENVIRONMENT`), the client factory, and the module factory,
which checks every number option of a module against its range, and whose modules hide echoed
secrets in and add the server's version to every result.

The argument spec here is mirrored one to one by the doc fragment
``influxops.influxdb2._connection``.
"""

from __future__ import annotations

import os
import ssl

from collections import namedtuple

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE

from ansible_collections.influxops.influxdb2.plugins.module_utils._client import MAX_RETRY_DELAY, InfluxDBClient
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import OptionError
from ansible_collections.influxops.influxdb2.plugins.module_utils._options import OPTION_RANGES, ArgumentSpec
from ansible_collections.influxops.influxdb2.plugins.module_utils._profiles import Profiles
from ansible_collections.influxops.influxdb2.plugins.module_utils._validators import (
    Range,
    check_http_url,
    check_id,
    check_name,
    check_numbers,
    check_token,
)


DEFAULT_HOST = 'http://localhost:8086'
DEFAULT_TIMEOUT, MAX_TIMEOUT = 10.0, 3600
MAX_RETRIES = 20

# The range of every number option, by name: the connection options', then the resources'
# (see OPTION_RANGES). create_module checks every number option of a module against it.
NUMBER_RANGES = dict(
    timeout=Range(0, MAX_TIMEOUT, above=True, note='seconds for each request'),
    retries=Range(0, MAX_RETRIES, note='0 turns retries off'),
    retry_backoff=Range(0, int(MAX_RETRY_DELAY), note='seconds; no wait between retries is longer than %d' % MAX_RETRY_DELAY),
    **OPTION_RANGES
)


def _text(text, variable):
    return text


def _verify_unless_skipped(text, variable):
    """``validate_certs`` from ``INFLUX_SKIP_VERIFY``, read as the influx CLI reads ``--skip-verify``."""
    value = text.strip().lower()
    if value in BOOLEANS_TRUE:
        return False
    if value in BOOLEANS_FALSE:
        return True
    raise OptionError('%s must be a boolean such as true or false, got %r' % (variable, text))


# The environment variable of each connection option (the influx CLI's names) and how its text is
# read, for resolve_connection alone: a variable is read only when the task does not set the
# option, and one that is empty or only white space counts as unset. After it come the influx CLI
# profile and the default (see resolve_connection); the doc fragment names each variable.
FromEnvironment = namedtuple('FromEnvironment', 'variable read')
ENVIRONMENT = dict(
    host=FromEnvironment('INFLUX_HOST', _text),
    token=FromEnvironment('INFLUX_TOKEN', _text),
    org_id=FromEnvironment('INFLUX_ORG_ID', _text),
    org=FromEnvironment('INFLUX_ORG', _text),
    validate_certs=FromEnvironment('INFLUX_SKIP_VERIFY', _verify_unless_skipped),
    trace_span=FromEnvironment('INFLUX_TRACE_SPAN', _text),
    influx_config=FromEnvironment('INFLUX_ACTIVE_CONFIG', _text),
)


def common_argument_spec():
    """Return a fresh copy of the connection options shared by every module, and the rules between them."""
    return ArgumentSpec(dict(
        host=dict(type='str'),
        token=dict(type='str', no_log=True),
        org=dict(type='str'),
        org_id=dict(type='str'),
        validate_certs=dict(type='bool'),
        ca_path=dict(type='path'),
        timeout=dict(type='float', default=DEFAULT_TIMEOUT),
        retries=dict(type='int', default=3),
        retry_backoff=dict(type='float', default=1.0),
        client_cert=dict(type='path'),
        client_key=dict(type='path', no_log=False),
        influx_config=dict(type='str'),
        trace_span=dict(type='str'),
    ), required_by=dict(client_key=['client_cert']))


class Connection:
    """The resolved connection settings of a task."""

    def __init__(self, host, token, org, org_id, validate_certs, ca_path, timeout, retries=0, retry_backoff=1.0,
                 client_cert=None, client_key=None, trace_span=None):
        self.host = host
        self.token = token
        self.org = org
        self.org_id = org_id
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = timeout
        self.retries = retries
        self.retry_backoff = retry_backoff
        self.client_cert = client_cert
        self.client_key = client_key
        self.trace_span = trace_span

    def client(self, module, secrets=()):
        """An :class:`InfluxDBClient` for these settings that warns through ``module``.

        The token and ``secrets`` (such as remote tokens in request bodies), as they are sent,
        join ``module.no_log_values`` and the client's own hiding, whatever source they came from;
        the module hides them as the client does in everything it reports, and reports the version
        that the client's answers give (see :class:`InfluxModule`).
        """
        client = InfluxDBClient(self.host, self.token, validate_certs=self.validate_certs, ca_path=self.ca_path,
                                timeout=self.timeout, client_cert=self.client_cert, client_key=self.client_key,
                                retries=self.retries, retry_backoff=self.retry_backoff, warn=module.warn,
                                trace_span=self.trace_span)
        for secret in (self.token,) + tuple(secrets):
            if secret:
                client.add_secret(secret)
                module.no_log_values.add(secret)
        module.influxdb_client = client
        return client


def _given(value):
    """``value``, or None when it is unset, empty or only white space (then the next source is used)."""
    return value if value is not None and value.strip() else None


def from_environment(option, environ):
    """The value of ``option`` from its variable in :data:`ENVIRONMENT`; None when that is unset, empty or blank."""
    source = ENVIRONMENT[option]
    text = _given(environ.get(source.variable))
    return None if text is None else source.read(text, source.variable)


def _first_given(*sources):
    """``(value, where)`` of the first source whose value is given, or ``(None, None)``.

    Each source is ``(value, where)``; either may be a callable, called only when it is reached,
    so that a profile file is read only when nothing before it gives a value.
    """
    for value, where in sources:
        value = _given(value() if callable(value) else value)
        if value is not None:
            return value, where() if callable(where) else where
    return None, None


def _check_file(path, option):
    if path is not None and not os.access(path, os.R_OK):
        problem = 'does not exist' if not os.path.exists(path) else 'cannot be read'
        raise OptionError('%s: the file %s %s' % (option, path, problem))
    if path is not None and not os.path.isfile(path):
        raise OptionError('%s: %s is not a file' % (option, path))
    return path


def _ssl_reason(exc):
    return getattr(exc, 'reason', None) or getattr(exc, 'strerror', None) or exc.__class__.__name__


def check_tls_files(ca_path, client_cert, client_key):
    """Check that the TLS files exist and hold what their option needs, before any request.

    The checks load each file as the request will: ``ca_path`` as CA certificates,
    ``client_cert`` (with ``client_key``, else the key in the same file) as a certificate and its
    private key. An encrypted key cannot be used (nothing could ask for its password).
    """
    for path, option in ((ca_path, 'ca_path'), (client_cert, 'client_cert'), (client_key, 'client_key')):
        _check_file(path, option)
    if ca_path is not None:
        try:
            ssl.create_default_context(cafile=ca_path)
        except (ssl.SSLError, OSError, ValueError) as exc:
            raise OptionError('ca_path: the file %s holds no PEM CA certificate (%s); ca_path must be a PEM file of the '
                              'certificates that signed the server\'s certificate' % (ca_path, _ssl_reason(exc)))
    if client_cert is None:
        return
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=client_cert)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise OptionError('client_cert: the file %s holds no PEM certificate (%s)' % (client_cert, _ssl_reason(exc)))
    asked = []

    def password():
        asked.append(True)
        return b''
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(client_cert, keyfile=client_key, password=password)
    except (ssl.SSLError, OSError, ValueError) as exc:
        if asked:
            problem = 'the private key is encrypted, and an encrypted key cannot be used: store it without a passphrase'
        elif client_key is None:
            problem = 'it holds no private key that matches the certificate: set client_key to the key file'
        else:
            problem = 'it is not a PEM private key that matches client_cert %s (%s)' % (client_cert, _ssl_reason(exc))
        option, path = ('client_cert', client_cert) if client_key is None else ('client_key', client_key)
        raise OptionError('%s: the file %s: %s' % (option, path, problem))


def resolve_connection(params, environ=None, org_required=True):
    """Turn the module parameters into a :class:`Connection`, or raise :class:`OptionError`.

    Each setting comes from the task, else its environment variable (see :data:`ENVIRONMENT`),
    else the influx CLI profile, else the default, as with the influx CLI. An empty or blank
    ``host`` or ``token`` in the task counts as unset. The org comes from ``INFLUX_ORG_ID`` then
    ``INFLUX_ORG`` only when the task sets neither ``org`` nor ``org_id``. The profile is read only
    when a setting is still missing. The numbers (``timeout``, ``retries``, ``retry_backoff``) and
    the rules between options (such as ``client_key`` needs ``client_cert``) were checked by
    :func:`create_module`.
    """
    environ = os.environ if environ is None else environ
    profiles = Profiles(params.get('influx_config') or from_environment('influx_config', environ), environ)

    host = _given(params.get('host')) or from_environment('host', environ) or profiles.get('url') or DEFAULT_HOST
    host = check_http_url(host, 'host', base=True)

    token_variable = ENVIRONMENT['token'].variable
    token, token_source = _first_given((params.get('token'), 'token'),
                                       (from_environment('token', environ), 'token (from %s)' % token_variable),
                                       (lambda: profiles.get('token'), lambda: 'the token of %s' % profiles.describe()))
    if not token:
        raise OptionError('token is required: set the token option, the %s environment variable (it is %s), or a token in %s'
                          % (token_variable, 'set but empty' if token_variable in environ else 'unset', profiles.describe()))
    token = check_token(token, token_source)

    # By hand, not as AnsibleModule's mutually_exclusive and required_one_of: when the task sets
    # neither, the environment or the profile decides, and the message of both says how to cancel
    # the one that module_defaults set.
    org, org_id = params.get('org'), params.get('org_id')
    if org is not None and org_id is not None:
        raise OptionError('parameters are mutually exclusive: org|org_id. Set only one of them; where one comes from '
                          'module_defaults, cancel it in the task with org_id: "{{ omit }}" (or org: "{{ omit }}")')
    if org is None and org_id is None:
        org_id = from_environment('org_id', environ)
        org = from_environment('org', environ) if org_id is None else None
        if org_id is None and org is None and org_required:
            org = profiles.get('org')
    if org_id is not None:
        org_id = check_id(org_id, 'org_id')
    elif org is not None:
        check_name(org, 'org')
    elif org_required:
        raise OptionError('one of org or org_id is required: set it in the task, in %s / %s, or in %s'
                          % (ENVIRONMENT['org_id'].variable, ENVIRONMENT['org'].variable, profiles.describe()))

    validate_certs = params.get('validate_certs')
    if validate_certs is None:
        validate_certs = from_environment('validate_certs', environ)
    if validate_certs is None:
        validate_certs = True

    ca_path, client_cert, client_key = params.get('ca_path'), params.get('client_cert'), params.get('client_key')
    check_tls_files(ca_path, client_cert, client_key)

    trace_span = params.get('trace_span')
    if trace_span is None:
        trace_span = from_environment('trace_span', environ)
    trace_span = trace_span or None
    if trace_span is not None and (trace_span.strip() != trace_span or any(ord(c) < 32 or ord(c) == 127 for c in trace_span)):
        raise OptionError('trace_span must be a header value without control characters or surrounding spaces, got %r' % trace_span)

    return Connection(host=host, token=token, org=org, org_id=org_id, validate_certs=validate_certs,
                      ca_path=ca_path, timeout=params['timeout'], retries=params.get('retries', 0),
                      retry_backoff=params.get('retry_backoff', 1.0),
                      client_cert=client_cert, client_key=client_key, trace_span=trace_span)


class InfluxModule(AnsibleModule):
    """An AnsibleModule for the client that :meth:`Connection.client` gives it (``influxdb_client``).

    Every result, success or failure, has ``server_version``: the version that the client's answers
    reported (``X-Influxdb-Version``), ``None`` when none did. Its warnings and results have the
    client's secrets hidden in every form a server may have echoed them in (Ansible's
    ``no_log_values`` hide them only as they are): its results hold what servers answered, such as
    a description or a replication's last error.

    ``secret_keys`` are the result keys that return a secret that the task created (such as the token
    of a new authorization), and the only ones where it shows. Such a secret joins the client's secrets
    (:meth:`InfluxDBClient.add_secret`), so that it is hidden in every other key, every warning and
    every message, in every form; these keys alone are not hidden by the client. It does not join
    ``no_log_values``: Ansible would hide it in these keys as well, and it needs no other hiding from
    Ansible, since it never is a module argument. Every secret in ``no_log_values`` (the connecting
    token) is still hidden in these keys.
    """

    influxdb_client: InfluxDBClient | None = None
    secret_keys: tuple[str, ...] = ()

    def _reported(self, value):
        client = self.influxdb_client
        return client.secrets.hide_in(value) if client is not None else value

    def _result(self, result):
        result.setdefault('server_version', self.influxdb_client.server_version if self.influxdb_client is not None else None)
        created = dict((key, result.pop(key)) for key in self.secret_keys if key in result)
        result = self._reported(result)
        result.update(created)
        return result

    def warn(self, warning, *args, **kwargs):
        super().warn(self._reported(warning), *args, **kwargs)

    def exit_json(self, **kwargs):
        super().exit_json(**self._result(kwargs))

    def fail_json(self, msg, **kwargs):
        super().fail_json(self._reported(msg), **self._result(kwargs))


def create_module(argument_spec, secret_keys=()):
    """The :class:`InfluxModule` of a task: the common connection options plus the :class:`ArgumentSpec`
    ``argument_spec``, with check mode; ``secret_keys`` are its result keys that return a secret that
    the task created (see :class:`InfluxModule`).

    ``AnsibleModule`` checks the rules of both (such as mutually exclusive options). Every number
    option, suboptions included, is checked against its range in :data:`NUMBER_RANGES` (else the
    range of its type) here, before the module does anything; the task fails on one out of range.
    """
    spec = common_argument_spec().merge(argument_spec)
    module = InfluxModule(supports_check_mode=True, **spec.module_kwargs())
    module.secret_keys = tuple(secret_keys)
    try:
        check_numbers(module.params, spec.argument_spec, NUMBER_RANGES)
    except OptionError as exc:
        fail(module, exc)
    return module


def fail(module, exc, **result):
    """Fail the task with an :class:`InfluxOpsError`, hiding its secrets wherever the result holds them; ``result``
    adds to what the error returns (such as the token of an authorization created before the failure)."""
    module.no_log_values.update(exc.secrets)
    module.fail_json(**dict(exc.fail_kwargs(), **result))
