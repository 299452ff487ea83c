"""A training step of a 5-layer MultiLayerNet with Batch Normalization: graphgrad vs
hand-written numpy vs PyTorch.

    python -m benchmarks.bench_batchnorm [--quick] [--profile]

Rows (one process, peers interleaved, medians, CPU time; ratio = graphgrad / peer, so
< 1 means graphgrad is faster):

  step B dtype   one iteration of MultiLayerNet(784, [100] * 5, 10, use_batchnorm=True)
                 (the network of the book's batch_norm_test.py): forward in training mode,
                 backward, SGD update (lr 0.01), on a mini-batch of B MNIST images (the
                 8,000-image split; random pixels if MNIST is absent).  graphgrad: the
                 network's gradient(), Batch Normalization recorded as the book's graph
                 (functions.batch_norm, about twenty nodes per layer) and walked by the
                 chain rule; numpy: benchmarks/numpy_bn_net.py, every derivative by hand,
                 Batch Norm's backward its closed form; torch: the same network in eager
                 mode with torch.nn.functional.batch_norm (one fused kernel), its input
                 requiring grad as the book's Affine1 computes dx.

Before timing, the three gradients of one batch are checked equal (1e-9, float64).
There is no goal: the row says what naming every quantity of figure 6-17 costs.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads BLAS, or it has no effect

import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402

import numpy as np  # noqa: E402

from autograd.models import MultiLayerNet  # noqa: E402
from benchmarks.bench_training import batches, cpu_interleave, cycling, limit_threads, load_images  # noqa: E402
from benchmarks.common import fmt_time, header, median, parse_args, per_call, table  # noqa: E402
from benchmarks.numpy_bn_net import BatchNormNet  # noqa: E402

LR = 0.01
HIDDEN = [100] * 5


def network(dtype):
    return MultiLayerNet(784, HIDDEN, 10, weight_init_std="he", use_batchnorm=True,
                         seed=0, dtype=dtype)


def graphgrad_step(net):
    def step(xb, tb):
        grads = net.gradient(xb, tb)
        for key, g in grads.items():
            net.params[key] -= LR * g
    return step


def numpy_step(ref):
    def step(xb, tb):
        grads = ref.gradient(xb, tb)
        for key, g in grads.items():
            ref.params[key] -= LR * g
    return step


def torch_net(params, dtype):
    import torch

    tdt = {np.float64: torch.float64, np.float32: torch.float32}[np.dtype(dtype).type]
    ps = {k: torch.tensor(v.copy(), dtype=tdt, requires_grad=True) for k, v in params.items()}

    def grads(x, t):
        h = x.detach().requires_grad_(True)
        for i in range(1, len(HIDDEN) + 1):
            h = torch.nn.functional.batch_norm(h @ ps[f"W{i}"] + ps[f"b{i}"], None, None,
                                               ps[f"gamma{i}"], ps[f"beta{i}"],
                                               training=True, eps=10e-7).relu()
        last = len(HIDDEN) + 1
        loss = torch.nn.functional.cross_entropy(h @ ps[f"W{last}"] + ps[f"b{last}"], t)
        loss.backward()
        return ps
    return grads


def torch_step(params, dtype):
    import torch
    grads, cache = torch_net(params, dtype), {}

    def step(xb, tb):
        key = id(xb)
        if key not in cache:
            cache[key] = (torch.from_numpy(xb), torch.from_numpy(tb.astype(np.int64)))
        ps = grads(*cache[key])
        with torch.no_grad():
            for p in ps.values():
                p -= LR * p.grad
                p.grad = None
    return step


def same_gradients(x, t, have_torch):
    """The three peers' gradients of one float64 batch, compared before any timing."""
    xb, tb = batches(x, t, 100, np.float64, n=1)[0]
    net = network(np.float64)
    ours = net.gradient(xb, tb)
    theirs = BatchNormNet({k: v.copy() for k, v in net.params.items()},
                          len(HIDDEN)).gradient(xb, tb)
    worst = {"numpy": max(float(np.abs(ours[k] - theirs[k]).max()) for k in ours)}
    if have_torch:
        import torch
        ps = torch_net(net.params, np.float64)(torch.from_numpy(xb),
                                               torch.from_numpy(tb.astype(np.int64)))
        worst["torch"] = max(float(np.abs(ours[k] - ps[k].grad.numpy()).max())
                             for k in ours)
    for peer, diff in worst.items():
        if not diff < 1e-9:
            raise SystemExit(f"gradients differ from {peer}'s by {diff:.1e}: not timing")
    return worst


def bench_step(x, t, size, dtype, repeats, have_torch):
    data = batches(x, t, size, dtype)
    net = network(dtype)
    ref = BatchNormNet({k: v.copy() for k, v in net.params.items()}, len(HIDDEN))
    steps = {"graphgrad": graphgrad_step(net), "numpy": numpy_step(ref)}
    if have_torch:
        steps["torch"] = torch_step(net.params, dtype)
    fns = {name: per_call(cycling(step, data), budget=0.05) for name, step in steps.items()}
    times = cpu_interleave({k: v[0] for k, v in fns.items()}, repeats)
    return {k: median(v) / fns[k][1] for k, v in times.items()}


def profile_step(x, t):
    data = batches(x, t, 100, np.float64)
    run = cycling(graphgrad_step(network(np.float64)), data)
    for _ in range(20):
        run()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(300):
        run()
    prof.disable()
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(20)
    print("cProfile, 300 iterations at batch 100:")
    print(s.getvalue())


def main(argv=None):
    args = parse_args("5-layer MultiLayerNet with Batch Norm: graphgrad vs numpy vs "
                      "PyTorch", argv)
    threads = limit_threads()
    header("bench_batchnorm: MultiLayerNet(784, [100] * 5, 10, use_batchnorm=True) "
           "training step", args.quick)
    print(f"threads   {threads}")
    x, t, source = load_images()
    print(f"data      {source}", flush=True)
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
        print("torch is not installed: the PyTorch columns are skipped")
    worst = same_gradients(x, t, have_torch)
    print("gradients " + ", ".join(f"max |graphgrad − {k}| = {v:.1e}"
                                   for k, v in worst.items()) + "\n", flush=True)
    repeats = 5 if args.quick else 21
    rows = []
    for dtype in (np.float64, np.float32):
        for size in ((100,) if args.quick else (100, 1000)):
            r = bench_step(x, t, size, dtype, repeats, have_torch)
            g = r["graphgrad"]
            row = [f"step {size} {np.dtype(dtype).name}", fmt_time(g), fmt_time(r["numpy"]),
                   f"{g / r['numpy']:.2f}x"]
            if have_torch:
                row += [fmt_time(r["torch"]), f"{g / r['torch']:.2f}x"]
            rows.append(row)
            print("  ".join(row), flush=True)
    print()
    table(rows, ["row", "graphgrad", "numpy", "gg/numpy"] +
          (["torch", "gg/torch"] if have_torch else []))
    if args.profile:
        profile_step(x, t)


if __name__ == "__main__":
    main()
