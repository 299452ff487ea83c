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

from viz.model import View, build
from viz.numbers import true_minus

__all__ = ["COLORS", "STATES", "dot_text", "draw", "svg_id", "to_digraph"]

COLORS = {
    "value": "black",
    "grad": "#d62728",  # the book's red for gradients
    "pending": "#b0b0b0",
    "active": "#e8710a",  # the step being computed
    "highlight_fill": "#fff1d6",
    "composite_fill": "#f3f3f3",
    "cluster": "#8c8c8c",
    "constant": "#555555",
}
STATES = ("done", "pending", "active")
FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"

_BAD_ID = re.compile(r"[^A-Za-z0-9_-]")


def svg_id(key):
    """The SVG element id used for a view node id or edge key ('n0->n2' -> 'n0-to-n2')."""
    return _BAD_ID.sub("_", key.replace("->", "-to-").replace("#", "-"))


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _printable(text):
    """Text with one kind of line break and no control characters (Graphviz's HTML-label
    parser rejects them; a tab reads as a space); each other one shows as U+FFFD, so
    nothing vanishes unseen."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub("\ufffd", text)


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


def _edge_table(value, grad, *, vertical, state, rule_color):
    """The edge's label: value, a rule that continues the edge line (port 'm'), and the
    gradient.  `grad` None leaves no gradient row; '' keeps the row's height, so frames
    of a step-through keep their layout while gradients appear."""
    cells = []
    pad = ' CELLPADDING="3"' if vertical else ""  # keep value and gradient off the line
    cells.append(f'<TD{pad}>{_esc(true_minus(value))}</TD>')
    # a minimum length, so a one-digit label still shows as a stretch of line
    size = 'HEIGHT="1" WIDTH="24"' if not vertical else 'WIDTH="1" HEIGHT="18"'
    side = "T" if not vertical else "L"
    rule = (f'<TD PORT="m" BORDER="1" SIDES="{side}" COLOR="{rule_color}" {size} '
            'CELLPADDING="0"></TD>')
    cells.append(rule)
    if grad is not None:
        if state == "pending":
            color, text = "transparent", _esc(true_minus(grad))
        elif state == "active":
            color, text = COLORS["active"], f"<B>{_esc(true_minus(grad))}</B>"
        else:
            color, text = COLORS["grad"], _esc(true_minus(grad))
        cells.append(f'<TD{pad}><FONT COLOR="{color}">{text}</FONT></TD>')
    if vertical:
        rows = "<TR>" + "".join(cells) + "</TR>"
    else:
        rows = "".join(f"<TR>{c}</TR>" for c in cells)
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            f"{rows}</TABLE>>")


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

    def name(self, nid):
        return self.prefix + nid

    def svg(self, what, key):
        return f"{what}-{svg_id(self.prefix + key)}"


def _check(rankdir, edge_states):
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR' or 'TB', got {rankdir!r}")
    for key, state in (edge_states or {}).items():
        if state not in STATES:
            raise ValueError(f"edge state for {key!r} must be one of {STATES}, got {state!r}")


def _graph(name, rankdir, fontsize, title):
    g = graphviz.Digraph(name)
    g.attr(rankdir=rankdir, nodesep="0.25", ranksep="0.22", bgcolor="white",
           fontname=FONT, fontsize=str(fontsize), newrank="true")
    g.attr("node", fontname=FONT, fontsize=str(fontsize), margin="0.04,0.02")
    g.attr("edge", fontname=FONT, arrowsize="0.7", penwidth="1.1")
    if title:
        g.attr(label=dot_text(title), labelloc="b", labeljust="c")
    return g


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


def _edge(i, e, st):
    """One edge, drawn through its label node (value, rule, gradient): returns the label
    node's statement (None for a bare arrow) and the DOT edges."""
    state = st.states.get(e.key, "done")
    color = {"pending": COLORS["pending"], "active": COLORS["active"]}.get(
        state, COLORS["value"])
    line = {"color": color}
    if state == "active":
        line["penwidth"] = "2.2"
    src, dst = st.name(e.src), st.name(e.dst)
    if e.kind == "constant":
        if st.view.node(e.src).label == e.value:  # the value is the label: a bare arrow
            return None, [(src, dst, dict(line, id=st.svg("edge", e.key),
                                          color=COLORS["constant"], arrowsize="0.6"))]
        grad = None
    else:
        grad = st.edge_grads.get(e.key, e.grad) if st.grads else None
        if st.grads and grad is None:
            grad = ""
    lab = f"{st.prefix}L{i}"
    table = _edge_table(e.value, grad, vertical=st.vertical, state=state, rule_color=color)
    stmt = ("node", lab, {"shape": "plaintext", "margin": "0", "label": table,
                          "id": st.svg("edge", e.key), "class": f"edge {state}"})
    tail, head = ("m:w", "m:e") if not st.vertical else ("m:n", "m:s")
    return stmt, [(src, f"{lab}:{tail}", dict(line, arrowhead="none")),
                  (f"{lab}:{head}", dst, line)]


def _home(e, view, cluster_of, parent):
    """The cluster an edge's label node is drawn in: an edge into a composite carries its
    label inside, so the input's line runs straight into the cluster instead of bending
    round its border."""
    home = _common(cluster_of[e.src], cluster_of[e.dst], parent)
    if home == cluster_of[e.src] and e.kind == "data":
        home = cluster_of[e.dst]
    return home


def _edges(st, body, parent):
    """Every edge's label node into `body` (by cluster); returns the DOT edges.  The
    outputs of a collapsed composite stand in one column, first on top, as the book
    writes y1, y2, y3 (left to itself dot may stack them in any order)."""
    view = st.view
    cluster_of = {vn.id: vn.cluster for vn in view.nodes}
    edges, fanout = [], {}  # source box -> its label nodes
    for i, e in enumerate(view.edges):
        home = _home(e, view, cluster_of, parent)
        stmt, lines = _edge(i, e, st)
        edges += lines
        if stmt is None:
            continue
        body[home].append(stmt)
        if view.node(e.src).kind == "composite":
            fanout.setdefault(e.src, []).append((stmt[1], home))
    for labels in fanout.values():
        homes = {h for _, h in labels}
        if len(labels) > 1 and len(homes) == 1:
            body[homes.pop()].append(("same", [lab for lab, _ in labels], None))
    return edges


def _cluster(target, c, st, body, children):
    """An expanded composite: a dashed, labelled box holding its nodes (and its own)."""
    with target.subgraph(name=f"cluster_{c.id}") as sub:
        sub.attr(label=_html(c.label), style="rounded,dashed", color=COLORS["cluster"],
                 fontcolor=COLORS["cluster"], fontsize=str(st.fontsize - 3),
                 labeljust="l", margin="8")
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
    constants (the labels t1, t2, t3) likewise stand together, in order."""
    nodes = st.view.nodes
    inputs = [st.name(vn.id) for vn in nodes
              if vn.kind == "variable" and vn.label and vn.cluster is None]
    if len(inputs) > 1:
        _same_rank(g, inputs, "min")
    data = [st.name(vn.id) for vn in nodes if vn.kind == "constant" and vn.cluster is None
            and vn.members[0].name]
    if len(data) > 1:
        _same_rank(g, data)


def to_digraph(view: View, *, rankdir="LR", show_grads=None, highlight=None,
               edge_states=None, edge_grads=None, notes=None, title=None,
               fontsize=14, align_inputs=True, name="graphgrad", prefix=""):
    """Render a `viz.model.View` as a `graphviz.Digraph`.

    rankdir: 'LR' (the book's left-to-right) or 'TB'.  In TB the value sits left of the
        edge and the gradient right of it.
    show_grads: None follows the view (gradients were computed); False hides them.

    Hooks for a step-by-step replay (every argument optional, keyed by the view's ids):
    highlight: a view node id drawn emphasized (thick orange outline, light fill): the
        node whose backward step is being computed.
    edge_states: edge key -> 'done' (gradient shown in red), 'pending' (line grey, no
        gradient yet: its text is kept invisible, so every frame has the same layout) or
        'active' (being computed: orange line, gradient bold orange).  Edges not listed
        are 'done'.  `viz.stepper.edge_states` gives the states after some steps.
    edge_grads: edge key -> gradient text to show instead of the final one (a partial
        sum while several steps feed one edge).
    notes: view node id -> text written beside the node (e.g. the local derivative).
    title: a caption under the graph.
    align_inputs: put the input variables in one column (row, for TB) at the start.
    name, prefix: the graph's name, and a prefix for every DOT node name and SVG id
        (to put several graphs side by side as clusters of one Digraph).

    SVG ids: node 'node-<id>', edge label 'edge-<key>' via svg_id(); classes 'op',
    'variable', 'constant', 'composite', 'output', and the edge state.
    """
    _check(rankdir, edge_states)
    st = _Style(view, rankdir in ("TB", "BT"),
                view.grads if show_grads is None else (show_grads and view.grads),
                fontsize, prefix, highlight, edge_states or {}, edge_grads or {}, notes or {})
    g = _graph(name, rankdir, fontsize, title)
    # the statements of each cluster (None: top level), emitted nested at the end
    body = {None: [], **{c.id: [] for c in view.clusters}}
    children = {}
    for c in view.clusters:
        children.setdefault(c.parent, []).append(c)
    parent = {c.id: c.parent for c in view.clusters}
    for vn in view.nodes:
        body[vn.cluster].append(("node",) + _node(vn, st))
    edges = _edges(st, body, parent)
    if align_inputs:
        _align(g, st)
    _emit(g, None, st, body, children)
    for tail, head, attrs in edges:
        g.edge(tail, head, **attrs)
    return g


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
         rankdir="LR", fmt=None, preview=True, title=None, **render_options):
    """The book-style graph of the computation that produced `node`, as a
    graphviz.Digraph (`.source` is DOT text; in Jupyter it displays itself).

    expand / collapse / depth / grads / seed / fmt / preview: see viz.model.build
    (by default composites are opened as labelled clusters, neg/sub/div/mean drawn as
    one −/÷/mean op, and gradients shown once backward() has run).
    rankdir, title and `render_options` (highlight=, edge_states=, ...): see to_digraph.
    """
    view = build(node, expand=expand, collapse=collapse, depth=depth, grads=grads,
                 seed=seed, fmt=fmt, preview=preview)
    return to_digraph(view, rankdir=rankdir, title=title, **render_options)
