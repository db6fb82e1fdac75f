# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""The option specs of the resources, shared by the modules that take them (besides the connection
options of :mod:`._connection`)."""

from __future__ import annotations

from ansible_collections.influxops.influxdb2.plugins.module_utils._remotes import UPDATE_TOKEN_ALWAYS, UPDATE_TOKEN_ON_CREATE


def remote_argument_spec():
    """The options that describe one remote (influx_remote's, and each item of influx_remotes' remotes)."""
    return dict(
        name=dict(type='str', required=True),
        description=dict(type='str'),
        remote_url=dict(type='str'),
        remote_api_token=dict(type='str', no_log=True),
        remote_org_id=dict(type='str'),
        allow_insecure_tls=dict(type='bool'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )


def update_token_argument_spec():
    return dict(update_remote_api_token=dict(type='str', default=UPDATE_TOKEN_ON_CREATE, no_log=False,
                                             choices=[UPDATE_TOKEN_ON_CREATE, UPDATE_TOKEN_ALWAYS]))
