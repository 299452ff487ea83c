"""The graph core: modes, the read-only graph, memory, anomaly mode, postorder()."""
import asyncio
import gc
import inspect
import math
import threading
import weakref

import numpy as np
import pytest

import autograd
from autograd import (
    AnomalyError,
    GraphgradWarning,
    Tensor,
    Value,
    backward_steps,
    detect_anomaly,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
)

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
            release.wait(60)  # the main thread's checks, on however busy a machine

    thread = threading.Thread(target=quiet)
    thread.start()
    try:
        assert entered.wait(60)
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


def test_parents_are_read_only():
    x = Value(2.0)
    y = x * x
    assert y.parents == (x, x) and x.parents == ()
    with pytest.raises(AttributeError):
        y.parents = ()


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


# ----------------------------------------------------------------------------- in-place writes

def _written(statement, **names):
    """Run `statement` (an in-place write into an array); the ValueError numpy raises for
    a read-only array, or None when the write went through."""
    try:
        exec(statement, {"np": np}, names)
    except ValueError as e:
        return e
    return None


@pytest.mark.parametrize("statement", ["w.data[...] = 0", "d = w.data\nd -= 0.5",
                                       "np.multiply(w.data, 2, out=w.data)",
                                       "w.data.fill(3.0)"])
def test_an_in_place_write_into_a_saved_array_is_refused(statement):
    # the cases: without the lock backward gave [0, 0] and [1, 3]
    w = Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    error = _written(statement, w=w)
    assert error is not None and "read-only" in str(error)
    loss.backward()
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])
    np.testing.assert_array_equal(w.data, [1.0, 2.0])


def test_the_output_a_rule_reads_is_locked_too():
    # exp's rule reads its own output: writing into it would change the gradient
    x = Tensor([0.0, 1.0], requires_grad=True)
    y = x.exp()
    assert _written("y.data[0] = 0.0", y=y) is not None
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.exp([0.0, 1.0]))


def test_a_walk_gives_the_leaves_back_for_the_update():
    # after backward (or grad()) the parameter update in place works, as the book's and
    # micrograd's loops do it: p.data -= lr * p.grad
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    w.data -= 0.5 * w.grad
    np.testing.assert_array_equal(w.data, [0.0, 0.0])
    v = Tensor([3.0], requires_grad=True)
    (g,) = grad((v * v).sum(), [v])
    assert _written("v.data[...] -= g", v=v, g=g.data) is None
    np.testing.assert_array_equal(v.data, [-3.0])


def test_a_second_backward_after_the_update_is_refused():
    # the update goes through the .data setter, which stamps the leaf: the old graph
    # would combine the new value with the old intermediate ones
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    loss = (w * w).sum()
    loss.backward()
    w.data -= 0.1 * w.grad
    with pytest.raises(RuntimeError, match="'w' was replaced"):
        loss.backward()


def test_the_callers_array_stays_writable_and_read_only_stays_read_only():
    W = np.array([1.0, 2.0])
    w = Tensor(W, requires_grad=True)
    loss = (w * w).sum()
    assert np.shares_memory(w.data, W) and W.flags.writeable  # the optimizer's path
    loss.backward()
    frozen = np.array([1.0, 2.0])
    frozen.flags.writeable = False
    f = Tensor(frozen, requires_grad=True)
    (f * f).sum().backward()
    assert not f.data.flags.writeable and not frozen.flags.writeable


def test_nothing_is_locked_where_nothing_is_recorded():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        y = w * w
    c = Tensor([1.0, 2.0])
    z = c * c
    for node in (w, y, c, z):
        assert node.data.flags.writeable
    v = Value(2.0)
    (v * v).backward()
    v.data -= 0.1 * v.grad  # a float: nothing to lock
    assert v.data == pytest.approx(1.6)
