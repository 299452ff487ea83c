"""Gradient checking (the book's chapters 4.4 and 5.7.3): the slow numerical gradient,
and the comparison that says backpropagation is right.
"""
import numpy as np

__all__ = ["numerical_gradient", "gradient_check"]


def numerical_gradient(f, x, h=1e-4):
    """∂f/∂x by central differences, (f(x + h) − f(x − h)) / 2h, one element at a time.

    `x` (any shape) is perturbed in place, so `f` may ignore its argument and read shared
    state (the book's `lambda W: net.loss(x, t)`); every element is restored afterwards,
    even if `f` raises.  Central differences have error O(h²) rather than O(h).
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        try:
            x[idx] = float(tmp_val) + h
            fxh1 = f(x)
            x[idx] = float(tmp_val) - h
            fxh2 = f(x)
        finally:
            x[idx] = tmp_val
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        it.iternext()
    return grad


def gradient_check(network, x, t, verbose=True):
    """Compare backpropagation with the numerical gradient, parameter by parameter, and
    print the mean absolute difference as the book's gradient_check.py does
    ("W1:1.2e-10").  Returns {name: difference}.

    Run it in float64: with float32 the central difference itself is off by ~1e-3.
    """
    grad_numerical = network.numerical_gradient(x, t)
    grad_backprop = network.gradient(x, t)
    diffs = {}
    for key in grad_numerical:
        diffs[key] = float(np.average(np.abs(grad_backprop[key] - grad_numerical[key])))
        if verbose:
            print(key + ":" + str(diffs[key]))
    return diffs
