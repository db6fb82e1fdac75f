# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""The option specs of the resources, shared by the modules that take them, the ranges of their
number options, and the constants these name (besides the connection options of :mod:`._connection`).

A leaf: it imports no domain code, which imports its constants from here.
"""

from __future__ import annotations

import typing as t

from ansible_collections.influxops.influxdb2.plugins.module_utils._validators import INT64_MAX, Range

# The values of update_remote_api_token.
UPDATE_TOKEN_ON_CREATE = 'on_create'
UPDATE_TOKEN_ALWAYS = 'always'

# The bounds of a replication's number options (see OPTION_RANGES), and the default of
# influx_replication_info's backlog_threshold.
MIN_QUEUE_SIZE = 33554430
MIN_AGE, MAX_AGE = 60, 5184000
DEFAULT_BACKLOG_THRESHOLD = 0.8

# What influx_replication_info's wait_for waits for (every selected replication drained, or healthy),
# how long by default (its timeout, when the task does not set it), and the bounds of its poll, in seconds.
WAIT_CONDITIONS = ('drained', 'healthy')
DEFAULT_WAIT_TIMEOUT = 60.0
MIN_POLL, MAX_POLL = 0.1, 3600

# The range of each number option of the resources (and of influx_replication_info's wait), by name: an
# option means the same wherever it is (influx_replication's max_queue_size_bytes, and that of each
# replication of influx_remotes).
# An integer option not listed here takes any 64-bit integer, a float option any finite number.
OPTION_RANGES = dict(
    max_queue_size_bytes=Range(MIN_QUEUE_SIZE, INT64_MAX,
                               note="32 MiB less 2 bytes, the server's minimum, to the largest integer the server stores"),
    max_age_seconds=Range(MIN_AGE, MAX_AGE, also=(0,), note="0 is the server's default; 5184000 is 60 days"),
    backlog_threshold=Range(0, 1, above=True, note='a share of max_queue_size_bytes; 1 is a full queue'),
    poll=Range(MIN_POLL, MAX_POLL, note='seconds between reads, at most timeout'),
)


class ArgumentSpec:
    """Options and the rules between them that ``AnsibleModule`` checks (as community.crypto's ``ArgumentSpec``).

    ``rules`` are ``AnsibleModule``'s: ``mutually_exclusive``, ``required_together``,
    ``required_one_of`` and ``required_if`` (lists), ``required_by`` (a dict). Declared here, they
    are checked before the module runs, with Ansible's own messages, and ``ansible-test`` sees
    them. The same spec gives a module's options (:meth:`module_kwargs`) or the suboptions of one
    option (:meth:`suboptions`), whose rules Ansible checks in each item.
    """

    def __init__(self, argument_spec=None, **rules):
        self.argument_spec: dict[str, dict[str, t.Any]] = {}
        self.rules: dict[str, t.Any] = dict(mutually_exclusive=[], required_together=[], required_one_of=[], required_if=[], required_by={})
        self.update_argspec(**(argument_spec or {}))
        self.update(**rules)

    def update_argspec(self, **options):
        self.argument_spec.update(options)
        return self

    def update(self, required_by=None, **rules):
        for option, needed in (required_by or {}).items():
            self.rules['required_by'][option] = list(self.rules['required_by'].get(option, ())) + list(needed)
        for name, value in rules.items():
            self.rules[name].extend(value)
        return self

    def merge(self, other):
        """Add the options and rules of the :class:`ArgumentSpec` ``other``."""
        return self.update_argspec(**other.argument_spec).update(**other.rules)

    def module_kwargs(self):
        """The keyword arguments that give ``AnsibleModule`` these options and rules."""
        return dict(self.rules, argument_spec=self.argument_spec)

    def suboptions(self, **entry):
        """The argument spec entry of an option (``entry``: its type, elements, default) whose suboptions these are."""
        return dict(entry, options=self.argument_spec, **dict((name, value) for name, value in self.rules.items() if value))


def remote_argument_spec():
    """The options that describe one remote (influx_remote's, and each item of influx_remotes' remotes)."""
    return ArgumentSpec(dict(
        name=dict(type='str', required=True),
        description=dict(type='str'),
        remote_url=dict(type='str'),
        remote_api_token=dict(type='str', no_log=True),
        remote_org_id=dict(type='str'),
        allow_insecure_tls=dict(type='bool'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    ))


def bucket_argument_spec():
    """The options that describe one bucket (influx_bucket's, and each item of influx_buckets' buckets).

    A duration is an integer or a string (see ``_buckets.parse_duration``): ``raw``, so that an
    integer is not turned into a string with a warning.
    """
    return ArgumentSpec(dict(
        name=dict(type='str', required=True),
        description=dict(type='str'),
        retention=dict(type='raw'),
        shard_group_duration=dict(type='raw'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    ))


def update_token_argument_spec(default=UPDATE_TOKEN_ON_CREATE):
    """The token policy of a module (``default`` on_create) or of one item of a set (``default`` None: the module's)."""
    return ArgumentSpec(dict(update_remote_api_token=dict(type='str', default=default, no_log=False,
                                                          choices=[UPDATE_TOKEN_ON_CREATE, UPDATE_TOKEN_ALWAYS])))


def replication_argument_spec(with_remote=True):
    """The options that describe one replication (influx_replication's; without the remote where the context gives it).

    Each of the remote, the local bucket and the remote bucket is given by name or by ID, not both.
    """
    spec = ArgumentSpec(dict(
        name=dict(type='str', required=True),
        description=dict(type='str'),
        local_bucket=dict(type='str'),
        local_bucket_id=dict(type='str'),
        remote_bucket=dict(type='str'),
        remote_bucket_id=dict(type='str'),
        max_queue_size_bytes=dict(type='int'),
        max_age_seconds=dict(type='int'),
        drop_non_retryable_data=dict(type='bool'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        replace=dict(type='bool', default=False),
        validate=dict(type='bool', default=False),
    ), mutually_exclusive=[['local_bucket', 'local_bucket_id'], ['remote_bucket', 'remote_bucket_id']])
    if with_remote:
        spec.update_argspec(remote=dict(type='str'), remote_id=dict(type='str'))
        spec.update(mutually_exclusive=[['remote', 'remote_id']])
    return spec


def replication_info_argument_spec():
    """The filters of influx_replication_info, its health threshold, and what it waits for.

    A filter and its ID form (remote/remote_id, local_bucket/local_bucket_id) exclude each other
    only when both are non-empty, since an empty filter is no filter; ``AnsibleModule`` counts an
    option as set whenever it is given, so influx_replication_info checks that itself.
    """
    return ArgumentSpec(dict(
        name=dict(type='str'),
        remote=dict(type='str'),
        remote_id=dict(type='str'),
        local_bucket=dict(type='str'),
        local_bucket_id=dict(type='str'),
        id=dict(type='str'),
        backlog_threshold=dict(type='float', default=DEFAULT_BACKLOG_THRESHOLD),
        wait_for=dict(type='str', choices=list(WAIT_CONDITIONS)),
        # without wait_for, the timeout of each request (the connection's); with it, of the whole wait
        timeout=dict(type='float'),
        poll=dict(type='float', default=1.0),
    ))


# The resource types of a permission, as InfluxDB names them (upstream authz.go, AllResourceTypes).
RESOURCE_TYPES = ('authorizations', 'buckets', 'dashboards', 'orgs', 'sources', 'tasks', 'telegrafs', 'users', 'variables',
                  'scrapers', 'secrets', 'labels', 'views', 'documents', 'notificationRules', 'notificationEndpoints', 'checks',
                  'dbrp', 'notebooks', 'annotations', 'remotes', 'replications', 'instance')


def permission_argument_spec():
    """One permission: an action on a resource, whose ID (or, for a bucket, name) and org are each given one way."""
    resource = ArgumentSpec(dict(
        type=dict(type='str', required=True, choices=list(RESOURCE_TYPES)),
        id=dict(type='str'),
        name=dict(type='str'),
        org=dict(type='str'),
        org_id=dict(type='str'),
    ), mutually_exclusive=[['id', 'name'], ['org', 'org_id']])
    return ArgumentSpec(dict(
        action=dict(type='str', required=True, choices=['read', 'write']),
        resource=resource.suboptions(type='dict', required=True),
    ))


def authorization_argument_spec():
    """The options that describe one authorization (influx_authorization's, and each item of influx_authorizations')."""
    return ArgumentSpec(dict(
        description=dict(type='str'),
        id=dict(type='str'),
        permissions=permission_argument_spec().suboptions(type='list', elements='dict'),
        user=dict(type='str'),
        status=dict(type='str', choices=['active', 'inactive']),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        replace=dict(type='bool', default=False),
        rotate=dict(type='bool', default=False),
        keep_previous=dict(type='bool', default=False),
    ), required_one_of=[['description', 'id']])
