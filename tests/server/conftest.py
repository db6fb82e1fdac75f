"""What every test of the test server shares: the names it is started with, one client, the fixtures.

Each test talks to a subprocess of influxdb_test_server.py, started the way
the demo and CI start it; INFLUXDB_TEST_SERVER_PYTHON runs it under another
interpreter (for example Python 3.8) than pytest's.
"""

import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "influxdb_test_server.py")
MAKE_CERTS = os.path.join(HERE, "make_test_certs.py")
TOKEN = "test-server-operator-token"
RO_TOKEN = "test-server-read-only-token"
ORG_NAME = "edge"
ORG_ID = "0123456789abcdef"
OTHER_ORG_NAME = "other org"
OTHER_ORG_ID = "fedcba9876543210"
# A bucket every server starts with (--bucket); replications may use it as their local bucket.
BUCKET_NAME = "local"
BUCKET_ID = "1111111111111111"
# The central server of the replication tests: its org, its bucket and a token that may only write.
CENTRAL_ORG_NAME = "central"
CENTRAL_ORG_ID = "cccccccccccccccc"
CENTRAL_BUCKET_NAME = "telegraf"
CENTRAL_BUCKET_ID = "bbbbbbbbbbbbbbbb"
WRITE_TOKEN = "central-write-token"
JSON_TYPE = "application/json; charset=utf-8"
UNAUTHORIZED_BODY = b'{"code":"unauthorized","message":"unauthorized access"}'
REMOTES = "/api/v2/remotes"
CERT_FILES = ("ca.pem", "ca.key", "server.pem", "server.key", "client.pem", "client.key", "selfsigned.pem", "selfsigned.key")

# What a client may see when the server closes the connection without an answer
# or refuses the TLS handshake.
CONNECTION_FAILURES = (ConnectionError, http.client.HTTPException, ssl.SSLError)


class Server:
    """A running test server process (HTTP or HTTPS) and a client for it."""

    def __init__(self, proc, url, context=None):
        self.proc = proc
        self.url = url
        self.port = int(url.rsplit(":", 1)[1])
        self.context = context

    def connection(self, timeout=10, context=None):
        """A new connection; HTTPS ones use the given context or the server's default client context."""
        if self.url.startswith("https:"):
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=context or self.context)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, token=TOKEN, headers=None, scheme="Token", timeout=10, context=None):
        """Send one request; return (status, headers dict with lower-case names, body bytes)."""
        conn = self.connection(timeout, context)
        send_headers = dict(headers or {})
        if token is not None:
            send_headers["Authorization"] = "%s %s" % (scheme, token)
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode("utf-8")
            send_headers.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, path, body=body, headers=send_headers)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def json(self, method, path, body=None, token=TOKEN):
        """Send one request and decode a JSON answer: (status, value)."""
        status, _headers, data = self.request(method, path, body, token)
        return status, json.loads(data.decode("utf-8")) if data else None

    def create_remote(self, org_id, **fields):
        """Create a remote and return its JSON."""
        body = {"orgID": org_id, "name": unique(), "remoteURL": "https://central.example.com:8086",
                "remoteAPIToken": "secret-remote-token", "allowInsecureTLS": False}
        body.update(fields)
        status, value = self.json("POST", REMOTES, body)
        assert status == 201, value
        return value

    def create_replication(self, org_id, remote_id, **fields):
        """Create a replication that references a remote: (status, value)."""
        body = {"orgID": org_id, "name": unique("repl"), "remoteID": remote_id,
                "localBucketID": BUCKET_ID, "remoteBucketName": "central"}
        body.update(fields)
        return self.json("POST", "/api/v2/replications", body)

    def write(self, body, token=TOKEN, headers=None, **query):
        """POST /api/v2/write with these query parameters (bucket, org, precision, ...): (status, headers, body)."""
        path = "/api/v2/write?" + urllib.parse.urlencode(query) if query else "/api/v2/write"
        return self.request("POST", path, body.encode("utf-8") if isinstance(body, str) else body, token, headers)

    def points(self, bucket):
        """The lines stored in a bucket (by name or ID; test view)."""
        status, value = self.json("GET", "/_test/points?" + urllib.parse.urlencode({"bucket": bucket}), token=None)
        assert status == 200 and len(value) == 1, value
        assert value[0]["count"] == len(value[0]["lines"])
        return value[0]["lines"]

    def tokens(self, change):
        """POST /_test/tokens (add or revoke a token): the tokens the server now accepts (hashed)."""
        status, value = self.json("POST", "/_test/tokens", change, token=None)
        assert status == 200, value
        return value

    def add_fault(self, rule):
        """Add one fault rule (or a list); return the server's echo."""
        status, value = self.json("POST", "/_test/faults", rule, token=None)
        assert status == 201, value
        return value

    def log(self):
        """The request log."""
        status, value = self.json("GET", "/_test/requests", token=None)
        assert status == 200
        return value

    def fault_entries(self):
        """The request log entries that a fault hit."""
        return [entry for entry in self.log() if entry.get("fault")]

    def remotes(self):
        """Every stored remote (test view)."""
        status, value = self.json("GET", "/_test/remotes", token=None)
        assert status == 200
        return value

    def stored(self, name):
        """The stored remotes (test view) with this name."""
        return [remote for remote in self.remotes() if remote["name"] == name]

    def token_hash(self, remote_id):
        """The SHA-256 of the token stored with a remote (test view)."""
        return [remote for remote in self.remotes() if remote["id"] == remote_id][0]["remoteAPITokenSHA256"]

    def stop(self):
        """Terminate the process; return what it wrote after the READY line (stdout, stderr)."""
        self.proc.terminate()
        try:
            out, err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        return out, err


def start_server(*extra, context=None):
    """Start a server with the two orgs on a free port and wait for its READY line."""
    python = os.environ.get("INFLUXDB_TEST_SERVER_PYTHON") or sys.executable
    cmd = [python, SERVER, "--port", "0", "--token", TOKEN, "--org", "%s=%s" % (ORG_NAME, ORG_ID),
           "--org", "%s=%s" % (OTHER_ORG_NAME, OTHER_ORG_ID), "--bucket", "%s=%s=%s" % (ORG_NAME, BUCKET_NAME, BUCKET_ID)] + list(extra)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # pylint: disable=consider-using-with
    line = proc.stdout.readline().decode("utf-8")
    match = re.match(r"^READY (https?://127\.0\.0\.1:\d+)\n$", line)
    if not match:
        proc.kill()
        raise AssertionError("no READY line: %r, stderr: %r" % (line, proc.stderr.read()))
    return Server(proc, match.group(1), context)


def random_org():
    """A random valid org ID: the server does not check that the org exists."""
    return uuid.uuid4().hex[:16]


def unique(prefix="remote"):
    """A unique name."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def remote_body(name=None, org_id=ORG_ID):
    """A valid remote creation body."""
    return {"orgID": org_id, "name": name or unique(), "remoteURL": "https://central.example.com:8086",
            "remoteAPIToken": "secret-remote-token"}


def assert_error(response, status, code, message):
    """Check an upstream error answer: status, pretty body and headers."""
    got_status, headers, data = response
    assert got_status == status, data
    assert headers["content-type"] == JSON_TYPE
    assert headers["x-platform-error-code"] == code
    assert data == ('{\n\t"code": %s,\n\t"message": %s\n}' % (go_json(code), go_json(message))).encode("utf-8")


def go_json(text):
    """A JSON string as Go's encoder writes it (<, > and & escaped)."""
    return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def wait_for(predicate, timeout=10):
    """Poll until predicate() is true (or fail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met within %s s" % timeout)


def client_context(certs, cafile="ca.pem", client=None):
    """A verifying client context trusting cafile, optionally with a client certificate."""
    context = ssl.create_default_context(cafile=str(certs / cafile))
    if client:
        context.load_cert_chain(str(certs / (client + ".pem")), str(certs / (client + ".key")))
    return context


def tls_handshake(port, context, server_hostname):
    """Connect to 127.0.0.1 and complete a TLS handshake checking server_hostname; return the peer certificate."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=server_hostname) as tls:
            return tls.getpeercert()


# -- fixtures -----------------------------------------------------------------------------------

@pytest.fixture(name="server", scope="module")
def fixture_server():
    """One plain-HTTP server (with a read-only token) shared by a test module."""
    srv = start_server("--read-only-token", RO_TOKEN)
    yield srv
    srv.stop()


@pytest.fixture(name="srv")
def fixture_srv(server):
    """The module's server with no fault rule and an empty request log."""
    assert server.request("DELETE", "/_test/faults", token=None)[0] == 204
    assert server.request("DELETE", "/_test/requests", token=None)[0] == 204
    yield server
    server.request("DELETE", "/_test/faults", token=None)


def central_args():
    """The options of a central server: its org, its bucket and its write token."""
    return ["--org", "%s=%s" % (CENTRAL_ORG_NAME, CENTRAL_ORG_ID),
            "--bucket", "%s=%s=%s" % (CENTRAL_ORG_NAME, CENTRAL_BUCKET_NAME, CENTRAL_BUCKET_ID),
            "--write-token", WRITE_TOKEN]


@pytest.fixture(name="central", scope="module")
def fixture_central():
    """A second server that replications of the module's server write to."""
    srv = start_server(*central_args())
    yield srv
    srv.stop()


def central_remote(server, central, org_id=ORG_ID, **fields):
    """A remote on server that points at central with the write token and central's org."""
    values = {"remoteURL": central.url, "remoteAPIToken": WRITE_TOKEN, "remoteOrgID": CENTRAL_ORG_ID}
    values.update(fields)
    return server.create_remote(org_id, **values)


@pytest.fixture(name="fresh")
def fixture_fresh(tmp_path):
    """A private server for tests that look at the request log or the log file."""
    srv = start_server("--log-file", str(tmp_path / "requests.jsonl"))
    srv.log_path = tmp_path / "requests.jsonl"
    yield srv
    srv.stop()


@pytest.fixture(name="certs", scope="session")
def fixture_certs(tmp_path_factory):
    """A certificate set written by make_test_certs.py."""
    directory = tmp_path_factory.mktemp("certs")
    subprocess.run([sys.executable, MAKE_CERTS, str(directory)], check=True, timeout=60)
    return directory


@pytest.fixture(name="https", scope="module")
def fixture_https(certs):
    """An HTTPS server with the CA-signed certificate."""
    server = start_server("--tls-cert", str(certs / "server.pem"), "--tls-key", str(certs / "server.key"),
                          context=client_context(certs))
    yield server
    server.stop()


@pytest.fixture(name="selfsigned", scope="module")
def fixture_selfsigned(certs):
    """An HTTPS server with the self-signed certificate."""
    server = start_server("--tls-cert", str(certs / "selfsigned.pem"), "--tls-key", str(certs / "selfsigned.key"))
    yield server
    server.stop()


@pytest.fixture(name="mtls", scope="module")
def fixture_mtls(certs):
    """An HTTPS server that requires a client certificate signed by the CA."""
    server = start_server("--tls-cert", str(certs / "server.pem"), "--tls-key", str(certs / "server.key"),
                          "--client-ca", str(certs / "ca.pem"), context=client_context(certs, client="client"))
    yield server
    server.stop()
