"""The derivation of a graph's gradients, built once per graph and read by every view.

`derive(root)` builds the drawing's view (viz.model: nodes, edges, the engine's numbers),
finds what the book's derivation needs once, and keeps its symbolic twin (viz.symbolic:
the same graph over sympy symbols) for every reader:

- the numbers of every engine step (`view.steps`) and the sends arriving at each node,
  in the forward order the book adds them (`branches`, `branch_sum`);
- what enters and leaves a collapsed composite (`box`, `edge_expr`);
- the one-hot relation of the labels t_k (`one_hot`: found once, from the composites'
  declared steps), the book's name of the gradient arriving from above (`seed_name`:
  sigmoid's dout), what the frames call each node (`name`, `dname`);
- each step's local derivative as a formula and its sent gradient in symbols
  (`local_formula`, `sent_forms`), and the results (`results`: ∂L/∂a_k = y_k − t_k;
  `declared_result`: the closed form a composite declares, Batch Normalization's ∂L/∂x);
- with labels='symbols' or 'both', every edge's forms written into the view
  (viz.algebra) and, in its notes, where a relation was first used.

The drawing (`viz.dot.to_digraph(d.view)`), the stepper (`viz.stepper.frames(d)`), the
HTML player, the GIF and the Jupyter widget read the same derivation; nothing recomputes
a branch sum or a one-hot relation of its own.  The twin is made when first needed (for
labels at once; for the narration when `frames` asks), so numbers alone never import
sympy, and it is made once.

    from viz.derivation import derive
    d = derive(loss, labels="both", collapse="sigmoid")
    viz.to_digraph(d.view)              # the drawing
    viz.stepper.frames(d)               # the frames of the same derivation
"""
from __future__ import annotations

import re

import numpy as np

from autograd import Value
from autograd.graph import COMPOSITES
from viz import algebra
from viz.budget import BudgetExceeded
from viz.i18n import language, spoken, translator
from viz.model import LABELS, check_root
from viz.model import build as build_view
from viz.names import Names, terms, wrap
from viz.numbers import minus

__all__ = ["SYMBOLIC_AUTO_LIMIT", "Box", "BranchSum", "BudgetExceeded",
           "Derivation",
           "build", "declared_steps", "derive", "is_scalar", "sends_into"]

# symbolic=None turns the algebra on by itself for graphs up to this many op nodes:
# beyond that the expressions grow too long to read (and to simplify quickly)
SYMBOLIC_AUTO_LIMIT = 30

_KEYS = {"heading", "text", "sends", "arrives", "upstream", "labels", "at", "result"}
_WHERE = (None, "output", "inner")


def declared_steps(name):
    """The steps composite `name` declares (checked), or None."""
    comp = COMPOSITES.get(name)
    steps = comp.steps if comp is not None else None
    if not steps:
        return None
    for k, step in enumerate(steps):
        bad = set(step) - _KEYS if isinstance(step, dict) else {"(not a dict)"}
        sends = step.get("sends", ()) if isinstance(step, dict) else ()
        ok = not bad and isinstance(step.get("heading"), str) and all(
            isinstance(s, tuple) and 2 <= len(s) <= 3 and isinstance(s[0], str)
            and isinstance(s[1], int) and (s[2:] or (None,))[0] in _WHERE for s in sends) \
            and all(isinstance(q, str) for q in step.get("at", ())) \
            and isinstance(step.get("result", ""), str)
        if not ok:
            raise ValueError(f"composite {name!r}: step {k} of its declared steps is not "
                             f"{{'heading', 'text', 'sends': ((primitive, slot), ...)}}: "
                             f"{step!r}" + (f" (unknown keys {sorted(bad)})" if bad else ""))
    return steps


def sends_into(view):
    """engine node -> the sends into it [(StepView, slot), ...], in the engine's order: the
    branches whose sum is the node's gradient."""
    into = {}
    for sv in view.steps:
        for slot, p in enumerate(sv.step.node.parents):
            if p.requires_grad:
                into.setdefault(p, []).append((sv, slot))
    return into


def is_scalar(x):
    return not isinstance(x, np.ndarray) or x.ndim == 0


class BranchSum:
    """At a node feeding several others, the gradients its branches send back and their
    sum: `parts` ((from name, number, sympy expression or None), ...) in the forward
    order, `total` the engine's sum (the node's upstream), `symbolic` its expression;
    `sends` the (StepView, slot) of each part, `texts` each part's shortest form and
    `text` the sum's forms ('−S·t1 − S·t2 − S·t3 = −S·(t1 + t2 + t3) = −S'), None
    without the algebra."""

    def __init__(self, node, name, parts, total, symbolic=None, sends=(), texts=(),
                 text=None):
        self.node, self.name, self.parts, self.total = node, name, parts, total
        self.symbolic, self.sends, self.texts, self.text = symbolic, sends, texts, text

    def __repr__(self):
        return f"BranchSum({self.name!r}, {len(self.parts)} parts, total={self.total!r})"


class Box:
    """A collapsed composite stepped as one unit: `node` (its ViewNode), `ups` (the edges
    leaving it, whose gradients enter it) and `outs` (the edges into it from inputs that
    need a gradient), each side's symbolic text (None without the algebra), and for one
    scalar in and out, `local` (what it multiplies by) and `local_text`."""

    def __init__(self, node, ups, outs, up_texts, out_texts, local=None, local_text=None):
        self.node, self.ups, self.outs = node, ups, outs
        self.up_texts, self.out_texts = up_texts, out_texts
        self.local, self.local_text = local, local_text

    @property
    def single(self):
        return self.local is not None


def _names(view):
    """The named leaves of a drawing (something to write symbols in)."""
    return any(vn.kind == "variable" and vn.label for vn in view.nodes)


class Derivation:
    """One graph's derivation; see the module docstring.  Made by derive().

    Attributes: `view` (the viz.model.View drawn), `root`, `lang`, `labels`, `one_hot`
    (tuples of label nodes t_k summing to 1, one per cross entropy), `order` (view node
    id -> forward position), `step_of` (engine node -> index in view.steps), `into`
    (engine node -> the sends arriving at it); `symbolic` (the SymbolicGraph, made when
    first read; None where there is no algebra)."""

    def __init__(self, view, *, symbolic=None, given=None, upstream=None):
        self.view, self.root, self.lang = view, view.root, view.lang
        self.labels = view.labels
        self._ = translator(view.lang)
        self._symbolic_option, self.given, self.upstream = symbolic, given, upstream
        self.order = {vn.id: k for k, vn in enumerate(view.nodes)}
        self.step_of = {sv.step.node: sv.index for sv in view.steps}
        self.into = sends_into(view)
        self.name = Names(view.format, view.preview)
        self.one_hot = _one_hot(view, self.order)
        self._declared_seed = _declared_upstream(view)
        self._sg = self._edge_exprs = self._branch_sums = None
        self._made = False
        self.left_out = None  # why there is no algebra: ('budget', s) or ('names', [...])
        self._explained = set()  # the definitions why() has said, with k for the index

    # -- numbers as text ------------------------------------------------------------------

    def num(self, x):
        """A number the way the view writes it, with a real minus sign."""
        return minus(self.view.format_value(x))

    def factor(self, x):
        """A number as a factor of a product: negatives in parentheses, 1 × (−0.5344)."""
        text = self.num(x)
        return f"({text})" if text.startswith("−") else text

    def added(self, numbers):
        """Numbers added up as text: 0.2 + (−0.1)."""
        return self.num(numbers[0]) + "".join(f" + {self.factor(g)}" for g in numbers[1:])

    # -- the symbolic twin ----------------------------------------------------------------

    @property
    def symbolic(self):
        """The viz.symbolic.SymbolicGraph of this graph, or None (see derive's symbolic=)."""
        if not self._made:
            self._made = True
            self._sg = self._make_symbolic()
        return self._sg

    def _make_symbolic(self):
        spec = self._symbolic_option
        if spec is False:
            return None
        if spec is not None and hasattr(spec, "steps") and hasattr(spec, "show"):
            return spec  # built by the caller
        options = dict(spec) if isinstance(spec, dict) else {}
        if spec is None and self.labels == "numbers" and not self._wanted():
            return None
        dup = self.view.duplicate_names()
        if dup and self.labels == "numbers" and "names" not in options:
            self.left_out = ("names", dup)  # one symbol for two nodes would be wrong
            return None
        options.setdefault("given", self.given if self.given is not None else
                           _relations(self.one_hot))
        self._twin_seed(options)
        from viz.symbolic import symbolic
        try:
            return symbolic(self.root, **options)
        except BudgetExceeded as e:
            self.left_out = ("budget", e.seconds)
            return None

    def drop_symbolic(self, exc):
        """Go on with numbers alone: the algebra went over its budget (`exc`, a
        viz.symbolic.BudgetExceeded) after the twin was made."""
        self._made, self._sg, self.left_out = True, None, ("budget", exc.seconds)
        self._branch_sums = self._edge_exprs = None
        self.__dict__.pop("_seed_name", None)

    def left_out_text(self):
        """Why the algebra is left out, as a sentence (None when it is not)."""
        if self.symbolic is not None or self.left_out is None:
            return None
        why, what = self.left_out
        if why == "names":
            return self._("The algebra is left out: different nodes are named "
                          "{names}.").format(names=", ".join(what))
        return self._("The algebra is left out: it took more than {seconds} s of "
                      "computing (too big to follow by hand); the numbers are the "
                      "engine's.").format(seconds=f"{what:g}")

    def _wanted(self):
        """For the narration alone: small graphs of named scalars, with sympy installed."""
        view = self.view
        ops = sum(1 for sv in view.steps if sv.step.node.op is not None)
        if not isinstance(self.root, Value) or ops > SYMBOLIC_AUTO_LIMIT or \
                not _names(view):
            return False  # arrays, long formulas, or nothing to name: numbers only
        try:
            import sympy  # noqa: F401  (optional: numbers work without it)
        except ImportError:
            return False
        return True

    def _twin_seed(self, options):
        """The gradient the twin starts from: the caller's `upstream`; for labels the
        seed's number (1 unless drawn from another); for the narration the book's name
        of the gradient from above (sigmoid's dout = ∂L/∂y) where the graph is one call
        of a composite that declares it."""
        seed = self.view.seed
        if "seed" in options:
            return
        if self.upstream is not None:
            options["seed"] = self.upstream
        elif self.labels != "numbers":
            if self.view.grads and float(seed) != 1.0:
                options["seed"] = float(seed)
        elif is_scalar(seed) and float(seed) == 1.0 and self._declared_seed:
            options["seed"] = self._declared_seed
        elif is_scalar(seed) and float(seed) != 1.0:
            options["seed"] = float(seed)

    @property
    def seed_name(self):
        """The name of the gradient arriving at the root from above (dout, ∂L/∂y), or
        None when the backward pass starts from the root's own 1."""
        if "_seed_name" not in self.__dict__:
            sg, seed = self.symbolic, self.view.seed
            if sg is not None and getattr(sg.seed, "is_Symbol", False):
                name = sg.book_text(sg.seed)
            elif sg is not None and self.labels != "numbers":
                name = None  # the drawing's algebra starts from a number
            else:
                name = self._declared_seed if is_scalar(seed) and float(seed) == 1.0 \
                    else None
            self.__dict__["_seed_name"] = name
        return self.__dict__["_seed_name"]

    @property
    def rname(self):
        """The name of what is differentiated: L below an upstream, else the root's."""
        return "L" if self.seed_name else self.root.name or "L"

    def dname(self, node):
        """∂L/∂node, the node by its name or expression."""
        if node is self.root and not self.seed_name:
            return f"∂{self.rname}/∂{self.rname}"
        return f"∂{self.rname}/∂{wrap(self.name(node))}"

    def form(self, expr):
        """An expression as the book ends it: its shortest form, with the `given`
        relations (1/S, not (t1 + t2 + t3)/S), then in the graph's own values where
        that names fewer quantities (−t1/exp(a1), not −t1/(S·y1): y1 = exp(a1)/S)."""
        sg = self.symbolic
        return sg.book_form(sg.reduce(expr))

    def sym(self, expr):
        """form(expr) in the book's notation; None without the algebra."""
        sg = self.symbolic
        return sg.book_text(self.form(expr)) if sg is not None else None

    def chain(self, *exprs):
        """'a = b = c': the expressions in the book's notation, each distinct text once."""
        texts = []
        for e in exprs:
            t = e if isinstance(e, str) else self.symbolic.book_text(e)
            if t not in texts:
                texts.append(t)
        return " = ".join(texts)

    def relation_texts(self):
        """The relations the algebra uses, as text ('t1 + t2 + t3 = 1')."""
        sg = self.symbolic
        return [self.chain(a, b) for a, b in sg.given] if sg else []

    def why(self, before, after):
        """The sentence that says, the first time only, why `before` is `after` where the
        book's form trades named quantities for their definition (y1 = exp(a1)/S, so
        −t1/(S·y1) = −t1/exp(a1)); None when there is nothing (new) to say."""
        sg = self.symbolic
        gone = before.free_symbols - after.free_symbols
        defs = [(sym, d) for sym, d in sg.definitions() if sym in gone]
        # y2 = exp(a2)/S says again what y1 = exp(a1)/S said: once for every k
        said = {re.sub(r"(?<=[A-Za-z])\d+", "_k", self.chain(sym, d)) for sym, d in defs}
        if not defs or sg.book_text(before) == sg.book_text(after) or \
                said <= self._explained:
            return None
        self._explained |= said
        return self._("{definitions}, so {before} = {after}.").format(
            definitions=self._(" and ").join(self.chain(sym, d) for sym, d in defs),
            before=sg.book_text(before), after=sg.book_text(after))

    @property
    def one_hot_used(self):
        """True when the algebra uses the one-hot relation found here (not the caller's)."""
        return self.given is None and bool(self.one_hot) and self.symbolic is not None

    # -- steps and edges ------------------------------------------------------------------

    def branches(self, node):
        """The sends arriving at `node`, (StepView, slot) each, in the forward order of
        their nodes (S's "+" before y3's "×"), as the book adds them."""
        return sorted(self.into.get(node, ()), key=lambda p: self.order[p[0].node_id])

    def branch_sum(self, node):
        """The BranchSum of the gradients arriving at `node` (made once per node)."""
        if self._branch_sums is None:
            self._branch_sums = {}
        if node not in self._branch_sums:
            self._branch_sums[node] = self._branch_sum(node)
        return self._branch_sums[node]

    def _branch_sum(self, node):
        sends = self.branches(node)
        sg = self.symbolic
        exprs = [sg.steps[sv.index].grads[s] if sg is not None else None
                 for sv, s in sends]
        texts = [self.sym(e) for e in exprs]
        numbers = [sv.step.grads[s] for sv, s in sends]
        full = text = form = None
        if sg is not None:
            full = sg.gradient(node)
            # the sum of the branches as they arrive (each in its book form), then the
            # whole's shortest form where that names fewer quantities (−S(t1 + t2 + t3)
            # = −S; but 1/S − t1/exp(a1) stays as the book leaves it)
            summed = sg.book_form(sum(self.form(e) for e in exprs))
            whole = self.form(full)
            form = whole if len(whole.free_symbols) < len(summed.free_symbols) else summed
            text = self.chain(terms(texts), summed, form)
        total = self.view.steps[self.step_of[node]].step.upstream
        parts = tuple((self.name(sv.step.node), g, e)
                      for (sv, _), g, e in zip(sends, numbers, exprs))
        b = BranchSum(node, self.name(node), parts, total, full, tuple(sends),
                      tuple(texts), text)
        b.form = form if sg is not None else None
        return b

    def upstream_form(self, node):
        """The gradient arriving at `node` as the narration last wrote it: the sum of its
        branches (BranchSum.form), or its book form."""
        if node is not self.root and len(self.branches(node)) > 1:
            return self.branch_sum(node).form
        return self.form(self.symbolic.gradient(node))

    def edge_expr(self, edge):
        """The symbolic gradient along a drawn edge: the seed on the output edge, else the
        sum of the sends along it (several into a collapsed composite that uses its
        input more than once)."""
        sg = self.symbolic
        if edge.key == self.view.output_key:
            return sg.seed
        if self._edge_exprs is None:
            self._edge_exprs = {}
        if edge.key not in self._edge_exprs:
            steps = [sg.step_of(n) for n, _ in edge.targets]
            self._edge_exprs[edge.key] = sum(
                (st.grads[slot] for st, (_, slot) in zip(steps, edge.targets)
                 if st is not None), 0)
        return self._edge_exprs[edge.key]

    def box(self, node_id):
        """The Box of a collapsed composite (or of x − y, x ÷ y drawn as one op)."""
        view, sg = self.view, self.symbolic
        ups = [e for e in view.edges if e.src == node_id]
        outs = [e for e in view.edges if e.dst == node_id and e.node is not None
                and e.node.requires_grad]  # nothing is sent to a constant
        up_sym = [self.edge_expr(e) for e in ups] if sg is not None else []
        out_sym = [self.edge_expr(e) for e in outs] if sg is not None else []
        if sg is not None:
            up_texts = [self.sym(u) for u in up_sym]
            out_texts = [self.chain(sg.compact(g), self.form(g)) for g in out_sym]
        else:
            up_texts, out_texts = [None] * len(ups), [None] * len(outs)
        single = (len(ups) == 1 and len(outs) == 1 and is_scalar(ups[0].grad_data)
                  and is_scalar(outs[0].grad_data) and ups[0].grad_data != 0)
        local = outs[0].grad_data / ups[0].grad_data if single else None
        local_text = self.sym(out_sym[0] / up_sym[0]) if single and sg else None
        return Box(view.node(node_id), ups, outs, list(up_texts), list(out_texts), local,
                   local_text)

    def local_formula(self, node, i):
        """The local derivative towards input i as a formula: the primitive's own for one
        input (∂y/∂x = −1/x² = −y²); for × and +, in the graph's names (the formula's x
        and y would clash with them: sigmoid's input is x, its output y)."""
        op = node.op.name
        if op == "mul":
            return f"∂z/∂x = {self.name(node.parents[1 - i])}" if i == 0 else \
                f"∂z/∂y = {self.name(node.parents[0])}"
        if op == "add":
            return "∂z/∂x = 1" if i == 0 else "∂z/∂y = 1"
        formula = minus(spoken(node.op.formula, self._))
        parts = [p.strip() for p in formula.split(", ")]  # one clause per input, or one
        return parts[i] if len(parts) == len(node.parents) else formula

    def sent_forms(self, index, i):
        """(local, sent, why) of engine step `index` towards input i in symbols: the
        local derivative in the node's own terms; upstream·local = what it is = its book
        form (with the `given` relations); and why() the last two are equal, the first
        time it needs saying.  (None, None, None) without the algebra."""
        sg = self.symbolic
        if sg is None:
            return None, None, None
        st = sg.steps[index]
        up, loc = self.upstream_form(st.node), st.local_literal[i]
        up_t, loc_t = sg.book_text(up), sg.book_text(loc)
        product = sg.book_form(up * loc)
        last = self.form(st.grads[i])
        sent = self.chain(*([] if "1" in (up_t, loc_t) else [_product(up_t, loc_t)]),
                          product, last)
        return loc_t, sent, self.why(sg.reduce(product), last)

    def sent_sym(self, index, i):
        """What engine step `index` sent to input i, in its shortest form (or None)."""
        sg = self.symbolic
        return self.sym(sg.steps[index].grads[i]) if sg is not None else None

    # -- the results ----------------------------------------------------------------------

    def leaves(self):
        """The variables the backward pass reaches, in the drawing's forward order (the
        named ones, when some are: an unnamed one is a number typed inline)."""
        stepped = {sv.step.node for sv in self.view.steps if sv.step.node.op is None}
        leaves = [vn.members[0] for vn in self.view.nodes
                  if vn.kind == "variable" and vn.members[0] in stepped]
        return [n for n in leaves if n.name] if any(n.name for n in leaves) else leaves

    def results(self):
        """One row per leaf: (name, numeric text, symbolic text or None), the numbers put
        into the final form where the algebra has one (0.7366 − 1 = −0.2634)."""
        view, sg, rows = self.view, self.symbolic, []
        values = {k: self.factor(v) for k, v in self._values().items()} if sg else {}
        for k, node in enumerate(self.leaves(), 1):
            g = view.steps[self.step_of[node]].step.upstream
            name = node.name or self._("(input {k})").format(k=k)
            numeric, sym = self.num(g), None
            parts = self.branches(node)
            if len(parts) > 1:  # a variable used more than once: its branches added up
                numeric = f"{self.added([sv.step.grads[s] for sv, s in parts])} = {numeric}"
            if sg is not None:
                sym = sg.book_text(sg.book_form(sg.simplified_gradient(node)))
                put = _put_in(sym, values)
                if put not in (sym, numeric) and len(parts) < 2:
                    numeric = f"{put} = {numeric}"
            rows.append((name, numeric, sym))
        return rows

    def statement(self, rows):
        """One line for the results: ∂L/∂a_k = y_k − t_k when the rows differ only by
        their index k, else each row; None without the algebra or with too much to say."""
        results = [(name, sym) for name, _, sym in rows if sym is not None]
        if not results:
            return None
        groups = {}
        for name, sym in results:
            m = re.fullmatch(r"(.*?[A-Za-z_])(\d+)", name)
            base, k = (m.group(1), m.group(2)) if m else (name, None)
            groups.setdefault(base, []).append((k, sym))
        lines = []
        for base, found in groups.items():
            if len(found) == 1:
                k, sym = found[0]
                lines.append(f"∂{self.rname}/∂{wrap(base + (k or ''))} = {sym}")
                continue
            if any(k is None for k, _ in found):
                return None
            general = {re.sub(rf"(?<=[A-Za-z]){k}(?!\d)", "_k", sym) for k, sym in found}
            if len(general) != 1:
                return None
            lines.append(f"∂{self.rname}/∂{base}_k = {general.pop()}")
        return "; ".join(lines) if len(lines) <= 3 else None

    @property
    def declared_result(self):
        """The closed form a composite stepped opened declares for its result (Batch
        Normalization's ∂L/∂x = (1/N)·γ·(1/σ)·(…)), in the derivation's language; None
        when no composite drawn opened declares one.  The narration states it where the
        algebra gives no result of its own."""
        view = self.view
        for sv in view.steps:
            node, vn = sv.step.node, view.node(sv.node_id)
            if node.op is None or not node.scope or vn.kind != "op" or \
                    vn.composite is not None:
                continue  # a leaf, outside any call, or inside a box: no declared step
            for step in declared_steps(node.scope[-1][0]) or ():
                if step.get("result"):
                    return spoken(step["result"], self._)
        return None

    def _values(self):
        """Symbol name -> the number it stands for: named nodes' values, the seed's."""
        from autograd.graph import postorder
        values = {n.name: n.data for n in postorder(self.root) if n.name and is_scalar(n.data)}
        seed = self.symbolic.seed
        if getattr(seed, "is_Symbol", False):
            values[seed.name] = self.view.seed
        return values


def _product(a, b):
    """a·b as text, each factor in parentheses unless it is a plain name or number."""
    def f(t):
        return t if re.fullmatch(r"[\w.]+|[\w.]+\([^()]*\)", t) else f"({t})"
    return f"{f(a)}·{f(b)}"


def _put_in(text, values):
    """`text` with every name replaced by its number (`values`: name -> number text):
    y1 − t1 -> 0.01821 − 0."""
    for name in sorted(values, key=len, reverse=True):
        # y(1 − y), the book's product before a parenthesis: the number needs its ×
        text = re.sub(rf"(?<![\w.∂/]){re.escape(name)}(?!\w)(\()?",
                      lambda m, v=values[name]: v + (" × (" if m.group(1) else ""), text)
    return text.replace("·", " × ")


def _declared_upstream(view):
    """The book's name for the gradient arriving at the root (sigmoid: dout), when the
    graph is one call of a composite that declares it: the book's figure 5-20, where an
    upstream ∂L/∂y comes from above.  A bigger graph starts from its own output, 1."""
    root = view.root
    if root.op is None or not root.scope:
        return None
    call = root.scope[-1]
    if any(call not in sv.step.node.scope for sv in view.steps if sv.step.node.op is not None):
        return None
    for step in declared_steps(call[0]) or ():
        if step.get("upstream"):
            return step["upstream"]
    return None


def _one_hot(view, order):
    """The labels t_k of each call of a composite whose declared steps name their slot
    (cross entropy's), when they are named scalar leaves holding a one-hot vector: the
    relation t1 + t2 + t3 = 1 is then true of the numbers.  Read from the graph, whether
    the composite is drawn opened or as one box."""
    nodes = list(view._node_ids)  # every engine node, inputs first
    inside = {}  # node -> the calls its consumers belong to
    for n in nodes:
        for p in n.parents:
            inside.setdefault(p, set()).update(n.scope)
    groups = {}
    for n in nodes:
        spec = declared_steps(n.scope[-1][0]) if n.op is not None and n.scope else None
        for step in spec or ():
            slot = step.get("labels")
            if slot is None or len(n.parents) <= slot:
                continue
            output = n.scope[-1] not in inside.get(n, ())
            if any(sel[0] == n.op.name and (len(sel) < 3 or (sel[2] == "output") == output)
                   for sel in step.get("sends", ())):
                groups.setdefault(n.scope[-1], {})[n.parents[slot]] = None
    found = []
    for labels in groups.values():
        labels = sorted(labels, key=lambda t: order[view.node_id(t)])
        values = [t.data for t in labels]
        if len(labels) > 1 and all(t.op is None and t.name and is_scalar(t.data)
                                   for t in labels) \
                and all(v in (0, 1) for v in values) and sum(values) == 1:
            found.append(tuple(labels))
    return found


def _relations(one_hot):
    """The one-hot relations as sympy equations, made from the names as data (a label
    named "__import__('os')" stays a symbol: nothing is parsed)."""
    if not one_hot:
        return None
    from viz.symbolic import sum_is_one
    return [sum_is_one([t.name for t in labels]) for labels in one_hot]


def derive(root, *, expand=None, collapse=None, depth=None, grads="auto", seed=None,
           fmt=None, preview=True, labels="numbers", symbolic=None, given=None,
           upstream=None, lang=None):
    """The Derivation of `root`'s gradients (see the module docstring).

    expand / collapse / depth / grads / seed / fmt / preview / lang: the view's, as
        viz.model.build (grads='auto': when root has a gradient, i.e. after backward();
        the stepper needs grads).
    labels: 'numbers', or 'symbols' / 'both' to write every edge's expressions into the
        view (the book's forms, figures 5-20 and A-5; needs sympy and a graph of Values).
    symbolic: the algebra beside the numbers: None (for labels, always; for the
        narration, when sympy is installed and the graph is small, scalar and named),
        True, False, a dict of viz.symbolic.symbolic() options (seed='∂L/∂y',
        names=...), or a SymbolicGraph made already.
    given: relations the algebra may use ('t1 + t2 + t3 = 1', a list, or a dict); None
        finds the one-hot relation of labels fed to a cross entropy as named constants
        holding a one-hot vector; False: none.
    upstream: the name of the gradient arriving at the output ('∂L/∂y', figure 5-20);
        by default the seed's number for labels, and for the narration the book's name
        where the graph is one call of a composite that declares it (sigmoid's dout).
    """
    check_root(root)
    if labels not in LABELS:
        raise ValueError(f"labels must be 'numbers', 'symbols' or 'both', got {labels!r}")
    if upstream is not None and (not isinstance(upstream, str) or not upstream.strip()):
        raise ValueError(f"upstream must be the name of the gradient arriving at the "
                         f"output (e.g. '∂L/∂y'), got {upstream!r}")
    view = build_view(root, expand=expand, collapse=collapse, depth=depth, grads=grads,
                      seed=seed, fmt=fmt, preview=preview, lang=language(lang))
    view.labels = labels
    d = Derivation(view, symbolic=symbolic, given=given, upstream=upstream)
    if labels != "numbers":
        algebra.label(d)
    return d


def build(root, **options):
    """The view of `root`'s graph with its labels: derive(root, **options).view."""
    return derive(root, **options).view
