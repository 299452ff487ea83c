"""`graphgrad draw`: an expression typed on the command line, built from named Values,
differentiated, printed and drawn.

The expression is parsed by viz.expr's whitelist, never evaluated by Python.  Every
option is checked before anything is computed or written; bad input gets one clear
message (pointing at the position in the expression) and exit code 2.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np

from viz import expr as E
from viz.cli.files import EXIT_FAILED, CommandError, atomic_path, output_dir, output_file
from viz.cli.files import dpi as check_dpi
from viz.cli.lang import _, current
from viz.refusal import Reason
from viz.values import parse_assignments

FORMATS = (".svg", ".png", ".pdf", ".dot", ".gv")
STEP_FORMATS = (".html", ".htm", ".gif")
MAX_DIGITS = 17  # a float64 has 17 significant digits; more would be noise


def add_parser(sub):
    p = sub.add_parser(
        "draw", help=_("draw an expression's graph, values and gradients"),
        description=_("Build the graph of EXPR at the given point, run backward, print the "
                      "value and every gradient, and draw the graph in the book's style."),
        epilog=_("examples:") + '\n'
               '  graphgrad draw "x*y + exp(x)" --at x=1 y=2 -o graph.svg\n'
               '  graphgrad draw "sigmoid(w*x + b)" --at w=2 x=1 b=-1 --collapse sigmoid '
               '-o s.png\n'
               '  graphgrad draw "tanh(x)" --at x=0.5 --steps tanh.html\n'
               '  graphgrad draw "sigmoid(x)" --at x=1 --labels symbols -o s.svg\n'
               '  graphgrad draw "sum(softmax(a) * a)" --at a=1,2,3\n'
               '  graphgrad draw "softmax_with_loss(a, t)" --at a=0.3,2.9,4.0 t=0,0,1 '
               '--labels symbols -o a.svg\n'
               '  graphgrad draw "softmax_with_loss(x @ W + b, t)" --at x=1,5 '
               '"W=0.1,0.3;0.2,0.4" b=0.1,0.2 t=0,1\n' +
               _("functions: {functions}; operators: {operators}.").format(
                   functions=", ".join(E.FUNCTIONS), operators=E.OPERATORS) + "\n" +
               _("A vector's elements are drawn one by one (a1, a2, a3, as appendix A draws "
                 "them); with a matrix, @ or max, each vector and matrix is one node (a "
                 "vector is a row, 1×n). The labels t of a loss are data, drawn as "
                 "constants.") + "\n" +
               _('An expression starting with "-" needs a space first: draw " -x*y" --at '
                 'x=1 y=2'),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expr", metavar="EXPR", help=_('the expression, e.g. "x*y + exp(x)"'))
    p.add_argument("--at", nargs="+", action="extend", default=[], metavar="NAME=VALUE",
                   help=_("the value of each variable: a number (x=1), a vector "
                          "(a=0.3,2.9,4.0) or a matrix (W=1,2;3,4: rows split by ;)"))
    p.add_argument("-o", "--out", metavar="FILE",
                   help=_("write the graph to FILE (.svg .png .pdf .dot); default: print "
                          "the DOT text"))
    p.add_argument("--expand", action="append", metavar="NAME|all",
                   help=_("open composite NAME (sigmoid, tanh, sub, div ...) as a cluster; "
                          "repeatable"))
    p.add_argument("--collapse", action="append", metavar="NAME|all",
                   help=_("draw composite NAME as one box; repeatable"))
    p.add_argument("--depth", type=int, metavar="N",
                   help=_("collapse composites nested deeper than N"))
    p.add_argument("--no-grad", action="store_true", help=_("draw forward values only"))
    p.add_argument("--rankdir", choices=["LR", "TB"], default="LR",
                   help=_("left to right (the book's way, default) or top to bottom"))
    p.add_argument("--labels", choices=["numbers", "symbols", "both"], default="numbers",
                   help=_("what the edges say: numbers (default), symbols (each value's and "
                          "gradient's expression, in the variables' names; needs sympy) or "
                          "both"))
    p.add_argument("--digits", type=int, default=4, metavar="N",
                   help=_("significant digits on the edges (default 4)"))
    p.add_argument("--dpi", type=int, metavar="N", help=_("PNG resolution"))
    p.add_argument("--steps", metavar="FILE",
                   help=_("also write the backward pass step by step: FILE.html (player) "
                          "or FILE.gif (animation), or a folder of numbered frames"))
    return p


# ----------------------------------------------------------------------------- checks

def composite_names():
    """The names composites register through autograd.graph.composite (sigmoid, sub,
    softmax, ...), read from the engine's modules that define them."""
    names = set()
    for module in ("autograd.functions", "autograd.layers", "autograd.models"):
        for obj in vars(importlib.import_module(module)).values():
            name = getattr(obj, "composite_name", None)
            if isinstance(name, str):
                names.add(name)
    return sorted(names)


def _check_composites(expand, collapse):
    known = composite_names()
    for option, names in (("--expand", expand), ("--collapse", collapse)):
        unknown = [n for n in names or () if n != "all" and n not in known]
        if unknown:
            raise CommandError(_("{option} {name}: no composite of that name; the "
                                 "composites are: all, {names}").format(
                                     option=option, name=unknown[0], names=", ".join(known)))
    both = sorted(set(expand or ()) & set(collapse or ()))
    if both or ("all" in (collapse or ()) and expand):
        name = both[0] if both else "all"
        raise CommandError(_("--collapse {name} and --expand {other} contradict each other: "
                             "name a composite in one of them").format(
                                 name=name, other=(expand or [name])[0]))


def _check_steps(path):
    """--steps PATH: .html/.htm (the player), .gif (Pillow), or a folder of frames."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in STEP_FORMATS:
        if suffix == ".gif" and importlib.util.find_spec("PIL") is None:
            raise CommandError(_("--steps {path}: a GIF needs Pillow (pip install "
                                 "pillow)").format(path=path))
        return output_file(p, "--steps", hint=" (.html, .gif)")
    if suffix == "" or p.is_dir():
        return output_dir(p, "--steps")
    raise CommandError(_("--steps {path}: cannot tell what to write from the name; use "
                         ".html, .gif, or a folder for numbered .svg frames").format(path=path))


def check_options(args):
    """Every option, before anything is computed or written."""
    if not 1 <= args.digits <= MAX_DIGITS:
        raise CommandError(_("--digits must be between 1 and {most}, got {value}").format(
            most=MAX_DIGITS, value=args.digits))
    if args.depth is not None and args.depth < 0:
        raise CommandError(_("--depth must be 0 or more, got {value}").format(
            value=args.depth))
    check_dpi(args.dpi)
    _check_composites(args.expand, args.collapse)
    if args.labels != "numbers" and importlib.util.find_spec("sympy") is None:
        raise CommandError(_("--labels {labels} needs sympy: pip install sympy").format(
            labels=args.labels))
    if args.out:
        output_file(args.out, "-o", FORMATS, hint=_(", e.g. graph.svg"))
    if args.steps:
        _check_steps(args.steps)
        from viz.render import INSTALL_HINT, dot_available
        if not dot_available():
            raise CommandError(_("--steps draws each step with Graphviz: {hint}").format(
                hint=_(INSTALL_HINT)), EXIT_FAILED)


# ----------------------------------------------------------------------------- the graph

def evaluate(text, assignments):
    """The graph of `text` at `assignments` (["x=1", "a=1,2,3", ...]), a
    viz.expr_graph.Built; ExprError, DomainError, ArithmeticError on bad input."""
    from viz.expr_graph import build_graph
    return build_graph(text, parse_assignments(assignments))


def _g(x):
    if isinstance(x, np.ndarray):
        return np.array2string(x, precision=6, separator=", ", suppress_small=False,
                               max_line_width=10**6, formatter={"float": _g})
    return f"{x:.6g}"



def _compute(args):
    """The graph at the point, backward run: (root, report lines, gradients drawn)."""
    from autograd import DomainError
    try:
        built = evaluate(args.expr, args.at)
    except E.ExprError as e:
        raise CommandError(e.said(_)) from None
    except (DomainError, ArithmeticError, ValueError, TypeError) as e:
        message = _("cannot compute {expr} at {point}: {reason}").format(
            expr=repr(args.expr), point=" ".join(args.at) or _("no point"),
            reason=Reason(e).said_message(_))
        offset = getattr(e, "expr_offset", None)
        if offset is not None:  # the caret under the operation that failed
            message = str(E.ExprError(message, args.expr, offset))
        raise CommandError(message) from None
    from viz.expr_graph import leaves, name_output
    root, expression = built.root, built.expression
    recorded = root.requires_grad
    if args.steps and not recorded:
        raise CommandError(_("--steps: the expression has no variables, so there is no "
                             "backward pass to step through"))
    name_output(built)
    lines = [f"{root.name} = {_g(root.data)}"]
    if recorded and not args.no_grad:
        try:
            root.backward()
        except (DomainError, ArithmeticError) as e:
            raise CommandError(_("the gradient is undefined at this point: {reason}").format(
                reason=Reason(e).said_message(_))) from None
        lines += [f"∂{root.name}/∂{name} = {_g(node.grad)}" for name, node in leaves(built)]
    if not np.all(np.isfinite(root.data)):
        lines.append(_("note: the value is not finite"))
    unused = sorted(set(built.values) - set(expression.variables))
    if unused:
        lines.append(_("note: not in the expression: {names}").format(names=", ".join(unused)))
    return root, lines, recorded and not args.no_grad


# ----------------------------------------------------------------------------- output

def _write_image(g, path, dpi):
    """The drawing in the format of `path`'s suffix; without `dot`, the DOT text beside
    it and exit code 1."""
    from viz.render import FORMATS as RENDER_FORMATS
    from viz.render import DotNotFoundError, pipe
    fmt = RENDER_FORMATS[Path(path).suffix.lower()]
    try:
        data = pipe(g, fmt, dpi=dpi)
    except DotNotFoundError as e:
        dot_path = Path(path).with_suffix(".dot")
        with atomic_path(dot_path) as tmp:
            tmp.write_text(g.source, encoding="utf-8")
        print(f"graphgrad draw: {_(str(e))}\n" + _("wrote the DOT text to {path} instead")
              .format(path=dot_path), file=sys.stderr)
        return EXIT_FAILED
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    print(_("wrote {path}").format(path=path))
    return 0


def _write_steps(d, path, report):
    """The stepper of the drawing's own derivation (built once, read by both)."""
    from viz.html import export_steps
    p = Path(path)
    if p.suffix.lower() in STEP_FORMATS:
        with atomic_path(p) as tmp:
            export_steps(d, tmp)
    else:  # a folder of numbered frames: each frame is written by the stepper
        export_steps(d, p)
    print(_("wrote {path}").format(path=path), file=report)


def run(args):
    check_options(args)
    root, lines, grads = _compute(args)
    from viz.derivation import derive
    from viz.dot import to_digraph
    try:
        # the stepper needs the gradients even when the drawing shows none (--no-grad)
        d = derive(root, expand=args.expand, collapse=args.collapse, depth=args.depth,
                   grads=grads or bool(args.steps), fmt=args.digits, labels=args.labels,
                   lang=current())
        g = to_digraph(d.view, rankdir=args.rankdir, show_grads=grads)
    except (ValueError, TypeError) as e:
        raise CommandError(str(e)) from None
    # the DOT text on stdout stays valid DOT: the numbers then go to stderr
    report = sys.stdout if args.out else sys.stderr
    print("\n".join(lines), file=report)
    if args.out:
        code = _write_image(g, args.out, args.dpi)
        if code:
            return code
    else:
        sys.stdout.write(g.source)
    if args.steps:
        _write_steps(d, args.steps, report)
    return 0
