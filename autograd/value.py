"""Value: a scalar node holding a Python float, micrograd-compatible."""
import numbers

import numpy as np

from autograd import functions as F
from autograd.graph import Node, _apply, _new, apply
from autograd.primitives import ADD, EXP, LOG, MUL, POW, RECIPROCAL, RELU, TANH
from autograd.walk import backward as _backward

__all__ = ["Value"]

# micrograd's `_op` strings, for code that reads them (its draw_dot, the lecture's cells)
_MICROGRAD_OPS = {"add": "+", "mul": "*", "relu": "ReLU", "tanh": "tanh", "exp": "exp",
                  "log": "log", "reciprocal": "**-1"}


def _to_float(x):
    if isinstance(x, float):
        return float(x)  # also turns np.float64 (a float subclass) into a plain float
    if isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_)):
        return float(x)
    if isinstance(x, np.ndarray) and x.size == 1 and x.dtype.kind in "fiu":
        return float(x.reshape(()))
    raise TypeError(f"Value needs a real number, got {type(x).__name__} {x!r:.60}; "
                    "use Tensor for arrays")


class Value(Node, plain="number"):
    """A scalar in the graph: `.data` a float, `.grad` a float (0.0 before backward).

    Code written for micrograd's Value runs unchanged: `Value(2.0, label='a')`, `a * b + c`,
    `.relu()`, `.tanh()`, `.backward()`, `.grad`, `p.grad = 0`, `p.data -= lr * p.grad`,
    and the graph as micrograd exposes it: `._prev`, `._op`, `._backward()`, `.label`.
    A plain number in an expression is a constant: it gets no gradient.
    """

    __slots__ = ()
    _grad_zero = 0.0

    def __init__(self, data, _children=(), _op="", label=None, *, name=None):
        if isinstance(_children, str) and name is None:  # Value(2.0, "x"): the name
            _children, name = (), _children
        if _children or _op:
            raise TypeError("Value(data, _children, _op): graphgrad records the graph "
                            "itself; build nodes with operators (a + b, a.tanh()) and give "
                            "only data and a name or label")
        if label and name is not None and label != name:  # one would be dropped silently
            raise TypeError(f"Value got name={name!r} and label={label!r}: label is "
                            "micrograd's word for name; give one of them")
        self._leaf(_to_float(data), name if name is not None else (label or None), True)

    def _check_data(self, value):
        return _to_float(value)

    def backward(self, grad=None):
        """Seed this node with `grad` (1.0 by default) and add its gradient into the
        `.grad` of every node upstream (autograd.walk.backward)."""
        _backward(self, grad)

    def _seed(self, grad):
        return 1.0 if grad is None else _to_float(grad)

    def _accumulate(self, g):
        self.grad = self.grad + g

    def __repr__(self):
        name = f", name={self.name!r}" if self.name else ""
        return f"Value(data={self._data}, grad={self.grad}{name})"

    # `type(other) is Value` first: the scalar hot path skips the coercion call
    def __add__(self, other):
        return _apply(ADD, self, other if type(other) is Value else _coerce(other), None)

    def __mul__(self, other):
        return _apply(MUL, self, other if type(other) is Value else _coerce(other), None)

    def __pow__(self, other):
        if isinstance(other, Node) or not isinstance(other, numbers.Real):
            raise TypeError("Value ** supports a number exponent only (x ** 2, x ** -1); "
                            "for a Value exponent write exp(y * log(x))")
        return apply(POW, self, p=_exponent(other))

    def __rpow__(self, other):  # other ** self
        raise TypeError(f"{type(other).__name__} ** Value is not supported (the exponent "
                        "must be a number); for a ** y write (y * math.log(a)).exp()")

    def __radd__(self, other):  # other + self (other is never a Value here)
        return _apply(ADD, _coerce(other), self, None)

    def __rmul__(self, other):  # other * self
        return _apply(MUL, _coerce(other), self, None)

    def __neg__(self):  # -self
        return F.neg(self)

    def __sub__(self, other):  # self - other
        return F.sub(self, _coerce(other))

    def __rsub__(self, other):  # other - self
        return F.sub(_coerce(other), self)

    def __truediv__(self, other):  # self * 1/other
        return F.div(self, _coerce(other))

    def __rtruediv__(self, other):  # other * 1/self
        return F.div(_coerce(other), self)

    def exp(self):
        return apply(EXP, self)

    def log(self):
        return apply(LOG, self)

    def reciprocal(self):
        return apply(RECIPROCAL, self)

    def relu(self):
        return _apply(RELU, self, None, None)

    def tanh(self):
        return _apply(TANH, self, None, None)

    def sigmoid(self):
        return F.sigmoid(self)

    # ------------------------------------------------------------------ micrograd's view
    @property
    def _prev(self):
        """micrograd's set of inputs (empty for a leaf)."""
        return set(self.parents)

    @property
    def _op(self):
        """micrograd's operation string: '' for a leaf, '+', '*', '**2', 'ReLU', 'tanh'."""
        op = self.op
        if op is None:
            return ""
        if op.name == "pow":
            return f"**{self.params['p']}"
        return _MICROGRAD_OPS.get(op.name, op.name)

    def _backward(self):
        """This node's local step, as micrograd's: upstream `.grad` times the local
        derivative, added into each input's `.grad` (a leaf has nothing to do).  Called
        in reverse topological order it gives what backward() gives; backward() is the
        walk that does so."""
        op = self.op
        if op is None:
            return
        parents = self.parents
        sent = op.backward(self.grad, self._data, *[p._data for p in parents],
                           **(self.params or {}))
        for p, g in zip(parents, sent):
            if p.requires_grad:
                p.grad = p.grad + g


def _exponent(p):
    """A plain int or float: a numpy exponent would turn .data into np.float64."""
    return int(p) if isinstance(p, numbers.Integral) else float(p)


def _coerce(x):
    """A number becomes a constant leaf (no gradient), made here so it carries the current
    scope: the 2 and 1 of `x * 2 + 1`, the −1 of sigmoid."""
    if isinstance(x, Value):
        return x
    if isinstance(x, Node):
        raise TypeError(f"cannot combine a Value with a {type(x).__name__}; "
                        "use Tensor for both")
    c = _new(Value)
    c._leaf(_to_float(x), None, False)
    return c
