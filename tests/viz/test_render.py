"""viz.render: images through Graphviz's dot, the missing-dot error, Jupyter display."""
import io
import shutil
import xml.etree.ElementTree as ET

import pytest

import viz
from autograd import Tensor, Value, softmax
from autograd.examples import appendix_a, apple_orange
from viz.render import DotNotFoundError, pipe, save, to_svg

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot program is not installed")


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no dot anywhere
    assert shutil.which("dot") is None


@needs_dot
@pytest.mark.parametrize("suffix", [".svg", ".png", ".pdf"])
def test_save_writes_each_format(tmp_path, suffix):
    path = save(apple_orange(), tmp_path / f"graph{suffix}")
    data = path.read_bytes()
    assert path.suffix == suffix and len(data) > 1000
    magic = {".svg": b"<?xml", ".png": b"\x89PNG", ".pdf": b"%PDF"}[suffix]
    assert data.startswith(magic)


@needs_dot
def test_png_decodes_with_a_sensible_size(tmp_path):
    from PIL import Image
    path = save(apple_orange(), tmp_path / "graph.png")
    with Image.open(path) as im:
        im.load()
        w, h = im.size
    assert 400 < w < 3000 and 150 < h < 1500 and w > h  # left to right: wide
    with Image.open(save(apple_orange(), tmp_path / "big.png", dpi=192)) as big:
        assert big.size[0] == pytest.approx(2 * w, rel=0.05)


@needs_dot
def test_svg_has_the_numbers_and_ids():
    svg = to_svg(apple_orange())
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    for number in ["715", "650", "2.2", "110", "3.3", "165", "1.1"]:
        assert number in texts
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    assert {"node-n0", "node-out", "edge-n8-to-out"} <= ids


@needs_dot
def test_save_accepts_a_digraph_and_an_explicit_format(tmp_path):
    g = viz.draw(apple_orange())
    path = save(g, tmp_path / "graph.out", format="svg")
    assert path.read_bytes().startswith(b"<?xml")
    with pytest.raises(TypeError):
        save(g, tmp_path / "x.svg", collapse="sigmoid")  # options need a node


def test_dot_text_needs_no_program(no_dot, tmp_path):
    path = save(apple_orange(), tmp_path / "graph.dot")
    assert path.read_text(encoding="utf-8").startswith("digraph")
    assert viz.draw(apple_orange()).source.startswith("digraph")


@pytest.mark.parametrize("suffix", [".svg", ".png", ".pdf"])
def test_missing_dot_is_a_clear_error(no_dot, tmp_path, suffix):
    with pytest.raises(DotNotFoundError) as info:
        save(apple_orange(), tmp_path / f"graph{suffix}")
    assert isinstance(info.value, RuntimeError)
    message = str(info.value)
    for hint in ["apt-get install graphviz", "brew install graphviz",
                 "conda install -c conda-forge graphviz", ".source"]:
        assert hint in message
    assert not (tmp_path / f"graph{suffix}").exists()


def test_unknown_suffix_and_format(tmp_path):
    with pytest.raises(ValueError, match="svg"):
        save(apple_orange(), tmp_path / "graph.jpeg")
    with pytest.raises(ValueError):
        save(apple_orange(), tmp_path / "graph.svg", format="bmp")
    with pytest.raises(TypeError):
        pipe(42)


# ----------------------------------------------------------------------------- layout

def _positions(g):
    """Node centres from dot's 'plain' output (y grows upwards)."""
    pos = {}
    for line in pipe(g, "plain").decode().splitlines():
        parts = line.split()
        if parts[0] == "node":
            pos[parts[1]] = (float(parts[2]), float(parts[3]))
    return pos


@needs_dot
def test_inputs_and_box_outputs_read_top_down():
    # appendix A as boxes (figure 5-29): a1 a2 a3 and y1 y2 y3 from the top
    view = viz.build(appendix_a(), depth=1)
    pos = _positions(viz.to_digraph(view))
    ys = [pos[vn.id][1] for vn in view.nodes if vn.kind == "variable"]
    assert ys == sorted(ys, reverse=True)
    box = [vn.id for vn in view.nodes if vn.label == "softmax"][0]
    out_labels = [f"L{i}" for i, e in enumerate(view.edges) if e.src == box]
    ys = [pos[lab][1] for lab in out_labels]
    assert len(ys) == 3 and ys == sorted(ys, reverse=True)
    # a box at the top level (no cluster around it)
    a = [Value(v, name=f"a{i}") for i, v in enumerate([0.3, 2.9, 4.0])]
    y = softmax(a)
    loss = y[0] * 1.0 + y[1] * 2.0 + y[2] * 3.0
    loss.backward()
    view = viz.build(loss, collapse="softmax")
    pos = _positions(viz.to_digraph(view))
    box = [vn.id for vn in view.nodes if vn.label == "softmax"][0]
    ys = [pos[f"L{i}"][1] for i, e in enumerate(view.edges) if e.src == box]
    assert ys == sorted(ys, reverse=True)
    # and in TB, left to right
    view = viz.build(appendix_a(), depth=1)
    pos = _positions(viz.to_digraph(view, rankdir="TB"))
    xs = [pos[vn.id][0] for vn in view.nodes if vn.kind == "variable"]
    assert xs == sorted(xs)


@needs_dot
def test_apple_before_orange():
    view = viz.build(apple_orange())
    pos = _positions(viz.to_digraph(view))
    y = {vn.label: pos[vn.id][1] for vn in view.nodes if vn.kind == "variable"}
    assert y["apple"] > y["apple_num"] > y["orange"] > y["orange_num"]


# ----------------------------------------------------------------------------- Jupyter

def _svg_formatter():
    formatters = pytest.importorskip("IPython.core.formatters")
    return formatters.SVGFormatter()


class FakeShell:
    def __init__(self, formatter):
        self.display_formatter = type("D", (), {"formatters": {"image/svg+xml": formatter}})


@needs_dot
def test_notebook_display_of_values_and_tensors():
    fmt = _svg_formatter()
    shell = FakeShell(fmt)
    try:
        assert viz.enable_notebook(shell)
        x = Value(2.0, name="x")
        y = x * 3
        y.backward()
        svg = fmt(y)
        assert svg.lstrip().startswith("<?xml") and "6" in svg
        t = Tensor([[1.0, 2.0]], requires_grad=True)
        assert "svg" in fmt(t.sum())
        assert fmt(Value(1.0) * Value(2.0)) is not None
        assert fmt(Tensor([1.0])) is None  # no graph: the text repr alone
        viz.enable_notebook(shell, max_nodes=2)
        assert fmt(y) is None  # too big to draw inline
    finally:
        viz.disable_notebook(shell)
    assert fmt(y) is None


def test_notebook_display_without_dot_falls_back_to_text(no_dot):
    fmt = _svg_formatter()
    shell = FakeShell(fmt)
    viz.enable_notebook(shell)
    try:
        assert fmt(Value(1.0) * 2) is None
    finally:
        viz.disable_notebook(shell)


def test_enable_notebook_outside_ipython_is_a_no_op():
    import sys
    if "IPython" in sys.modules:
        from IPython import get_ipython
        if get_ipython() is not None:
            pytest.skip("running inside IPython")
    assert viz.enable_notebook() is False and viz.disable_notebook() is False


def test_missing_dot_error_can_be_caught_as_runtime_error(no_dot):
    with pytest.raises(RuntimeError):
        pipe(apple_orange(), "png")
    buf = io.BytesIO(pipe(apple_orange(), "dot"))
    assert buf.read().startswith(b"digraph")


@needs_dot
def test_appendix_a_top_to_bottom_keeps_each_input_in_its_column():
    """In TB the nodes reached through first inputs share a `group` (viz.dot.lanes), so
    a1, a2, a3 and their exp nodes stand left to right, the way they are given."""
    pytest.importorskip("sympy")
    view = viz.build(appendix_a(labels="constants"), labels="symbols")
    pos = _positions(viz.to_digraph(view, rankdir="TB"))
    exps = [vn.id for vn in view.nodes if vn.label == "exp"]
    inputs = [vn.id for vn in view.nodes if vn.kind == "variable"]
    assert [pos[n][0] for n in exps] == sorted(pos[n][0] for n in exps)
    assert [pos[n][0] for n in inputs] == sorted(pos[n][0] for n in inputs)
    logs = [vn.id for vn in view.nodes if vn.label == "log"]
    assert [pos[n][0] for n in logs] == sorted(pos[n][0] for n in logs)
