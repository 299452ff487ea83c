"""Two versions of the engine in one process, interleaved: is a change within its budget?

    python -m benchmarks.ab OLD [NEW] [--rows scalar training tensor] [--repeats 61]

OLD and NEW are git commits of this repository (NEW defaults to the work tree).  Each is
exported into a temporary directory as a package of its own (`ab_old`, `ab_new`, and the
old one a second time as `ab_control`, its imports renamed), so the three run the
benchmarks' own workloads side by side: benchmarks.common.interleave, this process's CPU
clock, the order flipped every round.  Each row prints the median of the per-round
ratios new/old and control/old: the control is the same code as old, so its distance
from 1.00 is what the machine and the process layout alone do to a ratio.

Separate processes (python -m benchmarks.bench_x from two checkouts) differ by more
than that on a shared machine: a few per cent between two runs of the same code.
"""
import argparse
import itertools
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads BLAS, as the benchmarks do

import numpy as np  # noqa: E402

from benchmarks.common import interleave  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
_IMPORT = re.compile(r"\b(from|import) autograd\b")


def export(commit, name, into):
    """The engine of `commit` (None: the work tree) as package `name` under `into`."""
    target = into / name
    if commit is None:
        files = {p.relative_to(ROOT / "autograd"): p.read_text(encoding="utf-8")
                 for p in (ROOT / "autograd").rglob("*.py")}
    else:
        listed = subprocess.run(["git", "ls-tree", "-r", "--name-only", commit, "autograd"],
                                cwd=ROOT, capture_output=True, text=True, check=True)
        files = {}
        for path in listed.stdout.split():
            if path.endswith(".py"):
                files[Path(path).relative_to("autograd")] = subprocess.run(
                    ["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True,
                    text=True, check=True).stdout
    for rel, text in files.items():
        out = target / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_IMPORT.sub(lambda m: f"{m.group(1)} {name}", text), encoding="utf-8")


def compare(label, fns, repeats, gc_on=True):
    t = interleave(fns, repeats, gc_on)
    new = [n / o for n, o in zip(t["new"], t["old"])]
    ctl = [c / o for c, o in zip(t["control"], t["old"])]
    q1, _, q3 = statistics.quantiles(new, n=4)
    print(f"{label:32s} old {statistics.median(t['old']) * 1e3:9.2f} ms  new/old "
          f"{statistics.median(new):.4f} (IQR {q1:.3f}-{q3:.3f})  control/old "
          f"{statistics.median(ctl):.4f}", flush=True)


def scalar_rows(engines, repeats):
    from benchmarks import bench_scalar as bs
    X, Y = bs.make_moons()
    weights = bs.init_weights([2, 16, 16, 1])
    models = {k: bs.MLP(e.Value, weights) for k, e in engines.items()}

    def steps(k, n):
        def run():
            for _ in range(n):
                bs.demo_step(models[k], engines[k].Value, X, Y, 0.5)
        return run
    compare("scalar step x4, gc on", {k: steps(k, 4) for k in engines}, repeats)
    compare("scalar step, gc off", {k: steps(k, 1) for k in engines}, repeats, gc_on=False)

    def chain(k):
        def run():
            bs.chain(engines[k].Value, 50_000)
        return run
    compare("chain 100,000, gc off", {k: chain(k) for k in engines}, max(repeats // 4, 5),
            gc_on=False)


def training_rows(engines, repeats):
    from benchmarks.bench_training import batches, load_images
    x, t, _ = load_images()
    for size, dtype in ((100, np.float64), (1000, np.float64), (100, np.float32),
                        (1000, np.float32)):
        data = batches(x, t, size, dtype)
        n = max(1, int(12_000 / size))  # about 5 to 10 ms a sample

        def loop(k, data=data, dtype=dtype, n=n):
            net = engines[k].models.TwoLayerNet(784, 50, 10, seed=0, dtype=dtype)
            batch = itertools.cycle(data)

            def run():
                for _ in range(n):
                    grads = net.gradient(*next(batch))
                    for key in ("W1", "b1", "W2", "b2"):
                        net.params[key] -= 0.1 * grads[key]
            return run
        compare(f"training step {size} {np.dtype(dtype).name}", {k: loop(k) for k in engines},
                repeats)


def tensor_rows(engines, repeats):
    rng = np.random.default_rng(0)
    a, b, w = rng.normal(size=(100, 10)), rng.normal(size=(100, 10)), rng.normal(size=(10, 10))

    def ops(k, fn, arrays, requires_grad, n=2000):
        ts = [engines[k].Tensor(v, requires_grad=requires_grad) for v in arrays]

        def run():
            for _ in range(n):
                fn(*ts)
        return run
    for label, fn, arrays in (("add (100, 10)", lambda p, q: p + q, (a, b)),
                              ("exp (100, 10)", lambda p: p.exp(), (a,)),
                              ("matmul (10, 10)", lambda p, q: p @ q, (a, w))):
        for rg in (False, True):
            compare(f"{label} {'graph' if rg else 'plain'}",
                    {k: ops(k, fn, arrays, rg) for k in engines}, repeats)

    def affine(k, n=300):
        T = engines[k].Tensor
        xt, Wt, bt = T(a), T(w, requires_grad=True), T(b[0], requires_grad=True)

        def run():
            for _ in range(n):
                Wt.grad = bt.grad = None
                (xt @ Wt + bt).relu().sum().backward()
        return run
    compare("fwd+bwd relu(x@W+b).sum()", {k: affine(k) for k in engines}, repeats)


ROWS = {"scalar": scalar_rows, "training": training_rows, "tensor": tensor_rows}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("old")
    p.add_argument("new", nargs="?", help="a commit; the work tree when left out")
    p.add_argument("--rows", nargs="+", choices=sorted(ROWS), default=sorted(ROWS))
    p.add_argument("--repeats", type=int, default=61)
    args = p.parse_args(argv)
    import importlib
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for commit, name in ((args.old, "ab_old"), (args.new, "ab_new"),
                             (args.old, "ab_control")):
            export(commit, name, tmp)
        sys.path.insert(0, str(tmp))
        engines = {}
        for key, name in (("old", "ab_old"), ("new", "ab_new"), ("control", "ab_control")):
            engines[key] = importlib.import_module(name)
            importlib.import_module(f"{name}.models")
        print(f"old {args.old}, new {args.new or 'work tree'}; {args.repeats} rounds; "
              "ratios are medians of per-round ratios (lower than 1: new is faster)")
        for row in args.rows:
            ROWS[row](engines, args.repeats)


if __name__ == "__main__":
    main()
