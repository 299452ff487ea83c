"""autograd.check.layer: check_layer on the book's layers, each mistake flagged on exactly
the gradient it breaks.

Tolerances are check_layer's defaults: |yours − expected| <= 1e-8 + 1e-5·|expected|; the
correct layers agree to 1e-12 or better in float64 (SoftmaxWithLoss against the gradient
without the book's log(y + 1e-7) guard, as its backward intends)."""
import numpy as np
import pytest

from autograd.check import check_gradients, check_layer
from tests.check.learner import (
    CASES,
    Affine,
    BatchNormalization,
    MulLayer,
    Relu,
    ReluMaskFromDout,
    Sigmoid,
    SoftmaxWithLoss,
    _backward,
    _case_id,
    _exercise,
    _forward,
    _inputs,
    cross_entropy_error,
)


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


def test_an_exception_in_backward_names_the_learners_line_and_what_it_computes():
    class Broken(Affine):
        def backward(self, dout):
            self.dW = np.dot(self.x.T, dout)
            return np.dot(dout, self.W)  # (4, 2) · (3, 2): shapes not aligned

    rng = np.random.default_rng(0)
    report = check_layer(Broken(rng.normal(size=(3, 2)), np.zeros(2)), rng.normal(size=(4, 3)))
    assert not report.ok
    assert [(r.name, r.mark) for r in report.rows] == [("dx", "✘"), ("dW", "✔"), ("db", "–")]
    dx = report["dx"]  # the return raised: dx is what the failing line computes
    assert "backward raised ValueError" in dx.error
    assert f"{__file__}:" in dx.error and "in backward" in dx.error
    assert dx.hint.code == "product_fix"
    assert not report["db"].reached and report["db"].hint.code == "not_reached"
    assert "backward raised ValueError" in str(report)  # said once, above the table
    assert str(report).count("backward raised") == 1

    class Unknown(Affine):  # raised on a line that computes no gradient of its own
        def backward(self, dout):
            self.nothing.append(1)
    report = check_layer(Unknown(rng.normal(size=(3, 2)), np.zeros(2)), rng.normal(size=(4, 3)))
    for r in report.rows:  # which gradient it was on its way to: unknown, all carry it
        assert r.mark == "✘" and "backward raised AttributeError" in r.error


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


# ----------------------------------------------------------------------------- parameters
# issue 19 item 5: every parameter the forward reads has its gradient checked

class AffineNoParamGrads:  # written from scratch, no dW/db declared in __init__
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        return np.dot(dout, self.W.T)  # dW, db never set


class AffineTypoDB(Affine):  # the book's __init__ declares self.db = None
    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.dB = np.sum(dout, axis=0)  # the typo
        return dx.reshape(*self.original_x_shape)


class BatchNormTypo(BatchNormalization):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dGamma, self.dgamma = self.dgamma, None  # set under another name
        return dx


def _affine_case(cls):
    rng = np.random.default_rng(0)
    return check_layer(cls(rng.normal(size=(3, 2)), rng.normal(size=2)),
                       rng.normal(size=(4, 3)))


def test_a_parameter_gradient_backward_never_sets_is_a_wrong_row():
    report = _affine_case(AffineNoParamGrads)
    assert not report.ok and [r.name for r in report.rows] == ["dx", "dW", "db"]
    assert report["dx"].ok
    for name, param in (("dW", "W"), ("db", "b")):
        row = report[name]
        assert not row.ok and row.actual is None and row.hint.code == "param_not_set"
        assert f"backward did not set self.{name}: forward reads self.{param}" in row.hint
        assert row.expected.shape == ((3, 2) if name == "dW" else (2,))
    assert report.localisation is None  # a gradient never given departs nowhere


def test_a_near_miss_attribute_is_named():
    report = _affine_case(AffineTypoDB)
    assert [r.name for r in report.rows if not r.ok] == ["db"]
    hint = report["db"].hint
    assert hint.code == "param_near_miss" and hint.fields["near"] == "dB"
    assert "backward did not set self.db but set self.dB (its values are right)" in hint
    rng = np.random.default_rng(1)
    bn = check_layer(BatchNormTypo(rng.uniform(0.5, 1.5, 3), rng.normal(size=3)),
                     rng.normal(size=(5, 3)))
    assert [r.name for r in bn.rows if not r.ok] == ["dgamma"]
    assert "but set self.dGamma (its values are right)" in bn["dgamma"].hint


def test_arrays_the_forward_does_not_read_or_updates_are_not_parameters():
    class Scaled:
        def __init__(self):
            self.scale = np.array([2.0, 3.0])  # read: a parameter (dscale expected)
            self.unused = np.ones(2)  # held, never read: no row
            self.running = np.zeros(2)  # updated in place by forward: state, no row

        def forward(self, x):
            self.running *= 0.9
            self.running += 0.1 * x.mean(axis=0)
            self.x = x
            return x * self.scale

        def backward(self, dout):
            self.dscale = np.sum(dout * self.x, axis=0)
            return dout * self.scale
    x = np.random.default_rng(0).normal(size=(4, 2))
    report = check_layer(Scaled(), x)
    assert report.ok and [r.name for r in report.rows] == ["dx", "dscale"], str(report)


def test_check_gradients_names_a_near_miss_key():
    params, x, d = _exercise()

    def grads(p):
        g = _backward(p, x, d)
        g["w1"] = g.pop("W1")
        return g
    report = check_gradients(lambda p: cross_entropy_error(_forward(p, x)[1], d), grads,
                             params)
    assert [r.name for r in report.rows if not r.ok] == ["W1"]
    assert report["W1"].hint == "grads gave no W1 but gave w1 (its values are right): " \
        "the keys are the parameters' names"
