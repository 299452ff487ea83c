"""Shared fixtures: the project root, the shared MNIST copy, English by default."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MNIST_DIR = ROOT.parent / "shared" / "datasets" / "mnist"


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
