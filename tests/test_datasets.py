"""Tests for autograd.datasets.

Network tests use a small HTTP server on 127.0.0.1 that runs inside the test and
serves synthetic IDX files, so nothing here needs internet access. The real-digit
tests read the project's shared t10k copy and are skipped when it is absent.
"""

import gzip
import hashlib
import http.server
import socket
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from autograd import datasets as ds

SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "mnist"
NAMES = list(ds.MNIST_FILES.values())


# ------------------------------------------------------------------ helpers


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
        self.wfile.write(payload)


class Server:
    """Serves ``files`` (URL path -> bytes) and records each request's path and headers."""

    def __init__(self):
        self.files = {}
        self.requests = []
        self.honour_range = True
        self.cut_after = None  # send only this many body bytes, then hang up
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
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Keep every test away from the real cache dir and any user setting."""
    monkeypatch.delenv(ds.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    # Tests are given mirrors explicitly. A call that isn't would hit this dead one.
    monkeypatch.setattr(ds, "MIRRORS", [closed_port_url()])


# --------------------------------------------------------------------- IDX


def test_read_idx_gz_and_raw(tmp_path):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a.gz").write_bytes(gzip.compress(idx_bytes(arr)))
    (tmp_path / "a").write_bytes(idx_bytes(arr))
    # The gzip check looks at the content, so a gunzipped file still named .gz works.
    (tmp_path / "b.gz").write_bytes(idx_bytes(arr))
    for name in ("a.gz", "a", "b.gz"):
        out = ds.read_idx(tmp_path / name, ds.IDX_IMAGES_MAGIC)
        assert out.dtype == np.uint8 and out.shape == (2, 3, 4)
        np.testing.assert_array_equal(out, arr)
        assert out.flags.writeable


def test_read_idx_big_endian_int32(tmp_path):
    vals = np.array([1, -2, 70000], dtype=">i4")
    data = struct.pack(">I", 0x0C01) + struct.pack(">I", 3) + vals.tobytes()
    (tmp_path / "x").write_bytes(data)
    out = ds.read_idx(tmp_path / "x")
    assert out.dtype.isnative
    assert out.tolist() == [1, -2, 70000]


def test_read_idx_bad_magic(tmp_path):
    labels = np.arange(5, dtype=np.uint8)
    f = tmp_path / "labels.gz"
    f.write_bytes(gzip.compress(idx_bytes(labels)))
    with pytest.raises(ds.IDXFormatError, match=r"labels\.gz.*bad magic.*0x00000801.*0x00000803"):
        ds.read_idx(f, ds.IDX_IMAGES_MAGIC)
    g = tmp_path / "junk"
    g.write_bytes(b"\x12\x34\x08\x01" + b"\0" * 8)
    with pytest.raises(ds.IDXFormatError, match="junk.*not an IDX file"):
        ds.read_idx(g)


@pytest.mark.parametrize("cut", [2, 10, 30])
def test_read_idx_truncated(tmp_path, cut):
    data = idx_bytes(np.zeros((2, 4, 4), dtype=np.uint8))
    f = tmp_path / "short-idx3"
    f.write_bytes(data[:cut])
    with pytest.raises(ds.IDXFormatError, match="short-idx3.*truncated"):
        ds.read_idx(f)


def test_read_idx_truncated_gzip_and_trailing_bytes(tmp_path):
    data = idx_bytes(np.arange(100, dtype=np.uint8))
    f = tmp_path / "cut.gz"
    f.write_bytes(gzip.compress(data)[:-10])
    with pytest.raises(ds.IDXFormatError, match=r"cut\.gz.*gzip"):
        ds.read_idx(f)
    g = tmp_path / "long"
    g.write_bytes(data + b"xx")
    with pytest.raises(ds.IDXFormatError, match="long.*2 unexpected bytes"):
        ds.read_idx(g)


# ------------------------------------------------------------ book semantics


def test_load_mnist_book_semantics(tmp_path):
    files = synthetic_mnist()
    d = write_mnist(tmp_path / "m", files)
    x_img = files["train-images-idx3-ubyte.gz"][0]
    x_lbl = files["train-labels-idx1-ubyte.gz"][0]
    t_img = files["t10k-images-idx3-ubyte.gz"][0]

    (x, t), (xt, tt) = ds.load_mnist(path=d, download=False)
    assert x.shape == (12, 784) and x.dtype == np.float32
    assert xt.shape == (7, 784)
    assert 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_allclose(x, x_img.reshape(12, 784) / 255.0, rtol=1e-6)
    assert t.dtype == np.uint8 and t.shape == (12,)
    np.testing.assert_array_equal(t, x_lbl)

    (x, t), (xt, tt) = ds.load_mnist(False, False, True, path=d, download=False)
    assert x.dtype == np.uint8 and x.shape == (12, 1, 28, 28)
    np.testing.assert_array_equal(x[:, 0], x_img)
    np.testing.assert_array_equal(xt[:, 0], t_img)
    assert t.shape == (12, 10) and tt.shape == (7, 10)
    assert t.dtype.kind == "f"
    np.testing.assert_array_equal(t.sum(axis=1), 1)
    np.testing.assert_array_equal(t.argmax(axis=1), x_lbl)

    (x, _), _ = ds.load_mnist(normalize=True, flatten=False, path=d, download=False)
    assert x.shape == (12, 1, 28, 28) and x.dtype == np.float32


def test_load_mnist_raw_files(tmp_path):
    files = synthetic_mnist()
    d = write_mnist(tmp_path / "raw", files, raw=True)
    (x, _), _ = ds.load_mnist(normalize=False, path=d, download=False)
    np.testing.assert_array_equal(x, files[NAMES[0]][0].reshape(-1, 784))


def test_load_mnist_label_count_mismatch(tmp_path):
    files = synthetic_mnist()
    d = write_mnist(tmp_path / "m", files)
    (d / NAMES[1]).write_bytes(gzip.compress(idx_bytes(np.zeros(3, dtype=np.uint8))))
    with pytest.raises(ds.IDXFormatError, match="12 images.*3 labels"):
        ds.load_mnist(path=d, download=False)


# ----------------------------------------------------------------- lookup


def test_env_var_lookup(tmp_path, monkeypatch):
    files = synthetic_mnist()
    d = write_mnist(tmp_path / "env", files)
    monkeypatch.setenv(ds.ENV_VAR, str(d))
    (x, _), _ = ds.load_mnist(download=False)
    assert x.shape == (12, 784)
    # The path argument is searched before the env var.
    other = write_mnist(tmp_path / "arg", synthetic_mnist(n_train=5))
    (x, _), _ = ds.load_mnist(path=other, download=False)
    assert x.shape == (5, 784)


def test_cache_dir_lookup(tmp_path, monkeypatch):
    monkeypatch.setattr(ds.sys, "platform", "linux")
    assert ds.mnist_cache_dir() == tmp_path / "xdg-cache" / "graphgrad" / "mnist"
    write_mnist(ds.mnist_cache_dir(), synthetic_mnist(n_train=3))
    (x, _), _ = ds.load_mnist(download=False)
    assert x.shape == (3, 784)
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert ds.mnist_cache_dir() == tmp_path / "home" / ".cache" / "graphgrad" / "mnist"
    monkeypatch.setattr(ds.sys, "platform", "darwin")
    assert ds.mnist_cache_dir() == tmp_path / "home/Library/Caches/graphgrad/mnist"


def test_not_found_without_download(tmp_path):
    d = write_mnist(tmp_path / "only-test", synthetic_mnist(), names=NAMES[2:])
    with pytest.raises(ds.MNISTNotFoundError) as info:
        ds.load_mnist(path=d, download=False)
    msg = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert str(d) in msg and "missing train-images-idx3-ubyte.gz" in msg
    assert ds.ENV_VAR in msg and "load_mnist_test_split" in msg
    assert all(n in msg for n in NAMES)


# ---------------------------------------------------------------- download


def test_download_into_path(tmp_path, server, capfd):
    files = synthetic_mnist()
    for name, (_, blob) in files.items():
        server.serve("mnist", name, blob)
    digests = {n: sha(b) for n, (_, b) in files.items()}
    d = tmp_path / "dl"
    (x, _), (_, tt) = ds.load_mnist(
        normalize=False, path=d, mirrors=[server.url()], sha256=digests, progress="always"
    )
    np.testing.assert_array_equal(x, files[NAMES[0]][0].reshape(-1, 784))
    np.testing.assert_array_equal(tt, files[NAMES[3]][0])
    assert sorted(p.name for p in d.iterdir()) == sorted(NAMES)
    err = capfd.readouterr().err
    assert "100%" in err and "train-images-idx3-ubyte.gz" in err
    # Now every file is present, so a second call makes no request.
    n = len(server.requests)
    ds.load_mnist(path=d, mirrors=[server.url()], sha256=digests)
    assert len(server.requests) == n


def test_download_only_missing_files_into_cache(tmp_path, server, capfd):
    files = synthetic_mnist()
    for name, (_, blob) in files.items():
        server.serve("mnist", name, blob)
    cache = ds.mnist_cache_dir()
    write_mnist(cache, files, names=NAMES[2:])
    ds.load_mnist(mirrors=[server.url()], sha256={n: sha(b) for n, (_, b) in files.items()})
    assert sorted(p for p, _ in server.requests) == sorted(f"/mnist/{n}" for n in NAMES[:2])
    # progress=True with stderr not a terminal draws nothing.
    assert capfd.readouterr().err == ""


def test_checksum_failure(tmp_path, server):
    good = b"the real file" * 50
    server.serve("bad", "f.gz", b"tampered bytes" * 50)
    dest = tmp_path / "f.gz"
    with pytest.raises(ds.ChecksumError) as info:
        ds.download([server.url("bad") + "f.gz"], dest, sha(good), progress=False)
    msg = str(info.value)
    assert sha(good) in msg and sha(b"tampered bytes" * 50) in msg
    assert info.value.expected == sha(good)
    assert not dest.exists()
    assert not (tmp_path / "f.gz.part").exists()


def test_checksum_failure_via_load_mnist(tmp_path, server):
    files = synthetic_mnist()
    for name, (_, blob) in files.items():
        server.serve("mnist", name, blob[::-1])
    digests = {n: sha(b) for n, (_, b) in files.items()}
    with pytest.raises(ds.ChecksumError, match="expected SHA-256"):
        ds.load_mnist(path=tmp_path / "d", mirrors=[server.url()], sha256=digests)
    assert not any(p.name in NAMES for p in (tmp_path / "d").iterdir())


def test_fallover_to_second_mirror(tmp_path, server):
    body = bytes(range(256)) * 40
    server.serve("bad", "f.gz", b"x" * len(body))  # first mirror: wrong bytes
    server.serve("good", "f.gz", body)
    urls = [closed_port_url() + "f.gz", server.url("bad") + "f.gz", server.url("missing") + "f.gz"]
    urls.append(server.url("good") + "f.gz")
    dest = ds.download(urls, tmp_path / "f.gz", sha(body), progress=False, timeout=5)
    assert dest.read_bytes() == body
    assert [p for p, _ in server.requests] == ["/bad/f.gz", "/missing/f.gz", "/good/f.gz"]


def test_resume_with_range(tmp_path, server):
    body = np.random.default_rng(0).bytes(50_000)
    server.serve("mnist", "f.gz", body)
    part = tmp_path / "f.gz.part"
    part.write_bytes(body[:12_345])
    dest = ds.download(server.url() + "f.gz", tmp_path / "f.gz", sha(body), progress=False)
    assert dest.read_bytes() == body and not part.exists()
    [(_, headers)] = server.requests
    assert headers.get("Range") == "bytes=12345-"


def test_resume_falls_back_to_restart_on_200(tmp_path, server):
    body = np.random.default_rng(1).bytes(20_000)
    server.serve("mnist", "f.gz", body)
    server.honour_range = False
    (tmp_path / "f.gz.part").write_bytes(body[:5000])
    dest = ds.download(server.url() + "f.gz", tmp_path / "f.gz", sha(body), progress=False)
    assert dest.read_bytes() == body
    assert len(server.requests) == 1
    assert server.requests[0][1].get("Range") == "bytes=5000-"


def test_resume_of_corrupt_part_refetches(tmp_path, server):
    body = np.random.default_rng(2).bytes(20_000)
    server.serve("mnist", "f.gz", body)
    (tmp_path / "f.gz.part").write_bytes(b"\0" * 5000)  # wrong prefix
    dest = ds.download(server.url() + "f.gz", tmp_path / "f.gz", sha(body), progress=False)
    assert dest.read_bytes() == body
    assert [h.get("Range") for _, h in server.requests] == ["bytes=5000-", None]


def test_complete_part_gets_416(tmp_path, server):
    body = b"abc" * 1000
    server.serve("mnist", "f.gz", body)
    (tmp_path / "f.gz.part").write_bytes(body)
    dest = ds.download(server.url() + "f.gz", tmp_path / "f.gz", sha(body), progress=False)
    assert dest.read_bytes() == body


def test_dropped_connection_leaves_part_then_resumes(tmp_path, server):
    body = np.random.default_rng(3).bytes(30_000)
    server.serve("mnist", "f.gz", body)
    server.cut_after = 10_000
    dest = tmp_path / "f.gz"
    with pytest.raises(ds.DownloadError, match="10000 of 30000"):
        ds.download(server.url() + "f.gz", dest, sha(body), progress=False)
    assert not dest.exists()
    assert (tmp_path / "f.gz.part").stat().st_size == 10_000
    server.cut_after = None
    ds.download(server.url() + "f.gz", dest, sha(body), progress=False)
    assert dest.read_bytes() == body
    assert server.requests[-1][1].get("Range") == "bytes=10000-"


def test_offline_raises_helpful_error(tmp_path):
    d = tmp_path / "wanted"
    with pytest.raises(ds.MNISTNotFoundError) as info:
        ds.load_mnist(path=d, mirrors=[closed_port_url()], timeout=5)
    msg = str(info.value)
    assert f"into {d}" in msg
    assert all(n in msg for n in NAMES)
    assert ds.ENV_VAR in msg and "Download failed" in msg
    assert isinstance(info.value.__cause__, ds.DownloadError)
    assert not any(d.iterdir())


def test_offline_uses_cache_dir_when_no_path(tmp_path, monkeypatch):
    monkeypatch.setattr(ds.sys, "platform", "linux")
    with pytest.raises(ds.MNISTNotFoundError) as info:
        ds.load_mnist(progress=False)  # module MIRRORS is a closed port (see fixture)
    assert str(ds.mnist_cache_dir()) in str(info.value)
    assert info.value.target == ds.mnist_cache_dir()


def test_download_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        ds.download([], tmp_path / "x", None)
    with pytest.raises(ValueError, match="progress"):
        ds.download(["http://127.0.0.1:1/x"], tmp_path / "x", None, progress="sometimes")
    with pytest.raises(ValueError, match="progress"):
        ds.load_mnist(path=tmp_path, progress="sometimes")


def test_default_digest_table():
    # The published .gz digests (the same in torchvision, TensorFlow and others).
    assert ds.SHA256 == {
        "train-images-idx3-ubyte.gz":
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz":
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz":
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz":
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    }


# ------------------------------------------------------------- real digits


@pytest.fixture(scope="module")
def shared_mnist():
    if not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"shared MNIST test copy not found at {SHARED_MNIST}")
    return SHARED_MNIST


def test_real_mnist_test_split(shared_mnist):
    (x, t), (xt, tt) = ds.load_mnist_test_split(path=shared_mnist)
    assert x.shape == (8000, 784) and xt.shape == (2000, 784)
    assert x.dtype == np.float32 and 0.0 <= x.min() and x.max() <= 1.0
    assert t.shape == (8000,) and tt.shape == (2000,) and t.dtype == np.uint8
    counts = np.bincount(np.concatenate([t, tt]), minlength=10)
    assert counts.tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]

    (x2, _), (_, tt2) = ds.load_mnist_test_split(path=shared_mnist)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(tt, tt2)
    (x3, _), _ = ds.load_mnist_test_split(path=shared_mnist, seed=1)
    assert not np.array_equal(x, x3)

    (xu, tu), (xtu, _) = ds.load_mnist_test_split(
        path=shared_mnist, n_train=100, normalize=False, flatten=False, one_hot_label=True
    )
    assert xu.shape == (100, 1, 28, 28) and xu.dtype == np.uint8 and xtu.shape == (9900, 1, 28, 28)
    assert tu.shape == (100, 10)
    # The split is exactly default_rng(seed).permutation of the file's rows, so the
    # two halves don't overlap and together hold every image.
    full = ds.read_idx(shared_mnist / "t10k-images-idx3-ubyte.gz", ds.IDX_IMAGES_MAGIC)
    perm = np.random.default_rng(0).permutation(10000)
    np.testing.assert_array_equal(xu[:, 0], full[perm[:100]])
    np.testing.assert_array_equal(xtu[:, 0], full[perm[100:]])


def test_real_mnist_via_env_and_load_mnist_hint(shared_mnist, monkeypatch):
    monkeypatch.setenv(ds.ENV_VAR, str(shared_mnist))
    (x, _), _ = ds.load_mnist_test_split(n_train=9000)
    assert x.shape == (9000, 784)
    with pytest.raises(ds.MNISTNotFoundError, match="load_mnist_test_split"):
        ds.load_mnist(download=False)


def test_test_split_not_found(tmp_path, monkeypatch):
    monkeypatch.setattr(ds, "_SHARED_TEST_DIR", tmp_path / "nowhere")
    with pytest.raises(ds.MNISTNotFoundError, match="t10k-labels-idx1-ubyte.gz"):
        ds.load_mnist_test_split(path=tmp_path / "empty")


def test_test_split_argument_errors(tmp_path):
    d = write_mnist(tmp_path / "t", synthetic_mnist(n_test=10), names=NAMES[2:])
    (x, _), (xt, _) = ds.load_mnist_test_split(path=d, n_train=7)
    assert x.shape == (7, 784) and xt.shape == (3, 784)
    with pytest.raises(ValueError, match="less than 10"):
        ds.load_mnist_test_split(path=d, n_train=10)
    with pytest.raises(ValueError):
        ds.load_mnist_test_split(path=d, n_train=0)
    with pytest.raises(TypeError):
        ds.load_mnist_test_split(path=d, n_train=5.0)


# --------------------------------------------------------- generated data


def test_spiral():
    x, t = ds.spiral()
    assert x.shape == (300, 2) and t.shape == (300,)
    assert x.dtype == np.float64 and t.dtype == np.int64
    assert np.bincount(t).tolist() == [100, 100, 100]
    assert np.all(np.hypot(x[:, 0], x[:, 1]) < 1.0)
    x2, t2 = ds.spiral()
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(t, t2)
    assert not np.array_equal(ds.spiral(seed=1)[0], x)
    x, t = ds.spiral(n_per_class=7, n_classes=5)
    assert x.shape == (35, 2) and set(t.tolist()) == set(range(5))


def test_two_moons():
    x, t = ds.two_moons(n=101, noise=0.0)
    assert x.shape == (101, 2) and np.bincount(t).tolist() == [50, 51]
    upper, lower = x[t == 0], x[t == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert np.all(upper[:, 1] >= 0) and np.all(lower[:, 1] <= 0.5)
    a, b = ds.two_moons(seed=3), ds.two_moons(seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(ds.two_moons(seed=4)[0], a[0])


def test_xor():
    x, t = ds.xor(n=500)
    assert x.shape == (500, 2) and t.dtype == np.int64
    assert np.all(np.abs(x) <= 1)
    np.testing.assert_array_equal(t, (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(int))
    assert 150 < t.sum() < 350
    xn, tn = ds.xor(n=500, noise=0.1)
    np.testing.assert_array_equal(tn, t)  # same seed: the same clean points and labels
    assert not np.array_equal(xn, x)
    np.testing.assert_array_equal(ds.xor(seed=5)[0], ds.xor(seed=5)[0])


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda: ds.spiral(n_per_class=0), ValueError),
        (lambda: ds.spiral(n_classes=2.5), TypeError),
        (lambda: ds.spiral(n_per_class=True), TypeError),
        (lambda: ds.two_moons(n=1), ValueError),
        (lambda: ds.two_moons(noise=-0.1), ValueError),
        (lambda: ds.two_moons(noise=float("nan")), ValueError),
        (lambda: ds.xor(n=-3), ValueError),
        (lambda: ds.xor(noise="0.1"), TypeError),
    ],
)
def test_generated_argument_errors(call, exc):
    with pytest.raises(exc):
        call()
