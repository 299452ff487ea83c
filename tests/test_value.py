"""Value: the scalar node, and its promise that micrograd code runs unchanged."""
import math
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autograd
from autograd import DomainError, Tensor, Value

try:
    import micrograd.engine as micrograd_engine
except ImportError:  # pragma: no cover - the test extra installs it
    micrograd_engine = None

needs_micrograd = pytest.mark.skipif(micrograd_engine is None,
                                     reason="micrograd is not installed (pip install "
                                     "micrograd==0.1.0, part of the test extra)")


# ----------------------------------------------------------------------------- basics

def test_data_and_grad_are_plain_floats():
    for raw in (2, 2.5, np.float64(2.5), np.int64(3), np.float32(0.5), np.array(1.5)):
        v = Value(raw)
        assert type(v.data) is float and type(v.grad) is float and v.grad == 0.0
    y = Value(2.0) ** np.float64(2.0) + np.float32(1.0)
    y.backward()
    assert type(y.data) is float and y.data == 5.0
    assert all(type(n.grad) is float and type(n.data) is float
               for n in autograd.toposort(y))


@pytest.mark.parametrize("bad", ["abc", None, [1.0, 2.0], np.ones(3), True, 1 + 2j])
def test_value_of_a_non_number_is_a_type_error(bad):
    with pytest.raises(TypeError, match="Value needs a real number"):
        Value(bad)


def test_operators_with_numbers_on_either_side():
    a = Value(3.0)
    assert (a + 1).data == (1 + a).data == 4.0
    assert (a - 1).data == 2.0 and (1 - a).data == -2.0
    assert (a * 2).data == (2 * a).data == 6.0
    assert (a / 2).data == 1.5 and (6 / a).data == 2.0
    assert (a ** 2).data == 9.0 and (a ** -1).data == pytest.approx(1 / 3)
    assert (-a).data == -3.0
    assert a.exp().data == pytest.approx(math.exp(3.0))
    assert a.log().data == pytest.approx(math.log(3.0))
    assert a.reciprocal().data == pytest.approx(1 / 3)
    assert (-a).relu().data == 0.0 and a.relu().data == 3.0


def test_value_power_needs_a_number_exponent():
    with pytest.raises(TypeError, match="number exponent"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(TypeError, match="not supported"):
        2 ** Value(3.0)


def test_value_does_not_mix_with_tensor():
    v, t = Value(1.0), Tensor([1.0, 2.0], requires_grad=True)
    for op in (lambda: v + t, lambda: t + v, lambda: v * t, lambda: t - v,
               lambda: v / t):
        with pytest.raises(TypeError, match="Tensor"):
            op()


@pytest.mark.parametrize("x", [0.0, -1.0])
def test_log_outside_domain_names_the_op_and_input(x):
    with pytest.raises(DomainError) as info:
        Value(x, name="p").log()
    assert str(info.value).startswith(f"log(p={x!r})")


def test_grad_can_be_reset_like_micrograd():
    p = Value(2.0)
    y = p * p
    y.backward()
    assert p.grad == 4.0
    p.grad = 0
    y.backward()
    assert p.grad == 4.0 and type(p.grad) is float


def test_sum_of_values():
    xs = [Value(float(i)) for i in range(5)]
    s = sum(xs)
    s.backward()
    assert s.data == 10.0 and all(x.grad == 1.0 for x in xs)
    s2 = sum((x * x for x in xs), Value(1.0))
    assert s2.data == 31.0


def test_repr_like_micrograd():
    v = Value(2.0)
    (v * 3).backward()
    assert repr(v) == "Value(data=2.0, grad=3.0)"
    assert repr(Value(-1.5, name="w")) == "Value(data=-1.5, grad=0.0, name='w')"


# ----------------------------------------------------------------------------- micrograd

def _extend_micrograd(V):
    """micrograd 0.1.0 has no exp or tanh (the lecture's later version does): add them
    here, in micrograd's own closure style, so one program can use them with both."""
    def exp(self):
        out = V(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        out = V(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1 - out.data ** 2) * out.grad
        out._backward = _backward
        return out

    return {"exp": exp, "tanh": tanh}


@pytest.fixture(scope="module")
def micrograd_value():
    if micrograd_engine is None:
        pytest.skip("micrograd is not installed")
    V = micrograd_engine.Value
    added = _extend_micrograd(V)
    missing = [k for k in added if not hasattr(V, k)]
    for k in missing:
        setattr(V, k, added[k])
    yield V
    for k in missing:
        delattr(V, k)


LIMIT = 1e3  # values beyond this make float differences in op order visible: rejected

def _signed(low, high):
    """A float with low <= |x| <= high (drawn, not filtered: no rejected examples)."""
    return st.builds(lambda m, neg: -m if neg else m, st.floats(low, high), st.booleans())


UNARY = ["relu", "tanh", "exp", "neg", "pow_int", "pow_float"]
BINARY = ["add", "sub", "mul", "div"]
step = st.one_of(
    st.tuples(st.sampled_from(UNARY), st.integers(0, 99), st.sampled_from([-1, 2, 3, 0.5,
                                                                          1.5, -0.5])),
    st.tuples(st.sampled_from(BINARY), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.sampled_from(BINARY + ["radd", "rsub", "rmul", "rdiv"]), st.integers(0, 99),
              _signed(0.1, 3.0)),
)
number = _signed(1e-3, 2.0)


# "r..." puts the number (or the other node) on the left: 2 - a calls a.__rsub__
OPERATORS = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b,
             "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
             "radd": lambda a, b: b + a, "rsub": lambda a, b: b - a,
             "rmul": lambda a, b: b * a, "rdiv": lambda a, b: b / a}


def run_program(V, leaves, steps):
    """One program, any Value class: leaves, then steps that pick earlier results by index
    (so sub-expressions are reused), then the sum of the last three. Returns the output
    and the leaves. Written once; run on micrograd's Value and on ours."""
    xs = [V(x) for x in leaves]
    pool = list(xs)
    for op, i, arg in steps:
        a = pool[i % len(pool)]
        if op == "relu":
            r = a.relu()
        elif op == "tanh":
            r = a.tanh()
        elif op == "exp":
            r = a.exp()
        elif op == "neg":
            r = -a
        elif op == "pow_int":
            r = a ** int(arg if arg in (-1, 2, 3) else 2)
        elif op == "pow_float":
            r = (a * a + 0.25) ** float(arg)  # a positive base for a fractional power
        else:
            b = pool[arg % len(pool)] if isinstance(arg, int) else arg
            r = OPERATORS[op](a, b)
        if not abs(r.data) < LIMIT:
            raise OverflowError(op)
        pool.append(r)
    out = pool[-1]
    for r in pool[-3:-1]:
        out = out + r
    return out, xs


@needs_micrograd
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(leaves=st.lists(number, min_size=1, max_size=4),
       steps=st.lists(step, min_size=1, max_size=15))
def test_same_numbers_as_micrograd(micrograd_value, leaves, steps):
    try:
        ref, ref_leaves = run_program(micrograd_value, leaves, steps)
        ref.backward()
    except (ZeroDivisionError, OverflowError):
        assume(False)  # out of range for both: compared elsewhere (domain tests)
    assume(all(abs(x.grad) < 1e6 for x in ref_leaves))
    out, ours = run_program(Value, leaves, steps)
    out.backward()
    # relative 1e-9, plus an absolute 1e-12: tanh is built as 2·σ(2x) − 1, exact to
    # ~1e-16 absolutely but not relatively where tanh(x) is ~0
    assert out.data == pytest.approx(ref.data, rel=1e-9, abs=1e-12)
    for mine, theirs in zip(ours, ref_leaves):
        assert mine.grad == pytest.approx(theirs.grad, rel=1e-9, abs=1e-12)


def test_reused_subexpressions_against_micrograd(micrograd_value):
    steps = [("mul", 0, 1), ("add", 2, 2), ("tanh", 3, 0), ("mul", 4, 3), ("div", 5, 0)]
    ref, ref_leaves = run_program(micrograd_value, [0.7, -1.3], steps)
    ref.backward()
    out, ours = run_program(Value, [0.7, -1.3], steps)
    out.backward()
    assert out.data == pytest.approx(ref.data, rel=1e-12)
    assert [x.grad for x in ours] == pytest.approx([x.grad for x in ref_leaves], rel=1e-12)


# A tiny MLP in micrograd's nn.py style, our own code: only Value, +, *, relu, sum,
# .grad = 0 and .data updates, so it must run on either engine.

class Neuron:
    def __init__(self, V, n_in, rng, relu=True):
        self.w = [V(rng.uniform(-1, 1)) for _ in range(n_in)]
        self.b = V(0.0)
        self.relu = relu

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.relu else act

    def parameters(self):
        return self.w + [self.b]


class MLP:
    def __init__(self, V, sizes, seed=0):
        rng = random.Random(seed)
        self.layers = [[Neuron(V, n_in, rng, relu=i < len(sizes) - 2)
                        for _ in range(n_out)]
                       for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]))]

    def __call__(self, x):
        for layer in self.layers:
            x = [n(x) for n in layer]
        return x[0] if len(x) == 1 else x

    def parameters(self):
        return [p for layer in self.layers for n in layer for p in n.parameters()]


def train(V, steps=20):
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    model = MLP(V, [3, 4, 4, 1])
    losses = []
    for _ in range(steps):
        loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys)) * (1.0 / len(xs))
        for p in model.parameters():
            p.grad = 0
        loss.backward()
        for p in model.parameters():
            p.data -= 0.05 * p.grad
        losses.append(loss.data)
    return losses, [p.data for p in model.parameters()]


def test_micrograd_style_mlp_runs_unchanged():
    losses, params = train(Value)
    assert losses[-1] < losses[0]
    assert all(type(p) is float for p in params)


@needs_micrograd
def test_micrograd_style_mlp_matches_micrograd():
    ref_losses, ref_params = train(micrograd_engine.Value)
    losses, params = train(Value)
    assert losses == pytest.approx(ref_losses, rel=1e-12)
    assert params == pytest.approx(ref_params, rel=1e-12, abs=1e-15)
