"""The playground's fixtures: worker processes shared by the tests of one module, and a
real server on a free port of 127.0.0.1 for the browser."""
import shutil
import threading
import time

import pytest

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


@pytest.fixture(scope="module")
def workers():
    from viz.play.server import Workers
    pool = Workers(2, time_limit=60.0)  # generous: a loaded 2-core machine
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def client(workers):
    from starlette.testclient import TestClient

    from viz.play.server import make_app
    # base_url: the Host the server trusts (a browser on this machine sends it)
    with TestClient(make_app(workers, "en"), base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture(scope="module")
def live_server(workers):
    """(base URL, uvicorn.Server) of the playground on a free port, in a thread."""
    import uvicorn

    from viz.play.server import bind, make_app
    sock = bind(0)
    server = uvicorn.Server(uvicorn.Config(make_app(workers, "en"), log_level="warning",
                                           lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the playground did not start"
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()
