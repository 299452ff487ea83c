"""What the dataset tests share: synthetic IDX files and a small HTTP server on 127.0.0.1
(Range requests, dropped connections, a throttle), so nothing needs internet access."""

import gzip
import hashlib
import http.server
import socket
import struct
import threading
import time

import numpy as np

NAMES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def idx_bytes(arr, magic=None):
    arr = np.asarray(arr, dtype=np.uint8)
    if magic is None:
        magic = 0x0800 | arr.ndim
    return struct.pack(">I", magic) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def synthetic_mnist(n_train=12, n_test=7, seed=1):
    """Small random data with MNIST shapes, as name -> (array, gz bytes)."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    # mtime=0 so that the bytes, and the digests, are the same on every run.
    return {k: (a, gzip.compress(idx_bytes(a), mtime=0)) for k, a in arrays.items()}


def write_mnist(directory, files, names=NAMES, raw=False):
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        arr, blob = files[name]
        if raw:
            (directory / name[:-3]).write_bytes(idx_bytes(arr))
        else:
            (directory / name).write_bytes(blob)
    return directory


def sha(b):
    return hashlib.sha256(b).hexdigest()


def closed_port_url():
    # Bind and close at once, so connections to this port are refused.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def data_files(directory):
    """The names in `directory`, without the locks and digest records beside them."""
    return sorted(p.name for p in directory.iterdir()
                  if not p.name.endswith((".lock", ".sha256")))


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        srv = self.server.owner
        srv.requests.append((self.path, dict(self.headers)))
        body = srv.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        rng = self.headers.get("Range")
        if rng and srv.honour_range:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            payload = body[start:]
        else:
            self.send_response(200)
            payload = body
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if srv.cut_after is not None:
            # Act like a connection that drops partway through the body.
            self.wfile.write(payload[: srv.cut_after])
            self.close_connection = True
            return
        if srv.gate is not None:
            # the first third now, the rest once the test has seen what it waits for:
            # no race against the clock, however busy the machine
            third = len(payload) // 3
            self.wfile.write(payload[:third])
            self.wfile.flush()
            srv.gate.wait(GATE_SECONDS)
            payload = payload[third:]
        self._send(payload, srv.rate, srv.trickle)

    def _send(self, payload, rate, trickle):
        if trickle is not None:  # a byte, then a pause: never long enough for a timeout
            try:
                for i in range(len(payload)):
                    self.wfile.write(payload[i:i + 1])
                    time.sleep(trickle)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, as it should
            return
        if rate is None:
            self.wfile.write(payload)
            return
        step = 16_384
        for i in range(0, len(payload), step):
            self.wfile.write(payload[i:i + step])
            time.sleep(step / rate)


GATE_SECONDS = 120  # a gate left shut opens by itself: a failing test must still end


class Server:
    """Serves ``files`` (URL path -> bytes) and records each request's path and headers;
    ``rate`` (bytes per second per connection) throttles the bodies, ``trickle`` sends
    them a byte at a time, that many seconds apart; ``gate`` (a threading.Event)
    holds every body after its first third until it is set."""

    def __init__(self):
        self.files = {}
        self.requests = []
        self.honour_range = True
        self.cut_after = None  # send only this many body bytes, then hang up
        self.rate = None
        self.gate = None
        self.trickle = None  # seconds between single bytes of a body
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        # A short poll interval makes shutdown() quick, which keeps the tests fast.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    def url(self, prefix="mnist"):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{prefix}/"

    def serve(self, prefix, name, body):
        self.files[f"/{prefix}/{name}"] = body

    def close(self):
        if self.gate is not None:
            self.gate.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
