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
import threading
import traceback
import warnings
from contextlib import contextmanager, nullcontext

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
# Hot paths below avoid the attribute loads CPython 3.11 cannot specialize (they fall back
# to a full type lookup, ~a third of a scalar op): `obj.slot(...)` method-call syntax on a
# function held in a slot, attributes of classes, `object.__new__`.
_new = object.__new__
_KINDS = {}  # node class -> (data is an ndarray, .grad before any backward)


class Node:
    """A value in the graph: `data`, `grad`, `name`, and how it was made.

    `parents` is a tuple in input order (never a set: drawing and stepping must be
    deterministic), `op` the primitive that made it (None for a leaf), `params` the
    primitive's keyword parameters, `scope` the composite frames it was made inside.
    """

    # Every primitive takes one or two inputs, so the parents live in two slots rather
    # than a tuple: one object per node instead of two halves what the allocator and the
    # garbage collector see (a scalar MLP step makes ~65,000 nodes).  `_walk`, `_left`
    # and `_pending` are a backward walk's working state (see _count).
    __slots__ = ("data", "grad", "name", "_p0", "_p1", "op", "params", "scope",
                 "requires_grad", "origin", "_walk", "_left", "_pending", "__weakref__")

    _grad_zero = None  # what .grad holds before any backward (Value: 0.0, Tensor: None)
    _array = False  # data is an ndarray (Tensor) rather than a Python float (Value)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _KINDS[cls] = (cls._array, cls._grad_zero)

    def _leaf(self, data, name, requires_grad):
        self.data = data
        self.grad = self._grad_zero
        self.name = name
        self._p0 = self._p1 = None
        self.op = None
        self.params = None
        state = _STATE.get()
        self.scope = state[1]
        self.requires_grad = requires_grad
        self.origin = _where() if state[2] else None
        self._walk = None

    @property
    def parents(self):
        """The inputs, in order (read-only: the graph never changes once made)."""
        a = self._p0
        if a is None:
            return ()
        b = self._p1
        return (a,) if b is None else (a, b)

    def _link(self, parents):
        if len(parents) > 2:
            raise ValueError(f"a node has at most two inputs, got {len(parents)}")
        self._p0, self._p1 = (tuple(parents) + (None, None))[:2]

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


def apply(prim, a, b=None, **params):
    """Run primitive `prim` forward on the inputs' data (`a`, and `b` for a binary op)
    and record the node.

    The graph is recorded only while gradients are enabled and some input requires them;
    otherwise the result is a plain leaf (PyTorch's rule, and it keeps no_grad() cheap).
    """
    return _apply(prim, a, b, params or None)


def _apply(prim, a, b, params):
    """apply() with the parameters as a dict or None: Value's operators call it directly,
    since a **params signature builds a dict on every call."""
    enabled, scope, anomaly = _STATE.get()
    forward = prim.forward
    try:  # arity spelled out: this is the hot path of every scalar and array op
        if b is None:
            data = forward(a.data, **params) if params else forward(a.data)
            record = enabled and a.requires_grad
        else:
            data = forward(a.data, b.data, **params) if params else forward(a.data, b.data)
            record = enabled and (a.requires_grad or b.requires_grad)
    except (ArithmeticError, ValueError) as e:
        inputs = (a,) if b is None else (a, b)
        raise DomainError(f"{prim.name}({_describe_inputs(inputs)}): {e}") from None
    cls = type(a)
    array, zero = _KINDS[cls]
    if array and type(data) is not np.ndarray:
        data = np.asarray(data)  # numpy gives 0-d results back as scalars
    if prim.domain is not None:
        prim.domain(prim, (a,) if b is None else (a, b), data)
    out = _new(cls)
    out.data = data
    out.grad = zero
    out.name = None
    if record:
        out._p0 = a
        out._p1 = b
        out.op = prim
        out.params = params
        out.requires_grad = True
    else:
        out._p0 = out._p1 = None
        out.op = None
        out.params = None
        out.requires_grad = False
    out.scope = scope
    out._walk = None
    if anomaly:
        out.origin = _where()
        _check_finite(out, data, "forward value", prim, (a,) if b is None else (a, b))
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

_KINDS[Node] = (Node._array, Node._grad_zero)


class _Walk:
    """A backward walk's token: the nodes it counted carry it in `_walk`."""

    __slots__ = ()


_WALKING = threading.RLock()


def _count(roots):
    """Stamp every node that requires grad, reachable from `roots`, with a new walk token
    and the number of recorded edges that lead into it (`_left`); returns the token.

    The counts and the gradients in flight live on the nodes, not in dicts keyed by node:
    hashing a node per edge was ~40% of a scalar backward.  Walks therefore never overlap:
    each runs under _WALKING (threads take turns), and a paused one (a backward_steps()
    generator, between steps) checks the token on every node it touches, so one that
    meets a node another walk has restamped stops with an error instead of mixing the two.
    """
    token = _Walk()
    # each root once: a root given twice would count its inputs' edges twice, and they
    # would never become ready
    stack = list(dict.fromkeys(roots))
    for r in stack:
        r._walk, r._left, r._pending = token, 0, None
    # depth first; a node's first newly met input is visited next without a trip through
    # the stack (a chain never touches it: an emptied list is reallocated on every push)
    if not stack:
        return token
    pop, push = stack.pop, stack.append
    node = pop()
    while True:
        nxt = None
        p = node._p0
        if p is not None:
            if p.requires_grad:  # the two inputs spelled out: this runs once per edge
                if p._walk is token:
                    p._left += 1
                else:
                    p._walk = token
                    p._left = 1
                    p._pending = None
                    nxt = p
            p = node._p1
            if p is not None and p.requires_grad:
                if p._walk is token:
                    p._left += 1
                else:
                    p._walk = token
                    p._left = 1
                    p._pending = None
                    if nxt is None:
                        nxt = p
                    else:
                        push(p)
        if nxt is not None:
            node = nxt
        elif stack:
            node = pop()
        else:
            break
    return token


def _restamped(node):
    return RuntimeError(
        f"backward_steps() was paused at {_name(node)} while another backward pass "
        "(backward(), grad(), toposort() or a second backward_steps()) walked the same "
        "nodes; the paused walk cannot go on: start it again")


def toposort(roots):
    """Nodes that require grad, every node after all the nodes that consume it (the
    order backward visits them); deterministic, iterative (no recursion limit)."""
    # a tuple without repeats: a generator would be spent by _count, and a root given
    # twice would be listed twice
    roots = (roots,) if isinstance(roots, Node) else tuple(dict.fromkeys(roots))
    with _WALKING:
        _count(roots)
        order = []
        ready = [r for r in reversed(roots) if r._left == 0]
        while ready:
            node = ready.pop()
            order.append(node)
            for p in reversed(node.parents):
                if p.requires_grad:
                    p._left -= 1
                    if p._left == 0:
                        ready.append(p)
    return order


def _steps(roots, seeds, create_graph, into_grad=False, paused=False):
    """The chain rule, once: yields (node, upstream grad, grads sent to its parents).

    A node is processed once every node that consumes it has sent its share (Kahn's
    order, on an explicit stack: a million-node chain needs no recursion).  Raw data
    flows unless create_graph, in which case the rules run on nodes and so record the
    backward pass as a graph of its own (higher-order derivatives).  With `into_grad`
    (backward()) each node's gradient is added to its `.grad` where it would be yielded:
    handing out a step per node was a tenth of a scalar backward.  The caller holds
    _WALKING while the walk runs; `paused` says it lets go between steps (see _count).
    """
    token = _count(roots)
    for r, s in zip(roots, seeds):
        r._pending = s if r._pending is None else r._pending + s
    ready = [r for r in reversed(list(dict.fromkeys(roots))) if r._left == 0]
    pop, push = ready.pop, ready.append
    anomaly = _STATE.get()[2]
    nxt = None
    while True:
        # the first input, once ready, is the next node anyway (it would be on top of
        # the stack): it skips the stack, which a chain then never touches
        if nxt is not None:
            node = nxt
            nxt = None
        elif ready:
            node = pop()
        else:
            return
        if paused and node._walk is not token:
            raise _restamped(node)
        g = node._pending
        node._pending = None  # each gradient is freed as soon as it is used
        op = node.op
        if op is None:
            if not into_grad:
                yield node, g, ()
            elif type(g) is float:
                node.grad = node.grad + g  # Value: inlined, the scalar hot path
            else:
                node._accumulate(g)
            continue
        a = node._p0
        b = node._p1
        params = node.params
        rule = op.backward
        try:  # free on the success path (zero-cost exceptions)
            if create_graph:
                sent = rule(g, node, *node.parents, **(params or {}))
            elif params is not None:
                sent = rule(g, node.data, *[p.data for p in node.parents], **params)
            elif b is None:
                sent = rule(g, node.data, a.data)
            else:
                sent = rule(g, node.data, a.data, b.data)
        except AnomalyError as e:  # a rule run on nodes (create_graph): say whose rule
            where = node.origin or "<made outside detect_anomaly()>"
            raise AnomalyError(f"{e}; in the backward of {op.name}, node created at "
                               f"{where}") from None
        except ArithmeticError as e:  # a float rule at a singular point: 0.0 ** -0.5
            raise DomainError(f"backward of {op.name}({_describe_inputs(node.parents)}): "
                              f"{e}; the derivative is infinite or undefined here") from None
        if anomaly:
            for p, gp in zip(node.parents, sent):
                _check_finite(node, gp.data if create_graph else gp,
                              f"gradient sent to input {_name(p)}", op, node.parents)
        if not into_grad:
            yield node, g, sent
        elif type(g) is float:
            node.grad = node.grad + g
        else:
            node._accumulate(g)
        # the second input is pushed first, so the first is stepped into first; the two
        # inputs are spelled out (no loop, no tuple): this runs once per edge
        if b is not None and b.requires_grad:
            if paused and b._walk is not token:
                raise _restamped(b)
            prev = b._pending
            # accumulate, never in place: add's rule hands one buffer to both inputs
            b._pending = sent[1] if prev is None else prev + sent[1]
            left = b._left
            if left == 1:  # its last consumer: ready (the count is not needed again)
                push(b)
            else:
                b._left = left - 1
        if a.requires_grad:
            if paused and a._walk is not token:
                raise _restamped(a)
            prev = a._pending
            a._pending = sent[0] if prev is None else prev + sent[0]
            left = a._left
            if left == 1:
                nxt = a
            else:
                a._left = left - 1


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


def _seed(node, grad, keep_node=False):
    """The raw seed gradient for `node`, checked; a seed given as a node is kept as the
    node itself when `keep_node` (create_graph: the result then depends on it too)."""
    if not node.requires_grad:
        raise RuntimeError(
            f"backward() on {_name(node)}: no graph was recorded for it (it was computed "
            "under no_grad(), or from inputs none of which requires grad)")
    if isinstance(grad, Node):
        raw = node._seed(grad.data)  # checks kind and shape
        if not keep_node:
            return raw
        if type(grad) is not type(node):
            raise TypeError(f"the seed for a {type(node).__name__} output must be a "
                            f"{type(node).__name__}, got a {type(grad).__name__}")
        return grad
    return node._seed(grad)


def backward_steps(root, grad=None):
    """Generator of the backward pass from `root`, one `Step` per node, in the order the
    chain rule visits them.  Touches no `.grad`; `backward()` drains the same walk."""
    walk = _steps((root,), (_seed(root, grad),), False, paused=True)
    for i in itertools.count():
        with _WALKING:  # one step at a time: the caller's code runs between steps
            step = next(walk, None)
        if step is None:
            return
        yield Step(i, *step)


def backward(root, grad=None):
    """Seed `root` with `grad` (1 for a scalar) and accumulate into every upstream .grad.

    A second call accumulates again, as in PyTorch; reset with `node.grad = 0.0` / None.
    """
    seed = _seed(root, grad)
    with _WALKING:
        for _ in _steps((root,), (seed,), False, into_grad=True):
            pass  # the walk adds to .grad itself and yields nothing


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
    seeds = [_seed(o, g, create_graph) for o, g in zip(outputs, grad_outputs)]
    if create_graph:
        seeds = [s if isinstance(s, Node) else o._like(s) for o, s in zip(outputs, seeds)]
    wanted = {x: None for x in inputs}
    # raw gradients make no nodes, so only create_graph needs recording switched on
    with _WALKING, _state(enabled=True) if create_graph else nullcontext():
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
