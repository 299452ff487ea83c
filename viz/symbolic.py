"""The same graph over sympy symbols: the book's algebra next to the numbers.

`symbolic(root)` rebuilds the graph that computed `root` with a sympy expression in every
node: a named leaf becomes a symbol (`x`, `a1`, `t1`), an unnamed leaf stays the number it
holds (the −1 and +1 of sigmoid).  The shadow graph is made where the engine makes every
node, by `autograd.graph.apply()`, with a sympy twin of each primitive: the same
derivative rule, a forward on sympy expressions (exp -> sympy.exp, ...).  The backward
pass is then the engine's own `backward_steps`, so every gradient comes from the
primitives' own rules, run on sympy expressions (they are written with operators, so
they do not care); only relu's rule, whose mask is a numeric comparison, becomes the
Heaviside step, as does the forward of `step` (that mask as a node of the graph of a
gradient, made with create_graph=True).

Each step is aligned with the numeric `backward_steps(root)` (same index, same node), and
can be shown three ways:

- full: in the leaf symbols only, exact (what the tests simplify);
- literal: upstream × the local derivative written with the node's own inputs, as the
  book writes a step (log: −t1 × 1/y1);
- compact: the shortest form found using the names of named intermediate nodes
  (y1 = exp(a1)/S gives exp(a1) = y1·S, so −t1·exp(a1)/y1 = −t1·S).

`given` adds relations the algebra may use for display, e.g. "t1 + t2 + t3 = 1" for one-hot
labels, which turns appendix A's final y1·(t1 + t2 + t3) − t1 into y1 − t1.

    from autograd.examples import appendix_a
    from viz.symbolic import ONE_HOT, symbolic
    sg = symbolic(appendix_a(labels="variables"), given=ONE_HOT)
    for s in sg.steps:
        print(s.node.op and s.node.op.name, sg.show(s))
"""
from __future__ import annotations

import functools
import operator
from dataclasses import dataclass

import sympy as sp

from autograd import Node, Value, backward_steps, enable_grad
from autograd.graph import apply, postorder
from autograd.primitives import Primitive
from viz.budget import BUDGET, Budget, BudgetExceeded
from viz.notation import to_text

__all__ = ["BUDGET", "Budget", "BudgetExceeded", "ONE_HOT", "StepText", "SymbolicGraph",
           "SymbolicStep", "SymbolicValue", "exact", "sum_is_one", "symbolic", "to_text"]

# Rewriting (cancel, factor, simplify) is tried only on expressions up to this many
# operations: the book's steps are far below it, a deep network's far above, and there
# the rewrites grow slow without making anything readable.
REWRITE_LIMIT = 60
SIMPLIFY_LIMIT = 40
_TRIG = (sp.functions.elementary.hyperbolic.HyperbolicFunction,
         sp.functions.elementary.trigonometric.TrigonometricFunction)

# forward of each scalar primitive on sympy expressions
_FORWARD = {
    "add": operator.add,
    "mul": operator.mul,
    "exp": sp.exp,
    "log": sp.log,
    "reciprocal": lambda x: 1 / x,
    "pow": lambda x, *, p: x ** p,
    "relu": lambda x: sp.Max(x, 0),
    # relu's mask where a rule runs on nodes (create_graph): the engine's `step` node of a
    # second derivative; its own rule (g·0) runs on sympy as it is
    "step": lambda x: sp.Heaviside(x, 0),
    "tanh": sp.tanh,
}


def _relu_rule(g, out, x):
    """relu's rule with the book's mask (1 where x > 0) as sympy's Heaviside step: the
    engine's mask compares numbers, which a symbol cannot do."""
    return (g * sp.Heaviside(x, 0),)


_RULES = {"relu": _relu_rule}  # every other rule is the engine's own, run on sympy
_TWINS = {}  # primitive name -> its sympy twin


def _twin(prim):
    """The sympy twin of primitive `prim`: forward on sympy expressions, the engine's
    derivative rule (relu's a Heaviside), its label and formula."""
    if prim.name not in _TWINS:
        if prim.name not in _FORWARD:
            raise TypeError(f"symbolic mode has no sympy form for primitive {prim.name!r}")
        _TWINS[prim.name] = Primitive(
            prim.name, forward=_FORWARD[prim.name],
            backward=_RULES.get(prim.name, prim.backward), label=prim.label,
            formula=prim.formula, sample=prim.sample)
    return _TWINS[prim.name]


class SymbolicValue(Value):
    """A Value holding a sympy expression, so that apply() records symbolic nodes and the
    engine's own backward walk runs over them.  A leaf is made as a Value and then given
    its expression; apply() makes the others."""

    __slots__ = ()

    def __init__(self, expr, name=None, requires_grad=True):
        super().__init__(0.0, name=name)
        self.requires_grad = requires_grad
        self.data = expr

    def _check_data(self, value):
        return sp.sympify(value)

    def _seed(self, grad):
        return sp.Integer(1) if grad is None else sp.sympify(grad)


def _number(v):
    """An exact sympy number where the float is a short decimal (−1, 1.1, 1e-7), so the
    algebra stays exact; a long float (a computed value) stays a Float."""
    v = float(v)
    if v.is_integer():
        return sp.Integer(int(v))
    text = repr(v)
    return sp.Rational(text) if len(text) <= 10 else sp.Float(v)


class _SympyOps:
    """viz.expr's ops interface building sympy expressions, the graph's symbols for
    the names."""

    def __init__(self, symbol):
        self.symbol = symbol

    def const(self, number):
        return _number(number)

    def var(self, name, _value):
        return self.symbol(name)

    add, sub, mul = operator.add, operator.sub, operator.mul
    div, pow = operator.truediv, operator.pow

    def neg(self, a):
        return -a

    def pos(self, a):
        return a

    def exp(self, a):
        return sp.exp(a)

    def log(self, a):
        return sp.log(a)

    def reciprocal(self, a):
        return 1 / a

    def relu(self, a):
        return sp.Max(a, 0)

    def sigmoid(self, a):
        return 1 / (1 + sp.exp(-a))

    def tanh(self, a):
        return sp.tanh(a)


def exact(v):
    """A number as sympy writes it exactly where it is short (−1, 1.1, 1e-7)."""
    return _number(v)


def _param(v):
    return _number(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


def _charged(method):
    """A SymbolicGraph method whose work counts against the graph's budget."""
    @functools.wraps(method)
    def charged(self, *args, **kwargs):
        with self.budget:
            return method(self, *args, **kwargs)
    return charged


# ----------------------------------------------------------------------------- the graph

@dataclass
class StepText:
    """A step's algebra as text: `upstream`; one `local` and one `sent` per input
    (sent reads 'literal = compact = with the given relations', equal forms once)."""

    upstream: str
    local: tuple
    sent: tuple


class SymbolicStep:
    """Step `index` of the backward pass at `node` (the numeric node), with full sympy
    expressions: `upstream`, `grads` (one per input) and `local` (upstream = 1)."""

    __slots__ = ("index", "node", "upstream", "grads", "_graph", "_shadow")

    def __init__(self, graph, index, node, shadow, upstream, grads):
        self._graph, self.index, self.node, self._shadow = graph, index, node, shadow
        self.upstream, self.grads = upstream, tuple(grads)

    @property
    def op(self):
        return self.node.op

    @property
    def local(self):
        return self._graph._rule(self._shadow, sp.Integer(1), full=True)

    @property
    def local_literal(self):
        """The local derivatives in the node's own terms (named nodes as symbols)."""
        return self._graph._rule(self._shadow, sp.Integer(1), full=False)

    def __repr__(self):
        what = self.node.op.name if self.node.op else "leaf"
        return f"SymbolicStep({self.index}, {what}, upstream={self.upstream})"


class SymbolicGraph:
    """The graph of `root` over sympy symbols.  See the module docstring.

    Attributes: `root` (the numeric root), `symbols` (name -> Symbol, for the named
    leaves and the named intermediate nodes), `leaves` (name -> the numeric leaf node),
    `seed` (the symbolic gradient at the root), `steps` (SymbolicStep list, aligned with
    autograd.backward_steps(root)), `given` (list of (lhs, rhs) relations), `budget`
    (the Budget every form is charged to: BudgetExceeded once it is spent).
    """

    def __init__(self, root, *, seed=None, given=None, names=None, budget=BUDGET):
        if callable(root) and not isinstance(root, Node):
            root = root()  # a builder function
        if not isinstance(root, Node):
            raise TypeError(f"symbolic() needs a Value, got {type(root).__name__}")
        self.budget = budget if isinstance(budget, Budget) else Budget(budget)
        with self.budget:
            self._make_twin(root, seed, given, names)

    def _make_twin(self, root, seed, given, names):
        self.root = root
        self._names = dict(names or {})
        self.symbols = {}
        self.leaves = {}
        self._shadow = {}  # numeric node -> shadow node (data: full expression)
        self._literal = {}  # numeric node -> its value in its own terms
        self._definition = {}  # numeric op node -> its op on its inputs' literal values
        self.quantities = {}  # name -> the (first) numeric node of that name
        self._build(root)
        self._node_of = {s: n for n, s in self._shadow.items()}
        if seed is None:
            seed = sp.Integer(1)
        elif isinstance(seed, str):
            seed = sp.Symbol(seed, real=True)
        elif isinstance(seed, (int, float)):
            seed = _number(seed)
        self.seed = sp.sympify(seed)
        self.given = self._relations(given)
        self._cache = {}
        self._named = self._named_nodes()
        self._reverse = self._reverse_relations()
        self.steps = []
        sroot = self._shadow[root]
        for st in backward_steps(sroot, self.seed):
            node = self._node_of[st.node]
            self.steps.append(SymbolicStep(self, st.index, node, st.node, st.upstream,
                                           st.grads))
        self._by_node = {s.node: s for s in self.steps}

    # -- building -------------------------------------------------------------------------

    def name_of(self, node):
        return self._names.get(node) or node.name

    def _symbol(self, name):
        if name not in self.symbols:
            self.symbols[name] = sp.Symbol(name, real=True)
        return self.symbols[name]

    def _build(self, root):
        with enable_grad():  # record the shadow graph even inside a no_grad() block
            for node in postorder(root):
                self._shadow[node] = self._make(node)

    def _make(self, node):
        """The shadow of `node`: a named leaf as its symbol, an unnamed one as the number
        it holds (the −1 and +1 of sigmoid), an op node through apply() with the
        primitive's sympy twin on the inputs' shadows."""
        if not isinstance(node, Value):
            raise TypeError("symbolic mode works on graphs of Values (scalars); "
                            f"got a {type(node).__name__} node")
        name = self.name_of(node)
        if node.op is None:
            expr = self._symbol(name) if name else _number(node.data)
            if name:
                self.leaves.setdefault(name, node)
                self.quantities.setdefault(name, node)
            self._literal[node] = expr
            return SymbolicValue(expr, node.name, node.requires_grad)
        twin = _twin(node.op)
        params = {k: _param(v) for k, v in node.params.items()} if node.params else {}
        shadow = apply(twin, *[self._shadow[p] for p in node.parents], **params)
        shadow.name = node.name
        self._definition[node] = twin.forward(*[self._literal[p] for p in node.parents],
                                              **params)
        self._literal[node] = self._symbol(name) if name else self._definition[node]
        if name:
            self.quantities.setdefault(name, node)
        return shadow

    def _rule(self, shadow, g, *, full):
        """The primitive's own derivative rule at `shadow`, on full or literal values."""
        if shadow.op is None:
            return ()
        if full:
            out, ins = shadow.data, [p.data for p in shadow.parents]
        else:
            node = self._node_of[shadow]
            out = self._literal[node]
            ins = [self._literal[p] for p in node.parents]
        return tuple(shadow.op.backward(g, out, *ins, **(shadow.params or {})))

    def _relations(self, given):
        if not given:
            return []
        if isinstance(given, (str, sp.Eq)):
            given = [given]
        elif isinstance(given, dict):
            given = list(given.items())
        out = []
        for rel in given:
            if isinstance(rel, str):
                lhs, _, rhs = rel.partition("=")
                lhs, rhs = self._parse(lhs), self._parse(rhs or "0")
            elif isinstance(rel, sp.Eq):
                lhs, rhs = rel.lhs, rel.rhs
            else:
                lhs, rhs = (self._parse(x) if isinstance(x, str) else sp.sympify(x)
                            for x in rel)
            out.append((lhs, rhs))
        return out

    def _parse(self, text):
        """A side of a relation, read by viz.expr's whitelist (names, numbers,
        + − × ÷ **, exp/log...): sympify would run the text as Python."""
        from viz.expr import parse
        expr = parse(text.strip())
        return expr.evaluate(dict.fromkeys(expr.variables), _SympyOps(self._symbol))

    def duplicate_names(self):
        """Names that two different nodes carry (their symbols would be confused)."""
        seen, dup = {}, set()
        for node in self._shadow:
            name = self.name_of(node)
            if name and seen.setdefault(name, node) is not node:
                dup.add(name)
        return sorted(dup)

    def _named_nodes(self):
        """Named op nodes, latest first: a bigger expression is folded before its parts."""
        order = list(self._shadow)  # post-order: inputs before consumers
        named = []
        for node in reversed(order):
            name = self.name_of(node)
            expr = self._shadow[node].data
            if node.op is not None and name and not expr.is_Atom:
                named.append((expr, self._symbol(name)))
        return named

    def _reverse_relations(self):
        """exp(a1) = y1·S from y1 = exp(a1)/S: a function of the leaves written with
        named nodes, when that removes every exp/log of the leaves."""
        rev = {}
        for expr, sym in self._named:
            d = self._fold(expr, skip=sym)
            atoms = d.atoms(sp.exp, sp.log)
            for atom in atoms:
                # an exp inside another exp or log comes out only through a log: such a
                # solution is refused below, and solve() takes minutes to find it
                if atom in rev or any(atom in a.args[0].atoms(sp.exp, sp.log)
                                      for a in atoms):
                    continue
                self.budget.check()
                try:
                    sol = sp.solve(sp.Eq(sym, d), atom)
                except (NotImplementedError, ValueError):
                    continue
                if len(sol) == 1 and not sol[0].atoms(sp.exp, sp.log):
                    rev[atom] = sol[0]
        return rev

    # -- display forms --------------------------------------------------------------------

    def _fold(self, expr, skip=None):
        key = ("f", expr, skip)
        if key not in self._cache:
            folded = expr
            for full, sym in self._named:
                if sym is not skip:
                    folded = folded.subs(full, sym)
            self._cache[key] = folded
        return self._cache[key]

    def _candidates(self, expr):
        """The forms compact() and reduce() choose from, once per expression."""
        key = ("k", expr)
        if key not in self._cache:
            self._cache[key] = self._rewrites(expr)
        return list(self._cache[key])

    def _rewrites(self, expr):
        base = self._fold(expr)
        forms = [expr, base]
        if self._reverse:
            forms.append(self._fold(base.subs(self._reverse)))
        syms = sorted({s for _, s in self._named}, key=str)
        for c in list(forms[1:]):
            if sp.count_ops(c) > REWRITE_LIMIT or c.has(sp.Float):
                # cancel/factor grow slow on long expressions, and crawl (minutes) on
                # computed floats: softmax_with_loss's log guard, its max shift
                continue
            self.budget.check()
            forms.append(self._fold(sp.cancel(c)))
            forms.append(self._fold(sp.factor(c)))
            if syms:
                forms.append(self._fold(sp.collect(sp.expand(c), syms)))
        return forms

    @staticmethod
    def _size(e):
        return (sp.count_ops(e), len(str(e)))

    @_charged
    def compact(self, expr):
        """The shortest form of `expr` using the named intermediate nodes."""
        expr = sp.sympify(expr)
        key = ("c", expr)
        if key not in self._cache:
            if expr.is_number or expr.is_Symbol:
                self._cache[key] = expr
            else:
                self._cache[key] = min(self._candidates(expr), key=self._size)
        return self._cache[key]

    @_charged
    def reduce(self, expr):
        """`compact`, also using the `given` relations (t1 + t2 + t3 = 1)."""
        expr = sp.sympify(expr)
        if not self.given or expr.is_number:
            return self.compact(expr)
        key = ("r", expr)
        if key not in self._cache:
            forms = []
            for c in self._candidates(expr) + [self.compact(expr)]:
                for lhs, rhs in self.given:
                    c = c.subs(lhs, rhs)
                forms.append(c)
            self._cache[key] = min(forms, key=self._size)
        return self._cache[key]

    def value(self, node):
        """The full expression of `node`'s forward value (leaf symbols only)."""
        return self._shadow[node].data

    def literal(self, node):
        """`node`'s value in its own terms: its name if named, else its op on its inputs'."""
        return self._literal[node]

    def step(self, index):
        return self.steps[index]

    def step_of(self, node):
        """The SymbolicStep at numeric node `node`, or None (no gradient reaches it)."""
        return self._by_node.get(node)

    def gradient(self, node):
        """The full gradient of the root with respect to `node` (every branch summed)."""
        st = self._by_node.get(node)
        return st.upstream if st is not None else sp.Integer(0)

    def _simplify(self, expr):
        """sympy.simplify, once per expression: the drawing's last form and the
        stepper's result both start from it.  tanh(u) and the like go in as atoms:
        trigsimp only expands the book's 1 − tanh²(u), and took a second doing it."""
        key = ("s", expr)
        if key not in self._cache:
            self.budget.check()
            atoms = {f: sp.Dummy() for f in expr.atoms(*_TRIG)}
            back = {d: f for f, d in atoms.items()}
            self._cache[key] = sp.simplify(expr.xreplace(atoms)).xreplace(back)
        return self._cache[key]

    @_charged
    def simplified_gradient(self, node):
        """The gradient in its shortest form, compact and with `given`.  simplify() may
        leave the book's terms (sigmoid's y(1 − y) becomes 1/(4cosh²(x/2))), so the
        unsimplified form competes too."""
        g = self.gradient(node)
        if sp.count_ops(g) > SIMPLIFY_LIMIT or g.has(sp.Float):
            return self.reduce(g)
        return min((self.reduce(g), self.reduce(self._simplify(g))), key=self._size)

    @_charged
    def simplest(self, expr, given=True):
        """`expr` as simplified_gradient writes a gradient (simplify() tried, the graph's
        names, the `given` relations unless given=False), in book form; None where that
        would cost more than it shows: an expression with computed floats in it
        (softmax_with_loss's log guard, its max shift), on which cancel and factor
        crawl, or a long one."""
        g = sp.sympify(expr)
        if g.has(sp.Float) or sp.count_ops(g) > SIMPLIFY_LIMIT:
            return None
        form = self.reduce if given else self.compact
        return self.book_form(min((form(g), form(self._simplify(g))), key=self._size))

    def final_form(self, node, given=True):
        """simplest() of the gradient reaching `node` (y(1 − y) for sigmoid's x)."""
        return self.simplest(self.gradient(node), given)

    def text(self, expr):
        """`expr` as one line of text, the symbolic seed (∂L/∂y) first in products."""
        return to_text(expr, lead=self.seed.free_symbols if self.seed.is_Symbol else ())

    @_charged
    def chain(self, literal, full):
        """'literal = compact = reduced' as text, each distinct form once."""
        parts = []
        for e in (literal, self.compact(full), self.reduce(full)):
            t = self.text(e)
            if t not in parts:
                parts.append(t)
        return " = ".join(parts)

    @_charged
    def show(self, step):
        """A step's upstream, local derivatives and sent gradients as text."""
        if isinstance(step, int):
            step = self.steps[step]
        up = self.compact(step.upstream)
        local = step.local_literal
        sent = tuple(self.chain(up * loc, g) for loc, g in zip(local, step.grads))
        return StepText(self.text(up), tuple(self.text(x) for x in local), sent)

    # -- the drawings' forms: a step as the book writes it --------------------------------

    def forward(self, node):
        """`node`'s forward value as the book labels its edge: its name if named, else its
        op on its inputs' labels (exp(a1), 1/S, t1·log(y1), 1 + exp(−x))."""
        return self._literal[node]

    def _monomials(self):
        """Substitutions between named quantities defined by a product (y1 = exp(a1)·1/S):
        the name unfolded (y1 -> exp(a1)/S) and each factor in terms of the others
        (exp(a1) -> y1·S, S -> exp(a1)/y1).  A definition with a sum in it (sigmoid's
        y = 1/(1 + exp(−x))) gives none: the book does not trade exp(−x) for 1/y − 1 in
        the middle of a derivation, only in its last line."""
        if "monomials" not in self._cache:
            subs = []
            for sym, d in self.definitions():
                subs.append((sym, d))
                for f in sp.Mul.make_args(d):
                    base, k = f.as_base_exp()
                    if not f.is_number and k in (1, -1):
                        subs.append((base, (sym * base ** k / d) ** k))
            self._cache["monomials"] = subs
        return self._cache["monomials"]

    def definitions(self):
        """(symbol, definition) of each named quantity defined by a product (y1 =
        exp(a1)/S), in the node's own terms (made once: why() asks at every step)."""
        if "definitions" not in self._cache:
            self._cache["definitions"] = [
                (self._symbol(name), d) for node, d in self._definition.items()
                if (name := self.name_of(node)) and not d.is_Atom
                and not any(f.has(sp.Add) for f in sp.Mul.make_args(d))]
        return self._cache["definitions"]

    @_charged
    def fold(self, expr):
        """`expr` with the values of named nodes written as their names (exp(a1)/(exp(a1)
        + exp(a2) + exp(a3)) -> y1), and nothing else done to it."""
        return self._fold(sp.sympify(expr))

    def _book_size(self, e):
        # fewer quantities first (−t1·S over −t1·exp(a1)/y1), then fewer operations
        return (len(e.free_symbols), sp.count_ops(e), len(str(e)))

    @_charged
    def book_form(self, expr):
        """The shortest of `expr` and what the substitutions of _monomials() (and
        expanding) make of it, searched greedily: −t1/(S·y1) -> −t1/exp(a1),
        −t1·exp(a1)/y1 -> −t1·S, (1/S − t1/exp(a1))·exp(a1) -> y1 − t1."""
        best = sp.sympify(expr)
        if best.is_number or best.is_Atom or sp.count_ops(best) > REWRITE_LIMIT:
            return best
        key = ("b", best)
        if key not in self._cache:
            subs = self._monomials()
            moves = [lambda e, a=a, b=b: e.subs(a, b) for a, b in subs]
            # expanded first, a product can meet its definition: exp(a1)·(t1 + t2)/S
            # is t1·exp(a1)/S + t2·exp(a1)/S, where exp(a1)/S is y1
            moves += [lambda e, a=a, b=b: sp.expand(e).subs(a, b) for a, b in subs]
            names = sorted({s for _, s in self._named}, key=str)
            moves += [sp.expand, sp.factor_terms, lambda e: sp.collect(e, names)]
            for _ in range(4):
                self.budget.check()
                options = [m(best) for m in moves]
                better = min(options, key=self._book_size, default=best)
                if self._book_size(better) >= self._book_size(best):
                    break
                best = better
            self._cache[key] = best
        return self._cache[key]

    @_charged
    def book_sum(self, parts):
        """Gradients arriving at a branch, added as the book adds them: the sum of their
        forms, with a common factor taken out (−t1·S − t2·S − t3·S = −S(t1 + t2 + t3));
        the relations in `given` are not used here (a sum shows what arrived)."""
        total = sp.Add(*parts)
        factored = sp.factor_terms(total)
        return min((total, factored), key=self._book_size)

    @_charged
    def with_given(self, expr):
        """`expr` with the `given` relations used (t1 + t2 + t3 -> 1), in book form; the
        same expression when they change nothing."""
        out = expr
        for lhs, rhs in self.given:
            out = out.subs(lhs, rhs)
        return expr if out == expr else self.book_form(out)

    def book_text(self, expr):
        """`expr` in the drawings' notation (see _BookPrinter)."""
        leaves = {self.symbols[n] for n in self.leaves if n in self.symbols}
        exps = {v for v in self._literal.values() if isinstance(v, sp.exp)}
        return to_text(expr, lead=self.seed.free_symbols if self.seed.is_Symbol else (),
                       book=True, leaves=leaves, exp_atoms=exps)

    def numbers(self, seed=1.0):
        """Symbol -> number: every named node's value and the symbolic seed's `seed`, to
        evaluate a displayed form at the graph's point."""
        values = {self.symbols[n]: float(node.data) for n, node in self.quantities.items()
                  if n in self.symbols}
        if self.seed.is_Symbol:
            values[self.seed] = float(seed)
        return values


def symbolic(root, *, seed=None, given=None, names=None, budget=BUDGET):
    """The graph of `root` (a Value, or a function building one) over sympy symbols.

    seed: the gradient at the root: 1 (default), a number, or a symbol name such as
        '∂L/∂y' (figure 5-20's upstream).
    given: relations the display may use: 't1 + t2 + t3 = 1', a list of them, a dict
        {lhs: rhs} or sympy Eq objects.
    names: {node: 'S'} names for intermediate nodes, without renaming the nodes.
    budget: CPU seconds the graph's algebra may spend, its making and every form asked
        of it (BUDGET; None: no limit); past it BudgetExceeded is raised.
    """
    return SymbolicGraph(root, seed=seed, given=given, names=names, budget=budget)


def sum_is_one(names):
    """The relation name1 + name2 + ... = 1 (one-hot labels), for `given`: the symbols
    are made from the names as data, never parsed."""
    return sp.Eq(sp.Add(*[sp.Symbol(n, real=True) for n in names]), 1)


# the one-hot relation of appendix A's labels, for `given`
ONE_HOT = "t1 + t2 + t3 = 1"
