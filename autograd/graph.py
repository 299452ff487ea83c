"""The graph core: one node type, one place that makes nodes, one walk backwards.

A node points to its parents (inputs) and never the other way round, so a graph has no
reference cycles: dropping the output frees every intermediate node at once, with no help
from the garbage collector (micrograd's closures form cycles, which is most of its cost).

The chain rule is written once, in `_steps`.  `backward()`, `grad()` and the public
`backward_steps()` generator (which the renderer's stepper replays) all drain it.
"""
import contextvars
import itertools
import math
import os
import sys
import traceback
import warnings
from contextlib import contextmanager

import numpy as np

__all__ = [
    "Node", "Step", "apply", "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly",
    "composite", "current_scope", "toposort", "backward_steps", "backward", "grad",
    "AnomalyError", "DomainError", "GraphgradWarning",
]


class AnomalyError(FloatingPointError):
    """Raised by detect_anomaly() at the first node whose value or gradient is nan/inf."""


class DomainError(ValueError):
    """A scalar primitive received an input outside its domain (log of 0, 1/0, ...)."""


class GraphgradWarning(RuntimeWarning):
    """An array primitive received inputs outside its domain and produced nan/inf."""


# One ContextVar holds (grad enabled, scope stack, anomaly mode): a node costs one lookup,
# and threads / async tasks each see their own setting.
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_STATE = contextvars.ContextVar("graphgrad_state", default=(True, (), False))
_uid = itertools.count(1)


class Node:
    """A value in the graph: `data`, `grad`, `name`, and how it was made.

    `parents` is a tuple in input order (never a set: drawing and stepping must be
    deterministic), `op` the primitive that made it (None for a leaf), `params` the
    primitive's keyword parameters, `scope` the composite frames it was made inside.
    """

    __slots__ = ("data", "grad", "name", "parents", "op", "params", "scope",
                 "requires_grad", "origin", "__weakref__")

    _grad_zero = None  # what .grad holds before any backward (Value: 0.0, Tensor: None)
    _array = False  # data is an ndarray (Tensor) rather than a Python float (Value)

    def _leaf(self, data, name, requires_grad):
        self.data = data
        self.grad = self._grad_zero
        self.name = name
        self.parents = ()
        self.op = None
        self.params = None
        state = _STATE.get()
        self.scope = state[1]
        self.requires_grad = requires_grad
        self.origin = _where() if state[2] else None

    @property
    def is_leaf(self):
        return self.op is None

    def backward(self, grad=None):
        backward(self, grad)

    def _like(self, data):
        """A new constant leaf of this node's kind (used for raw gradients and constants)."""
        if self._array and type(data) is not np.ndarray:
            data = np.asarray(data)  # raw 0-d gradients arrive as numpy scalars
        out = object.__new__(type(self))
        out._leaf(data, None, type(self)._grad_zero is not None)
        return out


def apply(prim, *inputs, **params):
    """Run primitive `prim` forward on the inputs' data and record the node.

    The graph is recorded only while gradients are enabled and some input requires them;
    otherwise the result is a plain leaf (PyTorch's rule, and it keeps no_grad() cheap).
    """
    enabled, scope, anomaly = _STATE.get()
    a = inputs[0]
    try:  # arity spelled out: this is the hot path of every scalar and array op
        if len(inputs) == 2:
            b = inputs[1]
            data = prim.forward(a.data, b.data, **params)
            record = enabled and (a.requires_grad or b.requires_grad)
        else:
            data = prim.forward(a.data, **params)
            record = enabled and a.requires_grad
    except (ArithmeticError, ValueError) as e:
        raise DomainError(f"{prim.name}({_describe_inputs(inputs)}): {e}") from None
    cls = type(a)
    if cls._array and type(data) is not np.ndarray:
        data = np.asarray(data)  # numpy gives 0-d results back as scalars
    if prim.domain is not None:
        prim.domain(prim, inputs, data)
    out = object.__new__(cls)
    out.data = data
    out.grad = cls._grad_zero
    out.name = None
    if record:
        out.parents = inputs
        out.op = prim
        out.params = params or None
        out.requires_grad = True
    else:
        out.parents = ()
        out.op = None
        out.params = None
        out.requires_grad = False
    out.scope = scope
    if anomaly:
        out.origin = _where()
        _check_finite(out, data, "forward value", prim, inputs)
    else:
        out.origin = None
    return out


# ----------------------------------------------------------------------------- modes

@contextmanager
def _state(**changes):
    enabled, scope, anomaly = _STATE.get()
    token = _STATE.set((changes.get("enabled", enabled), changes.get("scope", scope),
                        changes.get("anomaly", anomaly)))
    try:
        yield
    finally:
        _STATE.reset(token)


def no_grad():
    """Context manager: nothing computed inside is recorded (evaluation, updates)."""
    return _state(enabled=False)


def enable_grad():
    """Context manager: record again inside a no_grad() block."""
    return _state(enabled=True)


def is_grad_enabled():
    return _STATE.get()[0]


def detect_anomaly():
    """Context manager: raise AnomalyError at the first nan/inf value or gradient.

    Nodes made inside remember the line that created them, so the error can say where.
    """
    return _state(anomaly=True)


def current_scope():
    return _STATE.get()[1]


def composite(name):
    """Decorator: every node the function makes (constants too) carries the frame
    (name, uid) in its scope, so a renderer can draw the call as one box or open it up.
    Frames nest: softmax_with_loss > softmax > primitives."""
    def decorate(fn):
        def wrapper(*args, **kwargs):
            enabled, scope, anomaly = _STATE.get()
            token = _STATE.set((enabled, scope + ((name, next(_uid)),), anomaly))
            try:
                return fn(*args, **kwargs)
            finally:
                _STATE.reset(token)
        wrapper.__name__ = fn.__name__
        wrapper.__qualname__ = fn.__qualname__
        wrapper.__doc__ = fn.__doc__
        wrapper.__module__ = fn.__module__
        wrapper.__wrapped__ = fn
        wrapper.composite_name = name
        return wrapper
    return decorate


# ----------------------------------------------------------------------------- traversal

def _consumers(roots):
    """For every node that requires grad, how many recorded edges lead into it."""
    count = dict.fromkeys(roots, 0)
    stack = list(roots)
    pop, push, get = stack.pop, stack.append, count.get
    while stack:
        for p in pop().parents:
            if p.requires_grad:
                c = get(p)
                if c is None:
                    count[p] = 1
                    push(p)
                else:
                    count[p] = c + 1
    return count


def toposort(roots):
    """Nodes that require grad, every node after all the nodes that consume it (the
    order backward visits them); deterministic, iterative (no recursion limit)."""
    # a tuple without repeats: a generator would be spent by _consumers, and a root
    # given twice would be listed twice
    roots = (roots,) if isinstance(roots, Node) else tuple(dict.fromkeys(roots))
    count = _consumers(roots)
    order = []
    ready = [r for r in reversed(roots) if count[r] == 0]
    while ready:
        node = ready.pop()
        order.append(node)
        for p in reversed(node.parents):
            if p.requires_grad:
                c = count[p] - 1
                count[p] = c
                if c == 0:
                    ready.append(p)
    return order


def _steps(roots, seeds, create_graph):
    """The chain rule, once: yields (node, upstream grad, grads sent to its parents).

    A node is processed once every node that consumes it has sent its share (Kahn's
    order, on an explicit stack: a million-node chain needs no recursion).  Raw data
    flows unless create_graph, in which case the rules run on nodes and so record the
    backward pass as a graph of its own (higher-order derivatives).
    """
    count = _consumers(roots)
    grads = {}
    for r, s in zip(roots, seeds):
        grads[r] = s if r not in grads else grads[r] + s
    ready = [r for r in reversed(list(dict.fromkeys(roots))) if count[r] == 0]
    pop, push, get = ready.pop, ready.append, grads.get
    anomaly = _STATE.get()[2]
    while ready:
        node = pop()
        g = grads.pop(node)  # popping frees each gradient as soon as it is used
        op = node.op
        if op is None:
            yield node, g, ()
            continue
        parents = node.parents
        params = node.params
        try:  # free on the success path (zero-cost exceptions)
            if create_graph:
                sent = op.backward(g, node, *parents, **(params or {}))
            elif params is None:
                if len(parents) == 2:
                    sent = op.backward(g, node.data, parents[0].data, parents[1].data)
                else:
                    sent = op.backward(g, node.data, parents[0].data)
            else:
                sent = op.backward(g, node.data, *[p.data for p in parents], **params)
        except AnomalyError as e:  # a rule run on nodes (create_graph): say whose rule
            where = node.origin or "<made outside detect_anomaly()>"
            raise AnomalyError(f"{e}; in the backward of {op.name}, node created at "
                               f"{where}") from None
        except ArithmeticError as e:  # a float rule at a singular point: 0.0 ** -0.5
            raise DomainError(f"backward of {op.name}({_describe_inputs(parents)}): {e}; "
                              "the derivative is infinite or undefined here") from None
        if anomaly:
            for p, gp in zip(parents, sent):
                _check_finite(node, gp.data if create_graph else gp,
                              f"gradient sent to input {_name(p)}", op, parents)
        yield node, g, sent
        for i in _REVERSED[len(parents)]:  # the first input is stepped into first
            p = parents[i]
            if p.requires_grad:
                prev = get(p)
                # accumulate, never in place: add's rule hands one buffer to both inputs
                grads[p] = sent[i] if prev is None else prev + sent[i]
                c = count[p]
                if c == 1:
                    push(p)
                else:
                    count[p] = c - 1


_REVERSED = {n: tuple(range(n - 1, -1, -1)) for n in range(1, 9)}


class Step:
    """One step of the backward pass, as the book draws it: at `node`, the gradient that
    arrived from above (`upstream`), times the local derivative, gives `grads`, one per
    input (`inputs`).  `local` is computed on demand (upstream 1)."""

    __slots__ = ("index", "node", "upstream", "grads")

    def __init__(self, index, node, upstream, grads):
        self.index, self.node, self.upstream, self.grads = index, node, upstream, grads

    @property
    def op(self):
        return self.node.op

    @property
    def inputs(self):
        return self.node.parents

    @property
    def local(self):
        """The local derivative of the node with respect to each input (upstream = 1)."""
        op = self.node.op
        if op is None:
            return ()
        # the node's own data gives the kind and shape: an array upstream may arrive as a
        # numpy scalar (0-d arithmetic returns those), and 1.0 has no .reshape for Σ's rule
        one = np.ones_like(self.node.data) if self.node._array else 1.0
        return op.backward(one, self.node.data, *[p.data for p in self.node.parents],
                           **(self.node.params or {}))

    @property
    def formula(self):
        op = self.node.op
        return op.formula if op is not None else ""

    def __repr__(self):
        op = self.node.op.name if self.node.op else "leaf"
        return f"Step({self.index}, {op} {_name(self.node)}, upstream={self.upstream!r})"


def _seed(node, grad):
    if not node.requires_grad:
        raise RuntimeError(
            f"backward() on {_name(node)}: no graph was recorded for it (it was computed "
            "under no_grad(), or from inputs none of which requires grad)")
    return node._seed(grad)


def backward_steps(root, grad=None):
    """Generator of the backward pass from `root`, one `Step` per node, in the order the
    chain rule visits them.  Touches no `.grad`; `backward()` drains the same walk."""
    for i, (node, g, sent) in enumerate(_steps((root,), (_seed(root, grad),), False)):
        yield Step(i, node, g, sent)


def backward(root, grad=None):
    """Seed `root` with `grad` (1 for a scalar) and accumulate into every upstream .grad.

    A second call accumulates again, as in PyTorch; reset with `node.grad = 0.0` / None.
    """
    for node, g, _ in _steps((root,), (_seed(root, grad),), False):
        if type(g) is float:
            node.grad = node.grad + g  # Value: inlined, the scalar hot path
        else:
            node._accumulate(g)


def grad(outputs, inputs, create_graph=False, grad_outputs=None):
    """d(outputs)/d(inputs) as a tuple of nodes, one per input; `.grad` is not touched.

    With create_graph=True the result is itself a recorded graph, so it can be
    differentiated again (second derivatives, Newton's method) or drawn.
    """
    single = isinstance(inputs, Node)
    outputs = (outputs,) if isinstance(outputs, Node) else tuple(outputs)
    inputs = (inputs,) if single else tuple(inputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif isinstance(grad_outputs, Node) or not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = (grad_outputs,)
    seeds = [_seed(o, g) for o, g in zip(outputs, grad_outputs)]
    if create_graph:
        seeds = [s if isinstance(s, Node) else o._like(s) for o, s in zip(outputs, seeds)]
    wanted = {x: None for x in inputs}
    with _state(enabled=True) if create_graph else _state():
        for node, g, _ in _steps(outputs, seeds, create_graph):
            if node in wanted:
                wanted[node] = g
    result = []
    for x in inputs:
        g = wanted[x]
        if g is None:  # x does not influence the outputs: its gradient is zero
            g = np.zeros_like(x.data) if isinstance(x.data, np.ndarray) else 0.0
        if not isinstance(g, Node):
            g = x._like(g)
        result.append(g)
    return tuple(result)


# ----------------------------------------------------------------------------- diagnostics

def _name(node):
    if node.name:
        return repr(node.name)
    if node.op is not None:
        return f"the output of {node.op.name}"
    return "a leaf"


def _describe_inputs(inputs):
    parts = []
    for x in inputs:
        d = x.data
        shown = f"array{d.shape}" if isinstance(d, np.ndarray) else f"{d!r}"
        parts.append(f"{x.name}={shown}" if x.name else shown)
    return ", ".join(parts)


def _where():
    """The first stack frame outside this package: where the user made the node."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        # by directory, not by a "/autograd/" substring: a checkout may itself live in a
        # directory called autograd, and then every frame would match
        if not frame.filename.startswith(_PACKAGE_DIR):
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return "<unknown>"


def _check_finite(node, data, what, prim, inputs):
    ok = math.isfinite(data) if isinstance(data, float) else bool(np.isfinite(data).all())
    if not ok:
        where = node.origin or "<made outside detect_anomaly()>"
        raise AnomalyError(
            f"{what} of {prim.name} is nan/inf; inputs: {_describe_inputs(inputs)}; "
            f"node created at {where}")


def warn_domain(prim, inputs, message):
    # point the warning at the user's line, however deep the package's own frames go
    # (Tensor.log -> apply -> hook, or a composite's wrapper around all of that)
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        level, frame = level + 1, frame.f_back
    warnings.warn(f"{prim.name}({_describe_inputs(inputs)}): {message}", GraphgradWarning,
                  stacklevel=level)
