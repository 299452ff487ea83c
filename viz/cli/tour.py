"""`graphgrad tour`: the book's chapter 5 in one command.

Prints the apple-and-orange shopping graph's price (715) and every gradient, then draws
the book's graphs into a folder: the shopping graph, sigmoid opened up and as one box,
appendix A's Softmax-with-Loss, and the appendix-A backward pass as a step-by-step HTML
player: the Cross Entropy Error layer, then the book's Steps 1 to 6 with the branches summed
at 1/S and at each exp(a_k), ending in ∂L/∂a_k = y_k − t_k, in numbers and in symbols;
and Batch Normalization's backward pass (figure 6-17) in Kratzert's steps 9 to 1, ending in
its closed form.
The symbols need sympy (`./run demo` installs it): without it the tour stops at once,
saying so, rather than write a stepper without them.  The last line says how to run
`graphgrad` from here on.  `--lang ja`: the printout, the drawings (リンゴ, 消費税 ...) and
the stepper (ステップ1 … ステップ6) in Japanese.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from viz.cli.files import EXIT_FAILED, CommandError, atomic_path, output_dir
from viz.cli.lang import _, current, pad

# the inputs as the book lists them, then the intermediate prices
NAMES = ["apple", "apple_num", "orange", "orange_num", "tax", "apple_price", "orange_price",
         "all_price"]
# (figure, what it shows, how it is drawn), in the order the tour presents them; the
# files are named after the figure, with "-symbols" for the book's algebra on the edges
DRAWINGS = [
    ("apple-orange", "the shopping graph above: values in black, gradients in red", {}),
    ("sigmoid", "sigmoid opened up into ×(−1), exp, +1, / (figures 5-19, 5-20)", {}),
    ("sigmoid-collapsed", "the same sigmoid as one node (figures 5-21, 5-22)", {}),
    ("appendix-a", "Softmax-with-Loss node by node (appendix A)", {}),
    ("appendix-a", "the same with the book's expressions on every edge (figure A-5)",
     {"labels": "symbols", "rankdir": "TB"}),
]


def _stem(name, options):
    return f"{name}-symbols" if options.get("labels") == "symbols" else name
STEPPER = "appendix-a-steps.html"
BN_STEPPER = "batchnorm-steps.html"
# set by ./run to the path the user typed for it, so the tour can say how to get back
RUN_VAR = "GRAPHGRAD_RUN"


def add_parser(sub):
    p = sub.add_parser("tour", help=_("a short tour: the book's graphs, drawn and stepped"))
    p.add_argument("-o", "--out", default="graphgrad-out", help=_("output folder"))
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
    return str(script), _("or activate the virtualenv first: source {path}").format(
        path=f"{sys.prefix}/bin/activate")


def _print_price():
    from viz.figures import book_names
    price, nodes = apple_orange()
    # the book's names (リンゴ, 消費税) where its figures give them; the intermediate
    # prices by the names of its code (apple_price, section 5.4.2)
    names = book_names(current())
    print(_("Apples and oranges (figure 5-17): price = (100 × 2 + 150 × 3) × 1.1"))
    print(_("price: {value}").format(value=f"{price.data:g}"))
    for n in nodes:
        print(_("  d price / d {name} = {grad}").format(
            name=pad(names.get(n.name, n.name), 13), grad=f"{n.grad:g}"))
    print()


def _draw_all(out, have_dot):
    from viz.cli.figure import write_figure
    from viz.figures import DPI
    formats = ("svg", "png") if have_dot else ("dot",)
    written = []
    for name, about, options in DRAWINGS:
        paths = write_figure(name, out, formats, DPI, stem=_stem(name, options), **options)
        written.append((" ".join(p.name for p in paths), _(about)))
    if have_dot:
        written.append(_stepper(out))
        written.append(_batch_norm_stepper(out))
    return written


def need_sympy():
    """The tour's stepper writes the book's algebra: refuse to start without sympy."""
    try:
        import sympy  # noqa: F401
    except ImportError:
        raise CommandError(_(
            "the appendix-A stepper writes the book's algebra (−t1/y1, 1/S, y1 − t1) with "
            "sympy, which is not installed; install it with: pip install 'graphgrad[symbolic]' "
            "(./run demo does this)"), EXIT_FAILED) from None


def run(args):
    from viz.render import INSTALL_HINT, dot_available
    need_sympy()
    out = Path(args.out or "graphgrad-out")
    output_dir(out, "-o", [f"{_stem(n, o)}.{f}" for n, _about, o in DRAWINGS
                           for f in ("svg", "png", "dot")] + [STEPPER, BN_STEPPER])
    _print_price()
    have_dot = dot_available()
    written = _draw_all(out, have_dot)
    print(_("Drawings in {folder}/:").format(folder=out))
    width = max(len(files) for files, _about in written)
    for files, about in written:
        print(f"  {files:<{width}}  {about}")
    if not have_dot:
        print("\n" + _(INSTALL_HINT), file=sys.stderr)
        print(_("(the .dot files above are the graphs as text; with dot installed the tour "
                "writes SVG, PNG and the HTML stepper)"), file=sys.stderr)
        sys.stderr.flush()
    command, activate = how_to_run()
    print("\n" + _("More: {more}").format(
        more=f'{command} figure --list; {command} draw "sigmoid(w*x + b)" --at w=2 x=1 '
             "b=-1 -o graph.svg"))
    if activate:
        print(_("({activate}; then: graphgrad figure --list)").format(activate=activate))
    return 0


def stepper_frames():
    """Appendix A's backward pass as the tour shows it: the labels t1, t2, t3 named (the
    book's symbols; constants, so nothing is sent to them), the algebra on, whatever else
    is installed."""
    from autograd import examples
    from viz.stepper import frames
    return frames(examples.appendix_a(labels="constants"), symbolic=True, lang=current())


def _stepper(out):
    """The appendix-A backward pass as an HTML player."""
    from viz.html import export_html, heading_groups
    fs = stepper_frames()
    with atomic_path(out / STEPPER) as tmp:
        export_html(fs, tmp, title=_("Appendix A: Softmax-with-Loss, backward step by step"))
    step = _("Step {n}").split("{n}")[0]  # 'Step ', 'ステップ'
    steps = [h for h, _first, _last in heading_groups(fs) if h.startswith(step)]
    result = fs[-1].title.removeprefix(_("Result: {statement}").format(statement=""))
    return STEPPER, _("its backward pass in the book's {first} … {last}, ending in {result} "
                      "(open in a browser)").format(first=steps[0], last=steps[-1],
                                                    result=result)


def batch_norm_frames():
    """Batch Normalization's backward pass (autograd.examples.batch_norm_example, figure
    6-17 over a batch of four), top to bottom; numbers only: the closed form it ends in
    is the composite's declared result, and the algebra of every step takes sympy long."""
    from autograd import examples
    from viz.stepper import frames
    return frames(examples.batch_norm_example(), symbolic=False, rankdir="TB",
                  lang=current())


def _batch_norm_stepper(out):
    from viz.html import export_html
    fs = batch_norm_frames()
    with atomic_path(out / BN_STEPPER) as tmp:
        export_html(fs, tmp, title=_("Batch Normalization (figure 6-17), backward step by "
                                     "step"))
    result = fs[-1].title.removeprefix(_("Result: {statement}").format(statement=""))
    return BN_STEPPER, _("Batch Normalization's backward pass in Kratzert's {first} … "
                         "{last}, ending in {result} (open in a browser)").format(
        first=fs[2].heading, last=fs[-2].heading, result=result)


__all__ = ["BN_STEPPER", "DRAWINGS", "NAMES", "apple_orange", "batch_norm_frames",
           "how_to_run", "need_sympy", "run", "stepper_frames"]
