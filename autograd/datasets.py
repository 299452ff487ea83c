"""Datasets for graphgrad demos, notebooks and tests.

MNIST
    :func:`load_mnist` returns the data with the same shapes and dtypes as
    ``dataset/mnist.py`` in the book "Deep Learning from Scratch", read from the
    four IDX files. It looks for the files in the ``path`` argument, then
    ``$GRAPHGRAD_MNIST_DIR``, then a per-user cache directory (:func:`mnist_cache_dir`).
    If they are missing it downloads them from :data:`MIRRORS` and checks them
    against :data:`SHA256`. :func:`load_mnist_test_split` needs only the two t10k
    files (10,000 images) and splits them 8,000 / 2,000 with a fixed seed. That is
    what tests use on machines without network access.

Generated data
    :func:`spiral`, :func:`two_moons` and :func:`xor` are small 2-D classification
    sets. The same ``seed`` always gives the same arrays.

Helpers
    :func:`read_idx` parses one IDX file, gzipped or raw. :func:`download` fetches
    one file from a list of mirrors. It verifies the file and can resume a download.

This module only uses the standard library and numpy.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import numbers
import os
import re
import struct
import sys
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import numpy as np

__all__ = [
    "ENV_VAR",
    "MIRRORS",
    "MNIST_FILES",
    "SHA256",
    "ChecksumError",
    "DownloadError",
    "IDXFormatError",
    "MNISTNotFoundError",
    "download",
    "load_mnist",
    "load_mnist_test_split",
    "mnist_cache_dir",
    "read_idx",
    "spiral",
    "two_moons",
    "xor",
]

ENV_VAR = "GRAPHGRAD_MNIST_DIR"

# Tried in order. yann.lecun.com is left out because it often refuses plain
# downloads now.
MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]

MNIST_FILES = {
    "train_img": "train-images-idx3-ubyte.gz",
    "train_label": "train-labels-idx1-ubyte.gz",
    "test_img": "t10k-images-idx3-ubyte.gz",
    "test_label": "t10k-labels-idx1-ubyte.gz",
}

# Digests of the published .gz files, as used by torchvision and TensorFlow.
# They check downloads only. A copy that was gzipped again (new gzip header)
# still holds the same data, so files found on disk are parsed without a check.
SHA256 = {
    "train-images-idx3-ubyte.gz":
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz":
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz":
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz":
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

IDX_IMAGES_MAGIC = 0x00000803
IDX_LABELS_MAGIC = 0x00000801

# The project's read-only copy of the t10k files. It is only there in the
# development checkout, which has no network, so it is the last place searched.
_SHARED_TEST_DIR = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mnist"

_USER_AGENT = "graphgrad-datasets/1 (+urllib)"
_CHUNK = 1 << 16


class IDXFormatError(ValueError):
    """An IDX file is malformed: wrong magic number, truncated, or bad gzip data."""


class DownloadError(OSError):
    """Every URL given to :func:`download` failed.

    ``errors`` holds one ``(url, exception)`` pair for each URL that was tried.
    """

    def __init__(self, message, errors=()):
        super().__init__(message)
        self.errors = list(errors)


class ChecksumError(DownloadError):
    """A downloaded file did not have the expected SHA-256 digest."""

    def __init__(self, message, errors=(), expected=None, actual=None):
        super().__init__(message, errors)
        self.expected = expected
        self.actual = actual


class MNISTNotFoundError(FileNotFoundError):
    """The MNIST files were not found on disk and could not be downloaded."""

    def __init__(self, message, searched=(), target=None):
        super().__init__(message)
        self.searched = list(searched)
        self.target = target


# --------------------------------------------------------------------------- IDX


_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _read_bytes(path):
    path = Path(path)
    with open(path, "rb") as f:
        data = f.read()
    # Check the gzip magic bytes rather than the file name: people often
    # gunzip a file and keep its name, or the other way round.
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:
        raise IDXFormatError(f"{path}: corrupt or truncated gzip data ({e})") from e


def read_idx(path, expected_magic=None):
    """Read an IDX file, gzipped or raw, into a numpy array in native byte order.

    ``expected_magic`` (e.g. ``0x00000803`` for images, ``0x00000801`` for labels)
    makes the reader refuse any other kind of file. Raises :class:`IDXFormatError`
    naming the file if the header is wrong or the data is too short or too long.
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise IDXFormatError(f"{path}: truncated IDX file ({len(data)} bytes, no header)")
    (magic,) = struct.unpack(">I", data[:4])
    if expected_magic is not None and magic != expected_magic:
        raise IDXFormatError(
            f"{path}: bad magic number 0x{magic:08x}, expected 0x{expected_magic:08x}"
        )
    dtype = _IDX_DTYPES.get((magic >> 8) & 0xFF)
    if magic >> 16 != 0 or dtype is None:
        raise IDXFormatError(f"{path}: bad magic number 0x{magic:08x}, not an IDX file")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IDXFormatError(f"{path}: truncated IDX header ({len(data)} < {header} bytes)")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    got = len(data) - header
    if got < expected:
        raise IDXFormatError(
            f"{path}: truncated IDX data: header says {shape} ({expected} bytes), "
            f"file holds {got}"
        )
    if got > expected:
        # Extra bytes mean the header and data don't match, so the file is bad.
        raise IDXFormatError(f"{path}: {got - expected} unexpected bytes after IDX data")
    arr = np.frombuffer(data, dtype=dtype, count=expected // dtype.itemsize, offset=header)
    # astype makes a writable copy in native byte order. numpy ops on big-endian
    # arrays are slow.
    return arr.astype(dtype.newbyteorder("="), copy=True).reshape(shape)


# ---------------------------------------------------------------------- download


def _progress_enabled(progress):
    if progress == "always":
        return True
    if progress is True or progress is False or progress is None:
        stream = sys.stderr
        return bool(progress) and stream is not None and stream.isatty()
    raise ValueError(f"progress must be True, False or 'always', not {progress!r}")


def _fmt_bytes(n):
    for unit, size in (("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


class _ProgressBar:
    """One-line text progress bar on stderr, redrawn at most ten times a second."""

    width = 30

    def __init__(self, label, total, enabled):
        self.label, self.total, self.enabled = label, total, enabled
        self._last = 0.0
        self._width = 0

    def update(self, done, force=False):
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        if self.total:
            frac = min(done / self.total, 1.0)
            fill = int(frac * self.width)
            bar = "#" * fill + "-" * (self.width - fill)
            line = (
                f"\r{self.label} [{bar}] {_fmt_bytes(done)} / {_fmt_bytes(self.total)} "
                f"{frac * 100:3.0f}%"
            )
        else:
            line = f"\r{self.label} {_fmt_bytes(done)}"
        # Pad so that a shorter line fully covers the previous one.
        line = line.ljust(self._width)
        self._width = len(line)
        sys.stderr.write(line)
        sys.stderr.flush()

    def close(self, done):
        if self.enabled:
            self.update(done, force=True)
            sys.stderr.write("\n")
            sys.stderr.flush()


_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_CONTENT_RANGE_UNSAT = re.compile(r"bytes\s+\*/(\d+)")


def _fetch(url, part, timeout, show_progress):
    """Fetch ``url`` into ``part``, resuming from the bytes already there if possible."""
    for _ in range(2):  # the second pass only runs after a failed resume
        offset = part.stat().st_size if part.exists() else 0
        headers = {"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        request = urllib.request.Request(url, headers=headers)
        try:
            response = urllib.request.urlopen(request, timeout=timeout)
        except urllib.error.HTTPError as e:
            if e.code != 416 or not offset:
                raise
            # 416: the range starts past the end of the file. If the .part is
            # exactly the full size it is already complete and the digest check
            # decides. Otherwise it cannot be right, so start again.
            m = _CONTENT_RANGE_UNSAT.match(e.headers.get("Content-Range", "") or "")
            e.close()
            if m and int(m.group(1)) == offset:
                return
            part.unlink()
            continue
        with response:
            status = getattr(response, "status", None)
            total = None
            if offset and status == 206:
                m = _CONTENT_RANGE.match(response.headers.get("Content-Range", "") or "")
                if not m or int(m.group(1)) != offset:
                    part.unlink()  # the server sent a range we didn't ask for
                    continue
                mode = "ab"
                if m.group(3) != "*":
                    total = int(m.group(3))
            else:
                # A 200 reply (or file:// URL) sends the whole file, so start over.
                offset, mode = 0, "wb"
                length = response.headers.get("Content-Length")
                if length and length.isdigit():
                    total = int(length)
            bar = _ProgressBar(part.name[: -len(".part")], total, show_progress)
            done = offset
            with open(part, mode) as f:
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    f.write(chunk)
                    done += len(chunk)
                    bar.update(done)
            bar.close(done)
            if total is not None and done != total:
                # Keep the .part so that the next attempt can resume it.
                raise OSError(f"connection closed after {done} of {total} bytes")
            return
    raise OSError("server kept answering with a wrong byte range")


def _sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_NETWORK_ERRORS = (OSError, http.client.HTTPException, ValueError)


def download(url_list, dest, sha256, progress=True, timeout=30.0):
    """Download one file to ``dest``, trying each URL in ``url_list`` in turn.

    ``sha256`` is the expected hex digest. Pass None to skip the check. Data is
    written to ``dest + '.part'``. Only a file whose digest checks out is moved to
    ``dest`` (with :func:`os.replace`, which is atomic), so a broken file never
    appears under the final name. An existing ``.part`` is resumed with an HTTP
    Range request. If the server answers 200 instead, the download starts over.
    A file that fails the digest check is deleted and the next URL is tried.
    If ``dest`` already exists and passes the check, nothing is downloaded.

    ``progress``: True draws a bar on stderr if stderr is a terminal, ``'always'``
    draws it in any case, False never does.

    Returns ``dest`` as a :class:`~pathlib.Path`. Raises :class:`ChecksumError`
    if some URL sent bytes with the wrong digest. Raises :class:`DownloadError`
    if every URL failed for other reasons. Either way the exception lists every
    URL and what went wrong.
    """
    urls = [url_list] if isinstance(url_list, str) else list(url_list)
    if not urls:
        raise ValueError("url_list is empty")
    show_progress = _progress_enabled(progress)
    expected = sha256.lower() if sha256 else None
    dest = Path(dest)
    if dest.exists() and (expected is None or _sha256_of(dest) == expected):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")

    errors = []
    bad_digest = None
    for url in urls:
        # A resumed .part may have a bad start (an older file, or another
        # mirror's data). If the digest is wrong after a resume, fetch the
        # whole file once more from the same URL before trying the next one.
        for _ in range(2):
            resumed = part.exists() and part.stat().st_size > 0
            try:
                _fetch(url, part, timeout, show_progress)
            except _NETWORK_ERRORS as e:
                errors.append((url, e))
                break
            if expected is None:
                os.replace(part, dest)
                return dest
            actual = _sha256_of(part)
            if actual == expected:
                os.replace(part, dest)
                return dest
            part.unlink()
            if resumed:
                continue
            bad_digest = actual
            errors.append(
                (url, ChecksumError(f"SHA-256 mismatch: expected {expected}, got {actual}"))
            )
            break

    lines = "\n".join(f"  {u}: {e}" for u, e in errors)
    if bad_digest is not None:
        raise ChecksumError(
            f"checksum mismatch for {dest.name}: expected SHA-256 {expected}, "
            f"got {bad_digest}; tried:\n{lines}",
            errors,
            expected=expected,
            actual=bad_digest,
        )
    raise DownloadError(f"could not download {dest.name}; tried:\n{lines}", errors)


# load_mnist has a ``download`` flag that hides this function's name.
_download = download


# ------------------------------------------------------------------------- MNIST


def mnist_cache_dir():
    """Per-user MNIST cache directory.

    ``$XDG_CACHE_HOME/graphgrad/mnist`` if that variable holds an absolute path.
    Otherwise ``~/Library/Caches/graphgrad/mnist`` on macOS,
    ``%LOCALAPPDATA%\\graphgrad\\mnist`` on Windows and ``~/.cache/graphgrad/mnist``
    elsewhere.
    """
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        base = Path(xdg)
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        base = Path.home() / ".cache"
    return base / "graphgrad" / "mnist"


def _candidates(path, extra=()):
    """The directories to search, in order, as (path or None, description) pairs."""
    out = []
    if path is not None:
        out.append((Path(path).expanduser(), "path argument"))
    env = os.environ.get(ENV_VAR)
    out.append((Path(env).expanduser() if env else None, f"${ENV_VAR}"))
    out.append((mnist_cache_dir(), "per-user cache"))
    out.extend(extra)
    return out


def _locate(directory, name):
    """Path of ``name`` in ``directory``, gzipped or already gunzipped, or None."""
    for candidate in (directory / name, directory / name[: -len(".gz")]):
        if candidate.is_file():
            return candidate
    return None


def _search(candidates, names):
    """Find the first directory that has every file in ``names``.

    Returns a name -> path dict (or None) and one line of report per directory.
    """
    report = []
    for directory, label in candidates:
        if directory is None:
            report.append(f"  - {label}: not set")
            continue
        if not directory.is_dir():
            report.append(f"  - {directory} ({label}): no such directory")
            continue
        found = {n: _locate(directory, n) for n in names}
        missing = [n for n, p in found.items() if p is None]
        if not missing:
            return found, report
        report.append(f"  - {directory} ({label}): missing {', '.join(missing)}")
    return None, report


def _writable_dir(directory):
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(directory, os.W_OK | os.X_OK)


def _not_found(report, target, names, reason):
    files = "\n".join(f"    {n}" for n in names)
    message = (
        "MNIST files not found. Looked in:\n"
        + "\n".join(report)
        + f"\n{reason}\n"
        + f"Put these {len(names)} files (gzipped or not) into {target}:\n{files}\n"
        f"or put them in any directory and set the environment variable {ENV_VAR} "
        "to it (or pass path=...)."
    )
    if len(names) == 4:
        message += (
            "\nTo use only the 10,000 t10k test images, call load_mnist_test_split() "
            "on a directory that holds the two t10k files."
        )
    return message


def _load_pair(images_path, labels_path):
    images = read_idx(images_path, IDX_IMAGES_MAGIC)
    labels = read_idx(labels_path, IDX_LABELS_MAGIC)
    if images.ndim != 3 or labels.ndim != 1:
        raise IDXFormatError(
            f"{images_path}: expected (N, rows, cols) images, got shape {images.shape}"
        )
    if len(images) != len(labels):
        raise IDXFormatError(
            f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels"
        )
    return images, labels


def _one_hot(labels, n_classes=10):
    # float64 like the book's _change_one_hot_label (np.zeros, default dtype).
    out = np.zeros((labels.size, n_classes))
    out[np.arange(labels.size), labels] = 1
    return out


def _format(images, labels, normalize, flatten, one_hot_label):
    """Apply the book's conversions to (N, rows, cols) uint8 images and their labels."""
    n, rows, cols = images.shape
    x = images.reshape(n, rows * cols) if flatten else images.reshape(n, 1, rows, cols)
    if normalize:
        x = x.astype(np.float32)
        x /= 255.0
    t = _one_hot(labels) if one_hot_label else labels
    return x, t


def load_mnist(
    normalize=True,
    flatten=True,
    one_hot_label=False,
    *,
    path=None,
    download=True,
    progress=True,
    mirrors=None,
    sha256=None,
    timeout=30.0,
):
    """Load MNIST as ``((x_train, t_train), (x_test, t_test))``, as the book does.

    normalize
        True gives float32 pixels in [0, 1]. False gives uint8 in 0..255.
    flatten
        True gives images of shape (N, 784). False gives (N, 1, 28, 28).
    one_hot_label
        True gives (N, 10) one-hot float labels. False gives (N,) uint8 labels.

    The directories searched are ``path``, then ``$GRAPHGRAD_MNIST_DIR``, then
    :func:`mnist_cache_dir`. The first one that holds all four files of
    :data:`MNIST_FILES` (``.gz`` or gunzipped) is used. If none has them and
    ``download`` is true, the missing files are downloaded from ``mirrors``
    (default :data:`MIRRORS`) and checked against ``sha256`` (a filename -> hex
    digest dict, default :data:`SHA256`). They go into ``path``, or else
    ``$GRAPHGRAD_MNIST_DIR``, whichever is given and writable. Otherwise they go
    into the cache directory. Raises :class:`MNISTNotFoundError` if the files are
    not found and cannot be downloaded. Raises :class:`ChecksumError` if a
    download has the wrong digest.
    """
    _progress_enabled(progress)  # reject a bad value before any lookup or download
    names = list(MNIST_FILES.values())
    candidates = _candidates(path)
    found, report = _search(candidates, names)
    searched = [d for d, _ in candidates if d is not None]

    if found is None:
        # candidates[0] is the directory the caller named: path, else the env var.
        explicit = candidates[0][0]
        if explicit is not None and _writable_dir(explicit):
            target = explicit
        else:
            target = mnist_cache_dir()
        if not download:
            reason = "Not downloading them (download=False)."
            raise MNISTNotFoundError(
                _not_found(report, target, names, reason), searched, target
            )
        mirror_list = list(MIRRORS if mirrors is None else mirrors)
        digests = SHA256 if sha256 is None else sha256
        found = {}
        for name in names:
            existing = _locate(target, name)
            if existing is not None:
                found[name] = existing
                continue
            urls = [m.rstrip("/") + "/" + name for m in mirror_list]
            try:
                found[name] = _download(
                    urls, target / name, digests.get(name), progress, timeout
                )
            except ChecksumError:
                raise
            except OSError as e:  # DownloadError, or the directory can't be written
                reason = f"Download failed: {e}"
                raise MNISTNotFoundError(
                    _not_found(report, target, names, reason), searched, target
                ) from e

    train = _load_pair(found[MNIST_FILES["train_img"]], found[MNIST_FILES["train_label"]])
    test = _load_pair(found[MNIST_FILES["test_img"]], found[MNIST_FILES["test_label"]])
    return (
        _format(*train, normalize, flatten, one_hot_label),
        _format(*test, normalize, flatten, one_hot_label),
    )


def load_mnist_test_split(
    path=None, n_train=8000, seed=0, normalize=True, flatten=True, one_hot_label=False
):
    """Load only the 10,000 t10k images and split them into train and test sets.

    The directories searched are ``path``, ``$GRAPHGRAD_MNIST_DIR``, the cache
    directory and finally the project's shared copy (``../shared/datasets/mnist``
    next to the repository). Nothing is downloaded. The split is a permutation
    from ``numpy.random.default_rng(seed)``: the first ``n_train`` images are for
    training and the rest for testing. The return value has the same structure and
    the same ``normalize`` / ``flatten`` / ``one_hot_label`` meaning as
    :func:`load_mnist`.
    """
    names = [MNIST_FILES["test_img"], MNIST_FILES["test_label"]]
    candidates = _candidates(path, [(_SHARED_TEST_DIR, "project shared copy")])
    found, report = _search(candidates, names)
    if found is None:
        target = Path(path) if path is not None else mnist_cache_dir()
        raise MNISTNotFoundError(
            _not_found(report, target, names, "No directory holds both t10k files."),
            [d for d, _ in candidates if d is not None],
            target,
        )
    images, labels = _load_pair(found[names[0]], found[names[1]])
    n_train = _check_int("n_train", n_train, 1)
    if n_train >= len(images):
        raise ValueError(f"n_train must be less than {len(images)}, got {n_train}")
    perm = np.random.default_rng(seed).permutation(len(images))
    tr, te = perm[:n_train], perm[n_train:]
    return (
        _format(images[tr], labels[tr], normalize, flatten, one_hot_label),
        _format(images[te], labels[te], normalize, flatten, one_hot_label),
    )


# ------------------------------------------------------------- generated datasets


def _check_int(name, value, minimum):
    # bool is an Integral, but spiral(True) is almost certainly a mistake.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_noise(noise):
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"noise must be a real number, got {type(noise).__name__}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise}")
    return float(noise)


def spiral(n_per_class=100, n_classes=3, seed=0):
    """The classic spiral set from CS231n and DeZero: ``n_classes`` interleaved arms.

    Returns ``x`` of shape (n_per_class * n_classes, 2), float64, with radius in
    [0, 1), and ``t`` of shape (N,), int64 class labels. Arm ``j`` is at angle
    ``4 j + 4 r + 0.2 * N(0, 1)`` at radius ``r``. The rows are shuffled, as in
    DeZero.
    """
    n_per_class = _check_int("n_per_class", n_per_class, 1)
    n_classes = _check_int("n_classes", n_classes, 1)
    rng = np.random.default_rng(seed)
    rate = np.arange(n_per_class) / n_per_class
    xs, ts = [], []
    for j in range(n_classes):
        theta = 4.0 * j + 4.0 * rate + 0.2 * rng.standard_normal(n_per_class)
        xs.append(np.stack([rate * np.sin(theta), rate * np.cos(theta)], axis=1))
        ts.append(np.full(n_per_class, j, dtype=np.int64))
    x, t = np.concatenate(xs), np.concatenate(ts)
    perm = rng.permutation(len(x))
    return x[perm], t[perm]


def two_moons(n=100, noise=0.1, seed=0):
    """Two interleaved half circles, like ``sklearn.datasets.make_moons``.

    Label 0 is the upper arc (centre (0, 0), radius 1). Label 1 is the lower arc
    (centre (1, 0.5)). ``n // 2`` points are on the upper arc and the rest on the
    lower. The rows are shuffled, then Gaussian noise with standard deviation
    ``noise`` is added. Returns ``x`` (n, 2) float64 and ``t`` (n,) int64.
    """
    n = _check_int("n", n, 2)
    noise = _check_noise(noise)
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    a_out = np.linspace(0.0, np.pi, n_out)
    a_in = np.linspace(0.0, np.pi, n_in)
    x = np.concatenate(
        [
            np.stack([np.cos(a_out), np.sin(a_out)], axis=1),
            np.stack([1.0 - np.cos(a_in), 0.5 - np.sin(a_in)], axis=1),
        ]
    )
    t = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    perm = rng.permutation(n)
    x, t = x[perm], t[perm]
    if noise:
        x = x + rng.normal(scale=noise, size=x.shape)
    return x, t


def xor(n=200, noise=0.0, seed=0):
    """XOR of signs: points uniform in [-1, 1]^2, label 1 where ``x0 * x1 < 0``.

    The label is 1 in the 2nd and 4th quadrants, where exactly one coordinate is
    negative, and 0 elsewhere, so no straight line separates the classes. Labels
    come from the clean points. After that, Gaussian noise with standard deviation
    ``noise`` is added to ``x``, so noisy points may cross an axis. Returns ``x``
    (n, 2) float64 and ``t`` (n,) int64.
    """
    n = _check_int("n", n, 1)
    noise = _check_noise(noise)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    t = (x[:, 0] * x[:, 1] < 0).astype(np.int64)
    if noise:
        x = x + rng.normal(scale=noise, size=x.shape)
    return x, t
