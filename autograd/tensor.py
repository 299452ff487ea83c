"""Tensor: an ndarray node (float64 unless given float32).

Broadcasting is explicit: an operand whose shape differs is first passed through a
`broadcast_to` node, whose rule sums the gradient back to the operand's shape.  So every
elementwise primitive sees equal shapes, and the drawing shows where copies were made.

numpy code runs on Tensors: `np.dot(x, W)`, `np.exp(x)`, `np.sum(x, axis=0)` reach the
Tensor through numpy's dispatch and record the same primitives as the Tensor code (the
tables are in `autograd.dispatch`).  Nothing is computed on the values behind the graph's
back: `np.asarray(x)` and `float(x)` refuse a Tensor that requires grad (take `.data` or
`.item()` to leave the graph on purpose).
"""
import contextvars
import numbers

import numpy as np

from autograd import functions as F
from autograd import graph as _graph
from autograd.dispatch import (
    _FUNCTIONS,
    SUPPORTED,
    _axis,
    _binary,
    _coerce,
    _np_name,
    _ufunc,
    _unsupported,
    _value,
    maximum,
    minimum,
    where,
)
from autograd.graph import Node, _apply, _lock, _new, apply
from autograd.primitives import (
    ADD,
    BROADCAST_TO,
    COPY,
    EXP,
    GETITEM,
    LOG,
    MATMUL,
    MAX,
    MIN,
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
    _basic,
)
from autograd.walk import backward as _backward

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


class Tensor(Node, plain="array"):
    """An array in the graph: `.data` an ndarray, `.grad` an ndarray or None.

    `.data` is read-only while a recorded graph may still read it (from the forward pass
    until a walk has used the leaf): an in-place write, `w.data[...] = 0`, would change
    what backward differentiates, and numpy refuses it.  After backward (or grad())
    `w.data -= lr * w.grad` works; `Tensor(W)` holds a view of W, so W itself (the book's
    `params[key]`, which its optimizers update in place) stays writable."""

    __slots__ = ("_locked",)  # a leaf's array is read-only (graph._lock)
    _grad_zero = None
    _array = True

    def __init__(self, data, requires_grad=False, name=None, dtype=None):
        # a view: an array object of its own, which recording locks (graph._lock) while
        # the caller's array, sharing its memory, stays writable
        data = _to_array(data, dtype).view()
        if requires_grad and data.dtype.type not in _FLOATS:
            raise TypeError(f"a Tensor that requires grad needs a float dtype (float64 or "
                            f"float32), got {data.dtype}: gradients of integers are not "
                            "defined")
        self._leaf(data, name, bool(requires_grad))
        self._locked = False

    def _check_data(self, value):
        data = _to_array(value, None if self.op is None else self._data.dtype).view()
        if self.requires_grad and data.dtype.type not in _FLOATS:
            raise TypeError(f"a Tensor that requires grad needs float data, got {data.dtype}")
        return data

    def _get_data(self):
        data = self._data
        if self.op is not None:  # a recorded output, which a rule may read (graph._lock)
            _lock(data, False)
        return data

    def _set_data(self, value):
        Node.data.fset(self, value)
        self._locked = False  # a new array of its own

    data = property(_get_data, _set_data)

    def backward(self, grad=None):
        """Seed this node with `grad`, the upstream gradient of its shape (1 for a
        one-element Tensor by default), and add its gradient into the `.grad` of every
        Tensor upstream (autograd.walk.backward)."""
        _backward(self, grad)

    def _like(self, data):
        if type(data) is not np.ndarray:
            data = np.asarray(data)  # raw 0-d gradients arrive as numpy scalars
        out = _new(type(self))
        out._leaf(data, None, False)
        out._locked = False
        return out

    def _seed(self, grad):
        if grad is None:
            if self._data.size != 1:
                raise RuntimeError(
                    f"backward() on a Tensor of shape {self._data.shape} needs grad=, the "
                    "upstream gradient (same shape); only a one-element output is "
                    "seeded with 1 by default")
            return np.ones_like(self._data)
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
        return len(self._data)

    def item(self):
        if self.requires_grad and _STRICT.get():
            raise TypeError(_LEAVES_GRAPH.format(what=".item()"))
        return self._data.item()

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
        body = np.array2string(self._data, precision=4, threshold=20, separator=", ")
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
            shape = self._data.reshape(shape).shape  # a view: validates and resolves -1
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
            np.broadcast_to(self._data, shape)  # a view: only validates
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {self._data.shape} "
                             f"to {shape}") from None
        return apply(BROADCAST_TO, self, shape=shape)

    def sum_to(self, shape):
        """Sum down to `shape`, the shape this Tensor was broadcast from (DeZero's
        sum_to): every axis of `shape` is 1 or this Tensor's own, counted from the right."""
        shape, own = tuple(shape), self._data.shape
        if len(shape) > len(own) or any(n not in (1, m) for n, m in
                                        zip(shape[::-1], own[::-1])):
            raise ValueError(f"sum_to: shape {own} cannot be summed to {shape}: each axis "
                             "of the target, counted from the right, must be 1 or the "
                             "same length, and the target cannot have more axes")
        return apply(SUM_TO, self, shape=shape)


def _shape_arg(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


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
    old._locked = x._locked if x.op is None else False
    old.name = None  # the user's name stays with the variable: x
    new = _apply(SETITEM, old, v, {"index": index})
    for slot in ("_data", "_p0", "_p1", "op", "params", "scope", "requires_grad"):
        setattr(x, slot, getattr(new, slot))
    x.grad = None
    x._walk = None
    _graph._epoch += 1  # an edit: consumers made before it see an input stamped later
    x._stamp = _graph._epoch
