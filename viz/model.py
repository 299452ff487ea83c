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

import numbers
from dataclasses import dataclass, field

import numpy as np

from autograd import Node, backward_steps
from autograd.graph import postorder
from viz.numbers import constant_text, format_data, format_number, make_formatter

__all__ = ["ARITHMETIC", "Cluster", "StepView", "View", "ViewEdge", "ViewNode", "build"]

# Composites that are plain arithmetic: drawn by default as one op circle with a symbol
# (x − y is x + y·(−1) inside, which says nothing a learner needs at that point).
ARITHMETIC = {"neg": "−", "sub": "−", "div": "÷", "mean": "mean"}

# The book's symbols where they differ from the primitive's own label (figure 5-19 draws
# 1/x as a "/" node, figure 5-7 draws t² as "**2").
_BOOK_LABELS = {"reciprocal": "/"}

KINDS = ("op", "variable", "constant", "composite", "output")


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


def _check_options(root, depth, grads):
    if not isinstance(root, Node):
        raise TypeError(f"draw() needs a Value or Tensor, got {type(root).__name__}")
    if depth is not None and (not isinstance(depth, numbers.Integral) or depth < 0):
        raise ValueError(f"depth must be a non-negative int, got {depth!r}")
    if grads not in (True, False, "auto"):
        raise ValueError(f"grads must be True, False or 'auto', got {grads!r}")


class _Builder:
    """Fills a View from the graph, one small method per drawn element (an op, a leaf, a
    collapsed box, a cluster, an edge, the output), in the forward order."""

    def __init__(self, view, expand, collapse, depth):
        self.view = view
        self.expand, self.collapse = _names(expand, "expand"), _names(collapse, "collapse")
        self.depth = depth
        self.opened = {}  # scope frame -> drawn opened?  (the same on all of its nodes)
        self.clusters = {}  # opened frame -> Cluster
        self.boxes = {}  # collapsed frame -> its ViewNode
        self.members = {}  # box id -> engine nodes inside, in order
        self.merged = {}  # (input, box id) -> the one edge into the box
        self.parallel = {}  # (src, dst) -> edges so far (x*x draws two)

    def is_opened(self, name, level):
        if self.collapse == "all" or name in self.collapse:
            return False
        if self.expand == "all" or name in self.expand:
            return True
        if name in ARITHMETIC:
            return False
        return self.depth is None or level < self.depth

    def new_node(self, **kw):
        view = self.view
        vn = ViewNode(id=f"n{len(view.nodes)}", **kw)
        view.nodes.append(vn)
        view._nodes_by_id[vn.id] = vn
        return vn

    def place(self, n):
        """(id of the innermost opened cluster around `n`, the collapsed frame holding
        it or None), making the clusters on the way."""
        parent = None
        for level, frame in enumerate(n.scope):
            if frame not in self.opened:
                self.opened[frame] = self.is_opened(frame[0], level)
            if not self.opened[frame]:
                return parent, frame
            if frame not in self.clusters:
                view = self.view
                c = Cluster(f"c{len(view.clusters)}", frame[0], parent, level)
                view.clusters.append(c)
                self.clusters[frame] = c
            parent = self.clusters[frame].id
        return parent, None

    def node(self, n):
        cid, box = self.place(n)
        if box is not None:
            vn = self.box(box, cid)
            self.members[vn.id].append(n)
        elif n.op is not None:
            vn = self.op(n, cid)
        else:
            vn = self.leaf(n, cid)
        self.view._node_ids[n] = vn.id

    def box(self, frame, cid):
        """A collapsed composite: one box (or one op symbol for the arithmetic ones)."""
        vn = self.boxes.get(frame)
        if vn is None:
            name = frame[0]
            arith = name in ARITHMETIC
            vn = self.boxes[frame] = self.new_node(
                kind="op" if arith else "composite",
                label=ARITHMETIC[name] if arith else name, cluster=cid, op=name,
                composite=name, tooltip=f"{name} (collapsed)")
            self.members[vn.id] = []
        return vn

    def op(self, n, cid):
        return self.new_node(kind="op", label=_op_label(n), cluster=cid, op=n.op.name,
                             formula=n.op.formula, tooltip=f"{n.op.name}: {n.op.formula}",
                             members=(n,))

    def leaf(self, n, cid):
        view = self.view
        constant = not n.requires_grad or bool(n.scope and not n.name)
        text = format_data(n.data, view.format, view.preview)
        if constant:
            label = n.name or constant_text(n.data, view.format, view.preview)
        else:
            label = n.name or ""
        return self.new_node(kind="constant" if constant else "variable", label=label,
                             cluster=cid, tooltip=f"{n.name} = {text}" if n.name else text,
                             members=(n,))

    def close_boxes(self):
        for vn in self.boxes.values():
            vn.members = tuple(self.members[vn.id])  # a list while building: no O(n²)
            if vn.composite not in ARITHMETIC:
                vn.tooltip = f"{vn.composite} (collapsed, {len(vn.members)} nodes inside)"

    def edges_into(self, n):
        """Into an op each input slot is its own edge (x*x draws two arrows, one gradient
        each); into a collapsed composite one edge per distinct input, its gradient the
        sum over the uses inside."""
        view = self.view
        dst = view._node_ids[n]
        into_box = view._nodes_by_id[dst].composite is not None
        for slot, p in enumerate(n.parents):
            src = view._node_ids[p]
            if src == dst:
                continue  # inside a collapsed composite
            e = self.merged.get((p, dst)) if into_box else None
            if e is not None:
                e.targets += ((n, slot),)
            else:
                e = self.edge(p, n, slot, src, dst)
                if into_box:
                    self.merged[(p, dst)] = e
            view._edge_keys[(n, slot)] = e.key

    def edge(self, p, n, slot, src, dst):
        view = self.view
        k = self.parallel.get((src, dst), 0)
        self.parallel[(src, dst)] = k + 1
        key = f"{src}->{dst}" + (f"#{k + 1}" if k else "")
        kind = "constant" if view._nodes_by_id[src].kind == "constant" else "data"
        e = ViewEdge(key, src, dst, kind, view.format_value(p.data), node=p,
                     value_data=p.data, targets=((n, slot),))
        view.edges.append(e)
        view._edges_by_key[key] = e
        return e

    def output(self, root):
        """The 'out' node after the root, and the edge carrying the result to it."""
        view = self.view
        view.root_id = view._node_ids[root]
        out = ViewNode("out", "output", root.name or "", tooltip="output")
        view.nodes.append(out)
        view._nodes_by_id["out"] = out
        oe = ViewEdge(f"{view.root_id}->out", view.root_id, "out", "output",
                      view.format_value(root.data), node=root, value_data=root.data)
        view.edges.append(oe)
        view._edges_by_key[oe.key] = oe
        view.output_key = oe.key


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
    _check_options(root, depth, grads)
    view = View()
    view.root = root
    view.format = make_formatter(fmt)
    view.preview = preview
    builder = _Builder(view, expand, collapse, depth)
    # every node (constants too), inputs first, first input's subgraph first: the order
    # a reader follows the forward pass, so ids are stable
    order = postorder(root)
    for n in order:
        builder.node(n)
    builder.close_boxes()
    for n in order:
        if n.op is not None:
            builder.edges_into(n)
    builder.output(root)
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
