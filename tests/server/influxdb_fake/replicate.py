"""Replication at work: a queue per replication, a worker that sends it to the remote, and validation writes.

Upstream: replications/service.go (WritePoints: batches of at most 5000 points
and 2.5 MB, gzipped, queued for every replication of the org and bucket;
a full queue refuses them while the local write succeeds),
replications/internal/queue_management.go (one queue per replication,
removed with it), replications/remotewrite/writer.go (PostWrite: the URL,
the bucket and org parameters, the token, allowInsecureTLS; every attempt
re-reads the config and records the response code and error message; 0 and
the transport error when no answer came; only 400 is dropped, and only with
dropNonRetryableData; Retry-After on 429; backoff 0.5 s * 2^n) and the
validator that sends an empty write. The queues need only the database: they
read each replication's config and queue limit from it and record its latest
response in it (replications/internal/store.go GetFullHTTPConfig,
UpdateResponseInfo).

Differences (README): the queue lives in memory (a restart empties it, the
replications stay), the backoff is capped at --replication-retry-max seconds
(upstream: 15 minutes) so that tests see recovery quickly, maxAgeSeconds is
stored but nothing is purged by age, and a remote write times out after
REMOTE_WRITE_TIMEOUT seconds (upstream: 2 minutes).
"""

import collections
import gzip
import http.client
import json
import socket
import ssl
import threading
from http import HTTPStatus
from urllib.parse import urlencode, urlsplit

from .wire import DEFAULT_VERSION, SERVER_COMMIT

MAX_BATCH_POINTS = 5000
MAX_BATCH_BYTES = 2500000
# A queue's segment (pkg/durablequeue): an 8-byte footer, and each block with its 8-byte length prefix.
SEGMENT_BYTES = 8
BLOCK_PREFIX_BYTES = 8
REMOTE_WRITE_TIMEOUT = 10
DEFAULT_RETRY_FIRST = 0.5
DEFAULT_RETRY_MAX = 5.0


def user_agent(version):
    """The User-Agent of the remote writes of a server of this version (remotewrite/writer.go)."""
    return "influxdb-oss-replication/%s (linux) Sha/%s Date/" % (version, SERVER_COMMIT)


class HTTPConfig:
    """What a remote write needs (upstream influxdb.ReplicationHTTPConfig)."""

    def __init__(self, remote_url, token, remote_org_id, insecure, bucket_id=None, bucket_name="", drop=False):
        self.remote_url = remote_url
        self.token = token
        self.remote_org_id = remote_org_id
        self.insecure = bool(insecure)
        self.bucket_id = bucket_id
        self.bucket_name = bucket_name or ""
        self.drop = bool(drop)

    def bucket(self):
        """The bucket parameter: the name when there is one (or no ID), else the ID."""
        if self.bucket_id is None or self.bucket_name:
            return self.bucket_name
        return self.bucket_id


def http_config(db, replication_id):
    """The stored remote config of a replication (GetFullHTTPConfig), or None when it is gone."""
    with db.lock:
        row = db.conn.execute(
            "SELECT c.remote_url, c.remote_api_token, c.remote_org_id, c.allow_insecure_tls, r.remote_bucket_id, "
            "r.remote_bucket_name, r.drop_non_retryable_data FROM replications r JOIN remotes c ON r.remote_id = c.id "
            "WHERE r.id = ?", (replication_id,)).fetchone()
    if row is None:
        return None
    return HTTPConfig(row["remote_url"], row["remote_api_token"], row["remote_org_id"], row["allow_insecure_tls"],
                      row["remote_bucket_id"], row["remote_bucket_name"], row["drop_non_retryable_data"])


def _record_response(db, replication_id, status, message):
    """Store the latest remote write answer (UpdateResponseInfo)."""
    with db.lock:
        db.conn.execute("UPDATE replications SET latest_response_code = ?, latest_error_message = ? WHERE id = ?",
                        (status, message, replication_id))


def _transport_reason(exc, host, port):
    """Go's net/http wording for a request that got no answer."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        if exc.verify_code in (18, 19, 20, 21):
            return "tls: failed to verify certificate: x509: certificate signed by unknown authority"
        if exc.verify_code == 62:
            return "tls: failed to verify certificate: x509: certificate is not valid for %s" % host
        return "tls: failed to verify certificate: x509: %s" % exc.verify_message
    if isinstance(exc, socket.timeout):
        return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
    if isinstance(exc, socket.gaierror):
        return "dial tcp: lookup %s: no such host" % host
    if isinstance(exc, ConnectionRefusedError):
        address = host if ":" not in host else "[%s]" % host
        return "dial tcp %s:%d: connect: connection refused" % (address, port)
    if isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError, http.client.IncompleteRead)):
        return "EOF"
    return str(exc) or type(exc).__name__


def post_write(config, data, agent, timeout=REMOTE_WRITE_TIMEOUT):
    """POST <remoteURL>/api/v2/write?bucket=&org= with the remote's token and the User-Agent agent; return (status,
    error message, retry-after).

    status is 0 when no answer came (the message quotes the URL as Go's
    url.Error does). The message is "" for 204, else upstream's
    "invalid response code N, must be 204: N Status: message".
    """
    base = config.remote_url.rstrip("/")
    url = "%s/api/v2/write?%s" % (base, urlencode([("bucket", config.bucket()), ("org", config.remote_org_id or "")]))
    try:
        split = urlsplit(url)
        port = split.port
    except ValueError as exc:
        return 0, 'parse "%s": %s' % (config.remote_url, exc), None
    if split.scheme not in ("http", "https"):
        return 0, 'Post "%s": unsupported protocol scheme "%s"' % (url, split.scheme), None
    host = split.hostname or ""
    if not host:
        return 0, 'Post "%s": http: no Host in request URL' % url, None
    port = port or (443 if split.scheme == "https" else 80)
    headers = {"Authorization": "Token %s" % config.token, "User-Agent": agent, "Accept": "application/json",
               "Content-Type": "text/plain"}
    if data:
        headers["Content-Encoding"] = "gzip"
    if split.scheme == "https":
        context = ssl.create_default_context()
        if config.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    target = split.path + "?" + split.query
    try:
        conn.request("POST", target, body=data, headers=headers)
        response = conn.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException) as exc:
        return 0, 'Post "%s": %s' % (url, _transport_reason(exc, host, port)), None
    finally:
        conn.close()
    if response.status == 204:
        return 204, "", None
    status = "%d %s" % (response.status, _status_text(response.status))
    try:
        message = json.loads(body.decode("utf-8")).get("message")
    except (ValueError, AttributeError):
        message = None
    reason = status if not isinstance(message, str) else "%s: %s" % (status, message)
    return response.status, "invalid response code %d, must be 204: %s" % (response.status, reason), response.getheader("Retry-After")


def _status_text(status):
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def batches(lines):
    """Split points as WritePoints does (5000 points or 2.5 MB of line protocol) and gzip each batch (Go's default level, 6)."""
    result = []
    current = []
    size = 0
    for line in lines:
        encoded = line.encode("utf-8") + b"\n"
        if current and (size + len(encoded) > MAX_BATCH_BYTES or len(current) % MAX_BATCH_POINTS == 0):
            result.append(gzip.compress(b"".join(current), compresslevel=6))
            current = []
            size = 0
        current.append(encoded)
        size += len(encoded)
    if current:
        result.append(gzip.compress(b"".join(current), compresslevel=6))
    return result


class Queue:
    """One replication's queue of gzipped batches and the worker that sends them."""

    def __init__(self, replicator, replication_id, org_id, bucket_id):
        self.replicator = replicator
        self.id = replication_id
        self.org_id = org_id
        self.bucket_id = bucket_id
        self.items = collections.deque()
        self.remaining = 0  # the queued blocks with their length prefixes (Queue.TotalBytes)
        self.cond = threading.Condition()
        self.stopped = False
        self.thread = threading.Thread(target=self._run, name="replication-%s" % replication_id, daemon=True)

    def start(self):
        """Start the worker."""
        self.thread.start()

    def stop(self):
        """Stop the worker and drop what is queued."""
        with self.cond:
            self.stopped = True
            self.items.clear()
            self.remaining = 0
            self.cond.notify_all()

    def sizes(self):
        """(currentQueueSizeBytes, remainingBytesToBeSynced)."""
        with self.cond:
            return SEGMENT_BYTES + self.remaining, self.remaining

    def append(self, data, max_size):
        """Queue one batch unless the queue's size and the batch's bytes (its length prefix left out, as upstream's
        Queue.Append counts) exceed max_size; True when queued."""
        with self.cond:
            if self.stopped or SEGMENT_BYTES + self.remaining + len(data) > max_size:
                return False
            self.items.append(data)
            self.remaining += BLOCK_PREFIX_BYTES + len(data)
            self.cond.notify_all()
            return True

    def _next(self):
        with self.cond:
            while not self.items and not self.stopped:
                self.cond.wait()
            return None if self.stopped else self.items[0]

    def _done(self, data):
        with self.cond:
            if self.items and self.items[0] is data:
                self.items.popleft()
                self.remaining -= BLOCK_PREFIX_BYTES + len(data)

    def _pause(self, seconds):
        with self.cond:
            self.cond.wait_for(lambda: self.stopped, timeout=seconds)

    def _run(self):
        try:
            self._send_all()
        except Exception:  # pylint: disable=broad-except
            # the store closes at shutdown while a remote write may still be under way
            if not self.stopped:
                raise

    def _send_all(self):
        attempts = 0
        while True:
            data = self._next()
            if data is None:
                return
            config = http_config(self.replicator.db, self.id)
            if config is None:
                return
            status, message, retry_after = post_write(config, data, self.replicator.agent)
            if self.stopped:
                return
            _record_response(self.replicator.db, self.id, status, message)
            if status == 204 or (status == 400 and config.drop):
                self._done(data)
                attempts = 0
                continue
            attempts += 1
            wait = self.replicator.backoff(attempts)
            if status == 429 and retry_after:
                try:
                    wait = min(max(int(retry_after), 0) or wait, self.replicator.retry_max)
                except ValueError:
                    pass
            self._pause(wait)


class Replicator:
    """Every replication's queue (app.replicator) on the database db, sending as a server of this version."""

    def __init__(self, db, retry_first=DEFAULT_RETRY_FIRST, retry_max=DEFAULT_RETRY_MAX, version=DEFAULT_VERSION):
        self.db = db
        self.agent = user_agent(version)
        self.retry_first = retry_first
        self.retry_max = retry_max
        self.lock = threading.Lock()
        self.queues = {}

    def backoff(self, attempts):
        """Upstream's 0.5 s * 2^(n-1), from retry_first and capped at retry_max."""
        return min(self.retry_first * 2 ** min(attempts - 1, 30), self.retry_max)

    def open(self):
        """Start a queue for each stored replication."""
        for row in self.db.select("replications", "id, org_id, local_bucket_id", order="rowid"):
            self.add(row["id"], row["org_id"], row["local_bucket_id"])

    def add(self, replication_id, org_id, bucket_id):
        """Start the queue of a new replication."""
        queue = Queue(self, replication_id, org_id, bucket_id)
        with self.lock:
            self.queues[replication_id] = queue
        queue.start()

    def remove(self, replication_id):
        """Stop a replication's worker and drop its queue."""
        with self.lock:
            queue = self.queues.pop(replication_id, None)
        if queue is not None:
            queue.stop()

    def sizes(self, replication_id):
        """(currentQueueSizeBytes, remainingBytesToBeSynced) of a replication."""
        with self.lock:
            queue = self.queues.get(replication_id)
        return (SEGMENT_BYTES, 0) if queue is None else queue.sizes()

    def enqueue(self, org_id, bucket_id, lines):
        """Queue points written to a bucket for every replication of that org and local bucket."""
        with self.lock:
            queues = [queue for queue in self.queues.values() if queue.org_id == org_id and queue.bucket_id == bucket_id]
        if not queues:
            return
        data = batches(lines)
        for queue in queues:
            row = self.db.row("replications", "max_queue_size_bytes", queue.id)
            if row is None:
                continue
            for item in data:
                queue.append(item, row["max_queue_size_bytes"])

    def close(self):
        """Stop every worker (each waits at most for its current remote write)."""
        with self.lock:
            queues = list(self.queues.values())
            self.queues = {}
        for queue in queues:
            queue.stop()
        for queue in queues:
            queue.thread.join(timeout=1)
