"""The playground's speed: from a request to its drawing, through the real server.

    python -m benchmarks.bench_play [--quick] [--profile]

The server runs as `graphgrad serve --port 0 --no-browser` in its own process (and its
workers in theirs), as a learner runs it; this process is the browser, asking over HTTP.

Rows (wall clock, p50 and p95 over the samples; each pair interleaved in one process):

  drawing   GET /api/draw for each example of the page's menu (the book's graphs), with
            numbers and, where the book writes them, with symbols: what the page waits for
            after a keystroke's pause.  Interleaved with the same answer computed in this
            process (viz.play.build.drawing): their ratio is what serving costs (HTTP, a
            worker process, JSON).  Goals (issue 18): p95 ≤ 150 ms with numbers, ≤ 1 s
            with symbols.  Up to 60 samples a case, fewer (at least 7) where 30 s of
            samples hold fewer: n is printed.
  stepper   GET /steps: the player page (every frame drawn by dot), which the page loads
            after the drawing; no goal, reported so its wait is known.
"""
import cProfile
import io
import json
import os
import pstats
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import numpy as np

from benchmarks.common import check, fmt_time, header, interleave, parse_args, ratio, table

GOAL = {"numbers": 0.150, "symbols": 1.0}
BUDGET_S = 30.0  # seconds of samples per case at most: a slow case gets fewer (n >= 7)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_server():
    """(process, base URL) of a fresh `graphgrad serve` on a free port."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1", GRAPHGRAD_LANG="en")
    proc = subprocess.Popen([sys.executable, "-m", "viz.cli", "serve", "--port", "0",
                             "--no-browser"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            text=True)
    url = re.search(r"http://127\.0\.0\.1:\d+/", proc.stdout.readline())
    if not url:
        proc.kill()
        raise SystemExit("graphgrad serve did not print its address")
    return proc, url.group(0)


def cases():
    """(name, labels, expr, values) for every example, with symbols where they apply."""
    from viz.play.examples import EXAMPLES
    out = []
    for e in EXAMPLES:
        out.append((e.key, "numbers", e.expr, e.values))
        if e.key != "eshikaku":  # matrices: the book writes no symbols there
            out.append((e.key, "symbols", e.expr, e.values))
    return out


def _get(url):
    with urllib.request.urlopen(url, timeout=300) as r:
        return r.read()


def _query(labels, expr, values):
    return urllib.parse.urlencode({"expr": expr, **values, "labels": labels})


def served(base, path, labels, expr, values):
    url = f"{base}{path}?{_query(labels, expr, values)}"

    def ask():
        body = _get(url)
        if path == "api/draw" and not json.loads(body)["ok"]:
            raise SystemExit(f"the server refused {expr!r}: {body[:200]!r}")
    return ask


def in_process(labels, expr, values):
    from viz.play.build import drawing
    return lambda: drawing(expr, values, labels=labels)


def p(xs, q):
    return float(np.percentile(xs, q))


def _repeats(fn, most, budget=BUDGET_S, least=7):
    """Warm `fn` up (the workers' first sympy, dot's first start), and how many samples
    fit in `budget` seconds (between `least` and `most`): a slow case gets fewer."""
    fn()
    t0 = time.perf_counter()
    fn()
    once = time.perf_counter() - t0
    return max(least, min(most, int(budget / max(once, 1e-3))))


def drawing_rows(base, repeats):
    rows, worst = [], {"numbers": 0.0, "symbols": 0.0}
    for key, labels, expr, values in cases():
        fns = {"served": served(base, "api/draw", labels, expr, values),
               "here": in_process(labels, expr, values)}
        n = min(_repeats(fn, repeats, BUDGET_S / 2) for fn in fns.values())
        t = interleave(fns, n, clock=time.perf_counter)
        p95 = p(t["served"], 95)
        worst[labels] = max(worst[labels], p95)
        rows.append([key, labels, str(n), fmt_time(p(t["served"], 50)), fmt_time(p95),
                     fmt_time(p(t["here"], 50)), f"{ratio(t['served'], t['here']):.2f}x",
                     check(p95 <= GOAL[labels], f"p95 <= {fmt_time(GOAL[labels])}")])
    return rows, worst


def stepper_rows(base, repeats):
    rows = []
    for key, labels, expr, values in cases():
        ask = served(base, "steps", labels, expr, values)
        n = _repeats(ask, repeats, least=3)
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            ask()
            times.append(time.perf_counter() - t0)
        rows.append([key, labels, str(n), fmt_time(p(times, 50)), fmt_time(p(times, 95))])
    return rows


def profile():
    from viz.play.examples import EXAMPLES
    example = next(e for e in EXAMPLES if e.key == "appendix-a")
    for labels in ("numbers", "symbols"):
        prof = cProfile.Profile()
        prof.runcall(in_process(labels, example.expr, example.values))
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(15)
        print(f"-- profile: appendix A's drawing with {labels}, in process\n{out.getvalue()}")


def main(argv=None):
    args = parse_args(__doc__.split("\n")[0], argv)
    header("bench_play: the playground, from a request to its drawing", args.quick)
    print("clock: wall time (the server and its workers are other processes)\n")
    draw_reps, step_reps = (5, 3) if args.quick else (60, 15)
    proc, base = start_server()
    try:
        rows, worst = drawing_rows(base, draw_reps)
        table(rows, ["example", "labels", "n", "served p50", "served p95", "in process p50",
                     "served / in process", "goal"])
        print(f"worst p95: numbers {fmt_time(worst['numbers'])}, symbols "
              f"{fmt_time(worst['symbols'])}\n")
        table(stepper_rows(base, step_reps), ["stepper page", "labels", "n", "p50", "p95"])
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    if args.profile:
        profile()
    return 0


if __name__ == "__main__":
    sys.exit(main())
