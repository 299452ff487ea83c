"""The book's networks: TwoLayerNet (chapter 5.7) and MultiLayerNet (chapter 6), with the
book's API (`params`, `layers`, `lastLayer`, `predict`, `loss`, `accuracy`,
`numerical_gradient`, `gradient`), assembled from the engine-built layers.

`gradient()` is backpropagation in one walk: the forward pass hands each layer the previous
layer's output node, so it records one graph from the input to the loss, and one `grad()`
over it gives every parameter's gradient; the layers' `dW`, `db` are set from it.  The
book's way, `lastLayer.backward(1)` and then every layer's `backward` in reverse, each
walking its own graph, still works and gives the same numbers (a test holds them equal);
it pays the fixed cost of a walk once per layer (measured in benchmarks/README.md).

Both networks take a keyword `dtype` (float64 as the book, or float32 end to end), a
keyword `seed` for their own initial weights (without it the global np.random state is
used, as in the book, so np.random.seed() fixes them too), and `fused_loss`: True (the
default, the networks exist to train) records the loss as one fused
`softmax_cross_entropy_fused` node; False records appendix A's Softmax-with-Loss graph
inside `lastLayer`, to draw or step through it.  Both give the same numbers.
"""
import os
from collections import OrderedDict

import numpy as np

from autograd.gradcheck import numerical_gradient as _numerical_gradient
from autograd.graph import no_grad
from autograd.layers import (
    Affine,
    BatchNormalization,
    Dropout,
    Relu,
    Sigmoid,
    SigmoidWithLoss,
    SoftmaxWithLoss,
    Tanh,
)
from autograd.tensor import Tensor
from autograd.walk import grad

__all__ = ["TwoLayerNet", "MultiLayerNet", "ACTIVATIONS"]

ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid, "tanh": Tanh}


def _randn(seed):
    if seed is None:
        return np.random.randn
    rng = np.random.default_rng(seed)
    return lambda *shape: rng.standard_normal(shape)


class _Network:
    """What both networks share: the book's predict / loss / accuracy / gradients, and
    saving and loading the parameters."""

    weight_decay_lambda = 0.0

    def _setup(self, dtype):
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")

    @property
    def last_layer(self):  # MultiLayerNet's name for it in the book
        return self.lastLayer

    def predict(self, x, train_flg=False):
        x = np.asarray(x, dtype=self.dtype)  # no copy when it already is
        for layer in self.layers.values():
            if isinstance(layer, (Dropout, BatchNormalization)):
                x = layer.forward(x, train_flg)
            else:
                x = layer.forward(x)
        return x

    def loss(self, x, t, train_flg=False):
        y = self.predict(x, train_flg)
        return self.lastLayer.forward(y, t) + self._weight_decay()

    def _weight_decay(self):
        """0.5·λ·ΣW² over the weight matrices (section 6.4.1), 0 without decay."""
        lam = self.weight_decay_lambda
        if not lam:
            return 0.0
        return sum(0.5 * lam * float(np.sum(self.params[k] ** 2)) for k in self._weights())

    def _weights(self):
        return [k for k in self.params if k.startswith("W")]

    def accuracy(self, x, t):
        """The fraction of rows whose predicted class matches `t` (labels or one-hot)."""
        with no_grad():  # evaluation only: record no graph
            y = self.predict(x)
        t = np.asarray(t)
        if isinstance(self.lastLayer, SigmoidWithLoss):
            pred, t = (y > 0).reshape(-1), t.reshape(-1)  # sigmoid(y) > 0.5
        else:
            pred = np.argmax(y, axis=1)
            if t.ndim != 1:
                t = np.argmax(t, axis=1)
        return np.sum(pred == t) / float(len(pred))

    def numerical_gradient(self, x, t):
        """The book's slow, simple gradient: central differences on every parameter,
        one element at a time (chapter 4).  For checking `gradient()`."""
        def loss_W(W):
            return self.loss(x, t, train_flg=True)

        with no_grad():  # thousands of forward passes: none needs a graph
            return {k: _numerical_gradient(loss_W, self.params[k]) for k in self.params}

    def gradient(self, x, t):
        """Backpropagation (chapter 5): forward, recording one graph, then one walk."""
        x = Tensor(np.asarray(x, dtype=self.dtype), requires_grad=True)
        node = x
        for layer in self.layers.values():
            if isinstance(layer, (Dropout, BatchNormalization)):
                layer.forward(node, True)
            else:
                layer.forward(node)
            node = layer.graph
        self.lastLayer.forward(node, t)
        wanted = [(layer, key, p) for layer in self.layers.values()
                  if hasattr(layer, "_param_nodes") for key, p in layer._param_nodes().items()]
        # x needs its gradient as every layer's own input does (the book's Affine1.backward
        # returns dx too), so the walk does the work of the book's backward, no less
        grads = grad(self.lastLayer.graph, [x] + [p for _, _, p in wanted])
        for (layer, key, _), g in zip(wanted, grads[1:]):
            setattr(layer, key, g.data)
        return self._collect_grads()

    def _collect_grads(self):
        grads = {}
        lam = self.weight_decay_lambda
        for key in self.params:
            kind, idx = key.rstrip("0123456789"), key[len(key.rstrip("0123456789")):]
            if kind == "W":
                layer = self.layers["Affine" + idx]
                grads[key] = layer.dW + lam * layer.W if lam else layer.dW
            elif kind == "b":
                grads[key] = self.layers["Affine" + idx].db
            else:  # gamma / beta of a BatchNorm layer
                layer = self.layers["BatchNorm" + idx]
                grads[key] = layer.dgamma if kind == "gamma" else layer.dbeta
        return grads

    # ---------------------------------------------------------------- saving
    def save_params(self, path):
        """Write the parameters to `path` (.npz).  The file is written whole or not at all
        (a temporary file, then os.replace), so an interrupted save never leaves half a
        file under the real name."""
        path = os.fspath(path)
        tmp = f"{path}.{os.getpid()}.tmp"
        try:
            with open(tmp, "wb") as f:
                np.savez(f, **self.params)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)

    def load_params(self, path):
        """Read parameters saved by save_params into this network, in place (the layers
        keep seeing the same arrays).  A file whose names or shapes differ from this
        network's is refused, naming the parameter and both shapes; nothing is changed."""
        path = os.fspath(path)
        with np.load(path) as data:
            stored = {k: data[k] for k in data.files}
        missing = [k for k in self.params if k not in stored]
        extra = [k for k in stored if k not in self.params]
        if missing or extra:
            raise ValueError(
                f"{path} does not fit this network: missing {missing or 'nothing'}, "
                f"unexpected {extra or 'nothing'} (the network has {list(self.params)})")
        for key, value in self.params.items():
            if stored[key].shape != value.shape:
                raise ValueError(
                    f"{path}: parameter {key!r} has shape {stored[key].shape} in the file "
                    f"but {value.shape} in this network; was it saved from a network of "
                    "another size?")
        for key, value in self.params.items():
            value[...] = stored[key]


class TwoLayerNet(_Network):
    """Affine1 → Relu1 → Affine2 → SoftmaxWithLoss, as in the book's chapter 5.7.

    fused_loss=False gives `lastLayer` appendix A's graph inside (softmax, then cross
    entropy, node by node); the default True records one fused node, for speed."""

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01, *,
                 dtype=np.float64, seed=None, fused_loss=True):
        self._setup(dtype)
        randn = _randn(seed)
        dt = self.dtype
        self.params = {}
        self.params["W1"] = (weight_init_std * randn(input_size, hidden_size)).astype(dt)
        self.params["b1"] = np.zeros(hidden_size, dtype=dt)
        self.params["W2"] = (weight_init_std * randn(hidden_size, output_size)).astype(dt)
        self.params["b2"] = np.zeros(output_size, dtype=dt)

        self.layers = OrderedDict()
        self.layers["Affine1"] = Affine(self.params["W1"], self.params["b1"])
        self.layers["Relu1"] = Relu()
        self.layers["Affine2"] = Affine(self.params["W2"], self.params["b2"])
        self.lastLayer = SoftmaxWithLoss(fused=fused_loss)


class MultiLayerNet(_Network):
    """A fully connected network of any depth (the book's chapter 6 MultiLayerNet, with
    the options of its MultiLayerNetExtend).

    hidden_size_list: e.g. [100, 100]; activation: 'relu', 'sigmoid' or 'tanh';
    weight_init_std: a number, 'he' / 'relu' (√(2/n)) or 'xavier' / 'sigmoid' (√(1/n)),
    n the number of inputs of the layer; output: 'softmax' (SoftmaxWithLoss) or 'sigmoid'
    (one output unit, SigmoidWithLoss: binary cross-entropy); weight_decay_lambda: L2
    penalty 0.5·λ·ΣW² added to the loss; use_dropout / dropout_ration / use_batchnorm
    insert Dropout and BatchNormalization layers as in MultiLayerNetExtend; fused_loss=False
    records appendix A's graph in a softmax `lastLayer` (the default fuses it, for speed).
    """

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu",
                 weight_init_std=0.01, output="softmax", weight_decay_lambda=0, *,
                 use_dropout=False, dropout_ration=0.5, use_batchnorm=False,
                 dtype=np.float64, seed=None, fused_loss=True):
        self._setup(dtype)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, "
                             f"got {activation!r}")
        if output not in ("softmax", "sigmoid"):
            raise ValueError(f"output must be 'softmax' or 'sigmoid', got {output!r}")
        if output == "sigmoid" and output_size != 1:
            raise ValueError("output='sigmoid' is binary classification: output_size "
                             f"must be 1, got {output_size}")
        if isinstance(hidden_size_list, int):
            hidden_size_list = [hidden_size_list]
        self.input_size = input_size
        self.hidden_size_list = list(hidden_size_list)
        self.hidden_layer_num = len(self.hidden_size_list)
        self.output_size = output_size
        self.activation = activation
        self.weight_decay_lambda = weight_decay_lambda
        self.use_dropout = use_dropout
        self.use_batchnorm = use_batchnorm
        self.params = {}
        self._init_weight(weight_init_std, _randn(seed))

        dt = self.dtype
        self.layers = OrderedDict()
        for idx in range(1, self.hidden_layer_num + 1):
            i = str(idx)
            self.layers["Affine" + i] = Affine(self.params["W" + i], self.params["b" + i])
            if use_batchnorm:
                size = self.hidden_size_list[idx - 1]
                self.params["gamma" + i] = np.ones(size, dtype=dt)
                self.params["beta" + i] = np.zeros(size, dtype=dt)
                self.layers["BatchNorm" + i] = BatchNormalization(
                    self.params["gamma" + i], self.params["beta" + i])
            self.layers["Activation_function" + i] = ACTIVATIONS[activation]()
            if use_dropout:
                # one generator per layer: equal-sized layers must not share a mask
                self.layers["Dropout" + i] = Dropout(
                    dropout_ration, seed=None if seed is None else (seed, idx))
        i = str(self.hidden_layer_num + 1)
        self.layers["Affine" + i] = Affine(self.params["W" + i], self.params["b" + i])
        self.lastLayer = (SoftmaxWithLoss(fused=fused_loss) if output == "softmax"
                          else SigmoidWithLoss())

    def _init_weight(self, weight_init_std, randn):
        sizes = [self.input_size] + self.hidden_size_list + [self.output_size]
        kind = str(weight_init_std).lower()
        for idx in range(1, len(sizes)):
            scale = weight_init_std
            if kind in ("relu", "he"):
                scale = np.sqrt(2.0 / sizes[idx - 1])  # He: keeps ReLU activations spread
            elif kind in ("sigmoid", "xavier", "tanh"):
                scale = np.sqrt(1.0 / sizes[idx - 1])  # Xavier
            elif isinstance(weight_init_std, str):
                raise ValueError("weight_init_std must be a number, 'he' or 'xavier', "
                                 f"got {weight_init_std!r}")
            W = scale * randn(sizes[idx - 1], sizes[idx])
            self.params["W" + str(idx)] = W.astype(self.dtype)
            self.params["b" + str(idx)] = np.zeros(sizes[idx], dtype=self.dtype)
