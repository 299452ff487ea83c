"""viz.play.build: one request's drawing, stepper and files, computed from its text alone."""
import html
import re
import shutil

import numpy as np
import pytest

from tests.viz.cli.helpers import english_left
from tests.viz.conftest import PAYLOADS
from viz.expr import FUNCTIONS
from viz.play import build
from viz.play.examples import EXAMPLES

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
SIGMOID = ("sigmoid(x*w + b)", {"x": "1", "w": "2", "b": "-1"})


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


@needs_dot
def test_a_drawing_with_its_numbers_and_local_derivatives():
    p = build.drawing(*SIGMOID)
    assert p["ok"] and p["svg"].startswith("<svg") and p["form"] == "elements"
    assert [v["name"] for v in p["variables"]] == ["x", "w", "b"]
    y = _sigmoid(1.0)  # x·w + b = 1
    assert p["result"][0] == f"y = {y:.6g}"
    assert p["result"][1] == f"∂y/∂x = {y * (1 - y) * 2:.6g}"  # y(1 − y)·w
    # every drawn op node has its local derivative, keyed by the SVG id the drawing has
    ids = set(re.findall(r'<g id="(node-[^"]+)" class="node op"', html.unescape(p["svg"])))
    assert ids and ids == set(p["nodes"])
    exp = next(n for n in p["nodes"].values() if n["title"] == "exp")
    assert exp["formula"] == "∂y/∂x = exp(x) = y"
    (only,) = exp["inputs"]
    # exp's input is −1: local derivative exp(−1), sent on = upstream × local
    assert only["value"] == "−1" and only["local"] == "0.3679"
    assert float(only["sent"].replace("−", "-")) == pytest.approx(
        float(exp["upstream"].replace("−", "-")) * np.exp(-1), abs=1e-4)


@needs_dot
def test_a_collapsed_composite_is_one_box_with_its_derivative():
    p = build.drawing(*SIGMOID, collapse=True)
    box = next(n for n in p["nodes"].values() if n["title"] == "sigmoid")
    y = _sigmoid(1.0)
    assert float(box["inputs"][0]["local"]) == pytest.approx(y * (1 - y), abs=1e-4)


@needs_dot
def test_defaults_fill_a_variable_not_given_a_value():
    p = build.drawing("x * y + softmax_with_loss(a, t)", {"x": "3"})
    assert [(v["name"], v["value"], v["labels"]) for v in p["variables"]] == [
        ("x", "3", False), ("y", "1", False), ("a", "1", False), ("t", "0", True)]
    assert not p["ok"] and "softmax_with_loss needs a vector" in p["error"]["message"]


@pytest.mark.parametrize(("expr", "values", "where", "fragment"), [
    ("x +", {}, "expr", "expression ends unexpectedly"),
    ("x", {"x": "١"}, "x", "invalid character '١'"),
    ("log(x)", {"x": "-1"}, "expr", "cannot compute it at these values: log"),
    ("lang * 2", {"lang": "1"}, "expr", "'lang' is a word of the page's address"),
    ("x" * 501, {}, "expr", "longer than 500 characters"),
    ("sum(a)", {"a": ",".join(["1"] * 400)}, "expr", "the graph has"),
    ("x", {"x": "1" * 2001}, "x", "longer than 2000 characters"),
    ("+".join(f"v{k}" for k in range(41)), {}, "expr", "more than 40 variables"),
])
def test_mistakes_and_limits_come_back_as_messages(expr, values, where, fragment):
    p = build.drawing(expr, values)
    assert not p["ok"] and "svg" not in p
    assert p["error"]["where"] == where and fragment in p["error"]["message"]


@pytest.mark.parametrize(("expr", "values", "where", "japanese"), [
    ("sigmoid(x*w+b", {}, "expr", "括弧の対応が合っていません: '(' が閉じられていません"),
    ("x", {"x": "0.3,,4.0"}, "x", "'x' の値に空の要素があります"),
    ("sum(a @ W)", {"a": "1,2", "W": "1,2;3,4;5,6"}, "expr", "行列の積 @ の形状が合いません"),
    ("log(x)", {"x": "-1"}, "expr", "この値では計算できません: log(x=-1.0) は定義されません"),
    ("x" * 501, {}, "expr", "式が長すぎます（500 文字まで）"),
    ("+".join(f"v{k}" for k in range(41)), {}, "expr", "変数が多すぎます（40 個まで）"),
    ("lang * 2", {"lang": "1"}, "expr", "'lang' はページのアドレス（?lang=...）で使う語"),
])
def test_mistakes_and_limits_are_said_in_the_learners_language(expr, values, where,
                                                              japanese):
    ja, en = (build.drawing(expr, values, lang=lang)["error"] for lang in ("ja", "en"))
    assert japanese in ja["message"] and not english_left(ja["message"], FUNCTIONS)
    assert english_left(en["message"], FUNCTIONS)  # the same refusal, English under en
    # the page puts its caret from text and offset: the same in both languages
    assert {k: ja[k] for k in ("where", "text", "offset")} == \
        {k: en[k] for k in ("where", "text", "offset")} and ja["where"] == where


def test_hostile_text_is_only_ever_data():
    for text in PAYLOADS:
        p = build.drawing(text, {"x": text})
        assert not p["ok"] and isinstance(p["error"]["message"], str)
        q = build.drawing("x * 2", {"x": text})
        assert not q["ok"] and q["error"]["where"] == "x"


@needs_dot
def test_symbols_where_they_can_be_written_and_a_note_where_not():
    p = build.drawing("softmax_with_loss(a, t)", {"a": "0.3,2.9,4.0", "t": "0,0,1"},
                      labels="symbols")
    assert p["labels"] == "symbols" and "y1 − t1" in p["svg"] and p["note"] is None
    q = build.drawing("sum(x @ W)", {"x": "1,2", "W": "1,2;3,4"}, labels="symbols")
    assert q["ok"] and q["labels"] == "numbers" and "with a matrix, @ or max" in q["note"]
    ja = build.drawing("sum(x @ W)", {"x": "1,2", "W": "1,2;3,4"}, labels="both", lang="ja")
    assert "行列" in ja["note"]


@needs_dot
def test_the_steps_page_is_the_players():
    page = build.steps_page("softmax_with_loss(a, t)", {"a": "0.3,2.9,4.0", "t": "0,0,1"},
                            lang="ja")
    assert page.startswith("<!DOCTYPE html>") and 'id="frames-data"' in page
    assert "ステップ1" in page and "ステップ6" in page  # the book's steps, in Japanese
    with pytest.raises(build.PlayError, match="no variables"):
        build.steps_page("2 * 3", {})


@needs_dot
def test_images_for_download():
    assert build.image(*SIGMOID, "svg").lstrip().startswith(b"<?xml")
    assert build.image(*SIGMOID, "png")[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(build.PlayError):
        build.image("x +", {}, "png")


def _published(key):
    """(line of the result, the number its source publishes)."""
    from autograd import examples
    net, x, d = examples.eshikaku_232()
    y = _sigmoid(1.0)
    a = np.array([0.3, 2.9, 4.0])
    return {
        "apple": ("f", 220.0),  # figure 5-16
        "apple-orange": ("f", 715.0),  # figure 5-17
        "sigmoid": ("∂y/∂x", y * (1 - y)),  # figure 5-20: y(1 − y)
        "appendix-a": ("∂L/∂a3", np.exp(4) / np.exp(a).sum() - 1),  # y3 − t3
        "mazur": ("∂f/∂w5", 0.082167041),  # the post's ∂E_total/∂w5
        "eshikaku": ("L", net.loss(x, d)),  # the exercise's TwoLayerNet
        "micrograd": ("∂f/∂x1", -1.5),  # the lecture's x1.grad
    }[key]


@needs_dot
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.key for e in EXAMPLES])
def test_every_example_draws_its_published_number(example):
    p = build.drawing(example.expr, example.values, labels=example.labels)
    assert p["ok"], p.get("error")
    lines = dict(line.split(" = ", 1) for line in p["result"])
    key, number = _published(example.key)
    assert float(lines[key]) == pytest.approx(number, rel=1e-5)


def test_every_example_has_its_title_in_japanese():
    from viz.i18n import translator
    ja = translator("ja")
    assert all(ja(e.title) != e.title for e in EXAMPLES)
