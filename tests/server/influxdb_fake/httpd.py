"""HTTP/1.1 and TLS plumbing on top of http.server: read a request, hand it to the App, write the answer."""

import socket
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from .wire import Request

HANDSHAKE_TIMEOUT = 10


class RequestHandler(BaseHTTPRequestHandler):
    """One connection: HTTP/1.1 with keep-alive, every method through App.handle."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Stay quiet: the request log (and --verbose) replace the default log."""

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self):
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, "bad request body")
            return
        split = urlsplit(self.path)
        req = Request(self.command, unquote(split.path), parse_qs(split.query, keep_blank_values=True), self.headers, body)
        response = self.server.app.handle(req)
        if response.status is None:
            self.close_connection = True
            return
        self.send_response_only(response.status)
        self.send_header("Date", self.date_time_string())
        self.send_header("X-Influxdb-Build", "OSS")
        self.send_header("X-Influxdb-Version", self.server.app.version)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.body is not None:
            self.send_header("Content-Length", str(len(response.body)))
        elif response.status != 204:
            self.send_header("Content-Length", "0")
        self.end_headers()
        if response.body and self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle


class Server(ThreadingHTTPServer):
    """A ThreadingHTTPServer for one App; with an SSL context it serves HTTPS."""

    daemon_threads = True

    def __init__(self, address, app, ssl_context=None):
        super().__init__(address, RequestHandler)
        self.app = app
        self.ssl_context = ssl_context

    def finish_request(self, request, client_address):
        """Run the TLS handshake (in the connection's own thread), then serve the connection."""
        if self.ssl_context is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            connection = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ValueError) as exc:
            if self.app.verbose:
                sys.stderr.write("TLS handshake with %s failed: %s\n" % (client_address[0], exc))
                sys.stderr.flush()
            return
        try:
            connection.settimeout(None)
            super().finish_request(connection, client_address)
        finally:
            self.shutdown_request(connection)

    def handle_error(self, request, client_address):
        """Stay quiet when a client goes away (timeouts, dropped TLS); report anything else."""
        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, socket.timeout)):
            return
        super().handle_error(request, client_address)


def make_ssl_context(cert, key, client_ca=None):
    """A server-side TLS context (TLS 1.2 or later); with client_ca clients must present a certificate it signed."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    if client_ca:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=client_ca)
    return context
