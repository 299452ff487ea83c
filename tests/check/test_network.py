"""autograd.check.network: check_gradients on the E資格 exercise and check_network on the
book's TwoLayerNet."""
import numpy as np
import pytest

from autograd.check import check_gradients, check_network
from tests.check.learner import (
    ReluMaskFromDout,
    TwoLayerNet,
    _backward,
    _exercise,
    _forward,
    cross_entropy_error,
)


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
