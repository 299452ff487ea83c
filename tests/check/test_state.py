"""autograd.check.state: nothing of the learner's is changed by a check."""
import numpy as np

from autograd.check import check_layer
from tests.check.learner import Affine, Dropout


def test_the_learners_parameters_inputs_and_layer_are_left_as_they_were():
    rng = np.random.default_rng(0)
    W, b, x = rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 3))
    W0, b0, x0 = W.copy(), b.copy(), x.copy()

    class SGDInBackward(Affine):  # a backward that even updates the weights in place
        def backward(self, dout):
            dx = super().backward(dout)
            self.W -= 0.1 * self.dW
            return dx
    layer = SGDInBackward(W, b)
    before = dict(vars(layer))
    check_layer(layer, x)
    assert layer.W is W and layer.b is b
    np.testing.assert_array_equal(W, W0)
    np.testing.assert_array_equal(b, b0)
    np.testing.assert_array_equal(x, x0)
    assert vars(layer) == before  # dW, x ... as before the check (None)
    state = np.random.get_state()[1].copy()
    check_layer(Dropout(), x)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_a_forward_that_mutates_its_input_does_not_corrupt_the_check():
    class CenterInPlace:
        def forward(self, x):
            x -= x.mean(axis=0)  # in place on an ndarray; rebinding on a Tensor
            return x * 2

        def backward(self, dout):
            return 2 * (dout - dout.mean(axis=0))

    class ReluInPlace:
        def forward(self, x):
            self.mask = x <= 0
            x[self.mask] = 0  # into its input: a Tensor refuses, central differences
            return x

        def backward(self, dout):
            return np.where(self.mask, 0, dout)

    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 3))
    x0 = x.copy()
    r1 = check_layer(CenterInPlace(), x)
    assert r1.ok and r1.method == "engine"
    r2 = check_layer(ReluInPlace(), x)
    assert r2.ok and r2.method == "numerical" and "in-place assignment" in r2.reason
    np.testing.assert_array_equal(x, x0)
