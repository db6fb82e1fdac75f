"""A small InfluxDB OSS 2.x-compatible HTTP server for tests.

It reproduces, on the wire, the parts of the InfluxDB 2.x API that the
influxops.influxdb2 collection uses: /health, /ping, /api/v2/orgs,
/api/v2/remotes and enough of /api/v2/replications to reference a remote.
Data lives in SQLite (in memory unless --db is given), with tables modelled
on the upstream migrations, so constraint errors carry the same SQLite
messages that a real server returns.

Besides the API it offers a test-only interface under /_test/ (no token
needed, never recorded): the request log, a view of the stored remotes
that shows a SHA-256 of each token instead of the token, and fault rules
that make chosen requests fail (an error status, a delay, a dropped
connection, or an answer lost after the request took effect).

With --tls-cert and --tls-key it serves HTTPS; --client-ca then requires
a client certificate signed by that CA (mutual TLS).

Only the Python standard library is used; Python 3.8 or later. The code is
the influxdb_fake package next to this file.

Usage::

    python3 influxdb_test_server.py --port 0 --token TOKEN --org NAME=ID \\
        [--org NAME=ID ...] [--db PATH] [--read-only-token TOKEN] \\
        [--log-file PATH] [--verbose] \\
        [--tls-cert PATH --tls-key PATH [--client-ca PATH]]

Once listening it prints exactly one line, ``READY http://127.0.0.1:<port>``
(``https://`` with TLS).
"""

import sys

# Never write bytecode next to the sources (an installed collection may be read-only).
sys.dont_write_bytecode = True

from influxdb_fake.cli import main  # noqa: E402  pylint: disable=wrong-import-position

if __name__ == "__main__":
    sys.exit(main())
