"""The book's layers (chapters 5 and 6), built on the engine.

Each layer keeps the book's interface: `forward` takes plain numbers or numpy arrays and
returns the same, `backward(dout)` returns `dx` (and sets `dW`, `db`, ... where the book
does).  Inside, `forward` records the primitive graph with Tensors (or Values) and
`backward` walks it with `autograd.grad`, seeded with `dout`.  So the derivative of every
layer is the engine's chain rule, not a hand-written formula: the book derives
`dx = dout · Wᵀ`, the engine executes it.

`layer.graph` is the output node of the last forward pass, for drawing
(`viz.draw(layer.graph)`).  The layers use `grad()`, which leaves every `.grad` alone.

`forward` also takes a Tensor, the previous layer's `graph`: the layer then records onto
that graph instead of starting one of its own, so a network's forward pass is one graph
and its backpropagation one walk (models.py).
"""
import numbers

import numpy as np

from autograd import functions as F
from autograd.graph import no_grad
from autograd.tensor import Tensor
from autograd.value import Value
from autograd.walk import grad

__all__ = ["MulLayer", "AddLayer", "Relu", "Sigmoid", "Tanh", "Affine", "SoftmaxWithLoss",
           "SigmoidWithLoss", "Dropout", "BatchNormalization"]


def _leaf(x):
    """A number becomes a Value, anything else a Tensor; both record gradients."""
    if isinstance(x, numbers.Real) and not isinstance(x, np.ndarray):
        return Value(x)
    return Tensor(x, requires_grad=True)


def _param(cached, array):
    """The Tensor leaf for a parameter array, made once and reused while the layer holds
    the same array: Tensor(W) shares W's memory, so in-place optimizer updates show."""
    if cached is not None and cached.data.base is array:  # the leaf is array's own view
        return cached
    if isinstance(array, Tensor):  # the checker hands the layer its own leaves
        return array
    return Tensor(array, requires_grad=True)


def _input(x):
    """The layer's input node: a leaf of its own for data, or the node it was given."""
    return x if isinstance(x, Tensor) else Tensor(x, requires_grad=True)


def _walk(out, inputs, dout):
    """The gradients of `out` with respect to `inputs`, seeded with `dout`, as raw data."""
    return [g.data for g in grad(out, inputs, grad_outputs=dout)]


class _Unary:
    """A layer y = f(x) with no parameters; subclasses say what f is."""

    def __init__(self):
        self.graph = None
        self._x = None

    def _f(self, x):
        raise NotImplementedError

    def forward(self, x):
        self._x = _input(x)
        self.graph = self._f(self._x)
        return self.graph.data

    def backward(self, dout):
        return _walk(self.graph, (self._x,), dout)[0]


# ============================================================================ chapter 5.4

class MulLayer:
    """z = x × y: backward sends `dout` times the *other* input (the inputs swapped)."""

    def __init__(self):
        self.x = None
        self.y = None
        self.graph = None

    def forward(self, x, y):
        self.x, self.y = x, y
        self._x, self._y = _leaf(x), _leaf(y)
        self.graph = self._x * self._y
        return self.graph.data

    def backward(self, dout):
        dx, dy = _walk(self.graph, (self._x, self._y), dout)
        return dx, dy


class AddLayer:
    """z = x + y: backward passes `dout` on unchanged to both inputs."""

    def __init__(self):
        self.graph = None

    def forward(self, x, y):
        self._x, self._y = _leaf(x), _leaf(y)
        self.graph = self._x + self._y
        return self.graph.data

    def backward(self, dout):
        dx, dy = _walk(self.graph, (self._x, self._y), dout)
        if isinstance(dx, np.ndarray) and dx is dy:
            dy = dy.copy()  # add's rule sends one buffer to both inputs; hand out two
        return dx, dy


# ============================================================================ chapter 5.5

class Relu(_Unary):
    """y = max(0, x); the local derivative is the book's mask (1 where x > 0)."""

    def _f(self, x):
        return x.relu()

    @property
    def mask(self):
        """The book's `mask`: True where the input was <= 0 (where dout is blocked)."""
        return None if self._x is None else self._x.data <= 0


class Sigmoid(_Unary):
    """y = 1 / (1 + exp(−x)), recorded as the ×(−1) → exp → +1 → 1/x graph (figure 5-19);
    its backward is the chain rule through those four nodes, which equals dout·y(1 − y)."""

    out = property(lambda self: None if self.graph is None else self.graph.data)

    def _f(self, x):
        return F.sigmoid(x)


class Tanh(_Unary):
    """y = tanh(x) (as 2·sigmoid(2x) − 1); the derivative is dout·(1 − y²)."""

    out = property(lambda self: None if self.graph is None else self.graph.data)

    def _f(self, x):
        return F.tanh(x)


# ============================================================================ chapter 5.6

class Affine:
    """y = x·W + b.  An (N, ...) batch is flattened to (N, D) as in the book, and `dx` is
    reshaped back; a single 1-D sample x of length D is accepted too."""

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None
        self.graph = None
        self._W = self._b = self._x = None

    def forward(self, x):
        x = x if isinstance(x, Tensor) else np.asarray(x)
        self.original_x_shape = x.shape
        if x.ndim > 2:
            x = x.reshape(x.shape[0], -1)  # the book's: images (N, C, H, W) -> rows
        self.x = x.data if isinstance(x, Tensor) else x
        self._x = _input(x)
        self._W = W = _param(self._W, self.W)
        self._b = b = _param(self._b, self.b)
        self.graph = self._x @ W + b
        return self.graph.data

    def backward(self, dout):
        dx, self.dW, self.db = _walk(self.graph, (self._x, self._W, self._b), dout)
        return dx.reshape(self.original_x_shape)

    def _param_nodes(self):
        """{gradient attribute: parameter node}, for a network's one walk (models.py)."""
        return {"dW": self._W, "db": self._b}


class SoftmaxWithLoss:
    """Softmax, then cross-entropy error, averaged over the batch (appendix A), recorded
    with `autograd.softmax_with_loss`.  `t` is one-hot or integer labels.  backward(dout)
    returns dout·(y − t)/N, the gradient the engine gets through the softmax graph.

    fused=True records one `softmax_cross_entropy_fused` node instead of appendix A's
    graph: the same numbers, faster, for training; the default draws the book's graph."""

    def __init__(self, fused=False):
        self.fused = fused
        self.loss = None
        self.t = None
        self.graph = None
        self._x = None
        self._y = None

    def forward(self, x, t):
        self.t = t
        self._y = None
        self._x = _input(x)
        self.graph = F.softmax_with_loss(self._x, t, fused=self.fused)
        self.loss = float(self.graph.data)
        return self.loss

    @property
    def y(self):
        """The softmax output of the last forward (the book keeps it; computed on demand,
        since training needs only the loss and its gradient)."""
        if self._y is None and self._x is not None:
            with no_grad():
                self._y = F.softmax(self._x).data
        return self._y

    def backward(self, dout=1):
        return _walk(self.graph, (self._x,), dout)[0]


class SigmoidWithLoss:
    """Sigmoid, then binary cross-entropy −[t·log y + (1 − t)·log(1 − y)], averaged over
    the batch: the two-class counterpart of SoftmaxWithLoss, for one output unit.  `t` holds
    0/1 labels, shape (N,) or (N, 1).  The gradient is dout·(y − t)/N."""

    def __init__(self, delta=None):
        self.delta = delta
        self.loss = None
        self.t = None
        self.graph = None
        self._x = None

    def forward(self, x, t):
        self._x = _input(x)
        t = np.asarray(t, dtype=self._x.dtype).reshape(self._x.shape)
        self.t = t
        # log(0) guard as in softmax_with_loss: the dtype's smallest normal number
        delta = float(np.finfo(self._x.dtype).tiny) if self.delta is None else self.delta
        y = F.sigmoid(self._x)
        ll = (y + delta).log() * t + ((1 - y) + delta).log() * (1 - t)
        self.graph = ll.sum() * (-1.0 / self._x.shape[0])
        self.loss = float(self.graph.data)
        return self.loss

    @property
    def y(self):
        with no_grad():
            return None if self._x is None else F.sigmoid(self._x).data

    def backward(self, dout=1):
        return _walk(self.graph, (self._x,), dout)[0]


# ============================================================================ chapter 6

class Dropout:
    """Randomly silences a fraction `dropout_ratio` of the units while training; at test
    time scales by (1 − ratio) instead, as the book does.  `seed` gives the layer its own
    generator (reproducible masks); without it the global np.random state is used, as in
    the book, so np.random.seed() fixes it too."""

    def __init__(self, dropout_ratio=0.5, seed=None):
        self.dropout_ratio = dropout_ratio
        self.mask = None
        self.graph = None
        self._rng = None if seed is None else np.random.default_rng(seed)
        self._x = None

    def forward(self, x, train_flg=True):
        self._x = _input(x)
        if train_flg:
            shape = self._x.shape
            r = np.random.rand(*shape) if self._rng is None else self._rng.random(shape)
            self.mask = r > self.dropout_ratio
            self.graph = self._x * self.mask.astype(self._x.dtype)
        else:
            self.graph = self._x * (1.0 - self.dropout_ratio)
        return self.graph.data

    def backward(self, dout):
        return _walk(self.graph, (self._x,), dout)[0]


class BatchNormalization:
    """Batch normalization (section 6.3): normalize each feature over the batch, then
    scale by gamma and shift by beta.  Training records `autograd.functions.batch_norm`,
    the graph of figure 6-17 as one named composite (drawn as one BN box that opens into
    the book's graph and steps), and updates running_mean / running_var with `momentum`
    from its μ and σ² (the book's: σ² over N, not PyTorch's N − 1); test mode
    (train_flg=False) normalizes with them.  Input (N, D) or (N, C, H, W) (flattened to
    (N, C·H·W) as in the book).  Sets `dgamma`, `dbeta`."""

    eps = F.BN_EPS  # the book's constant inside the square root

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.input_shape = None
        self.running_mean = running_mean
        self.running_var = running_var
        self.batch_size = None
        self.dgamma = None
        self.dbeta = None
        self.graph = None
        self._x = self._gamma = self._beta = None

    def forward(self, x, train_flg=True):
        x = x if isinstance(x, Tensor) else np.asarray(x)
        self.input_shape = x.shape
        if x.ndim != 2:
            x = x.reshape(x.shape[0], -1)
        if self.running_mean is None:
            self.running_mean = np.zeros(x.shape[1], dtype=x.dtype)
            self.running_var = np.zeros(x.shape[1], dtype=x.dtype)
        self._x = xt = _input(x)
        self._gamma = _param(self._gamma, self.gamma)
        self._beta = _param(self._beta, self.beta)
        if train_flg:
            self.graph = F.batch_norm(xt, self._gamma, self._beta, self.eps)
            # the batch's statistics again, in numpy: under no_grad() (the numerical
            # gradient) the composite records no μ and σ² nodes to read them from
            data = xt.data
            mu = data.mean(axis=0)
            var = np.square(data - mu).mean(axis=0)
            self.batch_size = x.shape[0]
            m = self.momentum
            self.running_mean = m * self.running_mean + (1 - m) * mu
            self.running_var = m * self.running_var + (1 - m) * var
        else:
            # the running statistics are constants here: no gradient flows into them
            xn = (xt - self.running_mean) / np.sqrt(self.running_var + self.eps)
            self.graph = self._gamma * xn + self._beta
        return self.graph.data.reshape(self.input_shape)

    def backward(self, dout):
        dout = np.asarray(dout).reshape(self.graph.shape)
        dx, self.dgamma, self.dbeta = _walk(
            self.graph, (self._x, self._gamma, self._beta), dout)
        return dx.reshape(self.input_shape)

    def _param_nodes(self):
        return {"dgamma": self._gamma, "dbeta": self._beta}
