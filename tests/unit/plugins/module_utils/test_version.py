# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The server's version as its X-Influxdb-Version header gives it, and the releases where behaviour changes."""

from __future__ import annotations

import pytest

from ansible_collections.influxops.influxdb2.plugins.module_utils._version import (
    MAX_AGE_DEFAULT,
    MAX_AGE_IN_SECONDS,
    REMAINING_BYTES,
    REMOTE_BUCKET_BY_NAME,
    is_before,
    parse_version,
)


@pytest.mark.parametrize('text, version', [
    ('v2.7.12', (2, 7, 12)),
    ('2.1.1', (2, 1, 1)),
    ('v2.3.0+SNAPSHOT.090f681737', (2, 3, 0)),
    (' v2.9.1 ', (2, 9, 1)),
    ('v2.10', (2, 10, 0)),
    ('V2.4.0', (2, 4, 0)),
])
def test_versions_as_servers_report_them(text, version):
    assert parse_version(text) == version


@pytest.mark.parametrize('text', [None, '', '   ', 'dev', '2.x-abc1234', 'unknown', 'InfluxDB v2.7.12', 5])
def test_anything_else_is_unknown(text):
    assert parse_version(text) is None


def test_the_releases_that_change_behaviour():
    releases = (REMOTE_BUCKET_BY_NAME, MAX_AGE_IN_SECONDS, REMAINING_BYTES, MAX_AGE_DEFAULT)
    assert releases == ((2, 5, 0), (2, 6, 0), (2, 7, 0), (2, 9, 0))


@pytest.mark.parametrize('version, expected', [((2, 4, 3), True), ((2, 5, 0), False), ((3, 0, 0), False), (None, False)])
def test_is_before_is_false_for_an_unknown_version(version, expected):
    assert is_before(version, REMOTE_BUCKET_BY_NAME) is expected
