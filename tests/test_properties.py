"""Hypothesis: random Tensor graphs (shared sub-expressions, broadcasting) against
central differences and, when torch is importable, against torch in float64."""
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autograd import Tensor, backward_steps, grad, no_grad

try:
    import torch
except ImportError:  # optional: ./run test installs it when pip can get it
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not importable "
                                 "(optional: pip install graphgrad[torch])")

LEAF_SHAPES = [(3, 1), (1, 4), (4,), (3, 4), ()]
LIMIT = 50.0  # reject graphs whose values grow past this: differences lose digits
KINK = 1e-4  # relu inputs this close to 0 make central differences meaningless
SETTINGS = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.filter_too_much])


class Engine:
    """The ops a program uses, on our Tensors."""
    exp = staticmethod(lambda a: a.exp())
    log = staticmethod(lambda a: a.log())
    tanh = staticmethod(lambda a: a.tanh())
    sigmoid = staticmethod(lambda a: a.sigmoid())
    relu = staticmethod(lambda a: a.relu())
    transpose = staticmethod(lambda a: a.T)

    @staticmethod
    def reduce(a, how, axis, keepdims):
        return getattr(a, how)(axis=axis, keepdims=keepdims)


class Torch(Engine):
    """The same ops on torch tensors (only the spellings differ)."""
    relu = staticmethod(lambda a: torch.relu(a))
    transpose = staticmethod(lambda a: a.permute(tuple(reversed(range(a.ndim)))))

    @staticmethod
    def reduce(a, how, axis, keepdims):
        f = getattr(a, how)
        if axis is None:
            return f().reshape((1,) * a.ndim) if keepdims else f()
        return f(dim=axis, keepdim=keepdims)


def _const(a, c, how):
    if how == 0:
        return a * c
    if how == 1:
        return c - a
    if how == 2:
        return a + c
    return c / (a * a + 1.0)


def evaluate(program, leaves, ops, check=None):
    """Run `program` (a list of steps naming earlier results by index) on `leaves`; the
    output is Σ of every result times a fixed weight, so every branch counts."""
    pool = list(leaves)
    for op, i, j, arg in program:
        a, b = pool[i], pool[j]
        if op == "add":
            r = a + b
        elif op == "sub":
            r = a - b
        elif op == "mul":
            r = a * b
        elif op == "div":
            r = a / (b * b + 0.5)  # a positive denominator
        elif op == "const":  # a Python number on either side
            r = _const(a, arg, j % 4)
        elif op == "log":
            r = ops.log(a * a + 0.5)
        elif op == "relu":
            if check is not None:
                check("relu", a)
            r = ops.relu(a)
        elif op in ("exp", "tanh", "sigmoid"):
            r = getattr(ops, op)(a)
        elif op in ("sum", "mean"):
            r = ops.reduce(a, op, *arg)
        elif op == "matmul":
            r = a @ b
        elif op == "reshape":
            r = a.reshape(arg)
        else:
            r = ops.transpose(a)
        if check is not None:
            check("value", r)
        pool.append(r)
    total = None
    for k, r in enumerate(pool[len(leaves):]):
        term = (r * (0.5 + 0.1 * k)).sum()
        total = term if total is None else total + term
    return total


@st.composite
def programs(draw):
    """A program and its leaf data; shapes are tracked so every step is valid."""
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    shapes = list(LEAF_SHAPES)
    program = []
    for _ in range(draw(st.integers(1, 14))):
        i = draw(st.integers(0, len(shapes) - 1))
        a = shapes[i]
        choices = ["add", "sub", "mul", "div", "const", "exp", "log", "tanh", "sigmoid",
                   "relu", "sum", "mean", "reshape", "transpose", "matmul"]
        op = draw(st.sampled_from(choices))
        j, arg, out = i, None, a
        if op in ("add", "sub", "mul", "div"):
            j = draw(st.integers(0, len(shapes) - 1))
            try:
                out = np.broadcast_shapes(a, shapes[j])
            except ValueError:
                op, out = "tanh", a
        elif op == "const":
            j = draw(st.integers(0, 3))
            arg = draw(st.sampled_from([-2.0, -0.5, 0.75, 3.0]))
        elif op in ("sum", "mean"):
            axis = draw(st.sampled_from([None] + list(range(-len(a), len(a)))))
            keepdims = draw(st.booleans())
            arg = (axis, keepdims)
            out = np.zeros(a).sum(axis=axis, keepdims=keepdims).shape
        elif op == "reshape":
            size = int(np.prod(a))
            options = [s for s in [(size,), (1, size), (size, 1), (2, size // 2),
                                   (size // 2, 2), (2, 2, size // 4)]
                       if int(np.prod(s)) == size]
            arg = draw(st.sampled_from(options))
            out = arg
        elif op == "transpose":
            out = a[::-1]
        elif op == "matmul":
            partners = [k for k, s in enumerate(shapes)
                        if a and 1 <= len(a) <= 2 and 1 <= len(s) <= 2 and s[0] == a[-1]]
            if partners:
                j = draw(st.sampled_from(partners))
                out = np.zeros(a) @ np.zeros(shapes[j])
                out = out.shape
            else:
                op = "exp"
        program.append((op, i, j, arg))
        shapes.append(tuple(out))
    leaves = [rng.normal(size=s) for s in LEAF_SHAPES]
    return program, leaves


def _checker():
    def check(what, node):
        data = node.data if isinstance(node, Tensor) else node.detach().numpy()
        if what == "relu":
            assume(np.all(np.abs(data) > KINK))
        else:
            assume(np.all(np.isfinite(data)) and np.all(np.abs(data) < LIMIT))
    return check


def _engine_grads(program, leaves):
    xs = [Tensor(x.copy(), requires_grad=True) for x in leaves]
    out = evaluate(program, xs, Engine, check=_checker())
    out.backward()
    return out, xs


@SETTINGS
@given(programs())
def test_random_graphs_against_central_differences(case):
    program, leaves = case
    out, xs = _engine_grads(program, leaves)

    def f(arrays):
        with no_grad():
            return float(evaluate(program, [Tensor(a) for a in arrays], Engine).data)

    eps = 1e-6
    for k, x in enumerate(leaves):
        numeric = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            plus, minus = [a.copy() for a in leaves], [a.copy() for a in leaves]
            plus[k][idx] += eps
            minus[k][idx] -= eps
            numeric[idx] = (f(plus) - f(minus)) / (2 * eps)
        assert xs[k].grad is None or xs[k].grad.shape == x.shape
        engine = np.zeros_like(x) if xs[k].grad is None else xs[k].grad
        np.testing.assert_allclose(engine, numeric, rtol=1e-5, atol=1e-5)

    # the three ways to get gradients agree: backward(), grad(), the stepper's sum
    again = [Tensor(x.copy(), requires_grad=True) for x in leaves]
    g = grad(evaluate(program, again, Engine), again)
    for x, gx in zip(xs, g):
        np.testing.assert_allclose(gx.data, 0 if x.grad is None else x.grad, rtol=1e-13,
                                   atol=1e-13)
    received = {}
    for s in backward_steps(out):
        for p, gp in zip(s.node.parents, s.grads):
            received[p] = received.get(p, 0) + gp
    for x in xs:
        if x.grad is not None:
            np.testing.assert_allclose(received[x], x.grad, rtol=1e-13, atol=1e-13)


@needs_torch
@SETTINGS
@given(programs())
def test_random_graphs_against_torch(case):
    program, leaves = case
    out, xs = _engine_grads(program, leaves)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    ref = evaluate(program, ts, Torch)
    ref.backward()
    assert float(out.data) == pytest.approx(ref.item(), rel=1e-10, abs=1e-10)
    for x, t in zip(xs, ts):
        expected = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(t.shape) if x.grad is None else x.grad
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-10)

    # second order: a Hessian-vector product through create_graph, against torch's
    xs = [Tensor(x.copy(), requires_grad=True) for x in leaves]
    first = grad(evaluate(program, xs, Engine), xs, create_graph=True)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    tfirst = torch.autograd.grad(evaluate(program, ts, Torch), ts, create_graph=True,
                                 allow_unused=True)
    rng = np.random.default_rng(0)
    vs = [rng.normal(size=x.shape) for x in leaves]
    pairs = [(g, v) for g, v in zip(first, vs) if g.requires_grad]
    hv = grad([g for g, _ in pairs], xs, grad_outputs=[v for _, v in pairs]) if pairs \
        else [Tensor(np.zeros(x.shape)) for x in leaves]
    tsum = sum((tg * torch.tensor(v)).sum() for tg, v in zip(tfirst, vs)
               if tg is not None and tg.requires_grad)
    thv = torch.autograd.grad(tsum, ts, allow_unused=True) if torch.is_tensor(tsum) \
        else [None] * len(ts)
    for h, th, t in zip(hv, thv, ts):
        expected = np.zeros(t.shape) if th is None else th.detach().numpy()
        np.testing.assert_allclose(h.data, expected, rtol=1e-8, atol=1e-9)
