"""autograd.gradcheck: the book's numerical gradient and gradient check."""
import numpy as np
import pytest

from autograd.gradcheck import gradient_check, numerical_gradient
from autograd.models import TwoLayerNet


def function_2(x):
    return x[0] ** 2 + x[1] ** 2  # the book's f(x0, x1) = x0² + x1² (chapter 4.4)


def test_the_books_examples():
    for point, expected in (([3.0, 4.0], [6.0, 8.0]), ([0.0, 2.0], [0.0, 4.0]),
                            ([3.0, 0.0], [6.0, 0.0])):
        np.testing.assert_allclose(numerical_gradient(function_2, np.array(point)),
                                   expected, atol=1e-7)


@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (2, 2, 3)])
def test_any_ndim_and_x_is_restored(shape):
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    before = x.copy()
    g = numerical_gradient(lambda a: float(np.sum(np.sin(a))), x)
    assert g.shape == x.shape
    np.testing.assert_allclose(g, np.cos(before), rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(x, before)


def test_x_is_restored_when_f_raises():
    x = np.array([1.0, 2.0])

    def f(a):
        if a[0] != 1.0:
            raise RuntimeError("boom")
        return 0.0

    with pytest.raises(RuntimeError):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_f_sees_the_perturbation_in_shared_state():
    """The book's `lambda W: net.loss(x, t)` ignores its argument: x is changed in place."""
    W = np.array([[1.0, 2.0]])
    np.testing.assert_allclose(numerical_gradient(lambda _: float((W ** 3).sum()), W),
                               3 * W ** 2, rtol=1e-7)


def test_gradient_check_prints_the_books_lines(capsys):
    rng = np.random.default_rng(0)
    net = TwoLayerNet(4, 3, 2, weight_init_std=0.5, seed=0)
    diffs = gradient_check(net, rng.normal(size=(3, 4)), np.array([0, 1, 1]))
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["W1", "b1", "W2", "b2"]
    assert lines[0] == f"W1:{diffs['W1']}"
    assert max(diffs.values()) < 1e-8


def test_gradient_check_on_three_mnist_digits(mnist_dir, capsys):
    """The book's gradient_check.py on real digits: backprop agrees with the numerical
    gradient to far better than 1e-6 for every parameter.  (Hidden size 10 instead of
    the book's 50 keeps the 2 × 7,960 forward passes quick.)"""
    from autograd.datasets import load_mnist_test_split

    (x_train, t_train), _ = load_mnist_test_split(mnist_dir, one_hot_label=True)
    net = TwoLayerNet(784, 10, 10, seed=0)
    diffs = gradient_check(net, x_train[:3].astype(np.float64), t_train[:3])
    out = capsys.readouterr().out
    assert out.count("\n") == 4 and out.startswith("W1:")
    assert set(diffs) == {"W1", "b1", "W2", "b2"}
    assert all(d < 1e-6 for d in diffs.values()), diffs
