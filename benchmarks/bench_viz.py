"""Drawing speed: appendix A with symbolic labels against the same drawing with numbers.

    python -m benchmarks.bench_viz [--quick] [--profile]

Rows (one process, interleaved, medians; ratio = symbols median / numbers median):

  dot text   viz.draw(appendix_a(labels="constants"), labels=...).source: the graph
             built and differentiated, the view, the algebra (sympy, for symbols) and
             the DOT text.  CPU time of this process.
  svg        the same, then Graphviz's `dot -Tsvg` (a child process: wall time).

Each sample starts from a fresh graph, so nothing is cached between samples: a symbolic
drawing builds its shadow graph and simplifies every edge anew, as a user's call does.
"""
import cProfile
import io
import pstats
import shutil
import sys
import time

import viz
from autograd.examples import appendix_a
from benchmarks.common import fmt_time, header, interleave, median, parse_args, ratio, table

LABELS = ("numbers", "symbols")


def dot_text(labels):
    return lambda: viz.draw(appendix_a(labels="constants"), labels=labels).source


def svg(labels):
    return lambda: viz.to_svg(viz.draw(appendix_a(labels="constants"), labels=labels))


def _row(name, fns, repeats, clock):
    for fn in fns.values():  # warm up: imports (sympy), dot's first start
        fn()
    t = interleave(fns, repeats, clock=clock)
    return [name, fmt_time(median(t["numbers"])), fmt_time(median(t["symbols"])),
            f"{ratio(t['symbols'], t['numbers']):.1f}x"]


def profile():
    prof = cProfile.Profile()
    prof.enable()
    dot_text("symbols")()
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(18)
    print(out.getvalue())


def main(argv=None):
    args = parse_args(__doc__.split("\n")[0], argv)
    header("bench_viz: the appendix-A drawing, symbols vs numbers", args.quick)
    repeats = 3 if args.quick else 15
    rows = [_row("dot text", {lab: dot_text(lab) for lab in LABELS}, repeats,
                 time.process_time)]
    if shutil.which("dot"):
        rows.append(_row("svg", {lab: svg(lab) for lab in LABELS}, repeats,
                         time.perf_counter))
    else:
        print("Graphviz's dot not found: the svg row is skipped\n")
    table(rows, ["appendix A", "numbers", "symbols", "symbols / numbers"])
    if args.profile:
        profile()
    return 0


if __name__ == "__main__":
    sys.exit(main())
