"""Tensor: an ndarray node (float64 unless given float32).

Broadcasting is explicit: an operand whose shape differs is first passed through a
`broadcast_to` node, whose rule sums the gradient back to the operand's shape.  So every
elementwise primitive sees equal shapes, and the drawing shows where copies were made.

numpy code runs on Tensors: `np.dot(x, W)`, `np.exp(x)`, `np.sum(x, axis=0)`,
`y[np.arange(n), t]`, `ndarray + tensor` ... reach the Tensor through numpy's dispatch
(`__array_ufunc__`, `__array_function__`) and record the same primitives as the Tensor
code (`x @ W`, `x.exp()`, `x.sum(axis=0)`).  What the engine cannot differentiate raises a
TypeError naming the function and the supported ones (SUPPORTED); nothing is computed on
the values behind the graph's back: `np.asarray(x)` and `float(x)` refuse a Tensor that
requires grad (take `.data` or `.item()` to leave the graph on purpose).
"""
import contextvars
import numbers
import operator

import numpy as np

from autograd import functions as F
from autograd import graph as _graph
from autograd.graph import Node, _apply, _new, apply, current_scope
from autograd.primitives import (
    ADD,
    BROADCAST_TO,
    COPY,
    EXP,
    GETITEM,
    LOG,
    MATMUL,
    MAX,
    MAXIMUM,
    MIN,
    MINIMUM,
    MUL,
    POW,
    RECIPROCAL,
    RELU,
    RESHAPE,
    SETITEM,
    SUM,
    SUM_TO,
    TANH,
    TRANSPOSE,
    WHERE,
    _basic,
)

__all__ = ["Tensor", "where", "maximum", "minimum", "SUPPORTED", "strict_numbers"]

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
        if self.requires_grad and _STRICT.get():
            raise TypeError(_LEAVES_GRAPH.format(what=".item()"))
        return self.data.item()

    def __float__(self):
        return float(self._number("float()"))

    def __int__(self):
        return int(self._number("int()"))

    def _number(self, what):
        if self.requires_grad:
            raise TypeError(_LEAVES_GRAPH.format(what=what))
        return self._data

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d Tensor")
        return (self[i] for i in range(len(self)))

    # ------------------------------------------------------------------ numpy's protocols
    def __array__(self, dtype=None, copy=None):
        if self.requires_grad:
            raise TypeError(_LEAVES_GRAPH.format(what="np.asarray / np.array / np.float64"))
        if copy is False and dtype is not None and np.dtype(dtype) != self._data.dtype:
            raise ValueError("Tensor.__array__: a dtype change needs a copy")
        data = self._data if dtype is None else self._data.astype(dtype, copy=False)
        return data.copy() if copy else data

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if not all(issubclass(t, (Tensor, np.ndarray)) for t in types):
            return NotImplemented  # another library's array: let it (or numpy) refuse
        handler = _FUNCTIONS.get(func)
        if handler is None:
            raise TypeError(_unsupported(_np_name(func)))
        return handler(*args, **kwargs)

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

    def __abs__(self):
        return F.absolute(self)

    # comparisons give masks: plain boolean arrays, constants of the graph.  == and !=
    # stay identity (nodes are graph vertices: dicts, sets and the renderer compare them
    # so); compare values with np.equal(x, y) or x.data == y.
    def __lt__(self, other):
        return self._data < _value(other)

    def __le__(self, other):
        return self._data <= _value(other)

    def __gt__(self, other):
        return self._data > _value(other)

    def __ge__(self, other):
        return self._data >= _value(other)

    def __getitem__(self, key):
        return _apply(GETITEM, self, None, {"index": _index(key)})

    def __setitem__(self, key, value):
        _setitem(self, key, value)

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
        return apply(SUM, self, axis=_axis(axis), keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return F.mean(self, axis=axis, keepdims=keepdims)

    def var(self, axis=None, keepdims=False, ddof=0):
        return F.var(self, axis=_axis(axis), keepdims=keepdims, ddof=ddof)

    def std(self, axis=None, keepdims=False, ddof=0):
        return F.std(self, axis=_axis(axis), keepdims=keepdims, ddof=ddof)

    def max(self, axis=None, keepdims=False):
        return apply(MAX, self, axis=_axis(axis), keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return apply(MIN, self, axis=_axis(axis), keepdims=keepdims)

    def argmax(self, axis=None):  # positions: integers, not differentiated
        return self._data.argmax(axis)

    def argmin(self, axis=None):
        return self._data.argmin(axis)

    def copy(self):
        return _apply(COPY, self, None, None)

    def dot(self, other):
        return self @ other

    def astype(self, dtype, copy=True):
        """The same dtype only (a copy, as numpy's): a cast is not recorded."""
        if np.dtype(dtype) != self._data.dtype:
            raise TypeError(f"Tensor.astype({np.dtype(dtype)}) on a {self._data.dtype} "
                            "Tensor: a change of dtype is not recorded in the graph; make "
                            "the Tensor in the dtype wanted (Tensor(data, dtype=...))")
        return self.copy() if copy else self

    def flatten(self):
        return self.copy().reshape(-1) if self.ndim == 1 else self.reshape(-1)

    def ravel(self):
        return self.reshape(-1)

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


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


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
    a, b = _tensors(a, b)
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
    return out.reshape(-1) if xv or wv else out


# ----------------------------------------------------------------------------- leaving the graph

_LEAVES_GRAPH = ("{what} on a Tensor that requires grad would take its values off the graph, "
                 "and whatever is computed from them would get no gradient; use .data (an "
                 "ndarray) or .item() (a number) to leave the graph on purpose")
_STRICT = contextvars.ContextVar("graphgrad_strict_numbers", default=False)


class strict_numbers:
    """Context manager: `.item()` of a Tensor that requires grad raises too, as float()
    and np.asarray() always do.  autograd.check runs a learner's numpy forward inside it:
    numpy code that calls .item() mid-way would otherwise cut the graph silently."""

    def __enter__(self):
        self._token = _STRICT.set(True)

    def __exit__(self, *exc):
        _STRICT.reset(self._token)


def _value(x):
    """The raw value of an operand of a comparison (a mask is computed on values)."""
    return x._data if isinstance(x, Node) else x


# ----------------------------------------------------------------------------- indexing

def _index(key):
    """`key` as a tuple numpy reads the same way, kept in the graph: boolean masks become
    the integer arrays they stand for (x[mask] is x[mask.nonzero()]), index arrays are
    copied (a key the graph holds must not change after the fact)."""
    key = key if isinstance(key, tuple) else (key,)
    out = []
    for k in key:
        if k is None or k is Ellipsis or isinstance(k, slice) or (
                isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))):
            out.append(k)
            continue
        if isinstance(k, Node):
            raise TypeError("index a Tensor with integers, slices, or integer / boolean "
                            "ndarrays (labels and masks are data, not Tensors)")
        a = np.asarray(k)
        if a.dtype == bool and a.ndim:
            out.extend(np.nonzero(a))
        elif a.dtype.kind in "iu":
            out.append(a.copy())
        else:
            raise IndexError(f"index arrays must hold integers or booleans, got {a.dtype}")
    return tuple(out)


def _setitem(x, key, value):
    """x[key] = value, recorded: x becomes a `setitem` node reading a copy of what x was
    (PyTorch's in-place rebasing).  Nodes computed from x before the assignment saw the
    old value: backward through them is refused, as after any edit of .data."""
    if x.op is None and x.requires_grad:
        raise RuntimeError(
            f"in-place assignment into {_graph._name(x)}, a leaf that requires grad: its "
            "gradient is what backward computes, so it must keep its value; assign into a "
            "copy (out = x.copy(); out[mask] = 0), as the book's Relu does")
    index = _index(key)
    v = _coerce(value, x)
    target = x._data[index].shape  # an IndexError here is numpy's own
    if v.ndim > len(target):  # numpy drops leading 1s of the value: so do we, visibly
        v = v.reshape(v.shape[v.ndim - len(target):])
    if np.broadcast_shapes(v.shape, target) != target:
        raise ValueError(f"setitem: a value of shape {v.shape} cannot fill the "
                         f"{target} positions picked")
    if not _basic(index):
        picked = np.arange(x.size).reshape(x.shape)[index]
        if np.unique(picked).size != picked.size:
            raise ValueError("setitem: the index picks a position twice; which value "
                             "lands there is numpy's choice, and so is the gradient")
    old = _new(Tensor)
    for slot in ("_data", "grad", "name", "_p0", "_p1", "op", "params", "scope",
                 "requires_grad", "_stamp"):
        setattr(old, slot, getattr(x, slot))
    old._walk = None
    old.name = None  # the user's name stays with the variable: x
    new = _apply(SETITEM, old, v, {"index": index})
    for slot in ("_data", "_p0", "_p1", "op", "params", "scope", "requires_grad"):
        setattr(x, slot, getattr(new, slot))
    x.grad = None
    x._walk = None
    _graph._epoch += 1  # an edit: consumers made before it see an input stamped later
    x._stamp = _graph._epoch


# ----------------------------------------------------------------------------- functions

def _tensors(a, b):
    """Two operands as Tensors, the constant one in the other's dtype."""
    if not isinstance(a, Tensor):
        a = _coerce(a, b)
    if not isinstance(b, Tensor):
        b = _coerce(b, a)
    return a, b


def _is_zero(x):
    return isinstance(x, (numbers.Real, np.number)) and not isinstance(x, Node) and x == 0


def maximum(x, y):
    """Elementwise max(x, y); np.maximum(x, 0) (either order) is relu(x), the book's
    ReLU, whose gradient is 0 at x = 0 as the book's mask gives.  Elsewhere a tie sends
    half the gradient to each side (PyTorch's maximum)."""
    if _is_zero(y) and isinstance(x, Tensor):
        return x.relu()
    if _is_zero(x) and isinstance(y, Tensor):
        return y.relu()
    return _binary(MAXIMUM, *_tensors(x, y))


def minimum(x, y):
    """Elementwise min(x, y); a tie sends half the gradient to each side."""
    return _binary(MINIMUM, *_tensors(x, y))


def where(cond, x, y):
    """x where cond holds, else y.  cond is data (a mask, never differentiated)."""
    cond = np.asarray(_value(cond), dtype=bool)
    x, y = _tensors(x, y)
    shape = np.broadcast_shapes(cond.shape, x.shape, y.shape)
    if x.shape != shape:
        x = x.broadcast_to(shape)
    if y.shape != shape:
        y = y.broadcast_to(shape)
    # a copy: the graph keeps the mask, and the caller may reuse its array
    return apply(WHERE, x, y, cond=np.array(np.broadcast_to(cond, shape)))


def _clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None, **kwargs):
    _refuse("np.clip", out=out, **kwargs)
    a_min = min if a_min is None or a_min is np._NoValue else a_min
    a_max = max if a_max is None or a_max is np._NoValue else a_max
    if a_min is not None:
        a = maximum(a, a_min)
    return a if a_max is None else minimum(a, a_max)


def _power(x, p):
    if not isinstance(x, Tensor) or isinstance(p, Node) or np.ndim(p) != 0:
        raise TypeError("np.power on a Tensor supports a Tensor base and a number exponent")
    return x ** p.item() if isinstance(p, (np.ndarray, np.generic)) else x ** p


def _unary(method):
    return lambda x: method(_as_tensor(x))


def _as_tensor(x):
    if not isinstance(x, Tensor):
        raise TypeError(f"expected a Tensor, got {type(x).__name__}")
    return x


_CONSTANT_UFUNCS = {np.less, np.less_equal, np.greater, np.greater_equal, np.equal,
                    np.not_equal, np.sign, np.isnan, np.isinf, np.isfinite}

_UFUNCS = {
    np.add: lambda a, b: operator.add(*_tensors(a, b)),
    np.subtract: lambda a, b: operator.sub(*_tensors(a, b)),
    np.multiply: lambda a, b: operator.mul(*_tensors(a, b)),
    np.true_divide: lambda a, b: operator.truediv(*_tensors(a, b)),
    np.matmul: lambda a, b: operator.matmul(*_tensors(a, b)),
    np.negative: _unary(operator.neg),
    np.positive: _unary(lambda x: x),
    np.power: _power,
    np.square: _unary(lambda x: x ** 2),
    np.sqrt: _unary(lambda x: x ** 0.5),
    np.reciprocal: _unary(lambda x: x.reciprocal()),
    np.exp: _unary(lambda x: x.exp()),
    np.log: _unary(lambda x: x.log()),
    np.tanh: _unary(lambda x: x.tanh()),
    np.absolute: _unary(abs),
    np.maximum: maximum,
    np.minimum: minimum,
}


def _ufunc(ufunc, method, inputs, kwargs):
    name = f"np.{ufunc.__name__}"
    if method != "__call__":
        raise TypeError(f"{name}.{method} is not supported on a Tensor (only calls such as "
                        f"{name}(x, y) are); for a reduction write np.sum / np.max(x, axis)")
    for x in inputs:
        if not isinstance(x, (Tensor, np.ndarray, numbers.Number, np.generic, list)) \
                and hasattr(type(x), "__array_ufunc__"):
            return NotImplemented  # another library's array: it may know what to do
    if ufunc in _CONSTANT_UFUNCS:  # masks and signs: derivative 0, so data is exact
        _refuse(name, **kwargs)
        return ufunc(*[_value(x) for x in inputs])
    rule = _UFUNCS.get(ufunc)
    if rule is None:
        raise TypeError(_unsupported(name))
    _refuse(name, **kwargs)
    return rule(*inputs)


def _refuse(name, out=None, **kwargs):
    """Keyword arguments the graph cannot honour: out= writes in place, dtype= etc."""
    if out is not None:
        raise TypeError(f"{name}(..., out=...) on a Tensor: writing into an existing array "
                        "in place cannot be recorded; assign the result instead "
                        f"(y = {name}(x))")
    given = sorted(k for k, v in kwargs.items() if v is not None and v is not np._NoValue)
    if given:
        raise TypeError(f"{name} on a Tensor does not support {', '.join(given)}=")


def _np_sum(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
    _refuse("np.sum", out=out, dtype=dtype, **kwargs)
    return _as_tensor(a).sum(axis=_axis(axis), keepdims=bool(keepdims))


def _np_mean(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
    _refuse("np.mean", out=out, dtype=dtype, **kwargs)
    return _as_tensor(a).mean(axis=_axis(axis), keepdims=bool(keepdims))


def _np_spread(name):
    def spread(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kwargs):
        _refuse(name, out=out, dtype=dtype, **kwargs)
        t = _as_tensor(a)
        return (t.var if name == "np.var" else t.std)(axis=axis, keepdims=bool(keepdims),
                                                       ddof=ddof)
    return spread


def _np_extreme(name):
    def reduce(a, axis=None, out=None, keepdims=False, **kwargs):
        _refuse(name, out=out, **kwargs)
        t = _as_tensor(a)
        return (t.max if "max" in name else t.min)(axis=_axis(axis), keepdims=bool(keepdims))
    return reduce


def _np_reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    if order != "C" or copy:
        raise TypeError("np.reshape on a Tensor supports order='C' and no copy= only")
    return _as_tensor(a).reshape(newshape if shape is None else shape)


def _np_where(condition, *xy):
    if not xy:  # np.where(mask): the positions, integers
        return np.nonzero(_value(condition))
    if len(xy) != 2:
        raise TypeError("np.where takes a condition alone or with both x and y")
    return where(condition, *xy)


def _np_dot(a, b, out=None):
    _refuse("np.dot", out=out)
    a, b = _tensors(a, b)
    return a * b if a.ndim == 0 or b.ndim == 0 else a @ b


def _np_squeeze(a, axis=None):
    d = _as_tensor(a)._data
    return a.reshape(np.squeeze(d, axis).shape)


def _np_expand_dims(a, axis):
    return _as_tensor(a).reshape(np.expand_dims(a._data, axis).shape)


def _on_data(func):
    """Functions whose result does not depend on the values through a derivative
    (shapes, positions, arrays like x): computed on the data."""
    return lambda *args, **kwargs: func(*[_value(x) for x in args],
                                        **{k: _value(v) for k, v in kwargs.items()})


_FUNCTIONS = {
    np.dot: _np_dot,
    np.sum: _np_sum,
    np.mean: _np_mean,
    np.var: _np_spread("np.var"),
    np.std: _np_spread("np.std"),
    np.max: _np_extreme("np.max"),
    np.amax: _np_extreme("np.amax"),
    np.min: _np_extreme("np.min"),
    np.amin: _np_extreme("np.amin"),
    np.reshape: _np_reshape,
    np.transpose: lambda a, axes=None: _as_tensor(a).transpose(axes),
    np.ravel: lambda a, order="C": _as_tensor(a).ravel(),
    np.squeeze: _np_squeeze,
    np.expand_dims: _np_expand_dims,
    np.broadcast_to: lambda array, shape, subok=False: _as_tensor(array).broadcast_to(shape),
    np.copy: lambda a, order="K", subok=False: _as_tensor(a).copy(),
    np.where: _np_where,
    np.clip: _clip,
}
for _f in (np.shape, np.ndim, np.size, np.zeros_like, np.ones_like, np.empty_like,
           np.full_like, np.argmax, np.argmin, np.nonzero):
    _FUNCTIONS[_f] = _on_data(_f)

# what the TypeError for anything else lists (np.max and np.amax are one name to a reader)
SUPPORTED = tuple(sorted({f"np.{f.__name__}" for f in (*_UFUNCS, *_CONSTANT_UFUNCS,
                                                       *_FUNCTIONS)}))


def _np_name(func):
    module = getattr(func, "__module__", None) or "numpy"
    return f"{module.replace('numpy', 'np', 1)}.{func.__name__}"


def _unsupported(name):
    return (f"{name} is not supported on a Tensor: graphgrad records only what it can "
            "differentiate, and computing it on the values would take them off the graph. "
            f"Supported: {', '.join(SUPPORTED)}; Tensor methods .T .reshape .transpose "
            ".sum .mean .var .std .max .min .copy .dot .flatten .ravel, indexing x[...] "
            "and x[...] = v, comparisons < <= > >= (masks)")
