"""Worked examples with published numbers, built on the engine, for tests and notebooks.

- `apple()`, `apple_orange()`, `book_sigmoid()`, `appendix_a()`: the book's graphs as
  Values (figures 5-14 ... 5-20, appendix A), named as the book names their nodes; the
  figures, the symbolic algebra, the tour, the tests and the notebooks all draw these.
- `batch_norm_example()`: Batch Normalization (figure 6-17) on one feature over a batch of
  four Values, the gradient dout arriving from above, as the stepper and figure show it.
- `buy_apple()` / `buy_apple_orange()`: the book's shopping graphs (chapter 5.4) with
  MulLayer and AddLayer.
- `mazur_network()` / `mazur_step()`: Matt Mazur's "A Step by Step Backpropagation
  Example" (2-2-2 sigmoid network, squared error), with Values.
- `eshikaku_232()`: the E資格 exercise's 2-3-2 ReLU/softmax network as a TwoLayerNet.
- `binary_mlp()` / `train_binary_mlp()`: the network of a common TensorFlow teaching
  snippet (tanh hidden layers, sigmoid output, summed cross-entropy, plain gradient
  descent), with Tensors, trained on XOR-like data.
"""
import numpy as np

from autograd import functions as F
from autograd.graph import no_grad
from autograd.layers import AddLayer, MulLayer
from autograd.tensor import Tensor
from autograd.value import Value
from autograd.walk import grad

__all__ = ["apple", "apple_orange", "book_sigmoid", "appendix_a", "APPENDIX_A_LABELS",
           "batch_norm_example", "BATCH_NORM_EXAMPLE",
           "buy_apple", "buy_apple_orange", "mazur_network", "mazur_step", "MAZUR",
           "eshikaku_232", "xor_data", "binary_mlp", "train_binary_mlp", "predict_binary_mlp"]


# ============================================================================ the book's graphs

def apple(backward=True):
    """Figures 5-14 / 5-16: 2 apples at 100 yen, 10% tax: price 220."""
    a, n, tax = Value(100.0, name="apple"), Value(2.0, name="apple_num"), \
        Value(1.1, name="tax")
    price = a * n * tax
    price.name = "price"
    if backward:
        price.backward()
    return price


def apple_orange(backward=True):
    """Figures 5-15 / 5-17: 2 apples at 100, 3 oranges at 150, 10% tax: price 715."""
    a, an = Value(100.0, name="apple"), Value(2.0, name="apple_num")
    o, on = Value(150.0, name="orange"), Value(3.0, name="orange_num")
    tax = Value(1.1, name="tax")
    apple_price, orange_price = a * an, o * on
    all_price = apple_price + orange_price
    price = all_price * tax
    apple_price.name, orange_price.name = "apple_price", "orange_price"
    all_price.name, price.name = "all_price", "price"
    if backward:
        price.backward()
    return price


def book_sigmoid(x=1.0, backward=True):
    """Figure 5-19: y = 1/(1 + exp(−x)) as its ×(−1), exp, +1, 1/x nodes; x and y named
    (sigmoid names its output y)."""
    y = F.sigmoid(Value(x, name="x"))
    if backward:
        y.backward()
    return y


# how appendix_a() gives the labels t: plain numbers (constants, no name), named
# constants t1..t3 (the book's data: no gradient), or named Values t1..t3 (leaves that
# take a gradient, −log y_k, as the symbolic algebra has them)
APPENDIX_A_LABELS = ("numbers", "constants", "variables")


def appendix_a(a=(0.3, 2.9, 4.0), t=(0.0, 0.0, 1.0), *, labels="numbers", backward=True):
    """Appendix A's Softmax-with-Loss, node by node: scores a1..a3 (the book's
    a = [0.3, 2.9, 4.0] of chapter 3), one-hot labels t, no max shift and no log guard,
    so the graph is exactly the appendix's and the gradient reaching a is y − t.
    softmax names its sum S and outputs y1..y3, the cross entropy its output L.
    `labels`: one of APPENDIX_A_LABELS."""
    if labels not in APPENDIX_A_LABELS:
        raise ValueError(f"labels must be one of {APPENDIX_A_LABELS}, got {labels!r}")
    scores = [Value(v, name=f"a{k}") for k, v in enumerate(a, 1)]
    if labels != "numbers":
        t = [Value(v, name=f"t{k}") for k, v in enumerate(t, 1)]
        for tk in t:
            tk.requires_grad = labels == "variables"
    loss = F.softmax_with_loss(scores, list(t), delta=0, shift=False)
    if backward:
        loss.backward()
    return loss


# one feature over a batch of N = 4 (1/N = 0.25 is exact, so the algebra stays exact):
# the inputs x, the scale γ and shift β, and the gradient dout arriving from above
BATCH_NORM_EXAMPLE = {"x": (1.0, 2.0, 4.0, 5.0), "gamma": 2.0, "beta": 0.5,
                      "dout": (0.1, -0.2, 0.3, 0.4)}


def batch_norm_example(x=None, gamma=None, beta=None, dout=None, *, backward=True):
    """Batch Normalization of section 6.3.1 (the graph of figure 6-17) on one feature over
    a batch of Values x1 … xN, with γ and β: y_k = γ·x̂_k + β.  The gradient from above
    arrives as the named constants dout1 … doutN (functions.upstream: L = Σ dout_k·y_k),
    so the backward pass is the book's backward(dout).  Defaults: BATCH_NORM_EXAMPLE.
    Returns L."""
    v = BATCH_NORM_EXAMPLE
    x, dout = v["x"] if x is None else x, v["dout"] if dout is None else dout
    xs = [Value(float(a), name=f"x{k}") for k, a in enumerate(x, 1)]
    g = Value(float(v["gamma"] if gamma is None else gamma), name="γ")
    b = Value(float(v["beta"] if beta is None else beta), name="β")
    douts = []
    for k, d in enumerate(dout, 1):
        douts.append(Value(float(d), name=f"dout{k}"))
        douts[-1].requires_grad = False  # the layer above's number: no gradient
    loss = F.upstream(F.batch_norm(xs, g, b), douts)
    if backward:
        loss.backward()
    return loss


# ============================================================================ the book, 5.4

def buy_apple(apple=100, apple_num=2, tax=1.1):
    """Figure 5-16: price = apple × apple_num × tax.  Returns (price, grads) with grads
    {'apple', 'apple_num', 'tax'}: the book's 2.2, 110, 200."""
    mul_apple_layer, mul_tax_layer = MulLayer(), MulLayer()
    apple_price = mul_apple_layer.forward(apple, apple_num)
    price = mul_tax_layer.forward(apple_price, tax)

    dprice = 1
    dapple_price, dtax = mul_tax_layer.backward(dprice)
    dapple, dapple_num = mul_apple_layer.backward(dapple_price)
    return price, {"apple": dapple, "apple_num": dapple_num, "tax": dtax}


def buy_apple_orange(apple=100, apple_num=2, orange=150, orange_num=3, tax=1.1):
    """Figure 5-17: (apple × apple_num + orange × orange_num) × tax.  Returns
    (price, grads): the book's 715 and 110, 2.2, 3.3, 165, 650."""
    mul_apple_layer, mul_orange_layer = MulLayer(), MulLayer()
    add_apple_orange_layer, mul_tax_layer = AddLayer(), MulLayer()

    apple_price = mul_apple_layer.forward(apple, apple_num)
    orange_price = mul_orange_layer.forward(orange, orange_num)
    all_price = add_apple_orange_layer.forward(apple_price, orange_price)
    price = mul_tax_layer.forward(all_price, tax)

    dprice = 1
    dall_price, dtax = mul_tax_layer.backward(dprice)
    dapple_price, dorange_price = add_apple_orange_layer.backward(dall_price)
    dorange, dorange_num = mul_orange_layer.backward(dorange_price)
    dapple, dapple_num = mul_apple_layer.backward(dapple_price)
    return price, {"apple": dapple, "apple_num": dapple_num, "orange": dorange,
                   "orange_num": dorange_num, "tax": dtax}


# ============================================================================ Mazur

# The numbers of Matt Mazur's post: inputs, weights, the two shared biases, targets.
MAZUR = {"i1": 0.05, "i2": 0.10,
         "w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30,
         "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55,
         "b1": 0.35, "b2": 0.60, "target_o1": 0.01, "target_o2": 0.99}


def mazur_network(**values):
    """Build Mazur's 2-2-2 network as a graph of Values and return a dict of its nodes:
    the inputs, weights and biases by name, 'out_h1' ... 'out_o2' and 'E_total'.

    One bias per layer is shared by its two neurons, as in the post.  Keyword arguments
    override MAZUR's numbers (e.g. after an update).
    """
    v = {**MAZUR, **values}
    n = {k: Value(v[k], name=k) for k in MAZUR}
    n["net_h1"] = n["w1"] * n["i1"] + n["w2"] * n["i2"] + n["b1"] * 1
    n["net_h2"] = n["w3"] * n["i1"] + n["w4"] * n["i2"] + n["b1"] * 1
    n["out_h1"] = n["net_h1"].sigmoid()
    n["out_h2"] = n["net_h2"].sigmoid()
    n["net_o1"] = n["w5"] * n["out_h1"] + n["w6"] * n["out_h2"] + n["b2"] * 1
    n["net_o2"] = n["w7"] * n["out_h1"] + n["w8"] * n["out_h2"] + n["b2"] * 1
    n["out_o1"] = n["net_o1"].sigmoid()
    n["out_o2"] = n["net_o2"].sigmoid()
    # E = Σ ½(target − out)², the post's squared error
    e_o1 = (n["target_o1"] - n["out_o1"]) ** 2 * 0.5
    e_o2 = (n["target_o2"] - n["out_o2"]) ** 2 * 0.5
    n["E_o1"], n["E_o2"] = e_o1, e_o2
    n["E_total"] = e_o1 + e_o2
    for k in ("net_h1", "net_h2", "out_h1", "out_h2", "net_o1", "net_o2", "out_o1",
              "out_o2", "E_o1", "E_o2", "E_total"):
        n[k].name = k
    return n


def mazur_step(lr=0.5, **values):
    """One gradient-descent step on w1..w8 (the biases stay, as in the post).  Every
    gradient comes from the same backward pass, before any weight changes.

    Returns (E_total, grads, new_weights), grads and new_weights keyed 'w1'..'w8'."""
    n = mazur_network(**values)
    weights = [f"w{i}" for i in range(1, 9)]
    gs = grad(n["E_total"], [n[w] for w in weights])
    grads = {w: g.data for w, g in zip(weights, gs)}
    new = {w: n[w].data - lr * grads[w] for w in weights}
    return n["E_total"].data, grads, new


# ============================================================================ E資格

def eshikaku_232():
    """The E資格 exercise: a 2-3-2 network, ReLU hidden layer, softmax + cross-entropy.

    Returns (network, x, d): a TwoLayerNet holding the exercise's weights, the input
    [[1, 5]] and the one-hot target [[0, 1]].  network.gradient(x, d) gives the exercise's
    gradients; SGD(lr=0.01) then gives its updated weights."""
    from autograd.models import TwoLayerNet

    net = TwoLayerNet(2, 3, 2, seed=0)
    net.params["W1"][...] = [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]
    net.params["b1"][...] = [0.1, 0.2, 0.3]
    net.params["W2"][...] = [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]
    net.params["b2"][...] = [0.1, 0.2]
    x = np.array([[1.0, 5.0]])
    d = np.array([[0.0, 1.0]])
    return net, x, d


# ============================================================================ TensorFlow snippet

def xor_data(n=200, margin=0.1, seed=0):
    """autograd.datasets.xor points pushed `margin` away from both axes (the TensorFlow
    Playground's XOR set does the same with its 'padding'): labels unchanged, but no
    point sits within a hair of the boundary, so 100% accuracy is reachable.
    Returns x (n, 2) and t (n,) in {0, 1}."""
    from autograd.datasets import xor

    x, t = xor(n=n, seed=seed)
    return x + np.sign(x) * margin, t


def binary_mlp(n_inputs=2, hidden_units=8, hidden_layers=2, seed=0, init_std=1.0):
    """Parameters of the snippet's network: `hidden_layers` tanh layers of
    `hidden_units` each, then one sigmoid unit.  Weights ~ N(0, init_std²), biases 0;
    returned as a list of (W, b) Tensor pairs that require grad."""
    rng = np.random.default_rng(seed)
    sizes = [n_inputs] + [hidden_units] * hidden_layers + [1]
    return [(Tensor(init_std * rng.standard_normal((m, k)), requires_grad=True, name=f"W{i}"),
             Tensor(np.zeros(k), requires_grad=True, name=f"b{i}"))
            for i, (m, k) in enumerate(zip(sizes[:-1], sizes[1:]), start=1)]


def _binary_forward(params, x):
    h = x
    for W, b in params[:-1]:
        h = F.tanh(h @ W + b)
    W, b = params[-1]
    return F.sigmoid(h @ W + b)


def _binary_loss(p, t):
    # −Σ[t·log p + (1 − t)·log(1 − p)], summed as in the snippet; tiny keeps log finite
    tiny = float(np.finfo(p.data.dtype).tiny)
    return ((p + tiny).log() * t + ((1 - p) + tiny).log() * (1 - t)).sum() * -1


def _binary_accuracy(p, t):
    return float(np.mean(np.sign(p - 0.5) == np.sign(t - 0.5)))


def train_binary_mlp(x, t, hidden_units=8, hidden_layers=2, lr=0.001, steps=2000,
                     print_every=100, seed=0, init_std=1.0, out=print):
    """The snippet's training loop: plain gradient descent on the summed loss, printing
    "Step, Loss, Accuracy" every `print_every` steps (out=None prints nothing).

    accuracy = mean(sign(p − 0.5) == sign(t − 0.5)).  Returns (params, history) with
    history a list of (step, loss, accuracy)."""
    x = Tensor(np.asarray(x, dtype=np.float64))
    t = np.asarray(t, dtype=np.float64).reshape(-1, 1)
    params = binary_mlp(x.shape[1], hidden_units, hidden_layers, seed, init_std)
    flat = [p for pair in params for p in pair]
    history = []
    for step in range(1, steps + 1):
        p = _binary_forward(params, x)
        loss = _binary_loss(p, t)
        grads = grad(loss, flat)
        if step % print_every == 0 or step == steps:
            # the snippet prints what this step's forward pass saw, before the update
            acc = _binary_accuracy(p.data, t)
            history.append((step, float(loss.data), acc))
            if out is not None and step % print_every == 0:
                out(f"Step, Loss, Accuracy: {step}, {float(loss.data):.6f}, {acc:.4f}")
        for param, g in zip(flat, grads):
            param.data -= lr * g.data  # in place: the leaf keeps its identity
    return params, history


def predict_binary_mlp(params, x):
    """p = P(t = 1 | x) for each row of x, from train_binary_mlp's parameters."""
    with no_grad():
        return _binary_forward(params, Tensor(np.asarray(x, dtype=np.float64))).data
