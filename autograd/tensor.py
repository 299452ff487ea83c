"""Tensor: an ndarray node (float64 unless given float32).

Broadcasting is explicit: an operand whose shape differs is first passed through a
`broadcast_to` node, whose rule sums the gradient back to the operand's shape.  So every
elementwise primitive sees equal shapes, and the drawing shows where copies were made.
"""
import numbers

import numpy as np

from autograd import functions as F
from autograd.graph import Node, _apply, apply, current_scope
from autograd.primitives import (
    ADD,
    BROADCAST_TO,
    EXP,
    LOG,
    MATMUL,
    MUL,
    POW,
    RECIPROCAL,
    RELU,
    RESHAPE,
    SUM,
    SUM_TO,
    TANH,
    TRANSPOSE,
)

__all__ = ["Tensor"]

_FLOATS = (np.float64, np.float32)


def _to_array(data, dtype=None):
    if type(data) is np.ndarray and data.dtype.type in _FLOATS and (
            dtype is None or data.dtype == dtype):
        return data  # the common case (every layer's input and every seed): nothing to do
    if type(data) is float or type(data) is int:  # a seed such as backward(1)
        return np.array(data, dtype=np.float64 if dtype is None else dtype)
    if isinstance(data, Node):
        data = data.data
    try:
        arr = np.asarray(data)
    except (TypeError, ValueError) as e:
        raise TypeError(f"Tensor needs numeric array data: {e}") from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"Tensor needs numeric data, got dtype {arr.dtype} "
                        f"({type(data).__name__})")
    if dtype is None:
        dtype = arr.dtype if arr.dtype.type in _FLOATS else np.float64
    elif np.dtype(dtype).kind not in "fiub":
        raise TypeError(f"Tensor needs a numeric dtype, got {np.dtype(dtype)}")
    # no copy when already a float array: Tensor(W) shares W, as the book's layers do
    return arr.astype(dtype, copy=False)


class Tensor(Node):
    """An array in the graph: `.data` an ndarray, `.grad` an ndarray or None."""

    __slots__ = ()
    _grad_zero = None
    _array = True
    __array_priority__ = 1000  # ndarray + Tensor calls Tensor.__radd__, not numpy's loop

    def __init__(self, data, requires_grad=False, name=None, dtype=None):
        data = _to_array(data, dtype)
        if requires_grad and data.dtype.type not in _FLOATS:
            raise TypeError(f"a Tensor that requires grad needs a float dtype (float64 or "
                            f"float32), got {data.dtype}: gradients of integers are not "
                            "defined")
        self._leaf(data, name, bool(requires_grad))

    def _check_data(self, value):
        data = _to_array(value, None if self.op is None else self._data.dtype)
        if self.requires_grad and data.dtype.type not in _FLOATS:
            raise TypeError(f"a Tensor that requires grad needs float data, got {data.dtype}")
        return data

    def _seed(self, grad):
        if grad is None:
            if self._data.size != 1:
                raise RuntimeError(
                    f"backward() on a Tensor of shape {self._data.shape} needs grad=, the "
                    "upstream gradient (same shape); only a one-element output is "
                    "seeded with 1 by default")
            return np.ones_like(self.data)
        g = _to_array(grad, self._data.dtype)
        if g.shape != self._data.shape:
            raise ValueError(f"backward(grad=...) got shape {g.shape}, the output has "
                             f"shape {self._data.shape}")
        return g

    def _accumulate(self, g):
        if self.grad is not None and np.shape(self.grad) != np.shape(g):
            raise ValueError(f"backward: the gradient of {self.name or 'a leaf'} has shape "
                             f"{np.shape(g)} but .grad already holds shape "
                             f"{np.shape(self.grad)} (was .data given a new shape?); "
                             "reset .grad = None first")
        g = g if self.grad is None else self.grad + g
        if type(g) is not np.ndarray:
            g = np.asarray(g)
        # a read-only view: one buffer may be shared by several nodes (add's rule sends
        # the same array to both inputs), so an in-place edit must fail loudly
        g = g.view()
        g.flags.writeable = False
        self.grad = g

    # ------------------------------------------------------------------ array-like
    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: self._data.ndim)
    size = property(lambda self: self._data.size)
    dtype = property(lambda self: self._data.dtype)
    T = property(lambda self: self.transpose())

    def __len__(self):
        return len(self.data)

    def item(self):
        return self.data.item()

    def numpy(self):
        return self.data

    def __repr__(self):
        body = np.array2string(self.data, precision=4, threshold=20, separator=", ")
        extra = ", requires_grad=True" if self.requires_grad else ""
        extra += f", name={self.name!r}" if self.name else ""
        return f"Tensor({body}{extra})"

    # ------------------------------------------------------------------ operators
    def __add__(self, other):
        if type(other) is Tensor:
            shape, other_shape = self._data.shape, other._data.shape
            if other_shape == shape:
                return _apply(ADD, self, other, None)  # the common case: no coercion, no broadcast
            if len(other_shape) < len(shape) and shape[len(shape) - len(other_shape):] \
                    == other_shape:  # x·W + b: the bias gains leading axes only
                return _apply(ADD, self, _apply(BROADCAST_TO, other, None, {"shape": shape}),
                              None)
        return _binary(ADD, self, other)

    def __radd__(self, other):  # other + self
        return _binary(ADD, other, self)

    def __mul__(self, other):
        if type(other) is Tensor and other._data.shape == self._data.shape:
            return _apply(MUL, self, other, None)
        return _binary(MUL, self, other)

    def __rmul__(self, other):  # other * self
        return _binary(MUL, other, self)

    def __neg__(self):
        return F.neg(self)

    def __sub__(self, other):
        return F.sub(self, other)

    def __rsub__(self, other):  # other - self
        return F.sub(_coerce(other, self), self)

    def __truediv__(self, other):
        return F.div(self, other)

    def __rtruediv__(self, other):  # other * 1/self
        return F.div(_coerce(other, self), self)

    def __pow__(self, p):
        if isinstance(p, Node) or not isinstance(p, numbers.Real):
            raise TypeError("Tensor ** supports a number exponent only")
        return apply(POW, self, p=int(p) if isinstance(p, numbers.Integral) else float(p))

    def __matmul__(self, other):
        if type(other) is Tensor and self._data.ndim == 2 == other._data.ndim \
                and self._data.shape[1] == other._data.shape[0]:
            return _apply(MATMUL, self, other, None)  # x·W, both 2-D and aligned: nothing to check
        return matmul(self, _coerce(other, self))

    def __rmatmul__(self, other):
        return matmul(_coerce(other, self), self)

    # ------------------------------------------------------------------ functions
    def exp(self):
        return _apply(EXP, self, None, None)

    def log(self):
        return _apply(LOG, self, None, None)

    def reciprocal(self):
        return _apply(RECIPROCAL, self, None, None)

    def relu(self):
        return _apply(RELU, self, None, None)

    def sigmoid(self):
        return F.sigmoid(self)

    def tanh(self):
        return _apply(TANH, self, None, None)

    def sum(self, axis=None, keepdims=False):
        if isinstance(axis, list):
            axis = tuple(axis)
        return apply(SUM, self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return F.mean(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        shape = _shape_arg(shape)
        try:
            shape = self.data.reshape(shape).shape  # a view: validates and resolves -1
        except ValueError:
            raise ValueError(f"reshape: cannot reshape shape {self._data.shape} "
                             f"into {shape}") from None
        if shape == self._data.shape:
            return self
        return apply(RESHAPE, self, shape=shape)

    def transpose(self, *axes):
        axes = _shape_arg(axes) if axes and axes != (None,) else None
        if axes is not None:
            # the rule inverts the permutation with argsort, which needs axes >= 0
            n = self.ndim
            positive = tuple(a + n if -n <= a < 0 else a for a in axes)
            if sorted(positive) != list(range(n)):
                raise ValueError(f"transpose: axes {axes} are not a permutation of the "
                                 f"{n} axes of shape {self.shape}")
            axes = positive
        return apply(TRANSPOSE, self, axes=axes)

    def broadcast_to(self, shape):
        shape = tuple(shape)
        try:
            np.broadcast_to(self.data, shape)  # a view: only validates
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {self._data.shape} "
                             f"to {shape}") from None
        return apply(BROADCAST_TO, self, shape=shape)

    def sum_to(self, shape):
        return apply(SUM_TO, self, shape=tuple(shape))


def _shape_arg(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _coerce(x, like):
    """Numbers and arrays become constant leaves (no grad), in the dtype of `like`."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Node):
        raise TypeError(f"cannot combine a Tensor with a {type(x).__name__}")
    return Tensor(x, dtype=like._data.dtype)


def _binary(prim, a, b):
    a = _coerce(a, b) if not isinstance(a, Tensor) else a
    b = _coerce(b, a) if not isinstance(b, Tensor) else b
    sa, sb = a._data.shape, b._data.shape
    if sa != sb:
        try:
            shape = np.broadcast_shapes(sa, sb)
        except ValueError:
            # inside a composite (a - b is sub's add node) the user wrote the composite
            scope = current_scope()
            where = f" (at its {prim.name} node)" if scope else ""
            raise ValueError(f"{scope[-1][0] if scope else prim.name}: shapes {sa} and {sb} "
                             f"cannot be broadcast together{where}") from None
        if sa != shape:
            a = apply(BROADCAST_TO, a, shape=shape)
        if sb != shape:
            b = apply(BROADCAST_TO, b, shape=shape)
    return _apply(prim, a, b, None)


def matmul(x, w):
    """x @ w for 2-D operands; a 1-D operand is a row (left) or column (right) vector,
    reshaped around one 2-D matmul node as numpy does."""
    if x.ndim == 0 or w.ndim == 0:
        raise ValueError("matmul: operands must be at least 1-D, got shapes "
                         f"{x.shape} and {w.shape}")
    if x.ndim > 2 or w.ndim > 2:
        raise ValueError(f"matmul: only 1-D and 2-D operands are supported, got shapes "
                         f"{x.shape} and {w.shape}")
    xv, wv = x.ndim == 1, w.ndim == 1
    x2 = x.reshape(1, -1) if xv else x
    w2 = w.reshape(-1, 1) if wv else w
    if x2.shape[1] != w2.shape[0]:
        raise ValueError(f"matmul: shapes {x.shape} and {w.shape} are not aligned "
                         f"({x2.shape[1]} != {w2.shape[0]})")
    out = _apply(MATMUL, x2, w2, None)
    if xv and wv:
        return out.reshape(())
    if xv:
        return out.reshape(-1)
    if wv:
        return out.reshape(-1)
    return out
