"""`graphgrad train`: the book's training loop (train_neuralnet.py, chapter 5.7.4, run by
autograd.training.train) as a command.  Once per epoch the "train acc, test acc | ..."
line; loss and accuracy curves as PNGs, the parameters as .npz and the curves as
history.json in --out.

Every option and path is checked before the data is loaded.  Parameters are saved at every
epoch (written whole or not at all), and Ctrl-C stops cleanly: the parameters and the
curves so far are saved, a second Ctrl-C is ignored until they are, and the exit code is
130.
"""
import argparse
import contextlib
import json
import math
import os
import sys
import time

import numpy as np

from viz.cli.files import CommandError, atomic_path, output_dir, sigint_ignored
from viz.cli.lang import _, current

__all__ = ["DEFAULTS", "LEARNING_RATES", "add_parser", "blas_threads", "build_network",
           "load_data", "run", "save_plots"]

DATASETS = ("mnist", "spiral", "moons", "xor")
MODELS = ("two-layer", "multi")
ACTIVATIONS = ("relu", "sigmoid", "tanh")
OPTIMIZER_NAMES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
OUTPUTS = ("params.npz", "loss.png", "accuracy.png", "history.json")
# (input size, classes) of each dataset, known before it is loaded
SHAPES = {"mnist": (784, 10), "spiral": (2, 3), "moons": (2, 2), "xor": (2, 2)}
# weights, gradients and the optimizer's state: beyond this a run needs gigabytes
MAX_PARAMETERS = 50_000_000

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
        raise argparse.ArgumentTypeError(_(
            "--hidden wants a size or a comma-separated list like 100,100, got {text}"
        ).format(text=repr(text))) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(_("--hidden sizes must be >= 1, got {text}").format(
            text=repr(text)))
    return sizes


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(_("not a number: {text}").format(
                text=repr(text))) from None
        if not math.isfinite(value) or value <= 0:
            raise argparse.ArgumentTypeError(_("must be a finite number > 0, got {text}").format(
                text=text))
        return value
    return parse


def add_parser(sub):
    p = sub.add_parser(
        "train", help=_("train a network on MNIST or a built-in dataset"),
        description=_("Train the book's TwoLayerNet (or a MultiLayerNet) with mini-batch "
        "gradient descent, backpropagation by the engine.  Writes loss.png, "
        "accuracy.png, params.npz and history.json to --out."))
    p.add_argument("--dataset", choices=DATASETS, default="mnist",
                   help=_("mnist (default), or a small 2-D set: spiral, moons, xor"))
    p.add_argument("--data-dir", default=None, metavar="DIR",
                   help=_("where the MNIST files are (default: $GRAPHGRAD_MNIST_DIR, then "
                   "the cache); without the 60,000 training images the 10,000 test "
                   "images are split 8,000 / 2,000"))
    p.add_argument("--download", action="store_true",
                   help=_("download the MNIST files if they are missing"))
    p.add_argument("--model", choices=MODELS, default=None,
                   help=_("two-layer (the book's TwoLayerNet) or multi (MultiLayerNet); "
                   "default two-layer for one hidden size, multi for a list"))
    p.add_argument("--hidden", type=_hidden, default=None, metavar="SIZES",
                   help=_("hidden layer size(s): 50, or a list like 100,100 "
                   "(default 50 for MNIST, 30 for the small sets)"))
    p.add_argument("--activation", choices=ACTIVATIONS, default="relu",
                   help=_("hidden activation (multi only; TwoLayerNet is ReLU)"))
    p.add_argument("--weight-init", default="auto", metavar="STD",
                   help=_("initial weight scale: a number, he, xavier, or auto (0.01 for "
                   "the book's MNIST TwoLayerNet, else he for relu, xavier otherwise)"))
    p.add_argument("--optimizer", choices=OPTIMIZER_NAMES, default="sgd")
    p.add_argument("--lr", type=_positive(float), default=None,
                   help=_("learning rate (default: 0.1 for SGD on MNIST, as the book; "
                   "see viz.cli.train.LEARNING_RATES)"))
    p.add_argument("--batch-size", type=_positive(int), default=None,
                   help=_("mini-batch size (default 100 for MNIST, 30 for the small sets)"))
    p.add_argument("--iters", type=_positive(int), default=None,
                   help=_("training iterations (default 10000 for MNIST, 3000 otherwise)"))
    p.add_argument("--seed", type=int, default=0,
                   help=_("seed of the initial weights and of the batch order"))
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--log-every", type=_positive(int), default=None, metavar="EPOCHS",
                   help=_("print the accuracy line every this many epochs (default 1 for "
                   "MNIST, 20 for the small sets); the curves get every epoch"))
    p.add_argument("--out", default=os.path.join("graphgrad-out", "train"), metavar="DIR",
                   help=_("output folder (default graphgrad-out/train)"))
    p.add_argument("--check-grad", action="store_true",
                   help=_("first compare backprop with the numerical gradient on 3 samples "
                   "and print the differences (as the book's gradient_check.py)"))
    p.add_argument("--threads", type=_threads, default=1, metavar="N",
                   help=_("BLAS threads (default 1: the book's matrices are small, and "
                   "on a busy machine more threads wait on each other; 0 leaves BLAS as "
                   "numpy loaded it)"))
    p.add_argument("--no-progress", action="store_true", help=_("no progress bar"))
    p.add_argument("--batchnorm", action="store_true",
                   help=_("instead, the book's batch_norm_test.py (figure 6-19): networks "
                          "with and without Batch Normalization over 16 weight scales; "
                          "writes batchnorm.png and batchnorm.json"))
    p.add_argument("--scales", type=int, default=16, metavar="N",
                   help=_("--batchnorm: how many of the book's 16 weight scales (default "
                          "all; fewer is quicker)"))
    return p


def _threads(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a number: {text}").format(
            text=repr(text))) from None
    if value < 0:
        raise argparse.ArgumentTypeError(_("--threads must be 0 or more, got {text}").format(
            text=text))
    return value


def blas_threads(n):
    """A context in which numpy's BLAS uses `n` threads (0: as loaded).  A pool of
    threads sized for the machine pays off for large products only: for the book's
    (100, 784) @ (784, 50) its threads mostly wait, and on a machine whose cores are
    busy they spin against the other processes (benchmarks/bench_threads.py)."""
    from threadpoolctl import threadpool_limits
    return contextlib.nullcontext() if n == 0 else threadpool_limits(n, user_api="blas")


# ----------------------------------------------------------------------------- options

def _model(args):
    return args.model or ("two-layer" if len(args.hidden) == 1 else "multi")


def _weight_init(arg, model, activation, dataset):
    if arg == "auto":
        if model == "two-layer":
            return 0.01 if dataset == "mnist" else 1.0 / np.sqrt(2.0)
        return "he" if activation == "relu" else "xavier"
    if arg.lower() in ("he", "relu", "xavier", "sigmoid"):
        if model == "two-layer":
            raise CommandError(_("--weight-init he/xavier is for --model multi; "
                                 "TwoLayerNet takes a number (the book's weight_init_std)"))
        return arg.lower()
    try:
        std = float(arg)
    except ValueError:
        raise CommandError(_("--weight-init wants a number, he, xavier or auto, got "
                             "{value}").format(value=repr(arg))) from None
    if not math.isfinite(std) or std < 0:
        raise CommandError(_("--weight-init must be a finite number >= 0, got {value}").format(
            value=arg))
    return std


def _check_network(args):
    model = _model(args)
    hidden = args.hidden
    if model == "two-layer" and len(hidden) != 1:
        raise CommandError(_("--model two-layer has one hidden layer; got --hidden {sizes} "
                             "(use --model multi)").format(sizes=",".join(map(str, hidden))))
    if model == "two-layer" and args.activation != "relu":
        raise CommandError(_("the book's TwoLayerNet is a ReLU network; use --model multi "
                             "for --activation {activation}").format(
                                 activation=args.activation))
    inputs, classes = SHAPES[args.dataset]
    sizes = [inputs, *hidden, classes]
    count = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    if count > MAX_PARAMETERS:
        size = count * np.dtype(args.dtype).itemsize
        raise CommandError(_("--hidden {sizes} makes a network of {count} parameters ({gb} "
                             "GB as {dtype}); the limit is {limit}").format(
                                 sizes=",".join(map(str, hidden)), count=f"{count:,}",
                                 gb=f"{size / 1e9:,.1f}", dtype=args.dtype,
                                 limit=f"{MAX_PARAMETERS:,}"))
    return _weight_init(args.weight_init, model, args.activation, args.dataset)


def _check_paths(args):
    output_dir(args.out, "--out", OUTPUTS)
    if args.data_dir is not None and args.dataset != "mnist":
        raise CommandError(_("--data-dir is for --dataset mnist; {dataset} is made on the "
                             "spot").format(dataset=args.dataset))
    if args.data_dir is not None and not os.path.isdir(args.data_dir):
        raise CommandError(_("--data-dir {path}: no such directory").format(
            path=args.data_dir))


def check_options(args):
    """Fill in the defaults, then check every option and path before any work."""
    kind = "mnist" if args.dataset == "mnist" else "small"
    for key, value in DEFAULTS[kind].items():
        if getattr(args, key, None) is None:
            setattr(args, key, _hidden(value) if key == "hidden" else value)
    if args.lr is None:
        args.lr = LEARNING_RATES[kind][args.optimizer]
    if args.seed < 0:
        raise CommandError(_("--seed must be 0 or more, got {value}").format(value=args.seed))
    _check_paths(args)
    return _check_network(args)


# ----------------------------------------------------------------------------- data

def load_data(name, data_dir=None, download=False, log=print):
    """((x_train, t_train), (x_test, t_test)) for a dataset name; labels are integers."""
    from autograd import datasets

    if name == "mnist":
        data = datasets.load_mnist_with_fallback(data_dir, download=download,
                                                 progress=True)
        if not data.full:
            log(_split_described(data) + ("" if download else
                                           _("; pass --download to fetch the full set")))
        return data.train, data.test
    # the small sets: a second draw from the same distribution is the test set
    make = {"spiral": lambda s: datasets.spiral(100, 3, seed=s),
            "moons": lambda s: datasets.two_moons(300, noise=0.1, seed=s),
            "xor": lambda s: datasets.xor(300, noise=0.0, seed=s)}[name]
    return make(0), make(1)


def _split_described(data):
    """What the MNIST loader says of the 8,000 / 2,000 split of the test images, in the
    command's language (the engine says it in English)."""
    if current() == "en":
        return data.description
    return _("MNIST: the 60,000 training images were not found; using the 10,000 test "
             "images split {train} train / {test} test").format(
                 train=f"{len(data.train[0]):,}", test=f"{len(data.test[0]):,}")


def _one_line(text):
    return " ".join(str(text).split())


def _not_found(e, download, data_dir=None):
    """A one-line MNISTNotFoundError: where it looked, why, and what to do (a machine
    without network is given the files by a folder: nothing else is looked at)."""
    where = ", ".join(map(str, e.searched)) or _("no directory")
    reason = "" if not e.reason or e.reason.startswith("Not downloading") \
        else f": {_one_line(e.reason)}"
    hint = "" if download else _("; --download fetches the full set")
    if data_dir is None:
        hint += _("; without network, copy the files from another machine into a folder "
                  "and pass --data-dir DIR or set {variable}=DIR").format(
                      variable="GRAPHGRAD_MNIST_DIR")
    return _("MNIST files not found in {where}{reason}{hint} (the two t10k files alone "
             "are enough)").format(where=where, reason=reason, hint=hint)


def loaded(args, log):
    """load_data for the command's options, or a CommandError saying what to do."""
    from autograd.datasets import MNISTNotFoundError
    try:
        return load_data(args.dataset, args.data_dir, args.download, log)
    except MNISTNotFoundError as e:
        raise CommandError(_not_found(e, args.download, args.data_dir)) from None
    except (OSError, ValueError) as e:
        raise CommandError(_one_line(e)) from None


def _prepared(args, log):
    (x_train, t_train), (x_test, t_test) = loaded(args, log)
    dtype = np.dtype(args.dtype)
    # once, up front: the network would otherwise convert every mini-batch
    x_train = x_train.reshape(len(x_train), -1).astype(dtype)
    x_test = x_test.reshape(len(x_test), -1).astype(dtype)
    return (x_train, np.asarray(t_train)), (x_test, np.asarray(t_test))


# ----------------------------------------------------------------------------- plots

def _plot(path, draw):
    """One figure through a Figure + Agg canvas (no pyplot: no global backend, no GUI),
    written whole or not at all."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context(plot_fonts(current())):
        fig = Figure(figsize=(6, 4))
        FigureCanvasAgg(fig)
        draw(fig.add_subplot())
        fig.tight_layout()
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=100)
    return path


def plot_fonts(lang):
    """matplotlib settings for `lang`: for Japanese the CJK families of
    viz.i18n.font_family that matplotlib has, first (none named that it lacks: each
    would be a warning); English: matplotlib's own defaults."""
    if lang == "en":
        return {}
    from matplotlib import font_manager

    from viz.i18n import font_family
    have = {f.name for f in font_manager.fontManager.ttflist}
    families = [f for f in font_family(lang).split(",") if f in have]
    return {"font.family": families + ["sans-serif"]} if families else {}


def _loss_curve(losses):
    def draw(ax):
        if losses:
            it = np.arange(1, len(losses) + 1)
            ax.plot(it, losses, color="0.75", linewidth=0.6, label=_("mini-batch loss"))
            k = min(100, len(losses))
            if k > 1:
                smooth = np.convolve(losses, np.ones(k) / k, mode="valid")
                ax.plot(it[k - 1:], smooth, color="C0", label=_("mean of {k}").format(k=k))
            ax.legend(loc="upper right")
        ax.set_xlabel(_("iteration"))
        ax.set_ylabel(_("loss"))
        ax.set_title(_("training loss"))
    return draw


def _accuracy_curve(epochs, train_acc, test_acc):
    def draw(ax):
        if epochs:
            ax.plot(epochs, train_acc, marker="o", markersize=3, label=_("train acc"))
            ax.plot(epochs, test_acc, marker="s", markersize=3, linestyle="--",
                    label=_("test acc"))
            ax.legend(loc="lower right")
        ax.set_xlabel(_("epochs"))
        ax.set_ylabel(_("accuracy"))
        ax.set_ylim(0, 1.0)
        ax.set_title(_("accuracy"))
    return draw


def save_plots(out_dir, losses, epochs, train_acc, test_acc, log=print):
    """loss.png (every iteration, with a moving average) and accuracy.png (train and test
    accuracy per epoch, as the book's figure 4-12).  Returns the paths written."""
    try:
        import matplotlib  # noqa: F401
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError:
        log(_("matplotlib is not installed: no plots (pip install matplotlib)"))
        return []
    return [_plot(os.path.join(out_dir, "loss.png"), _loss_curve(losses)),
            _plot(os.path.join(out_dir, "accuracy.png"),
                  _accuracy_curve(epochs, train_acc, test_acc))]


def _strict(values):
    """JSON has no NaN or infinity: a diverged run's values are written as null."""
    return [v if math.isfinite(v) else None for v in values]


def save_history(out_dir, history):
    curves = {k: _strict(v) for k, v in history.as_dict().items()}
    with atomic_path(os.path.join(out_dir, "history.json")) as tmp:
        tmp.write_text(json.dumps(curves, allow_nan=False), encoding="utf-8")


# ----------------------------------------------------------------------------- the run

def _gradient_check(net, x, t, log, bar):
    """The book's gradient check on 3 samples, printed; `bar`: tqdm's options for the
    progress bar of the numerical gradient (minutes on a big net)."""
    from autograd.gradcheck import gradient_check

    if net.dtype != np.float64:  # central differences need float64's digits
        log(_("gradient check in float64 (float32 central differences are off by ~1e-3):"))
        check_net = _float64_copy(net)
    else:
        log(_("gradient check (mean |backprop - numerical| per parameter, 3 samples):"))
        check_net = net
    t0 = time.perf_counter()
    with _counting_losses(check_net, bar):
        diffs = gradient_check(check_net, x[:3], t[:3], verbose=False)
    for key, d in diffs.items():
        log(f"{key}:{d:.1e}")
    worst = max(diffs.values())
    verdict = _("ok") if worst < 1e-6 else _("LARGER THAN 1e-6: check the backward pass")
    log(_("gradient check: worst {worst} ({verdict}), {seconds} s").format(
        worst=f"{worst:.1e}", verdict=verdict, seconds=f"{time.perf_counter() - t0:.1f}"))
    return diffs


@contextlib.contextmanager
def _counting_losses(net, options):
    """A progress bar fed by the network's loss while the block runs: central differences
    call it twice per parameter, so the bar says how far the numerical gradient is, the
    engine knowing nothing of bars."""
    from tqdm import tqdm

    total = 2 * sum(int(p.size) for p in net.params.values())
    bar = tqdm(total=total, desc=_("numerical gradient"), unit=_(" loss"), leave=False,
               dynamic_ncols=True, **options)
    loss = net.loss

    def counted(*args, **kwargs):
        bar.update(1)
        return loss(*args, **kwargs)

    net.loss = counted  # an instance attribute: the class's loss is untouched
    try:
        yield
    finally:
        del net.loss
        bar.close()


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


def build_network(args, input_size, output_size, std=None):
    """(model name, network) for the options; `std` as check_options found it."""
    from autograd.models import MultiLayerNet, TwoLayerNet

    if std is None:
        std = _check_network(args)
    model = _model(args)
    if model == "two-layer":
        return model, TwoLayerNet(input_size, args.hidden[0], output_size, std,
                                  dtype=args.dtype, seed=args.seed)
    return model, MultiLayerNet(input_size, args.hidden, output_size, args.activation,
                                std, dtype=args.dtype, seed=args.seed)


def _bar_options(args, err):
    """tqdm's stream and switch: quiet when stderr is not a terminal (disable=None), or
    when asked."""
    return {"file": err, "disable": True if args.no_progress else None}


class _Session:
    """What the command adds to autograd.training.train: the progress bar, the accuracy
    lines, the parameters saved every epoch, and the files at the end."""

    def __init__(self, args, net, out, err):
        from tqdm import tqdm

        from autograd.training import History
        self.args, self.net, self.out = args, net, out
        self.history = History()
        self.params_path = os.path.join(args.out, "params.npz")
        self.bar = tqdm(total=args.iters, unit=_("it"), dynamic_ncols=True,
                        **_bar_options(args, err))
        self.checked = 0  # losses looked at for the first non-finite one

    def log(self, message):
        from tqdm import tqdm
        tqdm.write(message, file=self.out)
        self.out.flush()

    def epoch(self, history):
        self.net.save_params(self.params_path)
        at = history.iteration[-1]
        boundary = at % history.iter_per_epoch == 0
        if not boundary or (len(history.iteration) - 1) % self.args.log_every == 0:
            # the line of the book's train_neuralnet.py, in the command's language
            self.log(_("train acc, test acc | {train}, {test}").format(
                train=f"{history.train_acc[-1]:.4f}", test=f"{history.test_acc[-1]:.4f}"))
        self._diverged(history.loss)
        self.bar.set_postfix_str(_("test acc {accuracy}").format(
            accuracy=f"{history.test_acc[-1]:.4f}"), refresh=False)

    def _diverged(self, loss):
        """Say once where the loss stopped being a number."""
        if self.checked is None:
            return
        bad = next((i for i in range(self.checked, len(loss))
                    if not math.isfinite(loss[i])), None)
        self.checked = len(loss)
        if bad is not None:
            self.checked = None
            self.log(_("note: the loss is {loss} from iteration {iteration} on: the "
                       "learning rate may be too large").format(loss=loss[bad],
                                                                iteration=bad + 1))

    def step(self, history):
        self.bar.update(1)

    def save(self):
        """The parameters, the plots, then history.json; a second Ctrl-C waits."""
        self.bar.close()
        with sigint_ignored():
            self.net.save_params(self.params_path)
            save_plots(self.args.out, self.history.loss, self.history.epoch,
                       self.history.train_acc, self.history.test_acc, self.log)
            save_history(self.args.out, self.history)


def _describe(args, data, model, n_classes):
    (x_train, _t), (x_test, _t) = data
    batch = min(args.batch_size, len(x_train))
    epochs = args.iters / max(len(x_train) / batch, 1)
    return _("{dataset}: {train} train / {test} test, {model} {sizes}, {optimizer} "
             "lr={lr}, batch {batch}, {iters} iterations ({epochs} epochs), {dtype}").format(
                 dataset=args.dataset, train=len(x_train), test=len(x_test), model=model,
                 sizes=f"{x_train.shape[1]}-{','.join(map(str, args.hidden))}-{n_classes}",
                 optimizer=args.optimizer, lr=args.lr, batch=batch, iters=args.iters,
                 epochs=f"{epochs:.1f}", dtype=args.dtype)


def _train(args, out, err):
    from autograd.optimizers import OPTIMIZERS
    from autograd.training import train

    std = check_options(args)

    def log(message):
        out.write(message + "\n")
        out.flush()

    data = _prepared(args, log)
    (x_train, t_train), (_x, t_test) = data
    n_classes = int(max(t_train.max(), t_test.max())) + 1
    model, net = build_network(args, x_train.shape[1], n_classes, std)
    os.makedirs(args.out, exist_ok=True)
    log(_describe(args, data, model, n_classes))
    with blas_threads(args.threads):
        if args.check_grad:
            _gradient_check(net, x_train, t_train, log, _bar_options(args, err))
        session = _Session(args, net, out, err)
        t0 = time.perf_counter()
        try:
            train(net, OPTIMIZERS[args.optimizer](lr=args.lr), data, iters=args.iters,
                  batch_size=args.batch_size, seed=args.seed, callback=session.epoch,
                  on_iteration=session.step, history=session.history)
        except KeyboardInterrupt:
            return _interrupted(session, args, err)
    elapsed = time.perf_counter() - t0
    session.save()
    h = session.history
    log(_("done: {iters} iterations in {seconds} s; final train acc {train}, test acc "
          "{test}; wrote {out}").format(iters=args.iters, seconds=f"{elapsed:.1f}",
                                         train=f"{h.train_acc[-1]:.4f}",
                                         test=f"{h.test_acc[-1]:.4f}", out=args.out))
    return 0


def _interrupted(session, args, err):
    session.save()
    err.write(_("graphgrad train: interrupted at iteration {iteration} of {iters}; "
                "parameters saved to {params}, curves so far in {out}").format(
                    iteration=session.history.iterations + 1, iters=args.iters,
                    params=session.params_path, out=args.out) + "\n")
    return 130


def run(args, out=None, err=None):
    """Run `graphgrad train` with parsed `args`; returns the exit code (0, 130 after
    Ctrl-C, 2 for a bad option or missing data, 1 when memory runs out)."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        if getattr(args, "batchnorm", False):
            from viz.cli import batchnorm_test
            return batchnorm_test.run(args, out, err)
        return _train(args, out, err)
    except CommandError as e:
        err.write(_("{prog}: error: {message}").format(prog="graphgrad train", message=e)
                  + "\n")
        return e.code
    except MemoryError:
        err.write(_("graphgrad train: error: out of memory (try a smaller --hidden or "
                    "--batch-size)") + "\n")
        return 1
