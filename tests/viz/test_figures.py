"""viz.figures: the book's figures, their numbers, and the files they make."""
import math
import re
import shutil

import graphviz
import numpy as np
import pytest

from viz import figures

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot program is not installed")
RED = "#d62728"
MINUS = "\u2212"


def grads_in(src):
    return set(re.findall(rf'COLOR="{RED}">([^<]*)<', src))


def values_in(src):
    # a named value (y1, apple_price) has its name in italics over its number
    return set(re.findall(r"<TR><TD>(?:<I>[^<]*</I><BR/>)?([^<]*)</TD></TR><TR><TD PORT",
                          src))


@pytest.mark.parametrize("name", figures.names())
def test_every_figure_is_a_digraph(name):
    g = figures.figure(name)
    assert isinstance(g, graphviz.Digraph) and g.source.startswith("digraph")


# the book's own numbers, as the engine computes them
@pytest.mark.parametrize("name, values, grads", [
    ("apple", {"100", "2", "1.1", "200", "220"}, {"2.2", "110", "200", "1.1", "1"}),
    ("apple-orange", {"100", "2", "150", "3", "200", "450", "650", "1.1", "715"},
     {"2.2", "110", "3.3", "165", "1.1", "650", "1"}),
    ("add-node", {"10", "5", "15"}, {"1.3"}),
    ("mul-node", {"10", "5", "50"}, {"6.5", "13", "1.3"}),
    ("chain-rule", {"1", "2", "3", "9"}, {"6", "1"}),
    ("relu", {"2", f"{MINUS}1", "0"}, {"1.3", "0"}),
    ("sigmoid", {"1", f"{MINUS}1", "0.3679", "1.368", "0.7311"},
     {"0.1966", f"{MINUS}0.1966", f"{MINUS}0.5344", "1"}),
    ("sigmoid-collapsed", {"1", "0.7311"}, {"0.1966", "1"}),
    ("softmax-with-loss", {"0.3", "2.9", "4", "0.01821", "0.2452", "0.7366", "0.3057"},
     {"0.01821", "0.2452", f"{MINUS}0.2634", f"{MINUS}1.358", "0", "1"}),
])
def test_figure_numbers(name, values, grads):
    src = figures.figure(name).source
    assert values <= values_in(src), values - values_in(src)
    assert grads == grads_in(src)


def test_sigmoid_figures_open_and_shut():
    opened = figures.figure("sigmoid").source
    shut = figures.figure("sigmoid-collapsed").source
    assert opened.count("shape=circle") == 4 and "cluster" in opened
    assert shut.count("shape=circle") == 0 and shut.count("shape=box") == 1


def test_appendix_a_is_the_appendix_graph():
    src = figures.figure("appendix-a").source
    for label, n in [("exp", 3), ("log", 3), ("/", 1), ("×", 3 + 3 + 1), ("+", 2 + 2)]:
        assert src.count(f"label=<{label}>") == n, label
    a = np.array([0.3, 2.9, 4.0])
    y = np.exp(a) / np.exp(a).sum()
    for g in y - np.array([0, 0, 1]):
        text = f"{g:.4g}".replace("-", MINUS)
        assert text in grads_in(src)
    assert not grads_in(figures.figure("appendix-a-forward").source)


def test_affine_shows_shapes_and_the_bias_broadcast():
    src = figures.figure("affine").source
    assert "(2, 3) [[" in src and "(3,) [" in src and "label=<bcast>" in src
    assert "label=<dot>" in src


def test_sigmoid_grad_draws_the_gradients_graph():
    src = figures.figure("sigmoid-grad").source
    s = 1 / (1 + math.exp(-1))
    assert f"{s * (1 - s):.4g}" in values_in(src)  # the output: dy/dx at x = 1
    d2 = s * (1 - s) * (1 - 2 * s)
    assert f"{d2:.4g}".replace("-", MINUS) in grads_in(src)  # reaching x: d²y/dx²
    assert "label=<dy/dx>" in src


def test_unknown_figure():
    with pytest.raises(KeyError, match="apple"):
        figures.figure("pear")


@needs_dot
def test_write_every_figure(tmp_path):
    from PIL import Image
    for name in figures.names():
        paths = figures.write_figure(name, tmp_path)
        assert [p.name for p in paths] == [f"{name}.svg", f"{name}.png"]
        with Image.open(paths[1]) as im:
            im.load()
            assert im.width > 100 and im.height > 50
    assert len(list(tmp_path.iterdir())) == 2 * len(figures.names())


# ----------------------------------------------------------------------------- symbols

sympy = pytest.importorskip("sympy")


def texts_in(src):
    """Every line of text in the edge labels of a DOT source, markup stripped."""
    lines = []
    for cell in re.findall(r"<TD[^>]*>(.*?)</TD>", src):
        for line in cell.split("<BR/>"):
            line = re.sub(r"<[^>]+>", "", line)
            if line:
                lines.append(line.replace("&amp;", "&"))
    return lines


def _parse(text, symbols):
    """A drawn expression read back into sympy: the book's ·, −, ² and y(1 − y)."""
    from sympy.parsing.sympy_parser import (
        implicit_multiplication,
        parse_expr,
        standard_transformations,
    )
    text = text.removeprefix("= ").replace("∂L/∂y", "dLdy").replace("·", "*")
    text = text.replace("−", "-").replace("²", "**2")
    names = {s.name.replace("∂L/∂y", "dLdy"): s for s in symbols}
    return parse_expr(text, local_dict={**names, "exp": sympy.exp, "log": sympy.log},
                      transformations=standard_transformations + (implicit_multiplication,))


@pytest.mark.parametrize("name, expressions", [
    ("appendix-a", ["exp(a1)", "S", "1/S", "y1", "log(y1)", "t1·log(y1)", "−1", "−t1",
                    "−t1/y1", "−t1·S", "−t1/exp(a1)", "−S(t1 + t2 + t3)",
                    "(t1 + t2 + t3)/S", "= 1/S", "1/S − t1/exp(a1)", "y1 − t1", "L"]),
    ("sigmoid", ["−x", "exp(−x)", "1 + exp(−x)", "y", "∂L/∂y", "−∂L/∂y·y²",
                 "−∂L/∂y·y²·exp(−x)", "∂L/∂y·y²·exp(−x)", "= ∂L/∂y·y(1 − y)"]),
    ("sigmoid-collapsed", ["y", "∂L/∂y", "∂L/∂y·y(1 − y)"]),
    ("softmax-with-loss", ["y1", "−t1/y1", "y1(t1 + t2 + t3) − t1", "= y1 − t1", "L"]),
])
def test_symbolic_figures_write_the_books_expressions(name, expressions):
    src = figures.figure(name, "symbols").source
    drawn = texts_in(src)
    for text in expressions:
        assert text in drawn, (text, drawn)


def test_appendix_a_says_where_it_used_the_one_hot_relation():
    src = figures.figure("appendix-a", "symbols").source
    assert "t1 + t2 + t3 = 1 (one-hot labels): used at (t1 + t2 + t3)/S = 1/S" in src
    assert "/ is 1/x" in src  # the legend of its '/' node
    assert "one-hot" not in figures.figure("appendix-a", "numbers").source


@pytest.mark.parametrize("name", ["appendix-a", "sigmoid", "sigmoid-collapsed",
                                  "softmax-with-loss"])
def test_each_drawn_expression_read_back_is_the_engines_number(name):
    """The text on each edge, parsed back with sympy and evaluated at the figure's
    inputs (∂L/∂y at the seed, 1), is the number the engine computed on that edge."""
    maker = {"appendix-a": lambda: figures.appendix_a(labels="constants"),
             "softmax-with-loss": lambda: figures.appendix_a(labels="constants"),
             "sigmoid": figures.book_sigmoid, "sigmoid-collapsed": figures.book_sigmoid}
    options = {"sigmoid": {"upstream": "∂L/∂y"},
               "sigmoid-collapsed": {"upstream": "∂L/∂y", "collapse": "sigmoid"},
               "softmax-with-loss": {"depth": 1}}.get(name, {})
    view = figures.build(maker[name](), labels="symbols", **options)
    values = view.symbol_values()
    count = 0
    for e in view.edges + view.forks:
        if e.value_sym is not None and getattr(e, "kind", "data") == "data":
            got = _parse(e.value_sym, values).subs(values)
            assert float(got) == pytest.approx(e.value_data, rel=1e-9), e.value_sym
            count += 1
        for text in e.grad_sym or ():
            got = _parse(text, values).subs(values)
            assert float(got) == pytest.approx(e.grad_data, rel=1e-9, abs=1e-12), text
            count += 1
    assert count >= len(view.edges)
    # and the figure draws this very view's texts
    assert set(texts_in(figures.figure(name, "symbols").source)) >= {
        ("= " if k else "") + t for e in view.edges + view.forks
        for k, t in enumerate(e.grad_sym or ())}


def test_both_writes_the_expression_and_its_number():
    drawn = texts_in(figures.figure("sigmoid", "both").source)
    assert {"exp(−x)", "0.3679", "−∂L/∂y·y²", "−0.5344", "∂L/∂y", "1"} <= set(drawn)


def test_what_each_figure_reproduces():
    assert figures.FIGURES["appendix-a"].reproduces("symbols") == "A-5"
    assert figures.FIGURES["sigmoid"].reproduces("symbols") == "5-20"
    assert figures.FIGURES["sigmoid-collapsed"].reproduces("both") == "5-22"
    assert figures.FIGURES["apple"].reproduces("symbols") == ""
    assert figures.FIGURES["apple"].reproduces() == "5-14, 5-16"
    assert figures.FIGURES["affine"].reproduces("symbols") == "5-27"
    assert figures.FIGURES["batchnorm"].reproduces() == "the graph of 6-17 over a batch of 4"
    with pytest.raises(ValueError, match="labels"):
        figures.figure("apple", "words")


def test_a_graph_of_arrays_without_symbols_of_its_own_is_refused(monkeypatch):
    arrays = figures.Figure("arrays", "", "a graph of arrays", figures._affine,
                            scalar=False)
    monkeypatch.setitem(figures.FIGURES, "arrays", arrays)
    with pytest.raises(ValueError, match="arrays"):
        figures.figure("arrays", "symbols")
    assert figures.figure("arrays").source.startswith("digraph")


@pytest.mark.parametrize("name", [n for n in figures.names()
                                  if figures.FIGURES[n].symbolic])
def test_every_scalar_figure_draws_with_symbols(name):
    assert figures.figure(name, "symbols").source.startswith("digraph")


def test_the_batch_affine_of_figure_5_27():
    """Item 5 of the Batch Norm issue: the batch Affine with the book's names and shapes,
    the bias's copy over the batch, and its gradient summed back over axis 0."""
    drawn = texts_in(figures.figure("affine", "symbols").source)
    for text in ("X (N, 2)", "W (2, 3)", "B (3,)", "X·W (N, 3)", "B (N, 3)", "Y (N, 3)",
                 "∂L/∂X", "= ∂L/∂Y·Wᵀ", "∂L/∂W", "= Xᵀ·∂L/∂Y", "∂L/∂B",
                 "= ∂L/∂Y summed over axis 0", "∂L/∂Y"):
        assert text in drawn, (text, drawn)
    both = texts_in(figures.figure("affine", "both").source)
    assert "X (N, 2)" in both and any(t.startswith("(2, 2) [[") for t in both)
    ja = texts_in(figures.figure("affine", "symbols", lang="ja").source)
    assert "= ∂L/∂Y の axis 0 方向の和" in ja


def test_batch_norm_figure_numbers_are_the_closed_form():
    from autograd import functions as F
    from autograd.examples import BATCH_NORM_EXAMPLE as E
    src = figures.figure("batchnorm").source
    x, dout = np.array(E["x"]), np.array(E["dout"])
    sigma = np.sqrt(x.var() + F.BN_EPS)
    xhat = (x - x.mean()) / sigma
    dx = E["gamma"] / (4 * sigma) * (4 * dout - dout.sum() - xhat * (dout * xhat).sum())
    for g in list(dx) + [dout.sum(), (dout * xhat).sum()]:  # dx, dβ, dγ
        assert f"{g:.4g}".replace("-", MINUS) in grads_in(src)
    assert "rankdir=TB" in src  # it reads top to bottom unless asked otherwise
    assert "rankdir=LR" in figures.figure("batchnorm", rankdir="LR").source


def test_batch_norm_figure_writes_each_step_by_name_and_every_form_is_the_engines():
    """With symbols each edge says upstream × local derivative, the upstream called by
    its name where its form is long (∂L/∂(x1 − μ), Kratzert's dxmu); read back with
    the drawn quantities and those names at the engine's numbers, each is the number the
    engine sent along that edge."""
    from autograd.examples import batch_norm_example
    view = figures.build(batch_norm_example())
    named = figures._named_gradients(view, "symbols")
    values = {**view.symbol_values(), **named}
    count = 0
    for e in view.edges + view.forks:
        for expr in e.grad_exprs:
            assert float(expr.subs(values)) == pytest.approx(e.grad_data, rel=1e-9,
                                                             abs=1e-12), e.grad_sym
            count += 1
        if e.value_expr is not None and getattr(e, "kind", "data") == "data":
            assert float(e.value_expr.subs(values)) == pytest.approx(e.value_data, rel=1e-9)
    assert count >= len(view.edges) - 9  # all but the output and the 8 constants' edges
    drawn = texts_in(figures.figure("batchnorm", "symbols").source)
    for text in ("dout1·γ", "dout1·γ/σ", "dout1·x̂1", "−(∂L/∂(1/σ))/σ²", "∂L/∂(x1 − μ)",
                 "σ²", "x̂1", "1/σ", "dout1 + dout2 + dout3", "− (∂L/∂(−μ))/4"):
        assert text in drawn, (text, drawn)
    assert max(len(t) for t in drawn) < 70  # every form short enough to read
