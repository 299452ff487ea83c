"""Shared fixtures: the project root, the shared MNIST copy, English by default."""
from pathlib import Path

import pytest

try:  # wall-clock limits leave room for a 2-core machine with both cores busy (issue 19):
    # no per-example deadline, no health check failing because examples came slowly
    from hypothesis import HealthCheck, settings
except ImportError:  # the property tests skip themselves
    pass
else:
    settings.register_profile("graphgrad", deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("graphgrad")

ROOT = Path(__file__).resolve().parents[1]
# The project's 10,000-image MNIST copy (the two t10k files) beside the repository: a
# fixture of the tests, which pass it as a path or $GRAPHGRAD_MNIST_DIR; the package
# never looks there.  It was gzipped again: the same data (its README gives the published
# uncompressed MD5s) under a new gzip header, so other .gz digests than the published.
MNIST_DIR = ROOT.parent / "shared" / "datasets" / "mnist"
MNIST_DIR_SHA256 = {
    "t10k-images-idx3-ubyte.gz":
        "accef5d0659b773fdb5fa19094a42d64e6066844c8a9a9e3beba55480763b1da",
    "t10k-labels-idx1-ubyte.gz":
        "1e351ee1639e1bfcf17c53977ac41029c580406e8c593550198fbb66f91f2f25",
}


@pytest.fixture
def mnist_dir():
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"the shared MNIST test set is not at {MNIST_DIR}")
    return MNIST_DIR


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """The tests compare English texts: a Japanese locale or GRAPHGRAD_LANG=ja where they
    run must not change them (the tests of the language switch set their own)."""
    monkeypatch.setenv("GRAPHGRAD_LANG", "en")
