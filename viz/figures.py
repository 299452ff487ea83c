"""The book's figures, regenerated from the engine: `graphgrad figure NAME -o DIR`.

Each figure builds its graph with the engine (Values and Tensors, never hand-drawn
edges; the book's graphs themselves come from autograd.examples), runs backward, and
draws it with viz.draw, so the numbers on the edges are the ones the engine computed.
Figure numbers are those of "Deep Learning from Scratch" (ゼロから作るDeep Learning),
chapter 5 and appendix A.  With lang='ja' the captions are Japanese and the shopping
graphs carry the book's Japanese names (リンゴ, リンゴの個数, 消費税 ...).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import graphviz
import numpy as np

from autograd import Tensor, Value, grad, toposort
from autograd.examples import appendix_a, apple, apple_orange, book_sigmoid
from viz.derivation import build
from viz.dot import draw, to_digraph
from viz.i18n import language, translations, translator
from viz.render import save

# apple, apple_orange and appendix_a are autograd.examples', named here for the tour
__all__ = ["FIGURES", "Figure", "apple", "apple_orange", "appendix_a", "book_names",
           "figure", "names", "write_figure"]

DPI = 110  # PNG resolution: sharp on screen, small enough for a README
LABELS = ("numbers", "symbols", "both")


@dataclass(frozen=True)
class Figure:
    """A drawing of the book's: `book`, the figures the drawing with numbers
    reproduces; `symbols`, the figure the drawing with labels='symbols' is (None: it
    draws the same graph, but the book prints no such figure); `scalar`: False for a
    graph of arrays, which has numbers only; `make(labels, rankdir)` -> Digraph."""

    name: str
    book: str
    about: str
    make: object
    symbols: str | None = None
    scalar: bool = True

    def reproduces(self, labels="numbers"):
        """The book's figure numbers the drawing with `labels` reproduces, or ''."""
        if labels == "numbers":
            return self.book
        return self.symbols or ""


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


def _draw(node, o, upstream=None, **options):
    """viz.draw with a figure's labels, rankdir and caption (`o`); the book's symbol for
    the gradient arriving at the output (∂L/∂y) when it is not 1."""
    if o["labels"] != "numbers" and upstream is not None:
        options["upstream"] = upstream
    return draw(node, labels=o["labels"], rankdir=o["rankdir"], legend=True,
                title=o.get("title"), lang=o.get("lang", "en"), **options)


def _scalar_pair(op, x, y, upstream, o):
    x, y = Value(x, name="x"), Value(y, name="y")
    z = op(x, y)
    z.name = "z"
    return _draw(z, o, upstream="∂L/∂z", grads=True, seed=upstream)


def _chain_rule(o):
    x, y = Value(1.0, name="x"), Value(2.0, name="y")
    z = (x + y) ** 2  # t = x + y, z = t**2
    z.name = "z"
    z.backward()
    return _draw(z, o)


def _relu(o):
    """Two panels: x > 0 passes the upstream gradient on, x <= 0 stops it."""
    g = graphviz.Digraph("relu")
    g.attr(rankdir=o["rankdir"], bgcolor="white")
    lang = o.get("lang", "en")
    _ = translator(lang)
    # declared bottom panel first: dot stacks sibling clusters upwards in LR
    for x, tag in ((-1.0, _("x ≤ 0: nothing passes")), (2.0, _("x > 0: the gradient passes"))):
        xv = Value(x, name="x")
        y = xv.relu()
        y.name = "y"
        name = "cluster_pos" if x > 0 else "cluster_neg"
        upstream = "∂L/∂y" if o["labels"] != "numbers" else None
        view = build(y, grads=True, seed=1.3, labels=o["labels"], upstream=upstream,
                     lang=lang)
        panel = to_digraph(view, name=name, prefix=name[8:] + "_", rankdir=o["rankdir"])
        panel.attr(label=tag, pencolor="transparent", labeljust="l", labelloc="t")
        g.subgraph(panel)
    return g


def _sigmoid(o, **options):
    return _draw(book_sigmoid(), o, upstream="∂L/∂y", **options)


def _affine(o):
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
    return _draw(Y, o)


def _softmax_with_loss(o):
    """Appendix A's graph (t1, t2, t3 named constants) with its two layers shut:
    softmax_with_loss's own guard and shift (autograd.functions) would add a log(y +
    2.2e-308) and an a − 4 to every expression, and change no number drawn."""
    return _draw(appendix_a(labels="constants"), o, depth=1)


def _appendix_a(o, backward=True):
    """Appendix A: with symbols the labels are t1, t2, t3 (named constants, as figure
    A-5 writes them), with numbers the plain 0, 0, 1."""
    labels = "numbers" if o["labels"] == "numbers" else "constants"
    return _draw(appendix_a(labels=labels, backward=backward), o)


def _sigmoid_grad(o):
    """The graph of the gradient itself (grad(..., create_graph=True)), DeZero style:
    dy/dx of sigmoid at x = 1, built from the backward rules, drawn with d²y/dx²."""
    x = Value(1.0, name="x")
    y = x.sigmoid()
    (gx,) = grad(y, x, create_graph=True)
    gx.name = "dy/dx"
    return _draw(gx, o, grads=True)


# the intermediate prices of the shopping graphs: the book's code names them
# (apple_price ...), its figures 5-16 and 5-17 write only their numbers
_UNNAMED_IN_THE_BOOK = ("apple_price", "orange_price", "all_price")


# the catalogue's context of the names (msgctxt): "orange" the fruit, not the colour
BOOK_NAMES = "the book's names"


def book_names(lang):
    """English name -> the name the book's figures give the shopping graphs' quantities in
    `lang` (ja: リンゴ, リンゴの個数, 消費税, みかん, みかんの個数, 支払金額)."""
    def name(english):
        return translations(lang).pgettext(BOOK_NAMES, english)
    return {english: name(english) for english in
            ("apple", "apple_num", "tax", "orange", "orange_num", "price")}


def _shopping(price, o):
    """A shopping graph named as the book's figures name it in the figure's language."""
    lang = o.get("lang", "en")
    if lang != "en":
        names = book_names(lang)
        for n in toposort(price):
            n.name = None if n.name in _UNNAMED_IN_THE_BOOK else names.get(n.name, n.name)
    return price


FIGURES = {f.name: f for f in [
    Figure("apple", "5-14, 5-16", "price = apple × apple_num × tax, with gradients",
           lambda o: _draw(_shopping(apple(), o), o)),
    Figure("apple-orange", "5-15, 5-17", "apples and oranges with tax: 715",
           lambda o: _draw(_shopping(apple_orange(), o), o)),
    Figure("add-node", "5-11", "the + node: 10 + 5, upstream 1.3 passes on unchanged",
           lambda o: _scalar_pair(lambda x, y: x + y, 10.0, 5.0, 1.3, o)),
    Figure("mul-node", "5-13", "the × node: 10 × 5, upstream 1.3 times the other input",
           lambda o: _scalar_pair(lambda x, y: x * y, 10.0, 5.0, 1.3, o)),
    Figure("chain-rule", "5-7, 5-8", "z = (x + y)**2: the chain rule through t = x + y",
           _chain_rule),
    Figure("relu", "5-18", "ReLU: the gradient passes where x > 0, stops where x ≤ 0",
           _relu),
    Figure("sigmoid", "the graph of 5-19, 5-20 at x = 1",
           "sigmoid opened up: ×(−1), exp, +1, /", _sigmoid, symbols="5-20"),
    Figure("sigmoid-collapsed", "the graph of 5-21, 5-22 at x = 1",
           "sigmoid as one node: dy/dx = y(1 − y)",
           lambda o: _sigmoid(o, collapse="sigmoid"), symbols="5-22"),
    Figure("affine", "5-24, 5-25, 5-27", "Affine on a batch: dot, broadcast bias, shapes",
           _affine, scalar=False),
    Figure("softmax-with-loss", "5-29, 5-30", "Softmax and Cross Entropy Error as boxes: "
           "y − t flows back", _softmax_with_loss, symbols="5-30"),
    Figure("appendix-a", "the graph of A-5 at a = (0.3, 2.9, 4)",
           "Softmax-with-Loss opened up node by node, with every gradient", _appendix_a,
           symbols="A-5"),
    Figure("appendix-a-forward", "the graph of A-2, A-3", "the same graph, forward values "
           "only", lambda o: _appendix_a(o, backward=False), symbols="A-2, A-3"),
    Figure("sigmoid-grad", "(DeZero)", "the graph of dy/dx itself, from "
           "grad(create_graph=True), with d²y/dx²", _sigmoid_grad),
]}


def names():
    return list(FIGURES)


def figure(name, labels="numbers", rankdir="LR", lang=None):
    """The Digraph of figure `name` (see names()) with `labels` ('numbers', 'symbols'
    or 'both'; symbols need sympy and a figure of scalars) and `rankdir`, captioned in
    `lang` ('en', 'ja'; None: $GRAPHGRAD_LANG, the locale's, English)."""
    try:
        f = FIGURES[name]
    except KeyError:
        raise KeyError(f"no figure {name!r}; the figures are: {', '.join(FIGURES)}") from None
    if labels not in LABELS:
        raise ValueError(f"labels must be 'numbers', 'symbols' or 'both', got {labels!r}")
    if labels != "numbers" and not f.scalar:
        raise ValueError(f"figure {name!r} is a graph of arrays: it has numbers only "
                         "(labels='numbers')")
    lang = language(lang)
    book = f.reproduces(labels) if labels != "numbers" else ""
    _ = translator(lang)
    title = _("figure {book} of Deep Learning from Scratch").format(book=book) if book \
        else None
    return f.make({"labels": labels, "rankdir": rankdir, "title": title, "lang": lang})


def write_figure(name, outdir, formats=("svg", "png"), dpi=DPI, labels="numbers",
                 rankdir="LR", lang=None):
    """Write figure `name` as outdir/NAME.svg, NAME.png (and any of pdf, dot);
    returns the paths written."""
    g = figure(name, labels, rankdir, lang)
    outdir = Path(outdir)
    return [save(g, outdir / f"{name}.{fmt}", dpi=dpi if fmt == "png" else None)
            for fmt in formats]
