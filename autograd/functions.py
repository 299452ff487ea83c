"""Composite functions: plain compositions of primitives, no derivative code.

Each is wrapped by `composite(name)`, so every node it makes (constants included) carries
a scope frame: the renderer can draw `sigmoid` as one box or as its ×(−1), exp, +1, 1/x
nodes (the book's figure 5-19/5-20), and `softmax_with_loss` as appendix A's graph.

softmax / cross_entropy_error / softmax_with_loss take a Tensor (rows are samples) or a
list of Values (one sample, drawn node by node as in appendix A).
"""
import math
import numbers

import numpy as np

from autograd.graph import Node, apply, composite, constant
from autograd.primitives import (
    EXP,
    LOG,
    RECIPROCAL,
    RELU,
    SOFTMAX_CROSS_ENTROPY_FUSED,
    TANH,
    WHERE,
)

__all__ = ["exp", "log", "reciprocal", "relu", "neg", "sub", "div", "mean", "var", "std",
           "absolute", "sigmoid", "tanh", "softmax", "cross_entropy_error",
           "softmax_with_loss", "batch_norm", "upstream", "DELTA", "BN_EPS"]

# The book's guard against log(0) in cross_entropy_error (chapter 4): log(y + 1e-7).
DELTA = 1e-7
# The book's ε inside Batch Normalization's square root (common/layers.py): 10e-7 = 1e-6.
BN_EPS = 10e-7


# ----------------------------------------------------------------------------- the book's steps
# How the book groups each composite's backward pass, as data: viz.stepper shows one frame
# per step under its heading (the engine never reads it).  A step is a dict:
#   heading  "Step 1" ...; consecutive steps may share one (the Cross Entropy Error layer's)
#   text     the book's one-line description
#   sends    the gradients the step covers: (primitive, input slot) at every node of that
#            primitive the composite makes itself (a nested composite's nodes are its own),
#            (primitive, slot, "output") at the composite's output only, (..., "inner") at
#            every other node; a node's sends may fall in two steps (appendix A's "×")
#   arrives  True: the step shows the gradients arriving at the composite's outputs
#   upstream the book's name for the gradient arriving from above (sigmoid: dout)
#   labels   the input slot, at this step's nodes, of the labels t_k (one-hot: Σ t_k = 1)
#   at       instead of `sends`: the names of the quantities whose nodes the step covers
#            (Batch Normalization's x̂, σ ...; an index is ignored: x̂1 is an x̂).  An
#            unnamed node belongs to the quantity it goes on to compute (the Σ of μ to μ)
#   result   the book's closed form the backward pass amounts to, stated in the last frame

# section 5.5.2, figure 5-20
SIGMOID_STEPS = (
    {"heading": "Step 1", "sends": (("reciprocal", 0),), "upstream": "dout",
     "text": "The “/” node, y = 1/x: ∂y/∂x = −1/x² = −y², so the gradient from above is "
             "multiplied by −y² and passed on."},
    {"heading": "Step 2", "sends": (("add", 0),),
     "text": "The “+” node passes the gradient from above on unchanged."},
    {"heading": "Step 3", "sends": (("exp", 0),),
     "text": "The “exp” node, y = exp(x): ∂y/∂x = exp(x), so it multiplies by its "
             "forward output, exp(−x)."},
    {"heading": "Step 4", "sends": (("mul", 0),),
     "text": "The “×” node multiplies by the forward values swapped (each input gets "
             "the other's): by −1.  In all: ∂L/∂y·y²·exp(−x) = ∂L/∂y·y(1 − y)."},
)

# appendix A.2, figure A-4 (the Cross Entropy Error layer)
CROSS_ENTROPY_STEPS = (
    {"heading": "Cross Entropy Error", "sends": (("mul", 0, "output"),),
     "text": "The backward pass starts from 1 (∂L/∂L = 1); the “×” node multiplies by "
             "the forward values swapped: by −1 (−1/N for a batch of N)."},
    {"heading": "Cross Entropy Error", "sends": (("add", 0), ("add", 1), ("sum", 0)),
     "text": "The “+” node passes the gradient from above on unchanged to every term."},
    {"heading": "Cross Entropy Error", "sends": (("mul", 0, "inner"), ("mul", 1, "inner")),
     "labels": 1,
     "text": "The “×” node multiplies by the forward values swapped: by t_k, giving "
             "−t_k."},
    {"heading": "Cross Entropy Error", "sends": (("log", 0),),
     "text": "The “log” node multiplies by 1/x (∂ log x/∂x = 1/x): −t_k/y_k, the gradient "
             "the Softmax layer's backward pass starts from."},
)

# appendix A.2, figure A-5 (the Softmax layer): the book's six steps
SOFTMAX_STEPS = (
    {"heading": "Step 1", "sends": (), "arrives": True,
     "text": "The gradient from the layer above (the Cross Entropy Error layer) arrives: "
             "−t_k/y_k."},
    {"heading": "Step 2", "sends": (("mul", 1),),
     "text": "The “×” node multiplies by the forward values swapped; towards 1/S: "
             "−t_k/y_k · exp(a_k) = −t_k·S."},
    {"heading": "Step 3", "sends": (("reciprocal", 0), ("broadcast_to", 0)),
     "text": "Branches of the forward pass are summed in the backward pass: the three "
             "into “/” give −S(t1 + t2 + t3); “/” multiplies by −1/S², giving "
             "(t1 + t2 + t3)/S = 1/S, since the one-hot t sums to 1."},
    {"heading": "Step 4", "sends": (("add", 0), ("add", 1), ("sum", 0)),
     "text": "The “+” node passes the gradient from above, 1/S, on unchanged to every "
             "exp."},
    {"heading": "Step 5", "sends": (("mul", 0),),
     "text": "The “×” node multiplies by the forward values swapped; towards exp(a_k): "
             "−t_k/y_k · 1/S = −t_k/exp(a_k), using y_k = exp(a_k)/S."},
    {"heading": "Step 6", "sends": (("exp", 0),),
     "text": "The “exp” node: its two branches summed, times exp(a_k): "
             "(1/S − t_k/exp(a_k))·exp(a_k) = y_k − t_k."},
)


# A layer's outputs y with the gradient dout arriving from above (autograd.functions.upstream)
UPSTREAM_STEPS = (
    {"heading": "dout", "sends": (("mul", 0), ("add", 0), ("add", 1), ("sum", 0)),
     "text": "The gradient from above, dout, arrives at each output y: the layers above "
             "are drawn as L = Σ dout·y, whose derivative with respect to y is dout."},
)

# section 6.3.1, figure 6-17 (Batch Normalization's graph, which the book quotes from
# Frederik Kratzert's "Understanding the backward pass through Batch Normalization Layer"):
# his steps number the nine nodes of the forward pass, so the backward pass runs from
# step 9 down to step 1, and his step 0 adds up the two branches at x
BATCH_NORM_STEPS = (
    {"heading": "Step 9", "at": ("y",),
     "text": "The “+” node, y = γx̂ + β, passes dout on unchanged to γx̂ and to β. β was "
             "added to every sample, so its gradient is the sum over the batch: Σ dout."},
    {"heading": "Step 8", "at": ("γx̂",),
     "text": "The “×” node multiplies by the forward values swapped: towards x̂ by γ, "
             "towards γ by x̂; γ was used by every sample, so ∂L/∂γ = Σ dout·x̂."},
    {"heading": "Step 7", "at": ("x̂",),
     "text": "The “×” node x̂ = (x − μ)·(1/σ): towards x − μ it multiplies by 1/σ, "
             "towards 1/σ by x − μ. 1/σ fed every sample: its branches are summed."},
    {"heading": "Step 6", "at": ("1/σ",),
     "text": "The “/” node, 1/σ: ∂(1/σ)/∂σ = −1/σ², so the sum from above is multiplied "
             "by −1/σ²."},
    {"heading": "Step 5", "at": ("σ",),
     "text": "σ = √(σ² + ε): the “**0.5” node multiplies by 1/(2σ), and the “+” node "
             "passes the result on to σ² unchanged (ε is a constant)."},
    {"heading": "Step 4", "at": ("σ²",),
     "text": "σ² = (1/N)·Σ(x − μ)²: the “×” node multiplies by 1/N, and the Σ node "
             "copies the gradient back to every sample (the backward pass of a sum)."},
    {"heading": "Step 3", "at": ("(x − μ)²",),
     "text": "The “**2” node multiplies by 2(x − μ)."},
    {"heading": "Step 2", "at": ("x − μ",),
     "text": "x − μ reached the output twice, through x̂ and through the square: its two "
             "branches are summed. The “+” node passes the sum on to x and to −μ; −μ was "
             "used by every sample, so its branches are summed, and “×(−1)” flips the "
             "sign."},
    {"heading": "Step 1", "at": ("μ",),
     "text": "μ = (1/N)·Σx: the “×” node multiplies by 1/N and the Σ node copies the "
             "gradient back to every sample. Each x reached the output twice, through x − μ "
             "and through μ: its two branches are summed (step 0).",
     "result": "∂L/∂x = (1/N)·γ·(1/σ)·(N·dout − Σdout − x̂·Σ(dout·x̂))"},
)

def _node(x, like=None):
    """Numbers become Values and arrays Tensors (constants), so functions take both."""
    if isinstance(x, Node):
        return x
    if like is not None:
        return like._like(np.asarray(x, dtype=like.data.dtype) if like._array else float(x))
    return constant(x)


def exp(x):
    return apply(EXP, _node(x))


def log(x):
    return apply(LOG, _node(x))


def reciprocal(x):
    return apply(RECIPROCAL, _node(x))


def relu(x):
    return apply(RELU, _node(x))


def tanh(x):
    return apply(TANH, _node(x))


@composite("neg")
def neg(x):
    return _node(x) * -1  # −x as the book draws it: a × node with the constant −1


@composite("sub")
def sub(x, y):
    x = _node(x, like=y if isinstance(y, Node) else None)  # 1 - tensor: a Tensor constant
    return x + neg(_node(y, like=x))  # x − y = x + (−y)


@composite("div")
def div(x, y):
    x = _node(x, like=y if isinstance(y, Node) else None)
    return x * reciprocal(_node(y, like=x))  # x / y = x × (1/y)


@composite("mean")
def mean(x, axis=None, keepdims=False):
    if x.data.size == 0:
        raise ValueError(f"mean of an empty Tensor (shape {x.shape}) is undefined")
    s = x.sum(axis=axis, keepdims=keepdims)
    return s * (s.data.size / x.data.size)  # × 1/N, N the number of summed elements


@composite("var")
def var(x, axis=None, keepdims=False, ddof=0):
    """The mean squared deviation from the mean, over N − ddof (numpy's var)."""
    xc = x - x.mean(axis=axis, keepdims=True)
    s = (xc ** 2).sum(axis=axis, keepdims=keepdims)
    n = x.data.size // s.data.size
    if n - ddof <= 0:
        raise ValueError(f"var: ddof={ddof} leaves no degrees of freedom for {n} values")
    return s * (1.0 / (n - ddof))


@composite("std")
def std(x, axis=None, keepdims=False, ddof=0):
    return var(x, axis=axis, keepdims=keepdims, ddof=ddof) ** 0.5


@composite("abs")
def absolute(x):
    """|x| = x·sign(x), the sign a constant: the slope is ±1, and 0 at 0 (PyTorch's)."""
    x = _node(x)
    return x * np.sign(x.data)


@composite("sigmoid", steps=SIGMOID_STEPS)
def sigmoid(x):
    """1 / (1 + exp(−x)): the ×(−1) → exp → +1 → 1/x graph of the book's figure 5-19,
    its output named y (figure 5-20).

    For x < −709 exp(−x) overflows to inf and the value is 0; the gradient stays finite
    (0, as the true one) because exp's rule passes an upstream of exactly 0 on as 0."""
    x = _node(x)
    return _named(reciprocal(exp(x * -1) + 1), "y")


def _named(node, name):
    """Give a composite's output the name the book gives it (S, y1, L), when the node is
    the composite's own (an input handed back unchanged keeps the user's name)."""
    if node.name is None and node.op is not None:
        node.name = name
    return node


def _is_values(x):
    return isinstance(x, (list, tuple))


@composite("softmax", steps=SOFTMAX_STEPS)
def softmax(a, axis=-1, shift=True):
    """exp(a_k) / Σ exp(a_i), over `axis` of a Tensor or over a list of Values.

    With shift (the default) the row max c is subtracted first: softmax(a − c) equals
    softmax(a) for any constant c, and with c = max every exp is at most 1, so nothing
    overflows.  c is a constant leaf, so no gradient flows through it and the gradient
    is unchanged.  shift=False draws appendix A's graph exactly."""
    if _is_values(a):
        a = [_node(v) for v in a]
        if shift:
            c = max(v.data for v in a)
            a = [v - c for v in a]
        e = [exp(v) for v in a]
        s = e[0]
        for v in e[1:]:
            s = s + v
        _named(s, "S")
        r = reciprocal(s)  # appendix A: one 1/S node feeding every × node
        return [_named(v * r, f"y{k}") for k, v in enumerate(e, 1)]
    a = _node(a)
    if shift:
        a = a - a.data.max(axis=axis, keepdims=True)
    e = exp(a)
    return _named(e * reciprocal(_named(e.sum(axis=axis, keepdims=True), "S")), "y")


def _labels(t, shape):
    """Labels checked against the scores' shape: an array of that very shape (one-hot) as
    it is, anything else as integer labels, one per row (int64, flat)."""
    t = np.asarray(t.data if isinstance(t, Node) else t)
    if t.shape == shape:
        return t
    n_classes = shape[-1]
    labels = t.reshape(-1)
    if labels.size != math.prod(shape[:-1]):
        raise ValueError(f"labels of shape {t.shape} do not match scores of shape {shape}: "
                         "give one-hot labels of the same shape or one integer per row")
    if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        raise ValueError("integer labels expected, got non-integer values")
    labels = labels.astype(np.int64, copy=False)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, got "
                         f"{labels.min()}..{labels.max()}")
    return labels


def _one_hot(t, shape):
    """Labels (integers) or a one-hot array, checked against the scores' shape."""
    labels = _labels(t, shape)
    if labels.shape == shape:
        return labels
    one = np.zeros((labels.size, shape[-1]))
    one[np.arange(labels.size), labels] = 1.0
    return one.reshape(shape)


def _row(y, t):
    """One sample (1-D scores) as a batch of one; a 1-D one-hot label becomes its row."""
    y = y.reshape(1, -1)
    raw = t.data if isinstance(t, Node) else t
    if not np.isscalar(t) and np.ndim(raw) == 1 and np.size(raw) == y.shape[1]:
        t = np.reshape(raw, (1, -1))
    return y, t


@composite("cross_entropy_error", steps=CROSS_ENTROPY_STEPS)
def cross_entropy_error(y, t, delta=DELTA, *, scores=None):
    """−Σ t_k log(y_k + delta), averaged over the batch: the book's cross_entropy_error.
    `t` one-hot or integer labels.  delta guards log(0) (the book's 1e-7); delta=0 gives
    appendix A's graph exactly.

    `scores`: the x that y = softmax(x) was computed from, when known (softmax_with_loss
    gives them).  Where the guard moves a labelled y_k (y_k + delta ≠ y_k: it underflowed)
    log(y_k + delta) is flat, and exp's 0 in the softmax would stop the gradient there;
    so log y_k is computed from the scores instead, as the log-softmax x_k − c −
    log Σ exp(x_i − c), and a `where` node takes it at those positions: the loss is the
    true −log y_k and the gradient the true (y − t)/N.  Where nothing underflows no node
    is added: appendix A's graph, node for node."""
    if _is_values(y):
        if isinstance(t, (numbers.Integral, np.integer)):
            t = _one_hot(np.array([t]), (1, len(y)))[0]
        if len(t) != len(y):
            raise ValueError(f"{len(t)} labels for {len(y)} scores")
        total, exact = None, None
        for k, (yk, tk) in enumerate(zip(y, t)):  # appendix A: log, × t_k, then one + chain
            if scores is not None and tk != 0 and yk.data + delta != yk.data:
                exact = exact or _log_softmax(scores)
                logy = exact[k]
            else:
                logy = log(yk + delta) if delta else log(yk)
            total = logy * tk if total is None else total + logy * tk
        return _named(total * -1, "L")
    y = _node(y)
    if y.ndim == 1:
        y, t = _row(y, t)
    tk = _one_hot(t, y.shape)
    guarded = y + delta if delta else y
    logy = log(guarded)
    if scores is not None:
        lost = (tk != 0) & (guarded.data != y.data)
        if lost.any():
            exact = _log_softmax(scores).reshape(y.shape)
            logy = apply(WHERE, exact, logy, cond=lost)
    n = y.shape[0]
    if n == 0:
        raise ValueError(f"cross_entropy_error of an empty batch (shape {y.shape}): the "
                         "mean over no samples is undefined")
    return _named((logy * tk).sum() * (-1.0 / n), "L")


def _log_softmax(x):
    """log softmax(x) over the last axis (a list of Values: over the list), computed as
    x_k − c − log Σ exp(x_i − c) with c the max: finite where softmax(x) underflows."""
    if _is_values(x):
        x = [_node(v) for v in x]
        c = max(v.data for v in x)
        a = [v - c for v in x]
        s = exp(a[0])
        for v in a[1:]:
            s = s + exp(v)
        log_s = log(s)
        return [v - log_s for v in a]
    x = _node(x)
    a = x - x.data.max(axis=-1, keepdims=True)
    return a - log(exp(a).sum(axis=-1, keepdims=True))


@composite("softmax_with_loss")
def softmax_with_loss(x, t, delta=None, shift=True, fused=False):
    """The book's Softmax-with-Loss (appendix A): softmax, then cross entropy, mean over
    the batch.  Its gradient with respect to x is (y − t) / N.

    delta=None guards log(0) with the dtype's smallest normal number instead of the
    book's 1e-7: log stays finite where a probability underflows to 0, and the gradient
    stays (y − t)/N to rounding (1e-7 would shift it by about 1e-7/y, which shows at
    the 8th decimal of the book's and the E資格 exercise's numbers).  Where the true
    class's probability underflows (a wrong class ahead by about 88 in float32, 745 in
    float64), log y is taken from the scores (cross_entropy_error's `scores`): the loss
    is the true one and the gradient still y − t.

    fused=True records one `softmax_cross_entropy_fused` node instead of appendix A's
    graph: the same loss and gradient (a test holds them equal), at a fraction of the
    cost, for training.  It takes (N, C) or 1-D scores as a Tensor, and the default
    delta and shift."""
    if fused:
        return _fused_softmax_with_loss(x, t, delta, shift)
    guarded = delta is None
    if guarded:
        dtype = np.float64 if _is_values(x) else _node(x).data.dtype
        delta = float(np.finfo(dtype).tiny)
    return cross_entropy_error(softmax(x, shift=shift), t, delta=delta,
                               scores=x if guarded else None)


def _fused_softmax_with_loss(x, t, delta, shift):
    if _is_values(x):
        raise TypeError("softmax_with_loss(fused=True) takes a Tensor of scores; a list "
                        "of Values is drawn node by node, use fused=False")
    if delta is not None or not shift:
        raise ValueError("softmax_with_loss(fused=True) computes the default loss "
                         "(delta=None, shift=True); other settings need fused=False")
    x = _node(x)
    if x.ndim == 1:
        x, t = _row(x, t)
    elif x.ndim != 2:
        raise ValueError(f"softmax_with_loss(fused=True) takes (N, C) or 1-D scores, got "
                         f"shape {x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"softmax_with_loss of an empty batch (shape {x.shape}): the mean "
                         "over no samples is undefined")
    t = _labels(t, x.shape)
    if t.ndim == 2:
        t = t.astype(x.data.dtype, copy=False)  # as the composite's constant: no upcast
    return apply(SOFTMAX_CROSS_ENTROPY_FUSED, x, t=t)


# ----------------------------------------------------------------------------- chapter 6

@composite("upstream", steps=UPSTREAM_STEPS)
def upstream(y, dout):
    """L = Σ dout·y: the layers above outputs `y` as one number whose gradient at y is
    `dout`, the gradient the book's backward(dout) receives.  A layer with several
    outputs (batch_norm over a list of Values) then has one output to draw and step.
    `y` a Tensor (dout an array of its shape) or a list of Values (dout one number or
    Value each; name them dout1, dout2 ... to see them in the algebra)."""
    if _is_values(y):
        if len(dout) != len(y):
            raise ValueError(f"{len(dout)} upstream gradients for {len(y)} outputs")
        total = None
        for yk, dk in zip(y, dout):
            term = _node(yk) * _node(dk)
            total = term if total is None else total + term
        return _named(total, "L")
    y = _node(y)
    return _named((y * np.asarray(dout, dtype=y.data.dtype)).sum(), "L")


def _constant(value, name):
    """A named constant leaf (the book's ε): drawn with its name, no gradient."""
    c = _node(value)
    if c.requires_grad or c.op is not None:
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    c.name = name
    return c


@composite("batch_norm", steps=BATCH_NORM_STEPS)
def batch_norm(x, gamma, beta, eps=BN_EPS):
    """Batch Normalization over the batch axis (section 6.3.1): each feature of x
    normalized by the mean μ and variance σ² of the batch, then scaled by γ and shifted by
    β: y = γ·(x − μ)/√(σ² + ε) + β.

    Recorded in the order of the book's figure 6-17 (Kratzert's graph): μ = (1/N)·Σx,
    x − μ (which reaches the output twice), its square, σ² = (1/N)·Σ(x − μ)²,
    σ = √(σ² + ε), 1/σ, x̂ = (x − μ)·(1/σ), γx̂, y = γx̂ + β; each quantity is named so
    (x̂, σ ...), and BATCH_NORM_STEPS groups the backward pass into Kratzert's steps.  No
    derivative is written here: the engine's chain rule through these nodes gives
    ∂L/∂x = (1/N)·γ·(1/σ)·(N·dout − Σdout − x̂·Σ(dout·x̂)).

    x: a Tensor (N, D...) normalized over axis 0, with gamma and beta of shape (D...) (or
    numbers); or a list of N Values (one feature, drawn sample by sample), with gamma and
    beta Values or numbers; then the output is the list y1 … yN and the quantities carry
    the sample's index (x̂1, x1 − μ ...).  eps: the book's 10e-7."""
    if _is_values(x):
        return _batch_norm_values([_node(v) for v in x], _node(gamma), _node(beta), eps)
    x = _node(x)
    if x.ndim == 0 or x.shape[0] == 0:
        raise ValueError(f"batch_norm needs a batch along axis 0, got shape {x.shape}")
    inv_n = 1.0 / x.shape[0]
    mu = _named(x.sum(axis=0) * inv_n, "μ")
    xc = _named(x + mu * -1, "x − μ")
    var = _named(_named(xc ** 2, "(x − μ)²").sum(axis=0) * inv_n, "σ²")
    sigma = _named((var + eps) ** 0.5, "σ")
    xhat = _named(xc * _named(reciprocal(sigma), "1/σ"), "x̂")
    return _named(_named(gamma * xhat, "γx̂") + beta, "y")


def _batch_norm_values(xs, gamma, beta, eps):
    """batch_norm of one feature over a batch of Values, node by node: the Σ nodes are
    chains of "+", and −μ is one node that every x_k − μ uses."""
    n = len(xs)
    if n == 0:
        raise ValueError("batch_norm of an empty batch: the mean over no samples is "
                         "undefined")

    def total(items):
        s = items[0]
        for v in items[1:]:
            s = s + v
        return s

    mu = _named(total(xs) * (1.0 / n), "μ")
    neg_mu = mu * -1
    xc = [_named(v + neg_mu, f"x{k} − μ") for k, v in enumerate(xs, 1)]
    sq = [_named(c ** 2, f"(x{k} − μ)²") for k, c in enumerate(xc, 1)]
    var = _named(total(sq) * (1.0 / n), "σ²")
    sigma = _named((var + _constant(eps, "ε")) ** 0.5, "σ")
    inv = _named(reciprocal(sigma), "1/σ")
    xhat = [_named(c * inv, f"x̂{k}") for k, c in enumerate(xc, 1)]
    return [_named(_named(gamma * h, f"γx̂{k}") + beta, f"y{k}")
            for k, h in enumerate(xhat, 1)]
