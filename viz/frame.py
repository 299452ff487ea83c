"""One frame of the backward pass's replay: what it says (its explanation as data, as
text, and as HTML written by viz.html) and what it draws (the derivation's view with the
frame's highlight and edge states, through viz.dot).  viz.stepper makes frames; the HTML
player, the GIF, the numbered files and the Jupyter widget show them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from viz.dot import svg_id, to_digraph
from viz.model import View
from viz.render import pipe

__all__ = ["Frame"]

ROWS = ("row", "sum")  # the kinds of line written as a table row (text and HTML alike)


@dataclass(eq=False)
class Frame:
    """One picture of the replay.

    index: 0 .. count-1; kind: 'forward' | 'step' | 'final'; `heading`: the book's step
    ('Step 3', 'Cross Entropy Error'; 'Forward pass', 'Result'; '' for a frame of one
    node where nothing is declared) and `description`, its one line in the book's words;
    title and one-line `caption`; explanation as plain `text` and as `html`; `lines`: the
    explanation as data ((kind, content): 'book' the step's line, 'p' a paragraph, 'row'
    and 'sum' (label, numeric, symbolic)); `node_id`: the view node highlighted (None for
    the first and last frames and for a step over several nodes); `focus`: every view
    node the frame is about; `edge_states`: edge key -> 'done' | 'pending' | 'active' |
    'summing'; `edge_grads`: edge key -> gradient text overriding the view's; `steps`:
    the engine step indices this frame replays; `rows`: the rows of `lines`; `sums`: its
    BranchSums; `lang`: the language its text is written in ('en', 'ja').
    """

    index: int
    count: int
    kind: str
    title: str
    caption: str
    node_id: str | None
    edge_states: dict
    edge_grads: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)
    steps: tuple = ()
    view: View | None = field(default=None, repr=False)
    draw_options: dict = field(default_factory=dict, repr=False)
    heading: str = ""
    description: str = ""
    focus: tuple = ()
    sums: list = field(default_factory=list, repr=False)
    lang: str = "en"
    lines: list = field(default_factory=list, repr=False)

    @property
    def text(self):
        """The explanation as plain text: the title, each line, each row indented."""
        return "\n".join([self.title] + [c if k not in ROWS else f"  {c[0]}: {c[1]}" + (
            f"    [{c[2]}]" if c[2] else "") for k, c in self.lines])

    @property
    def rows(self):
        """The explanation's rows: (label, numeric, symbolic or None) each."""
        return [c for k, c in self.lines if k in ROWS]

    @property
    def html(self):
        """The explanation as HTML (viz.html.explanation_html), every string escaped."""
        if "_html" not in self.__dict__:
            from viz.html import explanation_html  # the page's writer renders frames
            self.__dict__["_html"] = explanation_html(self)
        return self.__dict__["_html"]

    def digraph(self, *, caption=False, **options):
        """This frame as a graphviz.Digraph (viz.dot.to_digraph with the frame's
        highlight and edge states); caption=True writes the caption under the graph."""
        opts = {**self.draw_options, **options}
        if caption:
            opts.setdefault("title", self.caption)
        return to_digraph(self.view, highlight=self.node_id, edge_states=self.edge_states,
                          edge_grads=self.edge_grads, notes=self.notes, **opts)

    def render(self, format="svg", *, dpi=None, caption=False, **options):
        """The frame's image bytes ('svg', 'png', 'pdf'); needs Graphviz's dot."""
        return pipe(self.digraph(caption=caption, **options), format, dpi=dpi)

    def svg(self, **options):
        return self.render("svg", **options).decode("utf-8")

    def svg_ids(self):
        """The SVG element ids of the nodes this frame is about (a player scrolls to them)."""
        return [f"node-{svg_id(nid)}" for nid in self.focus]

    def _repr_svg_(self):
        return self.svg(caption=True)
