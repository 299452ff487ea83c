"""Every bad input of the hardening issue (the engine's side), in one table: each is refused
with a message that names the problem, never a silent wrong number and never a traceback
from deep inside (AttributeError, ZeroDivisionError, a raw errno tuple)."""
import math

import numpy as np
import pytest

from autograd import Tensor, Value, grad, softmax_with_loss
from autograd.functions import mean


def _replaced_scalar():
    x = Value(2.0, name="x")
    y = x * x
    x.data = 10.0
    y.backward()


def _replaced_shape():
    w = Tensor(np.ones(3), requires_grad=True, name="w")
    y = (w * 2.0).sum()
    w.data = np.ones((2, 3))
    y.backward()


def _short_grad_outputs():
    x = Value(2.0)
    grad([x * x, x * 3.0], [x], grad_outputs=[1.0])


def _grad_of_a_number():
    x = Value(2.0)
    grad(x * x, [2.0])


def _empty_mean():
    mean(Tensor(np.zeros((0, 3)), requires_grad=True))


def _empty_loss(fused):
    return lambda: softmax_with_loss(Tensor(np.zeros((0, 3)), requires_grad=True),
                                     np.zeros(0, dtype=int), fused=fused)


BAD = [
    ("data replaced after forward", _replaced_scalar, RuntimeError,
     r"the data of 'x' was replaced after the output of mul was computed from it"),
    ("data replaced by another shape", _replaced_shape, RuntimeError,
     r"the data of 'w' was replaced"),
    ("integer dtype that requires grad",
     lambda: Tensor([1.5, 2.5], requires_grad=True, dtype=np.int32), TypeError,
     r"requires grad needs a float dtype .* got int32"),
    ("string dtype", lambda: Tensor([1.5, 2.5], dtype=str), TypeError,
     r"needs a numeric dtype"),
    ("string data", lambda: Tensor(["a", "b"]), TypeError, r"needs numeric data"),
    ("grad of a number", _grad_of_a_number, TypeError,
     r"inputs must be Values or Tensors, got float"),
    ("grad_outputs shorter than outputs", _short_grad_outputs, ValueError,
     r"1 grad_outputs for 2 outputs"),
    ("mean of an empty array", _empty_mean, ValueError, r"mean of an empty Tensor"),
    ("softmax_with_loss of an empty batch", _empty_loss(False), ValueError,
     r"empty batch"),
    ("fused softmax_with_loss of an empty batch", _empty_loss(True), ValueError,
     r"empty batch"),
    ("Value ** Value", lambda: Value(2.0) ** Value(3.0), TypeError, r"number exponent"),
    ("Value of a string", lambda: Value("2"), TypeError, r"needs a real number"),
]


@pytest.mark.parametrize("what, call, error, message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_with_a_message(what, call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_pow_overflow_is_infinity_not_an_errno_tuple():
    # numpy's answer for arrays, and exp's for scalars: ±inf, no "(34, 'Numerical ...')"
    assert (Value(10.0) ** 1000).data == math.inf
    assert (Value(-10.0) ** 1001).data == -math.inf
    assert (Value(-10.0) ** 1000).data == math.inf
