"""autograd.datasets.toy: spiral, two moons and XOR."""

import numpy as np
import pytest

from autograd import datasets as ds


def test_spiral():
    x, t = ds.spiral()
    assert x.shape == (300, 2) and t.shape == (300,)
    assert x.dtype == np.float64 and t.dtype == np.int64
    assert np.bincount(t).tolist() == [100, 100, 100]
    assert np.all(np.hypot(x[:, 0], x[:, 1]) < 1.0)
    x2, t2 = ds.spiral()
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(t, t2)
    assert not np.array_equal(ds.spiral(seed=1)[0], x)
    x, t = ds.spiral(n_per_class=7, n_classes=5)
    assert x.shape == (35, 2) and set(t.tolist()) == set(range(5))


def test_two_moons():
    x, t = ds.two_moons(n=101, noise=0.0)
    assert x.shape == (101, 2) and np.bincount(t).tolist() == [50, 51]
    upper, lower = x[t == 0], x[t == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert np.all(upper[:, 1] >= 0) and np.all(lower[:, 1] <= 0.5)
    a, b = ds.two_moons(seed=3), ds.two_moons(seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(ds.two_moons(seed=4)[0], a[0])


def test_xor():
    x, t = ds.xor(n=500)
    assert x.shape == (500, 2) and t.dtype == np.int64
    assert np.all(np.abs(x) <= 1)
    np.testing.assert_array_equal(t, (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(int))
    assert 150 < t.sum() < 350
    xn, tn = ds.xor(n=500, noise=0.1)
    np.testing.assert_array_equal(tn, t)  # same seed: the same clean points and labels
    assert not np.array_equal(xn, x)
    np.testing.assert_array_equal(ds.xor(seed=5)[0], ds.xor(seed=5)[0])


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda: ds.spiral(n_per_class=0), ValueError),
        (lambda: ds.spiral(n_classes=2.5), TypeError),
        (lambda: ds.spiral(n_per_class=True), TypeError),
        (lambda: ds.two_moons(n=1), ValueError),
        (lambda: ds.two_moons(noise=-0.1), ValueError),
        (lambda: ds.two_moons(noise=float("nan")), ValueError),
        (lambda: ds.xor(n=-3), ValueError),
        (lambda: ds.xor(noise="0.1"), TypeError),
    ],
)
def test_generated_argument_errors(call, exc):
    with pytest.raises(exc):
        call()
