"""Fixtures of the command-line tests."""
import shutil

import pytest


@pytest.fixture
def no_dot(monkeypatch, tmp_path_factory):
    """A PATH without Graphviz's dot."""
    monkeypatch.setenv("PATH", str(tmp_path_factory.mktemp("empty-path")))
    assert shutil.which("dot") is None


@pytest.fixture(autouse=True)
def not_through_run(monkeypatch):
    """As if graphgrad were run directly, not through ./run (which sets this)."""
    monkeypatch.delenv("GRAPHGRAD_RUN", raising=False)


@pytest.fixture(autouse=True)
def tour_cache(monkeypatch, tmp_path_factory):
    """The tour's cache in a folder of the test's own, never the user's."""
    folder = tmp_path_factory.mktemp("graphgrad-cache")
    monkeypatch.setenv("GRAPHGRAD_CACHE", str(folder))
    return folder
