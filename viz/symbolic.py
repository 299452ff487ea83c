"""The same graph over sympy symbols: the book's algebra next to the numbers.

`symbolic(root)` rebuilds the graph that computed `root` with a sympy expression in every
node: a named leaf becomes a symbol (`x`, `a1`, `t1`), an unnamed leaf stays the number it
holds (the −1 and +1 of sigmoid).  The shadow graph is made where the engine makes every
node, by `autograd.graph.apply()`, with a sympy twin of each primitive: the same
derivative rule, a forward on sympy expressions (exp -> sympy.exp, ...).  The backward
pass is then the engine's own `backward_steps`, so every gradient comes from the
primitives' own rules, run on sympy expressions (they are written with operators, so
they do not care); only relu's rule, whose mask is a numeric comparison, becomes the
Heaviside step.

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

import operator
import re
from dataclasses import dataclass

import sympy as sp
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from autograd import Node, Value, backward_steps, enable_grad
from autograd.graph import apply, postorder
from autograd.primitives import Primitive

__all__ = ["ONE_HOT", "StepText", "SymbolicGraph", "SymbolicStep", "SymbolicValue",
           "symbolic", "to_text"]

# Rewriting (cancel, factor, simplify) is tried only on expressions up to this many
# operations: the book's steps are far below it, a deep network's far above, and there
# the rewrites grow slow without making anything readable.
REWRITE_LIMIT = 60
SIMPLIFY_LIMIT = 40

# forward of each scalar primitive on sympy expressions
_FORWARD = {
    "add": operator.add,
    "mul": operator.mul,
    "exp": sp.exp,
    "log": sp.log,
    "reciprocal": lambda x: 1 / x,
    "pow": lambda x, *, p: x ** p,
    "relu": lambda x: sp.Max(x, 0),
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


def _param(v):
    return _number(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


# ----------------------------------------------------------------------------- printing

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


class _Printer(StrPrinter):
    """sympy's str, with the upstream symbol (∂L/∂y) written first in a product, as the
    book writes ∂L/∂y·y², and Heaviside as H."""

    lead = ()

    def _print_Mul(self, expr):
        for s in self.lead:
            if s in expr.args:
                rest = expr / s
                sign = "-" if rest.could_extract_minus_sign() else ""
                rest = -rest if sign else rest
                if rest == 1:
                    return f"{sign}{self._print(s)}"
                inner = self.parenthesize(rest, PRECEDENCE["Mul"], strict=True)
                return f"{sign}{self._print(s)}*{inner}"
        return super()._print_Mul(expr)

    def _print_Add(self, expr, order=None):
        # positive terms first (y1 − t1, 1 − y), otherwise sympy's order
        terms = sorted(self._as_ordered_terms(expr, order=order),
                       key=lambda t: t.could_extract_minus_sign())
        parts = []
        for term in terms:
            t = self._print(term)
            sign = "+"
            if t.startswith("-") and not term.is_Add:
                sign, t = "-", t[1:]
            if precedence(term) < precedence(expr) or term.is_Add:
                t = f"({t})"
            parts += [sign, t]
        sign = parts.pop(0)
        return ("" if sign == "+" else sign) + " ".join(parts)

    def _print_Symbol(self, expr):
        name = expr.name
        return f"({name})" if any(c in name for c in "/ +-*") else name

    def _print_Pow(self, expr, rational=False):
        # a**(-2) as the book's 1/a²
        if expr.exp.is_Integer and expr.exp < 0:
            inner = self.parenthesize(expr.base ** -expr.exp, PRECEDENCE["Mul"])
            return f"1/{inner}"
        return super()._print_Pow(expr, rational=rational)

    def _print_Heaviside(self, expr):
        return f"H({self._print(expr.args[0])})"


def to_text(expr, lead=()):
    """One line, the book's way: −t1/y1, −S·t1, y·(1 − y), exp(−x), y².  Symbols in
    `lead` come first in a product."""
    printer = _Printer()
    printer.lead = tuple(lead)
    expr = sp.sympify(expr)
    text = printer.doprint(expr)
    if expr.is_Symbol and text.startswith("("):
        text = text[1:-1]  # ∂L/∂y needs its parentheses only inside a product
    text = re.sub(r"\*\*(\d+)", lambda m: m.group(1).translate(_SUPERSCRIPT), text)
    text = text.replace("**", "^").replace("*", "·")
    return text.replace("-", "−")


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
    autograd.backward_steps(root)), `given` (list of (lhs, rhs) relations).
    """

    def __init__(self, root, *, seed=None, given=None, names=None):
        if callable(root) and not isinstance(root, Node):
            root = root()  # a builder function
        if not isinstance(root, Node):
            raise TypeError(f"symbolic() needs a Value, got {type(root).__name__}")
        self.root = root
        self._names = dict(names or {})
        self.symbols = {}
        self.leaves = {}
        self._shadow = {}  # numeric node -> shadow node (data: full expression)
        self._literal = {}  # numeric node -> its value in its own terms
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
        self._named = self._named_nodes()
        self._reverse = self._reverse_relations()
        self._cache = {}
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
            self._literal[node] = expr
            return SymbolicValue(expr, node.name, node.requires_grad)
        twin = _twin(node.op)
        params = {k: _param(v) for k, v in node.params.items()} if node.params else {}
        shadow = apply(twin, *[self._shadow[p] for p in node.parents], **params)
        shadow.name = node.name
        if name:
            self._literal[node] = self._symbol(name)
        else:
            self._literal[node] = twin.forward(*[self._literal[p] for p in node.parents],
                                               **params)
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
                lhs = sp.sympify(lhs, locals=self.symbols)
                rhs = sp.sympify(rhs or "0", locals=self.symbols)
            elif isinstance(rel, sp.Eq):
                lhs, rhs = rel.lhs, rel.rhs
            else:
                lhs, rhs = (sp.sympify(x, locals=self.symbols) for x in rel)
            out.append((lhs, rhs))
        return out

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
            for atom in d.atoms(sp.exp, sp.log):
                if atom in rev:
                    continue
                try:
                    sol = sp.solve(sp.Eq(sym, d), atom)
                except (NotImplementedError, ValueError):
                    continue
                if len(sol) == 1 and not sol[0].atoms(sp.exp, sp.log):
                    rev[atom] = sol[0]
        return rev

    # -- display forms --------------------------------------------------------------------

    def _fold(self, expr, skip=None):
        for full, sym in self._named:
            if sym is not skip:
                expr = expr.subs(full, sym)
        return expr

    def _candidates(self, expr):
        base = self._fold(expr)
        forms = [expr, base]
        if self._reverse:
            forms.append(self._fold(base.subs(self._reverse)))
        syms = sorted({s for _, s in self._named}, key=str)
        for c in list(forms[1:]):
            if sp.count_ops(c) > REWRITE_LIMIT:
                continue  # cancel/factor grow slow on long expressions
            forms.append(self._fold(sp.cancel(c)))
            forms.append(self._fold(sp.factor(c)))
            if syms:
                forms.append(self._fold(sp.collect(sp.expand(c), syms)))
        return forms

    @staticmethod
    def _size(e):
        return (sp.count_ops(e), len(str(e)))

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

    def gradient(self, node):
        """The full gradient of the root with respect to `node` (every branch summed)."""
        st = self._by_node.get(node)
        return st.upstream if st is not None else sp.Integer(0)

    def simplified_gradient(self, node):
        """The gradient in its shortest form, compact and with `given`.  simplify() may
        leave the book's terms (sigmoid's y(1 − y) becomes 1/(4cosh²(x/2))), so the
        unsimplified form competes too."""
        g = self.gradient(node)
        if sp.count_ops(g) > SIMPLIFY_LIMIT:
            return self.reduce(g)
        return min((self.reduce(g), self.reduce(sp.simplify(g))), key=self._size)

    def text(self, expr):
        """`expr` as one line of text, the symbolic seed (∂L/∂y) first in products."""
        return to_text(expr, lead=self.seed.free_symbols if self.seed.is_Symbol else ())

    def chain(self, literal, full):
        """'literal = compact = reduced' as text, each distinct form once."""
        parts = []
        for e in (literal, self.compact(full), self.reduce(full)):
            t = self.text(e)
            if t not in parts:
                parts.append(t)
        return " = ".join(parts)

    def show(self, step):
        """A step's upstream, local derivatives and sent gradients as text."""
        if isinstance(step, int):
            step = self.steps[step]
        up = self.compact(step.upstream)
        local = step.local_literal
        sent = tuple(self.chain(up * loc, g) for loc, g in zip(local, step.grads))
        return StepText(self.text(up), tuple(self.text(x) for x in local), sent)

    def show_sum(self, upstream, sent):
        """Text for a merged step (a collapsed composite): compact upstream expressions
        entering it, and the chain for each full gradient leaving it."""
        ups = tuple(self.text(self.compact(u)) for u in upstream)
        outs = tuple(self.chain(self.compact(g), g) for g in sent)
        return ups, outs


def symbolic(root, *, seed=None, given=None, names=None):
    """The graph of `root` (a Value, or a function building one) over sympy symbols.

    seed: the gradient at the root: 1 (default), a number, or a symbol name such as
        '∂L/∂y' (figure 5-20's upstream).
    given: relations the display may use: 't1 + t2 + t3 = 1', a list of them, a dict
        {lhs: rhs} or sympy Eq objects.
    names: {node: 'S'} names for intermediate nodes, without renaming the nodes.
    """
    return SymbolicGraph(root, seed=seed, given=given, names=names)


# the one-hot relation of appendix A's labels, for `given`
ONE_HOT = "t1 + t2 + t3 = 1"
