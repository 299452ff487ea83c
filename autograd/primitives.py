"""The primitive table: each op's forward, derivative rule, label and formula, side by side.

A derivative rule is `(g, out, *inputs, **params) -> one gradient per input`, the book's
"upstream times local".  Rules use operators and duck-typed methods (`.T`, `.reshape`,
`.sum`) only, so the same rule runs on raw floats/arrays (the fast path: no node is
allocated) and on nodes (create_graph=True: the backward pass becomes a graph itself).

`sample(rng)` gives inputs and params inside the op's domain; the test suite runs a
numerical first- and second-order check on every registered primitive with it.
"""
import math
import operator

import numpy as np

from autograd.graph import Node, apply, warn_domain

PRIMITIVES = {}


class Primitive:
    """One op, stated once: `forward(*data, **params)` on raw floats or arrays; its
    derivative rule `backward(g, out, *inputs, **params)`, one gradient per input; the
    `label` drawn in its circle and the `formula` of its local derivative; `sample(rng)`,
    inputs and params inside its domain for the numerical check; an optional `domain`
    hook (prim, input nodes, output data); `scalar`: also defined on Value; `saves`: the
    inputs whose values (not just shape or dtype) the rule reads, PyTorch's saved
    tensors: a leaf among them is locked while the graph may need it (graph._lock)."""

    __slots__ = ("name", "forward", "backward", "label", "formula", "domain", "sample",
                 "scalar", "saves", "saved")

    def __init__(self, name, *, forward, backward, label, formula, sample, domain=None,
                 scalar=True, saves=(0, 1)):
        self.name, self.forward, self.backward = name, forward, backward
        self.label, self.formula, self.sample = label, formula, sample
        self.domain = domain
        self.scalar = scalar
        self.saves = tuple(saves)
        self.saved = sum(1 << i for i in self.saves)  # as a bit mask, for apply()'s test

    def __repr__(self):
        return f"<primitive {self.name}>"


def register(prim):
    if prim.name in PRIMITIVES:
        raise ValueError(f"primitive {prim.name!r} is already registered")
    PRIMITIVES[prim.name] = prim
    return prim


def _raw(x):
    return x.data if isinstance(x, Node) else x


def _positive(size):
    return lambda rng: ((rng.uniform(0.5, 2.0, size),), {})


def _any(n, size=(3, 4)):
    return lambda rng: (tuple(rng.normal(size=size) for _ in range(n)), {})


def _nonpositive_inputs(limit):
    """Domain hook: a scalar outside the domain is an error; an array gives nan/inf with a
    warning naming the op (numpy's own warning would not say which node)."""
    def check(prim, inputs, out):
        x = inputs[0].data
        if isinstance(x, float):
            return  # the scalar forward raised already
        bad = x <= 0 if limit == "positive" else x == 0
        if bad.any():
            what = "<= 0" if limit == "positive" else "== 0"
            warn_domain(prim, inputs, f"{int(bad.sum())} of {x.size} inputs {what}; "
                        "the result holds nan/inf")
    return check


# ============================================================================ elementwise
# add and mul run forward as operator.add / operator.mul (x + y, x * y): a C function
# saves a Python call on the commonest scalar ops.

ADD = register(Primitive(
    "add", forward=operator.add, backward=lambda g, out, x, y: (g, g),
    label="+", formula="∂z/∂x = 1, ∂z/∂y = 1", sample=_any(2), saves=()))


MUL = register(Primitive(
    "mul", forward=operator.mul,
    backward=lambda g, out, x, y: (g * y, g * x),  # the inputs swapped
    label="×", formula="∂z/∂x = y, ∂z/∂y = x", sample=_any(2)))


def _exp(x):
    if type(x) is float:
        try:
            return math.exp(x)
        except OverflowError:  # numpy's answer, so anomaly mode sees the same inf
            return math.inf
    return np.exp(x)


def _exp_rule(g, out, x):
    # exp is its own derivative: g·y.  Where exp overflowed (y = ∞) and nothing flows back
    # (g = 0: sigmoid far left is 1/(1 + ∞) = 0), 0·∞ would be nan; the true product is 0
    if type(out) is float:
        d = g * out
        return (0.0,) if d != d and g == 0.0 else (d,)
    if type(out) is np.ndarray and type(g) is np.ndarray and np.isinf(out).any():
        with np.errstate(invalid="ignore"):
            return (np.where(g == 0, 0.0, g * out),)
    return (g * out,)


EXP = register(Primitive(
    "exp", forward=_exp, backward=_exp_rule,
    label="exp", formula="∂y/∂x = exp(x) = y", sample=_any(1), saves=()))


def _tanh(x):
    if type(x) is float:
        return math.tanh(x)  # finite over the whole float range: ±1 far out
    return np.tanh(x)


TANH = register(Primitive(
    "tanh", forward=_tanh, backward=lambda g, out, x: (g * (1 - out * out),),
    label="tanh", formula="∂y/∂x = 1 − tanh²(x) = 1 − y²", sample=_any(1), saves=()))


def _log(x):
    if type(x) is float:
        if x <= 0:
            raise ValueError(f"log is defined only for x > 0, got {x!r}")
        return math.log(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x)


LOG = register(Primitive(
    "log", forward=_log, backward=lambda g, out, x: (g / x,),
    label="log", formula="∂y/∂x = 1/x", sample=_positive((3, 4)),
    domain=_nonpositive_inputs("positive"), saves=(0,)))


def _reciprocal(x):
    if type(x) is float:
        if x == 0:
            raise ZeroDivisionError("1/x is undefined at x = 0")
        return 1.0 / x
    with np.errstate(divide="ignore"):
        return 1.0 / x


RECIPROCAL = register(Primitive(
    "reciprocal", forward=_reciprocal,
    backward=lambda g, out, x: (-g * out * out,),  # the book's -y²
    label="1/x", formula="∂y/∂x = -1/x² = -y²", sample=_positive((3, 4)),
    domain=_nonpositive_inputs("zero"), saves=()))


def _pow(x, *, p):
    if type(x) is float:
        try:
            y = x ** p
        except OverflowError:  # ±inf, as numpy gives for arrays (and exp for scalars)
            odd = isinstance(p, int) and p % 2 == 1
            return -math.inf if x < 0 and odd else math.inf
        if isinstance(y, complex):
            raise ValueError(f"{x!r} ** {p!r} is not a real number")
        return y
    with np.errstate(divide="ignore", invalid="ignore"):  # _pow_domain warns instead
        return x ** p


def _pow_sample(rng):
    return (rng.uniform(0.5, 2.0, (3, 4)),), {"p": 2.5}


def _pow_domain(prim, inputs, out):
    x = inputs[0].data
    if isinstance(x, np.ndarray) and not np.isfinite(out).all():
        warn_domain(prim, inputs, "the result holds nan/inf (negative base with a "
                    "fractional exponent, or zero with a negative one)")


def _pow_rule(g, out, x, *, p):
    if p == 0:  # x⁰ = 1, at 0 too: flat everywhere (p·x^(p−1) would be 0·∞ at 0)
        return (g * 0.0,)
    return (g * p * x ** (p - 1),)


POW = register(Primitive(
    "pow", forward=_pow, backward=_pow_rule,
    label="^", formula="∂y/∂x = p·x^(p−1)", sample=_pow_sample, domain=_pow_domain,
    saves=(0,)))


def _relu(x):
    if type(x) is float:
        return 0.0 if x <= 0.0 else x  # nan stays nan, as numpy's maximum and PyTorch give
    return np.maximum(x, 0)


def _step(x):
    """The book's mask: 1 where x > 0, else 0 (nan compares false: 0)."""
    if type(x) is float:
        return 1.0 if x > 0.0 else 0.0
    return (x > 0).astype(x.dtype)


def _step_mask(x):
    """ReLU's local derivative, the book's mask.  On nodes (create_graph) a `step` node
    of x: the gradient then depends on x with derivative 0, so relu's second derivative
    is 0, PyTorch's answer, where a constant mask would leave no graph to differentiate."""
    if isinstance(x, Node):
        return apply(STEP, x)
    return _step(x)


def _relu_sample(rng):
    x = rng.normal(size=(3, 4))
    return (np.where(np.abs(x) < 0.1, 0.5, x),), {}  # keep central differences off the kink


RELU = register(Primitive(
    "relu", forward=_relu, backward=lambda g, out, x: (g * _step_mask(x),),
    label="ReLU", formula="∂y/∂x = 1 if x > 0 else 0", sample=_relu_sample, saves=(0,)))


STEP = register(Primitive(
    "step", forward=_step, backward=lambda g, out, x: (g * 0.0,),  # flat off 0
    label="step", formula="∂y/∂x = 0", sample=_relu_sample, saves=()))


# ============================================================================ reductions and shape

def _sum(x, *, axis=None, keepdims=False):
    return np.sum(x, axis=axis, keepdims=keepdims)


def _kept_shape(shape, axis):
    """The shape a sum over `axis` has with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    axes = (axis,) if isinstance(axis, int) else axis
    axes = {a % len(shape) for a in axes}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _sum_rule(g, out, x, *, axis=None, keepdims=False):
    return (broadcast_to(g.reshape(_kept_shape(x.shape, axis)), x.shape),)


def _reduce_sample(rng):  # sum, max and min over one axis
    return (rng.normal(size=(3, 4)),), {"axis": 1, "keepdims": False}


SUM = register(Primitive(
    "sum", forward=_sum, backward=_sum_rule,
    label="Σ", formula="∂y/∂x_i = 1 (the gradient is copied to every input)",
    sample=_reduce_sample, scalar=False, saves=()))


def _sum_to(x, *, shape):
    """Sum `x` down to `shape`, undoing numpy broadcasting."""
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1)
    y = np.sum(x, axis=axes, keepdims=True) if axes else x
    return y.reshape(shape) if lead else y


SUM_TO = register(Primitive(
    "sum_to", forward=_sum_to,
    backward=lambda g, out, x, *, shape: (broadcast_to(g, x.shape),),
    label="Σ", formula="∂y/∂x_i = 1 (summed over the broadcast axes)",
    sample=lambda rng: ((rng.normal(size=(2, 3, 4)),), {"shape": (3, 1)}), scalar=False,
    saves=()))


def _broadcast_to(x, *, shape):
    lead = len(shape) - x.ndim
    if lead > 0 and x.flags.c_contiguous and x.size and shape[lead:] == x.shape:
        # new leading axes only (a bias over a batch): the stride-0 view built directly,
        # a tenth of np.broadcast_to's cost, read-only as np.broadcast_to's
        y = np.ndarray(shape, x.dtype, x, 0, (0,) * lead + x.strides)
        y.flags.writeable = False
        return y
    return np.broadcast_to(x, shape)


BROADCAST_TO = register(Primitive(
    "broadcast_to", forward=_broadcast_to,
    backward=lambda g, out, x, *, shape: (sum_to(g, x.shape),),
    label="bcast", formula="∂y/∂x = Σ over the copies",
    sample=lambda rng: ((rng.normal(size=(3, 1)),), {"shape": (2, 3, 4)}), scalar=False,
    saves=()))


def _reshape(x, *, shape):
    return np.reshape(x, shape)


RESHAPE = register(Primitive(
    "reshape", forward=_reshape, backward=lambda g, out, x, *, shape: (g.reshape(x.shape),),
    label="reshape", formula="∂y/∂x = 1 (values unchanged, only the shape)",
    sample=lambda rng: ((rng.normal(size=(3, 4)),), {"shape": (2, 6)}), scalar=False,
    saves=()))


def _transpose(x, *, axes=None):
    return np.transpose(x, axes)


def _transpose_rule(g, out, x, *, axes=None):
    return (g.transpose(None if axes is None else tuple(np.argsort(axes))),)


TRANSPOSE = register(Primitive(
    "transpose", forward=_transpose, backward=_transpose_rule,
    label="T", formula="∂y/∂x = 1 (axes permuted back)",
    sample=lambda rng: ((rng.normal(size=(2, 3, 4)),), {"axes": (1, 2, 0)}), scalar=False,
    saves=()))


# ======================================================================== selection, indexing
# The gradient of a selection goes back to what was selected.  Where the choice is not
# unique (a tie of max, or of maximum(x, y)) it is split evenly among the tied inputs, as
# PyTorch's amax and maximum split it (and as a central difference at a two-way tie does:
# ½ each).  The masks are computed from raw data, so they are constants for create_graph
# and every second derivative here is zero.

def _max(x, *, axis=None, keepdims=False):
    return np.max(x, axis=axis, keepdims=keepdims)


def _min(x, *, axis=None, keepdims=False):
    return np.min(x, axis=axis, keepdims=keepdims)


def _ties(x, out, axis):
    """Each input's share of the gradient of max/min over `axis`: 1/k at the k positions
    that reached the extreme `out`, 0 elsewhere."""
    x, out = _raw(x), _raw(out)
    hit = (x == np.reshape(out, _kept_shape(x.shape, axis))).astype(x.dtype)
    return hit / hit.sum(axis=axis, keepdims=True)


def _extreme_rule(g, out, x, *, axis=None, keepdims=False):
    # sum's rule (g copied to every input), kept only where the extreme was reached
    return (_sum_rule(g, out, x, axis=axis)[0] * _ties(x, out, axis),)


MAX = register(Primitive(
    "max", forward=_max, backward=_extreme_rule,
    label="max", formula="∂y/∂x_i = 1 where x_i is the maximum (1/k among k ties), else 0",
    sample=_reduce_sample, scalar=False, saves=(0,)))


MIN = register(Primitive(
    "min", forward=_min, backward=_extreme_rule,
    label="min", formula="∂y/∂x_i = 1 where x_i is the minimum (1/k among k ties), else 0",
    sample=_reduce_sample, scalar=False, saves=(0,)))


def _share(x, y, wins):
    """x's share of the gradient of maximum (wins = np.greater) or minimum (np.less):
    1 where x wins, ½ at a tie, 0 where y wins."""
    x, y = _raw(x), _raw(y)
    s = wins(x, y).astype(x.dtype)
    s[x == y] = 0.5
    return s


def _maximum_rule(g, out, x, y):
    s = _share(x, y, np.greater)
    return (g * s, g * (1 - s))


def _minimum_rule(g, out, x, y):
    s = _share(x, y, np.less)
    return (g * s, g * (1 - s))


MAXIMUM = register(Primitive(
    "maximum", forward=np.maximum, backward=_maximum_rule,
    label="maximum", formula="∂z/∂x = 1 where x > y (½ at a tie), ∂z/∂y = the rest",
    sample=_any(2), scalar=False))


MINIMUM = register(Primitive(
    "minimum", forward=np.minimum, backward=_minimum_rule,
    label="minimum", formula="∂z/∂x = 1 where x < y (½ at a tie), ∂z/∂y = the rest",
    sample=_any(2), scalar=False))


def _where(x, y, *, cond):
    return np.where(cond, x, y)


def _where_rule(g, out, x, y, *, cond):
    c = cond.astype(_raw(x).dtype)  # the condition is data, never differentiated
    return (g * c, g * (1 - c))


WHERE = register(Primitive(
    "where", forward=_where, backward=_where_rule,
    label="where", formula="∂z/∂x = 1 where the condition holds, ∂z/∂y = 1 elsewhere",
    sample=lambda rng: ((rng.normal(size=(3, 4)), rng.normal(size=(3, 4))),
                        {"cond": rng.random((3, 4)) > 0.5}), scalar=False, saves=()))


COPY = register(Primitive(
    "copy", forward=np.copy, backward=lambda g, out, x: (g,),
    label="copy", formula="∂y/∂x = 1 (a new array holding the same values)",
    sample=_any(1), scalar=False, saves=()))


def _basic(index):
    """Ints, slices, None and ... only: no position is picked twice."""
    return all(k is None or k is Ellipsis or isinstance(k, (int, np.integer, slice))
               for k in index)


def _getitem(x, *, index):
    return x[index]


def _scatter_add(g, *, index, shape):
    """getitem's adjoint: g added into zeros of `shape` at the picked positions; a
    position picked twice (y[[0, 0]]) receives both gradients."""
    out = np.zeros(shape, dtype=np.result_type(g))
    if _basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def scatter_add(g, index, shape):
    if isinstance(g, Node):
        return apply(SCATTER_ADD, g, index=index, shape=shape)
    return _scatter_add(g, index=index, shape=shape)


def _index_sample(rng):
    # a repeated pick, as y[np.arange(n), t] never has but y[[0, 0]] does
    return (rng.normal(size=(3, 4)),), {"index": (np.array([0, 2, 2]), np.array([1, 3, 3]))}


GETITEM = register(Primitive(
    "getitem", forward=_getitem,
    backward=lambda g, out, x, *, index: (scatter_add(g, index, x.shape),),
    label="[ ]", formula="∂y/∂x = 1 at the picked positions (a position picked twice "
    "gets both gradients), 0 elsewhere",
    sample=_index_sample, scalar=False, saves=()))


SCATTER_ADD = register(Primitive(
    "scatter_add", forward=_scatter_add,
    backward=lambda g, out, x, *, index, shape: (g[index],),
    label="scatter", formula="∂y/∂x = 1 (each value added into its position)",
    sample=lambda rng: ((rng.normal(size=3),), {"index": _index_sample(rng)[1]["index"],
                                                "shape": (3, 4)}),
    scalar=False, saves=()))


def _setitem(x, v, *, index):
    y = x.copy()  # the input keeps its value: other nodes may still read it
    y[index] = v
    return y


def _setitem_rule(g, out, x, v, *, index):
    keep = np.ones(x.shape, dtype=_raw(x).dtype)
    keep[index] = 0  # the overwritten positions of x no longer reach the output
    return (g * keep, sum_to(g[index], v.shape))


SETITEM = register(Primitive(
    "setitem", forward=_setitem, backward=_setitem_rule,
    label="[ ]=", formula="∂y/∂x = 1 where x is kept, 0 where overwritten; ∂y/∂v = 1 "
    "(summed over its broadcast copies)",
    sample=lambda rng: ((rng.normal(size=(3, 4)), rng.normal(size=4)),
                        {"index": (np.array([2, 0]),)}), scalar=False, saves=()))


# ============================================================================ linear algebra

def _matmul(x, w):
    return x @ w


MATMUL = register(Primitive(
    "matmul", forward=_matmul,
    backward=lambda g, out, x, w: (g @ w.T, x.T @ g),  # the book's (5.13)
    label="dot", formula="∂L/∂X = ∂L/∂Y·Wᵀ, ∂L/∂W = Xᵀ·∂L/∂Y",
    sample=lambda rng: ((rng.normal(size=(3, 4)), rng.normal(size=(4, 2))), {}),
    scalar=False))


# ============================================================================ fused kernels
# A fused kernel is a primitive of its own, for speed; a test proves it equals the
# composite it replaces (tests/test_functions.py).

_TINY = {np.dtype(np.float64): np.finfo(np.float64).tiny,
         np.dtype(np.float32): np.finfo(np.float32).tiny}


def _softmax_rows(x, out=None):
    """softmax over the last axis, on raw data, bit for bit as the composite's graph:
    the row max subtracted (exp stays <= 1), then e × 1/Σe."""
    e = np.exp(x - x.max(axis=-1, keepdims=True), out=out)
    e *= 1.0 / e.sum(axis=-1, keepdims=True)
    return e


def _softmax_cross_entropy(x, *, t):
    # The loss is returned as a 0-d view into one buffer that also holds the softmax y,
    # so the rule reads y off `out.base` instead of computing it again: a node keeps only
    # its output, and this is how the output carries what the backward needs.
    n, c = x.shape
    buf = np.empty(n * c + 1, dtype=x.dtype)
    y = _softmax_rows(x, out=buf[1:].reshape(n, c))
    tiny = _TINY.get(y.dtype) or np.finfo(y.dtype).tiny
    # log(y + tiny) as softmax_with_loss's default delta, and as it, the log-softmax
    # where the guard moves a labelled y (an underflow): see cross_entropy_error
    if t.ndim == 1:  # integer labels: only the true class's probability counts
        rows = np.arange(n)
        yt = y[rows, t]
        guarded = yt + tiny
        logy = np.log(guarded)
        lost = guarded != yt
        k = np.count_nonzero(lost)  # (a third of .any()'s cost on a hundred labels)
        if k:
            logy[lost] = _log_softmax_rows(x[lost])[np.arange(k), t[lost]]
        total = logy.sum()
    else:
        guarded = y + tiny
        logy = np.log(guarded)
        lost = (t != 0) & (guarded != y)
        if lost.any():
            logy[lost] = _log_softmax_rows(x)[lost]
        total = (logy * t).sum()
    buf[0] = total * (-1.0 / n)
    return buf[0:1].reshape(())


def _log_softmax_rows(x):
    """log softmax over the last axis, as x − c − log Σ exp(x − c): finite where softmax
    underflows (the composite's log-softmax, on raw data)."""
    a = x - x.max(axis=-1, keepdims=True)
    return a - np.log(np.exp(a).sum(axis=-1, keepdims=True))


def _saved_softmax(out, x):
    """The y that _softmax_cross_entropy stored beside the loss `out`, or y anew when
    `out` did not come from it (a copy, say)."""
    base = out.base
    if base is not None and base.size == x.size + 1 and base.dtype == x.dtype:
        return base[1:].reshape(x.shape)
    return _softmax_rows(x)


def _softmax_cross_entropy_rule(g, out, x, *, t):
    """(y·Σt − t)/N, which is the book's (y − t)/N for one-hot or integer labels (Σt = 1).
    The tiny guard is left out: it moves the slope by tiny/y, below rounding unless y
    underflows, and there the true class's slope is −1/N, which (y − t)/N keeps."""
    n = x.shape[0]
    if isinstance(x, Node):  # create_graph: softmax as a graph, so this can be derived
        if t.ndim == 1:
            t = np.eye(x.shape[1], dtype=x.dtype)[t]
        e = (x - x.data.max(axis=-1, keepdims=True)).exp()  # softmax's own shift
        y = e * e.sum(axis=-1, keepdims=True).reciprocal()
        return ((y * t.sum(axis=-1, keepdims=True) - t) * (g * (1.0 / n)),)
    y = _saved_softmax(out, x)
    scale = g * (1.0 / n)
    if t.ndim == 1:
        dx = y.copy()  # y belongs to the forward's output
        # y − t first, as the composite (no cancellation); flat indices are the cheapest
        dx.reshape(-1)[np.arange(0, y.size, y.shape[1]) + t] -= 1.0
        dx *= scale
        return (dx,)
    return ((y * t.sum(axis=-1, keepdims=True) - t) * scale,)


def _softmax_cross_entropy_sample(rng):
    return (rng.normal(size=(4, 3)) * 2,), {"t": rng.integers(0, 3, size=4)}


SOFTMAX_CROSS_ENTROPY_FUSED = register(Primitive(
    "softmax_cross_entropy_fused", forward=_softmax_cross_entropy,
    backward=_softmax_cross_entropy_rule, label="Softmax-with-Loss",
    formula="∂L/∂x = (y − t)/N", sample=_softmax_cross_entropy_sample, scalar=False,
    saves=(0,)))


# Shape helpers that work on raw arrays and on Tensor nodes: the sum/broadcast rules use
# them, so each is one node in a recorded backward graph.

def broadcast_to(x, shape):
    if isinstance(x, Node):
        return x if x.shape == tuple(shape) else x.broadcast_to(shape)
    return np.broadcast_to(x, shape)


def sum_to(x, shape):
    if isinstance(x, Node):
        return x if x.shape == tuple(shape) else x.sum_to(shape)
    shape, lead = tuple(shape), x.ndim - len(shape)
    if x.shape == shape:
        return x
    if lead > 0 and x.shape[lead:] == shape:  # only leading axes to sum (a bias's gradient)
        return np.add.reduce(x, axis=0 if lead == 1 else tuple(range(lead)))
    return _sum_to(x, shape=shape)
