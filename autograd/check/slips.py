"""The E資格 slips read off the recorded graph of your forward: for a wrong gradient, what a
missing transpose, a sum over the wrong axis or a forgotten branch would have given,
computed from the forward's own numbers and compared with yours.

One walk back from dout records, at every node, the gradient arriving (`upstream`) and
what each step sends to each of its inputs (`sent`); each slip is then one product, one
sum or one vector-Jacobian product away:

- a product out = X @ W: dW = Xᵀ·g and dX = g·Wᵀ (g the gradient at out); yours X·g or
  g·W is the transpose missing (it runs when the shapes are square);
- a broadcast (the bias): db = g summed over the batch axis; yours summed over another;
- a value used twice (x in x − mean(x), the book's Batch Normalization): its gradient is
  the sum of what comes back along each use; yours without one of them is a branch
  forgotten.
"""
import collections

import numpy as np

from autograd.check.hints import close, safe
from autograd.check.message import Message
from autograd.graph import postorder
from autograd.walk import backward_steps, grad

__all__ = ["slip_hints"]

# a hint these may replace: one that says only what differs, not why
_GENERIC = {None, "shape", "factor", "shape_transposed"}


def slip_hints(root, leaves, dout, rows, rtol, atol, names=None):
    """Give each wrong row of a gradient of `leaves` the slip it matches, if one does.
    `names`: {node: how your code names it (self.xc)}, for the steps a hint names."""
    wrong = [r for r in rows if not r.ok and r.reached and r.error is None and
             r.name in leaves and r.actual is not None and
             getattr(r.hint, "code", None) in _GENERIC]
    if not wrong:
        return
    walk = _walk(root, dout)
    if walk is not None:
        walk["names"] = names or {}
    for row in wrong:
        hint = _slip(walk, root, leaves[row.name], row, rtol, atol)
        if hint is not None:
            row.hint = hint


@safe()
def _walk(root, dout):
    seed = None if dout is None else np.broadcast_to(np.asarray(dout, dtype=np.float64),
                                                     np.shape(root.data))
    upstream, sent = {}, {}
    users = collections.defaultdict(list)
    for step in backward_steps(root, seed):
        upstream[step.node] = step.upstream
        for i, (parent, g) in enumerate(zip(step.node.parents, step.grads)):
            sent[(step.node, i)] = g
            users[parent].append((step.node, i))
    return {"upstream": upstream, "sent": sent, "users": users, "dout": seed}


@safe()
def _slip(walk, root, leaf, row, rtol, atol):
    if walk is None:
        return None
    a = np.asarray(row.actual, dtype=np.float64)
    e = np.asarray(row.expected, dtype=np.float64)
    for finder in (_transpose, _axis, _branch):
        hint = finder(walk, root, leaf, row.name, a, e, rtol, atol)
        if hint is not None:
            return hint
    return None


def _name(node, walk, gradient=False):
    """How a hint writes a node: its name, dout, or a letter it explains."""
    if gradient:
        dout = walk["dout"]
        same = dout is not None and np.shape(node) == np.shape(dout) and \
            np.array_equal(node, dout)
        return "dout" if same else "G"
    return node.name or "X"


def _transpose(walk, root, leaf, name, a, e, rtol, atol):
    node = _through_reshapes(walk, leaf)
    for consumer, i in walk["users"].get(node, ()):
        if consumer.op.name != "matmul":
            continue
        g = np.asarray(walk["upstream"][consumer], dtype=np.float64)
        other = consumer.parents[1 - i]
        x, gname = _name(other, walk), _name(g, walk, gradient=True)
        if i == 1:  # out = X @ leaf: d = Xᵀ·g; the slip X·g
            slip, wrong, right = other.data @ g, f"{x} @ {gname}", f"{x}.T @ {gname}"
        else:  # out = leaf @ W: d = g·Wᵀ; the slip g·W
            slip, wrong, right = g @ other.data, f"{gname} @ {x}", f"{gname} @ {x}.T"
        if slip.size == a.size and close(a.reshape(slip.shape), slip, rtol, atol):
            return Message("transpose_missing", "a transpose missing: yours is {wrong}, the "
                           "expected {name} = {right}{legend}", wrong=wrong, right=right,
                           name=name, legend=_legend(x, gname, leaf))
    return None


def _legend(x, gname, leaf):
    if x == "X" and gname == "G":
        return Message("legend_xg", " (X: what {leaf} meets in the product of the "
                       "forward, G: the gradient arriving at the product)",
                       leaf=leaf.name or "it")
    if gname == "G":
        return Message("legend_g", " (G: the gradient arriving at the product)")
    if x == "X":
        return Message("legend_x", " (X: what {leaf} meets in the product of the forward)",
                       leaf=leaf.name or "it")
    return ""


def _through_reshapes(walk, node):
    """The leaf as the product sees it: past a reshape it alone feeds (the book's Affine
    flattens images first)."""
    users = walk["users"].get(node, [])
    while len(users) == 1 and users[0][0].op.name == "reshape":
        node = users[0][0]
        users = walk["users"].get(node, [])
    return node


def _axis(walk, root, leaf, name, a, e, rtol, atol):
    for consumer, _ in walk["users"].get(leaf, ()):
        if consumer.op.name != "broadcast_to":
            continue
        g = np.asarray(walk["upstream"][consumer], dtype=np.float64)
        fields = {"g": _name(g, walk, gradient=True), "name": name,
                  "leaf": leaf.name or "it", "right": _broadcast_axes(leaf.shape, g.shape)}
        for axis in range(g.ndim):
            summed = g.sum(axis=axis)
            if summed.shape == a.shape and close(a, summed, rtol, atol) and \
                    not close(summed, e, rtol, atol):
                return Message("wrong_axis", "summed over the wrong axis: yours is "
                               "np.sum({g}, axis={axis}); {name} sums {g} over the axes "
                               "{leaf} is broadcast along: np.sum({g}, axis={right})",
                               axis=axis, **fields)
        if a.shape == () and e.shape != () and close(a, g.sum(), rtol, atol):
            return Message("every_axis", "summed over every axis: yours is np.sum({g}); "
                           "{name} sums {g} over the axes {leaf} is broadcast along: "
                           "np.sum({g}, axis={right})", **fields)
    return None


def _broadcast_axes(shape, target):
    """The axes a value of `shape` is broadcast along to `target` (0 for a bias)."""
    lead = len(target) - len(shape)
    axes = tuple(range(lead)) + tuple(lead + k for k, n in enumerate(shape)
                                      if n == 1 and target[lead + k] != 1)
    return axes[0] if len(axes) == 1 else axes


def _branch(walk, root, leaf, name, a, e, rtol, atol):
    """Yours equals the expected less what comes back along one use of a value used
    several times, the leaf itself or one computed from it."""
    nodes, reach = postorder(root), {leaf}
    for node in nodes:
        if any(p in reach for p in node.parents):
            reach.add(node)
    for node in [n for n in nodes if n in reach]:
        uses = walk["users"].get(node, [])
        if len(uses) < 2:
            continue
        for consumer, i in uses:
            part = grad(node, [leaf], grad_outputs=walk["sent"][(consumer, i)])[0].data
            if a.shape == e.shape and close(a, e - part, rtol, atol):
                return Message("branch_forgotten", "a branch forgotten: {node} flows into "
                               "{n} steps of the forward ({steps}), and its gradient is the "
                               "sum of what comes back along each; yours leaves out the "
                               "branch through {missing}", node=_label(walk, node),
                               n=len(uses), steps=", ".join(_label(walk, c) for c, _ in uses),
                               missing=_label(walk, consumer))
    return None


def _label(walk, node):
    """A step as your code names it (x, self.xc), else by its operation (Σ, ×)."""
    if node in walk["names"]:
        return walk["names"][node]
    if node.op is not None and node.op.name == "sum" and _is_mean(walk, node):
        return "np.mean"  # what the learner wrote: Σ, then × 1/N
    return node.name or (node.op.label if node.op is not None else "it")


def _is_mean(walk, node):
    """A sum whose one use multiplies it by the constant 1/(the count it summed)."""
    users = walk["users"].get(node, [])
    if len(users) != 1 or users[0][0].op is None or users[0][0].op.name != "mul":
        return False
    count = np.size(node.parents[0].data) / np.size(node.data)
    return any(p is not node and p.op is None and not p.requires_grad and
               np.allclose(np.asarray(p.data) * count, 1) for p in users[0][0].parents)
