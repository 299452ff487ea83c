"""`graphgrad figure`: the book's figures (chapter 5 and appendix A), regenerated from
the engine's own graphs, each file written whole or not at all."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from viz.cli.files import EXIT_FAILED, CommandError, output_dir, write_atomic
from viz.cli.files import dpi as check_dpi

FORMATS = ("svg", "png", "pdf", "dot")


def add_parser(sub):
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
    p.add_argument("--format", nargs="+", default=["svg", "png"], choices=FORMATS,
                   help="formats (default: svg png)")
    p.add_argument("--dpi", type=int, default=None, metavar="N", help="PNG resolution")
    return p


def write_figure(name, outdir, formats, dpi):
    """Figure `name` as outdir/NAME.svg, NAME.png ... (viz.figures draws it); returns
    the paths written."""
    from viz import figures
    from viz.render import pipe
    g = figures.figure(name)
    paths = []
    for fmt in formats:
        data = pipe(g, fmt, dpi=dpi if fmt == "png" else None)
        paths.append(write_atomic(Path(outdir) / f"{name}.{fmt}", data))
    return paths


def need_dot(formats):
    """Refuse, before any work, images without Graphviz's `dot`."""
    from viz.render import INSTALL_HINT, dot_available
    if any(f != "dot" for f in formats) and not dot_available():
        raise CommandError(f"{INSTALL_HINT}\n(--format dot writes the DOT text without it)",
                           EXIT_FAILED)


def _names(args, figures):
    if not args.names:
        raise CommandError("name a figure, or 'all' (see --list)")
    names = figures.names() if "all" in args.names else list(dict.fromkeys(args.names))
    unknown = [n for n in names if n not in figures.FIGURES]
    if unknown:
        raise CommandError(f"no figure {', '.join(map(repr, unknown))}; the figures are: "
                           f"{', '.join(figures.FIGURES)}")
    return names


def run(args):
    from viz import figures
    if args.list:
        width = max(len(n) for n in figures.FIGURES)
        for f in figures.FIGURES.values():
            print(f"{f.name:<{width}}  {f.book:<16} {f.about}")
        return 0
    names = _names(args, figures)
    check_dpi(args.dpi)
    formats = list(dict.fromkeys(args.format))
    output_dir(args.out, "-o", [f"{n}.{fmt}" for n in names for fmt in formats])
    need_dot(formats)
    for name in names:
        for path in write_figure(name, args.out, formats, args.dpi or figures.DPI):
            print(f"wrote {path}")
    sys.stdout.flush()
    return 0
