"""`graphgrad tour`: the book's chapter 5 in one command.

Prints the apple-and-orange shopping graph's price (715) and every gradient, then draws
the book's graphs into a folder: the shopping graph, sigmoid opened up and as one box,
appendix A's Softmax-with-Loss, and the appendix-A backward pass as a step-by-step HTML
player.
"""
from __future__ import annotations

import sys
from pathlib import Path

from autograd import toposort
from viz import figures
from viz.render import INSTALL_HINT, dot_available

# the inputs as the book lists them, then the intermediate prices
NAMES = ["apple", "apple_num", "orange", "orange_num", "tax", "apple_price", "orange_price",
         "all_price"]
# (figure, what it shows), in the order the tour presents them
DRAWINGS = [
    ("apple-orange", "the shopping graph above: values in black, gradients in red"),
    ("sigmoid", "sigmoid opened up into ×(−1), exp, +1, / (figures 5-19, 5-20)"),
    ("sigmoid-collapsed", "the same sigmoid as one node (figures 5-21, 5-22)"),
    ("appendix-a", "Softmax-with-Loss node by node (appendix A)"),
]


def apple_orange():
    """Figure 5-17 with every intermediate named: (price, [leaves and intermediates])."""
    price = figures.apple_orange()
    by_name = {n.name: n for n in toposort(price)}
    return price, [by_name[name] for name in NAMES]


def run_tour(args):
    out = Path(getattr(args, "out", None) or "graphgrad-out")
    price, nodes = apple_orange()
    print("Apples and oranges (figure 5-17): price = (100 × 2 + 150 × 3) × 1.1")
    print(f"price: {price.data:g}")
    for n in nodes:
        print(f"  d price / d {n.name:<13} = {n.grad:g}")
    print()

    have_dot = dot_available()
    formats = ("svg", "png") if have_dot else ("dot",)
    written = []
    for name, about in DRAWINGS:
        paths = figures.write_figure(name, out, formats)
        written.append((" ".join(p.name for p in paths), about))
    stepper = _stepper(out) if have_dot else None
    if stepper:
        written.append(stepper)

    print(f"Drawings in {out}/:")
    width = max(len(files) for files, _ in written)
    for files, about in written:
        print(f"  {files:<{width}}  {about}")
    if not have_dot:
        print("\n" + INSTALL_HINT, file=sys.stderr)
        print("(the .dot files above are the graphs as text; with dot installed the tour "
              "writes SVG, PNG and the HTML stepper)", file=sys.stderr)
    print('\nMore: graphgrad figure --list; graphgrad draw "sigmoid(w*x + b)" '
          "--at w=2 x=1 b=-1 -o graph.svg")
    return 0


def _stepper(out):
    """The appendix-A backward pass as an HTML player, when viz.stepper is present."""
    try:
        from viz.html import export_html
    except ImportError:
        print("(the step-by-step HTML player needs viz.stepper, not in this build: "
              "skipped)", file=sys.stderr)
        return None
    path = export_html(figures.appendix_a(), out / "appendix-a-steps.html",
                       title="Appendix A: Softmax-with-Loss, backward step by step")
    return path.name, "the same graph's backward pass, step by step (open in a browser)"


__all__ = ["DRAWINGS", "NAMES", "apple_orange", "run_tour"]
