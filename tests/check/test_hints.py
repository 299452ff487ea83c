"""autograd.check.hints: what a wrong gradient looks like, and that a hint never crashes
the check (issue 20 item 2): hints read the learner's numbers in every odd shape and
value, so they are tried here on random wrong gradients, hypothesis drawing them."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd.check import ATOL, RTOL, check_gradients, check_layer
from autograd.check import hints as hints_module
from autograd.check.compare import compare
from autograd.check.hints import cross_hints
from autograd.check.message import Message
from tests.check.learner import Affine, _backward, _exercise, _forward, cross_entropy_error


def _loss(x, d):
    return lambda p: cross_entropy_error(_forward(p, x)[1], d)


def test_a_factor_of_0_is_a_hint_not_a_zero_division():
    # the reproduction: db summed over the wrong axis, then repeated to b's shape;
    # softmax's (y − t) rows sum to 0, so yours is [0, 0] to rounding while the expected
    # is [u, −u]: the best factor between them is exactly 0
    params, x, d = _exercise(n=1)

    def grads(p):
        g = _backward(p, x, d)
        z1, y = _forward(p, x)
        g["b2"] = np.sum((y - d) / x.shape[0], axis=1).repeat(2)
        return g
    report = check_gradients(_loss(x, d), grads, params)
    assert [r.name for r in report.rows if not r.ok] == ["b2"]
    assert report["b2"].hint.code == "zero_rounding"
    assert str(report["b2"].hint).startswith("yours is 0 everywhere, to rounding")


def test_a_hint_that_raises_is_dropped_never_the_check(monkeypatch):
    def broken(*args):
        raise ZeroDivisionError("a hint's own bug")
    monkeypatch.setattr(hints_module, "_factor_hint", broken)
    monkeypatch.setattr(hints_module, "_mask_hint", broken)
    rng = np.random.default_rng(0)
    layer = Affine(rng.normal(size=(3, 2)), rng.normal(size=2))

    class Halved(Affine):
        def backward(self, dout):
            dx = super().backward(dout)
            self.db = self.db / 2  # a factor: _factor_hint would be asked
            return dx
    report = check_layer(Halved(layer.W, layer.b), rng.normal(size=(4, 3)))
    assert [r.name for r in report.rows if not r.ok] == ["db"]
    assert report["db"].hint is None and report["db"].max_abs > 0


# ----------------------------------------------------------------------------- hypothesis

SPECIAL = st.sampled_from([0.0, -0.0, 1e-300, -1e-300, 1e300, np.inf, -np.inf, np.nan])
FLOATS = st.one_of(st.floats(-1e3, 1e3, allow_nan=False), SPECIAL)
SHAPES = st.sampled_from([(), (1,), (2,), (3,), (2, 2), (2, 3), (3, 2), (4, 3), (2, 1, 3)])


@st.composite
def expected_arrays(draw):
    shape = draw(SHAPES)
    return draw(hnp.arrays(np.float64, shape, elements=FLOATS))


def _slips(e, draw):
    """A wrong gradient as a learner's backward makes one (and some no backward makes)."""
    c = draw(st.sampled_from([0.0, -1.0, 0.5, 2.0, 1 / 3, 4.0, -0.25, 1e-17, 1e17]))
    kinds = {
        "factor": lambda: c * e,
        "transpose": lambda: e.T,
        "sum0": lambda: e.sum(axis=0) if e.ndim else e,
        "sum_last": lambda: e.sum(axis=-1) if e.ndim else e,
        "repeat": lambda: np.repeat(e.reshape(-1)[:1], 2),
        "mask": lambda: np.where(draw(hnp.arrays(bool, e.shape)), e, 0.0),
        "zeros": lambda: np.zeros_like(e),
        "random": lambda: draw(hnp.arrays(np.float64, draw(SHAPES), elements=FLOATS)),
        "ints": lambda: np.arange(e.size).reshape(e.shape),
        "flat": lambda: e.reshape(-1),
        "none": lambda: None,
        "list": lambda: [[1.0, 2.0], [3.0]],  # ragged
        "text": lambda: "dW",
        "scalar": lambda: c,
    }
    return kinds[draw(st.sampled_from(sorted(kinds)))]()


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_hints_never_raise_on_random_wrong_gradients(data):
    e = data.draw(expected_arrays())
    with np.errstate(all="ignore"):  # 0 · inf in the slips themselves
        actual = _slips(e, data.draw)
    batch = data.draw(st.sampled_from([None, 1, 2, 3, 4]))
    row = compare("dW", e, actual, RTOL, ATOL, batch)
    assert row.name == "dW" and isinstance(row.ok, bool)
    assert row.hint is None or isinstance(row.hint, Message)
    if row.hint is not None:  # says itself, and survives the trip to plain data
        assert row.hint.say() == str(row.hint)
        assert Message.from_data(row.hint.to_data()) == row.hint
    other = compare("db", np.asarray(actual if isinstance(actual, np.ndarray) else e,
                                     dtype=np.float64), e, RTOL, ATOL, batch)
    cross_hints([row, other], RTOL, ATOL)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_check_gradients_never_raises_on_a_slipped_parameter(data):
    params, x, d = _exercise(n=data.draw(st.sampled_from([1, 2, 3])))
    key = data.draw(st.sampled_from(sorted(params)))

    def grads(p):
        g = _backward(p, x, d)
        with np.errstate(all="ignore"):
            g[key] = _slips(np.asarray(g[key]), data.draw)
        return g
    report = check_gradients(_loss(x, d), grads, params)
    assert {r.name for r in report.rows} == set(params)
    for r in report.rows:
        assert r.hint is None or isinstance(r.hint, Message)
    str(report), report.html()


@pytest.mark.parametrize("expected, actual, code", [
    ([1.0, -2.0], [-1.0, 2.0], "sign"),
    ([1.0, -2.0], [0.25, -0.5], "over_n"),
    ([1.0, -2.0], [4.0, -8.0], "times_n"),
    ([1.0, -2.0], [-0.25, 0.5], "sign_and"),
    ([1.0, -2.0], [1.7, -3.4], "factor"),
    ([1.0, -2.0], [0.0, 0.0], "zero"),
    ([0.0, 0.0], [1.0, 1.0], "expected_zero"),
    ([1.0, 0.0], [1.0, 3.0], "mask_missing"),
    ([1.0, 0.0, 2.0], [0.0, 3.0, 0.0], "mask_inverted"),
    ([1.0, 2.0, 0.0], [0.0, 2.0, 0.0], "blocked"),
    ([1.0, 2.0, 0.0, 1.0], [0.0, 2.0, 3.0, 1.0], "mask_wrong_array"),
])
def test_each_value_hint_by_its_code(expected, actual, code):
    row = compare("dx", np.array(expected), np.array(actual), RTOL, ATOL, batch=4)
    assert not row.ok and row.hint.code == code, row.hint
