# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The inventory arithmetic of Edge Data Replication (the central and remotes roles): which edges send to a
central host and to which of its buckets (edr_central), the token of each edge for influx_authorizations
(edr_authorizations), the tokens and kept IDs of its run by edge (edr_tokens), and an edge's remote items
and local buckets with what central gives them (edr_remotes). Each is documented in its own file
(edr_central.yml, ...)."""

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


def _rotated(rotate, edges):
    """The edges that ``rotate`` names: every one for true (or a true string such as ``-e influx_edr_rotate=true`` gives),
    none for false, else the names of a list (or a comma-separated string)."""
    if isinstance(rotate, bool) or rotate is None:
        return set(edges) if rotate else set()
    if isinstance(rotate, str):
        if rotate.strip().lower() in ('true', 'yes', 'on', '1'):
            return set(edges)
        if rotate.strip().lower() in ('false', 'no', 'off', '0', ''):
            return set()
        rotate = rotate.split(',')
    if not isinstance(rotate, (list, tuple)) or not all(isinstance(name, str) for name in rotate):
        raise AnsibleFilterError('influx_edr_rotate must be true, false or a list of edge inventory names, not %r' % (rotate,))
    return set(name.strip() for name in rotate)


def edr_authorizations(edges, buckets, prefix, rotate=False):
    """The items of influx_authorizations for ``edges`` (from :func:`edr_central`): one per edge, described
    ``<prefix><edge>``, with write on exactly its target buckets, by ID where ``buckets`` (the result of influx_buckets)
    has it, else by name (a bucket that check mode predicts). The edges that ``rotate`` names (true: all) get a new
    token, the old one kept until the edge has validated the new one."""
    by_name = dict((bucket.get('name'), bucket) for bucket in buckets or [])
    renewed = _rotated(rotate, [edge['edge'] for edge in edges])
    items = []
    for edge in edges:
        permissions = []
        for name in edge['buckets']:
            bucket = by_name.get(name) or {}
            resource = dict(type='buckets', id=bucket['id']) if bucket.get('id') else dict(type='buckets', name=name)
            if bucket.get('org_id'):
                resource['org_id'] = bucket['org_id']
            permissions.append(dict(action='write', resource=resource))
        item = dict(description=prefix + edge['edge'], permissions=permissions)
        if edge['edge'] in renewed:
            item.update(rotate=True, keep_previous=True)
        items.append(item)
    return items


def edr_tokens(result, prefix):
    """From a result of influx_authorizations whose descriptions are ``<prefix><edge>``: ``{tokens, previous_ids,
    new_token_edges}``, the tokens it created by edge, the IDs of the authorizations that keep_previous kept, by edge,
    and the sorted edges that get a new token (created, or with no ID yet in the prediction of check mode, where
    ``tokens`` is empty)."""
    if not isinstance(result, Mapping):
        raise AnsibleFilterError('edr_tokens takes the result of influx_authorizations')
    tokens = dict((description[len(prefix):], token) for description, token in (result.get('tokens') or {}).items()
                  if description.startswith(prefix))
    kept = set(value.lower() for value in result.get('previous_ids') or [])
    new_token_edges = set(tokens)
    previous_ids: dict[str, list] = {}
    for authorization in result.get('authorizations') or []:
        description = authorization.get('description') or ''
        if not description.startswith(prefix):
            continue
        if authorization.get('id') is None:
            new_token_edges.add(description[len(prefix):])
        elif authorization['id'].lower() in kept and ROTATED in description:
            previous_ids.setdefault(description[len(prefix):].rsplit(ROTATED, 1)[0], []).append(authorization['id'])
    return dict(tokens=tokens, previous_ids=dict((edge, sorted(ids)) for edge, ids in previous_ids.items()),
                new_token_edges=sorted(new_token_edges))


def edr_remotes(remotes, hostvars, edge, buckets=None, tokens=None):
    """An edge's influx_remotes and influx_buckets as influx_remotes takes them: ``{remotes, buckets, rotations,
    tokenless}``.

    An item with ``central: <host>`` loses that key and takes, when it does not set them, the token that the
    central host created for ``edge`` in this run (``tokens[<host>]``, else ``influx_central_edge_tokens``; then with
    ``update_remote_api_token: always``) and its org ID (``influx_central_org_id``). When that central host also kept
    the edge's previous token(s) (``influx_central_previous_ids``), the remote is a rotation: its present
    replications are validated, and ``rotations`` lists ``{central, remote, previous_ids}``; with a token of
    ``tokens``, they are validated too. ``tokenless`` lists
    ``{central, remote}`` for each present item with ``central`` that is left without a token (its remote must exist
    already), unless the central host makes one for ``edge`` in this run (``influx_central_new_token_edges``: in
    check mode, where the token itself is not known). ``buckets`` gains every local bucket that a present replication names and that it does not list, with
    default settings.
    """
    converted, rotations, tokenless = [], [], []
    for item in _items(remotes, edge):
        item = dict(item)
        central = item.pop('central', None)
        if central is not None:
            if central not in hostvars:
                raise AnsibleFilterError('%s: remote %r names central: %s, which is not a host of the inventory'
                                         % (edge, item.get('name'), central))
            facts = hostvars[central]
            token = (tokens or {}).get(central) or (facts.get('influx_central_edge_tokens') or {}).get(edge)
            if item.get('remote_api_token') is None and token is not None:
                item.update(remote_api_token=token, update_remote_api_token='always')
                previous = (facts.get('influx_central_previous_ids') or {}).get(edge) or []
                renewed = previous or central in (tokens or {})
                if renewed and item.get('state', 'present') != 'absent' and item.get('replications') is not None:
                    item['replications'] = [dict(r, validate=True) if r.get('state', 'present') != 'absent' else r
                                            for r in item['replications']]
                if previous and item.get('state', 'present') != 'absent':
                    rotations.append(dict(central=central, remote=item.get('name'), previous_ids=list(previous)))
            if item.get('remote_org_id') is None and facts.get('influx_central_org_id') is not None:
                item['remote_org_id'] = facts['influx_central_org_id']
            if (item.get('remote_api_token') is None and item.get('state', 'present') != 'absent'
                    and edge not in (facts.get('influx_central_new_token_edges') or [])):
                tokenless.append(dict(central=central, remote=item.get('name')))
        converted.append(item)
    listed = [dict(bucket) for bucket in buckets or []]
    names = set(bucket.get('name') for bucket in listed)
    for item in _present(converted):
        for replication in _present(item.get('replications')):
            name = replication.get('local_bucket')
            if name is not None and name not in names:
                names.add(name)
                listed.append(dict(name=name))
    return dict(remotes=converted, buckets=listed, rotations=rotations, tokenless=tokenless)


class FilterModule:
    def filters(self):
        return dict(edr_central=edr_central, edr_authorizations=edr_authorizations, edr_tokens=edr_tokens, edr_remotes=edr_remotes)
