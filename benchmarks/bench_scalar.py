"""Scalar engine vs micrograd: a training step, a deep chain, and bytes per node.

    python -m benchmarks.bench_scalar [--quick] [--profile]

Rows (each pair interleaved in one process; ratio = micrograd median / graphgrad median,
so > 1 means graphgrad is faster; memory ratio = graphgrad bytes / micrograd bytes):

  step    micrograd's demo step: MLP(2, [16, 16, 1]) on 100 two-moons points, SVM
          max-margin loss + L2 (alpha 1e-4), zero_grad, backward, SGD.  One model code,
          run with either Value class from the same initial weights.
  chain   y = y * c + x repeated 50,000 times (x, c leaves; 100,000 interior nodes in
          one chain), forward + backward.
  memory  bytes per node of a 100,000-node chain y = y + b (tracemalloc, graph alive).

Each timed row runs twice: with Python's default garbage collector, and with gc disabled
in both (gc.collect() between samples, untimed).  With gc on, a sample is a few steps or
chains in a row, reported per step or chain: in a real loop the collector also meets the
garbage of the runs before.
"""
import gc
import math
import sys
import tracemalloc

import numpy as np
from micrograd.engine import Value as MicroValue

from autograd import Value as GGValue
from benchmarks.common import check, fmt_time, header, interleave, median, parse_args, ratio, table

PEERS = {"micrograd": MicroValue, "graphgrad": GGValue}


# ----------------------------------------------------------------------------- data, model

def make_moons(n=100, noise=0.1, seed=1337):
    """Two interleaving half circles, labels -1 / +1 (sklearn's recipe, numpy only)."""
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    X += rng.normal(scale=noise, size=X.shape)
    y = np.concatenate([-np.ones(n_out), np.ones(n_in)])
    # Python floats: numpy scalars would leak np.float64 into both engines' arithmetic
    return X.tolist(), y.tolist()


def init_weights(sizes, seed=0):
    """Per layer, per neuron: (weights, bias) as floats; both engines start from these."""
    rng = np.random.default_rng(seed)
    return [[(rng.uniform(-1, 1, nin).tolist(), 0.0) for _ in range(nout)]
            for nin, nout in zip(sizes[:-1], sizes[1:])]


class Neuron:
    def __init__(self, V, w, b, nonlin):
        self.w = [V(wi) for wi in w]
        self.b = V(b)
        self.nonlin = nonlin

    def __call__(self, x):
        # bias first, then one + per input: the same graph micrograd's sum(..., b) builds
        act = self.b
        for wi, xi in zip(self.w, x):
            act = act + wi * xi
        return act.relu() if self.nonlin else act


class MLP:
    def __init__(self, V, weights):
        last = len(weights) - 1
        self.layers = [[Neuron(V, w, b, i != last) for w, b in layer]
                       for i, layer in enumerate(weights)]
        self.params = [p for layer in self.layers for n in layer for p in (*n.w, n.b)]

    def __call__(self, x):
        for layer in self.layers:
            x = [n(x) for n in layer]
        return x[0]


def demo_step(model, V, X, Y, lr):
    """One step of micrograd's demo.ipynb: forward, loss, zero_grad, backward, SGD."""
    inputs = [[V(a), V(b)] for a, b in X]
    scores = [model(x) for x in inputs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(Y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.params)
    total = data_loss + reg_loss
    for p in model.params:
        p.grad = 0
    total.backward()
    for p in model.params:
        p.data -= lr * p.grad
    return total.data


# ----------------------------------------------------------------------------- rows

def bench_step(repeats, block):
    X, Y = make_moons()
    weights = init_weights([2, 16, 16, 1])
    models = {name: MLP(V, weights) for name, V in PEERS.items()}
    first = {name: demo_step(models[name], V, X, Y, 1.0) for name, V in PEERS.items()}
    same = math.isclose(first["micrograd"], first["graphgrad"], rel_tol=1e-12)
    # gradients are summed in a different order (micrograd walks sets): equal to rounding
    same_grads = all(math.isclose(p.grad, q.grad, rel_tol=1e-9, abs_tol=1e-12)
                     for p, q in zip(models["micrograd"].params, models["graphgrad"].params))
    print(f"step sanity: first-step loss micrograd {first['micrograd']!r}, graphgrad "
          f"{first['graphgrad']!r}: {'equal' if same else 'DIFFERENT'}; parameter "
          f"gradients {'equal' if same_grads else 'DIFFERENT'}")
    if not (same and same_grads):
        raise SystemExit("the two engines disagree; timings would be meaningless")
    k = {name: 1 for name in PEERS}

    def runner(name, steps):
        def run():
            for _ in range(steps):
                lr = 1.0 - 0.9 * (k[name] % 100) / 100  # the demo's schedule
                demo_step(models[name], PEERS[name], X, Y, lr)
                k[name] += 1
        return run

    results = {}
    for gc_on in (True, False):
        # with gc on, a sample is `block` steps in a row: a training loop's collector
        # also meets the garbage of the steps before (micrograd's graph is all cycles)
        steps = block if gc_on else 1
        collected = {}
        r = interleave({n: runner(n, steps) for n in PEERS}, repeats, gc_on, collected)
        results[gc_on] = {n: [t / steps for t in ts] for n, ts in r.items()}
        if not gc_on:
            print("step, gc off: the untimed gc.collect() after each step took (median) "
                  + ", ".join(f"{k} {fmt_time(median(c))}" for k, c in collected.items()))
    n_params = len(models["graphgrad"].params)
    print(f"step: {n_params} parameters, {len(X)} points; {repeats} samples per engine "
          f"per gc mode; gc on: a sample is {block} steps in a row, reported per step\n")
    return results


def chain(V, n):
    x, c = V(1.0), V(0.5)
    y = x
    for _ in range(n // 2):
        y = y * c + x
    y.backward()
    return x.grad, c.grad


def bench_chain(n, repeats, block):
    limit = sys.getrecursionlimit()

    def micro(runs):
        # micrograd's topological sort recurses once per node in the chain
        sys.setrecursionlimit(max(limit, 2 * n + 1000))
        try:
            for _ in range(runs):
                chain(MicroValue, n)
        finally:
            sys.setrecursionlimit(limit)

    def ours(runs):
        for _ in range(runs):
            chain(GGValue, n)

    # the default limit: micrograd fails, graphgrad needs nothing
    try:
        chain(MicroValue, n)
        micro_default = "works (unexpected)"
    except RecursionError:
        micro_default = f"RecursionError (largest chain that works: {_largest_ok(limit)} nodes)"
    gg = chain(GGValue, n)
    print(f"chain at the default recursion limit ({limit}): micrograd {micro_default}; "
          f"graphgrad works, {n:,} nodes")
    sys.setrecursionlimit(max(limit, 2 * n + 1000))
    try:
        mg = chain(MicroValue, n)
    finally:
        sys.setrecursionlimit(limit)
    same = all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(mg, gg))
    print(f"chain sanity: dy/dx, dy/dc micrograd {mg}, graphgrad {gg}: "
          f"{'equal' if same else 'DIFFERENT'}\n")
    results = {}
    for gc_on in (True, False):
        # as in the step row: with gc on a sample is `block` chains in a row (reported
        # per chain), so the collector also meets the garbage of the chains before
        runs = block if gc_on else 1
        fns = {"micrograd": lambda k=runs: micro(k), "graphgrad": lambda k=runs: ours(k)}
        collected = {}
        r = interleave(fns, repeats, gc_on, collected)
        results[gc_on] = {k: [t / runs for t in ts] for k, ts in r.items()}
        if not gc_on:
            print("chain, gc off: the untimed gc.collect() after each run took (median) "
                  + ", ".join(f"{k} {fmt_time(median(c))}" for k, c in collected.items()))
    return results


def _largest_ok(limit):
    """The longest chain micrograd's backward survives at the default recursion limit."""
    lo, hi = 2, 2 * limit  # nodes; even counts (two per link)
    while hi - lo > 2:
        mid = (lo + hi) // 4 * 2
        try:
            chain(MicroValue, mid)
            lo = mid
        except RecursionError:
            hi = mid
    return lo


def bytes_per_node(V, n):
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        a, b = V(1.0), V(2.0)
        y = a
        for _ in range(n):
            y = y + b
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del y
    gc.collect()
    return (after - before) / n


def bench_memory(n, repeats):
    out = {name: [] for name in PEERS}
    for _ in range(repeats):
        for name, V in PEERS.items():
            out[name].append(bytes_per_node(V, n))
    return out


# ----------------------------------------------------------------------------- main

def profile_step():
    """cProfile of graphgrad's demo step (where its time goes), top 15 by own time."""
    import cProfile
    import pstats
    X, Y = make_moons()
    model = MLP(GGValue, init_weights([2, 16, 16, 1]))
    demo_step(model, GGValue, X, Y, 1.0)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(3):
        demo_step(model, GGValue, X, Y, 0.5)
    prof.disable()
    print("cProfile, graphgrad demo step x3 (gc on), by own time:")
    pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(15)


def main(argv=None):
    args = parse_args(__doc__.split("\n")[0], argv)
    header("bench_scalar: graphgrad.Value vs micrograd.engine.Value", args.quick)
    print("clock: this process's CPU time (time.process_time)\n")
    step_reps, block, chain_n, chain_reps, mem_n = (
        (2, 2, 10_000, 2, 10_000) if args.quick else (7, 4, 100_000, 5, 100_000))

    step = bench_step(step_reps, block)
    chains = bench_chain(chain_n, chain_reps, block)
    mem = bench_memory(mem_n, 1 if args.quick else 3)

    rows = []
    goals = {True: 5.0, False: 1.2}  # issue 2: the step and the chain alike
    for label, res in (("step", step), (f"chain {chain_n:,}", chains)):
        for gc_on in (True, False):
            r = res[gc_on]
            x = ratio(r["micrograd"], r["graphgrad"])
            goal = goals[gc_on]
            rows.append([label, "on" if gc_on else "off", fmt_time(median(r["micrograd"])),
                         fmt_time(median(r["graphgrad"])), f"{x:.2f}x",
                         check(x >= goal, f">= {goal}x") if goal else "-"])
    table(rows, ["row", "gc", "micrograd", "graphgrad", "speed-up", "goal"])

    m, g = median(mem["micrograd"]), median(mem["graphgrad"])
    table([[f"memory {mem_n:,}", f"{m:.0f} B/node", f"{g:.0f} B/node", f"{g / m:.2f}",
            check(g <= m, "<= 1.00")]],
          ["row", "micrograd", "graphgrad", "gg/mg", "goal"])
    if args.profile:
        profile_step()


if __name__ == "__main__":
    main()
