"""A typed expression at a point, built as the engine's graph: what `graphgrad draw` and the
playground draw and step.

    built = build_graph("softmax_with_loss(a, t)", {"a": array([0.3, 2.9, 4.0]),
                                                    "t": array([0., 0., 1.])})
    built.root.backward(); viz.draw(built.root)       # appendix A, node by node

Two forms, chosen from the expression and its values:

- **elements** (no matrix, no `@`, no `max`): a number is one Value; a vector's elements
  are Values named a1, a2, a3, as appendix A names them, and the operations work
  element by element (a scalar is shared by every element).  softmax, cross_entropy_error
  and softmax_with_loss are appendix A's graph (no max shift, no log guard: figures A-4
  and A-5); sum is one + chain (appendix A's S); mean is that sum ÷ n.  The book's
  symbols (labels='symbols') need this form.
- **arrays** (a matrix, `@` or `max` in it): every value is one Tensor node, as the book
  draws the Affine layer (figure 5-25), with the engine's defaults (softmax's max shift,
  the loss's log guard).  A vector is a row, a batch of one (1×n), as the book's x is:
  x @ W multiplies 1×n by n×m.

Variables require a gradient; literals and labels (the `t` of a loss) are constants,
drawn as constants: a one-hot vector's elements are named t1, t2, t3 in the elements
form.  `x ** y` with a variable exponent is exp(y·log x).  Shape mistakes are ExprErrors
pointing at the operation (viz.expr.Expr.evaluate puts the position in).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from autograd import Tensor, Value
from autograd import functions as F
from autograd.graph import postorder
from viz.expr import Expr, ExprError, parse
from viz.refusal import N_

__all__ = ["FORMS", "Built", "build_graph", "form_of", "leaves", "name_output",
           "output_name"]

FORMS = ("elements", "arrays")
# the name of the output when the expression does not name it: the first one that is
# not a variable of the expression, so `f*2 --at f=3` says ∂g/∂f, not ∂f/∂f
OUTPUT_NAMES = ("f", "g", "h", "F", "out")


@dataclass
class Built:
    """The graph of `expression` at `values`: its output `root`, the `variables`
    ({name: the Value, list of Values or Tensor made for it}) and the `form`."""

    root: object
    variables: dict
    expression: Expr
    values: dict
    form: str


def form_of(expression: Expr, values) -> str:
    """'arrays' when a matrix, @ or max appears, else 'elements'."""
    matrix = any(isinstance(values.get(n), np.ndarray) and values[n].ndim == 2
                 for n in expression.variables)
    if matrix or expression.uses("matmul") or expression.uses("max"):
        return "arrays"
    return "elements"


def build_graph(text, values, *, max_nodes=None) -> Built:
    """Parse `text` (or take an Expr), build its graph at `values` ({name: float or
    array}); ExprError for a parse, shape or size problem; the engine's errors
    (DomainError, ArithmeticError) for a value the expression cannot take, with
    `expr_offset` set to the operation."""
    expression = text if isinstance(text, Expr) else parse(text)
    form = form_of(expression, values)
    ops = ElementOps() if form == "elements" else ArrayOps()
    root = expression.evaluate(values, ops)
    _check_names(expression, ops.variables)
    if isinstance(root, list):
        raise ExprError(N_("the expression gives a {n}-vector; the graph needs one number "
                           "at its end: wrap it in sum(...) or mean(...)"),
                        expression.text, 0, n=len(root))
    if not isinstance(root, (Value, Tensor)):
        root = ops.node(root)
    if isinstance(root, Tensor) and root.data.ndim:
        raise ExprError(N_("the expression gives an array of shape {shape}; the graph "
                           "needs one number at its end: wrap it in sum(...) or mean(...)"),
                        expression.text, 0, shape=root.data.shape)
    if max_nodes is not None:
        size = len(postorder(root))
        if size > max_nodes:
            raise ExprError(N_("the graph has {n} nodes; the limit here is {limit}: use "
                               "shorter vectors or fewer operations"), expression.text, 0,
                            n=size, limit=max_nodes)
    return Built(root, ops.variables, expression, dict(values), form)


def output_name(variables):
    taken = set(variables)
    names = OUTPUT_NAMES + tuple(f"out{i}" for i in range(1, len(taken) + 2))
    return next(n for n in names if n not in taken)


def name_output(built):
    """Name the output (f, or the loss's L) unless it has a name of its own; the
    expression "x" is the variable x itself, and sigmoid's y must not read as a
    variable y.  Returns the name."""
    root, variables = built.root, built.expression.variables
    if root.name is None or (root.op is not None and root.name in variables):
        root.name = output_name(variables)
    return root.name


def leaves(built):
    """(name, node) of every variable's node, a vector's elements one by one; labels are
    data and not among them."""
    out = []
    for name in built.expression.variables:
        if name in built.expression.labels:
            continue
        made = built.variables[name]
        out += [(v.name, v) for v in made] if isinstance(made, list) else [(name, made)]
    return out


def _check_names(expression, made):
    """A vector's elements (a1, a2) must not share a name with another variable."""
    vectors = {n: m for n, m in made.items() if isinstance(m, list)}
    for name, elements in vectors.items():
        for other in expression.variables:
            if other != name and any(v.name == other for v in elements):
                raise ExprError(
                    N_("the elements of {name} are named {first}, {second}... and {other} is "
                       "a variable too: rename one"), expression.text,
                    expression.offset_of(other), name=repr(name), first=elements[0].name,
                    second=elements[1].name if len(elements) > 1 else "", other=repr(other))


def _constant(node):
    node.requires_grad = False
    return node


class _Ops:
    """What both forms share: the names they made, the variable exponent."""

    def __init__(self):
        self.variables = {}

    def pos(self, a):
        return a

    def sqrt(self, a):
        return self.pow(a, self.const(0.5))

    def pow(self, a, b):
        if not self.varies(b):
            return self.map(a, lambda x: x ** self.number(b))
        # a variable exponent: a ** b = exp(b·log a), the way its derivative is found
        return self.exp(self.mul(b, self.log(a)))


class ElementOps(_Ops):
    """Values, and vectors as lists of Values (appendix A's way)."""

    def node(self, x):
        return _constant(Value(float(x))) if not isinstance(x, Value) else x

    def const(self, number):
        return _constant(Value(number))

    def var(self, name, value):
        if isinstance(value, np.ndarray):
            made = [Value(float(v), name=f"{name}{k}") for k, v in enumerate(value, 1)]
        else:
            made = Value(float(value), name=name)
        self.variables[name] = made
        return made

    def label(self, name, value):
        if isinstance(value, np.ndarray):
            made = [_constant(Value(float(v), name=f"{name}{k}"))
                    for k, v in enumerate(value, 1)]
        else:
            made = _class_index(name, value)
        self.variables[name] = made
        return made

    def varies(self, x):
        items = x if isinstance(x, list) else [x]
        return any(v.requires_grad for v in items)

    def number(self, x):
        return x.data  # a constant exponent: a literal, or made of literals

    def map(self, a, fn):
        return [fn(v) for v in a] if isinstance(a, list) else fn(a)

    def zip(self, a, b, fn, symbol):
        if isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                raise ExprError(N_("{symbol} of a {m}-vector and a {n}-vector: element by "
                                   "element, they need the same length"), symbol=symbol,
                                m=len(a), n=len(b))
            return [fn(x, y) for x, y in zip(a, b)]
        if isinstance(a, list):
            return [fn(x, b) for x in a]
        if isinstance(b, list):
            return [fn(a, y) for y in b]
        return fn(a, b)

    def add(self, a, b):
        return self.zip(a, b, lambda x, y: x + y, "+")

    def sub(self, a, b):
        return self.zip(a, b, lambda x, y: x - y, "−")

    def mul(self, a, b):
        return self.zip(a, b, lambda x, y: x * y, "*")

    def div(self, a, b):
        return self.zip(a, b, lambda x, y: x / y, "/")

    def neg(self, a):
        return self.map(a, lambda x: -x)

    def exp(self, a):
        return self.map(a, lambda x: x.exp())

    def log(self, a):
        return self.map(a, lambda x: x.log())

    def reciprocal(self, a):
        return self.map(a, lambda x: x.reciprocal())

    def relu(self, a):
        return self.map(a, lambda x: x.relu())

    def sigmoid(self, a):
        return self.map(a, lambda x: x.sigmoid())

    def tanh(self, a):
        return self.map(a, lambda x: x.tanh())

    def softmax(self, a):
        return F.softmax(_vector(a, "softmax"), shift=False)

    def sum(self, a):
        if not isinstance(a, list):
            return a
        total = a[0]
        for v in a[1:]:  # one + chain, as appendix A sums its S
            total = total + v
        return total

    def mean(self, a):
        return self.sum(a) / len(a) if isinstance(a, list) else a

    def cross_entropy_error(self, y, t):
        return F.cross_entropy_error(_vector(y, "cross_entropy_error"), _labels(t, y),
                                     delta=0)

    def softmax_with_loss(self, a, t):
        return F.softmax_with_loss(_vector(a, "softmax_with_loss"), _labels(t, a), delta=0,
                                   shift=False)


def _vector(a, name):
    if not isinstance(a, list):
        raise ExprError(N_("{name} needs a vector: give its argument as one, e.g. a=1,2,3"),
                        name=name)
    return a


def _class_index(name, value):
    if float(value) != int(value) or value < 0:
        raise ExprError(N_("the labels {name} are a one-hot vector (0,0,1) or a class index "
                           "(0, 1, 2 ...), got {value}"), name=repr(name), value=repr(value))
    return int(value)


def _labels(t, scores):
    """Labels as the loss takes them: a class index, or one-hot constants."""
    if isinstance(t, numbers.Real) and not isinstance(t, Value):
        if float(t) != int(t) or t < 0:
            raise ExprError(N_("a class index is 0, 1, 2 ..., got {value}"), value=repr(t))
        t = int(t)
        if isinstance(scores, list) and t >= len(scores):
            raise ExprError(N_("class index {t} for {n} scores: the classes are 0 to {last}"),
                            t=t, n=len(scores), last=len(scores) - 1)
        return t
    if isinstance(t, Value):  # a literal class index, made a constant by const()
        return _labels(t.data, scores)
    if isinstance(scores, list) and len(t) != len(scores):
        raise ExprError(N_("{m} labels for {n} scores: give one per score"), m=len(t),
                        n=len(scores))
    return t


def _row(value):
    """A vector as the book's x: a row, a batch of one (1×n), so x @ W is 1×n @ n×m."""
    value = np.asarray(value, float)
    return value.reshape(1, -1) if value.ndim == 1 else value


class ArrayOps(_Ops):
    """Tensors: each value one node, as the book draws the Affine layer."""

    def node(self, x):
        return x if isinstance(x, Tensor) else _constant(Tensor(np.asarray(x, float)))

    def const(self, number):
        return _constant(Tensor(float(number)))

    def var(self, name, value):
        made = self.variables[name] = Tensor(_row(value), requires_grad=True, name=name)
        return made

    def label(self, name, value):
        if isinstance(value, np.ndarray):
            made = _row(value)
        else:
            made = _class_index(name, value)
        self.variables[name] = made
        return made

    def varies(self, x):
        return isinstance(x, Tensor) and x.requires_grad

    def number(self, x):
        return float(x.data)  # a constant exponent: a literal, or made of literals

    def map(self, a, fn):
        return fn(a)

    def binary(self, a, b, fn, symbol):
        a, b = self.node(a), self.node(b)
        try:
            np.broadcast_shapes(a.data.shape, b.data.shape)
        except ValueError:
            raise ExprError(N_("{symbol} of shapes {a} and {b}: they do not broadcast"),
                            symbol=symbol, a=a.data.shape, b=b.data.shape) from None
        return fn(a, b)

    def add(self, a, b):
        return self.binary(a, b, lambda x, y: x + y, "+")

    def sub(self, a, b):
        return self.binary(a, b, lambda x, y: x - y, "−")

    def mul(self, a, b):
        return self.binary(a, b, lambda x, y: x * y, "*")

    def div(self, a, b):
        return self.binary(a, b, lambda x, y: x / y, "/")

    def matmul(self, a, b):
        a, b = self.node(a), self.node(b)
        sa, sb = a.data.shape, b.data.shape
        if not (a.data.ndim and b.data.ndim) or sa[-1] != sb[0 if b.data.ndim == 1 else -2]:
            raise ExprError(N_("@ of shapes {a} and {b}: the inner sizes must agree "
                               "(n×k @ k×m)"), a=sa, b=sb)
        return a @ b

    def neg(self, a):
        return -self.node(a)

    def exp(self, a):
        return self.node(a).exp()

    def log(self, a):
        return self.node(a).log()

    def reciprocal(self, a):
        return self.node(a).reciprocal()

    def relu(self, a):
        return self.node(a).relu()

    def sigmoid(self, a):
        return self.node(a).sigmoid()

    def tanh(self, a):
        return self.node(a).tanh()

    def softmax(self, a):
        return F.softmax(self.node(a))

    def sum(self, a):
        return self.node(a).sum()

    def mean(self, a):
        return self.node(a).mean()

    def max(self, a):
        return self.node(a).max()

    def cross_entropy_error(self, y, t):
        return F.cross_entropy_error(self.node(y), _labels(t.data if isinstance(t, Tensor)
                                                           else t, None))

    def softmax_with_loss(self, a, t):
        return F.softmax_with_loss(self.node(a), _labels(t.data if isinstance(t, Tensor)
                                                         else t, None))
