"""Tensor overhead: one primitive op, and a small forward + backward, vs raw numpy.

    python -m benchmarks.bench_tensor [--quick] [--profile]

Each row times the same computation three or four ways, interleaved in one process:
raw numpy; graphgrad with plain tensors (requires_grad=False: the op runs through apply()
but records no graph); graphgrad with requires_grad=True inputs (a node is recorded);
and PyTorch with requires_grad=True when it is installed (a yardstick, not a goal).
Ratios are graphgrad time / numpy time (the median of the per-round ratios): 1.00 means
no overhead.

  op rows     one op, operands made once, a fresh result each call: a + b, exp(a), a @ w
  fwd+bwd     (x * W).sum() and relu(x @ W + b).sum(): graphgrad's forward, backward and
              .grad reset vs the same forward and backward written by hand in numpy
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    # before numpy loads BLAS: we time on the process's CPU clock, which would also
    # count a BLAS helper thread spinning while it waits for work
    os.environ.setdefault(_var, "1")

import sys  # noqa: E402

import numpy as np  # noqa: E402

from autograd import Tensor  # noqa: E402
from benchmarks.common import (  # noqa: E402
    check,
    fmt_time,
    header,
    interleave,
    median,
    parse_args,
    per_call,
    ratio,
    table,
)

try:
    import torch
    torch.set_num_threads(1)  # one thread, like numpy's loops (and the same clock issue)
except ImportError:  # optional: the rows print "-" in its column
    torch = None

SMALL, LARGE = (100, 10), (1000, 1000)
GOALS = {SMALL: 3.0, LARGE: 1.1}  # graphgrad time / numpy time, at most


def op_cases(rng, large):
    """(label, shape, numpy callable, graphgrad callable factory by requires_grad, torch)."""
    shapes = [SMALL, LARGE] if large else [SMALL]
    cases = []
    for shape in shapes:
        a, b = rng.normal(size=shape), rng.normal(size=shape)
        cases.append(("add", shape, lambda a=a, b=b: a + b,
                      lambda rg, a=a, b=b: _bind(lambda x, y: x + y, rg, a, b), (a, b),
                      lambda x, y: x + y))
        cases.append(("exp", shape, lambda a=a: np.exp(a),
                      lambda rg, a=a: _bind(lambda x: x.exp(), rg, a), (a,),
                      lambda x: x.exp()))
    a, w = rng.normal(size=SMALL), rng.normal(size=(SMALL[1], SMALL[1]))
    cases.append(("matmul (10,10)", SMALL, lambda: a @ w,
                  lambda rg: _bind(lambda x, y: x @ y, rg, a, w), (a, w),
                  lambda x, y: x @ y))
    return cases


def _bind(fn, requires_grad, *arrays):
    # operands made once, outside the timed call: we time the op, not Tensor()
    ts = [Tensor(x, requires_grad=requires_grad) for x in arrays]
    return lambda: fn(*ts)


def _torch_bind(fn, arrays):
    ts = [torch.from_numpy(x).requires_grad_(True) for x in arrays]
    return lambda: fn(*ts)


# ----------------------------------------------------------------------------- fwd+bwd

def mul_sum(rng):
    x, W = rng.normal(size=SMALL), rng.normal(size=SMALL)

    def by_hand():
        y = x * W
        loss = y.sum()
        dy = np.ones_like(y)  # dloss/dy: the sum copies its upstream 1 to every element
        dW = dy * x
        return loss, dW

    xt, Wt = Tensor(x), Tensor(W, requires_grad=True)

    def graphgrad():
        Wt.grad = None
        (xt * Wt).sum().backward()
        return Wt.grad

    def check_same():
        return np.allclose(graphgrad(), by_hand()[1])
    return "(x*W).sum()", by_hand, graphgrad, check_same, _torch_mul_sum(x, W)


def _torch_mul_sum(x, W):
    if torch is None:
        return None
    xt, Wt = torch.from_numpy(x), torch.from_numpy(W).requires_grad_(True)

    def run():
        Wt.grad = None
        (xt * Wt).sum().backward()
    return run


def affine_relu_sum(rng):
    x, W, b = rng.normal(size=SMALL), rng.normal(size=(10, 10)), rng.normal(size=10)

    def by_hand():
        h = x @ W + b
        loss = np.maximum(h, 0).sum()
        dh = (h > 0).astype(h.dtype)  # upstream ones times relu's mask
        return loss, x.T @ dh, dh.sum(axis=0)

    xt = Tensor(x)
    Wt, bt = Tensor(W, requires_grad=True), Tensor(b, requires_grad=True)

    def graphgrad():
        Wt.grad = bt.grad = None
        (xt @ Wt + bt).relu().sum().backward()
        return Wt.grad, bt.grad

    def check_same():
        _, dW, db = by_hand()
        gW, gb = graphgrad()
        return np.allclose(gW, dW) and np.allclose(gb, db)
    return "relu(x@W+b).sum()", by_hand, graphgrad, check_same, _torch_affine(x, W, b)


def _torch_affine(x, W, b):
    if torch is None:
        return None
    xt = torch.from_numpy(x)
    Wt, bt = (torch.from_numpy(a).requires_grad_(True) for a in (W, b))

    def run():
        Wt.grad = bt.grad = None
        torch.relu(xt @ Wt + bt).sum().backward()
    return run


# ----------------------------------------------------------------------------- main

def measure(fns, repeats, budget):
    """Interleaved samples of many calls each; returns seconds per call, per name."""
    loops = {name: per_call(fn, budget) for name, fn in fns.items()}
    times = interleave({name: run for name, (run, _) in loops.items()}, repeats)
    return {name: [t / loops[name][1] for t in ts] for name, ts in times.items()}


def main(argv=None):
    args = parse_args(__doc__.split("\n")[0], argv)
    header("bench_tensor: graphgrad.Tensor vs raw numpy", args.quick)
    threads = f"{torch.get_num_threads()} thread" if torch is not None else "not installed"
    print("clock: this process's CPU time (time.process_time); BLAS: OMP_NUM_THREADS="
          f"{os.environ.get('OMP_NUM_THREADS')}; torch: {threads}\n")
    rng = np.random.default_rng(0)
    repeats, budget = (3, 0.005) if args.quick else (41, 0.02)

    rows = []
    for label, shape, np_fn, gg_factory, arrays, torch_fn in op_cases(rng, not args.quick):
        fns = {"numpy": np_fn, "plain": gg_factory(False), "graph": gg_factory(True)}
        if torch is not None:
            fns["torch"] = _torch_bind(torch_fn, arrays)
        t = measure(fns, repeats, budget)
        plain, graph = ratio(t["plain"], t["numpy"]), ratio(t["graph"], t["numpy"])
        goal = GOALS[shape]
        rows.append([label, str(shape), fmt_time(median(t["numpy"])),
                     f"{fmt_time(median(t['plain']))} ({plain:.2f}x)",
                     f"{fmt_time(median(t['graph']))} ({graph:.2f}x)",
                     _torch_cell(t),
                     check(max(plain, graph) <= goal, f"<= {goal}x")])
    table(rows, ["op", "shape", "numpy", "graphgrad plain", "graphgrad graph",
                 "torch (grad)", "goal"])

    rows = []
    for case in (mul_sum, affine_relu_sum):
        label, by_hand, gg, same, torch_run = case(rng)
        if not same():
            raise SystemExit(f"{label}: graphgrad's gradient differs from numpy's by hand")
        fns = {"numpy": by_hand, "graph": gg}
        if torch_run is not None:
            fns["torch"] = torch_run
        t = measure(fns, repeats, budget)
        rows.append([label, str(SMALL), fmt_time(median(t["numpy"])),
                     f"{fmt_time(median(t['graph']))} ({ratio(t['graph'], t['numpy']):.2f}x)",
                     _torch_cell(t)])
    table(rows, ["fwd+bwd", "x shape", "numpy by hand", "graphgrad", "torch"])
    print("gradients checked equal to the hand-written numpy backward before timing")
    if args.profile:
        profile_small()


def _torch_cell(t):
    if "torch" not in t:
        return "-"
    return f"{fmt_time(median(t['torch']))} ({ratio(t['torch'], t['numpy']):.2f}x)"


def profile_small():
    """cProfile of 20,000 graphgrad adds on (100,10) with requires_grad, by own time."""
    import cProfile
    import pstats
    a = Tensor(np.ones(SMALL), requires_grad=True)
    b = Tensor(np.ones(SMALL), requires_grad=True)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(20_000):
        a + b
    prof.disable()
    print("cProfile, 20,000 x (a + b) at (100,10), requires_grad=True, by own time:")
    pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(10)


if __name__ == "__main__":
    main()
