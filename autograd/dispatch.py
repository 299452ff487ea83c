"""numpy's functions on Tensors, and the operand rules every Tensor operator shares.

`np.exp(x)`, `np.sum(x, axis=0)`, `np.maximum(x, 0)`, `y[np.arange(n), t]` and
`ndarray + tensor` reach a Tensor through numpy's dispatch (`Tensor.__array_ufunc__`,
`Tensor.__array_function__`), which looks the function up in the tables here and records
the same primitives as the Tensor code (`x.exp()`, `x.sum(axis=0)`, `x.relu()`).  What the
engine cannot differentiate raises a TypeError naming the function and the supported ones
(SUPPORTED).

This module sits below `autograd.tensor`: it knows a Tensor as an array node (`_array`)
and makes constants of the other operand's own class, so it never imports the class.
"""
import numbers
import operator

import numpy as np

from autograd.graph import Node, _apply, apply, current_scope
from autograd.primitives import BROADCAST_TO, MAXIMUM, MINIMUM, WHERE

__all__ = ["maximum", "minimum", "where", "SUPPORTED"]


# ----------------------------------------------------------------------------- operands

def _is_tensor(x):
    return isinstance(x, Node) and x._array


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _value(x):
    """The raw value of an operand of a comparison (a mask is computed on values)."""
    return x._data if isinstance(x, Node) else x


def _coerce(x, like):
    """Numbers and arrays become constant leaves (no grad) of `like`'s class, in its
    dtype."""
    if isinstance(x, Node):
        if x._array:
            return x
        raise TypeError(f"cannot combine a Tensor with a {type(x).__name__}")
    return type(like)(x, dtype=like._data.dtype)


def _tensors(a, b):
    """Two operands as Tensors, the constant one in the other's dtype."""
    if not _is_tensor(a):
        a = _coerce(a, b)
    if not _is_tensor(b):
        b = _coerce(b, a)
    return a, b


def _binary(prim, a, b):
    """An elementwise binary primitive; an operand of another shape is first passed
    through a `broadcast_to` node (see autograd.tensor)."""
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


# ----------------------------------------------------------------------------- numpy's functions

def _is_zero(x):
    return isinstance(x, (numbers.Real, np.number)) and not isinstance(x, Node) and x == 0


def maximum(x, y):
    """Elementwise max(x, y); np.maximum(x, 0) (either order) is relu(x), the book's
    ReLU, whose gradient is 0 at x = 0 as the book's mask gives.  Elsewhere a tie sends
    half the gradient to each side (PyTorch's maximum)."""
    if _is_zero(y) and _is_tensor(x):
        return x.relu()
    if _is_zero(x) and _is_tensor(y):
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
    if not _is_tensor(x) or isinstance(p, Node) or np.ndim(p) != 0:
        raise TypeError("np.power on a Tensor supports a Tensor base and a number exponent")
    return x ** p.item() if isinstance(p, (np.ndarray, np.generic)) else x ** p


def _unary(method):
    return lambda x: method(_as_tensor(x))


def _as_tensor(x):
    if not _is_tensor(x):
        raise TypeError(f"expected a Tensor, got {type(x).__name__}")
    return x


# ----------------------------------------------------------------------------- the tables

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
        if not isinstance(x, (Node, np.ndarray, numbers.Number, np.generic, list)) \
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
