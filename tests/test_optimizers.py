"""autograd.optimizers: the book's update formulas, step by step, in place."""
import numpy as np
import pytest

from autograd.optimizers import OPTIMIZERS, SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop


def setup():
    params = {"W": np.array([[1.0, -2.0], [0.5, 3.0]]), "b": np.array([0.1, -0.1])}
    grads = [{"W": np.array([[0.5, -1.0], [2.0, 0.0]]), "b": np.array([1.0, -3.0])},
             {"W": np.array([[-0.2, 0.4], [1.0, 1.0]]), "b": np.array([0.5, 0.5])}]
    return params, grads


def by_hand(name, p0, grads):
    """The chapter-6 formulas written out, two steps, on copies."""
    p = {k: v.copy() for k, v in p0.items()}
    state = {k: np.zeros_like(v) for k, v in p0.items()}
    state2 = {k: np.zeros_like(v) for k, v in p0.items()}
    for it, g in enumerate(grads, start=1):
        for k in p:
            if name == "sgd":
                p[k] = p[k] - 0.1 * g[k]
            elif name == "momentum":
                state[k] = 0.9 * state[k] - 0.1 * g[k]
                p[k] = p[k] + state[k]
            elif name == "adagrad":
                state[k] = state[k] + g[k] ** 2
                p[k] = p[k] - 0.1 * g[k] / (np.sqrt(state[k]) + 1e-7)
            elif name == "rmsprop":
                state[k] = 0.99 * state[k] + 0.01 * g[k] ** 2
                p[k] = p[k] - 0.1 * g[k] / (np.sqrt(state[k]) + 1e-7)
            elif name == "adam":
                state[k] = 0.9 * state[k] + 0.1 * g[k]  # m
                state2[k] = 0.999 * state2[k] + 0.001 * g[k] ** 2  # v
                lr_t = 0.1 * np.sqrt(1 - 0.999 ** it) / (1 - 0.9 ** it)
                p[k] = p[k] - lr_t * state[k] / (np.sqrt(state2[k]) + 1e-7)
    return p


@pytest.mark.parametrize("name", ["sgd", "momentum", "adagrad", "rmsprop", "adam"])
def test_two_steps_by_the_formulas_in_place(name):
    params, grads = setup()
    expected = by_hand(name, params, grads)
    arrays = {k: v for k, v in params.items()}
    opt = OPTIMIZERS[name](lr=0.1)
    for g in grads:
        opt.update(params, g)
    for k in params:
        assert params[k] is arrays[k]  # in place: the layers hold these arrays
        np.testing.assert_allclose(params[k], expected[k], rtol=1e-12, atol=1e-15)


def test_book_defaults():
    assert SGD().lr == 0.01
    assert (Momentum().lr, Momentum().momentum) == (0.01, 0.9)
    assert AdaGrad().lr == 0.01
    assert (RMSprop().lr, RMSprop().decay_rate) == (0.01, 0.99)
    assert (Adam().lr, Adam().beta1, Adam().beta2) == (0.001, 0.9, 0.999)


def test_first_adam_step_is_lr_times_sign():
    """With bias correction, Adam's first step is ≈ lr·sign(g) whatever g's size."""
    params = {"x": np.array([1.0, 1.0, 1.0])}
    Adam(lr=0.01).update(params, {"x": np.array([0.1, -5.0, 300.0])})
    np.testing.assert_allclose(params["x"], [0.99, 1.01, 0.99], rtol=1e-6)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_finds_the_minimum_of_the_books_function(name):
    """f(x, y) = x²/20 + y² (figure 6-1), from (-7, 2): every method gets near (0, 0)."""
    lr = {"sgd": 0.95, "momentum": 0.1, "nesterov": 0.1, "adagrad": 1.5, "rmsprop": 0.1,
          "adam": 0.3}[name]
    params = {"x": np.array(-7.0), "y": np.array(2.0)}
    opt = OPTIMIZERS[name](lr=lr)
    for _ in range(300):
        grads = {"x": params["x"] / 10.0, "y": 2.0 * params["y"]}
        opt.update(params, grads)
    assert abs(params["x"]) < 0.5 and abs(params["y"]) < 0.5


def test_nesterov_matches_its_formula():
    params, grads = setup()
    p = {k: v.copy() for k, v in params.items()}
    v = {k: np.zeros_like(a) for k, a in params.items()}
    for g in grads:
        for k in p:
            v[k] = 0.9 * v[k] - 0.1 * g[k]
            p[k] = p[k] + 0.81 * v[k] - 1.9 * 0.1 * g[k]
    opt = Nesterov(lr=0.1)
    for g in grads:
        opt.update(params, g)
    for k in p:
        np.testing.assert_allclose(params[k], p[k], rtol=1e-12)


def test_float32_params_stay_float32():
    for name, cls in OPTIMIZERS.items():
        params = {"W": np.ones(3, dtype=np.float32)}
        opt = cls(lr=0.1)
        for _ in range(2):
            opt.update(params, {"W": np.array([0.1, -0.2, 0.3])})  # float64 grads
        assert params["W"].dtype == np.float32, name


def test_against_torch():
    try:
        import torch
    except ImportError:
        pytest.skip("PyTorch is not installed (optional oracle: pip install torch==2.13.0)")
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=5)
    gs = [rng.normal(size=5) for _ in range(5)]
    cases = [
        (SGD(lr=0.1), lambda p: torch.optim.SGD([p], lr=0.1)),
        # torch's v = μv + g, p −= lr·v is the book's v = μv − lr·g, p += v
        (Momentum(lr=0.1), lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9)),
        (AdaGrad(lr=0.1), lambda p: torch.optim.Adagrad([p], lr=0.1, eps=1e-7)),
        (RMSprop(lr=0.1), lambda p: torch.optim.RMSprop([p], lr=0.1, alpha=0.99, eps=1e-7)),
    ]
    for ours, make in cases:
        params = {"w": w0.copy()}
        tp = torch.tensor(w0.copy(), requires_grad=True)
        topt = make(tp)
        for g in gs:
            ours.update(params, {"w": g})
            tp.grad = torch.tensor(g)
            topt.step()
        np.testing.assert_allclose(params["w"], tp.detach().numpy(), rtol=1e-10,
                                   err_msg=type(ours).__name__)
    # Adam: torch puts eps outside the bias correction; with eps → 0 they agree
    params = {"w": w0.copy()}
    tp = torch.tensor(w0.copy(), requires_grad=True)
    topt = torch.optim.Adam([tp], lr=0.01, eps=1e-12)
    opt = Adam(lr=0.01)
    for g in gs:
        opt.update(params, {"w": g})
        tp.grad = torch.tensor(g)
        topt.step()
    np.testing.assert_allclose(params["w"], tp.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_the_books_loop_updates_in_place_around_recorded_graphs(name, tmp_path):
    # a recorded graph locks the arrays it reads (autograd.graph._lock); the layers'
    # leaves are views of the network's params, which the optimizers update in place:
    # after gradient(), and after a loss() whose graph nobody walks (the book's
    # train_neuralnet.py measures the loss so), and load_params writes them in place
    from autograd.models import TwoLayerNet
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(8, 4)), rng.integers(0, 3, size=8)
    net = TwoLayerNet(4, 5, 3, seed=0)
    net.save_params(tmp_path / "start.npz")
    optimizer = OPTIMIZERS[name](lr=0.1)
    before = net.loss(x, t)
    for _ in range(20):
        grads = net.gradient(x, t)
        net.loss(x, t)
        optimizer.update(net.params, grads)
    assert net.loss(x, t) < before
    net.load_params(tmp_path / "start.npz")
    assert net.loss(x, t) == before
