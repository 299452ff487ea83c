"""autograd.models: the book's TwoLayerNet API, MultiLayerNet, saving and loading, and the
accuracy of training against the hand-written numpy implementation."""
import time

import numpy as np
import pytest

from autograd.layers import Affine, Relu, SigmoidWithLoss, SoftmaxWithLoss
from autograd.models import MultiLayerNet, TwoLayerNet
from autograd.optimizers import SGD
from benchmarks import numpy_twolayer as reference


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    return rng.normal(size=(6, 5)), rng.integers(0, 3, size=6)


def max_diff(a, b):
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)


# ============================================================================ TwoLayerNet

def test_two_layer_net_has_the_books_api(data):
    x, t = data
    net = TwoLayerNet(5, 4, 3)
    assert list(net.params) == ["W1", "b1", "W2", "b2"]
    assert net.params["W1"].shape == (5, 4) and net.params["b2"].shape == (3,)
    assert list(net.layers) == ["Affine1", "Relu1", "Affine2"]
    assert isinstance(net.layers["Affine1"], Affine) and isinstance(net.layers["Relu1"], Relu)
    assert isinstance(net.lastLayer, SoftmaxWithLoss)
    assert net.layers["Affine1"].W is net.params["W1"]  # shared, as in the book
    assert net.predict(x).shape == (6, 3)
    assert isinstance(net.loss(x, t), float)
    acc = net.accuracy(x, t)
    assert acc == net.accuracy(x, np.eye(3)[t])  # labels or one-hot
    assert 0.0 <= acc <= 1.0
    for grads in (net.gradient(x, t), net.numerical_gradient(x, t)):
        assert list(grads) == ["W1", "b1", "W2", "b2"]
        assert all(grads[k].shape == net.params[k].shape for k in grads)


def test_init_scale_and_seeds():
    net = TwoLayerNet(300, 200, 10, weight_init_std=0.01, seed=0)
    assert np.std(net.params["W1"]) == pytest.approx(0.01, rel=0.02)
    assert not net.params["b1"].any()
    again = TwoLayerNet(300, 200, 10, seed=0)
    np.testing.assert_array_equal(net.params["W1"], again.params["W1"])
    np.random.seed(5)  # without seed=: the global state, as the book's np.random.randn
    a = TwoLayerNet(3, 2, 2).params["W1"]
    np.random.seed(5)
    np.testing.assert_array_equal(TwoLayerNet(3, 2, 2).params["W1"], a)


def test_gradient_equals_numerical_gradient(data):
    x, t = data
    net = TwoLayerNet(5, 4, 3, weight_init_std=0.5, seed=2)
    assert max_diff(net.gradient(x, t), net.numerical_gradient(x, t)) < 1e-7


def test_gradient_equals_the_numpy_reference(data):
    x, t = data
    net = TwoLayerNet(5, 4, 3, weight_init_std=0.5, seed=3)
    ref = reference.TwoLayerNet(5, 4, 3, params=net.params)
    assert net.loss(x, t) == pytest.approx(ref.loss(x, t), abs=1e-6)  # ref adds 1e-7
    assert max_diff(net.gradient(x, t), ref.gradient(x, t)) < 1e-14
    np.testing.assert_allclose(net.predict(x), ref.predict(x), rtol=1e-14)


def test_fused_loss_is_the_default_and_changes_no_number(data):
    x, t = data
    fused = TwoLayerNet(5, 4, 3, weight_init_std=0.5, seed=3)
    book = TwoLayerNet(5, 4, 3, weight_init_std=0.5, seed=3, fused_loss=False)
    assert fused.lastLayer.fused and not book.lastLayer.fused
    assert fused.loss(x, t) == pytest.approx(book.loss(x, t), rel=1e-12)
    assert max_diff(fused.gradient(x, t), book.gradient(x, t)) < 1e-15
    assert fused.lastLayer.graph.op.name == "softmax_cross_entropy_fused"
    assert book.lastLayer.graph.op.name == "mul"  # appendix A's graph ends in × (−1/N)
    deep = [MultiLayerNet(5, [4, 3], 3, seed=2, fused_loss=f) for f in (True, False)]
    assert deep[0].lastLayer.fused and not deep[1].lastLayer.fused
    assert max_diff(deep[0].gradient(x, t), deep[1].gradient(x, t)) < 1e-15


def test_accuracy_records_no_graph(data):
    x, t = data
    net = TwoLayerNet(5, 4, 3)
    net.accuracy(x, t)
    assert not net.layers["Affine1"].graph.requires_grad  # predicted under no_grad


def test_float32_end_to_end(data):
    x, t = data
    net = TwoLayerNet(5, 4, 3, dtype=np.float32, seed=0)
    assert all(p.dtype == np.float32 for p in net.params.values())
    assert net.predict(x).dtype == np.float32  # float64 input converted
    grads = net.gradient(x, t)
    assert all(g.dtype == np.float32 for g in grads.values())
    SGD(0.1).update(net.params, grads)
    assert all(p.dtype == np.float32 for p in net.params.values())
    with pytest.raises(ValueError, match="float32 or float64"):
        TwoLayerNet(2, 2, 2, dtype=np.int64)


# ============================================================================ save / load

def test_save_and_load_params(tmp_path, data):
    x, t = data
    net = TwoLayerNet(5, 4, 3, seed=0)
    path = tmp_path / "params.npz"
    net.save_params(path)
    assert [p.name for p in tmp_path.iterdir()] == ["params.npz"]  # no temporary left
    other = TwoLayerNet(5, 4, 3, seed=1)
    W1 = other.params["W1"]
    other.load_params(path)
    assert other.params["W1"] is W1  # loaded in place: the layers still see it
    np.testing.assert_array_equal(other.predict(x), net.predict(x))


def test_load_refuses_a_mismatched_file(tmp_path):
    path = tmp_path / "p.npz"
    TwoLayerNet(5, 4, 3).save_params(path)
    net = TwoLayerNet(5, 6, 3)
    before = {k: v.copy() for k, v in net.params.items()}
    with pytest.raises(ValueError, match=r"'W1' has shape \(5, 4\) in the file but "
                                         r"\(5, 6\) in this network"):
        net.load_params(path)
    assert max_diff(before, net.params) == 0  # nothing changed
    with pytest.raises(ValueError, match="missing"):
        MultiLayerNet(5, [4, 4], 3).load_params(path)


# ============================================================================ MultiLayerNet

@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_multi_layer_net_gradients(activation, data):
    x, t = data
    # seed 2: no ReLU input lies within h of its kink (with seed 0 one row of the data
    # switches every first-layer unit off, so b2 alone sets a pre-activation of exactly 0)
    net = MultiLayerNet(5, [4, 3], 3, activation=activation, weight_init_std="xavier",
                        weight_decay_lambda=0.1, seed=2)
    assert list(net.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert list(net.layers) == ["Affine1", "Activation_function1", "Affine2",
                                "Activation_function2", "Affine3"]
    assert net.last_layer is net.lastLayer
    assert max_diff(net.gradient(x, t), net.numerical_gradient(x, t)) < 1e-7


def test_multi_layer_net_weight_decay_is_in_the_loss(data):
    x, t = data
    plain = MultiLayerNet(5, [4], 3, seed=0)
    decayed = MultiLayerNet(5, [4], 3, weight_decay_lambda=0.5, seed=0)
    penalty = 0.25 * sum(np.sum(plain.params[k] ** 2) for k in ("W1", "W2"))
    assert decayed.loss(x, t) == pytest.approx(plain.loss(x, t) + penalty)


def test_multi_layer_net_init_scales():
    he = MultiLayerNet(400, [300], 10, weight_init_std="he", seed=0)
    xavier = MultiLayerNet(400, [300], 10, weight_init_std="xavier", seed=0)
    assert np.std(he.params["W1"]) == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert np.std(xavier.params["W1"]) == pytest.approx(np.sqrt(1 / 400), rel=0.02)
    assert np.std(xavier.params["W2"]) == pytest.approx(np.sqrt(1 / 300), rel=0.05)
    with pytest.raises(ValueError, match="weight_init_std"):
        MultiLayerNet(4, [3], 2, weight_init_std="bogus")
    with pytest.raises(ValueError, match="activation"):
        MultiLayerNet(4, [3], 2, activation="swish")


def test_multi_layer_net_sigmoid_output(data):
    x, _ = data
    t = np.array([0, 1, 1, 0, 1, 0])
    net = MultiLayerNet(5, [4], 1, output="sigmoid", weight_init_std="xavier", seed=0)
    assert isinstance(net.lastLayer, SigmoidWithLoss)
    assert max_diff(net.gradient(x, t), net.numerical_gradient(x, t)) < 1e-7
    p = 1 / (1 + np.exp(-net.predict(x)[:, 0]))
    assert net.accuracy(x, t) == np.mean((p > 0.5) == t)
    with pytest.raises(ValueError, match="output_size must be 1"):
        MultiLayerNet(5, [4], 2, output="sigmoid")


def test_multi_layer_net_batchnorm_and_dropout(data):
    x, t = data
    net = MultiLayerNet(5, [4, 4], 3, use_batchnorm=True, weight_init_std="he", seed=0)
    assert "gamma1" in net.params and "BatchNorm2" in net.layers
    grads = net.gradient(x, t)
    assert set(grads) == set(net.params)
    assert max_diff(grads, net.numerical_gradient(x, t)) < 1e-7
    drop = MultiLayerNet(5, [4], 3, use_dropout=True, dropout_ration=0.5, seed=0)
    a = drop.predict(x, train_flg=True)
    assert not np.array_equal(a, drop.predict(x))  # test mode: no units dropped
    assert set(drop.gradient(x, t)) == {"W1", "b1", "W2", "b2"}


def _books_backward(net, x, t):
    """The book's gradient(): lastLayer.backward(1), then each layer's backward in
    reverse, every layer walking the graph it recorded by itself."""
    net.loss(x, t, train_flg=True)
    dout = net.lastLayer.backward(1)
    for layer in reversed(net.layers.values()):
        dout = layer.backward(dout)
    return net._collect_grads()


@pytest.mark.parametrize("make", [
    lambda: TwoLayerNet(5, 4, 3, weight_init_std=0.5, seed=3),
    lambda: TwoLayerNet(5, 4, 3, weight_init_std=0.5, seed=3, fused_loss=False),
    lambda: MultiLayerNet(5, [4, 4], 3, activation="tanh", use_batchnorm=True,
                          weight_decay_lambda=0.1, seed=1),
    lambda: MultiLayerNet(5, [4], 1, output="sigmoid", seed=1),
], ids=["two-layer", "two-layer-appendix-a", "multi-batchnorm", "multi-sigmoid"])
def test_one_walk_equals_the_books_layer_by_layer_backward(make, data):
    x, t = data
    one, book = make(), make()
    if isinstance(one.lastLayer, SigmoidWithLoss):
        t = t % 2  # 0/1 labels
    grads = one.gradient(x, t)
    assert max_diff(grads, _books_backward(book, x, t)) < 1e-15
    assert all(grads[k].dtype == one.params[k].dtype for k in grads)
    # the layers' own attributes are set as the book's backward sets them
    np.testing.assert_array_equal(one.layers["Affine1"].db, grads["b1"])


def test_multi_layer_net_learns_spiral():
    from autograd.datasets import spiral

    x, t = spiral(seed=0)
    net = MultiLayerNet(2, [30, 30], 3, weight_init_std="he", seed=0)
    opt = SGD(lr=0.5)
    rng = np.random.default_rng(0)
    for _ in range(1500):
        idx = rng.choice(len(x), 30)
        opt.update(net.params, net.gradient(x[idx], t[idx]))
    assert net.accuracy(x, t) > 0.95


# ============================================================================ MNIST accuracy

def test_the_books_graph_trains_like_the_fused_loss_on_raw_mnist_in_float32(mnist_dir):
    """Unnormalised pixels (0..255), float32, weights of std 1: the scores are hundreds
    apart and the true class's probability underflows in most rows at first.  Appendix A's
    graph (fused_loss=False) once sent a zero gradient there (238 of these 300 steps, the
    loss stuck near the guard's 87); it must send the fused loss's (y − t)/N and train."""
    from autograd.datasets import load_mnist_test_split

    (x, t), _ = load_mnist_test_split(mnist_dir, 1000, seed=0, normalize=False)
    x = x.astype(np.float32)
    nets = {fused: TwoLayerNet(784, 50, 10, weight_init_std=1.0, seed=0, dtype=np.float32,
                               fused_loss=fused) for fused in (True, False)}
    first = {f: net.gradient(x[:100], t[:100]) for f, net in nets.items()}
    for key, g in first[True].items():  # the same gradient at the start, to float32
        np.testing.assert_allclose(first[False][key], g, rtol=1e-4,
                                   atol=1e-5 * np.abs(g).max())
    losses = {}
    for fused, net in nets.items():
        rng, sgd, losses[fused] = np.random.default_rng(0), SGD(0.001), []
        for _ in range(300):
            batch = rng.choice(1000, 100)
            grads = net.gradient(x[batch], t[batch])
            assert any(np.any(g) for g in grads.values())  # never a zero gradient
            losses[fused].append(net.lastLayer.loss)
            sgd.update(net.params, grads)
    for fused, net in nets.items():
        assert np.mean(losses[fused][-20:]) < np.mean(losses[fused][:20]) / 10
        assert net.accuracy(x, t) > 0.85
    assert abs(nets[False].accuracy(x, t) - nets[True].accuracy(x, t)) < 0.05


@pytest.mark.slow
def test_mnist_accuracy_matches_the_numpy_implementation(mnist_dir, capsys):
    """TwoLayerNet(784, 50, 10), SGD lr 0.1, batch 100, 10,000 iterations on the
    8,000/2,000 split: the engine reaches the numpy implementation's test accuracy
    (same initial weights, same batches) within half a point."""
    from autograd.datasets import load_mnist_test_split

    (x_train, t_train), (x_test, t_test) = load_mnist_test_split(mnist_dir, 8000, seed=0)
    x_train, x_test = x_train.astype(np.float64), x_test.astype(np.float64)
    net = TwoLayerNet(784, 50, 10, seed=0)
    ref = reference.TwoLayerNet(784, 50, 10, params=net.params)
    results = {}
    for name, model, step in (
            ("engine", net, lambda x, t: SGD(0.1).update(net.params, net.gradient(x, t))),
            ("numpy", ref, lambda x, t: reference.sgd_step(ref, x, t, 0.1))):
        rng = np.random.default_rng(0)
        t0 = time.perf_counter()
        for _ in range(10000):
            batch = rng.choice(8000, 100)
            step(x_train[batch], t_train[batch])
        results[name] = (model.accuracy(x_train, t_train), model.accuracy(x_test, t_test),
                         time.perf_counter() - t0)
    with capsys.disabled():
        for name, (train, test, sec) in results.items():
            print(f"\n{name}: train acc {train:.4f}, test acc {test:.4f} ({sec:.1f} s)",
                  end="")
        print()
    assert abs(results["engine"][1] - results["numpy"][1]) <= 0.005
    assert results["engine"][1] > 0.92 and results["engine"][0] > 0.99


def test_multi_layer_net_with_batchnorm_is_the_books_order_and_torchs_gradient(data):
    """MultiLayerNetExtend's layers in the book's order (Affine, BatchNorm, activation,
    Dropout per hidden layer), and its gradient() that of the same network in PyTorch
    (batch_norm in training mode, ε = 10e-7), every parameter, to 1e-9."""
    torch = pytest.importorskip("torch", reason="PyTorch is an optional oracle "
                                "(pip install torch==2.13.0)")
    x, t = data
    net = MultiLayerNet(5, [4, 4], 3, use_batchnorm=True, use_dropout=True,
                        weight_init_std="he", seed=2)
    assert list(net.layers) == [f"{k}{i}" for i in (1, 2) for k in (
        "Affine", "BatchNorm", "Activation_function", "Dropout")] + ["Affine3"]
    for k in ("gamma1", "beta1"):  # γ = 1, β = 0 to start with, as in the book
        np.testing.assert_array_equal(net.params[k], np.ones(4) if k[0] == "g" else 0)
    net.params["gamma1"][...] = [0.5, 1.5, 2.0, 1.0]
    net.params["beta2"][...] = [0.1, -0.2, 0.3, 0.0]
    for i in (1, 2):  # keep every unit: the gradient is then deterministic
        net.layers[f"Dropout{i}"].dropout_ratio = 0.0
    grads = net.gradient(x, t)
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in net.params.items()}
    h = torch.tensor(x)
    for i in (1, 2):
        h = h @ tp[f"W{i}"] + tp[f"b{i}"]
        h = torch.nn.functional.batch_norm(h, None, None, tp[f"gamma{i}"], tp[f"beta{i}"],
                                           training=True, eps=10e-7)
        h = torch.relu(h)
    loss = torch.nn.functional.cross_entropy(h @ tp["W3"] + tp["b3"], torch.tensor(t))
    loss.backward()
    assert net.loss(x, t, train_flg=True) == pytest.approx(loss.item(), rel=1e-12)
    for k, g in grads.items():
        np.testing.assert_allclose(g, tp[k].grad.numpy(), rtol=0, atol=1e-9, err_msg=k)
