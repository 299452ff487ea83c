"""`graphgrad train`: the book's training loop (train_neuralnet.py, chapter 5.7.4) as a
command.  Mini-batches drawn at random, gradient by backpropagation, one optimizer step;
once per epoch the "train acc, test acc | ..." line; loss and accuracy curves as PNGs and
the parameters as .npz in --out.

Parameters are saved at every epoch (written whole or not at all), and Ctrl-C stops
cleanly: the parameters and the curves so far are saved and the exit code is 130.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

__all__ = ["add_train_parser", "train_command", "run", "load_data", "DEFAULTS"]

DATASETS = ("mnist", "spiral", "moons", "xor")
MODELS = ("two-layer", "multi")
ACTIVATIONS = ("relu", "sigmoid", "tanh")
OPTIMIZER_NAMES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")

# The book's settings for MNIST; the small 2-D sets need fewer, smaller steps of a
# larger learning rate (their inputs are 2 numbers, not 784).
DEFAULTS = {
    "mnist": {"hidden": "50", "batch_size": 100, "iters": 10000, "log_every": 1},
    "small": {"hidden": "30", "batch_size": 30, "iters": 3000, "log_every": 20},
}
LEARNING_RATES = {
    "mnist": {"sgd": 0.1, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.01,
              "rmsprop": 0.001, "adam": 0.001},
    "small": {"sgd": 1.0, "momentum": 0.1, "nesterov": 0.1, "adagrad": 0.1,
              "rmsprop": 0.01, "adam": 0.01},
}


def _hidden(text):
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--hidden wants a size or a comma-separated list like 100,100, got {text!r}"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"--hidden sizes must be >= 1, got {text!r}")
    return sizes


def _positive(kind):
    def parse(text):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return value
    return parse


def add_train_parser(sub):
    p = sub.add_parser(
        "train", help="train a network on MNIST or a built-in dataset",
        description="Train the book's TwoLayerNet (or a MultiLayerNet) with mini-batch "
        "gradient descent, backpropagation by the engine.  Writes loss.png, "
        "accuracy.png, params.npz and history.json to --out.")
    p.add_argument("--dataset", choices=DATASETS, default="mnist",
                   help="mnist (default), or a small 2-D set: spiral, moons, xor")
    p.add_argument("--data-dir", default=None, metavar="DIR",
                   help="where the MNIST files are (default: $GRAPHGRAD_MNIST_DIR, then "
                   "the cache); without the 60,000 training images the 10,000 test "
                   "images are split 8,000 / 2,000")
    p.add_argument("--download", action="store_true",
                   help="download the MNIST files if they are missing")
    p.add_argument("--model", choices=MODELS, default=None,
                   help="two-layer (the book's TwoLayerNet) or multi (MultiLayerNet); "
                   "default two-layer for one hidden size, multi for a list")
    p.add_argument("--hidden", type=_hidden, default=None, metavar="SIZES",
                   help="hidden layer size(s): 50, or a list like 100,100 "
                   "(default 50 for MNIST, 30 for the small sets)")
    p.add_argument("--activation", choices=ACTIVATIONS, default="relu",
                   help="hidden activation (multi only; TwoLayerNet is ReLU)")
    p.add_argument("--weight-init", default="auto", metavar="STD",
                   help="initial weight scale: a number, he, xavier, or auto (0.01 for "
                   "the book's MNIST TwoLayerNet, else he for relu, xavier otherwise)")
    p.add_argument("--optimizer", choices=OPTIMIZER_NAMES, default="sgd")
    p.add_argument("--lr", type=_positive(float), default=None,
                   help="learning rate (default: 0.1 for SGD on MNIST, as the book; "
                   "see viz.train.LEARNING_RATES)")
    p.add_argument("--batch-size", type=_positive(int), default=None,
                   help="mini-batch size (default 100 for MNIST, 30 for the small sets)")
    p.add_argument("--iters", type=_positive(int), default=None,
                   help="training iterations (default 10000 for MNIST, 3000 otherwise)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the initial weights and of the batch order")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--log-every", type=_positive(int), default=None, metavar="EPOCHS",
                   help="print the accuracy line every this many epochs (default 1 for "
                   "MNIST, 20 for the small sets); the curves get every epoch")
    p.add_argument("--out", default=os.path.join("graphgrad-out", "train"), metavar="DIR",
                   help="output folder (default graphgrad-out/train)")
    p.add_argument("--check-grad", action="store_true",
                   help="first compare backprop with the numerical gradient on 3 samples "
                   "and print the differences (as the book's gradient_check.py)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


# ----------------------------------------------------------------------------- data

def load_data(name, data_dir=None, download=False, log=print):
    """((x_train, t_train), (x_test, t_test)) for a dataset name; labels are integers."""
    from autograd import datasets

    if name == "mnist":
        try:
            return datasets.load_mnist(path=data_dir, download=download, progress=True)
        except datasets.MNISTNotFoundError:
            pass
        data = datasets.load_mnist_test_split(data_dir)
        log("MNIST: the 60,000 training images were not found; using the 10,000 test "
            "images split 8,000 train / 2,000 test (seed 0)"
            + ("" if download else "; pass --download to fetch the full set"))
        return data
    # the small sets: a second draw from the same distribution is the test set
    make = {"spiral": lambda s: datasets.spiral(100, 3, seed=s),
            "moons": lambda s: datasets.two_moons(300, noise=0.1, seed=s),
            "xor": lambda s: datasets.xor(300, noise=0.0, seed=s)}[name]
    return make(0), make(1)


# ----------------------------------------------------------------------------- progress

class _Progress:
    """A one-line bar on stderr, redrawn at most 10 times a second; `clear()` makes room
    for a line of ordinary output."""

    def __init__(self, total, enabled, stream=None):
        self.total, self.enabled = total, enabled
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.last = 0.0
        self.text = ""
        self.note = ""

    def update(self, done, note=None, force=False):
        if note is not None:
            self.note = note
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.1:
            return
        self.last = now
        frac = done / self.total
        fill = int(30 * frac)
        rate = done / max(now - self.start, 1e-9)
        eta = (self.total - done) / rate if rate else 0.0
        text = (f"[{'#' * fill}{'-' * (30 - fill)}] {done}/{self.total} "
                f"{rate:.0f} it/s eta {eta:.0f}s {self.note}")
        self.stream.write("\r" + text.ljust(len(self.text)))
        self.stream.flush()
        self.text = text

    def clear(self):
        if self.enabled and self.text:
            self.stream.write("\r" + " " * len(self.text) + "\r")
            self.stream.flush()
            self.text = ""

    def close(self):
        if self.enabled and self.text:
            self.stream.write("\n")
            self.stream.flush()
            self.text = ""


# ----------------------------------------------------------------------------- plots

def save_plots(out_dir, losses, epochs, train_acc, test_acc, log=print):
    """loss.png (every iteration, with a moving average) and accuracy.png (train and test
    accuracy per epoch, as the book's figure 4-12).  Returns the paths written."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        log("matplotlib is not installed: no plots (pip install matplotlib)")
        return []
    paths = []
    # Figure + Agg canvas rather than pyplot: no global backend switch, no GUI
    fig = Figure(figsize=(6, 4))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if losses:
        it = np.arange(1, len(losses) + 1)
        ax.plot(it, losses, color="0.75", linewidth=0.6, label="mini-batch loss")
        k = min(100, len(losses))
        if k > 1:
            smooth = np.convolve(losses, np.ones(k) / k, mode="valid")
            ax.plot(it[k - 1:], smooth, color="C0", label=f"mean of {k}")
        ax.legend(loc="upper right")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    ax.set_title("training loss")
    fig.tight_layout()
    paths.append(os.path.join(out_dir, "loss.png"))
    fig.savefig(paths[-1], dpi=100)

    fig = Figure(figsize=(6, 4))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if epochs:
        ax.plot(epochs, train_acc, marker="o", markersize=3, label="train acc")
        ax.plot(epochs, test_acc, marker="s", markersize=3, linestyle="--",
                label="test acc")
        ax.legend(loc="lower right")
    ax.set_xlabel("epochs")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.0)
    ax.set_title("accuracy")
    fig.tight_layout()
    paths.append(os.path.join(out_dir, "accuracy.png"))
    fig.savefig(paths[-1], dpi=100)
    return paths


# ----------------------------------------------------------------------------- the run

def _weight_init(arg, model, activation, dataset):
    if arg == "auto":
        if model == "two-layer":
            return 0.01 if dataset == "mnist" else 1.0 / np.sqrt(2.0)
        return "he" if activation == "relu" else "xavier"
    if arg.lower() in ("he", "relu", "xavier", "sigmoid"):
        if model == "two-layer":
            raise ValueError("--weight-init he/xavier is for --model multi; TwoLayerNet "
                             "takes a number (the book's weight_init_std)")
        return arg.lower()
    try:
        return float(arg)
    except ValueError:
        raise ValueError(f"--weight-init wants a number, he, xavier or auto, got {arg!r}") \
            from None


def build_network(args, input_size, output_size):
    from autograd.models import MultiLayerNet, TwoLayerNet

    hidden = args.hidden
    model = args.model or ("two-layer" if len(hidden) == 1 else "multi")
    if model == "two-layer":
        if len(hidden) != 1:
            raise ValueError(f"--model two-layer has one hidden layer; got --hidden "
                             f"{','.join(map(str, hidden))} (use --model multi)")
        if args.activation != "relu":
            raise ValueError("the book's TwoLayerNet is a ReLU network; use --model multi "
                             f"for --activation {args.activation}")
    std = _weight_init(args.weight_init, model, args.activation, args.dataset)
    if model == "two-layer":
        net = TwoLayerNet(input_size, hidden[0], output_size, std, dtype=args.dtype,
                          seed=args.seed)
    else:
        net = MultiLayerNet(input_size, hidden, output_size, args.activation, std,
                            dtype=args.dtype, seed=args.seed)
    return model, net


def _gradient_check(net, x, t, log):
    from autograd.gradcheck import gradient_check

    if net.dtype != np.float64:  # central differences need float64's digits
        log("gradient check in float64 (float32 central differences are off by ~1e-3):")
        check_net = _float64_copy(net)
    else:
        log("gradient check (mean |backprop - numerical| per parameter, 3 samples):")
        check_net = net
    t0 = time.perf_counter()
    diffs = gradient_check(check_net, x[:3], t[:3], verbose=False)
    for key, d in diffs.items():
        log(f"{key}:{d:.1e}")
    worst = max(diffs.values())
    verdict = "ok" if worst < 1e-6 else "LARGER THAN 1e-6: check the backward pass"
    log(f"gradient check: worst {worst:.1e} ({verdict}), "
        f"{time.perf_counter() - t0:.1f} s")
    return diffs


def _float64_copy(net):
    from autograd.models import MultiLayerNet, TwoLayerNet

    if isinstance(net, TwoLayerNet):
        w1, w2 = net.params["W1"], net.params["W2"]
        twin = TwoLayerNet(w1.shape[0], w1.shape[1], w2.shape[1], dtype=np.float64, seed=0)
    else:
        twin = MultiLayerNet(net.input_size, net.hidden_size_list, net.output_size,
                             net.activation, 0.01, dtype=np.float64, seed=0)
    for key, value in net.params.items():
        twin.params[key][...] = value
    return twin


def run(args, out=None, err=None):
    """Run `graphgrad train` with parsed `args`; returns the exit code (0, 130 after
    Ctrl-C, 2 for a bad option or missing data)."""
    out = out or sys.stdout
    err = err or sys.stderr

    def log(msg):
        out.write(msg + "\n")
        out.flush()

    from autograd.datasets import MNISTNotFoundError
    from autograd.optimizers import OPTIMIZERS

    kind = "mnist" if args.dataset == "mnist" else "small"
    for key, value in DEFAULTS[kind].items():
        if getattr(args, key, None) is None:
            setattr(args, key, _hidden(value) if key == "hidden" else value)
    lr = args.lr if args.lr is not None else LEARNING_RATES[kind][args.optimizer]

    try:
        (x_train, t_train), (x_test, t_test) = load_data(
            args.dataset, args.data_dir, args.download, log)
    except (MNISTNotFoundError, OSError, ValueError) as e:
        err.write(f"graphgrad train: {e}\n")
        return 2
    dtype = np.dtype(args.dtype)
    # once, up front: the network would otherwise convert every mini-batch
    x_train = x_train.reshape(len(x_train), -1).astype(dtype)
    x_test = x_test.reshape(len(x_test), -1).astype(dtype)
    t_train, t_test = np.asarray(t_train), np.asarray(t_test)
    n_classes = int(max(t_train.max(), t_test.max())) + 1

    try:
        model, net = build_network(args, x_train.shape[1], n_classes)
    except ValueError as e:
        err.write(f"graphgrad train: {e}\n")
        return 2
    optimizer = OPTIMIZERS[args.optimizer](lr=lr)
    os.makedirs(args.out, exist_ok=True)
    params_path = os.path.join(args.out, "params.npz")

    train_size = x_train.shape[0]
    batch_size = min(args.batch_size, train_size)
    iter_per_epoch = max(train_size / batch_size, 1)  # the book's, a float
    hidden = ",".join(map(str, args.hidden))
    log(f"{args.dataset}: {train_size} train / {x_test.shape[0]} test, {model} "
        f"{x_train.shape[1]}-{hidden}-{n_classes}, {args.optimizer} lr={lr}, batch "
        f"{batch_size}, {args.iters} iterations ({args.iters / iter_per_epoch:.1f} "
        f"epochs), {args.dtype}")

    if args.check_grad:
        _gradient_check(net, x_train, t_train, log)

    rng = np.random.default_rng(args.seed)
    losses, epochs, train_accs, test_accs = [], [], [], []
    bar = _Progress(args.iters, not args.no_progress, err)
    epoch = 0
    i = -1

    def evaluate(i):
        train_acc = float(net.accuracy(x_train, t_train))
        test_acc = float(net.accuracy(x_test, t_test))
        epochs.append(i / iter_per_epoch)
        train_accs.append(train_acc)
        test_accs.append(test_acc)
        net.save_params(params_path)
        return train_acc, test_acc

    def report(train_acc, test_acc):
        bar.clear()
        log(f"train acc, test acc | {train_acc:.4f}, {test_acc:.4f}")

    t0 = time.perf_counter()
    try:
        for i in range(args.iters):
            batch_mask = rng.choice(train_size, batch_size)
            x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
            grads = net.gradient(x_batch, t_batch)
            optimizer.update(net.params, grads)
            losses.append(net.lastLayer.loss)
            if i % iter_per_epoch == 0:
                acc = evaluate(i)
                if epoch % args.log_every == 0:
                    report(*acc)
                epoch += 1
                bar.update(i + 1, f"test acc {acc[1]:.4f}", force=True)
            else:
                bar.update(i + 1)
        if (args.iters - 1) % iter_per_epoch != 0:  # the last iterations, evaluated too
            report(*evaluate(args.iters - 1))
        bar.update(args.iters, f"test acc {test_accs[-1]:.4f}", force=True)
        bar.close()
    except KeyboardInterrupt:
        bar.close()
        net.save_params(params_path)
        _finish(args.out, losses, epochs, train_accs, test_accs, log)
        err.write(f"graphgrad train: interrupted at iteration {i + 1} of {args.iters}; "
                  f"parameters saved to {params_path}, curves so far in {args.out}\n")
        return 130
    elapsed = time.perf_counter() - t0
    _finish(args.out, losses, epochs, train_accs, test_accs, log)
    log(f"done: {args.iters} iterations in {elapsed:.1f} s; final train acc "
        f"{train_accs[-1]:.4f}, test acc {test_accs[-1]:.4f}; wrote {args.out}")
    return 0


def _finish(out_dir, losses, epochs, train_accs, test_accs, log):
    save_plots(out_dir, losses, epochs, train_accs, test_accs, log)
    history = {"loss": losses, "epoch": epochs, "train_acc": train_accs,
               "test_acc": test_accs}
    tmp = os.path.join(out_dir, f"history.json.{os.getpid()}.tmp")
    with open(tmp, "w") as f:
        json.dump(history, f)
    os.replace(tmp, os.path.join(out_dir, "history.json"))


def train_command(args):
    return run(args)
