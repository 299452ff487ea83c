"""autograd.check.compare: the book's log guard allowed for, and where a wrong gradient
departs on the recorded graph."""
import numpy as np

from autograd.check import check_layer
from tests.check.learner import (
    Affine,
    AffineDbMean,
    ReluNoMask,
    SoftmaxNoBatch,
    SoftmaxWithLoss,
    softmax,
)


def test_the_log_guard_is_explained_not_blamed():
    # extreme scores: the true class's y below 1e-7, where the exact gradient of the book's
    # log(y + 1e-7) and the (y − t)/N its backward gives part; the backward is right about
    # the loss without the guard, and the check says so
    x = np.array([[0.0, 25.0, -5.0], [3.0, 0.0, 0.0]])
    t = np.array([2, 0])
    (row,) = check_layer(SoftmaxWithLoss(), x, t).rows
    assert row.ok and "without your forward's guard log(y + 1e-07)" in row.hint
    y = softmax(x)
    np.testing.assert_allclose(row.expected, (y - np.eye(3)[t]) / 2, rtol=1e-12, atol=1e-15)
    assert not check_layer(SoftmaxNoBatch(), x, t).ok  # a real mistake still shows


def test_a_right_gradient_bounds_where_a_layers_backward_departs():
    rng = np.random.default_rng(0)
    W, b, x = rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 3))
    r = check_layer(AffineDbMean(W, b), x)
    assert r.localisation.startswith("dx, dW are right, so the gradient arriving at + is "
                                     "right too; db departs")
    assert [n.op.name for n in r.departure] == ["add", "broadcast_to"]
    assert r.localisation in str(r)
    assert check_layer(Affine(W, b), x).localisation is None  # nothing wrong
    # nothing right to bound it: no localisation (the report names the wrong row)
    assert check_layer(ReluNoMask(), x).localisation is None
    assert [n.name for n in check_layer(Affine(W, b), x).leaves.values()] == ["x", "W", "b"]
