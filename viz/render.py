"""Images from graphs: SVG / PNG / PDF through Graphviz's `dot`, and Jupyter display.

DOT text (`viz.draw(node).source`) needs nothing but the Python `graphviz` package; images
need the `dot` program, and without it every function here raises `DotNotFoundError`
naming the commands that install it.

Jupyter: `viz.enable_notebook()` registers an IPython display formatter for the engine's
`Node` class, so a Value or Tensor left as the last expression of a cell shows its graph
(as SVG, next to its usual text repr).  `import viz` calls it when IPython is running.
The engine itself knows nothing about this: the formatter is keyed on the class from
outside, which is why Value has no `_repr_svg_` of its own.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import graphviz

from autograd import Node
from viz.dot import draw

__all__ = [
    "FORMATS", "INSTALL_HINT", "DotNotFoundError", "disable_notebook", "dot_available",
    "enable_notebook", "inline_svg", "pipe", "save", "to_svg",
]

INSTALL_HINT = (
    "Graphviz's 'dot' program was not found on PATH; it makes the SVG/PNG/PDF images "
    "(DOT text, viz.draw(...).source, works without it). Install it with one of:\n"
    "  sudo apt-get install graphviz            (Debian/Ubuntu)\n"
    "  brew install graphviz                    (macOS)\n"
    "  conda install -c conda-forge graphviz    (conda)")

# suffix -> Graphviz output format ('dot' is written as text, without the program)
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}


class DotNotFoundError(RuntimeError):
    """Graphviz's `dot` program is missing, so no image can be made."""

    def __init__(self, message=INSTALL_HINT):
        super().__init__(message)


def dot_available():
    return shutil.which("dot") is not None


def _digraph(obj, draw_options):
    if isinstance(obj, graphviz.Digraph):
        if draw_options:
            raise TypeError(f"drawing options {sorted(draw_options)} apply to a node, "
                            "not to an already drawn Digraph")
        return obj
    if isinstance(obj, Node):
        return draw(obj, **draw_options)
    raise TypeError(f"expected a Value, Tensor or graphviz.Digraph, got {type(obj).__name__}")


def pipe(obj, format="svg", *, dpi=None, **draw_options):
    """The image bytes of a node's graph (or of a Digraph) in `format` (svg, png, pdf).
    `dpi` sets the resolution of PNG output (Graphviz's default is 96)."""
    g = _digraph(obj, draw_options)
    if format == "dot":
        return g.source.encode("utf-8")
    if not dot_available():
        raise DotNotFoundError()
    if dpi is not None and format == "png":
        g = g.copy()
        g.attr(dpi=str(dpi))
    try:
        return g.pipe(format=format)
    except graphviz.ExecutableNotFound:  # removed between the check and the call
        raise DotNotFoundError() from None


_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def inline_svg(svg):
    """dot's SVG without the XML prolog, DOCTYPE and comments, ready to inline."""
    return _COMMENT.sub("", _PROLOG.sub("", svg, count=1)).strip()


def to_svg(obj, **draw_options):
    """The graph as SVG text."""
    return pipe(obj, "svg", **draw_options).decode("utf-8")


def save(obj, path, *, format=None, dpi=None, **draw_options):
    """Write a node's graph (or a Digraph) to `path`; the format comes from the suffix
    (.svg .png .pdf, or .dot/.gv for the DOT text) unless `format` is given.
    Returns the path.  Raises DotNotFoundError for images when `dot` is missing."""
    path = Path(path)
    if format is None:
        format = FORMATS.get(path.suffix.lower())
        if format is None:
            raise ValueError(f"cannot tell the image format from {path.name!r}: use one of "
                             f"{', '.join(sorted(FORMATS))} or pass format=")
    elif format not in FORMATS.values():
        raise ValueError(f"format must be one of svg, png, pdf, dot; got {format!r}")
    data = pipe(obj, format, dpi=dpi, **draw_options)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# ----------------------------------------------------------------------------- Jupyter

_notebook = {"options": {}, "max_nodes": 200}


def _svg_of(node):
    """The formatter: SVG of the node's graph, or None so IPython shows the text repr
    alone (no `dot`, or a graph too big to be worth drawing inline)."""
    try:
        if not dot_available() or not node.requires_grad:
            return None
        from viz.derivation import build
        view = build(node, **{k: v for k, v in _notebook["options"].items()
                              if k in _BUILD_OPTIONS})
        if len(view.nodes) > _notebook["max_nodes"]:
            return None
        from viz.dot import to_digraph
        dot_options = {k: v for k, v in _notebook["options"].items()
                       if k not in _BUILD_OPTIONS}
        return to_svg(to_digraph(view, **dot_options))
    except Exception:  # a display hook must never break printing a value
        return None


_BUILD_OPTIONS = {"expand", "collapse", "depth", "grads", "seed", "fmt", "preview", "labels",
                  "upstream", "given"}


def _shell(ip):
    if ip is not None:
        return ip
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def enable_notebook(ip=None, *, max_nodes=200, **draw_options):
    """Show Values and Tensors as their graph in Jupyter (SVG, via an IPython formatter
    for the Node class).  Graphs with more than `max_nodes` drawn nodes keep the plain
    repr.  `draw_options` (expand=, rankdir=, ...) apply to every display.
    A check's report (autograd.check) shows its table and its drawing: viz.check's hook.
    Returns True when a running IPython was found."""
    ip = _shell(ip)
    if ip is None:
        return False
    _notebook["options"] = dict(draw_options)
    _notebook["max_nodes"] = max_nodes
    ip.display_formatter.formatters["image/svg+xml"].for_type(Node, _svg_of)
    from viz import check  # here: viz.check draws with viz.dot, which render imports
    check.enable_notebook(ip, lang=draw_options.get("lang"))
    return True


def disable_notebook(ip=None):
    """Undo enable_notebook(): Values and Tensors show their text repr only."""
    ip = _shell(ip)
    if ip is None:
        return False
    ip.display_formatter.formatters["image/svg+xml"].pop(Node, None)
    from viz import check
    check.disable_notebook(ip)
    return True
