"""Training speed of the book's TwoLayerNet(784, 50, 10): graphgrad vs numpy vs PyTorch.

    python -m benchmarks.bench_training [--quick] [--profile]

Rows (one process, peers interleaved, medians; ratio = peer median / graphgrad median is
not used here: we print time(graphgrad) / time(peer), so < 1 means graphgrad is faster):

  step B dtype   one training iteration: forward, backward, SGD update (lr 0.1), mini-batch
                 of B MNIST images (the 8,000-image split; random pixels if MNIST is
                 absent).  graphgrad: autograd.models.TwoLayerNet (layers built on the
                 engine); numpy: benchmarks/numpy_twolayer.py, the book's code with its
                 hand-written derivatives; torch: the same network in eager mode.  Like the
                 book, graphgrad and numpy also compute dx of the first Affine layer (which
                 nobody uses); "torch" does the same work (the input requires grad),
                 "torch idiomatic" skips it.
  numerical      the book's numerical_gradient (central differences, 2 forward passes per
                 parameter, 79,520 in all) against one gradient() by backpropagation, on
                 the same batch of 100: how much backpropagation buys.

Goals (issue 3): step within 1.15x of numpy at B = 100 and 1000, no slower than torch at
B = 100, in float64 and float32.  BLAS runs single-threaded everywhere: OMP/OPENBLAS/MKL
thread variables are set to 1 before numpy is imported (when this module is the first to
import it), threadpoolctl limits them too when installed, and torch.set_num_threads(1).
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads BLAS, or it has no effect

import cProfile  # noqa: E402
import io  # noqa: E402
import itertools  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from autograd import no_grad  # noqa: E402
from autograd.models import TwoLayerNet  # noqa: E402
from benchmarks import numpy_twolayer as reference  # noqa: E402
from benchmarks.common import (  # noqa: E402
    check,
    fmt_time,
    header,
    interleave,
    median,
    mnist_dir,
    parse_args,
    per_call,
    table,
)

LR = 0.1


def limit_threads():
    """Single-threaded BLAS; returns a line describing what was done."""
    parts = [f"{v}={os.environ.get(v)}" for v in
             ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")]
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        parts.append("threadpoolctl not installed (the variables above apply)")
    else:
        threadpool_limits(1)
        apis = {f"{i['internal_api']}:{i['num_threads']}" for i in threadpool_info()}
        parts.append("threadpoolctl " + ",".join(sorted(apis)))
    try:
        import torch
    except ImportError:
        pass
    else:
        torch.set_num_threads(1)
        parts.append(f"torch threads {torch.get_num_threads()}")
    return "; ".join(parts)


def load_images():
    try:
        from autograd.datasets import load_mnist_test_split

        (x, t), _ = load_mnist_test_split(mnist_dir())
        return x, t, "MNIST t10k split (8,000 training images)"
    except (OSError, ValueError):
        rng = np.random.default_rng(0)
        x = rng.random((8000, 784), dtype=np.float32)
        return x, rng.integers(0, 10, 8000), "random pixels (MNIST not found)"


def batches(x, t, size, dtype, n=8, seed=0):
    """A few fixed mini-batches, made once: indexing is not what is measured."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        idx = rng.choice(len(x), size)
        out.append((np.ascontiguousarray(x[idx], dtype=dtype), t[idx]))
    return out


# ----------------------------------------------------------------------------- peers

def graphgrad_step(net):
    def step(xb, tb):
        grads = net.gradient(xb, tb)
        for key in ("W1", "b1", "W2", "b2"):
            net.params[key] -= LR * grads[key]
    return step


def numpy_step(net):
    return lambda xb, tb: reference.sgd_step(net, xb, tb, LR)


def torch_step(params, dtype, input_grad):
    import torch

    tdt = {np.float64: torch.float64, np.float32: torch.float32}[np.dtype(dtype).type]
    W1, b1, W2, b2 = (torch.tensor(params[k].copy(), dtype=tdt, requires_grad=True)
                      for k in ("W1", "b1", "W2", "b2"))
    ps = (W1, b1, W2, b2)
    cache = {}

    def step(xb, tb):
        key = id(xb)
        if key not in cache:  # converted once per batch, as the other peers' data
            cache[key] = (torch.from_numpy(xb), torch.from_numpy(tb.astype(np.int64)))
        x, t = cache[key]
        if input_grad:
            x = x.detach().requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(torch.relu(x @ W1 + b1) @ W2 + b2, t)
        loss.backward()
        with torch.no_grad():
            for p in ps:
                p -= LR * p.grad
                p.grad = None
    return step


def cycling(step, data):
    it = itertools.cycle(data)

    def run():
        step(*next(it))
    return run


# ----------------------------------------------------------------------------- rows

def bench_step(x, t, size, dtype, repeats, have_torch):
    data = batches(x, t, size, dtype)
    net = TwoLayerNet(784, 50, 10, seed=0, dtype=dtype)
    ref = reference.TwoLayerNet(784, 50, 10, params=net.params, dtype=dtype)
    steps = {"graphgrad": graphgrad_step(net), "numpy": numpy_step(ref)}
    if have_torch:
        steps["torch"] = torch_step(net.params, dtype, input_grad=True)
        steps["torch idiomatic"] = torch_step(net.params, dtype, input_grad=False)
    fns = {}
    for name, step in steps.items():
        run, n = per_call(cycling(step, data), budget=0.05)
        fns[name] = (run, n)
    times = cpu_interleave({k: v[0] for k, v in fns.items()}, repeats)
    return {k: median(v) / fns[k][1] for k, v in times.items()}


def cpu_interleave(fns, repeats):
    """common.interleave's rounds (A B A B, order flipped each round, gc before each
    sample), timed by this process's CPU clock: on a shared machine another process's
    burst takes wall time from both sides unevenly, CPU time only a little (caches)."""
    times = {name: [] for name in fns}

    def timed(name, fn):
        def run():
            t0 = time.process_time()
            fn()
            times[name].append(time.process_time() - t0)
        return run

    interleave({name: timed(name, fn) for name, fn in fns.items()}, repeats)
    return times


def bench_numerical(x, t, quick):
    """One numerical gradient and the backprop gradient, each peer, same batch."""
    xb, tb = batches(x, t, 100, np.float64, n=1)[0]
    net = TwoLayerNet(784, 50, 10, seed=0)
    ref = reference.TwoLayerNet(784, 50, 10, params=net.params)
    out = {}
    for name, model in (("graphgrad", net), ("numpy", ref)):
        if quick:  # a slice of W1 only, scaled up: every element costs the same
            t0 = time.process_time()
            n_all = sum(p.size for p in model.params.values())
            sub = model.params["W1"][:20]
            with no_grad():  # as TwoLayerNet.numerical_gradient does; numpy ignores it
                reference.numerical_gradient(lambda _, m=model: m.loss(xb, tb), sub)
            numerical = (time.process_time() - t0) * n_all / sub.size
        else:
            t0 = time.process_time()
            model.numerical_gradient(xb, tb)
            numerical = time.process_time() - t0
        run, n = per_call(lambda m=model: m.gradient(xb, tb), budget=0.05)
        backprop = median(cpu_interleave({"g": run}, 7)["g"]) / n
        out[name] = (numerical, backprop)
    return out


def profile_step(x, t):
    """Where graphgrad's time goes in one training iteration (batch 100, float64)."""
    data = batches(x, t, 100, np.float64)
    net = TwoLayerNet(784, 50, 10, seed=0)
    run = cycling(graphgrad_step(net), data)
    for _ in range(50):
        run()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(2000):
        run()
    prof.disable()
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(25)
    print("cProfile, 2,000 iterations at batch 100 (tottime = time in the function "
          "itself):")
    print(s.getvalue())


def main(argv=None):
    args = parse_args("TwoLayerNet training step: graphgrad vs numpy vs PyTorch", argv)
    threads = limit_threads()
    header("bench_training: TwoLayerNet(784, 50, 10) training step", args.quick)
    if "numpy" in sys.modules and not os.environ.get("OMP_NUM_THREADS") == "1":
        print("warning: numpy was imported before this module set the thread variables")
    print(f"threads   {threads}")
    x, t, source = load_images()
    print(f"data      {source}\n", flush=True)
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
        print("torch is not installed: the PyTorch columns are skipped "
              "(pip install torch==2.13.0)\n")

    repeats = 5 if args.quick else 21
    rows = []
    for dtype in (np.float64, np.float32):
        for size in (100, 1000):
            r = bench_step(x, t, size, dtype, repeats, have_torch)
            g = r["graphgrad"]
            ratio_np = g / r["numpy"]
            goal = [check(ratio_np <= 1.15, "<= 1.15x numpy")]
            row = [f"step {size} {np.dtype(dtype).name}", fmt_time(g), fmt_time(r["numpy"]),
                   f"{ratio_np:.2f}x"]
            if have_torch:
                ratio_t = g / r["torch"]
                row += [fmt_time(r["torch"]), f"{ratio_t:.2f}x",
                        fmt_time(r["torch idiomatic"]), f"{g / r['torch idiomatic']:.2f}x"]
                if size == 100:
                    goal.append(check(ratio_t <= 1.0, "<= 1x torch"))
            rows.append(row + ["; ".join(goal)])
            print("  ".join(map(str, row)), flush=True)
    heads = ["row", "graphgrad", "numpy", "gg/numpy"]
    if have_torch:
        heads += ["torch", "gg/torch", "torch idiomatic", "gg/idiomatic"]
    print()
    table(rows, heads + ["goal"])

    num = bench_numerical(x, t, args.quick)
    table([[name, fmt_time(n), fmt_time(b), f"{n / b:,.0f}x"]
           for name, (n, b) in num.items()],
          ["numerical vs backprop", "numerical_gradient", "gradient", "ratio"])
    if args.profile:
        profile_step(x, t)


if __name__ == "__main__":
    main()
