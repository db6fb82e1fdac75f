"""The command line: check the options, start listening on 127.0.0.1, print READY, serve until stopped."""

import argparse
import signal
import ssl
import sys

from . import orgs
from .app import App
from .httpd import Server, make_ssl_context
from .wire import try_parse_id


def parse_args(argv):
    """Parse and check the command line (a bad one exits with status 2)."""
    parser = argparse.ArgumentParser(prog="influxdb_test_server.py", description="InfluxDB OSS 2.x-compatible test server")
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--token", required=True, help="operator token (all access)")
    parser.add_argument("--org", action="append", required=True, metavar="NAME=ID", help="an organization (repeatable)")
    parser.add_argument("--db", help="SQLite file (default: in memory)")
    parser.add_argument("--read-only-token", help="a token that may read everything and write nothing")
    parser.add_argument("--log-file", help="append each recorded request to this file as a JSON line")
    parser.add_argument("--verbose", action="store_true", help="print method, path and status of each request on stderr")
    parser.add_argument("--tls-cert", metavar="PATH", help="serve HTTPS with this PEM certificate (chain); needs --tls-key")
    parser.add_argument("--tls-key", metavar="PATH", help="the PEM private key of --tls-cert")
    parser.add_argument("--client-ca", metavar="PATH", help="with HTTPS, require a client certificate signed by this PEM CA")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token must not be empty")
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
    return args


def _stop(_signum, _frame):
    raise KeyboardInterrupt


def main(argv=None):
    """Run the server until SIGTERM or Ctrl-C; return the exit status."""
    args = parse_args(argv)
    app = App(args.token, args.orgs, db=args.db, read_only_token=args.read_only_token, log_file=args.log_file,
              verbose=args.verbose)
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
