"""`graphgrad figure`: the book's figures (chapters 5 and 6, appendix A), regenerated
from the engine's own graphs, each file written whole or not at all."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from viz.cli.files import EXIT_FAILED, CommandError, output_dir, write_atomic
from viz.cli.files import dpi as check_dpi
from viz.cli.lang import _, cells, current, pad

FORMATS = ("svg", "png", "pdf", "dot")
LABELS = ("numbers", "symbols", "both")


def add_parser(sub):
    p = sub.add_parser(
        "figure", help=_("regenerate the book's figures as SVG and PNG"),
        description=_("Regenerate figures of 'Deep Learning from Scratch' (chapters 5 and 6, "
                      "appendix A) from the engine's own graphs."),
        epilog=_("examples:") + "\n  graphgrad figure --list\n  graphgrad figure all -o "
               "figures\n  graphgrad figure sigmoid appendix-a -o figures --format svg pdf\n"
               "  graphgrad figure appendix-a --labels symbols -o figures   " +
               _("(figure A-5)"),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("names", nargs="*", metavar="NAME", help=_("figure names, or 'all'"))
    p.add_argument("-o", "--out", default="figures", metavar="DIR",
                   help=_("output folder (default: figures)"))
    p.add_argument("--list", action="store_true", help=_("list the figures and exit"))
    p.add_argument("--format", nargs="+", default=["svg", "png"], choices=FORMATS,
                   help=_("formats (default: svg png)"))
    p.add_argument("--dpi", type=int, default=None, metavar="N", help=_("PNG resolution"))
    p.add_argument("--labels", choices=LABELS, default="numbers",
                   help=_("what the edges say: numbers (default), symbols (the book's "
                          "expressions: figures 5-20, 5-22, 5-27, A-5; needs sympy) or both"))
    p.add_argument("--rankdir", choices=["LR", "TB"], default=None,
                   help=_("left to right (the book's way, the default but for batchnorm) "
                          "or top to bottom (narrower: appendix A fits a page's width)"))
    return p


def write_figure(name, outdir, formats, dpi, labels="numbers", rankdir=None, lang=None,
                 stem=None):
    """Figure `name` as outdir/STEM.svg, STEM.png ... (STEM: the name unless given;
    viz.figures draws it, in `lang`; None: the command's language); returns the paths
    written."""
    from viz import figures
    from viz.render import pipe
    g = figures.figure(name, labels, rankdir, lang or current())
    paths = []
    for fmt in formats:
        data = pipe(g, fmt, dpi=dpi if fmt == "png" else None)
        paths.append(write_atomic(Path(outdir) / f"{stem or name}.{fmt}", data))
    return paths


def need_dot(formats):
    """Refuse, before any work, images without Graphviz's `dot`."""
    from viz.render import INSTALL_HINT, dot_available
    if any(f != "dot" for f in formats) and not dot_available():
        raise CommandError(_(INSTALL_HINT) + "\n" +
                           _("(--format dot writes the DOT text without it)"), EXIT_FAILED)


def _names(args, figures):
    if not args.names:
        raise CommandError(_("name a figure, or 'all' (see --list)"))
    names = figures.names() if "all" in args.names else list(dict.fromkeys(args.names))
    unknown = [n for n in names if n not in figures.FIGURES]
    if unknown:
        raise CommandError(_("no figure {names}; the figures are: {figures}").format(
            names=", ".join(map(repr, unknown)), figures=", ".join(figures.FIGURES)))
    return names


def print_list(figures):
    """One line per figure: its name, the book's figures the drawing reproduces (with
    --labels symbols too, where that is a figure the book prints; 'numbers only' for a
    graph of arrays), and what it shows."""
    rows = []
    for f in figures.FIGURES.values():
        book = _(f.book)
        if not f.symbolic:
            book += _("; numbers only")
        elif f.reproduces("symbols"):
            book += _("; --labels symbols: {figures}").format(figures=f.reproduces("symbols"))
        rows.append((f.name, book, _(f.about)))
    # columns as a terminal shows them: a kanji or kana takes two cells
    widths = [max(cells(r[i]) for r in rows) for i in range(2)]
    for name, book, about in rows:
        print(f"{pad(name, widths[0])}  {pad(book, widths[1])}  {about}")


def _labels(args, names, figures):
    """Each figure's labels: --labels, or numbers for a graph of arrays when every
    figure was asked for ('all'); named alone, such a figure is an error."""
    chosen = {}
    for name in names:
        scalar = figures.FIGURES[name].symbolic
        if args.labels != "numbers" and not scalar:
            if "all" not in args.names:
                raise CommandError(_("figure {name} is a graph of arrays: it has numbers "
                                     "only (--labels numbers), not --labels {labels}").format(
                                         name=repr(name), labels=args.labels))
            print(_("note: {name} is a graph of arrays: drawn with numbers").format(name=name))
        chosen[name] = args.labels if scalar else "numbers"
    if args.labels != "numbers":
        import importlib.util
        if importlib.util.find_spec("sympy") is None:
            raise CommandError(_("--labels {labels} needs sympy: pip install sympy").format(
                labels=args.labels))
    return chosen


def run(args):
    from viz import figures
    if args.list:
        print_list(figures)
        return 0
    names = _names(args, figures)
    check_dpi(args.dpi)
    formats = list(dict.fromkeys(args.format))
    output_dir(args.out, "-o", [f"{n}.{fmt}" for n in names for fmt in formats])
    labels = _labels(args, names, figures)
    need_dot(formats)
    for name in names:
        options = {k: v for k, v in (("labels", labels[name]), ("rankdir", args.rankdir))
                   if v not in ("numbers", None)}  # the defaults: no keywords
        for path in write_figure(name, args.out, formats, args.dpi or figures.DPI,
                                 **options):
            print(_("wrote {path}").format(path=path))
    sys.stdout.flush()
    return 0
