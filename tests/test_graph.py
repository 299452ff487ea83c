"""The graph core: traversal, accumulation, modes, grad(), the stepper, memory."""
import asyncio
import gc
import inspect
import math
import subprocess
import sys
import textwrap
import threading
import weakref

import numpy as np
import pytest

import autograd
from autograd import (
    AnomalyError,
    GraphgradWarning,
    Step,
    Tensor,
    Value,
    backward_steps,
    detect_anomaly,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    toposort,
)


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


# ----------------------------------------------------------------------------- modes

def test_no_grad_records_nothing():
    x = Value(2.0)
    t = Tensor([1.0], requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = x * x + 1
        u = (t * 2).sum()
        with enable_grad():
            z = x * x
    assert is_grad_enabled()
    for n in (y, u):
        assert n.is_leaf and n.parents == () and not n.requires_grad
        with pytest.raises(RuntimeError, match=r"no_grad\(\)"):
            n.backward()
    assert z.op is not None and z.parents == (x, x)
    assert y.data == 5.0


def test_no_grad_is_per_thread():
    seen = {}

    def worker():
        seen["enabled"] = is_grad_enabled()
        seen["recorded"] = not (Value(1.0) * 2).is_leaf

    with no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert not is_grad_enabled()
    assert seen == {"enabled": True, "recorded": True}

    # and a thread inside no_grad() does not switch recording off for this one
    entered, release = threading.Event(), threading.Event()

    def quiet():
        with no_grad():
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=quiet)
    thread.start()
    try:
        assert entered.wait(5)
        assert is_grad_enabled() and not (Value(1.0) * 2).is_leaf
    finally:
        release.set()
        thread.join()


def test_no_grad_is_per_async_task():
    async def evaluate(flags, started, go_on):
        with no_grad():
            started.set()
            await go_on.wait()
            flags.append(is_grad_enabled())

    async def train(flags, started, go_on):
        await started.wait()
        flags.append(is_grad_enabled())
        go_on.set()

    async def main():
        flags, started, go_on = [], asyncio.Event(), asyncio.Event()
        await asyncio.gather(evaluate(flags, started, go_on), train(flags, started, go_on))
        return flags

    assert asyncio.run(main()) == [True, False]


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


def test_parents_are_read_only():
    x = Value(2.0)
    y = x * x
    assert y.parents == (x, x) and x.parents == ()
    with pytest.raises(AttributeError):
        y.parents = ()


def test_a_paused_backward_steps_refuses_to_mix_with_another_walk():
    f, nodes = _graph()
    steps = backward_steps(f)
    first = [next(steps) for _ in range(3)]
    f.backward()  # walks the same nodes while the generator is paused
    with pytest.raises(RuntimeError, match="paused .* start it again"):
        list(steps)
    # nothing was mixed into the finished walk, and a fresh walk works
    assert [s.node for s in backward_steps(f)][:3] == [s.node for s in first]
    received = {}
    for s in backward_steps(f):
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

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert errors == []


# ----------------------------------------------------------------------------- memory

def test_dropping_the_output_frees_every_intermediate():
    gc.collect()
    gc.disable()  # so only reference counting can free them: proves there are no cycles
    try:
        x = Tensor([1.0, 2.0], requires_grad=True)
        h = (x * 2).exp()
        out = (h * h.sigmoid()).sum()
        ref = weakref.ref(h)
        del h
        out.backward()
        list(backward_steps(out))
        (g,) = grad(out, [x], create_graph=True)
        assert ref() is not None
        del out, g
        assert ref() is None

        v = Value(0.5)
        y = v.tanh() * v
        ref = weakref.ref(y.parents[0])
        y.backward()
        del y
        assert ref() is None
    finally:
        gc.enable()


# ----------------------------------------------------------------------------- anomaly

def test_detect_anomaly_names_op_inputs_and_line_forward():
    x = Tensor([-1.0, 2.0], requires_grad=True, name="x")
    with detect_anomaly(), pytest.warns(GraphgradWarning):
        with pytest.raises(AnomalyError) as info:
            line = inspect.currentframe().f_lineno + 1
            x.log()
    message = str(info.value)
    assert "forward value of log" in message and "x=array(2,)" in message
    assert f"test_graph.py:{line}" in message


def test_detect_anomaly_names_op_inputs_and_line_backward():
    with detect_anomaly():
        x = Value(1e10, name="x")
        line = inspect.currentframe().f_lineno + 1
        y = x * x  # finite: 1e20
        with pytest.raises(AnomalyError) as info:
            y.backward(1e300)  # 1e300 · 1e10 overflows
    message = str(info.value)
    assert "gradient sent to input 'x' of mul" in message
    assert "x=10000000000.0" in message
    assert f"test_graph.py:{line}" in message

    t = Tensor([0.0, 4.0], requires_grad=True, name="t")
    with detect_anomaly(), np.errstate(divide="ignore"):
        line = inspect.currentframe().f_lineno + 1
        s = (t ** 0.5).sum()  # 0 forward, infinite slope at 0
        with pytest.raises(AnomalyError, match=f"of pow .*test_graph.py:{line}"):
            s.backward()


def test_detect_anomaly_with_create_graph():
    with detect_anomaly():
        x = Value(1e10, name="x")
        line = inspect.currentframe().f_lineno + 1
        y = x * x
        with pytest.raises(AnomalyError) as info:
            grad(y, [x], create_graph=True, grad_outputs=1e300)
    # the backward graph's own node (made by grad()) and the forward node whose rule it is
    message = str(info.value)
    assert f"test_graph.py:{line + 2} " in message
    assert f"in the backward of mul, node created at {__file__}:{line} " in message


def test_detect_anomaly_is_off_by_default_and_scoped():
    x = Value(1000.0)
    assert x.exp().data == math.inf  # no error outside the block
    y = Value(1e10) * Value(1e10)
    with detect_anomaly():
        with pytest.raises(AnomalyError, match="exp"):
            x.exp()
        # the graph was made outside the block, so the error cannot say where
        with pytest.raises(AnomalyError, match="made outside detect_anomaly"):
            y.backward(1e300)
    assert x.exp().origin is None


def test_detect_anomaly_does_not_fire_on_finite_graphs():
    with detect_anomaly():
        x = Value(0.5)
        y = (x.sigmoid() * x.exp()).tanh()
        y.backward()
        (g,) = grad(y, [x], create_graph=True)
        grad(g, [x])
    assert math.isfinite(x.grad)
    assert autograd.graph.current_scope() == ()
