"""The graph core: one node type, one place that makes nodes, the modes and scopes.

A node points to its parents (inputs) and never the other way round, so a graph has no
reference cycles: dropping the output frees every intermediate node at once, with no help
from the garbage collector (micrograd's closures form cycles, which is most of its cost).

The walk backwards, the chain rule, is in `autograd.walk`; `postorder()` here is the one
traversal every other walk (the renderer's, the symbolic mode's, the stepper's) uses.
"""
import contextvars
import itertools
import math
import numbers
import os
import sys
import traceback
import warnings
import weakref
from contextlib import contextmanager

import numpy as np

from autograd.errors import AnomalyError, DomainError, GraphgradWarning

__all__ = [
    "Node", "apply", "constant", "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly",
    "composite", "current_scope", "postorder", "COMPOSITES", "Composite",
]


# One ContextVar holds (grad enabled, scope stack, anomaly mode): a node costs one lookup,
# and threads / async tasks each see their own setting.
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_STATE = contextvars.ContextVar("graphgrad_state", default=(True, (), False))
_uid = itertools.count(1)
# Hot paths below avoid the attribute loads CPython 3.11 cannot specialize (they fall back
# to a full type lookup): `obj.slot(...)` method-call syntax on a function held in a slot,
# attributes of classes, `object.__new__`.
_new = object.__new__
_KINDS = {}  # node class -> (data is an ndarray, .grad before any backward)
# The classes plain data becomes (Value for a number, Tensor for an array), declared by
# `class Value(Node, plain="number")`: the composites turn plain inputs into constants
# through constant() without importing the classes, which are built on them.
_PLAIN = {}

# Replacing `.data` after a node was computed from it would make backward use the new value
# with the old graph: a silently wrong gradient.  Every node carries a stamp: the edit count
# when it was made (`_epoch`, bumped by each replacement of a leaf's data), or _EDITED once
# a computed node's data was replaced.  An input stamped later than its consumer was
# replaced after the consumer used it; the walk refuses such an edge (autograd.walk).
_epoch = 0
_EDITED = float("inf")
# Writing into an array in place (`w.data[...] = 0`, `d = w.data; d -= 0.5`) is not an
# assignment: no stamp sees it.  So an array a recorded node may read is made read-only,
# and numpy refuses the write at once: a leaf's when a recorded node whose rule reads it
# is made (the primitive's `saves`, as PyTorch's saved tensors: add's rule reads no
# input), a recorded output's when `.data` first hands it out (Tensor.data: until then
# only the engine holds it).  A Tensor leaf holds a view of its own (Tensor.__init__), so the
# caller's array stays writable: the book's optimizers update `params[key]` in place,
# which the layers' leaves share.  A walk that has used a leaf gives it back (`release`):
# `w.data -= lr * w.grad` after backward works.  An array leaf's `_locked` says whether
# its array is locked, so a leaf is locked once, not on every use (reading an array's
# flags costs about as much as setting them).
_lock = np.ndarray.setflags  # called as _lock(array, write): a keyword doubles its cost
# where each node was made, kept only in detect_anomaly() mode (no slot on every node)
_ORIGINS = weakref.WeakKeyDictionary()


class Node:
    """A value in the graph: `data`, `grad`, `name`, and how it was made.

    `parents` is a tuple in input order (never a set: drawing and stepping must be
    deterministic), `op` the primitive that made it (None for a leaf), `params` the
    primitive's keyword parameters, `scope` the composite frames it was made inside.
    """

    # Every primitive takes one or two inputs, so the parents live in two slots rather
    # than a tuple: one object per node instead of two.  `_walk`, `_left` and `_pending`
    # are a backward walk's working state (autograd.walk), `_stamp` the data's edit stamp.
    __slots__ = ("_data", "grad", "name", "_p0", "_p1", "op", "params", "scope",
                 "requires_grad", "_stamp", "_walk", "_left", "_pending", "__weakref__")

    _grad_zero = None  # what .grad holds before any backward (Value: 0.0, Tensor: None)
    _array = False  # data is an ndarray (Tensor) rather than a Python float (Value)

    def __init_subclass__(cls, plain=None, **kwargs):
        super().__init_subclass__(**kwargs)
        _KINDS[cls] = (cls._array, cls._grad_zero)
        if plain is not None:
            _PLAIN[plain] = cls

    def _leaf(self, data, name, requires_grad):
        self._data = data
        self.grad = self._grad_zero
        self.name = name
        self._p0 = self._p1 = None
        self.op = None
        self.params = None
        state = _STATE.get()
        self.scope = state[1]
        self.requires_grad = requires_grad
        self._stamp = _epoch
        self._walk = None
        if state[2]:
            _ORIGINS[self] = _where()

    @property
    def data(self):
        return self._data

    @data.setter
    def data(self, value):
        global _epoch
        value = self._check_data(value)
        if self.op is not None:
            self._stamp = _EDITED  # a computed value replaced: backward through it is refused
        else:
            _epoch += 1
            self._stamp = _epoch
        self._data = value

    def _check_data(self, value):
        return value

    @property
    def origin(self):
        """Where the node was made (file:line in function), in detect_anomaly() mode."""
        return _ORIGINS.get(self)

    @property
    def parents(self):
        """The inputs, in order (read-only: the graph never changes once made)."""
        a = self._p0
        if a is None:
            return ()
        b = self._p1
        return (a,) if b is None else (a, b)

    @property
    def is_leaf(self):
        return self.op is None

    @property
    def label(self):
        """micrograd's name for `name` ('' when unnamed)."""
        return self.name or ""

    @label.setter
    def label(self, text):
        self.name = text or None

    def _like(self, data):
        """A new constant leaf of this node's kind (raw gradients, constants): it does not
        require grad."""
        out = _new(type(self))  # (Tensor's own _like makes arrays of raw 0-d gradients)
        out._leaf(data, None, False)
        return out


def constant(x):
    """A plain number as a constant Value, anything else (an array, a list) as a constant
    Tensor: leaves that do not require grad."""
    kind = _PLAIN["number" if isinstance(x, numbers.Real) else "array"]
    node = kind(x)
    node.requires_grad = False
    return node


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
            data = forward(a._data, **params) if params else forward(a._data)
            record = enabled and a.requires_grad
        else:
            data = forward(a._data, b._data, **params) if params else \
                forward(a._data, b._data)
            record = enabled and (a.requires_grad or b.requires_grad)
    except (ArithmeticError, ValueError) as e:
        inputs = (a,) if b is None else (a, b)
        raise DomainError(f"{prim.name}({_describe_inputs(inputs)}): {e}") from None
    cls = type(a)
    array, zero = _KINDS[cls]
    if array:
        if type(data) is not np.ndarray:
            data = np.asarray(data)  # numpy gives 0-d results back as scalars
        if record and (saved := prim.saved):  # the leaves its rule reads are locked
            if saved & 1 and a.op is None and not a._locked:
                _lock(a._data, False)
                a._locked = True
            if saved & 2 and b is not None and b.op is None and not b._locked:
                _lock(b._data, False)
                b._locked = True
    if prim.domain is not None:
        prim.domain(prim, (a,) if b is None else (a, b), data)
    out = _new(cls)
    out._data = data
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
        if array:
            out._locked = False  # a leaf, which a recorded node may use later
    out.scope = scope
    out._stamp = _epoch
    out._walk = None
    if anomaly:
        _ORIGINS[out] = _where()
        _check_finite(out, data, "forward value", prim, (a,) if b is None else (a, b))
    return out


def release(leaf):
    """Make a leaf's array writable again once a walk has used it (see _lock).  An array
    that was read-only before it was locked (a view of the caller's read-only array, or of
    another node's locked one) stays read-only."""
    try:
        _lock(leaf._data, True)
    except ValueError:
        pass
    leaf._locked = False


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


class Composite:
    """What a composite declares about itself: its `name`, the function, and `steps`: how
    the book groups its backward pass (a tuple of viz-neutral data, see autograd.functions),
    or None when it keeps one step per node."""

    __slots__ = ("name", "function", "steps")

    def __init__(self, name, function, steps=None):
        self.name, self.function, self.steps = name, function, steps

    def __repr__(self):
        return f"<composite {self.name}>"


COMPOSITES = {}  # name -> Composite, for every function wrapped by composite()


def composite(name, *, steps=None):
    """Decorator: every node the function makes (constants too) carries the frame
    (name, uid) in its scope, so a renderer can draw the call as one box or open it up.
    Frames nest: softmax_with_loss > softmax > primitives.  `steps` declares the book's
    grouping of the backward pass (see Composite); the declaration is kept in COMPOSITES."""
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
        COMPOSITES[name] = Composite(name, wrapper, steps)
        return wrapper
    return decorate


# ----------------------------------------------------------------------------- traversal

def postorder(roots, inputs=None):
    """Every node reachable from `roots`, each after all of its inputs: a depth-first
    post-order, the first input's subgraph first (the order a reader follows a forward
    pass).  Iterative, so a million-node chain needs no recursion; deterministic, since
    parents are ordered tuples.  `inputs(node)` gives the nodes to follow (default: every
    parent, constants included); the walks of the engine, the renderer, the symbolic mode
    and the stepper all go through this one function."""
    follow = inputs or (lambda n: n.parents)
    roots = (roots,) if isinstance(roots, Node) else tuple(roots)
    order, seen = [], set()
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(follow(root)))]
        while stack:
            node, pending = stack[-1]
            for p in pending:
                if p not in seen:
                    seen.add(p)
                    stack.append((p, iter(follow(p))))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


# ----------------------------------------------------------------------------- diagnostics

def _name(node):
    """How messages name a node: its name, else the primitive that made it."""
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

