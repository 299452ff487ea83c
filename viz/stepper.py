"""Frames of the backward pass, replayed from autograd's `backward_steps`.

Frame 0 is the forward pass alone; then one frame per drawn operation, in the order the
engine steps through them, each saying: this node, the gradient that arrived from above,
times its local derivative (value and formula, e.g. ∂y/∂x = −1/x² = −y²), gives the
gradient sent to each input; the last frame shows every gradient.  Edges whose gradient
has been sent are drawn done (red gradient), the ones of the current step active, the
others pending (grey).

Nothing here computes a gradient: the numbers are the engine's `Step`s (via the view
model's `View.steps`), the algebra is the same steps run over sympy symbols
(`viz.symbolic`).  A collapsed composite (a box) steps as one unit: every engine step
inside it merges into one frame, whose upstream is what enters the box and whose sent
gradients are what leaves it.

    from viz.stepper import frames
    for f in frames(loss, collapse="sigmoid"):
        print(f.title); print(f.text)
    viz.html.export_steps(loss, "steps.html")  # or .gif, or a folder of .svg/.png
"""
from __future__ import annotations

import html as _html
from dataclasses import dataclass, field

import numpy as np

from autograd import Value
from autograd.graph import postorder
from viz.dot import to_digraph
from viz.model import View, build
from viz.numbers import minus
from viz.render import pipe

__all__ = ["Frame", "as_frames", "edge_states", "frames"]

# symbolic=None turns the algebra on by itself for graphs up to this many op nodes:
# beyond that the expressions grow too long to read (and to simplify quickly)
SYMBOLIC_AUTO_LIMIT = 30


@dataclass(eq=False)
class Frame:
    """One picture of the replay.

    index: 0 .. count-1; kind: 'forward' | 'step' | 'final'; title and one-line
    `caption`; explanation as plain `text` and as `html`; `node_id`: the view node
    highlighted (None for the first and last frames); `edge_states`: edge key ->
    'done' | 'pending' | 'active'; `edge_grads`: edge key -> gradient text overriding
    the view's; `steps`: the engine step indices this frame replays; `rows`: the
    explanation as data (label, numeric, symbolic) for other front ends.
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


def _is_scalar(x):
    return not isinstance(x, np.ndarray) or x.ndim == 0


def _split_formula(formula, n):
    """The primitive's formula split per input ('∂z/∂x = y, ∂z/∂y = x'), when it has one
    clause per input; else the whole formula for each."""
    parts = [p.strip() for p in formula.split(", ")]
    return parts if len(parts) == n else [formula] * n


class _Writer:
    """Builds a frame's explanation as rows, then as text and HTML from the same rows."""

    def __init__(self):
        self.lines = []  # (kind, content): 'p' paragraph, 'row' (label, numeric, symbolic)

    def p(self, text):
        self.lines.append(("p", text))

    def row(self, label, numeric, symbolic=None):
        self.lines.append(("row", (label, numeric, symbolic)))

    def rows(self):
        return [c for k, c in self.lines if k == "row"]

    def text(self, title):
        out = [title]
        for kind, c in self.lines:
            if kind == "p":
                out.append(c)
            else:
                label, numeric, sym = c
                line = f"  {label}: {numeric}"
                if sym:
                    line += f"    [{sym}]"
                out.append(line)
        return "\n".join(out)

    def html(self, title):
        esc = _html.escape
        has_sym = any(c[2] for k, c in self.lines if k == "row")
        parts = [f'<h3 class="frame-title">{esc(title)}</h3>']
        table = []
        for kind, c in self.lines:
            if kind == "p":
                if table:
                    parts.append(self._table(table, has_sym))
                    table = []
                parts.append(f"<p>{esc(c)}</p>")
            else:
                table.append(c)
        if table:
            parts.append(self._table(table, has_sym))
        return "\n".join(parts)

    @staticmethod
    def _table(rows, has_sym):
        esc = _html.escape
        head = "<tr><th></th><th>numeric</th>" + ("<th>symbolic</th>" if has_sym else "")
        body = [head + "</tr>"]
        for label, numeric, sym in rows:
            cells = f'<th scope="row">{esc(label)}</th><td class="num">{esc(numeric)}</td>'
            if has_sym:
                cells += f'<td class="sym">{esc(sym or "")}</td>'
            body.append(f"<tr>{cells}</tr>")
        return '<table class="step-table">' + "".join(body) + "</table>"


# ----------------------------------------------------------------------------- frames

def _symbolic_graph(root, view, symbolic, given):
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
    if "seed" not in options and _is_scalar(seed) and float(seed) != 1.0:
        options["seed"] = float(seed)
    from viz.symbolic import symbolic as make
    return make(root, **options)


def _groups(view):
    """Engine steps grouped by the drawn node they happen at (op or box), in a causal
    order: a group comes after every group that sends it a gradient (its consumers),
    and otherwise in the order the engine finished it.  Leaves are not groups: their
    gradient is on their edges already."""
    kinds = {vn.id: vn.kind for vn in view.nodes}
    groups = {}
    for sv in view.steps:
        if kinds[sv.node_id] in ("op", "composite") and sv.step.node.op is not None:
            groups.setdefault(sv.node_id, []).append(sv)
    last = {gid: max(sv.index for sv in svs) for gid, svs in groups.items()}
    consumers = {gid: set() for gid in groups}  # group -> groups that send it gradients
    for gid, svs in groups.items():
        for sv in svs:
            for p in sv.step.node.parents:
                other = view.node_id(p)
                if other != gid and other in groups:
                    consumers[other].add(gid)
    # the one traversal, over groups: each after its consumers, ties in the engine's order
    by_last = sorted(groups, key=last.__getitem__)
    order = postorder(by_last, lambda gid: sorted(consumers[gid], key=last.__getitem__))
    return [(gid, groups[gid]) for gid in order]


def _input_label(view, node, slot):
    p = node.parents[slot]
    if p.name:
        return p.name
    vn = view.node(view.node_id(p))
    if vn.kind == "constant":
        return f"the constant {minus(vn.label)}"
    if vn.kind in ("op", "composite") and vn.label:
        return f"the {vn.label} node's output" if vn.kind == "op" else f"{vn.label}'s output"
    return f"input {slot + 1}"


def _node_title(vn, node=None):
    if vn.kind == "composite":
        return f"the {vn.label} box"
    name = f" {node.name}" if node is not None and node.name else ""
    return f"the {vn.label} node{name} ({vn.op})" if vn.label != vn.op else \
        f"the {vn.label} node{name}"


def _op_frame(view, sv, sg, w, dname):
    """Explain one engine step at an op node: upstream × local = sent, per input."""
    step, node = sv.step, sv.step.node
    vn = view.node(sv.node_id)
    ins = ", ".join(f"{_input_label(view, node, i)} = {_num(view, p.data)}"
                    for i, p in enumerate(node.parents))
    w.p(f"Forward: {ins} → {vn.label} → {_num(view, node.data)}.")
    sym = sg.show(sg.steps[step.index]) if sg is not None else None
    w.row(f"upstream {dname(node)}".rstrip(), _num(view, step.upstream),
          sym and sym.upstream)
    formulas = _split_formula(minus(step.formula), len(node.parents))
    local = step.local
    scalar = _is_scalar(step.upstream)
    summary = []
    for i in range(len(node.parents)):
        label = _input_label(view, node, i)
        w.row(f"local {formulas[i]}", _num(view, local[i]) if scalar else "(array)",
              sym and sym.local[i])
        if scalar:
            numeric = (f"{_factor(view, step.upstream)} × {_factor(view, local[i])} = "
                       f"{_num(view, step.grads[i])}")
        else:
            numeric = _num(view, step.grads[i])
        w.row(f"sent to {label}", numeric, sym and sym.sent[i])
        summary.append(f"{label}: {_num(view, step.grads[i])}")
    if len(node.parents) == 1 and scalar:
        caption = (f"{vn.label}: {_factor(view, step.upstream)} × "
                   f"{_factor(view, local[0])} = {_num(view, step.grads[0])}  "
                   f"({formulas[0]})")
    else:
        caption = f"{vn.label}: upstream {_num(view, step.upstream)} → " + \
            ", ".join(summary)
    return caption


def _box_frame(view, gid, svs, sg, w, step_of, rname):
    """Explain a collapsed composite as one unit: what enters it, what leaves it."""
    vn = view.node(gid)
    ups = [e for e in view.edges if e.src == gid]
    outs = [e for e in view.edges if e.dst == gid]
    if vn.kind == "composite":
        w.p(f"{vn.label} is drawn as one box ({len(vn.members)} nodes inside, "
            f"{len(svs)} backward steps): it steps as one unit.")
    else:  # x − y, x ÷ y: a composite drawn as one op
        w.p(f"{vn.label} ({vn.composite}) is made of {len(vn.members)} nodes and drawn as "
            f"one: its {len(svs)} backward steps go as one unit.")

    def sym_sum(e):
        if sg is None:
            return None
        if e.key == view.output_key:
            return sg.seed
        return sum(sg.steps[step_of[n]].grads[s] for n, s in e.targets)

    up_sym = [sym_sum(e) for e in ups]
    out_sym = [sym_sum(e) for e in outs]
    if sg is not None:
        up_txt, out_txt = sg.show_sum(up_sym, out_sym)
    else:
        up_txt, out_txt = [None] * len(ups), [None] * len(outs)
    for e, t in zip(ups, up_txt):
        # an output of the box (y1 of softmax) may flow to several consumers
        out = e.node.name if e.node is not None and e.node.name else None
        into = f" ∂{rname}/∂{out}" if out else ""
        if e.key != view.output_key and len(ups) > 1:
            into += f" (from {view.node(e.dst).label or 'out'})"
        w.row(f"upstream{into}", _num(view, e.grad_data), t)
    single = (len(ups) == 1 and len(outs) == 1 and _is_scalar(ups[0].grad_data)
              and _is_scalar(outs[0].grad_data))
    for e, t in zip(outs, out_txt):
        label = _edge_input(view, e)
        if single and ups[0].grad_data != 0:
            local = e.grad_data / ups[0].grad_data
            w.row(f"local ∂{vn.label}/∂{label}", _num(view, local),
                  sg and sg.text(sg.compact(out_sym[0] / up_sym[0])))
            numeric = (f"{_factor(view, ups[0].grad_data)} × {_factor(view, local)} = "
                       f"{_num(view, e.grad_data)}")
        else:
            numeric = _num(view, e.grad_data)
        w.row(f"sent to {label}", numeric, t)
        last = (label, local if single and ups[0].grad_data != 0 else None)
    if len(outs) == 1 and last[1] is not None:
        return (f"{vn.label} (one unit): {_factor(view, ups[0].grad_data)} × "
                f"{_factor(view, last[1])} = {_num(view, outs[0].grad_data)} → {last[0]}")
    return f"{vn.label} (one unit) sends " + ", ".join(
        f"{_num(view, e.grad_data)} → {_edge_input(view, e)}" for e in outs)


def _edge_input(view, e):
    if e.node is not None and e.node.name:
        return e.node.name
    src = view.node(e.src)
    if src.kind == "op":
        return f"the {src.label} node's output"
    return minus(src.label) or "input"


def as_frames(source, **options):
    """A list of Frames: `source` itself when it is one (then no options apply), else
    frames(source, **options)."""
    if isinstance(source, (list, tuple)) and source and isinstance(source[0], Frame):
        if options:
            raise TypeError(f"options {sorted(options)} apply to a node, not to frames")
        return list(source)
    return frames(source, **options)


class _Replay:
    """What every frame of one replay shares: the view, the algebra, the root's name."""

    def __init__(self, root, view, sg, draw):
        self.root, self.view, self.sg, self.draw = root, view, sg, draw
        self.rname = root.name or "L"
        self.step_of = {sv.step.node: sv.index for sv in view.steps}

    def dname(self, node):
        """∂L/∂node when the node has a name ('' when not)."""
        if node is self.root:
            return f"∂{self.rname}/∂{self.rname}"
        return f"∂{self.rname}/∂{node.name}" if node.name else ""

    def frame(self, index, count, kind, title, caption, w, node_id, states, **kw):
        return Frame(index, count, kind, title, caption, w.text(title), w.html(title),
                     node_id, states, rows=w.rows(), view=self.view, draw_options=self.draw,
                     **kw)


def frames(root, *, expand=None, collapse=None, depth=None, symbolic=None, given=None,
           seed=None, fmt=None, preview=True, rankdir="LR", notes=True, **draw_options):
    """The backward pass of `root` as a list of Frames (see the module docstring).

    expand / collapse / depth / seed / fmt / preview: as viz.model.build (collapsed
        composites step as one unit).
    symbolic: None (the algebra beside the numbers when sympy is installed and the
        graph is small and scalar), True, False, a dict of viz.symbolic.symbolic()
        options (seed='∂L/∂y', names=...), or a SymbolicGraph.
    given: relations the algebra may use, e.g. 't1 + t2 + t3 = 1'.
    rankdir, notes (write the local derivative beside the highlighted node) and
        draw_options: passed on to viz.dot.to_digraph when a frame is rendered.
    """
    view = build(root, expand=expand, collapse=collapse, depth=depth, grads=True,
                 seed=seed, fmt=fmt, preview=preview)
    sg = _symbolic_graph(root, view, symbolic, given)
    if sg is not None:
        for sv, ss in zip(view.steps, sg.steps):
            if sv.step.node is not ss.node:  # the same walk over the same graph
                raise RuntimeError("symbolic steps are not aligned with the numeric ones")
    replay = _Replay(root, view, sg, dict(draw_options, rankdir=rankdir))
    order = _groups(view)
    count = len(order) + 2
    result = [_forward_frame(replay, count)]
    shown = set()
    for k, (gid, svs) in enumerate(order, start=1):
        current = {sv.index for sv in svs}
        shown |= current
        result.append(_step_frame(replay, k, count, gid, svs, shown, current, notes))
    result.append(_final_frame(replay, count))
    return result


def _forward_frame(r, count):
    """Frame 0: values only, every gradient still to come."""
    view, w = r.view, _Writer()
    w.p("The forward pass: each edge carries its value (above the line). The backward "
        f"pass starts at the output with ∂{r.rname}/∂{r.rname} = {_num(view, view.seed)} "
        "and sends gradients back along the edges (red, below the line).")
    pending = {e.key: "pending" for e in view.edges}
    title = f"Forward pass: {r.rname} = {_num(view, r.root.data)}"
    return r.frame(0, count, "forward", title, title, w, None, pending)


def _step_frame(r, k, count, gid, svs, shown, current, notes):
    """Frame k: the backward step(s) at drawn node `gid` (an op, or a box as one unit)."""
    view, w = r.view, _Writer()
    vn = view.node(gid)
    if vn.kind == "composite" or len(svs) > 1:
        caption = _box_frame(view, gid, svs, r.sg, w, r.step_of, r.rname)
        node_title = _node_title(vn)
    else:
        caption = _op_frame(view, svs[0], r.sg, w, r.dname)
        node_title = _node_title(vn, svs[0].step.node)
    title = f"Backward: {node_title}"
    note = {}
    # beside a one-input node, "×local" reads as the book's multiply-by; with two
    # inputs the two factors would not say which edge each belongs to
    one = svs[0].step
    if notes and len(svs) == 1 and len(one.grads) == 1 and _is_scalar(one.upstream):
        note[gid] = f"×{_factor(view, one.local[0])}"
    return r.frame(k, count, "step", title, caption, w, gid,
                   edge_states(view, shown, current), notes=note,
                   steps=tuple(sorted(current)))


def _final_frame(r, count):
    """The last frame: every gradient, and each variable's total."""
    view, sg, w = r.view, r.sg, _Writer()
    w.p("Every gradient has been sent. A node used more than once adds up the gradients "
        "of its edges.")
    leaf_steps = {sv.step.node: sv.step for sv in view.steps if sv.step.node.op is None}
    leaves = [vn.members[0] for vn in view.nodes  # in the forward order of the drawing
              if vn.kind == "variable" and vn.members[0] in leaf_steps]
    if any(n.name for n in leaves):
        leaves = [n for n in leaves if n.name]  # an unnamed one is a number typed inline
    for k, node in enumerate(leaves, 1):
        sym = sg.text(sg.simplified_gradient(node)) if sg is not None else None
        name = node.name or f"(input {k})"
        w.row(f"∂{r.rname}/∂{name}", _num(view, leaf_steps[node].upstream), sym)
    title = "All gradients"
    done = {e.key: "done" for e in view.edges}
    caption = "All gradients: " + ", ".join(f"{row[0]} = {row[1]}" for row in w.rows())
    return r.frame(count - 1, count, "final", title, caption, w, None, done,
                   steps=tuple(range(len(view.steps))))


def edge_states(view, shown=(), current=()):
    """Each edge's state once the engine steps `shown` (indices into view.steps) were
    replayed, `current` among them being the one on screen: 'active' for the edges a
    current step sends along, 'done' once every step feeding the edge was shown,
    'pending' otherwise.  The output edge (the seed) and an edge no gradient flows
    along are simply drawn ('done')."""
    shown, current = set(shown), set(current)
    step_of = {sv.step.node: sv.index for sv in view.steps}
    states = {}
    for e in view.edges:
        if e.key == view.output_key:
            states[e.key] = "done"  # the seed: known before the first step
            continue
        feeding = {step_of.get(n) for n, _ in e.targets}
        if e.grad is None or not feeding or None in feeding:
            states[e.key] = "done"
        elif feeding & current:
            states[e.key] = "active"
        elif feeding <= shown:
            states[e.key] = "done"
        else:
            states[e.key] = "pending"
    return states
