"""viz.check: a check's report drawn on the graph of the learner's forward.

The layers and networks are tests/check/learner.py's (written as a reader of the book writes
them); what is asserted is where the purple "yours" lands: on the edge of exactly the
gradients the check found wrong, and the outlines on the steps it localised.
"""
import re
import shutil

import graphviz
import numpy as np
import pytest

from autograd.check import check_gradients, check_layer, check_network
from tests.check import learner as T
from viz.check import YOURS, draw, draw_report, note_text
from viz.dot import COLORS, svg_id
from viz.model import build

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not found")


def statements(src):
    """DOT id -> the statement's line, for the edges' label nodes."""
    found = {}
    for line in src.splitlines():
        m = re.search(r'id="(edge-[^"]+)"', line)
        if m:
            found[m.group(1)] = line
    return found


def noted(src):
    return {k for k, line in statements(src).items() if "yours" in line}


def outlined(src):
    return set(re.findall(rf'^\s*(\w+) \[color="{YOURS}" penwidth=2.6\]$', src, re.M))


def leaf_keys(report, names):
    """The edge (or fork) keys out of the leaves of `names`, as the drawing keys them."""
    view = build(report.graph, grads=True, seed=_seed(report))
    keys = set()
    for name in names:
        vid = view.node_id(report.leaves[name])
        edges = [e.key for e in view.edges if e.src == vid and e.kind == "data"]
        key = view.fork_of(edges[0]).key if len(edges) > 1 else edges[0]
        keys.add(f"edge-{svg_id(key)}")
    return keys


def _seed(report):
    if report.dout is None:
        return None
    return np.broadcast_to(np.asarray(report.dout, float), report.graph.shape).copy()


def test_yours_has_a_colour_of_its_own():
    assert YOURS == COLORS["note"] == "#7b3fa0"
    assert YOURS not in (COLORS["grad"], COLORS["active"], COLORS["summing"])


WRONG = [c for c in T.CASES if c[2]]


@pytest.mark.parametrize("case", WRONG, ids=[T._case_id(c) for c in WRONG])
def test_yours_is_written_on_exactly_the_wrong_gradients_edges(case):
    make, kind, wrong, _ = case
    rng = np.random.default_rng(3)
    report = check_layer(make(rng), *T._inputs(kind, rng))
    g = draw(report)
    assert isinstance(g, graphviz.Digraph)
    src = g.source
    assert noted(src) == leaf_keys(report, wrong)
    for key in noted(src):
        assert f'<FONT COLOR="{YOURS}">yours ' in statements(src)[key]
    assert "red: the expected gradient" in src and "purple: yours" in src
    assert f"{report.title}: {', '.join(sorted(wrong))} wrong" in src


def test_a_right_layer_is_drawn_without_yours():
    rng = np.random.default_rng(0)
    report = check_layer(T.Affine(rng.normal(size=(3, 2)), rng.normal(size=2)),
                         rng.normal(size=(4, 3)))
    src = draw(report).source
    assert not noted(src) and not outlined(src) and YOURS not in src
    assert "check_layer(Affine): all gradients right" in src
    assert "rankdir=LR" in src  # a short graph: the book's direction
    for name in ("x", "W", "b"):  # the leaves carry the layer's names
        assert f"label=<{name}>" in src


def test_the_steps_where_backward_departs_are_outlined():
    rng = np.random.default_rng(0)
    report = check_layer(T.AffineDbMean(rng.normal(size=(3, 2)), rng.normal(size=2)),
                         rng.normal(size=(4, 3)))
    src = draw(report).source
    view = build(report.graph, grads=True, seed=_seed(report))
    assert outlined(src) == {view.node_id(n) for n in report.departure}
    assert len(outlined(src)) == 2  # the + and the broadcast of b: where the sum belongs
    assert "outlined in purple" in src
    line = statements(src)[next(iter(noted(src)))]
    assert "1/4 of the expected, the batch size 4" in line and "max error" in line


def test_a_value_used_twice_gets_yours_on_its_trunk():
    class Square:
        def forward(self, x):
            self.x = x
            return x * x

        def backward(self, dout):
            return dout * self.x  # the 2 forgotten
    report = check_layer(Square(), np.array([1.0, 2.0, 3.0]))
    src = draw(report).source
    assert noted(src) == leaf_keys(report, {"dx"})
    assert "fork" in next(iter(noted(src)))


def test_note_text_summarises_the_array():
    rng = np.random.default_rng(3)
    report = check_layer(T.AffineWTransposed(rng.normal(size=(3, 4)), rng.normal(size=4)),
                         rng.normal(size=(4, 3)))
    text = note_text(report["dW"])
    first = ", ".join(f"{v:.4g}" for v in report["dW"].actual[0, :3]).replace("-", "−")
    assert text.splitlines()[0].startswith("yours (4, 3) [[")
    assert "shape (4, 3), expected (3, 4)" in text and "transposed" in text
    mean = check_layer(T.AffineDbMean(rng.normal(size=(3, 4)), rng.normal(size=4)),
                       rng.normal(size=(4, 3)))["db"]
    spot = int(np.argmax(np.abs(mean.actual - mean.expected)))
    assert f"at [{spot}]" in note_text(mean)
    assert first  # the entries are the learner's own


def test_check_gradients_draws_the_exercise_network_top_to_bottom():
    params, x, d = T._exercise(n=2)

    def loss(p):
        return T.cross_entropy_error(T._forward(p, x)[1], d)
    for mistake, wrong in (("mean", {"b2"}), ("T", {"W2"}), ("mask", {"W1", "b1"})):
        report = check_gradients(loss, lambda p, m=mistake: T._backward(p, x, d, m), params)
        src = draw(report).source
        assert noted(src) == leaf_keys(report, wrong), mistake
        assert "rankdir=TB" in src  # the learner's softmax and log: a long graph
        assert "rankdir=LR" in draw(report, rankdir="LR").source
        for name in params:
            assert f"label=<{name}>" in src
    # the mask: W2, b2 right bound it; the ReLU step is among the outlined ones
    view = build(report.graph, grads=True)
    relu = {view.node_id(n) for n in report.departure if n.op.name == "relu"}
    assert relu and relu <= outlined(src)


def test_with_nothing_right_nothing_is_outlined():
    params, x, d = T._exercise(n=2)

    def grads(p):
        return {k: -g for k, g in T._backward(p, x, d).items()}
    report = check_gradients(lambda p: T.cross_entropy_error(T._forward(p, x)[1], d),
                             grads, params)
    assert not any(r.ok for r in report.rows) and report.departure
    assert not outlined(draw(report).source)


def test_names_and_hints_are_escaped():
    params, x, d = T._exercise(n=2)
    odd = {"W1 <b>&": params["W1"], "b1": params["b1"], "W2": params["W2"],
           "b2": params["b2"]}

    def loss(p):
        q = {"W1": p["W1 <b>&"], **{k: p[k] for k in ("b1", "W2", "b2")}}
        return T.cross_entropy_error(T._forward(q, x)[1], d)

    def grads(p):
        g = T._backward({"W1": p["W1 <b>&"], **p}, x, d, "mask")
        g["W1 <b>&"] = g.pop("W1")
        return g
    src = draw(check_gradients(loss, grads, odd)).source
    assert "label=<W1 &lt;b&gt;&amp;>" in src  # in an HTML label: markup as entities
    # in the caption, a plain attribute, it shows as written (its & an entity)
    assert "W1 <b>&amp;, b1 wrong" in src


def test_check_network_draws_the_layers_and_opens_the_first_wrong():
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(6, 5)), rng.integers(0, 3, 6)
    bad = T.TwoLayerNet((5, 4, 3), np.random.default_rng(1), relu=T.ReluMaskFromDout)
    report = check_network(bad, x, t)
    g = draw(report)
    src = g.source
    assert "rankdir=TB" in src  # a network's arrays side by side would make LR wide
    assert "rankdir=LR" in draw(report, rankdir="LR").source
    boxes = re.findall(r"label=<(\w+)> class=composite", src)
    assert boxes == ["Affine1", "Affine2", "lastLayer"]  # shut; Relu1 is opened:
    assert "subgraph cluster_k1" in src and "label=<Relu1 (opened)>" in src
    assert f'color="{YOURS}"' in src.split("subgraph cluster_k1")[-1]
    # yours on one edge only: the one into Relu1, its dx from the exact upstream
    [key] = noted(src)
    assert key.startswith("edge-k0-to-k1_")
    assert "the gradient flows at the wrong" in statements(src)[key]
    for name in ("W1", "b1", "W2", "b2", "x", "L"):
        assert f"label=<{name}>" in src
    assert "backward departs first at Relu1" in src and "gradient() gave W1, b1 wrong" in src


def test_a_right_network_is_all_boxes():
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(6, 5)), rng.integers(0, 3, 6)
    report = check_network(T.TwoLayerNet((5, 4, 3), np.random.default_rng(1)), x, t)
    src = draw(report).source
    assert report.ok and not noted(src) and "cluster" not in src
    assert re.findall(r"label=<(\w+)> class=composite", src) == [
        "Affine1", "Relu1", "Affine2", "lastLayer"]


def test_the_first_wrong_layer_can_be_the_last():
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(6, 5)), rng.integers(0, 3, 6)
    net = T.TwoLayerNet((5, 4, 3), np.random.default_rng(1))
    net.lastLayer = T.SoftmaxNoBatch()
    report = check_network(net, x, t)
    assert report.first_wrong == "lastLayer"
    src = draw(report).source
    assert "label=<lastLayer (opened)>" in src and len(noted(src)) == 1
    assert src.count("-to-out") == 1  # one edge to L: the opened layer's own


def test_nothing_to_draw_is_said():
    layer = T.AffineWTransposed(np.ones((3, 2)), np.zeros(2))
    report = check_layer(layer, np.ones((4, 3)))
    report.graph = None  # as after central differences
    with pytest.raises(ValueError, match="nothing to draw: the expected gradients are "
                                         "central differences"):
        draw_report(report)

    class Broken(T.Relu):
        def forward(self, x):
            raise RuntimeError("oops")
    with pytest.raises(ValueError, match="nothing to draw: forward raised RuntimeError"):
        draw(check_layer(Broken(), np.ones(3)))


@needs_dot
def test_the_drawings_render():
    from viz.render import pipe
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(6, 5)), rng.integers(0, 3, 6)
    bad = T.TwoLayerNet((5, 4, 3), np.random.default_rng(1), relu=T.ReluMaskFromDout)
    svg = pipe(draw(check_network(bad, x, t)), "svg").decode()
    assert YOURS in svg and "Relu1 (opened)" in svg
    layer = check_layer(T.AffineDbMean(np.ones((3, 2)), np.zeros(2)), rng.normal(size=(4, 3)))
    svg = pipe(draw(layer), "svg").decode()
    assert "yours (2,) [" in svg and 'id="edge&#45;' in svg


def test_draw_report_is_draw():
    assert draw_report is draw


def _html_shell():
    formatters = pytest.importorskip("IPython.core.formatters")
    fmt = formatters.HTMLFormatter()
    shell = type("S", (), {})()
    shell.display_formatter = type("D", (), {"formatters": {
        "text/html": fmt, "image/svg+xml": formatters.SVGFormatter()}})
    return shell, fmt


@needs_dot
def test_in_jupyter_a_report_shows_its_table_and_its_drawing():
    import viz
    shell, fmt = _html_shell()
    rng = np.random.default_rng(0)
    report = check_layer(T.AffineDbMean(rng.normal(size=(3, 2)), rng.normal(size=2)),
                         rng.normal(size=(4, 3)))
    assert fmt(report) is None or "<svg" not in fmt(report)  # before: no hook
    try:
        assert viz.enable_notebook(shell)  # viz's hook, as `import viz` calls it
        page = fmt(report)
        assert page.startswith(report._repr_html_())  # the table first
        assert "<svg" in page and "<?xml" not in page and YOURS in page
        rows = check_network(T.TwoLayerNet((5, 4, 3), np.random.default_rng(1)),
                             rng.normal(size=(6, 5)), rng.integers(0, 3, 6))
        assert "<svg" in fmt(rows)  # a NetworkReport too
        report.graph = None  # central differences: nothing to draw, the table stays
        assert fmt(report) == report._repr_html_()
    finally:
        viz.disable_notebook(shell)
    assert "<svg" not in (fmt(rows) or "")


# ----------------------------------------------------------------------------- in Japanese
# issue 20 item 3: the report, its drawing and its hints speak the reader's language

def test_the_report_in_japanese_as_the_book_says_it():
    from viz.check import html, text
    rng = np.random.default_rng(0)
    report = check_layer(T.AffineDbMean(rng.normal(size=(3, 2)), rng.normal(size=2)),
                         rng.normal(size=(4, 3)))
    ja = text(report, "ja")
    assert ja.splitlines()[0].startswith("check_layer(AffineDbMean): 誤りあり。期待される勾配 = "
                                         "あなたの順伝播の正確な勾配（エンジンで計算）")
    assert "db    ✘" in ja and "期待される値の 1/4 です（バッチサイズ 4）。和をとるところで" in ja
    assert "dx, dW が正しいので、+ に伝わる勾配も正しいことがわかります" in ja
    assert text(report, "en") == str(report)  # English: the engine's own text
    page = html(report, "ja")
    assert ">勾配</th>" in page and ">ヒント</th>" in page and "np.sum(dout, axis=0)" in page
    # the table lines up in a terminal, where a kanji is two cells wide
    from viz.i18n import cells
    marks = [cells(line[:line.index(m)]) for line in ja.splitlines() for m in "✔✘"
             if m in line]
    assert len(marks) == 3 and len(set(marks)) == 1


def test_every_hint_is_said_in_japanese():
    from viz.i18n import translator
    ja = translator("ja")
    for case in WRONG:
        make, kind, wrong, _ = case
        rng = np.random.default_rng(3)
        report = check_layer(make(rng), *T._inputs(kind, rng))
        for row in report.rows:
            if row.hint is not None:
                said = row.hint.say(ja)
                assert said != str(row.hint) and not said.startswith(str(row.hint)[:12])


def test_the_drawing_in_japanese():
    rng = np.random.default_rng(0)
    report = check_layer(T.AffineDbMean(rng.normal(size=(3, 2)), rng.normal(size=2)),
                         rng.normal(size=(4, 3)))
    src = draw(report, lang="ja").source
    assert "check_layer(AffineDbMean): db が間違っています" in src
    assert "赤: 期待される勾配（エンジンが求めた、あなたの順伝播の勾配）、紫: あなたの勾配" in src
    assert "紫の枠: " in src and "あなたの値 (2,) [" in src and "最大誤差 " in src
    assert "Noto Sans CJK JP" in src  # a Japanese font named for the captions
    assert "yours" not in src and "purple" not in src
    english = draw(report, lang="en").source
    assert "db wrong" in english and "yours (2,) [" in english


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_the_graphs_own_words_in_japanese_too():
    """The ops' tooltips (their formulas) and the opened layer's box speak the caption's
    language: no English sentence left in a Japanese drawing (issue 20)."""
    from tests.viz.cli.helpers import english_left, svg_words
    from viz.render import pipe
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(6, 5)), rng.integers(0, 3, 6)
    bad = T.TwoLayerNet((5, 4, 3), np.random.default_rng(1), relu=T.ReluMaskFromDout)
    network = svg_words(pipe(draw(check_network(bad, x, t), lang="ja"), "svg").decode())
    assert "Relu1（開いたところ）" in network
    layer = svg_words(pipe(draw(check_layer(T.ReluNoMask(), rng.normal(size=(4, 3))),
                                lang="ja"), "svg").decode())
    assert "copy: ∂y/∂x = 1（同じ値を持つ新しい配列）" in layer
    for said in (network, layer):
        assert english_left(said) == [], said
    english = svg_words(pipe(draw(check_network(bad, x, t)), "svg").decode())
    assert "Relu1 (opened)" in english and english_left(english)  # the test sees English


def test_in_jupyter_the_report_speaks_the_notebooks_language():
    import viz.check
    shell, fmt = _html_shell()
    rng = np.random.default_rng(0)
    report = check_layer(T.ReluNoMask(), rng.normal(size=(4, 3)))
    try:
        assert viz.check.enable_notebook(shell, lang="ja")
        assert "マスクが抜けています" in fmt(report)
    finally:
        viz.check.disable_notebook(shell)
