"""The playground as a person uses it: the page in headless Chromium (driven by Playwright,
with the system's /usr/bin/chromium; no browser is ever downloaded), against the real
server on a free port of 127.0.0.1.  Each test types, clicks, presses keys and reads what
the page shows.  Skipped, saying why, where Chromium or Playwright is missing."""
import shutil
import urllib.parse

import pytest

from tests.viz.play.conftest import needs_dot

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    needs_dot,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (./run test installs it "
                       "with apt-get on Debian/Ubuntu; GRAPHGRAD_NO_BROWSER=1 skips it)"),
]
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed "
                                 "(pip install -e '.[test]')")
TIMEOUT = 60_000  # ms: a loaded 2-core machine draws and steps slowly
PWN = "document.body.setAttribute('data-pwned','yes')"


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.errors = []
    pg.dialogs = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.base = live_server
    yield pg
    assert pg.errors == [], pg.errors  # no script error on any page a test opened
    assert pg.dialogs == []
    context.close()


def _open(pg, **state):
    pg.goto(pg.base + ("?" + urllib.parse.urlencode(state) if state else ""))
    return _drawn(pg)


def _drawn(pg, text=None):
    """Wait until the drawing is current (no request out) and, if given, shows `text`."""
    pg.wait_for_function("() => !document.body.classList.contains('busy') && "
                         "document.querySelector('#drawing svg') !== null")
    if text is not None:
        pg.wait_for_function("t => document.getElementById('result').textContent.includes(t)",
                             arg=text)
    return pg.inner_text("#result")


def _player(pg):
    frame = pg.frame_locator("#player")
    frame.locator("#counter").wait_for()
    return frame


def test_typing_redraws_without_reloading(page):
    first = _open(page)
    assert first.startswith("y = 0.731059")  # sigmoid(x*w + b) at 1, 2, −1
    page.evaluate("window.notReloaded = true")
    page.click("#expr")
    page.fill("#expr", "")
    page.keyboard.type("x*y + exp(x)", delay=20)
    assert "∂f/∂x" in _drawn(page, "f = ")
    names = page.eval_on_selector_all("#fields .field", "rows => rows.map(r => r.dataset.name)")
    assert names == ["x", "y"]
    assert "exp" in page.inner_text("#drawing")
    page.fill(".field[data-name=y] input", "3")
    assert "f = 5.71828" in _drawn(page, "f = 5.71828")  # x=1 kept, y typed: 1·3 + e
    assert page.evaluate("window.notReloaded") is True
    assert "expr=x*y+%2B+exp%28x%29" in page.url or "x*y" in urllib.parse.unquote(page.url)


def test_the_arrow_keys_step_the_player(page):
    _open(page)
    player = _player(page)
    assert player.locator("#counter").inner_text() == "frame 1 / 8"
    page.click("h1")  # the page has the keys, not the box
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    player.locator("#counter", has_text="frame 3 / 8").wait_for()
    assert "Step 2" in player.locator("#headings [aria-current]").inner_text()
    page.keyboard.press("ArrowLeft")
    player.locator("#counter", has_text="frame 2 / 8").wait_for()
    page.keyboard.press("End")
    player.locator("#counter", has_text="frame 8 / 8").wait_for()
    # in the expression box the arrows move the caret: the player stays
    page.click("#expr")
    page.keyboard.press("ArrowLeft")
    assert player.locator("#counter").inner_text() == "frame 8 / 8"


def test_a_shared_link_opens_exactly_that_state(page):
    page.goto(page.base + "?expr=sigmoid(x*w%2Bb)&x=1&w=2&b=-1&labels=both&lang=ja")
    _drawn(page)
    assert page.input_value("#expr") == "sigmoid(x*w+b)"
    assert [page.input_value(f".field[data-name={n}] input") for n in "xwb"] == ["1", "2", "-1"]
    assert page.is_checked("input[name=labels][value=both]")
    assert page.get_attribute("html", "lang") == "ja"
    assert "プレイグラウンド" in page.inner_text("h1")
    assert "y(1 − y)" in page.inner_text("#drawing")  # both: the book's algebra too
    player = _player(page)
    assert "ステップ1" in player.locator("#headings").inner_text()
    link = page.input_value("#link")
    assert "labels=both" in link and "lang=ja" in link and "w=2" in link


def test_switching_the_language_keeps_the_state(page):
    _open(page, expr="softmax_with_loss(a, t)", a="0.3,2.9,4.0", t="0,0,1")
    page.click("#lang-ja")
    page.wait_for_url("**lang=ja**")
    _drawn(page)
    assert page.get_attribute("html", "lang") == "ja"
    assert page.input_value("#expr") == "softmax_with_loss(a, t)"
    assert page.input_value(".field[data-name=a] input") == "0.3,2.9,4.0"
    assert "教師ラベル" in page.inner_text(".field[data-name=t] .hint")
    page.click("#lang-en")
    page.wait_for_url("**lang=en**")
    assert "labels" in page.inner_text(".field[data-name=t] .hint")


def test_a_node_clicked_shows_its_local_derivative(page):
    _open(page, expr="exp(x)", x="1")
    page.click("#drawing g.node.op")
    panel = page.inner_text("#local")
    assert "exp — local derivative" in panel and "∂y/∂x = exp(x) = y" in panel
    assert "2.718" in panel  # exp(1): the local derivative, and what is sent on (× 1)


def test_the_examples_menu(page):
    _open(page)
    page.select_option("#examples", "appendix-a")
    _drawn(page, "∂L/∂a3")
    assert page.input_value("#expr") == "softmax_with_loss(a, t)"
    assert page.is_checked("input[name=labels][value=symbols]")
    assert "y1 − t1" in page.inner_text("#drawing")  # figure A-5's result
    page.select_option("#examples", "eshikaku")
    _drawn(page, "∂L/∂W1")
    assert "one node" in page.inner_text("#status")


@pytest.mark.parametrize("text", [
    f"</script><script>{PWN}</script>",
    f'x" onfocus="{PWN}" autofocus="',
    f"<img src=x onerror=\"{PWN}\">",
    "x \u202e+ y",  # a right-to-left override inside the expression
    "'\"`${x}`",
])
def test_hostile_text_is_shown_never_run(page, text):
    _open(page)
    page.fill("#expr", text)
    page.wait_for_selector("#error:not([hidden])")
    _drawn(page)
    assert page.get_attribute("body", "data-pwned") is None
    assert page.locator("#error img, #error script").count() == 0
    # the offending text is displayed as text, control characters made visible
    shown = page.inner_text("#error-where")
    assert "\u202e" not in shown
    page.fill("#expr", "x * 2")
    page.fill(".field[data-name=x] input", f"<img src=x onerror=\"{PWN}\">")
    page.wait_for_function("() => document.getElementById('error-message').textContent"
                           ".includes('not a number')")
    assert page.get_attribute("body", "data-pwned") is None
    page.fill(".field[data-name=x] input", "4")
    assert "f = 8" in _drawn(page, "f = 8")  # the page, and the server, live on


def test_a_refusal_reads_in_japanese_with_its_caret(page):
    _open(page, expr="x * 2", x="1", lang="ja")
    page.fill("#expr", "sigmoid(x*w+b")
    page.wait_for_function("() => document.getElementById('error-message').textContent"
                           ".includes('括弧の対応が合っていません')")
    said = page.inner_text("#error-message")
    assert said == "括弧の対応が合っていません: '(' が閉じられていません"
    assert page.inner_text("#error-where") == "sigmoid(x*w+b\n       ^"  # under the '('
    page.fill(".field[data-name=x] input", "0.3,,4.0")
    page.fill("#expr", "sum(x)")
    page.wait_for_function("() => document.getElementById('error-message').textContent"
                           ".includes('空の要素')")
    assert page.inner_text("#error-where") == "0.3,,4.0\n    ^"


def test_huge_input_is_refused_with_a_message(page):
    page.goto(page.base + "?" + urllib.parse.urlencode({"expr": "x+" * 3000 + "x"}))
    page.wait_for_selector("#error:not([hidden])")
    assert "longer than" in page.inner_text("#error-message")
    page.fill("#expr", "x * 3")
    assert "f = 3" in _drawn(page, "f = 3")


def test_a_phone_sees_one_column_and_no_sideways_page(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.goto(live_server + "?expr=softmax_with_loss(a,t)&a=0.3,2.9,4.0&t=0,0,1&lang=ja")
    pg.wait_for_selector("#drawing svg")
    pg.wait_for_function("() => !document.body.classList.contains('busy')")
    # the page itself never scrolls sideways: the whole drawing fits its box, and once
    # zoomed in (+) it scrolls in the box
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    assert _fitted(pg.evaluate(_MEASURE))
    pg.tap("#zoom-in")
    assert pg.evaluate("document.getElementById('drawing').scrollWidth") > 390
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


# ----------------------------------------------------------------------------- the fit

APPENDIX_A = {"expr": "softmax_with_loss(a,t)", "a": "0.3,2.9,4.0", "t": "0,0,1",
              "labels": "both"}
# from the DOM: the drawing's box and its SVG (on screen and at dot's size, 1 pt = 4/3
# px), whether the box scrolls, the smallest SVG text on screen (its font size times the
# scale the SVG is drawn at) and which zoom buttons are off
_MEASURE = """() => {
  var d = document.getElementById('drawing'), svg = d.querySelector('svg');
  var dr = d.getBoundingClientRect(), sr = svg.getBoundingClientRect(), font = Infinity;
  svg.querySelectorAll('text').forEach(function (t) {
    if (!t.textContent.trim()) { return; }
    font = Math.min(font, parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  });
  return {svg: sr.width, height: sr.height, natural: svg.viewBox.baseVal.width * 4 / 3,
          naturalHeight: svg.viewBox.baseVal.height * 4 / 3,
          inside: sr.left >= dr.left && sr.right <= dr.right && sr.top >= dr.top &&
                  sr.bottom <= dr.bottom,
          scrollWidth: d.scrollWidth, clientWidth: d.clientWidth, font: font,
          window: window.innerHeight,
          zoomOut: document.getElementById('zoom-out').disabled,
          zoomIn: document.getElementById('zoom-in').disabled};
}"""


def _retyped(pg, field, text):
    """Type `text` into a variable's field and wait for the drawing of it."""
    before = pg.inner_text("#result")
    pg.fill(f".field[data-name={field}] input", text)
    pg.wait_for_function("t => document.getElementById('result').textContent !== t",
                         arg=before)
    _drawn(pg)


def _fitted(m):
    return m["inside"] and m["scrollWidth"] <= m["clientWidth"] and m["zoomOut"]


def test_appendix_a_fits_its_box_and_zooms_in_and_out(page):
    """Appendix A's graph was wider than its box at 1280 px: its end (the last × and L)
    hidden behind a scroll.  Now all of it is inside the box; + enlarges it to readable
    text (the box scrolls), fit brings it back, and a redraw keeps either choice."""
    _open(page, **APPENDIX_A)
    fit = page.evaluate(_MEASURE)
    assert _fitted(fit) and fit["svg"] <= fit["natural"], fit
    assert fit["height"] <= fit["window"] * 0.8, fit
    page.click("#zoom-in")
    zoomed = page.evaluate(_MEASURE)
    assert zoomed["svg"] > fit["svg"] * 1.2 and zoomed["font"] >= 11 - 1e-6, zoomed
    assert zoomed["scrollWidth"] > zoomed["clientWidth"] and not zoomed["zoomOut"], zoomed
    page.click("#zoom-in")
    assert page.evaluate(_MEASURE)["font"] == pytest.approx(zoomed["font"] * 1.25, rel=0.02)
    page.click("#zoom-out")
    assert page.evaluate(_MEASURE)["font"] == pytest.approx(zoomed["font"], rel=0.02)
    page.click("#zoom-fit")
    assert page.evaluate(_MEASURE) == fit
    # typing redraws at the zoom chosen: the fit stays the fit ...
    _retyped(page, "a", "0.3,2.9,4.5")
    again = page.evaluate(_MEASURE)
    assert _fitted(again) and again["svg"] == fit["svg"], again
    # ... and a zoom stays that zoom (the text keeps its size)
    page.click("#zoom-in")
    _retyped(page, "a", "0.3,2.9,4.0")
    kept = page.evaluate(_MEASURE)
    assert kept["font"] == pytest.approx(zoomed["font"], rel=0.02), kept
    assert kept["scrollWidth"] > kept["clientWidth"], kept
    page.click("h1")  # the keys, as in the player: 0 fits
    page.keyboard.press("0")
    assert _fitted(page.evaluate(_MEASURE))


def test_a_small_graph_is_never_blown_up(page):
    """Fitted, a drawing is never larger than dot drew it (the page used to draw a small
    one 1.5 times larger): sigmoid's, about as wide as the box, is at most its size, a
    smaller one exactly its size; a tall one is made as short as most of the window."""
    _open(page, expr="sigmoid(x*w+b)", x="1", w="2", b="-1")
    m = page.evaluate(_MEASURE)
    assert _fitted(m) and m["svg"] <= m["natural"], m
    page.fill("#expr", "x*w")
    _drawn(page, "f = 2")
    m = page.evaluate(_MEASURE)
    assert _fitted(m) and m["svg"] < m["clientWidth"] / 2, m
    assert m["svg"] == pytest.approx(m["natural"], abs=1), m
    # a tall drawing (a vector drawn element by element) fits most of the window's height
    page.fill("#expr", "sum(x*x)")
    page.fill(".field[data-name=x] input", ",".join(str(k) for k in range(1, 25)))
    _drawn(page, "f = 4900")  # 1² + … + 24²
    m = page.evaluate(_MEASURE)
    assert m["naturalHeight"] > m["window"] and m["height"] <= m["window"] * 0.8, m
    assert _fitted(m), m


def test_a_node_clicked_at_any_zoom_shows_its_local_derivative(page):
    _open(page, **APPENDIX_A)
    last = "#drawing g.node.op >> nth=-1"  # the right end: the last ×, before L
    page.click(last)
    fitted = page.inner_text("#local")
    assert "local derivative" in fitted
    page.click("#zoom-in")
    page.click("#zoom-in")
    page.click("#drawing g.node.op >> nth=0")
    assert page.inner_text("#local") != fitted
    page.click(last)  # scrolled to inside the box, then clicked
    assert page.inner_text("#local") == fitted
    assert page.evaluate("document.getElementById('drawing').scrollLeft") > 0


def test_the_zoom_speaks_the_pages_language(page):
    from viz.i18n import translator
    for lang in ("en", "ja"):
        _ = translator(lang)
        _open(page, lang=lang, **APPENDIX_A)
        tips = {b: page.get_attribute(f"#zoom-{b}", "title") for b in ("in", "out", "fit")}
        assert tips == {"in": _("zoom in (+): larger, scrolled inside its box"),
                        "out": _("zoom out (−)"),
                        "fit": _("the whole drawing, fitted to the window (0)")}
        assert page.inner_text("#zoom-fit") == _("fit")
        assert page.get_attribute("#zoom", "aria-label") == _("zoom")
        # the player's words, where the player says the same thing
        player = _player(page)
        assert player.locator("#zoom-out").get_attribute("title") == tips["out"]
        assert player.locator("#zoom-fit").inner_text() == _("fit")
    assert "枠の中でスクロール" in tips["in"] and tips["fit"].startswith("図の全体")
