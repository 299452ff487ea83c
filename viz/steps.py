"""The book's grouping of a backward pass: which gradients each frame of the stepper shows.

The engine steps one node at a time; the book groups its derivations otherwise.  A
composite may declare its grouping (autograd.functions: SIGMOID_STEPS, SOFTMAX_STEPS,
CROSS_ENTROPY_STEPS), each step naming the sends it covers by primitive and input slot, so
a step may cover some of a node's sends (appendix A's steps 2 and 5 are the two sends of
the same "×" nodes), or by the quantities it computes (BATCH_NORM_STEPS: `at` x̂ covers
the nodes named x̂, x̂1, x̂2 ..., and an unnamed node goes with the quantity it feeds).
`units(view)` turns the engine's steps into what the stepper shows, frame by frame, in a
causal order (every gradient a unit uses was sent by an earlier one):

- a declared step of a composite drawn opened: every send it covers;
- an "arrives" step: the gradients arriving at the composite's outputs (appendix A's step 1);
- one unit per drawn node for everything else (a collapsed composite is one unit).

A send that a declared step claims before the step giving its node's gradient (the "+" of
the log guard inside the cross entropy, consumed by "log") goes back to its node's own
unit; if the declared steps still cannot be ordered, every node gets its own unit.

    from autograd.examples import appendix_a
    from viz.steps import book_steps
    for unit in book_steps(appendix_a()):
        print(unit.heading, [(sv.step.node.op.name, slot) for sv, slot in unit.sends])
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from autograd.graph import postorder
from viz.derivation import declared_steps, sends_into

# declared_steps and sends_into are the derivation's, named here too (viz.steps' API)
__all__ = ["Unit", "book_steps", "declared_steps", "edge_states", "sends_into", "states",
           "units"]

# a sample's index in a quantity's name (x̂1, x1 − μ, y12): after a letter or an accent
_INDEX = re.compile(r"(?:(?<=[^\W\d_])|(?<=\u0302))[0-9]+")


@dataclass(eq=False)
class Unit:
    """What one frame of the stepper shows.

    kind: 'step' (a declared step), 'arrives' (the gradients arriving at a composite's
    outputs) or 'node' (one drawn node: an op, or a collapsed composite as one unit).
    sends: ((StepView, slot), ...) in the engine's order, each the gradient
    `sv.step.grads[slot]` sent to input `slot` of `sv.step.node` (never to a constant).
    heading, text, spec: the declared step; frame: its composite call (scope frame).
    node_id, stepviews: the drawn node of a 'node' unit and the engine steps at it.
    outputs, arrivals: for 'arrives', the composite's outputs (forward order) and the sends
    into them from outside the composite.
    """

    kind: str
    sends: tuple = ()
    heading: str = ""
    text: str = ""
    spec: dict | None = field(default=None, repr=False)
    frame: tuple | None = None
    node_id: str | None = None
    stepviews: tuple = field(default=(), repr=False)
    outputs: tuple = field(default=(), repr=False)
    arrivals: tuple = field(default=(), repr=False)
    key: tuple = field(default=(), repr=False)

    @property
    def nodes(self):
        """The engine nodes whose sends this unit shows, in the engine's order."""
        return tuple(dict.fromkeys(sv.step.node for sv, _ in self.sends))

    def by_node(self):
        """The sends grouped by their step, in order: [(StepView, [slot, ...]), ...]."""
        groups = {}
        for sv, slot in self.sends:
            groups.setdefault(sv, []).append(slot)
        return list(groups.items())


def book_steps(root, **options):
    """The units of `root`'s backward pass (see the module docstring); `options` as
    viz.model.build (collapse=..., seed=...)."""
    from viz.model import build
    return units(build(root, grads=True, **options))


def units(view, into=None):
    """The units of a view's backward pass, in the order the stepper shows them (`into`:
    sends_into(view), when the caller has it)."""
    into = sends_into(view) if into is None else into
    claims = _claims(view, into)
    _release(into, claims)
    found = _declared_units(view, into, claims) + _node_units(view, claims)
    return _order(into, found) or _order(into, _node_units(view, {}))


# ----------------------------------------------------------------------------- claiming

def _is_output(node, frame, into):
    """A composite call's output: no node of the call consumes it."""
    return not any(frame in sv.step.node.scope for sv, _ in into.get(node, ()))


def _quantity(node, frame, into):
    """The quantity `node` computes inside call `frame`, by name without the sample's
    index (x̂1 -> x̂): its own name, else that of the first node of the call it feeds."""
    seen = set()
    while node.name is None:
        node = next((sv.step.node for sv, _ in into.get(node, ())
                     if sv.step.node.scope and sv.step.node.scope[-1] == frame), None)
        if node is None or node in seen:
            return None
        seen.add(node)
    return _INDEX.sub("", node.name)


def _match(spec, node, slot, output, quantity=None):
    """The index of the step covering the send to input `slot` of `node`: a step naming
    the node's quantity (`at`), else one naming the node's primitive and slot."""
    for i, step in enumerate(spec):
        if quantity is not None and quantity in step.get("at", ()):
            return i
    for i, step in enumerate(spec):
        for sel in step.get("sends", ()):
            where = sel[2] if len(sel) > 2 else None
            if sel[0] == node.op.name and sel[1] == slot and \
                    (where is None or (where == "output") == output):
                return i
    return None


def _claims(view, into):
    """(StepView, slot) -> (frame, step index) for every send a declared step covers: at
    the nodes a composite makes itself, drawn as their own op (the call is opened)."""
    claims = {}
    for sv in view.steps:
        node = sv.step.node
        vn = view.node(sv.node_id)
        if node.op is None or vn.kind != "op" or vn.composite is not None or not node.scope:
            continue
        frame = node.scope[-1]
        spec = declared_steps(frame[0])
        if spec is None:
            continue
        output = _is_output(node, frame, into)
        quantity = _quantity(node, frame, into) if any("at" in st for st in spec) else None
        for slot, p in enumerate(node.parents):
            i = _match(spec, node, slot, output, quantity) if p.requires_grad else None
            if i is not None:
                claims[(sv, slot)] = (frame, i)
    return claims


def _release(into, claims):
    """Give back to their node the sends of a node whose gradient comes from a later step
    of the same call: shown in the declared order they would come before their cause."""
    changed = True
    while changed:
        changed = False
        for (sv, slot), (frame, i) in list(claims.items()):
            if (sv, slot) not in claims:
                continue
            later = [c for c in (claims.get(s) for s in into.get(sv.step.node, ()))
                     if c is not None and c[0] == frame and c[1] > i]
            if later:
                for s in range(len(sv.step.grads)):
                    claims.pop((sv, s), None)
                changed = True


# ----------------------------------------------------------------------------- units

def _declared_units(view, into, claims):
    by_step, first = {}, {}
    for (sv, slot), (frame, i) in claims.items():
        by_step.setdefault((frame, i), []).append((sv, slot))
        first[frame] = min(first.get(frame, sv.index), sv.index)
    out = []
    for (frame, i), sends in by_step.items():
        step = declared_steps(frame[0])[i]
        out.append(Unit("step", tuple(sorted(sends, key=lambda s: (s[0].index, s[1]))),
                        step["heading"], step.get("text", ""), step, frame,
                        key=(first[frame], i)))
    for frame in first:
        for i, step in enumerate(declared_steps(frame[0])):
            if step.get("arrives"):
                out.append(_arrives(view, into, frame, step, key=(first[frame], i)))
    return out


def _arrives(view, into, frame, step, key):
    """The unit showing the gradients that enter composite call `frame` at its outputs."""
    order = {vn.id: k for k, vn in enumerate(view.nodes)}
    own = [sv.step.node for sv in view.steps if sv.step.node.op is not None
           and sv.step.node.scope and sv.step.node.scope[-1] == frame]
    outputs = sorted((n for n in own if _is_output(n, frame, into)),
                     key=lambda n: order[view.node_id(n)])
    arrivals = tuple(s for n in outputs for s in into.get(n, ())
                     if frame not in s[0].step.node.scope)
    return Unit("arrives", (), step["heading"], step.get("text", ""), step, frame,
                outputs=tuple(outputs), arrivals=arrivals, key=key)


def _node_units(view, claims):
    """One unit per drawn node for the sends no declared step covers."""
    groups = {}
    for sv in view.steps:
        node = sv.step.node
        if node.op is None:
            continue  # a leaf's gradient is on its edges already
        free = [(sv, s) for s, p in enumerate(node.parents)
                if p.requires_grad and (sv, s) not in claims]
        if free:
            groups.setdefault(sv.node_id, ([], []))
            groups[sv.node_id][0].append(sv)
            groups[sv.node_id][1].extend(free)
    return [Unit("node", tuple(sends), node_id=gid, stepviews=tuple(svs),
                 key=(max(sv.index for sv in svs), -1))
            for gid, (svs, sends) in groups.items()]


def _order(into, found):
    """`found` in a causal order, ties by key (a declared call in its declared order, other
    units in the order the engine finished them); None when no such order exists."""
    owner = {s: u for u in found for s in u.sends}

    def deps(u):
        sources = u.arrivals if u.kind == "arrives" else \
            [s for n in u.nodes for s in into.get(n, ())]
        return sorted({owner[s] for s in sources if s in owner} - {u},
                      key=lambda d: d.key)

    order = postorder(sorted(found, key=lambda u: u.key), deps)
    place = {u: k for k, u in enumerate(order)}
    if any(place[d] > place[u] for u in order for d in deps(u)):
        return None
    return order


# ----------------------------------------------------------------------------- edge states

def states(view, shown, current, summing=()):
    """Each edge's state once the sends `shown` ((engine node or StepView, slot) pairs)
    were replayed, `current` among them on screen: 'active' for an edge a current send
    goes along, 'summing' for the branches being added up (`summing`: edge keys), 'done'
    once every send along it was shown, 'pending' otherwise.  The output edge (the seed),
    an edge into a constant and an edge no gradient flows along are simply drawn."""
    shown = {(_node_of(s), slot) for s, slot in shown}
    current = {(_node_of(s), slot) for s, slot in current}
    recorded = {sv.step.node for sv in view.steps}
    out = {}
    for e in view.edges:
        targets = set(e.targets)
        if e.key == view.output_key or e.grad is None or not targets or \
                any(n not in recorded for n, _ in targets) or \
                (e.node is not None and not e.node.requires_grad):
            out[e.key] = "done"
        elif e.key in summing:
            out[e.key] = "summing"
        elif targets & current:
            out[e.key] = "active"
        elif targets <= shown:
            out[e.key] = "done"
        else:
            out[e.key] = "pending"
    return out


def _node_of(s):
    return s.step.node if hasattr(s, "step") else s


def edge_states(view, shown=(), current=()):
    """Each edge's state once the engine steps `shown` (indices into view.steps) were
    replayed, `current` among them being the one on screen: 'active' for the edges a
    current step sends along, 'done' once every step feeding the edge was shown,
    'pending' otherwise.  The output edge (the seed), an edge into a constant and an edge
    no gradient flows along are simply drawn ('done')."""
    def sends(indices):
        return {(view.steps[i].step.node, s) for i in indices
                for s in range(len(view.steps[i].step.grads))}
    return states(view, sends(set(shown)), sends(set(current)))
