"""Tensor: broadcasting, dtypes, shared memory, shapes, clear shape errors, and numpy code
running on Tensors (numpy's dispatch onto the engine's primitives)."""
import numpy as np
import pytest

from autograd import Tensor, Value, grad
from autograd.graph import postorder
from autograd.tensor import SUPPORTED, maximum, minimum, strict_numbers, where

try:
    import torch
except ImportError:  # the optional oracle: its tests skip, saying so
    torch = None

RNG = np.random.default_rng(0)


def test_bias_gradient_sums_back_to_its_shape():
    x = Tensor(RNG.normal(size=(5, 3)), requires_grad=True)
    b = Tensor(np.zeros(3), requires_grad=True)
    dout = RNG.normal(size=(5, 3))
    (x + b).backward(dout)
    assert b.grad.shape == (3,)
    np.testing.assert_allclose(b.grad, dout.sum(axis=0), rtol=1e-14)  # the book's db
    np.testing.assert_array_equal(x.grad, dout)


@pytest.mark.parametrize("sa, sb", [((3, 1), (1, 4)), ((4,), (3, 4)), ((), (2, 3)),
                                    ((2, 1, 4), (3, 1))])
def test_broadcast_grads_have_input_shapes(sa, sb):
    a = Tensor(RNG.normal(size=sa), requires_grad=True)
    b = Tensor(RNG.normal(size=sb), requires_grad=True)
    out = a * b
    dout = RNG.normal(size=out.shape)
    out.backward(dout)
    assert a.grad.shape == sa and b.grad.shape == sb
    full = np.broadcast_shapes(sa, sb)
    ga = (dout * np.broadcast_to(b.data, full)).sum(
        axis=tuple(range(len(full) - len(sa)))).reshape(-1)
    np.testing.assert_allclose(a.grad.reshape(-1),
                               _sum_to(ga.reshape(full[len(full) - len(sa):]), sa)
                               .reshape(-1), rtol=1e-12)


def _sum_to(x, shape):
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and x.shape[i] != 1)
    return x.sum(axis=axes, keepdims=True) if axes else x


def test_numbers_and_arrays_on_either_side():
    t = Tensor([1.0, 2.0], requires_grad=True)
    a = np.array([10.0, 20.0])
    for out, expected in [(t + 1, [2, 3]), (1 + t, [2, 3]), (t - a, [-9, -18]),
                          (a - t, [9, 18]), (2 * t, [2, 4]), (t / 2, [0.5, 1]),
                          (2 / t, [2, 1]), (t ** 2, [1, 4]), (-t, [-1, -2])]:
        assert isinstance(out, Tensor)
        np.testing.assert_allclose(out.data, expected)


def test_ndarray_on_the_left_gives_a_tensor():
    t = Tensor(np.ones((2, 3)), requires_grad=True)
    a = RNG.normal(size=(2, 3))
    for out in (a + t, a * t, a - t, a / t, a @ t.T, np.float64(2.0) * t):
        assert isinstance(out, Tensor), type(out)
        assert out.requires_grad
    (a * t).sum().backward()
    np.testing.assert_array_equal(t.grad, a)


def test_float32_end_to_end():
    x = Tensor(RNG.normal(size=(4, 3)).astype(np.float32), requires_grad=True)
    W = Tensor(RNG.normal(size=(3, 2)).astype(np.float32), requires_grad=True)
    b = Tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
    h = ((x @ W + b).relu() * 2.0 - 1.0) / 3.0
    out = (h.exp().log() ** 2).mean() + h.sigmoid().sum(axis=0).tanh().sum()
    assert out.dtype == np.float32
    out.backward()
    for t in (x, W, b):
        assert t.data.dtype == np.float32 and t.grad.dtype == np.float32
    float64 = Tensor([1, 2])  # integers become float64
    assert float64.dtype == np.float64


def test_tensor_shares_memory_with_its_array():
    W = RNG.normal(size=(3, 2))
    t = Tensor(W, requires_grad=True)
    assert t.data is W or np.shares_memory(t.data, W)
    W -= 0.1  # the book's SGD updates params in place: the Tensor sees it
    np.testing.assert_array_equal(t.data, W)
    w32 = np.ones(3, dtype=np.float32)
    assert np.shares_memory(Tensor(w32).data, w32)


def test_grad_is_read_only():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x + x  # add's rule hands one buffer to both of its inputs
    y.backward(np.ones(2))
    with pytest.raises(ValueError, match="read-only"):
        x.grad[0] = 5.0
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_backward_never_mutates_the_callers_gradient():
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    dout = np.array([1.0, 1.0, 1.0])
    (x.relu() + x).backward(dout)
    np.testing.assert_array_equal(dout, [1.0, 1.0, 1.0])


def test_reshape_transpose_T():
    data = RNG.normal(size=(2, 3, 4))
    x = Tensor(data, requires_grad=True)
    assert x.reshape(6, 4).shape == (6, 4) and x.reshape((4, -1)).shape == (4, 6)
    assert x.reshape(2, 3, 4) is x  # no node for a no-op
    assert x.T.shape == (4, 3, 2)
    np.testing.assert_array_equal(x.transpose(1, 2, 0).data, data.transpose(1, 2, 0))
    np.testing.assert_array_equal(x.transpose((-1, 0, 1)).data, data.transpose(2, 0, 1))
    w = RNG.normal(size=(3, 4, 2))
    (x.transpose(1, -1, 0) * w).sum().backward()
    np.testing.assert_allclose(x.grad, w.transpose(2, 0, 1))
    x.grad = None
    (x.reshape(4, 6).T * w.reshape(6, 4)).sum().backward()
    np.testing.assert_allclose(x.grad, w.reshape(6, 4).T.reshape(2, 3, 4))
    with pytest.raises(ValueError, match=r"reshape: cannot reshape shape \(2, 3, 4\)"):
        x.reshape(5, 5)
    with pytest.raises(ValueError, match="not a permutation"):
        x.transpose(0, 0, 1)


@pytest.mark.parametrize("axis, keepdims", [(None, False), (None, True), (0, False),
                                            (1, True), (-1, False), ((0, 2), True),
                                            ([1, 2], False)])
def test_sum_and_mean(axis, keepdims):
    data = RNG.normal(size=(2, 3, 4))
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    for method in ("sum", "mean"):
        x = Tensor(data, requires_grad=True)
        y = getattr(x, method)(axis=axis, keepdims=keepdims)
        expected = getattr(data, method)(axis=np_axis, keepdims=keepdims)
        assert y.shape == expected.shape
        np.testing.assert_allclose(y.data, expected, rtol=1e-14)
        dout = RNG.normal(size=y.shape)
        y.backward(dout)
        n = data.size // expected.size if method == "mean" else 1
        kept = data.sum(axis=np_axis, keepdims=True).shape
        np.testing.assert_allclose(x.grad, np.broadcast_to(dout.reshape(kept) / n,
                                                           data.shape), rtol=1e-14)


@pytest.mark.parametrize("sa, sb", [((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
                                    ((2, 3), (3, 4))])
def test_matmul_matches_numpy(sa, sb):
    a, b = RNG.normal(size=sa), RNG.normal(size=sb)
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = ta @ tb
    expected = a @ b
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-14)
    dout = RNG.normal(size=expected.shape)
    out.backward(dout)
    # d/dA Σ dout·(A@B) by the book's (5.13), with 1-D operands as a row / a column
    a2, b2 = a.reshape(1, -1) if a.ndim == 1 else a, b.reshape(-1, 1) if b.ndim == 1 else b
    d2 = np.reshape(dout, (a2.shape[0], b2.shape[1]))
    np.testing.assert_allclose(ta.grad, (d2 @ b2.T).reshape(sa), rtol=1e-12)
    np.testing.assert_allclose(tb.grad, (a2.T @ d2).reshape(sb), rtol=1e-12)


def test_shape_errors_name_both_shapes_and_the_op():
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 2\)"):
        a @ b
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(4, 2\)"):
        a + b
    with pytest.raises(ValueError, match=r"mul: shapes \(2, 3\) and \(4,\)"):
        a * np.ones(4)
    with pytest.raises(ValueError, match=r"sub: shapes \(2, 3\) and \(4, 2\)"):
        a - b
    with pytest.raises(ValueError, match=r"div: shapes \(2, 3\) and \(4, 2\)"):
        a / b
    with pytest.raises(ValueError, match=r"matmul: .*\(3,\) and \(2,\)"):
        Tensor(np.ones(3)) @ Tensor(np.ones(2))
    with pytest.raises(ValueError, match=r"matmul: .*2-D.*\(2, 2, 2\)"):
        Tensor(np.ones((2, 2, 2))) @ Tensor(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast shape \(2, 3\)"):
        a.broadcast_to((3, 3))


def test_non_scalar_backward_needs_grad():
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\) needs grad="):
        y.backward()
    with pytest.raises(ValueError, match=r"got shape \(3,\)"):
        y.backward(np.ones(3))
    one = Tensor([[2.0]], requires_grad=True)
    (one * one).backward()  # one element: seeded with 1, like a scalar
    np.testing.assert_array_equal(one.grad, [[4.0]])


def test_tensor_rejects_non_numeric_data():
    with pytest.raises(TypeError, match="numeric"):
        Tensor(["a", "b"])
    with pytest.raises(TypeError):
        Tensor([1.0]) + Value(1.0)


def test_zero_d_gradients_are_arrays():
    x = Tensor(3.0, requires_grad=True)
    (g,) = grad(x * x, [x])
    assert type(g.data) is np.ndarray and float(g.data) == 6.0
    y = x * x * 2
    y.backward()
    assert type(x.grad) is np.ndarray and x.grad.shape == ()


def test_array_like_helpers():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="x")
    assert len(x) == 2 and x.ndim == 2 and x.size == 4 and x.numpy() is x.data
    assert Tensor(5.0).item() == 5.0
    assert "requires_grad=True" in repr(x) and "name='x'" in repr(x)


# ======================================================================== numpy code on Tensors
# A learner's numpy forward runs on Tensors: numpy's functions dispatch to the engine and
# record the very primitives the Tensor code records.  Each supported function's gradient
# is held against the same Tensor code (graph and numbers) and against PyTorch.


A = np.random.default_rng(5).normal(size=(4, 3))  # an ndarray operand
MASK = np.random.default_rng(6).random((4, 3)) > 0.5
LABELS = np.array([2, 0, 1, 1])


def _pos(shape):
    return lambda rng: rng.uniform(0.5, 2.0, shape)


def _any(shape):
    return lambda rng: rng.normal(size=shape)


def _ops(node):
    return [n.op.name for n in postorder(node) if n.op is not None]


# (id, inputs, numpy code, the same in Tensor code, the same in torch or None)
NUMPY_CASES = [
    ("dot", [_any((4, 3)), _any((3, 2))], lambda x, w: np.dot(x, w), lambda x, w: x @ w,
     lambda x, w: x @ w),
    ("dot-1d", [_any(3), _any((3, 2))], np.dot, lambda x, w: x @ w, lambda x, w: x @ w),
    ("matmul", [_any((4, 3)), _any((3, 2))], np.matmul, lambda x, w: x @ w,
     lambda x, w: x @ w),
    ("x.dot", [_any((4, 3)), _any((3, 2))], lambda x, w: x.dot(w), lambda x, w: x @ w,
     lambda x, w: x @ w),
    ("exp", [_any((4, 3))], np.exp, lambda x: x.exp(), lambda x: x.exp()),
    ("log", [_pos((4, 3))], np.log, lambda x: x.log(), lambda x: x.log()),
    ("tanh", [_any((4, 3))], np.tanh, lambda x: x.tanh(), lambda x: x.tanh()),
    ("sqrt", [_pos((4, 3))], np.sqrt, lambda x: x ** 0.5, lambda x: x.sqrt()),
    ("square", [_any((4, 3))], np.square, lambda x: x ** 2, lambda x: x ** 2),
    ("power", [_any((4, 3))], lambda x: np.power(x, 3), lambda x: x ** 3, lambda x: x ** 3),
    ("reciprocal", [_pos((4, 3))], np.reciprocal, lambda x: x.reciprocal(),
     lambda x: x.reciprocal()),
    ("negative", [_any((4, 3))], np.negative, lambda x: -x, lambda x: -x),
    ("abs", [_any((4, 3))], np.abs, abs, lambda x: x.abs()),
    ("sum-axis-keepdims", [_any((4, 3))], lambda x: np.sum(x, axis=0, keepdims=True),
     lambda x: x.sum(axis=0, keepdims=True), lambda x: x.sum(0, keepdim=True)),
    ("sum", [_any((4, 3))], np.sum, lambda x: x.sum(), lambda x: x.sum()),
    ("mean", [_any((4, 3))], lambda x: np.mean(x, axis=1), lambda x: x.mean(axis=1),
     lambda x: x.mean(1)),
    ("var", [_any((4, 3))], lambda x: np.var(x, axis=0), lambda x: x.var(axis=0),
     lambda x: x.var(0, correction=0)),
    ("std-ddof", [_any((4, 3))], lambda x: np.std(x, axis=1, ddof=1),
     lambda x: x.std(axis=1, ddof=1), lambda x: x.std(1, correction=1)),
    ("max", [_any((4, 3))], lambda x: np.max(x, axis=1), lambda x: x.max(axis=1),
     lambda x: x.amax(1)),
    ("amax-keepdims", [_any((4, 3))], lambda x: np.amax(x, axis=-1, keepdims=True),
     lambda x: x.max(axis=-1, keepdims=True), lambda x: x.amax(-1, keepdim=True)),
    ("max-all", [_any((4, 3))], np.max, lambda x: x.max(), lambda x: x.amax()),
    ("min", [_any((4, 3))], lambda x: np.min(x, axis=0), lambda x: x.min(axis=0),
     lambda x: x.amin(0)),
    ("maximum", [_any((4, 3)), _any((4, 3))], np.maximum, maximum,
     lambda x, y: x.maximum(y)),
    ("minimum-broadcast", [_any((4, 3)), _any(3)], np.minimum, minimum,
     lambda x, y: x.minimum(y)),
    ("maximum-0-is-relu", [_any((4, 3))], lambda x: np.maximum(x, 0), lambda x: x.relu(),
     lambda x: x.relu()),
    ("maximum-0-left", [_any((4, 3))], lambda x: np.maximum(0, x), lambda x: x.relu(),
     lambda x: x.relu()),
    ("amin", [_any((4, 3))], lambda x: np.amin(x, axis=1), lambda x: x.min(axis=1),
     lambda x: x.amin(1)),
    ("positive", [_any((4, 3))], lambda x: np.positive(x) * 2, lambda x: x * 2,
     lambda x: (+x) * 2),
    ("where", [_any((4, 3)), _any((4, 3))], lambda x, y: np.where(MASK, x, y),
     lambda x, y: where(MASK, x, y), lambda x, y: torch.where(torch.from_numpy(MASK), x, y)),
    ("where-leaky", [_any((4, 3))], lambda x: np.where(x > 0, x, 0.1 * x),
     lambda x: where(x.data > 0, x, x * 0.1), lambda x: torch.where(x > 0, x, 0.1 * x)),
    ("clip", [_any((4, 3))], lambda x: np.clip(x, -0.5, 0.5),
     lambda x: minimum(maximum(x, -0.5), 0.5), lambda x: x.clamp(-0.5, 0.5)),
    ("reshape", [_any((4, 3))], lambda x: np.reshape(x, (3, 4)), lambda x: x.reshape(3, 4),
     lambda x: x.reshape(3, 4)),
    ("transpose", [_any((4, 3))], np.transpose, lambda x: x.T, lambda x: x.T),
    ("ravel", [_any((4, 3))], np.ravel, lambda x: x.reshape(-1), lambda x: x.reshape(-1)),
    ("squeeze", [_any((4, 1, 3))], np.squeeze, lambda x: x.reshape(4, 3),
     lambda x: x.squeeze()),
    ("expand_dims", [_any((4, 3))], lambda x: np.expand_dims(x, 1),
     lambda x: x.reshape(4, 1, 3), lambda x: x.unsqueeze(1)),
    ("broadcast_to", [_any(3)], lambda x: np.broadcast_to(x, (4, 3)),
     lambda x: x.broadcast_to((4, 3)), lambda x: x.expand(4, 3)),
    ("copy", [_any((4, 3))], np.copy, lambda x: x.copy(), lambda x: x.clone()),
    ("ndarray+x", [_any((4, 3))], lambda x: A + x, lambda x: x.__radd__(A),
     lambda x: x + torch.from_numpy(A)),
    ("ndarray-x", [_any((4, 3))], lambda x: A - x, lambda x: x.__rsub__(A),
     lambda x: torch.from_numpy(A) - x),
    ("ndarray*x", [_any((4, 3))], lambda x: A * x, lambda x: x.__rmul__(A),
     lambda x: torch.from_numpy(A) * x),
    ("ndarray/x", [_pos((4, 3))], lambda x: A / x, lambda x: x.__rtruediv__(A),
     lambda x: torch.from_numpy(A) / x),
    ("x/ndarray-row", [_any((4, 3))], lambda x: np.divide(x, A[0]), lambda x: x / A[0],
     lambda x: x / torch.from_numpy(A[0])),
    ("ndarray@x", [_any((3, 2))], lambda w: A @ w, lambda w: w.__rmatmul__(A),
     lambda w: torch.from_numpy(A) @ w),
    ("np.float64*x", [_any((4, 3))], lambda x: np.float64(2.5) * x, lambda x: x * 2.5,
     lambda x: x * 2.5),
    ("labels", [_any((4, 3))], lambda y: y[np.arange(4), LABELS],
     lambda y: y[np.arange(4), LABELS],
     lambda y: y[torch.arange(4), torch.from_numpy(LABELS)]),
    ("repeated-pick", [_any((4, 3))], lambda y: y[[0, 0, 2]], lambda y: y[[0, 0, 2]],
     lambda y: y[[0, 0, 2]]),
    ("boolean", [_any((4, 3))], lambda y: y[MASK], lambda y: y[MASK],
     lambda y: y[torch.from_numpy(MASK)]),
    ("slices", [_any((4, 3))], lambda y: y[1:, ::2], lambda y: y[1:, ::2],
     lambda y: y[1:, ::2]),
]


def _torch_or_skip():
    if torch is None:
        pytest.skip("PyTorch is not installed (optional oracle: pip install torch==2.13.0)")
    return torch


def _run(fn, arrays):
    leaves = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*leaves)
    dout = np.random.default_rng(9).normal(size=out.shape)
    return out, grad(out, leaves, grad_outputs=dout), dout


@pytest.mark.parametrize("case", NUMPY_CASES, ids=[c[0] for c in NUMPY_CASES])
def test_numpy_code_records_the_tensor_codes_graph(case):
    _, makers, np_fn, tensor_fn, _ = case
    rng = np.random.default_rng(7)
    arrays = [m(rng) for m in makers]
    out, grads, _ = _run(np_fn, arrays)
    ref, ref_grads, _ = _run(tensor_fn, arrays)
    assert isinstance(out, Tensor) and out.requires_grad
    assert _ops(out) == _ops(ref)  # the same primitives, in the same order
    np.testing.assert_array_equal(out.data, ref.data)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_array_equal(g.data, r.data)


@pytest.mark.parametrize("case", [c for c in NUMPY_CASES if c[4] is not None],
                         ids=[c[0] for c in NUMPY_CASES if c[4] is not None])
def test_numpy_code_gradients_match_torch(case):
    _torch_or_skip()
    _, makers, np_fn, _, torch_fn = case
    rng = np.random.default_rng(7)
    arrays = [m(rng) for m in makers]
    out, grads, dout = _run(np_fn, arrays)
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = torch_fn(*ts)
    y.backward(torch.from_numpy(np.asarray(dout)).reshape(y.shape))
    np.testing.assert_allclose(out.data, y.detach().numpy(), rtol=1e-12, atol=1e-14)
    for g, t in zip(grads, ts):
        np.testing.assert_allclose(g.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_the_books_layers_forwards_run_on_tensors():
    # the book's softmax (ch. 3, 2-D branch via .T) and cross_entropy_error (ch. 4)
    def softmax(x):
        x = x.T
        x = x - np.max(x, axis=0)
        y = np.exp(x) / np.sum(np.exp(x), axis=0)
        return y.T

    def cross_entropy_error(y, t):
        batch_size = y.shape[0]
        return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size

    x = Tensor(RNG.normal(size=(4, 3)), requires_grad=True)
    loss = cross_entropy_error(softmax(x), LABELS)
    assert isinstance(loss, Tensor) and loss.shape == ()
    loss.backward()
    y = np.exp(x.data) / np.exp(x.data).sum(axis=1, keepdims=True)
    p = y[np.arange(4), LABELS]
    expected = (y - np.eye(3)[LABELS]) / 4 * (p / (p + 1e-7))[:, None]  # the 1e-7 guard
    np.testing.assert_allclose(x.grad, expected, rtol=1e-10)


def test_the_books_relu_forward_records_copy_and_setitem():
    x = Tensor([[1.0, -2.0], [-0.5, 3.0]], requires_grad=True)
    mask = x <= 0
    assert type(mask) is np.ndarray and mask.dtype == bool  # a mask: data, not a node
    out = x.copy()
    out[mask] = 0
    assert out.op.name == "setitem" and out.parents[0].op.name == "copy"
    np.testing.assert_array_equal(out.data, [[1.0, 0.0], [0.0, 3.0]])
    np.testing.assert_array_equal(x.data, [[1.0, -2.0], [-0.5, 3.0]])  # x unchanged
    out.backward(np.ones((2, 2)))
    np.testing.assert_array_equal(x.grad, [[1.0, 0.0], [0.0, 1.0]])
    v = Tensor([5.0, 6.0], requires_grad=True)
    y = x * 1
    y[:, 0] = v  # a Tensor value gets the gradient of the positions it filled
    y.backward(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(v.grad, [1.0, 3.0])


def test_ties_split_the_gradient_evenly_as_torch_and_central_differences_do():
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    np.max(x, axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([1.0, 0.0], requires_grad=True)
    np.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 1.0])
    np.testing.assert_array_equal(b.grad, [0.5, 0.0])
    h = 1e-6  # a two-way tie: each side's central difference is ½
    f = lambda u: max(u, 1.0)  # noqa: E731
    assert (f(1.0 + h) - f(1.0 - h)) / (2 * h) == pytest.approx(0.5)
    z = Tensor([0.0, 1.0], requires_grad=True)
    np.maximum(z, 0).sum().backward()  # relu: 0 at 0, as the book's mask x <= 0
    np.testing.assert_array_equal(z.grad, [0.0, 1.0])


def test_ties_agree_with_torch():
    torch_ = _torch_or_skip()
    data = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    x, t = Tensor(data, requires_grad=True), torch_.tensor(data, requires_grad=True)
    np.max(x, axis=1).sum().backward()
    t.amax(1).sum().backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy())
    y, u = Tensor(data, requires_grad=True), torch_.tensor(data, requires_grad=True)
    np.maximum(y, 2.0).sum().backward()
    u.maximum(torch_.tensor(2.0, dtype=torch_.float64)).sum().backward()
    np.testing.assert_allclose(y.grad, u.grad.numpy())


def test_what_the_engine_cannot_differentiate_raises_naming_it():
    x = Tensor(RNG.normal(size=(2, 3)), requires_grad=True)
    for call, name in [(lambda: np.concatenate([x, x]), "np.concatenate"),
                       (lambda: np.log1p(x), "np.log1p"), (lambda: np.sin(x), "np.sin"),
                       (lambda: np.linalg.norm(x), "np.linalg.norm")]:
        with pytest.raises(TypeError, match=name) as e:
            call()
        assert "Supported: " in str(e.value) and "np.dot" in str(e.value)
    assert "np.where" in SUPPORTED and "np.maximum" in SUPPORTED
    with pytest.raises(TypeError, match=r"np.add.reduce is not supported"):
        np.add.reduce(x)
    with pytest.raises(TypeError, match="out="):
        np.exp(x, out=np.empty((2, 3)))
    buf = np.zeros((2, 3))
    with pytest.raises(TypeError, match="out="):
        buf += x  # numpy's in-place add: np.add(buf, x, out=buf)
    with pytest.raises(TypeError, match="dtype="):
        np.sum(x, dtype=np.float32)


def test_nothing_leaves_the_graph_silently():
    x = Tensor([[1.0, 2.0]], requires_grad=True)
    for call in (lambda: np.asarray(x), lambda: np.array(x), lambda: np.float64(x.sum()),
                 lambda: float(x.sum()), lambda: int(x.sum())):
        with pytest.raises(TypeError, match="off the graph.*use .data"):
            call()
    out = np.zeros((1, 2))
    with pytest.raises(TypeError, match="off the graph"):
        out[0] = x  # numpy would copy the values out of the graph
    assert x.sum().item() == 3.0  # on purpose: fine
    with strict_numbers(), pytest.raises(TypeError, match="item"):
        x.sum().item()  # what autograd.check runs a learner's forward under
    c = Tensor([1.0, 2.0])  # a constant: nothing to lose
    np.testing.assert_array_equal(np.asarray(c), [1.0, 2.0])
    assert float(Tensor(2.5)) == 2.5


def test_comparisons_are_masks_and_equality_stays_identity():
    x = Tensor([1.0, -1.0], requires_grad=True)
    for m in (x > 0, x >= 0, x < 0, x <= 0, 0 < x, np.zeros(2) < x, np.greater(x, 0)):
        assert type(m) is np.ndarray and m.dtype == bool
    np.testing.assert_array_equal(np.equal(x, 1.0), [True, False])
    assert {x: 1}[x] == 1 and (x == x) is True  # nodes as dict keys, by identity
    np.testing.assert_array_equal(np.sign(x), [1.0, -1.0])
    assert np.shape(x) == (2,) and np.ndim(x) == 1 and np.argmax(x) == 0
    assert type(np.zeros_like(x)) is np.ndarray


def test_setitem_refuses_what_would_give_a_wrong_gradient():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf that requires grad.*x.copy"):
        x[0] = 0.0
    y = x * 2
    z = y * 3  # made from y's old value
    y[0] = 10.0
    with pytest.raises(RuntimeError, match="replaced after"):
        (z + y).sum().backward()
    with pytest.raises(ValueError, match="picks a position twice"):
        w = x * 1
        w[[0, 0]] = Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="labels and masks are data"):
        x[Tensor([0])]


def test_numpy_on_float32_tensors_stays_float32():
    x = Tensor(RNG.normal(size=(3, 2)).astype(np.float32), requires_grad=True)
    out = np.sum(np.exp(np.dot(x, np.ones((2, 2)))) + A[:3, :2], axis=0)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


def test_astype_copies_in_the_same_dtype_and_refuses_a_cast():
    x = Tensor([1.0, -2.0], requires_grad=True)
    y = x.astype(np.float64)
    assert y is not x and y.op.name == "copy"
    with pytest.raises(TypeError, match="change of dtype is not recorded"):
        x.astype(np.float32)


# ----------------------------------------------------------------------------- sum_to

@pytest.mark.parametrize("shape, target", [((2, 3), (3, 1)), ((4, 3), (5, 3)),
                                           ((3,), (1, 3)), ((2, 3), (2, 3, 1))])
def test_sum_to_refuses_a_shape_it_cannot_reach(shape, target):
    # DeZero's tests: (2, 3) → (3, 1) once gave shape (2, 1), (4, 3) → (5, 3) gave (4, 3)
    with pytest.raises(ValueError, match=r"cannot be summed to"):
        Tensor(np.ones(shape)).sum_to(target)


@pytest.mark.parametrize("shape, target", [((2, 3), (1, 3)), ((2, 3), (2, 1)),
                                           ((2, 3), (3,)), ((2, 3), ()), ((2, 3), (2, 3)),
                                           ((4, 2, 3), (2, 1))])
def test_sum_to_undoes_broadcasting(shape, target):
    # numpy's own: x summed back to `target` is what broadcasting `target` up receives
    data = RNG.normal(size=shape)
    x = Tensor(data, requires_grad=True)
    y = x.sum_to(target)
    lead = len(shape) - len(target)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(target) if n == 1)
    np.testing.assert_allclose(y.data, data.sum(axis=axes).reshape(target), rtol=1e-14)
    g = RNG.normal(size=target)
    y.backward(g)
    np.testing.assert_array_equal(x.grad, np.broadcast_to(g, shape))
