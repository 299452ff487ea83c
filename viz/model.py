"""Graph -> a plain view model: what to draw, with no Graphviz in it.

`build(root)` walks the graph from `root` and returns a `View`: nodes (op circles,
variables, constants, collapsed composites), edges input -> consumer carrying the forward
value of the input and the gradient sent along that very edge, and clusters for expanded
composites.  `viz.dot` turns a View into Graphviz; the stepper replays `View.steps`.

Gradients come from `autograd.backward_steps(root)`: the gradient on an edge is what the
consumer's step sent to that input (`step.grads[i]`), so a node used twice shows each
branch's share on its own edge, and their sum is the node's `.grad`.

Ids are positions in one deterministic walk (never `id()`), so the same graph built twice
gives the same view and the same DOT text.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from autograd import Node, backward_steps

__all__ = [
    "ARITHMETIC", "Cluster", "StepView", "View", "ViewEdge", "ViewNode", "build",
    "format_data", "format_number", "make_formatter",
]

# Composites that are plain arithmetic: drawn by default as one op circle with a symbol
# (x − y is x + y·(−1) inside, which says nothing a learner needs at that point).
ARITHMETIC = {"neg": "−", "sub": "−", "div": "÷", "mean": "mean"}

# The book's symbols where they differ from the primitive's own label (figure 5-19 draws
# 1/x as a "/" node, figure 5-7 draws t² as "**2").
_BOOK_LABELS = {"reciprocal": "/"}

KINDS = ("op", "variable", "constant", "composite", "output")


# ----------------------------------------------------------------------------- numbers

def format_number(x, digits=4):
    """The book's way of writing numbers: up to `digits` significant digits, whole
    numbers without ".0" (715, 2.2, 110, 1.1, 0.7311, 1e-07 -> 1e-7)."""
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0:
        return "0"  # also -0.0
    # never put a number like 12345.6 in exponent form: keep every integer digit
    whole = len(str(int(abs(x)))) if 1 <= abs(x) < 1e7 else 0
    text = f"{x:.{max(digits, whole)}g}"
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant}e{int(exp)}"
    return text


def make_formatter(fmt=None):
    """A number formatter from `fmt`: None (the book's 4 significant digits), an int
    (that many significant digits), a format spec like ".3f", or a callable."""
    if fmt is None:
        return format_number
    if callable(fmt):
        return fmt
    if isinstance(fmt, numbers.Integral) and not isinstance(fmt, bool):
        if fmt < 1:
            raise ValueError(f"fmt: need at least 1 significant digit, got {fmt}")
        return lambda x: format_number(x, int(fmt))
    if isinstance(fmt, str):
        format(1.5, fmt)  # a bad spec fails here, not in the middle of drawing
        return lambda x: format(float(x), fmt)
    raise TypeError(f"fmt must be None, an int, a format spec or a callable, got {fmt!r}")


def format_data(data, fmt=format_number, preview=True):
    """A value as edge text: a number, or an array's shape with a compact preview
    ((2,) [0.6, 0.9]; (100, 10) [[0.12, …]]).  preview=False gives the shape only."""
    if not isinstance(data, np.ndarray):
        return fmt(data)
    if data.ndim == 0:
        return fmt(data.item())
    shape = "(" + ", ".join(str(n) for n in data.shape) + ("," if data.ndim == 1 else "") + ")"
    if not preview or data.size == 0:
        return shape
    if data.size <= 4:
        return f"{shape} {_nested(data, fmt)}"
    first = fmt(data.flat[0])
    return f"{shape} {'[' * data.ndim}{first}, …{']' * data.ndim}"


def _nested(a, fmt):
    if a.ndim == 0:
        return fmt(a.item())
    return "[" + ", ".join(_nested(x, fmt) for x in a) + "]"


def _constant_text(data, fmt, preview):
    # a broadcast constant (the −1 of sigmoid on a Tensor) reads better as one number
    if isinstance(data, np.ndarray) and data.size and np.all(data == data.flat[0]):
        return fmt(data.flat[0])
    return format_data(data, fmt, preview)


# ----------------------------------------------------------------------------- the model

@dataclass(eq=False)
class ViewNode:
    """One drawn node.  `members` are the engine nodes it stands for: one for an op or a
    leaf, every inner node for a collapsed composite."""

    id: str
    kind: str  # 'op' | 'variable' | 'constant' | 'composite' | 'output'
    label: str
    cluster: str | None = None  # innermost expanded composite around it
    op: str | None = None  # primitive name, or the composite's name when collapsed
    composite: str | None = None  # set when this node is a collapsed composite
    formula: str = ""  # the local derivative, as the primitive states it
    tooltip: str = ""
    members: tuple = field(default=(), repr=False)


@dataclass(eq=False)
class ViewEdge:
    """Input -> consumer.  `value` is the input's forward value as text, `grad` the
    gradient sent back along this edge (None when gradients are off).  `targets` lists
    the (consumer engine node, input slot) pairs whose step.grads make up `grad`: one,
    or several when a collapsed composite uses the input more than once."""

    key: str
    src: str
    dst: str
    kind: str  # 'data' | 'constant' | 'output'
    value: str
    grad: str | None = None
    node: Node | None = field(default=None, repr=False)  # whose value flows here
    value_data: object = field(default=None, repr=False)
    grad_data: object = field(default=None, repr=False)
    targets: tuple = field(default=(), repr=False)


@dataclass(eq=False)
class Cluster:
    """An expanded composite call, drawn as a labelled box around its nodes."""

    id: str
    label: str
    parent: str | None
    depth: int


@dataclass(eq=False)
class StepView:
    """One step of the backward pass, placed on the view: the engine `step`, the view node
    it happens at, and the edge keys its `step.grads` go to (None for a gradient that
    stays inside a collapsed composite), in input order."""

    index: int
    step: object = field(repr=False)
    node_id: str
    edge_keys: tuple


class View:
    """The drawable graph, free of any drawing option (those live in viz.dot).

    `nodes`, `edges`, `clusters`: lists in a deterministic order; `root`, `root_id`;
    `output_key`: the edge out of the root to the 'out' node; `grads`: True when
    gradients were computed, from `seed`; `steps`: one StepView per backward step
    (empty without gradients); `format`: the number formatter of the edges."""

    def __init__(self):
        self.nodes, self.edges, self.clusters, self.steps = [], [], [], []
        self.root = None
        self.root_id = None
        self.output_key = None
        self.grads = False
        self.seed = None
        self.format = format_number
        self.preview = True
        self._node_ids = {}  # engine node -> view node id
        self._edge_keys = {}  # (engine consumer, slot) -> edge key
        self._nodes_by_id = {}
        self._edges_by_key = {}

    def node(self, node_id):
        return self._nodes_by_id[node_id]

    def edge(self, key):
        return self._edges_by_key[key]

    def node_id(self, node):
        """The view node drawing engine node `node` (the box, inside a collapsed
        composite), or None when `node` is not in this graph."""
        return self._node_ids.get(node)

    def edge_key(self, consumer, slot):
        """The key of the edge carrying `consumer.parents[slot]` into `consumer`, or None
        when that edge lies inside a collapsed composite."""
        return self._edge_keys.get((consumer, slot))

    def format_value(self, data):
        """Format a value or gradient the way this view formats its edges."""
        return format_data(data, self.format, self.preview)

    def edge_states(self, k):
        """Edge states after backward step `k` (-1: before the first step), for
        viz.dot.to_digraph: 'done' once every contribution to the edge's gradient was
        sent, 'active' for the edges step k sends to, else 'pending'.  Also returns the
        gradient text so far (a partial sum for an edge fed by several steps)."""
        states, partial = {}, {}
        for e in self.edges:
            states[e.key] = "pending"
        if self.output_key is not None:
            states[self.output_key] = "done"
        sums, counts = {}, {}
        for sv in self.steps[:k + 1]:
            for i, key in enumerate(sv.edge_keys):
                if key is None:
                    continue
                g = sv.step.grads[i]
                sums[key] = g if key not in sums else sums[key] + g
                counts[key] = counts.get(key, 0) + 1
        for key, n in counts.items():
            e = self._edges_by_key[key]
            states[key] = "done" if n == len(e.targets) else "active"
            partial[key] = self.format_value(sums[key])
        if 0 <= k < len(self.steps):
            for key in self.steps[k].edge_keys:
                if key is not None:
                    states[key] = "active"
        return states, partial

    def __repr__(self):
        return (f"<View {len(self.nodes)} nodes, {len(self.edges)} edges, "
                f"{len(self.clusters)} clusters, grads={self.grads}>")


# ----------------------------------------------------------------------------- building

def _names(spec, what):
    """expand=/collapse= arguments: None, True / 'all', a name, or names."""
    if spec is None or spec is False:
        return frozenset()
    if spec is True or spec == "all":
        return "all"
    if isinstance(spec, str):
        return frozenset((spec,))
    try:
        names = frozenset(spec)
    except TypeError:
        raise TypeError(f"{what} must be None, 'all', a composite name or a list of "
                        f"names, got {spec!r}") from None
    return "all" if "all" in names else names


def _forward_order(root):
    """Every node reachable from root (constants too), inputs before consumers, first
    input's subgraph first: the order a reader follows the forward pass.  Iterative."""
    order, seen = [], {root}
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for p in parents:
            if p not in seen:
                seen.add(p)
                stack.append((p, iter(p.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def _op_label(node):
    op = node.op
    if op.name == "pow":
        p = (node.params or {}).get("p")
        return f"**{format_number(p)}"
    return _BOOK_LABELS.get(op.name, op.label)


def _default_seed(root):
    if isinstance(root.data, np.ndarray):
        return np.ones_like(root.data)
    return 1.0


def _has_grad(g):
    if g is None:
        return False
    if isinstance(g, np.ndarray):
        return bool(g.size) and bool(np.any(g != 0))
    return g != 0


def build(root, *, expand=None, collapse=None, depth=None, grads="auto", seed=None,
          fmt=None, preview=True):
    """The view of the graph that computed `root`.

    expand, collapse: composite names (or 'all') to draw opened up as a labelled cluster,
        or shut as one box.  collapse wins over expand; a collapsed composite hides every
        composite inside it.
    depth: composites nested deeper than `depth` are collapsed (0: every composite is a
        box; 1: the outermost ones are opened, the ones inside them are boxes).
    By default every composite is opened, except the arithmetic ones (neg, sub, div,
        mean), which are drawn as a single op (−, ÷, mean) unless named in `expand`
        (or expand='all').
    grads: True, False, or 'auto' (when root has a gradient, i.e. after backward()).
    seed: the gradient to start from; default root.grad when it is set, else 1 (ones for
        a Tensor).  The gradients drawn are those of a backward pass from root with it.
    fmt: number format (see make_formatter); preview: False shows only array shapes.
    """
    if not isinstance(root, Node):
        raise TypeError(f"draw() needs a Value or Tensor, got {type(root).__name__}")
    if depth is not None and (not isinstance(depth, numbers.Integral) or depth < 0):
        raise ValueError(f"depth must be a non-negative int, got {depth!r}")
    if grads not in (True, False, "auto"):
        raise ValueError(f"grads must be True, False or 'auto', got {grads!r}")
    view = View()
    view.root = root
    view.format = make_formatter(fmt)
    view.preview = preview
    expand, collapse = _names(expand, "expand"), _names(collapse, "collapse")

    def opened(name, level):
        if collapse == "all" or name in collapse:
            return False
        if expand == "all" or name in expand:
            return True
        if name in ARITHMETIC:
            return False
        return depth is None or level < depth

    order = _forward_order(root)
    decided = {}  # frame -> opened?  (a frame's level is the same on all its nodes)
    cluster_of = {}  # frame -> Cluster
    groups = {}  # box frame -> ViewNode
    box_members = {}

    def new_node(**kw):
        vn = ViewNode(id=f"n{len(view.nodes)}", **kw)
        view.nodes.append(vn)
        view._nodes_by_id[vn.id] = vn
        return vn

    for n in order:
        parent_cluster, box = None, None
        for level, frame in enumerate(n.scope):
            if frame not in decided:
                decided[frame] = opened(frame[0], level)
            if not decided[frame]:
                box = frame
                break
            if frame not in cluster_of:
                c = Cluster(f"c{len(view.clusters)}", frame[0],
                            parent_cluster.id if parent_cluster else None, level)
                view.clusters.append(c)
                cluster_of[frame] = c
            parent_cluster = cluster_of[frame]
        cid = parent_cluster.id if parent_cluster else None
        if box is not None:
            vn = groups.get(box)
            if vn is None:
                name = box[0]
                arith = name in ARITHMETIC
                vn = groups[box] = new_node(
                    kind="op" if arith else "composite",
                    label=ARITHMETIC[name] if arith else name, cluster=cid, op=name,
                    composite=name, tooltip=f"{name} (collapsed)")
                box_members[vn.id] = []
            box_members[vn.id].append(n)
        elif n.op is not None:
            vn = new_node(kind="op", label=_op_label(n), cluster=cid, op=n.op.name,
                          formula=n.op.formula, tooltip=f"{n.op.name}: {n.op.formula}",
                          members=(n,))
        else:
            constant = not n.requires_grad or bool(n.scope and not n.name)
            text = format_data(n.data, view.format, preview)
            if constant:
                label = n.name or _constant_text(n.data, view.format, preview)
            else:
                label = n.name or ""
            vn = new_node(kind="constant" if constant else "variable", label=label,
                          cluster=cid, tooltip=f"{n.name} = {text}" if n.name else text,
                          members=(n,))
        view._node_ids[n] = vn.id
    for vn in view.nodes:
        if vn.composite:
            vn.members = tuple(box_members[vn.id])  # a list while building: no O(n²)
            if vn.composite not in ARITHMETIC:
                vn.tooltip = f"{vn.composite} (collapsed, {len(vn.members)} nodes inside)"

    # Edges, in the consumers' forward order.  Into an op each input slot is its own
    # edge (x*x draws two arrows, one gradient each); into a collapsed composite one
    # edge per distinct input, its gradient the sum over the uses inside.
    merged = {}
    parallel = {}
    for n in order:
        if n.op is None:
            continue
        dst = view._node_ids[n]
        into_box = view._nodes_by_id[dst].composite is not None
        for slot, p in enumerate(n.parents):
            src = view._node_ids[p]
            if src == dst:
                continue  # inside a collapsed composite
            if into_box and (p, dst) in merged:
                e = merged[(p, dst)]
                e.targets += ((n, slot),)
                view._edge_keys[(n, slot)] = e.key
                continue
            k = parallel.get((src, dst), 0)
            parallel[(src, dst)] = k + 1
            key = f"{src}->{dst}" + (f"#{k + 1}" if k else "")
            kind = "constant" if view._nodes_by_id[src].kind == "constant" else "data"
            e = ViewEdge(key, src, dst, kind, format_data(p.data, view.format, preview),
                         node=p, value_data=p.data, targets=((n, slot),))
            view.edges.append(e)
            view._edges_by_key[key] = e
            view._edge_keys[(n, slot)] = key
            if into_box:
                merged[(p, dst)] = e

    view.root_id = view._node_ids[root]
    out = ViewNode("out", "output", root.name or "", tooltip="output")
    view.nodes.append(out)
    view._nodes_by_id["out"] = out
    oe = ViewEdge(f"{view.root_id}->out", view.root_id, "out", "output",
                  format_data(root.data, view.format, preview), node=root,
                  value_data=root.data)
    view.edges.append(oe)
    view._edges_by_key[oe.key] = oe
    view.output_key = oe.key

    if grads == "auto":
        grads = root.requires_grad and _has_grad(root.grad)
    if grads and root.requires_grad:
        _add_grads(view, root, seed)
    return view


def _add_grads(view, root, seed):
    if seed is None:
        seed = root.grad if _has_grad(root.grad) else _default_seed(root)
    view.grads = True
    view.seed = seed
    sums = {}
    for step in backward_steps(root, seed):
        keys = []
        for slot, g in enumerate(step.grads):
            key = view._edge_keys.get((step.node, slot))
            keys.append(key)
            if key is not None:
                sums[key] = g if key not in sums else sums[key] + g
        view.steps.append(StepView(step.index, step, view._node_ids[step.node], tuple(keys)))
    for e in view.edges:
        if e.key in sums:
            e.grad_data = sums[e.key]
            e.grad = view.format_value(e.grad_data)
    oe = view._edges_by_key[view.output_key]
    oe.grad_data = seed
    oe.grad = view.format_value(seed)
