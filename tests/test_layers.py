"""autograd.layers: the book's layers, built on the engine, against closed forms, the
book's own numpy code, numerical gradients and (when installed) PyTorch."""
import numpy as np
import pytest

from autograd import Tensor
from autograd.gradcheck import numerical_gradient
from autograd.layers import (
    AddLayer,
    Affine,
    BatchNormalization,
    Dropout,
    MulLayer,
    Relu,
    Sigmoid,
    SigmoidWithLoss,
    SoftmaxWithLoss,
    Tanh,
)


def torch_or_skip():
    try:
        import torch
    except ImportError:
        pytest.skip("PyTorch is not installed (optional oracle: pip install torch==2.13.0)")
    return torch


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def ops(node):
    """The primitive names recorded in a layer's graph, for checking what it is made of."""
    seen, stack, names = set(), [node], []
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if n.op is not None:
            names.append(n.op.name)
        stack.extend(n.parents)
    return names


# ============================================================================ Mul / Add

def test_mul_layer_numbers():
    layer = MulLayer()
    assert layer.forward(3.0, 4.0) == 12.0
    dx, dy = layer.backward(2.0)
    assert (dx, dy) == (8.0, 6.0)  # the inputs swapped, times dout
    assert type(dx) is float and type(dy) is float


def test_mul_and_add_layers_take_arrays(rng):
    x, y, dout = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    mul, add = MulLayer(), AddLayer()
    np.testing.assert_array_equal(mul.forward(x, y), x * y)
    dx, dy = mul.backward(dout)
    np.testing.assert_allclose(dx, dout * y)
    np.testing.assert_allclose(dy, dout * x)
    np.testing.assert_array_equal(add.forward(x, y), x + y)
    dx, dy = add.backward(dout)
    np.testing.assert_array_equal(dx, dout)
    np.testing.assert_array_equal(dy, dout)
    assert dx is not dy  # two arrays, not one buffer twice


def test_add_layer_numbers():
    layer = AddLayer()
    assert layer.forward(2.0, 5.0) == 7.0
    assert layer.backward(1.5) == (1.5, 1.5)


# ============================================================================ activations

def test_relu_forward_backward_and_mask():
    x = np.array([[1.0, -0.5], [-2.0, 3.0]])
    layer = Relu()
    np.testing.assert_array_equal(layer.forward(x), [[1.0, 0.0], [0.0, 3.0]])
    np.testing.assert_array_equal(layer.mask, [[False, True], [True, False]])
    dout = np.array([[10.0, 20.0], [30.0, 40.0]])
    np.testing.assert_array_equal(layer.backward(dout), [[10.0, 0.0], [0.0, 40.0]])
    assert ops(layer.graph) == ["relu"]


def test_sigmoid_is_the_books_four_node_graph(rng):
    x = rng.normal(size=(3, 4))
    layer = Sigmoid()
    y = layer.forward(x)
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-x)), rtol=1e-15)
    np.testing.assert_array_equal(layer.out, y)
    dout = rng.normal(size=(3, 4))
    np.testing.assert_allclose(layer.backward(dout), dout * y * (1 - y), rtol=1e-12)
    assert sorted(set(ops(layer.graph))) == ["add", "exp", "mul", "reciprocal"]
    assert layer.graph.scope[-1][0] == "sigmoid"


def test_tanh(rng):
    x = rng.normal(size=(5,))
    layer = Tanh()
    y = layer.forward(x)
    np.testing.assert_allclose(y, np.tanh(x), rtol=1e-13, atol=1e-15)
    dout = rng.normal(size=(5,))
    np.testing.assert_allclose(layer.backward(dout), dout * (1 - y * y), rtol=1e-12)


# ============================================================================ Affine

def test_affine_batch_matches_the_books_formulas(rng):
    W, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    x, dout = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    layer = Affine(W, b)
    np.testing.assert_allclose(layer.forward(x), x @ W + b, rtol=1e-14)
    dx = layer.backward(dout)
    np.testing.assert_allclose(dx, dout @ W.T, rtol=1e-14)
    np.testing.assert_allclose(layer.dW, x.T @ dout, rtol=1e-14)
    np.testing.assert_allclose(layer.db, dout.sum(axis=0), rtol=1e-14)
    assert "matmul" in ops(layer.graph)


def test_affine_flattens_images_and_reshapes_dx_back(rng):
    W, b = rng.normal(size=(2 * 3 * 3, 4)), np.zeros(4)
    x = rng.normal(size=(5, 2, 3, 3))
    layer = Affine(W, b)
    out = layer.forward(x)
    assert out.shape == (5, 4)
    np.testing.assert_allclose(out, x.reshape(5, -1) @ W)
    dx = layer.backward(np.ones((5, 4)))
    assert dx.shape == x.shape
    assert layer.dW.shape == W.shape and layer.db.shape == b.shape


def test_affine_single_sample(rng):
    W, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    x, dout = rng.normal(size=4), rng.normal(size=3)
    layer = Affine(W, b)
    np.testing.assert_allclose(layer.forward(x), x @ W + b)
    np.testing.assert_allclose(layer.backward(dout), W @ dout)
    np.testing.assert_allclose(layer.dW, np.outer(x, dout))
    np.testing.assert_allclose(layer.db, dout)


def test_affine_shares_its_parameters(rng):
    """Optimizers update params in place; the layer must see it without a copy."""
    W, b = rng.normal(size=(4, 3)), np.zeros(3)
    layer = Affine(W, b)
    x = rng.normal(size=(2, 4))
    layer.forward(x)
    W -= 1.0
    b += 2.0
    np.testing.assert_allclose(layer.forward(x), x @ W + b)
    assert layer._W.data.base is W  # no copy of W: a view of it


def test_affine_gradients_numerically(rng):
    W, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    x, dout = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    layer = Affine(W, b)

    def f(_):
        return float(np.sum(layer.forward(x) * dout))

    layer.forward(x)
    dx = layer.backward(dout)
    for got, arr in ((dx, x), (layer.dW, W), (layer.db, b)):
        np.testing.assert_allclose(got, numerical_gradient(f, arr), rtol=1e-7, atol=1e-9)


def test_a_layer_given_a_node_records_onto_its_graph(rng):
    """forward(node) extends the previous layer's graph (a network's one graph); its
    backward still walks from its own output to its own input."""
    W, b = rng.normal(size=(2 * 3, 4)), rng.normal(size=4)
    x, dout = rng.normal(size=(5, 2, 3)), rng.normal(size=(5, 4))
    relu, affine = Relu(), Affine(W, b)
    h = relu.forward(x)
    out = affine.forward(relu.graph)
    np.testing.assert_allclose(out, h.reshape(5, -1) @ W + b, rtol=1e-14)
    assert "relu" in ops(affine.graph) and affine.x.shape == (5, 6)
    dx = affine.backward(dout)
    assert dx.shape == (5, 2, 3)
    np.testing.assert_allclose(dx, (dout @ W.T).reshape(5, 2, 3), rtol=1e-14)
    np.testing.assert_allclose(affine.dW, h.reshape(5, -1).T @ dout, rtol=1e-14)


# ============================================================================ losses

@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_with_loss(rng, one_hot):
    x = rng.normal(size=(4, 3)) * 3
    labels = np.array([0, 2, 1, 2])
    t = np.eye(3)[labels] if one_hot else labels
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, t)
    y = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    assert type(loss) is float
    assert loss == pytest.approx(-np.mean(np.log(y[np.arange(4), labels])), rel=1e-12)
    np.testing.assert_allclose(layer.y, y, rtol=1e-12)
    expected = (y - np.eye(3)[labels]) / 4
    np.testing.assert_allclose(layer.backward(), expected, rtol=1e-9, atol=1e-15)
    # dout is honoured (the book's layer ignores it)
    np.testing.assert_allclose(layer.backward(2.5), 2.5 * expected, rtol=1e-9, atol=1e-15)
    assert layer.graph.scope[0][0] == "softmax_with_loss" and "exp" in ops(layer.graph)


@pytest.mark.parametrize("one_hot", [False, True])
def test_fused_softmax_with_loss_equals_the_books_graph(rng, one_hot):
    x = rng.normal(size=(6, 4)) * 3
    labels = np.array([0, 3, 1, 2, 2, 0])
    t = np.eye(4)[labels] if one_hot else labels
    book, fused = SoftmaxWithLoss(), SoftmaxWithLoss(fused=True)
    assert fused.forward(x, t) == pytest.approx(book.forward(x, t), rel=1e-12)
    assert ops(fused.graph) == ["softmax_cross_entropy_fused"]
    assert "exp" in ops(book.graph)  # the default stays appendix A's graph, to draw
    np.testing.assert_allclose(fused.y, book.y, rtol=1e-14)
    for dout in (1, 2.5):
        np.testing.assert_allclose(fused.backward(dout), book.backward(dout), rtol=1e-12,
                                   atol=1e-16)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_with_loss_sends_y_minus_t_where_the_true_class_underflows(dtype):
    # the docstring's dout·(y − t)/N, also where a wrong class wins by a wide margin
    x = np.array([[0.0, 120.0, 5.0], [0.0, 1000.0, 2.0]], dtype=dtype)
    t = np.array([0, 2])
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, t)
    big = x.astype(np.float64)
    y = np.exp(big - big.max(axis=1, keepdims=True))
    y /= y.sum(axis=1, keepdims=True)
    assert loss == pytest.approx((120.0 + 998.0) / 2, rel=1e-6)  # −log y_t, not the guard's
    np.testing.assert_allclose(layer.backward(2.0), 2.0 * (y - np.eye(3)[t]) / 2,
                               rtol=1e-6, atol=1e-6)


def test_softmax_with_loss_single_sample():
    layer = SoftmaxWithLoss()
    x = np.array([0.3, 2.9, 4.0])
    loss = layer.forward(x, np.array([0.0, 0.0, 1.0]))
    y = np.exp(x) / np.exp(x).sum()
    assert loss == pytest.approx(-np.log(y[2]))
    np.testing.assert_allclose(layer.backward(1), y - [0, 0, 1], rtol=1e-10)


def test_sigmoid_with_loss(rng):
    x = rng.normal(size=(6, 1))
    t = np.array([0, 1, 1, 0, 1, 0])
    layer = SigmoidWithLoss()
    loss = layer.forward(x, t)
    y = 1 / (1 + np.exp(-x[:, 0]))
    assert loss == pytest.approx(-np.mean(t * np.log(y) + (1 - t) * np.log(1 - y)),
                                 rel=1e-12)
    np.testing.assert_allclose(layer.backward(1.0)[:, 0], (y - t) / 6, rtol=1e-9)


# ============================================================================ Dropout

def test_dropout_train_and_test(rng):
    x = rng.normal(size=(200, 50))
    layer = Dropout(0.3, seed=1)
    out = layer.forward(x)
    kept = layer.mask
    assert 0.65 < kept.mean() < 0.75
    np.testing.assert_array_equal(out, x * kept)
    dout = rng.normal(size=x.shape)
    np.testing.assert_array_equal(layer.backward(dout), dout * kept)
    np.testing.assert_allclose(layer.forward(x, train_flg=False), x * 0.7)
    np.testing.assert_allclose(layer.backward(dout), dout * 0.7)


def test_dropout_seeds(rng):
    x = rng.normal(size=(10, 10))
    a, b = Dropout(0.5, seed=3), Dropout(0.5, seed=3)
    np.testing.assert_array_equal(a.forward(x), b.forward(x))
    np.random.seed(7)  # without a seed: the global state, as in the book
    m1 = (Dropout().forward(x), None)[0]
    np.random.seed(7)
    np.testing.assert_array_equal(Dropout().forward(x), m1)


# ============================================================================ BatchNorm

class BookBatchNorm:
    """The book's common/layers.py BatchNormalization (2-D input), the oracle."""

    def __init__(self, gamma, beta, momentum=0.9):
        self.gamma, self.beta, self.momentum = gamma, beta, momentum
        self.running_mean = self.running_var = None

    def forward(self, x, train_flg=True):
        if self.running_mean is None:
            self.running_mean = np.zeros(x.shape[1])
            self.running_var = np.zeros(x.shape[1])
        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = np.mean(xc ** 2, axis=0)
            std = np.sqrt(var + 10e-7)
            xn = xc / std
            self.batch_size, self.xc, self.xn, self.std = x.shape[0], xc, xn, std
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        else:
            xn = (x - self.running_mean) / np.sqrt(self.running_var + 10e-7)
        return self.gamma * xn + self.beta

    def backward(self, dout):
        self.dbeta = dout.sum(axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        dxc += (2.0 / self.batch_size) * self.xc * dvar
        dmu = np.sum(dxc, axis=0)
        return dxc - dmu / self.batch_size


def test_batchnorm_matches_the_book(rng):
    gamma, beta = rng.uniform(0.5, 1.5, 4), rng.normal(size=4)
    ours, book = BatchNormalization(gamma, beta), BookBatchNorm(gamma, beta)
    for _ in range(3):
        x = rng.normal(size=(8, 4)) * 2 + 1
        np.testing.assert_allclose(ours.forward(x), book.forward(x), rtol=1e-12, atol=1e-14)
        dout = rng.normal(size=(8, 4))
        np.testing.assert_allclose(ours.backward(dout), book.backward(dout), rtol=1e-9,
                                   atol=1e-12)
        np.testing.assert_allclose(ours.dgamma, book.dgamma, rtol=1e-12)
        np.testing.assert_allclose(ours.dbeta, book.dbeta, rtol=1e-12)
    np.testing.assert_allclose(ours.running_mean, book.running_mean, rtol=1e-12)
    np.testing.assert_allclose(ours.running_var, book.running_var, rtol=1e-12)
    x = rng.normal(size=(3, 4))
    np.testing.assert_allclose(ours.forward(x, train_flg=False),
                               book.forward(x, train_flg=False), rtol=1e-12)


def test_batchnorm_images_and_numerical_gradient(rng):
    gamma, beta = rng.uniform(0.5, 1.5, 12), rng.normal(size=12)
    layer = BatchNormalization(gamma, beta)
    x, dout = rng.normal(size=(5, 3, 2, 2)), rng.normal(size=(5, 3, 2, 2))

    def f(_):
        return float(np.sum(layer.forward(x) * dout))

    assert layer.forward(x).shape == x.shape
    dx = layer.backward(dout)
    assert dx.shape == x.shape
    dgamma, dbeta = layer.dgamma, layer.dbeta
    for got, arr in ((dx, x), (dgamma, gamma), (dbeta, beta)):
        np.testing.assert_allclose(got, numerical_gradient(f, arr), rtol=1e-6, atol=1e-8)


# ============================================================================ all layers

def _cases(rng):
    x = rng.normal(size=(4, 3))
    return [
        ("Relu", Relu(), lambda layer: layer.forward(x)),
        ("Sigmoid", Sigmoid(), lambda layer: layer.forward(x)),
        ("Tanh", Tanh(), lambda layer: layer.forward(x)),
        ("Affine", Affine(rng.normal(size=(3, 3)), np.zeros(3)), lambda layer: layer.forward(x)),
        ("Dropout", Dropout(seed=0), lambda layer: layer.forward(x)),
        ("BatchNorm", BatchNormalization(np.ones(3), np.zeros(3)),
         lambda layer: layer.forward(x)),
    ]


def test_backward_never_mutates_dout(rng):
    for name, layer, forward in _cases(rng):
        forward(layer)
        dout = rng.normal(size=(4, 3))
        dout[0, 0] = -1.0
        before = dout.copy()
        layer.backward(dout)
        np.testing.assert_array_equal(dout, before, err_msg=name)


def test_float32_stays_float32(rng):
    x = rng.normal(size=(4, 3)).astype(np.float32)
    for name, layer, _ in _cases(rng):
        if isinstance(layer, Affine):
            layer = Affine(layer.W.astype(np.float32), layer.b.astype(np.float32))
        if isinstance(layer, BatchNormalization):
            layer = BatchNormalization(np.ones(3, np.float32), np.zeros(3, np.float32))
        out = layer.forward(x)
        assert out.dtype == np.float32, name
        assert layer.backward(np.ones_like(out)).dtype == np.float32, name
    swl = SoftmaxWithLoss()
    swl.forward(x, np.array([0, 1, 2, 0]))
    assert swl.backward().dtype == np.float32


def test_layers_record_no_gradients_on_leaves(rng):
    """Layers walk with grad(): .grad of the shared parameter leaves stays untouched."""
    layer = Affine(rng.normal(size=(3, 2)), np.zeros(2))
    layer.forward(rng.normal(size=(4, 3)))
    layer.backward(np.ones((4, 2)))
    assert layer._W.grad is None and isinstance(layer._W, Tensor)


# ============================================================================ PyTorch

def test_against_torch(rng):
    torch = torch_or_skip()
    W, b = rng.normal(size=(6, 4)), rng.normal(size=4)
    x, t = rng.normal(size=(5, 6)), np.array([0, 3, 1, 1, 2])
    affine, relu, swl = Affine(W, b), Relu(), SoftmaxWithLoss()
    loss = swl.forward(relu.forward(affine.forward(x)), t)
    affine.backward(relu.backward(swl.backward(1)))

    tx = torch.tensor(x, requires_grad=True)
    tW, tb = torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)
    tloss = torch.nn.functional.cross_entropy(torch.relu(tx @ tW + tb), torch.tensor(t))
    tloss.backward()
    assert loss == pytest.approx(tloss.item(), rel=1e-12)
    np.testing.assert_allclose(affine.dW, tW.grad.numpy(), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(affine.db, tb.grad.numpy(), rtol=1e-10, atol=1e-15)

    gamma, beta = rng.uniform(0.5, 1.5, 4), rng.normal(size=4)
    bn = BatchNormalization(gamma, beta)
    xb, dout = rng.normal(size=(7, 4)), rng.normal(size=(7, 4))
    out = bn.forward(xb)
    dx = bn.backward(dout)
    txb = torch.tensor(xb, requires_grad=True)
    tg, tbeta = torch.tensor(gamma, requires_grad=True), torch.tensor(beta, requires_grad=True)
    tout = torch.nn.functional.batch_norm(txb, None, None, tg, tbeta, training=True,
                                          eps=10e-7)
    tout.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, txb.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(bn.dgamma, tg.grad.numpy(), rtol=1e-10)


def test_batchnorm_records_the_batch_norm_composite(rng):
    """Training records autograd.functions.batch_norm (one named call, the book's graph
    inside); test mode normalizes with the running statistics, constants."""
    layer = BatchNormalization(np.ones(3), np.zeros(3))
    layer.forward(rng.normal(size=(5, 3)))
    assert layer.graph.scope[0][0] == "batch_norm" and layer.graph.name == "y"
    layer.forward(rng.normal(size=(2, 3)), train_flg=False)
    assert not any(f[0] == "batch_norm" for f in layer.graph.scope)


def test_batchnorm_running_statistics_against_torch(rng):
    """The book's running statistics keep `momentum` of the old (torch's momentum is
    1 − it) and average the batch variance over N, where torch's running_var takes the
    unbiased N − 1: ours is torch's × (N − 1)/N.  With the same statistics, test mode is
    torch's eval mode."""
    torch = torch_or_skip()
    gamma, beta = rng.uniform(0.5, 1.5, 4), rng.normal(size=4)
    layer = BatchNormalization(gamma, beta, momentum=0.9)
    mean, var = torch.zeros(4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
    n = 6
    for _ in range(3):
        x = rng.normal(size=(n, 4)) * 2 + 1
        out = layer.forward(x)
        tout = torch.nn.functional.batch_norm(
            torch.tensor(x), mean, var, torch.tensor(gamma), torch.tensor(beta),
            training=True, momentum=0.1, eps=layer.eps)
        np.testing.assert_allclose(out, tout.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(layer.running_mean, mean.numpy(), rtol=1e-13)
    np.testing.assert_allclose(layer.running_var, var.numpy() * (n - 1) / n, rtol=1e-13)
    x = rng.normal(size=(3, 4))
    tout = torch.nn.functional.batch_norm(
        torch.tensor(x), torch.tensor(layer.running_mean), torch.tensor(layer.running_var),
        torch.tensor(gamma), torch.tensor(beta), training=False, eps=layer.eps)
    np.testing.assert_allclose(layer.forward(x, train_flg=False), tout.numpy(), rtol=0,
                               atol=1e-12)


class _Draws:
    """A generator handing out chosen uniform draws: Dropout then keeps the units torch
    kept (a draw of 1 is kept, 0 dropped)."""

    def __init__(self, draws):
        self.draws = draws

    def random(self, shape):
        assert shape == self.draws.shape
        return self.draws


def test_dropout_is_torchs_scaled_by_one_minus_the_ratio(rng):
    """The book's Dropout keeps the kept units as they are and scales by (1 − p) at test
    time; torch's (inverted dropout) divides the kept units by (1 − p) and leaves test
    time alone.  With the units torch kept: ours = torch's × (1 − p), in training,
    backward and test mode alike, so the two networks differ by that one factor."""
    torch = torch_or_skip()
    p = 0.3
    x, dout = rng.normal(size=(40, 30)), rng.normal(size=(40, 30))
    tx = torch.tensor(x, requires_grad=True)
    torch.manual_seed(0)
    tout = torch.nn.functional.dropout(tx, p, training=True)
    tout.backward(torch.tensor(dout))
    kept = tout.detach().numpy() != 0
    layer = Dropout(p)
    layer._rng = _Draws(kept.astype(float))
    np.testing.assert_allclose(layer.forward(x), tout.detach().numpy() * (1 - p),
                               rtol=1e-15)
    np.testing.assert_allclose(layer.backward(dout), tx.grad.numpy() * (1 - p), rtol=1e-15)
    teval = torch.nn.functional.dropout(torch.tensor(x), p, training=False)
    np.testing.assert_allclose(layer.forward(x, train_flg=False),
                               teval.numpy() * (1 - p), rtol=1e-15)
