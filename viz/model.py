"""Graph -> a plain view model: what to draw, with no Graphviz in it.

`build(root)` walks the graph from `root` and returns a `View`: nodes (op circles,
variables, constants, collapsed composites), edges input -> consumer carrying the forward
value of the input and the gradient sent along that very edge, and clusters for expanded
composites.  `viz.dot` turns a View into Graphviz; the stepper replays `View.steps`.

Gradients come from `autograd.backward_steps(root)`: the gradient on an edge is what the
consumer's step sent to that input (`step.grads[i]`), so a node used twice shows each
branch's share on its own edge, and their sum is the node's `.grad`.

A value used by several consumers is also a `ViewFork`: the book draws it as one line
that branches (figure A-5), the trunk carrying the value and the sum of the gradients
that come back, each branch its own share.

The model holds numbers and structure only.  Symbolic labels (`value_sym`, `grad_sym`
as text, `value_expr`, `grad_exprs` as sympy expressions, `View.notes`) are the
derivation's: `viz.derivation.derive(root, labels='symbols')` fills them in.

Ids are positions in one deterministic walk (never `id()`), so the same graph built twice
gives the same view and the same DOT text.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from autograd import Node, backward_steps
from autograd.graph import postorder
from viz.i18n import language, translator
from viz.numbers import constant_text, format_data, format_number, make_formatter

__all__ = ["ARITHMETIC", "LABELS", "Cluster", "StepView", "View", "ViewEdge", "ViewFork",
           "ViewNode", "build", "check_root"]

# Composites that are plain arithmetic: drawn by default as one op circle with a symbol
# (x − y is x + y·(−1) inside, which says nothing a learner needs at that point).
ARITHMETIC = {"neg": "−", "sub": "−", "div": "÷", "mean": "mean"}

# The book's symbols where they differ from the primitive's own label (figure 5-19 draws
# 1/x as a "/" node, figure 5-7 draws t² as "**2").
_BOOK_LABELS = {"reciprocal": "/"}

KINDS = ("op", "variable", "constant", "composite", "output")
LABELS = ("numbers", "symbols", "both")  # what the edges say (viz.derivation fills symbols)


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
    name: str | None = None  # the name of an intermediate value (S, y1), drawn on its edge
    mark: str | None = None  # '−' / '÷': the input a − b subtracts, a ÷ b divides by
    value_sym: str | None = None  # symbolic labels: the forward expression, and
    grad_sym: tuple | None = None  # the gradient's forms ('(t1 + t2 + t3)/S', '1/S')
    value_expr: object = field(default=None, repr=False)  # the same as sympy expressions
    grad_exprs: tuple = field(default=(), repr=False)


@dataclass(eq=False)
class ViewFork:
    """A value used by several consumers (`edges`: the keys of its branches), drawn as
    one trunk from `src` with the value and the sum of the gradients that come back,
    before it branches; the text fields are those of ViewEdge."""

    key: str
    src: str
    edges: tuple
    value: str
    grad: str | None = None
    node: Node | None = field(default=None, repr=False)
    value_data: object = field(default=None, repr=False)
    grad_data: object = field(default=None, repr=False)
    name: str | None = None
    value_sym: str | None = None
    grad_sym: tuple | None = None
    value_expr: object = field(default=None, repr=False)
    grad_exprs: tuple = field(default=(), repr=False)


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
    (empty without gradients); `format`: the number formatter of the edges;
    `forks`: ViewFork list; `lang`: the language of its tooltips and notes, and of the
    drawing's captions.  Set by viz.derivation when it adds symbolic labels: `labels`
    ('numbers', 'symbols' or 'both'), `symbolic` (the viz.symbolic.SymbolicGraph behind
    them; None for numbers), `notes` (sentences a caption must say with the gradients:
    where a relation such as t1 + t2 + t3 = 1 was used), `caveats` (sentences it must
    always say: the symbols were left out)."""

    def __init__(self):
        self.nodes, self.edges, self.clusters, self.steps = [], [], [], []
        self.forks, self.notes, self.caveats = [], [], []
        self.labels = "numbers"
        self.symbolic = None
        self.root = None
        self.root_id = None
        self.output_key = None
        self.grads = False
        self.seed = None
        self.format = format_number
        self.preview = True
        self.lang = "en"
        self._node_ids = {}  # engine node -> view node id
        self._edge_keys = {}  # (engine consumer, slot) -> edge key
        self._nodes_by_id = {}
        self._edges_by_key = {}
        self._fork_of = {}  # branch edge key -> its ViewFork
        self._operands = {}  # constant folded in a − / ÷ box -> (mark, drawn value)

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

    def fork_of(self, key):
        """The ViewFork edge `key` is a branch of, or None."""
        return self._fork_of.get(key)

    def duplicate_names(self):
        """Names that two different nodes of the graph carry (one symbol cannot stand for
        both), sorted."""
        seen, dup = {}, set()
        for n in self._node_ids:
            if n.name and seen.setdefault(n.name, n) is not n:
                dup.add(n.name)
        return sorted(dup)

    def operand(self, node):
        """(mark, drawn value) of a constant folded into a − or ÷ op (x − 1 draws the 1),
        or None."""
        return self._operands.get(node)

    def symbol_values(self):
        """Symbol -> number (the named leaves and quantities, a symbolic seed at the
        drawn seed), to evaluate `value_expr` / `grad_exprs` at the graph's point."""
        if self.symbolic is None:
            return {}
        seed = self.seed if self.grads and not isinstance(self.seed, np.ndarray) else 1.0
        return self.symbolic.numbers(seed)

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


def check_root(root):
    if not isinstance(root, Node):
        raise TypeError(f"draw() needs a Value or Tensor, got {type(root).__name__}")


def _check_options(root, depth, grads):
    check_root(root)
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
        self.operands = {}  # constant folded inside a − or ÷ box -> (mark, its value)
        self.consumers = {}  # engine node -> [(consumer, slot)], inside − / ÷ boxes
        self._ = translator(view.lang)
        self.scopes_using = {}  # leaf made in a scope -> the frames of its consumers

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
        if box is not None and n.op is None and box not in self.scopes_using.get(n, ()):
            # a constant the composite computed from constants (−g for a constant seed
            # g): no op of the box uses it, so it is drawn as the number it is
            cid, box = self.place_outside(n, box)
        if box is not None and n.op is None and box[0] in ("sub", "div"):
            operand = self.operand(n, box)
            if operand is not None:  # x − 1: the 1 is drawn, outside the box
                self.operands[n] = operand
                box = None
        if box is not None:
            vn = self.box(box, cid)
            self.members[vn.id].append(n)
        elif n.op is not None:
            vn = self.op(n, cid)
        else:
            vn = self.leaf(n, cid)
        self.view._node_ids[n] = vn.id

    def place_outside(self, n, frame):
        """(cluster, None) for a node drawn outside the collapsed `frame` holding it."""
        parent = None
        for f in n.scope:
            if f == frame:
                break
            parent = self.clusters[f].id if f in self.clusters else parent
        return parent, None

    def box(self, frame, cid):
        """A collapsed composite: one box (or one op symbol for the arithmetic ones)."""
        vn = self.boxes.get(frame)
        if vn is None:
            name = frame[0]
            arith = name in ARITHMETIC
            _ = self._
            vn = self.boxes[frame] = self.new_node(
                kind="op" if arith else "composite",
                label=ARITHMETIC[name] if arith else name, cluster=cid, op=name,
                composite=name, tooltip=_("{name} (collapsed)").format(name=name))
            self.members[vn.id] = []
        return vn

    def operand(self, n, frame):
        """A constant inside a collapsed x − c or x ÷ c: c as the engine folded it (−c,
        1/c: made at once, as c needs no gradient), drawn outside as (mark, c); None for
        the −1 that neg multiplies by.  Without this, x − 1 would draw as a '−' with one
        input, which reads as −x."""
        uses = {(c.op.name, slot) for c, slot in self.consumers.get(n, ())}
        # x − y is x + neg(y), x ÷ y is x × reciprocal(y): the slot tells which it is
        top = "add" if frame[0] == "sub" else "mul"
        if uses == {(top, 0)}:
            return None, n.data  # a number the composite made the first operand
        if uses == {(top, 1)}:
            return ("−", -n.data) if top == "add" else ("÷", 1 / n.data)
        return None  # the −1 neg multiplies by: part of the box

    def op(self, n, cid):
        from viz.i18n import spoken  # the primitive's formula, its words translated
        said = spoken(n.op.formula, self._)
        return self.new_node(kind="op", label=_op_label(n), cluster=cid, op=n.op.name,
                             formula=n.op.formula, tooltip=f"{n.op.name}: {said}",
                             members=(n,))

    def leaf(self, n, cid):
        view = self.view
        constant = not n.requires_grad or bool(n.scope and not n.name)
        data = self.operands[n][1] if n in self.operands else n.data
        text = format_data(data, view.format, view.preview)
        if constant:
            label = n.name or constant_text(data, view.format, view.preview)
        else:
            label = n.name or ""
        return self.new_node(kind="constant" if constant else "variable", label=label,
                             cluster=cid, tooltip=f"{n.name} = {text}" if n.name else text,
                             members=(n,))

    def close_boxes(self):
        _ = self._
        for vn in self.boxes.values():
            vn.members = tuple(self.members[vn.id])  # a list while building: no O(n²)
            if vn.composite not in ARITHMETIC:
                vn.tooltip = _("{name} (collapsed, {count} nodes inside)").format(
                    name=vn.composite, count=len(vn.members))

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
        mark, data = self.operands.get(p, (None, p.data))
        e = ViewEdge(key, src, dst, kind, view.format_value(data), node=p,
                     value_data=data, targets=((n, slot),),
                     name=p.name if p.op is not None and p.name else None, mark=mark)
        view.edges.append(e)
        view._edges_by_key[key] = e
        return e

    def output(self, root):
        """The 'out' node after the root, and the edge carrying the result to it."""
        view = self.view
        view.root_id = view._node_ids[root]
        _ = self._
        out = ViewNode("out", "output", root.name or "", tooltip=_("output"))
        view.nodes.append(out)
        view._nodes_by_id["out"] = out
        oe = ViewEdge(f"{view.root_id}->out", view.root_id, "out", "output",
                      view.format_value(root.data), node=root, value_data=root.data)
        view.edges.append(oe)
        view._edges_by_key[oe.key] = oe
        view.output_key = oe.key

    def marks(self):
        """Which input of a − b and a ÷ b (drawn as one op) is which: b enters the
        composite's neg (x + (−y)) or its reciprocal (x × 1/y)."""
        view = self.view
        for e in view.edges:
            box = view.node(e.dst)
            if box.composite not in ("sub", "div"):
                continue
            roles = {_role(n, box.composite) for n, _ in e.targets}
            if len(roles) == 1 and e.mark is None:
                e.mark = roles.pop()

    def forks(self):
        """A ViewFork for each value that two or more edges carry out of one node."""
        view = self.view
        groups = {}
        for e in view.edges:
            if e.kind == "data":
                groups.setdefault((e.src, e.node), []).append(e)
        for (src, _), edges in groups.items():
            if len(edges) < 2:
                continue
            k = sum(1 for f in view.forks if f.src == src)
            first = edges[0]
            fork = ViewFork(f"{src}->fork" + (f"#{k + 1}" if k else ""), src,
                            tuple(e.key for e in edges), first.value, node=first.node,
                            value_data=first.value_data, name=first.name)
            view.forks.append(fork)
            for e in edges:
                view._fork_of[e.key] = fork


def _role(n, composite):
    if composite == "div":
        return "÷" if n.op.name == "reciprocal" else None
    names = [f[0] for f in n.scope]
    inner = names[len(names) - 1 - names[::-1].index("sub") + 1:] if "sub" in names else []
    return "−" if "neg" in inner else None


def build(root, *, expand=None, collapse=None, depth=None, grads="auto", seed=None,
          fmt=None, preview=True, lang=None):
    """The view of the graph that computed `root`, with numbers on its edges (symbolic
    labels are viz.derivation.derive's, which builds this view and adds them).

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
    lang: 'en' or 'ja' (None: $GRAPHGRAD_LANG, else the locale's): the language of the
        tooltips; viz.dot draws the view's captions in it too.
    """
    _check_options(root, depth, grads)
    view = View()
    view.lang = language(lang)
    view.root = root
    view.format = make_formatter(fmt)
    view.preview = preview
    builder = _Builder(view, expand, collapse, depth)
    # every node (constants too), inputs first, first input's subgraph first: the order
    # a reader follows the forward pass, so ids are stable
    order = postorder(root)
    for n in order:
        if n.op is not None and any(f[0] in ("sub", "div") for f in n.scope):
            for slot, p in enumerate(n.parents):
                builder.consumers.setdefault(p, []).append((n, slot))
        for p in n.parents:
            if p.op is None and p.scope:
                builder.scopes_using.setdefault(p, set()).update(n.scope)
    for n in order:
        builder.node(n)
    builder.close_boxes()
    for n in order:
        if n.op is not None:
            builder.edges_into(n)
    builder.output(root)
    view._operands = builder.operands
    builder.marks()
    builder.forks()
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
    for fork in view.forks:
        gs = [view.edge(k).grad_data for k in fork.edges]
        gs = [g for g in gs if g is not None]
        if gs:
            fork.grad_data = sum(gs[1:], gs[0])
            fork.grad = view.format_value(fork.grad_data)


