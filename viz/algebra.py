"""A drawing's symbolic labels: every edge's forward expression and its gradient's forms,
derived a step at a time as the book derives them (figures 5-20, A-5).

`label(d)` (labels='symbols' or 'both' of viz.derivation.derive) makes the derivation's
symbolic twin, writes the forms into its view (`value_sym`, `grad_sym` as text,
`value_expr`, `grad_exprs` as sympy expressions) and says in the view's notes where a
`given` relation was first used.  The sums on the edges into a collapsed composite are
the derivation's (`edge_expr`), the same the stepper narrates.  Over the algebra's budget
the edges keep their numbers and the caption says why.  No sympy is imported here: the
twin's methods do the algebra.
"""
from __future__ import annotations

from autograd import Value
from viz.budget import BudgetExceeded

__all__ = ["SYMBOLS_LIMIT", "label", "sp_ops"]

# symbolic labels are for graphs a reader follows by hand; past this many operations the
# expressions stop being readable (and sympy grows slow)
SYMBOLS_LIMIT = 150


def sp_ops(expr):
    """The number of operations in a sympy expression (sympy.count_ops)."""
    return expr.count_ops() if hasattr(expr, "count_ops") else 0


def label(d):
    """labels='symbols' / 'both': the twin made now, every edge's forms written into the
    view, and where a relation was first used said in its notes."""
    view = d.view
    if not all(type(n) is Value for n in view._node_ids):
        raise ValueError(f"labels={d.labels!r} draws graphs of Values (scalars); this one "
                         "holds Tensors: use labels='numbers'")
    ops = sum(1 for n in view._node_ids if n.op is not None)
    if ops > SYMBOLS_LIMIT:
        raise ValueError(f"labels={d.labels!r} is for graphs one follows by hand (at most "
                         f"{SYMBOLS_LIMIT} operations); this one has {ops}: use "
                         "labels='numbers'")
    try:
        from viz import symbolic
    except ImportError:  # sympy is optional: numbers need nothing but numpy
        raise ImportError("labels='symbols' and 'both' need sympy: pip install sympy "
                          "(or pip install 'graphgrad[symbolic]')") from None
    _check_names(d, view.duplicate_names())
    sg = d.symbolic
    if sg is None and d.left_out is None:
        raise ValueError(f"labels={d.labels!r} needs the algebra: symbolic=False turns "
                         "it off")
    try:
        if sg is not None:
            _check_names(d, sg.duplicate_names())  # names given to the twin may repeat
            _write(d, sg, symbolic.exact)
    except BudgetExceeded as e:
        d.drop_symbolic(e)
        sg = None
    if sg is None:  # over the budget: the edges keep their numbers, and say why
        for item in view.edges + view.forks:
            item.value_sym = item.grad_sym = item.value_expr = None
            item.grad_exprs = ()
        view.symbolic, view.notes[:] = None, []
        view.caveats.append(d._(
            "The symbols are left out: the algebra took more than {seconds} s of "
            "computing; the edges show numbers.").format(seconds=f"{d.left_out[1]:g}"))


def _check_names(d, dup):
    if dup:
        raise ValueError(f"labels={d.labels!r}: different nodes are named "
                         f"{', '.join(map(repr, dup))}; give them distinct names, or draw "
                         "with labels='numbers'")


def _write(d, sg, exact):
    """The forward expressions and the gradients' forms on every edge and fork, and the
    note saying where a relation was first used."""
    view = d.view
    view.symbolic = sg
    for e in view.edges + view.forks:
        operand = view.operand(e.node)
        e.value_expr = sg.forward(e.node) if operand is None else exact(operand[1])
        e.value_sym = sg.book_text(e.value_expr)
    first = _Algebra(d).run() if view.grads else []
    if first:
        _ = d._
        used = "; ".join(" = ".join(texts) for texts in first)
        relations = _(" and ").join(d.relation_texts())
        note = _("{relations} (one-hot labels): used at {used}") if d.given is None \
            else _("{relations}: used at {used}")
        view.notes.append(note.format(relations=relations, used=used))


class _Algebra:
    """The gradients' forms, a step at a time in the engine's order: what an op sends
    along an edge is its upstream's form times the local derivative in the node's own
    terms, in SymbolicGraph.book_form; a fork's trunk shows the sum of what came back
    (book_sum); into a collapsed box, the edge's whole gradient in its shortest form with
    the graph's names.  A `given` relation is used at the first edge it shortens, written
    there 'before = after' ((t1 + t2 + t3)/S = 1/S), and after it without comment; an
    input's edge ends with its simplest form (= ∂L/∂y·y(1 − y))."""

    def __init__(self, d):
        self.d, self.view, self.sg = d, d.view, d.symbolic
        view, sg = self.view, self.sg
        self.forms = {view.output_key: (sg.seed,)}  # edge or fork key -> sympy forms
        self.used = {view.output_key: False}  # key -> a given relation used on the way
        self.carry = {}  # engine node -> keys of the edges carrying its value
        for e in view.edges:
            self.carry.setdefault(e.node, []).append(e.key)
        self.first = []  # the texts of the edges where a relation was first used

    def upstream(self, node):
        keys = self.carry.get(node, ())
        fork = self.view.fork_of(keys[0]) if keys else None
        if fork is not None:
            return self.fork(fork)
        if keys and keys[0] in self.forms:
            return self.forms[keys[0]][-1], self.used[keys[0]]
        return None, False

    def fork(self, fork):
        if fork.key not in self.forms:
            keys = [k for k in fork.edges if k in self.forms]
            if not keys:
                return None, False
            self.forms[fork.key] = (self.sg.book_sum([self.forms[k][-1] for k in keys]),)
            self.used[fork.key] = any(self.used[k] for k in keys)
        return self.forms[fork.key][-1], self.used[fork.key]

    def put(self, key, form, used):
        forms = (form,)
        if self.sg.given:
            reduced = self.sg.with_given(form)
            if reduced != form:
                forms = (reduced,) if used else (form, reduced)
                if not used:
                    self.first.append(tuple(self.sg.book_text(f) for f in forms))
                used = True
        self.forms[key], self.used[key] = forms, used

    def wanted(self, key):
        return key is not None and self.view.edge(key).kind == "data"

    def op_step(self, sv, ss):
        up, used = self.upstream(sv.step.node)
        if up is None:
            return
        for slot, key in enumerate(sv.edge_keys):
            if self.wanted(key):
                self.put(key, self.sg.book_form(up * ss.local_literal[slot]), used)

    def box_step(self, sv):
        view, sg = self.view, self.sg
        outs = [e.key for e in view.edges if e.src == sv.node_id]
        used = any(self.used.get(k, False) for k in outs)
        for key in sv.edge_keys:
            if not self.wanted(key):
                continue
            g = self.d.edge_expr(view.edge(key))
            # the box hides its steps: the shortest form says the most (figure 5-22)
            forms = [sg.book_form(sg.fold(g)), sg.simplest(g, given=False)]
            self.put(key, min((f for f in forms if f is not None), key=sg._book_size),
                     used)

    def finish_inputs(self):
        """An input's last edge (or its fork) also gets its simplest form, when shorter."""
        sg, view = self.sg, self.view
        for vn in view.nodes:
            leaf = vn.members[0] if vn.kind == "variable" else None
            keys = self.carry.get(leaf, ())
            if leaf is None or not keys or sg.step_of(leaf) is None:
                continue
            fork = view.fork_of(keys[0])
            key = fork.key if fork is not None else keys[0]
            if fork is not None:
                self.fork(fork)
            if key not in self.forms:
                continue
            last = self.forms[key][-1]
            if sp_ops(last) <= 2:
                continue  # y1 − t1: nothing shorter to find (and simplify() is slow)
            best = sg.final_form(leaf, given=False)
            if best is not None and sg.given:
                reduced = sg.with_given(best)
                if reduced != best and not self.used[key]:  # first used here: say so
                    self.first.append((sg.book_text(best), sg.book_text(reduced)))
                best = reduced
            if best is not None and sg._book_size(best) < sg._book_size(last) and \
                    sg.book_text(best) != sg.book_text(last):
                self.forms[key] += (best,)

    def run(self):
        view, sg = self.view, self.sg
        for sv in view.steps:
            if sv.step.node.op is None:
                continue
            if view.node(sv.node_id).composite is None:
                self.op_step(sv, sg.steps[sv.index])
            else:
                self.box_step(sv)
        for fork in view.forks:
            self.fork(fork)
        self.finish_inputs()
        for key, forms in self.forms.items():
            item = view._edges_by_key.get(key) or next(f for f in view.forks if f.key == key)
            item.grad_exprs = forms
            item.grad_sym = tuple(sg.book_text(f) for f in forms)
        return self.first
