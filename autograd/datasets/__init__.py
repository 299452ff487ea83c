"""Datasets for graphgrad demos, notebooks and tests.

MNIST (:mod:`autograd.datasets.mnist`)
    :func:`load_mnist` returns the data with the same shapes and dtypes as
    ``dataset/mnist.py`` in the book "Deep Learning from Scratch", read from the
    four IDX files. It looks for the files in the ``path`` argument, then
    ``$GRAPHGRAD_MNIST_DIR``, then a per-user cache directory (:func:`mnist_cache_dir`).
    If they are missing it downloads them from :data:`MIRRORS` and checks them
    against :data:`SHA256`. :func:`load_mnist_test_split` needs only the two t10k
    files (10,000 images) and splits them 8,000 / 2,000 with a fixed seed: enough to
    train without the 60,000 training images.  Nothing looks anywhere else: a machine
    without network access is given the files by ``path`` or ``$GRAPHGRAD_MNIST_DIR``
    (the tests pass the project's 10,000-image copy that way).
    :func:`load_mnist_with_fallback` is the two in one, as training uses them: the
    full set when it is there, else the split, saying which.

Generated data (:mod:`autograd.datasets.toy`)
    :func:`spiral`, :func:`two_moons` and :func:`xor` are small 2-D classification
    sets. The same ``seed`` always gives the same arrays.

Helpers
    :func:`read_idx` (:mod:`autograd.datasets.idx`) parses one IDX file, gzipped or
    raw. :func:`download` (:mod:`autograd.datasets.downloader`) fetches one file from a
    list of mirrors: locked per file, verified before it is renamed into place, its
    digest recorded and checked again when the file is used, resumable.

numpy and the standard library, plus ``tqdm`` and ``filelock`` imported only when a
download starts.
"""

from autograd.datasets.downloader import (
    ChecksumError,
    DamagedFileError,
    DamagedFileWarning,
    DeadlineError,
    DownloadError,
    download,
)
from autograd.datasets.idx import IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, IDXFormatError, read_idx
from autograd.datasets.mnist import (
    ENV_VAR,
    MIRRORS,
    MNIST_FILES,
    SHA256,
    MNISTData,
    MNISTNotFoundError,
    load_mnist,
    load_mnist_test_split,
    load_mnist_with_fallback,
    mnist_cache_dir,
)
from autograd.datasets.toy import spiral, two_moons, xor

__all__ = [
    "ENV_VAR",
    "IDX_IMAGES_MAGIC",
    "IDX_LABELS_MAGIC",
    "MIRRORS",
    "MNIST_FILES",
    "SHA256",
    "ChecksumError",
    "DamagedFileError",
    "DamagedFileWarning",
    "DeadlineError",
    "DownloadError",
    "IDXFormatError",
    "MNISTData",
    "MNISTNotFoundError",
    "download",
    "load_mnist",
    "load_mnist_test_split",
    "load_mnist_with_fallback",
    "mnist_cache_dir",
    "read_idx",
    "spiral",
    "two_moons",
    "xor",
]
