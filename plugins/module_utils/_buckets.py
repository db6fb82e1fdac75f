# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""Buckets (/api/v2/buckets): a bucket name of an org resolved to its ID, one name at a time or
every bucket of the org at once (one request per 100 buckets)."""

from __future__ import annotations

from ansible_collections.influxops.influxdb2.plugins.module_utils._errors import InfluxDBError
from ansible_collections.influxops.influxdb2.plugins.module_utils._fields import Field, list_problem, shape_problem

BUCKETS_PATH = '/api/v2/buckets'
# The most buckets the API returns in one page.
PAGE_SIZE = 100

# What the code relies on in a bucket.
BUCKET_FIELDS = (Field('id', 'id'), Field('org_id', 'orgID'), Field('name', 'name'))


def bucket_problem(bucket):
    return shape_problem(BUCKET_FIELDS, bucket, 'a bucket object')


def _list_problem(answer):
    # a page is {"links": ..., "buckets": [...]}; null is not what the API sends, but means none just as well
    return list_problem('buckets', bucket_problem)(answer)


class BucketsService:
    """The requests made for buckets, on top of :class:`InfluxDBClient`."""

    def __init__(self, client):
        self.client = client

    def find(self, org_id, name):
        """The bucket named ``name`` in the org, or ``None``: one request.

        The API answers an unknown name with a 404 (not an empty list), and a bucket the token
        cannot read with an empty list; both are ``None`` here.
        """
        try:
            answer = self.client.get(BUCKETS_PATH, dict(orgID=org_id, name=name), expect=_list_problem)
        except InfluxDBError as exc:
            if exc.status == 404 and exc.code is not None:
                return None
            raise
        for bucket in answer['buckets'] or []:
            if bucket['name'] == name and bucket['orgID'].lower() == org_id.lower():
                return bucket
        return None

    def list(self, org_id):
        """Every bucket of the org that the token can read: one request per ``PAGE_SIZE`` buckets."""
        buckets = []
        while True:
            page = self.client.get(BUCKETS_PATH, dict(orgID=org_id, limit=str(PAGE_SIZE), offset=str(len(buckets))),
                                   expect=_list_problem)['buckets'] or []
            buckets.extend(page)
            if len(page) < PAGE_SIZE:
                return [b for b in buckets if b['orgID'].lower() == org_id.lower()]

    def ids_by_name(self, org_id):
        """``{name: ID}`` of every bucket of the org (see :meth:`list`)."""
        return dict((b['name'], b['id'].lower()) for b in self.list(org_id))


def bucket_not_found(client, org_id, name, option):
    """The error for a bucket name that the org does not have (or that the token cannot read)."""
    return InfluxDBError('bucket %r not found in organization %s (or the token cannot read it): check %s'
                         % (name, org_id, option), method='GET', url=client.url(BUCKETS_PATH, dict(orgID=org_id, name=name)))
