"""The book's figures, regenerated from the engine: `graphgrad figure NAME -o DIR`.

Each figure builds its graph with the engine (Values and Tensors, never hand-drawn
edges; the book's graphs themselves come from autograd.examples), runs backward, and
draws it with viz.draw, so the numbers on the edges are the ones the engine computed.
Figure numbers are those of "Deep Learning from Scratch" (ゼロから作るDeep Learning),
chapter 5 and appendix A.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import graphviz
import numpy as np

from autograd import Tensor, Value, grad, softmax_with_loss
from autograd.examples import appendix_a, apple, apple_orange, book_sigmoid
from viz.dot import draw, to_digraph
from viz.model import build
from viz.render import save

# apple, apple_orange and appendix_a are autograd.examples', named here for the tour
__all__ = ["FIGURES", "Figure", "apple", "apple_orange", "appendix_a", "figure", "names",
           "write_figure"]

DPI = 110  # PNG resolution: sharp on screen, small enough for a README


@dataclass(frozen=True)
class Figure:
    name: str
    book: str  # the book's figure numbers
    about: str
    make: object  # () -> graphviz.Digraph


# ----------------------------------------------------------------------------- graphs

def _labels(values, prefix):
    """Named constants: the labels t1, t2, t3 enter the graph as data, not as
    variables, so no gradient is drawn for them (as in the book)."""
    out = []
    for i, v in enumerate(values):
        t = Value(v, name=f"{prefix}{i + 1}")
        t.requires_grad = False
        out.append(t)
    return out


def _scalar_pair(op, x, y, upstream):
    x, y = Value(x, name="x"), Value(y, name="y")
    z = op(x, y)
    z.name = "z"
    return draw(z, grads=True, seed=upstream)


def _chain_rule():
    x, y = Value(1.0, name="x"), Value(2.0, name="y")
    z = (x + y) ** 2  # t = x + y, z = t**2
    z.name = "z"
    z.backward()
    return draw(z)


def _relu():
    """Two panels: x > 0 passes the upstream gradient on, x <= 0 stops it."""
    g = graphviz.Digraph("relu")
    g.attr(rankdir="LR", bgcolor="white")
    # declared bottom panel first: dot stacks sibling clusters upwards in LR
    for x, tag in ((-1.0, "x ≤ 0: nothing passes"), (2.0, "x > 0: the gradient passes")):
        xv = Value(x, name="x")
        y = xv.relu()
        y.name = "y"
        name = "cluster_pos" if x > 0 else "cluster_neg"
        panel = to_digraph(build(y, grads=True, seed=1.3), name=name,
                           prefix=name[8:] + "_")
        panel.attr(label=tag, pencolor="transparent", labeljust="l", labelloc="t")
        g.subgraph(panel)
    return g


def _sigmoid(**options):
    return draw(book_sigmoid(), **options)


def _affine():
    """The Affine layer on a batch of 2 (figures 5-24/5-25, batch form 5-27): shapes
    and the first values on the edges; B's broadcast is its own node, whose backward
    is the sum over the batch axis (the book's dB = np.sum(dY, axis=0))."""
    rng = np.random.default_rng(5)
    X = Tensor(rng.random((2, 2)).round(2), requires_grad=True, name="X")
    W = Tensor(rng.random((2, 3)).round(2), requires_grad=True, name="W")
    B = Tensor(rng.random(3).round(2), requires_grad=True, name="B")
    Y = X @ W + B
    Y.name = "Y"
    Y.backward(np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]))
    return draw(Y)


def _softmax_with_loss():
    a = [Value(v, name=f"a{i + 1}") for i, v in enumerate([0.3, 2.9, 4.0])]
    loss = softmax_with_loss(a, _labels([0.0, 0.0, 1.0], "t"))
    loss.name = "L"
    loss.backward()
    return draw(loss, depth=1)


def _sigmoid_grad():
    """The graph of the gradient itself (grad(..., create_graph=True)), DeZero style:
    dy/dx of sigmoid at x = 1, built from the backward rules, drawn with d²y/dx²."""
    x = Value(1.0, name="x")
    y = x.sigmoid()
    (gx,) = grad(y, x, create_graph=True)
    gx.name = "dy/dx"
    return draw(gx, grads=True)


FIGURES = {f.name: f for f in [
    Figure("apple", "5-14, 5-16", "price = apple × apple_num × tax, with gradients",
           lambda: draw(apple())),
    Figure("apple-orange", "5-15, 5-17", "apples and oranges with tax: 715",
           lambda: draw(apple_orange())),
    Figure("add-node", "5-11", "the + node: 10 + 5, upstream 1.3 passes on unchanged",
           lambda: _scalar_pair(lambda x, y: x + y, 10.0, 5.0, 1.3)),
    Figure("mul-node", "5-13", "the × node: 10 × 5, upstream 1.3 times the other input",
           lambda: _scalar_pair(lambda x, y: x * y, 10.0, 5.0, 1.3)),
    Figure("chain-rule", "5-7, 5-8", "z = (x + y)**2: the chain rule through t = x + y",
           _chain_rule),
    Figure("relu", "5-18", "ReLU: the gradient passes where x > 0, stops where x ≤ 0",
           _relu),
    Figure("sigmoid", "5-19, 5-20", "sigmoid opened up: ×(−1), exp, +1, /",
           lambda: _sigmoid()),
    Figure("sigmoid-collapsed", "5-21, 5-22", "sigmoid as one node: dy/dx = y(1 − y)",
           lambda: _sigmoid(collapse="sigmoid")),
    Figure("affine", "5-24, 5-25, 5-27", "Affine on a batch: dot, broadcast bias, shapes",
           _affine),
    Figure("softmax-with-loss", "5-29, 5-30", "Softmax and Cross Entropy Error as boxes: "
           "y − t flows back", _softmax_with_loss),
    Figure("appendix-a", "A-1 … A-5", "Softmax-with-Loss opened up node by node, "
           "with every gradient", lambda: draw(appendix_a())),
    Figure("appendix-a-forward", "A-1 … A-3", "the same graph, forward values only",
           lambda: draw(appendix_a(backward=False))),
    Figure("sigmoid-grad", "(DeZero)", "the graph of dy/dx itself, from "
           "grad(create_graph=True), with d²y/dx²", _sigmoid_grad),
]}


def names():
    return list(FIGURES)


def figure(name):
    """The Digraph of figure `name` (see names())."""
    try:
        return FIGURES[name].make()
    except KeyError:
        raise KeyError(f"no figure {name!r}; the figures are: {', '.join(FIGURES)}") from None


def write_figure(name, outdir, formats=("svg", "png"), dpi=DPI):
    """Write figure `name` as outdir/NAME.svg, NAME.png (and any of pdf, dot);
    returns the paths written."""
    g = figure(name)
    outdir = Path(outdir)
    return [save(g, outdir / f"{name}.{fmt}", dpi=dpi if fmt == "png" else None)
            for fmt in formats]
