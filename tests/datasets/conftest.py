"""Fixtures of the dataset tests: the local server, and a clean environment."""

import pytest

from autograd.datasets import mnist
from tests.datasets.helpers import Server, closed_port_url


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Keep every test away from the real cache dir and any user setting."""
    monkeypatch.delenv(mnist.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    # Tests are given mirrors explicitly. A call that isn't would hit this dead one.
    monkeypatch.setattr(mnist, "MIRRORS", [closed_port_url()])
