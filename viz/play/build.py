"""What the playground shows for one request, computed from scratch: the one module that
calls the drawing and stepping machinery (viz.expr_graph, viz.derivation, viz.dot,
viz.render, viz.stepper, viz.html), so the server, the page and the Jupyter widget never
do.  Each request derives its graph once (viz.derivation.derive): the drawing, the
nodes' local derivatives and the stepper's frames all read that one derivation.

    drawing("sigmoid(x*w + b)", {"x": "1", "w": "2", "b": "-1"}, labels="both")
    # {'ok': True, 'svg': '<svg ...', 'variables': [...], 'result': [...], 'nodes': {...}}
    steps_page(...)   # the stepper: the same self-contained player as export_html
    image(..., "png") # the drawing as a download

Nothing is kept between calls: each builds its own graph from the text it is given
(learners share no state).  Every failure a learner can cause comes back as
`{'ok': False, 'error': {...}}` (or PlayError), never as a traceback.
"""
from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass

import numpy as np

from autograd import DomainError
from viz.expr import ExprError, parse
from viz.expr_graph import build_graph, leaves, name_output
from viz.i18n import language, translator
from viz.refusal import N_, Reason
from viz.values import parse_value, shape_text

__all__ = ["LIMITS", "Limits", "PlayError", "drawing", "graph", "image", "local_derivatives",
           "parsed", "steps_page", "variables_of"]


@dataclass(frozen=True)
class Limits:
    """What one request may ask for: the text typed, the graph drawn."""

    expression: int = 500  # characters of the expression
    value: int = 2000  # characters of one variable's value
    variables: int = 40
    nodes: int = 300  # engine nodes in the graph (constants included)


LIMITS = Limits()


class PlayError(Exception):
    """A learner's mistake or a limit, said for the page: `where` is 'expr', a variable's
    name or '' (the request as a whole), `offset` a position in that text.  `message` is
    English, made from the gettext template and its `arguments` (as viz.refusal's
    ExprError), so payload(lang) says it in the learner's language."""

    def __init__(self, message, where="", text="", offset=0, **arguments):
        self.refusal = ExprError(message, **arguments)
        super().__init__(self.refusal.message)
        self.message, self.where, self.text, self.offset = (self.refusal.message, where,
                                                            text, offset)

    def payload(self, lang="en"):
        return {"message": self.refusal.said_message(translator(lang)), "where": self.where,
                "text": self.text, "offset": self.offset}


def _expr_error(e, where):
    return PlayError(e.template, where, e.text, e.offset, **e.arguments)


def parsed(expr_text, limits=LIMITS):
    """The checked expression, or PlayError."""
    if len(expr_text) > limits.expression:
        raise PlayError(N_("the expression is longer than {limit} characters"), "expr",
                        expr_text, limits.expression, limit=limits.expression)
    try:
        return parse(expr_text)
    except ExprError as e:
        raise _expr_error(e, "expr") from None


# the value a variable takes until the learner types one: 1, and class 0 for labels
DEFAULT, DEFAULT_LABELS = "1", "0"
# the words of the page's address (?expr=...&labels=...): no variable may be called so
RESERVED = ("expr", "labels", "lang", "collapse")


def filled(expression, texts):
    """The values' texts, with the default for each variable not given one yet."""
    out = {}
    for name in expression.variables:
        text = texts.get(name)
        if text is None or not str(text).strip():
            text = DEFAULT_LABELS if name in expression.labels else DEFAULT
        out[name] = str(text)
    return out


def _values(expression, texts, limits):
    if len(expression.variables) > limits.variables:
        raise PlayError(N_("more than {limit} variables"), "expr", expression.text, 0,
                        limit=limits.variables)
    values = {}
    for name in expression.variables:
        if name in RESERVED:
            raise PlayError(N_("{name} is a word of the page's address (?{bare}=...): give "
                               "the variable another name"), "expr", expression.text,
                            expression.offset_of(name), name=repr(name), bare=name)
        text = texts[name]
        if len(text) > limits.value:
            raise PlayError(N_("the value of {name} is longer than {limit} characters"),
                            name, text, limits.value, name=repr(name), limit=limits.value)
        try:
            values[name] = parse_value(text, name)
        except ExprError as e:
            raise _expr_error(e, name) from None
    return values


def graph(expr_text, texts, limits=LIMITS):
    """The differentiated graph of the request (a viz.expr_graph.Built), or PlayError;
    a variable without a value takes the default (filled())."""
    expression = parsed(expr_text, limits)
    values = _values(expression, filled(expression, texts), limits)
    try:
        built = build_graph(expression, values, max_nodes=limits.nodes)
        name_output(built)
        if built.root.requires_grad:
            built.root.backward()
    except ExprError as e:
        raise _expr_error(e, "expr") from None
    except (DomainError, ArithmeticError, ValueError, TypeError) as e:
        raise PlayError(N_("cannot compute it at these values: {reason}"), "expr", expr_text,
                        getattr(e, "expr_offset", 0), reason=Reason(e)) from None
    return built


def _symbolic(built, labels, _):
    """The labels the drawing can have, and a note when they are not the ones asked."""
    if labels == "numbers":
        return labels, None
    if importlib.util.find_spec("sympy") is None:
        return "numbers", _("symbols need sympy, which is not installed (pip install sympy): "
                            "numbers are shown")
    if built.form == "arrays":
        return "numbers", _("symbols are written for numbers and vectors drawn element by "
                            "element; with a matrix, @ or max the numbers are shown")
    return labels, None


def _draw_options(collapse):
    return {"collapse": "all"} if collapse else {}


def _derive(built, lang, collapse, **options):
    """The request's one derivation (graph() ran backward wherever there is a gradient);
    `options`: labels=, or grads= and symbolic= for the stepper."""
    from viz.derivation import derive
    options.setdefault("grads", built.root.requires_grad)
    return derive(built.root, lang=lang, **_draw_options(collapse), **options)


def _svg(d, fmt="svg"):
    from viz.dot import to_digraph
    from viz.render import pipe
    return pipe(to_digraph(d.view), fmt, dpi=144 if fmt == "png" else None)


def variables_of(expr_text, texts, limits=LIMITS):
    """[{name, labels, value}] of the expression as typed so far, each with the text of
    its value (the default where none was given); [] when it does not parse."""
    try:
        expression = parsed(expr_text, limits)
    except PlayError:
        return []
    values = filled(expression, texts)
    return [{"name": n, "labels": n in expression.labels, "value": values[n]}
            for n in expression.variables]


def drawing(expr_text, texts, *, labels="numbers", lang=None, collapse=False,
            limits=LIMITS):
    """The page's payload for one request (see the module docstring)."""
    lang = language(lang)
    _ = translator(lang)
    out = {"ok": False, "variables": variables_of(expr_text, texts, limits), "lang": lang}
    try:
        built = graph(expr_text, texts, limits)
        shown, note = _symbolic(built, labels, _)
        d = _derive(built, lang, collapse, labels=shown)
        from viz.html import inline_svg
        svg = inline_svg(_svg(d).decode("utf-8"))
    except PlayError as e:
        out["error"] = e.payload(lang)
        return out
    out.update(ok=True, svg=svg, labels=shown, note=note, form=built.form,
               shapes={n: shape_text(v) for n, v in built.values.items()},
               result=_result(built), nodes=local_derivatives(d.view),
               steppable=bool(built.root.requires_grad))
    return out


def _g(x):
    if isinstance(x, np.ndarray):
        return np.array2string(x, precision=4, separator=", ", max_line_width=10**6,
                               formatter={"float": _g})
    return f"{x:.6g}" if math.isfinite(x) else str(x)


def _result(built):
    root = built.root
    lines = [f"{root.name} = {_g(root.data)}"]
    if root.requires_grad:
        lines += [f"∂{root.name}/∂{name} = {_g(node.grad)}" for name, node in leaves(built)]
    return lines


def _input_name(view, node, slot, parent):
    key = view.edge_key(node, slot)
    if parent.name:
        return parent.name
    if key is not None:
        src = view.node(view.edge(key).src)
        if src.label and src.kind != "op":
            return src.label
    return ""  # unnamed: the page calls it by its place (input 1, input 2)


def _op_rows(view, sv):
    step, node = sv.step, sv.step.node
    fmt = _formatter(view)
    local = step.local
    return {"upstream": fmt(step.upstream), "inputs": [
        {"name": _input_name(view, node, i, p), "value": fmt(p.data), "local": fmt(local[i]),
         "sent": fmt(g) if g is not None else ""}
        for i, (p, g) in enumerate(zip(node.parents, step.grads))]}


def _formatter(view):
    """Numbers as the drawing writes them, with a real minus sign."""
    from viz.numbers import minus
    return lambda x: minus(view.format_value(x))


def _box_rows(view, vn):
    """A collapsed composite: what enters it and what it sends back, from its edges."""
    fmt = _formatter(view)
    out = [e for e in view.edges if e.src == vn.id]
    upstream = out[0].grad_data if out else None
    rows = []
    for e in (e for e in view.edges if e.dst == vn.id):
        src = view.node(e.src)
        local = ""
        if upstream is not None and e.grad_data is not None and np.ndim(upstream) == 0 \
                and float(upstream) != 0 and np.ndim(e.grad_data) == 0:
            local = fmt(float(e.grad_data) / float(upstream))
        rows.append({"name": e.name or src.label or e.value, "value": fmt(e.value_data),
                     "local": local, "sent": fmt(e.grad_data) if e.grad_data is not None
                     else ""})
    return {"upstream": fmt(upstream) if upstream is not None else "",
            "inputs": rows}


def local_derivatives(view):
    """{SVG id of a drawn node: its local derivative at this point}: the formula, the
    gradient from above, and per input its value, the local derivative and what is sent
    back (upstream × local), for the page to show when the node is clicked."""
    from viz.dot import svg_id
    steps = {sv.node_id: sv for sv in view.steps}
    found = {}
    for vn in view.nodes:
        if vn.kind == "op" and vn.id in steps:
            rows = _op_rows(view, steps[vn.id])
        elif vn.kind == "composite" and view.grads:
            rows = _box_rows(view, vn)
        else:
            continue
        found[f"node-{svg_id(vn.id)}"] = {"title": vn.label, "formula": vn.formula, **rows}
    return found


def steps_page(expr_text, texts, *, labels="numbers", lang=None, collapse=False,
               limits=LIMITS):
    """The backward pass of the request as the player page of export_html; PlayError."""
    lang = language(lang)
    _ = translator(lang)
    built = graph(expr_text, texts, limits)
    if not built.root.requires_grad:
        raise PlayError(N_("the expression has no variables, so there is no backward pass "
                           "to step through"), "expr", expr_text, 0)
    shown, _note = _symbolic(built, labels, _)
    from viz.html import player_html
    from viz.stepper import frames
    # the frames draw numbers on the edges; the algebra goes beside them in the words
    d = _derive(built, lang, collapse, grads=True,
                symbolic=None if shown != "numbers" else False)
    return player_html(frames(d), title=_("graphgrad playground: {expr}").format(
        expr=expr_text), lang=lang)


def image(expr_text, texts, fmt, *, labels="numbers", lang=None, collapse=False,
          limits=LIMITS):
    """The drawing as 'svg' or 'png' bytes (a download); PlayError."""
    lang = language(lang)
    built = graph(expr_text, texts, limits)
    shown, _note = _symbolic(built, labels, translator(lang))
    return _svg(_derive(built, lang, collapse, labels=shown), fmt)
