"""The command line: check the options, start listening on 127.0.0.1, print READY, serve until stopped."""

import argparse
import signal
import ssl
import sys

from . import buckets, orgs
from .app import App
from .httpd import Server, make_ssl_context
from .replicate import DEFAULT_RETRY_FIRST, DEFAULT_RETRY_MAX
from .wire import DEFAULT_VERSION, E_CONFLICT, ApiError, parse_version, try_parse_id


def parse_args(argv):
    """Parse and check the command line (a bad one exits with status 2)."""
    parser = argparse.ArgumentParser(prog="influxdb_test_server.py", description="InfluxDB OSS 2.x-compatible test server")
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--token", required=True, help="operator token (all access)")
    parser.add_argument("--org", action="append", required=True, metavar="NAME=ID", help="an organization (repeatable)")
    parser.add_argument("--db", help="SQLite file (default: in memory)")
    parser.add_argument("--read-only-token", help="a token that may read everything and write nothing")
    parser.add_argument("--write-token", action="append", default=[], metavar="TOKEN",
                        help="a token that may write points (/api/v2/write) and nothing else (repeatable)")
    parser.add_argument("--bucket", action="append", default=[], metavar="ORG_NAME=BUCKET_NAME[=ID]",
                        help="create a bucket in an org given with --org (repeatable)")
    parser.add_argument("--replication-retry-first", type=float, default=DEFAULT_RETRY_FIRST, metavar="SECONDS",
                        help="wait before the first retry of a failed remote write (default %(default)s)")
    parser.add_argument("--replication-retry-max", type=float, default=DEFAULT_RETRY_MAX, metavar="SECONDS",
                        help="longest wait between retries of a failed remote write (default %(default)s)")
    parser.add_argument("--log-file", help="append each recorded request to this file as a JSON line")
    parser.add_argument("--verbose", action="store_true", help="print method, path and status of each request on stderr")
    parser.add_argument("--tls-cert", metavar="PATH", help="serve HTTPS with this PEM certificate (chain); needs --tls-key")
    parser.add_argument("--tls-key", metavar="PATH", help="the PEM private key of --tls-cert")
    parser.add_argument("--client-ca", metavar="PATH", help="with HTTPS, require a client certificate signed by this PEM CA")
    parser.add_argument("--version", default=DEFAULT_VERSION, metavar="VERSION",
                        help="the InfluxDB OSS release to play, as its builds report it (such as v2.7.12): every answer's "
                             "X-Influxdb-Version header, /health and the replication User-Agent say it, and the replications "
                             "API behaves as in that release (default %(default)s)")
    parser.add_argument("--plain-tokens", action="store_true",
                        help="keep tokens and list them, as InfluxDB 2.7 does (default: keep only their hashes, as 2.9 does: "
                             "only the answer that creates a token carries it)")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token must not be empty")
    version = parse_version(args.version)
    if version is None or version[0] != 2 or version[1] < 2:
        parser.error("--version must be an InfluxDB OSS 2.x release from 2.2.0 on (the first with replications), such as "
                     "v2.7.12, got %r" % args.version)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if args.client_ca and not args.tls_cert:
        parser.error("--client-ca needs --tls-cert and --tls-key")
    args.ssl_context = None
    if args.tls_cert:
        try:
            args.ssl_context = make_ssl_context(args.tls_cert, args.tls_key, args.client_ca)
        except (OSError, ssl.SSLError) as exc:
            parser.error("cannot load the TLS certificate, key or client CA: %s" % exc)
    args.orgs = []
    for spec in args.org:
        name, sep, org_id = spec.rpartition("=")
        if not sep or not name:
            parser.error("--org expects NAME=ID, got %r" % spec)
        parsed = try_parse_id(org_id)
        if parsed is None:
            parser.error("--org %s: the ID must be 16 hexadecimal characters, not all zero" % name)
        if any(org["name"] == name or org["id"] == parsed for org in args.orgs):
            parser.error("--org %s: duplicate organization name or ID" % name)
        args.orgs.append(orgs.new_org(name, parsed))
    if not 0 < args.replication_retry_first <= args.replication_retry_max:
        parser.error("--replication-retry-first must be above 0 and at most --replication-retry-max")
    if any(not token for token in args.write_token):
        parser.error("--write-token must not be empty")
    args.buckets = []
    for spec in args.bucket:
        parts = spec.split("=")
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            parser.error("--bucket expects ORG_NAME=BUCKET_NAME[=ID], got %r" % spec)
        found = [org for org in args.orgs if org["name"] == parts[0]]
        if not found:
            parser.error("--bucket %s: no --org named %s" % (spec, parts[0]))
        bucket_id = None
        if len(parts) == 3:
            bucket_id = try_parse_id(parts[2])
            if bucket_id is None:
                parser.error("--bucket %s: the ID must be 16 hexadecimal characters, not all zero" % spec)
        if parts[1].startswith("_"):
            parser.error("--bucket %s: bucket names may not start with an underscore" % spec)
        if any((org_id == found[0]["id"] and name == parts[1]) or (bucket_id is not None and other == bucket_id)
               for org_id, name, other in args.buckets):
            parser.error("--bucket %s: duplicate bucket name or ID" % spec)
        args.buckets.append((found[0]["id"], parts[1], bucket_id))
    return args


def _pre_create(app, org_id, name, bucket_id):
    """Create a --bucket bucket unless --db already holds it (same org, name and, when given, ID)."""
    existing = app.db.select("buckets", "id", org_id=org_id, name=name)
    if existing and (bucket_id is None or existing[0]["id"] == bucket_id):
        return
    if bucket_id is not None and app.db.row("buckets", "id", bucket_id) is not None:
        raise ApiError(E_CONFLICT, "a bucket with ID %s already exists" % bucket_id)
    buckets.create(app, org_id, name, bucket_id=bucket_id)


def _stop(_signum, _frame):
    raise KeyboardInterrupt


def main(argv=None):
    """Run the server until SIGTERM or Ctrl-C; return the exit status."""
    args = parse_args(argv)
    app = App(args.token, args.orgs, db=args.db, read_only_token=args.read_only_token, log_file=args.log_file,
              verbose=args.verbose, write_tokens=args.write_token, retry_first=args.replication_retry_first,
              retry_max=args.replication_retry_max, version=args.version, plain_tokens=args.plain_tokens)
    try:
        for org_id, name, bucket_id in args.buckets:
            _pre_create(app, org_id, name, bucket_id)
    except ApiError as exc:
        app.close()
        sys.stderr.write("influxdb_test_server.py: error: --bucket: %s\n" % exc.message)
        return 2
    server = Server(("127.0.0.1", args.port), app, args.ssl_context)
    try:
        signal.signal(signal.SIGTERM, _stop)
        scheme = "http" if args.ssl_context is None else "https"
        sys.stdout.write("READY %s://127.0.0.1:%d\n" % (scheme, server.server_address[1]))
        sys.stdout.flush()
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.close()
    return 0
