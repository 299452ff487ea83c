"""View model -> graphviz.Digraph, in the style of the book's figures.

Op nodes are circles with their symbol (+, ×, exp, log, /, dot, Σ ...), a collapsed
composite is a rounded box with its name, variables are plain text at the start of their
edge.  Each edge carries the forward value above the line (black) and, after backward,
the gradient below it (red), as in figures 5-14 to 5-22: the edge is drawn through a small
label node whose table has the value, a rule continuing the edge, and the gradient.

The DOT text depends only on the view, so the same graph gives the same source.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

import graphviz

from viz.derivation import derive
from viz.i18n import font_family, language, translator
from viz.model import View
from viz.numbers import true_minus

__all__ = ["COLORS", "STATES", "dot_text", "draw", "fork_state", "legend", "printable",
           "svg_id", "to_digraph"]

COLORS = {
    "value": "black",
    "grad": "#d62728",  # the book's red for gradients
    "pending": "#b0b0b0",
    "active": "#e8710a",  # the step being computed
    "summing": "#1f6fb4",  # the branches whose gradients the step adds up
    "highlight_fill": "#fff1d6",
    "composite_fill": "#f3f3f3",
    "cluster": "#8c8c8c",
    "constant": "#555555",
    "note": "#7b3fa0",  # an edge note (the checker's "yours"): none of the stepper's colours
}
STATES = ("done", "pending", "active", "summing")
FONT = font_family("en")  # the Latin families; a Japanese drawing adds CJK ones after them
SMALL = 11  # the point size of a number written under its expression

_BAD_ID = re.compile(r"[^A-Za-z0-9_-]")


def svg_id(key):
    """The SVG element id used for a view node id or edge key ('n0->n2' -> 'n0-to-n2')."""
    return _BAD_ID.sub("_", key.replace("->", "-to-").replace("#", "-"))


# C0 and C1 control characters, and the bidirectional controls that reorder what follows
# them on screen (U+202E shows 'exp' written backwards): none of them is text a name needs
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                      "\u2066-\u2069]")


def printable(text):
    """`text` with its control and bidirectional-control characters shown as U+FFFD, so
    nothing vanishes or reorders unseen; line breaks and tabs stay.  For every context
    text reaches: DOT labels (below) and the stepper's HTML (viz.html)."""
    return _CONTROL.sub("\ufffd", str(text).replace("\r\n", "\n").replace("\r", "\n"))


def _printable(text):
    """Text with one kind of line break and no control characters (Graphviz's HTML-label
    parser rejects them; a tab reads as a space); each other one shows as U+FFFD."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return printable(text)


def _esc(text):
    """Text for a Graphviz HTML label (<...>): markup characters as entities, backslashes
    doubled (dot substitutes \\N, \\G ... even there), line breaks as <BR/>."""
    text = html.escape(_printable(text), quote=True).replace("\\", "\\\\")
    return text.replace("\n", "<BR/>")


def _html(text):
    return f"<{_esc(text)}>"


def dot_text(text, *, tooltip=False):
    """Text for a plain (quoted) DOT attribute such as a caption or a tooltip, shown as
    written: never read as an HTML label (graphviz would pass '<...>' through raw, so a
    title could add nodes), '&' as an entity (dot reads entities in every string),
    backslashes doubled (no \\N or \\G substitution; a tooltip is unescaped twice, so
    there they are doubled twice), line breaks as \\n; the graphviz package escapes the
    quotes."""
    text = _printable(text).replace("&", "&amp;")
    text = text.replace("\\", "\\\\\\\\" if tooltip else "\\\\")
    return graphviz.nohtml(text.replace("\n", "\\n"))


WRAP = 24  # an expression longer than this breaks at its top-level + and −


def _wrap(text, width=WRAP):
    """A long expression as lines broken before a top-level ' + ' or ' − ' (never inside
    parentheses), each line as long as fits: a tall label keeps an LR graph narrow."""
    if len(text) <= width:
        return [text]
    cuts, depth = [], 0
    for i, ch in enumerate(text):
        depth += ch in "([{" and 1 or (ch in ")]}" and -1 or 0)
        if depth == 0 and text[i:i + 3] in (" + ", " − ") and i:
            cuts.append(i)
    lines, start = [], 0
    for a, b in zip([0] + cuts, cuts + [len(text)]):
        if b - start > width and a > start:
            lines.append(text[start:a].strip())
            start = a
    lines.append(text[start:].strip())
    return lines


def _cell_text(lines, color=None, bold=False):
    """Label lines [(text, style)] as the HTML of one table cell: style 'name' is in
    italics (a quantity's name), 'small' a size smaller (the number under an
    expression in labels='both')."""
    out = []
    for text, style in lines:
        t = _esc(true_minus(text))
        if bold:
            t = f"<B>{t}</B>"
        if style == "name":
            t = f"<I>{t}</I>"
        elif style == "small":
            t = f'<FONT POINT-SIZE="{SMALL}">{t}</FONT>'
        out.append(t)
    text = "<BR/>".join(out)
    return f'<FONT COLOR="{color}">{text}</FONT>' if color else text


def _edge_table(value, grad, *, vertical, state, rule_color, note=None):
    """The edge's label: value lines, a rule that continues the edge line (port 'm'),
    and the gradient lines.  `value` / `grad` are lists of (text, style) or a plain
    text; `grad` None leaves no gradient row; '' keeps the row's height, so frames of a
    step-through keep their layout while gradients appear.  A `note` is written under
    the gradient, in COLORS['note']."""
    value = [(value, "")] if isinstance(value, str) else value
    grad = [(grad, "")] if isinstance(grad, str) else grad
    cells = []
    pad = ' CELLPADDING="3"' if vertical else ""  # keep value and gradient off the line
    if value:
        cells.append(f'<TD{pad}>{_cell_text(value)}</TD>')
    # a minimum length, so a one-digit label still shows as a stretch of line
    size = 'HEIGHT="1" WIDTH="24"' if not vertical else 'WIDTH="1" HEIGHT="18"'
    side = "T" if not vertical else "L"
    rule = (f'<TD PORT="m" BORDER="1" SIDES="{side}" COLOR="{rule_color}" {size} '
            'CELLPADDING="0"></TD>')
    cells.append(rule)
    if grad is not None:
        color = {"pending": "transparent", "active": COLORS["active"],
                 "summing": COLORS["summing"]}.get(state, COLORS["grad"])
        bold = state in ("active", "summing")
        cells.append(f'<TD{pad}>{_cell_text(grad, color, bold=bold)}</TD>')
    if note:
        lines = [(line, "") for line in str(note).split("\n")]
        cells.append(f'<TD{pad}>{_cell_text(lines, COLORS["note"])}</TD>')
    if vertical:
        rows = "<TR>" + "".join(cells) + "</TR>"
    else:
        rows = "".join(f"<TR>{c}</TR>" for c in cells)
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            f"{rows}</TABLE>>")


def _sym_lines(forms, first=""):
    """An expression's forms as label lines: the first, then '= ' each next one."""
    lines = []
    for k, form in enumerate(forms):
        for j, line in enumerate(_wrap(form)):
            lines.append(((("= " if k else first) if j == 0 else "") + line, ""))
    return lines


def _value_lines(item, st, label=None):
    """What is written above an edge (or a fork's trunk), for the view's labels; a line
    that repeats the source's own label (x, t1, −1) is left out."""
    labels = st.view.labels
    if labels == "numbers" or item.value_sym is None:
        lines = ([(item.name, "name")] if item.name else []) + [(item.value, "")]
    else:
        lines = _sym_lines([item.value_sym])
        if labels == "both" and true_minus(item.value) != item.value_sym:
            lines.append((item.value, "small"))
    return [ln for ln in lines if true_minus(ln[0]) != true_minus(label or "")] \
        if label is not None else lines


def _grad_lines(item, st, key):
    """What is written below an edge: the gradient (the stepper's override, if any),
    its forms with symbolic labels; None without gradients, '' before it is known."""
    if not st.grads:
        return None
    number = st.edge_grads.get(key, item.grad)
    labels = st.view.labels
    if labels == "numbers" or item.grad_sym is None:
        return [("" if number is None else number, "")]
    lines = _sym_lines(item.grad_sym)
    if labels == "both" and number is not None and true_minus(number) not in item.grad_sym:
        lines.append((number, "small"))
    return lines


@dataclass
class _Style:
    """The drawing options of one to_digraph call, shared by the per-element functions."""

    view: View
    vertical: bool
    grads: bool
    fontsize: int
    prefix: str
    highlight: str | None
    states: dict
    edge_grads: dict
    notes: dict
    forks: bool = False
    lanes: dict = None
    edge_notes: dict = None
    line_ids: bool = False

    def name(self, nid):
        return self.prefix + nid

    def svg(self, what, key):
        return f"{what}-{svg_id(self.prefix + key)}"


def _check(rankdir, edge_states):
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    for key, state in (edge_states or {}).items():
        if state not in STATES:
            raise ValueError(f"edge state for {key!r} must be one of {STATES}, got {state!r}")


def _graph(name, rankdir, fontsize, caption, lang="en"):
    font = font_family(lang)
    g = graphviz.Digraph(name)
    g.attr(rankdir=rankdir, nodesep="0.25", ranksep="0.22", bgcolor="white",
           fontname=font, fontsize=str(fontsize), newrank="true")
    g.attr("node", fontname=font, fontsize=str(fontsize), margin="0.04,0.02")
    g.attr("edge", fontname=font, arrowsize="0.7", penwidth="1.1")
    if caption:
        g.attr(label=dot_text(caption), labelloc="b", labeljust="c")
    return g


# what the symbols of two kinds of division mean, for a legend
LEGEND_DIVISION = "/ is 1/x (the book's figure 5-19), ÷ is x ÷ y"
LEGEND_RECIPROCAL = "/ is 1/x (the book's figure 5-19)"
LEGEND_MARKS = "a small − or ÷ by an arrowhead: the input subtracted, the divisor"


def legend(view, always=False, lang=None):
    """The legend lines a drawing of `view` needs: '/' against '÷' where both kinds of
    division appear (or, with `always`, wherever '/' does), and the marks of − and ÷;
    in `lang` (None: the view's language)."""
    _ = translator(lang or view.lang)
    ops = {vn.label for vn in view.nodes if vn.kind == "op"}
    lines = []
    if "/" in ops and "÷" in ops:
        lines.append(_(LEGEND_DIVISION))
    elif "/" in ops and always:
        lines.append(_(LEGEND_RECIPROCAL))
    if any(e.mark for e in view.edges):
        lines.append(_(LEGEND_MARKS))
    return lines


def _caption(view, title, legend_option, lang, grads=True):
    """The title, then what the derivation says must be said (where a relation shortened
    a gradient: only where gradients are drawn), then the legend (legend_option: None for
    the lines needed, True for '/' always, False none)."""
    lines = [title] if title else []
    lines += (view.notes if grads else []) + view.caveats
    if legend_option is not False:
        lines += legend(view, always=legend_option is True, lang=lang)
    return "\n".join(lines)


def _node(vn, st):
    """One drawn node: (DOT name, attributes)."""
    attrs = {"id": st.svg("node", vn.id), "class": vn.kind,
             "tooltip": dot_text(vn.tooltip or vn.label, tooltip=True)}
    if vn.kind == "op":
        attrs.update(shape="circle", label=_html(true_minus(vn.label)), width="0.42",
                     margin="0.02")
    elif vn.kind == "composite":
        attrs.update(shape="box", style="rounded,filled", fillcolor=COLORS["composite_fill"],
                     label=_html(vn.label), margin="0.12,0.06")
    elif vn.kind == "constant":
        attrs.update(shape="plaintext", label=_html(true_minus(vn.label)), margin="0.02",
                     fontcolor=COLORS["constant"], fontsize=str(st.fontsize - 2))
    elif vn.kind == "output" and _said_on_the_edge(vn, st):
        attrs.update(shape="point", width="0.02", style="invis", label="")
    elif vn.label:  # a named variable or output: its name at the edge's end
        attrs.update(shape="plaintext", label=_html(vn.label), margin="0.02")
    else:  # unnamed: the edge starts (or ends) in empty space, as in the book
        attrs.update(shape="point", width="0.02", style="invis", label="")
    if vn.id == st.highlight:
        attrs.update(penwidth="2.6", color=COLORS["active"], style=_filled(attrs),
                     fillcolor=COLORS["highlight_fill"])
    if vn.id in st.notes:
        attrs.update(xlabel=_html(st.notes[vn.id]), fontcolor=attrs.get("fontcolor", "black"))
    return st.name(vn.id), attrs


def _said_on_the_edge(out, st):
    """With symbolic labels the output's name is written above its edge (L, y: figures
    A-5, 5-20); written again at the arrow's end it would say it twice."""
    view = st.view
    return view.labels != "numbers" and view.edge(view.output_key).value_sym == out.label


def _line_style(state):
    color = {"pending": COLORS["pending"], "active": COLORS["active"],
             "summing": COLORS["summing"]}.get(state, COLORS["value"])
    line = {"color": color}
    if state in ("active", "summing"):
        line["penwidth"] = "2.2"
    return line


def _ports(st):
    return ("m:w", "m:e") if not st.vertical else ("m:n", "m:s")


def _label_node(lab, key, table, state, st, lane=None):
    attrs = {"shape": "plaintext", "margin": "0", "label": table,
             "id": st.svg("edge", key), "class": f"edge {state}"}
    if lane is not None:
        attrs["group"] = st.name(lane)
    return ("node", lab, attrs)


def _lane(st, a, b):
    la = st.lanes.get(a)
    return la if la is not None and la == st.lanes.get(b) else None


def _mark(e, st, attrs):
    """'−' / '÷' at the arrowhead of the input a − b subtracts, a ÷ b divides by."""
    if e.mark:
        attrs.update(headlabel=_html(e.mark), labelfontsize=str(st.fontsize - 1),
                     labeldistance="1.3", labelangle="-40", labelfontcolor=COLORS["value"])
    return attrs


def _edge(i, e, st, fork=None):
    """One edge, drawn through its label node (value, rule, gradient): returns the label
    node's statement (None for a bare arrow) and the DOT edges.  A branch of a drawn
    `fork` starts at the fork's trunk and carries only its gradient."""
    state = st.states.get(e.key, "done")
    line = _line_style(state)
    src, dst = st.name(e.src), st.name(e.dst)
    source = st.view.node(e.src)
    if e.kind == "constant":
        value = _value_lines(e, st, label=source.label)
        if not value:  # the value is the label: a bare arrow
            bare = dict(line, id=st.svg("edge", e.key), color=COLORS["constant"],
                        arrowsize="0.6")
            if st.line_ids:
                bare["class"] = f"line {state}"
            return None, [(src, dst, _mark(e, st, bare))]
        grad = None
    else:
        symbolic = st.view.labels != "numbers" and source.kind == "variable"
        value = [] if fork else _value_lines(e, st, source.label if symbolic else None)
        grad = _grad_lines(e, st, e.key)
    lab = f"{st.prefix}L{i}"
    table = _edge_table(value, grad, vertical=st.vertical, state=state,
                        rule_color=line["color"], note=st.edge_notes.get(e.key))
    tail, head = _ports(st)
    start = f"{st.prefix}{fork}:{head}" if fork else src
    return _label_node(lab, e.key, table, state, st, _lane(st, e.src, e.dst)), [
        (start, f"{lab}:{tail}", _line(st, e.key, 1, state, dict(line, arrowhead="none"))),
        (f"{lab}:{head}", dst, _mark(e, st, _line(st, e.key, 2, state, dict(line))))]


def _line(st, key, k, state, attrs):
    """A stretch of an edge's line (1: to its label, 2: on to its head); with line_ids an
    SVG id and its state as a class, so a player can restyle a frame without drawing it
    again (viz.html)."""
    if not st.line_ids:
        return attrs
    return dict(attrs, id=f"{st.svg('line', key)}-{k}", **{"class": f"line {state}"})


def fork_state(fork, edge_states):
    """A trunk's sum is known once every branch's gradient is: pending while one is,
    active while the last ones are computed (`edge_states`: key -> state, 'done' when
    missing)."""
    states = {edge_states.get(k, "done") for k in fork.edges}
    for state in ("pending", "active", "summing"):
        if state in states:
            return state
    return "done"


def _fork(j, fork, st):
    """A value used several times, as the book draws it: the trunk from the source, with
    the value and the sum of the gradients of its branches."""
    state = fork_state(fork, st.states)
    line = _line_style(state)
    source = st.view.node(fork.src)
    symbolic = st.view.labels != "numbers" and source.kind == "variable"
    value = _value_lines(fork, st, source.label if symbolic else None)
    table = _edge_table(value, _grad_lines(fork, st, fork.key), vertical=st.vertical,
                        state=state, rule_color=line["color"],
                        note=st.edge_notes.get(fork.key))
    lab = f"{st.prefix}F{j}"
    tail, _ = _ports(st)
    return _label_node(lab, fork.key, table, state, st), [
        (st.name(fork.src), f"{lab}:{tail}",
         _line(st, fork.key, 1, state, dict(line, arrowhead="none")))]


def _home(e, view, cluster_of, parent):
    """The cluster an edge's label node is drawn in: an edge into a composite carries its
    label inside, so the input's line runs straight into the cluster instead of bending
    round its border."""
    home = _common(cluster_of[e.src], cluster_of[e.dst], parent)
    if home == cluster_of[e.src] and e.kind == "data":
        home = cluster_of[e.dst]
    return home


def _edges(st, body, parent, homes):
    """Every edge's label node into `body` (by cluster); returns the DOT edges.  The
    outputs of a collapsed composite stand in one column, first on top, as the book
    writes y1, y2, y3 (left to itself dot may stack them in any order).  `homes`:
    _constant_homes(view) (a constant drawn beside its op: its edge label too)."""
    view = st.view
    cluster_of = {vn.id: homes.get(vn.id, vn.cluster) for vn in view.nodes}
    edges, fanout = [], {}  # source box -> its label nodes
    trunks = {}  # fork key -> its label node's name
    for j, fork in enumerate(view.forks if st.forks else ()):
        stmt, lines = _fork(j, fork, st)
        trunks[fork.key] = f"F{j}"
        body[cluster_of[fork.src]].append(stmt)
        edges += lines
        if view.node(fork.src).kind == "composite":
            fanout.setdefault(fork.src, []).append((stmt[1], cluster_of[fork.src]))
    for i, e in enumerate(view.edges):
        fork = view.fork_of(e.key)
        trunk = trunks.get(fork.key) if fork is not None else None
        home = _home(e, view, cluster_of, parent)
        stmt, lines = _edge(i, e, st, trunk)
        edges += lines
        if stmt is None:
            continue
        body[home].append(stmt)
        if view.node(e.src).kind == "composite" and trunk is None:
            fanout.setdefault(e.src, []).append((stmt[1], home))
    for labels in fanout.values():
        where = {h for _, h in labels}
        if len(labels) > 1 and len(where) == 1:
            body[where.pop()].append(("same", [lab for lab, _ in labels], None))
    return edges


def _cluster(target, c, st, body, children):
    """An expanded composite: a dashed, labelled box holding its nodes (and its own)."""
    with target.subgraph(name=f"cluster_{c.id}") as sub:
        sub.attr(label=_html(c.label), style="rounded,dashed", color=COLORS["cluster"],
                 fontcolor=COLORS["cluster"], fontsize=str(st.fontsize - 3),
                 labeljust="l", labelloc="t", margin="8")
        _emit(sub, c.id, st, body, children)


def _emit(target, cid, st, body, children):
    for kind, nm, attrs in body[cid]:
        if kind == "node":
            target.node(nm, **attrs)
        else:
            # inside a cluster, LR dot stacks flat edges bottom-up (seen, and pinned by
            # tests/viz/test_render.py's layout tests), so the chain is reversed
            _same_rank(target, nm, flip=cid is not None and not st.vertical)
    for c in children.get(cid, []):
        _cluster(target, c, st, body, children)


def _align(g, st):
    """The inputs line up on the left, as in the book, instead of drifting next to their
    first consumer (a3 of appendix A would hang under the softmax cluster); named
    constants (the labels t1, t2, t3) going into one box likewise stand together."""
    nodes = st.view.nodes
    inputs = [st.name(vn.id) for vn in nodes
              if vn.kind == "variable" and vn.label and vn.cluster is None]
    if len(inputs) > 1:
        _same_rank(g, inputs, "min")
    data = [vn.id for vn in nodes if vn.kind == "constant" and vn.cluster is None
            and vn.members[0].name]
    # into one box (cross_entropy_error collapsed) they stand as a column; each into its
    # own op (appendix A opened) they stand best next to it
    if len(data) > 1 and len({e.dst for e in st.view.edges if e.src in data}) == 1:
        _same_rank(g, [st.name(d) for d in data])


def draws_forks(view, forks=None):
    """Whether a drawing shows the trunk of each fork (the branches' sum): by default
    with symbols, where the sum is written out; `forks` says otherwise."""
    return view.labels != "numbers" if forks is None else bool(forks)


def to_digraph(view: View, *, rankdir="LR", show_grads=None, highlight=None,
               edge_states=None, edge_grads=None, notes=None, title=None,
               fontsize=14, align_inputs=True, name="graphgrad", prefix="", forks=None,
               legend=None, edge_notes=None, lang=None, line_ids=False):
    """Render a `viz.model.View` as a `graphviz.Digraph`.

    rankdir: 'LR' (the book's left-to-right) or 'TB'.  In TB the value sits left of the
        edge and the gradient right of it.
    show_grads: None follows the view (gradients were computed); False hides them.

    Hooks for a step-by-step replay (every argument optional, keyed by the view's ids):
    highlight: a view node id drawn emphasized (thick orange outline, light fill): the
        node whose backward step is being computed.
    edge_states: edge key -> 'done' (gradient shown in red), 'pending' (line grey, no
        gradient yet: its text is kept invisible, so every frame has the same layout) or
        'active' (being computed: orange line, gradient bold orange) or 'summing' (a
        branch whose gradient the step adds up: blue, bold).  Edges not listed
        are 'done'.  `viz.stepper.edge_states` gives the states after some steps.
    edge_grads: edge key -> gradient text to show instead of the final one (a partial
        sum while several steps feed one edge).
    notes: view node id -> text written beside the node (e.g. the local derivative).
    edge_notes: edge (or fork) key -> text written under the edge's gradient, in
        COLORS['note'] (purple; the checker writes your gradient there).
    line_ids: give every stretch of an edge's line the SVG id 'line-' + svg_id(key) +
        '-1' (to its label) or '-2' (on to its head) and its state as a class: the HTML
        player restyles one picture frame by frame (viz.html).
    title: a caption under the graph; the view's notes (a relation its symbols used)
        and the legend follow it.
    forks: draw a value used several times as one trunk that branches (the book's
        figure A-5), the trunk carrying the sum of the branches' gradients.  None:
        with symbolic labels only.  The trunk's SVG id is 'edge-' + svg_id(fork.key),
        its state follows its branches'.
    legend: None: the lines the drawing needs (/ against ÷ where both appear, the
        marks of − and ÷); True: also '/ is 1/x' wherever '/' appears; False: none.
    align_inputs: put the input variables in one column (row, for TB) at the start.
    name, prefix: the graph's name, and a prefix for every DOT node name and SVG id
        (to put several graphs side by side as clusters of one Digraph).
    lang: the legend's language and the fonts named ('ja': Japanese families after the
        Latin ones, so no kana or kanji is drawn as a box); None: the view's
        (viz.model.build's lang=).

    SVG ids: node 'node-<id>', edge label 'edge-<key>' via svg_id(); classes 'op',
    'variable', 'constant', 'composite', 'output', and the edge state.
    """
    _check(rankdir, edge_states)
    st = _Style(view, rankdir in ("TB", "BT"),
                view.grads if show_grads is None else (show_grads and view.grads),
                fontsize, prefix, highlight, edge_states or {}, edge_grads or {}, notes or {},
                draws_forks(view, forks),
                lanes(view) if rankdir in ("TB", "BT") else {})
    st.edge_notes = edge_notes or {}
    st.line_ids = line_ids
    lang = language(lang or view.lang)
    caption = _caption(view, title, legend, lang, st.grads)
    if caption and st.vertical:
        caption = "\n" + caption  # in TB the last arrow ends just above the caption
    g = _graph(name, rankdir, fontsize, caption, lang)
    # the statements of each cluster (None: top level), emitted nested at the end
    body = {None: [], **{c.id: [] for c in view.clusters}}
    children = {}
    for c in view.clusters:
        children.setdefault(c.parent, []).append(c)
    parent = {c.id: c.parent for c in view.clusters}
    homes = _constant_homes(view)
    for vn in view.nodes:
        name, attrs = _node(vn, st)
        if vn.id in st.lanes:
            attrs["group"] = st.name(st.lanes[vn.id])
        body[homes.get(vn.id, vn.cluster)].append(("node", name, attrs))
    edges = _edges(st, body, parent, homes)
    if align_inputs:
        _align(g, st)
    _emit(g, None, st, body, children)
    for tail, head, attrs in edges:
        g.edge(tail, head, **attrs)
    return g


def lanes(view):
    """Node id -> its lane: the input variable reached through first inputs (y1 = exp(a1)
    × 1/S is in a1's lane, and so are the sums it feeds first).  Graphviz keeps the
    nodes of one `group` in a straight line, so in TB each input's chain reads as one
    column instead of weaving across the others (seen on appendix A; in LR dot finds
    the book's order without them, and with them puts y3's row on top)."""
    lane = {vn.id: vn.id for vn in view.nodes if vn.kind == "variable"}
    first = {}
    for e in view.edges:
        if e.kind != "constant":
            first.setdefault(e.dst, e.src)
    for vn in view.nodes:  # inputs before consumers: the view's order is the forward one
        if vn.id not in lane and vn.id in first and first[vn.id] in lane:
            lane[vn.id] = lane[first[vn.id]]
    return lane


def _constant_homes(view):
    """A constant that feeds a single op is drawn in that op's cluster, beside it (the
    labels t1, t2, t3 of appendix A next to their × nodes): outside, dot must keep it
    off the cluster's whole box, far from the op."""
    dsts = {}
    for e in view.edges:
        if e.kind == "constant":
            dsts.setdefault(e.src, set()).add(e.dst)
    return {src: view.node(d.pop()).cluster for src, d in dsts.items()
            if len(d) == 1 and view.node(src).cluster is None}


def _same_rank(g, names, rank="same", flip=False):
    """Put nodes in one rank, in the given order: invisible flat edges pin the order
    (first on top in LR, leftmost in TB)."""
    with g.subgraph() as s:
        s.attr(rank=rank)
        for nm in names:
            s.node(nm)
        for a, b in zip(names, names[1:]):
            s.edge(*((b, a) if flip else (a, b)), style="invis")


def _filled(attrs):
    style = attrs.get("style", "")
    parts = [s for s in style.split(",") if s and s != "invis"]
    return ",".join(parts + ([] if "filled" in parts else ["filled"]))


def _common(a, b, parent):
    """The innermost cluster holding both a and b (None: top level)."""
    chain = set()
    while a is not None:
        chain.add(a)
        a = parent[a]
    while b is not None and b not in chain:
        b = parent[b]
    return b


def draw(node, *, expand=None, collapse=None, depth=None, grads="auto", seed=None,
         rankdir="LR", fmt=None, preview=True, title=None, labels="numbers", upstream=None,
         given=None, lang=None, **render_options):
    """The book-style graph of the computation that produced `node`, as a
    graphviz.Digraph (`.source` is DOT text; in Jupyter it displays itself).

    labels: 'numbers' (each edge's value above it, its gradient below), 'symbols'
        (their expressions, in the graph's names: exp(a1), S, 1/S ... −t1/y1, 1/S,
        y1 − t1, as figures A-5 and 5-20 write them; needs sympy, a graph of Values)
        or 'both' (expression, and the number under it).
    upstream, given: for symbols, the name of the gradient arriving at the output
        ('∂L/∂y', figure 5-20) and relations the algebra may use (by default the
        one-hot relation of named labels t; it is said in the caption where used).
    expand / collapse / depth / grads / seed / fmt / preview: see viz.model.build
    (the view of viz.derivation.derive, which this draws: to_digraph(derive(...).view);
    by default composites are opened as labelled clusters, neg/sub/div/mean drawn as
    one −/÷/mean op, and gradients shown once backward() has run).
    rankdir, title and `render_options` (highlight=, edge_states=, forks=, legend=
    ...): see to_digraph.
    lang: 'en' or 'ja' (None: $GRAPHGRAD_LANG, else the locale's, else English): the
        captions, legend and tooltips, and a CJK font named first for 'ja'.
    """
    d = derive(node, expand=expand, collapse=collapse, depth=depth, grads=grads, seed=seed,
               fmt=fmt, preview=preview, labels=labels, upstream=upstream, given=given,
               lang=lang)
    return to_digraph(d.view, rankdir=rankdir, title=title, **render_options)
