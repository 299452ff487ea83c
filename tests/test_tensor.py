"""Tensor: broadcasting, dtypes, shared memory, shapes, and clear shape errors."""
import numpy as np
import pytest

from autograd import Tensor, Value, grad

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
