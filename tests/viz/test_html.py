"""viz.html: the self-contained HTML player (driven in headless Chromium with real clicks
and key presses), the animated GIF, numbered SVG/PNG frames, and the Jupyter Stepper."""
import base64
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest

from autograd.examples import appendix_a, apple_orange, book_sigmoid
from viz.dot import printable
from viz.html import (
    ZOOM_SCRIPT,
    export_frames,
    export_gif,
    export_html,
    export_steps,
    heading_groups,
    player_html,
)
from viz.stepper import frames

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "",
                             shutil.which("chromium-browser") or "") if p and os.path.exists(p)),
                None)
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not found")
# Chromium's limits only end a test that has failed: they leave room for a 2-core machine
# with both cores busy (issue 19), where starting Chromium alone takes seconds
START_SECONDS = 120
WAIT_SECONDS = 60


@pytest.fixture(scope="module")
def sigmoid_frames():
    if shutil.which("dot") is None:
        pytest.skip("Graphviz dot not found")
    return frames(book_sigmoid(1.0))


# ----------------------------------------------------------------------------- the page

def test_player_is_one_self_contained_file(sigmoid_frames, tmp_path):
    path = export_html(sigmoid_frames, tmp_path / "steps.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    # nothing fetched at view time: no external scripts, styles, images or fonts
    assert not re.search(r"<script[^>]+src=|<link\b|@import|url\(", page)
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    data = re.search(r'<script id="frames-data" type="application/json">(.*?)</script>',
                     page, re.S).group(1)
    items = json.loads(data)
    assert len(items) == len(sigmoid_frames) == 6
    # one picture, drawn once; each frame says what changes on it
    assert page.count("<svg") == 1 and all("svg" not in item for item in items)
    assert [item["highlight"] for item in items] == [
        f"node-{f.node_id}" if f.node_id else None for f in sigmoid_frames]
    assert "frame 1 / 6" in page
    for control in ('id="prev"', 'id="next"', 'id="slider"', 'id="counter"',
                    'id="explanation"', "ArrowRight", "ArrowLeft"):
        assert control in page
    # the zoom, shared with the playground, is inlined whole inside the page's script
    # (an HTML parser ends a script element at its first "</script", and "<!--" changes
    # how it reads on: the shared file holds neither)
    zoom = ZOOM_SCRIPT.read_text(encoding="utf-8")
    assert not re.search(r"</script|<!--", zoom, re.I)
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    assert zoom in script and "function ggZoom(" in script


def _chain(n):
    """A chain of about n operations, each stepped in a frame of its own (numbers typed
    inline: a weight shared by every operation would be a hub dot takes minutes over)."""
    from autograd import Value
    y = Value(0.5, name="x")
    for k in range(n // 3):
        y = (y * 0.9 + 0.1).tanh() if k % 2 else (y + 0.2) * 0.5
    y.name = "L"
    y.backward()
    return y


@needs_dot
def test_the_page_grows_with_the_frames_not_frames_times_drawing(monkeypatch):
    """Issue 19: a 180-operation graph wrote 79 MB (an SVG per frame, each as big as the
    graph: n²).  One picture, drawn by one dot run, and per frame what changes: linear."""
    import viz.html
    runs = []
    real = viz.html.pipe

    def counted(*args, **kwargs):
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(viz.html, "pipe", counted)
    sizes = {}
    for n in (40, 160):
        fs = frames(_chain(n), symbolic=False)
        runs.clear()
        sizes[n] = len(player_html(fs))
        assert runs == [1] and len(fs) > n / 2
    # 4 times the operations: 4 times the page (16 times with a picture per frame)
    assert sizes[160] < 5 * sizes[40], sizes
    # every change is said once: an edge's state moves a few times in the whole replay
    data = json.loads(re.search(r'type="application/json">(.*?)</script>',
                                player_html(fs), re.S).group(1))
    edges = len(fs[0].view.edges)
    assert sum(len(d["states"]) for d in data) <= 4 * edges


def test_frames_of_different_drawings_keep_a_picture_each():
    if shutil.which("dot") is None:
        pytest.skip("Graphviz dot not found")
    fs = frames(book_sigmoid(1.0), symbolic=False)[:2] + \
        frames(book_sigmoid(1.0), collapse="sigmoid", symbolic=False)[1:]
    data = json.loads(re.search(r'type="application/json">(.*?)</script>',
                                player_html(fs), re.S).group(1))
    assert [d["svg"][:4] for d in data] == ["<svg"] * len(fs)


def test_script_data_cannot_close_its_element():
    from autograd import Value
    if shutil.which("dot") is None:
        pytest.skip("Graphviz dot not found")
    x = Value(2.0, name="x")
    y = x * x
    y.name = "</script><b>y"  # frame titles carry node names as plain text
    fs = frames(y, symbolic=False)
    assert "</script>" in fs[1].title
    page = player_html(fs)
    data = page.split('type="application/json">', 1)[1].split("</script>", 1)[0]
    items = json.loads(data)  # the first </script> is the real end of the data
    assert len(items) == len(fs) and items[1]["title"] == fs[1].title


# ----------------------------------------------------------------------------- Chromium

class _WebSocket:
    """The smallest WebSocket client the DevTools protocol needs (RFC 6455 text frames),
    so the test needs no extra package."""

    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=START_SECONDS)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                           ).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(4096)
        head, self.buf = head.split(b"\r\n\r\n", 1)
        assert b" 101 " in head.split(b"\r\n", 1)[0], head

    def send(self, text):
        data, mask = text.encode(), os.urandom(4)
        n = len(data)
        if n < 126:
            header = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(header + mask + body)

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            payload = self._read(n)
            opcode = b0 & 0x0F
            if opcode == 8:
                raise ConnectionError("DevTools closed the connection")
            if opcode in (9, 10):  # ping / pong
                continue
            message += payload
            if b0 & 0x80:
                return message.decode()

    def close(self):
        self.sock.close()


class _Browser:
    """Headless Chromium on a page, driven over the DevTools protocol."""

    def __init__(self, url, profile):
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--hide-scrollbars",
             f"--user-data-dir={profile}", "--remote-debugging-port=0",
             "--window-size=1100,900", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + START_SECONDS
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.quit()
                pytest.skip("headless Chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        while True:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list",
                                        timeout=WAIT_SECONDS) as r:
                pages = [t for t in json.load(r) if t.get("type") == "page"]
            if pages or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.ws = _WebSocket(pages[0]["webSocketDebuggerUrl"])
        self.next_id = 0
        self.wait_for("document.readyState === 'complete' && !!document.querySelector"
                      "('#graph svg')")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def js(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def wait_for(self, expression, timeout=WAIT_SECONDS):
        deadline = time.monotonic() + timeout
        while not self.js(expression):
            if time.monotonic() > deadline:
                raise TimeoutError(expression)
            time.sleep(0.05)

    def click(self, selector):
        """A real mouse click at the element's centre."""
        box = self.js(f"(function(){{var r=document.querySelector({selector!r})"
                      ".getBoundingClientRect();return [r.x+r.width/2,r.y+r.height/2];})()")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1],
                      button="left", clickCount=1)

    def key(self, key, keycode):
        """A real key press (keyDown, keyUp) as the focused element receives it."""
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=kind, key=key, code=key,
                      windowsVirtualKeyCode=keycode, nativeVirtualKeyCode=keycode)

    def state(self):
        return self.js("({frame: +document.body.dataset.frame, "
                       "counter: document.getElementById('counter').textContent, "
                       "text: document.getElementById('explanation').innerText, "
                       "slider: +document.getElementById('slider').value})")

    def resize(self, width, height=900):
        """The window as `width` × `height` CSS pixels (the page sees a resize)."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)
        self.wait_for(f"window.innerWidth === {width}")

    def screenshot(self):
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])

    def quit(self):
        if getattr(self, "ws", None) is not None:
            self.ws.close()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # our own session: chromium's helpers
            try:
                self.proc.wait(timeout=WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (/usr/bin/chromium)")
def test_player_steps_in_headless_chromium(sigmoid_frames, tmp_path):
    path = export_html(sigmoid_frames, tmp_path / "steps.html")
    (tmp_path / "profile").mkdir()
    browser = _Browser(path.resolve().as_uri(), tmp_path / "profile")
    try:
        n = len(sigmoid_frames)
        s0 = browser.state()
        assert s0["frame"] == 0 and s0["counter"] == f"frame 1 / {n}"
        assert "forward pass" in s0["text"].lower()

        browser.click("#next")  # a real mouse click on the button
        browser.wait_for("document.body.dataset.frame === '1'")
        s1 = browser.state()
        assert s1["counter"] == f"frame 2 / {n}" and s1["slider"] == 1
        assert "−1/x² = −y²" in s1["text"] and "−0.5344" in s1["text"]

        browser.key("ArrowRight", 39)  # the keyboard, with focus still on the button
        browser.wait_for("document.body.dataset.frame === '2'")
        s2 = browser.state()
        assert s2["counter"] == f"frame 3 / {n}" and s2["text"] != s1["text"]
        # the graph shows the highlighted node of this step
        assert browser.js("document.querySelector('#graph svg').innerHTML.length") > 1000
        # on the one picture the script painted this frame: its node highlighted, its
        # edge's gradient orange (being sent), the note ×local beside its node, and the
        # edges done before it red
        f2 = sigmoid_frames[2]
        assert browser.js("document.querySelector('#graph .gg-highlight').id") == \
            f"node-{f2.node_id}"
        orange = browser.js("getComputedStyle(document.querySelector("
                            "'#graph .edge.active text[fill=\"#fffffe\"]')).fill")
        assert orange == "rgb(232, 113, 10)", orange
        assert browser.js("document.querySelector('#graph .gg-note').textContent") == \
            f2.notes[f2.node_id]
        red = browser.js("getComputedStyle(document.querySelector("
                         "'#graph .edge.done text[fill=\"#fffffe\"]')).fill")
        assert red == "rgb(214, 39, 40)", red

        browser.key("ArrowLeft", 37)
        browser.wait_for("document.body.dataset.frame === '1'")
        browser.key("End", 35)
        browser.wait_for(f"document.body.dataset.frame === '{n - 1}'")
        assert sigmoid_frames[-1].title in browser.state()["text"]  # the result
        assert browser.js("document.getElementById('next').disabled") is True

        browser.click("#prev")
        browser.wait_for(f"document.body.dataset.frame === '{n - 2}'")
        png = browser.screenshot()
        (tmp_path / "player.png").write_bytes(png)
        shot = Image.open(BytesIO(png))
        assert shot.format == "PNG" and shot.size[0] >= 800 and shot.size[1] >= 600
        # not a blank page: the red of the gradients is on screen
        rgb = np.asarray(shot.convert("RGB")).astype(int)
        reds = (rgb[..., 0] > 180) & (rgb[..., 1] < 90) & (rgb[..., 2] < 90)
        assert reds.sum() > 50
    finally:
        browser.quit()


# each of リンゴ消費税 and U+E000 drawn alone on a canvas in the page's own font, as the
# string of its dark pixels
_GLYPHS = """(function () {
  var font = getComputedStyle(document.body).fontFamily;
  return Array.prototype.map.call("リンゴ消費税\\ue000", function (c) {
    var cv = document.createElement("canvas"); cv.width = cv.height = 40;
    var g = cv.getContext("2d"); g.fillStyle = "white"; g.fillRect(0, 0, 40, 40);
    g.fillStyle = "black"; g.font = "28px " + font; g.fillText(c, 4, 32);
    var d = g.getImageData(0, 0, 40, 40).data, bits = "";
    for (var i = 0; i < d.length; i += 4) { bits += d[i] < 128 ? "1" : "0"; }
    return bits;
  });
})()"""


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (/usr/bin/chromium)")
def test_the_player_in_japanese_in_headless_chromium(tmp_path):
    """Appendix A's stepper with lang='ja': the page says lang="ja", its buttons, counter
    and hint are Japanese, the book's steps are ステップ1 … ステップ6, the narration says
    上流から伝わった微分 × 局所的な微分 and 分岐した値の和, and the kana and kanji on screen
    are drawn as glyphs (the screenshot is kept: GRAPHGRAD_SCREENSHOT_DIR=DIR saves it)."""
    if shutil.which("dot") is None:
        pytest.skip("Graphviz dot not found")
    from viz import i18n
    fs = frames(appendix_a(labels="constants"), lang="ja")
    path = export_html(fs, tmp_path / "steps.html")
    page = path.read_text(encoding="utf-8")
    assert '<html lang="ja">' in page and "Noto Sans CJK JP" in page
    (tmp_path / "profile").mkdir()
    browser = _Browser(path.resolve().as_uri(), tmp_path / "profile")
    try:
        n = len(fs)
        s0 = browser.state()
        assert s0["counter"] == f"1 / {n} コマ"
        assert "上流から伝わった微分 × 局所的な微分 = 下流へ流す値" in s0["text"]
        chips = browser.js("Array.prototype.map.call(document.querySelectorAll("
                           "'#headings button'), function (b) { return b.textContent; })")
        assert chips == ["順伝播", "Cross Entropy Errorレイヤ"] + \
            [f"ステップ{k}" for k in range(1, 7)] + ["結果"]
        assert browser.js("document.getElementById('next').textContent") == "次へ ▶"
        assert "1 コマずつ" in browser.js("document.querySelector('.hint').textContent")
        step3 = chips.index("ステップ3")
        browser.click(f"#headings button:nth-child({step3 + 1})")  # the book's step 3
        browser.wait_for("document.querySelector('#headings button[aria-current=step]')"
                         ".textContent === 'ステップ3'")
        s3 = browser.state()
        assert "分岐した値の和" in s3["text"] and "順伝播で複数に分岐した値は" in s3["text"]
        assert s3["counter"].endswith(f" / {n} コマ")
        browser.click("#play")
        assert browser.js("document.getElementById('play').textContent") == "⏸ 一時停止"
        browser.click("#play")
        browser.resize(1280, 900)
        png = browser.screenshot()
        keep = os.environ.get("GRAPHGRAD_SCREENSHOT_DIR")
        if keep:
            Path(keep, "player-ja.png").write_bytes(png)
        shot = Image.open(BytesIO(png)).convert("RGB")
        rgb = np.asarray(shot).astype(int)
        reds = (rgb[..., 0] > 180) & (rgb[..., 1] < 90) & (rgb[..., 2] < 90)
        assert reds.sum() > 50  # the gradients on screen
        if i18n.cjk_fonts():
            # each character drawn in the page's font: glyphs of their own shapes, none the
            # box (or blank) of a character no font has (U+E000, private use)
            inks = browser.js(_GLYPHS)
            assert len(set(inks)) == len(inks), inks
    finally:
        browser.quit()


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (/usr/bin/chromium)")
def test_player_opens_the_step_in_the_url_hash(sigmoid_frames, tmp_path):
    path = export_html(sigmoid_frames, tmp_path / "steps.html")
    (tmp_path / "profile").mkdir()
    browser = _Browser(path.resolve().as_uri() + "#step=4", tmp_path / "profile")
    try:
        assert browser.state()["frame"] == 3
    finally:
        browser.quit()


# ----------------------------------------------------------------------------- readable

APPENDIX_A_CHIPS = ["Forward pass", "Cross Entropy Error"] + [f"Step {k}" for k in
                                                            range(1, 7)] + ["Result"]
# from the DOM: the smallest SVG text on screen (its font size times the scale the SVG is
# drawn at, and the height of its box), the graph's size and scrolling, whether the
# drawing is cut at the panel's edges, the explanation's font size, how many of the
# current step's nodes are inside the panel, and the book's step marked current
_MEASURE = """(function () {
  var svg = document.querySelector('#graph svg'), g = document.getElementById('graph');
  var font = Infinity, box = Infinity, n = 0;
  svg.querySelectorAll('text').forEach(function (t) {
    if (!t.textContent.trim()) { return; }
    n += 1;
    font = Math.min(font, parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
    var r = t.getBoundingClientRect();
    if (r.height > 0) { box = Math.min(box, r.height); }
  });
  var gr = g.getBoundingClientRect(), sr = svg.getBoundingClientRect(),
      k = +document.body.dataset.frame;
  var data = JSON.parse(document.getElementById('frames-data').textContent)[k];
  var seen = (data.focus || []).filter(function (id) {
    var r = document.getElementById(id).getBoundingClientRect();
    return r.left >= gr.left && r.right <= gr.right && r.top >= gr.top &&
      r.bottom <= gr.bottom;
  }).length;
  var current = document.querySelector('#headings button[aria-current=step]');
  return {font: font, box: box, texts: n, svg: sr.width, room: g.clientWidth,
          scrolls: g.scrollWidth > g.clientWidth + 1 || g.scrollHeight > g.clientHeight + 1,
          cut: sr.left < gr.left - 0.5 || sr.right > gr.right + 0.5 ||
               sr.top < gr.top - 0.5 || sr.bottom > gr.bottom + 0.5,
          focus: (data.focus || []).length, seen: seen,
          expl: parseFloat(getComputedStyle(document.querySelector('#explanation p')).fontSize),
          zoomOut: document.getElementById('zoom-out').disabled,
          current: current && current.textContent,
          chips: Array.prototype.map.call(document.querySelectorAll('#headings button'),
                                          function (b) { return b.textContent; })};
})()"""


def test_the_player_lists_the_books_steps(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz dot not found")
    fs = frames(appendix_a(labels="constants"), symbolic=False)
    assert [h for h, _, _ in heading_groups(fs)] == APPENDIX_A_CHIPS
    page = player_html(fs)
    nav = re.search(r'<nav id="headings"[^>]*>(.*?)</nav>', page, re.S).group(1)
    assert re.findall(r">([^<]+)</button>", nav) == APPENDIX_A_CHIPS
    # the counter counts frames: "Step 1" lit over "step 6 / 12" read as a clash (issue 20)
    assert '<span id="counter">frame 1 / 12</span>' in page
    controls = re.search(r'<div id="controls">(.*?)</div>', page, re.S).group(1)
    words = re.findall(r'(?:title|aria-label)="([^"]*)"|>([^<]+)<', controls)
    words = [w for pair in words for w in pair if w.strip()]
    assert len(words) >= 10 and not [w for w in words if "step" in w.lower()], words
    ui = re.search(r"var ui = (\{.*?\});", page).group(1)
    assert json.loads(ui)["counter"] == "frame {k} / {n}"
    assert heading_groups(frames(apple_orange(), symbolic=False)) == []  # none declared
    assert '<nav id="headings"' not in player_html(frames(apple_orange(), symbolic=False))


PLAYER_WIDTHS = (1400, 1280, 980, 390)  # desktop, laptop, a notebook's width, a phone


def _each_step(browser, fs, name, width, zoom, shots):
    """Click every chip of the book's steps (real clicks) and measure the page at each;
    one screenshot per width and zoom is kept in `shots`, checked not to be blank."""
    found = []
    for heading, first, _ in heading_groups(fs):
        browser.click(f'#headings button[data-frame="{first}"]')
        browser.wait_for(f"document.body.dataset.frame === '{first}'")
        m = browser.js(_MEASURE)
        where = (name, width, zoom, heading, m)
        assert m["texts"] > 10 and m["expl"] >= 13, where
        assert m["current"] == heading, where
        found.append((where, m))
    png = browser.screenshot()
    shot = shots / f"{name}-{width}-{zoom}.png"
    shot.write_bytes(png)
    with Image.open(shot) as im:
        assert im.size[0] == width
        rgb = np.asarray(im.convert("RGB")).astype(int)
    assert (rgb.sum(axis=2) < 600).mean() > 0.01, (name, width, zoom)  # not blank
    return found


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (/usr/bin/chromium)")
@needs_dot
def test_the_player_fits_the_drawing_and_zooms_in_to_the_step(tmp_path):
    """Issue 20: at 1400 px appendix A's drawing was cut at both edges of its panel.  Now
    at 1400, 1280, 980 and 390 px (a phone) the whole drawing fits the panel, nothing cut
    and nothing to scroll (a small one grows, up to 1.5 times dot's size); + (a real
    click) zooms to where the smallest SVG text is >= 11 px on screen, measured from the
    DOM, and on every book step the panel has scrolled to that step's nodes; a second +
    is 1.25 times larger; 0 (the key) fits it again.  Screenshots:
    GRAPHGRAD_SCREENSHOT_DIR=DIR keeps them."""
    pytest.importorskip("sympy")
    shots = Path(os.environ.get("GRAPHGRAD_SCREENSHOT_DIR") or tmp_path)
    pages = {"appendix-a": frames(appendix_a(labels="constants")),
             "sigmoid": frames(book_sigmoid(1.0))}
    fitted, texts = {}, {}
    for name, fs in pages.items():
        path = export_html(fs, tmp_path / f"{name}.html")
        (tmp_path / f"profile-{name}").mkdir()
        browser = _Browser(path.resolve().as_uri(), tmp_path / f"profile-{name}")
        try:
            for width in PLAYER_WIDTHS:
                browser.resize(width, 900 if width > 600 else 800)
                for where, m in _each_step(browser, fs, name, width, "fit", shots):
                    assert not m["cut"] and not m["scrolls"], where
                    assert m["svg"] <= m["room"] and m["zoomOut"], where
                fitted[(name, width)], texts[(name, width)] = m["svg"], m["font"]
                browser.click("#zoom-in")
                for where, m in _each_step(browser, fs, name, width, "zoom", shots):
                    assert m["font"] >= 11 - 1e-6 and m["box"] >= 11, where
                    assert not m["zoomOut"], where
                    assert m["scrolls"] or name == "sigmoid", where  # wider than 1400
                    if m["scrolls"]:  # the step's nodes are in view
                        assert m["seen"] == m["focus"], where
                zoomed = m["font"]
                browser.click("#zoom-in")
                m = browser.js(_MEASURE)
                assert m["font"] == pytest.approx(zoomed * 1.25, rel=0.02), m
                browser.key("0", 48)
                browser.wait_for("document.getElementById('zoom-out').disabled")
                assert browser.js(_MEASURE)["svg"] == fitted[(name, width)]
            assert m["chips"] == (APPENDIX_A_CHIPS if name == "appendix-a" else
                                  ["Forward pass"] + [f"Step {k}" for k in range(1, 5)]
                                  + ["Result"])
        finally:
            browser.quit()
    for width in PLAYER_WIDTHS:  # appendix A fills the panel: its width is the window's
        assert fitted[("appendix-a", width)] >= width - 60, fitted
    assert texts[("appendix-a", 1400)] >= 9, texts  # at 1400 px the whole of it is legible
    assert fitted[("sigmoid", 1400)] > fitted[("sigmoid", 390)] * 2  # grows with the window


# ----------------------------------------------------------------------------- GIF, PNG, SVG

def test_gif_has_one_frame_per_step(sigmoid_frames, tmp_path):
    path = export_gif(sigmoid_frames, tmp_path / "steps.gif", duration=800)
    im = Image.open(path)
    assert im.format == "GIF"
    assert im.n_frames == len(sigmoid_frames)
    assert 300 <= im.size[0] <= 4000 and 100 <= im.size[1] <= 3000
    durations = []
    for k in range(im.n_frames):
        im.seek(k)
        durations.append(im.info["duration"])
    assert durations[0] >= 800 and durations[-1] > durations[1] == 800


def test_numbered_png_and_svg_frames(sigmoid_frames, tmp_path):
    pngs = export_frames(sigmoid_frames, tmp_path / "png", fmt="png")
    assert [p.name for p in pngs] == [f"step-{k:02d}.png" for k in range(6)]
    for p in pngs:
        with Image.open(p) as im:
            im.verify()
        with Image.open(p) as im:
            assert im.size[0] > 200 and im.size[1] > 80
    svgs = export_frames(sigmoid_frames, tmp_path / "svg")
    assert len(svgs) == 6
    for p in svgs:
        assert ElementTree.parse(p).getroot().tag.endswith("svg")
    with pytest.raises(ValueError, match="fmt"):
        export_frames(sigmoid_frames, tmp_path / "bad", fmt="jpg")


@needs_dot
def test_export_steps_dispatches_on_the_suffix(tmp_path):
    y = book_sigmoid(0.5)
    assert export_steps(y, tmp_path / "a.html", collapse="sigmoid").read_text().count(
        "<svg") >= 1
    assert Image.open(export_steps(y, tmp_path / "a.gif", collapse="sigmoid")).n_frames == 3
    files = export_steps(y, tmp_path / "frames", collapse="sigmoid", fmt="png")
    assert len(files) == 3 and all(p.suffix == ".png" for p in files)
    with pytest.raises(ValueError, match=r"\.html"):
        export_steps(y, tmp_path / "a.pdf")


# ----------------------------------------------------------------------------- Jupyter

@needs_dot
def test_widget_stepper_buttons_and_slider():
    pytest.importorskip("ipywidgets")
    from viz.widgets import Stepper
    s = Stepper(book_sigmoid(1.0), symbolic=False)
    assert s.counter.value == "frame 1 / 6" and s.prev_button.disabled
    assert s.heading.value == "<b>Forward pass</b>"
    s.next_button.click()
    assert s.index == 1 and s.slider.value == 1 and "−y²" in s.view.value
    assert s.heading.value == "<b>Step 1</b>"  # sigmoid's steps, section 5.5.2
    s.slider.value = 5
    assert s.index == 5 and s.next_button.disabled and "All gradients" in s.view.value
    s.prev()
    assert s.counter.value == "frame 5 / 6"
    bundle = s._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].startswith("<iframe srcdoc=")


def test_widget_stepper_in_japanese():
    pytest.importorskip("ipywidgets")
    from viz.widgets import Stepper
    s = Stepper(book_sigmoid(1.0), symbolic=False, lang="ja")
    assert s.counter.value == "1 / 6 コマ" and s.heading.value == "<b>順伝播</b>"
    assert (s.prev_button.description, s.next_button.description) == ("◀ 前へ", "次へ ▶")
    s.next()
    assert s.heading.value == "<b>ステップ1</b>" and "局所的な微分" in s.view.value
    assert 'lang="ja"' in s.view.value
    assert '<html lang="ja">' in html_page_of(s)


def html_page_of(stepper):
    import html as html_module
    frame = stepper._repr_html_()
    return html_module.unescape(re.search(r'srcdoc="(.*?)"', frame, re.S).group(1))


@needs_dot
def test_widget_falls_back_to_the_html_player(monkeypatch):
    import viz.widgets as widgets
    monkeypatch.setattr(widgets, "_ipywidgets", lambda: None)
    s = widgets.Stepper(book_sigmoid(1.0), symbolic=False)
    assert s.widget is None
    html = s._repr_html_()
    assert html.startswith("<iframe srcdoc=") and "frame 1 / 6" in html
    assert set(s._repr_mimebundle_()) == {"text/plain", "text/html"}


# ----------------------------------------------------------------------------- hostile text

class _Page(HTMLParser):
    """The page's skeleton: element and attribute names, the <script>s' text, the text of
    the first element of each name; fails on an end tag that closes anything but the
    open element."""

    VOID = {"meta", "input", "br", "img", "link", "hr"}

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.open, self.scripts, self.text = set(), set(), [], [], {}
        self.first = []  # per open element: is it the first of its name?
        self.feed(page)
        self.close()
        assert not self.open, f"elements left open: {self.open}"

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs |= {name for name, _ in attrs}
        if tag == "script":
            self.scripts.append("")
        if tag not in self.VOID:
            self.first.append(tag not in self.text)
            self.text.setdefault(tag, "")
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs |= {name for name, _ in attrs}

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-3:]}"
        self.open.pop()
        self.first.pop()

    def handle_data(self, data):
        if self.open and self.open[-1] == "script":
            self.scripts[-1] += data
        if self.open and self.first[-1]:
            self.text[self.open[-1]] += data


def _hostile(payload_graph, payload):
    return payload_graph(payload, payload + "2", payload + "3", payload + "4")


@needs_dot
def test_hostile_text_stays_text_in_the_page(payload, payload_graph):
    clean = _Page(player_html(frames(payload_graph(), symbolic=True), title="t"))
    fs = frames(_hostile(payload_graph, payload), symbolic=True)
    page = player_html(fs, title=payload)
    got = _Page(page)  # well formed: every element closed where it was opened
    # nothing added: no element, attribute (an on... handler) or script of its own
    assert got.tags <= clean.tags and got.attrs <= clean.attrs
    assert not [a for a in got.attrs if a.startswith("on")]
    assert len(got.scripts) == 2
    data = json.loads(got.scripts[0])  # the frames, intact, with the names as written
    # (control and bidirectional-control characters as U+FFFD, as the drawings show them)
    assert [d["title"] for d in data] == [printable(f.title) for f in fs]
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e"
                         "\u2066-\u2069\u200e\u200f]", page)
    assert [d["html"] for d in data] == [f.html for f in fs]
    assert got.text["title"] == got.text["h1"] == printable(payload)  # one pass: no refill
    assert "<" not in got.scripts[0]  # nor <!--, nor </script>


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (/usr/bin/chromium)")
@needs_dot
def test_hostile_names_in_headless_chromium(payloads, payload_graph, tmp_path):
    """Every payload of the table at once, as node names and in the title: the page
    still steps, frame after frame, and no element, handler or script of theirs exists."""
    names = payloads + [p + "!" for p in payloads]
    graphs = {"clean": payload_graph(),
              "hostile": payload_graph(*["".join(names[k::4]) for k in range(4)])}
    seen = {}
    for which, y in graphs.items():
        fs = frames(y, symbolic=False)
        title = "t" if which == "clean" else " | ".join(payloads)
        path = export_html(fs, tmp_path / f"{which}.html", title=title)
        (tmp_path / which).mkdir()
        seen[which] = _step_through(path, tmp_path / which, fs)
    clean, hostile = seen["clean"], seen["hostile"]
    assert hostile["tags"] <= clean["tags"], hostile["tags"] - clean["tags"]
    assert hostile["attrs"] <= clean["attrs"], hostile["attrs"] - clean["attrs"]
    assert not [a for a in hostile["attrs"] if a.startswith("on")]
    # document.title as the browser gives it back: control characters dropped, ASCII
    # whitespace collapsed
    def squeeze(text):
        text = re.sub(r"[\x00-\x08\x0b\x0e-\x1f\x7f]", "", text)
        return re.sub(r"[\t\n\f\r ]+", " ", text).strip()
    want = [squeeze(printable(f.title)) for f in frames(graphs["hostile"], symbolic=False)]
    assert [squeeze(t) for t in hostile["titles"]] == want


_DOM = ("(function(){var tags={}, attrs={};"
        "document.querySelectorAll('*').forEach(function(e){"
        "tags[e.tagName.toLowerCase()]=1;"
        "for (var i=0;i<e.attributes.length;i++){attrs[e.attributes[i].name]=1;}});"
        "return {tags:Object.keys(tags), attrs:Object.keys(attrs),"
        "scripts:document.scripts.length, pwned:document.body.getAttribute('data-pwned'),"
        "frame:+document.body.dataset.frame, title:document.title,"
        "counter:document.getElementById('counter').textContent};})()")


def _step_through(path, profile, fs):
    """Click 'next' through every frame, focusing around with Tab on the way; the DOM's
    element and attribute names over all frames, and each frame's document title."""
    browser = _Browser(path.resolve().as_uri(), profile)
    try:
        n, tags, attrs, titles = len(fs), set(), set(), []
        for k in range(n):
            if k:
                browser.click("#next")
                browser.wait_for(f"document.body.dataset.frame === '{k}'")
            for _ in range(3):  # an injected onfocus/autofocus would fire now
                browser.key("Tab", 9)
            dom = browser.js(_DOM)
            assert dom["pwned"] is None and dom["scripts"] == 2, dom
            assert dom["frame"] == k and dom["counter"] == f"frame {k + 1} / {n}"
            tags |= set(dom["tags"])
            attrs |= set(dom["attrs"])
            titles.append(dom["title"])
        assert browser.js("document.getElementById('next').disabled") is True
        return {"tags": tags, "attrs": attrs, "titles": titles}
    finally:
        browser.quit()
