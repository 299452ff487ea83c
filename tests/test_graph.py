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
