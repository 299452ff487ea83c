"""Small generated 2-D classification sets: :func:`spiral`, :func:`two_moons`, :func:`xor`.

The same ``seed`` always gives the same arrays.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["spiral", "two_moons", "xor"]


def _check_int(name, value, minimum):
    # bool is an Integral, but spiral(True) is almost certainly a mistake.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_noise(noise):
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"noise must be a real number, got {type(noise).__name__}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise}")
    return float(noise)


def spiral(n_per_class=100, n_classes=3, seed=0):
    """The classic spiral set from CS231n and DeZero: ``n_classes`` interleaved arms.

    Returns ``x`` of shape (n_per_class * n_classes, 2), float64, with radius in
    [0, 1), and ``t`` of shape (N,), int64 class labels. Arm ``j`` is at angle
    ``4 j + 4 r + 0.2 * N(0, 1)`` at radius ``r``. The rows are shuffled, as in
    DeZero.
    """
    n_per_class = _check_int("n_per_class", n_per_class, 1)
    n_classes = _check_int("n_classes", n_classes, 1)
    rng = np.random.default_rng(seed)
    rate = np.arange(n_per_class) / n_per_class
    xs, ts = [], []
    for j in range(n_classes):
        theta = 4.0 * j + 4.0 * rate + 0.2 * rng.standard_normal(n_per_class)
        xs.append(np.stack([rate * np.sin(theta), rate * np.cos(theta)], axis=1))
        ts.append(np.full(n_per_class, j, dtype=np.int64))
    x, t = np.concatenate(xs), np.concatenate(ts)
    perm = rng.permutation(len(x))
    return x[perm], t[perm]


def two_moons(n=100, noise=0.1, seed=0):
    """Two interleaved half circles, like ``sklearn.datasets.make_moons``.

    Label 0 is the upper arc (centre (0, 0), radius 1). Label 1 is the lower arc
    (centre (1, 0.5)). ``n // 2`` points are on the upper arc and the rest on the
    lower. The rows are shuffled, then Gaussian noise with standard deviation
    ``noise`` is added. Returns ``x`` (n, 2) float64 and ``t`` (n,) int64.
    """
    n = _check_int("n", n, 2)
    noise = _check_noise(noise)
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    a_out = np.linspace(0.0, np.pi, n_out)
    a_in = np.linspace(0.0, np.pi, n_in)
    x = np.concatenate(
        [
            np.stack([np.cos(a_out), np.sin(a_out)], axis=1),
            np.stack([1.0 - np.cos(a_in), 0.5 - np.sin(a_in)], axis=1),
        ]
    )
    t = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    perm = rng.permutation(n)
    x, t = x[perm], t[perm]
    if noise:
        x = x + rng.normal(scale=noise, size=x.shape)
    return x, t


def xor(n=200, noise=0.0, seed=0):
    """XOR of signs: points uniform in [-1, 1]^2, label 1 where ``x0 * x1 < 0``.

    The label is 1 in the 2nd and 4th quadrants, where exactly one coordinate is
    negative, and 0 elsewhere, so no straight line separates the classes. Labels
    come from the clean points. After that, Gaussian noise with standard deviation
    ``noise`` is added to ``x``, so noisy points may cross an axis. Returns ``x``
    (n, 2) float64 and ``t`` (n,) int64.
    """
    n = _check_int("n", n, 1)
    noise = _check_noise(noise)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    t = (x[:, 0] * x[:, 1] < 0).astype(np.int64)
    if noise:
        x = x + rng.normal(scale=noise, size=x.shape)
    return x, t
