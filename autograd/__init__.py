"""graphgrad's engine: a scalar `Value` and an array `Tensor` on one graph of primitives.

    from autograd import Value, Tensor, no_grad, grad
    from autograd import check_layer      # check a hand-written backward (autograd.check)
"""
from autograd.errors import AnomalyError, DomainError, GraphgradWarning
from autograd.functions import (
    cross_entropy_error,
    exp,
    log,
    reciprocal,
    relu,
    sigmoid,
    softmax,
    softmax_with_loss,
    tanh,
)
from autograd.graph import Node, composite, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from autograd.primitives import PRIMITIVES
from autograd.tensor import Tensor, maximum, minimum, where
from autograd.value import Value
from autograd.walk import Step, backward_steps, grad, toposort

__version__ = "0.1.0"

_CHECK = ("check_layer", "check_gradients", "check_network")


def __getattr__(name):
    # the checker loads on first use: training code never needs it
    if name in _CHECK:
        from autograd import check
        return getattr(check, name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")

__all__ = [
    "Value", "Tensor", "Node", "Step", "no_grad", "enable_grad", "is_grad_enabled", "grad",
    "backward_steps", "toposort", "composite", "detect_anomaly", "PRIMITIVES",
    "AnomalyError", "DomainError", "GraphgradWarning",
    "exp", "log", "reciprocal", "relu", "sigmoid", "tanh", "softmax", "cross_entropy_error",
    "softmax_with_loss", "maximum", "minimum", "where",
    "check_layer", "check_gradients", "check_network",
]
