# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The inventory arithmetic of Edge Data Replication (the central and remotes roles): which edges send to a
central host and to which of its buckets (edr_central), the tokens and kept IDs of a run of
influx_authorizations by edge (edr_tokens), and an edge's remote items with what central gives them
(edr_remotes). Their documentation is in edr_central.yml, edr_tokens.yml and edr_remotes.yml."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

ROTATED = ' (rotated '


def _items(remotes, edge):
    if remotes is None:
        return []
    if not isinstance(remotes, (list, tuple)) or not all(isinstance(item, Mapping) for item in remotes):
        raise AnsibleFilterError('influx_remotes of %s must be a list of remote items (dicts)' % edge)
    return remotes


def _present(values):
    return [value for value in values or [] if value.get('state', 'present') != 'absent']


def edr_central(remotes_by_edge, central):
    """The edges whose influx_remotes has a present item with ``central: <central>``, sorted by name, each as
    ``{edge, remote, buckets}``: the item's name and the sorted names of its present replications' remote buckets."""
    if not isinstance(remotes_by_edge, Mapping):
        raise AnsibleFilterError('edr_central takes a dict of edge inventory name -> influx_remotes, not %s'
                                 % type(remotes_by_edge).__name__)
    edges = []
    for edge in sorted(remotes_by_edge):
        items = [item for item in _present(_items(remotes_by_edge[edge], edge)) if item.get('central') == central]
        if len(items) > 1:
            raise AnsibleFilterError('%s: influx_remotes has %d remotes with central: %s (%s); an edge has one token at a '
                                     'central host, so one remote to it' % (edge, len(items), central,
                                                                            ', '.join(item.get('name') or '?' for item in items)))
        if not items:
            continue
        buckets = set()
        for replication in _present(items[0].get('replications')):
            if replication.get('remote_bucket') is None:
                raise AnsibleFilterError('%s: replication %r of remote %r gives no remote_bucket; under a remote with central:, '
                                         'each replication names its bucket at central with remote_bucket (the central host '
                                         'creates it and grants the token on it by name)'
                                         % (edge, replication.get('name'), items[0].get('name')))
            buckets.add(replication['remote_bucket'])
        edges.append(dict(edge=edge, remote=items[0].get('name'), buckets=sorted(buckets)))
    return edges


def edr_tokens(result, prefix):
    """From a result of influx_authorizations whose descriptions are ``<prefix><edge>``: ``{tokens, previous_ids}``,
    the tokens it created by edge, and the IDs of the authorizations that keep_previous kept, by edge."""
    if not isinstance(result, Mapping):
        raise AnsibleFilterError('edr_tokens takes the result of influx_authorizations')
    tokens = dict((description[len(prefix):], token) for description, token in (result.get('tokens') or {}).items()
                  if description.startswith(prefix))
    kept = set(value.lower() for value in result.get('previous_ids') or [])
    previous_ids: dict[str, list] = {}
    for authorization in result.get('authorizations') or []:
        description = authorization.get('description') or ''
        if (authorization.get('id') or '').lower() in kept and description.startswith(prefix) and ROTATED in description:
            previous_ids.setdefault(description[len(prefix):].rsplit(ROTATED, 1)[0], []).append(authorization['id'])
    return dict(tokens=tokens, previous_ids=dict((edge, sorted(ids)) for edge, ids in previous_ids.items()))


def edr_remotes(remotes, hostvars, edge, buckets=None):
    """An edge's influx_remotes and influx_buckets as the modules take them: ``{remotes, buckets, rotations}``.

    An item with ``central: <host>`` loses that key and takes, when it does not set them, the token that the
    central host created for ``edge`` in this run (``influx_central_edge_tokens``; then with
    ``update_remote_api_token: always``) and its org ID (``influx_central_org_id``). When that central host also kept
    the edge's previous token(s) (``influx_central_previous_ids``), the remote is a rotation: its present
    replications are validated, and ``rotations`` lists ``{central, remote, previous_ids}``. ``buckets`` gains every
    local bucket that a present replication names and that it does not list, with default settings.
    """
    converted, rotations = [], []
    for item in _items(remotes, edge):
        item = dict(item)
        central = item.pop('central', None)
        if central is not None:
            if central not in hostvars:
                raise AnsibleFilterError('%s: remote %r names central: %s, which is not a host of the inventory'
                                         % (edge, item.get('name'), central))
            facts = hostvars[central]
            token = (facts.get('influx_central_edge_tokens') or {}).get(edge)
            if item.get('remote_api_token') is None and token is not None:
                item.update(remote_api_token=token, update_remote_api_token='always')
                previous = (facts.get('influx_central_previous_ids') or {}).get(edge) or []
                if previous and item.get('state', 'present') != 'absent':
                    if item.get('replications') is not None:
                        item['replications'] = [dict(r, validate=True) if r.get('state', 'present') != 'absent' else r
                                                for r in item['replications']]
                    rotations.append(dict(central=central, remote=item.get('name'), previous_ids=list(previous)))
            if item.get('remote_org_id') is None and facts.get('influx_central_org_id') is not None:
                item['remote_org_id'] = facts['influx_central_org_id']
        converted.append(item)
    listed = [dict(bucket) for bucket in buckets or []]
    names = set(bucket.get('name') for bucket in listed)
    for item in _present(converted):
        for replication in _present(item.get('replications')):
            name = replication.get('local_bucket')
            if name is not None and name not in names:
                names.add(name)
                listed.append(dict(name=name))
    return dict(remotes=converted, buckets=listed, rotations=rotations)


class FilterModule:
    def filters(self):
        return dict(edr_central=edr_central, edr_tokens=edr_tokens, edr_remotes=edr_remotes)
