"""The showcase's speed: `graphgrad tour` (what `./run demo` runs) and its appendix-A stepper.

    python -m benchmarks.bench_viz [--quick] [--profile]

Rows (medians; the two stepper rows interleaved in one process, their ratio printed):

  tour           `python -m viz.cli tour -o DIR` in a fresh process, wall clock: the
                 interpreter, the imports, the price, the drawings (dot) and the
                 appendix-A stepper with its algebra (sympy), as the user waits for them
                 after set-up.  Goal (issue 9): under 15 s on this machine.
  stepper        viz.cli.tour.stepper_frames() and the HTML player of them (dot renders
                 every frame): the book's six steps with numbers and symbols, against the
                 same frames with numbers only (symbolic=False): what the algebra costs.
"""
import os
import subprocess
import sys
import tempfile
import time

from benchmarks.common import check, fmt_time, header, interleave, median, parse_args, ratio, table

TOUR_GOAL_S = 15.0


def bench_tour(repeats):
    """Wall-clock seconds of a whole `graphgrad tour` process, `repeats` times."""
    times = []
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "viz.cli", "tour", "-o", out], cwd=root,
                           env=env, check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - t0)
    return times


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


def main(argv=None):
    args = parse_args(__doc__.split("\n")[0], argv)
    header("bench_viz: the tour and its appendix-A stepper", args.quick)
    print("clock: wall time (the tour and dot run in child processes)\n")
    tour_reps, step_reps = (1, 2) if args.quick else (5, 7)
    tour = bench_tour(tour_reps)
    steps = bench_stepper(step_reps)
    t = median(tour)
    table([["tour (process)", fmt_time(t), f"{min(tour):.2f}-{max(tour):.2f} s",
            check(t < TOUR_GOAL_S, f"< {TOUR_GOAL_S:g} s")]],
          ["row", "median", "range", "goal"])
    s, n = median(steps["symbols"]), median(steps["numbers"])
    table([["stepper appendix-A", fmt_time(s), fmt_time(n),
            f"{ratio(steps['symbols'], steps['numbers']):.2f}x"]],
          ["row", "symbols", "numbers only", "symbols / numbers"])
    if args.profile:
        import cProfile
        import pstats

        from viz.cli.tour import stepper_frames
        prof = cProfile.Profile()
        prof.runcall(stepper_frames)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(20)


if __name__ == "__main__":
    main()
