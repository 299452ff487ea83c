"""autograd.check: a learner's backward against the exact gradient of their own forward.

The layers below are written as a reader of the book writes them (chapter 5, numpy only,
the book's names); every wrong variant must be flagged on exactly the gradient it breaks.
Tolerances are check_layer's defaults (module docstring): |yours − expected| <= 1e-8 +
1e-5·|expected|; the correct layers agree to 1e-12 or better in float64 (SoftmaxWithLoss
against the gradient without the book's log(y + 1e-7) guard, as its backward intends).
"""
import numpy as np
import pytest

from autograd.check import check_gradients, check_layer, check_network

# ============================================================================ a learner's layers

def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)  # the book's overflow guard
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:  # one-hot -> labels
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        return x * y

    def backward(self, dout):
        dx = dout * self.y
        dy = dout * self.x
        return dx, dy


class AddLayer:
    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        return dout * 1, dout * 1


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        dx = dout
        return dx


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        out = 1 / (1 + np.exp(-x))
        self.out = out
        return out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.original_x_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        self.x = x
        return np.dot(self.x, self.W) + self.b

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx.reshape(*self.original_x_shape)


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:
            dx = (self.y - self.t) / batch_size
        else:
            dx = self.y.copy()
            dx[np.arange(batch_size), self.t] -= 1
            dx = dx / batch_size
        return dx


class BatchNormalization:
    def __init__(self, gamma, beta, momentum=0.9):
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.running_mean = None
        self.running_var = None
        self.batch_size = None
        self.xc = None
        self.std = None
        self.dgamma = None
        self.dbeta = None

    def forward(self, x, train_flg=True):
        if self.running_mean is None:
            N, D = x.shape
            self.running_mean = np.zeros(D)
            self.running_var = np.zeros(D)
        mu = x.mean(axis=0)
        xc = x - mu
        var = np.mean(xc ** 2, axis=0)
        std = np.sqrt(var + 10e-7)
        xn = xc / std
        self.batch_size = x.shape[0]
        self.xc = xc
        self.xn = xn
        self.std = std
        self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
        self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        return self.gamma * xn + self.beta

    def backward(self, dout):
        dbeta = dout.sum(axis=0)
        dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        dxc += (2.0 / self.batch_size) * self.xc * dvar
        dmu = np.sum(dxc, axis=0)
        dx = dxc - dmu / self.batch_size
        self.dgamma = dgamma
        self.dbeta = dbeta
        return dx


class Dropout:
    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = dropout_ratio
        self.mask = None

    def forward(self, x, train_flg=True):
        self.mask = np.random.rand(*x.shape) > self.dropout_ratio
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


# ----------------------------------------------------------------------------- the mistakes

class MulNotSwapped(MulLayer):
    def backward(self, dout):
        return dout * self.x, dout * self.x  # dx should take y


class MulNoDout(MulLayer):
    def backward(self, dout):
        return self.y, dout * self.x  # dx forgot the upstream


class AddSignOfY(AddLayer):
    def backward(self, dout):
        return dout, -dout


class ReluNoMask(Relu):
    def backward(self, dout):
        return dout


class ReluInverted(Relu):
    def backward(self, dout):
        dout[~self.mask] = 0
        return dout


class ReluMaskFromDout(Relu):
    def backward(self, dout):
        dout[dout <= 0] = 0  # the mask of the wrong array
        return dout


class SigmoidForgotOneMinus(Sigmoid):
    def backward(self, dout):
        return dout * self.out


class SigmoidSign(Sigmoid):
    def backward(self, dout):
        return -dout * (1.0 - self.out) * self.out


class AffineWTransposed(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = np.dot(dout.T, self.x)
        return dx


class AffineDbMean(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = np.mean(dout, axis=0)
        return dx


class AffineDxWithW(Affine):
    def backward(self, dout):
        super().backward(dout)
        return np.dot(dout, self.W)  # W square here: the shape fits, the values do not


class AffineDxFlat(Affine):
    def backward(self, dout):
        super().backward(dout)
        return np.dot(dout, self.W.T)  # not reshaped back to the image's shape


class SoftmaxNoBatch(SoftmaxWithLoss):
    def backward(self, dout=1):
        return super().backward(dout) * self.t.shape[0]


class SoftmaxSign(SoftmaxWithLoss):
    def backward(self, dout=1):
        return -super().backward(dout)


class BatchNormDbetaMean(BatchNormalization):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dbeta = dout.mean(axis=0)
        return dx


class BatchNormDgammaNoXn(BatchNormalization):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dgamma = np.sum(dout, axis=0)
        return dx


class BatchNormNoDmu(BatchNormalization):
    def backward(self, dout):
        super().backward(dout)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        return dxc + (2.0 / self.batch_size) * self.xc * dvar  # the mean's path left out


class DropoutNoMask(Dropout):
    def backward(self, dout):
        return dout


# ----------------------------------------------------------------------------- the table

def _inputs(kind, rng):
    if kind == "pair":
        return rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    if kind == "x":
        x = rng.normal(size=(4, 3))
        return (np.where(np.abs(x) < 0.05, 0.5, x),)  # no input at ReLU's kink
    if kind == "images":
        return (rng.normal(size=(4, 1, 2, 2)),)
    if kind == "labels":
        return rng.normal(size=(4, 3)), np.array([0, 2, 1, 2])
    if kind == "onehot":
        return rng.normal(size=(4, 3)), np.eye(3)[[1, 0, 2, 2]]
    return (rng.normal(size=(5, 3)),)


def _affine(cls, square=False):
    def make(rng):
        return cls(rng.normal(size=(4, 4) if square else (3, 4)), rng.normal(size=4))
    return make


def _bn(cls):
    return lambda rng: cls(rng.uniform(0.5, 1.5, 3), rng.normal(size=3))


def _plain(cls):
    return lambda rng: cls()


CASES = [  # (layer, inputs, the wrong rows, a phrase of the hint)
    (_plain(MulLayer), "pair", set(), None),
    (_plain(MulNotSwapped), "pair", {"dx"}, "MulLayer swaps"),
    (_plain(MulNoDout), "pair", {"dx"}, None),
    (_plain(AddLayer), "pair", set(), None),
    (_plain(AddSignOfY), "pair", {"dy"}, "sign"),
    (_plain(Relu), "x", set(), None),
    (_plain(ReluNoMask), "x", {"dx"}, "mask missing"),
    (_plain(ReluInverted), "x", {"dx"}, "inverted"),
    (_plain(ReluMaskFromDout), "x", {"dx"}, "wrong array"),
    (_plain(Sigmoid), "x", set(), None),
    (_plain(SigmoidForgotOneMinus), "x", {"dx"}, None),
    (_plain(SigmoidSign), "x", {"dx"}, "sign"),
    (_affine(Affine), "x", set(), None),
    (_affine(Affine, square=True), "images", set(), None),
    (_affine(AffineWTransposed), "x", {"dW"}, "transposed"),
    (_affine(AffineDbMean), "x", {"db"}, "a mean where a sum belongs"),
    (_affine(AffineDxWithW, square=True), "images", {"dx"}, None),
    (_affine(AffineDxFlat, square=True), "images", {"dx"}, "wrong shape"),
    (_plain(SoftmaxWithLoss), "labels", set(), None),
    (_plain(SoftmaxWithLoss), "onehot", set(), None),
    (_plain(SoftmaxNoBatch), "labels", {"dx"}, "division by the batch size is missing"),
    (_plain(SoftmaxSign), "onehot", {"dx"}, "sign"),
    (_bn(BatchNormalization), "batch", set(), None),
    (_bn(BatchNormDbetaMean), "batch", {"dbeta"}, "mean where a sum"),
    (_bn(BatchNormDgammaNoXn), "batch", {"dgamma"}, "dbeta's formula"),
    (_bn(BatchNormNoDmu), "batch", {"dx"}, None),
    (_plain(Dropout), "x", set(), None),
    (_plain(DropoutNoMask), "x", {"dx"}, "mask missing"),
]


def _case_id(case):
    make, kind, wrong, _ = case
    return f"{make(np.random.default_rng(0)).__class__.__name__}-{kind}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_each_mistake_is_flagged_on_exactly_its_gradient(case):
    make, kind, wrong, phrase = case
    rng = np.random.default_rng(3)
    layer = make(rng)
    inputs = _inputs(kind, rng)
    report = check_layer(layer, *inputs)
    assert report.method == "engine", report.reason  # the book's numpy ran on Tensors
    assert {r.name for r in report.rows if not r.ok} == wrong, str(report)
    assert report.ok == (not wrong)
    if phrase is not None:
        (row,) = [r for r in report.rows if not r.ok]
        assert phrase in row.hint, row.hint
    for r in report.rows:
        if r.ok and "Softmax" not in type(layer).__name__:
            assert r.max_abs <= 1e-12 * max(1.0, np.abs(r.expected).max()), r


def test_the_rows_are_named_as_the_book_names_the_gradients():
    rng = np.random.default_rng(0)
    assert [r.name for r in check_layer(MulLayer(), *_inputs("pair", rng)).rows] == \
        ["dx", "dy"]
    r = check_layer(Affine(rng.normal(size=(3, 2)), np.zeros(2)), rng.normal(size=(4, 3)))
    assert [row.name for row in r.rows] == ["dx", "dW", "db"]
    bn = BatchNormalization(np.ones(3), np.zeros(3))
    assert [row.name for row in check_layer(bn, rng.normal(size=(5, 3))).rows] == \
        ["dx", "dgamma", "dbeta"]

    class Args:
        def forward(self, *xs):
            return xs[0] * xs[1]

        def backward(self, dout):
            return dout, dout
    assert [r.name for r in check_layer(Args(), 2.0, 3.0).rows] == ["dx1", "dx2"]


def test_the_books_apple_numbers():
    # chapter 5.4: 100 yen an apple, 2 apples; d(price)/d(apple) = 2, d/d(num) = 100
    report = check_layer(MulLayer(), 100, 2)
    assert report.ok and report.method == "engine"
    assert report["dx"].expected == 2.0 and report["dy"].expected == 100.0


def test_labels_and_masks_are_never_differentiated():
    rng = np.random.default_rng(0)
    x, t = _inputs("labels", rng)
    report = check_layer(SoftmaxWithLoss(), x, t)
    assert [r.name for r in report.rows] == ["dx"]  # no dt, though backward saw t
    x, t = _inputs("onehot", rng)  # one-hot floats: still only what backward returned
    assert [r.name for r in check_layer(SoftmaxWithLoss(), x, t).rows] == ["dx"]
    relu = Relu()
    relu.mask = np.zeros((4, 3), dtype=bool)  # an attribute array, but a mask: no dmask
    assert [r.name for r in check_layer(relu, rng.normal(size=(4, 3))).rows] == ["dx"]

    class Masked:  # an input that is a mask, returned a "gradient" for: not compared
        def forward(self, x, mask):
            self.mask = mask
            return x * mask

        def backward(self, dout):
            return dout * self.mask, np.zeros(self.mask.shape)
    r = check_layer(Masked(), rng.normal(size=(2, 3)), rng.random((2, 3)) > 0.5)
    assert [row.name for row in r.rows] == ["dx"] and r.ok

    class Scaled(Masked):  # a float input backward declines with None: not compared
        def backward(self, dout):
            return dout * self.mask, None
    r = check_layer(Scaled(), rng.normal(size=(2, 3)), rng.normal(size=(2, 3)))
    assert [row.name for row in r.rows] == ["dx"] and r.ok


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


def test_an_exception_in_backward_is_a_failed_row_naming_the_learners_line():
    class Broken(Affine):
        def backward(self, dout):
            self.dW = np.dot(self.x.T, dout)
            return np.dot(dout, self.W)  # (4, 2) · (3, 2): shapes not aligned

    rng = np.random.default_rng(0)
    report = check_layer(Broken(rng.normal(size=(3, 2)), np.zeros(2)), rng.normal(size=(4, 3)))
    assert not report.ok
    assert {r.name for r in report.rows} == {"dx", "dW", "db"}  # declared dW, db too
    for r in report.rows:
        assert not r.ok and "backward raised ValueError" in r.error
        assert f"{__file__}:" in r.error and "in backward" in r.error
    assert "backward raised" in str(report)


def test_an_exception_in_forward_is_reported_not_raised():
    class BadForward:
        def forward(self, x):
            return x @ np.ones((5, 5))

        def backward(self, dout):
            return dout
    report = check_layer(BadForward(), np.ones((2, 3)))
    assert not report.ok and report.rows == [] and "forward raised" in report.error


def test_a_forward_the_engine_cannot_run_falls_back_to_central_differences():
    class Softplus:  # np.log1p is not an engine function
        def forward(self, x):
            self.x = x
            return np.log1p(np.exp(x))

        def backward(self, dout):
            return dout / (1 + np.exp(-self.x))

    class SoftplusWrong(Softplus):
        def backward(self, dout):
            return dout / (1 + np.exp(self.x))

    x = np.random.default_rng(0).normal(size=(3, 4))
    right, wrong = check_layer(Softplus(), x), check_layer(SoftplusWrong(), x)
    for r in (right, wrong):
        assert r.method == "numerical" and "np.log1p" in r.reason
        assert "central differences" in str(r) and r.graph is None
    assert right.ok and right["dx"].max_abs < 1e-8
    assert not wrong.ok


def test_dout_is_honoured_and_checked():
    x = np.random.default_rng(0).normal(size=(2, 3))
    dout = np.arange(6.0).reshape(2, 3)
    r = check_layer(Sigmoid(), x, dout=dout)
    y = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(r["dx"].expected, dout * y * (1 - y), rtol=1e-12)
    with pytest.raises(ValueError, match="dout has shape"):
        check_layer(Sigmoid(), x, dout=np.ones(3))


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


def test_inputs_drawn_with_seed_0_do_not_hide_a_mask_from_dout():
    # the default dout once came from default_rng(0): for x drawn the same way it was x
    # itself, and a mask taken from dout was x's mask, passing as right
    x = np.random.default_rng(0).normal(size=(4, 3))
    report = check_layer(ReluMaskFromDout(), x)
    assert not report.ok and "wrong array" in report["dx"].hint
    assert not np.array_equal(report.dout, x)


def test_too_many_gradients_is_a_row():
    class TooMany(Relu):
        def backward(self, dout):
            return dout, dout
    r = check_layer(TooMany(), np.ones((2, 2)))
    assert not r.ok and "returned 2 gradients for 1 inputs" in r["backward"].hint


# ============================================================================ the report

def test_the_report_prints_and_renders_escaped():
    rng = np.random.default_rng(3)
    report = check_layer(ReluNoMask(), *_inputs("x", rng))
    text = str(report)
    assert "✘" in text and "dx" in text and "WRONG" in text and "<= 1e-08" in text
    page = report._repr_html_()
    assert "✘" in page and "x &lt;= 0" in page and "x <= 0" not in page
    ok = check_layer(Relu(), *_inputs("x", rng))
    assert "✔" in str(ok) and "✔" in ok._repr_html_() and "OK" in repr(ok)
    row = report["dx"]
    assert row.expected.shape == row.actual.shape == (4, 3)
    assert row.max_abs > 0 and row.max_rel > 0
    with pytest.raises(KeyError, match="the rows are"):
        report["dW"]
    assert report.graph is not None and set(report.leaves) == {"dx"}
    assert report.leaves["dx"].name == "x"  # named as forward names it, for drawing


# ============================================================================ check_gradients

def _exercise(n=3, seed=0):
    """The E資格 2-3-2 network, functional style, with a batch of n."""
    rng = np.random.default_rng(seed)
    params = {"W1": np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]),
              "b1": np.array([0.1, 0.2, 0.3]),
              "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
              "b2": np.array([0.1, 0.2])}
    x = rng.normal(size=(n, 2))
    d = np.eye(2)[rng.integers(0, 2, n)]
    return params, x, d


def _forward(p, x):
    z1 = np.maximum(0, np.dot(x, p["W1"]) + p["b1"])
    return z1, softmax(np.dot(z1, p["W2"]) + p["b2"])


def _backward(p, x, d, mistake=None):
    z1, y = _forward(p, x)
    grad = {}
    delta2 = (y - d) / x.shape[0]
    grad["b2"] = np.mean(delta2, axis=0) if mistake == "mean" else np.sum(delta2, axis=0)
    grad["W2"] = np.dot(delta2.T, z1) if mistake == "T" else np.dot(z1.T, delta2)
    back = np.dot(delta2, p["W2"].T)
    delta1 = back * np.where((back if mistake == "mask" else z1) > 0, 1, 0)
    grad["b1"] = np.sum(delta1, axis=0)
    grad["W1"] = np.dot(x.T, delta1)
    return grad


@pytest.mark.parametrize("mistake, wrong, phrase", [
    (None, set(), None),
    ("mean", {"b2"}, "a mean where a sum belongs"),
    ("T", {"W2"}, "transposed"),
    ("mask", {"W1", "b1"}, None),
])
def test_check_gradients_the_exercise_network(mistake, wrong, phrase):
    params, x, d = _exercise()
    saved = {k: v.copy() for k, v in params.items()}
    report = check_gradients(lambda p: cross_entropy_error(_forward(p, x)[1], d),
                             lambda p: _backward(p, x, d, mistake), params)
    assert report.method == "engine"
    assert [r.name for r in report.rows] == ["W2", "b2", "W1", "b1"]  # backward's order
    assert {r.name for r in report.rows if not r.ok} == wrong, str(report)
    if phrase:
        assert phrase in report[next(iter(wrong))].hint
    if mistake == "mask":
        assert report.first_wrong in ("W1", "b1")
        assert "W2, b2 are right" in report.localisation and "ReLU" in report.localisation
    if mistake == "T":
        assert report.localisation.endswith("dot → W2")
    for k in params:
        np.testing.assert_array_equal(params[k], saved[k])


def test_check_gradients_on_shared_state_goes_numerical_in_place():
    params, x, d = _exercise()
    shared = params  # the book's lambda W: net.loss(x, t): the argument is ignored

    def loss(_):
        return cross_entropy_error(_forward(shared, x)[1], d)

    report = check_gradients(loss, lambda p: _backward(p, x, d), params)
    assert report.method == "numerical" and "parameters from elsewhere" in report.reason
    assert report.ok, str(report)
    bad = check_gradients(loss, lambda p: _backward(p, x, d, "T"), params)
    assert {r.name for r in bad.rows if not r.ok} == {"W2"}


def test_check_gradients_when_grads_raises():
    params, x, d = _exercise()

    def grads(p):
        raise KeyError("W3")
    report = check_gradients(lambda p: cross_entropy_error(_forward(p, x)[1], d), grads,
                             params)
    assert not report.ok and all("grads raised KeyError" in r.error for r in report.rows)


# ============================================================================ check_network

class TwoLayerNet:
    """The book's TwoLayerNet, built from the layers above."""

    def __init__(self, sizes, rng, relu=Relu):
        i, h, o = sizes
        self.params = {"W1": 0.5 * rng.normal(size=(i, h)), "b1": 0.1 * rng.normal(size=h),
                       "W2": 0.5 * rng.normal(size=(h, o)), "b2": 0.1 * rng.normal(size=o)}
        self.layers = {"Affine1": Affine(self.params["W1"], self.params["b1"]),
                       "Relu1": relu(),
                       "Affine2": Affine(self.params["W2"], self.params["b2"])}
        self.lastLayer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return self.lastLayer.forward(self.predict(x), t)

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        return {"W1": self.layers["Affine1"].dW, "b1": self.layers["Affine1"].db,
                "W2": self.layers["Affine2"].dW, "b2": self.layers["Affine2"].db}


def test_check_network_finds_the_layer_whose_backward_departs():
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(6, 5)), rng.integers(0, 3, 6)
    good = TwoLayerNet((5, 4, 3), np.random.default_rng(1))
    report = check_network(good, x, t)
    assert report.ok and report.method == "engine" and report.first_wrong is None
    assert [name for name, _ in report.layers] == ["lastLayer", "Affine2", "Relu1",
                                                   "Affine1"]
    bad = TwoLayerNet((5, 4, 3), np.random.default_rng(1), relu=ReluMaskFromDout)
    W1 = bad.params["W1"]
    saved = {k: v.copy() for k, v in bad.params.items()}
    report = check_network(bad, x, t)
    assert not report.ok and report.first_wrong == "Relu1"
    assert {r.name for r in report.rows if not r.ok} == {"W1", "b1"}
    assert [r.ok for _, r in report.layers] == [True, True, False, True]
    assert "departs first at Relu1" in str(report)
    # what a drawing of the chain needs: every layer's input, its parameters' keys
    assert [name for name, _ in report.inputs] == ["Affine1", "Relu1", "Affine2",
                                                   "lastLayer"]
    np.testing.assert_array_equal(report.inputs[0][1], x)
    assert report.param_keys["Affine2"] == {"dW": "W2", "db": "b2"}
    assert report.param_keys["Relu1"] == {}
    assert bad.layers["Affine1"].W is W1 is bad.params["W1"]  # still shared, unchanged
    for k, v in bad.params.items():
        np.testing.assert_array_equal(v, saved[k])


def test_a_broken_loss_is_reported_not_raised():
    params, x, d = _exercise()

    def loss(p):
        return cross_entropy_error(_forward(p, x[:, :1])[1], d)  # (3, 1) · (2, 3)

    report = check_gradients(loss, lambda p: _backward(p, x, d), params)
    assert not report.ok and "loss raised ValueError" in report.error


def test_a_parameter_copied_off_the_graph_is_never_a_silent_zero():
    # the engine's own Affine returns its output's .data: off the graph; the numbers decide
    from autograd.layers import Affine as EngineAffine
    rng = np.random.default_rng(0)
    layer = EngineAffine(rng.normal(size=(3, 2)), rng.normal(size=2))
    report = check_layer(layer, rng.normal(size=(4, 3)))
    assert report.method == "numerical" and "not a Tensor" in report.reason
    assert report.ok, str(report)

    class Unused(Affine):  # b held and "differentiated", never used: 0 is right
        def forward(self, x):
            self.x = x
            return np.dot(x, self.W)

        def backward(self, dout):
            self.dW = np.dot(self.x.T, dout)
            self.db = np.zeros_like(self.b)
            return np.dot(dout, self.W.T)
    r = check_layer(Unused(rng.normal(size=(3, 2)), np.zeros(2)), rng.normal(size=(4, 3)))
    assert r.ok and r.method == "numerical" and "what db differentiates did not" in r.reason

    class OffGraph(Unused):  # W's values taken off the graph on purpose: caught
        def forward(self, x):
            self.x = x
            return np.dot(x, self.W.data) + self.b
    r = check_layer(OffGraph(rng.normal(size=(3, 2)), np.zeros(2)), rng.normal(size=(4, 3)))
    assert r.method == "numerical" and "dW" in r.reason
