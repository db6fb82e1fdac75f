"""An InfluxDB OSS 2.x-compatible HTTP server for tests (standard library only, Python 3.8 or later).

Run it with ../influxdb_test_server.py; tests/server/README.md describes the
command line, the endpoints and the upstream behaviour each one reproduces.

Modules, in the order a request meets them:

- cli: the command line, the READY line, signals;
- httpd: HTTP/1.1 and TLS on top of http.server;
- app: the server's state and each request's path (fault rule, route, log);
- routes: the route table, every method and path with its handler;
- validate, decode: the request checks of every API resource (Go's JSON
  decoding, IDs, permissions);
- system, orgs, remotes, replications: the endpoints, one module per
  resource, each with its SQLite table;
- faults, hooks: the test interface under /_test/ (fault rules, request log);
- db: the SQLite store; wire: errors, IDs, requests, responses, Go's JSON.
"""
