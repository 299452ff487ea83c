"""autograd.datasets.mnist: the book's load_mnist, the t10k split, the fallback loader,
and what they do with a damaged cached file.

Network tests use a small HTTP server on 127.0.0.1 that runs inside the test and
serves synthetic IDX files, so nothing here needs internet access. The real-digit
tests read the project's shared t10k copy (tests/conftest.py: MNIST_DIR, passed as a
path or $GRAPHGRAD_MNIST_DIR, never found by the package itself) and are skipped when it
is absent.
"""

import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograd import datasets as ds
from autograd.datasets import downloader
from tests.conftest import MNIST_DIR, MNIST_DIR_SHA256
from tests.datasets.helpers import (
    NAMES,
    closed_port_url,
    data_files,
    idx_bytes,
    sha,
    synthetic_mnist,
    write_mnist,
)

ROOT = Path(__file__).resolve().parents[2]
SHARED_MNIST = MNIST_DIR


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
    monkeypatch.setattr(sys, "platform", "linux")
    assert ds.mnist_cache_dir() == tmp_path / "xdg-cache" / "graphgrad" / "mnist"
    write_mnist(ds.mnist_cache_dir(), synthetic_mnist(n_train=3))
    (x, _), _ = ds.load_mnist(download=False)
    assert x.shape == (3, 784)
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert ds.mnist_cache_dir() == tmp_path / "home" / ".cache" / "graphgrad" / "mnist"
    monkeypatch.setattr(sys, "platform", "darwin")
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
    assert data_files(d) == sorted(NAMES)
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


def test_checksum_failure_via_load_mnist(tmp_path, server):
    files = synthetic_mnist()
    for name, (_, blob) in files.items():
        server.serve("mnist", name, blob[::-1])
    digests = {n: sha(b) for n, (_, b) in files.items()}
    with pytest.raises(ds.ChecksumError, match="expected SHA-256"):
        ds.load_mnist(path=tmp_path / "d", mirrors=[server.url()], sha256=digests)
    assert not any(p.name in NAMES for p in (tmp_path / "d").iterdir())


def test_offline_raises_helpful_error(tmp_path):
    d = tmp_path / "wanted"
    with pytest.raises(ds.MNISTNotFoundError) as info:
        ds.load_mnist(path=d, mirrors=[closed_port_url()], timeout=60)
    msg = str(info.value)
    assert f"into {d}" in msg
    assert all(n in msg for n in NAMES)
    assert ds.ENV_VAR in msg and "Download failed" in msg
    assert isinstance(info.value.__cause__, ds.DownloadError)
    assert data_files(d) == []


def test_offline_uses_cache_dir_when_no_path(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    with pytest.raises(ds.MNISTNotFoundError) as info:
        ds.load_mnist(progress=False)  # module MIRRORS is a closed port (see fixture)
    assert str(ds.mnist_cache_dir()) in str(info.value)
    assert info.value.target == ds.mnist_cache_dir()


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


def test_test_split_not_found(tmp_path):
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


# --------------------------------------------------------- digests and damaged files


def test_every_file_has_a_digest():
    assert set(ds.SHA256) == set(ds.MNIST_FILES.values())
    assert set(MNIST_DIR_SHA256) <= set(ds.SHA256)
    assert all(len(d) == 64 and int(d, 16) >= 0 for d in ds.SHA256.values())


def test_the_shared_copy_has_its_known_digests(shared_mnist):
    for name, digest in MNIST_DIR_SHA256.items():
        assert sha((shared_mnist / name).read_bytes()) == digest


def _served(server, files):
    for name, (_, blob) in files.items():
        server.serve("mnist", name, blob)
    return {n: sha(b) for n, (_, b) in files.items()}


def test_a_damaged_cached_file_is_moved_aside_and_fetched_again(tmp_path, server):
    files = synthetic_mnist()
    digests = _served(server, files)
    d = tmp_path / "cache"
    ds.load_mnist(path=d, mirrors=[server.url()], sha256=digests, progress=False)
    assert all((d / f"{n}.sha256").read_text().startswith(digests[n]) for n in NAMES)
    # what the old downloader did when two processes shared the cache: the loser
    # appended its bytes to the file the winner had verified and renamed
    with open(d / NAMES[0], "ab") as f:
        f.write(files[NAMES[0]][1][:100])
    n = len(server.requests)
    with pytest.warns(ds.DamagedFileWarning, match=rf"{NAMES[0]} is damaged \(SHA-256 "
                      r"\w+, recorded when it was downloaded \w+\); moved it to .*\.bad"):
        (x, _), _ = ds.load_mnist(path=d, mirrors=[server.url()], sha256=digests,
                                  normalize=False)
    np.testing.assert_array_equal(x, files[NAMES[0]][0].reshape(-1, 784))
    assert [p for p, _ in server.requests[n:]] == [f"/mnist/{NAMES[0]}"]
    assert (d / f"{NAMES[0]}.bad").stat().st_size == len(files[NAMES[0]][1]) + 100


def test_a_damaged_file_without_download_is_moved_aside_and_named(tmp_path, server):
    files = synthetic_mnist()
    digests = _served(server, files)
    d = tmp_path / "cache"
    ds.load_mnist(path=d, mirrors=[server.url()], sha256=digests)
    (d / NAMES[3]).write_bytes(b"<html>rate limited</html>")
    with pytest.warns(ds.DamagedFileWarning), pytest.raises(ds.MNISTNotFoundError) as info:
        ds.load_mnist(path=d, download=False)
    assert f"{NAMES[3]} was damaged" in str(info.value)
    assert "pass download=True to fetch it again" in str(info.value)
    assert not (d / NAMES[3]).exists() and (d / f"{NAMES[3]}.bad").exists()


def test_a_damaged_file_in_a_read_only_cache_is_named_damaged(tmp_path, server,
                                                               monkeypatch):
    # it said "[Errno 13] Permission denied: ... -> ....bad" and no more; as root a chmod
    # does not stop a rename, so the read-only directory is os.replace failing
    files = synthetic_mnist()
    digests = _served(server, files)
    d = tmp_path / "cache"
    ds.load_mnist(path=d, mirrors=[server.url()], sha256=digests)
    (d / NAMES[3]).write_bytes(b"<html>rate limited</html>")

    def read_only(src, dst):
        raise PermissionError(13, "Permission denied", str(src), None, str(dst))

    monkeypatch.setattr(downloader.os, "replace", read_only)
    for download in (False, True):
        with pytest.raises(OSError) as info:
            ds.load_mnist(path=d, download=download, mirrors=[server.url()],
                          sha256=digests)
        assert f"{NAMES[3]} is damaged (SHA-256 " in str(info.value)
        assert "could not be moved aside" in str(info.value)
        assert "Replace it with a good copy" in str(info.value)


def test_a_cache_of_the_old_downloader_that_does_not_parse(tmp_path, server):
    # no digest records: files put there by hand or by the old code are parsed, and
    # one that does not parse is moved aside and fetched again
    files = synthetic_mnist()
    digests = _served(server, files)
    d = write_mnist(tmp_path / "old", files)
    (d / NAMES[0]).write_bytes(files[NAMES[0]][1] + b"\x00garbage")
    with pytest.warns(ds.DamagedFileWarning, match="corrupt or truncated gzip"):
        ds.load_mnist(path=d, mirrors=[server.url()], sha256=digests)
    assert [p for p, _ in server.requests] == [f"/mnist/{NAMES[0]}"]
    # without download the old error stands, and the file stays where it is
    (d / NAMES[1]).write_bytes(b"junk")
    with pytest.raises(ds.IDXFormatError, match="bad magic number"):
        ds.load_mnist(path=d, download=False)
    assert (d / NAMES[1]).exists()


def test_an_error_page_is_never_committed_without_a_digest(tmp_path, server):
    files = synthetic_mnist()
    digests = _served(server, files)
    server.serve("mnist", NAMES[0], b"<!DOCTYPE html><title>Service Unavailable</title>")
    del digests[NAMES[0]]  # a table without this file's digest
    d = tmp_path / "d"
    with pytest.raises(ds.MNISTNotFoundError, match="not the expected content.*magic"):
        ds.load_mnist(path=d, mirrors=[server.url()], sha256=digests)
    assert NAMES[0] not in data_files(d)


_LOAD = """
import sys
from autograd.datasets import load_mnist
mirror, path, *digests = sys.argv[1:]
sha256 = dict(zip(digests[::2], digests[1::2]))
(x, t), (xt, tt) = load_mnist(path=path, mirrors=[mirror], sha256=sha256, progress=False)
print(x.shape[0], xt.shape[0])
"""


def test_two_processes_load_mnist_into_one_cache(tmp_path, server):
    files = synthetic_mnist(n_train=300, n_test=100)
    digests = _served(server, files)
    server.rate = 300_000
    argv = [sys.executable, "-c", _LOAD, server.url(), str(tmp_path / "c")]
    argv += [x for item in digests.items() for x in item]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT) for _ in range(2)]
    for p in procs:
        out, err = p.communicate(timeout=120)  # room for two busy cores (issue 19)
        assert p.returncode == 0 and out.split() == ["300", "100"], err
    assert sorted(p for p, _ in server.requests) == sorted(f"/mnist/{n}" for n in NAMES)
    assert data_files(tmp_path / "c") == sorted(NAMES)


# ------------------------------------------------------------------ the one loader


def test_fallback_loader_uses_the_full_set_when_it_is_there(tmp_path):
    d = write_mnist(tmp_path / "full", synthetic_mnist())
    data = ds.load_mnist_with_fallback(d, one_hot_label=True)
    assert data.full and data.description == "MNIST: 12 train / 7 test"
    (x, t), (xt, tt) = data.train, data.test
    assert tt.shape == (7, 10)
    assert x.shape == (12, 784) and t.shape == (12, 10) and xt.shape == (7, 784)


def test_fallback_loader_splits_the_test_set(tmp_path):
    d = write_mnist(tmp_path / "t", synthetic_mnist(n_test=50), names=NAMES[2:])
    train, test, description, full = ds.load_mnist_with_fallback(d, n_train=40, seed=3)
    assert not full and train[0].shape == (40, 784) and test[0].shape == (10, 784)
    assert "split 40 train / 10 test (seed 3)" in description


def test_fallback_loader_keeps_to_the_directory_it_is_given(tmp_path, monkeypatch):
    # another full copy on the search path must not stand in for the one asked for
    monkeypatch.setenv(ds.ENV_VAR, str(write_mnist(tmp_path / "env", synthetic_mnist())))
    with pytest.raises(ds.MNISTNotFoundError, match="nope: no such directory"):
        ds.load_mnist_with_fallback(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ds.MNISTNotFoundError, match="empty.*missing"):
        ds.load_mnist_with_fallback(tmp_path / "empty")
    assert ds.load_mnist_with_fallback().full  # without a path, the env var is used


def test_the_package_never_looks_beside_the_repository(shared_mnist):
    """Issue 20: in a fresh clone outside this layout the shared copy is not there, so the
    package must not depend on it: with no path, no $GRAPHGRAD_MNIST_DIR and an empty
    cache, nothing is found though the copy sits beside the repository, and the error
    says where to put the files and which variable to set."""
    for load in (ds.load_mnist_with_fallback, ds.load_mnist_test_split):
        with pytest.raises(ds.MNISTNotFoundError) as e:
            load()
        assert shared_mnist not in e.value.searched and len(e.value.searched) == 1
        assert ds.ENV_VAR in str(e.value) and "t10k-images-idx3-ubyte.gz" in str(e.value)


def test_fallback_loader_reads_the_shared_copy(shared_mnist, monkeypatch):
    monkeypatch.setenv(ds.ENV_VAR, str(shared_mnist))
    data = ds.load_mnist_with_fallback()
    assert not data.full and data.train[0].shape == (8000, 784)
