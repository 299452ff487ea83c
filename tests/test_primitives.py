"""The primitive table: every registered primitive is checked numerically, first and
second order, from its own `sample(rng)`; so registering a primitive is testing it."""
import math
import warnings
import zlib

import numpy as np
import pytest

import autograd
from autograd import PRIMITIVES, DomainError, GraphgradWarning, Tensor, Value, grad
from autograd.graph import apply
from autograd.primitives import Primitive, register

EPS = 1e-6


def _sample(prim):
    assert callable(prim.sample), (
        f"primitive {prim.name!r} has no sample(rng): register it with one, so that it "
        "is checked numerically like every other primitive")
    rng = np.random.default_rng(zlib.crc32(prim.name.encode()))  # stable per primitive
    arrays, params = prim.sample(rng)
    assert arrays, f"{prim.name}.sample gave no inputs"
    return [np.asarray(a, dtype=np.float64) for a in arrays], params


def _central(f, xs):
    """d f / d xs by central differences; f takes a list of arrays, returns a float."""
    out = []
    for i, x in enumerate(xs):
        d = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            plus = [a.copy() for a in xs]
            minus = [a.copy() for a in xs]
            plus[i][idx] += EPS
            minus[i][idx] -= EPS
            d[idx] = (f(plus) - f(minus)) / (2 * EPS)
        out.append(d)
    return out


def _differentiable(outputs, seeds):
    """Drop the outputs no input reaches (a constant first derivative: add's, relu's):
    their second derivative is zero, and grad() rightly refuses to seed them."""
    kept = [(o, s) for o, s in zip(outputs, seeds) if o.requires_grad]
    return [o for o, _ in kept], [s for _, s in kept]


def _check(prim, xs, params, kind):
    """First and second derivatives of L = Σ W·f(X), engine against central differences.

    `kind` is Tensor (arrays in, arrays out) or Value (floats in, floats out).
    """
    rng = np.random.default_rng(1)
    as_raw = (lambda a: a) if kind is Tensor else (lambda a: float(a))
    shape_out = np.shape(prim.forward(*[as_raw(x) for x in xs], **params))
    W = rng.normal(size=shape_out)
    seed_w = W if kind is Tensor else float(W)

    def leaves(arrays):
        if kind is Tensor:
            return [Tensor(a, requires_grad=True) for a in arrays]
        return [Value(float(a)) for a in arrays]

    def first(arrays):  # the engine's gradients, raw, as arrays
        nodes = leaves(arrays)
        out = apply(prim, *nodes, **params)
        return [np.asarray(g.data, dtype=np.float64)
                for g in grad(out, nodes, grad_outputs=seed_w)]

    def loss(arrays):
        y = prim.forward(*[as_raw(a.copy()) for a in arrays], **params)
        return float(np.sum(W * np.asarray(y)))

    # first order: engine VJP against the numbers
    engine = first(xs)
    numeric = _central(loss, xs)
    for i, (e, n) in enumerate(zip(engine, numeric)):
        assert e.shape == xs[i].shape, f"{prim.name}: gradient shape of input {i}"
        np.testing.assert_allclose(e, n, rtol=1e-6, atol=1e-7,
                                   err_msg=f"{prim.name}: first derivative, input {i}")

    # second order: differentiate Σ V·G again, G the first-order gradient nodes, against
    # central differences of the engine's own first-order gradients
    V = [rng.normal(size=x.shape) for x in xs]
    seeds_v = V if kind is Tensor else [float(v) for v in V]
    nodes = leaves(xs)
    out = apply(prim, *nodes, **params)
    G = grad(out, nodes, grad_outputs=seed_w, create_graph=True)
    outs, seeds = _differentiable(G, seeds_v)
    if outs:
        engine2 = [np.asarray(h.data, dtype=np.float64)
                   for h in grad(outs, nodes, grad_outputs=seeds)]
    else:
        engine2 = [np.zeros_like(x) for x in xs]
    numeric2 = _central(lambda a: sum(float(np.sum(v * g)) for v, g in zip(V, first(a))),
                        xs)
    for i, (e, n) in enumerate(zip(engine2, numeric2)):
        np.testing.assert_allclose(e, n, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{prim.name}: second derivative, input {i}")


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_primitive_derivatives_numerically(name):
    prim = PRIMITIVES[name]
    xs, params = _sample(prim)
    _check(prim, xs, params, Tensor)
    if prim.scalar:  # the same rule on Python floats, through Value
        _check(prim, [x.reshape(-1)[:1].reshape(()) for x in xs], params, Value)


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_primitive_describes_itself(name):
    prim = PRIMITIVES[name]
    assert prim.name == name
    for field in ("label", "formula"):
        text = getattr(prim, field)
        assert isinstance(text, str) and text.strip(), f"{name}.{field} is empty"
    assert callable(prim.forward) and callable(prim.backward)


def test_the_table_has_the_architecture_primitives():
    expected = {"add", "mul", "exp", "log", "reciprocal", "pow", "relu", "matmul", "sum",
                "reshape", "transpose", "broadcast_to", "sum_to"}
    assert expected <= set(PRIMITIVES)
    assert autograd.PRIMITIVES is PRIMITIVES


def test_a_primitive_without_sample_fails_the_check():
    lonely = Primitive("lonely", forward=lambda x: x, backward=lambda g, out, x: (g,),
                       label="id", formula="∂y/∂x = 1", sample=None)
    with pytest.raises(AssertionError, match="no sample"):
        _sample(lonely)


def test_a_name_registers_once():
    with pytest.raises(ValueError, match="already registered"):
        register(Primitive("add", forward=None, backward=None, label="+", formula="",
                           sample=None))


def test_the_check_catches_a_rule_that_is_not_differentiable_on_nodes():
    # sin's rule below hands back cos(x) as raw numbers, so create_graph cannot see that
    # it depends on x: the first derivative is right, the second is caught wrong
    sin = Primitive("sin_for_test",
                    forward=lambda x: np.sin(x) if isinstance(x, np.ndarray) else math.sin(x),
                    backward=lambda g, out, x: (g * _cos(x),), label="sin",
                    formula="∂y/∂x = cos x",
                    sample=lambda rng: ((rng.normal(size=(2, 3)),), {}), scalar=True)
    xs, params = _sample(sin)
    with pytest.raises(AssertionError, match="second derivative"):
        _check(sin, xs, params, Tensor)


def _cos(x):
    x = x.data if isinstance(x, (Tensor, Value)) else x
    return np.cos(x) if isinstance(x, np.ndarray) else math.cos(x)


# ----------------------------------------------------------------------------- domains

@pytest.mark.parametrize("x", [0.0, -2.0])
def test_value_log_outside_domain_is_a_domain_error(x):
    with pytest.raises(DomainError, match=r"log\(" + str(x).replace(".", r"\.")):
        Value(x).log()


def test_value_reciprocal_of_zero_is_a_domain_error():
    with pytest.raises(DomainError, match=r"reciprocal\(0\.0\)"):
        Value(0.0).reciprocal()
    with pytest.raises(DomainError, match="reciprocal"):
        Value(1.0) / 0


def test_value_pow_not_real_is_a_domain_error():
    with pytest.raises(DomainError, match=r"pow\(-8\.0\).*not a real number"):
        Value(-8.0) ** 0.5


def test_value_pow_backward_at_a_singular_point_is_a_domain_error():
    x = Value(0.0)
    y = x ** 0.5  # fine forward (0), infinite slope
    with pytest.raises(DomainError, match=r"backward of pow\(0\.0\)"):
        y.backward()


@pytest.mark.parametrize("op, data, expected", [
    ("log", [-1.0, 0.0, 1.0], [np.nan, -np.inf, 0.0]),
    ("reciprocal", [0.0, 2.0], [np.inf, 0.5]),
])
def test_tensor_outside_domain_warns_naming_the_op(op, data, expected):
    x = Tensor(data, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = getattr(x, op)()
    np.testing.assert_array_equal(y.data, expected)
    assert [w.category for w in caught] == [GraphgradWarning], (
        "exactly one warning, ours: numpy's own RuntimeWarning does not name the node")
    assert str(caught[0].message).startswith(f"{op}(")
    assert caught[0].filename == __file__  # it points at the user's line, not the engine


def test_tensor_pow_outside_domain_warns_once():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = Tensor([-1.0, 4.0]) ** 0.5
    assert np.isnan(y.data[0]) and y.data[1] == 2.0
    assert [w.category for w in caught] == [GraphgradWarning]
    assert "pow" in str(caught[0].message)


def test_tensor_inside_domain_is_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Tensor([0.5, 2.0]).log()
        Tensor([0.5, -2.0]).reciprocal()
        Tensor([0.0, 2.0]) ** 2


def test_tanh_is_one_node_with_derivative_one_minus_y_squared():
    x = Tensor(np.linspace(-4, 4, 17), requires_grad=True)
    y = x.tanh()
    assert y.op.name == "tanh" and y.parents == (x,)  # one node, as micrograd draws it
    np.testing.assert_allclose(y.data, np.tanh(x.data), rtol=1e-12, atol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 1 - y.data ** 2, rtol=1e-12, atol=1e-15)
    v = Value(-0.3)
    w = v.tanh()
    w.backward()
    assert w.data == pytest.approx(math.tanh(-0.3), rel=1e-14)
    assert v.grad == pytest.approx(1 - w.data ** 2, rel=1e-14)


@pytest.mark.parametrize("x", [-1e308, -1000.0, -20.0, -1e-300, 0.0, 1e-300, 20.0, 1000.0,
                               1e308])
def test_tanh_is_exact_and_finite_over_the_float_range(x):
    v = Value(x)
    y = v.tanh()
    y.backward()
    assert y.data == math.tanh(x)
    assert math.isfinite(v.grad) and v.grad == pytest.approx(1 - math.tanh(x) ** 2, abs=1e-300)
    t = Tensor(np.array([x]), requires_grad=True)
    t.tanh().sum().backward()
    assert np.isfinite(t.grad).all() and t.grad[0] == pytest.approx(v.grad, abs=1e-300)


@pytest.mark.parametrize("x", [-1e308, -800.0, -745.0, -709.5, -30.0, 0.0, 30.0, 800.0])
def test_sigmoid_gradient_is_finite_where_the_true_one_is(x):
    # the book's graph is kept (×(−1), exp, +1, 1/x); far left exp overflows to inf and
    # its rule meets an upstream of exactly 0: 0·∞ must give the true 0, not nan
    v = Value(x)
    y = v.sigmoid()
    y.backward()
    true = math.exp(-abs(x)) / (1 + math.exp(-abs(x))) ** 2
    assert math.isfinite(v.grad) and v.grad == pytest.approx(true, rel=1e-12, abs=1e-300)
    t = Tensor(np.array([x, 0.5]), requires_grad=True)
    t.sigmoid().sum().backward()
    assert np.isfinite(t.grad).all() and t.grad[0] == pytest.approx(true, rel=1e-12,
                                                                     abs=1e-300)


# ----------------------------------------------------------------------------- edge values

def _torch():
    return pytest.importorskip("torch", reason="PyTorch is optional (the oracle here)")


def test_relu_of_nan_is_nan_as_micrograd_torch_and_tensor_give():
    micrograd = pytest.importorskip("micrograd.engine",
                                    reason="micrograd is not installed (test extra)")
    nan = float("nan")
    assert math.isnan(Value(nan).relu().data)
    assert math.isnan(micrograd.Value(nan).relu().data)
    assert math.isnan(Tensor([nan]).relu().data[0])
    assert math.isnan(_torch().tensor(nan).relu().item())
    for x in (-2.0, -0.0, 0.0, 3.5):  # the rest unchanged: micrograd's numbers
        assert Value(x).relu().data == micrograd.Value(x).relu().data == max(x, 0.0)


@pytest.mark.parametrize("kind", ["value", "tensor"])
@pytest.mark.parametrize("p", [0, 0.0])
def test_x_to_the_zero_is_one_with_gradient_zero_at_zero_too(kind, p):
    torch = _torch()
    points = [0.0, -1.5, 2.0]
    expected = torch.tensor(points, dtype=torch.float64, requires_grad=True)
    (expected ** p).sum().backward()
    if kind == "value":
        xs = [Value(v) for v in points]
        for x in xs:
            y = x ** p
            y.backward()
            assert y.data == 1.0
        got = [x.grad for x in xs]
    else:
        x = Tensor(points, requires_grad=True)
        y = x ** p
        np.testing.assert_array_equal(y.data, [1.0, 1.0, 1.0])
        y.sum().backward()
        got = x.grad
    np.testing.assert_array_equal(got, expected.grad.numpy())
    np.testing.assert_array_equal(got, [0.0, 0.0, 0.0])


def test_second_derivative_through_relu_is_zero_as_torch_answers():
    # PyTorch's test: x (3, 4) → sum → relu; grad(create_graph=True), then grad again.
    # The first derivative used to be a constant mask times the seed: no graph was left
    rng = np.random.default_rng(3)
    data = rng.normal(size=(3, 4))
    data[0, 0] = 5.0  # the sum is positive: relu passes it, the first derivative is 1
    x = Tensor(data, requires_grad=True)
    (g,) = grad(x.sum().relu(), [x], create_graph=True)
    (g2,) = grad(g.sum(), [x])
    np.testing.assert_array_equal(g.data, np.ones((3, 4)))
    np.testing.assert_array_equal(g2.data, np.zeros((3, 4)))
    v = Value(1.5)
    (gv,) = grad(v.relu() * 2.0, [v], create_graph=True)
    (gv2,) = grad(gv, [v])
    assert (gv.data, gv2.data) == (2.0, 0.0)
    torch = _torch()
    xt = torch.tensor(data, requires_grad=True)
    (gt,) = torch.autograd.grad(xt.sum().relu(), xt, create_graph=True)
    (gt2,) = torch.autograd.grad(gt.sum(), xt)
    np.testing.assert_array_equal(g.data, gt.detach().numpy())
    np.testing.assert_array_equal(g2.data, gt2.numpy())


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_a_rule_reads_no_input_it_does_not_save(name):
    # `saves` says which inputs' values a rule reads (the leaves among them are locked
    # while the graph may need them): the others may change without changing the rule's
    # result.  Their values are replaced here, shapes and dtypes kept.
    prim = PRIMITIVES[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    inputs, params = prim.sample(rng)
    out = prim.forward(*inputs, **params)
    g = rng.normal(size=np.shape(out))
    expected = prim.backward(g, out, *inputs, **params)
    changed = [x if i in prim.saves else np.asarray(x) + 1.0 + rng.random(np.shape(x))
               for i, x in enumerate(inputs)]
    got = prim.backward(g, out, *changed, **params)
    for e, r in zip(expected, got):
        np.testing.assert_array_equal(r, e)
    assert set(prim.saves) <= set(range(len(inputs)))


def test_a_leaf_no_rule_reads_stays_writable():
    # as in PyTorch, add saves nothing: its inputs may change without harm; mul saves both
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    total = (a + b).sum()
    a.data[...] = 10.0  # add's rule reads no input: the gradient is still ones
    total.backward()
    np.testing.assert_array_equal(a.grad, [1.0, 1.0])
    product = (a * b).sum()
    with pytest.raises(ValueError, match="read-only"):
        a.data[...] = 0.0
    product.backward()
    np.testing.assert_array_equal(b.grad, [11.0, 11.0])  # 1 from the sum, 10 from a
