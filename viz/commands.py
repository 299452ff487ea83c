"""`graphgrad draw` and `graphgrad figure`: their options and their code.

draw: an expression typed on the command line (parsed by viz.expr's whitelist, never
evaluated by Python) is built from named Values, differentiated, printed and drawn.
Bad input gets one clear message pointing at the position, and exit code 2.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from autograd import DomainError, Value
from viz import expr as E
from viz.render import FORMATS, DotNotFoundError, save

EXIT_USAGE = 2  # bad input, as argparse uses
EXIT_FAILED = 1  # the input was fine but something could not be made (no dot, ...)


# ----------------------------------------------------------------------------- draw

def add_draw_parser(sub):
    p = sub.add_parser(
        "draw", help="draw an expression's graph, values and gradients",
        description="Build the graph of EXPR at the given point, run backward, print the "
                    "value and every gradient, and draw the graph in the book's style.",
        epilog='examples:\n'
               '  graphgrad draw "x*y + exp(x)" --at x=1 y=2 -o graph.svg\n'
               '  graphgrad draw "sigmoid(w*x + b)" --at w=2 x=1 b=-1 --collapse sigmoid '
               '-o s.png\n'
               '  graphgrad draw "tanh(x)" --at x=0.5 --steps tanh.html\n'
               'functions: ' + ", ".join(E.FUNCTIONS) + '; operators: + - * / **.\n'
               'An expression starting with "-" needs a space first: draw " -x*y" --at x=1 y=2',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expr", metavar="EXPR", help='the expression, e.g. "x*y + exp(x)"')
    p.add_argument("--at", nargs="+", action="extend", default=[], metavar="NAME=VALUE",
                   help="the value of each variable, e.g. --at x=1 y=2")
    p.add_argument("-o", "--out", metavar="FILE",
                   help="write the graph to FILE (.svg .png .pdf .dot); default: print "
                        "the DOT text")
    p.add_argument("--expand", action="append", metavar="NAME|all",
                   help="open composite NAME (sigmoid, tanh, sub, div ...) as a cluster; "
                        "repeatable")
    p.add_argument("--collapse", action="append", metavar="NAME|all",
                   help="draw composite NAME as one box; repeatable")
    p.add_argument("--depth", type=int, metavar="N",
                   help="collapse composites nested deeper than N")
    p.add_argument("--no-grad", action="store_true", help="draw forward values only")
    p.add_argument("--rankdir", choices=["LR", "TB"], default="LR",
                   help="left to right (the book's way, default) or top to bottom")
    p.add_argument("--digits", type=int, default=4, metavar="N",
                   help="significant digits on the edges (default 4)")
    p.add_argument("--dpi", type=int, metavar="N", help="PNG resolution")
    p.add_argument("--steps", metavar="FILE",
                   help="also write the backward pass step by step: FILE.html (player) "
                        "or FILE.gif (animation)")
    return p


class GraphOps:
    """viz.expr's ops interface, building the engine's graph: each variable is one
    named Value (so the drawing labels it by name), each literal a constant."""

    def __init__(self):
        self.variables = {}

    def const(self, number):
        c = Value(number)
        c.requires_grad = False  # a literal: drawn as a constant, no gradient wanted
        return c

    def var(self, name, value):
        v = self.variables[name] = Value(value, name=name)
        return v

    def add(self, a, b):
        return a + b

    def sub(self, a, b):
        return a - b

    def mul(self, a, b):
        return a * b

    def div(self, a, b):
        return a / b

    def pow(self, a, b):
        if b.requires_grad:
            raise E.ExprError("the exponent of ** must be a number, not an expression of "
                              "the variables (write exp(b*log(a)) for a**b)")
        return a ** b.data

    def neg(self, a):
        return -a

    def pos(self, a):
        return a

    def exp(self, a):
        return a.exp()

    def log(self, a):
        return a.log()

    def reciprocal(self, a):
        return a.reciprocal()

    def relu(self, a):
        return a.relu()

    def sigmoid(self, a):
        return a.sigmoid()

    def tanh(self, a):
        return a.tanh()


def evaluate(text, assignments):
    """(root, {name: Value}, parsed expression, {name: value given}) for `text` at
    `assignments` (["x=1", ...]); ExprError, DomainError, ArithmeticError on bad input."""
    values = E.parse_assignments(assignments)
    expression = E.parse(text)
    ops = GraphOps()
    root = expression.evaluate(values, ops)
    return root, ops.variables, expression, values


def _fail(message, code=EXIT_USAGE):
    print(f"graphgrad draw: error: {message}", file=sys.stderr)
    return code


def _g(x):
    return f"{x:.6g}"


def draw_command(args):
    try:
        root, variables, expression, given = evaluate(args.expr, args.at)
    except E.ExprError as e:
        return _fail(str(e))
    except (DomainError, ArithmeticError, ValueError, TypeError) as e:
        return _fail(f"cannot compute {args.expr!r} at {' '.join(args.at) or 'no point'}: "
                     f"{e}")
    unused = sorted(set(given) - set(expression.variables))
    if args.out and Path(args.out).suffix.lower() not in FORMATS:
        return _fail(f"cannot tell the format of {args.out!r}: use .svg, .png, .pdf or .dot")
    if args.digits < 1:
        return _fail("--digits must be at least 1")

    recorded = root.requires_grad
    if root.name is None:  # (the expression "x" is the variable x itself)
        root.name = "f"
    lines = [f"{root.name} = {_g(root.data)}"]
    if recorded and not args.no_grad:
        try:
            root.backward()
        except (DomainError, ArithmeticError) as e:
            return _fail(f"the gradient is undefined at this point: {e}")
        for name in expression.variables:
            lines.append(f"∂{root.name}/∂{name} = {_g(variables[name].grad)}")
    if not math.isfinite(root.data):
        lines.append("note: the value is not finite")
    if unused:
        lines.append(f"note: not in the expression: {', '.join(unused)}")

    options = dict(expand=args.expand, collapse=args.collapse, depth=args.depth,
                   grads=recorded and not args.no_grad, fmt=args.digits)
    # the DOT text on stdout stays valid DOT: the numbers then go to stderr
    report = sys.stdout if args.out else sys.stderr
    print("\n".join(lines), file=report)
    try:
        from viz.dot import draw
        g = draw(root, rankdir=args.rankdir, **options)
    except (ValueError, TypeError) as e:
        return _fail(str(e))
    code = 0
    if args.out:
        try:
            path = save(g, args.out, dpi=args.dpi)
        except DotNotFoundError as e:
            dot_path = Path(args.out).with_suffix(".dot")
            save(g, dot_path)
            print(f"graphgrad draw: {e}\nwrote the DOT text to {dot_path} instead",
                  file=sys.stderr)
            return EXIT_FAILED
        print(f"wrote {path}")
    else:
        sys.stdout.write(g.source)
    if args.steps:
        code = _steps(root, args.steps, options, report)
    return code


def _steps(root, path, options, report):
    if not root.requires_grad:
        return _fail("--steps: the expression has no variables, so there is no backward "
                     "pass to step through")
    try:
        from viz.html import export_steps as export
    except (ImportError, AttributeError):
        print("graphgrad draw: --steps needs viz.stepper, which is not in this build; "
              "skipped", file=sys.stderr)
        return EXIT_FAILED
    options = {k: v for k, v in options.items() if k in ("expand", "collapse", "depth")}
    try:
        out = export(root, path, **options)
    except DotNotFoundError as e:
        print(f"graphgrad draw: {e}", file=sys.stderr)
        return EXIT_FAILED
    except ValueError as e:
        return _fail(f"--steps: {e}")
    print(f"wrote {out}", file=report)
    return 0


# ----------------------------------------------------------------------------- figure

def add_figure_parser(sub):
    p = sub.add_parser(
        "figure", help="regenerate the book's figures as SVG and PNG",
        description="Regenerate figures of 'Deep Learning from Scratch' (chapter 5 and "
                    "appendix A) from the engine's own graphs.",
        epilog="examples:\n  graphgrad figure --list\n  graphgrad figure all -o figures\n"
               "  graphgrad figure sigmoid appendix-a -o figures --format svg pdf",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("names", nargs="*", metavar="NAME", help="figure names, or 'all'")
    p.add_argument("-o", "--out", default="figures", metavar="DIR",
                   help="output folder (default: figures)")
    p.add_argument("--list", action="store_true", help="list the figures and exit")
    p.add_argument("--format", nargs="+", default=["svg", "png"],
                   choices=["svg", "png", "pdf", "dot"], help="formats (default: svg png)")
    p.add_argument("--dpi", type=int, default=None, metavar="N", help="PNG resolution")
    return p


def figure_command(args):
    from viz import figures
    if args.list:
        width = max(len(n) for n in figures.FIGURES)
        for f in figures.FIGURES.values():
            print(f"{f.name:<{width}}  {f.book:<16} {f.about}")
        return 0
    if not args.names:
        print("graphgrad figure: error: name a figure, or 'all' (see --list)",
              file=sys.stderr)
        return EXIT_USAGE
    names = figures.names() if "all" in args.names else list(dict.fromkeys(args.names))
    unknown = [n for n in names if n not in figures.FIGURES]
    if unknown:
        print(f"graphgrad figure: error: no figure {', '.join(map(repr, unknown))}; "
              f"the figures are: {', '.join(figures.FIGURES)}", file=sys.stderr)
        return EXIT_USAGE
    dpi = args.dpi or figures.DPI
    try:
        for name in names:
            for path in figures.write_figure(name, args.out, args.format, dpi=dpi):
                print(f"wrote {path}")
    except DotNotFoundError as e:
        print(f"graphgrad figure: {e}\n(--format dot writes the DOT text without it)",
              file=sys.stderr)
        return EXIT_FAILED
    return 0
