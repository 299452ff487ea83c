"""The showcase's speed: `graphgrad tour` (what `./run demo` runs), its appendix-A stepper,
and the appendix-A drawing with symbolic labels against the same drawing with numbers.

    python -m benchmarks.bench_viz [--quick] [--profile]

Rows (medians; each pair interleaved in one process, their ratio printed):

  tour           `python -m viz.cli tour -o DIR` in a fresh process, wall clock: the
                 interpreter, the imports, the price, the drawings (dot) and the
                 appendix-A stepper with its algebra (sympy), as the user waits for them
                 after set-up.  Cold: an empty cache (GRAPHGRAD_CACHE), everything made;
                 goal (issue 9) under 15 s.  Warm: the cache filled by an earlier tour of
                 the same code, what `./run demo` takes the second time; goal (issue 18)
                 under 2 s.
  draw --steps   `python -m viz.cli draw "sigmoid(w*x + b)" --at ... -o g.svg --steps
                 s.html` in a fresh process, wall clock: one drawing and its player.
  page           the appendix-A page of the tour, stage by stage (CPU time, dot's
                 children excluded): the derivation (view and symbolic twin), the
                 frames (the narration and its algebra), the player page with every
                 frame rendered by dot (wall time).
  stepper        viz.cli.tour.stepper_frames() and the HTML player of them (dot renders
                 every frame): the book's six steps with numbers and symbols, against the
                 same frames with numbers only (symbolic=False): what the algebra costs.
  dot text       viz.draw(appendix_a(labels="constants"), labels=...).source: the graph
                 built and differentiated, the view, the algebra (sympy, for symbols) and
                 the DOT text.  CPU time of this process.
  svg            the same, then Graphviz's `dot -Tsvg` (a child process: wall time).

Each drawing sample starts from a fresh graph, so nothing is cached between samples: a
symbolic drawing builds its shadow graph and simplifies every edge anew, as a user's
call does.
"""
import cProfile
import io
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time

from benchmarks.common import check, fmt_time, header, interleave, median, parse_args, ratio, table

TOUR_GOAL_S = 15.0
WARM_GOAL_S = 2.0
LABELS = ("numbers", "symbols")


def _process(args, **env):
    """Wall-clock seconds of one whole `python -m viz.cli ARGS` process (`env`: added to
    the environment); OUT in args is a fresh temporary folder."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", **env)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as out:
        argv = [a.replace("OUT", out) for a in args]
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "viz.cli", *argv], cwd=root, env=env,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0


def _tour(cache):
    return _process(["tour", "-o", "OUT"], GRAPHGRAD_CACHE=cache)


def bench_tour(repeats):
    """Wall-clock seconds of whole `graphgrad tour` processes, `repeats` times each: cold
    (a new empty cache each time) and warm (one cache, filled first), interleaved."""
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as kept:
        _tour(kept)  # fills the warm cache
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as empty:
                cold.append(_tour(empty))
            warm.append(_tour(kept))
    return cold, warm


DRAW_STEPS = ["draw", "sigmoid(w*x + b)", "--at", "w=2", "x=1", "b=-1", "-o", "OUT/g.svg",
              "--steps", "OUT/s.html"]


def bench_draw_steps(repeats):
    """Wall-clock seconds of a whole `graphgrad draw ... -o g.svg --steps s.html`."""
    return [_process(DRAW_STEPS) for _ in range(repeats)]


def bench_page(repeats):
    """The appendix-A page by stage: derive, frames, the player (dot renders)."""
    from autograd import examples
    from viz.derivation import derive
    from viz.html import player_html
    from viz.stepper import frames
    stages = {"derive": [], "frames": [], "page": []}
    for _ in range(repeats + 1):  # the first builds sympy's caches of its own: dropped
        t0 = time.process_time()
        d = derive(examples.appendix_a(labels="constants"), grads=True, symbolic=True)
        d.symbolic  # noqa: B018  (the twin is made when first read)
        t1 = time.process_time()
        fs = frames(d)
        for f in fs:
            f.html  # noqa: B018  (written when first read)
        t2 = time.process_time()
        w0 = time.perf_counter()
        player_html(fs)
        w1 = time.perf_counter()
        for name, t in (("derive", t1 - t0), ("frames", t2 - t1), ("page", w1 - w0)):
            stages[name].append(t)
    return {k: v[1:] for k, v in stages.items()}


def bench_stepper(repeats):
    from autograd import examples
    from viz.cli.tour import stepper_frames
    from viz.html import player_html
    from viz.stepper import frames

    def symbols():
        player_html(stepper_frames())

    def numbers():
        player_html(frames(examples.appendix_a(labels="constants"), symbolic=False))

    symbols()  # warm up: imports, sympy's caches of its own
    return interleave({"symbols": symbols, "numbers": numbers}, repeats,
                      clock=time.perf_counter)  # dot runs in child processes


def dot_text(labels):
    import viz
    from autograd.examples import appendix_a
    return lambda: viz.draw(appendix_a(labels="constants"), labels=labels).source


def svg(labels):
    import viz
    from autograd.examples import appendix_a
    return lambda: viz.to_svg(viz.draw(appendix_a(labels="constants"), labels=labels))


def _drawing_row(name, fns, repeats, clock):
    for fn in fns.values():  # warm up: imports (sympy), dot's first start
        fn()
    t = interleave(fns, repeats, clock=clock)
    return [name, fmt_time(median(t["numbers"])), fmt_time(median(t["symbols"])),
            f"{ratio(t['symbols'], t['numbers']):.1f}x"]


def drawing_rows(repeats):
    rows = [_drawing_row("dot text", {lab: dot_text(lab) for lab in LABELS}, repeats,
                         time.process_time)]
    if shutil.which("dot"):
        rows.append(_drawing_row("svg", {lab: svg(lab) for lab in LABELS}, repeats,
                                 time.perf_counter))
    else:
        print("Graphviz's dot not found: the svg row is skipped\n")
    return rows


def profile():
    from viz.cli.tour import stepper_frames
    for what, fn in (("the tour's stepper", stepper_frames),
                     ("the symbolic drawing", dot_text("symbols"))):
        prof = cProfile.Profile()
        prof.runcall(fn)
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(18)
        print(f"-- profile: {what}\n{out.getvalue()}")


def main(argv=None):
    args = parse_args(__doc__.split("\n")[0], argv)
    header("bench_viz: the tour, its appendix-A stepper, the appendix-A drawing",
           args.quick)
    print("clock: wall time for the tour, the stepper and svg (dot runs in child "
          "processes); CPU time for dot text\n")
    tour_reps, step_reps, draw_reps = (1, 2, 3) if args.quick else (5, 7, 15)
    cold, warm = bench_tour(tour_reps)
    draws = bench_draw_steps(tour_reps)
    steps = bench_stepper(step_reps)
    table([[name, fmt_time(median(t)), f"{min(t):.2f}-{max(t):.2f} s",
            check(median(t) < goal, f"< {goal:g} s") if goal else ""]
           for name, t, goal in (("tour, cold (process)", cold, TOUR_GOAL_S),
                                 ("tour, warm (process)", warm, WARM_GOAL_S),
                                 ("draw --steps (process)", draws, None))],
          ["row", "median", "range", "goal"])
    page = bench_page(step_reps)
    table([["appendix-A page", fmt_time(median(page["derive"])),
            fmt_time(median(page["frames"])), fmt_time(median(page["page"])),
            fmt_time(sum(median(v) for v in page.values()))]],
          ["row", "derive (cpu)", "frames (cpu)", "player, dot (wall)", "total"])
    s, n = median(steps["symbols"]), median(steps["numbers"])
    table([["stepper appendix-A", fmt_time(s), fmt_time(n),
            f"{ratio(steps['symbols'], steps['numbers']):.2f}x"]],
          ["row", "symbols", "numbers only", "symbols / numbers"])
    table(drawing_rows(draw_reps), ["appendix A", "numbers", "symbols", "symbols / numbers"])
    if args.profile:
        profile()
    return 0


if __name__ == "__main__":
    sys.exit(main())
