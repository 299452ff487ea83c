"""viz.play.server: the playground's server, its limits, its safety and its end.

The requests go through starlette's TestClient to the real app and its worker processes;
`graphgrad serve` itself runs as a child process for Ctrl-C and the port it binds."""
import concurrent.futures
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.viz.conftest import PAYLOADS
from tests.viz.play.conftest import needs_dot
from viz.html import ZOOM_SCRIPT
from viz.play import server

ROOT = Path(__file__).resolve().parents[3]
SIGMOID = {"expr": "sigmoid(x*w + b)", "x": "1", "w": "2", "b": "-1"}


@needs_dot
def test_the_drawing_as_json(client):
    r = client.get("/api/draw", params=SIGMOID)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    p = r.json()
    assert p["ok"] and p["svg"].startswith("<svg") and p["result"][0] == "y = 0.731059"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_the_address_holds_the_state():
    from starlette.datastructures import QueryParams
    state = server.read_state(QueryParams(
        "expr=sigmoid(x*w%2Bb)&x=1&w=2&b=-1&labels=both&lang=ja&collapse=1&x=9"), "en")
    assert state == {"expr": "sigmoid(x*w+b)", "values": {"x": "1", "w": "2", "b": "-1"},
                     "labels": "both", "lang": "ja", "collapse": True}
    odd = server.read_state(QueryParams("labels=<b>&lang=fr"), "en")
    assert (odd["labels"], odd["lang"], odd["expr"], odd["values"]) == ("numbers", "en", "",
                                                                          {})


@needs_dot
def test_mistakes_are_messages_and_the_server_lives_on(client):
    for params in ({"expr": "x +"}, {"expr": "log(x)", "x": "-1"}, {"expr": "x", "x": "١"},
                   {"expr": "__import__('os').system('echo pwned')"}):
        r = client.get("/api/draw", params=params)
        assert r.status_code == 200 and not r.json()["ok"]
        assert "Traceback" not in r.text and r.json()["error"]["message"]
    assert client.get("/api/draw", params=SIGMOID).json()["ok"]


def test_a_long_address_is_refused_with_a_message(client):
    r = client.get("/api/draw", params={"expr": "x", "x": "1" * (server.MAX_QUERY + 10)})
    assert not r.json()["ok"] and "longer than 16000 characters" in r.json()["error"]["message"]


@needs_dot
def test_hostile_text_comes_back_as_json_data(client):
    for text in PAYLOADS:
        r = client.get("/api/draw", params={"expr": text, "x": text})
        p = r.json()  # valid JSON whatever the text
        assert not p["ok"] and isinstance(p["error"]["message"], str)
        steps = client.get("/steps", params={"expr": text})
        # the stepper's error page: the text escaped, no tag of it survives
        assert "<script>document" not in steps.text and "<img" not in steps.text


@needs_dot
def test_each_learner_gets_their_own_answer(client):
    """Eight requests at once, each with its own point: each answer is its own."""
    def ask(k):
        p = client.get("/api/draw", params={"expr": "x * x", "x": str(k)}).json()
        return k, p["result"]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, range(1, 9)))
    for k, result in answers:
        assert result == [f"f = {k * k}", f"∂f/∂x = {2 * k}"]


@needs_dot
def test_the_stepper_page_runs_only_its_own_script(client):
    r = client.get("/steps", params=SIGMOID)
    assert r.status_code == 200 and "Step 4" in r.text
    csp = r.headers["content-security-policy"]
    (inline,) = re.findall(r"<script>(.*?)</script>", r.text, re.S)
    import base64
    import hashlib
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert script_src.split() == ["script-src", f"'sha256-{digest}'"]
    none = client.get("/steps", params={"expr": "2 * 3"})
    assert "no backward pass" in none.text


@needs_dot
def test_downloads(client):
    svg = client.get("/download/graph.svg", params=SIGMOID)
    png = client.get("/download/graph.png", params=SIGMOID)
    page = client.get("/download/steps.html", params={**SIGMOID, "lang": "ja"})
    assert svg.headers["content-disposition"] == 'attachment; filename="graph.svg"'
    assert b"<svg" in svg.content and png.content[:4] == b"\x89PNG"
    assert "ステップ1" in page.text and page.headers["content-type"].startswith("text/html")
    bad = client.get("/download/graph.png", params={"expr": "x +"})
    assert bad.status_code == 400 and "ends unexpectedly" in bad.text
    assert client.get("/download/other.exe", params=SIGMOID).status_code == 404


def test_the_page_and_its_assets_come_from_the_package(client):
    page = client.get("/", params={"lang": "ja"})
    assert page.status_code == 200 and '<html lang="ja">' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "default-src 'self'" in csp
    # no address outside this server anywhere in the page or its assets
    for path in ("/assets/playground.js", "/assets/playground.css", "/assets/favicon.svg",
                 "/assets/zoom.js"):
        asset = client.get(path)
        assert asset.status_code == 200
        assert f'src="{path}?v=' in page.text or f'href="{path}?v=' in page.text
        assert not re.search(r"https?://", asset.text.replace("http://www.w3.org", ""))
    assert not re.search(r"(src|href)=\"https?://", page.text)
    # the zoom is the stepper page's own script, served as it is
    assert client.get("/assets/zoom.js").text == ZOOM_SCRIPT.read_text(encoding="utf-8")
    assert client.get("/assets/../build.py").status_code == 404
    assert client.get("/assets/%2e%2e/build.py").status_code == 404


def test_another_host_is_turned_away(client):
    r = client.get("/", headers={"Host": "evil.example"})
    assert r.status_code == 400


@needs_dot
def test_a_request_past_the_time_limit_is_stopped_and_the_next_is_answered():
    from starlette.testclient import TestClient
    slow = server.Workers(1, time_limit=0.1)
    try:
        with TestClient(server.make_app(slow, "en"), base_url="http://127.0.0.1") as c:
            # appendix A's stepper with its algebra takes a second or more: far past 0.1 s
            r = c.get("/steps", params={"expr": "softmax_with_loss(a, t)",
                                        "a": "0.3,2.9,4.0", "t": "0,0,1", "labels": "symbols"})
            assert "took longer than 0.1 s" in r.text
            slow.time_limit = 60.0
            assert c.get("/api/draw", params={"expr": "x", "x": "2"}).json()["ok"]
    finally:
        slow.close()


def test_bind_listens_on_127_0_0_1_only():
    sock = server.bind(0)
    try:
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()


def _serve(*args):
    env = dict(os.environ, PYTHONUNBUFFERED="1", GRAPHGRAD_LANG="en")
    return subprocess.Popen([sys.executable, "-m", "viz.cli", "serve", "--no-browser", *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _session_alive(sid):
    """Processes left in session `sid` (the server's workers, if any survived)."""
    left = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            left.append(stat.parent.name)
    return left


@needs_dot
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc for the workers")
def test_graphgrad_serve_prints_its_address_and_stops_cleanly_on_ctrl_c():
    import httpx2 as httpx
    proc = _serve("--port", "0")
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert url, line
        r = httpx.get(url.group(0) + "api/draw", params=SIGMOID, timeout=120)
        assert r.json()["ok"]
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0 and "stopped" in out
    assert "Traceback" not in err and "leaked" not in err
    deadline = time.monotonic() + 10
    while _session_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _session_alive(proc.pid) == []


def test_a_port_taken_is_an_error_naming_it():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        proc = _serve("--port", str(port))
        out, err = proc.communicate(timeout=120)
    finally:
        taken.close()
    assert proc.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port 0" in err
    bad = _serve("--port", "70000")
    _out, err = bad.communicate(timeout=120)
    assert bad.returncode == 2 and "--port must be between 0 and 65535" in err
