"""A small InfluxDB OSS 2.x-compatible HTTP server for tests (standard library only, Python 3.8 or later).

Usage::

    python3 influxdb_test_server.py --port 0 --token TOKEN --org NAME=ID \\
        [--org NAME=ID ...] [--bucket ORG_NAME=BUCKET_NAME[=ID] ...] \\
        [--write-token TOKEN ...] [--db PATH] [--read-only-token TOKEN] \\
        [--log-file PATH] [--verbose] \\
        [--replication-retry-first SECONDS] [--replication-retry-max SECONDS] \\
        [--tls-cert PATH --tls-key PATH [--client-ca PATH]]

Once listening it prints exactly one line, ``READY http://127.0.0.1:<port>``
(``https://`` with TLS). The server is the influxdb_fake package next to
this file; README.md there describes the endpoints, the test interface under
/_test/ (request log, stored remotes, points, tokens, fault rules) and the
upstream behaviour each endpoint reproduces, replication included.
"""

import sys

# Never write bytecode next to the sources (an installed collection may be read-only).
sys.dont_write_bytecode = True

from influxdb_fake.cli import main  # noqa: E402  pylint: disable=wrong-import-position

if __name__ == "__main__":
    sys.exit(main())
