"""The walk backwards: the chain rule, written once.

The algorithm, plainly (HIPS autograd says it in eight lines; this is it in fifteen):

    backward(root, seed):
        left[n]    = how many recorded edges lead into n from nodes on a path from root
        pending    = {root: seed}              # the gradient arriving at each node, summed
        ready      = [root]                    # nodes all of whose consumers have sent
        while ready:
            node = ready.pop()
            g = pending.pop(node)              # ∂root/∂node, every branch added up
            node.grad += g                     # (backward_steps() yields the step instead)
            if node is a leaf:
                continue
            sent = node.op.backward(g, node.data, *inputs' data)   # upstream × local
            for parent, gp in zip(node.parents, sent):
                pending[parent] = pending.get(parent, 0) + gp       # never in place
                left[parent] -= 1
                if left[parent] == 0:
                    ready.append(parent)

That is Kahn's topological order, run from the output: a node is stepped once every node
that consumes it has sent its share, so what it passes on is complete.  The stack is
explicit (a million-node chain needs no recursion) and parents are pushed second input
first, so the first input is stepped into first: the order is deterministic.

`backward_steps()` runs exactly that, with dicts (`_plain_steps`): a generator that lets
the caller's code run between steps must not leave state on the nodes, or two walks that
share a leaf (threads, a paused stepper beside a training step) would mix.  `backward()`
and `grad()` run the same algorithm fast (`_count`, `_steps`): the counts and pending
gradients live in slots of the nodes instead of dicts keyed by node, the two inputs are
spelled out instead of looped over, the first ready input skips the stack, and `.grad`
accumulates inside the walk.  Those walks hold a lock from start to end, so
they never overlap; tests/test_walk.py holds both against a dict-keyed reference walk on
random graphs, with and without create_graph.
"""
import threading
from collections import Counter
from contextlib import nullcontext

import numpy as np

from autograd.errors import AnomalyError, DomainError
from autograd.graph import (
    _EDITED,
    _STATE,
    Node,
    _check_finite,
    _describe_inputs,
    _name,
    _state,
    postorder,
    release,
)

__all__ = ["Step", "toposort", "backward_steps", "backward", "grad"]

_WALKING = threading.Lock()  # the fast walks keep their state on the nodes: one at a time


class _Walk:
    """A fast walk's token: the nodes it counted carry it in `_walk`."""

    __slots__ = ()


# ----------------------------------------------------------------------------- the plain walk

def _recorded(node):
    """The inputs a gradient flows to: recorded parents that require grad."""
    return [p for p in node.parents if p.requires_grad]


def _order(roots):
    """The nodes that require grad, in the order the chain rule steps them (see the module
    docstring): Kahn's order from `roots`, on dicts."""
    left = Counter()
    for node in postorder(roots, _recorded):
        for p in _recorded(node):
            left[p] += 1
    ready = [r for r in reversed(roots) if not left[r]]
    while ready:
        node = ready.pop()
        yield node
        for p in reversed(_recorded(node)):  # second input first: the first comes next
            left[p] -= 1
            if not left[p]:
                ready.append(p)


def _plain_steps(roots, seeds):
    """The module docstring's algorithm, yielding (node, upstream, sent) per node."""
    pending = {}
    for r, s in zip(roots, seeds):
        pending[r] = s if r not in pending else pending[r] + s
    anomaly = _STATE.get()[2]
    for node in _order(roots):
        g = pending.pop(node)
        if node.op is None:
            yield node, g, ()
            continue
        _check_fresh(node, node._p0, node._p1)
        sent = _rule(node, g, False, anomaly)
        yield node, g, sent
        for p, gp in zip(node.parents, sent):
            if p.requires_grad:
                pending[p] = gp if p not in pending else pending[p] + gp


def toposort(roots):
    """Nodes that require grad, every node after all the nodes that consume it, in the
    order backward visits them; deterministic, iterative (no recursion limit)."""
    roots = (roots,) if isinstance(roots, Node) else tuple(dict.fromkeys(roots))
    return list(_order(roots))


# ----------------------------------------------------------------------------- the fast walk

def _count(roots):
    """Stamp every node that requires grad, reachable from `roots`, with a new walk token
    and the number of recorded edges that lead into it (`_left`); returns the token.
    The plain walk's `left` counts, kept on the nodes.  The caller holds _WALKING."""
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


def _steps(roots, seeds, create_graph, into_grad=False):
    """The plain walk with its state on the nodes: yields (node, upstream grad, grads
    sent to its parents), or with `into_grad` (backward()) adds each leaf's gradient to
    its `.grad` and yields nothing.  Raw data flows unless create_graph, in which case
    the rules run on nodes and so record the backward pass as a graph of its own."""
    _count(roots)
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
        g = node._pending
        node._pending = None  # each gradient is freed as soon as it is used
        if node.op is None:
            if not into_grad:
                yield node, g, ()
            elif type(g) is float:
                node.grad = node.grad + g  # Value: inlined, the scalar hot path
                continue
            else:
                node._accumulate(g)
            if node._array and node._locked:
                release(node)  # the walk is done with it: writable again (graph._lock)
            continue
        a = node._p0
        b = node._p1
        s = node._stamp
        if a._stamp > s or (b is not None and b._stamp > s):
            _check_fresh(node, a, b)
        if create_graph or anomaly:
            sent = _rule(node, g, create_graph, anomaly)  # names its own errors
        else:
            params = node.params
            rule = node.op.backward
            try:  # _rule(), inlined: this runs once per node
                if params is not None:
                    sent = rule(g, node._data, *[p._data for p in node.parents], **params)
                elif b is None:
                    sent = rule(g, node._data, a._data)
                else:
                    sent = rule(g, node._data, a._data, b._data)
            except ArithmeticError as e:
                raise _rule_error(node, e) from None
        if not into_grad:
            yield node, g, sent
        elif type(g) is float:
            node.grad = node.grad + g
        else:
            node._accumulate(g)
        # the second input is pushed first, so the first is stepped into first; the two
        # inputs are spelled out (no loop, no tuple): this runs once per edge
        if b is not None and b.requires_grad:
            prev = b._pending
            # accumulate, never in place: add's rule hands one buffer to both inputs
            b._pending = sent[1] if prev is None else prev + sent[1]
            left = b._left
            if left == 1:  # its last consumer: ready (the count is not needed again)
                push(b)
            else:
                b._left = left - 1
        if a.requires_grad:
            prev = a._pending
            a._pending = sent[0] if prev is None else prev + sent[0]
            left = a._left
            if left == 1:
                nxt = a
            else:
                a._left = left - 1


def _rule(node, g, create_graph, anomaly):
    """The node's derivative rule, upstream `g` times local: one gradient per input."""
    op, a, b, params = node.op, node._p0, node._p1, node.params
    rule = op.backward
    try:  # free on the success path (zero-cost exceptions)
        if create_graph:
            sent = rule(g, node, *node.parents, **(params or {}))
        elif params is not None:
            sent = rule(g, node._data, *[p._data for p in node.parents], **params)
        elif b is None:
            sent = rule(g, node._data, a._data)
        else:
            sent = rule(g, node._data, a._data, b._data)
    except ArithmeticError as e:
        raise _rule_error(node, e) from None
    if anomaly:
        for p, gp in zip(node.parents, sent):
            _check_finite(node, gp.data if create_graph else gp,
                          f"gradient sent to input {_name(p)}", op, node.parents)
    return sent


def _rule_error(node, e):
    op = node.op
    if isinstance(e, AnomalyError):  # a rule run on nodes (create_graph): say whose rule
        where = node.origin or "<made outside detect_anomaly()>"
        return AnomalyError(f"{e}; in the backward of {op.name}, node created at {where}")
    # a float rule at a singular point: 0.0 ** -0.5
    return DomainError(f"backward of {op.name}({_describe_inputs(node.parents)}): {e}; the "
                       "derivative is infinite or undefined here")


def _check_fresh(node, a, b):
    """Refuse to differentiate through data replaced after `node` was computed from it:
    the rule would combine the new value with the old graph (PyTorch refuses too)."""
    for p in (node, a, b):
        if p is not None and p._stamp is _EDITED:
            raise RuntimeError(
                f"backward: the data of {_name(p)} was replaced after the graph through it "
                "was recorded, so its gradient would be wrong; compute the result again "
                "after changing .data (or change .data only between backward passes)")
    for p in (a, b):
        if p is not None and p._stamp > node._stamp:
            raise RuntimeError(
                f"backward: the data of {_name(p)} was replaced after {_name(node)} was "
                "computed from it, so the gradient would be wrong; compute the result "
                "again after changing .data (or change .data only between backward passes)")


# ----------------------------------------------------------------------------- the public walks

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
    if not isinstance(node, Node):
        raise TypeError(f"can only differentiate a Value or Tensor, got "
                        f"{type(node).__name__} {node!r:.40}")
    if not node.requires_grad:
        raise RuntimeError(
            f"backward() on {_name(node)}: no graph was recorded for it (it was computed "
            "under no_grad(), or from inputs none of which requires grad)")
    if node._stamp is _EDITED:
        _check_fresh(node, None, None)
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
    chain rule visits them.  Touches no `.grad` and keeps nothing on the nodes, so the
    caller may pause it, run other walks over the same nodes, and go on."""
    walk = _plain_steps((root,), (_seed(root, grad),))
    for i, step in enumerate(walk):
        yield Step(i, *step)


def backward(root, grad=None):
    """Seed `root` with `grad` (1 for a scalar) and accumulate into every upstream .grad.

    A second call accumulates again, as in PyTorch; reset with `node.grad = 0.0` / None.
    """
    seed = _seed(root, grad)
    with _WALKING:
        for _ in _steps((root,), (seed,), False, into_grad=True):
            pass  # the walk adds to .grad itself and yields nothing


def _as_nodes(what, xs):
    # a lone node, or a lone number (refused below, by name), is one of them
    xs = tuple(xs) if isinstance(xs, (list, tuple)) else (xs,)
    for x in xs:
        if not isinstance(x, Node):
            raise TypeError(f"grad(): {what} must be Values or Tensors, got "
                            f"{type(x).__name__} {x!r:.40}")
    return xs


def _grad_outputs(grad_outputs, outputs):
    if grad_outputs is None:
        return (None,) * len(outputs)
    if isinstance(grad_outputs, Node) or not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = (grad_outputs,)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad(): {len(grad_outputs)} grad_outputs for {len(outputs)} "
                         "outputs; give one seed per output (None for the default)")
    return tuple(grad_outputs)


def grad(outputs, inputs, create_graph=False, grad_outputs=None):
    """d(outputs)/d(inputs) as a tuple of nodes, one per input; `.grad` is not touched.

    With create_graph=True the result is itself a recorded graph, so it can be
    differentiated again (second derivatives, Newton's method) or drawn.
    """
    outputs = _as_nodes("outputs", outputs)
    inputs = _as_nodes("inputs", inputs)
    seeds = [_seed(o, g, create_graph)
             for o, g in zip(outputs, _grad_outputs(grad_outputs, outputs))]
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

