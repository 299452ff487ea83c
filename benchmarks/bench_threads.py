"""BLAS threads in `graphgrad train`: the book's MNIST training with BLAS's thread pool as
numpy loaded it against `--threads 1` (the default), on this machine as it is and with
its other core busy.

    python -m benchmarks.bench_threads [--quick]

Rows (one process, the two sides interleaved A B B A ..., medians, wall clock: the
threads' waiting and spinning is what is measured, so CPU time would hide it):

  idle   500 iterations of `graphgrad train --dataset mnist`'s loop
         (autograd.training.train: TwoLayerNet 784-50-10, batch 100, SGD lr 0.1, float64,
         an accuracy evaluation every epoch on the 8,000 / 2,000 split), inside
         viz.cli.train.blas_threads(0) (BLAS as loaded: one thread per core) and
         blas_threads(1); the machine as it is (its load average is printed).
  busy   the same while this script keeps one CPU-burning process
         (`python -c "while True: pass"`) running: a 2-core machine with its other core
         busy, as when tests or another job run beside the training.

The ratio is loaded / 1 thread: above 1, one thread is faster.  numpy must not be
limited by OMP/OPENBLAS/MKL_NUM_THREADS here (the script says so if it is).
"""
import os
import subprocess
import sys
import time

import numpy as np

from autograd.models import TwoLayerNet
from autograd.optimizers import SGD
from autograd.training import train
from benchmarks.common import (
    fmt_time,
    header,
    interleave,
    median,
    mnist_dir,
    parse_args,
    ratio,
    table,
)
from viz.cli.train import blas_threads

ITERS = 500


def load():
    try:
        from autograd.datasets import load_mnist_test_split

        data = load_mnist_test_split(mnist_dir())
        return data, "MNIST t10k split (8,000 / 2,000)"
    except (OSError, ValueError):
        rng = np.random.default_rng(0)
        x, t = rng.random((10000, 784), dtype=np.float32), rng.integers(0, 10, 10000)
        return ((x[:8000], t[:8000]), (x[8000:], t[8000:])), "random pixels (no MNIST)"


def training(data, threads, iters):
    (x, t), (xt, tt) = data
    data = ((x.astype(np.float64), t), (xt.astype(np.float64), tt))

    def run():
        net = TwoLayerNet(784, 50, 10, 0.01, seed=0)
        with blas_threads(threads):
            history = train(net, SGD(lr=0.1), data, iters=iters, batch_size=100, seed=0)
        assert history.train_acc[-1] > 0.1  # it learned something: the work was done
    return run


def blas_pool():
    from threadpoolctl import threadpool_info
    pools = [p for p in threadpool_info() if p["user_api"] == "blas"]
    return ", ".join(f"{p['internal_api']} {p['version']}, {p['num_threads']} threads"
                     for p in pools) or "none found"


def burner():
    """A process that keeps one core busy until killed."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def measure(data, iters, repeats):
    fns = {"loaded": training(data, 0, iters), "1 thread": training(data, 1, iters)}
    return interleave(fns, repeats, clock=time.perf_counter)


def main(argv=None):
    args = parse_args("BLAS threads in graphgrad train: as loaded vs 1", argv)
    header("bench_threads: graphgrad train's BLAS threads", args.quick)
    limited = [v for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
               if os.environ.get(v)]
    if limited:
        print(f"warning: {', '.join(limited)} set: 'loaded' is not numpy's default")
    data, source = load()
    iters, repeats = (50, 2) if args.quick else (ITERS, 5)
    print(f"BLAS      {blas_pool()}")
    print(f"data      {source}; {iters} iterations per sample, {repeats} samples each\n",
          flush=True)
    rows = []
    for phase in ("idle", "busy"):
        proc = burner() if phase == "busy" else None
        try:
            if proc is not None:
                time.sleep(1.0)  # let it reach full speed
            load_avg = os.getloadavg()[0]
            times = measure(data, iters, repeats)
        finally:
            if proc is not None:
                proc.kill()
                proc.wait()
        loaded, one = times["loaded"], times["1 thread"]
        rows.append([phase, f"{load_avg:.1f}", f"{fmt_time(median(loaded))} "
                     f"({fmt_time(min(loaded))}–{fmt_time(max(loaded))})",
                     f"{fmt_time(median(one))} ({fmt_time(min(one))}–{fmt_time(max(one))})",
                     f"{ratio(loaded, one):.1f}x"])
        print("  ".join(rows[-1]), flush=True)
    print()
    table(rows, ["machine", "load avg", f"BLAS as loaded ({iters} it)", "1 thread",
                 "loaded / 1 thread"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
