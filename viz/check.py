"""The checker's drawings: a report of autograd.check on the graph of your own forward.

    report = check_layer(MyAffine(W, b), x)
    viz.check.draw(report)            # a graphviz.Digraph (Jupyter shows it)

In Jupyter, `import viz` makes a report left as a cell's last expression show its table
and its drawing (enable_notebook below, called by viz.enable_notebook); the engine's
Report knows nothing of this (nothing under autograd/ imports viz).

check_layer, check_gradients: the graph your forward recorded on Tensors, each edge with
its value (black) and the expected gradient (red: the engine's walk back from dout).  On
the edge out of each input or parameter whose gradient is wrong, yours is written under
the expected one in purple (its shape, a few entries, the largest error and where, the
hint's first words), and the entries of the expected one above it are the same ones.
Where some gradients are right, the steps between the last right gradient and the wrong
one (report.departure) are outlined in purple: the mistake is in one of their local
derivatives.  Purple is no colour of the stepper's (red gradient, orange active, blue
summing), so the two never read alike.

check_network: the book's chain of layers, x → Affine1 → Relu1 → … → lastLayer → L, each
layer one box, and every edge between two layers carrying the expected gradient and, where
it differs, the dx of the layer it enters, computed by that layer's backward from the exact
gradient above it (as check_network checks each layer): the first purple edge from the
loss down is the layer whose backward departs.  That layer (`first_wrong`) is drawn opened,
the graph of its own forward inside its box, as check_layer draws it.
"""
from __future__ import annotations

import dataclasses
import re

import numpy as np

from autograd.check import Message
from viz.dot import COLORS, to_digraph
from viz.i18n import language, translator, wrap
from viz.model import Cluster, View, ViewEdge, ViewNode, build
from viz.numbers import format_data, format_number, make_formatter

__all__ = ["YOURS", "disable_notebook", "draw", "draw_report", "enable_notebook", "html",
           "note_text", "nothing_to_draw", "text"]

YOURS = COLORS["note"]
OUTLINE = {"color": YOURS, "penwidth": "2.6"}
ENTRIES = 3  # entries of an array in a note: enough to compare with the expected above
NOTE_WIDTH = 38  # characters of a hint on an edge: wider would stretch the edge's label
CAPTION_WIDTH = 100
LONG = 10  # edges on the longest path: past this, 'auto' draws top to bottom
BUILD_OPTIONS = ("expand", "collapse", "depth", "preview")



def _legend(_, which):
    """The caption's lines saying what the colours and outlines mean."""
    return {"colours": _("red: the expected gradient (the engine's, of your forward); "
                         "purple: yours"),
            "layers": _("red: the expected gradient (the engine's, of your forward); "
                        "purple: yours (each layer's own backward)"),
            "outline": _("outlined in purple: the steps from the last right gradient down "
                         "to the wrong one: one of their local derivatives is where yours "
                         "departs"),
            "network": _("each layer's backward is fed the exact gradient from above: the "
                         "first purple value from the loss down is the layer whose backward "
                         "departs")}[which]


def draw(report, *, rankdir="auto", title=None, fmt=None, lang=None, **options):
    """A report of autograd.check drawn (see the module docstring), as a graphviz.Digraph.

    rankdir: 'LR' (the book's), 'TB', or 'auto': LR, except for a network and a graph
        with more than LONG steps on its longest path (a learner's softmax and cross
        entropy written in numpy), drawn top to bottom so that they stay readable at a
        page's width (in LR a network's arrays stand side by side on one long row).
    title: the caption's first line (default: what the check found).
    fmt: the number format of the edges (viz.model.build's).
    lang: the language of the caption and the notes (en, ja; default: $GRAPHGRAD_LANG,
        else the locale's).
    options: expand=, collapse=, depth=, preview= for the graph (viz.model.build), the
        rest for viz.dot.to_digraph (fontsize=, legend= ...)."""
    # the graph's own words (an op's tooltip: its formula) in the caption's language
    built = {k: options.pop(k) for k in BUILD_OPTIONS if k in options}
    built["lang"] = language(lang)
    _ = translator(built["lang"])
    # a parameter stands by the op that uses it (W2 in the middle of the network), not in
    # the inputs' column: its edge, the one a note is written on, stays short
    options.setdefault("align_inputs", False)
    if hasattr(report, "layers"):
        chain = _Chain(report, make_formatter(fmt), built, _)
        view, notes, grads = chain.view, chain.notes, chain.grads
        outlined, forked = chain.outlined, chain.forked
        caption = _network_caption(report, title, chain, _)
    else:
        if report.graph is None:
            raise ValueError(nothing_to_draw(report))
        view = build(report.graph, seed=_seed(report), grads=True, fmt=fmt, **built)
        notes, grads, forked = _leaf_notes(view, report, _)
        outlined = _departure(view, report)
        caption = _caption(report, title, outlined, _)
    if rankdir == "auto":
        rankdir = "TB" if hasattr(report, "layers") or _length(view) > LONG else "LR"
    g = to_digraph(view, rankdir=rankdir, edge_notes=notes, edge_grads=grads,
                   forks=True if forked else None, title=caption, lang=language(lang),
                   **options)
    for vid in outlined:  # a node stated again keeps its place and takes the outline
        g.node(options.get("prefix", "") + vid, **OUTLINE)
    if hasattr(report, "layers") and chain.opened is not None:
        with g.subgraph(name=f"cluster_{chain.opened_id}") as box:  # the same cluster
            box.attr(color=YOURS, fontcolor=YOURS, penwidth="2")
    return g


draw_report = draw  # its first name


def _length(view):
    """The number of edges on the longest path (the view lists inputs first)."""
    depth = {}
    for e in view.edges:
        depth[e.dst] = max(depth.get(e.dst, 0), depth.get(e.src, 0) + 1)
    return max(depth.values(), default=0)


def nothing_to_draw(report, lang="en"):
    """Why a report has no drawing, in `lang` (draw raises it as a ValueError, in
    English)."""
    _ = translator(language(lang))
    if report.error:
        return _("nothing to draw: {error}").format(error=_say(report.error, _))
    if report.reason:
        return _("nothing to draw: the expected gradients are central differences "
                 "({reason}), so no graph of your forward was recorded").format(
                     reason=_say(report.reason, _))
    return _("nothing to draw: the expected gradients are central differences, so no "
             "graph of your forward was recorded")


def _say(text, _):
    return text.say(_) if isinstance(text, Message) else str(text)


def _seed(report):
    """The gradient the check started from: dout, shaped as the graph's output."""
    if report.dout is None:
        return None
    data = report.graph.data
    dout = np.asarray(report.dout, dtype=np.float64)
    if isinstance(data, np.ndarray):
        return np.broadcast_to(dout, data.shape).copy()
    return float(dout)


# ============================================================================ notes

def _entries(a, fmt):
    """An array as its shape and its first few entries, row by row: (3, 2) [[0.1, 0.2], …]."""
    if a.ndim == 0 or a.size <= 4:
        return format_data(a, fmt)
    shape = "(" + ", ".join(map(str, a.shape)) + ("," if a.ndim == 1 else "") + ")"
    first = a.reshape(-1, a.shape[-1])[0]
    row = ", ".join(fmt(v) for v in first[:ENTRIES]) + (", …" if first.size > ENTRIES else "")
    more = ", …" if a.size > first.size else ""
    return f"{shape} {'[' * (a.ndim - 1)}[{row}]{more}{']' * (a.ndim - 1)}"


def _as_array(x):
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _short(text):
    """A hint's or an error's first words, on at most three short lines (Japanese breaks
    between any two characters, a kanji as wide as two letters)."""
    head = re.split(r": |; |：|；|。", text)[0]
    lines = wrap(head, NOTE_WIDTH)
    return lines if len(lines) <= 3 else lines[:2] + [lines[2] + " …"]


def note_text(row, fmt=format_number, lang=None, *, _=None):
    """What a wrong row writes under its edge, in `lang`: yours (shape and a few entries),
    the largest error and where (or the two shapes), and the hint's first words."""
    _ = _ or translator(language(lang))
    if not row.reached:
        return _("not reached")
    a = None if row.actual is None else _as_array(row.actual)
    e = _as_array(row.expected)
    if row.actual is None:
        lines = [_("yours: none")]
    elif a is None:
        lines = [_("yours: a {kind}").format(kind=type(row.actual).__name__)]
    else:
        lines = [_("yours {entries}").format(entries=_entries(a, fmt))]
    if a is not None and e is not None and row.max_abs is not None:
        if e.ndim:
            spot = np.unravel_index(int(np.argmax(np.abs(a.reshape(e.shape) - e))), e.shape)
            lines.append(_("max error {error} at [{where}]").format(
                error=fmt(row.max_abs), where=", ".join(str(int(i)) for i in spot)))
        else:
            lines.append(_("max error {error}").format(error=fmt(row.max_abs)))
    elif a is not None and e is not None and a.shape != e.shape:
        lines.append(_("shape {yours}, expected {expected}").format(yours=a.shape,
                                                                    expected=e.shape))
    if row.error or row.hint:
        lines += _short(_say(row.hint or row.error, _))
    return "\n".join(lines)


def _leaf_edge(view, leaf):
    """The key of the edge carrying `leaf`'s gradient whole: its one edge, or the trunk of
    its fork when it is used several times; and whether it is a fork."""
    vid = view.node_id(leaf)
    keys = [e.key for e in view.edges if e.src == vid and e.kind == "data"]
    if not keys:
        return None, False
    fork = view.fork_of(keys[0])
    if len(keys) > 1 and fork is not None:
        return fork.key, True
    return keys[0], False


def _leaf_notes(view, report, _):
    """edge key -> yours, and -> the expected's text with the same entries, for each wrong
    row whose input or parameter is in the graph; and whether a note sits on a fork."""
    notes, grads, forked = {}, {}, False
    for row in report.rows:
        leaf = report.leaves.get(row.name)
        if row.ok or leaf is None or view.node_id(leaf) is None:
            continue
        key, fork = _leaf_edge(view, leaf)
        if key is None:
            continue
        forked = forked or fork
        notes[key] = note_text(row, view.format, _=_)
        grads[key] = _entries(np.asarray(row.expected, dtype=np.float64), view.format)
    return notes, grads, forked


def _departure(view, report):
    """The view ids of report.departure, when a right gradient bounds it (with none right,
    the departure is the whole way down, which localises nothing)."""
    if not any(r.ok for r in report.rows if r.name in report.leaves):
        return []
    ids = [view.node_id(n) for n in report.departure]
    return list(dict.fromkeys(i for i in ids if i is not None))


def _wrap(text):
    return wrap(text, CAPTION_WIDTH) if text else []


def _found(report, _):
    wrong = [r.name for r in report.rows if not r.ok and r.reached]
    unreached = [r.name for r in report.rows if not r.reached]
    if report.ok:
        return _("all gradients right")
    said = [_("{names} wrong").format(names=", ".join(wrong))] if wrong else []
    if unreached:
        said.append(_("{names} not reached").format(names=", ".join(unreached)))
    if len(said) == 2:
        return _("{wrong}; {unreached}").format(wrong=said[0], unreached=said[1])
    return said[0] if said else _("not checked")


def _caption(report, title, outlined, _):
    lines = [title or f"{report.title}: {_found(report, _)}"]
    lines += _wrap(_say(report.localisation or "", _)) + [_legend(_, "colours")]
    if outlined:
        lines.append(_legend(_, "outline"))
    return "\n".join(lines)


def _network_caption(report, title, chain, _):
    lines = [title or f"{report.title}: " + (
        _("backward departs first at {name}").format(name=report.first_wrong)
        if report.first_wrong else _found(report, _))]
    wrong = [r.name for r in report.rows if not r.ok]
    if wrong:
        lines.append(_("gradient() gave {names} wrong").format(names=", ".join(wrong)))
    if chain.opened is not None and chain.opened.localisation:
        lines += _wrap(f"{report.first_wrong}: {_say(chain.opened.localisation, _)}")
    lines += [_legend(_, "layers"), _legend(_, "network")]
    if chain.outlined:
        lines.append(_legend(_, "outline"))
    return "\n".join(lines)


# ============================================================================ the network

class _Chain:
    """check_network's drawing as a View: `x`, a box per layer (the first wrong one
    opened into the graph of its forward), `L`; the parameters enter their layer's box.
    One small method per drawn element, in the forward order."""

    def __init__(self, report, fmt, options, _):
        self.report, self.options, self.say = report, options, _
        self.view = View()
        self.view.grads, self.view.format = True, fmt
        self.notes, self.grads, self.outlined, self.forked = {}, {}, [], False
        self.checked = dict(report.layers)
        self.opened = None  # the report of the layer drawn opened
        self.into = None  # the key of an edge an opened layer already drew into the next
        names = [name for name, _ in report.inputs]
        ids = [f"k{i}" for i in range(len(names))] + ["out"]
        prev = self.node("x", "variable", "x").id
        for i, name in enumerate(names):
            r = self.checked.get(name)
            if name == report.first_wrong and r is not None and r.graph is not None:
                self.embed(ids[i], name, r, prev, ids[i + 1])
            else:
                self.box(ids[i], name, r, prev, report.inputs[i][1])
            prev = ids[i]
        self.output(prev)

    def node(self, nid, kind, label, **kw):
        vn = ViewNode(nid, kind, label, **kw)
        self.view.nodes.append(vn)
        self.view._nodes_by_id[nid] = vn
        return vn

    def add_edge(self, e):
        view = self.view
        base, k = e.key, 1
        while e.key in view._edges_by_key:  # two arrows between the same two nodes
            k += 1
            e.key = f"{base}#{k}"
        view.edges.append(e)
        view._edges_by_key[e.key] = e
        return e.key

    def edge(self, src, dst, value, row=None, kind="data"):
        """An edge with its value, and the row's expected gradient (and yours, wrong)."""
        fmt = self.view.format_value
        grad = None if row is None or row.expected is None else row.expected
        key = self.add_edge(ViewEdge(
            f"{src}->{dst}", src, dst, kind, "" if value is None else fmt(value),
            grad=None if grad is None else fmt(grad), value_data=value, grad_data=grad))
        self.note(key, row)
        return key

    def note(self, key, row):
        if row is not None and not row.ok and row.expected is not None:
            self.notes[key] = note_text(row, self.view.format, _=self.say)
            self.grads[key] = _entries(np.asarray(row.expected, dtype=np.float64),
                                       self.view.format)

    def box(self, nid, name, r, prev, xin):
        """A layer drawn shut: its box, the edge of its input, its parameters' edges."""
        self.node(nid, "composite", name, composite=name, tooltip=name)
        if r is not None and not r.ok:
            self.outlined.append(nid)
        row = r[r.input_names[0]] if r is not None and r.input_names else None
        if self.into is not None:  # the opened layer below drew this edge already
            self.note(self.into, row)
            self.into = None
        else:
            self.edge(prev, nid, xin, row)
        self.params(nid, name, r)
        if name == "lastLayer":
            self.node(f"{nid}_t", "constant", "t")
            self.add_edge(ViewEdge(f"{nid}_t->{nid}", f"{nid}_t", nid, "constant", "t"))

    def params(self, nid, name, r):
        keys = self.report.param_keys.get(name, {})
        rows = [row for row in (r.rows if r is not None else ())
                if row.expected is not None and row.name not in r.input_names]
        for j, row in enumerate(rows):
            key = keys.get(row.name, row.name[1:])
            leaf = r.leaves.get(row.name)
            value = leaf.data if leaf is not None else None
            pid = self.node(f"{nid}_p{j}", "variable", key).id
            self.edge(pid, nid, value, row)

    def output(self, prev):
        view = self.view
        self.node("out", "output", "L")
        if self.into is None:
            graph = self.report.graph
            last = self.checked.get("lastLayer")
            loss = graph.data if graph is not None else (
                last.graph.data if last is not None and last.graph is not None else None)
            key = self.add_edge(ViewEdge(f"{prev}->out", prev, "out", "output",
                                         "" if loss is None else view.format_value(loss),
                                         grad=view.format_value(1.0), grad_data=1.0))
            self.into = key
        view.output_key, view.root_id = self.into, view.edge(self.into).src

    def embed(self, cid, name, r, prev, nxt):
        """The first wrong layer opened: the graph of its forward inside a box, its input's
        edges from the layer below, its output's edge into the layer above."""
        inner = build(r.graph, seed=_seed(r), grads=True, fmt=self.view.format,
                      **self.options)
        self.opened, self.opened_id = r, cid
        opened = self.say("{name} (opened)").format(name=name)
        self.view.clusters.append(Cluster(cid, opened, None, 0))
        for c in inner.clusters:
            self.view.clusters.append(Cluster(f"{cid}_{c.id}", c.label, f"{cid}_{c.parent}"
                                              if c.parent else cid, c.depth + 1))
        ids = self.inner_nodes(inner, cid, name, r, prev, nxt)
        keys = {}
        for e in inner.edges:
            suffix = e.key[len(f"{e.src}->{e.dst}"):]
            keys[e.key] = self.add_edge(dataclasses.replace(
                e, key=f"{ids[e.src]}->{ids[e.dst]}{suffix}", src=ids[e.src],
                dst=ids[e.dst]))
        for f in inner.forks:
            fork = dataclasses.replace(f, key=f"{cid}_{f.key}", src=ids[f.src],
                                       edges=tuple(keys[k] for k in f.edges))
            self.view.forks.append(fork)
            keys[f.key] = fork.key
            for k in fork.edges:
                self.view._fork_of[k] = fork
        notes, grads, self.forked = _leaf_notes(inner, r, self.say)
        self.notes.update({keys[k]: v for k, v in notes.items()})
        self.grads.update({keys[k]: v for k, v in grads.items()})
        self.outlined += [ids[i] for i in _departure(inner, r)]
        self.into = keys[inner.output_key]

    def inner_nodes(self, inner, cid, name, r, prev, nxt):
        """The opened layer's nodes, renamed into the chain: its input leaf is the layer
        below, its output the layer above, its parameters stand outside its box under
        the network's names.  Returns inner id -> chain id."""
        x = r.leaves.get(r.input_names[0]) if r.input_names else None
        params = {leaf: row for row, leaf in r.leaves.items() if leaf is not x}
        keys = self.report.param_keys.get(name, {})
        ids = {}
        for vn in inner.nodes:
            leaf = vn.members[0] if vn.kind == "variable" and vn.members else None
            if vn.kind == "output" or (leaf is not None and leaf is x):
                ids[vn.id] = nxt if vn.kind == "output" else prev
                continue
            new = dataclasses.replace(vn, id=f"{cid}_{vn.id}", cluster=f"{cid}_{vn.cluster}"
                                      if vn.cluster else cid)
            if leaf in params:
                new.cluster, new.label = None, keys.get(params[leaf], vn.label)
            self.view.nodes.append(new)
            self.view._nodes_by_id[new.id] = new
            ids[vn.id] = new.id
        return ids


# ============================================================================ the table

def text(report, lang=None):
    """The report as text (print's), in `lang` (en, ja; default: $GRAPHGRAD_LANG, else the
    locale's): its table, hints and notes said as the book would."""
    return report.text(translator(language(lang)))


def html(report, lang=None):
    """The report as an HTML table, in `lang`."""
    return report.html(translator(language(lang)))


# ============================================================================ Jupyter

# the report classes by module and name: IPython resolves them when one is displayed, so
# enabling imports nothing of the checker
_REPORT = ("autograd.check.report", "Report")  # NetworkReport too: a subclass
_notebook = {"options": {}, "lang": None}


def _html_of(report):
    """The formatter: the report's table, then its drawing (SVG) when there is one."""
    from viz.render import dot_available, inline_svg, to_svg
    page = html(report, _notebook["lang"])
    try:
        if dot_available() and (report.graph is not None or hasattr(report, "layers")):
            svg = to_svg(draw(report, lang=_notebook["lang"], **_notebook["options"]))
            # inline in HTML: without the XML prolog, and fitted to the cell's width as
            # Jupyter fits an SVG image
            page += inline_svg(svg).replace("<svg", '<svg style="max-width:100%;height:auto"', 1)
    except Exception:  # a display hook must never break showing the table
        pass
    return page


def enable_notebook(ip=None, *, lang=None, **draw_options):
    """Show a check's report in Jupyter as its table and its drawing (an IPython HTML
    formatter for the report classes), in `lang` (default: $GRAPHGRAD_LANG, else the
    locale's); `draw_options` go to draw().  viz.enable_notebook calls it.  Returns True
    when a running IPython with an HTML formatter was found."""
    from viz.render import _shell
    ip = _shell(ip)
    html_formatter = None if ip is None else ip.display_formatter.formatters.get("text/html")
    if html_formatter is None:
        return False
    _notebook["options"], _notebook["lang"] = dict(draw_options), lang
    html_formatter.for_type_by_name(*_REPORT, _html_of)
    return True


def disable_notebook(ip=None):
    """Undo enable_notebook(): reports show their table only."""
    from viz.render import _shell
    ip = _shell(ip)
    html_formatter = None if ip is None else ip.display_formatter.formatters.get("text/html")
    if html_formatter is None:
        return False
    html_formatter.pop(".".join(_REPORT), None)
    return True
