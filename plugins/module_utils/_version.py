# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE to the collection. It can change without notice.

"""The version of the InfluxDB server, as every answer of InfluxDB 2.x reports it in its
``X-Influxdb-Version`` header (upstream ``http/handler.go``), and the releases from which the API
behaves differently."""

from __future__ import annotations

import re

VERSION_HEADER = 'X-Influxdb-Version'

# Release builds say v2.7.12 (2.0 and 2.1 said 2.1.1); snapshot builds add +SNAPSHOT.<commit>.
_VERSION = re.compile(r'[vV]?(\d+)\.(\d+)(?:\.(\d+))?(?![\d.])')

# The first release in which ...
# ... a replication to a remote bucket given by name writes (2.4.x stores the name, but its writer
# fails to read the replication back: influxdata/influxdb#23769, fixed by #23826 in 2.5.0).
REMOTE_BUCKET_BY_NAME = (2, 5, 0)
# ... max_age_seconds is read as seconds (before, as nanoseconds).
MAX_AGE_IN_SECONDS = (2, 6, 0)
# ... a replication reports remainingBytesToBeSynced.
REMAINING_BYTES = (2, 7, 0)
# ... max_age_seconds 0 means one week (before, no age limit) and its bounds are enforced.
MAX_AGE_DEFAULT = (2, 9, 0)


def parse_version(text):
    """``(major, minor, patch)`` of a version as a server reports it (``v2.7.12``, ``2.1.1``,
    ``v2.3.0+SNAPSHOT.090f681737``); ``None`` for anything else, such as ``dev`` or no header."""
    found = _VERSION.match(text.strip()) if isinstance(text, str) else None
    if found is None:
        return None
    return tuple(int(part or 0) for part in found.groups())


def is_before(version, release):
    """Whether the parsed ``version`` is known and older than ``release``; ``False`` when it is unknown."""
    return version is not None and version < release
