"""HTTPS and mutual TLS, with certificates written by make_test_certs.py."""

import os
import ssl
import subprocess
import sys
import time

import pytest

from conftest import (
    CERT_FILES, CONNECTION_FAILURES, MAKE_CERTS, ORG_ID, ORG_NAME, REMOTES, SERVER, TOKEN, Server,
    client_context, remote_body, start_server, tls_handshake)


# -- certificates -----------------------------------------------------------------------------------

def test_make_test_certs_writes_every_file_quickly(tmp_path):
    target = tmp_path / "new" / "certs"
    start = time.monotonic()
    result = subprocess.run([sys.executable, MAKE_CERTS, str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            check=False, timeout=60)
    elapsed = time.monotonic() - start
    assert result.returncode == 0, result.stderr
    assert elapsed < 10
    assert sorted(os.listdir(str(target))) == sorted(CERT_FILES)
    for name in CERT_FILES:
        mode = os.stat(str(target / name)).st_mode & 0o777
        assert mode == (0o600 if name.endswith(".key") else 0o644), name
        assert (target / name).read_text(encoding="ascii").startswith("-----BEGIN ")


def test_make_test_certs_is_idempotent(tmp_path):
    subprocess.run([sys.executable, MAKE_CERTS, str(tmp_path)], check=True, timeout=60)
    first = {name: (tmp_path / name).read_bytes() for name in CERT_FILES}
    subprocess.run([sys.executable, MAKE_CERTS, str(tmp_path)], check=True, timeout=60)
    assert {name: (tmp_path / name).read_bytes() for name in CERT_FILES} == first
    (tmp_path / "client.key").unlink()
    subprocess.run([sys.executable, MAKE_CERTS, str(tmp_path)], check=True, timeout=60)
    second = {name: (tmp_path / name).read_bytes() for name in CERT_FILES}
    assert second["ca.pem"] != first["ca.pem"]
    subprocess.run([sys.executable, MAKE_CERTS, str(tmp_path), "--force"], check=True, timeout=60)
    assert (tmp_path / "ca.pem").read_bytes() != second["ca.pem"]
    assert sorted(os.listdir(str(tmp_path))) == sorted(CERT_FILES)


def test_make_test_certs_bad_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = subprocess.run([sys.executable, MAKE_CERTS, str(blocker)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            check=False, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith(b"make_test_certs: ")


# -- HTTPS ------------------------------------------------------------------------------------------

def test_https_ready_line_and_api(https):
    assert https.url.startswith("https://127.0.0.1:")
    status, _headers, data = https.request("GET", "/health", token=None)
    assert status == 200 and b'"status":"pass"' in data
    status, value = https.json("POST", REMOTES, remote_body())
    assert status == 201
    assert https.json("GET", REMOTES + "/" + value["id"]) == (200, value)


@pytest.mark.parametrize("hostname", ["127.0.0.1", "localhost"])
def test_server_certificate_names(https, certs, hostname):
    cert = tls_handshake(https.port, client_context(certs), hostname)
    assert ("IP Address", "127.0.0.1") in cert["subjectAltName"]
    assert ("DNS", "localhost") in cert["subjectAltName"]


def test_server_certificate_wrong_name_fails(https, certs):
    with pytest.raises(ssl.SSLCertVerificationError):
        tls_handshake(https.port, client_context(certs), "influxdb.example.com")


def test_https_default_trust_fails(https):
    with pytest.raises(ssl.SSLCertVerificationError) as info:
        https.request("GET", "/health", token=None, context=ssl.create_default_context())
    assert "unable to get local issuer certificate" in str(info.value)


def test_https_without_verification_succeeds(https):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    assert https.request("GET", "/health", token=None, context=context)[0] == 200


def test_plain_http_to_https_port_fails(https):
    plain = Server(None, "http://127.0.0.1:%d" % https.port)
    with pytest.raises(CONNECTION_FAILURES):
        plain.request("GET", "/health", token=None)
    assert https.request("GET", "/health", token=None)[0] == 200


def test_https_with_requests(https, certs):
    requests = pytest.importorskip("requests")
    response = requests.get(https.url + "/health", verify=str(certs / "ca.pem"), timeout=10)
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(https.url + "/health", timeout=10)


def test_self_signed_server_fails_verification(selfsigned, certs):
    for context in (ssl.create_default_context(), client_context(certs)):
        with pytest.raises(ssl.SSLCertVerificationError) as info:
            selfsigned.request("GET", "/health", token=None, context=context)
        assert "self" in str(info.value) and "signed" in str(info.value)


def test_self_signed_server_without_verification(selfsigned):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    assert selfsigned.request("GET", "/health", token=None, context=context)[0] == 200


def test_faults_over_https(https):
    https.add_fault([{"method": "GET", "path": "/ping", "status": 503}, {"method": "GET", "path": "/ping", "drop": True}])
    assert https.request("GET", "/ping", token=None)[0] == 503
    with pytest.raises(CONNECTION_FAILURES):
        https.request("GET", "/ping", token=None)
    assert https.request("GET", "/ping", token=None)[0] == 204


# -- mutual TLS -------------------------------------------------------------------------------------

def test_mtls_with_client_certificate(mtls):
    assert mtls.request("GET", "/health", token=None)[0] == 200
    assert mtls.json("GET", "/api/v2/orgs?org=" + ORG_NAME)[0] == 200


def test_mtls_with_client_certificate_using_requests(mtls, certs):
    requests = pytest.importorskip("requests")
    response = requests.get(mtls.url + "/health", verify=str(certs / "ca.pem"),
                            cert=(str(certs / "client.pem"), str(certs / "client.key")), timeout=10)
    assert response.status_code == 200
    with pytest.raises((requests.exceptions.SSLError, requests.exceptions.ConnectionError)):
        requests.get(mtls.url + "/health", verify=str(certs / "ca.pem"), timeout=10)


def test_mtls_without_client_certificate_fails(mtls, certs):
    with pytest.raises(CONNECTION_FAILURES):
        mtls.request("GET", "/health", token=None, context=client_context(certs))


def test_mtls_with_a_certificate_from_another_issuer_fails(mtls, certs):
    with pytest.raises(CONNECTION_FAILURES):
        mtls.request("GET", "/health", token=None, context=client_context(certs, client="selfsigned"))


def test_mtls_failed_handshakes_are_not_requests(certs):
    server = start_server("--tls-cert", str(certs / "server.pem"), "--tls-key", str(certs / "server.key"),
                          "--client-ca", str(certs / "ca.pem"), context=client_context(certs, client="client"))
    try:
        with pytest.raises(CONNECTION_FAILURES):
            server.request("GET", "/health", token=None, context=client_context(certs))
        assert server.log() == []
    finally:
        out, err = server.stop()
    assert (out, err) == (b"", b"")


@pytest.mark.parametrize("args, message", [
    (["--tls-cert", "server.pem"], b"--tls-cert and --tls-key go together"),
    (["--tls-key", "server.key"], b"--tls-cert and --tls-key go together"),
    (["--client-ca", "ca.pem"], b"--client-ca needs --tls-cert and --tls-key"),
    (["--tls-cert", "missing.pem", "--tls-key", "server.key"], b"cannot load the TLS certificate"),
    (["--tls-cert", "server.pem", "--tls-key", "client.key"], b"cannot load the TLS certificate"),
    (["--tls-cert", "server.pem", "--tls-key", "server.key", "--client-ca", "missing.pem"], b"cannot load the TLS certificate"),
])
def test_bad_tls_command_line(certs, args, message):
    args = [str(certs / arg) if arg.endswith((".pem", ".key")) else arg for arg in args]
    cmd = [sys.executable, SERVER, "--port", "0", "--token", TOKEN, "--org", "%s=%s" % (ORG_NAME, ORG_ID)] + args
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, check=False)
    assert result.returncode == 2
    assert result.stdout == b""
    assert message in result.stderr
    assert b"Traceback" not in result.stderr
