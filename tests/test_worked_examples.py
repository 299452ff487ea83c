"""Worked examples with published numbers, reproduced by the engine to 1e-8.

- the book's apple / apple-and-orange graphs (figures 5-16, 5-17);
- Matt Mazur, "A Step by Step Backpropagation Example" (2015);
- the E資格 2-3-2 ReLU/softmax exercise;
- a common TensorFlow teaching snippet's tanh/sigmoid network learning XOR.
"""
import numpy as np
import pytest

from autograd import examples
from autograd.optimizers import SGD

TOL = 1e-8


def close(value, published):
    assert value == pytest.approx(published, abs=TOL)


# ============================================================================ the book

def test_buy_apple():
    price, grads = examples.buy_apple()
    close(price, 220)
    close(grads["apple"], 2.2)
    close(grads["apple_num"], 110)
    close(grads["tax"], 200)


def test_buy_apple_orange():
    price, grads = examples.buy_apple_orange()
    close(price, 715)
    close(grads["apple_num"], 110)
    close(grads["apple"], 2.2)
    close(grads["orange"], 3.3)
    close(grads["orange_num"], 165)
    close(grads["tax"], 650)


# ============================================================================ Mazur

def test_mazur_forward_pass_and_error():
    n = examples.mazur_network()
    close(n["net_h1"].data, 0.3775)
    close(n["out_h1"].data, 0.593269992)
    close(n["out_h2"].data, 0.596884378)
    # the post rounds these to 9 decimals
    assert n["out_o1"].data == pytest.approx(0.75136507, abs=5e-9)
    assert n["out_o2"].data == pytest.approx(0.772928465, abs=5e-9)
    close(n["E_total"].data, 0.298371109)


def test_mazur_one_step():
    e_total, grads, new = examples.mazur_step(lr=0.5)
    close(e_total, 0.298371109)
    close(grads["w5"], 0.082167041)
    published = {"w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270,
                 "w8": 0.561370121, "w1": 0.149780716, "w2": 0.19956143,
                 "w3": 0.24975114, "w4": 0.29950229}
    for w, value in published.items():
        close(new[w], value)


def test_mazur_network_takes_new_weights():
    _, _, new = examples.mazur_step()
    n = examples.mazur_network(**new)
    assert n["E_total"].data < 0.298371109  # one step downhill
    assert n["w5"].name == "w5" and n["E_total"].name == "E_total"


# ============================================================================ E資格

def test_eshikaku_232():
    net, x, d = examples.eshikaku_232()
    net.loss(x, d)
    np.testing.assert_allclose(net.lastLayer.y, [[0.08706577, 0.91293423]], atol=TOL)
    grads = net.gradient(x, d)
    # h = ReLU(x·W1 + b1) = [1.2, 2.5, 3.8]; y − d = [p, −p], p = 0.08706577...
    p = net.lastLayer.y[0, 0]
    np.testing.assert_allclose(grads["W2"], [[0.10447893, -0.10447893],
                                             [0.21766443, -0.21766443],
                                             [0.33084994, -0.33084994]], atol=TOL)
    np.testing.assert_allclose(grads["W2"], np.outer([1.2, 2.5, 3.8], [p, -p]), rtol=1e-12)
    np.testing.assert_allclose(grads["b2"], [0.08706577, -0.08706577], atol=TOL)
    # back through W2: δ·W2ᵀ = p·(0.1 − 0.4, 0.2 − 0.5, 0.3 − 0.6) = −0.3p for each unit
    np.testing.assert_allclose(grads["b1"], [-0.02611973] * 3, atol=TOL)
    np.testing.assert_allclose(grads["W1"], [[-0.02611973] * 3, [-0.13059866] * 3],
                               atol=TOL)

    SGD(lr=0.01).update(net.params, grads)
    np.testing.assert_allclose(net.params["W1"], [[0.1002612, 0.3002612, 0.5002612],
                                                  [0.20130599, 0.40130599, 0.60130599]],
                               atol=TOL)
    np.testing.assert_allclose(net.params["b1"], [0.1002612, 0.2002612, 0.3002612],
                               atol=TOL)
    np.testing.assert_allclose(net.params["W2"], [[0.09895521, 0.40104479],
                                                  [0.19782336, 0.50217664],
                                                  [0.2966915, 0.6033085]], atol=TOL)
    np.testing.assert_allclose(net.params["b2"], [0.09912934, 0.20087066], atol=TOL)


# ============================================================================ TensorFlow

def test_binary_mlp_learns_xor(capsys):
    x, t = examples.xor_data()
    params, history = examples.train_binary_mlp(x, t, hidden_units=8, hidden_layers=2,
                                                lr=0.001, steps=2000)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 20 and lines[0].startswith("Step, Loss, Accuracy: 100, ")
    assert len(params) == 3 and params[0][0].shape == (2, 8)
    step, loss, acc = history[-1]
    assert step == 2000 and acc == 1.0
    assert loss < history[0][1]
    p = examples.predict_binary_mlp(params, x)[:, 0]
    assert np.mean(np.sign(p - 0.5) == np.sign(t - 0.5)) == 1.0


def test_binary_mlp_depth_is_configurable():
    params = examples.binary_mlp(hidden_units=5, hidden_layers=3)
    assert [W.shape for W, _ in params] == [(2, 5), (5, 5), (5, 5), (5, 1)]
    x, t = examples.xor_data(n=40)
    _, history = examples.train_binary_mlp(x, t, hidden_units=5, hidden_layers=3,
                                           steps=200, print_every=100, out=None)
    assert [h[0] for h in history] == [100, 200]
