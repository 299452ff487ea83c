"""autograd.nn: micrograd's Module, Neuron, Layer and MLP, held against micrograd 0.1.0's own
nn module (run beside ours from one seed, and run on our Value) and against the numbers its
demo notebook and README picture print."""
import importlib.util
import random

import numpy as np
import pytest

import autograd
from autograd import Value
from autograd.datasets import two_moons
from autograd.nn import MLP, Layer, Module, Neuron

micrograd_nn = pytest.importorskip("micrograd.nn", reason="micrograd is not installed "
                                   "(pip install micrograd==0.1.0, part of the test extra)")
import micrograd.engine  # noqa: E402  (after the skip above)

DEMO_SIZES = (2, [16, 16, 1])  # demo.ipynb's MLP(2, [16, 16, 1]): 337 parameters


# ------------------------------------------------------------------- the demo, as users write it

def demo_loss(model, X, y, V):
    """demo.ipynb's loss cell: the whole batch, SVM max-margin loss, L2 with alpha 1e-4,
    and the accuracy.  `V` is the Value class the inputs are made of."""
    inputs = [list(map(V, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))  # noqa: UP034
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    return total_loss, sum(accuracy) / len(accuracy)


def demo_train(model, X, y, V, steps):
    """demo.ipynb's optimization cell, `steps` steps: the losses, accuracies, and each
    step's parameter gradients."""
    losses, accs, grads = [], [], []
    for k in range(steps):
        total_loss, acc = demo_loss(model, X, y, V)
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9*k/100
        grads.append([p.grad for p in model.parameters()])
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(total_loss.data)
        accs.append(acc)
    return losses, accs, grads


def moons():
    """Two moons from our datasets, labels -1/+1 as the demo makes them (y*2 - 1)."""
    X, t = two_moons(100, noise=0.1, seed=7)
    return X, t * 2 - 1


def micrograd_nn_fresh(value_class):
    """A fresh copy of the installed micrograd/nn.py whose `from micrograd.engine import
    Value` binds `value_class`: micrograd's own module, running on another engine."""
    spec = importlib.util.spec_from_file_location("micrograd_nn_copy", micrograd_nn.__file__)
    module = importlib.util.module_from_spec(spec)
    saved = micrograd.engine.Value
    micrograd.engine.Value = value_class
    try:
        spec.loader.exec_module(module)
    finally:
        micrograd.engine.Value = saved
    return module


@pytest.fixture(scope="module")
def micrograd_reference():
    """micrograd's demo on micrograd's engine, 4 steps from random.seed(1337)."""
    X, y = moons()
    random.seed(1337)
    model = micrograd_nn.MLP(*DEMO_SIZES)
    first = [p.data for p in model.parameters()]
    losses, accs, grads = demo_train(model, X, y, micrograd.engine.Value, 4)
    return first, losses, accs, grads, [p.data for p in model.parameters()]


# ----------------------------------------------------------------------------- the network

@pytest.mark.parametrize("seed", [0, 1337])
def test_the_same_seed_gives_micrograds_weights(seed):
    random.seed(seed)
    theirs = micrograd_nn.MLP(*DEMO_SIZES)
    after_theirs = random.random()
    random.seed(seed)
    ours = MLP(*DEMO_SIZES)
    after_ours = random.random()
    assert len(ours.parameters()) == len(theirs.parameters()) == 337
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert after_ours == after_theirs  # the same number of draws: what follows is the same too
    assert all(type(p) is Value and type(p.data) is float for p in ours.parameters())


@pytest.mark.parametrize("make", [
    lambda m: m.MLP(2, [16, 16, 1]), lambda m: m.MLP(3, [4, 4, 1]), lambda m: m.MLP(1, [2]),
    lambda m: m.Layer(3, 2), lambda m: m.Layer(3, 2, nonlin=False), lambda m: m.Neuron(5),
    lambda m: m.Neuron(2, nonlin=False)])
def test_reprs_are_micrograds(make):
    assert repr(make(autograd.nn)) == repr(make(micrograd_nn))


def test_relu_neurons_except_in_the_last_layer():
    ours, theirs = MLP(3, [4, 5, 2]), micrograd_nn.MLP(3, [4, 5, 2])
    flags = [[n.nonlin for n in layer.neurons] for layer in ours.layers]
    assert flags == [[n.nonlin for n in layer.neurons] for layer in theirs.layers]
    assert flags == [[True] * 4, [True] * 5, [False] * 2]
    out = ours([1.0, -2.0, 0.5])
    assert isinstance(out, list) and len(out) == 2


def test_a_one_neuron_layer_returns_a_bare_value():
    assert type(Layer(2, 1)([1.0, 2.0])) is Value
    assert type(MLP(2, [3, 1])([1.0, 2.0])) is Value
    two = Layer(2, 2)([1.0, 2.0])
    assert isinstance(two, list) and len(two) == 2


def test_a_one_neuron_hidden_layer_feeds_the_next():
    # micrograd's MLP(2, [1, 3, 1]) fails here (zip over a bare Value); ours reads the bare
    # Value as the next layer's one input
    model = MLP(2, [1, 3, 1])
    x = [0.5, -1.5]
    h = model.layers[0](x)
    assert model(x).data == model.layers[2](model.layers[1]([h])).data


def test_neuron_is_w_dot_x_plus_b():
    n = Neuron(3, nonlin=False)
    n.b.data = 0.25
    x = [1.0, -2.0, 3.0]
    want = 0.25 + sum(w.data * xi for w, xi in zip(n.w, x))
    assert n(x).data == want  # micrograd's order of the sum: b first, bit for bit
    r = Neuron(3)
    r.b.data = -100.0
    assert r(x).data == 0.0  # ReLU


def test_parameters_and_zero_grad():
    model = MLP(3, [4, 1])
    params = model.parameters()
    assert len(params) == 4 * (3 + 1) + (4 + 1)
    assert params == [p for layer in model.layers for n in layer.neurons
                      for p in n.w + [n.b]]
    assert Module().parameters() == []
    model([1.0, 2.0, 3.0]).backward()
    assert any(p.grad != 0.0 for p in params)
    model.zero_grad()
    assert all(p.grad == 0.0 and type(p.grad) is float for p in params)


@pytest.mark.parametrize("call, message", [
    (lambda: Neuron(2)([1.0]), "2 weights was given 1 inputs"),
    (lambda: MLP(2, [3, 1])([1.0, 2.0, 3.0]), "2 weights was given 3 inputs"),
    (lambda: Neuron(-1), "nin must be a whole number"),
    (lambda: Layer(2, 1.5), "nout must be a whole number"),
    (lambda: MLP(2, [3, "4"]), "must be a whole number"),
])
def test_bad_sizes_and_inputs_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_inputs_may_be_values_numbers_arrays_or_generators():
    random.seed(3)
    model = MLP(2, [3, 1])
    x = [0.5, -1.0]
    want = model(x).data
    assert model([Value(0.5), Value(-1.0)]).data == want
    assert model(np.array(x)).data == want
    assert model(v for v in x).data == want


# ----------------------------------------------------------------------------- micrograd's numbers

def test_trace_graph_neuron_is_micrographs_picture():
    """micrograd's README picture (gout.svg, from trace_graph.ipynb): random.seed(1337),
    Neuron(2) on x = [1, -2]; the numbers it prints, to its four digits."""
    random.seed(1337)
    n = Neuron(2)
    x = [Value(1.0), Value(-2.0)]
    y = n(x)
    y.backward()
    shown = [f"{v.data:.4f}/{v.grad:.4f}" for v in (y, *n.w, n.b, *x)]
    assert shown == ["0.1024/1.0000", "0.2355/1.0000", "0.0665/-2.0000", "0.0000/1.0000",
                     "1.0000/0.2355", "-2.0000/0.0665"]


def _demo_notebook_data():
    """demo.ipynb's data: np.random.seed(1337), then sklearn's make_moons(n_samples=100,
    noise=0.1) on numpy's global generator, written out (sklearn is not a dependency):
    50 points on the upper arc and 50 on the lower, the index order shuffled once, then
    normal noise on every coordinate."""
    np.random.seed(1337)
    angle = np.linspace(0, np.pi, 50)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1 - np.cos(angle), 1 - np.sin(angle) - 0.5], axis=1)
    X = np.concatenate([upper, lower])
    y = np.concatenate([np.zeros(50, dtype=np.intp), np.ones(50, dtype=np.intp)])
    order = np.arange(100)
    np.random.shuffle(order)
    X, y = X[order], y[order]
    X += np.random.normal(scale=0.1, size=X.shape)
    return X, y * 2 - 1


# demo.ipynb's printed output, steps 0-4: "step 0 loss 0.8958441028683222, accuracy 50.0%"
DEMO_LOSSES = [0.8958441028683222, 1.7235905336972022, 0.7429006313851131,
               0.7705641260584198, 0.3692793385976538]
DEMO_ACCURACY = [0.50, 0.81, 0.77, 0.82, 0.84]


def test_the_demo_notebook_numbers():
    state = np.random.get_state()
    try:
        X, y = _demo_notebook_data()
    finally:
        np.random.set_state(state)
    random.seed(1337)
    model = MLP(*DEMO_SIZES)
    assert repr(model).startswith("MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)")
    losses, accs, _ = demo_train(model, X, y, Value, 5)
    # the gradients' sums run in another order than micrograd's set walk: equal to rounding
    assert losses == pytest.approx(DEMO_LOSSES, rel=1e-12)
    assert accs == DEMO_ACCURACY


def test_our_mlp_beside_micrograds(micrograd_reference):
    first, ref_losses, ref_accs, ref_grads, ref_last = micrograd_reference
    X, y = moons()
    random.seed(1337)
    model = MLP(*DEMO_SIZES)
    assert [p.data for p in model.parameters()] == first
    losses, accs, grads = demo_train(model, X, y, Value, 4)
    assert losses == pytest.approx(ref_losses, rel=1e-12)
    assert accs == ref_accs
    for step, (g, ref) in enumerate(zip(grads, ref_grads)):
        assert g == pytest.approx(ref, rel=1e-9, abs=1e-12), f"step {step}"
    assert [p.data for p in model.parameters()] == pytest.approx(ref_last, rel=1e-9,
                                                                 abs=1e-12)
    assert losses[-1] < losses[0]


def test_micrograds_nn_module_runs_on_our_value(micrograd_reference):
    """micrograd's own nn.py, its `Value` bound to ours: its MLP, the demo's loss and
    backward on our engine, against micrograd's own run from the same seed."""
    nn = micrograd_nn_fresh(Value)
    assert nn.Value is Value and micrograd.engine.Value is not Value
    first, ref_losses, ref_accs, ref_grads, ref_last = micrograd_reference
    X, y = moons()
    random.seed(1337)
    model = nn.MLP(*DEMO_SIZES)
    params = model.parameters()
    assert all(type(p) is Value for p in params)
    assert [p.data for p in params] == first
    losses, accs, grads = demo_train(model, X, y, Value, 4)
    assert losses == pytest.approx(ref_losses, rel=1e-12)
    assert accs == ref_accs
    for step, (g, ref) in enumerate(zip(grads, ref_grads)):
        assert g == pytest.approx(ref, rel=1e-9, abs=1e-12), f"step {step}"
    assert all(type(p.grad) is float for p in params)  # micrograd's `p.grad = 0`, then ours


def test_micrograds_nn_copy_leaves_micrograd_alone():
    micrograd_nn_fresh(Value)
    assert micrograd.engine.Value is not Value
    assert micrograd_nn.Value is micrograd.engine.Value
    random.seed(0)
    assert type(micrograd_nn.Neuron(2).w[0]) is micrograd.engine.Value
