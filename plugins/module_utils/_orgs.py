# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Organizations (/api/v2/orgs): an org name resolved to its ID, and an org ID confirmed."""

from __future__ import annotations

from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxDBError
from ansible_collections.influxops.influxdb2.plugins.module_utils._fields import Field, list_problem, shape_problem

ORGS_PATH = '/api/v2/orgs'

# What the code relies on in an organization.
ORG_FIELDS = (Field('id', 'id'), Field('name', 'name'))


def org_problem(org):
    if shape_problem(ORG_FIELDS, org, 'an organization object') is not None or not org['name']:
        return 'an organization object with id and name as strings'
    return None


orgs_list_problem = list_problem('orgs', org_problem)


def resolve_org(client, org, org_id):
    """``(org ID, whether the org is known to exist)``: an org name is looked up (which proves it)."""
    if org_id is not None or org is None:
        return org_id, False
    try:
        result = client.get(ORGS_PATH, dict(org=org), expect=orgs_list_problem)
    except InfluxDBError as exc:
        if exc.status == 404 and exc.code is not None:
            raise exc.reworded('organization %r not found (404 %s: %s): check org' % (org, exc.code, exc.api_message))
        raise
    for item in result['orgs'] or []:
        if item['name'] == org:
            return item['id'], True
    raise InfluxDBError('organization %r not found: check org' % org, method='GET', url=client.url(ORGS_PATH, dict(org=org)))


def check_org_id(client, org_id):
    """Confirm that the org exists, since the API does not check it before it creates something in it."""
    try:
        client.get('%s/%s' % (ORGS_PATH, client.quote(org_id)), expect=org_problem)
    except InfluxDBError as exc:
        if exc.status == 404 and exc.code is not None:
            raise exc.reworded('organization with ID %s not found (404 %s: %s): check org_id; nothing was created'
                               % (org_id, exc.code, exc.api_message))
        raise
