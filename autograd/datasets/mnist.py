"""MNIST as the book loads it: :func:`load_mnist`, :func:`load_mnist_test_split` and
:func:`load_mnist_with_fallback`, the one loader the command line and notebooks use.

Files are searched in the ``path`` argument, then ``$GRAPHGRAD_MNIST_DIR``, then a
per-user cache directory (:func:`mnist_cache_dir`).  Missing files are downloaded from
:data:`MIRRORS` and checked against :data:`SHA256` (see
:mod:`autograd.datasets.downloader` for the lock, the digest records and what happens to
a damaged cached file).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np

from autograd.datasets.downloader import (
    ChecksumError,
    _note,
    _progress_enabled,
    cache_lock,
    check_file,
    download,
    move_aside,
)
from autograd.datasets.idx import IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, IDXFormatError, read_idx
from autograd.datasets.toy import _check_int

__all__ = [
    "ENV_VAR", "MIRRORS", "MNIST_FILES", "SHA256", "MNISTData",
    "MNISTNotFoundError", "load_mnist", "load_mnist_test_split", "load_mnist_with_fallback",
    "mnist_cache_dir",
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

# Digests of the published .gz files, as used by torchvision and TensorFlow: every
# download is checked against them, and the digest is recorded beside the file.
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


class MNISTNotFoundError(FileNotFoundError):
    """The MNIST files were not found on disk and could not be downloaded.

    ``searched``: the directories looked in; ``target``: where the files should go;
    ``reason``: why they are not there, in one sentence."""

    def __init__(self, message, searched=(), target=None, reason=None):
        super().__init__(message)
        self.searched = list(searched)
        self.target = target
        self.reason = reason


class MNISTData(NamedTuple):
    """What :func:`load_mnist_with_fallback` found: ``train, test, description =
    load_mnist_with_fallback()``; ``full`` says whether it is the 60,000-image set."""

    train: tuple
    test: tuple
    description: str
    full: bool


# ------------------------------------------------------------------------ lookup


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


def _candidates(path):
    """The directories to search, in order, as (path or None, description) pairs."""
    out = []
    if path is not None:
        out.append((Path(path).expanduser(), "path argument"))
    env = os.environ.get(ENV_VAR)
    out.append((Path(env).expanduser() if env else None, f"${ENV_VAR}"))
    out.append((mnist_cache_dir(), "per-user cache"))
    return out


def _locate(directory, name):
    """Path of ``name`` in ``directory``, gzipped or already gunzipped, or None."""
    for candidate in (directory / name, directory / name[: -len(".gz")]):
        if candidate.is_file():
            return candidate
    return None


def _search(candidates, names):
    """Find the first directory that has every file in ``names``.

    Returns that directory (or None) and one line of report per directory.
    """
    report = []
    for directory, label in candidates:
        if directory is None:
            report.append(f"  - {label}: not set")
            continue
        if not directory.is_dir():
            report.append(f"  - {directory} ({label}): no such directory")
            continue
        missing = [n for n in names if _locate(directory, n) is None]
        if not missing:
            return directory, report
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


# ------------------------------------------------------------------- reading files


class _Damaged(Exception):
    """A file that must not be used; ``error`` is the IDXFormatError when it does not
    parse, None when its digest is wrong."""

    def __init__(self, reason, error=None):
        super().__init__(reason)
        self.reason, self.error = reason, error


def _read(path, magic):
    """The file's array; raises _Damaged saying what is wrong with it."""
    # a file with a recorded digest must still have it (one put in place by hand has
    # none and is taken as it is)
    problem = check_file(path)
    if problem is not None:
        raise _Damaged(problem)
    try:
        return read_idx(path, magic)
    except IDXFormatError as e:
        raise _Damaged(str(e), e) from None


class _Source:
    """One directory the files are read from; ``fetch(name)`` downloads a missing or
    damaged file into it (None: nothing is downloaded); ``not_found(reason)`` makes the
    MNISTNotFoundError to raise; ``note(message)`` tells the user about a wait."""

    def __init__(self, directory, fetch, not_found, note=None):
        self.directory, self.fetch, self.not_found = directory, fetch, not_found
        self.note = note

    def read(self, name, magic):
        path = _locate(self.directory, name)
        if path is not None:
            try:
                return _read(path, magic)
            except _Damaged as d:
                if self.fetch is None:
                    self._refuse(path, d)
        elif self.fetch is None:
            raise self.not_found(f"{name} is missing.")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            return self._replace(name, magic)
        except (ChecksumError, MNISTNotFoundError):
            raise
        except OSError as e:  # the lock, or moving the damaged file, failed
            raise self.not_found(f"Cannot fetch {name} into {self.directory}: {e}") from e

    def _replace(self, name, magic):
        # another process may be fixing the same file: look again under its lock
        with cache_lock(self.directory / name, self.note):
            path = _locate(self.directory, name)
            if path is not None:
                try:
                    return _read(path, magic)
                except _Damaged as d:
                    move_aside(path, d.reason)
            return read_idx(self.fetch(name), magic)

    def _refuse(self, path, damaged):
        """A damaged file, and no way to fetch it again."""
        if damaged.error is not None:
            raise damaged.error
        aside = move_aside(path, damaged.reason)
        raise self.not_found(f"{path} was damaged ({damaged.reason}) and has been moved "
                             f"to {aside}; pass download=True to fetch it again.")

    def pair(self, images, labels):
        x = self.read(images, IDX_IMAGES_MAGIC)
        t = self.read(labels, IDX_LABELS_MAGIC)
        if x.ndim != 3 or t.ndim != 1:
            raise IDXFormatError(f"{self.directory / images}: expected (N, rows, cols) "
                                 f"images, got shape {x.shape}")
        if len(x) != len(t):
            raise IDXFormatError(f"{self.directory / images} has {len(x)} images but "
                                 f"{self.directory / labels} has {len(t)} labels")
        return x, t


def _fetcher(target, not_found, mirrors, sha256, progress, timeout):
    """name -> downloaded path, into ``target``, each file checked against its digest
    (an IDX check where the table has none: an HTML error page is never committed)."""
    mirror_list = list(MIRRORS if mirrors is None else mirrors)
    digests = SHA256 if sha256 is None else sha256
    magics = {n: IDX_LABELS_MAGIC if "labels" in n else IDX_IMAGES_MAGIC
              for n in MNIST_FILES.values()}

    def fetch(name):
        urls = [m.rstrip("/") + "/" + name for m in mirror_list]
        digest = digests.get(name)
        validate = None if digest else (lambda p: read_idx(p, magics.get(name)))
        try:
            return download(urls, target / name, digest, progress, timeout,
                            validate=validate)
        except ChecksumError:
            raise
        except OSError as e:  # DownloadError, or the directory can't be written
            raise not_found(f"Download failed: {e}") from e
    return fetch


# ------------------------------------------------------------------ book conversions


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


# ------------------------------------------------------------------------ loaders


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
    into the cache directory.  A downloaded file that no longer matches the digest
    recorded beside it (or no longer parses) is moved aside to ``NAME.bad`` with a
    :class:`~autograd.datasets.downloader.DamagedFileWarning` and downloaded again.
    Raises :class:`MNISTNotFoundError` if the files are not found and cannot be
    downloaded. Raises :class:`ChecksumError` if a download has the wrong digest.
    """
    _progress_enabled(progress)  # reject a bad value before any lookup or download
    fetch = dict(mirrors=mirrors, sha256=sha256, progress=progress, timeout=timeout)
    train, test = _load_full(_candidates(path), download, fetch)
    return (
        _format(*train, normalize, flatten, one_hot_label),
        _format(*test, normalize, flatten, one_hot_label),
    )


def _load_full(candidates, download, fetch_options):
    names = list(MNIST_FILES.values())
    directory, report = _search(candidates, names)
    target = directory
    if target is None:
        # candidates[0] is the directory the caller named: path, else the env var.
        explicit = candidates[0][0]
        target = explicit if explicit is not None and _writable_dir(explicit) \
            else mnist_cache_dir()

    def not_found(reason):
        return MNISTNotFoundError(_not_found(report, target, names, reason),
                                  [d for d, _ in candidates if d is not None], target,
                                  reason)

    if directory is None and not download:
        raise not_found("Not downloading them (download=False).")
    fetch = _fetcher(target, not_found, **fetch_options) if download else None
    note = _note(_progress_enabled(fetch_options["progress"]))
    source = _Source(target, fetch, not_found, note)
    return source.pair(names[0], names[1]), source.pair(names[2], names[3])


def load_mnist_test_split(
    path=None, n_train=8000, seed=0, normalize=True, flatten=True, one_hot_label=False
):
    """Load only the 10,000 t10k images and split them into train and test sets.

    The directories searched are ``path``, ``$GRAPHGRAD_MNIST_DIR`` and the cache
    directory. Nothing is downloaded. The split is a permutation
    from ``numpy.random.default_rng(seed)``: the first ``n_train`` images are for
    training and the rest for testing. The return value has the same structure and
    the same ``normalize`` / ``flatten`` / ``one_hot_label`` meaning as
    :func:`load_mnist`.
    """
    return _test_split(_candidates(path), path, n_train, seed, (normalize, flatten, one_hot_label))


_NO_T10K = "No directory holds both t10k files."


def _test_split(candidates, path, n_train, seed, conversions):
    names = [MNIST_FILES["test_img"], MNIST_FILES["test_label"]]
    directory, report = _search(candidates, names)
    target = Path(path) if path is not None else mnist_cache_dir()

    def not_found(reason):
        return MNISTNotFoundError(_not_found(report, target, names, reason),
                                  [d for d, _ in candidates if d is not None], target,
                                  reason)

    if directory is None:
        raise not_found(_NO_T10K)
    images, labels = _Source(directory, None, not_found).pair(*names)
    n_train = _check_int("n_train", n_train, 1)
    if n_train >= len(images):
        raise ValueError(f"n_train must be less than {len(images)}, got {n_train}")
    perm = np.random.default_rng(seed).permutation(len(images))
    tr, te = perm[:n_train], perm[n_train:]
    return (
        _format(images[tr], labels[tr], *conversions),
        _format(images[te], labels[te], *conversions),
    )


def load_mnist_with_fallback(path=None, *, download=False, n_train=8000, seed=0,
                             normalize=True, flatten=True, one_hot_label=False,
                             progress=True):
    """MNIST for training: the full 60,000 / 10,000 set when it is here (or downloaded,
    with ``download=True``), else the 10,000 t10k images split ``n_train`` / the rest
    (:func:`load_mnist_test_split`).  Returns :class:`MNISTData` ``(train, test,
    description, full)``; ``description`` says which one it is, for printing.

    A ``path`` given is the only directory searched, and must exist: a directory the
    user named never silently gives way to another copy.  Without it the search is
    :func:`load_mnist`'s: ``$GRAPHGRAD_MNIST_DIR``, then the cache.
    """
    conversions = (normalize, flatten, one_hot_label)
    if path is not None:
        path = Path(path).expanduser()
        if not path.is_dir():
            raise MNISTNotFoundError(f"{path}: no such directory", [path], path,
                                     "no such directory")
        dirs = [(path, "path argument")]
    else:
        dirs = _candidates(None)
    fetch = dict(mirrors=None, sha256=None, progress=progress, timeout=30.0)
    try:
        train, test = _load_full(dirs, download, fetch)
    except MNISTNotFoundError as e:
        if download:
            raise
        first = e
    else:
        train, test = (_format(*train, *conversions), _format(*test, *conversions))
        return MNISTData(train, test, f"MNIST: {len(train[0]):,} train / "
                         f"{len(test[0]):,} test", True)
    try:
        train, test = _test_split(dirs, path, n_train, seed, conversions)
    except MNISTNotFoundError as e:
        if e.reason == _NO_T10K:  # neither set is here: the full set's error says more
            raise first from None
        raise
    return MNISTData(train, test, f"MNIST: the 60,000 training images were not found; "
                     f"using the 10,000 test images split {len(train[0]):,} train / "
                     f"{len(test[0]):,} test (seed {seed})", False)
