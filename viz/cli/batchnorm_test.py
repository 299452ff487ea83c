"""`graphgrad train --batchnorm`: the book's batch_norm_test.py (section 6.3.2, figure
6-19).  For each of 16 initial weight scales from 1 to 1e-4, a five-hidden-layer
MultiLayerNet with Batch Normalization and the same one without are trained side by side
on the first 1000 MNIST training images; batchnorm.png draws each pair's training accuracy
per epoch in the book's 4 × 4 grid (solid: with Batch Norm, dashed: without), and
batchnorm.json holds the numbers.  Every option is checked before the data is loaded."""
import json
import os
import time

import numpy as np

from viz.cli.files import CommandError, atomic_path, output_dir
from viz.cli.lang import _, current

__all__ = ["OUTPUTS", "TRAIN_SIZE", "check_options", "plot", "run"]

OUTPUTS = ("batchnorm.png", "batchnorm.json")
TRAIN_SIZE = 1000  # the book: x_train[:1000]
# options of `graphgrad train` the experiment does not take (its network and loop are
# the book's), with the value each has when not given
_NOT_TAKEN = {"model": None, "hidden": None, "activation": "relu", "weight_init": "auto",
              "optimizer": "sgd", "iters": None, "log_every": None, "check_grad": False}


def check_options(args):
    """The book's settings where not given; refuse what the experiment does not take."""
    if args.dataset != "mnist":
        raise CommandError(_("--batchnorm is the book's MNIST experiment; --dataset "
                             "{dataset} is not taken").format(dataset=args.dataset))
    given = [k for k, default in _NOT_TAKEN.items() if getattr(args, k) != default]
    if given:
        raise CommandError(_("--batchnorm trains the book's two networks its own way; it "
                             "does not take {options} (it takes --scales, --lr, "
                             "--batch-size, --seed, --dtype, --data-dir, --download, "
                             "--threads, --out)").format(options=", ".join(
                                 "--" + k.replace("_", "-") for k in given)))
    if not 1 <= args.scales <= 16:
        raise CommandError(_("--scales must be between 1 and 16, got {value}").format(
            value=args.scales))
    if args.seed < 0:
        raise CommandError(_("--seed must be 0 or more, got {value}").format(value=args.seed))
    args.lr = 0.01 if args.lr is None else args.lr  # the book's learning_rate
    args.batch_size = args.batch_size or 100
    output_dir(args.out, "--out", OUTPUTS)
    if args.data_dir is not None and not os.path.isdir(args.data_dir):
        raise CommandError(_("--data-dir {path}: no such directory").format(
            path=args.data_dir))


def _scales(count):
    """The first `count` of the book's 16 scales, spread from 1 to 1e-4 (all: the book's)."""
    from autograd.training import WEIGHT_SCALES
    picks = np.unique(np.round(np.linspace(0, len(WEIGHT_SCALES) - 1, count)).astype(int))
    return [WEIGHT_SCALES[k] for k in picks]


def plot(path, result):
    """The book's figure 6-19: one panel per weight scale titled W:scale, accuracy 0 to 1
    over the epochs, Batch Norm solid and without it dashed, the legend in the last."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from viz.cli.train import plot_fonts
    scales = result["weight_scales"]
    rows = (len(scales) + 3) // 4
    with matplotlib.rc_context(plot_fonts(current())):
        fig = Figure(figsize=(10, 2.2 * rows + 0.4))
        FigureCanvasAgg(fig)
        for k, (w, bn, plain) in enumerate(zip(scales, result["batchnorm"],
                                               result["plain"])):
            ax = fig.add_subplot(rows, 4, k + 1)
            epochs = np.arange(len(bn))
            ax.plot(epochs, bn, label=_("Batch Normalization"))
            ax.plot(epochs, plain, linestyle="--", label=_("Normal (without BatchNorm)"))
            ax.set_title(f"W:{w:.4g}", fontsize=9)
            ax.set_ylim(0, 1.0)
            ax.tick_params(labelsize=7)
            if k % 4:
                ax.set_yticklabels([])
            else:
                ax.set_ylabel(_("accuracy"), fontsize=8)
            if k < len(scales) - 4:
                ax.set_xticklabels([])
            else:
                ax.set_xlabel(_("epochs"), fontsize=8)
            if k == len(scales) - 1:
                ax.legend(loc="lower right", fontsize=7)
        fig.tight_layout()
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=100)
    return path


def _load(args, log):
    from viz.cli.train import loaded
    (x, t), _test = loaded(args, log)  # check_options made sure the dataset is MNIST
    x = x.reshape(len(x), -1)[:TRAIN_SIZE].astype(args.dtype)
    return x, np.asarray(t)[:TRAIN_SIZE]


def run(args, out, err):
    """The experiment for `graphgrad train --batchnorm` (viz.cli.train hands it over)."""
    from autograd.training import batch_norm_test
    from viz.cli.train import blas_threads
    check_options(args)

    def log(message):
        out.write(message + "\n")
        out.flush()

    x, t = _load(args, log)
    scales = _scales(args.scales)
    log(_("Batch Normalization against none (the book's batch_norm_test.py): {n} weight "
          "scales, {size} training images, 5 hidden layers of 100, SGD lr={lr}, batch "
          "{batch}, 20 epochs").format(n=len(scales), size=len(x), lr=args.lr,
                                      batch=args.batch_size))
    t0 = time.perf_counter()

    def progress(k, scale, bn, plain):
        log(_("{k}/{n} W:{scale}: final train acc {bn} with Batch Norm, {plain} "
              "without").format(k=k + 1, n=len(scales), scale=f"{scale:.4g}",
                                bn=f"{bn[-1]:.3f}", plain=f"{plain[-1]:.3f}"))

    os.makedirs(args.out, exist_ok=True)
    # BLAS as `train` limits it; numpy quiet: the plain net diverges at W:1
    with blas_threads(args.threads), np.errstate(over="ignore", invalid="ignore"):
        result = batch_norm_test(x, t, scales, lr=args.lr, batch_size=args.batch_size,
                                 seed=args.seed, dtype=np.dtype(args.dtype),
                                 callback=progress)
    png = plot(os.path.join(args.out, OUTPUTS[0]), result)
    with atomic_path(os.path.join(args.out, OUTPUTS[1])) as tmp:
        tmp.write_text(json.dumps(result), encoding="utf-8")
    log(_("done in {seconds} s; wrote {png} and {json}").format(
        seconds=f"{time.perf_counter() - t0:.1f}", png=png,
        json=os.path.join(args.out, OUTPUTS[1])))
    return 0
