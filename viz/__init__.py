"""graphgrad's renderer: the book's computational graphs, drawn from the engine's graph.

    import viz
    viz.draw(loss)                       # graphviz.Digraph, book style
    viz.draw(loss, collapse="sigmoid")   # a composite as one box
    viz.save(loss, "loss.png")           # .svg .png .pdf .dot
    viz.draw(loss, lang="ja")            # captions in Japanese, a CJK font named
    d = viz.derive(loss, labels="both")  # the derivation, built once: its view, algebra,
    viz.to_digraph(d.view)               # sums and forms, read by the drawing,
    viz.stepper.frames(d)                # the stepper, the player and the widget
    viz.playground("sigmoid(x*w + b)", x=1, w=2, b=-1)   # type, see it drawn and stepped

The arrows go one way: viz reads the engine (autograd's public API) and the engine knows
nothing of viz; tests/test_imports.py holds the rooms of ARCHITECTURE.md.  In IPython /
Jupyter, importing viz makes Values and Tensors display as their graph (see
viz.render.enable_notebook).
"""
from viz.derivation import Derivation, build, derive
from viz.dot import draw, svg_id, to_digraph
from viz.html import export_html
from viz.model import View
from viz.numbers import format_number
from viz.render import (
    DotNotFoundError,
    disable_notebook,
    dot_available,
    enable_notebook,
    pipe,
    save,
    to_svg,
)

__all__ = [
    "Derivation", "DotNotFoundError", "View", "build", "derive", "disable_notebook",
    "dot_available", "draw", "enable_notebook", "export_html", "format_number", "pipe",
    "playground", "save", "svg_id", "to_digraph", "to_svg",
]


def playground(expr="", **values):
    """The playground in Jupyter: type an expression, see it drawn as the book draws it
    and step its backward pass (viz.play.widget; `graphgrad serve` is the same in a
    browser).  `values`: each variable's number, list or array; also `labels=` ('numbers',
    'symbols', 'both'), `lang=` ('en', 'ja'), `collapse=True` (composites as boxes)."""
    from viz.play.widget import playground as make
    return make(expr, **values)


def _auto_notebook():
    import sys
    if "IPython" in sys.modules:  # never import IPython just to find out
        try:
            enable_notebook()
        except Exception:  # an unusual shell must not make `import viz` fail
            pass


_auto_notebook()
