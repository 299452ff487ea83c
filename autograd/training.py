"""The book's training loop (train_neuralnet.py, chapter 5.7.4) as one function.

    from autograd.models import TwoLayerNet
    from autograd.optimizers import SGD
    from autograd.training import train

    network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    history = train(network, SGD(lr=0.1), ((x_train, t_train), (x_test, t_test)),
                    iters=10000, batch_size=100)
    history.train_acc[-1], history.test_acc[-1]

Each iteration draws a mini-batch at random (with replacement, as the book's
``np.random.choice``), takes the gradient by backpropagation (``network.gradient``) and
lets the optimizer update ``network.params``.  Once per epoch, and after the last
iteration, the accuracy on the whole training and test sets is recorded and
``callback(history)`` is called.

Printing, progress bars, saving and Ctrl-C are the caller's: the history is filled in
place as the loop runs, so a caller that passes its own ``History()`` holds everything
measured so far when a KeyboardInterrupt stops the loop, and a callback can save the
parameters once per epoch.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

__all__ = ["History", "train", "batch_norm_test", "WEIGHT_SCALES"]

# the book's ch06/batch_norm_test.py: sixteen initial weight scales from 1 down to 1e-4
WEIGHT_SCALES = tuple(float(w) for w in np.logspace(0, -4, num=16))


@dataclass
class History:
    """What a training run measured, filled in as it runs."""

    loss: list = field(default_factory=list)  # the mini-batch loss of every iteration
    epoch: list = field(default_factory=list)  # the epoch of each evaluation below
    train_acc: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)
    iteration: list = field(default_factory=list)  # the iteration (0-based) evaluated after
    iterations: int = 0  # iterations done
    iter_per_epoch: float = 1.0  # train size / batch size, a float as in the book

    def as_dict(self):
        """The four curves, as history.json holds them."""
        return {"loss": list(self.loss), "epoch": list(self.epoch),
                "train_acc": list(self.train_acc), "test_acc": list(self.test_acc)}


def _count(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _evaluate(network, data, history, i):
    (x_train, t_train), (x_test, t_test) = data
    history.train_acc.append(float(network.accuracy(x_train, t_train)))
    history.test_acc.append(float(network.accuracy(x_test, t_test)))
    history.epoch.append(i / history.iter_per_epoch)
    history.iteration.append(i)


def train(network, optimizer, data, *, iters=10000, batch_size=100, seed=0,
          callback=None, on_iteration=None, history=None):
    """Train ``network`` (``gradient``, ``accuracy``, ``params``, ``lastLayer.loss``, as
    the book's TwoLayerNet) with ``optimizer.update(params, grads)`` on
    ``data = ((x_train, t_train), (x_test, t_test))`` for ``iters`` mini-batches of
    ``batch_size`` (at most the training set's size) drawn by
    ``numpy.random.default_rng(seed)``.

    ``callback(history)`` runs after each evaluation (every epoch, and after the last
    iteration); ``on_iteration(history)`` after every iteration.  Returns the
    :class:`History`, the one given as ``history`` if any.
    """
    (x_train, t_train), _ = data
    iters = _count("iters", iters)
    train_size = len(x_train)
    batch_size = min(_count("batch_size", batch_size), train_size)
    history = History() if history is None else history
    history.iter_per_epoch = max(train_size / batch_size, 1)
    rng = np.random.default_rng(seed)
    for i in range(iters):
        batch_mask = rng.choice(train_size, batch_size)
        grads = network.gradient(x_train[batch_mask], t_train[batch_mask])
        optimizer.update(network.params, grads)
        # the loss of this mini-batch, from the forward pass gradient() just made
        history.loss.append(float(network.lastLayer.loss))
        history.iterations = i + 1
        last = i == iters - 1
        if i % history.iter_per_epoch == 0 or last:
            _evaluate(network, data, history, i)
            if callback is not None:
                callback(history)
        if on_iteration is not None:
            on_iteration(history)
    return history


def batch_norm_test(x_train, t_train, weight_scales=WEIGHT_SCALES, *, epochs=20,
                    batch_size=100, lr=0.01, hidden=(100, 100, 100, 100, 100), seed=0,
                    dtype=np.float64, callback=None):
    """The book's experiment of section 6.3.2 (ch06/batch_norm_test.py, figure 6-19):
    for each initial weight scale, a MultiLayerNet with Batch Normalization and the same
    network without it (five hidden ReLU layers of 100, the same initial weights) are
    trained side by side by SGD(lr) on the same mini-batches; once per epoch (the first
    time after one iteration, as the book) each one's accuracy on the training data is
    recorded, `epochs` times.  The book trains on the first 1000 MNIST images.

    `callback(k, scale, bn_acc, plain_acc)` runs after each scale.  Returns
    {"weight_scales": [...], "batchnorm": [[acc per epoch] per scale], "plain": [...]}."""
    from autograd.models import MultiLayerNet
    from autograd.optimizers import SGD

    x_train = np.asarray(x_train, dtype=dtype)
    train_size = len(x_train)
    batch_size = min(_count("batch_size", batch_size), train_size)
    iter_per_epoch = max(train_size / batch_size, 1)
    out = {"weight_scales": [float(w) for w in weight_scales], "batchnorm": [], "plain": []}
    for k, scale in enumerate(out["weight_scales"]):
        nets = [MultiLayerNet(x_train.shape[1], list(hidden), int(np.max(t_train)) + 1,
                              weight_init_std=scale, use_batchnorm=bn, seed=seed,
                              dtype=dtype) for bn in (True, False)]
        optimizer, rng = SGD(lr=lr), np.random.default_rng(seed)
        accuracies = ([], [])
        i = 0
        while len(accuracies[0]) < _count("epochs", epochs):
            batch_mask = rng.choice(train_size, batch_size)
            for net in nets:
                optimizer.update(net.params, net.gradient(x_train[batch_mask],
                                                          t_train[batch_mask]))
            if i % iter_per_epoch == 0:
                for net, acc in zip(nets, accuracies):
                    acc.append(float(net.accuracy(x_train, t_train)))
            i += 1
        out["batchnorm"].append(accuracies[0])
        out["plain"].append(accuracies[1])
        if callback is not None:
            callback(k, scale, accuracies[0], accuracies[1])
    return out
