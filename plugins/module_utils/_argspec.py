# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Common connection options of every module, and how they are resolved.

The argument spec here is mirrored one to one by the doc fragment
``influxops.influxdb2._connection``.
"""

from __future__ import annotations

import os
import re

from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE

from ansible_collections.influxops.influxdb2.plugins.module_utils._client import InfluxDBClient
from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import OptionError
from ansible_collections.influxops.influxdb2.plugins.module_utils._profiles import Profiles


__all__ = ['COMMON_MUTUALLY_EXCLUSIVE', 'Connection', 'OptionError', 'check_http_url', 'check_id', 'check_name',
           'common_argument_spec', 'resolve_connection']

DEFAULT_HOST = 'http://localhost:8086'


ID_RE = re.compile(r'^[0-9a-fA-F]{16}$')


def common_argument_spec():
    """Return a fresh copy of the connection options shared by every module."""
    return dict(
        host=dict(type='str', fallback=(env_fallback, ['INFLUX_HOST'])),
        token=dict(type='str', no_log=True, fallback=(env_fallback, ['INFLUX_TOKEN'])),
        org=dict(type='str'),
        org_id=dict(type='str'),
        validate_certs=dict(type='bool'),
        ca_path=dict(type='path'),
        timeout=dict(type='float', default=10.0),
        retries=dict(type='int', default=3),
        retry_backoff=dict(type='float', default=1.0),
        client_cert=dict(type='path'),
        client_key=dict(type='path', no_log=False),
        influx_config=dict(type='str'),
        trace_span=dict(type='str', fallback=(env_fallback, ['INFLUX_TRACE_SPAN'])),
    )


COMMON_MUTUALLY_EXCLUSIVE = [('org', 'org_id')]


def check_id(value, option):
    """Check that ``value`` is an InfluxDB ID; return it lower-cased (as the server stores it)."""
    if not isinstance(value, str) or not ID_RE.match(value):
        raise OptionError('%s must be an InfluxDB ID of 16 hexadecimal characters, got %r' % (option, value))
    if int(value, 16) == 0:
        raise OptionError('%s must not be all zeros: %r is not a valid InfluxDB ID' % (option, value))
    return value.lower()


def _url_problem(value):
    try:
        parts = urlsplit(value)
        if parts.port is not None and not 0 < parts.port < 65536:
            return 'the port is out of range'
    except ValueError as exc:
        return str(exc)
    if parts.scheme.lower() not in ('http', 'https'):
        return 'the scheme must be http or https'
    if not parts.hostname:
        return 'it has no host'
    if any(c.isspace() for c in value):
        return 'it contains white space'
    return None


def check_http_url(value, option):
    """Check that ``value`` is an absolute http(s) URL with a host; return it unchanged."""
    problem = _url_problem(value) if isinstance(value, str) else 'it is not a string'
    if problem:
        raise OptionError('%s must be an absolute http:// or https:// URL with a host, got %r: %s' % (option, value, problem))
    return value


def check_name(value, option='name'):
    if value is None or not value.strip():
        raise OptionError('%s must not be empty or only white space' % option)
    return value


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

    def client(self, warn=None):
        """An :class:`InfluxDBClient` for these settings; ``warn`` receives a line for each retry."""
        return InfluxDBClient(self.host, self.token, validate_certs=self.validate_certs, ca_path=self.ca_path,
                              timeout=self.timeout, client_cert=self.client_cert, client_key=self.client_key,
                              retries=self.retries, retry_backoff=self.retry_backoff, warn=warn, trace_span=self.trace_span)


def _given(value):
    """``value``, or None when it is unset, empty or only white space (then the next source is used)."""
    return value if value is not None and value.strip() else None


def _check_file(path, option):
    if path is not None and not os.access(path, os.R_OK):
        problem = 'does not exist' if not os.path.exists(path) else 'cannot be read'
        raise OptionError('%s: the file %s %s' % (option, path, problem))
    return path


def resolve_connection(params, environ=None, org_required=True):
    """Turn the module parameters into a :class:`Connection`, or raise :class:`OptionError`.

    Each setting comes from the task, else the environment, else the influx CLI profile,
    else the default, as with the influx CLI. ``host`` and ``token`` fall back to the
    environment through the argument spec; the org to ``INFLUX_ORG_ID`` then ``INFLUX_ORG``,
    only when the task sets neither; ``validate_certs`` to the inverse of ``INFLUX_SKIP_VERIFY``.
    The profile is read only when a setting is still missing.
    """
    environ = os.environ if environ is None else environ
    profiles = Profiles(params.get('influx_config'), environ)

    host = _given(params.get('host')) or _given(environ.get('INFLUX_HOST')) or profiles.get('url') or DEFAULT_HOST
    host = check_http_url(host, 'host')

    token = _given(params.get('token')) or _given(environ.get('INFLUX_TOKEN')) or _given(profiles.get('token'))
    if not token:
        raise OptionError('token is required: set the token option, the INFLUX_TOKEN environment variable (it is %s), or a token in %s'
                          % ('set but empty' if 'INFLUX_TOKEN' in environ else 'unset', profiles.describe()))

    org, org_id = params.get('org'), params.get('org_id')
    if org is None and org_id is None:
        if environ.get('INFLUX_ORG_ID'):
            org_id = environ['INFLUX_ORG_ID']
        elif environ.get('INFLUX_ORG'):
            org = environ['INFLUX_ORG']
        elif org_required:
            org = profiles.get('org')
    if org_id is not None:
        org_id = check_id(org_id, 'org_id')
    elif org is not None:
        check_name(org, 'org')
    elif org_required:
        raise OptionError('one of org or org_id is required: set it in the task, in INFLUX_ORG_ID / INFLUX_ORG, or in %s'
                          % profiles.describe())

    validate_certs = params.get('validate_certs')
    if validate_certs is None:
        skip = environ.get('INFLUX_SKIP_VERIFY', '')
        if skip.strip().lower() in BOOLEANS_TRUE:
            validate_certs = False
        elif not skip.strip() or skip.strip().lower() in BOOLEANS_FALSE:
            validate_certs = True
        else:
            raise OptionError('INFLUX_SKIP_VERIFY must be a boolean such as true or false, got %r' % skip)

    timeout = params['timeout']
    if timeout is None or timeout <= 0:
        raise OptionError('timeout must be a number of seconds greater than 0, got %r' % timeout)
    retries = params.get('retries', 0)
    if retries is None or retries < 0:
        raise OptionError('retries must be 0 or more, got %r' % retries)
    retry_backoff = params.get('retry_backoff', 1.0)
    if retry_backoff is None or retry_backoff < 0:
        raise OptionError('retry_backoff must be a number of seconds, 0 or more, got %r' % retry_backoff)
    if params.get('client_key') is not None and params.get('client_cert') is None:
        raise OptionError('client_key needs client_cert: set client_cert to the certificate that goes with the key')
    ca_path = _check_file(params.get('ca_path'), 'ca_path')
    client_cert = _check_file(params.get('client_cert'), 'client_cert')
    client_key = _check_file(params.get('client_key'), 'client_key')

    trace_span = params.get('trace_span') or None
    if trace_span is not None and (trace_span.strip() != trace_span or any(ord(c) < 32 or ord(c) == 127 for c in trace_span)):
        raise OptionError('trace_span must be a header value without control characters or surrounding spaces, got %r' % trace_span)

    return Connection(host=host, token=token, org=org, org_id=org_id, validate_certs=validate_certs,
                      ca_path=ca_path, timeout=timeout, retries=retries, retry_backoff=retry_backoff,
                      client_cert=client_cert, client_key=client_key, trace_span=trace_span)
