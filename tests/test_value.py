"""Value: the scalar node, and its promise that micrograd code runs unchanged."""
# The lecture's cells are kept as learners type them: `e = a*b; e.label = 'e'`
# ruff: noqa: E702
import math
import random
import re

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
    # relative 1e-9, plus an absolute 1e-12: gradients are summed in another order
    # (micrograd walks sets), and a sum that cancels to ~0 has no relative precision
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


# ----------------------------------------------------------------------------- micrograd's view
# `label`, `_prev`, `_op`, `_backward()`: what micrograd's draw_dot and its lecture's cells
# read and call.

def test_label_is_an_alias_of_name():
    a = Value(2.0, label="a")
    assert a.name == "a" and a.label == "a"
    a.label = "a2"
    assert a.name == "a2"
    a.name = "a3"
    assert a.label == "a3"
    assert Value(1.0).label == "" and Value(1.0, label="").name is None  # micrograd's default
    assert Value(1.0, (), "", "x").label == "x"  # positional, as the lecture's signature
    assert Value(1.0, "w").label == "w"


def test_name_and_label_that_disagree_are_refused():
    assert Value(1.0, name="a", label="a").name == "a"
    with pytest.raises(TypeError, match="label is micrograd's word for name"):
        Value(1.0, name="a", label="b")


def test_children_and_op_are_refused_with_a_reason():
    a = Value(1.0)
    with pytest.raises(TypeError, match="records the graph itself"):
        Value(2.0, (a,), "+")


def test_prev_is_the_set_of_inputs():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    assert a._prev == set() and isinstance(a._prev, set)
    assert (a * b)._prev == {a, b}
    assert (a + a)._prev == {a}  # a set, as micrograd's: one entry for an input used twice
    y = a * 2  # the 2 is a constant leaf among the inputs, as micrograd's Value(2)
    (const,) = y._prev - {a}
    assert const.data == 2.0 and not const.requires_grad and const._prev == set()
    y.backward()
    assert a.grad == 2.0 and const.grad == 0.0  # constants get no gradient


def test_op_strings_are_micrograds(micrograd_value):
    """Each expression on micrograd's Value (exp and tanh added in its style) and on ours:
    the same `_op` string, and the one the issue lists."""
    exprs = [
        ("", lambda a, b: a), ("+", lambda a, b: a + b), ("*", lambda a, b: a * b),
        ("**2", lambda a, b: a ** 2), ("**3", lambda a, b: a ** 3),
        ("**-1", lambda a, b: a ** -1), ("**0.5", lambda a, b: a ** 0.5),
        ("**2.0", lambda a, b: a ** 2.0), ("ReLU", lambda a, b: a.relu()),
        ("tanh", lambda a, b: a.tanh()), ("exp", lambda a, b: a.exp()),
        ("+", lambda a, b: a - b), ("*", lambda a, b: a / b), ("*", lambda a, b: -a),
        ("+", lambda a, b: 1 + a), ("*", lambda a, b: 2 / a), ("*", lambda a, b: 3 * a),
    ]
    for want, f in exprs:
        theirs = f(micrograd_value(2.0), micrograd_value(3.0))._op
        ours = f(Value(2.0), Value(3.0))._op
        assert ours == theirs == want


def test_backward_of_a_leaf_does_nothing():
    a = Value(2.0)
    a.grad = 1.5
    a._backward()
    assert a.grad == 1.5


def test_backward_applies_one_local_step():
    a, b = Value(2.0), Value(-3.0)
    y = a * b
    y.grad = 2.0
    y._backward()
    assert (a.grad, b.grad) == (-6.0, 4.0)  # upstream 2 times the other input
    y._backward()  # added, never assigned: micrograd's `+=`
    assert (a.grad, b.grad) == (-12.0, 8.0)
    s = a + a
    s.grad = 1.0
    s._backward()  # both edges arrive at a
    assert a.grad == -10.0


# ----------------------------------------------------------------------------- the lecture's cells
# Karpathy's "building micrograd" lecture, cells written as a learner types them with
# `from autograd import Value`; the numbers are the lecture's.

def _lecture_neuron():
    # inputs x1, x2; weights w1, w2; the bias makes o come out 1/√2
    x1 = Value(2.0, label='x1')
    x2 = Value(0.0, label='x2')
    w1 = Value(-3.0, label='w1')
    w2 = Value(1.0, label='w2')
    b = Value(6.8813735870195432, label='b')
    x1w1 = x1*w1; x1w1.label = 'x1*w1'
    x2w2 = x2*w2; x2w2.label = 'x2*w2'
    x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = 'x1*w1 + x2*w2'
    n = x1w1x2w2 + b; n.label = 'n'
    o = n.tanh(); o.label = 'o'
    return {v.label: v for v in (x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o)}


LECTURE_NEURON_GRADS = {"o": 1.0, "n": 0.5, "x1*w1 + x2*w2": 0.5, "b": 0.5, "x1*w1": 0.5,
                        "x2*w2": 0.5, "x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0}


def test_lecture_expression_labels_and_nudge():
    a = Value(2.0, label='a')
    b = Value(-3.0, label='b')
    c = Value(10.0, label='c')
    e = a*b; e.label = 'e'
    d = e + c; d.label = 'd'
    f = Value(-2.0, label='f')
    L = d * f; L.label = 'L'
    assert repr(L) == "Value(data=-8.0, grad=0.0, name='L')"
    L.backward()
    grads = {v.label: v.grad for v in (a, b, c, d, e, f, L)}
    assert grads == {"a": 6.0, "b": -4.0, "c": -2.0, "d": -2.0, "e": -2.0, "f": 4.0,
                     "L": 1.0}
    # one step along the gradient, then the forward pass again: the lecture prints -7.286496
    a.data += 0.01 * a.grad
    b.data += 0.01 * b.grad
    c.data += 0.01 * c.grad
    f.data += 0.01 * f.grad
    e = a * b
    d = e + c
    L = d * f
    assert L.data == pytest.approx(-7.286496, abs=1e-12)


def test_lecture_numerical_slope_agrees_with_the_gradient():
    def lol(h_on_b):
        a = Value(2.0, label='a')
        b = Value(-3.0, label='b')
        b.data += h_on_b
        c = Value(10.0, label='c')
        e = a*b; e.label = 'e'
        d = e + c; d.label = 'd'
        f = Value(-2.0, label='f')
        L = d * f; L.label = 'L'
        return L.data
    h = 0.001
    assert (lol(h) - lol(0.0)) / h == pytest.approx(-3.9999999999995595, rel=1e-12)


def test_lecture_manual_backward_gives_its_numbers():
    v = _lecture_neuron()
    assert v["o"].data == pytest.approx(0.7071067811865476, rel=1e-15)
    v["o"].grad = 1.0
    # the lecture's order: from the output back, one node's local step at a time
    for label in ("o", "n", "b", "x1*w1 + x2*w2", "x2*w2", "x1*w1"):
        v[label]._backward()
    got = {label: node.grad for label, node in v.items()}
    assert got == pytest.approx(LECTURE_NEURON_GRADS, abs=1e-12)
    # and backward(), the one walk, on a fresh neuron: the same numbers, bit for bit
    fresh = _lecture_neuron()
    fresh["o"].backward()
    assert {k: n.grad for k, n in fresh.items()} == got


def test_lecture_build_topo_then_backward_in_reverse():
    """The lecture's topological sort over `_prev`, then `_backward()` node by node in
    reverse: what backward() gives, on the neuron and on micrograd's README expression."""
    def build_topo(root):
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)
        build(root)
        return topo

    for make in (lambda: _lecture_neuron()["o"], lambda: more_ops(Value, backward=False)[0]):
        out = make()
        topo = build_topo(out)
        assert topo[-1] is out
        assert all(topo.index(c) < topo.index(v) for v in topo for c in v._prev)
        out.grad = 1.0
        for node in reversed(topo):
            node._backward()
        out2 = make()
        out2.backward()
        # node by node, in the engine's (deterministic) order: set order varies by run
        by_hand = [n.grad for n in autograd.toposort(out)]
        assert by_hand == pytest.approx([n.grad for n in autograd.toposort(out2)], rel=1e-12)
    assert len(build_topo(_lecture_neuron()["o"])) == 10  # the lecture lists ten Values


def trace(root):
    """The lecture's trace(): every node and edge reachable through `_prev`."""
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)
    build(root)
    return nodes, edges


def draw_dot(root):
    """The lecture's draw_dot(), a learner's own function: a record per Value (label, data,
    grad), an op node for each `_op`."""
    from graphviz import Digraph

    dot = Digraph(format='svg', graph_attr={'rankdir': 'LR'})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        label = "{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad)  # noqa: UP031
        dot.node(name=uid, label=label, shape='record')
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def test_lecture_draw_dot_walks_our_graph():
    v = _lecture_neuron()
    v["o"].backward()
    dot = draw_dot(v["o"])
    src = dot.source
    records = [line for line in src.splitlines() if "shape=record" in line]
    assert len(records) == 10
    ops = sorted(re.search(r'\[label="?(.*?)"?\]$', line).group(1)
                 for line in src.splitlines() if "label=" in line and "record" not in line)
    assert ops == ["*", "*", "+", "+", "tanh"]  # tanh is one node, as the lecture draws it
    assert src.count("->") == 9 + 5  # each input into its op, each op into its Value
    for label, g in LECTURE_NEURON_GRADS.items():
        node = v[label]
        assert f"{{ {label} | data {node.data:.4f} | grad {g:.4f} }}" in src
    assert "{ x1 | data 2.0000 | grad -1.5000 }" in src
    assert "{ o | data 0.7071 | grad 1.0000 }" in src
    graphviz = pytest.importorskip("graphviz")
    try:
        svg = dot.pipe(format="svg").decode()
    except graphviz.ExecutableNotFound:
        pytest.skip("Graphviz's dot program is not installed")
    assert svg.count('class="node"') == 15 and svg.count('class="edge"') == 14


def _graph_signature(root):
    """What a drawing of `root` shows: the multiset of (op, data) of its nodes and of
    (input op/data, output op/data) of its edges."""
    nodes, edges = trace(root)
    key = lambda n: (n._op, round(n.data, 10))  # noqa: E731
    return sorted(map(key, nodes)), sorted((key(a), key(b)) for a, b in edges)


def lecture_tanh_from_exp(V):
    """The lecture's second half: tanh written out as (e^2n − 1)/(e^2n + 1)."""
    x1, x2, w1, w2 = V(2.0), V(0.0), V(-3.0), V(1.0)
    b = V(6.8813735870195432)
    n = x1*w1 + x2*w2 + b
    e = (2*n).exp()
    o = (e - 1) / (e + 1)
    return o, (x1, x2, w1, w2, b)


def test_lecture_graphs_are_micrographs_graphs(micrograd_value):
    """The same user code on micrograd's Value and on ours draws the same graph: the same
    nodes, ops, values and edges (constants included)."""
    programs = [sanity_check, more_ops, lecture_tanh_from_exp,
                lambda V: (V(-0.3).tanh() * V(2.0), ())]
    for program in programs:
        ref, _ = program(micrograd_value)
        ours, _ = program(Value)
        assert _graph_signature(ours) == _graph_signature(ref), program


def test_lecture_tanh_from_exp_matches_the_tanh_node():
    o, (x1, x2, w1, w2, b) = lecture_tanh_from_exp(Value)
    o.backward()
    want = LECTURE_NEURON_GRADS
    assert o.data == pytest.approx(0.7071067811865476, rel=1e-14)
    assert [x1.grad, x2.grad, w1.grad, w2.grad, b.grad] == pytest.approx(
        [want["x1"], want["x2"], want["w1"], want["w2"], want["b"]], abs=1e-12)


def test_lecture_neuron_against_torch():
    torch = pytest.importorskip("torch", reason="PyTorch is an optional oracle "
                                "(pip install torch==2.13.0)")
    v = _lecture_neuron()
    v["o"].backward()
    leaves = [torch.tensor(v[k].data, dtype=torch.float64, requires_grad=True)
              for k in ("x1", "x2", "w1", "w2", "b")]
    x1, x2, w1, w2, b = leaves
    o = torch.tanh(x1*w1 + x2*w2 + b)
    o.backward()
    assert v["o"].data == pytest.approx(o.item(), rel=1e-15)
    for k, t in zip(("x1", "x2", "w1", "w2", "b"), leaves):
        assert v[k].grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-15), k


# ----------------------------------------------------------------------------- micrograd's tests
# micrograd's test/test_engine.py expressions, as a user writes them; each runs on any
# Value class (micrograd's, ours) and on PyTorch's tensors.

def sanity_check(V, backward=True):
    x = V(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    if backward:
        y.backward()
    return y, (x,)


def more_ops(V, backward=True):
    """Also micrograd's README example: it prints 24.7041, 138.8338, 645.5773."""
    a = V(-4.0)
    b = V(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    if backward:
        g.backward()
    return g, (a, b)


def _torch_scalar(torch):
    return lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True)


def _number(x):
    return x.item() if hasattr(x, "item") else x


@pytest.mark.parametrize("program", [sanity_check, more_ops])
def test_micrograd_engine_tests_against_micrograd(program):
    if micrograd_engine is None:
        pytest.skip("micrograd is not installed")
    ref, ref_in = program(micrograd_engine.Value)
    out, ours = program(Value)
    assert out.data == pytest.approx(ref.data, rel=1e-14)
    assert [x.grad for x in ours] == pytest.approx([x.grad for x in ref_in], rel=1e-14)


@pytest.mark.parametrize("program", [sanity_check, more_ops])
def test_micrograd_engine_tests_against_torch(program):
    torch = pytest.importorskip("torch", reason="PyTorch is an optional oracle "
                                "(pip install torch==2.13.0)")
    ref, ref_in = program(_torch_scalar(torch))
    out, ours = program(Value)
    # micrograd's tolerance is 1e-6; graphgrad agrees to rounding
    assert out.data == pytest.approx(ref.item(), rel=1e-14)
    assert [x.grad for x in ours] == pytest.approx([x.grad.item() for x in ref_in],
                                                   rel=1e-14)


def test_micrograd_readme_numbers():
    g, (a, b) = more_ops(Value)
    assert f"{g.data:.4f} {a.grad:.4f} {b.grad:.4f}" == "24.7041 138.8338 645.5773"
    y, (x,) = sanity_check(Value)
    assert (y.data, x.grad) == (-20.0, 46.0)  # closed form: y = -20, dy/dx = 46 at x = -4
