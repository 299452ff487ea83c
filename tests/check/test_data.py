"""autograd.check.data: a report as plain data (JSON's types) and back, the verdict
compared again from the numbers on the way back (what `graphgrad check` receives from
the child process running the learner's code)."""
import json

import numpy as np
import pytest

from autograd.check import check_gradients, check_layer
from autograd.check.data import report_from_data, report_to_data
from tests.check.learner import (
    Affine,
    AffineDbMean,
    Relu,
    _backward,
    _exercise,
    _forward,
    cross_entropy_error,
)


def _trip(report, **tolerances):
    data = json.loads(json.dumps(report_to_data(report)))  # JSON's types only
    return data, report_from_data(data, **tolerances)


def _affine(cls):
    rng = np.random.default_rng(0)
    return check_layer(cls(rng.normal(size=(3, 2)), rng.normal(size=2)),
                       rng.normal(size=(4, 3)))


def test_a_report_comes_back_as_it_went():
    report = _affine(AffineDbMean)
    _, back = _trip(report)
    assert str(back) == str(report) and back.ok == report.ok is False
    for a, b in zip(report.rows, back.rows):
        assert (a.name, a.ok, a.reached, a.hint, a.error) == \
            (b.name, b.ok, b.reached, b.hint, b.error)
        np.testing.assert_array_equal(a.expected, b.expected)
        np.testing.assert_array_equal(a.actual, b.actual)
    assert back["db"].hint.code == "over_n" and back.localisation == report.localisation
    params, x, d = _exercise()
    report = check_gradients(lambda p: cross_entropy_error(_forward(p, x)[1], d),
                             lambda p: _backward(p, x, d, "mask"), params)
    assert str(_trip(report)[1]) == str(report)


def test_the_verdict_is_the_numbers_not_the_data():
    data, _ = _trip(_affine(AffineDbMean))
    row = next(r for r in data["rows"] if r["name"] == "db")
    row["actual"] = row["expected"]  # data saying yours is the expected: then it is right
    assert report_from_data(data).ok
    data, back = _trip(_affine(Affine))
    assert back.ok
    data["rows"][1]["actual"]["values"][0] += 1e-3  # one entry off: wrong, whatever said
    again = report_from_data(data)
    assert not again.ok and again["dW"].max_abs == pytest.approx(1e-3)
    # the reader's tolerances decide: wide enough, the mistake passes
    assert report_from_data(data, rtol=0.0, atol=1.0).ok


def test_odd_values_survive_the_trip():
    class Odd(Relu):
        def backward(self, dout):
            out = dout.copy()
            out[0, 0] = np.nan
            out[0, 1] = np.inf
            return out
    _, back = _trip(check_layer(Odd(), np.ones((2, 2))))
    assert np.isnan(back["dx"].actual[0, 0]) and np.isinf(back["dx"].actual[0, 1])
    assert not back.ok

    class Text(Relu):
        def backward(self, dout):
            return "dx"
    _, back = _trip(check_layer(Text(), np.ones((2, 2))))
    assert not back.ok and back["dx"].hint == "dx is a str, not an array"


@pytest.mark.parametrize("damage", [
    lambda d: d.pop("rows"),
    lambda d: d.update(title=3),
    lambda d: d["rows"][0].update(hint={"code": "x", "template": "{x.__class__}",
                                        "fields": {"x": 1}}),
    lambda d: d["rows"][0].update(expected=[1, 2]),
])
def test_data_of_another_shape_is_refused(damage):
    data, _ = _trip(_affine(AffineDbMean))
    damage(data)
    with pytest.raises((ValueError, KeyError, TypeError)):
        report_from_data(data)
