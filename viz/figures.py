"""The book's figures, regenerated from the engine: `graphgrad figure NAME -o DIR`.

Each figure builds its graph with the engine (Values and Tensors, never hand-drawn
edges; the book's graphs themselves come from autograd.examples), runs backward, and
draws it with viz.draw, so the numbers on the edges are the ones the engine computed.
Figure numbers are those of "Deep Learning from Scratch" (ゼロから作るDeep Learning),
chapters 5 and 6 and appendix A.  With lang='ja' the captions are Japanese and the shopping
graphs carry the book's Japanese names (リンゴ, リンゴの個数, 消費税 ...).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import graphviz
import numpy as np

from autograd import Tensor, Value, grad, toposort
from autograd.examples import appendix_a, apple, apple_orange, batch_norm_example, book_sigmoid
from viz.derivation import build
from viz.dot import draw, to_digraph
from viz.i18n import language, translations, translator
from viz.names import wrap
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
    own_symbols: bool = False  # a graph of arrays that writes the book's matrix names
    rankdir: str = "LR"  # how it reads best when the caller does not say

    @property
    def symbolic(self):
        """True when the figure can be drawn with labels='symbols' or 'both'."""
        return self.scalar or self.own_symbols

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
    is the sum over the batch axis (the book's dB = np.sum(dY, axis=0)).  With symbols,
    the book's names of figure 5-27 (viz.figures._matrix_labels)."""
    rng = np.random.default_rng(5)
    X = Tensor(rng.random((2, 2)).round(2), requires_grad=True, name="X")
    W = Tensor(rng.random((2, 3)).round(2), requires_grad=True, name="W")
    B = Tensor(rng.random(3).round(2), requires_grad=True, name="B")
    Y = X @ W + B
    Y.name = "Y"
    Y.backward(np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]))
    if o["labels"] == "numbers":
        return _draw(Y, o)
    view = build(Y, lang=o.get("lang", "en"))
    _matrix_labels(view, o["labels"])
    return to_digraph(view, rankdir=o["rankdir"], legend=True, title=o.get("title"))


def _batch_norm(o):
    """Figure 6-17, Batch Normalization node by node over a batch of four Values, dout
    arriving from above (autograd.examples.batch_norm_example).  With symbols, each
    gradient is written as the book derives it step by step: upstream × the local
    derivative, the upstream by its name (∂L/∂x̂1) where its full form would fill the
    page (viz.figures._named_gradients)."""
    loss = batch_norm_example()
    if o["labels"] == "numbers":
        # forks: a value used twice is one trunk carrying the sum of its branches'
        # gradients (x, x − μ, μ ...), so ∂L/∂x itself is drawn, not only its parts
        return _draw(loss, o, forks=True)
    view = build(loss, lang=o.get("lang", "en"))
    _named_gradients(view, o["labels"])
    return to_digraph(view, rankdir=o["rankdir"], legend=True, title=o.get("title"))


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


# ----------------------------------------------------------------------------- labels

# a gradient whose form is longer than this is called by its name, ∂L/∂(x1 − μ), as the
# book's derivations (and Kratzert's dxmu) do once the expressions grow
SHORT = 28


def _named_gradients(view, labels):
    """Symbolic labels for a graph too long for the full forms (Batch Normalization):
    every edge's value in the graph's names, and the gradient it carries as upstream ×
    local derivative (the node's own terms), the upstream by its name when its form
    is longer than SHORT.  Returns {∂L/∂… symbol: the engine's number}, to evaluate the
    drawn expressions."""
    import sympy as sp

    from viz.symbolic import symbolic
    sg = symbolic(view.root)
    view.symbolic, view.labels = sg, labels
    for e in view.edges + view.forks:
        e.value_expr = sg.forward(e.node)
        e.value_sym = sg.book_text(e.value_expr)
    arriving, named = {view.root: [sg.seed]}, {}
    for sv, ss in zip(view.steps, sg.steps):
        node = sv.step.node
        if node.op is None:
            continue
        up = sg.book_sum(arriving.get(node, [sp.Integer(0)]))
        if len(sg.book_text(up)) > SHORT:
            up = sp.Symbol(f"∂L/∂{wrap(sg.book_text(sg.forward(node)))}", real=True)
            named[up] = sv.step.upstream
        for slot, key in enumerate(sv.edge_keys):
            if key is None or not node.parents[slot].requires_grad:
                continue
            g = sg.book_form(up * ss.local_literal[slot])
            e = view.edge(key)
            e.grad_exprs, e.grad_sym = (g,), (sg.book_text(g),)
            arriving.setdefault(node.parents[slot], []).append(g)
    for fork in view.forks:
        parts = [view.edge(k).grad_exprs[0] for k in fork.edges if view.edge(k).grad_exprs]
        if parts:
            total = sg.book_sum(parts)
            fork.grad_exprs, fork.grad_sym = (total,), (sg.book_text(total),)
    return named


def _matrix_labels(view, labels):
    """Figure 5-27's labels on a graph of arrays: each value by the book's name and
    shape (X (N, 2), X·W (N, 3)), the batch axis written N; each gradient as the book
    derives it: ∂L/∂Y·Wᵀ and Xᵀ·∂L/∂Y through "dot", passed on by "+", and B's copy over
    the batch summed back over axis 0."""
    _ = translator(view.lang)
    view.labels = labels
    names, forms = {}, {view.root: "∂L/∂" + view.root.name}
    batched = {view.root}  # the arrays whose first axis is the batch's (X, X·W, Y)

    def shape(node):
        dims = ["N" if k == 0 and node in batched else str(d)
                for k, d in enumerate(node.shape)]
        return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"

    for sv in view.steps:
        node = sv.step.node
        if node.op is None:
            continue
        ins, up = node.parents, forms[node]
        if node in batched and node.op.name in ("matmul", "add"):
            batched.update(ins[:1] if node.op.name == "matmul" else ins)
        for p, g in zip(ins, _matrix_rule(node, up, names, _)):
            forms.setdefault(p, g)
    for e in view.edges:
        e.value_sym = f"{_name(names, e.node)} {shape(e.node)}"
        if e.node in forms and e.node.requires_grad:
            g = forms[e.node]
            own = "∂L/∂" + e.node.name if e.node.name else None
            e.grad_sym = (g,) if own in (None, g) else (own, g)


def _matrix_rule(node, up, names, _):
    """What `node` sends each input, the gradient from above being `up` (section 5.6.2)."""
    ins, op = node.parents, node.op.name
    if op == "matmul":
        return f"{up}·{_name(names, ins[1])}ᵀ", f"{_name(names, ins[0])}ᵀ·{up}"
    if op == "add":
        return up, up
    if op == "broadcast_to":
        return (_("{gradient} summed over axis 0").format(gradient=up),)
    raise ValueError(f"no matrix form for {op!r}")


def _name(names, node):
    """The book's name of an array: its own, X·W for a product, B for B's copy."""
    if node not in names:
        if node.name:
            names[node] = node.name
        elif node.op.name == "matmul":
            names[node] = "·".join(_name(names, p) for p in node.parents)
        elif node.op.name == "broadcast_to":
            names[node] = _name(names, node.parents[0])
        else:
            names[node] = " + ".join(_name(names, p) for p in node.parents)
    return names[node]


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
           _affine, symbols="5-27", scalar=False, own_symbols=True),
    Figure("softmax-with-loss", "5-29, 5-30", "Softmax and Cross Entropy Error as boxes: "
           "y − t flows back", _softmax_with_loss, symbols="5-30"),
    Figure("appendix-a", "the graph of A-5 at a = (0.3, 2.9, 4)",
           "Softmax-with-Loss opened up node by node, with every gradient", _appendix_a,
           symbols="A-5"),
    Figure("appendix-a-forward", "the graph of A-2, A-3", "the same graph, forward values "
           "only", lambda o: _appendix_a(o, backward=False), symbols="A-2, A-3"),
    Figure("sigmoid-grad", "(DeZero)", "the graph of dy/dx itself, from "
           "grad(create_graph=True), with d²y/dx²", _sigmoid_grad),
    Figure("batchnorm", "the graph of 6-17 over a batch of 4",
           "Batch Normalization node by node: μ, x − μ, σ², σ, x̂, γx̂ + β, dout from above",
           _batch_norm, rankdir="TB"),
]}


def names():
    return list(FIGURES)


def figure(name, labels="numbers", rankdir=None, lang=None):
    """The Digraph of figure `name` (see names()) with `labels` ('numbers', 'symbols'
    or 'both'; symbols need sympy and a figure of scalars, or one that writes its own)
    and `rankdir` (None: the figure's own, LR but for batchnorm's TB), captioned in
    `lang` ('en', 'ja'; None: $GRAPHGRAD_LANG, the locale's, English)."""
    try:
        f = FIGURES[name]
    except KeyError:
        raise KeyError(f"no figure {name!r}; the figures are: {', '.join(FIGURES)}") from None
    if labels not in LABELS:
        raise ValueError(f"labels must be 'numbers', 'symbols' or 'both', got {labels!r}")
    if labels != "numbers" and not f.symbolic:
        raise ValueError(f"figure {name!r} is a graph of arrays: it has numbers only "
                         "(labels='numbers')")
    lang = language(lang)
    book = f.reproduces(labels) if labels != "numbers" else ""
    _ = translator(lang)
    title = _("figure {book} of Deep Learning from Scratch").format(book=book) if book \
        else None
    return f.make({"labels": labels, "rankdir": rankdir or f.rankdir, "title": title,
                   "lang": lang})


def write_figure(name, outdir, formats=("svg", "png"), dpi=DPI, labels="numbers",
                 rankdir=None, lang=None):
    """Write figure `name` as outdir/NAME.svg, NAME.png (and any of pdf, dot);
    returns the paths written."""
    g = figure(name, labels, rankdir, lang)
    outdir = Path(outdir)
    return [save(g, outdir / f"{name}.{fmt}", dpi=dpi if fmt == "png" else None)
            for fmt in formats]
