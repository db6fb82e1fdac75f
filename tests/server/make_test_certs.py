"""Write the TLS test certificates used with the test server's --tls-* options.

Usage::

    python3 tests/server/make_test_certs.py DIR [--force]

DIR receives (PEM, private keys unencrypted and readable by the owner only):

- ``ca.pem``, ``ca.key``: a test certificate authority;
- ``server.pem``, ``server.key``: a server certificate for ``127.0.0.1`` and
  ``localhost`` (IP and DNS subject alternative names) signed by that CA;
- ``client.pem``, ``client.key``: a client certificate signed by the same CA;
- ``selfsigned.pem``, ``selfsigned.key``: a self-signed server certificate for
  the same names, not signed by the CA.

The keys are ECDSA P-256, so the whole set is made in a fraction of a second.
Running it again keeps a complete, valid set as it is (``--force`` makes a
new one). It needs only the Python standard library and the ``openssl``
command line tool (OpenSSL 1.1.1 or later).
"""

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile

FILES = ("ca.pem", "ca.key", "server.pem", "server.key", "client.pem", "client.key",
         "selfsigned.pem", "selfsigned.key")
DAYS = 3650
KEY_ARGS = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

# A self-contained OpenSSL configuration: the system one is never read, so
# its defaults cannot add or duplicate extensions.
OPENSSL_CONFIG = """\
[ req ]
distinguished_name = dn
prompt = no

[ dn ]
CN = unused

[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ client_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:influxops-test-client
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ selfsigned_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
"""


class CertError(Exception):
    """openssl failed or is missing."""


def _openssl(args, cwd):
    """Run one openssl command in cwd; raise CertError with its output on failure."""
    try:
        result = subprocess.run(["openssl"] + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                check=False, env=dict(os.environ, OPENSSL_CONF=os.path.join(cwd, "openssl.cnf")))
    except OSError as exc:
        raise CertError("cannot run openssl: %s" % exc) from None
    if result.returncode != 0:
        raise CertError("openssl %s failed: %s" % (args[0], result.stderr.decode("utf-8", "replace").strip()))
    return result.stdout


def _serial():
    return "0x" + secrets.token_hex(16)


def _self_signed(name, subject, extension, cwd):
    _openssl(["req", "-config", "openssl.cnf", "-x509", "-new"] + KEY_ARGS
             + ["-keyout", name + ".key", "-out", name + ".pem", "-days", str(DAYS), "-subj", subject,
                "-extensions", extension, "-set_serial", _serial(), "-sha256"], cwd)


def _signed(name, subject, extension, cwd):
    _openssl(["req", "-config", "openssl.cnf", "-new"] + KEY_ARGS
             + ["-keyout", name + ".key", "-out", name + ".csr", "-subj", subject], cwd)
    _openssl(["x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", _serial(),
              "-days", str(DAYS), "-sha256", "-extfile", "openssl.cnf", "-extensions", extension,
              "-out", name + ".pem"], cwd)


def is_complete(directory):
    """True when every file exists and both CA-signed certificates verify against the CA."""
    if not all(os.path.isfile(os.path.join(directory, name)) for name in FILES):
        return False
    try:
        subprocess.run(["openssl", "verify", "-CAfile", "ca.pem", "server.pem", "client.pem"], cwd=directory,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


def make_certs(directory, force=False):
    """Write the certificate set into directory (created when missing); return its absolute path."""
    directory = os.path.abspath(directory)
    os.makedirs(directory, exist_ok=True)
    if not force and is_complete(directory):
        return directory
    work = tempfile.mkdtemp(prefix=".certs-", dir=directory)
    try:
        with open(os.path.join(work, "openssl.cnf"), "w", encoding="utf-8") as handle:
            handle.write(OPENSSL_CONFIG)
        _self_signed("ca", "/O=influxops test/CN=influxops test CA", "ca_ext", work)
        _signed("server", "/O=influxops test/CN=127.0.0.1", "server_ext", work)
        _signed("client", "/O=influxops test/CN=influxops-test-client", "client_ext", work)
        _self_signed("selfsigned", "/O=influxops test/CN=127.0.0.1", "selfsigned_ext", work)
        for name in FILES:
            source = os.path.join(work, name)
            os.chmod(source, 0o600 if name.endswith(".key") else 0o644)
        # Keys and certificates are replaced one by one; write the CA last so
        # that an interrupted run is never mistaken for a complete set.
        for name in sorted(FILES, key=lambda item: item.startswith("ca.")):
            os.replace(os.path.join(work, name), os.path.join(directory, name))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return directory


def main(argv=None):
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="Write TLS test certificates (CA, server, client, self-signed)")
    parser.add_argument("directory", help="where to write the files (created when missing)")
    parser.add_argument("--force", action="store_true", help="make a new set even when a valid one exists")
    args = parser.parse_args(argv)
    try:
        make_certs(args.directory, args.force)
    except (CertError, OSError) as exc:
        sys.stderr.write("make_test_certs: %s\n" % exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
