"""Yours against the expected: a Row per gradient, the book's log guard allowed for, and
where on the recorded graph a wrong gradient departs."""
import warnings

import numpy as np

from autograd.check.hints import safe, shape_hint, value_hint
from autograd.check.message import Message
from autograd.check.report import Row
from autograd.graph import apply, postorder
from autograd.tensor import Tensor
from autograd.walk import grad

__all__ = ["STEP", "OffGraph", "check_output", "check_reached", "compare", "compare_all",
           "depths", "localise"]

STEP = 1e-5  # the central difference's step in float64 (error ~ STEP² f''' and eps f / STEP)


class OffGraph(Exception):
    """The forward ran on Tensors but its result did not come out of the graph."""


def compare(name, expected, actual, rtol, atol, batch=None):
    """A Row for one gradient: yours against the expected, with a hint where clear."""
    e = np.asarray(expected, dtype=np.float64)
    if actual is None:
        return Row(name, False, e, None, hint=Message("not_given", "backward did not give "
                                                       "{name}", name=name))
    try:
        a = np.asarray(actual, dtype=np.float64)
    except Exception:  # a ragged list, a string, an object numpy cannot make numbers of
        return Row(name, False, e, actual, hint=Message(
            "not_array", "{name} is a {kind}, not an array", name=name,
            kind=type(actual).__name__))
    if a.shape != e.shape:
        if a.size == e.size == 1:
            a = a.reshape(e.shape)  # a float for a 0-d array (MulLayer on numbers)
        else:
            return Row(name, False, e, a, hint=shape_hint(name, e, a, rtol, atol))
    with np.errstate(invalid="ignore", over="ignore"):  # inf − inf: nan, wrong, no warning
        diff = np.abs(a - e)
        max_abs = float(diff.max()) if diff.size else 0.0
        scale = float(np.abs(e).max()) if e.size else 0.0
        max_rel = max_abs / scale if scale else (0.0 if max_abs == 0 else float("inf"))
        ok = bool(np.all(diff <= atol + rtol * np.abs(e)))
    hint = None if ok else value_hint(e, a, rtol, atol, batch, name)
    return Row(name, ok, e, a, max_abs, max_rel, hint)


def _guards(root):
    """The constants δ of the log(y + δ) in the graph, δ small (the book's 1e-7 against
    log(0)): the book's backward, (y − t)/N, is the gradient without them."""
    found = set()
    for n in postorder(root):
        if n.op is None or n.op.name != "log" or n.parents[0].op is None \
                or n.parents[0].op.name != "add":
            continue
        for q in n.parents[0].parents:
            d = np.abs(q.data)
            if not q.requires_grad and d.size and 0 < d.max() <= 1e-4:
                found.add(q)
    return found


@safe()
def _unguarded(root, leaves, dout):
    """The gradients of the recorded forward replayed with every log guard δ set to 0,
    {row: array}, or None when the forward has no such guard."""
    guards = _guards(root)
    if not guards:
        return None
    new = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # log(0) where a probability underflowed
        for n in postorder(root):
            if n in guards:
                new[n] = n._like(np.zeros_like(n.data))
            elif n.op is None:
                new[n] = n
            else:
                new[n] = apply(n.op, *[new[p] for p in n.parents], **(n.params or {}))
        gs = grad(new[root], list(leaves.values()), grad_outputs=dout)
    delta = max(float(np.abs(q.data).max()) for q in guards)
    return {"delta": delta, **{k: g.data for k, g in zip(leaves, gs)}}


def compare_all(grads, mine, found, dout, rtol, atol, batch=None, error=None, failed=None):
    """A row per expected gradient; a wrong one that matches the gradient without the
    forward's log guard passes, saying so (the book's backward leaves the guard out).
    When your code raised (`error`), what it gave before is compared, the gradient its
    failing line computes (`failed`, a source.Failure) carries the error, and the rest
    was not reached (all carry the error when the failing line's gradient is unknown)."""
    rows, free = [], None
    for name, expected in grads.items():
        if error is not None and name not in mine:
            rows.append(_unfinished(name, expected, error, failed))
            continue
        row = compare(name, expected, mine.get(name), rtol, atol, batch)
        if not row.ok and found["graph"] is not None and row.max_abs is not None:
            if free is None:
                free = _unguarded(found["graph"], found["leaves"], dout) or {}
            if name in free:
                other = compare(name, free[name], mine.get(name), rtol, atol, batch)
                if other.ok:
                    other.hint = Message(
                        "log_guard", "matches the gradient without your forward's guard "
                        "log(y + {delta}), as the book's backward (y − t)/N does; against "
                        "the exact gradient with the guard the max rel error is {rel} (the "
                        "guard matters where y nears {delta})", delta=f"{free['delta']:g}",
                        rel=f"{row.max_rel:.1e}")
                    row = other
        rows.append(row)
    return rows


def _unfinished(name, expected, error, failed):
    expected = np.asarray(expected)
    if failed is None or not failed.rows or name in failed.rows:
        return Row(name, False, expected, None, error=error)
    return Row(name, False, expected, None, reached=False, hint=Message(
        "not_reached", "not reached: the code raised before giving {name}", name=name))


def check_reached(out, leaves):
    """Every Tensor handed to the forward must be in its graph.  One that is not was either
    unused or copied off the graph (Tensor(W) of a Tensor W takes its values): the engine
    would say 0 either way, so the numbers decide."""
    reached = set(postorder(out)) if out.requires_grad else set()
    missing = [n for n, t in leaves.items() if t not in reached]
    if missing:
        raise OffGraph(Message("unreached", "what {names} differentiates did not reach the "
                               "output through the graph (unused, or its values copied off "
                               "the graph)", names=", ".join(missing)))


YOUR_FORWARD = Message("your_forward", "your forward")


def check_output(out, reference, what=YOUR_FORWARD):
    """The Tensor run must be the graph of the very numbers your numpy forward gave."""
    if not isinstance(out, Tensor):
        raise OffGraph(Message("not_tensor", "{what} returned a {kind}, not a Tensor, when "
                               "run on Tensors: it left the graph on the way, or reads the "
                               "parameters from elsewhere", what=what,
                               kind=type(out).__name__))
    ref = np.asarray(reference, dtype=np.float64)
    if out.shape != ref.shape and out.size != ref.size:
        raise OffGraph(Message("other_shape", "on Tensors {what} gave shape {tensors}, in "
                               "numpy {numpy}", what=what, tensors=str(out.shape),
                               numpy=str(ref.shape)))
    if not np.allclose(out.data.reshape(ref.shape), ref, rtol=1e-6, atol=1e-9,
                       equal_nan=True):
        raise OffGraph(Message("other_values", "on Tensors {what} computed other values "
                               "than in numpy (is it random, or does it depend on state it "
                               "changes?)", what=what))


def depths(root):
    """Each node's distance from `root` in edges (breadth first, iterative)."""
    depth, frontier = {root: 0}, [root]
    while frontier:
        nxt = []
        for n in frontier:
            for p in n.parents:
                if p not in depth:
                    depth[p] = depth[n] + 1
                    nxt.append(p)
        frontier = nxt
    return depth


@safe(default=(None, ()))
def localise(root, leaves, rows):
    """Between which steps the first wrong gradient (in backward order) departs: the
    gradient at every node computed from a right parameter is confirmed by it, so the
    mistake lies on the way from the last confirmed nodes down to the wrong parameter."""
    ok = {leaves[r.name] for r in rows if r.ok and r.name in leaves}
    wrong = [r.name for r in rows if not r.ok and r.name in leaves]
    if not wrong:
        return None, []
    nodes = postorder(root)
    confirmed, below = set(ok), {leaves[wrong[0]]}
    for n in nodes:
        if any(p in confirmed for p in n.parents):
            confirmed.add(n)
        if any(p in below for p in n.parents):
            below.add(n)
    open_ = [n for n in nodes if n in below and n not in confirmed and n.op is not None]
    edge = [n for n in nodes if n in confirmed and n.op is not None
            and any(p in below and p not in confirmed for p in n.parents)]
    right = [r.name for r in rows if r.ok and r.name in leaves]
    steps = [_step_name(n) for n in edge + open_[::-1]]
    if not ok:
        text = Message("first_wrong", "{name} is the first wrong gradient backward reaches",
                       name=wrong[0])
    else:
        fields = {"right": ", ".join(right), "at": " / ".join(_step_name(n) for n in edge),
                  "name": wrong[0], "steps": " → ".join(steps)}
        text = Message("departs", "{right} is right, so the gradient arriving at {at} is "
                       "right too; {name} departs on the way from there down: {steps} → "
                       "{name}", **fields) if len(right) == 1 else \
            Message("departs", "{right} are right, so the gradient arriving at {at} is right "
                    "too; {name} departs on the way from there down: {steps} → {name}",
                    **fields)
    return text, edge + open_[::-1]


def _step_name(node):
    return node.name or node.op.label
