"""The walk backwards: order, accumulation, grad(), backward_steps(), threads, edits,
and the engine's walk held against a plain dict-keyed reference walk."""
import inspect
import math
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from autograd import Step, Tensor, Value, backward_steps, grad, toposort


def _graph():
    """A small graph with shared sub-expressions and constants, names on every node."""
    a, b = Value(2.0, name="a"), Value(-3.0, name="b")
    nodes = {"a": a, "b": b}
    nodes["c"] = c = a * b
    nodes["d"] = d = c + a
    nodes["e"] = e = d.relu() * c + d.exp() * b
    nodes["f"] = f = e * e + c.tanh()
    for name, n in nodes.items():
        n.name = name
    return f, nodes


# ----------------------------------------------------------------------------- traversal

def test_million_node_chain_needs_no_recursion():
    assert sys.getrecursionlimit() < 100_000  # a recursive walk would die here
    x, c = Value(0.5), Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + c
    y.backward()
    assert y.data == 1_000_000.5
    assert x.grad == 1.0 and c.grad == 1_000_000.0
    del y  # freeing a million-deep chain of parents must not overflow the C stack either


def test_toposort_puts_every_node_after_its_consumers():
    f, nodes = _graph()
    order = toposort(f)
    assert order[0] is f
    position = {n: i for i, n in enumerate(order)}
    assert len(position) == len(order)
    for n in order:
        for p in n.parents:
            if p.requires_grad:
                assert position[p] > position[n]
    assert {n.name for n in order} >= set(nodes)


def test_order_is_deterministic():
    def trace():
        f, _ = _graph()
        topo = [(n.name, n.op and n.op.name, n.data) for n in toposort(f)]
        steps = [(s.node.name, s.node.op and s.node.op.name) for s in backward_steps(f)]
        return topo, steps

    first = trace()
    assert trace() == first
    f, _ = _graph()
    assert toposort(f) == toposort(f) and toposort([f, f]) == toposort(f)


def test_order_does_not_depend_on_hashing_or_addresses():
    script = textwrap.dedent("""
        import random
        from autograd import Value, toposort
        junk = [Value(0.0) for _ in range(random.randrange(1000))]  # shift addresses
        xs = [Value(float(i), name=f"x{i}") for i in range(6)]
        y = xs[0]
        for i in range(1, 30):
            y = y * xs[i % 6] + xs[(i * 5) % 6]
            y.name = f"y{i}"
        print([n.name for n in toposort(y)])
    """)
    outs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True, env={"PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "3")}
    assert len(outs) == 1


# ----------------------------------------------------------------------------- accumulation

def test_a_reused_node_gets_the_sum():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    x = Value(3.0)
    (x + x).backward()
    assert x.grad == 2.0
    t = Tensor([1.0, 2.0], requires_grad=True)
    (t * t + t).sum().backward()
    np.testing.assert_array_equal(t.grad, [3.0, 5.0])


def test_a_second_backward_accumulates():
    x = Value(3.0)
    y = x * x
    y.backward()
    y.backward()
    assert x.grad == 12.0
    x.grad = 0.0
    y.backward()
    assert x.grad == 6.0
    t = Tensor([1.0, 2.0], requires_grad=True)
    s = (t * t).sum()
    s.backward()
    first = t.grad
    s.backward()
    np.testing.assert_array_equal(t.grad, [4.0, 8.0])
    np.testing.assert_array_equal(first, [2.0, 4.0])  # accumulated into a new array


def test_backward_seed():
    x = Value(3.0)
    (x * x).backward(0.5)
    assert x.grad == 3.0


# ----------------------------------------------------------------------------- grad()

def test_grad_leaves_dot_grad_alone():
    x, y = Value(2.0), Value(5.0)
    z = x * x * 3 + x
    gx, gy = grad(z, [x, y])
    assert gx.data == 13.0 and gy.data == 0.0  # y does not influence z
    assert x.grad == 0.0 and y.grad == 0.0
    (g,) = grad([z, x * 2], [x])  # several outputs: their gradients add up
    assert g.data == 15.0
    assert grad(z, x)[0].data == 13.0


def test_second_derivative_of_cube():
    for x0 in (-1.5, 0.0, 2.0):
        x = Value(x0)
        (g,) = grad(x ** 3, [x], create_graph=True)
        assert g.data == pytest.approx(3 * x0 ** 2)
        assert g.requires_grad and not g.is_leaf
        (g2,) = grad(g, [x])
        assert g2.data == pytest.approx(6 * x0)
    t = Tensor([-1.0, 0.5, 3.0], requires_grad=True)
    (g,) = grad((t ** 3).sum(), [t], create_graph=True)
    (g2,) = grad(g.sum(), [t])
    np.testing.assert_allclose(g2.data, 6 * t.data)


def test_second_derivative_of_sigmoid():
    for x0 in (-2.0, 0.3, 1.7):
        x = Value(x0)
        y = x.sigmoid()
        (g,) = grad(y, [x], create_graph=True)
        (g2,) = grad(g, [x])
        s = y.data
        assert g.data == pytest.approx(s * (1 - s), rel=1e-12)
        assert g2.data == pytest.approx(s * (1 - s) * (1 - 2 * s), rel=1e-10)
    t = Tensor(np.linspace(-3, 3, 7), requires_grad=True)
    y = t.sigmoid()
    (g,) = grad(y.sum(), [t], create_graph=True)
    (g2,) = grad(g.sum(), [t])
    s = y.data
    np.testing.assert_allclose(g2.data, s * (1 - s) * (1 - 2 * s), rtol=1e-9, atol=1e-15)


def test_newton_method_like_dezero_step_33():
    x = Value(2.0)
    iterates = [x.data]
    for _ in range(7):
        y = x ** 4 - 2 * x ** 2
        (gx,) = grad(y, [x], create_graph=True)
        (gx2,) = grad(gx, [x])
        x.data -= gx.data / gx2.data
        iterates.append(x.data)
    expected = [2.0, 1.4545454545454546, 1.1510467893775467, 1.0253259289766978,
                1.0009084519430513, 1.0000012353089454, 1.000000000002289, 1.0]
    assert iterates == pytest.approx(expected, rel=1e-13)
    assert x.grad == 0.0  # grad() never touched it


# ----------------------------------------------------------------------------- steps

def test_backward_steps_is_a_generator_of_steps():
    f, nodes = _graph()
    steps = backward_steps(f)
    assert inspect.isgenerator(steps)
    steps = list(steps)
    assert all(isinstance(s, Step) for s in steps)
    assert [s.node for s in steps] == toposort(f)  # every node, once, in order
    assert [s.index for s in steps] == list(range(len(steps)))
    assert all(n.grad == 0.0 for n in nodes.values())  # stepping touches no .grad
    for s in steps:
        assert s.inputs == s.node.parents and s.op is s.node.op
        assert isinstance(s.formula, str) and (s.formula or s.node.is_leaf)
        assert len(s.grads) == len(s.node.parents) == len(s.local)
        for local, sent in zip(s.local, s.grads):  # upstream × local = sent
            assert s.upstream * local == pytest.approx(sent, rel=1e-14)
        assert "Step(" in repr(s)


def test_anomaly_errors_say_where_once_in_every_walk():
    from autograd import AnomalyError, detect_anomaly
    with detect_anomaly():
        x = Value(1e10, name="x")
        y = x * x
        messages = []
        for walk in (lambda: y.backward(1e300), lambda: list(backward_steps(y, 1e300)),
                     lambda: grad(y, [x], create_graph=True, grad_outputs=1e300)):
            with pytest.raises(AnomalyError) as info:
                walk()
            messages.append(str(info.value))
    assert messages[0] == messages[1]  # the fast walk and the plain one say the same
    assert messages[0].count("node created at") == 1
    assert messages[2].count("in the backward of mul") == 1


def test_backward_accumulates_exactly_what_the_steps_say():
    f, nodes = _graph()
    received = {}
    for s in backward_steps(f):
        for p, g in zip(s.node.parents, s.grads):
            received[p] = received.get(p, 0.0) + g
    f.backward()
    for name, n in nodes.items():
        if n is not f:
            assert n.grad == pytest.approx(received[n], rel=1e-14), name
    t = Tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    out = (t @ t.T).exp().sum(axis=0) * np.array([1.0, 2.0])
    seed = np.array([0.5, -1.0])
    got = {}
    for s in backward_steps(out, seed):
        assert np.shape(s.upstream) == s.node.shape
        for p, g in zip(s.node.parents, s.grads):
            got[p] = got.get(p, 0) + g
        s.local  # noqa: B018 -- must not fail on array nodes either
    out.backward(seed)
    np.testing.assert_allclose(t.grad, got[t], rtol=1e-14)


def test_grad_of_an_output_given_twice_is_summed():
    x = Value(3.0)
    y = x * x
    (g,) = grad([y, y], [x])  # as PyTorch: the gradients of both outputs, added
    assert g.data == 12.0
    (g,) = grad([y, y * 2.0], [x])  # one output an ancestor of the other
    assert g.data == 18.0


def test_seeds_given_as_nodes():
    x = Value(3.0)
    y = x * x
    (g,) = grad(y, [x], grad_outputs=Value(2.0))  # a Value seed, as its raw number
    assert g.data == 12.0
    y.backward(Value(0.5))
    assert x.grad == 3.0
    # with create_graph the seed stays a node: d/dv of (v · dy/dx) = dy/dx
    v = Value(2.0)
    (g,) = grad(y, [x], grad_outputs=v, create_graph=True)
    assert g.data == 12.0
    (dv,) = grad(g, [v])
    assert dv.data == 6.0
    t = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="seed for a Tensor output must be a Tensor"):
        grad((t * t).sum(), [t], grad_outputs=Value(1.0), create_graph=True)


def test_a_paused_backward_steps_goes_on_after_another_walk():
    f, nodes = _graph()
    ref = [(s.node, s.upstream, s.grads) for s in backward_steps(f)]
    steps = backward_steps(f)
    first = [next(steps) for _ in range(3)]
    f.backward()  # walks the same nodes while the generator is paused
    grad(f, [nodes["a"]])
    rest = list(steps)  # the paused walk keeps nothing on the nodes: it goes on, unmixed
    assert [(s.node, s.upstream, s.grads) for s in first + rest] == ref
    received = {}
    for s in first + rest:
        for p, g in zip(s.node.parents, s.grads):
            received[p] = received.get(p, 0.0) + g
    assert nodes["a"].grad == pytest.approx(received[nodes["a"]], rel=1e-14)


def test_paused_walks_over_separate_graphs_interleave():
    f, _ = _graph()
    g, _ = _graph()
    ref_f = [s.grads for s in backward_steps(f)]
    ref_g = [s.grads for s in backward_steps(g)]
    got_f, got_g = [], []
    for sf, sg in zip(backward_steps(f), backward_steps(g)):
        got_f.append(sf.grads)
        got_g.append(sg.grads)
    assert got_f == ref_f and got_g == ref_g


def test_threads_differentiating_graphs_that_share_leaves():
    # the walk keeps its counts on the nodes: shared leaves must not mix two walks
    w = [Value(0.1 * i) for i in range(1, 6)]

    def loss(k):
        out = Value(0.0)
        for i, wi in enumerate(w):
            out = out + wi * (k + i) + (wi * wi) * k
        return out

    expected = {k: [(k + i) + 2 * wi.data * k for i, wi in enumerate(w)] for k in range(8)}
    errors = []

    def work(k):
        for _ in range(200):
            got = grad(loss(k), w)
            if [g.data for g in got] != pytest.approx(expected[k], rel=1e-12):
                errors.append(k)

    _in_threads(work, 8)
    assert errors == []


def _in_threads(work, n):
    """work(0) … work(n − 1), each in its own thread, switching as often as possible."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)


def test_threads_stepping_graphs_that_share_a_leaf_never_conflict():
    # issue: 4-7 of 8 threads failed with "paused while another backward pass walked the
    # same nodes", though nobody paused
    w = Value(0.5, name="w")
    errors, results = [], {}

    def work(k):
        try:
            for _ in range(50):
                y = (w * (k + 1)).tanh() * w + k
                got = [(s.node.name, s.grads) for s in backward_steps(y)]
                leaf = sum(s.upstream for s in backward_steps(y) if s.node is w)
                results[k] = leaf
                assert got
        except Exception as e:  # noqa: BLE001  (collected, asserted below)
            errors.append(repr(e))

    _in_threads(work, 8)
    assert errors == []
    for k, g in results.items():
        t = math.tanh(0.5 * (k + 1))
        assert g == pytest.approx(t + 0.5 * (k + 1) * (1 - t * t), rel=1e-14)


# ----------------------------------------------------------------------------- the reference

def reference_grads(root, seed):
    """Kahn's order over a dict of pending gradients: the walk as the module docstring of
    autograd.walk states it, keyed by node, with nothing on the nodes."""
    left, stack, seen = {}, [root], {root}
    while stack:  # count the recorded edges into each node
        for p in stack.pop().parents:
            if p.requires_grad:
                left[p] = left.get(p, 0) + 1
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
    pending, ready, total = {root: seed}, [root], {}
    while ready:
        node = ready.pop()
        g = total[node] = pending.pop(node)
        if node.op is not None:
            sent = node.op.backward(g, node.data, *[p.data for p in node.parents],
                                    **(node.params or {}))
            for p, gp in zip(node.parents, sent):
                if p.requires_grad:
                    pending[p] = pending[p] + gp if p in pending else gp
                    left[p] -= 1
                    if left[p] == 0:
                        ready.append(p)
    return total


def _random_graph(rng, n_leaves, n_ops, tensor):
    """Leaves and constants, then ops whose inputs are drawn from everything made so far
    (so nodes are shared, used twice by one op, and used at many depths)."""
    if tensor:
        leaves = [Tensor(rng.uniform(0.5, 1.5, (2, 3)), requires_grad=True, name=f"x{i}")
                  for i in range(n_leaves)]
    else:
        leaves = [Value(float(rng.uniform(0.5, 1.5)), name=f"x{i}") for i in range(n_leaves)]
    pool = list(leaves)
    for _ in range(n_ops):
        a = pool[rng.integers(len(pool))]
        b = pool[rng.integers(len(pool))]
        kind = rng.integers(7)
        if kind == 0:
            r = a + b
        elif kind == 1:
            r = a * b
        elif kind == 2:
            r = (a * 0.3).tanh()
        elif kind == 3:
            r = (a * a + 1.0).log()
        elif kind == 4:
            r = a * 0.5 + 2.0  # constants: leaves that do not require grad
        elif kind == 5:
            r = (a * 0.1).exp() - b
        else:
            r = (a * a + 0.5) ** -0.5
        pool.append(r)
    out = pool[-1]
    for r in pool[-4:-1]:
        out = out + r
    return (out.sum() if tensor else out), leaves


@pytest.mark.parametrize("tensor", [False, True], ids=["Value", "Tensor"])
@pytest.mark.parametrize("seed", range(12))
def test_engine_walk_equals_the_reference_walk(seed, tensor):
    rng = np.random.default_rng(seed)
    out, leaves = _random_graph(rng, int(rng.integers(1, 5)), int(rng.integers(1, 40)),
                                tensor)
    one = np.ones_like(out.data) if tensor else 1.0
    ref = reference_grads(out, one)
    # backward(): every node's .grad, the leaves' and the intermediates'
    out.backward()
    for node, g in ref.items():
        np.testing.assert_allclose(node.grad, g, rtol=1e-13, atol=1e-13)
    # the stepper's walk: the same gradient arriving at every node
    steps = {s.node: s.upstream for s in backward_steps(out)}
    assert set(steps) == set(ref)
    for node, g in ref.items():
        np.testing.assert_allclose(steps[node], g, rtol=1e-13, atol=1e-13)
    # grad(), raw and with create_graph (the rules run on nodes)
    for create_graph in (False, True):
        got = grad(out, leaves, create_graph=create_graph)
        for x, g in zip(leaves, got):
            np.testing.assert_allclose(g.data, ref.get(x, 0 * x.data), rtol=1e-13,
                                       atol=1e-13)


def test_create_graph_second_derivatives_match_the_reference_walk_on_the_gradient():
    rng = np.random.default_rng(99)
    out, leaves = _random_graph(rng, 3, 25, False)
    grads = grad(out, leaves, create_graph=True)
    total = grads[0] + grads[1] * 2.0 + grads[2] * 3.0
    ref = reference_grads(total, 1.0)
    second = grad(total, leaves)
    for x, g in zip(leaves, second):
        assert g.data == pytest.approx(ref.get(x, 0.0), rel=1e-12, abs=1e-12)


# ----------------------------------------------------------------------------- edits

def test_data_replaced_after_forward_is_refused_naming_the_node():
    x = Value(2.0, name="x")
    y = x * x
    x.data = 10.0
    with pytest.raises(RuntimeError, match="'x' was replaced after"):
        y.backward()
    with pytest.raises(RuntimeError, match="'x' was replaced"):
        grad(y, [x])
    with pytest.raises(RuntimeError, match="'x' was replaced"):
        list(backward_steps(y))
    assert x.grad == 0.0  # nothing half-done


def test_data_replaced_before_forward_is_fine():
    x = Value(2.0, name="x")
    for _ in range(3):
        y = x * x
        y.backward()
        assert x.grad == pytest.approx(2 * x.data)
        x.grad = 0.0
        x.data = x.data - 0.5  # the training loop's update, between backward passes


def test_tensor_data_replaced_by_another_shape_is_refused():
    w = Tensor(np.ones(3), requires_grad=True, name="w")
    y = (w * 2.0).sum()
    w.data = np.ones((2, 3))
    with pytest.raises(RuntimeError, match="'w' was replaced"):
        y.backward()


def test_a_computed_nodes_data_replaced_is_refused():
    x = Value(2.0)
    y = x.exp()
    y.name = "y"
    z = y * 3.0
    y.data = 1.0
    for root in (y, z):
        with pytest.raises(RuntimeError, match="'y' was replaced"):
            root.backward()


def test_value_data_stays_a_python_float():
    x = Value(1.0)
    x.data = np.float64(2.5)
    assert type(x.data) is float
    with pytest.raises(TypeError, match="real number"):
        x.data = "3"


# ----------------------------------------------------------------------------- API edges

def test_grad_refuses_numbers_as_inputs_or_outputs():
    x = Value(2.0)
    y = x * x
    with pytest.raises(TypeError, match="inputs must be Values or Tensors, got float"):
        grad(y, [2.0])
    with pytest.raises(TypeError, match="outputs must be Values or Tensors"):
        grad(3.0, [x])


def test_grad_outputs_must_match_outputs():
    x = Value(2.0)
    with pytest.raises(ValueError, match="1 grad_outputs for 2 outputs"):
        grad([x * x, x * 3.0], [x], grad_outputs=[1.0])
