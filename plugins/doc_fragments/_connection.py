# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This doc fragment is PRIVATE to the collection. It mirrors
# plugins/module_utils/_connection.py and may change without notice.

from __future__ import annotations


class ModuleDocFragment:

    DOCUMENTATION = r"""
options:
  host:
    description:
      - Base URL of the InfluxDB OSS 2.x server, as an absolute C(http) or C(https) URL with scheme, host,
        optional port and optional path prefix (for an InfluxDB behind a reverse proxy under a path,
        such as V(https://gateway.example.com/influxdb)). A trailing slash is accepted.
      - A query string, a fragment or user info (C(user:password@)) is refused before any request;
        the message never shows a value with user info.
      - If not set in the task (or empty), the value of the E(INFLUX_HOST) environment variable is used, then the
        C(url) of the influx CLI profile (see O(influx_config)), then V(http://localhost:8086).
    type: str
  token:
    description:
      - "API token used to authenticate, sent in the C(Authorization: Token ...) header."
      - If not set in the task (or empty), the value of the E(INFLUX_TOKEN) environment variable is used,
        then the C(token) of the influx CLI profile (see O(influx_config)). One of them is required.
      - White space around the token (such as the new line at the end of a vaulted or block-scalar
        value) is removed. A token that still holds white space, a control character or a character
        outside ASCII is refused before any request; the message names the option, never the value.
      - The token is never logged or returned.
    type: str
  org:
    description:
      - Name of the organization. It is resolved to an ID with one request.
      - Mutually exclusive with O(org_id), also when one of them comes from C(module_defaults). A task
        that sets O(org) while C(module_defaults) set O(org_id) cancels that with C(org_id) set to C("{{ omit }}").
      - When neither O(org) nor O(org_id) is set in the task, E(INFLUX_ORG_ID) is used,
        then E(INFLUX_ORG), then the C(org) of the influx CLI profile (see O(influx_config)).
    type: str
  org_id:
    description:
      - ID of the organization (16 hexadecimal characters).
      - Mutually exclusive with O(org) (see there for C(module_defaults)). Saves the request that resolves an org name.
      - When neither O(org) nor O(org_id) is set in the task, E(INFLUX_ORG_ID) is used,
        then E(INFLUX_ORG).
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificate of O(host).
      - When not set in the task, E(INFLUX_SKIP_VERIFY) is honoured like the influx CLI does
        (V(true), V(1) or V(yes) there means do not verify); otherwise the default is V(true).
      - Set to V(false) only for servers with self-signed certificates that you trust;
        prefer O(ca_path).
    type: bool
  ca_path:
    description:
      - Path to a PEM file with the CA certificate(s) that signed the certificate of O(host).
      - This file, O(client_cert) and O(client_key) are loaded before any request; a file that cannot
        serve its option fails the task with a message that names the option and the file.
    type: path
  timeout:
    description:
      - Timeout in seconds for each HTTP request.
      - A number greater than V(0) and at most V(3600).
    type: float
    default: 10
  retries:
    description:
      - How many times to send a request again after a failure that may pass, such as a refused
        or lost connection, a timeout, or an answer of HTTP 429, 502, 503 or 504.
      - Each retry is reported as a warning.
      - A request to create a remote is never sent again blindly. When the server may have
        created it (timeout, lost connection, gateway error), the remote is first read back by
        name, and created again only if it is still absent.
      - From V(0) to V(20). V(0) disables retries.
    type: int
    default: 3
  retry_backoff:
    description:
      - Seconds to wait before the first retry; the wait doubles with each further retry.
      - A C(Retry-After) header from the server (seconds or an HTTP date) is honoured instead.
      - No wait is longer than 60 seconds, so the value is a number from V(0) to V(60).
    type: float
    default: 1.0
  client_cert:
    description:
      - Path to a PEM file with a client certificate, for servers behind a proxy that asks for mutual TLS.
      - It may hold the private key too; otherwise set O(client_key).
    type: path
  client_key:
    description:
      - Path to the PEM file with the private key of O(client_cert), which it requires.
    type: path
  influx_config:
    description:
      - Name of the influx CLI connection profile to fall back on for O(host), O(token) and O(org)
        when neither the task nor the environment sets them, as the influx CLI does
        (task option, then environment variable, then profile, then default).
      - If not set, E(INFLUX_ACTIVE_CONFIG) names the profile; otherwise the profile marked C(active) is used, if any.
      - Profiles are read from E(INFLUX_CONFIGS_PATH), by default C(~/.influxdbv2/configs) of the user that runs
        the module, and only when a setting is missing. A missing file is an error only when a profile is named;
        a file that cannot be parsed is an error when it is needed.
      - Python 3.11 and newer read any TOML; older Pythons read the TOML that the influx CLI writes
        (tables of quoted or literal strings, booleans and integers, with comments).
    type: str
  trace_span:
    description:
      - A C(Zap-Trace-Span) header (an OpenTracing span context) to send with every request, so that the
        requests of a run can be found in InfluxDB's traces.
      - If not set in the task, the value of E(INFLUX_TRACE_SPAN) is used.
    type: str
notes:
  - An environment variable of a connection option (E(INFLUX_HOST), E(INFLUX_TOKEN), E(INFLUX_ORG_ID), E(INFLUX_ORG),
    E(INFLUX_SKIP_VERIFY), E(INFLUX_TRACE_SPAN), E(INFLUX_ACTIVE_CONFIG)) is read only when the task does not set the
    option, and counts as unset when it is empty or only white space.
  - The modules talk to the InfluxDB HTTP API with the Python standard library through ansible-core's
    C(ansible.module_utils.urls); no extra Python package is needed on the host that runs them.
"""
