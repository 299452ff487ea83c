"""How long checking a learner's backward takes: autograd.check on the book's TwoLayerNet.

    python -m benchmarks.bench_check [--quick] [--profile]

The learner's network is benchmarks/numpy_twolayer.py: the book's TwoLayerNet(784, 50, 10)
with its hand-written layers (Affine, Relu, Affine, SoftmaxWithLoss), a mini-batch of 100
MNIST images (the t10k split; random pixels if MNIST is absent).  Rows, interleaved in one
process, medians:

  gradient()      the learner's own backpropagation, once: the floor (the check runs it)
  check_layer ×4  the four layers checked one by one, each with the input it saw and the
                  exact upstream gradient (what check_network does per layer)
  check_network   the whole check: the parameter rows of gradient() against the exact
                  gradient of loss(), then the four layers

All on the engine path: the learner's numpy forwards run on Tensors (the script stops if
any row falls back to central differences or the correct network is not passed).  Goal
(issue 14): the check finishes in well under a second.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads BLAS: timed on the CPU clock

import sys  # noqa: E402

import numpy as np  # noqa: E402

from autograd.check import check_layer, check_network  # noqa: E402
from benchmarks import common  # noqa: E402
from benchmarks import numpy_twolayer as book  # noqa: E402

GOAL = 1.0  # seconds: "well under a second"; the figure is what to read


def load_batch(n=100):
    try:
        from autograd.datasets import load_mnist_test_split

        (x, t), _ = load_mnist_test_split(common.mnist_dir())
        where = "MNIST t10k split"
    except (OSError, ValueError):
        rng = np.random.default_rng(0)
        x, t = rng.random((n, 784)), rng.integers(0, 10, n)
        where = "random pixels (MNIST not found)"
    idx = np.random.default_rng(0).choice(len(x), n, replace=False)
    return np.ascontiguousarray(x[idx], dtype=np.float64), t[idx], where


def layer_set(net, x, t):
    """Each layer with the input it saw and the exact upstream gradient, as check_network
    checks them: a callable checking all four, and the reports of one run."""
    layers = list(net.layers.items()) + [("lastLayer", net.lastLayer)]
    inputs, h = [], x
    for _, layer in layers[:-1]:
        inputs.append(h)
        h = layer.forward(h)
    inputs.append(h)
    douts, dout = [], None
    for (name, layer), xin in reversed(list(zip(layers, inputs))):
        douts.append(dout)
        r = check_layer(layer, *((xin, t) if name == "lastLayer" else (xin,)), dout=dout)
        dout = r[r.input_names[0]].expected
    jobs = [(layer, (xin, t) if name == "lastLayer" else (xin,), d) for
            ((name, layer), xin), d in zip(reversed(list(zip(layers, inputs))), douts)]
    return lambda: [check_layer(layer, *args, dout=d) for layer, args, d in jobs]


def main(argv=None):
    args = common.parse_args(__doc__.split("\n")[0], argv)
    common.header("bench_check: checking the book's TwoLayerNet(784, 50, 10) backward",
                  args.quick)
    x, t, where = load_batch()
    np.random.seed(0)
    net = book.TwoLayerNet(784, 50, 10)
    print(f"data: {where}, batch {len(x)}; BLAS threads "
          f"{os.environ.get('OPENBLAS_NUM_THREADS')}; clock: process CPU time\n")

    report = check_network(net, x, t)
    methods = {report.method} | {r.method for _, r in report.layers}
    if not report.ok or methods != {"engine"}:
        raise SystemExit(f"the correct network must pass on the engine path:\n{report}")
    print(report, "\n")
    layers = layer_set(net, x, t)
    if not all(r.ok and r.method == "engine" for r in layers()):
        raise SystemExit("a layer check failed or left the engine path")

    fns = {"gradient()": lambda: net.gradient(x, t), "check_layer x4": layers,
           "check_network": lambda: check_network(net, x, t)}
    for fn in fns.values():  # warm up: first calls fault pages in, load BLAS kernels
        fn()
    repeats = 3 if args.quick else 31
    times = common.interleave(fns, repeats)
    floor = times["gradient()"]
    rows = []
    for name, ts in times.items():
        med = common.median(ts)
        rows.append([name, common.fmt_time(med),
                     "1.00x" if ts is floor else f"{common.ratio(ts, floor):.1f}x",
                     "" if ts is floor else common.check(med < GOAL, f"< {GOAL:g} s")])
    common.table(rows, ["row", "median", "vs gradient()", "goal"])
    if args.profile:
        profile(lambda: check_network(net, x, t))


def profile(fn):
    import cProfile
    import pstats
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(10):
        fn()
    prof.disable()
    print("cProfile, 10 x check_network, by own time:")
    pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
