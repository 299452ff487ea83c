"""What every benchmark shares: the machine header, interleaved timing, ratio tables.

Rules (machines are noisy, CI has 2 cores): the project and its peers run in one process,
interleaved A B A B ..., each sample timed separately (CPU time of this process, see
interleave); we report medians and print the result as a ratio, so a slow or busy machine
shifts both sides together.
"""
import argparse
import datetime
import gc
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

__all__ = ["parse_args", "header", "interleave", "per_call", "median", "ratio", "table",
           "fmt_time", "check", "mnist_dir"]

# The project's 10,000-image MNIST copy beside the repository: the package never looks
# there, so the benchmarks pass it as a path
SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "mnist"


def mnist_dir():
    """Where the benchmarks read MNIST: $GRAPHGRAD_MNIST_DIR, else the project's copy when
    it is there, else None (the loader's own search: the cache)."""
    if os.environ.get("GRAPHGRAD_MNIST_DIR"):
        return None  # the loader reads the variable itself
    return SHARED_MNIST if SHARED_MNIST.is_dir() else None


def parse_args(description, argv=None):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true",
                   help="a smoke run: few repeats, small sizes where the row allows it")
    p.add_argument("--profile", action="store_true",
                   help="also print where graphgrad's time goes (cProfile)")
    return p.parse_args(argv)


def _version(dist):
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _commit():
    # the tree is often dirty while people work: say so, or a result cannot be traced
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                             capture_output=True, text=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "autograd"],
                               cwd=root, capture_output=True, text=True,
                               timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{rev}{' + uncommitted engine changes' if dirty else ''}" if rev else "unknown"


def header(title, quick):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"== {title}{'  [--quick: smoke run, numbers not meaningful]' if quick else ''}",
        f"date      {now}",
        f"machine   {platform.platform()}; {_cpu_model()}; {os.cpu_count()} CPUs",
        f"python    {platform.python_implementation()} {platform.python_version()}; "
        f"numpy {np.__version__}; micrograd {_version('micrograd')}; "
        f"torch {_version('torch')}",
        f"graphgrad {_commit()}; autograd from {_package_dir('autograd')}",
        f"command   {sys.executable} -m {_module_name()} {' '.join(sys.argv[1:])}".rstrip(),
        "",
    ]
    print("\n".join(lines), flush=True)


def _package_dir(name):
    # the PyPI package also called `autograd` must never be what we time
    spec = importlib.util.find_spec(name)
    return os.path.dirname(spec.origin) if spec and spec.origin else "not found"


def _module_name():
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return spec.name if spec is not None else os.path.basename(sys.argv[0])


def interleave(fns, repeats, gc_on=True, collect_times=None, clock=time.process_time):
    """Time each callable `repeats` times, interleaved (A B A B, the order flipped every
    round so neither side always runs right after the other).

    gc.collect() runs after every sample, untimed: cyclic garbage left by one side must
    not be collected on the other side's clock.  With gc_on=False the collector is off
    during the timed call only, as one would run a training loop under gc.disable().
    If `collect_times` is a dict, the untimed collections are recorded in it by name:
    that is the cost a side deferred to the collector.  Returns {name: [seconds, ...]}.

    The clock is this process's CPU time by default: on a shared 2-core machine another
    process's burst steals wall time from one side only; CPU time barely moves.  Pass
    clock=time.perf_counter for wall time (multi-threaded peers need it).
    """
    names = list(fns)
    times = {n: [] for n in names}
    was_enabled = gc.isenabled()
    gc.collect()
    try:
        for r in range(repeats):
            for name in (names if r % 2 == 0 else names[::-1]):
                if gc_on:
                    gc.enable()
                else:
                    gc.disable()
                t0 = clock()
                fns[name]()
                t1 = clock()
                gc.enable()
                gc.collect()
                t2 = clock()
                times[name].append(t1 - t0)
                if collect_times is not None:
                    collect_times.setdefault(name, []).append(t2 - t1)
    finally:
        if not was_enabled:
            gc.disable()
    return times


def per_call(fn, budget=0.02):
    """A callable that runs `fn` n times, n chosen so one sample takes about `budget`
    seconds (clock resolution and loop overhead vanish), and that n."""
    # warm up first: a first call can be 100x slower (page faults on a fresh 8 MB
    # result, BLAS or torch kernels loading) and would make n 1, so that every sample
    # then timed one cold call
    for _ in range(3):
        fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        t = time.perf_counter() - t0
        if t >= budget / 4 or n >= 1 << 20:
            break
        n *= 2
    n = max(1, round(n * budget / max(t, 1e-9)))

    def run():
        for _ in range(n):
            fn()
    return run, n


def median(xs):
    return statistics.median(xs)


def ratio(slow, fast):
    """How many times faster `fast` is than `slow`: the median of the per-round ratios.

    Samples of one round ran back to back, so pairing them cancels slow drifts of the
    machine (another process starting, the CPU clocking down) that a ratio of the two
    overall medians would keep."""
    return median([s / f for s, f in zip(slow, fast)])


def fmt_time(s):
    if s >= 1.0:
        return f"{s:.3f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    if s >= 1e-6:
        return f"{s * 1e6:.2f} us"
    return f"{s * 1e9:.0f} ns"


def table(rows, headings):
    """Print rows (lists of str) under headings, columns padded to fit."""
    widths = [max(len(str(r[i])) for r in [headings, *rows]) for i in range(len(headings))]
    for r in [headings, ["-" * w for w in widths], *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    print(flush=True)


def check(ok, goal):
    return f"{'met' if ok else 'MISSED'} ({goal})"
