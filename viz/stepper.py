"""Frames of the backward pass, replayed from autograd's `backward_steps`.

Frame 0 is the forward pass alone; then one frame per unit of `viz.steps.units`: a step of
the book where a composite declares how the book groups its backward pass (sigmoid's four
steps of section 5.5.2; appendix A's Cross Entropy Error layer, then the Softmax layer's
steps 1 to 6), else one frame per drawn operation.  Each says: at this node, the gradient
that arrived from above (each branch and their sum, where the node feeds several others),
times its local derivative (value and formula, e.g. ∂y/∂x = −1/x² = −y²), gives the
gradient sent to each input.  The last frame states the result (∂L/∂a_k = y_k − t_k).
Edges whose gradient has been sent are drawn done (red gradient), the ones of the current
step active, the branches being summed 'summing', the others pending (grey).

Nothing here computes a gradient: the numbers are the engine's `Step`s (via the view
model's `View.steps`), the algebra is the same steps run over sympy symbols
(`viz.symbolic`).  A collapsed composite (a box) steps as one unit: every engine step
inside it merges into one frame, whose upstream is what enters the box and whose sent
gradients are what leaves it.  Nodes are called by their names (S, y1, L) or, unnamed, by
what they compute from named ones (exp(a1), 1/S); nothing is ever sent to a constant.

    from viz.stepper import frames
    for f in frames(loss, collapse="sigmoid"):
        print(f.heading, f.title); print(f.text)
    viz.html.export_steps(loss, "steps.html")  # or .gif, or a folder of .svg/.png
"""
from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass, field

import numpy as np

from autograd import Value
from autograd.graph import postorder
from viz.dot import svg_id, to_digraph
from viz.i18n import spoken, translator
from viz.model import View, build
from viz.numbers import constant_text, minus
from viz.render import pipe
from viz.steps import declared_steps, sends_into, units

__all__ = ["BranchSum", "Frame", "as_frames", "edge_states", "frames"]

# symbolic=None turns the algebra on by itself for graphs up to this many op nodes:
# beyond that the expressions grow too long to read (and to simplify quickly)
SYMBOLIC_AUTO_LIMIT = 30
# an unnamed node is called by the expression it computes while that stays this short
NAME_LIMIT = 40


@dataclass(eq=False)
class BranchSum:
    """At a node feeding several others, the gradients its branches send back and their
    sum: `parts` ((from name, number, sympy expression or None), ...) in the engine's
    order, `total` the engine's sum (the node's upstream), `symbolic` its expression."""

    node: object = field(repr=False)
    name: str
    parts: tuple
    total: object
    symbolic: object = None


@dataclass(eq=False)
class Frame:
    """One picture of the replay.

    index: 0 .. count-1; kind: 'forward' | 'step' | 'final'; `heading`: the book's step
    ('Step 3', 'Cross Entropy Error'; 'Forward pass', 'Result'; '' for a frame of one
    node where nothing is declared) and `description`, its one line in the book's words;
    title and one-line `caption`; explanation as plain `text` and as `html`; `node_id`:
    the view node highlighted (None for the first and last frames and for a step over
    several nodes); `focus`: every view node the frame is about; `edge_states`: edge key
    -> 'done' | 'pending' | 'active' | 'summing'; `edge_grads`: edge key -> gradient text
    overriding the view's; `steps`: the engine step indices this frame replays; `rows`:
    the explanation as data (label, numeric, symbolic); `sums`: its BranchSums; `lang`:
    the language its text is written in ('en', 'ja': ステップ1, 順伝播, 結果).
    """

    index: int
    count: int
    kind: str
    title: str
    caption: str
    text: str
    html: str
    node_id: str | None
    edge_states: dict
    edge_grads: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)
    steps: tuple = ()
    rows: list = field(default_factory=list, repr=False)
    view: View | None = field(default=None, repr=False)
    draw_options: dict = field(default_factory=dict, repr=False)
    heading: str = ""
    description: str = ""
    focus: tuple = ()
    sums: list = field(default_factory=list, repr=False)
    lang: str = "en"

    def digraph(self, *, caption=False, **options):
        """This frame as a graphviz.Digraph (viz.dot.to_digraph with the frame's
        highlight and edge states); caption=True writes the caption under the graph."""
        opts = {**self.draw_options, **options}
        if caption:
            opts.setdefault("title", self.caption)
        return to_digraph(self.view, highlight=self.node_id, edge_states=self.edge_states,
                          edge_grads=self.edge_grads, notes=self.notes, **opts)

    def render(self, format="svg", *, dpi=None, caption=False, **options):
        """The frame's image bytes ('svg', 'png', 'pdf'); needs Graphviz's dot."""
        return pipe(self.digraph(caption=caption, **options), format, dpi=dpi)

    def svg(self, **options):
        return self.render("svg", **options).decode("utf-8")

    def svg_ids(self):
        """The SVG element ids of the nodes this frame is about (a player scrolls to them)."""
        return [f"node-{svg_id(nid)}" for nid in self.focus]

    def _repr_svg_(self):
        return self.svg(caption=True)


# ----------------------------------------------------------------------------- text

def _num(view, x):
    """A number the way the view writes it, with a real minus sign."""
    return minus(view.format_value(x))


def _factor(view, x):
    """A number as a factor of a product: negatives in parentheses, 1 × (−0.5344)."""
    text = _num(view, x)
    return f"({text})" if text.startswith("−") else text


def _added(view, numbers):
    """Numbers added up as text: 0.2 + (−0.1)."""
    return _num(view, numbers[0]) + "".join(f" + {_factor(view, g)}" for g in numbers[1:])


def _is_scalar(x):
    return not isinstance(x, np.ndarray) or x.ndim == 0


def _split_formula(formula, n):
    """The primitive's formula split per input ('∂z/∂x = y, ∂z/∂y = x'), when it has one
    clause per input; else the whole formula for each."""
    parts = [p.strip() for p in formula.split(", ")]
    return parts if len(parts) == n else [formula] * n


def _wrap(name):
    """A name as a derivative's variable: ∂L/∂(1/S), ∂L/∂y1."""
    return f"({name})" if re.search(r"[\s+−·/×^-]", name) else name


def _terms(texts):
    """Texts added up: a + b − c (a term's own minus sign becomes the operator)."""
    out = texts[0]
    for t in texts[1:]:
        out += f" − {t[1:]}" if t.startswith("−") else f" + {t}"
    return out


def _product(a, b):
    """a·b as text, each factor in parentheses unless it is a plain name or number."""
    def f(t):
        return t if re.fullmatch(r"[\w.]+|[\w.]+\([^()]*\)", t) else f"({t})"
    return f"{f(a)}·{f(b)}"


class _Writer:
    """Builds a frame's explanation as rows, then as text and HTML from the same rows."""

    def __init__(self, _=None):
        # (kind, content): 'book' the step's line, 'p' a paragraph, 'row' (label, numeric,
        # symbolic), 'sum' a row adding up branches
        self.lines = []
        self._ = _ or translator("en")

    def book(self, text):
        if text:
            self.lines.append(("book", text))

    def p(self, text):
        self.lines.append(("p", text))

    def row(self, label, numeric, symbolic=None, total=False):
        self.lines.append(("sum" if total else "row", (label, numeric, symbolic)))

    def rows(self):
        return [c for k, c in self.lines if k in _ROWS]

    def text(self, title):
        out = [title]
        for kind, c in self.lines:
            if kind not in _ROWS:
                out.append(c)
                continue
            label, numeric, sym = c
            line = f"  {label}: {numeric}"
            if sym:
                line += f"    [{sym}]"
            out.append(line)
        return "\n".join(out)

    def html(self, title, heading=""):
        esc = _html.escape
        has_sym = any(c[2] for k, c in self.lines if k in _ROWS)
        parts = [f'<h3 class="frame-title">{esc(title)}</h3>']
        table = []
        for kind, c in self.lines:
            if kind in _ROWS:
                table.append((kind, c))
                continue
            if table:
                parts.append(self._table(table, has_sym))
                table = []
            cls = ' class="book"' if kind == "book" else ""
            parts.append(f"<p{cls}>{esc(c)}</p>")
        if table:
            parts.append(self._table(table, has_sym))
        return "\n".join(parts)

    def _table(self, rows, has_sym):
        esc, _ = _html.escape, self._
        head = f"<tr><th></th><th>{esc(_('numeric'))}</th>" + (
            f"<th>{esc(_('symbolic'))}</th>" if has_sym else "")
        body = [head + "</tr>"]
        for kind, (label, numeric, sym) in rows:
            cls = ' class="sum"' if kind == "sum" else ""
            cells = f'<th scope="row">{esc(label)}</th><td class="num">{esc(numeric)}</td>'
            if has_sym:
                cells += f'<td class="sym">{esc(sym or "")}</td>'
            body.append(f"<tr{cls}>{cells}</tr>")
        return '<table class="step-table">' + "".join(body) + "</table>"


_ROWS = ("row", "sum")


# ----------------------------------------------------------------------------- names

_FUNCTIONS = {"exp", "log", "tanh", "relu"}
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


class _Names:
    """What the frames call a node: its name, else what it computes from named nodes and
    constants (exp(a1), 1/S, t1·log(y1), exp(−x) + 1), shortened with … when long."""

    def __init__(self, view):
        self.view, self.cache = view, {}

    def __call__(self, node):
        if node.name:
            return node.name
        if node not in self.cache:
            for depth in (8, 3, 2, 1):
                text = self.text(node, depth)[0]
                if len(text) <= NAME_LIMIT:
                    break
            self.cache[node] = text
        return self.cache[node]

    def number(self, node):
        """A constant as a number; an array of different numbers (labels t) as […]."""
        d = node.data
        if isinstance(d, np.ndarray) and d.size > 1 and not np.all(d == d.flat[0]):
            return "[…]"
        return minus(constant_text(d, self.view.format, self.view.preview))

    def text(self, node, depth):
        """(text, precedence): 0 a sum, 1 a product or quotient, 2 an atom."""
        if node.name:
            return node.name, 2
        if node.op is None:
            t = self.number(node)
            return t, 1 if t.startswith("−") else 2
        if depth == 0:
            return "…", 2
        op, ins = node.op.name, node.parents
        if op == "add":
            return _terms([self.text(p, depth - (p.op is not None and p.op.name != "add"
                                                 or bool(p.name)))[0] for p in _chain(node)]), 0
        args = [self.text(p, depth - 1) for p in ins]
        if op == "mul":
            return self._mul(ins, args), 1
        if op == "reciprocal":
            return "1/" + _paren(args[0], 2), 1
        if op == "pow":
            p = (node.params or {}).get("p")
            sup = str(int(p)).translate(_SUPERSCRIPT) if float(p).is_integer() and p >= 0 \
                else f"^{minus(self.view.format(p))}"
            return _paren(args[0], 2) + sup, 2
        label = op if op in _FUNCTIONS else node.op.label
        return f"{label}({', '.join(a[0] for a in args)})", 2

    def _mul(self, ins, args):
        for k in (1, 0):  # × −1: the book's −x
            if ins[k].op is None and not ins[k].name and _is_minus_one(ins[k].data):
                return "−" + _paren(args[1 - k], 2)
        if ins[1].op is None and ins[0].op is not None:
            args = args[::-1]  # a constant or a leaf first: t1·log(y1), 2·x
        return "·".join(_paren(a, 1) if not a[0].startswith("−") or a is not args[0]
                        else a[0] for a in args)


def _chain(node):
    """The terms of a chain of unnamed "+" nodes, left to right."""
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if n.op is not None and n.op.name == "add" and (n is node or not n.name):
            stack.extend(reversed(n.parents))
        else:
            out.append(n)
    return out


def _paren(arg, level):
    text, prec = arg
    return f"({text})" if prec < level or (level == 1 and text.startswith("−")) else text


def _is_minus_one(data):
    a = np.asarray(data)
    return a.size > 0 and bool(np.all(a == -1))


# ----------------------------------------------------------------------------- frames

def _symbolic_graph(root, view, symbolic, given, seed_name):
    """A viz.symbolic.SymbolicGraph or None, from the `symbolic` option."""
    if symbolic is False:
        return None
    if symbolic is not None and hasattr(symbolic, "steps") and hasattr(symbolic, "show"):
        return symbolic  # built by the caller
    options = dict(symbolic) if isinstance(symbolic, dict) else {}
    if given is not None:
        options.setdefault("given", given)
    if symbolic is None:
        ops = sum(1 for sv in view.steps if sv.step.node.op is not None)
        named = any(vn.kind == "variable" and vn.label for vn in view.nodes)
        if not isinstance(root, Value) or ops > SYMBOLIC_AUTO_LIMIT or not named:
            return None  # arrays, long formulas, or nothing to name: numbers only
        try:
            import sympy  # noqa: F401  (optional: frames work without it)
        except ImportError:
            return None
    seed = view.seed
    if "seed" not in options and _is_scalar(seed) and float(seed) == 1.0 and seed_name:
        options["seed"] = seed_name  # the book's dout: ∂L/∂y·y(1 − y), not y(1 − y)
    elif "seed" not in options and _is_scalar(seed) and float(seed) != 1.0:
        options["seed"] = float(seed)
    from viz.symbolic import symbolic as make
    return make(root, **options)


def _seed_name(root, view):
    """The book's name for the gradient arriving at `root` (sigmoid: dout), when the
    graph is one call of a composite that declares it: the book's figure 5-20, where an
    upstream ∂L/∂y comes from above.  A bigger graph starts from its own output, 1."""
    if root.op is None or not root.scope:
        return None
    call = root.scope[-1]
    if any(call not in sv.step.node.scope for sv in view.steps if sv.step.node.op is not None):
        return None
    for step in declared_steps(call[0]) or ():
        if step.get("upstream"):
            return step["upstream"]
    return None


def _one_hot(view, found):
    """'t1 + t2 + t3 = 1' when a declared step names the labels (cross entropy's t_k) and
    they are named leaves holding a one-hot vector; else None."""
    order = {vn.id: k for k, vn in enumerate(view.nodes)}
    for u in found:
        slot = (u.spec or {}).get("labels")
        if slot is None:
            continue
        labels = [n.parents[slot] for n in u.nodes if len(n.parents) > slot]
        labels = sorted(set(labels), key=lambda t: order[view.node_id(t)])
        values = [t.data for t in labels]
        if labels and all(t.op is None and t.name and _is_scalar(t.data) for t in labels) \
                and all(v in (0, 1) for v in values) and sum(values) == 1:
            return " + ".join(t.name for t in labels) + " = 1"
    return None


def as_frames(source, *, lang=None, **options):
    """A list of Frames: `source` itself when it is one (then no options apply, and
    `lang` is left to the caller: frames are written already), else
    frames(source, lang=lang, **options)."""
    if isinstance(source, (list, tuple)) and source and isinstance(source[0], Frame):
        if options:
            raise TypeError(f"options {sorted(options)} apply to a node, not to frames")
        return list(source)
    return frames(source, lang=lang, **options)


class _Replay:
    """What every frame of one replay shares: the view, the algebra, names, branches."""

    def __init__(self, root, view, sg, draw, seed_name=None):
        self.root, self.view, self.sg, self.draw = root, view, sg, draw
        # an upstream from above the root (the book's dout = ∂L/∂y): gradients of some L
        if sg is not None and getattr(sg.seed, "is_Symbol", False):
            seed_name = sg.text(sg.seed)
        elif not (_is_scalar(view.seed) and float(view.seed) == 1.0):
            seed_name = None
        self.seed_name = seed_name
        self.rname = "L" if seed_name else root.name or "L"
        self.step_of = {sv.step.node: sv.index for sv in view.steps}
        self.into = sends_into(view)
        self.order = {vn.id: k for k, vn in enumerate(view.nodes)}  # forward order
        self.name = _Names(view)
        self.one_hot = None  # the one-hot relation frames() found, if it did
        self.result = None  # the closed form a stepped composite declares (batch_norm's)
        self.headings = {}  # unit -> its heading, when it needs more than the declared one
        self.lang = view.lang
        self._ = translator(view.lang)

    def writer(self):
        return _Writer(self._)

    def branches(self, node):
        """The sends arriving at `node`, (StepView, slot) each, in the forward order of
        their nodes (S's "+" before y3's "×"), as the book adds them."""
        return sorted(self.into.get(node, ()), key=lambda p: self.order[p[0].node_id])

    def heading(self, unit):
        """The unit's heading as the reader reads it (ステップ3; out_o1: Step 1)."""
        return self.headings.get(unit, spoken(unit.heading, self._))

    def dname(self, node):
        """∂L/∂node, the node by its name or expression."""
        if node is self.root and not self.seed_name:
            return f"∂{self.rname}/∂{self.rname}"
        return f"∂{self.rname}/∂{_wrap(self.name(node))}"

    def sym(self, expr):
        """An expression's shortest text, with the `given` relations (1/S, not
        (t1 + t2 + t3)/S)."""
        return self.sg.text(self.sg.reduce(expr)) if self.sg is not None else None

    def frame(self, index, count, kind, title, caption, w, node_id, states, **kw):
        return Frame(index, count, kind, title, caption, w.text(title), w.html(title),
                     node_id, states, rows=w.rows(), view=self.view, draw_options=self.draw,
                     lang=self.lang, **kw)


def frames(root, *, expand=None, collapse=None, depth=None, symbolic=None, given=None,
           seed=None, fmt=None, preview=True, rankdir="LR", notes=True, lang=None,
           **draw_options):
    """The backward pass of `root` as a list of Frames (see the module docstring).

    expand / collapse / depth / seed / fmt / preview: as viz.model.build (collapsed
        composites step as one unit).
    symbolic: None (the algebra beside the numbers when sympy is installed and the
        graph is small and scalar), True, False, a dict of viz.symbolic.symbolic()
        options (seed='∂L/∂y', names=...), or a SymbolicGraph.
    given: relations the algebra may use, e.g. 't1 + t2 + t3 = 1'; by default the one-hot
        relation of named labels that hold a one-hot vector (appendix A's t1, t2, t3).
    rankdir, notes (write the local derivative beside the stepped nodes) and
        draw_options: passed on to viz.dot.to_digraph when a frame is rendered.
    lang: 'en' or 'ja' (None: $GRAPHGRAD_LANG, else the locale's, else English): the
        narration, the book's headings and step texts (ステップ1 … ステップ6), and the
        drawings' captions and fonts.
    """
    view = build(root, expand=expand, collapse=collapse, depth=depth, grads=True,
                 seed=seed, fmt=fmt, preview=preview, lang=lang)
    found = units(view)
    inferred = _one_hot(view, found) if given is None else None
    seed_name = _seed_name(root, view)
    sg = _symbolic_graph(root, view, symbolic, given if given is not None else inferred,
                         seed_name)
    if sg is not None:
        for sv, ss in zip(view.steps, sg.steps):
            if sv.step.node is not ss.node:  # the same walk over the same graph
                raise RuntimeError("symbolic steps are not aligned with the numeric ones")
    r = _Replay(root, view, sg, dict(draw_options, rankdir=rankdir), seed_name)
    r.one_hot = inferred
    r.result = next((spoken(u.spec["result"], r._) for u in found
                     if u.spec and u.spec.get("result")), None)
    r.headings = _headings(r, found)
    count = len(found) + 2
    result = [_forward_frame(r, count)]
    shown = set()
    for k, unit in enumerate(found, start=1):
        current = set(unit.arrivals if unit.kind == "arrives" else unit.sends)
        shown |= current
        result.append(_unit_frame(r, k, count, unit, shown, current, notes))
    result.append(_final_frame(r, count, any(u.kind != "node" for u in found)))
    return result


def _forward_frame(r, count):
    """Frame 0: values only, every gradient still to come."""
    view, w, _ = r.view, r.writer(), r._
    seed = _num(view, view.seed)
    start = f"∂{r.rname}/∂{r.rname} = {seed}"
    if r.seed_name:  # an upstream from above: the book's dout
        start = _("{name} = {derivative} (here {value})").format(
            name=r.seed_name, derivative=f"∂L/∂{_wrap(r.name(r.root))}", value=seed)
    w.p(_("The forward pass: each edge carries its value (above the line). The backward "
          "pass starts at the output with {start} and sends gradients back along the "
          "edges (red, below the line).").format(start=start))
    if r.sg is not None and r.sg.given:
        relations = ", ".join(f"{r.sg.text(a)} = {r.sg.text(b)}" for a, b in r.sg.given)
        said = _("The algebra uses {relations} (the labels t are one-hot).") if r.one_hot \
            else _("The algebra uses {relations}.")
        w.p(said.format(relations=relations))
    pending = {e.key: "pending" for e in view.edges}
    title = _("Forward pass: {name} = {value}").format(name=r.name(r.root),
                                                      value=_num(view, r.root.data))
    return r.frame(0, count, "forward", title, title, w, None, pending,
                   heading=_("Forward pass"))


def _unit_frame(r, k, count, unit, shown, current, notes):
    """Frame k: a declared step, the arrival at a composite, or one drawn node."""
    view, w, sums, _ = r.view, r.writer(), [], r._
    heading, text = r.heading(unit), spoken(unit.text, _)
    if unit.kind == "node":
        vn = view.node(unit.node_id)
        if vn.kind == "composite" or len(unit.stepviews) > 1:
            caption = _box_frame(r, unit.node_id, unit.stepviews, w)
            # x − y drawn as one op: called by what it computes, as an op would be
            what = _node_title(r, vn, vn.members[-1] if vn.kind == "op" else None)
        else:
            sv = unit.stepviews[0]
            caption = _node_block(r, w, sv, [slot for _sv, slot in unit.sends], sums)
            what = _node_title(r, vn, sv.step.node)
        title = _("Backward: {what}").format(what=what)
        focus = (unit.node_id,)
    else:
        w.book(text)
        if unit.kind == "arrives":
            _arrivals(r, w, unit, sums)
            targets = unit.outputs
        else:
            for sv, slots in _by_node(unit.sends):
                _node_block(r, w, sv, slots, sums, several=len(unit.nodes) > 1)
            targets = unit.nodes
        title = _("{heading}: {what}").format(heading=heading, what=_unit_title(r, unit))
        caption = _("{heading}: {what}").format(heading=heading, what=text) if text \
            else title
        if len(unit.nodes) == 1:  # one node: its numbers say more under a picture
            caption = _("{heading}: {what}").format(
                heading=heading, what=_node_caption(r, *_by_node(unit.sends)[0]))
        focus = tuple(dict.fromkeys(view.node_id(n) for n in targets))
    summing = {view.edge_key(sv.step.node, s) for b in sums
               for sv, s in r.into.get(b.node, ())}
    states = _states(view, shown, current, summing)
    node_id = focus[0] if len(focus) == 1 else None
    steps = tuple(sorted({sv.index for sv, _ in current}))
    return r.frame(k, count, "step", title, caption, w, node_id, states,
                   notes=_notes(r, unit) if notes else {}, steps=steps,
                   heading=heading, description=text, focus=focus, sums=sums)


def _headings(r, found):
    """Several calls of one composite stepped (Mazur's four sigmoids): each step's heading
    says whose it is, by the call's output ('out_o1: Step 1')."""
    calls = {}
    for u in found:
        if u.frame is not None:
            calls.setdefault(u.frame[0], set()).add(u.frame)
    out = {}
    for u in found:
        if u.frame is not None and len(calls[u.frame[0]]) > 1:
            # the engine steps a call's output first: everything inside comes from it
            first = next(sv.step.node for sv in r.view.steps if sv.step.node.op is not None
                         and sv.step.node.scope and sv.step.node.scope[-1] == u.frame)
            _ = r._
            out[u] = _("{name}: {heading}").format(name=r.name(first),
                                                   heading=spoken(u.heading, _))
    return out


def _by_node(sends):
    """Sends grouped by their step, in order: [(StepView, [slot, ...]), ...]."""
    groups = {}
    for sv, slot in sends:
        groups.setdefault(sv, []).append(slot)
    return list(groups.items())


def _notes(r, unit):
    """×local beside each stepped node with one input sent to (the book's multiply-by);
    with two, the factors would not say which edge each belongs to."""
    if unit.kind == "arrives":
        return {}
    out = {}
    for sv, slots in _by_node(unit.sends):
        nid = r.view.node_id(sv.step.node)
        if len(slots) == 1 and _is_scalar(sv.step.upstream) and len(unit.stepviews) < 2 \
                and r.view.node(nid).kind == "op":
            out[nid] = f"×{_factor(r.view, sv.step.local[slots[0]])}"
    return out


def _node_title(r, vn, node=None):
    _ = r._
    if vn.kind == "composite":
        return _("the {label} box").format(label=vn.label)
    if node is None:
        title = _("the {label} node ({op})") if vn.label != vn.op else _("the {label} node")
    else:
        title = _("the {label} node {name} ({op})") if vn.label != vn.op else \
            _("the {label} node {name}")
    return title.format(label=vn.label, op=vn.op, name="" if node is None else r.name(node))


def _unit_title(r, unit):
    """'the × nodes y1, y2, y3 → 1/S': the stepped nodes, and where a step covers only
    some of their inputs, which ones."""
    view, _ = r.view, r._
    if unit.kind == "arrives":
        return _("the gradients arriving at {names}").format(
            names=", ".join(r.name(n) for n in unit.outputs))
    labels = list(dict.fromkeys(view.node(view.node_id(n)).label for n in unit.nodes))
    names = ", ".join(r.name(n) for n in unit.nodes)
    many = len(unit.nodes) > 1
    if len(names) > 48:  # long expressions: the count says enough beside the picture
        count = str(len(unit.nodes)) if many else "…"
        what = _("the {count} {label} nodes") if len(labels) == 1 and many else \
            _("the {count} nodes")
    else:
        count = ""
        what = (_("the {label} nodes {names}") if many else _("the {label} node {names}")) \
            if len(labels) == 1 else _("the nodes {names}")
    what = what.format(count=count, label=labels[0], names=names)
    # appendix A's steps 2 and 5: each "×" node sends to one of its inputs only
    partial = all(len(slots) < sum(p.requires_grad for p in sv.step.node.parents)
                  for sv, slots in _by_node(unit.sends))
    if partial:
        targets = dict.fromkeys(r.name(sv.step.node.parents[s]) for sv, s in unit.sends)
        what += " → " + ", ".join(targets)
    return what


def _forward_line(r, node, at=False):
    """'Forward: x = 1 → exp → exp(x) = 2.718.', or with `at` 'At exp(x): x = 1 → ...'
    (one of several nodes of a step)."""
    view, _ = r.view, r._
    ins = ", ".join(r.name.number(p) if p.op is None and not p.name else
                    f"{r.name(p)} = {_num(view, p.data)}" for p in node.parents)
    label = view.node(view.node_id(node)).label
    line = _("At {name}: {inputs} → {label} → {name} = {value}.") if at else \
        _("Forward: {inputs} → {label} → {name} = {value}.")
    return line.format(inputs=ins, label=label, name=r.name(node),
                       value=_num(view, node.data))


def _node_block(r, w, sv, slots, sums, several=False):
    """One node's part of a frame: its forward value, the gradient arriving (each branch
    and their sum, when it feeds several nodes), then upstream × local = sent for each of
    the input `slots`.  Returns a one-line caption."""
    view, step, node, _ = r.view, sv.step, sv.step.node, r._
    w.p(_forward_line(r, node, at=several))
    _upstream(r, w, node, step.upstream, sums)
    local, scalar = step.local, _is_scalar(step.upstream)
    for i in slots:
        target = r.name(node.parents[i])
        where = f"∂{_wrap(r.name(node))}/∂{_wrap(target)}"
        label = _("local") + (f" {where}" if len(where) <= 30 else "") + \
            (f" ({_local_formula(r, node, i)})" if r.sg is None else "")
        sym_local, sent = _sent_text(r, step, i)
        w.row(label, _num(view, local[i]) if scalar else _("(array)"), sym_local)
        numeric = _num(view, step.grads[i])
        if scalar:
            numeric = f"{_factor(view, step.upstream)} × {_factor(view, local[i])} = {numeric}"
        w.row(_("sent to {name}").format(name=target), numeric, sent)
    return _node_caption(r, sv, slots)


def _node_caption(r, sv, slots):
    """One line under the picture: upstream (each branch added up, where several) × local
    = sent (formula), or what goes where."""
    view, step, node = r.view, sv.step, sv.step.node
    label = view.node(sv.node_id).label
    up = _factor(view, step.upstream)
    parts = r.branches(node)
    if len(parts) > 1 and _is_scalar(step.upstream):
        up = f"({_added(view, [p.step.grads[s] for p, s in parts])})"
    if len(slots) == 1 and _is_scalar(step.upstream):
        i = slots[0]
        formula = _local_formula(r, node, i)
        return (f"{label}: {up} × {_factor(view, step.local[i])} = "
                f"{_num(view, step.grads[i])} → {r.name(node.parents[i])}  ({formula})")
    _ = r._
    return _("{label}: upstream {value} → {sends}").format(
        label=label, value=_num(view, step.upstream), sends=", ".join(
            f"{r.name(node.parents[i])}: {_num(view, step.grads[i])}" for i in slots))


def _local_formula(r, node, i):
    """The local derivative towards input i as a formula: the primitive's own for one
    input (∂y/∂x = −1/x² = −y²); for × and +, in the graph's names (the formula's x and
    y would clash with them: sigmoid's input is x, its output y)."""
    op = node.op.name
    if op == "mul":
        return f"∂z/∂x = {r.name(node.parents[1 - i])}" if i == 0 else \
            f"∂z/∂y = {r.name(node.parents[0])}"
    if op == "add":
        return "∂z/∂x = 1" if i == 0 else "∂z/∂y = 1"
    return _split_formula(minus(spoken(node.op.formula, r._)), len(node.parents))[i]


def _sent_text(r, step, i):
    """(local, sent) of input i in symbols: the local derivative in the node's own terms,
    and upstream·local = what it is = its shortest form (with the `given` relations)."""
    sg = r.sg
    if sg is None:
        return None, None
    st = sg.steps[step.index]
    up, loc = sg.reduce(st.upstream), st.local_literal[i]
    up_t, loc_t = sg.text(up), sg.text(loc)
    forms = [] if "1" in (up_t, loc_t) else [_product(up_t, loc_t)]
    for e in (up * loc, sg.reduce(st.grads[i])):
        if sg.text(e) not in forms:
            forms.append(sg.text(e))
    return loc_t, " = ".join(forms)


def _upstream(r, w, node, total, sums):
    """The gradient arriving at `node`: one row, or each branch and their sum."""
    parts = r.branches(node)
    sg, view, _ = r.sg, r.view, r._
    if node is r.root or len(parts) < 2:
        w.row(_("upstream {derivative}").format(derivative=r.dname(node)), _num(view, total),
              r.sym(sg.gradient(node)) if sg is not None else None)
        return
    exprs = [sg.steps[sv.index].grads[s] if sg is not None else None for sv, s in parts]
    for (sv, s), e in zip(parts, exprs):
        w.row(_("from {name}").format(name=r.name(sv.step.node)),
              _num(view, sv.step.grads[s]), r.sym(e))
    numbers = [sv.step.grads[s] for sv, s in parts]
    numeric = _added(view, numbers)
    symbolic, full = None, None
    if sg is not None:
        full = sg.gradient(node)
        forms = [_terms([r.sym(e) for e in exprs])]
        # the sum of the branches as shown (each already shortened), then of the whole
        for form in (sg.compact(sum(sg.reduce(e) for e in exprs)), sg.reduce(full)):
            if sg.text(form) not in forms:
                forms.append(sg.text(form))
        symbolic = " = ".join(forms)
    w.row(_("sum: upstream {derivative}").format(derivative=r.dname(node)),
          f"{numeric} = {_num(view, total)}", symbolic, total=True)
    sums.append(BranchSum(node, r.name(node), tuple(
        (r.name(sv.step.node), g, e) for (sv, _), g, e in zip(parts, numbers, exprs)),
        total, full))


def _arrivals(r, w, unit, sums):
    """The gradients entering a composite at its outputs, from the layer above."""
    for out in unit.outputs:
        sv = r.view.steps[r.step_of[out]]
        parts = [s for s in unit.arrivals if s[0].step.node.parents[s[1]] is out]
        if len(parts) == 1 and out is not r.root:
            (csv, s), sg = parts[0], r.sg
            sym = r.sym(sg.steps[csv.index].grads[s]) if sg is not None else None
            _ = r._
            w.row(_("{derivative} from {name}").format(derivative=r.dname(out),
                                                       name=r.name(csv.step.node)),
                  _num(r.view, csv.step.grads[s]), sym)
        else:
            _upstream(r, w, out, sv.step.upstream, sums)


def _box_frame(r, gid, svs, w):
    """Explain a collapsed composite as one unit: what enters it, what leaves it."""
    view, sg, _ = r.view, r.sg, r._
    vn = view.node(gid)
    ups = [e for e in view.edges if e.src == gid]
    outs = [e for e in view.edges if e.dst == gid and e.node is not None
            and e.node.requires_grad]  # nothing is sent to a constant
    if vn.kind == "composite":
        said = _("{label} is drawn as one box ({count} nodes inside, {steps} backward "
                 "steps): it steps as one unit.")
    else:  # x − y, x ÷ y: a composite drawn as one op
        said = _("{label} ({composite}) is made of {count} nodes and drawn as one: its "
                 "{steps} backward steps go as one unit.")
    w.p(said.format(label=vn.label, composite=vn.composite, count=len(vn.members),
                    steps=len(svs)))

    def sym_sum(e):
        if sg is None:
            return None
        if e.key == view.output_key:
            return sg.seed
        return sum(sg.steps[r.step_of[n]].grads[s] for n, s in e.targets)

    up_sym = [sym_sum(e) for e in ups]
    out_sym = [sym_sum(e) for e in outs]
    if sg is not None:
        up_txt, out_txt = sg.show_sum(up_sym, out_sym)
    else:
        up_txt, out_txt = [None] * len(ups), [None] * len(outs)
    for e, t in zip(ups, up_txt):
        w.row(_box_upstream(r, e, len(ups) > 1), _num(view, e.grad_data), t)
    single = (len(ups) == 1 and len(outs) == 1 and _is_scalar(ups[0].grad_data)
              and _is_scalar(outs[0].grad_data) and ups[0].grad_data != 0)
    for e, t in zip(outs, out_txt):
        label = r.name(e.node)
        numeric = _num(view, e.grad_data)
        if single:
            local = e.grad_data / ups[0].grad_data
            w.row(_("local") + f" ∂{vn.label}/∂{_wrap(label)}", _num(view, local),
                  sg and sg.text(sg.compact(out_sym[0] / up_sym[0])))
            numeric = f"{_factor(view, ups[0].grad_data)} × {_factor(view, local)} = {numeric}"
        w.row(_("sent to {name}").format(name=label), numeric, t)
    if single:
        local = outs[0].grad_data / ups[0].grad_data
        return _("{label} (one unit): {product} → {name}").format(
            label=vn.label, name=r.name(outs[0].node), product=(
                f"{_factor(view, ups[0].grad_data)} × {_factor(view, local)} = "
                f"{_num(view, outs[0].grad_data)}"))
    return _("{label} (one unit) sends {sends}").format(label=vn.label, sends=", ".join(
        f"{_num(view, e.grad_data)} → {r.name(e.node)}" for e in outs))


def _box_upstream(r, e, several):
    """The label of a gradient entering a box: 'upstream ∂L/∂y1 (from ×)'; an output of
    the box (y1 of softmax) may flow to several consumers."""
    _, view = r._, r.view
    named = e.node is not None and e.node.name
    source = e.key != view.output_key and several
    label = {(False, False): _("upstream"), (True, False): _("upstream {derivative}"),
             (False, True): _("upstream (from {name})"),
             (True, True): _("upstream {derivative} (from {name})")}[(bool(named), source)]
    return label.format(derivative=r.dname(e.node) if named else "",
                        name=view.node(e.dst).label or _("out") if source else "")


# ----------------------------------------------------------------------------- the result

def _final_frame(r, count, declared):
    """The last frame: each variable's gradient and, with the algebra, the result it
    amounts to (∂L/∂a_k = y_k − t_k), numbers put in."""
    view, sg, w, _ = r.view, r.sg, r.writer(), r._
    leaf_steps = {sv.step.node: sv.step for sv in view.steps if sv.step.node.op is None}
    leaves = [vn.members[0] for vn in view.nodes  # in the forward order of the drawing
              if vn.kind == "variable" and vn.members[0] in leaf_steps]
    if any(n.name for n in leaves):
        leaves = [n for n in leaves if n.name]  # an unnamed one is a number typed inline
    values = {k: _factor(view, v) for k, v in _values(r).items()} if sg is not None else {}
    results = []
    for k, node in enumerate(leaves, 1):
        g = leaf_steps[node].upstream
        name = node.name or _("(input {k})").format(k=k)
        numeric, sym = _num(view, g), None
        parts = r.branches(node)
        if len(parts) > 1:  # a variable used more than once: its branches added up
            numeric = f"{_added(view, [sv.step.grads[s] for sv, s in parts])} = {numeric}"
        if sg is not None:
            sym = sg.text(sg.simplified_gradient(node))
            put = _put_in(sym, values)
            if put not in (sym, numeric) and len(parts) < 2:
                numeric = f"{put} = {numeric}"
            results.append((name, sym))
        w.row(f"∂{r.rname}/∂{name}", numeric, sym)
    statement = _statement(r.rname, results) or r.result
    title = _("Result: {statement}").format(statement=statement) if statement else \
        _("All gradients")
    if statement and declared:
        w.p(_("The result: {statement}.").format(statement=statement))
    w.p(_("Every gradient has been sent. A node used more than once adds up the gradients "
          "of its edges."))
    done = {e.key: "done" for e in view.edges}
    caption = title if statement else _("All gradients: {gradients}").format(
        gradients=", ".join(f"{row[0]} = {row[1]}" for row in w.rows()))
    return r.frame(count - 1, count, "final", title, caption, w, None, done,
                   steps=tuple(range(len(view.steps))), heading=_("Result"))


def _values(r):
    """Symbol name -> the number it stands for: named nodes' values, the seed's."""
    values = {n.name: n.data for n in postorder(r.root) if n.name and _is_scalar(n.data)}
    seed = r.sg.seed
    if getattr(seed, "is_Symbol", False):
        values[seed.name] = r.view.seed
    return values


def _put_in(text, values):
    """`text` with every name replaced by its number (`values`: name -> number text):
    y1 − t1 -> 0.01821 − 0."""
    for name in sorted(values, key=len, reverse=True):
        text = re.sub(rf"(?<![\w.∂/]){re.escape(name)}(?![\w(])", values[name], text)
    return text.replace("·", " × ")


def _statement(rname, results):
    """One line for the results: ∂L/∂a_k = y_k − t_k when the rows differ only by their
    index k, else each row; None when there is no algebra or too much to say."""
    if not results:
        return None
    groups = {}
    for name, sym in results:
        m = re.fullmatch(r"(.*?[A-Za-z_])(\d+)", name)
        base, k = (m.group(1), m.group(2)) if m else (name, None)
        groups.setdefault(base, []).append((k, sym))
    lines = []
    for base, rows in groups.items():
        if len(rows) == 1:
            k, sym = rows[0]
            lines.append(f"∂{rname}/∂{_wrap(base + (k or ''))} = {sym}")
            continue
        if any(k is None for k, _ in rows):
            return None
        general = {re.sub(rf"(?<=[A-Za-z]){k}(?!\d)", "_k", sym) for k, sym in rows}
        if len(general) != 1:
            return None
        lines.append(f"∂{rname}/∂{base}_k = {general.pop()}")
    return "; ".join(lines) if len(lines) <= 3 else None


# ----------------------------------------------------------------------------- edge states

def _states(view, shown, current, summing=()):
    """Each edge's state once the sends `shown` ((engine node or StepView, slot) pairs)
    were replayed, `current` among them on screen: 'active' for an edge a current send
    goes along, 'summing' for the branches being added up (`summing`: edge keys), 'done'
    once every send along it was shown, 'pending' otherwise.  The output edge (the seed),
    an edge into a constant and an edge no gradient flows along are simply drawn."""
    shown = {(_node_of(s), slot) for s, slot in shown}
    current = {(_node_of(s), slot) for s, slot in current}
    recorded = {sv.step.node for sv in view.steps}
    states = {}
    for e in view.edges:
        targets = set(e.targets)
        if e.key == view.output_key or e.grad is None or not targets or \
                any(n not in recorded for n, _ in targets) or \
                (e.node is not None and not e.node.requires_grad):
            states[e.key] = "done"
        elif e.key in summing:
            states[e.key] = "summing"
        elif targets & current:
            states[e.key] = "active"
        elif targets <= shown:
            states[e.key] = "done"
        else:
            states[e.key] = "pending"
    return states


def _node_of(s):
    return s.step.node if hasattr(s, "step") else s


def edge_states(view, shown=(), current=()):
    """Each edge's state once the engine steps `shown` (indices into view.steps) were
    replayed, `current` among them being the one on screen: 'active' for the edges a
    current step sends along, 'done' once every step feeding the edge was shown,
    'pending' otherwise.  The output edge (the seed), an edge into a constant and an edge
    no gradient flows along are simply drawn ('done')."""
    def sends(indices):
        return {(view.steps[i].step.node, s) for i in indices
                for s in range(len(view.steps[i].step.grads))}
    return _states(view, sends(set(shown)), sends(set(current)))
