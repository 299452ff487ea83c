"""`graphgrad tour`: the book's chapter 5 in one command.

Prints the apple-and-orange shopping graph's price (715) and every gradient, then draws
the book's graphs into a folder: the shopping graph, sigmoid opened up and as one box,
appendix A's Softmax-with-Loss, and the appendix-A backward pass as a step-by-step HTML
player: the Cross Entropy Error layer, then the book's Steps 1 to 6 with the branches summed
at 1/S and at each exp(a_k), ending in ∂L/∂a_k = y_k − t_k, in numbers and in symbols.
The symbols need sympy (`./run demo` installs it): without it the tour stops at once,
saying so, rather than write a stepper without them.  The last line says how to run
`graphgrad` from here on.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from viz.cli.files import EXIT_FAILED, CommandError, atomic_path, output_dir

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
STEPPER = "appendix-a-steps.html"
# set by ./run to the path the user typed for it, so the tour can say how to get back
RUN_VAR = "GRAPHGRAD_RUN"


def add_parser(sub):
    p = sub.add_parser("tour", help="a short tour: the book's graphs, drawn and stepped")
    p.add_argument("-o", "--out", default="graphgrad-out", help="output folder")
    return p


def apple_orange():
    """Figure 5-17 with every intermediate named: (price, [leaves and intermediates])."""
    from autograd import examples, toposort
    price = examples.apple_orange()
    by_name = {n.name: n for n in toposort(price)}
    return price, [by_name[name] for name in NAMES]


def how_to_run():
    """The command that runs graphgrad for the user: `./run graphgrad` after ./run, the
    bare name when it is on PATH, else the virtualenv's script and how to activate it."""
    run = os.environ.get(RUN_VAR)
    if run:
        return f"{run} graphgrad", None
    if shutil.which("graphgrad"):
        return "graphgrad", None
    script = Path(sys.prefix) / "bin" / "graphgrad"
    return str(script), f"or activate the virtualenv first: source {sys.prefix}/bin/activate"


def _print_price():
    price, nodes = apple_orange()
    print("Apples and oranges (figure 5-17): price = (100 × 2 + 150 × 3) × 1.1")
    print(f"price: {price.data:g}")
    for n in nodes:
        print(f"  d price / d {n.name:<13} = {n.grad:g}")
    print()


def _draw_all(out, have_dot):
    from viz.cli.figure import write_figure
    from viz.figures import DPI
    formats = ("svg", "png") if have_dot else ("dot",)
    written = []
    for name, about in DRAWINGS:
        paths = write_figure(name, out, formats, DPI)
        written.append((" ".join(p.name for p in paths), about))
    if have_dot:
        written.append(_stepper(out))
    return written


def need_sympy():
    """The tour's stepper writes the book's algebra: refuse to start without sympy."""
    try:
        import sympy  # noqa: F401
    except ImportError:
        raise CommandError(
            "the appendix-A stepper writes the book's algebra (−t1/y1, 1/S, y1 − t1) with "
            "sympy, which is not installed; install it with: pip install 'graphgrad[symbolic]' "
            "(./run demo does this)", EXIT_FAILED) from None


def run(args):
    from viz.render import INSTALL_HINT, dot_available
    need_sympy()
    out = Path(args.out or "graphgrad-out")
    output_dir(out, "-o", [f"{n}.{f}" for n, _ in DRAWINGS for f in ("svg", "png", "dot")]
               + [STEPPER])
    _print_price()
    have_dot = dot_available()
    written = _draw_all(out, have_dot)
    print(f"Drawings in {out}/:")
    width = max(len(files) for files, _ in written)
    for files, about in written:
        print(f"  {files:<{width}}  {about}")
    if not have_dot:
        print("\n" + INSTALL_HINT, file=sys.stderr)
        print("(the .dot files above are the graphs as text; with dot installed the tour "
              "writes SVG, PNG and the HTML stepper)", file=sys.stderr)
        sys.stderr.flush()
    command, activate = how_to_run()
    print(f'\nMore: {command} figure --list; {command} draw "sigmoid(w*x + b)" '
          "--at w=2 x=1 b=-1 -o graph.svg")
    if activate:
        print(f"({activate}; then: graphgrad figure --list)")
    return 0


def stepper_frames():
    """Appendix A's backward pass as the tour shows it: the labels t1, t2, t3 named (the
    book's symbols; constants, so nothing is sent to them), the algebra on, whatever else
    is installed."""
    from autograd import examples
    from viz.stepper import frames
    return frames(examples.appendix_a(labels="constants"), symbolic=True)


def _stepper(out):
    """The appendix-A backward pass as an HTML player."""
    from viz.html import export_html, heading_groups
    fs = stepper_frames()
    with atomic_path(out / STEPPER) as tmp:
        export_html(fs, tmp, title="Appendix A: Softmax-with-Loss, backward step by step")
    steps = [h for h, _, _ in heading_groups(fs) if h.startswith("Step ")]
    return STEPPER, (f"its backward pass in the book's {steps[0]} … {steps[-1]}, ending in "
                     f"{fs[-1].title.removeprefix('Result: ')} (open in a browser)")


__all__ = ["DRAWINGS", "NAMES", "apple_orange", "how_to_run", "need_sympy", "run",
           "stepper_frames"]
