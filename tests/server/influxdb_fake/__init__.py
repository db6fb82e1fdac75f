"""An InfluxDB OSS 2.x-compatible HTTP server for tests, run by ../influxdb_test_server.py.

routes.py lists every endpoint; ../README.md describes each module and the
upstream behaviour each endpoint reproduces.
"""
