"""Composites against closed forms, and their structure: primitives only, scoped."""
import math
import warnings

import numpy as np
import pytest

import autograd
from autograd import PRIMITIVES, Tensor, Value, grad, toposort
from autograd import functions as F
from autograd.graph import Node

RNG = np.random.default_rng(0)
BOOK_Y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
BOOK_T = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]


def _softmax_np(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _one_hot(labels, n):
    return np.eye(n)[labels]


# ----------------------------------------------------------------------------- closed forms

def test_sigmoid_derivative_is_y_one_minus_y():
    x = Tensor(np.linspace(-6, 6, 13), requires_grad=True)
    y = F.sigmoid(x)
    np.testing.assert_allclose(y.data, 1 / (1 + np.exp(-x.data)), rtol=1e-15)
    y.backward(np.ones(13))
    np.testing.assert_allclose(x.grad, y.data * (1 - y.data), rtol=1e-12)
    v = Value(0.7)
    w = v.sigmoid()
    w.backward()
    assert v.grad == pytest.approx(w.data * (1 - w.data), rel=1e-14)


@pytest.mark.parametrize("labels", ["one_hot", "integer"])
def test_softmax_with_loss_gradient_is_y_minus_t_over_n(labels):
    x = Tensor(RNG.normal(size=(5, 4)) * 3, requires_grad=True)
    idx = np.array([0, 3, 1, 1, 2])
    t = _one_hot(idx, 4) if labels == "one_hot" else idx
    loss = F.softmax_with_loss(x, t)
    y = _softmax_np(x.data)
    assert loss.data.shape == ()
    assert float(loss.data) == pytest.approx(-np.mean(np.log(y[np.arange(5), idx])),
                                             rel=1e-12)
    loss.backward()
    np.testing.assert_allclose(x.grad, (y - _one_hot(idx, 4)) / 5, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("t", [np.array([0.0, 0.0, 1.0]), 2], ids=["one_hot", "label"])
def test_softmax_with_loss_single_sample_1d(t):
    x = Tensor([0.3, 2.9, 4.0], requires_grad=True)
    loss = F.softmax_with_loss(x, t)
    y = _softmax_np(x.data)
    assert float(loss.data) == pytest.approx(-math.log(y[2]), rel=1e-12)
    loss.backward()
    assert x.grad.shape == (3,)
    np.testing.assert_allclose(x.grad, y - np.array([0, 0, 1]), rtol=1e-10, atol=1e-15)


def test_softmax_rows_sum_to_one_without_overflow():
    x = Tensor([[1000.0, 1000.0, 1001.0], [-3.0, 0.0, 2.0]], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning, no GraphgradWarning
        y = F.softmax(x)
    assert np.all(np.isfinite(y.data))
    np.testing.assert_allclose(y.data.sum(axis=1), [1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(y.data, _softmax_np(x.data), rtol=1e-14)
    values = F.softmax([Value(1000.0), Value(1000.0), Value(1001.0)])
    assert sum(v.data for v in values) == pytest.approx(1.0, rel=1e-15)
    np.testing.assert_allclose([v.data for v in values], y.data[0], rtol=1e-14)


def test_softmax_along_another_axis():
    x = Tensor(RNG.normal(size=(3, 4)))
    np.testing.assert_allclose(F.softmax(x, axis=0).data, _softmax_np(x.data.T).T,
                               rtol=1e-14)


def test_cross_entropy_error_is_the_books_number():
    expected = 0.510825457099338  # the book's ch. 4 example, -log(0.6 + 1e-7)
    assert float(F.cross_entropy_error(Tensor(BOOK_Y), np.array(BOOK_T)).data) == \
        pytest.approx(expected, rel=1e-14)
    assert float(F.cross_entropy_error(Tensor(BOOK_Y), 2).data) == \
        pytest.approx(expected, rel=1e-14)
    assert F.cross_entropy_error([Value(y) for y in BOOK_Y], BOOK_T).data == \
        pytest.approx(expected, rel=1e-14)
    assert F.cross_entropy_error([Value(y) for y in BOOK_Y], 2).data == \
        pytest.approx(expected, rel=1e-14)
    # the book's second example (t at 2, y peaked at 7) and a batch of both: the mean
    y2 = [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]
    assert float(F.cross_entropy_error(Tensor(y2), 2).data) == \
        pytest.approx(2.302584092994546, rel=1e-14)
    batch = F.cross_entropy_error(Tensor([BOOK_Y, y2]), np.array([2, 2]))
    assert float(batch.data) == pytest.approx((expected + 2.302584092994546) / 2, rel=1e-14)


def test_cross_entropy_error_rejects_bad_labels():
    with pytest.raises(ValueError, match="0..9"):
        F.cross_entropy_error(Tensor([BOOK_Y]), np.array([10]))
    with pytest.raises(ValueError, match="do not match"):
        F.cross_entropy_error(Tensor([BOOK_Y, BOOK_Y]), np.array([1, 2, 3]))


def test_neg_sub_div():
    x = Tensor([1.0, -2.0, 4.0], requires_grad=True)
    y = Tensor([2.0, 0.5, -8.0], requires_grad=True)
    np.testing.assert_array_equal(F.neg(x).data, -x.data)
    np.testing.assert_array_equal((x - y).data, x.data - y.data)
    np.testing.assert_allclose((x / y).data, x.data / y.data, rtol=1e-15)
    np.testing.assert_array_equal((1.0 - x).data, 1 - x.data)
    np.testing.assert_allclose((2.0 / y).data, 2 / y.data, rtol=1e-15)
    np.testing.assert_array_equal(F.sub(1.0, x).data, 1 - x.data)  # number first
    np.testing.assert_allclose(F.div(1.0, y).data, 1 / y.data, rtol=1e-15)
    gx, gy = grad((x / y - x).sum(), [x, y])
    np.testing.assert_allclose(gx.data, 1 / y.data - 1, rtol=1e-15)
    np.testing.assert_allclose(gy.data, -x.data / y.data ** 2, rtol=1e-15)
    a, b = Value(3.0), Value(-4.0)
    out = -a + (a - b) / b - 2 / a
    out.backward()
    assert out.data == pytest.approx(-3 + 7 / -4 - 2 / 3, rel=1e-15)
    assert a.grad == pytest.approx(-1 + 1 / -4 + 2 / 9, rel=1e-15)
    assert b.grad == pytest.approx(-3 / 16, rel=1e-15)  # d/db (a-b)/b = -a/b²


@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (1, True),
                                            ((0, 1), True), (-1, False)])
def test_mean(axis, keepdims):
    data = RNG.normal(size=(3, 4))
    x = Tensor(data, requires_grad=True)
    m = x.mean(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(m.data, data.mean(axis=axis, keepdims=keepdims), rtol=1e-14)
    m.backward(np.ones(m.shape))
    n = data.size // np.asarray(m.data).size
    np.testing.assert_allclose(x.grad, np.full((3, 4), 1 / n), rtol=1e-15)


def test_list_of_values_equals_tensor_versions():
    scores = [0.3, 2.9, 4.0, -1.0]
    xs = [Value(s) for s in scores]
    xt = Tensor(scores, requires_grad=True)
    ys, yt = F.softmax(xs), F.softmax(xt)
    np.testing.assert_allclose([v.data for v in ys], yt.data, rtol=1e-14)
    for t in (1, [0, 1, 0, 0]):
        xs = [Value(s) for s in scores]
        xt = Tensor(scores, requires_grad=True)
        ls, lt = F.softmax_with_loss(xs, t), F.softmax_with_loss(xt, np.asarray(t))
        assert ls.data == pytest.approx(float(lt.data), rel=1e-14)
        ls.backward()
        lt.backward()
        np.testing.assert_allclose([v.grad for v in xs], xt.grad, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(xt.grad, _softmax_np(xt.data) - _one_hot(1, 4),
                                   rtol=1e-10)


def test_elementwise_functions_take_numbers_and_arrays():
    assert autograd.exp(1.0).data == pytest.approx(math.e)
    assert autograd.log(math.e).data == pytest.approx(1.0)
    assert autograd.reciprocal(4).data == 0.25
    assert autograd.relu(-3).data == 0.0
    np.testing.assert_array_equal(autograd.relu(np.array([-1.0, 2.0])).data, [0.0, 2.0])
    assert isinstance(autograd.sigmoid(0.0), Value) and autograd.sigmoid(0.0).data == 0.5
    assert isinstance(autograd.tanh(np.zeros(2)), Tensor)


def test_float32_stays_float32_through_composites():
    x = Tensor(RNG.normal(size=(4, 3)).astype(np.float32), requires_grad=True)
    for f in (F.sigmoid, F.tanh, F.softmax, lambda v: F.softmax_with_loss(v, [0, 1, 2, 0]),
              lambda v: v.mean(axis=0)):
        x.grad = None
        y = f(x)
        assert y.data.dtype == np.float32
        y.backward(np.ones(y.shape, dtype=np.float32))
        assert x.grad.dtype == np.float32


# ----------------------------------------------------------------------------- underflow

def _closed_forms(scores, idx):
    """The mean of −log y_t (by log-sum-exp, in float64) and (y − t)/N."""
    x = scores.astype(np.float64)
    c = x.max(axis=-1)
    lse = c + np.log(np.exp(x - c[:, None]).sum(axis=-1))
    loss = np.mean(lse - x[np.arange(len(x)), idx])
    return loss, (_softmax_np(x) - _one_hot(idx, x.shape[1])) / len(x)


@pytest.mark.parametrize("dtype, gaps", [(np.float32, (88.0, 120.0, 1e4)),
                                         (np.float64, (745.0, 800.0, 1e6))])
@pytest.mark.parametrize("labels", ["one_hot", "integer"])
def test_softmax_with_loss_sends_y_minus_t_where_the_true_class_underflows(dtype, gaps,
                                                                           labels):
    # a wrong class ahead by `gap`: y_t underflows, the guarded log is flat and the
    # softmax's exp is 0 there; the loss must still be −log y_t and the gradient y − t
    tiny = np.finfo(dtype).tiny
    idx = np.array([0, 2])
    for gap in gaps:
        scores = np.array([[0.0, gap, 5.0], [0.5, -1.0, 2.0]])
        x = Tensor(scores.astype(dtype), requires_grad=True)
        y0 = F.softmax(x).data[0, 0]
        assert y0 + tiny != y0  # the guard moves it: the case at hand
        loss = F.softmax_with_loss(x, _one_hot(idx, 3) if labels == "one_hot" else idx)
        loss.backward()
        true_loss, true_grad = _closed_forms(scores, idx)
        rtol = 1e-6 if dtype == np.float32 else 1e-13
        assert float(loss.data) == pytest.approx(true_loss, rel=rtol)
        np.testing.assert_allclose(x.grad, true_grad, rtol=rtol, atol=rtol)
        assert "where" in [n.op.name for n in toposort(loss) if n.op]


def test_softmax_with_loss_the_issues_case_float32():
    x = Tensor(np.array([[0.0, 120.0, 5.0]], dtype=np.float32), requires_grad=True)
    F.softmax_with_loss(x, [0]).backward()
    np.testing.assert_allclose(x.grad, [[-1.0, 1.0, 0.0]], atol=1e-6)


def test_softmax_with_loss_value_and_gradient_agree_where_it_underflows():
    # the loss computed is the one differentiated: central differences of its value
    scores = np.array([[0.0, 800.0, 5.0], [0.5, -1.0, 2.0]])
    t = np.array([0, 2])
    x = Tensor(scores, requires_grad=True)
    F.softmax_with_loss(x, t).backward()
    h, numeric = 1e-4, np.zeros_like(scores)
    for i in np.ndindex(scores.shape):
        up, down = scores.copy(), scores.copy()
        up[i] += h
        down[i] -= h
        numeric[i] = (float(F.softmax_with_loss(Tensor(up), t).data)
                      - float(F.softmax_with_loss(Tensor(down), t).data)) / (2 * h)
    np.testing.assert_allclose(x.grad, numeric, atol=1e-6)


def test_softmax_with_loss_of_values_where_the_true_class_underflows():
    xs = [Value(0.0), Value(800.0), Value(5.0)]
    loss = F.softmax_with_loss(xs, 0)
    loss.backward()
    assert loss.data == pytest.approx(800.0, rel=1e-15)
    assert [v.grad for v in xs] == pytest.approx([-1.0, 1.0, 0.0], abs=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("labels", ["one_hot", "integer"])
def test_softmax_with_loss_is_appendix_a_node_for_node_where_nothing_underflows(dtype,
                                                                               labels):
    # the same nodes and the same numbers, bit for bit, as softmax then cross entropy
    # with the guard and no scores (the graph before the underflow fix)
    scores = RNG.normal(size=(6, 4)) * 4
    idx = np.array([0, 3, 1, 1, 2, 0])
    t = _one_hot(idx, 4) if labels == "one_hot" else idx
    tiny = float(np.finfo(dtype).tiny)
    seen = []
    for build in (lambda x: F.softmax_with_loss(x, t),
                  lambda x: F.cross_entropy_error(F.softmax(x), t, delta=tiny)):
        x = Tensor(scores.astype(dtype), requires_grad=True)
        loss = build(x)
        loss.backward()
        seen.append(([n.op.name for n in toposort(loss) if n.op], loss.data, x.grad))
    (ops, loss, dx), (book_ops, book_loss, book_dx) = seen
    assert ops == book_ops and "where" not in ops
    np.testing.assert_array_equal(loss, book_loss)
    np.testing.assert_array_equal(dx, book_dx)
    xs, book = ([Value(v) for v in scores[0]] for _ in range(2))
    a = F.softmax_with_loss(xs, int(idx[0]))
    b = F.cross_entropy_error(F.softmax(book), int(idx[0]), delta=float(np.finfo(float).tiny))
    a.backward()
    b.backward()
    assert a.data == b.data and [v.grad for v in xs] == [v.grad for v in book]


# ----------------------------------------------------------------------------- fused loss

def _both_losses(scores, t, dtype, dout=1.0):
    """(loss, dx) of the composite and of the fused primitive, on the same scores."""
    out = []
    for fused in (False, True):
        x = Tensor(scores.astype(dtype), requires_grad=True)
        loss = F.softmax_with_loss(x, t, fused=fused)
        (dx,) = grad(loss, [x], grad_outputs=np.asarray(dout, dtype=dtype))
        out.append((loss, dx.data))
    return out


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 2e-6)])
@pytest.mark.parametrize("labels", ["one_hot", "integer"])
def test_fused_softmax_with_loss_equals_the_composite(dtype, rtol, labels):
    scores = np.random.default_rng(7).normal(size=(7, 5)) * 4
    idx = np.array([0, 4, 1, 1, 2, 3, 0])
    t = _one_hot(idx, 5) if labels == "one_hot" else idx
    (lc, dc), (lf, df) = _both_losses(scores, t, dtype, dout=1.7)
    assert [n.op.name for n in toposort(lf) if n.op] == ["softmax_cross_entropy_fused"]
    assert lf.data.dtype == dtype and df.dtype == dtype
    np.testing.assert_allclose(lf.data, lc.data, rtol=rtol)
    # relative to the gradient's scale: where y ≈ 1, y − 1 cancels, in both
    scale = rtol * np.abs(dc).max()
    np.testing.assert_allclose(df, dc, rtol=rtol, atol=scale)
    y = _softmax_np(scores.astype(dtype))
    np.testing.assert_allclose(df, 1.7 * (y - _one_hot(idx, 5)) / 7, rtol=rtol, atol=scale)


@pytest.mark.parametrize("t", [np.array([0.0, 1.0, 0.0]), 1], ids=["one_hot", "label"])
def test_fused_softmax_with_loss_takes_one_sample(t):
    (lc, dc), (lf, df) = _both_losses(np.array([0.3, 2.9, 4.0]), t, np.float64)
    assert df.shape == (3,)
    np.testing.assert_allclose(lf.data, lc.data, rtol=1e-12)
    np.testing.assert_allclose(df, dc, rtol=1e-12)


@pytest.mark.parametrize("labels", ["one_hot", "integer"])
def test_fused_softmax_with_loss_equals_the_composite_where_a_probability_underflows(labels):
    # row 0's true class is 1000 below another: its probability underflows to 0.  Both
    # losses are the true mean of −log y_t (row 0: 1000 + log(1 + 2e^−1000) = 1000), not
    # the guard's −log(tiny) = 708; both gradients are (y − t)/N
    scores = np.array([[0.0, 1000.0, 0.0], [1.0, 2.0, 3.0]])
    idx = np.array([0, 2])
    t = _one_hot(idx, 3) if labels == "one_hot" else idx
    (lc, dc), (lf, df) = _both_losses(scores, t, np.float64)
    true = (1000.0 - math.log(_softmax_np(scores[1])[2])) / 2
    assert float(lf.data) == pytest.approx(true, rel=1e-14)
    assert float(lc.data) == pytest.approx(true, rel=1e-14)
    for d in (df, dc):
        np.testing.assert_allclose(d[0], [-0.5, 0.5, 0.0], atol=1e-15)
        np.testing.assert_allclose(d[1], (_softmax_np(scores[1]) - [0, 0, 1]) / 2,
                                   rtol=1e-12)


@pytest.mark.parametrize("labels", ["one_hot", "integer"])
def test_fused_softmax_with_loss_second_derivative_equals_the_composite(labels):
    rng = np.random.default_rng(8)
    scores = rng.normal(size=(4, 3))
    idx = np.array([2, 0, 1, 1])
    t = _one_hot(idx, 3) if labels == "one_hot" else idx
    v = rng.normal(size=(4, 3))
    hv = []
    for fused in (False, True):
        x = Tensor(scores, requires_grad=True)
        (g,) = grad(F.softmax_with_loss(x, t, fused=fused), [x], create_graph=True)
        (h,) = grad((g * v).sum(), [x])
        hv.append(h.data)
    np.testing.assert_allclose(hv[1], hv[0], rtol=1e-10, atol=1e-15)


def test_fused_softmax_with_loss_refuses_what_it_does_not_compute():
    with pytest.raises(TypeError, match="fused=False"):
        F.softmax_with_loss([Value(0.5), Value(1.0)], 0, fused=True)
    with pytest.raises(ValueError, match="fused=False"):
        F.softmax_with_loss(_tensor(), [0, 1], delta=1e-7, fused=True)
    with pytest.raises(ValueError, match="labels must lie in"):
        F.softmax_with_loss(_tensor(), [0, 3], fused=True)


# ----------------------------------------------------------------------------- structure

def _tensor(shape=(2, 3)):
    return Tensor(RNG.uniform(0.1, 0.9, size=shape), requires_grad=True)


def _probabilities():
    p = RNG.uniform(0.1, 1.0, size=(2, 3))
    return Tensor(p / p.sum(axis=1, keepdims=True), requires_grad=True)


# (name, function, inputs): each composite on Tensors, and on Values where it takes them
COMPOSITES = [
    ("neg", F.neg, lambda: [_tensor()]),
    ("sub", F.sub, lambda: [_tensor(), _tensor()]),
    ("sub", F.sub, lambda: [_tensor(), 2.0]),
    ("div", F.div, lambda: [_tensor(), _tensor()]),
    ("mean", F.mean, lambda: [_tensor()]),
    ("sigmoid", F.sigmoid, lambda: [_tensor()]),
    ("softmax", F.softmax, lambda: [_tensor()]),
    ("cross_entropy_error", F.cross_entropy_error, lambda: [_probabilities(), [1, 2]]),
    ("softmax_with_loss", F.softmax_with_loss, lambda: [_tensor(), [1, 2]]),
    ("neg", F.neg, lambda: [Value(1.5)]),
    ("sub", F.sub, lambda: [Value(1.5), 2.0]),
    ("div", F.div, lambda: [Value(1.5), Value(-2.0)]),
    ("sigmoid", F.sigmoid, lambda: [Value(0.5)]),
    ("softmax", F.softmax, lambda: [[Value(0.5), Value(-1.0), Value(2.0)]]),
    ("cross_entropy_error", F.cross_entropy_error,
     lambda: [[Value(0.2), Value(0.3), Value(0.5)], 2]),
    ("softmax_with_loss", F.softmax_with_loss,
     lambda: [[Value(0.5), Value(-1.0), Value(2.0)], 0]),
]


def _all_nodes(outputs, stop):
    """Every node reachable from `outputs` through parents (constants included, which
    toposort leaves out as they need no grad), not walking past the `stop` nodes."""
    seen, stack = {}, list(outputs)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen[node] = None
        if node not in stop:
            stack.extend(node.parents)
    return list(seen)


@pytest.mark.parametrize("name, fn, make", COMPOSITES,
                         ids=[f"{c[0]}-{'value' if i >= 10 else 'tensor'}"
                              for i, c in enumerate(COMPOSITES)])
def test_composite_is_primitives_in_its_scope(name, fn, make):
    args = make()
    inputs = {a: None for arg in args for a in (arg if isinstance(arg, list) else [arg])
              if isinstance(a, Node)}
    assert autograd.graph.current_scope() == ()
    out = fn(*args)
    outputs = out if isinstance(out, list) else [out]
    prims = set(PRIMITIVES.values())
    for node in toposort(outputs):
        assert node.is_leaf or node.op in prims, f"{name}: node made by {node.op!r}"
    made_inside = [n for n in _all_nodes(outputs, inputs) if n not in inputs]
    assert made_inside
    frames = set()
    for node in made_inside:
        assert node.is_leaf or node.op in prims
        assert node.scope, f"{name}: {node!r} carries no scope"
        assert node.scope[0][0] == name, f"{name}: {node!r} has scope {node.scope}"
        frames.add(node.scope[0])
    assert len(frames) == 1, "one call, one frame (name, uid)"
    if name != "div":  # x × 1/y needs no constant; all the others make some
        assert any(n.is_leaf for n in made_inside), "constants are checked too"
    # a second call gets a frame of its own: two boxes in the drawing, not one
    again = fn(*make())
    again = again[0] if isinstance(again, list) else again
    assert again.scope[0][0] == name and again.scope[0] != next(iter(frames))


def test_scopes_nest_in_order():
    x = _tensor()
    loss = F.softmax_with_loss(x, [0, 2])
    scopes = {tuple(f[0] for f in n.scope) for n in _all_nodes([loss], {x}) if n is not x}
    assert ("softmax_with_loss", "softmax") in scopes
    assert ("softmax_with_loss", "softmax", "sub") in scopes  # the max shift
    assert ("softmax_with_loss", "cross_entropy_error") in scopes
    for s in scopes:
        assert s[0] == "softmax_with_loss"
        assert "softmax" not in s or s.index("softmax") == 1


def test_composites_record_nothing_when_no_input_needs_grad():
    y = F.softmax_with_loss(Tensor(RNG.normal(size=(2, 3))), [0, 1])
    assert y.is_leaf and not y.requires_grad


# ----------------------------------------------------------------------------- batch_norm

def _bn_inputs(n=6, d=4, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)) * 3 + 1
    return x, rng.standard_normal(d), rng.standard_normal(d), rng.standard_normal((n, d))


def _bn_closed_form(x, gamma, dout, eps=F.BN_EPS):
    """The book's layer's backward written out (section 6.3.1, after Kratzert):
    dx = (1/N)·γ·(1/σ)·(N·dout − Σdout − x̂·Σ(dout·x̂)), dγ = Σ dout·x̂, dβ = Σ dout."""
    n = x.shape[0]
    sigma = np.sqrt(x.var(axis=0) + eps)
    xhat = (x - x.mean(axis=0)) / sigma
    dx = gamma / (n * sigma) * (n * dout - dout.sum(axis=0)
                                - xhat * (dout * xhat).sum(axis=0))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def test_batch_norm_gradient_is_the_closed_form():
    x, gamma, beta, dout = _bn_inputs()
    xt, gt, bt = (Tensor(a, requires_grad=True) for a in (x, gamma, beta))
    y = F.batch_norm(xt, gt, bt)
    xhat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + F.BN_EPS)
    np.testing.assert_allclose(y.data, gamma * xhat + beta, rtol=1e-13, atol=1e-13)
    got = grad(y, [xt, gt, bt], grad_outputs=dout)
    for g, want in zip(got, _bn_closed_form(x, gamma, dout)):
        np.testing.assert_allclose(g.data, want, rtol=1e-11, atol=1e-13)


def test_batch_norm_against_torch_first_and_second_order():
    torch = pytest.importorskip("torch", reason="PyTorch is an optional oracle "
                                "(pip install torch==2.13.0)")
    x, gamma, beta, dout = _bn_inputs()
    v = np.random.default_rng(2).standard_normal(x.shape)
    xt, gt, bt = (Tensor(a, requires_grad=True) for a in (x, gamma, beta))
    y = F.batch_norm(xt, gt, bt)
    ours = grad(y, [xt, gt, bt], grad_outputs=dout, create_graph=True)
    # β enters additively: no second derivative reaches it (torch calls it unused)
    second = grad((ours[0] * v).sum() + (ours[1] * ours[1]).sum(), [xt, gt])

    tx, tg, tb = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    ty = torch.nn.functional.batch_norm(tx, None, None, tg, tb, training=True,
                                        eps=F.BN_EPS)
    theirs = torch.autograd.grad(ty, [tx, tg, tb], torch.tensor(dout), create_graph=True)
    tsecond = torch.autograd.grad((theirs[0] * torch.tensor(v)).sum()
                                  + (theirs[1] * theirs[1]).sum(), [tx, tg])
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=0, atol=1e-9)
    for a, b in zip(ours + second, theirs + tsecond):
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=0, atol=1e-9)


def test_batch_norm_of_values_is_the_tensor_version_column_by_column():
    x, gamma, beta, dout = _bn_inputs(n=5, d=2)
    xt, gt, bt = (Tensor(a, requires_grad=True) for a in (x, gamma, beta))
    y = F.batch_norm(xt, gt, bt)
    gx, gg, gb = grad(y, [xt, gt, bt], grad_outputs=dout)
    for j in range(2):
        xs = [Value(float(a)) for a in x[:, j]]
        g, b = Value(float(gamma[j])), Value(float(beta[j]))
        ys = F.batch_norm(xs, g, b)
        assert [v.data for v in ys] == pytest.approx(y.data[:, j], rel=1e-13, abs=1e-13)
        F.upstream(ys, dout[:, j]).backward()
        assert [v.grad for v in xs] == pytest.approx(gx.data[:, j], rel=1e-11, abs=1e-13)
        assert (g.grad, b.grad) == pytest.approx((gg.data[j], gb.data[j]), rel=1e-11)


def test_batch_norm_records_the_books_graph_in_its_scope():
    x = Tensor(RNG.normal(size=(3, 2)), requires_grad=True)
    y = F.batch_norm(x, Tensor(np.ones(2), requires_grad=True), np.zeros(2))
    nodes = [n for n in _all_nodes([y], {x}) if n is not x]
    prims = set(PRIMITIVES.values())
    assert all(n.is_leaf or n.op in prims for n in nodes)
    assert all(n.scope and n.scope[0][0] == "batch_norm" for n in nodes if n.op is not None)
    named = {n.name: n for n in nodes if n.name}
    # the quantities of figure 6-17, each a node of its own
    for name in ("μ", "x − μ", "(x − μ)²", "σ²", "σ", "1/σ", "x̂", "γx̂", "y"):
        assert name in named, name
    assert named["σ"].op.name == "pow" and named["1/σ"].op.name == "reciprocal"
    assert [p.name for p in named["x̂"].parents] == ["x − μ", None]  # × broadcast(1/σ)
    xs = [Value(1.0, name="x1"), Value(2.0, name="x2"), Value(4.0, name="x3")]
    ys = F.batch_norm(xs, Value(1.0), 0.0)
    assert [v.name for v in ys] == ["y1", "y2", "y3"]
    names = {n.name: n for n in _all_nodes(ys, set(xs))}
    assert {"x̂1", "x3 − μ", "(x2 − μ)²", "γx̂3", "μ", "σ"} <= set(names)
    # the book's ε, a named constant here, so the algebra writes √(σ² + ε)
    assert names["ε"].op is None and names["ε"].data == 1e-6


def test_batch_norm_refuses_an_empty_batch_and_keeps_float32():
    with pytest.raises(ValueError, match="batch along axis 0"):
        F.batch_norm(Tensor(np.zeros((0, 3))), 1.0, 0.0)
    with pytest.raises(ValueError, match="empty batch"):
        F.batch_norm([], 1.0, 0.0)
    x = Tensor(RNG.normal(size=(4, 3)).astype(np.float32), requires_grad=True)
    y = F.batch_norm(x, np.ones(3, np.float32), np.zeros(3, np.float32))
    y.backward(np.ones((4, 3), np.float32))
    assert y.data.dtype == np.float32 and x.grad.dtype == np.float32
    # one sample: x − μ = 0, so x̂ = 0 and the output is β (σ = √ε keeps it finite)
    one = F.batch_norm(Tensor([[3.0, -1.0]]), 2.0, 0.5)
    np.testing.assert_array_equal(one.data, [[0.5, 0.5]])


def test_upstream_sends_dout_to_every_output():
    ys = [Value(0.5), Value(-1.0)]
    loss = F.upstream(ys, [0.25, -3.0])
    loss.backward()
    assert loss.name == "L" and [v.grad for v in ys] == [0.25, -3.0]
    y = Tensor(RNG.normal(size=(2, 3)), requires_grad=True)
    d = RNG.normal(size=(2, 3))
    F.upstream(y, d).backward()
    np.testing.assert_array_equal(y.grad, d)
    with pytest.raises(ValueError, match="2 upstream gradients for 1 outputs"):
        F.upstream([Value(1.0)], [1.0, 2.0])
