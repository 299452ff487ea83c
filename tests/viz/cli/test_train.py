"""`graphgrad train` (viz.cli.train): runs, outputs, Ctrl-C, MNIST fallback, options."""
import argparse
import io
import json
import os
import re
import signal
import sys

import numpy as np
import pytest

from autograd.models import MultiLayerNet, TwoLayerNet
from autograd.optimizers import SGD
from tests.viz.cli.helpers import english_left, help_of
from tests.viz.cli.helpers import run as run_main
from viz.cli import train


def parse(*argv):
    parser = argparse.ArgumentParser()
    train.add_parser(parser.add_subparsers()).set_defaults(func=train.run)
    return parser.parse_args(["train", *argv])


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stderr is when a person runs the command."""

    def isatty(self):
        return True


def run(tmp_path, *argv, err=None):
    out, err = io.StringIO(), err or io.StringIO()
    code = train.run(parse("--out", str(tmp_path), *argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_trains_xor_and_writes_everything(tmp_path):
    code, out, err = run(tmp_path, "--dataset", "xor", "--iters", "400", "--no-progress",
                         "--log-every", "1")
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.startswith("train acc, test acc | ")]
    assert len(lines) == 41  # 40 epochs of 10 iterations, the first one at iteration 0
    assert err == ""
    for name in ("params.npz", "loss.png", "accuracy.png", "history.json"):
        assert (tmp_path / name).stat().st_size > 0
    history = json.loads((tmp_path / "history.json").read_text())
    assert len(history["loss"]) == 400 and history["test_acc"][-1] > 0.85
    net = TwoLayerNet(2, 30, 2)
    net.load_params(tmp_path / "params.npz")  # the saved network is the trained one
    assert np.isfinite(net.params["W1"]).all()


def test_ctrl_c_saves_and_exits_130(tmp_path, monkeypatch):
    calls = {"n": 0}
    update = SGD.update

    def interrupt_later(self, params, grads):
        calls["n"] += 1
        if calls["n"] == 25:
            raise KeyboardInterrupt
        update(self, params, grads)

    monkeypatch.setattr(SGD, "update", interrupt_later)
    code, out, err = run(tmp_path, "--dataset", "spiral", "--iters", "1000",
                         "--no-progress")
    assert code == 130
    assert "interrupted at iteration 25 of 1000" in err
    for name in ("params.npz", "loss.png", "accuracy.png", "history.json"):
        assert (tmp_path / name).exists()
    assert len(json.loads((tmp_path / "history.json").read_text())["loss"]) == 24
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_mnist_falls_back_to_the_test_split(tmp_path, mnist_dir, monkeypatch):
    monkeypatch.delenv("GRAPHGRAD_MNIST_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # no full set cached
    code, out, err = run(tmp_path / "out", "--data-dir", str(mnist_dir), "--hidden", "10",
                         "--iters", "100", "--check-grad", "--no-progress")
    assert code == 0, err
    assert "split 8,000 train / 2,000 test" in out
    assert "8000 train / 2000 test, two-layer 784-10-10" in out
    diffs = [line for line in out.splitlines() if line[:3] in ("W1:", "b1:", "W2:", "b2:")]
    assert len(diffs) == 4 and all(float(d.split(":")[1]) < 1e-6 for d in diffs)
    assert "gradient check: worst" in out and "(ok)" in out
    assert out.count("train acc, test acc | ") == 3  # iterations 0 and 80, and the end


def test_the_gradient_check_shows_its_progress(tmp_path, monkeypatch):
    """Issue 19: --check-grad on a big net ran for minutes without a sign of life.  On a
    terminal a bar counts the numerical gradient's losses, two per parameter (2-30-2:
    152 parameters, 304 losses), and is gone when it is done; --no-progress has none;
    the network's own loss is left as it was."""
    import tqdm
    closed = []
    close = tqdm.tqdm.close

    def record(bar):
        closed.append((getattr(bar, "desc", None), bar.n, bar.total))
        close(bar)

    monkeypatch.setattr(tqdm.tqdm, "close", record)
    err = Terminal()
    code, out, _ = run(tmp_path, "--dataset", "xor", "--iters", "2", "--check-grad",
                       err=err)
    assert code == 0 and "gradient check: worst" in out
    assert ("numerical gradient", 304, 304) in closed  # counted to the end, exactly
    # on the terminal from the start (what it shows later depends on the clock)
    assert re.search(r"numerical gradient: +0%\|.*\| 0/304", err.getvalue())
    code, out, err = run(tmp_path, "--dataset", "xor", "--iters", "2", "--check-grad",
                         "--no-progress", err=Terminal())
    assert code == 0 and "numerical gradient" not in err
    assert "loss" not in vars(TwoLayerNet(2, 3, 2))


def _blas_threads():
    from threadpoolctl import threadpool_info
    return sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})


@pytest.mark.parametrize("option", [[], ["--threads", "1"], ["--threads", "2"],
                                    ["--threads", "0"]])
def test_blas_runs_the_threads_asked_for(tmp_path, monkeypatch, option):
    """Issue 20: BLAS as loaded made 500 MNIST iterations 10x slower on a busy 2-core
    machine; train limits its pools to 1 thread (--threads N: N, 0: as loaded) for the
    gradient check and the training, and gives them back afterwards."""
    pytest.importorskip("threadpoolctl")
    loaded = _blas_threads()
    if not loaded:
        pytest.skip("numpy's BLAS has no thread pool threadpoolctl knows")
    seen = []
    update = SGD.update

    def watch(self, params, grads):
        seen.append(_blas_threads())
        update(self, params, grads)

    monkeypatch.setattr(SGD, "update", watch)
    code, _, err = run(tmp_path, "--dataset", "xor", "--iters", "3", "--no-progress",
                       "--check-grad", *option)
    assert code == 0, err
    want = loaded if option[1:] == ["0"] else [int(option[1]) if option else 1]
    assert seen == [want] * 3
    assert _blas_threads() == loaded


def test_multi_float32_adam_on_spiral(tmp_path):
    code, out, err = run(tmp_path, "--dataset", "spiral", "--hidden", "20,20",
                         "--activation", "tanh", "--optimizer", "adam", "--iters", "600",
                         "--dtype", "float32", "--no-progress", "--check-grad")
    assert code == 0, err
    assert "multi 2-20,20-3, adam lr=0.01" in out and "float32" in out
    assert "gradient check in float64" in out
    net = MultiLayerNet(2, [20, 20], 3, activation="tanh", dtype=np.float32)
    net.load_params(tmp_path / "params.npz")
    assert net.params["W1"].dtype == np.float32


def test_progress_bar_goes_to_a_terminal_only(tmp_path):
    code, out, err = run(tmp_path, "--dataset", "moons", "--iters", "50", err=Terminal())
    assert code == 0
    assert "50/50" in err and "it/s" in err and "test acc" in err  # tqdm's bar
    assert "it/s" not in out
    code, out, err = run(tmp_path, "--dataset", "moons", "--iters", "50")
    assert code == 0 and err == ""  # a log file or a pipe gets no bar


def test_bad_combinations_exit_2(tmp_path):
    code, _, err = run(tmp_path, "--dataset", "xor", "--model", "two-layer",
                       "--hidden", "10,10")
    assert code == 2 and "--model multi" in err
    code, _, err = run(tmp_path, "--dataset", "xor", "--model", "two-layer",
                       "--activation", "sigmoid")
    assert code == 2 and "ReLU" in err
    code, _, err = run(tmp_path, "--dataset", "xor", "--weight-init", "huge")
    assert code == 2 and "--weight-init" in err
    with pytest.raises(SystemExit):
        parse("--hidden", "ten")
    with pytest.raises(SystemExit):
        parse("--lr", "-1")


def test_plots_are_skipped_without_matplotlib(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    code, out, _ = run(tmp_path, "--dataset", "xor", "--iters", "20", "--no-progress")
    assert code == 0
    assert "matplotlib is not installed: no plots" in out
    assert (tmp_path / "params.npz").exists() and not (tmp_path / "loss.png").exists()


def test_the_graphgrad_command(tmp_path, capsys):
    from viz.cli import main

    code = main(["train", "--dataset", "moons", "--iters", "30", "--no-progress",
                 "--out", str(tmp_path)])
    assert code == 0
    assert "train acc, test acc | " in capsys.readouterr().out


@pytest.mark.parametrize("hidden", ["30", "20,20"])
def test_trains_with_the_fused_loss(hidden):
    _, net = train.build_network(parse("--dataset", "xor", "--hidden", hidden), 2, 2)
    net.gradient(np.ones((4, 2)), np.array([0, 1, 1, 0]))
    # the loss is one fused node: the fast path
    assert net.lastLayer.graph.op.name == "softmax_cross_entropy_fused"


def test_a_second_ctrl_c_while_saving_loses_nothing(tmp_path, monkeypatch):
    calls = {"n": 0}
    update, plot = SGD.update, train._plot

    def interrupt_later(self, params, grads):
        calls["n"] += 1
        if calls["n"] == 25:
            raise KeyboardInterrupt
        update(self, params, grads)

    def impatient_user(path, draw):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C again, while the plots are saved
        return plot(path, draw)

    monkeypatch.setattr(SGD, "update", interrupt_later)
    monkeypatch.setattr(train, "_plot", impatient_user)
    code, _, err = run(tmp_path, "--dataset", "spiral", "--iters", "1000", "--no-progress")
    assert code == 130 and "interrupted at iteration 25 of 1000" in err
    for name in ("params.npz", "loss.png", "accuracy.png", "history.json"):
        assert (tmp_path / name).stat().st_size > 0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's overflow, as it diverges
def test_a_diverged_run_writes_strict_json(tmp_path):
    code, out, _ = run(tmp_path, "--dataset", "xor", "--lr", "1e200", "--iters", "30",
                       "--no-progress")
    assert code == 0
    assert "note: the loss is nan from iteration 2 on: the learning rate may be too" in out

    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    history = json.loads((tmp_path / "history.json").read_text(), parse_constant=refuse)
    assert history["loss"][0] > 0 and history["loss"][1] is None


def test_out_of_memory_is_one_line(tmp_path, monkeypatch):
    def too_big(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(train, "build_network", too_big)
    code, _, err = run(tmp_path, "--dataset", "xor", "--no-progress")
    assert code == 1 and err == ("graphgrad train: error: out of memory (try a smaller "
                                 "--hidden or --batch-size)\n")


def test_data_dir_is_the_only_place_looked_at(tmp_path, mnist_dir, monkeypatch):
    monkeypatch.setenv("GRAPHGRAD_MNIST_DIR", str(mnist_dir))  # another copy elsewhere
    (tmp_path / "empty").mkdir()
    code, out, err = run(tmp_path / "out", "--data-dir", str(tmp_path / "empty"),
                         "--no-progress")
    assert code == 2 and out == ""
    assert err == (f"graphgrad train: error: MNIST files not found in {tmp_path / 'empty'}"
                   "; --download fetches the full set (the two t10k files alone are "
                   "enough)\n")


def test_without_the_files_it_says_what_a_user_without_network_does(tmp_path, mnist_dir,
                                                                    monkeypatch):
    """Issue 20: in a fresh clone (no $GRAPHGRAD_MNIST_DIR, an empty cache) the project's
    copy beside the repository is not used: the one-line error says --download, and
    without network a folder by --data-dir or GRAPHGRAD_MNIST_DIR; given that way, the
    same copy trains."""
    monkeypatch.delenv("GRAPHGRAD_MNIST_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    code, out, err = run(tmp_path / "out", "--no-progress")
    cache = tmp_path / "cache" / "graphgrad" / "mnist"
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert err == (f"graphgrad train: error: MNIST files not found in {cache}; --download "
                   "fetches the full set; without network, copy the files from another "
                   "machine into a folder and pass --data-dir DIR or set "
                   "GRAPHGRAD_MNIST_DIR=DIR (the two t10k files alone are enough)\n")
    monkeypatch.setenv("GRAPHGRAD_MNIST_DIR", str(mnist_dir))
    code, out, err = run(tmp_path / "out", "--no-progress", "--iters", "2", "--hidden", "5")
    assert code == 0 and "split 8,000 train / 2,000 test" in out, err


def test_a_damaged_mnist_file_is_named_and_moved_aside(tmp_path, capsys):
    from autograd.datasets.downloader import write_record
    from tests.datasets.helpers import NAMES, synthetic_mnist, write_mnist
    from viz.cli import main

    data = write_mnist(tmp_path / "mnist", synthetic_mnist(n_test=20), names=NAMES[2:])
    write_record(data / NAMES[3], "0" * 64)  # not the digest the file has now
    code = main(["train", "--data-dir", str(data), "--out", str(tmp_path / "out"),
                 "--no-progress"])
    _, err = capsys.readouterr()
    warning, error = err.splitlines()
    assert code == 2
    assert warning.startswith(f"graphgrad train: warning: {data / NAMES[3]} is damaged")
    assert warning.endswith(f"moved it to {data / NAMES[3]}.bad")
    assert error.startswith(f"graphgrad train: error: MNIST files not found in {data}: ")
    assert "has been moved to" in error and (data / f"{NAMES[3]}.bad").exists()


def test_japanese_plots_name_a_font_with_japanese_glyphs(tmp_path, monkeypatch):
    """--lang ja: the curves' titles and labels are Japanese, in a font that has them; the
    same labels in matplotlib's default font would be missing glyphs (the warning)."""
    import warnings
    pytest.importorskip("matplotlib")
    from matplotlib import font_manager

    from viz.cli.lang import speaking
    japanese = train.plot_fonts("ja")
    if not set(japanese.get("font.family", [])) & {f.name for f in
                                                   font_manager.fontManager.ttflist}:
        pytest.skip("matplotlib knows no font with Japanese glyphs (./run installs "
                    "fonts-noto-cjk)")
    assert train.plot_fonts("en") == {}  # English: matplotlib's own defaults
    losses, epochs, acc = list(np.linspace(1, 0.1, 50)), [0, 1, 2], [0.5, 0.7, 0.9]

    def missing_glyphs(fonts):
        monkeypatch.setattr(train, "plot_fonts", lambda lang: fonts)
        with warnings.catch_warnings(record=True) as seen, speaking("ja"):
            warnings.simplefilter("always")
            paths = train.save_plots(tmp_path, losses, epochs, acc, acc)
        assert [os.path.basename(p) for p in paths] == ["loss.png", "accuracy.png"]
        return [str(w.message) for w in seen if "missing from" in str(w.message)]

    assert missing_glyphs(japanese) == []
    assert missing_glyphs({}), "the test would not see a missing glyph"


# ----------------------------------------------------------------------------- in Japanese

# what `train` shows as code: datasets, models, optimizers, activations, initial scales
TRAIN_NAMES = ("mnist", "spiral", "moons", "xor", "multi", "sgd", "momentum", "nesterov",
               "adagrad", "rmsprop", "adam", "relu", "sigmoid", "tanh", "he", "xavier",
               "auto", "DIR", "MNIST", "TwoLayerNet", "MultiLayerNet", "ReLU", "BLAS",
               "Batch", "Normalization")  # the book keeps the method's name


def _said_by_plots(monkeypatch):
    """Every text of every figure train saves (titles, axes, legends, ticks)."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    texts, savefig = [], Figure.savefig

    def recording(fig, *args, **kwargs):
        texts.extend(t.get_text() for t in fig.findobj(Text))
        return savefig(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", recording)
    return texts


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the diverged run's overflow
def test_train_speaks_japanese_under_lang_ja(tmp_path, capsys, monkeypatch):
    """Issue 20: --lang ja leaves no English sentence in what `train` prints (the book's
    accuracy line, the gradient check, the summary), on its progress bars, in its plots'
    titles, axes and legends, or in its notes and errors."""
    pytest.importorskip("matplotlib")
    said = [help_of(capsys, "train", "--lang", "ja")]
    plots = _said_by_plots(monkeypatch)
    captured = sys.stderr
    monkeypatch.setattr(sys, "stderr", Terminal())  # a person's terminal: the bars shown
    code, out, _ = run_main(capsys, "train", "--dataset", "xor", "--iters", "40",
                            "--log-every", "1", "--check-grad", "--out", str(tmp_path),
                            "--lang", "ja")
    bars = sys.stderr.getvalue()
    assert code == 0 and "認識精度（訓練データ, テストデータ） | " in out
    assert "勾配確認" in out and "最後の認識精度は訓練データ " in out
    assert "数値微分:" in bars and "テストデータの認識精度 " in bars and "回/s" in bars
    assert "認識精度" in plots and "訓練データの損失関数の値" in plots
    said += [out, bars, "\n".join(plots)]
    monkeypatch.setattr(sys, "stderr", captured)
    runs = [  # float32 checked in float64; a diverging run; errors
        ("--dataset", "spiral", "--model", "multi", "--hidden", "5,5", "--dtype", "float32",
         "--check-grad", "--iters", "10"),
        ("--dataset", "xor", "--lr", "1e200", "--iters", "30"),
        ("--dataset", "xor", "--hidden", "5", "--model", "two-layer", "--activation",
         "tanh"),
        ("--data-dir", str(tmp_path)),  # no MNIST files there
    ]
    for argv in runs:
        code, out, err = run_main(capsys, "train", *argv, "--no-progress", "--out",
                                  str(tmp_path / "out"), "--lang", "ja")
        said += [out, err]
    assert "float64 で行います" in said[-8] and "損失関数の値が nan です" in said[-6]
    assert "--model multi を使ってください" in said[-3] and "見つかりません" in said[-1]
    calls = {"n": 0}

    def interrupt(self, params, grads):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(SGD, "update", interrupt)
    code, out, err = run_main(capsys, "train", "--dataset", "moons", "--iters", "50",
                              "--no-progress", "--out", str(tmp_path), "--lang", "ja")
    assert code == 130 and "50 回中 3 回目で中断しました" in err
    said += [out, err]
    for text in said:
        assert english_left(text, TRAIN_NAMES) == [], text


def test_the_mnist_split_is_said_in_japanese(tmp_path, capsys, mnist_dir, monkeypatch):
    monkeypatch.setenv("GRAPHGRAD_MNIST_DIR", str(mnist_dir))
    code, out, _ = run_main(capsys, "train", "--iters", "2", "--hidden", "5",
                            "--no-progress", "--out", str(tmp_path), "--lang", "ja")
    assert code == 0
    assert "テスト画像 10,000 枚を訓練 8,000 枚 / テスト 2,000 枚に分けて使います" in out
    assert "--download を付けると全データを取得します" in out
    assert english_left(out, TRAIN_NAMES) == []
