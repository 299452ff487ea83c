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
    return set(re.findall(r"<TR><TD>([^<]*)</TD></TR><TR><TD PORT", src))


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
