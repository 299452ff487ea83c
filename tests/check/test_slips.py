"""autograd.check.slips: the E資格 set of slips, each written as a learner writes the layer
(numpy, the book's names), found on exactly its gradient and named in its hint (issue 20
item 1): a transpose missing or swapped, a sum over the wrong axis, 1/N missing or
doubled, the mask from the wrong array, the sign, a branch forgotten (the mean's in
Batch Normalization).  The slips that cannot run with these shapes are
tests/check/test_source.py's; here the shapes are square where that lets the slip run.
"""
import numpy as np
import pytest

from autograd.check import check_gradients, check_layer
from tests.check.learner import _exercise, _forward, cross_entropy_error, softmax


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx


class DWNoTranspose(Affine):
    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x, dout)  # x instead of x.T: runs when x is square
        self.db = np.sum(dout, axis=0)
        return dx


class DxNoTranspose(Affine):
    def backward(self, dout):
        dx = np.dot(dout, self.W)  # W instead of W.T: runs when W is square
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx


class DWSwapped(Affine):
    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(dout.T, self.x)  # the factors swapped: dW transposed
        self.db = np.sum(dout, axis=0)
        return dx


class DbWrongAxis(Affine):
    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=1)  # over each row instead of over the batch
        return dx


class DbEveryAxis(Affine):
    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout)  # no axis: one number
        return dx


def _affine(cls, n, d, m, seed=0):
    rng = np.random.default_rng(seed)
    layer = cls(rng.normal(size=(d, m)), rng.normal(size=m))
    return check_layer(layer, rng.normal(size=(n, d)))


def _only_wrong(report, name):
    assert report.method == "engine", report.reason
    assert [r.name for r in report.rows if not r.ok] == [name], str(report)
    return report[name].hint


def test_the_right_affine_passes():
    assert _affine(Affine, 3, 3, 3).ok and _affine(Affine, 4, 3, 2).ok


def test_a_missing_transpose_with_square_shapes_is_named():
    hint = _only_wrong(_affine(DWNoTranspose, 3, 3, 2), "dW")
    assert hint.code == "transpose_missing"
    assert hint == "a transpose missing: yours is x @ dout, the expected dW = x.T @ dout"
    hint = _only_wrong(_affine(DxNoTranspose, 4, 3, 3), "dx")
    assert hint == "a transpose missing: yours is dout @ W, the expected dx = dout @ W.T"


@pytest.mark.parametrize("shape", [(4, 3, 2), (3, 3, 3)])
def test_swapped_factors_are_a_transpose(shape):
    hint = _only_wrong(_affine(DWSwapped, *shape), "dW")
    assert hint.code == "transposed" and "yours is its transpose" in hint


@pytest.mark.parametrize("shape", [(4, 3, 2), (3, 3, 3)])
def test_a_sum_over_the_wrong_axis(shape):
    hint = _only_wrong(_affine(DbWrongAxis, *shape), "db")
    assert hint.code == "wrong_axis"
    assert hint == ("summed over the wrong axis: yours is np.sum(dout, axis=1); db sums dout "
                    "over the axes b is broadcast along: np.sum(dout, axis=0)")
    hint = _only_wrong(_affine(DbEveryAxis, *shape), "db")
    assert hint.code == "every_axis" and "yours is np.sum(dout);" in hint


# ----------------------------------------------------------------------------- 1/N, sign, mask

class SoftmaxWithLoss:
    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        return cross_entropy_error(self.y, self.t)

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        return (self.y - self.t) / batch_size


class SoftmaxNoN(SoftmaxWithLoss):
    def backward(self, dout=1):
        return self.y - self.t  # the 1/N of the mean loss missing


class SoftmaxTwiceN(SoftmaxWithLoss):
    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        return (self.y - self.t) / batch_size / batch_size  # divided twice


class SoftmaxSign(SoftmaxWithLoss):
    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        return (self.t - self.y) / batch_size  # t − y: the sign


class Relu:
    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class ReluMaskOfDout(Relu):
    def backward(self, dout):
        dout[dout <= 0] = 0  # the mask of dout, not of the forward's x
        return dout


@pytest.mark.parametrize("cls, code, words", [
    (SoftmaxWithLoss, None, None),
    (SoftmaxNoN, "times_n", "4 times the expected, the batch size 4: a division by the "
                            "batch size is missing"),
    (SoftmaxTwiceN, "over_n", "1/4 of the expected, the batch size 4"),
    (SoftmaxSign, "sign", "the sign is flipped"),
])
def test_one_over_n_and_the_sign(cls, code, words):
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(4, 3)), np.eye(3)[[0, 2, 1, 1]]
    report = check_layer(cls(), x, t)
    if code is None:
        assert report.ok
        return
    hint = _only_wrong(report, "dx")
    assert hint.code == code and hint.startswith(words)


def test_the_mask_from_the_wrong_array():
    x = np.random.default_rng(0).normal(size=(4, 3))
    assert check_layer(Relu(), x).ok
    hint = _only_wrong(check_layer(ReluMaskOfDout(), x), "dx")
    assert hint.code == "mask_wrong_array" and "mask = (x <= 0)" in hint


# ----------------------------------------------------------------------------- a branch forgotten
# Batch Normalization as a learner writes it from the book's derivation (the backward in
# closed form: three terms, one per way x reaches the output)

class BatchNorm:
    def __init__(self, gamma, beta, eps=1e-7):
        self.gamma = gamma
        self.beta = beta
        self.eps = eps

    def forward(self, x):
        mu = np.mean(x, axis=0)
        self.xc = x - mu
        self.var = np.mean(self.xc ** 2, axis=0)
        self.std = np.sqrt(self.var + self.eps)
        self.xn = self.xc / self.std
        return self.gamma * self.xn + self.beta

    def backward(self, dout):
        n = dout.shape[0]
        self.dbeta = np.sum(dout, axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        # through x − mu, through the mean mu, through the variance
        return (n * dxn - np.sum(dxn, axis=0)
                - self.xn * np.sum(dxn * self.xn, axis=0)) / (n * self.std)


class BatchNormNoMean(BatchNorm):
    def backward(self, dout):
        n = dout.shape[0]
        super().backward(dout)
        dxn = self.gamma * dout
        return (n * dxn - self.xn * np.sum(dxn * self.xn, axis=0)) / (n * self.std)


class BatchNormNoVariance(BatchNorm):
    def backward(self, dout):
        n = dout.shape[0]
        super().backward(dout)
        dxn = self.gamma * dout
        return (n * dxn - np.sum(dxn, axis=0)) / (n * self.std)


def _bn(cls):
    rng = np.random.default_rng(0)
    layer = cls(rng.uniform(0.5, 1.5, 3), rng.normal(size=3))
    return check_layer(layer, rng.normal(size=(5, 3)))


def test_the_learners_batch_norm_passes():
    report = _bn(BatchNorm)
    assert report.ok and [r.name for r in report.rows] == ["dx", "dgamma", "dbeta"]


def test_the_means_branch_forgotten_in_batch_norm():
    hint = _only_wrong(_bn(BatchNormNoMean), "dx")
    assert hint.code == "branch_forgotten"
    assert hint.fields["node"] == "x" and hint.fields["missing"] == "np.mean"
    assert hint == ("a branch forgotten: x flows into 2 steps of the forward (self.xc, "
                    "np.mean), and its gradient is the sum of what comes back along each; "
                    "yours leaves out the branch through np.mean")


def test_the_variances_branch_forgotten_in_batch_norm():
    hint = _only_wrong(_bn(BatchNormNoVariance), "dx")
    assert hint.code == "branch_forgotten" and hint.fields["node"] == "self.xc"
    assert hint.fields["missing"] == "^"  # xc ** 2, on the way to the variance


# ----------------------------------------------------------------------------- the exercise

def test_the_exercise_network_with_a_square_slip():
    # 3 samples and 3 hidden units: z1 is (3, 3), so np.dot(z1, delta2) runs
    params, x, d = _exercise(n=3)

    def grads(p):
        z1, y = _forward(p, x)
        grad = {}
        delta2 = (y - d) / x.shape[0]
        grad["b2"] = np.sum(delta2, axis=0)
        grad["W2"] = np.dot(z1, delta2)  # ✘ z1.T
        delta1 = np.dot(delta2, p["W2"].T) * (z1 > 0)
        grad["b1"] = np.sum(delta1, axis=0)
        grad["W1"] = np.dot(x.T, delta1)
        return grad
    report = check_gradients(lambda p: cross_entropy_error(_forward(p, x)[1], d), grads,
                             params)
    hint = _only_wrong(report, "W2")
    assert hint.code == "transpose_missing"  # the operands have no names here: X and G
    assert hint.startswith("a transpose missing: yours is X @ G, the expected W2 = X.T @ G")
    assert "X: what W2 meets in the product of the forward" in hint
