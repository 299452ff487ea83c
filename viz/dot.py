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

import graphviz

from viz.model import View, build

__all__ = ["COLORS", "STATES", "draw", "svg_id", "to_digraph"]

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


_MINUS = re.compile(r"-(?=[\d.]|inf)")


def _num(text):
    """Numbers as typeset: a true minus sign (−1, not -1), as the book prints them."""
    return _MINUS.sub("\u2212", str(text))


def _esc(text):
    return html.escape(str(text), quote=True)


def _html(text):
    return f"<{_esc(text)}>"


def _edge_table(value, grad, *, vertical, state, rule_color):
    """The edge's label: value, a rule that continues the edge line (port 'm'), and the
    gradient.  `grad` None leaves no gradient row; '' keeps the row's height, so frames
    of a step-through keep their layout while gradients appear."""
    cells = []
    pad = ' CELLPADDING="3"' if vertical else ""  # keep value and gradient off the line
    cells.append(f'<TD{pad}>{_esc(_num(value))}</TD>')
    # a minimum length, so a one-digit label still shows as a stretch of line
    size = 'HEIGHT="1" WIDTH="24"' if not vertical else 'WIDTH="1" HEIGHT="18"'
    side = "T" if not vertical else "L"
    rule = (f'<TD PORT="m" BORDER="1" SIDES="{side}" COLOR="{rule_color}" {size} '
            'CELLPADDING="0"></TD>')
    cells.append(rule)
    if grad is not None:
        if state == "pending":
            color, text = "transparent", _esc(_num(grad))
        elif state == "active":
            color, text = COLORS["active"], f"<B>{_esc(_num(grad))}</B>"
        else:
            color, text = COLORS["grad"], _esc(_num(grad))
        cells.append(f'<TD{pad}><FONT COLOR="{color}">{text}</FONT></TD>')
    if vertical:
        rows = "<TR>" + "".join(cells) + "</TR>"
    else:
        rows = "".join(f"<TR>{c}</TR>" for c in cells)
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            f"{rows}</TABLE>>")


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
        are 'done'.  `View.edge_states(k)` gives the states after backward step k.
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
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR' or 'TB', got {rankdir!r}")
    for key, state in (edge_states or {}).items():
        if state not in STATES:
            raise ValueError(f"edge state for {key!r} must be one of {STATES}, got {state!r}")
    vertical = rankdir in ("TB", "BT")
    grads = view.grads if show_grads is None else (show_grads and view.grads)
    edge_states = edge_states or {}
    edge_grads = edge_grads or {}
    notes = notes or {}

    g = graphviz.Digraph(name)
    g.attr(rankdir=rankdir, nodesep="0.25", ranksep="0.22", bgcolor="white",
           fontname=FONT, fontsize=str(fontsize), newrank="true")
    g.attr("node", fontname=FONT, fontsize=str(fontsize), margin="0.04,0.02")
    g.attr("edge", fontname=FONT, arrowsize="0.7", penwidth="1.1")
    if title:
        g.attr(label=title, labelloc="b", labeljust="c")

    # the statements of each cluster (None: top level), emitted nested at the end
    body = {None: []}
    children = {None: []}
    parent = {c.id: c.parent for c in view.clusters}
    for c in view.clusters:
        body[c.id] = []
        children.setdefault(c.id, [])
        children.setdefault(c.parent, []).append(c)

    def node_stmt(vn):
        attrs = {"id": f"node-{svg_id(prefix + vn.id)}", "class": vn.kind, "tooltip": vn.tooltip
                 or vn.label}
        if vn.kind == "op":
            attrs.update(shape="circle", label=_html(_num(vn.label)), width="0.42",
                         margin="0.02")
        elif vn.kind == "composite":
            attrs.update(shape="box", style="rounded,filled",
                         fillcolor=COLORS["composite_fill"], label=_html(vn.label),
                         margin="0.12,0.06")
        elif vn.kind == "constant":
            attrs.update(shape="plaintext", label=_html(_num(vn.label)), margin="0.02",
                         fontcolor=COLORS["constant"], fontsize=str(fontsize - 2))
        elif vn.label:  # a named variable or output: its name at the edge's end
            attrs.update(shape="plaintext", label=_html(vn.label), margin="0.02")
        else:  # unnamed: the edge starts (or ends) in empty space, as in the book
            attrs.update(shape="point", width="0.02", style="invis", label="")
        if vn.id == highlight:
            attrs.update(penwidth="2.6", color=COLORS["active"], style=_filled(attrs),
                         fillcolor=COLORS["highlight_fill"])
        if vn.id in notes:
            attrs.update(xlabel=_html(notes[vn.id]), fontcolor=attrs.get("fontcolor",
                                                                          "black"))
        return prefix + vn.id, attrs

    for vn in view.nodes:
        body[vn.cluster].append(("node",) + node_stmt(vn))

    def P(nid):
        return prefix + nid

    edges = []
    fanout = {}  # source node -> its label nodes
    cluster_of = {vn.id: vn.cluster for vn in view.nodes}
    for i, e in enumerate(view.edges):
        state = edge_states.get(e.key, "done")
        color = {"pending": COLORS["pending"], "active": COLORS["active"]}.get(
            state, COLORS["value"])
        line = {"color": color}
        if state == "active":
            line["penwidth"] = "2.2"
        if e.kind == "constant":
            src_label = view.node(e.src).label
            if src_label == e.value:  # the constant's value is its label: a bare arrow
                edges.append((P(e.src), P(e.dst),
                              dict(line, id=f"edge-{svg_id(prefix + e.key)}",
                                   color=COLORS["constant"], arrowsize="0.6")))
                continue
            grad = None
        else:
            grad = edge_grads.get(e.key, e.grad) if grads else None
            if grads and grad is None:
                grad = ""
        lab = f"{prefix}L{i}"
        table = _edge_table(e.value, grad, vertical=vertical, state=state, rule_color=color)
        # an edge into a composite carries its label inside, so the input's line
        # runs straight into the cluster instead of bending round its border
        home = _common(cluster_of[e.src], cluster_of[e.dst], parent)
        if home == cluster_of[e.src] and e.kind == "data":
            home = cluster_of[e.dst]
        body[home].append(
            ("node", lab, {"shape": "plaintext", "margin": "0", "label": table,
                           "id": f"edge-{svg_id(prefix + e.key)}",
                           "class": f"edge {state}"}))
        if view.node(e.src).kind == "composite":
            fanout.setdefault(e.src, []).append((lab, home))
        tail, head = ("m:w", "m:e") if not vertical else ("m:n", "m:s")
        edges.append((P(e.src), f"{lab}:{tail}", dict(line, arrowhead="none")))
        edges.append((f"{lab}:{head}", P(e.dst), line))
    # the outputs of a collapsed composite stand in one column, first on top, as the
    # book writes y1, y2, y3 (left to itself dot may stack them in any order)
    for labels in fanout.values():
        homes = {h for _, h in labels}
        if len(labels) > 1 and len(homes) == 1:
            body[homes.pop()].append(("same", [lab for lab, _ in labels], None))

    def emit(target, cid):
        for kind, nm, attrs in body[cid]:
            if kind == "node":
                target.node(nm, **attrs)
            else:
                # inside a cluster, LR dot stacks flat edges bottom-up (seen, and pinned
                # by tests/viz/test_render.py's layout tests), so the chain is reversed
                _same_rank(target, nm, flip=cid is not None and not vertical)
        for c in children.get(cid, []):
            with target.subgraph(name=f"cluster_{c.id}") as sub:
                sub.attr(label=_html(c.label), style="rounded,dashed",
                         color=COLORS["cluster"], fontcolor=COLORS["cluster"],
                         fontsize=str(fontsize - 3), labeljust="l", margin="8")
                emit(sub, c.id)

    # the inputs line up on the left, as in the book, instead of drifting next to
    # their first consumer (a3 of appendix A would hang under the softmax cluster)
    inputs = [P(vn.id) for vn in view.nodes
              if vn.kind == "variable" and vn.label and vn.cluster is None]
    if len(inputs) > 1 and align_inputs:
        _same_rank(g, inputs, "min")
    # named constants (the labels t1, t2, t3) likewise stand together, in order
    data = [P(vn.id) for vn in view.nodes if vn.kind == "constant" and vn.cluster is None
            and vn.members[0].name]
    if len(data) > 1 and align_inputs:
        _same_rank(g, data)
    emit(g, None)
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
