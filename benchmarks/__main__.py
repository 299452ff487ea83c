"""Run every benchmark: `python -m benchmarks [--quick] [--profile] [NAME ...]`.

Each `bench_*.py` module in this folder runs as its own `python -m benchmarks.bench_x`
process, one after the other (never in parallel: they would time each other).  A fresh
process per module keeps one benchmark's heap, garbage and imports (torch is large) out of
the next one's timings.  NAME selects modules (`scalar` or `bench_scalar`); the other
arguments are passed on to each.  The exit status is the first failure's, if any.
"""
import subprocess
import sys
import time
from pathlib import Path


def modules():
    return sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    flags = [a for a in argv if a.startswith("-")]
    wanted = {a if a.startswith("bench_") else f"bench_{a}" for a in argv
              if not a.startswith("-")}
    found = modules()
    unknown = wanted - set(found)
    if unknown:
        print(f"unknown benchmark(s) {sorted(unknown)}; found {found}", file=sys.stderr)
        return 2
    status = 0
    for name in found:
        if wanted and name not in wanted:
            continue
        cmd = [sys.executable, "-m", f"benchmarks.{name}", *flags]
        t0 = time.perf_counter()
        code = subprocess.run(cmd, cwd=Path(__file__).parent.parent).returncode
        print(f"-- benchmarks.{name}: exit {code}, {time.perf_counter() - t0:.0f} s\n",
              flush=True)
        status = status or code
    return status


if __name__ == "__main__":
    sys.exit(main())
