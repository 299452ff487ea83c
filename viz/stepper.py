"""Frames of the backward pass: a derivation (viz.derivation) told in words, frame by frame.

Frame 0 is the forward pass alone; then one frame per unit of `viz.steps.units`: a step of
the book where a composite declares how the book groups its backward pass (sigmoid's four
steps of section 5.5.2; appendix A's Cross Entropy Error layer, then the Softmax layer's
steps 1 to 6), else one frame per drawn operation.  Each says: at this node, the gradient
that arrived from above (each branch and their sum, where the node feeds several others),
times its local derivative (value and formula, e.g. ∂y/∂x = −1/x² = −y²), gives the
gradient sent to each input.  The last frame states the result (∂L/∂a_k = y_k − t_k), or
where the algebra gives none, the closed form a stepped composite declares (the
derivation's `declared_result`: Batch Normalization's ∂L/∂x).
Edges whose gradient has been sent are drawn done (red gradient), the ones of the current
step active, the branches being summed 'summing', the others pending (grey).

Nothing here computes a gradient, a sum or a form: the numbers are the engine's steps,
the rest the derivation's (branch sums, what enters and leaves a collapsed composite, the
algebra, the names: S, y1, exp(a1), 1/S); this module says them.  A frame's explanation
is data (`lines`: viz.frame.Frame), as plain `text` and as `html` (viz.html writes it).

    from viz.stepper import frames
    for f in frames(loss, collapse="sigmoid"):
        print(f.heading, f.title); print(f.text)
    frames(viz.derivation.derive(loss))  # the frames of a derivation made already
    viz.html.export_steps(loss, "steps.html")  # or .gif, or a folder of .svg/.png
"""
from __future__ import annotations

from viz.derivation import BranchSum, BudgetExceeded, Derivation, derive, is_scalar
from viz.frame import Frame
from viz.i18n import language, spoken, translator
from viz.names import wrap
from viz.steps import edge_states, states, units

__all__ = ["BranchSum", "Frame", "as_frames", "edge_states", "frames"]

class _Writer(list):
    """A frame's explanation as lines of data (Frame.lines)."""

    def p(self, text):
        self.append(("p", text))

    def row(self, label, numeric, symbolic=None, total=False):
        self.append(("sum" if total else "row", (label, numeric, symbolic)))


# ----------------------------------------------------------------------------- frames

def as_frames(source, *, lang=None, **options):
    """A list of Frames: `source` itself when it is one (then no options apply, and
    `lang` is left to the caller: frames are written already), else
    frames(source, lang=lang, **options)."""
    if isinstance(source, (list, tuple)) and source and isinstance(source[0], Frame):
        if options:
            raise TypeError(f"options {sorted(options)} apply to a node, not to frames")
        return list(source)
    return frames(source, lang=lang, **options)


class _Replay:
    """What every frame of one replay shares: the derivation, drawing options, words."""

    def __init__(self, d, draw):
        self.d, self.view, self.draw = d, d.view, draw
        self.headings = {}  # unit -> its heading, when it needs more than the declared one
        self.lang = d.lang
        self._ = translator(d.lang)

    def heading(self, unit):
        """The unit's heading as the reader reads it (ステップ3; out_o1: Step 1)."""
        return self.headings.get(unit, spoken(unit.heading, self._))

    def frame(self, index, count, kind, title, caption, w, node_id, edges, **kw):
        return Frame(index, count, kind, title, caption, node_id, edges, view=self.view,
                     draw_options=self.draw, lang=self.lang, lines=list(w), **kw)


def frames(root, *, expand=None, collapse=None, depth=None, symbolic=None, given=None,
           seed=None, fmt=None, preview=True, upstream=None, rankdir="LR", notes=True,
           lang=None, **draw_options):
    """The backward pass of `root` (a Value / Tensor, or a viz.derivation.Derivation) as a
    list of Frames (see the module docstring).

    expand / collapse / depth / seed / fmt / preview / symbolic / given / upstream /
        lang: the derivation's, as viz.derivation.derive with grads=True (collapsed
        composites step as one unit); for a Derivation, made already, they are its own:
        pass none of them.  symbolic=None puts the algebra beside the numbers when sympy
        is installed and the graph is small and scalar; True, False, a dict of
        viz.symbolic.symbolic() options (seed='∂L/∂y', names=...), or a SymbolicGraph.
        given: relations the algebra may use ('t1 + t2 + t3 = 1'); by default the
        one-hot relation of named labels holding a one-hot vector (appendix A's t_k).
    rankdir, notes (write the local derivative beside the stepped nodes) and
        draw_options: passed on to viz.dot.to_digraph when a frame is rendered.
    lang: 'en' or 'ja' (None: $GRAPHGRAD_LANG, else the locale's, else English): the
        narration, the book's headings and step texts (ステップ1 … ステップ6), and the
        drawings' captions and fonts.
    """
    if isinstance(root, Derivation):
        d = root
        options = dict(expand=expand, collapse=collapse, depth=depth, symbolic=symbolic,
                       given=given, seed=seed, fmt=fmt, upstream=upstream)
        mine = [k for k, v in options.items() if v is not None] + \
            ([] if preview is True else ["preview"]) + \
            ([] if lang is None or language(lang) == d.lang else ["lang"])
        if mine:
            raise TypeError(f"frames() of a Derivation takes the derivation's own "
                            f"options; {', '.join(sorted(mine))} given (derive with them)")
        if not d.view.grads:
            raise ValueError("frames() needs the gradients: derive(root, grads=True)")
    else:
        d = derive(root, expand=expand, collapse=collapse, depth=depth, grads=True,
                   seed=seed, fmt=fmt, preview=preview, symbolic=symbolic, given=given,
                   upstream=upstream, lang=lang)
    draw = dict(draw_options, rankdir=rankdir)
    try:
        return _replay(_Replay(d, draw), notes)
    except BudgetExceeded as e:  # the algebra went over its budget: numbers alone
        d.drop_symbolic(e)
        return _replay(_Replay(d, draw), notes)


def _replay(r, notes):
    d = r.d
    d._explained.clear()  # each replay says its definitions once, as the first did
    found = units(d.view, d.into)
    r.headings = _headings(r, found)
    count = len(found) + 2
    result = [_forward_frame(r, count)]
    shown = set()
    for k, unit in enumerate(found, start=1):
        current = set(unit.arrivals if unit.kind == "arrives" else unit.sends)
        shown |= current
        result.append(_unit_frame(r, k, count, unit, shown, current, notes))
    result.append(_final_frame(r, count, any(u.kind != "node" for u in found)))
    return result


def _forward_frame(r, count):
    """Frame 0: values only, every gradient still to come."""
    d, w, _ = r.d, _Writer(), r._
    seed = d.num(d.view.seed)
    start = f"∂{d.rname}/∂{d.rname} = {seed}"
    if d.seed_name:  # an upstream from above: the book's dout
        start = _("{name} = {derivative} (here {value})").format(
            name=d.seed_name, derivative=f"∂L/∂{wrap(d.name(d.root))}", value=seed)
    w.p(_("The forward pass: each edge carries its value (above the line). The backward "
          "pass starts at the output with {start} and sends gradients back along the "
          "edges (red, below the line).").format(start=start))
    if d.left_out_text():
        w.p(d.left_out_text())
    relations = d.relation_texts()
    if relations:
        said = _("The algebra uses {relations} (the labels t are one-hot).") \
            if d.one_hot_used else _("The algebra uses {relations}.")
        w.p(said.format(relations=", ".join(relations)))
    pending = {e.key: "pending" for e in d.view.edges}
    title = _("Forward pass: {name} = {value}").format(name=d.name(d.root),
                                                      value=d.num(d.root.data))
    return r.frame(0, count, "forward", title, title, w, None, pending,
                   heading=_("Forward pass"))


def _unit_frame(r, k, count, unit, shown, current, notes):
    """Frame k: a declared step, the arrival at a composite, or one drawn node."""
    view, w, sums, _ = r.view, _Writer(), [], r._
    heading, text = r.heading(unit), spoken(unit.text, _)
    if unit.kind == "node":
        vn = view.node(unit.node_id)
        if vn.kind == "composite" or len(unit.stepviews) > 1:
            caption = _box_frame(r, unit.node_id, unit.stepviews, w)
            # x − y drawn as one op: called by what it computes, as an op would be
            what = _node_title(r, vn, vn.members[-1] if vn.kind == "op" else None)
        else:
            sv = unit.stepviews[0]
            caption = _node_block(r, w, sv, [slot for _sv, slot in unit.sends], sums)
            what = _node_title(r, vn, sv.step.node)
        title = _("Backward: {what}").format(what=what)
        focus = (unit.node_id,)
    else:
        if text:
            w.append(("book", text))
        if unit.kind == "arrives":
            _arrivals(r, w, unit, sums)
            targets = unit.outputs
        else:
            for sv, slots in unit.by_node():
                _node_block(r, w, sv, slots, sums, several=len(unit.nodes) > 1)
            targets = unit.nodes
        title = _("{heading}: {what}").format(heading=heading, what=_unit_title(r, unit))
        caption = _("{heading}: {what}").format(heading=heading, what=text) if text \
            else title
        if len(unit.nodes) == 1:  # one node: its numbers say more under a picture
            caption = _("{heading}: {what}").format(
                heading=heading, what=_node_caption(r, *unit.by_node()[0]))
        focus = tuple(dict.fromkeys(view.node_id(n) for n in targets))
    summing = {view.edge_key(sv.step.node, s) for b in sums for sv, s in b.sends}
    edges = states(view, shown, current, summing)
    node_id = focus[0] if len(focus) == 1 else None
    steps = tuple(sorted({sv.index for sv, _ in current}))
    return r.frame(k, count, "step", title, caption, w, node_id, edges,
                   notes=_notes(r, unit) if notes else {}, steps=steps,
                   heading=heading, description=text, focus=focus, sums=sums)


def _headings(r, found):
    """Several calls of one composite stepped (Mazur's four sigmoids): each step's heading
    says whose it is, by the call's output ('out_o1: Step 1')."""
    calls = {}
    for u in found:
        if u.frame is not None:
            calls.setdefault(u.frame[0], set()).add(u.frame)
    out = {}
    for u in found:
        if u.frame is not None and len(calls[u.frame[0]]) > 1:
            # the engine steps a call's output first: everything inside comes from it
            first = next(sv.step.node for sv in r.view.steps if sv.step.node.op is not None
                         and sv.step.node.scope and sv.step.node.scope[-1] == u.frame)
            _ = r._
            out[u] = _("{name}: {heading}").format(name=r.d.name(first),
                                                   heading=spoken(u.heading, _))
    return out


def _notes(r, unit):
    """×local beside each stepped node with one input sent to (the book's multiply-by);
    with two, the factors would not say which edge each belongs to."""
    if unit.kind == "arrives":
        return {}
    out = {}
    for sv, slots in unit.by_node():
        nid = r.view.node_id(sv.step.node)
        if len(slots) == 1 and is_scalar(sv.step.upstream) and len(unit.stepviews) < 2 \
                and r.view.node(nid).kind == "op":
            out[nid] = f"×{r.d.factor(sv.step.local[slots[0]])}"
    return out


def _node_title(r, vn, node=None):
    """'the “×” node giving x·y (mul)': the node by its symbol, as the book quotes it,
    and by what it gives (a name, or what it computes)."""
    _ = r._
    if vn.kind == "composite":
        return _("the {label} box").format(label=vn.label)
    if node is None:
        title = _("the “{label}” node ({op})") if vn.label != vn.op else \
            _("the “{label}” node")
    else:
        title = _("the “{label}” node giving {name} ({op})") if vn.label != vn.op else \
            _("the “{label}” node giving {name}")
    return title.format(label=vn.label, op=vn.op, name="" if node is None else r.d.name(node))


def _unit_title(r, unit):
    """'the “×” nodes giving y1, y2, y3, towards 1/S': the stepped nodes, and where a
    step covers only some of their inputs, which ones."""
    d, view, _ = r.d, r.view, r._
    if unit.kind == "arrives":
        return _("the gradients arriving at {names}").format(
            names=", ".join(d.name(n) for n in unit.outputs))
    labels = list(dict.fromkeys(view.node(view.node_id(n)).label for n in unit.nodes))
    names = ", ".join(d.name(n) for n in unit.nodes)
    many, one = len(unit.nodes) > 1, len(labels) == 1
    if len(names) > 48:  # long expressions: the count says enough beside the picture
        what = (_("the {count} “{label}” nodes") if one else _("the {count} nodes")) \
            if many else _("the “{label}” node")
    else:
        what = (_("the “{label}” nodes giving {names}") if many else
                _("the “{label}” node giving {name}")) if one else \
            _("the nodes giving {names}")
    what = what.format(count=len(unit.nodes), label=labels[0], names=names, name=names)
    # appendix A's steps 2 and 5: each "×" node sends to one of its inputs only
    partial = all(len(slots) < sum(p.requires_grad for p in sv.step.node.parents)
                  for sv, slots in unit.by_node())
    if partial:
        targets = dict.fromkeys(d.name(sv.step.node.parents[s]) for sv, s in unit.sends)
        what = _("{what}, towards {targets}").format(what=what, targets=", ".join(targets))
    return what


def _forward_line(r, node, at=False):
    """'Forward: x = 1 → exp → exp(x) = 2.718.', or with `at` 'At exp(x): x = 1 → ...'
    (one of several nodes of a step)."""
    d, view, _ = r.d, r.view, r._
    ins = ", ".join(d.name.number(p) if p.op is None and not p.name else
                    f"{d.name(p)} = {d.num(p.data)}" for p in node.parents)
    label = view.node(view.node_id(node)).label
    line = _("At {name}: {inputs} → {label} → {name} = {value}.") if at else \
        _("Forward: {inputs} → {label} → {name} = {value}.")
    return line.format(inputs=ins, label=label, name=d.name(node), value=d.num(node.data))


def _node_block(r, w, sv, slots, sums, several=False):
    """One node's part of a frame: its forward value, the gradient arriving (each branch
    and their sum, when it feeds several nodes), then upstream × local = sent for each of
    the input `slots`.  Returns a one-line caption."""
    d, step, node, _ = r.d, sv.step, sv.step.node, r._
    w.p(_forward_line(r, node, at=several))
    _upstream(r, w, node, step.upstream, sums)
    local, scalar = step.local, is_scalar(step.upstream)
    for i in slots:
        target = d.name(node.parents[i])
        where = f"∂{wrap(d.name(node))}/∂{wrap(target)}"
        label = _("local") + (f" {where}" if len(where) <= 30 else "") + \
            (f" ({d.local_formula(node, i)})" if d.symbolic is None else "")
        sym_local, sent, why = d.sent_forms(step.index, i)
        w.row(label, d.num(local[i]) if scalar else _("(array)"), sym_local)
        numeric = d.num(step.grads[i])
        if scalar:
            numeric = f"{d.factor(step.upstream)} × {d.factor(local[i])} = {numeric}"
        w.row(_("sent to {name}").format(name=target), numeric, sent)
        if why:
            w.p(why)
    return _node_caption(r, sv, slots)


def _node_caption(r, sv, slots):
    """One line under the picture: upstream (each branch added up, where several) × local
    = sent (formula), or what goes where."""
    d, step, node = r.d, sv.step, sv.step.node
    label = r.view.node(sv.node_id).label
    up = d.factor(step.upstream)
    parts = d.branches(node)
    if len(parts) > 1 and is_scalar(step.upstream):
        up = f"({d.added([p.step.grads[s] for p, s in parts])})"
    if len(slots) == 1 and is_scalar(step.upstream):
        i = slots[0]
        return (f"{label}: {up} × {d.factor(step.local[i])} = "
                f"{d.num(step.grads[i])} → {d.name(node.parents[i])}  "
                f"({d.local_formula(node, i)})")
    _ = r._
    return _("{label}: upstream {value} → {sends}").format(
        label=label, value=d.num(step.upstream), sends=", ".join(
            f"{d.name(node.parents[i])}: {d.num(step.grads[i])}" for i in slots))


def _upstream(r, w, node, total, sums):
    """The gradient arriving at `node`: one row, or each branch and their sum."""
    d, _ = r.d, r._
    if node is d.root or len(d.branches(node)) < 2:
        w.row(_("upstream {derivative}").format(derivative=d.dname(node)), d.num(total),
              d.sym(d.symbolic.gradient(node)) if d.symbolic is not None else None)
        return
    b = d.branch_sum(node)
    for (name, g, _e), text in zip(b.parts, b.texts):
        w.row(_("from {name}").format(name=name), d.num(g), text)
    w.row(_("sum: upstream {derivative}").format(derivative=d.dname(node)),
          f"{d.added([p[1] for p in b.parts])} = {d.num(total)}", b.text, total=True)
    sums.append(b)


def _arrivals(r, w, unit, sums):
    """The gradients entering a composite at its outputs, from the layer above."""
    d = r.d
    for out in unit.outputs:
        sv = r.view.steps[d.step_of[out]]
        parts = [s for s in unit.arrivals if s[0].step.node.parents[s[1]] is out]
        if len(parts) == 1 and out is not d.root:
            csv, s = parts[0]
            _ = r._
            w.row(_("{derivative} from {name}").format(derivative=d.dname(out),
                                                       name=d.name(csv.step.node)),
                  d.num(csv.step.grads[s]), d.sent_sym(csv.index, s))
        else:
            _upstream(r, w, out, sv.step.upstream, sums)


def _box_frame(r, gid, svs, w):
    """Explain a collapsed composite as one unit: what enters it, what leaves it."""
    d, _ = r.d, r._
    box = d.box(gid)
    vn = box.node
    if vn.kind == "composite":
        said = _("{label} is drawn as one box ({count} nodes inside, {steps} backward "
                 "steps): it steps as one unit.")
    else:  # x − y, x ÷ y: a composite drawn as one op
        said = _("{label} ({composite}) is made of {count} nodes and drawn as one: its "
                 "{steps} backward steps go as one unit.")
    w.p(said.format(label=vn.label, composite=vn.composite, count=len(vn.members),
                    steps=len(svs)))
    for e, t in zip(box.ups, box.up_texts):
        w.row(_box_upstream(r, e, len(box.ups) > 1), d.num(e.grad_data), t)
    up = box.ups[0].grad_data if box.single else None
    for e, t in zip(box.outs, box.out_texts):
        label = d.name(e.node)
        numeric = d.num(e.grad_data)
        if box.single:
            w.row(_("local") + f" ∂{vn.label}/∂{wrap(label)}", d.num(box.local),
                  box.local_text)
            numeric = f"{d.factor(up)} × {d.factor(box.local)} = {numeric}"
        w.row(_("sent to {name}").format(name=label), numeric, t)
    if box.single:
        return _("{label} (one unit): {product} → {name}").format(
            label=vn.label, name=d.name(box.outs[0].node), product=(
                f"{d.factor(up)} × {d.factor(box.local)} = "
                f"{d.num(box.outs[0].grad_data)}"))
    return _("{label} (one unit) sends {sends}").format(label=vn.label, sends=", ".join(
        f"{d.num(e.grad_data)} → {d.name(e.node)}" for e in box.outs))


def _box_upstream(r, e, several):
    """The label of a gradient entering a box: 'upstream ∂L/∂y1 (from ×)'; an output of
    the box (y1 of softmax) may flow to several consumers."""
    _, view = r._, r.view
    named = e.node is not None and e.node.name
    source = e.key != view.output_key and several
    label = {(False, False): _("upstream"), (True, False): _("upstream {derivative}"),
             (False, True): _("upstream (from {name})"),
             (True, True): _("upstream {derivative} (from {name})")}[(bool(named), source)]
    return label.format(derivative=r.d.dname(e.node) if named else "",
                        name=view.node(e.dst).label or _("out") if source else "")


def _final_frame(r, count, declared):
    """The last frame: each variable's gradient and, with the algebra, the result it
    amounts to (∂L/∂a_k = y_k − t_k), numbers put in."""
    d, w, _ = r.d, _Writer(), r._
    rows = d.results()
    for name, numeric, sym in rows:
        w.row(f"∂{d.rname}/∂{name}", numeric, sym)
    statement = d.statement(rows) or d.declared_result
    title = _("Result: {statement}").format(statement=statement) if statement else \
        _("All gradients")
    if statement and declared:
        w.p(_("The result: {statement}.").format(statement=statement))
    w.p(_("Every gradient has been sent. A node used more than once adds up the gradients "
          "of its edges."))
    done = {e.key: "done" for e in d.view.edges}
    caption = title if statement else _("All gradients: {gradients}").format(
        gradients=", ".join(f"∂{d.rname}/∂{name} = {numeric}" for name, numeric, _s in rows))
    return r.frame(count - 1, count, "final", title, caption, w, None, done,
                   steps=tuple(range(len(d.view.steps))), heading=_("Result"))
